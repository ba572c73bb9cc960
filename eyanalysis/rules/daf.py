"""The Disability Access Fund (D1-D3): annual rates, when a payment falls due, school starters.

D1: one payment a year for a child receiving Disability Living Allowance who takes up any
funded entitlement, to the one setting the parent nominates; not hour-based; never for a
child in a Reception class. D2: when the DAF year resets (``daf.period_rule``) and whether
a child leaving for Reception receives a share (``daf.school_starters``) differ between
authorities, so both are dated parameters. D3: a scheme may refuse its own award where DAF
is claimed (``inclusion.not_with_daf``, applied by the supplement rules).

Money is exact (F10): the annual rate in pence, a school starter's share rounded half up
to the penny.
"""

from __future__ import annotations

import calendar
import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pandas as pd

from eyanalysis.errors import EyAnalysisError, ParameterDateError, ParameterError
from eyanalysis.parameters import Parameters, as_date, resolve
from eyanalysis.rules import terms, timing
from eyanalysis.rules.money import rate_units, round_half_up_div

PERIOD_RULES = ("financial_year", "rolling_12_months", "first_term_then_anniversary")
SCHOOL_STARTER_RULES = ("full", "pro_rata")
TERMS_A_YEAR = 3
SCHEDULE_COLUMNS = ["child_id", "setting_id", "term", "period_rule", "rate_pence", "share",
                    "amount_pence"]


def annual_rate(on: dt.date | str, params: Parameters | None = None) -> Decimal | None:
    """The annual DAF rate in force on ``on`` (D1), or ``None`` before the fund began."""
    try:
        return Decimal(resolve(params).get("daf.rate", on))
    except ParameterDateError:
        return None


def annual_pence(on: dt.date | str, params: Parameters | None = None) -> int:
    """The annual DAF rate on ``on`` in pence; refuses a date before the fund began."""
    rate = annual_rate(on, params)
    if rate is None:
        raise ParameterDateError(
            f"No Disability Access Fund on {as_date(on).isoformat()}: it began on 1 April "
            "2017 (daf.rate). Choose a later date."
        )
    units = rate_units(rate)
    if units % 100:
        raise ParameterError(f"daf.rate {rate} on {as_date(on)}: use whole pence.")
    return units // 100


def _add_months(day: dt.date, months: int) -> dt.date:
    y, m = divmod(day.month - 1 + months, 12)
    last = calendar.monthrange(day.year + y, m + 1)[1]
    return dt.date(day.year + y, m + 1, min(day.day, last))


def due_terms(claimed: list[str], rule: str | dict[str, str],
              params: Parameters | None = None) -> list[str]:
    """The terms, of one child's DAF terms ``claimed``, in which a payment falls due (D2).

    ``claimed`` are the terms the child takes up a funded entitlement with DAF eligibility
    (any order); ``rule`` is one of :data:`PERIOD_RULES`, or a mapping term -> rule when
    the rule in force changes. Payments are dated at the start of their term.

    - ``financial_year``: the first claimed term of each financial year
      (:func:`eyanalysis.rules.timing.financial_year`: from April in English local
      government, ``payments.financial_year_start``).
    - ``rolling_12_months``: the first claimed term, then the first claimed term starting
      12 months or more after the last payment.
    - ``first_term_then_anniversary``: the first claimed term, then the term holding each
      anniversary of that first term's start (or the next claimed term after it, if the
      child is not claimed then); the anniversaries stay tied to the first term.
    """
    paid: list[dt.date] = []
    out = []
    first: dt.date | None = None
    for term in sorted(set(claimed), key=terms.index):
        start = terms.start(term)
        this_rule = rule[term] if isinstance(rule, dict) else rule
        if this_rule not in PERIOD_RULES:
            raise ParameterError(
                f"Unknown DAF period rule {this_rule!r}; use one of {', '.join(PERIOD_RULES)}.")
        first = first or start
        if not paid:
            due = True
        elif this_rule == "financial_year":
            due = (timing.financial_year(start, params)
                   != timing.financial_year(paid[-1], params))
        elif this_rule == "rolling_12_months":
            due = start >= _add_months(paid[-1], 12)
        else:
            years = (terms.end(term).year - first.year) - (
                (terms.end(term).month, terms.end(term).day) < (first.month, first.day))
            anniversary = _add_months(first, 12 * years)
            due = anniversary > paid[-1]
        if due:
            paid.append(start)
            out.append(term)
    return out


def school_starter_share(term: str, entry_term: str | None, rule: str) -> Fraction:
    """Share of the annual DAF paid in ``term`` to a child starting Reception in
    ``entry_term`` (D2). ``full`` always pays it all; ``pro_rata`` pays the terms left
    before Reception out of the three of a year (a payment in the spring before a
    September start: 2/3; in the summer: 1/3). A child already past ``entry_term`` (entry
    deferred or delayed, still in funded early education) is paid in full: their real
    Reception term is not known."""
    if rule not in SCHOOL_STARTER_RULES:
        raise ParameterError(
            f"Unknown DAF school-starter rule {rule!r}; use one of {SCHOOL_STARTER_RULES}.")
    if rule == "full" or entry_term is None:
        return Fraction(1)
    left = terms.index(entry_term) - terms.index(term)
    return Fraction(left, TERMS_A_YEAR) if 0 < left < TERMS_A_YEAR else Fraction(1)


def schedule(claims: pd.DataFrame, params: Parameters | None = None) -> pd.DataFrame:
    """DAF payments due for DAF-eligible children term by term (D1, D2), exact pence.

    ``claims`` has one row per child per term in which the child receives DLA and takes
    up a funded entitlement at the setting the parent nominated: ``child_id``,
    ``setting_id``, ``term``; optionally ``birth_month`` (YYYY-MM, for the school-starter
    rule, :func:`eyanalysis.rules.terms.school_entry`) and ``reception`` (true for a child
    in a Reception class: never paid, D1). A child nominated at two settings in one term
    is refused: DAF goes to one setting.

    Each payment is dated at the start of its term and uses the rules and the annual rate
    in force then (``daf.period_rule``, ``daf.school_starters``, ``daf.rate``, and the
    financial year of :mod:`eyanalysis.rules.timing`). Returns :data:`SCHEDULE_COLUMNS`, one row per
    payment, ``share`` as text (``"1"``, ``"2/3"``).
    """
    params = resolve(params)
    rows = claims.copy()
    if "reception" in rows:
        rows = rows.loc[~rows["reception"].fillna(False).astype(bool)]
    rows = rows.assign(child_id=rows["child_id"].astype(str), term=rows["term"].astype(str))
    twice = rows[rows.duplicated(["child_id", "term"], keep=False)]
    if len(twice):
        names = ", ".join(sorted(f"{c} in {t}" for c, t in
                                 twice[["child_id", "term"]].drop_duplicates().itertuples(
                                     index=False)))
        raise EyAnalysisError(
            f"DAF is nominated at more than one setting for {names}: DAF goes to the one "
            "setting the parent nominates (D1). Keep one row per child per term."
        )
    entry = {}
    if "birth_month" in rows:
        births = rows.drop_duplicates("child_id").set_index("child_id")["birth_month"]
        entry = dict(zip(births.index, terms.school_entry(births.astype("string")),
                         strict=True))
    out = []
    for child, own in rows.groupby("child_id", sort=True):
        setting = dict(zip(own["term"], own["setting_id"].astype(str), strict=True))
        starts = {t: terms.start(t) for t in setting}
        rule = {t: params.get("daf.period_rule", starts[t]) for t in setting}
        for term in due_terms(list(setting), rule, params):
            pence = annual_pence(starts[term], params)
            share = school_starter_share(term, entry.get(child),
                                         params.get("daf.school_starters", starts[term]))
            amount = int(round_half_up_div([pence * share.numerator], share.denominator)[0])
            out.append((child, setting[term], term, rule[term], pence, str(share), amount))
    frame = pd.DataFrame(out, columns=SCHEDULE_COLUMNS)
    return frame.astype({"rate_pence": "int64", "amount_pence": "int64"})

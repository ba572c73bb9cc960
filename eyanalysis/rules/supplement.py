"""The Inclusion Supplement (F1, F5, F10) and the Early Years Pupil Premium (P1, E2).

Amounts are computed per child, per setting, per term in exact integer units and rounded
half up to the penny there (F10); every total is a sum of those rounded pence.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pandas as pd

from eyanalysis.rules.hours import category_codes, claim_units, claimable, flags
from eyanalysis.rules.levels import LEVELS
from eyanalysis.rules.money import HOUR_UNITS, amount_pence, rate_units
from eyanalysis.rules.rates import Rates
from eyanalysis.vocabulary import FUNDING_AGES


def claim(att: pd.DataFrame, rates: Rates) -> pd.DataFrame:
    """Claimable hours under the cap, split and specialist rules in force (F2-F4)."""
    return claimable(att, rates.weekly_hour_cap, rates.split_rule, rates.specialist_rule)


def age_codes(col: pd.Series) -> np.ndarray:
    """Codes of a funding-age column in :data:`~eyanalysis.vocabulary.FUNDING_AGES`
    (-1 for anything else, such as a missing age or ``"not NEF-funded"``)."""
    return category_codes(col, FUNDING_AGES)


def supplement(att: pd.DataFrame, rates: Rates, hours: pd.DataFrame | None = None) -> pd.DataFrame:
    """Inclusion Supplement for every row (one child at one setting in one term).

    ``att`` needs ``level`` (ids, see :mod:`eyanalysis.rules.levels`) and ``funding_age``
    (``"under-2"``, ``"2"`` or ``"3-4"``) besides the columns :func:`claim` needs.

    - F1: amount = claimable hours x the top-up of the child's level.
    - F5: nothing is paid for a level inside the base rate of the child's funding age
      (GR1 and GR2 for 2-year-olds); such rows are not ``paid``.
    - F6': nothing is paid for a funding age with no entitlement on ``rates.on`` (under-2s
      before September 2024). A value that is not a funding age at all (a 0-5 child the
      panel funds outside NEF, X4) has no base rate, so F5 does not apply to it.
    - D3: when ``inclusion.not_with_daf`` says so, nothing is paid for a child flagged
      ``daf`` (at any setting in ``att``).
    - F10: rounded half up to the penny per row.

    Returns ``paid`` (bool: a supplement level with claimable hours, outside the base
    rate), ``rate`` (top-up in hundredths of a penny) and ``amount_pence``, with the
    claimable-hours columns.
    """
    hours = claim(att, rates) if hours is None else hours
    paid, rate = paid_and_rate(att, rates, hours["term_num"].to_numpy())
    amount = np.where(paid, amount_pence(hours["term_num"], hours["weekly_den"], rate), 0)
    out = hours.copy()
    out["paid"] = paid
    out["rate"] = rate
    out["amount_pence"] = amount.astype("int64")
    return out


def paid_and_rate(att: pd.DataFrame, rates: Rates, term_num: np.ndarray,
                  code: np.ndarray | None = None, age: np.ndarray | None = None
                  ) -> tuple[np.ndarray, np.ndarray]:
    """``(paid, rate)`` per row: F1, F5, F6' and D3 (see :func:`supplement`). ``code`` (level
    codes in LEVELS) and ``age`` (:func:`age_codes`) may be passed precomputed."""
    units = np.append(
        np.array([rate_units(rates.top_up.get(lvl, 0)) for lvl in LEVELS], dtype="int64"), 0)
    code = category_codes(att["level"], LEVELS) if code is None else code
    rate = units[code]  # code -1 (unknown level) -> the appended 0
    age = age_codes(att["funding_age"]) if age is None else age
    # (funding age, level) -> not paid; the last row is "not a funding age" (F5 n/a)
    unpaid = np.zeros((len(FUNDING_AGES) + 1, len(LEVELS) + 1), dtype=bool)
    for i, funding_age in enumerate(FUNDING_AGES):
        if funding_age not in rates.in_base_rate:
            unpaid[i, :] = True  # F6': no entitlement at this age on rates.on
            continue
        for lvl in rates.in_base_rate[funding_age]:  # F5
            if lvl in LEVELS:
                unpaid[i, LEVELS.index(lvl)] = True
    inside = unpaid.ravel()[age * unpaid.shape[1] + np.where(code < 0, len(LEVELS), code)]
    paid = (code > 0) & ~inside & (term_num > 0)
    if rates.not_with_daf and "daf" in att and paid.any():  # D3: a child with DAF, any setting
        with_daf = pd.Series(flags(att["daf"])).groupby(att["child_id"].to_numpy()
                                                       ).transform("any").to_numpy()
        paid &= ~with_daf
    return paid, rate


# -- Early Years Pupil Premium ------------------------------------------------------------

def eypp_units(att: pd.DataFrame, rates: Rates,
               supplement_units: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
               ) -> tuple[np.ndarray, np.ndarray]:
    """``(term_num, den)`` of the hours EYPP is paid on, per row (E2, P1).

    EYPP is paid per funded hour up to ``eypp.weekly_hour_cap`` (15) hours a week and
    ``eypp.yearly_hour_cap`` (570) hours a year per child, never on the 3-4 extended
    hours. Attendance gives one ``hours_per_week`` per setting, not hours per entitlement
    stream, so the hours EYPP is paid on are the child's claimable hours with the weekly
    cap set to the EYPP cap: the first 15 hours of the week are the universal (or
    disadvantaged 2-year-old, or first 15 working-parent) hours, the rest the extended
    hours. Across settings the EYPP cap is shared by the split rule in force (F3), and F4
    decides where it goes when ``eypp.specialist_rule`` says so (the default, as before it
    was a parameter). A child whose EYPP hours in the frame (one term, or one term per
    ``term``) exceed the yearly cap has each row scaled pro rata to the yearly cap.

    ``supplement_units`` (the supplement's :func:`~eyanalysis.rules.hours.claim_units`)
    is reused when the EYPP caps and rules equal the supplement's.

    Hours given per census stream (DOMAIN §10) say which hours are extended: a row's
    ``eypp_hours_per_week`` (its hours less its 3-4 extended hours, from
    :func:`eyanalysis.data.schemas.derive_hours`) then bounds the weekly hours EYPP is paid
    on before the caps; blank keeps the first-15-hours reading above.
    """
    same = (rates.eypp_cap == rates.weekly_hour_cap
            and rates.eypp_specialist == rates.specialist_rule)
    if "eypp_hours_per_week" in att and att["eypp_hours_per_week"].notna().any():
        att = att.assign(hours_per_week=np.fmin(
            att["hours_per_week"].to_numpy(dtype=float),
            att["eypp_hours_per_week"].fillna(np.inf).to_numpy(dtype=float)))
        same = False
    if same and supplement_units is not None:
        _, den, term_num = supplement_units
    else:
        _, den, term_num = claim_units(att, rates.eypp_cap, rates.split_rule,
                                       rates.eypp_specialist)
    if rates.eypp_yearly_hour_cap is not None:
        # A child's weekly EYPP hours are at most the weekly cap, so no child can pass the
        # yearly cap unless a row has more weeks than yearly cap / weekly cap (38).
        most_weeks = float(np.max(att["weeks"].to_numpy(dtype="float64"), initial=0))
        if most_weeks * float(rates.eypp_cap) > float(rates.eypp_yearly_hour_cap):
            term_num, den = _cap_per_child(att, term_num, den, rates.eypp_yearly_hour_cap)
    return term_num, den


def _cap_per_child(att: pd.DataFrame, term_num: np.ndarray, den: np.ndarray, cap
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Rows of a child whose term hours add to more than ``cap`` scaled pro rata to it,
    exactly (term hours are ``term_num / den`` in 1/10,000 h)."""
    cap_units = Fraction(str(cap)) * HOUR_UNITS**2
    keys = ["term", "child_id"] if "term" in att.columns else ["child_id"]
    group = att.groupby(keys, sort=False, observed=True).ngroup().to_numpy()
    approx = np.bincount(group, weights=term_num / den)
    over = np.flatnonzero(approx > float(cap_units) * (1 - 1e-12))
    if over.size == 0:
        return term_num, den
    rows = np.flatnonzero(np.isin(group, over))
    totals: dict[int, Fraction] = {}
    for r in rows:
        totals[group[r]] = totals.get(group[r], 0) + Fraction(int(term_num[r]), int(den[r]))
    if all(total <= cap_units for total in totals.values()):
        return term_num, den
    new_num, new_den = term_num.astype(object), den.astype(object)
    for r in rows:
        total = totals[group[r]]
        if total > cap_units:
            share = Fraction(int(term_num[r]), int(den[r])) * cap_units / total
            new_num[r], new_den[r] = share.numerator, share.denominator
    return new_num, new_den


def eypp_eligible(att: pd.DataFrame, rates: Rates, term_num: np.ndarray,
                  age: np.ndarray | None = None) -> np.ndarray:
    """EYPP eligibility per row (E2): flagged ``eypp``, a funding age EYPP is paid for on
    ``rates.on`` (3-4 only until 31 March 2024, every funded age from 1 April 2024) and
    hours to pay on. ``age`` (:func:`age_codes`) may be passed precomputed."""
    if "eypp" not in att:
        return np.zeros(len(att), dtype=bool)
    age = age_codes(att["funding_age"]) if age is None else age
    in_scope = np.append(np.array([a in rates.eypp_paid_ages for a in FUNDING_AGES]), False)
    return flags(att["eypp"]) & in_scope[age] & (np.asarray(term_num) > 0)


def eypp(att: pd.DataFrame, rates: Rates, hours: pd.DataFrame | None = None) -> pd.DataFrame:
    """Early Years Pupil Premium for every row (P1, E2).

    Paid per hour of :func:`eypp_units` (claimable hours under the EYPP weekly and yearly
    caps, split and specialist rules) for a child flagged ``eypp`` whose funding age EYPP
    covers on ``rates.on``; rounded half up per row (F10). ``hours`` (the supplement's
    :func:`claim`) is reused when the EYPP caps and rules equal the supplement's.

    Returns ``eligible``, ``term_hours`` (the hours EYPP is paid on, display only) and
    ``amount_pence``.
    """
    units = None
    if hours is not None:
        units = (hours["weekly_num"].to_numpy(), hours["weekly_den"].to_numpy(),
                 hours["term_num"].to_numpy())
    term_num, den = eypp_units(att, rates, units)
    eligible = eypp_eligible(att, rates, term_num)
    amount = amount_pence(term_num, den, rate_units(rates.eypp))
    return pd.DataFrame({
        "eligible": eligible,
        "term_hours": (np.asarray(term_num / den, dtype=float) / HOUR_UNITS**2),
        "amount_pence": np.where(eligible, amount, 0).astype("int64"),
    }, index=att.index)

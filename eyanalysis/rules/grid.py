"""The termly prediction grid (F8, Worcestershire guidance p. 11), for every setting at once.

Per setting and level: the number of children, (A) claimable NEF hours in the term,
(B) the top-up rate and (C) the amount; then a TOTAL row; an EYPP row when EYPP flags are
given (P1, E2); a DAF row when Disability Access Fund flags are given (D1). (C) is the sum
of per-child amounts rounded half up (F10), not A x B.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd

from eyanalysis.errors import InputDataError, ParameterError
from eyanalysis.rules.hours import category_codes, claim_units, flags
from eyanalysis.rules.levels import LEVELS, SUPPLEMENT_LEVELS
from eyanalysis.rules.money import (
    HOUR_UNITS,
    RATE_UNITS,
    amount_pence,
    pounds,
    rate_text,
    rate_units,
)
from eyanalysis.rules.rates import Rates
from eyanalysis.rules.supplement import age_codes, eypp_eligible, eypp_units, paid_and_rate
from eyanalysis.vocabulary import FUNDING_AGES

GRID_COLUMNS = ["setting_id", "level", "children", "nef_hours", "rate", "amount"]


def grid(att: pd.DataFrame, rates: Rates) -> pd.DataFrame:
    """The prediction grid with numeric columns ``children``, ``nef_hours`` (NaN on DAF),
    ``rate_units`` (hundredths of a penny; NA on TOTAL) and ``amount_pence``.

    Every setting in ``att`` gets one row per level GR1..EXC (zero rows included), then
    TOTAL (the supplement), then EYPP when ``att`` has an ``eypp`` column, then DAF when it
    has a ``daf`` column. Settings are sorted by id.

    - EYPP (E2): per hour of :func:`~eyanalysis.rules.supplement.eypp_units` for flagged
      children of a funding age EYPP covers on ``rates.on``.
    - DAF (D1): the children flagged ``daf`` at the setting who take up funded hours there
      (more than 0 hours a week, a funding age with an entitlement on ``rates.on``), times
      the annual rate in force (``rates.daf``), exact pence; a child flagged at two settings
      is refused (DAF goes to one setting). The flag says DAF is due for
      the child at that setting this term: the period rule (D2) is the caller's, see
      :mod:`eyanalysis.rules.daf`. ``rates.daf`` of ``None`` (before April 2017) with a
      ``daf`` column is refused.
    """
    supplement_units = claim_units(att, rates.weekly_hour_cap, rates.split_rule,
                                   rates.specialist_rule)
    num, den, term_num = supplement_units
    # Settings sorted by id; every aggregate is a bincount over (setting, row kind).
    raw = category_codes(att["setting_id"])
    if isinstance(att["setting_id"].dtype, pd.CategoricalDtype):
        names_all = att["setting_id"].cat.categories.astype(str).to_numpy()
    else:
        raw, uniques = pd.factorize(att["setting_id"].astype(str))
        names_all = np.asarray(uniques, dtype=object).astype(str)
    seen = raw if raw.min(initial=0) >= 0 else raw[raw >= 0]
    present = np.flatnonzero(np.bincount(seen, minlength=len(names_all)))
    names = names_all[present]
    order = np.argsort(names, kind="stable")
    rank = np.full(len(names_all), -1, dtype=np.int64)
    rank[present[order]] = np.arange(len(present))
    rank = np.append(rank, -1)  # rows without a setting id (code -1) are left out
    n_set = len(present)
    has_eypp = "eypp" in att.columns
    has_daf = "daf" in att.columns
    if has_daf and rates.daf is None:
        raise InputDataError(
            f"The daf column: the Disability Access Fund began on 1 April 2017, so there is "
            f"no DAF rate on {rates.on.isoformat()}. Remove the column or choose a later date."
        )
    kinds = ([*SUPPLEMENT_LEVELS, "TOTAL"] + (["EYPP"] if has_eypp else [])
             + (["DAF"] if has_daf else []))
    k = len(kinds)

    # Only paid rows (a few per cent) are costed: F1, F5, then F10 per row.
    age = age_codes(att["funding_age"])
    code = category_codes(att["level"], LEVELS)
    paid, rate_of_row = paid_and_rate(att, rates, term_num, code, age)
    rows = np.flatnonzero(paid)
    rows = rows[rank[raw[rows]] >= 0]
    level = code[rows]
    p_num, p_den = term_num[rows], den[rows]
    amount = amount_pence(p_num, p_den, rate_of_row[rows])
    bins = rank[raw[rows]] * k + (level - 1)
    size = n_set * k
    children = np.bincount(bins, minlength=size).reshape(n_set, k)
    # float even when no row is paid: bincount of an empty array is int64, which would
    # truncate the EYPP hours assigned below (0.4 -> 0.0)
    nef = np.bincount(bins, weights=p_num / p_den / HOUR_UNITS**2, minlength=size
                      ).astype(float).reshape(n_set, k)
    pence = _int_sums(bins, amount, size).reshape(n_set, k)
    last = len(SUPPLEMENT_LEVELS)
    children[:, last] = children[:, :last].sum(axis=1)
    nef[:, last] = nef[:, :last].sum(axis=1)
    pence[:, last] = pence[:, :last].sum(axis=1)
    rate = [rate_units(rates.top_up[lvl]) for lvl in SUPPLEMENT_LEVELS] + [0]
    if has_eypp:  # E2
        col = kinds.index("EYPP")
        e_term, e_den = eypp_units(att, rates, supplement_units)
        eligible = np.flatnonzero(eypp_eligible(att, rates, e_term, age))
        eligible = eligible[rank[raw[eligible]] >= 0]
        e_num, e_den = e_term[eligible], e_den[eligible]
        eb = rank[raw[eligible]]
        children[:, col] = np.bincount(eb, minlength=n_set)
        nef[:, col] = np.bincount(eb, weights=np.asarray(e_num / e_den, dtype=float)
                                  / HOUR_UNITS**2, minlength=n_set)
        pence[:, col] = _int_sums(eb, amount_pence(e_num, e_den, rate_units(rates.eypp)),
                                  n_set)
        rate.append(rate_units(rates.eypp))
    if has_daf:  # D1: children x the annual rate, not hour-based
        col = kinds.index("DAF")
        funded = np.append(np.array([a in rates.in_base_rate for a in FUNDING_AGES]), False)
        takes_up = np.asarray(att["hours_per_week"].to_numpy(), dtype="float64") > 0
        flagged = np.flatnonzero(flags(att["daf"]) & funded[age] & takes_up)
        keys = ["term", "child_id"] if "term" in att.columns else ["child_id"]
        twice = att.iloc[flagged]
        twice = twice[twice.duplicated(keys, keep=False)]
        if len(twice):
            where = "; ".join(
                f"{child} at {', '.join(map(str, rows['setting_id']))}"
                for child, rows in twice.groupby(twice["child_id"].astype(str), sort=True))
            raise InputDataError(
                f"DAF is flagged for a child at more than one setting ({where}): DAF is paid "
                "to the one setting the parent nominates (D1). Keep one flag per child.")
        flagged = flagged[rank[raw[flagged]] >= 0]
        children[:, col] = np.bincount(rank[raw[flagged]], minlength=n_set)
        daf_units = rate_units(rates.daf)
        if daf_units % (RATE_UNITS // 100):
            raise ParameterError(f"daf.rate {rates.daf} on {rates.on}: use whole pence.")
        pence[:, col] = children[:, col].astype(np.int64) * (daf_units // (RATE_UNITS // 100))
        rate.append(daf_units)
    no_rate = np.tile(np.array(kinds) == "TOTAL", n_set)
    no_hours = np.tile(np.array(kinds) == "DAF", n_set)
    nef_hours = nef.ravel().astype(float).round(4)
    return pd.DataFrame({
        "setting_id": pd.Series(names[order], dtype="str").take(
            np.repeat(np.arange(n_set), k)).reset_index(drop=True),
        "level": pd.Series(kinds, dtype="str").take(np.tile(np.arange(k), n_set)
                                                    ).reset_index(drop=True),
        "children": children.ravel().astype("int64"),
        "nef_hours": np.where(no_hours, np.nan, nef_hours),
        "rate_units": pd.arrays.IntegerArray(np.tile(np.array(rate, dtype=np.int64), n_set),
                                             no_rate),
        "amount_pence": pence.ravel().astype("int64"),
    })


def _int_sums(bins: np.ndarray, values: np.ndarray, size: int) -> np.ndarray:
    """Exact integer sums of ``values`` per bin (float weights are exact below 2**53)."""
    values = np.asarray(values, dtype=np.int64)
    if values.size and np.abs(values).sum() < 2**52:
        return np.rint(np.bincount(bins, weights=values, minlength=size)).astype(np.int64)
    out = np.zeros(size, dtype=np.int64)
    np.add.at(out, bins, values)
    return out


def as_published(table: pd.DataFrame) -> pd.DataFrame:
    """The grid in the CLI's column contract: rates and amounts as pounds to the penny."""
    out = table[["setting_id", "level", "children", "nef_hours"]].copy()
    text = {
        u: rate_text(Decimal(int(u)) / RATE_UNITS) for u in table["rate_units"].dropna().unique()
    }
    out["rate"] = table["rate_units"].map(text).fillna("")
    out["amount"] = table["amount_pence"].map(pounds)
    return out[GRID_COLUMNS]

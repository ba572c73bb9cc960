"""The Inclusion Supplement (F1, F5, F10) and the Early Years Pupil Premium (P1).

Amounts are computed per child, per setting, per term in exact integer units and rounded
half up to the penny there (F10); every total is a sum of those rounded pence.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from eyanalysis.rules.hours import category_codes, claimable, flags
from eyanalysis.rules.levels import LEVELS
from eyanalysis.rules.money import amount_pence, rate_units
from eyanalysis.rules.rates import Rates


def claim(att: pd.DataFrame, rates: Rates) -> pd.DataFrame:
    """Claimable hours under the cap, split and specialist rules in force (F2-F4)."""
    return claimable(att, rates.weekly_hour_cap, rates.split_rule, rates.specialist_rule)


def supplement(att: pd.DataFrame, rates: Rates, hours: pd.DataFrame | None = None) -> pd.DataFrame:
    """Inclusion Supplement for every row (one child at one setting in one term).

    ``att`` needs ``level`` (ids, see :mod:`eyanalysis.rules.levels`) and ``funding_age``
    (``"2"`` or ``"3-4"``) besides the columns :func:`claim` needs.

    - F1: amount = claimable hours x the top-up of the child's level.
    - F5: nothing is paid for a level inside the base rate of the child's funding age
      (GR1 and GR2 for 2-year-olds); such rows are not ``paid``.
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
    """``(paid, rate)`` per row: F1 and F5 (see :func:`supplement`). ``code`` (level codes in
    LEVELS) and ``age`` (codes in ``rates.in_base_rate``) may be passed precomputed."""
    units = np.append(
        np.array([rate_units(rates.top_up.get(lvl, 0)) for lvl in LEVELS], dtype="int64"), 0)
    code = category_codes(att["level"], LEVELS) if code is None else code
    rate = units[code]  # code -1 (unknown level) -> the appended 0
    ages = list(rates.in_base_rate)
    age = category_codes(att["funding_age"], ages) if age is None else age
    # F5 lookup: (funding age, level) -> inside the base rate; the last row is "other age"
    table = np.zeros((len(ages) + 1, len(LEVELS) + 1), dtype=bool)
    for i, funding_age in enumerate(ages):
        for lvl in rates.in_base_rate[funding_age]:
            if lvl in LEVELS:
                table[i, LEVELS.index(lvl)] = True
    inside = table.ravel()[age * table.shape[1] + np.where(code < 0, len(LEVELS), code)]
    paid = (code > 0) & ~inside & (term_num > 0)
    return paid, rate


def eypp_eligible(att: pd.DataFrame, term_num: np.ndarray, is34: np.ndarray | None = None
              ) -> np.ndarray:
    """EYPP eligibility per row (P1): flagged, a funded 3-4-year-old, claimable hours."""
    if "eypp" not in att:
        return np.zeros(len(att), dtype=bool)
    flag = flags(att["eypp"])
    if is34 is None:
        is34 = category_codes(att["funding_age"], ["3-4"]) == 0
    return flag & is34 & (term_num > 0)


def eypp(att: pd.DataFrame, rates: Rates, hours: pd.DataFrame | None = None) -> pd.DataFrame:
    """Early Years Pupil Premium for every row (P1).

    Paid per claimable NEF hour (after the cap, split and specialist rules) for a child
    flagged ``eypp`` who is a funded 3- or 4-year-old; rounded half up per row (F10).
    """
    hours = claim(att, rates) if hours is None else hours
    eligible = eypp_eligible(att, hours["term_num"].to_numpy())
    amount = amount_pence(hours["term_num"], hours["weekly_den"], rate_units(rates.eypp))
    out = hours.copy()
    out["eligible"] = eligible
    out["amount_pence"] = np.where(eligible, amount, 0).astype("int64")
    return out

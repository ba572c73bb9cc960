"""The Inclusion Supplement (F1, F5, F10) and the Early Years Pupil Premium (P1).

Amounts are computed per child, per setting, per term in exact integer units and rounded
half up to the penny there (F10); every total is a sum of those rounded pence.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from eyanalysis.hours import claimable
from eyanalysis.levels import LEVELS
from eyanalysis.money import amount_pence, rate_units
from eyanalysis.rates import Rates


def claim(att: pd.DataFrame, rates: Rates) -> pd.DataFrame:
    """Claimable hours under the cap, split and specialist rules in force (F2-F4)."""
    return claimable(att, rates.weekly_hour_cap, rates.split_rule, rates.specialist_rule)


def supplement(att: pd.DataFrame, rates: Rates, hours: pd.DataFrame | None = None) -> pd.DataFrame:
    """Inclusion Supplement for every row (one child at one setting in one term).

    ``att`` needs ``level`` (ids, see :mod:`eyanalysis.levels`) and ``funding_age``
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
    level = att["level"].astype("string").to_numpy(dtype=object)
    age = att["funding_age"].astype("string").to_numpy(dtype=object)
    units = np.array([rate_units(rates.top_up.get(lvl, 0)) for lvl in LEVELS], dtype="int64")
    code = pd.Categorical(level, categories=LEVELS).codes
    rate = np.where(code >= 0, units[code], 0)
    inside = np.zeros(len(att), dtype=bool)
    for funding_age, levels in rates.in_base_rate.items():  # F5, a handful of cases
        inside |= (age == funding_age) & np.isin(level, list(levels))
    paid = (code > 0) & ~inside & (hours["term_num"].to_numpy() > 0)
    amount = np.where(paid, amount_pence(hours["term_num"], hours["weekly_den"], rate), 0)
    out = hours.copy()
    out["paid"] = paid
    out["rate"] = rate
    out["amount_pence"] = amount.astype("int64")
    return out


def eypp(att: pd.DataFrame, rates: Rates, hours: pd.DataFrame | None = None) -> pd.DataFrame:
    """Early Years Pupil Premium for every row (P1).

    Paid per claimable NEF hour (after the cap, split and specialist rules) for a child
    flagged ``eypp`` who is a funded 3- or 4-year-old; rounded half up per row (F10).
    """
    hours = claim(att, rates) if hours is None else hours
    flagged = (
        att["eypp"].fillna(False).to_numpy(dtype=bool)
        if "eypp" in att
        else np.zeros(len(att), dtype=bool)
    )
    eligible = flagged & (att["funding_age"].astype("string").to_numpy() == "3-4")
    eligible &= hours["term_num"].to_numpy() > 0
    amount = amount_pence(hours["term_num"], hours["weekly_den"], rate_units(rates.eypp))
    out = hours.copy()
    out["eligible"] = eligible
    out["amount_pence"] = np.where(eligible, amount, 0).astype("int64")
    return out

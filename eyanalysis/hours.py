"""Claimable hours (F2-F4, F7): the weekly cap, the split rule and the specialist rule.

Everything is vectorised over a whole attendance frame (one row per child per setting
per term) and exact: a row's claimable weekly hours are ``weekly_num / weekly_den``
hundredths of an hour, so split hours add up to the cap exactly.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from eyanalysis.errors import ParameterError
from eyanalysis.money import HOUR_UNITS, to_units

SPLIT_RULES = ("pro_rata", "largest_first")
SPECIALIST_RULES = ("specialist_takes_all", "none")


def claimable(
    att: pd.DataFrame,
    cap: float,
    split_rule: str = "pro_rata",
    specialist_rule: str = "specialist_takes_all",
) -> pd.DataFrame:
    """Claimable weekly and term hours for every row of ``att``.

    ``att`` needs ``child_id``, ``setting_id``, ``hours_per_week``, ``weeks`` and, for the
    specialist rule, a boolean ``specialist``. Rows are one child at one setting in one
    term; pass one term at a time (or include ``term`` to group by it).

    - F2: at most ``cap`` hours a week per child across all settings.
    - F3: over the cap, ``pro_rata`` shares the cap in proportion to each setting's hours;
      ``largest_first`` fills settings in order of hours (then setting id).
    - F4: ``specialist_takes_all``: a specialist setting attended for at least ``cap``
      hours takes the whole cap; the child's other settings claim nothing.
    - F7: term hours = claimable weekly hours x weeks.

    Returns a frame on ``att``'s index with ``weekly_num``, ``weekly_den`` (claimable
    weekly hours = num/den hundredths), ``term_num`` (term hours in 1/10,000 h, over the
    same den) and ``weekly_hours`` / ``term_hours`` as floats for display.
    """
    if split_rule not in SPLIT_RULES:
        raise ParameterError(f"Unknown split rule {split_rule!r}; use one of {SPLIT_RULES}.")
    if specialist_rule not in SPECIALIST_RULES:
        raise ParameterError(
            f"Unknown specialist rule {specialist_rule!r}; use one of {SPECIALIST_RULES}."
        )
    keys = ["term", "child_id"] if "term" in att.columns else ["child_id"]
    cap_u = int(round(float(cap) * HOUR_UNITS))
    hours = to_units(att["hours_per_week"].to_numpy())
    weeks = to_units(att["weeks"].to_numpy())
    group = att.groupby(keys, sort=False, observed=True).ngroup().to_numpy()
    total = np.bincount(group, weights=hours).astype("int64")[group]

    num = hours.copy()
    den = np.ones_like(hours)
    over = total > cap_u
    if split_rule == "pro_rata":  # F3
        num = np.where(over, cap_u * hours, hours)
        den = np.where(over, total, 1)
    else:
        order = np.lexsort((att["setting_id"].astype(str).to_numpy(), -hours, group))
        sorted_hours = pd.Series(hours[order])
        before = np.empty_like(hours)
        before[order] = sorted_hours.groupby(group[order]).cumsum().to_numpy() - hours[order]
        num = np.clip(cap_u - before, 0, hours)

    if specialist_rule == "specialist_takes_all" and "specialist" in att.columns:  # F4
        spec = att["specialist"].fillna(False).to_numpy(dtype=bool) & (hours >= cap_u)
        if spec.any():
            # One specialist setting per child takes the cap: most hours, then setting id.
            setting = att["setting_id"].astype(str).to_numpy()
            cand = pd.DataFrame({"g": group, "h": hours, "s": setting})
            cand = cand[spec].sort_values(["g", "h", "s"], ascending=[True, False, True])
            chosen = np.zeros(len(att), dtype=bool)
            chosen[cand.drop_duplicates("g").index.to_numpy()] = True
            has_spec = np.zeros(group.max() + 1, dtype=bool)
            has_spec[group[spec]] = True
            child_has = has_spec[group]
            num = np.where(child_has, np.where(chosen, cap_u, 0), num)
            den = np.where(child_has, 1, den)

    term_num = num * weeks
    return pd.DataFrame(
        {
            "weekly_num": num.astype("int64"),
            "weekly_den": den.astype("int64"),
            "term_num": term_num.astype("int64"),
            "weekly_hours": num / den / HOUR_UNITS,
            "term_hours": term_num / den / HOUR_UNITS**2,
        },
        index=att.index,
    )

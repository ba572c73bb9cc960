"""Claimable hours (F2-F4, F7): the weekly cap, the split rule and the specialist rule.

Everything is vectorised over a whole attendance frame (one row per child per setting
per term) and exact: a row's claimable weekly hours are ``weekly_num / weekly_den``
hundredths of an hour, so split hours add up to the cap exactly.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from eyanalysis.errors import ParameterError
from eyanalysis.rules.money import HOUR_UNITS, to_units

SPLIT_RULES = ("pro_rata", "largest_first")


def category_codes(col: pd.Series, categories=None) -> np.ndarray:
    """Integer codes of a column, fast for ``category`` columns (no string work).

    With ``categories``, codes index into them (-1 for other values or missing);
    without, codes number the distinct values (missing values -1).
    """
    if isinstance(col.dtype, pd.CategoricalDtype):
        codes = col.cat.codes.to_numpy()
        if categories is None:
            return codes.astype(np.intp, copy=False)
        lookup = pd.Index(list(categories)).get_indexer(col.cat.categories.astype(str))
        lookup = np.append(lookup, -1)  # code -1 (missing) -> -1
        return lookup[codes]
    if categories is None:
        return pd.factorize(col)[0].astype(np.int64)
    return pd.Index(list(categories), dtype=object).get_indexer(
        col.astype("string").to_numpy(dtype=object, na_value=None)).astype(np.int64)


def flags(col: pd.Series) -> np.ndarray:
    """A true/false column as a boolean array; missing values read as false."""
    return col.to_numpy() if col.dtype == bool else col.fillna(False).to_numpy(dtype=bool)


def _group_ids(att: pd.DataFrame, keys: list[str]) -> np.ndarray:
    """Group number of each row for ``keys`` (any numbering; one per distinct key)."""
    codes = [category_codes(att[key]) for key in keys]
    if len(codes) > 1:  # a key with one value (one term) does not split groups
        codes = [c for c in codes if c.size and c.min() != c.max()] or codes[-1:]
    group = codes[0]
    for more in codes[1:]:
        group = group * (int(more.max(initial=0)) + 1) + more
    if len(codes) > 1 or not isinstance(att[keys[-1]].dtype, pd.CategoricalDtype):
        group = pd.factorize(group)[0]
    return group.astype(np.int64)
SPECIALIST_RULES = ("specialist_takes_all", "none")


def claim_units(
    att: pd.DataFrame, cap: float, split_rule: str, specialist_rule: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(weekly_num, weekly_den, term_num)`` int64 arrays of :func:`claimable` (F2-F4, F7)."""
    if split_rule not in SPLIT_RULES:
        raise ParameterError(f"Unknown split rule {split_rule!r}; use one of {SPLIT_RULES}.")
    if specialist_rule not in SPECIALIST_RULES:
        raise ParameterError(
            f"Unknown specialist rule {specialist_rule!r}; use one of {SPECIALIST_RULES}."
        )
    keys = ["term", "child_id"] if "term" in att.columns else ["child_id"]
    cap_u = int(round(float(cap) * HOUR_UNITS))
    hours_f = np.rint(np.asarray(att["hours_per_week"].to_numpy(), dtype="float64") * HOUR_UNITS)
    hours = hours_f.astype("int64")  # as to_units, keeping the float copy for bincount
    weeks = to_units(att["weeks"].to_numpy())
    group = _group_ids(att, keys)
    total = np.bincount(group, weights=hours_f)[group].astype("int64")

    num = hours
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
        spec = flags(att["specialist"]) & (hours >= cap_u)
        if spec.any():
            # One specialist setting per child takes the cap: most hours, then setting id.
            rows = np.flatnonzero(spec)
            setting = att["setting_id"].iloc[rows].astype(str).to_numpy()
            cand = pd.DataFrame({"g": group[rows], "h": hours[rows], "s": setting}, index=rows)
            cand = cand.sort_values(["g", "h", "s"], ascending=[True, False, True])
            chosen = np.zeros(len(att), dtype=bool)
            chosen[cand.drop_duplicates("g").index.to_numpy()] = True
            has_spec = np.zeros(group.max() + 1, dtype=bool)
            has_spec[group[spec]] = True
            affected = np.flatnonzero(has_spec[group])
            num = num.copy() if num is hours else num
            num[affected] = np.where(chosen[affected], cap_u, 0)
            den[affected] = 1  # den is a fresh array on both split paths

    return num.astype("int64", copy=False), den.astype("int64", copy=False), num * weeks


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
    num, den, term_num = claim_units(att, cap, split_rule, specialist_rule)
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

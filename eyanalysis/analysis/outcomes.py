"""Ofsted outcomes after enhanced support (C8), across both Ofsted frameworks (O1, O4).

C8: the aim is every setting Good or Outstanding and measurable improvement where
enhanced support is given. For each inspection on or after ``since`` (when the support
records begin) that has an earlier inspection, the highest derived level (C1-C3, O2) the
setting had between the two (counted from ``since``) is its support; the later outcome is
compared with the earlier one. Settings that stayed Universal are the comparison group.
Note that C2/O2 themselves put every setting with a forcing outcome in Intensive, so
Intensive outcomes are mostly recoveries from those inspections.

**Assumption (O4).** A single-word judgement and a report card are not the same measure.
Both are placed on one ordinal scale, the parameter ``ofsted.outcome_scale`` (outstanding
-> exceptional or strong standard, good -> expected standard, requires improvement -> needs
attention, inadequate -> urgent improvement; a report card counts at its lowest result,
safeguarding not met lowest of all). Every pair compared across frameworks is marked
``across_frameworks``, and ``ASSUMPTION`` is the sentence to print wherever the comparison
is shown.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from eyanalysis.parameters import Parameters, resolve
from eyanalysis.rules.support import RANK, intervals, ofsted_history
from eyanalysis.rules.terms import timestamp

LEVEL_NAMES = {rank: level for level, rank in RANK.items()}
SCALE = "ofsted.outcome_scale"
ASSUMPTION = ("Report cards (from 10 November 2025) and single-word judgements are compared "
              "on an assumed common scale (O4, parameter ofsted.outcome_scale): outstanding = "
              "exceptional or strong standard, good = expected standard, requires improvement "
              "= needs attention, inadequate = urgent improvement; a report card counts at "
              "its lowest result.")


def scale(codes: pd.Series, on: dt.date | str, params: Parameters | None = None) -> pd.Series:
    """The O4 rank of each Ofsted outcome code on ``on`` (an assumption, see the module)."""
    p = resolve(params)
    ranks = {code: int(p.get(f"{SCALE}.{code}", on)) for code in codes.dropna().unique()}
    return codes.map(ranks).astype("Int64")


def after_support(line: pd.DataFrame, settings: pd.DataFrame, inspections: pd.DataFrame,
                  since: dt.date | str, on: dt.date | str, params: Parameters | None = None
                  ) -> pd.DataFrame:
    """One row per inspection from ``since`` to ``on`` that follows an earlier one (C8):
    ``before``/``after`` outcomes (``OFSTED_OUTCOMES`` codes) and dates, ``support``
    (highest level between them), ``across_frameworks`` (a single-word judgement compared
    with a report card: the O4 assumption decides), ``change`` (``improved``, ``same``,
    ``declined`` on the O4 scale) and ``good_or_better`` (at or above good's rank)."""
    p = resolve(params)
    start, day = timestamp(since), timestamp(on)
    hist = ofsted_history(settings, inspections)
    hist = hist[(hist["date"] <= day) & hist["setting_id"].isin(settings["setting_id"])].copy()
    g = hist.groupby("setting_id")
    hist["before_date"] = g["date"].shift()
    hist["before"] = g["outcome"].shift()
    hist["before_framework"] = g["framework"].shift()
    pairs = hist[hist["before"].notna() & (hist["date"] >= start)].rename(
        columns={"date": "after_date", "outcome": "after"}).reset_index(drop=True)
    pairs["pair"] = np.arange(len(pairs))
    iv = intervals(line, settings, on, p)
    x = pairs[["pair", "setting_id", "before_date", "after_date"]].merge(iv, on="setting_id")
    lo = pd.concat([x["start"], x["before_date"], pd.Series(start, index=x.index)],
                   axis=1).max(axis=1)
    hi = x[["end", "after_date"]].min(axis=1)
    x = x[hi > lo]
    top = x["level"].map(RANK).groupby(x["pair"]).max()
    pairs["support"] = pairs["pair"].map(top).fillna(RANK["universal"]).astype(int).map(
        LEVEL_NAMES).astype("string")
    pairs["across_frameworks"] = (pairs["framework"] != pairs["before_framework"]).astype(bool)
    b = scale(pairs["before"], on, p)
    a = scale(pairs["after"], on, p)
    pairs["change"] = np.select([(a > b).fillna(False).to_numpy(dtype=bool),
                                 (a < b).fillna(False).to_numpy(dtype=bool)],
                                ["improved", "declined"], "same")
    good = int(p.get(f"{SCALE}.good", on))
    pairs["good_or_better"] = (a >= good).fillna(False).astype(bool)
    cols = ["setting_id", "before_date", "before", "after_date", "after", "support",
            "across_frameworks", "change", "good_or_better"]
    return pairs[cols]


def rates(pairs: pd.DataFrame, by: tuple[str, ...] = ("support",)) -> pd.DataFrame:
    """Counts and rates by ``by``: ``inspections``, ``improved``, ``same``, ``declined``,
    ``across_frameworks`` (pairs resting on the O4 assumption), ``improvement_rate`` and
    ``good_or_better_rate`` (C8)."""
    keys = list(by)
    flags = pairs.assign(improved=pairs["change"] == "improved",
                         same=pairs["change"] == "same",
                         declined=pairs["change"] == "declined")
    out = flags.groupby(keys, as_index=False).agg(
        inspections=("change", "size"), improved=("improved", "sum"), same=("same", "sum"),
        declined=("declined", "sum"), across_frameworks=("across_frameworks", "sum"),
        good_or_better=("good_or_better", "sum"))
    out["improvement_rate"] = out["improved"] / out["inspections"]
    out["good_or_better_rate"] = out["good_or_better"] / out["inspections"]
    if "support" in keys:
        out = out.sort_values("support", key=lambda s: s.map(RANK), kind="stable")
    return out.reset_index(drop=True)

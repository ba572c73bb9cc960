"""Ofsted outcomes after enhanced support (C8).

C8: the aim is every setting Good or Outstanding and measurable improvement where
enhanced support is given. For each inspection on or after ``since`` (when the support
records begin) that has an earlier inspection, the highest derived level (C1-C3) the
setting had between the two (counted from ``since``) is its support; the later judgement is
compared with the earlier one. Settings that stayed Universal are the comparison group.
Note that C2 itself puts every Requires Improvement or Inadequate setting in Intensive, so
Intensive outcomes are mostly recoveries from those judgements.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from eyanalysis.analysis.categorisation import (
    JUDGEMENT_RANK,
    RANK,
    intervals,
    ofsted_history,
)
from eyanalysis.parameters import Parameters, resolve
from eyanalysis.rules.terms import timestamp

LEVEL_NAMES = {rank: level for level, rank in RANK.items()}
GOOD = JUDGEMENT_RANK["good"]


def after_support(line: pd.DataFrame, settings: pd.DataFrame, inspections: pd.DataFrame,
                  since: dt.date | str, on: dt.date | str, params: Parameters | None = None
                  ) -> pd.DataFrame:
    """One row per inspection from ``since`` to ``on`` that follows an earlier one (C8):
    ``before``/``after`` judgements and dates, ``support`` (highest level between them),
    ``change`` (``improved``, ``same``, ``declined``) and ``good_or_better``."""
    p = resolve(params)
    start, day = timestamp(since), timestamp(on)
    hist = ofsted_history(settings, inspections)
    hist = hist[(hist["date"] <= day) & hist["setting_id"].isin(settings["setting_id"])].copy()
    g = hist.groupby("setting_id")
    hist["before_date"] = g["date"].shift()
    hist["before"] = g["judgement"].shift()
    pairs = hist[hist["before"].notna() & (hist["date"] >= start)].rename(
        columns={"date": "after_date", "judgement": "after"}).reset_index(drop=True)
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
    b = pairs["before"].map(JUDGEMENT_RANK)
    a = pairs["after"].map(JUDGEMENT_RANK)
    pairs["change"] = np.select([a > b, a < b], ["improved", "declined"], "same")
    pairs["good_or_better"] = a >= GOOD
    cols = ["setting_id", "before_date", "before", "after_date", "after", "support",
            "change", "good_or_better"]
    return pairs[cols]


def rates(pairs: pd.DataFrame, by: tuple[str, ...] = ("support",)) -> pd.DataFrame:
    """Counts and rates by ``by``: ``inspections``, ``improved``, ``same``, ``declined``,
    ``improvement_rate`` and ``good_or_better_rate`` (C8)."""
    keys = list(by)
    flags = pairs.assign(improved=pairs["change"] == "improved",
                         same=pairs["change"] == "same",
                         declined=pairs["change"] == "declined")
    out = flags.groupby(keys, as_index=False).agg(
        inspections=("change", "size"), improved=("improved", "sum"), same=("same", "sum"),
        declined=("declined", "sum"), good_or_better=("good_or_better", "sum"))
    out["improvement_rate"] = out["improved"] / out["inspections"]
    out["good_or_better_rate"] = out["good_or_better"] / out["inspections"]
    if "support" in keys:
        out = out.sort_values("support", key=lambda s: s.map(RANK), kind="stable")
    return out.reset_index(drop=True)

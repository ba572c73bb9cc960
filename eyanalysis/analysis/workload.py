"""Adviser workload: the adviser-days the support spread demands against team capacity.

Beyond the framework (issue #4), built from its visit rules:

- the annual cycle (C5): every setting has Visit 1 (``support.advisers_per_visit`` x
  ``support.visit_length`` of ``learning_development``: two advisers), Visit 2 (one
  adviser) and, for a ``support.send_review_take_up`` share, a SEND review; the year's cycle
  days are spread evenly over its twelve months;
- minimum support (C1): each Targeted setting ``support.minimum_visits.targeted`` visits a
  term (spread over the term's months; terms start 1 Sep, 1 Jan, 1 Apr) and each Intensive
  setting ``support.minimum_visits.intensive`` a month, of their parameter lengths;
- capacity: ``support.adviser_fte`` x ``support.working_days_per_month``.

The spread of each month is the derived level (C1-C3) on its first day; months after the
as-of date keep the as-of spread. A what-if moves N more settings into Intensive, taken
first from ``from_level`` (Targeted by default), then from the other lower level.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from eyanalysis.analysis.visits import CYCLE, review_year
from eyanalysis.data.schemas import SUPPORT_LEVELS
from eyanalysis.parameters import Parameters, resolve
from eyanalysis.rules import terms
from eyanalysis.rules.support import levels_on
from eyanalysis.rules.terms import timestamp

DEMAND = ["cycle", "targeted", "intensive"]


def _f(p: Parameters, path: str, on) -> float:
    return float(p.get(path, on))


def visit_days(visit_type: str, p: Parameters, on) -> float:
    """Adviser-days one visit of ``visit_type`` takes (advisers x length)."""
    return (_f(p, f"support.advisers_per_visit.{visit_type}", on)
            * _f(p, f"support.visit_length.{visit_type}", on))


def monthly_spread(line: pd.DataFrame, settings: pd.DataFrame, on: dt.date | str,
                   params: Parameters | None = None) -> pd.DataFrame:
    """Settings at each level on the first day of each month of the review year containing
    ``on`` (C5); months starting after ``on`` carry the spread on ``on``."""
    p = resolve(params)
    y0, _ = review_year(on, p)
    day = timestamp(on)
    months = pd.date_range(y0, periods=12, freq="MS")
    rows = []
    for first in months:  # twelve months, each vectorised over the settings
        when = min(first, day)
        counts = levels_on(line, settings, when.date(), p)["level"].value_counts()
        rows.append({"month": first, **{lv: int(counts.get(lv, 0)) for lv in SUPPORT_LEVELS}})
    out = pd.DataFrame(rows)
    out["projected"] = out["month"] > day
    return out


def what_if(spread: pd.DataFrame, extra_intensive: int, on: dt.date | str,
            from_level: str = "targeted") -> pd.DataFrame:
    """The spread with ``extra_intensive`` more settings Intensive from the month
    containing ``on``, taken from ``from_level`` first, then from the other lower level
    (never below zero). Earlier months are left as they were."""
    other = "universal" if from_level == "targeted" else "targeted"
    out = spread.copy()
    ahead = out["month"] >= timestamp(on).to_period("M").start_time
    first = np.minimum(extra_intensive, out[from_level]).where(ahead, 0)
    second = np.minimum(extra_intensive - first, out[other]).where(ahead, 0)
    out[from_level] -= first
    out[other] -= second
    out["intensive"] += first + second
    return out


def demand(spread: pd.DataFrame, on: dt.date | str, params: Parameters | None = None
           ) -> pd.DataFrame:
    """Adviser-days needed per month by source (``cycle``, ``targeted``, ``intensive``),
    ``needed``, ``capacity``, ``balance`` (capacity - needed) and ``shortfall`` (>= 0)."""
    p = resolve(params)
    out = spread.copy()
    total = out[list(SUPPORT_LEVELS)].sum(axis=1)
    per_setting_year = (visit_days(CYCLE["v1"], p, on) + visit_days(CYCLE["v2"], p, on)
                        + _f(p, "support.send_review_take_up", on)
                        * visit_days(CYCLE["v3"], p, on))
    out["cycle"] = total * per_setting_year / 12
    months_in_term = _months_in_term(out["month"])
    for level in ("targeted", "intensive"):
        per_period = (_f(p, f"support.minimum_visits.{level}", on)
                      * visit_days(level, p, on))
        kind = p.get(f"support.minimum_period.{level}", on)
        per_month = per_period / months_in_term if kind == "term" else per_period
        out[level + "_days"] = out[level] * per_month
    out = out.rename(columns={"targeted_days": "targeted_need", "intensive_days":
                              "intensive_need"})
    out["needed"] = out[["cycle", "targeted_need", "intensive_need"]].sum(axis=1)
    out["capacity"] = (_f(p, "support.adviser_fte", on)
                       * _f(p, "support.working_days_per_month", on))
    out["balance"] = out["capacity"] - out["needed"]
    out["shortfall"] = (-out["balance"]).clip(lower=0)
    out["term"] = terms.of_dates(out["month"])
    return out


def _months_in_term(months: pd.Series) -> pd.Series:
    """Calendar months of the term each month falls in (:func:`eyanalysis.rules.terms.months`)."""
    return terms.of_dates(months).map(terms.months).astype(float)


def by_term(monthly: pd.DataFrame) -> pd.DataFrame:
    """:func:`demand` summed over each term."""
    cols = ["cycle", "targeted_need", "intensive_need", "needed", "capacity", "balance"]
    out = monthly.groupby("term", sort=False, as_index=False)[cols].sum()
    out["shortfall"] = (-out["balance"]).clip(lower=0)
    return out


def planned_days(visits: pd.DataFrame, on: dt.date | str, params: Parameters | None = None
                 ) -> pd.DataFrame:
    """Adviser-days of the visits in the diary (planned date) per month of the review year
    containing ``on``, by visit type: what the team has booked, beside :func:`demand`."""
    p = resolve(params)
    y0, y1 = review_year(on, p)
    v = visits[(visits["planned_date"] >= y0) & (visits["planned_date"] < y1)]
    types = v["visit_type"].astype("string")
    days = types.map({t: visit_days(t, p, on) for t in types.dropna().unique()})
    frame = pd.DataFrame({"month": v["planned_date"].dt.to_period("M").dt.start_time,
                          "visit_type": types, "adviser_days": days.astype(float)})
    return frame.groupby(["month", "visit_type"], as_index=False)["adviser_days"].sum()

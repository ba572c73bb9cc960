"""Reviews due (L3): provision maps, IEP/IPMs and EHC plans, per setting, at an as-of date.

L3: a GR1 provision map is reviewed twice a term, a GR2-GR4 IEP/IPM every 6-8 weeks, an
EHC plan every 6 months. Which review a level asks for (``reviews.review_type``), the
intervals (``reviews.interval_weeks``, ``reviews.interval_months``) and the look-ahead
(``reviews.horizon_weeks``) are dated parameters; the Decisions are documented there.

There is no table of completed reviews. The schedule runs from the date the child's current
level took effect (``level_from``; also for the EHC plan, whose start date is not held).
Pass ``reviews`` (child_id, setting_id, review_type, review_date) and a review recorded for
the child restarts the cycle; ``overdue`` then means no review recorded since the due date.
Without it the latest due date that has passed is reported as
``overdue unless a review was recorded``: the workbench cannot know.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from eyanalysis.parameters import Parameters, as_date, load_parameters
from eyanalysis.rules import terms
from eyanalysis.rules.levels import LEVELS
from eyanalysis.vocabulary import REVIEW_TYPES

NAMES = REVIEW_TYPES.labels
DUE = "due"
OVERDUE = "overdue"
UNVERIFIED = "overdue unless a review was recorded"
SCHEDULED = "scheduled"


def current_levels(attendance: pd.DataFrame, on: dt.date | str) -> pd.DataFrame:
    """Attendance rows of the current term: the latest term with rows on or before the term
    containing ``on`` (children who have left are not listed)."""
    term_idx = terms.indices(attendance["term"])
    upto = term_idx <= terms.index(terms.containing(as_date(on)))
    if not upto.any():
        return attendance.iloc[0:0].reset_index(drop=True)
    current = term_idx[upto].max()
    return attendance.loc[term_idx == current].reset_index(drop=True)


def _interval(review_type: str, on: dt.date, params: Parameters) -> tuple[str, int]:
    for unit in ("weeks", "months"):
        path = f"reviews.interval_{unit}.{review_type}"
        if path in params:
            return unit, int(params.get(path, on))
    raise KeyError(f"no review interval for {review_type!r} under reviews.interval_*")


def _add_months(dates: pd.Series, months: np.ndarray) -> pd.Series:
    """``dates`` plus whole months, the day clipped to the month's end (vectorised)."""
    total = dates.dt.year.to_numpy() * 12 + dates.dt.month.to_numpy() - 1 + months
    first = pd.to_datetime(pd.DataFrame({"year": total // 12, "month": total % 12 + 1,
                                         "day": 1}), errors="coerce")
    day = np.minimum(dates.dt.day.to_numpy(), first.dt.days_in_month.to_numpy())
    return pd.Series(first.to_numpy() + pd.to_timedelta(day - 1, unit="D").to_numpy(),
                     index=dates.index)


def _shift(anchor: pd.Series, n: np.ndarray, unit: str, size: int) -> pd.Series:
    if unit == "weeks":
        return anchor + pd.to_timedelta(n * size * 7, unit="D")
    return _add_months(anchor, n * size)


def _cycles(anchor: pd.Series, day: pd.Timestamp, unit: str, size: int) -> np.ndarray:
    """Whole intervals from ``anchor`` to ``day`` (0 when ``day`` is before the first due)."""
    if unit == "weeks":
        k = ((day - anchor).dt.days.to_numpy() // (7 * size))
    else:
        months = ((day.year * 12 + day.month) - (anchor.dt.year * 12 + anchor.dt.month)).to_numpy()
        k = months // size
        k = np.where(_shift(anchor, k, unit, size) > day, k - 1, k)
    return np.maximum(k, 0)


def schedule(children: pd.DataFrame, attendance: pd.DataFrame, on: dt.date | str,
             reviews: pd.DataFrame | None = None, horizon_weeks: int | None = None,
             params: Parameters | None = None) -> pd.DataFrame:
    """One row per child, setting and review owed on ``on`` (L3), with due dates and status.

    Columns: child_id, setting_id, level, review_type, review, anchor (level start or last
    recorded review), last_due (latest due date passed; without ``reviews`` only), next_due,
    status (``due`` within the look-ahead, ``overdue`` or, without ``reviews``, ``overdue
    unless a review was recorded``, else ``scheduled``) and days_overdue.
    """
    params = params or load_parameters()
    day = as_date(on)
    ts = pd.Timestamp(day)
    horizon = int(horizon_weeks if horizon_weeks is not None
                  else params.get("reviews.horizon_weeks", day))
    cur = current_levels(attendance, day)[["child_id", "setting_id", "level", "level_from"]]
    kinds = {lvl: params.get(f"reviews.review_type.{lvl}", day) for lvl in LEVELS}
    cur = cur.assign(level=cur["level"].astype("string"))
    cur["review_type"] = cur["level"].map(kinds).astype("string")
    plan = children.loc[children["ehcp_status"] == "plan", ["child_id"]]
    ehcp = cur.merge(plan, on="child_id").assign(review_type="ehcp")
    rows = pd.concat([cur.loc[cur["review_type"].isin(REVIEW_TYPES)], ehcp], ignore_index=True)
    rows["anchor"] = rows["level_from"]
    if reviews is not None and len(reviews):
        done = reviews.assign(review_date=pd.to_datetime(reviews["review_date"]))
        done = done.loc[done["review_date"] <= ts]
        last = (done.groupby(["child_id", "review_type"], observed=True)["review_date"].max()
                .rename("last_review").reset_index())
        rows = rows.merge(last, on=["child_id", "review_type"], how="left")
        rows["anchor"] = rows[["level_from", "last_review"]].max(axis=1)
    else:
        rows["last_review"] = pd.NaT
    rows["last_due"] = pd.Series(pd.NaT, index=rows.index, dtype="datetime64[ns]")
    rows["next_due"] = rows["last_due"].copy()
    for rtype in rows["review_type"].unique():  # three review types, each vectorised
        m = (rows["review_type"] == rtype).to_numpy()
        unit, size = _interval(rtype, day, params)
        anchor = rows.loc[m, "anchor"]
        if reviews is not None:
            rows.loc[m, "next_due"] = _shift(anchor, np.ones(m.sum(), "int64"), unit, size)
        else:
            k = _cycles(anchor, ts, unit, size)
            rows.loc[m, "next_due"] = _shift(anchor, k + 1, unit, size)
            rows.loc[m, "last_due"] = _shift(anchor, k, unit, size).where(k >= 1)
    soon = rows["next_due"].between(ts, ts + pd.Timedelta(weeks=horizon))
    if reviews is not None:
        late = rows["next_due"] < ts
        rows["status"] = np.where(late, OVERDUE, np.where(soon, DUE, SCHEDULED))
        rows["days_overdue"] = (ts - rows["next_due"]).dt.days.where(late)
    else:
        late = rows["last_due"].notna()
        rows["status"] = np.where(late, UNVERIFIED, np.where(soon, DUE, SCHEDULED))
        rows["days_overdue"] = (ts - rows["last_due"]).dt.days.where(late)
    rows["due_soon"] = soon.to_numpy()
    rows["review"] = rows["review_type"].map(NAMES)
    cols = ["setting_id", "child_id", "level", "review_type", "review", "level_from",
            "last_review", "anchor", "last_due", "next_due", "due_soon", "status",
            "days_overdue"]
    return rows[cols].sort_values(["setting_id", "next_due", "child_id"]).reset_index(drop=True)


def by_setting(sched: pd.DataFrame) -> pd.DataFrame:
    """Per setting and review type: reviews due within the look-ahead and overdue ones."""
    overdue = sched["status"].isin([OVERDUE, UNVERIFIED])
    table = (sched.assign(due=sched["due_soon"], overdue=overdue)
             .groupby(["setting_id", "review_type"], observed=True)[["due", "overdue"]].sum()
             .reset_index())
    return table.loc[(table["due"] > 0) | (table["overdue"] > 0)].reset_index(drop=True)


def note(reviews_given: bool) -> str:
    """What "overdue" means in the lists (to print beside them)."""
    if reviews_given:
        return "Overdue: no review recorded since the due date (L3)."
    return ("No reviews were supplied: each review's latest due date that has passed is "
            "listed as 'overdue unless a review was recorded' (L3). Supply the reviews held "
            "to turn this into a firm overdue list.")

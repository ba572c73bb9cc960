"""Advisory visits: minimum support visits (C1) and the annual review cycle (C5-C7).

- C1: a setting owes ``support.minimum_visits.<level>`` held visits in each
  ``support.minimum_period.<level>`` (Targeted: a term, Intensive: a month) in which it
  spent at least ``support.min_days_at_level`` days at that level (a Decision: a setting
  moving up near a period's end owes its first visit in the next period). Any held
  advisory visit counts. A missed period says how late the next visit came.
- C5: the review year starts on the first day of ``support.review_year_start_month``
  (September) and runs twelve months; every setting is offered Visit 1
  (``learning_development``), Visit 2 (``welfare``) and an optional Visit 3
  (``send_review``).
- C6: the self-audit (review form for Visit 3) must be received at least
  ``support.self_audit_days`` days before the visit; a visit exactly that many days after
  it is in time. Visit 1 does not count as held without it; for Visits 2 and 3 a late form
  is reported but the visit counts.
- C7: Visits 1 and 2 are ideally ``support.visit_gap_months`` apart, in either order,
  within ``support.visit_gap_tolerance_days``.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from eyanalysis.data.schemas import SUPPORT_LEVELS
from eyanalysis.parameters import Parameters, resolve
from eyanalysis.rules import terms
from eyanalysis.rules.support import intervals
from eyanalysis.rules.terms import timestamp

CYCLE = {"v1": "learning_development", "v2": "welfare", "v3": "send_review"}


def periods(kind: str, start: dt.date | str, on: dt.date | str) -> pd.DataFrame:
    """Months or terms from the one containing ``start`` to the one containing ``on``:
    ``period``, ``period_start``, ``period_end`` (exclusive)."""
    a, b = as_day(start), as_day(on)
    if kind == "month":
        rng = pd.period_range(a, b, freq="M")
        out = pd.DataFrame({"period": rng.strftime("%Y-%m"),
                            "period_start": rng.start_time.normalize(),
                            "period_end": (rng + 1).start_time.normalize()})
        return out.astype({"period": "string", "period_start": "datetime64[ns]",
                           "period_end": "datetime64[ns]"})
    ids = [terms.from_index(i) for i in range(terms.index(terms.containing(a.date())),
                                              terms.index(terms.containing(b.date())) + 1)]
    out = pd.DataFrame({"period": ids,
                        "period_start": pd.to_datetime([terms.start(t) for t in ids]),
                        "period_end": pd.to_datetime([terms.end(t) for t in ids])
                        + pd.Timedelta(days=1)})
    return out.astype({"period": "string", "period_start": "datetime64[ns]",
                       "period_end": "datetime64[ns]"})


def as_day(when: dt.date | str) -> pd.Timestamp:
    return timestamp(when)


def _period_key(kind: str, dates: pd.Series) -> pd.Series:
    return dates.dt.strftime("%Y-%m").astype("string") if kind == "month" else terms.of_dates(dates)


def compliance(line: pd.DataFrame, settings: pd.DataFrame, visits: pd.DataFrame,
               start: dt.date | str, on: dt.date | str, params: Parameters | None = None
               ) -> pd.DataFrame:
    """C1 compliance per setting and period from ``start`` to ``on``.

    One row per setting, level and period in which the minimum was owed: ``setting_id``,
    ``level``, ``period_kind``, ``period``, ``period_start``, ``days_at_level``,
    ``required``, ``held`` (visits held in the period), ``status`` (``met``, ``missed``,
    or ``in progress`` for a period not over on ``on``), ``next_visit`` (first visit after
    a missed period, NaT if none by ``on``) and ``days_late`` (days after the period's end
    until that visit, or until ``on`` when there is none yet).
    """
    p = resolve(params)
    day = as_day(on)
    iv = intervals(line, settings, on, p)
    held = visits.loc[visits["held_date"].notna() & (visits["held_date"] <= day),
                      ["setting_id", "held_date"]].astype({"setting_id": "string"})
    min_days = int(p.get("support.min_days_at_level", on))
    out = []
    for level in SUPPORT_LEVELS:  # three levels, each vectorised over settings and periods
        kind = p.get(f"support.minimum_period.{level}", on)
        required = int(p.get(f"support.minimum_visits.{level}", on))
        if kind == "none" or required == 0:
            continue
        per = periods(kind, start, on)
        x = iv[iv["level"] == level].merge(per, how="cross")
        lo = x[["start", "period_start"]].max(axis=1)
        hi = x[["end", "period_end"]].min(axis=1)
        x["days_at_level"] = (hi - lo).dt.days.clip(lower=0)
        owed = (x.groupby(["setting_id", "period", "period_start", "period_end"],
                          as_index=False)["days_at_level"].sum())
        owed = owed[owed["days_at_level"] >= min_days]
        key = held["setting_id"] + "|" + _period_key(kind, held["held_date"])
        owed["held"] = (owed["setting_id"] + "|" + owed["period"]).map(
            key.value_counts()).fillna(0).astype(int) if len(key) else 0
        owed = owed.assign(level=level, period_kind=kind, required=required)
        out.append(owed)
    cols = ["setting_id", "level", "period_kind", "period", "period_start", "period_end",
            "days_at_level", "required", "held"]
    res = pd.concat(out, ignore_index=True)[cols] if out else pd.DataFrame(columns=cols)
    met = res["held"] >= res["required"]
    running = res["period_end"] > day
    res["status"] = np.select([met, running], ["met", "in progress"], "missed")
    res = _next_visit(res, held, day)
    return res.sort_values(["setting_id", "period_start", "level"]).reset_index(drop=True)


def _next_visit(res: pd.DataFrame, held: pd.DataFrame, day: pd.Timestamp) -> pd.DataFrame:
    missed = res["status"] == "missed"
    left = res.loc[missed, ["setting_id", "period_end"]].reset_index().sort_values("period_end")
    right = held.rename(columns={"held_date": "next_visit"}).sort_values("next_visit")
    nxt = pd.merge_asof(left, right, left_on="period_end", right_on="next_visit",
                        by="setting_id", direction="forward").set_index("index")
    res["next_visit"] = nxt["next_visit"].reindex(res.index)
    until = res["next_visit"].fillna(day)
    res["days_late"] = ((until - res["period_end"]).dt.days + 1).where(missed)
    return res


def compliance_summary(comp: pd.DataFrame, settings: pd.DataFrame, by: str = "district"
                       ) -> pd.DataFrame:
    """Owed, met and missed periods by ``by`` and term (months of Intensive support rolled
    up into their term), with the share met among periods that are over (C1)."""
    over = comp[comp["status"] != "in progress"].merge(
        settings[["setting_id", by]], on="setting_id")
    over = over.assign(term=terms.of_dates(over["period_start"]), met=over["status"] == "met")
    grp = over.groupby([by, "term", "level"], as_index=False).agg(
        owed=("met", "size"), met=("met", "sum"))
    grp["missed"] = grp["owed"] - grp["met"]
    grp["share_met"] = grp["met"] / grp["owed"]
    return grp


def review_year(on: dt.date | str, params: Parameters | None = None
                ) -> tuple[pd.Timestamp, pd.Timestamp]:
    """First day and the day after the last of the review year containing ``on`` (C5)."""
    p = resolve(params)
    day = as_day(on)
    first = int(p.get("support.review_year_start_month", on))
    year = day.year if day.month >= first else day.year - 1
    start = pd.Timestamp(year, first, 1)
    return start, start + pd.DateOffset(years=1)


def cycle(settings: pd.DataFrame, visits: pd.DataFrame, on: dt.date | str,
          params: Parameters | None = None) -> pd.DataFrame:
    """The annual cycle of every setting in the review year containing ``on`` (C5-C7).

    Per visit ``v1``, ``v2``, ``v3``: ``_planned``, ``_held`` (held on or before ``on``),
    ``_audit`` (self-audit received), ``_audit_days`` (days from it to the visit),
    ``_status`` (``held``, ``held, self-audit late``, ``held without self-audit in time``
    (Visit 1 only: does not count), ``planned``, ``overdue``, ``not planned``). Then
    ``gap_days`` and ``gap_off_by`` (days from the ideal gap; planned dates stand in for
    visits not yet held), ``gap_ok`` and ``cycle`` (``complete``, ``on track``,
    ``not yet planned``, ``behind``).
    """
    p = resolve(params)
    day = as_day(on)
    y0, y1 = review_year(on, p)
    audit_days = int(p.get("support.self_audit_days", on))
    v = visits[visits["visit_type"].isin(list(CYCLE.values()))].copy()
    v["held_date"] = v["held_date"].where(v["held_date"] <= day)
    when = v["held_date"].fillna(v["planned_date"])
    v = v[(when >= y0) & (when < y1)].assign(is_held=lambda f: f["held_date"].notna())
    # a rearranged visit leaves several rows: the held one wins, else the latest planned
    v = v.sort_values(["setting_id", "visit_type", "is_held", "planned_date"]).drop_duplicates(
        ["setting_id", "visit_type"], keep="last")
    out = settings[["setting_id", "name", "district", "provider_type"]].copy()
    for key, vtype in CYCLE.items():
        row = out[["setting_id"]].merge(
            v.loc[v["visit_type"] == vtype,
                  ["setting_id", "planned_date", "held_date", "self_audit_received"]],
            on="setting_id", how="left")
        planned, held = row["planned_date"].to_numpy(), row["held_date"].to_numpy()
        planned = pd.Series(planned, index=out.index, dtype="datetime64[ns]")
        held = pd.Series(held, index=out.index, dtype="datetime64[ns]")
        audit = pd.Series(row["self_audit_received"].to_numpy(), index=out.index,
                          dtype="datetime64[ns]")
        days = (held.fillna(planned) - audit).dt.days
        in_time = days >= audit_days  # C6: exactly 14 days before is in time
        late_word = "held without self-audit in time" if key == "v1" else \
            "held, self-audit late"
        status = np.select(
            [held.notna() & in_time, held.notna(), planned > day, planned.notna()],
            ["held", late_word, "planned", "overdue"], "not planned")
        out[f"{key}_planned"] = planned
        out[f"{key}_held"] = held
        out[f"{key}_audit"] = audit
        out[f"{key}_audit_days"] = days
        out[f"{key}_status"] = status
    d1 = out["v1_held"].fillna(out["v1_planned"])
    d2 = out["v2_held"].fillna(out["v2_planned"])
    first, last = d1.where(d1 <= d2, d2), d2.where(d1 <= d2, d1)
    ideal = first + pd.DateOffset(months=int(p.get("support.visit_gap_months", on)))
    out["gap_days"] = (last - first).dt.days
    out["gap_off_by"] = (last - ideal).dt.days
    tol = int(p.get("support.visit_gap_tolerance_days", on))
    out["gap_ok"] = (out["gap_off_by"].abs() <= tol).where(out["gap_off_by"].notna())
    main = out[["v1_status", "v2_status"]]
    behind = main.isin(["overdue", "held without self-audit in time"]).any(axis=1)
    unplanned = main.eq("not planned").any(axis=1)
    done = main.eq("held").all(axis=1) | (
        out["v1_status"].eq("held") & out["v2_status"].eq("held, self-audit late"))
    out["cycle"] = np.select([done, behind, unplanned], ["complete", "behind",
                                                         "not yet planned"], "on track")
    out.attrs["review_year"] = (y0.date().isoformat(), (y1 - pd.Timedelta(days=1)).date()
                                .isoformat())
    return out.reset_index(drop=True)


def cycle_summary(cyc: pd.DataFrame, by: str = "district") -> pd.DataFrame:
    """Settings by ``by`` and cycle status (C5-C7), with the V1-V2 gaps outside tolerance."""
    counts = pd.crosstab(cyc[by], cyc["cycle"])
    counts["gap outside tolerance"] = (cyc["gap_ok"] == False).groupby(cyc[by]).sum()  # noqa: E712
    counts["settings"] = cyc.groupby(by).size()
    return counts.reset_index()

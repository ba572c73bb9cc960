"""The Early Years Inclusion Funding Panel caseload (X1-X4, L3, F1-F10).

Everything here is advice to the panel and its chair: the panel decides (X3). The
criteria check says which criteria are evidenced and which are missing; it never decides.

- :func:`eligibility`: X1-X2 check of every exceptional application (reusing
  :func:`eyanalysis.rules.exceptional.check`) with the setting's Ofsted judgement flagged where
  ``panel.barred_judgements`` bars the application.
- :func:`queue`, :func:`per_meeting`, :func:`decisions`, :func:`funnel`, :func:`waits`,
  :func:`wait_summary`, :func:`backlog`: the caseload as known on an explicit date.
- funding committed by approved awards until school entry is in
  :mod:`eyanalysis.analysis.committed`.
- :func:`school_entry_headsup`: children starting Reception next September by level and
  school wave (W p. 8).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from eyanalysis.parameters import Parameters, as_date, load_parameters
from eyanalysis.rules import exceptional, support, terms
from eyanalysis.rules.levels import LEVELS, school_equivalent
from eyanalysis.vocabulary import CRITERIA_FLAGS, OFSTED_OUTCOMES, PANEL_KINDS

KIND_NAMES = PANEL_KINDS.shorts  # short labels for charts and tables
FINAL = ("approved", "declined")  # panel decisions that end an application


# -- helpers -----------------------------------------------------------------------------

def status_on(apps: pd.DataFrame, on: dt.date | str) -> pd.DataFrame:
    """Applications received by ``on``, with the decision as known on ``on``.

    A decision dated after ``on`` reads ``pending``; ``heard`` marks a panel date on or
    before ``on``.
    """
    ts = pd.Timestamp(as_date(on))
    out = apps.loc[apps["received_date"] <= ts].copy()
    known = out["decision_date"].notna() & (out["decision_date"] <= ts)
    out["decision"] = out["decision"].astype("string").where(known, "pending")
    out["decision_date"] = out["decision_date"].where(known)
    out["heard"] = out["panel_date"].notna() & (out["panel_date"] <= ts)
    return out


# -- 1. eligibility (X1-X3) --------------------------------------------------------------

def judgements(apps: pd.DataFrame, settings: pd.DataFrame,
               inspections: pd.DataFrame | None = None) -> pd.Series:
    """The Ofsted outcome of the applying setting on each received date (O1): a
    single-word judgement, or a report card's summary outcome (``OFSTED_OUTCOMES``).

    From ``inspections`` (latest inspection on or before the date, with the settings
    table's latest single-word judgement), else the settings table's latest judgement;
    ``not_yet_inspected`` when none is known.
    """
    if inspections is None or not len(inspections):
        found = apps[["setting_id"]].merge(
            settings[["setting_id", "ofsted_judgement"]], on="setting_id", how="left")
        return pd.Series(found["ofsted_judgement"].to_numpy(), index=apps.index,
                         dtype="string").fillna("not_yet_inspected")
    return support.outcomes_at(settings, inspections, apps, date="received_date")


def barred(apps: pd.DataFrame, judgement: pd.Series,
           params: Parameters | None = None) -> pd.Series:
    """True where ``panel.barred_judgements`` (for the kind, on the received date) lists the
    setting's Ofsted outcome: today's Worcestershire practice bars top-up applications from
    settings judged Requires Improvement or Inadequate, carried over to report cards by the
    O4 mapping (O3, an assumption). A flag for the panel (X3)."""
    params = params or load_parameters()
    out = pd.Series(False, index=apps.index)
    received = apps["received_date"]
    for kind in PANEL_KINDS:  # four kinds x a few dated values, each vectorised
        values = params.series(f"panel.barred_judgements.{kind}").values
        for i, item in enumerate(values):
            end = values[i + 1].start if i + 1 < len(values) else dt.date.max
            m = ((apps["kind"] == kind) & (received >= pd.Timestamp(item.start))
                 & (received < pd.Timestamp(min(end, dt.date(2262, 1, 1)))))
            out |= m & judgement.isin(list(item.value or []))
    return out


def eligibility(apps: pd.DataFrame, settings: pd.DataFrame,
                inspections: pd.DataFrame | None = None,
                params: Parameters | None = None) -> pd.DataFrame:
    """The X1-X2 criteria check of every exceptional application, as advice (X3).

    Columns: the application, each criterion (True = evidenced), ``general_missing`` and
    ``specific_met`` (rule ids), ``criteria_met`` (advice), ``setting_judgement``,
    ``setting_barred`` and ``advice`` (the explanation naming every missing criterion, and
    the bar when it applies). The recorded panel decision is carried as it stands.
    """
    exc = apps.loc[apps["kind"] == "exceptional"]
    check = exceptional.check(exc)
    judgement = judgements(exc, settings, inspections)
    bar = barred(exc, judgement, params)
    bar_text = ("Setting's Ofsted outcome on receipt: "
                + judgement.map(lambda code: OFSTED_OUTCOMES.label(code).lower())
                + "; today's practice bars top-up applications (panel.barred_judgements).")
    advice = check["explanation"].where(~bar, check["explanation"] + " " + bar_text)
    cols = ["application_id", "child_id", "setting_id", "received_date", "panel_date",
            "decision"]
    out = pd.concat([exc[cols], exc[list(exceptional.CRITERIA)], check.drop(
        columns="explanation")], axis=1)
    out["setting_judgement"] = judgement
    out["setting_barred"] = bar
    out["advice"] = advice.astype("string")
    return out.rename(columns={"decision": "panel_decision_recorded"}).reset_index(drop=True)


# -- 2. caseload analytics ----------------------------------------------------------------

def queue(apps: pd.DataFrame, panel_date: dt.date | str, on: dt.date | str,
          settings: pd.DataFrame, inspections: pd.DataFrame | None = None,
          params: Parameters | None = None) -> pd.DataFrame:
    """Applications open on ``on`` (no decision yet) and listed for a panel on or before
    ``panel_date`` (or not yet listed), with days waiting, the criteria check for
    exceptional ones and the setting bar flag. Oldest first."""
    pd_ts = pd.Timestamp(as_date(panel_date))
    st = status_on(apps, on)
    open_ = st.loc[(st["decision"] == "pending")
                   & (st["panel_date"].isna() | (st["panel_date"] <= pd_ts))]
    judgement = judgements(open_, settings, inspections)
    out = open_[["application_id", "kind", "child_id", "setting_id", "received_date",
                 "panel_date"]].copy()
    out["days_waiting"] = (pd.Timestamp(as_date(on)) - out["received_date"]).dt.days
    out["setting_judgement"] = judgement
    out["setting_barred"] = barred(open_, judgement, params)
    elig = eligibility(open_, settings, inspections, params)[
        ["application_id", "general_missing", "specific_met", "criteria_met", "advice"]]
    out = out.merge(elig, on="application_id", how="left")
    out["advice"] = out["advice"].fillna(
        pd.Series("Not an exceptional application: no X1-X2 check; for the panel to decide "
                  "(X3).", index=out.index))
    return out.sort_values(["received_date", "application_id"]).reset_index(drop=True)


def per_meeting(apps: pd.DataFrame) -> pd.DataFrame:
    """Applications listed for each panel meeting, by kind (one column per kind)."""
    listed = apps.loc[apps["panel_date"].notna()]
    table = pd.crosstab(listed["panel_date"], listed["kind"])
    table = table.reindex(columns=[k for k in PANEL_KINDS if k in table.columns])
    table["total"] = table.sum(axis=1)
    return table.rename_axis(index="panel_date", columns=None).reset_index()


def decisions(apps: pd.DataFrame, on: dt.date | str) -> pd.DataFrame:
    """Decisions recorded by ``on`` per kind, and the approval rate.

    **Decision:** approval rate = approved / (approved + declined); deferrals and
    withdrawals are counted but are not panel outcomes, so they are left out of the rate.
    """
    st = status_on(apps, on)
    table = pd.crosstab(st["kind"], st["decision"])
    cols = ["pending", "approved", "declined", "deferred", "withdrawn"]
    table = table.reindex(columns=cols, fill_value=0)
    table.loc["all"] = table.sum()
    final = table["approved"] + table["declined"]
    table["approval_rate"] = (table["approved"] / final.where(final > 0)).round(3)
    return table.rename_axis(index="kind", columns=None).reset_index()


def funnel(apps: pd.DataFrame, on: dt.date | str) -> pd.DataFrame:
    """Received -> heard at a panel -> decided (approved or declined) -> approved."""
    st = status_on(apps, on)
    stages = {
        "received": len(st),
        "heard at a panel": int(st["heard"].sum()),
        "decided (approved or declined)": int(st["decision"].isin(FINAL).sum()),
        "approved": int((st["decision"] == "approved").sum()),
    }
    return pd.DataFrame({"stage": list(stages), "applications": list(stages.values())})


def waits(apps: pd.DataFrame, on: dt.date | str) -> pd.DataFrame:
    """Days from receipt to the panel that heard it, and to the decision, as known on ``on``.

    Only panels and decisions on or before ``on`` count; a withdrawal is not a decision.
    """
    st = status_on(apps, on)
    decided = st["decision"].isin(["approved", "declined", "deferred"])
    out = st[["application_id", "kind", "received_date", "panel_date", "decision"]].copy()
    out["days_to_panel"] = (st["panel_date"] - st["received_date"]).dt.days.where(st["heard"])
    out["days_to_decision"] = (st["decision_date"] - st["received_date"]).dt.days.where(decided)
    return out.reset_index(drop=True)


def wait_summary(w: pd.DataFrame) -> pd.DataFrame:
    """Median and P90 of the waits by kind and overall (P90 by linear interpolation)."""
    both = pd.concat([w, w.assign(kind="all")])
    g = both.groupby("kind", sort=False)
    out = pd.DataFrame({
        "to_panel_n": g["days_to_panel"].count(),
        "to_panel_median": g["days_to_panel"].median(),
        "to_panel_p90": g["days_to_panel"].quantile(0.9),
        "to_decision_n": g["days_to_decision"].count(),
        "to_decision_median": g["days_to_decision"].median(),
        "to_decision_p90": g["days_to_decision"].quantile(0.9),
    })
    return out.rename_axis("kind").reset_index()


def backlog(apps: pd.DataFrame, start: dt.date | str, end: dt.date | str,
            freq: str = "W-MON") -> pd.DataFrame:
    """Applications open (received, no decision yet) on each date from ``start`` to ``end``.

    **Decision:** any recorded decision closes the application, a deferral included (a
    deferred case that returns is expected as a new application row). Long form: date,
    kind, open.
    """
    dates = pd.date_range(as_date(start), as_date(end), freq=freq).to_numpy()
    frames = []
    for kind in [k for k in PANEL_KINDS if (apps["kind"] == k).any()]:  # four at most
        a = apps.loc[apps["kind"] == kind]
        received = np.sort(a["received_date"].to_numpy())
        closed = np.sort(a["decision_date"].dropna().to_numpy())
        n_open = (np.searchsorted(received, dates, side="right")
                  - np.searchsorted(closed, dates, side="right"))
        frames.append(pd.DataFrame({"date": dates, "kind": kind, "open": n_open}))
    if not frames:
        return pd.DataFrame({"date": pd.Series(dtype="datetime64[ns]"), "kind": [], "open": []})
    return pd.concat(frames, ignore_index=True)


# -- school entry heads-up (W p. 8) ----------------------------------------------------------

def next_september(on: dt.date | str) -> str:
    """The term id of the first September after ``on``."""
    return terms.next_start_of("AUT", on)


def school_entry_headsup(children: pd.DataFrame, attendance: pd.DataFrame,
                         settings: pd.DataFrame, on: dt.date | str) -> pd.DataFrame:
    """Children with a SEND level (GR1 and above) starting Reception next September, one row
    each (their setting with most hours), with the school wave their level maps to: the
    receiving schools' heads-up. Funding does not carry over (W p. 8)."""
    from eyanalysis.analysis.reviews import current_levels

    entry = next_september(on)
    cur = current_levels(attendance, on)
    cur = cur.loc[cur["level"].astype("string") != "NE"]
    cur = cur.sort_values(["child_id", "hours_per_week", "setting_id"],
                          ascending=[True, False, True]).drop_duplicates("child_id")
    kids = children.loc[terms.school_entry(children["birth_month"]) == entry,
                        ["child_id", "ehcp_status"]]
    out = cur.merge(kids, on="child_id").merge(
        settings[["setting_id", "district"]], on="setting_id", how="left")
    out["school_entry"] = entry
    out["level"] = out["level"].astype("string")
    out["school_equivalent"] = school_equivalent(out["level"])
    return out[["child_id", "setting_id", "district", "level", "school_equivalent",
                "ehcp_status", "school_entry"]].sort_values(
        ["district", "level", "child_id"]).reset_index(drop=True)


def headsup_by_level(h: pd.DataFrame) -> pd.DataFrame:
    """Children starting Reception next September per level, with the school wave."""
    out = (h.groupby(["level", "school_equivalent"], observed=True)
           .agg(children=("child_id", "nunique"),
                with_ehc_plan=("ehcp_status", lambda s: int((s == "plan").sum())))
           .reset_index())
    out["level"] = pd.Categorical(out["level"], categories=LEVELS, ordered=True)
    return out.sort_values("level").reset_index(drop=True)


# -- the whole caseload for the notebook -------------------------------------------------

@dataclass
class Caseload:
    """Every table the panel caseload notebook shows, for one meeting, date and kinds."""

    as_of: dt.date
    panel_date: dt.date
    kinds: tuple[str, ...]
    applications: pd.DataFrame
    eligibility: pd.DataFrame
    queue: pd.DataFrame
    per_meeting: pd.DataFrame
    decisions: pd.DataFrame
    funnel: pd.DataFrame
    waits: pd.DataFrame
    wait_summary: pd.DataFrame
    backlog: pd.DataFrame
    committed: pd.DataFrame
    committed_by_level: pd.DataFrame
    individual_awards: pd.DataFrame
    headsup: pd.DataFrame
    headsup_by_level: pd.DataFrame
    reviews: pd.DataFrame
    reviews_by_setting: pd.DataFrame
    reviews_note: str


def caseload(ds, as_of: dt.date | str, panel_date: dt.date | str,
             kinds: Sequence[str] = tuple(PANEL_KINDS), reviews: pd.DataFrame | None = None,
             params: Parameters | None = None) -> Caseload:
    """All caseload tables for dataset ``ds`` (:func:`eyanalysis.load`) as known on
    ``as_of`` (:meth:`~eyanalysis.data.dataset.Dataset.as_of`), for the meeting on
    ``panel_date`` and the panel ``kinds`` shown (X4)."""
    from eyanalysis.analysis import committed as cm
    from eyanalysis.analysis import reviews as rv

    params = params or load_parameters()
    on, meeting = as_date(as_of), as_date(panel_date)
    ds = ds.as_of(on)
    apps = ds.panel_applications.loc[ds.panel_applications["kind"].isin(list(kinds))]
    insp = ds.tables.get("inspections")
    start = apps["received_date"].min() if len(apps) else pd.Timestamp(on)
    sched = rv.schedule(ds.children, ds.attendance, on, reviews, params=params)
    com = cm.committed(ds, on, params, apps=apps)
    head = school_entry_headsup(ds.children, ds.attendance, ds.settings, on)
    w = waits(apps, on)
    return Caseload(
        as_of=on, panel_date=meeting, kinds=tuple(kinds), applications=apps,
        eligibility=eligibility(status_on(apps, on), ds.settings, insp, params),
        queue=queue(apps, meeting, on, ds.settings, insp, params),
        per_meeting=per_meeting(status_on(apps, meeting)),
        decisions=decisions(apps, on), funnel=funnel(apps, on), waits=w,
        wait_summary=wait_summary(w), backlog=backlog(apps, start, on),
        committed=com, committed_by_level=cm.committed_by_level(com),
        individual_awards=cm.individual_awards(apps, on, params),
        headsup=head, headsup_by_level=headsup_by_level(head),
        reviews=sched, reviews_by_setting=rv.by_setting(sched),
        reviews_note=rv.note(reviews is not None),
    )


# -- 3. meetings, cards and the pack -------------------------------------------------------

_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "last": -1}
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _meeting_in_month(year: int, month: int, cadence: str) -> dt.date:
    """The meeting day of a month under ``panel.meetings`` (e.g. ``second tuesday``)."""
    import calendar

    words = str(cadence).lower().split()
    if len(words) != 2 or words[0] not in _ORDINALS or words[1] not in _WEEKDAYS:
        raise ValueError(f"panel.meetings {cadence!r}: write an ordinal and a weekday, "
                         "e.g. 'second tuesday' or 'last thursday'.")
    weekday = _WEEKDAYS.index(words[1])
    days = [d for d in calendar.Calendar().itermonthdates(year, month)
            if d.month == month and d.weekday() == weekday]
    n = _ORDINALS[words[0]]
    return days[n - 1] if n > 0 else days[-1]


def meeting_dates(apps: pd.DataFrame, on: dt.date | str, months_ahead: int = 6,
                  params: Parameters | None = None) -> list[dt.date]:
    """Panel meetings to pick from on ``on``: the meetings of the cadence
    (``panel.meetings``) from the month of ``on`` to ``months_ahead`` months on, and every
    date an application is listed for. Future meetings first (soonest first), then past
    ones (latest first)."""
    params = params or load_parameters()
    on = as_date(on)
    found = {d.date() for d in apps["panel_date"].dropna()}
    y, m = on.year, on.month
    for _ in range(months_ahead + 1):
        first = dt.date(y, m, 1)
        found.add(_meeting_in_month(y, m, params.get("panel.meetings", first)))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    future = sorted(d for d in found if d >= on)
    past = sorted((d for d in found if d < on), reverse=True)
    return future + past


def next_meeting(apps: pd.DataFrame, on: dt.date | str,
                 params: Parameters | None = None) -> dt.date:
    """The first meeting on or after ``on``."""
    return meeting_dates(apps, on, params=params)[0]


def listed_for(apps: pd.DataFrame, meeting: dt.date | str, on: dt.date | str) -> pd.DataFrame:
    """Applications listed for ``meeting`` and still without a decision on ``on`` (a meeting
    already held shows what it had to decide: the decisions dated that day read pending).
    Oldest first."""
    day = as_date(meeting)
    known = status_on(apps, min(as_date(on), day - dt.timedelta(days=1))
                      if day <= as_date(on) else on)
    rows = known.loc[(known["panel_date"] == pd.Timestamp(day))
                     & (known["decision"] == "pending")]
    return rows.sort_values(["received_date", "application_id"]).reset_index(drop=True)


def cards(apps: pd.DataFrame, meeting: dt.date | str, on: dt.date | str,
          settings: pd.DataFrame, inspections: pd.DataFrame | None = None,
          params: Parameters | None = None, attendance: pd.DataFrame | None = None
          ) -> list[dict]:
    """One card per application listed for ``meeting``: child reference, setting, kind,
    the child's SEND level (latest attendance row known, from ``attendance``), received,
    days waiting at the meeting, and for an exceptional application each general (X1 a-d)
    and specific (X2 1-4) criterion in plain English as evidenced or not. Never a decision
    or a recommendation (X3)."""
    rows = listed_for(apps, meeting, on)
    level_of: dict = {}
    if attendance is not None and len(attendance) and len(rows):
        att = attendance.loc[attendance["child_id"].isin(rows["child_id"]), ["child_id",
                                                                              "term", "level"]]
        att = att.assign(t=att["term"].map(terms.index)).sort_values("t")
        level_of = att.groupby("child_id")["level"].last().to_dict()
    judgement = judgements(rows, settings, inspections)
    bar = barred(rows, judgement, params)
    names = settings.set_index("setting_id")["name"] if "name" in settings else None
    day = as_date(meeting)
    out = []
    for i, r in rows.iterrows():
        criteria = []
        if r["kind"] == "exceptional":
            for group, table in (("general", exceptional.GENERAL),
                                 ("specific", exceptional.SPECIFIC)):
                for col in table:
                    val = r.get(col)
                    criteria.append({"group": group, "text": CRITERIA_FLAGS.label(col),
                                     "met": bool(val) if pd.notna(val) else False})
        setting = str(r["setting_id"])
        out.append({
            "application_id": str(r["application_id"]), "child_id": str(r["child_id"]),
            "setting_id": setting,
            "setting_name": (str(names.get(setting, setting)) if names is not None
                             else setting),
            "kind": str(r["kind"]),
            "level": str(level_of.get(r["child_id"], "")),
            "received": r["received_date"].date(),
            "days_waiting": int((pd.Timestamp(day) - r["received_date"]).days),
            "setting_judgement": str(judgement.iloc[i]) if len(judgement) else "",
            "setting_barred": bool(bar.iloc[i]) if len(bar) else False,
            "criteria": criteria,
        })
    return out

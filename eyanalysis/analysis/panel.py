"""The Early Years Inclusion Funding Panel caseload (X1-X4, L3, F1-F10).

Everything here is advice to the panel and its chair: the panel decides (X3). The
criteria check says which criteria are evidenced and which are missing; it never decides.

- :func:`eligibility`: X1-X2 check of every exceptional application (reusing
  :func:`eyanalysis.rules.exceptional.check`) with the setting's Ofsted judgement flagged where
  ``panel.barred_judgements`` bars the application.
- :func:`queue`, :func:`per_meeting`, :func:`decisions`, :func:`funnel`, :func:`waits`,
  :func:`wait_summary`, :func:`backlog`: the caseload as known on an explicit date.
- :func:`committed`: funding committed by approved awards until school entry, costed with
  the rules engine (F1-F7, F10) for kinds costed at the rates (``panel.costing``, X4).
- :func:`school_entry_headsup`: children starting Reception next September by level and
  school wave (W p. 8).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, StrictBool

from eyanalysis.data.schemas import PANEL_KINDS
from eyanalysis.parameters import Parameters, as_date, load_parameters
from eyanalysis.rules import exceptional, support, terms
from eyanalysis.rules.levels import LEVELS, school_equivalent
from eyanalysis.rules.money import pounds_text
from eyanalysis.vocabulary import OFSTED_OUTCOMES

Kind = Literal["exceptional", "non_nef", "out_of_school", "challenge_gr4"]
KIND_NAMES = PANEL_KINDS.shorts  # short labels for charts and tables
FINAL = ("approved", "declined")  # panel decisions that end an application
PARAMETER_PATHS = [
    *(f"panel.barred_judgements.{k}" for k in PANEL_KINDS),
    *(f"panel.costing.{k}" for k in PANEL_KINDS),
    "panel.assumed_hours_per_week", "nef.term_weeks.AUT", "nef.term_weeks.SPR",
    "nef.term_weeks.SUM", "inclusion.top_up.GR2", "inclusion.top_up.GR3",
    "inclusion.top_up.GR4", "inclusion.exceptional_component", "nef.weekly_hour_cap",
    "reviews.interval_weeks.provision_map", "reviews.interval_weeks.iep",
    "reviews.interval_months.ehcp", "reviews.horizon_weeks",
]


class PanelCaseloadParameters(BaseModel):
    """Parameters of ``notebooks/panel_caseload.ipynb``, validated (GUIDE.md §1)."""

    model_config = ConfigDict(extra="forbid")

    panel_date: dt.date = Field(description="panel meeting to prepare for")
    as_of: dt.date = Field(description="date the caseload is counted at")
    kinds: list[Kind] = Field(min_length=1, description="panel kinds shown (X4)")
    data_source: str = Field("", description="data source; blank = the bundled sample")
    interactive: StrictBool = Field(False, description="build widgets (JupyterLab)")


# -- helpers -----------------------------------------------------------------------------

def money(pence: pd.Series) -> pd.Series:
    """Integer pence shown to the penny: ``123456`` -> ``"£1234.56"`` (F10)."""
    return pounds_text(pence)


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
        values = params[f"panel.barred_judgements.{kind}"].values
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


# -- committed funding (X4, F1-F10) --------------------------------------------------------

def _latest_rows(attendance: pd.DataFrame, on: dt.date | str) -> pd.DataFrame:
    """Each child's attendance rows in their latest term on or before ``on``'s term."""
    t = attendance["term"].map(terms.index).to_numpy()
    keep = t <= terms.index(terms.containing(as_date(on)))
    att = attendance.loc[keep].assign(_t=t[keep])
    latest = att.groupby("child_id", observed=True)["_t"].transform("max")
    return att.loc[att["_t"] == latest, ["child_id", "setting_id", "hours_per_week"]]


def committed(apps: pd.DataFrame, children: pd.DataFrame, attendance: pd.DataFrame,
              settings: pd.DataFrame, on: dt.date | str,
              params: Parameters | None = None) -> pd.DataFrame:
    """Funding committed by approved awards, per award, term and setting, in pence.

    An award known on ``on`` runs from the term of its decision to the term before the
    child's school entry (:func:`eyanalysis.rules.terms.school_entry`), or until the term before a
    later award for the same child, which supersedes it. Hours a week are the child's latest
    attendance rows on or before ``on`` (``panel.assumed_hours_per_week`` when there are
    none: ``hours_assumed``); weeks per term from ``nef.term_weeks``; funding age from
    :func:`eyanalysis.rules.terms.funding_age` (F6). Amounts come from
    :func:`eyanalysis.rules.supplement.supplement` with the rates in force at each term's start,
    the cap and split rules included (F1-F5, F10). A 0-5 non-NEF child receives no NEF base
    rate, so F5 (levels inside the base rate) does not apply to them: they are costed at the
    top-up of the awarded level. Kinds costed ``individual`` (``panel.costing``, X4) are not
    here: see :func:`individual_awards`. ``period`` is ``to date`` up to ``on``'s term and
    ``to come`` after it.
    """
    from eyanalysis.rules.rates import Rates
    from eyanalysis.rules.supplement import supplement

    params = params or load_parameters()
    day = as_date(on)
    st = status_on(apps, day)
    costing = st["kind"].map({k: params.get(f"panel.costing.{k}", day) for k in PANEL_KINDS})
    aw = st.loc[(st["decision"] == "approved") & (costing == "rates")]
    aw = aw.merge(children[["child_id", "birth_month"]], on="child_id", how="left")
    aw = aw.assign(start=terms.index_of_dates(aw["decision_date"]))
    entry = terms.school_entry(aw["birth_month"]).str[:4].astype(int).to_numpy() * 3 + 2
    aw = aw.sort_values(["child_id", "start", "decision_date", "application_id"])
    nxt = aw.groupby("child_id")["start"].shift(-1).fillna(np.iinfo("int64").max // 2)
    aw["end"] = np.minimum(entry[aw.index.to_numpy()] - 1, nxt.to_numpy().astype("int64") - 1)
    aw = aw.reset_index(drop=True)
    n = np.clip(aw["end"] - aw["start"] + 1, 0, None).to_numpy()
    rows = aw.loc[np.repeat(aw.index.to_numpy(), n)].reset_index(drop=True)
    rows["term_idx"] = rows["start"].to_numpy() + (
        np.arange(len(rows)) - np.repeat(np.cumsum(n) - n, n))
    rows["term"] = rows["term_idx"].map({i: terms.from_index(i)
                                         for i in rows["term_idx"].unique()}).astype("string")
    cols = ["application_id", "kind", "child_id", "awarded_level", "birth_month", "term",
            "term_idx"]
    rows = rows[cols].rename(columns={"awarded_level": "level"})

    latest = _latest_rows(attendance, day)
    with_att = rows.merge(latest, on="child_id", how="inner")
    without = rows.loc[~rows["child_id"].isin(latest["child_id"])].merge(
        apps[["application_id", "setting_id"]], on="application_id")
    without["hours_per_week"] = float(params.get("panel.assumed_hours_per_week", day))
    att = pd.concat([with_att.assign(hours_assumed=False),
                     without.assign(hours_assumed=True)], ignore_index=True)
    if att.empty:
        return _empty_committed()
    term_list = att["term"].unique()
    starts = {t: terms.start(t) for t in term_list}
    weeks = {t: float(params.get(f"nef.term_weeks.{terms.season(t)}", starts[t]))
             for t in term_list}
    att["weeks"] = att["term"].map(weeks).astype(float)
    att["funding_age"] = terms.funding_age(att["birth_month"], att["term"])
    att["funding_age"] = att["funding_age"].where(att["kind"] != "non_nef", "not NEF-funded")
    spec = settings.set_index("setting_id")["provider_type"].eq("specialist")
    att["specialist"] = att["setting_id"].map(spec).fillna(False).astype(bool)
    att["level"] = att["level"].astype("string")
    parts = []
    for term in term_list:  # one rates lookup per term (a handful), vectorised inside
        sub = att.loc[att["term"] == term]
        paid = supplement(sub, Rates.from_parameters(starts[term], params))
        parts.append(sub.assign(rate=paid["rate"], amount_pence=paid["amount_pence"],
                                claimable_hours=paid["term_hours"]))
    out = pd.concat(parts).sort_values(["term_idx", "child_id", "setting_id"])
    out["period"] = np.where(out["term_idx"] <= terms.index(terms.containing(day)),
                             "to date", "to come")
    keep = ["application_id", "kind", "child_id", "setting_id", "level", "term",
            "funding_age", "hours_per_week", "hours_assumed", "weeks", "claimable_hours",
            "rate", "amount_pence", "period"]
    return out[keep].reset_index(drop=True)


def _empty_committed() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in {
        "application_id": "string", "kind": "string", "child_id": "string",
        "setting_id": "string", "level": "string", "term": "string",
        "funding_age": "string", "hours_per_week": float, "hours_assumed": bool,
        "weeks": float, "claimable_hours": float, "rate": "int64", "amount_pence": "int64",
        "period": "string"}.items()})


def committed_by_level(c: pd.DataFrame) -> pd.DataFrame:
    """Committed pence by awarded level and period, with children and a £ column (F10)."""
    g = c.groupby(["level", "period"], observed=True)
    out = g.agg(children=("child_id", "nunique"), awards=("application_id", "nunique"),
                amount_pence=("amount_pence", "sum")).reset_index()
    out["level"] = pd.Categorical(out["level"], categories=LEVELS, ordered=True)
    out = out.sort_values(["level", "period"]).reset_index(drop=True)
    out["amount_pence"] = out["amount_pence"].astype("int64")
    out["amount"] = money(out["amount_pence"])
    return out


def individual_awards(apps: pd.DataFrame, on: dt.date | str,
                      params: Parameters | None = None) -> pd.DataFrame:
    """Approved awards of kinds set individually (``panel.costing``: out-of-school and
    holiday provision, X4): counted per kind and level, never costed."""
    params = params or load_parameters()
    day = as_date(on)
    st = status_on(apps, day)
    costing = st["kind"].map({k: params.get(f"panel.costing.{k}", day) for k in PANEL_KINDS})
    aw = st.loc[(st["decision"] == "approved") & (costing == "individual")]
    return (aw.groupby(["kind", aw["awarded_level"].astype("string")], dropna=False)
            .agg(awards=("application_id", "nunique"), children=("child_id", "nunique"))
            .reset_index().rename(columns={"awarded_level": "level"}))


# -- school entry heads-up (W p. 8) ----------------------------------------------------------

def next_september(on: dt.date | str) -> str:
    """The term id of the first September after ``on``."""
    day = as_date(on)
    return f"{day.year + (1 if day.month >= 9 else 0)}-AUT"


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
    """Every table the panel caseload notebook shows, for one set of parameters."""

    parameters: PanelCaseloadParameters
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


def caseload(ds, p: PanelCaseloadParameters, reviews: pd.DataFrame | None = None,
             params: Parameters | None = None) -> Caseload:
    """All caseload tables for dataset ``ds`` (:func:`eyanalysis.load`) on ``p.as_of``."""
    from eyanalysis.analysis import reviews as rv

    params = params or load_parameters()
    apps = ds.panel_applications.loc[ds.panel_applications["kind"].isin(p.kinds)]
    insp = ds.tables.get("inspections")
    start = apps["received_date"].min() if len(apps) else pd.Timestamp(p.as_of)
    sched = rv.schedule(ds.children, ds.attendance, p.as_of, reviews, params=params)
    com = committed(apps, ds.children, ds.attendance, ds.settings, p.as_of, params)
    head = school_entry_headsup(ds.children, ds.attendance, ds.settings, p.as_of)
    w = waits(apps, p.as_of)
    return Caseload(
        parameters=p, applications=apps,
        eligibility=eligibility(status_on(apps, p.as_of), ds.settings, insp, params),
        queue=queue(apps, p.panel_date, p.as_of, ds.settings, insp, params),
        per_meeting=per_meeting(status_on(apps, p.panel_date)),
        decisions=decisions(apps, p.as_of), funnel=funnel(apps, p.as_of), waits=w,
        wait_summary=wait_summary(w), backlog=backlog(apps, start, p.as_of),
        committed=com, committed_by_level=committed_by_level(com),
        individual_awards=individual_awards(apps, p.as_of, params),
        headsup=head, headsup_by_level=headsup_by_level(head),
        reviews=sched, reviews_by_setting=rv.by_setting(sched),
        reviews_note=rv.note(reviews is not None),
    )

"""The termly summary (issue: termly summaries): one table per question, for one term.

Each function takes the loaded :class:`~eyanalysis.data.dataset.Dataset` and a term id and
returns raw counts; the notebook publishes them through :func:`eyanalysis.present.publish.table`
(disclosure control) and writes a plain-language headline above each chart from the
published (suppressed) values, never from the raw ones. A table whose rows obey a relation
a reader knows (a total column, approved <= decided) says so in ``attrs["relations"]``, so
that the suppression audit counts it (issue #15).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from eyanalysis.analysis import panel
from eyanalysis.data.schemas import PANEL_KINDS, SUPPORT_LEVELS, VISIT_TYPES
from eyanalysis.rules import terms
from eyanalysis.rules.grid import grid
from eyanalysis.rules.levels import LEVELS, SUPPLEMENT_LEVELS
from eyanalysis.rules.money import pounds_text
from eyanalysis.rules.rates import Rates

PARAMETER_PATHS = ["inclusion.top_up.GR1", "inclusion.top_up.GR2", "inclusion.top_up.GR3",
                   "inclusion.top_up.GR4", "inclusion.exceptional_component", "eypp.rate",
                   "nef.weekly_hour_cap", "inclusion.in_base_rate.2",
                   "inclusion.in_base_rate.3-4", "disclosure.threshold"]


class TermlySummaryParameters(BaseModel):
    """Parameters of ``notebooks/termly_summary.ipynb``, validated (GUIDE.md §1)."""

    model_config = ConfigDict(extra="forbid")

    term: str = Field(pattern=r"^\d{4}-(AUT|SPR|SUM)$", description="term to summarise")
    data_source: str = Field("", description="data source; blank = the bundled sample")
    as_of: dt.date | None = Field(None, description="date counted at; blank = term end or "
                                  "today, whichever is earlier")

    @property
    def on(self) -> dt.date:
        """The date figures are counted at: ``as_of``, else the earlier of the term's end
        and today."""
        return self.as_of or terms.counted_at(self.term)


def _day(ts: dt.date) -> pd.Timestamp:
    return pd.Timestamp(ts)


def _history(ds, term: str, dates: pd.Series, build, columns: list[str]) -> tuple:
    """The same table for every term from the first one with ``dates`` to the one before
    ``term``, as ``(columns, rows)`` pairs, oldest first: what a reader of the earlier
    releases knows (``attrs["history"]``, used by the suppression audit, issue #15)."""
    dates = dates.dropna()
    if dates.empty:
        return ()
    first = terms.containing(dates.min().date())
    out, t = [], first
    while terms.start(t) < terms.start(term):
        table = build(ds, t)
        out.append((tuple(columns), tuple(map(tuple, table[columns].to_numpy().tolist()))))
        t = terms.shift(t, 1)
    return tuple(out)


def support_levels(ds, term: str) -> pd.DataFrame:
    """Settings by recorded support level (C1-C3) at the end of ``term`` and the term before.

    The level of a setting on a date is its latest categorisation on or before that date;
    a setting never categorised counts as universal (C1: every setting has Universal
    support). A reader of consecutive releases sees each term's figures twice
    (``last_term`` is the previous release's ``this_term``): ``attrs`` say so.
    """
    out = _support_levels(ds, term)
    out.attrs["series"] = ("last_term = previous.this_term",)
    out.attrs["history"] = _history(ds, term, ds.categorisations.effective_date,
                                    _support_levels, ["this_term", "last_term"])
    return out


def _support_levels(ds, term: str) -> pd.DataFrame:
    rows = []
    for label, when in (("this_term", terms.end(term)), ("last_term",
                                                         terms.end(terms.shift(term, -1)))):
        cats = ds.categorisations[ds.categorisations.effective_date <= _day(when)]
        latest = cats.sort_values("effective_date").drop_duplicates("setting_id", keep="last")
        level = ds.settings[["setting_id"]].merge(latest[["setting_id", "level"]],
                                                  on="setting_id", how="left")
        counts = level["level"].fillna("universal").value_counts()
        rows.append(counts.reindex(SUPPORT_LEVELS, fill_value=0).rename(label))
    out = pd.concat(rows, axis=1).rename_axis("support_level").reset_index()
    total = {"support_level": "Total", "this_term": out.this_term.sum(),
             "last_term": out.last_term.sum()}
    return pd.concat([out, pd.DataFrame([total])], ignore_index=True)


def term_claims(ds, term: str) -> pd.DataFrame:
    """The term's attendance as claims for the rules engine: funding age (F6), EYPP flag
    (P1) and specialist settings (F4) joined in."""
    att = ds.attendance[ds.attendance.term == term]
    kids = ds.children.set_index("child_id")
    out = pd.DataFrame({
        "child_id": att.child_id.astype(str).to_numpy(),
        "setting_id": att.setting_id.astype(str).to_numpy(),
        "level": att.level.to_numpy(),
        "hours_per_week": att.hours_per_week.to_numpy(),
        "weeks": att.weeks.to_numpy(),
        "level_from": att.level_from.to_numpy(),
    })
    birth = kids.birth_month.reindex(out.child_id).reset_index(drop=True)
    out["funding_age"] = terms.funding_age(birth, term).to_numpy()
    out["eypp"] = kids.eypp_eligible.reindex(out.child_id).fillna(False).to_numpy(bool)
    specialist = set(ds.settings.setting_id[ds.settings.provider_type == "specialist"])
    out["specialist"] = out.setting_id.isin(specialist)
    return out


def children_by_level(ds, term: str) -> pd.DataFrame:
    """Funded children in ``term`` by SEND level (L1) and funding age (F6), with totals."""
    claims = term_claims(ds, term).drop_duplicates("child_id")
    table = pd.crosstab(claims.level.astype(str), claims.funding_age).reindex(
        index=list(LEVELS), columns=["2", "3-4"], fill_value=0)
    table.columns = ["age_2", "age_3_4"]
    table["total"] = table.sum(axis=1)
    table.loc["Total"] = table.sum()
    out = table.rename_axis("level").reset_index()
    out.attrs["relations"] = ("total = age_2 + age_3_4",)
    return out


def funding(ds, term: str, params=None) -> pd.DataFrame:
    """Inclusion Supplement predicted and actual, EYPP and exceptional funding (F1-F10, P1).

    Rates are those in force on the first day of the term. *Actual* costs every claim of
    the term (levels as declared on the portal); *predicted* costs the levels already in
    effect on the first day of the term (F9: a level identified later was not in the
    prediction), treating a later level as normal entitlement. Amounts are integer pence.
    """
    rates = Rates.from_parameters(terms.start(term), params)
    claims = term_claims(ds, term)
    actual = grid(claims, rates)
    known = claims.level_from <= _day(terms.start(term))
    predicted_claims = claims.assign(level=claims.level.where(known, "NE").astype(
        claims.level.dtype))
    predicted = grid(predicted_claims, rates)
    order = [*SUPPLEMENT_LEVELS, "EYPP"]

    def by_level(g):
        return g[g.level.isin(order)].groupby("level")[["children", "amount_pence"]].sum(
        ).reindex(order, fill_value=0)

    a, p = by_level(actual), by_level(predicted)
    out = pd.DataFrame({
        "line": [*(f"Inclusion Supplement {lvl}" for lvl in SUPPLEMENT_LEVELS),
                 "Early Years Pupil Premium"],
        "children": a.children.to_numpy(),
        "predicted_pence": p.amount_pence.to_numpy(),
        "actual_pence": a.amount_pence.to_numpy(),
    })
    out.loc[len(out)] = ["Total", out.children.sum(), out.predicted_pence.sum(),
                         out.actual_pence.sum()]
    return out


PANEL_COUNTS = ["received", "decided", "approved", "backlog_at_term_end"]


def panel_activity(ds, term: str) -> pd.DataFrame:
    """Panel applications by kind (X4): received and decided in the term, approved, and
    the backlog (no decision yet) at the end of the term.

    A reader knows approved <= decided, and, from consecutive releases, that each backlog
    is the previous one plus applications received less those decided: ``attrs`` say so,
    with the earlier terms' tables, for the suppression audit (issue #15).
    """
    out = _panel_activity(ds, term)
    out.attrs["relations"] = ("approved <= decided",)
    out.attrs["series"] = ("backlog_at_term_end = previous.backlog_at_term_end + received "
                           "- decided",)
    out.attrs["history"] = _history(ds, term, ds.panel_applications.received_date,
                                    _panel_activity, PANEL_COUNTS)
    return out


def _panel_activity(ds, term: str) -> pd.DataFrame:
    apps = ds.panel_applications
    start, end = _day(terms.start(term)), _day(terms.end(term))
    known = panel.status_on(apps, terms.end(term))
    rows = []
    for kind in PANEL_KINDS:
        a, k = apps[apps.kind == kind], known[known.kind == kind]
        decided = a.decision_date.between(start, end)
        rows.append({
            "kind": panel.KIND_NAMES[kind],
            "received": int(a.received_date.between(start, end).sum()),
            "decided": int(decided.sum()),
            "approved": int((decided & (a.decision == "approved")).sum()),
            "backlog_at_term_end": int((k.decision == "pending").sum()),
        })
    out = pd.DataFrame(rows)
    out.loc[len(out)] = ["Total", *out.drop(columns="kind").sum().tolist()]
    return out


def visits(ds, term: str, on: dt.date | str | None = None) -> pd.DataFrame:
    """Advisory visits planned in the term by type (C1, C5): held, and missed (planned
    date passed, not held by ``on``, default the end of the term)."""
    on = _day(on or terms.end(term))
    v = ds.visits[ds.visits.planned_date.between(_day(terms.start(term)),
                                                 _day(terms.end(term)))]
    rows = []
    for vt in VISIT_TYPES:
        x = v[v.visit_type == vt]
        held = x.held_date.notna() & (x.held_date <= on)
        rows.append({"visit_type": vt, "planned": len(x), "held": int(held.sum()),
                     "missed": int((~held & (x.planned_date < on)).sum())})
    out = pd.DataFrame(rows)
    out.loc[len(out)] = ["Total", *out.drop(columns="visit_type").sum().tolist()]
    out.attrs["relations"] = ("held + missed <= planned",)
    return out


def flags(ds, term: str) -> pd.DataFrame:
    """Notable flags at the end of the term: settings judged requires improvement or
    inadequate (C2: Intensive), in crisis (C1), not yet inspected."""
    s = ds.settings
    out = pd.DataFrame({
        "flag": ["Ofsted requires improvement", "Ofsted inadequate", "Setting in crisis",
                 "Not yet inspected"],
        "settings": [int((s.ofsted_judgement == "requires_improvement").sum()),
                     int((s.ofsted_judgement == "inadequate").sum()),
                     int(s.in_crisis.sum()),
                     int((s.ofsted_judgement == "not_yet_inspected").sum())],
    })
    return out


def pounds(pence: pd.Series) -> pd.Series:
    """Integer pence as ``£1,234.56`` text (before publishing, which may suppress it)."""
    return pounds_text(pence, thousands=True)


def number(value) -> str:
    """A published count for a sentence: ``c`` reads as 'a small number'."""
    return "a small number of" if value == "c" else f"{int(value):,}"


def headline_support(t: pd.DataFrame) -> str:
    row = t.set_index("support_level")
    inten = row.loc["intensive"]
    return (f"{number(row.loc['Total', 'this_term'])} settings: "
            f"{number(row.loc['universal', 'this_term'])} with Universal, "
            f"{number(row.loc['targeted', 'this_term'])} with Targeted and "
            f"{number(inten['this_term'])} with Intensive support at the end of the term.")


def headline_children(t: pd.DataFrame) -> str:
    row = t.set_index("level")
    sen = [row.loc[lvl, "total"] for lvl in SUPPLEMENT_LEVELS]
    known = [v for v in sen if v != "c"]
    return (f"{number(row.loc['Total', 'total'])} funded children this term; at least "
            f"{sum(int(v) for v in known):,} of them at a graduated-response level "
            "(GR1 to Exceptional).")


def headline_funding(t: pd.DataFrame) -> str:
    total = t.set_index("line").loc["Total"]
    return (f"Inclusion Supplement and EYPP this term: {total['actual']} actual against "
            f"{total['predicted']} predicted at the start of term.")


def headline_panel(t: pd.DataFrame) -> str:
    total = t.set_index("kind").loc["Total"]
    return (f"The panel received {number(total['received'])} applications and decided "
            f"{number(total['decided'])}; {number(total['backlog_at_term_end'])} awaited a "
            "decision at the end of the term.")


def headline_visits(t: pd.DataFrame) -> str:
    total = t.set_index("visit_type").loc["Total"]
    return (f"{number(total['held'])} of {number(total['planned'])} planned visits were "
            f"held; {number(total['missed'])} were missed.")



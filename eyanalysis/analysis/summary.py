"""The termly summary (issue: termly summaries): one table per question, for one term.

Each function takes the loaded :class:`~eyanalysis.data.dataset.Dataset`, a term id and the
date the term is counted at (``on``: its last day, or the run date while it runs), reads the
data as known on that date (:meth:`~eyanalysis.data.dataset.Dataset.as_of`) and returns raw
counts; the release (:mod:`eyanalysis.present.report`) publishes them through
:func:`eyanalysis.present.publish.table` (disclosure control) and writes its sentences
from the published (suppressed) values, never from the raw ones. Every sentence and
heading takes its wording from one :class:`Counted` (a provisional run says "so far this
term" and "counted on 1 December 2026", never "at the end of the term"). A table whose
rows obey a relation a reader knows (a total column, approved <= decided) says so in
``attrs["relations"]``, and a table a reader sees term after term carries the earlier
releases in ``attrs["history"]``, so that the suppression audit counts them (issue #15).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from eyanalysis.analysis import panel
from eyanalysis.data import claims as cl
from eyanalysis.parameters import Parameters, as_date
from eyanalysis.rules import terms, timing
from eyanalysis.rules.grid import grid
from eyanalysis.rules.levels import LEVELS, SUPPLEMENT_LEVELS
from eyanalysis.rules.rates import Rates
from eyanalysis.vocabulary import PANEL_KINDS, REPORT_CARD_AREAS, SUPPORT_LEVELS, VISIT_TYPES


def long_date(day: dt.date) -> str:
    """``1 December 2026`` (GOV.UK style: no leading zero, month in full)."""
    return f"{day.day} {day:%B %Y}"


@dataclass(frozen=True)
class Counted:
    """The term a summary speaks of and the date it is counted at: the one source of the
    wording of every headline and heading (final or provisional)."""

    term: str
    on: dt.date

    @classmethod
    def of(cls, term: str, on: dt.date | str | None = None,
           today: dt.date | None = None) -> Counted:
        """``on`` defaults to :func:`eyanalysis.rules.terms.counted_at` (the term's last day,
        or ``today`` while it runs)."""
        day = as_date(on) if on else terms.counted_at(term, today)
        return cls(term, min(day, terms.end(term)))

    @property
    def provisional(self) -> bool:
        """Counted before the term's last day: figures can still change."""
        return self.on < terms.end(self.term)

    @property
    def period(self) -> str:
        """``this term`` or ``so far this term``."""
        return "so far this term" if self.provisional else "this term"

    @property
    def when(self) -> str:
        """``at the end of the term`` or ``on 1 December 2026``."""
        return f"on {long_date(self.on)}" if self.provisional else "at the end of the term"

    @property
    def status(self) -> str:
        """``provisional, counted on 1 December 2026`` or ``counted at the end of the term,
        31 December 2025``."""
        if self.provisional:
            return f"provisional, counted on {long_date(self.on)}"
        return f"counted at the end of the term, {long_date(self.on)}"

    def heading(self, title: str) -> str:
        """A table or chart heading: ``Title, 2026-AUT (provisional, counted on ...)``."""
        return f"{title}, {self.term} ({self.status})"

    @property
    def title(self) -> str:
        return self.heading("Early years termly summary")


def _known(ds, c: Counted):
    return ds.as_of(c.on)  # free when ds is already as known on c.on or before


def _history(ds, c: Counted, dates: pd.Series, build, columns: list[str]) -> tuple:
    """The same table for every term from the first one with ``dates`` to the one before
    ``c.term``, each as it was released (counted at its term's end, from the data as known
    then), as ``(columns, rows)`` pairs, oldest first: what a reader of the earlier releases
    knows (``attrs["history"]``, used by the suppression audit, issue #15)."""
    dates = dates.dropna()
    if dates.empty:
        return ()
    out, t = [], terms.containing(dates.min().date())
    while terms.start(t) < terms.start(c.term):
        table = build(ds, Counted(t, terms.end(t)))
        out.append((tuple(columns), tuple(map(tuple, table[columns].to_numpy().tolist()))))
        t = terms.shift(t, 1)
    return tuple(out)


def support_levels(ds, c: Counted) -> pd.DataFrame:
    """Settings by recorded support level (C1-C3) on the count date and at the end of the
    term before.

    The level of a setting on a date is its latest categorisation on or before that date;
    a setting never categorised counts as universal (C1: every setting has Universal
    support). A reader of consecutive releases sees each term's figures twice
    (``last_term`` is the previous release's ``this_term``): ``attrs`` say so.
    """
    out = _support_levels(ds, c)
    out.attrs["series"] = ("last_term = previous.this_term",)
    out.attrs["history"] = _history(ds, c, ds.categorisations.effective_date,
                                    _support_levels, ["this_term", "last_term"])
    return out


def _support_levels(ds, c: Counted) -> pd.DataFrame:
    ds = _known(ds, c)
    rows = []
    for label, when in (("this_term", c.on), ("last_term", terms.end(terms.shift(c.term, -1)))):
        cats = ds.categorisations[ds.categorisations.effective_date <= pd.Timestamp(when)]
        latest = cats.sort_values("effective_date").drop_duplicates("setting_id", keep="last")
        level = ds.settings[["setting_id"]].merge(latest[["setting_id", "level"]],
                                                  on="setting_id", how="left")
        counts = level["level"].fillna("universal").value_counts()
        rows.append(counts.reindex(list(SUPPORT_LEVELS), fill_value=0).rename(label))
    out = pd.concat(rows, axis=1).rename_axis("support_level").reset_index()
    total = {"support_level": "Total", "this_term": out.this_term.sum(),
             "last_term": out.last_term.sum()}
    return pd.concat([out, pd.DataFrame([total])], ignore_index=True)


def children_by_level(ds, c: Counted) -> pd.DataFrame:
    """Funded children in the term by SEND level (L1) and funding age (F6'), with totals.

    Columns ``age_2`` and ``age_3_4`` always; ``age_under_2`` (children from 9 months, F6')
    first when the term's claims hold any under-2s."""
    claims = cl.for_term(_known(ds, c), c.term).drop_duplicates("child_id")
    ages = (["under-2"] if (claims.funding_age == "under-2").any() else []) + ["2", "3-4"]
    table = pd.crosstab(claims.level.astype(str), claims.funding_age).reindex(
        index=list(LEVELS), columns=ages, fill_value=0)
    table.columns = ["age_" + a.replace("-", "_") for a in ages]
    table["total"] = table.sum(axis=1)
    table.loc["Total"] = table.sum()
    out = table.rename_axis("level").reset_index()
    out.attrs["relations"] = ("total = " + " + ".join(table.columns[:-1]),)
    return out


def funding(ds, c: Counted, params: Parameters | None = None) -> pd.DataFrame:
    """Inclusion Supplement predicted, actual and final, EYPP, exceptional funding and the
    Disability Access Fund (F1-F10, E2, D1-D2), integer pence.

    The stages are those of :mod:`eyanalysis.rules.timing` (F9): *predicted* costs the
    levels known on the term's first day, *actual* those known when the portal closed,
    *final* every level declared; a stage whose date is after the count date costs the
    levels known so far. Rates are those in force on the first day of the term; ``children``
    are those at each level in the final claims.

    The ``Disability Access Fund`` line counts the DAF-flagged children (DLA, D1) funded in
    the term and the DAF that falls due in the term under the period rule
    (``daf.period_rule``, D2; :func:`eyanalysis.rules.daf.schedule`, school starters'
    shares included) at each child's nominated setting
    (:func:`eyanalysis.data.claims.nominated`). DAF is not hour-based and does not depend on
    levels, so it is the same at every stage: it is paid with the term's first run.
    """
    ds = _known(ds, c)
    rates = Rates.from_parameters(terms.start(c.term), params)
    final = cl.for_term(ds, c.term, params=params)
    grids = {stage: grid(cl.relevel(final, ds, day), rates)
             for stage, day in timing.stages_known(c.term, c.on, params).items()}
    order = [*SUPPLEMENT_LEVELS, "EYPP"]

    def by_level(g):
        return g[g.level.isin(order)].groupby("level")[["children", "amount_pence"]].sum(
        ).reindex(order, fill_value=0)

    sums = {stage: by_level(g) for stage, g in grids.items()}
    # distinct children (issue #11): a child paid at one level in two settings counts once
    paid = _per_child(cl.relevel(final, ds, timing.stages_known(c.term, c.on, params)[
        timing.FINAL]), rates)
    paid = paid[paid.children > 0]
    distinct = paid.groupby("level").setting_id.nunique()
    out = pd.DataFrame({
        "line": [*(f"Inclusion Supplement {lvl}" for lvl in SUPPLEMENT_LEVELS),
                 "Early Years Pupil Premium"],
        "children": distinct.reindex(order, fill_value=0).to_numpy().astype("int64"),
        **{f"{stage}_pence": sums[stage].amount_pence.to_numpy() for stage in timing.STAGES},
    })
    daf_ids = ds.children.loc[ds.children["daf"].fillna(False).astype(bool), "child_id"
                              ] if "daf" in ds.children else pd.Series(dtype="string")
    daf_kids = set(final.loc[final["child_id"].isin(daf_ids), "child_id"])  # DLA, D1
    daf_pence = int(cl.daf_due(ds, c.term, c.on, params)["amount_pence"].sum())
    out.loc[len(out)] = ["Disability Access Fund", len(daf_kids),
                         *([daf_pence] * len(timing.STAGES))]
    money = out.drop(columns=["line", "children"]).sum().tolist()
    # the Total's children: distinct children funded by any line (never a sum of lines)
    out.loc[len(out)] = ["Total", len(set(paid.setting_id) | daf_kids), *money]
    out.attrs["supplement_children"] = int(
        paid.loc[paid.level == "TOTAL", "setting_id"].nunique())
    return out


def _per_child(claims: pd.DataFrame, rates: Rates) -> pd.DataFrame:
    """The prediction grid with each child as its own "setting" (F10: amounts are per
    child per setting, so the sums are the grid's): ``setting_id`` holds the child id."""
    return grid(claims.assign(setting_id=claims["child_id"].astype(str)), rates)


@dataclass(frozen=True)
class FundingGap:
    """Where the Inclusion Supplement declared on the portal (actual) differs from the
    prediction (F9), in integer pence: children paid at a graduated level on the portal who
    were not on the first day of term (``new_*``, new to a graduated level or to funded
    places), and children already at one whose level changed (``changed_*``).
    ``new_pence + changed_pence == actual - predicted`` exactly: both stages cost the same
    claims, so every penny of the gap comes from levels declared after the start of term."""

    predicted: int
    actual: int
    new_children: int
    new_pence: int
    changed_children: int
    changed_pence: int

    @property
    def gap(self) -> int:
        return self.actual - self.predicted


def funding_gap(ds, c: Counted, params: Parameters | None = None) -> FundingGap:
    """Actual minus predicted Inclusion Supplement of ``c.term``, child by child (F9)."""
    ds = _known(ds, c)
    rates = Rates.from_parameters(terms.start(c.term), params)
    final = cl.for_term(ds, c.term, params=params)
    days = timing.stages_known(c.term, c.on, params)

    def supplement(stage):
        g = _per_child(cl.relevel(final, ds, days[stage]), rates)
        return g[g.level == "TOTAL"].set_index("setting_id")[["children", "amount_pence"]]

    before, after = supplement(timing.PREDICTED), supplement(timing.ACTUAL)
    both = before.merge(after, left_index=True, right_index=True, how="outer",
                        suffixes=("_p", "_a")).fillna(0)
    was, now = both.children_p > 0, both.children_a > 0
    diff = both.amount_pence_a - both.amount_pence_p
    new = ~was & now
    changed = was & (diff != 0)
    return FundingGap(int(both.amount_pence_p.sum()), int(both.amount_pence_a.sum()),
                      int(new.sum()), int(diff[new].sum()),
                      int(changed.sum()), int(diff[changed].sum()))


@dataclass(frozen=True)
class KeyFigures:
    """The release's headline figures for one term, raw (published through disclosure
    control by :mod:`eyanalysis.present.report`): settings in Intensive support (C1-C3),
    distinct children funded at a graduated level (L1), Inclusion Supplement and EYPP spend
    (final stage, F9; P1), panel applications awaiting a decision (X4), visits missed (C5)."""

    intensive_settings: int
    graduated_children: int
    supplement_pence: int
    eypp_pence: int
    awaiting_decision: int
    visits_missed: int


def key_figures(ds, c: Counted, params: Parameters | None = None) -> KeyFigures:
    """The :class:`KeyFigures` of ``c`` (the data as known on ``c.on``)."""
    ds = _known(ds, c)  # once: each table below then reads it as it is
    support = _support_levels(ds, c).set_index("support_level")
    kids = children_by_level(ds, c).set_index("level")
    rates = Rates.from_parameters(terms.start(c.term), params)
    final = cl.for_term(ds, c.term, params=params)
    day = timing.stages_known(c.term, c.on, params)[timing.FINAL]
    g = grid(cl.relevel(final, ds, day), rates)
    return KeyFigures(
        intensive_settings=int(support.loc["intensive", "this_term"]),
        graduated_children=int(kids.loc[list(SUPPLEMENT_LEVELS), "total"].sum()),
        supplement_pence=int(g.loc[g.level.isin(SUPPLEMENT_LEVELS), "amount_pence"].sum()),
        eypp_pence=int(g.loc[g.level == "EYPP", "amount_pence"].sum()),
        awaiting_decision=int(_panel_activity(ds, c).set_index("kind").loc[
            "Total", "awaiting_decision"]),
        visits_missed=int(visits(ds, c).set_index("visit_type").loc["Total", "missed"]),
    )


def supplement_pence(table: pd.DataFrame, stage: str = timing.PREDICTED) -> int:
    """The Inclusion Supplement of one stage in a :func:`funding` table (EYPP left out)."""
    lines = table["line"].str.startswith("Inclusion Supplement")
    return int(table.loc[lines, f"{stage}_pence"].sum())


PANEL_COUNTS = ["received", "decided", "approved", "awaiting_decision"]


def panel_activity(ds, c: Counted) -> pd.DataFrame:
    """Panel applications by kind (X4): received and decided in the term (to the count
    date), approved, and those awaiting a decision on the count date.

    A reader knows approved <= decided, and, from consecutive releases, that each number
    awaiting a decision is the previous one plus applications received less those decided:
    ``attrs`` say so, with the earlier terms' tables, for the suppression audit (issue #15).
    """
    out = _panel_activity(ds, c)
    out.attrs["relations"] = ("approved <= decided",)
    out.attrs["series"] = ("awaiting_decision = previous.awaiting_decision + received "
                           "- decided",)
    out.attrs["history"] = _history(ds, c, ds.panel_applications.received_date,
                                    _panel_activity, PANEL_COUNTS)
    return out


def _panel_activity(ds, c: Counted) -> pd.DataFrame:
    ds = _known(ds, c)
    apps = ds.panel_applications
    start, end = pd.Timestamp(terms.start(c.term)), pd.Timestamp(c.on)
    known = panel.status_on(apps, c.on)
    rows = []
    for kind in PANEL_KINDS:
        a, k = apps[apps.kind == kind], known[known.kind == kind]
        decided = a.decision_date.between(start, end)
        rows.append({
            "kind": panel.KIND_NAMES[kind],
            "received": int(a.received_date.between(start, end).sum()),
            "decided": int(decided.sum()),
            "approved": int((decided & (a.decision == "approved")).sum()),
            "awaiting_decision": int((k.decision == "pending").sum()),
        })
    out = pd.DataFrame(rows)
    out.loc[len(out)] = ["Total", *out.drop(columns="kind").sum().tolist()]
    return out


def visits(ds, c: Counted) -> pd.DataFrame:
    """Advisory visits planned in the term (to the count date) by type (C1, C5): held, and
    missed (planned date passed, not held by the count date)."""
    ds = _known(ds, c)
    on = pd.Timestamp(c.on)
    v = ds.visits[ds.visits.planned_date.between(pd.Timestamp(terms.start(c.term)), on)]
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


def flags(ds, c: Counted) -> pd.DataFrame:
    """Notable flags on the count date: settings judged requires improvement or inadequate
    (C2: Intensive), in crisis (C1), not yet inspected, and, under report cards (O1-O2),
    settings whose latest inspection is a report card with safeguarding not met or with any
    area at urgent improvement; from the data as known then (latest inspection on or before
    the date, crisis from its start)."""
    known = _known(ds, c)
    s = known.settings
    insp = known.inspections.sort_values("inspection_date", kind="stable")
    latest = insp.drop_duplicates("setting_id", keep="last")
    card = latest[latest["safeguarding"].notna()]  # a report card (O1)
    urgent = card[list(REPORT_CARD_AREAS)].eq("urgent_improvement").any(axis=1)
    # a single-word judgement counts only while no later report card replaces it
    word = s.ofsted_judgement.where(~s.setting_id.isin(card["setting_id"]))
    never = (s.ofsted_judgement == "not_yet_inspected") & ~s.setting_id.isin(
        insp["setting_id"])
    return pd.DataFrame({
        "flag": ["Ofsted requires improvement", "Ofsted inadequate", "Setting in crisis",
                 "Not yet inspected", "Report card: safeguarding not met",
                 "Report card: an area at urgent improvement"],
        "settings": [int((word == "requires_improvement").sum()),
                     int((word == "inadequate").sum()),
                     int(s.in_crisis.sum()),
                     int(never.sum()),
                     int((card["safeguarding"] == "not_met").sum()),
                     int(urgent.sum())],
    })

"""The team manager's page (issue #12 item 2): one filter bar (district, provider type, date,
compare-from date; defaults today and a year before) drives every chart and table, in
tabs (:data:`TABS`; only the tab in view is drawn, the others when opened):

1. support levels on the date and the change since the compare-from date, as numbers and as
   a labelled Sankey (C1-C3, O2), with the spread by district and by Ofsted outcome;
2. the settings in Targeted and in Intensive support (name, district, link adviser where the
   data have one, since when, why, last visit, next visit due, overdue), searchable,
   sortable and downloadable (formula-safe: :mod:`eyanalysis.apps.download`);
3. minimum visits (C1) met in term order;
4. adviser workload against capacity per month, with the what-if of more Intensive settings
   (C5-C7).

:class:`SpreadView` computes every section for one choice of filters, caching what depends
only on a date; :func:`explorer` is the widget page (Voila, JupyterLab) and :func:`page` the
same sections as static output for the notebook run headless.
"""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from eyanalysis.analysis import visits as visits_mod
from eyanalysis.analysis import workload
from eyanalysis.analysis.categorisation import ALL, judgements_on, select
from eyanalysis.apps.common import WIDTH
from eyanalysis.parameters import Parameters, resolve
from eyanalysis.present import format as fmt
from eyanalysis.present.charts import style
from eyanalysis.present.meta import Column, TableSpec
from eyanalysis.present.tables import interactive_widget, notes_html, publication_html
from eyanalysis.rules import terms
from eyanalysis.rules.support import levels_on
from eyanalysis.vocabulary import OFSTED_OUTCOMES, PROVIDER_TYPES, SUPPORT_LEVELS

SOURCE = "Advisory visits, Ofsted inspections and categorisations recorded by the team"
#: Columns of the support lists, in order; ``link_adviser`` only when the data have it.
LIST_COLUMNS = ["name", "district", "link_adviser", "since", "reason", "last_visit",
                "next_due", "overdue_days"]
#: Columns of the support lists that hold dates (sorted in time order in the app).
LIST_DATES = ("since", "last_visit", "next_due")
#: The itables buttons save the rows shown (searched, sorted); the links under each list
#: (:mod:`eyanalysis.apps.download`) hold every row.
LIST_BUTTONS = ("CSV of the rows shown", "Excel of the rows shown")


def level_label(code: str) -> str:
    return SUPPORT_LEVELS.label(code) if code in SUPPORT_LEVELS else str(code)


def _short(code: str) -> str:
    return SUPPORT_LEVELS.short(code)


def _month_end(days: pd.Series) -> pd.Series:
    """The last day of the month of each date (vectorised)."""
    return (days + pd.offsets.MonthBegin(1)).dt.normalize() - pd.Timedelta(days=1)


def _term_end(days: pd.Series) -> pd.Series:
    """The last day of the term of each date (vectorised)."""
    return terms.ends(terms.of_dates(days))


@dataclass
class Choice:
    """One state of the filter bar."""

    district: str
    provider_type: str
    on: dt.date
    compare_from: dt.date
    extra_intensive: int = 0
    from_level: str = "targeted"


class SpreadView:
    """Every section of the page for a :class:`Choice`. What does not depend on the filters
    (the level timeline, the visits held, the parameters) is prepared once; levels and
    Ofsted outcomes are cached per date, compliance per date pair."""

    def __init__(self, line: pd.DataFrame, settings: pd.DataFrame, visits: pd.DataFrame,
                 inspections: pd.DataFrame, as_of: dt.date, params: Parameters | None = None,
                 since: dt.date | None = None):
        self.line, self.settings, self.visits = line, settings, visits
        self.inspections, self.as_of = inspections, as_of
        self.params = resolve(params)
        self.since = since or (visits["planned_date"].min().date() if len(visits)
                               else as_of)
        self.held = visits.loc[visits["held_date"].notna(), ["setting_id", "held_date"]]
        self._levels: dict[dt.date, pd.DataFrame] = {}
        self._plain: dict[dt.date, pd.DataFrame] = {}
        self._compliance: dict[tuple, pd.DataFrame] = {}
        self._masks: dict[tuple, np.ndarray] = {}
        self.has_adviser = "link_adviser" in settings.columns
        self.districts = sorted(settings["district"].dropna().unique())
        self.types = [t for t in PROVIDER_TYPES if t in set(settings["provider_type"])]

    # -- cached per date --------------------------------------------------------------------
    def plain(self, on: dt.date) -> pd.DataFrame:
        """Every setting's level on ``on`` (C1-C3, O2), cached per date."""
        if on not in self._plain:
            self._plain[on] = levels_on(self.line, self.settings, on, self.params)
        return self._plain[on]

    def levels(self, on: dt.date) -> pd.DataFrame:
        """Every setting's level on ``on`` with its Ofsted outcome, last visit and C1 due
        date (all settings; the filters select rows)."""
        if on not in self._levels:
            lv = self.plain(on).copy()
            lv["judgement"] = judgements_on(self.settings, self.inspections, on).to_numpy()
            day = pd.Timestamp(on)
            held = self.held[self.held["held_date"] <= day]
            last = held.groupby("setting_id")["held_date"].max()
            # reindex, not map: pandas cannot map through an empty datetime Series (a first
            # term with no visit held yet)
            lv["last_visit"] = pd.to_datetime(last.reindex(lv["setting_id"].to_numpy())
                                              ).to_numpy(dtype="datetime64[ns]")
            lv["next_due"], lv["overdue_days"] = self._due(lv, day)
            if self.has_adviser:
                lv["link_adviser"] = self.settings["link_adviser"].to_numpy()
            self._levels[on] = lv
        return self._levels[on]

    def _due(self, lv: pd.DataFrame, day: pd.Timestamp) -> tuple[np.ndarray, np.ndarray]:
        """C1: a Targeted setting is owed a visit each term, an Intensive one each month.
        The next visit is due by the end of the period after the one of the last visit
        held since the level began; with none, by the end of the period the level began
        in. Overdue: days past that date on ``day``."""
        due = pd.Series(pd.NaT, index=lv.index, dtype="datetime64[ns]")
        for level in ("targeted", "intensive"):
            kind = self.params.get(f"support.minimum_period.{level}", day.date())
            m = lv["level"] == level
            if kind == "none" or not m.any():
                continue
            since = pd.to_datetime(lv.loc[m, "since"]).fillna(day).astype("datetime64[ns]")
            last = pd.to_datetime(lv.loc[m, "last_visit"]).astype("datetime64[ns]")
            visited = last.notna() & (last >= since)
            ends = _month_end if kind == "month" else _term_end
            after_last = ends(ends(last.where(visited, since)) + pd.Timedelta(days=1))
            due.loc[m] = after_last.where(visited, ends(since)).to_numpy()
        overdue = (day - due).dt.days
        return due.to_numpy(), overdue.where(overdue > 0).to_numpy()

    def compliance(self, start: dt.date, on: dt.date) -> pd.DataFrame:
        key = (start, on)
        if key not in self._compliance:
            line = self.line[self.line["date"] <= pd.Timestamp(on)]
            self._compliance[key] = visits_mod.compliance(line, self.settings, self.visits,
                                                          start, on, self.params)
        return self._compliance[key]

    def monthly(self, on: dt.date, mask: np.ndarray) -> pd.DataFrame:
        """Settings of ``mask`` by level on the first day of each month of the review year
        containing ``on`` (months after ``on`` carry the spread on ``on``), as
        :func:`eyanalysis.analysis.workload.monthly_spread` counts them, from the levels
        cached per date."""
        y0, _ = visits_mod.review_year(on, self.params)
        day = pd.Timestamp(on)
        rows = []
        for first in pd.date_range(y0, periods=12, freq="MS"):
            when = min(first, day).date()
            counts = self.plain(when)["level"][mask].value_counts()
            rows.append({"month": first, **{lv: int(counts.get(lv, 0))
                                             for lv in SUPPORT_LEVELS}})
        out = pd.DataFrame(rows)
        out["projected"] = out["month"] > day
        return out

    # -- sections ---------------------------------------------------------------------------
    def mask(self, c: Choice) -> np.ndarray:
        """The settings the filters choose (cached: every section of a redraw asks)."""
        key = (c.district, c.provider_type)
        if key not in self._masks:
            self._masks[key] = select(self.settings, c.district, c.provider_type).to_numpy()
        return self._masks[key]

    def where(self, c: Choice) -> str:
        parts = []
        if c.district != ALL:
            parts.append(f"in {c.district}")
        if c.provider_type != ALL:
            parts.append(f"({PROVIDER_TYPES.label(c.provider_type).lower()} only)")
        return " ".join(parts) or "across the county"

    def change_table(self, c: Choice) -> tuple[pd.DataFrame, TableSpec, str]:
        m = self.mask(c)
        now = self.levels(c.on)[m]["level"].value_counts()
        then = self.levels(c.compare_from)[m]["level"].value_counts()
        rows = list(SUPPORT_LEVELS)
        frame = pd.DataFrame({
            "level": rows, "then": [int(then.get(r, 0)) for r in rows],
            "now": [int(now.get(r, 0)) for r in rows]})
        frame["change"] = frame["now"] - frame["then"]
        total = pd.DataFrame({"level": ["Total"], "then": [frame["then"].sum()],
                              "now": [frame["now"].sum()], "change": [frame["change"].sum()]})
        frame = pd.concat([frame, total], ignore_index=True)
        spec = TableSpec(
            name="support_levels_change",
            title=f"Settings by support level, {fmt.date(c.compare_from)} and "
                  f"{fmt.date(c.on)}",
            subtitle=f"Settings {self.where(c)}",
            columns={"level": Column("Support level", codes=SUPPORT_LEVELS),
                     "then": Column(fmt.date(c.compare_from), "count"),
                     "now": Column(fmt.date(c.on), "count"),
                     "change": Column("Change", "change")},
            total_row=True, source=SOURCE)
        n_int, b_int = int(now.get("intensive", 0)), int(then.get("intensive", 0))
        n_tar = int(now.get("targeted", 0))
        verb = ("rose from" if n_int > b_int else "fell from" if n_int < b_int
                else "stayed at")
        tail = f" {fmt.count(b_int)} to {fmt.count(n_int)}" if n_int != b_int else \
            f" {fmt.count(n_int)}"
        sentence = (f"Settings in Intensive support {self.where(c)} {verb}{tail} between "
                    f"{fmt.date(c.compare_from)} and {fmt.date(c.on)}; "
                    f"{fmt.quantity(n_tar, 'setting')} had Targeted support on "
                    f"{fmt.date(c.on)}, of {fmt.quantity(int(m.sum()), 'setting')}.")
        return frame, spec, sentence

    def sankey(self, c: Choice) -> go.Figure:
        m = self.mask(c)
        a = self.levels(c.compare_from)[m]["level"].to_numpy()
        b = self.levels(c.on)[m]["level"].to_numpy()
        pairs = pd.DataFrame({"from": a, "to": b}).value_counts().rename("n").reset_index()
        order = list(SUPPORT_LEVELS)
        n_from = pd.Series(a).value_counts()
        n_to = pd.Series(b).value_counts()
        labels = [f"{_short(lv)} on {fmt.date(c.compare_from)}: {fmt.count(n_from.get(lv, 0))}"
                  for lv in order] + [
            f"{_short(lv)} on {fmt.date(c.on)}: {fmt.count(n_to.get(lv, 0))}" for lv in order]
        colours = [style.SUPPORT_COLOURS[lv] for lv in order] * 2
        moved = int(pairs.loc[pairs["from"] != pairs["to"], "n"].sum())
        sankey = go.Sankey(
            domain={"x": [0, 1], "y": [0, 0.86]},
            node={"label": labels, "color": colours, "pad": 18, "thickness": 18},
            link={"source": [order.index(f) for f in pairs["from"]],
                  "target": [order.index(t) + 3 for t in pairs["to"]],
                  "value": pairs["n"].tolist(),
                  "label": [f"{_short(f)} to {_short(t)}" for f, t in
                            zip(pairs["from"], pairs["to"], strict=True)],
                  "color": ["rgba(80,90,95,0.25)" if f == t else "rgba(244,106,37,0.45)"
                            for f, t in zip(pairs["from"], pairs["to"], strict=True)],
                  "hovertemplate": "%{label}: %{value} settings<extra></extra>"})
        title = style.title(
            f"{fmt.quantity(moved, 'setting').capitalize()} changed support level between "
            f"{fmt.date(c.compare_from)} and {fmt.date(c.on)}",
            f"Settings {self.where(c)}; orange bands are changes")
        title.update(yref="container", y=0.98, yanchor="top")
        # the layout given whole to the constructor: validated at a fraction of the cost of
        # update_layout (docs/performance.md, "The apps")
        fig = go.Figure(sankey, layout={
            "title": title, "height": 500,
            "font": {"family": style.FONT, "size": 13, "color": style.TEXT},
            "margin": {"l": 20, "r": 20, "t": 100, "b": 20}, "paper_bgcolor": "white"})
        return fig

    def by_figure(self, c: Choice, by: str) -> go.Figure:
        lv = self.levels(c.on)[self.mask(c)]
        counts = pd.crosstab(lv[by], lv["level"]).reindex(columns=list(SUPPORT_LEVELS),
                                                          fill_value=0)
        if by == "judgement":
            counts = counts.reindex([j for j in OFSTED_OUTCOMES if j in counts.index])
            names = [OFSTED_OUTCOMES.short(j) for j in counts.index]
            what = "Ofsted outcome"
        elif by == "provider_type":
            names = [PROVIDER_TYPES.short(t) for t in counts.index]
            what = "provider type"
        else:
            names = list(counts.index)
            what = "district"
        fig = go.Figure([style.bar(names, counts[lv_].tolist(), name=_short(lv_),
                                   colour=style.SUPPORT_COLOURS[lv_], labels=False)
                         for lv_ in SUPPORT_LEVELS])
        share = (counts["intensive"] / counts.sum(axis=1).replace(0, np.nan)).dropna()
        if len(share) and share.max() > 0:
            top = names[list(counts.index).index(share.idxmax())]
            finding = (f"Intensive support is most common where the {what} is {top} "
                       f"({fmt.percent(share.max())} of settings)")
        else:
            finding = f"No setting {self.where(c)} had Intensive support"
        return style.apply(fig, layout={
            "barmode": "stack",
            "title": style.title(finding, f"Settings by support level and {what}, "
                                          f"{fmt.date(c.on)}"),
            "yaxis": {"title": {"text": "Settings"}},
            "xaxis": {"title": {"text": what.capitalize()}}})

    def support_list(self, c: Choice, level: str, search: str = "", sort: str = "overdue"
                     ) -> tuple[pd.DataFrame, TableSpec, str]:
        lv = self.levels(c.on)[self.mask(c)]
        rows = lv[lv["level"] == level]
        if search.strip():
            needle = search.strip().lower()
            hay = rows["name"].str.lower() + " " + rows["district"].str.lower() + " " + \
                rows["setting_id"].str.lower()
            if self.has_adviser:
                hay = hay + " " + rows["link_adviser"].fillna("").astype(str).str.lower()
            rows = rows[hay.str.contains(needle, regex=False)]
        key = {"overdue": ("overdue_days", False), "name": ("name", True),
               "district": ("district", True), "since": ("since", True),
               "last_visit": ("last_visit", True)}[sort]
        rows = rows.sort_values([key[0], "name"], ascending=[key[1], True],
                                na_position="last" if sort != "last_visit" else "first")

        def day(v):
            return fmt.date(pd.Timestamp(v).date()) if pd.notna(v) else "None recorded"

        frame = pd.DataFrame({
            "name": rows["name"].astype(str).to_numpy(),
            "district": rows["district"].astype(str).to_numpy(),
            "since": [day(v) for v in rows["since"]],
            "reason": [fmt.first_upper(str(r)) for r in rows["reason"]],
            "last_visit": [day(v) for v in rows["last_visit"]],
            "next_due": [day(v) for v in rows["next_due"]],
            "overdue_days": [int(v) if pd.notna(v) else 0 for v in rows["overdue_days"]]})
        columns = {"name": Column("Setting"), "district": Column("District")}
        if self.has_adviser:
            frame.insert(2, "link_adviser", [str(a) if pd.notna(a) and str(a).strip()
                                             else "Not known" for a in rows["link_adviser"]])
            columns["link_adviser"] = Column("Link adviser")
        columns.update({"since": Column("At this level since"), "reason": Column("Why"),
                        "last_visit": Column("Last visit"),
                        "next_due": Column("Next visit due by"),
                        "overdue_days": Column("Days overdue", "count")})
        period = self.params.get(f"support.minimum_period.{level}", c.on)
        spec = TableSpec(
            name=f"{level}_settings", title=f"Settings in {level_label(level)}, "
                                            f"{fmt.date(c.on)}",
            subtitle=f"Settings {self.where(c)}" + (f", matching '{search.strip()}'"
                                                    if search.strip() else ""),
            columns=columns,
            notes=[f"A setting in {level_label(level)} is owed a visit every {period}; the "
                   "next visit is due by the end of the period after the last visit held "
                   "at this level (or of the period the level began in, with none)."],
            source=SOURCE)
        overdue = int((frame["overdue_days"] > 0).sum())
        sentence = (f"{fmt.quantity(len(frame), 'setting').capitalize()} in "
                    f"{level_label(level)} {self.where(c)} on {fmt.date(c.on)}; "
                    f"{fmt.quantity(overdue, 'setting')} overdue a visit.")
        return frame, spec, sentence

    def compliance_table(self, c: Choice) -> tuple[pd.DataFrame, TableSpec, str]:
        comp = self.compliance(c.compare_from, c.on)
        ids = set(self.settings.loc[self.mask(c), "setting_id"])
        comp = comp[comp["setting_id"].isin(ids) & (comp["status"] != "in progress")]
        comp = comp.assign(term=terms.of_dates(comp["period_start"]),
                           met=comp["status"] == "met")
        rows = []
        for term in sorted(comp["term"].dropna().unique(), key=terms.index):
            t = comp[comp["term"] == term]
            row = {"term": fmt.term(term)}
            for level in ("targeted", "intensive"):
                x = t[t["level"] == level]
                row[f"{level}_owed"] = len(x)
                row[f"{level}_met"] = int(x["met"].sum())
                row[f"{level}_share"] = (x["met"].mean() if len(x) else "z")
            rows.append(row)
        frame = pd.DataFrame(rows, columns=["term", "targeted_owed", "targeted_met",
                                            "targeted_share", "intensive_owed",
                                            "intensive_met", "intensive_share"])
        spec = TableSpec(
            name="visit_compliance", title="Minimum support visits held, term by term",
            subtitle=f"Settings {self.where(c)}, {fmt.date(c.compare_from)} to "
                     f"{fmt.date(c.on)}; periods that have ended",
            columns={"term": Column("Term"),
                     "targeted_owed": Column("Terms owed a visit", "count"),
                     "targeted_met": Column("Visit held", "count"),
                     "targeted_share": Column("Share held", "percent"),
                     "intensive_owed": Column("Months owed a visit", "count"),
                     "intensive_met": Column("Visit held", "count"),
                     "intensive_share": Column("Share held", "percent")},
            spanners={"Targeted support": ["targeted_owed", "targeted_met", "targeted_share"],
                      "Intensive support": ["intensive_owed", "intensive_met",
                                            "intensive_share"]},
            notes=["Targeted settings are owed a visit each term, Intensive settings one each "
                   "month, in each period they spent long enough at that level."],
            source=SOURCE)
        owed, met = int(comp.shape[0]), int(comp["met"].sum())
        sentence = (f"{fmt.percent(met / owed) if owed else 'None'} of the minimum visits "
                    f"owed {self.where(c)} from {fmt.date(c.compare_from)} to "
                    f"{fmt.date(c.on)} were held ({fmt.count(met)} of {fmt.count(owed)})."
                    if owed else f"No minimum visits were owed {self.where(c)} in the window.")
        return frame, spec, sentence

    def compliance_figure(self, frame: pd.DataFrame) -> go.Figure:
        fig = go.Figure()
        for level, colour in (("targeted", style.SUPPORT_COLOURS["targeted"]),
                              ("intensive", style.SUPPORT_COLOURS["intensive"])):
            share = [v if not fmt.is_symbol(v) else None for v in frame[f"{level}_share"]]
            fig.add_scatter(x=frame["term"], y=share, mode="lines+markers",
                            name=_short(level), line={"color": colour})
        last = frame.iloc[-1] if len(frame) else None
        finding = "Minimum visits held, term by term"
        if last is not None and not fmt.is_symbol(last["intensive_share"]):
            finding = (f"In {last['term']} {fmt.percent(last['intensive_share'])} of "
                       "Intensive months had their visit")
        return style.apply(fig, layout={
            "title": style.title(finding, "Share of owed periods with a visit"),
            "yaxis": {"title": {"text": "Share held (%)"}, "tickformat": ".0%",
                      "range": [0, 1.05]},
            "xaxis": {"title": {"text": "Term"}}})

    def workload_figure(self, c: Choice) -> tuple[go.Figure, str]:
        monthly = self.monthly(c.on, self.mask(c))
        need = workload.demand(monthly, c.on, self.params)
        scen = workload.demand(workload.what_if(monthly, c.extra_intensive, c.on, c.from_level),
                               c.on, self.params)
        x = [f"{m:%b %Y}" for m in need["month"]]
        parts = {"cycle": "Annual review visits", "targeted_need": "Targeted visits",
                 "intensive_need": "Intensive visits"}
        colours = {"cycle": style.PALETTE[5], "targeted_need": style.SUPPORT_COLOURS["targeted"],
                   "intensive_need": style.SUPPORT_COLOURS["intensive"]}
        fig = go.Figure([go.Bar(name=name, x=x, y=need[col].round(1),
                                marker_color=colours[col],
                                hovertemplate="%{x}: %{y:.1f} adviser-days<extra>"
                                + name + "</extra>")
                         for col, name in parts.items()])
        fig.add_scatter(name="Capacity", x=x, y=need["capacity"].round(1), mode="lines",
                        line={"color": style.TEXT, "width": 3})
        if c.extra_intensive:
            fig.add_scatter(name=f"Needed with {c.extra_intensive} more Intensive", x=x,
                            y=scen["needed"].round(1), mode="lines+markers",
                            line={"color": style.PALETTE[3], "dash": "dash"})
        worst = scen.loc[scen["balance"].idxmin()]
        short = scen[scen["shortfall"] > 0]
        what = (f"with {c.extra_intensive} more Intensive settings, " if c.extra_intensive
                else "")
        if len(short):
            finding = (f"{what.capitalize() if what else ''}{len(short)} month"
                       f"{'s' if len(short) != 1 else ''} need more adviser-days than the "
                       f"team has (worst {worst['month']:%B %Y}: {worst['needed']:.0f} against "
                       f"{worst['capacity']:.0f})")
        else:
            finding = (f"{what.capitalize() if what else ''}the team has the adviser-days "
                       f"every month needs (tightest {worst['month']:%B %Y}: "
                       f"{worst['needed']:.0f} of {worst['capacity']:.0f})")
        finding = fmt.first_upper(finding)
        return style.apply(fig, layout={
            "barmode": "stack",
            "title": style.title(finding, f"Adviser-days needed per month for settings "
                                          f"{self.where(c)}, against the whole team's "
                                          "capacity"),
            "yaxis": {"title": {"text": "Adviser-days"}},
            "xaxis": {"title": {"text": "Month"}}}), finding + "."


    def cycle_figure(self, c: Choice) -> tuple[go.Figure, str]:
        """The annual review cycle (C5-C7) of the chosen settings in the review year
        containing the date: settings complete, on track, not yet planned or behind."""
        key = ("cycle", c.on)
        if key not in self._compliance:
            self._compliance[key] = visits_mod.cycle(self.settings, self.visits, c.on,
                                                     self.params)
        cyc = self._compliance[key][self.mask(c)]
        y0, y1 = cyc.attrs.get("review_year", ("", "")) or ("", "")
        order = [("complete", "Complete"), ("on track", "On track"),
                 ("not yet planned", "Not yet planned"), ("behind", "Behind")]
        colours = {"complete": style.PALETTE[1], "on track": style.PALETTE[0],
                   "not yet planned": style.PALETTE[4], "behind": style.PALETTE[3]}
        counts = pd.crosstab(cyc["district"], cyc["cycle"])
        fig = go.Figure([style.bar(list(counts.index), counts.get(k, pd.Series(
            0, index=counts.index)).tolist(), name=label, colour=colours[k], labels=False)
            for k, label in order])
        total = cyc["cycle"].value_counts()
        behind, done = int(total.get("behind", 0)), int(total.get("complete", 0))
        finding = (f"{fmt.quantity(done, 'setting').capitalize()} of {fmt.count(len(cyc))} "
                   f"have completed this year's review visits; {fmt.count(behind)} "
                   "are behind")
        sub = "Settings by state of the annual review visits, by district"
        if y0:
            sub += f", review year {fmt.date(dt.date.fromisoformat(str(y0)))} to " \
                   f"{fmt.date(dt.date.fromisoformat(str(y1)))}"
        return style.apply(fig, layout={
            "barmode": "stack", "title": style.title(finding, sub),
            "yaxis": {"title": {"text": "Settings"}},
            "xaxis": {"title": {"text": "District"}}}), finding + "."

    def outcome_figure(self, c: Choice) -> tuple[go.Figure, str]:
        """Ofsted outcomes at the next inspection by the support received between
        inspections (C8), report cards compared on the assumed common scale (O4)."""
        from eyanalysis.analysis import outcomes

        key = ("outcomes", c.on)
        if key not in self._compliance:
            self._compliance[key] = outcomes.after_support(
                self.line, self.settings, self.inspections, self.since, c.on, self.params)
        pairs = self._compliance[key]
        ids = set(self.settings.loc[self.mask(c), "setting_id"])
        pairs = pairs[pairs["setting_id"].isin(ids)]
        fig = go.Figure()
        if len(pairs):
            r = outcomes.rates(pairs)
            x = [level_label(v) for v in r["support"]]
            fig.add_trace(style.bar(x, r["improvement_rate"].tolist(), name="Improved",
                                    colour=style.PALETTE[0], kind="percent"))
            fig.add_trace(style.bar(x, r["good_or_better_rate"].tolist(),
                                    name="Good or better", colour=style.PALETTE[1],
                                    kind="percent"))
            best = r.loc[r["improvement_rate"].idxmax()]
            finding = (f"{fmt.percent(best['improvement_rate'])} of inspections after "
                       f"{level_label(best['support']).lower()} found the setting improved")
        else:
            finding = "No setting had a second inspection in the period"
        return style.apply(fig, layout={
            "barmode": "group",
            "title": style.title(finding, "Ofsted outcome at the next inspection, by the "
                                          "highest support between inspections; report "
                                          "cards on an assumed common scale"),
            "yaxis": {"tickformat": ".0%", "range": [0, 1.1],
                      "title": {"text": "Share of inspections"}},
            "xaxis": {"title": {"text": "Support received"}}}), finding + "."

# -- the widget page -----------------------------------------------------------------------

def _table(frame: pd.DataFrame, spec: TableSpec, limit: int | None = None) -> str:
    shown = frame if limit is None else frame.head(limit)
    more = (f"<p>Showing the first {limit} of {fmt.count(len(frame))}; the download holds "
            "every row.</p>" if limit is not None and len(frame) > limit else "")
    return publication_html(shown, spec) + more if len(shown) else (
        f"<p>No settings: {html.escape(spec.subtitle)}.</p>")


def _downloads(frame: pd.DataFrame, spec: TableSpec, stem: str) -> str:
    from eyanalysis.apps import download

    return download.table_links(
        frame.rename(columns={k: spec.header(k) for k in spec.columns}), stem,
        spec.title[:31])


#: The app's tabs, each holding some of the sections of :func:`page`. Only the tab in view is
#: drawn; another is drawn for the filters of the moment when it is opened (issue #12 item 5:
#: a change redraws four charts, not eight).
TABS = ("Support levels", "Settings in support", "Visits", "Adviser workload",
        "Ofsted outcomes")
#: The tab whose content follows the what-if of more Intensive settings (C5-C7).
WORKLOAD_TAB = TABS.index("Adviser workload")
#: Class of a tab not yet drawn for the filters of the moment (shown greyed while it is
#: brought up to date).
STALE = "ey-stale"


def explorer(view: SpreadView, choice: Choice):
    """The team manager's page as widgets: the filter bar over every section, the sections in
    :data:`TABS`. A change of a filter redraws the tab in view; the others are redrawn for
    the new filters when opened, so every chart and table follows the bar."""
    import ipywidgets as w

    from eyanalysis.apps import figures

    wide = {"description_width": "8em"}
    pick_d = w.Dropdown(options=[("All districts", ALL)] + [(d, d) for d in view.districts],
                        value=choice.district, description="District", style=wide)
    pick_t = w.Dropdown(options=[("All provider types", ALL)] + [
        (PROVIDER_TYPES.label(t), t) for t in view.types], value=choice.provider_type,
        description="Provider", style=wide)
    pick_on = w.DatePicker(value=choice.on, description="Date", style=wide)
    pick_from = w.DatePicker(value=choice.compare_from, description="Compare from",
                             style=wide)
    extra = w.BoundedIntText(value=choice.extra_intensive, min=0, max=200,
                             description="What if this many more settings were Intensive",
                             style={"description_width": "24em"},
                             layout=w.Layout(width="32em"))
    busy = w.HTML()
    note = w.HTML()
    headline = w.HTML()
    boxes = {k: w.Box(layout=w.Layout(width="100%")) for k in
             ("sankey", "district", "judgement", "provider", "compliance", "workload",
              "cycle", "outcomes")}
    # the support lists: itables tables (search, sort, CSV/Excel of the rows shown) made
    # when their tab is first opened and updated in place after; the download links under
    # them hold every row through the formula-safe writers
    lists = {lv: {"lead": w.HTML(), "table": None, "notes": w.HTML(), "download": w.HTML(),
                  "box": w.Box(layout=w.Layout(width="100%", display="block"))}
             for lv in ("targeted", "intensive")}
    compliance_lead, compliance_table = w.HTML(), w.HTML()
    workload_lead, cycle_lead, outcome_lead = w.HTML(), w.HTML(), w.HTML()

    def current() -> Choice:
        on = min(pick_on.value or choice.on, view.as_of)
        start = min(pick_from.value or choice.compare_from, on)
        return Choice(pick_d.value, pick_t.value, on, start, int(extra.value or 0),
                      choice.from_level)

    def put(box, fig):
        # a new chart per change, drawn whole by plotly's view (apps.figures.show_in)
        fig.update_layout(width=WIDTH)  # a widget in a Box does not stretch by itself
        figures.show_in(box, fig)

    def draw_levels(c):
        frame, spec, sentence = view.change_table(c)
        headline.value = f"<p><b>{html.escape(sentence)}</b></p>" + _table(frame, spec)
        put(boxes["sankey"], view.sankey(c))
        put(boxes["district"], view.by_figure(c, "district"))
        put(boxes["judgement"], view.by_figure(c, "judgement"))
        put(boxes["provider"], view.by_figure(c, "provider_type"))

    def draw_lists(c):
        for level, parts in lists.items():
            frame, spec, sentence = view.support_list(c, level)
            parts["lead"].value = f"<p>{html.escape(sentence)}</p>"
            parts["table"] = interactive_widget(frame, spec, dates=LIST_DATES,
                                                buttons=LIST_BUTTONS, table=parts["table"])
            if parts["box"].children != (parts["table"],):
                parts["box"].children = (parts["table"],)
            parts["notes"].value = ("" if len(frame) else
                                    f"<p>No settings: {html.escape(spec.subtitle)}.</p>") + \
                notes_html(parts["table"].notes)
            parts["download"].value = _downloads(frame, spec,
                                                 f"{level}_settings_{c.on:%Y%m%d}")

    def draw_visits(c):
        cframe, cspec, csentence = view.compliance_table(c)
        compliance_lead.value = f"<p>{html.escape(csentence)}</p>"
        compliance_table.value = _table(cframe, cspec)
        put(boxes["compliance"], view.compliance_figure(cframe))
        yfig, ysentence = view.cycle_figure(c)
        cycle_lead.value = f"<p>{html.escape(ysentence)}</p>"
        put(boxes["cycle"], yfig)

    def draw_workload(c):
        wfig, wsentence = view.workload_figure(c)
        workload_lead.value = f"<p>{html.escape(wsentence)}</p>"
        put(boxes["workload"], wfig)

    def draw_outcomes(c):
        ofig, osentence = view.outcome_figure(c)
        outcome_lead.value = f"<p>{html.escape(osentence)}</p>"
        put(boxes["outcomes"], ofig)

    draws = (draw_levels, draw_lists, draw_visits, draw_workload, draw_outcomes)
    drawn: dict[int, Choice] = {}  # tab -> the choice it shows

    def key(tab: int, c: Choice) -> Choice:
        # only the workload follows the what-if
        return c if tab == WORKLOAD_TAB else replace(c, extra_intensive=0)

    def show(tab: int) -> None:
        c = current()
        if drawn.get(tab) == key(tab, c):
            return
        busy.value = ("<div class='ey-busy' style='padding:6px 10px;background:#fff7bf;"
                      "border-left:5px solid #ffdd00'><b>Updating the page…</b></div>")
        try:
            draws[tab](c)
            drawn[tab] = key(tab, c)
            tabs.children[tab].remove_class(STALE)
        finally:
            busy.value = ""

    tabs = w.Tab(layout=w.Layout(width="100%"))

    def redraw(*_):
        if pick_on.value and pick_on.value > view.as_of:
            note.value = f"<p>The data run to {fmt.date(view.as_of)}: shown on that date.</p>"
        else:
            note.value = ""
        c = current()
        for tab, box in enumerate(tabs.children):  # greyed until drawn for these filters
            if drawn.get(tab) != key(tab, c):
                box.add_class(STALE)
        show(tabs.selected_index or 0)

    def heading(text: str):
        return w.HTML(f"<h2>{html.escape(text)}</h2>")

    search_help = w.HTML("<p>Search a list or click a column heading to sort it; the buttons "
                         "above each list save the rows shown, the links below it every "
                         "row.</p>")
    pages = [[heading("Support levels and how they changed"), headline, boxes["sankey"],
              boxes["district"], boxes["judgement"], boxes["provider"]],
             [search_help],
             [heading("Minimum visits, term by term"), compliance_lead, boxes["compliance"],
              compliance_table, heading("The annual review visits"), cycle_lead,
              boxes["cycle"]],
             [heading("Adviser workload against capacity"), workload_lead, extra,
              boxes["workload"]],
             [heading("Ofsted outcomes after support"), outcome_lead, boxes["outcomes"]]]
    for level, parts in lists.items():
        pages[1] += [heading(f"Settings in {level_label(level)}"), parts["lead"],
                     parts["box"], parts["notes"], parts["download"]]
    tabs.children = [w.VBox(p, layout=w.Layout(width="100%")) for p in pages]
    tabs.titles = list(TABS)
    tabs.selected_index = 0
    for control in (pick_d, pick_t, pick_on, pick_from, extra):
        control.observe(redraw, names="value")
    tabs.observe(lambda change: show(change["new"] or 0), names="selected_index")
    redraw()
    bar = w.HBox([pick_d, pick_t, pick_on, pick_from],
                 layout=w.Layout(flex_flow="row wrap", border="1px solid #b1b4b6",
                                 padding="6px"))
    style_sheet = w.HTML(f"<style>.{STALE} {{ opacity: 0.45; }}</style>")
    return w.VBox([style_sheet, bar, busy, note, tabs], layout=w.Layout(width="100%"))


def page(view: SpreadView, choice: Choice):
    """The same sections as static output (the notebook run headless): sentences, tables
    and figures, no widgets."""
    from IPython.display import HTML, display

    frame, spec, sentence = view.change_table(choice)
    display(HTML("<h2>1. Support levels and how they changed</h2>"
                 f"<p><b>{html.escape(sentence)}</b></p>" + _table(frame, spec)))
    view.sankey(choice).show()
    view.by_figure(choice, "district").show()
    view.by_figure(choice, "judgement").show()
    view.by_figure(choice, "provider_type").show()
    for i, level in enumerate(("targeted", "intensive"), start=2):
        lframe, lspec, lsentence = view.support_list(choice, level)
        display(HTML(f"<h2>{i}. Settings in {html.escape(level_label(level))}</h2>"
                     f"<p>{html.escape(lsentence)}</p>" + _table(lframe, lspec, 40)))
    cframe, cspec, csentence = view.compliance_table(choice)
    display(HTML("<h2>4. Minimum visits, term by term</h2>"
                 f"<p>{html.escape(csentence)}</p>"))
    view.compliance_figure(cframe).show()
    display(HTML(_table(cframe, cspec)))
    wfig, wsentence = view.workload_figure(choice)
    display(HTML("<h2>5. Adviser workload against capacity</h2>"
                 f"<p>{html.escape(wsentence)}</p>"))
    wfig.show()
    yfig, ysentence = view.cycle_figure(choice)
    display(HTML("<h2>6. The annual review visits</h2>"
                 f"<p>{html.escape(ysentence)}</p>"))
    yfig.show()
    ofig, osentence = view.outcome_figure(choice)
    display(HTML("<h2>7. Ofsted outcomes after support</h2>"
                 f"<p>{html.escape(osentence)}</p>"))
    ofig.show()

"""The termly report as a statistical release (issue #11; PRESENTATION.md, "Explore
Education Statistics").

:func:`build` turns the loaded data and a :class:`~eyanalysis.analysis.summary.Counted`
into a :class:`Release`: the meta block (term, counted on, produced on, data source,
package version, contact, next update), the headline block of key figures each with its
change since last term and since the same term last year (``[x]`` where that term is not in
the data), a six-term trend chart, and one section per question (settings by support
level, children by SEND level and funding age, funding, the inclusion panel, advisory
visits, notable flags), each with the sentences that answer it, a chart whose title states
the finding, and its publication table (footnotes, symbol key, source).

Every published number comes from a table that went through disclosure control
(:func:`eyanalysis.present.publish.table`) or, for a key figure, through the same threshold;
a sentence or a change is worked out from published values only, so a hidden count cannot be
recovered from it. Labels come from :mod:`eyanalysis.vocabulary`, numbers and words from
:mod:`eyanalysis.present.format`, tables from :mod:`eyanalysis.present.tables`, charts from
:mod:`eyanalysis.present.charts.style`. A provisional run says so in every sentence and
heading (the wording of :class:`~eyanalysis.analysis.summary.Counted`).

:meth:`Release.publish` writes the CSV files and ``tables.xlsx`` (gptables) from the same
frames and specs the report shows, in report order.
"""

from __future__ import annotations

import datetime as dt
import html
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go

from eyanalysis import __version__
from eyanalysis.analysis import summary
from eyanalysis.analysis.summary import Counted
from eyanalysis.data import claims as cl
from eyanalysis.parameters import Parameters
from eyanalysis.present import format as fmt
from eyanalysis.present import meta, publish, tables, workbook
from eyanalysis.present.charts import style
from eyanalysis.present.disclosure import threshold
from eyanalysis.present.meta import Column, Note, TableSpec
from eyanalysis.rules import terms
from eyanalysis.rules.levels import SUPPLEMENT_LEVELS
from eyanalysis.rules.rates import Rates
from eyanalysis.vocabulary import LEVELS, SUPPORT_LEVELS, VISIT_TYPES

#: Terms in the trend chart (the release's term and the five before it).
TREND_TERMS = 6
#: Sections of the report, in order: the order of the workbook's sheets and the CSVs.
SECTIONS = ("support_levels", "children_by_level", "funding", "panel_activity", "visits",
            "flags")
TITLE = "Early years termly statistics"
SAMPLE_SOURCE = "The bundled sample county (synthetic data, no real child or setting)"
PDF_LINK = '<div class="ey-pdf-link"></div>'


@dataclass
class Section:
    """One question of the report: its heading, the sentences that answer it, a chart and
    the published table."""

    name: str
    heading: str
    sentences: list[str]
    frame: pd.DataFrame
    spec: TableSpec
    figure: go.Figure | None = None


@dataclass(frozen=True)
class KeyFigure:
    """A headline figure: the published value now, last term and the same term last year
    (each a number, or a symbol code: ``c`` hidden, ``x`` not in the data)."""

    label: str
    kind: str  # count or pence
    now: object
    last_term: object
    last_year: object

    def value(self) -> str:
        return fmt.money_rounded(self.now) if self.kind == "pence" else fmt.cell(
            self.now, "count")

    def change(self, before, since: str) -> str:
        if fmt.symbol(before) is not None or fmt.symbol(self.now) is not None:
            hidden = fmt.symbol(before) or fmt.symbol(self.now)
            why = "not in the data" if hidden.code == fmt.NOT_AVAILABLE else "not shown"
            return f"{fmt.term(since)}: {why} {hidden.text}"
        return fmt.change(self.now, before, kind=self.kind, since=since)


@dataclass
class Release:
    """Everything the termly report shows, built once (:func:`build`)."""

    counted: Counted
    sections: dict[str, Section]
    key: list[KeyFigure]
    trend: pd.DataFrame
    gap: summary.FundingGap
    limit: int
    source: str
    produced: dt.date = field(default_factory=dt.date.today)
    contact: meta.Contact | None = None

    # -- words ------------------------------------------------------------------------------

    @property
    def period(self) -> str:
        return fmt.period(self.counted.term, self.counted.on)

    @property
    def title(self) -> str:
        words = f"{TITLE}: {fmt.term(self.counted.term)}"
        return words + (" (provisional)" if self.counted.provisional else "")

    @property
    def next_update(self) -> str:
        c = self.counted
        if c.provisional:
            return (f"Final figures for {fmt.term(c.term)} after the term ends on "
                    f"{fmt.date(terms.end(c.term))}")
        nxt = terms.shift(c.term, 1)
        return f"{fmt.term(nxt)} figures after the term ends on {fmt.date(terms.end(nxt))}"

    # -- outputs ------------------------------------------------------------------------------

    def tables(self) -> list[tuple[pd.DataFrame, TableSpec]]:
        """The published tables in report order."""
        return [(s.frame, s.spec) for s in self.sections.values()]

    def publish(self, folder: Path | str, workbook_name: str = "tables.xlsx") -> list[Path]:
        """Write each table as ``folder/<name>.csv`` (UTF-8 with BOM, symbols ``[c]``) and
        all of them as ``folder/tables.xlsx`` (gptables: cover, contents, notes, one table
        per sheet in report order); every text cell is defused
        (:func:`eyanalysis.data.export.defuse_xlsx`)."""
        from eyanalysis.data.export import defuse_xlsx

        folder = Path(folder)
        written = workbook.write_csvs(folder, self.tables())
        book = folder / workbook_name
        workbook.write_workbook(book, self.tables(), workbook.Release(
            title=self.title, period=self.period, contact=self.contact or meta.contact(),
            about=self.about(), produced=self.produced, source=self.source),
            limit=self.limit)
        defuse_xlsx(book)
        return [*written, book]

    def about(self) -> list[str]:
        out = ["Settings by support level, funded children by SEND level and funding age, "
               "the Inclusion Supplement, Early Years Pupil Premium and other funding, the "
               "inclusion panel, advisory visits and notable flags, for one term."]
        if self.counted.provisional:
            out.append(f"These figures are provisional: counted on "
                       f"{fmt.date(self.counted.on)}, before the term ends; they can change.")
        out.append(f"Counts from 1 to {self.limit - 1}, and figures from which one could be "
                   "worked out, are not shown ([c]).")
        return out

    def meta_html(self) -> str:
        """The title, the provisional notice and the meta block."""
        c = self.counted
        contact = self.contact or meta.contact()
        rows = [("Period", self.period),
                ("Counted on", fmt.date(c.on) + (" (provisional)" if c.provisional
                                                 else " (the last day of the term)")),
                ("Produced on", fmt.date(self.produced)),
                ("Data source", self.source),
                ("Produced with", f"eyanalysis version {__version__}"),
                ("Contact", "; ".join(contact.lines())),
                ("Next update", self.next_update)]
        # a table, not a grid: weasyprint drew the grid over the headline boxes
        dl = "".join(f"<tr><th scope='row'>{html.escape(k)}</th><td>{html.escape(v)}</td>"
                     "</tr>" for k, v in rows)
        notice = ""
        if c.provisional:
            notice = (f'<p class="ey-provisional"><strong>Provisional.</strong> These '
                      f"figures are counted on {fmt.date(c.on)}, so far this term; they "
                      "can change until the term ends.</p>")
        return (f"<style>{CSS}</style><div class='ey-release'><h1>{html.escape(self.title)}"
                f"</h1>{notice}<table class='ey-meta'><tbody>{dl}</tbody></table>{PDF_LINK}</div>")

    def headlines_html(self) -> str:
        """The headline block: each key figure with its changes, then the symbol key."""
        c = self.counted
        last, year = terms.shift(c.term, -1), terms.shift(c.term, -3)
        boxes = []
        for k in self.key:
            changes = "".join(f"<li>{html.escape(k.change(before, since))}</li>"
                              for before, since in ((k.last_term, last),
                                                    (k.last_year, year)))
            boxes.append(f"<div class='ey-key'><p class='ey-key-value'>"
                         f"{html.escape(k.value())}</p><p class='ey-key-label'>"
                         f"{html.escape(k.label)}</p><ul>{changes}</ul></div>")
        used = fmt.symbols_in(v for k in self.key for v in (k.now, k.last_term, k.last_year))
        key = "".join(f"<p class='ey-symbol'>{html.escape(line)}</p>"
                      for line in fmt.symbol_key(used, self.limit))
        when = (f"for {fmt.term(c.term)}, so far this term, counted on {fmt.date(c.on)}"
                if c.provisional else f"at the end of {fmt.term(c.term)}")
        intro = (f"<p class='ey-sentence'>Key figures {when}, with the change since the end "
                 f"of last term ({fmt.term(last)}) and since the same term last year "
                 f"({fmt.term(year)}).</p>")
        if c.provisional:
            intro += ("<p class='ey-sentence'>Figures so far this term are compared with "
                      "whole earlier terms, so counts of children at a graduated level and "
                      "spend usually rise until the term ends, as levels are declared "
                      "(provisional).</p>")
        heading = "Headline figures" + (" (provisional)" if c.provisional else "")
        return (f"<div class='ey-headlines'><h2>{heading}</h2>{intro}<div class='ey-keys'>"
                + "".join(boxes) + f"</div>{key}</div>")

    def section_html(self, name: str) -> str:
        """A section's heading and sentences (its chart and table follow)."""
        s = self.sections[name]
        text = "".join(f"<p class='ey-sentence'>{html.escape(t)}</p>" for t in s.sentences)
        return f"<div class='ey-section'><h2>{html.escape(s.heading)}</h2>{text}</div>"

    def table_html(self, name: str) -> str:
        s = self.sections[name]
        return tables.publication_html(s.frame, s.spec, limit=self.limit)

    def show_headlines(self) -> None:
        """In a notebook: the headline block and the trend chart."""
        from IPython.display import HTML, display

        display(HTML(self.headlines_html()))
        self.trend_figure().show(config=style.STATIC_CONFIG)

    def show(self, name: str) -> None:
        """In a notebook: a section's heading and sentences, its chart and its table."""
        from IPython.display import HTML, display

        display(HTML(self.section_html(name)))
        if self.sections[name].figure is not None:
            self.sections[name].figure.show(config=style.STATIC_CONFIG)
        display(HTML(self.table_html(name)))

    def trend_figure(self) -> go.Figure:
        """Six terms of the main series, one panel each (own scale), from published values:
        a hidden value is a marked gap, a term not in the data is left out."""
        from plotly.subplots import make_subplots

        t = self.trend
        series = [("intensive_settings", "Settings in Intensive support", "count"),
                  ("graduated_children", "Children at a graduated level", "count"),
                  ("supplement_pence", "Supplement spend, £ thousands", "pence")]
        fig = make_subplots(rows=1, cols=3, subplot_titles=[s[1] for s in series],
                            horizontal_spacing=0.09)
        labels = [_short_term(x) for x in t.term]
        # the year under the first term and where it changes only: six years side by side
        # in a third of a printed page run together
        ticks = [lab if j == 0 or lab.split("<br>")[1] != labels[j - 1].split("<br>")[1]
                 else lab.split("<br>")[0] for j, lab in enumerate(labels)]
        for i, (col, _name, kind) in enumerate(series, start=1):
            ys, texts = [], []  # values labelled at the two ends only (the lines stay clear)
            for v in t[col]:
                if fmt.symbol(v) is not None:
                    ys.append(None)
                    texts.append(fmt.symbol(v).text)
                else:
                    ys.append(int(v) / 100_000 if kind == "pence" else int(v))
                    texts.append(fmt.money_rounded(v) if kind == "pence" else fmt.count(v))
            texts = [t if j in (0, len(texts) - 1) or t.startswith("[") else ""
                     for j, t in enumerate(texts)]
            fig.add_trace(go.Scatter(x=labels, y=ys, mode="lines+markers+text", text=texts,
                                     textposition="top center", cliponaxis=False,
                                     line={"color": style.PALETTE[i - 1], "width": 3},
                                     showlegend=False, hoverinfo="skip",
                                     connectgaps=False), row=1, col=i)
            fig.update_yaxes(rangemode="tozero", row=1, col=i)
            fig.update_xaxes(tickangle=0, tickfont={"size": 10}, tickmode="array",
                             tickvals=labels, ticktext=ticks, row=1, col=i)
        words = _trend_title(self.trend)
        fig.update_layout(title=style.title(words, f"Last {len(t)} terms; {self.period}"),
                          height=400)
        style.apply(fig, legend=False)
        fig.update_annotations(font_size=13, yshift=10)  # panel titles clear of top ticks
        fig.update_layout(margin={"t": 110})
        return fig


CSS = """
.ey-release h1 { font-size: 2em; margin-bottom: 0.3em; }
.ey-provisional { border-left: 6px solid #f47738; padding: 0.4em 0.8em; background: #fff7f0; }
.ey-meta { border-collapse: collapse; margin: 1em 0; }
.ey-meta th, .ey-meta td { text-align: left !important; vertical-align: top;
  padding: 0.15em 1.2em 0.15em 0; border: none; background: none; }
.ey-meta th { font-weight: bold; white-space: nowrap; }
.ey-keys { display: flex; flex-wrap: wrap; gap: 12px; margin: 0.8em 0; }
.ey-key { flex: 1 1 200px; border-top: 5px solid #1d70b8; background: #f3f2f1;
  padding: 0.5em 0.8em; break-inside: avoid; page-break-inside: avoid; }
.ey-key-value { font-size: 1.9em; font-weight: bold; margin: 0.1em 0; }
.ey-key-label { font-weight: bold; margin: 0 0 0.3em 0; }
.ey-key ul { margin: 0; padding-left: 1.1em; font-size: 0.92em; }
.ey-symbol { font-size: 0.9em; color: #505a5f; margin: 0.2em 0; }
.ey-sentence { font-size: 1.05em; max-width: 46em; }
.ey-sources table { width: 100%; table-layout: fixed; border-collapse: collapse;
  font-size: 11px; }
.ey-sources th, .ey-sources td { text-align: left !important; vertical-align: top;
  padding: 3px 4px; overflow-wrap: anywhere; border-bottom: 1px solid #b1b4b6; }
@media print {
  .ey-keys { display: block; }
  .ey-key { display: inline-block; width: 30%; margin: 0 1% 8px 0; vertical-align: top;
    box-sizing: border-box; min-height: 9.5em; }
  .ey-key-value { font-size: 1.5em; }
  .ey-sources table { font-size: 7.5pt; }
  /* a section's heading and sentences stay with the chart or table that follows */
  .ey-section, .ey-section > :last-child { break-after: avoid; page-break-after: avoid; }
  .ey-section { break-inside: avoid; page-break-inside: avoid; }
}
"""


def _short_term(term_id: str) -> str:
    """``Aut<br>2026``: a tick label that fits six terms in a third of a printed page."""
    year, _ = terms.parse(term_id)
    return f"{fmt.term(term_id).split()[0][:3]}<br>{year}"


def _wrap(label: str, width: int = 14) -> str:
    """A category label on two or three lines (no rotated ticks)."""
    return "<br>".join(textwrap.wrap(label, width))


def _trend_title(trend: pd.DataFrame) -> str:
    shown = [v for v in trend.intensive_settings if fmt.symbol(v) is None]
    if len(shown) < 2:
        return "Settings in Intensive support, children at a graduated level and spend"
    a, b = int(shown[0]), int(shown[-1])
    verb = "rose" if b > a else "fell" if b < a else "stayed at"
    span = f"over the last {len(trend)} terms"
    if a == b:
        return f"Intensive support stayed at {fmt.count(a)} settings {span}"
    return f"Intensive support {verb} from {fmt.count(a)} to {fmt.count(b)} settings {span}"


# -- building the release -------------------------------------------------------------------


def _hide(value: int, limit: int):
    """A key figure through the disclosure threshold: 1 to limit-1 becomes ``c``."""
    return fmt.CONFIDENTIAL if 0 < int(value) < limit else int(value)


def build(ds, c: Counted, params: Parameters | None = None, *, source: str = "",
          produced: dt.date | None = None) -> Release:
    """The release of ``c.term`` counted on ``c.on`` from ``ds`` (the loaded data)."""
    limit = threshold(c.on, params)
    held = cl.terms_held(ds.as_of(c.on).attendance)
    sections = _sections(ds, c, params)
    gap = summary.funding_gap(ds, c, params)
    sections["funding"].sentences.extend(_gap_sentences(gap, c, sections["funding"].frame))
    figures = {}
    for k in range(TREND_TERMS):
        t = terms.shift(c.term, -k)
        if t in held:
            counted = c if t == c.term else Counted(t, terms.end(t))
            figures[t] = summary.key_figures(ds, counted, params)
    year = terms.shift(c.term, -3)
    if year not in figures and year in held:
        figures[year] = summary.key_figures(ds, Counted(year, terms.end(year)), params)
    published = {t: _published(f, limit) for t, f in figures.items()}
    missing = dict.fromkeys(summary.KeyFigures.__dataclass_fields__, fmt.NOT_AVAILABLE)

    def of(t):
        return published.get(t, missing)

    labels = {
        "intensive_settings": ("Settings in Intensive support", "count"),
        "graduated_children": ("Funded children at a graduated level (distinct children)",
                               "count"),
        "supplement_pence": ("Inclusion Supplement spend", "pence"),
        "eypp_pence": ("Early Years Pupil Premium spend", "pence"),
        "awaiting_decision": ("Panel applications awaiting a decision", "count"),
        "visits_missed": ("Advisory visits missed", "count"),
    }
    suffix = " so far this term" if c.provisional else ""
    key = [KeyFigure(label + (suffix if kind == "pence" or name == "visits_missed" else ""),
                     kind, of(c.term)[name], of(terms.shift(c.term, -1))[name],
                     of(year)[name])
           for name, (label, kind) in labels.items()]
    trend_terms = [terms.shift(c.term, -k) for k in range(TREND_TERMS - 1, -1, -1)]
    trend = pd.DataFrame([{"term": t, **of(t)} for t in trend_terms if t in published])
    return Release(counted=c, sections=sections, key=key, trend=trend, gap=gap, limit=limit,
                   source=source or SAMPLE_SOURCE, produced=produced or dt.date.today(),
                   contact=meta.contact(c.on, params) if params else meta.contact(c.on))


def _sections(ds, c: Counted, params: Parameters | None = None) -> dict[str, Section]:
    return {
        "support_levels": _support(ds, c),
        "children_by_level": _children(ds, c),
        "funding": _funding(ds, c, params),
        "panel_activity": _panel(ds, c),
        "visits": _visits(ds, c),
        "flags": _flags(ds, c),
    }


def published_tables(ds, c: Counted, params: Parameters | None = None
                     ) -> dict[str, pd.DataFrame]:
    """The release's six tables as published (disclosure-controlled frames, codes and
    ``c`` as the audit reads them), in report order: what the suppression audit attacks."""
    return {name: s.frame for name, s in _sections(ds, c, params).items()}


#: Rows of the published funding table that form the Supplement block (levels, then their
#: total): the rest (Pupil Premium, other lines, all lines) are published row by row.
FUNDING_BLOCK = len(SUPPLEMENT_LEVELS) + 1


def _published(f: summary.KeyFigures, limit: int) -> dict:
    out = {name: getattr(f, name) for name in summary.KeyFigures.__dataclass_fields__}
    for name in ("intensive_settings", "graduated_children", "awaiting_decision",
                 "visits_missed"):
        out[name] = _hide(out[name], limit)
    if out["graduated_children"] == fmt.CONFIDENTIAL:  # its money would show the group
        out["supplement_pence"] = fmt.CONFIDENTIAL
    return out


def _num(value) -> int | None:
    return None if fmt.symbol(value) is not None else int(value)


def _subtitle(what: str, c: Counted) -> str:
    return f"{what}, {fmt.period(c.term, c.on)}"


def _heading(topic: str, c: Counted) -> str:
    return topic + (" (provisional)" if c.provisional else "")


def _label_when(c: Counted) -> str:
    return f"On {fmt.date(c.on)}" if c.provisional else f"End of {fmt.term(c.term)}"


# -- sections -------------------------------------------------------------------------------


def _support(ds, c: Counted) -> Section:
    raw = summary.support_levels(ds, c)
    safe = publish.table("support_levels", raw, ["this_term", "last_term"], total_row=True,
                         change=("this_term", "last_term"), on=c.on)
    safe["change"] = [v if fmt.symbol(v) else int(v) for v in safe["change"]]
    last = terms.shift(c.term, -1)
    spec = TableSpec(
        name="support_levels", title="Settings by support level",
        subtitle=_subtitle("Number of settings", c),
        columns={"support_level": Column("Support level", codes=SUPPORT_LEVELS),
                 "last_term": Column(f"End of {fmt.term(last)}", "count"),
                 "this_term": Column(_label_when(c), "count"),
                 "change": Column("Change", "change")},
        spanners={"Settings": ["last_term", "this_term"]},
        notes=[Note("A setting's support level is its latest categorisation on the date; "
                    "a setting never categorised has Universal support."),
               Note("Worked out from the published figures; not shown where either figure "
                    "is hidden.", column="change")],
        source="Categorisation records and the settings register", total_row=True)
    row = safe.set_index("support_level")
    now, before = row.loc["intensive", "this_term"], row.loc["intensive", "last_term"]
    if _num(now) is not None and _num(before) is not None:
        a, b = _num(before), _num(now)
        verb = "rose" if b > a else "fell" if b < a else "stayed at"
        finding = (f"Intensive support {verb} from {fmt.count(a)} to {fmt.count(b)} settings"
                   if a != b else f"Intensive support stayed at {fmt.count(b)} settings")
    else:
        finding = "Settings by support level"
    sentences = [
        f"{fmt.quantity(row.loc['Total', 'this_term'], 'setting').capitalize()} {c.when}: "
        f"{fmt.count(row.loc['universal', 'this_term'])} with Universal, "
        f"{fmt.count(row.loc['targeted', 'this_term'])} with Targeted and "
        f"{fmt.count(row.loc['intensive', 'this_term'])} with Intensive support.",
        f"Settings in Intensive support {c.when}: "
        + fmt.change(now, before, since=f"the end of {fmt.term(last)}") + ".",
    ]
    fig = go.Figure([
        style.bar([SUPPORT_LEVELS.label(s) for s in SUPPORT_LEVELS],
                   list(row.loc[list(SUPPORT_LEVELS), col]), name=name, colour=colour)
        for col, name, colour in (("last_term", f"End of {fmt.term(last)}", style.PALETTE[4]),
                                  ("this_term", _label_when(c), style.PALETTE[0]))])
    fig.update_layout(title=style.title(finding, _subtitle("Settings by support level", c)),
                      barmode="group", yaxis_title="Settings", xaxis_title="Support level")
    style.apply(fig)
    style.mark_suppressed(fig)
    return Section("support_levels", _heading("Settings by support level", c), sentences,
                   safe, spec, fig)


def _children(ds, c: Counted) -> Section:
    raw = summary.children_by_level(ds, c)
    safe = publish.table("children_by_level", raw, ["age_2", "age_3_4", "total"],
                         total_row=True, on=c.on)
    spec = TableSpec(
        name="children_by_level", title="Funded children by SEND level and funding age",
        subtitle=_subtitle("Distinct children", c),
        columns={"level": Column("SEND level", codes=LEVELS, width="34%"),
                 "age_2": Column("2-year-olds", "count"),
                 "age_3_4": Column("3- and 4-year-olds", "count"),
                 "total": Column("All funded children", "count")},
        spanners={"Funding age": ["age_2", "age_3_4"]},
        notes=[Note("Distinct children: a child attending two settings is counted once, at "
                    "the level of one of them."),
               Note("Graduated levels are Graduated Response 1 to 4 and Exceptional Early "
                    "Years Funding; normal entitlement carries no Inclusion Supplement.")],
        source="Termly attendance returns (funded hours claimed)", total_row=True)
    row = safe.set_index("level")
    graduated = [row.loc[lv, "total"] for lv in SUPPLEMENT_LEVELS]
    shown = [int(v) for v in graduated if fmt.symbol(v) is None]
    hidden = len(shown) < len(graduated)
    at_least = "at least " if hidden else ""
    sentences = [
        f"{fmt.quantity(row.loc['Total', 'total'], 'funded child', 'funded children')} "
        f"{c.period} (distinct children), {at_least}{fmt.count(sum(shown))} of them at a "
        "graduated level (Graduated Response 1 to Exceptional Early Years Funding)."]
    best = max(((int(row.loc[lv, "total"]), lv) for lv in SUPPLEMENT_LEVELS
                if fmt.symbol(row.loc[lv, "total"]) is None), default=None)
    finding = (f"{LEVELS.label(best[1])} is the most common graduated level"
               if best else "Funded children by SEND level")
    fig = style.level_bars({lv: row.loc[lv, "total"] for lv in LEVELS}, title_text=finding,
                           subtitle=_subtitle("Distinct funded children by SEND level", c),
                           axis_title="Children")
    return Section("children_by_level",
                   _heading("Children by SEND level and funding age", c), sentences, safe,
                   spec, fig)


STAGE_COLUMNS = ("predicted_pence", "actual_pence", "final_pence")


def _funding(ds, c: Counted, params) -> Section:
    raw = summary.funding(ds, c, params)
    lines = raw.line.astype(str)
    supp = raw[lines.str.startswith("Inclusion Supplement")].copy()
    supp["line"] = [f"Inclusion Supplement, {LEVELS.label(lv)}" for lv in SUPPLEMENT_LEVELS]
    all_levels = {"line": "Inclusion Supplement, all graduated levels",
                  "children": raw.attrs.get("supplement_children",
                                            int(supp.children.sum())),
                  **{col: int(supp[col].sum()) for col in STAGE_COLUMNS}}
    block = pd.concat([supp, pd.DataFrame([all_levels])], ignore_index=True)
    money = dict.fromkeys(STAGE_COLUMNS, "children")
    a = publish.table("funding", block, ["children"], money=money, total_row=True, on=c.on)
    other = raw[~lines.str.startswith("Inclusion Supplement")].reset_index(drop=True)
    other.loc[other.line == "Total", "line"] = "All funding lines"
    b = publish.table("funding", other, ["children"], money=money, on=c.on)
    safe = pd.concat([a, b], ignore_index=True)
    rates = Rates.from_parameters(terms.start(c.term), params)
    unpaid = [LEVELS.label(lv) for lv in SUPPLEMENT_LEVELS if not rates.top_up[lv]]
    free = ([Note(f"No Inclusion Supplement is paid at {' or '.join(unpaid)} this term: its "
                  "top-up rate is £0.00 (funded inside the base rate).")] if unpaid else [])
    final_label = "Declared so far" if c.provisional else "Final, with change requests"
    spec = TableSpec(
        name="funding", title="Inclusion Supplement, Early Years Pupil Premium and other "
        "funding",
        subtitle=_subtitle("Children and amounts", c),
        columns={"line": Column("Funding line", width="38%"),
                 "children": Column("Children (distinct)", "count"),
                 "predicted_pence": Column("Predicted at the start of term", "pence"),
                 "actual_pence": Column("Declared on the provider portal", "pence"),
                 "final_pence": Column(final_label, "pence")},
        spanners={"Amount": list(STAGE_COLUMNS)},
        notes=[Note("Distinct children paid on the line at the latest stage: a child at two "
                    "settings is counted once; the children of different lines are never "
                    "added (a child can receive the Supplement and the Pupil Premium).",
                    column="children"),
               Note("Predicted costs the levels known on the first day of term; the portal "
                    "figure those known when the provider portal closed; the final figure "
                    "every level declared, the difference paid by change request next "
                    "term."),
               Note("Amounts are worked out per child, per setting, per term and rounded "
                    "to the penny; totals add the rounded amounts."), *free],
        source="Termly attendance returns, SEND levels and the dated funding rates")
    total = safe.set_index("line").loc["All funding lines"]
    declared = "declared so far" if c.provisional else "final, with change requests"
    sentences = [
        f"All funding lines {c.period}: {fmt.money_rounded(total['final_pence'])} "
        f"{declared}, against {fmt.money_rounded(total['predicted_pence'])} predicted at the "
        f"start of term and {fmt.money_rounded(total['actual_pence'])} declared on the "
        "provider portal."]
    # the Pupil Premium dwarfs the levels (like normal entitlement): a note, not a bar
    body = safe.iloc[:len(SUPPLEMENT_LEVELS)]
    names = [_short_line(x) for x in body.line]
    values = {col: list(body[col]) for col in STAGE_COLUMNS}
    axis = style.money_axis([v for col in STAGE_COLUMNS for v in values[col]])
    fig = go.Figure([style.bar(names, values[col], name=label, colour=colour, kind="pence",
                               divisor=axis.divisor, labels=False)
                     for col, label, colour in (
                         ("predicted_pence", "Predicted", style.PALETTE[4]),
                         ("actual_pence", "Declared on the portal", style.PALETTE[0]),
                         ("final_pence", final_label, style.PALETTE[1]))])
    supp_row = safe.set_index("line").loc["Inclusion Supplement, all graduated levels"]
    finding = _gap_title(supp_row)
    others = safe.iloc[FUNDING_BLOCK:-1]
    aside = "; ".join(f"{line} {fmt.money_rounded(v)}"
                      for line, v in zip(others.line, others.final_pence, strict=True))
    fig.update_layout(title=style.title(finding, _subtitle(
        "Inclusion Supplement by SEND level", c)), barmode="group", yaxis_title=axis.title,
        xaxis_title="SEND level")
    for lv in SUPPLEMENT_LEVELS:  # an empty slot says why, not just nothing
        if not rates.top_up[lv]:
            fig.add_annotation(text="Not paid", x=LEVELS.short(lv), y=0, yanchor="bottom",
                               showarrow=False, font={"size": 12, "color": style.MUTED})
    style.apply(fig)
    style.mark_suppressed(fig)
    if aside:  # under the axis title and any symbol key, in pixels: never cut off
        bottom = max(fig.layout.margin.b or 0, 75)
        fig.add_annotation(text=f"Not shown: {aside} ({final_label.lower()})",
                           xref="paper", yref="paper", x=0, y=0, xanchor="left",
                           yanchor="top", yshift=-(bottom - 8), showarrow=False,
                           font={"size": 12, "color": style.MUTED})
        fig.update_layout(margin={"b": bottom + 24})
    return Section("funding", _heading("Funding", c), sentences, safe, spec, fig)


def _short_line(line: str) -> str:
    for lv in SUPPLEMENT_LEVELS:
        if line.endswith(LEVELS.label(lv)):
            return LEVELS.short(lv)
    return {"Early Years Pupil Premium": "Pupil Premium",
            "Disability Access Fund": "Disability Access"}.get(line, line)


def _gap_title(row) -> str:
    p, a = _num(row["predicted_pence"]), _num(row["actual_pence"])
    if p is None or a is None:
        return "Inclusion Supplement predicted and declared"
    if a == p:
        return "The Inclusion Supplement declared on the portal matches the prediction"
    word = "above" if a > p else "below"
    return (f"The Inclusion Supplement declared on the portal is "
            f"{fmt.money_rounded(abs(a - p))} {word} the prediction")


def _gap_sentences(gap: summary.FundingGap, c: Counted, safe: pd.DataFrame) -> list[str]:
    """The funding gap explained (F9), from published amounts and children counts only."""
    row = safe.set_index("line").loc["Inclusion Supplement, all graduated levels"]
    if fmt.symbol(row["predicted_pence"]) or fmt.symbol(row["actual_pence"]):
        return []
    diff = gap.gap
    if diff == 0:
        return [f"The Inclusion Supplement declared on the portal {c.period} equals the "
                "prediction."]
    share = diff / gap.predicted if gap.predicted else None
    pct = f" ({fmt.percent(abs(share))})" if share is not None else ""
    word = "more" if diff > 0 else "less"
    out = [f"The Inclusion Supplement declared on the provider portal {c.period} is "
           f"{fmt.money_rounded(abs(diff))}{pct} {word} than predicted at the start of "
           "term. Both figures cost the same claims, so the whole difference comes from "
           "SEND levels declared after the start of term, none from more children claiming "
           "funded hours."]
    parts = []
    for n, pence, what in ((gap.new_children, gap.new_pence,
                            "at a graduated level who were not at one on the first day of "
                            "term"),
                           (gap.changed_children, gap.changed_pence,
                            "whose graduated level changed")):
        if n == 0:
            continue
        sign = "" if pence >= 0 else "minus "
        parts.append(f"{sign}{fmt.money_rounded(abs(pence))} from "
                     f"{fmt.quantity(_hide(n, threshold(c.on)), 'child', 'children')} "
                     f"{what}")  # the noun is in the quantity
    if parts:
        out.append(f"Of the difference {c.period}: " + "; ".join(parts) + ".")
    return out


def _panel(ds, c: Counted) -> Section:
    raw = summary.panel_activity(ds, c)
    safe = publish.table("panel_activity", raw, summary.PANEL_COUNTS, total_row=True,
                         on=c.on)
    waiting_when = f"on {fmt.date(c.on)}" if c.provisional else "at the end of the term"
    spec = TableSpec(
        name="panel_activity", title="Inclusion panel applications by kind",
        subtitle=_subtitle("Number of applications", c),
        columns={"kind": Column("Application kind"),
                 "received": Column("Received", "count"),
                 "decided": Column("Decided", "count"),
                 "approved": Column("Approved", "count"),
                 "awaiting_decision": Column(f"Awaiting a decision {waiting_when}",
                                             "count")},
        spanners={"In the term": ["received", "decided", "approved"]},
        notes=[Note("Received and decided count applications from the first day of term "
                    "to the count date; awaiting a decision counts every application open "
                    "on the count date, whenever it was received.")],
        source="Inclusion panel application records", total_row=True)
    total = safe.set_index("kind").loc["Total"]
    sentences = [
        f"The panel received {fmt.quantity(total['received'], 'application')} and decided "
        f"{fmt.count(total['decided'])} {c.period}; "
        f"{fmt.quantity(total['awaiting_decision'], 'application')} awaited a decision "
        f"{c.when}."]
    body = safe.iloc[:-1]
    measures = (("received", "Received", style.PALETTE[0]),
                ("decided", "Decided", style.PALETTE[1]),
                ("awaiting_decision", "Awaiting a decision", style.PALETTE[3]))
    cells = [v for col, _, _ in measures for v in body[col]]
    waiting = total["awaiting_decision"]
    finding = (f"{fmt.quantity(waiting, 'application').capitalize()} awaited a decision "
               f"{c.when}")
    if 2 * sum(fmt.symbol(v) is not None for v in cells) > len(cells):
        # most counts by kind are hidden: a chart of gaps says nothing, the totals do
        fig = go.Figure(style.bar([label for _, label, _ in measures],
                                  [total[col] for col, _, _ in measures], name="All kinds",
                                  colour=[colour for _, _, colour in measures]))
        what, axis = "All application kinds", ""
    else:
        fig = go.Figure([style.bar([_wrap(k) for k in body.kind], list(body[col]),
                                   name=label, colour=colour)
                         for col, label, colour in measures])
        what, axis = "Applications by kind", "Application kind"
    fig.update_layout(title=style.title(finding, _subtitle(what, c)), barmode="group",
                      yaxis_title="Applications", xaxis_title=axis)
    style.apply(fig)
    style.mark_suppressed(fig)
    return Section("panel_activity", _heading("Inclusion panel", c), sentences, safe, spec,
                   fig)


def _visits(ds, c: Counted) -> Section:
    raw = summary.visits(ds, c)
    safe = publish.table("visits", raw, ["planned", "held", "missed"], total_row=True,
                         on=c.on)
    spec = TableSpec(
        name="visits", title="Advisory visits by type",
        subtitle=_subtitle("Visits planned from the first day of term to the count date", c),
        columns={"visit_type": Column("Visit type", codes=VISIT_TYPES),
                 "planned": Column("Planned", "count"),
                 "held": Column("Held", "count"),
                 "missed": Column("Missed", "count")},
        notes=[Note("A visit is missed when its planned date has passed and it was not "
                    "held by the count date.", column="missed")],
        source="Advisory visit records", total_row=True)
    total = safe.set_index("visit_type").loc["Total"]
    sentences = [
        f"{fmt.count(total['held'])} of {fmt.quantity(total['planned'], 'visit')} planned "
        f"{c.period} were held; {fmt.count(total['missed'])} were missed."]
    body = safe.iloc[:-1]
    names = [_wrap(VISIT_TYPES.short(v)) for v in body.visit_type]
    fig = go.Figure([style.bar(names, list(body[col]), name=label, colour=colour)
                     for col, label, colour in (("held", "Held", style.PALETTE[0]),
                                                ("missed", "Missed", style.PALETTE[3]))])
    finding = (f"{fmt.count(total['held'])} of {fmt.quantity(total['planned'], 'visit')} "
               f"planned {c.period} were held")
    fig.update_layout(title=style.title(finding, _subtitle("Visits by type", c)),
                      barmode="group", yaxis_title="Visits", xaxis_title="Visit type")
    style.apply(fig)
    style.mark_suppressed(fig)
    return Section("visits", _heading("Advisory visits", c), sentences, safe, spec, fig)


def _flags(ds, c: Counted) -> Section:
    raw = summary.flags(ds, c)
    safe = publish.table("flags", raw, ["settings"], on=c.on)
    spec = TableSpec(
        name="flags", title="Notable flags", subtitle=_subtitle("Number of settings", c),
        columns={"flag": Column("Flag"), "settings": Column("Settings", "count")},
        notes=[Note("From the settings as known on the count date: the latest inspection "
                    "on or before it; a crisis from its start.")],
        source="The settings register and Ofsted inspection outcomes")
    sentences = [f"Settings with a notable flag {c.when}, as known then: "
                 + "; ".join(f"{f}: {fmt.count(v)}"
                             for f, v in zip(safe.flag, safe.settings, strict=True)) + "."]
    return Section("flags", _heading("Notable flags", c), sentences, safe, spec, None)


def source_label(data_source: str) -> str:
    """The data source as a reader sees it in the meta block: the bundled sample, a file or
    folder name, or a database without its credentials. A dataset saved by the termly run
    names its source in ``source.txt`` beside it."""
    from urllib.parse import urlsplit

    from eyanalysis.data.dataset import SAVED_SUFFIX

    text = str(data_source or "").strip()
    if not text:
        return SAMPLE_SOURCE
    if text.endswith(SAVED_SUFFIX):
        told = Path(text).with_name("source.txt")
        return source_label(told.read_text().strip()) if told.exists() else Path(text).name
    if "://" in text:
        url = urlsplit(text)
        return f"Database {url.hostname or ''}{url.path}".strip()
    return Path(text).name


def sources_html(frame: pd.DataFrame) -> str:
    """The sources table (parameter names, rule references) in its own block: the one place
    a code or a rule id may be shown."""
    def cell(value) -> str:
        if isinstance(value, dict):
            value = "; ".join(f"{k}: {v}" for k, v in value.items())
        elif isinstance(value, list | tuple):
            value = ", ".join(map(str, value))
        return html.escape("" if value is None else str(value))

    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    rows = "".join("<tr>" + "".join(f"<td>{cell(v)}</td>" for v in row) + "</tr>"
                   for row in frame.itertuples(index=False))
    widths = {"parameter": 15, "label": 13, "value": 9, "unit": 8, "in force from": 9,
              "dates read": 10, "source": 20, "link or page": 16}
    cols = "".join(f"<col style='width:{widths.get(str(c), 10)}%'>" for c in frame.columns)
    body = (f"<table><colgroup>{cols}</colgroup><thead><tr>{head}</tr></thead>"
            f"<tbody>{rows}</tbody></table>")
    return (f"<div class='ey-sources'><h2>Sources and assumptions</h2><p>Every dated "
            f"parameter the figures above read, its value on the dates read, and its "
            f"source.</p>{body}</div>")

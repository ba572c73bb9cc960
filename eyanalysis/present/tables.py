"""Tables a reader sees: publication tables with great_tables, interactive ones with itables.

:func:`publication_table` turns a published (disclosure-controlled) frame and its
:class:`~eyanalysis.present.meta.TableSpec` into a ``great_tables.GT``: title and subtitle,
column labels, spanners, every number formatted by :mod:`eyanalysis.present.format`
(``1,234``, ``£1,234.56``, ``12.3%``), suppressed cells as their symbol (``[c]``), numeric
columns right-aligned, the total row in bold, no index column; under it the notes, the symbol
key (only the symbols the table carries, PRESENTATION.md "Explore Education Statistics") and
the source. :func:`publication_html` is its HTML, sized to print on A4 without a horizontal
scroll bar (labels wrap; the table takes the page width).

:func:`interactive_html` is the same table for the apps, as an itables DataTable with sort,
search and CSV/Excel buttons, offline (the library comes once per page from
:func:`interactive_library`; no network request). Headers are labels; numbers sort as numbers
and show in the same formats, symbols stay as ``[c]``.
"""

from __future__ import annotations

import html
import json
from decimal import Decimal
from functools import partial

import pandas as pd

from eyanalysis.present import format as fmt
from eyanalysis.present.meta import TableSpec, check, symbols
from eyanalysis.rules import money

#: GOV.UK's font is not free to ship; Arial and its metric twin Liberation Sans (Debian's
#: fonts-liberation) read the same, DejaVu Sans is the last resort on Debian.
FONTS = ["Arial", "Liberation Sans", "Helvetica", "DejaVu Sans", "sans-serif"]
TEXT = "#0b0c0c"  # GOV.UK text colour
BORDER = "#b1b4b6"  # GOV.UK border colour

# A row never splits across pages and the column labels repeat on each page (weasyprint and
# chromium honour these in print); the notes stay with the last rows; a short table is not
# split at all; long labels wrap instead of widening the table.
#: Tables with at most this many rows are kept on one page in print.
SHORT_ROWS = 20
PRINT_CSS = """
.ey-table {{ margin: 0 0 1.5em 0; }}
#{id} .gt_table {{ width: 100%; }}
#{id} .gt_title.gt_font_normal {{ font-weight: bold; }}
#{id} .gt_col_heading {{ white-space: normal; vertical-align: bottom; }}
#{id} .gt_row {{ font-variant-numeric: tabular-nums; }}
#{id} tr {{ break-inside: avoid; page-break-inside: avoid; }}
#{id} thead {{ display: table-header-group; }}
#{id} tfoot {{ display: table-row-group; }}
#{id} tbody tr:last-child, #{id} tfoot tr {{ break-after: avoid; page-break-after: avoid; }}
#{id} tfoot tr {{ break-before: avoid; page-break-before: avoid; }}
.ey-table.ey-short {{ break-inside: avoid; page-break-inside: avoid; }}
#{id} .gt_sourcenote {{ white-space: normal; }}
@media print {{ #{id} {{ overflow: visible !important; }} }}
"""


def _notes(spec: TableSpec) -> list[str]:
    """Notes as lines under the table: ``Note 1: ...``; a column's note names the column."""
    return [f"Note {i}" + (f" ({spec.columns[n.column].label})" if n.column else "") + ": "
            + n.text
            for i, n in enumerate(spec.all_notes, start=1)]


def _escaped_cell(value, kind: str) -> str:
    return html.escape(fmt.cell(value, kind))


def publication_table(frame: pd.DataFrame, spec: TableSpec, *, limit: int | None = None):
    """A ``great_tables.GT`` of ``frame`` as ``spec`` describes it.

    ``limit``: the suppression threshold the frame was published with (for the ``[c]``
    explanation); default the ``disclosure.threshold`` parameter in force today.
    """
    from great_tables import GT, loc, style

    safe = check(frame, spec)
    gt = GT(safe).with_id(spec.name).tab_header(title=spec.title,
                                                subtitle=spec.subtitle or None)
    gt = gt.cols_label(cases={c: spec.header(c) for c in spec.columns})
    for label, cols in spec.spanners.items():
        gt = gt.tab_spanner(label=label, columns=list(cols))
    for name, col in spec.columns.items():
        # great_tables takes a formatter's output as HTML: escape it (user text reaches here)
        gt = gt.fmt(partial(_escaped_cell, kind=col.kind), columns=[name])
    numeric = [c for c, col in spec.columns.items() if col.numeric]
    if numeric:
        gt = gt.cols_align("right", columns=numeric)
    gt = gt.cols_align("left", columns=[c for c in spec.columns if c not in numeric])
    widths = {c: col.width for c, col in spec.columns.items() if col.width}
    if widths:
        gt = gt.cols_width(cases=widths)
    if spec.total_row and len(safe):
        gt = gt.tab_style(style.text(weight="bold"), loc.body(rows=[len(safe) - 1]))
        gt = gt.tab_style(style.borders(sides="top", color=TEXT, weight="2px"),
                          loc.body(rows=[len(safe) - 1]))
    for line in [*_notes(spec), *fmt.symbol_key(symbols(safe, spec), limit)]:
        gt = gt.tab_source_note(line)
    if spec.source:
        gt = gt.tab_source_note(f"Source: {spec.source}")
    return gt.tab_options(
        table_width="100%", table_font_names=FONTS, table_font_size="14px",
        table_font_color=TEXT, container_overflow_x="visible",
        container_padding_x="0px", heading_align="left", heading_title_font_size="18px",
        heading_title_font_weight="bold", heading_subtitle_font_size="14px",
        heading_border_bottom_style="none", table_border_top_style="none",
        column_labels_font_weight="bold", column_labels_border_bottom_color=TEXT,
        column_labels_border_top_style="none", table_body_hlines_color=BORDER,
        table_body_border_bottom_color=BORDER, table_border_bottom_style="none",
        data_row_padding="6px", source_notes_font_size="13px")


def publication_html(frame: pd.DataFrame, spec: TableSpec, *,
                     limit: int | None = None) -> str:
    """The publication table as an HTML fragment (its own scoped style, no script)."""
    raw = publication_table(frame, spec, limit=limit).as_raw_html()
    # great_tables leaves two rules unscoped; scope them so a page's other tables are
    # untouched.
    sid = f"#{spec.name}"
    raw = raw.replace(f"{sid} thead, tbody, tfoot, tr, td, th {{",
                      f"{sid} thead, {sid} tbody, {sid} tfoot, {sid} tr, {sid} td, "
                      f"{sid} th {{")
    raw = raw.replace("\n tr { background-color: transparent; }",
                      f"\n {sid} tr {{ background-color: transparent; }}")
    css = PRINT_CSS.format(id=spec.name)
    short = " ey-short" if len(frame) <= SHORT_ROWS else ""
    return f'<div class="ey-table{short}">\n<style>{css}</style>\n{raw}\n</div>'


# -- interactive tables (apps) ----------------------------------------------------------------

# Intl.NumberFormat options showing each kind as format.cell does (the browser test checks
# the two agree).
_INTL = {
    "count": {"maximumFractionDigits": 0},
    "expected": {"maximumFractionDigits": 0},
    "change": {"maximumFractionDigits": 0, "signDisplay": "exceptZero"},
    "pence": {"style": "currency", "currency": "GBP"},
    "rate": {"style": "currency", "currency": "GBP", "minimumFractionDigits": 2,
             "maximumFractionDigits": 4},
    "percent": {"minimumFractionDigits": 1, "maximumFractionDigits": 1},  # of a percentage
    "decimal": {"minimumFractionDigits": 1, "maximumFractionDigits": 1},
}
# Cells hold exact decimal text ("1234.56") or a symbol ("[c]"): shown formatted, sorted as
# numbers (symbols first), exported as that exact text (CSV; Excel stores it as a number).
_RENDER = """function (data, type) {{
  if (type === "export") {{ return data; }}
  const n = (data === null || data === "") ? NaN : Number(data);
  if (Number.isNaN(n)) {{ return (type === "sort" || type === "type") ? -Infinity : data; }}
  if (type === "display" || type === "filter") {{
    return new Intl.NumberFormat("en-GB", {options}).format(n) + {suffix};
  }}
  return n;
}}"""


def _plain(value, kind: str) -> str:
    """A cell as exact decimal text for the browser: pence as pounds, a fraction as a
    percentage, expected counts whole (the units of the exported headers)."""
    if (s := fmt.symbol(value)) is not None:
        return s.text
    if kind == "pence":
        return money.pounds(value)
    if kind == "expected":
        return str(fmt.half_up(value))
    if kind == "percent":
        return format(Decimal(str(value)) * 100, "f")
    return str(value)


def interactive_frame(frame: pd.DataFrame, spec: TableSpec) -> pd.DataFrame:
    """The cells :func:`interactive_html` sends to the browser, headers as labels."""
    safe = check(frame, spec)
    return pd.DataFrame({spec.header(c): [
        fmt.cell(v, "text") if col.kind == "text" else _plain(v, col.kind)
        for v in safe[c]] for c, col in spec.columns.items()})


def interactive_library() -> str:
    """The itables/DataTables library, inline (once per page, before any table): no CDN."""
    from itables import javascript, options

    init = javascript.read_package_file("html/init_datatables.html")
    connected = ("import { set_or_remove_dark_class } from '"
                 + javascript.UNPKG_DT_BUNDLE_URL_NO_VERSION + "';")
    local = ("const { set_or_remove_dark_class } = await window."
             + javascript._itables_underscore_version() + ";")  # itables names it so
    return (javascript.generate_init_offline_itables_html(options.dt_bundle)
            + init.replace(connected, local))


# Text cells a spreadsheet would run are exported with an apostrophe, as
# :func:`eyanalysis.data.export.neutralise_text` writes them (OWASP "CSV Injection").
_DEFUSE = """function (data) {{
  if (typeof data !== "string") {{ return data; }}
  const text = data.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
  return (new RegExp({start}).test(text) && !new RegExp({plain}).test(text))
    ? "'" + text : text;
}}"""
# Dates written by format.date ("1 December 2026") sort in time order; other text in such
# a column ("None recorded") sorts first.
_DATE_RENDER = """function (data, type) {
  if (type !== "sort" && type !== "type") { return data; }
  const months = ["january", "february", "march", "april", "may", "june", "july",
                  "august", "september", "october", "november", "december"];
  const m = /^(\\d{1,2}) ([A-Za-z]+) (\\d{4})$/.exec(String(data).trim());
  const month = m ? months.indexOf(m[2].toLowerCase()) : -1;
  return month < 0 ? -Infinity : Number(m[3]) * 10000 + (month + 1) * 100 + Number(m[1]);
}"""


def interactive_options(frame: pd.DataFrame, spec: TableSpec, *, page_length: int = 25,
                        limit: int | None = None, dates: tuple[str, ...] = (),
                        buttons: tuple[str, str] = ("Download CSV", "Download Excel")
                        ) -> tuple[pd.DataFrame, dict, list[str]]:
    """What an itables table of ``frame`` is made of, for a page
    (:func:`interactive_html`) and for the ``itables.widget.ITable`` of an app alike: the
    cells (:func:`interactive_frame`, a total row taken out), the DataTables options (sort,
    search, CSV and Excel buttons whose export is formula-safe, numbers sorted as numbers,
    ``dates`` columns in time order) and the lines shown under the table (total, notes,
    symbol key, source). ``buttons``: the two buttons' labels."""
    from itables import JavascriptFunction

    data = interactive_frame(frame, spec)
    total = ""
    if spec.total_row and len(data):
        safe = check(frame, spec)
        last = safe.iloc[-1]
        total = "; ".join(f"{spec.header(c)} {fmt.cell(last[c], col.kind)}"
                          for c, col in spec.columns.items() if col.numeric)
        total = f"{fmt.cell(last[next(iter(spec.columns))], 'text')}: {total}"
        data = data.iloc[:-1]
    units = [spec.header(c, unit=True) for c in spec.columns]
    header = JavascriptFunction(
        f"function (text, column) {{ return {json.dumps(units)}[column]; }}")
    from eyanalysis.data.export import FORMULA_START, PLAIN_NUMBER

    body = JavascriptFunction(_DEFUSE.format(start=json.dumps(FORMULA_START.pattern),
                                             plain=json.dumps(PLAIN_NUMBER.pattern)))
    export = {"orthogonal": "export", "format": {"header": header, "body": body}}
    options = [
        {"extend": "csvHtml5", "text": buttons[0], "title": spec.title,
         "filename": spec.name, "bom": True, "exportOptions": export},
        {"extend": "excelHtml5", "text": buttons[1], "title": spec.title,
         "filename": spec.name, "exportOptions": export},
    ]
    names = list(spec.columns)
    column_defs = [{"targets": [i], "className": "dt-right", "type": "num",
                    "render": JavascriptFunction(
                        _RENDER.format(options=json.dumps(_INTL[col.kind]),
                                       suffix=json.dumps("%" if col.kind == "percent" else "")))}
                   for i, col in enumerate(spec.columns.values()) if col.numeric]
    column_defs += [{"targets": [names.index(c)], "className": "dt-left", "type": "num",
                     "render": JavascriptFunction(_DATE_RENDER)} for c in dates]
    column_defs += [{"targets": [i], "className": "dt-left"}
                    for i, (c, col) in enumerate(spec.columns.items())
                    if not col.numeric and c not in dates]
    paged = len(data) > page_length
    dt_options = dict(
        caption=spec.title, table_id=f"itable_{spec.name}",
        showIndex=False, buttons=options, columnDefs=column_defs, order=[],
        pageLength=page_length, paging=paged,
        layout={"topStart": "buttons", "topEnd": "search", "bottomStart": "info",
                "bottomEnd": "paging" if paged else None},
        classes="display compact", style="width:100%; caption-side: top",
        allow_html=False, text_in_header_can_be_selected=False)  # a click on a header sorts
    notes = ([total] if total else []) + _notes(spec) + fmt.symbol_key(
        symbols(frame, spec), limit) + ([f"Source: {spec.source}"] if spec.source else [])
    return data, dt_options, notes


def notes_html(notes: list[str]) -> str:
    """The lines under an interactive table (:func:`interactive_options`) as HTML."""
    foot = "".join(f"<p class='ey-note'>{html.escape(n)}</p>" for n in notes)
    return ("<style>.ey-interactive .ey-note { font-size: 13px; margin: 0.3em 0; }</style>"
            + foot)


def interactive_html(frame: pd.DataFrame, spec: TableSpec, *, page_length: int = 25,
                     include_library: bool = False, limit: int | None = None) -> str:
    """An itables DataTable of ``frame``: sort, search, CSV and Excel buttons, offline.

    Put :func:`interactive_library` once on the page first (or pass ``include_library``).
    In a notebook, ``itables.init_notebook_mode(all_interactive=False, connected=False)``
    loads the library once; then display this HTML. A total row is kept out of the sortable
    rows and shown under the table, with the notes, symbol key and source. An app that
    redraws the table uses :func:`interactive_widget` instead.
    """
    from itables import to_html_datatable

    data, options, notes = interactive_options(frame, spec, page_length=page_length,
                                               limit=limit)
    table = to_html_datatable(data, connected=False, **options)
    return (f'<div class="ey-interactive" id="ey_{spec.name}">'
            + (interactive_library() if include_library else "") + table + notes_html(notes)
            + "</div>")


def interactive_widget(frame: pd.DataFrame, spec: TableSpec, *, page_length: int = 25,
                       limit: int | None = None, dates: tuple[str, ...] = (),
                       buttons: tuple[str, str] = ("Download CSV", "Download Excel"),
                       table=None):
    """The interactive table as an ``itables.widget.ITable`` (an anywidget: its DataTables
    bundle travels with the widget, so it works offline in Voila and JupyterLab alike).
    With ``table`` (a widget made here before), that widget is updated in place with the new
    rows and options and returned. The lines under the table (notes, source) are the
    widget's ``notes`` attribute, for the caller to show (:func:`notes_html`)."""
    from itables.widget import ITable

    data, options, notes = interactive_options(frame, spec, page_length=page_length,
                                               limit=limit, dates=dates, buttons=buttons)
    caption = options.pop("caption")
    # The widget's page script empties the table (caption included) when it redraws it for
    # new arguments and sets the caption again only when the caption changes: the caption
    # also goes with the DataTables arguments, which set it on every redraw. One message
    # to the page per update (hold_sync): the table is redrawn once.
    if table is None:
        table = ITable(data, caption=caption, **options)
        table._dt_args = {**table._dt_args, "caption": caption}
    else:
        with table.hold_sync():
            table.update(data, caption=caption, **options)
            table._dt_args = {**table._dt_args, "caption": caption}
    table.notes = notes
    return table


# -- notebooks and apps -------------------------------------------------------------------------


def show(frame: pd.DataFrame, spec: TableSpec, *, limit: int | None = None):
    """The publication table as a display object for a notebook (its styles scoped, unlike
    great_tables' own notebook view, which restyles every table row of the page)."""
    from IPython.display import HTML

    return HTML(publication_html(frame, spec, limit=limit))


def show_interactive(frame: pd.DataFrame, spec: TableSpec, *, limit: int | None = None,
                     page_length: int = 25):
    """The interactive table as a display object for a notebook, an app's ``Output`` widget
    or Voila, the library included (loaded once per page however many tables show it)."""
    from IPython.display import HTML

    return HTML(interactive_html(frame, spec, limit=limit, page_length=page_length,
                                 include_library=True))

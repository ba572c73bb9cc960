"""One chart style (Analysis Function, "Data visualisation: charts"; PRESENTATION.md).

- One colour per SEND level and per support level, the same in every chart, from the
  Analysis Function's colour-blind-safe categorical palette (:data:`LEVEL_COLOURS`,
  :data:`SUPPORT_COLOURS`, :data:`PALETTE` for other series, in its order).
- Titles are the caller's finding ("Intensive support rose from 34 to 41 settings");
  :func:`title` lays one out, left-aligned, with an optional subtitle.
- Axis titles carry units (:func:`money_axis` gives ``£ thousands`` and the divisor); bar
  axes start at zero; no dual axes.
- A suppressed value (``[c]``) is a marked gap labelled ``[c]``, never a zero bar
  (:func:`bar`, :func:`mark_suppressed`), with the symbol's meaning under the chart.
- Normal entitlement, which dwarfs the graduated levels, gets its own panel or a note
  (:func:`level_bars`), so GR1-EXC stay readable.
- Static output has no toolbar and no hover (:data:`STATIC_CONFIG`).
"""

from __future__ import annotations

import copy
import re
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import plotly.graph_objects as go

from eyanalysis.errors import PresentationError
from eyanalysis.present import format as fmt
from eyanalysis.vocabulary import LEVELS, SUPPORT_LEVELS

FONT = 'Arial, "Liberation Sans", Helvetica, "DejaVu Sans", sans-serif'
TEXT = "#0b0c0c"
MUTED = "#505a5f"
GRID = "#d9d9d9"

#: The Analysis Function's categorical palette, in the order it is to be used.
PALETTE: tuple[str, ...] = ("#12436D", "#28A197", "#801650", "#F46A25", "#3D3D3D",
                            "#A285D1")
#: SEND levels: the graduated levels take the palette in order; normal entitlement the
#: dark grey (it is context, usually in its own panel).
LEVEL_COLOURS: dict[str, str] = {"NE": "#3D3D3D", "GR1": PALETTE[0], "GR2": PALETTE[1],
                                 "GR3": PALETTE[2], "GR4": PALETTE[3], "EXC": PALETTE[5]}
#: Support levels (C1).
SUPPORT_COLOURS: dict[str, str] = dict(zip(SUPPORT_LEVELS, PALETTE, strict=False))

#: The plotly template under the house style (validated once, when plotly first loads it).
TEMPLATE = "plotly_white"
#: Layout keys that give any figure the house fonts and colours without moving anything.
BASE_LAYOUT = {"font": {"family": FONT, "color": TEXT}, "colorway": list(PALETTE)}

#: Reports and PDFs: a picture, no toolbar, no hover.
STATIC_CONFIG = {"displayModeBar": False, "staticPlot": True}
#: Notebooks and apps: hover, no toolbar.
INTERACTIVE_CONFIG = {"displayModeBar": False, "displaylogo": False, "responsive": True}

#: Characters per line of the symbol key under a chart (fits a 672 px printed chart).
KEY_WIDTH = 105
#: Bar gap used by :func:`apply` (and by :func:`mark_suppressed` to find grouped bars).
BARGAP = 0.2


def title(text: str, subtitle: str | None = None) -> dict:
    """A layout title: the finding, left-aligned, with an optional subtitle (what, where,
    when)."""
    out = {"text": text, "x": 0, "xanchor": "left", "xref": "paper",
           "font": {"size": 17, "color": TEXT}}
    if subtitle:
        out["subtitle"] = {"text": subtitle, "font": {"size": 13, "color": MUTED}}
    return out


def house_template(fig: go.Figure) -> go.Figure:
    """Put :data:`TEMPLATE` on ``fig`` (in place, and returned) without validating it
    again. ``fig.update_layout(template=...)`` re-validates the whole template on every
    figure (about 20 ms, a third of :func:`apply`: docs/performance.md, "The apps"); plotly
    itself assigns its default template to every new figure this way (the template was
    validated when plotly loaded it: ``BaseFigure._initialize_layout_template``)."""
    import plotly.io as pio

    layout = fig.layout
    validate = layout._validate
    layout._validate = False
    try:
        layout.template = pio.templates[TEMPLATE]
    finally:
        layout._validate = validate
    return fig


def apply(fig: go.Figure, *, legend: bool | None = None, layout: dict | None = None
          ) -> go.Figure:
    """The house style on ``fig`` (in place, and returned): fonts, white background, light
    horizontal grid only, title and subtitle left-aligned at the top, the legend between
    them and the plot (or none), bar axes from zero. ``layout``: the caller's own layout
    (nested dicts, no ``yaxis_title`` shorthand), merged first as ``update_layout`` would.

    The layout is merged as plain data and set once (what ``update_layout`` and
    ``update_xaxes`` would make, at a fraction of the cost: plotly validates an update path
    by path, 10-30 ms a chart; docs/performance.md, "The apps")."""
    base = fig.layout.to_plotly_json()
    base.pop("template", None)
    layout = _merged(base, copy.deepcopy(layout)) if layout else base
    if legend is not None:
        layout["showlegend"] = legend
    named = [t for t in fig.data if t.showlegend is not False and t.name]
    shows_legend = layout.get("showlegend") is not False and len(named) > 1
    title_ = layout.get("title") or {}
    top = 50 + (24 if (title_.get("subtitle") or {}).get("text") else 0) + (
        34 if shows_legend else 0)
    house = {
        "font": {"family": FONT, "size": 13, "color": TEXT},
        "paper_bgcolor": "white", "plot_bgcolor": "white", "bargap": BARGAP,
        "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0,
                   "title": {"text": ""}},
        "margin": {"l": 60, "r": 20, "t": top, "b": 60},
        "hoverlabel": {"font": {"family": FONT}},
    }
    if title_.get("text"):
        house["title"] = {"x": 0, "xanchor": "left", "xref": "paper", "yref": "container",
                          "y": 1, "yanchor": "top", "pad": {"t": 12}}
    bars = any(t.type == "bar" for t in fig.data)
    for name in ["xaxis", *(k for k in layout if _AXIS.fullmatch(k) and k != "xaxis"
                            and k.startswith("x"))]:
        house[name] = {"showgrid": False, "linecolor": MUTED, "ticks": "outside",
                       "tickcolor": MUTED}
    for name in ["yaxis", *(k for k in layout if _AXIS.fullmatch(k) and k != "yaxis"
                            and k.startswith("y"))]:
        house[name] = {"gridcolor": GRID, "zerolinecolor": MUTED, "linecolor": MUTED}
        if not (layout.get(name) or {}).get("tickformat"):
            house[name]["tickformat"] = ","
        if bars:
            house[name]["rangemode"] = "tozero"
    fig.layout = _merged(layout, house)
    house_template(fig)
    room_for_labels(fig)
    return fig


_AXIS = re.compile(r"[xy]axis\d*")


def _merged(base: dict, extra: dict) -> dict:
    """``base`` updated with ``extra`` as ``update_layout`` does: nested dicts merged key by
    key, anything else replaced."""
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _merged(base[key], value)
        else:
            base[key] = value
    return base


#: Head room above the highest labelled point, as a share of the axis range: a label drawn
#: above a point stays under the panel's title (plotly's autorange ignores point labels).
LABEL_HEADROOM = 0.2
#: Space before the first and after the last category of a labelled line, in categories:
#: a label centred on an end point stays clear of the tick labels of the value axis.
LABEL_SIDE_ROOM = 0.9


def room_for_labels(fig: go.Figure) -> go.Figure:
    """Give the labels drawn on line points room (Analysis Function: "label data directly
    where it fits"): the value axis of every scatter trace with text labels reaches
    :data:`LABEL_HEADROOM` above its highest point (from zero where the axis starts there),
    and its category axis leaves :data:`LABEL_SIDE_ROOM` before the first and after the last
    point, so no label is drawn over a tick label or a panel title. A label left at
    ``top center`` goes on the side of its point away from the line (below a point the line
    rises from or to, above one it falls from or to), so the line never runs through it.
    Axes given a range by the caller are left alone."""
    for t in fig.data:
        if t.type != "scatter" or "text" not in (t.mode or "") or not t.text:
            continue
        ys = [float(v) for v in (t.y or ()) if v is not None]
        if not ys:
            continue
        if t.textposition in (None, "top center"):
            t.textposition = _clear_of_line(list(t.y))
        yname = "yaxis" + (t.yaxis or "y")[1:]
        xname = "xaxis" + (t.xaxis or "x")[1:]
        yaxis, xaxis = fig.layout[yname], fig.layout[xname]
        if yaxis.range is None:
            low = 0.0 if yaxis.rangemode == "tozero" or min(ys) >= 0 else min(ys)
            high = max(max(ys), 0.0)
            span = (high - low) or abs(high) or 1.0
            fig.layout[yname].range = [low, high + span * LABEL_HEADROOM]
        if xaxis.range is None and t.x is not None and all(isinstance(v, str) for v in t.x):
            n = len(t.x)
            fig.layout[xname].range = [-LABEL_SIDE_ROOM, n - 1 + LABEL_SIDE_ROOM]
    return fig


def _clear_of_line(ys: list) -> list[str]:
    """Per point: ``bottom center`` where the neighbouring points are higher (the line
    leaves upwards), else ``top center``."""
    out = []
    for j, y in enumerate(ys):
        near = [ys[k] for k in (j - 1, j + 1) if 0 <= k < len(ys) and ys[k] is not None]
        low = y is not None and near and all(float(v) > float(y) for v in near)
        out.append("bottom center" if low else "top center")
    return out


# -- units ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MoneyAxis:
    """How to draw money on an axis: divide pence by ``divisor``, title it ``title``."""

    divisor: int
    title: str


def money_axis(pence: Sequence) -> MoneyAxis:
    """``£``, ``£ thousands`` or ``£ millions`` for the largest of ``pence`` (symbols
    ignored), so ticks stay short and the unit is in the axis title."""
    sizes = [abs(int(v)) for v in pence if not fmt.is_symbol(v)]
    top = max(sizes, default=0)
    if top >= 100_000_000:  # £1m
        return MoneyAxis(100_000_000, "£ millions")
    if top >= 1_000_000:  # £10,000
        return MoneyAxis(100_000, "£ thousands")
    return MoneyAxis(100, "£")


# -- bars and suppressed values -------------------------------------------------------------

_LABELS = {"count": fmt.count, "pence": fmt.money_rounded, "percent": fmt.percent,
           "expected": fmt.children, "decimal": fmt.decimal}


def bar(x: Sequence, values: Sequence, *, name: str, colour: str | Sequence[str],
        kind: str = "count", divisor: int = 1, labels: bool = True,
        horizontal: bool = False, **kwargs) -> go.Bar:
    """A bar trace from published values: a symbol leaves a gap (no bar, never a zero one)
    that :func:`mark_suppressed` labels; bars carry their value as a direct label
    (``1,234``, ``£340k``, ``12.3%``) unless ``labels`` is false. ``divisor`` scales money
    (see :func:`money_axis`)."""
    if kind not in _LABELS:
        raise PresentationError(f"bar kind {kind!r}: use one of {', '.join(_LABELS)}.")
    heights, texts, marks = [], [], []
    for v in values:
        s = fmt.symbol(v)
        if s is not None:
            heights.append(None)
            texts.append("")
            marks.append(s.text)
        else:
            heights.append(float(v) / divisor if kind == "pence" else float(v))
            texts.append(_LABELS[kind](v))
            marks.append("")
    pos = {"y": list(x), "x": heights, "orientation": "h"} if horizontal else {
        "x": list(x), "y": heights}
    return go.Bar(**pos, name=name, marker_color=colour,
                  text=texts if labels else None, textposition="outside" if labels else None,
                  cliponaxis=False, customdata=marks, **kwargs)


def mark_suppressed(fig: go.Figure, *, limit: int | None = None) -> go.Figure:
    """Label every gap left by a symbol (:func:`bar`) with the symbol at the baseline, and
    put the symbol key under the chart. Works for grouped and stacked bars drawn on one
    category axis."""
    bars = [t for t in fig.data if t.type == "bar" and t.visible is not False]
    grouped = (fig.layout.barmode or "group") == "group"
    width = 1 - (fig.layout.bargap if fig.layout.bargap is not None else BARGAP)
    used = []
    by_axes: dict[tuple, list] = {}
    for t in bars:
        by_axes.setdefault((t.xaxis or "x", t.yaxis or "y"), []).append(t)
    for (xa, ya), traces in by_axes.items():
        n = len(traces)
        for i, t in enumerate(traces):
            horizontal = t.orientation == "h"
            for j, mark in enumerate(t.customdata or ()):
                if not mark:
                    continue
                used.append(mark)
                offset = (-width / 2 + width / n * (i + 0.5)) if grouped and n > 1 else 0
                base = 0.0
                if not grouped:  # stacked: the mark sits on the visible part of the stack
                    base = sum((o.x if horizontal else o.y)[j] or 0 for o in traces
                               if len(o.x if horizontal else o.y) > j)
                pos = j + offset  # a category axis places category j at j
                ann = {"text": f"<b>{mark}</b>", "showarrow": False,
                       "font": {"color": TEXT, "size": 12},
                       "xref": xa, "yref": ya}
                if horizontal:
                    ann.update(x=base, y=pos, xanchor="left", yanchor="middle")
                else:
                    ann.update(x=pos, y=base, xanchor="center", yanchor="bottom")
                fig.add_annotation(**ann)
    if used:
        # the key under the axis title, wrapped to the width of a printed chart
        lines = [part for line in fmt.symbol_key(used, limit)
                 for part in textwrap.wrap(line, KEY_WIDTH)]
        titled = any(ax.title.text for ax in fig.select_xaxes())
        # tick labels on two or three lines push the axis title down: the key goes lower
        ticks = max((str(v).count("<br>") + 1 for t in bars if t.orientation != "h"
                     for v in (t.x or ())), default=1)
        extra = 16 * (ticks - 1)
        fig.add_annotation(text="<br>".join(lines), xref="paper", yref="paper", x=0, y=0,
                           xanchor="left", yanchor="top",
                           yshift=(-60 if titled else -34) - extra,
                           align="left", showarrow=False, font={"size": 11, "color": MUTED})
        fig.update_layout(margin={"b": (75 if titled else 50) + 15 * len(lines) + extra})
    return fig


def level_bars(values: Mapping[str, object], *, title_text: str, subtitle: str | None = None,
               axis_title: str, kind: str = "count", ne: str = "panel",
               noun: tuple[str, str] = ("child", "children"), limit: int | None = None
               ) -> go.Figure:
    """One bar per SEND level, each in its level's colour, labelled with its value.

    Normal entitlement (NE) dwarfs the graduated levels, so it is shown apart: ``ne="panel"``
    draws it in a narrow panel of its own (its own scale), ``ne="note"`` leaves it out and
    says its value under the chart (``Normal entitlement (not shown): 6,459 children``).
    ``values`` map level codes to published values (a symbol leaves a marked gap).
    """
    from plotly.subplots import make_subplots

    if ne not in ("panel", "note"):
        raise PresentationError(f"ne={ne!r}: use 'panel' or 'note'.")
    unknown = [k for k in values if k not in LEVELS]
    if unknown:
        raise PresentationError(f"level_bars: {unknown} are not SEND level codes "
                                f"({', '.join(LEVELS)}).")
    graduated = [lv for lv in LEVELS if lv != "NE" and lv in values]
    axis = money_axis(list(values.values())) if kind == "pence" else None
    divisor = axis.divisor if axis else 1
    y_title = axis.title if axis else axis_title

    def trace(levels):
        return bar([LEVELS.short(lv) for lv in levels], [values[lv] for lv in levels],
                   name="", colour=[LEVEL_COLOURS[lv] for lv in levels], kind=kind,
                   divisor=divisor, showlegend=False,
                   hovertext=[LEVELS.label(lv) for lv in levels],
                   hovertemplate="%{hovertext}: %{text}<extra></extra>")

    if ne == "panel" and "NE" in values:
        fig = make_subplots(rows=1, cols=2, column_widths=[0.16, 0.84],
                            horizontal_spacing=0.1)
        fig.add_trace(trace(["NE"]), row=1, col=1)
        fig.add_trace(trace(graduated), row=1, col=2)
        fig.update_yaxes(title_text=y_title, row=1, col=1)
        fig.update_xaxes(title_text="Own scale", title_font={"size": 11, "color": MUTED},
                         row=1, col=1)
        fig.update_xaxes(title_text=LEVELS.name, row=1, col=2)
    else:
        fig = go.Figure(trace(graduated))
        fig.update_layout(yaxis_title=y_title, xaxis_title=LEVELS.name)
        if "NE" in values:
            shown = (fmt.money_rounded(values["NE"]) if kind == "pence"
                     else fmt.quantity(values["NE"], *noun)
                     if kind == "count" else fmt.cell(values["NE"], kind))
            fig.add_annotation(text=f"{LEVELS.label('NE')} (not shown): {shown}",
                               xref="paper", yref="paper", x=1, y=1.02, xanchor="right",
                               yanchor="bottom", showarrow=False,
                               font={"size": 12, "color": MUTED})
    fig.update_layout(title=title(title_text, subtitle), barmode="group")
    apply(fig, legend=False)
    mark_suppressed(fig, limit=limit)
    return fig


def html(fig: go.Figure, *, static: bool = True, div_id: str | None = None) -> str:
    """``fig`` as an HTML fragment for a page that loads plotly.js once itself (no CDN):
    static (no toolbar, no hover) for reports, else interactive."""
    return fig.to_html(full_html=False, include_plotlyjs=False, div_id=div_id,
                       config=STATIC_CONFIG if static else INTERACTIVE_CONFIG)

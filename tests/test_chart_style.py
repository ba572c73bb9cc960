"""The chart style (issue #11; Analysis Function chart guidance): one colour per level in
every chart, suppressed values as labelled gaps, NE apart, units on axes, no toolbar."""

from __future__ import annotations

import re

import pandas as pd
import plotly.graph_objects as go
import pytest

from eyanalysis.errors import PresentationError
from eyanalysis.present.charts import categorisation, forecast, style
from eyanalysis.vocabulary import LEVELS, SUPPORT_LEVELS
from tests.present_cases import LIMIT

CHILDREN = {"NE": 6459, "GR1": 330, "GR2": 119, "GR3": 34, "GR4": 12, "EXC": "c"}


def texts(fig: go.Figure) -> list[str]:
    """Every piece of text a reader sees on the figure (titles, axes, names, labels)."""
    layout = fig.layout
    out = [layout.title.text or "", layout.title.subtitle.text or ""]
    out += [ax.title.text or "" for ax in [*fig.select_xaxes(), *fig.select_yaxes()]]
    out += [a.text or "" for a in layout.annotations]
    for t in fig.data:
        out.append(t.name or "")
        out += [str(v) for v in (t.text or ())]
        if t.type == "bar":
            out += [str(v) for v in ((t.y if t.orientation == "h" else t.x) or ())]
    return [x for x in out if x]


def test_one_distinct_colour_per_level_from_the_analysis_function_palette():
    assert list(style.LEVEL_COLOURS) == list(LEVELS)
    assert list(style.SUPPORT_COLOURS) == list(SUPPORT_LEVELS)
    assert len(set(style.LEVEL_COLOURS.values())) == len(LEVELS)
    assert len(set(style.SUPPORT_COLOURS.values())) == len(SUPPORT_LEVELS)
    assert set(style.LEVEL_COLOURS.values()) <= set(style.PALETTE)
    assert style.PALETTE[:4] == ("#12436D", "#28A197", "#801650", "#F46A25")


def test_existing_charts_draw_support_levels_in_the_shared_colours():
    levels = pd.DataFrame({"district": ["A", "A", "B"],
                           "level": ["universal", "intensive", "targeted"]})
    fig = categorisation.spread_bars(levels, "district")
    assert {t.name: t.marker.color for t in fig.data} == {
        categorisation.label(k): v for k, v in style.SUPPORT_COLOURS.items()}
    assert forecast._COLOURS[:3] == list(style.PALETTE[:3])


def test_a_suppressed_value_is_a_gap_labelled_with_its_symbol_never_a_zero_bar():
    fig = go.Figure([style.bar(["A", "B", "C"], [120, "c", 0], name="Settings",
                               colour=style.PALETTE[0])])
    style.apply(fig)
    style.mark_suppressed(fig, limit=LIMIT)
    assert list(fig.data[0].y) == [120, None, 0]  # a true zero stays a zero
    assert list(fig.data[0].text) == ["120", "", "0"]
    marks = [a for a in fig.layout.annotations if "[c]" in a.text and a.xref == "x"]
    assert len(marks) == 1 and marks[0].x == 1 and marks[0].y == 0
    key = [a for a in fig.layout.annotations if a.xref == "paper"]
    assert len(key) == 1 and "[c] confidential: a count from 1 to 5" in key[0].text


def test_grouped_gaps_are_marked_under_their_own_bar():
    fig = go.Figure([style.bar(["District A", "District B"], values, name=name,
                               colour=style.SUPPORT_COLOURS[code])
                     for code, name, values in [("universal", "Universal", [120, 98]),
                                                ("targeted", "Targeted", [30, "c"]),
                                                ("intensive", "Intensive", [8, "c"])]])
    fig.update_layout(barmode="group")
    style.apply(fig)
    style.mark_suppressed(fig, limit=LIMIT)
    xs = sorted(round(a.x, 4) for a in fig.layout.annotations if a.xref == "x")
    width = 1 - style.BARGAP
    assert xs == [round(1 + 0 * width, 4), round(1 + width / 3, 4)]  # middle and right bar


def test_stacked_gap_is_marked_on_top_of_the_visible_stack():
    fig = go.Figure([style.bar(["A"], [10], name="x", colour=style.PALETTE[0]),
                     style.bar(["A"], ["c"], name="y", colour=style.PALETTE[1])])
    fig.update_layout(barmode="stack")
    style.mark_suppressed(fig, limit=LIMIT)
    mark = [a for a in fig.layout.annotations if a.xref == "x"][0]
    assert (mark.x, mark.y) == (0, 10)


def test_level_bars_show_ne_in_its_own_panel_with_level_colours():
    fig = style.level_bars(CHILDREN, title_text="GR1 is the most common graduated level",
                           subtitle="Funded children by SEND level, Summer 2026",
                           axis_title="Children", limit=LIMIT)
    ne, graduated = fig.data
    assert list(ne.x) == ["NE"] and ne.xaxis == "x"
    assert list(graduated.x) == ["GR1", "GR2", "GR3", "GR4", "EXC"]
    assert graduated.xaxis == "x2"  # its own scale: GR1-EXC are not flattened by NE
    assert list(graduated.marker.color) == [style.LEVEL_COLOURS[lv]
                                            for lv in ["GR1", "GR2", "GR3", "GR4", "EXC"]]
    assert list(ne.text) == ["6,459"] and graduated.y[-1] is None
    assert any(a.text == "<b>[c]</b>" and a.xref == "x2" for a in fig.layout.annotations)
    assert fig.layout.yaxis.rangemode == "tozero" and fig.layout.yaxis2.rangemode == "tozero"


def test_level_bars_can_leave_ne_to_a_note():
    fig = style.level_bars(CHILDREN, title_text="t", axis_title="Children", ne="note",
                           limit=LIMIT)
    assert len(fig.data) == 1 and "NE" not in list(fig.data[0].x)
    assert "Normal entitlement (not shown): 6,459 children" in texts(fig)


def test_money_axis_states_its_unit_and_labels_are_rounded_money():
    assert style.money_axis([120000, 99999]) == style.MoneyAxis(100, "£")
    assert style.money_axis([34012345, "c"]) == style.MoneyAxis(100_000, "£ thousands")
    assert style.money_axis([250_000_000]) == style.MoneyAxis(100_000_000, "£ millions")
    fig = style.level_bars({"GR2": 1290000, "GR3": 34012345, "GR4": "c"},
                           title_text="GR3 took the most", axis_title="", kind="pence",
                           limit=LIMIT)
    assert fig.layout.yaxis.title.text == "£ thousands"
    assert list(fig.data[0].y[:2]) == [12.9, 340.12345]
    assert list(fig.data[0].text) == ["£12,900", "£340k", ""]


def test_titles_state_the_finding_left_aligned_with_a_subtitle():
    t = style.title("Intensive support rose from 34 to 41 settings", "Settings, Summer 2026")
    fig = style.apply(go.Figure(layout={"title": t}))
    assert fig.layout.title.x == 0 and fig.layout.title.xanchor == "left"
    assert fig.layout.title.subtitle.text == "Settings, Summer 2026"


def test_no_snake_case_or_rule_id_in_chart_text():
    fig = style.level_bars(CHILDREN, title_text="Most children with SEND are at GR1",
                           axis_title="Children", limit=LIMIT)
    seen = " ".join(texts(fig))
    assert not re.search(r"\b[a-z0-9]+_[a-z0-9_]+\b", seen), seen
    assert not re.search(r"\((F\d+|C\d(-C\d)?|X\d|L\d|P1)\)", seen), seen


def test_static_html_has_no_toolbar_and_loads_no_library():
    out = style.html(go.Figure(go.Bar(x=["a"], y=[1])))
    assert '"displayModeBar": false' in out and '"staticPlot": true' in out
    assert "<script src=" not in out and "cdn" not in out.lower()


def test_unknown_levels_and_modes_are_refused():
    with pytest.raises(PresentationError, match="not SEND level codes"):
        style.level_bars({"GR9": 1}, title_text="t", axis_title="a")
    with pytest.raises(PresentationError, match="panel"):
        style.level_bars(CHILDREN, title_text="t", axis_title="a", ne="apart")


def test_labels_on_a_line_get_room_and_sit_away_from_the_line():
    """Issue #11: end labels drawn over the value axis's ticks ("£143k" over "150") and over
    a panel title ("939"): the value axis reaches past the highest point, the category axis
    leaves room at both ends, a label goes below a point the line rises from."""
    fig = go.Figure(go.Scatter(x=["Aut<br>2024", "Spr<br>2025", "Sum<br>2025"],
                               y=[143, 178, 205], mode="lines+markers+text",
                               text=["£143k", "", "£205k"], textposition="top center"))
    style.apply(fig)
    low, high = fig.layout.yaxis.range
    assert low == 0 and high >= 205 * (1 + style.LABEL_HEADROOM) - 1e-9
    assert fig.layout.xaxis.range == (-style.LABEL_SIDE_ROOM, 2 + style.LABEL_SIDE_ROOM)
    assert fig.data[0].textposition == ("bottom center", "top center", "top center")
    fixed = go.Figure(go.Scatter(x=["a", "b"], y=[1, 2], mode="lines+text", text=["1", "2"]))
    fixed.update_yaxes(range=[0, 10])
    style.apply(fixed)
    assert fixed.layout.yaxis.range == (0, 10)  # the caller's range is kept


def test_the_symbol_key_goes_below_two_line_tick_labels():
    one = go.Figure(style.bar(["A", "B"], [10, "c"], name="n", colour=style.PALETTE[0]))
    two = go.Figure(style.bar(["Learning and<br>development", "B"], [10, "c"], name="n",
                              colour=style.PALETTE[0]))
    for fig in (one, two):
        fig.update_layout(xaxis_title="Visit type")
        style.apply(fig)
        style.mark_suppressed(fig)
    key = [a for a in one.layout.annotations if "confidential" in a.text][0]
    lower = [a for a in two.layout.annotations if "confidential" in a.text][0]
    assert lower.yshift < key.yshift and two.layout.margin.b > one.layout.margin.b


def _apply_with_plotly_updates(fig: go.Figure, legend: bool | None = None) -> go.Figure:
    """The house style made with plotly's own update calls (validated path by path): what
    :func:`style.apply` merges as data and sets once, faster (issue #12 item 5)."""
    if legend is not None:
        fig.update_layout(showlegend=legend)
    named = [t for t in fig.data if t.showlegend is not False and t.name]
    shows_legend = fig.layout.showlegend is not False and len(named) > 1
    top = 50 + (24 if fig.layout.title.subtitle.text else 0) + (34 if shows_legend else 0)
    fig.update_layout(
        template="plotly_white", font={"family": style.FONT, "size": 13, "color": style.TEXT},
        paper_bgcolor="white", plot_bgcolor="white", bargap=style.BARGAP,
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.0, "x": 0, "title_text": ""},
        margin={"l": 60, "r": 20, "t": top, "b": 60}, hoverlabel={"font": {"family": style.FONT}})
    if fig.layout.title.text:
        fig.update_layout(title={"x": 0, "xanchor": "left", "xref": "paper", "yref": "container",
                                 "y": 1, "yanchor": "top", "pad": {"t": 12}})
    fig.update_xaxes(showgrid=False, linecolor=style.MUTED, ticks="outside",
                     tickcolor=style.MUTED)
    fig.update_yaxes(gridcolor=style.GRID, zerolinecolor=style.MUTED, linecolor=style.MUTED)
    fig.for_each_yaxis(lambda ax: ax.update(tickformat=",") if not ax.tickformat else None)
    if any(t.type == "bar" for t in fig.data):
        fig.update_yaxes(rangemode="tozero")
    return style.room_for_labels(fig)


@pytest.mark.parametrize("make, legend", [
    (lambda: go.Figure([go.Bar(x=["a", "b"], y=[1, 2], name="x"),
                        go.Bar(x=["a", "b"], y=[2, 1], name="y")],
                       layout={"title": style.title("Finding", "Sub"),
                               "margin": {"pad": 4, "l": 300}, "legend": {"font": {"size": 9}}}),
     None),
    (lambda: go.Figure(go.Scatter(x=["a", "b", "c"], y=[1, 3, 2], mode="lines+text",
                                  text=["1", "3", "2"]),
                       layout={"yaxis": {"tickformat": ".0%"}, "title": {"text": "T"}}), False),
    (lambda: __import__("plotly.subplots").subplots.make_subplots(rows=1, cols=2).add_bar(
        x=["a"], y=[1], row=1, col=1).add_bar(x=["b"], y=[2], row=1, col=2), True),
])
def test_apply_makes_what_plotlys_own_updates_make(make, legend):
    assert style.apply(make(), legend=legend).to_plotly_json() == \
        _apply_with_plotly_updates(make(), legend).to_plotly_json()
    # the caller's own layout given to apply: as if set by update_layout before it
    own = {"barmode": "stack", "title": style.title("Own finding", "Own subtitle"),
           "yaxis": {"title": {"text": "Settings"}, "range": [0, 9]},
           "xaxis": {"title": {"text": "District"}}}
    assert style.apply(make(), legend=legend, layout=own).to_plotly_json() == \
        _apply_with_plotly_updates(make().update_layout(own), legend).to_plotly_json()

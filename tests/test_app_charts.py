"""The apps' charts (issue #12 item 5, "Fast"): plotly.js carried to the browser once per
kernel instead of once per chart, a new small chart widget per change (the apps), and the
in-place redraw kept for a figure a view has finished drawing
(:mod:`eyanalysis.apps.figures`). The browser side: tests/test_apps_browser.py (Voila) and
tests/test_browser.py (JupyterLab); the timings: benchmarks/app_latency.py."""

from __future__ import annotations

import datetime as dt

import plotly.graph_objects as go
import pytest

from eyanalysis.apps import figures


def sent(chart, *names):
    """Every Python-to-browser message ``chart`` sends on the traits ``names``."""
    out = []

    def keep(change):
        if change["new"] is not None:
            out.append((change["name"], change["new"]))

    chart.observe(keep, names=list(names))
    return out


MESSAGES = ("_py2js_update", "_py2js_restyle", "_py2js_relayout", "_py2js_addTraces",
            "_py2js_deleteTraces")


def test_plotly_travels_once_per_kernel_not_once_per_chart():
    bundle = figures.BUNDLE.read_text(encoding="utf-8")
    assert len(bundle) > 1_000_000  # plotly.js itself: what must not be sent per chart
    plain = go.FigureWidget(go.Figure(go.Bar(x=[1], y=[1])))
    assert len(plain._esm) == len(bundle)  # the cost being avoided (plotly 7)
    plain.close()
    charts = [figures.Chart(go.Figure(go.Bar(x=[1, 2], y=[i, 3]))) for i in range(3)]
    assert all(len(c._esm) < 2_000 and "export default" in c._esm for c in charts)
    assert figures.carrier() is figures.carrier()
    assert figures.carrier().bundle == bundle
    # a closed carrier (a widget manager reset) is made again for the next chart
    figures.carrier().close()
    fresh = figures.Chart(go.Figure())
    assert figures.carrier().comm is not None and figures.carrier().bundle == bundle
    for c in [*charts, fresh]:
        c.close()


def test_redraw_sends_only_what_changed_and_keeps_the_widget():
    chart = figures.Chart(go.Figure(
        [go.Bar(x=["a", "b"], y=[1, 2], name="One"), go.Bar(x=["a", "b"], y=[3, 4],
                                                             name="Two")],
        layout={"title": {"text": "Before"}, "barmode": "stack", "height": 400}))
    messages = sent(chart, *MESSAGES)
    new = go.Figure([go.Bar(x=["a", "b"], y=[1, 5], name="One"),
                     go.Bar(x=["a", "b"], y=[3, 4], name="Two")],
                    layout={"title": {"text": "After"}, "barmode": "stack",
                            "height": 400})
    assert figures.redraw(chart, new) is chart
    assert [m for m, _ in messages] == ["_py2js_update"]  # one message, no new traces
    update = messages[0][1]
    assert update["style_data"] == {"y": [[1, 5]]} and update["style_traces"] == [0]
    assert update["layout_data"] == {"title": {"text": "After"}}  # not barmode, height
    assert chart.data[0].y == (1, 5) and chart.layout.title.text == "After"
    # the state a page connecting later reads holds the new figure
    assert chart._widget_data[0]["y"] == [1, 5]
    assert chart._widget_layout["title"] == {"text": "After"}
    chart.close()


def test_redraw_clears_what_the_new_figure_lacks_and_replaces_other_kinds():
    chart = figures.Chart(go.Figure(go.Bar(x=[1], y=[1], text=["1"]),
                                    layout={"xaxis": {"title": {"text": "X"}}}))
    figures.redraw(chart, go.Figure(go.Bar(x=[1], y=[2])))
    assert chart.data[0].text is None and chart.layout.xaxis.title.text is None
    messages = sent(chart, *MESSAGES)
    figures.redraw(chart, go.Figure([go.Scatter(x=[1], y=[2]), go.Bar(x=[1], y=[3])]))
    assert [t.type for t in chart.data] == ["scatter", "bar"]
    assert {m for m, _ in messages} >= {"_py2js_deleteTraces", "_py2js_addTraces"}
    assert [t["type"] for t in chart._widget_data] == ["scatter", "bar"]
    chart.close()


@pytest.fixture(scope="module")
def spread_view(sample):
    from eyanalysis.analysis import categorisation
    from eyanalysis.apps.spread import SpreadView

    on = dt.date(2026, 11, 23)
    ds = sample.as_of(on)
    line = categorisation.timeline(ds.settings, ds.visits, ds.inspections, on,
                                   ds.categorisations)
    return SpreadView(line, ds.settings, ds.visits, ds.inspections, on)


def _widgets(box):
    found, todo = [], [box]
    while todo:
        widget = todo.pop()
        found.append(widget)
        todo += list(getattr(widget, "children", ()))
    return found


def test_spread_page_draws_eight_new_charts_on_a_district_change(spread_view):
    """Every chart is replaced by a new one (drawn whole by plotly's view, so no update can be
    lost while a view is still drawing), the old ones are closed, and the new ones carry the
    few-line module, not plotly.js."""
    import ipywidgets as w

    from eyanalysis.apps.spread import Choice, explorer

    on = dt.date(2026, 11, 23)
    page = explorer(spread_view, Choice("all", "all", on, dt.date(2025, 11, 23)))
    charts = [x for x in _widgets(page) if isinstance(x, go.FigureWidget)]
    assert len(charts) == 8 and all(isinstance(c, figures.Chart) for c in charts)
    before = [repr(c._widget_data) + repr(c._widget_layout) for c in charts]
    district = next(x for x in _widgets(page) if isinstance(x, w.Dropdown)
                    and x.description == "District")
    district.value = spread_view.districts[0]
    after = [x for x in _widgets(page) if isinstance(x, go.FigureWidget)]
    assert len(after) == 8 and not {id(c) for c in after} & {id(c) for c in charts}
    assert all(c.comm is None for c in charts)  # the replaced charts are closed
    assert all(isinstance(c, figures.Chart) and len(c._esm) < 2_000 for c in after)
    now = [repr(c._widget_data) + repr(c._widget_layout) for c in after]
    assert all(a != b for a, b in zip(before, now, strict=True))  # every chart changed
    for c in after:
        c.close()

"""The apps' charts (issue #12 item 5, "Fast"): plotly.js carried to the browser once per
kernel instead of once per chart, and a new small chart widget per change
(:mod:`eyanalysis.apps.figures`). The browser side: tests/test_apps_browser.py (Voila) and
tests/test_browser.py (JupyterLab); the timings: benchmarks/app_latency.py."""

from __future__ import annotations

import datetime as dt

import plotly.graph_objects as go
import pytest

from eyanalysis.apps import figures


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

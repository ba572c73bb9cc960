"""The apps' charts (issue #12 item 5, "Fast"): plotly.js carried to the browser once per
kernel instead of once per chart, and a new small chart widget per change
(:mod:`eyanalysis.apps.figures`). The browser side: tests/test_apps_browser.py (Voila) and
tests/test_browser.py (JupyterLab); the timings: benchmarks/app_latency.py."""

from __future__ import annotations

import datetime as dt

import plotly.graph_objects as go
import pytest

from eyanalysis.apps import figures
from tests.widgets import walk


def test_plotly_travels_once_per_kernel_not_once_per_chart():
    bundle = figures.BUNDLE.read_text(encoding="utf-8")
    assert len(bundle) > 1_000_000  # plotly.js itself: what must not be sent per chart
    plain = go.FigureWidget(go.Figure(go.Bar(x=[1], y=[1])))
    # the cost being avoided (plotly 7: all of plotly.js in each chart's module), and the
    # apps' build of plotly.js is under a third of it
    assert len(plain._esm) == len(figures.PLOTLY_WIDGET_BUNDLE.read_text(encoding="utf-8"))
    assert len(bundle) < len(plain._esm) / 3
    plain.close()
    charts = [figures.Chart(go.Figure(go.Bar(x=[1, 2], y=[i, 3]))) for i in range(3)]
    assert all(len(c._esm) < 10_000 and "export default" in c._esm for c in charts)
    assert figures.carrier() is figures.carrier()
    assert figures.carrier().bundle == bundle
    # a closed carrier (a widget manager reset) is made again for the next chart
    figures.carrier().close()
    fresh = figures.Chart(go.Figure())
    assert figures.carrier().comm is not None and figures.carrier().bundle == bundle
    for c in [*charts, fresh]:
        c.close()


def test_the_apps_plotly_build_is_in_step_with_its_inputs_and_plotly():
    """The committed build of plotly.js (apps/static/plotly-apps.min.js) was made from the
    inputs in apps/js as they are (their digest, which the build writes), from the
    plotly.js that the installed plotly (the figures' templates) is made for."""
    import hashlib
    import json

    import plotly.offline

    source = figures.BUNDLE.parent.parent / "js"
    made = json.loads(figures.MANIFEST.read_text(encoding="utf-8"))
    digest = hashlib.sha256()
    for name in made["inputs"]:
        digest.update((source / name).read_bytes())
    assert digest.hexdigest() == made["sha256"], "run `npm ci && npm run build` in apps/js"
    assert made["plotly_js"] == plotly.offline.get_plotlyjs_version()
    lock = json.loads((source / "package-lock.json").read_text(encoding="utf-8"))
    assert lock["packages"]["node_modules/plotly.js"]["version"] == made["plotly_js"]
    text = figures.BUNDLE.read_text(encoding="utf-8")
    assert text.startswith("/*! plotly.js (MIT License") and "export{" in text[-2_000:]
    assert set(made["traces"]) == figures.traces() and "scatter" in made["traces"]


def test_every_trace_type_the_package_draws_is_in_the_apps_plotly():
    """Each go.<Trace>(...) and fig.add_<trace>(...) in the package names a trace type the
    apps' plotly.js registers (a missing one is refused by chart_of, below)."""
    import re
    from pathlib import Path

    from plotly.basedatatypes import BaseTraceType

    import eyanalysis

    text = "\n".join(p.read_text(encoding="utf-8")
                     for p in Path(eyanalysis.__file__).parent.rglob("*.py"))
    names = set(re.findall(r"\bgo\.([A-Z]\w*)\(", text)) | {
        m.capitalize() for m in re.findall(r"\.add_(\w+)\(", text)}
    kinds = [getattr(go, name, None) for name in names]
    used = {k().type for k in kinds if isinstance(k, type) and issubclass(k, BaseTraceType)}
    assert {"bar", "box", "sankey", "scatter"} <= used  # the search finds them
    assert used <= figures.traces(), used - figures.traces()


def test_a_chart_sends_dates_as_dates_and_refuses_a_trace_the_apps_cannot_draw():
    """chart_of: a date column reaches the browser as dates (the widget's own serialiser
    sent nanoseconds since 1970: a panel meeting at 1.7e18 on the axis); a trace type the
    apps' plotly.js does not have is refused with what to do."""
    import pandas as pd

    days = pd.Series(pd.to_datetime(["2024-01-09", "2024-02-13"]))
    chart = figures.chart_of(go.Figure(go.Bar(x=days, y=[3, 4])))
    assert [str(x)[:10] for x in chart._widget_data[0]["x"]] == ["2024-01-09", "2024-02-13"]
    chart.close()
    with pytest.raises(RuntimeError, match="no pie trace: import it in .*entry.mjs"):
        figures.chart_of(go.Figure(go.Pie(values=[1, 2])))


def _spread_page(view):
    import ipywidgets as w

    from eyanalysis.apps.spread import Choice, explorer

    page = explorer(view, Choice("all", "all", dt.date(2026, 11, 23), dt.date(2025, 11, 23)))
    return page, next(x for x in walk(page) if isinstance(x, w.Tab))


def _charts(page) -> list:
    return [x for x in walk(page) if isinstance(x, go.FigureWidget)]


def test_spread_page_draws_the_tab_in_view_and_the_others_when_opened(spread_view):
    """A filter change redraws the four charts of the tab in view at once; another tab's
    charts are drawn for the new filters when it is opened. Every chart is replaced by a new
    one (drawn whole by plotly's view, so no update can be lost while a view is still
    drawing), the old ones are closed, and the new ones carry the few-line module, not
    plotly.js."""
    import ipywidgets as w

    from eyanalysis.apps.spread import STALE, TABS

    page, tabs = _spread_page(spread_view)
    first = _charts(page)
    assert len(first) == 4 and all(isinstance(c, figures.Chart) for c in first)
    for i in range(1, len(TABS)):  # every tab seen once, for the whole county
        tabs.selected_index = i
    tabs.selected_index = 0
    charts = _charts(page)
    assert len(charts) == 8 and charts[:4] == first
    before = [repr(c._widget_data) + repr(c._widget_layout) for c in charts]
    district = next(x for x in walk(page) if isinstance(x, w.Dropdown)
                    and x.description == "District")
    district.value = spread_view.districts[0]
    now = _charts(page)
    assert [c is b for c, b in zip(now, charts, strict=True)] == [False] * 4 + [True] * 4
    # the tabs not yet drawn for the district are marked (greyed) until opened
    assert [STALE in t._dom_classes for t in tabs.children] == [False] + [True] * 4
    for i in range(1, len(TABS)):  # each other tab follows the district when opened
        tabs.selected_index = i
    after = _charts(page)
    assert len(after) == 8 and not {id(c) for c in after} & {id(c) for c in charts}
    assert all(c.comm is None for c in charts)  # the replaced charts are closed
    # a few kB of module each, not the 5 MB plotly.js bundle
    assert all(isinstance(c, figures.Chart) and len(c._esm) < 10_000 for c in after)
    now = [repr(c._widget_data) + repr(c._widget_layout) for c in after]
    assert all(a != b for a, b in zip(before, now, strict=True))  # every chart changed
    assert not [t for t in tabs.children if STALE in t._dom_classes]
    tabs.selected_index = 0  # back to a tab drawn for this district: nothing redrawn
    assert _charts(page) == after
    for c in after:
        c.close()


def _without_uids(d: dict) -> dict:
    return {**d, "data": [{k: v for k, v in t.items() if k != "uid"} for t in d["data"]]}


def test_an_unchanged_figure_keeps_its_chart_and_a_changed_one_gets_a_new_chart():
    import ipywidgets as w

    box = w.Box()
    first = figures.show_in(box, go.Figure(go.Bar(x=["a", "b"], y=[1, 2])))
    same = figures.show_in(box, go.Figure(go.Bar(x=["a", "b"], y=[1, 2])))
    assert same is first and first.comm is not None and box.children == (first,)
    other = figures.show_in(box, go.Figure(go.Bar(x=["a", "b"], y=[1, 3])))
    assert other is not first and box.children == (other,)
    assert first.comm is None  # replaced, closed
    # a chart closed meanwhile (a widget manager reset) is not kept, even for the same figure
    other.close()
    again = figures.show_in(box, go.Figure(go.Bar(x=["a", "b"], y=[1, 3])))
    assert again is not other and again.comm is not None
    again.close()


def test_a_chart_made_without_a_second_validation_holds_the_figure_exactly():
    from eyanalysis.present.charts import style

    fig = style.apply(go.Figure(go.Bar(x=["a", "b"], y=[1, 2], name="n"),
                                layout={"title": style.title("Finding", "Subtitle")}))
    chart = figures.chart_of(fig)
    assert _without_uids(chart.to_dict()) == fig.to_dict()
    assert chart.layout.template.layout.paper_bgcolor == "white"  # plotly_white is there
    chart.close()


def test_figures_a_notebook_displays_are_charts_while_on(monkeypatch):
    """figures.display_as_charts: on in an app (interactive), every displayed figure is a
    Chart; off (headless), plotly's own output, unchanged."""
    import IPython
    import IPython.display
    from IPython.core.formatters import DisplayFormatter

    shell = type("Shell", (), {"display_formatter": DisplayFormatter()})()
    monkeypatch.setattr(IPython, "get_ipython", lambda: shell)
    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda obj, **_: shown.append(obj))
    fig = go.Figure(go.Bar(x=["a"], y=[1]))
    assert figures.display_as_charts(True)
    data, _ = shell.display_formatter.format(fig)
    assert data == {} and len(shown) == 1 and isinstance(shown[0], figures.Chart)
    assert _without_uids(shown[0].to_dict()) == fig.to_dict()
    shown[0].close()
    assert not figures.display_as_charts(False)
    shell.display_formatter.format(fig)  # plotly's own display (its renderers)
    assert not [x for x in shown[1:] if isinstance(x, figures.Chart)]
    with pytest.raises(KeyError):
        shell.display_formatter.ipython_display_formatter.lookup_by_type(go.Figure)


def test_spread_compare_from_change_keeps_the_charts_it_does_not_change(spread_view):
    """Only the Sankey and the minimum-visits chart depend on the compare-from date: the
    other six keep their widgets (nothing sent, nothing drawn again)."""
    import ipywidgets as w

    from eyanalysis.apps.spread import TABS

    page, tabs = _spread_page(spread_view)
    for i in [*range(1, len(TABS)), 0]:
        tabs.selected_index = i
    before = _charts(page)
    start = next(x for x in walk(page) if isinstance(x, w.DatePicker)
                 and x.description == "Compare from")
    start.value = dt.date(2026, 3, 1)
    for i in [*range(1, len(TABS)), 0]:
        tabs.selected_index = i
    after = _charts(page)
    kept = [a for a, b in zip(before, after, strict=True) if a is b]
    assert len(after) == 8 and len(kept) == 6
    assert all(c.comm is not None for c in after)
    assert {id(c) for c in before} - {id(c) for c in kept} == \
        {id(c) for c in before if c.comm is None}  # the two replaced are closed
    for c in after:
        c.close()

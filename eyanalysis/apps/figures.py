"""Charts of the apps as widgets that stay on the page (issue #12 item 5, "Fast").

In plotly 7 a ``go.FigureWidget`` is an anywidget whose state carries the whole plotly.js
widget bundle (about 5 MB) as its ``_esm`` module, and the browser evaluates that module
once per widget. A page of eight charts rebuilt on every change therefore shipped about
40 MB and evaluated plotly.js eight times per change (docs/performance.md, "The apps").

Here:

* :class:`Chart` is a ``FigureWidget`` whose ``_esm`` is a few lines that wait for the
  bundle shared by the page; the bundle itself travels once per kernel, in the state of
  one :class:`PlotlyBundle` widget (created with the first chart), and is evaluated once
  per browser page however many charts and kernels the page shows. This works with no
  network and the same way in Voila and JupyterLab: nothing is fetched by URL.
* :func:`show_in` puts a new figure on the page as a new :class:`Chart` (closing the one
  it replaces): plotly's own view draws it whole from the widget's state. A chart costs a
  few kB now that plotly.js travels once. The apps use it on every control change.
* :func:`redraw` puts a new figure into an existing chart in place (one
  ``batch_update``: the properties that changed are sent, nothing else). The apps no longer
  use it: plotly's view drops an update that reaches it while it is still drawing (its
  listeners are attached only when ``newPlot`` has finished), and the page then keeps the old
  chart (seen in CI on the team manager's Sankey, and on the planner's chart before).
"""

from __future__ import annotations

from copy import deepcopy
from pathlib import Path

import anywidget
import plotly
import plotly.graph_objects as go
import traitlets

#: The plotly.js widget module plotly's own FigureWidget loads.
BUNDLE = Path(plotly.__file__).parent / "package_data" / "widgetbundle.js"
#: The page-wide promise of the evaluated bundle (one per browser page).
_GLOBAL = "__eyanalysisPlotlyWidget"
_SHARED = """
function shared() {
  const g = globalThis;
  if (!g.SHARED_KEY) {
    let done, failed;
    const p = new Promise((resolve, reject) => { done = resolve; failed = reject; });
    p.done = done;
    p.failed = failed;
    g.SHARED_KEY = p;
  }
  return g.SHARED_KEY;
}
""".replace("SHARED_KEY", _GLOBAL)
#: Module of the bundle carrier: evaluates the bundle once per page and shares it.
LOADER_ESM = _SHARED + """
export default {
  async initialize({ model }) {
    const p = shared();
    if (p.started) return;
    p.started = true;
    const url = URL.createObjectURL(new Blob([model.get("bundle")],
                                             { type: "text/javascript" }));
    try {
      p.done(await import(url));
    } catch (err) {
      p.started = false;
      p.failed(err);
      throw err;
    } finally {
      URL.revokeObjectURL(url);
    }
  },
};
"""
#: Module of each chart: plotly's own widget (``default()`` gives one per model), taken from
#: the shared bundle.
CHART_ESM = _SHARED + """
export default async () => (await shared()).default();
"""


class PlotlyBundle(anywidget.AnyWidget):
    """Carries plotly's widget bundle to the browser once per kernel; never displayed."""

    _esm = LOADER_ESM
    bundle = traitlets.Unicode("").tag(sync=True)


_carrier: PlotlyBundle | None = None


def carrier() -> PlotlyBundle:
    """The kernel's bundle carrier, (re)created when missing or closed."""
    global _carrier
    if _carrier is None or _carrier.comm is None:
        _carrier = PlotlyBundle(bundle=BUNDLE.read_text(encoding="utf-8"))
    return _carrier


class Chart(go.FigureWidget):
    """A plotly ``FigureWidget`` that loads plotly.js from the page's shared bundle instead
    of carrying its own copy."""

    _esm = CHART_ESM

    def __init__(self, *args, **kwargs):
        carrier()  # before the chart, so its module is on the way first
        super().__init__(*args, **kwargs)


def _same(a, b) -> bool:
    try:
        return bool(a == b)
    except (ValueError, TypeError):  # arrays inside: compare as changed
        return False


def show_in(box, fig: go.Figure) -> Chart:
    """``fig`` as a new :class:`Chart`, the only child of ``box`` (an ipywidgets box); the
    chart it replaces is closed (its model leaves the page)."""
    old = tuple(box.children)
    chart = Chart(fig)
    box.children = (chart,)
    for widget in old:
        widget.close()
    return chart


def redraw(chart: go.FigureWidget, fig: go.Figure) -> go.FigureWidget:
    """Show ``fig`` in ``chart`` in place: traces of the same kinds are restyled (only the
    properties that differ are sent), otherwise replaced; the layout is relaid out the
    same way. The widget's saved state follows, so a page connecting later (a reload in
    JupyterLab) draws the new figure."""
    new_traces = [t.to_plotly_json() for t in fig.data]
    new_layout = fig.layout.to_plotly_json()
    same_kinds = [t.type for t in chart.data] == [t["type"] for t in new_traces]
    with chart.batch_update():
        if same_kinds:
            for trace, new in zip(chart.data, new_traces, strict=True):
                new = {k: v for k, v in new.items() if k not in ("type", "uid")}
                for key in trace.to_plotly_json().keys() - new.keys() - {"type", "uid"}:
                    trace[key] = None
                trace.update(new, overwrite=True)
        old_layout = chart.layout.to_plotly_json()
        for key in old_layout.keys() - new_layout.keys():
            chart.layout[key] = None
        chart.layout.update({k: v for k, v in new_layout.items()
                             if not _same(old_layout.get(k), v)}, overwrite=True)
    if not same_kinds:
        chart.data = []
        chart.add_traces(list(fig.data))
    # plotly syncs the widget's figure state only when a widget is built or displayed
    # (restyle and relayout reach only the views open now): refresh it, a few kB
    chart._widget_data = deepcopy(chart._data)
    chart._widget_layout = deepcopy(chart._layout_obj._props)
    return chart

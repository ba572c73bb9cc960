"""Charts of the apps as widgets that stay on the page (issue #12 item 5, "Fast").

In plotly 7 a ``go.FigureWidget`` is an anywidget whose state carries the whole plotly.js
widget bundle (about 5 MB) as its ``_esm`` module, and the browser evaluates that module
once per widget. A page of eight charts rebuilt on every change therefore shipped about
40 MB and evaluated plotly.js eight times per change (docs/performance.md, "The apps").

Here:

* :class:`Chart` is a ``FigureWidget`` whose ``_esm`` is a short view of our own that
  draws the figure from the widget's state with ``Plotly.newPlot`` (:data:`CHART_ESM`);
  plotly.js itself travels once per kernel, in the state of one :class:`PlotlyBundle`
  widget (created with the first chart), and is evaluated once per browser page however
  many charts and kernels the page shows. It is a build of plotly.js with only the trace
  types the package draws (:data:`BUNDLE`, 1.4 MB against the 5 MB of plotly's widget
  bundle): a quarter of the code for the browser to evaluate before the first chart. This
  works with no network and the same way in Voila and JupyterLab: nothing is fetched by
  URL.
* :func:`show_in` puts a new figure on the page as a new :class:`Chart` (closing the one
  it replaces): the view draws it whole from the widget's state. A chart costs a
  few kB now that plotly.js travels once. The apps use it on every control change; a
  figure that did not change keeps its chart (nothing sent, nothing drawn again).
* :func:`display_as_charts` shows every figure a notebook displays as a :class:`Chart`
  while the notebook is interactive, so an app's page needs no second plotly.js for its
  static figures (Voila is told not to load plotly's static renderer).
* Not restyled in place: a changed figure is a new chart (plotly's own view lost updates
  that reached a chart still being drawn: seen in CI on the team manager's Sankey and on
  the planner's chart), so the view has no update path and sends nothing back to the
  kernel.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import anywidget
import plotly
import plotly.graph_objects as go
import traitlets

#: The plotly.js widget module plotly's own FigureWidget loads (about 5 MB: all of
#: plotly.js, maps included, and the widget's two-way sync).
PLOTLY_WIDGET_BUNDLE = Path(plotly.__file__).parent / "package_data" / "widgetbundle.js"
#: plotly.js with only the trace types the package draws (about 1.4 MB), an ES module whose
#: default export is ``Plotly``: built from ``apps/js`` (``npm ci && npm run build``; its
#: inputs' digest is in ``plotly-apps.json``, checked by the tests).
BUNDLE = Path(__file__).parent / "static" / "plotly-apps.min.js"
#: What the build of :data:`BUNDLE` wrote: the plotly.js version, the trace types, the
#: digest of its inputs.
MANIFEST = BUNDLE.with_name("plotly-apps.json")
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
// an app page (Voila's body says data-voila): charts are drawn as they come near the
// screen, and plotly.js is evaluated when the first one does
const lazy = () => !!(document.body && document.body.dataset.voila);
""".replace("SHARED_KEY", _GLOBAL)
#: Module of the bundle carrier: evaluates the bundle once per page and shares it. On an app
#: page, only once a chart needs it (:data:`CHART_ESM`): a page whose first screen has no
#: chart does not evaluate plotly.js (0.8-0.9 s of the browser's main thread on the CI
#: machine, docs/performance.md) before it is shown.
LOADER_ESM = _SHARED + """
export default {
  async initialize({ model }) {
    const p = shared();
    if (p.load) return;
    p.load = async () => {
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
    };
    if (p.wanted || !lazy()) await p.load();
  },
};
"""
#: How near the screen (above or below) a chart on an app page is drawn at once.
NEAR = "200px 0px"
#: Milliseconds without a chart being drawn before the next chart further down is drawn
#: in the background (when the browser is idle).
QUIET = 600
#: Module of each chart: ``Plotly.newPlot`` on the widget's data, layout and config (numpy
#: arrays arrive as binary buffers), once the element is on the page and shown: a widget's
#: view is rendered before it is put on the page, and a chart drawn while detached (or in
#: a hidden tab) measures its text as empty (its subtitle was drawn over its title).
#: ``render`` must not wait for that itself: the widget manager puts the view on the page
#: only once ``render`` has returned.
#:
#: On an app page (issue #12 item 5, first render) the first screen comes first: a chart
#: within :data:`NEAR` of the screen is drawn at once (``IntersectionObserver``); the others
#: keep their height (``ey-chart-waiting``, so the page does not jump) and are drawn one at
#: a time in the background, once no chart has been drawn for :data:`QUIET` ms and the
#: browser is idle, so a reader who scrolls or prints finds them drawn. A chart records
#: why it was drawn (``data-drawn``: ``near`` or ``idle``). In JupyterLab every chart is
#: drawn at once, as before.
CHART_ESM = _SHARED + """
// numpy arrays arrive as {dtype, shape, buffer: DataView} (plotly's _py_to_js), the
// undefined value as "_undefined_"
const TYPED = { int8: Int8Array, int16: Int16Array, int32: Int32Array, uint8: Uint8Array,
  uint16: Uint16Array, uint32: Uint32Array, float32: Float32Array, float64: Float64Array };
function plain(v) {
  if (Array.isArray(v)) return v.map(plain);
  if (v === "_undefined_") return undefined;
  if (!v || typeof v !== "object" || ArrayBuffer.isView(v)) return v;
  const view = v.buffer || v.value;
  if (view && ArrayBuffer.isView(view) && TYPED[v.dtype] && "shape" in v) {
    const T = TYPED[v.dtype];
    return new T(view.buffer, view.byteOffset, view.byteLength / T.BYTES_PER_ELEMENT);
  }
  const out = {};
  for (const k of Object.keys(v)) out[k] = plain(v[k]);
  return out;
}
function queue() {
  const p = shared();
  if (!p.fill) p.fill = { waiting: [], busy: 0, timer: null };
  return p.fill;
}
// Safari has no requestIdleCallback: the next task there
const idle = globalThis.requestIdleCallback || ((fn) => setTimeout(fn, 50));
function later() {
  const f = queue();
  clearTimeout(f.timer);
  f.timer = setTimeout(() => idle(() => {
    if (f.busy) { later(); return; }
    const next = f.waiting.shift();
    if (next) next();
  }, { timeout: 2000 }), QUIET_MS);
}
async function plotlyjs() {
  const p = shared();
  p.wanted = true;
  if (p.load) p.load();
  return (await p).default;
}
export default {
  render({ model, el }) {
    let Plotly = null, gone = false, watch = null, started = false;
    const wait = lazy(), f = queue();
    el.classList.add("ey-chart");
    if (wait) {
      el.classList.add("ey-chart-waiting");
      el.style.minHeight = ((model.get("_widget_layout") || {}).height || 450) + "px";
    }
    const draw = async (why) => {
      if (started || gone) { later(); return; }
      started = true;
      if (watch) { watch.disconnect(); watch = null; }
      f.busy += 1;
      try {
        const lib = await plotlyjs();
        if (gone) return;
        el.classList.remove("ey-chart-waiting");
        el.style.minHeight = "";
        el.dataset.drawn = why;
        Plotly = lib;
        await Plotly.newPlot(el, plain(model.get("_widget_data")),
                             plain(model.get("_widget_layout")),
                             plain(model.get("_config") || {}));
      } finally {
        f.busy -= 1;
        if (wait) later();
      }
    };
    const shown = () => {
      if (gone) return;
      if (!el.isConnected || !el.getClientRects().length) {
        requestAnimationFrame(shown);
        return;
      }
      if (!wait) {
        draw("shown");
        return;
      }
      // the margin counts on Voila's scrolling box (a margin on the window would be
      // clipped by it)
      watch = new IntersectionObserver((seen) => {
        if (seen.some((e) => e.isIntersecting)) draw("near");
      }, { root: el.closest("#rendered_cells"), rootMargin: "NEAR_MARGIN" });
      watch.observe(el);
      f.waiting.push(() => draw("idle"));
      later();
    };
    shown();
    return () => {
      gone = true;
      if (watch) watch.disconnect();
      if (Plotly) Plotly.purge(el);
    };
  },
};
""".replace("NEAR_MARGIN", NEAR).replace("QUIET_MS", str(QUIET))


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
    #: The JSON of the figure the chart was made from (:func:`show_in`); not sent.
    source = traitlets.Unicode("")

    def __init__(self, *args, **kwargs):
        carrier()  # before the chart, so its module is on the way first
        super().__init__(*args, **kwargs)


def _display_chart(fig: go.Figure) -> None:
    from IPython.display import display

    display(chart_of(fig))


def display_as_charts(on: bool = True) -> bool:
    """While ``on``, every plotly figure the notebook displays (``display(fig)``, or a
    figure a cell ends with) is shown as a :class:`Chart`: an app's page then draws every
    chart with the one plotly.js it shares, and Voila need not load plotly's renderer of
    static figures, a second plotly.js of 4.8 MB (``eyanalysis app`` denies it; issue #12
    item 5). Off (the notebook run headless, the termly run): plotly's own renderers, the
    static output unchanged. Returns whether it is on (false outside IPython)."""
    from IPython import get_ipython

    shell = get_ipython()
    if shell is None:
        return False
    formatter = shell.display_formatter.ipython_display_formatter
    if on:
        formatter.for_type(go.Figure, _display_chart)
    else:
        formatter.pop(go.Figure, None)
    return on


@functools.cache
def traces() -> frozenset[str]:
    """The trace types :data:`BUNDLE` registers (written by its build)."""
    return frozenset(json.loads(MANIFEST.read_text(encoding="utf-8"))["traces"])


def chart_of(fig: go.Figure, source: str | None = None) -> Chart:
    """``fig`` as a :class:`Chart`, from its JSON (``source``, or ``fig.to_json()``) and
    without validating it again: ``fig`` was validated as it was built, and a second
    validation costs as much as building it (15-50 ms a chart, the template mostly;
    docs/performance.md, "The apps"); plotly loads its own templates the same way
    (``Template(..., _validate=False)``). The JSON, not ``fig.to_dict()``: the widget's own
    serialiser sends a date column as nanoseconds since 1970 (a panel meeting drawn at
    1.7e18), plotly's JSON sends dates as dates and numbers as typed arrays. A trace type
    :data:`BUNDLE` does not register is refused (the chart would be drawn wrong)."""
    missing = {t.type for t in fig.data} - traces()
    if missing:
        raise RuntimeError(
            f"the apps' plotly.js has no {', '.join(sorted(missing))} trace: import it in "
            "eyanalysis/apps/js/entry.mjs and run `npm ci && npm run build` there")
    return Chart(json.loads(source or fig.to_json()), _validate=False)


def show_in(box, fig: go.Figure) -> Chart:
    """``fig`` as the only child of ``box`` (an ipywidgets box): a new :class:`Chart`, the
    chart it replaces closed (its model leaves the page); or, when ``box`` already shows a
    chart of the same figure, that chart, left alone (nothing is sent, the browser draws
    nothing)."""
    source = fig.to_json()
    old = tuple(box.children)
    if (len(old) == 1 and isinstance(old[0], Chart) and old[0].comm is not None
            and old[0].source == source):
        return old[0]
    chart = chart_of(fig, source)
    chart.source = source  # what it was drawn from, to know an unchanged figure
    box.children = (chart,)
    for widget in old:
        widget.close()
    return chart

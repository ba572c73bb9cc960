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
  few kB now that plotly.js travels once. The apps use it on every control change; a
  figure that did not change keeps its chart (nothing sent, nothing drawn again).
* :func:`display_as_charts` shows every figure a notebook displays as a :class:`Chart`
  while the notebook is interactive, so an app's page needs no second plotly.js for its
  static figures (Voila is told not to load plotly's static renderer).
* Not restyled in place: plotly's view attaches its update listeners only when ``newPlot``
  has finished, so an update reaching a chart still being drawn is lost and the page keeps
  the old chart (seen in CI on the team manager's Sankey, and on the planner's chart).
"""

from __future__ import annotations

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
#: Module of each chart: plotly's own widget (``default()`` gives one per model), taken from
#: the shared bundle, drawn once its element is on the page and shown. Plotly's view calls
#: ``newPlot`` at once, and a widget's view is rendered before it is put on the page: a
#: chart drawn while detached (or in a hidden tab) measures its text as empty, so the
#: subtitle was drawn over the title of every chart made after the page's first (the
#: bundle no longer delayed them). ``render`` must not wait for that itself: the widget
#: manager puts the view on the page only once ``render`` has returned.
#:
#: On an app page (issue #12 item 5, first render) the first screen comes first: a chart
#: within :data:`NEAR` of the screen is drawn at once (``IntersectionObserver``); the others
#: keep their height (``ey-chart-waiting``, so the page does not jump) and are drawn one at
#: a time in the background, once no chart has been drawn for :data:`QUIET` ms and the
#: browser is idle, so a reader who scrolls or prints finds them drawn. A chart records
#: why it was drawn (``data-drawn``: ``near`` or ``idle``). In JupyterLab every chart is
#: drawn at once, as before.
CHART_ESM = _SHARED + """
function queue() {
  const p = shared();
  if (!p.fill) p.fill = { waiting: [], busy: 0, timer: null };
  return p.fill;
}
function later() {
  const f = queue();
  clearTimeout(f.timer);
  f.timer = setTimeout(() => requestIdleCallback(() => {
    if (f.busy) { later(); return; }
    const next = f.waiting.shift();
    if (next) next();
  }, { timeout: 2000 }), QUIET_MS);
}
export default () => {
  let plotly = null;
  const widget = async (model) => {
    if (!plotly) {
      const p = shared();
      p.wanted = true;
      if (p.load) p.load();
      const made = (await p).default();
      if (!plotly) {
        made.initialize({ model });
        plotly = made;
      }
    }
    return plotly;
  };
  return {
    initialize() {},
    render(ctx) {
      let cleanup = null, gone = false, watch = null, started = false;
      const el = ctx.el, wait = lazy(), f = queue();
      el.classList.add("ey-chart");
      if (wait) {
        el.classList.add("ey-chart-waiting");
        el.style.minHeight = ((ctx.model.get("_widget_layout") || {}).height || 450) + "px";
      }
      const draw = async (why) => {
        if (started || gone) { later(); return; }
        started = true;
        if (watch) { watch.disconnect(); watch = null; }
        f.busy += 1;
        try {
          const view = await widget(ctx.model);
          if (gone) return;
          el.classList.remove("ey-chart-waiting");
          el.style.minHeight = "";
          el.dataset.drawn = why;
          cleanup = view.render(ctx);
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
        if (cleanup) cleanup();
      };
    },
  };
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


def chart_of(fig: go.Figure) -> Chart:
    """``fig`` as a :class:`Chart`, without validating it again: ``fig`` was validated as it
    was built, and a second validation costs as much as building it (15-50 ms a chart,
    the template mostly; docs/performance.md, "The apps"). plotly loads its own templates
    the same way (``Template(..., _validate=False)``)."""
    return Chart(fig.to_dict(), _validate=False)


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
    chart = chart_of(fig)
    chart.source = source  # what it was drawn from, to know an unchanged figure
    box.children = (chart,)
    for widget in old:
        widget.close()
    return chart

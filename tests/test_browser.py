"""The notebooks in a real browser: headless Debian chromium through Playwright.

nbval and papermill never run JavaScript, so they cannot see whether ipywidgets and plotly
render or whether a control changes what is shown. These tests do, in three places:

* JupyterLab (one server for the module): each analysis notebook, copied with
  ``interactive = True``, is run with Run All; its widgets and plotly charts must render and
  changing one control must change a shown number and a chart.
* Voila: the categorisation notebook as a dashboard; changing the date must change the
  spread shown.
* The offline termly report (``eyanalysis.jobs.termly.export_html``) opened from ``file://`` with
  every network request aborted: the charts must still render.

Never skipped: without chromium, JupyterLab or Voila the tests fail and say what to install.
Screenshots go to tests/artifacts/ (ignored by git). GUIDE.md §1 has the recipe.
"""

from __future__ import annotations

import contextlib
import json
import secrets
import urllib.request
from pathlib import Path

import pytest

from tests.browser import (
    ARTIFACTS,
    CHROMIUM,
    LAUNCH_ARGS,
    ROOT,
    VIEWPORT,
    Server,
    free_port,
    interactive_copy,
    jupyter_env,
    require_chromium,
    require_tool,
    screenshot,
)

NOTEBOOKS = ROOT / "notebooks"
RUN_TIMEOUT = 180_000  # ms for Run All of one notebook (about 25 s on 2 shared cores)
CHANGE_TIMEOUT = 60_000  # ms for a widget change to reach the page

# JavaScript run in the page ------------------------------------------------------------

# Signature of the plotly charts under a root element: path geometry and text of every
# main SVG, so a re-drawn chart with other data gives another string.
PLOT_SIGNATURE = """(root) => [...root.querySelectorAll('.js-plotly-plot .main-svg')].map(svg =>
    [...svg.querySelectorAll('path')].map(p => p.getAttribute('d')).join('|')
    + '#' + svg.textContent).join('\\n')"""

ALL_RAN = """() => {
    const errors = document.querySelectorAll(
        '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.error"]');
    if (errors.length) return true;
    const prompts = [...document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputPrompt')];
    return prompts.length > 0 && prompts.every(e => /\\[\\d+\\]/.test(e.textContent));
}"""

# Title and number of traces of every plotly chart inside the first ipywidgets VBox.
WIDGET_CHARTS = """(root) => { const box = root.querySelector('.widget-vbox');
    return box ? [...box.querySelectorAll('.js-plotly-plot')].map(p => ({
        title: (p.querySelector('.gtitle') || {}).textContent || '(no title)',
        traces: (p.data || []).length})) : []; }"""

ERRORS = """() => [...document.querySelectorAll(
    '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.error"]')]
    .map(e => e.innerText.slice(-1500))"""


# Fixtures ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def browser():
    """One headless Debian chromium for the module (never a downloaded browser)."""
    executable = require_chromium()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("playwright is not installed: `pip install playwright` (or "
                    "`pip install -e '.[test]'`); the browser is Debian's chromium, never "
                    "`playwright install`.", pytrace=False)
    with sync_playwright() as p:
        try:
            chromium = p.chromium.launch(executable_path=executable, args=LAUNCH_ARGS)
        except Exception as exc:
            pytest.fail(f"could not start {CHROMIUM} through Playwright: {exc}\n"
                        "Install Debian's browser with `apt-get install -y chromium`.",
                        pytrace=False)
        yield chromium
        chromium.close()


class Lab:
    def __init__(self, server: Server, folder: Path, url: str, token: str):
        self.server, self.folder, self.url, self.token = server, folder, url, token

    def shutdown_kernels(self) -> None:
        """Stop every kernel (one notebook's kernel must not slow the next down)."""
        headers = {"Authorization": f"token {self.token}"}
        req = urllib.request.Request(f"{self.url}/api/kernels", headers=headers)
        with urllib.request.urlopen(req, timeout=10) as resp:
            kernels = json.load(resp)
        for k in kernels:
            urllib.request.urlopen(urllib.request.Request(
                f"{self.url}/api/kernels/{k['id']}", method="DELETE", headers=headers),
                timeout=20).close()


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """One JupyterLab on loopback for the notebook tests, stopped (and waited for) after."""
    jupyter = require_tool("jupyter", "jupyterlab")
    base = tmp_path_factory.mktemp("lab")
    folder = base / "notebooks"
    folder.mkdir()
    port, token = free_port(), secrets.token_hex(16)
    url = f"http://127.0.0.1:{port}"
    server = Server("JupyterLab", [
        jupyter, "lab", "--no-browser", "--allow-root", "--ip=127.0.0.1", f"--port={port}",
        "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
        "--LabApp.expose_app_in_browser=True", f"--ServerApp.root_dir={folder}",
        "--LabApp.news_url=None", "--LabApp.check_for_updates_class="
        "jupyterlab.NeverCheckForUpdate"],
        folder, jupyter_env(base), base / "lab.log", url, "/api/status")
    server.start(timeout=90)
    try:
        yield Lab(server, folder, url, token)
    finally:
        server.stop()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport=VIEWPORT)
    pg = context.new_page()
    pg.set_default_timeout(30_000)
    yield pg
    context.close()


# Helpers -------------------------------------------------------------------------------

def _fail(page, name: str, message: str, server: Server | None = None) -> None:
    shot = screenshot(page, f"{name}-failure")
    log = f"\n{server.tail()}" if server else ""
    pytest.fail(f"{message}\nscreenshot: {shot}{log}", pytrace=False)


def _wait(page, name: str, what: str, fn: str, arg=None, timeout=CHANGE_TIMEOUT,
          server: Server | None = None) -> None:
    """page.wait_for_function that fails readably (what was awaited, screenshot, log)."""
    try:
        page.wait_for_function(fn, arg=arg, timeout=timeout, polling=250)
    except Exception as exc:
        _fail(page, name, f"{name}: timed out after {timeout / 1000:.0f} s waiting for "
                          f"{what} ({type(exc).__name__})", server)


def run_in_lab(page, lab: Lab, notebook: str, **values):
    """Copy ``notebook`` with interactive=True, open it in JupyterLab, Run All; return the
    output area holding its ipywidgets (the first one), after widgets and charts render."""
    source = NOTEBOOKS / notebook
    if not source.exists():
        pytest.fail(f"{source} does not exist", pytrace=False)
    interactive_copy(source, lab.folder, **values)
    name = Path(notebook).stem
    page.goto(f"{lab.url}/lab/tree/{notebook}?reset&token={lab.token}")
    # The status bar names the notebook and reads "(ipykernel) | Idle" only once the
    # kernel is really up; the toolbar says idle too early (GUIDE.md §1).
    _wait(page, name, f"the status bar to read '(ipykernel) | Idle' for {notebook}",
          """(nb) => { const s = document.querySelector('#jp-main-statusbar');
                       return !!s && /\\| Idle/.test(s.innerText) && s.innerText.includes(nb); }""",
          arg=notebook, timeout=90_000, server=lab.server)
    page.evaluate("window.jupyterapp.commands.execute('application:toggle-left-area')")
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    _wait(page, name, "Run All to finish (every code cell numbered)", ALL_RAN,
          timeout=RUN_TIMEOUT, server=lab.server)
    errors = page.evaluate(ERRORS)
    if errors:
        _fail(page, name, f"{notebook} raised in JupyterLab:\n" + "\n---\n".join(errors),
              lab.server)
    return widget_area(page, name, ".jp-OutputArea-output", lab.server)


def widget_area(page, name: str, output_selector: str, server: Server | None = None,
                drawn: bool = True):
    """The first output holding ipywidgets, once its controls and plotly charts render
    (with ``drawn``: once every chart in the widget box has at least one trace)."""
    area = page.locator(output_selector).filter(
        has=page.locator(".jupyter-widgets.widget-vbox")).first
    _wait(page, name, "ipywidgets to render (.jupyter-widgets.widget-vbox in an output)",
          """(sel) => [...document.querySelectorAll(sel)].some(
                 o => o.querySelector('.jupyter-widgets.widget-vbox'))""",
          arg=output_selector, server=server)
    _wait(page, name, "the widget's plotly chart to render (.js-plotly-plot .main-svg)",
          """(sel) => [...document.querySelectorAll(sel)].some(
                 o => o.querySelector('.jupyter-widgets.widget-vbox')
                      && o.querySelector('.js-plotly-plot .main-svg path'))""",
          arg=output_selector, server=server)
    if drawn:
        show_controls(area)  # in view: a chart scrolled out of sight may not be drawn yet
        _wait(page, name, "every plotly chart in the widget box to hold data (traces)",
              f"""(root) => {{ const c = ({WIDGET_CHARTS})(root);
                              return c.length > 0 && c.every(x => x.traces > 0); }}""",
              arg=area.element_handle(), server=server)
    show_controls(area)
    return area


def widget_charts(area) -> list[dict]:
    """Title and number of traces of each plotly chart in the widget box."""
    return area.evaluate(WIDGET_CHARTS)


def show_controls(area) -> None:
    """Scroll so the widget box's controls are at the top of the view (for screenshots)."""
    area.locator(".widget-vbox").first.evaluate("e => e.scrollIntoView({block: 'start'})")


def plot_signature(area) -> str:
    return area.evaluate(PLOT_SIGNATURE)


def wait_for_change(page, name: str, area, text_selector: str, text_before: str,
                    plot_before: str, server: Server | None = None) -> tuple[str, str]:
    """Wait until both the text of ``text_selector`` and the charts in ``area`` change."""
    handle = area.element_handle()
    _wait(page, name, f"the text of {text_selector} to change from {text_before!r}",
          """([root, sel, before]) => { const e = root.querySelector(sel);
                                        return !!e && e.innerText !== before; }""",
          arg=[handle, text_selector, text_before], server=server)
    _wait(page, name, "the plotly chart in the widget to change",
          f"""([root, before]) => ({PLOT_SIGNATURE})(root) !== before""",
          arg=[handle, plot_before], server=server)
    return area.locator(text_selector).first.inner_text(), plot_signature(area)


def after_change(page, name: str, area, server: Server | None = None) -> None:
    """After a change: every chart in the widget box still holds data; screenshot."""
    _wait(page, name, "every plotly chart in the widget box to hold data after the change",
          f"""(root) => ({WIDGET_CHARTS})(root).every(x => x.traces > 0)""",
          arg=area.element_handle(), server=server)
    show_controls(area)
    page.wait_for_timeout(500)  # let plotly finish its transition before the picture
    screenshot(page, f"{name}-after")


def assert_charts(page, name: str, minimum: int) -> int:
    n = page.evaluate("""() => [...document.querySelectorAll('.js-plotly-plot')]
                             .filter(p => p.querySelector('.main-svg')).length""")
    if n < minimum:
        _fail(page, name, f"{name}: {n} plotly chart(s) rendered, expected at least {minimum}")
    return n


# JupyterLab ----------------------------------------------------------------------------

def test_categorisation_explorer_in_jupyterlab(page, lab):
    """explorer(): District/Provider dropdowns and a DatePicker drive a note and three
    FigureWidgets; choosing one district changes the count and the spread-by-district bars."""
    name = "lab-categorisation_spread"
    area = run_in_lab(page, lab, "categorisation_spread.ipynb")
    assert_charts(page, name, 3 + 5)  # 3 FigureWidgets + 5 static figures
    district = area.locator(".widget-dropdown", has_text="District").locator("select")
    assert district.count() == 1, "no District dropdown in the explorer"
    assert area.locator(".widget-datepicker input[type=date]").count() == 1
    note_before = area.locator(".widget-html").first.inner_text()
    plot_before = plot_signature(area)
    assert "settings on" in note_before, note_before
    screenshot(page, f"{name}-before")

    options = district.locator("option").all_inner_texts()
    district.select_option(index=1)
    note_after, _ = wait_for_change(page, name, area, ".widget-html", note_before,
                                    plot_before, lab.server)
    after_change(page, name, area, lab.server)
    assert options[1] != "all" and note_after.split()[0] != note_before.split()[0], (
        note_before, note_after)
    lab.shutdown_kernels()


def test_panel_dashboard_in_jupyterlab(page, lab):
    """dashboard(): Panel date and Kind dropdowns drive the queue table (an HTML widget) and
    the queue-over-time FigureWidget; choosing one kind changes the count and hides traces."""
    name = "lab-panel_caseload"
    area = run_in_lab(page, lab, "panel_caseload.ipynb")
    assert_charts(page, name, 1 + 5)
    kind = area.locator(".widget-dropdown", has_text="Kind").locator("select")
    assert area.locator(".widget-dropdown", has_text="Panel date").count() == 1
    assert kind.count() == 1, "no Kind dropdown in the dashboard"
    out = ".widget-html"
    _wait(page, name, "the queue text in the dashboard's HTML widget",
          """(root) => /application\\(s\\) open/.test(root.innerText)""",
          arg=area.element_handle(), server=lab.server)
    text_before = area.locator(out).first.inner_text()
    plot_before = plot_signature(area)
    screenshot(page, f"{name}-before")

    kind.select_option(index=1)  # the first single kind (Exceptional funding)
    text_after, _ = wait_for_change(page, name, area, out, text_before, plot_before,
                                    lab.server)
    after_change(page, name, area, lab.server)
    assert "application(s) open" in text_after, text_after
    lab.shutdown_kernels()


def test_funding_forecast_sliders_in_jupyterlab(page, lab):
    """live(): six rate sliders re-cost the forecast; the EYPP slider moved one step with
    ArrowRight on its handle changes the readout, the first-year total and the what-if line.
    The schemes view (issue #14) shows its crosswalk assumptions and regroups on a click."""
    name = "lab-funding_forecast"
    area = run_in_lab(page, lab, "funding_forecast.ipynb")
    assert_charts(page, name, 1 + 3)
    sliders = area.locator(".widget-slider")
    assert sliders.count() == 6, f"{sliders.count()} sliders, expected 6"
    eypp = sliders.filter(has_text="EYPP")
    readout = eypp.locator(".widget-readout")
    value_before = readout.inner_text()
    totals_before = area.locator(".widget-html").first.inner_text()
    plot_before = plot_signature(area)
    assert "expected" in totals_before, totals_before
    screenshot(page, f"{name}-before")

    handle = eypp.locator(".noUi-handle")
    handle.focus()
    handle.press("ArrowRight")
    _wait(page, name, f"the EYPP readout to move from {value_before}",
          "([e, before]) => e.innerText !== before", arg=[readout.element_handle(),
                                                          value_before], server=lab.server)
    totals_after, _ = wait_for_change(page, name, area, ".widget-html", totals_before,
                                      plot_before, lab.server)
    after_change(page, name, area, lab.server)
    assert float(readout.inner_text()) == pytest.approx(float(value_before) + 0.01)
    assert "against baseline" in totals_after and "+0.00 against" not in totals_after, (
        totals_after)

    # issue #14: the schemes view (its own output, further down) renders its chart with the
    # crosswalk assumptions under it, and the grouping toggle regroups the chart
    view = page.locator(".jp-OutputArea-output").filter(
        has=page.locator(".widget-toggle-buttons")).first
    view.evaluate("e => e.scrollIntoView({block: 'start'})")
    _wait(page, name, "the schemes chart drawn, grouped by home level",
          "(v) => { const t = v.querySelector('.js-plotly-plot .gtitle');"
          " return !!t && /by level/.test(t.textContent); }",
          arg=view.element_handle(), server=lab.server)
    assumptions = view.locator(".widget-html", has_text="Crosswalk assumptions")
    assert assumptions.count() == 1, "no crosswalk assumptions under the schemes chart"
    assert "tier3 (central, high)" in assumptions.inner_text()
    assert "Effect of the pot" in view.locator(".widget-html", has_text="Children funded"
                                               ).inner_text()
    view.locator(".widget-toggle-button", has_text="Setting type").click()
    _wait(page, name, "the schemes chart to regroup by setting type",
          "(v) => /by setting type/.test(v.querySelector('.js-plotly-plot .gtitle')"
          ".textContent)", arg=view.element_handle(), server=lab.server)
    screenshot(page, f"{name}-schemes")
    lab.shutdown_kernels()


# Voila ---------------------------------------------------------------------------------

class VoilaPage:
    """The Voila dashboard as first loaded (state recorded before any test changes it)."""

    name = "voila-categorisation_spread"

    def __init__(self, server: Server, page, area, charts: list[dict], failed: list[str]):
        self.server, self.page, self.area = server, page, area
        self.charts_on_load, self.failed_requests = charts, failed
        self.notes: tuple[str, str] | None = None
        self.charts_after: list[dict] = []


@pytest.fixture(scope="module")
def voila_page(browser, tmp_path_factory):
    """Voila serving the interactive categorisation notebook, opened once for the module."""
    voila = require_tool("voila", "voila")
    base = tmp_path_factory.mktemp("voila")
    notebook = interactive_copy(NOTEBOOKS / "categorisation_spread.ipynb", base / "nb")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = Server("Voila", [
        voila, notebook.name, "--no-browser", f"--port={port}", "--Voila.ip=127.0.0.1",
        "--Voila.port_retries=0", "--show_tracebacks=True"],
        notebook.parent, jupyter_env(base / "jupyter"), base / "voila.log", url,
        ready_path=None)  # a GET / would start a kernel and run the notebook
    server.start()
    context = browser.new_context(viewport=VIEWPORT)
    try:
        page = context.new_page()
        page.set_default_timeout(30_000)
        failed: list[str] = []
        page.on("requestfailed", lambda r: failed.append(r.url))
        page.goto(url + "/")
        area = widget_area(page, VoilaPage.name, ".jp-OutputArea-output", server, drawn=False)
        _wait(page, VoilaPage.name, "the explorer's note ('N settings on DATE')",
              "(root) => /settings on/.test(root.innerText)", arg=area.element_handle(),
              server=server)
        page.wait_for_timeout(3000)  # give the charts the time a person would
        charts = widget_charts(area)
        screenshot(page, f"{VoilaPage.name}-before")
        yield VoilaPage(server, page, area, charts, failed)
    finally:
        context.close()
        server.stop()


NEW_DATE = "2025-11-24"


def change_date(v: VoilaPage) -> tuple[str, str]:
    """Set the explorer's DatePicker to NEW_DATE once; (note before, note after)."""
    if getattr(v, "notes", None) is None:
        area = v.area
        date = area.locator(".widget-datepicker input[type=date]")
        assert date.count() == 1, "no DatePicker in the Voila page"
        note_before = area.locator(".widget-html").first.inner_text()
        plot_before = plot_signature(area)
        date.fill(NEW_DATE)
        note_after, _ = wait_for_change(v.page, VoilaPage.name, area, ".widget-html",
                                        note_before, plot_before, v.server)
        v.notes = (note_before, note_after)
        show_controls(area)
        # the transitions chart is redrawn last: give it up to 20 s to show the new date
        for _ in range(40):
            v.charts_after = widget_charts(area)
            if any(f"to {NEW_DATE}" in c["title"] for c in v.charts_after):
                break
            v.page.wait_for_timeout(500)
        screenshot(v.page, f"{VoilaPage.name}-after")
    return v.notes


def test_voila_dashboard_date_change(voila_page):
    """Voila: District/Provider dropdowns and the DatePicker render; a new date changes the
    spread shown (note) and the charts."""
    v = voila_page
    assert v.area.locator(".widget-dropdown", has_text="District").count() == 1
    assert v.area.locator(".widget-dropdown", has_text="Provider").count() == 1
    note_before, note_after = change_date(v)
    assert f"on {NEW_DATE}" in note_after and note_after != note_before, note_after
    errors = v.page.locator(".jp-OutputArea-output[data-mime-type="
                            "'application/vnd.jupyter.error']").all_inner_texts()
    assert not errors, "\n".join(errors)


def test_voila_figurewidgets_follow_date_change(voila_page):
    """Voila: after the date change all three FigureWidgets hold data and the transitions
    chart is titled with the new date (as in JupyterLab)."""
    v = voila_page
    change_date(v)
    charts = v.charts_after
    empty = [c["title"] for c in charts if c["traces"] == 0]
    titled = any(f"to {NEW_DATE}" in c["title"] for c in charts)
    assert len(charts) == 3 and not empty and titled, (
        f"in Voila, after setting the date to {NEW_DATE}, explorer()'s FigureWidgets show "
        f"{charts} (empty: {empty}; transitions chart titled with the new date: {titled}). "
        f"Screenshot: {ARTIFACTS / (VoilaPage.name + '-after.png')}")


def test_voila_figurewidgets_drawn_on_load(voila_page):
    """Voila: the explorer's three FigureWidgets hold their traces as soon as the page has
    loaded (not only after a control is changed)."""
    charts = voila_page.charts_on_load
    empty = [c["title"] for c in charts if c["traces"] == 0]
    assert len(charts) == 3 and not empty, (
        f"in Voila {len(empty)} of {len(charts)} FigureWidget chart(s) of explorer() are "
        f"empty after load: {charts}. The widgets are filled with add_traces() after "
        "go.FigureWidget() was built empty and before display; in Voila the browser only "
        "gets the widget state (_widget_data, still []) once the notebook has run, not "
        "those update messages. Build each FigureWidget from a finished figure "
        "(go.FigureWidget(fig)) in eyanalysis/apps/spread.py explorer() and "
        "eyanalysis/charts/forecast.py live(). "
        f"Screenshot: {ARTIFACTS / (VoilaPage.name + '-before.png')}")


# Offline report ------------------------------------------------------------------------

def test_termly_report_opens_offline(page, termly_run):
    """The termly report HTML of the session's termly run (export_html of the summary run
    with the termly renderer) draws its plotly charts from file:// with every network
    request aborted."""
    name = "offline-termly_summary"
    target = termly_run.folder / "report.html"

    attempted: list[str] = []

    def only_files(route):
        url = route.request.url
        if url.startswith(("file:", "data:", "blob:")):
            route.continue_()
        else:
            attempted.append(url)
            route.abort()

    page.route("**/*", only_files)
    page.on("request", lambda r: None if r.url.startswith(("file:", "data:", "blob:"))
            or r.url in attempted else attempted.append(r.url))
    page.goto(target.as_uri(), wait_until="load")
    with contextlib.suppress(Exception):  # the assertion below says what rendered
        page.wait_for_function("""() => [...document.querySelectorAll('.js-plotly-plot')]
                                      .filter(p => p.querySelector('.main-svg path'))
                                      .length >= 3""", timeout=30_000, polling=250)
    page.locator(".js-plotly-plot").first.scroll_into_view_if_needed()
    shot = screenshot(page, name)
    n = page.evaluate("""() => [...document.querySelectorAll('.js-plotly-plot')]
                             .filter(p => p.querySelector('.main-svg')).length""")
    assert n >= 3, (f"{n} plotly chart(s) rendered offline in {target}, expected at least 3; "
                    f"network requests aborted: {attempted or 'none'}; screenshot: {shot}")
    assert not attempted, (f"the offline report tried to reach the network (aborted; the "
                           f"{n} charts rendered anyway): {attempted}; screenshot: {shot}")

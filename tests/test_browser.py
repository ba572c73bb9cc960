"""The notebooks in a real browser: headless Debian chromium through Playwright.

nbval and papermill never run JavaScript, so they cannot see whether ipywidgets and plotly
render or whether a control changes what is shown. These tests do, in three places:

* JupyterLab: the team manager's notebook, copied with ``interactive = True``, is run with
  Run All; its widgets and plotly charts must render in JupyterLab's own widget manager and
  choosing a district must change the headline and every chart in view.
* the apps served by Voila (``eyanalysis app NAME``) are driven in
  tests/test_apps_browser.py: the same notebooks' widgets, every flow of the three users.

One notebook in JupyterLab, not three (issue #10: each notebook executed once a session,
not again for each place it is shown): the planner's and the panel officer's widgets are
the same ipywidgets and plotly chart widgets (``eyanalysis.apps``), driven flow by flow
in Voila; that JupyterLab serves every notebook after the main command is checked in
tests/test_app_server.py.
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
    FILES,
    ROOT,
    VIEWPORT,
    Server,
    free_port,
    interactive_copy,
    jupyter_env,
    launched_chromium,
    only_requests_to,
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
    """One headless Debian chromium for the module."""
    yield from launched_chromium()


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


def widget_area(page, name: str, output_selector: str, server: Server | None = None):
    """The first output holding ipywidgets, once its controls render and every plotly chart
    in its widget box holds at least one trace."""
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
    show_controls(area)  # in view: a chart scrolled out of sight may not be drawn yet
    _wait(page, name, "every plotly chart in the widget box to hold data (traces)",
          f"""(root) => {{ const c = ({WIDGET_CHARTS})(root);
                          return c.length > 0 && c.every(x => x.traces > 0); }}""",
          arg=area.element_handle(), server=server)
    return area


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
    """`jupyter lab notebooks/` works after the main command: the team manager's page runs
    in JupyterLab; the four charts of its first tab render and choosing a district changes
    the headline and every chart in view (the apps themselves, every tab:
    tests/test_apps_browser.py)."""
    name = "lab-categorisation_spread"
    area = run_in_lab(page, lab, "categorisation_spread.ipynb")
    assert_charts(page, name, 4)
    district = page.get_by_label("District", exact=True)
    assert district.count() == 1, "no District dropdown in the explorer"
    assert area.locator(".widget-datepicker input[type=date]").count() == 2
    headline = ".widget-html b"
    _wait(page, name, "the headline sentence",
          "(root) => /Settings in Intensive support/.test(root.innerText)",
          arg=area.element_handle(), server=lab.server)
    note_before = area.locator(headline).first.inner_text()
    plot_before = plot_signature(area)
    screenshot(page, f"{name}-before")
    district.select_option(index=1)
    note_after, _ = wait_for_change(page, name, area, headline, note_before, plot_before,
                                    lab.server)
    after_change(page, name, area, lab.server)
    assert "across the county" in note_before and "across the county" not in note_after
    lab.shutdown_kernels()


# Offline report ------------------------------------------------------------------------

def test_termly_report_opens_offline(page, termly_run):
    """The termly report HTML of the session's termly run (export_html of the summary run
    with the termly renderer) draws its plotly charts from file:// with every network
    request aborted."""
    name = "offline-termly_summary"
    target = termly_run.folder / "report.html"

    attempted = only_requests_to(page, FILES)
    page.on("request", lambda r: None if r.url.startswith(FILES) or r.url in attempted
            else attempted.append(r.url))
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

"""The three apps as their users meet them (issue #12 "Done when"): each started with
``eyanalysis app NAME --no-browser`` as the README says, opened in headless Debian chromium
with every request outside 127.0.0.1 aborted (the apps work with no network), and driven
through its flow:

* team manager: choosing a district changes every chart on the page; a list (itables)
  filters as one types in its search box and sorts on a click on a heading; a list's
  download button yields a CSV and an Excel file with no formula;
* budget planner: a rate changed, the scenario saved under a name, then read back by
  ``eyanalysis forecast --scenario FILE --by financial-year``: the same figures; the
  schemes of other authorities compared in the same page;
* panel officer: the picker opens on the next meeting and shows its cards; another meeting
  shows its own cards.

Waits poll for a condition and fail naming it (with a screenshot and the server log).
Screenshots go to tests/artifacts/. Never skipped: without chromium or Voila they fail.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
import shutil
import sys
import time

import pandas as pd
import pytest

from eyanalysis.commands.app import REFILL_VARIABLE
from tests.browser import (
    ARTIFACTS,
    BIN,
    LOOPBACK,
    ROOT,
    VIEWPORT,
    Server,
    free_port,
    jupyter_env,
    launched_chromium,
    only_requests_to,
    screenshot,
)

# Waits are bounds for a stall, not expected times: a correct page under CI load (2 cores,
# two xdist workers each running end-to-end tests) first renders in 25-60 s (the data check
# and Voila's pre-heated kernel included) and redraws a change in 1-3 s (docs/performance.md,
# "The apps"). A page that stops answering still fails, naming what it waited for.
FIRST_RENDER = 240_000  # ms: the data check plus the first page on 2 shared cores
CHANGE = 60_000  # ms for one control change to reach every chart
# the page is idle: no busy indicator ("Updating the page…") on it. Waits test it before
# computing chart signatures (every path of every chart): a page polled with that work
# on loaded cores spends its time answering the poll instead of drawing
SETTLED = "() => !!document.body && !document.querySelector('.ey-busy')"
TODAY = dt.date.today()

# every chart drawn with its data, or empty and saying so in its title ("No setting had...")
DRAWN = """() => [...document.querySelectorAll('.js-plotly-plot')].every(p =>
    ((p.data || []).length > 0
     && !!p.querySelector('.sankey, .barlayer .point, .scatterlayer .trace'))
    || /^No /.test((p.querySelector('.gtitle') || {}).textContent || ''))"""
CHART_SIGNATURES = """() => [...document.querySelectorAll('.js-plotly-plot')].map(p =>
    [...p.querySelectorAll('.main-svg')].map(svg =>
        [...svg.querySelectorAll('path')].map(x => x.getAttribute('d')).join('|')
        + '#' + svg.textContent).join(''))"""


@pytest.fixture(scope="module")
def browser():
    yield from launched_chromium()


class App:
    """One ``eyanalysis app NAME`` server and a page on it (outside requests aborted)."""

    def __init__(self, name: str, server: Server, page, outside: list[str], params: str):
        self.name, self.server, self.page = name, server, page
        self.outside, self.params = outside, params
        self.first_drawn: list = []  # DRAWN_WHY once the page was first drawn

    def fail(self, message: str) -> None:
        shot = screenshot(self.page, f"app-{self.name}-failure")
        pytest.fail(f"{message}\nscreenshot: {shot}\n{self.server.tail(40)}", pytrace=False)

    def wait(self, what: str, fn: str, arg=None, timeout: int = CHANGE) -> None:
        try:
            self.page.wait_for_function(fn, arg=arg, timeout=timeout, polling=200)
        except Exception as exc:
            self.fail(f"app {self.name}: timed out after {timeout / 1000:.0f} s waiting for "
                      f"{what} ({type(exc).__name__})")

    def settle(self) -> None:
        """Wait until the kernel has finished the last change (no busy indicator) and every
        chart is drawn with its data."""
        self.wait("the busy indicator to clear", SETTLED)
        # the charts below the screen are drawn in the background (apps.figures.CHART_ESM)
        self.wait("every chart in view to be drawn", EVERY_CHART)
        self.wait("every chart to be drawn with its data", DRAWN)

    def charts(self) -> list[str]:
        return self.page.evaluate(CHART_SIGNATURES)


#: Titles of the charts in view whose subtitle is drawn over the title (a chart drawn before
#: it was on the page measures its text as empty: apps.figures.CHART_ESM).
OVERLAPPING_TITLES = """() => [...document.querySelectorAll('.js-plotly-plot')]
    .filter(p => p.getClientRects().length).map(p => {
        const t = p.querySelector('text.gtitle'), s = p.querySelector('text.gtitle-subtitle');
        if (!t || !s) return null;
        return s.getBoundingClientRect().top >= t.getBoundingClientRect().bottom - 1
            ? null : t.textContent; }).filter(x => x)"""


#: Every chart slot of the page (in the tab in view; there may be none) drawn with its
#: data.
EVERY_CHART = """() => { const slots = [...document.querySelectorAll('.ey-chart')]
    .filter(e => e.getClientRects().length);
    return slots.every(e => { const p = e.matches('.js-plotly-plot') ? e
        : e.querySelector('.js-plotly-plot');
        return !!p && (p.data || []).length > 0 && !!p.querySelector('.main-svg'); }); }"""
#: Each chart slot in view: why it was drawn (apps.figures.CHART_ESM: "near" the screen or
#: in the background when "idle") and its top on the screen.
DRAWN_WHY = """() => [...document.querySelectorAll('.ey-chart')].filter(
    e => e.getClientRects().length).map(e => [e.dataset.drawn || 'waiting',
                                              Math.round(e.getBoundingClientRect().top)])"""


READY = {"spread": "Settings in Intensive support", "forecast": "Build a scenario",
         "panel": "listed for the meeting on"}


def start_app(name: str, browser, tmp_path_factory, ready_text: str = "") -> App:
    base = tmp_path_factory.mktemp(f"app-{name}")
    params = base / "parameters"  # the planner saves scenarios here, never in the repo
    shutil.copytree(ROOT / "parameters", params)
    env = jupyter_env(base / "jupyter")
    env["EYANALYSIS_PARAMETERS"] = str(params)
    # no page here is reloaded: the pool is not refilled beside the tests (the refill runs
    # the whole notebook again, a third of the kernels' CPU here; the delay itself is
    # read as meant: test_apps.py)
    env[REFILL_VARIABLE] = "3600"
    port = free_port()
    exe = BIN / "eyanalysis"
    argv = ([str(exe)] if exe.exists() else [sys.executable, "-m", "eyanalysis.cli"]) + [
        "app", name, "--no-browser", "--port", str(port)]
    server = Server(f"eyanalysis app {name}", argv, ROOT, env, base / "app.log",
                    f"http://127.0.0.1:{port}", ready_path=None)
    server.start(timeout=180)
    try:
        return _open(name, server, browser, base, port, params)
    except BaseException:
        server.stop()  # a failed start never leaves a server behind
        raise


def _open(name, server, browser, base, port, params) -> App:
    ready_text = READY[name]
    address = f"http://127.0.0.1:{port}/"
    # the command prints the address once Voila's pre-heated kernel has run the notebook
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        printed = (base / "app.log").read_text()
        if address in printed:
            break
        time.sleep(0.2)
    assert address in printed, printed
    assert "Page ready in" in printed, printed
    context = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(30_000)
    outside = only_requests_to(page, LOOPBACK)
    app = App(name, server, page, outside, str(params))
    page.goto(f"http://127.0.0.1:{port}/", wait_until="commit", timeout=FIRST_RENDER)
    app.wait(f"the page to show {ready_text!r} and its charts",
             """(text) => !!document.body && document.body.innerText.includes(text)
                 && document.querySelectorAll('.js-plotly-plot .main-svg').length > 0""",
             ready_text, timeout=FIRST_RENDER)
    errors = page.locator(".jp-OutputArea-output[data-mime-type="
                          "'application/vnd.jupyter.error']").all_inner_texts()
    if errors:
        app.fail("the app raised:\n" + "\n".join(errors))
    # nobody scrolls: the charts below the first screen are drawn in the background
    app.wait("every chart of the page to be drawn, nobody scrolling", EVERY_CHART)
    app.first_drawn = page.evaluate(DRAWN_WHY)
    return app


def stop_app(app: App) -> None:
    app.page.context.close()
    app.server.stop()


# -- team manager ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def spread(browser, tmp_path_factory):
    app = start_app("spread", browser, tmp_path_factory, "Settings in Intensive support")
    app.wait("the four charts of the first tab to be drawn",
             "() => document.querySelectorAll('.js-plotly-plot .main-svg').length >= 4")
    app.wait("every chart to hold its data", DRAWN)
    yield app
    stop_app(app)


def open_tab(app: App, title: str) -> None:
    """Click the team manager's tab ``title`` and wait for it to be drawn for the filters
    of the moment."""
    app.page.get_by_role("tab", name=title, exact=True).click()
    app.wait(f"the tab {title!r} to be shown and drawn for the filters",
             """(t) => [...document.querySelectorAll('.lm-TabBar-tab.lm-mod-current')]
                 .some(e => e.innerText.trim() === t)
                 && ![...document.querySelectorAll('.ey-stale')].some(
                     e => e.getClientRects().length)
                 && [...document.querySelectorAll('.js-plotly-plot')]
                     .filter(p => p.getClientRects().length)
                     .every(p => (p.data || []).length > 0 && !!p.querySelector('.main-svg'))""",
             title)
    app.settle()


def test_spread_filter_changes_every_chart_and_table(spread):
    """The filter bar drives every tab: the tab in view is redrawn at once, each other tab
    for the new filters when it is opened."""
    from eyanalysis.apps.spread import TABS

    page = spread.page
    spread.settle()  # the page's first redraw done: the charts compared are final
    screenshot(page, "app-spread-before")
    assert len(spread.charts()) == 4  # only the tab in view is drawn
    lead = re.compile(r"in Targeted support (across the county|in \w+) on")
    for title in TABS[1:]:
        open_tab(spread, title)
        if title == "Settings in support":
            list_text = page.locator(".widget-html", has_text=lead).first.inner_text()
    open_tab(spread, TABS[0])
    before = spread.charts()
    assert len(before) == 8, f"{len(before)} charts"
    headline = page.locator(".widget-html", has_text="Settings in Intensive support").first
    text_before = headline.inner_text()
    assert "across the county" in text_before and "across the county" in list_text
    district = page.get_by_label("District", exact=True)
    options = [o.replace("\xa0", " ") for o in district.locator("option").all_inner_texts()]
    assert options[0] == "All districts" and len(options) > 2
    district.select_option(index=1)
    spread.wait(f"the headline to name {options[1]}",
                "(d) => [...document.querySelectorAll('.widget-html')].some("
                "e => e.innerText.includes('Settings in Intensive support in ' + d))",
                options[1])
    changed = f"""(before) => {{ if (document.querySelector('.ey-busy')) return false;
                    const now = ({CHART_SIGNATURES})();
                    return now.length === before.length
                        && now.slice(0, 4).every((s, i) => s !== before[i]); }}"""
    spread.wait("the four charts in view to change", changed, before)
    assert spread.charts()[4:] == before[4:]  # the hidden tabs wait until opened
    assert page.evaluate(OVERLAPPING_TITLES) == []
    screenshot(page, "app-spread-after-district")
    for title in TABS[1:]:
        open_tab(spread, title)
        screenshot(page, f"app-spread-tab-{title.lower().replace(' ', '-')}")
        assert page.evaluate(OVERLAPPING_TITLES) == [], title
        if title == "Settings in support":
            list_after = page.locator(".widget-html", has_text=lead).first.inner_text()
            assert list_after != list_text and f"in {options[1]} on" in list_after
    spread.wait("every chart to change",
                f"""(before) => {{ const now = ({CHART_SIGNATURES})();
                    return now.length === before.length
                        && now.every((s, i) => s !== before[i]); }}""", before)
    spread.wait("every chart to be drawn with its data after the change", DRAWN)
    open_tab(spread, TABS[0])
    assert not spread.outside, f"requests outside 127.0.0.1: {spread.outside[:5]}"


def test_spread_list_downloads_hold_no_formula(spread, tmp_path):
    import openpyxl

    page = spread.page
    open_tab(spread, "Settings in support")
    link = page.locator("a.ey-download", has_text="Download CSV").first
    link.scroll_into_view_if_needed()
    with page.expect_download() as info:
        link.click()
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    assert path.suffix == ".csv" and "settings" in path.name
    text = path.read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:2] == ["Setting", "District"] and len(rows) > 1
    assert not [c for r in rows for c in r if c[:1] in ("=", "+", "@")]
    xlsx = page.locator("a.ey-download", has_text="Download Excel").first
    with page.expect_download() as info:
        xlsx.click()
    book_path = tmp_path / info.value.suggested_filename
    info.value.save_as(book_path)
    book = openpyxl.load_workbook(book_path)
    cells = [c for row in book.active.iter_rows() for c in row]
    assert cells[0].value == "Setting" and not [c for c in cells if c.data_type == "f"]


def test_spread_list_search_and_sort(spread):
    """The Targeted list is an itables table in the app: typing in its search box filters
    the rows, a click on a column heading sorts them (dates in time order), a second click
    reverses them (offline: no request leaves 127.0.0.1)."""
    page = spread.page
    open_tab(spread, "Settings in support")
    caption = "Settings in Targeted support"
    table = page.locator(".dt-container", has=page.locator("caption", has_text=caption)
                         ).first
    spread.wait("the Targeted list to be drawn by DataTables",
                "(cap) => [...document.querySelectorAll('.dt-container')].some(c => "
                "c.innerText.includes(cap) && c.querySelectorAll('tbody tr').length > 2)",
                caption)
    table.scroll_into_view_if_needed()
    assert table.locator("button", has_text="CSV of the rows shown").count() == 1
    assert table.locator("button", has_text="Excel of the rows shown").count() == 1
    headers = table.locator("thead th").all_inner_texts()

    def column(name: str) -> list[str]:
        i = headers.index(name) + 1
        return table.locator(f"tbody tr td:nth-child({i})").all_inner_texts()

    names = column("Setting")
    total = table.locator(".dt-info").inner_text()
    target = names[-1]
    box = table.locator("input[type=search]")
    box.fill(target)
    spread.wait(f"the search for {target!r} to filter the rows",
                "([cap, t, before]) => [...document.querySelectorAll('.dt-container')].some("
                "c => c.innerText.includes(cap) "
                "&& c.querySelector('.dt-info').innerText !== before "
                "&& [...c.querySelectorAll('tbody tr td:first-child')].some("
                "td => td.innerText === t))", [caption, target, total])
    shown = column("Setting")
    assert target in shown and len(shown) < len(names), shown
    box.fill("")
    spread.wait("the search to be cleared",
                "(before) => [...document.querySelectorAll('.dt-container .dt-info')]"
                ".some(e => e.innerText === before)", total)

    def due() -> list[dt.date]:
        return [dt.datetime.strptime(d, "%d %B %Y").date() for d in column(
            "Next visit due by") if d != "None recorded"]

    heading = table.locator("thead th", has_text="Next visit due by")
    heading.click()
    spread.wait("the list to sort by the next visit due",
                "(cap) => [...document.querySelectorAll('.dt-container')].some(c => "
                "c.innerText.includes(cap) && !!c.querySelector("
                "'thead th[aria-sort=ascending]'))", caption)
    up = due()
    assert up == sorted(up) and len(set(up)) > 1, up  # time order, not alphabetical
    heading.click()
    spread.wait("the order to reverse",
                "(cap) => [...document.querySelectorAll('.dt-container')].some(c => "
                "c.innerText.includes(cap) && !!c.querySelector("
                "'thead th[aria-sort=descending]'))", caption)
    down = due()
    assert down == sorted(down, reverse=True) and down != up
    screenshot(page, "app-spread-list-sorted")
    assert not spread.outside, spread.outside[:5]


# -- budget planner -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def planner(browser, tmp_path_factory):
    app = start_app("forecast", browser, tmp_path_factory, "Build a scenario")
    yield app
    stop_app(app)


def test_planner_scenario_saved_and_read_back_by_the_forecast_command(planner, tmp_path):
    from eyanalysis.present import format as fmt
    from tests.conftest import run_cli

    page = planner.page
    answer = page.locator(".widget-html", has_text="What if:").first
    assert "no change from the baseline yet" in answer.inner_text()
    planner.settle()
    screenshot(page, "app-forecast-before")
    before = planner.charts()
    gr3 = page.get_by_label("Graduated Response 3 top-up (£ per hour)", exact=True)
    gr3.fill("1.95")
    gr3.press("Enter")
    planner.wait("the what-if to answer for the new Graduated Response 3 rate",
                 "() => [...document.querySelectorAll('.widget-html')].some(e => "
                 "e.innerText.includes('Graduated Response 3 top-up £1.95 from 1 April'))")
    planner.wait("the comparison chart to change",
                 f"(before) => !document.querySelector('.ey-busy') && "
                 f"JSON.stringify(({CHART_SIGNATURES})()) !== JSON.stringify(before)", before)
    planner.wait("every chart to be drawn with its data", DRAWN)
    assert page.evaluate(OVERLAPPING_TITLES) == []
    name = page.get_by_label("Scenario name", exact=True)
    name.fill("GR3 at £1.95 from browser")
    page.locator("button", has_text="Save scenario").click()
    planner.wait("the saved message",
                 "() => document.body.innerText.includes('Saved as')")
    screenshot(page, "app-forecast-saved")
    saved = os.path.join(planner.params, "scenarios", "gr3_at_1_95_from_browser.yaml")
    assert os.path.exists(saved), os.listdir(os.path.dirname(saved))
    # the figure shown for the first whole financial year of the saved scenario
    table = page.locator(".widget-html", has_text="Expected spend by financial year: What if")
    shown = re.findall(r"April 2027 to March 2028\s+(£[\d,]+\.\d\d)", table.first.inner_text())
    assert shown, table.first.inner_text()[:500]
    out = tmp_path / "fy.csv"
    run = run_cli("forecast", "--scenario", saved, "--by", "financial-year", "--quiet",
                  "--out", out, env={"EYANALYSIS_PARAMETERS": planner.params})
    assert run.returncode == 0, run.stderr
    cli = pd.read_csv(out)
    row = cli[(cli["scenario"] == "GR3 at £1.95 from browser")
              & (cli["financial_year"] == "2027-28")].iloc[0]
    assert fmt.money(round(row["expected"] * 100)) == shown[0]
    assert not planner.outside, planner.outside[:5]


def test_planner_exports_the_comparison(planner, tmp_path):
    import openpyxl

    page = planner.page
    page.locator("button", has_text="Export comparison to Excel").click()
    planner.wait("the download link", "() => [...document.querySelectorAll('a.ey-download')]"
                 ".some(a => a.innerText.includes('comparison'))")
    with page.expect_download() as info:
        page.locator("a.ey-download", has_text="comparison").click()
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames[:3] == ["Cover", "Contents", "Notes"]
    assert not [c for ws in book.worksheets for row in ws.iter_rows() for c in row
                if c.data_type == "f"]


def test_planner_compares_other_authorities_schemes(planner):
    """The budget planner's page ends with the schemes view (issue #14): its chart drawn by
    home level with the crosswalk assumptions under it; grouping by setting type redraws
    it."""
    page = planner.page
    view = page.locator(".ey-schemes").first
    view.scroll_into_view_if_needed()
    planner.wait("the schemes chart drawn, grouped by home level",
                 "() => { const t = document.querySelector('.ey-schemes .js-plotly-plot "
                 ".gtitle'); return !!t && /by level/.test(t.textContent); }")
    assert "Crosswalk assumptions" in view.inner_text()
    assert "Other authorities' inclusion schemes" in page.locator("body").inner_text()
    # drawn once, live: the notebook's static copies of the chart are for the headless run
    assert page.locator(".js-plotly-plot .gtitle",
                        has_text="The same children under each scheme").count() == 1
    view.locator(".widget-toggle-button", has_text="Setting type").click()
    # the regrouped chart replaces the old one: between the two there is no title to read
    planner.wait("the schemes chart to regroup by setting type",
                 "() => { const t = document.querySelector('.ey-schemes .js-plotly-plot "
                 ".gtitle'); return !!t && /by setting type/.test(t.textContent); }")
    screenshot(page, "app-forecast-schemes")
    assert not planner.outside, planner.outside[:5]


# -- panel officer --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def panel_app(browser, tmp_path_factory):
    app = start_app("panel", browser, tmp_path_factory, "listed for the meeting on")
    yield app
    stop_app(app)


def _listed(meeting: dt.date) -> list[str]:
    from eyanalysis.analysis import panel
    from eyanalysis.data.dataset import load

    apps = load(tables=["panel_applications"]).as_of(TODAY).panel_applications
    return sorted(panel.listed_for(apps, meeting, TODAY)["application_id"])


def test_panel_opens_on_the_next_meeting_and_shows_its_cards(panel_app):
    from eyanalysis.analysis import panel
    from eyanalysis.data.dataset import load

    page = panel_app.page
    picker = page.get_by_label("Meeting", exact=True)
    chosen = picker.locator("option:checked").inner_text().replace("\xa0", " ")
    apps = load(tables=["panel_applications"]).as_of(TODAY).panel_applications
    nxt = panel.next_meeting(apps, TODAY)
    assert "next meeting" in chosen and f"{nxt.day} {nxt:%B %Y}" in chosen, chosen
    panel_app.wait("the cards", "() => document.querySelectorAll('.ey-card').length > 0"
                   " || document.body.innerText.includes('No application is listed')")
    cards = page.locator(".ey-card").evaluate_all(
        "cs => cs.map(c => c.getAttribute('data-application'))")
    assert sorted(cards) == _listed(nxt)
    screenshot(page, "app-panel-next-meeting")
    options = [o.replace("\xa0", " ") for o in picker.locator("option").all_inner_texts()]
    held = next(o for o in options if "(held" in o and "no applications" not in o)
    picker.select_option(index=options.index(held))
    day = dt.datetime.strptime(held.split(" (")[0].split(" ", 1)[1], "%d %B %Y").date()
    panel_app.wait(f"the cards of {held}",
                   "(d) => document.body.innerText.includes('listed for the meeting on ' + d)",
                   f"{day.day} {day:%B %Y}")
    cards = page.locator(".ey-card").evaluate_all(
        "cs => cs.map(c => c.getAttribute('data-application'))")
    assert sorted(cards) == _listed(day) and cards
    text = page.locator(".ey-cards").first.inner_text().lower()
    assert "recommend" not in text.replace("assessment recommended", "")
    screenshot(page, "app-panel-held-meeting")
    assert not panel_app.outside, panel_app.outside[:5]


def test_panel_reviews_filter_and_download(panel_app, tmp_path):
    page = panel_app.page
    lead = page.locator(".widget-html", has_text="due in the next 6 weeks").first
    before = lead.inner_text()
    weeks = page.locator(".widget-slider", has_text="Weeks ahead")
    weeks.locator(".noUi-handle").focus()
    weeks.locator(".noUi-handle").press("ArrowLeft")
    panel_app.wait("the reviews to follow the weeks",
                   "() => document.body.innerText.includes('due in the next 5 weeks')")
    assert page.locator(".widget-html", has_text="due in the next 5 weeks").first \
        .inner_text() != before
    link = page.locator("a.ey-download", has_text="Download CSV").first
    with page.expect_download() as info:
        link.click()
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    assert rows[0][:2] == ["Setting", "Child reference"] and len(rows) > 1
    screenshot(page, "app-panel-reviews")
    assert ARTIFACTS.exists()


# -- one plotly.js per page (issue #12 item 5) ------------------------------------------------

# what each page draws: every figure a chart widget sharing the page's one plotly.js
# (apps.figures), none left to plotly's static renderer, which Voila does not load
PLOTLY_ON_PAGE = """() => ({
    renderer: performance.getEntriesByType('resource').filter(
        e => e.name.includes('jupyterlab-plotly')).map(e => e.name),
    charts: document.querySelectorAll('.js-plotly-plot').length,
    unrendered: [...document.querySelectorAll('.jp-OutputArea-output')].filter(
        e => /^Figure\\(\\{/.test(e.innerText.trim())).length})"""


@pytest.mark.parametrize("name", ["spread", "forecast", "panel"])
def test_each_page_draws_its_first_screen_first_and_the_rest_in_the_background(name, request):
    """Issue #12 item 5 (first render): a chart on the first screen is drawn at once, the
    charts below it in the background with nobody scrolling (so a reader who scrolls or
    prints finds them drawn; apps.figures.CHART_ESM). The panel officer's first screen is
    the cards, with no chart."""
    app = request.getfixturevalue({"spread": "spread", "forecast": "planner",
                                   "panel": "panel_app"}[name])
    drawn = app.first_drawn
    assert drawn and all(why in ("near", "idle") for why, _ in drawn), drawn
    on_screen = [why for why, top in drawn if top < VIEWPORT["height"]]
    assert all(why == "near" for why in on_screen), drawn
    # the last chart is far below the first screen (where a chart is decided when the page
    # is shown; under load Voila may lay the page out in steps, so no more is asserted)
    assert drawn[-1][0] == "idle" and drawn[-1][1] > VIEWPORT["height"] + 500, drawn
    if name == "panel":  # the cards fill the first screen
        assert on_screen == [], drawn


@pytest.mark.parametrize("name, fewest", [("spread", 4), ("forecast", 5), ("panel", 5)])
def test_each_page_draws_every_figure_with_the_one_shared_plotly(name, fewest, request):
    app = request.getfixturevalue({"spread": "spread", "forecast": "planner",
                                   "panel": "panel_app"}[name])
    app.wait("the busy indicator to clear", SETTLED)
    app.wait(f"{fewest} charts drawn with their data",
             "(n) => [...document.querySelectorAll('.js-plotly-plot')].filter(p => "
             "(p.data || []).length > 0 && !!p.querySelector('.main-svg')).length >= n", fewest)
    seen = app.page.evaluate(PLOTLY_ON_PAGE)
    assert seen["renderer"] == [], seen  # plotly's static renderer (a 2nd plotly.js) not loaded
    assert seen["unrendered"] == 0, seen  # no figure left as text for want of it
    assert seen["charts"] >= fewest, seen

"""Latency of the three apps measured through the browser (issue #12 item 5).

Starts each app as a user does (``eyanalysis app NAME --no-browser``), opens it in headless
Debian chromium (Playwright, every request outside 127.0.0.1 aborted) and measures

* start: from the command to the address printed (the data checked, Voila started, its
  pre-heated kernel has run the notebook: the command waits for the page to be ready);
* first render, cold: from the page request, made as soon as the command prints the
  address, to the app's headline text shown and every chart on the first screen drawn with
  data (a chart further down is drawn as it comes within 200 px of the screen:
  ``apps.figures.CHART_ESM``);
* first render, warm: the same for a second page, requested once the app's processes are
  idle again (Voila has pre-heated the next kernel), in a new browser context (nothing
  cached): what a user meets who opens the app after it has started;
* first render, return visit: a page opened again, the server idle, in a browser that has
  opened the app before (Voila's scripts in its cache);
* redraw (on the warm page): from a control change to the page showing the new state (the
  text that names the new choice and every chart changed), median and maximum over several
  changes;
* whether the busy indicator ("Updating...") was seen during changes that took over 0.3 s;
* on the team manager's page, opening a tab not yet drawn for the filters (after a district
  change) until it is drawn: median and maximum;
* every chart of the page drawn (the warm page, nobody scrolling): the charts below the
  first screen are drawn in the background once it is shown.

Run ``python benchmarks/app_latency.py [spread forecast panel] [--changes N]`` and copy the
table into docs/performance.md with the machine load printed (``/proc/loadavg``) at start
and end; measure when the machine is quiet. The goals: a change under 1 s, a first render
under 5 s.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("EYANALYSIS_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"]

#: An element on the screen (shown, and within the window's height).
ON_SCREEN = """(e) => { const r = e.getBoundingClientRect();
    return e.getClientRects().length > 0 && r.bottom > 0 && r.top < innerHeight; }"""
#: A chart slot (apps.figures.CHART_ESM: the plot is the slot itself) drawn with data.
SLOT_DRAWN = """(e) => { const p = e.matches('.js-plotly-plot') ? e
    : e.querySelector('.js-plotly-plot');
    return !!p && (p.data || []).length > 0 && !!p.querySelector('.main-svg'); }"""
# the charts on the screen: those below it are drawn in the background (CHART_ESM)
SIGNATURES = """() => [...document.querySelectorAll('.js-plotly-plot')].filter(
    """ + ON_SCREEN + """).map(p =>
    [...p.querySelectorAll('.main-svg')].map(s => [...s.querySelectorAll('path')]
        .map(x => x.getAttribute('d')).join('|') + s.textContent).join(''))"""
WATCH_BUSY = """() => { window.__busySeen = 0; new MutationObserver(() => {
    if (document.querySelector('.ey-busy')) window.__busySeen += 1; })
    .observe(document.body, {subtree: true, childList: true}); }"""


def loadavg() -> str:
    try:
        return Path("/proc/loadavg").read_text().split()[0]
    except OSError:
        return "?"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(name: str, base: Path) -> tuple[subprocess.Popen, str, float]:
    port = free_port()
    exe = Path(sys.executable).parent / "eyanalysis"
    log = open(base / f"{name}.log", "wb")  # noqa: SIM115
    env = {**os.environ, "HOME": str(base), "EYANALYSIS_PARAMETERS": str(base / "parameters")}
    proc = subprocess.Popen([str(exe), "app", name, "--no-browser", "--port", str(port)],
                            stdout=log, stderr=subprocess.STDOUT, env=env,
                            start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    t0 = time.monotonic()
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if url in (base / f"{name}.log").read_text(errors="replace"):
            return proc, url, time.monotonic() - t0
        if proc.poll() is not None:
            break
        time.sleep(0.2)
    raise SystemExit(f"{name}: the app did not start\n"
                     + (base / f"{name}.log").read_text(errors="replace")[-2000:])


def _family(root: int) -> dict[int, float]:
    """CPU seconds so far of a process and all its descendants (the app, Voila and the
    kernels it starts: jupyter_client starts each kernel in a session of its own)."""
    stats = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        stats[int(stat.parent.name)] = (int(fields[1]), ticks)  # parent, CPU seconds
    family, grew = {root}, True
    while grew:
        grew = False
        for pid, (parent, _) in stats.items():
            if parent in family and pid not in family:
                family.add(pid)
                grew = True
    return {pid: stats[pid][1] for pid in family if pid in stats}


def cpu_seconds(root: int) -> float:
    """CPU time used so far by a process and all its descendants."""
    return sum(_family(root).values())


def kernels(root: int, family: dict[int, float] | None = None) -> set[int]:
    """The app's kernel processes (among ``family``, :func:`_family`, when given)."""
    out = set()
    for pid in _family(root) if family is None else family:
        try:
            if b"ipykernel" in Path(f"/proc/{pid}/cmdline").read_bytes():
                out.add(pid)
        except OSError:
            continue
    return out


def wait_idle(proc: subprocess.Popen, quiet: float = 3.0, timeout: float = 300,
              besides: set[int] = frozenset()) -> float:
    """Wait until Voila has started a kernel other than ``besides`` (its pool refilled
    after a page took the pre-heated kernel) and the app's processes have used under 5% of
    a core for ``quiet`` seconds (that kernel has run the notebook); returns the seconds
    waited."""
    t0 = time.monotonic()
    last, since = cpu_seconds(proc.pid), time.monotonic()
    while time.monotonic() - t0 < timeout:
        time.sleep(0.5)
        family = _family(proc.pid)  # one pass over /proc a poll
        now = sum(family.values())
        if now - last > 0.025 or not kernels(proc.pid, family) - besides:
            since = time.monotonic()
        elif time.monotonic() - since >= quiet:
            break
        last = now
    return time.monotonic() - t0


def stop(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(30)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(proc.pid, signal.SIGKILL)


STALL = 120_000  # ms: a change not shown by then is reported as stalled, not timed


def timed(page, change, done_js: str, arg=None) -> float:
    """Seconds from ``change`` to ``done_js`` true; ``inf`` (reported) if it never is."""
    from playwright.sync_api import TimeoutError as Timeout

    before = page.evaluate(SIGNATURES)
    t0 = time.perf_counter()
    change()
    try:
        page.wait_for_function(done_js, arg=[before, arg], timeout=STALL, polling=100)
    except Timeout:
        shot = Path(tempfile.gettempdir()) / f"app-latency-stall-{int(time.time())}.png"
        page.screenshot(path=str(shot), full_page=True)
        busy = page.evaluate("() => !!document.querySelector('.ey-busy')")
        print(f"stalled: {arg!r} not shown after {STALL / 1000:.0f} s (busy indicator "
              f"{'on' if busy else 'off'}; screenshot {shot})", file=sys.stderr, flush=True)
        return float("inf")
    return time.perf_counter() - t0


# the cheap tests first: the chart signatures (every path of every chart on the screen;
# with none on it, the text and the busy indicator gone tell the change) are computed
# only once the text is shown and the busy indicator gone; polled every 100 ms, since a
# page polled harder on 2 loaded cores spends its time answering the poll instead of
# drawing (seen as changes that never finished)
CHANGED = """([before, text]) => {
    if ((text && !document.body.innerText.includes(text))
        || document.querySelector('.ey-busy')) return false;
    const now = (%s)();
    return now.length === before.length
        && (before.length === 0 || now.some((s, i) => s !== before[i])); }"""


def spread_changes(page, n: int) -> list[float]:
    district = page.get_by_label("District", exact=True)
    names = [o.replace("\xa0", " ") for o in district.locator("option").all_inner_texts()]
    out = []
    for i in range(n):
        k = 1 + i % (len(names) - 1)
        out.append(timed(page, lambda k=k: district.select_option(index=k),
                         CHANGED % SIGNATURES, f"Intensive support in {names[k]}"))
        if out[-1] == float("inf"):
            break  # stalled: the page answers no more
    return out


TAB_DRAWN = """(t) => [...document.querySelectorAll('.lm-TabBar-tab.lm-mod-current')]
    .some(e => e.innerText.trim() === t)
    && !document.querySelector('.ey-busy')
    && ![...document.querySelectorAll('.ey-stale')].some(e => e.getClientRects().length)
    && [...document.querySelectorAll('.js-plotly-plot')].filter(p => p.getClientRects().length)
        .every(p => (p.data || []).length > 0 && !!p.querySelector('.main-svg'))"""


def spread_tabs(page, rounds: int = 2) -> list[float]:
    """Seconds from a click on a tab not yet drawn for the filters (after a district
    change) to that tab drawn: each tab but the first, ``rounds`` times."""
    from playwright.sync_api import TimeoutError as Timeout

    district = page.get_by_label("District", exact=True)
    names = [o.replace("\xa0", " ") for o in district.locator("option").all_inner_texts()]
    tabs = [t.strip() for t in page.locator(".lm-TabBar-tab").all_inner_texts()]
    out = []
    for r in range(rounds):
        k = 1 + r % (len(names) - 1)
        page.get_by_role("tab", name=tabs[0], exact=True).click()
        district.select_option(index=0 if k == district.evaluate("e => e.selectedIndex")
                               else k)
        page.wait_for_function("() => !document.querySelector('.ey-busy') && "
                               "document.querySelectorAll('.ey-stale').length > 0",
                               timeout=STALL, polling=100)
        for title in tabs[1:]:
            t0 = time.perf_counter()
            page.get_by_role("tab", name=title, exact=True).click()
            try:
                page.wait_for_function(TAB_DRAWN, arg=title, timeout=STALL, polling=100)
            except Timeout:
                print(f"stalled: the tab {title!r} not drawn after {STALL / 1000:.0f} s",
                      file=sys.stderr, flush=True)
                return out + [float("inf")]
            out.append(time.perf_counter() - t0)
    return out


def forecast_changes(page, n: int) -> list[float]:
    # EYPP, not a top-up rate: a 5p top-up change moves the comparison chart's bars by
    # under a pixel, so "every chart changed" could never be seen
    box = page.get_by_label("Early Years Pupil Premium (£ per hour)", exact=True)
    # the box at the top of the screen, the planner's answer and its table below it; its
    # chart is further down (no chart on this screen: the change is seen on the answer)
    box.evaluate("e => e.scrollIntoView({block: 'start'})")
    page.wait_for_function(EVERY_CHART, timeout=STALL, polling=100)
    out = []
    for i in range(n):
        value = f"{1.50 + 0.25 * i:.2f}"

        def change(value=value):
            box.fill(value)
            box.press("Enter")

        out.append(timed(page, change, CHANGED % SIGNATURES,
                         f"Early Years Pupil Premium £{value}"))
        if out[-1] == float("inf"):
            break  # stalled: the page answers no more
    return out


def panel_changes(page, n: int) -> list[float]:
    picker = page.get_by_label("Meeting", exact=True)
    labels = [o.replace("\xa0", " ") for o in picker.locator("option").all_inner_texts()]
    out = []
    for i in range(n):
        k = 1 + i % min(len(labels) - 1, 8)
        day = labels[k].split(" (")[0].split(" ", 1)[1]
        t0 = time.perf_counter()
        picker.select_option(index=k)
        page.wait_for_function("(d) => document.body.innerText.includes("
                               "'listed for the meeting on ' + d)", arg=day,
                               timeout=120_000, polling=100)
        out.append(time.perf_counter() - t0)
    return out


APPS = {"spread": ("Settings in Intensive support", spread_changes),
        "forecast": ("What if:", forecast_changes),
        "panel": ("listed for the meeting on", panel_changes)}


#: The first screen drawn: ``ready`` text shown, the page's chart slots made, and every
#: chart on the screen drawn with data.
FIRST_SCREEN = """(t) => !!document.body && document.body.innerText.includes(t)
    && document.querySelectorAll('.ey-chart').length > 0
    && [...document.querySelectorAll('.ey-chart')].filter(""" + ON_SCREEN + """)
        .every(""" + SLOT_DRAWN + """)"""


#: Every chart slot of the page (in the tab in view) drawn with data.
EVERY_CHART = """() => { const slots = [...document.querySelectorAll('.ey-chart')]
    .filter(e => e.getClientRects().length);
    return slots.length > 0 && slots.every(""" + SLOT_DRAWN + """); }"""


def timed_wait(page, js: str) -> float:
    """Seconds until ``js`` is true on ``page``."""
    t0 = time.perf_counter()
    page.wait_for_function(js, timeout=300_000, polling=100)
    return time.perf_counter() - t0


def open_page(browser, url: str, ready: str, context=None) -> tuple[object, float]:
    """A page on ``url`` (outside requests aborted) and the seconds from the request to
    the first screen drawn (:data:`FIRST_SCREEN`) with the app's ``ready`` text shown. A
    new browser context (nothing cached) unless ``context`` is given (what it has cached is
    kept)."""
    page = (context.new_page() if context is not None else
            browser.new_page(viewport={"width": 1400, "height": 1000}))
    page.route("**/*", lambda r: r.continue_() if r.request.url.startswith(
        ("http://127.0.0.1", "data:", "blob:")) else r.abort())
    t0 = time.perf_counter()
    page.goto(url, wait_until="commit", timeout=300_000)
    page.wait_for_function(FIRST_SCREEN, arg=ready, timeout=300_000, polling=100)
    return page, time.perf_counter() - t0


def measure(name: str, n: int, browser, base: Path) -> dict:
    """Cold: the page requested as soon as the address is printed (the command prints it
    once Voila's pre-heated kernel has run the notebook). Warm: a second page once the
    server is idle again (Voila has pre-heated the next kernel), then the changes on that
    page (the charts on the screen compared). Return visit: a page opened
    again in a browser that has opened the app before (its cache kept), the server idle."""
    proc, url, started = start(name, base)
    try:
        ready, changes = APPS[name]
        before = kernels(proc.pid)  # the pre-heated kernel the first page takes
        page, cold = open_page(browser, url, ready)
        page.close()
        waited = wait_idle(proc, besides=before)
        page, warm = open_page(browser, url, ready)
        every = warm + timed_wait(page, EVERY_CHART)
        page.evaluate(WATCH_BUSY)
        times = changes(page, n)
        busy = page.evaluate("() => window.__busySeen")
        charts = page.evaluate("() => document.querySelectorAll('.js-plotly-plot').length")
        on_screen = len(page.evaluate(SIGNATURES))  # the charts each change was seen on
        tabs = spread_tabs(page) if name == "spread" else []
        page.close()
        # a return visit: the same browser, its cache kept (Voila's scripts), a kernel
        # pre-heated again
        before = kernels(proc.pid)
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page, _ = open_page(browser, url, ready, context)
        page.close()
        wait_idle(proc, besides=before)
        page, again = open_page(browser, url, ready, context)
        context.close()
    finally:
        stop(proc)
    return {"app": name, "start_s": round(started, 1), "first_render_cold_s": round(cold, 2),
            "first_render_warm_s": round(warm, 2),
            "first_render_return_visit_s": round(again, 2),
            "every_chart_warm_s": round(every, 2), "idle_wait_s": round(waited, 1),
            "change_median_s": round(statistics.median(times), 2),
            "change_max_s": round(max(times), 2), "changes": len(times),
            "charts": charts, "charts_on_screen": on_screen, "busy_indicator_seen": busy,
            **({"tab_open_median_s": round(statistics.median(tabs), 2),
                "tab_open_max_s": round(max(tabs), 2), "tab_opens": len(tabs)}
               if tabs else {}),
            "load": loadavg()}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("apps", nargs="*", default=None, help="spread, forecast, panel (all)")
    ap.add_argument("--changes", type=int, default=7)
    args = ap.parse_args(argv)
    args.apps = args.apps or list(APPS)
    unknown = [a for a in args.apps if a not in APPS]
    if unknown:
        ap.error(f"unknown app(s) {unknown}: choose from {', '.join(APPS)}")
    from playwright.sync_api import sync_playwright

    base = Path(tempfile.mkdtemp(prefix="eyanalysis-bench-"))
    shutil.copytree(ROOT / "parameters", base / "parameters")
    rows = []
    load_start = loadavg()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            for name in args.apps:
                rows.append(measure(name, args.changes, browser, base))
                print(json.dumps(rows[-1]), flush=True)
            browser.close()
    finally:
        shutil.rmtree(base, ignore_errors=True)
    print(f"load average (1 min) at start {load_start}, at end {loadavg()}, "
          f"{os.cpu_count()} cores")
    print("| app | start (s) | first render, cold (s) | first render, warm (s) | "
          "first render, return visit (s) | change, median (s) | change, max (s) | changes | "
          "load at end |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['app']} | {r['start_s']} | {r['first_render_cold_s']} | "
              f"{r['first_render_warm_s']} | {r['first_render_return_visit_s']} | "
              f"{r['change_median_s']} | "
              f"{r['change_max_s']} | {r['changes']} | {r['load']} |")
    for r in rows:
        print(f"{r['app']}: every chart of the warm page drawn {r['every_chart_warm_s']} s "
              "after the request (those below the first screen in the background)")
    for r in rows:
        if "tab_opens" in r:
            print(f"{r['app']}: a tab opened after a filter change, drawn in "
                  f"{r['tab_open_median_s']} s median, {r['tab_open_max_s']} s at most "
                  f"({r['tab_opens']} opens)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

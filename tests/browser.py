"""Helpers for the browser tests (tests/test_browser.py): servers on loopback, Debian
chromium through Playwright, interactive copies of the notebooks. GUIDE.md §1 has the recipe.

Nothing here is skipped: a missing browser, server or package makes the test fail with a
message saying what to install. Browsers are never downloaded (no ``playwright install``).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
BIN = Path(sys.executable).parent
CHROMIUM = os.environ.get("EYANALYSIS_CHROMIUM", "/usr/bin/chromium")
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
               "--disable-background-networking", "--disable-component-update",
               "--disable-sync", "--no-first-run", "--disable-quic",
               "--disable-default-apps", "--disable-extensions", "--mute-audio"]
VIEWPORT = {"width": 1400, "height": 1000}


def require_chromium() -> str:
    """Path of the Debian chromium binary, or fail saying how to get it."""
    if not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)):
        pytest.fail(f"chromium not found at {CHROMIUM}: install it with "
                    "`apt-get install -y chromium` (or set EYANALYSIS_CHROMIUM to a chromium "
                    "binary). Never `playwright install`: browser downloads are not used.",
                    pytrace=False)
    return CHROMIUM


def launched_chromium():
    """Headless Debian chromium through Playwright (never a downloaded browser), for a
    module fixture to ``yield from``; a missing playwright or browser fails and says how to
    get it."""
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


#: What a page opened from a file may load: the file, inline data and blobs it makes.
FILES = ("file:", "data:", "blob:")
#: What an app page may load: its server on loopback, inline data and blobs.
LOOPBACK = ("http://127.0.0.1", "data:", "blob:")


def only_requests_to(page, allowed: tuple[str, ...]) -> list[str]:
    """Abort every request of ``page`` whose address starts with none of ``allowed`` (the
    tests run as offline as the users' machines may be: a request to the internet is a
    fault); returns the list of aborted addresses, filled as the page runs."""
    aborted: list[str] = []

    def guard(route):
        url = route.request.url
        if url.startswith(allowed):
            route.continue_()
        else:
            aborted.append(url)
            route.abort()

    page.route("**/*", guard)
    return aborted


def opened_report(browser, report: Path):
    """The termly ``report.html`` at ``report`` in a new tab of ``browser``, once its six
    charts are drawn, for a module fixture to ``yield from``."""
    tab = browser.new_page(viewport={"width": 1200, "height": 900})
    tab.goto(report.as_uri(), wait_until="load")
    tab.wait_for_function("() => document.querySelectorAll('.js-plotly-plot .main-svg')"
                          ".length >= 6", timeout=30_000)
    yield tab
    tab.close()


#: A report page's visible text, the sources table left out (for ``page.evaluate``).
VISIBLE_TEXT = """() => { const body = document.body.cloneNode(true);
    body.querySelectorAll('.ey-sources, style, script').forEach(e => e.remove());
    document.documentElement.appendChild(body); body.style.position = 'absolute';
    const text = body.innerText; body.remove(); return text; }"""


def require_tool(name: str, package: str) -> str:
    """A console script of the test environment (jupyter, voila, ...), or fail."""
    path = BIN / name
    if not path.exists():
        found = shutil.which(name)
        if not found:
            pytest.fail(f"`{name}` not found beside {sys.executable} nor on PATH: install it "
                        f"with `pip install {package}` (or `pip install -e '.[test]'`).",
                        pytrace=False)
        return found
    return str(path)


def free_port() -> int:
    """A TCP port on loopback that nobody is listening on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def jupyter_env(base: Path) -> dict[str, str]:
    """Environment for a throwaway Jupyter/Voila server: every config, data and runtime
    directory in ``base``; the notebooks' windowing off so every cell's output is in the DOM.
    """
    dirs = {name: base / name for name in ("home", "config", "data", "runtime", "ipython",
                                           "settings", "workspaces")}
    for d in dirs.values():
        d.mkdir(parents=True, exist_ok=True)
    tracker = dirs["settings"] / "@jupyterlab" / "notebook-extension"
    tracker.mkdir(parents=True, exist_ok=True)
    (tracker / "tracker.jupyterlab-settings").write_text(json.dumps({"windowingMode": "none"}))
    # No "would you like news?" toast on top of the notebook.
    ext = dirs["settings"] / "@jupyterlab" / "apputils-extension"
    ext.mkdir(parents=True, exist_ok=True)
    (ext / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "PLOTLY"))}
    env.update(HOME=str(dirs["home"]), JUPYTER_CONFIG_DIR=str(dirs["config"]),
               JUPYTER_DATA_DIR=str(dirs["data"]), JUPYTER_RUNTIME_DIR=str(dirs["runtime"]),
               IPYTHONDIR=str(dirs["ipython"]), JUPYTERLAB_SETTINGS_DIR=str(dirs["settings"]),
               JUPYTERLAB_WORKSPACES_DIR=str(dirs["workspaces"]),
               PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
               PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT),
                                                        os.environ.get("PYTHONPATH")])))
    return env


class Server:
    """A server process in its own process group, logging to a file, stopped by PID."""

    def __init__(self, name: str, argv: list[str], cwd: Path, env: dict[str, str],
                 log: Path, url: str, ready_path: str | None = "/"):
        self.name, self.argv, self.cwd, self.env = name, argv, cwd, env
        self.log, self.url, self.ready_path = log, url.rstrip("/"), ready_path
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 60) -> Server:
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen(self.argv, cwd=self.cwd, env=self.env, stdout=out,
                                         stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                         start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"{self.name} exited with code {self.proc.returncode} before "
                            f"serving {self.url}\n{self.tail()}", pytrace=False)
            try:
                if self.ready_path is None:  # only the port: a GET would do work (Voila)
                    host, port = self.url.split("//", 1)[1].split(":")
                    socket.create_connection((host, int(port)), timeout=2).close()
                    return self
                with urllib.request.urlopen(self.url + self.ready_path, timeout=2):
                    return self
            except urllib.error.HTTPError:
                return self  # answering (403 without token etc.): up
            except OSError:
                time.sleep(0.25)
        self.stop()
        pytest.fail(f"{self.name} did not answer on {self.url} within {timeout:.0f} s\n"
                    f"{self.tail()}", pytrace=False)

    def tail(self, lines: int = 30) -> str:
        try:
            text = self.log.read_text(errors="replace").splitlines()
        except OSError:
            return f"(no log at {self.log})"
        return f"--- last {lines} lines of {self.log} ---\n" + "\n".join(text[-lines:])

    def stop(self, timeout: float = 15) -> None:
        """SIGTERM the process group (kernels included), then SIGKILL; wait until gone."""
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        for sig, wait in ((signal.SIGINT, 5), (signal.SIGTERM, timeout), (signal.SIGKILL, 10)):
            try:
                os.killpg(proc.pid, sig)
            except ProcessLookupError:
                break
            try:
                proc.wait(wait)
                break
            except subprocess.TimeoutExpired:
                continue
        with contextlib.suppress(ProcessLookupError):  # stray kernels left in the group
            os.killpg(proc.pid, signal.SIGKILL)


def interactive_copy(notebook: Path, folder: Path, **values) -> Path:
    """Copy ``notebook`` into ``folder`` with ``interactive = True`` (and any other
    ``name=value``) set in its ``parameters``-tagged cell; outputs cleared."""
    import nbformat

    nb = nbformat.read(notebook, as_version=4)
    cells = [c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert cells, f"{notebook} has no cell tagged 'parameters'"
    cell = cells[0]
    for name, value in {"interactive": True, **values}.items():
        pattern = re.compile(rf"^({re.escape(name)}\s*(?::[^=]*)?=\s*)([^#\n]*?)(\s*(?:#.*)?)$",
                             re.MULTILINE)
        source, n = pattern.subn(lambda m, v=value: f"{m.group(1)}{v!r}{m.group(3)}",
                                 cell.source, count=1)
        assert n == 1, f"no `{name} = ...` line in the parameters cell of {notebook}"
        cell.source = source
    for c in nb.cells:
        if c.cell_type == "code":
            c.outputs, c.execution_count = [], None
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / notebook.name
    nbformat.write(nb, target)
    return target


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    try:
        page.screenshot(path=str(path), timeout=15_000)
    except Exception as exc:  # a screenshot must never hide the real failure
        return Path(f"(screenshot failed: {exc})")
    return path

"""``eyanalysis app spread|forecast|panel``: one analysis notebook served as a Voila app on
loopback (issue #12 item 1).

The notebook is copied into a temporary folder with a cell after its ``parameters`` cell that
sets the data source (``--data``), ``interactive = True`` and the date parameters blank
(today), like papermill's injected parameters; Voila serves that copy on 127.0.0.1 and the
address is printed once the page is ready (:func:`wait_until_ready`): Voila pre-heats a
kernel, which runs the whole notebook before anyone asks for the page, and the copy's last
cell marks when it is done, so the first page opened is drawn from a kernel that has
finished (issue #12 item 5). Nothing is fetched from the internet: the page's only outside
resource, Font Awesome, is served from the copy Voila ships (see :func:`offline_config`).

Ctrl+C and SIGTERM stop it cleanly at any moment (:func:`stop_server`): Voila runs in a
session of its own and is stopped once, its kernels (process groups of their own) after it,
and the temporary folder (checked data, notebook copy, Voila's connection files through
``TMPDIR``) is removed; the exit status is 0.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import webbrowser
from pathlib import Path

from eyanalysis.errors import SettingError

TEMPLATE = "eyanalysis"
APPS = {
    "spread": ("categorisation_spread", "the team manager's categorisation spread"),
    "forecast": ("funding_forecast", "the budget planner's funding forecast"),
    "panel": ("panel_caseload", "the panel officer's caseload"),
}
#: Apps whose page draws every plotly chart as a widget (:mod:`eyanalysis.apps.figures`;
#: the notebooks show their static figures as widgets when interactive,
#: :func:`eyanalysis.apps.figures.display_as_charts`): Voila then skips plotly's renderer of
#: static figures, a second copy of plotly.js (about 5 MB) that every page would otherwise
#: load and evaluate (issue #12 item 5).
WIDGET_CHARTS_ONLY = {"spread", "forecast", "panel"}
#: Parameters every app sets: interactive, and the date parameters blank (today).
APP_VALUES = {
    "spread": {"as_of": "", "compare_from": ""},
    "forecast": {},
    "panel": {"as_of": "", "panel_date": ""},
}


def notebook_dir() -> Path:
    from eyanalysis.jobs.termly import NOTEBOOK_DIR

    return NOTEBOOK_DIR


def app_notebook(name: str, folder: Path, data: str | None = None, **values) -> Path:
    """The app's notebook copied into ``folder``, a cell after its ``parameters`` cell
    setting ``interactive = True``, ``data_source`` and ``values`` (outputs cleared)."""
    import nbformat

    stem = APPS[name][0]
    nb = nbformat.read(notebook_dir() / f"{stem}.ipynb", as_version=4)
    where = next((i for i, c in enumerate(nb.cells)
                  if "parameters" in c.get("metadata", {}).get("tags", [])), None)
    if where is None:
        raise RuntimeError(f"{stem}.ipynb has no cell tagged 'parameters'")
    settings = {"interactive": True, "data_source": data or "", **APP_VALUES[name], **values}
    source = "# Parameters of `eyanalysis app`\n" + "\n".join(
        f"{k} = {v!r}" for k, v in settings.items())
    cell = nbformat.v4.new_code_cell(source, metadata={"tags": ["injected-parameters"]})
    nb.cells.insert(where + 1, cell)
    # the last cell: the page is ready (wait_until_ready); it shows nothing
    nb.cells.append(nbformat.v4.new_code_cell(
        "# Added by `eyanalysis app`: the page is ready to be opened\n"
        "from eyanalysis.commands.app import mark_ready\n"
        "mark_ready()", metadata={"tags": ["injected-ready"]}))
    for c in nb.cells:
        if c.cell_type == "code":
            c.outputs, c.execution_count = [], None
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{stem}.ipynb"
    nbformat.write(nb, target)
    return target


#: The environment variable naming the file the app's notebook touches when its last cell
#: has run (:func:`mark_ready`); set for Voila, whose kernels inherit it.
READY_VARIABLE = "EYANALYSIS_APP_READY"
#: Seconds the command waits for the pre-heated page before it prints the address anyway.
READY_TIMEOUT = 180
#: What Voila writes to its log when a cell of the notebook raised (voila.notebook_renderer).
CELL_ERROR = "Error at server while executing cell"


def mark_ready() -> None:
    """Called by the app notebook's last cell: touch the file :data:`READY_VARIABLE` names
    (nothing outside an app)."""
    target = os.environ.get(READY_VARIABLE)
    if target:
        Path(target).touch()


def wait_until_ready(marker: Path, log: Path, proc: subprocess.Popen,
                     timeout: float = READY_TIMEOUT) -> str:
    """Wait until Voila's pre-heated kernel has run the whole notebook: ``"ready"`` when the
    notebook's last cell touched ``marker``, ``"error"`` when a cell raised (Voila's log
    says so; the page will show the error), ``"stopped"`` when Voila ended, ``"timeout"``
    after ``timeout`` seconds. Prints a line every 15 s while it waits."""
    began = time.monotonic()
    said = began
    while True:
        if marker.exists():
            return "ready"
        if proc.poll() is not None:
            return "stopped"
        if CELL_ERROR in log.read_text(errors="replace"):
            return "error"
        now = time.monotonic()
        if now - began > timeout:
            return "timeout"
        if now - said >= 15:
            print(f"  still preparing the page ({now - began:.0f} s)...", file=sys.stderr,
                  flush=True)
            said = now
        time.sleep(0.1)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


#: Seconds Voila waits, after a page takes the pre-heated kernel, before it starts the next
#: one (which runs the whole notebook again: 5-10 s of CPU). Voila's default is 1 s, so on two
#: cores that run shared the cores with the page being drawn and its first changes; 8 s lets
#: a page draw first (a warm first render 6.6-7.7 s before, 4.9-5.4 s after:
#: docs/performance.md). The cost: a page reloaded within those seconds waits longer for
#: its kernel.
POOL_REFILL_DELAY = 8
#: Sets another refill delay in whole seconds (at least 1): longer where pages are seldom
#: reloaded and the cores are few (the browser tests set an hour: their pages are never
#: reloaded, and each refill would run the whole notebook again beside the tests).
REFILL_VARIABLE = "EYANALYSIS_APP_REFILL_DELAY"


def refill_delay() -> int:
    """Seconds Voila waits before it refills its kernel pool: :data:`POOL_REFILL_DELAY`, or
    the whole number of seconds in :data:`REFILL_VARIABLE`."""
    text = os.environ.get(REFILL_VARIABLE, "").strip()
    if not text:
        return POOL_REFILL_DELAY
    if not text.isdigit() or int(text) < 1:
        raise SettingError(f"{REFILL_VARIABLE}={text!r}: give a whole number of seconds, 1 or "
                           f"more (unset: {POOL_REFILL_DELAY}).")
    return int(text)


def voila_argv(notebook: Path, port: int, widget_charts_only: bool = False) -> list[str]:
    """The Voila command line: loopback only, this port or fail, no browser of its own,
    no tracebacks to the user (they go to the log). ``widget_charts_only``: the page has no
    static plotly figure, so plotly's mime renderer is not loaded."""
    return [sys.executable, "-m", "voila", notebook.name, "--no-browser", f"--port={port}",
            "--Voila.ip=127.0.0.1", "--Voila.port_retries=0",
            "--VoilaConfiguration.file_allowlist=['.*\\.(png|jpg|gif|svg|css|js|woff2?|ttf)']",
            "--theme=light", f"--template={TEMPLATE}", "--preheat_kernel=True",
            "--pool_size=1", f"--VoilaKernelManager.fill_delay={refill_delay()}"] + (
        ["--VoilaConfiguration.extension_denylist=['jupyterlab-plotly']"]
        if widget_charts_only else [])


def offline_config(folder: Path) -> dict[str, str]:
    """Environment for a Voila server that requests nothing from the internet: Jupyter's
    folders in ``folder``, and a custom template that serves Font Awesome from the copy
    shipped with the notebook server instead of a CDN."""
    from eyanalysis.apps.offline import install_template

    env = dict(os.environ)
    data = folder / "jupyter-data"
    install_template(data)
    # Voila's own templates come from sys.prefix/share/jupyter, searched after this folder
    env["JUPYTER_DATA_DIR"] = str(data)
    env.setdefault("PLOTLY_RENDERER", "plotly_mimetype")
    return env


def prepare_data(source: str | None, folder: Path) -> Path:
    """Load and validate the data source once, before the server starts, and save it for
    the app's kernels (:meth:`eyanalysis.data.dataset.Dataset.save`): each page then reads
    it in a fraction of a second instead of validating the source again."""
    from eyanalysis.data.dataset import SAVED_SUFFIX, load

    began = time.perf_counter()
    print(f"Reading {source or 'the bundled sample county'}...", file=sys.stderr, flush=True)
    ds = load(source)
    quarantined = int(ds.counts["quarantined"].sum())
    if quarantined:
        print(f"note: {quarantined} row(s) were quarantined and are left out "
              "(eyanalysis validate lists them)", file=sys.stderr)
    path = ds.save(folder / f"data{SAVED_SUFFIX}")
    how = ("checked before and unchanged since, so read back without checking again"
           if ds.read_back else f"every row checked: {ds.summary}")
    print(f"Data ready in {time.perf_counter() - began:.0f} s ({how}).", file=sys.stderr,
          flush=True)
    return path


def _wait_for(port: int, proc: subprocess.Popen, timeout: float = 60) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            time.sleep(0.2)
    return False


def _stop_signal(signum, _frame):
    # SIGTERM (a service manager) is handled as Ctrl+C is: KeyboardInterrupt, never caught
    # as an error on the way
    raise KeyboardInterrupt(signal.Signals(signum).name)


def stop_server(proc: subprocess.Popen, timeout: float = 20) -> None:
    """Stop Voila and every kernel it started: SIGTERM to Voila (it shuts its kernels down
    and removes its connection files), then whatever of its process tree is still running
    (the kernels run in process groups of their own) is terminated, killed after a grace
    period, and waited for, so the port and the temporary folder are free afterwards."""
    import psutil

    try:
        tree = psutil.Process(proc.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        tree = []
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    alive = [p for p in tree if p.is_running()]
    for p in alive:
        with contextlib.suppress(psutil.NoSuchProcess):
            p.terminate()
    _gone, alive = psutil.wait_procs(alive, timeout=5)
    for p in alive:
        with contextlib.suppress(psutil.NoSuchProcess):
            p.kill()
    psutil.wait_procs(alive, timeout=5)
    with contextlib.suppress(ProcessLookupError):  # anything left in Voila's own group
        os.killpg(proc.pid, signal.SIGKILL)


def _run(args: argparse.Namespace) -> int:
    from eyanalysis.errors import InputDataError

    if shutil.which("voila") is None and not _has_voila():
        raise InputDataError("Voila is not installed: run the README's main command "
                             "(pip install -c constraints.txt -e .).")
    refill_delay()  # a bad EYANALYSIS_APP_REFILL_DELAY is refused before the data check
    port = args.port or free_port()
    # a service manager's SIGTERM and Ctrl+C stop the app the same way, at any moment
    # (while the data are checked too): Voila and its kernels end, the folder is removed
    previous = {sig: signal.signal(sig, _stop_signal) for sig in (signal.SIGTERM,
                                                                  signal.SIGINT)}
    proc, folder = None, None
    try:
        folder = Path(tempfile.mkdtemp(prefix=f"eyanalysis-app-{args.name}-"))
        saved = prepare_data(args.data, folder)
        notebook = app_notebook(args.name, folder / "app", str(saved))
        env = offline_config(folder)
        marker = folder / "page-ready"
        env[READY_VARIABLE] = str(marker)
        (folder / "tmp").mkdir()
        env["TMPDIR"] = str(folder / "tmp")  # Voila's connection files, kernels' scratch
        argv = voila_argv(notebook, port, args.name in WIDGET_CHARTS_ONLY)
        with open(folder / "voila.log", "wb") as log:
            # its own session: Ctrl+C in the terminal reaches this command only, which
            # then stops Voila once, in order (stop_server)
            proc = subprocess.Popen(argv, cwd=notebook.parent, env=env, stdout=log,
                                    stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                    start_new_session=True)
        if not _wait_for(port, proc):
            stop_server(proc)
            sys.stderr.write((folder / "voila.log").read_text(errors="replace")[-3000:])
            print(f"error: Voila did not start on port {port} (is it in use? try --port)",
                  file=sys.stderr)
            return 1
        began = time.perf_counter()
        print("Preparing the page (Voila runs the notebook once, before the first visit)...",
              file=sys.stderr, flush=True)
        state = wait_until_ready(marker, folder / "voila.log", proc)
        if state == "stopped":
            return _ended(proc, folder)
        if state == "ready":
            print(f"Page ready in {time.perf_counter() - began:.0f} s.", file=sys.stderr,
                  flush=True)
        elif state == "error":
            print("warning: a cell of the notebook raised an error; the page shows it "
                  f"(details in {folder / 'voila.log'} while the app runs)", file=sys.stderr,
                  flush=True)
        else:
            print(f"note: the page is still being prepared after {READY_TIMEOUT} s; it "
                  "opens when it is ready", file=sys.stderr, flush=True)
        url = f"http://127.0.0.1:{port}/"
        print(f"{APPS[args.name][1].capitalize()} is at {url}  (Ctrl+C to stop)", flush=True)
        if not args.no_browser:
            webbrowser.open(url)
        proc.wait()
        return _ended(proc, folder)
    except KeyboardInterrupt as why:
        print(f"Stopping ({why or 'SIGINT'})...", file=sys.stderr, flush=True)
        return 0
    finally:
        # no signal may interrupt the clean-up itself
        for sig in previous:
            signal.signal(sig, signal.SIG_IGN)
        try:
            if proc is not None:
                stop_server(proc)
            if folder is not None:
                shutil.rmtree(folder, ignore_errors=True)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


def _ended(proc: subprocess.Popen, folder: Path) -> int:
    """Voila ended by itself: the end of its log and a non-zero exit status."""
    code = proc.wait()
    sys.stderr.write((folder / "voila.log").read_text(errors="replace")[-3000:])
    print(f"error: Voila stopped by itself (exit status {code})", file=sys.stderr)
    return code or 1


def _has_voila() -> bool:
    import importlib.util

    return importlib.util.find_spec("voila") is not None


def add_parser(sub) -> None:
    p = sub.add_parser(
        "app", help="start an app (spread, forecast or panel) in the browser with Voila",
        description="Serve one analysis notebook as an app with Voila on 127.0.0.1 and print "
                    "its address: spread (team manager: support levels, lists, workload, "
                    "visits), forecast (budget planner: financial years, scenarios) or panel "
                    "(panel officer: meeting cards, reviews due). Stop it with Ctrl+C.")
    p.add_argument("name", choices=sorted(APPS), help="which app")
    p.add_argument("--data", default=None, metavar="SOURCE",
                   help="data folder, .xlsx workbook or database URL (default: the bundled "
                        "sample county)")
    p.add_argument("--port", type=int, default=None, metavar="N",
                   help="port on 127.0.0.1 (default: a free one)")
    p.add_argument("--no-browser", action="store_true",
                   help="print the address only; do not open a browser")
    p.set_defaults(func=_run)

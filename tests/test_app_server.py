"""The servers the README promises, started and stopped as a user or a service manager
would (issue #12 item 1):

* ``eyanalysis app NAME`` stops cleanly on SIGTERM (a service manager) and on Ctrl+C
  (SIGINT to the terminal's process group): exit status 0, Voila and every kernel it started
  gone, the port free again, the temporary folder removed;
* ``jupyter lab notebooks/`` works after the README's main command: the main install (no
  ``test`` extra) provides ``jupyter-lab`` and ``voila``, and JupyterLab serves ``/lab`` and
  lists the notebooks, then stops cleanly.

No browser here: the pages themselves are driven in tests/test_apps_browser.py and
tests/test_browser.py.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from importlib import metadata
from pathlib import Path

import psutil
import pytest
from packaging.requirements import Requirement

from tests.browser import BIN, ROOT, free_port, jupyter_env

STARTUP = 240  # s: the data check, Voila and its first (preheated) kernel on 2 shared cores
STOP = 40  # s for the command to stop Voila and its kernels


def _port_free(port: int) -> bool:
    """Nobody listens on ``port`` and a new server can listen on it (as servers do, with
    SO_REUSEADDR: connections the old server closed may linger in TIME_WAIT)."""
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
        return False
    except OSError:
        pass
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
            s.listen()
        except OSError:
            return False
    return True


def _wait_for(what: str, check, timeout: float, log: Path | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = check()
        if got:
            return got
        time.sleep(0.25)
    tail = log.read_text(errors="replace")[-3000:] if log and log.exists() else ""
    pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}\n{tail}", pytrace=False)


def _kernels(tree: list[psutil.Process]) -> list[psutil.Process]:
    found = []
    for p in tree:
        try:
            if "ipykernel" in " ".join(p.cmdline()):
                found.append(p)
        except psutil.NoSuchProcess:
            continue
    return found


def _start_app(tmp_path: Path, port: int) -> tuple[subprocess.Popen, Path, Path]:
    scratch = tmp_path / "tmp"  # the command's temporary folder is made here
    scratch.mkdir()
    env = jupyter_env(tmp_path / "jupyter")
    env["TMPDIR"] = str(scratch)
    exe = BIN / "eyanalysis"
    argv = ([str(exe)] if exe.exists() else [sys.executable, "-m", "eyanalysis.cli"]) + [
        "app", "panel", "--no-browser", "--port", str(port)]
    log = tmp_path / "app.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
    return proc, scratch, log


def _kill(proc: subprocess.Popen) -> None:
    """A failed test never leaves the app behind."""
    if proc.poll() is None:
        for p in psutil.Process(proc.pid).children(recursive=True):
            p.kill()
        proc.kill()
        proc.wait()


def test_app_stops_cleanly_while_it_checks_the_data(tmp_path):
    """SIGTERM before the server is up (the data are being checked): exit 0, nothing left,
    the temporary folder removed."""
    port = free_port()
    proc, scratch, log = _start_app(tmp_path, port)
    try:
        _wait_for("the data check to begin", lambda: "Reading " in log.read_text(
            errors="replace") or proc.poll() is not None, STARTUP, log)
        assert proc.poll() is None and len(list(scratch.iterdir())) == 1, log.read_text()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(STOP) == 0, log.read_text()[-3000:]
        assert "Traceback" not in log.read_text()
        assert list(scratch.iterdir()) == []
        with pytest.raises(ProcessLookupError):
            os.killpg(proc.pid, 0)
        assert _port_free(port)
    finally:
        _kill(proc)


@pytest.mark.parametrize("how, when", [("SIGTERM", "Preparing the page"),
                                       ("Ctrl+C", "is at http://127.0.0.1:")])
def test_app_stops_cleanly(how, when, tmp_path):
    """``eyanalysis app panel --no-browser --port P`` is sent SIGTERM (to the command, as a
    service manager does) while Voila's pre-heated kernel runs the notebook, or SIGINT (to
    its whole process group, as Ctrl+C in a terminal does) once the address is printed: it
    exits 0, no process it started is left (Voila, the kernels, in their own groups too),
    the port is free and its temporary folder is gone."""
    port = free_port()
    proc, scratch, log = _start_app(tmp_path, port)
    try:
        _wait_for(f"the line {when!r}", lambda: when in log.read_text(errors="replace")
                  or proc.poll() is not None, STARTUP, log)
        assert proc.poll() is None, log.read_text()
        folders = [p.name for p in scratch.iterdir()]
        assert len(folders) == 1 and folders[0].startswith("eyanalysis-app-panel-"), folders
        main = psutil.Process(proc.pid)
        # Voila preheats a kernel (it runs the notebook before the first visit)
        kernels = _wait_for("Voila's kernel", lambda: _kernels(main.children(recursive=True)),
                            STARTUP, log)
        tree = main.children(recursive=True)
        assert any("voila" in " ".join(p.cmdline()) for p in tree)
        groups = {os.getpgid(p.pid) for p in tree} | {proc.pid}
        assert len(groups) >= 3  # the command's, Voila's and a kernel's own group
        assert not _port_free(port)
        if how == "SIGTERM":
            proc.send_signal(signal.SIGTERM)
        else:
            os.killpg(proc.pid, signal.SIGINT)
        try:
            code = proc.wait(STOP)
        except subprocess.TimeoutExpired:
            pytest.fail(f"still running {STOP} s after {how}\n{log.read_text()[-3000:]}",
                        pytrace=False)
        text = log.read_text(errors="replace")
        assert code == 0, text[-3000:]
        assert "Stopping" in text and "Traceback" not in text, text[-3000:]
        _gone, alive = psutil.wait_procs(tree, timeout=5)
        assert not [p for p in alive if p.status() != psutil.STATUS_ZOMBIE], \
            [(p.pid, p.cmdline()) for p in alive]
        assert not [p for p in kernels if p.is_running()
                    and p.status() != psutil.STATUS_ZOMBIE]
        for group in groups:
            with pytest.raises(ProcessLookupError):
                os.killpg(group, 0)  # nobody left in any of the groups
        assert _port_free(port)
        assert list(scratch.iterdir()) == []
    finally:
        _kill(proc)


# -- JupyterLab after the main command ----------------------------------------------------

def _closure(names: list[str]) -> set[str]:
    """The installed distributions ``names`` require, transitively, without extras (what
    ``pip install -e .`` installs)."""
    seen: set[str] = set()
    todo = list(names)
    while todo:
        name = re.sub(r"[-_.]+", "-", todo.pop()).lower()
        if name in seen:
            continue
        seen.add(name)
        for spec in metadata.requires(name) or []:
            req = Requirement(spec)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(req.name)
    return seen


def test_main_install_provides_jupyter_lab_and_voila():
    """The README's main command installs ``.`` with no extra: JupyterLab and Voila (and
    their console scripts ``jupyter-lab`` and ``voila``) come from the project's own
    dependencies, not from the ``test`` extra."""
    main_cmd = ROOT.joinpath("README.md").read_text()
    main_cmd = main_cmd.split("<!-- main-command:start -->")[1].split(
        "<!-- main-command:end -->")[0]
    assert "-e ." in main_cmd and "[test]" not in main_cmd
    closure = _closure(["eyanalysis"])
    scripts = {ep.name: ep for ep in metadata.entry_points(group="console_scripts")}
    for script, dist in (("jupyter-lab", "jupyterlab"), ("voila", "voila")):
        assert dist in closure, f"{dist} is not installed by `pip install -e .`"
        ep = scripts[script]
        assert re.sub(r"[-_.]+", "-", ep.dist.name).lower() == dist
        assert (BIN / script).exists(), f"no {script} beside {sys.executable}"
    for widget in ("ipywidgets", "anywidget", "itables", "plotly"):
        assert widget in closure


def test_jupyter_lab_serves_the_notebooks_and_stops(tmp_path):
    """``jupyter lab --no-browser`` from the repository on a free loopback port serves
    ``/lab`` and lists the four notebooks under ``/api/contents/notebooks``; SIGTERM stops it
    with nothing left running and the port free."""
    port, token = free_port(), secrets.token_hex(16)
    env = jupyter_env(tmp_path / "jupyter")
    log = tmp_path / "lab.log"
    argv = [str(BIN / "jupyter-lab"), "--no-browser", "--ip=127.0.0.1", f"--port={port}",
            "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={ROOT}", "--LabApp.news_url=None",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    if os.geteuid() == 0:
        argv.append("--allow-root")
    with open(log, "wb") as out:
        proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    headers = {"Authorization": f"token {token}"}

    def get(path: str) -> tuple[int, bytes]:
        req = urllib.request.Request(url + path, headers=headers)
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, resp.read()

    def up():
        if proc.poll() is not None:
            return True
        try:
            return get("/api/status")[0] == 200
        except OSError:
            return False

    try:
        _wait_for("JupyterLab to answer", up, 120, log)
        assert proc.poll() is None, log.read_text()
        status, page = get("/lab")
        assert status == 200 and b"JupyterLab" in page
        status, body = get("/api/contents/notebooks")
        listed = {item["name"] for item in json.loads(body)["content"]}
        shipped = {p.name for p in (ROOT / "notebooks").glob("*.ipynb")}
        assert len(shipped) == 4 and shipped <= listed, listed
        tree = psutil.Process(proc.pid).children(recursive=True)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0, log.read_text()[-3000:]
        _gone, alive = psutil.wait_procs(tree, timeout=5)
        assert not alive
        with pytest.raises(ProcessLookupError):
            os.killpg(proc.pid, 0)
        assert _port_free(port)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()

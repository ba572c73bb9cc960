"""Shared fixtures: the repository root, the parameters, and a small claims builder."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parent.parent
CACHE_VARIABLE = "EYANALYSIS_CACHE"
CACHE_KEY = pytest.StashKey[str]()


def pytest_configure(config):
    """One dataset cache for the session (``eyanalysis.data.cache``), new and empty: the
    first load of a source in the session checks it, the others read it back. Set in the
    controlling process before pytest-xdist starts its workers, which inherit it, as do
    the commands, kernels and app servers the tests start."""
    import os
    import tempfile

    if not hasattr(config, "workerinput"):
        folder = tempfile.mkdtemp(prefix="eyanalysis-test-cache-")
        config.stash[CACHE_KEY] = folder
        os.environ[CACHE_VARIABLE] = folder
        precompile()


def precompile():
    """The package's bytecode, written once before the workers start: the suite starts
    some forty Python processes (workers, kernels, commands, Voila) that import it, and
    an editable install has none, so where bytecode is not written
    (``PYTHONDONTWRITEBYTECODE``, as on CI) each would compile every module again."""
    import compileall

    compileall.compile_dir(ROOT / "eyanalysis", quiet=1)


def pytest_unconfigure(config):
    import shutil

    folder = config.stash.get(CACHE_KEY, None)
    if folder:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def params():
    from eyanalysis.parameters import load_parameters

    return load_parameters(ROOT / "parameters")


def claims(rows: str | list, index=None) -> pd.DataFrame:
    """Claims from ``"child setting level hours weeks age [eypp] [specialist]"`` lines."""
    lines = rows.strip().splitlines() if isinstance(rows, str) else rows
    records = []
    for line in lines:
        parts = line.split() if isinstance(line, str) else list(line)
        rec = dict(zip(["child_id", "setting_id", "level", "hours_per_week", "weeks",
                        "funding_age", "eypp", "specialist"], parts, strict=False))
        rec["hours_per_week"] = float(rec["hours_per_week"])
        rec["weeks"] = float(rec["weeks"])
        rec["eypp"] = str(rec.get("eypp", "false")).lower() == "true"
        rec["specialist"] = str(rec.get("specialist", "false")).lower() == "true"
        records.append(rec)
    frame = pd.DataFrame(records)
    if index is not None:
        frame.index = index
    return frame


@pytest.fixture(scope="session")
def pg_url():
    """A PostgreSQL server on loopback: ``$EYANALYSIS_TEST_PG_URL`` when CI started one
    (.ci/run), else one started here from Debian's binaries and stopped at the end.
    Never skipped: without a server the test fails and says how to get one."""
    import os
    import subprocess

    url = os.environ.get("EYANALYSIS_TEST_PG_URL")
    if url:
        yield url
        return
    script = ROOT / ".ci" / "postgres.sh"
    started = subprocess.run(
        ["bash", "-c", f"source {script} && pg_start >&2 && env"],
        capture_output=True, text=True,
    )
    if started.returncode != 0:
        pytest.fail("No PostgreSQL server: install one (apt-get install -y postgresql) or set "
                    f"EYANALYSIS_TEST_PG_URL.\n{started.stderr}")
    env = dict(line.split("=", 1) for line in started.stdout.splitlines() if "=" in line)
    try:
        yield env["EYANALYSIS_TEST_PG_URL"]
    finally:
        subprocess.run(["bash", "-c", f"source {script} && pg_stop"], env={**os.environ, **{
            k: env[k] for k in ("PG_TMP", "PG_BIN")}}, capture_output=True)


@pytest.fixture(scope="session")
def sample():
    """The bundled sample county, loaded once."""
    from eyanalysis.data.dataset import load

    return load()


@pytest.fixture(scope="module")
def spread_view(sample):
    """The team manager's view of the sample as known on 23 November 2026 (the apps' tests
    change its filters: one per test file)."""
    import datetime as dt

    from eyanalysis.analysis import categorisation
    from eyanalysis.apps.spread import SpreadView

    on = dt.date(2026, 11, 23)
    ds = sample.as_of(on)
    line = categorisation.timeline(ds.settings, ds.visits, ds.inspections, on,
                                   ds.categorisations)
    return SpreadView(line, ds.settings, ds.visits, ds.inspections, on)


def run_cli(*args, cwd=None, timeout: float = 600, env: dict | None = None):
    """``python -m eyanalysis.cli ARGS`` in a subprocess (text output captured); ``env``
    adds variables to the environment."""
    import os
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-m", "eyanalysis.cli", *map(str, args)],
                          capture_output=True, text=True, timeout=timeout, cwd=cwd,
                          env={**os.environ, **(env or {})})


def run_main(*args, cwd=None, env: dict | None = None):
    """``eyanalysis ARGS`` in this process: the same ``main`` the console script calls,
    with its streams captured, ``cwd`` and ``env`` set for the call and restored after;
    returns what :func:`run_cli` returns (``returncode``, ``stdout``, ``stderr``). About
    2 s cheaper a call than a subprocess (no interpreter start, no imports); the tests of
    the installed command itself use :func:`run_cli`."""
    import contextlib
    import io
    import os
    from types import SimpleNamespace

    from eyanalysis.cli import main

    out, err = io.StringIO(), io.StringIO()
    here, environ = os.getcwd(), dict(os.environ)
    try:
        if cwd is not None:
            os.chdir(cwd)
        os.environ.update(env or {})
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main([str(a) for a in args])
            except SystemExit as exc:  # argparse refuses a command line with exit 2
                code = exc.code if isinstance(exc.code, int) else int(exc.code is not None)
    finally:
        os.chdir(here)
        os.environ.clear()
        os.environ.update(environ)
    return SimpleNamespace(returncode=code, stdout=out.getvalue(), stderr=err.getvalue())


def session_folder(tmp_path_factory, worker_id: str) -> Path:
    """The session's temporary folder that every pytest-xdist worker shares (the folder each
    worker's own base folder sits in; the base folder itself without xdist)."""
    base = tmp_path_factory.getbasetemp()
    return base if worker_id == "master" else base.parent


@pytest.fixture(scope="session")
def corpus(tmp_path_factory, worker_id):
    """``corpus(path)``: the source a corpus file is checked in (the tiny dataset with it in
    place of its table; a workbook is its own source), one folder per file for the session,
    shared by the pytest-xdist workers. Read only: test_dataset's corpus test and
    test_hostile's check the same source, so the second reads the first's check back from
    the dataset cache."""
    import os
    import shutil
    import tempfile

    from tests.test_dataset import tiny_with

    shared = session_folder(tmp_path_factory, worker_id)
    (shared / "corpus").mkdir(exist_ok=True)

    def source(path: Path) -> Path:
        if path.suffix == ".xlsx":
            return path
        target = shared / "corpus" / path.name
        if not target.exists():
            part = Path(tempfile.mkdtemp(dir=shared / "corpus"))
            built = tiny_with(part, path)
            try:
                os.rename(built, target)  # atomic: another worker may have built it first
            except OSError:
                pass
            finally:
                shutil.rmtree(part, ignore_errors=True)
        return target

    return source


SESSION_TERM = "2026-AUT"
SESSION_TODAY = "2026-12-01"  # 2026-AUT is then running: a provisional run


@pytest.fixture(scope="session")
def termly_run(tmp_path_factory, worker_id):
    """The termly run of the bundled sample for 2026-AUT as on 1 December 2026 (provisional),
    without the PDF (``test_report_final.py`` reads the PDF of a final release), through the
    CLI with the README's relative ``--out outputs``: executed once per session, shared by
    the pytest-xdist workers (the first to ask runs it under a file lock, the others read its
    outputs); the termly, notebook, report and browser tests assert on its outputs (issue
    #10: every notebook executed once, headless, per session)."""
    import json
    from types import SimpleNamespace

    from filelock import FileLock

    shared = session_folder(tmp_path_factory, worker_id)
    cwd = shared / "termly-session"
    record = shared / "termly-session.json"
    with FileLock(str(record) + ".lock"):
        if not record.exists():
            cwd.mkdir()
            res = run_cli("termly", "--term", SESSION_TERM, "--today", SESSION_TODAY,
                          "--out", "outputs", "--timeout", "240", cwd=cwd)
            record.write_text(json.dumps({"returncode": res.returncode,
                                          "stdout": res.stdout, "stderr": res.stderr}))
    res = SimpleNamespace(**json.loads(record.read_text()))
    assert res.returncode == 0, res.stderr[-3000:]
    folder = cwd / "outputs" / SESSION_TERM
    return SimpleNamespace(folder=folder, result=res, term=SESSION_TERM, cwd=cwd,
                           notebook=lambda name: folder / "notebooks" / f"{name}.ipynb")


# pytest-xdist: the tests of a file run on one worker, so its module fixtures (a JupyterLab
# server, a year of releases) start once, except these files of independent end-to-end
# runs, spread over the workers test by test. (xdist's own `--dist loadgroup` cannot do it
# under pytest 9.2, which ignores the group suffix xdist writes into `item._nodeid`.)
SPREAD = {"test_termly.py", "test_cli.py", "test_forecast_cli.py", "test_hostile.py"}


def pytest_xdist_make_scheduler(config, log):
    from xdist.scheduler import LoadScopeScheduling

    class ByFile(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::", 1)[0]
            return nodeid if Path(path).name in SPREAD else path

    config.option.loadscopereorder = False  # keep the order below: longest work first
    return ByFile(config, log)


# The files of the longest work first (browser pages, end-to-end runs), so that the last
# work handed out is short and the two workers finish together.
FIRST = ["test_apps_browser.py", "test_termly.py", "test_browser.py", "test_report_final.py",
         "test_report.py", "test_suppression_audit.py", "test_dataset.py", "test_cli.py",
         "test_present_browser.py", "test_hostile.py", "test_forecast_cli.py", "test_synth.py"]


def pytest_collection_modifyitems(items):
    rank = {name: i for i, name in enumerate(FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(FIRST)))

"""The scheduled termly run: outputs, manifest, offline report, disclosure scan,
reproducibility, failure handling, and notebook parameter docs."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from eyanalysis.data.dataset import load
from eyanalysis.jobs import termly
from tests.conftest import ROOT

TERM = "2026-AUT"


def run_cli(*args, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "eyanalysis.cli", *map(str, args)],
                          capture_output=True, text=True, timeout=1800, cwd=cwd)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """The termly run twice on the same inputs, into two output folders: the first given
    as an absolute path, the second relative to the working folder (as in the README)."""
    out = [tmp_path_factory.mktemp(f"run{i}") for i in (1, 2)]
    results = [run_cli("termly", "--term", TERM, "--out", out[0]),
               run_cli("termly", "--term", TERM, "--out", "outputs", cwd=out[1])]
    out[1] = out[1] / "outputs"
    for res in results:
        assert res.returncode == 0, res.stderr[-3000:]
    return [o / TERM for o in out], results


def test_run_writes_report_tables_notebooks_and_manifest(runs):
    (folder, _), (res, _) = runs
    assert res.stdout.strip().endswith(str(folder))
    names = {p.name for p in folder.iterdir()}
    assert {"report.html", "tables", "tables.xlsx", "notebooks", "manifest.json"} <= names
    assert {p.stem for p in (folder / "notebooks").glob("*.ipynb")} == set(termly.NOTEBOOKS)
    assert len(list((folder / "tables").glob("*.csv"))) >= 6
    assert not [p for p in folder.parent.iterdir() if p.name.startswith(".")]  # no leftovers


def test_progress_line_per_notebook(runs):
    _, (res, _) = runs
    for name in termly.NOTEBOOKS:
        assert re.search(rf"\[\d/4\] {name}\.ipynb done in [\d.]+ s", res.stderr)


def test_manifest_records_versions_hashes_parameters_and_timings(runs):
    (folder, _), _ = runs
    m = json.loads((folder / "manifest.json").read_text())
    assert m["version"] and m["term"] == TERM and m["kernel"] == "python3"
    files = {f["path"]: f["sha256"] for f in m["parameter_files"]}
    top_up = ROOT / "parameters/inclusion/top_up.yaml"
    assert files["inclusion/top_up.yaml"] == hashlib.sha256(top_up.read_bytes()).hexdigest()
    assert {i["path"] for i in m["inputs"]} >= {"settings.csv", "attendance.csv.gz"}
    assert [n["notebook"] for n in m["notebooks"]] == [f"notebooks/{n}.ipynb"
                                                       for n in termly.NOTEBOOKS]
    assert all(n["seconds"] > 0 and n["started"] <= n["finished"] for n in m["notebooks"])
    assert m["notebooks"][0]["parameters"]["term"] == TERM


class _Tables(HTMLParser):
    """Every cell of every HTML table, and all the page's text."""

    def __init__(self):
        super().__init__()
        self.cells, self.text, self._in_cell, self._buf = [], [], False, []

    def handle_starttag(self, tag, attrs):
        if tag in ("td", "th"):
            self._in_cell, self._buf = True, []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._in_cell:
            self.cells.append("".join(self._buf).strip())
            self._in_cell = False

    def handle_data(self, data):
        self.text.append(data)
        if self._in_cell:
            self._buf.append(data)


def small_counts(cells) -> list[str]:
    return [c for c in cells if re.fullmatch(r"[1-5]", str(c).strip())]


def test_disclosure_scan_no_small_count_and_no_child_id_anywhere(runs, sample):
    (folder, _), _ = runs
    ids = set(sample.children.child_id.astype(str))
    for csv in sorted((folder / "tables").glob("*.csv")):
        frame = pd.read_csv(csv, dtype=str, keep_default_na=False)
        assert small_counts(frame.to_numpy().ravel()) == [], csv.name
        assert not ids & set(frame.to_numpy().ravel()), csv.name
    html = (folder / "report.html").read_text()
    parser = _Tables()
    parser.feed(html)
    assert len(parser.cells) > 50  # the scan really read the tables
    assert small_counts(parser.cells) == []
    assert not ids & set(re.findall(r"\w+", html))
    assert "c" in parser.cells  # suppression did happen on the sample


def test_report_makes_no_network_request(runs):
    (folder, _), _ = runs
    html = (folder / "report.html").read_text()
    assert not re.search(r'<script[^>]*src="(https?:)?//', html)
    assert "Plotly.newPlot" in html or "Plotly.react" in html  # charts embedded
    assert "publish.table(" not in html and "import eyanalysis" not in html  # code hidden


def test_repeat_run_gives_identical_csvs(runs):
    (first, second), _ = runs
    names = sorted(p.name for p in (first / "tables").glob("*.csv"))
    assert names == sorted(p.name for p in (second / "tables").glob("*.csv"))
    for name in names:
        assert (first / "tables" / name).read_bytes() == (second / "tables" / name).read_bytes()


def test_failed_run_names_notebook_and_cell_and_leaves_no_term_folder(tmp_path):
    (tmp_path / TERM).mkdir()
    (tmp_path / TERM / "keep.txt").write_text("previous run")
    res = run_cli("termly", "--term", TERM, "--out", tmp_path, "--data", tmp_path / "nothing")
    assert res.returncode != 0
    assert "termly_summary.ipynb failed in cell" in res.stderr
    assert "no such file or folder" in res.stderr
    assert (tmp_path / TERM / "keep.txt").read_text() == "previous run"  # untouched
    assert [p.name for p in tmp_path.iterdir()] == [TERM]  # no partial folder left


def test_bad_term_is_refused():
    res = run_cli("termly", "--term", "2026-WINTER")
    assert res.returncode == 2 and "YYYY-AUT" in res.stderr


NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_help_notebook_lists_every_parameter_with_type_and_help(path):
    cell = next(c for c in json.loads(path.read_text())["cells"]
                if "parameters" in c.get("metadata", {}).get("tags", []))
    lines = [ln for ln in "".join(cell["source"]).splitlines()
             if re.match(r"^\w+\s*:", ln)]
    assert lines, "the parameters cell declares typed parameters"
    res = subprocess.run([str(Path(sys.executable).with_name("papermill")), "--help-notebook",
                          str(path)], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert "Unable to parse" not in res.stderr + res.stdout
    for line in lines:
        name, kind = re.match(r"^(\w+)\s*:\s*(\w+)", line).groups()
        helptext = line.split("#", 1)[1].strip() if "#" in line else ""
        assert re.search(rf"^\s+{name}: {kind} \(default", res.stdout, re.M), name
        assert helptext and helptext[:30] in re.sub(r"\s+", " ", res.stdout), name


def test_load_is_shared_with_the_notebooks():
    assert len(load().settings) > 0


def test_the_tcp_encryption_warning_never_reaches_the_termly_log(runs, tmp_path):
    """ipykernel warns "Kernel is running over TCP without encryption" at each start of a
    TCP kernel; the termly run's kernels use IPC sockets, so its log stays clean."""
    _, results = runs
    for res in results:
        assert "without encryption" not in res.stderr
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("import warnings; warnings.warn('kept')")]
    nbformat.write(nb, tmp_path / "tiny.ipynb")
    code = ("import sys, papermill as pm; from eyanalysis.jobs.termly import ipc_kernel_manager;"
            " kw = {'kernel_manager_class': ipc_kernel_manager()} if sys.argv[1] == 'ipc' "
            "else {}; pm.execute_notebook('tiny.ipynb', 'out.ipynb', kernel_name='python3', "
            "progress_bar=False, **kw)")
    tcp, ipc = (subprocess.run([sys.executable, "-c", code, mode], capture_output=True,
                               text=True, cwd=tmp_path, timeout=300) for mode in ("tcp", "ipc"))
    assert tcp.returncode == ipc.returncode == 0, tcp.stderr + ipc.stderr
    assert "without encryption" in tcp.stderr  # the warning exists and this test sees it
    assert "without encryption" not in ipc.stderr
    out = nbformat.read(tmp_path / "out.ipynb", as_version=4)
    assert "kept" in str(out.cells[0].outputs)  # other warnings are not silenced

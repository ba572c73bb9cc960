"""The scheduled termly run (issue #10): every term the data hold, past or running, as known
on its count date; refusals; provisional wording; the cron line; outputs, manifest, offline
report, disclosure scan, reproducibility from a cut copy, failure handling, and the
notebooks' parameter docs.

The session's termly run (``termly_run`` in conftest: 2026-AUT as on 1 December 2026) is the
one execution of each notebook that the notebook tests assert on.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from eyanalysis.apps import contract
from eyanalysis.data.claims import last_term
from eyanalysis.errors import EyAnalysisError, TermNotAvailableError
from eyanalysis.jobs import termly
from eyanalysis.rules import terms
from tests import notebooks as nbt
from tests.conftest import ROOT, SESSION_TODAY, run_cli

TINY = ROOT / "tests" / "data" / "tiny"
TODAY = dt.date.fromisoformat(SESSION_TODAY)


# -- the session run: 2026-AUT, provisional ---------------------------------------------------

def test_run_writes_report_tables_notebooks_and_manifest(termly_run):
    folder, res = termly_run.folder, termly_run.result
    assert res.stdout.strip().endswith(str(folder))  # --out outputs resolved in the cwd
    names = {p.name for p in folder.iterdir()}
    assert {"report.html", "tables", "tables.xlsx", "notebooks", "manifest.json"} <= names
    assert {p.stem for p in (folder / "notebooks").glob("*.ipynb")} == set(termly.NOTEBOOKS)
    assert len(list((folder / "tables").glob("*.csv"))) >= 6
    assert not [p for p in folder.parent.iterdir() if p.name.startswith(".")]  # no leftovers


def test_progress_line_per_notebook(termly_run):
    err = termly_run.result.stderr
    assert "2026-AUT: provisional, counted on 2026-12-01; the data hold terms up to 2026-AUT" in err
    for name in termly.NOTEBOOKS:
        assert re.search(rf"\[\d/4\] {name}\.ipynb done in [\d.]+ s", err)


def test_manifest_records_versions_hashes_parameters_and_timings(termly_run):
    m = json.loads((termly_run.folder / "manifest.json").read_text())
    assert m["version"] and m["term"] == "2026-AUT" and m["kernel"] == "python3"
    assert m["as_of"] == "2026-12-01" and m["provisional"] is True
    assert m["run_date"] == "2026-12-01" and m["last_term_in_data"] == "2026-AUT"
    files = {f["path"]: f["sha256"] for f in m["parameter_files"]}
    top_up = ROOT / "parameters/inclusion/top_up.yaml"
    assert files["inclusion/top_up.yaml"] == hashlib.sha256(top_up.read_bytes()).hexdigest()
    assert {i["path"] for i in m["inputs"]} >= {"settings.csv", "attendance.csv.gz"}
    assert [n["notebook"] for n in m["notebooks"]] == [f"notebooks/{n}.ipynb"
                                                       for n in termly.NOTEBOOKS]
    assert all(n["seconds"] > 0 and n["started"] <= n["finished"] for n in m["notebooks"])
    assert m["notebooks"][0]["parameters"]["term"] == "2026-AUT"
    # every notebook read the data as known on the count date, headless
    for n in m["notebooks"]:
        assert n["parameters"]["as_of"] == "2026-12-01", n["notebook"]
        assert n["parameters"]["interactive"] is False, n["notebook"]
    # the published-tables folder is passed explicitly, to the summary only
    dirs = {n["notebook"]: n["parameters"]["publish_dir"] for n in m["notebooks"]}
    assert dirs.pop("notebooks/termly_summary.ipynb") == str(termly_run.folder / "tables")
    assert set(dirs.values()) == {""}


def test_notebooks_ran_two_at_a_time(termly_run):
    m = json.loads((termly_run.folder / "manifest.json").read_text())
    spans = [(n["started"], n["finished"]) for n in m["notebooks"]]
    overlapping = [(a, b) for i, a in enumerate(spans) for b in spans[i + 1:]
                   if a[0] < b[1] and b[0] < a[1]]
    assert overlapping and m["workers"] == 2


def test_papermill_parameters_are_built_from_the_run_contract():
    p = termly.Plan("2025-SPR", dt.date(2026, 12, 1), "2026-AUT")
    built = termly.notebook_parameters(p, "db", "/x/tables")
    for name, values in built.items():
        model = contract.MODELS[name](**values)  # each validates against its model
        assert contract.papermill_parameters(model) == values
        assert values["data_source"] == "db" and values["interactive"] is False
        assert values["as_of"] == "2025-03-31"
    assert built["termly_summary"]["term"] == "2025-SPR"
    assert built["funding_forecast"]["start_term"] == "2025-SUM"  # the next term
    assert "EYANALYSIS_PUBLISH_DIR" not in "".join(
        p.read_text() for p in (ROOT / "eyanalysis").rglob("*.py"))


class _Tables(HTMLParser):
    """Every cell of the published statistics tables (great_tables, ``gt_table``; not the
    sources table, whose cells are parameter values such as the month number 4), and all
    the page's text."""

    def __init__(self):
        super().__init__()
        self.cells, self.text, self._in_cell, self._buf = [], [], False, []
        self._statistics = False

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self._statistics = "gt_table" in (dict(attrs).get("class") or "").split()
        if tag in ("td", "th") and self._statistics:
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


def test_disclosure_scan_no_small_count_and_no_child_id_anywhere(termly_run, sample):
    folder = termly_run.folder
    ids = set(sample.children.child_id.astype(str))
    for csv in sorted((folder / "tables").glob("*.csv")):
        frame = pd.read_csv(csv, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        assert small_counts(frame.to_numpy().ravel()) == [], csv.name
        assert not ids & set(frame.to_numpy().ravel()), csv.name
    html = (folder / "report.html").read_text()
    parser = _Tables()
    parser.feed(html)
    assert len(parser.cells) > 50  # the scan really read the tables
    assert small_counts(parser.cells) == []
    assert not ids & set(re.findall(r"\w+", html))
    assert "[c]" in parser.cells  # suppression did happen on the sample, shown as [c]
    assert "c" not in parser.cells


def test_report_makes_no_network_request(termly_run):
    html = (termly_run.folder / "report.html").read_text()
    assert not re.search(r'<script[^>]*src="(https?:)?//', html)
    assert "Plotly.newPlot" in html or "Plotly.react" in html  # charts embedded
    assert "publish.table(" not in html and "import eyanalysis" not in html  # code hidden


def test_a_provisional_run_says_so_in_every_sentence_and_heading(termly_run):
    nb = nbt.read(termly_run.notebook("termly_summary"))
    shown = "".join(o["data"]["text/html"] for o in nbt.outputs(nb)
                    if "text/html" in o.get("data", {}))
    sentences = re.findall(r"<p class='ey-sentence'>(.*?)</p>", shown)
    headings = re.findall(r"<h2>(.*?)</h2>", shown.split("<div class='ey-sources'>")[0])
    assert len(sentences) >= 8 and len(headings) == 7  # headlines and six sections
    for s in sentences + headings:
        assert re.search(r"so far this term|on 1 December 2026|provisional", s), s
    titles = [json.dumps(o["data"][nbt.PLOTLY]["layout"].get("title"))
              for o in nbt.outputs(nb) if nbt.PLOTLY in o.get("data", {})]
    assert len(titles) == 6  # the trend and one chart for each of five sections
    assert all("so far this term, counted on 1 December 2026" in t for t in titles), titles
    html = (termly_run.folder / "report.html").read_text()
    assert "at the end of the term" not in html
    assert "so far this term" in html


def test_the_final_wording_of_a_past_term():
    from eyanalysis.analysis.summary import Counted

    past = Counted.of("2025-AUT", today=TODAY)
    assert not past.provisional and past.on == dt.date(2025, 12, 31)
    assert past.period == "this term" and past.when == "at the end of the term"
    assert past.heading("Visits") == ("Visits, 2025-AUT (counted at the end of the term, "
                                      "31 December 2025)")
    now = Counted.of("2026-AUT", today=TODAY)
    assert now.provisional and now.period == "so far this term"
    assert now.when == "on 1 December 2026"


@pytest.mark.parametrize("name", termly.NOTEBOOKS)
def test_every_notebook_ran_cleanly_in_the_session_run(termly_run, name):
    """The nbval-lax check (every cell ran, none raised) on the session's one execution."""
    nb = nbt.read(termly_run.notebook(name))
    nbt.assert_ran_cleanly(nb)
    assert nbt.plotly_figures(nb) >= {"termly_summary": 5, "categorisation_spread": 8,
                                      "panel_caseload": 5, "funding_forecast": 3}[name]
    assert max(nbt.cell_seconds(nb)) < 120  # no cell sat idle waiting for a reply


def test_predicted_is_the_same_in_the_report_the_timeline_and_the_forecast(termly_run, sample,
                                                                           params):
    """F9: one definition of "predicted" (rules/timing.py) through one claims adapter: the
    report's funding table, the payment timeline and the forecast notebook agree."""
    from eyanalysis.analysis import payments, summary
    from eyanalysis.rules.money import pounds_text

    funding = pd.read_csv(termly_run.folder / "tables" / "funding.csv", dtype=str,
                          keep_default_na=False, encoding="utf-8-sig").set_index("Funding line")
    predicted = funding["Predicted at the start of term (£)"]
    assert "[c]" not in (predicted["All funding lines"],
                         predicted["Early Years Pupil Premium"])

    def pence(text):
        return round(float(text) * 100)

    report = pence(predicted["Inclusion Supplement, all graduated levels"])
    assert report == (pence(predicted["All funding lines"])
                      - pence(predicted["Early Years Pupil Premium"])
                      - pence(predicted["Disability Access Fund"]))
    known = sample.as_of(TODAY)
    timeline = payments.timeline(known, params, ["2026-AUT"])
    assert report == int(timeline["predicted"].sum())
    c = summary.Counted.of("2026-AUT", today=TODAY)
    assert report == summary.supplement_pence(summary.funding(known, c, params))
    forecast_nb = nbt.text(nbt.read(termly_run.notebook("funding_forecast")))
    shown = pounds_text(pd.Series([report]), thousands=True).iloc[0]
    # the forecast notebook's payment timeline: the term's row, then its predicted amount
    assert re.search(rf">Autumn 2026<[^£]*>{re.escape(shown)}<", forecast_nb), shown


# -- every term ------------------------------------------------------------------------------

EVERY_TERM = [terms.from_index(i) for i in range(terms.index("2023-AUT"),
                                                 terms.index("2026-AUT") + 1)]


def test_every_term_of_the_sample_is_summarised_as_known_on_its_count_date(sample, params):
    """Every summary table of every term from 2023-AUT to 2026-AUT, in-process (the CLI runs
    a few terms below); the predicted supplement of each term equals the timeline's."""
    from eyanalysis.analysis import payments, summary

    timeline = payments.by_term(payments.timeline(sample, params)).set_index("term")
    assert list(timeline.index) == EVERY_TERM
    for term in EVERY_TERM:
        c = summary.Counted.of(term, today=TODAY)
        known = sample.as_of(c.on)
        assert last_term(known.attendance) == term  # nothing of a later term is known
        support = summary.support_levels(known, c)
        assert support.set_index("support_level").loc["Total", "this_term"] == 450
        children = summary.children_by_level(known, c).set_index("level")
        assert children.loc["Total", "total"] > 5000, term
        money = summary.funding(known, c, params)
        assert summary.supplement_pence(money) == timeline.loc[term, "predicted"], term
        assert summary.supplement_pence(money, "final") == timeline.loc[term, "final"], term
        assert (summary.panel_activity(known, c).drop(columns="kind") >= 0).all().all()
        assert summary.visits(known, c).set_index("visit_type").loc["Total", "planned"] > 0
        assert summary.flags(known, c)["settings"].sum() >= 0


def test_the_first_term_runs_with_no_history_through_the_cron_expression(tmp_path):
    """2023-AUT, the first term of the sample, as the README's cron line runs it on
    1 January 2024 (``--term last-ended``): every notebook, the forecast from one term."""
    res = run_cli("termly", "--term", "last-ended", "--today", "2024-01-01", "--out", tmp_path,
                  "--timeout", "240")
    assert res.returncode == 0, res.stderr[-3000:]
    folder = tmp_path / "2023-AUT"
    m = json.loads((folder / "manifest.json").read_text())
    assert m["as_of"] == "2023-12-31" and m["provisional"] is False
    for name in termly.NOTEBOOKS:
        nbt.assert_ran_cleanly(nbt.read(folder / "notebooks" / f"{name}.ipynb"))
    support = pd.read_csv(folder / "tables" / "support_levels.csv", dtype=str,
                          encoding="utf-8-sig")
    assert list(support.columns) == ["Support level", "End of Summer 2023",
                                     "End of Autumn 2023", "Change"]
    assert "at the end of the term" in (folder / "report.html").read_text()


def test_a_past_term_gives_the_same_csvs_from_the_full_source_and_a_copy_cut_then(
        tmp_path, sample):
    """2025-SPR from the full sample and from a copy cut at its count date (the sample as
    known on 31 March 2025 written as CSV, as ``eyanalysis snapshot`` does, and loaded
    again): the published tables are identical, so a re-run of a past term does not change
    when the source grows.

    Each is published by the summary notebook's own two calls (``report.build`` of the
    parameters' data and count, then ``publish``), with the parameters the termly run
    builds for it (``termly.plan``, ``termly.notebook_parameters``): the notebook itself
    runs in the session's run and in the first term's run above."""
    from eyanalysis.present import report

    cut = tmp_path / "cut"
    sample.as_of("2025-03-31").write_csv(cut)
    for name, source in (("full", ""), ("from-cut", str(cut))):
        p = termly.plan("2025-SPR", source, TODAY)
        assert p.on == dt.date(2025, 3, 31) and not p.provisional
        run = contract.TermlySummaryParameters(**termly.notebook_parameters(
            p, source, tmp_path / name)["termly_summary"])
        release = report.build(run.data(), run.counted,
                               source=report.source_label(run.data_source))
        release.publish(run.publish_to)
    a, b = tmp_path / "full", tmp_path / "from-cut"
    names = sorted(p.name for p in a.glob("*.csv"))
    assert len(names) >= 6 and names == sorted(p.name for p in b.glob("*.csv"))
    for name in names:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    funding = pd.read_csv(a / "funding.csv", dtype=str, encoding="utf-8-sig").set_index(
        "Funding line")
    total = funding.loc["All funding lines"]
    assert total["Predicted at the start of term (£)"] != total[
        "Final, with change requests (£)"]  # real figures


def test_a_term_after_the_data_is_refused_and_nothing_is_written(tmp_path):
    res = run_cli("termly", "--term", "2027-SPR", "--today", "2027-05-01", "--out", tmp_path)
    assert res.returncode == 2
    assert "the data hold terms up to 2026-AUT" in res.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_term_not_started_on_the_run_date_is_refused():
    with pytest.raises(TermNotAvailableError, match="starts on 2026-09-01"):
        termly.plan("2026-AUT", today=dt.date(2026, 8, 15))


@pytest.fixture(scope="module")
def last_held() -> str:
    held = termly.last_term_held("")
    assert held == "2026-AUT"
    return held


def cron_line() -> str:
    text = (ROOT / "README.md").read_text()
    match = re.search(r"<!-- cron-line:start -->\s*```\n(.*?)\n```\s*<!-- cron-line:end -->",
                      text, re.S)
    assert match, "README.md has no cron-line block"
    return match.group(1).strip()


@pytest.mark.parametrize("today", ["2024-01-01", "2024-04-01", "2024-09-01", "2025-01-01",
                                   "2025-04-01", "2025-09-01", "2026-01-01", "2026-04-01",
                                   "2026-09-01", "2026-12-01", "2027-01-01", "2027-04-01",
                                   "2027-09-01", "2027-12-31"])
def test_the_readme_cron_line_runs_on_the_bundled_data_on_any_date(today, last_held):
    line = cron_line()
    assert line.startswith("0 6 1 1,4,9 *") and "eyanalysis termly" in line
    expression = re.search(r"--term\s+(\S+)", line).group(1)
    day = dt.date.fromisoformat(today)
    p = termly.plan(expression, "", day, last_held)  # what the scheduled command would run
    assert terms.has_ended(p.term, day) and not p.provisional
    assert terms.index(p.term) <= terms.index("2026-AUT")
    if day.year < 2027:  # inside the data: the term just ended
        assert p.term == terms.last_ended(day)


def test_failed_run_names_notebook_and_cell_and_leaves_no_term_folder(tmp_path, monkeypatch):
    """Another authority's parameter folder that lacks a file the categorisation notebook
    reads: that notebook fails, the run names it and its cell, and writes nothing. Run in
    this process on that notebook alone (``eyanalysis termly`` prints this same message
    after ``error:``, exit 2: the refusal tests here go through the command)."""
    params = tmp_path / "parameters"
    shutil.copytree(ROOT / "parameters", params)
    (params / "support" / "minimum_visits.yaml").unlink()
    out = tmp_path / "out"
    (out / "2025-AUT").mkdir(parents=True)
    (out / "2025-AUT" / "keep.txt").write_text("previous run")
    monkeypatch.setenv("EYANALYSIS_PARAMETERS", str(params))  # the kernels inherit it
    with pytest.raises(EyAnalysisError) as failed:
        termly.run("2025-AUT", str(TINY), out, notebooks=("categorisation_spread",),
                   today=dt.date.fromisoformat(SESSION_TODAY), timeout=120,
                   progress=lambda line: None)
    message = str(failed.value)
    assert re.search(r"categorisation_spread\.ipynb failed in cell \d+ \(ParameterError",
                     message), message[-2000:]
    assert "support.minimum_visits" in message
    assert (out / "2025-AUT" / "keep.txt").read_text() == "previous run"  # untouched
    assert [p.name for p in out.iterdir()] == ["2025-AUT"]  # no partial folder left


def test_a_missing_source_is_refused_before_any_notebook(tmp_path):
    res = run_cli("termly", "--term", "2025-AUT", "--out", tmp_path, "--data",
                  tmp_path / "nothing")
    assert res.returncode == 2
    assert "no such file or folder" in res.stderr and "ipynb" not in res.stderr
    assert list(tmp_path.iterdir()) == []


def test_bad_term_is_refused():
    res = run_cli("termly", "--term", "2026-WINTER")
    assert res.returncode == 2 and "YYYY-AUT" in res.stderr and "last-ended" in res.stderr


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


def test_load_is_shared_with_the_notebooks(sample):
    assert len(sample.settings) > 0  # eyanalysis.load(), as the notebooks call it


def test_a_kernel_is_shut_down_without_an_interrupt_and_a_timeout_still_interrupts():
    """jupyter_client sends SIGINT before each shutdown; a kernel busy with a message then
    logs "ERROR | KeyboardInterrupt caught in kernel" into the termly log. The run's kernel
    manager sends none on the way out, and still interrupts a running cell (a timeout)."""
    import asyncio
    import signal

    async def scenario() -> list[int]:
        km = termly.ipc_kernel_manager()(kernel_name="python3")
        sent: list[int] = []
        signal_kernel = km._async_signal_kernel

        async def spy(signum):
            sent.append(signum)
            await signal_kernel(signum)

        km._async_signal_kernel = spy
        await km.start_kernel()
        try:
            await km.interrupt_kernel()  # what nbclient does when a cell times out
            assert sent == [signal.SIGINT]
        finally:
            await km.shutdown_kernel()
        return sent

    assert asyncio.run(scenario()) == [signal.SIGINT]  # none more at shutdown


def test_the_tcp_encryption_warning_never_reaches_the_termly_log(termly_run, tmp_path):
    """ipykernel warns "Kernel is running over TCP without encryption" at each start of a
    TCP kernel; the termly run's kernels use IPC sockets, so its log stays clean."""
    assert "without encryption" not in termly_run.result.stderr
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

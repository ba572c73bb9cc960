"""The scheduled termly run: every notebook through papermill, one folder per term.

:func:`run` loads and validates the data once, reads them as known on the term's count
date (:meth:`eyanalysis.data.dataset.Dataset.as_of`) and saves that copy for the notebooks;
then it executes ``notebooks/termly_summary.ipynb`` and the three analysis notebooks with
papermill (explicit kernel, execution timeout, typed parameters built from the run contract
:mod:`eyanalysis.apps.contract` and validated inside each notebook), two at a time (they are
independent), and writes ``OUT/<term>/``:

- ``report.html``: the termly summary with code hidden and plotly embedded, so it opens
  with no internet connection;
- ``report.html``: the release (:mod:`eyanalysis.present.report`): meta block, headline
  figures with their changes, trend, commentary, charts and publication tables;
- ``report.pdf`` with ``pdf=True`` (``--pdf``): the same page printed by weasyprint, charts
  as kaleido images (:mod:`eyanalysis.present.pdf`), A4 with page numbers; the HTML report
  then links to it;
- ``tables/*.csv`` and ``tables.xlsx``: the published tables, every one through disclosure
  control (:mod:`eyanalysis.present.publish`), written by the summary notebook (its
  ``publish_dir`` is ``tables/``) through :mod:`eyanalysis.present.workbook`: CSVs in UTF-8
  with a byte order mark, the workbook by gptables (cover, contents, notes, one table per
  sheet in report order, numbers as numbers), symbols ``[c]``, ``[x]``, ``[z]``;
- ``notebooks/*.ipynb``: the executed notebooks, working papers for the team (they may
  show setting- and child-level detail and are not for circulation);
- ``manifest.json``: package version, parameter and input files with sha256, the count date
  and whether the run is provisional, papermill parameters, and the start, end and
  duration of each notebook.

**Every term the data hold.** A term's count date is the earlier of its last day and the
run date (``today``); every notebook reads the data as known on it
(:meth:`eyanalysis.data.dataset.Dataset.as_of`), so a past term is summarised as it was
known then and its forecast starts at the next term from the history known then: re-running
a past term gives the same tables however much the source has grown since. A term that has
not started by the run date, or after the last term the data hold, is refused before
anything is written (:class:`~eyanalysis.errors.TermNotAvailableError`, naming the last term
the data hold). A run before the term's last day is *provisional* and says so.

Everything is built in a temporary folder beside the target and moved into place only
when every notebook succeeded, so a failed or interrupted run leaves no half-written term.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import multiprocessing
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import FIRST_EXCEPTION, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path

from eyanalysis import __version__
from eyanalysis.apps.contract import (
    ForecastParameters,
    PanelCaseloadParameters,
    SpreadParameters,
    TermlySummaryParameters,
    papermill_parameters,
)
from eyanalysis.errors import TermError, TermlyRunError, TermNotAvailableError
from eyanalysis.parameters import default_root, parameter_files
from eyanalysis.rules import terms

_HERE = Path(__file__).resolve().parent.parent  # the eyanalysis package
# the copy inside an installed wheel, else the repository's notebooks/ (editable install)
NOTEBOOK_DIR = (_HERE / "_notebooks" if (_HERE / "_notebooks").is_dir()
                else _HERE.parent / "notebooks")
NOTEBOOKS = ("termly_summary", "categorisation_spread", "panel_caseload", "funding_forecast")
# run order: the longest first, so two workers finish close together
RUN_ORDER = ("funding_forecast", "panel_caseload", "termly_summary", "categorisation_spread")
KERNEL = "python3"
TIMEOUT = 900  # seconds per cell
WORKERS = 2  # notebooks run at once (each in its own kernel)
# the report's notebook embeds plotly.js once, so its HTML opens offline (GUIDE.md §1); the
# working papers (opened in JupyterLab) carry the plotly mimetype only, 4.6 MB lighter each
RENDERER = "plotly_mimetype+notebook"
WORKING_PAPER_RENDERER = "plotly_mimetype"
REPORT = "termly_summary"
REPORT_SKIP = "report-skip"  # cell tag: in the notebook, not in report.html
LAST_ENDED = "last-ended"
CURRENT = "current"
KEYWORDS = (LAST_ENDED, CURRENT)
FORECAST_TERMS = 3
FORECAST_PATHS = 1000
FORECAST_SEED = 20261123


def ipc_kernel_manager():
    """A kernel manager whose kernels talk over local IPC sockets instead of TCP.

    ipykernel warns "Kernel is running over TCP without encryption" at every start of a
    TCP kernel; a headless run needs no network port at all, so the termly run's kernels
    use IPC (Unix sockets beside the connection file) and the warning never reaches the
    termly log. Other warnings are untouched.

    And a kernel is not interrupted on its way out: jupyter_client sends SIGINT before every
    shutdown request, and a kernel still finishing a message when it arrives logs
    "ERROR | KeyboardInterrupt caught in kernel" into the scheduled job's log (seen in a
    clean run of the README's main command). papermill shuts a kernel down only after its
    last cell; an interrupt a cell's timeout asks for is still sent.
    """
    from jupyter_client import AsyncKernelManager
    from traitlets import default

    class IPCKernelManager(AsyncKernelManager):
        @default("transport")
        def _default_transport(self):
            return "ipc"

        @default("ip")
        def _default_ip(self):
            # each kernel its own socket folder: jupyter_client's fallback ("kernel-ipc" in
            # the working folder) is shared by the notebooks run side by side, whose
            # kernels then read each other's messages ("Invalid Signature")
            return str(Path(tempfile.mkdtemp(prefix="eyanalysis-kernel-")) / "kernel")

        async def _async_interrupt_kernel(self):
            if self.shutting_down:  # set by shutdown_kernel just before it interrupts
                return
            await super()._async_interrupt_kernel()

        def cleanup_ipc_files(self):
            super().cleanup_ipc_files()
            folder = Path(self.ip).parent
            if folder.name.startswith("eyanalysis-kernel-"):
                shutil.rmtree(folder, ignore_errors=True)

    return IPCKernelManager


def last_term_held(data: str = "") -> str:
    """The last term the data source holds: the latest term id in its attendance table
    (read as text, without validating the rest)."""
    from eyanalysis.data.dataset import SAMPLE
    from eyanalysis.data.sources import read_source

    raw = read_source(data or SAMPLE, ["attendance"])["attendance"].text
    found = []
    for value in raw.get("term", []).unique() if "term" in raw else []:
        try:
            found.append(terms.index(value))
        except TermError:
            continue  # a bad id is the validation's to report
    if not found:
        raise TermNotAvailableError(f"{data or 'the bundled sample'}: the attendance table "
                                    "holds no term, so there is no term to run.")
    return terms.from_index(max(found))


def resolve_term(expression: str, data: str = "", today: dt.date | None = None,
                 last_held: str | None = None) -> str:
    """A term id from ``--term``: an id (``2026-SUM``), or a keyword for a schedule:
    ``last-ended`` (the latest term that has ended by ``today`` and that the data hold) or
    ``current`` (the term containing ``today``). ``last_held`` saves reading the data's
    last term again."""
    today = today or dt.date.today()
    word = str(expression).strip().lower()
    if word == LAST_ENDED:
        last = terms.index(last_held or last_term_held(data))
        return terms.from_index(min(terms.index(terms.last_ended(today)), last))
    if word == CURRENT:
        return terms.containing(today)
    try:
        return terms.from_index(terms.index(expression))
    except TermError:
        raise TermError(f"--term {expression!r}: write YYYY-AUT, YYYY-SPR or YYYY-SUM, or "
                        f"one of {', '.join(KEYWORDS)}.") from None


@dataclass(frozen=True)
class Plan:
    """What a run will do: the term, the date it is counted at, the data's last term."""

    term: str
    today: dt.date
    last_held: str

    @property
    def on(self) -> dt.date:
        return terms.counted_at(self.term, self.today)

    @property
    def provisional(self) -> bool:
        return self.on < terms.end(self.term)


def plan(term: str, data: str = "", today: dt.date | None = None,
         last_held: str | None = None) -> Plan:
    """Check that ``term`` can be run on ``today`` and return the :class:`Plan`; refuse
    (:class:`TermNotAvailableError`) a term after the last the data hold or not started.
    ``last_held`` (the data's last term) is read from the data when not given."""
    today = today or dt.date.today()
    last = last_held or last_term_held(data)
    term = resolve_term(term, data, today, last)
    if terms.index(term) > terms.index(last):
        raise TermNotAvailableError(
            f"--term {term}: the data hold terms up to {last}; run {last} or an earlier "
            "term. Nothing was written.")
    if terms.start(term) > today:
        raise TermNotAvailableError(
            f"--term {term}: it starts on {terms.start(term)}, after the run date {today}; "
            f"run {terms.containing(today)} (provisional) or an earlier term. Nothing was "
            "written.")
    return Plan(term, today, last)


def notebook_parameters(p: Plan, data: str, tables: Path | str = "") -> dict[str, dict]:
    """The papermill parameters of each notebook for one run, built from the run contract
    (:mod:`eyanalysis.apps.contract`). ``data`` is the data source (the run passes the
    dataset it saved; the manifest records the parameters with the source as given)."""
    on = p.on
    models = {
        "termly_summary": TermlySummaryParameters(
            term=p.term, as_of=on, data_source=data, interactive=False,
            publish_dir=str(tables)),
        "categorisation_spread": SpreadParameters(as_of=on, data_source=data,
                                                  interactive=False),
        "panel_caseload": PanelCaseloadParameters(as_of=on, panel_date=on, data_source=data,
                                                  interactive=False),
        "funding_forecast": ForecastParameters(
            as_of=on, start_term=terms.shift(p.term, 1), horizon=FORECAST_TERMS,
            paths=FORECAST_PATHS, seed=FORECAST_SEED, data_source=data, interactive=False),
    }
    return {name: papermill_parameters(m) for name, m in models.items()}


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def input_files(data: str) -> list[Path]:
    """The files a data source reads (a database URL has none: it is recorded as given)."""
    from eyanalysis.data.dataset import SAMPLE

    source = Path(data) if data else SAMPLE
    if "://" in str(data):
        return []
    return sorted(p for p in source.iterdir() if p.is_file()) if source.is_dir() else [source]


_REMOTE_SCRIPT = re.compile(r'<script\b[^>]*\bsrc="(?:(?:https?:)?//[^"]*)?"[^>]*>\s*</script>')


def export_html(notebook: Path, target: Path, title: str) -> None:
    """HTML with code hidden that opens with no internet connection.

    plotly.js is embedded once by the renderer; the remote scripts nbconvert and plotly
    would add (require.js, MathJax) are not needed by a report without widgets or
    mathematics and are removed, so the page makes no network request.
    """
    import nbformat
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    config = Config()  # a cell tagged report-skip (the notebook's own preface) is left out
    config.TagRemovePreprocessor.remove_cell_tags = {REPORT_SKIP}
    config.TagRemovePreprocessor.enabled = True
    exporter = HTMLExporter(config=config, template_name="lab", exclude_input=True,
                            exclude_input_prompt=True, exclude_output_prompt=True)
    node = nbformat.read(notebook, as_version=4)
    body, _ = exporter.from_notebook_node(node, resources={"metadata": {"name": title}})
    target.write_text(_REMOTE_SCRIPT.sub("", body), encoding="utf-8")


def tables_workbook(folder: Path, target: Path) -> None:
    """Move the workbook the summary notebook wrote beside its CSVs (gptables, through
    :meth:`eyanalysis.present.report.Release.publish`) to ``target``."""
    written = folder / "tables.xlsx"
    if not written.exists():
        raise TermlyRunError(f"the summary notebook wrote no {written}: run it with "
                             "publish_dir set (the termly run does).")
    written.replace(target)


def link_pdf(report: Path, pdf_name: str = "report.pdf") -> None:
    """Put a link to the PDF into the report's meta block (not printed in the PDF)."""
    from eyanalysis.present.report import PDF_LINK

    page = report.read_text(encoding="utf-8")
    link = (f'<p class="ey-pdf-link no-print"><a href="{pdf_name}">Download this report as '
            "a PDF (A4, for printing)</a></p>")
    report.write_text(page.replace(PDF_LINK, link, 1), encoding="utf-8")


def write_pdf(report: Path, target: Path) -> Path:
    """The report page as an A4 PDF (weasyprint; charts drawn by kaleido with Debian's
    chromium)."""
    from eyanalysis.present import pdf

    css = (".jp-OutputPrompt, .jp-InputPrompt, .jp-Collapser, .anchor-link "
           "{ display: none !important; }\n"
           ".jp-Cell, .jp-OutputArea-output, .jp-RenderedHTMLCommon { padding: 0; "
           "margin: 0; overflow: visible !important; }\n")
    return pdf.report_pdf(report.read_text(encoding="utf-8"), target, css=css,
                          base_url=report.parent)


def execute(name: str, target: str, parameters: dict, kernel: str, timeout: int,
            cwd: str) -> dict:
    """Run one notebook with papermill (in a worker process); a plain dict comes back,
    with the failing cell on error (papermill's exception does not cross processes)."""
    import papermill as pm

    # a worker runs one notebook at a time: its kernel inherits this renderer
    os.environ["PLOTLY_RENDERER"] = RENDERER if name == REPORT else WORKING_PAPER_RENDERER
    begun, t0 = dt.datetime.now(dt.UTC), time.perf_counter()
    record = {"notebook": f"notebooks/{name}.ipynb", "parameters": parameters,
              "started": begun.isoformat(timespec="seconds")}
    try:
        pm.execute_notebook(NOTEBOOK_DIR / f"{name}.ipynb", target, parameters=parameters,
                            kernel_name=kernel, execution_timeout=timeout,
                            progress_bar=False, cwd=cwd,
                            kernel_manager_class=ipc_kernel_manager(),
                            # written once at the end, not after every cell: the folder is
                            # moved into place only when every notebook succeeded (a report
                            # notebook carries plotly.js, 4.6 MB, through every save)
                            request_save_on_cell_execute=False)
    except pm.PapermillExecutionError as exc:
        record["error"] = f"{name}.ipynb failed in cell {exc.exec_count} ({exc.ename}: " \
                          f"{exc.evalue})"
    except Exception as exc:  # a kernel that died or timed out: report, never hang
        record["error"] = f"{name}.ipynb failed ({type(exc).__name__}: {exc})"
    record["finished"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    record["seconds"] = round(time.perf_counter() - t0, 1)
    return record


def run(term: str, data: str = "", out: Path | str = "outputs", *,
        notebooks: tuple[str, ...] = NOTEBOOKS, kernel: str = KERNEL, timeout: int = TIMEOUT,
        today: dt.date | None = None, workers: int = WORKERS, pdf: bool = False,
        progress: Callable[[str], None] = print) -> Path:
    """Run the termly notebooks for ``term`` (an id or a keyword, :func:`resolve_term`) as on
    ``today`` (default: the real date) and move ``out/<term>/`` into place; ``pdf`` also
    writes ``report.pdf``."""
    from eyanalysis.data.dataset import load

    p = plan(term, data, today)
    out = Path(out).resolve()  # the kernels run in the work folder: no relative paths
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{p.term}.partial-", dir=out))
    work.chmod(0o755)
    started = dt.datetime.now(dt.UTC)
    saved = work / "data" / "dataset.pickle"
    params = notebook_parameters(p, str(saved), work / "tables")
    status = "provisional, counted on" if p.provisional else "counted at the end of the term,"
    progress(f"{p.term}: {status} {p.on}; the data hold terms up to {p.last_held}")
    try:
        (work / "notebooks").mkdir()
        (work / "tables").mkdir()
        (work / "data").mkdir()
        t0 = time.perf_counter()
        known = load(data or None).as_of(p.on)  # loaded and validated once, for every notebook
        known.save(saved)
        (saved.parent / "source.txt").write_text(data or "")  # for the report's meta block
        progress(f"data loaded as known on {p.on} in {time.perf_counter() - t0:.1f} s: "
                 f"{known.summary}")
        records = _execute_all(p.term, [n for n in RUN_ORDER if n in notebooks], params, work,
                               kernel, timeout, workers, progress)
        from eyanalysis.present import format as fmt
        from eyanalysis.present.report import TITLE

        export_html(work / "notebooks" / "termly_summary.ipynb", work / "report.html",
                    f"{TITLE}: {fmt.term(p.term)}")
        tables_workbook(work / "tables", work / "tables.xlsx")
        if pdf:
            t0 = time.perf_counter()
            link_pdf(work / "report.html")
            write_pdf(work / "report.html", work / "report.pdf")
            progress(f"report.pdf written in {time.perf_counter() - t0:.1f} s")
        root = default_root()
        final = out / p.term
        # the parameters as they point after the move (e.g. publish_dir: TERM/tables)
        records = json.loads(json.dumps(records).replace(str(work), str(final)))
        for record in records.values():  # as a person re-runs it: the source as given
            record["parameters"]["data_source"] = data
        shutil.rmtree(work / "data")  # the saved copy holds child-level rows: not kept
        manifest = {
            "package": "eyanalysis", "version": __version__, "term": p.term,
            "as_of": p.on.isoformat(), "provisional": p.provisional,
            "run_date": p.today.isoformat(), "last_term_in_data": p.last_held,
            "data_source": data or "bundled sample county",
            "started": started.isoformat(timespec="seconds"),
            "finished": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "kernel": kernel, "execution_timeout": timeout, "workers": workers,
            "pdf": pdf,
            "parameter_files": [{"path": str(f.relative_to(root)), "sha256": sha256(f)}
                                for f in parameter_files(root)],
            "inputs": [{"path": f.name, "sha256": sha256(f)} for f in input_files(data)],
            "notebooks": [records[n] for n in notebooks],
            "tables": [{"path": f"tables/{f.name}", "sha256": sha256(f)}
                       for f in sorted((work / "tables").glob("*.csv"))],
        }
        (work / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
        if final.exists():
            old = out / f".{p.term}.old-{os.getpid()}"
            final.rename(old)
            work.rename(final)
            shutil.rmtree(old)
        else:
            work.rename(final)
        return final
    finally:
        if work.exists():
            shutil.rmtree(work, ignore_errors=True)


def _execute_all(term: str, names: list[str], params: dict[str, dict], work: Path,
                 kernel: str, timeout: int, workers: int,
                 progress: Callable[[str], None]) -> dict[str, dict]:
    """Every notebook, ``workers`` at a time; the first failure stops the run."""
    n = len(names)
    records: dict[str, dict] = {}
    context = multiprocessing.get_context("spawn")  # no state shared with the caller
    with ProcessPoolExecutor(max_workers=max(1, min(workers, n)), mp_context=context) as pool:
        futures = {}
        for name in names:
            progress(f"[{len(futures) + 1}/{n}] {name}.ipynb ...")
            futures[pool.submit(execute, name, str(work / "notebooks" / f"{name}.ipynb"),
                                params[name], kernel, timeout, str(work))] = name
        pending = set(futures)
        while pending:
            done, pending = wait(pending, return_when=FIRST_EXCEPTION)
            for future in done:
                record = future.result()
                name = futures[future]
                if "error" in record:
                    for other in pending:
                        other.cancel()
                    raise TermlyRunError(
                        f"{record['error']}. Nothing was written to the {term} folder. Run "
                        f"the notebook alone to see the cell: papermill "
                        f"{NOTEBOOK_DIR / (name + '.ipynb')} /tmp/{name}.ipynb -k {kernel} "
                        f"-y '{json.dumps(params[name])}'")
                records[name] = record
                progress(f"[{len(records)}/{n}] {name}.ipynb done in {record['seconds']} s")
    return records

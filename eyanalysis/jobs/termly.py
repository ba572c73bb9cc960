"""The scheduled termly run: every notebook through papermill, one folder per term.

:func:`run` executes ``notebooks/termly_summary.ipynb`` and the three analysis notebooks
with papermill (explicit kernel, execution timeout, typed parameters validated inside each
notebook) and writes ``OUT/<term>/``:

- ``report.html``: the termly summary with code hidden and plotly embedded, so it opens
  with no internet connection;
- ``tables/*.csv`` and ``tables.xlsx``: the published tables, every one through disclosure
  control (:mod:`eyanalysis.present.publish`);
- ``notebooks/*.ipynb``: the executed notebooks, working papers for the team (they may
  show setting- and child-level detail and are not for circulation);
- ``manifest.json``: package version, parameter and input files with sha256, papermill
  parameters, and the start, end and duration of each notebook.

Everything is built in a temporary folder beside the target and moved into place only
when every notebook succeeded, so a failed or interrupted run leaves no half-written term.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from eyanalysis import __version__
from eyanalysis.errors import TermlyRunError
from eyanalysis.parameters import default_root, parameter_files
from eyanalysis.present.publish import PUBLISH_DIR_ENV
from eyanalysis.rules import terms

_HERE = Path(__file__).resolve().parent.parent  # the eyanalysis package
# the copy inside an installed wheel, else the repository's notebooks/ (editable install)
NOTEBOOK_DIR = (_HERE / "_notebooks" if (_HERE / "_notebooks").is_dir()
                else _HERE.parent / "notebooks")
NOTEBOOKS = ("termly_summary", "categorisation_spread", "panel_caseload", "funding_forecast")
KERNEL = "python3"
TIMEOUT = 900  # seconds per cell
RENDERER = "plotly_mimetype+notebook"  # plotly.js embedded once: offline HTML (GUIDE.md §1)


def ipc_kernel_manager():
    """A kernel manager whose kernels talk over local IPC sockets instead of TCP.

    ipykernel warns "Kernel is running over TCP without encryption" at every start of a
    TCP kernel; a headless run needs no network port at all, so the termly run's kernels
    use IPC (Unix sockets beside the connection file) and the warning never reaches the
    termly log. Other warnings are untouched.
    """
    from jupyter_client import AsyncKernelManager
    from traitlets import default

    class IPCKernelManager(AsyncKernelManager):
        @default("transport")
        def _default_transport(self):
            return "ipc"

    return IPCKernelManager




def notebook_parameters(term: str, data: str, as_of: dt.date) -> dict[str, dict]:
    """The papermill parameters of each notebook for one term (recorded in the manifest)."""
    day = as_of.isoformat()
    return {
        "termly_summary": {"term": term, "data_source": data, "as_of": day},
        "categorisation_spread": {"as_of": day, "source": data, "interactive": False},
        "panel_caseload": {"as_of": day, "panel_date": day, "data_source": data,
                           "interactive": False},
        "funding_forecast": {"start_term": terms.shift(term, 1), "horizon": 3, "paths": 1000,
                             "seed": 20261123, "data_source": data, "interactive": False},
    }


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

    exporter = HTMLExporter(template_name="lab", exclude_input=True,
                            exclude_input_prompt=True, exclude_output_prompt=True)
    node = nbformat.read(notebook, as_version=4)
    body, _ = exporter.from_notebook_node(node, resources={"metadata": {"name": title}})
    target.write_text(_REMOTE_SCRIPT.sub("", body), encoding="utf-8")


def tables_workbook(folder: Path, target: Path) -> None:
    """One sheet per published table (the CSVs, as published)."""
    import pandas as pd

    from eyanalysis.data.export import safe_excel

    # the CSVs are already neutralised ('=...); read back as text, they stay so in the book
    safe_excel({csv.stem: pd.read_csv(csv, dtype=str, keep_default_na=False)
                for csv in sorted(folder.glob("*.csv"))}, target)


def run(term: str, data: str = "", out: Path | str = "outputs", *,
        notebooks: tuple[str, ...] = NOTEBOOKS, kernel: str = KERNEL, timeout: int = TIMEOUT,
        today: dt.date | None = None, progress: Callable[[str], None] = print) -> Path:
    """Run the termly notebooks for ``term`` and move ``out/<term>/`` into place."""
    import papermill as pm

    terms.parse(term)
    out = Path(out).resolve()  # the kernels run in the work folder: no relative paths
    out.mkdir(parents=True, exist_ok=True)
    as_of = terms.counted_at(term, today)
    params = notebook_parameters(term, data, as_of)
    work = Path(tempfile.mkdtemp(prefix=f".{term}.partial-", dir=out))
    work.chmod(0o755)
    started = dt.datetime.now(dt.UTC)
    records = []
    env_before = {k: os.environ.get(k) for k in (PUBLISH_DIR_ENV, "PLOTLY_RENDERER")}
    os.environ["PLOTLY_RENDERER"] = RENDERER
    try:
        (work / "notebooks").mkdir()
        for i, name in enumerate(notebooks, 1):
            source = NOTEBOOK_DIR / f"{name}.ipynb"
            target = work / "notebooks" / f"{name}.ipynb"
            # only the summary publishes tables; the analysis notebooks are working papers
            os.environ[PUBLISH_DIR_ENV] = str(work / ("tables" if name == "termly_summary"
                                                      else "unpublished"))
            t0, begun = time.perf_counter(), dt.datetime.now(dt.UTC)
            progress(f"[{i}/{len(notebooks)}] {name}.ipynb ...")
            try:
                pm.execute_notebook(source, target, parameters=params[name], kernel_name=kernel,
                                    execution_timeout=timeout, progress_bar=False,
                                    cwd=str(work), kernel_manager_class=ipc_kernel_manager())
            except pm.PapermillExecutionError as exc:
                raise TermlyRunError(
                    f"{name}.ipynb failed in cell {exc.exec_count} ({exc.ename}: {exc.evalue}). "
                    f"Nothing was written to {out / term}. Run the notebook alone to see the "
                    f"cell: papermill {source} /tmp/{name}.ipynb -k {kernel}"
                ) from None
            seconds = round(time.perf_counter() - t0, 1)
            records.append({"notebook": f"notebooks/{name}.ipynb", "parameters": params[name],
                            "started": begun.isoformat(timespec="seconds"),
                            "finished": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                            "seconds": seconds})
            progress(f"[{i}/{len(notebooks)}] {name}.ipynb done in {seconds} s")
        shutil.rmtree(work / "unpublished", ignore_errors=True)
        export_html(work / "notebooks" / "termly_summary.ipynb", work / "report.html",
                    f"Early years termly summary {term}")
        (work / "tables").mkdir(exist_ok=True)
        tables_workbook(work / "tables", work / "tables.xlsx")
        root = default_root()
        manifest = {
            "package": "eyanalysis", "version": __version__, "term": term,
            "as_of": as_of.isoformat(), "data_source": data or "bundled sample county",
            "started": started.isoformat(timespec="seconds"),
            "finished": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "kernel": kernel, "execution_timeout": timeout,
            "parameter_files": [{"path": str(p.relative_to(root)), "sha256": sha256(p)}
                                for p in parameter_files(root)],
            "inputs": [{"path": p.name, "sha256": sha256(p)} for p in input_files(data)],
            "notebooks": records,
            "tables": [{"path": f"tables/{p.name}", "sha256": sha256(p)}
                       for p in sorted((work / "tables").glob("*.csv"))],
        }
        (work / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
        final = out / term
        if final.exists():
            old = out / f".{term}.old-{os.getpid()}"
            final.rename(old)
            work.rename(final)
            shutil.rmtree(old)
        else:
            work.rename(final)
        return final
    finally:
        for key, value in env_before.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        if work.exists():
            shutil.rmtree(work, ignore_errors=True)

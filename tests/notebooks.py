"""Checks on executed notebooks (the session's termly run executes each notebook once)."""

from __future__ import annotations

from pathlib import Path

import nbformat

PLOTLY = "application/vnd.plotly.v1+json"


def read(path: Path):
    return nbformat.read(path, as_version=4)


def code_cells(nb) -> list:
    return [c for c in nb.cells if c.cell_type == "code"]


def outputs(nb) -> list:
    return [o for c in code_cells(nb) for o in c.get("outputs", [])]


def assert_ran_cleanly(nb) -> None:
    """What ``pytest --nbval-lax`` checks: every code cell ran (an execution count) and none
    raised (no error output)."""
    cells = code_cells(nb)
    assert cells, "no code cells"
    not_run = [i for i, c in enumerate(cells) if c.get("execution_count") is None]
    assert not not_run, f"code cells {not_run} did not run"
    errors = [o for o in outputs(nb) if o.get("output_type") == "error"]
    assert not errors, "\n".join(f"{o['ename']}: {o['evalue']}" for o in errors)


def plotly_figures(nb) -> int:
    return sum(PLOTLY in o.get("data", {}) for o in outputs(nb))


def text(nb) -> str:
    """Every text/plain, text/markdown and text/html output and stream, joined."""
    parts = []
    for o in outputs(nb):
        if o.get("output_type") == "stream":
            parts.append(o.get("text", ""))
        for kind in ("text/plain", "text/markdown", "text/html"):
            value = o.get("data", {}).get(kind)
            if value:
                parts.append(value if isinstance(value, str) else "".join(value))
    return "\n".join(parts)


def cell_seconds(nb) -> list[float]:
    return [c.metadata.get("papermill", {}).get("duration") or 0.0 for c in code_cells(nb)]

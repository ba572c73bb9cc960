"""Small helpers that keep notebooks thin: plotting set-up and the sources cell."""

from __future__ import annotations

import os

import pandas as pd

from eyanalysis.parameters import Parameters, load_parameters

# plotly.js embedded once per notebook: charts render in JupyterLab, in nbconvert HTML
# and offline (GUIDE.md §1). Never a CDN renderer: reports must open with no internet.
OFFLINE_RENDERER = "plotly_mimetype+notebook"
SOURCE_COLUMNS = ["parameter", "label", "value", "unit", "in force from", "dates read",
                  "source", "link or page"]


def configure_plotly() -> str:
    """Set plotly's default renderer (``$PLOTLY_RENDERER`` wins) and return its name."""
    import plotly.io as pio

    pio.renderers.default = os.environ.get("PLOTLY_RENDERER", OFFLINE_RENDERER)
    return pio.renderers.default


def sources(params: Parameters | None = None) -> pd.DataFrame:
    """The parameters a notebook actually used, from the reads ``params`` recorded
    (:meth:`eyanalysis.parameters.Parameters.read_log`): one row per parameter and value in
    force on the dates it was read, with its unit, the dates read and its reference. A
    parameter whose whole series was consulted lists every dated value."""
    params = params or load_parameters()
    read: dict[str, list] = {}
    for path, day in params.read_log():
        read.setdefault(path, []).append(day)
    rows = []
    for path in sorted(read):
        par = params[path]
        days = read[path]
        dated = sorted(d for d in days if d is not None)
        entries = list(par.values) if None in days else list(
            {par.entry(d).start: par.entry(d) for d in dated}.values())
        for entry in sorted(entries, key=lambda e: e.start):
            used = [d for d in dated if par.entry(d).start == entry.start]
            refs = list(entry.reference) or list(par.metadata.get("reference", []))
            ref = refs[0] if refs else {}
            rows.append({
                "parameter": path, "label": par.label, "value": _text(entry.value),
                "unit": par.unit, "in force from": entry.start.isoformat(),
                "dates read": _span(used) if used else "every dated value",
                "source": ref.get("title", ""),
                "link or page": ref.get("href") or (f"p. {ref['page']}" if ref.get("page")
                                                    else ""),
            })
    return pd.DataFrame(rows, columns=SOURCE_COLUMNS)


def _text(value) -> str:
    if isinstance(value, dict):  # a contact: "Early Years Team, early.years@example.org"
        return ", ".join(_text(v) for v in value.values() if v not in ("", None)) or "(none)"
    if isinstance(value, (list, tuple, set, frozenset)):
        return ", ".join(str(v) for v in value) or "(none)"
    return str(value)


def _span(days: list) -> str:
    first, last = min(days), max(days)
    return first.isoformat() if first == last else f"{first.isoformat()} to {last.isoformat()}"

"""Small helpers that keep notebooks thin: plotting set-up and the sources cell."""

from __future__ import annotations

import datetime as dt
import os

import pandas as pd

from eyanalysis.parameters import Parameters, load_parameters

# plotly.js embedded once per notebook: charts render in JupyterLab, in nbconvert HTML
# and offline (GUIDE.md §1). Never a CDN renderer: reports must open with no internet.
OFFLINE_RENDERER = "plotly_mimetype+notebook"


def configure_plotly() -> str:
    """Set plotly's default renderer (``$PLOTLY_RENDERER`` wins) and return its name."""
    import plotly.io as pio

    pio.renderers.default = os.environ.get("PLOTLY_RENDERER", OFFLINE_RENDERER)
    return pio.renderers.default


def sources(paths: list[str], on: dt.date | str, params: Parameters | None = None
            ) -> pd.DataFrame:
    """The parameters a notebook used: value on ``on``, unit and the reference behind it."""
    params = params or load_parameters()
    rows = []
    for path in paths:
        par = params[path]
        entry = par.entry(on)
        refs = list(entry.reference) or list(par.metadata.get("reference", []))
        ref = refs[0] if refs else {}
        rows.append({
            "parameter": path, "label": par.label, "value": entry.value, "unit": par.unit,
            "in force from": entry.start.isoformat(), "source": ref.get("title", ""),
            "link or page": ref.get("href") or (f"p. {ref['page']}" if ref.get("page") else ""),
        })
    return pd.DataFrame(rows)

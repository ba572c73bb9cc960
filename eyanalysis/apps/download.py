"""Download links for the apps: files made on the server by the formula-safe writers
(:func:`eyanalysis.data.export.safe_csv`, :func:`~eyanalysis.data.export.safe_excel`, or a
gptables workbook cleaned by :func:`~eyanalysis.data.export.defuse_xlsx`) and handed to the
browser as ``data:`` links with a file name, so nothing a user supplied reaches a
spreadsheet as a formula and no file server is needed (Voila serves only the page)."""

from __future__ import annotations

import base64
import html
import tempfile
from pathlib import Path

import pandas as pd

from eyanalysis.data.export import safe_csv, safe_excel

CSV = "text/csv;charset=utf-8"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

STYLE = ("<style>.ey-download { display: inline-block; margin: 4px 8px 4px 0; padding: 6px 12px;"
         " background: #f3f2f1; border: 1px solid #b1b4b6; color: #0b0c0c; "
         "text-decoration: none; font: 15px Arial, sans-serif; border-radius: 2px; }"
         ".ey-download:hover { background: #dbdad9; }</style>")


def link(label: str, filename: str, data: bytes, mime: str) -> str:
    """An ``<a download>`` button carrying ``data``."""
    href = f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
    return (f'<a class="ey-download" download="{html.escape(filename)}" '
            f'href="{href}">{html.escape(label)}</a>')


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """UTF-8 with a byte-order mark, so Excel keeps £ and accents."""
    return ("\ufeff" + safe_csv(frame)).encode("utf-8")


def xlsx_bytes(sheets: dict[str, pd.DataFrame]) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "download.xlsx"
        safe_excel(sheets, path)
        return path.read_bytes()


def table_links(frame: pd.DataFrame, stem: str, sheet: str = "Table") -> str:
    """"Download CSV" and "Download Excel" buttons for ``frame`` (column headers as the
    reader sees them)."""
    return (STYLE + link("Download CSV", f"{stem}.csv", csv_bytes(frame), CSV)
            + link("Download Excel", f"{stem}.xlsx", xlsx_bytes({sheet: frame}), XLSX))


def file_link(label: str, path: Path | str) -> str:
    """A button for a file already written (a gptables workbook)."""
    path = Path(path)
    mime = XLSX if path.suffix.lower() == ".xlsx" else "application/octet-stream"
    return STYLE + link(label, path.name, path.read_bytes(), mime)

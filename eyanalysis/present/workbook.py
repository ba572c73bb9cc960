"""The published workbook (gptables) and the matching CSV files.

:func:`write_workbook` writes what the Analysis Function's "Releasing statistics in
spreadsheets" asks for, through its own package gptables: a cover sheet (title, what the
release covers, the period, when it was produced, the contact from the
``publication.contact`` parameter), a contents sheet, a notes sheet (every table note and
the meaning of every symbol used), then one table per sheet in the order given. Numbers are
stored as numbers with number formats (pence as pounds with two decimals, counts ``#,##0``,
percentages ``0.0%``); a suppressed cell is the symbol as text (``[c]``), explained above its
table and on the notes sheet. Text is never written as a formula.

:func:`write_csv` writes the same table as a CSV file: UTF-8 with a byte order mark (so
Excel shows ``£``), headers with their units, plain numbers (pounds with two decimals,
percentages to one decimal), the same symbols, text that Excel would read as a formula
neutralised, CRLF line ends (RFC 4180).
"""

from __future__ import annotations

import csv
import datetime as dt
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pandas as pd

from eyanalysis.errors import PresentationError
from eyanalysis.present import format as fmt
from eyanalysis.present.meta import Contact, TableSpec, check, symbols
from eyanalysis.rules import money

#: Excel number formats by column kind.
NUMBER_FORMATS = {
    "count": "#,##0",
    "expected": "#,##0",
    "pence": "£#,##0.00",
    "rate": "£#,##0.00##",
    "percent": "0.0%",
    "change": "+#,##0;-#,##0;0",
    "decimal": "#,##0.0",
}
#: xlsxwriter options: text is text, never a formula or a link (issue #15 neutralises the
#: same characters in every other export).
WORKBOOK_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False,
                    "strings_to_numbers": False}
#: What a spreadsheet program reads as the start of a formula in a CSV cell.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Release:
    """What the cover sheet says: the release's title, a few sentences about it, the period
    its figures cover (see :func:`eyanalysis.present.format.period`), when it was produced,
    and who to contact."""

    title: str
    period: str
    contact: Contact
    about: Sequence[str] = ()
    produced: dt.date = field(default_factory=dt.date.today)
    source: str = ""


def number(value, kind: str):
    """A cell for the workbook: a Python number as Excel stores it, or the symbol text."""
    if (s := fmt.symbol(value)) is not None:
        return s.text
    if kind == "pence":
        return float(money.pounds(value))
    if kind in ("count", "change"):
        return int(Decimal(str(value)))
    if kind == "expected":
        return int(fmt.half_up(value))
    return float(Decimal(str(value)))


def _sheet_frame(frame: pd.DataFrame, spec: TableSpec) -> pd.DataFrame:
    safe = check(frame, spec)
    out = {}
    for c, col in spec.columns.items():
        if col.numeric:
            out[spec.header(c)] = pd.Series([number(v, col.kind) for v in safe[c]],
                                            dtype=object)
        else:
            out[spec.header(c)] = pd.Series([fmt.cell(v, "text") for v in safe[c]],
                                            dtype=object)
    return pd.DataFrame(out)


def _gptable(frame: pd.DataFrame, spec: TableSpec, number_in_book: int,
             notes: list[tuple[str, str]], limit: int | None):
    from gptables import GPTable

    data = _sheet_frame(frame, spec)
    title_refs, column_refs = "", {}
    for i, note in enumerate(spec.all_notes, start=1):
        ref = f"{spec.name}_note_{i}"
        notes.append((ref, note.text))
        if note.column is None:
            title_refs += f" $${ref}$$"
        else:
            # by position: gptables adds the unit to the header first ("Rate\n(£ per hour)")
            column_refs[list(spec.columns).index(note.column)] = f"$${ref}$$"
    legend = []
    for code in symbols(frame, spec):
        line = fmt.symbol_key([code], limit)[0]
        ref = f"symbol_{code}"
        if ref not in dict(notes):
            notes.append((ref, line))
        legend.append(f"{line} $${ref}$$")
    # by position: gptables adds units and note markers to the headers
    formats = [{"column": {"columns": [i], "format": {"num_format": NUMBER_FORMATS[col.kind]}}}
               for i, col in enumerate(spec.columns.values()) if col.numeric]
    if spec.total_row and len(data):
        formats.append({"row": {"rows": [len(data)], "format": {"bold": True}}})
    units = {spec.header(c): col.header_unit for c, col in spec.columns.items()
             if col.header_unit}
    return GPTable(
        table=data, table_name=f"table_{number_in_book}_{spec.name}",
        title=spec.title + title_refs, subtitles=[spec.subtitle] if spec.subtitle else [],
        instructions="This worksheet contains one table. Notes are on the notes worksheet."
        if spec.all_notes or legend else "This worksheet contains one table.",
        source=f"Source: {spec.source}" if spec.source else None,
        units=units or None, table_notes=column_refs or None, legend=legend,
        index_columns={} if spec.columns[next(iter(spec.columns))].numeric else {2: 0},
        additional_formatting=formats)


def write_workbook(path: str | Path, tables: Sequence[tuple[pd.DataFrame, TableSpec]],
                   release: Release, *, limit: int | None = None) -> Path:
    """Write ``tables`` (published frame, spec), one per sheet in the order given, with a
    cover, contents and notes sheet, to ``path``. ``limit``: the suppression threshold the
    frames were published with (for the ``[c]`` explanation)."""
    from gptables import Cover
    from gptables import write_workbook as gp_write

    if not tables:
        raise PresentationError("a workbook needs at least one table.")
    names = [spec.name for _, spec in tables]
    if len(set(names)) != len(names):
        raise PresentationError(f"table names repeat in the workbook: {names}.")
    notes: list[tuple[str, str]] = []
    sheets = {}
    for i, (frame, spec) in enumerate(tables, start=1):
        sheets[spec.sheet or f"Table {i}"] = _gptable(frame, spec, i, notes, limit)
    intro = [f"Period covered: {release.period}.",
             f"Produced on {fmt.date(release.produced)}.",
             f"This workbook holds {len(tables)} table{'s' if len(tables) > 1 else ''}, one "
             "per worksheet, listed on the contents worksheet. Notes and the meaning of each "
             "symbol are on the notes worksheet."]
    about = list(release.about) + ([f"Source: {release.source}."] if release.source else [])
    cover = Cover(title=release.title, intro=intro, about=about or None,
                  contact=release.contact.lines())
    notes_table = pd.DataFrame({"Note reference": [r for r, _ in notes],
                                "Note text": [t for _, t in notes]}) if notes else None
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    placeholder = pd.DataFrame({"Note reference": ["none"],
                                "Note text": ["This release has no notes."]})
    with warnings.catch_warnings():
        # gptables 2.0 warns about its own use of pandas (deprecations, not our data) and,
        # for the placeholder note, that it is not referenced.
        warnings.filterwarnings("ignore", module="gptables")
        warnings.filterwarnings("ignore", message="The following notes are not referenced")
        gp_write(filename=path, sheets=sheets, cover=cover,
                 notes_table=notes_table if notes_table is not None else placeholder,
                 contentsheet_options={"additional_elements": ["subtitles"]},
                 workbook_options=WORKBOOK_OPTIONS)
    return path


# -- CSV --------------------------------------------------------------------------------------


def neutralise(text: str) -> str:
    """Text a spreadsheet would read as a formula, made inert with a leading apostrophe
    (OWASP, "CSV injection"). Issue #15 adds the shared helper in ``data/export.py``."""
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_value(value, kind: str) -> str:
    """A CSV cell: the symbol, a plain number (pounds with two decimals, a percentage to one
    decimal, whole expected children), or neutralised text."""
    if kind == "text":
        return (s.text if (s := fmt.symbol(value, bare=False)) else neutralise(str(value)))
    if (s := fmt.symbol(value)) is not None:
        return s.text
    if kind == "pence":
        return money.pounds(value)
    if kind == "percent":
        return str(fmt.half_up(Decimal(str(value)) * 100, 1))
    if kind == "expected":
        return str(fmt.half_up(value))
    return str(value)


def csv_header(spec: TableSpec, column: str) -> str:
    col = spec.columns[column]
    unit = "%" if col.kind == "percent" else col.header_unit
    return neutralise(f"{col.label} ({unit})" if unit else col.label)


def write_csv(path: str | Path, frame: pd.DataFrame, spec: TableSpec) -> Path:
    """Write the table to ``path`` as UTF-8 with a byte order mark and CRLF line ends
    (RFC 4180: then a field holding a carriage return or a newline is quoted, never split);
    the same inputs give the same bytes."""
    safe = check(frame, spec)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        out = csv.writer(fh, lineterminator="\r\n")
        out.writerow([csv_header(spec, c) for c in spec.columns])
        for _, row in safe.iterrows():
            out.writerow([csv_value(row[c], col.kind) for c, col in spec.columns.items()])
    return path


def write_csvs(folder: str | Path, tables: Sequence[tuple[pd.DataFrame, TableSpec]]
               ) -> list[Path]:
    """One ``<name>.csv`` per table in ``folder``."""
    return [write_csv(Path(folder) / f"{spec.name}.csv", frame, spec)
            for frame, spec in tables]

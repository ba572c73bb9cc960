"""Reading delimited exports as text, keeping each row's line number in the file.

Exports from management systems arrive as UTF-8, UTF-8 with a byte-order mark, UTF-16 with
a byte-order mark (Excel's "Unicode text") or a Windows code page such as cp1252 (with £
signs); headers may carry stray spaces or capitals and files may have blank rows. Every cell
is read as text so that validation sees exactly what the user typed.

A file that cannot be read as a table at all (empty, binary, a damaged ``.gz``, an
encoding nobody can tell) raises :class:`~eyanalysis.errors.UnreadableFileError` with a
message saying what to do; rows the reader could split but not trust (more cells than the
header, a field longer than any spreadsheet cell) are listed in ``frame.attrs`` for
validation to report line by line (:func:`reader_problems`).
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import zlib
from pathlib import Path

import numpy as np
import pandas as pd

from eyanalysis.data.validation import shortened
from eyanalysis.errors import UnreadableFileError

# Byte-order marks, longest first (a UTF-32 mark begins like a UTF-16 one).
BOMS = ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
        (codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"))
# Where a file has no mark and is not UTF-8, English exports are almost always Windows'
# cp1252; charset-normalizer's guess is taken only when cp1252 does not read as well.
PREFERRED_CODEPAGE = "cp1252"
# The longest text an Excel cell holds (Excel specifications and limits: 32,767
# characters). No column of the data model comes near it; a longer field is a broken
# export (typically a quote never closed, which swallows the lines after it).
MAX_FIELD_CHARS = 32_767
SHOWN_CHARS = 60  # how much of an over-long value a report repeats


#: Separators some exports use instead of commas, by the words a message names them in.
OTHER_DELIMITERS = {";": "semicolons", "\t": "tabs", "|": "vertical bars"}


def _unreadable(path: Path, message: str, line: int | None = None) -> UnreadableFileError:
    return UnreadableFileError(f"{path}: {message}", [{
        "file": str(path), "line": line, "column": None, "value": "", "message": message}])


def named_twice(names: list[str]) -> str | None:
    """What to do when a header (its names cleaned, :func:`clean_header`) names a column
    twice (``planned_date`` and ``Planned Date``): which one is meant cannot be known.
    ``None`` when every name is once (blank names are no name)."""
    columns = pd.Index(names)
    twice = [c for c in columns[columns.duplicated()].unique() if c]
    if not twice:
        return None
    at = {c: " and ".join(str(i + 1) for i in np.flatnonzero(columns == c)) for c in twice}
    return ("the header names a column twice: "
            + "; ".join(f"{c} (columns {where})" for c, where in at.items())
            + ", once case, spaces and hyphens are set aside; keep one of each and rename or "
            "remove the other.")


def decode(raw: bytes, path: Path) -> tuple[str, str]:
    """The text of a file and the name of the encoding it was read in.

    Byte-order marks first (UTF-8, UTF-16 LE/BE, UTF-32), then UTF-8, then
    ``charset-normalizer`` (preferring cp1252 when it reads the bytes as well).
    """
    for bom, encoding in BOMS:
        if raw.startswith(bom):
            try:
                return raw[len(bom):].decode(encoding), f"{encoding} (BOM)"
            except UnicodeDecodeError as exc:
                raise _unreadable(path, f"starts with a {encoding} byte-order mark but byte "
                                  f"{exc.start + len(bom)} is not {encoding}; save it again as "
                                  "UTF-8 CSV.") from None
    if b"\x00" in raw[:4096]:
        raise _unreadable(path, "is a binary file, not CSV text (it contains NUL bytes); "
                                "export the table as CSV (UTF-8) and try again.")
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    matches = list(from_bytes(raw))
    if not matches:
        raise _unreadable(path, "its encoding cannot be recognised (it is neither UTF-8, "
                                "UTF-16 nor a Windows code page); save it as UTF-8 CSV.")
    best = matches[0]
    for m in matches:
        if PREFERRED_CODEPAGE in (m.encoding, *m.could_be_from_charset) \
                and m.chaos <= best.chaos + 0.02:
            try:
                return raw.decode(PREFERRED_CODEPAGE), PREFERRED_CODEPAGE
            except UnicodeDecodeError:
                break
    return str(best), best.encoding.replace("_", "-")


def clean_header(name: object) -> str:
    """``" Child ID "`` -> ``"child_id"``."""
    return "_".join(str(name).strip().lower().replace("-", " ").split())


def read_bytes(path: Path) -> bytes:
    """The bytes of a file, unzipped when it is gzip; damage is an UnreadableFileError."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise _unreadable(path, f"cannot be read ({exc.strerror or exc}); check the file "
                                "exists and can be opened.") from None
    if raw[:2] == b"\x1f\x8b":  # gzip, e.g. the bundled attendance.csv.gz
        try:
            raw = gzip.decompress(raw)
        except (EOFError, OSError, zlib.error) as exc:
            raise _unreadable(path, "the gzip archive is truncated or damaged "
                                    f"({exc or exc.__class__.__name__}); copy or export "
                                    "it again.") from None
    elif raw[:4] == b"PK\x03\x04":
        raise _unreadable(path, "is a zip archive or an Excel workbook, not CSV text; save "
                                "the sheet as CSV (UTF-8), or give the .xlsx workbook itself "
                                "as the source.")
    return raw


def read_text_csv(path: Path | str) -> pd.DataFrame:
    """A CSV as a frame of strings (blank cells are ``""``), blank rows removed.

    The index is the 1-based line number of each row in the file (header = line 1), so
    errors can name the line a person sees in a text editor. ``frame.attrs["encoding"]``
    names the encoding the file was read in.
    """
    path = Path(path)
    text, encoding = decode(read_bytes(path), path)
    frame = parse_text_csv(text, path)
    frame.attrs["encoding"] = encoding
    return frame


def parse_text_csv(text: str, path: Path) -> pd.DataFrame:
    """Rows of CSV text as strings, indexed by line number (see :func:`read_text_csv`)."""
    rows, lines = [], []
    limit = csv.field_size_limit()
    # read fields of any length, then report the over-long ones by line (MAX_FIELD_CHARS)
    csv.field_size_limit(max(limit, len(text) + 1, MAX_FIELD_CHARS + 1))
    try:
        # skipinitialspace: `a, "b, c"` (a space after the comma) is two cells, not three
        reader = csv.reader(io.StringIO(text, newline=""), skipinitialspace=True)
        try:
            header = next(reader)
        except StopIteration:
            raise _unreadable(path, "the file is empty; expected a header line of column "
                                    "names.") from None
        except csv.Error as exc:
            raise _unreadable(path, f"line 1 is not valid CSV ({exc}).") from None
        try:
            first = reader.line_num + 1  # a quoted value may span lines: name the first
            for row in reader:
                if "".join(row).strip():  # a row with a cell that is not blank
                    rows.append(row)
                    lines.append(first)
                first = reader.line_num + 1
        except csv.Error as exc:
            raise _unreadable(path, f"line {reader.line_num} is not valid CSV ({exc}); "
                                    "export the table again.") from None
    finally:
        csv.field_size_limit(limit)
    names = [clean_header(h) for h in header]
    if not any(names):
        raise _unreadable(path, "the header line is blank; the first line must name the "
                                "columns.")
    separator = next((d for d in OTHER_DELIMITERS if len(names) == 1 and d in header[0]), None)
    if separator:  # a table has several columns: one named cell holding them is not CSV
        raise _unreadable(path, f"the header line is one cell ({header[0][:60]!r}): its "
                                f"names are separated by {OTHER_DELIMITERS[separator]}, not "
                                "commas; save the table as CSV with commas (in Excel: Save "
                                "As, CSV UTF-8 (Comma delimited)) and load it again.")
    if len(names) == 1 and len(header[0]) > 200 and not rows:
        raise _unreadable(path, "has no line breaks or delimiters a CSV file would have; "
                                "export the table as CSV (UTF-8).")
    twice = named_twice(names)
    if twice:
        raise _unreadable(path, twice, line=1)
    unnamed = [j for j, n in enumerate(names) if not n]
    held = unnamed_values(unnamed, rows, lines)
    if unnamed:  # trailing commas an export leaves, or notes: not a column of the table
        keep = [j for j, n in enumerate(names) if n]
        rows = [[r[j] for j in keep if j < len(r)] + r[len(names):] for r in rows]
        names = [names[j] for j in keep]
    width = len(names)
    below = header_below(width, rows, lines)
    if below:
        raise _unreadable(path, below)
    # rows of another width are few: pad or cut them, and note the overlong ones
    other = [i for i, n in enumerate(map(len, rows)) if n != width]
    overlong_lines = [(lines[i], len(rows[i])) for i in other
                      if len(rows[i]) > width and any(c.strip() for c in rows[i][width:])]
    extra_cells = {i: rows[i][width:] for i in other if len(rows[i]) > width}
    for i in other:
        rows[i] = (rows[i] + [""] * width)[:width]
    frame = (
        pd.DataFrame(rows, columns=names, dtype="string")
        if rows
        else pd.DataFrame({n: pd.Series(dtype="string") for n in names})
    )
    long_fields = _long_fields(frame, lines, extra_cells, width)
    frame = frame.apply(lambda col: col.str.strip())
    frame.index = pd.Index(lines, name="line")
    for line, column, length, _ in long_fields:  # a recognisable start, never 5 MB in a report
        if column in frame.columns and length > MAX_FIELD_CHARS:
            value = frame.at[line, column]
            frame.at[line, column] = shortened(value, SHOWN_CHARS)
    if overlong_lines:
        frame.attrs["overlong_lines"] = overlong_lines
    if held:
        frame.attrs["unnamed_values"] = held
    if long_fields:
        frame.attrs["long_fields"] = long_fields
    frame.attrs["header_width"] = width
    return frame


def header_below(width: int, rows: list[list[str]], lines: list[int],
                 unit: str = "line") -> str | None:
    """What to do when line 1 is not the header (a title or notes above it, as some exports
    write): most lines have more than twice as many cells as line 1 names (a note beside a
    few rows of data is not that). ``None`` when it looks like a header. ``rows``: the
    cells of each later line (``unit``: a sheet's rows, their filled cells), numbered
    ``lines``."""
    wider = [i for i, r in enumerate(rows) if len(r) > 2 * width]
    if len(wider) * 2 <= len(rows):
        return None
    names = ", ".join(str(c).strip() for c in rows[wider[0]][:3])
    return (f"{unit} 1 names {width} column(s) but most {unit}s have more cells: if the "
            f"column names are on {unit} {lines[wider[0]]} ({names}, ...), delete the "
            f"{unit}(s) above it (a title or notes) and load it again.")


def unnamed_values(positions: list[int], rows: list, lines: list[int]) -> list[tuple]:
    """``(column number, line, value)`` of the first value in each column the header gives
    no name (``positions``, from 0): the column is left out of the table, and said so when
    it holds anything."""
    found = []
    for j in positions:
        first = next(((lines[i], str(r[j]).strip()) for i, r in enumerate(rows)
                      if j < len(r) and r[j] is not None and str(r[j]).strip()), None)
        if first:
            found.append((j + 1, *first))
    return found


def _long_fields(frame: pd.DataFrame, lines: list[int], extra_cells: dict[int, list[str]],
                 width: int) -> list[tuple]:
    """``(line, column, length, lines spanned)`` of each cell longer than
    :data:`MAX_FIELD_CHARS` or holding a line break, by line then column (the cells past
    the header's width named ``cell N``)."""
    found = []
    for j, name in enumerate(frame.columns):
        col = frame.iloc[:, j]
        length = col.str.len()
        hit = ((length > MAX_FIELD_CHARS) | col.str.contains("\n", regex=False)).to_numpy(
            dtype=bool, na_value=False)
        for i in hit.nonzero()[0]:
            c = col.iat[i]
            found.append((i, j, (lines[i], name, len(c), c.count("\n") + 1)))
    for i, cells in extra_cells.items():
        for k, c in enumerate(cells):
            if len(c) > MAX_FIELD_CHARS or "\n" in c:
                found.append((i, width + k, (lines[i], f"cell {width + k + 1}", len(c),
                                             c.count("\n") + 1)))
    return [f for *_, f in sorted(found, key=lambda f: f[:2])]


def reader_problems(frame: pd.DataFrame, file: str) -> list[dict]:
    """Problems the reader found on single lines: more cells than the header names, and
    fields longer than :data:`MAX_FIELD_CHARS` (the row is quarantined, the value cut)."""
    out = []
    width = frame.attrs.get("header_width", len(frame.columns))
    for line, cells in frame.attrs.get("overlong_lines", []):
        out.append({"file": file, "line": int(line), "column": None, "value": "",
                    "message": f"the line has {cells} cells but the header names {width} "
                               "columns; quote values that contain commas"})
    for number, line, value in frame.attrs.get("unnamed_values", []):
        out.append({"file": file, "line": 1, "column": None, "value": shortened(value, SHOWN_CHARS),
                    "message": f"column {number} has no name in the header but holds values "
                               f"(line {line}: {value[:40]!r}); they are not read: name the "
                               "column, or delete it"})
    for line, column, length, spans in frame.attrs.get("long_fields", []):
        value = frame.at[line, column] if column in frame.columns else ""
        message = (f"is {length:,} characters long, more than a spreadsheet cell holds "
                   f"({MAX_FIELD_CHARS:,})" if length > MAX_FIELD_CHARS
                   else f"runs over {spans} lines (a line break inside a value)")
        value = value.replace("\n", " ")
        if length <= MAX_FIELD_CHARS:  # the longer are cut above, in the frame
            value = shortened(value, SHOWN_CHARS)
        out.append({"file": file, "line": int(line), "column": column, "value": value,
                    "message": message + "; probably a quote left open: check the line and "
                               "export again"})
    return out

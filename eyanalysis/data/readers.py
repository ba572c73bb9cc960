"""Reading delimited exports as text, keeping each row's line number in the file.

Exports from management systems arrive as UTF-8, UTF-8 with a byte-order mark or cp1252
(with £ signs); headers may carry stray spaces or capitals and files may have blank rows.
Every cell is read as text so that validation sees exactly what the user typed.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd

from eyanalysis.errors import InputDataError

ENCODINGS = ("utf-8-sig", "cp1252")


def decode(raw: bytes, path: Path) -> str:
    """Text of a file in the first encoding that reads it (UTF-8, then cp1252)."""
    for encoding in ENCODINGS:
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InputDataError(f"{path}: cannot be decoded as UTF-8 or cp1252; save it as UTF-8 CSV.")


def clean_header(name: object) -> str:
    """``" Child ID "`` -> ``"child_id"``."""
    return "_".join(str(name).strip().lower().replace("-", " ").split())


def read_text_csv(path: Path | str) -> pd.DataFrame:
    """A CSV as a frame of strings (blank cells are ``""``), blank rows removed.

    The index is the 1-based line number of each row in the file (header = line 1), so
    errors can name the line a person sees in a text editor.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputDataError(f"{path}: cannot be read ({exc.strerror or exc}).") from None
    if raw[:2] == b"\x1f\x8b":  # gzip, e.g. the bundled attendance.csv.gz
        import gzip

        raw = gzip.decompress(raw)
    return parse_text_csv(decode(raw, path), path)


def parse_text_csv(text: str, path: Path) -> pd.DataFrame:
    """Rows of CSV text as strings, indexed by line number (see :func:`read_text_csv`)."""
    rows, lines = [], []
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise InputDataError(f"{path}: the file is empty; expected a header line.") from None
    except csv.Error as exc:
        raise InputDataError(f"{path}: line 1 is not valid CSV ({exc}).") from None
    try:
        for row in reader:
            if any(cell.strip() for cell in row):
                rows.append(row)
                lines.append(reader.line_num)
    except csv.Error as exc:
        raise InputDataError(f"{path}: line {reader.line_num} is not valid CSV ({exc}).") from None
    names = [clean_header(h) for h in header]
    width = len(names)
    frame = (
        pd.DataFrame([(r + [""] * width)[:width] for r in rows], columns=names, dtype="string")
        if rows
        else pd.DataFrame({n: pd.Series(dtype="string") for n in names})
    )
    frame = frame.apply(lambda col: col.str.strip())
    frame.index = pd.Index(lines, name="line")
    overlong = [
        line
        for line, r in zip(lines, rows, strict=True)
        if len(r) > width and any(c.strip() for c in r[width:])
    ]
    if overlong:
        frame.attrs["overlong_lines"] = overlong
    return frame

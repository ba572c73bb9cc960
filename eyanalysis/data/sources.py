"""Reading and writing the seven tables from and to every kind of source, as text.

A source is a folder of one file per table (``settings.csv``, ``settings.csv.gz`` or
``settings.parquet`` ..., each table in whichever form it was exported), an Excel workbook
with one sheet per table, or a SQL database reached through SQLAlchemy
(``postgresql://...``, ``sqlite:///file.db``). Every reader returns each table as
text cells indexed by the line or row number a person would look for, so validation
(:mod:`eyanalysis.data.dataset`) treats all sources alike.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from eyanalysis.data.export import safe_csv, safe_excel
from eyanalysis.data.readers import (
    clean_header,
    header_below,
    named_twice,
    read_text_csv,
    unnamed_values,
)
from eyanalysis.data.schemas import TABLES
from eyanalysis.data.validation import MIDNIGHT
from eyanalysis.errors import InputDataError, UnreadableFileError

SQL_PREFIXES = ("postgresql", "postgres", "sqlite", "mysql", "mssql", "oracle")
#: The files a folder may hold a table in (``attendance.csv``, ``attendance.csv.gz`` or
#: ``attendance.parquet``).
FOLDER_EXTENSIONS = (".csv", ".csv.gz", ".parquet")
#: A source folder's own mapping, beside its tables (:func:`eyanalysis.data.dataset.load`).
MAPPING_FILE = "mapping.yaml"


@dataclass
class RawTable:
    name: str
    text: pd.DataFrame  # every cell a str; index = line (CSV) or row (sheet, file, table)
    where: str  # how a person finds it: a path, "book.xlsx[sheet]", "sqlite:///x.db table t"
    encoding: str = ""  # how a CSV file was decoded ("utf-8", "utf-16-le (BOM)", "cp1252")
    # a fault of the whole table (missing, empty, binary, damaged): then ``text`` is empty
    problems: list[dict] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return bool(self.problems)


def failed_table(name: str, where: str, message: str, line: int | None = None) -> RawTable:
    """A table that could not be read at all: no rows, one problem saying what to do."""
    columns = TABLES[name].columns if name in TABLES else []  # a mapped file name: none known
    empty = pd.DataFrame({c: pd.Series(dtype="string") for c in columns})
    empty.index = pd.Index([], dtype="int64", name="line")
    return RawTable(name, empty, where, problems=[{
        "file": where, "line": line, "column": None, "value": "", "message": message}])


def kind_of(source: str | Path) -> str:
    text = str(source)
    if "://" in text and text.split(":", 1)[0].split("+")[0] in SQL_PREFIXES:
        return "sql"
    path = Path(source)
    if path.suffix.lower() in {".xlsx", ".xlsm"}:
        return "excel"
    if path.is_dir():
        return "folder"
    if not path.exists():
        raise InputDataError(f"{source}: no such file or folder. Give a folder of CSV or "
                             "Parquet files, an .xlsx workbook or a database URL.")
    raise InputDataError(f"{source}: not a folder, .xlsx workbook or database URL.")


def read_source(source: str | Path, tables: list[str] | None = None,
                names: dict[str, str] | None = None) -> dict[str, RawTable]:
    """Raw text of each wanted table.

    ``names`` gives, per table, the file stem, sheet or database table holding it when it
    is not the table's own name (a mapping file's ``file:``, :mod:`eyanalysis.data.mapping`).

    A table that is missing or cannot be read comes back failed (:attr:`RawTable.problems`)
    so the others can still be checked. Raises only when the source itself cannot be
    opened (no such folder, a damaged workbook, an unreachable database) or holds none of
    the wanted tables.
    """
    wanted = list(tables or TABLES)
    reader = {"folder": _read_folder, "excel": _read_excel,
              "sql": _read_sql}[kind_of(source)]
    names = {n: _stem(Path(str(f)).name) for n, f in (names or {}).items()}
    if not names:
        return reader(source, wanted)
    out = reader(source, [names.get(n, n) for n in wanted])
    back = {names.get(n, n): n for n in wanted}
    return {back[k]: RawTable(back[k], rt.text, rt.where, rt.encoding, rt.problems)
            for k, rt in out.items()}


def _as_table(name: str, frame: pd.DataFrame, where: str, encoding: str,
              first_row: int | None = None) -> RawTable:
    """``frame`` (a sheet, a Parquet file, a database table) as a table of text, or failed
    when its header names a column twice (:func:`~eyanalysis.data.readers.named_twice`)."""
    twice = named_twice([clean_header(c) for c in frame.columns])
    if twice:
        return failed_table(name, where, twice, line=1)
    return RawTable(name, as_text(frame, first_row=first_row), where, encoding)


def _missing_one(source, name: str, found: list[str], what: str) -> str:
    return (f"missing: no {what} for the {name} table in {source} (found "
            f"{', '.join(found) or 'none'}); add it, or check its name is {name}"
            + (f"{FOLDER_EXTENSIONS[0]} (or {', '.join(FOLDER_EXTENSIONS[1:])})"
               if what == "file" else "") + ".")


def _missing(source, missing: list[str], found: list[str], what: str) -> InputDataError:
    return InputDataError(
        f"{source}: missing {what} {', '.join(missing)}. Expected one {what[:-1]} per table "
        f"({', '.join(TABLES)}); found {', '.join(found) or 'none'}."
    )


def folder_files(folder: Path) -> dict[str, list[Path]]:
    """The files of a folder source by the name of the table they hold, compared as column
    names are (:func:`~eyanalysis.data.readers.clean_header`): ``Panel Applications.CSV``
    holds ``panel_applications``, as a Windows export may name it."""
    out: dict[str, list[Path]] = {}
    for path in sorted(folder.iterdir()):
        if _stem(path.name) != path.name and path.is_file():
            out.setdefault(clean_header(_stem(path.name)), []).append(path)
    return out


def _stem(name: str) -> str:
    """``name`` less the extension of a form the folder reader reads
    (:data:`FOLDER_EXTENSIONS`, in any case), or ``name`` itself."""
    ext = next((e for e in FOLDER_EXTENSIONS if name.lower().endswith(e)), "")
    return name[:len(name) - len(ext)]


def _read_folder(source, wanted):
    """One file per table, each in whichever form it was exported (CSV, gzipped CSV or
    Parquet). A table with two files (``attendance.csv`` and ``attendance.parquet``) is not
    read: which one is meant cannot be known, and reading one would hide the other."""
    folder = Path(source)
    held = folder_files(folder)
    files = {n: held.get(clean_header(n), []) for n in wanted}
    found = sorted(p.name for paths in held.values() for p in paths)
    if not any(files.values()):
        raise _missing(folder, wanted, found, "files")
    out = {}
    for n in wanted:
        if not files[n]:
            out[n] = failed_table(n, str(folder / f"{n}.csv"), _missing_one(
                folder, n, found, "file"))
        elif len(files[n]) > 1:
            names = [p.name for p in files[n]]
            out[n] = failed_table(n, str(files[n][0]), (
                f"{' and '.join(names)} are both files for the {n} table; keep the one to "
                "read and move the other out of the folder."))
        elif files[n][0].suffix.lower() == ".parquet":
            out[n] = _read_parquet(n, files[n][0])
        else:
            try:
                text = read_text_csv(files[n][0])
            except UnreadableFileError as exc:
                out[n] = failed_table(n, str(files[n][0]), exc.problems[0]["message"],
                                      line=exc.problems[0]["line"])
                continue
            out[n] = RawTable(n, text, str(files[n][0]), text.attrs.get("encoding", ""))
    return out


def _read_parquet(name: str, path: Path) -> RawTable:
    try:
        frame = pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises several kinds for a damaged file
        why = f"{exc.__class__.__name__}: {(str(exc).splitlines() or [''])[0][:200]}"
        return failed_table(name, str(path), f"cannot be read as Parquet ({why}); write it "
                            "again.")
    return _as_table(name, frame, str(path), "parquet", first_row=1)


def _read_excel(source, wanted):
    import openpyxl

    path = Path(source)
    try:
        book = openpyxl.load_workbook(path, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise InputDataError(f"{path}: cannot be read as an Excel workbook ({exc}).") from None
    names = {clean_header(s): s for s in book.sheetnames}
    if not any(n in names for n in wanted):
        raise _missing(path, wanted, book.sheetnames, "sheets")
    out = {}
    for n in wanted:
        if n not in names:
            out[n] = failed_table(n, f"{path}[{n}]", _missing_one(
                path, n, book.sheetnames, "sheet"))
            continue
        sheet = book[names[n]]
        where = f"{path}[{names[n]}]"
        merged = [str(r) for r in sheet.merged_cells.ranges if r.min_row <= 2]
        if merged:
            out[n] = failed_table(n, where, f"the header row has merged cells "
                                  f"({', '.join(merged)}). Keep one plain header row of "
                                  "column names in row 1, with data from row 2.", line=1)
            continue
        rows = list(sheet.iter_rows(values_only=True))
        if not rows:
            out[n] = failed_table(n, where, "the sheet is empty; expected a header row of "
                                  "column names.", line=1)
            continue
        filled = [_filled(r) for r in rows]
        below = header_below(len(filled[0]), filled[1:], list(range(2, len(rows) + 1)),
                             unit="row")
        if below:
            out[n] = failed_table(n, where, below, line=1)
            continue
        header = [clean_header(h) if h is not None else "" for h in rows[0]]
        body = pd.DataFrame(rows[1:], columns=header, dtype=object)
        body.index = pd.RangeIndex(2, len(rows) + 1, name="line")
        table = _as_table(n, body.loc[:, [h != "" for h in header]], where, "xlsx")
        if not table.failed:
            table.text = table.text[(table.text != "").any(axis=1)]
            held = unnamed_values([j for j, h in enumerate(header) if not h], rows[1:],
                                  list(range(2, len(rows) + 1)))
            if held:
                table.text.attrs["unnamed_values"] = held
        out[n] = table
    return out


def _filled(row: tuple) -> list:
    """A sheet row's filled cells (a sheet's rows all reach its widest column)."""
    return [c for c in row if c is not None and str(c).strip() != ""]


def _read_sql(source, wanted):
    import sqlalchemy as sa

    engine = sa.create_engine(str(source))
    shown = engine.url.render_as_string(hide_password=True)
    try:
        with engine.connect() as conn:
            present = set(sa.inspect(conn).get_table_names())
            if not any(n in present for n in wanted):
                raise _missing(shown, wanted, sorted(present), "tables")
            out = {}
            for n in wanted:
                if n not in present:
                    out[n] = failed_table(n, f"{shown} table {n}", _missing_one(
                        shown, n, sorted(present), "table"))
                    continue
                order = (", ".join(f'"{c}"' for c in (TABLES[n].unique or TABLES[n].columns[:1]))
                         if n in TABLES else "1")
                frame = pd.read_sql_query(sa.text(f'SELECT * FROM "{n}" ORDER BY {order}'), conn)
                out[n] = _as_table(n, frame, f"{shown} table {n}", engine.dialect.name,
                                   first_row=1)
            return out
    except sa.exc.SQLAlchemyError as exc:
        raise InputDataError(f"{shown}: cannot read the database ({exc.__class__.__name__}: "
                             f"{str(exc).splitlines()[0]}).") from None
    finally:
        engine.dispose()


def _cell(value) -> str:
    if value is None or value is pd.NA or value is pd.NaT or (
            isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    if isinstance(value, dt.datetime | pd.Timestamp):
        return value.strftime("%Y-%m-%d") if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float | decimal.Decimal) and math.isfinite(value) and \
            value == int(value):
        return str(int(value))
    return str(value).strip()


def as_text(frame: pd.DataFrame, first_row: int | None = None) -> pd.DataFrame:
    """Every cell as the text a person would have typed (dates ISO, true/false, 15 not 15.0)."""
    out = pd.DataFrame(index=frame.index)
    for col in frame.columns:
        s = frame[col]
        if pd.api.types.is_datetime64_any_dtype(s):
            # a time of day is kept, as a sheet's is, for the date check to refuse; a
            # midnight is the date
            text = s.dt.strftime("%Y-%m-%d").where(
                s.dt.normalize() == s, s.dt.strftime("%Y-%m-%dT%H:%M:%S")).fillna("")
        elif pd.api.types.is_bool_dtype(s):
            text = s.map({True: "true", False: "false"}).fillna("")
        else:
            try:
                uniques = pd.unique(s.to_numpy(dtype=object))
            except TypeError:  # cells holding lists (a nested Parquet column): their text
                text = s.map(_cell).astype(object)
            else:
                # an all-blank column maps to float NaN: back to object before filling
                text = s.astype(object).map({u: _cell(u) for u in uniques if not pd.isna(u)}
                                            ).astype(object).fillna("")
        # dates stored as text with a midnight time (SQLite, some exports) -> the date
        text = text.astype("string").str.replace(f"^{MIDNIGHT.pattern}$", r"\1", regex=True)
        out[clean_header(col)] = text
    if first_row is not None:
        out.index = pd.RangeIndex(first_row, first_row + len(out), name="line")
    return out


# -- writing -----------------------------------------------------------------------------

def to_text_tables(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    return {n: as_text(t.drop(columns="line", errors="ignore").reset_index(drop=True))
            for n, t in tables.items()}


def write_csv_folder(tables: dict[str, pd.DataFrame], folder: Path | str) -> list[Path]:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, text in to_text_tables(tables).items():
        path = folder / f"{name}.csv"
        safe_csv(text, path)
        paths.append(path)
    return paths


def write_parquet_folder(tables: dict[str, pd.DataFrame], folder: Path | str) -> list[Path]:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, frame in tables.items():
        path = folder / f"{name}.parquet"
        frame.drop(columns="line", errors="ignore").reset_index(drop=True).to_parquet(
            path, index=False)
        paths.append(path)
    return paths


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Typed columns a spreadsheet or database can hold (categories and strings as text)."""
    out = frame.drop(columns="line", errors="ignore").reset_index(drop=True)
    for col in out.columns:
        if isinstance(out[col].dtype, pd.CategoricalDtype) or pd.api.types.is_string_dtype(
                out[col]):
            out[col] = out[col].astype(object).where(out[col].notna(), None)
    return out


def write_excel(tables: dict[str, pd.DataFrame], path: Path) -> Path:
    """One sheet per table, dates as Excel dates, numbers as numbers."""
    return safe_excel({name: _plain(frame) for name, frame in tables.items()}, path,
                      date_format="YYYY-MM-DD", datetime_format="YYYY-MM-DD")


def write_sql(tables: dict[str, pd.DataFrame], url: str) -> None:
    """One table per table (replacing any), with DATE, BOOLEAN and numeric columns."""
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            for name, frame in tables.items():
                _plain(frame).to_sql(name, conn, if_exists="replace", index=False)
    finally:
        engine.dispose()

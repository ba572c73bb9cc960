"""Validation at the boundary: pandera schemas over text, one error table per file.

Schemas here check raw text (what the user typed), lazily, so a whole bad file is
reported at once: one problem per bad cell with the file, the line, the column, the
value and a message that says what is wrong. Conversion to types happens only after.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

import pandas as pd

from eyanalysis.errors import InputDataError

TRUE = frozenset({"true", "t", "yes", "y", "1"})
FALSE = frozenset({"false", "f", "no", "n", "0", ""})
PROBLEM_COLUMNS = ["file", "line", "column", "value", "message"]
#: How a date is written (pandas reads 2024-1-1 too, so one-digit months and days pass).
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}")
#: A date with a midnight time, as databases and their exports write a date column
#: (``2025-10-01 00:00:00``, ``2025-10-01T00:00:00.000``): read as the date. Another time
#: of day is not a date, and is refused.
MIDNIGHT = re.compile(rf"({ISO_DATE.pattern})[ T]00:00(?::00(?:\.0+)?)?")


def pandera():
    import pandera.pandas as pa  # imported on first validation: it is slow to import

    return pa


def per_distinct(text: pd.Series, parse) -> pd.Series:
    """``parse`` applied to each distinct value of ``text`` once, then spread back over its
    rows: a column of a county's data holds a few hundred hours, dates or codes however
    many rows it has, and parsing text is the slow part of a check."""
    codes, distinct = pd.factorize(text)
    parsed = parse(pd.Series(distinct, dtype=text.dtype))
    return pd.Series(parsed.array.take(codes, allow_fill=True), index=text.index,
                     name=text.name)


def number(text: pd.Series) -> pd.Series:
    """Numbers of text cells (blank or not numeric: missing), float."""
    return per_distinct(text, lambda d: pd.Series(
        pd.to_numeric(d.to_numpy(dtype=object, na_value=None), errors="coerce"),
        dtype=float))


def date(text: pd.Series) -> pd.Series:
    """Dates of text cells written YYYY-MM-DD, or with a midnight time (:data:`MIDNIGHT`);
    blank or not a date: ``NaT``. Only digits and dashes are read as a date: pandas alone
    would read ``now`` and ``today`` as the moment of the check."""
    def written(cell) -> str | None:
        if not isinstance(cell, str):
            return None
        if ISO_DATE.fullmatch(cell):
            return cell
        midnight = MIDNIGHT.fullmatch(cell)
        return midnight.group(1) if midnight else None

    def parse(d: pd.Series) -> pd.Series:
        cells = [written(c) for c in d.to_numpy(dtype=object, na_value=None)]
        return pd.to_datetime(pd.Series(cells, dtype=object), format="%Y-%m-%d",
                              errors="coerce")

    return per_distinct(text, parse)


def is_number(*, required: bool = True):
    """The cell is a number (blank allowed unless ``required``)."""

    def check(s: pd.Series) -> pd.Series:
        return number(s).notna() | ((s == "") & (not required))

    return pandera().Check(
        check,
        error="is not a number"
        if not required
        else "must be a number (it is blank or not numeric)",
    )


def in_range(low: float | None, high: float | None, *, low_inclusive: bool = True, unit: str = ""):
    """A number between ``low`` and ``high``; non-numbers are left to :func:`is_number`."""

    def check(s: pd.Series) -> pd.Series:
        n = number(s)
        ok = pd.Series(True, index=s.index)
        if low is not None:
            ok &= (n >= low) if low_inclusive else (n > low)
        if high is not None:
            ok &= n <= high
        return ok | n.isna()

    if low is not None and high is not None:
        words = f"between {low} and {high}" if low_inclusive else f"above {low} and at most {high}"
    elif low is not None:
        words = f"at least {low}" if low_inclusive else f"above {low}"
    else:
        words = f"at most {high}"
    return pandera().Check(check, error=f"must be {words}{' ' + unit if unit else ''}")


def max_decimals(places: int):
    def check(s: pd.Series) -> pd.Series:
        n = number(s)
        return ((n * 10**places).round() - n * 10**places).abs().lt(1e-6) | n.isna()

    return pandera().Check(check, error=f"must have at most {places} decimal places")


def one_of(allowed: Iterable[str], *, normalise=None, hint: str = ""):
    """The cell is one of ``allowed`` (after ``normalise``, a vectorised mapping)."""
    allowed = list(allowed)

    def check(s: pd.Series) -> pd.Series:
        values = normalise(s) if normalise else s
        return pd.Series(values, index=s.index).isin(allowed).fillna(False).astype(bool)

    return pandera().Check(check, error=hint or f"must be one of {', '.join(allowed)}")


def boolean():
    def check(s: pd.Series) -> pd.Series:
        return s.str.lower().isin(TRUE | FALSE)

    return pandera().Check(check, error="must be true or false")


def matches(pattern: str, message: str):
    """The cell matches ``pattern`` (blank cells are left to :func:`not_blank`)."""
    return pandera().Check(lambda s: s.str.match(pattern) | (s == ""), error=message)


def iso_date():
    """A real calendar date written YYYY-MM-DD (blank left to :func:`not_blank`)."""
    def check(s: pd.Series) -> pd.Series:
        return date(s).notna() | (s == "")

    return pandera().Check(check, error="must be a date written YYYY-MM-DD")


def no_formula():
    """Refuse text that a spreadsheet would run as a formula (``=HYPERLINK(...)``, ``@SUM``)."""
    return pandera().Check(lambda s: ~s.str.match(r"^[=+@\t\r-]"),
                       error="looks like a spreadsheet formula (starts with = + - or @); "
                             "remove the leading character")


#: The error values a spreadsheet writes where a formula failed (Excel's and LibreOffice's).
SPREADSHEET_ERRORS = frozenset({
    "#N/A", "#REF!", "#VALUE!", "#DIV/0!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!",
    "#FIELD!", "#BLOCKED!", "#CONNECT!", "#UNKNOWN!", "#BUSY!", "#GETTING_DATA", "#NAME!",
    "ERR:502", "ERR:504", "ERR:508", "ERR:522", "ERR:523", "#NULL", "#N/A!"})


def no_spreadsheet_error():
    """Refuse a spreadsheet's error value (``#N/A``, ``#REF!``) where an identifier or text
    belongs: it is a formula that failed in the export, not a value, and a lookup's ``#N/A``
    would otherwise be read as one more child or setting."""
    return pandera().Check(lambda s: ~s.str.strip().str.upper().isin(SPREADSHEET_ERRORS),
                           error="is a spreadsheet error value (#N/A, #REF! ...) left by a "
                                 "formula that failed in the export; fix the formula or the "
                                 "value and export again")


def text_checks() -> list:
    """The checks of every identifier and text cell: no formula, no spreadsheet error."""
    return [no_formula(), no_spreadsheet_error()]


def one_value_per(key: str, column: str):
    """A wide check: every row with the same ``key`` has the same ``column`` (after
    stripping); used for one funding age (or level) per child."""

    def test(frame: pd.DataFrame) -> pd.Series:
        values = frame[column].astype("string").str.strip()
        return values.groupby(frame[key]).transform("nunique").fillna(0).le(1)

    return test


def name_other_lines(problems: list[dict], frame: pd.DataFrame, message: str,
                     key: str) -> list[dict]:
    """Add the lines a conflicting row clashes with to each problem of ``message``."""
    out = []
    for p in problems:
        if p["message"] == message and p["line"] in frame.index:
            same = frame.index[frame[key] == frame.at[p["line"], key]]
            others = [str(n) for n in same if n != p["line"]]
            if others:
                p = {**p, "message": f"{message} (see line{'s' if len(others) > 1 else ''} "
                                     f"{', '.join(others)})"}
        out.append(p)
    return out


def not_blank():
    return pandera().Check(lambda s: s != "", error="must not be blank")


def to_bool(text: pd.Series) -> pd.Series:
    """``true/yes/1`` -> True, ``false/no/0/blank`` -> False (validated beforehand)."""
    return text.str.lower().isin(TRUE).astype(bool)


def validate(
    frame: pd.DataFrame,
    schema,
    file: str,
    *,
    wide_targets: Mapping[str, str] | None = None,
) -> list[dict]:
    """Problems found by ``schema`` in ``frame`` (text cells, index = line numbers).

    ``wide_targets`` maps the error text of a frame-wide check to the column it is
    about, so that a check needing several columns still names one column per row.
    Rows failing a multi-column uniqueness rule give one problem naming all columns.
    """
    pa = pandera()
    try:
        schema.validate(frame, lazy=True)
        return []
    except pa.errors.SchemaErrors as err:
        cases = err.failure_cases
    wide_targets = wide_targets or {}
    problems: list[dict] = []
    seen: set[tuple] = set()
    unique_cols = schema.unique if isinstance(schema.unique, list) else []
    for case in cases.itertuples(index=False):  # one per failing cell, not per row of data
        check, column, line = str(case.check), case.column, case.index
        if check == "column_in_dataframe":
            problems.append(
                problem(
                    file, 1, case.failure_case, "", "required column is missing from the header"
                )
            )
            continue
        if check in wide_targets and column != wide_targets[check]:
            continue
        if check == "multiple_fields_uniqueness":
            column = "+".join(unique_cols)
            names = unique_cols[0] if len(unique_cols) == 1 else (
                ", ".join(unique_cols[:-1]) + " and " + unique_cols[-1])
            verb = "appears" if len(unique_cols) == 1 else "appear"
            check = f"the same {names} {verb} on more than one line"
        if check == "not_nullable":
            check = "must not be blank"
        key = (line, column, check)
        if key in seen:
            continue
        seen.add(key)
        value = (
            frame.at[line, column]
            if column in frame.columns and line in frame.index
            else (case.failure_case)
        )
        problems.append(problem(file, line, column, value, check))
    return sorted(problems, key=lambda p: (p["line"] or 0, p["column"] or ""))


def problem(file, line, column, value, message) -> dict:
    line = None if line is None or pd.isna(line) else int(line)
    return {
        "file": file,
        "line": line,
        "column": column,
        "value": "" if pd.isna(value) else str(value),
        "message": message,
    }


def problems_table(problems: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(problems, columns=PROBLEM_COLUMNS)


def shortened(text: str, width: int) -> str:
    """``text``, or its first ``width`` characters and how long it was: a recognisable
    start, never a whole broken field in a report."""
    return text if len(text) <= width else text[:width] + f"... [{len(text):,} characters]"


def records(table: pd.DataFrame) -> list[dict]:
    """The problems of a problems table (:func:`problems_table`) as :func:`problem` gives
    them: a line number or ``None``, a column or ``""`` (not pandas' NaN)."""
    return [{"file": str(r.file), "line": None if pd.isna(r.line) else int(r.line),
             "column": "" if pd.isna(r.column) else str(r.column),
             "value": "" if pd.isna(r.value) else str(r.value), "message": str(r.message)}
            for r in table.itertuples(index=False)]


def report(problems: list[dict], value_width: int | None = None) -> str:
    """One line per problem: ``FILE:LINE: column COL: message (value 'X')``; a value longer
    than ``value_width`` characters is cut there (and says so)."""
    lines = []
    for p in problems:
        where = f"{p['file']}:{p['line']}" if p["line"] else p["file"]
        shown = shortened(p["value"], value_width) if value_width else p["value"]
        value = f" (value {shown!r})" if p["value"] != "" else ""
        column = f" column {p['column']}:" if p["column"] else ""
        lines.append(f"{where}:{column} {p['message']}{value}")
    return "\n".join(lines)


def raise_if_problems(problems: list[dict], what: str) -> None:
    if problems:
        files = sorted({p["file"] for p in problems})
        rows = len({(p["file"], p["line"]) for p in problems})
        raise InputDataError(
            f"{', '.join(files)}: {len(problems)} problem(s) on {rows} line(s) in {what}; "
            "nothing was written. Fix these and run again:\n" + report(problems),
            problems,
        )

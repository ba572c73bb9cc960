"""Only pseudonymous records enter the workbench: personal data is refused in every input.

Any table (the seven of :func:`eyanalysis.load`, the claims file of ``predict``, and any
future input) is refused whole, before anything is validated or written, when it carries:

- a column named like personal data (name, first name, surname, address, street, town,
  postcode, NHS number, date of birth) that is not a column of the table's own model (the
  settings table's ``name`` is a setting's name);
- a column most of whose values are full postcodes, or NHS numbers (ten digits with a valid
  modulus-11 check digit);
- a full date in ``birth_month`` (each such line is named).

The error says how to pseudonymise. Values are never repeated in the error or any report.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np
import pandas as pd

from eyanalysis.data.schemas import FULL_DATE, FULL_POSTCODE, PERSONAL_COLUMNS
from eyanalysis.errors import PersonalDataError

ADVICE = ("eyanalysis takes pseudonymous records only. Before loading: replace names with a "
          "pseudonymous child_id (for example a keyed hash kept by the data owner), reduce "
          "dates of birth to birth_month (YYYY-MM), and remove addresses, postcodes and NHS "
          "numbers.")
MOST = 0.5  # share of a column's values that makes it a postcode or NHS-number column
SAMPLE = 2000  # values per column the share is estimated from (evenly spaced, repeatable)
SHOWN_LINES = 20


_TEN_DIGITS = re.compile(r"^\d{10}$")


def nhs_number_like(value: str) -> bool:
    """Ten digits (spaces allowed) whose tenth is the NHS modulus-11 check digit."""
    digits = value.replace(" ", "")
    if not _TEN_DIGITS.match(digits):
        return False
    check = 11 - sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1),
                                                 strict=True)) % 11
    check = 0 if check == 11 else check
    return check != 10 and check == int(digits[9])


def _share(values: list[str], test) -> float:
    return sum(1 for v in values if test(v)) / len(values)


def _lines(lines: list[int]) -> str:
    shown = ", ".join(str(n) for n in lines[:SHOWN_LINES])
    more = f" and {len(lines) - SHOWN_LINES} more" if len(lines) > SHOWN_LINES else ""
    return f"line{'s' if len(lines) > 1 else ''} {shown}{more}"


def personal_data(text: pd.DataFrame, where: str, known: Iterable[str] = ()) -> list[dict]:
    """Problems (file, line, column, message; never the value) for personal data in one
    table of text cells indexed by line; ``known`` are the table's own columns."""
    known = set(known)
    out: list[dict] = []

    def found(column, message, line=1):
        out.append({"file": where, "line": line, "column": column, "value": "",
                    "message": message})

    for col in text.columns:
        if col not in known and PERSONAL_COLUMNS.match(str(col)):
            found(col, "is a personal-data column (a name, address, postcode, NHS number or "
                       "date of birth); remove it")
            continue
        if col == "birth_month":
            values = text[col][text[col] != ""].astype("string")
            full = values.str.match(FULL_DATE).fillna(False).astype(bool)
            if full.any():
                lines = [int(n) for n in values.index[full]]
                found(col, f"holds full dates of birth on {_lines(lines)}; give the month "
                           "only (YYYY-MM)", lines[0])
            continue
        column = text[col]
        if len(column) > SAMPLE:  # the share is estimated from evenly spaced values
            column = column.iloc[np.linspace(0, len(column) - 1, SAMPLE).astype(int)]
        values = [v for v in column.tolist() if isinstance(v, str) and v]
        if not values:
            continue
        if _share(values, FULL_POSTCODE.match) > MOST:
            found(col, "holds full postcodes; remove the column (or keep only the district)")
        elif _share(values, nhs_number_like) > MOST:
            found(col, "holds NHS numbers; remove the column")
    return out


def refuse_personal_data(tables: Iterable[tuple[str, pd.DataFrame, Iterable[str]]]) -> None:
    """Raise :class:`PersonalDataError` naming every table, column and line at fault.

    ``tables``: ``(where, text, known columns)`` for each input.
    """
    problems = [p for where, text, known in tables for p in personal_data(text, where, known)]
    if not problems:
        return
    faults = "; ".join(f"{p['file']}: {p['column']} {p['message']}" for p in problems)
    raise PersonalDataError(f"refused, personal data found: {faults}. {ADVICE}", problems)

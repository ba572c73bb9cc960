"""Load the seven tables from any source, validated, with nothing lost.

:func:`load` reads a source (:mod:`eyanalysis.data.sources`), refuses personal data in any
table (:mod:`eyanalysis.data.privacy`), validates every table lazily against its schema
(:mod:`eyanalysis.data.schemas`), checks dates against the data's as-of date and foreign
keys across tables, and returns a :class:`Dataset`: typed accepted rows, the quarantined
rows, and one problem table naming the file, line, column, value and reason of every fault.
Always ``rows in = rows accepted + rows quarantined``.

Validation always finishes: a table whose file is missing, empty, binary, damaged or in an
unknown encoding becomes one problem (line blank or 1) and counts 0 rows read, and every
other table is still checked. Rows of other tables that refer to a table that failed as a
whole (unreadable, or a required column missing) cannot be checked: they are quarantined
with one problem per referring column, not one per row.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from eyanalysis.data import validation as v
from eyanalysis.data.export import safe_csv
from eyanalysis.data.privacy import refuse_personal_data
from eyanalysis.data.readers import reader_problems
from eyanalysis.data.schemas import (
    NOT_AFTER_AS_OF,
    TABLES,
    coerce,
    text_schema,
    wide_targets,
)
from eyanalysis.data.sources import RawTable, read_source
from eyanalysis.errors import InputDataError

SAMPLE = Path(__file__).resolve().parent / "sample"
# Parents are validated before the tables that refer to them (foreign keys).
ORDER = ["settings", "children", "inspections", "attendance", "visits", "categorisations",
         "panel_applications"]




@dataclass
class Dataset:
    source: str
    tables: dict[str, pd.DataFrame]
    quarantined: dict[str, pd.DataFrame]
    problems: pd.DataFrame
    rows_in: dict[str, int] = field(default_factory=dict)
    encodings: dict[str, str] = field(default_factory=dict)  # how each table was read
    checked_on: dt.date | None = None  # dates after this were refused as in the future

    def __getattr__(self, name: str) -> pd.DataFrame:
        tables = self.__dict__.get("tables", {})
        if name in tables:
            return tables[name]
        raise AttributeError(name)

    @property
    def counts(self) -> pd.DataFrame:
        rows = [{"table": n, "rows_in": self.rows_in[n], "accepted": len(self.tables[n]),
                 "quarantined": len(self.quarantined[n]),
                 "encoding": self.encodings.get(n, "")} for n in self.tables]
        return pd.DataFrame(rows, columns=["table", "rows_in", "accepted", "quarantined",
                                           "encoding"])

    @property
    def summary(self) -> str:
        c = self.counts
        return (f"rows: {c.rows_in.sum()} in, {c.accepted.sum()} accepted, "
                f"{c.quarantined.sum()} quarantined")

    def write_report(self, folder: Path) -> list[Path]:
        """``problems.csv``, ``counts.csv`` and one quarantine file per table with rejects."""
        folder.mkdir(parents=True, exist_ok=True)
        paths = [folder / "problems.csv", folder / "counts.csv"]
        safe_csv(self.problems, paths[0])
        safe_csv(self.counts, paths[1])
        for name, rows in self.quarantined.items():
            target = folder / f"quarantine_{name}.csv"
            if len(rows):
                safe_csv(rows, target)
                paths.append(target)
            elif target.exists():
                target.unlink()
        return paths


def load(source: str | Path | None = None, tables: list[str] | None = None, *,
         as_of: dt.date | str | None = None) -> Dataset:
    """Load and validate ``source`` (default: the bundled sample county).

    ``tables`` restricts loading to some tables (their parents are loaded too, for the
    foreign keys). ``as_of`` is the date the data describe (default today): inspections,
    visits held, applications received and decisions dated after it are quarantined as
    in the future. Raises :class:`~eyanalysis.errors.PersonalDataError` for identifying
    data in any table and :class:`~eyanalysis.errors.InputDataError` for a source that
    cannot be opened at all; bad rows and bad files never raise: they are quarantined and
    reported.
    """
    source = SAMPLE if source is None else source
    checked_on = _as_date(as_of)
    wanted = _with_parents(tables or list(TABLES))
    raw = read_source(source, wanted)
    refuse_personal_data((rt.where, rt.text, TABLES[n].columns) for n, rt in raw.items()
                         if not rt.failed)
    accepted: dict[str, pd.DataFrame] = {}
    quarantined: dict[str, pd.DataFrame] = {}
    problems: list[dict] = []
    rows_in: dict[str, int] = {}
    failed: set[str] = set()  # tables that failed as a whole: their children are unchecked
    for name in [n for n in ORDER if n in raw]:
        table = TABLES[name]
        rt = raw[name]
        rows_in[name] = len(rt.text)
        if rt.failed:
            failed.add(name)
            found = list(rt.problems)
        else:
            found = reader_problems(rt.text, rt.where) + _check_table(
                rt, table, accepted, raw, failed, checked_on)
        problems += found
        bad_lines = {p["line"] for p in found if p["line"] is not None}
        header_fault = any(p["line"] in (None, 1) and p["column"] in table.columns
                           and "missing" in p["message"] for p in found)
        unchecked = [p for p in found if p.get("unchecked")]
        if header_fault:
            failed.add(name)
        bad = rt.text.index.isin(bad_lines) | header_fault | bool(unchecked)
        full = rt.text.assign(**{c: pd.Series("", index=rt.text.index, dtype="string")
                                 for c in table.columns if c not in rt.text.columns})
        good_text = full.loc[~bad]
        accepted[name] = coerce(table, good_text).reset_index(names="line")
        reasons = _reasons(found, rt.where)
        q = rt.text.loc[bad].copy()
        q.insert(0, "line", q.index)
        fallback = ("; ".join(f"{p['column']}: {p['message']}" for p in unchecked)
                    or "table lacks a required column")
        q["reasons"] = q["line"].map(reasons).astype(object).fillna(fallback)
        quarantined[name] = q.reset_index(drop=True)
    for p in problems:
        p.pop("unchecked", None)
    return Dataset(str(source), {n: accepted[n] for n in ORDER if n in accepted},
                   {n: quarantined[n] for n in ORDER if n in quarantined},
                   v.problems_table(problems), rows_in,
                   {n: raw[n].encoding for n in ORDER if n in raw}, checked_on)


def _as_date(value: dt.date | str | None) -> dt.date:
    if value is None or value == "":
        return dt.date.today()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise InputDataError(f"as-of date {value!r}: write it YYYY-MM-DD.") from None


def _with_parents(names: list[str]) -> list[str]:
    unknown = [n for n in names if n not in TABLES]
    if unknown:
        raise InputDataError(f"Unknown table(s) {', '.join(unknown)}; tables are "
                             f"{', '.join(TABLES)}.")
    out = set(names)
    for n in names:
        for f in TABLES[n].fields:
            if f.references:
                out.add(f.references.split(".")[0])
    return [n for n in ORDER if n in out]


def _check_table(rt: RawTable, table, accepted: dict[str, pd.DataFrame],
                 raw: dict[str, RawTable], failed: set[str] = frozenset(),
                 as_of: dt.date | None = None) -> list[dict]:
    text = rt.text
    for col in table.columns:  # pandera reports a missing column; give others a blank
        if col not in text.columns:
            text = text.assign(**{col: pd.Series("", index=text.index, dtype="string")})
    found = v.validate(text, text_schema(table), rt.where, wide_targets=wide_targets(table))
    missing = [c for c in table.columns if c not in rt.text.columns]
    found = [p for p in found if p["line"] is None or p["column"] not in missing] + [
        v.problem(rt.where, 1, c, "", "required column is missing from the header")
        for c in missing if not any(p["column"] == c and p["line"] == 1 for p in found)]
    # Plausibility: nothing happened after the date the data describe.
    if as_of is not None:
        limit = pd.Timestamp(as_of)
        for col in NOT_AFTER_AS_OF.get(table.name, ()):
            if col not in rt.text.columns:
                continue
            dates = pd.to_datetime(rt.text[col].where(rt.text[col] != ""), format="%Y-%m-%d",
                                   errors="coerce")
            found += [v.problem(rt.where, line, col, rt.text.at[line, col],
                                f"is after the data's as-of date {as_of.isoformat()} (a date "
                                "in the future); check the year, or give the date the data "
                                "describe with --as-of")
                      for line in dates.index[dates > limit]]
    # Foreign keys: a reference to a row that is unknown or was itself quarantined.
    for f in table.fields:
        if not f.references:
            continue
        parent, key = f.references.split(".")
        if f.name not in rt.text.columns:
            continue
        if parent in failed:
            # one problem for the whole column, not one per row (module docstring)
            found.append({**v.problem(
                rt.where, None, f.name, "",
                f"not checked: the {parent} table failed as a whole (see its problem), so "
                f"all {len(rt.text)} rows of {table.name} are held back; fix {parent} and "
                "validate again"), "unchecked": True})
            continue
        if parent not in accepted:
            continue
        known = set(accepted[parent][key].astype(str))
        listed = set(raw[parent].text.get(key, pd.Series(dtype="string")))
        values = rt.text[f.name]
        orphan = (values != "") & ~values.isin(known)
        found += [v.problem(rt.where, line, f.name, value,
                             f"refers to a {parent} row that was quarantined" if value in listed
                             else f"is not in {parent} (orphan row: no such {key})")
                  for line, value in values[orphan].items()]
    return sorted(found, key=lambda p: (p["line"] or 0, p["column"] or ""))


def _reasons(found: list[dict], where: str) -> dict[int, str]:
    out: dict[int, list[str]] = {}
    for p in found:
        if p["line"] is not None:
            out.setdefault(p["line"], []).append(f"{p['column']}: {p['message']}")
    return {line: "; ".join(r) for line, r in out.items()}

"""Load the seven tables from any source, validated, with nothing lost.

:func:`load` reads a source (:mod:`eyanalysis.data.sources`), refuses personal data, validates
every table lazily against its schema (:mod:`eyanalysis.data.schemas`), checks foreign keys
across tables, and returns a :class:`Dataset`: typed accepted rows, the quarantined rows,
and one problem table naming the file, line, column, value and reason of every fault.
Always ``rows in = rows accepted + rows quarantined``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from eyanalysis.data import validation as v
from eyanalysis.data.export import safe_csv
from eyanalysis.data.schemas import (
    FULL_DATE,
    FULL_POSTCODE,
    PERSONAL_COLUMNS,
    TABLES,
    coerce,
    text_schema,
    wide_targets,
)
from eyanalysis.data.sources import RawTable, read_source
from eyanalysis.errors import InputDataError, PersonalDataError

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

    def __getattr__(self, name: str) -> pd.DataFrame:
        tables = self.__dict__.get("tables", {})
        if name in tables:
            return tables[name]
        raise AttributeError(name)

    @property
    def counts(self) -> pd.DataFrame:
        rows = [{"table": n, "rows_in": self.rows_in[n], "accepted": len(self.tables[n]),
                 "quarantined": len(self.quarantined[n])} for n in self.tables]
        return pd.DataFrame(rows)

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


def load(source: str | Path | None = None, tables: list[str] | None = None) -> Dataset:
    """Load and validate ``source`` (default: the bundled sample county).

    ``tables`` restricts loading to some tables (their parents are loaded too, for the
    foreign keys). Raises :class:`PersonalDataError` for identifying data and
    :class:`~eyanalysis.errors.InputDataError` for an unreadable source; bad rows never
    raise: they are quarantined and reported.
    """
    source = SAMPLE if source is None else source
    wanted = _with_parents(tables or list(TABLES))
    raw = read_source(source, wanted)
    if "children" in raw:
        guard_personal_data(raw["children"])
    accepted: dict[str, pd.DataFrame] = {}
    quarantined: dict[str, pd.DataFrame] = {}
    problems: list[dict] = []
    rows_in: dict[str, int] = {}
    for name in [n for n in ORDER if n in raw]:
        table = TABLES[name]
        rt = raw[name]
        rows_in[name] = len(rt.text)
        found = _check_table(rt, table, accepted, raw)
        problems += found
        bad_lines = {p["line"] for p in found if p["line"] is not None}
        header_fault = any(p["line"] in (None, 1) and p["column"] in table.columns
                           and "missing" in p["message"] for p in found)
        bad = rt.text.index.isin(bad_lines) | header_fault
        full = rt.text.assign(**{c: pd.Series("", index=rt.text.index, dtype="string")
                                 for c in table.columns if c not in rt.text.columns})
        good_text = full.loc[~bad]
        accepted[name] = coerce(table, good_text).reset_index(names="line")
        reasons = _reasons(found, rt.where)
        q = rt.text.loc[bad].copy()
        q.insert(0, "line", q.index)
        q["reasons"] = q["line"].map(reasons).fillna("table lacks a required column")
        quarantined[name] = q.reset_index(drop=True)
    return Dataset(str(source), {n: accepted[n] for n in ORDER if n in accepted},
                   {n: quarantined[n] for n in ORDER if n in quarantined},
                   v.problems_table(problems), rows_in)


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
                 raw: dict[str, RawTable]) -> list[dict]:
    text = rt.text
    for col in table.columns:  # pandera reports a missing column; give others a blank
        if col not in text.columns:
            text = text.assign(**{col: pd.Series("", index=text.index, dtype="string")})
    found = v.validate(text, text_schema(table), rt.where, wide_targets=wide_targets(table))
    missing = [c for c in table.columns if c not in rt.text.columns]
    found = [p for p in found if p["line"] is None or p["column"] not in missing] + [
        v.problem(rt.where, 1, c, "", "required column is missing from the header")
        for c in missing if not any(p["column"] == c and p["line"] == 1 for p in found)]
    # Foreign keys: a reference to a row that is unknown or was itself quarantined.
    for f in table.fields:
        if not f.references:
            continue
        parent, key = f.references.split(".")
        if parent not in accepted or f.name not in rt.text.columns:
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


def guard_personal_data(children: RawTable) -> None:
    """Refuse a children table that carries a name, address, full postcode, NHS number or
    full date of birth: only pseudonymous records may enter the workbench."""
    text = children.text
    found = [c for c in text.columns if PERSONAL_COLUMNS.match(c)]
    for col in text.columns:
        values = text[col][text[col] != ""]
        if col in found or values.empty:
            continue
        if values.str.match(FULL_POSTCODE).mean() > 0.5:
            found.append(f"{col} (full postcodes)")
        elif col == "birth_month" and values.str.match(FULL_DATE).any():
            found.append("birth_month (full dates of birth)")
        elif values.str.fullmatch(r"\d{3}\s?\d{3}\s?\d{4}").mean() > 0.5:
            found.append(f"{col} (NHS-number-like values)")
    if found:
        raise PersonalDataError(
            f"{children.where}: refused, the children table carries personal data: "
            f"{', '.join(found)}. eyanalysis takes pseudonymous records only. Before loading: "
            "replace names with a pseudonymous child_id (for example a keyed hash kept by the "
            "data owner), reduce dates of birth to birth_month (YYYY-MM), and remove "
            "addresses, postcodes and NHS numbers."
        )

"""Mapping files: load an authority's own export (census, Capita One, Synergy) as the seven
tables (DOMAIN §10).

A mapping file is YAML, one entry per table it maps::

    description: Northshire portal export, spring 2026
    tables:
      children:
        file: census_children        # the file (sheet, table) holding it; default: its name
        columns: {UPN: child_id, EYPPR: eypp_eligible}   # their column -> ours
        codes:                                           # per column of ours: theirs -> ours
          sen_provision: {E: ehc_plan, K: sen_support, N: no_sen}
        ignore: [PrimarySENtype]     # their columns the workbench does not use
      attendance:
        columns: {FundingType: funding_age, Band: level}
        codes:
          level: {Band A: GR1, Band B: GR2}
          funding_age: {9 month to 2 year old: under-2, 2YO: "2", 3&4 Universal: 3-4}

The aliases of DOMAIN §10 are built in (:data:`ALIASES`): ``upn`` -> ``child_id``, ``urn``
-> ``setting_id``, ``senif_band`` -> ``level``, ``funded_hours`` -> ``universal_hours``, ...
An alias applies when the table lacks the column it names and the alias is not itself a
column of the table (``ofsted_urn`` is a column of settings, an alias of ``setting_id``
elsewhere); header spellings are compared without case, spaces or underscores
(``FundedHours`` = ``funded_hours``).

With a mapping, every column of the export that is neither one of ours, an alias, mapped
nor ignored is reported (line 1, the header), and every value of a column with codes that
the mapping does not know (and that is not already one of our codes) is reported on its
line, naming the codes the mapping knows. Line numbers stay those of the file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from eyanalysis.data import validation as v
from eyanalysis.data.claims import funding_ages
from eyanalysis.data.readers import clean_header
from eyanalysis.data.schemas import TABLES, Field
from eyanalysis.errors import MappingError
from eyanalysis.rules import levels, terms

#: Built-in aliases (DOMAIN §10): spelling in an export -> our column, per table.
ALIASES: dict[str, str] = {
    **dict.fromkeys(("upn", "child_ref", "person_id"), "child_id"),
    **dict.fromkeys(("urn", "ey_urn", "ofsted_urn", "laestab", "provider_urn"), "setting_id"),
    **dict.fromkeys(("gr_level", "inclusion_level", "senif_band", "band", "tier"), "level"),
    "funded_hours": "universal_hours", "weekly_hours": "hours_per_week",
    "funded_weeks": "universal_weeks",
    **dict.fromkeys(("funding_type", "entitlement", "age_band"), "funding_age"),
    **dict.fromkeys(("eyppr", "eypp_flag"), "eypp_eligible"),
    **dict.fromkeys(("daf_indicator", "dafindicator"), "daf"),
    **dict.fromkeys(("senprovision", "sen_provision"), "sen_provision"),
}
#: Columns a mapping may give beyond the data model: a declared funding age per attendance
#: row, checked against the birth month (F6') and never used instead of it.
DECLARED = {"attendance": ("funding_age",)}
FUNDING_AGE_CODES = ("under-2", "2", "3-4")


def squash(name: str) -> str:
    """A header compared without case, spaces, hyphens or underscores."""
    return clean_header(name).replace("_", "")


@dataclass
class TableMap:
    file: str | None = None
    columns: dict[str, str] = field(default_factory=dict)  # squashed theirs -> ours
    codes: dict[str, dict[str, str]] = field(default_factory=dict)  # ours -> key -> code
    shown_codes: dict[str, list[str]] = field(default_factory=dict)  # as written, for messages
    ignore: set[str] = field(default_factory=set)  # squashed


@dataclass
class Mapping:
    """A parsed mapping file (:func:`read`); ``Mapping()`` is the built-in aliases alone."""

    path: str = ""
    tables: dict[str, TableMap] = field(default_factory=dict)
    description: str = ""

    def file_names(self) -> dict[str, str]:
        return {n: m.file for n, m in self.tables.items() if m.file}


def read(path: Path | str) -> Mapping:
    """Parse and check a mapping file; a fault is a :class:`~eyanalysis.errors.MappingError`
    naming the file and the entry."""
    import yaml

    path = Path(path)
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise MappingError(f"{path}: cannot be read ({exc.strerror or exc}).") from None
    except yaml.YAMLError as exc:
        raise MappingError(f"{path}: is not valid YAML ({exc}).") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("tables"), dict):
        raise MappingError(f"{path}: expected a 'tables:' entry mapping table names "
                           f"({', '.join(TABLES)}) to their columns and codes.")
    out = Mapping(str(path), description=str(doc.get("description", "")))
    for name, spec in doc["tables"].items():
        if name not in TABLES:
            raise MappingError(f"{path}: tables.{name} is not a table; tables are "
                               f"{', '.join(TABLES)}.")
        spec = spec or {}
        unknown = set(spec) - {"file", "columns", "codes", "ignore"}
        if unknown:
            raise MappingError(f"{path}: tables.{name} has unknown entries "
                               f"{', '.join(sorted(unknown))}; use file, columns, codes, "
                               "ignore.")
        ours = set(TABLES[name].columns) | set(DECLARED.get(name, ()))
        tm = TableMap(file=spec.get("file"))
        for theirs, mine in (spec.get("columns") or {}).items():
            if mine not in ours:
                raise MappingError(f"{path}: tables.{name}.columns maps {theirs!r} to "
                                   f"{mine!r}, which is not a column of {name} (columns: "
                                   f"{', '.join(sorted(ours))}).")
            tm.columns[squash(str(theirs))] = str(mine)
        for mine, codes in (spec.get("codes") or {}).items():
            if mine not in ours:
                raise MappingError(f"{path}: tables.{name}.codes.{mine} is not a column of "
                                   f"{name}.")
            if not isinstance(codes, dict):
                raise MappingError(f"{path}: tables.{name}.codes.{mine} must map their codes "
                                   "to ours (theirs: ours).")
            allowed = _codes_of(name, mine)
            for code in codes.values():
                if allowed is not None and _ours(name, mine, pd.Series([str(code)])).iloc[0] \
                        not in allowed:
                    raise MappingError(f"{path}: tables.{name}.codes.{mine} maps to {code!r}, "
                                       f"not one of our codes ({', '.join(allowed)}).")
            tm.codes[mine] = {_key(str(k)): str(c) for k, c in codes.items()}
            tm.shown_codes[mine] = [str(k) for k in codes]
        tm.ignore = {squash(str(c)) for c in spec.get("ignore") or ()}
        out.tables[name] = tm
    return out


def _key(text: str) -> str:
    return " ".join(str(text).strip().casefold().split())


def _field(table: str, column: str) -> Field | None:
    t = TABLES[table]
    return t.field(column) if column in t.columns else None


def _codes_of(table: str, column: str) -> tuple[str, ...] | None:
    """Our codes for a column (None: free text or numbers, any value may be mapped)."""
    if column == "funding_age":
        return FUNDING_AGE_CODES
    f = _field(table, column)
    if f is None:
        return None
    if f.kind == "level":
        return tuple(levels.LEVELS)
    if f.kind == "choice":
        return tuple(f.choices)
    if f.kind == "bool":
        return ("true", "false")
    return None


def _ours(table: str, column: str, text: pd.Series) -> pd.Series:
    """Text as our code, where it already is one (else returned unchanged, normalised)."""
    f = _field(table, column)
    if column == "funding_age":
        return text.str.strip().str.lower().str.replace(r"[\s_]+", "-", regex=True)
    if f is None:
        return text
    if f.kind == "level":
        return levels.normalise(text).astype("string").fillna(text)
    if f.kind == "choice":
        return f.normalise(text).fillna(text)
    if f.kind == "bool":
        low = text.str.strip().str.lower()
        return low.map(lambda x: "true" if x in v.TRUE else "false" if x in v.FALSE else x)
    return text


def apply(name: str, text: pd.DataFrame, where: str, mapping: Mapping | None
          ) -> tuple[pd.DataFrame, list[dict]]:
    """``text`` of table ``name`` with its columns renamed and codes mapped, and the problems
    found (unmapped columns, unknown codes), each naming ``where``, the line and column."""
    mapping = mapping or Mapping()
    tm = mapping.tables.get(name, TableMap())
    ours = list(TABLES[name].columns) + list(DECLARED.get(name, ()))
    own = {squash(c): c for c in ours}
    rename, problems = {}, []
    taken = set()
    # the header is line 1 of a CSV file or sheet; Parquet and SQL rows start at 1
    header = 1 if len(text) == 0 or int(text.index.min()) > 1 else None
    for col in text.columns:  # their columns, cleaned by the reader
        key = squash(col)
        target = tm.columns.get(key)
        if target is None and key in own:
            target = own[key]
        if target is None and key not in tm.ignore:
            alias = {squash(a): c for a, c in ALIASES.items()}.get(key)
            if alias in ours and squash(alias) not in {squash(c) for c in text.columns}:
                target = alias
        if target is None:
            if mapping.path and key not in tm.ignore:
                problems.append(v.problem(
                    where, header, col, "",
                    f"column {col!r} is not in the {name} table and {mapping.path} does not "
                    f"map it: map it to one of {', '.join(ours)} under tables.{name}.columns, "
                    f"or list it under tables.{name}.ignore"))
            continue
        if target in taken:
            problems.append(v.problem(
                where, header, col, "", f"column {col!r} maps to {target}, which another column "
                "already gives; map only one of them"))
            continue
        taken.add(target)
        rename[col] = target
    out = text[list(rename)].rename(columns=rename)
    for column, codes in tm.codes.items():
        if column not in out:
            continue
        raw = out[column].astype("string").fillna("")
        keys = raw.map(_key)
        mapped = keys.map(codes)
        allowed = _codes_of(name, column)
        already = (_ours(name, column, raw).isin(allowed) if allowed is not None
                   else pd.Series(True, index=raw.index))
        bad = mapped.isna() & (raw != "") & ~already
        for line in raw.index[bad.to_numpy()]:
            problems.append({**v.problem(
                where, line, column, raw.at[line],
                f"unknown code {raw.at[line]!r} for {column}: {mapping.path} knows "
                f"{', '.join(repr(c) for c in tm.shown_codes[column])}"
                + (f" (or one of ours: {', '.join(allowed)})" if allowed else "")),
                "mapped": True})
        out[column] = mapped.where(mapped.notna(), raw).astype("string")
    return out, problems


def declared_age_problems(text: pd.DataFrame, where: str, children: pd.DataFrame
                          ) -> list[dict]:
    """A declared ``funding_age`` (a portal's funding type) that disagrees with the age the
    birth month gives in the row's term (F6', :func:`eyanalysis.rules.terms.funding_age`):
    reported on its line, never used instead of it."""
    if "funding_age" not in text or children.empty:
        return []
    declared = _ours("attendance", "funding_age", text["funding_age"].astype("string"))
    given = declared.fillna("") != ""
    births = pd.Series(children["birth_month"].astype("string").to_numpy(),
                       index=children["child_id"].astype("string").to_numpy())
    month = text["child_id"].astype("string").map(births)
    ok_term = text["term"].astype("string").str.match(terms.TERM_PATTERN).fillna(False)
    check = given & month.notna() & ok_term
    problems = []
    if not check.any():
        return problems
    rows = text.loc[check]
    derived = pd.Series(funding_ages(month.loc[check], rows["term"].astype("string"))
                        .to_numpy(), index=rows.index)
    for line in rows.index:
        d, g = derived.at[line], declared.at[line]
        if g not in FUNDING_AGE_CODES:
            problems.append(v.problem(where, line, "funding_age", text.at[line, "funding_age"],
                                      "must be a funding age: under-2, 2 or 3-4 (F6'); map "
                                      "the export's funding types in the mapping file"))
        elif pd.isna(d) or d != g:
            shown = "no funded age" if pd.isna(d) else f"{d!r}"
            problems.append(v.problem(
                where, line, "funding_age", text.at[line, "funding_age"],
                f"declares funding age {g!r} but the birth month {month.at[line]} gives "
                f"{shown} in {rows.at[line, 'term']} (F6': from the term after the "
                "birthday); the birth month's age is the one used: check the birth month "
                "or the funding type"))
    return problems

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

:meth:`Dataset.as_of` gives the data as they were known on a date (see its docstring); every
notebook, command and table that speaks of a term reads the data through it.
"""

from __future__ import annotations

import datetime as dt
import pickle
from collections.abc import Mapping as AbcMapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from eyanalysis.data import cache
from eyanalysis.data import validation as v
from eyanalysis.data.claims import levels_known
from eyanalysis.data.export import safe_csv
from eyanalysis.data.mapping import Mapping, declared_age_problems
from eyanalysis.data.mapping import apply as apply_mapping
from eyanalysis.data.mapping import read as read_mapping
from eyanalysis.data.privacy import refuse_personal_data
from eyanalysis.data.readers import reader_problems
from eyanalysis.data.recent import recent
from eyanalysis.data.schemas import (
    ATTENDANCE_STREAM_COLUMNS,
    NOT_AFTER_AS_OF,
    TABLES,
    coerce,
    text_schema,
    wide_targets,
)
from eyanalysis.data.sources import MAPPING_FILE, RawTable, kind_of, read_source
from eyanalysis.errors import InputDataError
from eyanalysis.parameters import as_date
from eyanalysis.rules import terms
from eyanalysis.rules.support import crisis_starts

SAMPLE = Path(__file__).resolve().parent / "sample"
# Parents are validated before the tables that refer to them (foreign keys).
ORDER = ["settings", "children", "inspections", "attendance", "visits", "categorisations",
         "panel_applications"]
NOT_INSPECTED = "not_yet_inspected"
#: as_of cuts one dataset keeps, the least recently used dropped first: a release asks for
#: about ten days, an app's session for a new one at each change (each cut is a copy of the
#: tables)
KEPT_CUTS = 16


@dataclass
class Dataset:
    """The seven tables (``tables``, typed accepted rows; also as attributes, e.g.
    ``ds.attendance``), the rows quarantined at load, the problem table and rows read.

    ``as_of_day`` is set on the data as known on a date (:meth:`as_of`); ``withheld`` then
    counts, per table, the accepted rows dated after it, so that
    ``rows in = accepted + quarantined + withheld``.
    """

    source: str
    tables: dict[str, pd.DataFrame]
    quarantined: dict[str, pd.DataFrame]
    problems: pd.DataFrame
    rows_in: dict[str, int] = field(default_factory=dict)
    encodings: dict[str, str] = field(default_factory=dict)  # how each table was read
    checked_on: dt.date | None = None  # dates after this were refused as in the future
    as_of_day: dt.date | None = None
    withheld: dict[str, int] = field(default_factory=dict)
    # as_of() results by day (at most KEPT_CUTS): the termly tables ask for the same few
    # days many times
    _known: dict = field(default_factory=dict, init=False, repr=False, compare=False)
    # the dataset this one was cut from (as_of): an earlier day is cut from it, so the cuts
    # of one source are shared however the callers reached them (not saved: save() writes
    # this dataset alone)
    _origin: Dataset | None = field(default=None, init=False, repr=False, compare=False)
    # claims derived from this dataset (eyanalysis.data.claims._kept): a term's claims are
    # asked for many times by one release, timeline or costing
    _derived: dict = field(default_factory=dict, init=False, repr=False, compare=False)
    #: True when :func:`load` read this dataset back from :mod:`eyanalysis.data.cache`
    #: (checked before, unchanged since) instead of checking the source now
    read_back: bool = field(default=False, init=False, repr=False, compare=False)
    # when each setting's crisis began, whatever the day (:meth:`_crisis_from`)
    _crisis: np.ndarray | None = field(default=None, init=False, repr=False, compare=False)

    def __getstate__(self) -> dict:
        return {k: v for k, v in self.__dict__.items()
                if k not in ("_known", "_origin", "_derived", "read_back", "_crisis")}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state, _known={}, _origin=None, _derived={}, read_back=False,
                             _crisis=None)

    def __getattr__(self, name: str) -> pd.DataFrame:
        tables = self.__dict__.get("tables", {})
        if name in tables:
            return tables[name]
        raise AttributeError(name)

    @property
    def counts(self) -> pd.DataFrame:
        """Rows in, accepted and quarantined per table (and ``after_as_of``, the rows
        withheld by :meth:`as_of`, on data as known on a date)."""
        rows = [{"table": n, "rows_in": self.rows_in[n], "accepted": len(self.tables[n]),
                 "quarantined": len(self.quarantined[n]),
                 "encoding": self.encodings.get(n, "")} for n in self.tables]
        out = pd.DataFrame(rows, columns=["table", "rows_in", "accepted", "quarantined",
                                          "encoding"])
        if self.as_of_day is not None:
            out["after_as_of"] = [self.withheld.get(n, 0) for n in self.tables]
        return out

    @property
    def summary(self) -> str:
        c = self.counts
        text = (f"rows: {c.rows_in.sum()} in, {c.accepted.sum()} accepted, "
                f"{c.quarantined.sum()} quarantined")
        if self.as_of_day is not None:
            text += (f"; {c.after_as_of.sum()} dated after {self.as_of_day.isoformat()} "
                     "(not known then)")
        return text

    def save(self, path: Path | str) -> Path:
        """Write this dataset (validated, typed, as known on ``as_of_day``) to one file for
        :func:`read_saved`: how the termly run hands every notebook the same data, loaded
        and validated once. A pickle: read back only files written by eyanalysis."""
        path = Path(path)
        with open(path, "wb") as fh:
            pickle.dump(self, fh, protocol=pickle.HIGHEST_PROTOCOL)
        return path

    def write_csv(self, folder: Path | str) -> list[Path]:
        """Write every table as ``folder/<table>.csv`` in the form :func:`load` reads
        (dates YYYY-MM-DD, true/false, level ids, blanks for missing values), so that
        ``load(folder)`` gives the same tables back: e.g. a copy of the data cut at a date,
        ``ds.as_of(day).write_csv(folder)`` (``eyanalysis snapshot``)."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        paths = []
        for name, frame in self.tables.items():
            path = folder / f"{name}.csv"
            _as_text(TABLES[name], frame).to_csv(path, index=False, lineterminator="\n")
            paths.append(path)
        return paths

    def as_of(self, day: dt.date | str) -> Dataset:
        """The data as they were known on ``day`` (pure: ``self`` is not changed; idempotent:
        ``ds.as_of(d).as_of(d)`` equals ``ds.as_of(d)``). Decisions:

        - ``attendance``: terms starting after ``day`` are not there; a row whose
          ``level_from`` is after ``day`` shows the level known on ``day`` (the child's level
          in the previous term, ``NE`` for a child new that term; ``level_from`` then the
          date that level took effect, or the term start), the rule of
          :func:`eyanalysis.data.claims.levels_known`;
        - ``visits``: visits planned after ``day`` (and not held by then) are not there; a
          ``held_date`` after ``day`` is blanked with its ``level_agreed`` (the visit not yet
          held), and so is a ``self_audit_received`` after ``day``;
        - ``categorisations`` effective, ``inspections`` dated and ``panel_applications``
          received after ``day`` are not there; a panel decision dated after ``day`` reads
          ``pending`` (its date and awarded level blank; a ``panel_date`` stays: the meeting
          was known);
        - ``settings``: the latest Ofsted judgement and date become the latest inspection on
          or before ``day`` (``not_yet_inspected`` when none); ``in_crisis`` holds only from
          the crisis start (:func:`eyanalysis.rules.support.crisis_starts`) on;
        - ``children``: with the attendance table loaded, only children with an attendance
          row or an application kept above (a child first funded later is not known yet);
          ``eypp_eligible``, ``ehcp_status`` and the other flags are undated and stay as
          recorded.

        ``rows_in``, ``quarantined`` and ``problems`` describe the load and stay as they
        are; ``withheld`` counts the accepted rows left out, so
        ``rows in = accepted + quarantined + withheld`` (:attr:`counts`).
        """
        day = as_date(day)
        if self.as_of_day is not None and self.as_of_day <= day:
            return self  # known on an earlier day already: nothing later is there
        if self._origin is not None:  # what was known on day is the source's cut at day
            return self._origin.as_of(day)
        return recent(self._known, day, lambda: self._cut(day), KEPT_CUTS)

    def _cut(self, day: dt.date) -> Dataset:
        """The cut of :meth:`as_of`; each table is cut when first asked for (a termly table
        reads two or three of the seven, and the releases of earlier terms are cut at
        each term's end), and so is ``withheld``."""
        ts = pd.Timestamp(day)
        src = self.tables
        make = {name: (lambda f=frame: f) for name, frame in src.items()}
        if "attendance" in src:
            make["attendance"] = lambda: _attendance_as_of(src["attendance"], day)
        if "visits" in src:
            make["visits"] = lambda: _visits_as_of(src["visits"], ts)
        for name, col in (("categorisations", "effective_date"),
                          ("inspections", "inspection_date")):
            if name in src:
                make[name] = lambda f=src[name], col=col: f.loc[f[col] <= ts]
        if "panel_applications" in src:
            make["panel_applications"] = lambda: _applications_as_of(
                src["panel_applications"], ts)
        tables = Tables({n: (lambda m=m: m().reset_index(drop=True)) for n, m in make.items()})
        if "settings" in src:
            tables.make["settings"] = lambda: _settings_as_of(
                src["settings"], tables.get("inspections"), self._crisis_from(),
                ts).reset_index(drop=True)
        if "children" in src and "attendance" in src:
            # ids as Python strings, matched by hash (an Arrow string column compared
            # value by value, or turned into a set, is ten times slower)
            def children() -> pd.DataFrame:
                known = pd.concat([tables[n]["child_id"].astype(object) for n in
                                   ("attendance", "panel_applications") if n in tables]).unique()
                kids = src["children"]
                return kids.loc[kids["child_id"].astype(object).isin(known)].reset_index(
                    drop=True)

            tables.make["children"] = children
        withheld = Tables({n: (lambda n=n: self.withheld.get(n, 0) + len(src[n])
                               - len(tables[n])) for n in src})
        cut = replace(self, tables=tables, as_of_day=day, withheld=withheld)
        cut._origin = self  # an earlier day is cut from this source, not from the cut
        return cut

    def _crisis_from(self) -> np.ndarray:
        """When each setting's crisis began (:func:`eyanalysis.rules.support.crisis_starts`
        from all the visits; ``NaT``: never), in the settings' order: the same on every
        day, so worked out once for all the cuts of :meth:`as_of`."""
        if self._crisis is None:
            settings, visits = self.tables["settings"], self.tables.get("visits")
            if visits is None:
                visits = pd.DataFrame({c: pd.Series(dtype="object") for c in
                                       ("setting_id", "held_date", "level_agreed",
                                        "visit_type", "visit_id")}).astype(
                    {"held_date": "datetime64[ns]"})
            crisis = crisis_starts(settings, visits).set_index("setting_id")["crisis_from"]
            self._crisis = crisis.reindex(
                settings["setting_id"].astype("string").to_numpy()).to_numpy()
        return self._crisis

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


SAVED_SUFFIX = ".pickle"


def read_saved(path: Path | str) -> Dataset:
    """A dataset written by :meth:`Dataset.save` (never a file from elsewhere)."""
    path = Path(path)
    if path.suffix != SAVED_SUFFIX or not path.is_file():
        raise InputDataError(f"{path}: not a dataset saved by eyanalysis (a {SAVED_SUFFIX} "
                             "file written by the termly run).")
    with open(path, "rb") as fh:
        ds = pickle.load(fh)  # noqa: S301 - written by Dataset.save in the same run
    if not isinstance(ds, Dataset):
        raise InputDataError(f"{path}: not a dataset saved by eyanalysis.")
    return ds


def _as_text(table, frame: pd.DataFrame) -> pd.DataFrame:
    """The typed columns of ``table`` back as the text a source holds."""
    out = {}
    for f in table.fields:
        col = frame[f.name]
        if f.kind == "date":
            text = col.dt.strftime("%Y-%m-%d")
        elif f.kind == "bool":
            text = col.map({True: "true", False: "false"})
        elif f.kind == "number":
            text = col.map(lambda x: "" if pd.isna(x) else np.format_float_positional(
                x, trim="-"))
        else:
            text = col.astype("string")
        out[f.name] = text.astype("string").fillna("")
    out = pd.DataFrame(out)
    if table.name == "attendance" and "universal_hours" in out:
        # hours given per stream were summed at load (schemas.derive_hours): write the
        # streams back, not the sums, so that the file loads again
        streamed = (out[[c for c in ATTENDANCE_STREAM_COLUMNS if c.endswith("_hours")]]
                    != "").any(axis=1)
        out.loc[streamed, ["hours_per_week", "weeks"]] = ""
    return out


class Tables(AbcMapping):
    """Tables made when first asked for (:meth:`Dataset.as_of`): ``make`` gives, per name,
    a function that makes it; each is made once."""

    def __init__(self, make: dict):
        self.make = make
        self._made: dict = {}

    def __getitem__(self, name: str):
        if name not in self._made:
            self._made[name] = self.make[name]()  # KeyError: no such table
        return self._made[name]

    @property
    def made(self) -> list[str]:
        """The tables made so far."""
        return list(self._made)

    def __contains__(self, name) -> bool:  # without making it
        return name in self.make

    def __iter__(self):
        return iter(self.make)

    def __len__(self) -> int:
        return len(self.make)

    def __reduce__(self):  # saved as the plain dict it stands for
        return dict, (dict(self.items()),)


def _attendance_as_of(att: pd.DataFrame, day: dt.date) -> pd.DataFrame:
    begun = {x: terms.start(x) <= day for x in att["term"].astype("string").unique()}
    att = att.loc[att["term"].astype("string").map(begun).astype(bool)]
    level, since = levels_known(att, att, day)
    return att.assign(
        level=pd.Categorical(level.to_numpy(), dtype=att["level"].dtype)
        if isinstance(att["level"].dtype, pd.CategoricalDtype) else level,
        level_from=since.astype(att["level_from"].dtype))


def _visits_as_of(vis: pd.DataFrame, ts: pd.Timestamp) -> pd.DataFrame:
    vis = vis.loc[(vis["planned_date"] <= ts) | (vis["held_date"] <= ts)]
    later = vis["held_date"] > ts
    return vis.assign(held_date=vis["held_date"].mask(later),
                      level_agreed=vis["level_agreed"].mask(later),
                      self_audit_received=vis["self_audit_received"].mask(
                          vis["self_audit_received"] > ts))


def _applications_as_of(apps: pd.DataFrame, ts: pd.Timestamp) -> pd.DataFrame:
    apps = apps.loc[apps["received_date"] <= ts]
    later = apps["decision_date"] > ts
    return apps.assign(decision=apps["decision"].mask(later, "pending"),
                       decision_date=apps["decision_date"].mask(later),
                       awarded_level=apps["awarded_level"].mask(later))


def _settings_as_of(settings: pd.DataFrame, inspections: pd.DataFrame | None,
                    crisis_from: np.ndarray, ts: pd.Timestamp) -> pd.DataFrame:
    """Settings with the Ofsted judgement and crisis flag known on ``ts`` (see
    :meth:`Dataset.as_of`; ``crisis_from``: :meth:`Dataset._crisis_from`)."""
    own = settings.loc[settings["ofsted_date"] <= ts,
                       ["setting_id", "ofsted_date", "ofsted_judgement"]]
    seen = [own.set_axis(["setting_id", "date", "judgement"], axis=1)]
    if inspections is not None:
        single_word = inspections["judgement"].notna()  # report cards have none (O1)
        seen.append(inspections.loc[single_word & (inspections["inspection_date"] <= ts),
                                    ["setting_id", "inspection_date", "judgement"]]
                    .set_axis(["setting_id", "date", "judgement"], axis=1))
    seen = pd.concat([f.astype({"setting_id": "string", "judgement": "string"})
                      for f in seen], ignore_index=True)
    latest = (seen.sort_values(["setting_id", "date"], kind="stable")
              .drop_duplicates("setting_id", keep="last").set_index("setting_id"))
    ids = settings["setting_id"].astype("string")
    judgement = ids.map(latest["judgement"]).fillna(NOT_INSPECTED)
    began = crisis_from <= ts.to_datetime64()  # NaT: False
    in_crisis = settings["in_crisis"].astype(bool).to_numpy() & began
    return settings.assign(
        ofsted_judgement=judgement.astype(settings["ofsted_judgement"].dtype),
        ofsted_date=pd.Series(latest["date"].reindex(ids.to_numpy()).to_numpy(),
                              index=settings.index).astype(settings["ofsted_date"].dtype),
        in_crisis=in_crisis)


def load(source: str | Path | None = None, tables: list[str] | None = None, *,
         as_of: dt.date | str | None = None,
         mapping: str | Path | Mapping | None = None) -> Dataset:
    """Load and validate ``source`` (default: the bundled sample county).

    ``tables`` restricts loading to some tables (their parents are loaded too, for the
    foreign keys). ``as_of`` is the date the data describe (default today): inspections,
    visits held, applications received and decisions dated after it are quarantined as
    in the future. Raises :class:`~eyanalysis.errors.PersonalDataError` for identifying
    data in any table and :class:`~eyanalysis.errors.InputDataError` for a source that
    cannot be opened at all; bad rows and bad files never raise: they are quarantined and
    reported.

    ``mapping`` (a YAML file, :mod:`eyanalysis.data.mapping`) loads an authority's own
    export: their file names, column names and codes -> ours, every unmapped column and
    unknown code reported, and a declared funding age checked against the birth month
    (F6'). The built-in aliases of DOMAIN §10 (``upn``, ``urn``, ``senif_band`` ...)
    apply with or without one. Personal data are refused before any column is mapped. A
    folder holding a ``mapping.yaml`` beside its files uses it when ``mapping`` is not
    given, so the termly run, the apps and every command load such a folder alike.

    A source loaded before and unchanged since (every file, the tables, ``as_of``, the
    mapping and the package's code alike) is read back from :mod:`eyanalysis.data.cache`
    in a fraction of a second instead of checked again; a database is always checked.
    """
    source = SAMPLE if source is None else source
    checked_on = _as_date(as_of)
    wanted = _with_parents(tables or list(TABLES))
    if mapping is None and Path(str(source)).is_dir() and (Path(source) / MAPPING_FILE).is_file():
        mapping = Path(source) / MAPPING_FILE  # a folder carries its own mapping
    rules = cache.rules_digest() if cache.folder() is not None else ""
    kept = cache.key(rules, source, kind_of(source), wanted, checked_on, mapping)
    ds = cache.read(kept)
    if isinstance(ds, Dataset):
        ds.read_back = True
        return ds
    ds = _checked(source, wanted, checked_on, mapping, rules)
    if kept is None:
        cache.prune()  # the tables' entries (a database, a mapping object)
    else:
        cache.write(kept, ds)
    return ds


def _checked(source, wanted: list[str], checked_on: dt.date, mapping, rules: str) -> Dataset:
    """:func:`load` itself: read, refuse personal data, map, check, quarantine (``rules``:
    :func:`~eyanalysis.data.cache.rules_digest`, the key of the tables' kept checks)."""
    mp = mapping if isinstance(mapping, Mapping) else (
        read_mapping(mapping) if mapping is not None else Mapping())
    raw = read_source(source, wanted, mp.file_names())
    refuse_personal_data((rt.where, rt.text, TABLES[n].columns) for n, rt in raw.items()
                         if not rt.failed)
    mapped: dict[str, list[dict]] = {}
    for n, rt in raw.items():
        if not rt.failed:
            text, mapped[n] = apply_mapping(n, rt.text, rt.where, mp)
            text.attrs = rt.text.attrs  # the reader's findings (reader_problems)
            rt.text = text
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
            found = _merge(mapped.get(name, []), reader_problems(rt.text, rt.where)
                           + _check_table(rt, table, accepted, raw, failed, checked_on,
                                          rules=rules))
            if name == "attendance" and "children" in accepted:
                named = {(p["line"], p["column"]) for p in found}
                found += [p for p in declared_age_problems(rt.text, rt.where,
                                                           accepted["children"])
                          if (p["line"], p["column"]) not in named]
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
        p.pop("mapped", None)
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


def _schema_problems(table, text: pd.DataFrame, where: str, rules: str) -> list[dict]:
    """The schema's problems of one table's text cells (``where`` names them), read back
    from :mod:`eyanalysis.data.cache` when the same cells were checked before under the
    same rules (:func:`~eyanalysis.data.cache.check_key`): a folder where one file changed
    checks that file's cells only."""
    name = cache.check_key(rules, table.name, text)
    kept = cache.read(name)
    if not (isinstance(kept, list) and all(isinstance(p, dict) for p in kept)):
        # not kept, or not an entry of this kind: check
        kept = v.validate(text, text_schema(table), "", wide_targets=wide_targets(table))
        cache.write(name, kept, prune=False)  # once for the load: load()
    return [{**p, "file": where} for p in kept]


def _check_table(rt: RawTable, table, accepted: dict[str, pd.DataFrame],
                 raw: dict[str, RawTable], failed: set[str] = frozenset(),
                 as_of: dt.date | None = None, *, rules: str) -> list[dict]:
    text = rt.text
    for col in table.columns:  # pandera reports a missing column; give others a blank
        if col not in text.columns:
            text = text.assign(**{col: pd.Series("", index=text.index, dtype="string")})
    found = _schema_problems(table, text, rt.where, rules)
    missing = [f.name for f in table.fields
               if f.name not in rt.text.columns and not f.column_optional]
    found = [p for p in found if p["line"] is None or p["column"] not in missing] + [
        v.problem(rt.where, 1, c, "", "required column is missing from the header")
        for c in missing if not any(p["column"] == c and p["line"] == 1 for p in found)]
    # Plausibility: nothing happened after the date the data describe.
    if as_of is not None:
        limit = pd.Timestamp(as_of)
        for col in NOT_AFTER_AS_OF.get(table.name, ()):
            if col not in rt.text.columns:
                continue
            dates = v.date(rt.text[col])
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
        values = rt.text[f.name].astype("string")
        orphan = (values != "") & ~values.isin(accepted[parent][key].astype("string"))
        if not orphan.any():
            continue
        listed = set(raw[parent].text.get(key, pd.Series(dtype="string")))
        found += [v.problem(rt.where, line, f.name, value,
                             f"refers to a {parent} row that was quarantined" if value in listed
                             else f"is not in {parent} (orphan row: no such {key})")
                  for line, value in values[orphan].items()]
    return sorted(found, key=lambda p: (p["line"] or 0, p["column"] or ""))


def _merge(mapped: list[dict], found: list[dict]) -> list[dict]:
    """The mapping's problems, and the schema's except where the mapping already named the
    cell (an unknown code is reported once, with the codes the mapping knows)."""
    cells = {(p["line"], p["column"]) for p in mapped if p.get("mapped")}
    return mapped + [p for p in found if (p["line"], p["column"]) not in cells]


def _reasons(found: list[dict], where: str) -> dict[int, str]:
    out: dict[int, list[str]] = {}
    for p in found:
        if p["line"] is not None:
            out.setdefault(p["line"], []).append(f"{p['column']}: {p['message']}")
    return {line: "; ".join(r) for line, r in out.items()}

"""Dated parameters: every rate, cap, threshold and rule choice, read from ``parameters/``.

Files follow the PolicyEngine UK form (GUIDE.md §3): a ``description``, ``metadata`` with
``unit``, ``label`` and ``reference`` (title plus ``href`` or a seed ``page``), and
``values`` keyed by the ISO date each value took effect. A value may be a plain scalar
or a mapping with ``value`` and its own ``reference`` / ``note``. A file whose values are
keyed by names rather than dates (``metadata.breakdown``) holds one parameter per name.

A parameter's path is the file's path under ``parameters/`` with dots, plus the name for
broken-down files: ``inclusion.top_up.GR3``, ``nef.weekly_hour_cap``, ``eypp.rate``.
Code asks for a value on a date and never holds a rate literal.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from eyanalysis.errors import ParameterDateError, ParameterError
from eyanalysis.vocabulary import BREAKDOWNS, OPEN_BREAKDOWNS

_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_IDENTIFIER = re.compile(r"^[A-Za-z0-9_]+$")
SCENARIO_DIR = "scenarios"


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """SafeLoader that keeps dates as strings and reads decimals exactly (no floats); libyaml's
    parser where PyYAML has it (six times faster: every process reads every file)."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_constructor(
    "tag:yaml.org,2002:float",
    lambda loader, node: Decimal(loader.construct_scalar(node).replace("_", "")),
)


def read_yaml(path: Path) -> Any:
    """Read a YAML file with dates as strings and decimal numbers as ``Decimal``."""
    with open(path, encoding="utf-8") as fh:
        return yaml.load(fh, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader


def as_date(when: dt.date | dt.datetime | str) -> dt.date:
    """A ``date`` from a date, datetime or ISO string (``YYYY-MM-DD``)."""
    if isinstance(when, dt.datetime):
        return when.date()
    if isinstance(when, dt.date):
        return when
    try:
        return dt.date.fromisoformat(str(when).strip())
    except ValueError:
        raise ParameterError(f"{when!r} is not a date: write it as YYYY-MM-DD.") from None


@dataclass(frozen=True)
class DatedValue:
    start: dt.date
    value: Any
    reference: tuple = ()
    note: str | None = None


@dataclass(frozen=True)
class Parameter:
    """One dated series of values."""

    path: str
    file: Path
    description: str
    metadata: Mapping[str, Any]
    values: tuple[DatedValue, ...]

    @property
    def unit(self) -> str:
        return self.metadata.get("unit", "")

    @property
    def label(self) -> str:
        return self.metadata.get("label", "")

    def entry(self, on: dt.date | str) -> DatedValue:
        """The dated value in force on ``on`` (the latest start on or before it)."""
        day = as_date(on)
        current = None
        for item in self.values:
            if item.start <= day:
                current = item
        if current is None:
            raise ParameterDateError(
                f"{self.path} has no value before {self.values[0].start.isoformat()} "
                f"(asked for {day.isoformat()}). Choose a date on or after "
                f"{self.values[0].start.isoformat()}, or add an earlier value to {self.file}."
            )
        return current

    def __call__(self, on: dt.date | str) -> Any:
        return self.entry(on).value


@dataclass
class Parameters:
    """All parameters under one folder, optionally with scenario overrides applied.

    Every value read through :meth:`get` (a path on a date) or :meth:`series` (a path's
    whole dated series) is recorded in ``reads``, in the order first read, so that a report
    can list the parameters it actually used (:func:`eyanalysis.present.notebook.sources`).
    """

    root: Path
    by_path: dict[str, Parameter] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)
    reads: dict[tuple[str, dt.date | None], None] = field(default_factory=dict, repr=False,
                                                          compare=False)

    def __getitem__(self, path: str) -> Parameter:
        try:
            return self.by_path[path]
        except KeyError:
            close = [p for p in self.by_path if p.split(".")[-1] == path.split(".")[-1]]
            hint = f" Did you mean {', '.join(close)}?" if close else ""
            raise ParameterError(
                f"Unknown parameter path {path!r} under {self.root}.{hint} "
                f"Known paths: {', '.join(sorted(self.by_path))}."
            ) from None

    def __contains__(self, path: str) -> bool:
        return path in self.by_path

    def get(self, path: str, on: dt.date | str) -> Any:
        """The value of ``path`` in force on ``on``; refuses a date before the first value.
        The read is recorded (``reads``)."""
        day = as_date(on)
        value = self[path](day)
        self.reads.setdefault((path, day), None)
        return value

    def series(self, path: str) -> Parameter:
        """The whole dated series of ``path`` (for a rule that looks at every value, e.g. a
        bar in force between two dates); recorded in ``reads`` without a date."""
        par = self[path]
        self.reads.setdefault((path, None), None)
        return par

    def read_log(self) -> list[tuple[str, dt.date | None]]:
        """``(path, date)`` of every read so far, in the order first read (``None``: the
        whole series was used)."""
        return list(self.reads)

    def forget_reads(self) -> None:
        """Start a new record of reads (e.g. before one notebook's run in a shared process)."""
        self.reads.clear()

    def paths(self) -> list[str]:
        return sorted(self.by_path)

    def with_overrides(
        self, overrides: Mapping[str, Mapping[str, Any]], source: str = "override"
    ) -> Parameters:
        """A copy in which each ``path`` takes extra dated values (a scenario, GUIDE.md §3).

        An override value replaces the base value from its date on; a path that is unknown,
        or a date before the path's first value, is refused with ``source`` in the message.
        """
        by_path = dict(self.by_path)
        for path, dated in overrides.items():
            if path not in by_path:
                raise ParameterError(f"{source}: unknown parameter path {path!r}.")
            base = by_path[path]
            extra = _dated_values(dated, f"{source}: {path}")
            for item in extra:
                if item.start < base.values[0].start:
                    raise ParameterDateError(
                        f"{source}: {path} starts on {base.values[0].start.isoformat()}; "
                        f"an override from {item.start.isoformat()} is before it."
                    )
            starts = {item.start for item in extra}
            merged = [v for v in base.values if v.start not in starts] + extra
            by_path[path] = Parameter(
                path,
                base.file,
                base.description,
                base.metadata,
                tuple(sorted(merged, key=lambda v: v.start)),
            )
        return Parameters(self.root, by_path, list(self.files))


def _dated_values(raw: Any, where: str) -> list[DatedValue]:
    if not isinstance(raw, Mapping) or not raw:
        raise ParameterError(f"{where}: values must be a mapping of ISO dates to values.")
    out = []
    for key, item in raw.items():
        if not _ISO.match(str(key)):
            raise ParameterError(f"{where}: {key!r} is not an ISO date (YYYY-MM-DD).")
        if isinstance(item, Mapping) and "value" in item:
            out.append(
                DatedValue(
                    as_date(str(key)),
                    item["value"],
                    tuple(item.get("reference") or ()),
                    item.get("note"),
                )
            )
        else:
            out.append(DatedValue(as_date(str(key)), item))
    return out


def check_file(path: Path, root: Path | None = None) -> list[str]:
    """Problems with one parameter file (empty when it is well formed).

    Checks: a description; metadata unit, label and reference (each with a title and an
    ``href`` or a seed ``page``); ISO dates in ascending order; known breakdown keys;
    choices among ``metadata.options``; references carried by individual values.
    """
    return _read_checked(path, root)[1]


def _read_checked(path: Path, root: Path | None) -> tuple[Any, list[str]]:
    """The file read (``None`` when it cannot be) and :func:`check_file`'s problems."""
    where = str(path if root is None else path.relative_to(root))
    try:
        doc = read_yaml(path)
    except (OSError, yaml.YAMLError) as exc:
        return None, [f"{where}: cannot be read as YAML ({exc})."]
    return doc, _check_document(doc, where)


def _check_document(doc: Any, where: str) -> list[str]:
    if not isinstance(doc, Mapping):
        return [f"{where}: must be a mapping with description, metadata and values."]
    problems = []
    if not str(doc.get("description") or "").strip():
        problems.append(f"{where}: missing description.")
    meta = doc.get("metadata") or {}
    for key in ("unit", "label"):
        if not str(meta.get(key) or "").strip():
            problems.append(f"{where}: metadata.{key} is missing.")
    problems += _check_references(meta.get("reference"), f"{where}: metadata.reference", True)
    values = doc.get("values")
    if not isinstance(values, Mapping) or not values:
        return problems + [f"{where}: values must be a non-empty mapping."]
    breakdown = meta.get("breakdown")
    if breakdown is None:
        series = {"": values}
    elif breakdown in OPEN_BREAKDOWNS:  # a scheme's own band ids (S1)
        series = values
        for key in values:
            if not _IDENTIFIER.match(str(key)):
                problems.append(f"{where}: key {key!r} is not an identifier (letters, digits, _).")
    elif breakdown not in BREAKDOWNS:
        return problems + [
            f"{where}: unknown breakdown {breakdown!r}; use one of "
            f"{', '.join(sorted([*BREAKDOWNS, *OPEN_BREAKDOWNS]))}."
        ]
    else:
        series = values
        for key in values:
            if str(key) not in BREAKDOWNS[breakdown]:
                problems.append(
                    f"{where}: key {key!r} is not a known {breakdown} "
                    f"({', '.join(sorted(BREAKDOWNS[breakdown]))})."
                )
    options = meta.get("options")
    for name, dated in series.items():
        label = f"{where}: values{'.' + str(name) if name else ''}"
        if not isinstance(dated, Mapping) or not dated:
            problems.append(f"{label}: must map ISO dates to values.")
            continue
        keys = [str(k) for k in dated]
        bad = [k for k in keys if not _ISO.match(k)]
        if bad:
            problems.append(f"{label}: {', '.join(bad)} not ISO dates (YYYY-MM-DD).")
            continue
        try:
            days = [as_date(k) for k in keys]
        except ParameterError as exc:
            problems.append(f"{label}: {exc}")
            continue
        if days != sorted(days) or len(set(days)) != len(days):
            problems.append(f"{label}: dates must be in ascending order without repeats.")
        for key, item in dated.items():
            value = item.get("value") if isinstance(item, Mapping) else item
            if isinstance(item, Mapping):
                if "value" not in item:
                    problems.append(f"{label}.{key}: a mapping value needs a 'value' key.")
                problems += _check_references(item.get("reference"), f"{label}.{key}", False)
            if options is not None and value not in options:
                problems.append(f"{label}.{key}: {value!r} is not one of {options}.")
            amounts = value.values() if isinstance(value, Mapping) else [value]
            if meta.get("unit", "").startswith("GBP") and not all(
                (isinstance(a, (Decimal, int)) and a >= 0) or (isinstance(value, Mapping)
                                                              and isinstance(a, str))
                for a in amounts
            ):
                problems.append(f"{label}.{key}: {value!r} is not a non-negative amount.")
    return problems


def _check_references(refs: Any, where: str, required: bool) -> list[str]:
    if refs is None:
        return [f"{where} is missing."] if required else []
    if not isinstance(refs, list) or not refs:
        return [f"{where} must be a list of references."]
    problems = []
    for ref in refs:
        if not isinstance(ref, Mapping) or not str(ref.get("title") or "").strip():
            problems.append(f"{where}: every reference needs a title.")
        elif not (ref.get("href") or ref.get("page")):
            problems.append(f"{where}: reference {ref['title']!r} needs an href or a seed page.")
    return problems


def parameter_files(root: Path) -> list[Path]:
    """Every parameter file under ``root`` (scenario files excluded)."""
    return sorted(p for p in root.rglob("*.yaml") if SCENARIO_DIR not in p.relative_to(root).parts)


def default_root() -> Path:
    """``$EYANALYSIS_PARAMETERS``, else the copy inside an installed wheel, else the repo's."""
    env = os.environ.get("EYANALYSIS_PARAMETERS")
    if env:
        return Path(env)
    here = Path(__file__).resolve().parent
    packaged = here / "_parameters"
    return packaged if packaged.is_dir() else here.parent / "parameters"


def _load(root: Path) -> Parameters:
    if not root.is_dir():
        raise ParameterError(
            f"No parameter folder at {root}. Set EYANALYSIS_PARAMETERS to the folder that "
            "holds the dated parameter files (the repository's parameters/)."
        )
    files = parameter_files(root)
    docs, problems = {}, []
    for f in files:  # each file read once, checked, then built
        docs[f], found = _read_checked(f, root)
        problems += found
    if problems:
        raise ParameterError("Malformed parameter files:\n  " + "\n  ".join(problems))
    params = Parameters(root, files=files)
    for f in files:
        doc = docs[f]
        stem = ".".join(f.relative_to(root).with_suffix("").parts)
        meta = doc["metadata"]
        series: Iterable = (
            doc["values"].items() if meta.get("breakdown") else [(None, doc["values"])]
        )
        for name, dated in series:
            path = stem if name is None else f"{stem}.{name}"
            values = tuple(sorted(_dated_values(dated, str(f)), key=lambda v: v.start))
            params.by_path[path] = Parameter(path, f, doc["description"].strip(), meta, values)
    return params


@lru_cache(maxsize=8)
def _cached(root: str) -> Parameters:
    return _load(Path(root))


def resolve(params: Parameters | None) -> Parameters:
    """``params``, or the parameter files (:func:`load_parameters`) when it is ``None``."""
    return params if params is not None else load_parameters()


def load_parameters(root: Path | str | None = None) -> Parameters:
    """Load (and cache) every parameter file under ``root`` (default: :func:`default_root`)."""
    return _cached(str(Path(root or default_root()).resolve()))

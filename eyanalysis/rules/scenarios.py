"""Scenarios as data (GUIDE.md §3): a name, a description and dated parameter overrides.

A scenario file in ``parameters/scenarios/`` reads::

    name: All top-ups +10% from April 2027
    description: ...
    overrides:
      inclusion.top_up.GR3: {2027-04-01: 1.76}

``scheme: {2027-04-01: stoke_2025}`` (short for ``schemes.active``) switches the authority to
another inclusion scheme from a date (:mod:`eyanalysis.rules.schemes`).

Each override replaces the baseline value of that parameter path from its date on; nothing
in code changes. A file that names an unknown path, or a date before the path's first
value, is refused with a message naming the file and the path (:class:`ScenarioError`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from eyanalysis.errors import ParameterError, ScenarioError
from eyanalysis.parameters import (
    SCENARIO_DIR,
    Parameters,
    default_root,
    load_parameters,
    read_yaml,
)

BASELINE = "Baseline"
#: Short names a scenario file may use for a parameter path.
ALIASES = {"scheme": "schemes.active"}  # S1: the scheme in force from a date


@dataclass(frozen=True)
class Scenario:
    """One named set of dated overrides, applied to the baseline parameters."""

    name: str
    description: str
    overrides: Mapping[str, Mapping[str, Any]]
    params: Parameters = field(repr=False, compare=False)
    file: Path | None = None

    @property
    def is_baseline(self) -> bool:
        return not self.overrides

    @property
    def paths(self) -> list[str]:
        return sorted(self.overrides)


def baseline(params: Parameters | None = None) -> Scenario:
    """The baseline: the parameter files as they are."""
    params = params or load_parameters()
    return Scenario(BASELINE, "The dated parameter files with no overrides.", {}, params)


def load_scenario(path: Path | str, params: Parameters | None = None) -> Scenario:
    """Read and check one scenario file against ``params`` (default: the parameter files).

    Refuses (:class:`ScenarioError`, naming the file and the path) a file that is not a
    mapping with ``name`` and ``overrides``, an unknown parameter path, a key that is not an
    ISO date, a date before the path's first value, a choice outside the parameter's
    ``options`` and a negative or non-numeric amount for a path measured in GBP.
    """
    path = Path(path)
    params = params or load_parameters()
    try:
        doc = read_yaml(path)
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot read the scenario file ({exc}).") from None
    except Exception as exc:  # yaml.YAMLError, without importing yaml at module level
        raise ScenarioError(f"{path}: not valid YAML ({exc}).") from None
    if not isinstance(doc, Mapping):
        raise ScenarioError(f"{path}: a scenario is a mapping with name, description and "
                            "overrides.")
    name = str(doc.get("name") or "").strip()
    if not name:
        raise ScenarioError(f"{path}: missing name.")
    overrides = doc.get("overrides")
    if not isinstance(overrides, Mapping) or not overrides:
        raise ScenarioError(
            f"{path}: overrides must map parameter paths to {{YYYY-MM-DD: value}}, e.g. "
            "inclusion.top_up.GR3: {2027-04-01: 1.76}."
        )
    clean: dict[str, dict[str, Any]] = {}
    for key, dated in overrides.items():
        key = ALIASES.get(str(key), key)
        where = f"{path}: {key}"
        if key not in params:
            hint = [p for p in params.paths() if p.split(".")[-1] == str(key).split(".")[-1]]
            raise ScenarioError(
                f"{where}: unknown parameter path {key!r}."
                + (f" Did you mean {', '.join(hint)}?" if hint else "")
                + f" Known paths: {', '.join(params.paths())}."
            )
        if not isinstance(dated, Mapping):
            raise ScenarioError(f"{where}: write the override as {{YYYY-MM-DD: value}}.")
        meta = params[key].metadata
        for day, item in dated.items():
            value = item.get("value") if isinstance(item, Mapping) else item
            options = meta.get("options")
            if options is not None and value not in options:
                raise ScenarioError(f"{where}: {value!r} on {day} is not one of {options}.")
            if str(meta.get("unit", "")).startswith("GBP") and not (
                isinstance(value, (Decimal, int)) and not isinstance(value, bool) and value >= 0
            ):
                raise ScenarioError(f"{where}: {value!r} on {day} is not a non-negative amount.")
        clean[str(key)] = {str(d): v for d, v in dated.items()}
    try:
        applied = params.with_overrides(clean, source=str(path))
    except ScenarioError:
        raise
    except ParameterError as exc:
        raise ScenarioError(str(exc)) from None
    return Scenario(name, str(doc.get("description") or "").strip(), clean, applied, path)


def scenario_files(root: Path | str | None = None) -> list[Path]:
    """The shipped scenario files (``parameters/scenarios/*.yaml``), sorted by name."""
    folder = Path(root or default_root()) / SCENARIO_DIR
    return sorted(folder.glob("*.yaml"))


def load_scenarios(
    files: Iterable[Path | str] | None = None,
    params: Parameters | None = None,
    with_baseline: bool = True,
) -> list[Scenario]:
    """Baseline first (unless ``with_baseline`` is false), then each file in order.

    ``files`` defaults to every shipped scenario; names must be unique.
    """
    params = params or load_parameters()
    files = scenario_files(params.root) if files is None else list(files)
    out = [baseline(params)] if with_baseline else []
    for f in files:
        sc = load_scenario(f, params)
        if any(s.name == sc.name for s in out):
            raise ScenarioError(f"{f}: another scenario is already called {sc.name!r}.")
        out.append(sc)
    return out


#: Key a file saved by the budget planner carries; only such a file may be replaced.
SAVED_BY = "saved_by"
SAVED_BY_APP = "eyanalysis budget planner"


def file_name(name: str) -> str:
    """A safe file name for a scenario name: lower-case letters, digits and ``_`` only
    (no folder, no dot: a name can never reach outside ``parameters/scenarios/``)."""
    import re

    stem = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")[:60].strip("_")
    if not stem:
        raise ScenarioError(f"scenario name {name!r}: give a name with letters or digits, "
                            "e.g. 'Top-ups +5% from April 2027'.")
    return stem + ".yaml"


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def save_scenario(name: str, description: str, overrides: Mapping[str, Mapping[str, Any]],
                  folder: Path | str | None = None, *, replace: bool = False,
                  params: Parameters | None = None) -> Path:
    """Write a scenario as ``folder/<safe name>.yaml`` (default ``parameters/scenarios/``) in
    the format :func:`load_scenario` reads (``eyanalysis forecast --scenario FILE``), then
    read it back through :func:`load_scenario`, so a file that would be refused is never left.

    An existing file is never overwritten silently: it is refused unless ``replace`` is given
    and the file was itself saved by the budget planner (a shipped scenario is never
    replaced)."""
    import yaml

    params = params or load_parameters()
    name = " ".join(str(name).split())
    folder = Path(folder) if folder is not None else Path(params.root) / SCENARIO_DIR
    target = folder / file_name(name)
    if target.exists():
        try:
            saved_by = (read_yaml(target) or {}).get(SAVED_BY)
        except Exception:
            saved_by = None
        if not replace:
            raise ScenarioError(f"{target} already exists: choose another name, or tick "
                                "'replace' to overwrite a scenario you saved before.")
        if saved_by != SAVED_BY_APP:
            raise ScenarioError(f"{target} is a shipped scenario, not one saved here: it is "
                                "never replaced. Choose another name.")
    doc = {"name": name, "description": " ".join(str(description).split()) or name,
           SAVED_BY: SAVED_BY_APP,
           "overrides": {str(path): {str(day): _plain(v) for day, v in dated.items()}
                         for path, dated in overrides.items()}}
    folder.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".yaml.tmp")
    tmp.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8")
    try:
        load_scenario(tmp, params)
    except ScenarioError:
        tmp.unlink()
        raise
    tmp.replace(target)
    return target

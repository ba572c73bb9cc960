"""Inclusion schemes as data (S1-S4): one engine for every authority's SEN inclusion fund.

A scheme is a folder of dated parameter files, ``parameters/schemes/<scheme_id>/`` (read as
paths ``schemes.<scheme_id>.<file>``): its payment ``unit``, ``bands`` (an amount per band
in that unit; a band may state its own unit, or 15 h and 30 h columns), ``hours_basis``
(weekly cap, the hours a per-term sum is based on, and how it is adjusted), ``age_scope``
(the bands paid for each funding age, F5 for the home scheme), ``split_rule`` (F3),
``specialist_rule`` (F4), ``setting_gate`` (Ofsted results that bar a setting), ``pot``
(a yearly cap per financial year and what happens when it is exceeded), ``interactions``
(``not_with_daf``, D3) and the ``crosswalk`` (S2): the band a child at each home level
would receive, at a low, a central and a high point, because that mapping is a judgement.

:func:`cost` costs one term's claims (the frame :func:`eyanalysis.data.claims_file.
read_attendance` or :func:`eyanalysis.data.claims.for_term` gives) under a scheme, per
row, exactly: every amount is rounded half up to the penny per child, per setting, per
term (F10). The per-hour unit is the home engine: claimable hours from
:func:`eyanalysis.rules.hours.claim_units` (F2-F4, F7) times the band's rate, through
:func:`eyanalysis.rules.money.amount_pence` - so the Worcestershire schemes equal
``predict``'s TOTAL rows to the penny (``tests/test_schemes.py``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pandas as pd

from eyanalysis.errors import ParameterDateError, ParameterError
from eyanalysis.parameters import Parameters, as_date, resolve
from eyanalysis.rules.hours import category_codes, claim_units, flags
from eyanalysis.rules.levels import LEVELS
from eyanalysis.rules.money import HOUR_UNITS, amount_pence, rate_units, round_half_up_div
from eyanalysis.vocabulary import CROSSWALK_POINTS, FUNDING_AGES, SCHEME_UNITS, SEASONS
from eyanalysis.vocabulary import LEVELS as LEVEL_NAMES

PREFIX = "schemes."
NONE = "none"  # a crosswalk band meaning "no award"
UNIVERSAL = "universal"  # the band of a setting-level uplift paid on every funded hour
TERMS_A_YEAR = len(SEASONS)
HOURLY_UNITS = ("per_hour", "percent_of_base_rate", "setting_uplift_per_hour")
ONCE_A_YEAR_UNITS = ("one_off", "per_award")
ADJUSTMENTS = ("none", "pro_rata", "columns")


@dataclass(frozen=True)
class Band:
    """One band of a scheme: ``amount`` in the band's ``unit`` (GBP; a percentage for
    ``percent_of_base_rate``), or the 15 h and 30 h columns ``h15`` / ``h30``."""

    id: str
    unit: str
    amount: Decimal | None = None
    h15: Decimal | None = None
    h30: Decimal | None = None


@dataclass(frozen=True)
class Scheme:
    """A scheme's rules in force on ``on`` (S1), read from ``schemes.<id>.*``."""

    id: str
    on: dt.date
    name: str
    unit: str
    bands: dict[str, Band]
    weekly_cap: Decimal
    basis_hours: Decimal
    adjust: str
    age_scope: dict[str, frozenset[str] | None]  # None: every band at that age
    split_rule: str
    specialist_rule: str
    gate: frozenset[str]
    pot: Decimal | None
    when_exceeded: str
    interactions: frozenset[str]
    crosswalk: dict[str, dict[str, str]]
    notes: dict[str, str] = field(default_factory=dict, compare=False)

    @classmethod
    def from_parameters(cls, scheme_id: str, on: dt.date | str,
                        params: Parameters | None = None) -> Scheme:
        params = resolve(params)
        day = as_date(on)
        base = f"{PREFIX}{scheme_id}."
        if f"{base}unit" not in params:
            raise ParameterError(
                f"Unknown scheme {scheme_id!r}: there is no parameters/schemes/{scheme_id}/"
                f"unit.yaml. Known schemes: {', '.join(scheme_ids(params))}.")

        def get(name: str):
            return params.get(base + name, day)

        unit = get("unit")
        bands = {}
        for path in params.paths():
            if not path.startswith(f"{base}bands."):
                continue
            band_id = path[len(f"{base}bands."):]
            try:
                raw = params.get(path, day)
            except ParameterDateError:
                continue  # a band not yet in force
            bands[band_id] = _band(band_id, raw, unit, str(params[path].file))
        ages: dict[str, frozenset[str] | None] = {}
        for age in FUNDING_AGES:
            if f"{base}age_scope.{age}" not in params:
                continue
            try:
                value = get(f"age_scope.{age}")
            except ParameterDateError:
                continue
            ages[age] = None if value == "all" else frozenset(map(str, value))
        crosswalk = {}
        for level in LEVELS:
            points = get(f"crosswalk.{level}")
            crosswalk[level] = {p: str(points[p]) for p in CROSSWALK_POINTS}
            unknown = {b for b in crosswalk[level].values() if b != NONE and b not in bands}
            if unknown:
                raise ParameterError(
                    f"{params[base + 'crosswalk.' + level].file}: {level} maps to band(s) "
                    f"{sorted(unknown)} that {scheme_id} does not have on {day}; use one of "
                    f"{', '.join(bands)} or 'none'.")
        pot = get("pot.amount")
        adjust = str(get("hours_basis.adjust"))
        if adjust not in ADJUSTMENTS:
            raise ParameterError(f"schemes.{scheme_id}.hours_basis.adjust {adjust!r}: use one "
                                 f"of {', '.join(ADJUSTMENTS)}.")
        notes = {}
        for name in ("bands.", "hours_basis.", "age_scope.", "split_rule", "specialist_rule",
                     "setting_gate", "pot.", "interactions", "crosswalk."):
            path = _first_path(params, base, name)
            note = str(params[base + path].metadata.get("note") or "").strip() if path else ""
            if note:
                notes[name.rstrip(".")] = note
        return cls(
            id=scheme_id, on=day,
            name=str(params[base + "unit"].label).rsplit(":", 1)[0].strip(),
            unit=unit, bands=bands,
            weekly_cap=Decimal(get("hours_basis.weekly_cap")),
            basis_hours=Decimal(get("hours_basis.basis_hours")),
            adjust=adjust, age_scope=ages,
            split_rule=get("split_rule"), specialist_rule=get("specialist_rule"),
            gate=frozenset(get("setting_gate") or ()),
            pot=None if pot == NONE else Decimal(pot),
            when_exceeded=str(get("pot.when_exceeded")),
            interactions=frozenset(get("interactions") or ()),
            crosswalk=crosswalk, notes=notes,
        )

    def crosswalk_text(self) -> str:
        """The crosswalk in words (S2), a clause a home level, for a budget planner to read:
        "Graduated Response 4, tier2 (low estimate) or tier3 (central and high estimates)";
        the band ``none`` reads "no award"."""
        def band(b: str) -> str:
            return "no award" if b == NONE else b.replace("_", " ")

        def estimates(points: list[str]) -> str:
            said = " and ".join([", ".join(points[:-1]), points[-1]] if len(points) > 1
                                else points)
            return f"{said} estimate{'s' if len(points) > 1 else ''}"

        parts = []
        for level in LEVELS:
            points = self.crosswalk[level]
            by_band: dict[str, list[str]] = {}
            for p in CROSSWALK_POINTS:
                by_band.setdefault(points[p], []).append(p)
            said = " or ".join(band(b) if len(by_band) == 1 else f"{band(b)} ({estimates(ps)})"
                               for b, ps in by_band.items())
            parts.append(f"{LEVEL_NAMES.label(level)}, {said}")
        return "; ".join(parts)


def _first_path(params: Parameters, base: str, name: str) -> str | None:
    if not name.endswith("."):
        return name if base + name in params else None
    return next((p[len(base):] for p in params.paths() if p.startswith(base + name)), None)


def _band(band_id: str, raw, unit: str, file: str) -> Band:
    if isinstance(raw, dict):
        band_unit = str(raw.get("unit", unit))
        if band_unit not in SCHEME_UNITS:
            raise ParameterError(f"{file}: band {band_id} unit {band_unit!r} is not one of "
                                 f"{', '.join(SCHEME_UNITS)}.")
        if "h15" in raw or "h30" in raw:
            return Band(band_id, band_unit, None, Decimal(raw["h15"]), Decimal(raw["h30"]))
        return Band(band_id, band_unit, Decimal(raw["amount"]))
    return Band(band_id, unit, Decimal(raw))


def scheme_ids(params: Parameters | None = None) -> list[str]:
    """Every scheme under ``parameters/schemes/`` (a folder with a ``unit.yaml``)."""
    params = resolve(params)
    return sorted({p.split(".")[1] for p in params.paths()
                   if p.startswith(PREFIX) and p.endswith(".unit") and p.count(".") == 2})


def in_force(on: dt.date | str, params: Parameters | None = None) -> list[str]:
    """The schemes with every rule in force on ``on``."""
    out = []
    for sid in scheme_ids(params):
        try:
            Scheme.from_parameters(sid, on, params)
        except ParameterDateError:
            continue
        out.append(sid)
    return out


# -- costing ------------------------------------------------------------------------------

COST_COLUMNS = ["band", "unit", "term_pence", "year_pence", "uplift_term_pence",
                "uplift_year_pence"]


def cost(att: pd.DataFrame, scheme: Scheme, point: str = "central",
         params: Parameters | None = None, year_weeks: Decimal | int = 38) -> pd.DataFrame:
    """Each row's award under ``scheme`` at crosswalk ``point`` (low, central, high).

    ``att`` is one term's claims (one row per child per setting: ``child_id``,
    ``setting_id``, ``level``, ``hours_per_week``, ``weeks``, ``funding_age``, optional
    ``specialist``, ``daf`` and ``ofsted_judgement``). Per row:

    - the band is the crosswalk's for the child's level (S2); ``none`` pays nothing;
    - a band outside the age scope of the child's funding age is not paid (S1; F5, F6');
    - a setting whose ``ofsted_judgement`` is in the setting gate receives nothing (S1);
    - ``not_with_daf`` withholds the award from a child flagged ``daf`` anywhere (D3);
    - claimable hours: the scheme's weekly cap, split and specialist rules (F2-F4); a
      ``declared`` split reads as pro rata (claims carry no declared shares);
    - per hour (F1): claimable term hours x rate; a percentage of the base rate: the same
      with ``pct`` % of ``nef.base_rate`` of the funding age (rounded half up to a
      hundredth of a penny); a setting uplift: the ``universal`` rate on every funded
      hour of every child in scope (``uplift_*``), plus the child's band per hour;
    - per term: the band's sum shared between settings pro rata to claimable hours;
      ``adjust: pro_rata`` scales it by claimable hours against ``basis_hours``;
      ``adjust: columns`` takes the 30 h column above ``basis_hours`` a week, else 15 h;
    - one-off and per award: the sum once (the term and the year), shared by hours;
    - per year capped: the yearly sum, a third of it a term, shared by hours.

    ``term_pence`` / ``year_pence`` are the child-level award for the term and for a
    year of three such terms (``year_weeks`` funded weeks for hourly units; once for
    one-off and per-award units). Amounts are rounded half up per row (F10).
    """
    return costs(att, scheme, (point,), params, year_weeks)[point]


def costs(att: pd.DataFrame, scheme: Scheme, points=tuple(CROSSWALK_POINTS),
          params: Parameters | None = None, year_weeks: Decimal | int = 38,
          cache: dict | None = None) -> dict[str, pd.DataFrame]:
    """:func:`cost` at several crosswalk points, sharing the work that does not depend on
    the point (claimable hours, age scope, gate, interactions). ``cache`` (a dict the
    caller keeps for one ``att``) shares claimable hours between schemes with the same
    cap, split and specialist rules."""
    unknown = [p for p in points if p not in CROSSWALK_POINTS]
    if unknown:
        raise ParameterError(f"Unknown crosswalk point(s) {unknown}; use low, central or high.")
    n = len(att)
    code = category_codes(att["level"], LEVELS)  # -1: not a level
    age = category_codes(att["funding_age"], FUNDING_AGES)  # -1: not a funding age
    barred = np.zeros(n, dtype=bool)
    if scheme.gate and "ofsted_judgement" in att:
        barred = att["ofsted_judgement"].astype("string").isin(scheme.gate).fillna(
            False).to_numpy(dtype=bool)
    if "not_with_daf" in scheme.interactions and "daf" in att:  # D3: any setting
        daf = pd.Series(flags(att["daf"])).groupby(att["child_id"].to_numpy()).transform(
            "any").to_numpy(dtype=bool)
        barred = barred | daf
    split = "pro_rata" if scheme.split_rule == "declared" else scheme.split_rule
    key = (scheme.weekly_cap, split, scheme.specialist_rule)
    cache = {} if cache is None else cache
    if key not in cache:
        cache[key] = claim_units(att, scheme.weekly_cap, split, scheme.specialist_rule)
    num, den, term_num = cache[key]
    year_num = num * int(Decimal(year_weeks) * HOUR_UNITS)
    if "group" not in cache:
        keys = ["term", "child_id"] if "term" in att.columns else ["child_id"]
        cache["group"] = att.groupby(keys, sort=False, observed=True).ngroup().to_numpy()
    group = cache["group"]
    # den is one value per child (F3 shares one cap), so a child's hours are sum(num) / den
    child_num = np.bincount(group, weights=num.astype(float))[group].round().astype(np.int64)
    over_basis = child_num > den * int(scheme.basis_hours * HOUR_UNITS)
    basis_units = int(scheme.basis_hours * HOUR_UNITS)

    uplift_term = np.zeros(n, dtype=np.int64)
    uplift_year = np.zeros(n, dtype=np.int64)
    if scheme.unit == "setting_uplift_per_hour" and UNIVERSAL in scheme.bands:
        scope_ok = np.array([a in scheme.age_scope and (scheme.age_scope[a] is None
                                                         or UNIVERSAL in scheme.age_scope[a])
                             for a in FUNDING_AGES] + [False])
        rows = np.flatnonzero(scope_ok[age] & (num > 0))
        units = rate_units(scheme.bands[UNIVERSAL].amount)
        uplift_term[rows] = amount_pence(term_num[rows], den[rows], units)
        uplift_year[rows] = amount_pence(year_num[rows], den[rows], units)

    out = {}
    for point in points:
        # every per-row property of the band follows from (level, funding age): S2, S1
        band_of = [scheme.crosswalk[lvl][point] for lvl in LEVELS] + [NONE]
        band_code = np.where(code < 0, len(band_of) - 1, code)
        ok = np.zeros((len(FUNDING_AGES) + 1, len(band_of)), dtype=bool)
        for i, funding_age in enumerate(FUNDING_AGES):
            scope = scheme.age_scope.get(funding_age, frozenset())
            for j, b in enumerate(band_of):
                ok[i, j] = b != NONE and (scope is None or b in scope)
        paid = ok[age, band_code] & ~barred & (num > 0)
        kinds = [scheme.bands[b].unit if b in scheme.bands else "" for b in band_of]
        unit = np.array(kinds, dtype=object)[band_code]
        term = np.zeros(n, dtype=np.int64)
        year = np.zeros(n, dtype=np.int64)
        for j, b in enumerate(band_of):
            sel = np.flatnonzero(paid & (band_code == j))
            if not sel.size:
                continue
            spec = scheme.bands[b]
            if spec.unit in HOURLY_UNITS:  # F1
                rate = _hourly_rate(scheme, spec, age[sel], params)
                term[sel] = amount_pence(term_num[sel], den[sel], rate)
                year[sel] = amount_pence(year_num[sel], den[sel], rate)
                continue
            # sums: shared between a child's settings by claimable hours (num / child_num)
            if spec.amount is None:  # the 15 h or 30 h column (S1)
                amount = np.where(over_basis[sel], _p(spec.h30), _p(spec.h15))
            else:
                amount = np.full(sel.size, _p(spec.amount), dtype=np.int64)
            share_num, share_den = num[sel] * amount, np.maximum(child_num[sel], 1)
            if spec.unit == "per_term":
                if scheme.adjust == "pro_rata":  # "may be adjusted" to the hours (S1)
                    share_den = den[sel] * basis_units
                term[sel] = round_half_up_div(share_num, share_den)
                year[sel] = round_half_up_div(share_num * TERMS_A_YEAR, share_den)
            elif spec.unit in ONCE_A_YEAR_UNITS:
                term[sel] = year[sel] = round_half_up_div(share_num, share_den)
            elif spec.unit == "per_year_capped":
                term[sel] = round_half_up_div(share_num, share_den * TERMS_A_YEAR)
                year[sel] = round_half_up_div(share_num, share_den)
        categories = _unique([*band_of, NONE])
        cat_of = np.array([categories.index(b) for b in band_of])
        out[point] = pd.DataFrame({
            "band": pd.Categorical.from_codes(
                np.where(paid, cat_of[band_code], categories.index(NONE)),
                categories=categories),
            "unit": np.where(paid, unit, ""),
            "term_pence": term, "year_pence": year,
            "uplift_term_pence": uplift_term, "uplift_year_pence": uplift_year,
        }, index=att.index)
    return out


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


def _p(amount: Decimal) -> int:
    """Pounds as whole pence (a band's sum)."""
    pence = Decimal(amount) * 100
    if pence != pence.to_integral_value():
        raise ParameterError(f"A band's sum {amount} is not whole pence.")
    return int(pence)


def _hourly_rate(scheme: Scheme, spec: Band, ages: np.ndarray,
                 params: Parameters | None) -> np.ndarray:
    """Rate per row in hundredths of a penny: the band's rate per hour, or ``amount`` per
    cent of ``nef.base_rate`` of the row's funding age rounded half up (S3 Lincolnshire)."""
    if spec.unit != "percent_of_base_rate":
        return np.full(ages.size, rate_units(spec.amount), dtype=np.int64)
    params = resolve(params)
    rate = np.zeros(ages.size, dtype=np.int64)
    for i in np.unique(ages):
        base = params.get(f"nef.base_rate.{FUNDING_AGES[int(i)]}", scheme.on)
        rate[ages == i] = _half_up(Fraction(rate_units(base)) * Fraction(str(spec.amount)) / 100)
    return rate


def _half_up(value: Fraction) -> int:
    return int((2 * value.numerator + value.denominator) // (2 * value.denominator))

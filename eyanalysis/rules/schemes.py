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
from eyanalysis.rules.money import HOUR_UNITS, amount_pence, rate_units
from eyanalysis.vocabulary import CROSSWALK_POINTS, FUNDING_AGES, SCHEME_UNITS, SEASONS

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
        """The crosswalk in words (S2): "GR2 -> tier1 (low, central), tier2 (high); ..."."""
        parts = []
        for level in LEVELS:
            points = self.crosswalk[level]
            by_band: dict[str, list[str]] = {}
            for p in CROSSWALK_POINTS:
                by_band.setdefault(points[p], []).append(p)
            if len(by_band) == 1:
                parts.append(f"{level} -> {points['central']}")
            else:
                parts.append(f"{level} -> " + ", ".join(
                    f"{band} ({', '.join(ps)})" for band, ps in by_band.items()))
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
    if point not in CROSSWALK_POINTS:
        raise ParameterError(f"Unknown crosswalk point {point!r}; use low, central or high.")
    n = len(att)
    code = category_codes(att["level"], LEVELS)
    bands_of_level = np.array([scheme.crosswalk[lvl][point] for lvl in LEVELS] + [NONE],
                              dtype=object)
    band = bands_of_level[code]
    age = category_codes(att["funding_age"], FUNDING_AGES)
    ages = np.asarray(list(FUNDING_AGES) + [""], dtype=object)[age]
    in_scope = np.zeros(n, dtype=bool)
    age_known = np.zeros(n, dtype=bool)
    for funding_age, scope in scheme.age_scope.items():
        rows = ages == funding_age
        age_known |= rows
        in_scope |= rows & (True if scope is None else np.isin(band, list(scope)))
    barred = np.zeros(n, dtype=bool)
    if scheme.gate and "ofsted_judgement" in att:
        barred = att["ofsted_judgement"].astype("string").isin(scheme.gate).fillna(
            False).to_numpy(dtype=bool)
    if "not_with_daf" in scheme.interactions and "daf" in att:
        daf = pd.Series(flags(att["daf"])).groupby(att["child_id"].to_numpy()).transform(
            "any").to_numpy(dtype=bool)
        barred = barred | daf
    split = "pro_rata" if scheme.split_rule == "declared" else scheme.split_rule
    num, den, term_num = claim_units(att, scheme.weekly_cap, split, scheme.specialist_rule)
    paid = (band != NONE) & in_scope & ~barred & (num > 0)

    unit = np.array([scheme.bands[b].unit if b in scheme.bands else "" for b in band],
                    dtype=object)
    term = np.zeros(n, dtype=np.int64)
    year = np.zeros(n, dtype=np.int64)
    year_num = num.astype(np.int64) * int(Decimal(year_weeks) * HOUR_UNITS)

    # hourly units (F1): a rate per claimable hour, per row
    hourly = paid & np.isin(unit, HOURLY_UNITS)
    if hourly.any():
        rate = _hourly_rates(scheme, band, ages, hourly, params)
        rows = np.flatnonzero(hourly)
        term[rows] = amount_pence(term_num[rows], den[rows], rate[rows])
        year[rows] = amount_pence(year_num[rows], den[rows], rate[rows])

    # sums per term, per year or once: shared between a child's settings by claimable hours
    lump = paid & ~np.isin(unit, HOURLY_UNITS)
    if lump.any():
        keys = ["term", "child_id"] if "term" in att.columns else ["child_id"]
        group = att.groupby(keys, sort=False, observed=True).ngroup().to_numpy()
        child_num = np.bincount(group, weights=num.astype(float))[group]
        child_num = np.rint(child_num).astype(np.int64)  # den is one value per child
        weekly = child_num / np.maximum(den, 1) / HOUR_UNITS
        for r in np.flatnonzero(lump):
            pence = _pence(scheme.bands[band[r]], weekly[r], scheme.basis_hours)
            share = Fraction(int(num[r]), int(child_num[r]))
            u = unit[r]
            if u == "per_term":
                if scheme.adjust == "pro_rata":  # S1: "may be adjusted" to the hours
                    share = Fraction(int(num[r]), int(den[r]) * int(scheme.basis_hours
                                                                   * HOUR_UNITS))
                t = pence * share
                term[r], year[r] = _half_up(t), _half_up(t * TERMS_A_YEAR)
            elif u in ONCE_A_YEAR_UNITS:
                term[r] = year[r] = _half_up(pence * share)
            elif u == "per_year_capped":
                term[r] = _half_up(pence * share / TERMS_A_YEAR)
                year[r] = _half_up(pence * share)

    uplift_term = np.zeros(n, dtype=np.int64)
    uplift_year = np.zeros(n, dtype=np.int64)
    if scheme.unit == "setting_uplift_per_hour" and UNIVERSAL in scheme.bands:
        universal = age_known & (num > 0)
        for funding_age, scope in scheme.age_scope.items():
            if scope is not None:
                universal &= ~((ages == funding_age) & ~np.isin(UNIVERSAL, list(scope)))
        rows = np.flatnonzero(universal)
        units = rate_units(scheme.bands[UNIVERSAL].amount)
        uplift_term[rows] = amount_pence(term_num[rows], den[rows], units)
        uplift_year[rows] = amount_pence(year_num[rows], den[rows], units)

    return pd.DataFrame({
        "band": np.where(paid, band, NONE).astype(str),
        "unit": np.where(paid, unit, "").astype(str),
        "term_pence": term, "year_pence": year,
        "uplift_term_pence": uplift_term, "uplift_year_pence": uplift_year,
    }, index=att.index)


def _half_up(value: Fraction) -> int:
    return int((2 * value.numerator + value.denominator) // (2 * value.denominator))


def _pence(band: Band, weekly_hours: float, basis: Decimal) -> int:
    """A band's sum in pence; the 30 h column above ``basis`` hours a week (S1)."""
    amount = band.amount
    if amount is None:
        amount = band.h30 if weekly_hours > float(basis) else band.h15
    return int(Decimal(amount) * 100)


def _hourly_rates(scheme: Scheme, band: np.ndarray, ages: np.ndarray, rows: np.ndarray,
                  params: Parameters | None) -> np.ndarray:
    """Rate per row in hundredths of a penny for the hourly units."""
    rate = np.zeros(len(band), dtype=np.int64)
    for b in set(band[rows]):
        spec = scheme.bands[b]
        sel = rows & (band == b)
        if spec.unit == "percent_of_base_rate":
            params = resolve(params)
            for funding_age in set(ages[sel]):
                base = params.get(f"nef.base_rate.{funding_age}", scheme.on)
                units = Fraction(rate_units(base)) * Fraction(str(spec.amount)) / 100
                rate[sel & (ages == funding_age)] = _half_up(units)
        else:
            rate[sel] = rate_units(spec.amount)
    return rate


def year_weeks(on: dt.date | str, params: Parameters | None = None) -> Decimal:
    """Funded weeks in a year (F7): the sum of ``nef.term_weeks`` in force on ``on``."""
    params = resolve(params)
    return sum((Decimal(params.get(f"nef.term_weeks.{s}", on)) for s in SEASONS), Decimal(0))

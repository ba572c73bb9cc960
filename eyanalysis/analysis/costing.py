"""Costing claims and projected caseloads under rates (F1-F5, F7, P1): the money side of a
forecast, apart from the caseload run (:mod:`eyanalysis.analysis.forecast`).

Costing a projected term. The projection (:mod:`eyanalysis.analysis.projection`) gives
children per ``(level, age)`` cell. Their claimable hours come from the children actually
seen in the latest observed term of the same season (the *reference term*): their claims
(:func:`eyanalysis.data.claims.for_term`), with the scenario's weekly cap, split and
specialist rules (F2-F4) and the scenario's funded weeks for the projected term (F7),
averaged per cell. A cell then costs ``hours x top-up`` for its level unless the level is
inside the base rate of the cell's funding age (F5, F6), plus ``eligible hours x EYPP`` for
the funding ages EYPP covers on the day, on hours under EYPP's own weekly cap and specialist
rule (P1, E2), plus the Disability Access Fund (D1-D2): the DAF that fell due per child of
the cell in the reference term (the period rule puts most payments in the first term of a
DAF year, so the season matters), at the annual rate in force on the projected term's
first day. Rates are those in force on the projected term's first day. Cells of every
funding age (under-2, 2, 3-4; F6') are costed alike, each with its own base-rate levels
(F5) and EYPP scope (E2).
Exceptional funding is the EXC level (L2: GR4 + the exceptional component), costed like
every level.

Money: forecasts of expected caseloads and Monte Carlo paths are in float pounds (a
fractional expected child has no per-row rounding to apply) and are reported rounded half up
to the penny; the per-setting grid for the next term is exact pence (F8, F10) through
:func:`eyanalysis.rules.grid.grid`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from eyanalysis.analysis import projection as pj
from eyanalysis.data import claims as cl
from eyanalysis.parameters import Parameters
from eyanalysis.rules import daf, terms
from eyanalysis.rules.grid import grid
from eyanalysis.rules.hours import claimable
from eyanalysis.rules.levels import LEVELS, SUPPLEMENT_LEVELS
from eyanalysis.rules.rates import Rates
from eyanalysis.rules.scenarios import Scenario

if TYPE_CHECKING:  # pragma: no cover
    from eyanalysis.analysis.forecast import Forecast

#: Rate parameters a sensitivity or a sweep can move, and the levels each one prices.
RATE_PATHS: dict[str, tuple[str, ...]] = {
    "inclusion.top_up.GR1": ("GR1",),
    "inclusion.top_up.GR2": ("GR2",),
    "inclusion.top_up.GR3": ("GR3",),
    "inclusion.top_up.GR4": ("GR4", "EXC"),  # EXC = GR4 + exceptional component (L2)
    "inclusion.exceptional_component": ("EXC",),
    "eypp.rate": ("EYPP",),
}


def to_penny(pounds: np.ndarray | float) -> np.ndarray:
    """Float pounds rounded half up to the penny (reporting only)."""
    return np.floor(np.asarray(pounds, dtype=float) * 100 + 0.5) / 100


def _codes(values: pd.Series, categories: Sequence[str]) -> np.ndarray:
    return pd.Categorical(values.astype("string"), categories=list(categories)).codes


# --------------------------------------------------------------------------- reference rows
def reference_rows(data, history: pd.DataFrame, term: str) -> pd.DataFrame:
    """The claims of observed ``term`` (:func:`eyanalysis.data.claims.for_term`) with each
    child's cell (``level`` code, ``age``, from :func:`eyanalysis.analysis.projection.
    child_terms`), EYPP eligibility, whether the setting is specialist (F4), and the DAF
    paid for the row in ``term`` (``daf_pence``, D1-D2, with ``daf_rate_pence`` the annual
    rate it was paid at)."""
    claims = cl.for_term(data, term)
    due = cl.daf_due(data, term)
    paid = pd.Series(due["amount_pence"].to_numpy(), index=pd.MultiIndex.from_arrays(
        [due["child_id"].astype(str), due["setting_id"].astype(str)]))
    row_key = pd.MultiIndex.from_arrays([claims["child_id"].astype(str),
                                         claims["setting_id"].astype(str)])
    daf_pence = paid.reindex(row_key).fillna(0).to_numpy(dtype=float)
    rate = daf.annual_rate(terms.start(term))
    daf_rate = float(daf.annual_pence(terms.start(term))) if rate is not None else 0.0
    child = claims["child_id"].to_numpy()
    cells = history[history["t"] == terms.index(term)].set_index("child_id")
    out = pd.DataFrame({
        "child_id": child,
        "setting_id": claims["setting_id"].to_numpy(),
        "hours_per_week": claims["hours_per_week"].to_numpy(dtype=float),
        "level_code": cells["level"].reindex(child).to_numpy(),
        "age": cells["age"].reindex(child).to_numpy(),
        "eypp": claims["eypp"].to_numpy(dtype=bool),
        "specialist": claims["specialist"].to_numpy(dtype=bool),
        "daf_pence": daf_pence,
        "daf_rate_pence": daf_rate,
    })
    return out.dropna(subset=["level_code", "age"]).astype({"level_code": int, "age": int})


def _cell_mean(values: np.ndarray, level: np.ndarray, age: np.ndarray, child_cells: np.ndarray,
               fage_of_age: np.ndarray) -> np.ndarray:
    """Mean per child of ``values`` (per row) in each (level, age) cell; empty cells take
    the mean of their level and funding age, then of their level."""
    shape = (pj.N_LEVELS, pj.MAX_AGE)
    total = np.zeros(shape)
    np.add.at(total, (level, age), values)
    n = child_cells
    out = np.divide(total, n, out=np.zeros(shape), where=n > 0)
    for age_id in np.unique(fage_of_age):  # each funding age (F6': under-2, 2, 3-4)
        group = fage_of_age == age_id
        t = total[:, group].sum(axis=1)
        c = n[:, group].sum(axis=1)
        pooled = np.divide(t, c, out=np.zeros(pj.N_LEVELS), where=c > 0)
        empty = (n == 0) & group[None, :]
        out = np.where(empty, pooled[:, None], out)
    lvl = np.divide(total.sum(1), n.sum(1), out=np.zeros(pj.N_LEVELS), where=n.sum(1) > 0)
    return np.where((n == 0) & (out == 0), lvl[:, None], out)


@dataclass(frozen=True)
class TermCost:
    """Per-child cost of each (level, age) cell in one projected term under one scenario."""

    term: str
    rates: Rates
    sup_hours: np.ndarray  # (6, MAX_AGE) claimable term hours per child
    eypp_hours: np.ndarray  # (6, MAX_AGE) EYPP-eligible claimable hours per child
    sup_rate: np.ndarray  # (6, MAX_AGE) pounds per hour actually paid (0 inside base, F5)
    eypp_rate: np.ndarray  # (MAX_AGE,) pounds per hour (ages EYPP covers on the day, E2)
    daf_per_child: np.ndarray | None = None  # (6, MAX_AGE) DAF pounds per child (D1-D2)
    #: (6, MAX_AGE) pounds per child under another scheme in force (``schemes.active``)
    scheme_cost: np.ndarray | None = None
    scheme: str = "home"

    @property
    def supplement(self) -> np.ndarray:
        if self.scheme_cost is not None:
            return self.scheme_cost
        return self.sup_hours * self.sup_rate

    @property
    def eypp(self) -> np.ndarray:
        return self.eypp_hours * self.eypp_rate[None, :]

    @property
    def daf(self) -> np.ndarray:
        if self.daf_per_child is None:
            return np.zeros_like(self.sup_hours)
        return self.daf_per_child

    @property
    def total(self) -> np.ndarray:
        return self.supplement + self.eypp + self.daf


def term_cost(ref: pd.DataFrame, term: str, params: Parameters,
              _cache: dict | None = None) -> TermCost:
    """Cost per child of each cell of ``term`` under ``params`` (a scenario's parameters)."""
    day = terms.start(term)
    rates = Rates.from_parameters(day, params)
    weeks = Decimal(str(cl.term_weeks(term, params)))
    fage = pj.funding_age_of_cell(term)
    key = (term, rates.weekly_hour_cap, rates.split_rule, rates.specialist_rule, weeks,
           rates.eypp_cap, rates.eypp_specialist)
    if _cache is not None and key in _cache:
        sup_h, eypp_h, daf_ref = _cache[key]
    else:
        att = ref.assign(weeks=float(weeks))
        hours = claimable(att, rates.weekly_hour_cap, rates.split_rule, rates.specialist_rule)
        th = hours["term_hours"].to_numpy()
        level = ref["level_code"].to_numpy()
        age = ref["age"].to_numpy()
        n = np.zeros((pj.N_LEVELS, pj.MAX_AGE))
        first = ~ref["child_id"].duplicated().to_numpy()
        np.add.at(n, (level[first], age[first]), 1)
        sup_h = _cell_mean(th, level, age, n, fage)
        eypp_rows = _eypp_term_hours(att, rates, th) * ref["eypp"].to_numpy(dtype=bool)
        eypp_h = _cell_mean(eypp_rows, level, age, n, fage)
        # DAF per child of each cell, as a share of the reference term's annual rate
        daf_rows = (np.divide(ref["daf_pence"].to_numpy(dtype=float),
                              ref["daf_rate_pence"].to_numpy(dtype=float),
                              out=np.zeros(len(ref)),
                              where=ref["daf_rate_pence"].to_numpy(dtype=float) > 0)
                    if "daf_pence" in ref else np.zeros(len(ref)))
        daf_ref = _cell_mean(daf_rows, level, age, n, fage)
        if _cache is not None:
            _cache[key] = (sup_h, eypp_h, daf_ref)
    top = np.array([0.0] + [float(rates.top_up[lvl]) for lvl in SUPPLEMENT_LEVELS])
    sup_rate = np.repeat(top[:, None], pj.MAX_AGE, axis=1)
    for age_id, inside in rates.in_base_rate.items():  # F5
        cols = fage == age_id
        for lvl in inside:
            sup_rate[LEVELS.index(lvl), cols] = 0.0
    eypp_age = np.isin(fage, list(rates.eypp_paid_ages))  # E2: the ages EYPP covers
    eypp_rate = np.where(eypp_age, float(rates.eypp), 0.0)
    funded = np.isin(fage, list(rates.funded_ages))  # no entitlement, no claim (F6')
    annual = daf.annual_rate(day, params)
    daf_pounds = daf_ref * (float(annual) if annual is not None else 0.0) * funded[None, :]
    active = params.get("schemes.active", day) if "schemes.active" in params else "home"
    scheme_cost = None
    if active != "home":
        scheme_cost = _scheme_cell_cost(ref, term, active, params, weeks, fage, _cache)
    return TermCost(term, rates, sup_h, eypp_h * eypp_age[None, :], sup_rate, eypp_rate,
                    daf_pounds, scheme_cost, active)


def _scheme_cell_cost(ref: pd.DataFrame, term: str, scheme_id: str, params: Parameters,
                      weeks: Decimal, fage: np.ndarray, _cache: dict | None) -> np.ndarray:
    """Pounds per child of each (level, age) cell of ``term`` under another scheme (S1, a
    scenario's ``scheme`` override), at the crosswalk's central band (S2). A sum paid once
    a year (one-off, per award, a yearly cap) counts a third in each term: the projection
    does not know in which term an award is made. A scheme's yearly pot is not applied."""
    from eyanalysis.rules import schemes

    key = ("scheme", term, scheme_id, weeks)
    if _cache is not None and key in _cache:
        return _cache[key]
    day = terms.start(term)
    scheme = schemes.Scheme.from_parameters(scheme_id, day, params)
    level = ref["level_code"].to_numpy()
    age = ref["age"].to_numpy()
    att = pd.DataFrame({
        "child_id": ref["child_id"].to_numpy(), "setting_id": ref["setting_id"].to_numpy(),
        "level": pd.Categorical.from_codes(level, categories=list(LEVELS)),
        "hours_per_week": ref["hours_per_week"].to_numpy(dtype=float), "weeks": float(weeks),
        "funding_age": fage[age], "specialist": ref["specialist"].to_numpy(dtype=bool)})
    rows = schemes.cost(att, scheme, "central", params,
                        Decimal(str(cl.year_weeks(day, params))))
    once = rows["unit"].isin(list(schemes.ONCE_A_YEAR_UNITS) + ["per_year_capped"]).to_numpy()
    pence = np.where(once, rows["year_pence"] / schemes.TERMS_A_YEAR, rows["term_pence"])
    n = np.zeros((pj.N_LEVELS, pj.MAX_AGE))
    first = ~ref["child_id"].duplicated().to_numpy()
    np.add.at(n, (level[first], age[first]), 1)
    out = _cell_mean(pence / 100, level, age, n, fage)
    # an empty cell borrows a mean from its level; keep it at zero where the scheme pays
    # nothing for that level at that funding age (S1 age scope, F5)
    for li, lvl in enumerate(LEVELS):
        band = scheme.crosswalk[lvl]["central"]
        for a, funding_age in enumerate(fage):
            scope = scheme.age_scope.get(str(funding_age), frozenset())
            if band == schemes.NONE or (scope is not None and band not in scope):
                out[li, a] = 0.0
    if _cache is not None:
        _cache[key] = out
    return out


def _eypp_term_hours(att: pd.DataFrame, rates: Rates, supplement_hours: np.ndarray
                     ) -> np.ndarray:
    """Term hours EYPP is paid on (E2: its own weekly cap and specialist rule)."""
    if (rates.eypp_cap, rates.eypp_specialist) == (rates.weekly_hour_cap,
                                                   rates.specialist_rule):
        return supplement_hours
    return claimable(att, rates.eypp_cap, rates.split_rule, rates.eypp_specialist
                     )["term_hours"].to_numpy()


# ----------------------------------------------------------------------------- sensitivity
def rate_hours(fc: Forecast, scenario: str, n_terms: int = 3) -> pd.Series:
    """Expected paid hours each rate parameter multiplies over the first ``n_terms``
    (a year of terms): d spend / d rate, in pounds per pound."""
    out = dict.fromkeys(RATE_PATHS, 0.0)
    for k, c in enumerate(fc.costs[scenario][:n_terms]):
        n = fc.expected_caseload[k]
        hours = c.sup_hours * n
        outside = _outside_base(c.rates, c.term)
        for path, levels in RATE_PATHS.items():
            if levels == ("EYPP",):
                out[path] += float((c.eypp_hours * n).sum())
                continue
            for lvl in levels:
                li = LEVELS.index(lvl)
                # a rate at zero still pays when it rises, unless inside the base rate (F5)
                out[path] += float(np.where(outside[li], hours[li], 0.0).sum())
    return pd.Series(out, name="hours")


def _outside_base(rates: Rates, term: str) -> np.ndarray:
    fage = pj.funding_age_of_cell(term)
    mask = np.ones((pj.N_LEVELS, pj.MAX_AGE), dtype=bool)
    mask[0] = False
    for age_id, inside in rates.in_base_rate.items():
        for lvl in inside:
            mask[LEVELS.index(lvl), fage == age_id] = False
    return mask


def sensitivity(fc: Forecast, scenario: str | None = None, n_terms: int = 3) -> pd.DataFrame:
    """Change in annual spend (the first ``n_terms`` terms) per 1p on each rate."""
    scenario = scenario or fc.table["scenario"].iloc[0]
    hours = rate_hours(fc, scenario, n_terms)
    return pd.DataFrame({
        "parameter": hours.index,
        "levels": [", ".join(RATE_PATHS[p]) for p in hours.index],
        "paid_hours": hours.to_numpy(),
        "per_1p": to_penny(hours.to_numpy() * 0.01),
    }).sort_values("per_1p", ascending=False, kind="stable").reset_index(drop=True)


def sweep(hours: np.ndarray, rate_matrix: np.ndarray, fixed: float = 0.0) -> np.ndarray:
    """Spend for many rate scenarios at once: ``fixed + rate_matrix @ hours``.

    ``hours`` (k,) are the paid hours each rate multiplies (aggregated once, e.g. by
    :func:`rate_hours` or :func:`claim_hours`); ``rate_matrix`` (scenarios, k) pounds/hour.
    """
    return fixed + np.asarray(rate_matrix, dtype=float) @ np.asarray(hours, dtype=float)


def claim_hours(claims: pd.DataFrame, rates: Rates) -> pd.Series:
    """Claimable hours of one term's claims that each rate parameter multiplies (F1-F5, P1),
    aggregated once so that any number of rate scenarios is a matrix product."""
    hours = claimable(claims, rates.weekly_hour_cap, rates.split_rule, rates.specialist_rule)
    th = hours["term_hours"].to_numpy()
    level = _codes(claims["level"], LEVELS)
    age = claims["funding_age"].astype("string").to_numpy()
    outside = level > 0
    for age_id, inside in rates.in_base_rate.items():
        outside &= ~((age == age_id) & np.isin(level, [LEVELS.index(x) for x in inside]))
    by_level = np.bincount(level[outside], weights=th[outside], minlength=len(LEVELS))
    eypp = claims["eypp"].to_numpy(dtype=bool) if "eypp" in claims else np.zeros(len(th), bool)
    out = {}
    for path, levels in RATE_PATHS.items():
        if levels == ("EYPP",):
            eth = _eypp_term_hours(claims, rates, th)
            out[path] = float(eth[eypp & np.isin(age, list(rates.eypp_paid_ages))].sum())
        else:
            out[path] = float(sum(by_level[LEVELS.index(lvl)] for lvl in levels))
    return pd.Series(out, name="hours")


def rate_vector(rates: Rates) -> np.ndarray:
    """The rates of :data:`RATE_PATHS` in force, pounds per hour."""
    return np.array([float(rates.top_up["GR1"]), float(rates.top_up["GR2"]),
                     float(rates.top_up["GR3"]), float(rates.top_up["GR4"]),
                     float(rates.top_up["EXC"] - rates.top_up["GR4"]), float(rates.eypp)])


# ------------------------------------------------------------------ next-term setting grid
def setting_grid(ds, term: str, scenario: Scenario) -> tuple[pd.DataFrame, Rates]:
    """The F8 grid per setting for ``term`` under ``scenario`` (exact pence), and its rates:
    the claims known before the term (:func:`eyanalysis.data.claims.for_term`, carried
    forward from the last term the data hold; new entrants are not known yet)."""
    rates = Rates.from_parameters(terms.start(term), scenario.params)
    return grid(cl.for_term(ds, term, params=scenario.params), rates), rates


# ------------------------------------------------------------- pending exceptional add-on
def pending_exceptional(ds, term: str, params: Parameters) -> dict:
    """Optional add-on: pending exceptional-funding applications (X3: the panel decides).

    Expected extra cost in ``term`` if the pending applications were decided at the past
    approval rate: each pending child moves from GR4 to EXC, i.e. pays the exceptional
    component on the average claimable hours of an EXC child. An estimate, never a decision.
    """
    apps = ds.panel_applications
    exc = apps[apps["kind"].astype("string") == "exceptional"]
    decision = exc["decision"].astype("string")
    decided = decision.isin(["approved", "declined"])
    approve_rate = float((decision == "approved").sum() / max(int(decided.sum()), 1))
    pending = int((decision == "pending").sum())
    day = terms.start(term)
    comp = float(params.get("inclusion.exceptional_component", day))
    weeks = cl.term_weeks(term, params)
    cap = float(params.get("nef.weekly_hour_cap", day))
    extra = pending * approve_rate * comp * cap * weeks
    return {"pending": pending, "approval_rate": approve_rate,
            "expected_extra": float(to_penny(extra)),
            "assumption": "each approved child claims the full weekly cap"}



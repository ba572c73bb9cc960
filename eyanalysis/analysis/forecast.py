"""Funding forecasts: projected caseloads costed under the baseline and each scenario.

Costing a projected term (F1-F5, F7, P1). The projection
(:mod:`eyanalysis.analysis.projection`) gives children per ``(level, age)`` cell. Their
claimable hours come from the children actually
seen in the latest observed term of the same season (the *reference term*): their
attendance rows, with the scenario's weekly cap, split and specialist rules (F2-F4) and the
scenario's funded weeks for the projected term (F7), averaged per cell. A cell then costs
``hours x top-up`` for its level unless the level is inside the base rate of the cell's
funding age (F5, F6), plus ``eligible hours x EYPP`` for the funding ages EYPP covers on the
day, on hours under EYPP's own weekly cap and specialist rule (P1, E2). Rates are
those in force on the projected term's first day. Exceptional funding is the EXC level
(L2: GR4 + the exceptional component), costed like every level.

Money: forecasts of expected caseloads and Monte Carlo paths are in float pounds (a
fractional expected child has no per-row rounding to apply) and are reported rounded half up
to the penny; the per-setting grid for the next term is exact pence (F8, F10) through
:func:`eyanalysis.rules.grid.grid`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
import pandas as pd

from eyanalysis.analysis import projection as pj
from eyanalysis.parameters import Parameters
from eyanalysis.rules import terms
from eyanalysis.rules.hours import claimable
from eyanalysis.rules.levels import LEVELS, SUPPLEMENT_LEVELS
from eyanalysis.rules.rates import Rates
from eyanalysis.rules.scenarios import Scenario

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
def reference_rows(attendance: pd.DataFrame, history: pd.DataFrame, children: pd.DataFrame,
                   settings: pd.DataFrame, term: str) -> pd.DataFrame:
    """Attendance rows of ``term`` with each child's cell (``level`` code, ``age``), EYPP
    eligibility and whether the setting is a specialist provision (F4)."""
    rows = attendance[attendance["term"].astype("string") == term]
    child = rows["child_id"].astype("string").to_numpy()
    cells = history[history["t"] == terms.index(term)].set_index("child_id")
    eypp = children.set_index(children["child_id"].astype("string"))["eypp_eligible"]
    specialist = settings.loc[settings["provider_type"].astype("string") == "specialist",
                              "setting_id"].astype("string")
    out = pd.DataFrame({
        "child_id": child,
        "setting_id": rows["setting_id"].astype("string").to_numpy(),
        "hours_per_week": rows["hours_per_week"].to_numpy(dtype=float),
        "level_code": cells["level"].reindex(child).to_numpy(),
        "age": cells["age"].reindex(child).to_numpy(),
        "eypp": eypp.reindex(child).fillna(False).to_numpy(dtype=bool),
        "specialist": rows["setting_id"].astype("string").isin(set(specialist)).to_numpy(),
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
    is34 = fage_of_age == "3-4"
    for group in (is34, ~is34):  # two funding ages
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

    @property
    def supplement(self) -> np.ndarray:
        return self.sup_hours * self.sup_rate

    @property
    def eypp(self) -> np.ndarray:
        return self.eypp_hours * self.eypp_rate[None, :]

    @property
    def total(self) -> np.ndarray:
        return self.supplement + self.eypp


def term_cost(ref: pd.DataFrame, term: str, params: Parameters,
              _cache: dict | None = None) -> TermCost:
    """Cost per child of each cell of ``term`` under ``params`` (a scenario's parameters)."""
    day = terms.start(term)
    rates = Rates.from_parameters(day, params)
    weeks = Decimal(params.get(f"nef.term_weeks.{terms.season(term)}", day))
    fage = pj.funding_age_of_cell(term)
    key = (term, rates.weekly_hour_cap, rates.split_rule, rates.specialist_rule, weeks,
           rates.eypp_cap, rates.eypp_specialist)
    if _cache is not None and key in _cache:
        sup_h, eypp_h = _cache[key]
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
        if _cache is not None:
            _cache[key] = (sup_h, eypp_h)
    top = np.array([0.0] + [float(rates.top_up[lvl]) for lvl in SUPPLEMENT_LEVELS])
    sup_rate = np.repeat(top[:, None], pj.MAX_AGE, axis=1)
    for age_id, inside in rates.in_base_rate.items():  # F5
        cols = fage == age_id
        for lvl in inside:
            sup_rate[LEVELS.index(lvl), cols] = 0.0
    eypp_age = np.isin(fage, list(rates.eypp_paid_ages))  # E2: the ages EYPP covers
    eypp_rate = np.where(eypp_age, float(rates.eypp), 0.0)
    return TermCost(term, rates, sup_h, eypp_h * eypp_age[None, :], sup_rate, eypp_rate)


def _eypp_term_hours(att: pd.DataFrame, rates: Rates, supplement_hours: np.ndarray
                     ) -> np.ndarray:
    """Term hours EYPP is paid on (E2: its own weekly cap and specialist rule)."""
    if (rates.eypp_cap, rates.eypp_specialist) == (rates.weekly_hour_cap,
                                                   rates.specialist_rule):
        return supplement_hours
    return claimable(att, rates.eypp_cap, rates.split_rule, rates.eypp_specialist
                     )["term_hours"].to_numpy()


# ------------------------------------------------------------------------------- forecast
@dataclass
class Forecast:
    """Result of :func:`run`: a table per scenario and term, and what made it."""

    table: pd.DataFrame
    by_level: pd.DataFrame
    spend_paths: dict[str, np.ndarray]  # scenario -> (paths, n_terms) pounds
    expected_caseload: np.ndarray  # (n_terms, 6, MAX_AGE)
    costs: dict[str, list[TermCost]]
    terms: list[str]
    model: pj.CaseloadModel
    seed: int
    paths: int
    notes: list[str] = field(default_factory=list)
    sims: np.ndarray | None = field(default=None, repr=False)  # (paths, n_terms, 6, ages)
    cache: dict = field(default_factory=dict, repr=False)  # claimable hours by rule key


@dataclass
class Inputs:
    """The data a forecast needs, prepared once: history, model, start caseload, refs."""

    history: pd.DataFrame
    model: pj.CaseloadModel
    last_term: str
    start: np.ndarray
    refs: dict[str, pd.DataFrame]  # season -> reference rows

    @classmethod
    def from_dataset(cls, ds) -> Inputs:
        history = pj.child_terms(ds.attendance, ds.children)
        model = pj.estimate(history)
        last = terms.from_index(int(history["t"].max()))
        refs = {}
        for k in range(3):
            term = terms.shift(last, -k)
            refs[terms.season(term)] = reference_rows(
                ds.attendance, history, ds.children, ds.settings, term)
        return cls(history, model, last, pj.caseload(history, last), refs)


def run(
    inputs: Inputs,
    scenarios: Sequence[Scenario],
    first_term: str,
    n_terms: int,
    paths: int = 1000,
    seed: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> Forecast:
    """Project ``n_terms`` from ``first_term`` and cost them under each scenario.

    The first scenario is the baseline the differences are taken from. The caseload does not
    depend on rates, so every scenario is costed on the same simulated paths (common random
    numbers): a difference from baseline is the rate effect alone.
    """
    if not scenarios:
        raise ValueError("give at least one scenario (the baseline first)")
    gap = terms.index(first_term) - terms.index(inputs.last_term)
    if gap < 1:
        raise terms.TermError(
            f"--from {first_term}: the data run to {inputs.last_term}; start after it "
            f"(e.g. {terms.shift(inputs.last_term, 1)})."
        )
    horizon = gap - 1 + n_terms
    run_from = terms.shift(inputs.last_term, 1)
    exp = pj.expected(inputs.model, inputs.start, run_from, horizon)[gap - 1:]
    sims = pj.simulate(inputs.model, inputs.start, run_from, horizon, paths, seed,
                       progress=progress)[:, gap - 1:].astype(float) if paths else None
    term_ids = [terms.shift(first_term, k) for k in range(n_terms)]
    rows, level_rows = [], []
    spend_paths: dict[str, np.ndarray] = {}
    costs: dict[str, list[TermCost]] = {}
    cache: dict = {}
    for sc in scenarios:  # a loop over scenarios only
        r, lv, spend, tc = _cost(inputs, sc.name, sc.params, term_ids, exp, sims, cache)
        rows += r
        level_rows += lv
        spend_paths[sc.name], costs[sc.name] = spend, tc
    table = pd.DataFrame(rows)
    base = table[table["scenario"] == scenarios[0].name].set_index("term")
    table["diff_expected"] = table["expected"] - table["term"].map(base["expected"])
    table["diff_p50"] = table["p50"] - table["term"].map(base["p50"])
    by_level = pd.DataFrame(level_rows)
    notes = [
        f"caseload model estimated from {', '.join(inputs.model.terms_seen)}; start caseload "
        f"{inputs.last_term} ({int(inputs.start.sum())} children)",
        "float pounds reported to the penny; per-setting grids are exact pence (F10)",
    ]
    return Forecast(table, by_level, spend_paths, exp, costs, term_ids, inputs.model, seed,
                    paths, notes, sims, cache)


def _cost(inputs: Inputs, name: str, params: Parameters, term_ids: list[str],
          exp: np.ndarray, sims: np.ndarray | None, cache: dict):
    """Cost the expected path and every simulated path under ``params`` (one scenario)."""
    n_terms = len(term_ids)
    tc = [term_cost(inputs.refs[terms.season(t)], t, params, cache) for t in term_ids]
    total = np.stack([c.total.ravel() for c in tc])  # (n_terms, cells)
    expected_spend = np.einsum("tc,tc->t", exp.reshape(n_terms, -1), total)
    sup = np.stack([np.einsum("la,la->l", exp[k], c.supplement) for k, c in enumerate(tc)])
    prem = np.array([np.sum(exp[k] * c.eypp) for k, c in enumerate(tc)])
    if sims is not None:
        spend = np.einsum("ptc,tc->pt", sims.reshape(len(sims), n_terms, -1), total)
        p10, p50, p90 = np.percentile(spend, [10, 50, 90], axis=0)
    else:
        spend = np.empty((0, n_terms))
        p10 = p50 = p90 = np.full(n_terms, np.nan)
    rows, level_rows = [], []
    for k, t in enumerate(term_ids):
        rows.append({"scenario": name, "term": t, "expected": expected_spend[k],
                     "supplement": sup[k].sum(), "eypp": prem[k],
                     "p10": p10[k], "p50": p50[k], "p90": p90[k],
                     "children": exp[k].sum(), "children_supported": exp[k][1:].sum()})
        for li, lvl in enumerate(LEVELS[1:], start=1):
            level_rows.append({"scenario": name, "term": t, "level": lvl,
                               "children": exp[k][li].sum(), "supplement": sup[k][li]})
        level_rows.append({"scenario": name, "term": t, "level": "EYPP",
                           "children": float((exp[k] * (tc[k].eypp_hours > 0)).sum()),
                           "supplement": prem[k]})
    return rows, level_rows, spend, tc


def recost(fc: Forecast, inputs: Inputs, params: Parameters, name: str = "What if"
           ) -> pd.DataFrame:
    """Re-cost an existing forecast's caseload paths under other ``params`` (no new
    simulation): the live sliders of the notebook. Returns rows like ``fc.table``."""
    rows, _, _, _ = _cost(inputs, name, params, fc.terms, fc.expected_caseload, fc.sims,
                          fc.cache)
    out = pd.DataFrame(rows)
    base = fc.table[fc.table["scenario"] == fc.table["scenario"].iloc[0]].set_index("term")
    out["diff_expected"] = out["expected"] - out["term"].map(base["expected"])
    out["diff_p50"] = out["p50"] - out["term"].map(base["p50"])
    return out


def published(fc: Forecast) -> pd.DataFrame:
    """The CLI's columns, amounts rounded half up to the penny."""
    cols = ["scenario", "term", "expected", "p10", "p50", "p90", "diff_expected", "diff_p50",
            "supplement", "eypp", "children", "children_supported"]
    out = fc.table[cols].copy()
    money = ["expected", "p10", "p50", "p90", "diff_expected", "diff_p50", "supplement", "eypp"]
    for c in money:
        out[c] = to_penny(out[c])
    out["children"] = out["children"].round(1)
    out["children_supported"] = out["children_supported"].round(1)
    return out


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
def next_term_claims(ds, term: str, params: Parameters) -> pd.DataFrame:
    """Claims for ``term`` known before it starts: the children of the last observed term
    who do not start Reception by then, at their current level, settings and hours, with
    the funding age of ``term`` (F6), its funded weeks (F7) and EYPP flags (P1).
    New entrants are not known yet and are not included (the projection adds them)."""
    att = ds.attendance
    last = max(att["term"].astype("string").unique(), key=terms.index)
    rows = att[att["term"].astype("string") == last]
    kids = ds.children.set_index(ds.children["child_id"].astype("string"))
    child = rows["child_id"].astype("string")
    birth = kids["birth_month"].reindex(child.to_numpy())
    birth.index = rows.index
    entry = terms.school_entry(birth).map(terms.index).to_numpy()
    stays = entry > terms.index(term)
    rows, birth = rows[stays], birth[stays]
    weeks = float(params.get(f"nef.term_weeks.{terms.season(term)}", terms.start(term)))
    specialist = set(ds.settings.loc[ds.settings["provider_type"].astype("string")
                                     == "specialist", "setting_id"].astype("string"))
    return pd.DataFrame({
        "child_id": rows["child_id"].astype("string").to_numpy(),
        "setting_id": rows["setting_id"].astype("string").to_numpy(),
        "level": rows["level"].astype("string").to_numpy(),
        "hours_per_week": rows["hours_per_week"].to_numpy(dtype=float),
        "weeks": weeks,
        "funding_age": terms.funding_age(birth, term).to_numpy(),
        "eypp": kids["eypp_eligible"].reindex(rows["child_id"].astype("string")).to_numpy(
            dtype=bool),
        "specialist": rows["setting_id"].astype("string").isin(specialist).to_numpy(),
    })


def setting_grid(ds, term: str, scenario: Scenario) -> tuple[pd.DataFrame, Rates]:
    """The F8 grid per setting for ``term`` under ``scenario`` (exact pence), and its rates."""
    from eyanalysis.rules.grid import grid

    rates = Rates.from_parameters(terms.start(term), scenario.params)
    return grid(next_term_claims(ds, term, scenario.params), rates), rates


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
    weeks = float(params.get(f"nef.term_weeks.{terms.season(term)}", day))
    cap = float(params.get("nef.weekly_hour_cap", day))
    extra = pending * approve_rate * comp * cap * weeks
    return {"pending": pending, "approval_rate": approve_rate,
            "expected_extra": float(to_penny(extra)),
            "assumption": "each approved child claims the full weekly cap"}


# --------------------------------------------------------------- notebook parameters model
def notebook_parameters(**values):
    """Validate the parameters of ``notebooks/funding_forecast.ipynb`` (papermill passes
    strings and integers loosely, GUIDE.md §1); returns the checked model."""
    from pydantic import BaseModel, ConfigDict, Field, field_validator

    class ForecastNotebookParameters(BaseModel):
        model_config = ConfigDict(extra="forbid")
        scenario_files: list[str] = Field(default_factory=list)
        start_term: str
        horizon: int = Field(ge=1, le=30)
        paths: int = Field(ge=0, le=200_000)
        seed: int
        data_source: str | None = None
        interactive: bool = False
        excel_out: str | None = None

        @field_validator("start_term")
        @classmethod
        def _term(cls, v: str) -> str:
            try:
                terms.parse(v)
            except terms.TermError as exc:
                raise ValueError(str(exc)) from None
            return v.strip().upper()

        @field_validator("data_source", "excel_out")
        @classmethod
        def _blank(cls, v: str | None) -> str | None:
            return v or None

    return ForecastNotebookParameters(**values)

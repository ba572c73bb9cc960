"""Funding forecasts: projected caseloads costed under the baseline and each scenario.

:func:`run` projects the caseload term by term (:mod:`eyanalysis.analysis.projection`) from
the history in the data (use :meth:`~eyanalysis.data.dataset.Dataset.as_of` for the history
known on a date) and costs every term under each scenario with
:mod:`eyanalysis.analysis.costing` (F1-F5, F7, P1, E2, D1-D2): expected spend, Monte Carlo
P10/P50/P90 and the difference from the baseline. Spend has three streams, each a column
of the table: the Inclusion Supplement (``supplement``), EYPP (``eypp``) and the Disability
Access Fund (``daf``); ``expected`` is their sum.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from eyanalysis.analysis import projection as pj
from eyanalysis.analysis.costing import TermCost, reference_rows, term_cost, to_penny
from eyanalysis.data import claims as cl
from eyanalysis.errors import TermError
from eyanalysis.parameters import Parameters
from eyanalysis.rules import terms
from eyanalysis.rules.levels import LEVELS
from eyanalysis.rules.scenarios import Scenario


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
    reference_terms: dict[str, str] = field(default_factory=dict)  # season -> observed term

    @classmethod
    def from_dataset(cls, ds) -> Inputs:
        """Everything a forecast needs from ``ds`` (its whole history: pass
        ``ds.as_of(day)`` for the history known on a day)."""
        last = cl.last_term(ds.attendance)
        if last is None:
            raise TermError("the data hold no attendance: a forecast needs at least one term "
                            "of attendance to start from.")
        history = pj.child_terms(ds.attendance, ds.children)
        model = pj.estimate(history)
        held = cl.terms_held(ds.attendance)
        refs, used = {}, {}
        for season in terms.SEASONS:  # the latest term of each season, else the last term
            same = [t for t in held if terms.season(t) == season]
            used[season] = same[-1] if same else last
            refs[season] = reference_rows(ds, history, used[season])
        return cls(history, model, last, pj.caseload(history, last), refs, used)

    @property
    def next_term(self) -> str:
        """The first term after the data: where a forecast starts by default."""
        return terms.shift(self.last_term, 1)


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
        raise TermError(
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
        "hours per child from the reference terms " + ", ".join(
            f"{season}: {term}" for season, term in inputs.reference_terms.items()),
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
    dafs = np.array([np.sum(exp[k] * c.daf) for k, c in enumerate(tc)])
    if sims is not None:
        spend = np.einsum("ptc,tc->pt", sims.reshape(len(sims), n_terms, -1), total)
        p10, p50, p90 = np.percentile(spend, [10, 50, 90], axis=0)
    else:
        spend = np.empty((0, n_terms))
        p10 = p50 = p90 = np.full(n_terms, np.nan)
    rows, level_rows = [], []
    for k, t in enumerate(term_ids):
        rows.append({"scenario": name, "term": t, "expected": expected_spend[k],
                     "supplement": sup[k].sum(), "eypp": prem[k], "daf": dafs[k],
                     "p10": p10[k], "p50": p50[k], "p90": p90[k],
                     "children": exp[k].sum(), "children_supported": exp[k][1:].sum()})
        for li, lvl in enumerate(LEVELS[1:], start=1):
            level_rows.append({"scenario": name, "term": t, "level": lvl,
                               "children": exp[k][li].sum(), "supplement": sup[k][li]})
        level_rows.append({"scenario": name, "term": t, "level": "EYPP",
                           "children": float((exp[k] * (tc[k].eypp_hours > 0)).sum()),
                           "supplement": prem[k]})
        level_rows.append({"scenario": name, "term": t, "level": "DAF",
                           "children": float((exp[k] * (tc[k].daf > 0)).sum()),
                           "supplement": dafs[k]})
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
            "supplement", "eypp", "daf", "children", "children_supported"]
    out = fc.table[cols].copy()
    money = ["expected", "p10", "p50", "p90", "diff_expected", "diff_p50", "supplement", "eypp",
             "daf"]
    for c in money:
        out[c] = to_penny(out[c])
    out["children"] = out["children"].round(1)
    out["children_supported"] = out["children_supported"].round(1)
    return out


# ------------------------------------------------------------------- scenarios added live
def add_scenario(fc: Forecast, inputs: Inputs, params: Parameters, name: str) -> Forecast:
    """``fc`` with one more scenario costed on the same caseload paths (no new simulation,
    common random numbers): the budget planner's scenario builder. A scenario of the same
    name is replaced."""
    rows, level_rows, spend, tc = _cost(inputs, name, params, fc.terms, fc.expected_caseload,
                                        fc.sims, fc.cache)
    new = pd.DataFrame(rows)
    base_name = fc.table["scenario"].iloc[0]
    base = fc.table[fc.table["scenario"] == base_name].set_index("term")
    new["diff_expected"] = new["expected"] - new["term"].map(base["expected"])
    new["diff_p50"] = new["p50"] - new["term"].map(base["p50"])
    keep = fc.table["scenario"] != name
    table = pd.concat([fc.table[keep], new], ignore_index=True)
    by_level = pd.concat([fc.by_level[fc.by_level["scenario"] != name],
                          pd.DataFrame(level_rows)], ignore_index=True)
    spend_paths = {**{k: v for k, v in fc.spend_paths.items() if k != name}, name: spend}
    costs = {**{k: v for k, v in fc.costs.items() if k != name}, name: tc}
    return Forecast(table, by_level, spend_paths, fc.expected_caseload, costs, fc.terms,
                    fc.model, fc.seed, fc.paths, fc.notes, fc.sims, fc.cache)


# ------------------------------------------------------------------------ financial years
def _observed_spend(inputs: Inputs, term: str, params: Parameters, cache: dict
                    ) -> dict[str, float]:
    """A term the data hold, costed like a forecast term from its recorded caseload (the
    same hours per child and rates), so a financial year that begins before the forecast
    is whole."""
    n = pj.caseload(inputs.history, term)
    tc = term_cost(inputs.refs[terms.season(term)], term, params, cache)
    sup = np.einsum("la,la->l", n, tc.supplement)
    return {"supplement": float(sup[1:-1].sum()), "exceptional": float(sup[-1]),
            "eypp": float(np.sum(n * tc.eypp)), "daf": float(np.sum(n * tc.daf))}


def by_financial_year(fc: Forecast, inputs: Inputs | None = None,
                      params_of: dict[str, Parameters] | None = None,
                      fy_params: Parameters | None = None,
                      scenarios: list[str] | None = None) -> pd.DataFrame:
    """Spend per scenario and financial year (April to March, ``rules.timing``): expected,
    P10 and P90 of the year's total over the Monte Carlo paths (not a sum of percentiles),
    the four streams (Inclusion Supplement at GR1-GR4, exceptional funding = the EXC level,
    L2; EYPP, P1; the Disability Access Fund, D1-D2) and the change from the previous year.

    A year that starts before the forecast has its earlier terms costed from the caseload
    the data record (``inputs`` and ``params_of[scenario]`` needed; they are exact, no
    spread); a year the forecast does not reach to its end is marked ``complete = False``
    and has no change given for it or the year after. ``scenarios``: only these (default
    every scenario of ``fc``; each scenario's rows depend on it alone).
    """
    from eyanalysis.rules.timing import financial_year

    rows = []
    fy_of = {t: financial_year(terms.start(t), fy_params) for t in fc.terms}
    years = list(dict.fromkeys(fy_of.values()))
    for sc in fc.table["scenario"].unique():
        if scenarios is not None and sc not in scenarios:
            continue
        table = fc.table[fc.table["scenario"] == sc].set_index("term")
        lv = fc.by_level[(fc.by_level["scenario"] == sc) & (fc.by_level["level"] == "EXC")]
        exc = lv.set_index("term")["supplement"]
        paths = fc.spend_paths.get(sc)
        previous = None
        for fy in years:
            idx = [k for k, t in enumerate(fc.terms) if fy_of[t] == fy]
            ts = [fc.terms[k] for k in idx]
            first = terms.start(ts[0])
            before = []
            t = terms.shift(ts[0], -1)
            while financial_year(terms.start(t), fy_params) == fy:
                before.insert(0, t)
                t = terms.shift(t, -1)
            after_last = terms.shift(ts[-1], 1)
            complete = financial_year(terms.start(after_last), fy_params) != fy
            known = {"supplement": 0.0, "exceptional": 0.0, "eypp": 0.0, "daf": 0.0}
            observed = [t for t in before if inputs is not None
                        and terms.index(t) <= terms.index(inputs.last_term)]
            if len(observed) < len(before):
                complete = False
            for t in observed:
                p = (params_of or {}).get(sc)
                if p is None:
                    complete = False
                    continue
                for k, v in _observed_spend(inputs, t, p, fc.cache).items():
                    known[k] += v
            fixed = sum(known.values())
            sup = float((table.loc[ts, "supplement"] - exc.reindex(ts).fillna(0)).sum())
            ex = float(exc.reindex(ts).fillna(0).sum())
            ey = float(table.loc[ts, "eypp"].sum())
            daf = float(table.loc[ts, "daf"].sum())
            expected = float(table.loc[ts, "expected"].sum()) + fixed
            if paths is not None and len(paths):
                total = paths[:, idx].sum(axis=1) + fixed
                p10, p90 = (float(x) for x in np.percentile(total, [10, 90]))
            else:
                p10 = p90 = float("nan")
            change = (expected - previous[0]) if previous and previous[1] and complete else (
                float("nan"))
            rows.append({"scenario": sc, "financial_year": fy, "complete": complete,
                         "terms_observed": len(observed), "terms_forecast": len(ts),
                         "first_day": first if not observed else terms.start(observed[0]),
                         "expected": expected, "p10": p10, "p90": p90,
                         "supplement": sup + known["supplement"],
                         "exceptional": ex + known["exceptional"],
                         "eypp": ey + known["eypp"], "daf": daf + known["daf"],
                         "change": change})
            previous = (expected, complete)
    out = pd.DataFrame(rows)
    money = ["expected", "p10", "p90", "supplement", "exceptional", "eypp", "daf", "change"]
    for c in money:
        out[c] = to_penny(out[c])
    return out

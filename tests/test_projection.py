"""Projection and costing invariants (issue #5): caseloads, Monte Carlo, scenario costs."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest

from eyanalysis.analysis import costing as C
from eyanalysis.analysis import forecast as F
from eyanalysis.analysis import projection as pj
from eyanalysis.data.claims import for_term
from eyanalysis.rules import terms
from eyanalysis.rules.hours import claimable
from eyanalysis.rules.rates import Rates
from eyanalysis.rules.scenarios import baseline, load_scenario


@pytest.fixture(scope="module")
def ds():
    import eyanalysis

    return eyanalysis.load(tables=["attendance", "children", "settings", "panel_applications"])


@pytest.fixture(scope="module")
def inputs(ds):
    return F.Inputs.from_dataset(ds)


@pytest.fixture(scope="module")
def plus10(params, root):
    return load_scenario(root / "parameters/scenarios/topups_plus_10pct.yaml", params)


def test_transition_rows_are_probabilities(inputs):
    m = inputs.model
    assert np.allclose(m.transition.sum(axis=1), 1)
    assert (m.leave >= 0).all() and (m.leave <= 1).all()
    # every September the oldest pre-school ages leave for Reception
    assert (m.leave[2, 13:] > 0.9).all()
    assert (m.leave[0, 9:13] < 0.1).all()


def test_no_negative_caseloads(inputs):
    exp = pj.expected(inputs.model, inputs.start, "2027-SPR", 9)
    sims = pj.simulate(inputs.model, inputs.start, "2027-SPR", 9, paths=200, seed=3)
    assert (exp >= 0).all() and (sims >= 0).all()
    assert sims.dtype.kind == "i"


def test_zero_transitions_keep_the_baseline_caseload(inputs):
    still = inputs.model.static()
    exp = pj.expected(still, inputs.start, "2027-SPR", 6)
    sims = pj.simulate(still, inputs.start, "2027-SPR", 6, paths=50, seed=1,
                       parameter_uncertainty=False)
    by_level = inputs.start.sum(axis=1)
    for k in range(6):
        assert np.allclose(exp[k].sum(axis=1), by_level)
        assert (sims[:, k].sum(axis=2) == by_level).all()


def test_monte_carlo_is_deterministic_for_a_seed(inputs):
    a = pj.simulate(inputs.model, inputs.start, "2027-SPR", 4, paths=300, seed=11)
    b = pj.simulate(inputs.model, inputs.start, "2027-SPR", 4, paths=300, seed=11)
    c = pj.simulate(inputs.model, inputs.start, "2027-SPR", 4, paths=300, seed=12)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)


def test_monte_carlo_median_tracks_the_expected_path(inputs):
    exp = pj.expected(inputs.model, inputs.start, "2027-SPR", 3).sum(axis=(1, 2))
    sims = pj.simulate(inputs.model, inputs.start, "2027-SPR", 3, paths=400, seed=5)
    p10, p50, p90 = np.percentile(sims.sum(axis=(2, 3)), [10, 50, 90], axis=0)
    assert ((p10 <= exp) & (exp <= p90)).all()
    assert np.allclose(p50, exp, rtol=0.02)


def test_plus_ten_percent_costs_exactly_ten_percent_more_on_top_ups(inputs, params, plus10):
    fc = F.run(inputs, [baseline(params), plus10], "2027-SPR", 6, paths=100, seed=2)
    t = fc.table.set_index(["scenario", "term"])
    base, more = t.loc["Baseline"], t.loc[plus10.name]
    # 2027-SPR starts before the change on 2027-04-01; every later term is +10%
    assert more.loc["2027-SPR", "supplement"] == base.loc["2027-SPR", "supplement"]
    later = base.index[1:]
    assert np.allclose(more.loc[later, "supplement"], 1.1 * base.loc[later, "supplement"],
                       rtol=1e-12, atol=0)
    assert np.array_equal(more["eypp"], base["eypp"])
    assert (more.loc[later, "diff_expected"] > 0).all()


def test_claimable_hours_never_exceed_the_cap(ds, params, root):
    cap30 = load_scenario(root / "parameters/scenarios/hour_cap_30.yaml", params)
    for sc, term in ((baseline(params), "2027-SPR"), (cap30, "2027-SUM")):
        claims = for_term(ds, term, params=sc.params)
        assert claims["projected"].all()  # carried forward from the last term held
        rates = Rates.from_parameters(terms.start(term), sc.params)
        hours = claimable(claims, rates.weekly_hour_cap, rates.split_rule,
                          rates.specialist_rule)
        per_child = hours["weekly_hours"].groupby(claims["child_id"]).sum()
        assert per_child.max() <= float(rates.weekly_hour_cap) + 1e-9
    fc = F.run(F.Inputs.from_dataset(ds), [baseline(params), cap30], "2027-SPR", 3, 0, 1)
    for name, cap in (("Baseline", 15), (cap30.name, 30)):
        for c in fc.costs[name]:
            weeks = float(params.get(f"nef.term_weeks.{terms.season(c.term)}", "2027-09-01"))
            assert c.sup_hours.max() <= cap * weeks + 1e-9


def test_sensitivity_matches_a_one_penny_scenario(inputs, params):
    base = baseline(params)
    fc = F.run(inputs, [base], "2027-SPR", 3, paths=0, seed=1)
    sens = C.sensitivity(fc).set_index("parameter")
    for path in ("inclusion.top_up.GR3", "inclusion.top_up.GR4", "eypp.rate"):
        now = params.get(path, "2027-01-01")
        bumped = params.with_overrides({path: {"2027-01-01": now + Decimal("0.01")}})
        again = F.recost(fc, inputs, bumped)
        delta = again["expected"].sum() - fc.table["expected"].sum()
        assert delta == pytest.approx(sens.loc[path, "paid_hours"] * 0.01, rel=1e-9)


def test_sweep_is_the_matrix_form_of_costing(ds, params):
    claims = for_term(ds, "2027-SPR", params=params)
    rates = Rates.from_parameters("2027-01-01", params)
    hours = C.claim_hours(claims, rates)
    from eyanalysis.rules.grid import grid

    g = grid(claims, rates)
    exact = (g.loc[g.level == "TOTAL", "amount_pence"].sum()
             + g.loc[g.level == "EYPP", "amount_pence"].sum()) / 100
    spend = C.sweep(hours.to_numpy(), np.stack([C.rate_vector(rates)] * 3))
    assert spend.shape == (3,)
    # float hours x rates against per-row rounded pence: within half a penny per row
    assert abs(spend[0] - exact) <= 0.005 * len(claims)


def test_a_forecast_from_the_history_known_on_a_date_starts_the_next_term(ds, params):
    known = ds.as_of("2025-03-31")
    inputs = F.Inputs.from_dataset(known)
    assert inputs.last_term == "2025-SPR" and inputs.next_term == "2025-SUM"
    assert inputs.model.terms_seen[-1] == "2025-SPR"
    fc = F.run(inputs, [baseline(params)], inputs.next_term, 2, paths=0, seed=1)
    assert list(fc.table["term"]) == ["2025-SUM", "2025-AUT"]
    with pytest.raises(F.TermError, match="the data run to 2025-SPR"):
        F.run(inputs, [baseline(params)], "2025-SPR", 2, paths=0, seed=1)


def test_a_forecast_from_a_single_term_of_history(ds, params):
    """The first term of the data (2023-AUT) has no history before it: the forecast still
    runs (no transitions seen: levels stay, leaving is uninformed), every figure finite."""
    inputs = F.Inputs.from_dataset(ds.as_of("2023-12-31"))
    assert inputs.model.terms_seen == ("2023-AUT",)
    fc = F.run(inputs, [baseline(params)], "2024-SPR", 3, paths=50, seed=1)
    assert np.isfinite(fc.table[["expected", "p10", "p50", "p90"]].to_numpy()).all()
    assert (fc.table["expected"] > 0).all()

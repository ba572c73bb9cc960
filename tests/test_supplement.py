"""Inclusion Supplement (F1, F5, F10) and Early Years Pupil Premium (P1) amounts."""

from __future__ import annotations

import dataclasses
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eyanalysis.rules.money import amount_pence, pounds, rate_units, round_half_up_div, to_units
from eyanalysis.rules.rates import Rates
from eyanalysis.rules.supplement import eypp, supplement
from tests.conftest import claims

SEED = "2015-09-01"  # rates of the 2015-16 guidance
NOW = "2025-09-01"  # Worcestershire's published 2025-26 values


@pytest.fixture(scope="module")
def seed_rates(params):
    return Rates.from_parameters(SEED, params)


@pytest.mark.parametrize(
    ("level", "weekly_max"),
    [("GR1", "2.10"), ("GR2", "11.10"), ("GR3", "21.60"), ("GR4", "40.50"), ("EXC", "94.50")],
)
def test_F1_seed_weekly_maxima_for_15_hours(seed_rates, level, weekly_max):
    # W pp. 15-27: "max: £2.10 p/week" ... "max: £94.50 p/week"
    out = supplement(claims(f"c1 S1 {level} 15 1 3-4"), seed_rates)
    assert pounds(out.amount_pence.iloc[0]) == weekly_max


def test_L2_exceptional_rate_is_gr4_plus_component(params, seed_rates):
    assert seed_rates.top_up["EXC"] == Decimal("2.70") + Decimal("3.60") == Decimal("6.30")
    now = Rates.from_parameters(NOW, params)
    assert now.top_up["EXC"] == now.top_up["GR4"] + params.get(
        "inclusion.exceptional_component", NOW) == Decimal("6.30")


def test_F1_no_supplement_at_normal_entitlement(seed_rates):
    out = supplement(claims("c1 S1 NE 15 12 3-4"), seed_rates)
    assert not out.paid.iloc[0] and out.amount_pence.iloc[0] == 0


@pytest.mark.parametrize(("level", "paid"), [("GR1", False), ("GR2", False), ("GR3", True),
                                              ("GR4", True), ("EXC", True)])
def test_F5_two_year_olds_at_gr1_gr2_get_nothing(seed_rates, level, paid):
    out = supplement(claims(f"c1 S1 {level} 15 12 2"), seed_rates)
    assert bool(out.paid.iloc[0]) is paid
    assert bool(out.amount_pence.iloc[0] > 0) is paid


def test_F5_from_2024_gr1_is_inside_every_base_rate(params):
    rates = Rates.from_parameters(NOW, params)
    out = supplement(claims("c1 S1 GR1 15 12 3-4\nc2 S1 GR2 15 12 3-4\nc3 S1 GR2 15 12 2"),
                     rates)
    assert out.paid.tolist() == [False, True, False]
    assert pounds(out.amount_pence.iloc[1]) == "162.00"  # 180 h x £0.90


def test_F10_half_a_penny_rounds_up(seed_rates):
    # 0.5 h x £0.53 = £0.265 -> £0.27 (banker's rounding would give £0.26)
    out = eypp(claims("c1 S1 NE 0.5 1 3-4 true"), seed_rates)
    assert out.amount_pence.iloc[0] == 27


def test_F10_rounding_is_per_child_then_summed(seed_rates):
    # three children at one setting, 0.5 h x £0.53 each: 3 x 27p = 81p, not round(79.5p) = 80p
    att = claims("a S1 NE 0.5 1 3-4 true\nb S1 NE 0.5 1 3-4 true\nc S1 NE 0.5 1 3-4 true")
    assert eypp(att, seed_rates).amount_pence.sum() == 81


def test_P1_eypp_year_at_570_hours_is_302_10_not_the_seed_typo(seed_rates):
    # W p. 8 prints "£302.01 per year": 570 h x £0.53 = £302.10 (DOMAIN.md P1, a typo)
    out = eypp(claims("c1 S1 NE 15 38 3-4 true"), seed_rates)
    assert pounds(out.amount_pence.iloc[0]) == "302.10"
    assert pounds(out.amount_pence.iloc[0]) != "302.01"


def test_P1_eypp_only_for_eligible_three_and_four_year_olds(seed_rates):
    att = claims("a S1 NE 15 12 3-4 true\nb S1 NE 15 12 2 true\nc S1 GR3 15 12 3-4 false")
    assert eypp(att, seed_rates).eligible.tolist() == [True, False, False]


def test_P1_eypp_follows_the_cap_and_split(seed_rates):
    att = claims("a S1 NE 20 10 3-4 true\na S2 NE 10 10 3-4 true")
    out = eypp(att, seed_rates)
    assert out.term_hours.tolist() == [100.0, 50.0]
    assert out.amount_pence.tolist() == [5300, 2650]


# -- exact money against a Decimal reference, and monotonicity ---------------------------

two_dp = st.integers(min_value=0, max_value=3000).map(lambda n: Decimal(n) / 100)
rate_st = st.integers(min_value=0, max_value=99_999).map(lambda n: Decimal(n) / 10_000)


@settings(max_examples=300, deadline=None)
@given(two_dp, st.integers(1, 5200).map(lambda n: Decimal(n) / 100), rate_st)
def test_F10_amount_equals_decimal_half_up(hours, weeks, rate):
    term = to_units([float(hours)]) * to_units([float(weeks)])
    got = amount_pence(term, [1], rate_units(rate))[0]
    expected = (hours * weeks * rate * 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP)
    assert got == int(expected)


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 10**12), st.integers(1, 10**6))
def test_round_half_up_div_matches_decimal(num, den):
    expected = (Decimal(num) / Decimal(den)).quantize(Decimal("1"), rounding=ROUND_HALF_UP)
    assert round_half_up_div([num], den)[0] == int(expected)


rows_st = st.lists(
    st.tuples(st.integers(0, 5), st.integers(0, 3), st.sampled_from(
        ["NE", "GR1", "GR2", "GR3", "GR4", "EXC"]), st.integers(0, 3000).map(lambda h: h / 100),
        st.sampled_from(["2", "3-4"])),
    min_size=1, max_size=30,
)


def _frame(rows):
    uniq = {}
    for c, s, lvl, h, age in rows:
        uniq[(c, s)] = (c, s, lvl, h, age)
    levels = {c: lvl for c, _, lvl, _, _ in uniq.values()}  # one level per child
    ages = {c: age for c, _, _, _, age in uniq.values()}
    return pd.DataFrame(
        [{"child_id": c, "setting_id": s, "level": levels[c], "hours_per_week": h,
          "weeks": 12.0, "funding_age": ages[c], "eypp": True} for c, s, _, h, _ in uniq.values()]
    )


@settings(max_examples=120, deadline=None)
@given(rows_st, st.sampled_from(["GR1", "GR2", "GR3", "GR4"]), st.integers(1, 500))
def test_property_raising_a_rate_never_lowers_a_total(params, rows, level, pence):
    base = Rates.from_parameters(SEED, params)
    raised = dataclasses.replace(
        base, top_up={**base.top_up, level: base.top_up[level] + Decimal(pence) / 100,
                      "EXC": base.top_up["EXC"] + (Decimal(pence) / 100 if level == "GR4" else 0)}
    )
    att = _frame(rows)
    before = supplement(att, base).amount_pence
    after = supplement(att, raised).amount_pence
    assert (after >= before).all() and after.sum() >= before.sum()
    assert (before >= 0).all() and (eypp(att, base).amount_pence >= 0).all()

"""Inclusion Supplement (F1, F5, F6', F10, D3) and Early Years Pupil Premium (P1, E2) amounts."""

from __future__ import annotations

import dataclasses
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

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


# -- E2: EYPP for every funded age from April 2024, its caps and the specialist rule -----

@pytest.mark.parametrize(
    ("on", "paid_pence"),
    [("2023-09-01", 0), ("2024-03-31", 0), ("2024-04-01", 180 * 68), ("2025-09-01", 180 * 100)],
)
def test_E2_eypp_for_a_funded_two_year_old_is_dated(params, on, paid_pence):
    # 3-4-year-olds only until 31 March 2024; every funded child from 1 April 2024
    out = eypp(claims("b S1 NE 15 12 2 true"), Rates.from_parameters(on, params))
    assert bool(out.eligible.iloc[0]) is (paid_pence > 0)
    assert out.amount_pence.iloc[0] == paid_pence


def test_E2_eypp_age_scope_is_a_dated_parameter(params):
    assert params.get("eypp.funding_ages", "2024-03-31") == ["3-4"]
    assert params.get("eypp.funding_ages", "2024-04-01") == ["under-2", "2", "3-4"]
    # under-2s are in EYPP's scope from April 2024 but funded only from September 2024
    assert Rates.from_parameters("2024-06-01", params).eypp_paid_ages == ("2", "3-4")
    assert Rates.from_parameters("2024-09-01", params).eypp_paid_ages == ("under-2", "2", "3-4")


def test_E2_eypp_for_an_under_2_from_september_2024(params):
    att = claims("u S1 GR3 15 12 under-2 true")
    out = eypp(att, Rates.from_parameters("2025-09-01", params))
    assert out.eligible.tolist() == [True] and pounds(out.amount_pence.iloc[0]) == "180.00"


def test_E2_eypp_never_on_extended_hours_even_with_a_30_hour_supplement_cap(params):
    # a scenario pays the supplement on 30 h a week (F2); EYPP stays on 15 (E2)
    base = Rates.from_parameters(NOW, params)
    cap30 = dataclasses.replace(base, weekly_hour_cap=Decimal(30))
    att = claims("a S1 GR3 30 10 3-4 true\nb S1 NE 20 10 2 true")
    assert supplement(att, cap30).term_hours.tolist() == [300.0, 200.0]
    out = eypp(att, cap30)
    assert out.term_hours.tolist() == [150.0, 150.0]
    assert out.amount_pence.tolist() == [15000, 15000]


def test_E2_eypp_weekly_cap_is_shared_between_settings(params):
    # 10 h + 10 h with the supplement cap at 30: EYPP's 15 h shared pro rata (F3)
    cap30 = dataclasses.replace(Rates.from_parameters(NOW, params), weekly_hour_cap=Decimal(30))
    out = eypp(claims("a S1 NE 10 10 3-4 true\na S2 NE 10 10 3-4 true"), cap30)
    assert out.term_hours.tolist() == [75.0, 75.0]


def test_E2_eypp_yearly_cap_of_570_hours_shared_pro_rata(params):
    rates = Rates.from_parameters(NOW, params)
    assert rates.eypp_yearly_hour_cap == 570 and rates.eypp_cap == 15
    one = eypp(claims("c S1 NE 15 52 3-4 true"), rates)  # 780 h claimed
    assert one.term_hours.tolist() == [570.0] and pounds(one.amount_pence.iloc[0]) == "570.00"
    # 7.5 h at each of two settings for 50 weeks: 750 h, 285 h each under the cap
    two = eypp(claims("c S1 NE 10 50 3-4 true\nc S2 NE 10 50 3-4 true"), rates)
    assert two.term_hours.tolist() == [285.0, 285.0]
    assert two.amount_pence.tolist() == [28500, 28500]
    # a third of the cap each: 570 / 3 = 190 h, exactly, at £1.00
    three = eypp(claims("c S1 NE 6 52 3-4 true\nc S2 NE 6 52 3-4 true\nc S3 NE 6 52 3-4 true"),
                 rates)
    assert three.amount_pence.tolist() == [19000, 19000, 19000]
    # at 38 weeks the cap is exactly met and nothing changes (P1: £302.10 at £0.53)
    assert eypp(claims("c S1 NE 15 38 3-4 true"),
                Rates.from_parameters(SEED, params)).amount_pence.tolist() == [30210]


def test_E2_yearly_cap_rounds_an_odd_share_half_up(params):
    # 3 settings, 7 h each for 52 weeks: 5 h a week each under the 15 h cap, 260 h each,
    # 780 h in all; 570 h shared: 190 h each -> at £1.15, £218.50 each
    rates = Rates.from_parameters("2026-09-01", params)
    att = claims("c S1 NE 7 52 3-4 true\nc S2 NE 7 52 3-4 true\nc S3 NE 7 52 3-4 true")
    assert eypp(att, rates).amount_pence.tolist() == [21850, 21850, 21850]
    # 7 h + 4 h for 52 weeks: 364 h + 208 h = 572 h, 2 h over the cap; the shares are
    # 362.7272... h and 207.2727... h: 41,713.6p -> 41,714p and 23,836.4p -> 23,836p (F10)
    out = eypp(claims("d S1 NE 7 52 3-4 true\nd S2 NE 4 52 3-4 true"), rates)
    assert out.term_hours.sum() == pytest.approx(570.0)
    shares = [Fraction(h * 52 * 570 * 115, 572) for h in (7, 4)]  # pence, exact
    assert out.amount_pence.tolist() == [
        int(Decimal(x.numerator) / Decimal(x.denominator) + Decimal("0.5")) for x in shares]
    assert out.amount_pence.tolist() == [41714, 23836]


@pytest.mark.parametrize(("rule", "hours"), [("specialist_takes_all", [180.0, 0.0]),
                                             ("none", [90.0, 90.0])])
def test_E2_whether_F4_applies_to_eypp_is_a_parameter(params, rule, hours):
    rates = Rates.from_parameters(NOW, params)
    assert rates.eypp_specialist == "specialist_takes_all"  # the default, as before
    changed = params.with_overrides({"eypp.specialist_rule": {"2025-04-01": rule}})
    att = claims("s SPEC NE 15 12 3-4 true true\ns MAIN NE 15 12 3-4 true false")
    assert eypp(att, Rates.from_parameters(NOW, changed)).term_hours.tolist() == hours
    # the supplement keeps F4 whatever EYPP does
    sup = supplement(att.assign(level="GR3"), Rates.from_parameters(NOW, changed))
    assert sup.term_hours.tolist() == [180.0, 0.0]


# -- F6': a funding age with no entitlement yet pays nothing --------------------------------

def test_F6_prime_an_under_2_before_september_2024_gets_nothing(params):
    rates = Rates.from_parameters("2024-06-01", params)
    att = claims("u S1 GR3 15 12 under-2 true")
    assert not supplement(att, rates).paid.iloc[0]
    assert eypp(att, rates).amount_pence.iloc[0] == 0
    # a 0-5 child the panel funds outside NEF is not a funding age: F5 does not apply (X4)
    panel = supplement(claims("p S1 GR2 15 12 not-NEF-funded"), rates)
    assert panel.paid.iloc[0] and pounds(panel.amount_pence.iloc[0]) == "162.00"


def test_F5_under_2_at_gr1_and_gr2_inside_gr3_paid(params):
    rates = Rates.from_parameters(NOW, params)
    att = claims("a S1 GR1 15 12 under-2\nb S1 GR2 15 12 under-2\nc S1 GR3 15 12 under-2")
    out = supplement(att, rates)
    assert out.paid.tolist() == [False, False, True]
    assert pounds(out.amount_pence.iloc[2]) == "288.00"  # 180 h x £1.60


# -- D3: a scheme that withholds its award where DAF is claimed ---------------------------

def test_D3_not_with_daf_withholds_the_supplement_only_when_the_scheme_says_so(params):
    att = claims("a S1 GR3 15 12 3-4\na S2 GR3 5 12 3-4\nb S1 GR3 15 12 3-4").assign(
        daf=[True, False, False])
    default = Rates.from_parameters(NOW, params)
    assert default.not_with_daf is False
    assert supplement(att, default).paid.tolist() == [True, True, True]
    herts = params.with_overrides({"inclusion.not_with_daf": {"2025-04-01": True}})
    assert supplement(att, Rates.from_parameters(NOW, herts)).paid.tolist() == [
        False, False, True]


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

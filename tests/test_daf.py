"""The Disability Access Fund (D1-D3): dated rates, the period rule, school starters."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pandas as pd
import pytest

from eyanalysis.errors import EyAnalysisError, ParameterDateError, ParameterError
from eyanalysis.rules import daf
from eyanalysis.rules.rates import Rates


@pytest.mark.parametrize(
    ("on", "pounds"),
    [
        ("2017-04-01", 615), ("2022-03-31", 615), ("2022-04-01", 800), ("2023-04-01", 828),
        ("2023-08-31", 828), ("2023-09-01", 881), ("2024-04-01", 910), ("2025-04-01", 938),
        ("2026-03-31", 938), ("2026-04-01", 975), ("2026-12-01", 975),
    ],
)
def test_D1_annual_rate_in_force_on_a_date(params, on, pounds):
    assert daf.annual_rate(on, params) == Decimal(pounds)
    assert daf.annual_pence(on, params) == pounds * 100
    assert Rates.from_parameters(on, params).daf == Decimal(pounds)


def test_D1_no_daf_before_april_2017(params):
    assert daf.annual_rate("2017-03-31", params) is None
    assert Rates.from_parameters("2016-09-01", params).daf is None
    with pytest.raises(ParameterDateError, match="began on 1 April 2017"):
        daf.annual_pence("2016-09-01", params)


def test_D2_rules_are_parameters_with_stated_defaults(params):
    assert params.get("daf.period_rule", "2026-09-01") == "financial_year"
    assert params.get("daf.school_starters", "2026-09-01") == "full"
    for path in ("daf.period_rule", "daf.school_starters"):
        text = params[path].description
        assert "default" in text
    assert "Luton" in params["daf.period_rule"].description
    assert "Central Bedfordshire" in params["daf.period_rule"].description
    assert "Devon" in params["daf.school_starters"].description


CLAIMED = ["2024-AUT", "2025-SPR", "2025-SUM", "2025-AUT", "2026-SPR", "2026-SUM"]


@pytest.mark.parametrize(
    ("rule", "claimed", "due"),
    [
        # a payment in each financial year (April to March)
        ("financial_year", CLAIMED, ["2024-AUT", "2025-SUM", "2026-SUM"]),
        # again 12 months after the last payment
        ("rolling_12_months", CLAIMED, ["2024-AUT", "2025-AUT"]),
        ("first_term_then_anniversary", CLAIMED, ["2024-AUT", "2025-AUT"]),
        # after a gap, rolling restarts from the late payment; anniversaries do not move
        ("rolling_12_months", ["2024-AUT", "2026-SPR", "2026-SUM", "2026-AUT", "2027-SPR"],
         ["2024-AUT", "2026-SPR", "2027-SPR"]),
        ("first_term_then_anniversary",
         ["2024-AUT", "2026-SPR", "2026-SUM", "2026-AUT", "2027-SPR"],
         ["2024-AUT", "2026-SPR", "2026-AUT"]),
        # the financial year starting in the summer term: spring then summer pays twice
        ("financial_year", ["2025-SPR", "2025-SUM"], ["2025-SPR", "2025-SUM"]),
        ("rolling_12_months", ["2025-SPR", "2025-SUM"], ["2025-SPR"]),
    ],
)
def test_D2_period_rule_decides_when_daf_falls_due(rule, claimed, due):
    assert daf.due_terms(claimed, rule) == due


def test_D2_unknown_rules_are_refused():
    with pytest.raises(ParameterError, match="financial_year"):
        daf.due_terms(["2025-AUT"], "calendar_year")
    with pytest.raises(ParameterError, match="pro_rata"):
        daf.school_starter_share("2025-AUT", "2026-AUT", "half")


@pytest.mark.parametrize(
    ("term", "rule", "share"),
    [
        ("2026-SPR", "pro_rata", Fraction(2, 3)),  # Devon: spring before a September start
        ("2026-SUM", "pro_rata", Fraction(1, 3)),
        ("2025-AUT", "pro_rata", Fraction(1)),  # a whole year of terms left
        ("2026-AUT", "pro_rata", Fraction(1)),  # entry deferred: still in early years
        ("2026-SUM", "full", Fraction(1)),  # Central Bedfordshire: never pro rata
    ],
)
def test_D2_school_starters(term, rule, share):
    assert daf.school_starter_share(term, "2026-AUT", rule) == share


def test_D1_D2_schedule_exact_pence_with_rates_and_rules_of_each_term(params):
    # child a born 2021-10 starts Reception in September 2026; child b born 2023-02
    claims = pd.DataFrame({
        "child_id": ["a", "a", "a", "b", "b", "b"],
        "setting_id": ["S1", "S1", "S2", "S3", "S3", "S3"],
        "term": ["2025-AUT", "2026-SPR", "2026-SUM", "2023-AUT", "2024-SPR", "2024-SUM"],
        "birth_month": ["2021-10"] * 3 + ["2023-02"] * 3,
    })
    out = daf.schedule(claims, params)
    assert list(out.columns) == daf.SCHEDULE_COLUMNS
    # financial years: a in 2025-AUT (£938) and 2026-SUM (£975, full by default);
    # b in 2023-AUT (£881, the September 2023 rate) and 2024-SUM (£910)
    assert out[["child_id", "setting_id", "term", "amount_pence"]].values.tolist() == [
        ["a", "S1", "2025-AUT", 93800], ["a", "S2", "2026-SUM", 97500],
        ["b", "S3", "2023-AUT", 88100], ["b", "S3", "2024-SUM", 91000]]
    devon = params.with_overrides({"daf.school_starters": {"2026-04-01": "pro_rata"}})
    out = daf.schedule(claims, devon).set_index("term")
    # a summer payment before a September Reception start: a third of £975 = £325.00
    assert out.loc["2026-SUM", "share"] == "1/3"
    assert out.loc["2026-SUM", "amount_pence"] == 32500
    # £938 x 2/3 = 62,533.33p -> 62,533p (half up keeps it down) ...
    spring = daf.schedule(claims.iloc[1:2], params.with_overrides(
        {"daf.school_starters": {"2025-04-01": "pro_rata"}}))
    assert spring["amount_pence"].tolist() == [62533]
    # ... and £938 x 1/3 = 31,266.67p -> 31,267p (born 2020-12: Reception from 2025-AUT)
    summer = pd.DataFrame({"child_id": ["c"], "setting_id": ["S1"], "term": ["2025-SUM"],
                           "birth_month": ["2020-12"]})
    pro = params.with_overrides({"daf.school_starters": {"2025-04-01": "pro_rata"}})
    assert daf.schedule(summer, pro)["amount_pence"].tolist() == [31267]


def test_D1_reception_children_never_receive_daf(params):
    claims = pd.DataFrame({"child_id": ["a", "b"], "setting_id": ["S1", "S1"],
                           "term": ["2026-AUT", "2026-AUT"], "reception": [True, False]})
    assert daf.schedule(claims, params)["child_id"].tolist() == ["b"]


def test_D1_a_child_nominated_at_two_settings_in_a_term_is_refused(params):
    claims = pd.DataFrame({"child_id": ["a", "a"], "setting_id": ["S1", "S2"],
                           "term": ["2026-AUT", "2026-AUT"]})
    with pytest.raises(EyAnalysisError, match="a in 2026-AUT.*one setting the parent"):
        daf.schedule(claims, params)


def test_D2_the_rule_in_force_at_each_term_applies(params):
    # an authority moving from the financial year to rolling 12 months in April 2026
    changed = params.with_overrides({"daf.period_rule": {"2026-04-01": "rolling_12_months"}})
    claims = pd.DataFrame({"child_id": ["a"] * 4, "setting_id": ["S1"] * 4,
                           "term": ["2025-AUT", "2026-SPR", "2026-SUM", "2026-AUT"]})
    out = daf.schedule(claims, changed)
    assert out["term"].tolist() == ["2025-AUT", "2026-AUT"]
    assert out["period_rule"].tolist() == ["financial_year", "rolling_12_months"]
    assert daf.schedule(claims, params)["term"].tolist() == ["2025-AUT", "2026-SUM"]


def test_D1_the_grid_refuses_a_child_flagged_at_two_settings(params):
    from eyanalysis.errors import InputDataError
    from eyanalysis.rules.grid import grid
    from tests.conftest import claims

    att = claims("a S1 GR3 10 12 3-4\na S2 GR3 5 12 3-4\nb S1 NE 15 12 2").assign(
        daf=[True, True, True])
    with pytest.raises(InputDataError, match=r"a at S1, S2.*one setting the parent"):
        grid(att, Rates.from_parameters("2026-09-01", params))
    out = grid(att.assign(daf=[True, False, True]), Rates.from_parameters("2026-09-01", params))
    daf = out[out.level == "DAF"].set_index("setting_id")
    assert daf["children"].to_dict() == {"S1": 2, "S2": 0}
    assert daf["amount_pence"].to_dict() == {"S1": 195000, "S2": 0}
    assert daf["nef_hours"].isna().all()


def test_D1_daf_needs_a_funded_entitlement_that_day(params):
    from eyanalysis.rules.grid import grid
    from tests.conftest import claims

    # an under-2 before September 2024 had no entitlement; a line with no hours takes none up
    att = claims("u S1 NE 15 12 under-2\nz S1 NE 0 12 3-4\nk S1 NE 15 12 3-4").assign(
        daf=True)
    out = grid(att, Rates.from_parameters("2024-06-01", params))
    assert out.loc[out.level == "DAF", "children"].tolist() == [1]
    assert out.loc[out.level == "DAF", "amount_pence"].tolist() == [91000]

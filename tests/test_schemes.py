"""Inclusion schemes as data (S1-S4, D3, I1): hand-worked costs of every shipped scheme
(tests/cases/schemes.yaml), the Worcestershire schemes equal to predict (F1-F10), the
crosswalk range (S2), pots, gates, the compare-schemes command and the IEYF allocation."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import openpyxl
import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from eyanalysis.analysis.schemes import compare, ieyf_allocation
from eyanalysis.cli import main
from eyanalysis.data.claims_file import read_attendance
from eyanalysis.errors import ParameterError
from eyanalysis.parameters import load_parameters
from eyanalysis.rules import schemes
from eyanalysis.rules.grid import grid
from eyanalysis.rules.rates import Rates
from tests.conftest import ROOT, claims

SPEC = yaml.safe_load((ROOT / "tests/cases/schemes.yaml").read_text())
CASES = SPEC["cases"]
PREDICTION = yaml.safe_load((ROOT / "tests/cases/prediction.yaml").read_text())
SCHEME_FILES = ("unit", "bands", "hours_basis", "age_scope", "split_rule", "specialist_rule",
                "setting_gate", "pot", "interactions", "crosswalk")


def pence(pounds) -> int:
    return int(Decimal(str(pounds)).quantize(Decimal("0.01")) * 100)


@pytest.fixture(scope="module")
def example():
    return read_attendance(ROOT / SPEC["input"], ROOT / SPEC["settings"])


def test_at_least_eight_schemes_ship_each_with_every_file(params):
    ids = schemes.scheme_ids(params)
    assert len(ids) >= 8
    assert {"worcestershire_2015", "worcestershire_2024", "stoke_2025", "lambeth_2023",
            "herefordshire", "herts", "devon_2026", "north_northants_2025",
            "lincolnshire"} <= set(ids)
    for sid in ids:
        folder = ROOT / "parameters" / "schemes" / sid
        assert sorted(p.stem for p in folder.glob("*.yaml")) == sorted(SCHEME_FILES), sid


def test_every_case_names_a_shipped_scheme_and_every_scheme_has_a_case(params):
    assert {c["scheme"] for c in CASES} == set(schemes.scheme_ids(params))


@pytest.mark.parametrize("case", CASES, ids=[c.get("name", c["scheme"]) for c in CASES])
def test_S3_scheme_costs_the_hand_worked_file(params, example, case):
    p = params.with_overrides(case["overrides"], "case") if case.get("overrides") else params
    got = compare(example, str(case["rates_on"]), [case["scheme"]], p).summary.iloc[0]
    assert [got[f"term_{x}"] for x in ("low", "central", "high")] == [pence(v) for v in
                                                                      case["term"]]
    assert [got[f"year_{x}"] for x in ("low", "central", "high")] == [pence(v) for v in
                                                                      case["year"]]
    assert got["children_funded"] == case["funded"]
    if "after_pot" in case:
        assert got["year_central_after_pot"] == pence(case["after_pot"])
        assert got["pot_effect"] == pence(case["pot_effect"])
    else:
        assert got["pot_effect"] == 0
    if "setting_level" in case:
        assert [got["setting_level_term"], got["setting_level_year"]] == [
            pence(v) for v in case["setting_level"]]
    else:
        assert got["setting_level_term"] == 0


def test_compare_schemes_command_prints_the_hand_worked_figures(tmp_path, capsys):
    out = tmp_path / "schemes.csv"
    code = main(["compare-schemes", str(ROOT / SPEC["input"]), "--settings",
                 str(ROOT / SPEC["settings"]), "--on", "2026-04-01", "--out", str(out)])
    assert code == 0
    table = pd.read_csv(out, dtype=str, encoding="utf-8-sig").set_index("scheme")
    for case in CASES:
        if case.get("overrides"):
            continue
        row = table.loc[case["scheme"]]
        assert [pence(row[f"term_{x}"]) for x in ("low", "central", "high")] == [
            pence(v) for v in case["term"]], case["scheme"]
        assert pence(row["year_central"]) == pence(case["year"][1])
    err = capsys.readouterr().err
    assert "Crosswalk assumptions" in err and ("Graduated Response 2, tier1 (low and central "
                                               "estimates) or tier2 (high estimate)") in err
    assert "[stoke_2025]" in err  # the id compare-schemes --schemes takes


def test_compare_schemes_refuses_bad_input_as_predict_does(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("child_id,setting_id,level,hours_per_week,weeks,funding_age\n"
                   "C1,S1,GR9,15,12,3-4\n=HYPERLINK(1),S1,GR2,-3,12,3-4\n")
    out = tmp_path / "x.csv"
    assert main(["compare-schemes", str(bad), "--on", "2026-04-01", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "bad.csv:2: column level" in err and "bad.csv:3: column child_id" in err
    assert "bad.csv:3: column hours_per_week" in err
    assert not out.exists()


def test_compare_schemes_refuses_an_unknown_scheme_and_a_scheme_not_yet_in_force(capsys):
    args = ["compare-schemes", str(ROOT / SPEC["input"]), "--on", "2026-04-01"]
    assert main([*args, "--schemes", "nowhere"]) == 2
    assert "Unknown scheme(s) nowhere" in capsys.readouterr().err
    early = ["compare-schemes", str(ROOT / SPEC["input"]), "--on", "2025-01-06",
             "--schemes", "devon_2026"]
    assert main(early) == 2
    assert "devon_2026" in capsys.readouterr().err


def test_schemes_not_in_force_are_left_out_with_a_note(params, example):
    result = compare(example, "2024-06-03", None, params)
    assert "devon_2026" not in set(result.summary["scheme"])
    assert "worcestershire_2024" in set(result.summary["scheme"])
    assert any(n.startswith("devon_2026 is not in force") for n in result.notes)


def test_compare_schemes_workbook_follows_the_published_form(tmp_path):
    out = tmp_path / "schemes.xlsx"
    assert main(["compare-schemes", str(ROOT / SPEC["input"]), "--settings",
                 str(ROOT / SPEC["settings"]), "--on", "2026-04-01", "--out", str(out)]) == 0
    book = openpyxl.load_workbook(out)
    assert {"Cover", "Contents", "Notes", "Summary", "By level", "By type", "Crosswalk",
            "IEYF"} <= set(book.sheetnames)
    summary = [[c.value for c in row] for row in book["Summary"].iter_rows()]
    flat = [v for row in summary for v in row if v is not None]
    assert 6011.0 in flat and 3894.5 in flat  # Herefordshire central and low
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate)


# -- the home scheme is the per-hour unit of the general engine (F1-F10) -------------------

def _supplement_by_setting(att, on, params):
    table = grid(att.drop(columns=[c for c in ("eypp", "daf") if c in att]),
                 Rates.from_parameters(on, params))
    return table[table.level == "TOTAL"].set_index("setting_id")["amount_pence"]


def _scheme_by_setting(att, sid, on, params):
    rows = schemes.cost(att, schemes.Scheme.from_parameters(sid, on, params), "central",
                        params)
    return rows["term_pence"].groupby(att["setting_id"].astype(str).to_numpy()).sum()


@pytest.mark.parametrize("case", [c for c in PREDICTION if "input" in c],
                         ids=lambda c: c["name"])
def test_S4_worcestershire_schemes_equal_predict_on_every_hand_worked_file(params, case):
    on = str(case["rates_on"])
    att = read_attendance(ROOT / case["input"], ROOT / case["settings"])
    sid = "worcestershire_2015" if dt.date.fromisoformat(on) < dt.date(2024, 4, 1) \
        else "worcestershire_2024"
    want = _supplement_by_setting(att, on, params)
    got = _scheme_by_setting(att, sid, on, params).reindex(want.index, fill_value=0)
    assert got.tolist() == want.tolist()
    assert want.sum() > 0


def test_S4_each_worcestershire_scheme_equals_predict_at_its_own_dates(params):
    att = read_attendance(ROOT / "eyanalysis/data/example/attendance.csv",
                          ROOT / "eyanalysis/data/example/settings.csv")
    for sid, on in (("worcestershire_2015", "2015-09-01"), ("worcestershire_2015", "2016-01-04"),
                    ("worcestershire_2024", "2024-04-01"), ("worcestershire_2024", "2024-09-02")):
        want = _supplement_by_setting(att, on, params)
        assert _scheme_by_setting(att, sid, on, params).reindex(
            want.index, fill_value=0).tolist() == want.tolist(), (sid, on)


rows_st = st.lists(
    st.tuples(st.integers(0, 6), st.integers(0, 3),
              st.sampled_from(["NE", "GR1", "GR2", "GR3", "GR4", "EXC"]),
              st.integers(0, 3000).map(lambda h: h / 100), st.sampled_from(["2", "3-4"]),
              st.booleans(), st.integers(100, 1400).map(lambda w: w / 100)),
    min_size=1, max_size=25)


@settings(max_examples=80, deadline=None)
@given(rows_st, st.sampled_from([("worcestershire_2015", "2015-09-01"),
                                 ("worcestershire_2024", "2025-09-01")]))
def test_property_worcestershire_schemes_equal_predict(params, rows, which):
    uniq = {(c, s): (c, s, lvl, h, age, spec, w) for c, s, lvl, h, age, spec, w in rows}
    level = {c: lvl for c, _, lvl, *_ in uniq.values()}
    age = {c: a for c, _, _, _, a, _, _ in uniq.values()}
    weeks = {c: w for c, *_, w in uniq.values()}
    att = pd.DataFrame([{"child_id": f"c{c}", "setting_id": f"S{s}", "level": level[c],
                         "hours_per_week": h, "weeks": weeks[c], "funding_age": age[c],
                         "specialist": s == 0 and spec}
                        for c, s, _, h, _, spec, _ in uniq.values()])
    sid, on = which
    want = _supplement_by_setting(att, on, params)
    got = _scheme_by_setting(att, sid, on, params).reindex(want.index, fill_value=0)
    assert got.tolist() == want.tolist()


# -- rules of S1 ---------------------------------------------------------------------------

def test_S1_setting_gate_bars_a_setting_judged_requires_improvement(params, example):
    att = example.assign(ofsted_judgement=np.where(example["setting_id"] == "S002",
                                                   "requires_improvement", "good"))
    got = compare(att, "2026-04-01", ["north_northants_2025"], params).summary.iloc[0]
    # S002 loses C03's half of Band B (500) and C04's Band B (1000): 3000 - 1500
    assert got["term_central"] == pence(1500)
    assert compare(att, "2026-04-01", ["stoke_2025"], params).summary.iloc[0][
        "term_central"] == pence(3000)  # Stoke has no gate


def test_D3_not_with_daf_applies_only_to_schemes_that_say_so(params, example):
    no_daf = example.assign(daf=False)
    herts = compare(no_daf, "2026-04-01", ["herts"], params).summary.iloc[0]
    assert herts["term_central"] == pence(1000)  # C04 now receives an award
    stoke = compare(no_daf, "2026-04-01", ["stoke_2025"], params).summary.iloc[0]
    assert stoke["term_central"] == pence(3000)


def test_S2_the_range_is_ordered_for_every_scheme_on_the_example(params, example):
    table = compare(example, "2026-04-01", None, params).summary
    assert (table["term_low"] <= table["term_central"]).all()
    assert (table["term_central"] <= table["term_high"]).all()


def test_first_come_first_served_pot_pays_the_pot(params, example):
    p = params.with_overrides({"schemes.lambeth_2023.pot.amount": {"2023-04-01": 1000},
                               "schemes.lambeth_2023.pot.when_exceeded":
                                   {"2023-04-01": "first_come_first_served"}}, "test")
    result = compare(example, "2026-04-01", ["lambeth_2023"], p)
    got = result.summary.iloc[0]
    assert got["year_central_after_pot"] == pence(1000)
    assert got["pot_effect"] == pence(-4050)
    assert any("in order of application" in n for n in result.notes)


def test_a_crosswalk_naming_an_unknown_band_is_refused(params):
    p = params.with_overrides({"schemes.stoke_2025.crosswalk.GR3": {
        "2025-09-01": {"low": "tier9", "central": "tier2", "high": "tier2"}}}, "test")
    with pytest.raises(ParameterError, match="tier9"):
        schemes.Scheme.from_parameters("stoke_2025", "2026-04-01", p)


def test_per_term_sums_do_not_depend_on_weeks_and_hourly_ones_do(params):
    short = claims("a S1 GR3 15 6 3-4")
    long = claims("a S1 GR3 15 12 3-4")
    stoke = schemes.Scheme.from_parameters("stoke_2025", "2026-04-01", params)
    lincs = schemes.Scheme.from_parameters("lincolnshire", "2026-04-01", params)
    assert schemes.cost(short, stoke).term_pence.sum() == schemes.cost(
        long, stoke).term_pence.sum() == 45000
    assert 2 * schemes.cost(short, lincs, params=params).term_pence.sum() == schemes.cost(
        long, lincs, params=params).term_pence.sum()


# -- the Inclusive Early Years Fund (I1) -----------------------------------------------------

def test_I1_ieyf_allocation_adds_up_to_the_fund_and_follows_the_method(params, example):
    out = ieyf_allocation(example, "2026-09-01", params)
    assert out["ieyf_pence"].sum() == 46213057
    # per funded child: S001 has C01, C02, C03, C06 (4); S002 has C03, C04, C05 (3)
    assert out.set_index("setting_id")["weight"].to_dict() == {"S001": 4, "S002": 3}
    assert abs(out["ieyf_pence"].iloc[0] - 46213057 * 4 / 7) < 1
    p = params.with_overrides({"ieyf.allocation_method": {"2026-04-01": "per_setting_with_sen"}},
                              "test")
    equal = ieyf_allocation(example, "2026-09-01", p)["ieyf_pence"]
    assert equal.sum() == 46213057 and abs(int(equal.iloc[0]) - int(equal.iloc[1])) <= 1


def test_the_ieyf_has_no_value_before_2026_27(params, example):
    from eyanalysis.errors import ParameterDateError

    with pytest.raises(ParameterDateError):
        ieyf_allocation(example, "2025-09-01", params)


def test_compare_schemes_on_a_term_of_the_sample(capsys):
    assert main(["compare-schemes", "--term", "2026-SPR"]) == 0
    out = capsys.readouterr().out
    table = pd.read_csv(pd.io.common.StringIO(out), dtype=str)
    assert len(table) == len(schemes.in_force("2026-01-01", load_parameters()))
    assert (table["term_central"].astype(float) > 0).all()


# -- a scenario switches the authority to another scheme from a date (S1) -------------------

def test_the_active_scheme_options_list_every_shipped_scheme(params):
    assert params["schemes.active"].metadata["options"] == ["home", *schemes.scheme_ids(params)]
    assert params.get("schemes.active", "2026-09-01") == "home"


def test_a_scenario_switches_scheme_from_its_date_and_the_forecast_costs_it(params):
    from eyanalysis.analysis.forecast import Inputs, run
    from eyanalysis.data.dataset import load
    from eyanalysis.rules.scenarios import baseline, load_scenario

    stoke = load_scenario(ROOT / "parameters/scenarios/move_to_stoke_bands.yaml", params)
    assert stoke.overrides == {"schemes.active": {"2027-04-01": "stoke_2025"}}
    assert stoke.params.get("schemes.active", "2027-03-31") == "home"
    assert stoke.params.get("schemes.active", "2027-04-01") == "stoke_2025"
    same = params.with_overrides({"schemes.active": {"2027-04-01": "worcestershire_2024"}})
    from eyanalysis.rules.scenarios import Scenario

    worcs = Scenario("Worcestershire 2024 as a scheme", "", {}, same)
    inputs = Inputs.from_dataset(load(tables=["attendance", "children", "settings"]))
    fc = run(inputs, [baseline(params), stoke, worcs], "2027-SPR", 3, paths=0)
    t = fc.table.set_index(["scenario", "term"])
    # before the switch, nothing changes; after it, the termly tiers cost something else
    assert t.loc[(stoke.name, "2027-SPR"), "supplement"] == t.loc[("Baseline", "2027-SPR"),
                                                                  "supplement"]
    assert t.loc[(stoke.name, "2027-SUM"), "supplement"] != t.loc[("Baseline", "2027-SUM"),
                                                                  "supplement"]
    # the home rules as a scheme cost what the home engine costs (F1-F10), to rounding
    for term in ("2027-SUM", "2027-AUT"):
        home = t.loc[("Baseline", term)]
        assert abs(t.loc[(worcs.name, term), "supplement"] - home["supplement"]) <= (
            0.005 * home["children"])


# -- the budget planner's view and the notebook section (S2: the range and its assumptions) ---

def test_schemes_view_shows_the_range_and_the_crosswalk_under_the_chart(params, example):
    from eyanalysis.apps.schemes import view

    comparison = compare(example, "2026-04-01", None, params)
    box = view(comparison)
    controls, chart_box, assumptions, totals = box.children
    fig = chart_box.children[0]
    error = [t for t in fig.data if t.error_y is not None and t.error_y.array is not None]
    assert len(error) == 1 and len(error[0].x) == len(comparison.schemes)
    assert "Crosswalk assumptions" in assumptions.value
    assert ("Graduated Response 4, tier2 (low estimate) or tier3 (central and high estimates)"
            in assumptions.value)
    assert "£6,011.00" in totals.value and "£3,894.50" in totals.value  # Herefordshire
    grouping, picker = controls.children
    picker.value = ("stoke_2025",)
    grouping.value = "Setting type"
    assert "Herefordshire" not in assumptions.value and "Stoke" in assumptions.value
    assert fig.comm is None  # the chart was replaced, and the old one closed
    fig = chart_box.children[0]
    assert "by setting type" in fig.layout.title.text
    assert {t.name for t in fig.data} >= {"not specialist", "Low-high range"}
    assert fig.layout.width == 1100 and fig.layout.plot_bgcolor == "white"  # house style


@settings(max_examples=60, deadline=None)
@given(rows_st)
def test_property_a_childs_termly_band_is_shared_between_settings_to_the_penny(params, rows):
    """S1: a per-term sum (no hours adjustment) is shared between a child's settings by
    claimable hours; the shares add up to the band, give or take a penny per setting (F10)."""
    uniq = {(c, s): (c, s, lvl, h) for c, s, lvl, h, *_ in rows}
    level = {c: lvl for c, _, lvl, _ in uniq.values()}
    att = pd.DataFrame([{"child_id": f"c{c}", "setting_id": f"S{s}", "level": level[c],
                         "hours_per_week": h, "weeks": 12.0, "funding_age": "3-4"}
                        for c, s, _, h in uniq.values()])
    lambeth = schemes.Scheme.from_parameters("lambeth_2023", "2026-04-01", params)
    rows_out = schemes.cost(att, lambeth, "central", params)
    per_child = rows_out.assign(child=att["child_id"].to_numpy()).groupby("child")
    for child, got in per_child:
        lvl = level[int(child[1:])]
        band = lambeth.crosswalk[lvl]["central"]
        hours = att.loc[att["child_id"] == child, "hours_per_week"].sum()
        want = 0 if band == "none" or hours == 0 else int(lambeth.bands[band].amount * 100)
        assert abs(int(got["term_pence"].sum()) - want) <= len(got) - 1 or (
            want == 0 and got["term_pence"].sum() == 0)


def test_the_notebook_shows_the_schemes_and_the_setting_level_funds_as_tables(params, sample):
    """The planner's notebook section (S2, I1): the summary and the setting-level money as
    formatted tables (names, pounds to the penny), not data frames of codes and pence."""
    from eyanalysis.analysis.schemes import compare_term, setting_funds
    from eyanalysis.present import schemes as scheme_view

    comparison, caseload = compare_term(sample, "2026-AUT", params=params)
    html_ = scheme_view.summary_view(comparison).data
    devon = comparison.summary.set_index("scheme").loc["devon_2026"]
    assert comparison.schemes["devon_2026"].name in html_
    assert f"£{int(devon['term_central']) / 100:,.2f}" in html_ and "_pence" not in html_
    funds = setting_funds(comparison, caseload, params)
    frame, spec = scheme_view.setting_funds_table(funds, comparison, sample.settings, top=5)
    assert len(frame) == 5 and list(spec.columns) == ["setting", "devon_2026_uplift_pence",
                                                      "ieyf_pence"]
    assert spec.columns["ieyf_pence"].kind == "pence"
    totals = funds[["devon_2026_uplift_pence", "ieyf_pence"]].sum(axis=1)
    assert frame["devon_2026_uplift_pence"].add(frame["ieyf_pence"]).tolist() == \
        sorted(totals, reverse=True)[:5]  # the settings with the most, largest first
    names = sample.settings.set_index("setting_id")["name"]
    first = funds.loc[totals.idxmax(), "setting_id"]
    assert frame["setting"].iloc[0] == f"{names[first]} ({first})"

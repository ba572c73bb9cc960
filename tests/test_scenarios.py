"""Scenarios as data (issue #5): shipped files load; bad files are refused by name."""

from __future__ import annotations

from decimal import Decimal

import pytest

from eyanalysis.errors import ScenarioError
from eyanalysis.rules.rates import Rates
from eyanalysis.rules.scenarios import load_scenario, load_scenarios, scenario_files


def test_every_shipped_scenario_loads(params):
    files = scenario_files(params.root)
    assert len(files) >= 5
    loaded = load_scenarios(files, params)
    assert loaded[0].is_baseline
    assert all(s.description and s.overrides for s in loaded[1:])


def test_plus_ten_percent_file_is_ten_percent_on_every_top_up(params, root):
    sc = load_scenario(root / "parameters/scenarios/topups_plus_10pct.yaml", params)
    before = Rates.from_parameters("2027-03-31", sc.params)
    after = Rates.from_parameters("2027-04-01", sc.params)
    for level, rate in before.top_up.items():
        assert after.top_up[level] == rate * Decimal("1.1"), level


def test_eypp_scenario_only_differs_before_april_2026(params, root):
    sc = load_scenario(root / "parameters/scenarios/eypp_115.yaml", params)
    assert Rates.from_parameters("2025-09-01", sc.params).eypp == Decimal("1.15")
    assert Rates.from_parameters("2025-09-01", params).eypp == Decimal("1.00")
    assert Rates.from_parameters("2026-09-01", sc.params) == Rates.from_parameters(
        "2026-09-01", params)


@pytest.mark.parametrize(
    "body, words",
    [
        ("name: x\noverrides:\n  inclusion.top_up.GR9: {2027-04-01: 1.0}\n",
         ["inclusion.top_up.GR9", "unknown"]),
        ("name: x\noverrides:\n  eypp.rate: {2010-04-01: 1.0}\n", ["eypp.rate", "2010-04-01"]),
        ("name: x\noverrides:\n  eypp.rate: {April 2027: 1.0}\n", ["eypp.rate", "ISO"]),
        ("name: x\noverrides:\n  inclusion.top_up.GR3: {2027-04-01: -1.0}\n",
         ["inclusion.top_up.GR3", "non-negative"]),
        ("name: x\noverrides:\n  inclusion.split_rule: {2027-04-01: biggest}\n",
         ["inclusion.split_rule", "biggest"]),
        ("name: x\n", ["overrides"]),
        ("overrides:\n  eypp.rate: {2027-04-01: 1.0}\n", ["name"]),
    ],
)
def test_bad_scenarios_are_refused_naming_the_file_and_path(tmp_path, params, body, words):
    f = tmp_path / "bad_scenario.yaml"
    f.write_text(body, encoding="utf-8")
    with pytest.raises(ScenarioError) as err:
        load_scenario(f, params)
    message = str(err.value)
    assert "bad_scenario.yaml" in message
    for word in words:
        assert word in message


def test_duplicate_names_are_refused(tmp_path, params):
    body = "name: Same\noverrides:\n  eypp.rate: {2027-04-01: 1.2}\n"
    (tmp_path / "a.yaml").write_text(body)
    (tmp_path / "b.yaml").write_text(body)
    with pytest.raises(ScenarioError, match="b.yaml"):
        load_scenarios([tmp_path / "a.yaml", tmp_path / "b.yaml"], params)

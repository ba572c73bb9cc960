"""Every parameter file is well formed and dated; the loader answers by date (F1-F7, P1)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from eyanalysis.errors import ParameterDateError, ParameterError
from eyanalysis.parameters import check_file, load_parameters, parameter_files
from tests.conftest import ROOT

FILES = parameter_files(ROOT / "parameters")


def test_there_are_parameter_files():
    assert len(FILES) >= 9


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT / "parameters")))
def test_every_parameter_file_is_well_formed(path):
    # description, unit, label, references with href or seed page, ISO dates ascending,
    # known breakdown keys (levels, funding ages, term seasons), choices among options
    assert check_file(path, ROOT / "parameters") == []


BAD_FILES = {
    "no description": "metadata: {unit: x, label: y, reference: [{title: t, page: 1}]}\n"
                      "values: {2015-04-01: 1}",
    "no unit": "description: d\nmetadata: {label: y, reference: [{title: t, page: 1}]}\n"
               "values: {2015-04-01: 1}",
    "no label": "description: d\nmetadata: {unit: x, reference: [{title: t, page: 1}]}\n"
                "values: {2015-04-01: 1}",
    "reference without href or page": "description: d\nmetadata: {unit: x, label: y, "
                                      "reference: [{title: t}]}\nvalues: {2015-04-01: 1}",
    "no reference": "description: d\nmetadata: {unit: x, label: y}\nvalues: {2015-04-01: 1}",
    "dates descending": "description: d\nmetadata: {unit: x, label: y, reference: "
                        "[{title: t, page: 1}]}\nvalues: {2016-04-01: 1, 2015-04-01: 2}",
    "not an ISO date": "description: d\nmetadata: {unit: x, label: y, reference: "
                       "[{title: t, page: 1}]}\nvalues: {01/04/2015: 1}",
    "unknown level key": "description: d\nmetadata: {unit: x, label: y, breakdown: level, "
                         "reference: [{title: t, page: 1}]}\nvalues: {GR9: {2015-04-01: 1}}",
    "negative money": "description: d\nmetadata: {unit: GBP per hour, label: y, reference: "
                      "[{title: t, page: 1}]}\nvalues: {2015-04-01: -0.10}",
    "choice not in options": "description: d\nmetadata: {unit: choice, label: y, options: "
                             "[a, b], reference: [{title: t, page: 1}]}\n"
                             "values: {2015-04-01: c}",
    "band id that is not an identifier": "description: d\nmetadata: {unit: GBP per term, "
                                         "label: y, breakdown: band, reference: [{title: t, "
                                         "page: 1}]}\nvalues: {'tier 2': {2025-09-01: 450}}",
    "negative amount in a band's columns": "description: d\nmetadata: {unit: GBP per term, "
                                           "label: y, breakdown: band, reference: [{title: t, "
                                           "page: 1}]}\nvalues: {A1: {2024-04-01: {value: "
                                           "{h15: -1, h30: 2}}}}",
    "unknown hours_basis key": "description: d\nmetadata: {unit: x, label: y, breakdown: "
                               "hours_basis, reference: [{title: t, page: 1}]}\n"
                               "values: {weekly_hours: {2025-09-01: 15}}",
    "value reference without href": "description: d\nmetadata: {unit: x, label: y, reference: "
                                    "[{title: t, page: 1}]}\nvalues: {2015-04-01: {value: 1, "
                                    "reference: [{title: t}]}}",
}


@pytest.mark.parametrize("name", BAD_FILES)
def test_the_file_check_catches_each_fault(tmp_path, name):
    path = tmp_path / "bad.yaml"
    path.write_text(BAD_FILES[name])
    assert check_file(path) != []


def test_a_malformed_file_stops_the_loader_naming_it(tmp_path):
    (tmp_path / "x.yaml").write_text(BAD_FILES["no unit"])
    with pytest.raises(ParameterError, match=r"x\.yaml: metadata\.unit is missing"):
        load_parameters(tmp_path)


@pytest.mark.parametrize(
    ("path", "on", "expected"),
    [
        ("inclusion.top_up.GR1", "2015-04-01", "0.14"),
        ("inclusion.top_up.GR2", "2020-01-01", "0.74"),
        ("inclusion.top_up.GR3", "2024-03-31", "1.44"),
        ("inclusion.top_up.GR3", "2024-04-01", "1.60"),
        ("inclusion.top_up.GR4", "2025-09-01", "2.86"),
        ("inclusion.exceptional_component", "2015-09-01", "3.60"),
        ("eypp.rate", "2022-03-31", "0.53"),
        ("eypp.rate", "2023-09-01", "0.66"),
        ("eypp.rate", "2026-11-23", "1.15"),
        ("nef.base_rate.3-4", "2025-04-01", "5.37"),
        ("nef.base_rate.2", "2024-04-01", "7.05"),
        ("nef.weekly_hour_cap", "2026-01-01", "15"),
    ],
)
def test_value_in_force_on_a_date(params, path, on, expected):
    assert Decimal(params.get(path, on)) == Decimal(expected)


def test_numbers_are_read_exactly_not_as_floats(params):
    assert isinstance(params.get("inclusion.top_up.GR1", "2015-04-01"), Decimal)


def test_a_date_before_the_first_value_is_refused_clearly(params):
    with pytest.raises(ParameterDateError, match="no value before 2015-04-01.*top_up.yaml"):
        params.get("inclusion.top_up.GR3", dt.date(2015, 3, 31))


def test_unknown_path_is_refused_with_a_hint(params):
    with pytest.raises(ParameterError, match="Did you mean inclusion.top_up.GR3"):
        params.get("top_up.GR3", "2020-01-01")


def test_overrides_apply_from_their_date_only(params):
    changed = params.with_overrides({"inclusion.top_up.GR3": {"2027-04-01": Decimal("1.76")}})
    assert changed.get("inclusion.top_up.GR3", "2027-03-31") == Decimal("1.60")
    assert changed.get("inclusion.top_up.GR3", "2027-04-01") == Decimal("1.76")
    assert params.get("inclusion.top_up.GR3", "2027-04-01") == Decimal("1.60")  # untouched


def test_override_before_first_value_is_refused(params):
    with pytest.raises(ParameterDateError, match="my.yaml: inclusion.top_up.GR3"):
        params.with_overrides({"inclusion.top_up.GR3": {"2010-01-01": 1}}, source="my.yaml")


def test_in_base_rate_by_age_and_date(params):  # F5
    assert set(params.get("inclusion.in_base_rate.2", "2015-09-01")) == {"GR1", "GR2"}
    assert params.get("inclusion.in_base_rate.3-4", "2015-09-01") == []
    assert params.get("inclusion.in_base_rate.3-4", "2024-04-01") == ["GR1"]


def test_rule_choices_are_named(params):  # F3, F4
    assert params.get("inclusion.split_rule", "2025-01-01") == "pro_rata"
    assert params.get("inclusion.specialist_rule", "2025-01-01") == "specialist_takes_all"


def test_term_weeks_make_a_38_week_year(params):  # F7
    weeks = [params.get(f"nef.term_weeks.{s}", "2025-09-01") for s in ("AUT", "SPR", "SUM")]
    assert sum(weeks) == 38

"""Words and numbers in GOV.UK style (PRESENTATION.md; issue #11): one formatter for every
output, money exact from pence (F10), never a fraction of a child, GSS symbols."""

from __future__ import annotations

import ast
import datetime as dt
from decimal import Decimal

import numpy as np
import pytest

from eyanalysis.errors import PresentationError
from eyanalysis.present import format as fmt
from tests.conftest import ROOT


@pytest.mark.parametrize("value, text", [
    (0, "0"), (7, "7"), (1234, "1,234"), (1234567, "1,234,567"), (np.int64(6459), "6,459"),
    (12.0, "12"), (-3, "-3"), ("c", "[c]"), ("[x]", "[x]"),
])
def test_counts_have_thousands_separators(value, text):
    assert fmt.count(value) == text


@pytest.mark.parametrize("value", [9314.9, 0.5, Decimal("2.25")])
def test_a_count_never_shows_a_fraction_of_a_child(value):
    with pytest.raises(PresentationError, match="children\\(\\)"):
        fmt.count(value)


@pytest.mark.parametrize("value, text", [
    (9314.9, "9,315"), (2.5, "3"), (3.5, "4"), (0.49, "0"), (Decimal("1234.5"), "1,235"),
])
def test_expected_children_round_half_up_to_whole_children(value, text):
    # babel alone would round 2.5 to 2 (half to even); the project rounds half up (F10)
    assert fmt.children(value) == text
    assert "rounded to whole children" in fmt.EXPECTED_NOTE


@pytest.mark.parametrize("pence, text", [
    (0, "£0.00"), (5, "£0.05"), (1234, "£12.34"), (123456, "£1,234.56"),
    (1168650, "£11,686.50"), (-500, "-£5.00"), (np.int64(30210), "£302.10"),
])
def test_money_in_tables_is_exact_to_the_penny_from_pence(pence, text):
    assert fmt.money(pence) == text


def test_money_refuses_a_fraction_of_a_penny():
    with pytest.raises(PresentationError, match="integer pence"):
        fmt.money(1234.5)


@pytest.mark.parametrize("pence, text", [
    (1234550, "£12,346"),            # under £100,000: whole pounds, half up
    (1230000, "£12,300"),
    (9999949, "£99,999"),
    (9999950, "£100k"),              # rounds to £100,000: shown in thousands
    (34012345, "£340k"),
    (99949999, "£999k"),
    (99950000, "£1m"),               # £999,500 reads as £1m, not £1,000k
    (120000000, "£1.2m"),
    (1234567890, "£12.3m"),
    (12345678901, "£123m"),
    (-1230000, "-£12,300"),
])
def test_rounded_money_for_headlines_and_axes_states_its_unit(pence, text):
    assert fmt.money_rounded(pence) == text


def test_a_money_range_reads_as_a_range():
    """A forecast's expected cost with its P10-P90 range (the planner's headline): the
    places of millions grow until the figures differ, never "£1.7m and £1.7m"."""
    assert fmt.money_range(166346603, 165248572, 167432332) == ["£1.66m", "£1.65m", "£1.67m"]
    assert fmt.money_range(166346603, 166348572) == ["£1.663m", "£1.663m"]  # at most three
    assert fmt.money_range(120000000, 150000000) == ["£1.2m", "£1.5m"]  # one place suffices
    assert fmt.money_range(34012345, 34512345) == ["£340k", "£345k"]
    assert fmt.money_rounded(166346603, 2) == "£1.66m"


@pytest.mark.parametrize("fraction, text", [
    (0.1234, "12.3%"), (0.1225, "12.3%"), (1, "100.0%"), (0.0005, "0.1%"), (0, "0.0%"),
    (Decimal("0.61904"), "61.9%"),
])
def test_percentages_have_one_decimal_rounded_half_up(fraction, text):
    assert fmt.percent(fraction) == text


def test_rates_keep_at_least_two_decimals():
    assert fmt.rate(Decimal("1.6")) == "£1.60"
    assert fmt.rate(Decimal("3.146")) == "£3.146"


def test_signed_changes_in_tables():
    assert [fmt.signed(v) for v in (7, -3, 0, 1234, "c")] == ["+7", "-3", "0", "+1,234", "[c]"]


def test_dates_and_terms_in_text():
    assert fmt.date(dt.date(2026, 12, 1)) == "1 December 2026"
    assert fmt.date("2026-04-01") == "1 April 2026"
    assert fmt.term("2026-AUT") == "Autumn 2026"
    assert fmt.term("2027-SPR") == "Spring 2027"
    assert fmt.date_range("2026-04-01", "2026-08-31") == "1 April to 31 August 2026"
    assert fmt.date_range("2026-09-01", "2027-01-31") == "1 September 2026 to 31 January 2027"


@pytest.mark.parametrize("args, kwargs, text", [
    ((41, 34), {"since": "2026-SUM"}, "up 7 since Summer 2026"),
    ((30, 34), {}, "down 4"),
    ((34, 34), {"since": "2026-SUM"}, "no change since Summer 2026"),
    ((1000000, 2230000), {"kind": "pence"}, "down £12,300"),
    ((250000000, 130000000), {"kind": "pence", "since": "the same term last year"},
     "up £1.2m since the same term last year"),
    ((0.25, 0.2), {"kind": "percent"}, "up 5.0 percentage points"),
    (("c", 34), {"since": "2026-SUM"}, "change not shown [c]"),
    ((41, "x"), {}, "change not shown [x]"),
])
def test_changes_in_words(args, kwargs, text):
    assert fmt.change(*args, **kwargs) == text


def test_provisional_wording_comes_from_one_function():
    assert fmt.provisional("2026-12-01") == "so far this term, counted on 1 December 2026"
    assert fmt.period("2026-AUT", "2026-12-01") == (
        "Autumn 2026, so far this term, counted on 1 December 2026")
    assert fmt.period("2026-SUM") == "Summer 2026 (1 April to 31 August 2026)"
    assert fmt.period("2026-SUM", "2026-12-01") == "Summer 2026 (1 April to 31 August 2026)"


def test_quantities_in_sentences():
    assert fmt.quantity(1, "setting") == "1 setting"
    assert fmt.quantity(41, "setting") == "41 settings"
    assert fmt.quantity(0, "child", "children") == "no children"
    assert fmt.quantity("c", "setting") == "a small number of settings [c]"
    assert fmt.quantity(6459, "child", "children") == "6,459 children"


def test_symbols_are_bracketed_and_explained_in_gss_order():
    key = fmt.symbol_key(["low", "c"], limit=6)
    assert [line.split(" ")[0] for line in key] == ["[c]", "[low]"]
    assert "a count from 1 to 5" in key[0]
    assert "a count from 1 to 9" in fmt.symbol_key(["[c]"], limit=10)[0]
    assert fmt.symbol_key([], limit=6) == []
    assert {s.text for s in fmt.SYMBOLS.values()} == {"[c]", "[x]", "[z]", "[low]"}


def test_symbol_key_defaults_to_the_disclosure_threshold_parameter(params):
    limit = int(params.get("disclosure.threshold", dt.date.today()))
    assert f"a count from 1 to {limit - 1}," in fmt.symbol_key(["c"])[0]


def test_a_bare_code_is_a_symbol_only_where_numbers_are_expected():
    assert fmt.cell("c", "count") == "[c]"
    assert fmt.cell("x", "text") == "x"  # a label that happens to be a letter
    assert fmt.cell("[x]", "text") == "[x]"
    assert fmt.symbols_in([1, "c", "[z]", "text", "c"]) == ["c", "z"]


@pytest.mark.parametrize("value", [None, float("nan"), np.nan])
def test_a_missing_value_must_be_given_its_symbol(value):
    with pytest.raises(PresentationError, match=r"\[x\]"):
        fmt.cell(value, "count")


def test_unknown_column_kind_is_refused():
    with pytest.raises(PresentationError, match="unknown column kind"):
        fmt.cell(1, "pounds")


def test_symbol_strings_live_only_in_the_format_module():
    """The bracketed GSS strings are written once (issue #11): no other module has them as
    a string in its code (docstrings and comments may mention them)."""
    symbols = {"[c]", "[x]", "[z]", "[low]"}
    offenders = []
    for path in (ROOT / "eyanalysis").rglob("*.py"):
        if path.name == "format.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and node.value in symbols:
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []


def test_first_upper_capitalises_the_first_letter_and_keeps_the_rest():
    assert fmt.first_upper("no applications at GR4") == "No applications at GR4"
    assert fmt.first_upper("13 applications") == "13 applications"
    assert fmt.first_upper("") == ""

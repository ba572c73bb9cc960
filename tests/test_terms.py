"""Term ids, funding age (F6) and school entry."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from eyanalysis.rules import terms


def test_term_arithmetic():
    assert terms.shift("2025-AUT", 1) == "2026-SPR"
    assert terms.shift("2026-SPR", -1) == "2025-AUT"
    assert terms.shift("2025-SUM", 1) == "2025-AUT"
    assert terms.start("2026-SUM") == dt.date(2026, 4, 1)
    assert terms.end("2025-AUT") == dt.date(2025, 12, 31)
    assert terms.containing(dt.date(2026, 3, 31)) == "2026-SPR"


@pytest.mark.parametrize("bad", ["2025-WIN", "25-AUT", "2025AUT", ""])
def test_bad_term_ids_are_refused(bad):
    with pytest.raises(terms.TermError, match="YYYY-AUT"):
        terms.parse(bad)


@pytest.mark.parametrize(
    ("birth_month", "term", "age"),
    [
        # third birthday in October 2025 (autumn term) -> 3-4 from spring 2026 (F6)
        ("2022-10", "2025-AUT", "2"),
        ("2022-10", "2026-SPR", "3-4"),
        # birthday in January (spring term) -> 3-4 from summer
        ("2023-01", "2026-SPR", "2"),
        ("2023-01", "2026-SUM", "3-4"),
        # birthday in August (summer term) -> 3-4 from autumn
        ("2022-08", "2025-SUM", "2"),
        ("2022-08", "2025-AUT", "3-4"),
        # birthday on the first month of a term still counts in that term
        ("2022-09", "2025-AUT", "2"),
    ],
)
def test_F6_funding_age_from_the_term_after_the_third_birthday(birth_month, term, age):
    assert terms.funding_age(pd.Series([birth_month]), term).iloc[0] == age


def test_school_entry_is_september_after_fourth_birthday():
    entry = terms.school_entry(pd.Series(["2021-08", "2021-09", "2022-01"]))
    assert list(entry) == ["2025-AUT", "2026-AUT", "2026-AUT"]


def test_a_term_is_counted_at_its_end_or_today_while_it_runs():
    assert terms.counted_at("2025-AUT", dt.date(2026, 11, 23)) == dt.date(2025, 12, 31)
    assert terms.counted_at("2026-AUT", dt.date(2026, 11, 23)) == dt.date(2026, 11, 23)


def test_a_term_id_is_written_in_the_digits_0_to_9():
    """Python's ``\\d`` matches full-width digits too: ``２０２５-AUT`` read as a term would
    be a term of its own in every grouping by term, so it is refused like any bad id."""
    assert terms.index("2025-AUT") == terms.index("2025-SUM") + 1
    with pytest.raises(terms.TermError, match="is not a term id"):
        terms.index("２０２５-AUT")

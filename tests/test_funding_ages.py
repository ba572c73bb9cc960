"""Funding ages under-2, 2 and 3-4 (F6'), and which are funded on a date."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from eyanalysis.rules import terms
from eyanalysis.rules.rates import Rates, first_funded
from eyanalysis.vocabulary import BREAKDOWNS, FUNDING_AGES


@pytest.mark.parametrize(
    ("birth_month", "term", "age"),
    [
        # 9 months in October 2025 (autumn term) -> under-2 from spring 2026 (F6')
        ("2025-01", "2025-AUT", None),
        ("2025-01", "2026-SPR", "under-2"),
        # 9 months in March 2025 (spring) -> under-2 from summer 2025
        ("2024-06", "2025-SPR", None),
        ("2024-06", "2025-SUM", "under-2"),
        # 9 months in the first month of a term still counts in that term
        ("2024-12", "2025-AUT", None),
        ("2024-12", "2026-SPR", "under-2"),
        # second birthday in November 2025 (autumn) -> 2 from spring 2026
        ("2023-11", "2025-AUT", "under-2"),
        ("2023-11", "2026-SPR", "2"),
        # second birthday in August (summer) -> 2 from autumn
        ("2023-08", "2025-SUM", "under-2"),
        ("2023-08", "2025-AUT", "2"),
        # third birthday in January 2026 (spring) -> 3-4 from summer 2026 (F6)
        ("2023-01", "2026-SPR", "2"),
        ("2023-01", "2026-SUM", "3-4"),
    ],
)
def test_F6_prime_funding_age_from_the_term_after_each_birthday(birth_month, term, age):
    got = terms.funding_age(pd.Series([birth_month]), term).iloc[0]
    assert (pd.isna(got) and age is None) or got == age


def test_F6_prime_a_child_too_young_is_reported_as_missing_not_as_a_code():
    ages = terms.funding_age(pd.Series(["2026-06", "2025-01", "2022-01"]), "2026-AUT")
    assert ages.isna().tolist() == [True, False, False]
    assert ages.dtype == "string"
    assert set(ages.dropna()) <= set(FUNDING_AGES)


def test_F6_prime_funding_age_per_row_terms():
    # born March 2024: 9 months in December 2024, 2 in March 2026, 3 in March 2027
    born = pd.Series(["2024-03", "2024-03", "2024-03", "2024-03"])
    term = pd.Series(["2024-AUT", "2025-SPR", "2026-SUM", "2027-SUM"])
    assert terms.funding_age(born, term).fillna("none").tolist() == [
        "none", "under-2", "2", "3-4"]


def test_under_2_is_a_funding_age_with_a_label():
    assert list(FUNDING_AGES) == ["under-2", "2", "3-4"]
    assert FUNDING_AGES.label("under-2") == "Children from 9 months to 2 years"
    assert FUNDING_AGES.short("under-2") == "Under 2"
    assert tuple(BREAKDOWNS["funding_age"]) == tuple(FUNDING_AGES)


@pytest.mark.parametrize(
    ("on", "funded"),
    [
        ("2015-09-01", ("2", "3-4")),
        ("2024-08-31", ("2", "3-4")),  # the 9-month entitlement began on 1 September 2024
        ("2024-09-01", ("under-2", "2", "3-4")),
        ("2026-11-23", ("under-2", "2", "3-4")),
    ],
)
def test_F6_prime_which_ages_are_funded_on_a_date(params, on, funded):
    rates = Rates.from_parameters(on, params)
    assert rates.funded_ages == funded
    assert set(rates.in_base_rate) == set(funded)


def test_F5_under_2_base_rate_holds_gr1_and_gr2(params):
    # Worcestershire: GR1 "already included within all NEF hourly rates", GR2 "3 and 4
    # year olds only"
    rates = Rates.from_parameters("2025-09-01", params)
    assert rates.in_base_rate["under-2"] == {"GR1", "GR2"}
    assert first_funded("under-2", params) == dt.date(2024, 9, 1)
    assert first_funded("2", params) == dt.date(2015, 4, 1)


def test_under_2_base_rate_from_september_2024(params):
    assert str(params.get("nef.base_rate.under-2", "2024-09-01")) == "9.59"
    assert str(params.get("nef.base_rate.under-2", "2025-04-01")) == "9.93"
    with pytest.raises(terms.EyAnalysisError, match="no value before 2024-09-01"):
        params.get("nef.base_rate.under-2", "2024-08-31")

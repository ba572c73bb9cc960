"""Levels, their order and their former names (L1-L2), and school equivalents (W p. 8)."""

from __future__ import annotations

import pandas as pd
import pytest

from eyanalysis.rules import levels


@pytest.mark.parametrize(
    ("name", "level"),
    [
        ("Early Years Action", "GR1"),
        ("EYA", "GR1"),
        ("Graduated Response 1", "GR1"),
        ("EYA+ Low", "GR2"),
        ("EYA + Low", "GR2"),
        ("Early Years Action Plus Low", "GR2"),
        ("Graduated Response 3", "GR3"),
        ("EYA+ Med", "GR3"),
        ("Early Years Action Plus Medium", "GR3"),
        ("EYA+ High", "GR4"),
        ("gr4", "GR4"),
        ("GR 4", "GR4"),
        ("Exceptional", "EXC"),
        ("Exceptional Early Years Funding", "EXC"),
        ("  normal entitlement ", "NE"),
    ],
)
def test_L1_former_and_full_names_map_to_ids(name, level):
    assert levels.normalise(pd.Series([name])).iloc[0] == level


@pytest.mark.parametrize("name", ["GR5", "EYA+ Extreme", "", "Wave 1"])
def test_L1_unknown_names_are_not_guessed(name):
    assert pd.isna(levels.normalise(pd.Series([name])).iloc[0])


def test_L1_levels_are_ordered():
    ids = levels.normalise(pd.Series(["Exceptional", "EYA", "NE", "GR4", "EYA+ Low", "GR3"]))
    assert list(ids.sort_values()) == ["NE", "GR1", "GR2", "GR3", "GR4", "EXC"]
    assert ids.cat.codes.iloc[0] > ids.cat.codes.iloc[3]  # EXC above GR4


@pytest.mark.parametrize(
    ("level", "wave"),
    [("GR1", "Wave 1"), ("GR2", "Wave 2/3"), ("GR3", "Wave 3"), ("GR4", "Top-up funding"),
     ("EXC", "Top-up funding or Education Health Care Plan")],
)
def test_school_wave_mapping(level, wave):
    assert levels.school_equivalent(pd.Series([level])).iloc[0] == wave

"""Prediction grids worked by hand (F8, F10, E2, D1), from tests/cases/prediction.yaml."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest
import yaml

from eyanalysis.data.claims_file import read_attendance
from eyanalysis.rules.grid import GRID_COLUMNS, as_published, grid
from eyanalysis.rules.rates import Rates
from tests.conftest import ROOT, claims

CASES = yaml.safe_load((ROOT / "tests/cases/prediction.yaml").read_text())


def expected_grid(text: str) -> pd.DataFrame:
    rows = [line.split() for line in text.strip().splitlines()]
    return pd.DataFrame(
        [{"setting_id": s, "level": lvl, "children": int(n),
          "nef_hours": None if h == "-" else Decimal(h),
          "rate": "" if r == "-" else r, "amount": a} for s, lvl, n, h, r, a in rows]
    )


def case_input(case) -> pd.DataFrame:
    if "input" in case:
        settings = ROOT / case["settings"] if case.get("settings") else None
        return read_attendance(ROOT / case["input"], settings)
    return claims(case["rows"])


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_F8_grid_matches_hand_worked_case(params, case):
    rates = Rates.from_parameters(str(case["rates_on"]), params)
    got = as_published(grid(case_input(case), rates))
    want = expected_grid(case["grid"])
    assert list(got.columns) == GRID_COLUMNS
    assert got[["setting_id", "level", "children", "rate", "amount"]].to_dict("records") == \
        want[["setting_id", "level", "children", "rate", "amount"]].to_dict("records")
    assert [None if pd.isna(h) else Decimal(str(h)) for h in got.nef_hours] == list(
        want.nef_hours)


def test_F10_grid_amount_is_the_sum_of_rounded_child_amounts(params):
    # three children at 0.5 h for one week at £0.53: 3 x 27p, not 3 x 26.5p rounded once
    rates = Rates.from_parameters("2015-09-01", params)
    att = claims("a S1 NE 0.5 1 3-4 true\nb S1 NE 0.5 1 3-4 true\nc S1 NE 0.5 1 3-4 true")
    out = grid(att, rates)
    assert out.loc[out.level == "EYPP", "amount_pence"].item() == 81


def test_grid_has_every_level_row_even_at_zero_and_total_last(params):
    rates = Rates.from_parameters("2025-09-01", params)
    out = grid(claims("a S9 NE 15 12 3-4").drop(columns="eypp"), rates)
    assert out.level.tolist() == ["GR1", "GR2", "GR3", "GR4", "EXC", "TOTAL"]
    assert (out.children == 0).all() and (out.amount_pence == 0).all()


def test_total_is_the_sum_of_the_level_rows(params):
    rates = Rates.from_parameters("2015-09-01", params)
    att = read_attendance(ROOT / "eyanalysis/data/example/attendance.csv",
                          ROOT / "eyanalysis/data/example/settings.csv")
    out = grid(att, rates)
    levels = out[~out.level.isin(["TOTAL", "EYPP"])].groupby("setting_id")[
        ["children", "amount_pence"]].sum()
    totals = out[out.level == "TOTAL"].set_index("setting_id")[["children", "amount_pence"]]
    pd.testing.assert_frame_equal(levels, totals)

"""Disclosure control: primary and secondary suppression, money, GSS symbols."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from eyanalysis.present.disclosure import CONFIDENTIAL, is_safe, secondary, suppress, threshold


def test_threshold_is_a_dated_parameter_defaulting_to_6(params):
    assert threshold("2026-11-23", params) == 6


def test_counts_1_to_5_become_c_and_a_true_zero_stays():
    t = pd.DataFrame({"group": list("abcdefg"), "n": [0, 1, 5, 6, 20, 3, 4]})
    out = suppress(t, ["n"], limit=6)
    assert out.n.tolist() == [0, "c", "c", 6, 20, "c", "c"]


def test_secondary_suppression_protects_row_totals():
    # Row a: 3 is small; with the total shown, 3 = 30 - 12 - 15: hide the next smallest (12).
    t = pd.DataFrame({"row": ["a", "b"], "x": [3, 40], "y": [12, 50], "z": [15, 60],
                      "total": [30, 150]})
    out = suppress(t, ["x", "y", "z", "total"], limit=6)
    assert out.loc[0, ["x", "y", "z", "total"]].tolist() == ["c", "c", 15, 30]


def test_secondary_suppression_protects_column_totals():
    t = pd.DataFrame({"row": ["a", "b", "c", "Total"], "n": [2, 30, 40, 72]})
    out = suppress(t, ["n"], limit=6, total_row=True)
    assert out.n.tolist() == ["c", "c", 40, 72]


def test_money_of_a_suppressed_group_is_suppressed():
    t = pd.DataFrame({"level": ["GR3", "GR4", "EXC"], "children": [12, 4, 9],
                      "amount": ["1000.00", "500.00", "800.00"]})
    out = suppress(t, ["children"], money={"amount": "children"}, limit=6)
    assert out.amount.tolist()[1] == CONFIDENTIAL
    assert out.amount.tolist()[0] == "1000.00"


def test_is_safe_spots_a_visible_small_count():
    assert not is_safe(pd.DataFrame({"n": ["c", "3"]}), 6)
    assert is_safe(pd.DataFrame({"n": ["c", "0", "12"], "rate": ["1.60", "2.86"][:1] * 3}), 6)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.integers(0, 30), min_size=2, max_size=5), min_size=2, max_size=6)
       .filter(lambda rows: len({len(r) for r in rows}) == 1))
def test_property_no_suppressed_cell_can_be_recovered_from_totals(rows):
    body = np.array(rows)
    table = pd.DataFrame(body, columns=[f"c{i}" for i in range(body.shape[1])])
    table["total"] = body.sum(axis=1)
    table.loc[len(table)] = table.sum()
    cols = list(table.columns)
    out = suppress(table, cols, limit=6, total_row=True)
    hidden = (out[cols] == CONFIDENTIAL).to_numpy()
    values = table[cols].to_numpy()
    # every visible count is 0 or at least the threshold
    assert not ((~hidden) & (values > 0) & (values < 6)).any()
    # no row or column of the body holds exactly one hidden cell unless its partner
    # candidates are all zero (then the total is small and hidden too)
    for line, vals in [(hidden[i], values[i]) for i in range(len(values) - 1)] + [
            (hidden[:-1, j], values[:-1, j]) for j in range(values.shape[1])]:
        if line.sum() == 1:
            assert (vals[~line] == 0).all()


def test_secondary_never_hides_zeros():
    counts = np.array([[3, 0, 10]])
    hidden = secondary(counts, np.array([[True, False, False]]))
    assert hidden.tolist() == [[True, False, True]]  # the partner is 10, not the zero
    assert not secondary(np.array([[3, 0]]), np.array([[True, False]]))[0, 1]

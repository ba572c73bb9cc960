"""Disclosure control: primary and secondary suppression, money, GSS symbols."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from eyanalysis.present.disclosure import (
    CONFIDENTIAL,
    Shape,
    audit,
    is_safe,
    same,
    secondary,
    suppress,
    threshold,
)


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


@settings(max_examples=80, deadline=None)  # each example solves linear programmes (audit)
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


# -- the suppression audit (issue #15) ---------------------------------------------------------

def test_audit_finds_two_hidden_cells_sharing_a_total_of_2():
    # the case: a reader knows c >= 1 ("a true zero stays 0"), so both are 1
    published = pd.DataFrame({"kind": ["a", "b", "c", "Total"], "n": ["c", "c", 40, 42]})
    found = audit({"t": (published, Shape(("n",), total_row=True))})
    assert found[["row", "low", "high", "width"]].values.tolist() == [[0, 1, 1, 0], [1, 1, 1, 0]]


def test_audit_uses_relations_a_reader_knows():
    shape = Shape(("planned", "held", "missed"), relations=("held + missed <= planned",))
    published = pd.DataFrame({"planned": [9], "held": ["c"], "missed": [7]})
    assert audit({"t": (published, shape)})[["low", "high"]].values.tolist() == [[1, 2]]
    shape = Shape(("decided", "approved"), relations=("approved <= decided",))
    got = audit({"t": (pd.DataFrame({"decided": [12], "approved": ["c"]}), shape)})
    assert got[["low", "high"]].values.tolist() == [[1, 12]]
    # nothing bounds a lone hidden cell of a table without totals
    assert audit({"t": (pd.DataFrame({"n": ["c", 8]}), Shape(("n",)))}).high.tolist() == [
        np.inf]


def test_audit_follows_links_between_tables():
    a = pd.DataFrame({"n": ["c", "c", 20]})  # a total of 20
    b = pd.DataFrame({"m": [3, 60]})  # the same figure as a's first row, published here
    shape_a, shape_b = Shape(("n",), total_row=True), Shape(("m",))
    alone = audit({"a": (a, shape_a)})
    assert alone.width.tolist() == [18, 18]
    linked = audit({"a": (a, shape_a), "b": (b, shape_b)}, [same(("a", 0, "n"), ("b", 0, "m"))])
    assert linked[["low", "high"]].values.tolist() == [[3, 3], [17, 17]]


def test_the_audit_gives_the_same_bounds_through_linprog(sample, monkeypatch):
    """The audit warm-starts scipy's own HiGHS (``disclosure.highs``); where a scipy release
    has moved it, each bound is a ``linprog`` call: both give the same bounds on a real
    release (the children table of 2025-SPR, hidden cells, totals and relations)."""
    from eyanalysis.analysis import summary
    from eyanalysis.present import disclosure, report

    assert disclosure.highs() is not None  # the fast path is the one in use here
    table = report.published_tables(sample, summary.Counted.of("2025-SPR"))[
        "children_by_level"]
    tables = {"t": (table, Shape(("age_2", "age_3_4", "total"), True,
                                 ("total = age_2 + age_3_4",)))}
    fast = audit(tables)
    assert len(fast) >= 3 and (fast.width < np.inf).any()
    monkeypatch.setattr(disclosure, "highs", lambda: None)
    pd.testing.assert_frame_equal(audit(tables), fast)


def test_suppress_widens_until_every_hidden_cell_is_wide_enough():
    t = pd.DataFrame({"kind": ["a", "b", "c", "d", "Total"], "n": [1, 1, 40, 50, 92]})
    old = suppress(t, ["n"], limit=6, total_row=True, width=0)
    assert old.n.tolist() == ["c", "c", 40, 50, 92]  # 1 + 1 = 92 - 90: both recoverable
    new = suppress(t, ["n"], limit=6, total_row=True, width=6)
    assert new.n.tolist() == ["c", "c", "c", 50, 92]
    found = audit({"t": (new, Shape(("n",), total_row=True))})
    assert (found.width >= 6).all() and found.low.min() >= 1


def test_audit_width_is_a_dated_parameter_with_its_source(params, root):
    from eyanalysis.present.disclosure import audit_width

    assert audit_width("2026-11-23", params) == 6
    text = (root / "parameters/disclosure/audit_width.yaml").read_text()
    assert "href:" in text and "linear programming" in text


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(st.integers(0, 12), min_size=2, max_size=3), min_size=2, max_size=4)
       .filter(lambda rows: len({len(r) for r in rows}) == 1))
def test_property_suppressed_tables_pass_their_own_audit(rows):
    body = np.array(rows)
    table = pd.DataFrame(body, columns=[f"c{i}" for i in range(body.shape[1])])
    table["total"] = body.sum(axis=1)
    table.loc[len(table)] = table.sum()
    cols = list(table.columns)
    relation = "total = " + " + ".join(cols[:-1])
    out = suppress(table, cols, limit=6, total_row=True, relations=[relation], width=6)
    found = audit({"t": (out, Shape(tuple(cols), True, (relation,)))})
    values = table[cols].to_numpy()
    hidden = (out[cols] == CONFIDENTIAL).to_numpy()
    assert not ((~hidden) & (values > 0) & (values < 6)).any()
    # either wide enough, or every non-zero cell is already hidden (nothing more to hide)
    assert (found.width >= 6).all() or hidden[values > 0].all()

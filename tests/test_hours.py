"""Claimable hours: cap (F2), split (F3), specialist rule (F4), term hours (F7)."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from eyanalysis.rules.hours import claimable
from tests.conftest import claims


def weekly(out: pd.DataFrame) -> list[Fraction]:
    return [Fraction(int(n), int(d) * 100) for n, d in zip(out.weekly_num, out.weekly_den,
                                                          strict=True)]


def test_F2_one_setting_over_the_cap_is_capped():
    out = claimable(claims("c1 S1 GR2 30 12 3-4"), cap=15)
    assert weekly(out) == [15]
    assert out.term_hours.tolist() == [180.0]


def test_F2_under_the_cap_hours_are_kept():
    out = claimable(claims("c1 S1 GR2 12.5 11 3-4"), cap=15)
    assert weekly(out) == [Fraction(25, 2)] and out.term_hours.iloc[0] == pytest.approx(137.5)


def test_F3_pro_rata_split_of_the_cap():
    out = claimable(claims("c1 S1 GR3 10 12 3-4\nc1 S2 GR3 20 12 3-4"), cap=15)
    assert weekly(out) == [5, 10]


def test_F3_pro_rata_split_in_thirds_is_exact():
    out = claimable(claims("c1 S1 GR3 10 12 3-4\nc1 S2 GR3 12 12 3-4"), cap=15)
    shares = weekly(out)
    assert shares == [Fraction(75, 11), Fraction(90, 11)] and sum(shares) == 15


def test_F3_largest_first_fills_the_biggest_setting_first():
    att = claims("c1 S1 GR3 10 12 3-4\nc1 S2 GR3 12 12 3-4\nc1 S3 GR3 4 12 3-4")
    assert weekly(claimable(att, 15, split_rule="largest_first")) == [3, 12, 0]


def test_F3_under_the_cap_nothing_is_split():
    out = claimable(claims("c1 S1 GR3 5 12 3-4\nc1 S2 GR3 10 12 3-4"), cap=15)
    assert weekly(out) == [5, 10]


def test_F4_specialist_attended_for_15_hours_takes_all():
    att = claims("c1 S1 GR4 10 12 3-4 false false\nc1 SP GR4 15 12 3-4 false true")
    assert weekly(claimable(att, 15)) == [0, 15]


def test_F4_specialist_under_15_hours_is_split_like_any_setting():
    att = claims("c1 S1 GR4 10 12 3-4 false false\nc1 SP GR4 10 12 3-4 false true")
    assert weekly(claimable(att, 15)) == [Fraction(15, 2), Fraction(15, 2)]


def test_F4_rule_none_treats_specialist_like_others():
    att = claims("c1 S1 GR4 15 12 3-4 false false\nc1 SP GR4 15 12 3-4 false true")
    assert weekly(claimable(att, 15, specialist_rule="none")) == [Fraction(15, 2)] * 2


def test_F4_works_on_any_index():
    att = claims("c1 S1 GR4 10 12 3-4 false false\nc1 SP GR4 15 12 3-4 false true",
                 index=pd.Index([57, 12]))
    assert weekly(claimable(att, 15)) == [0, 15]


def test_children_are_capped_separately_and_per_term():
    att = claims("a S1 GR1 15 12 3-4\nb S1 GR1 15 12 3-4\na S2 GR1 15 12 3-4")
    assert weekly(claimable(att, 15)) == [Fraction(15, 2), 15, Fraction(15, 2)]
    att["term"] = ["2025-AUT", "2025-AUT", "2026-SPR"]
    assert weekly(claimable(att, 15)) == [15, 15, 15]


def test_unknown_rules_are_refused():
    with pytest.raises(Exception, match="split rule"):
        claimable(claims("a S1 GR1 15 12 3-4"), 15, split_rule="equal")


# -- properties -------------------------------------------------------------------------

hours_st = st.integers(min_value=0, max_value=5000).map(lambda h: h / 100)
visits = st.lists(
    st.tuples(st.integers(0, 6), st.integers(0, 4), hours_st, st.booleans()),
    min_size=1, max_size=40,
).map(lambda rows: list({(c, s): (c, s, h, sp) for c, s, h, sp in rows}.values()))


def frame(rows) -> pd.DataFrame:
    return pd.DataFrame({
        "child_id": [f"c{c}" for c, *_ in rows], "setting_id": [f"s{s}" for _, s, *_ in rows],
        "hours_per_week": [h for *_, h, _ in rows], "weeks": 12.0,
        "specialist": [sp for *_, sp in rows],
    })


@settings(max_examples=150, deadline=None)
@given(visits, st.sampled_from(["pro_rata", "largest_first"]),
       st.sampled_from(["specialist_takes_all", "none"]))
def test_property_no_child_above_the_cap_and_never_above_attended(rows, split, spec):
    att = frame(rows)
    out = claimable(att, 15, split, spec)
    shares = pd.Series(weekly(out), index=att.index)
    per_child = shares.groupby(att.child_id).sum()
    assert (per_child <= 15).all()
    attended = att.hours_per_week.map(lambda h: Fraction(round(h * 100), 100))
    assert (shares <= attended).all()
    assert (out.term_num >= 0).all()


@settings(max_examples=150, deadline=None)
@given(visits, st.sampled_from(["pro_rata", "largest_first"]))
def test_property_split_hours_add_up_to_the_cap_exactly(rows, split):
    att = frame(rows).assign(specialist=False)
    shares = pd.Series(weekly(claimable(att, 15, split)), index=att.index)
    attended = att.hours_per_week.map(lambda h: Fraction(round(h * 100), 100))
    totals = attended.groupby(att.child_id).sum()
    claimed = shares.groupby(att.child_id).sum()
    for child, total in totals.items():
        assert claimed[child] == min(total, 15)


def test_vectorised_over_many_children():
    rng = np.random.default_rng(1)
    n = 200_000
    att = pd.DataFrame({"child_id": rng.integers(0, n // 2, n), "setting_id": rng.integers(0, 9, n),
                        "hours_per_week": rng.integers(0, 30, n) / 1.0, "weeks": 12.0})
    att = att.drop_duplicates(["child_id", "setting_id"])
    out = claimable(att, 15)
    per_child = (out.weekly_num / out.weekly_den).groupby(att.child_id).sum()
    assert per_child.max() <= 1500 + 1e-6

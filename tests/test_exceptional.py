"""Exceptional Early Years Funding criteria (X1-X3): every criterion alone and combined."""

from __future__ import annotations

import itertools

import pandas as pd
import pytest

from eyanalysis.rules import exceptional as x


def _app(**flags) -> pd.DataFrame:
    return pd.DataFrame([{c: flags.get(c, False) for c in x.CRITERIA}])


ALL_GENERAL = dict.fromkeys(x.GENERAL, True)


@pytest.mark.parametrize("specific", list(x.SPECIFIC))
def test_X1_all_general_and_any_one_X2_specific_meets_criteria(specific):
    out = x.check(_app(**ALL_GENERAL, **{specific: True})).iloc[0]
    assert out.criteria_met
    assert out.general_missing == ""
    assert out.specific_met == x.SPECIFIC[specific][0]
    assert "panel to decide" in out.explanation  # X3: advice, never a decision


@pytest.mark.parametrize("general", list(x.GENERAL))
def test_X1_each_general_criterion_alone_missing_fails_and_is_named(general):
    flags = {**ALL_GENERAL, general: False, "ehcp_in_place_or_in_process": True}
    out = x.check(_app(**flags)).iloc[0]
    assert not out.criteria_met
    assert out.general_missing == x.GENERAL[general][0]
    assert x.GENERAL[general][1] in out.explanation


def test_X2_no_specific_criterion_fails_and_says_so():
    out = x.check(_app(**ALL_GENERAL)).iloc[0]
    assert not out.criteria_met
    assert "no specific criterion" in out.explanation


def test_every_combination_follows_X1_and_X2():
    combos = [c for n in range(len(x.CRITERIA) + 1)
              for c in itertools.combinations(x.CRITERIA, n)]
    frame = pd.DataFrame([{c: c in combo for c in x.CRITERIA} for combo in combos])
    out = x.check(frame)
    assert len(out) == 2 ** len(x.CRITERIA)
    for combo, row in zip(combos, out.itertuples(), strict=True):
        expected = set(x.GENERAL) <= set(combo) and bool(set(x.SPECIFIC) & set(combo))
        assert row.criteria_met == expected, combo
        missing = [x.GENERAL[g][0] for g in x.GENERAL if g not in combo]
        assert row.general_missing == "; ".join(missing), combo
        met = [x.SPECIFIC[s][0] for s in x.SPECIFIC if s in combo]
        assert row.specific_met == "; ".join(met), combo


def test_blank_flags_count_as_not_evidenced():
    frame = _app(**ALL_GENERAL, deferred_reception_entry=True).astype(object)
    frame.loc[0, "nef_eligible"] = None
    out = x.check(frame).iloc[0]
    assert not out.criteria_met and out.general_missing == "X1(c)"


def test_missing_criteria_columns_are_refused():
    with pytest.raises(KeyError, match="receiving_gr4"):
        x.check(_app().drop(columns="receiving_gr4"))

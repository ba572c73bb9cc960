"""Reviews due (L3): provision maps twice a term, IEP/IPM every 6-8 weeks, EHC plans every
6 months, with and without a table of reviews held."""

from __future__ import annotations

import pandas as pd
import pytest

from eyanalysis.analysis import reviews as rv

ON = "2026-11-23"
LEVELS = pd.CategoricalDtype(["NE", "GR1", "GR2", "GR3", "GR4", "EXC"], ordered=True)
CHILDREN = pd.DataFrame({"child_id": ["C1", "C2", "C3", "C4", "C5"],
                         "ehcp_status": ["none", "none", "plan", "none", "plan"]})
ATTENDANCE = pd.DataFrame({
    "child_id": ["C1", "C2", "C3", "C4", "C5", "C2"],
    "setting_id": ["S1", "S1", "S2", "S2", "S2", "S1"],
    "term": ["2026-AUT", "2026-AUT", "2026-AUT", "2026-AUT", "2025-SUM", "2026-SUM"],
    "level": pd.Series(["GR1", "GR2", "GR4", "NE", "GR4", "GR1"], dtype=LEVELS),
    "level_from": pd.to_datetime(["2026-09-01", "2026-10-01", "2025-08-31", "2026-09-01",
                                  "2025-04-01", "2026-04-01"]),
    "hours_per_week": 15.0, "weeks": 14.0,
})


def sched(**kw) -> pd.DataFrame:
    return rv.schedule(CHILDREN, ATTENDANCE, ON, **kw).set_index(["child_id", "review_type"])


def test_L3_review_type_follows_the_current_level_and_the_plan():
    s = sched()
    assert sorted(s.index) == [("C1", "provision_map"), ("C2", "iep"), ("C3", "ehcp"),
                               ("C3", "iep")]  # C4 is NE; C5 left (no row this term)


def test_L3_provision_map_twice_a_term_every_six_weeks(params):
    assert params.get("reviews.interval_weeks.provision_map", ON) == 6
    row = sched().loc[("C1", "provision_map")]
    assert row.last_due == pd.Timestamp("2026-10-13")  # 1 Sep + 6 weeks
    assert row.next_due == pd.Timestamp("2026-11-24")  # + 12 weeks
    assert row.status == rv.UNVERIFIED and row.days_overdue == 41
    assert row.due_soon  # within the 4-week look-ahead


def test_L3_iep_every_six_to_eight_weeks_due_at_eight(params):
    row = sched().loc[("C2", "iep")]
    assert row.last_due is pd.NaT or pd.isna(row.last_due)
    assert row.next_due == pd.Timestamp("2026-11-26")  # 1 Oct + 8 weeks
    assert row.status == rv.DUE


def test_L3_ehcp_every_six_months_clipped_to_month_end():
    row = sched().loc[("C3", "ehcp")]
    # 31 Aug 2025 + 6 months = 28 Feb 2026; + 12 months = 31 Aug 2026; next 28 Feb 2027
    assert row.last_due == pd.Timestamp("2026-08-31")
    assert row.next_due == pd.Timestamp("2027-02-28")
    assert row.status == rv.UNVERIFIED and not row.due_soon


def test_L3_with_reviews_overdue_means_none_recorded_since_the_due_date():
    held = pd.DataFrame({"child_id": ["C1", "C3", "C3"], "setting_id": ["S1", "S2", "S2"],
                         "review_type": ["provision_map", "iep", "iep"],
                         "review_date": ["2026-11-10", "2026-08-01", "2026-12-01"]})
    s = sched(reviews=held)
    assert s.loc[("C1", "provision_map"), "next_due"] == pd.Timestamp("2026-12-22")
    assert s.loc[("C1", "provision_map"), "status"] == rv.SCHEDULED
    c3 = s.loc[("C3", "iep")]  # the December review is after ON and ignored
    assert c3.next_due == pd.Timestamp("2026-09-26") and c3.status == rv.OVERDUE
    assert c3.days_overdue == 58
    assert s.loc[("C3", "ehcp"), "status"] == rv.OVERDUE  # none recorded since 28 Feb 2026
    assert s.loc[("C2", "iep"), "status"] == rv.DUE
    assert "no review recorded" in rv.note(True)
    assert "overdue unless a review was recorded" in rv.note(False)


def test_L3_cadence_is_a_parameter_not_a_literal(params):
    longer = params.with_overrides({"reviews.interval_weeks.iep": {"2026-01-01": 12}})
    row = rv.schedule(CHILDREN, ATTENDANCE, ON, params=longer).set_index(
        ["child_id", "review_type"]).loc[("C2", "iep")]
    assert row.next_due == pd.Timestamp("2026-12-24") and row.status == rv.SCHEDULED


def test_L3_due_and_overdue_counts_per_setting():
    table = rv.by_setting(rv.schedule(CHILDREN, ATTENDANCE, ON)).set_index(
        ["setting_id", "review_type"])
    assert table.loc[("S1", "provision_map")].tolist() == [1, 1]
    assert table.loc[("S1", "iep")].tolist() == [1, 0]
    assert table.loc[("S2", "iep")].tolist() == [0, 1]


@pytest.mark.parametrize("months,expected", [(6, "2026-02-28"), (1, "2025-09-30"),
                                             (18, "2027-02-28"), (0, "2025-08-31")])
def test_month_arithmetic_clips_to_month_end(months, expected):
    d = pd.Series(pd.to_datetime(["2025-08-31"]))
    assert rv._add_months(d, pd.Series([months]).to_numpy()).iloc[0] == pd.Timestamp(expected)

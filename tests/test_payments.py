"""Payment timeline (F9), financial-year cash view and reconciliation."""

from __future__ import annotations

import datetime as dt

import pytest

from eyanalysis.analysis import payments as pm
from eyanalysis.rules import timing


@pytest.fixture(scope="module")
def timeline(params):
    import eyanalysis

    ds = eyanalysis.load(tables=["attendance", "children", "settings"])
    return pm.timeline(ds, params, ["2025-SPR", "2025-SUM", "2025-AUT"])


def test_portal_date_and_financial_year(params):
    assert timing.portal_date("2026-AUT", params) == dt.date(2026, 9, 1) + dt.timedelta(weeks=7)
    assert timing.financial_year(dt.date(2027, 3, 31), params) == "2026-27"
    assert timing.financial_year(dt.date(2027, 4, 1), params) == "2027-28"


def test_F9_stages_and_run_dates_are_defined_once(params):
    """F9 (rules/timing.py): predicted = levels known on the first day, actual = known when
    the portal closes, final = every level declared; the three payment runs' dates."""
    portal = timing.portal_date("2025-SUM", params)
    assert timing.known_on("predicted", "2025-SUM", params) == dt.date(2025, 4, 1)
    assert timing.known_on("actual", "2025-SUM", params) == portal
    assert timing.known_on("final", "2025-SUM", params) is None
    assert timing.run_dates("2025-SUM", params) == {
        "prediction": dt.date(2025, 4, 1), "portal balance": portal,
        "change request adjustment": dt.date(2025, 9, 1)}
    # a run counted before the portal closes costs the levels known so far
    early = timing.stages_known("2025-SUM", "2025-04-20", params)
    assert early == {"predicted": dt.date(2025, 4, 1), "actual": dt.date(2025, 4, 20),
                     "final": dt.date(2025, 4, 20)}
    with pytest.raises(ValueError, match="stage"):
        timing.known_on("estimated", "2025-SUM", params)


def test_2026_SUM_predicted_is_the_same_in_the_timeline_and_the_summary(sample, params):
    """The issue's two figures for 2026-SUM: the report said £152,484.96 (a level not known
    on the first day costed as NE) and the timeline £168,273.48 (the child's level of the
    term before, NE only for a new child), on the sample as it then was. The rule
    (claims.levels_known, the same for Dataset.as_of) gives the timeline's reading, now in
    both. The pence are pinned for the sample regenerated with report cards (Fernshire):
    £166,958.64."""
    from eyanalysis.analysis import summary

    tl = pm.timeline(sample, params, ["2026-SUM"])
    assert int(tl["predicted"].sum()) == 16_695_864
    c = summary.Counted.of("2026-SUM", today=dt.date(2026, 12, 1))
    assert summary.supplement_pence(summary.funding(sample, c, params)) == 16_695_864
    by_term = pm.by_term(tl).set_index("term")
    assert by_term.loc["2026-SUM", "predicted_pounds"] == "£166,958.64"


def test_runs_add_up_to_the_final_amount(timeline):
    events = pm.payments(timeline)
    supplement = events[events["run"] != pm.DAF_RUN]
    paid = supplement.groupby(["setting_id", "term"])["pence"].sum()
    final = timeline.set_index(["setting_id", "term"])["final"]
    assert (paid.reindex(final.index) == final).all()
    daf = events[events["run"] == pm.DAF_RUN].groupby(["setting_id", "term"])["pence"].sum()
    assert (daf.reindex(final.index) == timeline.set_index(["setting_id", "term"])["daf"]).all()
    assert (timeline["final"] == timeline["actual"] + timeline["change_request"]).all()
    # levels only become known over the term: some change after the start and the portal
    assert (timeline["actual"] != timeline["predicted"]).any()
    assert (timeline["change_request"] != 0).any()


def test_change_requests_are_paid_next_term(timeline):
    events = pm.payments(timeline)
    cr = events[events["run"] == "change request adjustment"]
    assert (cr.loc[cr["term"] == "2025-SUM", "date"] == dt.date(2025, 9, 1)).all()


def test_cash_view_keeps_every_penny(timeline, params):
    cash = pm.cash_by_financial_year(pm.payments(timeline), params)
    assert cash["pence"].sum() == timeline["final"].sum() + timeline["daf"].sum()
    assert cash.loc[cash["run"] == pm.DAF_RUN, "pence"].sum() == timeline["daf"].sum() > 0
    assert set(cash["financial_year"]) == {"2024-25", "2025-26"}


def test_reconciliation_by_setting(timeline):
    rec = pm.reconciliation(timeline)
    assert rec["setting_id"].is_unique
    assert (rec["difference"] == rec["final"] - rec["predicted"]).all()
    assert rec["final"].sum() == timeline["final"].sum()

"""Payment timeline (F9), financial-year cash view and reconciliation."""

from __future__ import annotations

import datetime as dt

import pytest

from eyanalysis.analysis import payments as pm


@pytest.fixture(scope="module")
def timeline(params):
    import eyanalysis

    ds = eyanalysis.load(tables=["attendance", "children", "settings"])
    return pm.timeline(ds, params, ["2025-SPR", "2025-SUM", "2025-AUT"])


def test_portal_date_and_financial_year(params):
    assert pm.portal_date("2026-AUT", params) == dt.date(2026, 9, 1) + dt.timedelta(weeks=7)
    assert pm.financial_year(dt.date(2027, 3, 31), params) == "2026-27"
    assert pm.financial_year(dt.date(2027, 4, 1), params) == "2027-28"


def test_runs_add_up_to_the_final_amount(timeline):
    events = pm.payments(timeline)
    paid = events.groupby(["setting_id", "term"])["pence"].sum()
    final = timeline.set_index(["setting_id", "term"])["final"]
    assert (paid.reindex(final.index) == final).all()
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
    assert cash["pence"].sum() == timeline["final"].sum()
    assert set(cash["financial_year"]) == {"2024-25", "2025-26"}


def test_reconciliation_by_setting(timeline):
    rec = pm.reconciliation(timeline)
    assert rec["setting_id"].is_unique
    assert (rec["difference"] == rec["final"] - rec["predicted"]).all()
    assert rec["final"].sum() == timeline["final"].sum()

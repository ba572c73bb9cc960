"""The one claims adapter (issue #10): ``data.claims.for_term`` derives a term's funding age
(F6), specialist flag (F4), weeks (F7) and EYPP flag (P1), and the level known on a date."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from eyanalysis.data import claims as cl
from eyanalysis.data.dataset import load
from tests.conftest import ROOT

TINY = ROOT / "tests" / "data" / "tiny"


@pytest.fixture(scope="module")
def tiny():
    return load(TINY)


def row(claims: pd.DataFrame, child: str, setting: str | None = None) -> pd.Series:
    hit = claims[(claims.child_id == child)
                 & ((claims.setting_id == setting) if setting else True)]
    assert len(hit) == 1, hit
    return hit.iloc[0]


def test_F6_F4_P1_F7_a_term_the_data_hold(tiny):
    c = cl.for_term(tiny, "2025-AUT")
    assert list(c.columns) == cl.COLUMNS and len(c) == 5 and not c.projected.any()
    # F6: born 2021-10, 2022-02, 2022-07: 3-4 by autumn 2025; born 2023-01: 2
    assert {r.child_id: r.funding_age for r in c.itertuples()} == {
        "C001": "3-4", "C002": "3-4", "C003": "3-4", "C004": "2"}
    assert row(c, "C002", "S3").specialist and not row(c, "C002", "S1").specialist  # F4
    assert row(c, "C001").eypp and not row(c, "C004").eypp  # P1 flag
    assert (c.weeks == 14).all()  # F7: as recorded
    assert row(c, "C004").level == "GR1"  # everything recorded


def test_the_level_known_on_a_date(tiny):
    c = cl.for_term(tiny, "2025-AUT", known_on="2025-09-20")
    assert row(c, "C004").level == "NE"  # GR1 only from 2025-10-01, new this term
    assert row(c, "C004").level_from == pd.Timestamp("2025-09-01")
    assert row(c, "C003").level == "GR2"  # from 2025-09-15
    again = cl.relevel(cl.for_term(tiny, "2025-AUT"), tiny, "2025-09-20")
    pd.testing.assert_frame_equal(c, again)


def test_a_projected_term_carries_the_last_term_forward(tiny, params):
    c = cl.for_term(tiny, "2026-SUM", params=params)
    assert c.projected.all() and list(c.child_id) == ["C001"]  # from 2026-SPR
    assert c.weeks.iloc[0] == float(params.get("nef.term_weeks.SUM", "2026-04-01"))
    assert c.term.iloc[0] == "2026-SUM"
    # born 2021-10: Reception in 2026-AUT, so gone from the autumn's claims
    assert cl.for_term(tiny, "2026-AUT", params=params).empty
    # a term the data hold but not yet started on known_on is projected too
    early = cl.for_term(tiny, "2026-SPR", known_on="2025-12-31", params=params)
    assert early.projected.all() and set(early.child_id) == {"C001", "C002", "C003", "C004"}
    assert cl.for_term(tiny, "2024-AUT").empty  # before anything held


def test_complete_gives_claims_that_are_not_attendance_rows(tiny, params):
    rows = pd.DataFrame({"child_id": ["C004"], "setting_id": ["S3"], "level": ["GR4"],
                         "hours_per_week": [10.0], "weeks": [float("nan")]})
    c = cl.complete(rows, tiny, "2026-SPR", params)
    assert c.weeks.iloc[0] == cl.term_weeks("2026-SPR", params) == 12.0
    assert c.funding_age.iloc[0] == "2" and c.specialist.iloc[0] and not c.eypp.iloc[0]


def test_an_unknown_child_is_named():
    from types import SimpleNamespace

    from eyanalysis.errors import InputDataError

    data = load(TINY)
    orphan = SimpleNamespace(attendance=data.attendance, settings=data.settings,
                             children=data.children.iloc[1:])
    with pytest.raises(InputDataError, match="C001"):
        cl.for_term(orphan, "2025-AUT")


def test_terms_held_and_last_term(tiny, sample):
    assert cl.terms_held(tiny.attendance) == ["2025-AUT", "2026-SPR"]
    assert cl.last_term(sample.attendance) == "2026-AUT"
    assert cl.last_term(tiny.as_of(dt.date(2025, 1, 1)).attendance) is None


def test_a_terms_claims_are_derived_once_per_dataset_and_never_served_stale(monkeypatch):
    """``for_term`` and ``daf_due`` keep what they derived on the Dataset (``claims._kept``):
    the same arguments, parameters object and tables give it back without deriving again;
    another date, another parameters object or a replaced table derive again; a caller
    that changes what it got does not change what the next caller gets."""
    from dataclasses import replace

    from eyanalysis.parameters import load_parameters

    ds = load(TINY)
    derived = []
    inner = cl._for_term
    monkeypatch.setattr(cl, "_for_term", lambda *a: derived.append(a[1:3]) or inner(*a))
    first = cl.for_term(ds, "2025-AUT")
    first.loc[0, "hours_per_week"] = 99.0  # the caller's own copy
    again = cl.for_term(ds, "2025-AUT", params=load_parameters())  # None means these
    assert derived == [("2025-AUT", None)]
    pd.testing.assert_frame_equal(again, inner(load(TINY), "2025-AUT", None,
                                               load_parameters()))
    assert again.loc[0, "hours_per_week"] != 99.0
    cl.for_term(ds, "2025-AUT", "2025-09-01")  # another date
    other = load_parameters(ROOT / "parameters")
    cl.for_term(ds, "2025-AUT", params=replace(other, by_path=dict(other.by_path)))
    att = ds.tables["attendance"]
    ds.tables["attendance"] = att.assign(hours_per_week=att["hours_per_week"] * 0 + 1)
    assert (cl.for_term(ds, "2025-AUT")["hours_per_week"] == 1).all()  # the new table
    assert len(derived) == 4
    fresh = load(TINY)  # another Dataset: its own
    cl.for_term(fresh, "2025-AUT")
    assert len(derived) == 5
    pd.testing.assert_frame_equal(cl.daf_due(ds, "2025-AUT"), cl.daf_due(ds, "2025-AUT"))
    monkeypatch.setattr(cl, "KEPT", 3)  # a long app session: the oldest entries go
    for day in ("2025-09-10", "2025-09-20", "2025-09-30", "2025-10-10"):
        cl.for_term(ds, "2025-AUT", day)
    kept = [k[:3] for k in ds._derived]
    assert len(kept) == 3 and kept[-1] == ("for_term", "2025-AUT", dt.date(2025, 10, 10))
    assert ("for_term", "2025-AUT", dt.date(2025, 9, 10)) not in kept  # the oldest

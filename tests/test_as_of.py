"""The data as known on a date (issue #10): ``Dataset.as_of`` on the tiny hand-made dataset
(each rule of its docstring) and on the sample county (pure, idempotent, round trip through
a CSV copy, flags from the state on the date)."""

from __future__ import annotations

import datetime as dt
import shutil

import pandas as pd
import pytest

from eyanalysis.data.dataset import load
from tests.conftest import ROOT, run_cli

TINY = ROOT / "tests" / "data" / "tiny"
D = pd.Timestamp


@pytest.fixture(scope="module")
def tiny():
    return load(TINY)


def by(frame: pd.DataFrame, key: str) -> pd.DataFrame:
    return frame.set_index(key)


def test_attendance_of_terms_starting_later_is_not_there(tiny):
    known = tiny.as_of("2025-12-31")
    assert set(known.attendance.term) == {"2025-AUT"}  # 2026-SPR starts 2026-01-01
    assert set(tiny.as_of("2026-01-01").attendance.term) == {"2025-AUT", "2026-SPR"}
    assert tiny.as_of("2025-08-31").attendance.empty


def test_a_level_dated_later_reads_as_the_level_known_then(tmp_path):
    source = tmp_path / "src"
    shutil.copytree(TINY, source)
    with open(source / "attendance.csv", "a") as fh:  # C003 was GR1 the term before
        fh.write("C003,S2,2025-SUM,15,12,GR1,2025-05-02\n")
    ds = load(source)
    rows = ds.as_of("2025-09-20").attendance
    c3 = rows[(rows.child_id == "C003") & (rows.term == "2025-AUT")].iloc[0]
    assert c3.level == "GR2"  # from 2025-09-15: known
    c4 = rows[rows.child_id == "C004"].iloc[0]  # GR1 from 2025-10-01; new this term
    assert c4.level == "NE" and c4.level_from == D("2025-09-01")
    rows = ds.as_of("2025-09-10").attendance
    c3 = rows[(rows.child_id == "C003") & (rows.term == "2025-AUT")].iloc[0]
    assert c3.level == "GR1" and c3.level_from == D("2025-05-02")  # the term before's
    assert str(rows.level.dtype) == "category"


def test_visits_planned_later_go_and_later_holdings_are_blanked(tiny):
    v = by(tiny.as_of("2025-10-18").visits, "visit_id")
    assert "V3" not in v.index  # planned 2026-03-01
    assert v.loc["V1", "held_date"] == D("2025-10-01") and v.loc["V1", "level_agreed"] == (
        "universal")
    assert pd.isna(v.loc["V2", "held_date"]) and pd.isna(v.loc["V2", "level_agreed"])
    v = by(tiny.as_of("2025-10-20").visits, "visit_id")
    assert v.loc["V2", "held_date"] == D("2025-10-20")


def test_a_self_audit_received_later_is_blanked(tmp_path):
    source = tmp_path / "src"
    shutil.copytree(TINY, source)
    text = (source / "visits.csv").read_text().replace(
        "V3,S1,welfare,2026-03-01,,,", "V3,S1,welfare,2026-03-01,2026-03-01,2026-02-10,universal")
    (source / "visits.csv").write_text(text)
    v = by(load(source).as_of("2026-02-01").visits, "visit_id")
    assert "V3" not in v.index
    v = by(load(source).as_of("2026-02-15").visits, "visit_id")
    assert "V3" not in v.index  # still planned later
    v = by(load(source).as_of("2026-03-01").visits, "visit_id")
    assert v.loc["V3", "self_audit_received"] == D("2026-02-10")
    early = load(source)
    early.tables["visits"].loc[early.visits.visit_id == "V3", "planned_date"] = D("2026-02-01")
    v = by(early.as_of("2026-02-05").visits, "visit_id")
    assert pd.isna(v.loc["V3", "self_audit_received"]) and pd.isna(v.loc["V3", "held_date"])


def test_categorisations_inspections_and_applications_dated_later_are_not_there(tiny):
    known = tiny.as_of("2025-09-30")
    assert list(known.categorisations.setting_id) == ["S2"]  # S1's is from 2025-10-01
    assert list(known.panel_applications.application_id) == ["P1"]  # P2 received 10-01
    assert len(tiny.as_of("2023-01-01").inspections) == 2


def test_a_decision_dated_later_reads_pending_and_the_meeting_stays(tiny):
    apps = by(tiny.as_of("2025-10-10").panel_applications, "application_id")
    assert apps.loc["P1", "decision"] == "pending"
    assert pd.isna(apps.loc["P1", "decision_date"]) and pd.isna(apps.loc["P1", "awarded_level"])
    assert apps.loc["P1", "panel_date"] == D("2025-10-15")
    apps = by(tiny.as_of("2025-10-15").panel_applications, "application_id")
    assert apps.loc["P1", "decision"] == "approved" and apps.loc["P1", "awarded_level"] == "EXC"


def test_the_ofsted_judgement_is_the_latest_inspection_known_then(tiny):
    s = by(tiny.as_of("2023-01-01").settings, "setting_id")
    assert s.loc["S1", "ofsted_judgement"] == "requires_improvement"  # 2019, not 2023's good
    assert s.loc["S1", "ofsted_date"] == D("2019-06-01")
    assert s.loc["S2", "ofsted_judgement"] == "not_yet_inspected"  # first inspected 2024
    assert pd.isna(s.loc["S2", "ofsted_date"])
    s = by(tiny.as_of("2026-01-01").settings, "setting_id")
    assert s.loc["S1", "ofsted_judgement"] == "good" and s.loc["S2", "ofsted_judgement"] == (
        "requires_improvement")
    assert s.ofsted_judgement.dtype == tiny.settings.ofsted_judgement.dtype


def test_a_crisis_holds_from_its_derived_start(tiny):
    """C1: S2's crisis starts at its intensive visit held on 2025-10-20 (crisis_starts)."""
    ds = load(TINY)
    ds.tables["settings"].loc[ds.settings.setting_id == "S2", "in_crisis"] = True
    assert not by(ds.as_of("2025-10-19").settings, "setting_id").loc["S2", "in_crisis"]
    assert by(ds.as_of("2025-10-20").settings, "setting_id").loc["S2", "in_crisis"]


def test_children_first_known_later_are_not_there(tiny):
    assert len(tiny.as_of("2025-12-31").children) == 4
    assert tiny.as_of("2025-08-31").children.empty


def test_as_of_is_pure_idempotent_and_counts_what_it_leaves_out(tiny):
    before = {n: f.copy() for n, f in tiny.tables.items()}
    once = tiny.as_of("2025-10-10")
    twice = once.as_of("2025-10-10")
    for name in tiny.tables:
        pd.testing.assert_frame_equal(tiny.tables[name], before[name])  # pure
        pd.testing.assert_frame_equal(once.tables[name], twice.tables[name])  # idempotent
    assert once.as_of("2026-06-01") is once  # a later date adds nothing known
    c = once.counts
    assert (c.rows_in == c.accepted + c.quarantined + c.after_as_of).all()
    assert c.set_index("table").loc["attendance", "after_as_of"] == 1
    assert once.summary.endswith("3 dated after 2025-10-10 (not known then)")
    assert tiny.as_of_day is None and once.as_of_day == dt.date(2025, 10, 10)


def test_a_cut_makes_a_table_only_when_it_is_asked_for(tiny, tmp_path):
    """A termly table reads two or three of the seven tables, and a release cuts the data
    at the end of every earlier term: each table of a cut is made when first read (the
    settings with the inspections they depend on), once, and a saved cut holds them all."""
    import pickle

    cut = tiny.as_of("2025-10-11")
    assert cut.tables.made == [] and "settings" in cut.tables  # asking is not making
    first = cut.settings
    assert sorted(cut.tables.made) == ["inspections", "settings"]
    assert cut.settings is first  # made once
    again = pickle.loads(pickle.dumps(cut))
    assert type(again.tables) is dict and list(again.tables) == list(tiny.tables)
    for name, frame in again.tables.items():
        pd.testing.assert_frame_equal(frame, cut.tables[name])
    assert dict(again.withheld) == dict(cut.withheld) and sum(cut.withheld.values()) > 0


def test_an_earlier_day_of_a_cut_is_the_cut_of_the_source(sample, tmp_path):
    """What a cut dataset knew on an earlier day is what the source knew then: the same
    tables whether cut from the cut (a saved copy, as the termly notebooks get it) or from
    the source, and from the source the cut is shared (one cut per day however reached)."""
    from eyanalysis.data.dataset import read_saved

    late, early = "2026-03-31", "2025-03-31"
    known = sample.as_of(late)
    assert known.as_of(early) is sample.as_of(early)  # shared, not cut again
    saved = read_saved(known.save(tmp_path / "known.pickle"))  # the cut alone is saved
    again = saved.as_of(early)  # cut from the saved cut
    assert again is not sample.as_of(early)
    for name, frame in sample.as_of(early).tables.items():
        pd.testing.assert_frame_equal(again.tables[name], frame, check_dtype=True)
    assert again.withheld == sample.as_of(early).withheld


def test_the_sample_as_known_on_a_date_round_trips_through_a_csv_copy(sample, tmp_path):
    known = sample.as_of("2025-03-31")
    assert known.as_of("2025-03-31") is known
    known.write_csv(tmp_path)
    again = load(tmp_path)
    assert again.counts.quarantined.sum() == 0
    again = again.as_of("2025-03-31")
    for name, frame in known.tables.items():
        pd.testing.assert_frame_equal(frame.drop(columns="line"),
                                      again.tables[name].drop(columns="line"), obj=name)


def test_snapshot_command_writes_the_copy(tmp_path):
    res = run_cli("snapshot", "--data", TINY, "--as-of", "2025-10-10", "--out", tmp_path)
    assert res.returncode == 0, res.stderr
    assert "dated after 2025-10-10" in res.stderr
    copy = load(tmp_path)
    assert set(copy.attendance.term) == {"2025-AUT"}
    assert by(copy.panel_applications, "application_id").loc["P1", "decision"] == "pending"


def test_notable_flags_use_the_state_on_the_count_date(sample):
    from eyanalysis.analysis import summary

    def flags(term):
        c = summary.Counted.of(term, today=dt.date(2026, 12, 1))
        return summary.flags(sample.as_of(c.on), c).set_index("flag")["settings"]

    now = sample.settings
    early, late = flags("2023-AUT"), flags("2026-SUM")
    # today's snapshot: 16 not yet inspected; more were so in 2023, fewer by 2026
    assert int((now.ofsted_judgement == "not_yet_inspected").sum()) == 16
    assert early["Not yet inspected"] > late["Not yet inspected"] >= 16
    assert early["Setting in crisis"] <= int(now.in_crisis.sum())


def test_a_dataset_keeps_its_latest_cuts_only(monkeypatch):
    """``as_of`` keeps at most KEPT_CUTS cuts, the least recently used dropped first (an
    app's session asks for a new day at each change); a day asked for again after its cut
    was dropped is cut again, with the same tables."""
    from eyanalysis.data import dataset

    monkeypatch.setattr(dataset, "KEPT_CUTS", 2)
    ds = load(TINY)
    first = ds.as_of("2025-09-10")
    ds.as_of("2025-10-10")
    assert ds.as_of("2025-09-10") is first  # used again: now the most recent
    ds.as_of("2025-11-10")
    assert [d.isoformat() for d in ds._known] == ["2025-09-10", "2025-11-10"]
    again = ds.as_of("2025-10-10")  # dropped, so cut again
    assert "2025-09-10" not in [d.isoformat() for d in ds._known]
    fresh = load(TINY).as_of("2025-10-10")
    for name, frame in fresh.tables.items():
        pd.testing.assert_frame_equal(again.tables[name], frame)

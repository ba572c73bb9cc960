"""Categorisation spread (issue #4): rule cases by id on small hand-built frames (C1-C8),
the adviser workload model, the notebook's parameter model, and the notebook itself
(executed once, by the session's termly run)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from eyanalysis.analysis import categorisation as cat
from eyanalysis.analysis import outcomes, panel, visits, workload
from eyanalysis.apps.contract import SpreadParameters
from eyanalysis.rules import support
from eyanalysis.vocabulary import REPORT_CARD_AREAS, REPORT_CARD_RESULTS
from tests import notebooks as nbt
from tests.conftest import ROOT

AREAS = list(REPORT_CARD_AREAS)
RESULTS = list(REPORT_CARD_RESULTS)

NOTEBOOK = ROOT / "notebooks" / "categorisation_spread.ipynb"
D = pd.Timestamp


def settings_frame(*ids, crisis=(), district="North", ptype="group_pvi"):
    return pd.DataFrame({
        "setting_id": pd.Series(ids, dtype="string"),
        "name": pd.Series([f"Setting {i}" for i in ids], dtype="string"),
        "provider_type": pd.Series([ptype] * len(ids), dtype="string"),
        "district": pd.Series([district] * len(ids), dtype="string"),
        "ofsted_judgement": pd.Series(["not_yet_inspected"] * len(ids), dtype="string"),
        "ofsted_date": pd.Series([pd.NaT] * len(ids), dtype="datetime64[ns]"),
        "in_crisis": [i in crisis for i in ids],
        "nef_registered": [True] * len(ids),
    })


def visits_frame(rows):
    """rows: (setting, type, planned, held, audit, level) with None for blanks."""
    cols = ["setting_id", "visit_type", "planned_date", "held_date", "self_audit_received",
            "level_agreed"]
    f = pd.DataFrame(rows or [], columns=cols)
    out = pd.DataFrame({"visit_id": pd.Series([f"V{i}" for i in range(len(f))],
                                              dtype="string")})
    for c in cols:
        if c.endswith(("date", "received")):
            out[c] = pd.to_datetime(f[c]).astype("datetime64[ns]")
        else:
            out[c] = f[c].astype("string")
    return out


def inspections_frame(rows):
    """rows: (setting, date, judgement) for a single-word inspection, or (setting, date,
    card) with ``card`` from :func:`card` for a report card."""
    records = []
    for setting, date, result in rows or []:
        base = {"setting_id": setting, "inspection_date": date}
        records.append({**base, **(result if isinstance(result, dict)
                                   else {"judgement": result})})
    f = pd.DataFrame(records, columns=["setting_id", "inspection_date", "judgement",
                                       *RESULTS])
    return f.astype({**{c: "string" for c in ["setting_id", "judgement", *RESULTS]},
                     "inspection_date": "datetime64[ns]"})


def card(safeguarding="met", default="expected_standard", **areas):
    """A report card (O1): safeguarding and six area grades, ``default`` unless given."""
    return {"safeguarding": safeguarding, **{a: areas.get(a, default) for a in AREAS}}


def level_on(s, v, i, on, categorisations=None):
    line = cat.timeline(s, v, i, on, categorisations)
    return cat.levels_on(line, s, on).set_index("setting_id")["level"].to_dict()


# ---------------------------------------------------------------- C2-C3: levels on a date

def test_C3_level_is_the_one_agreed_at_the_latest_held_visit():
    s = settings_frame("A")
    v = visits_frame([("A", "learning_development", "2025-10-01", "2025-10-01", "2025-09-10",
                       "targeted"),
                      ("A", "targeted", "2026-01-10", "2026-01-12", None, "universal"),
                      ("A", "welfare", "2026-03-01", None, None, None)])  # planned, not held
    i = inspections_frame([])
    assert level_on(s, v, i, "2025-09-30") == {"A": "universal"}  # default before any visit
    assert level_on(s, v, i, "2025-10-01") == {"A": "targeted"}
    assert level_on(s, v, i, "2026-01-11") == {"A": "targeted"}
    assert level_on(s, v, i, "2026-06-01") == {"A": "universal"}


def test_C3_setting_with_no_visits_keeps_its_recorded_or_default_level():
    s = settings_frame("A", "B")
    recorded = pd.DataFrame({"setting_id": pd.Series(["A"], dtype="string"),
                             "effective_date": [D("2023-09-01")],
                             "level": pd.Series(["targeted"], dtype="string"),
                             "reason": pd.Series(["carried forward"], dtype="string")})
    got = level_on(s, visits_frame([]), inspections_frame([]), "2026-01-01", recorded)
    assert got == {"A": "targeted", "B": "universal"}


def test_C2_requires_improvement_forces_intensive_until_good_or_better():
    s = settings_frame("A")
    v = visits_frame([
        ("A", "learning_development", "2025-09-20", "2025-09-20", "2025-09-01", "targeted"),
        ("A", "targeted", "2025-11-05", "2025-11-05", None, "universal")])  # agreed during RI
    i = inspections_frame([("A", "2025-10-15", "requires_improvement"),
                           ("A", "2026-05-01", "good")])
    assert level_on(s, v, i, "2025-10-14") == {"A": "targeted"}
    assert level_on(s, v, i, "2025-10-15") == {"A": "intensive"}  # downgrade mid-term
    assert level_on(s, v, i, "2025-12-01") == {"A": "intensive"}  # a visit cannot lift it
    assert level_on(s, v, i, "2026-05-01") == {"A": "universal"}  # last agreed level resumes


def test_C2_C3_every_change_has_its_reason():
    s = settings_frame("A")
    v = visits_frame([
        ("A", "learning_development", "2025-09-20", "2025-09-20", "2025-09-01", "targeted")])
    i = inspections_frame([("A", "2025-10-15", "inadequate"), ("A", "2026-05-01", "good")])
    line = cat.timeline(s, v, i, "2026-06-01")
    assert line[["level", "reason", "rule"]].values.tolist() == [
        ["targeted", "agreed at learning and development visit", "C3"],
        ["intensive", "Ofsted inadequate", "C2"],
        ["targeted", "Ofsted good", "C2"]]
    assert line["previous"].tolist()[1:] == ["targeted", "intensive"]


def test_C1_setting_in_crisis_is_intensive_from_its_emergency_visit():
    s = settings_frame("A", "B", crisis=("A", "B"))
    v = visits_frame([
        ("A", "learning_development", "2025-09-20", "2025-09-20", "2025-09-01", "universal"),
        ("A", "intensive", "2026-02-03", "2026-02-03", None, "intensive")])
    got = cat.crisis_starts(s, v).set_index("setting_id")["crisis_from"]
    assert got["A"] == D("2026-02-03")
    assert got["B"] == D("1900-01-01")  # no visit: in crisis throughout the records
    assert level_on(s, v, inspections_frame([]), "2026-01-01") == {"A": "universal",
                                                                    "B": "intensive"}
    assert level_on(s, v, inspections_frame([]), "2026-02-03")["A"] == "intensive"


def test_C2_C3_sample_county_reproduces_the_recorded_categorisations(sample):
    data = sample
    on = data.categorisations["effective_date"].max().date()
    line = cat.timeline(data.settings, data.visits, data.inspections, on,
                        data.categorisations)
    checked = cat.compare_recorded(cat.levels_on(line, data.settings, on),
                                   data.categorisations, on)
    assert checked["agrees"].all()


def test_C4_referral_flags_whatever_the_level():
    s = settings_frame("A", "B", "C", crisis=("B",))
    i = inspections_frame([("A", "2025-10-15", "inadequate"),
                           ("C", "2025-10-15", "requires_improvement")])
    v = visits_frame([("B", "intensive", "2025-11-01", "2025-11-01", None, "intensive")])
    on = "2026-01-01"
    lv = cat.spread(s, v, i, on)
    referrals = pd.DataFrame({"setting_id": ["C"], "referral_date": [D("2025-12-01")],
                              "to": ["LADO"], "reason": ["allegation"]})
    flags = cat.referral_flags(lv, s, on, referrals)
    assert flags[["setting_id", "flag", "source"]].values.tolist() == [
        ["A", "consider referral: Ofsted inadequate", "derived"],
        ["B", "consider referral: setting in crisis", "derived"],
        ["C", "referred to LADO: allegation", "recorded"]]


def test_transitions_count_settings_between_two_dates():
    s = settings_frame("A", "B")
    v = visits_frame([("A", "targeted", "2025-10-01", "2025-10-01", None, "targeted")])
    line = cat.timeline(s, v, inspections_frame([]), "2026-01-01")
    t = cat.transitions(line, s, "2025-09-01", "2026-01-01")
    assert t.values.tolist() == [["universal", "universal", 1], ["universal", "targeted", 1]]


# ---------------------------------------------------------------- O1-O3: report cards

def _line_of(s, v, i, on, params=None):
    return cat.timeline(s, v, i, on, params=params)


def test_O1_framework_of_an_inspection_is_decided_by_its_date(params):
    days = pd.Series(pd.to_datetime(["2025-11-09", "2025-11-10", "2001-08-31", None]))
    assert support.frameworks(days, params).tolist() == [
        "single_word", "report_card", pd.NA, pd.NA]


def test_O2_report_card_with_safeguarding_not_met_makes_a_setting_intensive_from_its_date():
    s = settings_frame("A")
    v = visits_frame([("A", "learning_development", "2025-09-20", "2025-09-20", "2025-09-01",
                       "universal")])
    i = inspections_frame([("A", "2021-05-10", "good"),
                           ("A", "2026-01-14", card(safeguarding="not_met"))])
    assert level_on(s, v, i, "2026-01-13") == {"A": "universal"}
    assert level_on(s, v, i, "2026-01-14") == {"A": "intensive"}
    lv = cat.spread(s, v, i, "2026-03-01").iloc[0]
    assert (lv["level"], lv["since"], lv["rule"]) == ("intensive", D("2026-01-14"), "O2")
    assert lv["reason"] == "Ofsted report card: safeguarding not met"
    assert lv["judgement"] == "safeguarding_not_met"


def test_O2_leadership_and_governance_at_urgent_improvement_forces_intensive():
    s = settings_frame("A")
    i = inspections_frame([("A", "2026-02-02", card(leadership_governance="urgent_improvement"))])
    lv = cat.spread(s, visits_frame([]), i, "2026-02-02").iloc[0]
    assert lv["level"] == "intensive"
    assert lv["reason"] == "Ofsted report card: leadership and governance urgent improvement"


def test_O2_later_report_card_meeting_the_exit_rule_ends_intensive():
    s = settings_frame("A")
    v = visits_frame([
        ("A", "learning_development", "2025-09-20", "2025-09-20", "2025-09-01", "targeted"),
        ("A", "intensive", "2026-03-05", "2026-03-05", None, "universal")])  # agreed meanwhile
    i = inspections_frame([("A", "2026-01-14", card(safeguarding="not_met")),
                           ("A", "2026-06-01", card(inclusion="strong_standard"))])
    assert level_on(s, v, i, "2026-05-31") == {"A": "intensive"}  # a visit cannot lift it
    assert level_on(s, v, i, "2026-06-01") == {"A": "universal"}  # agreed level resumes
    line = _line_of(s, v, i, "2026-07-01")
    last = line.iloc[-1]
    assert (last["previous"], last["level"], last["rule"]) == ("intensive", "universal", "O2")
    assert last["reason"] == ("Ofsted report card: safeguarding met, every area expected "
                              "standard or better")


def test_O2_report_card_below_the_exit_rule_keeps_intensive():
    s = settings_frame("A")
    i = inspections_frame([("A", "2026-01-14", card(safeguarding="not_met")),
                           ("A", "2026-06-01", card(achievement="needs_attention"))])
    assert level_on(s, visits_frame([]), i, "2026-07-01") == {"A": "intensive"}


def test_O2_area_at_needs_attention_keeps_a_setting_at_least_targeted_while_latest():
    s = settings_frame("A", "B")
    v = visits_frame([
        ("A", "learning_development", "2025-09-20", "2025-09-20", "2025-09-01", "universal"),
        ("B", "learning_development", "2025-09-20", "2025-09-20", "2025-09-01", "intensive")])
    i = inspections_frame([("A", "2026-01-14", card(inclusion="needs_attention")),
                           ("B", "2026-01-14", card(inclusion="needs_attention")),
                           ("A", "2026-10-01", card())])
    assert level_on(s, v, i, "2026-01-14") == {"A": "targeted", "B": "intensive"}
    line = _line_of(s, v, i, "2026-01-14")
    assert line[line["setting_id"] == "A"].iloc[-1]["reason"] == (
        "Ofsted report card: inclusion needs attention")
    assert level_on(s, v, i, "2026-10-01")["A"] == "universal"  # a later card lifts the floor


def test_C2_O2_single_word_judgements_still_work_for_old_dates_and_end_with_a_report_card():
    s = settings_frame("A")
    v = visits_frame([("A", "welfare", "2024-03-01", "2024-03-01", "2024-02-01", "targeted")])
    i = inspections_frame([("A", "2024-06-10", "requires_improvement"),
                           ("A", "2026-02-16", card())])
    assert level_on(s, v, i, "2024-06-09") == {"A": "targeted"}
    assert level_on(s, v, i, "2024-06-10") == {"A": "intensive"}  # C2, old framework
    assert level_on(s, v, i, "2026-02-15") == {"A": "intensive"}
    assert level_on(s, v, i, "2026-02-16") == {"A": "targeted"}  # the exit rule of O2


def test_O2_which_results_trigger_what_are_parameters(params):
    """Another authority can choose: here needs attention in inclusion forces Intensive and
    only strong standard or better ends it (values, not code)."""
    s = settings_frame("A")
    i = inspections_frame([("A", "2026-01-14", card(inclusion="needs_attention")),
                           ("A", "2026-06-01", card())])
    stricter = params.with_overrides({
        "support.report_card_intensive.inclusion": {"2025-11-10": ["needs_attention"]},
        **{f"support.report_card_exit.{a}": {"2025-11-10": ["strong_standard", "exceptional"]}
           for a in AREAS}}, source="test")
    line = cat.timeline(s, visits_frame([]), i, "2026-07-01", params=stricter)
    got = cat.levels_on(line, s, "2026-07-01", stricter).iloc[0]
    assert got["level"] == "intensive" and got["since"] == D("2026-01-14")
    assert level_on(s, visits_frame([]), i, "2026-01-14") == {"A": "targeted"}  # default


def test_O3_funding_gates_flag_report_cards_not_single_word_judgements():
    s = settings_frame("A", "B", "C", "D")
    i = inspections_frame([("A", "2026-01-14", card(safeguarding="not_met")),
                           ("B", "2026-01-14", card(leadership_governance="needs_attention")),
                           ("C", "2025-10-01", "inadequate"), ("D", "2026-01-14", card())])
    gates = support.funding_gates(s, i, "2026-03-01")
    assert gates["withdraw_entitlement"].tolist() == [True, False, False, False]
    assert gates["withdraw_two_year_old_funding"].tolist() == [False, True, False, False]
    assert gates["funding_flags"].iloc[0] == (
        "entitlement funding may be withdrawn (O3: safeguarding not met)")
    assert "leadership and governance needs attention" in gates["funding_flags"].iloc[1]
    assert support.funding_gates(s, i, "2026-01-13")["funding_flags"].eq("").all()


def test_C4_O1_referral_flag_for_a_report_card_with_safeguarding_not_met():
    s = settings_frame("A", "B")
    i = inspections_frame([("A", "2026-01-14", card(safeguarding="not_met")),
                           ("B", "2026-01-14", card(inclusion="needs_attention"))])
    lv = cat.spread(s, visits_frame([]), i, "2026-03-01")
    flags = cat.referral_flags(lv, s, "2026-03-01")
    assert flags[["setting_id", "flag"]].values.tolist() == [
        ["A", "consider referral: Ofsted report card: safeguarding not met"]]


def test_O3_panel_bar_carries_over_to_report_cards():
    s = settings_frame("A", "B")
    i = inspections_frame([("A", "2026-01-14", card(achievement="needs_attention")),
                           ("B", "2026-01-14", card(inclusion="strong_standard"))])
    apps = pd.DataFrame({"application_id": ["X1", "X2", "X3"], "setting_id": ["A", "B", "A"],
                         "kind": ["exceptional", "exceptional", "non_nef"],
                         "received_date": pd.to_datetime(["2026-02-02"] * 3)})
    judged = panel.judgements(apps, s, i)
    assert judged.tolist() == ["needs_attention", "expected_standard", "needs_attention"]
    assert panel.barred(apps, judged).tolist() == [True, False, False]


# ---------------------------------------------------------------- the levels command

def _source_with_report_cards(tmp_path):
    """The tiny dataset with report cards: S1 (Good in 2023) gets safeguarding not met in
    January 2026, then a card meeting the exit rule in September 2026."""
    import shutil

    folder = tmp_path / "source"
    shutil.copytree(ROOT / "tests" / "data" / "tiny", folder)
    cards = ["S1,2026-01-12,,not_met," + ",".join(["expected_standard"] * 6),
             "S1,2026-09-14,,met," + ",".join(["expected_standard"] * 6)]
    with open(folder / "inspections.csv", "a", encoding="utf-8") as fh:
        fh.write("\n".join(cards) + "\n")
    return folder


def _levels(capsys, *args):
    from eyanalysis.cli import main

    code = main(["levels", *args])
    out = capsys.readouterr()
    return code, out


def test_O2_levels_command_gives_intensive_from_the_report_card_with_its_reason(tmp_path,
                                                                               capsys):
    import io

    source = _source_with_report_cards(tmp_path)
    code, out = _levels(capsys, "--on", "2026-03-01", "--data", str(source))
    assert code == 0, out.err
    rows = pd.read_csv(io.StringIO(out.out), dtype=str, keep_default_na=False)
    assert list(rows.columns) == ["setting_id", "name", "district", "provider_type", "level",
                                  "since", "reason", "rule", "ofsted", "funding_flags"]
    s1 = rows.set_index("setting_id").loc["S1"]
    assert (s1["level"], s1["since"], s1["rule"]) == ("intensive", "2026-01-12", "O2")
    assert s1["reason"] == "Ofsted report card: safeguarding not met"
    assert s1["ofsted"] == "Report card: safeguarding not met"
    assert s1["funding_flags"] == "entitlement funding may be withdrawn (O3: safeguarding not met)"
    assert "4 settings on 2026-03-01: Universal 2, Targeted 0, Intensive 2" in out.err
    # the later card meets the exit rule: the level agreed at the last visit resumes
    code, out = _levels(capsys, "--on", "2026-10-01", "--data", str(source))
    s1 = pd.read_csv(io.StringIO(out.out), dtype=str).set_index("setting_id").loc["S1"]
    assert (s1["level"], s1["since"]) == ("universal", "2026-09-14")
    # old judgements for old dates: S1's Requires Improvement of 2019 until Good in 2023 (C2)
    for day, level in (("2022-09-01", "intensive"), ("2023-06-01", "universal")):
        code, out = _levels(capsys, "--on", day, "--data", str(source))
        s1 = pd.read_csv(io.StringIO(out.out), dtype=str).set_index("setting_id").loc["S1"]
        assert (s1["level"], s1["rule"]) == (level, "C2")
        assert s1["reason"] == {"intensive": "Ofsted requires improvement",
                                "universal": "Ofsted good"}[level]


def test_levels_command_writes_csv_and_xlsx_and_refuses_other_files(tmp_path, capsys):
    import openpyxl

    source = _source_with_report_cards(tmp_path)
    code, out = _levels(capsys, "--on", "2026-03-01", "--data", str(source), "--out",
                        str(tmp_path / "levels.xlsx"))
    assert code == 0 and "wrote" in out.out
    book = openpyxl.load_workbook(tmp_path / "levels.xlsx")
    sheet = book["Support levels"]
    assert [c.value for c in sheet[1]][:5] == ["setting_id", "name", "district",
                                              "provider_type", "level"]
    assert sheet.max_row == 5 and "About" in book.sheetnames
    code, out = _levels(capsys, "--on", "2026-03-01", "--data", str(source), "--out",
                        str(tmp_path / "levels.csv"))
    assert pd.read_csv(tmp_path / "levels.csv").shape == (4, 10)
    code, out = _levels(capsys, "--on", "2026-03-01", "--out", str(tmp_path / "levels.pdf"))
    assert code == 2 and "use a .csv or .xlsx" in out.err
    assert not (tmp_path / "levels.pdf").exists()


def test_levels_command_warns_when_rows_were_quarantined(tmp_path, capsys):
    source = _source_with_report_cards(tmp_path)
    with open(source / "inspections.csv", "a", encoding="utf-8") as fh:
        fh.write("S3,2026-02-02,good,,,,,,,\n")  # a judgement on a report-card date
    code, out = _levels(capsys, "--on", "2026-03-01", "--data", str(source))
    assert code == 0 and "1 row(s)" in out.err and "eyanalysis validate" in out.err


# ---------------------------------------------------------------- C1: minimum visits

def _compliance(v, i, start, on, s=None):
    s = settings_frame("A") if s is None else s
    line = cat.timeline(s, v, i, on)
    return visits.compliance(line, s, v, start, on)


def test_C1_intensive_owes_a_visit_a_month_and_says_how_late():
    i = inspections_frame([("A", "2025-08-20", "inadequate")])
    v = visits_frame([("A", "intensive", "2025-09-10", "2025-09-10", None, "intensive"),
                      ("A", "intensive", "2025-11-07", "2025-11-07", None, "intensive")])
    c = _compliance(v, i, "2025-09-01", "2025-11-30").set_index("period")
    assert c["status"].to_dict() == {"2025-09": "met", "2025-10": "missed", "2025-11": "met"}
    assert c.loc["2025-10", "next_visit"] == D("2025-11-07")
    assert c.loc["2025-10", "days_late"] == 7


def test_C1_targeted_owes_one_visit_a_term():
    v = visits_frame([("A", "learning_development", "2025-08-28", "2025-08-28", "2025-08-01",
                       "targeted"),
                      ("A", "targeted", "2025-12-01", "2025-12-01", None, "targeted")])
    c = _compliance(v, inspections_frame([]), "2025-09-01", "2026-04-15").set_index("period")
    assert c["status"].to_dict() == {"2025-AUT": "met", "2026-SPR": "missed",
                                     "2026-SUM": "in progress"}
    assert pd.isna(c.loc["2026-SPR", "next_visit"])  # none yet: late until the as-of date
    assert c.loc["2026-SPR", "days_late"] == 15


def test_C1_ofsted_downgrade_mid_term_owes_monthly_visits_after_the_grace_days(params):
    grace = int(params.get("support.min_days_at_level", "2025-10-01"))
    downgrade = D("2025-10-31") - pd.Timedelta(days=grace - 2)  # fewer days than grace in Oct
    v = visits_frame([("A", "learning_development", "2025-09-05", "2025-09-05", "2025-08-20",
                       "targeted"),
                      ("A", "intensive", "2025-11-20", "2025-11-20", None, "intensive")])
    i = inspections_frame([("A", downgrade, "requires_improvement")])
    c = _compliance(v, i, "2025-09-01", "2026-01-05")
    c = c[c["period_start"] < D("2026-01-01")]
    months = c[c["level"] == "intensive"].set_index("period")["status"].to_dict()
    assert months == {"2025-11": "met", "2025-12": "missed"}  # October not owed
    term = c[c["level"] == "targeted"].set_index("period")["status"].to_dict()
    assert term == {"2025-AUT": "met"}  # targeted for most of the term, visited in Sept


def test_C1_setting_with_no_visits_and_universal_owes_nothing():
    c = _compliance(visits_frame([]), inspections_frame([]), "2025-09-01", "2026-08-31")
    assert c.empty


# ---------------------------------------------------------------- C5-C7: the annual cycle

def _cycle(rows, on="2026-08-31"):
    return visits.cycle(settings_frame("A"), visits_frame(rows), on).iloc[0]


def test_C6_visit_exactly_14_days_after_self_audit_counts():
    row = _cycle([("A", "learning_development", "2025-10-15", "2025-10-15", "2025-10-01",
                   None)])
    assert row["v1_audit_days"] == 14
    assert row["v1_status"] == "held"


def test_C6_visit_1_held_13_days_after_self_audit_does_not_count():
    row = _cycle([("A", "learning_development", "2025-10-14", "2025-10-14", "2025-10-01",
                   None),
                  ("A", "welfare", "2026-04-14", "2026-04-14", "2026-03-01", None)])
    assert row["v1_status"] == "held without self-audit in time"
    assert row["cycle"] == "behind"


def test_C6_visit_1_without_any_self_audit_does_not_count():
    row = _cycle([("A", "learning_development", "2025-10-14", "2025-10-14", None, None)])
    assert row["v1_status"] == "held without self-audit in time"


def test_C6_late_self_audit_for_visit_2_is_reported_but_the_visit_counts():
    row = _cycle([("A", "learning_development", "2025-10-15", "2025-10-15", "2025-09-01",
                   None),
                  ("A", "welfare", "2026-04-14", "2026-04-14", "2026-04-10", None)])
    assert row["v2_status"] == "held, self-audit late"
    assert row["cycle"] == "complete"


@pytest.mark.parametrize(("v1", "v2", "ok"), [
    ("2025-10-15", "2026-04-15", True),   # exactly six months
    ("2025-10-15", "2026-05-16", True),   # 31 days over: at the tolerance
    ("2025-10-15", "2026-05-17", False),  # 32 days over
    ("2026-04-15", "2025-10-15", True),   # Visit 2 first: order is free (C5)
    ("2025-10-15", "2026-01-15", False),  # three months
])
def test_C7_visit_1_to_visit_2_gap_about_six_months(v1, v2, ok):
    row = _cycle([("A", "learning_development", v1, v1, "2025-09-01", None),
                  ("A", "welfare", v2, v2, "2025-09-01", None)])
    assert row["gap_ok"] == ok


def test_C5_review_year_runs_september_to_august():
    assert visits.review_year("2026-08-31") == (D("2025-09-01"), D("2026-09-01"))
    assert visits.review_year("2026-09-01") == (D("2026-09-01"), D("2027-09-01"))
    # a visit of the previous year is not this year's cycle
    row = _cycle([("A", "learning_development", "2025-08-20", "2025-08-20", "2025-08-01",
                   None)], on="2025-09-10")
    assert row["v1_status"] == "not planned"


def test_C5_cycle_statuses_on_a_date():
    rows = [("A", "learning_development", "2025-10-15", None, "2025-10-01", None),
            ("A", "welfare", "2026-04-15", None, None, None)]
    assert _cycle(rows, on="2025-10-01")["cycle"] == "on track"
    assert _cycle(rows, on="2025-10-20")["v1_status"] == "overdue"
    assert _cycle(rows, on="2025-10-20")["cycle"] == "behind"
    assert _cycle([], on="2025-10-20")["cycle"] == "not yet planned"
    assert _cycle([("A", "send_review", "2026-02-01", "2026-02-01", "2026-01-10", None)]
                  )["v3_status"] == "held"


# ---------------------------------------------------------------- workload

def _spread(u, t, i, months=("2025-09-01", "2026-01-01")):
    return pd.DataFrame({"month": pd.to_datetime(list(months)), "universal": u,
                         "targeted": t, "intensive": i, "projected": False})


def test_workload_cycle_takes_two_advisers_for_visit_1(params):
    on = "2025-09-01"
    need = workload.demand(_spread(12, 0, 0), on)
    per = lambda t: (float(params.get(f"support.advisers_per_visit.{t}", on))  # noqa: E731
                     * float(params.get(f"support.visit_length.{t}", on)))
    assert float(params.get("support.advisers_per_visit.learning_development", on)) == 2
    year = per("learning_development") + per("welfare") + float(
        params.get("support.send_review_take_up", on)) * per("send_review")
    assert need["cycle"].tolist() == pytest.approx([12 * year / 12] * 2)
    assert need["targeted_need"].sum() == 0 and need["intensive_need"].sum() == 0


def test_workload_targeted_per_term_intensive_per_month_against_capacity(params):
    on = "2025-09-01"
    need = workload.demand(_spread(0, 4, 3), on)
    t = float(params.get("support.visit_length.targeted", on))
    i = float(params.get("support.visit_length.intensive", on))
    # September is in the 4-month autumn term, January in the 3-month spring term
    assert need["targeted_need"].tolist() == pytest.approx([4 * t / 4, 4 * t / 3])
    assert need["intensive_need"].tolist() == pytest.approx([3 * i, 3 * i])
    cap = float(params.get("support.adviser_fte", on)) * float(
        params.get("support.working_days_per_month", on))
    assert need["capacity"].tolist() == pytest.approx([cap, cap])
    assert (need["shortfall"] == (need["needed"] - cap).clip(lower=0)).all()


def test_workload_what_if_n_more_intensive_from_targeted_first():
    base = _spread(10, 2, 1)
    moved = workload.what_if(base, 5, "2026-01-15")
    assert moved[["universal", "targeted", "intensive"]].values.tolist() == [
        [10, 2, 1],   # September is before the what-if
        [7, 0, 6]]    # two from Targeted, three from Universal
    assert (moved[["universal", "targeted", "intensive"]].sum(axis=1) == 13).all()


def test_workload_shortfall_grows_with_the_what_if():
    base = workload.demand(_spread(300, 60, 30), "2025-09-01")
    more = workload.demand(workload.what_if(_spread(300, 60, 30), 20, "2025-09-01"),
                           "2025-09-01")
    assert (more["needed"] > base["needed"]).all()
    assert workload.by_term(base)["term"].tolist() == ["2025-AUT", "2026-SPR"]


# ---------------------------------------------------------------- C8: outcomes

def test_C8_outcome_after_intensive_support_improved():
    s = settings_frame("A", "B")
    i = inspections_frame([("A", "2024-01-10", "requires_improvement"),
                           ("A", "2025-06-10", "good"),
                           ("B", "2022-05-01", "good"),
                           ("B", "2025-02-01", "requires_improvement")])
    v = visits_frame([("B", "welfare", "2024-03-01", "2024-03-01", "2024-02-01", "universal")])
    line = cat.timeline(s, v, i, "2026-01-01")
    pairs = outcomes.after_support(line, s, i, "2023-09-01", "2026-01-01")
    got = pairs.set_index("setting_id")[["before", "after", "support", "change"]]
    assert got.loc["A"].tolist() == ["requires_improvement", "good", "intensive", "improved"]
    assert got.loc["B"].tolist() == ["good", "requires_improvement", "universal", "declined"]
    r = outcomes.rates(pairs).set_index("support")
    assert r.loc["intensive", ["inspections", "improved"]].tolist() == [1, 1]
    assert r.loc["universal", "improvement_rate"] == 0


def test_C8_inspections_before_the_records_are_not_compared():
    s = settings_frame("A")
    i = inspections_frame([("A", "2019-01-10", "good"), ("A", "2022-06-10", "outstanding")])
    line = cat.timeline(s, visits_frame([]), i, "2026-01-01")
    assert outcomes.after_support(line, s, i, "2023-09-01", "2026-01-01").empty


def test_C8_O4_outcomes_compare_across_frameworks_on_the_assumed_scale():
    s = settings_frame("A", "B", "C")
    i = inspections_frame([("A", "2024-01-10", "requires_improvement"),
                           ("A", "2026-01-12", card()),
                           ("B", "2023-10-10", "outstanding"),
                           ("B", "2026-02-02", card(inclusion="needs_attention")),
                           ("C", "2023-10-10", "good"),
                           ("C", "2026-02-02", card(default="strong_standard"))])
    line = cat.timeline(s, visits_frame([]), i, "2026-06-01")
    pairs = outcomes.after_support(line, s, i, "2023-09-01", "2026-06-01").set_index(
        "setting_id")
    # O4: requires improvement -> expected standard is better; outstanding -> an area at
    # needs attention is worse; good -> strong standard is better
    assert pairs["change"].to_dict() == {"A": "improved", "B": "declined", "C": "improved"}
    assert pairs["across_frameworks"].all()
    assert pairs.loc["A", "support"] == "intensive"
    assert pairs["good_or_better"].to_dict() == {"A": True, "B": False, "C": True}
    assert "assumed common scale (O4" in outcomes.ASSUMPTION
    assert outcomes.rates(pairs.reset_index())["across_frameworks"].sum() == 3


def test_O4_scale_is_a_parameter_labelled_as_an_assumption(params):
    par = params["ofsted.outcome_scale.expected_standard"]
    assert "Assumed" in par.label and "assumption" in par.description
    assert params.get("ofsted.outcome_scale.expected_standard", "2026-01-01") == params.get(
        "ofsted.outcome_scale.good", "2026-01-01")


# ---------------------------------------------------------------- parameters and notebook

@pytest.mark.parametrize(("path", "value"), [
    ("support.self_audit_days", 14), ("support.visit_gap_months", 6),
    ("support.review_year_start_month", 9), ("support.minimum_visits.targeted", 1),
    ("support.minimum_period.targeted", "term"), ("support.minimum_period.intensive", "month"),
    ("support.advisers_per_visit.learning_development", 2),
    ("support.advisers_per_visit.welfare", 1),
])
def test_framework_values_are_dated_parameters(params, path, value):  # C1, C5-C7
    assert params.get(path, "2026-11-23") == value


def test_notebook_parameters_are_checked():
    p = SpreadParameters(as_of="2026-11-23", compare_from="")
    assert p.compare_from == dt.date(2025, 11, 23)
    assert p.interactive is True  # notebooks default to interactive; the termly run passes False
    with pytest.raises(ValueError, match="provider_type"):
        SpreadParameters(as_of="2026-11-23", provider_type="castle")
    with pytest.raises(ValueError, match="compare_from"):
        SpreadParameters(as_of="2026-11-23", compare_from="2027-01-01")
    with pytest.raises(ValueError, match="not in the data"):
        SpreadParameters(as_of="2026-11-23", district="Atlantis").check_district(
            settings_frame("A"))
    SpreadParameters(as_of="2026-03-15", district="North").check_district(settings_frame("A"))


def test_notebook_is_thin_and_stripped():
    import nbformat

    nb = nbformat.read(NOTEBOOK, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert "parameters" in code[0].metadata.get("tags", [])
    assert "SpreadParameters(" in code[1].source
    assert all(not c.outputs and c.execution_count is None for c in code)
    assert not any("def " in c.source for c in code)
    assert "sources(" in code[-1].source


def test_notebook_ran_headless_in_the_session_run(termly_run):
    nb = nbt.read(termly_run.notebook("categorisation_spread"))
    nbt.assert_ran_cleanly(nb)
    assert nbt.plotly_figures(nb) >= 8

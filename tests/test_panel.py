"""Panel caseload (X1-X4, F1-F10): criteria advice, bar flag, waits, backlog, committed
funding, school-entry heads-up, the notebook parameters and the notebook itself (executed
once, by the session's termly run)."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from types import SimpleNamespace

import pandas as pd
import pydantic
import pytest

from eyanalysis.analysis import committed as cm
from eyanalysis.analysis import panel
from eyanalysis.apps.contract import PanelCaseloadParameters
from eyanalysis.rules import exceptional as x
from tests import notebooks as nbt
from tests.conftest import ROOT
from tests.widgets import walk

NOTEBOOK = ROOT / "notebooks" / "panel_caseload.ipynb"
SETTINGS = pd.DataFrame({
    "setting_id": ["S1", "S2", "S3"], "provider_type": ["group_pvi", "group_pvi", "specialist"],
    "district": ["A", "B", "A"],
    "ofsted_judgement": ["good", "requires_improvement", "inadequate"],
})


def apps(rows: list[dict]) -> pd.DataFrame:
    """Applications with defaults: exceptional, all general criteria, X2(3), pending."""
    base = {"kind": "exceptional", "child_id": "C1", "setting_id": "S1",
            "received_date": "2026-01-05", "panel_date": None, "decision": "pending",
            "awarded_level": None, "decision_date": None,
            **dict.fromkeys(x.GENERAL, True), **dict.fromkeys(x.SPECIFIC, False),
            "ehcp_in_place_or_in_process": True}
    frame = pd.DataFrame([{**base, "application_id": f"A{i}", **r} for i, r in enumerate(rows)])
    for col in ("received_date", "panel_date", "decision_date"):
        frame[col] = pd.to_datetime(frame[col])
    frame["awarded_level"] = frame["awarded_level"].astype("string")
    return frame


# -- X1-X3: the criteria check, advice only ------------------------------------------------

@pytest.mark.parametrize("general", list(x.GENERAL))
def test_X1_each_general_criterion_alone_missing_is_named(general):
    out = panel.eligibility(apps([{general: False}]), SETTINGS).iloc[0]
    assert not out.criteria_met
    assert out.general_missing == x.GENERAL[general][0]
    assert x.GENERAL[general][0] in out.advice and x.GENERAL[general][1] in out.advice


@pytest.mark.parametrize("specific", list(x.SPECIFIC))
def test_X2_each_specific_criterion_alone_is_enough_with_all_general(specific):
    row = {**dict.fromkeys(x.SPECIFIC, False), specific: True}
    out = panel.eligibility(apps([row]), SETTINGS).iloc[0]
    assert out.criteria_met and out.specific_met == x.SPECIFIC[specific][0]


def test_X2_no_specific_criterion_is_named():
    out = panel.eligibility(apps([dict.fromkeys(x.SPECIFIC, False)]), SETTINGS).iloc[0]
    assert not out.criteria_met and "no specific criterion" in out.advice


def test_X1_X2_every_combination_of_criteria():
    combos = [set(c) for n in range(9) for c in itertools.combinations(x.CRITERIA, n)]
    out = panel.eligibility(apps([{f: f in c for f in x.CRITERIA} for c in combos]), SETTINGS)
    assert len(out) == 256
    for combo, row in zip(combos, out.itertuples(), strict=True):
        assert row.criteria_met == (set(x.GENERAL) <= combo and bool(set(x.SPECIFIC) & combo))
        missing = [x.GENERAL[g][0] for g in x.GENERAL if g not in combo]
        assert row.general_missing == "; ".join(missing)
        for rule in missing:
            assert rule in row.advice


def test_X3_advice_never_reads_as_a_decision():
    out = panel.eligibility(apps([{}, {"receiving_gr4": False}]), SETTINGS)
    assert out["advice"].str.contains("For the panel to decide").all()
    assert not out["advice"].str.contains(r"approved|declined|eligible for the funding",
                                          case=False).any()
    assert "decision" not in out.columns  # the recorded decision is labelled as such


def test_X4_only_exceptional_applications_are_checked():
    out = panel.eligibility(apps([{}, {"kind": "non_nef"}, {"kind": "challenge_gr4"}]), SETTINGS)
    assert list(out["application_id"]) == ["A0"]


@pytest.mark.parametrize("kind,setting,received,expected", [
    ("exceptional", "S2", "2024-05-01", True),     # RI, after the 2024 bar
    ("exceptional", "S3", "2025-01-10", True),     # inadequate
    ("challenge_gr4", "S2", "2024-05-01", True),   # a top-up application too
    ("exceptional", "S2", "2023-05-01", False),    # before the dated bar
    ("exceptional", "S1", "2025-01-10", False),    # good
    ("non_nef", "S2", "2025-01-10", False),        # not a top-up application (Decision)
])
def test_X4_RI_or_inadequate_setting_flagged_where_practice_bars_top_up(kind, setting,
                                                                       received, expected):
    a = apps([{"kind": kind, "setting_id": setting, "received_date": received}])
    flag = panel.barred(a, panel.judgements(a, SETTINGS))
    assert bool(flag.iloc[0]) is expected
    if kind == "exceptional":
        advice = panel.eligibility(a, SETTINGS).iloc[0].advice
        assert ("bars top-up applications" in advice) is expected


def test_X4_bar_uses_the_judgement_in_force_on_receipt():
    inspections = pd.DataFrame({
        "setting_id": ["S2", "S2"], "judgement": ["good", "requires_improvement"],
        "inspection_date": pd.to_datetime(["2020-01-01", "2025-06-01"])})
    a = apps([{"setting_id": "S2", "received_date": "2025-03-01"},
              {"setting_id": "S2", "received_date": "2025-07-01"}])
    out = panel.eligibility(a, SETTINGS, inspections)
    assert list(out["setting_judgement"]) == ["good", "requires_improvement"]
    assert list(out["setting_barred"]) == [False, True]


# -- caseload analytics on hand-built data ------------------------------------------------

CASE = [
    {"received_date": "2026-01-05", "panel_date": "2026-02-10", "decision": "approved",
     "decision_date": "2026-02-10", "awarded_level": "EXC"},                      # 36 / 36
    {"received_date": "2026-01-12", "panel_date": "2026-02-10", "decision": "declined",
     "decision_date": "2026-02-20"},                                              # 29 / 39
    {"received_date": "2026-02-02", "panel_date": "2026-03-10", "decision": "deferred",
     "decision_date": "2026-03-10", "kind": "challenge_gr4"},                     # 36 / 36
    {"received_date": "2026-02-20", "panel_date": "2026-03-10", "decision": "withdrawn",
     "decision_date": "2026-03-01"},                                              # 18 / -
    {"received_date": "2026-03-02", "panel_date": "2026-04-14", "decision": "approved",
     "decision_date": "2026-04-14", "awarded_level": "GR4"},                      # after ON
    {"received_date": "2026-03-20"},                                              # pending
]
ON = "2026-03-31"


def test_waits_median_and_p90_on_hand_built_data():
    w = panel.waits(apps(CASE), ON)
    assert w["days_to_panel"].tolist()[:4] == [36, 29, 36, 18]
    assert w["days_to_decision"].dropna().tolist() == [36, 39, 36]  # not withdrawn, not later
    s = panel.wait_summary(w).set_index("kind")
    assert s.loc["all", "to_panel_n"] == 4 and s.loc["all", "to_panel_median"] == 32.5
    assert s.loc["all", "to_panel_p90"] == pytest.approx(36.0)
    assert s.loc["exceptional", "to_decision_median"] == 37.5
    assert s.loc["exceptional", "to_decision_p90"] == pytest.approx(38.7)


def test_backlog_counts_open_applications_each_week():
    b = panel.backlog(apps(CASE), "2026-01-05", "2026-04-20", freq="7D").set_index(
        ["date", "kind"])["open"]
    exc = b.xs("exceptional", level="kind")
    assert exc[pd.Timestamp("2026-01-05")] == 1
    assert exc[pd.Timestamp("2026-02-09")] == 2   # two received, none decided
    assert exc[pd.Timestamp("2026-02-16")] == 1   # first decided 10 Feb
    assert exc[pd.Timestamp("2026-02-23")] == 1   # second decided 20 Feb, fourth received
    assert exc[pd.Timestamp("2026-03-02")] == 1   # fourth withdrawn 1 Mar, fifth received
    assert exc[pd.Timestamp("2026-03-23")] == 2   # sixth received 20 Mar
    assert exc[pd.Timestamp("2026-04-20")] == 1   # fifth decided 14 Apr
    assert b.xs("challenge_gr4", level="kind")[pd.Timestamp("2026-03-16")] == 0  # deferral


def test_decisions_and_approval_rate_as_known_on_the_date():
    d = panel.decisions(apps(CASE), ON).set_index("kind")
    assert d.loc["exceptional", ["pending", "approved", "declined", "withdrawn"]].tolist() == [
        2, 1, 1, 1]
    assert d.loc["exceptional", "approval_rate"] == 0.5  # deferred, withdrawn not in the rate
    assert d.loc["all", "deferred"] == 1
    f = panel.funnel(apps(CASE), ON)["applications"].tolist()
    assert f == [6, 4, 2, 1]


def test_queue_lists_open_applications_up_to_the_panel_date():
    a = apps([*CASE, {"received_date": "2026-03-25", "panel_date": "2026-05-12"},
              {"received_date": "2026-03-26", "receiving_gr4": False}])
    q = panel.queue(a, "2026-04-14", ON, SETTINGS)
    assert q["application_id"].tolist() == ["A4", "A5", "A7"]  # A4 decided only after ON
    assert q["days_waiting"].tolist() == [29, 11, 5]
    assert q.set_index("application_id").loc["A7", "general_missing"] == "X1(d)"


def test_per_meeting_counts_by_kind():
    m = panel.per_meeting(apps(CASE)).set_index("panel_date")
    assert m.loc[pd.Timestamp("2026-03-10"), "exceptional"] == 1
    assert m.loc[pd.Timestamp("2026-03-10"), "challenge_gr4"] == 1
    assert m["total"].sum() == 5


# -- committed funding (X4, F1-F10) -------------------------------------------------------

CHILDREN = pd.DataFrame({"child_id": ["C1", "C2", "C3", "C4"],
                         "birth_month": ["2022-10", "2022-10", "2024-06", "2022-10"],
                         "ehcp_status": ["plan", "none", "none", "none"],
                         "eypp_eligible": [False, True, False, False]})
ATTENDANCE = pd.DataFrame({
    "child_id": ["C1", "C1", "C2", "C4"], "setting_id": ["S1", "S1", "S2", "S1"],
    "term": ["2025-SUM", "2025-AUT", "2025-AUT", "2025-AUT"],
    "hours_per_week": [10.0, 15.0, 20.0, 15.0], "weeks": [12.0, 14.0, 14.0, 14.0],
    "level": pd.Categorical(["GR4", "EXC", "GR3", "NE"],
                            categories=["NE", "GR1", "GR2", "GR3", "GR4", "EXC"], ordered=True),
    "level_from": pd.to_datetime(["2025-04-01", "2025-09-01", "2025-09-01", "2025-09-01"]),
})
AWARDS = [
    {"child_id": "C1", "decision": "approved", "awarded_level": "GR4",
     "received_date": "2025-08-01", "decision_date": "2025-09-09"},
    {"child_id": "C1", "decision": "approved", "awarded_level": "EXC",
     "received_date": "2025-12-01", "decision_date": "2026-01-13"},   # supersedes GR4
    {"child_id": "C3", "kind": "non_nef", "decision": "approved", "awarded_level": "GR2",
     "received_date": "2025-10-01", "decision_date": "2025-11-11"},   # no attendance rows
    {"child_id": "C2", "kind": "out_of_school", "decision": "approved", "awarded_level": "GR3",
     "received_date": "2025-10-01", "decision_date": "2025-11-11"},
    {"child_id": "C2", "decision": "declined", "received_date": "2025-10-01",
     "decision_date": "2025-11-11"},
]


def data(awards: pd.DataFrame) -> SimpleNamespace:
    return SimpleNamespace(children=CHILDREN, attendance=ATTENDANCE, settings=SETTINGS,
                           panel_applications=awards)


def _pence(hours, weeks, rate) -> int:
    value = Decimal(str(hours)) * Decimal(str(weeks)) * Decimal(str(rate)) * 100
    return int(value.quantize(Decimal(1), rounding="ROUND_HALF_UP"))


def test_committed_runs_from_the_award_term_to_the_term_before_school_entry(params):
    c = cm.committed(data(apps(AWARDS)), "2026-03-31", params)
    c1 = c.loc[c["child_id"] == "C1"].set_index("term")
    # born 2022-10: Reception in 2027-AUT; GR4 for 2025-AUT only, EXC from 2026-SPR
    assert c1.index.tolist() == ["2025-AUT", "2026-SPR", "2026-SUM", "2026-AUT", "2027-SPR",
                                 "2027-SUM"]
    assert c1.loc["2025-AUT", "level"] == "GR4" and c1.loc["2026-SPR", "level"] == "EXC"
    weeks = {s: params.get(f"nef.term_weeks.{s}", "2026-01-01") for s in ("AUT", "SPR", "SUM")}
    gr4 = params.get("inclusion.top_up.GR4", "2025-09-01")
    exc = params.get("inclusion.top_up.GR4", "2026-01-01") + params.get(
        "inclusion.exceptional_component", "2026-01-01")
    assert c1.loc["2025-AUT", "amount_pence"] == _pence(15, weeks["AUT"], gr4)
    assert c1.loc["2026-SPR", "amount_pence"] == _pence(15, weeks["SPR"], exc)
    assert c1["period"].tolist() == ["to date"] * 2 + ["to come"] * 4  # ON is in 2026-SPR
    assert c["amount_pence"].dtype == "int64"


def test_X4_non_nef_costed_at_the_rates_with_assumed_hours_and_out_of_school_not(params):
    a = apps(AWARDS)
    c = cm.committed(data(a), "2026-03-31", params)
    c3 = c.loc[c["child_id"] == "C3"]
    assert c3["hours_assumed"].all()
    assert (c3["hours_per_week"] == float(params.get("panel.assumed_hours_per_week",
                                                     "2026-03-31"))).all()
    # a 0-5 non-NEF child gets no base rate, so GR2 is paid even at age two (not F5)
    assert (c3["amount_pence"] > 0).all()
    assert "C2" not in set(c["child_id"])  # out-of-school is awarded individually
    ind = cm.individual_awards(a, "2026-03-31", params)
    assert ind[["kind", "awards"]].values.tolist() == [["out_of_school", 1]]


def test_committed_by_level_is_a_sum_of_rounded_pence_shown_to_the_penny(params):
    c = cm.committed(data(apps(AWARDS)), "2026-03-31", params)
    by = cm.committed_by_level(c)
    assert by["amount_pence"].sum() == c["amount_pence"].sum()
    assert by["amount"].str.fullmatch(r"£\d+\.\d{2}").all()
    assert cm.money(pd.Series([5, 123456])).tolist() == ["£0.05", "£1234.56"]


def test_committed_costs_a_term_the_data_hold_on_that_terms_claims(params):
    """Award terms the data hold are costed on that term's claims (recorded hours and weeks,
    data.claims.for_term); later terms on the last term's claims carried forward."""
    award = [{"child_id": "C1", "decision": "approved", "awarded_level": "GR4",
              "received_date": "2025-03-01", "decision_date": "2025-04-08"}]
    c = cm.committed(data(apps(award)), "2026-03-31", params).set_index("term")
    assert c.loc["2025-SUM", "hours_per_week"] == 10.0 and c.loc["2025-SUM", "weeks"] == 12.0
    assert c.loc["2025-AUT", "hours_per_week"] == 15.0
    assert c.loc["2026-SPR", "hours_per_week"] == 15.0  # carried forward from 2025-AUT
    assert not c["hours_assumed"].any()


# -- school entry heads-up ------------------------------------------------------------------

def test_school_entry_headsup_lists_send_children_starting_next_september():
    assert panel.next_september("2026-03-31") == "2026-AUT"
    assert panel.next_september("2025-11-23") == "2026-AUT"
    h = panel.school_entry_headsup(CHILDREN, ATTENDANCE, SETTINGS, "2025-11-23")
    assert h.empty  # born 2022-10: Reception in 2027
    h = panel.school_entry_headsup(CHILDREN, ATTENDANCE, SETTINGS, "2026-11-23")
    assert h["child_id"].tolist() == ["C1", "C2"]  # C4 is NE, C3 too young
    assert h.set_index("child_id").loc["C1", "school_equivalent"].startswith("Top-up")
    assert h.set_index("child_id").loc["C2", "school_equivalent"] == "Wave 3"
    by = panel.headsup_by_level(h)
    assert by.set_index("level").loc["EXC", "with_ehc_plan"] == 1


# -- notebook parameters and the notebook -------------------------------------------------

GOOD = dict(panel_date="2026-12-08", as_of="2026-11-23", kinds=["exceptional"])


@pytest.mark.parametrize("bad", [
    {"interactive": "false"}, {"kinds": []}, {"kinds": ["holiday"]},
    {"panel_date": "08/12/2026"}, {"panle_date": "2026-12-08"},
])
def test_notebook_parameters_are_validated(bad):
    with pytest.raises(pydantic.ValidationError):
        PanelCaseloadParameters(**{**GOOD, **bad})
    ok = PanelCaseloadParameters(**GOOD)
    # notebooks default to interactive (issue #12); the termly run passes False
    assert ok.panel_date == dt.date(2026, 12, 8) and ok.interactive is True
    assert PanelCaseloadParameters(as_of="2026-11-23").panel_date == dt.date(2026, 11, 23)


def test_dashboard_has_no_output_widget():
    """The stall: headless, nbclient answers an ipywidgets Output widget by sending comm
    messages on the shell channel while it waits there for the cell's reply, and the reply
    could go unseen until the execution timeout (the dashboard cell sat idle for its whole
    240 s and passed). The queue is an HTML widget now: nothing for nbclient to mimic."""
    import ipywidgets as w

    from eyanalysis.apps import panel as panel_app
    from eyanalysis.data.dataset import load

    ds = load(ROOT / "tests" / "data" / "tiny")
    c = panel.caseload(ds, "2025-10-10", "2025-11-12", ["exceptional", "challenge_gr4"])
    box = panel_app.dashboard(c, ds)
    found = walk(box)
    assert not [wd for wd in found if isinstance(wd, w.Output)]
    cards = next(wd for wd in found if isinstance(wd, w.HTML) and "ey-cards" in wd.value)
    assert 'data-application="P2"' in cards.value  # listed for 12 November
    kind = next(wd for wd in found if isinstance(wd, w.Dropdown) and wd.description == "Kind")
    kind.value = "exceptional"
    assert 'data-application="P2"' not in cards.value  # a GR4 challenge


def test_panel_charts_are_in_the_house_style_with_findings_from_their_data(sample, params):
    """The panel officer's five charts: house fonts, a left-aligned title that is the
    chart's finding and a subtitle; one colour per kind in every chart; levels by name;
    money in an axis titled with its unit. Each finding is worked out from the chart's own
    data (here against the caseload's tables)."""
    from eyanalysis.present import format as fmt
    from eyanalysis.present.charts import panel as charts
    from eyanalysis.present.charts import style
    from eyanalysis.vocabulary import LEVELS, PANEL_KINDS

    on = "2026-12-01"
    ds = sample.as_of(on)
    meeting = panel.next_meeting(ds.panel_applications, on, params)
    c = panel.caseload(ds, on, meeting, list(PANEL_KINDS), params=params)
    figs = {"meetings": charts.meetings_figure(c.per_meeting),
            "backlog": charts.backlog_figure(c.backlog),
            "funnel": charts.funnel_figure(c.funnel), "waits": charts.waits_figure(c.waits),
            "committed": charts.committed_figure(c.committed_by_level)}
    for name, fig in figs.items():
        assert fig.layout.font.family == style.FONT, name
        assert fig.layout.title.x == 0 and fig.layout.title.subtitle.text, name
    kind_colour = {t.name: t.marker.color for t in figs["meetings"].data}
    assert kind_colour == {PANEL_KINDS.short(k): style.PALETTE[i]
                           for i, k in enumerate(PANEL_KINDS) if k in c.per_meeting}
    assert {t.name: t.line.color for t in figs["backlog"].data} == kind_colour

    listed = int(c.per_meeting[list(PANEL_KINDS)].sum(axis=1).iloc[-1])
    assert figs["meetings"].layout.title.text.startswith(
        f"{listed} applications listed for the meeting on {fmt.date(meeting)}")
    stages = c.funnel.set_index("stage")["applications"]
    assert figs["funnel"].layout.title.text.startswith(
        f"{stages['approved']} of the {stages['received']} applications received")
    median = int(c.waits["days_to_decision"].dropna().median())
    assert f"decisions came {median} days or fewer" in figs["waits"].layout.title.text
    total = int(c.committed_by_level["amount_pence"].sum())
    assert fmt.money_rounded(total) in figs["committed"].layout.title.text
    bars = figs["committed"].data
    assert set(bars[0].x) <= {LEVELS.label(lv) for lv in LEVELS}  # names, not codes
    assert figs["committed"].layout.yaxis.title.text == "£ thousands"
    shown = sum(sum(t.y) for t in bars) * 100_000  # £ thousands back to pence
    assert abs(shown - total) < 1


def test_notebook_ran_in_the_session_run(termly_run):
    nb = nbt.read(termly_run.notebook("panel_caseload"))
    nbt.assert_ran_cleanly(nb)
    assert nbt.plotly_figures(nb) >= 5
    text = nbt.text(nb)
    assert "The next panel meeting is on" in text  # the cards (interactive=False)
    assert "application_id" not in text and "X1(" not in text


def test_notebook_is_committed_without_outputs_and_thin():
    import nbformat

    nb = nbformat.read(NOTEBOOK, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code)
    assert "parameters" in code[0].metadata.get("tags", [])
    assert "PanelCaseloadParameters" in code[1].source
    assert not any("def " in c.source or "lambda" in c.source for c in code)
    assert "sources(" in code[-1].source

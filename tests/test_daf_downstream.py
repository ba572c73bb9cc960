"""DAF and every funded age downstream (issue #13 items 2-3): the claims adapter's ``daf``,
the payment timeline's DAF run, the forecast's DAF stream, the projection's under-2 cells and
the termly tables (a DAF line, an under-2 column, report-card flags)."""

from __future__ import annotations

import datetime as dt
import shutil
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from eyanalysis.analysis import costing as C
from eyanalysis.analysis import forecast as F
from eyanalysis.analysis import payments as pm
from eyanalysis.analysis import projection as pj
from eyanalysis.analysis import summary
from eyanalysis.data import claims as cl
from eyanalysis.data.dataset import load
from eyanalysis.rules import daf, terms
from eyanalysis.rules.scenarios import baseline
from tests.conftest import ROOT

TINY = ROOT / "tests" / "data" / "tiny"
RATE_2025_26 = 93_800  # D1: £938 a year in 2025-26


@pytest.fixture(scope="module")
def tiny():
    return load(TINY, as_of="2026-12-01")


def test_D1_DAF_goes_to_the_nominated_setting_only(tiny):
    """C002 (DLA) attends S1 for 10 hours and the specialist S3 for 15 in 2025-AUT: the
    nominated setting is the one with most hours (the Decision of claims.nominated)."""
    c = cl.for_term(tiny, "2025-AUT").set_index(["child_id", "setting_id"])["daf"]
    assert c.loc[("C002", "S3")] and not c.loc[("C002", "S1")]
    assert c.sum() == 1  # nobody else receives DLA


def test_D2_DAF_falls_due_once_a_financial_year(tiny, tmp_path):
    """The financial-year rule: C002 claimed in 2025-AUT and 2026-SPR (both 2025-26) is paid
    once, in 2025-AUT; a 2026-SUM term (2026-27) pays again."""
    folder = tmp_path / "tiny"
    shutil.copytree(TINY, folder)
    att = pd.read_csv(folder / "attendance.csv", dtype=str)
    more = pd.DataFrame([["C002", "S3", "2026-SPR", "15", "12", "GR4", "2025-03-01"],
                         ["C002", "S3", "2026-SUM", "15", "12", "GR4", "2025-03-01"]],
                        columns=att.columns)
    pd.concat([att, more]).to_csv(folder / "attendance.csv", index=False)
    ds = load(folder, as_of="2026-12-01")
    assert ds.quarantined["attendance"].empty
    due = {t: bool(cl.for_term(ds, t).query("child_id == 'C002'")["daf"].any())
           for t in ("2025-AUT", "2026-SPR", "2026-SUM")}
    assert due == {"2025-AUT": True, "2026-SPR": False, "2026-SUM": True}
    tl = pm.timeline(ds, None, ["2025-AUT", "2026-SPR", "2026-SUM"]).set_index(
        ["setting_id", "term"])["daf"]
    assert tl.loc[("S3", "2025-AUT")] == RATE_2025_26
    assert tl.loc[("S3", "2026-SPR")] == 0
    assert tl.loc[("S3", "2026-SUM")] == 97_500  # £975 in 2026-27
    assert tl.drop(index=[("S3", "2025-AUT"), ("S3", "2026-SUM")]).eq(0).all()


def test_D2_the_timeline_pays_DAF_in_the_first_run_on_the_terms_first_day(tiny):
    tl = pm.timeline(tiny, None, ["2025-AUT"])
    events = pm.payments(tl)
    paid = events[(events["run"] == pm.DAF_RUN) & (events["pence"] > 0)]
    assert list(paid["setting_id"]) == ["S3"]
    assert list(paid["date"]) == [dt.date(2025, 9, 1)]
    assert int(paid["pence"].sum()) == RATE_2025_26
    # DAF is not part of the supplement's stages
    assert (tl["final"] == tl["actual"] + tl["change_request"]).all()


def test_D1_the_termly_funding_table_has_a_DAF_line(tiny):
    c = summary.Counted.of("2025-AUT", today=dt.date(2026, 12, 1))
    table = summary.funding(tiny, c).set_index("line")
    line = table.loc["Disability Access Fund"]
    assert line["children"] == 1
    assert (line[["predicted_pence", "actual_pence", "final_pence"]] == RATE_2025_26).all()
    lines = table.drop(index="Total")
    money = ["predicted_pence", "actual_pence", "final_pence"]
    assert (table.loc["Total", money] == lines[money].sum()).all()
    # the Total counts distinct children over every line (issue #11), the DAF child too
    assert lines["children"].max() <= table.loc["Total", "children"] <= lines["children"].sum()
    # the supplement alone is unchanged by the DAF line
    assert summary.supplement_pence(table.reset_index()) == int(
        pm.timeline(tiny, None, ["2025-AUT"])["predicted"].sum())


def test_F6_children_by_level_gain_an_under_2_column_only_when_held(tiny, tmp_path):
    c = summary.Counted.of("2025-AUT", today=dt.date(2026, 12, 1))
    plain = summary.children_by_level(tiny, c)
    assert list(plain.columns) == ["level", "age_2", "age_3_4", "total"]
    folder = tmp_path / "young"
    shutil.copytree(TINY, folder)
    kids = pd.read_csv(folder / "children.csv", dtype=str)
    kids.loc[len(kids)] = ["C005", "2024-10", "false", "false", "none", "false", "false"]
    kids.to_csv(folder / "children.csv", index=False)
    att = pd.read_csv(folder / "attendance.csv", dtype=str)
    att.loc[len(att)] = ["C005", "S1", "2025-AUT", "15", "14", "GR3", "2025-09-01"]
    att.to_csv(folder / "attendance.csv", index=False)
    young = summary.children_by_level(load(folder, as_of="2026-12-01"), c).set_index("level")
    assert list(young.columns) == ["age_under_2", "age_2", "age_3_4", "total"]
    assert young.loc["GR3", "age_under_2"] == 1 and young.loc["Total", "age_under_2"] == 1
    assert (young["total"] == young[["age_under_2", "age_2", "age_3_4"]].sum(axis=1)).all()
    assert young.attrs["relations"] == ("total = age_under_2 + age_2 + age_3_4",)


def test_O1_O2_flags_count_report_cards_known_on_the_count_date(tmp_path):
    folder = tmp_path / "cards"
    shutil.copytree(TINY, folder)
    insp = pd.read_csv(folder / "inspections.csv", dtype=str, keep_default_na=False)
    blank = dict.fromkeys(insp.columns, "")
    card = {**blank, "setting_id": "S4", "inspection_date": "2026-02-10",
            "safeguarding": "not_met", "inclusion": "needs_attention",
            "curriculum_teaching": "expected_standard", "achievement": "expected_standard",
            "behaviour_attitudes_routines": "expected_standard",
            "welfare_wellbeing": "needs_attention", "leadership_governance": "urgent_improvement"}
    insp = pd.concat([insp, pd.DataFrame([card])], ignore_index=True)
    insp.to_csv(folder / "inspections.csv", index=False)
    ds = load(folder, as_of="2026-12-01")
    assert ds.quarantined["inspections"].empty, ds.problems
    after = summary.flags(ds, summary.Counted.of("2026-SPR", today=dt.date(2026, 12, 1)))
    before = summary.flags(ds, summary.Counted.of("2025-AUT", today=dt.date(2026, 12, 1)))
    a, b = after.set_index("flag")["settings"], before.set_index("flag")["settings"]
    assert a["Report card: safeguarding not met"] == 1
    assert a["Report card: an area at urgent improvement"] == 1
    assert b["Report card: safeguarding not met"] == 0  # not known in 2025-AUT
    assert b["Not yet inspected"] == a["Not yet inspected"] + 1  # S4 inspected by then


@pytest.fixture(scope="module")
def inputs(sample):
    return F.Inputs.from_dataset(sample)


def test_D1_D2_the_forecast_projects_DAF_as_a_third_stream(inputs, params):
    fc = F.run(inputs, [baseline(params)], inputs.next_term, 3, paths=0, seed=1)
    t = fc.table
    assert (t["daf"] > 0).all()
    assert np.allclose(t["expected"], t["supplement"] + t["eypp"] + t["daf"])
    assert "daf" in F.published(fc).columns
    assert set(fc.by_level["level"]) >= {"DAF", "EYPP"}
    # DAF spend scales with the annual rate in force on each projected term's first day
    doubled = params.with_overrides({"daf.rate": {"2026-04-01": Decimal("1950")}})
    again = F.recost(fc, inputs, doubled)
    assert np.allclose(again["daf"], 2 * t["daf"], rtol=1e-12)
    assert np.allclose(again["supplement"], t["supplement"], rtol=1e-12)


def test_F6_under_2_cells_are_costed_with_their_own_base_rate_and_pool(params):
    """A projected term's under-2 cells (F6') pool an empty cell within the under-2 age,
    not with the 2-year-olds, and pay no EYPP or supplement before the under-2
    entitlement began (September 2024)."""
    term = "2027-SPR"
    fage = pj.funding_age_of_cell(term)
    assert {"under-2", "2", "3-4"} <= set(fage)
    u2 = int(np.flatnonzero(fage == "under-2")[-1])
    two = int(np.flatnonzero(fage == "2")[0])
    ref = pd.DataFrame({"child_id": ["A", "B"], "setting_id": ["S", "S"],
                        "hours_per_week": [15.0, 5.0], "level_code": [3, 3],
                        "age": [u2, two], "eypp": [False, False], "specialist": [False, False],
                        "daf_pence": [0.0, 0.0], "daf_rate_pence": [97_500.0, 97_500.0]})
    tc = C.term_cost(ref, term, params)
    weeks = cl.term_weeks(term, params)
    under2 = np.flatnonzero(fage == "under-2")
    assert np.allclose(tc.sup_hours[3, under2], 15 * weeks)  # pooled within under-2
    assert tc.sup_hours[3, two] == pytest.approx(5 * weeks)
    early = C.term_cost(ref.assign(daf_pence=[97_500.0, 0.0]), "2024-SPR", params)
    assert early.daf[3, u2] == 0 and early.eypp_rate[u2] == 0  # no under-2 entitlement yet
    later = C.term_cost(ref.assign(daf_pence=[97_500.0, 0.0]), term, params)
    assert later.daf[3, u2] == pytest.approx(float(daf.annual_rate(terms.start(term))))

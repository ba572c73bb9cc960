"""The three apps' building blocks without a browser (issue #12): financial years, the
scenario file the budget planner saves and the forecast command reads back, meetings and
cards, the panel pack, the team manager's filters, downloads and the offline Voila
template. The browser flows are in tests/test_browser.py."""

from __future__ import annotations

import base64
import datetime as dt
import io
import re
import shutil
import subprocess

import pandas as pd
import pytest

from eyanalysis.cli import main
from tests.widgets import walk

TODAY = dt.date(2026, 12, 1)


# -- budget planner -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def forecast_inputs(sample):
    from eyanalysis.analysis import forecast

    return forecast.Inputs.from_dataset(sample)


@pytest.fixture(scope="module")
def small_forecast(forecast_inputs, params):
    from eyanalysis.analysis import forecast
    from eyanalysis.rules.scenarios import load_scenarios

    scenarios = load_scenarios(None, params)
    fc = forecast.run(forecast_inputs, scenarios, forecast_inputs.next_term, 6, 300, 7)
    return fc, scenarios


def test_financial_years_of_some_scenarios_are_their_rows_of_all(small_forecast,
                                                                  forecast_inputs):
    """The planner costs the scenarios on file once and only the what-if on each change
    (issue #12 item 5): one scenario's rows alone equal its rows among all."""
    from eyanalysis.analysis.forecast import by_financial_year

    fc, scenarios = small_forecast
    params_of = {s.name: s.params for s in scenarios}
    every = by_financial_year(fc, forecast_inputs, params_of)
    last = scenarios[-1].name
    alone = by_financial_year(fc, forecast_inputs, params_of, scenarios=[last])
    assert set(alone["scenario"]) == {last} and len(every["scenario"].unique()) > 1
    pd.testing.assert_frame_equal(
        alone.reset_index(drop=True),
        every[every["scenario"] == last].reset_index(drop=True))


def test_financial_years_run_april_to_march_and_add_up(small_forecast, forecast_inputs):
    """Spring terms belong to the financial year that began the April before; the streams
    add up to the expected spend; P10 <= expected <= P90; the change is the difference of two
    whole years, and no change is given next to a part year."""
    from eyanalysis.analysis.forecast import by_financial_year
    from eyanalysis.rules.timing import financial_year

    fc, scenarios = small_forecast
    assert forecast_inputs.last_term == "2026-AUT" and fc.terms[0] == "2027-SPR"
    assert financial_year(dt.date(2027, 1, 1)) == "2026-27"
    fy = by_financial_year(fc, forecast_inputs, {s.name: s.params for s in scenarios})
    base = fy[fy["scenario"] == "Baseline"].set_index("financial_year")
    assert list(base.index) == ["2026-27", "2027-28", "2028-29"]
    # 2026-27: Summer and Autumn 2026 from the data, Spring 2027 forecast
    assert base.loc["2026-27", "terms_observed"] == 2 and base.loc["2026-27", "complete"]
    assert base.loc["2027-28", "terms_forecast"] == 3 and base.loc["2027-28", "complete"]
    assert not base.loc["2028-29", "complete"]  # the forecast stops in Autumn 2028
    streams = base[["supplement", "exceptional", "eypp", "daf"]].sum(axis=1)
    assert (abs(streams - base["expected"]) <= 0.03).all()
    assert (base["p10"] <= base["expected"]).all() and (base["expected"] <= base["p90"]).all()
    assert base.loc["2027-28", "change"] == pytest.approx(
        base.loc["2027-28", "expected"] - base.loc["2026-27", "expected"], abs=0.01)
    assert pd.isna(base.loc["2028-29", "change"]) and pd.isna(base.loc["2026-27", "change"])
    # the forecast terms of 2027-28 are the three of the term table
    terms = fc.table[(fc.table["scenario"] == "Baseline")
                     & fc.table["term"].isin(["2027-SUM", "2027-AUT", "2028-SPR"])]
    assert base.loc["2027-28", "expected"] == pytest.approx(terms["expected"].sum(), abs=0.01)


def test_scenario_file_names_are_safe_and_shipped_files_never_replaced(tmp_path, params):
    from decimal import Decimal

    from eyanalysis.errors import ScenarioError
    from eyanalysis.rules.scenarios import file_name, load_scenario, save_scenario

    assert file_name("../../etc/passwd") == "etc_passwd.yaml"
    assert file_name("Top-ups +5% from April 2027") == "top_ups_5_from_april_2027.yaml"
    with pytest.raises(ScenarioError, match="letters or digits"):
        file_name("../..")
    overrides = {"inclusion.top_up.GR3": {"2027-04-01": Decimal("1.70")},
                 "nef.weekly_hour_cap": {"2027-04-01": 20}}
    path = save_scenario("../GR3 at £1.70", "test", overrides, tmp_path, params=params)
    assert path.parent == tmp_path and path.name == "gr3_at_1_70.yaml"
    back = load_scenario(path, params)
    assert back.name == "../GR3 at £1.70"
    assert back.params.get("inclusion.top_up.GR3", "2027-04-01") == Decimal("1.70")
    assert back.params.get("nef.weekly_hour_cap", "2027-04-01") == 20
    with pytest.raises(ScenarioError, match="already exists"):
        save_scenario("GR3 at £1.70", "again", overrides, tmp_path, params=params)
    save_scenario("GR3 at £1.70", "again", overrides, tmp_path, replace=True, params=params)
    shipped = tmp_path / "eypp_115.yaml"
    shutil.copy(params.root / "scenarios" / "eypp_115.yaml", shipped)
    before = shipped.read_bytes()
    with pytest.raises(ScenarioError, match="shipped scenario"):
        save_scenario("EYPP 115", "mine", overrides, tmp_path, replace=True, params=params)
    assert shipped.read_bytes() == before
    with pytest.raises(ScenarioError, match="not a non-negative amount"):
        save_scenario("negative", "x", {"eypp.rate": {"2027-04-01": Decimal("-1")}},
                      tmp_path, params=params)
    assert not (tmp_path / "negative.yaml").exists()
    assert not list(tmp_path.glob("*.tmp"))


def test_scenario_built_in_the_planner_is_read_back_by_the_forecast_command(
        tmp_path, params, capsys, forecast_inputs):
    """The planner's what-if, saved, gives the same financial-year figures through
    ``eyanalysis forecast --scenario FILE --by financial-year`` (same seed, same paths)."""
    from decimal import Decimal

    from eyanalysis.analysis import forecast
    from eyanalysis.apps.forecast import overrides_of
    from eyanalysis.rules.scenarios import baseline, load_scenario, save_scenario

    day = dt.date(2027, 4, 1)
    base = {"inclusion.top_up.GR3": 1.60, "eypp.rate": 1.15, "nef.weekly_hour_cap": 15}
    overrides = overrides_of({**base, "inclusion.top_up.GR3": 1.95}, base, day)
    assert overrides == {"inclusion.top_up.GR3": {"2027-04-01": Decimal("1.95")}}
    path = save_scenario("GR3 up to £1.95", "from the planner", overrides, tmp_path,
                         params=params)
    fc = forecast.run(forecast_inputs, [baseline(params)], forecast_inputs.next_term, 6, 200,
                      11)
    what_if = params.with_overrides(overrides, source="planner")
    fc = forecast.add_scenario(fc, forecast_inputs, what_if, "GR3 up to £1.95")
    app = forecast.by_financial_year(fc, forecast_inputs,
                                     {"Baseline": params, "GR3 up to £1.95": what_if})
    out = tmp_path / "fy.csv"
    assert main(["forecast", "--scenario", str(path), "--by", "financial-year", "--paths",
                 "200", "--seed", "11", "--quiet", "--out", str(out)]) == 0
    cli = pd.read_csv(out)
    assert list(cli.columns[:5]) == ["scenario", "financial_year", "complete",
                                     "terms_observed", "terms_forecast"]
    merged = cli.merge(app, on=["scenario", "financial_year"], suffixes=("_cli", "_app"))
    assert len(merged) == 6 and set(merged["scenario"]) == {"Baseline", "GR3 up to £1.95"}
    for col in ("expected", "p10", "p90", "supplement", "exceptional", "eypp"):
        assert (abs(merged[f"{col}_cli"] - merged[f"{col}_app"]) < 0.006).all(), col
    rise = merged[merged["scenario"] != "Baseline"].set_index("financial_year")
    flat = merged[merged["scenario"] == "Baseline"].set_index("financial_year")
    assert rise.loc["2027-28", "expected_cli"] > flat.loc["2027-28", "expected_cli"]
    assert rise.loc["2026-27", "expected_cli"] == pytest.approx(
        flat.loc["2026-27", "expected_cli"], abs=0.01)  # the change starts in April 2027
    assert load_scenario(path, params).name == "GR3 up to £1.95"


def test_forecast_by_financial_year_prints_csv(capsys):
    assert main(["forecast", "--by", "financial-year", "--terms", "3", "--paths", "50",
                 "--quiet", "--scenario", "parameters/scenarios/hour_cap_30.yaml"]) == 0
    table = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert set(table["financial_year"]) == {"2026-27", "2027-28"}
    assert set(table["scenario"]) == {"Baseline", "Weekly hour cap 30 from April 2027"}


def test_headline_and_comparison_tables_are_labelled_money(small_forecast, forecast_inputs):
    from eyanalysis.apps import forecast as planner
    from eyanalysis.present.tables import publication_html

    fc, scenarios = small_forecast
    fy = planner.financial_years(fc, forecast_inputs, scenarios)
    frame, spec = planner.headline_frame(fy)
    page = publication_html(frame, spec)
    assert "April 2027 to March 2028" in page and "&#163;" in page or "£" in page
    assert "2027-28" not in page and "Baseline" in page
    sentence = planner.headline_sentence(fy)
    assert sentence.startswith("In the financial year April 2026 to March 2027")
    # the sentence names every stream its total adds up (the table's "By stream")
    first = fy[(fy["scenario"] == "Baseline") & fy["complete"]].iloc[0]
    streams = ["supplement", "exceptional", "eypp", "daf"]
    assert abs(first[streams].sum() - first["expected"]) < 0.05
    for name in ("Inclusion Supplement", "exceptional funding", "Early Years Pupil Premium",
                 "Disability Access Fund"):
        assert name in sentence, name
    cmp_frame, cmp_spec = planner.comparison_frame(fy, [s.name for s in scenarios])
    shown = [c.label.split(":")[0] for k, c in cmp_spec.columns.items() if k.startswith("s")]
    assert shown == [s.name for s in scenarios][:planner.MAX_COMPARED]  # never more than 4
    fig = planner.comparison_figure(fy, ["Baseline", "Weekly hour cap 30 from April 2027"])
    assert len(fig.data) == 2
    assert fig.layout.title.text.startswith("Weekly hour cap 30 from April 2027: £")
    assert "more than the baseline in April 2027 to March 2028" in fig.layout.title.text
    same = planner.comparison_figure(fy, ["Baseline", "EYPP at £1.15 from April 2025"])
    assert "costs the same as the baseline" in same.layout.title.text
    # several scenarios: the title names the one that moves spend most, not the first
    names = [s.name for s in scenarios][:planner.MAX_COMPARED]
    several = planner.comparison_figure(fy, names)
    base = fy[fy["scenario"] == "Baseline"].set_index("financial_year")["expected"]
    gaps = {n: (fy[fy["scenario"] == n].set_index("financial_year")["expected"] - base).abs()
            .max() for n in names[1:]}
    most = max(gaps, key=gaps.get)
    assert several.layout.title.text.startswith(f"{most} moves spend most: £"), (
        several.layout.title.text, gaps)


def test_comparison_exports_a_standard_workbook_with_no_formula(small_forecast,
                                                                forecast_inputs, tmp_path):
    import openpyxl

    from eyanalysis.apps import forecast as planner

    fc, scenarios = small_forecast
    fy = planner.financial_years(fc, forecast_inputs, scenarios)
    names = [s.name for s in scenarios][:3]
    path = planner.export_comparison(fy, fc, names, tmp_path / "cmp.xlsx")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames[:3] == ["Cover", "Contents", "Notes"]
    cells = [c for ws in book.worksheets for row in ws.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    numbers = [c.value for c in cells if isinstance(c.value, (int, float))]
    assert numbers and max(numbers) > 100_000  # pounds stored as numbers


def test_planner_headline_shows_its_tables_before_its_chart(small_forecast, forecast_inputs,
                                                            monkeypatch):
    """The headline's chart after its two tables, so the app's first screen has no chart to
    wait for (issue #12 item 5, first render under 5 s)."""
    import IPython.display
    import plotly.graph_objects as go

    from eyanalysis.apps import forecast as planner

    shown: list = []
    monkeypatch.setattr(IPython.display, "display", lambda *objs, **kw: shown.extend(objs))
    fc, scenarios = small_forecast
    planner.headline(fc, forecast_inputs, scenarios)
    kinds = ["chart" if isinstance(o, go.Figure) else "table" if "<table" in o.data
             else "other" for o in shown]
    assert kinds == ["table", "table", "chart"], kinds
    assert "In the financial year" in shown[0].data  # the sentence leads


def test_planner_answers_in_words_then_the_chart_under_the_rate_boxes(small_forecast,
                                                                       forecast_inputs,
                                                                       params, tmp_path):
    """The what-if answer within a screen of the rate boxes: the sentence, then the picker
    (every scenario in sight, the what-if last) and the chart of the picked scenarios, then
    the tables; the comparison table, save and export after them."""
    import ipywidgets as w
    import plotly.graph_objects as go

    from eyanalysis.apps import forecast as planner

    fc, scenarios = small_forecast
    page = planner.planner(fc, forecast_inputs, params, scenarios, folder=tmp_path)
    kids = list(page.children)
    rates = next(i for i, c in enumerate(kids) if isinstance(c, w.HBox)
                 and any(isinstance(x, w.BoundedFloatText) for x in walk(c)))
    answer = next(i for i, c in enumerate(kids) if isinstance(c, w.HTML)
                  and "What if:" in c.value)
    pick = next(i for i, c in enumerate(kids) if isinstance(c, w.SelectMultiple))
    chart = next(i for i, c in enumerate(kids) if isinstance(c, w.Box)
                 and any(isinstance(x, go.FigureWidget) for x in c.children))
    tables = [i for i, c in enumerate(kids) if isinstance(c, w.HTML) and "<table" in c.value]
    saving = next(i for i, c in enumerate(kids) if isinstance(c, w.HBox)
                  and any(getattr(x, "description", "") == "Save scenario" for x in c.children))
    assert rates < answer < pick < chart < min(tables), (rates, answer, pick, chart, tables)
    assert max(tables) < saving
    assert "<table" not in kids[answer].value  # words only, the tables come after the chart
    picker = kids[pick]
    assert picker.options[-1] == planner.WHAT_IF and planner.WHAT_IF in picker.value
    assert picker.rows >= len(picker.options)  # the what-if is in sight, not scrolled away


def test_planner_embeds_the_schemes_view(small_forecast, forecast_inputs, sample, params,
                                         tmp_path):
    """Issue #12/#14: the budget planner's page ends with the same caseload under other
    authorities' schemes (S1-S3), the schemes view itself: picking schemes and regrouping
    change its chart and its crosswalk assumptions, in the planner's page."""
    import ipywidgets as w
    import plotly.graph_objects as go

    from eyanalysis.analysis import schemes as scheme_costs
    from eyanalysis.apps import forecast as planner

    fc, scenarios = small_forecast
    comparison, _ = scheme_costs.compare_term(sample, forecast_inputs.last_term,
                                              params=params)
    assert len(comparison.schemes) >= 3
    page = planner.planner(fc, forecast_inputs, params, scenarios, folder=tmp_path,
                           schemes=comparison)
    without = planner.planner(fc, forecast_inputs, params, scenarios, folder=tmp_path)
    assert len(page.children) == len(without.children) + 2
    heading, box = page.children[-2:]
    assert "Other authorities' inclusion schemes" in heading.value
    assert "ey-schemes" in box._dom_classes
    found = walk(box)
    chart_box = next(x for x in found if isinstance(x, w.Box)
                     and any(isinstance(c, go.FigureWidget) for c in x.children))
    assumptions = next(x for x in found if isinstance(x, w.HTML)
                       and "Crosswalk assumptions" in x.value)
    picker = next(x for x in found if isinstance(x, w.SelectMultiple))
    grouping = next(x for x in found if isinstance(x, w.ToggleButtons))
    names = {sid: s.name for sid, s in comparison.schemes.items()}
    assert all(n in assumptions.value for n in names.values())
    first, *others = list(comparison.schemes)
    picker.value = (first,)
    assert names[first] in assumptions.value
    shown = assumptions.value.count("<li>") - assumptions.value.count("<li><i>Note:")
    assert shown == 1  # one scheme's crosswalk line (the notes always stay)
    assert "by level" in chart_box.children[0].layout.title.text
    grouping.value = "Setting type"
    assert "by setting type" in chart_box.children[0].layout.title.text
    # the planner's own figures are untouched by the schemes section
    assert [type(c) for c in page.children[:-2]] == [type(c) for c in without.children]


# -- panel officer --------------------------------------------------------------------------

def test_meeting_picker_lists_future_meetings_first(sample, params):
    from eyanalysis.analysis import panel

    apps = sample.as_of(dt.date(2026, 11, 23)).panel_applications
    dates = panel.meeting_dates(apps, dt.date(2026, 11, 23), params=params)
    assert dates[0] == dt.date(2026, 12, 8)  # second Tuesday of December
    future = [d for d in dates if d >= dt.date(2026, 11, 23)]
    assert dates[:len(future)] == sorted(future)
    assert dates[len(future)] == dt.date(2026, 11, 10)  # then the latest past meeting
    assert all(d.weekday() == 1 for d in future)
    assert panel.next_meeting(apps, dt.date(2026, 12, 8), params) == dt.date(2026, 12, 8)


def test_cards_list_exactly_the_applications_listed_and_never_a_decision(sample, params):
    from eyanalysis.analysis import panel
    from eyanalysis.present.cards import cards_html

    on, meeting = dt.date(2026, 11, 23), dt.date(2026, 12, 8)
    ds = sample.as_of(on)
    apps = ds.panel_applications
    cards = panel.cards(apps, meeting, on, ds.settings, ds.tables["inspections"],
                        attendance=ds.attendance)
    listed = apps[(apps["panel_date"] == pd.Timestamp(meeting))
                  & (apps["decision"] == "pending")]
    assert sorted(c["application_id"] for c in cards) == sorted(listed["application_id"])
    exc = [c for c in cards if c["kind"] == "exceptional"]
    assert exc and all(len(c["criteria"]) == 8 for c in exc)
    page = cards_html(cards, meeting)
    for word in ("recommendation", "we recommend", "suggested", "approve", "decline",
                 "criteria met", "eligible: yes", "X1", "X2", "GR4 ", "exceptional_"):
        assert word.lower() not in page.lower(), word
    assert "Not evidenced" in page or all(x["met"] for c in exc for x in c["criteria"])
    assert "The panel decides." in page


def test_panel_pack_lists_exactly_the_applications_of_the_meeting(tmp_path):
    from tests.conftest import run_cli, run_main

    out = tmp_path / "pack.html"
    run = run_cli("panel-pack", "--meeting", "2026-12-08", "--as-of", "2026-11-23",
                  "--out", out)
    assert run.returncode == 0, run.stderr
    page = out.read_text()
    from eyanalysis.data.dataset import load

    apps = load(tables=["panel_applications"]).as_of(dt.date(2026, 11, 23)).panel_applications
    listed = apps[(apps["panel_date"] == "2026-12-08") & (apps["decision"] == "pending")]
    shown = re.findall(r'data-application="([^"]+)"', page)
    assert sorted(shown) == sorted(listed["application_id"]) and len(shown) == 13
    assert "13 applications listed" in run.stderr or "13 application(s)" in run.stderr
    for child in listed["child_id"]:
        assert page.count(child) >= 2  # in the summary table and on its card
    assert "Applications listed for the panel meeting on 8 December 2026" in page
    # a meeting with nothing listed says so and names the meetings
    empty = tmp_path / "none.html"
    run = run_main("panel-pack", "--meeting", "2026-12-09", "--as-of", "2026-11-23",
                   "--out", empty)
    assert run.returncode == 0 and "no application is listed" in run.stderr
    assert "2026-12-08" in run.stderr


def test_panel_pack_pdf_reads_as_cards(tmp_path):
    from tests.conftest import run_main

    out = tmp_path / "pack.pdf"
    run = run_main("panel-pack", "--meeting", "2026-12-08", "--as-of", "2026-11-23",
                  "--out", out)
    assert run.returncode == 0, run.stderr
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "Early Years Inclusion Funding Panel: 8 December" in text
    assert "Not evidenced" in text or "Evidenced" in text
    assert "Page 1 of" in text
    assert main(["panel-pack", "--meeting", "2026-12-08", "--out",
                 str(tmp_path / "pack.docx")]) == 2


def test_panel_dashboard_opens_on_the_meeting_and_filters_cards(root):
    import ipywidgets as w

    from eyanalysis.analysis import panel
    from eyanalysis.apps import panel as panel_app
    from eyanalysis.data.dataset import load

    ds = load(root / "tests" / "data" / "tiny")
    c = panel.caseload(ds, "2025-10-10", "2025-11-12", ["exceptional", "challenge_gr4"])
    box = panel_app.dashboard(c, ds)
    found = walk(box)
    assert not [wd for wd in found if isinstance(wd, w.Output)]
    meeting = next(wd for wd in found if isinstance(wd, w.Dropdown)
                   and wd.description == "Meeting")
    assert meeting.value == dt.date(2025, 11, 12)  # the meeting the caseload is for
    # future meetings first: the second Tuesday of October, then the listed 15 October
    assert [d for _, d in meeting.options[:2]] == [dt.date(2025, 10, 14),
                                                   dt.date(2025, 10, 15)]
    meeting.value = dt.date(2025, 10, 15)
    cards = next(wd for wd in found if isinstance(wd, w.HTML) and "ey-cards" in wd.value)
    assert 'data-application="P1"' in cards.value  # held: what it had to decide
    meeting.value = dt.date(2025, 11, 12)
    assert 'data-application="P2"' in cards.value and 'data-application="P1"' \
        not in cards.value
    kind = next(wd for wd in found if isinstance(wd, w.Dropdown) and wd.description == "Kind")
    kind.value = "exceptional"
    assert 'data-application="P2"' not in cards.value
    assert "No application is listed" in cards.value or "0 application" in cards.value


# -- team manager ---------------------------------------------------------------------------

def test_every_section_follows_the_district(spread_view):
    from eyanalysis.apps.spread import Choice

    v = spread_view
    on, start = dt.date(2026, 11, 23), dt.date(2025, 11, 23)
    county, one = Choice("all", "all", on, start), Choice(v.districts[0], "all", on, start)

    def sections(c):
        change = v.change_table(c)[0]
        return {"change": change.to_json(), "sankey": v.sankey(c).to_json(),
                "district": v.by_figure(c, "district").to_json(),
                "judgement": v.by_figure(c, "judgement").to_json(),
                "targeted": v.support_list(c, "targeted")[0].to_json(),
                "intensive": v.support_list(c, "intensive")[0].to_json(),
                "compliance": v.compliance_table(c)[0].to_json(),
                "workload": v.workload_figure(c)[0].to_json(),
                "cycle": v.cycle_figure(c)[0].to_json(),
                "outcomes": v.outcome_figure(c)[0].to_json()}

    a, b = sections(county), sections(one)
    assert [k for k in a if a[k] == b[k]] == []
    frame = v.change_table(one)[0]
    assert frame.iloc[-1]["now"] == (v.settings["district"] == v.districts[0]).sum()


def test_support_lists_say_when_the_next_visit_is_due(spread_view):
    from eyanalysis.apps.spread import Choice

    v = spread_view
    c = Choice("all", "all", dt.date(2026, 11, 23), dt.date(2025, 11, 23))
    frame, spec, sentence = v.support_list(c, "intensive")
    lv = v.levels(c.on)
    assert len(frame) == int((lv["level"] == "intensive").sum())
    assert list(spec.columns)[:2] == ["name", "district"]
    assert "link_adviser" in spec.columns  # the sample's settings name their link adviser
    # C1: an Intensive setting is owed a visit a month: due by the end of the month after
    # its last visit at this level; overdue days count from that date
    row = lv[lv["level"] == "intensive"].dropna(subset=["last_visit"]).iloc[0]
    last = pd.Timestamp(row["last_visit"])
    if last >= pd.Timestamp(row["since"]):
        expect = (last + pd.offsets.MonthBegin(2)).normalize() - pd.Timedelta(days=1)
        assert pd.Timestamp(row["next_due"]) == expect
    overdue = frame[frame["overdue_days"] > 0]
    assert f"{len(overdue)} setting" in sentence or (len(overdue) == 0 and "no settings"
                                                     in sentence)
    searched = v.support_list(c, "intensive", search=frame.iloc[0]["name"])[0]
    assert len(searched) >= 1 and (searched["name"] == frame.iloc[0]["name"]).any()
    by_name = v.support_list(c, "intensive", sort="name")[0]
    assert list(by_name["name"]) == sorted(by_name["name"])


def test_link_adviser_is_listed_when_the_data_have_it(sample):
    from eyanalysis.analysis import categorisation
    from eyanalysis.apps.spread import Choice, SpreadView

    on = dt.date(2026, 11, 23)
    ds = sample.as_of(on)
    names = ["Adviser A", "Adviser B", "Adviser C"] * len(ds.settings)
    settings = ds.settings.assign(link_adviser=names[:len(ds.settings)])
    line = categorisation.timeline(settings, ds.visits, ds.inspections, on, ds.categorisations)
    v = SpreadView(line, settings, ds.visits, ds.inspections, on)
    frame, spec, _ = v.support_list(Choice("all", "all", on, dt.date(2025, 11, 23)),
                                    "targeted", search="adviser b")
    assert spec.columns["link_adviser"].label == "Link adviser"
    assert len(frame) and (frame["link_adviser"] == "Adviser B").all()


def test_support_lists_are_itables_updated_in_place(spread_view):
    """The team manager's Targeted and Intensive lists are itables widgets (search, sort,
    CSV/Excel of the rows shown, offline: the DataTables bundle travels with the widget),
    every row sent, dates sorted in time order; a filter change updates the same widgets
    in place, and the formula-safe download links under them follow."""
    import ipywidgets as w
    from itables.widget import ITable

    from eyanalysis.apps.spread import TABS, Choice, explorer

    v = spread_view
    on, start = dt.date(2026, 11, 23), dt.date(2025, 11, 23)
    page = explorer(v, Choice("all", "all", on, start))
    tabs = next(x for x in walk(page) if isinstance(x, w.Tab))
    assert not [t for t in walk(page) if isinstance(t, ITable)]  # drawn when opened
    tabs.selected_index = TABS.index("Settings in support")
    found = walk(page)
    tables = {t.caption.split(",")[0]: t for t in found if isinstance(t, ITable)}
    assert set(tables) == {"Settings in Targeted support", "Settings in Intensive support"}
    for level, label in (("targeted", "Targeted"), ("intensive", "Intensive")):
        table = tables[f"Settings in {label} support"]
        frame = v.support_list(Choice("all", "all", on, start), level)[0]
        assert len(table.df) == len(frame) and list(table.df["Setting"]) == list(
            frame["name"])
        args = table._dt_args
        assert [b["text"] for b in args["buttons"]] == ["CSV of the rows shown",
                                                        "Excel of the rows shown"]
        assert args["layout"]["topEnd"] == "search" and args["order"] == []
        evaluated = {tuple(k) for k in args["keys_to_be_evaluated"]}
        assert ("buttons", 0, "exportOptions", "format", "body") in evaluated  # defused
        dates = [list(table.df.columns).index(c) for c in
                 ("At this level since", "Last visit", "Next visit due by")]
        sorted_as_dates = [d["targets"][0] for d in args["columnDefs"]
                           if "render" in d and "months" in d["render"]]
        assert sorted_as_dates == dates
    before = {k: (id(t), len(t.df)) for k, t in tables.items()}
    links = [x for x in found if isinstance(x, w.HTML) and "ey-download" in x.value]
    assert len(links) == 2
    old_links = [x.value for x in links]
    district = next(x for x in found if isinstance(x, w.Dropdown)
                    and x.description == "District")
    district.value = v.districts[0]
    one = Choice(v.districts[0], "all", on, start)
    for level, label in (("targeted", "Targeted"), ("intensive", "Intensive")):
        table = tables[f"Settings in {label} support"]
        frame = v.support_list(one, level)[0]
        assert id(table) == before[f"Settings in {label} support"][0]  # the same widget
        assert len(table.df) == len(frame) < before[f"Settings in {label} support"][1]
        assert set(table.df["District"]) == {v.districts[0]}
    assert [x.value for x in links] != old_links
    assert not [t for t in walk(page) if isinstance(t, ITable)
                and id(t) not in {i for i, _ in before.values()}]


# -- downloads and the offline app ------------------------------------------------------------

def test_download_links_are_formula_safe():
    from eyanalysis.apps import download

    frame = pd.DataFrame({"Setting": ["=HYPERLINK(\"http://x\")", "Oak"], "Days": [-3, 4]})
    page = download.table_links(frame, "list")
    hrefs = re.findall(r'download="([^"]+)" href="data:[^;]+(?:;charset=utf-8)?;base64,'
                       r'([^"]+)"', page)
    assert [h[0] for h in hrefs] == ["list.csv", "list.xlsx"]
    text = base64.b64decode(hrefs[0][1]).decode("utf-8")
    assert text.startswith("\ufeff") and "'=HYPERLINK" in text and "\n-3" not in text.replace(
        ",-3", "")
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(base64.b64decode(hrefs[1][1])))
    cells = [c for row in book.active.iter_rows() for c in row]
    assert not [c for c in cells if c.data_type == "f"]
    assert -3 in [c.value for c in cells]


def test_app_notebook_and_template_work_offline(tmp_path):
    import nbformat

    from eyanalysis.apps.offline import CDN_MARKERS, install_template
    from eyanalysis.commands.app import app_notebook, voila_argv

    nb_path = app_notebook("panel", tmp_path / "app", "/data/ey.pickle")
    nb = nbformat.read(nb_path, as_version=4)
    tags = [c.metadata.get("tags", []) for c in nb.cells]
    where = tags.index(["parameters"])
    injected = nb.cells[where + 1]
    assert injected.metadata["tags"] == ["injected-parameters"]
    assert "interactive = True" in injected.source
    assert "data_source = '/data/ey.pickle'" in injected.source
    assert "panel_date = ''" in injected.source
    # the last cell tells the command the page is ready; it is the only cell after the page
    assert nb.cells[-1].metadata["tags"] == ["injected-ready"]
    assert "mark_ready()" in nb.cells[-1].source
    template = install_template(tmp_path / "data")
    text = (template / "index.html.j2").read_text()
    assert not any(m in text for m in CDN_MARKERS)
    argv = voila_argv(nb_path, 8999)
    assert "--Voila.ip=127.0.0.1" in argv and "--template=eyanalysis" in argv


def test_the_app_command_waits_for_the_page_then_says_how_it_went(tmp_path, monkeypatch):
    """``eyanalysis app`` prints the address once the pre-heated kernel has run the notebook
    (issue #12 item 5): "ready" when the last cell touched the marker, "error" as soon as
    Voila logs a cell's error, "stopped" when Voila ended, "timeout" otherwise."""
    import subprocess
    import sys

    from eyanalysis.commands.app import (
        CELL_ERROR,
        READY_VARIABLE,
        mark_ready,
        wait_until_ready,
    )

    marker, log = tmp_path / "ready", tmp_path / "voila.log"
    log.write_text("[Voila] Voila is running at: http://127.0.0.1:8999/\n")
    running = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        assert wait_until_ready(marker, log, running, timeout=0.3) == "timeout"
        monkeypatch.delenv(READY_VARIABLE, raising=False)
        mark_ready()  # outside an app: nothing
        assert not marker.exists()
        monkeypatch.setenv(READY_VARIABLE, str(marker))
        mark_ready()
        assert wait_until_ready(marker, log, running, timeout=5) == "ready"
        marker.unlink()
        log.write_text(log.read_text() + f"[Voila] {CELL_ERROR}: {{'cell_type': 'code'}}\n")
        assert wait_until_ready(marker, log, running, timeout=5) == "error"
    finally:
        running.kill()
        running.wait()
    assert wait_until_ready(marker, log, running, timeout=5) == "stopped"


@pytest.mark.parametrize("setting", ["", "3600"])
def test_voila_reads_the_pool_refill_delay_and_the_preheated_pool(tmp_path, monkeypatch,
                                                                    setting):
    """The app's Voila command line is read by Voila itself as meant: one pre-heated kernel,
    refilled POOL_REFILL_DELAY seconds after a page takes it (issue #12 item 5; a misspelt
    option would be ignored silently), or the seconds EYANALYSIS_APP_REFILL_DELAY gives."""
    import warnings

    from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
    from voila.app import Voila
    from voila.voila_kernel_manager import voila_kernel_manager_factory

    from eyanalysis.commands.app import POOL_REFILL_DELAY, REFILL_VARIABLE, voila_argv

    monkeypatch.setenv(REFILL_VARIABLE, setting)
    argv = voila_argv(tmp_path / "app.ipynb", 8999)
    assert argv[1:3] == ["-m", "voila"]
    voila = Voila()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # traitlets' list syntax note
        voila.parse_command_line(argv[3:])
    settings = voila.config.VoilaConfiguration
    assert settings.preheat_kernel is True and settings.default_pool_size == 1
    manager = voila_kernel_manager_factory(AsyncMappingKernelManager, True, 1)(
        config=voila.config, parent=voila)
    assert manager.fill_delay == (int(setting) if setting else POOL_REFILL_DELAY)
    assert POOL_REFILL_DELAY > 1  # Voila's own default is 1 s


@pytest.mark.parametrize("setting", ["0", "-5", "8s", "2.5"])
def test_a_refill_delay_that_is_not_whole_seconds_is_refused_before_the_data_check(
        monkeypatch, capsys, setting):
    from eyanalysis.commands.app import REFILL_VARIABLE

    monkeypatch.setenv(REFILL_VARIABLE, setting)
    assert main(["app", "spread", "--no-browser"]) == 2
    err = capsys.readouterr().err
    assert f"{REFILL_VARIABLE}={setting!r}" in err and "whole number of seconds" in err
    assert "Reading " not in err

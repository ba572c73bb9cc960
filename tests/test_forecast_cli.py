"""``eyanalysis forecast`` (issue #5): runs on the sample, same seed same numbers."""

from __future__ import annotations

import re

import openpyxl
import pandas as pd

from eyanalysis.cli import main


def test_forecast_every_shipped_scenario_same_seed_same_numbers(tmp_path, capsys):
    args = ["forecast", "--terms", "3", "--paths", "200", "--seed", "9", "--quiet"]
    assert main(args + ["--out", str(tmp_path / "a.csv")]) == 0
    assert main(args + ["--out", str(tmp_path / "b.csv")]) == 0
    a = (tmp_path / "a.csv").read_bytes()
    assert a == (tmp_path / "b.csv").read_bytes()
    table = pd.read_csv(tmp_path / "a.csv")
    from eyanalysis.rules.scenarios import scenario_files

    # baseline + every shipped file (six since issue #14 added the move to Stoke's tiers)
    assert table["scenario"].nunique() == 1 + len(scenario_files()) == 7
    assert list(table.columns[:8]) == ["scenario", "term", "expected", "p10", "p50", "p90",
                                       "diff_expected", "diff_p50"]
    assert (table["p10"] <= table["p50"]).all() and (table["p50"] <= table["p90"]).all()
    assert (table.loc[table["scenario"] == "Baseline", "diff_expected"] == 0).all()


def test_forecast_one_scenario_to_excel(tmp_path, root):
    out = tmp_path / "f.xlsx"
    code = main(["forecast", "--scenario", str(root / "parameters/scenarios/hour_cap_30.yaml"),
                 "--from", "2027-SUM", "--terms", "2", "--paths", "50", "--out", str(out)])
    assert code == 0
    book = openpyxl.load_workbook(out)  # the published standard (gptables, issue #11)
    assert book.sheetnames == ["Cover", "Contents", "Notes", "Table 1", "Table 2", "Table 3"]
    rows = [[c for c in r] for r in book["Table 1"].iter_rows()]
    head = next(i for i, r in enumerate(rows) if r[0].value == "Scenario")
    labels = [str(c.value).split("\n")[0] for c in rows[head]]
    change = labels.index("Expected, change from baseline")
    body = [r for r in rows[head + 1:] if r[0].value]
    assert {r[1].value for r in body} == {"Summer 2027", "Autumn 2027"}
    for r in body:
        cell = r[change]
        assert isinstance(cell.value, int | float) and "£" in cell.number_format
        assert (cell.value > 0) == (r[0].value != "Baseline")
    # issue #11: rule ids and term codes only where the workbook names its sources (the
    # sensitivity table's rate parameters, named as in the parameters folder)
    rule_or_code = re.compile(r"\(F\d+\)|\b(?:F|P|X|M|C|L)\d{1,2}\b|\b\d{4}-(?:AUT|SPR|SUM)\b")
    seen = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                text = str(cell.value or "")
                if sheet.title == "Table 3" and cell.column == 1 and "." in text:
                    continue  # a rate parameter's name (the note says so)
                seen.append(text)
                assert not rule_or_code.search(text), (sheet.title, cell.coordinate, text)
    notes = " ".join(seen)
    assert "The caseload is projected from how children joined" in notes
    assert "rounded to the penny" in notes


def test_bad_scenario_exits_2_naming_file_and_path(tmp_path, capsys):
    bad = tmp_path / "typo.yaml"
    bad.write_text("name: t\noverrides:\n  inclusion.top_up.GR33: {2027-04-01: 1}\n")
    assert main(["forecast", "--scenario", str(bad), "--paths", "0"]) == 2
    err = capsys.readouterr().err
    assert "typo.yaml" in err and "inclusion.top_up.GR33" in err


def test_start_term_before_the_end_of_the_data_is_refused(capsys):
    assert main(["forecast", "--from", "2026-SPR", "--paths", "0"]) == 2
    assert "2026-AUT" in capsys.readouterr().err


def test_from_defaults_to_the_term_after_the_data(tmp_path, capsys):
    out = tmp_path / "f.csv"
    assert main(["forecast", "--terms", "1", "--paths", "0", "--out", str(out)]) == 0
    assert pd.read_csv(out)["term"].unique().tolist() == ["2027-SPR"]  # data end 2026-AUT
    assert main(["forecast", "--as-of", "2025-03-31", "--terms", "1", "--paths", "0",
                 "--out", str(out)]) == 0
    assert pd.read_csv(out)["term"].unique().tolist() == ["2025-SUM"]
    assert "from 2025-SUM" in capsys.readouterr().err

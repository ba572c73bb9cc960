"""The ``eyanalysis predict`` contract: through a real subprocess (the first test and the
console script), the rest through the same ``main`` in this process."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from tests.conftest import ROOT, run_cli, run_main

EXAMPLE = ROOT / "eyanalysis/data/example/attendance.csv"
ALL_AGES = ROOT / "eyanalysis/data/example/attendance_all_ages.csv"
SETTINGS = ROOT / "eyanalysis/data/example/settings.csv"
HEADER = "child_id,setting_id,level,hours_per_week,weeks,funding_age"


def run(*args, cwd=None):
    """The command in this process (``run_main``); the first test and the console-script
    test below go through a real subprocess."""
    return run_main(*args, cwd=cwd)


def rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def test_predict_prints_the_grid_as_csv():
    res = run_cli("predict", EXAMPLE, "--settings", SETTINGS, "--on", "2025-09-01")
    assert res.returncode == 0, res.stderr
    out = rows(res.stdout)
    assert list(out[0]) == ["setting_id", "level", "children", "nef_hours", "rate", "amount"]
    s3 = {r["level"]: r for r in out if r["setting_id"] == "S003"}
    assert list(s3) == ["GR1", "GR2", "GR3", "GR4", "EXC", "TOTAL", "EYPP"]
    assert (s3["EXC"]["children"], s3["EXC"]["amount"]) == ("1", "1323.00")
    assert s3["TOTAL"]["amount"] == "1923.60" and s3["TOTAL"]["rate"] == ""


def test_without_eypp_column_there_is_no_eypp_row(tmp_path):
    f = tmp_path / "a.csv"
    f.write_text(f"{HEADER}\nc1,S1,GR3,15,12,3-4\n")
    res = run("predict", f, "--on", "2015-09-01")
    assert res.returncode == 0, res.stderr
    assert [r["level"] for r in rows(res.stdout)] == ["GR1", "GR2", "GR3", "GR4", "EXC", "TOTAL"]
    assert rows(res.stdout)[2]["amount"] == "259.20"  # 180 h x £1.44


def test_on_defaults_to_today_and_a_date_before_any_rate_is_refused(tmp_path):
    assert run("predict", EXAMPLE).returncode == 0
    res = run("predict", EXAMPLE, "--on", "2014-01-01")
    assert res.returncode == 2 and "no value before 2015-04-01" in res.stderr


def test_out_csv_writes_the_same_table(tmp_path):
    out = tmp_path / "grid.csv"
    res = run("predict", EXAMPLE, "--settings", SETTINGS, "--on", "2025-09-01", "--out", out)
    assert res.returncode == 0, res.stderr
    printed = run("predict", EXAMPLE, "--settings", SETTINGS, "--on", "2025-09-01").stdout
    assert out.read_text() == printed


def sheet_rows(sheet) -> tuple[list[str], list[list]]:
    """A gptables sheet's column labels (units and note marks cut) and its data rows."""
    rows = [[c.value for c in r] for r in sheet.iter_rows()]
    head = next(i for i, r in enumerate(rows) if r[1] is not None and r[0] is not None
                and i > 0 and str(r[0]).split("\n")[0] in ("Setting", "SEND level or line"))
    labels = [str(v).split("\n")[0] for v in rows[head]]
    return labels, [r for r in rows[head + 1:] if r[0] is not None]


def test_out_xlsx_writes_a_summary_and_one_sheet_per_setting(tmp_path):
    """The published standard (gptables, issue #11): cover, contents, notes, the summary,
    one sheet per setting; numbers as number cells with formats."""
    out = tmp_path / "grid.xlsx"
    res = run("predict", EXAMPLE, "--settings", SETTINGS, "--on", "2025-09-01", "--out", out)
    assert res.returncode == 0, res.stderr
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == ["Cover", "Contents", "Notes", "Summary", "S001", "S002",
                               "S003", "S004"]
    sheet = book["S003"]
    labels, table = sheet_rows(sheet)
    assert labels == ["SEND level or line", "Children", "Claimable funded hours", "Rate",
                      "Amount"]
    exc = next(r for r in table if r[0] == "Exceptional Early Years Funding")
    assert exc[1] == 1 and exc[4] == pytest.approx(1323.00)
    money = [c for r in sheet.iter_rows() for c in r if c.value == pytest.approx(1323.00)]
    assert money and "£" in money[0].number_format
    labels, summary = sheet_rows(book["Summary"])
    assert summary[-1][0] == "All settings"
    assert summary[-1][labels.index("Inclusion Supplement")] == pytest.approx(
        801.50 + 812.00 + 1923.60 + 294.00)


def test_unknown_out_extension_is_refused(tmp_path):
    res = run("predict", EXAMPLE, "--out", tmp_path / "grid.json")
    assert res.returncode == 2 and ".csv or .xlsx" in res.stderr
    assert not (tmp_path / "grid.json").exists()


BAD = {
    "missing column": ("child_id,setting_id,level,hours_per_week,weeks\nc1,S1,GR1,15,12\n",
                       [(1, "funding_age")]),
    "unknown level": (f"{HEADER}\nc1,S1,GR1,15,12,3-4\nc2,S1,GR9,15,12,3-4\n", [(3, "level")]),
    "negative hours": (f"{HEADER}\nc1,S1,GR1,-5,12,3-4\n", [(2, "hours_per_week")]),
    "hours not a number": (f"{HEADER}\nc1,S1,GR1,fifteen,12,3-4\n", [(2, "hours_per_week")]),
    "zero weeks": (f"{HEADER}\nc1,S1,GR1,15,0,3-4\n", [(2, "weeks")]),
    "negative weeks": (f"{HEADER}\nc1,S1,GR1,15,-1,3-4\n", [(2, "weeks")]),
    "unknown funding age": (f"{HEADER}\nc1,S1,GR1,15,12,5\n", [(2, "funding_age")]),
    "same child twice at one setting": (
        f"{HEADER}\nc1,S1,GR1,10,12,3-4\nc2,S1,GR1,10,12,3-4\nc1,S1,GR1,5,12,3-4\n",
        [(2, "child_id"), (4, "child_id")]),
    "one child at two levels": (f"{HEADER}\nc1,S1,GR1,10,12,3-4\nc1,S2,GR3,5,12,3-4\n",
                                [(2, "level"), (3, "level")]),
    "bad eypp flag": (f"{HEADER},eypp\nc1,S1,GR1,10,12,3-4,perhaps\n", [(2, "eypp")]),
    "bad daf flag": (f"{HEADER},daf\nc1,S1,GR1,10,12,3-4,DLA\n", [(2, "daf")]),
    "daf at two settings": (
        f"{HEADER},daf\nc1,S1,GR3,10,12,3-4,true\nc2,S1,GR1,10,12,2,true\n"
        "c1,S2,GR3,5,12,3-4,yes\n", [(2, "daf"), (4, "daf")]),
    "daf with no funded hours": (f"{HEADER},daf\nc1,S1,GR3,0,12,3-4,true\n", [(2, "daf")]),
    "under-2 before its entitlement": (f"{HEADER}\nc1,S1,GR3,15,12,3-4\nc2,S1,GR3,15,12,under-2\n",
                                       [(3, "funding_age")]),
    "many bad rows at once": (
        f"{HEADER}\nc1,S1,GR1,15,12,3-4\nc2,S1,XX,15,12,3-4\n\nc3,S1,GR2,-1,12,3-4\n"
        "c4,S1,GR2,15,0,3-4\nc5,S1,GR2,15,12,1\n",
        [(3, "level"), (5, "hours_per_week"), (6, "weeks"), (7, "funding_age")]),
}


@pytest.mark.parametrize("name", BAD)
def test_bad_input_exits_2_names_file_line_column_and_writes_nothing(tmp_path, name):
    text, expected = BAD[name]
    f = tmp_path / "claims.csv"
    f.write_text(text)
    out = tmp_path / "grid.xlsx"
    res = run("predict", f, "--out", out, "--on", "2024-08-31")
    assert res.returncode == 2
    assert res.stdout == ""
    assert not out.exists() and list(tmp_path.iterdir()) == [f]
    assert str(f) in res.stderr
    for line, column in expected:
        assert f"{f}:{line}: column {column}" in res.stderr, res.stderr


def test_unreadable_file_exits_2(tmp_path):
    res = run("predict", tmp_path / "missing.csv")
    assert res.returncode == 2 and "missing.csv" in res.stderr and "cannot be read" in res.stderr
    binary = tmp_path / "x.csv"
    binary.write_bytes(b"\x00\x81\x8d\x8f\x90\x9d" * 50)
    res = run("predict", binary)
    assert res.returncode == 2 and "x.csv" in res.stderr


def test_bad_settings_file_is_reported_too(tmp_path):
    s = tmp_path / "settings.csv"
    s.write_text("setting_id,specialist\nS1,maybe\n")
    f = tmp_path / "claims.csv"
    f.write_text(f"{HEADER}\nc1,S1,GR9,15,12,3-4\n")
    res = run("predict", f, "--settings", s)
    assert res.returncode == 2
    assert f"{s}:2: column specialist" in res.stderr and f"{f}:2: column level" in res.stderr


def test_messy_exports_are_tolerated(tmp_path):
    # BOM, header spaces and capitals, blank rows, cp1252 text, former level names
    f = tmp_path / "claims.csv"
    text = (" Child_ID , Setting ID,Level,Hours per week,Weeks,Funding age\r\n"
            "c1,Caf\u00e9 \u00a3 Tots,EYA+ Low,15,12,3-4\r\n\r\n")
    f.write_bytes(text.encode("cp1252"))
    res = run("predict", f, "--on", "2015-09-01")
    assert res.returncode == 0, res.stderr
    assert rows(res.stdout)[1]["amount"] == "133.20" and "Caf\u00e9" in res.stdout
    f.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert run("predict", f, "--on", "2015-09-01").stdout == res.stdout


def test_console_script_is_installed():
    script = Path(sys.executable).with_name("eyanalysis")
    res = subprocess.run([str(script), "--help"], capture_output=True, text=True)
    assert res.returncode == 0 and "predict" in res.stdout


# -- every funded age, EYPP (E2) and the Disability Access Fund (D1) -------------------------

def test_D1_daf_rows_to_the_penny_at_the_2025_26_and_2026_27_rates():
    for on, rate in (("2025-09-01", "938.00"), ("2026-09-01", "975.00")):
        res = run("predict", ALL_AGES, "--settings", SETTINGS, "--on", on)
        assert res.returncode == 0, res.stderr
        out = rows(res.stdout)
        s1 = [r["level"] for r in out if r["setting_id"] == "S001"]
        assert s1 == ["GR1", "GR2", "GR3", "GR4", "EXC", "TOTAL", "EYPP", "DAF"]
        daf = [r for r in out if r["level"] == "DAF"]
        assert [(r["setting_id"], r["children"], r["nef_hours"], r["rate"]) for r in daf] == [
            (s, "1", "", rate) for s in ("S001", "S002", "S003", "S004")]
        assert {r["amount"] for r in daf} == {rate}


def test_D1_daf_counts_every_flagged_child_at_a_setting(tmp_path):
    f = tmp_path / "daf.csv"
    f.write_text(f"{HEADER},daf\nc1,S1,GR3,15,12,3-4,true\nc2,S1,NE,15,12,2,true\n"
                 "c3,S1,NE,15,12,under-2,true\nc4,S1,NE,15,12,3-4,false\n"
                 "c1,S2,GR3,5,12,3-4,false\n")
    res = run("predict", f, "--on", "2026-09-01")
    assert res.returncode == 0, res.stderr
    daf = {r["setting_id"]: r for r in rows(res.stdout) if r["level"] == "DAF"}
    assert (daf["S1"]["children"], daf["S1"]["amount"]) == ("3", "2925.00")  # 3 x £975
    assert (daf["S2"]["children"], daf["S2"]["amount"]) == ("0", "0.00")


def test_D1_daf_before_april_2017_is_refused(tmp_path):
    f = tmp_path / "daf.csv"
    f.write_text(f"{HEADER},daf\nc1,S1,GR3,15,12,3-4,true\n")
    res = run("predict", f, "--on", "2016-09-01")
    assert res.returncode == 2 and "1 April 2017" in res.stderr and "daf" in res.stderr
    assert res.stdout == ""


def test_E2_eypp_for_a_funded_2_year_old_paid_in_2025_not_in_2023(tmp_path):
    f = tmp_path / "eypp.csv"
    f.write_text(f"{HEADER},eypp\nc1,S1,NE,15,12,2,true\nc2,S1,NE,15,12,3-4,true\n")
    old = run("predict", f, "--on", "2023-09-01")
    assert old.returncode == 0, old.stderr
    eypp = next(r for r in rows(old.stdout) if r["level"] == "EYPP")
    assert (eypp["children"], eypp["amount"]) == ("1", "118.80")  # 180 h x £0.66, 3-4 only
    assert "1 row(s) flag eypp for funding age 2" in old.stderr
    assert "3- and 4-year-olds only (E2)" in old.stderr
    new = run("predict", f, "--on", "2025-09-01")
    eypp = next(r for r in rows(new.stdout) if r["level"] == "EYPP")
    assert (eypp["children"], eypp["amount"]) == ("2", "360.00")  # 2 x 180 h x £1.00
    assert "note:" not in new.stderr


def test_F6_prime_under_2_is_accepted_as_a_declared_funding_age(tmp_path):
    f = tmp_path / "u2.csv"
    f.write_text(f"{HEADER}\nc1,S1,GR1,15,12,under-2\nc2,S1,GR3,15,12,Under 2\n")
    res = run("predict", f, "--on", "2025-09-01")
    assert res.returncode == 0, res.stderr
    got = {r["level"]: r for r in rows(res.stdout)}
    assert (got["GR1"]["children"], got["GR1"]["amount"]) == ("0", "0.00")  # inside (F5)
    assert (got["GR3"]["children"], got["GR3"]["amount"]) == ("1", "288.00")
    early = run("predict", f, "--on", "2024-08-31")
    assert early.returncode == 2
    assert "had no funded entitlement on 2024-08-31 (it began on 2024-09-01" in early.stderr
    assert f"{f}:2: column funding_age" in early.stderr


def test_D1_xlsx_shows_daf_on_the_summary_and_each_setting(tmp_path):
    out = tmp_path / "grid.xlsx"
    res = run("predict", ALL_AGES, "--settings", SETTINGS, "--on", "2026-09-01", "--out", out)
    assert res.returncode == 0, res.stderr
    book = openpyxl.load_workbook(out)
    head, summary = sheet_rows(book["Summary"])
    assert head[-4:] == ["Early Years Pupil Premium, children", "Early Years Pupil Premium",
                         "Disability Access Fund, children", "Disability Access Fund"]
    assert summary[-1][0] == "All settings"
    assert summary[-1][head.index("Disability Access Fund, children")] == 4
    assert summary[-1][head.index("Disability Access Fund")] == pytest.approx(3900.00)
    assert summary[-1][head.index("Early Years Pupil Premium")] == pytest.approx(
        483.00 + 845.25 + 241.50 + 241.50)
    assert "Disability Access Fund" in book["Summary"]["A1"].value
    sheet = book["S002"]
    _, table = sheet_rows(sheet)
    daf = next(r for r in table if r[0] == "Disability Access Fund")
    assert daf[1] == 1 and daf[2] == "[z]" and daf[3] == pytest.approx(975) \
        and daf[4] == pytest.approx(975)
    cells = {c.coordinate: c for r in sheet.iter_rows() for c in r}
    amount = next(c for c in cells.values() if c.value == pytest.approx(975)
                  and c.column == 5)
    assert "£" in amount.number_format

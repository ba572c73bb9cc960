"""The data layer: schemas, loaders for every source, quarantine with nothing lost, the
personal-data guard, and the bad-file corpus (tests/bad_files, expected.yaml)."""

from __future__ import annotations

import gzip
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from eyanalysis.data import schemas, sources
from eyanalysis.data.dataset import load
from eyanalysis.errors import InputDataError, PersonalDataError
from tests.conftest import ROOT, run_main

TINY = ROOT / "tests" / "data" / "tiny"
BAD = ROOT / "tests" / "bad_files"
EXPECTED = yaml.safe_load((BAD / "expected.yaml").read_text())
SOURCES = sorted(n for n in EXPECTED if not n.startswith("predict__"))  # predict: test_hostile


def tiny_with(tmp_path: Path, replacement: Path | None = None) -> Path:
    """The tiny dataset with one table replaced (``x.csv.gz`` replaces ``x.csv``)."""
    folder = tmp_path / "source"
    shutil.copytree(TINY, folder)
    if replacement is not None:
        table = replacement.name.split("__")[0]
        (folder / f"{table}.csv").unlink()
        gz = replacement.name.endswith(".gz")
        shutil.copy(replacement, folder / f"{table}.csv{'.gz' if gz else ''}")
    return folder


def where_of(source: Path, path: Path, table: str) -> str:
    if path.suffix == ".xlsx":
        return f"{path}[{table}]"
    return str(source / (f"{table}.csv.gz" if path.name.endswith(".gz") else f"{table}.csv"))


def assert_nothing_lost(ds) -> None:
    c = ds.counts
    assert (c.rows_in == c.accepted + c.quarantined).all()
    for name, rows in ds.quarantined.items():
        assert len(rows) == c.set_index("table").loc[name, "quarantined"]


# -- the bundled sample and the tiny dataset are clean ----------------------------------------

def test_bundled_sample_validates_with_nothing_quarantined(sample):
    assert sample.counts.quarantined.sum() == 0, sample.problems.head(20)
    assert len(sample.problems) == 0
    assert_nothing_lost(sample)
    assert 400 <= len(sample.settings) <= 500


def test_tiny_dataset_is_clean_and_typed():
    ds = load(TINY)
    assert ds.summary == "rows: 25 in, 25 accepted, 0 quarantined"
    att = ds.attendance
    assert str(att.level.dtype) == "category" and list(att.level.cat.categories)[0] == "NE"
    assert pd.api.types.is_datetime64_any_dtype(att.level_from)
    assert att.hours_per_week.dtype == float
    assert ds.settings.in_crisis.dtype == bool
    assert att.line.tolist() == [2, 3, 4, 5, 6, 7]  # each accepted row keeps its file line


def test_loading_some_tables_brings_their_parents():
    ds = load(TINY, tables=["visits"])
    assert list(ds.tables) == ["settings", "visits"]


# -- the bad-file corpus -------------------------------------------------------------------

def test_corpus_has_at_least_60_bad_files_all_with_expectations():
    files = sorted(p.name for p in BAD.glob("*__*"))
    assert len(files) >= 60
    assert sorted(EXPECTED) == files
    assert all("exit" in want for want in EXPECTED.values())


def matching(frame: pd.DataFrame, line, column) -> pd.DataFrame:
    """Problems at ``line`` and ``column`` (``None``: the whole file, or no one column)."""
    at_line = frame.line.isna() if line is None else frame.line == line
    at_col = frame.column.isna() if column is None else frame.column == column
    return frame[at_line & at_col]


@pytest.mark.parametrize("name", SOURCES)
def test_bad_file_names_row_column_and_reason(corpus, name):
    want = EXPECTED[name]
    path = BAD / name
    source = corpus(path)
    if "refused" in want:
        with pytest.raises(PersonalDataError) as err:
            load(source)
        assert want["refused"] in str(err.value)
        assert "pseudonymous" in str(err.value)
        return
    ds = load(source)
    table = want.get("sheet") or name.split("__")[0]
    mine = ds.problems[ds.problems.file == where_of(source, path, table)]
    for line, column, text in want["problems"]:
        hit = matching(mine, line, column)
        assert len(hit), f"no problem at line {line}, column {column}:\n{mine}"
        assert hit.message.str.contains(text, regex=False).any(), hit.message.tolist()
    if not want["problems"]:
        assert ds.problems.empty, ds.problems
    for line, value in (want.get("values") or {}).items():
        assert value in mine[mine.line == line].value.tolist()
    for t, encoding in (want.get("encoding") or {}).items():
        assert ds.encodings[t] == encoding
    assert ds.counts.quarantined.sum() == want["quarantined"]
    if "rows" in want:
        assert ds.summary == want["rows"]
    assert_nothing_lost(ds)
    rejected = ds.quarantined[table]
    assert {int(p[0]) for p in want["problems"] if p[0] not in (1, None)} <= set(rejected.line)


def test_every_schema_rule_has_a_failing_case_in_the_corpus():
    fragments = [t for w in EXPECTED.values() for *_, t in w.get("problems", [])]
    for table in schemas.TABLES.values():
        for rule in table.rules:
            assert any(f in rule.message for f in fragments), rule.message
    for kind in ("choice", "date", "bool", "number", "level", "term", "month", "id"):
        tables = [n.split("__")[0] for n in EXPECTED]
        assert any(f.kind == kind for t in set(tables) for f in schemas.TABLES.get(
            t, schemas.SETTINGS).fields), kind


def test_quarantine_report_is_written_beside_the_problems(tmp_path):
    ds = load(tiny_with(tmp_path, BAD / "attendance__negative_hours.csv"))
    paths = ds.write_report(tmp_path / "report")
    names = [p.name for p in paths]
    assert names == ["problems.csv", "counts.csv", "quarantine_attendance.csv"]
    q = pd.read_csv(tmp_path / "report" / "quarantine_attendance.csv", dtype=str)
    assert q.line.tolist() == ["2"] and q.hours_per_week.tolist() == ["-15"]
    assert "must be between 0 and 168" in q.reasons.iloc[0]


# -- personal data ---------------------------------------------------------------------------

@pytest.mark.parametrize("column", ["name", "first_name", "surname", "address", "postcode",
                                    "nhs_number", "date_of_birth", "dob"])
def test_personal_data_columns_are_refused_with_advice(tmp_path, column):
    folder = tiny_with(tmp_path)
    kids = pd.read_csv(folder / "children.csv", dtype=str)
    kids[column] = "x"
    kids.to_csv(folder / "children.csv", index=False)
    with pytest.raises(PersonalDataError, match=f"{column}.*pseudonymous child_id.*birth_month"):
        load(folder)


# -- messy CSV exports -----------------------------------------------------------------------

def test_cp1252_bom_header_spaces_and_blank_rows_are_tolerated(tmp_path):
    folder = tiny_with(tmp_path)
    text = (TINY / "settings.csv").read_text().replace("Acorn Nursery", "Acorn \u00a3 Tots")
    lines = text.splitlines()
    lines[0] = (" Setting ID , Name,Provider Type,District ,Ofsted Judgement,Ofsted Date,"
                "In Crisis,NEF registered")
    lines.insert(2, ",,,,,,,")
    (folder / "settings.csv").write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    kids = (TINY / "children.csv").read_bytes()
    (folder / "children.csv").write_bytes(b"\xef\xbb\xbf" + kids)
    ds = load(folder)
    assert ds.counts.quarantined.sum() == 0
    assert ds.settings.name.iloc[0] == "Acorn \u00a3 Tots"
    assert ds.settings.line.tolist() == [2, 4, 5, 6]  # the blank line 3 is skipped, not lost
    assert ds.children.child_id.iloc[0] == "C001"


def test_old_level_names_are_mapped_on_load(tmp_path):
    folder = tiny_with(tmp_path)
    att = (TINY / "attendance.csv").read_text().replace(",GR2,", ",EYA+ Low,").replace(
        ",GR1,", ",Early Years Action,")
    (folder / "attendance.csv").write_text(att)
    ds = load(folder)
    assert ds.counts.quarantined.sum() == 0
    assert set(ds.attendance.level.astype(str)) == {"NE", "GR1", "GR2", "GR4"}


# -- other sources and round trips -----------------------------------------------------------

def frames_equal(a, b) -> None:
    """Same tables, same rows, same types (sources may order rows differently)."""
    assert list(a.tables) == list(b.tables)
    for name, table in schemas.TABLES.items():
        if name not in a.tables:
            continue
        keys = list(table.unique)
        left, right = (ds.tables[name].drop(columns="line").sort_values(keys, ignore_index=True)
                       for ds in (a, b))
        pd.testing.assert_frame_equal(left, right, check_dtype=True)


def test_excel_workbook_with_one_sheet_per_table(tmp_path):
    base = load(TINY)
    book = sources.write_excel(base.tables, tmp_path / "ey.xlsx")
    ds = load(book)
    assert ds.counts.quarantined.sum() == 0
    frames_equal(base, ds)
    assert "ey.xlsx[attendance]" in sources.read_source(book)["attendance"].where


def test_parquet_folder(tmp_path):
    base = load(TINY)
    sources.write_parquet_folder(base.tables, tmp_path / "pq")
    frames_equal(base, load(tmp_path / "pq"))


def test_a_folder_holds_each_table_in_whichever_form_it_was_exported(tmp_path):
    """CSV, gzipped CSV and Parquet side by side: each table read from its own file (a
    Parquet table beside CSV ones was left unread, and named missing)."""
    base = load(TINY)
    folder = tiny_with(tmp_path)
    sources.write_parquet_folder({"attendance": base.tables["attendance"]}, folder)
    (folder / "attendance.csv").unlink()
    (folder / "visits.csv.gz").write_bytes(gzip.compress((folder / "visits.csv").read_bytes()))
    (folder / "visits.csv").unlink()
    ds = load(folder)
    assert ds.encodings["attendance"] == "parquet" and ds.summary == base.summary
    frames_equal(base, ds)


def test_file_names_are_compared_as_column_names_are(tmp_path):
    """``Attendance.CSV`` and ``Panel Applications.csv``, as a Windows export names them,
    hold the attendance and panel_applications tables (they were named missing); an edit
    of one is seen by the dataset cache."""
    base = load(TINY)
    folder = tiny_with(tmp_path)
    (folder / "attendance.csv").rename(folder / "Attendance.CSV")
    (folder / "panel_applications.csv").rename(folder / "Panel Applications.csv")
    ds = load(folder)
    assert ds.summary == base.summary and len(ds.problems) == 0
    assert ds.quarantined["attendance"].empty
    frames_equal(base, ds)
    path = folder / "Attendance.CSV"
    path.write_text(path.read_text().replace(",15,14,", ",-15,14,", 1))
    assert load(folder).counts.quarantined.sum() == 1


def test_a_date_with_a_midnight_time_is_the_date_and_another_time_is_refused(tmp_path):
    """Databases and their exports write a date column as ``2025-10-01 00:00:00`` (or
    ``T00:00:00.000``): the same date (every date cell of visits was refused). A time of
    day other than midnight is not a date."""
    base = load(TINY)
    folder = tiny_with(tmp_path)
    path = folder / "visits.csv"
    lines = path.read_text().splitlines()
    lines[1] = lines[1].replace("2025-10-01,2025-10-01", "2025-10-01 00:00:00,2025-10-01T00:00")
    lines[2] = lines[2].replace("2025-10-15", "2025-10-15T00:00:00.000")
    path.write_text("\n".join(lines) + "\n")
    ds = load(folder)
    assert len(ds.problems) == 0, ds.problems
    frames_equal(base, ds)
    path.write_text(path.read_text().replace("2025-10-15T00:00:00.000", "2025-10-15 09:30:00"))
    problems = load(folder).problems
    assert problems[["line", "column"]].values.tolist() == [[3, "planned_date"]]
    assert "must be a date written YYYY-MM-DD" in problems.message.iloc[0]


def test_a_sheet_naming_a_column_twice_is_refused_for_that_table(tmp_path):
    """As a CSV file is (corpus: visits__column_named_twice.csv): ``held_date`` renamed
    ``Planned Date`` beside ``planned_date`` (it stopped the load with a traceback)."""
    import openpyxl

    book = sources.write_excel(load(TINY).tables, tmp_path / "ey.xlsx")
    wb = openpyxl.load_workbook(book)
    sheet = wb["visits"]
    column = [c.value for c in sheet[1]].index("held_date") + 1
    sheet.cell(row=1, column=column, value="Planned Date")
    wb.save(book)
    ds = load(book)
    assert ds.problems[["line", "message"]].values.tolist() == [[1, (
        "the header names a column twice: planned_date (columns 4 and 5), once case, spaces "
        "and hyphens are set aside; keep one of each and rename or remove the other.")]]
    assert len(ds.visits) == 0 and len(ds.settings) == 4


def test_notes_beside_the_data_of_a_sheet_are_not_a_title(tmp_path):
    """Notes typed in unnamed columns beside two of three rows: the header is still row 1
    (the title check wants most rows more than twice as wide as it), and two unnamed
    columns do not stop the load (they stopped it with a traceback): each is named in a
    problem of the header, its values not read, no row quarantined."""
    import openpyxl

    base = load(TINY)
    book = sources.write_excel(base.tables, tmp_path / "ey.xlsx")
    wb = openpyxl.load_workbook(book)
    wb["visits"].cell(row=2, column=10, value="note")
    wb["visits"].cell(row=3, column=11, value="another note")
    wb.save(book)
    ds = load(book)
    assert ds.summary == base.summary
    assert ds.problems[["line", "value"]].values.tolist() == [[1, "note"], [1, "another note"]]
    assert ds.problems.message.iloc[0].startswith(
        "column 10 has no name in the header but holds values (line 2: 'note')")


def test_quoted_cells_after_a_space_are_read_as_quoted(tmp_path):
    """``"visit_id", "setting_id"``: a space after each comma, then quotes, as some
    exports write; the quotes were kept in the names (every column 'missing')."""
    base = load(TINY)
    folder = tiny_with(tmp_path)
    path = folder / "visits.csv"
    path.write_text("\n".join(", ".join(f'"{c}"' for c in line.split(","))
                              for line in path.read_text().splitlines()) + "\n")
    ds = load(folder)
    assert len(ds.problems) == 0, ds.problems
    frames_equal(base, ds)


def test_two_files_for_one_table_are_refused_for_that_table(tmp_path):
    """``attendance.csv`` beside ``attendance.parquet`` (or ``.csv.gz``): which one is meant
    cannot be known, and reading one silently would hide the other (the CSV was read)."""
    base = load(TINY)
    folder = tiny_with(tmp_path)
    sources.write_parquet_folder({"attendance": base.tables["attendance"]}, folder)
    ds = load(folder)
    problem = ds.problems[ds.problems.file.str.endswith("attendance.csv")]
    assert problem.message.tolist() == [
        "attendance.csv and attendance.parquet are both files for the attendance table; "
        "keep the one to read and move the other out of the folder."]
    assert len(ds.attendance) == 0 and len(ds.problems) == 1
    assert ds.counts.set_index("table").loc["visits", "accepted"] == 3  # others checked


def test_a_parquet_file_with_odd_cells_is_checked_not_stopped(tmp_path):
    """An infinite number and a list in a column (a nested Parquet column) stopped the load
    with a traceback; a date column with a time of day lost the time unsaid (a sheet's and
    a CSV file's are refused), and is refused too."""
    import numpy as np

    base = load(TINY)
    sources.write_parquet_folder(base.tables, tmp_path / "pq")
    path = tmp_path / "pq" / "visits.parquet"
    visits = pd.read_parquet(path)
    visits.assign(extra=[1.0, np.inf, 2.0], nested=[[1], [2], [3]]).to_parquet(path)
    ds = load(tmp_path / "pq")
    assert ds.summary == base.summary and len(ds.problems) == 0
    visits.assign(planned_date=pd.to_datetime(visits.planned_date)
                  + pd.to_timedelta([0, 9, 0], unit="h")).to_parquet(path)
    problems = load(tmp_path / "pq").problems
    assert problems[["line", "column", "value"]].values.tolist() == [
        [2, "planned_date", "2025-10-15T09:00:00"]]


def test_sqlite_database(tmp_path):
    base = load(TINY)
    url = f"sqlite:///{tmp_path / 'ey.db'}"
    sources.write_sql(base.tables, url)
    ds = load(url)
    frames_equal(base, ds)
    assert ds.source == url


def test_postgresql_round_trip_csv_excel_postgres_frame(tmp_path, pg_url):
    """CSV -> Excel -> PostgreSQL -> frame gives equal frames (a real server, never skipped)."""
    from_csv = load(TINY)
    book = sources.write_excel(from_csv.tables, tmp_path / "ey.xlsx")
    from_excel = load(book)
    sources.write_sql(from_excel.tables, pg_url)
    from_pg = load(pg_url)
    assert from_pg.counts.quarantined.sum() == 0
    frames_equal(from_csv, from_excel)
    frames_equal(from_csv, from_pg)


def test_postgresql_bad_rows_are_named_by_table_and_row(pg_url):
    tables = load(TINY).tables
    bad = {**tables, "attendance": tables["attendance"].assign(
        hours_per_week=[15, 10, 15, -1, 15, 15])}
    sources.write_sql(bad, pg_url)
    ds = load(pg_url)
    hit = ds.problems[ds.problems.column == "hours_per_week"]
    assert hit.file.str.endswith("table attendance").all() and "@" in hit.file.iloc[0]
    assert hit.value.tolist() == ["-1"] and ds.counts.quarantined.sum() == 1


def test_sample_loads_from_sqlite_too(tmp_path, sample):
    url = f"sqlite:///{tmp_path / 'sample.db'}"
    sources.write_sql(sample.tables, url)
    again = load(url)
    assert again.summary == sample.summary


def test_unreadable_sources_say_what_to_give():
    with pytest.raises(InputDataError, match="no such file or folder"):
        load(ROOT / "no-such-folder")
    with pytest.raises(InputDataError, match="missing files"):
        load(ROOT / "eyanalysis")  # a folder with none of the tables is no source at all
    with pytest.raises(InputDataError, match="cannot read the database"):
        load("postgresql+psycopg2://nobody@127.0.0.1:1/none")


# -- the validate command and the data dictionary --------------------------------------------

def validate(*args):
    return run_main("validate", *args)


def test_validate_bundled_sample_reports_zero_quarantined(tmp_path, sample):
    res = validate(ROOT / "eyanalysis/data/sample", "--report", tmp_path)
    assert res.returncode == 0, res.stderr
    n = sample.counts.rows_in.sum()
    assert res.stdout.splitlines()[-1] == f"rows: {n} in, {n} accepted, 0 quarantined"


def test_validate_bad_source_names_rows_and_exits_1(tmp_path):
    folder = tiny_with(tmp_path, BAD / "attendance__orphan_setting.csv")
    shutil.copy(BAD / "visits__unknown_visit_type.csv", folder / "visits.csv")
    res = validate(folder, "--report", tmp_path / "rep")
    assert res.returncode == 1
    assert res.stdout.splitlines()[-1] == "rows: 25 in, 23 accepted, 2 quarantined"
    assert "S99" in res.stdout and "coffee" in res.stdout and "visit_type" in res.stdout
    assert (tmp_path / "rep" / "quarantine_attendance.csv").exists()
    assert (tmp_path / "rep" / "quarantine_visits.csv").exists()


def test_validate_prints_one_line_a_problem_as_a_compiler_does(tmp_path):
    """``FILE:LINE: column COL: reason (value 'X')``: whole line numbers (the table it
    printed read ``2.0`` and ``NaN`` as soon as one problem had no line), a problem of a
    whole file without one, a long value cut (the report holds it whole)."""
    folder = tiny_with(tmp_path, BAD / "visits__huge_field.csv.gz")
    shutil.copy(BAD / "attendance__negative_hours.csv", folder / "attendance.csv")
    (folder / "panel_applications.csv").unlink()
    reason = "=" + "agreed at the visit " * 100  # a formula, 2,001 characters
    path = folder / "categorisations.csv"
    path.write_text(path.read_text() + f"S2,2025-10-02,targeted,{reason}\n")
    res = validate(folder, "--report", tmp_path / "rep")
    assert res.returncode == 1, res.stderr
    shown = [line for line in res.stdout.splitlines() if line.startswith(str(folder))]
    assert (f"{folder / 'attendance.csv'}:2: column hours_per_week: must be between 0 and "
            "168 (value '-15')") in shown
    huge = [line for line in shown if "level_agreed" in line]
    assert len(huge) == 2 and all(line.startswith(
        f"{folder / 'visits.csv.gz'}:3: column level_agreed: ") for line in huge)
    assert all(line.endswith("A... [5,242,880 characters]')") for line in huge), huge
    (formula,) = [line for line in shown if "column reason" in line]
    assert formula.endswith(f"{reason.strip()[:100]}... [2,000 characters]')"), formula
    (whole,) = [line for line in shown if "panel_applications" in line]
    assert re.match(rf"{re.escape(str(folder))}/panel_applications.csv: \w", whole), whole
    assert "nan" not in res.stdout.lower() and ".0:" not in res.stdout
    report = pd.read_csv(tmp_path / "rep" / "problems.csv", dtype=str, keep_default_na=False)
    # whole in the report, a formula made text there (safe_csv)
    assert report.set_index("column").loc["reason", "value"] == "'" + reason.strip()


def test_data_dictionary_in_docs_is_generated_from_the_schemas():
    assert (ROOT / "docs/data_dictionary.md").read_text() == schemas.data_dictionary() + "\n"


def test_synth_command_regenerates_the_bundled_sample_byte_identically(tmp_path):
    res = subprocess.run([sys.executable, "-m", "eyanalysis.cli", "synth", "--out", tmp_path],
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    bundled = ROOT / "eyanalysis/data/sample"
    names = sorted(p.name for p in bundled.iterdir())
    assert names == sorted(p.name for p in tmp_path.iterdir())
    for name in names:
        assert (tmp_path / name).read_bytes() == (bundled / name).read_bytes(), name


def test_choice_codes_are_worked_out_per_distinct_value_as_per_row():
    """schemas.choice_key normalises each distinct spelling once and spreads the codes over
    the rows: the same codes, blanks, index and name as normalising row by row."""
    import re

    text = pd.Series(["Group-based PVI", " group_pvi ", None, "", "RI", "Not inspected",
                      pd.NA, "Group-based PVI", "X  y!", "Plan"],
                     index=[9, 3, 5, 1, 2, 7, 8, 4, 6, 0], name="kind")

    def one(value, aliases):
        if pd.isna(value):
            return pd.NA
        key = re.sub(r"[^a-z0-9]+", "_", value.strip().lower()).strip("_")
        key = schemas._CHOICE_ALIASES.get(key, key)
        return aliases.get(key, key)

    for aliases in ({}, {"plan": "ehcp", "x_y": "other"}):
        got = schemas.choice_key(text, aliases)
        expected = pd.Series([one(x, aliases) for x in text], index=text.index,
                             name="kind", dtype="string")
        pd.testing.assert_series_equal(got, expected)
    assert schemas.choice_key(text).tolist()[:2] == ["group_pvi", "group_pvi"]
    assert schemas.choice_key(text).iloc[2] is pd.NA and schemas.choice_key(text).iloc[3] == ""
    assert schemas.choice_key(pd.Series([], dtype=object)).empty

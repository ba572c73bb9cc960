"""The published workbook (gptables) read back as Excel would read it with openpyxl, and the
matching CSV files (issue #11; Analysis Function, "Releasing statistics in spreadsheets")."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import openpyxl
import pandas as pd
import pytest

from eyanalysis.errors import PresentationError
from eyanalysis.present import format as fmt
from eyanalysis.present import meta, workbook
from eyanalysis.present.meta import Column, TableSpec
from tests import present_cases as cases

# Text a user could type that a spreadsheet would take for a formula (issue #15).
FORMULAS = ['=HYPERLINK("http://example.org","x")', "+1+1", "-2+3", "@SUM(A1)", "\t=1",
            "\r=1"]


def typed_text() -> tuple[pd.DataFrame, TableSpec]:
    frame = pd.DataFrame({"name": [*FORMULAS, "x", "Plain name"],
                          "n": [10, 20, 30, 40, 50, 60, 70, 80]})
    return frame, TableSpec(name="typed_names", title="Names as typed by settings",
                            columns={"name": Column("Name"), "n": Column("Settings", "count")})


@pytest.fixture(scope="module")
def tables():
    return [cases.funding(), cases.children(), typed_text()]


@pytest.fixture(scope="module")
def book(tmp_path_factory, tables, params):
    path = tmp_path_factory.mktemp("wb") / "tables.xlsx"
    release = workbook.Release(
        title="Early years termly statistics: Summer 2026", period=fmt.period("2026-SUM"),
        contact=meta.contact("2026-12-01", params), produced=dt.date(2026, 12, 1),
        about=["Funded children and Inclusion Supplement spending, from termly returns."],
        source="Termly attendance returns")
    workbook.write_workbook(path, tables, release, limit=cases.LIMIT)
    return openpyxl.load_workbook(path)


def cells(ws):
    return [c for row in ws.iter_rows() for c in row if c.value is not None]


def table_rows(ws, first_header: str):
    """The rows of the sheet's table: from its header row (first cell ``first_header``)."""
    rows = [list(r) for r in ws.iter_rows()]
    start = next(i for i, r in enumerate(rows) if r[0].value == first_header)
    return rows[start], rows[start + 1:]


def test_sheets_cover_contents_notes_then_tables_in_the_order_given(book):
    assert book.sheetnames == ["Cover", "Contents", "Notes", "Table 1", "Table 2", "Table 3"]


def test_cover_has_title_period_produced_and_contact(book):
    text = [c.value for c in cells(book["Cover"])]
    assert text[0] == "Early years termly statistics: Summer 2026"
    assert "Period covered: Summer 2026 (1 April to 31 August 2026)." in text
    assert "Produced on 1 December 2026." in text
    assert "Email: early.years@example.org" in text
    assert any("placeholder" in t for t in text)


def test_contents_lists_every_table_in_order_with_links(book, tables):
    header, rows = table_rows(book["Contents"], "Sheet name")
    # gptables leaves the space that stood before a title's note marker: strip it
    listed = [(r[0].value, r[1].value.split("\n")[0].strip()) for r in rows if r[0].value]
    assert listed == [(f"Table {i}", spec.title) for i, (_, spec) in enumerate(tables, 1)]
    assert all(r[0].hyperlink is not None for r in rows if r[0].value)


def test_notes_sheet_holds_every_note_and_the_symbol_key(book, tables):
    header, rows = table_rows(book["Notes"], "Note number")
    texts = [r[1].value for r in rows if r[1].value]
    for _, spec in tables:
        for note in spec.all_notes:
            assert note.text in texts
    assert any(t.startswith("[c] confidential: a count from 1 to 5") for t in texts)
    assert [r[0].value for r in rows if r[0].value] == list(range(1, len(texts) + 1))


def test_each_sheet_explains_its_symbols_above_the_table_and_cites_the_note(book):
    text = [c.value for c in cells(book["Table 1"])]
    assert any(str(t).startswith("[c] confidential") and "[note " in str(t) for t in text)
    typed = [c.value for c in cells(book["Table 3"])]
    assert not any(str(t).startswith("[c] confidential") for t in typed)


KINDS_FORMATS = {"count": "#,##0", "pence": "£#,##0.00", "percent": "0.0%"}


@pytest.mark.parametrize("sheet, index", [("Table 1", 0), ("Table 2", 1), ("Table 3", 2)])
def test_every_unsuppressed_number_is_a_number_cell_with_a_number_format(book, tables,
                                                                         sheet, index):
    frame, spec = tables[index]
    header, rows = table_rows(book[sheet], spec.columns[next(iter(spec.columns))].label)
    rows = [r for r in rows if r[0].value is not None]
    assert len(rows) == len(frame)
    for i, (_, source) in enumerate(frame.iterrows()):
        for j, (name, col) in enumerate(spec.columns.items()):
            cell, value = rows[i][j], source[name]
            if not col.numeric:
                assert cell.data_type == "s"
                continue
            if fmt.is_symbol(value):
                assert cell.value == fmt.symbol(value).text and cell.data_type == "s"
                continue
            assert cell.data_type == "n", (sheet, cell.coordinate, cell.value)
            assert cell.number_format == KINDS_FORMATS[col.kind]
            expected = (Decimal(int(value)) / 100 if col.kind == "pence" else Decimal(
                str(value)))
            assert Decimal(str(cell.value)) == expected


def test_headers_carry_units_and_column_notes(book):
    header, _ = table_rows(book["Table 1"], "SEND level")
    labels = [c.value for c in header]
    assert labels[2] == "Predicted at start of term\n(£)"
    assert labels[4] == "Share of actual\n(%)"
    header, _ = table_rows(book["Table 2"], "SEND level")
    assert header[3].value.startswith("All funded children\n[note ")


def test_total_row_is_bold(book):
    _, rows = table_rows(book["Table 1"], "SEND level")
    total = [r for r in rows if r[0].value == "Total"][0]
    assert all(c.font.b for c in total)


def test_no_formula_cell_anywhere_and_typed_text_stays_text(book):
    formulas = [(ws.title, c.coordinate) for ws in book for c in cells(ws)
                if c.data_type == "f" or (isinstance(c.value, str) and c.value.startswith("=")
                                          and c.data_type != "s")]
    assert formulas == []
    _, rows = table_rows(book["Table 3"], "Name")
    # openpyxl shows a carriage return as the escape xlsx stores it as
    names = [r[0].value.replace("_x000D_", "\r") for r in rows if r[0].value is not None]
    assert names[:6] == FORMULAS and names[6] == "x"
    assert all(r[0].data_type == "s" for r in rows if r[0].value is not None)


def test_a_workbook_without_notes_still_has_a_notes_sheet(tmp_path, params):
    frame = pd.DataFrame({"n": [10, 20]})
    spec = TableSpec(name="plain", title="Plain", columns={"n": Column("Settings", "count")})
    release = workbook.Release(title="T", period="Summer 2026",
                               contact=meta.contact("2026-12-01", params))
    book = openpyxl.load_workbook(workbook.write_workbook(tmp_path / "t.xlsx", [(frame, spec)],
                                                          release, limit=cases.LIMIT))
    assert book.sheetnames == ["Cover", "Contents", "Notes", "Table 1"]


def test_repeated_table_names_are_refused(tmp_path, params):
    release = workbook.Release(title="T", period="P", contact=meta.contact("2026-12-01", params))
    with pytest.raises(PresentationError, match="repeat"):
        workbook.write_workbook(tmp_path / "t.xlsx", [cases.children(), cases.children()],
                                release)


# -- CSV ---------------------------------------------------------------------------------


def test_csv_has_a_bom_headers_with_units_plain_numbers_and_symbols(tmp_path):
    frame, spec = cases.funding()
    path = workbook.write_csv(tmp_path / "funding.csv", frame, spec)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Excel shows the £ in headers
    lines = raw.decode("utf-8-sig").splitlines()
    assert lines[0] == ("SEND level,Children,Predicted at start of term (£),Actual (£),"
                        "Share of actual (%)")
    assert lines[1] == "Graduated Response 2,122,11686.50,12900.00,35.8"
    assert lines[3] == "Graduated Response 4,[c],[c],[c],[c]"
    assert lines[-1] == "Total,225,32896.62,36040.50,100.0"


def test_csv_neutralises_text_a_spreadsheet_would_run(tmp_path):
    frame, spec = typed_text()
    path = workbook.write_csv(tmp_path / "typed.csv", frame, spec)
    read = pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    names = read["Name"].tolist()
    assert [n[0] for n in names[:6]] == ["'"] * 6
    assert [n[1:] for n in names[:6]] == FORMULAS
    assert names[6:] == ["x", "Plain name"]


def test_csvs_are_byte_identical_for_the_same_inputs(tmp_path):
    first = workbook.write_csvs(tmp_path / "a", [cases.children(), cases.funding()])
    second = workbook.write_csvs(tmp_path / "b", [cases.children(), cases.funding()])
    assert [p.name for p in first] == ["children_by_level.csv", "funding.csv"]
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]

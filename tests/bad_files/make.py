"""Regenerate the bad-file corpus from tests/data/tiny (run: python tests/bad_files/make.py).

Each ``<table>__<fault>.csv`` is the tiny dataset's table with one kind of fault; each
``workbook__<fault>.xlsx`` is the tiny dataset as a workbook with one fault. What each
must produce is in ``expected.yaml``.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl

HERE = Path(__file__).resolve().parent
TINY = HERE.parent / "data" / "tiny"


def table(name: str) -> list[str]:
    return (TINY / f"{name}.csv").read_text().splitlines()


def write(name: str, lines: list[str], encoding: str = "utf-8") -> None:
    (HERE / name).write_bytes(("\n".join(lines) + "\n").encode(encoding))


def replace(name: str, line: int, old: str, new: str) -> list[str]:
    """Table ``name`` with ``old`` replaced by ``new`` on (1-based) ``line``."""
    lines = table(name)
    assert old in lines[line - 1], (name, line, old)
    lines[line - 1] = lines[line - 1].replace(old, new, 1)
    return lines


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
        if fault == "merged_header" and name == "attendance":
            sheet.append(["Attendance export - autumn 2025"] + [None] * (len(rows[0]) - 1))
            sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(rows[0]))
        for r in rows:
            sheet.append([_typed(v) for v in r])
        if fault == "bad_cells" and name == "attendance":
            sheet["D3"] = -4  # hours_per_week on sheet row 3
            sheet["F5"] = "Graduated Response 9"  # level on sheet row 5
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
    for fault in ("missing_sheet", "merged_header", "bad_cells"):
        workbook(HERE / f"workbook__{fault}.xlsx", fault)
    print(f"wrote {len(CSV) + 4} files to {HERE}")

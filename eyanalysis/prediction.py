"""The termly prediction grid (F8, Worcestershire guidance p. 11), for every setting at once.

Per setting and level: the number of children, (A) claimable NEF hours in the term,
(B) the top-up rate and (C) the amount; then a TOTAL row and, when EYPP flags are given,
an EYPP row. (C) is the sum of per-child amounts rounded half up (F10), not A x B.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pandas as pd

from eyanalysis.levels import SUPPLEMENT_LEVELS
from eyanalysis.money import RATE_UNITS, pounds, rate_text, rate_units
from eyanalysis.rates import Rates
from eyanalysis.supplement import claim, eypp, supplement

GRID_COLUMNS = ["setting_id", "level", "children", "nef_hours", "rate", "amount"]


def grid(att: pd.DataFrame, rates: Rates) -> pd.DataFrame:
    """The prediction grid with numeric columns ``children``, ``nef_hours``,
    ``rate_units`` (hundredths of a penny; NA on TOTAL) and ``amount_pence``.

    Every setting in ``att`` gets one row per level GR1..EXC (zero rows included), then
    TOTAL, then EYPP when ``att`` has an ``eypp`` column. Settings are sorted by id.
    """
    hours = claim(att, rates)
    sup = supplement(att, rates, hours)
    settings = sorted(att["setting_id"].astype(str).unique())
    paid = sup["paid"]
    frame = pd.DataFrame(
        {
            "setting_id": att["setting_id"].astype(str)[paid],
            "level": att["level"].astype(str)[paid],
            "children": 1,
            "nef_hours": sup["term_hours"][paid],
            "amount_pence": sup["amount_pence"][paid],
        }
    )
    full = pd.MultiIndex.from_product([settings, SUPPLEMENT_LEVELS], names=["setting_id", "level"])
    by_level = (
        frame.groupby(["setting_id", "level"]).sum().reindex(full, fill_value=0).reset_index()
    )
    by_level["rate_units"] = by_level["level"].map(
        {lvl: rate_units(rates.top_up[lvl]) for lvl in SUPPLEMENT_LEVELS}
    )
    total = by_level.groupby("setting_id", as_index=False)[
        ["children", "nef_hours", "amount_pence"]
    ].sum()
    total["level"] = "TOTAL"
    parts = [by_level, total]
    if "eypp" in att.columns:
        prem = eypp(att, rates, hours)
        eligible = prem["eligible"]
        extra = (
            pd.DataFrame(
                {
                    "setting_id": att["setting_id"].astype(str)[eligible],
                    "children": 1,
                    "nef_hours": prem["term_hours"][eligible],
                    "amount_pence": prem["amount_pence"][eligible],
                }
            )
            .groupby("setting_id")
            .sum()
            .reindex(settings, fill_value=0)
        )
        extra = extra.rename_axis("setting_id").reset_index()
        extra["level"] = "EYPP"
        extra["rate_units"] = rate_units(rates.eypp)
        parts.append(extra)
    out = pd.concat(parts, ignore_index=True)
    order = {lvl: i for i, lvl in enumerate([*SUPPLEMENT_LEVELS, "TOTAL", "EYPP"])}
    out["_o"] = out["level"].map(order)
    out = out.sort_values(["setting_id", "_o"], kind="stable").drop(columns="_o")
    out["children"] = out["children"].astype("int64")
    out["amount_pence"] = out["amount_pence"].astype("int64")
    out["rate_units"] = out["rate_units"].astype("Int64")
    out["nef_hours"] = out["nef_hours"].astype(float).round(4)
    return out[
        ["setting_id", "level", "children", "nef_hours", "rate_units", "amount_pence"]
    ].reset_index(drop=True)


def as_published(table: pd.DataFrame) -> pd.DataFrame:
    """The grid in the CLI's column contract: rates and amounts as pounds to the penny."""
    out = table[["setting_id", "level", "children", "nef_hours"]].copy()
    text = {
        u: rate_text(Decimal(int(u)) / RATE_UNITS) for u in table["rate_units"].dropna().unique()
    }
    out["rate"] = table["rate_units"].map(text).fillna("")
    out["amount"] = table["amount_pence"].map(pounds)
    return out[GRID_COLUMNS]


def write_excel(table: pd.DataFrame, path: Path, rates: Rates, source: str = "") -> None:
    """A formatted workbook: a Summary sheet, then one sheet per setting (F8 layout)."""
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    money = '"£"#,##0.00'
    rate_fmt = '"£"0.00##'
    excel = table.assign(
        rate=table["rate_units"].astype("Float64") / RATE_UNITS,
        amount=table["amount_pence"] / 100,
    )[GRID_COLUMNS]
    totals = excel[excel["level"] == "TOTAL"].drop(columns=["level", "rate"])
    summary = totals.rename(columns={"children": "children_supported", "amount": "supplement"})
    if (excel["level"] == "EYPP").any():
        prem = excel[excel["level"] == "EYPP"].set_index("setting_id")
        summary = summary.merge(
            prem[["children", "amount"]].rename(
                columns={"children": "eypp_children", "amount": "eypp"}
            ),
            left_on="setting_id",
            right_index=True,
            how="left",
        )
    grand = summary.drop(columns="setting_id").sum().to_frame().T
    grand.insert(0, "setting_id", "ALL SETTINGS")
    summary = pd.concat([summary, grand], ignore_index=True)

    header_fill = PatternFill("solid", fgColor="DDEBF7")
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        summary.to_excel(writer, sheet_name="Summary", index=False, startrow=3)
        ws = writer.sheets["Summary"]
        ws["A1"] = "Predicted Inclusion Supplement for the term (F8)"
        ws["A1"].font = Font(bold=True, size=13)
        ws["A2"] = f"Rates in force on {rates.on.isoformat()}" + (
            f"; input {source}" if source else ""
        )
        used = set()
        for setting_id, rows in excel.groupby("setting_id", sort=True):
            name = _sheet_name(str(setting_id), used)
            rows.drop(columns="setting_id").to_excel(
                writer, sheet_name=name, index=False, startrow=2
            )
            sheet = writer.sheets[name]
            sheet["A1"] = f"Setting {setting_id}"
            sheet["A1"].font = Font(bold=True, size=13)
        for sheet in writer.book.worksheets:
            head = 4 if sheet.title == "Summary" else 3
            for cell in sheet[head]:
                cell.font = Font(bold=True)
                cell.fill = header_fill
            sheet.freeze_panes = sheet.cell(row=head + 1, column=1)
            for col in range(1, sheet.max_column + 1):
                title = str(sheet.cell(row=head, column=col).value or "")
                sheet.column_dimensions[get_column_letter(col)].width = max(12, len(title) + 3)
                fmt = (
                    rate_fmt
                    if title == "rate"
                    else money
                    if title in {"amount", "supplement", "eypp"}
                    else "0.00##"
                    if title == "nef_hours"
                    else None
                )
                if fmt:
                    for (cell,) in sheet.iter_rows(min_row=head + 1, min_col=col, max_col=col):
                        cell.number_format = fmt
            if sheet.title != "Summary":
                last = sheet.max_row
                for cell in sheet[last - (1 if "EYPP" in str(sheet.cell(last, 1).value) else 0)]:
                    cell.font = Font(bold=True)


def _sheet_name(setting_id: str, used: set[str]) -> str:
    base = "".join("_" if ch in "[]:*?/\\" else ch for ch in setting_id)[:31] or "setting"
    name, n = base, 1
    while name.lower() in used or name == "Summary":
        n += 1
        name = f"{base[:28]}~{n}"
    used.add(name.lower())
    return name

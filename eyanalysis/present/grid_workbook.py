"""The prediction grid (F8) as a workbook to the Analysis Function's standard (issue #11).

``eyanalysis predict --out FILE.xlsx`` writes it through gptables
(:func:`eyanalysis.present.workbook.write_workbook`): a cover sheet, contents and notes,
then a **Summary** sheet (one row per setting: children at a graduated level and the
Inclusion Supplement, with EYPP and DAF when the claims carry them, and an "All settings"
row), then one sheet per setting in the F8 layout (per SEND level: children, claimable NEF
hours, the hourly top-up rate and the amount; the Supplement total; EYPP and DAF rows).
Numbers are number cells with formats (``£#,##0.00``, ``£#,##0.00##`` for rates); a
cell that cannot hold a value (no rate on the total, no hours on DAF) shows ``[z]``.
The CSV output keeps the README's column contract (:func:`eyanalysis.rules.grid.as_published`).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pandas as pd

from eyanalysis.present import format as fmt
from eyanalysis.present import meta, workbook
from eyanalysis.present.meta import Column, Note, TableSpec
from eyanalysis.rules.money import RATE_UNITS
from eyanalysis.rules.rates import Rates
from eyanalysis.vocabulary import LEVELS

#: Row labels of the grid's non-level rows.
ROW_LABELS = {"TOTAL": "Inclusion Supplement, all levels",
              "EYPP": "Early Years Pupil Premium", "DAF": "Disability Access Fund"}
EXTRAS = (("EYPP", "eypp", "Early Years Pupil Premium"),
          ("DAF", "daf", "Disability Access Fund"))


def sheet_name(setting_id: str, used: set[str]) -> str:
    """A worksheet name for a setting: Excel's forbidden characters replaced, 31 characters,
    unique (case-insensitively) and never a name the workbook uses itself."""
    base = "".join("_" if ch in "[]:*?/\\" else ch for ch in setting_id)[:31] or "setting"
    name, n = base, 1
    reserved = {"summary", "cover", "contents", "notes"}
    while name.lower() in used or name.lower() in reserved:
        n += 1
        name = f"{base[:28]}~{n}"
    used.add(name.lower())
    return name


def _setting_frame(rows: pd.DataFrame) -> pd.DataFrame:
    rate = [fmt.NOT_APPLICABLE if pd.isna(u) else Decimal(int(u)) / RATE_UNITS
            for u in rows["rate_units"]]
    hours = [fmt.NOT_APPLICABLE if pd.isna(h) else float(h) for h in rows["nef_hours"]]
    return pd.DataFrame({
        "level": [LEVELS.label(v) if v in LEVELS else ROW_LABELS.get(v, v)
                  for v in rows["level"]],
        "children": rows["children"].astype(int).to_numpy(),
        "nef_hours": hours, "rate": rate,
        "amount": rows["amount_pence"].astype(int).to_numpy()})


def write(table: pd.DataFrame, path: str | Path, rates: Rates, source: str = "") -> Path:
    """Write the grid of :func:`eyanalysis.rules.grid.grid` to ``path`` (see the module)."""
    from eyanalysis.data.export import defuse_xlsx

    kinds = set(table["level"])
    extras = [(k, prefix, name) for k, prefix, name in EXTRAS if k in kinds]
    total = table[table["level"] == "TOTAL"].set_index("setting_id")
    summary = pd.DataFrame({"setting_id": total.index.astype(str),
                            "children": total["children"].astype(int).to_numpy(),
                            "supplement": total["amount_pence"].astype(int).to_numpy()})
    columns = {"setting_id": Column("Setting"),
               "children": Column("Children at a graduated level", "count"),
               "supplement": Column("Inclusion Supplement", "pence")}
    for kind, prefix, name in extras:
        rows = table[table["level"] == kind].set_index("setting_id").reindex(total.index)
        summary[f"{prefix}_children"] = rows["children"].fillna(0).astype(int).to_numpy()
        summary[prefix] = rows["amount_pence"].fillna(0).astype(int).to_numpy()
        columns[f"{prefix}_children"] = Column(f"{name}, children", "count")
        columns[prefix] = Column(name, "pence")
    grand = {"setting_id": "All settings",
             **{c: int(summary[c].sum()) for c in summary.columns if c != "setting_id"}}
    summary = pd.concat([summary, pd.DataFrame([grand])], ignore_index=True)
    with_extras = " and ".join(name for _, _, name in extras)
    title = "Predicted Inclusion Supplement for the term" + (
        f", with {with_extras}" if extras else "")
    on = fmt.date(rates.on)
    notes = [Note("Amounts are worked out per child, per setting, per term and rounded to "
                  "the penny; totals add the rounded amounts.")]
    specs = [(summary, TableSpec(
        name="summary", title=title, subtitle=f"Every setting, rates in force on {on}",
        columns=columns, notes=notes, total_row=True, sheet="Summary",
        source=f"Claims file {Path(source).name}" if source else "Claims file"))]
    used: set[str] = set()
    grid_notes = [Note("The Disability Access Fund rate is a yearly amount per child, not "
                       "an hourly rate.", column="rate")] if "DAF" in kinds else []
    for setting_id, rows in table.groupby("setting_id", sort=True):
        name = sheet_name(str(setting_id), used)
        specs.append((_setting_frame(rows), TableSpec(
            name=f"setting_{len(specs)}", title=f"Setting {setting_id}",
            subtitle=f"Prediction grid, rates in force on {on}",
            columns={"level": Column("SEND level or line"),
                     "children": Column("Children", "count"),
                     "nef_hours": Column("Claimable funded hours", "decimal"),
                     "rate": Column("Rate", "rate"),
                     "amount": Column("Amount", "pence")},
            notes=grid_notes, sheet=name)))
    release = workbook.Release(
        title=title, period=f"The term from {on}", contact=meta.contact(rates.on),
        about=["The prediction grid of each setting (Worcestershire guidance, page 11): "
               "children, claimable hours, rate and amount by SEND level."],
        source=Path(source).name if source else "")
    workbook.write_workbook(path, specs, release)
    defuse_xlsx(path)
    return Path(path)

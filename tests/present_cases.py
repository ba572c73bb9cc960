"""Published tables for the presentation tests: raw counts put through the real disclosure
control (threshold 6), with the metadata a report would give them."""

from __future__ import annotations

import pandas as pd

from eyanalysis.present.disclosure import CONFIDENTIAL, suppress
from eyanalysis.present.meta import Column, Note, TableSpec
from eyanalysis.vocabulary import LEVELS

LIMIT = 6


def children() -> tuple[pd.DataFrame, TableSpec]:
    """Distinct funded children by SEND level and funding age, with a total row."""
    raw = pd.DataFrame({
        "level": [*LEVELS, "Total"],
        "age_2": [812, 40, 22, 3, 0, 1, 878],
        "age_3_4": [5647, 290, 97, 31, 12, 7, 6084],
    })
    raw["total"] = raw.age_2 + raw.age_3_4
    safe = suppress(raw, ["age_2", "age_3_4", "total"], limit=LIMIT, total_row=True)
    spec = TableSpec(
        name="children_by_level", title="Funded children by SEND level and funding age",
        subtitle="Summer 2026 (1 April to 31 August 2026), distinct children",
        columns={"level": Column("SEND level", codes=LEVELS),
                 "age_2": Column("2-year-olds", "count"),
                 "age_3_4": Column("3- and 4-year-olds", "count"),
                 "total": Column("All funded children", "count")},
        spanners={"Funding age": ["age_2", "age_3_4"]},
        notes=[Note("A child attending two settings is counted once.", column="total")],
        source="Termly attendance returns (synthetic sample county)", total_row=True)
    return safe, spec


def funding() -> tuple[pd.DataFrame, TableSpec]:
    """Inclusion Supplement by level in integer pence, money hidden with small counts."""
    raw = pd.DataFrame({
        "level": ["GR2", "GR3", "GR4", "EXC", "Total"],
        "children": [122, 97, 4, 2, 225],
        "predicted": [1168650, 2050012, 40000, 31000, 3289662],
        "actual": [1290000, 2231050, 52000, 31000, 3604050],
    })
    raw["share"] = raw.actual / raw.actual.iloc[-1]
    # the published form, stated here rather than left to the suppression algorithm (the
    # tests of rendering must not move when the audit hides more): the two small groups
    # and their money are hidden
    safe = raw.astype(object)
    safe.loc[[2, 3], ["children", "predicted", "actual", "share"]] = CONFIDENTIAL
    spec = TableSpec(
        name="funding", title="Inclusion Supplement by SEND level, predicted and actual",
        subtitle="Summer 2026",
        columns={"level": Column("SEND level", codes=LEVELS),
                 "children": Column("Children", "count"),
                 "predicted": Column("Predicted at start of term", "pence"),
                 "actual": Column("Actual", "pence"),
                 "share": Column("Share of actual", "percent")},
        spanners={"Inclusion Supplement": ["predicted", "actual"]},
        notes=["Predicted amounts cost the levels in effect on the first day of term."],
        source="Rules engine, rates in force on 1 April 2026", total_row=True)
    return safe, spec


def settings(rows: int = 90) -> tuple[pd.DataFrame, TableSpec]:
    """A long table (one row per setting) with no symbol, to test page breaks."""
    frame = pd.DataFrame({
        "setting": [f"Setting {i:03d}" for i in range(1, rows + 1)],
        "children": [(i * 37) % 90 + 6 for i in range(1, rows + 1)],
        "amount": [(i * 8021947) % 9000000 for i in range(1, rows + 1)],  # not in order
    })
    spec = TableSpec(name="settings_long", title="Inclusion Supplement by setting",
                     subtitle="Summer 2026",
                     columns={"setting": Column("Setting"),
                              "children": Column("Children", "count"),
                              "amount": Column("Amount", "pence")},
                     source="Synthetic example")
    return frame, spec

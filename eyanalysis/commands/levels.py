"""``eyanalysis levels``: every setting's support level on a date, why, and since when
(C1-C3, O1-O3), by the same rule the notebooks use."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from eyanalysis.commands import date_arg

HELP = """List every setting's support level (Universal, Targeted, Intensive) on a date, with
the reason in plain words, the rule behind it and the date it took effect (C1-C3, O2), the
Ofsted outcome in force (a single-word judgement before 10 November 2025, a report card
from then: O1) and any funding flag (O3: the authority may withdraw funding).

The rule is the one the categorisation notebook uses (eyanalysis.rules.support): the level
agreed at the latest held visit; Intensive after a forcing Ofsted outcome until a later
inspection meets the exit rule; at least Targeted under a report card with an area at needs
attention; Intensive in a crisis. Every choice is a dated parameter (parameters/support/,
parameters/ofsted/): the Cumbria framework they come from is one former authority's
document (Cumbria County Council, abolished 1 April 2023), not a national rule.

Events after --on are ignored and the parameters in force on --on apply. A count per level
goes to stderr when the CSV goes to stdout, to stdout when --out is given."""

COLUMNS = ["setting_id", "name", "district", "provider_type", "level", "since", "reason",
           "rule", "ofsted", "funding_flags"]



def add_parser(sub) -> None:
    p = sub.add_parser("levels", help="every setting's support level on a date, with the reason "
                                      "(C1-C3, O2)",
                       description=HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--on", type=date_arg, required=True, metavar="YYYY-MM-DD",
                   help="the date to list the levels on")
    p.add_argument("--data", metavar="SOURCE",
                   help="folder, .xlsx workbook or database URL (default: the bundled sample)")
    p.add_argument("--out", metavar="FILE.csv|FILE.xlsx",
                   help="write here instead of printing CSV to stdout")
    p.set_defaults(func=run)


def table(data, on: dt.date):
    """The levels on ``on`` as published by the command (one row per setting)."""
    from eyanalysis.analysis.categorisation import spread
    from eyanalysis.vocabulary import OFSTED_OUTCOMES

    levels = spread(data.settings, data.visits, data.inspections, on, data.categorisations)
    out = levels.assign(
        since=levels["since"].dt.strftime("%Y-%m-%d").fillna(""),
        ofsted=levels["judgement"].map(OFSTED_OUTCOMES.label))
    return out[COLUMNS].sort_values("setting_id").reset_index(drop=True)


def counts(levels, on: dt.date) -> str:
    from eyanalysis.vocabulary import SUPPORT_LEVELS

    n = levels["level"].value_counts()
    parts = ", ".join(f"{SUPPORT_LEVELS.short(code)} {int(n.get(code, 0))}"
                      for code in SUPPORT_LEVELS)
    return f"{len(levels)} settings on {on.isoformat()}: {parts}"


def _excel(levels, path: Path, on: dt.date, source: str) -> None:
    import pandas as pd

    about = pd.DataFrame({"item": ["date", "data", "rule", "parameters", "provenance"],
                          "value": [
        on.isoformat(), source,
        "C1-C3 and O2 (eyanalysis.rules.support): agreed level, Ofsted forcing and exit, "
        "report-card Targeted floor, crisis",
        "parameters/support/ and parameters/ofsted/ in force on the date",
        "Cumbria County Council framework 2022-23 (council abolished 1 April 2023, "
        "SI 2022/331): one former authority's parameter set"]})
    with pd.ExcelWriter(path, engine="openpyxl") as xl:
        levels.to_excel(xl, sheet_name="Support levels", index=False)
        about.to_excel(xl, sheet_name="About", index=False)
        sheet = xl.sheets["Support levels"]
        sheet.freeze_panes = "A2"
        for column, width in zip("ABCDEFGHIJ", (10, 30, 14, 22, 11, 11, 60, 6, 40, 50),
                                 strict=True):
            sheet.column_dimensions[column].width = width


def run(args: argparse.Namespace) -> int:
    from eyanalysis.data.dataset import load
    from eyanalysis.errors import InputDataError

    out = Path(args.out) if args.out else None
    if out is not None and out.suffix.lower() not in {".csv", ".xlsx"}:
        raise InputDataError(f"--out {out}: use a .csv or .xlsx file name.")
    data = load(args.data, tables=["settings", "inspections", "visits", "categorisations"])
    bad = int(data.counts["quarantined"].sum())
    if bad:
        print(f"warning: {bad} row(s) of {data.source} were quarantined and left out; run "
              f"'eyanalysis validate {data.source}' to see them", file=sys.stderr)
    levels = table(data, args.on)
    summary = counts(levels, args.on)
    if out is None:
        levels.to_csv(sys.stdout, index=False, lineterminator="\n")
        print(summary, file=sys.stderr)
        return 0
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix.lower() == ".csv":
        levels.to_csv(out, index=False, lineterminator="\n")
    else:
        _excel(levels, out, args.on, data.source)
    print(summary)
    print(f"wrote {out} ({len(levels)} settings)")
    return 0

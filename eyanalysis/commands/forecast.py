"""``eyanalysis forecast``: spend per scenario and term with P10/P50/P90 (issue #5)."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path


def _progress(stream=sys.stderr):
    """A plain-text progress bar on stderr (no extra dependency)."""
    began = time.perf_counter()

    def report(done: int, total: int) -> None:
        width = 30
        filled = int(width * done / max(total, 1))
        stream.write(f"\rsimulating terms [{'#' * filled}{'.' * (width - filled)}] "
                     f"{done}/{total} {time.perf_counter() - began:5.1f}s")
        if done >= total:
            stream.write("\n")
        stream.flush()

    return report


def _pence(pounds) -> object:
    """Pounds (a float to the penny) as integer pence; a missing value (no simulation
    paths) as the GSS symbol for not available."""
    from decimal import Decimal

    import pandas as pd

    if pd.isna(pounds):
        return "x"
    return int((Decimal(str(pounds)) * 100).to_integral_value())


def write_workbook(out: Path, fc, table, sens, first: str, args, inputs) -> Path:
    """The forecast as a published workbook (gptables, issue #11): cover, contents, notes,
    then the forecast, the per-level detail and the sensitivity, numbers as numbers with
    formats; every text cell defused. The CSV keeps the README's column contract."""
    from eyanalysis.data.export import defuse_xlsx
    from eyanalysis.present import format as fmt
    from eyanalysis.present import meta, workbook
    from eyanalysis.present.forecast_notes import method_notes
    from eyanalysis.present.meta import Column, Note, TableSpec
    from eyanalysis.vocabulary import LEVELS

    money = ["expected", "p10", "p50", "p90", "diff_expected", "diff_p50", "supplement",
             "eypp"]
    main = table.assign(term=table["term"].map(fmt.term),
                        **{c: table[c].map(_pence) for c in money})
    label = {"expected": "Expected spend", "p10": "10th percentile",
             "p50": "Median", "p90": "90th percentile",
             "diff_expected": "Expected, change from baseline",
             "diff_p50": "Median, change from baseline",
             "supplement": "Inclusion Supplement, expected",
             "eypp": "Early Years Pupil Premium, expected"}
    interval = ("Percentiles are over the simulated paths; [x] where the forecast was run "
                "with no paths.")
    forecast = TableSpec(
        name="forecast", title="Forecast spend by scenario and term",
        subtitle=f"{args.terms} terms from {fmt.term(first)}, {args.paths} simulated paths, "
                 f"seed {args.seed}",
        columns={"scenario": Column("Scenario"), "term": Column("Term"),
                 **{c: Column(label[c], "pence") for c in money},
                 "children": Column("Funded children, expected", "expected"),
                 "children_supported": Column("Children at a graduated level, expected",
                                              "expected")},
        spanners={"Spread of simulated spend": ["p10", "p50", "p90"]},
        notes=[Note(interval), *(Note(n) for n in method_notes(inputs))],
        source="Caseload model estimated from the data; rates from the dated parameters "
               "and each scenario file")
    by_level = fc.by_level.assign(
        term=fc.by_level["term"].map(fmt.term),
        level=[LEVELS.label(v) if v in LEVELS else "Early Years Pupil Premium"
               for v in fc.by_level["level"]],
        supplement=fc.by_level["supplement"].map(
            lambda v: _pence(round(float(v), 2))))
    levels = TableSpec(
        name="by_level", title="Expected children and spend by SEND level",
        subtitle=f"{args.terms} terms from {fmt.term(first)}",
        columns={"scenario": Column("Scenario"), "term": Column("Term"),
                 "level": Column("SEND level or line"),
                 "children": Column("Children, expected", "expected"),
                 "supplement": Column("Spend, expected", "pence")},
        source="Caseload model estimated from the data")
    sensitivity = TableSpec(
        name="sensitivity", title="Change in spend for each 1p on an hourly rate",
        subtitle="Over the first three forecast terms, baseline scenario",
        columns={"parameter": Column("Rate parameter"), "levels": Column("Levels it pays"),
                 "paid_hours": Column("Paid hours, expected", "decimal"),
                 "per_1p": Column("Change in spend per 1p", "pence")},
        notes=[Note("The rate parameter is named as in the parameters folder.")],
        source="Caseload model estimated from the data")
    sens = sens.assign(per_1p=sens["per_1p"].map(_pence))
    release = workbook.Release(
        title="Early years funding forecast", period=f"{args.terms} terms from "
        f"{fmt.term(first)}", contact=meta.contact(),
        about=["Expected Inclusion Supplement and Early Years Pupil Premium spend per term "
               "under each rate scenario, with the spread of simulated outcomes."],
        source=str(args.data or "the bundled sample county (synthetic data)"))
    workbook.write_workbook(out, [(main, forecast), (by_level, levels), (sens, sensitivity)],
                            release)
    defuse_xlsx(out)
    return out


def financial_year_table(fc, inputs, scenarios):
    """``--by financial-year``: the budget planner's headline (April to March) per scenario:
    the same figures as the app (:func:`eyanalysis.analysis.forecast.by_financial_year`)."""
    from eyanalysis.analysis.forecast import by_financial_year

    table = by_financial_year(fc, inputs, {s.name: s.params for s in scenarios})
    table = table.drop(columns=["first_day"])
    return table[["scenario", "financial_year", "complete", "terms_observed", "terms_forecast",
                  "expected", "p10", "p90", "change", "supplement", "exceptional", "eypp", "daf"]]


def cmd_forecast(args: argparse.Namespace) -> int:
    from eyanalysis.analysis.costing import sensitivity
    from eyanalysis.analysis.forecast import Inputs, published, run
    from eyanalysis.data.dataset import load
    from eyanalysis.data.export import safe_csv, safe_excel
    from eyanalysis.errors import InputDataError
    from eyanalysis.parameters import load_parameters
    from eyanalysis.rules.scenarios import load_scenarios
    from eyanalysis.rules.terms import parse

    out = Path(args.out) if args.out else None
    if out is not None and out.suffix.lower() not in {".csv", ".xlsx"}:
        raise InputDataError(f"--out {out}: use a .csv or .xlsx file name.")
    if args.terms < 1 or args.paths < 0:
        raise InputDataError("--terms must be at least 1 and --paths at least 0.")
    if args.from_term:
        parse(args.from_term)
    params = load_parameters()
    scenarios = load_scenarios(args.scenario, params)  # baseline first
    ds = load(args.data, tables=["attendance", "children", "settings"])
    if args.as_of:
        ds = ds.as_of(args.as_of)
    inputs = Inputs.from_dataset(ds)
    first = args.from_term or inputs.next_term
    long_run = args.paths * args.terms >= 5000 and not args.quiet
    fc = run(inputs, scenarios, first, args.terms, args.paths, args.seed,
             progress=_progress() if long_run else None)
    if args.by == "financial-year":
        table = financial_year_table(fc, inputs, scenarios)
    else:
        table = published(fc)
    if out is None:
        safe_csv(table, sys.stdout, float_format="%.2f")
    elif out.suffix.lower() == ".csv":
        safe_csv(table, out, float_format="%.2f")
    else:
        if args.by == "financial-year":
            safe_excel({"By financial year": table, "By term": published(fc),
                        "Sensitivity": sensitivity(fc), "By level": fc.by_level}, out)
        else:
            write_workbook(out, fc, table, sensitivity(fc), first, args, inputs)
    if out is not None:
        print(f"wrote {out} ({len(scenarios)} scenarios x {args.terms} terms from {first}, "
              f"{args.paths} paths, seed {args.seed})", file=sys.stderr)
    for note in fc.notes:
        print(f"note: {note}", file=sys.stderr)
    return 0


def add_parser(sub) -> None:
    p = sub.add_parser(
        "forecast",
        help="forecast supplement and EYPP spend per term under rate scenarios",
        description="Project the caseload by level term by term from the history in the data, "
                    "cost it under the baseline parameters and each scenario file, and write "
                    "per scenario and term the expected spend, P10, P50, P90 (Monte Carlo) and "
                    "the difference from the baseline. Same seed, same numbers.",
    )
    p.add_argument("--scenario", action="append", default=None, metavar="FILE",
                   help="scenario YAML (repeatable; default: every file in "
                        "parameters/scenarios/)")
    p.add_argument("--from", dest="from_term", default=None, metavar="TERM",
                   help="first term to project, YYYY-AUT/SPR/SUM (default: the term after "
                        "the last term the data hold)")
    p.add_argument("--as-of", dest="as_of", default=None, metavar="YYYY-MM-DD",
                   help="project from the history known on this date (default: all the data)")
    p.add_argument("--terms", type=int, default=6, metavar="N", help="terms to project (6)")
    p.add_argument("--paths", type=int, default=2000, metavar="N",
                   help="Monte Carlo paths (default 2000; 0 = expected path only)")
    p.add_argument("--seed", type=int, default=20261123, metavar="S", help="random seed")
    p.add_argument("--data", default=None, metavar="SOURCE",
                   help="data source (default: the bundled sample county)")
    p.add_argument("--out", metavar="FILE.csv|FILE.xlsx",
                   help="write here instead of printing CSV to stdout")
    p.add_argument("--by", choices=["term", "financial-year"], default="term",
                   help="one row per scenario and term (default) or per financial year "
                        "(April to March): expected, P10-P90 of the year, change from the "
                        "previous year, Supplement, exceptional and EYPP")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_forecast)

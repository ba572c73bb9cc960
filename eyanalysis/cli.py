"""The ``eyanalysis`` command line. Each subcommand is a small function; heavy imports
happen inside it so that ``eyanalysis --help`` stays instant."""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import os
import pkgutil
import sys
import tempfile
from pathlib import Path

from eyanalysis import __version__, commands
from eyanalysis.commands import date_arg
from eyanalysis.errors import EyAnalysisError, InputDataError

EXIT_BAD_INPUT = 2
#: Characters of a cell's value ``validate`` prints (the report holds it whole; the readers
#: have already cut a cell too long for a spreadsheet to its first 60).
VALUE_WIDTH = 100



def _write_atomically(path: Path, write) -> None:
    """Write through a temporary file in the same folder, so a failure leaves nothing."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def cmd_predict(args: argparse.Namespace) -> int:
    """Predict the termly Inclusion Supplement (with EYPP and DAF) for every setting (F8)."""
    from eyanalysis.data.claims_file import read_attendance
    from eyanalysis.data.export import defuse_xlsx, safe_csv
    from eyanalysis.present import grid_workbook
    from eyanalysis.rules.grid import as_published, grid
    from eyanalysis.rules.rates import Rates
    from eyanalysis.vocabulary import FUNDING_AGES

    out = Path(args.out) if args.out else None
    if out is not None and out.suffix.lower() not in {".csv", ".xlsx"}:
        raise InputDataError(f"--out {out}: use a .csv or .xlsx file name.")
    rates = Rates.from_parameters(args.on)
    claims = read_attendance(args.attendance, args.settings, rates)
    table = grid(claims, rates)
    if "eypp" in claims:  # E2: which funding ages EYPP covers depends on the date
        outside = claims["eypp"] & ~claims["funding_age"].isin(rates.eypp_paid_ages)
        if outside.any():
            ages = ", ".join(sorted(set(claims.loc[outside, "funding_age"]),
                                    key=FUNDING_AGES.index))
            covered = " and ".join(FUNDING_AGES.label(a).lower() for a in rates.eypp_paid_ages)
            print(
                f"note: {int(outside.sum())} row(s) flag eypp for funding age {ages}; on "
                f"{rates.on.isoformat()} EYPP is paid for {covered} only (E2), so they are "
                "not counted.",
                file=sys.stderr,
            )
    published = as_published(table)
    if out is None:
        safe_csv(published, sys.stdout)
    elif out.suffix.lower() == ".csv":
        _write_atomically(out, lambda p: safe_csv(published, p))
    else:
        def workbook(p: Path) -> None:
            grid_workbook.write(table, p, rates, str(args.attendance))  # gptables
            defuse_xlsx(p)  # no text cell of the workbook may be a formula

        _write_atomically(out, workbook)
    if out is not None:
        print(
            f"wrote {out} ({table['setting_id'].nunique()} settings, rates in force on "
            f"{rates.on.isoformat()})",
            file=sys.stderr,
        )
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    """Validate a source; print every problem and the row counts (exit 1 on any problem)."""
    from eyanalysis.data import validation
    from eyanalysis.data.dataset import load
    from eyanalysis.data.export import safe_csv
    from eyanalysis.errors import PersonalDataError

    report = Path(args.report)
    try:
        ds = load(args.source, as_of=args.as_of, mapping=args.mapping)
    except PersonalDataError as exc:
        # refused whole: nothing is kept or copied; the report names where, never values
        print(f"error: {exc}", file=sys.stderr)
        report.mkdir(parents=True, exist_ok=True)
        for old in report.glob("quarantine_*.csv"):
            old.unlink()
        safe_csv(validation.problems_table(exc.problems), report / "problems.csv")
        print(validation.report([{**p, "value": ""} for p in exc.problems]))
        print("the source was refused for personal data: no table was validated")
        print("rows: 0 in, 0 accepted, 0 quarantined")
        return EXIT_BAD_INPUT
    except InputDataError as exc:  # the source itself cannot be opened: nothing was read
        print(f"error: {exc}", file=sys.stderr)
        print("rows: 0 in, 0 accepted, 0 quarantined")
        return EXIT_BAD_INPUT
    if len(ds.problems):
        # one line a problem, FILE:LINE: column COL: reason (value 'X'), as a compiler says
        shown = ds.problems.head(args.max_rows)
        print(validation.report(validation.records(shown), value_width=VALUE_WIDTH))
        if len(ds.problems) > len(shown):
            print(f"... {len(ds.problems) - len(shown)} more problem(s) in the report")
    paths = ds.write_report(report)
    print(ds.counts.to_string(index=False))
    print(f"report: {paths[0]}" + (f"; quarantined rows beside it ({len(paths) - 2} file(s))"
                                   if len(paths) > 2 else ""))
    print(ds.summary)
    return 1 if len(ds.problems) else 0


def cmd_synth(args: argparse.Namespace) -> int:
    """Regenerate the synthetic sample county (byte-identical for the same seed and scale)."""
    from eyanalysis.data import synth

    out = Path(args.out) if args.out else None
    paths = synth.regenerate(out, seed=args.seed, scale=args.scale)
    for p in paths:
        print(p)
    return 0


def cmd_dictionary(args: argparse.Namespace) -> int:
    """Write the data dictionary generated from the schemas."""
    from eyanalysis.data.schemas import data_dictionary

    text = data_dictionary()
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")
    else:
        print(text)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="eyanalysis",
        description="Early years analysis workbench: Inclusion Supplement, EYPP, "
        "categorisation, panel caseloads and termly summaries.",
    )
    parser.add_argument("--version", action="version", version=f"eyanalysis {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser(
        "predict",
        help="predict the termly Inclusion Supplement grid for every setting (F8)",
        description="Predict the termly Inclusion Supplement per setting and level (the grid "
        "on p. 11 of the Worcestershire guidance), with an EYPP row when the attendance "
        "file has an eypp column and a Disability Access Fund row when it has a daf column.",
    )
    p.add_argument(
        "attendance",
        metavar="ATTENDANCE.csv",
        help="child_id, setting_id, level, hours_per_week, weeks, funding_age "
        "(under-2, 2 or 3-4) [, eypp] [, daf]: one row per child per setting for the term",
    )
    p.add_argument(
        "--settings",
        metavar="SETTINGS.csv",
        help="setting_id, specialist (true/false); settings not listed are not specialist",
    )
    p.add_argument(
        "--on",
        type=date_arg,
        default=dt.date.today(),
        metavar="YYYY-MM-DD",
        help="use the rates and rules in force on this date (default: today)",
    )
    p.add_argument(
        "--out", metavar="FILE.csv|FILE.xlsx", help="write here instead of printing CSV to stdout"
    )
    p.set_defaults(func=cmd_predict)

    p = sub.add_parser(
        "validate", help="validate a data source and report every bad row",
        description="Load SOURCE (a folder of CSV or Parquet files, an .xlsx workbook with "
                    "one sheet per table, or a database URL), print one line per problem "
                    "(file, line, column, value, reason), write the report and quarantined "
                    "rows, and end with 'rows: N in, A accepted, Q quarantined'. A file that "
                    "cannot be read is one problem of its table; the others are still checked. "
                    "Exit 1 when anything was found, 2 when the source was refused (personal "
                    "data) or cannot be opened.",
    )
    p.add_argument("source", help="folder, .xlsx workbook, or URL such as sqlite:///ey.db")
    p.add_argument("--report", default="outputs/validation", metavar="DIR",
                   help="where problems.csv and quarantine_<table>.csv go "
                        "(default: outputs/validation)")
    p.add_argument("--max-rows", type=int, default=200, metavar="N",
                   help="print at most N problems (all are in the report; default 200)")
    p.add_argument("--mapping", default=None, metavar="MAP.yaml",
                   help="a mapping file for an authority's own export: their file and "
                        "column names and codes -> ours (README, 'Mapping files'); every "
                        "unmapped column and unknown code is reported")
    p.add_argument("--as-of", type=date_arg, default=None, metavar="YYYY-MM-DD",
                   help="the date the data describe: inspections, visits held, applications "
                        "and decisions after it are refused as in the future (default: today)")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("synth", help="regenerate the synthetic sample county",
                       description="Build the deterministic synthetic county and write one "
                                   "file per table (default: the bundled sample folder).")
    p.add_argument("--out", metavar="DIR", help="folder to write (default: bundled sample)")
    p.add_argument("--seed", type=int, default=20261123, help="random seed (default 20261123)")
    p.add_argument("--scale", type=float, default=1.0,
                   help="multiply settings and children (about 166 = England)")
    p.set_defaults(func=cmd_synth)

    p = sub.add_parser("dictionary", help="print the data dictionary generated from the schemas")
    p.add_argument("--out", metavar="FILE.md", help="write it here instead of printing")
    p.set_defaults(func=cmd_dictionary)

    for module in pkgutil.iter_modules(commands.__path__):  # feature subcommands
        importlib.import_module(f"eyanalysis.commands.{module.name}").add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except InputDataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except EyAnalysisError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())

"""``eyanalysis compare-schemes``: the same caseload under every inclusion scheme (S1-S3)."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from eyanalysis.commands import date_arg


def cmd_compare_schemes(args: argparse.Namespace) -> int:
    from eyanalysis.analysis.schemes import claims_for_term, compare, ieyf_allocation, published
    from eyanalysis.data.export import safe_csv
    from eyanalysis.errors import InputDataError, ParameterDateError
    from eyanalysis.parameters import load_parameters
    from eyanalysis.rules import terms

    out = Path(args.out) if args.out else None
    if out is not None and out.suffix.lower() not in {".csv", ".xlsx"}:
        raise InputDataError(f"--out {out}: use a .csv or .xlsx file name.")
    if (args.attendance is None) == (args.data is None and args.term is None):
        raise InputDataError("Give one of ATTENDANCE.csv (one term's claims, as for predict) "
                             "or --term TERM [--data SOURCE] (a whole dataset's term).")
    params = load_parameters()
    if args.attendance is not None:
        from eyanalysis.data.claims_file import read_attendance
        from eyanalysis.rules.rates import Rates

        on = args.on or dt.date.today()
        att = read_attendance(args.attendance, args.settings, Rates.from_parameters(on))
        source = str(args.attendance)
    else:
        if not args.term:
            raise InputDataError("--data needs --term TERM (YYYY-AUT, YYYY-SPR or YYYY-SUM).")
        from eyanalysis.data.dataset import load

        terms.parse(args.term)
        on = args.on or terms.start(args.term)
        ds = load(args.data, tables=["attendance", "children", "settings"])
        att = claims_for_term(ds, args.term, params=params)
        if att.empty:
            raise InputDataError(f"{args.data or 'the sample'} holds no claims for "
                                 f"{args.term}: choose a term the data hold.")
        source = f"{args.data or 'the bundled sample'}, {args.term}"
    ids = [s.strip() for s in args.schemes.split(",") if s.strip()] if args.schemes else None
    result = compare(att, on, ids, params)
    table = published(result)
    if out is None:
        safe_csv(table, sys.stdout)
    elif out.suffix.lower() == ".csv":
        safe_csv(table, out)
    else:
        from eyanalysis.present.schemes import write_workbook

        try:
            ieyf = ieyf_allocation(att, on, params)
        except ParameterDateError:
            ieyf = None  # the fund begins in 2026-27 (I1)
        write_workbook(out, result, source, ieyf)
    if out is not None:
        print(f"wrote {out} ({len(result.summary)} schemes, rules in force on "
              f"{result.on.isoformat()}, {source})", file=sys.stderr)
    print("Crosswalk assumptions (S2: a child's home level mapped to each scheme's bands, "
          "low / central / high):", file=sys.stderr)
    for line in result.assumptions(ids=True):
        print(f"  {line}", file=sys.stderr)
    for note in result.notes:
        print(f"note: {note}", file=sys.stderr)
    return 0



def add_parser(sub) -> None:
    p = sub.add_parser(
        "compare-schemes",
        help="cost one caseload under every authority's inclusion scheme (low-central-high)",
        description="Cost the same children under each inclusion scheme in "
                    "parameters/schemes/ (Worcestershire 2015-16 and 2024-25, Stoke-on-Trent, "
                    "Lambeth, Herefordshire, Hertfordshire, Devon, North Northamptonshire, "
                    "Lincolnshire): per scheme the children funded, the low, central and high "
                    "cost for the term and a year (the crosswalk from home levels to the "
                    "scheme's bands is a judgement, S2) and the effect of the scheme's yearly "
                    "pot. The crosswalk assumptions are printed on stderr.",
    )
    p.add_argument("attendance", nargs="?", default=None, metavar="ATTENDANCE.csv",
                   help="one term's claims, exactly as for predict (child_id, setting_id, "
                        "level, hours_per_week, weeks, funding_age [, eypp] [, daf])")
    p.add_argument("--settings", metavar="SETTINGS.csv",
                   help="setting_id, specialist (true/false), as for predict")
    p.add_argument("--on", type=date_arg, default=None, metavar="YYYY-MM-DD",
                   help="the schemes' rules in force on this date (default: today, or the "
                        "term's first day with --term)")
    p.add_argument("--schemes", default=None, metavar="A,B,...",
                   help="scheme ids (default: every scheme in force on --on)")
    p.add_argument("--data", default=None, metavar="SOURCE",
                   help="a whole dataset instead of a claims file (default with --term: the "
                        "bundled sample county)")
    p.add_argument("--term", default=None, metavar="TERM",
                   help="the term of --data to cost, YYYY-AUT/SPR/SUM")
    p.add_argument("--out", metavar="FILE.csv|FILE.xlsx",
                   help="write here instead of printing CSV to stdout (.xlsx: the published "
                        "workbook with the summary, by level, by setting type, the crosswalk "
                        "and setting-level funds)")
    p.set_defaults(func=cmd_compare_schemes)

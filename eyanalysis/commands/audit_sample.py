"""``eyanalysis audit-sample``: the annual 30% audit sample of NEF settings (M2)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HELP = """Draw the annual audit sample of NEF settings (M2): a random sample stratified by
provider type x district, the same for the same data, year, fraction and seed.

Rounding: the total is fraction x NEF settings, rounded half up. Each stratum first gets
the whole part of fraction x its size; the seats left over go to the strata with the
largest remainders (largest-remainder method), equal remainders in a seeded random order.
A stratum of one setting is therefore sampled only if it wins a left-over seat.
Stratum sizes (population, sampled) are printed to stderr when the CSV goes to stdout,
to stdout when --out is given."""


def add_parser(sub) -> None:
    p = sub.add_parser("audit-sample", help="draw the annual stratified audit sample (M2)",
                       description=HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--year", type=int, required=True, metavar="YYYY",
                   help="audit year; the fraction in force on 1 April YYYY is used")
    p.add_argument("--fraction", metavar="F",
                   help="share of NEF settings to sample (default: panel.audit_fraction, 0.30)")
    p.add_argument("--seed", type=int, metavar="S", help="random seed (default: the year)")
    p.add_argument("--data", metavar="SOURCE",
                   help="folder, .xlsx workbook or database URL (default: the bundled sample)")
    p.add_argument("--out", metavar="FILE.csv", help="write the sample here instead of stdout")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from eyanalysis.analysis.audit import sample, strata_text
    from eyanalysis.data.dataset import load
    from eyanalysis.data.export import safe_csv
    from eyanalysis.errors import InputDataError

    if args.fraction is not None:
        try:
            fraction = float(args.fraction)
        except ValueError:
            raise InputDataError(
                f"--fraction {args.fraction!r}: give a number such as 0.30.") from None
        if not 0 < fraction <= 1:
            raise InputDataError(f"--fraction {args.fraction}: must be above 0 and at most 1.")
    ds = load(args.data, tables=["settings"])
    result = sample(ds.settings, args.year, seed=args.seed, fraction=args.fraction)
    if args.out:
        out = Path(args.out)
        safe_csv(result.sample, out)
        print(strata_text(result))
        print(f"wrote {out} ({len(result.sample)} settings)")
    else:
        print(strata_text(result), file=sys.stderr)
        safe_csv(result.sample, sys.stdout)
    return 0

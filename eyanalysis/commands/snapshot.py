"""``eyanalysis snapshot``: a copy of a data source as it was known on a date."""

from __future__ import annotations

import argparse
import sys


def add_parser(sub) -> None:
    p = sub.add_parser(
        "snapshot", help="write a copy of the data as known on a date (CSV folder)",
        description="Load SOURCE, read it as it was known on --as-of (rows dated later left "
                    "out, later decisions pending: see Dataset.as_of in the README) and write "
                    "one CSV per table to --out, which eyanalysis loads like any source. A "
                    "past term run on the copy gives the tables it gives on the full source.",
    )
    p.add_argument("--data", default=None, metavar="SOURCE",
                   help="data folder, .xlsx workbook or database URL (default: the bundled "
                        "sample county)")
    p.add_argument("--as-of", dest="as_of", required=True, metavar="YYYY-MM-DD",
                   help="the date the copy is known on")
    p.add_argument("--out", required=True, metavar="DIR", help="folder to write")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from eyanalysis.data.dataset import load

    ds = load(args.data).as_of(args.as_of)
    quarantined = int(ds.counts["quarantined"].sum())
    if quarantined:
        print(f"note: {quarantined} row(s) were quarantined at load and are not in the copy "
              "(eyanalysis validate lists them)", file=sys.stderr)
    for path in ds.write_csv(args.out):
        print(path)
    print(ds.summary, file=sys.stderr)
    return 0

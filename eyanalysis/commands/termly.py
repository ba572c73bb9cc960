"""``eyanalysis termly``: the scheduled termly run (see :mod:`eyanalysis.jobs.termly`)."""

from __future__ import annotations

import argparse
import sys


def add_parser(sub) -> None:
    p = sub.add_parser(
        "termly", help="run every notebook for a term and write outputs/<term>/",
        description="Run the termly summary and the three analysis notebooks with papermill "
                    "and write DIR/TERM/: report.html (opens offline), published tables "
                    "(CSV and Excel, disclosure-controlled), the executed notebooks and "
                    "manifest.json. Nothing is written unless every notebook succeeds.",
    )
    p.add_argument("--term", required=True, metavar="YYYY-TTT",
                   help="term to run, e.g. 2026-AUT")
    p.add_argument("--data", default="", metavar="SOURCE",
                   help="data folder, .xlsx workbook or database URL (default: the bundled "
                        "sample county)")
    p.add_argument("--out", default="outputs", metavar="DIR",
                   help="where the term folder goes (default: outputs)")
    p.add_argument("--timeout", type=int, default=900, metavar="SECONDS",
                   help="execution timeout per cell (default 900)")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from eyanalysis.jobs.termly import run

    folder = run(args.term, args.data, args.out, timeout=args.timeout,
                 progress=lambda line: print(line, file=sys.stderr, flush=True))
    print(folder)
    return 0

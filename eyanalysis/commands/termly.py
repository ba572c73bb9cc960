"""``eyanalysis termly``: the scheduled termly run (see :mod:`eyanalysis.jobs.termly`)."""

from __future__ import annotations

import argparse
import sys

from eyanalysis.commands import date_arg


def add_parser(sub) -> None:
    p = sub.add_parser(
        "termly", help="run every notebook for a term and write outputs/<term>/",
        description="Run the termly summary and the three analysis notebooks with papermill "
                    "(two at a time) on the data as known on the term's count date (its last "
                    "day, or the run date while it runs) and write DIR/TERM/: report.html "
                    "(opens offline), report.pdf with --pdf, published tables (CSV and a "
                    "gptables workbook, disclosure-controlled), "
                    "the executed notebooks and manifest.json. Nothing is written unless every "
                    "notebook succeeds; a term after the last the data hold, or not started on "
                    "the run date, is refused (exit 2).",
    )
    p.add_argument("--term", required=True, metavar="YYYY-TTT|last-ended|current",
                   help="term to run, e.g. 2026-SUM; or last-ended (the latest term that has "
                        "ended and that the data hold: for a schedule) or current")
    p.add_argument("--data", default="", metavar="SOURCE",
                   help="data folder, .xlsx workbook or database URL (default: the bundled "
                        "sample county)")
    p.add_argument("--out", default="outputs", metavar="DIR",
                   help="where the term folder goes (default: outputs)")
    p.add_argument("--today", type=date_arg, default=None, metavar="YYYY-MM-DD",
                   help="run as if on this date (default: today), e.g. to re-run a schedule")
    p.add_argument("--timeout", type=int, default=900, metavar="SECONDS",
                   help="execution timeout per cell (default 900)")
    p.add_argument("--workers", type=int, default=2, metavar="N",
                   help="notebooks run at once (default 2)")
    p.add_argument("--pdf", action="store_true",
                   help="also write report.pdf (A4, page numbers; charts drawn with Debian's "
                        "chromium) and link it from report.html")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from eyanalysis.jobs.termly import run

    folder = run(args.term, args.data, args.out, timeout=args.timeout, today=args.today,
                 workers=args.workers, pdf=args.pdf,
                 progress=lambda line: print(line, file=sys.stderr, flush=True))
    print(folder)
    return 0

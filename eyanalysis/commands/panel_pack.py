"""``eyanalysis panel-pack``: the printable pack for one panel meeting (issue #12 item 4)."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from eyanalysis.commands import date_arg


def add_parser(sub) -> None:
    p = sub.add_parser(
        "panel-pack", help="write the printable pack for a panel meeting (HTML or PDF)",
        description="Write the pack for the Early Years Inclusion Funding Panel meeting on "
                    "--meeting: a summary table, then one card per application listed for "
                    "that meeting (child reference, setting, level, received, days waiting, "
                    "each exceptional funding criterion as evidenced or not). The pack never "
                    "suggests a decision: the panel decides (X3).")
    p.add_argument("--meeting", required=True, type=date_arg, metavar="YYYY-MM-DD",
                   help="the meeting date")
    p.add_argument("--data", default=None, metavar="SOURCE",
                   help="data folder, .xlsx workbook or database URL (default: the bundled "
                        "sample county)")
    p.add_argument("--as-of", dest="as_of", type=date_arg, default=None, metavar="YYYY-MM-DD",
                   help="the applications as recorded on this date (default: today)")
    p.add_argument("--out", required=True, metavar="FILE.html|FILE.pdf",
                   help="where to write the pack")
    p.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from eyanalysis.analysis import panel
    from eyanalysis.data.dataset import load
    from eyanalysis.errors import InputDataError
    from eyanalysis.present import cards as pc

    out = Path(args.out)
    if out.suffix.lower() not in {".html", ".pdf"}:
        raise InputDataError(f"--out {out}: use a .html or .pdf file name.")
    on = args.as_of or dt.date.today()
    ds = load(args.data, tables=["settings", "inspections", "children", "attendance",
                                 "panel_applications"]).as_of(on)
    apps = ds.panel_applications
    listed = panel.cards(apps, args.meeting, on, ds.settings, ds.tables.get("inspections"),
                         attendance=ds.attendance)
    page = pc.pack_html(listed, args.meeting, on, str(ds.source))
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix.lower() == ".pdf":
        from eyanalysis.present.pdf import write_pdf

        write_pdf(page, out)
    else:
        out.write_text(page, encoding="utf-8")
    if not listed:
        known = [d.isoformat() for d in panel.meeting_dates(apps, on)[:4]]
        print(f"note: no application is listed for {args.meeting}; meetings: "
              f"{', '.join(known)}", file=sys.stderr)
    print(f"wrote {out} ({len(listed)} application(s) listed for {args.meeting})",
          file=sys.stderr)
    return 0

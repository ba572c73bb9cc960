"""Publishing a table: disclosure control first, then (in a scheduled run) a CSV file.

Every table a report shows goes through :func:`table`, which applies
:func:`eyanalysis.present.disclosure.suppress` (primary and secondary suppression, then the
audit by linear programming that hides more until no hidden cell can be narrowed below
``disclosure.audit_width``; what a reader knows about the table comes from
``frame.attrs``) and refuses child-level columns. Given a ``folder`` (the notebook's
``publish_dir`` parameter, which the termly run passes), the safe table is also written
there as ``<name>.csv`` through :func:`eyanalysis.data.export.safe_csv` (no live formula),
byte-for-byte the same for the same inputs.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pandas as pd

from eyanalysis.data.export import safe_csv
from eyanalysis.errors import DisclosureError
from eyanalysis.present.disclosure import signed_change, suppress

CHILD_LEVEL = re.compile(r"child_id|birth_month|application_id", re.I)
_NAME = re.compile(r"^[a-z0-9_]+$")


def table(
    name: str,
    frame: pd.DataFrame,
    counts: list[str],
    *,
    money: dict[str, str] | None = None,
    total_row: bool = False,
    change: tuple[str, str] | None = None,
    on: dt.date | str | None = None,
    folder: Path | str | None = None,
) -> pd.DataFrame:
    """The suppressed copy of ``frame`` to show (and write to ``folder/<name>.csv`` when a
    ``folder`` is given: a scheduled run).

    ``change=(now, before)`` adds a signed ``change`` column computed from the published
    (suppressed) counts, never from the raw ones.
    """
    if not _NAME.match(name):
        raise ValueError(f"table name {name!r}: use lower-case letters, digits and _")
    personal = [c for c in frame.columns if CHILD_LEVEL.search(str(c))]
    if personal:
        raise DisclosureError(
            f"table {name} has child-level columns {personal}: publish counts by group, "
            "never one row per child."
        )
    safe = suppress(frame, counts, money=money, total_row=total_row, on=on)
    if change:
        safe["change"] = signed_change(safe, *change)
    if folder:
        path = Path(folder) / f"{name}.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        safe_csv(safe, path)
    return safe


def show(table: pd.DataFrame):
    """A published table for display: no row numbers (they are not data, and a row number
    from 1 to 5 must not read as a small count)."""
    return table.style.hide(axis="index")

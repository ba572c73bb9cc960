"""What every app notebook shows the same way: the data read, and the sources cell."""

from __future__ import annotations

import html

import pandas as pd

from eyanalysis.present import format as fmt
from eyanalysis.present.meta import Column, TableSpec
from eyanalysis.present.notebook import SOURCE_COLUMNS, sources
from eyanalysis.present.tables import publication_html

#: Width of the charts in the apps, pixels (Voila's page is 1200 px wide; a widget in a Box
#: does not stretch by itself).
WIDTH = 1100


def data_note(ds, what: str = ""):
    """One sentence on the data read (rows accepted, quarantined, known on which date)."""
    from IPython.display import HTML

    c = ds.counts
    source = str(ds.source or "")
    if not source or source.rstrip("/").endswith(("data/sample", ".pickle")):
        source = ("the bundled sample county (synthetic)" if not source or "sample" in source
                  else "the data checked when the app started")
    text = f"Data: {fmt.count(int(c.accepted.sum()))} records read from {source}"
    if int(c.quarantined.sum()):
        text += (f"; {fmt.count(int(c.quarantined.sum()))} set aside as invalid "
                 "(eyanalysis validate lists them)")
    if ds.as_of_day is not None:
        text += f"; as known on {fmt.date(ds.as_of_day)}"
    return HTML(f"<p>{html.escape(text + '.' + (' ' + what if what else ''))}</p>")


def show_sources(params=None):
    """The notebook's closing table: every dated parameter its figures read, the value on
    the dates read and its source (:func:`eyanalysis.present.notebook.sources`)."""
    from IPython.display import HTML

    frame = sources(params).fillna("").astype(str).replace("", fmt.symbol(fmt.NOT_APPLICABLE).text)
    names = [c.replace(" ", "_") for c in SOURCE_COLUMNS]
    frame.columns = names
    spec = TableSpec(
        name="sources", title="Sources and assumptions",
        subtitle="Every parameter the figures above read, with its value on the dates read",
        columns={n: Column(c.capitalize()) for n, c in zip(names, SOURCE_COLUMNS,
                                                           strict=True)},
        source="The dated parameter files under parameters/")
    return HTML(publication_html(pd.DataFrame(frame), spec))

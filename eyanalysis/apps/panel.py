"""The panel officer's interactive queue: choose a meeting and a kind; the queue table and
the queue-over-time chart follow. Advice only: the panel decides (X3).

The queue is shown in an ``HTML`` widget, not an ``Output`` widget: run headless
(papermill, nbval), nbclient mimics an Output widget by sending comm messages on the kernel's
shell channel while it waits there for the cell's reply, and the reply could then go unseen
until the cell's execution timeout ran out (the panel notebook's dashboard cell sat idle
for its whole timeout and still passed).
"""

from __future__ import annotations

import html

import plotly.graph_objects as go

from eyanalysis.present.charts.panel import backlog_figure
from eyanalysis.vocabulary import PANEL_KINDS

KIND_NAMES = PANEL_KINDS.shorts


def dashboard(caseload, ds):
    """Widgets for JupyterLab: choose a panel meeting and a kind; the queue table and the
    queue-over-time chart follow. ``caseload`` is :class:`eyanalysis.analysis.panel.Caseload`,
    ``ds`` the dataset it was built from."""
    import ipywidgets as w

    from eyanalysis.analysis import panel

    apps = caseload.applications
    dates = sorted({d.date() for d in apps["panel_date"].dropna()} | {caseload.panel_date})
    date_pick = w.Dropdown(options=dates, value=caseload.panel_date, description="Panel date")
    kinds = [("all kinds", "all")] + [(KIND_NAMES[k], k) for k in caseload.kinds]
    kind_pick = w.Dropdown(options=kinds, value="all", description="Kind")
    out = w.HTML()
    fig = go.FigureWidget(backlog_figure(caseload.backlog))
    insp = ds.tables.get("inspections")

    def refresh(*_):
        chosen = apps if kind_pick.value == "all" else apps.loc[apps["kind"] == kind_pick.value]
        table = panel.queue(chosen, date_pick.value, caseload.as_of, ds.settings, insp)
        with fig.batch_update():
            for trace in fig.data:
                trace.visible = kind_pick.value == "all" or trace.name == KIND_NAMES[
                    kind_pick.value]
        note = (f"{len(table)} application(s) open on {caseload.as_of} for the panel of "
                f"{date_pick.value}; the criteria check is advice, the panel decides (X3).")
        out.value = f"<p>{html.escape(note)}</p>" + table.to_html(index=False, escape=True)

    date_pick.observe(refresh, names="value")
    kind_pick.observe(refresh, names="value")
    refresh()
    return w.VBox([w.HBox([date_pick, kind_pick]), fig, out])

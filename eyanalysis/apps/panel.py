"""The panel officer's interactive queue: choose a meeting and a kind; the queue table and
the queue-over-time chart follow. Advice only: the panel decides (X3)."""

from __future__ import annotations

import plotly.graph_objects as go

from eyanalysis.present.charts.panel import backlog_figure
from eyanalysis.vocabulary import PANEL_KINDS

KIND_NAMES = PANEL_KINDS.shorts


def dashboard(caseload, ds):
    """Widgets for JupyterLab: choose a panel meeting and a kind; the queue table and the
    queue-over-time chart follow. ``caseload`` is :class:`eyanalysis.analysis.panel.Caseload`,
    ``ds`` the dataset it was built from."""
    import ipywidgets as w
    from IPython.display import display

    from eyanalysis.analysis import panel

    p = caseload.parameters
    apps = caseload.applications
    dates = sorted({d.date() for d in apps["panel_date"].dropna()} | {p.panel_date})
    date_pick = w.Dropdown(options=dates, value=p.panel_date, description="Panel date")
    kinds = [("all kinds", "all")] + [(KIND_NAMES[k], k) for k in p.kinds]
    kind_pick = w.Dropdown(options=kinds, value="all", description="Kind")
    out = w.Output()
    fig = go.FigureWidget(backlog_figure(caseload.backlog))
    insp = ds.tables.get("inspections")

    def refresh(*_):
        chosen = apps if kind_pick.value == "all" else apps.loc[apps["kind"] == kind_pick.value]
        table = panel.queue(chosen, date_pick.value, p.as_of, ds.settings, insp)
        with fig.batch_update():
            for trace in fig.data:
                trace.visible = kind_pick.value == "all" or trace.name == KIND_NAMES[
                    kind_pick.value]
        out.clear_output()
        with out:
            print(f"{len(table)} application(s) open on {p.as_of} for the panel of "
                  f"{date_pick.value}; the criteria check is advice, the panel decides (X3).")
            display(table)

    date_pick.observe(refresh, names="value")
    kind_pick.observe(refresh, names="value")
    refresh()
    return w.VBox([w.HBox([date_pick, kind_pick]), fig, out])

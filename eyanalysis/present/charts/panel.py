"""Figures and widgets for the panel caseload notebook (X1-X4, L3).

Builders return ``plotly.graph_objects.Figure``; :func:`dashboard` returns an ipywidgets
box for JupyterLab (panel date and kind chosen by the user). Nothing here decides: the
criteria check shown is advice to the panel (X3).
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from eyanalysis.present.charts.style import BASE_LAYOUT
from eyanalysis.vocabulary import PANEL_KINDS

KIND_NAMES = PANEL_KINDS.shorts

_LAYOUT = dict(template="plotly_white", legend_title_text="", margin=dict(t=60, b=40),
               **BASE_LAYOUT)


def meetings_figure(per_meeting: pd.DataFrame) -> go.Figure:
    """Applications listed for each panel meeting, stacked by kind."""
    fig = go.Figure()
    for kind in [k for k in KIND_NAMES if k in per_meeting.columns]:
        fig.add_bar(x=per_meeting["panel_date"], y=per_meeting[kind], name=KIND_NAMES[kind])
    fig.update_layout(barmode="stack", title="Applications per panel meeting, by kind",
                      xaxis_title="panel meeting", yaxis_title="applications", **_LAYOUT)
    return fig


def backlog_figure(backlog: pd.DataFrame) -> go.Figure:
    """Open applications (received, no decision yet) over time, stacked by kind."""
    fig = go.Figure()
    for kind, part in backlog.groupby("kind", sort=False):
        fig.add_scatter(x=part["date"], y=part["open"], name=KIND_NAMES.get(kind, kind),
                        mode="lines", stackgroup="open")
    fig.update_layout(title="Queue over time: applications awaiting a decision (weekly)",
                      xaxis_title="week", yaxis_title="open applications", **_LAYOUT)
    return fig


def funnel_figure(funnel: pd.DataFrame) -> go.Figure:
    """Received, heard at a panel, decided by the panel, approved by the panel."""
    fig = go.Figure(go.Funnel(y=funnel["stage"], x=funnel["applications"],
                              textinfo="value+percent initial"))
    fig.update_layout(title="Decision funnel (panel decisions as recorded)", **_LAYOUT)
    return fig


def waits_figure(waits: pd.DataFrame) -> go.Figure:
    """Days from receipt to the panel and to the decision, by kind (box plots)."""
    fig = go.Figure()
    names = waits["kind"].map(KIND_NAMES).fillna(waits["kind"])
    fig.add_box(x=names, y=waits["days_to_panel"], name="to panel", boxpoints="outliers")
    fig.add_box(x=names, y=waits["days_to_decision"], name="to decision",
                boxpoints="outliers")
    fig.update_layout(boxmode="group", title="Days waiting: received to panel and to decision",
                      yaxis_title="days", **_LAYOUT)
    return fig


def committed_figure(by_level: pd.DataFrame) -> go.Figure:
    """Funding committed by approved awards until school entry, by level (exact £ on hover)."""
    fig = go.Figure()
    for period, part in by_level.groupby("period", sort=True):
        fig.add_bar(x=part["level"].astype(str), y=part["amount_pence"] / 100, name=period,
                    customdata=part[["amount", "children"]].to_numpy(),
                    hovertemplate="%{x} " + period + ": %{customdata[0]} "
                                  "(%{customdata[1]} children)<extra></extra>")
    fig.update_layout(barmode="stack", title="Funding committed by approved awards until "
                      "school entry, by level", xaxis_title="awarded level",
                      yaxis_title="£", **_LAYOUT)
    return fig

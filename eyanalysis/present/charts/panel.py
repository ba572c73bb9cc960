"""Figures for the panel caseload notebook (X1-X4, L3), in the house style
(:mod:`eyanalysis.present.charts.style`): each title is what the chart shows (a finding
worked out from its data), the subtitle what is counted and when; one colour per kind of
application in every chart; levels by name.

Builders return ``plotly.graph_objects.Figure``. Nothing here decides: the criteria check
shown is advice to the panel (X3). The notebook is the panel officer's working page, not a
publication: counts are shown as they are (the termly release suppresses its own).
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from eyanalysis.present import format as fmt
from eyanalysis.present.charts import style
from eyanalysis.vocabulary import LEVELS, PANEL_KINDS

KIND_NAMES = PANEL_KINDS.shorts
#: One colour per kind of application, the same in every chart (the house palette's order).
KIND_COLOURS = dict(zip(PANEL_KINDS, style.PALETTE, strict=False))
#: Committed funding: the terms up to the count date's term, and the terms after it until
#: school entry (:func:`eyanalysis.analysis.committed.committed`).
PERIOD_COLOURS = {"to date": style.PALETTE[0], "to come": style.PALETTE[1]}
PERIOD_NAMES = {"to date": "Terms to date", "to come": "Terms to come"}


def _kinds(columns) -> list[str]:
    return [k for k in KIND_NAMES if k in columns]


def meetings_figure(per_meeting: pd.DataFrame) -> go.Figure:
    """Applications listed for each panel meeting, stacked by kind; the title compares the
    last meeting shown with the average of the meetings before it."""
    fig = go.Figure()
    kinds = _kinds(per_meeting.columns)
    for kind in kinds:
        fig.add_bar(x=per_meeting["panel_date"], y=per_meeting[kind], name=KIND_NAMES[kind],
                    marker_color=KIND_COLOURS[kind],
                    hovertemplate="%{x|%d %B %Y}: %{y} " + KIND_NAMES[kind]
                                  + "<extra></extra>")
    total = per_meeting[kinds].sum(axis=1)
    if len(per_meeting):
        last, n = per_meeting["panel_date"].iloc[-1], int(total.iloc[-1])
        finding = f"{fmt.quantity(n, 'application')} listed for the meeting on {fmt.date(last)}"
        if len(per_meeting) > 1:
            finding += (f", against {fmt.decimal(total.iloc[:-1].mean())} a meeting on "
                        "average before it")
    else:
        finding = "No application has been listed for a panel meeting"
    return style.apply(fig, layout={
        "barmode": "stack",
        "title": style.title(fmt.first_upper(finding),
                             "Applications listed for each panel meeting, by kind"),
        "xaxis": {"title": {"text": "Panel meeting"}},
        "yaxis": {"title": {"text": "Applications"}}})


def backlog_figure(backlog: pd.DataFrame) -> go.Figure:
    """Open applications (received, no decision yet) week by week, stacked by kind; the
    title gives the queue at the last week shown and its highest point."""
    fig = go.Figure()
    for kind in _kinds(set(backlog["kind"])):
        part = backlog[backlog["kind"] == kind]
        fig.add_scatter(x=part["date"], y=part["open"], name=KIND_NAMES[kind], mode="lines",
                        stackgroup="open", line={"color": KIND_COLOURS[kind], "width": 1},
                        hovertemplate="week of %{x|%d %B %Y}: %{y} " + KIND_NAMES[kind]
                                      + "<extra></extra>")
    weekly = backlog.groupby("date")["open"].sum()
    subtitle = "Applications received and not yet decided, each week, by kind"
    if len(weekly):
        finding = (f"{fmt.quantity(int(weekly.iloc[-1]), 'application')} awaiting a decision "
                   f"in the week of {fmt.date(weekly.index[-1])}")
        subtitle += (f"; the most was {fmt.count(int(weekly.max()))}, in the week of "
                     f"{fmt.date(weekly.idxmax())}")
    else:
        finding = "No application was awaiting a decision"
    return style.apply(fig, layout={
        "title": style.title(fmt.first_upper(finding), subtitle),
        "xaxis": {"title": {"text": "Week"}},
        "yaxis": {"title": {"text": "Applications awaiting a decision"},
                  "rangemode": "tozero"}})


def funnel_figure(funnel: pd.DataFrame) -> go.Figure:
    """Received, heard at a panel, decided by the panel, approved by the panel."""
    stages = funnel.set_index("stage")["applications"]
    names = [fmt.first_upper(s) for s in stages.index]
    fig = go.Figure(go.Funnel(y=names, x=list(stages), textinfo="value+percent initial",
                              marker={"color": style.PALETTE[0]},
                              connector={"fillcolor": style.GRID}))
    received, approved = int(stages.iloc[0]), int(stages.iloc[-1])
    finding = (f"{fmt.count(approved)} of the {fmt.quantity(received, 'application')} "
               f"received were approved ({fmt.percent(approved / received, 0)})"
               if received else "No application has been received")
    return style.apply(fig, legend=False, layout={
        "title": style.title(finding, "Applications at each stage, panel decisions as "
                                      "recorded"),
        "margin": {"l": 220}})


def waits_figure(waits: pd.DataFrame) -> go.Figure:
    """Days from receipt to the panel and to the decision, by kind (box plots); the title
    gives the median wait for a decision."""
    fig = go.Figure()
    names = waits["kind"].map(KIND_NAMES).fillna(waits["kind"])
    for column, name, colour in (("days_to_panel", "To the panel", style.PALETTE[0]),
                                 ("days_to_decision", "To the decision", style.PALETTE[1])):
        fig.add_box(x=names, y=waits[column], name=name, boxpoints="outliers",
                    marker_color=colour)
    decided = waits["days_to_decision"].dropna()
    finding = (f"Half of the decisions came {fmt.count(int(decided.median()))} days or fewer "
               "after the application" if len(decided)
               else "No application has been decided yet")
    return style.apply(fig, layout={
        "boxmode": "group",
        "title": style.title(finding, "Days from receipt to the panel that heard it and to "
                                      "the decision (approved, declined or deferred), by "
                                      "kind (boxes: middle half; line: median)"),
        "yaxis": {"title": {"text": "Days"}, "rangemode": "tozero"}})


def committed_figure(by_level: pd.DataFrame) -> go.Figure:
    """Funding committed by approved awards until school entry, by awarded level: for the
    terms up to the count date's and for the terms to come (exact £ on hover)."""
    axis = style.money_axis(by_level.groupby("level", observed=True)["amount_pence"].sum())
    fig = go.Figure()
    for period in [p for p in PERIOD_COLOURS if p in set(by_level["period"])]:
        part = by_level[by_level["period"] == period]
        fig.add_bar(x=[LEVELS.label(str(v)) for v in part["level"]],
                    y=part["amount_pence"] / axis.divisor, name=PERIOD_NAMES[period],
                    marker_color=PERIOD_COLOURS[period],
                    customdata=part[["amount", "children"]].to_numpy(),
                    hovertemplate="%{x}, " + PERIOD_NAMES[period].lower() + ": %{customdata[0]} "
                                  "(%{customdata[1]} children)<extra></extra>")
    to_come = int(by_level.loc[by_level["period"] == "to come", "amount_pence"].sum())
    total = int(by_level["amount_pence"].sum())
    finding = (f"Approved awards commit {fmt.money_rounded(total)} until school entry, "
               f"{fmt.money_rounded(to_come)} of it for the terms to come"
               if total else "No approved award commits funding")
    return style.apply(fig, layout={
        "barmode": "stack", "legend": {"traceorder": "normal"},
        "title": style.title(finding, "Funding of approved awards for the terms up to this one "
                                      "and the terms to come until school entry, by awarded "
                                      "level"),
        "xaxis": {"title": {"text": "Awarded level"}},
        "yaxis": {"title": {"text": axis.title}}})

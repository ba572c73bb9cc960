"""Figures for the categorisation spread (C1-C8): each builder returns a ``go.Figure``.

The interactive view built from them is :func:`eyanalysis.apps.spread.explorer`.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import plotly.graph_objects as go

from eyanalysis.data.schemas import SUPPORT_LEVELS
from eyanalysis.present.charts.style import BASE_LAYOUT, PALETTE, SUPPORT_COLOURS
from eyanalysis.rules.support import RANK
from eyanalysis.vocabulary import OFSTED_OUTCOMES

COLOURS = SUPPORT_COLOURS
JUDGEMENT_ORDER = list(OFSTED_OUTCOMES)  # single-word judgements, then report cards (O1)


def label(text: str) -> str:
    return str(text).replace("_", " ").capitalize()


def spread_bars(levels: pd.DataFrame, by: str, title: str | None = None) -> go.Figure:
    """Settings at each support level (stacked) for each value of ``by`` (C1-C3)."""
    counts = pd.crosstab(levels[by], levels["level"]).reindex(
        columns=list(SUPPORT_LEVELS), fill_value=0)
    names = label
    if by == "judgement":  # the Ofsted outcome in force: a judgement or a report card (O1)
        counts = counts.reindex([j for j in JUDGEMENT_ORDER if j in counts.index])
        names = OFSTED_OUTCOMES.short
    fig = go.Figure([go.Bar(name=label(lv), x=[names(i) for i in counts.index],
                            y=counts[lv], marker_color=COLOURS[lv],
                            hovertemplate="%{x}: %{y} settings<extra>" + label(lv) + "</extra>")
                     for lv in SUPPORT_LEVELS])
    by_words = "Ofsted outcome" if by == "judgement" else label(by).lower()
    fig.update_layout(barmode="stack", title=title or f"Support level by {by_words}",
                      yaxis_title="settings", legend_title="level", **BASE_LAYOUT)
    return fig


def transition_sankey(trans: pd.DataFrame, start: dt.date | str, end: dt.date | str
                      ) -> go.Figure:
    """Settings moving between levels from ``start`` to ``end`` (C2-C3)."""
    n = len(SUPPORT_LEVELS)
    labels = [f"{label(lv)} {start}" for lv in SUPPORT_LEVELS] + [
        f"{label(lv)} {end}" for lv in SUPPORT_LEVELS]
    fig = go.Figure(go.Sankey(
        node={"label": labels, "color": [COLOURS[lv] for lv in SUPPORT_LEVELS] * 2,
              "pad": 20},
        link={"source": trans["from"].map(RANK).tolist(),
              "target": (trans["to"].map(RANK) + n).tolist(),
              "value": trans["settings"].tolist(),
              "color": ["rgba(150,150,150,0.35)"] * len(trans)}))
    fig.update_layout(title=f"Level transitions, {start} to {end}", **BASE_LAYOUT)
    return fig


def compliance_heatmap(summary: pd.DataFrame, by: str = "district") -> go.Figure:
    """Share of owed minimum-visit periods met (C1) by ``by`` and term, both levels
    together; hover gives the counts."""
    agg = summary.groupby([by, "term"], as_index=False)[["owed", "met"]].sum()
    agg["share"] = agg["met"] / agg["owed"]
    z = agg.pivot(index=by, columns="term", values="share")
    owed = agg.pivot(index=by, columns="term", values="owed").reindex_like(z)
    met = agg.pivot(index=by, columns="term", values="met").reindex_like(z)
    text = met.fillna(0).astype(int).astype(str) + " / " + owed.fillna(0).astype(int).astype(str)
    fig = go.Figure(go.Heatmap(
        z=z.to_numpy(), x=list(z.columns), y=list(z.index), zmin=0, zmax=1,
        colorscale="Blues", text=text.to_numpy(), texttemplate="%{text}",
        colorbar={"title": "share met", "tickformat": ".0%"},
        hovertemplate="%{y}, %{x}: %{z:.0%} met (%{text})<extra></extra>"))
    fig.update_layout(title="Minimum support visits met (Targeted: a term, Intensive: a "
                            "month), periods met / owed", xaxis_title="term", **BASE_LAYOUT)
    return fig


def workload_chart(monthly: pd.DataFrame, what_if: pd.DataFrame | None = None,
                   label: str = "what-if") -> go.Figure:
    """Adviser-days needed per month by source against capacity; a what-if demand line."""
    x = monthly["month"].dt.strftime("%Y-%m")
    parts = {"cycle": "Annual cycle (Visits 1-3)", "targeted_need": "Targeted minimum",
             "intensive_need": "Intensive minimum"}
    colours = {"cycle": PALETTE[5], "targeted_need": COLOURS["targeted"],
               "intensive_need": COLOURS["intensive"]}
    fig = go.Figure([go.Bar(name=name, x=x, y=monthly[col].round(1),
                            marker_color=colours[col]) for col, name in parts.items()])
    fig.add_trace(go.Scatter(name="Capacity", x=x, y=monthly["capacity"], mode="lines",
                             line={"color": "black", "width": 3}))
    if what_if is not None:
        fig.add_trace(go.Scatter(name=f"Needed, {label}", x=x, y=what_if["needed"].round(1),
                                 mode="lines+markers", line={"color": PALETTE[3],
                                                             "dash": "dash"}))
    fig.update_layout(barmode="stack", title="Adviser-days needed per month against capacity",
                      yaxis_title="adviser-days", xaxis_title="month", **BASE_LAYOUT)
    return fig


def outcome_chart(rates: pd.DataFrame) -> go.Figure:
    """Improvement and Good-or-better rates at the next inspection by support (C8); report
    cards are compared with single-word judgements on the assumed O4 scale, and the title
    says so when any pair rests on it."""
    x = [label(s) for s in rates["support"]]
    fig = go.Figure([
        go.Bar(name="Improved", x=x, y=rates["improvement_rate"],
               text=rates["improved"].astype(str) + " of " + rates["inspections"].astype(str),
               marker_color=PALETTE[0]),
        go.Bar(name="Good or better", x=x, y=rates["good_or_better_rate"],
               text=rates["good_or_better"].astype(str) + " of "
               + rates["inspections"].astype(str), marker_color=PALETTE[1]),
    ])
    fig.update_layout(barmode="group", yaxis_tickformat=".0%", yaxis_range=[0, 1.05],
                      title="Ofsted outcome at the next inspection, by support received"
                      + (" (report cards on the assumed O4 scale)"
                         if rates.get("across_frameworks", pd.Series(dtype=int)).sum() else ""),
                      xaxis_title="highest support level between the inspections", **BASE_LAYOUT)
    return fig


def cycle_chart(summary: pd.DataFrame, by: str = "district") -> go.Figure:
    """Settings by annual-cycle status (C5-C7) for each value of ``by``."""
    colours = {"complete": PALETTE[1], "on track": PALETTE[0], "not yet planned": PALETTE[4],
               "behind": PALETTE[3]}
    fig = go.Figure([go.Bar(name=s, x=summary[by], y=summary[s], marker_color=c)
                     for s, c in colours.items() if s in summary])
    fig.update_layout(barmode="stack", title="Annual review cycle status", yaxis_title="settings",
                      **BASE_LAYOUT)
    return fig

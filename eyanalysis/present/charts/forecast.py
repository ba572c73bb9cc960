"""Plotly figures of a funding forecast (issue #5): fan chart, waterfall, tornado, sliders.

Builders return figures; notebooks display them. The live view re-costs the forecast's
simulated caseloads under slider rates (:func:`eyanalysis.analysis.forecast.recost`): no new
simulation, so totals update at once.
"""

from __future__ import annotations

import pandas as pd

from eyanalysis.analysis.forecast import to_penny
from eyanalysis.present.charts.style import BASE_LAYOUT, PALETTE

_COLOURS = list(PALETTE)


def _rgba(hex_colour: str, alpha: float) -> str:
    h = hex_colour.lstrip("#")
    return f"rgba({int(h[:2], 16)},{int(h[2:4], 16)},{int(h[4:], 16)},{alpha})"


def fan_chart(table: pd.DataFrame, title: str = "Forecast spend per term, P10-P90 band",
              widget: bool = False):
    """Expected spend per term for each scenario with its P10-P90 band."""
    import plotly.graph_objects as go

    fig = go.Figure()
    for i, (name, rows) in enumerate(table.groupby("scenario", sort=False)):
        colour = _COLOURS[i % len(_COLOURS)]
        x = rows["term"].tolist()
        fig.add_scatter(x=x + x[::-1], y=list(rows["p90"]) + list(rows["p10"])[::-1],
                        fill="toself", fillcolor=_rgba(colour, 0.15), line={"width": 0},
                        mode="lines",
                        hoverinfo="skip", showlegend=False, name=f"{name} P10-P90")
        fig.add_scatter(x=x, y=to_penny(rows["expected"]), mode="lines+markers", name=name,
                        line={"color": colour},
                        customdata=rows[["p10", "p50", "p90"]].to_numpy(),
                        hovertemplate="%{x}: £%{y:,.2f}<br>P10 £%{customdata[0]:,.2f} · "
                                      "P50 £%{customdata[1]:,.2f} · P90 "
                                      "£%{customdata[2]:,.2f}<extra>" + name + "</extra>")
    fig.update_layout(title=title, yaxis_title="£ per term (supplement + EYPP)",
                      xaxis_title="term", hovermode="closest", legend={"orientation": "h"},
                      **BASE_LAYOUT)
    # A widget is made from the finished figure: one filled after display-less creation
    # reaches a browser that connects late (Voila) without its traces.
    return go.FigureWidget(fig) if widget else fig


def waterfall(by_level: pd.DataFrame, scenario: str, baseline: str | None = None,
              term_ids: list[str] | None = None):
    """From baseline to ``scenario`` spend over ``term_ids``, one step per level and EYPP."""
    import plotly.graph_objects as go

    baseline = baseline or by_level["scenario"].iloc[0]
    rows = by_level if term_ids is None else by_level[by_level["term"].isin(term_ids)]
    agg = rows.groupby(["scenario", "level"], sort=False)["supplement"].sum()
    base, other = agg.loc[baseline], agg.loc[scenario]
    steps = (other - base.reindex(other.index, fill_value=0)).round(2)
    period = (f"{term_ids[0]} to {term_ids[-1]}" if term_ids else "all terms")
    fig = go.Figure(go.Waterfall(
        x=["Baseline", *steps.index, scenario[:30]],
        measure=["absolute", *["relative"] * len(steps), "total"],
        y=[float(to_penny(base.sum())), *to_penny(steps.to_numpy()).tolist(), 0],
        text=[f"£{base.sum():,.0f}", *[f"{v:+,.0f}" for v in steps], f"£{other.sum():,.0f}"],
        textposition="outside", connector={"line": {"color": "#888"}}))
    fig.update_layout(title=f"Baseline to '{scenario}' by level, {period}",
                      yaxis_title="£ expected spend", showlegend=False, **BASE_LAYOUT)
    return fig


def tornado(sens: pd.DataFrame):
    """Change in annual spend per 1p on each rate, largest first."""
    import plotly.graph_objects as go

    rows = sens.sort_values("per_1p")
    fig = go.Figure(go.Bar(x=rows["per_1p"], y=rows["parameter"], orientation="h",
                           text=[f"£{v:,.2f}" for v in rows["per_1p"]], textposition="auto",
                           marker_color=PALETTE[0]))
    fig.update_layout(title="Sensitivity: change in annual spend per 1p on each rate",
                      xaxis_title="£ a year per 1p an hour", yaxis_title="", **BASE_LAYOUT)
    return fig

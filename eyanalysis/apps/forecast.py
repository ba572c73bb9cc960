"""The budget planner's live what-if: sliders re-cost a forecast's simulated caseloads
(:func:`eyanalysis.analysis.forecast.recost`) and redraw the fan chart."""

from __future__ import annotations

from eyanalysis.analysis.costing import to_penny
from eyanalysis.analysis.forecast import Forecast, Inputs, recost
from eyanalysis.present.charts.forecast import fan_chart
from eyanalysis.rules import terms

SLIDER_PATHS = {  # label -> parameter path moved by a slider
    "GR2 £/h": "inclusion.top_up.GR2",
    "GR3 £/h": "inclusion.top_up.GR3",
    "GR4 £/h": "inclusion.top_up.GR4",
    "EXC above GR4 £/h": "inclusion.exceptional_component",
    "EYPP £/h": "eypp.rate",
    "hour cap h/wk": "nef.weekly_hour_cap",
}


def live(fc: Forecast, inputs: Inputs, params):
    """Sliders for each top-up rate and the weekly hour cap (from the first forecast term)
    that re-cost the forecast and update a fan chart and the totals live."""
    import ipywidgets as w

    first_day = terms.start(fc.terms[0]).isoformat()
    base = fc.table[fc.table["scenario"] == fc.table["scenario"].iloc[0]]
    sliders = {}
    style = {"description_width": "9em"}
    for label, path in SLIDER_PATHS.items():
        now = float(params.get(path, first_day))
        if path == "nef.weekly_hour_cap":
            sliders[path] = w.IntSlider(value=int(now), min=10, max=40, step=1,
                                        description=label, continuous_update=False, style=style)
        else:
            sliders[path] = w.FloatSlider(value=now, min=0.0, max=max(2 * now, 1.0), step=0.01,
                                          description=label, readout_format=".2f",
                                          continuous_update=False, style=style)
    import plotly.graph_objects as go

    plain = fan_chart(base, title="What if: spend per term under the slider rates")
    plain.add_scatter(x=list(base["term"]), y=list(base["expected"]), mode="lines+markers",
                      name="What if", line={"color": "#c00000", "dash": "dash"})
    fig = go.FigureWidget(plain)  # built whole, so Voila's late-connecting page has the traces
    totals = w.HTML()

    def update(_change=None) -> None:
        from decimal import Decimal

        overrides = {path: {first_day: Decimal(str(round(s.value, 4)))}
                     for path, s in sliders.items()}
        table = recost(fc, inputs, params.with_overrides(overrides, source="sliders"))
        with fig.batch_update():
            fig.data[-1].y = list(table["expected"])
        annual = table["expected"].iloc[:3].sum()
        diff = table["diff_expected"].iloc[:3].sum()
        totals.value = (f"<b>First year ({table['term'].iloc[0]} to "
                        f"{table['term'].iloc[min(2, len(table) - 1)]}):</b> "
                        f"£{to_penny(annual):,.2f} expected, {diff:+,.2f} against baseline")

    for s in sliders.values():
        s.observe(update, names="value")
    update()
    return w.VBox([w.HBox([w.VBox(list(sliders.values())[:3]),
                           w.VBox(list(sliders.values())[3:])]), totals, fig])

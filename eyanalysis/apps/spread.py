"""The team manager's interactive spread (C1-C3): district, provider type and date controls
driving the spread charts of :mod:`eyanalysis.present.charts.categorisation`."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import plotly.graph_objects as go

from eyanalysis.analysis.categorisation import ALL, select, transitions
from eyanalysis.present.charts.categorisation import (
    label,
    spread_bars,
    transition_sankey,
)
from eyanalysis.rules.support import levels_on
from eyanalysis.vocabulary import SUPPORT_LEVELS


def explorer(line: pd.DataFrame, settings: pd.DataFrame, judgements, as_of: dt.date,
             compare_from: dt.date, district: str = ALL, provider_type: str = ALL):
    """Interactive spread: district, provider type and date controls driving the spread by
    district, by Ofsted judgement and the transitions since ``compare_from``.

    ``judgements(on)`` returns the judgement in force on a date for each setting (aligned
    with ``settings``), e.g. ``functools.partial(judgements_on, settings, inspections)``.
    """
    import ipywidgets as w

    districts = [ALL, *sorted(settings["district"].dropna().unique())]
    types = [ALL, *sorted(settings["provider_type"].dropna().unique())]
    pick_d = w.Dropdown(options=districts, value=district, description="District")
    pick_t = w.Dropdown(options=types, value=provider_type, description="Provider")
    pick_on = w.DatePicker(value=as_of, description="Date")
    note = w.HTML()

    def frames():
        on = pick_on.value or as_of
        start = min(compare_from, on)
        mask = select(settings, pick_d.value, pick_t.value)
        lv = levels_on(line, settings, on)
        lv["judgement"] = judgements(on).to_numpy()
        lv = lv[mask.to_numpy()]
        trans = transitions(line, settings[mask], start, on)
        return lv, trans, start, on

    def figures():
        lv, trans, start, on = frames()
        return lv, on, [spread_bars(lv, "district"), spread_bars(lv, "judgement"),
                        transition_sankey(trans, start, on)]

    def describe(lv, on):
        counts = lv["level"].value_counts().reindex(list(SUPPORT_LEVELS), fill_value=0)
        note.value = (f"<b>{len(lv)} settings on {on}</b>: "
                      + ", ".join(f"{label(k)} {v}" for k, v in counts.items()))

    # Each chart is a FigureWidget made from a finished figure, replaced whole on a change:
    # a new widget carries its traces in its state, which a page that connects late
    # (Voila) reads correctly; in-place trace updates were seen to be lost there.
    lv, on, first = figures()
    boxes = [w.Box([go.FigureWidget(fig)]) for fig in first]
    describe(lv, on)

    def redraw(*_):
        lv, on, new = figures()
        for box, fig in zip(boxes, new, strict=True):
            old = box.children
            box.children = (go.FigureWidget(fig),)
            for widget in old:
                widget.close()
        describe(lv, on)

    for control in (pick_d, pick_t, pick_on):
        control.observe(redraw, names="value")
    return w.VBox([w.HBox([pick_d, pick_t, pick_on]), note, *boxes])


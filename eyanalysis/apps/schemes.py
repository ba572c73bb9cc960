"""The budget planner's schemes view (S1-S3): the same caseload under every inclusion
scheme, by home level or by setting type, with the crosswalk assumptions under the chart.

:func:`view` returns an ipywidgets box, so the budget planner's app (and the notebook
section in ``notebooks/funding_forecast.ipynb``) can embed it as it is.
"""

from __future__ import annotations

from html import escape

import pandas as pd

from eyanalysis.analysis.schemes import POINTS, Comparison
from eyanalysis.apps.common import WIDTH
from eyanalysis.present.schemes import chart

GROUPINGS = {"Home level": "level", "Setting type": "setting_type"}


def _assumptions_html(comparison: Comparison, shown: list[str]) -> str:
    lines = [line for sid, line in zip(comparison.schemes, comparison.assumptions(),
                                       strict=True) if sid in shown]
    items = "".join(f"<li>{escape(line)}</li>" for line in lines)
    notes = "".join(f"<li><i>Note:</i> {escape(n)}</li>" for n in comparison.notes)
    return ("<div class='schemes-assumptions'><b>Crosswalk assumptions</b> (how each of our "
            "levels maps to another scheme's bands is a judgement; bars are the central band, "
            f"whiskers the low and high bands)<ul>{items}{notes}</ul></div>")


def _gbp(pence) -> str:
    return f"£{int(pence) / 100:,.2f}"


def _totals_html(comparison: Comparison, shown: list[str]) -> str:
    s = comparison.summary[comparison.summary["scheme"].isin(shown)]
    head = ("<tr><th>Scheme</th><th>Children funded</th>"
            + "".join(f"<th>Term, {p}</th>" for p in POINTS)
            + "".join(f"<th>Year, {p}</th>" for p in POINTS) + "<th>Effect of the pot</th></tr>")
    rows = []
    for _, r in s.iterrows():
        cells = [escape(r["name"]), f"{int(r['children_funded']):,}"]
        cells += [_gbp(r[f"term_{p}"]) for p in POINTS] + [_gbp(r[f"year_{p}"]) for p in POINTS]
        cells.append("no pot" if pd.isna(r["pot"]) else _gbp(r["pot_effect"]))
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    return f"<table class='schemes-totals'>{head}{''.join(rows)}</table>"


def _chart(comparison: Comparison, by: str):
    return chart(comparison, by).update_layout(width=WIDTH)


def view(comparison: Comparison):
    """A box with a grouping toggle, a scheme picker, the chart (central cost with the
    low-high range), the crosswalk assumptions under it and the totals table."""
    import ipywidgets as w

    from eyanalysis.apps import figures

    ids = list(comparison.schemes)
    names = {sid: s.name for sid, s in comparison.schemes.items()}
    grouping = w.ToggleButtons(options=list(GROUPINGS), value="Home level",
                               description="By")
    picker = w.SelectMultiple(options=[(names[s], s) for s in ids], value=tuple(ids),
                              rows=min(len(ids), 9), description="Schemes",
                              layout=w.Layout(width="52em"))
    chart_box = w.Box()
    figures.show_in(chart_box, _chart(comparison, "level"))
    assumptions = w.HTML(_assumptions_html(comparison, ids))
    totals = w.HTML(_totals_html(comparison, ids))

    def update(_change=None) -> None:
        shown = list(picker.value) or ids
        sub = Comparison(comparison.on, comparison.summary[
            comparison.summary["scheme"].isin(shown)],
            comparison.rows[comparison.rows["scheme"].isin(shown)],
            {s: comparison.schemes[s] for s in shown}, comparison.notes)
        figures.show_in(chart_box, _chart(sub, GROUPINGS[grouping.value]))
        assumptions.value = _assumptions_html(comparison, shown)
        totals.value = _totals_html(comparison, shown)

    grouping.observe(update, names="value")
    picker.observe(update, names="value")
    return w.VBox([w.HBox([grouping, picker]), chart_box, assumptions, totals])

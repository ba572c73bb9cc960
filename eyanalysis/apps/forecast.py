"""The budget planner (issue #12 item 3): spend per financial year (April to March) with
its P10-P90 range and change from the year before, by stream (Inclusion Supplement, EYPP,
exceptional funding), and a scenario builder that re-costs the forecast's simulated
caseloads at once (:func:`eyanalysis.analysis.forecast.add_scenario`: no new simulation),
saves a named scenario file that ``eyanalysis forecast --scenario`` reads, compares up to
four scenarios and exports the comparison as a workbook to the Analysis Function's
standard (:mod:`eyanalysis.present.workbook`).

The tables and sentences are built here once and shown both by the live planner
(:func:`planner`, ipywidgets) and by the notebook run headless (:func:`headline`).
"""

from __future__ import annotations

import datetime as dt
import html
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd

from eyanalysis.analysis.forecast import Forecast, Inputs, add_scenario, by_financial_year
from eyanalysis.present import format as fmt
from eyanalysis.present.meta import Column, TableSpec, contact
from eyanalysis.present.tables import publication_html
from eyanalysis.rules import terms
from eyanalysis.rules.scenarios import BASELINE, Scenario, load_scenario, save_scenario
from eyanalysis.vocabulary import LEVELS

WHAT_IF = "What if"
MAX_COMPARED = 4
#: Rows of the scenario picker shown before it scrolls (the shipped scenarios, the
#: baseline and the what-if fit).
MAX_PICK_ROWS = 10
#: The scenario builder's controls: parameter path -> (label, unit, step).
CONTROLS: dict[str, tuple[str, str, float]] = {
    "inclusion.top_up.GR1": ("Graduated Response 1 top-up", "£ per hour", 0.01),
    "inclusion.top_up.GR2": ("Graduated Response 2 top-up", "£ per hour", 0.01),
    "inclusion.top_up.GR3": ("Graduated Response 3 top-up", "£ per hour", 0.01),
    "inclusion.top_up.GR4": ("Graduated Response 4 top-up", "£ per hour", 0.01),
    "inclusion.exceptional_component": ("Exceptional funding above Graduated Response 4",
                                        "£ per hour", 0.01),
    "eypp.rate": ("Early Years Pupil Premium", "£ per hour", 0.01),
    "nef.weekly_hour_cap": ("Weekly hour cap", "hours a week", 1),
}
#: Kept for callers of the earlier slider view.
SLIDER_PATHS = {label: path for path, (label, _unit, _step) in CONTROLS.items()}
SOURCE = ("Forecast of the caseload from the termly attendance returns, costed with the "
          "dated parameter files")


def pence(values) -> list:
    """Float pounds to integer pence (half up); a missing value as ``z`` (not applicable)."""
    out = []
    for v in values:
        if v is None or (isinstance(v, float) and np.isnan(v)):
            out.append(fmt.NOT_APPLICABLE)
        else:
            out.append(int(fmt.half_up(Decimal(str(v)) * 100)))
    return out


def year_label(fy: str) -> str:
    """``2027-28`` as ``April 2027 to March 2028``."""
    start = int(fy[:4])
    return f"April {start} to March {start + 1}"


def _year_text(row) -> str:
    label = year_label(row["financial_year"])
    if row["complete"]:
        return label
    if row["terms_observed"]:
        return f"{label} (earlier terms from the data)"
    return f"{label} (part year: {row['terms_forecast']} of 3 terms)"


# -- tables -------------------------------------------------------------------------------

def financial_years(fc: Forecast, inputs: Inputs, scenarios: list[Scenario]) -> pd.DataFrame:
    """:func:`eyanalysis.analysis.forecast.by_financial_year` for these scenarios (the same
    figures as ``eyanalysis forecast --by financial-year``)."""
    return by_financial_year(fc, inputs, {s.name: s.params for s in scenarios})


def headline_frame(fy: pd.DataFrame, scenario: str = BASELINE) -> tuple[pd.DataFrame, TableSpec]:
    """One scenario's financial years as a published table."""
    rows = fy[fy["scenario"] == scenario]
    frame = pd.DataFrame({
        "year": [_year_text(r) for _, r in rows.iterrows()],
        "expected": pence(rows["expected"]), "p10": pence(rows["p10"]),
        "p90": pence(rows["p90"]), "change": pence(rows["change"]),
        "supplement": pence(rows["supplement"]), "exceptional": pence(rows["exceptional"]),
        "eypp": pence(rows["eypp"]), "daf": pence(rows["daf"])})
    spec = TableSpec(
        name="spend_by_financial_year",
        title=f"Expected spend by financial year: {scenario}",
        subtitle="Inclusion Supplement, exceptional funding, Early Years Pupil Premium and "
                 "Disability Access Fund",
        columns={"year": Column("Financial year"),
                 "expected": Column("Expected spend", "pence"),
                 "p10": Column("Low (P10)", "pence"), "p90": Column("High (P90)", "pence"),
                 "change": Column("Change from the previous year", "pence"),
                 "supplement": Column("Inclusion Supplement", "pence"),
                 "exceptional": Column("Exceptional funding", "pence"),
                 "eypp": Column("Early Years Pupil Premium", "pence"),
                 "daf": Column("Disability Access Fund", "pence")},
        spanners={"Range of likely spend": ["p10", "p90"],
                  "By stream": ["supplement", "exceptional", "eypp", "daf"]},
        notes=["Low and high: 1 in 10 simulated futures costs less than the low figure, and "
               "1 in 10 more than the high one.",
               "Terms of a financial year before the forecast starts are costed from the "
               "children the data record, at the same rates; a part year is shown when the "
               "forecast ends before March.",
               "The change from the previous year is given only between two whole years."],
        source=SOURCE)
    return frame, spec


def headline_sentence(fy: pd.DataFrame, scenario: str = BASELINE) -> str:
    """The sentence that answers "what will it cost next year?"."""
    rows = fy[(fy["scenario"] == scenario) & fy["complete"]]
    if not len(rows):
        rows = fy[fy["scenario"] == scenario]
    r = rows.iloc[0]
    [exp, low, high, change] = pence([r["expected"], r["p10"], r["p90"], r["change"]])
    shown = fmt.money_range(exp, *([] if fmt.is_symbol(low) else [low, high]))
    # the expected spend is the sum of the four streams the table's "By stream" shows
    text = (f"In the financial year {year_label(r['financial_year'])} the Inclusion "
            f"Supplement, exceptional funding, Early Years Pupil Premium and Disability Access "
            f"Fund are expected to cost {shown[0]}")
    if not fmt.is_symbol(low):
        text += f" (likely between {shown[1]} and {shown[2]})"
    if not fmt.is_symbol(change):
        text += (", " + ("up " if change > 0 else "down ") + fmt.money_rounded(abs(change))
                 + " on the year before")
    return text + "."


def by_level_frame(fc: Forecast, scenario: str, baseline: str = BASELINE
                   ) -> tuple[pd.DataFrame, TableSpec]:
    """Forecast spend by SEND level (and EYPP) per financial year for ``scenario``, with
    the difference from the baseline: the scenario builder's answer by level."""
    from eyanalysis.rules.timing import financial_year

    fy_of = {t: financial_year(terms.start(t)) for t in fc.by_level["term"].unique()}
    lv = fc.by_level.assign(fy=fc.by_level["term"].map(fy_of))
    years = list(dict.fromkeys(lv["fy"]))
    rows = ["GR1", "GR2", "GR3", "GR4", "EXC", "EYPP"]
    frame = {"level": [LEVELS.label(r) if r in LEVELS else "Early Years Pupil Premium"
                       for r in rows]}
    columns = {"level": Column("SEND level")}
    spanners = {}
    for i, fy in enumerate(years):
        sums = lv[lv["fy"] == fy].groupby(["scenario", "level"])["supplement"].sum()
        mine = [sums.get((scenario, r), 0.0) for r in rows]
        base = [sums.get((baseline, r), 0.0) for r in rows]
        frame[f"y{i}"] = pence(mine)
        frame[f"d{i}"] = pence([m - b for m, b in zip(mine, base, strict=True)])
        columns[f"y{i}"] = Column("Expected spend", "pence")
        columns[f"d{i}"] = Column("Difference from baseline", "pence")
        n = int((lv[(lv["fy"] == fy) & (lv["scenario"] == scenario)]["term"]).nunique())
        spanners[year_label(fy) + ("" if n == 3 else f" ({n} of 3 terms forecast)")] = [
            f"y{i}", f"d{i}"]
    spec = TableSpec(
        name="spend_by_level", title=f"Forecast spend by SEND level: {scenario}",
        subtitle="Forecast terms only, by financial year", columns=columns,
        spanners=spanners, source=SOURCE)
    return pd.DataFrame(frame), spec


def comparison_frame(fy: pd.DataFrame, names: list[str]) -> tuple[pd.DataFrame, TableSpec]:
    """Expected spend per financial year of up to four scenarios side by side, with each
    one's difference from the baseline."""
    names = names[:MAX_COMPARED]
    years = list(dict.fromkeys(fy["financial_year"]))
    first = fy[fy["scenario"] == fy["scenario"].iloc[0]].set_index("financial_year")
    frame = {"year": [_year_text(first.loc[y].to_dict() | {"financial_year": y})
                      for y in years]}
    columns = {"year": Column("Financial year")}
    spanners = {}
    base = fy[fy["scenario"] == BASELINE].set_index("financial_year")["expected"]
    for i, name in enumerate(names):
        mine = fy[fy["scenario"] == name].set_index("financial_year")["expected"]
        frame[f"s{i}"] = pence([mine.get(y) for y in years])
        # labels name their scenario: the workbook has no spanners, and a header repeats
        columns[f"s{i}"] = Column(f"{name}: expected spend", "pence")
        if name != BASELINE:
            frame[f"d{i}"] = pence([mine.get(y) - base.get(y) for y in years])
            columns[f"d{i}"] = Column(f"{name}: difference from baseline", "pence")
    spec = TableSpec(
        name="scenario_comparison", title="Expected spend by financial year, scenarios compared",
        subtitle="Inclusion Supplement, exceptional funding, Early Years Pupil Premium and "
                 "Disability Access Fund",
        columns=columns, spanners=spanners,
        notes=["Every scenario is costed on the same simulated children (common random "
               "numbers), so a difference is the effect of the rates alone."],
        source=SOURCE)
    return pd.DataFrame(frame), spec


def comparison_figure(fy: pd.DataFrame, names: list[str]):
    """Grouped bars: expected spend per financial year for each compared scenario."""
    import plotly.graph_objects as go

    from eyanalysis.present.charts import style

    names = names[:MAX_COMPARED]
    years = list(dict.fromkeys(fy["financial_year"]))
    values = {n: pence(fy[fy["scenario"] == n].set_index("financial_year")["expected"]
                       .reindex(years)) for n in names}
    axis = style.money_axis([v for vs in values.values() for v in vs])
    fig = go.Figure([style.bar([year_label(y) for y in years], values[n], name=n,
                               colour=style.PALETTE[i % len(style.PALETTE)], kind="pence",
                               divisor=axis.divisor)
                     for i, n in enumerate(names)])
    others = [n for n in names if n != BASELINE]

    def moved(name: str) -> list[tuple[str, int]]:
        """(year, difference from the baseline) for each year ``name`` changes."""
        return [(y, a - b) for y, a, b in zip(years, values[name], values[BASELINE],
                                              strict=True)
                if not fmt.is_symbol(a) and not fmt.is_symbol(b) and a != b]

    def said(name: str, year: str, diff: int) -> str:
        return (f"{fmt.money_rounded(abs(diff))} {'more' if diff > 0 else 'less'} than the "
                f"baseline in {year_label(year)}")

    if others and BASELINE in names and len(years):
        if len(others) == 1:  # the what-if: from the first year it changes
            changes = moved(others[0])
            finding = (f"{others[0]}: {said(others[0], *changes[0])}" if changes else
                       f"{others[0]} costs the same as the baseline in every year shown")
        else:  # several scenarios: the one that moves spend most, in its largest year
            largest = [(abs(d), n, y, d) for n in others for y, d in moved(n)]
            if largest:
                _, name, year, diff = max(largest)
                finding = f"{name} moves spend most: {said(name, year, diff)}"
            else:
                finding = "Every scenario compared costs the same as the baseline"
    else:
        finding = "Expected spend by financial year"
    fig.update_layout(title=style.title(finding[:110], "Expected spend by financial year"),
                      yaxis_title=axis.title, xaxis_title="Financial year")
    style.apply(fig)
    return style.mark_suppressed(fig)


def headline(fc: Forecast, inputs: Inputs, scenarios: list[Scenario]):
    """The headline for the notebook (headless or not): the sentence, the baseline's
    financial years, then the scenarios on file compared (the first four) as a table and a
    chart. The chart comes last: on the app's page it then falls below the first screen,
    which is shown without waiting for plotly.js (first render 4.3-4.8 s against 4.8-5.6 s
    with the chart first: docs/performance.md)."""
    from IPython.display import HTML, display

    fy = financial_years(fc, inputs, scenarios)
    frame, spec = headline_frame(fy)
    names = [s.name for s in scenarios][:MAX_COMPARED]
    cmp_frame, cmp_spec = comparison_frame(fy, names)
    display(HTML(f"<p>{html.escape(headline_sentence(fy))}</p>"
                 + publication_html(frame, spec)))
    display(HTML(publication_html(cmp_frame, cmp_spec)))
    display(comparison_figure(fy, names))


# -- the live planner -----------------------------------------------------------------------

def first_april(fc: Forecast) -> dt.date:
    """The first 1 April inside the forecast (a rate change usually starts then)."""
    from eyanalysis.rules.timing import financial_year

    first = financial_year(terms.start(fc.terms[0]))
    for t in fc.terms:  # the first term of a new financial year (rules.timing)
        if financial_year(terms.start(t)) != first:
            return terms.start(t)
    return terms.start(fc.terms[0])


def overrides_of(values: dict[str, float], baseline: dict[str, float], day: dt.date
                 ) -> dict[str, dict[str, Decimal]]:
    """The controls that differ from the baseline, as dated overrides from ``day``."""
    out = {}
    for path, v in values.items():
        if abs(float(v) - float(baseline[path])) > 1e-9:
            value = int(v) if path == "nef.weekly_hour_cap" else Decimal(str(round(v, 4)))
            out[path] = {day.isoformat(): value}
    return out


def export_comparison(fy: pd.DataFrame, fc: Forecast, names: list[str], path: Path) -> Path:
    """The comparison as a workbook to the Analysis Function's standard (gptables: cover,
    contents, notes, one table per sheet), no text cell a formula."""
    from eyanalysis.data.export import defuse_xlsx
    from eyanalysis.present.workbook import Release, write_workbook

    tables = [comparison_frame(fy, names)]
    for name in names[:MAX_COMPARED]:
        frame, spec = headline_frame(fy, name)
        tables.append((frame, TableSpec(**{**spec.__dict__,
                                           "name": f"years_{len(tables)}"})))
    period = f"{fmt.term(fc.terms[0])} to {fmt.term(fc.terms[-1])}"
    write_workbook(path, tables, Release(
        title="Early years funding forecast: scenarios compared", period=period,
        contact=contact(), about=[f"Scenarios: {', '.join(names[:MAX_COMPARED])}."],
        source=SOURCE))
    defuse_xlsx(path)
    return path


def planner(fc: Forecast, inputs: Inputs, params, scenarios: list[Scenario],
            folder: str | Path | None = None, schemes=None):
    """The budget planner as ipywidgets: the financial-year headline, the scenario builder
    (answers at once by financial year and by level), save, compare, reset and export.
    ``folder``: where scenarios are saved (default ``parameters/scenarios/``). ``schemes``:
    a :class:`eyanalysis.analysis.schemes.Comparison` of the same caseload under other
    authorities' schemes (S1-S3), shown as the planner's last section with
    :func:`eyanalysis.apps.schemes.view`."""
    import tempfile

    import ipywidgets as w

    from eyanalysis.apps import download, figures

    state = {"fc": fc, "scenarios": {s.name: s for s in scenarios}}
    day0 = first_april(fc)
    base_values = {p: float(params.get(p, day0)) for p in CONTROLS}
    style = {"description_width": "22em"}
    layout = w.Layout(width="32em")
    controls = {}
    for path, (label, unit, step) in CONTROLS.items():
        if path == "nef.weekly_hour_cap":
            controls[path] = w.BoundedIntText(value=int(base_values[path]), min=1, max=60,
                                              description=f"{label} ({unit})", style=style,
                                              layout=layout)
        else:
            controls[path] = w.BoundedFloatText(value=base_values[path], min=0, max=100,
                                                step=step, description=f"{label} ({unit})",
                                                style=style, layout=layout)
    when = w.DatePicker(value=day0, description="The change takes effect on", style=style,
                        layout=layout)
    name = w.Text(value="", placeholder="e.g. Top-ups up 5% from April 2027",
                  description="Scenario name", style=style, layout=layout)
    replace = w.Checkbox(value=False, description="Replace a scenario I saved before",
                         indent=False)
    save_btn = w.Button(description="Save scenario", button_style="primary",
                        icon="")
    reset_btn = w.Button(description="Reset to baseline", layout=w.Layout(width="auto"))
    busy = w.HTML(value="")
    message = w.HTML()
    answer = w.HTML()  # the what-if in words, right under the rate boxes
    answer_table = w.HTML()
    levels = w.HTML()
    pick = w.SelectMultiple(options=[], description="Compare (up to 4)", rows=6,
                            style={"description_width": "10em"}, layout=w.Layout(width="40em"))
    compare = w.HTML()
    chart_box = w.Box()
    export_btn = w.Button(description="Export comparison to Excel",
                          layout=w.Layout(width="auto"))
    export_link = w.HTML()

    def current() -> dict[str, float]:
        return {p: float(c.value) for p, c in controls.items()}

    def fy_all():
        # the scenarios on file are costed once (kept until one is saved); only the
        # what-if changes with the controls
        fc_now = state["fc"]
        params_of = {n: s.params for n, s in state["scenarios"].items()}
        saved = [n for n in fc_now.table["scenario"].unique() if n != WHAT_IF]
        if state.get("fy_saved_names") != saved:
            state["fy_saved"] = by_financial_year(fc_now, inputs, params_of,
                                                  scenarios=saved)
            state["fy_saved_names"] = saved
        if WHAT_IF not in fc_now.spend_paths:
            return state["fy_saved"]
        params_of[WHAT_IF] = state["what_if_params"]
        mine = by_financial_year(fc_now, inputs, params_of, scenarios=[WHAT_IF])
        return pd.concat([state["fy_saved"], mine], ignore_index=True)

    def show_compare(fy) -> None:
        names = list(pick.value)[:MAX_COMPARED] or [BASELINE]
        frame, spec = comparison_frame(fy, names)
        compare.value = publication_html(frame, spec)
        fig = comparison_figure(fy, names)
        fig.update_layout(width=1050)  # a widget in a Box does not stretch by itself
        figures.show_in(chart_box, fig)  # drawn whole by plotly's view (apps.figures)
        state["compared"] = names

    def recompute(*_):
        busy.value = "<p class='ey-busy'><b>Working out the new figures…</b></p>"
        try:
            overrides = overrides_of(current(), base_values, when.value or day0)
            p = params.with_overrides(overrides, source="budget planner") if overrides \
                else params
            state["what_if_params"] = p
            state["overrides"] = overrides
            state["fc"] = add_scenario(state["fc"], inputs, p, WHAT_IF)
            fy = fy_all()
            state["fy"] = fy
            frame, spec = headline_frame(fy, WHAT_IF)
            changed = ", ".join(f"{CONTROLS[k][0]} {_value_text(k, v)}"
                                for k, d in overrides.items() for v in d.values())
            lead = (f"What if: {changed} from {fmt.date(when.value or day0)}."
                    if changed else "What if: no change from the baseline yet. Change a "
                                    "rate or the cap above and the figures follow.")
            answer.value = (f"<p>{html.escape(lead)}</p><p>"
                            f"{html.escape(headline_sentence(fy, WHAT_IF))}</p>")
            answer_table.value = publication_html(frame, spec)
            lf, ls = by_level_frame(state["fc"], WHAT_IF)
            levels.value = publication_html(lf, ls)
            options = list(state["scenarios"]) + [WHAT_IF]
            chosen = [n for n in pick.value if n in options] or [BASELINE, WHAT_IF]
            # new options reset the choice and then restore it: without on_pick meanwhile,
            # or the chart is redrawn three times (traces removed and added twice)
            pick.unobserve(on_pick, names="value")
            try:
                pick.options = options
                pick.rows = min(len(options), MAX_PICK_ROWS)  # the what-if, last, in sight
                pick.value = tuple(chosen[:MAX_COMPARED])
            finally:
                pick.observe(on_pick, names="value")
            show_compare(fy)
        finally:
            busy.value = ""

    def on_pick(change):
        if len(change["new"]) > MAX_COMPARED:
            pick.value = tuple(change["new"][:MAX_COMPARED])
            message.value = f"<p>Up to {MAX_COMPARED} scenarios are compared at once.</p>"
            return
        if "fy" in state:
            show_compare(state["fy"])

    def on_save(_):
        from eyanalysis.errors import ScenarioError

        overrides = state.get("overrides") or {}
        if not overrides:
            message.value = "<p><b>Nothing to save:</b> change a rate or the cap first.</p>"
            return
        if not name.value.strip():
            message.value = "<p><b>Give the scenario a name</b> before saving it.</p>"
            return
        description = "Saved from the budget planner: " + "; ".join(
            f"{CONTROLS[k][0]} {_value_text(k, v)} from {d}" for k, dd in overrides.items()
            for d, v in dd.items())
        try:
            path = save_scenario(name.value, description, overrides, folder,
                                 replace=replace.value, params=params)
        except ScenarioError as exc:
            message.value = f"<p><b>Not saved:</b> {html.escape(str(exc))}</p>"
            return
        sc = load_scenario(path, params)
        state["scenarios"][sc.name] = sc
        state["fc"] = add_scenario(state["fc"], inputs, sc.params, sc.name)
        state.pop("fy_saved_names", None)  # a replaced scenario keeps its name
        message.value = (f"<p>Saved as <code>{html.escape(str(path))}</code>. The forecast "
                         "command reads it: <code>eyanalysis forecast --scenario "
                         f"{html.escape(str(path))} --by financial-year</code></p>")
        recompute()
        pick.value = tuple(dict.fromkeys([BASELINE, sc.name, *pick.value]))[:MAX_COMPARED]

    def on_reset(_):
        for p, c in controls.items():
            c.unobserve(recompute, names="value")
            c.value = int(base_values[p]) if p == "nef.weekly_hour_cap" else base_values[p]
            c.observe(recompute, names="value")
        when.value = day0
        message.value = "<p>Back to the baseline rates.</p>"
        recompute()

    def on_export(_):
        busy.value = "<p class='ey-busy'><b>Writing the workbook…</b></p>"
        try:
            with tempfile.TemporaryDirectory() as tmp:
                path = export_comparison(state["fy"], state["fc"], state["compared"],
                                         Path(tmp) / "scenario_comparison.xlsx")
                export_link.value = download.file_link("Download the comparison (Excel)",
                                                       path)
        finally:
            busy.value = ""

    for c in [*controls.values(), when]:
        c.observe(recompute, names="value")
    pick.observe(on_pick, names="value")
    save_btn.on_click(on_save)
    reset_btn.on_click(on_reset)
    export_btn.on_click(on_export)
    recompute()
    heading = w.HTML("<h3>Build a scenario</h3><p>Change any rate, the exceptional "
                     "component, EYPP or the weekly cap, and the date the change takes "
                     "effect: the cost follows at once, by financial year and by level.</p>")
    # the answer in words, then the chart of the scenarios picked (the baseline and the
    # what-if at first) within a screen of the rate boxes; the tables after them
    sections = [heading, w.HBox([w.VBox(list(controls.values())[:4]),
                                 w.VBox([*list(controls.values())[4:], when])]),
                busy, answer, pick, chart_box, answer_table, levels,
                w.HTML("<h3>Compare, save and export</h3><p>The scenarios picked above, "
                       "side by side; save the what-if under a name to compare it later, "
                       "or export the comparison to Excel.</p>"),
                compare, w.HBox([name, replace]), w.HBox([save_btn, reset_btn]), message,
                w.HBox([export_btn, export_link])]
    if schemes is not None:
        sections += schemes_section(schemes)
    return w.VBox(sections)


def schemes_section(comparison) -> list:
    """The planner's section on other authorities' schemes (issue #14, S1-S3): a heading,
    the sentence saying what is costed, and :func:`eyanalysis.apps.schemes.view` (pick
    schemes, group by level or setting type, the crosswalk assumptions under the chart)."""
    import ipywidgets as w

    from eyanalysis.apps.schemes import view

    box = view(comparison)
    box.add_class("ey-schemes")
    lead = (f"The children of the term starting {fmt.date(comparison.on)}, costed under each "
            f"of the {fmt.count(len(comparison.schemes))} inclusion schemes in "
            "force then: the bar is the central band of the crosswalk, the whisker the "
            "range from its low to its high band. Pick the schemes to compare and group "
            "by home level or setting type.")
    return [w.HTML("<h3>Other authorities' inclusion schemes</h3>"
                   f"<p>{html.escape(lead)}</p>"), box]


def _value_text(path: str, value) -> str:
    return f"{value} hours a week" if path == "nef.weekly_hour_cap" else fmt.rate(value)


def live(fc: Forecast, inputs: Inputs, params):
    """The earlier name of :func:`planner` (baseline only, nothing shipped compared)."""
    from eyanalysis.rules.scenarios import baseline

    return planner(fc, inputs, params, [baseline(params)])


# -- the notebook's other sections, as a reader sees them -----------------------------------

def term_label(term: str) -> str:
    return fmt.term(term)


def method_note(fc: Forecast, inputs: Inputs) -> str:
    """What the forecast rests on, in words (from :attr:`Forecast.notes`' facts)."""
    seen = inputs.model.terms_seen
    refs = ", ".join(fmt.term(t) for t in dict.fromkeys(inputs.reference_terms.values()))
    return (f"The caseload is projected from how children joined, moved between levels and "
            f"left in the {len(seen)} terms {fmt.term(seen[0])} to {fmt.term(seen[-1])}, "
            f"starting from the {fmt.count(int(inputs.start.sum()))} children of "
            f"{fmt.term(inputs.last_term)}; hours per child come from {refs}. The forecast "
            f"runs {fmt.count(fc.paths)} simulated futures with a fixed seed, so the same "
            "inputs give the same figures.")


def term_frame(fc: Forecast, scenario: str = BASELINE) -> tuple[pd.DataFrame, TableSpec]:
    rows = fc.table[fc.table["scenario"] == scenario]
    frame = pd.DataFrame({
        "term": [fmt.term(t) for t in rows["term"]],
        "expected": pence(rows["expected"]), "p10": pence(rows["p10"]),
        "p90": pence(rows["p90"]), "supplement": pence(rows["supplement"]),
        "eypp": pence(rows["eypp"]), "daf": pence(rows["daf"]),
        "children": rows["children_supported"].tolist()})
    spec = TableSpec(
        name="spend_by_term", title=f"Expected spend term by term: {scenario}",
        subtitle="Inclusion Supplement (including exceptional funding), Early Years Pupil "
                 "Premium and Disability Access Fund",
        columns={"term": Column("Term"), "expected": Column("Expected spend", "pence"),
                 "p10": Column("Low (P10)", "pence"), "p90": Column("High (P90)", "pence"),
                 "supplement": Column("Inclusion Supplement", "pence"),
                 "eypp": Column("Early Years Pupil Premium", "pence"),
                 "daf": Column("Disability Access Fund", "pence"),
                 "children": Column("Children at a graduated level", "expected")},
        spanners={"Range of likely spend": ["p10", "p90"]}, source=SOURCE)
    return frame, spec


def fan_figure(fc: Forecast, names: list[str] | None = None):
    """Expected spend per term with its P10-P90 band, for each named scenario."""
    import plotly.graph_objects as go

    from eyanalysis.present.charts import style

    names = names or [BASELINE]
    fig = go.Figure()
    for i, name in enumerate(names[:MAX_COMPARED]):
        rows = fc.table[fc.table["scenario"] == name]
        x = [fmt.term(t) for t in rows["term"]]
        colour = style.PALETTE[i % len(style.PALETTE)]
        h = colour.lstrip("#")
        fill = f"rgba({int(h[:2], 16)},{int(h[2:4], 16)},{int(h[4:], 16)},0.15)"
        fig.add_scatter(x=x + x[::-1], y=list(rows["p90"] / 1000) + list(rows["p10"] / 1000)[::-1],
                        fill="toself", fillcolor=fill, line={"width": 0}, mode="lines",
                        hoverinfo="skip", showlegend=False, name=f"{name} P10-P90")
        fig.add_scatter(x=x, y=list(rows["expected"] / 1000), mode="lines+markers", name=name,
                        line={"color": colour},
                        hovertemplate="%{x}: £%{y:,.0f}k<extra>" + name + "</extra>")
    base = fc.table[fc.table["scenario"] == names[0]]
    top = base.loc[base["expected"].idxmax()]
    fig.update_layout(title=style.title(
        f"Spend peaks in {fmt.term(top['term'])} at about "
        f"{fmt.money_rounded(pence([top['expected']])[0])}",
        "Expected spend per term with the P10-P90 band (8 in 10 simulated futures)"),
        yaxis_title="£ thousands per term", xaxis_title="Term")
    return style.apply(fig)


def sensitivity_frame(sens: pd.DataFrame, params) -> tuple[pd.DataFrame, TableSpec]:
    frame = pd.DataFrame({
        "rate": [CONTROLS[p][0] if p in CONTROLS else params[p].label
                 for p in sens["parameter"]],
        "per_1p": pence(sens["per_1p"])})
    spec = TableSpec(
        name="sensitivity", title="What 1p an hour more on each rate costs in a year",
        subtitle="Change in a year's expected spend, first three forecast terms",
        columns={"rate": Column("Rate"), "per_1p": Column("Cost of 1p more an hour",
                                                           "pence")},
        source=SOURCE)
    return frame, spec


def sensitivity_figure(frame: pd.DataFrame):
    import plotly.graph_objects as go

    from eyanalysis.present.charts import style

    rows = frame.sort_values("per_1p")
    axis = style.money_axis(rows["per_1p"].tolist())
    fig = go.Figure(style.bar(rows["rate"].tolist(), rows["per_1p"].tolist(), name="",
                              colour=style.PALETTE[0], kind="pence", divisor=axis.divisor,
                              horizontal=True, showlegend=False))
    top = rows.iloc[-1]
    fig.update_layout(title=style.title(
        f"{top['rate']} moves the budget most: {fmt.money_rounded(top['per_1p'])} a year "
        "per 1p an hour", "Cost of 1p an hour more on each rate, over a year"),
        xaxis_title=axis.title, yaxis_title="", margin={"l": 320})
    return style.apply(fig)


def setting_frame(setting_table: pd.DataFrame, settings: pd.DataFrame, term: str,
                  top: int = 20) -> tuple[pd.DataFrame, TableSpec]:
    totals = setting_table[setting_table["level"] == "TOTAL"].sort_values(
        "amount_pence", ascending=False).head(top)
    names = settings.set_index("setting_id")["name"]
    frame = pd.DataFrame({
        "setting": [f"{names.get(s, s)} ({s})" for s in totals["setting_id"]],
        "children": totals["children"].tolist(),
        "amount": totals["amount_pence"].astype(int).tolist()})
    spec = TableSpec(
        name="next_term_settings",
        title=f"The {top} settings with the largest Inclusion Supplement in {fmt.term(term)}",
        subtitle="Children known before the term, at the rates in force on its first day",
        columns={"setting": Column("Setting"),
                 "children": Column("Children at a paid level", "count"),
                 "amount": Column("Inclusion Supplement", "pence")},
        notes=["New children joining during the term are not yet known, so the term's "
               "total will be higher."], source="Termly attendance returns")
    return frame, spec


def pending_sentence(pe: dict) -> str:
    if not pe.get("pending"):
        return "No exceptional funding application is waiting for a decision."
    return (f"{fmt.quantity(pe['pending'], 'exceptional funding application').capitalize()} "
            f"{'is' if pe['pending'] == 1 else 'are'} waiting for the panel. If the panel "
            f"approved as many as it has approved before ({fmt.percent(pe['approval_rate'])}), "
            f"they would add about {fmt.money_rounded(pence([pe['expected_extra']])[0])} a "
            f"term ({pe['assumption']}). The panel decides each application.")


def timeline_frame(by_term: pd.DataFrame) -> tuple[pd.DataFrame, TableSpec]:
    frame = pd.DataFrame({
        "term": [fmt.term(t) for t in by_term["term"]],
        "predicted": by_term["predicted"].astype(int).tolist(),
        "actual": by_term["actual"].astype(int).tolist(),
        "change_request": by_term["change_request"].astype(int).tolist(),
        "final": by_term["final"].astype(int).tolist()})
    spec = TableSpec(
        name="payment_timeline", title="Inclusion Supplement of each term by payment stage",
        subtitle="Predicted at the start of term, actual when the provider portal closed, "
                 "and the change request paid at the start of the next term",
        columns={"term": Column("Term"), "predicted": Column("Predicted", "pence"),
                 "actual": Column("Actual", "pence"),
                 "change_request": Column("Change request", "pence"),
                 "final": Column("Final", "pence")},
        source="Termly attendance returns, levels as declared over time")
    return frame, spec


def cash_frame(cash: pd.DataFrame) -> tuple[pd.DataFrame, TableSpec]:
    runs = list(dict.fromkeys(cash["run"]))
    wide = cash.pivot_table(index="financial_year", columns="run", values="pence",
                            aggfunc="sum", fill_value=0)
    frame = pd.DataFrame({"year": [year_label(y) for y in wide.index]})
    columns = {"year": Column("Financial year")}
    for i, r in enumerate(runs):
        frame[f"r{i}"] = wide[r].astype(int).tolist()
        columns[f"r{i}"] = Column(str(r).capitalize(), "pence")
    frame["total"] = wide[runs].sum(axis=1).astype(int).tolist()
    columns["total"] = Column("Paid in the year", "pence")
    spec = TableSpec(name="cash_by_year", title="Inclusion Supplement paid by financial year",
                     subtitle="By the payment run it was paid in", columns=columns,
                     source="Termly attendance returns")
    return frame, spec


def reconciliation_frame(rec: pd.DataFrame, settings: pd.DataFrame, top: int = 15
                         ) -> tuple[pd.DataFrame, TableSpec]:
    rows = rec.head(top)
    names = settings.set_index("setting_id")["name"]
    frame = pd.DataFrame({
        "setting": [f"{names.get(s, s)} ({s})" for s in rows["setting_id"]],
        "predicted": rows["predicted"].astype(int).tolist(),
        "final": rows["final"].astype(int).tolist(),
        "difference": rows["difference"].astype(int).tolist(),
        "pct": [v / 100 if pd.notna(v) else fmt.NOT_APPLICABLE  # nothing predicted
                for v in rows["difference_pct"]]})
    spec = TableSpec(
        name="reconciliation",
        title=f"The {top} settings whose final supplement differed most from the prediction",
        subtitle="Every observed term together",
        columns={"setting": Column("Setting"), "predicted": Column("Predicted", "pence"),
                 "final": Column("Final", "pence"),
                 "difference": Column("Difference", "pence"),
                 "pct": Column("Difference as a share of the prediction", "percent")},
        notes=["Most of a difference comes from levels declared after the start of term."],
        source="Termly attendance returns")
    return frame, spec


def forecast_cash_frame(fcash: pd.DataFrame) -> tuple[pd.DataFrame, TableSpec]:
    names = list(dict.fromkeys(fcash["scenario"]))[:MAX_COMPARED]
    years = list(dict.fromkeys(fcash["financial_year"]))
    frame = pd.DataFrame({"year": [year_label(y) for y in years]})
    columns = {"year": Column("Financial year")}
    for i, n in enumerate(names):
        v = fcash[fcash["scenario"] == n].set_index("financial_year")["pounds"]
        frame[f"s{i}"] = pence([v.get(y) for y in years])
        columns[f"s{i}"] = Column(n, "pence")
    spec = TableSpec(
        name="forecast_cash", title="Forecast cash paid by financial year",
        subtitle="Forecast terms only, split between payment runs as in the observed terms",
        columns=columns, source=SOURCE)
    return frame, spec


def show(frame_spec) -> object:
    """A (frame, spec) pair as a notebook display object."""
    from IPython.display import HTML

    frame, spec = frame_spec
    return HTML(publication_html(frame, spec))


def say(text: str):
    """A sentence as a notebook display object (escaped)."""
    from IPython.display import HTML

    return HTML(f"<p>{html.escape(text)}</p>")

"""The scheme comparison as people read it (S1-S3, I1): a workbook and the tables behind
the notebook section and the budget planner's view.

Every money figure is a range: the crosswalk from home levels to another scheme's bands is a
judgement (S2), so each comparison shows the low, central and high cost it implies, and the
crosswalk assumptions travel with it (a table of the workbook, the caption under a chart).
The figures are management information about a caseload the user supplied (possibly
child-level): not a statistical release, so they are not suppressed; do not publish them.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from eyanalysis.analysis.schemes import POINTS, Comparison
from eyanalysis.present import format as fmt
from eyanalysis.present.meta import Column, TableSpec, contact
from eyanalysis.rules.levels import LEVELS
from eyanalysis.vocabulary import PROVIDER_TYPES

NOT_APPLICABLE = fmt.SYMBOLS[fmt.NOT_APPLICABLE].text  # no pot: no figure can exist
RANGE_NOTE = ("Low, central and high: the cost implied by the crosswalk's low, central and "
              "high band for each home level (the mapping is a judgement).")


def _money_columns(prefix: str, label: str) -> dict[str, Column]:
    return {f"{prefix}_{p}": Column(f"{label}, {p}", "pence") for p in POINTS}


def summary_table(comparison: Comparison) -> tuple[pd.DataFrame, TableSpec]:
    frame = comparison.summary.copy()
    for col in ("pot", "pot_effect"):
        frame[col] = [NOT_APPLICABLE if pd.isna(p) else v for p, v in
                      zip(comparison.summary["pot"], frame[col], strict=True)]
    spec = TableSpec(
        name="schemes_summary",
        title=f"The same caseload under each inclusion scheme, rules in force on "
              f"{fmt.date(comparison.on)}",
        columns={"name": Column("Scheme"), "unit": Column("Payment unit"),
                 "children_funded": Column("Children funded (central)", "count"),
                 **_money_columns("term", "Term"), **_money_columns("year", "Year"),
                 "setting_level_term": Column("Setting-level uplift, term", "pence"),
                 "setting_level_year": Column("Setting-level uplift, year", "pence"),
                 "pot": Column("Yearly pot", "pence"),
                 "year_central_after_pot": Column("Year, central, after the pot", "pence"),
                 "pot_effect": Column("Effect of the pot", "pence")},
        notes=[RANGE_NOTE, f"{NOT_APPLICABLE}: the scheme has no yearly pot.",
               *comparison.notes],
        sheet="Summary")
    return frame, spec


def by_table(comparison: Comparison, column: str) -> tuple[pd.DataFrame, TableSpec]:
    names = {sid: s.name for sid, s in comparison.schemes.items()}
    frame = comparison.by(column)
    frame.insert(0, "name", frame.pop("scheme").map(names))
    label = {"level": "Home level", "setting_type": "Setting type"}[column]
    spec = TableSpec(
        name=f"schemes_by_{column}",
        title=f"Cost for the term by scheme and {label.lower()}",
        columns={"name": Column("Scheme"), column: Column(label),
                 **_money_columns("term", "Term")},
        notes=[RANGE_NOTE], sheet=f"By {label.split()[-1].lower()}")
    return frame, spec


def crosswalk_table(comparison: Comparison) -> tuple[pd.DataFrame, TableSpec]:
    rows = [{"name": s.name, "level": lvl, **s.crosswalk[lvl]}
            for s in comparison.schemes.values() for lvl in LEVELS]
    spec = TableSpec(
        name="schemes_crosswalk",
        title="Crosswalk: the band a child at each home level receives under each scheme",
        columns={"name": Column("Scheme"), "level": Column("Home level"),
                 **{p: Column(f"Band, {p}") for p in POINTS}},
        notes=["A judgement kept as a parameter per scheme (its crosswalk file in the "
               "parameters folder); 'none' means no award.",
               *(line for line in comparison.assumptions())],
        sheet="Crosswalk")
    return pd.DataFrame(rows, columns=["name", "level", *POINTS]), spec


def ieyf_table(ieyf: pd.DataFrame) -> tuple[pd.DataFrame, TableSpec]:
    spec = TableSpec(
        name="ieyf_allocation",
        title="Inclusive Early Years Fund: each setting's upfront allocation",
        columns={"setting_id": Column("Setting"), "ieyf_pence": Column("Allocation", "pence")},
        notes=["Allocated upfront with no applications, by the method and the authority's "
               "sum set in the parameters (see the sources)."],
        sheet="IEYF")
    return ieyf, spec


def write_workbook(path: str | Path, comparison: Comparison, source: str,
                   ieyf: pd.DataFrame | None = None) -> Path:
    """The comparison as a workbook in the published-workbook form (gptables: cover,
    contents, notes, one table per sheet), then defused (no text cell is a formula)."""
    from eyanalysis.data.export import defuse_xlsx
    from eyanalysis.present.workbook import Release
    from eyanalysis.present.workbook import write_workbook as write_book

    tables = [summary_table(comparison), by_table(comparison, "level"),
              by_table(comparison, "setting_type"), crosswalk_table(comparison)]
    if ieyf is not None and len(ieyf):
        tables.append(ieyf_table(ieyf))
    release = Release(
        title="Inclusion schemes compared: one caseload under each authority's scheme",
        period=f"one term's claims, rules in force on {comparison.on.isoformat()}",
        contact=contact(dt.date.today()),
        about=["Management information for budget planning: figures are not suppressed "
               "and must not be published.", RANGE_NOTE],
        produced=dt.date.today(), source=source)
    out = write_book(path, tables, release)
    defuse_xlsx(out)
    return out


def short_name(scheme) -> str:
    """A scheme's name without its description in brackets (``Devon 2026-27``)."""
    return scheme.name.split(" (")[0]


#: How each grouping of :func:`chart` is named, and the label of each of its groups.
GROUPS = {"level": ("level", LEVELS.label),
          "setting_type": ("setting type", PROVIDER_TYPES.short)}


def chart(comparison: Comparison, by: str = "level"):
    """A bar per scheme (central cost for the term) with the low-high range as an error
    bar, stacked by ``by`` (``level`` or ``setting_type``, named by their labels), in the
    house style; the crosswalk assumptions are the caption (:func:`caption`), shown under
    the chart."""
    import plotly.graph_objects as go

    from eyanalysis.present.charts import style

    words, label = GROUPS[by]
    names = {sid: short_name(s) for sid, s in comparison.schemes.items()}
    parts = comparison.by(by)
    fig = go.Figure()
    for i, (group, rows) in enumerate(parts.groupby(by, sort=True, observed=True)):
        fig.add_bar(x=rows["scheme"].map(names), y=rows["term_central"] / 100,
                    name=label(str(group)), marker_color=style.PALETTE[i % len(style.PALETTE)],
                    hovertemplate="%{x}: £%{y:,.2f}<extra>" + label(str(group)) + "</extra>")
    s = comparison.summary
    fig.add_scatter(
        x=s["scheme"].map(names), y=s["term_central"] / 100, mode="markers",
        marker={"color": "#0b0c0c", "size": 8, "symbol": "line-ew-open"},
        name="Low-high range",
        error_y={"type": "data", "symmetric": False,
                 "array": (s["term_high"] - s["term_central"]) / 100,
                 "arrayminus": (s["term_central"] - s["term_low"]) / 100},
        hovertemplate="%{x}: central £%{y:,.2f}<extra>range</extra>")
    subtitle = "Cost for the term: bars at the crosswalk's central band, whiskers its low and high"
    if len(s):
        low, high = s.loc[s["term_central"].idxmin()], s.loc[s["term_central"].idxmax()]
        subtitle += (f"; central from {fmt.money_rounded(int(low['term_central']))} "
                     f"({names[low['scheme']]}) to {fmt.money_rounded(int(high['term_central']))}"
                     f" ({names[high['scheme']]})")
    return style.apply(fig, layout={
        "barmode": "stack", "height": 560,  # room for the plot under the slanted names
        "title": style.title(f"The same children under each scheme, by {words}", subtitle),
        "yaxis": {"title": {"text": "Cost for the term (£)"}},
        "xaxis": {"title": {"text": "Scheme"}}})


def caption(comparison: Comparison) -> str:
    """The crosswalk assumptions, to print under every chart of the comparison (S2)."""
    return "Crosswalk assumptions. " + " ".join(comparison.assumptions())


def caption_markdown(comparison: Comparison):
    """The crosswalk assumptions as Markdown, for the cell under a chart."""
    from IPython.display import Markdown

    lines = ["**Crosswalk assumptions** (each home level mapped to a scheme's bands; "
             "the bars show the central band, the whiskers the low and high bands):", ""]
    lines += [f"- {line}" for line in comparison.assumptions()]
    lines += [f"- *Note:* {note}" for note in comparison.notes]
    return Markdown("\n".join(lines))


#: The columns of :func:`summary_table` a notebook page has room for (the workbook and
#: ``compare-schemes --out`` keep them all).
VIEW_COLUMNS = ("name", "children_funded", "term_low", "term_central", "term_high",
                "year_central", "year_central_after_pot")


def summary_view(comparison: Comparison):
    """The summary for a notebook: the main columns of :func:`summary_table`, formatted."""
    from dataclasses import replace

    from IPython.display import HTML

    from eyanalysis.present.tables import publication_html

    frame, spec = summary_table(comparison)
    columns = {k: spec.columns[k] for k in VIEW_COLUMNS}
    columns["name"] = replace(columns["name"], width="30%")
    spec = replace(spec, columns=columns, notes=[
        n for n in spec.notes if not n.startswith(f"{NOT_APPLICABLE}:")])
    return HTML(publication_html(frame[list(VIEW_COLUMNS)], spec))


def setting_funds_table(funds: pd.DataFrame, comparison: Comparison,
                        settings: pd.DataFrame, top: int = 20
                        ) -> tuple[pd.DataFrame, TableSpec]:
    """The ``top`` settings by setting-level money beside the child-level schemes
    (:func:`eyanalysis.analysis.schemes.setting_funds`): each setting-uplift scheme's sum
    for the term and the Inclusive Early Years Fund's allocation for the year, named."""
    money = [c for c in funds.columns if c.endswith("_pence")]
    names = settings.assign(setting_id=settings["setting_id"].astype(str)).set_index(
        "setting_id")["name"]
    shown = funds.assign(_all=funds[money].sum(axis=1)).sort_values(
        ["_all", "setting_id"], ascending=[False, True]).head(top)
    frame = pd.DataFrame({"setting": [f"{names.get(s, s)} ({s})" for s in
                                      shown["setting_id"]]})
    columns = {"setting": Column("Setting")}
    for c in money:
        frame[c] = shown[c].astype(int).to_numpy()
        sid = c.removesuffix("_uplift_pence")
        columns[c] = Column("Inclusive Early Years Fund, year" if c == "ieyf_pence" else
                            f"{short_name(comparison.schemes[sid])} uplift, term",
                            "pence")
    spec = TableSpec(
        name="setting_level_funds",
        title=f"The {min(top, len(funds))} settings with the most setting-level funding, "
              f"rules in force on {fmt.date(comparison.on)}",
        subtitle=f"Of {fmt.quantity(len(funds), 'setting')} with funded children",
        columns=columns,
        notes=["Setting-level money is paid to the setting, not for a child: an uplift per "
               "funded hour, or the Inclusive Early Years Fund allocated upfront."])
    return frame, spec

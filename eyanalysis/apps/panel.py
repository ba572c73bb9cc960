"""The panel officer's view (issue #12 item 4): the meeting picker opens on the next meeting
(``panel.meetings``; future meetings first), each application listed for it as a card
(:mod:`eyanalysis.present.cards`), and the reviews due within a chosen number of weeks,
filterable and downloadable. The workbench never suggests a decision: the panel decides
(X3).

Everything is shown in ``HTML`` widgets, not ``Output`` widgets: run headless (papermill,
nbval), nbclient mimics an Output widget by sending comm messages on the kernel's shell
channel while it waits there for the cell's reply, and the reply could then go unseen until
the cell's execution timeout ran out.
"""

from __future__ import annotations

import datetime as dt
import html

import pandas as pd

from eyanalysis.analysis import panel
from eyanalysis.analysis.reviews import NAMES as REVIEW_NAMES
from eyanalysis.present import format as fmt
from eyanalysis.present.cards import cards_html
from eyanalysis.present.meta import Column, TableSpec
from eyanalysis.present.tables import publication_html
from eyanalysis.vocabulary import LEVELS, PANEL_KINDS

KIND_NAMES = PANEL_KINDS.shorts
ALL = "all"
#: Reviews listed at most (the download holds every one).
SHOWN_REVIEWS = 200


def meeting_options(apps: pd.DataFrame, on: dt.date) -> list[tuple[str, dt.date]]:
    """(label, date) for the picker, future meetings first: "Tuesday 8 December 2026 (next
    meeting, 13 listed)"."""
    dates = panel.meeting_dates(apps, on)
    listed = apps["panel_date"].dropna().dt.date.value_counts()
    out = []
    for i, d in enumerate(dates):
        n = int(listed.get(d, 0))
        when = "next meeting" if i == 0 and d >= on else ("held" if d < on else "coming")
        out.append((f"{d:%A} {fmt.date(d)} ({when}, {fmt.quantity(n, 'application')} "
                    "listed)", d))
    return out


def reviews_frame(reviews: pd.DataFrame, on: dt.date, weeks: int, names: pd.Series,
                  search: str = "", level: str = ALL, review: str = ALL) -> pd.DataFrame:
    """Reviews falling due from ``on`` to ``weeks`` weeks on (and any overdue), filtered,
    soonest first, as the reader sees them."""
    ts = pd.Timestamp(on)
    end = ts + pd.Timedelta(weeks=weeks)
    rows = reviews.loc[(reviews["next_due"] <= end)
                       | reviews["status"].astype(str).str.startswith("overdue")]
    if level != ALL:
        rows = rows.loc[rows["level"] == level]
    if review != ALL:
        rows = rows.loc[rows["review_type"] == review]
    setting = rows["setting_id"].map(lambda s: f"{names.get(s, s)} ({s})")
    if search.strip():
        needle = search.strip().lower()
        keep = setting.str.lower().str.contains(needle, regex=False) | rows[
            "child_id"].str.lower().str.contains(needle, regex=False)
        rows, setting = rows.loc[keep], setting.loc[keep]
    out = pd.DataFrame({
        "setting": setting.to_numpy(),
        "child_id": rows["child_id"].to_numpy(),
        "level": [LEVELS.label(v) if v in LEVELS else str(v) for v in rows["level"]],
        "review": rows["review"].astype(str).to_numpy(),
        "next_due": [fmt.date(d.date()) for d in rows["next_due"]],
        "status": [str(s).capitalize() for s in rows["status"]],
        "_due": rows["next_due"].to_numpy()})
    return out.sort_values(["_due", "setting", "child_id"]).drop(columns="_due").reset_index(
        drop=True)


def reviews_spec(on: dt.date, weeks: int, n: int, shown: int) -> TableSpec:
    subtitle = f"Due from {fmt.date(on)} to {fmt.date(on + dt.timedelta(weeks=weeks))}, " \
               "and overdue"
    if shown < n:
        subtitle += f"; the first {fmt.count(shown)} of {fmt.count(n)} (the download has all)"
    return TableSpec(
        name="reviews_due", title=f"Reviews due in the next {weeks} weeks",
        subtitle=subtitle,
        columns={"setting": Column("Setting"), "child_id": Column("Child reference"),
                 "level": Column("SEND level"), "review": Column("Review"),
                 "next_due": Column("Next due"), "status": Column("Status")},
        source="Termly attendance returns (levels and when they began)")


def dashboard(caseload, ds):
    """Widgets for Voila and JupyterLab: the meeting picker and a kind filter over the
    application cards, the queue-over-time chart, and the reviews due within a chosen
    number of weeks (search, level and review filters, CSV and Excel download).
    ``caseload`` is :class:`eyanalysis.analysis.panel.Caseload`, ``ds`` the dataset it
    was built from."""
    import ipywidgets as w
    import plotly.graph_objects as go

    from eyanalysis.apps import download
    from eyanalysis.present.charts.panel import backlog_figure

    apps = caseload.applications
    on = caseload.as_of
    insp = ds.tables.get("inspections")
    names = (ds.settings.set_index("setting_id")["name"] if "name" in ds.settings
             else pd.Series(dtype=str))
    options = meeting_options(apps, on)
    first = caseload.panel_date if caseload.panel_date in [d for _, d in options] and \
        caseload.panel_date != on else options[0][1]
    wide = {"description_width": "8em"}
    date_pick = w.Dropdown(options=options, value=first, description="Meeting", style=wide,
                           layout=w.Layout(width="38em"))
    kinds = [("All kinds", ALL)] + [(PANEL_KINDS.label(k), k) for k in caseload.kinds]
    kind_pick = w.Dropdown(options=kinds, value=ALL, description="Kind", style=wide,
                           layout=w.Layout(width="30em"))
    busy = w.HTML()
    out = w.HTML()
    cache: dict = {}

    def refresh(*_):
        busy.value = "<p><b>Loading the applications…</b></p>"
        try:
            key = date_pick.value
            if key not in cache:
                cache[key] = panel.cards(apps, key, on, ds.settings, insp,
                                         attendance=ds.tables.get("attendance"))
            chosen = [c for c in cache[key] if kind_pick.value in (ALL, c["kind"])]
            out.value = cards_html(chosen, date_pick.value)
        finally:
            busy.value = ""

    fig = go.FigureWidget(backlog_figure(caseload.backlog))

    weeks = w.IntSlider(value=6, min=1, max=26, description="Weeks ahead", style=wide,
                        continuous_update=False)
    search = w.Text(placeholder="setting name, setting or child reference",
                    description="Search", style=wide, continuous_update=False,
                    layout=w.Layout(width="30em"))
    levels_present = [lv for lv in LEVELS if lv in set(caseload.reviews["level"].astype(str))]
    level_pick = w.Dropdown(options=[("All levels", ALL)] + [(LEVELS.label(v), v)
                                                             for v in levels_present],
                            value=ALL, description="Level", style=wide)
    types = list(dict.fromkeys(caseload.reviews["review_type"].astype(str)))
    review_pick = w.Dropdown(options=[("All reviews", ALL)] + [
        (REVIEW_NAMES.get(t, t), t) for t in types], value=ALL, description="Review",
        style=wide)
    reviews_out = w.HTML()
    reviews_dl = w.HTML()

    def refresh_reviews(*_):
        frame = reviews_frame(caseload.reviews, on, weeks.value, names, search.value,
                              level_pick.value, review_pick.value)
        spec = reviews_spec(on, weeks.value, len(frame), min(len(frame), SHOWN_REVIEWS))
        lead = (f"<p>{html.escape(fmt.quantity(len(frame), 'review').capitalize())} due "
                f"in the next {weeks.value} weeks or overdue. "
                f"{html.escape(caseload.reviews_note)}</p>")
        reviews_out.value = lead + (publication_html(frame.head(SHOWN_REVIEWS), spec)
                                    if len(frame) else "")
        labelled = frame.rename(columns={c: spec.header(c) for c in spec.columns})
        reviews_dl.value = download.table_links(labelled, f"reviews_due_{on:%Y%m%d}",
                                                "Reviews due")

    date_pick.observe(refresh, names="value")
    kind_pick.observe(refresh, names="value")
    for control in (weeks, search, level_pick, review_pick):
        control.observe(refresh_reviews, names="value")
    refresh()
    refresh_reviews()
    return w.VBox([
        w.HTML("<h3>Applications for a meeting</h3>"),
        w.HBox([date_pick, kind_pick]), busy, out,
        w.HTML("<h3>Reviews due</h3>"),
        w.HBox([weeks, level_pick, review_pick]), search, reviews_dl, reviews_out,
        w.HTML("<h3>The queue over time</h3>"), fig])

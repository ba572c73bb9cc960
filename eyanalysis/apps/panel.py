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
    application cards and the reviews due within a chosen number of weeks (search, level
    and review filters, CSV and Excel download).
    ``caseload`` is :class:`eyanalysis.analysis.panel.Caseload`, ``ds`` the dataset it
    was built from."""
    import ipywidgets as w

    from eyanalysis.apps import download

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
                           layout=w.Layout(width="48em"))
    kinds = [("All kinds", ALL)] + [(PANEL_KINDS.label(k), k) for k in caseload.kinds]
    kind_pick = w.Dropdown(options=kinds, value=ALL, description="Kind", style=wide,
                           layout=w.Layout(width="28em"))
    busy = w.HTML()
    out = w.HTML()
    cache: dict = {}

    def refresh(*_):
        busy.value = "<p class='ey-busy'><b>Loading the applications…</b></p>"
        try:
            key = date_pick.value
            if key not in cache:
                cache[key] = panel.cards(apps, key, on, ds.settings, insp,
                                         attendance=ds.tables.get("attendance"))
            chosen = [c for c in cache[key] if kind_pick.value in (ALL, c["kind"])]
            out.value = cards_html(chosen, date_pick.value)
        finally:
            busy.value = ""

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
        labelled = frame.rename(columns={c: spec.header(c) for c in spec.columns})
        # the downloads first: once the list shows the new weeks, its files are the new ones
        reviews_dl.value = download.table_links(labelled, f"reviews_due_{on:%Y%m%d}",
                                                "Reviews due")
        reviews_out.value = lead + (publication_html(frame.head(SHOWN_REVIEWS), spec)
                                    if len(frame) else "")

    date_pick.observe(refresh, names="value")
    kind_pick.observe(refresh, names="value")
    for control in (weeks, search, level_pick, review_pick):
        control.observe(refresh_reviews, names="value")
    refresh()
    refresh_reviews()
    return w.VBox([
        w.HBox([date_pick, kind_pick]), busy, out,
        w.HTML("<h3>Reviews due</h3>"),
        w.HBox([weeks, level_pick, review_pick]), search, reviews_dl, reviews_out])


# -- the notebook's other sections, as a reader sees them -----------------------------------

def _kind(code: str) -> str:
    return "All kinds" if code == "all" else PANEL_KINDS.label(code)


def _or_z(values: pd.Series) -> list:
    """Figures with [z] where none can be given (no application decided or listed yet)."""
    return [fmt.NOT_APPLICABLE if pd.isna(v) else v for v in values]


def decisions_frame(d: pd.DataFrame) -> tuple[pd.DataFrame, TableSpec]:
    frame = pd.DataFrame({"kind": [_kind(k) for k in d["kind"]],
                          **{c: d[c].astype(int).tolist() for c in
                             ("pending", "approved", "declined", "deferred", "withdrawn")},
                          "rate": _or_z(d["approval_rate"])})
    spec = TableSpec(
        name="decisions", title="Panel decisions by kind of application",
        subtitle="Every application received to the date counted",
        columns={"kind": Column("Application"), "pending": Column("Awaiting a decision", "count"),
                 "approved": Column("Approved", "count"), "declined": Column("Declined", "count"),
                 "deferred": Column("Deferred", "count"),
                 "withdrawn": Column("Withdrawn", "count"),
                 "rate": Column("Approved of those decided", "percent")},
        notes=["Approved of those decided: approved / (approved + declined); deferred and "
               "withdrawn applications are not in it; [z] where none was decided."],
        total_row=True, source="Panel applications as recorded by the inclusion team")
    return frame, spec


def waits_frame(ws: pd.DataFrame) -> tuple[pd.DataFrame, TableSpec]:
    frame = pd.DataFrame({"kind": [_kind(k) for k in ws["kind"]],
                          "n_panel": ws["to_panel_n"].astype(int).tolist(),
                          "med_panel": _or_z(ws["to_panel_median"]),
                          "p90_panel": _or_z(ws["to_panel_p90"]),
                          "n_dec": ws["to_decision_n"].astype(int).tolist(),
                          "med_dec": _or_z(ws["to_decision_median"]),
                          "p90_dec": _or_z(ws["to_decision_p90"])})
    spec = TableSpec(
        name="waits", title="Days from receipt to the panel and to a decision",
        subtitle="Applications heard or decided to the date counted",
        columns={"kind": Column("Application"),
                 "n_panel": Column("Applications", "count"),
                 "med_panel": Column("Median days", "decimal"),
                 "p90_panel": Column("9 in 10 within (days)", "decimal"),
                 "n_dec": Column("Applications", "count"),
                 "med_dec": Column("Median days", "decimal"),
                 "p90_dec": Column("9 in 10 within (days)", "decimal")},
        spanners={"To the panel meeting": ["n_panel", "med_panel", "p90_panel"],
                  "To the decision": ["n_dec", "med_dec", "p90_dec"]},
        total_row=True, source="Panel applications as recorded by the inclusion team")
    return frame, spec


def committed_frame(cb: pd.DataFrame) -> tuple[pd.DataFrame, TableSpec]:
    wide = cb.pivot_table(index="level", columns="period", values="amount_pence",
                          aggfunc="sum", fill_value=0, observed=True)
    kids = cb.pivot_table(index="level", columns="period", values="children",
                          aggfunc="sum", fill_value=0, observed=True)
    levels = [lv for lv in LEVELS if lv in wide.index]

    def col(t, name):
        return [int(t.loc[lv, name]) if name in t.columns else 0 for lv in levels]

    frame = pd.DataFrame({"level": levels, "kids_to_date": col(kids, "to date"),
                          "to_date": col(wide, "to date"),
                          "kids_to_come": col(kids, "to come"), "to_come": col(wide, "to come")})
    spec = TableSpec(
        name="committed", title="Funding committed by approved awards",
        subtitle="Paid to date, and still to come until each child starts school",
        columns={"level": Column("SEND level", codes=LEVELS),
                 "kids_to_date": Column("Children", "count"),
                 "to_date": Column("Amount", "pence"),
                 "kids_to_come": Column("Children", "count"),
                 "to_come": Column("Amount", "pence")},
        spanners={"To date": ["kids_to_date", "to_date"],
                  "Still to come": ["kids_to_come", "to_come"]},
        notes=["Costed at the rates in force each term, to the penny. Out-of-school and "
               "holiday awards are set individually: counted below, not costed."],
        source="Panel applications and termly attendance returns")
    return frame, spec


def individual_frame(ia: pd.DataFrame) -> tuple[pd.DataFrame, TableSpec]:
    frame = pd.DataFrame({"kind": [_kind(k) for k in ia["kind"]],
                          "level": ia["level"].astype(str).tolist(),
                          "awards": ia["awards"].astype(int).tolist(),
                          "children": ia["children"].astype(int).tolist()})
    spec = TableSpec(
        name="individual_awards", title="Awards set individually, not costed here",
        columns={"kind": Column("Application"), "level": Column("SEND level", codes=LEVELS),
                 "awards": Column("Awards", "count"), "children": Column("Children", "count")},
        source="Panel applications as recorded by the inclusion team")
    return frame, spec


def headsup_frame(h: pd.DataFrame) -> tuple[pd.DataFrame, TableSpec]:
    frame = pd.DataFrame({"level": h["level"].astype(str).tolist(),
                          "school": h["school_equivalent"].astype(str).tolist(),
                          "children": h["children"].astype(int).tolist(),
                          "ehcp": [int(v) for v in h["with_ehc_plan"]]})
    spec = TableSpec(
        name="reception_headsup", title="Children starting Reception next September",
        subtitle="By SEND level, with what the level is called in school",
        columns={"level": Column("SEND level", codes=LEVELS),
                 "school": Column("In school"), "children": Column("Children", "count"),
                 "ehcp": Column("With an EHC plan", "count")},
        source="Termly attendance returns and children's records")
    return frame, spec


def show(frame_spec):
    from IPython.display import HTML

    return HTML(publication_html(*frame_spec))


def say(text: str):
    from IPython.display import HTML

    return HTML(f"<p>{html.escape(text)}</p>")


def meeting_sentence(caseload, meeting: dt.date, cards: list[dict]) -> str:
    waiting = int((caseload.applications["decision"] == "pending").sum()) if len(
        caseload.applications) else 0
    return (f"The next panel meeting is on {meeting:%A} {fmt.date(meeting)}, with "
            f"{fmt.quantity(len(cards), 'application')} listed; "
            f"{fmt.quantity(waiting, 'application')} in all await a decision on "
            f"{fmt.date(caseload.as_of)}.")


def static_cards(caseload, ds, meeting: dt.date):
    """The cards of one meeting as HTML (the notebook run headless)."""
    from IPython.display import HTML

    cards = panel.cards(caseload.applications, meeting, caseload.as_of, ds.settings,
                        ds.tables.get("inspections"), attendance=ds.tables.get("attendance"))
    return HTML(f"<p>{html.escape(meeting_sentence(caseload, meeting, cards))}</p>"
                + cards_html(cards, meeting))


def reviews_static(caseload, ds, weeks: int = 6):
    from IPython.display import HTML

    names = (ds.settings.set_index("setting_id")["name"] if "name" in ds.settings
             else pd.Series(dtype=str))
    frame = reviews_frame(caseload.reviews, caseload.as_of, weeks, names)
    spec = reviews_spec(caseload.as_of, weeks, len(frame), min(len(frame), 40))
    lead = (f"{fmt.quantity(len(frame), 'review').capitalize()} due in the next {weeks} "
            f"weeks or overdue. {caseload.reviews_note}")
    return HTML(f"<p>{html.escape(lead)}</p>" + publication_html(frame.head(40), spec))

"""Render one of each presentation building block to a folder, to look at (issue #11).

    .venv/bin/python docs/presentation_demo.py [OUT]      # default outputs/presentation_demo

Writes ``page.html`` (publication tables, an interactive table and charts; opens offline),
``page.pdf`` (the same page for print: A4, charts as images, page numbers), ``tables.xlsx``
(cover, contents, notes, one table per sheet) and ``csv/*.csv``. The figures are made up
(and small counts are suppressed by the real disclosure control): this shows the layout,
not the county.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from eyanalysis.present import format as fmt
from eyanalysis.present import meta, pdf, tables, workbook
from eyanalysis.present.charts import style
from eyanalysis.vocabulary import SUPPORT_LEVELS

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests import present_cases as cases  # noqa: E402 - the test cases double as demo data


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    children, children_spec = cases.children()
    funding, funding_spec = cases.funding()
    settings, settings_spec = cases.settings(40)
    by_level = dict(zip(children.level.iloc[:-1], children.total.iloc[:-1], strict=True))
    levels = style.level_bars(
        by_level, title_text="Graduated Response 1 is the most common graduated level",
        subtitle="Funded children by SEND level, Summer 2026", axis_title="Children",
        limit=cases.LIMIT)
    support = go.Figure([style.bar(["North", "South", "West"], values,
                                   name=SUPPORT_LEVELS.label(lv),
                                   colour=style.SUPPORT_COLOURS[lv])
                         for lv, values in zip(SUPPORT_LEVELS,
                                               [[120, 98, 77], [30, "c", 22], [8, "c", 11]],
                                               strict=True)])
    support.update_layout(title=style.title("Intensive support is highest in the West",
                                            "Settings by support level and district, "
                                            "end of Summer 2026"),
                          yaxis_title="Settings", barmode="group")
    style.mark_suppressed(style.apply(support), limit=cases.LIMIT)
    body = [
        "<h1>Early years termly statistics: Summer 2026</h1>",
        f"<p>Figures for {fmt.period('2026-SUM')}. Settings in Intensive "
        f"support: 41, {fmt.change(41, 34, since='2026-SUM')}.</p>",
        "<h2>Children</h2>", style.html(levels),
        tables.publication_html(children, children_spec, limit=cases.LIMIT),
        "<h2>Funding</h2>", style.html(support),
        tables.publication_html(funding, funding_spec, limit=cases.LIMIT),
        "<h2>Settings</h2>",
        tables.publication_html(settings, settings_spec, limit=cases.LIMIT),
        "<h2 class='no-print'>Explore the funding table</h2>",
        "<div class='no-print'>" + tables.interactive_library()
        + tables.interactive_html(funding, funding_spec, limit=cases.LIMIT) + "</div>",
    ]
    page = ("<!doctype html><html lang='en'><head><meta charset='utf-8'>"
            "<title>Early years termly statistics</title>"
            f"<style>body {{ max-width: 760px; margin: 2em auto; font-family: {style.FONT}; }}"
            f"</style><script>{get_plotlyjs()}</script></head><body>"
            + "\n".join(body) + "</body></html>")
    (out / "page.html").write_text(page, encoding="utf-8")
    pdf.report_pdf(page, out / "page.pdf")
    release = workbook.Release(
        title="Early years termly statistics: Summer 2026", period=fmt.period("2026-SUM"),
        contact=meta.contact(dt.date.today()), produced=dt.date.today(),
        about=["Made-up figures showing the layout of the published tables."])
    books = [(children, children_spec), (funding, funding_spec), (settings, settings_spec)]
    workbook.write_workbook(out / "tables.xlsx", books, release, limit=cases.LIMIT)
    workbook.write_csvs(out / "csv", books)
    print(f"wrote {out}/page.html, page.pdf, tables.xlsx and csv/")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "outputs" / "presentation_demo")

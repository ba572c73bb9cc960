"""The final termly release a member reads (issue #11, "Done when"): ``report.html`` and
``report.pdf`` for 2026-SUM, the last complete term on 1 December 2026, read as a reader
would: the page in headless Debian chromium, the PDF through pdftotext (text, word boxes)
and the chart images kaleido drew for it, the workbook through openpyxl.

One module-scoped run (``final_run``: the termly run of 2026-SUM as on 2026-12-01 with
the PDF, its summary notebook only, which writes the whole release) is shared by every
test here; the session's provisional run (2026-AUT) is tested in ``test_report.py``.
"""

from __future__ import annotations

import base64
import re
import subprocess
from pathlib import Path

import openpyxl
import pytest

from tests.browser import ARTIFACTS, VISIBLE_TEXT, launched_chromium, opened_report, screenshot
from tests.test_report import TITLES, problems

TERM, TODAY = "2026-SUM", "2026-12-01"
HEADINGS = ["Settings by support level", "Children by SEND level and funding age", "Funding",
            "Inclusion panel", "Advisory visits", "Notable flags"]
CONTACT = "Early Years Team, early.years@example.org"  # parameters/publication/contact.yaml


@pytest.fixture(scope="module")
def final_run(tmp_path_factory) -> Path:
    """The termly run of 2026-SUM as on 1 December 2026 (final figures), with the PDF: the
    summary notebook only, which writes every table, report.html, report.pdf and the
    workbook (the other three notebooks of a run are tested in the session's run)."""
    import datetime as dt

    from eyanalysis.jobs import termly

    out = tmp_path_factory.mktemp("termly-final") / "outputs"
    folder = termly.run(TERM, "", out, notebooks=("termly_summary",),
                        today=dt.date.fromisoformat(TODAY), timeout=240, pdf=True,
                        progress=lambda line: None)
    assert folder == out / TERM and (folder / "report.pdf").exists()
    return folder


@pytest.fixture(scope="module")
def browser():
    yield from launched_chromium()


@pytest.fixture(scope="module")
def page(browser, final_run):
    yield from opened_report(browser, final_run / "report.html")


@pytest.fixture(scope="module")
def visible(page) -> str:
    """The page's visible text, the sources table left out."""
    return page.evaluate(VISIBLE_TEXT)


def _pdftotext(pdf: Path, *args: str) -> str:
    return subprocess.run(["pdftotext", *args, str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout


@pytest.fixture(scope="module")
def pdf_pages(final_run) -> list[str]:
    """The PDF's text page by page (pdftotext -layout); the pages drawn at 60 dpi into
    tests/artifacts for a person to look at."""
    pdf = final_run / "report.pdf"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob("report-final-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-png", "-r", "60", str(pdf),
                    str(ARTIFACTS / "report-final")], check=True)
    pages = _pdftotext(pdf, "-layout").split("\f")
    return [p for p in pages if p.strip()]


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text)


# -- no code, repr or raw number; keys; changes ----------------------------------------------


def test_the_final_report_page_shows_no_code_repr_or_raw_number(page, visible):
    shot = screenshot(page, "report-final-top")
    assert len(visible) > 3000, visible[:500]
    assert problems(visible) == [], f"screenshot: {shot}"
    assert "provisional" not in visible.lower()  # a past term is final
    assert "Summer 2026" in visible and "at the end of the term" in visible
    texts = page.evaluate("() => [...document.querySelectorAll('.js-plotly-plot')].map(p =>"
                          " [...p.querySelectorAll('text')].map(t => t.textContent)"
                          ".join(' | '))")
    assert len(texts) >= 6 and problems(" || ".join(texts)) == []
    assert not page.query_selector(".modebar-container .modebar-btn")


def test_the_final_pdf_shows_no_code_repr_or_raw_number(page, pdf_pages, final_run):
    text = "\n".join(pdf_pages)
    body, sources = text.split("Sources and assumptions", 1)
    assert problems(body) == []
    assert "provisional" not in body.lower()
    for title in TITLES:
        assert title in _squash(body), title
    assert len(sources) > 2000  # the one place a code may be shown is there, and whole
    assert len(pdf_pages) >= 6
    assert all(f"Page {i} of {len(pdf_pages)}" in p for i, p in enumerate(pdf_pages, 1))
    values = page.evaluate("() => [...document.querySelectorAll('.ey-key-value')]"
                           ".map(v => v.innerText)")
    assert len(values) >= 4 and all(v in text for v in values), values
    assert "Download this report as a PDF" not in text  # the link is screen-only
    assert 'href="report.pdf"' in (final_run / "report.html").read_text()


def test_every_table_has_its_symbol_key_in_the_page_and_the_pdf(page, pdf_pages):
    tables = page.evaluate("""() => [...document.querySelectorAll('.gt_table')].map(t => ({
        title: (t.querySelector('.gt_title') || {}).innerText || '',
        body: (t.querySelector('tbody') || {}).innerText || '',
        foot: (t.querySelector('tfoot') || {}).innerText || ''}))""")
    assert [t["title"].strip() for t in tables] == TITLES
    keyed = 0
    for t in tables:
        assert "Source:" in t["foot"], t["title"]
        if "[c]" in t["body"]:
            keyed += 1
            assert "[c] confidential" in t["foot"], t["title"]
    assert keyed >= 3  # the sample hides small counts in most tables
    # in the PDF: each table ends with its source; a [c] before it comes with its key
    text = _squash("\n".join(pdf_pages).split("Sources and assumptions")[0])
    blocks = text.split("Source:")
    assert len(blocks) == len(TITLES) + 1
    assert sum("[c]" in b for b in blocks) >= 3
    for block in blocks[:-1]:
        if "[c]" in block:
            assert "[c] confidential" in block, block[-300:]


def test_key_figures_show_both_changes_for_the_final_term(page):
    boxes = page.evaluate("""() => [...document.querySelectorAll('.ey-key')].map(k => ({
        value: k.querySelector('.ey-key-value').innerText,
        label: k.querySelector('.ey-key-label').innerText,
        changes: [...k.querySelectorAll('li')].map(li => li.innerText)}))""")
    assert len(boxes) == 6
    for b in boxes:
        assert "so far" not in b["label"], b
        assert re.fullmatch(r"£?[\d,.]+[km]?|\[c\]", b["value"]), b
        assert len(b["changes"]) == 2, b
        assert re.search(r"since Spring 2026|Spring 2026: not", b["changes"][0]), b
        assert re.search(r"since Summer 2025|Summer 2025: not", b["changes"][1]), b
    assert sum(bool(re.match(r"(up|down) ", c)) for b in boxes for c in b["changes"]) >= 6


def test_the_final_workbook_is_a_published_standard_workbook(final_run):
    book = openpyxl.load_workbook(final_run / "tables.xlsx")
    assert book.sheetnames == ["Cover", "Contents", "Notes", *(f"Table {i}"
                                                              for i in range(1, 7))]
    for name, title in zip(book.sheetnames[3:], TITLES, strict=True):
        assert str(book[name]["A1"].value).startswith(title)
    cover = " ".join(str(c.value) for row in book["Cover"].iter_rows() for c in row
                     if c.value)
    assert "Summer 2026" in cover and "provisional" not in cover.lower()
    numbers = 0
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                v = cell.value
                if isinstance(v, str):
                    assert problems(v) == [], (sheet.title, cell.coordinate, v)
                    assert not re.fullmatch(r"[£+-]?[\d,]+(\.\d+)?%?", v.strip()), \
                        (sheet.title, cell.coordinate, v)
                elif isinstance(v, int | float) and sheet.title.startswith("Table"):
                    numbers += 1
                    assert cell.number_format != "General", (sheet.title, cell.coordinate)
    assert numbers > 70
    notes = " ".join(str(c.value) for row in book["Notes"].iter_rows() for c in row
                     if c.value)
    assert "[c] confidential" in notes


# -- layout faults a member would see --------------------------------------------------------


_BOXES = """() => [...document.querySelectorAll('svg text')]
    .filter(t => t.textContent.trim() && getComputedStyle(t).opacity !== '0')
    .map(t => { const r = t.getBoundingClientRect();
                return {text: t.textContent, x: r.left, y: r.top, w: r.width, h: r.height,
                        svg: [...document.querySelectorAll('svg.main-svg, body > svg')]
                             .findIndex(s => s.contains(t))}; })
    .filter(b => b.w > 0 && b.h > 0)"""


def _overlaps(boxes: list[dict], slack: float = 1.0) -> list[tuple[str, str]]:
    """Pairs of text boxes of one chart that intersect by more than ``slack`` pixels."""
    out = []
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            if a.get("chart") != b.get("chart"):
                continue
            dx = min(a["x"] + a["w"], b["x"] + b["w"]) - max(a["x"], b["x"])
            dy = min(a["y"] + a["h"], b["y"] + b["h"]) - max(a["y"], b["y"])
            if dx > slack and dy > slack:
                out.append((a["text"], b["text"]))
    return out


@pytest.fixture(scope="module")
def print_charts(final_run) -> list[bytes]:
    """The chart images the PDF was printed with: the report's figures drawn by kaleido
    at the printed width (the same call ``--pdf`` makes)."""
    from eyanalysis.present import pdf

    printed = pdf.print_html((final_run / "report.html").read_text(encoding="utf-8"))
    images = re.findall(r'src="data:image/svg\+xml;base64,([^"]+)"', printed)
    return [base64.b64decode(i) for i in images]


def test_no_chart_label_is_drawn_over_another_text_in_the_printed_charts(browser,
                                                                           print_charts):
    """The printed charts (kaleido SVG, 672 px wide): no end label over an axis tick
    ("£143k" over "150"), no point label over a panel title ("939")."""
    assert len(print_charts) >= 6
    tab = browser.new_page(viewport={"width": 800, "height": 600})
    try:
        found = {}
        for i, svg in enumerate(print_charts):
            tab.set_content("<html><body style='margin:0'>" + svg.decode("utf-8")
                            + "</body></html>")
            boxes = [{**b, "chart": 0} for b in tab.evaluate(_BOXES)]
            assert len(boxes) > 8, i
            if bad := _overlaps(boxes):
                found[i] = bad
                tab.screenshot(path=str(ARTIFACTS / f"report-final-chart-{i}.png"))
    finally:
        tab.close()
    assert found == {}


def test_no_chart_label_is_drawn_over_another_text_on_the_page(page):
    boxes = page.evaluate(_BOXES.replace("svg text", ".js-plotly-plot svg text"))
    charts = page.evaluate("() => [...document.querySelectorAll('.js-plotly-plot')]"
                           ".map(p => [...p.querySelectorAll('svg text')]"
                           ".filter(t => t.textContent.trim()).length)")
    # tag each box with its chart (the page's plots in order)
    owner = page.evaluate("""() => [...document.querySelectorAll('.js-plotly-plot svg text')]
        .filter(t => t.textContent.trim() && getComputedStyle(t).opacity !== '0')
        .filter(t => { const r = t.getBoundingClientRect(); return r.width > 0 && r.height > 0; })
        .map(t => [...document.querySelectorAll('.js-plotly-plot')]
                  .findIndex(p => p.contains(t)))""")
    assert len(owner) == len(boxes) and len(charts) >= 6
    tagged = [{**b, "chart": c} for b, c in zip(boxes, owner, strict=True)]
    assert _overlaps(tagged) == []


def _words(pdf: Path, page_no: int) -> list[tuple[float, float, float, float, str]]:
    """Word boxes (xmin, ymin, xmax, ymax, word) of one page, from pdftotext -bbox."""
    out = _pdftotext(pdf, "-bbox", "-f", str(page_no), "-l", str(page_no))
    return [(float(a), float(b), float(c), float(d), html_unescape(w)) for a, b, c, d, w in
            re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" '
                       r'yMax="([\d.]+)">([^<]*)</word>', out)]


def html_unescape(text: str) -> str:
    import html

    return html.unescape(text)


def test_funding_row_labels_take_at_most_two_lines_in_the_pdf(final_run, pdf_pages):
    title = "Inclusion Supplement, Early Years Pupil Premium and other funding"
    page_no = next(i for i, p in enumerate(pdf_pages, 1)
                   if title in _squash(p) and "Funding line" in p)
    words = _words(final_run / "report.pdf", page_no)
    head = next(w for w in words if w[4] == "Funding" and any(  # the stub's column label
        v[4] == "line" and abs(v[1] - w[1]) < 2 for v in words))
    last = next(w for w in words if w[4] == "lines" and w[1] > head[1]
                and any(v[4] == "funding" and abs(v[1] - w[1]) < 2 for v in words))
    amounts = sorted({round(w[1]) for w in words
                      if w[4].startswith("£") and head[1] < w[1] <= last[3]})
    children = next(w for w in words if w[4] == "(distinct)")  # the next column's label
    stub = [w for w in words if w[2] < children[0] - 5 and head[3] < w[1] <= last[3]
            and not w[4].startswith("£") and not w[4].replace(",", "").isdigit()]
    lines = sorted({round(w[1]) for w in stub})
    assert len(amounts) == 9  # five levels, all levels, Pupil Premium, DAF, all lines
    assert len(lines) <= 2 * len(amounts), lines
    assert max(w[2] for w in stub) - head[0] > 120  # the stub is wide, not squeezed


def test_a_section_heading_is_on_the_page_of_what_follows_it(page, pdf_pages):
    """A heading and its sentences never end a page with their chart or table on the
    next: the chart title (or table title) after each heading is on the heading's page."""
    follows = page.evaluate("""() => [...document.querySelectorAll('.ey-section h2')].map(h =>
        { const all = [...document.querySelectorAll('.ey-section h2, .js-plotly-plot .gtitle,'
                                                    + ' .gt_title')];
          const next = all[all.indexOf(h) + 1];
          return [h.innerText.trim(), h.nextElementSibling.innerText.trim(),
                  next ? next.textContent.trim() : '']; })""")
    assert [h for h, _, _ in follows] == HEADINGS
    for heading, sentence, after in follows:
        assert after, heading
        opening = rf"^[ \t]*{re.escape(heading)}[ \t]*\n\s*{re.escape(sentence.split()[0])}"
        where = [i for i, p in enumerate(pdf_pages) if re.search(opening, p, re.M)]
        assert len(where) == 1, (heading, where)
        assert _squash(after)[:40] in _squash(pdf_pages[where[0]]), (heading, after,
                                                                     where[0] + 1)


def test_the_meta_block_prints_clear_of_the_headline_figures(pdf_pages):
    first = pdf_pages[0]
    labels = ["Period", "Counted on", "Produced on", "Data source", "Produced with",
              "Contact", "Next update"]
    rows = [next((i for i, line in enumerate(first.splitlines())
                  if re.match(rf"\s*{label}\s{{2,}}\S", line)), None) for label in labels]
    assert None not in rows, first[:1500]
    assert rows == sorted(rows)
    headline = next(i for i, line in enumerate(first.splitlines())
                    if line.strip() == "Headline figures")
    assert rows[-1] < headline


def test_the_sources_table_shows_the_contact_as_words(page, pdf_pages):
    sources = page.inner_text(".ey-sources")
    assert CONTACT in sources
    assert "{'" not in sources and "'team'" not in sources
    printed = "\n".join(pdf_pages).split("Sources and assumptions", 1)[1]
    assert "{'" not in printed and "'email'" not in printed

"""The termly report as a statistical release, its workbook and CSVs (issue #11), tested on
the outputs a reader opens: ``report.html`` in headless chromium, ``tables.xlsx`` through
openpyxl as Excel reads it, the CSVs as bytes (the PDF: ``test_report_final.py``, on a
final release).

Every test reads the session's one termly run (``termly_run``: 2026-AUT as on 1 December
2026, provisional); the funding gap is checked in-process against the funding table.
"""

from __future__ import annotations

import re

import openpyxl
import pandas as pd
import pytest

from tests.browser import VISIBLE_TEXT, launched_chromium, opened_report, screenshot
from tests.conftest import SESSION_TODAY

SECTIONS = ["support_levels", "children_by_level", "funding", "panel_activity", "visits",
            "flags"]
TITLES = ["Settings by support level", "Funded children by SEND level and funding age",
          "Inclusion Supplement, Early Years Pupil Premium and other funding",
          "Inclusion panel applications by kind", "Advisory visits by type", "Notable flags"]

# What a reader must never see outside the sources table.
SNAKE = re.compile(r"\b[a-z][a-z0-9]*_[a-z0-9_]+\b")
RULE_ID = re.compile(r"\b(?:F|P|X|M|C|L|O|S|D|E|I)\d{1,2}\b")
TERM_CODE = re.compile(r"\b\d{4}-(?:AUT|SPR|SUM)\b")
REPR = re.compile(r"DataFrame|dtype|Timestamp\(|<NA>|\bNaN\b|\bNone\b|\bnan\b|\[\s*'|"
                  r"array\(|object at 0x|Series\(|\bTrue\b|\bFalse\b|\{'")
RAW_MONEY = re.compile(r"£\d{4,}|£\d+\.\d{3,}|\bpence\b|\d{5,}|\d+\.\d{3,}")
PROVISIONAL = re.compile(r"so far this term|on 1 December 2026|provisional")


def problems(text: str) -> list[str]:
    """Every code, snake_case name, rule id, term code, repr or unformatted number in
    ``text``, with some context."""
    found = []
    for name, pattern in (("snake_case", SNAKE), ("rule id", RULE_ID), ("term code",
                          TERM_CODE), ("repr", REPR), ("raw number", RAW_MONEY)):
        for m in pattern.finditer(text):
            found.append(f"{name}: ...{text[max(0, m.start() - 40):m.end() + 40]!r}...")
    return found


@pytest.fixture(scope="module")
def browser():
    yield from launched_chromium()


@pytest.fixture(scope="module")
def page(browser, termly_run):
    """The report open in headless Debian chromium (never a downloaded browser)."""
    yield from opened_report(browser, termly_run.folder / "report.html")


@pytest.fixture(scope="module")
def visible(page) -> str:
    """The page's visible text, the sources table left out."""
    return page.evaluate(VISIBLE_TEXT)


def test_report_html_shows_no_code_repr_or_raw_number(page, visible):
    shot = screenshot(page, "report-top")
    assert len(visible) > 3000, visible[:500]
    assert problems(visible) == [], f"screenshot: {shot}"
    assert "Sources and assumptions" in page.inner_text("body")  # the one exception
    cells = page.evaluate("() => [...document.querySelectorAll('.gt_table td')]"
                          ".map(td => td.innerText.trim())")
    assert len(cells) > 80
    assert "c" not in cells and "[c]" in cells  # suppression shows as the GSS symbol


def test_chart_text_has_labels_not_codes(page):
    """Every chart's visible text (titles, axes, labels) reads as words."""
    texts = page.evaluate("() => [...document.querySelectorAll('.js-plotly-plot')].map(p =>"
                          " [...p.querySelectorAll('text')].map(t => t.textContent)"
                          ".join(' | '))")
    assert len(texts) >= 6
    joined = " || ".join(texts)
    assert problems(joined) == []
    assert "Intensive support" in joined and "£" in joined
    assert not page.query_selector(".modebar-container .modebar-btn")  # no toolbar


def test_every_table_has_its_notes_symbol_key_and_source(page):
    tables = page.evaluate("""() => [...document.querySelectorAll('.gt_table')].map(t => ({
        title: (t.querySelector('.gt_title') || {}).innerText || '',
        body: (t.querySelector('tbody') || {}).innerText || '',
        foot: (t.querySelector('tfoot') || {}).innerText || ''}))""")
    assert [t["title"].strip() for t in tables] == TITLES
    for t in tables:
        assert "Source:" in t["foot"] and "Note 1" in t["foot"], t
        if "[c]" in t["body"]:
            assert "[c] confidential" in t["foot"], t["title"]


def test_headline_figures_show_both_changes(page, visible):
    boxes = page.evaluate("""() => [...document.querySelectorAll('.ey-key')].map(k => ({
        value: k.querySelector('.ey-key-value').innerText,
        label: k.querySelector('.ey-key-label').innerText,
        changes: [...k.querySelectorAll('li')].map(li => li.innerText)}))""")
    assert [b["label"].split(" so far")[0] for b in boxes] == [
        "Settings in Intensive support",
        "Funded children at a graduated level (distinct children)",
        "Inclusion Supplement spend", "Early Years Pupil Premium spend",
        "Panel applications awaiting a decision", "Advisory visits missed"]
    for b in boxes:
        assert re.fullmatch(r"£?[\d,.]+[km]?|\[c\]", b["value"]), b
        assert len(b["changes"]) == 2, b
        assert "since Summer 2026" in b["changes"][0] or "Summer 2026:" in b["changes"][0]
        assert "since Autumn 2025" in b["changes"][1] or "Autumn 2025:" in b["changes"][1]
    assert any(re.match(r"(up|down) ", c) for b in boxes for c in b["changes"])
    assert "Counted on" in visible and "Next update" in visible and "Contact" in visible
    assert "eyanalysis version" in visible


def test_a_provisional_release_says_so_in_every_sentence_and_heading(page):
    sentences = page.evaluate("() => [...document.querySelectorAll('.ey-sentence')]"
                              ".map(p => p.innerText)")
    headings = page.evaluate("() => [...document.querySelectorAll('.ey-release h1, "
                             ".ey-headlines h2, .ey-section h2')].map(h => h.innerText)")
    assert len(sentences) >= 8 and len(headings) == 8
    for text in sentences + headings:
        assert PROVISIONAL.search(text), text


def test_the_funding_gap_is_explained_by_levels_declared_after_the_start(page, sample,
                                                                          params):
    """F9: new children at a graduated level plus changed levels is exactly actual minus
    predicted, and the report says how much came from each."""
    from eyanalysis.analysis import summary

    known = sample.as_of(SESSION_TODAY)
    c = summary.Counted.of("2026-AUT", SESSION_TODAY)
    gap = summary.funding_gap(known, c, params)
    table = summary.funding(known, c, params)
    assert gap.predicted == summary.supplement_pence(table, "predicted")
    assert gap.actual == summary.supplement_pence(table, "actual")
    assert gap.new_pence + gap.changed_pence == gap.gap != 0
    assert gap.new_children > 0
    text = page.evaluate("() => [...document.querySelectorAll('.ey-sentence')]"
                         ".map(p => p.innerText).join(' ')")
    assert "than predicted at the start of term" in text
    assert "who were not at one on the first day of term" in text
    assert "none from more children" in text


# -- the workbook and the CSVs ----------------------------------------------------------------


@pytest.fixture(scope="module")
def book(termly_run):
    return openpyxl.load_workbook(termly_run.folder / "tables.xlsx")


def test_workbook_has_cover_contents_notes_and_tables_in_report_order(book):
    names = book.sheetnames
    assert names[:3] == ["Cover", "Contents", "Notes"]
    assert names[3:] == [f"Table {i}" for i in range(1, 7)]
    titles = [book[n]["A1"].value for n in names[3:]]
    for title, expected in zip(titles, TITLES, strict=True):
        assert title.startswith(expected), (title, expected)
    cover = " ".join(str(c.value) for row in book["Cover"].iter_rows() for c in row
                     if c.value)
    assert "Autumn 2026" in cover and "Email" in cover and "provisional" in cover.lower()
    notes = " ".join(str(c.value) for row in book["Notes"].iter_rows() for c in row
                     if c.value)
    assert "[c] confidential" in notes


def test_every_number_in_the_workbook_is_a_number_cell_with_a_format(book):
    numbers = 0
    for name in book.sheetnames[3:]:
        for row in book[name].iter_rows():
            for cell in row:
                v = cell.value
                if isinstance(v, int | float) and not isinstance(v, bool):
                    numbers += 1
                    assert cell.number_format != "General", (name, cell.coordinate, v)
                elif isinstance(v, str):
                    assert not re.fullmatch(r"[£+-]?[\d,]+(\.\d+)?%?", v.strip()), \
                        (name, cell.coordinate, v)
                    assert v.strip() != "c", (name, cell.coordinate)
    assert numbers > 70  # the unsuppressed counts and amounts of the six tables
    funding = book["Table 3"]
    money = [c for row in funding.iter_rows() for c in row if isinstance(c.value, float)]
    assert money and all("£" in c.number_format for c in money)


def test_csvs_carry_the_bom_labels_and_bracketed_symbols(termly_run):
    folder = termly_run.folder / "tables"
    assert sorted(p.stem for p in folder.glob("*.csv")) == sorted(SECTIONS)
    symbols = 0
    for name in SECTIONS:
        raw = (folder / f"{name}.csv").read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf"), name
        frame = pd.read_csv(folder / f"{name}.csv", dtype=str, keep_default_na=False,
                            encoding="utf-8-sig")
        assert not any(SNAKE.fullmatch(c) for c in frame.columns), frame.columns
        cells = set(frame.to_numpy().ravel())
        assert "c" not in cells
        symbols += "[c]" in cells
    assert symbols >= 1
    funding = pd.read_csv(folder / "funding.csv", dtype=str, encoding="utf-8-sig")
    assert "Predicted at the start of term (£)" in funding.columns


def test_the_notebook_reads_like_its_report(termly_run):
    """Item 4: every output of the summary notebook run headless is a formatted table, a
    sentence block or a chart: no printed text, no raw DataFrame, no repr, no list."""
    from tests import notebooks as nbt

    nb = nbt.read(termly_run.notebook("termly_summary"))
    shown = nbt.outputs(nb)
    assert len(shown) >= 15
    for o in shown:
        assert o["output_type"] in ("display_data", "execute_result"), o
        data = o.get("data", {})
        assert "text/html" in data or nbt.PLOTLY in data, list(data)
        page = data.get("text/html", "")
        assert 'class="dataframe' not in page and "<pre" not in page, page[:300]
    sections = [o["data"]["text/html"] for o in shown
                if "class='ey-section'" in o.get("data", {}).get("text/html", "")]
    assert len(sections) == 6
    for block in sections:  # each section opens with the sentence that answers it
        assert re.search(r"</h2><p class='ey-sentence'>\S", block), block[:300]

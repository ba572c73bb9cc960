"""The presentation layer in Debian's chromium (Playwright; GUIDE.md §1), every network
request refused: interactive tables (itables) sort, search and download offline and show
numbers as format.py does; publication tables fit an A4 page without a scroll bar."""

from __future__ import annotations

import contextlib

import openpyxl
import pytest

from eyanalysis.present import format as fmt
from eyanalysis.present import meta, tables
from tests import present_cases as cases
from tests.browser import FILES, launched_chromium, only_requests_to

A4_WIDTH_PX = 794  # 210 mm at 96 dpi


@pytest.fixture(scope="module")
def browser():
    yield from launched_chromium()


def offline_page(browser, html: str, folder, width: int = 1200):
    """A page loaded from file:// with every other request aborted and recorded."""
    path = folder / "page.html"
    path.write_text(f"<!doctype html><html lang='en'><head><meta charset='utf-8'>"
                    f"<title>t</title></head><body>{html}</body></html>", encoding="utf-8")
    context = browser.new_context(viewport={"width": width, "height": 900},
                                  accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.errors = []
    page.attempted = only_requests_to(page, FILES)
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.goto(path.as_uri(), wait_until="load")
    return context, page


@pytest.fixture(scope="module")
def interactive(browser, tmp_path_factory):
    folder = tmp_path_factory.mktemp("itables")
    funding, spec = cases.funding()
    long, long_spec = cases.settings(60)
    html = (tables.interactive_library()
            + tables.interactive_html(funding, spec, limit=cases.LIMIT)
            + tables.interactive_html(long, long_spec, limit=cases.LIMIT, page_length=25))
    context, page = offline_page(browser, html, folder)
    with contextlib.suppress(Exception):  # the assertions below say what rendered
        page.wait_for_function(
            "() => document.querySelectorAll('.dt-container tbody tr').length >= 29")
    yield page, folder
    context.close()


def body(page, table: str) -> list[list[str]]:
    return page.eval_on_selector_all(
        f"#{table} tbody tr",
        "rows => rows.map(r => [...r.querySelectorAll('td')].map(c => c.innerText.trim()))")


def test_interactive_tables_load_offline_without_errors(interactive):
    page, _ = interactive
    assert page.locator(".dt-container").count() == 2, page.content()[:2000]
    assert page.attempted == [] and page.errors == []


def test_headers_are_labels_and_cells_read_as_format_writes_them(interactive):
    page, _ = interactive
    frame, spec = cases.funding()
    headers = page.eval_on_selector_all("#itable_funding thead th",
                                        "ths => ths.map(t => t.innerText.trim())")
    assert headers == [c.label for c in spec.columns.values()]
    expected = meta.display(frame, spec).iloc[:-1].values.tolist()  # total row shown apart
    assert body(page, "itable_funding") == expected
    total = page.locator("#ey_funding .ey-note").first.inner_text()
    assert total.startswith("Total: Children 225; Predicted at start of term £32,896.62")


def test_sorting_is_numeric_with_symbols_first(interactive):
    page, _ = interactive

    def amounts():
        return [int(row[2].replace("£", "").replace(",", "").replace(".", ""))
                for row in body(page, "itable_settings_long")]

    before = amounts()
    assert before != sorted(before)  # the data are not in order to begin with
    page.locator('#itable_settings_long thead th[data-dt-column="2"]').click()  # Amount
    page.wait_for_selector(
        '#itable_settings_long thead th[data-dt-column="2"][aria-sort="ascending"]')
    after = amounts()
    frame, _ = cases.settings(60)
    assert after == sorted(frame.amount)[:25]  # numeric order over all 60, first page of 25
    page.locator('#itable_funding thead th[data-dt-column="3"]').click()  # Actual
    # DataTables redraws after the click: read the rows once the header says it sorted
    page.wait_for_selector('#itable_funding thead th[data-dt-column="3"][aria-sort="ascending"]')
    order = [row[0] for row in body(page, "itable_funding")]
    assert order[2:] == ["Graduated Response 2", "Graduated Response 3"]
    assert set(order[:2]) == {"Graduated Response 4", "Exceptional Early Years Funding"}


def test_search_filters_rows(interactive):
    page, _ = interactive
    box = page.locator("#ey_funding input[type=search]")
    box.fill("Exceptional")
    page.wait_for_function("() => document.querySelectorAll('#itable_funding tbody tr')"
                           ".length === 1")
    assert body(page, "itable_funding")[0][0] == "Exceptional Early Years Funding"
    box.fill("£22,310.50")  # what the reader sees is what the search finds
    page.wait_for_function("() => document.querySelectorAll('#itable_funding tbody tr')"
                           ".length === 1")
    assert body(page, "itable_funding")[0][0] == "Graduated Response 3"
    box.fill("")


def test_csv_and_excel_downloads_carry_labels_units_and_exact_numbers(interactive):
    page, folder = interactive
    with page.expect_download() as got:
        page.locator("#ey_funding button", has_text="Download CSV").click()
    csv_path = folder / "funding.csv"
    got.value.save_as(csv_path)
    raw = csv_path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel shows the £
    lines = raw.decode("utf-8-sig").splitlines()
    header = next(line for line in lines if line.startswith('"SEND level"'))
    assert header == ('"SEND level","Children","Predicted at start of term (£)",'
                      '"Actual (£)","Share of actual (%)"')
    assert any(line.startswith('"Graduated Response 2","122","11686.50","12900.00","35.79')
               for line in lines)
    assert any('"[c]"' in line for line in lines)
    with page.expect_download() as got:
        page.locator("#ey_funding button", has_text="Download Excel").click()
    xlsx = folder / "funding.xlsx"
    got.value.save_as(xlsx)
    ws = openpyxl.load_workbook(xlsx).active
    values = {c.value: c for row in ws.iter_rows() for c in row if c.value is not None}
    assert values[11686.5].data_type == "n" and values[122].data_type == "n"
    assert values["[c]"].data_type == "s"


def test_publication_tables_fit_an_a4_page_without_scrolling(browser, tmp_path):
    html = "".join(tables.publication_html(frame, spec, limit=cases.LIMIT)
                   for frame, spec in (cases.children(), cases.funding(), cases.settings(5)))
    context, page = offline_page(browser, f"<div style='margin: 0 16mm'>{html}</div>",
                                 tmp_path, width=A4_WIDTH_PX)
    try:
        widths = page.eval_on_selector_all(
            ".ey-table", "ds => ds.map(d => [d.scrollWidth, d.clientWidth])")
        assert len(widths) == 3 and all(s <= c for s, c in widths), widths
        assert page.evaluate("document.documentElement.scrollWidth") <= A4_WIDTH_PX
        assert page.attempted == []
        cell = page.locator("#funding tbody tr").first.locator("td").nth(2).inner_text()
        assert cell == fmt.money(1168650)
    finally:
        context.close()

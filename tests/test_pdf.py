"""The PDF of a report page (issue #11): charts as static images drawn by kaleido with
Debian's chromium, A4 through weasyprint, page numbers, table rows never split, the header
repeated. Checked on the PDF itself with poppler's pdftotext and pdftoppm."""

from __future__ import annotations

import re
import shutil
import subprocess

import plotly.graph_objects as go
import pytest
from plotly.offline import get_plotlyjs

from eyanalysis.errors import PresentationError
from eyanalysis.present import pdf, tables
from eyanalysis.present.charts import style
from tests import present_cases as cases

ROWS = 90


def poppler(tool: str) -> str:
    found = shutil.which(tool)
    if not found:
        pytest.fail(f"{tool} not found: install Debian's poppler-utils "
                    "(apt-get install -y poppler-utils).", pytrace=False)
    return found


def chart() -> go.Figure:
    fig = style.level_bars({"NE": 6459, "GR1": 330, "GR2": 119, "GR3": 34, "GR4": 12,
                            "EXC": "c"},
                           title_text="Graduated Response 1 is the most common level",
                           subtitle="Funded children by SEND level, Summer 2026",
                           axis_title="Children", limit=cases.LIMIT)
    return fig


def report_page() -> str:
    """A report page as a browser gets it: plotly.js once, interactive figures, tables."""
    frame, spec = cases.settings(ROWS)
    children, children_spec = cases.children()
    body = ["<h1>Early years termly statistics: Summer 2026</h1>",
            "<p>Figures for Summer 2026 (1 April to 31 August 2026).</p>",
            style.html(chart()),
            tables.publication_html(children, children_spec, limit=cases.LIMIT),
            "<h2>Settings</h2>",
            tables.publication_html(frame, spec, limit=cases.LIMIT)]
    return ("<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Report</title>"
            f"<script>{get_plotlyjs()}</script></head><body>" + "\n".join(body)
            + "</body></html>")


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pdf")
    page = report_page()
    printed = pdf.print_html(page)
    path = pdf.write_pdf(printed, folder / "report.pdf")
    return path, printed


def pdftotext(path, *args) -> str:
    return subprocess.run([poppler("pdftotext"), "-layout", *args, str(path), "-"],
                          capture_output=True, text=True, check=True).stdout


def test_print_html_swaps_each_figure_for_an_image_and_drops_scripts(report):
    _, printed = report
    assert "<script" not in printed.lower()
    images = re.findall(r'<img src="data:image/svg\+xml;base64,[^"]+" alt="([^"]*)"', printed)
    assert images == ["Graduated Response 1 is the most common level. Funded children by "
                      "SEND level, Summer 2026"]
    assert "plotly-graph-div" not in printed


def test_print_html_reads_figures_from_the_notebook_renderer():
    import plotly.io as pio

    fig = go.Figure(go.Bar(x=["a", "b"], y=[1, 2]), layout={"title": "Two bars"})
    bundle = pio.renderers["notebook"].to_mimebundle(fig.to_dict())
    printed = pdf.print_html(f"<html><body>{bundle['text/html']}</body></html>", fmt="png")
    assert printed.count('<img src="data:image/png;base64,') == 1
    assert 'alt="Two bars"' in printed and "<script" not in printed


def test_a_page_whose_figure_has_no_div_is_refused():
    fig = go.Figure(go.Bar(x=["a"], y=[1]))
    broken = style.html(fig, div_id="chart1").replace('id="chart1"', 'id="other"')
    with pytest.raises(PresentationError, match="chart1"):
        pdf.print_html(broken)


def test_pdf_is_a4_with_page_numbers(report):
    path, _ = report
    info = subprocess.run([poppler("pdfinfo"), str(path)], capture_output=True, text=True,
                          check=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    assert pages >= 3
    assert re.search(r"Page size:\s+595\.\d+ x 841\.\d+ pts \(A4\)", info)
    for n in range(1, pages + 1):
        assert f"Page {n} of {pages}" in pdftotext(path, "-f", str(n), "-l", str(n))


def test_pdf_has_the_text_chart_and_every_table_row_whole(report):
    path, _ = report
    text = pdftotext(path)
    assert "Early years termly statistics: Summer 2026" in text
    assert "Graduated Response 1 is the most common level" in text  # the chart, as SVG text
    assert "[c] confidential" in text
    frame, _ = cases.settings(ROWS)
    for _, row in frame.iterrows():
        amount = f"£{row.amount // 100:,}.{row.amount % 100:02d}"
        line = re.search(rf"^.*{row.setting}.*$", text, re.M)
        assert line, f"{row.setting} missing from the PDF"
        assert amount in line.group(0), f"{row.setting}: row split or amount missing"


def test_long_table_repeats_its_header_on_each_page(report):
    path, _ = report
    pages = pdftotext(path).split("\f")  # pdftotext ends each page with a form feed
    with_rows = [p for p in pages if "Setting 0" in p]
    assert len(with_rows) >= 2
    for page in with_rows:
        assert re.search(r"Setting\s+Children\s+Amount", page), page[:400]


def test_first_page_renders_to_an_image_with_ink(report, tmp_path):
    from PIL import Image

    path, _ = report
    subprocess.run([poppler("pdftoppm"), "-r", "50", "-png", "-f", "1", "-l", "1",
                    str(path), str(tmp_path / "page")], check=True)
    image = Image.open(next(tmp_path.glob("page*.png"))).convert("L")
    dark = sum(image.histogram()[:128]) / (image.width * image.height)
    assert image.width < image.height  # portrait
    assert 0.01 < dark < 0.5, dark  # text and bars drawn, not blank, not black


def test_a_short_table_stays_on_one_page_with_its_key_and_source(report):
    path, _ = report
    pages = pdftotext(path).split("\f")
    holding = [i for i, p in enumerate(pages) if "Funded children by SEND level and funding age"
               in p]
    assert len(holding) == 1, "the short table's title is on more than one page"
    page = pages[holding[0]]
    for text in ("Normal entitlement", "Exceptional Early Years Funding", "Total",
                 "[c] confidential", "Source: Termly attendance returns"):
        assert text in page, f"{text!r} is not on the page that holds the table"


def test_a_missing_browser_is_named_instead_of_waited_for(monkeypatch, tmp_path):
    monkeypatch.setenv("BROWSER_PATH", str(tmp_path / "chrome"))
    with pytest.raises(PresentationError, match="not an executable browser"):
        pdf.browser_path()
    monkeypatch.delenv("BROWSER_PATH")
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(PresentationError, match="apt-get install -y chromium"):
        pdf.browser_path()
    monkeypatch.setenv("PATH", "/usr/bin")
    assert pdf.browser_path() == "/usr/bin/chromium"

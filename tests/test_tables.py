"""Publication tables (great_tables) and their metadata, checked on the HTML a reader gets
(issue #11): labels not codes, formatted numbers, symbols with their key under the table,
notes and source, no index column. The interactive tables are checked in a browser in
tests/test_present_browser.py."""

from __future__ import annotations

import re
from decimal import Decimal
from html.parser import HTMLParser

import pandas as pd
import pytest

from eyanalysis.errors import PresentationError
from eyanalysis.present import meta, tables
from eyanalysis.present.meta import Column, TableSpec
from eyanalysis.vocabulary import LEVELS
from tests import present_cases as cases


class Page(HTMLParser):
    """Visible text of an HTML fragment, and its table rows as lists of cell texts."""

    def __init__(self, html: str):
        super().__init__()
        self.text: list[str] = []
        self.rows: list[tuple[str, list[str]]] = []  # (section, cells)
        self.bold_rows: list[int] = []
        self._skip = 0
        self._section = ""
        self._cell: list[str] | None = None
        self._row: list[str] | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        if tag in ("style", "script"):
            self._skip += 1
        elif tag in ("thead", "tbody", "tfoot"):
            self._section = tag
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("style", "script"):
            self._skip -= 1
        elif tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.rows.append((self._section, self._row))
            self._row = None

    def handle_data(self, data):
        if self._skip:
            return
        self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)

    @property
    def visible(self) -> str:
        return " ".join(" ".join(self.text).split())

    def body(self) -> list[list[str]]:
        return [cells for section, cells in self.rows if section == "tbody"]

    def foot(self) -> list[str]:
        return [" ".join(cells) for section, cells in self.rows if section == "tfoot"]


@pytest.fixture(scope="module")
def children_html():
    frame, spec = cases.children()
    return tables.publication_html(frame, spec, limit=cases.LIMIT)


@pytest.fixture(scope="module")
def funding_html():
    frame, spec = cases.funding()
    return tables.publication_html(frame, spec, limit=cases.LIMIT)


SNAKE = re.compile(r"\b[a-z0-9]+_[a-z0-9_]+\b")
RULE_ID = re.compile(r"\b(F\d+|P1|X[1-4]|M[12]|C[1-8]|L[1-3])\b")


def test_labels_not_codes_or_snake_case(children_html):
    page = Page(children_html)
    text = page.visible
    assert "Graduated Response 3" in text and "Normal entitlement" in text
    assert "Exceptional Early Years Funding" in text
    first_column = [row[0] for row in page.body()]
    assert not set(first_column) & set(LEVELS)
    assert not SNAKE.findall(text), SNAKE.findall(text)
    assert not RULE_ID.findall(text)


def test_no_index_column_every_row_has_the_spec_columns(children_html):
    frame, spec = cases.children()
    rows = Page(children_html).body()
    assert len(rows) == len(frame)
    assert all(len(r) == len(spec.columns) for r in rows)
    assert rows[0] == ["Normal entitlement", "812", "5,647", "6,459"]


def test_numbers_formatted_money_exact_percent_one_decimal(funding_html):
    rows = Page(funding_html).body()
    assert rows[0] == ["Graduated Response 2", "122", "£11,686.50", "£12,900.00", "35.8%"]
    assert rows[-1] == ["Total", "225", "£32,896.62", "£36,040.50", "100.0%"]


def test_suppressed_cells_show_their_symbol_and_the_key_is_under_the_table(children_html):
    page = Page(children_html)
    rows = page.body()
    assert rows[3] == ["Graduated Response 3", "[c]", "[c]", "34"]
    foot = page.foot()
    keys = [line for line in foot if line.startswith("[c]")]
    assert len(keys) == 1 and "a count from 1 to 5" in keys[0]
    assert not any(line.startswith(("[x]", "[z]", "[low]")) for line in foot)
    # the key comes after the body in the document
    assert children_html.index("[c] confidential") > children_html.index("</tbody>")


def test_no_symbol_means_no_key():
    frame, spec = cases.settings(10)
    foot = Page(tables.publication_html(frame, spec, limit=cases.LIMIT)).foot()
    assert foot and not any("confidential" in line for line in foot)


def test_header_title_spanner_notes_and_source(children_html):
    page = Page(children_html)
    text = page.visible
    assert text.startswith("Funded children by SEND level and funding age Summer 2026")
    assert "Funding age" in text
    foot = page.foot()
    assert foot[0] == ("Note 1 (All funded children): A child attending two settings is "
                       "counted once.")
    assert foot[-1] == "Source: Termly attendance returns (synthetic sample county)"


def test_total_row_is_bold_and_numbers_right_aligned(children_html):
    total = re.search(r'<tr>\s*<td[^>]*>Total</td>.*?</tr>', children_html, re.S).group(0)
    assert total.count("font-weight: bold") >= 4
    assert len(re.findall(r'headers="[^"]*age_2" class="gt_row gt_right"', children_html)) == 7


def test_styles_are_scoped_to_the_table(children_html):
    style = "".join(re.findall(r"<style>(.*?)</style>", children_html, re.S))
    selectors = [s.strip() for block in re.findall(r"([^{}]+)\{", style)
                 for s in block.split(",")]
    loose = [s for s in selectors if s and not s.startswith(("#children_by_level", ".ey-table",
                                                             "@media"))]
    assert loose == []


def test_text_is_escaped():
    frame = pd.DataFrame({"name": ["<script>alert(1)</script>", "=1+1"], "n": [10, 20]})
    spec = TableSpec(name="typed", title="Typed text",
                     columns={"name": Column("Name"), "n": Column("Settings", "count")})
    out = tables.publication_html(frame, spec, limit=cases.LIMIT)
    assert "<script>alert" not in out and "&lt;script&gt;alert(1)" in out
    spec = TableSpec(name="typed", title="<i>T</i>", subtitle="<u>S</u>", notes=["<em>n</em>"],
                     columns={"n": Column("<b>N</b>", "count")}, source="<s>src</s>")
    out = tables.publication_html(frame, spec, limit=cases.LIMIT)
    assert not any(tag in out for tag in ("<i>", "<u>", "<em>", "<b>", "<s>"))


def test_expected_counts_are_whole_children_with_the_rounding_stated():
    frame = pd.DataFrame({"level": ["GR2", "GR3"], "expected": [9314.9, 2.5]})
    spec = TableSpec(name="expected", title="Expected children next term",
                     columns={"level": Column("SEND level", codes=LEVELS),
                              "expected": Column("Expected children", "expected")})
    page = Page(tables.publication_html(frame, spec, limit=cases.LIMIT))
    assert [r[1] for r in page.body()] == ["9,315", "3"]
    assert any("rounded to whole children" in line for line in page.foot())


def test_check_names_every_problem_at_once():
    frame = pd.DataFrame({"level": ["GR2", "GR9", "learning_development"],
                          "n": [3.5, 4, None]})
    spec = TableSpec(name="bad", title="Bad table",
                     columns={"level": Column("SEND level", codes=LEVELS),
                              "n": Column("Children", "count")})
    with pytest.raises(PresentationError) as err:
        meta.check(frame, spec)
    message = str(err.value)
    assert "row 1, column n" in message and "not a whole number" in message
    assert "row 2, column level: 'GR9'" in message
    assert "row 3, column level: 'learning_development'" in message
    assert "row 3, column n" in message and "[x]" in message


def test_a_missing_column_is_named():
    frame, spec = cases.children()
    with pytest.raises(PresentationError, match=r"no column\(s\) \['age_2'\]"):
        meta.check(frame.drop(columns="age_2"), spec)


@pytest.mark.parametrize("kwargs, match", [
    ({"name": "Bad Name"}, "lower-case"),
    ({"title": " "}, "a title is needed"),
    ({"spanners": {"Ages": ["age_9"]}}, "unknown columns"),
    ({"notes": [meta.Note("x", column="nope")]}, "unknown column 'nope'"),
])
def test_a_spec_that_cannot_be_shown_is_refused(kwargs, match):
    base = {"name": "t", "title": "Title", "columns": {"age_2": Column("2-year-olds", "count")}}
    with pytest.raises(PresentationError, match=match):
        TableSpec(**{**base, **kwargs})


def test_display_frame_for_notebooks_has_labels_and_formatted_text():
    frame, spec = cases.funding()
    out = meta.display(frame, spec)
    assert list(out.columns) == ["SEND level", "Children", "Predicted at start of term",
                                 "Actual", "Share of actual"]
    assert out.iloc[2].tolist() == ["Graduated Response 4", "[c]", "[c]", "[c]", "[c]"]
    assert list(out.index) == list(range(len(frame)))


def test_contact_comes_from_the_parameter_and_flags_the_placeholder(params):
    contact = meta.contact("2026-12-01", params)
    assert contact.email.endswith("@example.org") and contact.is_placeholder
    assert any("placeholder" in line for line in contact.lines())
    real = meta.Contact("Early Years Team", "earlyyears@worcestershire.gov.uk")
    assert not real.is_placeholder
    assert not any("placeholder" in line for line in real.lines())


def test_interactive_cells_are_exact_and_headers_are_labels():
    frame, spec = cases.funding()
    data = tables.interactive_frame(frame, spec)
    assert list(data.columns)[0] == "SEND level"
    share = data.iloc[0].tolist()[-1]
    assert data.iloc[0].tolist()[:-1] == ["Graduated Response 2", "122", "11686.50", "12900.00"]
    assert share.startswith("35.79") and Decimal(share) == Decimal(str(frame.share.iloc[0])) * 100
    assert data.iloc[2].tolist()[1:] == ["[c]"] * 4
    out = tables.interactive_html(frame, spec, limit=cases.LIMIT)
    assert "https://" not in out.split("<p class='ey-note'>")[0].replace(
        "https://itables.org", "").replace("https://datatables.net", "")
    assert "Total: Children 225; Predicted at start of term £32,896.62" in out


def test_notebook_display_objects_carry_the_same_html():
    frame, spec = cases.funding()
    assert tables.show(frame, spec, limit=cases.LIMIT).data == tables.publication_html(
        frame, spec, limit=cases.LIMIT)
    shown = tables.show_interactive(frame, spec, limit=cases.LIMIT).data
    assert shown.startswith('<div class="ey-interactive" id="ey_funding">')
    assert tables.interactive_library() in shown


def test_a_column_width_gives_long_row_labels_room_in_print():
    """Issue #11: the funding table's row labels wrapped to four lines in the PDF; a stub
    column can take a share of the table."""
    frame = pd.DataFrame({"line": ["Inclusion Supplement, Graduated Response 2"],
                          "children": [233]})
    spec = TableSpec(name="wide", title="Funding",
                     columns={"line": Column("Funding line", width="38%"),
                              "children": Column("Children", "count")})
    page = tables.publication_html(frame, spec, limit=6)
    assert re.search(r"<col\b[^>]*width:\s*38%", page), page[:2000]
    with pytest.raises(PresentationError, match="share of the table"):
        Column("Funding line", width="300px")


def test_the_sources_table_shows_a_contact_as_name_and_email(root):
    """Issue #11: the contact showed as a Python dict in the sources table."""
    import datetime as dt

    from eyanalysis.parameters import load_parameters
    from eyanalysis.present.notebook import sources

    params = load_parameters(root / "parameters")  # its own read log
    params.get("publication.contact", dt.date(2026, 8, 31))
    frame = sources(params)
    value = frame.set_index("parameter").loc["publication.contact", "value"]
    assert value == "Early Years Team, early.years@example.org"

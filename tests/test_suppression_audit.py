"""Attack every published table of every term of the sample (issue #15).

The tables are built by the functions the termly summary notebook calls and published by
``publish.table`` with the notebook's arguments. The attack below is written from what a
reader of the releases knows, independently of what the suppression was told: each
table's totals, the relations between its columns, hidden counts >= 1, and, across the
series of termly releases, that last term's figures reappear (support levels) and that
each panel backlog is the previous one plus applications received less those decided.
No hidden cell may be narrower than ``disclosure.audit_width``.
"""

from __future__ import annotations

import pandas as pd
import pytest

from eyanalysis.analysis import summary
from eyanalysis.present import report
from eyanalysis.present.disclosure import (
    CONFIDENTIAL,
    Shape,
    audit,
    audit_width,
    same,
    series_links,
    suppress,
    threshold,
)
from eyanalysis.rules import terms

FIRST, LAST = "2023-AUT", "2026-AUT"
TERMS = [FIRST]
while TERMS[-1] != LAST:
    TERMS.append(terms.shift(TERMS[-1], 1))

# name -> (count columns, total row?, relations a reader knows within a row)
READER = {
    "support_levels": (("this_term", "last_term"), True, ()),
    "children_by_level": (("age_2", "age_3_4", "total"), True, ("total = age_2 + age_3_4",)),
    "funding": (("children",), True, ()),
    "panel_activity": (("received", "decided", "approved", "awaiting_decision"), True,
                       ("approved <= decided",)),
    "visits": (("planned", "held", "missed"), True, ("held + missed <= planned",)),
    "flags": (("settings",), False, ()),
}
SERIES = {  # what consecutive releases tell a reader
    "support_levels": ("last_term = previous.this_term",),
    "panel_activity": ("awaiting_decision = previous.awaiting_decision + received "
                       "- decided",),
}


def published_term(ds, term: str) -> dict[str, pd.DataFrame]:
    """The release's six tables for ``term`` (counted at its end, or today while it runs),
    published as the termly report publishes them (:mod:`eyanalysis.present.report`)."""
    return report.published_tables(ds, summary.Counted.of(term))


def audit_tables(published: dict[str, pd.DataFrame], prefix: str = "") -> dict:
    """What the audit attacks, by name: every table with its shape; the funding table as
    its Supplement block (levels and their total) and its other lines, row by row."""
    out = {}
    for name, table in published.items():
        if name == "funding":
            block = report.FUNDING_BLOCK
            out[f"{prefix}funding"] = (table.iloc[:block].reset_index(drop=True),
                                       Shape(("children",), True))
            out[f"{prefix}funding lines"] = (table.iloc[block:].reset_index(drop=True),
                                             Shape(("children",), False))
        else:
            out[f"{prefix}{name}"] = (table, Shape(*READER[name]))
    return out


@pytest.fixture(scope="module")
def releases(sample):
    return {term: published_term(sample, term) for term in TERMS}


def test_the_series_covers_every_term_of_the_sample(releases):
    assert list(releases) == TERMS and len(TERMS) == 10


@pytest.mark.parametrize("term", TERMS)
def test_no_hidden_cell_of_a_term_is_narrower_than_the_audit_width(releases, params, term):
    width = audit_width(terms.counted_at(term), params)
    assert width >= threshold(terms.counted_at(term), params)
    found = audit(audit_tables(releases[term]))
    narrow = found[found.width < width]
    assert narrow.empty, narrow
    for name, table in releases[term].items():  # no small count is visible either
        counts = list(READER[name][0])
        values = table[counts].astype(str)
        as_int = values.apply(pd.to_numeric, errors="coerce")
        assert not ((as_int > 0) & (as_int < 6)).any().any(), (name, table)


def test_the_series_of_releases_does_not_narrow_any_hidden_cell(releases, params):
    """Every term's tables at once, with what consecutive releases tell a reader."""
    tables, links = {}, []
    for term in TERMS:
        tables.update(audit_tables(releases[term], prefix=f"{term} "))
    for name, (counts, total_row, relations) in READER.items():
        if name in SERIES:
            names = [f"{term} {name}" for term in TERMS]
            rows = len(releases[TERMS[0]][name])
            links += series_links(names, Shape(counts, total_row, relations, SERIES[name]),
                                  rows)
    found = audit(tables, links)
    assert len(found) > 100  # the attack has something to attack
    narrow = found[found.width < audit_width(terms.counted_at(LAST), params)]
    assert narrow.empty, narrow


def test_the_series_links_are_true_of_the_data(sample):
    """The attacker's model is right: the identities hold in the raw tables."""
    for before, now in zip(TERMS, TERMS[1:], strict=False):
        was, is_ = summary.Counted.of(before), summary.Counted.of(now)
        a, b = summary.panel_activity(sample, was), summary.panel_activity(sample, is_)
        assert (b.awaiting_decision == a.awaiting_decision + b.received - b.decided).all()
        s, t = summary.support_levels(sample, was), summary.support_levels(sample, is_)
        assert (t.last_term == s.this_term).all()


def old_suppression(sample, term):
    """The panel table of ``term`` with primary and secondary suppression only (what the
    issue found), and its audit."""
    raw = summary.panel_activity(sample, summary.Counted.of(term))
    counts = list(READER["panel_activity"][0])
    before = suppress(raw, counts, total_row=True, on=terms.counted_at(term), width=0,
                      history=[])
    return before, audit({"t": (before, Shape(*READER["panel_activity"]))})


def test_the_old_suppression_could_be_undone_exactly(sample):
    """The issue named the 2025-SPR and 2025-AUT panel tables of the sample as it then was:
    two hidden cells sharing a total of 2, so both are 1. On the regenerated sample the same
    method leaves cells a reader narrows below the threshold in most terms and pins exactly
    in some: the attack works on it."""
    found = {term: old_suppression(sample, term)[1] for term in TERMS}
    assert sum(int((f.width < 6).sum()) for f in found.values()) > 20
    assert sum(int((f.width == 0).sum()) for f in found.values()) > 0


@pytest.mark.parametrize("term", TERMS)
def test_what_the_old_suppression_left_narrow_is_not_any_more(sample, releases, term):
    counts = list(READER["panel_activity"][0])
    before, found = old_suppression(sample, term)
    published = releases[term]["panel_activity"]
    after = audit({"t": (published, Shape(*READER["panel_activity"]))})
    assert (after.width >= 6).all()
    if (found.width < 6).any():  # the audit hid more than primary and secondary did
        assert (published[counts] == CONFIDENTIAL).to_numpy().sum() > (
            before[counts] == CONFIDENTIAL).to_numpy().sum()


def test_hidden_money_cannot_be_recovered(releases):
    """Money of hidden groups (funding table): the hidden amounts of a column are never
    pinned by the total (each is at least a penny)."""
    for term in TERMS:
        table = releases[term]["funding"]
        block = table.iloc[:report.FUNDING_BLOCK]  # the levels and their total
        for col in ("predicted_pence", "actual_pence", "final_pence"):
            found = audit({"m": (pd.DataFrame({"p": block[col].tolist()}),
                                 Shape(("p",), True))})
            assert (found.width > 0).all(), (term, col, found)


def test_a_figure_published_twice_is_linked(releases):
    """The link helper ties one figure in two tables (here: support levels of one term
    and the next), and such a link changes nothing when both are visible."""
    a, b = releases["2026-SPR"]["support_levels"], releases["2026-SUM"]["support_levels"]
    assert a.this_term.tolist() == b.last_term.tolist()
    shape = Shape(*READER["support_levels"])
    found = audit({"a": (a, shape), "b": (b, shape)}, [same(("a", 0, "this_term"),
                                                           ("b", 0, "last_term"))])
    assert found.empty or (found.width >= 6).all()

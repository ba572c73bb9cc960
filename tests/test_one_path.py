"""One term calendar, one claims adapter, one F9 rule (issue #10): the code is searched so
that a copy cannot come back.

- the term calendar (term starts, ends, the term of a date, season arithmetic on term
  indices, funding-age and school-entry term counts) lives in ``eyanalysis/rules/terms.py``;
- a dataset becomes claims only in ``eyanalysis/data/claims.py`` (funding age F6, specialist
  F4, weeks F7, EYPP flag P1, the level known on a date);
- the F9 stages and payment dates live in ``eyanalysis/rules/timing.py``.

``eyanalysis/data/synth.py`` (and ``tests/test_synth.py``) are being split into a package by
another change of issue #10, which replaces their own calendar with ``rules/terms``; they are
left out here until then (``PENDING``).
"""

from __future__ import annotations

import ast
import functools
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "eyanalysis"
PENDING: set[str] = set()
CALENDAR = "eyanalysis/rules/terms.py"
CLAIMS = "eyanalysis/data/claims.py"
TIMING = "eyanalysis/rules/timing.py"
SOURCES = sorted(p for p in [*PACKAGE.rglob("*.py"), *(ROOT / "benchmarks").rglob("*.py"),
                             *(ROOT / "tests").glob("*.py")]
                 if p.relative_to(ROOT).as_posix() not in PENDING
                 and p.name != Path(__file__).name)
SEASON = re.compile(r"^-(AUT|SPR|SUM)\b")
MONTH_DAY = re.compile(r"^-?(01-01|04-01|09-01|03-31|08-31|12-31)$")


def rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def calendar_arithmetic(tree: ast.AST) -> list[str]:
    """Term-calendar idioms: season or year from a term index (``% 3``, ``// 3``), a month
    compared with a term boundary, a season-to-month table, a term id built from parts,
    a term's first or last day as a month-day fragment, birth term + 9 (three years)."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.BinOp) and isinstance(node.right, ast.Constant):
            if isinstance(node.op, (ast.Mod, ast.FloorDiv)) and node.right.value == 3:
                found.append(ast.unparse(node))
            if isinstance(node.op, (ast.Add, ast.Sub)) and node.right.value == 9:
                found.append(ast.unparse(node))
            if (isinstance(node.op, ast.Add) and isinstance(node.right.value, str)
                    and SEASON.match(node.right.value)):
                found.append(ast.unparse(node))
        if isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            if any(isinstance(s, ast.Attribute) and s.attr == "month" for s in sides) and any(
                    isinstance(s, ast.Constant) and s.value in (1, 3, 4, 8, 9) for s in sides):
                found.append(ast.unparse(node))
        if isinstance(node, ast.Dict):
            keys = {k.value for k in node.keys if isinstance(k, ast.Constant)}
            if {"AUT", "SPR", "SUM"} <= keys and all(
                    isinstance(v, ast.Constant) and isinstance(v.value, (int, str))
                    and str(v.value).strip("-").replace("-", "").isdigit()
                    for v in node.values):
                found.append(ast.unparse(node)[:60])
        if isinstance(node, ast.JoinedStr):
            parts = node.values
            for before, part in zip(parts, parts[1:], strict=False):
                if (isinstance(before, ast.FormattedValue) and isinstance(part, ast.Constant)
                        and SEASON.match(str(part.value))):
                    found.append(ast.unparse(node))
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and MONTH_DAY.match(
                node.value):
            found.append(repr(node.value))
    return found


def test_the_search_finds_each_idiom():
    """The search works: each idiom the old copies used is found."""
    old = '''
season = "SPR" if day.month < 4 else "SUM" if day.month < 9 else "AUT"
entry = year * 3 + 2; season = t % 3; year = t // 3
START = {"SPR": 1, "SUM": 4, "AUT": 9}
END = {"SPR": "03-31", "SUM": "08-31", "AUT": "12-31"}
term = f"{year}-AUT"; other = str(year) + "-SPR"
is34 = t > born + 9
'''
    assert len(calendar_arithmetic(ast.parse(old))) >= 10


@pytest.mark.parametrize("path", SOURCES, ids=rel)
def test_no_term_calendar_outside_rules_terms(path):
    if rel(path) == CALENDAR:
        return
    found = calendar_arithmetic(ast.parse(path.read_text(encoding="utf-8")))
    assert not found, (f"{rel(path)} does term-calendar arithmetic; use eyanalysis.rules."
                       f"terms instead: {found}")


def _package_sources() -> list[Path]:
    return [p for p in SOURCES if rel(p).startswith("eyanalysis/")]


@functools.cache
def _package_nodes() -> tuple[tuple[str, tuple[ast.AST, ...]], ...]:
    """Every node of every package module, docstrings and other prose left out (it may name
    a parameter), parsed once for the tests below."""
    out = []
    for path in _package_sources():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docs = {id(n.value) for n in ast.walk(tree)
                if isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant)}
        out.append((rel(path), tuple(n for n in ast.walk(tree) if id(n) not in docs)))
    return tuple(out)


def _where(predicate) -> set[str]:
    return {path for path, nodes in _package_nodes() if any(predicate(n) for n in nodes)}


def _string(node, text: str) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str) and text in node.value


def test_one_claims_adapter():
    """Only data/claims.py turns a dataset into claims: the EYPP flag of a child, a
    specialist provider type (F4), funded weeks of a term (F7) and funding age (F6)."""
    defs = _where(lambda n: isinstance(n, ast.FunctionDef) and n.name == "for_term")
    assert defs == {CLAIMS}
    assert _where(lambda n: isinstance(n, ast.Subscript) and _string(n.slice, "eypp_eligible")
                  ) == {CLAIMS}
    assert _where(lambda n: isinstance(n, ast.Compare) and "provider_type" in ast.unparse(n)
                  and any(_string(c, "specialist") for c in [n.left, *n.comparators])
                  ) == {CLAIMS}
    assert _where(lambda n: _string(n, "nef.term_weeks")) == {CLAIMS}
    # F6 per claim row in claims.py; per age cell of a projected caseload in projection.py
    assert _where(lambda n: isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
                  and n.func.attr in ("funding_age", "funding_age_of")) == {
        CLAIMS, "eyanalysis/analysis/projection.py",
        "eyanalysis/data/synth/calendar.py"}  # the generator asks the rule, never re-derives
    # the level known on a date is claims.levels_known's alone: no other module compares a
    # level_from with a date (the schema checks that it is not after its own term)
    assert _where(lambda n: isinstance(n, ast.Compare) and "level_from" in ast.unparse(n)
                  ) <= {"eyanalysis/data/schemas.py"}
    assert _where(lambda n: isinstance(n, ast.FunctionDef) and n.name == "levels_known"
                  ) == {CLAIMS}


def test_one_F9_rule():
    """The F9 stages (predicted, actual, final), the portal date and the financial year are
    defined once, in rules/timing.py."""
    for name in ("portal_date", "known_on", "financial_year", "run_dates", "stages_known"):
        assert _where(lambda n, name=name: isinstance(n, ast.FunctionDef) and n.name == name
                      ) == {TIMING}, name
    for path in ("payments.portal_weeks", "payments.financial_year_start"):
        assert _where(lambda n, path=path: _string(n, path)) == {TIMING}, path


def test_one_term_calendar():
    for name in ("start", "end", "containing", "school_entry", "funding_age", "of_dates"):
        assert _where(lambda n, name=name: isinstance(n, ast.FunctionDef) and n.name == name
                      ) == {CALENDAR}, name

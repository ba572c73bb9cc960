"""Disclosure control for every published table: one function, GSS symbols, an audit.

:func:`suppress` replaces counts from 1 to ``threshold - 1`` with ``c`` (a true zero stays
0), then applies secondary suppression so that no suppressed cell can be recovered from a
row or column total, then **audits** the result: :func:`audit` computes, for every hidden
cell, the smallest and largest value consistent with everything published (the visible
cells, row and column totals, relations a reader knows such as approved <= decided, and
hidden >= 1 because a true zero is shown as 0) by linear programming, and :func:`protect`
hides further cells until each hidden cell's interval is at least ``disclosure.audit_width``
wide. Money of suppressed groups is suppressed too. The threshold is the dated parameter
``disclosure.threshold`` (default 6: counts 1-5 are suppressed; DfE's early years
methodology). Symbols follow the GSS guidance: ``c`` confidential, ``x`` not available,
``z`` not applicable, ``low`` rounds to zero but is not zero.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from eyanalysis.parameters import Parameters, load_parameters
from eyanalysis.present import format as fmt

# The codes live with their reader's form ("[c]") and meaning in present/format.py.
CONFIDENTIAL, NOT_AVAILABLE, NOT_APPLICABLE, LOW = (fmt.CONFIDENTIAL, fmt.NOT_AVAILABLE,
                                                    fmt.NOT_APPLICABLE, fmt.LOW)



def threshold(on: dt.date | str, params: Parameters | None = None) -> int:
    return int((params or load_parameters()).get("disclosure.threshold", on))


def audit_width(on: dt.date | str, params: Parameters | None = None) -> int:
    """The narrowest interval a hidden count may have (``disclosure.audit_width``)."""
    return int((params or load_parameters()).get("disclosure.audit_width", on))


# -- what a reader knows: the shape of a table ---------------------------------------------

_RELATION = re.compile(r"^\s*(.+?)\s*(<=|>=|=)\s*(.+?)\s*$")
_TERM = re.compile(r"\s*([+-]?)\s*([A-Za-z_][\w.]*)\s*")
PREVIOUS = "previous."


def _linear(text: str, side: str, sign: float, columns: tuple[str, ...]) -> dict[str, float]:
    out: dict[str, float] = {}
    pos = 0
    while pos < len(side):
        match = _TERM.match(side, pos)
        if not match or match.end() == pos:
            raise ValueError(f"relation {text!r}: write it like 'a + b <= c'")
        name = match.group(2)
        if name.removeprefix(PREVIOUS) not in columns:
            raise ValueError(f"relation {text!r}: {name!r} is not a count column")
        coef = -sign if match.group(1) == "-" else sign
        out[name] = out.get(name, 0.0) + coef
        pos = match.end()
    return out


def parse_relation(text: str, columns: tuple[str, ...]) -> tuple[dict[str, float], str]:
    """``"held + missed <= planned"`` -> ``({held: 1, missed: 1, planned: -1}, "<=")``:
    the weighted sum is 0 (``=``) or at most 0 (``<=``). ``previous.x`` is column ``x`` of
    the same row in the previous term's table."""
    match = _RELATION.match(text)
    if not match:
        raise ValueError(f"relation {text!r}: write it like 'a + b <= c'")
    left, op, right = match.groups()
    coef = _linear(text, left, 1.0, columns)
    for name, c in _linear(text, right, -1.0, columns).items():
        coef[name] = coef.get(name, 0.0) + c
    if op == ">=":
        coef = {k: -c for k, c in coef.items()}
    return coef, "=" if op == "=" else "<="


@dataclass(frozen=True)
class Shape:
    """What a reader of a published table knows besides its visible cells.

    ``counts``: the count columns. ``total_row``: the last row is the sum of the rows
    above it, column by column. ``relations``: equations or inequalities between the count
    columns of every row (``"total = age_2 + age_3_4"``, ``"approved <= decided"``,
    ``"held + missed <= planned"``); the total row satisfies them too. ``series``:
    equations with the previous term's table of the same kind, row by row
    (``"awaiting_decision = previous.awaiting_decision + received - decided"``).
    """

    counts: tuple[str, ...]
    total_row: bool = False
    relations: tuple[str, ...] = ()
    series: tuple[str, ...] = ()

    def parsed(self) -> list[tuple[dict[str, float], str]]:
        return [parse_relation(r, self.counts) for r in self.relations]


def _fits(relation: str, counts: tuple[str, ...]) -> bool:
    try:
        parse_relation(relation, counts)
    except ValueError:
        return False
    return True


def shape_of(frame: pd.DataFrame, counts: Iterable[str], *, total_row: bool = False,
             relations: Iterable[str] = ()) -> Shape:
    """The :class:`Shape` of a table; relations default to ``frame.attrs["relations"]``
    and series relations to ``frame.attrs["series"]`` (set by the function that built the
    table, which knows them); those naming a column not published are left out."""
    counts = tuple(counts)
    given = tuple(relations) or tuple(frame.attrs.get("relations", ()))
    series = tuple(frame.attrs.get("series", ()))
    return Shape(counts, total_row, tuple(r for r in given if _fits(r, counts)),
                 tuple(r for r in series if _fits(r, counts)))


# -- the audit: intervals by linear programming -------------------------------------------

Cell = tuple[str, int, str]  # (table, row position, count column)
Equation = list[tuple[Cell, float]]  # sum of coefficient x cell = 0


def same(a: Cell, b: Cell) -> Equation:
    """The equation "cell ``a`` = cell ``b``" for :func:`audit` (one figure in two tables)."""
    return [(a, 1.0), (b, -1.0)]


def series_links(names: list[str], shape: Shape, rows: int) -> list[Equation]:
    """The equations ``shape.series`` gives between consecutive tables ``names`` (oldest
    first, e.g. one per term), each with ``rows`` rows."""
    out = []
    for text in shape.series:
        coef, kind = parse_relation(text, shape.counts)
        if kind != "=":
            raise ValueError(f"series relation {text!r}: only equations are supported")
        for before, now in zip(names, names[1:], strict=False):
            for i in range(rows):
                out.append([((before if c.startswith(PREVIOUS) else now, i,
                              c.removeprefix(PREVIOUS)), k) for c, k in coef.items()])
    return out


def published_values(frame: pd.DataFrame, counts: Iterable[str]) -> np.ndarray:
    """The count block as a reader sees it: numbers, NaN where hidden (``c``)."""
    block = frame[list(counts)].astype(object).map(
        lambda v: np.nan if v == CONFIDENTIAL else v)
    return block.apply(lambda s: pd.to_numeric(
        s.astype(str).str.replace(",", "").where(s.notna()), errors="coerce")
    ).to_numpy(float)


def audit(tables: Mapping[str, tuple[pd.DataFrame | np.ndarray, Shape]],
          links: Iterable[Equation] = (), only: Iterable[Cell] | None = None,
          touching: Iterable[Cell] | None = None) -> pd.DataFrame:
    """For every hidden cell of ``tables``, the smallest and largest value consistent
    with everything published.

    ``tables``: name -> (published frame with ``c`` for hidden cells, or the count block
    with NaN for hidden cells; its :class:`Shape`). ``links``: equations a reader knows
    between cells of different tables (or terms), each a list of ``((table, row, column),
    coefficient)`` whose weighted sum is 0 (:func:`same`, :func:`series_links`). Hidden
    counts are at least 1 (a true zero is published as 0). ``only``: compute these hidden
    cells only; ``touching``: names of tables; only the hidden cells tied by constraints
    to a cell (hidden or published) of one of these tables, the cells whose bounds these
    tables can move. Returns one row per hidden cell: ``table, row, column,
    low, high, width`` (``high`` and ``width`` infinite when nothing bounds the cell),
    bounds rounded inward to whole numbers.

    Each bound is one linear programme over the hidden cells tied to the cell, not over
    every hidden cell: a constraint between other cells cannot move its bounds
    (:class:`Programme`).
    """
    index: dict[Cell, int] = {}
    known: dict[Cell, float] = {}
    constraints: list[tuple[dict[int, float], float, str]] = []

    blocks = {}
    for name, (frame, shape) in tables.items():
        values = (published_values(frame, shape.counts) if isinstance(frame, pd.DataFrame)
                  else np.asarray(frame, dtype=float))
        blocks[name] = (values, shape)
        for i in range(values.shape[0]):
            for j, col in enumerate(shape.counts):
                key = (name, i, col)
                if np.isnan(values[i, j]):
                    index[key] = len(index)
                else:
                    known[key] = float(values[i, j])

    involved: list[set[str]] = []  # the tables each constraint mentions, visible or not

    def add(terms: Equation, kind: str) -> None:
        row: dict[int, float] = {}
        constant = 0.0
        for key, coef in terms:
            if key in index:
                row[index[key]] = row.get(index[key], 0.0) + coef
            else:
                constant += coef * known[key]
        row = {k: c for k, c in row.items() if c}
        if row:  # a constraint of published cells only teaches nothing
            constraints.append((row, -constant, kind))
            involved.append({key[0] for key, _ in terms})

    for name, (values, shape) in blocks.items():
        n = values.shape[0]
        if shape.total_row and n > 1:
            for col in shape.counts:
                add([((name, i, col), 1.0) for i in range(n - 1)] + [((name, n - 1, col),
                                                                      -1.0)], "=")
        for coef, kind in shape.parsed():
            for i in range(n):
                add([((name, i, col), c) for col, c in coef.items()], kind)
    for terms in links:
        add(list(terms), "=")

    # hidden cells tied by constraints form groups; each group is solved on its own
    parent = list(range(len(index)))

    def root(k: int) -> int:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    for row, _, _ in constraints:
        first, *rest = row
        for k in rest:
            parent[root(k)] = root(first)

    columns = ["table", "row", "column", "low", "high", "width"]
    wanted = list(index) if only is None else [k for k in only if k in index]
    if touching is not None:
        touching = set(touching)
        groups = {root(next(iter(r))) for (r, _, _), names in zip(constraints, involved,
                                                                   strict=True)
                  if names & touching}
        wanted = [k for k in wanted if root(index[k]) in groups]
    if not wanted:
        return pd.DataFrame(columns=columns)
    programmes: dict[int, Programme] = {}

    def programme(group: int) -> Programme:
        if group not in programmes:
            members = [k for k in range(len(index)) if root(k) == group]
            local = {k: n for n, k in enumerate(members)}
            programmes[group] = Programme(local, [
                ({local[k]: c for k, c in r.items()}, rhs, kind)
                for r, rhs, kind in constraints if root(next(iter(r))) == group])
        return programmes[group]

    rows = []
    for key in wanted:
        lo, hi = programme(root(index[key])).bounds(index[key])
        if lo is None:
            raise ValueError("the published tables contradict each other (no value "
                             f"fits {key}); check the shapes and links given to audit()")
        rows.append({"table": key[0], "row": key[1], "column": key[2], "low": lo,
                     "high": hi, "width": hi - lo})
    return pd.DataFrame(rows, columns=columns)


class Programme:
    """The linear programme of one group of hidden cells (each at least 1), given to the
    HiGHS solver once; each bound of a cell changes only the objective, so HiGHS starts
    from the last optimal basis instead of from nothing: three to four times faster over a
    termly release than a new ``scipy.optimize.linprog`` per bound, with the same bounds
    (docs/performance.md). HiGHS is the copy scipy ships (the solver ``linprog`` calls);
    should a scipy release move it, each bound falls back to ``linprog``.

    ``local``: cell number -> column; ``rows``: ``({column: coefficient}, right-hand side,
    "=" or "<=")``."""

    def __init__(self, local: Mapping[int, int], rows: list[tuple[dict[int, float], float,
                                                                   str]]):
        self.local = dict(local)
        self.rows = rows
        self.h = None
        if not rows:
            return
        self.core = core = highs()
        if core is None:
            self.kw = self._linprog_arguments()  # built once, for every bound
            return
        self.h = h = core._Highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("presolve", "off")  # a warm start needs the model as given
        n = len(self.local)
        h.addVars(n, np.ones(n), np.full(n, core.kHighsInf))
        for coef, rhs, kind in rows:
            cols = np.fromiter(coef, dtype=np.int32, count=len(coef))
            vals = np.fromiter(coef.values(), dtype=float, count=len(coef))
            h.addRow(rhs if kind == "=" else -core.kHighsInf, rhs, len(cols), cols, vals)

    def _solve(self, column: int, minimise: bool) -> tuple[str, float]:
        if self.h is None:
            return self._linprog(column, minimise)
        core, h = self.core, self.h
        h.changeObjectiveSense(core.ObjSense.kMinimize if minimise else
                               core.ObjSense.kMaximize)
        h.changeColCost(column, 1.0)
        try:
            h.run()
            status = h.getModelStatus()
            value = h.getInfo().objective_function_value
        finally:
            h.changeColCost(column, 0.0)
        if status == core.HighsModelStatus.kOptimal:
            return "optimal", value
        if status == core.HighsModelStatus.kInfeasible:
            return "infeasible", math.nan
        return "unbounded", math.nan

    def _linprog_arguments(self) -> dict:
        n = len(self.local)
        kw: dict = {"bounds": (1, None), "method": "highs"}
        for kind, a, b in (("=", "A_eq", "b_eq"), ("<=", "A_ub", "b_ub")):
            mine = [(r, rhs) for r, rhs, knd in self.rows if knd == kind]
            if mine:
                dense = np.zeros((len(mine), n))  # dense: the groups are small
                for i, (r, _) in enumerate(mine):
                    for k, c in r.items():
                        dense[i, k] = c
                kw[a], kw[b] = dense, np.array([rhs for _, rhs in mine])
        return kw

    def _linprog(self, column: int, minimise: bool) -> tuple[str, float]:
        from scipy.optimize import linprog

        c = np.zeros(len(self.local))
        c[column] = 1.0 if minimise else -1.0
        res = linprog(c, **self.kw)
        return ({0: "optimal", 2: "infeasible"}.get(res.status, "unbounded"),
                res.fun if minimise else -res.fun)

    def bounds(self, cell: int) -> tuple[int | None, float]:
        """The smallest and largest whole value of ``cell``, inward-rounded; ``(None,
        nan)`` when no value fits (the tables contradict each other); ``high`` is infinite
        when nothing bounds the cell."""
        if not self.rows:
            return 1, math.inf
        column = self.local[cell]
        low, lo = self._solve(column, True)
        if low == "infeasible":
            return None, math.nan
        high, hi = self._solve(column, False)
        return (math.ceil(lo - 1e-7) if low == "optimal" else 1,
                math.floor(hi + 1e-7) if high == "optimal" else math.inf)


def highs():
    """scipy's own HiGHS module (``scipy.optimize._highspy._core``), or None when this
    scipy does not have it where scipy 1.17 keeps it (then :class:`Programme` uses
    ``linprog``)."""
    try:
        from scipy.optimize._highspy import _core
    except ImportError:
        return None
    return _core if hasattr(_core, "_Highs") else None


def protect_tables(tables: dict[str, tuple[np.ndarray, np.ndarray, Shape]],
                   links: list[Equation], width: int,
                   adjustable: Iterable[str] | None = None) -> dict[str, np.ndarray]:
    """Hide further cells until :func:`audit` finds every hidden cell of ``tables`` at
    least ``width`` wide; only cells of ``adjustable`` tables (default all) may be hidden
    (tables already published are fixed).

    ``tables``: name -> (true counts, hidden mask, shape). The cell added is the smallest
    non-zero visible cell sharing a constraint with the narrowest hidden cell (its
    column's total, a relation of its row, a link), body cells before the total row. A
    zero is never hidden (a true zero is published as 0). Hiding a cell only widens
    intervals, so after the first audit only the narrow cells are audited again.
    """
    adjustable = set(tables if adjustable is None else adjustable)
    hidden = {n: h.copy() for n, (_, h, _) in tables.items()}

    def view():
        return {n: (np.where(hidden[n], np.nan, np.asarray(b, float)), s)
                for n, (b, _, s) in tables.items()}

    def partners(cell: Cell) -> set[Cell]:
        name, i, col = cell
        block, _, shape = tables[name]
        out: set[Cell] = set()
        if shape.total_row and block.shape[0] > 1:
            out |= {(name, r, col) for r in range(block.shape[0])}
        for coef, _ in shape.parsed():
            if col in coef:
                out |= {(name, i, c) for c in coef}
        for eq in links:
            if any(k == cell for k, _ in eq):
                out |= {k for k, _ in eq}
        return out

    def usable(cell: Cell) -> bool:
        name, i, col = cell
        block, _, shape = tables[name]
        j = shape.counts.index(col)
        return name in adjustable and not hidden[name][i, j] and block[i, j] > 0

    def order(cell: Cell):
        name, i, col = cell
        block, _, shape = tables[name]
        return (shape.total_row and i == block.shape[0] - 1,
                block[i, shape.counts.index(col)], cell)

    # only cells tied to the tables being published can have narrowed (the earlier ones
    # were audited when they were published)
    found = audit(view(), links, touching=adjustable)
    narrow = found[found.width < width]
    while not narrow.empty:
        worst = narrow.sort_values(["width", "table", "row", "column"]).iloc[0]
        cell = (worst.table, int(worst.row), worst.column)
        candidates = [c for c in partners(cell) if usable(c)]
        if not candidates:  # widen through the constraints of the other hidden cells
            hidden_cells = [(n, i, s.counts[j]) for n, (_, _, s) in tables.items()
                            for i, j in zip(*np.nonzero(hidden[n]), strict=True)]
            candidates = [c for h in hidden_cells for c in partners(h) if usable(c)]
        if not candidates:
            return hidden  # nothing left to hide: the audit reports what remains
        name, i, col = min(candidates, key=order)
        hidden[name][i, tables[name][2].counts.index(col)] = True
        again = [(r.table, int(r.row), r.column) for r in narrow.itertuples()] + [
            (name, i, col)]
        found = audit(view(), links, only=again)
        narrow = found[found.width < width]
    return hidden


def protect(block: np.ndarray, hidden: np.ndarray, shape: Shape, width: int) -> np.ndarray:
    """:func:`protect_tables` for one table."""
    return protect_tables({"t": (block, hidden, shape)}, [], width)["t"]


def primary(counts: np.ndarray, limit: int) -> np.ndarray:
    """Cells to suppress because they are small: 0 < count < ``limit``."""
    counts = np.asarray(counts, dtype=float)
    return (counts > 0) & (counts < limit)


def secondary(counts: np.ndarray, hidden: np.ndarray) -> np.ndarray:
    """Extend ``hidden`` so that no row or column of a 2-D table has exactly one hidden cell.

    A lone hidden cell in a row (or column) could be recovered by subtracting the others
    from the total; the smallest other non-zero cell of that row (or column) is hidden too,
    repeating until no lone hidden cell remains. Zeros are never used as partners because
    a zero reveals nothing about its neighbour.
    """
    counts = np.asarray(counts, dtype=float)
    hidden = hidden.copy()
    changed = True
    while changed:
        changed = False
        for axis in (1, 0):  # rows, then columns
            lone = hidden.sum(axis=axis) == 1
            for i in np.flatnonzero(lone):
                line = counts[i] if axis == 1 else counts[:, i]
                mask = hidden[i] if axis == 1 else hidden[:, i]
                candidates = np.where(~mask & (line > 0), line, np.inf)
                if np.isfinite(candidates).any():
                    j = int(np.argmin(candidates))
                    if axis == 1:
                        hidden[i, j] = True
                    else:
                        hidden[j, i] = True
                    changed = True
    return hidden


def suppress(
    table: pd.DataFrame,
    counts: list[str],
    *,
    money: dict[str, str] | None = None,
    limit: int | None = None,
    on: dt.date | str | None = None,
    total_row: bool = False,
    relations: Iterable[str] = (),
    width: int | None = None,
    history: Iterable[np.ndarray] | None = None,
) -> pd.DataFrame:
    """A copy of ``table`` safe to publish.

    ``counts``: the count columns (a 2-D block: rows x these columns; include a total
    column to protect it too). ``money``: ``{money column: count column}`` — the money of
    a row is hidden where that count is suppressed. ``total_row``: the last row holds
    column totals (it is protected like any other row and never used to hide others).
    ``relations``: what a reader knows between the count columns of a row (see
    :class:`Shape`; default ``table.attrs["relations"]``). ``history``: the count blocks
    (same rows and ``counts``) of the same table for earlier terms, oldest first (default
    ``table.attrs["history"]``), when ``table.attrs["series"]`` ties consecutive terms: the
    earlier tables are suppressed as they would have been published, then this one so that
    the whole series is safe. ``limit`` and ``width`` default to the
    ``disclosure.threshold`` and ``disclosure.audit_width`` parameters on ``on`` (today).
    Suppressed cells become ``"c"``; other values are unchanged.
    """
    day = on or dt.date.today()
    limit = limit if limit is not None else threshold(day)
    width = width if width is not None else audit_width(day)
    shape = shape_of(table, counts, total_row=total_row, relations=relations)
    block = table[counts].apply(pd.to_numeric, errors="coerce").fillna(0).to_numpy(float)
    if history is None:
        history = [_history_block(h, counts) for h in table.attrs.get("history", ())]
    history = [np.asarray(h, dtype=float) for h in history if h is not None]
    if not shape.series or any(h.shape != block.shape for h in history):
        history = []
    tables: dict[str, tuple[np.ndarray, np.ndarray, Shape]] = {}
    for k, values in enumerate([*history, block]):
        # each term as it was (or will be) published, earlier ones fixed (issue #15)
        name = f"t{k}"
        memo = (shape, limit, width, total_row,
                tuple(v.tobytes() for v in [*history, block][:k + 1]), values.shape)
        if memo not in _PUBLISHED:
            hidden = _first_pass(values, limit, total_row)
            while True:  # the audit's cells may leave a lone hidden cell in a row: repeat
                tables[name] = (values, hidden, shape)
                links = series_links(list(tables), shape, len(values))
                done = protect_tables(tables, links, width, adjustable=[name])[name]
                hidden = _first_pass(values, limit, total_row, done)
                if (hidden == done).all():
                    break
            _PUBLISHED[memo] = hidden
        tables[name] = (values, _PUBLISHED[memo].copy(), shape)
    hidden = tables[f"t{len(history)}"][1]
    out = table.copy().astype({c: object for c in counts})
    for j, col in enumerate(counts):
        out.loc[hidden[:, j], col] = CONFIDENTIAL
    for col, count_col in (money or {}).items():
        j = counts.index(count_col)
        out[col] = out[col].astype(object)
        out.loc[hidden[:, j], col] = CONFIDENTIAL
    return out


# Earlier terms of a series as they were published, computed once per process (the
# termly summary publishes several tables from the same history).
_PUBLISHED: dict[tuple, np.ndarray] = {}


def _first_pass(block: np.ndarray, limit: int, total_row: bool,
                hidden: np.ndarray | None = None) -> np.ndarray:
    """Primary suppression (added to ``hidden``), then secondary against row and column
    totals."""
    hidden = primary(block, limit) | (False if hidden is None else hidden)
    body = slice(0, len(block) - 1) if total_row and len(block) > 1 else slice(None)
    hidden[body] = secondary(block[body], hidden[body])
    if total_row and len(block) > 1:  # a column whose body hides cells: hide its total if small
        hidden[-1] |= primary(block[-1], limit)
    return hidden


def _history_block(entry, counts: list[str]) -> np.ndarray | None:
    """One earlier term from ``attrs["history"]``: ``(columns, rows)`` -> the count block."""
    columns, rows = entry
    if not set(counts) <= set(columns):
        return None
    values = np.asarray(rows, dtype=float)
    return values[:, [list(columns).index(c) for c in counts]]


def signed_change(safe: pd.DataFrame, now: str, before: str) -> pd.Series:
    """``+7``, ``-3`` or ``0`` between two published count columns; ``c`` where either is
    suppressed, so that a hidden count cannot be recovered from the change."""
    a = pd.to_numeric(safe[now], errors="coerce")
    b = pd.to_numeric(safe[before], errors="coerce")
    diff = (a - b).astype("Float64")
    text = diff.astype("Int64").astype("string")
    text = text.where(diff <= 0, "+" + text)
    return text.fillna(CONFIDENTIAL).astype(object)


def is_safe(table: pd.DataFrame, limit: int) -> bool:
    """No visible integer count from 1 to ``limit - 1`` anywhere in ``table``."""
    values = table.astype(str).stack()
    as_int = pd.to_numeric(values.str.replace(",", ""), errors="coerce")
    integral = values.str.fullmatch(r"\d+")
    return not bool((integral & (as_int > 0) & (as_int < limit)).any())

"""Disclosure control for every published table: one function, GSS symbols.

:func:`suppress` replaces counts from 1 to ``threshold - 1`` with ``c`` (a true zero stays
0), then applies secondary suppression so that no suppressed cell can be recovered from a
row or column total, and suppresses money for groups under the threshold. The threshold is
the dated parameter ``disclosure.threshold`` (default 6: counts 1-5 are suppressed; DfE's
early years methodology). Symbols follow the GSS guidance: ``c`` confidential, ``x`` not
available, ``z`` not applicable, ``low`` rounds to zero but is not zero.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from eyanalysis.parameters import Parameters, load_parameters
from eyanalysis.present import format as fmt

# The codes live with their reader's form ("[c]") and meaning in present/format.py.
CONFIDENTIAL, NOT_AVAILABLE, NOT_APPLICABLE, LOW = (fmt.CONFIDENTIAL, fmt.NOT_AVAILABLE,
                                                    fmt.NOT_APPLICABLE, fmt.LOW)



def threshold(on: dt.date | str, params: Parameters | None = None) -> int:
    return int((params or load_parameters()).get("disclosure.threshold", on))


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
) -> pd.DataFrame:
    """A copy of ``table`` safe to publish.

    ``counts``: the count columns (a 2-D block: rows x these columns; include a total
    column to protect it too). ``money``: ``{money column: count column}`` — the money of
    a row is hidden where that count is suppressed. ``total_row``: the last row holds
    column totals (it is protected like any other row and never used to hide others).
    ``limit`` defaults to the ``disclosure.threshold`` parameter on ``on`` (today).
    Suppressed cells become ``"c"``; other values are unchanged.
    """
    limit = limit if limit is not None else threshold(on or dt.date.today())
    block = table[counts].apply(pd.to_numeric, errors="coerce").fillna(0).to_numpy(float)
    hidden = primary(block, limit)
    body = slice(0, len(block) - 1) if total_row and len(block) > 1 else slice(None)
    hidden[body] = secondary(block[body], hidden[body])
    if total_row and len(block) > 1:  # a column whose body hides cells: hide its total if small
        hidden[-1] |= primary(block[-1], limit)
    out = table.copy().astype({c: object for c in counts})
    for j, col in enumerate(counts):
        out.loc[hidden[:, j], col] = CONFIDENTIAL
    for col, count_col in (money or {}).items():
        j = counts.index(count_col)
        out[col] = out[col].astype(object)
        out.loc[hidden[:, j], col] = CONFIDENTIAL
    return out


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

"""Dates for the generator, as integer days since 1970-01-01 (vectorised with numpy).

Terms come from :mod:`eyanalysis.rules.terms` (one term calendar) and funding ages from
``rules.terms.funding_age`` (F6); only working days (England bank holidays and the
Christmas closure) and the panel calendar are the generator's own.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from eyanalysis.data.synth.config import AS_OF, FIRST_TERM, LAST_TERM, VISITS_END
from eyanalysis.rules import terms


def day(when: str | dt.date) -> int:
    """Days since 1970-01-01 of an ISO date or a date."""
    return int(np.datetime64(str(when), "D").astype(np.int64))


def as_day(value: int) -> np.datetime64:
    return np.datetime64(int(value), "D")


ASOF = int(AS_OF.astype(np.int64))
VEND = int(VISITS_END.astype(np.int64))
WINDOW = np.arange(terms.index(FIRST_TERM), terms.index(LAST_TERM) + 1)


def term_label(t: int) -> str:
    return terms.from_index(int(t))


def _per_term(t, edge) -> np.ndarray:
    t = np.asarray(t, dtype=np.int64)
    uniq, inv = np.unique(t, return_inverse=True)
    days = np.array([day(edge(terms.from_index(int(i)))) for i in uniq], dtype=np.int64)
    return days[inv].reshape(t.shape)


def term_start(t) -> np.ndarray:
    """First day of each term index (``rules.terms.start``)."""
    return _per_term(t, terms.start)


def term_end(t) -> np.ndarray:
    """Last day of each term index (``rules.terms.end``)."""
    return _per_term(t, terms.end)


W0 = int(term_start(WINDOW[0]))


def month_start(mi) -> np.ndarray:
    """First day of absolute month index ``year*12 + month0``."""
    mi = np.asarray(mi, dtype=np.int64)
    return (mi - 1970 * 12).astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)


def month_text(mi: np.ndarray) -> pd.Series:
    """``YYYY-MM`` of absolute month indices."""
    return pd.Series((np.asarray(mi) - 1970 * 12).astype("datetime64[M]").astype(str),
                     dtype="string")


def term_after_month(mi) -> np.ndarray:
    """Index of the first term starting after the term holding month ``mi`` (terms start
    in September, January and April)."""
    return terms.term_index_of_month(np.asarray(mi, dtype=np.int64)) + 1


def first_term_at_age(mi: np.ndarray, age: str) -> np.ndarray:
    """For each birth-month index, the first term in which ``rules.terms.funding_age``
    gives ``age`` (F6), found by asking the rule term by term."""
    months, inv = np.unique(np.asarray(mi, dtype=np.int64), return_inverse=True)
    text = month_text(months)
    first = np.full(months.size, -1, np.int64)
    lo, hi = (int(terms.term_index_of_month(m)) for m in (months.min(), months.max()))
    for t in range(lo, hi + 3 * 7 + 1):  # every age is reached within seven years
        # a child too young for any entitlement has no funding age (NA, F6')
        same = (terms.funding_age(text, terms.from_index(t)) == age).fillna(False)
        hit = same.to_numpy(dtype=bool) & (first < 0)
        first[hit] = t
    return first[inv]


def school_entry_term(mi: np.ndarray) -> np.ndarray:
    """Term index of the September a child starts Reception (``rules.terms.school_entry``)."""
    months, inv = np.unique(np.asarray(mi, dtype=np.int64), return_inverse=True)
    entry = terms.school_entry(month_text(months)).map(terms.index).to_numpy(np.int64)
    return entry[inv]


# England bank holidays 2019-2027, and the Christmas closure (24 Dec - 1 Jan): no visit,
# inspection, panel or receipt falls on them
_BANK_HOLIDAYS = """
2019-04-19 2019-04-22 2019-05-06 2019-05-27 2019-08-26
2020-04-10 2020-04-13 2020-05-08 2020-05-25 2020-08-31
2021-04-02 2021-04-05 2021-05-03 2021-05-31 2021-08-30
2022-01-03 2022-04-15 2022-04-18 2022-05-02 2022-06-02 2022-06-03 2022-08-29 2022-09-19
2023-01-02 2023-04-07 2023-04-10 2023-05-01 2023-05-08 2023-05-29 2023-08-28
2024-03-29 2024-04-01 2024-05-06 2024-05-27 2024-08-26
2025-04-18 2025-04-21 2025-05-05 2025-05-26 2025-08-25
2026-04-03 2026-04-06 2026-05-04 2026-05-25 2026-08-31
2027-03-26 2027-03-29 2027-05-03 2027-05-31 2027-08-30
""".split()  # noqa: SIM905 (a table is easier to check than a list literal)
HOLIDAYS = np.unique(np.concatenate([
    np.array(_BANK_HOLIDAYS, dtype="datetime64[D]"),
    *[np.arange(f"{y}-12-24", f"{y + 1}-01-02", dtype="datetime64[D]")
      for y in range(2018, 2028)],
]))


def weekday(days, roll: str = "forward") -> np.ndarray:
    """Move dates onto working days (Mon-Fri, not a bank holiday or the Christmas closure)."""
    days = np.asarray(days, dtype=np.int64)
    return np.busday_offset(days.astype("datetime64[D]"), 0, roll=roll,
                            holidays=HOLIDAYS).astype(np.int64)


def to_dt(days, valid=None) -> pd.Series:
    """Days as ``datetime64[us]`` (the unit pandas gives when it parses the CSVs); ``NaT``
    where ``valid`` is false."""
    arr = np.asarray(days, dtype=np.int64).astype("datetime64[D]").astype("datetime64[us]")
    if valid is not None:
        arr = arr.copy()
        arr[~np.asarray(valid, dtype=bool)] = np.datetime64("NaT")
    return pd.Series(arr)


def _panel_dates() -> np.ndarray:
    """Panels sit on the second Tuesday of every month."""
    months = np.arange(2023 * 12 + 5, 2027 * 12 + 3)
    first = month_start(months).astype("datetime64[D]")
    return np.busday_offset(first, 1, roll="forward", weekmask="Tue",
                            holidays=HOLIDAYS).astype(np.int64)


PANELS = _panel_dates()

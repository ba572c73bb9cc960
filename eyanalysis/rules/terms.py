"""The term calendar: term ids, starts and ends, the term of a date, funding ages (F6) and
school entry. The only module that knows when terms start (``tests/test_calendar.py``
greps the package for copies).

Term ids are ``YYYY-AUT``, ``YYYY-SPR`` and ``YYYY-SUM``, YYYY being the calendar year in
which the term starts; terms start on 1 September, 1 January and 1 April (F6, F6'). A term
*index* (:func:`index`) orders terms: consecutive terms differ by one, and
:func:`season_index` of an index is the position of its season in ``SEASONS``.
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd

from eyanalysis.errors import EyAnalysisError, TermError
from eyanalysis.parameters import as_date
from eyanalysis.vocabulary import SEASONS

_START_MONTH = {"SPR": 1, "SUM": 4, "AUT": 9}
#: A term id as written: ASCII digits only (Python's ``\d`` also matches full-width
#: ２０２６, which would make a term of its own in every grouping by term).
TERM_PATTERN = r"^([0-9]{4})-(AUT|SPR|SUM)$"
_TERM = re.compile(TERM_PATTERN)
TERMS_PER_YEAR = len(SEASONS)
# the season (index into SEASONS) of each calendar month, January first
_SEASON_OF_MONTH = np.array([
    SEASONS.index(max((s for s in _START_MONTH if _START_MONTH[s] <= month),
                      key=_START_MONTH.__getitem__))
    for month in range(1, 13)])


def parse(term: str) -> tuple[int, str]:
    match = _TERM.match(str(term).strip().upper())
    if not match:
        raise TermError(f"{term!r} is not a term id: write YYYY-AUT, YYYY-SPR or YYYY-SUM.")
    return int(match.group(1)), match.group(2)


def index(term: str) -> int:
    """An integer that orders terms: consecutive terms differ by one."""
    year, season = parse(term)
    return year * TERMS_PER_YEAR + SEASONS.index(season)


def indices(term_ids: pd.Series) -> np.ndarray:
    """:func:`index` of every term id in a column (each distinct id parsed once)."""
    codes, uniques = pd.factorize(term_ids.astype("string"))
    if (codes < 0).any():
        raise TermError("a term id is missing: every row needs YYYY-AUT, YYYY-SPR or YYYY-SUM.")
    return np.array([index(t) for t in uniques], dtype=np.int64)[codes]


def from_index(i: int) -> str:
    year, season = divmod(int(i), TERMS_PER_YEAR)
    return f"{year}-{SEASONS[season]}"


def season_index(i: int | np.ndarray) -> int | np.ndarray:
    """Position in ``SEASONS`` of the season of term index ``i`` (vectorised)."""
    return np.mod(i, TERMS_PER_YEAR)


def shift(term: str, n: int) -> str:
    """The term ``n`` terms after ``term`` (before, for negative ``n``)."""
    return from_index(index(term) + n)


def start(term: str) -> dt.date:
    year, season = parse(term)
    return dt.date(year, _START_MONTH[season], 1)


def end(term: str) -> dt.date:
    return start(shift(term, 1)) - dt.timedelta(days=1)


def ends(term_ids: pd.Series) -> pd.Series:
    """The last day of each term id (vectorised; NaT where the id is not a term)."""
    ids = term_ids.astype("string")
    uniques = ids.dropna().unique()
    known = {}
    for term in uniques:  # a handful of distinct terms
        try:
            known[term] = pd.Timestamp(end(term))
        except TermError:
            known[term] = pd.NaT
    return ids.map(known).astype("datetime64[ns]")


def months(term: str) -> int:
    """Calendar months a term spans (autumn 4, spring 3, summer 5)."""
    first, last = start(term), end(term)
    return (last.year - first.year) * 12 + last.month - first.month + 1


def counted_at(term: str, today: dt.date | None = None) -> dt.date:
    """The date a term's figures are counted at: its last day, or today while it runs."""
    return min(end(term), today or dt.date.today())


def has_ended(term: str, today: dt.date) -> bool:
    """Whether ``term``'s last day is before ``today``."""
    return end(term) < today


def last_ended(today: dt.date) -> str:
    """The latest term whose last day is before ``today``."""
    return shift(containing(today), -1)


def timestamp(when: dt.date | str) -> pd.Timestamp:
    """A date (or ISO string) as a pandas timestamp at midnight, for comparing with columns."""
    return pd.Timestamp(as_date(when))


def containing(day: dt.date) -> str:
    """The term a date falls in."""
    return from_index(day.year * TERMS_PER_YEAR + int(_SEASON_OF_MONTH[day.month - 1]))


def next_start_of(season: str, on: dt.date | str) -> str:
    """The first term of ``season`` (e.g. ``"AUT"``) that starts after ``on``."""
    day = as_date(on)
    i = index(containing(day))
    while SEASONS[season_index(i)] != season or start(from_index(i)) <= day:
        i += 1
    return from_index(i)


def season(term: str) -> str:
    return parse(term)[1]


def month_index(birth_month: pd.Series) -> np.ndarray:
    """Months since year 0 of each ``YYYY-MM`` value (each distinct value parsed once)."""
    codes, uniques = pd.factorize(pd.Series(birth_month).astype("string"))
    parts = pd.Series(uniques, dtype="string").str.extract(r"^([0-9]{4})-([0-9]{2})$")
    if (codes < 0).any() or parts.isna().any().any():
        bad = [v for v in pd.Series(birth_month).tolist()
               if not isinstance(v, str) or not re.match(r"^[0-9]{4}-[0-9]{2}$", v)][:5]
        raise EyAnalysisError(f"birth_month must be YYYY-MM; found {bad}.")
    months = parts[0].astype(int).to_numpy() * 12 + parts[1].astype(int).to_numpy() - 1
    return months[codes]


def term_index_of_month(month_index: np.ndarray) -> np.ndarray:
    year, month0 = np.divmod(month_index, 12)
    return year * TERMS_PER_YEAR + _SEASON_OF_MONTH[month0]


def index_of_dates(dates: pd.Series) -> np.ndarray:
    """Term index (see :func:`index`) of the term containing each date."""
    return term_index_of_month(dates.dt.year.to_numpy() * 12 + dates.dt.month.to_numpy() - 1)


#: Age in months from which each funding age counts, youngest first (F6'); each starts in
#: the term after the term holding that month.
FUNDING_AGE_FROM_MONTHS = {"under-2": 9, "2": 24, "3-4": 36}


def of_dates(dates: pd.Series) -> pd.Series:
    """Term id of the term containing each date (NA where the date is missing)."""
    ok = dates.notna()
    out = pd.Series(pd.NA, index=dates.index, dtype="string")
    if ok.any():
        idx = index_of_dates(dates[ok])
        names = {i: from_index(i) for i in np.unique(idx)}
        out[ok] = [names[i] for i in idx]
    return out


def birth_terms(birth_month: pd.Series) -> np.ndarray:
    """Term index of the term containing each birth month (YYYY-MM)."""
    return term_index_of_month(month_index(birth_month))


def funding_age_of(birth_term: np.ndarray, term_idx: np.ndarray | int) -> np.ndarray:
    """F6' on term indices, for children known to be funded (the cells of a projected
    caseload): ``"3-4"`` from the term after the one holding the third birthday (three years
    of terms after the birth term), ``"2"`` from the term after the one holding the second
    birthday, ``"under-2"`` before that (a funded child younger than that can only be on the
    under-2 entitlement). For real children use :func:`funding_age`, which also knows when a
    child is too young for any entitlement."""
    t, born = np.asarray(term_idx), np.asarray(birth_term)
    return np.select([t > born + 3 * TERMS_PER_YEAR, t > born + 2 * TERMS_PER_YEAR],
                     ["3-4", "2"], "under-2")


def funding_age(birth_month: pd.Series, term: str | pd.Series) -> pd.Series:
    """Funding age ``"under-2"``, ``"2"`` or ``"3-4"`` of each child in a term (F6', a Decision).

    A child counts as a funded under-2 from the term after the term in which they turn
    9 months, as a funded 2-year-old from the term after the term of their second
    birthday, and as a funded 3-4-year-old from the term after the term of their third
    birthday (terms start 1 September, 1 January and 1 April). Only the birth month is
    known, so a birthday (or the 9-month date) is taken to fall inside the term its month
    belongs to.

    A child too young for any entitlement (before the term after they turn 9 months) is
    not funded: their value is missing (``<NA>``), never a code, so ``isna()`` finds them.
    This is the age a child's funding would have; whether that age was funded on a date
    (under-2s only from September 2024) is a matter for the dated rates
    (:attr:`eyanalysis.rules.rates.Rates.funded_ages`).
    """
    months = month_index(birth_month)
    if isinstance(term, str):
        term_idx = np.full(len(birth_month), index(term))
    else:
        term_idx = term.map(index).to_numpy()
    age = np.full(len(birth_month), None, dtype=object)
    for code, from_months in FUNDING_AGE_FROM_MONTHS.items():  # youngest first: later wins
        age[term_idx > term_index_of_month(months + from_months)] = code
    return pd.Series(age, index=birth_month.index, dtype="string")


def school_entry(birth_month: pd.Series) -> pd.Series:
    """The September a child starts Reception: the one after their fourth birthday
    (children born September to August start together)."""
    return pd.Series(school_entry_index(birth_month), index=birth_month.index).map(
        from_index).astype("string")


def school_entry_index(birth_month: pd.Series) -> np.ndarray:
    """Term index of each child's Reception term (see :func:`school_entry`)."""
    fourth = term_index_of_month(month_index(birth_month) + 48)
    # the first autumn term after the term holding the fourth birthday
    autumn = SEASONS.index("AUT")
    return fourth + 1 + np.mod(autumn - season_index(fourth + 1), TERMS_PER_YEAR)

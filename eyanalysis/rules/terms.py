"""Terms, funding ages and school entry.

Term ids are ``YYYY-AUT``, ``YYYY-SPR`` and ``YYYY-SUM``, YYYY being the calendar year in
which the term starts; terms start on 1 September, 1 January and 1 April (F6, F6').
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
_TERM = re.compile(r"^(\d{4})-(AUT|SPR|SUM)$")




def parse(term: str) -> tuple[int, str]:
    match = _TERM.match(str(term).strip().upper())
    if not match:
        raise TermError(f"{term!r} is not a term id: write YYYY-AUT, YYYY-SPR or YYYY-SUM.")
    return int(match.group(1)), match.group(2)


def index(term: str) -> int:
    """An integer that orders terms: consecutive terms differ by one."""
    year, season = parse(term)
    return year * 3 + SEASONS.index(season)


def from_index(i: int) -> str:
    return f"{i // 3}-{SEASONS[i % 3]}"


def shift(term: str, n: int) -> str:
    """The term ``n`` terms after ``term`` (before, for negative ``n``)."""
    return from_index(index(term) + n)


def start(term: str) -> dt.date:
    year, season = parse(term)
    return dt.date(year, _START_MONTH[season], 1)


def end(term: str) -> dt.date:
    return start(shift(term, 1)) - dt.timedelta(days=1)


def counted_at(term: str, today: dt.date | None = None) -> dt.date:
    """The date a term's figures are counted at: its last day, or today while it runs."""
    return min(end(term), today or dt.date.today())


def timestamp(when: dt.date | str) -> pd.Timestamp:
    """A date (or ISO string) as a pandas timestamp at midnight, for comparing with columns."""
    return pd.Timestamp(as_date(when))


def containing(day: dt.date) -> str:
    """The term a date falls in."""
    season = "SPR" if day.month < 4 else "SUM" if day.month < 9 else "AUT"
    return f"{day.year}-{season}"


def season(term: str) -> str:
    return parse(term)[1]


def month_index(birth_month: pd.Series) -> np.ndarray:
    parts = birth_month.astype("string").str.extract(r"^(\d{4})-(\d{2})$")
    if parts.isna().any().any():
        bad = birth_month[parts.isna().any(axis=1)].tolist()[:5]
        raise EyAnalysisError(f"birth_month must be YYYY-MM; found {bad}.")
    return parts[0].astype(int).to_numpy() * 12 + parts[1].astype(int).to_numpy() - 1


def term_index_of_month(month_index: np.ndarray) -> np.ndarray:
    year, month0 = np.divmod(month_index, 12)
    season_idx = np.where(month0 < 3, 0, np.where(month0 < 8, 1, 2))
    return year * 3 + season_idx


def index_of_dates(dates: pd.Series) -> np.ndarray:
    """Term index (see :func:`index`) of the term containing each date."""
    return term_index_of_month(dates.dt.year.to_numpy() * 12 + dates.dt.month.to_numpy() - 1)


#: Age in months from which each funding age counts, youngest first (F6'); each starts in
#: the term after the term holding that month.
FUNDING_AGE_FROM_MONTHS = {"under-2": 9, "2": 24, "3-4": 36}


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
    months = month_index(birth_month)
    year, month0 = np.divmod(months, 12)
    entry_year = np.where(month0 < 8, year + 4, year + 5)
    return pd.Series(entry_year, index=birth_month.index).astype("string") + "-AUT"

"""Exact money (F10): integer arithmetic in fixed units, rounded half up to the penny.

Hours are held in hundredths (:data:`HOUR_UNITS`), weeks in hundredths, and hourly rates
in hundredths of a penny (:data:`RATE_UNITS` per pound), so a product of claimable hours
and a rate is an exact integer fraction; it is rounded half up to whole pence once, per
child, per setting, per term (F10). Totals are sums of those rounded pence.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np

from eyanalysis.errors import ParameterError

HOUR_UNITS = 100  # hours and weeks are held in hundredths
RATE_UNITS = 10_000  # pounds -> hundredths of a penny
PENCE_PER_RATE_UNIT_HOUR = RATE_UNITS // 100 * HOUR_UNITS * HOUR_UNITS  # 1e6
_SAFE = 2**62


def rate_units(value: Decimal | int | float | str) -> int:
    """An hourly rate in hundredths of a penny; refuses more than four decimal places."""
    amount = Decimal(str(value)) * RATE_UNITS
    if amount != amount.to_integral_value():
        raise ParameterError(f"Rate {value} has more than four decimal places of a pound.")
    return int(amount)


def to_units(values: np.ndarray) -> np.ndarray:
    """Hours or weeks (floats with at most two decimals) as integer hundredths."""
    return np.rint(np.asarray(values, dtype="float64") * HOUR_UNITS).astype("int64")


def round_half_up_div(num: np.ndarray, den: np.ndarray | int) -> np.ndarray:
    """``num / den`` rounded half up to an integer, for non-negative integer arrays."""
    num = np.asarray(num)
    den = np.broadcast_to(np.asarray(den), num.shape)
    if num.size and (num.max(initial=0) > _SAFE // 2 or den.max(initial=0) > _SAFE // 2):
        num, den = num.astype(object), den.astype(object)  # exact big integers, rare
    return ((2 * num + den) // (2 * den)).astype("int64")


def amount_pence(term_num: np.ndarray, den: np.ndarray, rate: np.ndarray | int) -> np.ndarray:
    """Pence for claimable term hours ``term_num / den`` (in 1/10,000 h) at ``rate`` units."""
    big = np.max(rate, initial=0) > 10**7 or np.asarray(term_num).dtype == object
    num = np.asarray(term_num, dtype=object if big else "int64")  # object: exact big ints
    return round_half_up_div(num * rate, np.asarray(den) * PENCE_PER_RATE_UNIT_HOUR)


def pounds(pence: int | np.integer) -> str:
    """``1234`` -> ``"12.34"``."""
    pence = int(pence)
    sign = "-" if pence < 0 else ""
    return f"{sign}{abs(pence) // 100}.{abs(pence) % 100:02d}"


def pounds_text(pence, thousands: bool = False):
    """A column of integer pence as ``£1234.56`` (``£1,234.56`` with ``thousands``)."""
    p = pence.astype("int64")
    whole = (p // 100).map("{:,}".format) if thousands else (p // 100).astype(str)
    return "£" + whole + "." + (p % 100).astype(str).str.zfill(2)


def rate_text(value: Decimal) -> str:
    """A rate shown with at least two decimals (``0.14``, ``6.30``, ``3.146``)."""
    text = format(Decimal(value).normalize(), "f")
    whole, _, frac = text.partition(".")
    return f"{whole}.{frac.ljust(2, '0')}"

"""Words and numbers as a reader sees them, in GOV.UK style (PRESENTATION.md, "GOV.UK style").

Every table, chart, sentence, workbook and CSV formats through these functions, so a rule is
written once:

- counts with thousands separators (``1,234``); never a fraction of a child: an expected count
  from a simulation is rounded half up to whole children (:func:`children`, with
  :data:`EXPECTED_NOTE` saying so);
- money exact to the penny in tables (``£1,234.56``, from integer pence, F10) and rounded in
  headlines and on axes (``£1.2m``, ``£340k``, ``£12,345``);
- percentages to one decimal place (``12.3%``);
- dates as ``1 December 2026``, terms as ``Autumn 2026``;
- changes in words (``up 7 since Summer 2026``, ``down £12,300``, ``no change``);
- the provisional wording (``so far this term, counted on 1 December 2026``);
- the GSS shorthand ``[c]``, ``[x]``, ``[z]`` and ``[low]`` with their explanations: the single
  place those strings live (Analysis Function, "Symbols in tables, definitions and help";
  "Releasing statistics in spreadsheets" writes them in square brackets).

Numbers go through babel with the ``en_GB`` locale. Babel rounds half to even, so every value
is first rounded half up here (the project's rule, F10) and babel only lays it out.
:mod:`eyanalysis.present.disclosure` writes bare codes (``c``); :func:`symbol` reads both the
bare and the bracketed form, and every output shows the bracketed one.
"""

from __future__ import annotations

import datetime as dt
import math
import numbers
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from babel.dates import format_date
from babel.numbers import format_currency, format_decimal

from eyanalysis.errors import PresentationError, TermError
from eyanalysis.parameters import as_date, load_parameters
from eyanalysis.rules import terms
from eyanalysis.vocabulary import SEASONS

LOCALE = "en_GB"

# -- GSS symbols ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Symbol:
    """A GSS shorthand: the bare ``code`` a published frame carries, the ``text`` a reader
    sees, and what it means."""

    code: str
    text: str
    meaning: str
    explanation: str


#: Codes as :mod:`eyanalysis.present.disclosure` writes them into published frames.
CONFIDENTIAL, NOT_AVAILABLE, NOT_APPLICABLE, LOW = "c", "x", "z", "low"

# Wording after the Analysis Function's "Symbols in tables, definitions and help"; the
# [c] threshold is filled in from ``disclosure.threshold`` by :func:`symbol_key`.
SYMBOLS: dict[str, Symbol] = {s.code: s for s in (
    Symbol(CONFIDENTIAL, "[c]", "confidential",
           "a count from 1 to {top}, or a figure from which one could be worked out, is not "
           "shown, to protect the children and settings it describes"),
    Symbol(NOT_AVAILABLE, "[x]", "not available",
           "the figure was not collected or is not known yet"),
    Symbol(NOT_APPLICABLE, "[z]", "not applicable",
           "no figure can exist here"),
    Symbol(LOW, "[low]", "rounds to zero",
           "the figure is more than zero but shows as 0 at the precision used"),
)}
_BY_TEXT = {s.text: s for s in SYMBOLS.values()} | {s.code: s for s in SYMBOLS.values()}


def symbol(value, *, bare: bool = True) -> Symbol | None:
    """The :class:`Symbol` ``value`` stands for, else ``None``: the bracketed text
    (``"[c]"``) always, the bare code (``"c"``, as disclosure writes it) when ``bare``.
    Matching is exact, so a label such as ``"x"`` in a text column is read as a symbol only
    where the caller says bare codes can occur (numeric columns)."""
    if not isinstance(value, str):
        return None
    found = _BY_TEXT.get(value)
    if found is not None and (bare or value == found.text):
        return found
    return None


def is_symbol(value) -> bool:
    return symbol(value) is not None


def symbols_in(values: Iterable) -> list[str]:
    """Codes of the symbols found among ``values``, in the GSS order (c, x, z, low)."""
    found = {s.code for v in values if (s := symbol(v)) is not None}
    return [code for code in SYMBOLS if code in found]


def symbol_key(codes: Iterable[str], limit: int | None = None) -> list[str]:
    """One line per symbol in ``codes`` (GSS order, each once): ``[c] confidential: ...``.

    ``limit`` is the suppression threshold (counts ``1`` to ``limit - 1`` are hidden);
    default the ``disclosure.threshold`` parameter in force today.
    """
    wanted = {s.code for c in codes if (s := symbol(c) or SYMBOLS.get(c)) is not None}
    if CONFIDENTIAL in wanted and limit is None:
        limit = int(load_parameters().get("disclosure.threshold", dt.date.today()))
    lines = []
    for s in SYMBOLS.values():
        if s.code in wanted:
            lines.append(f"{s.text} {s.meaning}: "
                         + s.explanation.format(top=(limit or 6) - 1) + ".")
    return lines


# -- numbers --------------------------------------------------------------------------------

#: Said wherever an expected (simulated) count is shown.
EXPECTED_NOTE = ("Expected numbers of children are averages over simulations, rounded to "
                 "whole children.")


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or (
        type(value).__name__ in ("NAType", "NaTType"))


def _decimal(value, what: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, numbers.Number | Decimal):
        if _missing(value):
            raise PresentationError(
                f"{what}: a missing value cannot be shown; write the symbol it stands for "
                "([x] not available or [z] not applicable).")
        raise PresentationError(f"{what}: {value!r} is not a number.")
    if isinstance(value, float) and not math.isfinite(value):
        raise PresentationError(f"{what}: {value!r} cannot be shown; write [x] or [z].")
    return value if isinstance(value, Decimal) else Decimal(str(value))


def half_up(value, places: int = 0) -> Decimal:
    """``value`` rounded half up to ``places`` decimals (F10's rule, also for display)."""
    return _decimal(value, "rounding").quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)


def _whole(value, what: str) -> int:
    d = _decimal(value, what)
    if d != d.to_integral_value():
        raise PresentationError(
            f"{what}: {value!r} is not a whole number. A count of children or settings is "
            "whole; show an expected count with children() (rounded, with EXPECTED_NOTE).")
    return int(d)


def count(value) -> str:
    """A count with thousands separators: ``1,234``; a symbol as ``[c]``."""
    if (s := symbol(value)) is not None:
        return s.text
    return format_decimal(_whole(value, "count"), locale=LOCALE)


def children(value) -> str:
    """An expected count (from a simulation) rounded half up to whole children: ``9,315``."""
    if (s := symbol(value)) is not None:
        return s.text
    return format_decimal(half_up(value), locale=LOCALE)


def _pence(value, what: str) -> int:
    d = _decimal(value, what)
    if d != d.to_integral_value():
        raise PresentationError(
            f"{what}: {value!r} is not a whole number of pence; money is held as integer "
            "pence (F10).")
    return int(d)


def money(pence) -> str:
    """Integer pence as exact pounds and pence: ``£1,234.56`` (``-£5.00`` below zero)."""
    if (s := symbol(pence)) is not None:
        return s.text
    return format_currency(Decimal(_pence(pence, "money")) / 100, "GBP", locale=LOCALE)


def money_rounded(pence, places: int | None = None) -> str:
    """Money for headlines and axes: ``£12,345`` below £100,000, ``£340k`` below £1m,
    ``£1.2m`` from £1m (each rounded half up, the unit in the text); ``places`` decimal
    places of millions instead of one (none from £100m)."""
    if (s := symbol(pence)) is not None:
        return s.text
    value = Decimal(_pence(pence, "money")) / 100
    sign, size = ("-" if value < 0 else ""), abs(value)
    if half_up(size / 1000) >= 1000:  # £999,500 and more reads as £1m, not £1,000k
        if places is None:
            places = 1 if size < 100_000_000 else 0
        millions = half_up(size / 1_000_000, places)
        pattern = "#,##0." + "#" * places if places else "#,##0"
        return f"{sign}£{format_decimal(millions, pattern, locale=LOCALE)}m"
    if half_up(size) >= 100_000:
        return f"{sign}£{format_decimal(half_up(size / 1000), locale=LOCALE)}k"
    return f"{sign}£{format_decimal(half_up(size), locale=LOCALE)}"


def money_range(*pence) -> list[str]:
    """:func:`money_rounded` of each amount, with as many decimal places of millions (up to
    three) as it takes for amounts that differ to read differently: a range is never
    "between £1.7m and £1.7m" when it runs from £1,652,486 to £1,674,323."""
    def texts(places):
        return [money_rounded(p, places) for p in pence]

    distinct = len({_pence(p, "money") for p in pence if symbol(p) is None})
    out, places = texts(None), 1
    while places < 3 and len(set(out)) < distinct:
        places += 1
        out = texts(places)
    return out


def rate(pounds) -> str:
    """An hourly rate in pounds with at least two decimals: ``£1.60``, ``£3.146``."""
    if (s := symbol(pounds)) is not None:
        return s.text
    return format_currency(_decimal(pounds, "rate"), "GBP", format="¤#,##0.00##",
                           currency_digits=False, locale=LOCALE)


def percent(fraction, places: int = 1) -> str:
    """A fraction as a percentage to one decimal place: ``0.1234`` -> ``12.3%``."""
    if (s := symbol(fraction)) is not None:
        return s.text
    value = half_up(_decimal(fraction, "percentage") * 100, places)
    pattern = "#,##0." + "0" * places if places else "#,##0"
    return format_decimal(value, pattern, locale=LOCALE) + "%"


def decimal(value, places: int = 1) -> str:
    """A measured quantity (days, hours) to ``places`` decimals: ``4.5``."""
    if (s := symbol(value)) is not None:
        return s.text
    pattern = "#,##0." + "0" * places if places else "#,##0"
    return format_decimal(half_up(value, places), pattern, locale=LOCALE)


def signed(value) -> str:
    """A change in a table: ``+7``, ``-3``, ``0``."""
    if (s := symbol(value)) is not None:
        return s.text
    n = _whole(value, "change")
    return ("+" if n > 0 else "") + format_decimal(n, locale=LOCALE)


Kind = Literal["text", "count", "expected", "pence", "rate", "percent", "change", "decimal"]
#: How each kind of table column is shown.
FORMATTERS = {"count": count, "expected": children, "pence": money, "rate": rate,
              "percent": percent, "change": signed, "decimal": decimal}
KINDS: tuple[str, ...] = ("text", *FORMATTERS)


def cell(value, kind: str) -> str:
    """One table cell of ``kind`` (see :data:`KINDS`) as text; a symbol as ``[c]``."""
    if kind == "text":
        if (s := symbol(value, bare=False)) is not None:
            return s.text
        if _missing(value):
            raise PresentationError("a missing text cell cannot be shown; write [x] or [z].")
        return str(value)
    try:
        return FORMATTERS[kind](value)
    except KeyError:
        raise PresentationError(
            f"unknown column kind {kind!r}: use one of {', '.join(KINDS)}.") from None


# -- dates and terms ------------------------------------------------------------------------


def date(day: dt.date | str) -> str:
    """``1 December 2026``."""
    return format_date(as_date(day), "d MMMM y", locale=LOCALE)


def date_range(start: dt.date | str, end: dt.date | str) -> str:
    """``1 April to 31 August 2026`` (the year once when both dates share it)."""
    a, b = as_date(start), as_date(end)
    first = format_date(a, "d MMMM" if a.year == b.year else "d MMMM y", locale=LOCALE)
    return f"{first} to {date(b)}"


def term(term_id: str) -> str:
    """``2026-AUT`` -> ``Autumn 2026``."""
    year, season = terms.parse(term_id)
    return f"{SEASONS.label(season)} {year}"


def _term_or_text(since: str) -> str:
    try:
        return term(since)
    except TermError:
        return since


def provisional(on: dt.date | str) -> str:
    """The one wording of a provisional figure: ``so far this term, counted on 1 December
    2026``."""
    return f"so far this term, counted on {date(on)}"


def period(term_id: str, on: dt.date | str | None = None) -> str:
    """What a term's figures cover: ``Summer 2026 (1 April to 31 August 2026)`` once the term
    has ended, ``Autumn 2026, so far this term, counted on 1 December 2026`` while it runs
    (``on`` is the date counted at; default the term's end)."""
    end = terms.end(term_id)
    day = as_date(on) if on is not None else end
    if day < end:
        return f"{term(term_id)}, {provisional(day)}"
    return f"{term(term_id)} ({date_range(terms.start(term_id), end)})"


# -- changes and quantities in sentences ----------------------------------------------------


def change(now, before, *, kind: Literal["count", "pence", "percent"] = "count",
           since: str | None = None) -> str:
    """A change in words: ``up 7 since Summer 2026``, ``down £12,300``, ``no change``.

    ``kind``: counts, integer pence (rounded as in headlines), or fractions (a change in
    percentage points). ``since``: a term id (shown as ``Summer 2026``) or any words. Where
    either value is a symbol the change is not shown, so a hidden figure cannot be worked
    out from it: ``change not shown [c]``.
    """
    hidden = [s for v in (now, before) if (s := symbol(v)) is not None]
    if hidden:
        return f"change not shown {hidden[0].text}"
    if kind == "pence":
        delta = _pence(now, "change") - _pence(before, "change")
        size = money_rounded(abs(delta))
        zero = delta == 0 or size in ("£0", "£0k")
    elif kind == "percent":
        delta = (_decimal(now, "change") - _decimal(before, "change")) * 100
        points = half_up(abs(delta), 1)
        size = format_decimal(points, "#,##0.0", locale=LOCALE) + " percentage points"
        zero = points == 0
    elif kind == "count":
        delta = _whole(now, "change") - _whole(before, "change")
        size, zero = format_decimal(abs(delta), locale=LOCALE), delta == 0
    else:
        raise PresentationError(f"change kind {kind!r}: use count, pence or percent.")
    words = "no change" if zero else f"{'up' if delta > 0 else 'down'} {size}"
    return f"{words} since {_term_or_text(since)}" if since else words


def first_upper(text: str) -> str:
    """``text`` with its first letter a capital and the rest as it is (``str.capitalize``
    would lower the rest: "Graduated Response 4", "GR4")."""
    return text[:1].upper() + text[1:]


def quantity(value, noun: str, plural: str | None = None) -> str:
    """A count with its noun for a sentence: ``1 setting``, ``41 settings``, ``a small number
    of settings [c]`` (a suppressed count), ``no settings``."""
    plural = plural or noun + "s"
    if (s := symbol(value)) is not None:
        if s.code == CONFIDENTIAL:
            return f"a small number of {plural} {s.text}"
        return f"{plural}: {s.meaning} {s.text}"
    n = _whole(value, "count")
    if n == 0:
        return f"no {plural}"
    return f"{count(n)} {noun if n == 1 else plural}"

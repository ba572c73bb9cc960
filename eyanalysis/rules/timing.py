"""When the Inclusion Supplement of a term is known and paid (F9): the one definition of
"predicted", "actual" and "final", and of the dates of the three payment runs.

F9: predictions are made before the term; actuals are declared on the provider portal
mid-term; a level identified after the portal closes is paid through a Change Request as an
adjustment in the following term's budget; a panel decision is paid in the actual run or as
an adjustment next term depending on its date. Here (Decisions):

- **predicted**: the term's claims with the levels known on the term's first day
  (:func:`known_on` ``"predicted"``), paid at the start of the term;
- **actual (portal)**: the claims with the levels known when the portal closes,
  ``payments.portal_weeks`` weeks after the start; the balance ``actual - predicted`` is
  paid then;
- **final**: every level declared for the term; ``final - actual`` is the change-request
  adjustment paid on the first day of the next term.

"Known on a date" is the rule of :func:`eyanalysis.data.claims.for_term` and
:meth:`eyanalysis.data.dataset.Dataset.as_of`: a level whose ``level_from`` is after the date
reads as the child's level in the previous term (``NE`` for a child new that term).
"""

from __future__ import annotations

import datetime as dt

from eyanalysis.parameters import Parameters, as_date, resolve
from eyanalysis.rules import terms

PREDICTED, ACTUAL, FINAL = "predicted", "actual", "final"
STAGES = (PREDICTED, ACTUAL, FINAL)
#: how each stage reads in a table heading
STAGE_LABELS = {PREDICTED: "predicted at the start of term",
                ACTUAL: "actual, declared on the portal",
                FINAL: "final, with change requests"}
#: the three payment runs of a term and the stage amounts each pays (F9)
RUNS = ("prediction", "portal balance", "change request adjustment")


def portal_date(term: str, params: Parameters | None = None) -> dt.date:
    """The day the portal closes for ``term`` (F9): term start + ``payments.portal_weeks``."""
    day = terms.start(term)
    weeks = resolve(params).get(f"payments.portal_weeks.{terms.season(term)}", day)
    return day + dt.timedelta(weeks=float(weeks))


def adjustment_date(term: str) -> dt.date:
    """The day a term's change requests are paid: the first day of the next term (F9)."""
    return terms.start(terms.shift(term, 1))


def run_dates(term: str, params: Parameters | None = None) -> dict[str, dt.date]:
    """The date of each payment run of ``term`` (:data:`RUNS`)."""
    return {"prediction": terms.start(term), "portal balance": portal_date(term, params),
            "change request adjustment": adjustment_date(term)}


def known_on(stage: str, term: str, params: Parameters | None = None) -> dt.date | None:
    """The date whose knowledge of levels a stage costs (``None`` for ``final``: all)."""
    if stage == PREDICTED:
        return terms.start(term)
    if stage == ACTUAL:
        return portal_date(term, params)
    if stage == FINAL:
        return None
    raise ValueError(f"stage {stage!r}: use one of {', '.join(STAGES)}")


def stages_known(term: str, on: dt.date | str | None,
                 params: Parameters | None = None) -> dict[str, dt.date | None]:
    """Each stage's knowledge date, none later than ``on`` (the count date of a run):
    on a count date before the portal closes, *actual* and *final* are levels known so far."""
    out = {s: known_on(s, term, params) for s in STAGES}
    if on is None:
        return out
    day = as_date(on)
    return {s: day if d is None or d > day else d for s, d in out.items()}


def financial_year(day: dt.date, params: Parameters | None = None) -> str:
    """``"2026-27"`` for a day in the financial year starting in April 2026 (the month is
    ``payments.financial_year_start``)."""
    first = int(resolve(params).get("payments.financial_year_start", day))
    year = day.year if day.month >= first else day.year - 1
    return f"{year}-{(year + 1) % 100:02d}"

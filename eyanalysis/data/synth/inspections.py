"""Ofsted inspections of the sample county in both frameworks (O1, O5).

Every inspected setting has a latest single-word judgement before 10 November 2025 (the
settings table's snapshot), within six years of the sample's "today" (the old cycle), and
often an earlier one. Its next routine inspection has happened by today with a chance that
grows with the age of the last one; dated so that a sixth of settings a year are inspected
until April 2026 and a quarter a year from then (the four-year cycle, O5), about a fifth of
inspected settings in all. Requires Improvement settings are re-inspected 10-16 months
later and Inadequate ones 4-8 months later. Every inspection from 10 November 2025 is a
report card: a latent quality per setting plus noise per area, cut into the five grades
(``config.GRADE_CUTS``), higher for settings judged Outstanding before and lower for
follow-ups of Requires Improvement or Inadequate, with safeguarding not met for the
lowest. A few settings judged Requires Improvement or Inadequate in 2023-24 were judged
Good at their next (single-word) inspection.
"""

from __future__ import annotations

import numpy as np

from eyanalysis.data.synth.calendar import ASOF, day, weekday
from eyanalysis.data.synth.config import (
    AREA_NOISE,
    CARD_CHANCE_BY_AGE,
    FOUR_YEAR_CYCLE_FROM,
    GRADE_CUTS,
    IMPROVING_SHARE,
    JUDGEMENT_SHARE,
    REPORT_CARDS_FROM,
    SAFEGUARDING_NOT_MET_CUT,
)
from eyanalysis.data.synth.draw import allocate, rand_days
from eyanalysis.vocabulary import REPORT_CARD_AREAS

YEAR = 365.25
RC_FROM = int(REPORT_CARDS_FROM.astype(np.int64))
CYCLE_FROM = int(FOUR_YEAR_CYCLE_FROM.astype(np.int64))
LAST_SINGLE_WORD = day("2025-11-07")  # the last working day before report cards
# quality shift of the report card by the setting's previous judgement (O..I) or follow-up
SHIFT = np.array([0.6, 0.0, -0.5, -0.8])


def _next_routine(rng, last: np.ndarray) -> np.ndarray:
    """The routine inspection after ``last`` when it falls by today, else a day after today
    (O5). Whether it has happened depends on how old ``last`` was when report cards began
    (``config.CARD_CHANCE_BY_AGE``); its date is drawn with inspections a sixth of settings a
    year until April 2026 and a quarter a year from then."""
    age = (RC_FROM - last) / YEAR
    chance = np.array(CARD_CHANCE_BY_AGE)[np.minimum(age.astype(np.int64), 4)]
    due = rng.random(last.size) < chance
    before = (CYCLE_FROM - RC_FROM) / YEAR / 6
    after = (ASOF - 3 - CYCLE_FROM) / YEAR / 4
    early = rng.random(last.size) < before / (before + after)
    when = np.where(early, rand_days(rng, np.full(last.size, RC_FROM), CYCLE_FROM - 1),
                    rand_days(rng, np.full(last.size, CYCLE_FROM), ASOF - 3))
    return np.where(due, when, ASOF + 1)


def _report_cards(rng, quality: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Safeguarding (0 met, 1 not met) and six area grades (0 urgent improvement ..
    4 exceptional) for settings of the given latent ``quality``."""
    k = quality.size
    lead = np.sqrt(1 - AREA_NOISE) * quality
    scores = lead[None, :] + np.sqrt(AREA_NOISE) * rng.standard_normal((len(REPORT_CARD_AREAS), k))
    grades = np.searchsorted(np.array(GRADE_CUTS), scores).astype(np.int64)
    safe = lead + np.sqrt(AREA_NOISE) * rng.standard_normal(k)
    return (safe < SAFEGUARDING_NOT_MET_CUT).astype(np.int64), grades


def build_inspections(rng, S: dict) -> dict:
    """``judg`` (latest single-word judgement code, -1 if none), ``latest`` (its date) and
    ``ins``: every inspection as arrays ``s``, ``d``, ``kind`` (0 single-word, 1 report
    card), ``j`` (judgement code or -1), ``sg`` (safeguarding or -1), ``areas`` (6 x m
    grades or -1), sorted by setting and date."""
    n, nyi = S["n"], S["nyi"]
    insp = np.flatnonzero(~nyi)
    judg = np.full(n, -1)
    judg[insp] = allocate(rng, insp.size, JUDGEMENT_SHARE)
    good = np.flatnonzero((judg >= 0) & (judg <= 1))
    improving = np.zeros(n, bool)
    improving[rng.choice(good, int(round(IMPROVING_SHARE * good.size)), replace=False)] = True

    # latest single-word inspection: within six years of today, before report cards;
    # Requires Improvement and Inadequate ones recent (they are re-inspected sooner)
    latest = rand_days(rng, np.full(n, day("2020-11-23")), LAST_SINGLE_WORD)
    ri, ina = judg == 2, judg == 3
    latest[ri] = rand_days(rng, np.full(ri.sum(), day("2025-03-03")), LAST_SINGLE_WORD)
    latest[ina] = rand_days(rng, np.full(ina.sum(), day("2025-05-01")), LAST_SINGLE_WORD)
    bad_date = rand_days(rng, np.full(n, day("2023-10-02")), day("2024-11-29"))
    bad_j = np.where(rng.random(n) < 0.75, 2, 3)
    gap = np.where(bad_j == 2, rand_days(rng, np.full(n, 150), 365),
                   rand_days(rng, np.full(n, 90), 180))
    latest = np.where(improving, np.minimum(bad_date + gap, LAST_SINGLE_WORD), latest)
    latest = weekday(latest, "backward")
    bad_date = weekday(bad_date, "forward")
    # an earlier good/outstanding inspection 3.5-5.5 years before, when after 2019
    prior = latest - rand_days(rng, np.full(n, 1278), 2008)
    prior = np.where(improving, np.minimum(prior, bad_date - 400), prior)
    prior = weekday(prior, "forward")
    has_prior = ~nyi & (prior >= day("2019-01-07")) & (rng.random(n) < 0.7)
    prior_j = np.where(rng.random(n) < 0.18, 0, 1)

    # the next inspection, a report card when it falls by today (O1, O5)
    nxt = _next_routine(rng, latest)
    nxt = np.where(ri, np.maximum(latest + rand_days(rng, np.full(n, 300), 480), RC_FROM), nxt)
    nxt = np.where(ina, np.maximum(latest + rand_days(rng, np.full(n, 120), 240), RC_FROM),
                   nxt)
    nxt = weekday(nxt, "forward")
    carded = ~nyi & (nxt <= ASOF - 3)
    quality = rng.standard_normal(n) + SHIFT[np.maximum(judg, 0)]
    sg, grades = _report_cards(rng, quality)

    cards = np.flatnonzero(carded)
    rows_s = np.concatenate([insp, np.flatnonzero(improving), np.flatnonzero(has_prior), cards])
    rows_d = np.concatenate([latest[insp], bad_date[improving], prior[has_prior], nxt[cards]])
    single = insp.size + improving.sum() + has_prior.sum()
    rows_j = np.concatenate([judg[insp], bad_j[improving], prior_j[has_prior],
                             np.full(cards.size, -1)])
    rows_sg = np.concatenate([np.full(single, -1), sg[cards]])
    rows_a = np.concatenate([np.full((len(REPORT_CARD_AREAS), single), -1), grades[:, cards]],
                            axis=1)
    kind = np.r_[np.zeros(single, np.int64), np.ones(cards.size, np.int64)]
    o = np.lexsort((rows_d, rows_s))
    ins = {"s": rows_s[o], "d": rows_d[o], "kind": kind[o], "j": rows_j[o], "sg": rows_sg[o],
           "areas": rows_a[:, o]}
    return {"judg": judg, "latest": latest, "ins": ins}

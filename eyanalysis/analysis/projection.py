"""Caseload projection: children by SEND level and age, term by term, with uncertainty.

The state of a term is a count of funded children per ``(level, age)`` cell, the age being
counted in terms since the term of birth (``age = term index - birth term index``), so that
the funding age (F6) and school entry follow from the cell and the term. From one term to
the next, estimated from the history in the data (:func:`estimate`):

- children leave with a probability by season and age (``leave``): leaving for school each
  September (the Reception entry of :func:`eyanalysis.rules.terms.school_entry`) and otherwise;
- those who stay move between levels with the pooled transition matrix ``transition``;
- new entrants arrive per season, level and age (``entrants``, the mean of the years seen).

:func:`expected` gives the deterministic expected-value path; :func:`simulate` a Monte Carlo
of ``paths`` futures with a seeded generator, fully vectorised over paths and cells (the only
Python loops are over terms and the six levels): process noise (binomial leaving, multinomial
level moves, Poisson entrants) plus parameter uncertainty (Dirichlet transition rows, Beta
leave rates and a log-normal entrant volume, drawn once per path).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from eyanalysis.rules import terms
from eyanalysis.rules.levels import LEVELS

N_LEVELS = len(LEVELS)
MAX_AGE = 18  # terms since birth; nobody is funded at 6 years old
SEASONS = terms.TERMS_PER_YEAR  # rates by season are indexed by terms.season_index


def child_terms(attendance: pd.DataFrame, children: pd.DataFrame) -> pd.DataFrame:
    """One row per child per term: ``t`` (term index), ``level`` code 0-5, ``age`` (terms).

    A child has one level per term (L1); with several settings the highest is kept.
    """
    codes = pd.Categorical(attendance["level"].astype("string"), categories=LEVELS).codes
    frame = pd.DataFrame(
        {
            "child_id": attendance["child_id"].astype("string").to_numpy(),
            "t": terms.indices(attendance["term"]),
            "level": codes,
        }
    )
    frame = frame.groupby(["child_id", "t"], as_index=False, sort=False)["level"].max()
    born = pd.Series(
        terms.birth_terms(children["birth_month"]),
        index=children["child_id"].astype("string").to_numpy(),
    )
    frame["age"] = frame["t"].to_numpy() - born.reindex(frame["child_id"]).to_numpy()
    return frame[(frame["age"] >= 0) & (frame["age"] < MAX_AGE)].reset_index(drop=True)


@dataclass(frozen=True)
class CaseloadModel:
    """Transition rates between terms, estimated from history or set by hand (tests).

    Shapes: ``transition`` and ``transition_counts`` (6, 6) from level to level;
    ``leave`` and ``leave_counts`` (3, MAX_AGE) by season of the new term and age in it
    (``leave_counts`` holds leavers and the number at risk, shape (2, 3, MAX_AGE));
    ``entrants`` (3, 6, MAX_AGE) mean new children per season, level and age;
    ``entrant_log_sd`` (3,) year-to-year spread of entrant volume by season.
    """

    transition: np.ndarray
    transition_counts: np.ndarray
    leave: np.ndarray
    leave_counts: np.ndarray
    entrants: np.ndarray
    entrant_log_sd: np.ndarray
    terms_seen: tuple[str, ...] = ()

    def static(self) -> CaseloadModel:
        """No transitions at all: nobody moves level, leaves or arrives (a test oracle)."""
        eye = np.eye(N_LEVELS)
        return replace(
            self,
            transition=eye,
            transition_counts=eye * 1e9,
            leave=np.zeros_like(self.leave),
            leave_counts=np.stack([np.zeros_like(self.leave), np.full_like(self.leave, 1e9)]),
            entrants=np.zeros_like(self.entrants),
            entrant_log_sd=np.zeros_like(self.entrant_log_sd),
        )


def estimate(history: pd.DataFrame) -> CaseloadModel:
    """Estimate a :class:`CaseloadModel` from :func:`child_terms` of consecutive terms."""
    seen = np.sort(history["t"].unique())
    key = history["child_id"].astype("string") + "|"
    cur = pd.Index(key + history["t"].astype(str))
    nxt = key + (history["t"] + 1).astype(str)
    pos = cur.get_indexer(pd.Index(nxt))
    has_next_term = np.isin(history["t"].to_numpy() + 1, seen)
    at_risk = history[has_next_term]
    stayed = pos[has_next_term] >= 0
    new_t = at_risk["t"].to_numpy() + 1
    new_age = np.minimum(at_risk["age"].to_numpy() + 1, MAX_AGE - 1)
    season = terms.season_index(new_t)
    leavers = np.zeros((SEASONS, MAX_AGE))
    risk = np.zeros((SEASONS, MAX_AGE))
    np.add.at(risk, (season, new_age), 1)
    np.add.at(leavers, (season[~stayed], new_age[~stayed]), 1)
    leave = (leavers + 0.5) / (risk + 1.0)  # Jeffreys-smoothed; no data -> 0.5
    leave[:, MAX_AGE - 1] = 1.0

    from_level = at_risk["level"].to_numpy()[stayed]
    to_level = history["level"].to_numpy()[pos[has_next_term][stayed]]
    counts = np.zeros((N_LEVELS, N_LEVELS))
    np.add.at(counts, (from_level, to_level), 1)
    smoothed = counts + np.where(counts.sum(axis=1, keepdims=True) == 0, np.eye(N_LEVELS), 0)
    transition = smoothed / smoothed.sum(axis=1, keepdims=True)

    # New entrants: present in t, absent in t-1, where t-1 was observed.
    prev = key + (history["t"] - 1).astype(str)
    is_new = (cur.get_indexer(pd.Index(prev)) < 0) & np.isin(history["t"].to_numpy() - 1, seen)
    new = history[is_new]
    entrants = np.zeros((SEASONS, N_LEVELS, MAX_AGE))
    years = np.zeros(SEASONS)
    totals: list[list[float]] = [[] for _ in range(SEASONS)]
    for t in seen[1:]:
        if t - 1 not in seen:
            continue
        s = terms.season_index(t)
        years[s] += 1
        rows = new[new["t"] == t]
        np.add.at(entrants[s], (rows["level"].to_numpy(), rows["age"].to_numpy()), 1)
        totals[s].append(len(rows))
    entrants /= np.maximum(years, 1)[:, None, None]
    log_sd = np.array(
        [float(np.std(np.log(np.maximum(x, 1)), ddof=1)) if len(x) > 1 else 0.0 for x in totals]
    )
    return CaseloadModel(
        transition=transition,
        transition_counts=counts,
        leave=leave,
        leave_counts=np.stack([leavers, risk]),
        entrants=entrants,
        entrant_log_sd=log_sd,
        terms_seen=tuple(terms.from_index(int(t)) for t in seen),
    )


def caseload(history: pd.DataFrame, term: str) -> np.ndarray:
    """Observed children per (level, age) in ``term``, shape (6, MAX_AGE)."""
    rows = history[history["t"] == terms.index(term)]
    out = np.zeros((N_LEVELS, MAX_AGE))
    np.add.at(out, (rows["level"].to_numpy(), rows["age"].to_numpy()), 1)
    return out


def _step(n: np.ndarray, model: CaseloadModel, new_t: int) -> np.ndarray:
    """Expected caseload in term ``new_t`` from ``n`` in the term before."""
    s = terms.season_index(new_t)
    aged = np.zeros_like(n)
    aged[:, 1:] = n[:, :-1]
    aged[:, -1] += n[:, -1]  # the oldest cell leaves through leave[:, MAX_AGE-1] = 1
    stay = aged * (1.0 - model.leave[s])[None, :]
    moved = np.einsum("la,lm->ma", stay, model.transition)
    return moved + model.entrants[s]


def expected(model: CaseloadModel, start: np.ndarray, first_term: str, n_terms: int
             ) -> np.ndarray:
    """Expected caseload per term, shape (n_terms, 6, MAX_AGE).

    ``start`` is the caseload of the term before ``first_term`` (the last term observed).
    """
    out = np.empty((n_terms, N_LEVELS, MAX_AGE))
    n = np.asarray(start, dtype=float)
    t0 = terms.index(first_term)
    for k in range(n_terms):  # a loop over terms only
        n = _step(n, model, t0 + k)
        out[k] = n
    return out


def _dirichlet_rows(rng: np.random.Generator, alpha: np.ndarray, paths: int) -> np.ndarray:
    g = rng.standard_gamma(np.broadcast_to(alpha, (paths, *alpha.shape)))
    return g / g.sum(axis=-1, keepdims=True)


def simulate(
    model: CaseloadModel,
    start: np.ndarray,
    first_term: str,
    n_terms: int,
    paths: int,
    seed: int,
    parameter_uncertainty: bool = True,
    progress=None,
) -> np.ndarray:
    """Monte Carlo caseloads, shape (paths, n_terms, 6, MAX_AGE), integer counts.

    Deterministic for a ``seed`` (numpy ``default_rng``). Loops over terms and levels only;
    every draw is an array over all paths and cells at once. ``progress(k, n_terms)`` is
    called after each term when given.
    """
    rng = np.random.default_rng(seed)
    start = np.rint(np.asarray(start, dtype=float)).astype(np.int64)
    if parameter_uncertainty:
        trans = _dirichlet_rows(rng, model.transition_counts + 0.5, paths)  # (P, 6, 6)
        leavers, risk = model.leave_counts
        leave = rng.beta(
            np.broadcast_to(leavers + 0.5, (paths, *leavers.shape)),
            np.broadcast_to(risk - leavers + 0.5, (paths, *leavers.shape)),
        )
        leave[..., MAX_AGE - 1] = 1.0
    else:
        trans = np.broadcast_to(model.transition, (paths, N_LEVELS, N_LEVELS))
        leave = np.broadcast_to(model.leave, (paths, *model.leave.shape))
    # conditional probabilities for the chain of binomials that makes a multinomial
    rest = np.flip(np.cumsum(np.flip(trans, -1), -1), -1)  # P(to >= m | from l)
    with np.errstate(divide="ignore", invalid="ignore"):
        cond = np.where(rest > 0, trans / rest, 0.0)  # P(to = m | to >= m)
    cond = np.clip(cond, 0.0, 1.0)

    out = np.empty((paths, n_terms, N_LEVELS, MAX_AGE), dtype=np.int64)
    n = np.broadcast_to(start, (paths, N_LEVELS, MAX_AGE)).copy()
    t0 = terms.index(first_term)
    for k in range(n_terms):  # a loop over terms only
        new_t = t0 + k
        s = terms.season_index(new_t)
        aged = np.zeros_like(n)
        aged[:, :, 1:] = n[:, :, :-1]
        aged[:, :, -1] += n[:, :, -1]
        stay = rng.binomial(aged, (1.0 - leave[:, s, :])[:, None, :])
        nxt = np.zeros_like(n)
        for lvl in range(N_LEVELS):  # from-level; the multinomial over to-levels is chained
            remaining = stay[:, lvl, :]
            for m in range(N_LEVELS - 1):
                x = rng.binomial(remaining, cond[:, lvl, m][:, None])
                nxt[:, m, :] += x
                remaining = remaining - x
            nxt[:, N_LEVELS - 1, :] += remaining
        volume = np.exp(rng.normal(0.0, model.entrant_log_sd[s], size=(paths, 1, 1))
                        - model.entrant_log_sd[s] ** 2 / 2)
        if not parameter_uncertainty:
            volume = np.ones((paths, 1, 1))
        nxt += rng.poisson(model.entrants[s][None] * volume)
        n = nxt
        out[:, k] = n
        if progress is not None:
            progress(k + 1, n_terms)
    return out


def funding_age_of_cell(term: str) -> np.ndarray:
    """Funding age (``"2"`` or ``"3-4"``) of each age cell in ``term`` (F6)."""
    t = terms.index(term)
    return terms.funding_age_of(t - np.arange(MAX_AGE), t)

"""The annual audit sample of NEF settings (M2).

M2: an annual audit covers a fraction (``panel.audit_fraction``, 30%) of NEF settings.
**Decision:** a stratified random sample by provider type and district, seeded, so the same
settings and seed always give the same sample.

Allocation per stratum (largest remainder, Hamilton's method):

- the total is ``round_half_up(fraction x population)``, computed exactly;
- each stratum first gets ``floor(fraction x stratum size)`` settings;
- the seats left over go one each to the strata with the largest remainders (the
  fractional parts). Equal remainders are ordered by a seeded random draw, so no stratum is
  favoured by its name, and the result is still reproducible.

So a stratum of one setting (remainder 0.30 at 30%) is sampled only if it wins one of the
left-over seats; the total never exceeds the target. Within a stratum, settings are chosen by
a seeded random key drawn in ``setting_id`` order, so the input row order does not matter.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pandas as pd

from eyanalysis.parameters import Parameters, load_parameters

STRATA = ["provider_type", "district"]


@dataclass(frozen=True)
class AuditSample:
    """The sampled settings and, per stratum, its population and sample size."""

    year: int
    seed: int
    fraction: Fraction
    sample: pd.DataFrame
    strata: pd.DataFrame


def audit_year_start(year: int) -> dt.date:
    """The date whose audit fraction applies: 1 April of the audit's financial year."""
    return dt.date(year, 4, 1)


def allocate(sizes: np.ndarray, fraction: Fraction, rng: np.random.Generator) -> np.ndarray:
    """Settings to sample per stratum by largest remainder (see the module docstring)."""
    sizes = np.asarray(sizes, dtype="int64")
    p, q = fraction.numerator, fraction.denominator
    num = sizes * p
    base = num // q
    rem = num % q
    total = int((2 * int(sizes.sum()) * p + q) // (2 * q))  # round half up, exact
    extra = total - int(base.sum())
    tie = rng.random(len(sizes))
    order = np.lexsort((tie, -rem))  # largest remainder first, seeded tie-break
    alloc = base.copy()
    alloc[order[:extra]] += 1
    return alloc


def sample(settings: pd.DataFrame, year: int, seed: int | None = None,
           fraction: Decimal | float | str | None = None,
           params: Parameters | None = None) -> AuditSample:
    """A stratified random sample of the NEF settings (``nef_registered``) for ``year`` (M2).

    ``fraction`` defaults to ``panel.audit_fraction`` in force on 1 April of ``year``;
    ``seed`` defaults to ``year``. Same settings, year, fraction and seed: same sample.
    """
    if fraction is None:
        params = params or load_parameters()
        fraction = params.get("panel.audit_fraction", audit_year_start(year))
    frac = Fraction(Decimal(str(fraction)))
    if not 0 < frac <= 1:
        raise ValueError(f"audit fraction {fraction} must be above 0 and at most 1.")
    seed = year if seed is None else int(seed)
    pop = settings.loc[settings["nef_registered"].astype(bool)].copy()
    pop = pop.sort_values("setting_id", kind="stable").reset_index(drop=True)
    rng = np.random.default_rng(seed)
    key = rng.random(len(pop))
    strata = (pop.groupby(STRATA, sort=True, observed=True).size()
              .rename("population").reset_index())
    strata["sampled"] = allocate(strata["population"].to_numpy(), frac, rng)
    pop = pop.merge(strata, on=STRATA, how="left")
    pop["_key"] = key
    rank = pop.groupby(STRATA, observed=True)["_key"].rank(method="first").astype("int64")
    chosen = pop.loc[rank <= pop["sampled"]].drop(columns="_key")
    chosen = chosen.rename(columns={"population": "stratum_population",
                                    "sampled": "stratum_sampled"})
    cols = ["setting_id", "name", *STRATA, "ofsted_judgement", "stratum_population",
            "stratum_sampled"]
    out = chosen[[c for c in cols if c in chosen.columns]].sort_values(
        [*STRATA, "setting_id"]).reset_index(drop=True)
    out.insert(0, "audit_year", year)
    return AuditSample(year, seed, frac, out, strata)


def strata_text(result: AuditSample) -> str:
    """The stratum sizes as a small printable table with a total line."""
    s = result.strata
    lines = [f"audit {result.year}: fraction {float(result.fraction):.2f}, seed {result.seed}",
             s.to_string(index=False),
             f"total: {int(s['population'].sum())} NEF settings, "
             f"{int(s['sampled'].sum())} sampled"]
    return "\n".join(lines)

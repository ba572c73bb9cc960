"""Settings of the sample county: provider types, districts, size, opening date, crisis
and NEF registration; their Ofsted history comes from :mod:`.inspections`."""

from __future__ import annotations

import numpy as np

from eyanalysis.data.synth.calendar import day, weekday
from eyanalysis.data.synth.config import (
    BASE_SETTINGS,
    CAPACITY,
    CRISIS_SHARE,
    DISTRICT_SHARE,
    NON_NEF_SHARE,
    NOT_INSPECTED_SHARE,
    PROVIDER_SHARE,
    SETTING_TYPES,
)
from eyanalysis.data.synth.draw import allocate, rand_days
from eyanalysis.data.synth.inspections import build_inspections


def build_settings(rng, scale: float) -> dict:
    """Arrays per setting (index = setting number - 1) and its inspections (``S["ins"]``)."""
    n = max(12, int(round(BASE_SETTINGS * scale)))
    ptype = allocate(rng, n, PROVIDER_SHARE, minimum=1)
    district = allocate(rng, n, DISTRICT_SHARE, minimum=1)
    cap = np.array([CAPACITY[p] for p in SETTING_TYPES])[ptype]
    weight = cap * rng.lognormal(0.0, 0.45, n)
    weight[ptype == 0] = cap[ptype == 0] * rng.uniform(0.5, 1.5, (ptype == 0).sum())

    # not yet inspected: recently registered childminders and group settings
    can_be_new = ptype <= 1
    nyi = np.zeros(n, bool)
    n_nyi = int(round(NOT_INSPECTED_SHARE * can_be_new.sum()))
    nyi[rng.choice(np.flatnonzero(can_be_new), n_nyi, replace=False)] = True
    opened = np.full(n, day("2015-01-01"), dtype=np.int64)
    opened[nyi] = weekday(rand_days(rng, np.full(nyi.sum(), day("2024-06-01")),
                                    day("2026-09-01")))
    S = {"n": n, "ptype": ptype, "district": district, "weight": weight, "nyi": nyi,
         "opened": opened}
    S.update(build_inspections(rng, S))

    # in crisis now (a few; not specialist or school settings)
    cand = np.flatnonzero(~nyi & (ptype <= 1) & (S["judg"] <= 2))
    n_crisis = max(2, int(round(CRISIS_SHARE * n)))
    crisis = np.zeros(n, bool)
    crisis[rng.choice(cand, n_crisis, replace=False)] = True
    S["crisis"] = crisis
    S["crisis_start"] = weekday(rand_days(rng, np.full(n, day("2026-05-04")),
                                          day("2026-11-06")), "forward")
    nef = np.ones(n, bool)
    cand = np.flatnonzero((ptype <= 1) & ~crisis)
    nef[rng.choice(cand, int(round(NON_NEF_SHARE * n)), replace=False)] = False
    S["nef"] = nef
    return S

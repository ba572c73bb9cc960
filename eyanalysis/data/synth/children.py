"""Children of the sample county: birth months, disadvantage and EYPP, looked-after status,
the level of need they grow into, EHC plans, DLA (D1), take-up of the entitlements and
when they leave for Reception. Their termly attendance is :mod:`.attendance`."""

from __future__ import annotations

import numpy as np

from eyanalysis.data.synth.attendance import attend
from eyanalysis.data.synth.calendar import first_term_at_age, school_entry_term, term_after_month
from eyanalysis.data.synth.config import (
    BIRTHS_PER_MONTH,
    DISTRICTS,
    LEAVE_HAZARD,
    P_DAF,
    P_DISADVANTAGED,
    P_TAKES_2,
    P_TAKES_34,
    P_TARGET_LEVEL,
)
from eyanalysis.data.synth.draw import pick


def build_children(rng, scale: float, S: dict) -> dict:
    """Arrays per child of the population (index = position in a random order) and their
    attendance rows (``C["rows"]``) and panel-decided level moves (``C["derived"]``)."""
    # birth months covering everyone funded in 2023-AUT .. 2026-AUT
    months = np.arange(2018 * 12 + 8, 2024 * 12 + 8)
    per_month = rng.poisson(BIRTHS_PER_MONTH * scale, months.size)
    # population in random order: ids are later given in this order, so they say nothing
    # about age, and rows built in index order come out sorted by id
    bmi = rng.permutation(np.repeat(months, per_month))
    n = bmi.size
    bm = bmi % 12

    dis = rng.random(n) < P_DISADVANTAGED
    lac = rng.random(n) < 0.0095
    dis |= lac
    eypp = lac | (dis & (rng.random(n) < 0.5)) | (~dis & (rng.random(n) < 0.02))
    takes2 = rng.random(n) < np.where(lac, 0.7, np.where(dis, P_TAKES_2[1], P_TAKES_2[0]))
    takes34 = takes2 | (rng.random(n) < P_TAKES_34)

    # F6: the 2-year-old offer from the term after the second birthday; 3-4 funding from the
    # first term rules.terms.funding_age gives "3-4"; Reception from rules.terms.school_entry;
    # compulsory school age from the term after the fifth birthday
    elig2 = term_after_month(bmi + 24)
    elig34 = first_term_at_age(bmi, "3-4")
    school = school_entry_term(bmi)
    csa = term_after_month(bmi + 60)
    summer = (bm >= 3) & (bm <= 7)
    target = pick(rng, P_TARGET_LEVEL, n).astype(np.int8)
    # deferred / delayed Reception entry: a few, more often with high need (X2 (1)-(2))
    p_defer = np.where(target >= 4, np.where(summer, 0.2, 0.1),
                       np.where(summer, 0.025, 0.01))
    defer = rng.random(n) < p_defer
    delay2 = pick(rng, (0.7, 0.2, 0.1), n)
    delay34 = pick(rng, (0.80, 0.10, 0.06, 0.04), n)
    start = np.where(takes2, elig2 + delay2, np.where(takes34, elig34 + delay34, 10**6))
    end = np.where(defer, csa, school)
    end = np.minimum(end, start + rng.geometric(LEAVE_HAZARD, n))
    district = pick(rng, np.bincount(S["district"], weights=S["weight"] * S["nef"],
                                     minlength=len(DISTRICTS)), n)

    u = rng.random(n)
    p_plan = np.array([0.0, 0.0, 0.0, 0.03, 0.50, 0.85])[target]
    p_ass = np.array([0.0, 0.0, 0.03, 0.15, 0.25, 0.12])[target]
    ehcp = np.where(u < p_plan, 2, np.where(u < p_plan + p_ass, 1, 0))
    daf = rng.random(n) < np.array(P_DAF)[target]  # D1: DLA, mostly with high need

    C = {"n": n, "bmi": bmi, "eypp": eypp, "lac": lac, "ehcp": ehcp, "daf": daf,
         "defer": defer, "summer": summer, "school": school, "csa": csa, "elig34": elig34,
         "start": start, "end": end, "target": target, "district": district}
    rows, derived, top = attend(rng, S, C)
    C["rows"], C["derived"] = rows, derived
    C["known"] = ((top >= 3) | ((top == 2) & (rng.random(n) < 0.5))
                  | ((top == 1) & (rng.random(n) < 0.03)))
    return C

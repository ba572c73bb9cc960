"""The annual cycle of advisory visits (C5-C7): each review year (September to August)
every open setting has a Visit 1 (learning and development) and a Visit 2 (welfare) planned
about six months apart, about 15% an optional Visit 3 (SEND review). Self-audits are usually
returned 14 days or more before; a Visit 1 without a self-audit is not held (C6), with a late
one it is re-arranged to 14 days after receipt."""

from __future__ import annotations

import numpy as np

from eyanalysis.data.synth.calendar import ASOF, VEND, day, weekday
from eyanalysis.data.synth.draw import rand_days


def cycle_visits(rng, S: dict) -> dict:
    """Arrays per planned cycle visit: ``s``, ``type`` (0 Visit 1, 1 Visit 2, 2 Visit 3),
    ``plan``, ``audit`` / ``has_audit`` (self-audit received), ``held`` / ``is_held``."""
    n = S["n"]
    opened = S["opened"]
    parts_s, parts_type, parts_plan = [], [], []
    for ry in range(2023, 2027):
        y0, y1 = day(f"{ry}-09-08"), day(f"{ry + 1}-07-24")
        ld = rand_days(rng, np.full(n, y0), y0 + 172)
        ld = np.maximum(ld, opened + 30)
        ok = ld <= day(f"{ry + 1}-07-01")
        wf = np.minimum(ld + np.round(rng.normal(182, 12, n)).astype(np.int64), y1)
        wf = np.maximum(wf, ld + 60)
        sr_ok = ok & (rng.random(n) < 0.15)
        sr = np.maximum(rand_days(rng, np.full(n, day(f"{ry}-10-01")), day(f"{ry + 1}-06-26")),
                        opened + 30)
        s = np.arange(n)
        parts_s += [s[ok], s[ok], s[sr_ok]]
        parts_type += [np.zeros(ok.sum(), np.int64), np.ones(ok.sum(), np.int64),
                       np.full(sr_ok.sum(), 2)]
        parts_plan += [ld[ok], wf[ok], sr[sr_ok]]
    cs = np.concatenate(parts_s)
    ctype = np.concatenate(parts_type)
    cplan = weekday(np.concatenate(parts_plan), "forward")
    keep = cplan <= VEND
    cs, ctype, cplan = cs[keep], ctype[keep], cplan[keep]
    m = cs.size

    u = rng.random(m)
    status = np.where(u < 0.85, 0, np.where(u < 0.93, 1, 2))  # on time, late, missing
    ontime = cplan - 14 - np.minimum(np.floor(rng.exponential(6.0, m)).astype(np.int64), 45)
    late = cplan - rng.integers(0, 14, m) + np.where(rng.random(m) < 0.3,
                                                     rng.integers(1, 8, m), 0)
    received = weekday(np.where(status == 0, ontime, late), "backward")
    has_audit = (status < 2) & (received <= ASOF)

    lat_u = rng.random(m)
    lateness = np.where(lat_u < 0.6, 0, np.where(lat_u < 0.88, rng.integers(1, 15, m),
                                                 rng.integers(15, 46, m)))
    held = cplan + lateness
    is_ld = ctype == 0
    held = np.where(is_ld & (status == 1),
                    np.maximum(cplan, received + 14) + rng.integers(0, 8, m), held)
    held = weekday(held, "forward")
    p_hold = np.where(is_ld, np.where(has_audit, 0.95, 0.0), np.where(has_audit, 0.93, 0.85))
    is_held = (cplan <= ASOF) & (rng.random(m) < p_hold) & (held <= ASOF)
    return {"s": cs, "type": ctype, "plan": cplan, "audit": received, "has_audit": has_audit,
            "held": held, "is_held": is_held}

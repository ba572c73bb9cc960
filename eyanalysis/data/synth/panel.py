"""Applications to the inclusion panel (X1-X4): the approvals already behind attendance
levels (moves to EXC, some GR3 -> GR4), other exceptional, challenge and out-of-school
applications sampled from attendance, 0-5 applications for children not in funded hours,
and the criteria flags (X1-X2) filled from each child's facts.

Panels sit on the second Tuesday of every month (``calendar.PANELS``); an application goes
to the first panel at least 14 days after receipt (sometimes the next one), so waits are
2-8 weeks. Applications are ``pending`` while their panel (or decision) is after today.
"""

from __future__ import annotations

import numpy as np

from eyanalysis.data.synth.calendar import ASOF, PANELS, W0, WINDOW, term_end, term_start, weekday
from eyanalysis.data.synth.draw import pick, rand_days


def next_panel(rng, received: np.ndarray) -> np.ndarray:
    """The panel an application received on ``received`` goes to."""
    i = np.searchsorted(PANELS, received + 14)
    skip = (rng.random(received.size) < 0.15) & (
        PANELS[np.minimum(i + 1, PANELS.size - 1)] <= received + 56
    )
    return PANELS[np.minimum(i + skip, PANELS.size - 1)]


def build_panel(rng, scale: float, S: dict, C: dict) -> tuple[dict, dict]:
    """Applications (``P``) and the children of 0-5 applications (``extra``)."""
    R = C["rows"]
    D = C["derived"]
    main = np.flatnonzero(R["main"])
    rc, rt = R["c"][main].astype(np.int64), R["t"][main].astype(np.int64)
    rl, rs = R["lvl"][main].astype(np.int64), R["s"][main].astype(np.int64)

    parts = []  # dicts with c, s, t, kind, received, panel, decision, dec_date, award

    # derived approvals (already reflected in attendance levels)
    nd = D["c"].size
    if nd:
        parts.append(
            {
                "c": D["c"],
                "s": D["s"],
                "t": D["t"],
                "kind": D["kind"],
                "received": weekday(D["panel"] - rng.integers(14, 50, nd), "backward"),
                "panel": D["panel"],
                "dec": np.full(nd, 1),
                "dec_date": D["dec"],
                "award": np.where(D["kind"] == 0, 5, 4),
            }
        )

    def sample_rows(mask, count):
        cand = np.flatnonzero(mask)
        if cand.size == 0 or count <= 0:
            return np.zeros(0, np.int64)
        return np.sort(rng.choice(cand, min(count, cand.size), replace=False))

    def received_in_term(t, recent):
        ts = term_start(t)
        te = np.minimum(term_end(t), ASOF - 3)
        r = rand_days(rng, ts, te)
        if recent:
            r = rand_days(rng, np.full(t.size, ASOF - 32), ASOF - 3)
        return weekday(r, "backward")

    def other(kind, mask, count, dec_p, recent=False):
        rows = sample_rows(mask, count)
        k = rows.size
        if k == 0:
            return
        rec = received_in_term(rt[rows], recent)
        panel = next_panel(rng, rec)
        dec = pick(rng, dec_p, k) + 1  # 1 approved .. 4 withdrawn
        dd = weekday(panel + np.where(rng.random(k) < 0.75, 0, rng.integers(1, 11, k)), "backward")
        award = np.where(dec == 1, rl[rows], -1)
        parts.append(
            {
                "c": rc[rows],
                "s": rs[rows],
                "t": rt[rows],
                "kind": np.full(k, kind),
                "received": rec,
                "panel": panel,
                "dec": dec,
                "dec_date": dd,
                "award": award,
            }
        )

    last = rt == WINDOW[-1]
    # exceptional applications not approved: mostly children at GR4, some not (missing X1 d)
    other(0, rl == 4, int(round(45 * scale)), (0.0, 0.5, 0.3, 0.2))
    other(0, rl == 3, int(round(8 * scale)), (0.0, 0.7, 0.2, 0.1))
    other(3, rl == 3, int(round(30 * scale)), (0.0, 0.6, 0.2, 0.2))
    other(2, rl >= 2, int(round(32 * scale)), (0.6, 0.2, 0.1, 0.1))
    # recent ones, mostly still pending
    other(0, last & (rl == 4), max(2, int(round(5 * scale))), (0.0, 0.5, 0.3, 0.2), recent=True)
    other(3, last & (rl == 3), max(1, int(round(3 * scale))), (0.0, 0.6, 0.2, 0.2), recent=True)
    other(2, last & (rl >= 2), max(1, int(round(2 * scale))), (0.6, 0.2, 0.1, 0.1), recent=True)

    # non-NEF (0-5 not accessing NEF): new children, under 2 or at a non-NEF setting
    k = max(3, int(round(45 * scale)))
    rec = weekday(rand_days(rng, np.full(k, W0 + 7), ASOF - 3), "backward")
    rec_m = rec.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64) + 1970 * 12
    under2 = rng.random(k) < 0.7
    age = np.where(under2, rng.integers(6, 24, k), rng.integers(24, 48, k))
    nn_bmi = rec_m - age
    non_nef = np.flatnonzero(~S["nef"])
    young_ok = np.flatnonzero(S["nef"] & (S["ptype"] <= 1))
    nn_set = np.where(
        under2 | (non_nef.size == 0),
        rng.choice(young_ok, k),
        rng.choice(non_nef if non_nef.size else young_ok, k),
    )
    nn_c = C["n"] + np.arange(k)
    panel = next_panel(rng, rec)
    dec = pick(rng, (0.65, 0.15, 0.1, 0.1), k) + 1
    dd = weekday(panel + np.where(rng.random(k) < 0.75, 0, rng.integers(1, 11, k)), "backward")
    parts.append(
        {
            "c": nn_c,
            "s": nn_set,
            "t": np.zeros(k, np.int64),
            "kind": np.full(k, 1),
            "received": rec,
            "panel": panel,
            "dec": dec,
            "dec_date": dd,
            "award": np.where(dec == 1, pick(rng, (0.3, 0.4, 0.3), k) + 2, -1),
        }
    )
    u = rng.random(k)
    extra = {
        "bmi": nn_bmi,
        "eypp": np.zeros(k, bool),
        "lac": rng.random(k) < 0.03,
        "ehcp": np.where(u < 0.15, 2, np.where(u < 0.4, 1, 0)),
        "known": rng.random(k) < 0.6,
        "daf": rng.random(k) < 0.15,  # D1: DLA without funded hours (no DAF paid)
    }

    P = {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}
    m = P["c"].size
    # pending while the panel or the decision is after AS_OF
    pending = (P["panel"] > ASOF) | (P["dec_date"] > ASOF)
    P["dec"] = np.where(pending, 0, P["dec"])
    P["award"] = np.where(P["dec"] == 1, P["award"], -1)
    P["pending"] = pending

    # ---- criteria flags (X1-X2), from the child's facts
    is_new = P["c"] >= C["n"]
    cc = np.minimum(P["c"], C["n"] - 1)
    known_all = np.concatenate([C["known"], extra["known"]])
    ehcp_all = np.concatenate([C["ehcp"], extra["ehcp"]])
    approved_exc = (P["kind"] == 0) & (P["dec"] == 1)
    exc = P["kind"] == 0
    reg = np.ones(m, bool)
    chair = known_all[P["c"]] & (rng.random(m) < 0.92)
    nefel = P["kind"] != 1
    t_app = np.where(is_new, 0, P["t"])
    # level when applying: the term's level; a derived approval was made while at GR4 (EXC)
    # or GR3 (challenge), the level before the decision
    key_rows = rc * 1000 + rt
    order = np.argsort(key_rows)
    ks = key_rows[order]
    q = P["c"] * 1000 + t_app
    pos = np.clip(np.searchsorted(ks, q), 0, max(ks.size - 1, 0))
    lvl_now = np.where((ks[pos] == q) & ~is_new, rl[order][pos], -1)
    is_derived = np.zeros(m, bool)
    is_derived[:nd] = True
    lvl_now = np.where(is_derived, np.where(P["kind"] == 0, 4, 3), lvl_now)
    gr4 = lvl_now >= 4
    in_reception_year = ~is_new & (t_app >= C["school"][cc])
    deferred = in_reception_year & C["defer"][cc] & ~C["summer"][cc]
    delayed = in_reception_year & C["defer"][cc] & C["summer"][cc]
    ehcp_flag = ehcp_all[P["c"]] >= 1
    spec_rec = rng.random(m) < 0.12

    # exceptional, not approved: a third miss one of X1 (a)-(c)
    miss = exc & ~approved_exc & (rng.random(m) < 0.35)
    which = rng.integers(0, 3, m)
    reg &= ~(miss & (which == 0))
    chair &= ~(miss & (which == 1))
    nefel &= ~(miss & (which == 2))
    # approved exceptional meet every X1 criterion and at least one X2 criterion
    reg |= approved_exc
    chair |= approved_exc
    nefel |= approved_exc
    gr4 |= approved_exc
    none_x2 = ~(deferred | delayed | ehcp_flag | spec_rec)
    spec_rec |= approved_exc & none_x2
    P["flags"] = np.stack([reg, chair, nefel, gr4, deferred, delayed, ehcp_flag, spec_rec])
    # an approved exceptional child must be known to the Pre-School Forum
    known_all[P["c"][approved_exc]] = True
    C["known"] = known_all[: C["n"]]
    extra["known"] = known_all[C["n"] :]
    return P, extra

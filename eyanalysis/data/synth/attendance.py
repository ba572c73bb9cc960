"""Termly attendance of the sample county's children (F2, F6-F7, L1, X3).

Term by term: which children are funded (from their start to their leaving term), the level
of each (one per child per term, moving at most one step towards the need they grow into;
a move to EXC, and some GR3 -> GR4 moves, on the decision date of an approved panel
application), the setting(s) attended and the weekly hours there.
"""

from __future__ import annotations

import numpy as np

from eyanalysis.data.synth.calendar import ASOF, PANELS, WINDOW, term_end, term_start, weekday
from eyanalysis.data.synth.config import (
    DISTRICTS,
    HOURS_DUAL,
    HOURS_SINGLE,
    P_DUAL_CHILD,
    P_DUAL_TERM,
)
from eyanalysis.data.synth.draw import Sampler, pick, rand_days

HP_VALS = np.array([h for h, _ in HOURS_SINGLE])
HP_PROBS = np.array([p for _, p in HOURS_SINGLE])
HD_VALS = np.array([h for h, _ in HOURS_DUAL])
HD_PROBS = np.array([p for _, p in HOURS_DUAL])


def _levels(rng, t, idx, first, a2, plan, target, level, since, start, out_derived):
    """New level and the date it took effect for the children ``idx`` funded in term ``t``."""
    ts, te_eff = int(term_start(t)), min(int(term_end(t)), ASOF)
    new = level.copy()
    f = np.flatnonzero(first)
    est_f = start[idx[f]] < t  # funded before the window opened
    u = rng.random(f.size)
    a2f, planf, tf = a2[f], plan[f], target[f]
    p_full = np.where(a2f, np.where(planf, 0.5, 0.1), np.where(est_f | planf, 0.75, 0.55))
    p_less = np.where(a2f, 0.12, 0.2)
    new[f] = np.where(u < p_full, tf, np.where(u < p_full + p_less, np.maximum(tf - 1, 0), 0))
    # later terms: drift towards the target level, mostly stable, at most one step
    g = np.flatnonzero(~first)
    v = rng.random(g.size)
    lg, tg = level[g], target[g]
    toward = np.where(plan[g], 0.6, np.where(a2[g], 0.1, 0.35))
    step = np.zeros(g.size, np.int8)
    step[(lg < tg) & (v < toward)] = 1
    step[(lg == tg) & (tg > 0) & (v < np.where(tg == 4, 0.008, 0.015))] = 1
    step[(lg == tg) & (tg > 0) & (v > 1 - np.where(tg == 5, 0.01, 0.03))] = -1
    step[(lg == tg) & (tg == 0) & (v < 0.004)] = 1
    step[(lg > tg) & (v < 0.35)] = -1
    new[g] = np.clip(lg + step, 0, 5)

    # level_from: when the level took effect (never after the term end or today)
    lf = since.copy()
    fe = f[est_f]
    sd_fe = term_start(start[idx[fe]])
    lf[fe] = np.where(new[fe] == 0, sd_fe, rand_days(rng, sd_fe, ts - 1))
    fn = f[~est_f]
    lf[fn] = np.where(new[fn] == 0, ts, np.minimum(ts + rng.integers(0, 22, fn.size), te_eff))
    ch = g[new[g] != lg]
    lf[ch] = rand_days(rng, np.full(ch.size, ts), te_eff)

    # moves to EXC (and some GR3 -> GR4) take effect on a panel decision date (X3)
    cand = np.concatenate([fn[new[fn] == 5], ch[new[ch] == 5]])
    chal = ch[(level[ch] == 3) & (new[ch] == 4)]
    chal = chal[rng.random(chal.size) < 0.35]
    a = np.concatenate([cand, chal])
    lo = np.searchsorted(PANELS, ts)
    hi = np.searchsorted(PANELS, te_eff - 10, side="right")
    if hi > lo and a.size:
        p = PANELS[lo + np.floor(rng.random(a.size) * (hi - lo)).astype(np.int64)]
        late = np.where(rng.random(a.size) < 0.75, 0, rng.integers(1, 11, a.size))
        dec = weekday(np.minimum(p + late, te_eff), "backward")
        lf[a] = dec
        out_derived["c"].append(idx[a])
        out_derived["t"].append(np.full(a.size, t))
        out_derived["kind"].append(np.r_[np.zeros(cand.size, np.int64), np.full(chal.size, 3)])
        out_derived["panel"].append(p)
        out_derived["dec"].append(dec)
    else:
        a = np.zeros(0, np.int64)
    return new, lf, a


def attend(rng, S: dict, C: dict) -> tuple[dict, dict, np.ndarray]:
    """Attendance rows (``c``, ``s``, ``h``, ``lvl``, ``lf``, ``t``, ``main``), the panel
    decisions that moved a level (``c``, ``t``, ``kind``, ``panel``, ``dec``, ``s``) and each
    child's highest level."""
    n, n_set = C["n"], S["n"]
    specchild = (C["target"] >= 4) & (rng.random(n) < 0.3)
    specdual = rng.random(n) < 0.35
    dualc = rng.random(n) < P_DUAL_CHILD
    ptype = S["ptype"]
    w_main = S["weight"] * S["nef"] * (ptype != 4)
    w2_factor = np.array([1.0, 1.0, 0.15, 0.6, 0.0])[ptype]
    spec_setting = Sampler(S["weight"] * (ptype == 4), np.zeros(n_set, np.int64), 1).draw(
        rng, np.zeros(n, np.int64))
    hp, hd = pick(rng, HP_PROBS, n), pick(rng, HD_PROBS, n)
    level, since = np.zeros(n, np.int8), np.zeros(n, np.int64)
    seen, top = np.zeros(n, bool), np.full(n, -1, np.int8)
    prim, sec = np.full(n, -1, np.int64), np.full(n, -1, np.int64)
    district, start, end, elig34 = C["district"], C["start"], C["end"], C["elig34"]
    out = {k: [] for k in ("c", "s", "h", "lvl", "lf", "t", "main")}
    derived = {k: [] for k in ("c", "t", "kind", "panel", "dec", "s")}

    for t in WINDOW:
        opened_now = S["opened"] <= int(term_start(t)) + 45
        samp34 = Sampler(w_main * opened_now, S["district"], len(DISTRICTS))
        samp2 = Sampler(w_main * opened_now * w2_factor, S["district"], len(DISTRICTS))
        idx = np.flatnonzero((start <= t) & (t < end))
        k = idx.size
        a2 = t < elig34[idx]  # a funded 2-year-old this term (F6)
        first = ~seen[idx]
        new, lf, a = _levels(rng, t, idx, first, a2, C["ehcp"][idx] == 2, C["target"][idx],
                             level[idx], since[idx], start, derived)
        level[idx], since[idx] = new, lf
        top[idx] = np.maximum(top[idx], new)

        # settings: a main setting kept between terms, sometimes changed
        p_new = prim[idx]
        switch = first | (rng.random(k) < np.where(t == elig34[idx], 0.2, 0.04)) | (p_new < 0)
        sw2 = np.flatnonzero(switch & a2)
        sw34 = np.flatnonzero(switch & ~a2)
        p_new[sw2] = samp2.draw(rng, district[idx[sw2]])
        p_new[sw34] = samp34.draw(rng, district[idx[sw34]])
        prim[idx] = p_new
        spec_row = specchild[idx] & (new >= 4)
        main_s = np.where(spec_row, spec_setting[idx], p_new)

        # hours: persistent pattern, re-drawn now and then
        redraw = idx[rng.random(k) < 0.1]
        hp[redraw] = pick(rng, HP_PROBS, redraw.size)
        hd[redraw] = pick(rng, HD_PROBS, redraw.size)
        main_h = HP_VALS[hp[idx]]
        main_h = np.where(a2, np.minimum(main_h, 15.0), main_h)
        dual = dualc[idx] & (rng.random(k) < P_DUAL_TERM) & ~spec_row
        # second setting: persistent, different from the first
        s_new = sec[idx]
        need = dual & ((s_new < 0) | (s_new == p_new) | (rng.random(k) < 0.1))
        nd = np.flatnonzero(need)
        for _ in range(6):
            if nd.size == 0:
                break
            d_nd = district[idx[nd]]
            s_new[nd] = np.where(a2[nd], samp2.draw(rng, d_nd), samp34.draw(rng, d_nd))
            nd = nd[s_new[nd] == p_new[nd]]
        sec[idx] = s_new
        dual &= s_new != p_new
        sp = np.flatnonzero(spec_row)
        main_h[sp] = np.where(rng.random(sp.size) < 0.8, 15.0, 10.0)
        dj = np.flatnonzero(dual)
        pair = HD_VALS[hd[idx[dj]]]
        small = np.where(rng.random(dj.size) < 0.5, 2, 3)  # (10,5) or (7.5,7.5) at age 2
        pair = np.where((a2[dj] & (pair.sum(1) > 15.0))[:, None], HD_VALS[small], pair)
        main_h[dj] = pair[:, 0]
        sj = sp[specdual[idx[sp]]]  # at a specialist setting and a mainstream one
        j = np.concatenate([dj, sj])
        sec_s = np.concatenate([s_new[dj], p_new[sj]])
        sec_h = np.concatenate([pair[:, 1], np.where(rng.random(sj.size) < 0.5, 15.0, 10.0)])

        out["c"] += [idx.astype(np.int32), idx[j].astype(np.int32)]
        out["s"] += [main_s.astype(np.int32), sec_s.astype(np.int32)]
        out["h"] += [main_h.astype(np.float32), sec_h.astype(np.float32)]
        out["lvl"] += [new, new[j]]
        out["lf"] += [lf.astype(np.int32), lf[j].astype(np.int32)]
        out["t"] += [np.full(k, t, np.int32), np.full(j.size, t, np.int32)]
        out["main"] += [np.ones(k, bool), np.zeros(j.size, bool)]
        if a.size:
            derived["s"].append(main_s[a])
        seen[idx] = True

    rows = {key: np.concatenate(v) for key, v in out.items()}
    der = {key: (np.concatenate(v) if v else np.zeros(0, np.int64)) for key, v in derived.items()}
    return rows, der, top

"""Support visits and agreed levels, month by month (C1-C3, O2).

Each month the settings' levels as the rule gives them (:func:`eyanalysis.rules.support.combine`
of the level agreed at the last visit, an Intensive forced by Ofsted, a report card's
Targeted floor and a crisis) decide the visits planned: at least one targeted visit a term
for a Targeted setting, a monthly intensive visit for an Intensive one (some not held).
What each inspection does is the rule's (:func:`eyanalysis.rules.support.ofsted_effects`,
with the parameters in force on the sample's today). At a held visit advisers agree a level
of need (the ``AGREE`` transition matrices from the level agreed before), Intensive for a
setting in crisis; an Intensive forced by Ofsted or a report card's Targeted floor is the
rule's, on top of it, so the agreed level shows again when Ofsted ends it. A setting in
crisis gets an emergency intensive visit.
The recorded ``categorisations`` are then the rule's timeline of these visits and
inspections (:mod:`.records`), never re-derived here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from eyanalysis.data.synth.calendar import ASOF, HOLIDAYS, W0, as_day, month_start, weekday
from eyanalysis.data.synth.config import AGREE, AS_OF, INITIAL_CAT, JUDGEMENTS
from eyanalysis.data.synth.draw import pick
from eyanalysis.rules import support, terms
from eyanalysis.vocabulary import REPORT_CARD_AREAS, REPORT_CARD_GRADES, SAFEGUARDING


def ofsted_effects(ins: dict, params) -> dict:
    """The rule's effect of every inspection (``enters``, ``exits``, ``floor``)."""
    single = ins["kind"] == 0
    hist = pd.DataFrame({
        "framework": np.where(single, "single_word", "report_card"),
        "judgement": pd.Series(np.where(single, np.array(JUDGEMENTS)[np.maximum(ins["j"], 0)],
                                        None), dtype="string"),
        "safeguarding": pd.Series(np.where(single, None, np.array(SAFEGUARDING)[
            np.maximum(ins["sg"], 0)]), dtype="string"),
        **{area: pd.Series(np.where(single, None, np.array(REPORT_CARD_GRADES)[
            np.maximum(ins["areas"][i], 0)]), dtype="string")
           for i, area in enumerate(REPORT_CARD_AREAS)}})
    hist["outcome"] = support.outcome(hist)
    eff = support.ofsted_effects(hist, str(AS_OF), params)
    return {k: eff[k].to_numpy(bool) for k in ("enters", "exits", "floor")}


class State:
    """Per setting: the agreed level (C3), Intensive forced by Ofsted (C2/O2), a report
    card's Targeted floor (O2) and a crisis (C1)."""

    def __init__(self, agreed: np.ndarray, effects: dict):
        n = agreed.size
        self.agreed, self.effects = agreed, effects
        self.forced, self.floor, self.crisis = (np.zeros(n, bool) for _ in range(3))

    def level(self, s=slice(None)) -> np.ndarray:
        return support.combine(self.agreed[s], self.forced[s], self.floor[s], self.crisis[s])

    def inspected(self, s: np.ndarray, ref: np.ndarray) -> None:
        """Inspections ``ref`` of settings ``s`` (each setting at most once)."""
        e = self.effects
        self.forced[s] = e["enters"][ref] | (self.forced[s] & ~e["exits"][ref])
        self.floor[s] = e["floor"][ref]


def _ranked(es, ed, ek):
    """Order events by setting, date and kind; the rank of each within its setting."""
    o = np.lexsort((ek, ed, es))
    es = es[o]
    firsts = np.r_[True, es[1:] != es[:-1]] if es.size else np.zeros(0, bool)
    grp = np.cumsum(firsts) - 1
    rank = np.arange(es.size) - np.flatnonzero(firsts)[grp] if es.size else es
    return o, rank


def simulate(rng, S: dict, cyc: dict, params) -> tuple[dict, dict]:
    """Support visits (``g_*``), the agreed level of every held visit, and each setting's
    baseline (first recorded) categorisation."""
    n, opened, ins = S["n"], S["opened"], S["ins"]
    agreed = pick(rng, INITIAL_CAT, n).astype(np.int8)
    agreed[S["nyi"]] = np.where(rng.random(S["nyi"].sum()) < 0.7, 0, 1)
    baseline = {"s": np.arange(n), "d": np.maximum(opened, W0), "l": agreed.copy(),
                "r": np.where(opened > W0, 1, 0)}
    state = State(agreed, ofsted_effects(ins, params))
    before = np.flatnonzero(ins["d"] < W0)  # inspections before the records begin
    o, rank = _ranked(ins["s"][before], ins["d"][before], np.zeros(before.size))
    for rk in range(int(rank.max()) + 1 if rank.size else 0):
        z = before[o][rank == rk]
        state.inspected(ins["s"][z], z)

    agree = np.zeros((6, 3, 3))
    for kk, name in ((2, "learning_development"), (3, "welfare"), (4, "targeted"),
                     (5, "intensive")):
        agree[kk] = np.cumsum(np.array(AGREE[name]), axis=1)
    agree[..., 2] = 1.0
    cr = np.flatnonzero(S["crisis"])
    cyc_ev = cyc["is_held"] & (cyc["type"] < 2)
    inside = np.flatnonzero((ins["d"] >= W0) & (ins["d"] <= ASOF))
    # events: kind 0 Ofsted, 1 crisis, 2 Visit 1, 3 Visit 2 (then 4 targeted, 5 intensive)
    ev_s = np.concatenate([ins["s"][inside], cr, cyc["s"][cyc_ev]])
    ev_d = np.concatenate([ins["d"][inside], S["crisis_start"][cr], cyc["held"][cyc_ev]])
    ev_k = np.concatenate([np.zeros(inside.size, np.int64), np.ones(cr.size, np.int64),
                           2 + cyc["type"][cyc_ev]])
    ev_ref = np.concatenate([inside, np.arange(cr.size), np.flatnonzero(cyc_ev)])
    ev_m = ev_d.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    c_agreed = np.full(cyc["s"].size, -1, np.int8)
    g = {k: [] for k in ("s", "type", "plan", "held", "is_held", "agreed")}
    tv_done = np.zeros(n, bool)
    for mi in np.arange(2023 * 12 + 8, 2026 * 12 + 12):
        m0, m1 = int(month_start(mi)), int(month_start(mi + 1)) - 1
        first_day = as_day(m0).astype(object)
        term = terms.containing(first_day)
        if terms.start(term) == first_day:
            tv_done[:] = False
        left = terms.end(term).month - first_day.month + 1  # months left in the term
        eff = state.level()
        r = rng.random(n)
        tgt = (opened <= m0) & (eff == 1) & ((~tv_done & (r < 1.0 / left))
                                              | (tv_done & (r < 0.05)))
        tv_done |= tgt
        inten = (opened <= m0) & (eff == 2)
        new_s = np.concatenate([np.flatnonzero(tgt), np.flatnonzero(inten)])
        new_t = np.concatenate([np.full(tgt.sum(), 3), np.full(inten.sum(), 4)])
        q = new_s.size
        # planned on a working day of the month, not in its last two working days
        n_work = int(np.busday_count(as_day(m0), as_day(m1 + 1), holidays=HOLIDAYS))
        first_work = np.busday_offset(as_day(m0), 0, roll="forward", holidays=HOLIDAYS)
        plan = np.busday_offset(first_work, rng.integers(0, max(n_work - 2, 1), q),
                                holidays=HOLIDAYS).astype(np.int64)
        h = np.minimum(plan + np.where(rng.random(q) < 0.7, 0, rng.integers(1, 6, q)), m1)
        h = np.maximum(weekday(h, "backward"), plan)
        hh = (rng.random(q) < np.where(new_t == 3, 0.93, 0.85)) & (h <= ASOF)
        gagreed = np.full(q, -1, np.int8)

        # all events of the month, in date order per setting
        pre = np.flatnonzero(ev_m == mi - 1970 * 12)
        gi = np.flatnonzero(hh)
        es = np.concatenate([ev_s[pre], new_s[gi]])
        ed = np.concatenate([ev_d[pre], h[gi]])
        ek = np.concatenate([ev_k[pre], 1 + new_t[gi]])  # 4 targeted, 5 intensive
        eref = np.concatenate([ev_ref[pre], gi])
        o, rank = _ranked(es, ed, ek)
        es, ek, eref = es[o], ek[o], eref[o]
        for rk in range(int(rank.max()) + 1 if rank.size else 0):
            z = np.flatnonzero(rank == rk)
            s, kd, ref = es[z], ek[z], eref[z]
            ofs = kd == 0
            state.inspected(s[ofs], ref[ofs])
            crs = kd == 1
            state.crisis[s[crs]] = True  # an emergency intensive visit agreeing intensive
            vis = kd >= 2
            cur = state.agreed[s]
            cum = agree[kd, cur]
            new = (rng.random(z.size)[:, None] > cum[:, :2]).sum(1).astype(np.int8)
            new = np.where(state.crisis[s], 2, new)
            nv = np.where(vis | crs, new, cur).astype(np.int8)
            state.agreed[s] = nv
            cycle = (kd == 2) | (kd == 3)
            c_agreed[ref[cycle]] = nv[cycle]
            gagreed[ref[kd >= 4]] = nv[kd >= 4]
        for key, value in zip(g, (new_s, new_t, plan, h, hh, gagreed), strict=True):
            g[key].append(value)

    gs = np.concatenate(g["s"])
    none = np.zeros(cr.size + gs.size, np.int64)
    V = {"s": np.concatenate([cyc["s"], cr, gs]),
         "type": np.concatenate([cyc["type"], np.full(cr.size, 4), np.concatenate(g["type"])]),
         "plan": np.concatenate([cyc["plan"], S["crisis_start"][cr], np.concatenate(g["plan"])]),
         "held": np.concatenate([cyc["held"], S["crisis_start"][cr], np.concatenate(g["held"])]),
         "is_held": np.concatenate([cyc["is_held"], np.ones(cr.size, bool),
                                    np.concatenate(g["is_held"])]),
         "audit": np.concatenate([cyc["audit"], none]),
         "has_audit": np.concatenate([cyc["has_audit"], none.astype(bool)]),
         "agreed": np.concatenate([c_agreed, np.full(cr.size, 2, np.int8),
                                   np.concatenate(g["agreed"])])}
    return V, baseline

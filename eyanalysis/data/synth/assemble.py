"""The generator's arrays as the data model's tables: settings, inspections, children and
attendance (visits, categorisations and panel applications are :mod:`.records`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from eyanalysis.data import claims
from eyanalysis.data.synth.calendar import WINDOW, term_label, to_dt
from eyanalysis.data.synth.config import (
    DISTRICTS,
    JUDGEMENTS,
    LEVELS,
    SETTING_TYPES,
    SUFFIX,
    WORDS,
)
from eyanalysis.data.synth.draw import ids
from eyanalysis.vocabulary import EHCP_STATUSES, REPORT_CARD_AREAS, REPORT_CARD_GRADES, SAFEGUARDING


def settings_table(rng, S: dict, set_ids: np.ndarray) -> pd.DataFrame:
    n_set = S["n"]
    word = np.array(WORDS)[rng.integers(0, len(WORDS), n_set)]
    suffix_pick = rng.random(n_set)
    suffix = np.empty(n_set, dtype=object)
    for code, name in enumerate(SETTING_TYPES):
        sel = S["ptype"] == code
        opts = np.array(SUFFIX[name])
        suffix[sel] = opts[np.floor(suffix_pick[sel] * len(opts)).astype(np.int64)]
    names = (pd.Series(word) + " " + pd.Series(suffix.astype(str)) + " "
             + pd.Series(np.arange(1, n_set + 1)).astype(str))
    judg_names = np.array((*JUDGEMENTS, "not_yet_inspected"))
    return pd.DataFrame({
        "setting_id": pd.Series(set_ids, dtype="str"),
        "name": names.astype("str"),
        "provider_type": pd.Series(np.array(SETTING_TYPES)[S["ptype"]], dtype="str"),
        "district": pd.Series(np.array(DISTRICTS)[S["district"]], dtype="str"),
        "ofsted_judgement": pd.Series(judg_names[np.where(S["nyi"], 4, S["judg"])], dtype="str"),
        "ofsted_date": to_dt(S["latest"], ~S["nyi"]),
        "in_crisis": S["crisis"],
        "nef_registered": S["nef"],
    })


def _codes(names, values: np.ndarray) -> pd.Series:
    """Code names of ``values`` (missing where negative)."""
    out = np.where(values >= 0, np.array(names, dtype=object)[np.maximum(values, 0)], None)
    return pd.Series(out, dtype="str")


def inspections_table(S: dict, set_ids: np.ndarray) -> pd.DataFrame:
    ins = S["ins"]
    frame = {"setting_id": pd.Series(set_ids[ins["s"]], dtype="str"),
             "inspection_date": to_dt(ins["d"]),
             "judgement": _codes(JUDGEMENTS, ins["j"]),
             "safeguarding": _codes(SAFEGUARDING, ins["sg"])}
    for i, area in enumerate(REPORT_CARD_AREAS):
        frame[area] = _codes(REPORT_CARD_GRADES, ins["areas"][i])
    return pd.DataFrame(frame)


def children_table(rng, C: dict, extra: dict) -> tuple[pd.DataFrame, np.ndarray, pd.Index]:
    """Children with attendance plus the 0-5 applicants, with pseudonymous ids; also the
    id number of each population index and the ids."""
    R = C["rows"]
    has_rows = np.zeros(C["n"], bool)
    has_rows[R["c"]] = True
    n_extra = extra["bmi"].size
    kept = np.flatnonzero(has_rows)
    keep = np.concatenate([kept, C["n"] + np.arange(n_extra)])
    n_child = keep.size
    # id numbers follow the (random) population order; the 0-5 applicants are slotted in at
    # random places, so the numbering stays monotone in population order
    slot = np.concatenate([np.arange(kept.size, dtype=float), rng.uniform(0, kept.size, n_extra)])
    kk = keep[np.argsort(slot, kind="stable")]  # population index of id number 0, 1, ...
    num = np.full(C["n"] + n_extra, -1, np.int64)
    num[kk] = np.arange(n_child)
    child_ids = pd.Index(ids("C", np.arange(1, n_child + 1), 6), dtype="str")
    bmi_all = np.concatenate([C["bmi"], extra["bmi"]])
    uniq_m, inv_m = np.unique(bmi_all[kk], return_inverse=True)
    months = (uniq_m - 1970 * 12).astype("datetime64[M]").astype(str)
    birth = pd.Series(pd.Categorical.from_codes(inv_m, categories=months)).astype("str")

    def field(name):
        return np.concatenate([C[name], extra[name]])[kk]

    children = pd.DataFrame({
        "child_id": pd.Series(child_ids),
        "birth_month": birth,
        "eypp_eligible": field("eypp"),
        "looked_after": field("lac"),
        "ehcp_status": pd.Series(np.array(EHCP_STATUSES)[field("ehcp")], dtype="str"),
        "known_to_psf": field("known"),
        "daf": field("daf"),
    })
    return children, num, child_ids


def attendance_table(C: dict, num: np.ndarray, child_ids: pd.Index, set_ids: np.ndarray,
                     params) -> pd.DataFrame:
    """Attendance rows; ``weeks`` is ``nef.term_weeks`` of the term's season (F7)."""
    R = C["rows"]
    n_child, n_set = len(child_ids), set_ids.size
    cnum = num[R["c"]]
    # rows are already in term order and, within a term, in two runs sorted by child: a
    # stable sort on one combined key merges them cheaply
    key = ((R["t"].astype(np.int64) - WINDOW[0]) * n_child + cnum) * n_set + R["s"]
    o = np.argsort(key, kind="stable")
    del key
    labels = [term_label(t) for t in WINDOW]
    weeks = np.array([int(claims.term_weeks(label, params)) for label in labels])
    tpos = R["t"][o] - WINDOW[0]
    return pd.DataFrame({
        "child_id": pd.Categorical.from_codes(cnum[o], categories=child_ids),
        "setting_id": pd.Categorical.from_codes(R["s"][o],
                                                categories=pd.Index(set_ids, dtype="str")),
        "term": pd.Categorical.from_codes(tpos, categories=pd.Index(labels, dtype="str")),
        "hours_per_week": np.round(R["h"][o].astype(np.float64), 2),
        "weeks": weeks[tpos].astype(np.int64),
        "level": pd.Categorical.from_codes(R["lvl"][o].astype(np.int64),
                                           categories=pd.Index(LEVELS, dtype="str")),
        "level_from": to_dt(R["lf"][o]),
    })

"""Visits, categorisations and panel applications as the data model's tables.

``categorisations`` is the rule's own timeline (:func:`eyanalysis.rules.support.timeline`,
C1-C3 and O2) of the generated visits and inspections, from each setting's baseline: the
first row is the level on the day the records begin (carried forward from the 2022-23
review, or the day a new setting opened), then every change with its reason. So loading the
sample and recomputing the levels reproduces the table exactly.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from eyanalysis.data.synth.calendar import to_dt
from eyanalysis.data.synth.config import (
    AS_OF,
    BASELINE_REASONS,
    CAT_LEVELS,
    CRITERIA,
    KINDS,
    LEVELS,
    VISIT_KINDS,
)
from eyanalysis.data.synth.draw import ids
from eyanalysis.rules import support
from eyanalysis.vocabulary import DECISIONS


def visits_table(V: dict, set_ids: np.ndarray) -> pd.DataFrame:
    # two visits held the same day at one setting record the level agreed after both (the
    # later in processing order, which follows the visit type order)
    agreed_all = np.where(V["is_held"] & (V["type"] != 2), V["agreed"].astype(np.int64), -1)
    va = pd.DataFrame({"s": V["s"], "h": V["held"], "t": V["type"], "a": agreed_all})
    va = va[va["a"] >= 0].sort_values(["s", "h", "t"], kind="stable")
    agreed_all[va.index.to_numpy()] = va.groupby(["s", "h"])["a"].transform("last").to_numpy()
    o = np.lexsort((V["type"], V["s"], V["plan"]))
    agreed = agreed_all[o]
    return pd.DataFrame({
        "visit_id": pd.Series(ids("V", np.arange(1, o.size + 1), 6), dtype="str"),
        "setting_id": pd.Series(set_ids[V["s"][o]], dtype="str"),
        "visit_type": pd.Series(np.array(VISIT_KINDS)[V["type"][o]], dtype="str"),
        "planned_date": to_dt(V["plan"][o]),
        "held_date": to_dt(V["held"][o], V["is_held"][o]),
        "self_audit_received": to_dt(V["audit"][o], V["has_audit"][o]),
        "level_agreed": pd.Series(np.where(agreed >= 0, np.array(CAT_LEVELS)[
            np.maximum(agreed, 0)], None), dtype="str"),
    })


def categorisations_table(base: dict, set_ids: np.ndarray, settings: pd.DataFrame,
                          visits: pd.DataFrame, inspections: pd.DataFrame,
                          params) -> pd.DataFrame:
    """The rule's timeline (C1-C3, O2) on the sample's today, from each baseline."""
    baseline = pd.DataFrame({
        "setting_id": pd.Series(set_ids[base["s"]], dtype="string"),
        "effective_date": to_dt(base["d"]).astype("datetime64[ns]"),
        "level": pd.Series(np.array(CAT_LEVELS)[base["l"]], dtype="string"),
        "reason": pd.Series(np.array(BASELINE_REASONS)[base["r"]], dtype="string")})
    line = support.timeline(settings, visits, inspections, str(AS_OF), baseline,
                            params=params)
    start = line["setting_id"].map(baseline.set_index("setting_id")["effective_date"])
    at_start = (line[line["date"] <= start].drop_duplicates("setting_id", keep="last")
                .set_index("setting_id")["level"])
    first = baseline.assign(level=baseline["setting_id"].map(at_start).fillna(
        baseline["level"]).astype("string"))
    later = line[line["date"] > start].rename(columns={"date": "effective_date"})
    out = pd.concat([first, later[["setting_id", "effective_date", "level", "reason"]]],
                    ignore_index=True).sort_values(["setting_id", "effective_date"],
                                                   kind="stable")
    prev = out.groupby("setting_id")["level"].shift()
    out = out[prev.isna() | (prev != out["level"])]
    return pd.DataFrame({
        "setting_id": out["setting_id"].astype("str").to_numpy(),
        "effective_date": out["effective_date"].astype("datetime64[us]").to_numpy(),
        "level": out["level"].astype("str").to_numpy(),
        "reason": out["reason"].astype("str").to_numpy()})


def panel_table(P: dict, num: np.ndarray, child_ids: pd.Index,
                set_ids: np.ndarray) -> pd.DataFrame:
    o = np.lexsort((P["kind"], num[P["c"]], P["received"]))
    award = P["award"][o]
    panel = {
        "application_id": pd.Series(ids("A", np.arange(1, o.size + 1), 5), dtype="str"),
        "child_id": pd.Series(child_ids[num[P["c"][o]]], dtype="str"),
        "setting_id": pd.Series(set_ids[P["s"][o]], dtype="str"),
        "kind": pd.Series(np.array(KINDS)[P["kind"][o]], dtype="str"),
        "received_date": to_dt(P["received"][o]),
        "panel_date": to_dt(P["panel"][o]),
        "decision": pd.Series(np.array(DECISIONS)[P["dec"][o]], dtype="str"),
        "awarded_level": pd.Series(np.where(award >= 0, np.array(LEVELS)[np.maximum(award, 0)],
                                            None), dtype="str"),
        "decision_date": to_dt(P["dec_date"][o], P["dec"][o] > 0),
    }
    for i, flag in enumerate(CRITERIA):
        panel[flag] = P["flags"][i][o]
    return pd.DataFrame(panel)

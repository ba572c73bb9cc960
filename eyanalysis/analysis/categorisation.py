"""Support levels of settings on any date, every change with its reason, referral flags.

Rules (DOMAIN.md §6, the Cumbria framework):

- C3: a setting's level is the one agreed at its latest held advisory visit (``visits``
  rows with a ``held_date`` and a ``level_agreed``). Before any such visit it keeps its
  first recorded categorisation (``categorisations``, the level carried forward from the
  previous review), else ``support.default_level``.
- C2 (a Decision): an Ofsted judgement in ``support.intensive_judgements`` (Requires
  Improvement, Inadequate) forces Intensive until a later judgement outside that list
  (Good or better); the level agreed at visits resumes then.
- C1: a setting in crisis or emergency is Intensive, from the start of its crisis
  (:func:`eyanalysis.rules.crisis.crisis_starts`). A ``crisis`` table (``setting_id``,
  ``crisis_from``) may be passed instead.
- C4: referral to Ofsted or the LADO is a flag, never a level. The data model records no
  referrals, so :func:`referral_flags` derives prompts (a judgement in
  ``support.referral_judgements``, a setting in crisis) and lists recorded referrals when a
  ``referrals`` table (``setting_id``, ``referral_date``, ``to``, ``reason``) is given.

Every threshold and choice is a dated parameter under ``parameters/support/``; each
function takes the date whose parameters apply.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from eyanalysis.data.schemas import JUDGEMENTS, SUPPORT_LEVELS
from eyanalysis.parameters import Parameters, resolve
from eyanalysis.rules.crisis import agreed_visits as _agreed_visits
from eyanalysis.rules.crisis import crisis_starts
from eyanalysis.rules.terms import timestamp

RANK = {level: i for i, level in enumerate(SUPPORT_LEVELS)}  # universal < targeted < intensive
JUDGEMENT_RANK = {"inadequate": 0, "requires_improvement": 1, "good": 2, "outstanding": 3}
NOT_INSPECTED = "not_yet_inspected"
ALL = "all"
_EARLIEST = pd.Timestamp("1900-01-01")
# same-day order of events (C2/C3): the recorded baseline, then Ofsted, crisis, visits
_ORDER = {"baseline": 0, "ofsted": 1, "crisis": 2, "visit": 3}




def _lookup(keys: pd.Series, values: pd.Series, dtype: str) -> pd.Series:
    """``keys.map(values)`` with a fixed dtype, also when ``values`` is empty."""
    if len(values) == 0:
        return pd.Series(pd.NA, index=keys.index, dtype=object).astype(dtype)
    return keys.map(values).astype(dtype)


def ofsted_history(settings: pd.DataFrame, inspections: pd.DataFrame) -> pd.DataFrame:
    """Every known judgement (``setting_id``, ``date``, ``judgement``): the inspections
    table plus each setting's latest judgement, without repeats."""
    latest = settings.loc[settings["ofsted_judgement"] != NOT_INSPECTED,
                          ["setting_id", "ofsted_date", "ofsted_judgement"]]
    latest = latest.rename(columns={"ofsted_date": "date", "ofsted_judgement": "judgement"})
    hist = inspections.rename(columns={"inspection_date": "date"})[
        ["setting_id", "date", "judgement"]]
    both = pd.concat([hist, latest.dropna(subset=["date"])], ignore_index=True)
    both = both.astype({"setting_id": "string", "judgement": "string"})
    return (both.drop_duplicates(["setting_id", "date"], keep="first")
            .sort_values(["setting_id", "date"], kind="stable").reset_index(drop=True))


def timeline(settings: pd.DataFrame, visits: pd.DataFrame, inspections: pd.DataFrame,
             on: dt.date | str, categorisations: pd.DataFrame | None = None,
             crisis: pd.DataFrame | None = None, params: Parameters | None = None
             ) -> pd.DataFrame:
    """Every change of each setting's derived level, with its reason (C1-C3).

    One row per setting and date on which the level changed (the first row of a setting
    is its starting level): ``setting_id``, ``date``, ``level``, ``previous``, ``reason``,
    ``rule``, ``judgement`` (the Ofsted judgement in force after the change). Events after
    ``on`` are ignored; parameters in force on ``on`` apply.
    """
    p = resolve(params)
    day = timestamp(on)
    forcing = list(p.get("support.intensive_judgements", on))
    default = p.get("support.default_level", on)
    crisis = crisis_starts(settings, visits) if crisis is None else crisis
    frames = []
    if categorisations is not None and len(categorisations):
        first = (categorisations.sort_values(["setting_id", "effective_date"])
                 .drop_duplicates("setting_id"))
        frames.append(pd.DataFrame({
            "setting_id": first["setting_id"], "date": first["effective_date"],
            "kind": "baseline", "agreed": first["level"], "judgement": pd.NA,
            "reason": "recorded initial categorisation", "rule": "C3"}))
    ofs = ofsted_history(settings, inspections)
    frames.append(pd.DataFrame({
        "setting_id": ofs["setting_id"], "date": ofs["date"], "kind": "ofsted",
        "agreed": pd.NA, "judgement": ofs["judgement"], "reason": "Ofsted " + ofs["judgement"],
        "rule": "C2"}))
    frames.append(pd.DataFrame({
        "setting_id": crisis["setting_id"], "date": crisis["crisis_from"], "kind": "crisis",
        "agreed": pd.NA, "judgement": pd.NA, "reason": "setting in crisis", "rule": "C1"}))
    vis = _agreed_visits(visits)
    frames.append(pd.DataFrame({
        "setting_id": vis["setting_id"], "date": vis["date"], "kind": "visit",
        "agreed": vis["level_agreed"], "judgement": pd.NA,
        "reason": "agreed at " + vis["visit_type"] + " visit", "rule": "C3"}))
    ev = pd.concat([f.astype({"agreed": "string", "judgement": "string", "reason": "string",
                              "setting_id": "string"}) for f in frames], ignore_index=True)
    ev = ev[(ev["date"] <= day) & ev["setting_id"].isin(settings["setting_id"])]
    ev["order"] = ev["kind"].map(_ORDER)
    ev = ev.sort_values(["setting_id", "date", "order"], kind="stable").reset_index(drop=True)
    g = ev.groupby("setting_id", sort=False)
    agreed = g["agreed"].ffill().fillna(default)
    judgement = g["judgement"].ffill()
    in_crisis = (ev["kind"] == "crisis").groupby(ev["setting_id"], sort=False).cummax()
    forced = judgement.isin(forcing).fillna(False).astype(bool)
    ev["level"] = np.where(forced | in_crisis, "intensive", agreed)
    ev["judgement"] = judgement.fillna(NOT_INSPECTED)
    # C2/C3: the level at the end of each day; the reason is the day's last event that moved it
    prev_event = ev.groupby("setting_id", sort=False)["level"].shift()
    ev["moved"] = prev_event.isna() | (prev_event != ev["level"])
    day_end = ev.drop_duplicates(["setting_id", "date"], keep="last").copy()
    movers = ev[ev["moved"]].drop_duplicates(["setting_id", "date"], keep="last")
    key = ["setting_id", "date"]
    day_end = day_end.drop(columns=["reason", "rule"]).merge(
        movers[key + ["reason", "rule"]], on=key, how="left")
    day_end["previous"] = day_end.groupby("setting_id")["level"].shift()
    changed = day_end["previous"].isna() | (day_end["previous"] != day_end["level"])
    out = day_end.loc[changed, ["setting_id", "date", "previous", "level", "reason", "rule",
                                "judgement"]]
    return out.astype({"previous": "string", "level": "string"}).reset_index(drop=True)


def levels_on(line: pd.DataFrame, settings: pd.DataFrame, on: dt.date | str,
              params: Parameters | None = None) -> pd.DataFrame:
    """Every setting's level on ``on`` from a :func:`timeline` (C1-C3), with the settings'
    district and provider type, the date the level
    took effect and why. A setting with no event yet has ``support.default_level``."""
    p = resolve(params)
    day = timestamp(on)
    last = (line[line["date"] <= day].sort_values(["setting_id", "date"])
            .drop_duplicates("setting_id", keep="last").set_index("setting_id"))
    out = settings[["setting_id", "name", "provider_type", "district"]].copy()
    last = out[["setting_id"]].merge(last[["date", "level", "reason", "rule"]],
                                     left_on="setting_id", right_index=True, how="left")
    out["level"] = last["level"].fillna(p.get("support.default_level", on)).to_numpy()
    out["since"] = last["date"].astype("datetime64[ns]").to_numpy()
    out["reason"] = last["reason"].fillna("no visit, inspection or record yet").to_numpy()
    out["rule"] = last["rule"].fillna("C3").to_numpy()
    return out.astype({"level": "string", "reason": "string", "rule": "string"}
                      ).reset_index(drop=True)


def judgements_on(settings: pd.DataFrame, inspections: pd.DataFrame, on: dt.date | str
                  ) -> pd.Series:
    """The Ofsted judgement in force on ``on`` for each setting (``not_yet_inspected`` if
    none), aligned with ``settings``."""
    hist = ofsted_history(settings, inspections)
    hist = hist[hist["date"] <= timestamp(on)].drop_duplicates("setting_id", keep="last")
    return _lookup(settings["setting_id"], hist.set_index("setting_id")["judgement"],
                   "string").fillna(NOT_INSPECTED)


def spread(settings: pd.DataFrame, visits: pd.DataFrame, inspections: pd.DataFrame,
           on: dt.date | str, categorisations: pd.DataFrame | None = None,
           params: Parameters | None = None) -> pd.DataFrame:
    """Level of every setting on ``on`` (C1-C3) with its Ofsted judgement that day."""
    line = timeline(settings, visits, inspections, on, categorisations, params=params)
    out = levels_on(line, settings, on, params)
    out["judgement"] = judgements_on(settings, inspections, on).to_numpy()
    return out


def intervals(line: pd.DataFrame, settings: pd.DataFrame, on: dt.date | str,
              params: Parameters | None = None) -> pd.DataFrame:
    """Each setting's levels as day ranges up to ``on`` (C1-C3): ``setting_id``, ``level``,
    ``start``, ``end`` (exclusive; the day after ``on`` for the current level). Before a
    setting's first event it has ``support.default_level``."""
    p = resolve(params)
    stop = timestamp(on) + pd.Timedelta(days=1)
    rows = line[(line["date"] <= timestamp(on)) & line["setting_id"].isin(settings["setting_id"])]
    rows = rows.sort_values(["setting_id", "date"])
    first = rows.drop_duplicates("setting_id").set_index("setting_id")["date"]
    ids = settings["setting_id"].astype("string")
    lead = pd.DataFrame({"setting_id": ids.to_numpy(), "date": _EARLIEST,
                         "level": p.get("support.default_level", on)})
    lead["end"] = _lookup(lead["setting_id"], first, "datetime64[ns]").fillna(stop).to_numpy()
    rows = rows[["setting_id", "date", "level"]].copy()
    rows["end"] = rows.groupby("setting_id")["date"].shift(-1).fillna(stop)
    out = pd.concat([lead, rows], ignore_index=True).rename(columns={"date": "start"})
    out = out[out["end"] > out["start"]].astype({"level": "string"})
    return out.sort_values(["setting_id", "start"]).reset_index(drop=True)


def compare_recorded(levels: pd.DataFrame, categorisations: pd.DataFrame,
                     on: dt.date | str) -> pd.DataFrame:
    """Derived levels beside the recorded categorisation in force on ``on`` (C2-C3):
    ``recorded`` and ``agrees`` columns added."""
    rec = categorisations[categorisations["effective_date"] <= timestamp(on)]
    rec = rec.sort_values(["setting_id", "effective_date"]).drop_duplicates(
        "setting_id", keep="last").set_index("setting_id")
    out = levels.copy()
    out["recorded"] = out["setting_id"].map(rec["level"]).astype("string")
    out["agrees"] = (out["recorded"] == out["level"]).fillna(False).astype(bool)
    return out


def transitions(line: pd.DataFrame, settings: pd.DataFrame, start: dt.date | str,
                end: dt.date | str, params: Parameters | None = None) -> pd.DataFrame:
    """Settings moving between levels from ``start`` to ``end``: ``from``, ``to``,
    ``settings`` (a count per pair, including those that stayed)."""
    a = levels_on(line, settings, start, params)["level"]
    b = levels_on(line, settings, end, params)["level"]
    pairs = pd.DataFrame({"from": a.to_numpy(), "to": b.to_numpy()})
    return pairs.value_counts().rename("settings").reset_index().sort_values(
        ["from", "to"], key=lambda s: s.map(RANK)).reset_index(drop=True)


def referral_flags(levels: pd.DataFrame, settings: pd.DataFrame, on: dt.date | str,
                   referrals: pd.DataFrame | None = None, params: Parameters | None = None
                   ) -> pd.DataFrame:
    """C4 flags on ``on``, whatever the level: a judgement in
    ``support.referral_judgements`` and a setting in crisis (derived prompts: the data
    model holds no referrals), plus recorded ``referrals`` up to ``on`` if given."""
    p = resolve(params)
    bad = list(p.get("support.referral_judgements", on))
    crisis_ids = set(settings.loc[settings["in_crisis"].astype(bool), "setting_id"])
    cols = ["setting_id", "name", "district", "level"]
    hit = levels[levels["judgement"].isin(bad)]
    by_judgement = hit[cols].assign(flag="consider referral: Ofsted " + hit["judgement"],
                                    source="derived")
    by_crisis = levels.loc[levels["setting_id"].isin(crisis_ids), cols].assign(
        flag="consider referral: setting in crisis", source="derived")
    frames = [by_judgement, by_crisis]
    if referrals is not None and len(referrals):
        rec = referrals[referrals["referral_date"] <= timestamp(on)]
        rec = rec.merge(levels[cols], on="setting_id", how="left")
        frames.append(rec[cols].assign(
            flag="referred to " + rec["to"].astype("string") + ": "
            + rec["reason"].astype("string"), source="recorded"))
    out = pd.concat(frames, ignore_index=True)
    return out.sort_values(["setting_id", "flag"]).reset_index(drop=True)


def select(settings: pd.DataFrame, district: str = ALL, provider_type: str = ALL
           ) -> pd.Series:
    """Boolean mask of the settings in ``district`` and of ``provider_type`` (``"all"``
    for any)."""
    mask = pd.Series(True, index=settings.index)
    if district != ALL:
        mask &= settings["district"] == district
    if provider_type != ALL:
        mask &= settings["provider_type"] == provider_type
    return mask.fillna(False).astype(bool)


__all__ = ["JUDGEMENTS", "compare_recorded", "crisis_starts", "intervals",
           "judgements_on", "levels_on", "ofsted_history", "referral_flags", "select",
           "spread", "timeline", "transitions"]

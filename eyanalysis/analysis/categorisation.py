"""The categorisation views (C1-C4, O1-O3): the spread of support levels on a date,
recorded categorisations beside the derived ones, transitions, referral flags.

The rule itself (levels on a date from visits, Ofsted inspections in both frameworks and
crises, with reasons) is :mod:`eyanalysis.rules.support`; it is imported here, so
``categorisation.timeline`` and friends keep working. The Cumbria framework the C rules
come from is a Cumbria County Council document from before the council's abolition on
1 April 2023 (SI 2022/331): one former authority's parameter set, not national rules.

- C4: referral to Ofsted or the LADO is a flag, never a level. The data model records no
  referrals, so :func:`referral_flags` derives prompts (an Ofsted outcome in
  ``support.referral_judgements``, a setting in crisis) and lists recorded referrals when a
  ``referrals`` table (``setting_id``, ``referral_date``, ``to``, ``reason``) is given.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from eyanalysis.parameters import Parameters, resolve
from eyanalysis.rules.support import (
    GATE_PATHS,
    RANK,
    crisis_starts,
    funding_gates,
    intervals,
    judgements_on,
    levels_on,
    ofsted_history,
    timeline,
)
from eyanalysis.rules.terms import timestamp
from eyanalysis.vocabulary import JUDGEMENTS, OFSTED_OUTCOMES

ALL = "all"
def spread(settings: pd.DataFrame, visits: pd.DataFrame, inspections: pd.DataFrame,
           on: dt.date | str, categorisations: pd.DataFrame | None = None,
           params: Parameters | None = None) -> pd.DataFrame:
    """Level of every setting on ``on`` (C1-C3, O2) with its Ofsted outcome that day
    (``judgement``, an ``OFSTED_OUTCOMES`` code) and the O3 funding flags."""
    line = timeline(settings, visits, inspections, on, categorisations, params=params)
    out = levels_on(line, settings, on, params)
    out["judgement"] = judgements_on(settings, inspections, on).to_numpy()
    out["funding_flags"] = funding_gates(settings, inspections, on, params)[
        "funding_flags"].to_numpy()
    return out


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
    """C4 flags on ``on``, whatever the level: an Ofsted outcome (single-word judgement or
    report-card summary, O1) in ``support.referral_judgements`` and a setting in crisis
    (derived prompts: the data model holds no referrals), plus recorded ``referrals`` up
    to ``on`` if given."""
    p = resolve(params)
    bad = list(p.get("support.referral_judgements", on))
    crisis_ids = set(settings.loc[settings["in_crisis"].astype(bool), "setting_id"])
    cols = ["setting_id", "name", "district", "level"]
    hit = levels[levels["judgement"].isin(bad)]
    words = hit["judgement"].map(lambda code: OFSTED_OUTCOMES.label(code).lower())
    by_judgement = hit[cols].assign(flag="consider referral: Ofsted " + words,
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


__all__ = ["ALL", "GATE_PATHS", "JUDGEMENTS", "RANK", "compare_recorded",
           "crisis_starts", "funding_gates", "intervals", "judgements_on", "levels_on",
           "ofsted_history", "referral_flags", "select", "spread", "timeline", "transitions"]

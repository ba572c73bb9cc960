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
from typing import Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, field_validator, model_validator

from eyanalysis.parameters import Parameters, resolve
from eyanalysis.rules.support import (
    GATE_PATHS,
    NOT_INSPECTED,
    RANK,
    RULE_PATHS,
    crisis_starts,
    funding_gates,
    intervals,
    judgements_on,
    levels_on,
    ofsted_history,
    timeline,
)
from eyanalysis.rules.terms import timestamp
from eyanalysis.vocabulary import JUDGEMENTS, OFSTED_OUTCOMES, PROVIDER_TYPES

ALL = "all"
PARAMETER_PATHS = [
    *RULE_PATHS, "support.referral_judgements",
    "support.minimum_visits.targeted", "support.minimum_period.targeted",
    "support.minimum_visits.intensive", "support.minimum_period.intensive",
    "support.min_days_at_level", "support.review_year_start_month", "support.self_audit_days",
    "support.visit_gap_months", "support.visit_gap_tolerance_days",
    "support.visit_length.learning_development", "support.advisers_per_visit.learning_development",
    "support.visit_length.welfare", "support.visit_length.send_review",
    "support.visit_length.targeted", "support.visit_length.intensive",
    "support.send_review_take_up", "support.adviser_fte", "support.working_days_per_month",
    "ofsted.framework", *GATE_PATHS,
    *(f"ofsted.outcome_scale.{code}" for code in OFSTED_OUTCOMES if code != NOT_INSPECTED),
]


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


class SpreadParameters(BaseModel):
    """The parameters of ``notebooks/categorisation_spread.ipynb``, checked.

    ``compare_from`` (the Sankey's first date) defaults to one year before ``as_of``.
    ``source`` empty means the bundled sample county.
    """

    model_config = ConfigDict(extra="forbid")

    as_of: dt.date
    compare_from: dt.date | None = None
    district: str = ALL
    provider_type: str = ALL
    source: str = ""
    interactive: bool = False
    extra_intensive: int = 0
    from_level: Literal["universal", "targeted"] = "targeted"

    @field_validator("compare_from", mode="before")
    @classmethod
    def _blank_is_none(cls, value):
        return None if value in ("", None) else value

    @field_validator("provider_type")
    @classmethod
    def _known_type(cls, value: str) -> str:
        if value not in (ALL, *PROVIDER_TYPES):
            raise ValueError(f"provider_type must be 'all' or one of {', '.join(PROVIDER_TYPES)}")
        return value

    @field_validator("extra_intensive")
    @classmethod
    def _not_negative(cls, value: int) -> int:
        if value < 0:
            raise ValueError("extra_intensive is a number of settings, 0 or more")
        return value

    @model_validator(mode="after")
    def _dates(self) -> SpreadParameters:
        if self.compare_from is None:
            self.compare_from = (pd.Timestamp(self.as_of) - pd.DateOffset(years=1)).date()
        if self.compare_from > self.as_of:
            raise ValueError("compare_from must be on or before as_of")
        return self

    def check_district(self, settings: pd.DataFrame) -> None:
        """Refuse a district the data does not know, naming the ones it does."""
        known = sorted(settings["district"].dropna().unique())
        if self.district != ALL and self.district not in known:
            raise ValueError(f"district {self.district!r} is not in the data; choose 'all' or "
                             f"one of {', '.join(known)}")


__all__ = ["ALL", "GATE_PATHS", "JUDGEMENTS", "RANK", "SpreadParameters", "compare_recorded",
           "crisis_starts", "funding_gates", "intervals", "judgements_on", "levels_on",
           "ofsted_history", "referral_flags", "select", "spread", "timeline", "transitions"]

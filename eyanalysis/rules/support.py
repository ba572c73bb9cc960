"""Support levels of settings on any date, every change with its reason (C1-C3, O1-O3).

The rule core shared by the analysis views (:mod:`eyanalysis.analysis.categorisation`), the
``eyanalysis levels`` command and the synthetic county (:mod:`eyanalysis.data.synth`), so
that the recorded sample and every derived level come from one rule.

The C rules are the Cumbria framework's: a Cumbria County Council document (2022-23) from
before the council's abolition on 1 April 2023 (SI 2022/331; Cumberland and Westmorland and
Furness now run their own services). They are one former authority's parameter set, not
national rules: every threshold and choice is a dated parameter under
``parameters/support/`` and ``parameters/ofsted/``, read on the date asked about.

- C3: a setting's level is the one agreed at its latest held advisory visit (``visits``
  rows with a ``held_date`` and a ``level_agreed``). Before any such visit it keeps its
  first recorded categorisation (``categorisations``), else ``support.default_level``.
- O1: inspections before 10 November 2025 (``ofsted.framework``) carry a single-word
  judgement; later ones a report card (safeguarding met or not met, six areas on a
  five-point scale).
- C2 and O2 (Decisions): a single-word judgement in ``support.intensive_judgements``, or a
  report card with any result in ``support.report_card_intensive`` (safeguarding not met,
  leadership and governance at urgent improvement), makes a setting Intensive until a later
  inspection meets the exit rule: a judgement in ``support.exit_judgements`` (Good or
  better) or a report card whose every result is in ``support.report_card_exit``
  (safeguarding met, no area below expected standard). A report card with any result in
  ``support.report_card_targeted`` (an area at needs attention or urgent improvement) keeps
  the setting at least Targeted while it is the latest inspection. Otherwise the level
  agreed at visits applies.
- C1: a setting in crisis or emergency is Intensive. ``settings.in_crisis`` is a flag
  without a date, so the crisis is taken to start at the first held visit of the setting's
  final unbroken run of visits agreeing Intensive (the emergency visit), or from the start
  of the records when there is none. A ``crisis`` table (``setting_id``, ``crisis_from``)
  may be passed instead.
- O3: the funding gates (``ofsted.withdraw_entitlement``,
  ``ofsted.withdraw_two_year_old_funding``) are flags for officers, never a level.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from eyanalysis.parameters import Parameters, resolve
from eyanalysis.rules.terms import timestamp
from eyanalysis.vocabulary import (
    JUDGEMENTS,
    OFSTED_OUTCOMES,
    REPORT_CARD_AREAS,
    REPORT_CARD_GRADES,
    REPORT_CARD_RESULTS,
    SAFEGUARDING,
    SUPPORT_LEVELS,
    VISIT_TYPES,
)

RANK = {level: i for i, level in enumerate(SUPPORT_LEVELS)}  # universal < targeted < intensive
NOT_INSPECTED = "not_yet_inspected"
EARLIEST = pd.Timestamp("1900-01-01")
RESULTS = tuple(REPORT_CARD_RESULTS)  # safeguarding, then the six areas
AREAS = tuple(REPORT_CARD_AREAS)
_GRADE_RANK = {grade: i for i, grade in enumerate(REPORT_CARD_GRADES)}
# same-day order of events (C2/C3): the recorded baseline, then Ofsted, crisis, visits
_ORDER = {"baseline": 0, "ofsted": 1, "crisis": 2, "visit": 3}
RULE_PATHS = [
    "support.default_level", "support.intensive_judgements", "support.exit_judgements",
    *(f"support.report_card_{kind}.{col}" for kind in ("intensive", "targeted", "exit")
      for col in RESULTS),
]
GATE_PATHS = [f"ofsted.{gate}.{col}" for gate in ("withdraw_entitlement",
                                                  "withdraw_two_year_old_funding")
              for col in RESULTS]


def _lookup(keys: pd.Series, values: pd.Series, dtype: str) -> pd.Series:
    """``keys.map(values)`` with a fixed dtype, also when ``values`` is empty."""
    if len(values) == 0:
        return pd.Series(pd.NA, index=keys.index, dtype=object).astype(dtype)
    return keys.map(values).astype(dtype)


# -- O1: the two frameworks -------------------------------------------------------------

def frameworks(dates: pd.Series, params: Parameters | None = None) -> pd.Series:
    """The Ofsted framework in force on each date (``ofsted.framework``, O1):
    ``single_word`` or ``report_card``; missing for a blank date or one before the first
    value of the parameter."""
    values = resolve(params)["ofsted.framework"].values
    starts = np.array([np.datetime64(v.start, "ns") for v in values])
    codes = np.array([v.value for v in values], dtype=object)
    days = pd.to_datetime(dates, errors="coerce").to_numpy("datetime64[ns]")
    pos = np.searchsorted(starts, days, side="right") - 1
    found = np.where((pos >= 0) & ~np.isnat(days), codes[np.maximum(pos, 0)], None)
    return pd.Series(found, index=dates.index, dtype="string")


def outcome(frame: pd.DataFrame) -> pd.Series:
    """The summary Ofsted outcome of each inspection row (``OFSTED_OUTCOMES``): the
    judgement of a single-word inspection; for a report card ``safeguarding_not_met``, else
    its lowest area grade."""
    judgement = frame["judgement"].astype("string") if "judgement" in frame else None
    areas = pd.DataFrame({a: frame[a].astype("string").map(_GRADE_RANK) if a in frame
                          else np.nan for a in AREAS}, index=frame.index).astype(float)
    low = areas.min(axis=1)
    grades = np.array(REPORT_CARD_GRADES, dtype=object)
    card = pd.Series(np.where(low.notna(), grades[low.fillna(0).astype(int)], None),
                     index=frame.index, dtype="string")
    if "safeguarding" in frame:
        card = card.mask(frame["safeguarding"].astype("string") == "not_met",
                         "safeguarding_not_met")
    return (judgement.fillna(card) if judgement is not None else card).astype("string")


def ofsted_history(settings: pd.DataFrame, inspections: pd.DataFrame) -> pd.DataFrame:
    """Every known inspection in date order per setting (O1): ``setting_id``, ``date``,
    ``framework``, ``judgement``, the report-card results (``safeguarding`` and the six
    areas; missing for a single-word inspection) and the summary ``outcome``.

    The inspections table, plus each setting's latest single-word judgement from the
    settings table where the inspections table lacks that date (when the settings frame
    has ``ofsted_judgement`` and ``ofsted_date``). An inspections frame
    without the report-card columns is read as single-word inspections only.
    """
    cols = ["setting_id", "date", "judgement", *RESULTS]
    hist = inspections.rename(columns={"inspection_date": "date"}).reindex(columns=cols)
    snapshot = {"ofsted_judgement", "ofsted_date"} <= set(settings.columns)
    latest = settings.loc[settings["ofsted_judgement"] != NOT_INSPECTED,
                          ["setting_id", "ofsted_date", "ofsted_judgement"]] if snapshot else \
        pd.DataFrame(columns=["setting_id", "ofsted_date", "ofsted_judgement"])
    latest = latest.rename(columns={"ofsted_date": "date", "ofsted_judgement": "judgement"})
    latest = latest.dropna(subset=["date"]).reindex(columns=cols)
    both = pd.concat([hist.astype({c: "string" for c in cols if c != "date"}),
                      latest.astype({c: "string" for c in cols if c != "date"})],
                     ignore_index=True)
    both["date"] = pd.to_datetime(both["date"]).astype("datetime64[ns]")
    both = (both.drop_duplicates(["setting_id", "date"], keep="first")
            .sort_values(["setting_id", "date"], kind="stable").reset_index(drop=True))
    card = both[list(RESULTS)].notna().any(axis=1)
    both.insert(2, "framework", pd.Series(
        np.where(both["judgement"].notna(), "single_word",
                 np.where(card, "report_card", None)), dtype="string"))
    both = both[both["framework"].notna()].reset_index(drop=True)
    both["outcome"] = outcome(both)
    return both


# -- C2/O2: what each inspection does to the level --------------------------------------

def _listed(hist: pd.DataFrame, path: str, on, p: Parameters, missing: bool) -> pd.DataFrame:
    """For each report-card result, whether the row's grade is in ``path.<result>`` on
    ``on``; a result without a parameter gives ``missing``."""
    return pd.DataFrame({
        col: (hist[col].isin(list(p.get(f"{path}.{col}", on) or [])).fillna(False)
              if f"{path}.{col}" in p else pd.Series(missing, index=hist.index))
        for col in RESULTS}, index=hist.index).astype(bool)


def _words(col: str, grade: str) -> str:
    label = SAFEGUARDING.label(grade) if col == "safeguarding" else REPORT_CARD_GRADES.label(
        grade)
    return f"{REPORT_CARD_RESULTS.label(col).lower()} {label.lower()}"


def _card_reasons(cards: pd.DataFrame, shown: np.ndarray) -> np.ndarray:
    """Plain words for each report card: the results in ``shown`` (a row of booleans per
    card, one column per result), or, when none, what the card says overall."""
    text = np.full(len(cards), "", dtype=object)
    for j, col in enumerate(RESULTS):
        grades = cards[col].astype(object)
        words = grades.map({g: _words(col, g) for g in grades.dropna().unique()})
        add = shown[:, j] & grades.notna().to_numpy()
        joined = np.where(text == "", words.to_numpy(), text + "; " + words.to_numpy())
        text = np.where(add, joined, text)
    overall = cards["outcome"].map(lambda low: "safeguarding met, every area exceptional"
                                   if low == "exceptional" else "safeguarding met, every area "
                                   f"{REPORT_CARD_GRADES.label(low).lower()} or better")
    text = np.where(text == "", overall.to_numpy(), text)
    return np.array(["Ofsted report card: " + t for t in text], dtype=object)


def ofsted_effects(hist: pd.DataFrame, on: dt.date | str,
                   params: Parameters | None = None) -> pd.DataFrame:
    """What each inspection of an :func:`ofsted_history` does under the rules in force on
    ``on`` (C2, O2): ``enters`` (makes the setting Intensive), ``exits`` (ends an Intensive
    begun by Ofsted), ``floor`` (keeps it at least Targeted while it is the latest
    inspection), ``reason`` in plain words and ``rule`` (``C2`` or ``O2``)."""
    p = resolve(params)
    single = (hist["framework"] == "single_word").to_numpy()
    card = (hist["framework"] == "report_card").to_numpy()
    judgement = hist["judgement"].astype("string")
    enters = single & judgement.isin(list(p.get("support.intensive_judgements", on))
                                     ).fillna(False).to_numpy()
    exits = single & judgement.isin(list(p.get("support.exit_judgements", on))
                                    ).fillna(False).to_numpy()
    floor = np.zeros(len(hist), bool)
    reason = np.array([None if pd.isna(j) else f"Ofsted {JUDGEMENTS.label(j).lower()}"
                       for j in judgement], dtype=object)
    if card.any():
        cards = hist[card]
        forcing = _listed(cards, "support.report_card_intensive", on, p, False)
        lifting = _listed(cards, "support.report_card_targeted", on, p, False)
        meeting = _listed(cards, "support.report_card_exit", on, p, True)
        enters[card] = forcing.any(axis=1).to_numpy()
        floor[card] = lifting.any(axis=1).to_numpy()
        exits[card] = meeting.all(axis=1).to_numpy()
        forces = forcing.any(axis=1).to_numpy()
        shown = np.where(forces[:, None], forcing.to_numpy(), lifting.to_numpy())
        reason[card] = _card_reasons(cards, shown)
    exits &= ~enters
    return pd.DataFrame({"enters": enters, "exits": exits, "floor": floor,
                         "reason": pd.Series(reason, dtype="string").to_numpy(),
                         "rule": np.where(card, "O2", "C2")}, index=hist.index)


def combine(agreed: np.ndarray, forced: np.ndarray, floor: np.ndarray,
            in_crisis: np.ndarray) -> np.ndarray:
    """The level rank (0 universal, 1 targeted, 2 intensive) from the agreed rank (C3), an
    Intensive forced by Ofsted (C2/O2), a report card's Targeted floor (O2) and a crisis
    (C1)."""
    level = np.maximum(np.asarray(agreed, dtype=np.int64),
                       np.where(np.asarray(floor, dtype=bool), RANK["targeted"], 0))
    return np.where(np.asarray(forced, dtype=bool) | np.asarray(in_crisis, dtype=bool),
                    RANK["intensive"], level)


# -- C1: crisis --------------------------------------------------------------------------

def _agreed_visits(visits: pd.DataFrame) -> pd.DataFrame:
    held = visits[visits["held_date"].notna() & visits["level_agreed"].notna()]
    return pd.DataFrame({"setting_id": held["setting_id"].astype("string"),
                         "date": held["held_date"], "level_agreed": held["level_agreed"],
                         "visit_type": held["visit_type"], "visit_id": held["visit_id"]})


def crisis_starts(settings: pd.DataFrame, visits: pd.DataFrame) -> pd.DataFrame:
    """When each setting flagged ``in_crisis`` entered its crisis (C1, see the module
    docstring): the first held visit of its final run of visits agreeing Intensive."""
    ids = settings.loc[settings["in_crisis"].astype(bool), "setting_id"].astype("string")
    held = _agreed_visits(visits)
    held = held[held["setting_id"].isin(ids)]
    last_other = (held[held["level_agreed"] != "intensive"].groupby("setting_id")["date"].max()
                  .rename("last_other"))
    held = held.join(last_other, on="setting_id")
    run = held[(held["level_agreed"] == "intensive")
               & (held["last_other"].isna() | (held["date"] > held["last_other"]))]
    start = run.groupby("setting_id")["date"].min().astype("datetime64[ns]")
    out = pd.DataFrame({"setting_id": ids.to_numpy()}, dtype="string").merge(
        start.rename("crisis_from"), left_on="setting_id", right_index=True, how="left")
    out["crisis_from"] = out["crisis_from"].fillna(EARLIEST).astype("datetime64[ns]")
    return out


# -- C1-C3, O2: the timeline of levels ----------------------------------------------------

def timeline(settings: pd.DataFrame, visits: pd.DataFrame, inspections: pd.DataFrame,
             on: dt.date | str, categorisations: pd.DataFrame | None = None,
             crisis: pd.DataFrame | None = None, params: Parameters | None = None
             ) -> pd.DataFrame:
    """Every change of each setting's derived level, with its reason (C1-C3, O2).

    One row per setting and date on which the level changed (the first row of a setting
    is its starting level): ``setting_id``, ``date``, ``previous``, ``level``, ``reason``
    (plain words), ``rule`` (``C1``, ``C2``, ``C3`` or ``O2``) and ``judgement`` (the Ofsted
    outcome in force after the change, an ``OFSTED_OUTCOMES`` code). Events after ``on``
    are ignored; parameters in force on ``on`` apply.
    """
    p = resolve(params)
    day = timestamp(on)
    default = p.get("support.default_level", on)
    crisis = crisis_starts(settings, visits) if crisis is None else crisis
    frames = []
    if categorisations is not None and len(categorisations):
        first = (categorisations.sort_values(["setting_id", "effective_date"])
                 .drop_duplicates("setting_id"))
        frames.append(pd.DataFrame({
            "setting_id": first["setting_id"], "date": first["effective_date"],
            "kind": "baseline", "agreed": first["level"], "reason":
            "recorded initial categorisation", "rule": "C3"}))
    hist = ofsted_history(settings, inspections)
    hist = hist[hist["date"] <= day].reset_index(drop=True)
    effect = ofsted_effects(hist, on, p)
    frames.append(pd.DataFrame({
        "setting_id": hist["setting_id"], "date": hist["date"], "kind": "ofsted",
        "judgement": hist["outcome"],
        # C2/O2: 1 starts Intensive, 0 ends it, missing leaves it as it was
        "force": np.where(effect["enters"], 1.0, np.where(effect["exits"], 0.0, np.nan)),
        "floor": effect["floor"].astype(float), "reason": effect["reason"],
        "rule": effect["rule"]}))
    frames.append(pd.DataFrame({
        "setting_id": crisis["setting_id"], "date": crisis["crisis_from"], "kind": "crisis",
        "reason": "setting in crisis", "rule": "C1"}))
    vis = _agreed_visits(visits)
    where = vis["visit_type"].map(lambda t: VISIT_TYPES.label(t).lower(), na_action="ignore")
    frames.append(pd.DataFrame({
        "setting_id": vis["setting_id"], "date": vis["date"], "kind": "visit",
        "agreed": vis["level_agreed"], "reason": "agreed at " + where, "rule": "C3"}))
    cols = ["setting_id", "date", "kind", "agreed", "judgement", "force", "floor", "reason",
            "rule"]
    ev = pd.concat([f.reindex(columns=cols).astype(
        {"agreed": "string", "judgement": "string", "reason": "string", "rule": "string",
         "setting_id": "string", "force": float, "floor": float,
         "date": "datetime64[ns]"}) for f in frames], ignore_index=True)
    ev = ev[(ev["date"] <= day) & ev["setting_id"].isin(settings["setting_id"])]
    ev["order"] = ev["kind"].map(_ORDER)
    ev = ev.sort_values(["setting_id", "date", "order"], kind="stable").reset_index(drop=True)
    g = ev.groupby("setting_id", sort=False)
    agreed = g["agreed"].ffill().fillna(default).map(RANK).to_numpy()
    forced = g["force"].ffill().fillna(0.0).to_numpy() > 0
    floor = g["floor"].ffill().fillna(0.0).to_numpy() > 0
    in_crisis = (ev["kind"] == "crisis").groupby(ev["setting_id"], sort=False).cummax()
    rank = combine(agreed, forced, floor, in_crisis.to_numpy())
    ev["level"] = np.array(SUPPORT_LEVELS, dtype=object)[rank]
    ev["judgement"] = g["judgement"].ffill().fillna(NOT_INSPECTED)
    # the level at the end of each day; the reason is the day's last event that moved it
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
    """Every setting's level on ``on`` from a :func:`timeline` (C1-C3, O2), with the
    settings' district and provider type, the date the level took effect (``since``) and
    why (``reason``, ``rule``). A setting with no event yet has ``support.default_level``."""
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


def outcomes_at(settings: pd.DataFrame, inspections: pd.DataFrame, keys: pd.DataFrame,
                date: str = "date") -> pd.Series:
    """The Ofsted outcome in force for ``keys.setting_id`` on each ``keys[date]`` (an
    ``OFSTED_OUTCOMES`` code; ``not_yet_inspected`` when none), aligned with ``keys``."""
    hist = ofsted_history(settings, inspections)[["setting_id", "date", "outcome"]]
    left = pd.DataFrame({
        "setting_id": pd.Series(keys["setting_id"].to_numpy(), dtype="string"),
        "when": pd.to_datetime(keys[date]).astype("datetime64[ns]").to_numpy(),
        "row": np.arange(len(keys))})
    ok = left["when"].notna()
    found = pd.merge_asof(left[ok].sort_values("when"),
                          hist.rename(columns={"date": "when"}).sort_values("when"),
                          on="when", by="setting_id", direction="backward")
    out = pd.Series(pd.NA, index=np.arange(len(keys)), dtype="string")
    out[found["row"].to_numpy()] = found["outcome"].to_numpy()
    return pd.Series(out.fillna(NOT_INSPECTED).to_numpy(), index=keys.index, dtype="string")


def judgements_on(settings: pd.DataFrame, inspections: pd.DataFrame, on: dt.date | str
                  ) -> pd.Series:
    """The Ofsted outcome in force on ``on`` for each setting (``not_yet_inspected`` if
    none), aligned with ``settings``: a single-word judgement or a report card's summary
    (``OFSTED_OUTCOMES``)."""
    keys = pd.DataFrame({"setting_id": settings["setting_id"], "date": timestamp(on)},
                        index=settings.index)
    return outcomes_at(settings, inspections, keys)


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
    lead = pd.DataFrame({"setting_id": ids.to_numpy(), "date": EARLIEST,
                         "level": p.get("support.default_level", on)})
    lead["end"] = _lookup(lead["setting_id"], first, "datetime64[ns]").fillna(stop).to_numpy()
    rows = rows[["setting_id", "date", "level"]].copy()
    rows["end"] = rows.groupby("setting_id")["date"].shift(-1).fillna(stop)
    out = pd.concat([lead, rows], ignore_index=True).rename(columns={"date": "start"})
    out = out[out["end"] > out["start"]].astype({"level": "string"})
    return out.sort_values(["setting_id", "start"]).reset_index(drop=True)


# -- O3: funding gates ---------------------------------------------------------------------

GATES = {
    "withdraw_entitlement": "entitlement funding may be withdrawn",
    "withdraw_two_year_old_funding":
        "funding for 2-year-olds receiving additional support may be withdrawn",
}


def funding_gates(settings: pd.DataFrame, inspections: pd.DataFrame, on: dt.date | str,
                  params: Parameters | None = None) -> pd.DataFrame:
    """O3 flags on ``on`` from each setting's latest inspection, aligned with ``settings``:
    one boolean column per gate (``withdraw_entitlement``,
    ``withdraw_two_year_old_funding``: the authority *may* withdraw, per
    ``ofsted.<gate>``) and ``funding_flags``, the flags in plain words with the results
    behind them ("" when none). Only report cards carry these gates."""
    p = resolve(params)
    hist = ofsted_history(settings, inspections)
    hist = hist[hist["date"] <= timestamp(on)].drop_duplicates("setting_id", keep="last")
    cards = hist[hist["framework"] == "report_card"].set_index("setting_id")
    out = pd.DataFrame(index=settings.index)
    text = pd.Series("", index=settings.index, dtype=object)
    ids = settings["setting_id"].astype("string")
    for gate, words in GATES.items():
        hits = _listed(cards, f"ofsted.{gate}", on, p, False) if len(cards) else \
            pd.DataFrame(columns=list(RESULTS), dtype=bool)
        why = pd.Series([", ".join(_words(c, cards.at[i, c]) for c in RESULTS if h[c])
                         for i, h in hits.iterrows()], index=hits.index, dtype=object)
        flagged = _lookup(ids, why[why != ""], "string")
        out[gate] = flagged.notna().to_numpy()
        add = (words + " (O3: " + flagged + ")").fillna("").to_numpy()
        text = text.where(add == "", text.where(text == "", text + "; ") + add)
    out["funding_flags"] = text.astype("string")
    return out


__all__ = ["EARLIEST", "GATES", "NOT_INSPECTED", "OFSTED_OUTCOMES", "RANK", "RESULTS",
           "RULE_PATHS", "combine", "crisis_starts", "frameworks", "funding_gates",
           "intervals", "judgements_on", "levels_on", "ofsted_effects", "ofsted_history",
           "outcome", "outcomes_at", "timeline"]

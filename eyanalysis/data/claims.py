"""A term's claims from a dataset: the one adapter from the attendance table to the rules
engine (:mod:`eyanalysis.rules.supplement`, :mod:`eyanalysis.rules.grid`).

:func:`for_term` is the only place that derives, for a term, each row's funding age (F6,
:func:`eyanalysis.rules.terms.funding_age`), specialist flag (F4: provider type
``specialist``), weeks (F7: as recorded; ``nef.term_weeks`` for a projected term) and EYPP
flag (P1: ``children.eypp_eligible``), DAF flag (D1-D2, :func:`daf_due`) and the level known
on a date. The termly summary,
the payment timeline, the forecast, the costing and the panel's committed funding all read
claims through it, so the same term costs the same everywhere.

**The level known on a date** (the rule :meth:`Dataset.as_of
<eyanalysis.data.dataset.Dataset.as_of>` applies too): a row whose ``level_from`` is after
the date shows the child's level in the previous term, or ``NE`` for a child new that term;
its ``level_from`` then reads as the date that level took effect, or the term's first day.

**A projected term** (one the data do not hold, or that starts after ``known_on``): the
rows of the latest term the data hold (that started by ``known_on``) carried forward:
children who start Reception by then leave (:func:`eyanalysis.rules.terms.school_entry`),
hours per week and settings stay, weeks come from ``nef.term_weeks``, and new entrants are
not known (the caseload projection adds them).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from eyanalysis.data.recent import recent
from eyanalysis.errors import InputDataError
from eyanalysis.parameters import Parameters, as_date, resolve
from eyanalysis.rules import daf, terms
from eyanalysis.rules.levels import LEVELS

COLUMNS = ["child_id", "setting_id", "term", "level", "level_from", "hours_per_week", "weeks",
           "funding_age", "eypp", "daf", "specialist", "projected", "eypp_hours_per_week"]
NEW = "NE"  # the level of a child not yet known at a level (L1)


def terms_held(attendance: pd.DataFrame) -> list[str]:
    """The terms the attendance table holds, in order."""
    return sorted(attendance["term"].astype("string").dropna().unique(), key=terms.index)


def term_weeks(term: str, params: Parameters | None = None) -> float:
    """Funded weeks of a term with no recorded weeks (a projected term, an award costed on
    assumed hours): ``nef.term_weeks`` of its season in force on its first day (F7)."""
    return float(resolve(params).get(f"nef.term_weeks.{terms.season(term)}", terms.start(term)))


def year_weeks(on: dt.date | str, params: Parameters | None = None) -> float:
    """Funded weeks in a year (F7): the weeks of the term running on ``on`` and the next
    two (``nef.term_weeks``, 38 with 14/12/12), for costing a year of a term's hours."""
    first = terms.containing(as_date(on))
    return sum(term_weeks(terms.shift(first, k), params) for k in range(3))


def last_term(attendance: pd.DataFrame) -> str | None:
    """The last term the attendance table holds (``None`` when it is empty)."""
    held = terms_held(attendance)
    return held[-1] if held else None


def funding_ages(birth_month: pd.Series, term: pd.Series) -> pd.Series:
    """Funding age of each child in each term (F6', the rule of
    :func:`eyanalysis.rules.terms.funding_age`): what a declared funding age is checked
    against (:func:`eyanalysis.data.mapping.declared_age_problems`)."""
    return terms.funding_age(birth_month, term)


def levels_known(rows: pd.DataFrame, attendance: pd.DataFrame, on: dt.date | str
                 ) -> tuple[pd.Series, pd.Series]:
    """``(level, level_from)`` of attendance ``rows`` as known on ``on``.

    A row whose ``level_from`` is after ``on`` shows the child's level in the term before
    the row's term (the earliest ``level_from`` of that level), or ``NE`` from the row's
    term start for a child not there in the term before.
    """
    level = rows["level"].astype("string")
    since = rows["level_from"].astype("datetime64[ns]")
    later = (since > terms.timestamp(on)).to_numpy()
    if not later.any():
        return level, since
    late = rows.loc[later]
    t = terms.indices(late["term"])
    att_t = terms.indices(attendance["term"])
    before = attendance.loc[np.isin(att_t + 1, np.unique(t)),
                            ["child_id", "term", "level", "level_from"]]
    prior = (before.assign(_t=terms.indices(before["term"]) + 1,
                           _code=pd.Categorical(before["level"].astype("string"),
                                                categories=LEVELS).codes)
             .sort_values(["_code", "level_from"], ascending=[False, True])
             .drop_duplicates(["child_id", "_t"]))
    key = pd.MultiIndex.from_arrays([prior["child_id"].astype("string"), prior["_t"]])
    pos = key.get_indexer(pd.MultiIndex.from_arrays([late["child_id"].astype("string"), t]))
    hit = pos >= 0
    first_day = {i: np.datetime64(terms.start(terms.from_index(i)), "ns") for i in set(t)}
    starts = np.array([first_day[i] for i in t], dtype="datetime64[ns]")
    take = np.where(hit, pos, len(prior))
    prior_level = np.append(prior["level"].astype("string").to_numpy(dtype=object), NEW)
    prior_from = np.append(prior["level_from"].to_numpy(dtype="datetime64[ns]"),
                           np.datetime64("NaT", "ns"))
    level = level.copy()
    since = since.copy()
    level[later] = prior_level[take]
    since[later] = np.where(hit, prior_from[take], starts)
    return level, since


#: Entries one dataset keeps (:func:`_kept`), the least recently used dropped first: an
#: app's session asks for a new date at each change (a term's claims are 1-2 MB).
KEPT = 48


def _kept(data, key: tuple, params: Parameters | None, derive):
    """``derive()``, kept on the :class:`~eyanalysis.data.dataset.Dataset` it was derived
    from (its ``_derived``, as its :meth:`~eyanalysis.data.dataset.Dataset.as_of` cuts are
    kept): the termly tables, the payment timeline and the panel's costing ask for the same
    term's claims many times in one run. An entry holds for the same arguments, the same
    parameters object and the same attendance, children and settings frames (by identity);
    the caller gets a copy it may change. Anything else than a Dataset: derived each time."""
    store = getattr(data, "__dict__", {}).get("_derived")
    if store is None:
        return derive()
    frames = tuple(data.tables.get(n) for n in ("attendance", "children", "settings"))
    hit = recent(store, (*key, id(params)),
                 lambda: (params, frames, derive()),  # params held: its id is not reused
                 KEPT, fresh=lambda h: h[0] is params
                 and all(a is b for a, b in zip(h[1], frames, strict=True)))
    return hit[2].copy()


def for_term(data, term: str, known_on: dt.date | str | None = None,
             params: Parameters | None = None) -> pd.DataFrame:
    """Claims for ``term``: one row per child per setting (see the module docstring).

    ``data`` is a :class:`~eyanalysis.data.dataset.Dataset` (or anything with
    ``attendance``, ``children`` and ``settings`` frames). ``known_on`` (default: everything
    recorded) is the date whose knowledge of levels is costed (:mod:`eyanalysis.rules.timing`
    gives the F9 dates). Columns: :data:`COLUMNS`; ``level`` is categorical over ``LEVELS``,
    ``projected`` marks rows carried forward into a term the data do not hold. Derived once
    per dataset, term, date and parameters (:func:`_kept`).
    """
    term = terms.from_index(terms.index(term))  # checked and normalised
    day = None if known_on is None else as_date(known_on)
    params = resolve(params)
    return _kept(data, ("for_term", term, day), params,
                 lambda: _for_term(data, term, day, params))


def _for_term(data, term: str, day: dt.date | None, params: Parameters) -> pd.DataFrame:
    att = data.attendance
    started = [t for t in terms_held(att) if day is None or terms.start(t) <= day]
    if term in started:
        source, projected = term, False
    else:
        earlier = [t for t in started if terms.index(t) < terms.index(term)]
        if not earlier:
            return empty()
        source, projected = earlier[-1], True
    rows = att.loc[(att["term"] == source).to_numpy()]
    if projected:  # F6 school entry: children starting Reception by then have left
        birth = _children(data, rows["child_id"])["birth_month"]
        rows = rows.loc[terms.school_entry_index(birth) > terms.index(term)]
    if day is None:
        level, since = rows["level"], rows["level_from"]
    else:
        level, since = levels_known(rows, att, day)
    weeks = term_weeks(term, params) if projected else None
    out = complete(pd.DataFrame({
        "child_id": rows["child_id"].astype("string"),
        "setting_id": rows["setting_id"].astype("string"),
        "level": pd.Categorical(level.astype("string"), categories=LEVELS, ordered=True),
        "level_from": since.astype("datetime64[ns]"),
        "hours_per_week": rows["hours_per_week"].astype(float),
        "weeks": rows["weeks"].astype(float) if weeks is None else weeks,
        # E2 with census streams: the hours less the 3-4 extended hours (schemas.derive_hours)
        "eypp_hours_per_week": (rows["eypp_hours_per_week"].astype(float)
                                if "eypp_hours_per_week" in rows else np.nan),
    }).reset_index(drop=True), data, term, params)
    out["projected"] = projected
    out["daf"] = daf_flags(out, data, term, day, params)
    return out[COLUMNS]


def nominated(rows: pd.DataFrame) -> pd.DataFrame:
    """The one setting per child per term that receives DAF (D1: the setting the parent
    nominates). The data model holds no nomination, so **Decision:** the setting with the
    most funded hours a week that term, then the lowest setting id; rows with no funded
    hours never receive it."""
    rows = rows.loc[rows["hours_per_week"].astype(float) > 0]
    order = rows.assign(_h=-rows["hours_per_week"].astype(float),
                        _s=rows["setting_id"].astype("string"))
    order = order.sort_values(["term", "child_id", "_h", "_s"], kind="stable")
    return order.drop_duplicates(["term", "child_id"]).drop(columns=["_h", "_s"])


def daf_claims(data, up_to: str, known_on: dt.date | str | None = None,
               extra: pd.DataFrame | None = None) -> pd.DataFrame:
    """DAF terms of every child flagged ``daf`` (receives DLA, D1) up to term ``up_to``: one
    row per child per term with funded hours, at the nominated setting (:func:`nominated`),
    with ``birth_month`` for the school-starter rule (D2). Terms held that started by
    ``known_on`` (default: all); ``extra`` claim rows (a projected term) are added."""
    kids = data.children
    if "daf" not in kids:
        return pd.DataFrame(columns=["child_id", "setting_id", "term", "birth_month"])
    flagged = kids.loc[kids["daf"].fillna(False).astype(bool)]
    ids = flagged["child_id"].astype("string")
    last = terms.index(up_to)
    day = None if known_on is None else as_date(known_on)
    rows = _kept(data, ("daf_rows",), None, lambda: _daf_rows(data, ids))
    rows = rows.loc[rows.pop("_t").to_numpy() <= last]
    if day is not None and len(rows):
        begun = rows["term"].astype("string").map(lambda x: terms.start(x) <= day)
        rows = rows.loc[begun.astype(bool).to_numpy()]
    rows = rows.astype({"child_id": "string", "setting_id": "string", "term": "string"})
    if extra is not None and len(extra):
        more = extra.loc[extra["child_id"].astype("string").isin(ids),
                         ["child_id", "setting_id", "term", "hours_per_week"]]
        more = more.astype({"child_id": "string", "setting_id": "string", "term": "string"})
        rows = pd.concat([rows.loc[rows["term"] != up_to], more], ignore_index=True)
    out = nominated(rows)
    births = pd.Series(flagged["birth_month"].astype("string").to_numpy(), index=ids.to_numpy())
    return out.assign(birth_month=out["child_id"].map(births)).drop(
        columns="hours_per_week").reset_index(drop=True)


def _daf_rows(data, ids: pd.Series) -> pd.DataFrame:
    """The attendance rows of the children ``ids`` (those flagged ``daf``), with each row's
    term index ``_t``: every term's DAF history is cut from them (a few hundred rows, not
    the whole attendance table)."""
    att = data.attendance
    rows = att.loc[att["child_id"].astype("string").isin(ids).to_numpy(),
                   ["child_id", "setting_id", "term", "hours_per_week"]]
    return rows.assign(_t=terms.indices(rows["term"]))


def daf_due(data, term: str, known_on: dt.date | str | None = None,
            params: Parameters | None = None, extra: pd.DataFrame | None = None
            ) -> pd.DataFrame:
    """The DAF payments falling due in ``term`` (:func:`eyanalysis.rules.daf.schedule`'s
    columns, exact pence): each DAF child funded in the term, at the nominated setting,
    when the period rule (D2) says a new DAF year has begun; ``extra`` claim rows stand
    for the term's rows (a projected term). Only the children funded in ``term`` are
    scheduled, over their DAF terms up to it."""
    params = resolve(params)
    if extra is None:  # the dataset's own rows: kept (:func:`_kept`)
        term = terms.from_index(terms.index(term))
        day = None if known_on is None else as_date(known_on)
        return _kept(data, ("daf_due", term, day), params,
                     lambda: _daf_due(data, term, day, params, None))
    return _daf_due(data, term, known_on, params, extra)


def _daf_due(data, term, known_on, params, extra) -> pd.DataFrame:
    history = _daf_history(data, term, known_on, extra)
    due = daf.schedule(history.loc[history["child_id"].isin(_due_now(history, term, params))],
                       params)
    return due.loc[due["term"] == term].reset_index(drop=True)


def _daf_history(data, term, known_on, extra) -> pd.DataFrame:
    """:func:`daf_claims` of the children funded in ``term`` only, as plain objects (the
    schedule loops over children)."""
    history = daf_claims(data, term, known_on, extra)
    now = history.loc[history["term"] == term, "child_id"]
    return history.loc[history["child_id"].isin(now)].astype(object)


def _due_now(history: pd.DataFrame, term: str, params: Parameters | None) -> list[str]:
    """The children of ``history`` whose DAF falls due in ``term`` (D2,
    :func:`eyanalysis.rules.daf.due_terms`, the rule in force at each term's start)."""
    params = resolve(params)
    rule = {t: params.get("daf.period_rule", terms.start(t)) for t in set(history["term"])}
    claimed: dict[str, list[str]] = {}
    for child, t in zip(history["child_id"], history["term"], strict=True):
        claimed.setdefault(child, []).append(t)
    return [child for child, ts in claimed.items()
            if term in daf.due_terms(ts, {t: rule[t] for t in ts}, params)]


def daf_flags(claims: pd.DataFrame, data, term: str, known_on: dt.date | None,
              params: Parameters | None = None) -> np.ndarray:
    """``daf`` of each claim row of ``term``: true where DAF falls due for the child at that
    setting in that term (D1: DLA, a funded entitlement taken up, the nominated setting;
    D2: the period rule ``daf.period_rule`` over the child's DAF terms so far,
    :func:`daf_due`). So a grid of these claims pays DAF once a period, never every term."""
    if claims.empty or "daf" not in data.children:
        return np.zeros(len(claims), dtype=bool)
    history = _daf_history(data, term, known_on, claims)
    due = history.loc[(history["term"] == term)
                      & history["child_id"].isin(_due_now(history, term, params))]
    key = pd.MultiIndex.from_arrays([due["child_id"].astype(str), due["setting_id"].astype(str)])
    mine = pd.MultiIndex.from_arrays([claims["child_id"].astype(str),
                                      claims["setting_id"].astype(str)])
    return mine.isin(key)


def relevel(claims: pd.DataFrame, data, known_on: dt.date | str | None) -> pd.DataFrame:
    """``claims`` of a term the data hold (from :func:`for_term`) with the levels known on
    ``known_on`` instead (``None``: as recorded): the same rule as ``for_term(data, term,
    known_on)``, without deriving the rest again (e.g. for the three F9 stages of a term)."""
    if known_on is None or claims.empty:
        return claims
    level, since = levels_known(claims, data.attendance, known_on)
    return claims.assign(level=pd.Categorical(level, categories=LEVELS, ordered=True),
                         level_from=since)


def complete(rows: pd.DataFrame, data, term: str, params: Parameters | None = None
             ) -> pd.DataFrame:
    """Claim rows (``child_id``, ``setting_id``, ``level``, ``hours_per_week`` and, when
    known, ``weeks``) with everything else a claim needs in ``term``: ``weeks`` where blank
    from ``nef.term_weeks`` (F7), ``funding_age`` (F6), ``eypp`` (P1) and ``specialist``
    (F4). For claims that are not attendance rows (e.g. a panel award costed on assumed
    hours)."""
    out = rows.copy()
    if "weeks" not in out or out["weeks"].isna().any():
        default = term_weeks(term, params)
        out["weeks"] = out["weeks"].fillna(default) if "weeks" in out else default
    kids = _children(data, out["child_id"])
    out["term"] = pd.Series(term, index=out.index, dtype="string")
    out["funding_age"] = pd.Series(
        terms.funding_age(kids["birth_month"], term).to_numpy(), index=out.index,
        dtype="string")
    out["eypp"] = kids["eypp_eligible"].fillna(False).astype(bool).to_numpy()
    settings = data.settings
    specialist = pd.Index(settings.loc[settings["provider_type"] == "specialist",
                                       "setting_id"].astype("string"))
    out["specialist"] = specialist.get_indexer(out["setting_id"].astype("string")) >= 0
    return out


def _children(data, child_id: pd.Series) -> pd.DataFrame:
    """The children rows of ``child_id`` (in its order; a missing child gives NA)."""
    kids = data.children
    ids = _kept(data, ("children_index",), None,
                lambda: pd.Index(kids["child_id"].astype("string")))
    pos = ids.get_indexer(child_id.astype("string"))
    if (pos < 0).any():
        missing = sorted(set(child_id[pos < 0].astype(str)))[:5]
        raise InputDataError(f"the children table has no row for child_id {missing}: load "
                             "the children table with the attendance it explains.")
    return kids.iloc[pos].reset_index(drop=True)


def empty() -> pd.DataFrame:
    """Claims with no rows (a term before anything the data hold)."""
    return pd.DataFrame({
        "child_id": pd.Series(dtype="string"), "setting_id": pd.Series(dtype="string"),
        "term": pd.Series(dtype="string"),
        "level": pd.Categorical([], categories=LEVELS, ordered=True),
        "level_from": pd.Series(dtype="datetime64[ns]"),
        "hours_per_week": pd.Series(dtype=float), "weeks": pd.Series(dtype=float),
        "funding_age": pd.Series(dtype="string"), "eypp": pd.Series(dtype=bool),
        "daf": pd.Series(dtype=bool), "specialist": pd.Series(dtype=bool),
        "projected": pd.Series(dtype=bool), "eypp_hours_per_week": pd.Series(dtype=float)})

"""Funding committed by the panel's approved awards until school entry (X4, F1-F10).

An award known on the count date runs from the term of its decision to the term before the
child's school entry (:func:`eyanalysis.rules.terms.school_entry`), or until the term before a
later award for the same child, which supersedes it. Each award term is costed on the
child's claims in that term (:func:`eyanalysis.data.claims.for_term`, as known on the date:
the term's attendance rows, or the last term's carried forward for a term not in the data)
at the awarded level; a child with no claims that term is costed on
``panel.assumed_hours_per_week`` at the applying setting (``hours_assumed``;
:func:`eyanalysis.data.claims.complete` adds weeks, funding age and the specialist flag).
Amounts come from :func:`eyanalysis.rules.supplement.supplement` with the rates in force at
each term's start, the cap and split rules included (F1-F5, F10). A 0-5 non-NEF child
receives no NEF base rate, so F5 (levels inside the base rate) does not apply to them: they
are costed at the top-up of the awarded level. Kinds costed ``individual``
(``panel.costing``, X4) are not costed: see :func:`individual_awards`.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from eyanalysis.analysis.panel import status_on
from eyanalysis.data import claims as cl
from eyanalysis.parameters import Parameters, as_date, resolve
from eyanalysis.rules import terms
from eyanalysis.rules.levels import LEVELS
from eyanalysis.rules.money import pounds_text
from eyanalysis.rules.rates import Rates
from eyanalysis.rules.supplement import supplement
from eyanalysis.vocabulary import PANEL_KINDS

NOT_NEF = "not NEF-funded"  # the funding age of a 0-5 non-NEF award (no base rate, X4)
COLUMNS = {"application_id": "string", "kind": "string", "child_id": "string",
           "setting_id": "string", "level": "string", "term": "string",
           "funding_age": "string", "hours_per_week": float, "hours_assumed": bool,
           "weeks": float, "claimable_hours": float, "rate": "int64", "amount_pence": "int64",
           "period": "string"}


def money(pence: pd.Series) -> pd.Series:
    """Integer pence shown to the penny: ``123456`` -> ``"£1234.56"`` (F10)."""
    return pounds_text(pence)


def award_terms(apps: pd.DataFrame, children: pd.DataFrame, on: dt.date | str,
                params: Parameters | None = None, costing: str = "rates") -> pd.DataFrame:
    """One row per approved award (known on ``on``, of kinds costed ``costing``) and term it
    runs: ``application_id``, ``kind``, ``child_id``, ``setting_id``, ``level``,
    ``term``, ``term_idx``."""
    params = resolve(params)
    day = as_date(on)
    st = status_on(apps, day)
    how = st["kind"].map({k: params.get(f"panel.costing.{k}", day) for k in PANEL_KINDS})
    aw = st.loc[(st["decision"] == "approved") & (how == costing)]
    aw = aw.merge(children[["child_id", "birth_month"]], on="child_id", how="left")
    aw = aw.assign(start=terms.index_of_dates(aw["decision_date"]),
                   entry=terms.school_entry_index(aw["birth_month"]))
    aw = aw.sort_values(["child_id", "start", "decision_date", "application_id"])
    nxt = aw.groupby("child_id")["start"].shift(-1).fillna(np.iinfo("int64").max // 2)
    aw["end"] = np.minimum(aw["entry"].to_numpy() - 1, nxt.to_numpy().astype("int64") - 1)
    aw = aw.reset_index(drop=True)
    n = np.clip(aw["end"] - aw["start"] + 1, 0, None).to_numpy()
    rows = aw.loc[np.repeat(aw.index.to_numpy(), n)].reset_index(drop=True)
    rows["term_idx"] = rows["start"].to_numpy() + (
        np.arange(len(rows)) - np.repeat(np.cumsum(n) - n, n))
    rows["term"] = rows["term_idx"].map({i: terms.from_index(i)
                                         for i in rows["term_idx"].unique()}).astype("string")
    return rows[["application_id", "kind", "child_id", "setting_id", "awarded_level", "term",
                 "term_idx"]].rename(columns={"awarded_level": "level"})


def committed(data, on: dt.date | str, params: Parameters | None = None,
              apps: pd.DataFrame | None = None) -> pd.DataFrame:
    """Funding committed by approved awards, per award, term and setting, in pence (see the
    module docstring).

    ``data`` holds ``children``, ``attendance``, ``settings`` and, unless ``apps`` is given
    (e.g. a choice of kinds), ``panel_applications``. ``period`` is ``to date`` up to
    ``on``'s term and ``to come`` after it.
    """
    params = resolve(params)
    day = as_date(on)
    apps = data.panel_applications if apps is None else apps
    awards = award_terms(apps, data.children, day, params)
    if awards.empty:
        return _empty()
    assumed = float(params.get("panel.assumed_hours_per_week", day))
    parts = []
    for term in sorted(awards["term"].unique(), key=terms.index):  # a handful of terms
        sub = awards.loc[awards["term"] == term]
        claims = cl.for_term(data, term, day, params)
        seen = sub.drop(columns="setting_id").merge(
            claims[["child_id", "setting_id", "hours_per_week", "weeks"]], on="child_id")
        new = sub.loc[~sub["child_id"].astype(object).isin(claims["child_id"].astype(object))]
        rows = pd.concat([seen.assign(hours_assumed=False),
                          new.assign(hours_per_week=assumed, weeks=np.nan,
                                     hours_assumed=True)], ignore_index=True)
        rows = cl.complete(rows, data, term, params)
        rows["funding_age"] = rows["funding_age"].where(rows["kind"] != "non_nef", NOT_NEF)
        rows["level"] = rows["level"].astype("string")
        paid = supplement(rows, Rates.from_parameters(terms.start(term), params))
        parts.append(rows.assign(rate=paid["rate"].to_numpy(),
                                 amount_pence=paid["amount_pence"].to_numpy(),
                                 claimable_hours=paid["term_hours"].to_numpy()))
    out = pd.concat(parts).sort_values(["term_idx", "child_id", "setting_id"])
    out["period"] = np.where(out["term_idx"] <= terms.index(terms.containing(day)),
                             "to date", "to come")
    return out[list(COLUMNS)].astype(COLUMNS).reset_index(drop=True)


def _empty() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in COLUMNS.items()})


def committed_by_level(c: pd.DataFrame) -> pd.DataFrame:
    """Committed pence by awarded level and period, with children and a £ column (F10)."""
    g = c.groupby(["level", "period"], observed=True)
    out = g.agg(children=("child_id", "nunique"), awards=("application_id", "nunique"),
                amount_pence=("amount_pence", "sum")).reset_index()
    out["level"] = pd.Categorical(out["level"], categories=LEVELS, ordered=True)
    out = out.sort_values(["level", "period"]).reset_index(drop=True)
    out["amount_pence"] = out["amount_pence"].astype("int64")
    out["amount"] = money(out["amount_pence"])
    return out


def individual_awards(apps: pd.DataFrame, on: dt.date | str,
                      params: Parameters | None = None) -> pd.DataFrame:
    """Approved awards of kinds set individually (``panel.costing``: out-of-school and
    holiday provision, X4): counted per kind and level, never costed."""
    params = resolve(params)
    day = as_date(on)
    st = status_on(apps, day)
    costing = st["kind"].map({k: params.get(f"panel.costing.{k}", day) for k in PANEL_KINDS})
    aw = st.loc[(st["decision"] == "approved") & (costing == "individual")]
    return (aw.groupby(["kind", aw["awarded_level"].astype("string")], dropna=False)
            .agg(awards=("application_id", "nunique"), children=("child_id", "nunique"))
            .reset_index().rename(columns={"awarded_level": "level"}))

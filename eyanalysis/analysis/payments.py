"""Payment timeline of the Inclusion Supplement (F9), a cash view and a reconciliation.

F9: the prediction is paid at the start of the term; actuals are declared on the provider
portal mid-term (``payments.portal_weeks`` after the start, a Decision) and the balance
(actual - predicted) is paid then; a level that takes effect after the portal closes is paid
by Change Request as an adjustment at the start of the following term. A panel decision
moves a child's level on its decision date, so it lands in the actual run or next term's
adjustment depending on that date.

What was known when: a row's level counts from its ``level_from`` date; before that the
child is costed at their level of the previous term (``NE`` for a new child). Amounts are
exact pence per child per setting per term (F10) from
:func:`eyanalysis.rules.supplement.supplement`.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from eyanalysis.analysis import projection as pj
from eyanalysis.parameters import Parameters
from eyanalysis.rules import terms
from eyanalysis.rules.levels import LEVELS
from eyanalysis.rules.rates import Rates
from eyanalysis.rules.supplement import claim, supplement


def portal_date(term: str, params: Parameters) -> dt.date:
    """The day the portal closes for ``term`` (F9): term start + ``payments.portal_weeks``."""
    day = terms.start(term)
    weeks = params.get(f"payments.portal_weeks.{terms.season(term)}", day)
    return day + dt.timedelta(weeks=float(weeks))


def financial_year(day: dt.date, params: Parameters) -> str:
    """``"2026-27"`` for a day in the financial year starting April 2026 (parameter)."""
    first = int(params.get("payments.financial_year_start", day))
    year = day.year if day.month >= first else day.year - 1
    return f"{year}-{(year + 1) % 100:02d}"


def timeline(ds, params: Parameters, term_ids: list[str] | None = None) -> pd.DataFrame:
    """Per setting and term: ``predicted``, ``actual`` (at the portal) and ``change_request``
    pence, with ``final = actual + change_request`` and the three payment dates (F9)."""
    att = ds.attendance
    history = pj.child_terms(att, ds.children)
    key = history["child_id"].astype("string") + "|" + history["t"].astype(str)
    prior_level = pd.Series(history["level"].to_numpy(), index=key.to_numpy())
    birth = ds.children.set_index(ds.children["child_id"].astype("string"))["birth_month"]
    specialist = set(ds.settings.loc[ds.settings["provider_type"].astype("string")
                                     == "specialist", "setting_id"].astype("string"))
    seen = sorted(att["term"].astype("string").unique(), key=terms.index)
    out = []
    for term in term_ids or seen:  # a loop over terms only
        rows = att[att["term"].astype("string") == term]
        if rows.empty:
            continue
        child = rows["child_id"].astype("string").to_numpy()
        prev_key = pd.Index(pd.Series(child) + "|" + str(terms.index(term) - 1))
        before = prior_level.reindex(prev_key).fillna(0).to_numpy(dtype=int)
        level = pd.Categorical(rows["level"].astype("string"), categories=LEVELS).codes
        start, portal = terms.start(term), portal_date(term, params)
        level_from = pd.to_datetime(rows["level_from"]).dt.date.to_numpy()
        claims = pd.DataFrame({
            "child_id": child,
            "setting_id": rows["setting_id"].astype("string").to_numpy(),
            "hours_per_week": rows["hours_per_week"].to_numpy(dtype=float),
            "weeks": rows["weeks"].to_numpy(dtype=float),
            "funding_age": terms.funding_age(
                pd.Series(birth.reindex(child).to_numpy(), dtype="string"), term).to_numpy(),
            "specialist": rows["setting_id"].astype("string").isin(specialist).to_numpy(),
        })
        rates = Rates.from_parameters(start, params)
        hours = claim(claims, rates)
        amounts = {}
        for name, known in (("predicted", level_from <= start),
                            ("actual", level_from <= portal),
                            ("final", np.ones(len(rows), dtype=bool))):
            lv = np.where(known, level, before)
            view = claims.assign(level=np.asarray(LEVELS, dtype=object)[lv])
            amounts[name] = supplement(view, rates, hours)["amount_pence"].to_numpy()
        frame = pd.DataFrame({"setting_id": claims["setting_id"], **amounts})
        frame = frame.groupby("setting_id", as_index=False).sum()
        frame.insert(1, "term", term)
        frame["change_request"] = frame["final"] - frame["actual"]
        frame["start_date"] = start
        frame["portal_date"] = portal
        frame["adjustment_date"] = terms.start(terms.shift(term, 1))
        out.append(frame)
    cols = ["setting_id", "term", "predicted", "actual", "change_request", "final",
            "start_date", "portal_date", "adjustment_date"]
    return pd.concat(out, ignore_index=True)[cols] if out else pd.DataFrame(columns=cols)


def payments(tl: pd.DataFrame) -> pd.DataFrame:
    """The payment events of a :func:`timeline`: one row per setting, term and run (F9)."""
    runs = [("prediction", "start_date", tl["predicted"]),
            ("portal balance", "portal_date", tl["actual"] - tl["predicted"]),
            ("change request adjustment", "adjustment_date", tl["change_request"])]
    parts = [pd.DataFrame({"setting_id": tl["setting_id"], "term": tl["term"], "run": run,
                           "date": tl[col], "pence": pence.astype("int64")})
             for run, col, pence in runs]
    return pd.concat(parts, ignore_index=True)


def cash_by_financial_year(events: pd.DataFrame, params: Parameters) -> pd.DataFrame:
    """Cash paid per financial year and payment run (pence, and pounds to the penny)."""
    fy = events["date"].map(lambda d: financial_year(d, params))  # a few distinct dates
    out = (events.assign(financial_year=fy)
           .groupby(["financial_year", "run"], as_index=False)["pence"].sum())
    out["pounds"] = out["pence"] / 100
    return out


def reconciliation(tl: pd.DataFrame) -> pd.DataFrame:
    """Predicted against actual (final, with change requests) by setting, all terms given."""
    out = tl.groupby("setting_id", as_index=False)[
        ["predicted", "actual", "change_request", "final"]].sum()
    out["difference"] = out["final"] - out["predicted"]
    out["difference_pct"] = np.where(out["predicted"] > 0,
                                     100 * out["difference"] / out["predicted"].clip(lower=1),
                                     np.nan)
    return out.sort_values("difference", key=np.abs, ascending=False, kind="stable"
                           ).reset_index(drop=True)


def shares(tl: pd.DataFrame) -> dict[str, float]:
    """Share of the final supplement paid in each run, from the observed terms."""
    final = max(int(tl["final"].sum()), 1)
    return {"prediction": tl["predicted"].sum() / final,
            "portal balance": (tl["actual"] - tl["predicted"]).sum() / final,
            "change request adjustment": tl["change_request"].sum() / final}


def forecast_cash(table: pd.DataFrame, run_shares: dict[str, float], params: Parameters
                  ) -> pd.DataFrame:
    """Cash view of a forecast (float pounds): each projected term's expected supplement
    paid in the three F9 runs by the observed shares, EYPP with the actuals at the portal
    date; grouped by scenario and financial year."""
    rows = []
    for rec in table.itertuples(index=False):  # scenarios x terms, a few dozen rows
        dates = {"prediction": terms.start(rec.term),
                 "portal balance": portal_date(rec.term, params),
                 "change request adjustment": terms.start(terms.shift(rec.term, 1))}
        for run, share in run_shares.items():
            amount = rec.supplement * share + (rec.eypp if run == "portal balance" else 0.0)
            rows.append({"scenario": rec.scenario, "term": rec.term, "run": run,
                         "financial_year": financial_year(dates[run], params),
                         "pounds": amount})
    out = pd.DataFrame(rows).groupby(["scenario", "financial_year"], as_index=False,
                                     sort=False)["pounds"].sum()
    out["pounds"] = np.floor(out["pounds"] * 100 + 0.5) / 100
    return out

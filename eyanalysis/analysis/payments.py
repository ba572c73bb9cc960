"""Payment timeline of the Inclusion Supplement (F9), a cash view and a reconciliation.

The stages and their dates are those of :mod:`eyanalysis.rules.timing` (the one F9 rule):
the prediction (levels known on the term's first day) is paid at the start of the term; the
balance ``actual - predicted`` (levels known when the portal closes) at the portal date; the
change-request adjustment ``final - actual`` (every level declared for the term) on the first
day of the next term. A panel decision moves a child's level on its decision date, so it
lands in the actual run or next term's adjustment depending on that date.

Claims come from :func:`eyanalysis.data.claims.for_term` (the one claims adapter), amounts
are exact pence per child per setting per term (F10) from
:func:`eyanalysis.rules.supplement.supplement`.

The Disability Access Fund (D1-D2) is a payment of its own beside the supplement: the
``daf`` column is the DAF falling due in the term at each nominated setting under the
period rule (:func:`eyanalysis.data.claims.daf_due`, from
:func:`eyanalysis.rules.daf.schedule`), in exact pence. **Decision:** it is paid in
the term's first run, on the term's first day (the date :func:`eyanalysis.rules.daf.
schedule` gives every payment): DAF does not depend on levels, so it needs no portal
balance or change request. :func:`payments` lists it as the run :data:`DAF_RUN`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from eyanalysis.data import claims as cl
from eyanalysis.parameters import Parameters
from eyanalysis.rules import terms, timing
from eyanalysis.rules.money import pounds_text
from eyanalysis.rules.rates import Rates
from eyanalysis.rules.supplement import claim, supplement


def term_amounts(ds, term: str, params: Parameters | None = None) -> pd.DataFrame:
    """Per setting, the supplement pence of each F9 stage (``predicted``, ``actual``,
    ``final``) of one term: the same claims costed with the levels known on each stage's
    date (:func:`eyanalysis.rules.timing.known_on`)."""
    rates = Rates.from_parameters(terms.start(term), params)
    final = cl.for_term(ds, term, params=params)
    hours = claim(final, rates)  # the stages differ in levels only
    amounts = {}
    for stage in timing.STAGES:
        rows = cl.relevel(final, ds, timing.known_on(stage, term, params))
        amounts[stage] = supplement(rows, rates, hours)["amount_pence"].to_numpy()
    frame = pd.DataFrame({"setting_id": final["setting_id"].to_numpy(), **amounts})
    frame = frame.groupby("setting_id", as_index=False).sum()
    due = cl.daf_due(ds, term, params=params).groupby("setting_id")["amount_pence"].sum()
    frame["daf"] = frame["setting_id"].astype(str).map(due).fillna(0).astype("int64")
    return frame


DAF_RUN = "disability access fund"


def timeline(ds, params: Parameters, term_ids: list[str] | None = None) -> pd.DataFrame:
    """Per setting and term: ``predicted``, ``actual`` (at the portal) and ``change_request``
    pence, with ``final = actual + change_request`` and the three payment dates (F9), and
    ``daf``, the Disability Access Fund paid on ``start_date`` (D1-D2, module docstring;
    not part of ``final``, which is the supplement). ``term_ids`` default to every term the
    data hold."""
    out = []
    for term in term_ids or cl.terms_held(ds.attendance):  # a loop over terms only
        frame = term_amounts(ds, term, params)
        if frame.empty:
            continue
        frame.insert(1, "term", term)
        frame["change_request"] = frame["final"] - frame["actual"]
        first, portal, adjustment = timing.run_dates(term, params).values()
        frame["start_date"], frame["portal_date"] = first, portal
        frame["adjustment_date"] = adjustment
        out.append(frame)
    cols = ["setting_id", "term", "predicted", "actual", "change_request", "final", "daf",
            "start_date", "portal_date", "adjustment_date"]
    return pd.concat(out, ignore_index=True)[cols] if out else pd.DataFrame(columns=cols)


def by_term(tl: pd.DataFrame) -> pd.DataFrame:
    """A :func:`timeline` summed per term: the stages in pence and as pounds to the penny."""
    stages = ["predicted", "actual", "change_request", "final", "daf"]
    out = tl.groupby("term", as_index=False, sort=False)[stages].sum()
    out = out.sort_values("term", key=lambda s: s.map(terms.index)).reset_index(drop=True)
    for col in stages:
        out[col] = out[col].astype("int64")
        out[f"{col}_pounds"] = pounds_text(out[col], thousands=True)
    return out


def payments(tl: pd.DataFrame) -> pd.DataFrame:
    """The payment events of a :func:`timeline`: one row per setting, term and run (F9),
    and the DAF run (:data:`DAF_RUN`, on the term's first day, D2)."""
    first, portal, adjustment = timing.RUNS
    runs = [(first, "start_date", tl["predicted"]),
            (portal, "portal_date", tl["actual"] - tl["predicted"]),
            (adjustment, "adjustment_date", tl["change_request"]),
            (DAF_RUN, "start_date", tl["daf"])]
    parts = [pd.DataFrame({"setting_id": tl["setting_id"], "term": tl["term"], "run": run,
                           "date": tl[col], "pence": pence.astype("int64")})
             for run, col, pence in runs]
    return pd.concat(parts, ignore_index=True)


def cash_by_financial_year(events: pd.DataFrame, params: Parameters) -> pd.DataFrame:
    """Cash paid per financial year and payment run (pence, and pounds to the penny)."""
    fy = events["date"].map(lambda d: timing.financial_year(d, params))  # a few dates
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
    paid = [tl["predicted"].sum(), (tl["actual"] - tl["predicted"]).sum(),
            tl["change_request"].sum()]
    return {run: amount / final for run, amount in zip(timing.RUNS, paid, strict=True)}


def forecast_cash(table: pd.DataFrame, run_shares: dict[str, float], params: Parameters
                  ) -> pd.DataFrame:
    """Cash view of a forecast (float pounds): each projected term's expected supplement
    paid in the three F9 runs by the observed shares, EYPP with the actuals at the portal
    date, DAF (when the table has it) with the prediction on the term's first day; grouped
    by scenario and financial year."""
    rows = []
    for rec in table.itertuples(index=False):  # scenarios x terms, a few dozen rows
        dates = timing.run_dates(rec.term, params)
        for run, share in run_shares.items():
            amount = rec.supplement * share + (rec.eypp if run == timing.RUNS[1] else 0.0)
            amount += getattr(rec, "daf", 0.0) if run == timing.RUNS[0] else 0.0
            rows.append({"scenario": rec.scenario, "term": rec.term, "run": run,
                         "financial_year": timing.financial_year(dates[run], params),
                         "pounds": amount})
    out = pd.DataFrame(rows).groupby(["scenario", "financial_year"], as_index=False,
                                     sort=False)["pounds"].sum()
    out["pounds"] = np.floor(out["pounds"] * 100 + 0.5) / 100
    return out

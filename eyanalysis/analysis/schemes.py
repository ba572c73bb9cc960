"""The same caseload under every inclusion scheme (S1-S3, I1): what budget planners ask.

:func:`compare` costs one term's claims under each scheme in force on a date, at the
crosswalk's low, central and high points (S2: the mapping of home levels to another
scheme's bands is a judgement, so every figure is a range), for the term and for a year,
and applies each scheme's yearly pot (scale down pro rata, or first come first served).
Setting-level money - a Devon-style universal uplift per funded hour and the Inclusive
Early Years Fund (I1, :func:`ieyf_allocation`) - is costed per setting beside it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
import pandas as pd

from eyanalysis.data.claims import year_weeks
from eyanalysis.errors import ParameterError
from eyanalysis.parameters import Parameters, as_date, resolve
from eyanalysis.rules import schemes as rules
from eyanalysis.rules.money import pounds
from eyanalysis.vocabulary import CROSSWALK_POINTS, SCHEME_UNITS

POINTS = tuple(CROSSWALK_POINTS)
SUMMARY_COLUMNS = [
    "scheme", "name", "unit", "children_funded", "term_low", "term_central", "term_high",
    "year_low", "year_central", "year_high", "setting_level_term", "setting_level_year",
    "pot", "year_central_after_pot", "pot_effect"]
MONEY = [c for c in SUMMARY_COLUMNS if c.startswith(("term_", "year_", "setting_level_"))
         ] + ["pot", "pot_effect"]


@dataclass
class Comparison:
    """:func:`compare`'s result. Money in integer pence.

    ``summary``: one row per scheme (:data:`SUMMARY_COLUMNS`). ``rows``: per claims row and
    scheme, the band and the term's award at each point plus the setting-level uplift, with
    ``level`` and ``setting_type`` for the breakdowns. ``schemes``: the rules read.
    ``notes``: schemes not in force on the date, assumptions that always apply.
    """

    on: dt.date
    summary: pd.DataFrame
    rows: pd.DataFrame
    schemes: dict[str, rules.Scheme]
    notes: list[str] = field(default_factory=list)

    def by(self, column: str, point: str | None = None) -> pd.DataFrame:
        """The term's child-level cost per scheme and ``column`` (``level`` or
        ``setting_type``) at each point (``low``, ``central``, ``high``), in pence."""
        cols = [f"term_{p}" for p in (POINTS if point is None else (point,))]
        out = self.rows.groupby(["scheme", column], observed=True, sort=True)[cols].sum()
        return out.reset_index()

    def assumptions(self, ids: bool = False) -> list[str]:
        """One line per scheme: its crosswalk (S2) and the notes its files carry; with
        ``ids``, the scheme's id (what ``compare-schemes --schemes`` takes) after its name."""
        lines = []
        for sid, scheme in self.schemes.items():
            notes = " ".join(scheme.notes.get(k, "") for k in ("bands", "hours_basis", "pot")
                             ).strip()
            named = f"{scheme.name} [{sid}]" if ids else scheme.name
            lines.append(f"{named}. Bands by home level: {scheme.crosswalk_text()}."
                         + (f" {notes}" if notes else ""))
        return lines


def setting_type(att: pd.DataFrame) -> pd.Series:
    """A setting type per claims row: ``provider_type`` when the claims carry it, else
    specialist or not (the ``predict`` input says only that)."""
    if "provider_type" in att:
        return att["provider_type"].astype("string").fillna("unknown").astype(str)
    if "specialist" in att:
        return pd.Series(np.where(att["specialist"].fillna(False).to_numpy(dtype=bool),
                                  "specialist", "not specialist"), index=att.index)
    return pd.Series("all", index=att.index)


def compare(att: pd.DataFrame, on: dt.date | str, scheme_ids: list[str] | None = None,
            params: Parameters | None = None) -> Comparison:
    """Cost ``att`` (one term's claims) under each scheme in force on ``on`` (default:
    every shipped scheme; a named scheme not in force on ``on`` is refused, an unnamed one
    is left out with a note)."""
    params = resolve(params)
    day = as_date(on)
    named = scheme_ids is not None
    ids = list(scheme_ids) if named else rules.scheme_ids(params)
    known = rules.scheme_ids(params)
    unknown = [s for s in ids if s not in known]
    if unknown:
        raise ParameterError(f"Unknown scheme(s) {', '.join(unknown)}; the schemes are "
                             f"{', '.join(known)}.")
    weeks = Decimal(str(year_weeks(day, params)))  # F7: a year of a term's hours
    loaded, notes = {}, []
    for sid in ids:
        try:
            loaded[sid] = rules.Scheme.from_parameters(sid, day, params)
        except ParameterError as exc:
            if named or "has no value before" not in str(exc):
                raise
            notes.append(f"{sid} is not in force on {day.isoformat()} (left out): {exc}")
    # categorical once, so that each scheme's costing reads codes, not strings
    att = att.assign(**{c: att[c].astype("category") for c in (
        "child_id", "setting_id", "level", "funding_age") if c in att})
    types = setting_type(att).astype("category")
    level = att["level"]
    child = att["child_id"].to_numpy(dtype=object)
    setting = att["setting_id"]
    summary, frames, cache = [], [], {}
    for sid, scheme in loaded.items():
        per_point = rules.costs(att, scheme, POINTS, params, weeks, cache)
        central = per_point["central"]
        frames.append(pd.DataFrame({
            "scheme": sid, "child_id": child, "setting_id": setting, "level": level,
            "setting_type": types.to_numpy(), "band": central["band"],
            **{f"term_{p}": per_point[p]["term_pence"].to_numpy() for p in POINTS},
            "setting_level_term": central["uplift_term_pence"].to_numpy(),
        }))
        funded = len(set(child[central["term_pence"].to_numpy() > 0]))
        term = {p: int(per_point[p]["term_pence"].sum()) for p in POINTS}
        year = {p: int(per_point[p]["year_pence"].sum()) for p in POINTS}
        pot = None if scheme.pot is None else int(scheme.pot * 100)
        after = year["central"] if pot is None else min(year["central"], pot)
        summary.append({
            "scheme": sid, "name": scheme.name, "unit": SCHEME_UNITS.label(scheme.unit),
            "children_funded": int(funded),
            **{f"term_{p}": term[p] for p in POINTS}, **{f"year_{p}": year[p] for p in POINTS},
            "setting_level_term": int(central["uplift_term_pence"].sum()),
            "setting_level_year": int(central["uplift_year_pence"].sum()),
            "pot": pot, "year_central_after_pot": after,
            "pot_effect": after - year["central"],
        })
        if pot is not None and year["central"] > pot:
            how = ("every award scaled down pro rata" if scheme.when_exceeded == "scale_down"
                   else "awards paid in order of application until the pot is spent")
            notes.append(f"{scheme.name}: the central yearly cost {_gbp(year['central'])} "
                         f"exceeds the pot of {_gbp(pot)}; {how} "
                         f"({_gbp(year['central'] - pot)} unfunded).")
    table = pd.DataFrame(summary, columns=SUMMARY_COLUMNS)
    table["pot"] = table["pot"].astype("Int64")
    rows = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    return Comparison(day, table, rows, loaded, notes)


def pot_factor(year_pence: int, pot_pence: int | None) -> Decimal:
    """The share of each award paid when a pot is scaled down pro rata (1 when it holds)."""
    if pot_pence is None or year_pence <= pot_pence:
        return Decimal(1)
    return Decimal(pot_pence) / Decimal(year_pence)


def _gbp(pence: int) -> str:
    text = pounds(pence)
    whole, frac = text.split(".")
    return f"£{int(whole):,}.{frac}"


def published(comparison: Comparison) -> pd.DataFrame:
    """The summary for a CSV: money as pounds to the penny (text), the range explicit."""
    out = comparison.summary.copy()
    for col in MONEY:
        out[col] = out[col].map(lambda v: "" if pd.isna(v) else pounds(int(v)))
    return out


# -- the Inclusive Early Years Fund (I1) ---------------------------------------------------

IEYF_METHODS = ("per_funded_child", "per_funded_hour", "per_setting_with_sen")


def ieyf_allocation(att: pd.DataFrame, on: dt.date | str,
                    params: Parameters | None = None) -> pd.DataFrame:
    """Each setting's share of the authority's Inclusive Early Years Fund (I1): allocated
    upfront, no applications, by ``ieyf.allocation_method`` (per funded child, per funded
    hour, or equally per setting with a child above NE) from ``ieyf.allocation`` (the
    authority's yearly sum), as the claims of one term describe the settings. Shares are
    exact pence: the remainder of the division goes to the settings with the largest
    remainders (largest remainder method), so the shares add up to the allocation."""
    params = resolve(params)
    day = as_date(on)
    method = params.get("ieyf.allocation_method", day)
    if method not in IEYF_METHODS:
        raise ParameterError(f"ieyf.allocation_method {method!r}: use one of "
                             f"{', '.join(IEYF_METHODS)}.")
    total = int(Decimal(params.get("ieyf.allocation", day)) * 100)
    funded = att[att["hours_per_week"].astype(float) > 0]
    setting = funded["setting_id"].astype(str)
    if method == "per_funded_child":
        weight = funded.groupby(setting)["child_id"].nunique()
    elif method == "per_funded_hour":
        weight = (funded["hours_per_week"].astype(float) * funded["weeks"].astype(float)
                  ).groupby(setting).sum().round(2)
    else:
        sen = funded["level"].astype("string").fillna("NE") != "NE"
        weight = sen.groupby(setting).any().astype(int)
    weight = weight[weight > 0].sort_index()
    if weight.empty:
        return pd.DataFrame({"setting_id": [], "weight": [], "ieyf_pence": []})
    w = (weight.to_numpy(dtype=float) * 100).round().astype(np.int64)
    exact = total * w
    share = exact // w.sum()
    rest = total - int(share.sum())
    order = np.argsort(-(exact % w.sum()), kind="stable")[:rest]
    share[order] += 1
    return pd.DataFrame({"setting_id": weight.index.astype(str), "weight": weight.to_numpy(),
                         "ieyf_pence": share.astype(np.int64)})


def claims_for_term(data, term: str, today: dt.date | None = None,
                    params: Parameters | None = None) -> pd.DataFrame:
    """A whole dataset's claims for ``term`` (:func:`eyanalysis.data.claims.for_term`, every
    level declared for the term), with what the schemes read besides: each setting's
    ``provider_type`` and Ofsted judgement as known at the term's count date (the setting
    gate, S1) and each child's ``daf`` flag (interactions, D3)."""
    from eyanalysis.data.claims import for_term
    from eyanalysis.rules import terms

    counted = terms.counted_at(term, today or dt.date.today())
    known = data.as_of(counted) if hasattr(data, "as_of") else data
    att = for_term(known, term, None, params)
    settings = known.settings.set_index("setting_id")
    sid = att["setting_id"].astype(str)
    for col in ("provider_type", "ofsted_judgement"):
        if col in settings:
            att[col] = sid.map(settings[col].astype("string")).to_numpy()
    children = known.children.set_index("child_id")
    if "daf" in children:
        att["daf"] = att["child_id"].astype(str).map(children["daf"]).fillna(False).astype(
            bool).to_numpy()
    return att


def compare_term(data, term: str, scheme_ids: list[str] | None = None,
                 params: Parameters | None = None, today: dt.date | None = None
                 ) -> tuple[Comparison, pd.DataFrame]:
    """``(comparison, claims)`` for a whole dataset's ``term`` under the schemes in force on
    the term's first day (what ``compare-schemes --data SOURCE --term T`` prints)."""
    from eyanalysis.rules import terms

    att = claims_for_term(data, term, today, params)
    return compare(att, terms.start(term), scheme_ids, params), att


def setting_funds(comparison: Comparison, att: pd.DataFrame,
                  params: Parameters | None = None) -> pd.DataFrame:
    """Setting-level money beside the child-level schemes (I1, S3 Devon), per setting:
    each setting-uplift scheme's sum for the term (``<scheme>_uplift_pence``) and the
    Inclusive Early Years Fund allocation for the year when it is in force on the date
    (``ieyf_pence``; I1 begins in 2026-27)."""
    from eyanalysis.errors import ParameterDateError

    rows = comparison.rows
    out = pd.DataFrame(index=pd.Index(sorted(att["setting_id"].astype(str).unique()),
                                      name="setting_id"))
    for sid, scheme in comparison.schemes.items():
        if scheme.unit != "setting_uplift_per_hour":
            continue
        mine = rows[rows["scheme"] == sid]
        out[f"{sid}_uplift_pence"] = mine.groupby(mine["setting_id"].astype(str))[
            "setting_level_term"].sum().reindex(out.index, fill_value=0).astype("int64")
    try:
        ieyf = ieyf_allocation(att, comparison.on, params).set_index("setting_id")
        out["ieyf_pence"] = ieyf["ieyf_pence"].reindex(out.index, fill_value=0).astype("int64")
    except ParameterDateError:
        pass  # before 2026-27 there is no Inclusive Early Years Fund
    return out.reset_index()

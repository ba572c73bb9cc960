"""Every rate and rule choice in force on one date, read from the dated parameters."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from eyanalysis.errors import ParameterDateError, ParameterError
from eyanalysis.parameters import Parameters, as_date, load_parameters
from eyanalysis.vocabulary import FUNDING_AGES, SUPPLEMENT_LEVELS


@dataclass(frozen=True)
class Rates:
    """The Inclusion Supplement, EYPP and DAF rules in force on ``on``.

    ``top_up`` holds GR1-GR4 and EXC, EXC derived as GR4 plus the exceptional component
    (L2); ``in_base_rate`` lists, per funding age funded on ``on``, the levels already paid
    inside the base rate (F5). A funding age whose ``inclusion.in_base_rate`` has no value
    yet on ``on`` had no entitlement then (under-2s before 1 September 2024): it is left
    out of ``in_base_rate`` and :attr:`funded_ages`, and the rules pay nothing for it.

    The EYPP fields (E2, P1): ``eypp`` per hour, for the funding ages ``eypp_ages``, on at
    most ``eypp_weekly_hour_cap`` hours a week (``None``: the supplement's cap) and
    ``eypp_yearly_hour_cap`` hours a year (``None``: no yearly cap), with
    ``eypp_specialist_rule`` deciding whether F4 applies to EYPP (``None``: as the
    supplement). ``daf`` is the annual Disability Access Fund rate (D1), ``None`` before
    the fund began; ``not_with_daf`` (D3) withholds the supplement from a child for whom
    DAF is claimed (a scheme's interaction, off by default). The defaults keep the pre-E2
    behaviour for callers that build a ``Rates`` by hand.
    """

    on: dt.date
    top_up: dict[str, Decimal]
    in_base_rate: dict[str, frozenset[str]]
    weekly_hour_cap: Decimal
    split_rule: str
    specialist_rule: str
    eypp: Decimal
    eypp_ages: frozenset[str] = frozenset({"3-4"})
    eypp_weekly_hour_cap: Decimal | None = None
    eypp_yearly_hour_cap: Decimal | None = None
    eypp_specialist_rule: str | None = None
    daf: Decimal | None = None
    not_with_daf: bool = False

    @property
    def funded_ages(self) -> tuple[str, ...]:
        """Funding ages with an entitlement on ``on``, youngest first (F6')."""
        return tuple(age for age in FUNDING_AGES if age in self.in_base_rate)

    @property
    def eypp_paid_ages(self) -> tuple[str, ...]:
        """Funding ages for which EYPP is paid on ``on``: funded and in EYPP's scope (E2)."""
        return tuple(age for age in self.funded_ages if age in self.eypp_ages)

    @property
    def eypp_cap(self) -> Decimal:
        """EYPP's weekly hour cap in force (E2)."""
        cap = self.eypp_weekly_hour_cap
        return self.weekly_hour_cap if cap is None else cap

    @property
    def eypp_specialist(self) -> str:
        """Whether F4 applies to EYPP (``eypp.specialist_rule``)."""
        rule = self.eypp_specialist_rule
        return self.specialist_rule if rule is None else rule

    @classmethod
    def from_parameters(cls, on: dt.date | str, params: Parameters | None = None) -> Rates:
        params = params or load_parameters()
        day = as_date(on)
        top_up = {lvl: params.get(f"inclusion.top_up.{lvl}", day) for lvl in SUPPLEMENT_LEVELS[:-1]}
        top_up["EXC"] = top_up["GR4"] + params.get("inclusion.exceptional_component", day)
        in_base_rate = {}
        for age in FUNDING_AGES:
            try:
                in_base_rate[age] = frozenset(params.get(f"inclusion.in_base_rate.{age}", day))
            except ParameterDateError:
                continue  # no entitlement for this age yet on ``day``
        eypp_ages = frozenset(params.get("eypp.funding_ages", day))
        unknown = sorted(eypp_ages - set(FUNDING_AGES))
        if unknown:
            raise ParameterError(
                f"eypp.funding_ages on {day.isoformat()} names {unknown}, which are not "
                f"funding ages; use {', '.join(FUNDING_AGES)} ({params['eypp.funding_ages'].file})."
            )
        try:
            daf = params.get("daf.rate", day)
        except ParameterDateError:
            daf = None  # before the Disability Access Fund began (D1)
        return cls(
            on=day,
            top_up=top_up,
            in_base_rate=in_base_rate,
            weekly_hour_cap=Decimal(params.get("nef.weekly_hour_cap", day)),
            split_rule=params.get("inclusion.split_rule", day),
            specialist_rule=params.get("inclusion.specialist_rule", day),
            eypp=params.get("eypp.rate", day),
            eypp_ages=eypp_ages,
            eypp_weekly_hour_cap=Decimal(params.get("eypp.weekly_hour_cap", day)),
            eypp_yearly_hour_cap=Decimal(params.get("eypp.yearly_hour_cap", day)),
            eypp_specialist_rule=params.get("eypp.specialist_rule", day),
            daf=None if daf is None else Decimal(daf),
            not_with_daf=bool(params.get("inclusion.not_with_daf", day)),
        )


def first_funded(age: str, params: Parameters | None = None) -> dt.date:
    """The first day funding age ``age`` had an entitlement: the first value of its
    ``inclusion.in_base_rate`` (F6'; 1 September 2024 for under-2s)."""
    params = params or load_parameters()
    return params[f"inclusion.in_base_rate.{age}"].values[0].start

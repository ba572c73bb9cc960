"""Every rate and rule choice in force on one date, read from the dated parameters."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from eyanalysis.parameters import Parameters, as_date, load_parameters
from eyanalysis.vocabulary import FUNDING_AGES, SUPPLEMENT_LEVELS


@dataclass(frozen=True)
class Rates:
    """The Inclusion Supplement and EYPP rules in force on ``on``.

    ``top_up`` holds GR1-GR4 and EXC, EXC derived as GR4 plus the exceptional component
    (L2); ``in_base_rate`` lists, per funding age, the levels already paid inside the base
    rate (F5).
    """

    on: dt.date
    top_up: dict[str, Decimal]
    in_base_rate: dict[str, frozenset[str]]
    weekly_hour_cap: Decimal
    split_rule: str
    specialist_rule: str
    eypp: Decimal

    @classmethod
    def from_parameters(cls, on: dt.date | str, params: Parameters | None = None) -> Rates:
        params = params or load_parameters()
        day = as_date(on)
        top_up = {lvl: params.get(f"inclusion.top_up.{lvl}", day) for lvl in SUPPLEMENT_LEVELS[:-1]}
        top_up["EXC"] = top_up["GR4"] + params.get("inclusion.exceptional_component", day)
        return cls(
            on=day,
            top_up=top_up,
            in_base_rate={
                age: frozenset(params.get(f"inclusion.in_base_rate.{age}", day))
                for age in FUNDING_AGES
            },
            weekly_hour_cap=Decimal(params.get("nef.weekly_hour_cap", day)),
            split_rule=params.get("inclusion.split_rule", day),
            specialist_rule=params.get("inclusion.specialist_rule", day),
            eypp=params.get("eypp.rate", day),
        )

"""The whole sample county in one call: :func:`build`."""

from __future__ import annotations

import numpy as np
import pandas as pd

from eyanalysis.data.synth.assemble import (
    attendance_table,
    children_table,
    inspections_table,
    settings_table,
)
from eyanalysis.data.synth.census import add_census_attributes
from eyanalysis.data.synth.children import build_children
from eyanalysis.data.synth.config import DEFAULT_SEED
from eyanalysis.data.synth.draw import ids
from eyanalysis.data.synth.panel import build_panel
from eyanalysis.data.synth.records import categorisations_table, panel_table, visits_table
from eyanalysis.data.synth.settings import build_settings
from eyanalysis.data.synth.support_visits import simulate
from eyanalysis.data.synth.visits import cycle_visits
from eyanalysis.parameters import Parameters, resolve


def build(seed: int = DEFAULT_SEED, scale: float = 1.0, params: Parameters | None = None
          ) -> dict[str, pd.DataFrame]:
    """Build the sample county: the seven tables keyed by name (see the package docstring).

    Deterministic for a given ``(seed, scale)`` and parameters (default: the parameter
    files in use, whose rules C2/O2, F6 and F7 the county follows). ``scale`` multiplies the
    number of settings and children without changing the shape (``scale=166`` is roughly
    England).
    """
    if scale <= 0:
        raise ValueError("scale must be positive")
    p = resolve(params)
    rng = np.random.default_rng(seed)
    S = build_settings(rng, scale)
    C = build_children(rng, scale, S)
    V, base = simulate(rng, S, cycle_visits(rng, S), p)
    P, extra = build_panel(rng, scale, S, C)
    set_ids = ids("S", np.arange(1, S["n"] + 1), 4)
    settings = settings_table(rng, S, set_ids)
    inspections = inspections_table(S, set_ids)
    children, num, child_ids = children_table(rng, C, extra)
    attendance = attendance_table(C, num, child_ids, set_ids, p)
    visits = visits_table(V, set_ids)
    categorisations = categorisations_table(base, set_ids, settings, visits, inspections, p)
    tables = {"settings": settings, "inspections": inspections, "children": children,
              "attendance": attendance, "visits": visits, "categorisations": categorisations,
              "panel_applications": panel_table(P, num, child_ids, set_ids)}
    add_census_attributes(seed, tables)  # last, from a generator of its own
    return tables

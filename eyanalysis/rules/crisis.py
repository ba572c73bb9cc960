"""When a setting in crisis entered its crisis (C1), for the support level and for the data
as known on a date (:meth:`eyanalysis.data.dataset.Dataset.as_of`).

``settings.in_crisis`` is a flag without a date, so the crisis is taken to start at the first
held visit of the setting's final unbroken run of visits agreeing Intensive (the emergency
visit), or from the start of the records (:data:`EARLIEST`) when there is none (a Decision).
"""

from __future__ import annotations

import pandas as pd

EARLIEST = pd.Timestamp("1900-01-01")


def agreed_visits(visits: pd.DataFrame) -> pd.DataFrame:
    """Held visits that agreed a level: ``setting_id``, ``date``, ``level_agreed``,
    ``visit_type``, ``visit_id``."""
    held = visits[visits["held_date"].notna() & visits["level_agreed"].notna()]
    return pd.DataFrame({"setting_id": held["setting_id"].astype("string"),
                         "date": held["held_date"], "level_agreed": held["level_agreed"],
                         "visit_type": held["visit_type"], "visit_id": held["visit_id"]})


def crisis_starts(settings: pd.DataFrame, visits: pd.DataFrame) -> pd.DataFrame:
    """When each setting flagged ``in_crisis`` entered its crisis (C1, see the module
    docstring): ``setting_id``, ``crisis_from``."""
    ids = settings.loc[settings["in_crisis"].astype(bool), "setting_id"].astype("string")
    held = agreed_visits(visits)
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

"""Shared fixtures: the repository root, the parameters, and a small claims builder."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def params():
    from eyanalysis.parameters import load_parameters

    return load_parameters(ROOT / "parameters")


def claims(rows: str | list, index=None) -> pd.DataFrame:
    """Claims from ``"child setting level hours weeks age [eypp] [specialist]"`` lines."""
    lines = rows.strip().splitlines() if isinstance(rows, str) else rows
    records = []
    for line in lines:
        parts = line.split() if isinstance(line, str) else list(line)
        rec = dict(zip(["child_id", "setting_id", "level", "hours_per_week", "weeks",
                        "funding_age", "eypp", "specialist"], parts, strict=False))
        rec["hours_per_week"] = float(rec["hours_per_week"])
        rec["weeks"] = float(rec["weeks"])
        rec["eypp"] = str(rec.get("eypp", "false")).lower() == "true"
        rec["specialist"] = str(rec.get("specialist", "false")).lower() == "true"
        records.append(rec)
    frame = pd.DataFrame(records)
    if index is not None:
        frame.index = index
    return frame

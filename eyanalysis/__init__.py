"""eyanalysis: rules, loaders and reports for local-authority early years teams.

Importing the package is cheap: submodules (pandas, pandera, plotly ...) load on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

__version__ = "0.1.0"

_LAZY = {
    "Parameters": "eyanalysis.parameters",
    "load_parameters": "eyanalysis.parameters",
    "EyAnalysisError": "eyanalysis.errors",
    "load": "eyanalysis.data.dataset",
    "Dataset": "eyanalysis.data.dataset",
}

if TYPE_CHECKING:  # pragma: no cover
    from eyanalysis.data.dataset import Dataset, load
    from eyanalysis.errors import EyAnalysisError
    from eyanalysis.parameters import Parameters, load_parameters

__all__ = ["__version__", "Dataset", "EyAnalysisError", "Parameters", "load", "load_parameters"]


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'eyanalysis' has no attribute {name!r}")

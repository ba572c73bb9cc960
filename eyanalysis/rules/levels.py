"""SEND levels of the graduated response (L1-L2) and their school equivalents.

Levels are ordered NE < GR1 < GR2 < GR3 < GR4 < EXC (L1). Input data may use the
former names ("Early Years Action", "EYA+ Low" ...) or the full names; :func:`normalise`
maps them all to the ids, vectorised over a whole column.
"""

from __future__ import annotations

import re

import pandas as pd

from eyanalysis.vocabulary import LEVELS, SUPPLEMENT_LEVELS

__all__ = ["LEVELS", "LEVEL_DTYPE", "NAMES", "SUPPLEMENT_LEVELS", "normalise",
           "school_equivalent"]

LEVEL_DTYPE = pd.CategoricalDtype(list(LEVELS), ordered=True)
NAMES = LEVELS.labels

# Former and alternative names found in exports (W p. 9, Appendix 1 and 2).
_ALIASES = {
    "NE": ["NE", "Normal entitlement", "Normal entitlement for all children", "Normal"],
    "GR1": ["GR1", "GR 1", "Graduated Response 1", "Early Years Action", "EYA"],
    "GR2": [
        "GR2",
        "GR 2",
        "Graduated Response 2",
        "Early Years Action Plus Low",
        "EYA+ Low",
        "EYA Plus Low",
        "EYAP Low",
    ],
    "GR3": [
        "GR3",
        "GR 3",
        "Graduated Response 3",
        "Early Years Action Plus Medium",
        "EYA+ Medium",
        "EYA+ Med",
        "EYA Plus Medium",
        "EYA Plus Med",
        "EYAP Med",
    ],
    "GR4": [
        "GR4",
        "GR 4",
        "Graduated Response 4",
        "Early Years Action Plus High",
        "EYA+ High",
        "EYA Plus High",
        "EYAP High",
    ],
    "EXC": [
        "EXC",
        "Exceptional",
        "Exceptional Early Years Funding",
        "Exceptional Funding",
        "Exceptional EY Funding",
    ],
}

# School categories a Reception teacher will recognise (W p. 8, "Schools Waves of
# Intervention"): guidance only, funding does not carry over.
SCHOOL_EQUIVALENT = {
    "NE": "Universal provision",
    "GR1": "Wave 1",
    "GR2": "Wave 2/3",
    "GR3": "Wave 3",
    "GR4": "Top-up funding",
    "EXC": "Top-up funding or Education Health Care Plan",
}


def _key(text: str) -> str:
    text = str(text).lower().replace("+", " plus ")
    text = re.sub(r"[^a-z0-9]+", " ", text)
    text = re.sub(r"\bgr (\d)\b", r"gr\1", text)
    return re.sub(r"\s+", " ", text).strip()


ALIAS_TO_ID: dict[str, str] = {_key(a): lvl for lvl, names in _ALIASES.items() for a in names}


def normalise(values: pd.Series) -> pd.Series:
    """Level ids for a column of level names (L1); unknown or blank names become NA.

    Vectorised: each distinct spelling is normalised once, then mapped.
    """
    text = values.astype("string")
    uniques = text.dropna().unique()
    lookup = {u: ALIAS_TO_ID.get(_key(u)) for u in uniques}
    return text.map(lookup).astype(LEVEL_DTYPE)


def school_equivalent(levels: pd.Series) -> pd.Series:
    """The school wave a level corresponds to (W p. 8), for Reception heads-up lists."""
    return normalise(levels).map(SCHOOL_EQUIVALENT).astype("string")

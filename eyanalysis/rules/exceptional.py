"""Exceptional Early Years Funding criteria (X1-X3): which are met, which are missing.

The Early Years Inclusion Funding Panel decides (X3). This module only checks the
criteria and explains what is missing; its ``criteria_met`` is advice to the panel and
never a decision.
"""

from __future__ import annotations

import pandas as pd

# X1: every general criterion must hold.
GENERAL = {
    "registered_provider_or_home_ehcp": (
        "X1(a)", "attends an Ofsted-registered provider, or has an EHC plan supporting "
                 "education at home"),
    "known_to_psf_chair_supports": (
        "X1(b)", "known to the Pre-School Forum, application supported by its chair"),
    "nef_eligible": ("X1(c)", "eligible for Nursery Education Funding"),
    "receiving_gr4": ("X1(d)", "eligible for and receiving the GR4 supplement"),
}
# X2: at least one specific criterion must hold.
SPECIFIC = {
    "deferred_reception_entry": (
        "X2(1)", "deferred entry into Reception with exceptional need beyond GR4"),
    "delayed_reception_entry": (
        "X2(2)", "delayed entry into Reception for a term or terms with exceptional need"),
    "ehcp_in_place_or_in_process": (
        "X2(3)", "an EHC plan or statutory assessment in place or in process"),
    "specialist_assessment_recommended": (
        "X2(4)", "specialist nursery assessment recommended by the Pre-School Forum, "
                 "parents chose mainstream"),
}
CRITERIA = {**GENERAL, **SPECIFIC}


def check(applications: pd.DataFrame) -> pd.DataFrame:
    """Criteria check for each application (one row each, flag columns of :data:`CRITERIA`).

    A blank (missing) flag counts as not evidenced. Returns, on the same index:
    ``general_missing`` (rule ids of X1 criteria not met, ``;``-separated),
    ``specific_met`` (rule ids of X2 criteria met), ``criteria_met`` (all of X1 and at least
    one of X2 — advice to the panel, X3) and ``explanation`` in plain words.
    """
    missing_cols = [c for c in CRITERIA if c not in applications.columns]
    if missing_cols:
        raise KeyError(f"criteria columns missing: {', '.join(missing_cols)}")
    flags = applications[list(CRITERIA)].astype("boolean").fillna(False).astype(bool)
    general_ok = flags[list(GENERAL)]
    specific_ok = flags[list(SPECIFIC)]
    general_missing = _join(~general_ok, GENERAL)
    specific_met = _join(specific_ok, SPECIFIC)
    all_general = general_ok.all(axis=1)
    any_specific = specific_ok.any(axis=1)
    met = all_general & any_specific

    missing_words = _join(~general_ok, GENERAL, words=True)
    explanation = pd.Series("Criteria met: all general criteria (X1) and ", index=flags.index) + (
        specific_met + ". For the panel to decide (X3).")
    explanation = explanation.where(met, "Criteria not met: ")
    general_text = ("missing general criteria " + missing_words).where(~all_general, "")
    specific_text = pd.Series(
        "no specific criterion (X2: at least one needed)", index=flags.index
    ).where(~any_specific, "")
    reasons = (general_text + "; " + specific_text).str.strip("; ")
    explanation = explanation.where(met, explanation + reasons + ". For the panel to decide (X3).")
    return pd.DataFrame({
        "general_missing": general_missing,
        "specific_met": specific_met,
        "criteria_met": met,
        "explanation": explanation,
    })


def _join(mask: pd.DataFrame, table: dict, words: bool = False) -> pd.Series:
    """``;``-joined labels of the True cells of each row (a few columns, vectorised)."""
    out = pd.Series("", index=mask.index, dtype="string")
    for col, (rule, text) in table.items():
        label = f"{rule} {text}" if words else rule
        sep = out.where(out == "", "; ").where(out != "", "")
        out = out.where(~mask[col], out + sep + label)
    return out.fillna("")

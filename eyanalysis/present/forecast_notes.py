"""What a forecast rests on, in words for its published workbook (issue #11: rule ids and
term codes belong in the sources, not in a note a reader sees)."""

from __future__ import annotations

from eyanalysis.present import format as fmt


def method_notes(inputs) -> list[str]:
    """The notes of a forecast workbook: the terms the caseload model learnt from and the
    caseload it starts from, the terms hours per child come from, and how amounts are
    rounded (F10, per child, per setting, per term), from the forecast's ``inputs``
    (:class:`~eyanalysis.analysis.forecast.Inputs`)."""
    seen = list(inputs.model.terms_seen)
    span = (f"the {fmt.count(len(seen))} terms {fmt.term(seen[0])} to {fmt.term(seen[-1])}"
            if len(seen) > 1 else f"{fmt.term(seen[0])}" if seen else "the data")
    refs = ", ".join(fmt.term(t) for t in dict.fromkeys(inputs.reference_terms.values()))
    out = [f"The caseload is projected from how children joined, moved between levels and "
           f"left in {span}, starting from the "
           f"{fmt.quantity(int(inputs.start.sum()), 'child', 'children')} of "
           f"{fmt.term(inputs.last_term)}."]
    if refs:
        out.append(f"Funded hours per child come from the latest term of each season in the "
                   f"data ({refs}).")
    out.append("Amounts are shown to the penny; each rests on amounts worked out per child, "
               "per setting, per term and rounded to the penny.")
    return out

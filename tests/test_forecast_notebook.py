"""notebooks/funding_forecast.ipynb runs headless (issue #5): its one execution per session
is the termly run's (conftest ``termly_run``); its parameters are the run contract's."""

from __future__ import annotations

import pytest

from tests import notebooks as nbt


def test_notebook_ran_headless_in_the_session_run(termly_run):
    """What the papermill and nbval runs checked: every cell ran, none raised, plotly
    charts embedded, the fan chart's P10-P90 band drawn."""
    nb = nbt.read(termly_run.notebook("funding_forecast"))
    nbt.assert_ran_cleanly(nb)
    assert nbt.plotly_figures(nb) >= 3
    assert "P10-P90" in termly_run.notebook("funding_forecast").read_text()
    text = nbt.text(nb)
    assert "Spring 2027" in text  # started at the term after 2026-AUT (the run's term)
    assert "2027-SPR" not in text.replace('"2027-SPR"', "")  # no term codes shown
    assert "In the financial year April" in text  # the headline sentence comes first
    assert "The scenario builder opens in JupyterLab" in text  # headless: no widgets
    # issue #14: the schemes section ran, with the crosswalk assumptions under its charts
    assert "Crosswalk assumptions" in text and "Stoke-on-Trent 2025-26" in text
    assert "set interactive = True for the schemes view" in text


def test_notebook_parameters_are_validated():
    from pydantic import ValidationError

    from eyanalysis.apps.contract import ForecastParameters

    with pytest.raises(ValidationError):
        ForecastParameters(start_term="spring", horizon=6, paths=10, seed=1)
    with pytest.raises(ValidationError):
        ForecastParameters(start_term="2027-SPR", horizon=6, paths=10, seed=1, colour="red")
    with pytest.raises(ValidationError):
        ForecastParameters(horizon=0)
    p = ForecastParameters(start_term="", as_of="", excel_out="")
    assert p.start_term is None and p.as_of is None and p.excel_out is None
    assert ForecastParameters(start_term="2027-spr").start_term == "2027-SPR"

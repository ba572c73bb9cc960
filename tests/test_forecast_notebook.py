"""notebooks/funding_forecast.ipynb runs headless under papermill and nbval (issue #5)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

NOTEBOOK = "notebooks/funding_forecast.ipynb"


def test_notebook_under_papermill(tmp_path, root, monkeypatch):
    papermill = pytest.importorskip("papermill")
    monkeypatch.setenv("PLOTLY_RENDERER", "plotly_mimetype+notebook")
    out = tmp_path / "out.ipynb"
    papermill.execute_notebook(
        str(root / NOTEBOOK), str(out), kernel_name="python3", execution_timeout=300,
        parameters={"paths": 200, "horizon": 3, "start_term": "2027-SPR"},
        cwd=str(tmp_path), progress_bar=False,
    )
    text = out.read_text()
    assert "application/vnd.plotly.v1+json" in text
    assert "P10-P90" in text


def test_notebook_parameters_are_validated():
    from pydantic import ValidationError

    from eyanalysis.analysis.forecast import notebook_parameters

    with pytest.raises(ValidationError):
        notebook_parameters(start_term="spring", horizon=6, paths=10, seed=1)
    with pytest.raises(ValidationError):
        notebook_parameters(start_term="2027-SPR", horizon=6, paths=10, seed=1, colour="red")


def test_notebook_under_nbval(root):
    env = dict(os.environ, PLOTLY_RENDERER="plotly_mimetype+notebook")
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval-lax",
         "--nbval-current-env", NOTEBOOK],
        cwd=root, env=env, capture_output=True, text=True, timeout=600,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]

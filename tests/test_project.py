"""The project's own promises: layout, README commands = CI, environment in step,
notebooks without outputs."""

from __future__ import annotations

import json
import re
import subprocess
import tomllib

import pytest
import yaml

from tests.conftest import ROOT

TOP_LEVEL = ["notebooks", "eyanalysis", "parameters", "outputs", "tests", "environment.yml",
             "README.md", "pyproject.toml", ".ci/run"]


@pytest.mark.parametrize("name", TOP_LEVEL)
def test_fixed_top_level_exists(name):
    assert (ROOT / name).exists()


def readme_block(marker: str) -> str:
    text = (ROOT / "README.md").read_text()
    match = re.search(rf"<!-- {marker}:start -->\s*```bash\n(.*?)\n```\s*<!-- {marker}:end -->",
                      text, re.S)
    assert match, f"README.md has no {marker} block"
    return match.group(1).strip()


def test_ci_runs_exactly_the_readme_test_command():
    res = subprocess.run(["bash", str(ROOT / ".ci/run"), "--print-command"],
                         capture_output=True, text=True, check=True)
    assert res.stdout.strip() == readme_block("test-command")
    assert "pytest" in res.stdout


def test_readme_main_command_sets_up_and_runs_the_main_job():
    cmd = readme_block("main-command")
    assert "python3.11 -m venv" in cmd and "pip install" in cmd and "eyanalysis " in cmd


# PyPI name -> conda-forge name
CONDA_NAMES = {"psycopg2-binary": "psycopg2", "kaleido": "python-kaleido"}


def _requirement(spec: str) -> tuple[str, str]:
    name, _, bound = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(>=\s*([0-9.]+))?", spec).groups()
    name = name.lower().replace("_", "-")
    return CONDA_NAMES.get(name, name), (bound or "").replace(">=", "").strip()


def test_environment_yml_is_in_step_with_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = dict(map(_requirement, project["dependencies"]))
    for extra in project["optional-dependencies"].values():
        wanted.update(map(_requirement, extra))
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = dict(_requirement(d) for d in env["dependencies"] if isinstance(d, str)
                 and _requirement(d)[0] not in ("python", "pip"))
    assert conda == wanted
    assert "conda-forge" in env["channels"]
    python = next(d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python"))
    assert python.replace(" ", "") == "python" + project["requires-python"]


def has_outputs(notebook: dict) -> bool:
    return any(c.get("outputs") or c.get("execution_count")
               for c in notebook.get("cells", []) if c.get("cell_type") == "code")


def test_output_detector_catches_an_executed_cell():
    assert has_outputs({"cells": [{"cell_type": "code", "execution_count": 1, "outputs": []}]})
    assert not has_outputs({"cells": [{"cell_type": "code", "execution_count": None,
                                       "outputs": []}]})


def test_notebooks_are_committed_without_outputs():
    executed = [p.name for p in sorted((ROOT / "notebooks").glob("*.ipynb"))
                if has_outputs(json.loads(p.read_text()))]
    assert executed == [], f"strip outputs from {executed} (nbstripout)"


def test_outputs_folder_is_ignored_except_its_readme():
    ignore = (ROOT / ".gitignore").read_text().splitlines()
    assert "outputs/*" in ignore and "!outputs/README.md" in ignore
    assert (ROOT / "outputs/README.md").exists()

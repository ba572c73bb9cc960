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


def _pins() -> dict[str, str]:
    text = (ROOT / "constraints.txt").read_text()
    return {re.sub(r"[-_.]+", "-", n).lower(): v
            for n, v in re.findall(r"^([A-Za-z0-9_.\-]+)==(\S+)", text, re.M)}


def test_constraints_pin_every_dependency_at_or_above_its_floor():
    """constraints.txt (uv pip compile, README Development) pins every dependency the
    project names, each at or above the lower bound pyproject.toml gives."""
    from packaging.requirements import Requirement

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    specs = list(project["dependencies"]) + [
        s for extra in project["optional-dependencies"].values() for s in extra]
    pins = _pins()
    assert len(pins) > 100  # the whole tree, not just the direct dependencies
    for spec in specs:
        req = Requirement(spec)
        name = re.sub(r"[-_.]+", "-", req.name).lower()
        assert name in pins, f"{name} is not in constraints.txt: regenerate it (README)"
        assert req.specifier.contains(pins[name]), (name, pins[name], str(req.specifier))
    # pandera.pandas (imported by the validation) exists from pandera 0.24
    floor = next(s for s in specs if s.startswith("pandera")).split(">=")[1]
    assert tuple(map(int, floor.split("."))) >= (0, 24)


@pytest.mark.parametrize("marker", ["main-command", "test-command"])
def test_readme_commands_install_with_the_constraints(marker):
    assert "-c constraints.txt" in readme_block(marker)

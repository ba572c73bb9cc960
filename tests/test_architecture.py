"""The package layout shows the architecture (issue #10): layers import downwards only, no
private name crosses a module boundary, and every exception is defined in ``errors.py``.

Layers, bottom to top: the foundation (errors, parameters, vocabulary), ``rules``, ``data``,
``analysis``, ``present``, ``apps``, ``jobs``, then the command line.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "eyanalysis"
LAYERS = ["foundation", "rules", "data", "analysis", "present", "apps", "jobs", "cli"]
FOUNDATION = {"eyanalysis", "eyanalysis.errors", "eyanalysis.parameters",
              "eyanalysis.vocabulary"}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer(module: str) -> int:
    if module in FOUNDATION:
        return 0
    top = module.split(".")[1]
    if top in ("cli", "commands", "__main__"):
        return LAYERS.index("cli")
    assert top in LAYERS, f"{module} is in no layer: put it in one of {LAYERS[1:-1]}"
    return LAYERS.index(top)


MODULES = sorted(PACKAGE.rglob("*.py"))


def imports(path: Path) -> list[tuple[int, str, list[str]]]:
    """(line, module, imported names) of every ``eyanalysis`` import in a file, the lazy
    ones inside functions included."""
    out = []
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = {id(n) for block in ast.walk(tree) if isinstance(block, ast.If)
                   and getattr(block.test, "id", "") == "TYPE_CHECKING"
                   for stmt in block.body for n in ast.walk(stmt)}
    for node in ast.walk(tree):
        if id(node) in typing_only:  # annotations only: nothing is imported at run time
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 \
                and node.module.split(".")[0] == "eyanalysis":
            names = [a.name for a in node.names]
            if node.module == "eyanalysis":  # from eyanalysis import rules.x style
                for n in names:
                    target = f"eyanalysis.{n}"
                    out.append((node.lineno, target if (PACKAGE / n).exists()
                                or (PACKAGE / f"{n}.py").exists() else "eyanalysis", [n]))
            else:
                out.append((node.lineno, node.module, names))
        elif isinstance(node, ast.Import):
            out += [(node.lineno, a.name, []) for a in node.names
                    if a.name.split(".")[0] == "eyanalysis"]
    return out


def test_every_module_is_checked():
    assert len(MODULES) > 40
    names = {module_name(p) for p in MODULES}
    for top in ("rules", "data", "analysis", "present", "apps", "jobs"):
        assert f"eyanalysis.{top}" in names, f"no eyanalysis/{top}/ package"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: module_name(p))
def test_imports_point_down(path):
    here = module_name(path)
    upward = []
    for line, target, _ in imports(path):
        if target.startswith("eyanalysis._"):  # packaged data folders, not modules
            continue
        if layer(target) > layer(here):
            upward.append(f"line {line}: {target} ({LAYERS[layer(target)]})")
    assert not upward, (f"{here} ({LAYERS[layer(here)]}) imports from a higher layer:\n  "
                        + "\n  ".join(upward))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: module_name(p))
def test_no_private_name_crosses_a_module(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = [f"line {line}: from {target} import {n}" for line, target, names in imports(path)
             for n in names if n.startswith("_") and not n.startswith("__")]
    aliases = {a.asname or a.name for node in ast.walk(tree)
               if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                   "eyanalysis") for a in node.names}
    found += [f"line {node.lineno}: {node.value.id}.{node.attr}" for node in ast.walk(tree)
              if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
              and node.value.id in aliases and node.attr.startswith("_")
              and not node.attr.startswith("__")]
    assert not found, f"{module_name(path)} uses private names of other modules:\n  " + \
        "\n  ".join(found)


def test_every_exception_is_defined_in_errors():
    stray = []
    for path in MODULES:
        if path.name == "errors.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and any(
                    (getattr(b, "id", None) or getattr(b, "attr", "")).endswith(
                        ("Error", "Exception")) for b in node.bases):
                stray.append(f"{module_name(path)}.{node.name}")
    assert not stray, "exceptions belong in eyanalysis/errors.py: " + ", ".join(stray)


def test_every_error_descends_from_the_root():
    import inspect

    from eyanalysis import errors

    classes = [c for _, c in inspect.getmembers(errors, inspect.isclass)
               if c.__module__ == errors.__name__]
    assert len(classes) >= 8
    assert all(issubclass(c, errors.EyAnalysisError) for c in classes)


def test_the_suite_runs_with_the_plugins_it_names(pytestconfig):
    """pyproject.toml loads its pytest plugins by name, not from entry points: each must
    be active, the per-test timeout above all (a stall fails, issue #10)."""
    active = pytestconfig.pluginmanager
    for name in ("xdist.plugin", "pytest_timeout", "_hypothesis_pytestplugin", "nbval.plugin"):
        assert active.has_plugin(name), name
    assert pytestconfig.getini("timeout") == "600"
    assert pytestconfig.getoption("timeout") in (None, 600.0)  # no command-line override

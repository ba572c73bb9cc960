"""One notebook run contract (issue #10): a model per notebook in apps/contract.py, the same
names everywhere, every notebook's parameters cell checked by its model, and the "Sources and
assumptions" tables built from the parameter reads recorded while the figures were made."""

from __future__ import annotations

import ast
import datetime as dt
import json
import re

import pydantic
import pytest

from eyanalysis.apps import contract
from tests.conftest import ROOT

NOTEBOOKS = ROOT / "notebooks"
SHARED = {"data_source", "interactive", "publish_dir"}


def parameters_cell(name: str) -> dict[str, object]:
    nb = json.loads((NOTEBOOKS / f"{name}.ipynb").read_text())
    cell = next(c for c in nb["cells"] if "parameters" in c["metadata"].get("tags", []))
    tree = ast.parse("".join(cell["source"]))
    return {n.target.id: ast.literal_eval(n.value) for n in tree.body
            if isinstance(n, ast.AnnAssign)}


@pytest.mark.parametrize("name", sorted(contract.MODELS))
def test_each_notebook_declares_exactly_its_models_fields(name):
    model = contract.MODELS[name]
    declared = parameters_cell(name)
    assert set(declared) == set(model.model_fields), name
    assert set(declared) >= SHARED and ({"as_of", "term"} & set(declared))
    assert declared["interactive"] is True  # notebooks open interactive (issue #12)
    model(**declared)  # the notebook's own defaults pass its check
    nb = json.loads((NOTEBOOKS / f"{name}.ipynb").read_text())
    checked = [c for c in nb["cells"] if c["cell_type"] == "code"
               and f"{model.__name__}(" in "".join(c["source"])]
    assert checked, f"{name}.ipynb does not check its parameters with {model.__name__}"


def test_papermill_values_are_checked_the_same_way():
    with pytest.raises(pydantic.ValidationError):
        contract.SpreadParameters(interactive="false")  # papermill's -p flag false
    with pytest.raises(pydantic.ValidationError, match="not a term id"):
        contract.TermlySummaryParameters(term="2026-WIN")
    with pytest.raises(pydantic.ValidationError, match="before 2026-AUT starts"):
        contract.TermlySummaryParameters(term="2026-AUT", as_of="2026-08-01")
    p = contract.TermlySummaryParameters(term="2025-aut", as_of="")
    assert p.term == "2025-AUT" and p.as_of == dt.date(2025, 12, 31)  # a past term: its end
    assert p.counted.status == "counted at the end of the term, 31 December 2025"
    assert contract.TermlySummaryParameters(term="2025-AUT", as_of="2026-05-01").as_of == (
        dt.date(2025, 12, 31))
    values = contract.papermill_parameters(contract.ForecastParameters())
    assert values["as_of"] == "" and values["start_term"] == ""  # blank, not None


def test_model_data_reads_the_source_as_known_on_as_of():
    tiny = str(ROOT / "tests" / "data" / "tiny")
    p = contract.PanelCaseloadParameters(as_of="2025-10-10", data_source=tiny)
    ds = p.data()
    assert ds.as_of_day == dt.date(2025, 10, 10)
    assert set(ds.attendance.term) == {"2025-AUT"}
    assert contract.ForecastParameters(data_source=tiny).data().as_of_day is None


def test_parameter_reads_are_recorded_with_their_dates(params):
    from eyanalysis.parameters import load_parameters

    fresh = load_parameters(ROOT / "parameters").with_overrides({})  # its own read log
    assert fresh.read_log() == []
    fresh.get("eypp.rate", "2025-09-01")
    fresh.get("eypp.rate", dt.date(2026, 9, 1))
    fresh.get("nef.weekly_hour_cap", "2025-09-01")
    fresh.get("eypp.rate", "2025-09-01")  # a repeat is recorded once
    fresh.series("panel.barred_judgements.exceptional")
    assert fresh.read_log() == [("eypp.rate", dt.date(2025, 9, 1)),
                                ("eypp.rate", dt.date(2026, 9, 1)),
                                ("nef.weekly_hour_cap", dt.date(2025, 9, 1)),
                                ("panel.barred_judgements.exceptional", None)]
    fresh.forget_reads()
    assert fresh.read_log() == []


def test_sources_table_is_built_from_the_reads(params):
    from eyanalysis.parameters import load_parameters
    from eyanalysis.present.notebook import SOURCE_COLUMNS, sources
    from eyanalysis.rules.rates import Rates

    fresh = load_parameters(ROOT / "parameters").with_overrides({})
    Rates.from_parameters("2025-09-01", fresh)
    Rates.from_parameters("2026-09-01", fresh)
    fresh.series("panel.barred_judgements.exceptional")
    table = sources(fresh)
    assert list(table.columns) == SOURCE_COLUMNS
    read = {path for path, _ in fresh.read_log()}
    assert set(table["parameter"]) == read  # exactly what was read, nothing hand-typed
    eypp = table[table["parameter"] == "eypp.rate"]
    # EYPP changed in April 2026: two values in force on the two dates read
    assert len(eypp) == 2 and eypp["dates read"].tolist() == ["2025-09-01", "2026-09-01"]
    assert table["source"].str.len().gt(0).all()
    barred = table[table["parameter"] == "panel.barred_judgements.exceptional"]
    assert (barred["dates read"] == "every dated value").all()
    assert len(barred) == len(fresh["panel.barred_judgements.exceptional"].values)


def test_no_notebook_or_module_hand_types_a_parameter_list():
    for path in [*NOTEBOOKS.glob("*.ipynb"), *(ROOT / "eyanalysis").rglob("*.py")]:
        assert "PARAMETER_PATHS" not in path.read_text(), path


def test_the_session_notebooks_list_the_parameters_they_read(termly_run):
    """The summary's "Sources and assumptions" lists what its tables read, on the dates
    read: the top-ups on the term's first day and the disclosure threshold."""
    from tests import notebooks as nbt

    nb = nbt.read(termly_run.notebook("termly_summary"))
    last = nbt.code_cells(nb)[-1]
    html = "".join(o["data"].get("text/html", "") for o in last.outputs if "data" in o)
    for path in ("inclusion.top_up.GR3", "eypp.rate", "disclosure.threshold",
                 "nef.weekly_hour_cap"):
        assert path in html, path
    assert "2026-09-01" in html  # the rates read on the term's first day
    assert not re.search(r"support\.|panel\.|reviews\.", html)  # not read by the summary

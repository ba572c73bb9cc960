"""The run contract of every notebook: one pydantic model per notebook, the same names
everywhere.

Every notebook's ``parameters`` cell (what papermill overrides) is checked in the next cell
by its model here, and the termly run (:mod:`eyanalysis.jobs.termly`) builds its papermill
parameters from the same models (:func:`papermill_parameters`). Shared names:

- ``data_source``: a folder, workbook or database URL; blank means the bundled sample county;
- ``interactive``: widgets (JupyterLab, Voila) when true, plain figures and tables when
  false (the termly run);
- ``as_of``: the date the data are read as known on (:meth:`Model.data` reads them through
  :meth:`~eyanalysis.data.dataset.Dataset.as_of`); ``term`` for the termly summary;
- ``publish_dir``: where published tables are written (blank: not written).

papermill passes strings loosely (GUIDE.md §1): blank strings read as "not given", dates as
ISO strings, and booleans must be real booleans (``"false"`` is refused).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator, model_validator

from eyanalysis.analysis.categorisation import ALL
from eyanalysis.errors import TermError
from eyanalysis.rules import terms
from eyanalysis.vocabulary import PANEL_KINDS, PROVIDER_TYPES

Kind = Literal["exceptional", "non_nef", "out_of_school", "challenge_gr4"]


def _blank_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


class Model(BaseModel):
    """What every notebook takes: ``data_source``, ``interactive``, ``publish_dir``."""

    model_config = ConfigDict(extra="forbid")

    data_source: str = Field("", description="folder, workbook or database URL; blank = the "
                                             "bundled sample county; or the dataset file "
                                             "the termly run saved for its notebooks")
    interactive: StrictBool = Field(True, description="widgets when true (JupyterLab, Voila)")
    publish_dir: str = Field("", description="folder for published tables; blank = none")

    @field_validator("data_source", "publish_dir", mode="before")
    @classmethod
    def _text(cls, value: Any) -> str:
        return "" if value is None else str(value).strip()

    @property
    def data_as_of(self) -> dt.date | None:
        """The date the data are read as known on (``None``: everything recorded)."""
        return getattr(self, "as_of", None)

    def data(self, tables: list[str] | None = None):
        """The data source loaded (validated) and read as known on :attr:`data_as_of`; a
        dataset saved by the termly run (already validated, every table) is read as it is."""
        from eyanalysis.data.dataset import SAVED_SUFFIX, load, read_saved

        if self.data_source.endswith(SAVED_SUFFIX):
            ds = read_saved(self.data_source)
        else:
            ds = load(self.data_source or None, tables=tables)
        return ds if self.data_as_of is None else ds.as_of(self.data_as_of)

    @property
    def publish_to(self) -> Path | None:
        return Path(self.publish_dir) if self.publish_dir else None


def _term(value: Any) -> str:
    try:
        return terms.from_index(terms.index(str(value)))
    except TermError as exc:
        raise ValueError(str(exc)) from None


class TermlySummaryParameters(Model):
    """``notebooks/termly_summary.ipynb``: one term at a glance."""

    term: str = Field(description="term to summarise, YYYY-AUT/SPR/SUM")
    as_of: dt.date | None = Field(None, description="date counted at; blank = the term's last "
                                                    "day, or today while it runs")

    @field_validator("term", mode="before")
    @classmethod
    def _check_term(cls, value: Any) -> str:
        return _term(value)

    @field_validator("as_of", mode="before")
    @classmethod
    def _blank(cls, value: Any) -> Any:
        return _blank_none(value)

    @model_validator(mode="after")
    def _count_date(self) -> TermlySummaryParameters:
        self.as_of = terms.counted_at(self.term, self.as_of)
        if self.as_of < terms.start(self.term):
            raise ValueError(f"as_of {self.as_of} is before {self.term} starts "
                             f"({terms.start(self.term)}): a term is counted once it runs")
        return self

    @property
    def counted(self):
        """The wording of the report: :class:`eyanalysis.analysis.summary.Counted`."""
        from eyanalysis.analysis.summary import Counted

        return Counted.of(self.term, self.as_of)


class SpreadParameters(Model):
    """``notebooks/categorisation_spread.ipynb``. ``compare_from`` (the Sankey's first date)
    defaults to one year before ``as_of``; ``as_of`` to today."""

    as_of: dt.date | None = None
    compare_from: dt.date | None = None
    district: str = ALL
    provider_type: str = ALL
    extra_intensive: int = 0
    from_level: Literal["universal", "targeted"] = "targeted"

    @field_validator("as_of", "compare_from", mode="before")
    @classmethod
    def _blank(cls, value: Any) -> Any:
        return _blank_none(value)

    @field_validator("provider_type")
    @classmethod
    def _known_type(cls, value: str) -> str:
        if value not in (ALL, *PROVIDER_TYPES):
            raise ValueError(f"provider_type must be 'all' or one of {', '.join(PROVIDER_TYPES)}")
        return value

    @field_validator("extra_intensive")
    @classmethod
    def _not_negative(cls, value: int) -> int:
        if value < 0:
            raise ValueError("extra_intensive is a number of settings, 0 or more")
        return value

    @model_validator(mode="after")
    def _dates(self) -> SpreadParameters:
        self.as_of = self.as_of or dt.date.today()
        if self.compare_from is None:
            self.compare_from = (pd.Timestamp(self.as_of) - pd.DateOffset(years=1)).date()
        if self.compare_from > self.as_of:
            raise ValueError("compare_from must be on or before as_of")
        return self

    def check_district(self, settings: pd.DataFrame) -> None:
        """Refuse a district the data does not know, naming the ones it does."""
        known = sorted(settings["district"].dropna().unique())
        if self.district != ALL and self.district not in known:
            raise ValueError(f"district {self.district!r} is not in the data; choose 'all' or "
                             f"one of {', '.join(known)}")


class PanelCaseloadParameters(Model):
    """``notebooks/panel_caseload.ipynb``: ``as_of`` defaults to today, ``panel_date`` to
    ``as_of``."""

    as_of: dt.date | None = Field(None, description="date the caseload is counted at")
    panel_date: dt.date | None = Field(None, description="panel meeting to prepare for")
    kinds: list[Kind] = Field(default_factory=lambda: list(PANEL_KINDS), min_length=1,
                              description="panel kinds shown (X4)")

    @field_validator("as_of", "panel_date", mode="before")
    @classmethod
    def _blank(cls, value: Any) -> Any:
        return _blank_none(value)

    @model_validator(mode="after")
    def _dates(self) -> PanelCaseloadParameters:
        self.as_of = self.as_of or dt.date.today()
        self.panel_date = self.panel_date or self.as_of
        return self


class ForecastParameters(Model):
    """``notebooks/funding_forecast.ipynb``: the history known on ``as_of`` (blank: all the
    data), projected from ``start_term`` (blank: the term after the data)."""

    as_of: dt.date | None = None
    start_term: str | None = None
    horizon: int = Field(6, ge=1, le=30)
    paths: int = Field(2000, ge=0, le=200_000)
    seed: int = 20261123
    scenario_files: list[str] = Field(default_factory=list)
    excel_out: str | None = None

    @field_validator("as_of", "start_term", "excel_out", mode="before")
    @classmethod
    def _blank(cls, value: Any) -> Any:
        return _blank_none(value)

    @field_validator("start_term")
    @classmethod
    def _start(cls, value: str | None) -> str | None:
        return None if value is None else _term(value)


MODELS: dict[str, type[Model]] = {
    "termly_summary": TermlySummaryParameters,
    "categorisation_spread": SpreadParameters,
    "panel_caseload": PanelCaseloadParameters,
    "funding_forecast": ForecastParameters,
}


def papermill_parameters(model: Model) -> dict[str, Any]:
    """The model as papermill parameters: JSON values, ``None`` as a blank string."""
    return {k: "" if v is None else v for k, v in model.model_dump(mode="json").items()}

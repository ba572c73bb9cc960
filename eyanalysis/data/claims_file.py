"""Input of ``eyanalysis predict``: one term's claims, one row per child per setting.

ATTENDANCE columns: ``child_id, setting_id, level, hours_per_week, weeks, funding_age``
(``2`` or ``3-4``), optional ``eypp``. SETTINGS columns: ``setting_id, specialist``.
Every bad cell of a file is reported at once, with its line and column. Identifiers that
look like spreadsheet formulas, a child with two levels or two funding ages, and personal
data (:mod:`eyanalysis.data.privacy`) are refused.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from eyanalysis.data import validation as v
from eyanalysis.data.privacy import refuse_personal_data
from eyanalysis.data.readers import read_text_csv, reader_problems
from eyanalysis.rules import levels
from eyanalysis.vocabulary import FUNDING_AGES

ATTENDANCE_COLUMNS = ["child_id", "setting_id", "level", "hours_per_week", "weeks", "funding_age"]
SETTINGS_COLUMNS = ["setting_id", "specialist"]
ONE_LEVEL = "the child has a different level on another line (one level per child per term)"
ONE_AGE = ("the child has a different funding age on another line (one funding age per child "
           "per term; F6)")


def _one_level_per_child(frame: pd.DataFrame) -> pd.Series:
    ids = levels.normalise(frame["level"]).astype("string")
    return ids.groupby(frame["child_id"]).transform("nunique").fillna(0).le(1)


def attendance_schema(has_eypp: bool):
    pa = v.pandera()
    level_hint = (
        "must be a graduated-response level: NE, GR1, GR2, GR3, GR4 or EXC "
        "(or a former name such as 'Early Years Action' or 'EYA+ Low', L1)"
    )
    columns = {
        "child_id": pa.Column(str, [v.not_blank(), v.no_formula()]),
        "setting_id": pa.Column(str, [v.not_blank(), v.no_formula()]),
        "level": pa.Column(
            str, v.one_of(levels.LEVELS, normalise=levels.normalise, hint=level_hint)
        ),
        "hours_per_week": pa.Column(
            str, [v.is_number(), v.in_range(0, 168, unit="hours"), v.max_decimals(2)]
        ),
        "weeks": pa.Column(
            str,
            [
                v.is_number(),
                v.in_range(0, 52, low_inclusive=False, unit="weeks"),
                v.max_decimals(2),
            ],
        ),
        "funding_age": pa.Column(
            str, v.one_of(FUNDING_AGES, hint="must be 2 or 3-4 (the funding age)")
        ),
    }
    if has_eypp:
        columns["eypp"] = pa.Column(str, v.boolean())
    return pa.DataFrameSchema(
        columns,
        unique=["child_id", "setting_id"],
        report_duplicates="all",
        checks=[pa.Check(_one_level_per_child, error=ONE_LEVEL),
                pa.Check(v.one_value_per("child_id", "funding_age"), error=ONE_AGE)],
    )


def settings_schema():
    pa = v.pandera()
    return pa.DataFrameSchema(
        {"setting_id": pa.Column(str, [v.not_blank(), v.no_formula()]),
         "specialist": pa.Column(str, v.boolean())},
        unique=["setting_id"],
        report_duplicates="all",
    )


def read_attendance(path: Path | str, settings: Path | str | None = None) -> pd.DataFrame:
    """Validated claims with typed columns and a boolean ``specialist`` per row.

    Raises :class:`~eyanalysis.errors.InputDataError` listing every bad cell of both files.
    """
    text = read_text_csv(path)
    s_text = read_text_csv(settings) if settings is not None else None
    refuse_personal_data([(str(path), text, [*ATTENDANCE_COLUMNS, "eypp"])] + (
        [(str(settings), s_text, SETTINGS_COLUMNS)] if s_text is not None else []))
    problems = reader_problems(text, str(path)) + v.validate(
        text,
        attendance_schema("eypp" in text.columns),
        str(path),
        wide_targets={ONE_LEVEL: "level", ONE_AGE: "funding_age"},
    )
    for message, column in ((ONE_LEVEL, "child_id"), (ONE_AGE, "child_id")):
        problems = v.name_other_lines(problems, text, message, column)
    specialist: set[str] = set()
    if s_text is not None:
        s_problems = reader_problems(s_text, str(settings)) + v.validate(
            s_text, settings_schema(), str(settings))
        problems += s_problems
        if not s_problems:
            specialist = set(s_text.loc[v.to_bool(s_text["specialist"]), "setting_id"])
    v.raise_if_problems(sorted(problems, key=lambda p: (p["file"], p["line"] or 0)),
                        "the claims input")
    out = pd.DataFrame(
        {
            "child_id": text["child_id"],
            "setting_id": text["setting_id"],
            "level": levels.normalise(text["level"]),
            "hours_per_week": pd.to_numeric(text["hours_per_week"]).astype(float),
            "weeks": pd.to_numeric(text["weeks"]).astype(float),
            "funding_age": text["funding_age"],
        }
    )
    if "eypp" in text.columns:
        out["eypp"] = v.to_bool(text["eypp"])
    out["specialist"] = out["setting_id"].isin(specialist)
    return out

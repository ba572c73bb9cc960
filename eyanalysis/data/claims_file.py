"""Input of ``eyanalysis predict``: one term's claims, one row per child per setting.

ATTENDANCE columns: ``child_id, setting_id, level, hours_per_week, weeks, funding_age``
(``under-2``, ``2`` or ``3-4``, F6'), optional ``eypp`` and ``daf`` (true/false).
SETTINGS columns: ``setting_id, specialist``. Every bad cell of a file is reported at
once, with its line and column. Identifiers that look like spreadsheet formulas, a child
with two levels or two funding ages, and personal data (:mod:`eyanalysis.data.privacy`)
are refused.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from eyanalysis.data import validation as v
from eyanalysis.data.privacy import refuse_personal_data
from eyanalysis.data.readers import read_text_csv, reader_problems
from eyanalysis.rules import levels
from eyanalysis.rules.rates import Rates, first_funded
from eyanalysis.vocabulary import FUNDING_AGES

ATTENDANCE_COLUMNS = ["child_id", "setting_id", "level", "hours_per_week", "weeks", "funding_age"]
SETTINGS_COLUMNS = ["setting_id", "specialist"]
ONE_LEVEL = "the child has a different level on another line (one level per child per term)"
ONE_AGE = ("the child has a different funding age on another line (one funding age per child "
           "per term; F6)")


def _one_level_per_child(frame: pd.DataFrame) -> pd.Series:
    ids = levels.normalise(frame["level"]).astype("string")
    return ids.groupby(frame["child_id"]).transform("nunique").fillna(0).le(1)


def normalise_funding_age(text: pd.Series) -> pd.Series:
    """``Under 2``, ``UNDER-2``, `` 3-4 `` -> the codes of FUNDING_AGES (others unchanged)."""
    key = text.astype("string").str.strip().str.lower().str.replace(r"[\s_]+", "-", regex=True)
    return key.replace({"under2": "under-2"})


def attendance_schema(has_eypp: bool, has_daf: bool = False):
    pa = v.pandera()
    level_hint = (
        "must be a graduated-response level: NE, GR1, GR2, GR3, GR4 or EXC "
        "(or a former name such as 'Early Years Action' or 'EYA+ Low', L1)"
    )
    columns = {
        "child_id": pa.Column(str, [v.not_blank(), *v.text_checks()]),
        "setting_id": pa.Column(str, [v.not_blank(), *v.text_checks()]),
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
            str, v.one_of(FUNDING_AGES, normalise=normalise_funding_age,
                          hint="must be a funding age: under-2, 2 or 3-4 (F6')")
        ),
    }
    if has_eypp:
        columns["eypp"] = pa.Column(str, v.boolean())
    if has_daf:
        columns["daf"] = pa.Column(str, v.boolean())
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
        {"setting_id": pa.Column(str, [v.not_blank(), *v.text_checks()]),
         "specialist": pa.Column(str, v.boolean())},
        unique=["setting_id"],
        report_duplicates="all",
    )


def daf_problems(text: pd.DataFrame, file: str) -> list[dict]:
    """DAF flags that cannot be paid (D1): a child flagged at more than one setting (DAF
    goes to the one setting the parent nominates: every line is named, with the others),
    and a flag on a line with no funded hours (DAF follows a funded entitlement there)."""
    flagged = text.loc[v.to_bool(text["daf"].fillna(""))]
    problems = []
    lines = flagged.groupby("child_id").groups
    for child, idx in lines.items():
        if len(idx) < 2:
            continue
        where = " and ".join(f"{flagged.at[i, 'setting_id']} (line {i})" for i in idx)
        for line in idx:
            problems.append(v.problem(
                file, line, "daf", flagged.at[line, "daf"],
                f"child {child} is flagged for DAF at settings {where}: DAF is paid to the "
                "one setting the parent nominates, so keep the flag on that setting's line "
                "only (D1)"))
    hours = v.number(flagged["hours_per_week"])
    for line in flagged.index[hours.eq(0)]:
        problems.append(v.problem(
            file, line, "daf", flagged.at[line, "daf"],
            "DAF is flagged on a line with 0 funded hours a week: DAF goes to a setting where "
            "the child takes up a funded entitlement (D1); flag the line of the nominated "
            "setting"))
    return problems


def unfunded_age_problems(text: pd.DataFrame, file: str, rates: Rates) -> list[dict]:
    """Lines whose funding age had no entitlement on ``rates.on`` (F6': under-2s before
    September 2024): a claim that could not exist, so it is refused, not costed at zero."""
    ages = normalise_funding_age(text["funding_age"])
    bad = ages.isin(FUNDING_AGES) & ~ages.isin(rates.funded_ages)
    problems = []
    for line in text.index[bad.fillna(False).to_numpy(dtype=bool)]:
        age = ages.at[line]
        start = first_funded(age)
        problems.append(v.problem(
            file, line, "funding_age", text.at[line, "funding_age"],
            f"{FUNDING_AGES.label(age).lower()} had no funded entitlement on "
            f"{rates.on.isoformat()} (it began on {start.isoformat()}, F6'); check the "
            "funding age or the date of the rates (--on)"))
    return problems


def read_attendance(path: Path | str, settings: Path | str | None = None,
                    rates: Rates | None = None) -> pd.DataFrame:
    """Validated claims with typed columns and a boolean ``specialist`` per row.

    With ``rates``, a line whose funding age had no entitlement on ``rates.on`` is refused
    too. Raises :class:`~eyanalysis.errors.InputDataError` listing every bad cell of both
    files.
    """
    text = read_text_csv(path)
    has_daf = "daf" in text.columns
    s_text = read_text_csv(settings) if settings is not None else None
    refuse_personal_data([(str(path), text, [*ATTENDANCE_COLUMNS, "eypp", "daf"])] + (
        [(str(settings), s_text, SETTINGS_COLUMNS)] if s_text is not None else []))
    problems = reader_problems(text, str(path)) + v.validate(
        text,
        attendance_schema("eypp" in text.columns, has_daf),
        str(path),
        wide_targets={ONE_LEVEL: "level", ONE_AGE: "funding_age"},
    )
    for message, column in ((ONE_LEVEL, "child_id"), (ONE_AGE, "child_id")):
        problems = v.name_other_lines(problems, text, message, column)
    if has_daf and {"child_id", "setting_id", "hours_per_week"} <= set(text.columns):
        problems += daf_problems(text, str(path))
    if rates is not None and "funding_age" in text.columns:
        problems += unfunded_age_problems(text, str(path), rates)
    problems.sort(key=lambda p: (p["line"] or 0, p["column"] or ""))
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
            "hours_per_week": v.number(text["hours_per_week"]),
            "weeks": v.number(text["weeks"]),
            "funding_age": normalise_funding_age(text["funding_age"]).astype(str),
        }
    )
    if "eypp" in text.columns:
        out["eypp"] = v.to_bool(text["eypp"])
    if has_daf:
        out["daf"] = v.to_bool(text["daf"])
    out["specialist"] = out["setting_id"].isin(specialist)
    return out

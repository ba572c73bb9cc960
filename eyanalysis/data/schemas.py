"""The data model: seven tables, each column with its type, allowed values and meaning.

One specification per table (:data:`TABLES`) drives three things, so they cannot drift:
the pandera schema that validates raw text lazily (:func:`text_schema`), the conversion of
accepted rows to typed columns (:func:`coerce`), and the data dictionary
(:func:`data_dictionary`, rendered into ``docs/data_dictionary.md``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from eyanalysis.data import validation as v
from eyanalysis.rules import levels, support, terms
from eyanalysis.vocabulary import (
    CRITERIA_FLAGS,
    DECISIONS,
    EHCP_STATUSES,
    HOUR_STREAMS,
    JUDGEMENTS,
    PANEL_KINDS,
    PROVIDER_TYPES,
    REPORT_CARD_AREAS,
    REPORT_CARD_GRADES,
    REPORT_CARD_RESULTS,
    SAFEGUARDING,
    SEN_PROVISIONS,
    SUPPORT_LEVELS,
    TWO_YEAR_BASES,
    VISIT_TYPES,
)

# Spellings seen in exports, mapped to the codes above.
_CHOICE_ALIASES = {
    "group_based_pvi": "group_pvi", "pvi": "group_pvi", "group_based": "group_pvi",
    "maintained_nursery": "maintained_nursery_school", "mns": "maintained_nursery_school",
    "school": "school_based", "ri": "requires_improvement", "not_inspected":
    "not_yet_inspected", "l_and_d": "learning_development", "send": "send_review",
}


def choice_key(text: pd.Series, aliases: dict[str, str] | None = None) -> pd.Series:
    """``"Group-based PVI"`` -> ``"group_pvi"``: lower case, words joined by ``_``, then the
    common spellings (and ``aliases``, a column's own) as codes. Worked out once per distinct
    value: a column of choices holds a few, however many rows it has."""
    own = aliases or {}

    def codes(distinct: pd.Series) -> pd.Series:
        words = (distinct.str.strip().str.lower()
                 .str.replace(r"[^a-z0-9]+", "_", regex=True).str.strip("_"))
        # the common spellings, then the column's own: a dict lookup per distinct value
        # (far cheaper than Series.replace with many keys)
        common = [_CHOICE_ALIASES.get(w, w) if isinstance(w, str) else w for w in words]
        return pd.Series([own.get(w, w) if isinstance(w, str) else w for w in common],
                         dtype="string")

    return v.per_distinct(text.astype("string"), codes)


@dataclass(frozen=True)
class Field:
    name: str
    kind: str  # id | text | date | bool | number | choice | level | term | month
    description: str
    required: bool = True
    choices: tuple[str, ...] = ()
    low: float | None = None
    high: float | None = None
    low_inclusive: bool = True
    references: str | None = None  # "table.column" this column must match (a foreign key)
    # the column may be absent from a file (then every row reads blank); when present, it
    # is validated like any other
    column_optional: bool = False
    aliases: tuple[tuple[str, str], ...] = ()  # this column's own spellings -> codes
    pattern: str | None = None  # a regular expression a non-blank value must match
    pattern_hint: str = ""

    def normalise(self, text: pd.Series) -> pd.Series:
        """Choice text as codes: :func:`choice_key`, then this column's own aliases."""
        return choice_key(text, dict(self.aliases))

    def checks(self) -> list:
        c = []
        if self.required and self.kind not in {"bool"}:
            c.append(v.not_blank())
        if self.pattern:
            c.append(v.matches(self.pattern, self.pattern_hint))
        if self.kind in {"id", "text"}:
            c += v.text_checks()
        elif self.kind == "date":
            c.append(v.iso_date())
        elif self.kind == "bool":
            c.append(v.boolean())
        elif self.kind == "number":
            c += [v.is_number(required=False),
                  v.in_range(self.low, self.high, low_inclusive=self.low_inclusive),
                  v.max_decimals(2)]
        elif self.kind == "choice":
            # blanks are left to not_blank (required) or allowed (optional)
            c.append(v.one_of((*self.choices, ""),
                              normalise=lambda s: self.normalise(s).fillna(""),
                              hint=f"must be one of {', '.join(self.choices)}"
                                   + ("" if self.required else " (or blank)")))
        elif self.kind == "level":
            c.append(v.one_of((*levels.LEVELS, ""),
                              normalise=_level_or_blank,
                              hint="must be a level NE, GR1, GR2, GR3, GR4 or EXC (or a "
                                   "former name such as 'EYA+ Low', L1)"
                                   + ("" if self.required else ", or blank")))
        elif self.kind == "term":
            c.append(v.matches(terms.TERM_PATTERN,
                               "must be a term id YYYY-AUT, YYYY-SPR or YYYY-SUM"))
        elif self.kind == "month":
            c.append(v.matches(r"^[0-9]{4}-(0[1-9]|1[0-2])$", "must be a birth month YYYY-MM"))
        return c

    @property
    def type_name(self) -> str:
        return {"id": "text (identifier)", "text": "text",
                "date": "date (YYYY-MM-DD; a time of 00:00 is allowed)",
                "bool": "true/false", "number": "number", "choice": "one of a list",
                "level": "SEND level id", "term": "term id", "month": "month (YYYY-MM)"}[self.kind]


def _level_or_blank(s: pd.Series) -> pd.Series:
    ids = levels.normalise(s).astype("string")
    return ids.where(s.astype("string").str.strip() != "", "").fillna("?")


@dataclass(frozen=True)
class RowRule:
    """A rule across columns of one row or rows of one table (pandera wide check)."""

    column: str  # the column a failure is reported against
    message: str
    test: object  # callable(frame of text) -> boolean Series (True = fine)


@dataclass(frozen=True)
class Table:
    name: str
    description: str
    fields: tuple[Field, ...]
    unique: tuple[str, ...] = ()
    rules: tuple[RowRule, ...] = field(default=())

    @property
    def columns(self) -> list[str]:
        return [f.name for f in self.fields]

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)


# -- row rules ---------------------------------------------------------------------------

_date = v.date  # one parse per distinct date


def _not_before(later: str, earlier: str):
    def test(f: pd.DataFrame) -> pd.Series:
        a, b = _date(f[later]), _date(f[earlier])
        return ~(a < b)

    return test


def _ofsted_date_given_when_inspected(f: pd.DataFrame) -> pd.Series:
    inspected = choice_key(f["ofsted_judgement"]) != "not_yet_inspected"
    return ~(inspected & (f["ofsted_date"] == ""))


# O1: which kind of result an inspection carries depends on its date (ofsted.framework)
REPORT_CARD_FROM = ("on or after the report-card start in parameter ofsted.framework, "
                    "10 November 2025")


def _framework(dates: pd.Series) -> pd.Series:
    return support.frameworks(_date(dates))


def _snapshot_is_single_word(f: pd.DataFrame) -> pd.Series:
    inspected = choice_key(f["ofsted_judgement"]) != "not_yet_inspected"
    return ~(inspected & (_framework(f["ofsted_date"]) == "report_card").fillna(False))


def _inspection_dated_in_a_framework(f: pd.DataFrame) -> pd.Series:
    return _framework(f["inspection_date"]).notna() | _date(f["inspection_date"]).isna()


def _given_in(column: str, framework: str):
    """``column`` is filled in for inspections of ``framework`` and blank for the other."""
    def test(f: pd.DataFrame) -> pd.Series:
        fw = _framework(f["inspection_date"])
        blank = f[column].astype("string").str.strip().fillna("") == ""
        wrong = ((fw == framework) & blank) | ((fw != framework) & ~blank)
        return ~wrong.fillna(False)

    return test


def _result_rules() -> tuple[RowRule, ...]:
    rules = [RowRule("inspection_date", "is before the first date of parameter ofsted.framework "
                     "(no Ofsted framework is known for it)", _inspection_dated_in_a_framework),
             RowRule("judgement", "must be given for a single-word inspection (before 10 November "
                     "2025, parameter ofsted.framework) and blank for a report card ("
                     + REPORT_CARD_FROM + "): a report card has safeguarding and six area grades "
                     "instead", _given_in("judgement", "single_word"))]
    for col in REPORT_CARD_RESULTS:
        what = "result" if col == "safeguarding" else "grade"
        rules.append(RowRule(
            col, f"must be given on a report card ({REPORT_CARD_FROM}) and blank on a "
                 f"single-word inspection before it (the {REPORT_CARD_RESULTS.label(col).lower()}"
                 f" {what})", _given_in(col, "report_card")))
    return tuple(rules)


def _blank(s: pd.Series) -> pd.Series:
    return s.astype("string").str.strip().fillna("") == ""


def _one_hours_form(f: pd.DataFrame) -> pd.Series:
    single = ~_blank(f["hours_per_week"]) & ~_blank(f["weeks"])
    some_single = ~_blank(f["hours_per_week"]) | ~_blank(f["weeks"])
    streams = pd.concat([~_blank(f[f"{x}_hours"]) for x in HOUR_STREAMS], axis=1).any(axis=1)
    return (single & ~streams) | (~some_single & streams)


def _stream_weeks_given(stream: str):
    def test(f: pd.DataFrame) -> pd.Series:
        return _blank(f[f"{stream}_hours"]) == _blank(f[f"{stream}_weeks"])

    return test


def _sen_provision_matches_plan(f: pd.DataFrame) -> pd.Series:
    sen = CHILDREN_SEN.normalise(f["sen_provision"]).fillna("")
    plan = choice_key(f["ehcp_status"]).fillna("") == "plan"
    return (sen == "") | ((sen == "ehc_plan") == plan)


def derive_hours(frame: pd.DataFrame) -> pd.DataFrame:
    """Typed attendance with ``hours_per_week`` and ``weeks`` filled in from the census
    streams where they were given per stream (DOMAIN §10): the hours are the sum of the
    streams' weekly hours and the weeks the streams' weeks weighted by their hours, so that
    ``hours_per_week x weeks`` is the term's funded hours exactly as the streams give them
    (F7). F2 then caps the weekly total at 15 across settings as for any row, sharing the
    cap over the streams in proportion. ``eypp_hours_per_week`` is the weekly hours EYPP
    may be paid on (E2: never the 3-4 extended hours): the row's hours less its extended
    hours (blank in the single form, where the first 15 hours count as universal)."""
    if not {f"{x}_hours" for x in HOUR_STREAMS} <= set(frame.columns):
        return frame
    hours = frame[[f"{x}_hours" for x in HOUR_STREAMS]].fillna(0).to_numpy(dtype=float)
    weeks = frame[[f"{x}_weeks" for x in HOUR_STREAMS]].fillna(0).to_numpy(dtype=float)
    streamed = frame[[f"{x}_hours" for x in HOUR_STREAMS]].notna().any(axis=1).to_numpy()
    total = hours.sum(axis=1)
    term_hours = (hours * weeks).sum(axis=1)
    mean_weeks = np.divide(term_hours, total, out=weeks.max(axis=1), where=total > 0)
    out = frame.copy()
    out["hours_per_week"] = np.where(streamed, total, frame["hours_per_week"])
    out["weeks"] = np.where(streamed, np.round(mean_weeks, 6), frame["weeks"])
    out["eypp_hours_per_week"] = np.where(
        streamed, total - frame["extended_hours"].fillna(0).to_numpy(dtype=float), np.nan)
    return out


def _level_from_within_term(f: pd.DataFrame) -> pd.Series:
    return ~(_date(f["level_from"]) > terms.ends(f["term"]).to_numpy())


def _one_level_per_child_per_term(f: pd.DataFrame) -> pd.Series:
    ids = levels.normalise(f["level"]).astype("string")
    return ids.groupby([f["child_id"], f["term"]]).transform("nunique").fillna(0).le(1)


def _decision_date_when_decided(f: pd.DataFrame) -> pd.Series:
    pending = choice_key(f["decision"]) == "pending"
    return (pending & (f["decision_date"] == "")) | (~pending & (f["decision_date"] != ""))


def _awarded_level_only_when_approved(f: pd.DataFrame) -> pd.Series:
    approved = choice_key(f["decision"]) == "approved"
    return approved | (f["awarded_level"] == "")


# -- the tables --------------------------------------------------------------------------

SETTINGS = Table(
    "settings", "Early years settings (providers) known to the authority.",
    (
        Field("setting_id", "id", "Pseudonymous or URN-based setting identifier, unique."),
        Field("name", "text", "Setting name."),
        Field("provider_type", "choice", "Kind of provider.", choices=PROVIDER_TYPES),
        Field("district", "text", "District or locality the setting is in."),
        Field("ofsted_judgement", "choice", "Latest single-word Ofsted overall effectiveness "
              "judgement (an inspection before 10 November 2025, O1); `not_yet_inspected` "
              "when the setting has none. Report cards (from 10 November 2025) are not "
              "summarised here: they are read from the `inspections` table, which is the "
              "history every rule uses (C2, O2, C8).", choices=JUDGEMENTS),
        Field("ofsted_date", "date", "Date of that single-word inspection (before 10 November "
              "2025); blank only when there is none.", required=False),
        Field("in_crisis", "bool", "Setting in crisis or emergency now (C1: Intensive "
              "support); as known on a past date, from the crisis start (its first visit of "
              "the final run agreeing Intensive) on."),
        Field("nef_registered", "bool", "Offers Nursery Education Funding (NEF) places; the "
              "population of the annual audit (M2)."),
        Field("la_urn", "id", "The local authority's early years URN of the setting "
              "(census, 500000-799999); blank if none.", required=False,
              column_optional=True, pattern=r"^[5-7][0-9]{5}$",
              pattern_hint="must be an LA early years URN: six digits from 500000 to "
                           "799999"),
        Field("ofsted_urn", "id", "The setting's Ofsted unique reference number (e.g. "
              "EY123456 or 2654321); blank if none.", required=False, column_optional=True,
              pattern=r"^(EY|ey)?[0-9]{6,7}$",
              pattern_hint="must be an Ofsted URN: six or seven digits, optionally after EY"),
        Field("link_adviser", "text", "The early years adviser linked to the setting (shown "
              "by the apps); blank if none.", required=False, column_optional=True),
    ),
    unique=("setting_id",),
    rules=(RowRule("ofsted_date", "is required when the setting has been inspected",
                   _ofsted_date_given_when_inspected),
           RowRule("ofsted_date", "is " + REPORT_CARD_FROM + ": ofsted_judgement holds the "
                   "latest single-word judgement only; record a report card in the "
                   "inspections table", _snapshot_is_single_word)),
)

INSPECTIONS = Table(
    "inspections", "Ofsted inspection history in both frameworks (O1): a single-word "
    "judgement for an inspection before 10 November 2025, a report card (safeguarding and "
    "six area grades) from then; the date decides which (parameter `ofsted.framework`). "
    "Read by the support levels (C2, O2), the funding gates (O3) and outcomes after "
    "support (C8, O4).",
    (
        Field("setting_id", "id", "Setting inspected.", references="settings.setting_id"),
        Field("inspection_date", "date", "Date of the inspection."),
        Field("judgement", "choice", "Overall effectiveness judgement of a single-word "
              "inspection; blank for a report card.", required=False, choices=JUDGEMENTS[:4]),
        Field("safeguarding", "choice", "Report card: safeguarding met or not met; blank for "
              "a single-word inspection.", required=False, choices=SAFEGUARDING),
        *(Field(area, "choice", f"Report card: {REPORT_CARD_AREAS.label(area).lower()} grade "
                "on the five-point scale; blank for a single-word inspection.",
                required=False, choices=REPORT_CARD_GRADES) for area in REPORT_CARD_AREAS),
    ),
    unique=("setting_id", "inspection_date"),
    rules=_result_rules(),
)

CHILDREN = Table(
    "children", "Funded children, pseudonymous: no name, address, postcode, NHS number or "
    "full date of birth is ever accepted.",
    (
        Field("child_id", "id", "Pseudonymous child identifier, unique."),
        Field("birth_month", "month", "Month of birth (YYYY-MM); never a full date."),
        Field("eypp_eligible", "bool", "Eligible for the Early Years Pupil Premium (P1)."),
        Field("looked_after", "bool", "Looked-after child."),
        Field("ehcp_status", "choice", "Education, Health and Care plan status.",
              choices=EHCP_STATUSES),
        Field("known_to_psf", "bool", "Known to the Pre-School Forum (X1(b))."),
        Field("daf", "bool", "Receives Disability Living Allowance, so eligible for the "
              "Disability Access Fund when taking up funded hours (D1); the census "
              "`DAFIndicator`."),
        Field("sen_provision", "choice", "SEN provision as in the Early Years Census "
              "(`SENprovision`): E EHC plan, K SEN support, N none; blank if not known. E "
              "goes with `ehcp_status` plan.", required=False, column_optional=True,
              choices=SEN_PROVISIONS, aliases=(("e", "ehc_plan"), ("k", "sen_support"),
                                              ("n", "no_sen"), ("none", "no_sen"))),
        Field("two_year_basis", "choice", "Basis of a 2-year-old's place for families "
              "receiving additional support (census `Funding_Basis_ECO`, `_HSD`, `_LAA`); "
              "blank otherwise.", required=False, column_optional=True,
              choices=TWO_YEAR_BASES, aliases=(("eco", "economic"), ("hsd", "sen_disability"),
                                               ("laa", "looked_after"))),
    ),
    unique=("child_id",),
    rules=(RowRule("sen_provision", "E (EHC plan) must go with ehcp_status plan, and "
                   "ehcp_status plan with E when SEN provision is given",
                   lambda f: _sen_provision_matches_plan(f)),),
)

CHILDREN_SEN = CHILDREN.field("sen_provision")  # its E/K/N aliases, for the row rule

ATTENDANCE = Table(
    "attendance", "Funded attendance per term: one row per child per setting per term.",
    (
        Field("child_id", "id", "Child attending.", references="children.child_id"),
        Field("setting_id", "id", "Setting attended.", references="settings.setting_id"),
        Field("term", "term", "Term id YYYY-AUT/SPR/SUM, YYYY the year the term starts."),
        Field("hours_per_week", "number", "Funded hours a week at this setting (F2 caps the "
              "claimable total at 15 across settings). Blank when the hours are given per "
              "stream: then the sum of the streams' hours.", low=0, high=168,
              required=False, column_optional=True),
        Field("weeks", "number", "Funded weeks in the term (F7). Blank when the hours are "
              "given per stream: then the streams' weeks weighted by their hours, so that "
              "hours_per_week x weeks is the term's funded hours.", low=0, high=52,
              low_inclusive=False, required=False, column_optional=True),
        *(f for stream in HOUR_STREAMS for f in (
            Field(f"{stream}_hours", "number", f"{HOUR_STREAMS.label(stream)} a week at this "
                  "setting (census stream, instead of hours_per_week).", low=0, high=168,
                  required=False, column_optional=True),
            Field(f"{stream}_weeks", "number", f"Weeks of the term the {stream} hours were "
                  "taken (census N00791-N00793); required with those hours.", low=0, high=52,
                  low_inclusive=False, required=False, column_optional=True))),
        Field("level", "level", "SEND level (L1); former names are mapped to ids."),
        Field("level_from", "date", "Date the level took effect; not after the term ends. "
              "Before it, the child counts at their level of the term before (NE if new)."),
    ),
    unique=("child_id", "setting_id", "term"),
    rules=(
        RowRule("level", "the child has a different level at another setting in the same "
                "term (one level per child per term)", _one_level_per_child_per_term),
        RowRule("level_from", "is after the end of the term", _level_from_within_term),
        RowRule("hours_per_week", "give hours_per_week and weeks, or hours per stream "
                "(universal_hours, extended_hours, expanded_hours, each with its _weeks), "
                "not both and not neither", _one_hours_form),
        *(RowRule(f"{stream}_weeks", f"is required when {stream}_hours is given, and only "
                  "then", _stream_weeks_given(stream)) for stream in HOUR_STREAMS),
    ),
)

VISITS = Table(
    "visits", "Advisory visits (C1, C5-C7): planned, held, self-audit received, level agreed.",
    (
        Field("visit_id", "id", "Visit identifier, unique."),
        Field("setting_id", "id", "Setting visited.", references="settings.setting_id"),
        Field("visit_type", "choice", "Visit 1 learning_development, Visit 2 welfare, "
              "Visit 3 send_review, or a targeted / intensive support visit.",
              choices=VISIT_TYPES),
        Field("planned_date", "date", "Date the visit was planned for."),
        Field("held_date", "date", "Date the visit took place; blank if not (yet) held.",
              required=False),
        Field("self_audit_received", "date", "Date the self-audit (or SEND review form) was "
              "received; blank if not received (C6).", required=False),
        Field("level_agreed", "choice", "Support level agreed at the visit (C3); blank if "
              "none agreed.", required=False, choices=SUPPORT_LEVELS),
    ),
    unique=("visit_id",),
)

CATEGORISATIONS = Table(
    "categorisations", "Recorded support levels of settings and why they changed (C2-C3).",
    (
        Field("setting_id", "id", "Setting categorised.", references="settings.setting_id"),
        Field("effective_date", "date", "Date the level took effect."),
        Field("level", "choice", "Universal, Targeted or Intensive support (C1).",
              choices=SUPPORT_LEVELS),
        Field("reason", "text", "Why (agreed at a visit, Ofsted judgement, crisis ...).",
              required=False),
    ),
    unique=("setting_id", "effective_date"),
)

PANEL_APPLICATIONS = Table(
    "panel_applications", "Applications to the Early Years Inclusion Funding Panel (X1-X4).",
    (
        Field("application_id", "id", "Application identifier, unique."),
        Field("child_id", "id", "Child applied for.", references="children.child_id"),
        Field("setting_id", "id", "Setting applying.", references="settings.setting_id"),
        Field("kind", "choice", "exceptional funding, 0-5 non-NEF, out-of-school/holiday, or "
              "challenge to GR4 (X4).", choices=PANEL_KINDS),
        Field("received_date", "date", "Date the application was received."),
        Field("panel_date", "date", "Panel meeting it goes to; blank if not yet listed.",
              required=False),
        Field("decision", "choice", "Panel decision (X3: the panel decides, never the "
              "workbench).", choices=DECISIONS),
        Field("awarded_level", "level", "Level awarded when approved; blank otherwise.",
              required=False),
        Field("decision_date", "date", "Date of the decision; blank while pending.",
              required=False),
        *(Field(flag, "bool", f"Criterion evidenced: {flag.replace('_', ' ')} (X1-X2).")
          for flag in CRITERIA_FLAGS),
    ),
    unique=("application_id",),
    rules=(
        RowRule("panel_date", "is before the date the application was received",
                _not_before("panel_date", "received_date")),
        RowRule("decision_date", "is before the date the application was received",
                _not_before("decision_date", "received_date")),
        RowRule("decision_date", "must be blank while pending and given once decided",
                _decision_date_when_decided),
        RowRule("awarded_level", "must be blank unless the decision is approved",
                _awarded_level_only_when_approved),
    ),
)

ATTENDANCE_STREAM_COLUMNS = tuple(f"{x}_{what}" for x in HOUR_STREAMS
                                  for what in ("hours", "weeks"))

TABLES: dict[str, Table] = {t.name: t for t in (
    SETTINGS, INSPECTIONS, CHILDREN, ATTENDANCE, VISITS, CATEGORISATIONS, PANEL_APPLICATIONS)}

# Dates of things that have happened: none may be after the data's as-of date (the load
# date unless given). Planned visits and panel dates may lie ahead, so they are not here.
NOT_AFTER_AS_OF: dict[str, tuple[str, ...]] = {
    "settings": ("ofsted_date",),
    "inspections": ("inspection_date",),
    "visits": ("held_date", "self_audit_received"),
    "panel_applications": ("received_date", "decision_date"),
}


def text_schema(table: Table):
    """The pandera schema that validates a table's raw text, lazily."""
    pa = v.pandera()
    return pa.DataFrameSchema(
        {f.name: pa.Column(None, f.checks(), nullable=False) for f in table.fields},
        unique=list(table.unique) or None,
        report_duplicates="all",
        checks=[pa.Check(r.test, error=r.message) for r in table.rules],
    )


def wide_targets(table: Table) -> dict[str, str]:
    return {r.message: r.column for r in table.rules}


def coerce(table: Table, text: pd.DataFrame) -> pd.DataFrame:
    """Typed columns for rows that passed :func:`text_schema`."""
    out = {}
    for f in table.fields:
        s = text[f.name]
        if f.kind == "date":
            out[f.name] = _date(s).astype("datetime64[ns]")
        elif f.kind == "bool":
            out[f.name] = v.to_bool(s)
        elif f.kind == "number":
            out[f.name] = v.number(s)
        elif f.kind == "choice":
            out[f.name] = f.normalise(s).where(s != "").astype("string")
        elif f.kind == "level":
            out[f.name] = levels.normalise(s)
        else:
            out[f.name] = s.astype("string")
    typed = pd.DataFrame(out, index=text.index)
    return derive_hours(typed) if table.name == "attendance" else typed


def data_dictionary() -> str:
    """The data dictionary as Markdown, generated from :data:`TABLES`."""
    out = ["# Data dictionary", "",
           "Generated from `eyanalysis/data/schemas.py` by `eyanalysis dictionary`; do not edit by "
           "hand. Every table is validated lazily at load: rows breaking a rule are "
           "quarantined with the file, line, column, value and reason; nothing is dropped "
           "silently.", "",
           "Every term table reads the data **as known on a date** (the term's count date: "
           "its last day, or the run date while it runs; `Dataset.as_of`): rows dated after "
           "it are left out (attendance of later terms, visits planned later, "
           "categorisations, inspections and applications dated later), a later "
           "`held_date`, `self_audit_received`, decision or level reads as not yet known, "
           "and the settings' Ofsted judgement and crisis flag are those in force then. The "
           "columns below say what each one means then.", ""]
    for t in TABLES.values():
        out += [f"## `{t.name}`", "", t.description, ""]
        if t.unique:
            out += [f"Unique: `{', '.join(t.unique)}`.", ""]
        out += ["| column | type | required | allowed | meaning |", "|---|---|---|---|---|"]
        for f in t.fields:
            allowed = ", ".join(f"`{c}`" for c in f.choices) if f.choices else ""
            if f.kind == "level":
                allowed = ", ".join(f"`{lvl}`" for lvl in levels.LEVELS)
            if f.kind == "number":
                lo = f"{'≥' if f.low_inclusive else '>'} {f.low:g}"
                allowed = f"{lo}, ≤ {f.high:g}, 2 decimals"
            if f.references:
                allowed = f"a `{f.references}`"
            if f.pattern:
                allowed = f.pattern_hint.removeprefix("must be ")
            if f.aliases:
                allowed += " (also " + ", ".join(f"`{a.upper()}`" for a, _ in f.aliases
                                                 if len(a) <= 3) + ")"
            req = "yes" if f.required or f.kind == "bool" else "no"
            if f.column_optional:
                req = "no (the column may be absent)"
            out.append(f"| `{f.name}` | {f.type_name} | {req} | {allowed} | {f.description} |")
        future = NOT_AFTER_AS_OF.get(t.name, ())
        if t.rules or future:
            out += ["", "Rules across columns:", ""]
            out += [f"- `{r.column}` {r.message}." for r in t.rules]
            out += [f"- `{c}` is not after the data's as-of date (the day of loading unless "
                    "`--as-of` is given)." for c in future]
        out.append("")
    return "\n".join(out)


PERSONAL_COLUMNS = re.compile(
    r"^(name|first_?name|fore_?names?|surname|last_?name|full_?name|child_?name|"
    r"address(_line_?\d)?|street|town|post_?code|nhs(_?number|_?no)?|date_?of_?birth|dob|"
    r"birth_?date)$"
)
FULL_POSTCODE = re.compile(r"^[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}$", re.I)
FULL_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}|^\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}$")

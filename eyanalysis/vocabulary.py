"""One vocabulary: every code list the workbench uses, in order, with the label a reader sees.

Schemas validate against these codes, rules and analysis compute with them, parameter files
break down by them, and charts, tables and reports label them from here, so a code never
reaches a reader and a label is written once. Labels follow GOV.UK style: sentence case,
plain words ("Learning and development visit", "Targeted support").

A :class:`CodeList` is a tuple of codes (so ``code in LIST``, ``list(LIST)`` and
``LIST.index(code)`` work as before) that also knows each code's ``label`` and ``short``
label.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping


class CodeList(tuple):
    """Ordered codes with a label each (and an optional short label for tight spaces)."""

    name: str
    labels: dict[str, str]
    shorts: dict[str, str]

    def __new__(cls, name: str, labels: Mapping[str, str],
                shorts: Mapping[str, str] | None = None) -> CodeList:
        obj = super().__new__(cls, tuple(labels))
        obj.name = name
        obj.labels = dict(labels)
        obj.shorts = dict(shorts or {})
        return obj

    def __getnewargs__(self):  # copy and pickle keep the labels
        return (self.name, self.labels, self.shorts)

    def label(self, code: str) -> str:
        """The reader's label of ``code`` (the code itself if it is not in the list)."""
        return self.labels.get(str(code), str(code))

    def short(self, code: str) -> str:
        """A short label (``GR3``, ``Targeted``) for axes and narrow columns."""
        return self.shorts.get(str(code), self.label(code))

    def labelled(self, codes: Iterable[str]) -> list[str]:
        return [self.label(c) for c in codes]

    def rank(self, code: str) -> int:
        """Position of ``code`` in the list (lists are in their natural order)."""
        return self.index(code)


# -- children -----------------------------------------------------------------------------

#: SEND levels of the graduated response, ordered NE < GR1 < ... < EXC (DOMAIN L1).
LEVELS = CodeList("SEND level", {
    "NE": "Normal entitlement",
    "GR1": "Graduated Response 1",
    "GR2": "Graduated Response 2",
    "GR3": "Graduated Response 3",
    "GR4": "Graduated Response 4",
    "EXC": "Exceptional Early Years Funding",
}, {"NE": "NE", "GR1": "GR1", "GR2": "GR2", "GR3": "GR3", "GR4": "GR4", "EXC": "EXC"})
#: Levels that can carry an Inclusion Supplement (all but normal entitlement).
SUPPLEMENT_LEVELS: tuple[str, ...] = LEVELS[1:]

#: Funding ages of the entitlements, youngest first (F6'): from the term after the child is
#: 9 months old, after the second birthday, after the third birthday.
FUNDING_AGES = CodeList("funding age", {
    "under-2": "Children from 9 months to 2 years",
    "2": "2-year-olds",
    "3-4": "3- and 4-year-olds",
}, {"under-2": "Under 2", "2": "Age 2", "3-4": "Age 3-4"})

EHCP_STATUSES = CodeList("EHC plan status", {
    "none": "No EHC plan",
    "assessment": "EHC needs assessment in progress",
    "plan": "EHC plan in place",
})

#: SEN provision of the Early Years Census (``SENprovision``, DOMAIN §10): E, K, N.
SEN_PROVISIONS = CodeList("SEN provision", {
    "ehc_plan": "EHC plan (census E)",
    "sen_support": "SEN support (census K)",
    "no_sen": "No special educational need (census N)",
}, {"ehc_plan": "E", "sen_support": "K", "no_sen": "N"})

#: The basis of a 2-year-old's funded place for families receiving additional support
#: (census ``Funding_Basis_ECO``, ``_HSD``, ``_LAA``, DOMAIN §10).
TWO_YEAR_BASES = CodeList("2-year-old funding basis", {
    "economic": "Economic criteria",
    "sen_disability": "High-level SEN or disability",
    "looked_after": "Looked after or adopted from care",
})

#: Entitlement streams of funded hours, each with its own weeks (census N00791-N00793):
#: universal (15 hours for 3-4s, or for 2-year-olds of families receiving additional
#: support, FRAS), extended (working parents of 3-4s) and expanded (working parents of
#: children from 9 months to 3).
HOUR_STREAMS = CodeList("hours stream", {
    "universal": "Universal or FRAS hours",
    "extended": "Extended hours (3-4, working parents)",
    "expanded": "Expanded hours (9 months to 3, working parents)",
})

# -- settings -----------------------------------------------------------------------------

PROVIDER_TYPES = CodeList("provider type", {
    "childminder": "Childminder",
    "group_pvi": "Group-based private, voluntary or independent setting",
    "school_based": "School-based setting",
    "maintained_nursery_school": "Maintained nursery school",
    "specialist": "Specialist provision",
}, {"childminder": "Childminder", "group_pvi": "Group-based PVI",
    "school_based": "School-based", "maintained_nursery_school": "Nursery school",
    "specialist": "Specialist"})

#: Ofsted single-word judgements (inspections before 10 November 2025, DOMAIN O1).
JUDGEMENTS = CodeList("Ofsted judgement", {
    "outstanding": "Outstanding",
    "good": "Good",
    "requires_improvement": "Requires improvement",
    "inadequate": "Inadequate",
    "not_yet_inspected": "Not yet inspected",
})

#: The Ofsted frameworks: a single-word overall judgement, then a report card from
#: 10 November 2025 (DOMAIN O1; the change date is the parameter ``ofsted.framework``).
OFSTED_FRAMEWORKS = CodeList("Ofsted framework", {
    "single_word": "Single-word judgement",
    "report_card": "Report card",
})

#: Safeguarding on a report card (O1).
SAFEGUARDING = CodeList("safeguarding", {"met": "Met", "not_met": "Not met"})

#: The six evaluation areas graded on a report card (O1), in Ofsted's order.
REPORT_CARD_AREAS = CodeList("report card area", {
    "inclusion": "Inclusion",
    "curriculum_teaching": "Curriculum and teaching",
    "achievement": "Achievement",
    "behaviour_attitudes_routines": "Behaviour, attitudes and routines",
    "welfare_wellbeing": "Welfare and wellbeing",
    "leadership_governance": "Leadership and governance",
})

#: The five-point scale of each report-card area, lowest first (O1).
REPORT_CARD_GRADES = CodeList("report card grade", {
    "urgent_improvement": "Urgent improvement",
    "needs_attention": "Needs attention",
    "expected_standard": "Expected standard",
    "strong_standard": "Strong standard",
    "exceptional": "Exceptional",
})

#: Every result on a report card: safeguarding, then the six areas (columns of the
#: inspections table and the breakdown of the report-card rule parameters, O2-O3).
REPORT_CARD_RESULTS = CodeList("report card result", {
    "safeguarding": "Safeguarding", **REPORT_CARD_AREAS.labels})

#: The Ofsted outcome in force for a setting, whichever framework gave it: a single-word
#: judgement, or a report card summed up by its lowest result (safeguarding not met below
#: every grade). Only a summary for tables, charts and the lists in parameters such as
#: ``panel.barred_judgements``; the rules C2/O2 read every result of a report card.
OFSTED_OUTCOMES = CodeList("Ofsted outcome", {
    "outstanding": "Outstanding",
    "good": "Good",
    "requires_improvement": "Requires improvement",
    "inadequate": "Inadequate",
    "exceptional": "Report card: every area exceptional",
    "strong_standard": "Report card: strong standard or better",
    "expected_standard": "Report card: expected standard or better",
    "needs_attention": "Report card: an area needs attention",
    "urgent_improvement": "Report card: an area needs urgent improvement",
    "safeguarding_not_met": "Report card: safeguarding not met",
    "not_yet_inspected": "Not yet inspected",
}, {"exceptional": "Card: exceptional", "strong_standard": "Card: strong",
    "expected_standard": "Card: expected", "needs_attention": "Card: needs attention",
    "urgent_improvement": "Card: urgent improvement",
    "safeguarding_not_met": "Card: safeguarding not met"})

#: Levels of support a setting receives (C1).
SUPPORT_LEVELS = CodeList("support level", {
    "universal": "Universal support",
    "targeted": "Targeted support",
    "intensive": "Intensive support",
}, {"universal": "Universal", "targeted": "Targeted", "intensive": "Intensive"})

#: Advisory visits (C1, C5).
VISIT_TYPES = CodeList("visit type", {
    "learning_development": "Learning and development visit",
    "welfare": "Welfare requirements visit",
    "send_review": "SEND review visit",
    "targeted": "Targeted support visit",
    "intensive": "Intensive support visit",
}, {"learning_development": "Learning and development", "welfare": "Welfare requirements",
    "send_review": "SEND review", "targeted": "Targeted support",
    "intensive": "Intensive support"})

# -- the inclusion panel ------------------------------------------------------------------

#: Kinds of application the panel hears (X4).
PANEL_KINDS = CodeList("application kind", {
    "exceptional": "Exceptional funding",
    "non_nef": "Children not accessing funded hours (0-5)",
    "out_of_school": "Out-of-school and holiday provision",
    "challenge_gr4": "Challenge to Graduated Response 4",
}, {"exceptional": "Exceptional funding", "non_nef": "0-5 not in funded hours",
    "out_of_school": "Out-of-school and holiday", "challenge_gr4": "Challenge to GR4"})

DECISIONS = CodeList("panel decision", {
    "pending": "Awaiting a decision",
    "approved": "Approved",
    "declined": "Declined",
    "deferred": "Deferred",
    "withdrawn": "Withdrawn",
})

#: Evidence flags of the exceptional-funding criteria: general X1 (a-d), specific X2 (1-4).
CRITERIA_FLAGS = CodeList("exceptional funding criterion", {
    "registered_provider_or_home_ehcp":
        "Attends an Ofsted-registered provider, or has an EHC plan supporting education "
        "at home",
    "known_to_psf_chair_supports":
        "Known to the Pre-School Forum, with the application supported by its chair",
    "nef_eligible": "Eligible for funded early education",
    "receiving_gr4": "Eligible for and receiving the Graduated Response 4 supplement",
    "deferred_reception_entry":
        "Deferred entry into Reception, with exceptional need beyond Graduated Response 4",
    "delayed_reception_entry":
        "Delayed entry into Reception for a term or more, with exceptional need",
    "ehcp_in_place_or_in_process": "An EHC plan or statutory assessment in place or in process",
    "specialist_assessment_recommended":
        "Specialist nursery assessment recommended by the Pre-School Forum, parents chose "
        "mainstream",
})

#: Reviews of a child's provision (L3).
REVIEW_TYPES = CodeList("review", {
    "provision_map": "Provision map review (GR1)",
    "iep": "Individual education or provision plan review (GR2 to Exceptional)",
    "ehcp": "EHC plan review",
})

# -- time ---------------------------------------------------------------------------------

#: Term seasons in calendar order within a year (terms start 1 January, 1 April, 1 September).
SEASONS = CodeList("term", {"SPR": "Spring", "SUM": "Summer", "AUT": "Autumn"})

#: Every code list by the name a parameter file's ``metadata.breakdown`` uses.
BREAKDOWNS: dict[str, tuple[str, ...]] = {
    "level": LEVELS,
    "funding_age": FUNDING_AGES,
    "term_season": SEASONS,
    "support_level": SUPPORT_LEVELS,
    "visit_type": VISIT_TYPES,
    "review_type": REVIEW_TYPES,
    "panel_kind": PANEL_KINDS,
    "report_card_result": REPORT_CARD_RESULTS,
    "ofsted_outcome": OFSTED_OUTCOMES,
    # an inclusion scheme's own settings (S1): parameters/schemes/<id>/
    "hours_basis": ("weekly_cap", "basis_hours", "adjust"),
    "pot": ("amount", "when_exceeded"),
}

#: Breakdowns whose keys are a file's own identifiers (a scheme's band ids, S1), checked
#: only as identifiers: letters, digits and underscores.
OPEN_BREAKDOWNS: tuple[str, ...] = ("band",)

#: The payment units an inclusion scheme may state (S1).
SCHEME_UNITS = CodeList("scheme payment unit", {
    "per_hour": "Per funded hour",
    "per_term": "Per term",
    "one_off": "One-off",
    "per_year_capped": "Per year, capped",
    "per_award": "Per award",
    "percent_of_base_rate": "Percentage of the base rate per hour",
    "setting_uplift_per_hour": "Setting-level uplift per funded hour",
})

#: Low, central and high points of a scheme crosswalk (S2).
CROSSWALK_POINTS = CodeList("crosswalk point", {
    "low": "Low", "central": "Central", "high": "High"})

"""The shape of the sample county: every figure the generator is calibrated to, with its
source in the package docstring (GUIDE.md §2). These are properties of the invented county,
not rules: the rules (F6, C1-C3, O1-O2) come from ``eyanalysis.rules`` and the parameters."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from eyanalysis.vocabulary import JUDGEMENTS as OFSTED_JUDGEMENTS
from eyanalysis.vocabulary import LEVELS as LEVEL_CODES
from eyanalysis.vocabulary import PANEL_KINDS, PROVIDER_TYPES, SUPPORT_LEVELS, VISIT_TYPES

COUNTY = "Fernshire"  # a fictional county
DEFAULT_SEED = 20261123
AS_OF = np.datetime64("2026-11-23", "D")  # "today" of the sample: nothing later is held
FIRST_TERM = "2023-AUT"
LAST_TERM = "2026-AUT"
VISITS_END = np.datetime64("2026-12-31", "D")
TABLES = ("settings", "inspections", "children", "attendance", "visits", "categorisations",
          "panel_applications")
SAMPLE_DIR = Path(__file__).resolve().parent.parent / "sample"
GZIP_THRESHOLD = 3_000_000  # bytes of plain CSV above which attendance is gzipped
LEVELS = tuple(LEVEL_CODES)
CAT_LEVELS = tuple(SUPPORT_LEVELS)
VISIT_KINDS = tuple(VISIT_TYPES)
KINDS = tuple(PANEL_KINDS)

# ---------------------------------------------------------------- settings
BASE_SETTINGS = 450
SETTING_TYPES = tuple(PROVIDER_TYPES)
PROVIDER_SHARE = (0.40, 0.475, 0.10, 0.013, 0.012)  # childminders ~42% of register (Ofsted 2025)
# typical funded children per setting; gives ~9,000 funded children a term at 450 settings
CAPACITY = {"childminder": 4.0, "group_pvi": 30.0, "school_based": 26.0,
            "maintained_nursery_school": 70.0, "specialist": 12.0}
DISTRICTS = ("Ashdale", "Brackenfell", "Corrigill", "Dunstow", "Elderwick", "Farrowmere")
DISTRICT_SHARE = (0.22, 0.19, 0.18, 0.16, 0.14, 0.11)
CRISIS_SHARE = 0.01
NON_NEF_SHARE = 0.015

# ---------------------------------------------------------------- Ofsted (O1, O5)
JUDGEMENTS = tuple(OFSTED_JUDGEMENTS)[:4]  # outstanding .. inadequate, as inspected
JUDGEMENT_SHARE = (0.15, 0.825, 0.02, 0.005)  # latest single-word, among inspected
NOT_INSPECTED_SHARE = 0.04  # of childminders and group settings: recently registered
IMPROVING_SHARE = 0.04  # of good/outstanding: RI/inadequate in 2023-24, then good
REPORT_CARDS_FROM = np.datetime64("2025-11-10", "D")  # O1 (parameter ofsted.framework)
FOUR_YEAR_CYCLE_FROM = np.datetime64("2026-04-01", "D")  # O5: every 4 years, was 6
# chance that the routine inspection after the last single-word one has happened by today,
# by whole years between that inspection and 10 November 2025 (0-1, 1-2, 2-3, 3-4, 4-5):
# about 23% of inspected settings, the older ones first
CARD_CHANCE_BY_AGE = (0.02, 0.02, 0.15, 0.35, 0.60)
# report cards: a latent quality per setting plus noise per area, cut into the five grades
# (lowest first) so that each area is about 0.5% urgent improvement, 4% needs attention,
# 71% expected standard, 22% strong standard, 2.5% exceptional, and about one card in seven
# has an area at needs attention or below; safeguarding not met ~2%
GRADE_CUTS = (-2.576, -1.645, 0.772, 2.054)
SAFEGUARDING_NOT_MET_CUT = -2.054
AREA_NOISE = 0.35  # share of an area grade's variance that is not the setting's quality

# ---------------------------------------------------------------- children
BIRTHS_PER_MONTH = 610  # children per birth month who could take up funding, at scale 1
P_DISADVANTAGED = 0.20
P_TAKES_2 = (0.02, 0.52)  # (not disadvantaged, disadvantaged): ~9% of funded in January
P_TAKES_34 = 0.95
LEAVE_HAZARD = 0.012  # moving away, per term
# target level at 3-4 years old (calibrated to 8.6% SEN, 1.5% EHC plan among funded 3-4s)
P_TARGET_LEVEL = (0.903, 0.028, 0.027, 0.020, 0.014, 0.008)
# receives Disability Living Allowance (D1), by target level NE..EXC: ~1.3% of children
P_DAF = (0.002, 0.01, 0.03, 0.10, 0.30, 0.50)
HOURS_SINGLE = ((15.0, 0.72), (30.0, 0.09), (12.5, 0.05), (10.0, 0.05), (7.5, 0.03),
                (22.5, 0.02), (20.0, 0.02), (6.0, 0.02))
HOURS_DUAL = (((15.0, 15.0), 0.35), ((20.0, 10.0), 0.20), ((10.0, 5.0), 0.15),
              ((7.5, 7.5), 0.10), ((10.0, 10.0), 0.10), ((12.5, 12.5), 0.10))
P_DUAL_CHILD = 0.075
P_DUAL_TERM = 0.65

# ---------------------------------------------------------------- support (C1-C7)
# transition of the agreed level at a held visit, by visit type and current agreed level
AGREE = {
    "learning_development": ((0.891, 0.087, 0.022), (0.27, 0.66, 0.07), (0.05, 0.33, 0.62)),
    "welfare": ((0.891, 0.087, 0.022), (0.27, 0.66, 0.07), (0.05, 0.33, 0.62)),
    "targeted": ((0.90, 0.10, 0.00), (0.08, 0.87, 0.05), (0.00, 0.30, 0.70)),
    "intensive": ((0.60, 0.30, 0.10), (0.10, 0.60, 0.30), (0.02, 0.08, 0.90)),
}
INITIAL_CAT = (0.76, 0.19, 0.05)
BASELINE_REASONS = ("initial categorisation (carried forward from 2022-23 review)",
                    "initial categorisation (new setting)")

# ---------------------------------------------------------------- the panel (X1-X4)
CRITERIA = ("registered_provider_or_home_ehcp", "known_to_psf_chair_supports", "nef_eligible",
            "receiving_gr4", "deferred_reception_entry", "delayed_reception_entry",
            "ehcp_in_place_or_in_process", "specialist_assessment_recommended")

WORDS = ("Acorn", "Bluebell", "Bramble", "Buttercup", "Catkin", "Clover", "Daisy", "Elder",
         "Fern", "Foxglove", "Hazel", "Heather", "Holly", "Honeysuckle", "Ivy", "Juniper",
         "Kingfisher", "Lark", "Maple", "Meadow", "Oak", "Otter", "Owl", "Poppy", "Primrose",
         "Rowan", "Robin", "Rainbow", "Sparrow", "Squirrel", "Sunflower", "Teasel", "Thistle",
         "Willow", "Wren", "Yew")
SUFFIX = {
    "childminder": ("Childminding",),
    "group_pvi": ("Nursery", "Pre-School", "Playgroup", "Day Nursery"),
    "school_based": ("School Nursery", "Primary Nursery Class"),
    "maintained_nursery_school": ("Nursery School",),
    "specialist": ("Specialist Nursery", "Assessment Nursery"),
}

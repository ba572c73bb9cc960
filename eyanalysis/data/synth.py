"""Deterministic synthetic county ("sample county") for eyanalysis.

Nothing here is real data: every setting, child, visit and application is invented and every
identifier is pseudonymous (``S0001``, ``C000001``, ``V000001``, ``A00001``). Children carry a
birth month (``YYYY-MM``) only, never a full date of birth.

Public API
----------
``build(seed, scale)``
    returns the seven tables of the project's data model as pandas DataFrames.
``write(tables, out_dir)``
    writes one CSV per table (UTF-8, header, ISO dates, booleans ``true``/``false``, ``\\n``
    line endings, rows sorted); ``attendance`` is written gzip-compressed (``mtime=0``) when
    the plain CSV would exceed ~3 MB, so the bytes are reproducible.
``regenerate(out_dir=None, seed, scale)``
    build + write, by default into the bundled ``eyanalysis/data/sample/``.
    ``python -m eyanalysis.data.synth [--out DIR] [--seed N] [--scale X]`` does the same.

Dtypes returned by ``build``: identifiers and codes are ``str`` (in ``attendance``, which has
~1.5 M rows a term at England scale, ``child_id``, ``setting_id``, ``term`` and ``level`` are
``category`` to keep memory low; ``term`` categories are in chronological order and ``level``
categories in level order NE < GR1 < ... < EXC); dates are ``datetime64[us]`` with ``NaT``
for "empty" (``held_date``, ``self_audit_received``, ``decision_date``, ...); flags are
``bool``; empty codes (``level_agreed``, ``awarded_level``) are missing values. ``write``
renders them in the file format.

Calibration (GUIDE.md section 2; each figure with its source)
--------------------------------------------------------------
- Ofsted, early years register: 96% good or outstanding (Aug 2022), 97% (Mar 2024),
  98% (Mar 2025); outstanding ~15% (2022) -- gov.uk "Childcare providers and inspections"
  main findings. Used: among inspected settings 15% outstanding, 82.5% good, 2% requires
  improvement, 0.5% inadequate (97.5% good or outstanding).
- Registered providers, England: 60,400 (Mar 2025), of which childminders 25,300 (42%) --
  gov.uk Ofsted main findings, 31 Mar 2025. Used: ~40% of settings are childminders; at
  ``scale=166`` the county has ~75,000 settings (England order of magnitude).
- County scale: Cumbria ~10,450 funded 3-4s; Wiltshire 400+ providers paid each term -- local
  press / council pages (approximate). Used: ~450 settings and ~9,000 funded children a term
  (averaged over the year; the summer term is the largest because 3-4 funding starts the term
  after the third birthday, F6).
- Funded children, Jan 2024: 2-year-olds 115,852; 3-year-olds 559,825; 4-year-olds 609,716
  -- DfE "Education provision: children under 5", 2024. Ratio 2-year-olds / all = 9.0%. Used:
  2-year-old take-up (disadvantaged children, correlated with EYPP) calibrated so that
  2-year-olds are ~8.5-9% of funded children (more in autumn, when the 3-4 cohort is smallest).
- SEN among funded children (15 h), 2024: 8.6% all SEN, 7.0% SEN support, 1.5% EHC plan --
  same DfE series, 2024. Used: ~8.6% of funded 3-4-year-old child-terms at GR1 or above, fewer
  at higher levels; ~1.5% with ``ehcp_status == "plan"``, mostly at GR4/EXC.
- SEN among funded 2-year-olds, 2021: 3.5% (2.9% SEN support, 0.6% EHC plan) -- same series,
  2021. Used: ~3.5% of 2-year-old child-terms at GR1 or above (SEN is identified later, so
  levels rise with age).
- Term weeks (38-week year): 14/12/12 (autumn/spring/summer) -- council funding guidance.
  Used as ``weeks`` per term.
- Worcestershire panel work today: applications for 0-5 non-NEF, "Challenge to GR4" and
  Exceptional funding -- worcestershire.gov.uk "Funding application process". Used: the
  ``panel_applications`` kinds ``non_nef``, ``challenge_gr4``, ``exceptional`` (plus
  ``out_of_school``, DOMAIN X4).
- EYPP eligibility (~10-15% of 3-4s), looked-after (~1%), ~5% of children at two settings in
  a term and a support mix of ~75% universal / 18% targeted / 7% intensive are the brief's
  targets (no GUIDE figure); looked-after children are always EYPP-eligible (DOMAIN P1).

Rules followed (DOMAIN.md ids)
-------------------------------
- F6: a child is a funded 3-4-year-old from the term after the third birthday (terms start
  1 Sep, 1 Jan, 1 Apr); funded 2-year-olds from the term after the second birthday (the
  disadvantaged offer, so 2-year-old take-up is correlated with EYPP eligibility). Because the
  term boundaries are month boundaries, "term after the birthday" is exact from the birth month.
- Children leave at the September after their fourth birthday (Reception), except a few who
  defer or delay entry and leave at compulsory school age (the term after the fifth birthday);
  nobody is funded at or after compulsory school age.
- F7: weeks 14/12/12; hours at most two decimals; 30-hour children appear as 30 at one
  setting or split 15+15 / 20+10 across two.
- L1: levels NE < GR1 < GR2 < GR3 < GR4 < EXC, one level per child per term (the same at
  every setting), ``level_from`` the date it took effect (never after the term end nor after
  ``AS_OF``). Levels move at most one step between terms. A move to EXC happens on the decision
  date of an approved ``exceptional`` panel application (X3), and some GR3 -> GR4 moves on an
  approved ``challenge_gr4`` application.
- X1-X2: the eight criteria flags are filled from the child's facts for every application;
  approved exceptional applications meet all of X1 and at least one of X2, others sometimes
  miss one or more.
- C1-C7: each review year (Sep-Aug) every open setting has a learning_development (Visit 1)
  and a welfare (Visit 2) visit planned ~6 months apart, ~15% an optional send_review
  (Visit 3). Self-audits are usually returned 14+ days before; a learning_development visit
  without a self-audit is not held (C6), with a late one it is re-arranged to 14 days after
  receipt. Targeted settings get at least one targeted visit planned a term, intensive
  settings a monthly intensive visit (some not held). Every held visit except send_review
  records ``level_agreed``.
- C2: ``categorisations`` lists every change of a setting's effective level (plus its first
  level): intensive while the latest Ofsted judgement is requires_improvement or inadequate,
  otherwise the level agreed at the last held visit (a setting in crisis gets an emergency
  intensive visit agreeing intensive). Recomputing C2 from ``inspections`` and ``visits``
  therefore reproduces this table.

Decisions (not in the brief; parameters are module constants)
--------------------------------------------------------------
- ``AS_OF = 2026-11-23`` is "today": nothing after it is held, received or decided; planned
  visits and panels after it appear with empty outcome fields.
- Attendance contains only NEF-registered settings (funded children).
- ``children`` also holds the children of ``non_nef`` panel applications (under-2s, or older
  children at non-NEF settings), who have no attendance rows.
- Panels sit on the second Tuesday of every month; an application goes to the first panel at
  least 14 days after receipt (sometimes the next one), so waits are 2-8 weeks.
- Applications are ``pending`` while their panel (or decision) is after ``AS_OF``.
- Visits, inspections, self-audit receipts, panels and decisions fall on working days (no
  weekends, England bank holidays or 24 Dec - 1 Jan); ``level_from`` may be any day.
- ``build`` dates are ``datetime64[us]``, the unit pandas 3 gives when it parses the CSVs.
"""

from __future__ import annotations

import argparse
import gzip
import io
from pathlib import Path

import numpy as np
import pandas as pd

from eyanalysis.rules import terms

__all__ = [
    "AS_OF",
    "DEFAULT_SEED",
    "DISTRICTS",
    "FIRST_TERM",
    "LAST_TERM",
    "LEVELS",
    "TABLES",
    "build",
    "regenerate",
    "write",
]

DEFAULT_SEED = 20261123
AS_OF = np.datetime64("2026-11-23", "D")
FIRST_TERM = "2023-AUT"
LAST_TERM = "2026-AUT"
VISITS_END = np.datetime64("2026-12-31", "D")
LEVELS = ("NE", "GR1", "GR2", "GR3", "GR4", "EXC")
TABLES = (
    "settings",
    "inspections",
    "children",
    "attendance",
    "visits",
    "categorisations",
    "panel_applications",
)
SAMPLE_DIR = Path(__file__).resolve().parent / "sample"
GZIP_THRESHOLD = 3_000_000  # bytes of plain CSV above which attendance is gzipped

# ---------------------------------------------------------------- settings shape
BASE_SETTINGS = 450
PROVIDER_TYPES = (
    "childminder",
    "group_pvi",
    "school_based",
    "maintained_nursery_school",
    "specialist",
)
PROVIDER_SHARE = (0.40, 0.475, 0.10, 0.013, 0.012)  # childminders ~42% of register (Ofsted 2025)
# typical funded children per setting; gives ~9,000 funded children a term at 450 settings
CAPACITY = {
    "childminder": 4.0,
    "group_pvi": 30.0,
    "school_based": 26.0,
    "maintained_nursery_school": 70.0,
    "specialist": 12.0,
}
DISTRICTS = ("Ashdale", "Brackenfell", "Corrigill", "Dunstow", "Elderwick", "Farrowmere")
DISTRICT_SHARE = (0.22, 0.19, 0.18, 0.16, 0.14, 0.11)
JUDGEMENTS = ("outstanding", "good", "requires_improvement", "inadequate")
JUDGEMENT_SHARE = (0.15, 0.825, 0.02, 0.005)  # among inspected (gov.uk Ofsted main findings)
NOT_INSPECTED_SHARE = 0.04  # of childminders and group settings: recently registered
IMPROVING_SHARE = 0.04  # of currently good/outstanding: RI/inadequate in 2023-25, then good
CRISIS_SHARE = 0.01
NON_NEF_SHARE = 0.015

# ---------------------------------------------------------------- children shape
BIRTHS_PER_MONTH = 610  # children per birth month who could take up funding, at scale 1
P_DISADVANTAGED = 0.20
P_TAKES_2 = (0.02, 0.52)  # (not disadvantaged, disadvantaged): ~9% of funded in January
P_TAKES_34 = 0.95
LEAVE_HAZARD = 0.012  # moving away, per term
# target level at 3-4 years old (calibrated to 8.6% SEN, 1.5% EHC plan among funded 3-4s)
P_TARGET_LEVEL = (0.903, 0.028, 0.027, 0.020, 0.014, 0.008)
HOURS_SINGLE = (
    (15.0, 0.72),
    (30.0, 0.09),
    (12.5, 0.05),
    (10.0, 0.05),
    (7.5, 0.03),
    (22.5, 0.02),
    (20.0, 0.02),
    (6.0, 0.02),
)
HOURS_DUAL = (
    ((15.0, 15.0), 0.35),
    ((20.0, 10.0), 0.20),
    ((10.0, 5.0), 0.15),
    ((7.5, 7.5), 0.10),
    ((10.0, 10.0), 0.10),
    ((12.5, 12.5), 0.10),
)
P_DUAL_CHILD = 0.075
P_DUAL_TERM = 0.65
TERM_WEEKS = {"AUT": 14, "SPR": 12, "SUM": 12}

# ---------------------------------------------------------------- support (C1-C7)
CAT_LEVELS = ("universal", "targeted", "intensive")
VISIT_TYPES = ("learning_development", "welfare", "send_review", "targeted", "intensive")
# transition of the agreed level at a held visit, by visit type and current agreed level
AGREE = {
    "learning_development": ((0.891, 0.087, 0.022), (0.27, 0.66, 0.07), (0.05, 0.33, 0.62)),
    "welfare": ((0.891, 0.087, 0.022), (0.27, 0.66, 0.07), (0.05, 0.33, 0.62)),
    "targeted": ((0.90, 0.10, 0.00), (0.08, 0.87, 0.05), (0.00, 0.30, 0.70)),
    "intensive": ((0.60, 0.30, 0.10), (0.10, 0.60, 0.30), (0.02, 0.08, 0.90)),
}
INITIAL_CAT = (0.76, 0.19, 0.05)

_KIND = ("exceptional", "non_nef", "out_of_school", "challenge_gr4")
_FLAGS = (
    "registered_provider_or_home_ehcp",
    "known_to_psf_chair_supports",
    "nef_eligible",
    "receiving_gr4",
    "deferred_reception_entry",
    "delayed_reception_entry",
    "ehcp_in_place_or_in_process",
    "specialist_assessment_recommended",
)

_WORDS = (
    "Acorn",
    "Bluebell",
    "Bramble",
    "Buttercup",
    "Catkin",
    "Clover",
    "Daisy",
    "Elder",
    "Fern",
    "Foxglove",
    "Hazel",
    "Heather",
    "Holly",
    "Honeysuckle",
    "Ivy",
    "Juniper",
    "Kingfisher",
    "Lark",
    "Maple",
    "Meadow",
    "Oak",
    "Otter",
    "Owl",
    "Poppy",
    "Primrose",
    "Rowan",
    "Robin",
    "Rainbow",
    "Sparrow",
    "Squirrel",
    "Sunflower",
    "Teasel",
    "Thistle",
    "Willow",
    "Wren",
    "Yew",
)
_SUFFIX = {
    "childminder": ("Childminding",),
    "group_pvi": ("Nursery", "Pre-School", "Playgroup", "Day Nursery"),
    "school_based": ("School Nursery", "Primary Nursery Class"),
    "maintained_nursery_school": ("Nursery School",),
    "specialist": ("Specialist Nursery", "Assessment Nursery"),
}


# =================================================================== date and term helpers
def _d(s: str) -> int:
    return int(np.datetime64(s, "D").astype(np.int64))


_ASOF = int(AS_OF.astype(np.int64))
_VEND = int(VISITS_END.astype(np.int64))
_TERM_MONTH0 = np.array([0, 3, 8])  # SPR Jan, SUM Apr, AUT Sep (month index within year)
_TERM_NAME = np.array(["SPR", "SUM", "AUT"])
_TERM_AFTER = np.array([1, 1, 1, 2, 2, 2, 2, 2, 3, 3, 3, 3])  # by birth month 0..11


def _term_label(t: int) -> str:
    return f"{t // 3}-{_TERM_NAME[t % 3]}"


def _month_start(mi):
    """First day (days since epoch) of absolute month index ``year*12 + month0``."""
    mi = np.asarray(mi, dtype=np.int64)
    return (mi - 1970 * 12).astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)


def _term_start(t):
    t = np.asarray(t, dtype=np.int64)
    return _month_start(t // 3 * 12 + _TERM_MONTH0[t % 3])


def _term_end(t):
    return _term_start(np.asarray(t, dtype=np.int64) + 1) - 1


def _term_after(mi):
    """Absolute term index of the first term starting after birth-month ``mi`` (F6)."""
    mi = np.asarray(mi, dtype=np.int64)
    return mi // 12 * 3 + _TERM_AFTER[mi % 12]


# England bank holidays 2019-2027, and the Christmas closure (24 Dec - 1 Jan): no visit,
# inspection, panel or receipt falls on them
_BANK_HOLIDAYS = """
2019-04-19 2019-04-22 2019-05-06 2019-05-27 2019-08-26
2020-04-10 2020-04-13 2020-05-08 2020-05-25 2020-08-31
2021-04-02 2021-04-05 2021-05-03 2021-05-31 2021-08-30
2022-01-03 2022-04-15 2022-04-18 2022-05-02 2022-06-02 2022-06-03 2022-08-29 2022-09-19
2023-01-02 2023-04-07 2023-04-10 2023-05-01 2023-05-08 2023-05-29 2023-08-28
2024-03-29 2024-04-01 2024-05-06 2024-05-27 2024-08-26
2025-04-18 2025-04-21 2025-05-05 2025-05-26 2025-08-25
2026-04-03 2026-04-06 2026-05-04 2026-05-25 2026-08-31
2027-03-26 2027-03-29 2027-05-03 2027-05-31 2027-08-30
""".split()  # noqa: SIM905 (a table is easier to check than a list literal)
_HOLIDAYS = np.unique(
    np.concatenate(
        [
            np.array(_BANK_HOLIDAYS, dtype="datetime64[D]"),
            *[
                np.arange(f"{y}-12-24", f"{y + 1}-01-02", dtype="datetime64[D]")
                for y in range(2018, 2028)
            ],
        ]
    )
)


def _dd(day: int) -> np.datetime64:
    return np.datetime64(int(day), "D")


def _weekday(days, roll="forward"):
    """Move dates onto working days (Mon-Fri, not a bank holiday or the Christmas closure)."""
    days = np.asarray(days, dtype=np.int64)
    return np.busday_offset(days.astype("datetime64[D]"), 0, roll=roll, holidays=_HOLIDAYS).astype(
        np.int64
    )


def _to_dt(days, valid=None) -> pd.Series:
    arr = np.asarray(days, dtype=np.int64).astype("datetime64[D]").astype("datetime64[us]")
    if valid is not None:
        arr = arr.copy()
        arr[~np.asarray(valid, dtype=bool)] = np.datetime64("NaT")
    return pd.Series(arr)


WINDOW = np.arange(terms.index(FIRST_TERM), terms.index(LAST_TERM) + 1)
_W0 = int(_term_start(WINDOW[0]))


def _panel_dates() -> np.ndarray:
    months = np.arange(2023 * 12 + 5, 2027 * 12 + 3)
    first = _month_start(months).astype("datetime64[D]")
    return np.busday_offset(first, 1, roll="forward", weekmask="Tue", holidays=_HOLIDAYS).astype(
        np.int64
    )


PANELS = _panel_dates()


# =================================================================== small helpers
def _allocate(rng, n: int, shares, minimum: int = 0) -> np.ndarray:
    """Exactly-rounded category codes (largest remainder), shuffled; each category gets at
    least ``minimum`` (taken from the largest) when ``n`` allows."""
    shares = np.asarray(shares, dtype=float) / np.sum(shares)
    raw = shares * n
    counts = np.floor(raw).astype(np.int64)
    rest = n - counts.sum()
    order = np.argsort(-(raw - counts), kind="stable")
    counts[order[:rest]] += 1
    if n >= minimum * len(shares):
        short = np.maximum(minimum - counts, 0)
        counts += short
        counts[np.argmax(counts)] -= short.sum()
    codes = np.repeat(np.arange(len(shares)), counts)
    return rng.permutation(codes)


def _ids(prefix: str, numbers, min_width: int) -> np.ndarray:
    """``prefix`` + zero-padded number, vectorised; width grows with the largest number."""
    numbers = np.asarray(numbers, dtype=np.int64)
    top = int(numbers.max()) if numbers.size else 0
    width = max(min_width, len(str(top)))
    chars = np.empty((numbers.size, len(prefix) + width), dtype=np.uint8)
    chars[:, : len(prefix)] = np.frombuffer(prefix.encode(), dtype=np.uint8)
    for k in range(width):
        chars[:, len(prefix) + width - 1 - k] = 48 + (numbers // 10**k) % 10
    return chars.view(f"S{len(prefix) + width}").ravel().astype(f"U{len(prefix) + width}")


def _pick(rng, probs, size) -> np.ndarray:
    return rng.choice(len(probs), size=size, p=np.asarray(probs) / np.sum(probs))


def _rand_days(rng, lo, hi) -> np.ndarray:
    """Uniform integer day in [lo, hi] (inclusive), elementwise; hi < lo gives lo."""
    lo = np.asarray(lo, dtype=np.int64)
    hi = np.maximum(np.asarray(hi, dtype=np.int64), lo)
    return lo + np.floor(rng.random(np.broadcast(lo, hi).shape) * (hi - lo + 1)).astype(np.int64)


class _Sampler:
    """Draw settings proportionally to weights, within a district, fully vectorised."""

    def __init__(self, weights: np.ndarray, district: np.ndarray, n_districts: int):
        self.order = np.argsort(district, kind="stable")
        w = weights[self.order].astype(float)
        self.cs = np.cumsum(w)
        d_sorted = district[self.order]
        first = np.searchsorted(d_sorted, np.arange(n_districts), side="left")
        last = np.searchsorted(d_sorted, np.arange(n_districts), side="right") - 1
        self.first, self.last = first, last
        before = np.where(first > 0, self.cs[np.maximum(first - 1, 0)], 0.0)
        self.base = before
        self.total = np.where(last >= first, self.cs[np.maximum(last, 0)] - before, 0.0)

    def draw(self, rng, district: np.ndarray) -> np.ndarray:
        target = self.base[district] + rng.random(district.size) * self.total[district]
        pos = np.searchsorted(self.cs, target, side="right")
        pos = np.clip(pos, self.first[district], self.last[district])
        return self.order[pos]


# =================================================================== settings, inspections
def _build_settings(rng, scale: float) -> dict:
    n = max(12, int(round(BASE_SETTINGS * scale)))
    ptype = _allocate(rng, n, PROVIDER_SHARE, minimum=1)
    district = _allocate(rng, n, DISTRICT_SHARE, minimum=1)
    cap = np.array([CAPACITY[p] for p in PROVIDER_TYPES])[ptype]
    weight = cap * rng.lognormal(0.0, 0.45, n)
    weight[ptype == 0] = cap[ptype == 0] * rng.uniform(0.5, 1.5, (ptype == 0).sum())

    # Ofsted status: not yet inspected (recently registered childminders and group settings)
    can_be_new = ptype <= 1
    nyi = np.zeros(n, bool)
    n_nyi = int(round(NOT_INSPECTED_SHARE * can_be_new.sum()))
    nyi[rng.choice(np.flatnonzero(can_be_new), n_nyi, replace=False)] = True
    insp = np.flatnonzero(~nyi)
    judg = np.full(n, -1)
    judg[insp] = _allocate(rng, insp.size, JUDGEMENT_SHARE)
    opened = np.full(n, _d("2015-01-01"), dtype=np.int64)
    opened[nyi] = _weekday(_rand_days(rng, np.full(nyi.sum(), _d("2024-06-01")), _d("2026-09-01")))

    good = np.flatnonzero((judg >= 0) & (judg <= 1))
    n_imp = int(round(IMPROVING_SHARE * good.size))
    improving = np.zeros(n, bool)
    improving[rng.choice(good, n_imp, replace=False)] = True

    # latest inspection date
    latest = np.zeros(n, dtype=np.int64)
    u = rng.random(n)
    latest[:] = np.where(
        u < 0.15,
        _rand_days(rng, np.full(n, _d("2019-01-14")), _d("2020-03-13")),
        _rand_days(rng, np.full(n, _d("2020-09-14")), _d("2026-11-13")),
    )
    ri = judg == 2
    latest[ri] = _rand_days(rng, np.full(ri.sum(), _d("2025-06-02")), _d("2026-11-13"))
    ina = judg == 3
    latest[ina] = _rand_days(rng, np.full(ina.sum(), _d("2026-05-26")), _d("2026-11-13"))
    bad_date = _rand_days(rng, np.full(n, _d("2023-10-02")), _d("2025-10-31"))
    bad_j = np.where(rng.random(n) < 0.75, 2, 3)
    gap = np.where(
        bad_j == 2, _rand_days(rng, np.full(n, 150), 365), _rand_days(rng, np.full(n, 90), 180)
    )
    latest = np.where(improving, np.minimum(bad_date + gap, _d("2026-11-13")), latest)
    latest = _weekday(latest, "backward")
    bad_date = _weekday(bad_date, "forward")
    # an earlier good/outstanding inspection 3.5-5.5 years before, when after 2019
    prior = latest - _rand_days(rng, np.full(n, 1278), 2008)
    prior = np.where(improving, np.minimum(prior, bad_date - 400), prior)
    prior = _weekday(prior, "forward")
    has_prior = (~nyi) & (prior >= _d("2019-01-07")) & (rng.random(n) < 0.7)
    prior_j = np.where(rng.random(n) < 0.18, 0, 1)

    rows_s = np.concatenate(
        [np.flatnonzero(~nyi), np.flatnonzero(improving), np.flatnonzero(has_prior)]
    )
    rows_d = np.concatenate([latest[~nyi], bad_date[improving], prior[has_prior]])
    rows_j = np.concatenate([judg[~nyi], bad_j[improving], prior_j[has_prior]])
    o = np.lexsort((rows_d, rows_s))
    inspections = {"s": rows_s[o], "d": rows_d[o], "j": rows_j[o]}

    # in crisis now (a few; not specialist/school settings)
    cand = np.flatnonzero(~nyi & (ptype <= 1) & (judg <= 2))
    n_crisis = max(2, int(round(CRISIS_SHARE * n)))
    crisis = np.zeros(n, bool)
    crisis[rng.choice(cand, n_crisis, replace=False)] = True
    crisis_start = _weekday(
        _rand_days(rng, np.full(n, _d("2026-05-04")), _d("2026-11-06")), "forward"
    )

    nef = np.ones(n, bool)
    cand = np.flatnonzero((ptype <= 1) & ~crisis)
    nef[rng.choice(cand, int(round(NON_NEF_SHARE * n)), replace=False)] = False

    return {
        "n": n,
        "ptype": ptype,
        "district": district,
        "weight": weight,
        "nyi": nyi,
        "judg": judg,
        "latest": latest,
        "opened": opened,
        "crisis": crisis,
        "crisis_start": crisis_start,
        "nef": nef,
        "inspections": inspections,
    }


# =================================================================== children, attendance
def _build_children(rng, scale: float, S: dict) -> dict:
    n_set = S["n"]
    # birth months covering everyone funded in 2023-AUT .. 2026-AUT
    months = np.arange(2018 * 12 + 8, 2024 * 12 + 8)
    per_month = rng.poisson(BIRTHS_PER_MONTH * scale, months.size)
    # population in random order: ids are later given in this order, so they say nothing
    # about age, and rows built in index order come out sorted by id
    bmi = rng.permutation(np.repeat(months, per_month))
    n = bmi.size
    bm = bmi % 12

    dis = rng.random(n) < P_DISADVANTAGED
    lac = rng.random(n) < 0.0095
    dis |= lac
    eypp = lac | (dis & (rng.random(n) < 0.5)) | (~dis & (rng.random(n) < 0.02))
    takes2 = rng.random(n) < np.where(lac, 0.7, np.where(dis, P_TAKES_2[1], P_TAKES_2[0]))
    takes34 = takes2 | (rng.random(n) < P_TAKES_34)

    elig2 = _term_after(bmi + 24)
    elig34 = _term_after(bmi + 36)
    school = np.where(bm >= 8, (bmi // 12 + 5) * 3 + 2, (bmi // 12 + 4) * 3 + 2)
    csa = _term_after(bmi + 60)
    summer = (bm >= 3) & (bm <= 7)
    T = _pick(rng, P_TARGET_LEVEL, n).astype(np.int8)
    # deferred / delayed Reception entry: a few, more often with high need (X2 (1)-(2))
    p_defer = np.where(T >= 4, np.where(summer, 0.2, 0.1), np.where(summer, 0.025, 0.01))
    defer = rng.random(n) < p_defer
    delay2 = _pick(rng, (0.7, 0.2, 0.1), n)
    delay34 = _pick(rng, (0.80, 0.10, 0.06, 0.04), n)
    start = np.where(takes2, elig2 + delay2, np.where(takes34, elig34 + delay34, 10**6))
    end = np.where(defer, csa, school)
    end = np.minimum(end, start + rng.geometric(LEAVE_HAZARD, n))
    district = _pick(
        rng, np.bincount(S["district"], weights=S["weight"] * S["nef"], minlength=len(DISTRICTS)), n
    )

    u = rng.random(n)
    p_plan = np.array([0.0, 0.0, 0.0, 0.03, 0.50, 0.85])[T]
    p_ass = np.array([0.0, 0.0, 0.03, 0.15, 0.25, 0.12])[T]
    ehcp = np.where(u < p_plan, 2, np.where(u < p_plan + p_ass, 1, 0))
    specchild = (T >= 4) & (rng.random(n) < 0.3)
    specdual = rng.random(n) < 0.35
    dualc = rng.random(n) < P_DUAL_CHILD

    # setting samplers
    ptype = S["ptype"]
    w_main = S["weight"] * S["nef"] * (ptype != 4)
    w2_factor = np.array([1.0, 1.0, 0.15, 0.6, 0.0])[ptype]
    spec_sampler = _Sampler(S["weight"] * (ptype == 4), np.zeros(n_set, np.int64), 1)
    spec_setting = spec_sampler.draw(rng, np.zeros(n, np.int64))

    hp_vals = np.array([h for h, _ in HOURS_SINGLE])
    hp_probs = np.array([p for _, p in HOURS_SINGLE])
    hd_vals = np.array([h for h, _ in HOURS_DUAL])
    hd_probs = np.array([p for _, p in HOURS_DUAL])
    hp = _pick(rng, hp_probs, n)
    hd = _pick(rng, hd_probs, n)

    L = np.zeros(n, np.int8)
    Lfrom = np.zeros(n, np.int64)
    seen = np.zeros(n, bool)
    prim = np.full(n, -1, np.int64)
    sec = np.full(n, -1, np.int64)
    maxL = np.full(n, -1, np.int8)

    out = {k: [] for k in ("c", "s", "h", "lvl", "lf", "t", "main")}
    derived = {k: [] for k in ("c", "t", "kind", "panel", "dec", "s")}

    for t in WINDOW:
        ts, te = int(_term_start(t)), int(_term_end(t))
        te_eff = min(te, _ASOF)
        opened_now = S["opened"] <= ts + 45
        samp34 = _Sampler(w_main * opened_now, S["district"], len(DISTRICTS))
        samp2 = _Sampler(w_main * opened_now * w2_factor, S["district"], len(DISTRICTS))

        idx = np.flatnonzero((start <= t) & (t < end))
        k = idx.size
        a2 = t < elig34[idx]
        first = ~seen[idx]
        Tc, Lc = T[idx], L[idx]
        plan = ehcp[idx] == 2

        # ---- level (one per child per term); first term: how much of the need is known
        newL = Lc.copy()
        f = np.flatnonzero(first)
        est_f = start[idx[f]] < t  # funded before the window opened
        u = rng.random(f.size)
        a2f, planf, Tf = a2[f], plan[f], Tc[f]
        p_full = np.where(a2f, np.where(planf, 0.5, 0.1), np.where(est_f | planf, 0.75, 0.55))
        p_less = np.where(a2f, 0.12, 0.2)
        newL[f] = np.where(u < p_full, Tf, np.where(u < p_full + p_less, np.maximum(Tf - 1, 0), 0))
        # later terms: drift towards the target level, mostly stable, at most one step
        g = np.flatnonzero(~first)
        v = rng.random(g.size)
        Lg, Tg = Lc[g], Tc[g]
        toward = np.where(plan[g], 0.6, np.where(a2[g], 0.1, 0.35))
        step = np.zeros(g.size, np.int8)
        step[(Lg < Tg) & (v < toward)] = 1
        step[(Lg == Tg) & (Tg > 0) & (v < np.where(Tg == 4, 0.008, 0.015))] = 1
        step[(Lg == Tg) & (Tg > 0) & (v > 1 - np.where(Tg == 5, 0.01, 0.03))] = -1
        step[(Lg == Tg) & (Tg == 0) & (v < 0.004)] = 1
        step[(Lg > Tg) & (v < 0.35)] = -1
        newL[g] = np.clip(Lg + step, 0, 5)

        # ---- level_from: when the level took effect (never after the term end or AS_OF)
        lf = Lfrom[idx]
        fe = f[est_f]
        sd_fe = _term_start(start[idx[fe]])
        lf[fe] = np.where(newL[fe] == 0, sd_fe, _rand_days(rng, sd_fe, ts - 1))
        fn = f[~est_f]
        lf[fn] = np.where(newL[fn] == 0, ts, np.minimum(ts + rng.integers(0, 22, fn.size), te_eff))
        ch = g[newL[g] != Lg]
        lf[ch] = _rand_days(rng, np.full(ch.size, ts), te_eff)

        # moves to EXC (and some GR3 -> GR4) take effect on a panel decision date (X3)
        cand = np.concatenate([fn[newL[fn] == 5], ch[newL[ch] == 5]])
        chal = ch[(Lc[ch] == 3) & (newL[ch] == 4)]
        chal = chal[rng.random(chal.size) < 0.35]
        a = np.concatenate([cand, chal])
        lo = np.searchsorted(PANELS, ts)
        hi = np.searchsorted(PANELS, te_eff - 10, side="right")
        if hi > lo and a.size:
            p = PANELS[lo + np.floor(rng.random(a.size) * (hi - lo)).astype(np.int64)]
            late = np.where(rng.random(a.size) < 0.75, 0, rng.integers(1, 11, a.size))
            dec = _weekday(np.minimum(p + late, te_eff), "backward")
            lf[a] = dec
            derived["c"].append(idx[a])
            derived["t"].append(np.full(a.size, t))
            derived["kind"].append(np.r_[np.zeros(cand.size, np.int64), np.full(chal.size, 3)])
            derived["panel"].append(p)
            derived["dec"].append(dec)
        else:
            a = np.zeros(0, np.int64)

        L[idx], Lfrom[idx] = newL, lf
        maxL[idx] = np.maximum(maxL[idx], newL)

        # ---- settings: a main setting kept between terms, sometimes changed
        p_new = prim[idx]
        switch = first | (rng.random(k) < np.where(t == elig34[idx], 0.2, 0.04)) | (p_new < 0)
        sw2 = np.flatnonzero(switch & a2)
        sw34 = np.flatnonzero(switch & ~a2)
        p_new[sw2] = samp2.draw(rng, district[idx[sw2]])
        p_new[sw34] = samp34.draw(rng, district[idx[sw34]])
        prim[idx] = p_new

        spec_row = specchild[idx] & (newL >= 4)
        main_s = np.where(spec_row, spec_setting[idx], p_new)

        # hours: persistent pattern, re-drawn now and then
        redraw = idx[rng.random(k) < 0.1]
        hp[redraw] = _pick(rng, hp_probs, redraw.size)
        hd[redraw] = _pick(rng, hd_probs, redraw.size)
        h_single = hp_vals[hp[idx]]
        h_single = np.where(a2, np.minimum(h_single, 15.0), h_single)

        dual = dualc[idx] & (rng.random(k) < P_DUAL_TERM) & ~spec_row
        # second setting: persistent, different from the first
        s_new = sec[idx]
        need = dual & ((s_new < 0) | (s_new == p_new) | (rng.random(k) < 0.1))
        nd = np.flatnonzero(need)
        for _ in range(6):
            if nd.size == 0:
                break
            d_nd = district[idx[nd]]
            s_new[nd] = np.where(a2[nd], samp2.draw(rng, d_nd), samp34.draw(rng, d_nd))
            nd = nd[s_new[nd] == p_new[nd]]
        sec[idx] = s_new
        dual &= s_new != p_new

        main_h = h_single
        sp = np.flatnonzero(spec_row)
        main_h[sp] = np.where(rng.random(sp.size) < 0.8, 15.0, 10.0)
        dj = np.flatnonzero(dual)
        pair = hd_vals[hd[idx[dj]]]
        small = np.where(rng.random(dj.size) < 0.5, 2, 3)  # (10,5) or (7.5,7.5) at age 2
        pair = np.where((a2[dj] & (pair.sum(1) > 15.0))[:, None], hd_vals[small], pair)
        main_h[dj] = pair[:, 0]
        sj = sp[specdual[idx[sp]]]  # at a specialist setting and a mainstream one
        j = np.concatenate([dj, sj])
        sec_s = np.concatenate([s_new[dj], p_new[sj]])
        sec_h = np.concatenate([pair[:, 1], np.where(rng.random(sj.size) < 0.5, 15.0, 10.0)])

        out["c"] += [idx.astype(np.int32), idx[j].astype(np.int32)]
        out["s"] += [main_s.astype(np.int32), sec_s.astype(np.int32)]
        out["h"] += [main_h.astype(np.float32), sec_h.astype(np.float32)]
        out["lvl"] += [newL, newL[j]]
        out["lf"] += [lf.astype(np.int32), lf[j].astype(np.int32)]
        out["t"] += [np.full(k, t, np.int32), np.full(j.size, t, np.int32)]
        out["main"] += [np.ones(k, bool), np.zeros(j.size, bool)]
        if a.size:
            derived["s"].append(main_s[a])
        seen[idx] = True

    rows = {key: np.concatenate(v) for key, v in out.items()}
    der = {key: (np.concatenate(v) if v else np.zeros(0, np.int64)) for key, v in derived.items()}

    known = (
        (maxL >= 3) | ((maxL == 2) & (rng.random(n) < 0.5)) | ((maxL == 1) & (rng.random(n) < 0.03))
    )
    return {
        "n": n,
        "bmi": bmi,
        "eypp": eypp,
        "lac": lac,
        "ehcp": ehcp,
        "known": known,
        "defer": defer,
        "summer": summer,
        "school": school,
        "csa": csa,
        "elig34": elig34,
        "rows": rows,
        "derived": der,
        "district": district,
    }


# =================================================================== visits, categorisations
def _build_support(rng, S: dict) -> tuple[dict, dict]:
    n = S["n"]
    opened = S["opened"]
    # ---- cycle visits (C5-C7)
    parts_s, parts_type, parts_plan = [], [], []
    for ry in range(2023, 2027):
        y0, y1 = _d(f"{ry}-09-08"), _d(f"{ry + 1}-07-24")
        ld = _rand_days(rng, np.full(n, y0), y0 + 172)
        ld = np.maximum(ld, opened + 30)
        ok = ld <= _d(f"{ry + 1}-07-01")
        wf = np.minimum(ld + np.round(rng.normal(182, 12, n)).astype(np.int64), y1)
        wf = np.maximum(wf, ld + 60)
        sr_ok = ok & (rng.random(n) < 0.15)
        sr = np.maximum(
            _rand_days(rng, np.full(n, _d(f"{ry}-10-01")), _d(f"{ry + 1}-06-26")), opened + 30
        )
        s = np.arange(n)
        parts_s += [s[ok], s[ok], s[sr_ok]]
        parts_type += [
            np.zeros(ok.sum(), np.int64),
            np.ones(ok.sum(), np.int64),
            np.full(sr_ok.sum(), 2),
        ]
        parts_plan += [ld[ok], wf[ok], sr[sr_ok]]
    cs = np.concatenate(parts_s)
    ctype = np.concatenate(parts_type)
    cplan = _weekday(np.concatenate(parts_plan), "forward")
    keep = cplan <= _VEND
    cs, ctype, cplan = cs[keep], ctype[keep], cplan[keep]
    m = cs.size

    u = rng.random(m)
    status = np.where(u < 0.85, 0, np.where(u < 0.93, 1, 2))  # on time, late, missing
    ontime = cplan - 14 - np.minimum(np.floor(rng.exponential(6.0, m)).astype(np.int64), 45)
    late = cplan - rng.integers(0, 14, m) + np.where(rng.random(m) < 0.3, rng.integers(1, 8, m), 0)
    received = _weekday(np.where(status == 0, ontime, late), "backward")
    has_audit = (status < 2) & (received <= _ASOF)

    lat_u = rng.random(m)
    lateness = np.where(
        lat_u < 0.6, 0, np.where(lat_u < 0.88, rng.integers(1, 15, m), rng.integers(15, 46, m))
    )
    held = cplan + lateness
    is_ld = ctype == 0
    held = np.where(
        is_ld & (status == 1), np.maximum(cplan, received + 14) + rng.integers(0, 8, m), held
    )
    held = _weekday(held, "forward")
    p_hold = np.where(is_ld, np.where(has_audit, 0.95, 0.0), np.where(has_audit, 0.93, 0.85))
    is_held = (cplan <= _ASOF) & (rng.random(m) < p_hold) & (held <= _ASOF)
    c_agreed = np.full(m, -1, np.int8)

    # ---- emergency visits for settings in crisis
    cr = np.flatnonzero(S["crisis"])
    cr_day = S["crisis_start"][cr]

    # ---- Ofsted events in the window
    ins = S["inspections"]
    sel = (ins["d"] >= _W0) & (ins["d"] <= _ASOF)
    o_s, o_d, o_j = ins["s"][sel], ins["d"][sel], ins["j"][sel]

    # ---- precomputed events: kind 0 ofsted, 1 crisis, 2 LD, 3 welfare
    ev_s = np.concatenate([o_s, cr, cs[is_held & (ctype < 2)]])
    ev_d = np.concatenate([o_d, cr_day, held[is_held & (ctype < 2)]])
    ev_k = np.concatenate(
        [np.zeros(o_s.size, np.int64), np.ones(cr.size, np.int64), 2 + ctype[is_held & (ctype < 2)]]
    )
    ev_ref = np.concatenate([o_j, np.arange(cr.size), np.flatnonzero(is_held & (ctype < 2))])
    ev_m = ev_d.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)

    agree = np.zeros((6, 3, 3))
    for kk, name in (
        (2, "learning_development"),
        (3, "welfare"),
        (4, "targeted"),
        (5, "intensive"),
    ):
        agree[kk] = np.cumsum(np.array(AGREE[name]), axis=1)
    agree[..., 2] = 1.0

    agreed = _pick(rng, INITIAL_CAT, n).astype(np.int8)
    agreed[S["nyi"]] = np.where(rng.random(S["nyi"].sum()) < 0.7, 0, 1)
    override = np.zeros(n, bool)
    in_crisis = np.zeros(n, bool)
    cat_s = [np.arange(n)]
    cat_d = [np.maximum(opened, _W0)]
    cat_l = [agreed.copy()]
    cat_r = [np.where(opened > _W0, 1, 0)]
    g_s, g_type, g_plan, g_held, g_isheld, g_agreed = [], [], [], [], [], []
    tv_done = np.zeros(n, bool)

    months = np.arange(2023 * 12 + 8, 2026 * 12 + 12)
    for mi in months:
        m0 = int(_month_start(mi))
        m1 = int(_month_start(mi + 1)) - 1
        is_open = opened <= m0
        eff = np.where(override, 2, agreed)
        # ---- targeted (>= 1 a term) and intensive (monthly) visits planned from the state now
        month0 = mi % 12
        if month0 in (0, 3, 8):
            tv_done[:] = False
        term_last_month0 = {
            0: 2,
            1: 2,
            2: 2,
            3: 7,
            4: 7,
            5: 7,
            6: 7,
            7: 7,
            8: 11,
            9: 11,
            10: 11,
            11: 11,
        }[month0]
        left = term_last_month0 - month0 + 1
        r = rng.random(n)
        tgt = is_open & (eff == 1) & ((~tv_done & (r < 1.0 / left)) | (tv_done & (r < 0.05)))
        tv_done |= tgt
        inten = is_open & (eff == 2)
        new_s = np.concatenate([np.flatnonzero(tgt), np.flatnonzero(inten)])
        new_t = np.concatenate([np.full(tgt.sum(), 3), np.full(inten.sum(), 4)])
        q = new_s.size
        # planned on a working day of the month, not in its last two working days
        n_work = int(np.busday_count(_dd(m0), _dd(m1 + 1), holidays=_HOLIDAYS))
        first_work = np.busday_offset(_dd(m0), 0, roll="forward", holidays=_HOLIDAYS)
        offset = rng.integers(0, max(n_work - 2, 1), q)
        plan = np.busday_offset(first_work, offset, holidays=_HOLIDAYS).astype(np.int64)
        h = np.minimum(plan + np.where(rng.random(q) < 0.7, 0, rng.integers(1, 6, q)), m1)
        h = np.maximum(_weekday(h, "backward"), plan)
        ph = np.where(new_t == 3, 0.93, 0.85)
        hh = (rng.random(q) < ph) & (h <= _ASOF)
        gagreed = np.full(q, -1, np.int8)

        # ---- all events of the month, in date order per setting
        pre = np.flatnonzero(ev_m == mi - 1970 * 12)
        gi = np.flatnonzero(hh)
        es = np.concatenate([ev_s[pre], new_s[gi]])
        ed = np.concatenate([ev_d[pre], h[gi]])
        ek = np.concatenate([ev_k[pre], 1 + new_t[gi]])  # 4 targeted, 5 intensive
        eref = np.concatenate([ev_ref[pre], gi])
        if es.size:
            o = np.lexsort((ek, ed, es))
            es, ed, ek, eref = es[o], ed[o], ek[o], eref[o]
            firsts = np.r_[True, es[1:] != es[:-1]]
            grp = np.cumsum(firsts) - 1
            rank = np.arange(es.size) - np.flatnonzero(firsts)[grp]
            for rk in range(int(rank.max()) + 1):
                z = np.flatnonzero(rank == rk)
                s, dte, kd, ref = es[z], ed[z], ek[z], eref[z]
                before = np.where(override[s], 2, agreed[s])
                # Ofsted
                ofs = kd == 0
                override[s[ofs]] = ref[ofs] >= 2
                # crisis: emergency intensive visit agreeing intensive
                crs = kd == 1
                in_crisis[s[crs]] = True
                # visits
                vis = kd >= 2
                cur = agreed[s]
                cum = agree[kd, cur]
                new = (rng.random(z.size)[:, None] > cum[:, :2]).sum(1).astype(np.int8)
                new = np.where(override[s] | in_crisis[s], 2, new)
                nv = np.where(vis | crs, new, cur).astype(np.int8)
                agreed[s] = nv
                after = np.where(override[s], 2, agreed[s])
                cyc = (kd == 2) | (kd == 3)
                c_agreed[ref[cyc]] = nv[cyc]
                gen = kd >= 4
                gagreed[ref[gen]] = nv[gen]
                chg = after != before
                reason = np.where(
                    ofs, 7 + np.where(ref >= 2, ref - 2, ref + 2), np.where(crs, 6, kd)
                )
                cat_s.append(s[chg])
                cat_d.append(dte[chg])
                cat_l.append(after[chg])
                cat_r.append(reason[chg])
        g_s.append(new_s)
        g_type.append(new_t)
        g_plan.append(plan)
        g_held.append(h)
        g_isheld.append(hh)
        g_agreed.append(gagreed)

    # ---- visits table arrays
    gs = np.concatenate(g_s)
    v = {
        "s": np.concatenate([cs, cr, gs]),
        "type": np.concatenate([ctype, np.full(cr.size, 4), np.concatenate(g_type)]),
        "plan": np.concatenate([cplan, cr_day, np.concatenate(g_plan)]),
        "held": np.concatenate([held, cr_day, np.concatenate(g_held)]),
        "is_held": np.concatenate([is_held, np.ones(cr.size, bool), np.concatenate(g_isheld)]),
        "audit": np.concatenate([received, np.zeros(cr.size + gs.size, np.int64)]),
        "has_audit": np.concatenate([has_audit, np.zeros(cr.size + gs.size, bool)]),
        "agreed": np.concatenate(
            [c_agreed, np.full(cr.size, 2, np.int8), np.concatenate(g_agreed)]
        ),
    }
    c = {
        "s": np.concatenate(cat_s),
        "d": np.concatenate(cat_d),
        "l": np.concatenate(cat_l),
        "r": np.concatenate(cat_r),
    }
    return v, c


_REASONS = np.array(
    [
        "initial categorisation (carried forward from 2022-23 review)",
        "initial categorisation (new setting)",
        "agreed at learning_development visit",
        "agreed at welfare visit",
        "agreed at targeted visit",
        "agreed at intensive visit",
        "setting in crisis",
        "Ofsted requires_improvement",
        "Ofsted inadequate",
        "Ofsted outstanding",
        "Ofsted good",
    ]
)


# =================================================================== panel applications
def _next_panel(rng, received: np.ndarray) -> np.ndarray:
    i = np.searchsorted(PANELS, received + 14)
    skip = (rng.random(received.size) < 0.15) & (
        PANELS[np.minimum(i + 1, PANELS.size - 1)] <= received + 56
    )
    return PANELS[np.minimum(i + skip, PANELS.size - 1)]


def _build_panel(rng, scale: float, S: dict, C: dict) -> tuple[dict, dict]:
    R = C["rows"]
    D = C["derived"]
    main = np.flatnonzero(R["main"])
    rc, rt = R["c"][main].astype(np.int64), R["t"][main].astype(np.int64)
    rl, rs = R["lvl"][main].astype(np.int64), R["s"][main].astype(np.int64)

    parts = []  # dicts with c, s, t, kind, received, panel, decision, dec_date, award

    # derived approvals (already reflected in attendance levels)
    nd = D["c"].size
    if nd:
        parts.append(
            {
                "c": D["c"],
                "s": D["s"],
                "t": D["t"],
                "kind": D["kind"],
                "received": _weekday(D["panel"] - rng.integers(14, 50, nd), "backward"),
                "panel": D["panel"],
                "dec": np.full(nd, 1),
                "dec_date": D["dec"],
                "award": np.where(D["kind"] == 0, 5, 4),
            }
        )

    def sample_rows(mask, count):
        cand = np.flatnonzero(mask)
        if cand.size == 0 or count <= 0:
            return np.zeros(0, np.int64)
        return np.sort(rng.choice(cand, min(count, cand.size), replace=False))

    def received_in_term(t, recent):
        ts = _term_start(t)
        te = np.minimum(_term_end(t), _ASOF - 3)
        r = _rand_days(rng, ts, te)
        if recent:
            r = _rand_days(rng, np.full(t.size, _ASOF - 32), _ASOF - 3)
        return _weekday(r, "backward")

    def other(kind, mask, count, dec_p, recent=False):
        pick = sample_rows(mask, count)
        k = pick.size
        if k == 0:
            return
        rec = received_in_term(rt[pick], recent)
        panel = _next_panel(rng, rec)
        dec = _pick(rng, dec_p, k) + 1  # 1 approved .. 4 withdrawn
        dd = _weekday(panel + np.where(rng.random(k) < 0.75, 0, rng.integers(1, 11, k)), "backward")
        award = np.where(dec == 1, rl[pick], -1)
        parts.append(
            {
                "c": rc[pick],
                "s": rs[pick],
                "t": rt[pick],
                "kind": np.full(k, kind),
                "received": rec,
                "panel": panel,
                "dec": dec,
                "dec_date": dd,
                "award": award,
            }
        )

    last = rt == WINDOW[-1]
    # exceptional applications not approved: mostly children at GR4, some not (missing X1 d)
    other(0, rl == 4, int(round(45 * scale)), (0.0, 0.5, 0.3, 0.2))
    other(0, rl == 3, int(round(8 * scale)), (0.0, 0.7, 0.2, 0.1))
    other(3, rl == 3, int(round(30 * scale)), (0.0, 0.6, 0.2, 0.2))
    other(2, rl >= 2, int(round(32 * scale)), (0.6, 0.2, 0.1, 0.1))
    # recent ones, mostly still pending
    other(0, last & (rl == 4), max(2, int(round(5 * scale))), (0.0, 0.5, 0.3, 0.2), recent=True)
    other(3, last & (rl == 3), max(1, int(round(3 * scale))), (0.0, 0.6, 0.2, 0.2), recent=True)
    other(2, last & (rl >= 2), max(1, int(round(2 * scale))), (0.6, 0.2, 0.1, 0.1), recent=True)

    # non-NEF (0-5 not accessing NEF): new children, under 2 or at a non-NEF setting
    k = max(3, int(round(45 * scale)))
    rec = _weekday(_rand_days(rng, np.full(k, _W0 + 7), _ASOF - 3), "backward")
    rec_m = rec.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64) + 1970 * 12
    under2 = rng.random(k) < 0.7
    age = np.where(under2, rng.integers(6, 24, k), rng.integers(24, 48, k))
    nn_bmi = rec_m - age
    non_nef = np.flatnonzero(~S["nef"])
    young_ok = np.flatnonzero(S["nef"] & (S["ptype"] <= 1))
    nn_set = np.where(
        under2 | (non_nef.size == 0),
        rng.choice(young_ok, k),
        rng.choice(non_nef if non_nef.size else young_ok, k),
    )
    nn_c = C["n"] + np.arange(k)
    panel = _next_panel(rng, rec)
    dec = _pick(rng, (0.65, 0.15, 0.1, 0.1), k) + 1
    dd = _weekday(panel + np.where(rng.random(k) < 0.75, 0, rng.integers(1, 11, k)), "backward")
    parts.append(
        {
            "c": nn_c,
            "s": nn_set,
            "t": np.zeros(k, np.int64),
            "kind": np.full(k, 1),
            "received": rec,
            "panel": panel,
            "dec": dec,
            "dec_date": dd,
            "award": np.where(dec == 1, _pick(rng, (0.3, 0.4, 0.3), k) + 2, -1),
        }
    )
    u = rng.random(k)
    extra = {
        "bmi": nn_bmi,
        "eypp": np.zeros(k, bool),
        "lac": rng.random(k) < 0.03,
        "ehcp": np.where(u < 0.15, 2, np.where(u < 0.4, 1, 0)),
        "known": rng.random(k) < 0.6,
    }

    P = {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}
    m = P["c"].size
    # pending while the panel or the decision is after AS_OF
    pending = (P["panel"] > _ASOF) | (P["dec_date"] > _ASOF)
    P["dec"] = np.where(pending, 0, P["dec"])
    P["award"] = np.where(P["dec"] == 1, P["award"], -1)
    P["pending"] = pending

    # ---- criteria flags (X1-X2), from the child's facts
    is_new = P["c"] >= C["n"]
    cc = np.minimum(P["c"], C["n"] - 1)
    known_all = np.concatenate([C["known"], extra["known"]])
    ehcp_all = np.concatenate([C["ehcp"], extra["ehcp"]])
    approved_exc = (P["kind"] == 0) & (P["dec"] == 1)
    exc = P["kind"] == 0
    reg = np.ones(m, bool)
    chair = known_all[P["c"]] & (rng.random(m) < 0.92)
    nefel = P["kind"] != 1
    t_app = np.where(is_new, 0, P["t"])
    # level when applying: the term's level; a derived approval was made while at GR4 (EXC)
    # or GR3 (challenge), the level before the decision
    key_rows = rc * 1000 + rt
    order = np.argsort(key_rows)
    ks = key_rows[order]
    q = P["c"] * 1000 + t_app
    pos = np.clip(np.searchsorted(ks, q), 0, max(ks.size - 1, 0))
    lvl_now = np.where((ks[pos] == q) & ~is_new, rl[order][pos], -1)
    is_derived = np.zeros(m, bool)
    is_derived[:nd] = True
    lvl_now = np.where(is_derived, np.where(P["kind"] == 0, 4, 3), lvl_now)
    gr4 = lvl_now >= 4
    in_reception_year = ~is_new & (t_app >= C["school"][cc])
    deferred = in_reception_year & C["defer"][cc] & ~C["summer"][cc]
    delayed = in_reception_year & C["defer"][cc] & C["summer"][cc]
    ehcp_flag = ehcp_all[P["c"]] >= 1
    spec_rec = rng.random(m) < 0.12

    # exceptional, not approved: a third miss one of X1 (a)-(c)
    miss = exc & ~approved_exc & (rng.random(m) < 0.35)
    which = rng.integers(0, 3, m)
    reg &= ~(miss & (which == 0))
    chair &= ~(miss & (which == 1))
    nefel &= ~(miss & (which == 2))
    # approved exceptional meet every X1 criterion and at least one X2 criterion
    reg |= approved_exc
    chair |= approved_exc
    nefel |= approved_exc
    gr4 |= approved_exc
    none_x2 = ~(deferred | delayed | ehcp_flag | spec_rec)
    spec_rec |= approved_exc & none_x2
    P["flags"] = np.stack([reg, chair, nefel, gr4, deferred, delayed, ehcp_flag, spec_rec])
    # an approved exceptional child must be known to the Pre-School Forum
    known_all[P["c"][approved_exc]] = True
    C["known"] = known_all[: C["n"]]
    extra["known"] = known_all[C["n"] :]
    return P, extra


# =================================================================== assembly
def build(seed: int = DEFAULT_SEED, scale: float = 1.0) -> dict[str, pd.DataFrame]:
    """Build the sample county: seven tables keyed by name (see module docstring).

    Deterministic for a given ``(seed, scale)``. ``scale`` multiplies the number of settings
    and children without changing the shape (``scale=166`` is roughly England).
    """
    if scale <= 0:
        raise ValueError("scale must be positive")
    rng = np.random.default_rng(seed)
    S = _build_settings(rng, scale)
    C = _build_children(rng, scale, S)
    V, K = _build_support(rng, S)
    P, extra = _build_panel(rng, scale, S, C)
    return _assemble(rng, S, C, V, K, P, extra)


def _assemble(rng, S, C, V, K, P, extra) -> dict[str, pd.DataFrame]:
    n_set = S["n"]
    set_ids = _ids("S", np.arange(1, n_set + 1), 4)
    ptype = np.array(PROVIDER_TYPES)[S["ptype"]]
    word = np.array(_WORDS)[rng.integers(0, len(_WORDS), n_set)]
    suffix_pick = rng.random(n_set)
    suffix = np.empty(n_set, dtype=object)
    for code, name in enumerate(PROVIDER_TYPES):
        sel = S["ptype"] == code
        opts = np.array(_SUFFIX[name])
        suffix[sel] = opts[np.floor(suffix_pick[sel] * len(opts)).astype(np.int64)]
    names = (
        pd.Series(word)
        + " "
        + pd.Series(suffix.astype(str))
        + " "
        + pd.Series(np.arange(1, n_set + 1)).astype(str)
    )
    judg_names = np.array(JUDGEMENTS + ("not_yet_inspected",))
    settings = pd.DataFrame(
        {
            "setting_id": pd.Series(set_ids, dtype="str"),
            "name": names.astype("str"),
            "provider_type": pd.Series(ptype, dtype="str"),
            "district": pd.Series(np.array(DISTRICTS)[S["district"]], dtype="str"),
            "ofsted_judgement": pd.Series(
                judg_names[np.where(S["nyi"], 4, S["judg"])], dtype="str"
            ),
            "ofsted_date": _to_dt(S["latest"], ~S["nyi"]),
            "in_crisis": S["crisis"],
            "nef_registered": S["nef"],
        }
    )

    ins = S["inspections"]
    inspections = pd.DataFrame(
        {
            "setting_id": pd.Series(set_ids[ins["s"]], dtype="str"),
            "inspection_date": _to_dt(ins["d"]),
            "judgement": pd.Series(np.array(JUDGEMENTS)[ins["j"]], dtype="str"),
        }
    )

    # ---- children: those with attendance plus the non-NEF applicants; pseudonymous ids
    R = C["rows"]
    has_rows = np.zeros(C["n"], bool)
    has_rows[R["c"]] = True
    n_extra = extra["bmi"].size
    kept = np.flatnonzero(has_rows)
    keep = np.concatenate([kept, C["n"] + np.arange(n_extra)])
    n_child = keep.size
    # id numbers follow the (random) population order; the non-NEF applicants are slotted in
    # at random places, so the numbering stays monotone in population order
    slot = np.concatenate([np.arange(kept.size, dtype=float), rng.uniform(0, kept.size, n_extra)])
    kk = keep[np.argsort(slot, kind="stable")]  # population index of id number 0, 1, ...
    num = np.full(C["n"] + n_extra, -1, np.int64)
    num[kk] = np.arange(n_child)
    child_ids = pd.Index(_ids("C", np.arange(1, n_child + 1), 6), dtype="str")
    bmi_all = np.concatenate([C["bmi"], extra["bmi"]])
    uniq_m, inv_m = np.unique(bmi_all[kk], return_inverse=True)
    bm_str = pd.Series(
        pd.Categorical.from_codes(
            inv_m, categories=(uniq_m - 1970 * 12).astype("datetime64[M]").astype(str)
        )
    ).astype("str")

    def cat(field):
        return np.concatenate([C[field], extra[field]])[kk]

    ehcp_names = np.array(["none", "assessment", "plan"])
    children = pd.DataFrame(
        {
            "child_id": pd.Series(child_ids),
            "birth_month": bm_str,
            "eypp_eligible": cat("eypp"),
            "looked_after": cat("lac"),
            "ehcp_status": pd.Series(ehcp_names[cat("ehcp")], dtype="str"),
            "known_to_psf": cat("known"),
        }
    )

    # ---- attendance
    cnum = num[R["c"]]
    # rows are already in term order and, within a term, in two runs sorted by child: a
    # stable sort on one combined key merges them cheaply
    key = ((R["t"].astype(np.int64) - WINDOW[0]) * n_child + cnum) * n_set + R["s"]
    o = np.argsort(key, kind="stable")
    del key
    terms = [_term_label(t) for t in WINDOW]
    weeks = np.array([TERM_WEEKS[_TERM_NAME[t % 3]] for t in WINDOW])
    tpos = R["t"][o] - WINDOW[0]
    lf = R["lf"][o]
    attendance = pd.DataFrame(
        {
            "child_id": pd.Categorical.from_codes(cnum[o], categories=child_ids),
            "setting_id": pd.Categorical.from_codes(
                R["s"][o], categories=pd.Index(set_ids, dtype="str")
            ),
            "term": pd.Categorical.from_codes(tpos, categories=pd.Index(terms, dtype="str")),
            "hours_per_week": np.round(R["h"][o].astype(np.float64), 2),
            "weeks": weeks[tpos].astype(np.int64),
            "level": pd.Categorical.from_codes(
                R["lvl"][o].astype(np.int64), categories=pd.Index(LEVELS, dtype="str")
            ),
            "level_from": _to_dt(lf),
        }
    )

    # ---- visits
    # two visits held the same day at one setting record the level agreed after both (the
    # later in processing order, which follows the visit type order)
    agreed_all = np.where(V["is_held"] & (V["type"] != 2), V["agreed"].astype(np.int64), -1)
    va = pd.DataFrame({"s": V["s"], "h": V["held"], "t": V["type"], "a": agreed_all})
    va = va[va["a"] >= 0].sort_values(["s", "h", "t"], kind="stable")
    agreed_all[va.index.to_numpy()] = va.groupby(["s", "h"])["a"].transform("last").to_numpy()
    o = np.lexsort((V["type"], V["s"], V["plan"]))
    nv = o.size
    agreed = agreed_all[o]
    vt = V["type"][o]
    visits = pd.DataFrame(
        {
            "visit_id": pd.Series(_ids("V", np.arange(1, nv + 1), 6), dtype="str"),
            "setting_id": pd.Series(set_ids[V["s"][o]], dtype="str"),
            "visit_type": pd.Series(np.array(VISIT_TYPES)[vt], dtype="str"),
            "planned_date": _to_dt(V["plan"][o]),
            "held_date": _to_dt(V["held"][o], V["is_held"][o]),
            "self_audit_received": _to_dt(V["audit"][o], V["has_audit"][o]),
            "level_agreed": pd.Series(
                np.where(agreed >= 0, np.array(CAT_LEVELS)[np.maximum(agreed, 0)], None),
                dtype="str",
            ),
        }
    )

    # ---- categorisations: one row per change of the effective level
    ck = pd.DataFrame(
        {
            "s": K["s"],
            "d": K["d"],
            "l": K["l"].astype(np.int64),
            "r": K["r"],
            "i": np.arange(K["s"].size),
        }
    )
    ck = ck.sort_values(["s", "d", "i"], kind="stable").drop_duplicates(["s", "d"], keep="last")
    prev = ck.groupby("s")["l"].shift()
    ck = ck[prev.isna() | (prev != ck["l"])]
    categorisations = pd.DataFrame(
        {
            "setting_id": pd.Series(set_ids[ck["s"].to_numpy()], dtype="str"),
            "effective_date": _to_dt(ck["d"].to_numpy()),
            "level": pd.Series(np.array(CAT_LEVELS)[ck["l"].to_numpy()], dtype="str"),
            "reason": pd.Series(_REASONS[ck["r"].to_numpy()], dtype="str"),
        }
    ).reset_index(drop=True)

    # ---- panel applications
    o = np.lexsort((P["kind"], num[P["c"]], P["received"]))
    na = o.size
    dec_names = np.array(["pending", "approved", "declined", "deferred", "withdrawn"])
    award = P["award"][o]
    panel = {
        "application_id": pd.Series(_ids("A", np.arange(1, na + 1), 5), dtype="str"),
        "child_id": pd.Series(child_ids[num[P["c"][o]]], dtype="str"),
        "setting_id": pd.Series(set_ids[P["s"][o]], dtype="str"),
        "kind": pd.Series(np.array(_KIND)[P["kind"][o]], dtype="str"),
        "received_date": _to_dt(P["received"][o]),
        "panel_date": _to_dt(P["panel"][o]),
        "decision": pd.Series(dec_names[P["dec"][o]], dtype="str"),
        "awarded_level": pd.Series(
            np.where(award >= 0, np.array(LEVELS)[np.maximum(award, 0)], None), dtype="str"
        ),
        "decision_date": _to_dt(P["dec_date"][o], P["dec"][o] > 0),
    }
    for i, flag in enumerate(_FLAGS):
        panel[flag] = P["flags"][i][o]
    panel_applications = pd.DataFrame(panel)

    return {
        "settings": settings,
        "inspections": inspections,
        "children": children,
        "attendance": attendance,
        "visits": visits,
        "categorisations": categorisations,
        "panel_applications": panel_applications,
    }


# =================================================================== files
_SORT_KEYS = {
    "settings": ["setting_id"],
    "inspections": ["setting_id", "inspection_date"],
    "children": ["child_id"],
    "attendance": ["term", "child_id", "setting_id"],
    "visits": ["visit_id"],
    "categorisations": ["setting_id", "effective_date"],
    "panel_applications": ["application_id"],
}


def _render(df: pd.DataFrame) -> pd.DataFrame:
    out = {}
    for col in df.columns:
        s = df[col]
        if pd.api.types.is_bool_dtype(s):
            out[col] = np.where(s.to_numpy(), "true", "false")
        elif pd.api.types.is_datetime64_any_dtype(s):
            days = s.to_numpy().astype("datetime64[D]")
            uniq, inv = np.unique(days, return_inverse=True)
            txt = np.where(np.isnat(uniq), "", np.datetime_as_string(uniq, unit="D"))
            out[col] = txt[inv]
        elif pd.api.types.is_float_dtype(s):
            uniq, inv = np.unique(s.to_numpy(), return_inverse=True)
            out[col] = np.array([f"{x:.15g}" for x in uniq], dtype=object)[inv]
        else:
            vals = s.astype(object)
            out[col] = vals.where(s.notna(), "").astype(str).to_numpy()
    return pd.DataFrame(out, columns=df.columns)


def write(tables: dict[str, pd.DataFrame], out_dir: Path) -> list[Path]:
    """Write each table as ``<name>.csv`` (``attendance.csv.gz`` when over ~3 MB).

    Output is byte-for-byte reproducible: rows sorted by each table's key, ``\\n`` line
    endings, ISO dates, ``true``/``false`` booleans, empty cells for missing values, and
    gzip with ``mtime=0`` and no stored file name. Returns the paths written, in table order.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name in TABLES:
        if name not in tables:
            continue
        df = tables[name]
        keys = [k for k in _SORT_KEYS.get(name, []) if k in df.columns]
        if keys:
            df = df.sort_values(keys, kind="stable")
        buf = io.StringIO()
        _render(df).to_csv(buf, index=False, lineterminator="\n")
        data = buf.getvalue().encode("utf-8")
        plain, gz = out_dir / f"{name}.csv", out_dir / f"{name}.csv.gz"
        if name == "attendance" and len(data) > GZIP_THRESHOLD:
            gz.write_bytes(gzip.compress(data, compresslevel=9, mtime=0))
            plain.unlink(missing_ok=True)
            written.append(gz)
        else:
            plain.write_bytes(data)
            gz.unlink(missing_ok=True)
            written.append(plain)
    return written


_README = """# Sample county (synthetic)

Generated by `eyanalysis.data.synth.regenerate()` (seed {seed}, scale {scale}); do not edit by hand.
Every setting, child, visit and application is invented; identifiers are pseudonymous and
children have a birth month only. Calibration figures and their sources are listed in the
docstring of `eyanalysis/data/synth.py`. Regenerate with `python -m eyanalysis.data.synth`.

| file | rows |
|---|---|
{rows}
"""


def regenerate(
    out_dir: Path | None = None, seed: int = DEFAULT_SEED, scale: float = 1.0
) -> list[Path]:
    """Build and write the sample county (default: the bundled ``eyanalysis/data/sample/``)."""
    out_dir = SAMPLE_DIR if out_dir is None else Path(out_dir)
    tables = build(seed=seed, scale=scale)
    paths = write(tables, out_dir)
    rows = "\n".join(f"| {p.name} | {len(tables[p.name.split('.')[0]])} |" for p in paths)
    readme = out_dir / "README.md"
    readme.write_bytes(_README.format(seed=seed, scale=scale, rows=rows).encode("utf-8"))
    return paths + [readme]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Regenerate the synthetic sample county.")
    ap.add_argument(
        "--out", type=Path, default=None, help="output folder (default: bundled sample)"
    )
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--scale", type=float, default=1.0)
    args = ap.parse_args(argv)
    for p in regenerate(args.out, seed=args.seed, scale=args.scale):
        print(p)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

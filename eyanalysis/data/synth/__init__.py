"""Fernshire, the deterministic synthetic sample county of eyanalysis (a fictional county).

Nothing here is real data: every setting, child, visit, inspection and application is
invented and every identifier is pseudonymous (``S0001``, ``C000001``, ``V000001``,
``A00001``). Children carry a birth month (``YYYY-MM``) only, never a full date of birth.

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
    ``eyanalysis synth`` and ``python -m eyanalysis.data.synth [--out DIR] [--seed N]
    [--scale X]`` do the same.

Modules: ``config`` (every calibrated figure), ``calendar`` (days, working days, panels; terms
from ``rules.terms``), ``draw`` (random helpers), ``settings``, ``inspections``,
``children``, ``attendance``, ``visits`` (the annual cycle), ``support_visits`` (support
visits and agreed levels month by month), ``panel``, ``assemble`` and ``records`` (the
tables), ``county`` (:func:`build`), ``files`` (writing).

Dtypes returned by ``build``: identifiers and codes are ``str`` (in ``attendance``, which has
~1.5 M rows a term at England scale, ``child_id``, ``setting_id``, ``term`` and ``level`` are
``category`` to keep memory low; ``term`` categories are in chronological order and ``level``
categories in level order NE < GR1 < ... < EXC); dates are ``datetime64[us]`` with ``NaT``
for "empty" (``held_date``, ``self_audit_received``, ``decision_date``, ...); flags are
``bool``; empty codes (``level_agreed``, ``awarded_level``, report-card grades of a
single-word inspection) are missing values. ``write`` renders them in the file format.

Calibration (GUIDE.md section 2; each figure with its source)
--------------------------------------------------------------
- Ofsted, early years register: 96% good or outstanding (Aug 2022), 97% (Mar 2024),
  98% (Mar 2025); outstanding ~15% (2022) -- gov.uk "Childcare providers and inspections"
  main findings. Used: among inspected settings the latest single-word judgement is 15%
  outstanding, 82.5% good, 2% requires improvement, 0.5% inadequate (97.5% good or
  outstanding).
- Report cards from 10 November 2025 (DOMAIN O1): "most report cards show settings meeting
  the expected standard with a few strong standard grades", and "a few not met for
  safeguarding" -- childcare.co.uk, "Ofsted inspection report outcomes (part 3)", 29 April
  2026 (no national statistics yet). Used: each area about 1% urgent improvement, 7% needs
  attention, 72% expected standard, 18% strong standard, 2% exceptional, correlated within
  a setting (a latent quality plus noise), higher for settings judged Outstanding before,
  lower at the follow-up of a Requires Improvement or Inadequate judgement; safeguarding
  not met for about 2%. So roughly one report card in seven has an area at needs attention
  or below (at least Targeted, O2) and a few put a setting in Intensive.
- Inspection cycle (DOMAIN O5): at least every six years until April 2026, every four years
  from then. Used: every inspected setting's latest single-word inspection is within six
  years of the sample's today; report cards are dated so that a sixth of settings a year
  are inspected until April 2026 and a quarter a year from then (half as fast again), the
  settings inspected longest ago first: about a fifth of inspected settings have a report
  card by November 2026. The backlog of settings last inspected over four years ago is
  worked through over the new cycle. Requires Improvement settings are re-inspected
  10-16 months later, Inadequate ones 4-8 months later (Ofsted's follow-up practice).
- Registered providers, England: 60,400 (Mar 2025), of which childminders 25,300 (42%) --
  gov.uk Ofsted main findings, 31 Mar 2025. Used: ~40% of settings are childminders; at
  ``scale=166`` the county has ~75,000 settings (England order of magnitude).
- County scale: the former Cumbria County Council area had ~10,450 funded 3-4s (the council
  was abolished on 1 April 2023, SI 2022/331); Wiltshire 400+ providers paid each term --
  local press / council pages (approximate). Used: ~450 settings and ~9,000 funded children
  a term (averaged over the year; the summer term is the largest because 3-4 funding starts
  the term after the third birthday, F6).
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
- Disability Living Allowance (``daf``, DOMAIN D1): no published share of funded children
  was found; an assumption. Used: about 1.3% of children, concentrated at high need
  (0.2% at NE, 1% GR1, 3% GR2, 10% GR3, 30% GR4, 50% EXC), so that a county of ~9,000 funded
  children has 100-150 DAF claims a year.
- Census attributes (DOMAIN §10, :mod:`.census`): SEN provision from the record (E with an EHC
  plan, K with an assessment, a panel application or a level above GR1, N otherwise; about
  5% K against the census's 7% SEN support, because the level history of a child seen for
  a term or two is short); LA early years URNs from 510001 and Ofsted URNs (``EY`` and seven
  digits, plain for school-based settings), unique; two link advisers per district
  (fictional names). Drawn last from ``default_rng([seed, 13])``, so no other value moved.
- Term weeks (38-week year): the parameter ``nef.term_weeks`` (14/12/12).
- Worcestershire panel work today: applications for 0-5 non-NEF, "Challenge to GR4" and
  Exceptional funding -- worcestershire.gov.uk "Funding application process". Used: the
  ``panel_applications`` kinds ``non_nef``, ``challenge_gr4``, ``exceptional`` (plus
  ``out_of_school``, DOMAIN X4).
- EYPP eligibility (~10-15% of 3-4s), looked-after (~1%), ~5% of children at two settings in
  a term and a support mix of ~75% universal / 18% targeted / 7% intensive are the brief's
  targets (no GUIDE figure); looked-after children are always EYPP-eligible (DOMAIN P1).

Rules followed (DOMAIN.md ids), by calling the rules rather than re-deriving them
-------------------------------------------------------------------------------------
- F6: a child is a funded 3-4-year-old from the first term in which
  ``rules.terms.funding_age`` says so (the term after the third birthday; terms from
  ``rules.terms``); funded 2-year-olds from the term after the second birthday (the
  disadvantaged offer, so 2-year-old take-up is correlated with EYPP eligibility).
- Children leave at the September after their fourth birthday (``rules.terms.school_entry``),
  except a few who defer or delay entry and leave at compulsory school age (the term after
  the fifth birthday); nobody is funded at or after compulsory school age.
- F7: weeks from ``nef.term_weeks``; hours at most two decimals; 30-hour children appear as
  30 at one setting or split 15+15 / 20+10 across two.
- L1: levels NE < GR1 < GR2 < GR3 < GR4 < EXC, one level per child per term (the same at
  every setting), ``level_from`` the date it took effect (never after the term end nor after
  ``AS_OF``). Levels move at most one step between terms. A move to EXC happens on the decision
  date of an approved ``exceptional`` panel application (X3), and some GR3 -> GR4 moves on an
  approved ``challenge_gr4`` application.
- X1-X2: the eight criteria flags are filled from the child's facts for every application;
  approved exceptional applications meet all of X1 and at least one of X2, others sometimes
  miss one or more.
- C1-C7 (the Cumbria framework, a Cumbria County Council document from before the council's
  abolition on 1 April 2023, used as one authority's parameter set): each review year
  (Sep-Aug) every open setting has a learning_development (Visit 1) and a welfare (Visit 2)
  visit planned ~6 months apart, ~15% an optional send_review (Visit 3). Targeted settings
  get at least one targeted visit planned a term, intensive settings a monthly intensive
  visit (some not held). Every held visit except send_review records ``level_agreed``.
- C1-C3, O1-O2: the level on any day is ``rules.support``'s (what each inspection does is
  ``rules.support.ofsted_effects`` under the parameters in force on ``AS_OF``), and
  ``categorisations`` is ``rules.support.timeline`` of the generated visits and inspections
  from each setting's first recorded level: recomputing the levels from the loaded sample
  reproduces it.

Decisions (not in the brief; parameters are module constants in ``config``)
----------------------------------------------------------------------------
- ``AS_OF = 2026-11-23`` is "today": nothing after it is held, received, inspected or
  decided; planned visits and panels after it appear with empty outcome fields.
- Attendance contains only NEF-registered settings (funded children).
- ``children`` also holds the children of ``non_nef`` panel applications (under-2s, or older
  children at non-NEF settings), who have no attendance rows.
- The settings table's ``ofsted_judgement`` / ``ofsted_date`` are each setting's latest
  single-word judgement; report cards are in ``inspections`` only (see the data dictionary).
- Panels sit on the second Tuesday of every month; an application goes to the first panel at
  least 14 days after receipt (sometimes the next one), so waits are 2-8 weeks.
- Visits, inspections, self-audit receipts, panels and decisions fall on working days (no
  weekends, England bank holidays or 24 Dec - 1 Jan); ``level_from`` may be any day.
"""

from __future__ import annotations

from eyanalysis.data.synth.calendar import HOLIDAYS, WINDOW, term_label
from eyanalysis.data.synth.config import (
    AS_OF,
    COUNTY,
    DEFAULT_SEED,
    DISTRICTS,
    FIRST_TERM,
    LAST_TERM,
    LEVELS,
    SAMPLE_DIR,
    SETTING_TYPES,
    TABLES,
    VISIT_KINDS,
)
from eyanalysis.data.synth.county import build
from eyanalysis.data.synth.draw import ids
from eyanalysis.data.synth.files import main, regenerate, write

__all__ = ["AS_OF", "COUNTY", "DEFAULT_SEED", "DISTRICTS", "FIRST_TERM", "HOLIDAYS",
           "LAST_TERM", "LEVELS", "SAMPLE_DIR", "SETTING_TYPES", "TABLES", "VISIT_KINDS",
           "WINDOW", "build", "ids", "main", "regenerate", "term_label", "write"]

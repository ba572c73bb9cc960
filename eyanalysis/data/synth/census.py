"""Census-style attributes of the sample county (DOMAIN §10): SEN provision on children, the
LA early years URN, the Ofsted URN and a link adviser on settings.

Drawn after every other table from a generator of their own (seeded from the county's seed),
so adding them moved no other value of the county. SEN provision follows the child's record
(no draw): **E** with an EHC plan, **K** (SEN support) with an EHC needs assessment, a panel
application or any level above GR1 in any term (GR2 and up: planned activities beyond normal
practice, DOMAIN §1), **N** otherwise.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from eyanalysis.data.synth.config import DISTRICTS
from eyanalysis.vocabulary import LEVELS

CENSUS_STREAM = 13  # the generator of these attributes: default_rng([seed, CENSUS_STREAM])
LA_URN_FROM = 510_001  # LA early years URNs run 500000-799999 (census)
OFSTED_URN_FROM = 2_600_001  # seven digits, after "EY" for childcare on non-school premises
SCHOOL_TYPES = ("school_based", "maintained_nursery_school")
ADVISERS_PER_DISTRICT = 2
ADVISER_NAMES = ("Alex Marsh", "Bea Thorne", "Cal Reddy", "Dana Holt", "Eli Brook",
                 "Fay Okafor", "Gus Lind", "Hana Pike", "Ivo Grant", "Jo Ashby",
                 "Kit Mercer", "Lea Quinn")


def add_census_attributes(seed: int, tables: dict[str, pd.DataFrame]) -> None:
    """Add ``sen_provision`` to children and ``la_urn``, ``ofsted_urn``, ``link_adviser`` to
    settings, in place."""
    rng = np.random.default_rng([seed, CENSUS_STREAM])
    settings = tables["settings"]
    n = len(settings)
    number = np.arange(n)
    settings["la_urn"] = pd.Series((LA_URN_FROM + number).astype(str), dtype="str")
    school = settings["provider_type"].isin(SCHOOL_TYPES).to_numpy()
    urn = (OFSTED_URN_FROM + number).astype(str)
    settings["ofsted_urn"] = pd.Series(np.where(school, urn, np.char.add("EY", urn)),
                                       dtype="str")
    district = pd.Categorical(settings["district"], categories=list(DISTRICTS)).codes
    pick = rng.integers(0, ADVISERS_PER_DISTRICT, n)
    names = np.array(ADVISER_NAMES)
    settings["link_adviser"] = pd.Series(
        names[(district * ADVISERS_PER_DISTRICT + pick) % len(names)], dtype="str")

    children = tables["children"]
    att = tables["attendance"]
    code = pd.Categorical(att["level"].astype(str), categories=list(LEVELS)).codes
    highest = pd.Series(code, index=att["child_id"].astype(str).to_numpy()).groupby(
        level=0).max()
    ids = children["child_id"].astype(str)
    applied = ids.isin(tables["panel_applications"]["child_id"].astype(str))
    support = (ids.map(highest).fillna(0).to_numpy() >= LEVELS.index("GR2")) | applied.to_numpy()
    ehcp = children["ehcp_status"].astype(str).to_numpy()
    children["sen_provision"] = pd.Series(
        np.select([ehcp == "plan", (ehcp == "assessment") | support],
                  ["ehc_plan", "sen_support"], "no_sen"), dtype="str")

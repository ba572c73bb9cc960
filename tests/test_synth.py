"""Tests of the synthetic sample county, Fernshire (eyanalysis.data.synth).

Shares are checked against the figures cited in the synth module docstring (GUIDE.md section 2)
with tolerances wide enough for a county-sized random sample.
"""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from eyanalysis.data import synth
from eyanalysis.rules import support, terms
from eyanalysis.vocabulary import REPORT_CARD_AREAS

AS_OF = pd.Timestamp(str(synth.AS_OF))


@pytest.fixture(scope="module")
def tables():
    return synth.build()


@pytest.fixture(scope="module")
def att(tables):
    """Attendance with term index, birth-month index and F6 funding age."""
    a = tables["attendance"].copy()
    ch = tables["children"].set_index("child_id")
    a["tidx"] = a["term"].astype(str).map(terms.index).astype(int)
    bm = ch["birth_month"].reindex(a["child_id"].astype(str)).to_numpy()
    a["bmi"] = [int(b[:4]) * 12 + int(b[5:7]) - 1 for b in bm]
    a["elig34"] = term_after(a["bmi"].to_numpy() + 36)
    a["age2"] = a["tidx"] < a["elig34"]
    return a


def term_after(month_index: np.ndarray) -> np.ndarray:
    """First term starting after the birthday month (F6), from the one term calendar."""
    return terms.term_index_of_month(np.asarray(month_index)) + 1


def term_end(tidx: np.ndarray) -> pd.Series:
    ends = {i: terms.end(terms.from_index(int(i))) for i in np.unique(tidx)}
    return pd.to_datetime(pd.Series([ends[i] for i in tidx]))


def term_of(dates) -> list[str]:
    return [terms.containing(d.date()) for d in dates]


def child_terms(att):
    return att.drop_duplicates(["child_id", "term"])


# ------------------------------------------------------------------ determinism and files
def test_build_is_deterministic(tables):
    again = synth.build()
    assert list(again) == list(synth.TABLES)
    for name in synth.TABLES:
        assert list(tables[name].dtypes) == list(again[name].dtypes), name
        assert tables[name].equals(again[name]), name


def test_other_seed_differs(tables):
    other = synth.build(seed=7, scale=0.3)
    assert not other["children"]["birth_month"].equals(tables["children"]["birth_month"])


def _content(path):
    data = path.read_bytes()
    return gzip.decompress(data) if path.suffix == ".gz" else data


def test_regenerate_matches_bundled_sample(tmp_path):
    bundled = sorted(p.name for p in synth.SAMPLE_DIR.iterdir())
    written = synth.regenerate(tmp_path)
    assert sorted(p.name for p in written) == bundled
    for path in written:
        assert _content(path) == _content(synth.SAMPLE_DIR / path.name), path.name
    # the bytes themselves are reproducible (gzip with mtime 0)
    again = synth.write(synth.build(), tmp_path / "again")
    for path in again:
        assert path.read_bytes() == (tmp_path / path.name).read_bytes(), path.name


def test_python_m_synth_regenerates_the_bundled_sample(tmp_path):
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "eyanalysis.data.synth", "--out", str(tmp_path)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    for path in synth.SAMPLE_DIR.iterdir():
        assert (tmp_path / path.name).read_bytes() == path.read_bytes(), path.name


def test_synth_is_a_package_of_small_modules_calling_the_rules():
    """Issue #10 item 5: modules under 300 lines; C2 and F6 come from the rules, not copies."""
    folder = Path(synth.__file__).parent
    modules = sorted(folder.glob("*.py"))
    assert len(modules) >= 8
    for path in modules:
        assert len(path.read_text().splitlines()) < 300, path.name
    text = "\n".join(p.read_text() for p in modules)
    assert "support.timeline(" in text and "support.ofsted_effects(" in text
    assert "terms.funding_age(" in text and "terms.school_entry(" in text
    assert "requires_improvement" not in text  # no Ofsted rule written into the generator


def test_bundled_sample_is_small_and_well_formed():
    files = sorted(synth.SAMPLE_DIR.iterdir())
    assert sum(p.stat().st_size for p in files) < 6_000_000
    names = {p.name for p in files}
    assert {"settings.csv", "children.csv", "visits.csv", "panel_applications.csv"} <= names
    assert "attendance.csv.gz" in names and "attendance.csv" not in names
    gz = (synth.SAMPLE_DIR / "attendance.csv.gz").read_bytes()
    assert gz[4:8] == b"\0\0\0\0"  # gzip mtime 0
    for path in files:
        if path.suffix not in (".csv", ".gz"):
            continue
        text = _content(path).decode("utf-8")
        assert "\r" not in text and text.endswith("\n")
        assert "True" not in text and "False" not in text and "NaT" not in text
    settings = (synth.SAMPLE_DIR / "settings.csv").read_text().splitlines()
    assert settings[0] == (
        "setting_id,name,provider_type,district,ofsted_judgement,ofsted_date,in_crisis,"
        "nef_registered,la_urn,ofsted_urn,link_adviser"
    )
    children = (synth.SAMPLE_DIR / "children.csv").read_text().splitlines()[0]
    assert children.endswith(",daf,sen_provision")
    inspections = (synth.SAMPLE_DIR / "inspections.csv").read_text().splitlines()[0]
    assert inspections == ("setting_id,inspection_date,judgement,safeguarding,inclusion,"
                           "curriculum_teaching,achievement,behaviour_attitudes_routines,"
                           "welfare_wellbeing,leadership_governance")
    assert re.fullmatch(
        r"S\d{4},[^,]+,\w+,\w+,\w+,(\d{4}-\d{2}-\d{2})?,(true|false),(true|false),"
        r"[5-7]\d{5},(EY)?\d{7},[A-Z][a-z]+ [A-Z][a-z]+", settings[1]
    )


def test_write_roundtrip(tables, tmp_path):
    paths = synth.write(tables, tmp_path)
    assert [p.name.split(".")[0] for p in paths] == list(synth.TABLES)
    a = pd.read_csv(tmp_path / "attendance.csv.gz", dtype=str, keep_default_na=False)
    assert list(a.columns) == list(tables["attendance"].columns)
    assert len(a) == len(tables["attendance"])
    assert a["level_from"].str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()
    assert set(a["hours_per_week"]) >= {"15", "12.5", "10", "30"}
    v = pd.read_csv(tmp_path / "visits.csv", dtype=str, keep_default_na=False)
    assert (v["held_date"] == "").any() and v["held_date"].str.fullmatch(
        r"(\d{4}-\d{2}-\d{2})?"
    ).all()
    p = pd.read_csv(tmp_path / "panel_applications.csv", dtype=str, keep_default_na=False)
    assert set(p["nef_eligible"]) == {"true", "false"}


# ------------------------------------------------------------------ shape and counts
def test_counts(tables, att):
    s = tables["settings"]
    assert 420 <= len(s) <= 480
    assert s["setting_id"].is_unique and tables["children"]["child_id"].is_unique
    per_term = child_terms(att).groupby("term", observed=True).size()
    assert list(per_term.index) == [synth.term_label(t) for t in synth.WINDOW]
    assert len(per_term) == 10
    assert 8_000 <= per_term.mean() <= 10_000
    assert per_term.min() > 6_000 and per_term.max() < 12_500
    assert 150 <= len(tables["panel_applications"]) <= 700
    assert len(tables["visits"]) > 3 * len(s)


def test_scale_two_doubles(tables):
    big = synth.build(scale=2)
    assert len(big["settings"]) == 2 * len(tables["settings"])
    for name in ("children", "attendance", "visits", "panel_applications"):
        ratio = len(big[name]) / len(tables[name])
        assert 1.8 <= ratio <= 2.2, (name, ratio)
    assert big["settings"]["setting_id"].str.fullmatch(r"S\d{4}").all()
    assert big["children"]["child_id"].str.fullmatch(r"C\d{6}").all()


def test_ids_widen():
    assert list(synth.ids("S", np.array([1, 12_345]), 4)) == ["S00001", "S12345"]
    assert list(synth.ids("C", np.array([7]), 6)) == ["C000007"]


# ------------------------------------------------------------------ shares vs cited figures
def test_provider_types_and_ofsted(tables):
    s = tables["settings"]
    assert set(s["provider_type"]) == set(synth.SETTING_TYPES)
    assert s["district"].nunique() == 6
    share = s["provider_type"].value_counts(normalize=True)
    assert 0.35 <= share["childminder"] <= 0.45  # 25,300 of 60,400 registered (Ofsted 2025)
    assert 3 <= (s["provider_type"] == "specialist").sum() <= 10
    assert (s["provider_type"] == "maintained_nursery_school").sum() >= 3
    inspected = s[s["ofsted_judgement"] != "not_yet_inspected"]
    good = inspected["ofsted_judgement"].isin(["good", "outstanding"]).mean()
    assert 0.96 <= good <= 0.985  # 96-98% good or outstanding (gov.uk, 2022-2025)
    assert 0.12 <= (inspected["ofsted_judgement"] == "outstanding").mean() <= 0.18  # ~15%
    assert 2 <= s["in_crisis"].sum() <= 10
    assert s["nef_registered"].mean() > 0.95


def test_two_year_old_share(att):
    ct = child_terms(att)
    assert 0.07 <= ct["age2"].mean() <= 0.105  # DfE Jan 2024: 115,852 / 1,285,393 = 9.0%
    spring = ct[ct["term"].astype(str).str.endswith("SPR")]
    assert 0.075 <= spring["age2"].mean() <= 0.105


def test_sen_shares(tables, att):
    ct = child_terms(att)
    f34, f2 = ct[~ct["age2"]], ct[ct["age2"]]
    sen34 = (f34["level"] != "NE").mean()
    assert abs(sen34 - 0.086) < 0.012  # DfE 2024: 8.6% of funded children with SEN
    assert abs((f2["level"] != "NE").mean() - 0.035) < 0.012  # DfE 2021: 3.5% of 2-year-olds
    share = f34["level"].value_counts(normalize=True)
    assert share["GR1"] > share["GR2"] > share["GR3"] > share["EXC"]
    assert share["GR2"] > share["GR4"] > share["EXC"]
    ch = tables["children"].set_index("child_id")
    plan = ch["ehcp_status"].reindex(f34["child_id"].astype(str)).to_numpy() == "plan"
    assert abs(plan.mean() - 0.015) < 0.005  # DfE 2024: 1.5% EHC plan
    assert f34["level"][plan].isin(["GR4", "EXC"]).mean() > 0.7
    assert set(ch["ehcp_status"]) == {"none", "assessment", "plan"}


def test_eypp_and_looked_after(tables, att):
    ch = tables["children"].set_index("child_id")
    ct = child_terms(att)
    f34 = ch.reindex(ct.loc[~ct["age2"], "child_id"].astype(str))
    assert 0.10 <= f34["eypp_eligible"].mean() <= 0.15
    assert 0.005 <= f34["looked_after"].mean() <= 0.015
    assert f34.loc[f34["looked_after"], "eypp_eligible"].all()


def test_two_settings_and_specialist(tables, att):
    n = att.groupby(["term", "child_id"], observed=True).size()
    assert 0.035 <= (n >= 2).mean() <= 0.07
    assert n.max() == 2
    spec = tables["settings"].query("provider_type == 'specialist'")["setting_id"]
    at_spec = att[att["setting_id"].astype(str).isin(spec)]
    assert len(at_spec) > 100
    assert at_spec["level"].isin(["GR4", "EXC"]).all()


def test_categorisation_mix(tables):
    c = tables["categorisations"]
    snaps = [
        c[c["effective_date"] <= d]
        .groupby("setting_id")["level"]
        .last()
        .value_counts(normalize=True)
        for d in pd.date_range("2023-10-01", "2026-11-01", freq="MS")
    ]
    mix = pd.concat(snaps, axis=1).fillna(0).mean(axis=1)
    assert 0.68 <= mix["universal"] <= 0.82
    assert 0.13 <= mix["targeted"] <= 0.24
    assert 0.04 <= mix["intensive"] <= 0.10


# ------------------------------------------------------------------ integrity
def test_referential_integrity(tables):
    sid = set(tables["settings"]["setting_id"])
    cid = set(tables["children"]["child_id"])
    a = tables["attendance"]
    assert set(a["child_id"].astype(str)) <= cid
    assert set(a["setting_id"].astype(str)) <= sid
    for name in ("inspections", "visits", "categorisations", "panel_applications"):
        assert set(tables[name]["setting_id"]) <= sid, name
    assert set(tables["panel_applications"]["child_id"]) <= cid
    nef = tables["settings"].set_index("setting_id")["nef_registered"]
    assert nef.reindex(a["setting_id"].astype(str)).all()


def test_attendance_rows(tables, att, params):
    a = tables["attendance"]
    assert not a.duplicated(["child_id", "setting_id", "term"]).any()
    assert (a.groupby(["child_id", "term"], observed=True)["level"].nunique() == 1).all()
    assert (a.groupby(["child_id", "term"], observed=True)["level_from"].nunique() == 1).all()
    h = a["hours_per_week"]
    assert (h > 0).all() and (h <= 168).all() and (h <= 30).all()
    assert np.allclose(h, h.round(2))
    assert (h == 15).mean() > 0.6
    total = a.groupby(["child_id", "term"], observed=True)["hours_per_week"].sum()
    assert (total > 15).any()  # 30-hour children
    weeks = a["term"].astype(str).map(  # F7: the parameter nef.term_weeks
        lambda t: int(params.get(f"nef.term_weeks.{t[5:]}", terms.start(t))))
    assert (a["weeks"] == weeks).all()
    assert set(a["level"].astype(str)) == set(synth.LEVELS)
    assert (a["level_from"] <= term_end(att["tidx"].to_numpy()).to_numpy()).all()
    assert (a["level_from"] <= AS_OF).all()


def test_levels_stable_and_move_one_step(att):
    ct = child_terms(att).sort_values(["child_id", "tidx"])
    code = ct["level"].cat.codes.to_numpy()
    same_child = ct["child_id"].to_numpy()[1:] == ct["child_id"].to_numpy()[:-1]
    consecutive = same_child & (np.diff(ct["tidx"].to_numpy()) == 1)
    assert (np.diff(ct["tidx"].to_numpy())[same_child] == 1).all()  # no gaps
    step = np.diff(code)[consecutive]
    assert np.abs(step).max() == 1
    assert (step == 0).mean() > 0.9
    lf = ct["level_from"].to_numpy()
    unchanged = consecutive & (np.diff(code) == 0)
    assert (lf[1:][unchanged] == lf[:-1][unchanged]).all()
    assert (
        lf[1:][consecutive & (np.diff(code) != 0)] > lf[:-1][consecutive & (np.diff(code) != 0)]
    ).all()


def test_funding_ages_and_school_entry(att):
    bmi = att["bmi"].to_numpy()
    tidx = att["tidx"].to_numpy()
    assert (tidx >= term_after(bmi + 24)).all()  # funded from the term after the 2nd birthday
    csa = term_after(bmi + 60)  # compulsory school age: term after the 5th birthday
    assert (tidx < csa).all()
    school = np.where(bmi % 12 >= 8, (bmi // 12 + 5) * 3 + 2, (bmi // 12 + 4) * 3 + 2)
    late = tidx >= school
    assert 0 < late.mean() < 0.015  # a few defer or delay Reception entry
    # each September the year group reaching Reception has (almost all) gone
    for year in (2024, 2025, 2026):
        cohort = (bmi >= (year - 5) * 12 + 8) & (bmi < (year - 4) * 12 + 8)
        summer_term = terms.containing(pd.Timestamp(year, 6, 1).date())
        autumn_term = terms.containing(pd.Timestamp(year, 10, 1).date())
        summer = (cohort & (att["term"] == summer_term).to_numpy()).sum()
        autumn = (cohort & (att["term"] == autumn_term).to_numpy()).sum()
        assert summer > 3000 and autumn < 0.05 * summer, year


def test_children_persist_and_renew(att):
    terms = [synth.term_label(t) for t in synth.WINDOW]
    sets = [set(att.loc[att["term"] == t, "child_id"].astype(str)) for t in terms]
    for prev, cur, name in zip(sets, sets[1:], terms[1:], strict=False):
        assert len(prev & cur) > 0.5 * len(cur), name
        assert len(cur - prev) > 0.05 * len(cur), name  # new entrants each term


def test_no_full_date_of_birth(tables):
    ch = tables["children"]
    assert ch["birth_month"].str.fullmatch(r"\d{4}-(0[1-9]|1[0-2])").all()
    for name, df in tables.items():
        for col in df.columns:
            assert "birth" not in col or col == "birth_month", (name, col)
            assert "dob" not in col.lower(), (name, col)


# ------------------------------------------------------------------ Ofsted, visits, C1-C8
AREAS = list(REPORT_CARD_AREAS)
RESULTS = ["safeguarding", *AREAS]
REPORT_CARDS_FROM = pd.Timestamp("2025-11-10")


def test_O1_inspections_in_both_frameworks_match_settings(tables):
    s = tables["settings"].set_index("setting_id")
    i = tables["inspections"]
    assert i["inspection_date"].min() >= pd.Timestamp("2019-01-01")
    assert i["inspection_date"].max() <= AS_OF
    card = i["inspection_date"] >= REPORT_CARDS_FROM
    # O1: a judgement before 10 November 2025, a full report card from then, never both
    assert i.loc[~card, "judgement"].notna().all() and i.loc[card, "judgement"].isna().all()
    assert i.loc[card, RESULTS].notna().all().all() and i.loc[~card, RESULTS].isna().all().all()
    assert "not_yet_inspected" not in set(i["judgement"].dropna())
    # the settings snapshot is the latest single-word judgement and its date
    latest = i[~card].sort_values("inspection_date").groupby("setting_id").last()
    insp = s[s["ofsted_judgement"] != "not_yet_inspected"]
    assert set(latest.index) == set(insp.index) == set(i["setting_id"])
    assert (latest["judgement"] == insp["ofsted_judgement"].reindex(latest.index)).all()
    assert (latest["inspection_date"] == insp["ofsted_date"].reindex(latest.index)).all()
    assert s.loc[s["ofsted_judgement"] == "not_yet_inspected", "ofsted_date"].isna().all()
    # some settings were judged RI/inadequate and improved to good
    bad = i[i["judgement"].isin(["requires_improvement", "inadequate"])]
    improved = bad.merge(i[i["judgement"].isin(["good", "outstanding"])], on="setting_id")
    assert (improved["inspection_date_y"] > improved["inspection_date_x"]).sum() >= 5


def test_O1_report_cards_calibrated(tables):
    """Report cards since 10 November 2025 (config docstring: mostly expected standard, a few
    strong, a few safeguarding not met, some areas at needs attention)."""
    i = tables["inspections"]
    cards = i[i["inspection_date"] >= REPORT_CARDS_FROM]
    inspected = (tables["settings"]["ofsted_judgement"] != "not_yet_inspected").sum()
    assert 0.15 <= cards["setting_id"].nunique() / inspected <= 0.30
    assert cards["setting_id"].is_unique  # one report card each so far
    grades = cards[AREAS].melt()["value"].value_counts(normalize=True)
    assert grades.idxmax() == "expected_standard" and 0.6 <= grades["expected_standard"] <= 0.8
    assert 0.10 <= grades["strong_standard"] <= 0.28
    assert 0.03 <= grades["needs_attention"] + grades["urgent_improvement"] <= 0.15
    assert 1 <= (cards["safeguarding"] == "not_met").sum() <= 0.06 * len(cards)
    low = cards[AREAS].isin(["needs_attention", "urgent_improvement"]).any(axis=1)
    assert 0.08 <= low.mean() <= 0.30
    # follow-ups of Requires Improvement / Inadequate: some meet the exit rule, some do not
    before = i[i["inspection_date"] < REPORT_CARDS_FROM].groupby("setting_id").last()
    followed = cards.join(before["judgement"].rename("before"), on="setting_id")
    followed = followed[followed["before"].isin(["requires_improvement", "inadequate"])]
    exit_ok = (followed["safeguarding"] == "met") & followed[AREAS].isin(
        ["expected_standard", "strong_standard", "exceptional"]).all(axis=1)
    assert exit_ok.sum() >= 3 and (~exit_ok).sum() >= 1


def test_O5_four_year_cycle_from_april_2026(tables):
    """Every inspected setting was inspected within six years (the old cycle); from April
    2026 report cards come half as fast again (four years instead of six)."""
    i = tables["inspections"]
    last = i.groupby("setting_id")["inspection_date"].max()
    assert (last >= AS_OF - pd.DateOffset(years=6)).all()
    cards = i[i["inspection_date"] >= REPORT_CARDS_FROM]["inspection_date"]
    before_april = (cards < pd.Timestamp("2026-04-01")).sum() / 4.7  # months
    after = ((cards >= pd.Timestamp("2026-04-01")) & (cards < pd.Timestamp("2026-11-01"))
             ).sum() / 7.0
    assert after >= 1.3 * before_april


def test_D1_daf_flag_is_a_small_share_concentrated_at_high_need(tables, att):
    ch = tables["children"].set_index("child_id")
    assert ch["daf"].dtype == bool
    funded = ch.reindex(att["child_id"].astype(str).unique())
    assert 0.008 <= funded["daf"].mean() <= 0.02
    top = att.assign(code=att["level"].cat.codes).groupby("child_id", observed=True)["code"].max()
    high = funded["daf"].reindex(top.index.astype(str))[(top >= 4).to_numpy()]  # GR4, EXC
    assert high.mean() > 5 * funded["daf"].mean()


def test_visit_cycle(tables):
    v = tables["visits"]
    assert set(v["visit_type"]) == set(synth.VISIT_KINDS)
    assert v["visit_id"].is_unique
    assert v["planned_date"].min() >= pd.Timestamp("2023-09-01")
    assert v["planned_date"].max() <= pd.Timestamp("2026-12-31")
    held = v["held_date"].notna()
    assert (v.loc[held, "held_date"] <= AS_OF).all()
    assert (v.loc[held, "held_date"] >= v.loc[held, "planned_date"]).all()
    assert not held[v["planned_date"] > AS_OF].any()
    assert (v["self_audit_received"].dropna() <= AS_OF).all()
    late = (v.loc[held, "held_date"] - v.loc[held, "planned_date"]).dt.days
    assert (late > 0).mean() > 0.2 and (late > 14).any()
    assert (~held & (v["planned_date"] <= AS_OF)).any()  # some never held
    # C6: Visit 1 needs the self-audit, 14+ days before
    ld = v[(v["visit_type"] == "learning_development") & held]
    assert ld["self_audit_received"].notna().all()
    assert ((ld["held_date"] - ld["self_audit_received"]).dt.days >= 14).all()
    ld_all = v[
        (v["visit_type"] == "learning_development")
        & (v["planned_date"] <= AS_OF - pd.Timedelta(days=60))
    ]
    assert ld_all["self_audit_received"].isna().mean() > 0.02  # missing sometimes
    # C5/C7: each review year an LD and a welfare visit about six months apart; SEND review optional
    v = v.assign(ry=(v["planned_date"] - pd.DateOffset(months=8)).dt.year)
    ry = v[v["ry"] == 2024]
    n_set = len(tables["settings"])
    assert (ry["visit_type"] == "learning_development").sum() >= 0.95 * n_set
    assert (ry["visit_type"] == "welfare").sum() >= 0.95 * n_set
    assert 0.10 <= (ry["visit_type"] == "send_review").sum() / n_set <= 0.20
    pair = ry.pivot_table(
        index="setting_id", columns="visit_type", values="planned_date", aggfunc="min"
    )
    # a setting opened late in the year may have had only a support visit in it
    gap = (pair["welfare"] - pair["learning_development"]).dt.days.dropna()
    assert 150 <= gap.median() <= 200 and (gap > 0).all()
    # level agreed only at held visits, never at a SEND review
    assert v.loc[~held, "level_agreed"].isna().all()
    assert v.loc[v["visit_type"] == "send_review", "level_agreed"].isna().all()
    assert v.loc[held & (v["visit_type"] != "send_review"), "level_agreed"].notna().all()


def test_dates_fall_on_working_days(tables):
    holidays = pd.DatetimeIndex(synth.HOLIDAYS.astype(str))
    for name, cols in {
        "visits": ["planned_date", "held_date", "self_audit_received"],
        "inspections": ["inspection_date"],
        "categorisations": ["effective_date"],
        "panel_applications": ["received_date", "panel_date", "decision_date"],
    }.items():
        for col in cols:
            d = tables[name][col].dropna()
            assert (d.dt.day_of_week < 5).all() and not d.isin(holidays).any(), (name, col)


def test_C2_O2_categorisations_are_the_rules_timeline(tables, params):
    """The recorded categorisations are what rules.support gives for the generated visits
    and inspections, on every date a level changed or a visit was held (C1-C3, O2)."""
    c = tables["categorisations"]
    assert set(c["level"]) == {"universal", "targeted", "intensive"}
    assert not c.duplicated(["setting_id", "effective_date"]).any()
    assert (c.groupby("setting_id")["level"].shift() != c["level"]).all()  # only changes
    assert set(c["setting_id"]) == set(tables["settings"]["setting_id"])
    reasons = set(c["reason"])
    assert {"agreed at learning and development visit", "Ofsted requires improvement",
            "setting in crisis"} <= reasons
    for start in ("Ofsted report card: safeguarding not met",  # O2: into Intensive
                  "Ofsted report card: safeguarding met, every area"):  # O2: the exit rule
        assert any(r.startswith(start) for r in reasons), start
    line = support.timeline(tables["settings"], tables["visits"], tables["inspections"],
                            str(synth.AS_OF), c, params=params)
    v = tables["visits"].dropna(subset=["held_date"])
    probes = pd.concat([c["effective_date"], v["held_date"]]).drop_duplicates()
    probes = probes[probes >= c["effective_date"].min()].sort_values()
    for day in probes.iloc[:: max(1, len(probes) // 60)]:  # about 60 dates across the years
        derived = support.levels_on(line, tables["settings"], day.date(), params)
        recorded = c[c["effective_date"] <= day].groupby("setting_id")["level"].last()
        got = derived.set_index("setting_id")["level"].reindex(recorded.index)
        assert (got == recorded).all(), day


@pytest.mark.parametrize("day", ["2025-10-01", str(synth.AS_OF)])
def test_current_categorisation(tables, day):
    """Checked without the rule's code, before report cards and on the sample's today: a
    setting whose latest inspection is a single-word Requires Improvement or Inadequate is
    Intensive (C2), as is one whose latest report card has safeguarding not met or
    leadership and governance at urgent improvement (O2), and every setting in crisis on
    today; a setting whose latest report card has an area at needs attention is at least
    Targeted. (RI settings are re-inspected within about a year, so by November 2026 most
    have a report card.)"""
    on = pd.Timestamp(day)
    s = tables["settings"].set_index("setting_id")
    c = tables["categorisations"]
    i = tables["inspections"].sort_values("inspection_date")
    now = c[c["effective_date"] <= on].groupby("setting_id")["level"].last()
    latest = i[i["inspection_date"] <= on].drop_duplicates("setting_id", keep="last")
    latest = latest.set_index("setting_id")
    single = latest["judgement"].notna()
    forced = latest.index[single & latest["judgement"].isin(["requires_improvement",
                                                              "inadequate"])]
    assert len(forced) >= 1 and (now[forced] == "intensive").all()
    card = latest[~single]
    forcing = card.index[(card["safeguarding"] == "not_met")
                         | (card["leadership_governance"] == "urgent_improvement")]
    assert (now[forcing] == "intensive").all()
    low = card.index[card[AREAS].isin(["needs_attention", "urgent_improvement"]).any(axis=1)]
    assert now[low].isin(["targeted", "intensive"]).all()
    if on == AS_OF:
        assert len(forcing) >= 1 and len(low) >= 5
        assert (now[s.index[s["in_crisis"]]] == "intensive").all()


def test_targeted_and_intensive_visit_frequency(tables):
    c = tables["categorisations"]
    v = tables["visits"]
    months = pd.date_range("2023-09-01", "2026-11-01", freq="MS")
    grid = pd.DataFrame(
        [(s, m) for s in c["setting_id"].unique() for m in months], columns=["setting_id", "d"]
    ).sort_values("d")
    at_start = pd.merge_asof(
        grid, c.rename(columns={"effective_date": "d"}).sort_values("d"), on="d", by="setting_id"
    )
    grid["end"] = grid["d"] + pd.offsets.MonthEnd(0)
    at_end = pd.merge_asof(
        grid.drop(columns="d").rename(columns={"end": "d"}),
        c.rename(columns={"effective_date": "d"}).sort_values("d"),
        on="d",
        by="setting_id",
    )
    grid["level"] = np.where(
        at_start["level"].to_numpy() == at_end["level"].to_numpy(),
        at_start["level"].to_numpy(),
        "changed",
    )
    # C1: an intensive setting has a visit planned every month (some are not held)
    iv = v[v["visit_type"] == "intensive"].assign(m=lambda x: x["planned_date"].dt.to_period("M"))
    have = set(zip(iv["setting_id"], iv["m"], strict=True))
    months_i = grid[grid["level"] == "intensive"]
    ok = [
        (s, pd.Period(d, "M")) in have
        for s, d in zip(months_i["setting_id"], months_i["d"], strict=True)
    ]
    assert len(ok) > 100 and np.mean(ok) > 0.97
    held = iv["held_date"].notna() | (iv["planned_date"] > AS_OF)
    assert 0.75 <= held.mean() < 1.0
    # C1: a setting targeted all term has at least one targeted visit planned in it
    grid["term"] = term_of(grid["d"])
    whole = grid.groupby(["setting_id", "term"])["level"].agg(lambda x: (x == "targeted").all())
    tv = v[v["visit_type"] == "targeted"]
    tv_terms = set(zip(tv["setting_id"], term_of(tv["planned_date"]), strict=True))
    targeted_terms = whole[whole].index
    assert len(targeted_terms) > 50
    assert all(key in tv_terms for key in targeted_terms)


# ------------------------------------------------------------------ panel applications (X1-X4)
def test_panel_applications(tables):
    p = tables["panel_applications"]
    assert set(p["kind"]) == {"exceptional", "non_nef", "out_of_school", "challenge_gr4"}
    assert set(p["decision"]) == {"pending", "approved", "declined", "deferred", "withdrawn"}
    assert p["application_id"].is_unique
    wait = (p["panel_date"] - p["received_date"]).dt.days
    assert wait.between(14, 56).all()  # 2-8 weeks
    assert (p["received_date"] <= AS_OF).all()
    pending = p["decision"] == "pending"
    assert pending.sum() >= 3
    assert p.loc[pending, "decision_date"].isna().all()
    assert p.loc[~pending, "decision_date"].notna().all()
    dd = (p["decision_date"] - p["panel_date"]).dt.days.dropna()
    assert dd.between(0, 14).all()
    assert (p["decision_date"].dropna() <= AS_OF).all()
    approved = p["decision"] == "approved"
    assert p.loc[approved, "awarded_level"].isin(synth.LEVELS).all()
    assert p.loc[~approved, "awarded_level"].isna().all()
    assert (p.loc[approved & (p["kind"] == "exceptional"), "awarded_level"] == "EXC").all()
    assert not p.loc[p["kind"] == "non_nef", "nef_eligible"].any()


def test_exceptional_criteria_flags(tables):
    p = tables["panel_applications"]
    x1 = [
        "registered_provider_or_home_ehcp",
        "known_to_psf_chair_supports",
        "nef_eligible",
        "receiving_gr4",
    ]
    x2 = [
        "deferred_reception_entry",
        "delayed_reception_entry",
        "ehcp_in_place_or_in_process",
        "specialist_assessment_recommended",
    ]
    exc = p[p["kind"] == "exceptional"]
    meets = exc[x1].all(axis=1) & exc[x2].any(axis=1)
    assert meets.mean() > 0.6 and (~meets).sum() >= 5  # most meet X1-X2, some miss
    assert meets[exc["decision"] == "approved"].all()
    for flag in x1 + x2:
        assert p[flag].dtype == bool and exc[flag].any(), flag
    # known to the Pre-School Forum in the children table when the chair supports
    known = tables["children"].set_index("child_id")["known_to_psf"]
    assert known[exc.loc[exc["known_to_psf_chair_supports"], "child_id"]].all()


def test_approved_exceptional_sets_exc_level(tables):
    p = tables["panel_applications"]
    a = tables["attendance"]
    ok = p[(p["kind"] == "exceptional") & (p["decision"] == "approved")]
    assert len(ok) > 20
    term = term_of(ok["decision_date"])
    keyed = a.assign(child_id=a["child_id"].astype(str), term=a["term"].astype(str))
    rows = ok.assign(term=term).merge(keyed, on=["child_id", "term"], suffixes=("", "_att"))
    assert rows["application_id"].nunique() == len(ok)
    assert (rows["level"] == "EXC").all()
    assert (rows["level_from"] == rows["decision_date"]).all()

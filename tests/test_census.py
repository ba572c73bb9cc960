"""Census-shaped data and mapping files (issue #13 item 4, DOMAIN §10): hours and weeks per
stream, SEN provision, the 2-year-old basis, URNs and link advisers as optional columns, and
another authority's export loaded through a mapping file with every bad value named."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from eyanalysis.data import claims as cl
from eyanalysis.data import mapping
from eyanalysis.data.dataset import load
from eyanalysis.errors import MappingError
from eyanalysis.rules.grid import grid
from eyanalysis.rules.rates import Rates
from tests.conftest import ROOT, run_main

CENSUS = ROOT / "eyanalysis" / "data" / "example" / "census"
TINY = ROOT / "tests" / "data" / "tiny"
AS_OF = "2026-12-01"


def copy(tmp_path: Path, folder: Path = CENSUS) -> Path:
    out = tmp_path / folder.name
    shutil.copytree(folder, out)
    return out


def edit(path: Path, line: int, column: str, value: str) -> None:
    """Set one cell of a CSV file, ``line`` as a text editor counts (header = 1)."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame.at[line - 2, column] = value
    frame.to_csv(path, index=False)


def problems_of(ds) -> set[tuple[str, int | None, str]]:
    return {(Path(p.file).name, None if pd.isna(p.line) else int(p.line), p.column)
            for p in ds.problems.itertuples()}


@pytest.fixture(scope="module")
def census():
    return load(CENSUS, as_of=AS_OF)


def test_the_example_export_loads_through_its_mapping(census):
    assert census.problems.empty, census.problems.to_string()
    assert census.counts.set_index("table").loc[["settings", "children", "attendance"],
                                                "accepted"].tolist() == [4, 6, 7]
    kids = census.children.set_index("child_id")
    assert kids.loc["H1A000002", "sen_provision"] == "ehc_plan"  # E
    assert kids.loc["H1A000003", "two_year_basis"] == "economic"  # ECO
    assert kids.loc["H1A000002", "daf"] and kids.loc["H1A000001", "eypp_eligible"]  # Y/N
    s = census.settings.set_index("setting_id")
    assert s.loc["512003", "provider_type"] == "specialist"
    assert s.loc["512001", "la_urn"] == "512001" and s.loc["512001", "ofsted_urn"] == "EY512001"
    assert s.loc["512002", "link_adviser"] == "B. Adviser"


def test_F2_F7_E2_hours_per_stream(census):
    """Streams with their own weeks: hours a week = the sum of the streams, weeks = the
    streams' weeks weighted by hours (term hours exact, F7); F2 caps the weekly total; EYPP
    is never paid on the 3-4 extended hours (E2)."""
    a = census.attendance.set_index("child_id")
    # H1A000005: universal 15 h x 14 weeks + extended 10 h x 12 weeks = 330 term hours
    assert a.loc["H1A000005", "hours_per_week"] == 25
    assert a.loc["H1A000005", "hours_per_week"] * a.loc["H1A000005", "weeks"] == \
        pytest.approx(15 * 14 + 10 * 12)
    assert a.loc["H1A000004", "weeks"] == 13  # expanded hours only (an under-2)
    claims = cl.for_term(census, "2025-AUT")
    g = grid(claims, Rates.from_parameters("2025-09-01")).set_index(["setting_id", "level"])
    # F2: H1A000005's 25 hours capped at 15 x 13.2 weeks at GR4 (£2.86)
    assert g.loc[("512004", "GR4"), "nef_hours"] == pytest.approx(198)
    assert g.loc[("512004", "GR4"), "amount_pence"] == round(198 * 286)


def test_E2_EYPP_leaves_out_extended_hours(tmp_path):
    """H1A000001 takes 10 universal + 15 extended hours: EYPP on 10 a week, not the first
    15 of 25 (the reading without streams)."""
    folder = copy(tmp_path)
    edit(folder / "census_attendance.csv", 2, "FundedHours", "10")
    ds = load(folder, as_of=AS_OF)
    assert ds.problems.empty, ds.problems.to_string()
    g = grid(cl.for_term(ds, "2025-AUT"), Rates.from_parameters("2025-09-01"))
    eypp = g.set_index(["setting_id", "level"]).loc[("512001", "EYPP")]
    assert eypp["nef_hours"] == pytest.approx(10 * 14)
    assert eypp["amount_pence"] == 10 * 14 * 100  # £1.00 an hour in 2025-26


def test_both_hours_forms_still_load_and_mixing_them_is_refused(tmp_path):
    assert load(TINY, as_of=AS_OF).problems.empty  # single form, no stream columns
    folder = copy(tmp_path, TINY)
    att = pd.read_csv(folder / "attendance.csv", dtype=str, keep_default_na=False)
    att["universal_hours"] = ["", "10", "", "", "", ""]
    att["universal_weeks"] = ["", "14", "", "12", "", ""]
    att.to_csv(folder / "attendance.csv", index=False)
    ds = load(folder, as_of=AS_OF)
    got = problems_of(ds)
    assert ("attendance.csv", 3, "hours_per_week") in got  # both forms on one line
    assert ("attendance.csv", 5, "universal_weeks") in got  # weeks without hours
    assert len(ds.quarantined["attendance"]) == 2


def test_optional_columns_are_validated_when_present(tmp_path):
    folder = copy(tmp_path)
    edit(folder / "census_settings.csv", 3, "LA_URN", "412002")  # below 500000
    edit(folder / "census_settings.csv", 4, "OfstedURN", "=HYPERLINK(1)")
    edit(folder / "census_children.csv", 2, "SENprovision", "E")  # E without an EHC plan
    ds = load(folder, as_of=AS_OF)
    got = problems_of(ds)
    assert {("census_settings.csv", 3, "la_urn"), ("census_settings.csv", 4, "ofsted_urn"),
            ("census_children.csv", 2, "sen_provision")} <= got
    assert "500000 to 799999" in ds.problems.set_index("column").loc["la_urn", "message"]


def test_every_unmapped_column_and_bad_value_is_named_by_file_line_and_column(tmp_path):
    folder = copy(tmp_path)
    frame = pd.read_csv(folder / "census_children.csv", dtype=str, keep_default_na=False)
    frame["PrimarySENtype"] = "SLCN"  # a census column the mapping neither maps nor ignores
    frame.to_csv(folder / "census_children.csv", index=False)
    edit(folder / "census_attendance.csv", 3, "SENIF_Band", "Band 9")
    edit(folder / "census_attendance.csv", 5, "FundingType", "Two year old")
    edit(folder / "census_settings.csv", 4, "ProviderType", "Forest School")  # 512003
    edit(folder / "census_children.csv", 6, "EHCP", "Maybe")  # H1A000005
    # F6': H1A000006 (born 2023-02) is a funded 2-year-old in autumn 2025, not 3-4
    edit(folder / "census_attendance.csv", 8, "FundingType", "3&4 Universal")
    ds = load(folder, as_of=AS_OF)
    got = problems_of(ds)
    assert got == {("census_children.csv", 1, "primarysentype"),  # headers read cleaned
                   ("census_attendance.csv", 3, "level"),
                   ("census_attendance.csv", 5, "funding_age"),
                   ("census_settings.csv", 4, "provider_type"),
                   ("census_children.csv", 6, "ehcp_status"),
                   ("census_attendance.csv", 8, "funding_age"),
                   # the rows of a quarantined setting and child are held back, named
                   ("census_attendance.csv", 4, "setting_id"),
                   ("census_attendance.csv", 7, "child_id")}, ds.problems.to_string()
    msg = ds.problems.set_index(["column", "line"])["message"]
    assert "'Band 1'" in msg.loc[("level", 3)] and "Band 9" in msg.loc[("level", 3)]
    assert "'2YO'" in msg.loc[("funding_age", 5)]
    assert "birth month 2023-02 gives '2'" in msg.loc[("funding_age", 8)]
    assert "tables.children.ignore" in msg.loc[("primarysentype", 1)]
    # rows in = accepted + quarantined; the header problem quarantines nothing
    c = ds.counts.set_index("table")
    assert (c.rows_in == c.accepted + c.quarantined).all()
    assert c.loc["children", "quarantined"] == 1 and c.loc["attendance", "quarantined"] == 5


def test_validate_reports_through_the_mapping_and_a_folder_uses_its_own(tmp_path):
    folder = copy(tmp_path)
    edit(folder / "census_attendance.csv", 3, "SENIF_Band", "Band 9")
    plain = tmp_path / "plain"
    shutil.copytree(folder, plain)
    (plain / "mapping.yaml").rename(tmp_path / "their.yaml")
    result = run_main("validate", str(plain), "--mapping", str(tmp_path / "their.yaml"),
                     "--as-of", AS_OF, "--report", str(tmp_path / "report"))
    assert result.returncode == 1, result.stderr
    assert "census_attendance.csv" in result.stdout and "Band 9" in result.stdout
    # the same folder with mapping.yaml beside its files needs no option
    assert problems_of(load(folder, as_of=AS_OF)) == {("census_attendance.csv", 3, "level")}


def test_the_built_in_aliases_of_DOMAIN_10(tmp_path):
    folder = copy(tmp_path, TINY)
    kids = pd.read_csv(folder / "children.csv", dtype=str, keep_default_na=False)
    kids = kids.rename(columns={"child_id": "UPN", "daf": "DAFIndicator"})
    kids.to_csv(folder / "children.csv", index=False)
    att = pd.read_csv(folder / "attendance.csv", dtype=str, keep_default_na=False)
    att = att.rename(columns={"child_id": "Child Ref", "setting_id": "Provider URN",
                              "level": "SENIF band", "hours_per_week": "Weekly Hours"})
    att.to_csv(folder / "attendance.csv", index=False)
    ds = load(folder, as_of=AS_OF)
    assert ds.problems.empty, ds.problems.to_string()
    assert len(ds.attendance) == 6 and ds.children["daf"].sum() == 1


def test_a_bad_mapping_file_names_the_entry(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("tables:\n  children:\n    columns: {UPN: pupil_id}\n")
    with pytest.raises(MappingError, match="pupil_id.*not a column of children"):
        mapping.read(bad)
    bad.write_text("tables:\n  attendance:\n    codes:\n      level: {Band A: GR9}\n")
    with pytest.raises(MappingError, match="GR9"):
        mapping.read(bad)
    bad.write_text("tables:\n  kids: {}\n")
    with pytest.raises(MappingError, match="kids is not a table"):
        mapping.read(bad)


def test_the_sample_county_carries_census_attributes(sample):
    """SEN provision consistent with EHC plans and levels (E with a plan, K with an
    assessment or a level above GR1, N otherwise); LA early years URNs in 500000-799999 and
    Ofsted URNs, unique; every setting has a link adviser."""
    kids = sample.children.set_index("child_id")
    plan = kids["ehcp_status"] == "plan"
    assert ((kids["sen_provision"] == "ehc_plan") == plan).all()
    highest = sample.attendance.assign(code=sample.attendance["level"].cat.codes).groupby(
        "child_id", observed=True)["code"].max()
    high = highest[highest >= 2].index.astype(str)
    assert (kids.loc[kids.index.isin(high) & ~plan, "sen_provision"] == "sen_support").all()
    assert (kids.loc[kids["ehcp_status"] == "assessment", "sen_provision"] == "sen_support"
            ).all()
    assert 0.02 < (kids["sen_provision"] == "sen_support").mean() < 0.10
    s = sample.settings
    urn = s["la_urn"].astype(int)
    assert urn.between(500_000, 799_999).all() and urn.is_unique
    assert s["ofsted_urn"].is_unique and s["ofsted_urn"].str.match(r"^(EY)?\d{7}$").all()
    assert s["link_adviser"].notna().all()
    assert s.groupby("district")["link_adviser"].nunique().le(2).all()


def test_a_mapping_names_a_file_as_the_export_wrote_it(tmp_path):
    """``file: Census Attendance.CSV``, the name as a Windows export wrote it: the file
    is read as the folder reader reads its own files (any case of ``.csv``, ``.csv.gz``,
    ``.parquet``; the name was looked for with its extension and the table named missing)."""
    base = load(CENSUS, as_of=AS_OF)
    folder = copy(tmp_path)
    (folder / "census_attendance.csv").rename(folder / "Census Attendance.CSV")
    mapping = folder / "mapping.yaml"
    mapping.write_text(mapping.read_text().replace("file: census_attendance.csv",
                                                   "file: Census Attendance.CSV"))
    ds = load(folder, as_of=AS_OF)
    assert ds.summary == base.summary and ds.problems.empty, ds.problems.to_string()
    pd.testing.assert_frame_equal(ds.attendance, base.attendance)

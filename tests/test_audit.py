"""The annual audit sample (M2): stratified, seeded, reproducible; and its CLI."""

from __future__ import annotations

import csv
import io
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest

from eyanalysis.analysis import audit

TYPES = ["childminder", "group_pvi", "school_based", "specialist"]


def settings(n: int = 200, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({
        "setting_id": [f"S{i:04d}" for i in range(n)],
        "name": [f"Setting {i}" for i in range(n)],
        "provider_type": rng.choice(TYPES, n, p=[0.45, 0.4, 0.13, 0.02]),
        "district": rng.choice(["A", "B", "C"], n),
        "ofsted_judgement": "good",
        "nef_registered": rng.random(n) < 0.95,
    })
    frame.loc[0, ["provider_type", "district", "nef_registered"]] = ["specialist", "Z", True]
    return frame


def test_M2_same_inputs_and_seed_give_the_same_sample():
    s = settings()
    a = audit.sample(s, 2026, seed=7, fraction="0.30").sample
    b = audit.sample(s.sample(frac=1, random_state=3), 2026, seed=7, fraction="0.30").sample
    pd.testing.assert_frame_equal(a, b)  # input row order does not matter
    c = audit.sample(s, 2026, seed=8, fraction="0.30").sample
    assert set(a["setting_id"]) != set(c["setting_id"])


def test_M2_default_seed_is_the_year_and_fraction_the_parameter(params):
    s = settings()
    r = audit.sample(s, 2026, params=params)
    assert r.seed == 2026
    assert r.fraction == Fraction(str(params.get("panel.audit_fraction", "2026-04-01")))
    assert set(r.sample["setting_id"]) == set(audit.sample(s, 2026, seed=2026).sample[
        "setting_id"])


@pytest.mark.parametrize("fraction", ["0.30", "0.10", "0.5", "1"])
def test_M2_stratum_proportions_by_largest_remainder(fraction):
    s = settings()
    r = audit.sample(s, 2026, seed=1, fraction=fraction)
    pop = s.loc[s["nef_registered"]]
    f = Fraction(fraction)
    assert len(r.sample) == int(f * len(pop) + Fraction(1, 2))  # rounded half up
    assert r.strata["population"].sum() == len(pop)
    assert set(r.sample["setting_id"]) <= set(pop["setting_id"])  # NEF settings only
    quota = r.strata["population"].map(lambda n: f * n)
    floor = quota.map(lambda q: q.numerator // q.denominator)
    assert ((r.strata["sampled"] >= floor) & (r.strata["sampled"] <= floor + 1)).all()
    counted = r.sample.groupby(audit.STRATA).size()
    expected = r.strata.set_index(audit.STRATA)["sampled"]
    assert counted.reindex(expected.index, fill_value=0).equals(expected)


def test_M2_largest_remainder_and_a_stratum_of_one():
    rng = np.random.default_rng(0)
    alloc = audit.allocate(np.array([1, 1, 1, 10]), Fraction(3, 10), rng)
    assert alloc[3] == 3 and alloc.sum() == 4  # 3.9 -> 4: one single-setting stratum wins
    assert sorted(alloc[:3]) == [0, 0, 1]
    picks = {tuple(audit.allocate(np.array([1, 1, 1, 10]), Fraction(3, 10),
                                  np.random.default_rng(k))) for k in range(20)}
    assert len(picks) > 1  # ties are broken by the seed, not by stratum name


def run(*args, cwd=None):
    from tests.conftest import run_main

    return run_main("audit-sample", *args, cwd=cwd)


def test_M2_cli_prints_strata_and_csv_reproducibly(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    settings(60).assign(in_crisis=False, ofsted_date="2024-01-01").to_csv(
        data / "settings.csv", index=False)
    first = run("--year", "2026", "--seed", "5", "--data", str(data))
    assert first.returncode == 0, first.stderr
    rows = list(csv.DictReader(io.StringIO(first.stdout)))
    assert rows and rows[0]["audit_year"] == "2026"
    assert "population" in first.stderr and "sampled" in first.stderr
    assert f"{len(rows)} sampled" in first.stderr
    out = tmp_path / "sample.csv"
    second = run("--year", "2026", "--seed", "5", "--data", str(data), "--out", str(out))
    assert second.returncode == 0, second.stderr
    assert out.read_text() == first.stdout
    assert "population" in second.stdout and "wrote" in second.stdout


def test_M2_cli_refuses_a_bad_fraction():
    res = run("--year", "2026", "--fraction", "1.5")
    assert res.returncode == 2 and "--fraction" in res.stderr

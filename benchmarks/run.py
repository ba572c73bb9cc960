"""Benchmarks of issues #5 and #14: one command runs every workload and prints a table.

    python -m benchmarks.run            # all workloads (P1 builds England scale: ~1 min)
    python -m benchmarks.run --only P2 P3 P4 --scale 166 --repeat 3

Each workload is timed after a warm-up as the best of ``--repeat`` runs; peak memory is
the workload's own peak allocation (``tracemalloc``, numpy and pandas buffers included) in a
separate, untimed run. Naive references run in this same process. Never part of the tests.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import os
import platform
import subprocess
import sys
import time
import tracemalloc
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
GOALS = {"P1": 1.0, "P2": 1.0, "P3": 5.0, "P4": 0.5, "P5": 1.0}


def timed(fn, repeat: int) -> float:
    fn()  # warm-up
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def peak_mb(fn) -> float:
    tracemalloc.start()
    tracemalloc.reset_peak()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def max_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# ------------------------------------------------------------------------------------- P1
def england_claims(scale: float, seed: int, term_ids: list[str]) -> dict[str, pd.DataFrame]:
    """The synthetic county at ``scale`` (166 ~ England): claims for ``term_ids``, one
    frame per term, from the one claims adapter (funding age F6, EYPP flags, specialist
    settings F4: :func:`eyanalysis.data.claims.for_term`)."""
    from types import SimpleNamespace

    from eyanalysis.data import synth
    from eyanalysis.data.claims import for_term

    tables = synth.build(seed=seed, scale=scale)
    data = SimpleNamespace(**tables)
    out = {term: for_term(data, term) for term in term_ids}
    del tables, data
    return out


def naive_grid(claims: pd.DataFrame, rates) -> dict[tuple[str, str], int]:
    """Per-row Python reference of the F8 grid amounts (F2-F5, F10, P1): dicts and loops."""
    cap = int(rates.weekly_hour_cap * 100)
    units = {lvl: int(Decimal(rates.top_up[lvl]) * 10_000) for lvl in rates.top_up}
    eypp_units = int(Decimal(rates.eypp) * 10_000)
    rows = list(zip(claims["child_id"].astype(str), claims["setting_id"].astype(str),
                    claims["level"].astype(str), claims["hours_per_week"], claims["weeks"],
                    claims["funding_age"].astype(str), claims["eypp"], claims["specialist"],
                    strict=True))
    total = defaultdict(int)
    best_spec: dict[str, tuple[int, str]] = {}
    for child, setting, _lvl, hours, _w, _a, _e, spec in rows:
        h = round(hours * 100)
        total[child] += h
        if spec and h >= cap:
            cur = best_spec.get(child)
            if cur is None or (-h, setting) < (-cur[0], cur[1]):
                best_spec[child] = (h, setting)
    out: dict[tuple[str, str], int] = defaultdict(int)
    for child, setting, lvl, hours, weeks, age, eypp, _spec in rows:
        h = round(hours * 100)
        if child in best_spec:
            num, den = (cap if best_spec[child][1] == setting else 0), 1
        elif total[child] > cap:
            num, den = cap * h, total[child]
        else:
            num, den = h, 1
        term_num = num * round(weeks * 100)
        scale = den * 1_000_000
        inside = lvl in rates.in_base_rate.get(age, ())
        if lvl != "NE" and not inside and term_num > 0:
            out[(setting, "TOTAL")] += (2 * term_num * units[lvl] + scale) // (2 * scale)
        if eypp and age in rates.eypp_paid_ages and term_num > 0:  # E2
            out[(setting, "EYPP")] += (2 * term_num * eypp_units + scale) // (2 * scale)
    return out


def p1(args) -> list[dict]:
    from eyanalysis.rules import terms
    from eyanalysis.rules.grid import grid
    from eyanalysis.rules.rates import Rates

    term_ids = ["2026-SPR", "2026-SUM", "2026-AUT"]
    t0 = time.perf_counter()
    claims = england_claims(args.scale, args.seed, term_ids)
    build = time.perf_counter() - t0
    rates = {t: Rates.from_parameters(terms.start(t)) for t in term_ids}
    n_rows = sum(len(c) for c in claims.values())
    n_children = sum(c["child_id"].nunique() for c in claims.values())
    multi = sum(int(c["child_id"].duplicated().sum()) for c in claims.values())

    def fast():
        return {t: grid(claims[t], rates[t]) for t in term_ids}

    secs = timed(fast, args.repeat)
    peak = peak_mb(fast)
    grids = fast()
    t = time.perf_counter()
    ref = {term: naive_grid(claims[term], rates[term]) for term in term_ids}
    ref_secs = time.perf_counter() - t
    for term in term_ids:  # the reference must agree to the penny
        g = grids[term]
        for kind in ("TOTAL", "EYPP"):
            fast_total = int(g.loc[g["level"] == kind, "amount_pence"].sum())
            ref_total = sum(v for (s, k), v in ref[term].items() if k == kind)
            assert fast_total == ref_total, (term, kind, fast_total, ref_total)
    return [{"workload": "P1 England-scale grid (3 terms)",
             "size": f"{n_rows:,} rows, {n_children:,} child-terms, {multi:,} split rows",
             "time_s": secs, "reference_s": ref_secs, "peak_mb": peak, "goal_s": GOALS["P1"],
             "note": f"data build {build:.0f} s (untimed); reference = per-row Python, "
                     "same totals to the penny"}]


# ------------------------------------------------------------------------------------- P2
def p2(args) -> list[dict]:
    import eyanalysis
    from eyanalysis.analysis import costing as F
    from eyanalysis.data.claims import for_term
    from eyanalysis.parameters import load_parameters
    from eyanalysis.rules.grid import grid
    from eyanalysis.rules.rates import Rates

    params = load_parameters()
    ds = eyanalysis.load(args.data, tables=["attendance", "children", "settings"])
    term = "2027-SPR"
    claims = for_term(ds, term, params=params)
    rates = Rates.from_parameters("2027-01-01", params)
    rng = np.random.default_rng(args.seed)
    base = F.rate_vector(rates)
    matrix = np.round(base * rng.uniform(0.8, 1.3, size=(10_000, base.size)), 4)

    def fast():
        hours = F.claim_hours(claims, rates)  # aggregate once
        return F.sweep(hours.to_numpy(), matrix)

    secs = timed(fast, args.repeat)
    peak = peak_mb(fast)
    spend = fast()

    def one(row):  # naive: re-run the exact engine per scenario
        top = dict(zip(["GR1", "GR2", "GR3", "GR4"], map(Decimal, map(str, row[:4])),
                       strict=True))
        top["EXC"] = top["GR4"] + Decimal(str(row[4]))
        r = dataclasses.replace(rates, top_up=top, eypp=Decimal(str(row[5])))
        g = grid(claims, r)
        return g.loc[g["level"].isin(["TOTAL", "EYPP"]), "amount_pence"].sum() / 100

    n_ref = 50
    t = time.perf_counter()
    exact = [one(row) for row in matrix[:n_ref]]
    ref_secs = (time.perf_counter() - t) * len(matrix) / n_ref
    worst = float(np.max(np.abs(np.array(exact) - spend[:n_ref])))
    return [{"workload": "P2 scenario sweep", "size": f"10,000 rate scenarios x {len(claims):,}"
             " claims", "time_s": secs, "reference_s": ref_secs, "peak_mb": peak,
             "goal_s": GOALS["P2"],
             "note": f"reference = exact engine per scenario, {n_ref} run and scaled; float "
                     f"sweep within £{worst:.2f} of exact per-row pence"}]


# ------------------------------------------------------------------------------------- P3
def p3(args) -> list[dict]:
    import eyanalysis
    from eyanalysis.analysis import forecast as F
    from eyanalysis.analysis import projection as pj
    from eyanalysis.rules.scenarios import baseline

    ds = eyanalysis.load(args.data, tables=["attendance", "children", "settings"])
    inputs = F.Inputs.from_dataset(ds)
    sc = [baseline()]

    def fast():
        return F.run(inputs, sc, "2027-SPR", 6, paths=10_000, seed=args.seed)

    secs = timed(fast, max(1, args.repeat - 1))
    peak = peak_mb(fast)
    n_ref = 100
    t = time.perf_counter()
    for k in range(n_ref):  # naive: one path at a time
        pj.simulate(inputs.model, inputs.start, "2027-SPR", 6, paths=1, seed=k)
    ref_secs = (time.perf_counter() - t) * 10_000 / n_ref
    return [{"workload": "P3 Monte Carlo", "size": "10,000 paths x 6 terms, "
             f"{int(inputs.start.sum()):,} children at start", "time_s": secs,
             "reference_s": ref_secs, "peak_mb": peak, "goal_s": GOALS["P3"],
             "note": f"reference = a Python loop over paths, {n_ref} run and scaled"}]


# ------------------------------------------------------------------------------------- P4
def _import_seconds(statement: str, runs: int = 5) -> float:
    code = ("import time; t = time.perf_counter(); " + statement
            + "; print(time.perf_counter() - t)")
    times = []
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             check=True, cwd=ROOT)
        times.append(float(out.stdout.strip()))
    return min(times)


def p4(args) -> list[dict]:
    secs = _import_seconds("import eyanalysis")
    ref = _import_seconds("import pandas, plotly.graph_objects, pandera.pandas, papermill")
    return [{"workload": "P4 import eyanalysis", "size": "fresh interpreter", "time_s": secs,
             "reference_s": ref, "peak_mb": float("nan"), "goal_s": GOALS["P4"],
             "note": "reference = importing pandas, plotly, pandera and papermill eagerly"}]


# ------------------------------------------------------------------------------------- P5
def p5(args) -> list[dict]:
    """Issue #14: every shipped inclusion scheme costs one term of the sample at its low,
    central and high crosswalk points (S1-S3)."""
    import eyanalysis
    from eyanalysis.analysis.schemes import claims_for_term, compare
    from eyanalysis.parameters import load_parameters
    from eyanalysis.rules import schemes
    from eyanalysis.rules.grid import grid
    from eyanalysis.rules.rates import Rates

    params = load_parameters()
    ds = eyanalysis.load(args.data, tables=["attendance", "children", "settings"])
    term, on = "2026-AUT", "2026-09-01"
    claims = claims_for_term(ds, term, today=dt.date(2026, 12, 1), params=params)
    ids = schemes.in_force(on, params)

    def fast():
        return compare(claims, on, ids, params)

    secs = timed(fast, args.repeat)
    peak = peak_mb(fast)
    rates = Rates.from_parameters(on, params)
    home = claims.drop(columns="daf")  # the child-level DLA flag, not a DAF claim per row
    ref_secs = timed(lambda: grid(home, rates), args.repeat)
    return [{"workload": "P5 every scheme, one term", "size": f"{len(ids)} schemes x 3 "
             f"crosswalk points x {len(claims):,} claims", "time_s": secs,
             "reference_s": ref_secs, "peak_mb": peak, "goal_s": GOALS["P5"],
             "note": "reference = one predict grid of the same claims (the home engine once,"
                     " one crosswalk point); a ratio below 1 is the price of 27 costings"}]


# ------------------------------------------------------------------------------------- P6
def p6(args) -> list[dict]:
    """The source checked again on another day: its tables' cells are those checked before,
    so their schema checks are read back (:func:`eyanalysis.data.cache.check_key`) and only
    the reading, the checks between tables and those against the date run."""
    import tempfile

    from eyanalysis.data.dataset import load

    days = iter(pd.date_range("2030-01-01", periods=1000).date)  # a new day: a new check
    before = os.environ.get("EYANALYSIS_CACHE")
    try:
        with tempfile.TemporaryDirectory() as folder:
            os.environ["EYANALYSIS_CACHE"] = folder
            load(args.data, as_of=next(days))  # the tables' checks, kept

            def again():
                return load(args.data, as_of=next(days))

            secs = timed(again, args.repeat)
            peak = peak_mb(again)
        os.environ["EYANALYSIS_CACHE"] = "off"
        ref_secs = timed(lambda: load(args.data, as_of=next(days)), args.repeat)
    finally:
        if before is None:
            os.environ.pop("EYANALYSIS_CACHE", None)
        else:
            os.environ["EYANALYSIS_CACHE"] = before
    return [{"workload": "P6 check again, another day", "size": "the source's every table",
             "time_s": secs, "reference_s": ref_secs, "peak_mb": peak, "goal_s": float("nan"),
             "note": "reference = the whole check (EYANALYSIS_CACHE=off), as every new day's "
                     "first load was; no goal was set (not an issue's workload)"}]


WORKLOADS = {"P1": p1, "P2": p2, "P3": p3, "P4": p4, "P5": p5, "P6": p6}


def machine() -> str:
    load = os.getloadavg() if hasattr(os, "getloadavg") else ("?",) * 3
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"{dt.datetime.now():%Y-%m-%d %H:%M} | {platform.platform()} | {cpu} | "
            f"{os.cpu_count()} cores | Python {platform.python_version()} | numpy "
            f"{np.__version__} | pandas {pd.__version__} | load average "
            f"{' '.join(f'{x:.2f}' for x in load)}")


def table(rows: list[dict]) -> str:
    head = "| workload | size | time | reference time | ratio | peak memory | goal | met |"
    lines = [head, "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        ratio = r["reference_s"] / r["time_s"] if r["time_s"] else float("nan")
        met = r["time_s"] < r["goal_s"] and (r["workload"][:2] != "P1" or (
            ratio >= 100 and r["peak_mb"] < 3072))
        goal = "-" if np.isnan(r["goal_s"]) else f"< {r['goal_s']:g} s"
        met = "-" if np.isnan(r["goal_s"]) else ("yes" if met else "NO")
        mem = "-" if np.isnan(r["peak_mb"]) else f"{r['peak_mb']:,.0f} MB"
        lines.append(f"| {r['workload']} | {r['size']} | {r['time_s']:.3f} s | "
                     f"{r['reference_s']:.2f} s | {ratio:,.{0 if ratio >= 10 else 2}f}x | {mem} | "
                     f"{goal} | {met} |")
    notes = [f"- {r['workload'][:2]}: {r['note']}" for r in rows]
    return "\n".join(lines + [""] + notes)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", nargs="*", choices=sorted(WORKLOADS), default=sorted(WORKLOADS))
    ap.add_argument("--scale", type=float, default=166.0, help="P1 county scale (166 ~ England)")
    ap.add_argument("--seed", type=int, default=20261123)
    ap.add_argument("--repeat", type=int, default=3, help="timed runs; the best is kept")
    ap.add_argument("--data", default=None, help="data source for P2-P3 (default: sample)")
    args = ap.parse_args(argv)
    print(f"machine: {machine()}", flush=True)
    rows = []
    for name in args.only:
        print(f"running {name} ...", file=sys.stderr, flush=True)
        rows += WORKLOADS[name](args)
    print(table(rows))
    print(f"\nprocess peak RSS {max_rss_mb():,.0f} MB (includes building the test data); "
          f"finished with load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main())

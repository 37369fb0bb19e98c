"""Time and memory of the rank tests at 1k, 10k and 100k values per sample, against scipy.

Run on demand (never part of the test suite)::

    .venv/bin/python benchmarks/bench_ranks.py
    .venv/bin/python benchmarks/bench_ranks.py --sizes 1000 10000 --repeat 5 --previous

Every case runs in a fresh Python process, so that its peak resident memory
(``resource.getrusage(RUSAGE_SELF).ru_maxrss``, minus the same figure after the imports) is
its own; the peak of the memory allocated during the call (``tracemalloc``, which numpy
reports to) is measured too. Time is the best of ``--repeat`` calls.

Cases, each on Likert-type data (answers 1..5, so many ties and zero differences) and on
continuous data (normal, no ties):

paired
    ``evaluation.stats.paired_test(before, after, method="wilcoxon")``: p-value,
    Hodges–Lehmann pseudomedian, its confidence interval, rank-biserial correlation with CI;
    against ``scipy.stats.wilcoxon(after - before, method="asymptotic", correction=True)``
    (p-value only).
two-sample
    ``evaluation.stats.independent_test(a, b, method="mannwhitney")``: p-value,
    Hodges–Lehmann shift with CI, Cliff's delta with CI; against
    ``scipy.stats.mannwhitneyu(a, b, method="asymptotic")`` (p-value only).

``--previous`` also times the implementation in the last commit (``git show
HEAD:src/evaluation/stats.py``), which materialises every Walsh average / pairwise
difference, for sizes up to 10 000 (beyond that it needs tens of GB).

Results go to ``benchmarks/results/bench_ranks.json``. Goal (issue 13): at 100 000 values
per sample, each rank test in at most 2 s and 1 GB.
"""
from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOAL_SECONDS, GOAL_BYTES, GOAL_N = 2.0, 1e9, 100_000

CHILD = r"""
import json, resource, sys, time, tracemalloc, types, subprocess
sys.path.insert(0, {src!r})
import numpy as np
from scipy import stats as sps
impl, test, data, n, repeat = {impl!r}, {test!r}, {data!r}, {n}, {repeat}
if impl == "previous":
    code = subprocess.run(["git", "-C", {root!r}, "show", "HEAD:src/evaluation/stats.py"],
                          capture_output=True, text=True, check=True).stdout
    mod = types.ModuleType("previous_stats"); exec(compile(code, "previous_stats", "exec"), mod.__dict__)
    paired_test, independent_test = mod.paired_test, mod.independent_test
else:
    from evaluation.stats import paired_test, independent_test
rng = np.random.default_rng(20240501)
if data == "likert":
    before = rng.integers(1, 6, n).astype(float)
    after = np.clip(before + rng.integers(-1, 3, n), 1, 5)
    b_ind = rng.integers(1, 6, n).astype(float)
    a_ind = np.clip(rng.integers(1, 6, n) + rng.integers(0, 2, n), 1, 5).astype(float)
else:
    before = rng.normal(size=n); after = before + rng.normal(0.1, 1, n)
    b_ind = rng.normal(size=n); a_ind = rng.normal(0.1, 1, n)
if test == "paired":
    call = {{"evaluation": lambda: paired_test(before, after, method="wilcoxon"),
            "previous": lambda: paired_test(before, after, method="wilcoxon"),
            "scipy": lambda: sps.wilcoxon(after - before, method="asymptotic", correction=True)}}[impl]
else:
    call = {{"evaluation": lambda: independent_test(a_ind, b_ind, method="mannwhitney"),
            "previous": lambda: independent_test(a_ind, b_ind, method="mannwhitney"),
            "scipy": lambda: sps.mannwhitneyu(a_ind, b_ind, method="asymptotic")}}[impl]
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
tracemalloc.start()
t0 = time.perf_counter(); res = call(); first = time.perf_counter() - t0
peak = tracemalloc.get_traced_memory()[1]
tracemalloc.stop()
times = [first]
for _ in range(repeat - 1):
    t0 = time.perf_counter(); call(); times.append(time.perf_counter() - t0)
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - base
p = float(res["p_value"]) if impl != "scipy" else float(res.pvalue)
extra = {{}} if impl == "scipy" else {{k: float(res[k]) for k in ("estimate", "ci_low", "ci_high", "effect_size")}}
print(json.dumps({{"seconds": min(times), "tracemalloc_peak_bytes": peak, "rss_growth_bytes": rss,
                  "p_value": p, **extra}}))
"""


def run_case(impl: str, test: str, data: str, n: int, repeat: int) -> dict:
    code = CHILD.format(src=str(ROOT / "src"), root=str(ROOT), impl=impl, test=test, data=data,
                        n=n, repeat=repeat)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if proc.returncode:
        return {"error": proc.stderr.strip().splitlines()[-1] if proc.stderr else "failed"}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--previous", action="store_true", help="also time the last commit's code (n <= 10k)")
    parser.add_argument("--json", type=Path, default=ROOT / "benchmarks/results/bench_ranks.json")
    args = parser.parse_args(argv)
    rows = []
    impls = ["evaluation", "scipy"] + (["previous"] if args.previous else [])
    for test in ("paired", "two-sample"):
        for data in ("likert", "continuous"):
            for n in args.sizes:
                row = {"test": test, "data": data, "n": n}
                for impl in impls:
                    if impl == "previous" and n > 10_000:
                        continue
                    row[impl] = run_case(impl, test, data, n, 1 if impl == "previous" else args.repeat)
                ev, sp = row["evaluation"], row["scipy"]
                if "error" not in ev and "error" not in sp:
                    row["time_ratio_to_scipy"] = ev["seconds"] / sp["seconds"]
                    row["meets_goal"] = bool(ev["seconds"] <= GOAL_SECONDS and max(
                        ev["rss_growth_bytes"], ev["tracemalloc_peak_bytes"]) <= GOAL_BYTES)
                rows.append(row)
                line = f"{test:<10} {data:<10} n={n:>7}"
                for impl in impls:
                    res = row.get(impl)
                    if res is None:
                        continue
                    if "error" in res:
                        line += f"  {impl}: {res['error'][:60]}"
                    else:
                        line += (f"  {impl}: {res['seconds']:.3f}s peak {res['tracemalloc_peak_bytes'] / 1e6:.1f} MB"
                                 f" rss+{res['rss_growth_bytes'] / 1e6:.1f} MB")
                if "time_ratio_to_scipy" in row:
                    line += f"  ratio {row['time_ratio_to_scipy']:.1f}x"
                if n == GOAL_N and "meets_goal" in row:
                    line += "  goal (<= 2 s, <= 1 GB) " + ("met" if row["meets_goal"] else "MISSED")
                print(line, flush=True)
    at_goal = [r for r in rows if r["n"] == GOAL_N]
    if at_goal:
        met = [r for r in at_goal if r.get("meets_goal")]
        slowest = max(at_goal, key=lambda r: r["evaluation"].get("seconds", float("inf")))
        print(f"goal at n = {GOAL_N}: {len(met)} of {len(at_goal)} rank tests within {GOAL_SECONDS:g} s and "
              f"{GOAL_BYTES / 1e9:g} GB (slowest: {slowest['test']} {slowest['data']}, "
              f"{slowest['evaluation'].get('seconds', float('nan')):.3f} s)")
    out = {"python": platform.python_version(), "machine": platform.machine(), "processor": platform.processor(),
           "goal": {"seconds": GOAL_SECONDS, "bytes": GOAL_BYTES, "n": GOAL_N},
           "goal_met_at_n": all(r.get("meets_goal", False) for r in at_goal) if at_goal else None, "rows": rows,
           "date": time.strftime("%Y-%m-%d %H:%M:%S")}
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(out, indent=2))
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()

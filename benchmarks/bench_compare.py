"""Time and memory of ``compare_waves`` at city scale, against a plain scipy loop per outcome.

Run on demand (never part of the test suite)::

    .venv/bin/python benchmarks/bench_compare.py
    .venv/bin/python benchmarks/bench_compare.py --sizes 10000 --repeat 1

Data: `n` respondents answer the first wave, 70% of them and 0.3·n newcomers the second;
40 Likert items (answers 1..5, 5% missing) in 8 scales (the families of the Holm
adjustment). Every case runs in a fresh Python process so that its peak resident memory
(``ru_maxrss`` minus the same figure after building the data) is its own; ``tracemalloc``
gives the peak of the memory allocated during the call. Time is the best of ``--repeat``.

Cases (paired / cross-sectional method):

``t/welch``, ``wilcoxon/mannwhitney``, ``wilcoxon/brunnermunzel``
    ``evaluation.compare.compare_waves(data, outcomes=items, families=scales, ...)``: per
    item the means per wave with CI, the paired change with CI, effect size and its CI, the
    cross-sectional difference with CI, Holm-adjusted p-values.
peer
    A plain loop per item with pandas and scipy: pair the waves with ``merge``, then
    ``scipy.stats.ttest_rel`` / ``wilcoxon`` on the pairs and ``ttest_ind(equal_var=False)``
    / ``mannwhitneyu`` / ``brunnermunzel`` on the cross-sections (p-values only: no
    Hodges–Lehmann estimates, no intervals, no effect sizes).

Goal (issue 13): 100 000 respondents × 2 waves × 40 items in at most 5 s and 2 GB on the
2-core machine, rank tests and their intervals included. Results go to
``benchmarks/results/bench_compare.json``.
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
GOAL_SECONDS, GOAL_BYTES = 5.0, 2e9
METHODS = {"t/welch": ("t", "welch"), "wilcoxon/mannwhitney": ("wilcoxon", "mannwhitney"),
           "wilcoxon/brunnermunzel": ("wilcoxon", "brunnermunzel")}

CHILD = r"""
import json, resource, sys, time, tracemalloc
sys.path.insert(0, {src!r})
import numpy as np, pandas as pd
from scipy import stats as sps
impl, paired_method, independent_method, n, repeat = {impl!r}, {paired!r}, {independent!r}, {n}, {repeat}
rng = np.random.default_rng(20240501)
items, scales = 40, 8
ids = np.arange(n)
stay = ids[rng.random(n) < 0.7]
after_ids = np.concatenate([stay, n + np.arange(int(0.3 * n))])
frames = []
for wave, who in (("before", ids), ("after", after_ids)):
    m = len(who)
    level = rng.integers(1, 6, size=(m, 1))
    answers = np.clip(level + rng.integers(-1, 2, size=(m, items)) + (wave == "after") * rng.integers(0, 2, size=(m, items)),
                      1, 5).astype(float)
    answers[rng.random((m, items)) < 0.05] = np.nan
    frame = pd.DataFrame(answers, columns=[f"q{{i:02d}}" for i in range(items)])
    frame.insert(0, "respondent", who)
    frame.insert(1, "wave", wave)
    frames.append(frame)
data = pd.concat(frames, ignore_index=True)
data["wave"] = pd.Categorical(data["wave"], categories=["before", "after"], ordered=True)
outcomes = [f"q{{i:02d}}" for i in range(items)]
families = {{o: f"scale{{i % scales}}" for i, o in enumerate(outcomes)}}

def peer():
    before, after = data[data["wave"] == "before"], data[data["wave"] == "after"]
    out = []
    for o in outcomes:
        pairs = pd.merge(before[["respondent", o]].dropna(), after[["respondent", o]].dropna(), on="respondent")
        b, a = pairs[o + "_x"].to_numpy(), pairs[o + "_y"].to_numpy()
        xa, xb = after[o].dropna().to_numpy(), before[o].dropna().to_numpy()
        if paired_method == "t":
            p1 = sps.ttest_rel(a, b).pvalue
        else:
            p1 = sps.wilcoxon(a - b, method="asymptotic", correction=True).pvalue
        if independent_method == "welch":
            p2 = sps.ttest_ind(xa, xb, equal_var=False).pvalue
        elif independent_method == "mannwhitney":
            p2 = sps.mannwhitneyu(xa, xb, method="asymptotic").pvalue
        else:
            p2 = sps.brunnermunzel(xa, xb).pvalue
        out.append((b.mean(), a.mean(), p1, p2))
    return out

if impl == "evaluation":
    from evaluation.compare import compare_waves
    call = lambda: compare_waves(data, outcomes=outcomes, families=families, paired_method=paired_method,
                                 independent_method=independent_method)
else:
    call = peer
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
tracemalloc.start()
t0 = time.perf_counter(); res = call(); first = time.perf_counter() - t0
peak = tracemalloc.get_traced_memory()[1]
tracemalloc.stop()
times = [first]
for _ in range(repeat - 1):
    t0 = time.perf_counter(); call(); times.append(time.perf_counter() - t0)
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - base
extra = {{}}
if impl == "evaluation":
    extra = {{"rows": len(res), "notes": sorted(set(res["note"]) - {{""}})[:3],
             "failed_tests": int(res["p_value"].isna().sum() + res["cs_p_value"].isna().sum()),
             "first_row": {{k: float(res.iloc[0][k]) for k in ("estimate", "ci_low", "ci_high", "p_value",
                                                                "effect_size", "cs_estimate", "cs_ci_low", "cs_ci_high")}}}}
print(json.dumps({{"seconds": min(times), "seconds_first_call": first, "tracemalloc_peak_bytes": peak,
                  "rss_growth_bytes": rss, **extra}}))
"""


def run_case(impl: str, methods: tuple[str, str], n: int, repeat: int) -> dict:
    code = CHILD.format(src=str(ROOT / "src"), impl=impl, paired=methods[0], independent=methods[1], n=n,
                        repeat=repeat)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if proc.returncode:
        return {"error": proc.stderr.strip().splitlines()[-1] if proc.stderr else "failed"}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--methods", nargs="+", default=list(METHODS), choices=list(METHODS))
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--json", type=Path, default=ROOT / "benchmarks/results/bench_compare.json")
    args = parser.parse_args(argv)
    rows = []
    for name in args.methods:
        for n in args.sizes:
            row = {"methods": name, "n": n, "items": 40, "scales": 8}
            for impl in ("evaluation", "peer"):
                row[impl] = run_case(impl, METHODS[name], n, args.repeat)
            ev, peer = row["evaluation"], row["peer"]
            line = f"{name:<24} n={n:>7}"
            for impl in ("evaluation", "peer"):
                res = row[impl]
                if "error" in res:
                    line += f"  {impl}: {res['error'][:70]}"
                else:
                    line += (f"  {impl}: {res['seconds']:.2f}s peak {res['tracemalloc_peak_bytes'] / 1e6:.0f} MB"
                             f" rss+{res['rss_growth_bytes'] / 1e6:.0f} MB")
            if "error" not in ev and "error" not in peer:
                row["time_ratio_to_peer"] = ev["seconds"] / peer["seconds"]
                line += f"  ratio {row['time_ratio_to_peer']:.1f}x"
                if n == 100_000:
                    row["meets_goal"] = bool(ev["seconds"] <= GOAL_SECONDS and max(
                        ev["rss_growth_bytes"], ev["tracemalloc_peak_bytes"]) <= GOAL_BYTES)
                    line += "  goal " + ("met" if row["meets_goal"] else "MISSED")
            rows.append(row)
            print(line, flush=True)
    out = {"python": platform.python_version(), "machine": platform.machine(), "processor": platform.processor(),
           "goal": {"seconds": GOAL_SECONDS, "bytes": GOAL_BYTES, "n": 100_000, "items": 40, "scales": 8},
           "rows": rows, "date": time.strftime("%Y-%m-%d %H:%M:%S")}
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(out, indent=2))
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()

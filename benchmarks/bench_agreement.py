"""Krippendorff's alpha of the package against the ``krippendorff`` package, 20 coders x 100,000 units.

Run on demand (never part of the test suite); the peer comes with the ``bench`` extra
(``make benchmark`` installs it)::

    .venv/bin/python benchmarks/bench_agreement.py
    .venv/bin/python benchmarks/bench_agreement.py --units 10000 100000 --levels nominal interval

Data: ``coders`` x ``units`` ratings on 5 categories (coded 0..4): each coder gives the unit's
"true" category with probability 0.7 and a random one otherwise; 10% of the ratings are
missing (NaN). Both implementations get the same float array, coders in rows (the layout of
Krippendorff's reliability data matrix):

evaluation
    ``evaluation.agreement.krippendorff_alpha(data, level=level)["alpha"]``
peer
    ``krippendorff.alpha(reliability_data=data, level_of_measurement=level)`` (krippendorff 0.8+)

Each runs in a fresh Python process (peak memory is its own: the growth of ``VmHWM`` during the
calls); time is the best of ``--repeat`` calls. The two alphas must agree to 1e-9.

Goal (issue 13): at 20 coders x 100,000 units, nominal, at most 1.2 times the peer's time,
equal values. Results go to ``benchmarks/results/bench_agreement.json``.
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
GOAL_RATIO, GOAL_TOLERANCE, GOAL_UNITS, GOAL_CODERS = 1.2, 1e-9, 100_000, 20

#: the peak-memory helper every child process starts with (braces doubled for str.format)
PEAK_RSS = (Path(__file__).with_name("_peak_rss.py").read_text(encoding="utf-8")
            .replace("{", "{{").replace("}", "}}"))

CHILD = PEAK_RSS + r"""
import json, resource, sys, time
sys.path.insert(0, {src!r})
import numpy as np
impl, coders, units, level, repeat = {impl!r}, {coders}, {units}, {level!r}, {repeat}
rng = np.random.default_rng(20240501)
truth = rng.integers(0, 5, units)
data = np.where(rng.random((coders, units)) < 0.7, truth, rng.integers(0, 5, (coders, units))).astype(float)
data[rng.random((coders, units)) < 0.1] = np.nan
if impl == "evaluation":
    from evaluation.agreement import krippendorff_alpha
    call = lambda: float(krippendorff_alpha(data, level=level)["alpha"])
else:
    import krippendorff
    call = lambda: float(krippendorff.alpha(reliability_data=data, level_of_measurement=level))
base = peak_rss()
times = []
for _ in range(repeat):
    t0 = time.perf_counter(); value = call(); times.append(time.perf_counter() - t0)
print(json.dumps({{"seconds": min(times), "seconds_first_call": times[0], "alpha": value,
                  "rss_growth_bytes": peak_rss() - base, "peak_rss_bytes": peak_rss()}}))
"""


def run_case(impl: str, coders: int, units: int, level: str, repeat: int) -> dict:
    code = CHILD.format(src=str(ROOT / "src"), impl=impl, coders=coders, units=units, level=level, repeat=repeat)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if proc.returncode:
        error = proc.stderr.strip().splitlines()[-1] if proc.stderr else "failed"
        if "No module named 'krippendorff'" in error:
            error += " (the peer comes with the bench extra: `make benchmark` installs it)"
        return {"error": error}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--coders", type=int, default=GOAL_CODERS)
    parser.add_argument("--units", type=int, nargs="+", default=[GOAL_UNITS])
    parser.add_argument("--levels", nargs="+", default=["nominal"],
                        choices=["nominal", "ordinal", "interval", "ratio"])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", type=Path, default=ROOT / "benchmarks/results/bench_agreement.json")
    args = parser.parse_args(argv)
    rows = []
    for level in args.levels:
        for units in args.units:
            row = {"coders": args.coders, "units": units, "level": level}
            for impl in ("evaluation", "peer"):
                row[impl] = run_case(impl, args.coders, units, level, args.repeat)
            ev, peer = row["evaluation"], row["peer"]
            line = f"alpha {level:<8} {args.coders} coders x {units:>7} units"
            for impl in ("evaluation", "peer"):
                res = row[impl]
                line += (f"  {impl}: {res['error'][:70]}" if "error" in res else
                         f"  {impl}: {res['seconds']:.3f}s rss+{res['rss_growth_bytes'] / 1e6:.0f} MB")
            if "error" not in ev and "error" not in peer:
                row["difference"] = abs(ev["alpha"] - peer["alpha"])
                row["equal"] = bool(row["difference"] <= GOAL_TOLERANCE)
                row["time_ratio_to_peer"] = ev["seconds"] / peer["seconds"]
                line += (f"  alpha {ev['alpha']:.12f} vs {peer['alpha']:.12f}"
                         f" ({'equal' if row['equal'] else 'DIFFERENT'} to 1e-9)"
                         f"  ratio {row['time_ratio_to_peer']:.2f}x")
                if units == GOAL_UNITS and args.coders == GOAL_CODERS and level == "nominal":
                    row["meets_goal"] = bool(row["equal"] and row["time_ratio_to_peer"] <= GOAL_RATIO)
                    line += "  goal (<= 1.2x, equal) " + ("met" if row["meets_goal"] else "MISSED")
            rows.append(row)
            print(line, flush=True)
    out = {"python": platform.python_version(), "machine": platform.machine(),
           "goal": {"ratio": GOAL_RATIO, "tolerance": GOAL_TOLERANCE, "coders": GOAL_CODERS, "units": GOAL_UNITS,
                    "level": "nominal"},
           "rows": rows, "date": time.strftime("%Y-%m-%d %H:%M:%S")}
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(out, indent=2))
    print(f"wrote {args.json}")
    return out


if __name__ == "__main__":
    main()

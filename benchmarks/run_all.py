"""Run every benchmark of issue 13 and print one table: each figure beside its peer or floor.

Run with ``make benchmark`` (``BENCH_ONLY=qdpx,agreement make benchmark`` for some), or::

    .venv/bin/python benchmarks/run_all.py
    .venv/bin/python benchmarks/run_all.py --only qdpx agreement

Never part of the test suite. Each benchmark runs in its own Python process (which runs each
measured case in a fresh process again), one after the other, so peak memory is per benchmark
and no two compete for the two cores:

========== ====================================================================================
compare    ``bench_compare.py``: compare_waves, 100,000 respondents x 40 items x 2 waves, three
           method pairs, against a plain scipy loop per item
ranks      ``bench_ranks.py``: rank tests with Hodges-Lehmann intervals, 100,000 per sample,
           against scipy
agreement  ``bench_agreement.py``: Krippendorff's alpha, 20 coders x 100,000 units, against the
           ``krippendorff`` package (the ``bench`` extra)
qdpx       ``bench_qdpx.py``: read_codings on a 50 MB .qdpx, against unzip + parse (its floor)
import     ``bench_import.py``: import_study with a survey wave of 1,000,000 rows, against
           Arrow's CSV parse of the file (its floor)
report     ``bench_report.py --rebuild``: the full report, both languages side by side, all
           formats, from raw files (cold) and with the results cached, against the old design's
           floor (a kernel start and the imports per notebook, 18 of them); ``evaluation
           report`` unchanged (skips), against ``evaluation --help``
========== ====================================================================================

Each benchmark writes its own JSON in ``benchmarks/results/``; this script reads them, prints
the table (work | package | peer/floor | ratio | peak memory | goal | met?) and writes
``benchmarks/results/benchmark.json`` with every row. Peak memory is the figure the goal is
judged on: the growth of the measured process during the call for compare, ranks and
agreement, the whole process for the qdpx read, the largest process of the build for the
report. The exit status is 1 when a benchmark could not run (2 with ``--strict`` when a goal
is missed), else 0.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HERE = ROOT / "benchmarks"
RESULTS = HERE / "results"

# name -> (script, arguments); each script takes --json PATH
BENCHES = {
    "compare": ("bench_compare.py", ["--sizes", "100000"]),
    "ranks": ("bench_ranks.py", ["--sizes", "100000"]),
    "agreement": ("bench_agreement.py", []),
    "qdpx": ("bench_qdpx.py", []),
    "import": ("bench_import.py", []),
    "report": ("bench_report.py", ["--rebuild"]),
}

# Runs the benchmark as its child and reports the largest resident size of any process in its
# tree (RUSAGE_CHILDREN: every descendant that has been waited for), without a shell.
WRAPPER = r"""
import resource, subprocess, sys
done = subprocess.run(sys.argv[2:])
scale = 1 if sys.platform == "darwin" else 1024
with open(sys.argv[1], "w") as out:
    out.write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * scale))
sys.exit(done.returncode)
"""


def _nan(value) -> float:
    return float("nan") if value is None else float(value)


def _row(work, package, peer, peer_label, memory, goal, met, note="") -> dict:
    ratio = package / peer if package == package and peer == peer and peer else float("nan")
    return {"work": work, "package_seconds": package, "peer_seconds": peer, "peer": peer_label,
            "ratio": ratio, "peak_memory_bytes": memory, "goal": goal, "met": met, "note": note}


def rows_compare(data: dict) -> list[dict]:
    rows = []
    for r in data["rows"]:
        ev, peer = r.get("evaluation", {}), r.get("peer", {})
        failed = ev.get("failed_tests")
        memory = max(ev.get("rss_growth_bytes", math.nan), ev.get("tracemalloc_peak_bytes", math.nan))
        at_goal = r["n"] == 100_000
        met = bool(r.get("meets_goal") and failed == 0) if at_goal and "error" not in ev else None
        note = ev.get("error", "") or (f"{failed} failed test(s)" if failed else "no failed tests")
        rows.append(_row(f"compare_waves {r['methods']}, {r['n'] // 1000}k x {r['items']} items x 2 waves",
                         _nan(ev.get("seconds")), _nan(peer.get("seconds")), "scipy loop", memory,
                         "<= 5 s, <= 2 GB, no failed tests" if at_goal else "-", met, note))
    return rows


def rows_ranks(data: dict) -> list[dict]:
    rows = []
    for r in data["rows"]:
        ev, peer = r.get("evaluation", {}), r.get("scipy", {})
        memory = max(ev.get("rss_growth_bytes", math.nan), ev.get("tracemalloc_peak_bytes", math.nan))
        test = {"paired": "Wilcoxon + HL CI", "two-sample": "Mann-Whitney + HL CI"}.get(r["test"], r["test"])
        at_goal = r["n"] == 100_000
        rows.append(_row(f"{test}, {r['data']}, {r['n'] // 1000}k per sample", _nan(ev.get("seconds")),
                         _nan(peer.get("seconds")), "scipy (p only)", memory, "<= 2 s, <= 1 GB" if at_goal else "-",
                         r.get("meets_goal") if at_goal and "error" not in ev else None, ev.get("error", "")))
    return rows


def rows_agreement(data: dict) -> list[dict]:
    rows = []
    for r in data["rows"]:
        ev, peer = r.get("evaluation", {}), r.get("peer", {})
        note = ev.get("error") or peer.get("error") or (
            f"alpha equal to 1e-9 (|diff| {r['difference']:.1e})" if r.get("equal") else
            f"alpha DIFFERENT (|diff| {r.get('difference', math.nan):.1e})")
        at_goal = "meets_goal" in r
        rows.append(_row(f"Krippendorff alpha {r['level']}, {r['coders']} coders x {r['units'] // 1000}k units",
                         _nan(ev.get("seconds")), _nan(peer.get("seconds")), "krippendorff pkg",
                         _nan(ev.get("rss_growth_bytes")), "<= 1.2x peer, equal values" if at_goal else "-",
                         r.get("meets_goal"), note))
    return rows


def rows_qdpx(data: dict) -> list[dict]:
    project = data["project"]
    note = (f"{project['file_bytes'] / 1e6:.0f} MB file, {project['xml_bytes'] / 1e6:.0f} MB XML; output "
            + ("correct" if data.get("correct") else "WRONG" if "correct" in data else "not read"))
    return [_row(f"read_codings .qdpx, {project['documents']:,} docs, {project['codings'] // 1000}k codings",
                 _nan(data.get("seconds")), _nan(data.get("floor_seconds")), "floor: unzip+parse",
                 _nan(data.get("peak_rss_bytes")), "<= 10 s, <= 1 GB", data.get("meets_goal"), note)]


def rows_import(data: dict) -> list[dict]:
    note = f"{data['file_bytes'] / 1e6:.0f} MB CSV, {data['columns']} columns; limits.max_rows raised"
    return [_row(f"import_study, survey wave of {data['rows'] / 1e6:g} M rows", _nan(data.get("seconds")),
                 _nan(data.get("floor_seconds")), "floor: Arrow CSV parse", _nan(data.get("peak_rss_bytes")),
                 "<= 30 s, <= 2 GB", data.get("meets_goal"), note)]


def rows_report(data: dict, max_rss: float) -> list[dict]:
    summary = data["summary"]
    floor = summary["floor_seconds"]
    shape = f"{len(data['notebooks'])} notebooks x {len(data['languages'])} languages"
    build, cached = summary["build_seconds"], summary.get("cached_seconds", math.nan)
    rows = [_row("report build nl+en, html+docx+pdf, from raw (cold)", build, floor, "floor: 18 kernels+imports",
                 max_rss, "<= 50 s cold", bool(build <= 50), shape)]
    if cached == cached:
        rows.append(_row("report build nl+en, html+docx+pdf, results cached", cached, floor,
                         "floor: 18 kernels+imports", max_rss, "<= 35 s cached", bool(cached <= 35), shape))
    rebuild = summary.get("rebuild_seconds")
    if rebuild is not None and rebuild == rebuild:
        rows.append(_row("evaluation report, inputs and code unchanged", rebuild,
                         _nan(summary.get("cli_floor_seconds")), "floor: evaluation --help", max_rss, "<= 5 s",
                         bool(rebuild <= 5), "skips with one line"))
    return rows


READERS = {"compare": rows_compare, "ranks": rows_ranks, "agreement": rows_agreement, "qdpx": rows_qdpx,
           "import": rows_import}


def _load():
    """The 1, 5 and 15 minute load averages (how busy the machine was), or None."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except (AttributeError, OSError):
        return None


def run_bench(name: str) -> dict:
    """Run one benchmark in its own process tree; return its status, time, largest RSS and JSON."""
    script, extra = BENCHES[name]
    out = RESULTS / f"bench_{name}.json"
    with tempfile.NamedTemporaryFile("r", suffix=".rss", delete=False) as handle:
        rss_file = Path(handle.name)
    print(f"[benchmark] {name}: {script} {' '.join(extra)}", flush=True)
    load_before = _load()
    t0 = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", WRAPPER, str(rss_file), sys.executable, str(HERE / script),
                           "--json", str(out), *extra], cwd=ROOT)
    seconds = time.perf_counter() - t0
    try:
        max_rss = float(rss_file.read_text() or "nan")
    except (OSError, ValueError):
        max_rss = math.nan
    rss_file.unlink(missing_ok=True)
    result = {"returncode": done.returncode, "seconds": seconds, "max_process_rss_bytes": max_rss,
              "json": str(out.relative_to(ROOT)), "load_average_before": load_before, "load_average_after": _load()}
    if done.returncode == 0 and out.exists() and out.stat().st_mtime >= time.time() - seconds - 1:
        result["data"] = json.loads(out.read_text())
    return result


def rows_of(name: str, result: dict) -> list[dict]:
    if "data" not in result:
        return [_row(name, math.nan, math.nan, "-", math.nan, "-", None,
                     f"did not run (exit {result['returncode']}); see its output above")]
    if name == "report":
        return rows_report(result["data"], result["max_process_rss_bytes"])
    return READERS[name](result["data"])


def _seconds(value: float) -> str:
    if value != value:
        return "-"
    return f"{value:.3f} s" if value < 1 else f"{value:.2f} s" if value < 100 else f"{value:.0f} s"


def format_table(rows: list[dict]) -> str:
    """The rows as an aligned text table (one line per row, notes after the met? column)."""
    header = ["work", "package", "peer/floor", "ratio", "peak memory", "goal", "met?"]
    lines = []
    for r in rows:
        peer = "-" if r["peer_seconds"] != r["peer_seconds"] else f"{_seconds(r['peer_seconds'])} {r['peer']}"
        memory = r["peak_memory_bytes"]
        lines.append([
            r["work"], _seconds(r["package_seconds"]), peer,
            "-" if r["ratio"] != r["ratio"] else f"{r['ratio']:.2f}x",
            "-" if memory != memory else f"{memory / 1e6:,.0f} MB",
            r["goal"], {True: "yes", False: "NO", None: "-"}[r["met"]] + (f"  {r['note']}" if r["note"] else ""),
        ])
    widths = [max(len(h), *(len(line[i]) for line in lines)) if lines else len(h) for i, h in enumerate(header)]
    right = {1, 2, 3, 4}

    def fmt(cells):
        return " | ".join(c.rjust(w) if i in right else c.ljust(w)
                          for i, (c, w) in enumerate(zip(cells, widths))).rstrip()

    rule = "-+-".join("-" * w for w in widths)
    return "\n".join([fmt(header), rule, *(fmt(line) for line in lines)])


def _finite(value):
    """``value`` with NaN and infinities as None, so that the JSON is strict JSON."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def parse_only(value: str | list[str] | None) -> list[str]:
    """Benchmark names from ``--only``/``BENCH_ONLY`` (comma or space separated); all when empty."""
    if not value:
        return list(BENCHES)
    items = value if isinstance(value, list) else [value]
    names = [n.strip() for item in items for n in item.replace(",", " ").split() if n.strip()]
    unknown = [n for n in names if n not in BENCHES]
    if unknown:
        raise SystemExit(f"run_all: unknown benchmark(s) {', '.join(unknown)}; choose from {', '.join(BENCHES)}")
    return [n for n in BENCHES if n in names]


def _carry_over(out: dict, path: Path, names: list[str]) -> dict:
    """With ``--only``: keep the previous file's results of the benchmarks not run now (marked with their date)."""
    try:
        previous = json.loads(path.read_text())
    except (OSError, ValueError):
        return out
    kept = {n: b for n, b in (previous.get("benchmarks") or {}).items() if n not in names and n in BENCHES}
    if not kept:
        return out
    date = previous.get("date")
    owners = [n for n in BENCHES if n in kept]
    rows = []
    for name in owners:
        for row in previous.get("rows", []):
            if row.get("benchmark", _owner(row)) == name:
                rows.append({**row, "benchmark": name, "measured": row.get("measured", date)})
    out["benchmarks"] = {**{n: {**b, "measured": b.get("measured", date)} for n, b in kept.items()},
                         **out["benchmarks"]}
    out["rows"] = rows + out["rows"]
    return out


def _owner(row: dict) -> str:
    """Which benchmark a row of an older file came from (by its text)."""
    work = row.get("work", "")
    for prefix, name in (("compare_waves", "compare"), ("Wilcoxon", "ranks"), ("Mann-Whitney", "ranks"),
                         ("Krippendorff", "agreement"), ("read_codings", "qdpx"), ("import_study", "import"),
                         ("report", "report"), ("evaluation report", "report")):
        if work.startswith(prefix):
            return name
    return row.get("work", "?").split()[0]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", default=os.environ.get("BENCH_ONLY") or None,
                        help=f"run only these ({', '.join(BENCHES)}); default: $BENCH_ONLY or all")
    parser.add_argument("--json", type=Path, default=RESULTS / "benchmark.json")
    parser.add_argument("--strict", action="store_true", help="exit 2 when a goal is missed")
    args = parser.parse_args(argv)
    names = parse_only(args.only)
    RESULTS.mkdir(parents=True, exist_ok=True)
    benches, rows = {}, []
    for name in names:
        result = run_bench(name)
        benches[name] = {k: v for k, v in result.items() if k != "data"}
        rows.extend({**row, "benchmark": name} for row in rows_of(name, result))
    table = format_table(rows)
    print(f"\nBenchmarks (issue 13), {platform.node() or 'this machine'}, {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}")
    print(table)
    print("ratio = package / peer (or floor); peak memory: see benchmarks/run_all.py")
    print("load average (1/5/15 min) before each benchmark: "
          + "; ".join(f"{n} {b.get('load_average_before')}" for n, b in benches.items()))
    out = {"date": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "python": platform.python_version(),
           "machine": platform.machine(), "cpus": os.cpu_count(), "benchmarks": benches, "rows": rows}
    out = _carry_over(out, args.json, names)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(_finite(out), indent=2))
    print(f"wrote {args.json.relative_to(ROOT) if args.json.is_relative_to(ROOT) else args.json}")
    if any(b["returncode"] for b in benches.values()):
        return 1
    if args.strict and any(r["met"] is False for r in rows):
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())

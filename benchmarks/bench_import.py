"""Time and peak memory of ``import_study`` with a survey wave of 1,000,000 rows.

Run on demand (never part of the test suite)::

    .venv/bin/python benchmarks/bench_import.py
    .venv/bin/python benchmarks/bench_import.py --rows 100000 --repeat 3

A throw-away copy of the example study is made in a temporary folder (``config/`` copied, the
synthetic raw files generated), and its baseline wave ``nulmeting.csv`` is replaced by
``--rows`` rows: the example's rows repeated with new respondent and household ids (a
household of two per id), in the export's own dialect (Windows-1252, ``;``, decimal comma,
CRLF): 33 columns, about 150 MB at a million rows. The study's ``limits:`` are raised for it
(``max_rows`` 1,100,000, ``max_cells`` 40,000,000, ``max_file_mb`` 1,000) - the default
``limits.max_rows`` of 200,000 refuses such a file on purpose, with a message naming the limit.
A secret pseudonym key is set in the environment (the demo key only serves the unchanged
example files).

Measured, each in a fresh Python process (peak resident memory: ``VmHWM``):

import
    ``evaluation.import_study(study, force=True)``: read, validate and pseudonymise both waves,
    read the interviews, write the Parquet tables - everything ``evaluation import`` does.
floor
    What any import of this file pays at least: Arrow's CSV reader parsing the file into
    text columns (multi-threaded), nothing else.

The time reported is the best of ``--repeat`` runs. ``--baseline REV`` also times the import
as it is in git revision ``REV`` (its ``src/`` exported to a temporary folder; slow: minutes; the
revision must read the current ``config/``).
Goal (issue 13): at most 30 s and 2 GB. Results go to ``benchmarks/results/bench_import.json``.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STUDY_ID = "noorderbeekdwarsstraat-demo"
GOAL_SECONDS, GOAL_BYTES = 30.0, 2e9
KEY = "benchmark-pseudonym-key-not-secret-0123456789"

PEAK = (Path(__file__).with_name("_peak_rss.py").read_text(encoding="utf-8")
        .replace("{", "{{").replace("}", "}}"))  # prepended to the child code (str.format)

IMPORT = PEAK + r"""
import json, time
sys.path.insert(0, {src!r})
import evaluation as ev
start = peak_rss()
t0 = time.perf_counter()
info = ev.import_study({study!r}, force=True, progress=False)
seconds = time.perf_counter() - t0
print(json.dumps({{"seconds": seconds, "peak_rss_bytes": peak_rss(), "rss_before_bytes": start,
                  "counts": info["counts"]}}))
"""

FLOOR = PEAK + r"""
import json, time
import pyarrow as pa, pyarrow.csv as pacsv
t0 = time.perf_counter()
with open({path!r}, "rb") as handle:
    header = handle.readline().decode("cp1252").rstrip("\r\n").split(";")
table = pacsv.read_csv({path!r}, read_options=pacsv.ReadOptions(encoding="cp1252"),
                       parse_options=pacsv.ParseOptions(delimiter=";"),
                       convert_options=pacsv.ConvertOptions(column_types={{h: pa.string() for h in header}}))
seconds = time.perf_counter() - t0
print(json.dumps({{"seconds": seconds, "peak_rss_bytes": peak_rss(), "rows": table.num_rows}}))
"""


def make_project(base: Path, rows: int) -> tuple[Path, Path]:
    """A copy of the example study whose baseline wave has ``rows`` rows; returns the study and the CSV."""
    sys.path.insert(0, str(ROOT / "src"))
    from evaluation.demo import generate_demo

    shutil.copytree(ROOT / "config", base / "config")
    for sub in ("data/raw", "data/processed", "reports"):
        (base / sub).mkdir(parents=True, exist_ok=True)
    (base / "pyproject.toml").write_text("# marks the project root for the benchmark\n")
    raw = base / "data" / "raw" / STUDY_ID
    generate_demo(out_dir=raw)
    csv = raw / "nulmeting.csv"
    lines = [line for line in csv.read_bytes().decode("cp1252").splitlines() if line.strip()]
    header, examples = lines[0], [line.split(";") for line in lines[1:]]
    with csv.open("w", encoding="cp1252", newline="") as out:
        out.write(header + "\r\n")
        for i in range(rows):
            row = list(examples[i % len(examples)])
            row[0], row[1] = f"NBD-R{i:07d}", f"NBD-H{i // 2:07d}"
            out.write(";".join(row) + "\r\n")
    study = base / "config" / "studies" / f"{STUDY_ID}.yml"
    text = study.read_text(encoding="utf-8")
    limits = "limits:\n  max_rows: 1100000\n  max_cells: 40000000\n  max_file_mb: 1000\n\n"
    study.write_text(text.replace("\nanalysis:", f"\n{limits}analysis:", 1), encoding="utf-8")
    return study, csv


def _child(code: str, env: dict) -> dict:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise RuntimeError(done.stderr.strip()[-2000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def export_src(revision: str, into: Path) -> Path:
    into.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", revision, "src"], capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True)
    return into / "src"


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=1, help="best of N fresh-process runs")
    parser.add_argument("--baseline", default=None, metavar="REV", help="also time the import of git revision REV")
    parser.add_argument("--json", type=Path, default=ROOT / "benchmarks" / "results" / "bench_import.json")
    args = parser.parse_args(argv)
    env = {**os.environ, "EVALUATION_PSEUDONYM_KEY": KEY}
    env.pop("PYTHONPATH", None)
    work = Path(tempfile.mkdtemp(prefix="evaluation-bench-import-"))
    try:
        print(f"[bench] writing a survey wave of {args.rows:,} rows ...", file=sys.stderr, flush=True)
        t0 = time.perf_counter()
        study, csv = make_project(work / "project", args.rows)
        setup, file_bytes = time.perf_counter() - t0, csv.stat().st_size
        runs, floors, baseline = [], [], []
        src = export_src(args.baseline, work / "baseline") if args.baseline else None
        for i in range(args.repeat):
            print(f"[bench] repeat {i + 1}/{args.repeat}: floor, import", file=sys.stderr, flush=True)
            floors.append(_child(FLOOR.format(path=str(csv)), env))
            runs.append(_child(IMPORT.format(src=str(ROOT / "src"), study=str(study)), env))
            if src is not None:
                baseline.append(_child(IMPORT.format(src=str(src), study=str(study)), env))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    best = min(runs, key=lambda r: r["seconds"])
    floor = min(floors, key=lambda r: r["seconds"])
    result = {
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count(),
                    "load_average": os.getloadavg() if hasattr(os, "getloadavg") else None},
        "rows": args.rows, "columns": 33, "file_bytes": file_bytes, "setup_seconds": setup,
        "seconds": best["seconds"], "peak_rss_bytes": max(r["peak_rss_bytes"] for r in runs),
        "floor_seconds": floor["seconds"], "floor_peak_rss_bytes": floor["peak_rss_bytes"],
        "counts": best["counts"], "runs": runs, "floors": floors,
        "goal": {"seconds": GOAL_SECONDS, "peak_rss_bytes": GOAL_BYTES},
    }
    result["meets_goal"] = bool(result["seconds"] <= GOAL_SECONDS and result["peak_rss_bytes"] <= GOAL_BYTES)
    if baseline:
        result["baseline"] = {"revision": args.baseline, "seconds": min(r["seconds"] for r in baseline),
                              "peak_rss_bytes": max(r["peak_rss_bytes"] for r in baseline)}
    print("-" * 66)
    print(f"import_study, survey wave of {args.rows:,} rows x 33 columns (CSV), best of {args.repeat}")
    print(f"{'import (read, validate, pseudonymise, write)':<46}{result['seconds']:>8.2f} s"
          f"{result['peak_rss_bytes'] / 1e6:>9,.0f} MB")
    print(f"{'floor: Arrow CSV parse of the file':<46}{result['floor_seconds']:>8.2f} s"
          f"{result['floor_peak_rss_bytes'] / 1e6:>9,.0f} MB")
    print(f"{'ratio import / floor':<46}{result['seconds'] / result['floor_seconds']:>8.1f} x")
    if baseline:
        print(f"{'revision ' + args.baseline:<46}{result['baseline']['seconds']:>8.2f} s"
              f"{result['baseline']['peak_rss_bytes'] / 1e6:>9,.0f} MB")
    print(f"goal <= {GOAL_SECONDS:g} s and <= {GOAL_BYTES / 1e9:g} GB: {'met' if result['meets_goal'] else 'NOT met'}")
    print("-" * 66)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(f"results written to {args.json}")
    return result


if __name__ == "__main__":
    main()

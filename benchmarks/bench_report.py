"""Time the example study's full learning report against the cost floor it cannot go below.

Run with ``make benchmark`` (or ``.venv/bin/python benchmarks/bench_report.py``); never part of
the test suite. Every repeat works in a fresh throw-away copy of the project: ``config/`` is
copied to a temporary folder, a ``pyproject.toml`` marks it as the project root, the synthetic
raw files are generated there, and the report is built from the checkout's ``notebooks/``.
The checkout's ``data/`` and ``reports/`` folders are never touched.

Two figures are measured:

build
    ``evaluation.build_report`` for both languages (nl, then en) with all formats
    (HTML, DOCX, PDF), starting from raw files (so the first build includes the import).
floor
    What any notebook-based build pays at least: for every report notebook and both
    languages, papermill starts the same kernel (``evaluation``), imports the analysis
    stack once and shuts the kernel down. A trivial notebook stands in for each report
    notebook.
rebuild (``--rebuild``)
    The same build again, right after (a), in the same project: inputs and code unchanged.

The first import of the build's modules (papermill, the exporters, the import step) is timed
separately in a fresh Python process; the benchmark process imports them before timing the
builds, so every repeat of (a) measures the same, warm, work.

Examples
--------
    .venv/bin/python benchmarks/bench_report.py
    .venv/bin/python benchmarks/bench_report.py --repeat 3 --json benchmarks/results.json
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STUDY_ID = "noorderbeekdwarsstraat-demo"
STUDY_FILE = f"config/studies/{STUDY_ID}.yml"
LANGS = ("nl", "en")
FORMATS = ("html", "docx", "pdf")
FLOOR_IMPORTS = "import pandas, numpy, scipy, statsmodels.api, seaborn, matplotlib.pyplot, evaluation"
# Modules a build imports on first use (the import step, papermill, the DOCX and PDF exporters).
BUILD_MODULES = (
    "evaluation", "evaluation.report.pipeline", "evaluation.report.export", "evaluation.importer",
    "evaluation.readers.surveys", "evaluation.readers.codings", "evaluation.privacy", "evaluation.qualitative",
    "papermill", "pypandoc", "weasyprint",
)
FIRST_IMPORT = (
    "import importlib, time; t0 = time.perf_counter(); "
    f"[importlib.import_module(m) for m in {BUILD_MODULES!r}]; "
    "print(time.perf_counter() - t0)"
)


class BenchmarkError(RuntimeError):
    """The benchmark cannot run here; the message says what to do."""


def check_kernel(kernel_name: str) -> None:
    """Fail early, with the fix, when the project's Jupyter kernel is not installed."""
    try:
        from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel
    except ImportError as exc:
        raise BenchmarkError(
            f"jupyter_client is not importable from {sys.executable} ({exc}). "
            "Run the benchmark with the project environment: `make setup`, then `make benchmark`."
        ) from None
    try:
        spec = KernelSpecManager().get_kernel_spec(kernel_name)
    except NoSuchKernel:
        raise BenchmarkError(
            f"the Jupyter kernel {kernel_name!r} is not installed for {sys.executable}. "
            "Run `make setup` (it installs the kernel into .venv), then `make benchmark`."
        ) from None
    python = Path(spec.argv[0]) if spec.argv else None
    if python is None or not (python.exists() or shutil.which(str(python))):
        raise BenchmarkError(
            f"the Jupyter kernel {kernel_name!r} points to {python}, which does not exist. "
            "Run `make setup` to reinstall it, then `make benchmark`."
        )


def make_project(base: Path) -> tuple[Path, float]:
    """A throw-away copy of the example study; returns its study file and the seconds spent generating data."""
    from evaluation.demo import generate_demo

    shutil.copytree(ROOT / "config", base / "config")
    for sub in ("data/raw", "data/processed", "reports"):
        (base / sub).mkdir(parents=True, exist_ok=True)
    (base / "pyproject.toml").write_text("# marks the project root for the benchmark\n")
    t0 = time.perf_counter()
    generate_demo(out_dir=base / "data" / "raw" / STUDY_ID)
    return base / STUDY_FILE, time.perf_counter() - t0


def time_first_import() -> float:
    """Seconds to import the build's modules in a fresh interpreter (what `evaluation report` pays once)."""
    done = subprocess.run([sys.executable, "-c", FIRST_IMPORT], capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        raise BenchmarkError(f"importing the package failed in a fresh Python process:\n{done.stderr.strip()}")
    return float(done.stdout.strip().splitlines()[-1])


def warm_imports() -> None:
    """Import the build's modules in this process so the timed builds do not include them."""
    import importlib

    for module in BUILD_MODULES:
        importlib.import_module(module)


def time_build(work: Path, notebooks_dir: Path, rebuild: bool = False) -> dict:
    """Build the report in both languages in a fresh project copy; return seconds per language and steps.

    With ``rebuild`` the build is repeated at once in the same project (nothing changed) and
    timed as ``rebuild_seconds``.
    """
    import evaluation

    study, demo_seconds = make_project(work)
    builds = {}
    for lang in LANGS:
        t0 = time.perf_counter()
        out = evaluation.build_report(study, lang=lang, formats=FORMATS, progress=False,
                                      notebooks_dir=notebooks_dir)
        builds[lang] = {"seconds": time.perf_counter() - t0, "timings": dict(out["timings"])}
    result = {"demo_data_seconds": demo_seconds, "builds": builds,
              "seconds": sum(b["seconds"] for b in builds.values())}
    if rebuild:
        t0 = time.perf_counter()
        for lang in LANGS:
            evaluation.build_report(study, lang=lang, formats=FORMATS, progress=False, notebooks_dir=notebooks_dir)
        result["rebuild_seconds"] = time.perf_counter() - t0
    return result


def write_floor_notebook(path: Path) -> None:
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(FLOOR_IMPORTS)]
    nb.metadata["kernelspec"] = {"name": "evaluation", "display_name": "Python (evaluation)", "language": "python"}
    nbformat.write(nb, path)


def time_floor(work: Path, runs: int, kernel_name: str) -> dict:
    """Execute the trivial import notebook ``runs`` times with papermill, as the build runs its notebooks."""
    import papermill as pm

    source = work / "floor.ipynb"
    write_floor_notebook(source)
    seconds = []
    for i in range(runs):
        t0 = time.perf_counter()
        pm.execute_notebook(str(source), str(work / f"floor-{i}.ipynb"), kernel_name=kernel_name,
                            progress_bar=False, cwd=str(work), log_output=False)
        seconds.append(time.perf_counter() - t0)
    return {"runs": runs, "seconds": sum(seconds), "per_notebook": seconds}


def _median(values):
    return statistics.median(values) if values else float("nan")


def summarise(first_import: float, builds: list[dict], floors: list[dict], n_notebooks: int) -> dict:
    build = _median([b["seconds"] for b in builds])
    floor = _median([f["seconds"] for f in floors])
    steps: dict[str, dict[str, float]] = {}
    for lang in LANGS:
        names = list(builds[0]["builds"][lang]["timings"])
        for name in names:
            values = [b["builds"][lang]["timings"].get(name) for b in builds]
            steps.setdefault(name, {})[lang] = _median([v for v in values if v is not None])
    return {
        "first_import_seconds": first_import,
        "build_seconds": build,
        "build_seconds_by_lang": {lang: _median([b["builds"][lang]["seconds"] for b in builds]) for lang in LANGS},
        "floor_seconds": floor,
        "floor_seconds_per_notebook": floor / (n_notebooks * len(LANGS)),
        "ratio_build_to_floor": build / floor if floor else float("nan"),
        "untimed_seconds": _median([sum(b["builds"][lang]["seconds"] - b["builds"][lang]["timings"]["total"]
                                        for lang in LANGS) for b in builds]),
        "demo_data_seconds": _median([b["demo_data_seconds"] for b in builds]),
        "rebuild_seconds": _median([b["rebuild_seconds"] for b in builds if "rebuild_seconds" in b]),
        "steps_median_seconds": steps,
    }


def print_table(summary: dict, n_notebooks: int, repeat: int) -> None:
    line = "-" * 62
    print(line)
    print(f"Learning report benchmark: {STUDY_ID}, languages {'+'.join(LANGS)}, formats {','.join(FORMATS)}")
    print(f"{n_notebooks} report notebooks x {len(LANGS)} languages; median of {repeat} repeat(s)")
    print(line)
    print(f"{'first import (fresh process)':<40}{summary['first_import_seconds']:>10.2f} s")
    print(f"{'demo raw data (setup, not in build)':<40}{summary['demo_data_seconds']:>10.2f} s")
    for lang, seconds in summary["build_seconds_by_lang"].items():
        print(f"{'build, ' + lang:<40}{seconds:>10.2f} s")
    print(f"{'  of which outside the timed steps':<40}{summary['untimed_seconds']:>10.2f} s")
    print(f"{'(a) full build, both languages':<40}{summary['build_seconds']:>10.2f} s")
    print(f"{'(b) floor: kernel + imports per notebook':<40}{summary['floor_seconds']:>10.2f} s"
          f"   ({summary['floor_seconds_per_notebook']:.2f} s each)")
    print(f"{'ratio (a) / (b)':<40}{summary['ratio_build_to_floor']:>10.2f} x")
    if summary["rebuild_seconds"] == summary["rebuild_seconds"]:  # not NaN: --rebuild
        print(f"{'rebuild, unchanged, both languages':<40}{summary['rebuild_seconds']:>10.2f} s")
    print(line)
    print(f"{'build step (seconds, median)':<40}" + "".join(f"{lang:>10}" for lang in LANGS))
    for step, by_lang in summary["steps_median_seconds"].items():
        print(f"{step:<40}" + "".join(f"{by_lang.get(lang, float('nan')):>10.2f}" for lang in LANGS))
    print(line)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=1, help="repeat build and floor N times; report the median")
    parser.add_argument("--json", type=Path, default=None, metavar="PATH", help="also write the results as JSON")
    parser.add_argument("--keep", action="store_true", help="keep the throw-away project folders (paths printed)")
    parser.add_argument("--rebuild", action="store_true",
                        help="also time a second build right after the first (inputs and code unchanged)")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error(f"--repeat must be at least 1, got {args.repeat}")

    try:
        from evaluation.config import ConfigError
        from evaluation.report.pipeline import KERNEL_NAME, ReportError, notebook_paths
        from evaluation.validate import ImportValidationError
    except ImportError as exc:
        print(f"bench_report: error: the evaluation package is not importable from {sys.executable} ({exc}). "
              "Run `make setup`, then `make benchmark`.", file=sys.stderr)
        return 2

    try:
        check_kernel(KERNEL_NAME)
        notebooks_dir = ROOT / "notebooks"
        n_notebooks = len(notebook_paths(notebooks_dir))
        print("[bench] first import in a fresh process ...", file=sys.stderr, flush=True)
        first_import = time_first_import()
        warm_imports()
        builds, floors = [], []
        for i in range(1, args.repeat + 1):
            work = Path(tempfile.mkdtemp(prefix="evaluation-bench-"))
            try:
                print(f"[bench] repeat {i}/{args.repeat}: build ({work})", file=sys.stderr, flush=True)
                builds.append(time_build(work / "project", notebooks_dir, rebuild=args.rebuild))
                print(f"[bench] repeat {i}/{args.repeat}: floor ({n_notebooks * len(LANGS)} kernel runs)",
                      file=sys.stderr, flush=True)
                (work / "floor").mkdir()
                floors.append(time_floor(work / "floor", n_notebooks * len(LANGS), KERNEL_NAME))
            finally:
                if not args.keep:
                    shutil.rmtree(work, ignore_errors=True)
    except BenchmarkError as exc:
        print(f"bench_report: error: {exc}", file=sys.stderr)
        return 2
    except (ConfigError, ImportValidationError, ReportError, FileNotFoundError) as exc:
        print(f"bench_report: error: the report build failed, so nothing was timed:\n{exc}", file=sys.stderr)
        return 1

    summary = summarise(first_import, builds, floors, n_notebooks)
    print_table(summary, n_notebooks, args.repeat)
    if args.json:
        import evaluation

        result = {
            "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "study": STUDY_ID, "languages": list(LANGS), "formats": list(FORMATS),
            "notebooks": [p.name for p in notebook_paths(ROOT / "notebooks")],
            "repeat": args.repeat, "kernel": KERNEL_NAME, "floor_imports": FLOOR_IMPORTS,
            "machine": {"python": platform.python_version(), "platform": platform.platform(),
                        "cpus": os.cpu_count(), "evaluation": evaluation.__version__},
            "summary": summary,
            "runs": {"builds": builds, "floors": floors},
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2), encoding="utf-8")
        print(f"results written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Time the example study's full learning report against the cost floor it cannot go below.

Run with ``make benchmark`` (or ``.venv/bin/python benchmarks/bench_report.py``); never part of
the test suite. Every repeat works in a fresh throw-away copy of the project: ``config/`` is
copied to a temporary folder, a ``pyproject.toml`` marks it as the project root, the synthetic
raw files are generated there, and the report is built from the checkout's ``notebooks/``.
The checkout's ``data/`` and ``reports/`` folders are never touched.

The figures measured:

cold
    ``evaluation.build_reports`` for both languages side by side (one warm kernel each, the
    results computed once) with all formats (HTML, DOCX, PDF), starting from raw files (so the
    build includes the import and the results). Goal: at most 50 s.
cached
    The same build again with ``force=True``: the import is skipped and the results are read
    from their cache; every notebook and export runs again. Goal: at most 35 s.
unchanged (``--rebuild``)
    ``evaluation report --lang nl,en --formats html,docx,pdf`` in a fresh process, right after:
    inputs and code unchanged, so it skips everything with one line. Goal: at most 5 s.
floor
    What the notebook design paid at least before one kernel served a language (issue 13):
    for every report notebook and both languages, papermill starts the kernel (``evaluation``),
    imports the analysis stack once and shuts the kernel down (18 runs; a trivial notebook
    stands in for each report notebook). For the unchanged rebuild the floor is the command
    line itself: ``evaluation --help`` in a fresh process.

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
    """Build the report in both languages in a fresh project copy; return the seconds of each build.

    ``cold``: ``build_reports`` for nl and en side by side, all formats, from raw files (import and
    results included). ``cached``: the same again with ``force=True`` (import skipped, results read
    from their cache; every notebook and export runs). With ``rebuild``, ``unchanged``: the command
    ``evaluation report --lang all --formats html,docx,pdf`` in a fresh process, inputs and code
    unchanged (it says so and skips everything).
    """
    from evaluation.report.pipeline import build_reports

    study, demo_seconds = make_project(work)
    shutil.copytree(notebooks_dir, work / "notebooks")  # the project's own notebooks, as the command line uses
    notebooks_dir = work / "notebooks"
    result = {"demo_data_seconds": demo_seconds, "builds": {}}
    for name, force in (("cold", False), ("cached", True)):
        t0 = time.perf_counter()
        outs = build_reports(study, langs=LANGS, formats=FORMATS, progress=False, notebooks_dir=notebooks_dir,
                             force=force)
        result["builds"][name] = {"seconds": time.perf_counter() - t0,
                                  "timings": {lang: dict(out["timings"]) for lang, out in outs.items()}}
    result["seconds"] = result["builds"]["cold"]["seconds"]
    result["cached_seconds"] = result["builds"]["cached"]["seconds"]
    if rebuild:
        command = [str(Path(sys.executable).with_name("evaluation")), "report", "--study", str(study),
                   "--lang", ",".join(LANGS), "--formats", ",".join(FORMATS)]
        t0 = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, cwd=work)
        result["rebuild_seconds"] = time.perf_counter() - t0
        result["rebuild_output"] = (done.stderr + done.stdout).strip().splitlines()
        if done.returncode != 0 or "unchanged" not in done.stdout:
            raise BenchmarkError(f"the unchanged rebuild did not skip (exit {done.returncode}):\n"
                                 + "\n".join(result["rebuild_output"][-20:]))
    return result


def time_cli_floor() -> float:
    """Seconds of ``evaluation --help`` in a fresh process: what any command pays before it does anything."""
    t0 = time.perf_counter()
    subprocess.run([str(Path(sys.executable).with_name("evaluation")), "--help"], capture_output=True, check=True)
    return time.perf_counter() - t0


def write_floor_notebook(path: Path) -> None:
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(FLOOR_IMPORTS)]
    nb.metadata["kernelspec"] = {"name": "evaluation", "display_name": "Python (evaluation)", "language": "python"}
    nbformat.write(nb, path)


def time_floor(work: Path, runs: int, kernel_name: str) -> dict:
    """Execute the trivial import notebook ``runs`` times with papermill, as the build runs its notebooks."""
    import papermill as pm

    from evaluation.report.pipeline import _kernel_config, _kernel_manager_class

    source = work / "floor.ipynb"
    write_floor_notebook(source)
    seconds = []
    for i in range(runs):
        t0 = time.perf_counter()
        pm.execute_notebook(str(source), str(work / f"floor-{i}.ipynb"), kernel_name=kernel_name,
                            progress_bar=False, cwd=str(work), log_output=False, config=_kernel_config(),
                            kernel_manager_class=_kernel_manager_class())
        seconds.append(time.perf_counter() - t0)
    return {"runs": runs, "seconds": sum(seconds), "per_notebook": seconds}


def _median(values):
    return statistics.median(values) if values else float("nan")


def summarise(first_import: float, builds: list[dict], floors: list[dict], n_notebooks: int,
              cli_floor: list[float]) -> dict:
    build = _median([b["seconds"] for b in builds])
    cached = _median([b["cached_seconds"] for b in builds])
    floor = _median([f["seconds"] for f in floors])
    steps: dict[str, dict[str, dict[str, float]]] = {}
    for kind in ("cold", "cached"):
        for lang in LANGS:
            names = list(builds[0]["builds"][kind]["timings"][lang])
            for name in names:
                values = [b["builds"][kind]["timings"][lang].get(name) for b in builds]
                steps.setdefault(kind, {}).setdefault(name, {})[lang] = _median([v for v in values if v is not None])
    return {
        "first_import_seconds": first_import,
        "build_seconds": build,
        "cached_seconds": cached,
        "floor_seconds": floor,
        "floor_seconds_per_notebook": floor / (n_notebooks * len(LANGS)),
        "ratio_build_to_floor": build / floor if floor else float("nan"),
        "ratio_cached_to_floor": cached / floor if floor else float("nan"),
        "demo_data_seconds": _median([b["demo_data_seconds"] for b in builds]),
        "rebuild_seconds": _median([b["rebuild_seconds"] for b in builds if "rebuild_seconds" in b]),
        "cli_floor_seconds": _median(cli_floor),
        "rebuild_output": builds[0].get("rebuild_output", []),
        "steps_median_seconds": steps,
        "load_average": os.getloadavg() if hasattr(os, "getloadavg") else None,
    }


def print_table(summary: dict, n_notebooks: int, repeat: int) -> None:
    line = "-" * 66
    print(line)
    print(f"Learning report benchmark: {STUDY_ID}, languages {'+'.join(LANGS)} side by side, "
          f"formats {','.join(FORMATS)}")
    print(f"{n_notebooks} report notebooks x {len(LANGS)} languages; median of {repeat} repeat(s)")
    print(line)
    print(f"{'first import (fresh process)':<44}{summary['first_import_seconds']:>10.2f} s")
    print(f"{'demo raw data (setup, not in build)':<44}{summary['demo_data_seconds']:>10.2f} s")
    print(f"{'(a) full build from raw files (cold)':<44}{summary['build_seconds']:>10.2f} s   goal <= 50 s")
    print(f"{'(b) full build, results cached':<44}{summary['cached_seconds']:>10.2f} s   goal <= 35 s")
    print(f"{'(f) floor: kernel + imports per notebook':<44}{summary['floor_seconds']:>10.2f} s"
          f"   ({summary['floor_seconds_per_notebook']:.2f} s each, 18 of them)")
    print(f"{'ratio (a) / (f)':<44}{summary['ratio_build_to_floor']:>10.2f} x")
    print(f"{'ratio (b) / (f)':<44}{summary['ratio_cached_to_floor']:>10.2f} x")
    if summary["rebuild_seconds"] == summary["rebuild_seconds"]:  # not NaN: --rebuild
        print(f"{'(c) evaluation report, unchanged':<44}{summary['rebuild_seconds']:>10.2f} s   goal <= 5 s")
        print(f"{'(g) floor: evaluation --help':<44}{summary['cli_floor_seconds']:>10.2f} s")
    print(line)
    for kind, by_step in summary["steps_median_seconds"].items():
        print(f"{kind + ' build step (seconds, median)':<44}" + "".join(f"{lang:>10}" for lang in LANGS))
        for step, by_lang in by_step.items():
            print(f"{step:<44}" + "".join(f"{by_lang.get(lang, float('nan')):>10.2f}" for lang in LANGS))
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
        builds, floors, cli_floor = [], [], []
        for i in range(1, args.repeat + 1):
            work = Path(tempfile.mkdtemp(prefix="evaluation-bench-"))
            try:
                print(f"[bench] repeat {i}/{args.repeat}: build ({work})", file=sys.stderr, flush=True)
                builds.append(time_build(work / "project", notebooks_dir, rebuild=args.rebuild))
                print(f"[bench] repeat {i}/{args.repeat}: floor ({n_notebooks * len(LANGS)} kernel runs)",
                      file=sys.stderr, flush=True)
                (work / "floor").mkdir()
                floors.append(time_floor(work / "floor", n_notebooks * len(LANGS), KERNEL_NAME))
                cli_floor.append(time_cli_floor())
            finally:
                if not args.keep:
                    shutil.rmtree(work, ignore_errors=True)
    except BenchmarkError as exc:
        print(f"bench_report: error: {exc}", file=sys.stderr)
        return 2
    except (ConfigError, ImportValidationError, ReportError, FileNotFoundError) as exc:
        print(f"bench_report: error: the report build failed, so nothing was timed:\n{exc}", file=sys.stderr)
        return 1

    summary = summarise(first_import, builds, floors, n_notebooks, cli_floor)
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

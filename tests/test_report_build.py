"""The fast report build: one warm kernel per language, languages side by side, unchanged builds skipped.

Behaviour only; how fast it is lives in ``benchmarks/bench_report.py`` (``make benchmark``).
"""
import hashlib
import json
import shutil
from pathlib import Path

import nbformat
import pytest

import evaluation as ev
from evaluation.report.pipeline import KERNEL_NAME, ReportError, _kernel_config, _kernel_manager_class, build_reports

from conftest import ROOT, make_demo_project

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("report-build")]

LOGS = ("import.json", "manifest.json")  # record when and how long: the only files allowed to differ


def _hashes(base: Path, study) -> dict:
    return {p.relative_to(base).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for folder in (study.processed_dir, study.reports_dir) for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name not in LOGS}


# ------------------------------------------------------------------ the engine, on tiny notebooks


def _notebook(path: Path, *cells: str) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("x = 0", metadata={"tags": ["parameters"]})]
    nb.cells += [nbformat.v4.new_code_cell(c) for c in cells]
    nb.metadata["kernelspec"] = {"name": KERNEL_NAME, "display_name": "Python (evaluation)", "language": "python"}
    nbformat.write(nb, path)
    return path


def test_warm_kernel_gives_every_notebook_a_fresh_namespace(tmp_path):
    """What one notebook leaves in the kernel (names, figures, settings, warnings shown) never reaches the next."""
    import papermill as pm

    from evaluation.report.engine import ENGINE_NAME, WarmKernel
    from evaluation.report.pipeline import _ensure_kernel

    _ensure_kernel()
    first = _notebook(tmp_path / "a.ipynb", "import warnings, os\nimport matplotlib as mpl\nimport matplotlib.pyplot as plt",
                      "leak = 1\nmpl.rcParams['lines.linewidth'] = 9\nplt.figure()\nos.chdir('/')\n"
                      "warnings.warn('shown in every notebook', UserWarning)")
    second = _notebook(tmp_path / "b.ipynb", "import warnings, os\nimport matplotlib as mpl\nimport matplotlib.pyplot as plt",
                       "assert 'leak' not in globals(), 'a name of the previous notebook'\n"
                       "assert mpl.rcParams['lines.linewidth'] != 9 and not plt.get_fignums()\n"
                       "print(os.getcwd())\nwarnings.warn('shown in every notebook', UserWarning)")
    kernel = WarmKernel(KERNEL_NAME, cwd=str(tmp_path), config=_kernel_config(),
                        manager_class=_kernel_manager_class()).start()
    try:
        outs = []
        for source in (first, second, first):
            out = tmp_path / f"out-{len(outs)}-{source.name}"
            pm.execute_notebook(str(source), str(out), parameters={"x": len(outs)}, kernel_name=KERNEL_NAME,
                                engine_name=ENGINE_NAME, warm_kernel=kernel, progress_bar=False, cwd=str(tmp_path))
            outs.append(nbformat.read(out, as_version=4))
    finally:
        kernel.shutdown()
    for nb in outs:
        counts = [c.execution_count for c in nb.cells if c.cell_type == "code"]
        assert counts == list(range(1, len(counts) + 1)), counts  # as in a fresh kernel
        stderr = "".join(o.get("text", "") for c in nb.cells for o in c.outputs if o.get("name") == "stderr")
        assert "shown in every notebook" in stderr
        assert "injected-parameters" in nb.cells[1].metadata.get("tags", [])  # papermill's parameters, as usual
    stdout = "".join(o.get("text", "") for c in outs[1].cells for o in c.outputs if o.get("name") == "stdout")
    assert stdout.strip() == str(tmp_path)  # the working directory is restored too


def test_warm_kernel_failure_names_notebook_and_cell(tmp_path):
    import papermill as pm

    from evaluation.report.engine import ENGINE_NAME, WarmKernel

    bad = _notebook(tmp_path / "bad.ipynb", "y = 1", "1 / 0")
    kernel = WarmKernel(KERNEL_NAME, cwd=str(tmp_path), config=_kernel_config(),
                        manager_class=_kernel_manager_class()).start()
    try:
        with pytest.raises(pm.PapermillExecutionError) as info:
            pm.execute_notebook(str(bad), str(tmp_path / "out.ipynb"), kernel_name=KERNEL_NAME, engine_name=ENGINE_NAME,
                                warm_kernel=kernel, progress_bar=False, cwd=str(tmp_path))
        assert info.value.ename == "ZeroDivisionError" and info.value.exec_count == 3
        ok = _notebook(tmp_path / "ok.ipynb", "assert 'y' not in globals()")  # the kernel goes on, cleaned
        pm.execute_notebook(str(ok), str(tmp_path / "ok-out.ipynb"), kernel_name=KERNEL_NAME, engine_name=ENGINE_NAME,
                            warm_kernel=kernel, progress_bar=False, cwd=str(tmp_path))
    finally:
        kernel.shutdown()


# ------------------------------------------------------------------ the learning report, end to end


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    """nl and en side by side (warm kernels) in one project; one after the other, a fresh kernel per notebook, in another."""
    formats = ("html", "docx")
    side = tmp_path_factory.mktemp("side-by-side")
    side_study = make_demo_project(side)
    outs = build_reports(side_study, langs="all", formats=formats, progress=False, notebooks_dir=ROOT / "notebooks")
    seq = tmp_path_factory.mktemp("one-after-the-other")
    seq_study = make_demo_project(seq)
    for lang in ("nl", "en"):
        ev.build_report(seq_study, lang=lang, formats=formats, progress=False, notebooks_dir=ROOT / "notebooks",
                        warm_kernel=False)
    return {"side": side, "side_study": side_study, "outs": outs, "seq": seq, "seq_study": seq_study,
            "formats": formats}


def test_side_by_side_equals_one_after_the_other(both):
    """Both languages at once, each in one warm kernel: the same bytes as building them one by one, fresh kernels."""
    side = _hashes(both["side"], ev.load_study(both["side_study"]))
    seq = _hashes(both["seq"], ev.load_study(both["seq_study"]))
    assert side.keys() == seq.keys()
    assert [k for k in side if side[k] != seq[k]] == []
    assert {".html", ".docx", ".ipynb", ".csv", ".xlsx", ".svg", ".png", ".parquet"} <= {Path(k).suffix for k in side}
    assert set(both["outs"]) == {"nl", "en"} and not any(o["skipped"] for o in both["outs"].values())
    manifest = json.loads((ev.load_study(both["side_study"]).reports_dir / "manifest.json").read_text(encoding="utf-8"))
    assert set(manifest["builds"]) == {"nl", "en"}
    for record in manifest["builds"].values():
        assert len(record["build_key"]) == 64 and record["files"] and "kernel_ready" in record["timings_seconds"]


def test_unchanged_rebuild_skips_says_so_and_force_rebuilds(both, capsys):
    study_path, formats = both["side_study"], both["formats"]
    study = ev.load_study(study_path)
    html = study.reports_dir / "learning-report.html"
    before = html.stat().st_mtime_ns
    outs = build_reports(study_path, langs="all", formats=formats, progress=True, notebooks_dir=ROOT / "notebooks")
    err = capsys.readouterr().err
    assert all(o["skipped"] for o in outs.values()) and html.stat().st_mtime_ns == before
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and "unchanged" in lines[0] and "--force" in lines[0] and "nl, en" in lines[0], err
    assert outs["en"]["html"] == study.reports_dir / "learning-report.en.html"

    # one language asked for, unchanged: skipped too (CLI, with its own message)
    from evaluation.cli import main

    shutil.copytree(ROOT / "notebooks", both["side"] / "notebooks", dirs_exist_ok=True)  # the CLI uses the project's
    assert main(["report", "--study", str(study_path), "--lang", "en", "--formats", ",".join(formats)]) == 0
    captured = capsys.readouterr()
    assert "unchanged" in captured.out and "learning-report.en.html" in captured.out

    # an output damaged or removed: that language is built again, the other still skipped
    (study.reports_dir / "learning-report.en.docx").write_bytes(b"not a report")
    outs = build_reports(study_path, langs="all", formats=formats, progress=False, notebooks_dir=ROOT / "notebooks")
    assert outs["nl"]["skipped"] and not outs["en"]["skipped"]
    assert (study.reports_dir / "learning-report.en.docx").read_bytes()[:2] == b"PK"

    # other formats than last time: built
    outs = build_reports(study_path, langs="nl", formats=("html",), progress=False, notebooks_dir=ROOT / "notebooks")
    assert not outs["nl"]["skipped"]

    # --force rebuilds although nothing changed
    outs = build_reports(study_path, langs="nl", formats=("html",), progress=False, notebooks_dir=ROOT / "notebooks")
    assert outs["nl"]["skipped"]
    outs = build_reports(study_path, langs="nl", formats=("html",), progress=False, notebooks_dir=ROOT / "notebooks",
                         force=True)
    assert not outs["nl"]["skipped"] and html.stat().st_mtime_ns > before


def test_changed_input_or_evaluator_text_rebuilds(both):
    study_path = both["side_study"]
    study = ev.load_study(study_path)
    own = study.narrative_dir / "en" / "recommendations.md"
    own.parent.mkdir(parents=True, exist_ok=True)
    own.write_text("1. **Keep the drop-in.**\n", encoding="utf-8")
    try:
        out = ev.build_report(study_path, lang="en", formats=("html",), progress=False, notebooks_dir=ROOT / "notebooks")
        assert not out["skipped"] and "Keep the drop-in" in out["html"].read_text(encoding="utf-8")
    finally:
        shutil.rmtree(own.parent)
    out = ev.build_report(study_path, lang="en", formats=("html",), progress=False, notebooks_dir=ROOT / "notebooks")
    assert not out["skipped"]  # the text is gone again: a change too
    out = ev.build_report(study_path, lang="en", formats=("html",), progress=False, notebooks_dir=ROOT / "notebooks")
    assert out["skipped"]


def test_a_failing_language_is_named_and_the_other_is_built(both, tmp_path):
    project = tmp_path / "project"
    shutil.copytree(both["side"], project, ignore=shutil.ignore_patterns("reports"))
    study_path = project / both["side_study"].relative_to(both["side"])
    notebooks = tmp_path / "notebooks"
    shutil.copytree(ROOT / "notebooks", notebooks)
    last = sorted(notebooks.glob("*.ipynb"))[-1]
    nb = nbformat.read(last, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("assert lang != 'en', 'only English fails'"))
    nbformat.write(nb, last)
    with pytest.raises(ReportError) as info:
        build_reports(study_path, langs="all", formats=("html",), progress=False, notebooks_dir=notebooks)
    message = str(info.value)
    study = ev.load_study(study_path)
    executed = nbformat.read(study.reports_dir / "notebooks" / "en" / last.name, as_version=4)
    failing = next(i for i, c in enumerate(executed.cells) if c.source.startswith("assert lang != 'en'"))
    assert f"notebook {last.name} failed in cell {failing} of" in message and "only English fails" in message
    assert "(the nl report(s) were built)" in message
    assert (study.reports_dir / "learning-report.html").exists()
    assert not (study.reports_dir / "learning-report.en.html").exists()
    assert (study.reports_dir / ".build-incomplete.en.json").exists()
    assert not (study.reports_dir / ".build-incomplete.nl.json").exists()

"""End to end: demo -> import -> papermill notebooks -> HTML/DOCX/PDF, on a throw-away copy of the project."""
import hashlib
import json
import shutil
import zipfile
from pathlib import Path

import nbformat
import pandas as pd
import pytest

import evaluation as ev
from evaluation.report.pipeline import ReportError

from conftest import ROOT, make_demo_project

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("report")]


def _hashes(folder: Path) -> dict:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    base = tmp_path_factory.mktemp("e2e")
    study_path = make_demo_project(base)
    study = ev.load_study(study_path)
    raw_before = _hashes(study.raw_dir)
    outputs = {lang: ev.build_report(study_path, lang=lang, formats=("html", "docx", "pdf"), progress=False,
                                     notebooks_dir=ROOT / "notebooks") for lang in ("nl", "en")}
    return {"study": study, "raw_before": raw_before, "outputs": outputs, "base": base}


def test_outputs_exist(built):
    study = built["study"]
    assert (study.reports_dir / "learning-report.html").exists()
    for lang, out in built["outputs"].items():
        for fmt in ("html", "docx", "pdf"):
            assert out[fmt].exists() and out[fmt].stat().st_size > 1000, (lang, fmt)
    assert out["html"].name == "learning-report.en.html"
    assert any((study.reports_dir / "tables").glob("response.nl.csv"))
    assert any((study.reports_dir / "tables").glob("response.en.xlsx"))
    assert any((study.reports_dir / "figures").glob("response.en.svg"))


def test_raw_files_untouched(built):
    assert _hashes(built["study"].raw_dir) == built["raw_before"]


def _raw_identifier_values(study) -> set[str]:
    before = ev.read_survey(study.waves[0].file)
    after = ev.read_survey(study.waves[1].file)
    values = set()
    for frame in (before, after):
        for column in ("naam", "email", "adres", "respondent_id", "household_id"):
            values |= {str(v) for v in frame[column].dropna()}
    return values


def _texts(folder: Path):
    """Every text a person could read in the folder: text files, parquet cells, xlsx/docx XML."""
    for path in folder.rglob("*"):
        if not path.is_file():
            continue
        if path.suffix == ".parquet":
            frame = pd.read_parquet(path)
            yield path, frame.to_csv(index=False)
        elif path.suffix in (".xlsx", ".docx"):
            with zipfile.ZipFile(path) as z:
                yield path, "\n".join(z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith(".xml"))
        elif path.suffix in (".html", ".csv", ".json", ".ipynb", ".svg", ".txt"):
            yield path, path.read_text(encoding="utf-8", errors="replace")


def test_no_direct_identifiers_downstream(built):
    study = built["study"]
    values = _raw_identifier_values(study)
    assert len(values) > 300
    checked = 0
    for folder in (study.processed_dir, study.reports_dir):
        for path, content in _texts(folder):
            checked += 1
            leaked = [v for v in values if v in content]
            assert not leaked, f"{path} contains raw identifiers, e.g. {leaked[:3]}"
    assert checked > 20


def test_second_run_skips_import_and_manifest(built):
    study = built["study"]
    info = ev.import_study(study, progress=False)
    assert info["skipped"] is True
    manifest = json.loads((study.reports_dir / "manifest.json").read_text(encoding="utf-8"))
    assert set(manifest["builds"]) == {"nl", "en"}
    build = manifest["builds"]["en"]
    assert build["parameters"]["lang"] == "en" and build["parameters"]["kernel"] == "evaluation"
    raw_names = {Path(p).name for p in build["inputs"]}
    assert {"nulmeting.csv", "eindmeting.xlsx", "interviews.qdpx", "noorderbeekdwarsstraat-demo.yml"} <= raw_names
    assert all(len(h) == 64 for h in build["inputs"].values())
    assert {"pandas", "statsmodels", "papermill", "python"} <= set(manifest["versions"])
    assert build["outputs"]["html"]["sha256"] == hashlib.sha256(built["outputs"]["en"]["html"].read_bytes()).hexdigest()


def test_failing_notebook_is_named_and_kept(built, tmp_path):
    notebooks = tmp_path / "notebooks"
    shutil.copytree(ROOT / "notebooks", notebooks)
    first = sorted(notebooks.glob("*.ipynb"))[0]
    nb = nbformat.read(first, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("1 / 0"))
    nbformat.write(nb, first)
    with pytest.raises(ReportError) as info:
        ev.build_report(built["study"], lang="en", formats=("html",), progress=False, notebooks_dir=notebooks)
    message = str(info.value)
    kept = built["study"].reports_dir / "notebooks" / "en" / first.name
    assert kept.exists()
    executed = nbformat.read(kept, as_version=4)
    failing = [i for i, c in enumerate(executed.cells) if c.cell_type == "code"
               and any(o.get("ename") == "ZeroDivisionError" for o in c.outputs)]
    assert failing == [len(executed.cells) - 1]
    assert f"notebook {first.name} failed in cell {failing[0]} of the executed notebook" in message
    assert 'starting "1 / 0"' in message and "ZeroDivisionError: division by zero" in message
    assert str(kept) in message

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
    stale = study.reports_dir / "tables" / "_published.nl.json"  # left by an earlier build: must not reach Appendix A
    stale.parent.mkdir(parents=True, exist_ok=True)
    stale.write_text(json.dumps({"stale_table": {"caption": "From an earlier build", "rows": 1, "threshold": 10,
                                                 "suppressed_cells": 0, "primary": 0, "complementary": 0}}))
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
    project = tmp_path / "project"  # a copy, so the shared build stays as it was
    shutil.copytree(built["base"], project, ignore=shutil.ignore_patterns("reports"))
    study = ev.load_study(project / built["study"].path.relative_to(built["base"]))
    notebooks = tmp_path / "notebooks"
    shutil.copytree(ROOT / "notebooks", notebooks)
    first = sorted(notebooks.glob("*.ipynb"))[0]
    nb = nbformat.read(first, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("1 / 0"))
    nbformat.write(nb, first)
    with pytest.raises(ReportError) as info:
        ev.build_report(study, lang="en", formats=("html",), progress=False, notebooks_dir=notebooks)
    message = str(info.value)
    kept = study.reports_dir / "notebooks" / "en" / first.name
    assert kept.exists()
    executed = nbformat.read(kept, as_version=4)
    failing = [i for i, c in enumerate(executed.cells) if c.cell_type == "code"
               and any(o.get("ename") == "ZeroDivisionError" for o in c.outputs)]
    assert failing == [len(executed.cells) - 1]
    assert f"notebook {first.name} failed in cell {failing[0]} of the executed notebook" in message
    assert 'starting "1 / 0"' in message and "ZeroDivisionError: division by zero" in message
    assert str(kept) in message
    assert str(project) not in kept.read_text(encoding="utf-8")  # scrubbed of machine paths, failed or not


# ---------------------------------------------------------------- the learning report's content (issue: full report)

import re  # noqa: E402

from evaluation.report.i18n import fmt_ci, fmt_int, fmt_num, fmt_pct  # noqa: E402
from evaluation.report.i18n import catalog  # noqa: E402

SECTIONS = {k: {lang: catalog(lang)["sections"][k] for lang in ("nl", "en")} for k in catalog("en")["sections"]}

SECTION_KEYS = ["summary", "context", "method", "response", "scales", "change", "for_whom", "interviews", "joint",
                "lessons", "appendix_data", "appendix_repro"]


def _section_text(html: str, title: str, next_title: str | None) -> str:
    import lxml.html

    text = lxml.html.fromstring(html).text_content()
    start = text.index(title, text.index(title) + len(title))  # skip the table of contents
    end = text.index(next_title, start) if next_title else len(text)
    return text[start:end]


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_every_outline_section_has_content(built, lang):
    html = built["outputs"][lang]["html"].read_text(encoding="utf-8")
    titles = [SECTIONS[k][lang] for k in SECTION_KEYS]
    for title, following in zip(titles, titles[1:] + [None]):
        body = _section_text(html, title, following)
        assert len(body.split()) > 25, f"section {title!r} has almost no content"


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_summary_numbers_equal_results_tables(built, lang):
    results = ev.study_results(built["study"])
    html = built["outputs"][lang]["html"].read_text(encoding="utf-8")
    summary = _section_text(html, SECTIONS["summary"][lang], SECTIONS["context"][lang])
    expected = set()
    for _, row in results["model"].iterrows():
        for text in (fmt_num(abs(row["estimate"]), 2, lang), fmt_ci(row["ci_low"], row["ci_high"], 2, lang)):
            assert text in summary, f"{row['outcome']}: {text} not in the summary"
        expected |= {fmt_num(abs(row["estimate"]), 2, lang), fmt_num(row["estimate"], 2, lang, sign=True),
                     fmt_num(row["ci_low"], 2, lang), fmt_num(row["ci_high"], 2, lang)}
    total = results["response"][results["response"]["group"] == "total"]
    for value in total["respondents"]:
        expected.add(fmt_int(value, lang))
    binary = results["binary"][results["binary"]["level"] == "binary"]
    for column in ("share_before", "share_after"):
        for value in binary[column]:
            assert fmt_pct(value, 0, lang) in summary
            expected.add(fmt_pct(value, 0, lang).rstrip("%"))
    freq = results["frequencies"]
    overall = freq[freq["group"] == "total"]
    expected |= {fmt_int(v, lang) for v in overall["n_cases"]} | {fmt_int(v, lang) for v in overall["n_cases_total"]}
    # the management summary, conclusions and recommendations quote these tables too
    for _, row in results["subgroup"].iterrows():
        expected |= {fmt_num(row["estimate"], 2, lang, sign=True), fmt_num(row["ci_low"], 2, lang),
                     fmt_num(row["ci_high"], 2, lang)}
    code_group = results["code_group"]
    expected |= {fmt_int(v, lang) for v in code_group["n_cases"]} | {fmt_int(v, lang) for v in code_group["n_cases_total"]}
    expected |= {fmt_int(v, lang) for v in results["mde"]["n"]} | {fmt_num(v, 2, lang) for v in results["mde"]["mde"]}
    expected |= {fmt_num(abs(v), 2, lang) for v in results["model"]["effect_size"]}
    for column in ("response_rate", "share_respondents", "share_population"):
        expected |= {fmt_pct(v, 0, lang).rstrip("%") for v in results["response"][column].dropna()}
    model = results["model"]
    study = built["study"]
    expected |= {fmt_int(len(model), lang), fmt_int(int((model["p_adjusted"] < 1 - study.confidence).sum()), lang),
                 fmt_int(study.min_cell, lang), fmt_num(0.7, 2, lang)}  # counts of the rules and the 0.70 threshold
    expected |= {str(i) for i in range(1, 4)}  # the research questions' numbers
    expected |= {"0", "1", "5", "10", "95"}  # scale bounds and the 95% of the intervals
    numbers = re.findall(r"[−+-]?\d[\d.,]*\d|[−+-]?\d", summary.replace("95%-BI", "95 ").replace("95% CI", "95 "))
    stray = [n for n in numbers if n.strip(".,") not in expected and n.lstrip("+").strip(".,") not in expected]
    assert not stray, f"numbers in the summary that are not in the results tables: {stray}"


def test_no_published_count_below_threshold(built):
    study = built["study"]
    tables = study.reports_dir / "tables"
    for lang in ("nl", "en"):
        log = json.loads((tables / f"_published.{lang}.json").read_text(encoding="utf-8"))
        for name, entry in log.items():
            if entry["threshold"] is None:
                continue
            frame = pd.read_csv(tables / f"{name}.{lang}.csv")
            groups = set(pd.read_parquet(study.processed_dir / "interviewees.parquet")["group"])
            counts = [c for c in frame.columns if c in {"respondents", "households", "n", "n_before", "n_after", "n_pairs",
                                                         "n_stayers", "n_leavers"} | groups]
            assert counts, name
            for column in counts:
                values = pd.to_numeric(frame[column], errors="coerce")
                small = values[(values > 0) & (values < entry["threshold"])]
                assert small.empty, f"{name}.{lang}.csv column {column!r} publishes {small.tolist()}"


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_html_has_no_external_resources(built, lang):
    import lxml.html

    root = lxml.html.fromstring(built["outputs"][lang]["html"].read_bytes())
    assert not root.xpath("//script[@src] | //link[@href]")
    for element in root.xpath("//*[@src]"):
        assert element.get("src").startswith("data:"), element.get("src")[:60]
    assert root.xpath("//img") and root.get("lang") == lang
    text = root.text_content()
    assert "Traceback" not in text and "Warning" not in text


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_docx_has_section_headings_and_tables(built, lang):
    import docx

    document = docx.Document(built["outputs"][lang]["docx"])
    headings = {p.text.strip() for p in document.paragraphs if p.style.name.startswith("Heading")}
    assert {SECTIONS[k][lang] for k in SECTION_KEYS} <= headings
    assert len(document.tables) >= 10 and len(document.inline_shapes) >= 5


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_docx_is_a4_with_toc_heading_1_and_banner(built, lang):
    import docx

    path = built["outputs"][lang]["docx"]
    document = docx.Document(path)
    for section in document.sections:
        assert (round(section.page_width.cm, 1), round(section.page_height.cm, 1)) == (21.0, 29.7)
        assert "ynthet" in " ".join(p.text for p in section.header.paragraphs)  # synthetic-data banner on every page
    styles = [p.style.name for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert styles and min(int(s.split()[-1]) for s in styles) == 1
    assert {SECTIONS[k][lang] for k in ("summary", "interviews")} <= {
        p.text.strip() for p in document.paragraphs if p.style.name == "Heading 1"}
    with zipfile.ZipFile(path) as z:
        body = z.read("word/document.xml").decode("utf-8")
        settings = z.read("word/settings.xml").decode("utf-8")
    assert 'TOC \\o "1-2"' in body and 'w:fldCharType="begin"' in body and "w:updateFields" in settings


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_pdf_keeps_table_captions_with_their_tables(built, lang):
    """No page of the PDF ends with a table caption whose table starts on the next page."""
    import lxml.html
    from pypdf import PdfReader

    html = built["outputs"][lang]["html"].read_text(encoding="utf-8")
    captions = [" ".join(c.text_content().split())[:40] for c in lxml.html.fromstring(html).xpath("//caption")]
    assert len(captions) >= 10
    stranded = []
    for number, page in enumerate(PdfReader(built["outputs"][lang]["pdf"]).pages, 1):
        lines = [" ".join(line.split()) for line in (page.extract_text() or "").splitlines() if line.strip()]
        lines = [line for line in lines if not re.fullmatch(r"\d+ / \d+", line)]
        tail = " ".join(lines[-2:])
        stranded += [(number, c) for c in captions if c and c in tail]
    assert stranded == []


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_pdf_has_all_sections(built, lang):
    from pypdf import PdfReader

    reader = PdfReader(built["outputs"][lang]["pdf"])
    text = " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)
    outline = {item.title for item in reader.outline if not isinstance(item, list)}
    for key in SECTION_KEYS:
        assert SECTIONS[key][lang] in outline
        assert SECTIONS[key][lang] in text


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["nl", "en"])
def test_learning_report_in_headless_chromium(built, lang, tmp_path):
    """The real learning report in Chromium: every image loads, nothing external, no console errors."""
    from test_browser import browser_check, ensure_chromium, run_chromium

    chromium = ensure_chromium()
    html = built["outputs"][lang]["html"]
    result, console = browser_check(chromium, tmp_path, html)
    assert result["images"] >= 6 and result["broken"] == [] and result["problems"] == []
    assert result["missingTargets"] == [] and result["toc"] >= 12
    assert console == []
    shot = tmp_path / f"report-{lang}.png"
    run_chromium(chromium, tmp_path, html.as_uri(), f"--screenshot={shot}", "--window-size=1024,1400")
    assert shot.stat().st_size > 10_000


def test_publication_gate_passes_and_is_recorded(built):
    manifest = json.loads((built["study"].reports_dir / "manifest.json").read_text(encoding="utf-8"))
    for lang in ("nl", "en"):
        gate = manifest["builds"][lang]["publication_gate"]
        assert gate["passed"] and gate["disclosed"] == 0 and gate["primary"] > 0 and gate["complementary"] > 0, gate


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_published_tables_hide_what_the_gate_hides(built, lang):
    """Every count, share or derived number the gate hides is empty in the exported table, in both languages."""
    from evaluation.report.results import study_results

    study = built["study"]
    cells = study_results(study)["publication"]
    hidden = cells[cells["status"].isin(["primary", "complementary", "derived"])]
    tables = study.reports_dir / "tables"
    response = pd.read_csv(tables / f"response.{lang}.csv")  # rows in the results' order, labels of the edition
    raw = study_results(study)["response"]
    rows = {f"{w}|{g}": i for i, (w, g) in enumerate(zip(raw["wave"], raw["group"]))}
    checked = 0
    for r in hidden[hidden["table"] == "response"].itertuples():
        assert pd.isna(response.at[rows[r.row], r.column]), (r.row, r.column)
        checked += 1
    code_group = pd.read_csv(tables / f"code_group.{lang}.csv")
    freq = study_results(study)["code_group"]
    codes = sorted(freq["code"].unique())
    for r in hidden[hidden["table"] == "code_group"].itertuples():
        assert pd.isna(code_group.at[codes.index(r.row), r.column]), (r.row, r.column)
        checked += 1
    assert checked > 10


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_text_quotes_no_count_the_gate_hides(built, lang):
    """The aspects list and the joint display quote a code's or theme's total only where the gate shows it."""
    from evaluation.report.results import study_results

    study = built["study"]
    cells = study_results(study)["publication"]
    html = built["outputs"][lang]["html"].read_text(encoding="utf-8")
    total = int(cells.loc[(cells["table"] == "interviewees") & (cells["column"] == "total"), "value"].iloc[0])
    for table, pattern in (("code_total", "({n}/{total})"), ("joint", "{n}/{total};")):
        part = cells[cells["table"] == table]
        shown = set(part.loc[part["status"] == "published", "value"].astype(int))
        for value in part.loc[part["status"] != "published", "value"].astype(int):
            if value not in shown:  # a shown total of the same size may print the same text
                assert pattern.format(n=value, total=total) not in html, (table, value)


def test_appendix_a_lists_only_this_builds_tables(built):
    tables = built["study"].reports_dir / "tables"
    for lang in ("nl", "en"):
        log = json.loads((tables / f"_published.{lang}.json").read_text(encoding="utf-8"))
        assert "stale_table" not in log
        assert set(log) == {p.name.split(".")[0] for p in tables.glob(f"*.{lang}.csv")}
    assert "From an earlier build" not in built["outputs"]["nl"]["html"].read_text(encoding="utf-8")


def test_no_machine_paths_in_reports_or_processed_data(built):
    import socket

    base = str(built["base"])
    needles = {base, str(Path(base).resolve()), str(ROOT), str(Path.home())}
    host = socket.gethostname()
    if len(host) >= 4:
        needles.add(host)
    study = built["study"]
    checked = 0
    for folder in (study.reports_dir, study.processed_dir):
        for path, text in _texts(folder):
            for needle in needles:
                assert needle not in text, f"{path.relative_to(built['base'])} holds {needle!r}"
            checked += 1
    assert checked > 50


def _build_hashes(study_path, base):
    """Build the English HTML + DOCX from scratch; hashes of everything under processed/ and reports/."""
    study = ev.load_study(study_path)
    ev.build_report(study_path, lang="en", formats=("html", "docx"), progress=False,
                    notebooks_dir=ROOT / "notebooks", force_import=True)
    return {p.relative_to(base).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for folder in (study.processed_dir, study.reports_dir) for p in sorted(folder.rglob("*")) if p.is_file()}


LOGS = ("import.json", "manifest.json")  # record when and how long: the only files allowed to differ


def _differences(a: dict, b: dict) -> list[str]:
    keys = a.keys() | b.keys()
    return sorted(k for k in keys if a.get(k) != b.get(k) and Path(k).name not in LOGS)


@pytest.fixture(scope="module")
def clean_build(tmp_path_factory):
    base = tmp_path_factory.mktemp("clean-build")
    study_path = make_demo_project(base)
    return {"base": base, "study_path": study_path, "hashes": _build_hashes(study_path, base)}


@pytest.mark.xdist_group("determinism")
def test_two_builds_from_the_same_inputs_are_byte_identical(clean_build):
    """Processed data, results, HTML, CSV, XLSX, DOCX, figures and executed notebooks: the same bytes twice."""
    base, study_path = clean_build["base"], clean_build["study_path"]
    study = ev.load_study(study_path)
    shutil.rmtree(study.processed_dir)
    shutil.rmtree(study.reports_dir)
    again = _build_hashes(study_path, base)
    assert _differences(clean_build["hashes"], again) == []
    kinds = {Path(k).suffix for k in again}
    assert {".parquet", ".html", ".csv", ".xlsx", ".docx", ".ipynb", ".svg", ".png"} <= kinds


@pytest.mark.xdist_group("determinism")
@pytest.mark.parametrize("kill_when", ["notebook 3 is running", "exporting"])
def test_killed_build_is_marked_and_rerun_gives_the_same_outputs(clean_build, tmp_path, kill_when):
    """Kill a build (SIGKILL) while it runs; the folder says it is incomplete, and the next run repairs it."""
    import subprocess
    import sys
    import time

    study_path = make_demo_project(tmp_path)
    study = ev.load_study(study_path)
    script = ("import evaluation as ev, sys; ev.build_report(sys.argv[1], lang='en', formats=('html', 'docx'), "
              "progress=False, notebooks_dir=sys.argv[2])")
    proc = subprocess.Popen([sys.executable, "-c", script, str(study_path), str(ROOT / "notebooks")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    notebooks = study.reports_dir / "notebooks" / "en"
    staged = study.reports_dir / ".learning-report.en.html.partial"
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and proc.poll() is None:
        if kill_when == "exporting" and staged.exists():
            break
        if kill_when.startswith("notebook") and len(list(notebooks.glob("*.ipynb"))) >= 3:
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the build ended before it could be interrupted"
    proc.kill()
    proc.wait(timeout=30)
    marker = study.reports_dir / ".build-incomplete.en.json"
    assert marker.exists()
    assert not (study.reports_dir / "learning-report.en.html").exists()  # no finished-looking report
    ev.build_report(study_path, lang="en", formats=("html", "docx"), progress=False, notebooks_dir=ROOT / "notebooks")
    assert not marker.exists()
    rerun = {p.relative_to(tmp_path).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
             for folder in (study.processed_dir, study.reports_dir) for p in sorted(folder.rglob("*")) if p.is_file()}
    assert _differences(clean_build["hashes"], rerun) == []

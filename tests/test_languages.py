"""A third report language by adding one language folder, and the evaluator's own text surviving a rebuild (issue 10).

The pseudo-language ``xx`` is the English folder with every entry prefixed "XX·" and French number formatting
(Babel ``fr``), placed beside the study (``report.locales``): no Python file changes. The build must then write
every heading, label and sentence from that folder.
"""
import re
import shutil

import lxml.html
import pytest
import yaml

import evaluation as ev
from evaluation.report.i18n import PACKAGE_LOCALES, use_locales

from conftest import ROOT, make_demo_project

NOTEBOOKS = ROOT / "notebooks"

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("languages")]

MARK = "XX·"


def _pseudo_folder(target):
    """locales/xx: the English catalog with every text prefixed, French number formatting."""
    folder = target / "xx"
    folder.mkdir(parents=True)
    locale = yaml.safe_load((PACKAGE_LOCALES / "en" / "locale.yml").read_text(encoding="utf-8"))
    locale.update(name="Pseudo", babel="fr", ci="⟨{{low}} ; {{high}}⟩")
    (folder / "locale.yml").write_text(yaml.safe_dump(locale, allow_unicode=True), encoding="utf-8")
    for part in ("labels", "sections", "text"):
        data = yaml.safe_load((PACKAGE_LOCALES / "en" / f"{part}.yml").read_text(encoding="utf-8"))
        # prose starting with a Markdown list or a block keeps its structure: the mark goes after the first bullet
        out = {k: (v.replace("- ", "- " + MARK, 1) if v.lstrip().startswith(("- ", "{% for")) else MARK + v)
               for k, v in data.items()}
        (folder / f"{part}.yml").write_text(yaml.safe_dump(out, allow_unicode=True), encoding="utf-8")


def _add_language(node):
    """Give every {nl, en} label mapping an ``xx`` entry (the configuration's own words in the new language)."""
    if isinstance(node, dict):
        if isinstance(node.get("en"), str) and "nl" in node:
            node["xx"] = MARK + node["en"]
        for value in node.values():
            _add_language(value)
    elif isinstance(node, list):
        for value in node:
            _add_language(value)
    return node


@pytest.fixture(scope="module")
def pseudo_study(tmp_path_factory):
    base = tmp_path_factory.mktemp("pseudo")
    study_path = make_demo_project(base)
    _pseudo_folder(base / "config" / "locales")
    for path in (base / "config").rglob("*.yml"):
        if "locales" in path.parts:
            continue
        data = _add_language(yaml.safe_load(path.read_text(encoding="utf-8")))
        if path == study_path:
            data["report"]["languages"] = ["xx", "en"]
            data["report"]["locales"] = "../locales"
            for lang in list(data["report"].get("questions", {})):
                data["report"]["questions"]["xx"] = [MARK + q for q in data["report"]["questions"]["en"]]
            for event in data["report"].get("timeline", []):
                event["xx"] = MARK + event["en"]
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    yield study_path
    use_locales()


def _texts(html_path):
    root = lxml.html.parse(str(html_path)).getroot()
    return {tag: [" ".join(el.text_content().split()) for el in root.iter(tag)] for tag in ("h2", "h3", "caption", "p", "th")}


def test_a_language_folder_adds_a_language_without_python_changes(pseudo_study):
    out = ev.build_report(pseudo_study, lang="xx", formats=("html",), progress=False, notebooks_dir=NOTEBOOKS)
    assert out["html"].name == "learning-report.html"  # the study's first language is its primary edition
    texts = _texts(out["html"])
    headings = texts["h2"] + texts["h3"]
    assert len(headings) > 12 and all(h.startswith(MARK) for h in headings), [h for h in headings if not h.startswith(MARK)]
    assert all(c.startswith(MARK) for c in texts["caption"] if c), [c for c in texts["caption"] if not c.startswith(MARK)]
    generated = [p for p in texts["p"] if p.startswith(MARK)]
    assert len(generated) > 20
    # numbers follow the language folder's Babel locale (French: decimal comma) and its interval notation
    html = out["html"].read_text(encoding="utf-8")
    assert re.search(r"⟨−?\d+,\d\d ; −?\d+,\d\d⟩", html)


def test_evaluators_text_survives_a_rebuild_and_is_marked(pseudo_study):
    study = ev.load_study(pseudo_study)
    own = study.narrative_dir / "en" / "recommendations.md"
    own.parent.mkdir(parents=True, exist_ok=True)
    own.write_text("1. **Keep the Saturday drop-in** — residents valued it.\n2. Ask the housing association to join.\n",
                   encoding="utf-8")
    for attempt in range(2):  # a rebuild keeps the evaluator's text: it lives beside the study, not in the report
        out = ev.build_report(pseudo_study, lang="en", formats=("html",), progress=False, notebooks_dir=NOTEBOOKS)
        section = lxml.html.parse(str(out["html"])).getroot().text_content()
        assert "Keep the Saturday drop-in" in section and "Evaluator's text" in section, attempt
        assert "Continue street meetings" not in section  # the generated draft is replaced, not repeated
        assert not any(h.startswith(MARK) for h in _texts(out["html"])["h2"])  # English untouched by the new folder
    draft = study.reports_dir / "narrative-drafts" / "en" / "recommendations.md"
    assert "Continue" in draft.read_text(encoding="utf-8")  # the generated draft stays available to start from
    shutil.rmtree(own.parent)

"""Every study shape the configuration allows builds a report (issue 9, point 1).

For each named shape of :data:`evaluation.demo.SHAPES` a self-contained synthetic study is written into its own
temporary project and its learning report is built in every format (HTML, DOCX and PDF). A shape that reports in
two languages builds one of them (alternating, so both language folders are used), except the shapes in
``BOTH_LANGUAGES``, which build both; the second language reuses the project, the import and the cached results.

Each report must

- contain none of the example study's words (area, municipality, themes, stakeholder groups, …) unless the shape's
  own configuration has them;
- show no empty table and no missing-value marks (``nan``, ``<NA>``): a section without data says so in one line
  (the study has no survey, one wave only, no interviews, no groups, …);
- keep its method text to what the study has: no yes/no questions without yes/no items, no second wave or panel in
  a one-wave study, no panel in a study without panel overlap, no agreement between coders with one coder;
- name the scale range of its own instrument (``1–7``), never the example's ``1–5`` on another scale.
"""
from __future__ import annotations

import re
from pathlib import Path

import lxml.html
import pytest

import evaluation as ev
from evaluation.config import label_for
from evaluation.demo import SHAPES, write_shape_study
from evaluation.report.i18n import heading, say

from conftest import ROOT
from test_demo_shapes import EXAMPLE_WORDS

#: The method's own Dutch vocabulary (coder, baseline, follow-up, area-based working), which the package's generic
#: text uses for every study; the other words of EXAMPLE_WORDS are the example study's own.
METHOD_WORDS = ("codeur", "nulmeting", "eindmeting", "gebiedsgericht")
REPORT_WORDS = tuple(w for w in EXAMPLE_WORDS if w not in METHOD_WORDS)

#: Shapes built in every format (HTML, DOCX, PDF).
#: Bilingual shapes built in both languages (the others build one, alternating between the two).
BOTH_LANGUAGES = ("no-yesno-no-categorical",)

#: Words that must not occur in a section of a study that lacks the feature (method text, per language).
ABSENT_IN_METHOD = {
    "yesno": {"en": ("yes/no",), "nl": ("ja/nee",)},
    "panel": {"en": ("the panel", "more than once", "paired"), "nl": ("het panel", "vaker antwoordden", "gepaard")},
    "second_wave": {"en": ("panel", "times (", "follow-up", "more than once", "between the waves"),
                    "nl": ("panel", "keer dezelfde", "eindmeting", "vaker antwoordden", "tussen de metingen")},
}
#: How a change sentence names the scale range (from 1 to `high`), per language.
SCALE_RANGE = {"en": "on a 1–{high} scale", "nl": "op een schaal van 1 tot {high}"}
#: Words about agreement between coders (none with one coder).
AGREEMENT_WORDS = ("Krippendorff", "kappa")


def _plan():
    params = []
    for index, (name, shape) in enumerate(SHAPES.items()):
        if name in BOTH_LANGUAGES or len(shape.languages) == 1:
            languages = tuple(shape.languages)
        else:
            languages = (shape.languages[index % 2],)
        formats = ("html", "docx", "pdf")
        params.append(pytest.param(name, languages, formats, id=name,
                                   marks=pytest.mark.xdist_group(f"shape-report-{name}")))
    return params


def test_plan_covers_every_shape_and_both_languages():
    plan = [p.values for p in _plan()]
    assert [name for name, _, _ in plan] == list(SHAPES)
    assert {lang for _, languages, _ in plan for lang in languages} == {"en", "nl"}
    assert all(formats == ("html", "docx", "pdf") for _, _, formats in plan)


def _text(element) -> str:
    return " ".join(element.text_content().split())


def _section(doc, title: str) -> str:
    """Text of the h2 section titled `title` (its heading up to the next h2)."""
    for h2 in doc.xpath("//h2"):
        if _text(h2) == title:
            parts = []
            for sibling in h2.itersiblings():
                if sibling.tag == "h2":
                    break
                parts.append(_text(sibling))
            return " ".join(parts)
    raise AssertionError(f"no section {title!r} in the report")


def _plain(markdown: str) -> str:
    """A one-line note as it reads in the report (Markdown emphasis and escapes removed)."""
    return " ".join(re.sub(r"\\(.)", r"\1", markdown.replace("*", "")).split())


def _check_words(text: str, config_text: str, where: str) -> None:
    for word in REPORT_WORDS:
        if word.lower() in config_text:
            continue  # the study's own configuration says so
        assert word.lower() not in text.lower(), f"{where}: the example study's word {word!r}"


def _check_html(path: Path, shape, lang: str, config_text: str, study=None) -> None:
    doc = lxml.html.fromstring(path.read_bytes())
    for node in doc.xpath("//style|//script"):
        node.getparent().remove(node)
    text = _text(doc)
    where = f"{path.name}"
    _check_words(text, config_text, where)

    # no empty tables and no missing-value marks: a section without data says so in one line
    for table in doc.xpath("//table"):
        assert table.xpath(".//tbody/tr"), f"{where}: empty table {_text(table)[:120]!r}"
    for mark in (r"\bnan\b", r"\bNaN\b", r"<NA>", r"\bNaT\b", r"Traceback"):
        found = re.search(mark, text)
        assert not found, f"{where}: {mark} in {text[max(found.start() - 80, 0):found.end() + 80]!r}"

    if not shape.survey:
        assert _plain(say("no_survey", lang)) in text, f"{where}: no one-line note that the study has no survey"
    elif shape.waves < 2:
        assert _plain(say("no_change", lang)) in text, f"{where}: no one-line note that there is one wave only"
    if not shape.interviews:
        assert _plain(say("no_interviews", lang)) in text, f"{where}: no one-line note that there are no interviews"
    if shape.survey and shape.waves == 2 and not shape.groups:
        assert _plain(say("no_groups", lang)) in text, f"{where}: no one-line note that no groups are compared"
    if shape.survey and shape.waves == 2 and shape.groups and not shape.panel:
        assert _plain(say("no_panel", lang)) in text, f"{where}: no one-line note that nobody answered both waves"

    # the method text names only what the study has
    method = _section(doc, heading("method", lang).lstrip("#").strip()).lower()
    absent = []
    if shape.survey and not (shape.yesno or shape.categorical):
        absent.append("yesno")
    if shape.survey and shape.waves < 2:
        absent.append("second_wave")
    elif shape.survey and not shape.panel:
        absent.append("panel")
    for feature in absent:
        for word in ABSENT_IN_METHOD[feature][lang]:
            assert word.lower() not in method, f"{where}: the method mentions {word!r} ({feature}): {method!r}"
    if shape.interviews and shape.coders == 1:
        for word in AGREEMENT_WORDS:
            assert word.lower() not in text.lower(), f"{where}: {word!r} with one coder"

    # the group variables are named by the instrument's labels, every one of them in the subgroup table's caption
    if study is not None and shape.survey and shape.waves == 2 and shape.panel and shape.groups:
        words = [label_for(study.instrument.background[v]["label"], lang).lower() for v in shape.groups]
        captions = [_text(c).lower() for c in doc.xpath("//caption")]
        assert any(all(w in c for w in words) for c in captions), f"{where}: no caption names {words}: {captions}"
        for variable in shape.groups:
            assert not re.search(rf"\b{variable}\b", text), f"{where}: the variable id {variable!r} in the text"
    if study is not None and shape.survey:  # categories by their labels, never their ids
        for spec in study.instrument.background.values():
            for code in spec["codes"].values():
                if "_" in str(code["id"]):
                    assert str(code["id"]) not in text, f"{where}: the category id {code['id']!r} in the text"

    # the scale range is the study's own
    if shape.survey and shape.waves == 2:
        own = SCALE_RANGE[lang].format(high=shape.points)
        assert own in text, f"{where}: the scale range {own!r} is not named"
    if shape.survey and shape.points != 5:
        example = SCALE_RANGE[lang].format(high=5)
        assert example not in text, f"{where}: the example's scale range {example!r} on a {shape.points}-point scale"


def _check_docx(path: Path, config_text: str) -> None:
    import docx

    document = docx.Document(path)
    text = " ".join(p.text for p in document.paragraphs)
    text += " ".join(cell.text for table in document.tables for row in table.rows for cell in row.cells)
    assert len(text) > 1000, f"{path.name}: almost no text"
    _check_words(text, config_text, path.name)


def _check_pdf(path: Path, config_text: str) -> None:
    from pypdf import PdfReader

    reader = PdfReader(path)
    assert len(reader.pages) > 3, f"{path.name}: {len(reader.pages)} pages"
    text = " ".join(page.extract_text() or "" for page in reader.pages)
    _check_words(" ".join(text.split()), config_text, path.name)


@pytest.mark.slow
@pytest.mark.parametrize("name, languages, formats", _plan())
def test_shape_builds_its_report(name, languages, formats, tmp_path):
    shape = SHAPES[name]
    (tmp_path / "pyproject.toml").write_text("# marks the project root for the tests\n")
    study_path = write_shape_study(tmp_path, name)
    config_text = " ".join(p.read_text(encoding="utf-8") for p in (tmp_path / "config").rglob("*.yml")).lower()
    study = ev.load_study(study_path)
    assert set(languages) <= set(study.languages)
    for lang in languages:
        out = ev.build_report(study_path, lang=lang, formats=formats, progress=False,
                              notebooks_dir=ROOT / "notebooks")
        _check_html(out["html"], shape, lang, config_text, study)
        if "docx" in formats:
            _check_docx(out["docx"], config_text)
        if "pdf" in formats:
            _check_pdf(out["pdf"], config_text)


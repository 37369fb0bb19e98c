"""A study shaped unlike the example builds a report from its configuration alone, with none of the example's words.

English only, no yes/no or categorical items, another street and municipality, no context, questions or
timeline in the configuration (the generic method text is used), and its own study id and folders. The
other shapes of issue 9 (7-point scales, interviews only, one wave, …) are not covered yet.
"""
import re
import shutil

import lxml.html
import pytest
import yaml

import evaluation as ev

from conftest import ROOT, make_demo_project

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("shape")]


def test_english_only_study_without_yes_no_items(tmp_path):
    old_study = make_demo_project(tmp_path)
    shutil.move(tmp_path / "data/raw/noorderbeekdwarsstraat-demo", tmp_path / "data/raw/elm-street")
    for truth in (tmp_path / "data/raw").glob("*.truth.json"):
        truth.rename(truth.with_name("elm-street.truth.json"))
    data = yaml.safe_load(old_study.read_text(encoding="utf-8"))
    data["study"].update(id="elm-street", title={"en": "Elm Street pilot"}, municipality="Othertown", area="Elm Street",
                         raw_dir="../../data/raw/elm-street", processed_dir="../../data/processed/elm-street",
                         reports_dir="../../reports/elm-street")
    data["report"] = {"languages": ["en"], "stakeholder_groups": {
        "resident": {"en": "Neighbours"}, "entrepreneur": {"en": "Shopkeepers"},
        "municipal_staff": {"en": "Council officers"}, "partner": {"en": "Partners"}}}
    study_path = old_study.with_name("elm-street.yml")
    study_path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    old_study.unlink()
    instrument_path = tmp_path / "config/instruments/veerkracht-straat.yml"
    instrument = yaml.safe_load(instrument_path.read_text(encoding="utf-8"))
    levels = {k: v.get("level") for k, v in instrument["answer_sets"].items()}
    instrument["items"] = [i for i in instrument["items"] if levels.get(i["answers"]) not in ("binary", "categorical")]
    instrument_path.write_text(yaml.safe_dump(instrument, allow_unicode=True), encoding="utf-8")

    out = ev.build_report(study_path, lang="en", formats=("html", "docx"), progress=False,
                          notebooks_dir=ROOT / "notebooks")
    text = " ".join(lxml.html.fromstring(out["html"].read_bytes()).text_content().split())
    for word in ("Noorderbeek", "Den Haag", "Hague", "Energy coaches", "Entrepreneurs", "Municipal staff"):
        assert not re.search(re.escape(word), text, re.I), word
    assert "This learning report evaluates the pilot in Elm Street (Othertown)" in text
    assert "Neighbours" in text and "this study has no data for it" in text  # no yes/no table, one line instead

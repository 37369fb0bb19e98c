"""Study configuration: every problem reported at once, naming file, key, found and allowed."""
import shutil
from pathlib import Path

import pytest
import yaml

import evaluation as ev
from evaluation.config import ConfigError, load_coding_frame, load_instrument

ROOT = Path(__file__).resolve().parents[1]
STUDY = ROOT / "config/studies/noorderbeekdwarsstraat-demo.yml"


@pytest.fixture
def config_copy(tmp_path):
    shutil.copytree(ROOT / "config", tmp_path / "config")
    return tmp_path / "config"


def edit(path, change):
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def test_example_study_loads():
    study = ev.load_study(STUDY)
    assert study.id == "noorderbeekdwarsstraat-demo"
    assert study.wave_ids == ["before", "after"]
    assert study.population_size == 200
    assert sum(study.population_margins["tenure"].values()) == 200
    scales = study.instrument.scale_definitions()
    assert scales["trust"]["reverse"] == ["tru4"]
    assert scales["cohesion"]["rescale_0_10"] is True
    assert set(study.coding_frame.table.columns) == {"code", "theme", "aspect", "labels", "meta"}
    assert study.raw_dir == ROOT / "data/raw/noorderbeekdwarsstraat-demo"


def test_all_problems_reported_at_once(config_copy):
    study = config_copy / "studies/noorderbeekdwarsstraat-demo.yml"

    def break_study(d):
        del d["study"]["id"]  # missing key
        d["population"]["size"] = "two hundred"  # wrong type
        d["analysis"]["groups"] = ["tenure", "income"]  # unknown background variable
        d["analysis"]["colour"] = "blue"  # unknown key

    def break_instrument(d):
        d["items"][0]["scale"] = "cohesoin"  # unknown scale (typo)
        d["items"][1]["answers"] = "agree7"  # unknown answer set

    edit(study, break_study)
    edit(config_copy / "instruments/veerkracht-straat.yml", break_instrument)
    with pytest.raises(ConfigError) as info:
        ev.load_study(study)
    problems = info.value.problems
    keys = {p.key for p in problems}
    assert {"study.id", "population.size", "analysis.groups", "analysis.colour"} <= keys
    assert "items[0] (coh1).scale" in keys and "items[1] (coh2).answers" in keys
    message = str(info.value)
    assert "veerkracht-straat.yml: items[0] (coh1).scale: value not allowed (found: 'cohesoin'" in message
    assert "population.size: wrong type (found: 'two hundred'; allowed: whole number)" in message
    assert "analysis.groups: not a background variable of the instrument (found: 'income'" in message


def test_missing_file_and_bad_yaml(config_copy):
    study = config_copy / "studies/noorderbeekdwarsstraat-demo.yml"
    edit(study, lambda d: d.update(instrument="../instruments/does-not-exist.yml"))
    with pytest.raises(ConfigError, match="does-not-exist.yml: \\(file\\): file not found"):
        ev.load_study(study)
    bad = config_copy / "bad.yml"
    bad.write_text("study: {id: x\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="bad.yml: line 2, column 1: not valid YAML"):
        ev.load_study(bad)


def test_demo_key_refused_for_real_study(config_copy, monkeypatch):
    study = config_copy / "studies/noorderbeekdwarsstraat-demo.yml"
    edit(study, lambda d: d["study"].update(synthetic=False))
    with pytest.raises(ConfigError, match="privacy.demo_key: a fixed key is only allowed for synthetic studies"):
        ev.load_study(study)
    edit(study, lambda d: d["privacy"].pop("demo_key"))
    loaded = ev.load_study(study)
    monkeypatch.delenv("EVALUATION_PSEUDONYM_KEY", raising=False)
    with pytest.raises(ConfigError, match="EVALUATION_PSEUDONYM_KEY is not set"):
        loaded.pseudonym_key()
    monkeypatch.setenv("EVALUATION_PSEUDONYM_KEY", "a-long-secret")
    assert loaded.pseudonym_key() == b"a-long-secret"


def test_instrument_checks(tmp_path):
    path = tmp_path / "inst.yml"
    path.write_text(yaml.safe_dump({
        "instrument": "x",
        "answer_sets": {"a5": {"level": "likert", "codes": {1: "a", 2: "b"}, "missing": {2: "dk"}, "agree": [3]}},
        "themes": {"t": {"nl": "T", "en": "T"}},
        "scales": {"s": {"label": "S", "theme": "t", "min_items": 3}},
        "identifiers": {"respondent": "id"},
        "items": [{"id": "q1", "answers": "a5", "scale": "s", "text": "Q"}, {"id": "q1", "answers": "a5", "text": "Q"}],
    }), encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_instrument(path)
    text = str(info.value)
    assert "answer_sets.a5.level: value not allowed (found: 'likert'; allowed: ordinal, binary, categorical, numeric)" in text
    assert "a code cannot be both an answer and a missing code" in text
    assert "answer_sets.a5.agree: agree code is not an answer code (found: 3" in text
    assert "items[1] (q1).id: duplicate item id" in text
    assert "scales.s.min_items: larger than the number of items in the scale" in text


def test_coding_frame_checks(tmp_path):
    path = tmp_path / "frame.yml"
    path.write_text(yaml.safe_dump({
        "coding_frame": "f",
        "codes": [{"code": "A", "theme": "nope"}, {"code": "B"}, {"code": "A", "aspect": "weakness"}],
    }), encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_coding_frame(path, themes={"trust"})
    text = str(info.value)
    assert "codes[0].theme: value not allowed (found: 'nope'; allowed: trust)" in text
    assert "code 'B' needs a theme, an aspect or both" in text
    assert "codes[2].aspect: value not allowed (found: 'weakness'" in text
    assert "duplicate code names" in text


def test_demo_population_matches_generated_street(demo_project):
    """The example study's configured population equals the street the generator simulates."""
    import json

    study = ev.load_study(demo_project)
    truth = json.loads(study.raw_dir.with_name(study.raw_dir.name + ".truth.json").read_text(encoding="utf-8"))
    assert study.population_residents == truth["population"]["residents"]["overall"]
    assert study.population_size == truth["population"]["homes"]["overall"]
    assert study.population_margins["tenure"] == {k: v for k, v in truth["population"]["homes"].items() if k != "overall"}


def test_limits_strict_and_screening_settings(config_copy):
    import yaml

    from evaluation.config import load_study
    from evaluation.readers.limits import InputLimits

    path = config_copy / "studies" / "noorderbeekdwarsstraat-demo.yml"
    study = load_study(path)
    assert study.limits == InputLimits() and study.strict is False and study.allow_external_paths is False
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["limits"] = {"max_file_mb": 2.5, "max_rows": 1000}
    data["strict"] = True
    data["privacy"]["screen_names"] = ["Jansen"]
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    study = load_study(path)
    assert study.limits.max_file_mb == 2.5 and study.limits.max_rows == 1000 and study.strict is True
    assert study.screen_names == ["Jansen"]
    data["limits"] = {"max_rows": 0, "max_xml_mb": "64"}
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_study(path)
    text = str(info.value)
    assert "limits.max_rows: out of range" in text and "limits.max_xml_mb: wrong type" in text


def test_reference_docx_and_survey_groups(config_copy):
    """report.reference_docx must be an existing .docx; interviews.survey_groups a list of group ids."""
    study = config_copy / "studies/noorderbeekdwarsstraat-demo.yml"
    (study.parent / "huisstijl.docx").write_bytes(b"PK")  # exists; the DOCX export reads it
    edit(study, lambda d: d["report"].update(reference_docx="huisstijl.docx"))
    loaded = ev.load_study(study)
    assert loaded.reference_docx == (study.parent / "huisstijl.docx").resolve()
    assert loaded.survey_groups == ["resident"]
    # a name per language where it differs; a plain name holds for every language
    assert loaded.municipality_labels == {"nl": "Den Haag", "en": "The Hague"} and loaded.municipality == "Den Haag"
    edit(study, lambda d: (d["report"].update(reference_docx="missing.docx"),
                           d["interviews"].update(survey_groups=[""])))
    with pytest.raises(ConfigError) as info:
        ev.load_study(study)
    keys = {p.key for p in info.value.problems}
    assert keys == {"report.reference_docx", "interviews.survey_groups"}

"""Replication kit: new-study skeleton, draft-instrument, draft-frame, export-codebook."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from conftest import SHARED
from evaluation.cli import main
from evaluation.config import ConfigError, load_coding_frame, load_instrument, load_study
from evaluation.kit import draft_frame, draft_instrument, export_codebook, new_study
from evaluation.preflight import check_study, format_problems
from evaluation.readers.codings import read_codings

CODEBOOK_XSD = Path(__file__).parent / "data" / "refi-qda" / "Codebook.xsd"  # copy of shared/samples/refi-qda


def _root(base: Path) -> Path:
    (base / "pyproject.toml").write_text("# project root for the tests\n")
    return base


# --------------------------------------------------------------------------- new-study


def test_skeleton_loads_and_check_only_misses_the_raw_files(tmp_path):
    files = new_study("city-pilot", config_dir=_root(tmp_path) / "config")
    assert files["study"] == tmp_path / "config/studies/city-pilot.yml"
    load_instrument(files["instrument"])
    load_coding_frame(files["coding_frame"])
    study = load_study(files["study"])
    assert study.id == "city-pilot" and study.raw_dir == tmp_path / "data/raw/city-pilot"
    problems = check_study(files["study"])
    assert set(problems["key"]) == {"waves[0].file", "waves[1].file", "interviews.codings",
                                    "interviews.interviewees"}, format_problems(problems)
    assert problems["problem"].str.contains("not found").all()
    assert not (tmp_path / "data").exists()  # check never creates folders


def test_skeleton_holds_no_example_study_content(tmp_path):
    files = new_study("x", config_dir=tmp_path)
    text = "".join(p.read_text(encoding="utf-8") for p in files.values())
    for word in ("Noorderbeek", "Den Haag", "veerkracht", "tenure", "woonvorm", "Citaat", "energy", "cohesion"):
        assert word.lower() not in text.lower()


def test_new_study_never_overwrites(tmp_path):
    taken = tmp_path / "instruments" / "x.yml"
    taken.parent.mkdir()
    taken.write_text("mine\n")
    with pytest.raises(FileExistsError):
        new_study("x", config_dir=tmp_path)
    assert taken.read_text() == "mine\n"
    assert not (tmp_path / "studies" / "x.yml").exists()  # nothing written when one file exists


@pytest.mark.parametrize("name", ["", "../up", "a b", "-x"])
def test_new_study_refuses_bad_names(tmp_path, name):
    with pytest.raises(ValueError, match="letters, digits"):
        new_study(name, config_dir=tmp_path)


def test_cli_new_study(tmp_path, capsys):
    assert main(["new-study", "pilot-2", "--dir", str(tmp_path / "cfg")]) == 0
    assert (tmp_path / "cfg/coding-frames/pilot-2.yml").exists()
    assert "evaluation check --study" in capsys.readouterr().out
    assert main(["new-study", "pilot-2", "--dir", str(tmp_path / "cfg")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "already exists" in err[0] and "Traceback" not in err[0]


# --------------------------------------------------------------------------- draft-instrument


def _write_sav(path: Path, seed: int, n: int = 40) -> None:
    pyreadstat = pytest.importorskip("pyreadstat")
    rng = np.random.default_rng(seed)
    f = rng.normal(size=n)

    def likert(sign=1):
        x = np.clip(np.round(3 + sign * 1.2 * f + rng.normal(scale=0.6, size=n)), 1, 5)
        x[rng.random(n) < 0.08] = 98
        x[rng.random(n) < 0.04] = 99
        return x

    frame = pd.DataFrame({
        "resp_id": np.arange(1, n + 1, dtype=float),
        "email": [f"person{i}@example.org" for i in range(n)],
        "sc_1": likert(), "sc_2": likert(), "sc_3": likert(-1), "sc_4": likert(),
        "member": rng.integers(0, 2, size=n).astype(float),
        "spend": np.round(rng.uniform(0, 250, size=n), 2),
        "remarks": ["" if i % 3 else "fine" for i in range(n)],
    })
    agree = {1: "Strongly disagree", 2: "Disagree", 3: "Neutral", 4: "Agree", 5: "Strongly agree",
             98: "Don't know", 99: "Refused"}
    pyreadstat.write_sav(
        frame, str(path),
        column_labels={"sc_1": "Statement one", "sc_2": "Statement two", "sc_3": "Statement three (other way)",
                       "sc_4": "Statement four", "member": "Member of a club?"},
        variable_value_labels={**{f"sc_{i}": agree for i in range(1, 5)}, "member": {0: "No", 1: "Yes"}},
        missing_ranges={f"sc_{i}": [98, 99] for i in range(1, 5)},
    )


def _study_for(base: Path, instrument: Path, files: tuple[str, str]) -> Path:
    """The skeleton study pointed at a drafted instrument, without groups or interviews."""
    paths = new_study("drafted", config_dir=base / "config")
    study = yaml.safe_load(paths["study"].read_text(encoding="utf-8"))
    study["instrument"] = str(Path("..") / instrument.relative_to(base / "config"))
    study["population"].pop("margins")
    study["analysis"].pop("groups")
    study.pop("interviews")
    for wave, name in zip(study["waves"], files):
        wave["file"] = name
    paths["study"].write_text(yaml.safe_dump(study, sort_keys=False), encoding="utf-8")
    return paths["study"]


def test_draft_instrument_from_spss_passes_check(tmp_path):
    base = _root(tmp_path)
    raw = base / "data/raw/drafted"
    raw.mkdir(parents=True)
    _write_sav(raw / "wave1.sav", seed=1)
    _write_sav(raw / "wave2.sav", seed=2)
    out = base / "config/instruments/drafted-from-sav.yml"
    text = draft_instrument(raw / "wave1.sav", out=out)
    assert out.read_text(encoding="utf-8") == text and "# review" in text
    inst = load_instrument(out)
    assert inst.identifiers["respondent"] == "resp_id" and inst.identifiers["direct"] == ["email"]
    sc = inst.answer_sets[inst.item("sc_1")["answers"]]
    assert sc["level"] == "ordinal" and sorted(sc["codes"]) == [1, 2, 3, 4, 5]
    assert sc["codes"][4] == {"en": "Agree", "nl": "Agree"}
    assert sc["missing"] == {98: {"en": "Don't know", "nl": "Don't know"}, 99: {"en": "Refused", "nl": "Refused"}}
    assert inst.answer_set("member")["level"] == "binary"
    assert inst.answer_set("spend")["level"] == "numeric"
    assert {i["id"] for i in inst.items} == {"sc_1", "sc_2", "sc_3", "sc_4", "member", "spend"}
    assert inst.item("sc_1")["text"]["en"] == "Statement one"
    assert list(inst.scales) == ["sc"] and inst.scale_definitions()["sc"]["reverse"] == ["sc_3"]
    assert "# review: candidate scale" in text and "remarks" in text  # the text column is named, not drafted

    study = _study_for(base, out, ("wave1.sav", "wave2.sav"))
    problems = check_study(study)
    assert not (problems["severity"] == "error").any(), format_problems(problems)
    assert "items[2] (sc_3).reverse" not in set(problems["key"])  # reverse keying drafted right

    # renaming the candidate scale (the one change a person is expected to make) keeps it valid
    out.write_text(text.replace('"sc"', '"engagement"'), encoding="utf-8")
    assert list(load_instrument(out).scales) == ["engagement"]
    problems = check_study(study)
    assert not (problems["severity"] == "error").any(), format_problems(problems)


def test_draft_instrument_from_csv_guesses_missing_codes_and_fills_ranges(tmp_path):
    rng = np.random.default_rng(3)
    n = 30
    frame = pd.DataFrame({"id": range(n), **{f"q{i}": rng.integers(1, 6, size=n) for i in (1, 2)}})
    frame.loc[0, "q1"] = 9
    frame.loc[:5, "q2"] = 2  # code 3 might not occur: the range is filled
    path = tmp_path / "w.csv"
    frame.to_csv(path, index=False, sep=";")
    data = yaml.safe_load(draft_instrument(path))
    assert data["identifiers"]["respondent"] == "id"
    (set_id,) = {item["answers"] for item in data["items"]}  # q1 and q2 share one answer set
    spec = data["answer_sets"][set_id]
    assert list(spec["codes"]) == [1, 2, 3, 4, 5] and list(spec["missing"]) == [9]


def test_draft_instrument_never_overwrites(tmp_path, capsys):
    path = tmp_path / "w.csv"
    path.write_text("respondent_id,q1\n1,2\n2,3\n")
    out = tmp_path / "inst.yml"
    out.write_text("mine\n")
    with pytest.raises(FileExistsError):
        draft_instrument(path, out=out)
    assert out.read_text() == "mine\n"
    assert main(["draft-instrument", str(path)]) == 0
    assert yaml.safe_load(capsys.readouterr().out)["items"][0]["id"] == "q1"
    assert main(["draft-instrument", str(tmp_path / "nope.sav")]) == 2
    assert "not found" in capsys.readouterr().err


# --------------------------------------------------------------------------- draft-frame


@pytest.mark.parametrize("sample", ["atlasti-codebook.qdc", "taguette-codebook.qdc", "qc-1.3.2-demo.qdpx"])
def test_draft_frame_from_other_tools(tmp_path, sample):
    path = SHARED / "samples" / "refi-qda" / sample
    if not path.exists():
        pytest.skip(f"{sample} not available")
    out = tmp_path / "frame.yml"
    text = draft_frame(path, out=out)
    book = read_codings(path).codebook
    data = yaml.safe_load(text)
    codable = list(dict.fromkeys(book.loc[book["codable"], "code"]))
    assert [c["code"] for c in data["codes"]] == codable
    assert all(c["theme"] is None and c["aspect"] is None for c in data["codes"])
    assert text.count("# review") >= len(codable)
    # until classified, the configuration check lists every code still to fill in
    with pytest.raises(ConfigError) as info:
        load_coding_frame(out)
    assert len([p for p in info.value.problems if "needs a theme, an aspect" in p.message]) == len(codable)
    # once each code has an aspect, the frame loads
    for code in data["codes"]:
        code["aspect"] = "strength"
    out.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert load_coding_frame(out).table["code"].tolist() == codable


def test_cli_draft_frame(tmp_path, capsys):
    table = tmp_path / "codes.csv"
    table.write_text("document,case,code,start,end,text,coder\nd1,c1,Working together,0,5,Hello,A\n")
    assert main(["draft-frame", str(table), "--out", str(tmp_path / "f.yml")]) == 0
    assert "1 line(s) marked" in capsys.readouterr().out or (tmp_path / "f.yml").exists()
    assert yaml.safe_load((tmp_path / "f.yml").read_text())["codes"][0]["code"] == "Working together"


# --------------------------------------------------------------------------- export-codebook


def _validate(path: Path) -> None:
    from lxml import etree

    if not CODEBOOK_XSD.exists():
        pytest.skip("REFI-QDA Codebook.xsd not available")
    schema = etree.XMLSchema(etree.parse(str(CODEBOOK_XSD)))
    document = etree.parse(str(path))
    assert schema.validate(document), schema.error_log


def test_export_codebook_validates_and_reads_back(tmp_path):
    files = new_study("pilot", config_dir=_root(tmp_path) / "config")
    out = export_codebook(files["study"], tmp_path / "out" / "pilot.qdc")
    _validate(out)
    frame = load_coding_frame(files["coding_frame"]).table
    codings = read_codings(out)
    assert codings.info["format"] == "qdc"
    assert codings.codebook["code"].tolist() == frame["code"].tolist()
    assert codings.codebook["codable"].all()
    sets = dict(zip(codings.codebook["code"], codings.codebook["sets"]))
    assert "aspect: Limitation" in sets["TODO a limitation"] and "theme: TODO: theme B" in sets["TODO a limitation"]
    # the same frame gives the same bytes (name-based GUIDs)
    again = export_codebook(files["study"], tmp_path / "again.qdc")
    assert again.read_bytes() == out.read_bytes()
    # and drafting a frame from it gives the classification back
    data = yaml.safe_load(draft_frame(out))
    assert data["meta_codes"] == ["Quote approved"]
    back = {c["code"]: (c["theme"], c["aspect"]) for c in data["codes"]}
    expected = {r.code: (r.theme if isinstance(r.theme, str) else None, r.aspect if isinstance(r.aspect, str) else None)
                for r in frame.itertuples() if not r.meta}
    assert back == expected


def test_export_codebook_of_the_example_study(tmp_path):
    from conftest import DEMO_STUDY, ROOT

    out = export_codebook(ROOT / DEMO_STUDY, tmp_path / "example.qdc")
    _validate(out)
    frame = load_study(ROOT / DEMO_STUDY).coding_frame.table
    assert read_codings(out).codebook["code"].tolist() == frame["code"].tolist()


def test_export_codebook_refuses_raw_folder_and_existing_file(tmp_path, capsys):
    files = new_study("pilot", config_dir=_root(tmp_path) / "config")
    raw = tmp_path / "data/raw/pilot"
    with pytest.raises(ValueError, match="raw-data folder"):
        export_codebook(files["study"], raw / "codes.qdc")
    assert not raw.exists()
    out = tmp_path / "codes.qdc"
    out.write_text("mine")
    assert main(["export-codebook", "--study", str(files["study"]), "--out", str(out)]) == 2
    assert "already exists" in capsys.readouterr().err and out.read_text() == "mine"
    assert main(["export-codebook", "--study", str(files["study"]), "--out", str(out), "--overwrite"]) == 0
    assert out.read_bytes().startswith(b"<?xml")


def test_a_study_check_accepts_also_imports(tmp_path, monkeypatch):
    """The preflight predicts the import: a skeleton study with raw files that pass check imports cleanly."""
    from test_preflight import make_project

    import evaluation as ev

    files = make_project(tmp_path)
    assert check_study(files["study"]).empty
    monkeypatch.setenv("EVALUATION_PSEUDONYM_KEY", "a-test-key-that-is-long-enough-123456")
    info = ev.import_study(files["study"], progress=False)
    assert info["counts"]["responses"] == 40 + 36
    assert info["validation"]["warnings"] == 0
    assert (tmp_path / "data/processed/test-area/segments.parquet").exists()

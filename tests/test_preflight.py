"""`evaluation check`: one test per misconfiguration, each naming the configuration key to change."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from evaluation.cli import main
from evaluation.kit import new_study
from evaluation.preflight import CHECK_COLUMNS, check_study, format_problems
from evaluation.readers.qdpx_writer import write_qdpx

NAME = "test-area"
CASES = ["case-01", "case-02", "case-03", "case-04"]


def _wave(rng, n: int, reverse_a3: bool = True) -> pd.DataFrame:
    """Survey answers fitting the skeleton instrument: a1-a3 (a3 worded the other way), b1-b2, c1."""
    f = rng.normal(size=n)
    g = rng.normal(size=n)

    def likert(latent):
        return np.clip(np.round(3 + 1.2 * latent + rng.normal(scale=0.6, size=n)), 1, 5).astype(int)

    a3 = likert(f)
    return pd.DataFrame({
        "respondent_id": [f"r{i:03d}" for i in range(n)],
        "household_id": [f"h{i // 2:03d}" for i in range(n)],
        "group": rng.integers(1, 3, size=n),
        "a1": likert(f), "a2": likert(f), "a3": 6 - a3 if reverse_a3 else a3,
        "b1": likert(g), "b2": likert(g),
        "c1": rng.integers(0, 2, size=n),
    })


def make_project(base: Path, *, seed: int = 7) -> dict[str, Path]:
    """A complete, clean study made from the `new-study` skeleton, with raw files in tmp."""
    (base / "pyproject.toml").write_text("# project root for the tests\n")
    files = new_study(NAME, config_dir=base / "config")
    raw = base / "data" / "raw" / NAME
    raw.mkdir(parents=True)
    rng = np.random.default_rng(seed)
    _wave(rng, 40).to_csv(raw / "baseline.csv", index=False)
    _wave(rng, 36).to_csv(raw / "follow-up.csv", index=False)
    codes = ["TODO theme A", "TODO theme B", "TODO a strength", "TODO an opportunity", "TODO a limitation",
             "Quote approved"]
    text = "We talked about the street. It was good to meet. Some things were hard."
    docs = pd.DataFrame({"document": [f"doc-{c}" for c in CASES], "text": text, "case": CASES})
    segs = pd.DataFrame({
        "document": [f"doc-{CASES[i % 4]}" for i in range(len(codes))],
        "code": codes, "start": 0, "end": 10, "coder": "coder-1",
    })
    write_qdpx(raw / "interviews.qdpx", segs, documents=docs)
    pd.DataFrame({"case": CASES, "stakeholder_group": ["resident", "resident", "partner", "staff"]}).to_csv(
        raw / "interviewees.csv", index=False)
    return {**files, "raw": raw}


@pytest.fixture
def project(tmp_path) -> dict[str, Path]:
    return make_project(tmp_path)


def edit(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def keys(problems: pd.DataFrame, severity: str | None = None) -> set[str]:
    if severity:
        problems = problems[problems["severity"] == severity]
    return set(problems["key"])


def only(problems: pd.DataFrame, key: str) -> pd.Series:
    rows = problems[problems["key"] == key]
    assert len(rows) == 1, format_problems(problems)
    return rows.iloc[0]


def test_clean_study_has_no_problems(project):
    problems = check_study(project["study"])
    assert list(problems.columns) == CHECK_COLUMNS
    assert problems.empty, format_problems(problems)


def test_config_error_names_key_and_file(project):
    edit(project["study"], lambda d: d["analysis"].update(adjust="sidak"))
    edit(project["instrument"], lambda d: d["scales"]["scale_a"].update(min_items=9))
    problems = check_study(project["study"])
    assert {"analysis.adjust", "scales.scale_a.min_items"} <= keys(problems, "error")
    row = only(problems, "analysis.adjust")
    assert row["file"].endswith(f"studies/{NAME}.yml") and "holm" in row["fix"]


def test_missing_required_key_says_what_to_add(project):
    edit(project["instrument"], lambda d: d["scales"]["scale_b"].pop("theme"))
    row = only(check_study(project["study"]), "scales.scale_b.theme")
    assert row["severity"] == "error" and row["fix"].startswith("add scales.scale_b.theme")
    assert row["file"].endswith(f"instruments/{NAME}.yml")


def test_item_waves_naming_unknown_wave(project):
    edit(project["instrument"], lambda d: d["items"][5].update(waves=["baseline"]))
    row = only(check_study(project["study"]), "items[5] (c1).waves")
    assert row["severity"] == "warning" and "before, after" in row["fix"]


def test_missing_wave_file(project):
    (project["raw"] / "follow-up.csv").unlink()
    problems = check_study(project["study"])
    row = only(problems, "waves[1].file")
    assert row["severity"] == "error" and row["file"] == f"data/raw/{NAME}/follow-up.csv"
    assert "not found" in row["problem"]


def test_unreadable_wave_file(project):
    (project["raw"] / "baseline.csv").write_bytes(b"")
    problems = check_study(project["study"])
    row = only(problems, "waves[0].file")
    assert row["severity"] == "error" and "empty" in row["problem"]


def test_item_column_missing_names_item_and_suggests_the_typo(project):
    path = project["raw"] / "baseline.csv"
    pd.read_csv(path).rename(columns={"a2": "a_2"}).to_csv(path, index=False)
    problems = check_study(project["study"])
    row = only(problems, "items[1] (a2).id")
    assert row["severity"] == "error" and row["column"] == "a2" and "'a_2'" in row["problem"]
    assert "waves[0].rename" in row["fix"]


def test_item_with_explicit_column_names_column_key(project):
    edit(project["instrument"], lambda d: d["items"][3].update(column="B1_col"))
    problems = check_study(project["study"])
    assert "items[3] (b1).column" in keys(problems, "error")


def test_respondent_id_column_missing(project):
    edit(project["instrument"], lambda d: d["identifiers"].update(respondent="resp_nr"))
    problems = check_study(project["study"])
    row = problems[problems["key"] == "identifiers.respondent"].iloc[0]
    assert row["severity"] == "error" and row["column"] == "resp_nr"


def test_background_column_missing(project):
    edit(project["instrument"], lambda d: d["background"]["group"].update(column="tenure"))
    problems = check_study(project["study"])
    assert "background.group.column" in keys(problems, "error")


def test_rename_of_unknown_column(project):
    edit(project["study"], lambda d: d["waves"][0].update(rename={"A1": "a1"}))
    problems = check_study(project["study"])
    row = only(problems, "waves[0].rename")
    assert row["severity"] == "warning" and row["column"] == "A1"


def test_value_outside_answer_codes_gives_row_and_answer_set(project):
    path = project["raw"] / "baseline.csv"
    frame = pd.read_csv(path)
    frame.loc[[3, 7], "a1"] = 7
    frame.to_csv(path, index=False)
    problems = check_study(project["study"])
    row = only(problems, "answer_sets.agree5 (item a1)")
    assert row["severity"] == "error" and row["row"] == 5 and row["column"] == "a1"  # line 5 = header + 4
    assert "2 rows" in row["problem"]


def test_margin_category_missing(project):
    edit(project["study"], lambda d: d["population"]["margins"]["group"].pop("group_b"))
    problems = check_study(project["study"])
    row = problems[(problems["key"] == "population.margins.group") & (problems["severity"] == "error")].iloc[0]
    assert "'group_b'" in row["problem"] and "group_b: <count>" in row["fix"]


def test_margins_not_adding_up_warns(project):
    edit(project["study"], lambda d: d["population"]["margins"]["group"].update(group_a=60))
    row = only(check_study(project["study"]), "population.margins.group")
    assert row["severity"] == "warning" and "110" in row["problem"]


def test_group_variable_without_margins(project):
    edit(project["study"], lambda d: d["population"].pop("margins"))
    row = only(check_study(project["study"]), "population.margins")
    assert row["severity"] == "warning" and "analysis.groups" in row["problem"]


def test_missing_codings_file(project):
    (project["raw"] / "interviews.qdpx").unlink()
    row = only(check_study(project["study"]), "interviews.codings")
    assert row["severity"] == "error"


def test_unreadable_codings_file(project):
    (project["raw"] / "interviews.qdpx").write_bytes(b"PK\x03\x04 not really a zip")
    row = only(check_study(project["study"]), "interviews.codings")
    assert row["severity"] == "error"


def test_interview_case_missing_from_interviewee_table(project):
    path = project["raw"] / "interviewees.csv"
    people = pd.read_csv(path)
    people.loc[1, "case"] = "case-2"  # a typo: case-02 has no row now, case-2 has no interview
    people.to_csv(path, index=False)
    problems = check_study(project["study"])
    rows = problems[problems["key"] == "interviews.interviewees"]
    assert len(rows) == 2 and set(rows["severity"]) == {"warning"}
    assert any("'case-02'" in p and "not in the interviewee table" in p for p in rows["problem"])
    assert any("'case-2'" in p and "no interview" in p for p in rows["problem"])


def test_interviewee_table_without_group_column(project):
    path = project["raw"] / "interviewees.csv"
    pd.read_csv(path).rename(columns={"stakeholder_group": "group"}).to_csv(path, index=False)
    row = only(check_study(project["study"]), "interviews.interviewees")
    assert row["severity"] == "error" and row["column"] == "stakeholder_group"


def test_interviewee_case_with_two_groups(project):
    path = project["raw"] / "interviewees.csv"
    people = pd.read_csv(path)
    people = pd.concat([people, pd.DataFrame({"case": ["case-01"], "stakeholder_group": ["staff"]})])
    people.to_csv(path, index=False)
    row = only(check_study(project["study"]), "interviews.interviewees")
    assert row["severity"] == "error" and row["row"] == 6 and "different stakeholder groups" in row["problem"]


def test_code_not_in_coding_frame(project):
    edit(project["coding_frame"], lambda d: d["codes"].pop(0))
    row = only(check_study(project["study"]), "codes")
    assert row["severity"] == "warning" and "TODO theme A" in row["problem"]
    assert row["file"].endswith(f"coding-frames/{NAME}.yml")


def test_approved_code_not_in_codings(project):
    edit(project["study"], lambda d: d["interviews"].update(approved_code="Quote aproved"))
    edit(project["coding_frame"], lambda d: d.update(meta_codes=["Quote aproved", "Quote approved"]))
    row = only(check_study(project["study"]), "interviews.approved_code")
    assert row["severity"] == "warning" and "'Quote approved'" in row["problem"]


def test_negative_item_rest_correlation_asks_to_check_reverse_keying(project):
    edit(project["instrument"], lambda d: d["items"][2].pop("reverse"))  # a3 is worded the other way round
    problems = check_study(project["study"])
    row = only(problems, "items[2] (a3).reverse")
    assert row["severity"] == "warning" and "check reverse keying" in row["fix"]
    assert "not reverse-keyed" in row["problem"]
    assert set(problems["severity"]) == {"warning"}  # allowed, but probably wrong
    flagged = problems[problems["key"].str.endswith(".reverse")]
    r = flagged["problem"].str.extract(r"correlation (-?[\d.]+)")[0].astype(float)
    assert flagged["column"].iloc[int(r.argmin())] == "a3"  # the most negative one is the culprit


def test_negative_alpha(project):
    edit(project["instrument"], lambda d: d["items"][4].update(reverse=True))  # b2 reversed by mistake
    problems = check_study(project["study"])
    row = only(problems, "scales.scale_b")
    assert row["severity"] == "warning" and "alpha" in row["problem"] and "reverse keying" in row["fix"]


def test_scale_with_different_answer_sets(project):
    def change(d):
        d["answer_sets"]["agree5_copy"] = d["answer_sets"]["agree5"]
        d["items"][1]["answers"] = "agree5_copy"

    edit(project["instrument"], change)
    row = only(check_study(project["study"]), "scales.scale_a")
    assert row["severity"] == "warning" and "agree5_copy: a2" in row["problem"] and "same codes" in row["problem"]


def test_strict_study_turns_import_warnings_into_errors(project):
    edit(project["coding_frame"], lambda d: d["codes"].pop(0))
    edit(project["study"], lambda d: d.update(strict=True))
    row = only(check_study(project["study"]), "codes")
    assert row["severity"] == "error" and "strict" in row["problem"]


def test_every_problem_at_once(project):
    (project["raw"] / "follow-up.csv").unlink()
    edit(project["study"], lambda d: d["population"]["margins"]["group"].pop("group_b"))
    edit(project["instrument"], lambda d: d["items"][2].pop("reverse"))
    (project["raw"] / "interviewees.csv").unlink()
    problems = check_study(project["study"])
    assert {"waves[1].file", "population.margins.group", "items[2] (a3).reverse",
            "interviews.interviewees"} <= keys(problems)
    assert list(problems["severity"]).index("warning") > list(problems["severity"]).index("error")


def test_cli_check_exit_codes(project, capsys):
    assert main(["check", "--study", str(project["study"])]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and "ready" in out[0]
    (project["raw"] / "follow-up.csv").unlink()
    assert main(["check", "--study", str(project["study"])]) == 2
    captured = capsys.readouterr()
    assert "waves[1].file" in captured.out
    err = captured.err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("evaluation check: error:") and "1 error(s)" in err[0]


def test_example_study_passes(demo_project):
    problems = check_study(demo_project)
    assert not (problems["severity"] == "error").any(), format_problems(problems)


def test_report_runs_the_preflight_first(demo_project, tmp_path, capsys):
    """`evaluation report` stops on what the preflight sees, before importing or running any notebook."""
    import shutil

    import yaml

    from evaluation.cli import main

    base = tmp_path / "project"
    root = demo_project.parents[2]
    shutil.copytree(root, base, ignore=shutil.ignore_patterns("processed", "reports"))
    study_path = base / demo_project.relative_to(root)
    data = yaml.safe_load(study_path.read_text(encoding="utf-8"))
    data["population"]["margins"]["tenure"] = {"owner": 70, "social_rent": 130}  # private_rent is missing
    study_path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert main(["report", "--study", str(study_path), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "preflight found" in err and "population.margins" in err and "Traceback" not in err
    assert not (base / "data/processed/noorderbeekdwarsstraat-demo/import.json").exists()
    assert not (base / "reports").exists() or not any((base / "reports").rglob("*.ipynb"))


def test_interviewee_table_with_its_own_columns_and_consent_per_interview(demo_project, tmp_path, monkeypatch):
    """A city's table `interview;role;may_quote` maps by configuration; consent per interview makes its passages quotable."""
    import shutil

    import pandas as pd
    import yaml

    import evaluation as ev

    base = tmp_path / "project"
    root = demo_project.parents[2]
    shutil.copytree(root, base, ignore=shutil.ignore_patterns("processed", "reports"))
    study_path = base / demo_project.relative_to(root)
    data = yaml.safe_load(study_path.read_text(encoding="utf-8"))
    table_path = base / "data/raw/noorderbeekdwarsstraat-demo" / data["interviews"]["interviewees"]
    people = pd.read_csv(table_path, sep=";")
    consent = ["ja" if i % 3 == 0 else "nee" for i in range(len(people))]
    people.rename(columns={"case": "interview", "stakeholder_group": "role"}).assign(may_quote=consent).to_csv(
        table_path, sep=";", index=False)
    data["interviews"].pop("approved_code")
    data["privacy"].pop("demo_key")  # edited raw files: the public demo key is refused, as for real data
    monkeypatch.setenv(data["privacy"].get("pseudonym_key_env", "EVALUATION_PSEUDONYM_KEY"), "a-test-key-" + "x" * 32)
    data["interviews"]["interviewee_columns"] = {"case": "interview", "group": "role", "consent": "may_quote"}
    study_path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")

    problems = check_study(study_path)
    assert not (problems["severity"] == "error").any(), problems.to_dict("records")
    ev.import_study(study_path, progress=False)
    study = ev.load_study(study_path)
    from evaluation.importer import load_processed

    segments = load_processed(study, "segments")
    interviewees = load_processed(study, "interviewees")
    assert set(interviewees["group"]) == set(people["stakeholder_group"])
    approved_cases = set(segments.loc[segments["approved"].astype(bool), "case"])
    consented = {c for c, ok in zip(people["case"], consent) if ok == "ja"}
    assert approved_cases and len(approved_cases) <= len(consented)  # only consented interviews (screening may drop some)

    data["interviews"]["interviewee_columns"]["group"] = "rol"  # a typo in the mapping is named by its key
    study_path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    problems = check_study(study_path)
    errors = problems[problems["severity"] == "error"]
    assert "interviews.interviewee_columns" in set(errors["key"]) and "rol" in set(errors["column"])

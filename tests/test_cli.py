"""The `evaluation` command."""
import subprocess
import sys

from evaluation.cli import main


def test_help_lists_commands():
    out = subprocess.run([sys.executable, "-m", "evaluation.cli", "--help"], capture_output=True, text=True, check=True).stdout
    for command in ("demo", "import", "report"):
        assert command in out


def test_config_error_exit_code(tmp_path, capsys):
    bad = tmp_path / "study.yml"
    bad.write_text("study: {id: x}\n", encoding="utf-8")
    assert main(["import", "--study", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "evaluation import: error:" in err and "instrument: required key is missing" in err


def test_demo_refuses_real_study(tmp_path, capsys, demo_project):
    import yaml

    text = demo_project.read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    data["study"]["synthetic"] = False
    data["privacy"].pop("demo_key")
    real = demo_project.with_name("real.yml")
    real.write_text(yaml.safe_dump(data), encoding="utf-8")
    assert main(["demo", "--study", str(real)]) == 2
    assert "is not a synthetic study" in capsys.readouterr().err


def test_report_generates_missing_demo_files(tmp_path, monkeypatch):
    """On a fresh clone the example study's raw files do not exist yet; `report` makes them first."""
    import shutil

    from conftest import ROOT
    from evaluation import cli

    shutil.copytree(ROOT / "config", tmp_path / "config")
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "data").mkdir()
    study = tmp_path / "config/studies/noorderbeekdwarsstraat-demo.yml"
    cli._generate_missing_demo(study)
    raw = tmp_path / "data/raw/noorderbeekdwarsstraat-demo"
    assert {p.name for p in raw.iterdir()} >= {"nulmeting.csv", "eindmeting.xlsx", "interviews.qdpx", "geinterviewden.csv"}
    before = {p.name: p.stat().st_mtime_ns for p in raw.iterdir()}
    cli._generate_missing_demo(study)  # present: left alone
    assert {p.name: p.stat().st_mtime_ns for p in raw.iterdir()} == before

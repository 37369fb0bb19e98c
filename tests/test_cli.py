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
    assert "evaluation import: error:" in err and "waves: a study needs survey waves, interviews or both" in err


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


def test_demo_if_missing_writes_only_into_an_empty_raw_folder(tmp_path, capsys):
    """`make report` on a fresh clone runs `demo --if-missing`: files appear once, then are never touched."""
    import shutil

    from conftest import ROOT

    shutil.copytree(ROOT / "config", tmp_path / "config")
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "data").mkdir()
    study = str(tmp_path / "config/studies/noorderbeekdwarsstraat-demo.yml")
    assert main(["demo", "--study", study, "--if-missing"]) == 0
    raw = tmp_path / "data/raw/noorderbeekdwarsstraat-demo"
    assert {p.name for p in raw.iterdir()} >= {"nulmeting.csv", "eindmeting.xlsx", "interviews.qdpx", "geinterviewden.csv"}
    edited = raw / "nulmeting.csv"
    edited.write_text("edited by the analyst\n", encoding="utf-8")
    before = {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in raw.iterdir()}
    capsys.readouterr()
    assert main(["demo", "--study", study, "--if-missing"]) == 0  # present: left alone, even when edited
    assert "left as it is" in capsys.readouterr().out
    assert main(["demo", "--study", study]) == 2  # without --overwrite an edited folder is refused
    assert "--overwrite" in capsys.readouterr().err
    assert {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in raw.iterdir()} == before

def test_help_lists_replication_kit_commands():
    out = subprocess.run([sys.executable, "-m", "evaluation.cli", "--help"], capture_output=True, text=True,
                         check=True).stdout
    for command in ("check", "new-study", "draft-instrument", "draft-frame", "export-codebook"):
        assert command in out


def test_check_example_study_exit_zero_with_one_line(demo_project, capsys):
    assert main(["check", "--study", str(demo_project)]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert out[-1].startswith("noorderbeekdwarsstraat-demo.yml: ready")


def test_check_config_error_is_one_error_line_exit_two(tmp_path, capsys):
    bad = tmp_path / "study.yml"
    bad.write_text("study: {id: x}\n", encoding="utf-8")
    assert main(["check", "--study", str(bad)]) == 2
    captured = capsys.readouterr()
    assert "waves: a study needs survey waves, interviews or both" in captured.out
    err = captured.err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("evaluation check: error:") and "Traceback" not in captured.err


def test_check_missing_study_file(tmp_path, capsys):
    assert main(["check", "--study", str(tmp_path / "nope.yml")]) == 2
    assert "file not found" in capsys.readouterr().out

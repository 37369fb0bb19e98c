"""The programme-level synthesis report (issue 14): programme files, generated text rules, the build.

The end-to-end tests run three synthetic streets the way a programme would: each street imports its
raw data and computes its results at home, shares only its published results (`evaluation results
--share`), and the programme builds the synthesis report from those shared folders after every raw and
processed folder is gone.
"""
from __future__ import annotations

import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from conftest import ROOT
from evaluation.config import ConfigError
from evaluation.report import programme as pg

STREETS = ["noorderbeekdwarsstraat-demo", "wilgenkade-demo", "molenveldstraat-demo"]
EXAMPLE_PROGRAMME = ROOT / "config" / "programmes" / "veerkracht-programma-demo.yml"


def _write(path: Path, data) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture
def project(tmp_path):
    shutil.copytree(ROOT / "config", tmp_path / "config")
    (tmp_path / "pyproject.toml").write_text("# project root for the tests\n")
    return tmp_path


# --------------------------------------------------------------------------- programme files


def test_example_programme_loads_with_its_three_streets():
    prog = pg.load_programme(EXAMPLE_PROGRAMME)
    assert prog.sites == STREETS
    assert prog.languages == ("nl", "en") and prog.synthetic
    assert prog.results_dirs["wilgenkade-demo"] == ROOT / "data" / "processed" / "wilgenkade-demo" / "results"
    assert prog.characteristics.set_index("site")["contact_hours_per_home"].to_dict() == {
        "noorderbeekdwarsstraat-demo": 2.0, "wilgenkade-demo": 3.5, "molenveldstraat-demo": 0.8}
    assert (prog.method, prog.test, prog.min_sites) == ("REML", "knha", 5)


def test_programme_problems_are_reported_together_with_their_keys(project):
    path = _write(project / "config" / "programmes" / "bad.yml", {
        "programme": {"id": "bad programme", "colour": "red", "reports_dir": "../../../elsewhere"},
        "sites": [{"study": "../studies/wilgenkade-demo.yml"}, {"study": "../studies/wilgenkade-demo.yml"},
                  {"study": "../studies/no-such-street.yml"}],
        "constructs": {"cohesion": {"elsewhere": "cohesion"}},
        "characteristics": {"intensity": {"wilgenkade-demo": "high"}},
        "analysis": {"method": "EB", "min_sites": 1},
    })
    with pytest.raises(ConfigError) as info:
        pg.load_programme(path)
    text = str(info.value)
    for expected in ("programme.id", "programme.colour", "programme.reports_dir", "listed twice", "no-such-street.yml", "constructs.cohesion",
                     "characteristics.intensity.wilgenkade-demo", "analysis.method", "analysis.min_sites"):
        assert expected in text, expected
    assert len(info.value.problems) >= 9


def test_one_site_is_not_a_synthesis(project):
    path = _write(project / "config" / "programmes" / "one.yml", {"sites": ["../studies/wilgenkade-demo.yml"]})
    with pytest.raises(ConfigError, match="at least two sites"):
        pg.load_programme(path)


def test_write_programme_for_a_list_of_studies(project):
    studies = [project / "config" / "studies" / f"{s}.yml" for s in STREETS[:2]]
    path = pg.write_programme(studies, project / "reports" / "synthesis" / "programme.yml")
    prog = pg.load_programme(path)
    assert prog.sites == STREETS[:2] and prog.synthetic
    assert prog.reports_dir == project / "reports" / "synthesis"


def test_missing_results_say_what_to_run(project):
    prog = pg.load_programme(project / "config" / "programmes" / "veerkracht-programma-demo.yml")
    with pytest.raises(FileNotFoundError, match="evaluation results --study noorderbeekdwarsstraat-demo.yml"):
        pg.synthesis_results(prog)


def test_synthesis_notebook_is_thin_and_clean():
    from evaluation.report.pipeline import KERNEL_NAME, notebook_paths

    (path,) = notebook_paths(ROOT / "notebooks" / "synthesis")
    nb = json.loads(path.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in code)
    params = [c for c in code if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(params) == 1 and nb["metadata"]["kernelspec"]["name"] == KERNEL_NAME
    assert "pg.setup(" in "".join(code[1]["source"])
    # no analysis in the notebook: no pandas, numpy or statistics imported there
    assert not re.search(r"import (pandas|numpy|scipy|statsmodels)", "".join("".join(c["source"]) for c in code))


# --------------------------------------------------------------------------- generated text rules


def _context(lang="en", *, pooled, effects, framework=None):
    prog = pg.load_programme(EXAMPLE_PROGRAMME)
    ctx = pg.SynthesisContext(prog, lang, Path("/nonexistent-unused"))
    ctx.__dict__["results"] = {"pooled": pooled, "effects": effects,
                               "framework": framework if framework is not None else pd.DataFrame(
                                   columns=["code", "site", "group", "prevalence", "aspect"])}
    return ctx


def _pooled(rows):
    cols = ["construct", "k", "estimate", "ci_low", "ci_high", "q_p", "i2", "pi_low", "pi_high"]
    return pd.DataFrame(rows, columns=cols)


def _effects(construct, values):
    return pd.DataFrame({"construct": construct, "site": STREETS[:len(values)], "yi": values})


@pytest.fixture(autouse=False)
def no_io(monkeypatch, tmp_path):
    monkeypatch.setattr(pg.SynthesisContext, "__init__", _init_without_folders)


def _init_without_folders(self, programme, lang, output_dir):
    from types import SimpleNamespace

    self.study = SimpleNamespace(min_cell=10, round_to=None, confidence=programme.confidence, area="",
                                 group_variable=None, narrative_dir=programme.narrative_dir)
    self.lang, self.output_dir, self.published, self.programme = lang, Path(output_dir), {}, programme


@pytest.mark.parametrize("low, high, q_p, i2, words", [
    (0.10, 0.70, 0.40, 10.0, ["rose on average", "do not differ clearly"]),
    (-0.70, -0.10, 0.40, 10.0, ["fell on average", "by 0.40"]),
    (-0.20, 0.90, 0.001, 88.0, ["no clear average change", "The sites differ (88%", "from Molenveldstraat",
                                "to Wilgenkade", "between −1.00 and +2.00"]),
    (-0.20, 0.90, 0.50, 55.0, ["The sites differ (55%"]),   # I² ≥ 50% alone
    (-0.20, 0.90, 0.08, 20.0, ["The sites differ (20%"]),   # Q p < 0.10 alone
])
def test_construct_sentence_rules(no_io, low, high, q_p, i2, words):
    est = -0.40 if high < 0 else 0.40
    ctx = _context(pooled=_pooled([["trust", 3, est, low, high, q_p, i2, -1.0, 2.0]]),
                   effects=_effects("trust", [0.42, 0.54, 0.14]))
    (line,) = pg.construct_summary(ctx)
    assert line.startswith("**Trust in the municipality** (3 sites)")
    for word in words:
        assert word in line, (word, line)


def test_construct_sentence_in_dutch_and_for_one_site(no_io):
    ctx = _context("nl", pooled=_pooled([["cohesion", 3, 0.41, 0.05, 0.77, 0.5, 0.0, 0.0, 0.8],
                                         ["digital", 1, np.nan, np.nan, np.nan, np.nan, np.nan, np.nan, np.nan]]),
                   effects=pd.concat([_effects("cohesion", [0.4, 0.5, 0.3]), _effects("digital", [0.1])]))
    both = pg.construct_summary(ctx)
    assert "steeg gemiddeld, met 0,41" in both[0] and "[0,05; 0,77]" in both[0]
    assert "gemeten op 1 locatie, dus niet samengenomen" in both[1]


def test_interview_rule_counts_published_cells_only(no_io):
    fw = pd.DataFrame({
        "code": ["Silos"] * 3 + ["Meetings"] * 3,
        "site": STREETS * 2, "group": "total",
        "prevalence": [0.6, np.nan, 0.55, 0.2, 0.3, np.nan],  # NaN: the site did not publish it
        "aspect": ["limitation"] * 3 + ["strength"] * 3})
    ctx = _context(pooled=_pooled([]), effects=_effects("trust", []), framework=fw)
    lines = pg.interview_summary(ctx)
    silos = next(x for x in lines if "Silos" in x)
    assert "at 2 of the 3 sites" in silos and "Wilgenkade" not in silos
    assert any(x.startswith("Strength: no code") for x in lines)  # 20% and 30% are not "widely named"


def test_groups_table_counts_sites_not_people(no_io):
    rows = []
    for site, (res, staff) in zip(STREETS, [(0.7, 0.8), (np.nan, 0.9), (0.2, np.nan)]):
        rows += [{"code": "Silos", "site": site, "group": "resident", "prevalence": res, "aspect": "limitation"},
                 {"code": "Silos", "site": site, "group": "municipal_staff", "prevalence": staff,
                  "aspect": "limitation"}]
    ctx = _context(pooled=_pooled([]), effects=_effects("trust", []), framework=pd.DataFrame(rows))
    table, formats, labels = pg.groups_display(ctx)
    row = table.iloc[0]
    assert (row["resident"], row["resident_total"]) == (1, 2)  # 0.7 of two published
    assert (row["municipal_staff"], row["municipal_staff_total"]) == (2, 2)
    assert formats == {"resident": "of", "municipal_staff": "of"}


# --------------------------------------------------------------------------- end to end


class _Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts = []

    def handle_data(self, data):
        self.parts.append(data)


@pytest.fixture(scope="module")
def shared_programme(tmp_path_factory):
    """Three streets computed at home, shared as published results, all data folders removed."""
    import evaluation as ev
    from evaluation import demo
    from evaluation.cli import main

    base = tmp_path_factory.mktemp("programme")
    root = base / "project"
    shutil.copytree(ROOT / "config", root / "config")
    shutil.copytree(ROOT / "notebooks" / "synthesis", root / "notebooks" / "synthesis")
    (root / "pyproject.toml").write_text("# project root for the tests\n")
    truths, results = {}, {}
    for sid in STREETS:
        study = root / "config" / "studies" / f"{sid}.yml"
        raw = root / "data" / "raw" / sid
        demo.generate_demo(out_dir=raw, site=demo.SITES[sid])
        truths[sid] = json.loads(demo.truth_path_for(raw).read_text(encoding="utf-8"))
        assert main(["results", "--study", str(study), "--share", str(base / "shared" / sid), "--quiet"]) == 0
        results[sid] = ev.study_results(ev.load_study(study))  # the full cache, kept only to test against
    shutil.rmtree(root / "data")  # raw and processed data gone: only the shared results remain
    programme = yaml.safe_load(EXAMPLE_PROGRAMME.read_text(encoding="utf-8"))
    programme["sites"] = [{"study": f"../studies/{sid}.yml", "results": f"../../../shared/{sid}"} for sid in STREETS]
    path = _write(root / "config" / "programmes" / "shared.yml", programme)
    return {"root": root, "path": path, "truths": truths, "full": results, "shared": base / "shared"}


@pytest.mark.slow
@pytest.mark.xdist_group("programme")
def test_pooled_estimates_cover_the_truth_and_find_the_null_street(shared_programme):
    res = pg.synthesis_results(shared_programme["path"])
    pooled = res["pooled"].set_index("construct")
    truths = shared_programme["truths"]
    for construct, row in pooled.iterrows():
        true = [truths[s]["site"]["true_effects"][construct]["standardised_change"] for s in STREETS]
        assert row["ci_low"] <= np.mean(true) <= row["ci_high"], construct
    assert pooled.loc["cohesion", "q_p"] < 0.05  # the null street differs from the other two
    assert res["audit"]["ok"].all()
    assert (res["moderators"]["analysis"] == "descriptive").all()  # three sites: no meta-regression


@pytest.mark.slow
@pytest.mark.xdist_group("programme")
def test_synthesis_report_builds_in_both_languages_and_all_formats_from_shared_results(shared_programme):
    from evaluation.cli import main

    root, path = shared_programme["root"], shared_programme["path"]
    assert not (root / "data").exists()
    for lang in ("nl", "en"):
        assert main(["synthesis", "--programme", str(path), "--lang", lang, "--formats", "html,docx,pdf",
                     "--quiet"]) == 0
    out = root / "reports" / "veerkracht-programma-demo"
    for name in ("synthesis-report", "synthesis-report.en"):
        for fmt in ("html", "docx", "pdf"):
            assert (out / f"{name}.{fmt}").stat().st_size > 10_000, (name, fmt)
    parser = _Text()
    parser.feed((out / "synthesis-report.en.html").read_text(encoding="utf-8"))
    text = " ".join(parser.parts)
    for phrase in ("Summary for the programme", "Noorderbeekdwarsstraat", "Wilgenkade", "Molenveldstraat",
                   "Hartung–Knapp", "Check against recombination across sites", "All passed",
                   "a meta-regression is not meaningful"):
        assert phrase in text, phrase
    html_nl = (out / "synthesis-report.html").read_text(encoding="utf-8")
    assert "Samenvatting voor het programma" in html_nl and "Hartung–Knapp-intervallen" in html_nl
    assert not re.search(r"I-[0-9a-f]{10}", html_nl + text)  # no site's interview pseudonym is repeated here
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert set(manifest["builds"]) == {"nl", "en"} and manifest["builds"]["en"]["union_audit"]["failed"] == 0


@pytest.mark.slow
@pytest.mark.xdist_group("programme")
def test_no_cell_a_site_suppressed_appears_in_the_synthesis_tables(shared_programme):
    """Every count in the published framework tables is a count its site published (or a sum of published ones)."""
    from evaluation.synthesis import ALL_SITES

    out = shared_programme["root"] / "reports" / "veerkracht-programma-demo" / "tables"
    if not out.exists():
        from evaluation.report.programme import build_synthesis

        build_synthesis(shared_programme["path"], lang="en", progress=False)
    published = {}
    for sid, results in shared_programme["full"].items():
        pub = results["publication"]
        for r in pub.itertuples():
            published[(sid, r.table, str(r.row), str(r.column))] = (r.status, r.value)
    fw = pg.synthesis_results(shared_programme["path"])["framework"]
    checked = 0
    for r in fw.itertuples():
        if r.site == ALL_SITES or pd.isna(r.n_cases):
            continue
        table, column = ("code_total", "n") if r.group == "total" else ("code_group", r.group)
        status, value = published[(r.site, table, str(r.site_code), column)]
        assert status == "published" and value == r.n_cases, (r.site, r.code, r.group)
        checked += 1
    assert checked > 50
    hidden = sum(1 for (sid, t, _, _), (s, _) in published.items() if t == "code_group" and s != "published")
    assert hidden > 0  # the sites did hide cells, and none of them came back
    for csv in out.glob("framework-*.en.csv"):
        frame = pd.read_csv(csv)
        for sid in STREETS:
            if sid in frame:
                site_fw = fw[(fw["site"] == sid) & (fw["group"] == "total")]
                assert set(frame[sid].dropna()) <= set(site_fw["n_cases"].dropna()), (csv.name, sid)

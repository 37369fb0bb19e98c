"""Tests for the synthetic example study (evaluation.demo)."""
from __future__ import annotations

import io
import json
import re
import time
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
import yaml
from lxml import etree

from evaluation.demo import ITEM_COLUMNS, SURVEY_COLUMNS, generate_demo, write_truth

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "config"
NS = {"q": "urn:QDA-XML:project:1.0"}
TENURE_CODES = {1: "owner", 2: "social_rent", 3: "private_rent"}
SCALE_ITEMS = {
    "cohesion": ["coh1", "coh2", "coh3", "coh4", "coh5"],
    "trust": ["tru1", "tru2", "tru3", "tru4"],
    "preparedness": ["prep1", "prep2", "prep3", "prep4"],
    "energy": ["ene1", "ene2", "ene3"],
    "digital": ["dig1", "dig2", "dig3"],
    "climate": ["cli1", "cli2", "cli3"],
}


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("raw") / "noorderbeekdwarsstraat-demo"
    started = time.perf_counter()
    paths = generate_demo(out_dir=out)
    paths["seconds"] = time.perf_counter() - started
    return paths


@pytest.fixture(scope="module")
def truth(demo):
    return json.loads(demo["truth"].read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def waves(demo):
    before = pd.read_csv(demo["before"], sep=";", decimal=",", encoding="cp1252")
    after = pd.read_excel(demo["after"], sheet_name="Eindmeting")
    return {"before": before, "after": after}


@pytest.fixture(scope="module")
def qde(demo):
    return _read_qde(demo)


@pytest.fixture(scope="module")
def codings(qde, demo):
    return _codings(qde, demo)


def _read_qde(paths):
    with zipfile.ZipFile(paths["codings"]) as archive:
        root = etree.fromstring(archive.read("project.qde"))
        texts = {n: archive.read(n).decode("utf-8") for n in archive.namelist() if n.startswith("sources/")}
    return root, texts


def _codings(qde, demo) -> pd.DataFrame:
    """The qdpx parsed independently of the generator: one row per coding."""
    root, texts = qde
    users = {u.get("guid"): u.get("name") for u in root.iterfind(".//q:User", NS)}
    codes = {c.get("guid"): c.get("name") for c in root.iterfind(".//q:Code", NS)}
    case_of = {r.get("targetGUID"): c.get("name") for c in root.iterfind(".//q:Case", NS) for r in c.iterfind("q:SourceRef", NS)}
    rows = []
    for source in root.iterfind(".//q:TextSource", NS):
        text = texts[f"sources/{source.get('guid')}.txt"]
        for sel in source.iterfind("q:PlainTextSelection", NS):
            s, e = int(sel.get("startPosition")), int(sel.get("endPosition"))
            for coding in sel.iterfind("q:Coding", NS):
                rows.append({
                    "document": source.get("name"), "case": case_of[source.get("guid")],
                    "code": codes[coding.find("q:CodeRef", NS).get("targetGUID")],
                    "start": s, "end": e, "text": text[s:e], "coder": users[coding.get("creatingUser")],
                })
    frame = pd.DataFrame(rows)
    people = pd.read_csv(demo["interviewees"], sep=";", encoding="utf-8")
    return frame.merge(people[["case", "stakeholder_group"]], on="case", how="left")


def _codes(frame: pd.DataFrame, items) -> pd.DataFrame:
    return frame[items].apply(pd.to_numeric)


def _scale_scores(frame: pd.DataFrame, items) -> pd.Series:
    x = _codes(frame, items).where(lambda v: (v >= 1) & (v <= 5))
    for item in ("coh3", "tru4", "dig3"):
        if item in items:
            x[item] = 6 - x[item]
    return x.mean(axis=1)


# --- files -------------------------------------------------------------------
def test_returns_all_paths_and_truth_beside_the_raw_folder(demo):
    assert {k: demo[k].name for k in ("before", "after", "codings", "interviewees")} == {
        "before": "nulmeting.csv", "after": "eindmeting.xlsx",
        "codings": "interviews.qdpx", "interviewees": "geinterviewden.csv",
    }
    assert demo["truth"] == demo["before"].parent.parent / "noorderbeekdwarsstraat-demo.truth.json"
    assert sorted(p.name for p in demo["before"].parent.iterdir()) == [
        "eindmeting.xlsx", "geinterviewden.csv", "interviews.qdpx", "nulmeting.csv"]


def test_generation_is_fast(demo):
    assert demo["seconds"] < 5.0


def test_same_seed_gives_byte_identical_files_and_other_seed_differs(demo, tmp_path):
    again = generate_demo(out_dir=tmp_path / "a" / "noorderbeekdwarsstraat-demo")
    for key in ("before", "after", "codings", "interviewees", "truth"):
        assert again[key].read_bytes() == demo[key].read_bytes(), key
    other = generate_demo(out_dir=tmp_path / "b" / "demo", seed=7, truth_path=tmp_path / "t.json")
    assert other["truth"] == tmp_path / "t.json"
    assert other["before"].read_bytes() != demo["before"].read_bytes()
    assert other["codings"].read_bytes() != demo["codings"].read_bytes()


def test_baseline_csv_is_dutch_excel_style(demo):
    raw = demo["before"].read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")  # é, ë, ö in names are single cp1252 bytes
    text = raw.decode("cp1252")
    assert any(ch in text for ch in "éëöç")
    lines = text.split("\r\n")
    assert lines[0].split(";") == SURVEY_COLUMNS
    assert lines[-1] == "" and "\n" not in text.replace("\r\n", "")
    bills = [line.split(";")[-1] for line in lines[1:-1]]
    assert any("," in b for b in bills) and not any("." in b for b in bills)
    assert all(re.fullmatch(r"-8|\d+(,\d{1,2})?|", b) for b in bills)


def test_follow_up_xlsx_stores_numbers_as_numbers(demo):
    wb = openpyxl.load_workbook(demo["after"])
    assert wb.sheetnames == ["Eindmeting"]
    ws = wb["Eindmeting"]
    header = [c.value for c in ws[1]]
    assert header == SURVEY_COLUMNS
    row = [c for c in ws[2]]
    kinds = {h: c.data_type for h, c in zip(header, row) if c.value is not None}
    assert kinds["respondent_id"] == "s" and kinds["naam"] == "s"
    assert all(kinds[h] == "n" for h in ["woonvorm", "leeftijd", "energierekening"] if h in kinds)
    assert wb.properties.created.year == 2024


def test_columns_match_the_instrument(waves):
    instrument = yaml.safe_load((CONFIG / "instruments" / "veerkracht-straat.yml").read_text(encoding="utf-8"))
    items = [i["id"] for i in instrument["items"]]
    assert ITEM_COLUMNS == items
    ids = instrument["identifiers"]
    expected = [ids["respondent"], ids["household"], *ids["direct"],
                instrument["background"]["tenure"]["column"], instrument["background"]["age_group"]["column"], *items]
    for frame in waves.values():
        assert list(frame.columns) == expected
    reversed_items = sorted(i["id"] for i in instrument["items"] if i.get("reverse"))
    assert reversed_items == ["coh3", "dig3", "tru4"]
    for scale, members in SCALE_ITEMS.items():
        assert [i["id"] for i in instrument["items"] if i.get("scale") == scale] == members


def test_answer_codes_are_in_the_codebook(waves):
    both = pd.concat(waves.values(), ignore_index=True)
    agree = [i for items in SCALE_ITEMS.values() for i in items]
    assert set(np.unique(_codes(both, agree).stack().dropna())) <= {1, 2, 3, 4, 5, 8, 9}
    for item in ("geveltuin", "contactpersoon"):
        assert set(both[item].dropna()) <= {0, 1, 8}
    assert set(both["infobron"].dropna()) == {1, 2, 3, 4, 8}
    bill = both["energierekening"].dropna()
    assert ((bill == -8) | bill.between(20, 1000)).all()
    assert set(both["woonvorm"]) == {1, 2, 3} and set(both["leeftijd"]) == {1, 2, 3}


def test_missing_codes_at_realistic_rates(waves):
    both = pd.concat(waves.values(), ignore_index=True)

    def dk_rate(items):
        return float((_codes(both, items) == 8).to_numpy().mean())

    assert 0.01 < dk_rate(SCALE_ITEMS["cohesion"]) < 0.06
    assert dk_rate(SCALE_ITEMS["trust"]) > 2 * dk_rate(SCALE_ITEMS["cohesion"])
    assert dk_rate(SCALE_ITEMS["digital"]) > 2 * dk_rate(SCALE_ITEMS["cohesion"])
    agree = [i for items in SCALE_ITEMS.values() for i in items]
    assert 0 < float((_codes(both, agree) == 9).to_numpy().mean()) < 0.02
    assert 0.03 < float((both["energierekening"] == -8).mean()) < 0.15


def test_reverse_keyed_items_are_generated_reversed(waves):
    both = pd.concat(waves.values(), ignore_index=True)
    for reverse, scale in (("coh3", "cohesion"), ("tru4", "trust"), ("dig3", "digital")):
        others = [i for i in SCALE_ITEMS[scale] if i != reverse]
        x = _codes(both, SCALE_ITEMS[scale]).where(lambda v: (v >= 1) & (v <= 5))
        rest = x[others].mean(axis=1)
        assert x[reverse].corr(rest) < -0.2
        assert x[others[0]].corr(rest) > 0.2


def test_direct_identifiers_are_present_fake_and_ids_stable(waves):
    before, after = waves["before"], waves["after"]
    for frame in waves.values():
        assert frame["respondent_id"].str.fullmatch(r"NBD-R\d{4}").all()
        assert frame["household_id"].str.fullmatch(r"NBD-H\d{3}").all()
        assert frame["adres"].str.fullmatch(r"Noorderbeekdwarsstraat \d{1,3}").all()
        assert frame["email"].str.fullmatch(r"[a-z.]+\d*@example\.(com|org|net)").all()
        assert frame["naam"].str.contains(" ").all()
        assert frame["respondent_id"].is_unique
    panel = before.merge(after, on="respondent_id", suffixes=("_b", "_a"))
    for col in ("household_id", "naam", "email", "adres", "woonvorm"):
        assert (panel[f"{col}_b"] == panel[f"{col}_a"]).all(), col


def test_response_rates_panel_and_attrition(waves):
    before, after = waves["before"], waves["after"]
    assert 0.40 <= before["household_id"].nunique() / 200 <= 0.50
    assert 0.35 <= after["household_id"].nunique() / 200 <= 0.45
    assert 80 <= len(before) <= 115 and 75 <= len(after) <= 105
    # mostly one respondent per household, sometimes two or three
    per_home = before["household_id"].value_counts()
    assert (per_home == 1).mean() > 0.75 and (per_home > 1).any()
    panel = set(before["respondent_id"]) & set(after["respondent_id"])
    assert 0.45 <= len(panel) / len(after) <= 0.65
    assert len(set(after["respondent_id"]) - set(before["respondent_id"])) > 20  # new respondents
    homes_b = before.drop_duplicates("household_id").set_index("household_id")["woonvorm"]
    kept = homes_b.index.isin(after["household_id"])
    retention = pd.Series(kept, index=homes_b.index).groupby(homes_b).mean()
    assert retention[1] > retention[2] and retention[1] > retention[3]


def test_interviewees_file(demo):
    text = demo["interviewees"].read_text(encoding="utf-8")
    assert text.splitlines()[0] == "case;stakeholder_group;interview_date"
    people = pd.read_csv(demo["interviewees"], sep=";")
    assert people["stakeholder_group"].value_counts().to_dict() == {
        "resident": 12, "municipal_staff": 5, "entrepreneur": 4, "partner": 3}
    assert pd.to_datetime(people["interview_date"], format="%Y-%m-%d").between("2024-09-01", "2024-09-30").all()
    assert people["case"].is_unique


# --- interviews ----------------------------------------------------------------
def test_codes_come_from_the_coding_frame(codings):
    frame = yaml.safe_load((CONFIG / "coding-frames" / "gebiedsgericht-werken.yml").read_text(encoding="utf-8"))
    allowed = {c["code"] for c in frame["codes"]} | set(frame["meta_codes"])
    assert set(codings["code"]) == allowed


def test_transcripts_are_realistic_unicode_texts(qde):
    root, texts = qde
    assert len(texts) == 24
    words = [len(t.split()) for t in texts.values()]
    assert min(words) >= 150 and max(words) <= 800
    astral = [t for t in texts.values() if any(ord(ch) > 0xFFFF for ch in t)]
    assert len(astral) >= 2
    assert sum(("ë" in t or "é" in t) for t in texts.values()) >= 12
    assert len(root.findall(".//q:Case", NS)) == 24


def test_double_coding_by_a_second_coder(codings, truth):
    coded_by_2 = sorted(codings.loc[codings["coder"] == "codeur-2", "case"].unique())
    assert coded_by_2 == truth["interviews"]["double_coded"] and len(coded_by_2) == 6
    groups = codings.drop_duplicates("case").set_index("case")["stakeholder_group"]
    assert set(groups[coded_by_2]) == {"resident", "entrepreneur", "municipal_staff", "partner"}
    content = codings[codings["code"] != "Citaat akkoord"]
    first = content[(content["coder"] == "codeur-1") & content["case"].isin(coded_by_2)]
    second = content[content["coder"] == "codeur-2"]
    key = ["document", "start", "end", "code"]
    exact = first.merge(second, on=key).shape[0] / len(first)
    assert 0.6 < exact < 0.95  # mostly agrees, sometimes misses or shifts a boundary
    assert "Citaat akkoord" not in set(codings.loc[codings["coder"] == "codeur-2", "code"])


def test_several_codes_on_the_same_passage(codings):
    first = codings[codings["coder"] == "codeur-1"]
    assert first.duplicated(["document", "start", "end"]).sum() > 10


def test_approved_passages_contain_no_identifiers_but_some_others_do(codings):
    from evaluation.demo import FIRST_NAMES, SURNAMES

    def identifying(text: str) -> bool:
        names = [n for n in (*FIRST_NAMES, *(s.split()[-1] for s in SURNAMES)) if re.search(rf"\b{re.escape(n)}\b", text)]
        return bool(re.search(r"\d", text) or names)

    approved = codings[codings["code"] == "Citaat akkoord"]
    assert len(approved) > 20
    assert not any(identifying(t) for t in approved["text"])
    spans = set(zip(approved["document"], approved["start"], approved["end"]))
    others = codings[(codings["code"] != "Citaat akkoord") & (codings["coder"] == "codeur-1")]
    not_approved = others[[(d, s, e) not in spans for d, s, e in zip(others["document"], others["start"], others["end"])]]
    leaking = [t for t in not_approved["text"] if re.search(r"nummer \d+", t)]
    assert len(leaking) >= 3


def test_approved_passages_pass_the_quote_screen(codings):
    from evaluation.demo import FIRST_NAMES, STREET, SURNAMES
    from evaluation.privacy import screen_quote

    names = [*FIRST_NAMES, *SURNAMES]
    approved = codings.loc[codings["code"] == "Citaat akkoord", "text"]
    assert all(screen_quote(t, names=names, streets=[STREET])["ok"] for t in approved)
    with_number = codings.loc[codings["text"].str.contains(r"nummer \d", regex=True), "text"]
    assert len(with_number) >= 3
    assert not any(screen_quote(t, names=names, streets=[STREET])["ok"] for t in with_number)


def test_prevalence_differs_by_stakeholder_group(truth):
    by_group = truth["interviews"]["code_counts_by_group"]
    per_group = truth["interviews"]["cases_per_group"]

    def share(code, group):
        return by_group[group][code]["n_cases"] / per_group[group]

    silo = "Verkokering binnen de gemeente"
    assert share(silo, "municipal_staff") > share(silo, "entrepreneur")
    assert share("Samenwerking met partners", "partner") > share("Samenwerking met partners", "resident")
    assert all(share("Zichtbaar aanwezig zijn", g) >= 0.4 for g in per_group)


# --- truth ---------------------------------------------------------------------
def test_truth_code_counts_equal_the_written_codings(codings, truth):
    first = codings[codings["coder"] == "codeur-1"]
    got = {code: {"n_segments": int((first["code"] == code).sum()),
                  "n_cases": int(first.loc[first["code"] == code, "case"].nunique())}
           for code in truth["interviews"]["code_counts"]}
    assert got == truth["interviews"]["code_counts"]
    for group, counts in truth["interviews"]["code_counts_by_group"].items():
        sub = first[first["stakeholder_group"] == group]
        for code, c in counts.items():
            assert c == {"n_segments": int((sub["code"] == code).sum()),
                         "n_cases": int(sub.loc[sub["code"] == code, "case"].nunique())}, (group, code)


def test_truth_response_counts_equal_the_files(waves, truth):
    for wave, frame in waves.items():
        tenure = frame["woonvorm"].map(TENURE_CODES)
        r = truth["response"][wave]
        assert r["respondents"]["overall"] == len(frame)
        assert r["households"]["overall"] == frame["household_id"].nunique()
        assert r["household_response_rate"] == pytest.approx(frame["household_id"].nunique() / 200, abs=1e-6)
        for t, n in tenure.value_counts().items():
            assert r["respondents"][t] == n
    panel = waves["before"].merge(waves["after"][["respondent_id"]], on="respondent_id")
    assert truth["panel"]["respondents"]["overall"] == len(panel)
    for t, n in panel["woonvorm"].map(TENURE_CODES).value_counts().items():
        assert truth["panel"]["respondents"][t] == n


def test_truth_is_internally_consistent(truth):
    residents = truth["population"]["residents"]
    assert truth["population"]["homes"] == {"overall": 200, "owner": 70, "social_rent": 80, "private_rent": 50}
    assert sum(residents[t] for t in TENURE_CODES.values()) == residents["overall"]
    assert 200 <= residents["overall"] <= 600

    def weighted(by):  # overall mean is the resident-weighted mean of the tenure means
        return sum(by[t] * residents[t] for t in TENURE_CODES.values()) / residents["overall"]

    for scale, s in truth["scales"].items():
        for wave in ("before", "after"):
            assert s["mean"][wave]["overall"] == pytest.approx(weighted(s["mean"][wave]), abs=1e-5)
            assert 1 <= s["mean"][wave]["overall"] <= 5
        for key in ("overall", *TENURE_CODES.values()):
            assert s["change"][key] == pytest.approx(s["mean"]["after"][key] - s["mean"]["before"][key], abs=2e-6)
        assert s["latent_change_parameter"]["overall"] == pytest.approx(weighted(s["latent_change_parameter"]), abs=1e-5)
    for share in truth["infobron_share"].values():
        assert sum(share.values()) == pytest.approx(1, abs=1e-5)


def test_truth_has_the_designed_effects(truth):
    change = {s: v["change"]["overall"] for s, v in truth["scales"].items()}
    for scale in ("cohesion", "trust", "preparedness", "climate"):
        assert 0.15 < change[scale] < 0.45, scale
    for scale in ("energy", "digital"):
        assert abs(change[scale]) < 0.1, scale
    trust = truth["scales"]["trust"]["latent_change_parameter"]
    assert trust["social_rent"] > trust["owner"]
    gevel = truth["binary"]["geveltuin"]["share"]
    assert 0.12 < gevel["before"]["overall"] < 0.28 and 0.28 < gevel["after"]["overall"] < 0.45
    contact = truth["binary"]["contactpersoon"]["share"]
    assert contact["after"]["overall"] > contact["before"]["overall"] + 0.1
    info = truth["infobron_share"]
    assert info["after"]["2"] > info["before"]["2"]


def test_sample_estimates_recover_the_true_changes(waves, truth):
    # the design (about 90 respondents per wave) detects the non-zero changes
    from scipy import stats

    for scale, items in SCALE_ITEMS.items():
        b, a = _scale_scores(waves["before"], items), _scale_scores(waves["after"], items)
        estimate = a.mean() - b.mean()
        assert estimate == pytest.approx(truth["scales"][scale]["change"]["overall"], abs=0.2), scale
        p = stats.ttest_ind(a, b, nan_policy="omit", equal_var=False).pvalue
        if scale in ("cohesion", "trust"):
            assert p < 0.05, scale


# --- errors ----------------------------------------------------------------------
def test_bad_seed_and_bad_truth(tmp_path):
    with pytest.raises(TypeError, match="`seed` must be a non-negative integer"):
        generate_demo(out_dir=tmp_path, seed="42")
    with pytest.raises(TypeError, match="`truth` must be a dict"):
        write_truth([1, 2], tmp_path / "t.json")


def test_write_truth_is_plain_utf8_json(tmp_path):
    path = write_truth({"code": "Citaat akkoord", "é": 1.5}, tmp_path / "x" / "t.json")
    assert path.read_bytes() == '{\n  "code": "Citaat akkoord",\n  "é": 1.5\n}\n'.encode("utf-8")
    assert json.load(io.open(path, encoding="utf-8"))["é"] == 1.5


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_design_holds_for_other_seeds(seed, tmp_path):
    paths = generate_demo(out_dir=tmp_path / "demo", seed=seed)
    truth = json.loads(paths["truth"].read_text(encoding="utf-8"))
    before = pd.read_csv(paths["before"], sep=";", decimal=",", encoding="cp1252")
    after = pd.read_excel(paths["after"], sheet_name="Eindmeting")
    assert 0.40 <= before["household_id"].nunique() / 200 <= 0.50
    assert 0.35 <= after["household_id"].nunique() / 200 <= 0.45
    panel = set(before["respondent_id"]) & set(after["respondent_id"])
    assert 0.45 <= len(panel) / len(after) <= 0.65
    assert truth["panel"]["respondents"]["overall"] == len(panel)
    change = {s: v["change"]["overall"] for s, v in truth["scales"].items()}
    assert all(0.1 < change[s] < 0.5 for s in ("cohesion", "trust", "preparedness", "climate"))
    assert all(abs(change[s]) < 0.12 for s in ("energy", "digital"))
    codings = _codings(_read_qde(paths), paths)
    first = codings[codings["coder"] == "codeur-1"]
    counts = first["code"].value_counts()
    assert all(counts.get(code, 0) == c["n_segments"] for code, c in truth["interviews"]["code_counts"].items())
    approved = codings.loc[codings["code"] == "Citaat akkoord", "text"]
    assert not approved.str.contains(r"\d", regex=True).any()

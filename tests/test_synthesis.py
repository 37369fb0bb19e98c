"""Cross-site synthesis from the sites' published results only.

Unit tests build each site's results tables in the test (the columns of the real
``model``, ``change`` and ``code_group``/``frequencies`` tables) and run the real
publication gate (:func:`evaluation.report.gate.publication`) on them, so the
``publication`` and ``audit`` tables are the ones a study produces.
"""
from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from evaluation.disclosure import PublishedSet, intruder_audit
from evaluation.meta import random_effects
from evaluation.report.gate import publication
from evaluation.synthesis import (
    ALL_SITES, EFFECT_COLUMNS, FRAMEWORK_COLUMNS, MODERATOR_COLUMNS, POOLED_COLUMNS, SHARED_TABLES,
    UNION_AUDIT_COLUMNS, cross_site_framework, cross_site_quotes, load_site_results, moderator_analysis,
    pool_constructs, shareable_results, site_characteristics, site_effects, union_audit, write_shareable_results,
)

GROUPS = {"resident": 12, "entrepreneur": 4, "municipal_staff": 5, "partner": 3}
GATE_STUDY = SimpleNamespace(min_cell=10, min_cell_interviews=3, round_to=None, group_variable=None)
INTERVIEW_RULES = {"threshold": 3, "protection": 2, "small_group": 10}  # the gate's defaults for interviews


def model_table(effects: dict[str, tuple[float, float, float]]) -> pd.DataFrame:
    """A ``model`` results table: outcome -> (estimate, se, baseline_sd), as change_model reports them."""
    rows = []
    for outcome, (est, se, sd) in effects.items():
        t = 1.99
        rows.append({"outcome": outcome, "theme": outcome, "contrast": "after vs before", "estimate": est, "se": se,
                     "ci_low": est - t * se, "ci_high": est + t * se, "statistic": est / se, "df": 80.0,
                     "p_value": 0.01, "baseline_sd": sd, "effect_size": est / sd,
                     "effect_ci_low": (est - t * se) / sd, "effect_ci_high": (est + t * se) / sd,
                     "effect_size_name": "change / baseline SD", "n_obs": 190, "n_subjects": 140,
                     "n_households": 120, "boundary": False, "warning": "", "role": "primary"})
    return pd.DataFrame(rows)


def change_table(ranges: dict[str, tuple[float, float]]) -> pd.DataFrame:
    return pd.DataFrame([{"outcome": o, "n_before": 100, "n_after": 90, "n_pairs": 50, "scale_min": lo,
                          "scale_max": hi} for o, (lo, hi) in ranges.items()])


def interview_tables(counts: dict[str, dict[str, int]], sizes=GROUPS) -> dict[str, pd.DataFrame]:
    """``code_group`` and ``frequencies`` for interviewees in `sizes` groups (each in one group)."""
    rows = []
    for code, per in counts.items():
        for group, size in sizes.items():
            n = per.get(group, 0)
            rows.append({"code": code, "group": group, "n_segments": 2 * n, "n_cases": n, "n_cases_total": size,
                         "prevalence": n / size})
    code_group = pd.DataFrame(rows)
    total = code_group.groupby("code", sort=False)[["n_segments", "n_cases"]].sum().reset_index()
    total = total.assign(group="total", n_cases_total=sum(sizes.values()))
    total["prevalence"] = total["n_cases"] / total["n_cases_total"]
    return {"code_group": code_group, "frequencies": pd.concat([code_group, total[code_group.columns]],
                                                               ignore_index=True)}


def make_site(effects, counts=None, *, ranges=None, sizes=GROUPS, quotes=None) -> dict[str, pd.DataFrame]:
    """A site's full results (as the cache holds them), with the real gate's publication and audit."""
    results = {"model": model_table(effects),
               "change": change_table(ranges or {o: (1.0, 5.0) for o in effects}),
               "scores": pd.DataFrame({"respondent": ["r1"], "score": [3.2]}),  # respondent-level: never shared
               "quotes": quotes if quotes is not None else pd.DataFrame()}
    if counts:
        results.update(interview_tables(counts, sizes))
    results["publication"], results["audit"] = publication(results, GATE_STUDY)
    return results


COUNTS_A = {"connections": {"resident": 8, "entrepreneur": 3, "municipal_staff": 4, "partner": 2},
            "meetings": {"resident": 9, "entrepreneur": 0, "municipal_staff": 3, "partner": 3},
            "silos": {"resident": 0, "entrepreneur": 1, "municipal_staff": 4, "partner": 0}}
COUNTS_B = {"new contacts": {"resident": 10, "entrepreneur": 4, "municipal_staff": 3, "partner": 0},
            "meetings": {"resident": 6, "entrepreneur": 2, "municipal_staff": 5, "partner": 1},
            "silos": {"resident": 4, "entrepreneur": 0, "municipal_staff": 4, "partner": 3}}
COUNTS_C = {"connections": {"resident": 5, "entrepreneur": 1, "municipal_staff": 0, "partner": 0},
            "meetings": {"resident": 11, "entrepreneur": 4, "municipal_staff": 3, "partner": 3}}
SIZES_C = {"resident": 14, "entrepreneur": 5, "municipal_staff": 6, "partner": 4}
CODE_MAP = {"connections": {"a": "connections", "b": "new contacts", "c": "connections"},
            "meetings": "meetings", "silos": {"a": "silos", "b": "silos"}}


@pytest.fixture(scope="module")
def full_sites():
    """Three sites' full results caches (true values of suppressed cells included)."""
    return {
        "a": make_site({"cohesion": (0.80, 0.166, 1.60), "trust": (0.30, 0.089, 0.72)}, COUNTS_A,
                       ranges={"cohesion": (0.0, 10.0), "trust": (1.0, 5.0)},
                       quotes=pd.DataFrame({"theme": ["cohesion", "cohesion"], "group": ["resident", "partner"],
                                            "speaker": ["resident I-1", "partner I-2"],
                                            "quote": ["We know each other now.", "The street found us."],
                                            "document_ref": ["D-1:0-20", "D-2:5-30"]})),
        "b": make_site({"social_cohesion": (0.35, 0.070, 0.70), "trust": (0.25, 0.080, 0.75)}, COUNTS_B),
        "c": make_site({"cohesion": (0.01, 0.070, 0.70), "trust": (-0.02, 0.080, 0.70)}, COUNTS_C, sizes=SIZES_C),
    }


@pytest.fixture(scope="module")
def sites(full_sites):
    """What the synthesis receives: each site's shareable results."""
    return {name: shareable_results(results) for name, results in full_sites.items()}


# --------------------------------------------------------------------------- sharing


def test_shareable_results_remove_everything_unpublished(full_sites):
    full = full_sites["a"]
    shared = shareable_results(full)
    assert set(shared) == set(SHARED_TABLES) and "scores" not in shared
    pub = full["publication"]
    hidden = pub[pub["status"] != "published"]
    assert len(hidden) > 0
    assert shared["publication"].loc[hidden.index, "value"].isna().all()
    assert shared["publication"].loc[pub["status"] == "published", "value"].notna().all()
    assert "n_segments" not in shared["code_group"] and "n_segments" not in shared["frequencies"]
    cg = shared["code_group"].set_index(["code", "group"])
    for _, cell in pub[pub["table"] == "code_group"].iterrows():
        shown = cg.loc[(cell["row"], cell["column"])]
        if cell["status"] == "published":
            assert shown["n_cases"] == cell["value"]
        else:
            assert np.isnan(shown["n_cases"]) and np.isnan(shown["prevalence"])
    # nothing tells a reader which hidden cells are sensitive, or why
    assert set(shared["publication"]["status"]) == {"published", "suppressed"}
    assert (shared["publication"]["reason"] == "").all()
    assert list(shared["audit"].columns) == ["population", "table", "row", "column", "kind", "published", "disclosed"]
    assert len(shared["audit"]) == len(full["audit"]) and not shared["audit"]["disclosed"].any()
    # idempotent, and the full results are untouched
    again = shareable_results(shared)
    for name in SHARED_TABLES:
        pd.testing.assert_frame_equal(again[name], shared[name])
    assert full["publication"]["value"].notna().all()


def test_write_and_load_without_raw_data(full_sites, tmp_path):
    folder = write_shareable_results(full_sites["b"], tmp_path / "shared" / "b")
    manifest = json.loads((folder / "manifest.json").read_text())
    assert set(manifest["tables"]) == set(SHARED_TABLES)
    assert not (folder / "scores.parquet").exists()
    loaded = load_site_results(folder)
    expected = shareable_results(full_sites["b"])
    pd.testing.assert_frame_equal(loaded["model"], expected["model"])
    pd.testing.assert_frame_equal(loaded["publication"].reset_index(drop=True),
                                  expected["publication"].reset_index(drop=True), check_dtype=False)
    with pytest.raises(FileNotFoundError, match="no results folder"):
        load_site_results(tmp_path / "nowhere")


# --------------------------------------------------------------------------- survey


def test_site_effects_standardise_on_baseline_sd(sites):
    eff = site_effects(sites, constructs={"cohesion": {"a": "cohesion", "b": "social_cohesion", "c": "cohesion"},
                                          "trust": "trust"}, notes={"trust": "wording differs at site c"})
    assert list(eff.columns) == EFFECT_COLUMNS
    a = eff[(eff["construct"] == "cohesion") & (eff["site"] == "a")].iloc[0]
    assert a["yi"] == pytest.approx(0.80 / 1.60) and a["vi"] == pytest.approx((0.166 / 1.60) ** 2)
    assert a["sei"] == pytest.approx(0.166 / 1.60)
    b = eff[(eff["construct"] == "cohesion") & (eff["site"] == "b")].iloc[0]
    assert b["outcome"] == "social_cohesion" and b["yi"] == pytest.approx(0.5)
    # the model table's own standardised effect and interval
    np.testing.assert_allclose(eff["yi"], [sites[s]["model"].set_index("outcome").loc[o, "effect_size"]
                                           for s, o in zip(eff["site"], eff["outcome"])])
    assert a["ci_low"] == pytest.approx(sites["a"]["model"].iloc[0]["effect_ci_low"])
    # scale ranges differ for cohesion (0-10 at a, 1-5 elsewhere): a note on every row of the construct
    coh = eff[eff["construct"] == "cohesion"]
    assert coh["note"].str.contains("scale ranges differ").all() and "a: 0–10" in coh["note"].iloc[0]
    trust = eff[eff["construct"] == "trust"]
    assert not trust["note"].str.contains("scale ranges").any()
    assert trust["note"].str.contains("wording differs at site c").all()


def test_site_effects_missing_outcome_and_bad_mapping(sites):
    eff = site_effects(sites, constructs={"preparedness": {"a": "preparedness"}})
    assert len(eff) == 1 and np.isnan(eff["yi"].iloc[0]) and "not in the model table" in eff["note"].iloc[0]
    with pytest.raises(ValueError, match="not among the studies"):
        site_effects(sites, constructs={"trust": {"z": "trust"}})
    # default: outcomes matched by name across the sites
    by_name = site_effects(sites)
    assert set(by_name["construct"]) == {"cohesion", "trust", "social_cohesion"}


def test_pool_constructs_is_random_effects_per_construct(sites):
    eff = site_effects(sites, constructs={"cohesion": {"a": "cohesion", "b": "social_cohesion", "c": "cohesion"},
                                          "trust": "trust", "only_a": {"a": "trust"},
                                          "nowhere": {"a": "preparedness"}})
    pooled = pool_constructs(eff, method="REML", test="knha").set_index("construct")
    assert list(pooled.reset_index().columns) == POOLED_COLUMNS
    direct = random_effects(eff[eff["construct"] == "trust"].reset_index(drop=True)).iloc[0]
    for col in ("estimate", "se", "ci_low", "ci_high", "tau2", "i2", "q", "pi_low", "pi_high"):
        assert pooled.loc["trust", col] == pytest.approx(direct[col], rel=1e-12, abs=1e-15), col
    assert pooled.loc["cohesion", "k"] == 3 and pooled.loc["cohesion", "sites"] == "a, b, c"
    assert pooled.loc["cohesion", "df"] == 2
    assert pooled.loc["only_a", "k"] == 1 and np.isnan(pooled.loc["only_a", "estimate"])
    assert "only one site" in pooled.loc["only_a", "note"]
    assert pooled.loc["nowhere", "k"] == 0 and "no site" in pooled.loc["nowhere", "note"]
    pm = pool_constructs(eff, method="PM").set_index("construct")
    assert pm.loc["cohesion", "method"] == "PM"


def _simulated_sites(rng, true_effects, *, se=0.08, sd=1.0):
    """Sites whose model-based change is drawn around a known true standardised change."""
    return {f"s{i}": {"model": model_table({"cohesion": (sd * (mu + rng.normal(0, se)), sd * se, sd)})}
            for i, mu in enumerate(true_effects)}


def test_pooled_interval_covers_truth_and_heterogeneity_detected(rng):
    """Known truths: three streets, one with a null effect (true 0.5, 0.4, 0.0)."""
    truth = [0.5, 0.4, 0.0]
    pooled = pool_constructs(site_effects(_simulated_sites(rng, truth))).iloc[0]
    assert pooled["ci_low"] <= np.mean(truth) <= pooled["ci_high"]
    assert pooled["q_p"] < 0.05 and pooled["tau2"] > 0 and pooled["i2"] > 50
    # equal true effects: no heterogeneity detected
    same = pool_constructs(site_effects(_simulated_sites(rng, [0.3, 0.3, 0.3]))).iloc[0]
    assert same["q_p"] > 0.05
    assert same["ci_low"] <= 0.3 <= same["ci_high"]


def test_pooled_interval_coverage_small_simulation():
    """Hartung–Knapp keeps (close to) nominal coverage with 3 heterogeneous sites (400 replications)."""
    rng = np.random.default_rng(7)
    truth_mean, tau = 0.3, 0.2
    hits = 0
    for _ in range(400):
        effects = truth_mean + rng.normal(0, tau, 3) + rng.normal(0, 0.08, 3)
        row = random_effects(pd.DataFrame({"yi": effects, "vi": 0.08 ** 2})).iloc[0]
        hits += row["ci_low"] <= truth_mean <= row["ci_high"]
    assert hits / 400 > 0.90  # 95% nominal; Monte Carlo SE ≈ 1.1%


def test_moderators_descriptive_below_five_sites(sites):
    eff = site_effects(sites, constructs={"trust": "trust"})
    chars = pd.DataFrame({"site": ["a", "b", "c"], "homes": [200, 120, 320], "share_social_rent": [0.4, 0.2, 0.65]})
    out = moderator_analysis(eff, chars, moderators=["homes", "share_social_rent"])
    assert list(out.columns) == MODERATOR_COLUMNS
    assert (out["analysis"] == "descriptive").all() and len(out) == 6
    assert out["note"].str.contains("needs at least 5").all()
    assert out.loc[out["site"] == "b", "value"].tolist() == [120, 0.2]
    assert out["slope"].isna().all()


def test_meta_regression_from_five_sites(rng):
    homes = np.array([100, 150, 200, 250, 300, 350])
    truth = 0.8 - 0.002 * homes
    part = _simulated_sites(rng, truth, se=0.03)
    eff = site_effects(part)
    chars = pd.DataFrame({"site": list(part), "homes": homes})
    out = moderator_analysis(eff, chars, moderators=["homes"])
    assert len(out) == 1 and out["analysis"].iloc[0] == "meta-regression" and out["site"].iloc[0] == ALL_SITES
    row = out.iloc[0]
    assert row["slope_ci_low"] <= -0.002 <= row["slope_ci_high"] and row["p_value"] < 0.05
    direct = random_effects(eff.merge(chars, on="site"), moderators=["homes"]).iloc[1]
    assert row["slope"] == pytest.approx(direct["estimate"], rel=1e-12)
    # five sites is enough, four is not
    assert moderator_analysis(eff.iloc[:5], chars, moderators=["homes"])["analysis"].iloc[0] == "meta-regression"
    assert (moderator_analysis(eff.iloc[:4], chars, moderators=["homes"])["analysis"] == "descriptive").all()


def test_site_characteristics_from_configuration():
    out = site_characteristics({"noorderbeek": "config/studies/noorderbeekdwarsstraat-demo.yml"},
                               extra=pd.DataFrame({"site": ["noorderbeek"], "intensity": [2.5]}))
    row = out.iloc[0]
    assert row["homes"] == 200 and row["duration_months"] == 18 and row["n_waves"] == 2
    assert row["share_tenure_social_rent"] == pytest.approx(0.4)
    assert row["intensity"] == 2.5


# --------------------------------------------------------------------------- interviews


def test_framework_shows_only_published_cells(full_sites, sites):
    fw = cross_site_framework(sites, code_map=CODE_MAP)
    assert list(fw.columns) == FRAMEWORK_COLUMNS
    for site, full in full_sites.items():
        pub = full["publication"].set_index(["table", "row", "column"])
        rows = fw[fw["site"] == site]
        for _, r in rows[rows["status"] != "not in coding frame"].iterrows():
            key = ("code_total", r["site_code"], "n") if r["group"] == "total" else \
                ("code_group", r["site_code"], r["group"])
            status, value = pub.loc[key, "status"], pub.loc[key, "value"]
            if status == "published":
                assert r["n_cases"] == value and r["status"] == "published" and not r["suppressed"]
                assert r["prevalence"] == pytest.approx(value / r["n_cases_total"])
            else:
                assert np.isnan(r["n_cases"]) and np.isnan(r["prevalence"]) and r["suppressed"]
                assert r["status"] == "suppressed"
    # codes matched across coding frames: site b's "new contacts" is "connections"
    b = fw[(fw["code"] == "connections") & (fw["site"] == "b")]
    assert set(b["site_code"]) == {"new contacts"} and (b["status"] != "not in coding frame").all()
    # site c has no "silos": not in its coding frame, and the cross-site row counts two sites
    assert (fw[(fw["code"] == "silos") & (fw["site"] == "c")]["status"] == "not in coding frame").all()
    assert (fw[(fw["code"] == "silos") & (fw["site"] == ALL_SITES)]["n_sites"] == 2).all()


def test_cross_site_cells_never_add_a_suppressed_cell(sites):
    fw = cross_site_framework(sites, code_map=CODE_MAP)
    for (code, group), part in fw.groupby(["code", "group"]):
        site_rows = part[(part["site"] != ALL_SITES) & (part["status"] != "not in coding frame")]
        overall = part[part["site"] == ALL_SITES].iloc[0]
        if (site_rows["status"] == "published").all():
            assert overall["n_cases"] == site_rows["n_cases"].sum()
            assert overall["n_cases_total"] == site_rows["n_cases_total"].sum()
            assert overall["status"] == "published"
        else:
            assert np.isnan(overall["n_cases"]) and overall["suppressed"]
            assert "rests on a suppressed cell" in overall["note"]
    # totals per code are published by every site: the cross-site total is their sum
    total = fw[(fw["code"] == "meetings") & (fw["group"] == "total")].set_index("site")
    assert total.loc[ALL_SITES, "n_cases"] == 15 + 14 + 21
    assert total.loc[ALL_SITES, "n_cases_total"] == 24 + 24 + 29


def test_framework_by_theme_and_group_order(sites):
    # no theme tables in these sites: every cell is "not in coding frame" rather than an error
    fw = cross_site_framework(sites, level="theme")
    assert fw.empty or (fw["status"] == "not in coding frame").all()
    ordered = cross_site_framework(sites, code_map={"meetings": "meetings"}, groups=["partner", "resident"])
    assert list(dict.fromkeys(ordered["group"])) == ["partner", "resident", "total"]
    with pytest.raises(ValueError, match="`level`"):
        cross_site_framework(sites, level="aspect")


def test_quotes_as_published(sites):
    """Only the quotes the report shows (one per theme), without document offsets."""
    quotes = cross_site_quotes(sites, theme_map={"social cohesion": {"a": "cohesion"}})
    assert quotes.to_dict("records") == [
        {"site": "a", "theme": "social cohesion", "site_theme": "cohesion", "group": "resident", "speaker": "I-1",
         "quote": "We know each other now."}]


def test_quotes_do_not_name_a_group_whose_size_is_hidden():
    pub = pd.DataFrame({"population": "interviews", "table": "interviewees", "row": "interviewees",
                        "column": ["resident", "partner"], "kind": "count", "value": [12.0, 2.0],
                        "status": ["published", "primary"], "reason": ""})
    quotes = pd.DataFrame({"theme": ["cohesion", "cohesion", "trust"], "group": ["resident", "partner", "partner"],
                           "speaker": ["resident I-1", "partner I-2", "partner I-3"], "quote": ["a", "b", "c"],
                           "document_ref": ["D-1:0-1", "D-2:0-1", "D-3:0-1"]})
    shared = shareable_results({"publication": pub, "quotes": quotes})["quotes"]
    assert shared[["theme", "speaker", "quote"]].to_dict("list") == {"theme": ["cohesion", "trust"],
                                                                     "speaker": ["I-1", "I-3"], "quote": ["a", "c"]}
    assert shared["group"].iloc[0] == "resident" and pd.isna(shared["group"].iloc[1])  # not named
    assert shareable_results({"publication": pub, "quotes": shared})["quotes"].equals(shared)  # idempotent


# --------------------------------------------------------------------------- privacy over the union


def test_union_audit_passes_on_synthesis_outputs(sites):
    fw = cross_site_framework(sites, code_map=CODE_MAP)
    eff = site_effects(sites, constructs={"cohesion": {"a": "cohesion", "b": "social_cohesion", "c": "cohesion"},
                                          "trust": "trust"})
    audit = union_audit(sites, framework=fw, effects=eff, pooled=pool_constructs(eff))
    assert list(audit.columns) == UNION_AUDIT_COLUMNS
    assert audit["ok"].all(), audit[~audit["ok"]]
    assert set(audit["check"]) == {"site audit", "published cell", "sum of published cells", "published effect",
                                   "pooled from effects"}


def test_union_audit_flags_a_recovered_cell(full_sites, sites):
    """Tampered outputs: a suppressed cell filled in, or a cross-site sum over a suppressed cell."""
    fw = cross_site_framework(sites, code_map=CODE_MAP)
    pub = full_sites["a"]["publication"]
    hidden = pub[(pub["table"] == "code_group") & (pub["status"] != "published")].iloc[0]
    leak = fw.copy()
    i = leak.index[(leak["site"] == "a") & (leak["site_code"] == hidden["row"]) & (leak["group"] == hidden["column"])]
    leak.loc[i, "n_cases"] = hidden["value"]  # the true value, which the site suppressed
    bad = union_audit(sites, framework=leak)
    assert not bad["ok"].all()
    assert "did not publish" in bad.loc[~bad["ok"], "detail"].iloc[0]

    leak = fw.copy()
    j = leak.index[(leak["site"] == ALL_SITES) & leak["suppressed"] & (leak["group"] != "total")][0]
    leak.loc[j, "n_cases"] = 7.0
    bad = union_audit(sites, framework=leak)
    assert (~bad["ok"]).sum() == 1 and "rests on unpublished" in bad.loc[~bad["ok"], "detail"].iloc[0]

    leak = fw.copy()
    k = leak.index[leak["status"] == "not in coding frame"][0]
    leak.loc[k, "n_cases"] = 1.0  # a number with no cell behind it
    assert not union_audit(sites, framework=leak)["ok"].all()

    eff = site_effects(sites, constructs={"trust": "trust"})
    wrong = eff.assign(yi=eff["yi"] + 0.1)
    assert not union_audit(sites, effects=wrong)["ok"].all()


def _union_published_set(full_sites, code_of, framework=None, extra=()):
    """The sites' interview publications in one PublishedSet (as the gate declares them, prefixed by site),
    plus every count the synthesis publishes across sites, declared as the sum of the site cells it adds."""
    ps = PublishedSet()
    for site, full in full_sites.items():
        pub = full["publication"]
        status = dict(zip(zip(pub["table"], pub["row"], pub["column"]), pub["status"]))
        cg = full["code_group"]
        groups = list(dict.fromkeys(cg["group"]))
        wide = cg.pivot_table(index="code", columns="group", values="n_cases", aggfunc="sum").reindex(columns=groups)
        shown = pd.DataFrame({g: [status[("code_group", c, g)] == "published" for c in wide.index] for g in groups},
                             index=wide.index)
        ps.add_table(f"{site}|code_group", wide, published=shown)
        sizes = cg.groupby("group", sort=False)["n_cases_total"].max()
        size_frame = pd.DataFrame({g: [int(sizes[g])] for g in groups}, index=["interviewees"])
        size_frame["total"] = int(sizes.sum())
        ps.add_table(f"{site}|interviewees", size_frame, total_col="total")
        for code in wide.index:
            for g in groups:
                ps.add_group([(f"{site}|code_group", code, g)], (f"{site}|interviewees", "interviewees", g))
            ps.add_number(code, int(wide.loc[code].sum()), equals=[(f"{site}|code_group", code, g) for g in groups],
                          table=f"{site}|code_total", published=status[("code_total", code, "n")] == "published")
    if framework is not None:
        for _, r in framework[(framework["site"] == ALL_SITES) & framework["n_cases"].notna()].iterrows():
            parts = framework[(framework["code"] == r["code"]) & (framework["group"] == r["group"])
                              & (framework["site"] != ALL_SITES) & (framework["status"] != "not in coding frame")]
            cells = [(f"{s}|code_total", c, "n") if r["group"] == "total" else (f"{s}|code_group", c, r["group"])
                     for s, c in zip(parts["site"], parts["site_code"])]
            ps.add_number(f"{r['code']}|{r['group']}", int(r["n_cases"]), equals=cells, table="synthesis")
    for name, value, cells in extra:
        ps.add_number(name, value, equals=cells, table="synthesis")
    return ps


def test_suppressed_cells_unrecoverable_over_the_union(full_sites, sites):
    """The intruder audit (linear programming) over the union of every site's publication plus the synthesis:
    each suppressed cell keeps exactly the feasible interval its own site's audit gave it, and nothing is
    disclosed. Negative control: publishing a cross-site sum over a suppressed cell discloses it."""
    fw = cross_site_framework(sites, code_map=CODE_MAP)
    assert union_audit(sites, framework=fw)["ok"].all()
    n_synthesis = int((fw["site"] == ALL_SITES).sum() - fw.loc[fw["site"] == ALL_SITES, "n_cases"].isna().sum())
    assert n_synthesis > 0

    union = intruder_audit(_union_published_set(full_sites, CODE_MAP, fw), **INTERVIEW_RULES)
    assert not union["disclosed"].any()
    for site, full in full_sites.items():
        own = full["audit"]
        own = own[own["table"] == "code_group"].set_index(["row", "column"])
        mine = union[union["table"] == f"{site}|code_group"].set_index(["row", "column"])
        assert len(own) > 0 and set(own.index) == set(mine.index)
        for key in own.index:
            assert (mine.loc[key, "lower"], mine.loc[key, "upper"]) == (own.loc[key, "lower"], own.loc[key, "upper"])

    # the negative control: a cross-site cell over exactly one suppressed cell (the others published), published
    # with its true value, gives the suppressed (sensitive) cell away: the reader subtracts the published ones
    def primary(site, code, group):
        pub = full_sites[site]["publication"].set_index(["table", "row", "column"])
        return pub.loc[("code_group", code, group), "status"] == "primary"

    overall = fw[(fw["site"] == ALL_SITES) & fw["suppressed"] & (fw["group"] != "total")]
    for _, r in overall.iterrows():
        parts = fw[(fw["code"] == r["code"]) & (fw["group"] == r["group"]) & (fw["site"] != ALL_SITES)
                   & (fw["status"] != "not in coding frame")]
        hidden = parts[parts["status"] == "suppressed"]
        if len(hidden) == 1 and primary(hidden["site"].iloc[0], hidden["site_code"].iloc[0], r["group"]):
            break
    else:
        pytest.fail("no cross-site cell over exactly one suppressed cell in the fixture")
    cells = [(f"{s}|code_group", c, r["group"]) for s, c in zip(parts["site"], parts["site_code"])]
    truth = sum(int(full_sites[s]["code_group"].set_index(["code", "group"]).loc[(c, r["group"]), "n_cases"])
                for s, c in zip(parts["site"], parts["site_code"]))
    leaked = intruder_audit(_union_published_set(full_sites, CODE_MAP, fw, extra=[("leak", truth, cells)]),
                            **INTERVIEW_RULES)
    victim = parts[parts["status"] == "suppressed"].iloc[0]
    hit = leaked[(leaked["table"] == f"{victim['site']}|code_group") & (leaked["row"] == victim["site_code"])
                 & (leaked["column"] == r["group"])]
    assert hit["disclosed"].all() and (hit["lower"] == hit["upper"]).all()

# The end-to-end synthesis of three synthetic streets (known truths, raw data removed) is in test_programme.py.

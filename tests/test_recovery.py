"""The analyses recover the synthetic example study's ground truth.

``evaluation.demo.generate_demo`` writes the raw files of the example study and,
beside the raw folder, ``<raw folder>.truth.json`` with the true values of the
simulated street (see ``generate_demo``'s Notes). These tests import the raw files
like a municipality would and check that the package's estimators find the truth:
survey changes inside their confidence intervals, exact code frequencies and
prevalence, and sane intercoder agreement.

Which true value is the estimand
--------------------------------
The truth has two kinds of change per scale. ``latent_change_parameter`` is the
simulation's δ on the latent scale, *before* item noise, rounding and clipping to
1–5 (which attenuate it) — a superpopulation parameter that no survey of this
street estimates. ``change`` is the realised change of the finite population: the
mean over all adult residents (the truth's population unit; 378 people in 200
homes, closed population) of the scale score after minus before, with every item
answered. The survey samples that finite population, so ``change`` (and ``mean``)
are the estimands here. The intervals of ``compare_waves`` and ``change_model``
carry no finite-population correction, so they are conservative for it.

The respondents are not an equal-probability sample of residents: response depends
on tenure (owners answer more often) and usually one adult per home answers. The
unweighted change estimators therefore target the change of the respondents'
tenure mix; ``test_tenure_mix_gap_is_small_against_the_interval`` bounds that gap
so that comparing their intervals with the population change is meaningful, and
``test_changes_per_tenure_recover_the_true_changes`` compares within tenure, where
the composition issue does not arise.
"""
from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import evaluation as ev
from evaluation.importer import load_processed
from evaluation.models import ModelFitWarning

TENURES = ("owner", "social_rent", "private_rent")
CLEARLY_NON_ZERO = 0.1  # |true change| on the 1-5 metric above which a sign is meaningful


# --- fixtures -------------------------------------------------------------------
@pytest.fixture(scope="module")
def truth(imported_demo):
    raw = imported_demo.raw_dir
    return json.loads((raw.parent / f"{raw.name}.truth.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def responses(imported_demo):
    return load_processed(imported_demo, "responses")


@pytest.fixture(scope="module")
def scales(truth):
    return list(truth["scales"])


@pytest.fixture(scope="module")
def wide(imported_demo, responses, scales):
    """Scale scores (1-5 metric) pivoted wide, with household and tenure."""
    scores = ev.score_scales(responses, scales=imported_demo.instrument.scale_definitions(), rescale=False)
    assert set(scores["scale"]) == set(scales)
    table = scores.pivot_table(index=["respondent", "wave"], columns="scale", values="score",
                               observed=True).reset_index()
    table.columns.name = None
    return table.merge(responses[["respondent", "wave", "household", "tenure"]], on=["respondent", "wave"])


@pytest.fixture(scope="module")
def waves_table(wide, scales):
    return ev.compare_waves(wide, outcomes=scales).set_index("outcome")


@pytest.fixture(scope="module")
def segments(imported_demo):
    return load_processed(imported_demo, "segments")


@pytest.fixture(scope="module")
def interviewees(imported_demo):
    return load_processed(imported_demo, "interviewees")


def _inside(true_value: float, low: float, high: float) -> bool:
    return bool(low <= true_value <= high)


def _check_sign(true_value: float, estimate: float, low: float, high: float, label: str) -> None:
    """Where the truth is clearly non-zero and the CI excludes 0, the signs agree."""
    if abs(true_value) >= CLEARLY_NON_ZERO and (low > 0 or high < 0):
        assert np.sign(estimate) == np.sign(true_value), f"{label}: estimate {estimate:.3f}, true {true_value:.3f}"


# --- survey: scale changes --------------------------------------------------------
def test_compare_waves_intervals_contain_the_true_change(waves_table, truth, scales):
    # Requirement: every true change lies inside its 95% CI and the sign is right
    # where the design can detect it (paired change on the panel and difference of
    # the two cross-sections).
    misses = []
    for scale in scales:
        true_change = truth["scales"][scale]["change"]["overall"]
        row = waves_table.loc[scale]
        for label, est, low, high in (("paired", row["estimate"], row["ci_low"], row["ci_high"]),
                                      ("cross-sectional", row["cs_estimate"], row["cs_ci_low"], row["cs_ci_high"])):
            if not _inside(true_change, low, high):
                misses.append(f"{scale} {label}: true {true_change:.3f} outside [{low:.3f}, {high:.3f}]")
            _check_sign(true_change, est, low, high, f"{scale} {label}")
    assert not misses, misses
    # the intervals are real intervals on a sensible sample, not degenerate ones
    assert (waves_table["n_pairs"] >= 40).all()
    assert ((waves_table["ci_high"] - waves_table["ci_low"]) < 0.6).all()


def test_sign_is_right_where_the_design_can_detect_the_change(wide, waves_table, truth, scales):
    # "Can detect": the true change is at least the paired design's minimal
    # detectable effect (alpha .05, power .8) for the observed number of pairs and
    # SD of the differences. There the estimate must have the true sign.
    before = wide[wide["wave"] == "before"].set_index("respondent")
    after = wide[wide["wave"] == "after"].set_index("respondent")
    detectable = []
    for scale in scales:
        diff = (after[scale] - before[scale]).dropna()
        mde = ev.minimal_detectable_effect(len(diff), design="paired", sd=float(diff.std(ddof=1)))
        true_change = truth["scales"][scale]["change"]["overall"]
        if abs(true_change) >= float(mde["mde_raw"].iloc[0]):
            detectable.append(scale)
            row = waves_table.loc[scale]
            assert np.sign(row["estimate"]) == np.sign(true_change), scale
            assert row["ci_low"] > 0 if true_change > 0 else row["ci_high"] < 0, scale
    assert "cohesion" in detectable  # the largest designed change (about 0.30 with ~50 pairs)


def test_tenure_mix_gap_is_small_against_the_interval(wide, waves_table, truth, scales):
    # The unweighted estimators target sum_t share_t * change_t over the respondents'
    # tenure mix instead of the residents' mix. Both mixes are known, so the gap is
    # computable; it must be small against the CI half-width for the comparison
    # with the population change to be fair, and the CI must contain both targets.
    residents = pd.Series({t: truth["population"]["residents"][t] for t in TENURES}, dtype=float)
    assert residents.sum() == truth["population"]["residents"]["overall"]
    before = wide[wide["wave"] == "before"].set_index("respondent")
    after = wide[wide["wave"] == "after"].set_index("respondent")
    panel = before.index.intersection(after.index)
    mix = before.loc[panel, "tenure"].astype(str).value_counts(normalize=True).reindex(TENURES, fill_value=0)
    assert mix["owner"] > residents["owner"] / residents.sum()  # owners over-represented, as designed
    for scale in scales:
        change = truth["scales"][scale]["change"]
        population_target = change["overall"]
        # the overall value is the resident-weighted mean of the tenure values
        assert population_target == pytest.approx(
            sum(residents[t] * change[t] for t in TENURES) / residents.sum(), abs=1e-5)
        respondent_target = sum(mix[t] * change[t] for t in TENURES)
        row = waves_table.loc[scale]
        half_width = (row["ci_high"] - row["ci_low"]) / 2
        assert abs(respondent_target - population_target) < 0.25 * half_width, scale
        assert _inside(respondent_target, row["ci_low"], row["ci_high"]), scale


def test_changes_per_tenure_recover_the_true_changes(wide, truth, scales):
    # Within a tenure, response does not depend on anything else, so the paired
    # change estimates that tenure's finite-population change. 18 intervals at once:
    # Bonferroni level 1 - .05/18 so the family holds with 95% (with the fixed seed
    # all 18 also lie inside their plain 95% intervals).
    k = len(scales) * len(TENURES)
    table = ev.compare_waves(wide, outcomes=scales, by="tenure", confidence=1 - 0.05 / k)
    assert len(table) == k
    misses = []
    for row in table.itertuples():
        true_change = truth["scales"][row.outcome]["change"][str(row.group)]
        if not _inside(true_change, row.ci_low, row.ci_high):
            misses.append(f"{row.outcome} {row.group}: true {true_change:.3f} "
                          f"outside [{row.ci_low:.3f}, {row.ci_high:.3f}]")
        _check_sign(true_change, row.estimate, row.ci_low, row.ci_high, f"{row.outcome} {row.group}")
    assert not misses, misses


def test_weighted_wave_means_contain_the_true_means(wide, truth, scales):
    # Descriptive means per wave: raked to the residents per tenure (the truth's
    # population), with the finite-population correction for N = 378 residents.
    residents = {t: truth["population"]["residents"][t] for t in TENURES}
    parts = []
    for _, part in wide.groupby("wave", observed=True):
        weight = ev.rake(part.assign(tenure=part["tenure"].astype(str)), margins={"tenure": residents})
        assert weight.sum() == pytest.approx(sum(residents.values()))
        parts.append(part.assign(weight=weight))
    table = ev.compare_waves(pd.concat(parts), outcomes=scales, weights="weight",
                             population=truth["population"]["residents"]["overall"]).set_index("outcome")
    misses = []
    for scale in scales:
        for wave in ("before", "after"):
            true_mean = truth["scales"][scale]["mean"][wave]["overall"]
            low, high = table.loc[scale, f"mean_{wave}_ci_low"], table.loc[scale, f"mean_{wave}_ci_high"]
            if not _inside(true_mean, low, high):
                misses.append(f"{scale} {wave}: true {true_mean:.3f} outside [{low:.3f}, {high:.3f}]")
    assert not misses, misses


@pytest.mark.slow
def test_change_model_recovers_the_true_change(wide, truth, scales):
    # Mixed model on every answer (respondents in homes): the CI contains the true
    # change, and the four designed changes (latent delta > 0) are detected with the
    # right sign; the two designed null changes are not declared. A household
    # variance on the boundary (ModelFitWarning) is allowed: the model then reduces
    # to respondents only, which is still a valid estimator of the change.
    for scale in scales:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ModelFitWarning)
            res = ev.change_model(wide, outcome=scale, household="household")
        true_change = truth["scales"][scale]["change"]["overall"]
        assert _inside(true_change, res["ci_low"], res["ci_high"]), (scale, true_change, res["ci_low"], res["ci_high"])
        _check_sign(true_change, res["estimate"], res["ci_low"], res["ci_high"], f"{scale} change_model")
        designed = truth["scales"][scale]["latent_change_parameter"]["overall"]
        if designed > 0:
            assert res["ci_low"] > 0, scale
        else:
            assert res["ci_low"] < 0 < res["ci_high"], scale
        assert res["n_households"] < res["n_subjects"] < res["n_obs"]


# --- survey: yes/no items -----------------------------------------------------------
@pytest.mark.parametrize("item", ["geveltuin", "contactpersoon"])
def test_proportion_test_intervals_contain_the_true_share_change(responses, truth, item):
    # geveltuin is a property of the home, contactpersoon of the person; the truth
    # gives both as shares of adult residents (the home's answer for each adult).
    true_change = truth["binary"][item]["change"]["overall"]
    shares = truth["binary"][item]["share"]
    assert true_change == pytest.approx(shares["after"]["overall"] - shares["before"]["overall"], abs=1e-5)
    before = responses[responses["wave"] == "before"].set_index("respondent")[item]
    after = responses[responses["wave"] == "after"].set_index("respondent")[item]
    panel = before.index.intersection(after.index)
    paired = ev.proportion_test(before.loc[panel], after.loc[panel], paired=True)
    unpaired = ev.proportion_test(before, after, paired=False)
    for label, res in (("paired", paired), ("unpaired", unpaired)):
        assert _inside(true_change, res["ci_low"], res["ci_high"]), (
            f"{item} {label}: true {true_change:.3f} outside [{res['ci_low']:.3f}, {res['ci_high']:.3f}]")
        _check_sign(true_change, res["estimate"], res["ci_low"], res["ci_high"], f"{item} {label}")
    assert paired["n"] >= 40 and unpaired["n"] > paired["n"]


# --- interviews: frequencies and prevalence ------------------------------------------
def _counts(table: pd.DataFrame, codes) -> dict:
    """{code: {"n_segments", "n_cases"}} for `codes`, zero where a code is absent."""
    indexed = table.set_index("code")[["n_segments", "n_cases"]].reindex(list(codes), fill_value=0)
    return {code: {"n_segments": int(r.n_segments), "n_cases": int(r.n_cases)} for code, r in indexed.iterrows()}


def _truth_codes(truth) -> list[str]:
    # The meta code "Citaat akkoord" (approval for quoting) is not a content code:
    # the import turns it into the boolean column `approved` and drops it from the
    # segments, so it has no frequency to compare.
    approved = truth["interviews"]["approved_code"]
    return [code for code in truth["interviews"]["code_counts"] if code != approved]


def test_code_frequencies_per_group_equal_the_truth(segments, interviewees, truth):
    # Requirement: frequencies and prevalence per group equal the generator's truth exactly.
    first = segments[segments["coder"] == truth["interviews"]["coder"]]
    assert truth["interviews"]["approved_code"] not in set(segments["code"])
    codes = _truth_codes(truth)
    table = ev.code_frequencies(first, by="group", level="code", cases=interviewees)
    assert set(table["code"]) <= set(codes)
    for group, expected in truth["interviews"]["code_counts_by_group"].items():
        part = table[table["group"] == group]
        assert _counts(part, codes) == {c: expected[c] for c in codes}, group
        n_total = truth["interviews"]["cases_per_group"][group]
        assert set(part["n_cases_total"]) == {n_total}, group
        np.testing.assert_allclose(part["prevalence"], part["n_cases"] / n_total)
    assert set(table["group"]) == set(truth["interviews"]["cases_per_group"])


def test_code_frequencies_overall_equal_the_truth(segments, interviewees, truth):
    first = segments[segments["coder"] == truth["interviews"]["coder"]]
    codes = _truth_codes(truth)
    table = ev.code_frequencies(first, by=None, level="code", cases=interviewees)
    expected = truth["interviews"]["code_counts"]
    assert _counts(table, codes) == {c: expected[c] for c in codes}
    assert set(table["n_cases_total"]) == {truth["interviews"]["n_interviews"]}
    # every group's counts add up to the overall counts (truth consistency)
    for code in codes:
        by_group = truth["interviews"]["code_counts_by_group"]
        assert sum(g[code]["n_segments"] for g in by_group.values()) == expected[code]["n_segments"]
        assert sum(g[code]["n_cases"] for g in by_group.values()) == expected[code]["n_cases"]


# --- interviews: intercoder agreement -------------------------------------------------
def test_agreement_on_the_double_coded_subset(imported_demo, segments, truth):
    documents = load_processed(imported_demo, "documents")
    table = ev.agreement_by_code(segments, documents=documents)
    pooled = table.set_index("code").loc["(all codes)"]
    # the second coder mostly agrees but misses, confuses and shifts some codings
    assert 0.5 < pooled["krippendorff_alpha"] < 1.0
    assert 0.5 < pooled["unitizing_alpha"] < 1.0
    assert pooled["n_coders"] == 2
    # exactly the truth's double-coded interviews are compared (cases are
    # pseudonymised at import with the study key)
    key = imported_demo.pseudonym_key()
    double = set(ev.pseudonymise(pd.Series(truth["interviews"]["double_coded"]), key=key, prefix="I"))
    second = segments[segments["coder"] == "codeur-2"]
    assert set(second["case"]) == double and len(double) == 6
    per_code = table[table["code"] != "(all codes)"]
    assert set(per_code["code"]) <= set(_truth_codes(truth))
    assert pooled["n_units"] == per_code["n_units"].sum() > 0

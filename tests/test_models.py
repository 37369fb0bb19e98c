"""Tests for evaluation.models: reference values (lme4/lmerTest, MASS::polr, sandwich) and exact invariants."""
from __future__ import annotations

import itertools
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

from evaluation import models
from evaluation.models import (
    ModelFitWarning,
    _Blocks,
    _design,
    _fit_ordinal,
    _satterthwaite_df,
    change_model,
    ordinal_change_model,
)

DATA = Path(__file__).parent / "data"
WAVES = ["before", "after"]


def panel(n=120, sd_subject=0.6, sd_residual=0.5, shift=0.3, p_answer=0.6, seed=0, households=False):
    """Synthetic two-wave panel with partial overlap (each person answers each wave with p_answer)."""
    rng = np.random.default_rng(seed)
    u = rng.normal(0, sd_subject, n)
    rows = []
    for i in range(n):
        for w, label in enumerate(WAVES):
            if rng.random() < p_answer:
                rows.append((f"r{i:03d}", f"h{i // 2:03d}", label, 3 + u[i] + shift * w + rng.normal(0, sd_residual)))
    df = pd.DataFrame(rows, columns=["respondent", "household", "wave", "score"])
    df["wave"] = pd.Categorical(df["wave"], categories=WAVES, ordered=True)
    return df


# --------------------------------------------------------------------------- change_model
# Reference values below come from R 4.2.2 Patched (2022-11-10 r83330) with lme4 1.1-31,
# lmerTest 3.1-3 and Matrix 1.5-3 (re-run for issue 11; every stored digit reproduced; the
# tests do not need R). `contest1D(..., confint = TRUE)` gives the
# t interval estimate ± qt(0.975, df) * se.
def test_dietox_matches_lmertest():
    # R: dietox <- read.csv("tests/data/dietox.csv")
    #    m <- lmerTest::lmer(Weight ~ Time + (1 | Pig), data = dietox, REML = TRUE)
    #    summary(m)$coefficients; as.data.frame(VarCorr(m))
    #    contest1D(m, c(0, 1), ddf = "Satterthwaite", confint = TRUE, level = 0.95)
    #                Estimate      Std. Error            df        t value     Pr(>|t|)
    # (Intercept) 15.72352306936 0.7880537360684  83.002934990  19.9523488688  2.04019638145e-33
    # Time         6.94250500507 0.0333872742289 788.038502975 207.9386582287  0 (underflow)
    # Time: lower 6.87696649076, upper 7.00804351938; Pig var 40.3939524221, residual 11.3669185437
    # sd(dietox$Weight[dietox$Time == 1]) = 3.64362402549
    dietox = pd.read_csv(DATA / "dietox.csv")
    res = change_model(dietox, outcome="Weight", wave="Time", subject="Pig")
    assert res["contrast"] == "per unit of Time"
    assert res["estimate"] == pytest.approx(6.94250500507, abs=1e-6)
    assert res["se"] == pytest.approx(0.0333872742289, rel=1e-5)
    assert res["df"] == pytest.approx(788.038502975, rel=1e-5)
    assert res["statistic"] == pytest.approx(207.9386582287, rel=1e-5)
    assert res["p_value"] == pytest.approx(0.0, abs=1e-300)
    assert res["ci_low"] == pytest.approx(6.87696649076, abs=1e-5)
    assert res["ci_high"] == pytest.approx(7.00804351938, abs=1e-5)
    assert res["var_subject"] == pytest.approx(40.3939524221, rel=1e-5)
    assert res["var_residual"] == pytest.approx(11.3669185437, rel=1e-5)
    assert res["baseline_sd"] == pytest.approx(3.64362402549, rel=1e-9)
    assert (res["n_obs"], res["n_subjects"]) == (861, 72)
    assert res["converged"] and not res["boundary"] and res["warning"] == ""
    assert np.isnan(res["n_households"]) and np.isnan(res["var_household"])
    # the intercept (not reported by change_model), from the same GLS and df steps
    frame, y, x, _ = _design(dietox, outcome="Weight", wave="Time", subject="Pig", household=None,
                             covariates=(), reference=None)
    pigs = frame["Pig"].to_numpy()
    blocks = _Blocks(pigs, pigs, nested=False)
    variances = (res["var_subject"], np.nan, res["var_residual"])
    beta, cov, _ = blocks.gls(y, x.to_numpy(), variances[0], 0.0, variances[2])
    np.testing.assert_allclose(beta, [15.72352306936, 6.94250500507], atol=1e-6)
    np.testing.assert_allclose(np.sqrt(np.diag(cov)), [0.7880537360684, 0.0333872742289], rtol=1e-5)
    dfs = _satterthwaite_df(blocks, y, x.to_numpy(), variances, [0, 2], np.eye(2))
    np.testing.assert_allclose(dfs, [83.002934990, 788.038502975], rtol=1e-5)
    p_intercept = 2 * stats.t.sf(beta[0] / np.sqrt(cov[0, 0]), dfs[0])
    assert p_intercept == pytest.approx(2.04019638145e-33, rel=1e-4)


def test_dietox_between_pig_contrasts_match_lmertest():
    # Cu is a treatment per pig, so its contrasts are between subjects and their df (≈ 69, about
    # the number of pigs minus 3) are far from the residual df; the p-values are moderate.
    # R: m <- lmerTest::lmer(Weight ~ factor(Cu) + Time + (1 | Pig), data = dietox, REML = TRUE)
    #    summary(m)$coefficients; as.data.frame(VarCorr(m))
    #    contest1D(m, c(0, 1, 0, 0), ddf = "Satterthwaite", confint = TRUE)
    #    contest1D(m, c(0, 0, 1, 0), ddf = "Satterthwaite", confint = TRUE)
    #              Estimate        Std. Error     df              t value          Pr(>|t|)
    # factor(Cu)2 -0.835421905566 1.8565843327697 69.0087689285 -0.449977892639 0.654136746884
    # factor(Cu)3  1.773507858507 1.8750639862283 69.0142989635  0.945838580194 0.347530789404
    # CI: (-4.53919791175, 2.86835410062), (-1.96712861747, 5.51414433449)
    # Pig var 40.3398928572, residual 11.3669213911
    # sd(dietox$Weight[dietox$Cu == 1 & !is.na(dietox$Time)]) = 24.7190233531
    dietox = pd.read_csv(DATA / "dietox.csv").assign(Cu=lambda d: d["Cu"].astype(str))
    res = change_model(dietox, outcome="Weight", wave="Cu", subject="Pig", covariates=["Time"])
    assert list(res["contrast"]) == ["2 vs 1", "3 vs 1"]
    np.testing.assert_allclose(res["estimate"], [-0.835421905566, 1.773507858507], atol=1e-6)
    np.testing.assert_allclose(res["se"], [1.8565843327697, 1.8750639862283], rtol=1e-5)
    np.testing.assert_allclose(res["df"], [69.0087689285, 69.0142989635], rtol=1e-5)
    np.testing.assert_allclose(res["statistic"], [-0.449977892639, 0.945838580194], rtol=1e-5)
    np.testing.assert_allclose(res["p_value"], [0.654136746884, 0.347530789404], rtol=1e-5)
    np.testing.assert_allclose(res["ci_low"], [-4.53919791175, -1.96712861747], atol=1e-5)
    np.testing.assert_allclose(res["ci_high"], [2.86835410062, 5.51414433449], atol=1e-5)
    np.testing.assert_allclose(res["var_subject"], 40.3398928572, rtol=1e-5)
    np.testing.assert_allclose(res["var_residual"], 11.3669213911, rtol=1e-5)
    np.testing.assert_allclose(res["baseline_sd"], 24.7190233531, rtol=1e-9)


@pytest.fixture(scope="module")
def household_survey():
    """tests/data/household_survey.csv: 60 households, 122 persons, 194 answers (see README)."""
    df = pd.read_csv(DATA / "household_survey.csv")
    df["wave"] = pd.Categorical(df["wave"], categories=WAVES, ordered=True)
    return df


def test_household_survey_matches_lmertest(household_survey):
    # R: d <- read.csv("tests/data/household_survey.csv")
    #    d$wave <- factor(d$wave, levels = c("before", "after"))
    #    m <- lmerTest::lmer(y ~ wave + (1 | household) + (1 | household:person), data = d, REML = TRUE)
    #    summary(m)$coefficients; as.data.frame(VarCorr(m)); REMLcrit(m)
    #    contest1D(m, c(0, 1), ddf = "Satterthwaite", confint = TRUE, level = 0.95)
    #               Estimate       Std. Error      df             t value        Pr(>|t|)
    # (Intercept) 2.875671443940 0.0978904297914 69.1318324445 29.37643087347 8.80313131334e-41
    # waveafter   0.311448464772 0.0812739377974 86.2626151161  3.83208286953 2.40672245898e-04
    # CI 0.149888240496, 0.473008689048
    # VarCorr (lme4): household:person 0.428797613336, household 0.181485359796,
    #                 Residual 0.263017546424; REML criterion 476.192042487
    # sd(d$y[d$wave == "before"]) = 0.946732359842
    with warnings.catch_warnings():
        warnings.simplefilter("error", ModelFitWarning)
        res = change_model(household_survey, outcome="y", subject="person", household="household")
    assert res["contrast"] == "after vs before"
    assert res["estimate"] == pytest.approx(0.311448464772, abs=1e-6)
    assert res["se"] == pytest.approx(0.0812739377974, rel=1e-5)
    assert res["df"] == pytest.approx(86.2626151161, rel=1e-5)
    assert res["statistic"] == pytest.approx(3.83208286953, rel=1e-5)
    assert res["p_value"] == pytest.approx(2.40672245898e-04, rel=1e-4)
    assert res["ci_low"] == pytest.approx(0.149888240496, abs=1e-5)
    assert res["ci_high"] == pytest.approx(0.473008689048, abs=1e-5)
    assert res["var_subject"] == pytest.approx(0.428797613336, rel=1e-5)
    assert res["var_household"] == pytest.approx(0.181485359796, rel=1e-5)
    assert res["var_residual"] == pytest.approx(0.263017546424, rel=1e-5)
    assert res["baseline_sd"] == pytest.approx(0.946732359842, rel=1e-9)
    assert (res["n_obs"], res["n_subjects"], res["n_households"]) == (194, 122, 60)
    assert not res["boundary"] and res["warning"] == ""
    # the REML criterion at the reported variances, and the intercept's df
    frame, y, x, _ = _design(household_survey, outcome="y", wave="wave", subject="person",
                             household="household", covariates=(), reference=None)
    blocks = _Blocks(pd.factorize(frame["household"])[0], pd.factorize(frame["person"])[0], nested=True)
    variances = (res["var_subject"], res["var_household"], res["var_residual"])
    assert -2 * blocks.gls(y, x.to_numpy(), *variances)[2] == pytest.approx(476.192042487, abs=1e-6)
    dfs = _satterthwaite_df(blocks, y, x.to_numpy(), variances, [0, 1, 2], np.eye(2))
    np.testing.assert_allclose(dfs, [69.1318324445, 86.2626151161], rtol=1e-5)


def test_household_boundary_fit_matches_lmertest(household_survey):
    # y_nohome has no household effect; lme4 ends on the boundary (household variance 0,
    # "boundary (singular) fit"). lmerTest's Hessian in the relative SD of the household
    # intercept is then block-diagonal and the covariance of the fixed effects does not move
    # with it, so the df come from the two other variances only -- as change_model does.
    # R: m <- lmerTest::lmer(y_nohome ~ wave + (1 | household) + (1 | household:person),
    #                        data = d, REML = TRUE)      # d as in the test above
    #    summary(m)$coefficients; as.data.frame(VarCorr(m))
    #    contest1D(m, c(0, 1), ddf = "Satterthwaite", confint = TRUE, level = 0.95)
    # waveafter 0.0759603213134 se 0.0781468730119 df 87.1427502653 t 0.972019971955
    #           p 0.333730984153; CI -0.0793614631494, 0.231282105776
    # VarCorr: household:person 0.406917576064, household 0, Residual 0.247666733902
    with pytest.warns(ModelFitWarning, match="household variance on the boundary"):
        res = change_model(household_survey, outcome="y_nohome", subject="person", household="household")
    assert res["boundary"]
    assert res["var_household"] < 1e-4 * res["var_residual"]
    assert res["estimate"] == pytest.approx(0.0759603213134, abs=1e-6)
    assert res["se"] == pytest.approx(0.0781468730119, rel=1e-5)
    assert res["df"] == pytest.approx(87.1427502653, rel=1e-5)
    assert res["p_value"] == pytest.approx(0.333730984153, rel=1e-5)
    assert res["ci_low"] == pytest.approx(-0.0793614631494, abs=1e-5)
    assert res["ci_high"] == pytest.approx(0.231282105776, abs=1e-5)
    assert res["var_subject"] == pytest.approx(0.406917576064, rel=1e-5)
    assert res["var_residual"] == pytest.approx(0.247666733902, rel=1e-5)
    assert "Satterthwaite df could not" not in res["warning"]


def test_balanced_complete_panel_equals_paired_t_test():
    # Exact invariant: with every subject observed in both waves (and an interior subject
    # variance), REML gives the mean of the within-person differences, se = sd(d) / sqrt(n),
    # Satterthwaite df = n - 1: the paired t-test (scipy.stats.ttest_rel).
    df = panel(n=40, p_answer=1.0, seed=3)
    wide = df.pivot(index="respondent", columns="wave", values="score")
    paired = stats.ttest_rel(wide["after"], wide["before"])
    d = wide["after"] - wide["before"]
    res = change_model(df, outcome="score")
    assert not res["boundary"]
    assert res["estimate"] == pytest.approx(d.mean(), abs=1e-10)
    assert res["se"] == pytest.approx(d.std(ddof=1) / np.sqrt(len(d)), rel=1e-8)
    assert res["df"] == pytest.approx(39, rel=1e-8)
    assert res["statistic"] == pytest.approx(paired.statistic, rel=1e-8)
    assert res["p_value"] == pytest.approx(paired.pvalue, rel=1e-7)
    ci = paired.confidence_interval(0.9)
    res90 = change_model(df, outcome="score", confidence=0.9)
    assert (res90["ci_low"], res90["ci_high"]) == pytest.approx((ci.low, ci.high), abs=1e-8)


def test_zero_subject_variance_flags_boundary_and_equals_ols():
    # statsmodels #10239: near-zero random-intercept variance must not zero the fixed effects.
    # With the subject variance on the boundary only the residual variance is free, the
    # Satterthwaite df are n - p and the test is the OLS t-test (statsmodels OLS).
    df = panel(n=200, sd_subject=0.0, p_answer=0.45, seed=0)
    with pytest.warns(ModelFitWarning, match="boundary"):
        res = change_model(df, outcome="score")
    assert res["boundary"]
    assert "boundary" in res["warning"]
    assert res["var_subject"] < 1e-4 * res["var_residual"]
    ols = sm.OLS(df["score"].to_numpy(), sm.add_constant((df["wave"] == "after").astype(float).to_numpy())).fit()
    assert res["estimate"] == pytest.approx(ols.params[1], abs=1e-6)
    assert res["se"] == pytest.approx(ols.bse[1], rel=1e-4)
    assert res["df"] == pytest.approx(ols.df_resid, rel=1e-6)
    assert res["p_value"] == pytest.approx(ols.pvalues[1], rel=1e-3)
    np.testing.assert_allclose([res["ci_low"], res["ci_high"]], ols.conf_int()[1], atol=1e-5)


def test_effect_size_is_change_over_baseline_sd():
    # Hand-computed: before = 1, 2, 3, 4 (sd = sqrt(5/3)); after = 2, 2, 5, 5, so the paired
    # differences 1, 0, 2, 1 have mean 1 = the REML estimate (balanced complete panel) and
    # effect_size = 1 / sqrt(5/3) = sqrt(3/5).
    df = pd.DataFrame({
        "respondent": list("abcd") * 2,
        "wave": pd.Categorical(["before"] * 4 + ["after"] * 4, categories=WAVES, ordered=True),
        "score": [1.0, 2.0, 3.0, 4.0, 2.0, 2.0, 5.0, 5.0],
    })
    res = change_model(df, outcome="score")
    assert res["estimate"] == pytest.approx(1.0, abs=1e-10)
    assert res["baseline_sd"] == pytest.approx(np.sqrt(5 / 3), rel=1e-12)
    assert res["effect_size"] == pytest.approx(np.sqrt(3 / 5), rel=1e-10)
    assert res["effect_size_name"] == "change / baseline SD"
    # exact invariants: the effect interval is the change interval over the same SD, and a
    # linear change of the outcome scale (0-10 instead of 1-5) leaves the effect size unchanged
    sd = res["baseline_sd"]
    assert (res["effect_ci_low"] * sd, res["effect_ci_high"] * sd) == pytest.approx((res["ci_low"], res["ci_high"]))
    survey = panel(seed=12)
    one = change_model(survey, outcome="score")
    rescaled = change_model(survey.assign(score=lambda d: 2.5 * (d["score"] - 1)), outcome="score")
    for field in ("effect_size", "effect_ci_low", "effect_ci_high", "df", "p_value"):
        assert rescaled[field] == pytest.approx(one[field], rel=1e-6), field
    assert rescaled["baseline_sd"] == pytest.approx(2.5 * one["baseline_sd"], rel=1e-12)
    # the reference wave supplies the SD: swapping the reference uses the other wave's SD
    back = change_model(survey, outcome="score", reference="after")
    assert back["baseline_sd"] == pytest.approx(survey.loc[survey["wave"] == "after", "score"].std(), rel=1e-12)


def test_df_fall_back_to_residual_df_with_a_note(monkeypatch):
    df = panel(seed=1)
    reference = change_model(df, outcome="score")
    monkeypatch.setattr(models, "_satterthwaite_df", lambda *args, **kwargs: None)
    with pytest.warns(ModelFitWarning, match="residual df"):
        res = change_model(df, outcome="score")
    assert res["df"] == res["n_obs"] - 2
    assert "Satterthwaite df could not be computed" in res["warning"]
    assert res["estimate"] == reference["estimate"] and res["se"] == reference["se"]
    assert res["p_value"] == pytest.approx(2 * stats.t.sf(abs(res["statistic"]), res["n_obs"] - 2))


def test_reml_derivatives_agree_with_finite_differences(household_survey):
    # Independent check of the analytic gradient, Hessian and dC/dθ against central
    # differences of the REML log-likelihood and covariance from _Blocks.gls.
    frame, y, x, _ = _design(household_survey, outcome="y", wave="wave", subject="person",
                             household="household", covariates=(), reference=None)
    x = x.to_numpy()
    blocks = _Blocks(pd.factorize(frame["household"])[0], pd.factorize(frame["person"])[0], nested=True)
    theta, h = np.array([0.5, 0.3, 0.4]), 1e-4
    _, _, gradient, hessian, dcov = blocks.reml_derivatives(y, x, tuple(theta), [0, 1, 2])
    steps = np.eye(3) * h
    llf = lambda t: blocks.gls(y, x, *t)[2]  # noqa: E731
    num_grad = [(llf(theta + e) - llf(theta - e)) / (2 * h) for e in steps]
    num_hess = [[(llf(theta + e + f) - llf(theta + e - f) - llf(theta - e + f) + llf(theta - e - f)) / (4 * h * h)
                 for f in steps] for e in steps]
    num_dcov = [(blocks.gls(y, x, *(theta + e))[1] - blocks.gls(y, x, *(theta - e))[1]) / (2 * h) for e in steps]
    np.testing.assert_allclose(gradient, num_grad, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(hessian, num_hess, rtol=1e-4, atol=1e-3)
    np.testing.assert_allclose(dcov, num_dcov, rtol=1e-6, atol=1e-10)


def test_satterthwaite_df_scale_to_10000_subjects():
    # Block-wise computation: 10 000 subjects in 5 000 households run in well under a second
    # and never build an n x n matrix (which would need ~1.6 GB here).
    rng = np.random.default_rng(4)
    n = 10_000
    household = np.repeat(np.arange(n // 2), 2)
    subject = np.repeat(np.arange(n), 2)[rng.random(2 * n) < 0.7]
    wave = rng.integers(0, 2, len(subject)).astype(float)
    y = rng.normal(0, 0.5, n)[subject] + 0.2 * wave + rng.normal(0, 0.5, len(subject))
    x = np.column_stack([np.ones(len(y)), wave])
    blocks = _Blocks(household[subject], subject, nested=True)
    dfs = _satterthwaite_df(blocks, y, x, (0.25, 0.1, 0.25), [0, 1, 2], np.eye(2))
    assert dfs is not None and 0 < dfs[1] < len(y) - 2


def test_interior_fit_does_not_warn():
    df = panel(seed=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ModelFitWarning)
        res = change_model(df, outcome="score")
    assert not res["boundary"]
    assert res["var_subject"] > 0.1


def test_reference_level_flips_sign_and_three_waves_give_rows():
    df = panel(seed=2)
    forward = change_model(df, outcome="score")
    backward = change_model(df, outcome="score", reference="after")
    assert backward["contrast"] == "before vs after"
    assert backward["estimate"] == pytest.approx(-forward["estimate"], abs=1e-6)
    assert backward["se"] == pytest.approx(forward["se"], rel=1e-4)

    three = pd.concat([df, panel(seed=4).assign(wave="follow-up")])
    three["wave"] = pd.Categorical(three["wave"], categories=[*WAVES, "follow-up"], ordered=True)
    three["respondent"] = three["respondent"].astype(str)
    table = change_model(three, outcome="score")
    assert isinstance(table, pd.DataFrame)
    assert list(table["contrast"]) == ["after vs before", "follow-up vs before"]


def test_households_with_one_subject_each_are_not_identified():
    df = panel(seed=5).assign(household=lambda d: "h" + d["respondent"])
    with pytest.raises(ValueError, match="single subject.*leave `household` out"):
        change_model(df, outcome="score", household="household")


def test_nested_model_recovers_household_variance():
    rng = np.random.default_rng(11)
    rows = []
    for h in range(250):
        home = rng.normal(0, 0.7)
        for s in range(2):
            person = rng.normal(0, 0.5)
            for w, label in enumerate(WAVES):
                rows.append((f"h{h}", f"h{h}p{s}", label, home + person + 0.3 * w + rng.normal(0, 0.4)))
    df = pd.DataFrame(rows, columns=["household", "respondent", "wave", "score"])
    res = change_model(df, outcome="score", household="household")
    assert res["var_household"] == pytest.approx(0.49, abs=0.15)
    assert res["var_subject"] == pytest.approx(0.25, abs=0.08)
    assert res["var_residual"] == pytest.approx(0.16, abs=0.03)
    assert res["n_households"] == 250 and res["n_subjects"] == 500
    assert "nested in household" in res["method"]


def test_covariates_enter_the_design():
    df = panel(seed=6)
    df["tenure"] = np.where(df["respondent"].str[-1].isin(list("01234")), "owner", "social_rent")
    df["score"] += 0.5 * (df["tenure"] == "social_rent")
    frame, _, x, _ = _design(df, outcome="score", wave="wave", subject="respondent", household=None,
                             covariates=["tenure"], reference=None)
    assert list(x.columns) == ["Intercept", "wave[after]", "tenure[social_rent]"]
    res = change_model(df, outcome="score", covariates=["tenure"])
    assert res["n_obs"] == len(frame)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"outcome": "nope"}, ValueError, r"`outcome`='nope'.*columns present"),
        ({"outcome": "respondent"}, TypeError, "must be numeric"),
        ({"outcome": "score", "reference": "during"}, ValueError, r"waves present: \['before', 'after'\]"),
        ({"outcome": "score", "covariates": ["constant"]}, ValueError, "rank deficient"),
        ({"outcome": "score", "confidence": 95}, ValueError, "between 0 and 1"),
    ],
)
def test_change_model_errors(kwargs, error, match):
    df = panel(seed=7).assign(constant=1.0)
    with pytest.raises(error, match=match):
        change_model(df, **kwargs)


def test_change_model_needs_repeated_subjects_and_two_waves():
    df = panel(seed=8)
    with pytest.raises(ValueError, match="only one complete observation"):
        change_model(df.assign(respondent=[f"x{i}" for i in range(len(df))]), outcome="score")
    with pytest.raises(ValueError, match="at least two waves"):
        change_model(df[df["wave"] == "before"], outcome="score")
    moved = df.copy()
    moved.loc[moved.index[0], "household"] = "elsewhere"
    with pytest.raises(ValueError, match="more than one household"):
        change_model(moved, outcome="score", household="household")
    with pytest.raises(TypeError, match="must be a pandas DataFrame"):
        change_model(df.to_numpy(), outcome="score")


# --------------------------------------------------------------------------- ordinal model
HOUSING_FREQ = [  # MASS::housing$Freq; Sat varies fastest, then Infl, Type, Cont
    21, 21, 28, 34, 22, 36, 10, 11, 36, 61, 23, 17, 43, 35, 40, 26, 18, 54,
    13, 9, 10, 8, 8, 12, 6, 7, 9, 18, 6, 7, 15, 13, 13, 7, 5, 11,
    14, 19, 37, 17, 23, 40, 3, 5, 23, 78, 46, 43, 48, 45, 86, 15, 25, 62,
    20, 23, 20, 10, 22, 24, 7, 10, 21, 57, 23, 13, 31, 21, 13, 5, 6, 13,
]
LMH = ["Low", "Medium", "High"]
TYPES = ["Tower", "Apartment", "Atrium", "Terrace"]


@pytest.fixture(scope="module")
def housing():
    cells = pd.DataFrame(
        [dict(Sat=s, Infl=i, Type=t, Cont=c) for c, t, i, s in itertools.product(["Low", "High"], TYPES, LMH, LMH)]
    )
    df = cells.loc[cells.index.repeat(HOUSING_FREQ)].reset_index(drop=True)
    for col, cats in {"Infl": LMH, "Type": TYPES, "Cont": ["Low", "High"]}.items():
        df[col] = pd.Categorical(df[col], categories=cats, ordered=True)
    df["sat"] = df["Sat"].map({"Low": 1.0, "Medium": 2.0, "High": 3.0})
    df["resident"] = np.arange(len(df))
    return df


def test_ordinal_matches_polr_housing(housing):
    # R: MASS::polr(Sat ~ Infl + Type + Cont, weights = Freq, data = housing)  (MASS 4th ed., §7.3)
    # Coefficients: InflMedium 0.5663937 InflHigh 1.2888191 TypeApartment -0.5723501 TypeAtrium -0.3661866
    #               TypeTerrace -1.0910149 ContHigh 0.3602841; intercepts -0.4961353 0.6907083; deviance 3479.149
    res = ordinal_change_model(housing, outcome="sat", wave="Cont", subject="resident", covariates=["Infl", "Type"])
    assert res["contrast"] == "High vs Low"
    assert res["estimate"] == pytest.approx(0.3602841, abs=5e-4)
    assert res["odds_ratio"] == pytest.approx(1.4337368, abs=1e-3)
    assert (res["n_obs"], res["n_subjects"], res["n_categories"]) == (1681, 1681, 3)
    frame, y, x, _ = _design(housing, outcome="sat", wave="Cont", subject="resident", household=None,
                             covariates=["Infl", "Type"], reference=None)
    fit, _ = _fit_ordinal(pd.Series(y, index=frame.index), x.drop(columns="Intercept"), None)
    np.testing.assert_allclose(
        fit.params.iloc[:6],
        [0.3602841, 0.5663937, 1.2888191, -0.5723501, -0.3661866, -1.0910149], atol=5e-4)
    cuts = fit.model.transform_threshold_params(fit.params.to_numpy())[1:-1]
    np.testing.assert_allclose(cuts, [-0.4961353, 0.6907083], atol=1e-3)
    assert -2 * fit.llf == pytest.approx(3479.149, abs=1e-2)
    # polr's model-based SE of ContHigh, R 4.2.2, MASS 7.3-58.2:
    # R: fit <- MASS::polr(Sat ~ Infl + Type + Cont, weights = Freq, data = housing, Hess = TRUE)
    #    summary(fit)$coefficients["ContHigh", ]   # Value 0.3602841499474, Std. Error 0.0955357993227
    # (The value 0.09541 this test used before does not reproduce with this MASS.) statsmodels'
    # OrderedModel SE (numerical Hessian at its own optimum) is 0.0955359, within 1e-7 of polr's.
    assert fit.bse.iloc[0] == pytest.approx(0.0955357993227, rel=1e-5)


def test_ordinal_cluster_se_matches_sandwich_vcovcl(housing):
    # One observation per subject: the cluster-robust SE is R's sandwich::vcovCL with HC1, whose
    # adjustment G/(G-1) * (N-1)/(N-K) is statsmodels' cluster factor. R 4.2.2, MASS 7.3-58.2,
    # sandwich 3.0-2:
    # R: long <- housing[rep(seq_len(nrow(housing)), housing$Freq), ]; long$id <- seq_len(nrow(long))
    #    fit <- MASS::polr(Sat ~ Infl + Type + Cont, data = long, Hess = TRUE)
    #    sqrt(sandwich::vcovCL(fit, cluster = ~ id, type = "HC1")["ContHigh", "ContHigh"])
    #    # 0.0964859782047
    res = ordinal_change_model(housing, outcome="sat", wave="Cont", subject="resident", covariates=["Infl", "Type"])
    assert res["se"] == pytest.approx(0.0964859782047, rel=1e-5)
    assert res["estimate"] == pytest.approx(0.360284149825, abs=1e-4)


def test_ordinal_cluster_se_ignores_duplicated_answers(housing):
    # Duplicating every row within its subject doubles the naive information but not the
    # cluster-robust one. R 4.2.2, MASS 7.3-58.2, sandwich 3.0-2, on the same 400 rows
    # (housing.sample(400, random_state=1) written to sample.csv, columns Sat, Cont, resident):
    # s <- read.csv("sample.csv"); s$Sat <- factor(s$Sat, c("Low", "Medium", "High"), ordered = TRUE)
    # s$Cont <- factor(s$Cont, c("Low", "High"))
    # for (d in list(s, rbind(s, s))) {fit <- MASS::polr(Sat ~ Cont, data = d, Hess = TRUE)
    #   sqrt(sandwich::vcovCL(fit, cluster = ~ resident, type = "HC1")["ContHigh", "ContHigh"])}
    #   once: ContHigh 0.122905699883806, SE 0.192007121275986
    #   twice: ContHigh 0.122905708224143, SE 0.191765451564568
    # (statsmodels' optimum differs from polr's by ~3e-5 in the coefficient.)
    sample = housing.sample(400, random_state=1)
    once = ordinal_change_model(sample, outcome="sat", wave="Cont", subject="resident")
    twice = ordinal_change_model(pd.concat([sample, sample]), outcome="sat", wave="Cont", subject="resident")
    assert once["estimate"] == pytest.approx(0.122905699883806, abs=1e-4)
    assert twice["estimate"] == pytest.approx(once["estimate"], abs=1e-5)
    assert once["se"] == pytest.approx(0.192007121275986, rel=1e-5)
    assert twice["se"] == pytest.approx(0.191765451564568, rel=1e-5)
    assert twice["n_subjects"] == 400 and twice["n_obs"] == 800


def test_ordinal_errors():
    df = panel(seed=9).assign(item=lambda d: np.clip(np.round(d["score"]), 1, 5))
    with pytest.raises(ValueError, match="single value"):
        ordinal_change_model(df.assign(item=3.0), outcome="item")
    with pytest.raises(ValueError, match=r"`subject`='id'"):
        ordinal_change_model(df, outcome="item", subject="id")
    with pytest.raises(TypeError, match="must be numeric"):
        ordinal_change_model(df.assign(item=df["item"].astype(str)), outcome="item")

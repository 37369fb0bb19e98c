"""Tests for evaluation.models: reference values (lme4, MASS::polr) and exact invariants."""
from __future__ import annotations

import itertools
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from evaluation.models import (
    ModelFitWarning,
    _Blocks,
    _design,
    _fit_ordinal,
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
def test_dietox_matches_lme4():
    # R: lme4::lmer(Weight ~ Time + (1 | Pig), data = dietox, REML = TRUE)
    # fixef: 15.723523, 6.942505; SE 0.78805374, 0.03338727; Pig var 40.39395; residual 11.36692
    dietox = pd.read_csv(DATA / "dietox.csv")
    res = change_model(dietox, outcome="Weight", wave="Time", subject="Pig")
    assert res["contrast"] == "per unit of Time"
    assert res["estimate"] == pytest.approx(6.942505, abs=1e-5)
    assert res["se"] == pytest.approx(0.03338727, rel=1e-4)
    assert res["var_subject"] == pytest.approx(40.39395, rel=1e-4)
    assert res["var_residual"] == pytest.approx(11.36692, rel=1e-4)
    assert (res["n_obs"], res["n_subjects"]) == (861, 72)
    assert res["converged"] and not res["boundary"] and res["warning"] == ""
    assert np.isnan(res["n_households"]) and np.isnan(res["var_household"])
    # the intercept, from the same GLS step at the reported variances
    frame, y, x, _ = _design(dietox, outcome="Weight", wave="Time", subject="Pig", household=None,
                             covariates=(), reference=None)
    pigs = frame["Pig"].to_numpy()
    beta, cov, _ = _Blocks(pigs, pigs, nested=False).gls(
        y, x.to_numpy(), res["var_subject"], 0.0, res["var_residual"])
    np.testing.assert_allclose(beta, [15.723523, 6.942505], atol=2e-5)
    np.testing.assert_allclose(np.sqrt(np.diag(cov)), [0.78805374, 0.03338727], rtol=1e-4)
    z = res["estimate"] / res["se"]
    assert res["statistic"] == pytest.approx(z)
    assert res["ci_high"] - res["estimate"] == pytest.approx(1.959964 * res["se"], rel=1e-6)


def test_balanced_complete_panel_equals_paired_difference():
    # Exact invariant: with every subject observed in both waves, REML gives the mean of the
    # within-person differences and se = sd(d) / sqrt(n) (compound symmetry, balanced design).
    df = panel(n=40, p_answer=1.0, seed=3)
    wide = df.pivot(index="respondent", columns="wave", values="score")
    d = wide["after"] - wide["before"]
    res = change_model(df, outcome="score")
    assert res["estimate"] == pytest.approx(d.mean(), abs=1e-10)
    assert res["se"] == pytest.approx(d.std(ddof=1) / np.sqrt(len(d)), rel=1e-4)
    assert res["p_value"] == pytest.approx(2 * (1 - __import__("scipy").stats.norm.cdf(abs(res["statistic"]))))


def test_zero_subject_variance_flags_boundary_and_equals_ols():
    # statsmodels #10239: near-zero random-intercept variance must not zero the fixed effects.
    df = panel(n=200, sd_subject=0.0, p_answer=0.45, seed=0)
    with pytest.warns(ModelFitWarning, match="boundary"):
        res = change_model(df, outcome="score")
    assert res["boundary"]
    assert "boundary" in res["warning"]
    assert res["var_subject"] < 1e-4 * res["var_residual"]
    ols = sm.OLS(df["score"].to_numpy(), sm.add_constant((df["wave"] == "after").astype(float).to_numpy())).fit()
    assert res["estimate"] == pytest.approx(ols.params[1], abs=1e-6)
    assert res["se"] == pytest.approx(ols.bse[1], rel=1e-4)


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
    # polr's model-based SE of ContHigh (summary(house.plr)): 0.09541
    assert fit.bse.iloc[0] == pytest.approx(0.09541, abs=5e-4)


def test_ordinal_cluster_se_is_the_sandwich(housing):
    # With one observation per subject, the cluster covariance is the HC0 sandwich
    # H^-1 (sum_i s_i s_i') H^-1, times statsmodels' factor G/(G-1) * (N-1)/(N-K).
    res = ordinal_change_model(housing, outcome="sat", wave="Cont", subject="resident", covariates=["Infl", "Type"])
    frame, y, x, _ = _design(housing, outcome="sat", wave="Cont", subject="resident", household=None,
                             covariates=["Infl", "Type"], reference=None)
    fit, _ = _fit_ordinal(pd.Series(y, index=frame.index), x.drop(columns="Intercept"), None)
    p = fit.params.to_numpy()
    scores, h_inv = fit.model.score_obs(p), np.linalg.inv(fit.model.hessian(p))
    sandwich = h_inv @ scores.T @ scores @ h_inv
    n, k = len(y), len(p)
    factor = n / (n - 1) * (n - 1) / (n - k)
    assert res["se"] == pytest.approx(np.sqrt(factor * sandwich[0, 0]), rel=1e-4)


def test_ordinal_cluster_se_ignores_duplicated_answers(housing):
    # Duplicating every row within its subject doubles the naive information but not the
    # cluster-robust one: SE changes only by the small-sample factor ratio.
    sample = housing.sample(400, random_state=1)
    once = ordinal_change_model(sample, outcome="sat", wave="Cont", subject="resident")
    twice = ordinal_change_model(pd.concat([sample, sample]), outcome="sat", wave="Cont", subject="resident")
    g, k = 400, 3
    ratio = np.sqrt(((2 * g - 1) / (2 * g - k)) / ((g - 1) / (g - k)))
    assert twice["estimate"] == pytest.approx(once["estimate"], abs=1e-5)
    assert twice["se"] == pytest.approx(once["se"] * ratio, rel=1e-4)
    assert twice["n_subjects"] == 400 and twice["n_obs"] == 800


def test_ordinal_errors():
    df = panel(seed=9).assign(item=lambda d: np.clip(np.round(d["score"]), 1, 5))
    with pytest.raises(ValueError, match="single value"):
        ordinal_change_model(df.assign(item=3.0), outcome="item")
    with pytest.raises(ValueError, match=r"`subject`='id'"):
        ordinal_change_model(df, outcome="item", subject="id")
    with pytest.raises(TypeError, match="must be numeric"):
        ordinal_change_model(df.assign(item=df["item"].astype(str)), outcome="item")

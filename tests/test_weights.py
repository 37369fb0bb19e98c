"""Tests for evaluation.weights: exact invariants of raking, Kish n_eff and propensity weights."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from evaluation.weights import attrition_table, attrition_weights, effective_n, rake

TENURE = {"owner": 90, "social_rent": 70, "private_rent": 40}
AGE = {"<40": 60, "40-65": 90, "65+": 50}


@pytest.fixture
def sample():
    rng = np.random.default_rng(1)
    n = 95
    return pd.DataFrame({
        "tenure": rng.choice(list(TENURE), n, p=[0.6, 0.25, 0.15]),
        "age_group": rng.choice(list(AGE), n, p=[0.2, 0.4, 0.4]),
        "design": rng.uniform(0.5, 2.0, n),
    }, index=pd.RangeIndex(100, 100 + n))


def weighted_margin(df, w, column):
    return w.groupby(df[column]).sum()


# --------------------------------------------------------------------------- rake
def test_raked_margins_equal_targets(sample):
    w = rake(sample, margins={"tenure": TENURE, "age_group": AGE})
    assert w.name == "weight" and w.index.equals(sample.index)
    for column, targets in {"tenure": TENURE, "age_group": AGE}.items():
        got = weighted_margin(sample, w, column)
        for category, target in targets.items():
            assert got[category] == pytest.approx(target, abs=1e-6)
    assert w.sum() == pytest.approx(200, abs=1e-6)


def test_shares_scale_weights_to_sample_size(sample):
    shares = {k: v / 200 for k, v in TENURE.items()}
    w = rake(sample, margins={"tenure": shares})
    assert w.sum() == pytest.approx(len(sample), abs=1e-8)
    assert w.mean() == pytest.approx(1.0)
    # one margin: w = target share * n / count in the category (analytic, one sweep)
    counts = sample["tenure"].value_counts()
    for category, share in shares.items():
        assert w[sample["tenure"] == category].iloc[0] == pytest.approx(share * len(sample) / counts[category])


def test_matching_sample_gets_constant_weights():
    df = pd.DataFrame({"tenure": ["owner"] * 9 + ["social_rent"] * 7 + ["private_rent"] * 4,
                       "age_group": ["<40", "40-65"] * 10})
    margins = {"tenure": {k: v for k, v in TENURE.items()},
               "age_group": {"<40": 100, "40-65": 100}}
    w = rake(df, margins=margins)
    np.testing.assert_allclose(w, 10.0, rtol=1e-12)


def test_base_weights_keep_their_ratios_within_a_category(sample):
    w = rake(sample, margins={"tenure": TENURE}, weight="design")
    ratio = w / sample["design"]
    spread = ratio.groupby(sample["tenure"]).agg(lambda r: r.max() / r.min() - 1)
    np.testing.assert_allclose(spread, 0, atol=1e-12)
    same = rake(sample, margins={"tenure": TENURE}, weight=sample["design"].to_numpy())
    np.testing.assert_allclose(same, w)


def test_raking_preserves_cross_product_ratio():
    # IPF multiplies weights by row and column factors, so the cell odds ratio of the weighted
    # 2 x 2 table equals that of the starting table (Deming & Stephan 1940).
    df = pd.DataFrame({"a": list("xxxxxyyy") * 3, "b": list("pqpqpqpp") * 3})
    w = rake(df, margins={"a": {"x": 50, "y": 50}, "b": {"p": 30, "q": 70}})
    table = w.groupby([df["a"], df["b"]]).sum().unstack()
    start = df.groupby(["a", "b"]).size().unstack()
    odds = lambda t: t.loc["x", "p"] * t.loc["y", "q"] / (t.loc["x", "q"] * t.loc["y", "p"])  # noqa: E731
    assert odds(table) == pytest.approx(odds(start), rel=1e-8)
    assert table.sum(axis=1)["x"] == pytest.approx(50, abs=1e-6)


def test_trimmed_weights_respect_bounds_and_margins(sample):
    untrimmed = rake(sample, margins={"tenure": TENURE, "age_group": AGE})
    assert untrimmed.max() / untrimmed.mean() > 3.0
    w = rake(sample, margins={"tenure": TENURE, "age_group": AGE}, trim=(0.3, 3.0))
    assert w.max() <= 3.0 * w.mean() * (1 + 1e-8)
    assert w.min() >= 0.3 * w.mean() * (1 - 1e-8)
    for column, targets in {"tenure": TENURE, "age_group": AGE}.items():
        for category, target in targets.items():
            assert weighted_margin(sample, w, column)[category] == pytest.approx(target, abs=1e-5)


def test_infeasible_trim_is_reported(sample):
    # '<40' holds 12 of 95 respondents but 30% of the population: its mean weight must be
    # 60 / 12 = 5, i.e. 2.4 x the mean weight 200 / 95, so an upper bound of 2 cannot hold.
    assert (sample["age_group"] == "<40").sum() == 12
    with pytest.raises(ValueError, match="did not converge.*loosen `trim`"):
        rake(sample, margins={"tenure": TENURE, "age_group": AGE}, trim=(0.5, 2.0))


@pytest.mark.parametrize(
    ("margins", "kwargs", "match"),
    [
        ({"tenure": {"owner": 90, "social_rent": 110}}, {}, r"categories without a target: \['private_rent'\]"),
        ({"tenure": {**TENURE, "student": 10}}, {}, r"no respondents in 'tenure' = 'student'.*merge"),
        ({"tenure": TENURE, "age_group": {"<40": 1, "40-65": 1}}, {}, "different totals"),
        ({"tenure": TENURE, "age_group": AGE}, {"max_iter": 1}, r"did not converge in 1 iterations.*max_iter"),
        ({"tenure": TENURE}, {"trim": (2, 3)}, "0 <= lower < 1 < upper"),
        ({"tenure": TENURE}, {"weight": [1.0, 2.0]}, "one positive, finite starting weight"),
        ({"tenure": TENURE}, {"weight": "nope"}, r"`weight`='nope'"),
        ({"wijk": {"a": 1}}, {}, r"`margins\['wijk'\]`='wijk'"),
    ],
)
def test_rake_errors(sample, margins, kwargs, match):
    with pytest.raises(ValueError, match=match):
        rake(sample, margins=margins, **kwargs)


def test_rake_rejects_missing_values(sample):
    df = sample.astype({"tenure": object})
    df.loc[df.index[0], "tenure"] = None
    with pytest.raises(ValueError, match="'tenure' has 1 missing value"):
        rake(df, margins={"tenure": TENURE})
    with pytest.raises(TypeError, match="non-empty dict"):
        rake(sample, margins={})


# --------------------------------------------------------------------------- effective_n
def test_effective_n_invariants():
    assert effective_n(np.ones(37)) == pytest.approx(37)
    w = np.random.default_rng(3).uniform(0.2, 5, 50)
    assert effective_n(w) == pytest.approx(effective_n(7.5 * w))
    assert effective_n(w) < 50
    # Kish: n / n_eff = 1 + CV^2 with the population CV (ddof=0)
    assert 50 / effective_n(w) == pytest.approx(1 + (w.std() / w.mean()) ** 2)
    assert effective_n([1, 1, 2, 4]) == pytest.approx(64 / 22)
    assert effective_n([1.0, np.nan, 1.0]) == pytest.approx(2)
    with pytest.raises(ValueError, match="non-negative"):
        effective_n([1, -1, 2])
    with pytest.raises(ValueError, match="no positive weight"):
        effective_n([0, 0])


# --------------------------------------------------------------------------- attrition
@pytest.fixture
def baseline():
    rng = np.random.default_rng(7)
    n = 4000
    df = pd.DataFrame({
        "age": rng.normal(50, 15, n),
        "tenure": pd.Categorical(rng.choice(list(TENURE), n, p=[0.45, 0.35, 0.2]), categories=list(TENURE)),
    })
    # known propensity: older people and owners stay more often
    logit = -1.0 + 0.03 * (df["age"] - 50) + np.where(df["tenure"] == "owner", 1.0, 0.0)
    df["stayed"] = rng.random(n) < 1 / (1 + np.exp(-logit))
    return df


def test_attrition_table_numeric_and_categorical(baseline):
    t = attrition_table(baseline, stayed="stayed", variables=["age", "tenure"])
    assert list(t.columns) == ["variable", "level", "n_stayers", "n_leavers", "mean_stayers",
                               "mean_leavers", "difference", "smd"]
    age = t.iloc[0]
    s, l = baseline.loc[baseline["stayed"], "age"], baseline.loc[~baseline["stayed"], "age"]
    pooled = np.sqrt(((len(s) - 1) * s.var() + (len(l) - 1) * l.var()) / (len(s) + len(l) - 2))
    assert age["smd"] == pytest.approx((s.mean() - l.mean()) / pooled, rel=1e-12)
    assert age["smd"] > 0.2  # the simulated attrition is selective on age
    owner = t[(t["variable"] == "tenure") & (t["level"] == "owner")].iloc[0]
    ps = (baseline.loc[baseline["stayed"], "tenure"] == "owner").mean()
    pl = (baseline.loc[~baseline["stayed"], "tenure"] == "owner").mean()
    assert owner["mean_stayers"] == pytest.approx(ps)
    assert owner["smd"] == pytest.approx((ps - pl) / np.sqrt((ps * (1 - ps) + pl * (1 - pl)) / 2))
    assert list(t.loc[t["variable"] == "tenure", "level"]) == list(TENURE)
    assert owner["n_stayers"] + owner["n_leavers"] == len(baseline)


def test_attrition_weights_balance_known_propensity(baseline):
    w = attrition_weights(baseline, stayed="stayed", covariates=["age", "tenure"])
    assert w.index.equals(baseline.index)
    assert w[~baseline["stayed"]].isna().all() and (w[baseline["stayed"]] > 1).all()
    # the weighted stayers estimate the size of the baseline sample
    assert w.sum() == pytest.approx(len(baseline), rel=0.01)
    balance = w.attrs["balance"].set_index("term")
    # weighting moves stayers' means to the baseline means (simulation, n = 4000)
    np.testing.assert_allclose(balance["weighted_mean"], balance["baseline_mean"], atol=0.02 * 15)
    assert balance.loc["tenure[social_rent]", "weighted_mean"] == pytest.approx(
        balance.loc["tenure[social_rent]", "baseline_mean"], abs=0.01)
    assert abs(balance.loc["age", "stayers_mean"] - balance.loc["age", "baseline_mean"]) > 1.0


def test_saturated_attrition_weights_reproduce_category_counts_exactly(baseline):
    w = attrition_weights(baseline, stayed="stayed", covariates=["tenure"])
    weighted = w.groupby(baseline["tenure"], observed=True).sum()
    counts = baseline["tenure"].value_counts()
    for category in TENURE:
        assert weighted[category] == pytest.approx(counts[category], rel=1e-8)


def test_attrition_weights_trim(baseline):
    w = attrition_weights(baseline, stayed=baseline["stayed"].to_numpy(), covariates=["age", "tenure"],
                          trim=1.5)
    stayers = w.dropna()
    assert stayers.max() <= 1.5 * stayers.mean() * (1 + 1e-9)
    untrimmed = attrition_weights(baseline, stayed="stayed", covariates=["age", "tenure"])
    assert stayers.sum() == pytest.approx(untrimmed.sum())


def test_attrition_errors(baseline):
    with pytest.raises(ValueError, match="True for every respondent"):
        attrition_weights(baseline.assign(stayed=True), stayed="stayed", covariates=["age"])
    with pytest.raises(ValueError, match="has 3 values but `baseline` has 4000 rows"):
        attrition_table(baseline, stayed=[True, False, True], variables=["age"])
    with pytest.raises(ValueError, match="True/False"):
        attrition_table(baseline.assign(stayed="yes"), stayed="stayed", variables=["age"])
    with pytest.raises(ValueError, match=r"`covariates\[0\]`='income'"):
        attrition_weights(baseline, stayed="stayed", covariates=["income"])
    separated = baseline.assign(flag=baseline["stayed"].map({True: "a", False: "b"}))
    with pytest.raises(ValueError, match="perfectly predicted"):
        attrition_weights(separated, stayed="stayed", covariates=["flag"])

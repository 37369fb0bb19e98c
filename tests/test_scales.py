"""Tests for evaluation.scales: scoring, alpha, omega and item statistics."""
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from evaluation.scales import cronbach_alpha, mcdonald_omega, reliability, score_scales

DATA = Path(__file__).parent / "data"


def _exact_covariance_sample(cov, n=200, seed=0):
    """Data whose sample covariance (ddof=1) equals `cov` exactly."""
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(n, cov.shape[0]))
    z -= z.mean(axis=0)
    z = z @ np.linalg.inv(np.linalg.cholesky(np.cov(z, rowvar=False))).T
    return pd.DataFrame(z @ np.linalg.cholesky(cov).T + 3, columns=[f"q{i}" for i in range(cov.shape[0])])


@pytest.fixture
def responses():
    return pd.DataFrame({
        "respondent": ["r1", "r2", "r3", "r1"],
        "wave": ["before", "before", "before", "after"],
        "tru1": [4.0, 2.0, np.nan, 5.0],
        "tru2": [5.0, np.nan, np.nan, 4.0],
        "tru3": [2.0, 1.0, 3.0, 1.0],
        "coh1": [1.0, 5.0, 3.0, 2.0],
        "coh2": [1.0, 5.0, 4.0, 2.0],
    })


SCALES = {
    "trust": {"items": ["tru1", "tru2", "tru3"], "reverse": ["tru3"], "min_items": 2,
              "min": 1, "max": 5},
    "cohesion": {"items": ["coh1", "coh2"], "min_items": 2, "min": 1, "max": 5,
                 "rescale_0_10": True},
}


# ----------------------------------------------------------------------------- scores
def test_score_scales_reverse_min_items_rescale(responses):
    out = score_scales(responses, scales=SCALES)
    assert list(out.columns) == ["respondent", "wave", "scale", "score", "n_items"]
    trust = out[out["scale"] == "trust"]
    # r1 before: (4 + 5 + (1 + 5 - 2)) / 3; r2: (2 + 5) / 2; r3: one item < min_items
    np.testing.assert_allclose(trust["score"], [13 / 3, 3.5, np.nan, 14 / 3])
    assert trust["n_items"].tolist() == [3, 2, 1, 3]
    coh = out[out["scale"] == "cohesion"]
    np.testing.assert_allclose(coh["score"], [0.0, 10.0, (3.5 - 1) / 4 * 10, 2.5])
    assert out["scale"].dtype == "str"


def test_score_scales_rescale_override(responses):
    off = score_scales(responses, scales=SCALES, rescale=False)
    assert off.loc[off["scale"] == "cohesion", "score"].tolist() == [1.0, 5.0, 3.5, 2.0]
    on = score_scales(responses, scales=SCALES, rescale=True)
    assert on.loc[on["scale"] == "trust", "score"].iloc[0] == pytest.approx((13 / 3 - 1) / 4 * 10)


def test_score_scales_errors(responses):
    bad = {"trust": {"items": ["tru1", "tru9"]}}
    with pytest.raises(ValueError, match=r"'tru9'.*Available columns: respondent, wave, tru1"):
        score_scales(responses, scales=bad)
    with pytest.raises(ValueError, match=r"reverse-keys \['coh1'\]"):
        score_scales(responses, scales={"t": {"items": ["tru1"], "reverse": ["coh1"]}})
    with pytest.raises(ValueError, match=r"`id_cols` \['household'\]"):
        score_scales(responses, scales=SCALES, id_cols=["household"])
    out_of_range = responses.assign(tru1=[8.0, 2, 3, 4])
    with pytest.raises(ValueError, match=r"'tru1'.*value 8 outside the answer range 1..5"):
        score_scales(out_of_range, scales=SCALES)
    with pytest.raises(TypeError, match=r"'tru2'.*numeric answer codes"):
        score_scales(responses.assign(tru2=["a", "b", "c", "d"]), scales=SCALES)


# ----------------------------------------------------------------------------- alpha
def test_alpha_pingouin_wide_missing():
    # pingouin.cronbach_alpha(read_dataset("cronbach_wide_missing")) -> 0.732661 [0.435, 0.909]
    # (= psych::alpha(use = "pairwise")); listwise 0.801695.
    data = pd.read_csv(DATA / "cronbach_wide_missing.csv")
    res = cronbach_alpha(data)
    assert res["alpha"] == pytest.approx(0.732661, abs=1e-6)
    assert res["ci_low"] == pytest.approx(0.435, abs=5e-4)
    assert res["ci_high"] == pytest.approx(0.909, abs=5e-4)
    assert (res["n"], res["n_items"]) == (12, 11)
    listwise = cronbach_alpha(data, missing="listwise")
    assert listwise["alpha"] == pytest.approx(0.801695, abs=1e-6)
    assert listwise["n"] == 9


def test_alpha_pingouin_likert():
    # pingouin cronbach_alpha dataset: alpha 0.592 [0.195, 0.840] (pingouin tests, vs psych).
    long = pd.read_csv(DATA / "cronbach_alpha_long.csv")
    res = cronbach_alpha(long.pivot(index="Subj", columns="Items", values="Scores"))
    assert res["alpha"] == pytest.approx(0.592, abs=5e-4)
    assert res["ci_low"] == pytest.approx(0.195, abs=5e-4)
    assert res["ci_high"] == pytest.approx(0.840, abs=5e-4)


def test_alpha_feldt_interval_level():
    data = pd.read_csv(DATA / "cronbach_wide_missing.csv")
    wide = cronbach_alpha(data, confidence=0.99)
    narrow = cronbach_alpha(data, confidence=0.80)
    assert wide["ci_low"] < narrow["ci_low"] < narrow["alpha"] < narrow["ci_high"] < wide["ci_high"]


def test_alpha_errors():
    with pytest.raises(ValueError, match=r"at least two"):
        cronbach_alpha(pd.DataFrame({"a": [1, 2, 3]}))
    with pytest.raises(ValueError, match=r"`missing` must be"):
        cronbach_alpha(pd.DataFrame({"a": [1, 2, 3], "b": [1, 2, 3]}), missing="mean")
    with pytest.raises(ValueError, match=r"zero total variance"):
        cronbach_alpha(pd.DataFrame({"a": [2, 2, 2], "b": [2, 2, 2]}))
    with pytest.raises(TypeError, match=r"non-numeric column\(s\) \['b'\]"):
        cronbach_alpha(pd.DataFrame({"a": [1, 2, 3], "b": ["x", "y", "z"]}))


# ----------------------------------------------------------------------------- omega
@pytest.mark.parametrize("errors", [[0.4] * 5, [0.3, 0.5, 0.4, 0.6, 0.2]])
def test_omega_equals_alpha_for_tau_equivalent_items(errors):
    lam = np.full(5, 0.7)
    data = _exact_covariance_sample(np.outer(lam, lam) + np.diag(errors))
    assert mcdonald_omega(data)["omega_total"] == pytest.approx(cronbach_alpha(data)["alpha"], abs=1e-6)


def test_omega_recovers_congeneric_population_value():
    lam = np.array([0.4, 0.6, 0.8, 0.9, 0.5])
    psi = np.array([0.3, 0.5, 0.4, 0.6, 0.2])
    data = _exact_covariance_sample(np.outer(lam, lam) + np.diag(psi))
    expected = lam.sum() ** 2 / (lam.sum() ** 2 + psi.sum())
    res = mcdonald_omega(data)
    assert res["omega_total"] == pytest.approx(expected, abs=1e-6)
    assert res["omega_total"] > cronbach_alpha(data)["alpha"]  # alpha is a lower bound


def test_omega_needs_three_items():
    with pytest.raises(ValueError, match=r"at least three"):
        mcdonald_omega(pd.DataFrame({"a": [1.0, 2, 3, 4], "b": [2.0, 1, 3, 4]}))


# ----------------------------------------------------------------------------- reliability
def test_reliability_scale_and_item_levels():
    lam = np.array([0.6, 0.7, 0.8, 0.7])
    keyed = _exact_covariance_sample(np.outer(lam, lam) + np.diag(1 - lam**2))
    # q3 stored reverse-worded: with min + max = 0 the spec's keying (min + max - x) undoes it
    data = keyed.assign(q3=-keyed["q3"])
    spec = {"s": {"items": ["q0", "q1", "q2", "q3"], "reverse": ["q3"], "min": -100, "max": 100}}
    out = reliability(data, scales=spec)
    assert list(out.columns) == ["scale", "n", "n_items", "alpha", "alpha_ci_low", "alpha_ci_high", "omega"]
    ref = cronbach_alpha(keyed, missing="listwise")
    assert out.loc[0, "alpha"] == pytest.approx(ref["alpha"])
    assert out.loc[0, "alpha_ci_low"] == pytest.approx(ref["ci_low"])
    assert out.loc[0, "omega"] == pytest.approx(mcdonald_omega(keyed)["omega_total"])
    assert (out.loc[0, "n"], out.loc[0, "n_items"]) == (200, 4)

    items = reliability(data, scales=spec, level="item")
    assert list(items.columns) == ["scale", "item", "n", "mean", "sd", "item_rest_r", "alpha_if_deleted"]
    rest = keyed[["q1", "q2", "q3"]].sum(axis=1)
    assert items.loc[0, "item_rest_r"] == pytest.approx(np.corrcoef(keyed["q0"], rest)[0, 1])
    assert items.loc[0, "alpha_if_deleted"] == pytest.approx(cronbach_alpha(keyed[["q1", "q2", "q3"]])["alpha"])
    assert items.loc[3, "mean"] == pytest.approx(keyed["q3"].mean())
    assert (items["item_rest_r"] > 0).all()  # reverse keying applied


def test_reliability_short_scale_and_listwise(responses):
    out = reliability(responses, scales=SCALES)
    trust = out.set_index("scale").loc["trust"]
    assert trust["n"] == 2  # listwise within the scale: r1 twice has all three items
    assert np.isnan(trust["alpha"]) and np.isnan(trust["omega"])  # too few rows
    with pytest.raises(ValueError, match=r"`level` must be"):
        reliability(responses, scales=SCALES, level="items")

"""Tests for evaluation.compare.compare_waves: R reference values, invariants, errors, coverage."""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from evaluation.compare import compare_waves
from evaluation.models import ModelFitWarning, change_model
from evaluation.stats import mean_ci, proportion_ci

WAVES = ["before", "after"]
G1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0]
G2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4]


def long(before: dict, after: dict, **extra) -> pd.DataFrame:
    rows = [(s, "before", v) for s, v in before.items()] + [(s, "after", v) for s, v in after.items()]
    df = pd.DataFrame(rows, columns=["respondent", "wave", "y"])
    df["wave"] = pd.Categorical(df["wave"], categories=WAVES, ordered=True)
    return df.assign(**extra)


@pytest.fixture
def sleep():
    ids = [f"p{i}" for i in range(10)]
    return long(dict(zip(ids, G1)), dict(zip(ids, G2)))


def test_sleep_reference_values(sleep):
    # R: t.test(extra ~ group, data = sleep, paired = TRUE)  -> t = -4.0621, df = 9, p = 0.002833,
    #    CI -2.4598858 -0.7001142 (group1 - group2); here after - before, so signs flip.
    # R: t.test(extra ~ group, data = sleep)  (Welch) -> t = -1.8608, df = 17.776, p = 0.07939
    row = compare_waves(sleep, outcomes="y").iloc[0]
    assert row["statistic"] == pytest.approx(4.0621, abs=1e-4)
    assert row["df"] == 9
    assert row["p_value"] == pytest.approx(0.002833, abs=1e-6)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((0.7001142, 2.4598858), abs=1e-6)
    assert row["effect_size"] == pytest.approx(1.285, abs=1e-3)
    assert row["cs_estimate"] == pytest.approx(1.58)
    assert row["cs_p_value"] == pytest.approx(0.07939, abs=1e-5)
    assert row["p_adjusted"] == row["p_value"]  # a family of one
    assert (row["n_before"], row["n_after"], row["n_pairs"]) == (10, 10, 10)
    assert row["group"] == "all" and row["note"] == ""


def test_partial_overlap_pairs_and_cross_sections():
    df = long({"a": 1, "b": 2, "c": 3, "d": 5}, {"a": 2, "b": 4, "c": 3, "e": 1, "f": 2})
    row = compare_waves(df, outcomes=["y"]).iloc[0]
    assert (row["n_before"], row["n_after"], row["n_pairs"]) == (4, 5, 3)
    assert row["estimate"] == pytest.approx(1.0)  # (1 + 2 + 0) / 3 on a, b, c
    assert row["cs_estimate"] == pytest.approx(12 / 5 - 11 / 4)
    assert row["mean_before"] == pytest.approx(11 / 4)


def test_descriptives_use_fpc_weights_and_agree_codes():
    rng = np.random.default_rng(4)
    ids = [f"r{i}" for i in range(30)]
    df = long(dict(zip(ids, rng.integers(1, 6, 30))), dict(zip(ids[:25], rng.integers(1, 6, 25))),
              w=rng.uniform(0.5, 2, 55))
    row = compare_waves(df, outcomes="y", population=60, agree={"y": [4, 5]}).iloc[0]
    before = df.loc[df["wave"] == "before", "y"]
    ref = mean_ci(before, population=60)
    assert (row["mean_before_ci_low"], row["mean_before_ci_high"]) == pytest.approx((ref["ci_low"], ref["ci_high"]))
    # Cochran (1977, eq. 2.12) / R survey with fpc: SE = sqrt(1 - n/N) * s / sqrt(n), n = 30 of N = 60
    half = sps.t.ppf(0.975, 29) * before.std(ddof=1) / np.sqrt(30) * np.sqrt(1 - 30 / 60)
    assert row["mean_before_ci_high"] - row["mean_before"] == pytest.approx(half)
    agree = proportion_ci(before.isin([4, 5]).astype(float), population=60)
    assert row["pct_agree_before"] == pytest.approx(100 * agree["proportion"])
    assert row["pct_agree_before_ci_low"] == pytest.approx(100 * agree["ci_low"])
    weighted = compare_waves(df, outcomes="y", weights="w").iloc[0]
    b = df[df["wave"] == "before"]
    assert weighted["mean_before"] == pytest.approx(np.average(b["y"], weights=b["w"]))
    assert weighted["estimate"] == pytest.approx(row["estimate"])  # tests stay unweighted
    # everyone in the population answered: zero-width interval
    full = compare_waves(df, outcomes="y", population=30).iloc[0]
    assert full["mean_before_ci_low"] == pytest.approx(full["mean_before"])


def test_groups_families_and_holm():
    rng = np.random.default_rng(5)
    ids = [f"r{i}" for i in range(40)]
    base = long(dict(zip(ids, rng.normal(3, 1, 40))), dict(zip(ids, rng.normal(3.4, 1, 40))))
    base["z"] = base["y"] + rng.normal(0, 1, 80)
    base["q"] = rng.normal(0, 1, 80)
    base["tenure"] = np.where(base["respondent"].str[-1].isin(list("01234")), "owner", "rent")
    fam = {"y": "cohesion", "z": "cohesion", "q": "trust"}
    table = compare_waves(base, outcomes=["y", "z", "q"], families=fam)
    coh = table[table["family"] == "cohesion"]
    p = coh["p_value"].to_numpy()
    holm = np.minimum(1, np.maximum.accumulate(np.sort(p) * [2, 1]))[np.argsort(np.argsort(p))]
    np.testing.assert_allclose(coh["p_adjusted"], holm)
    trust = table[table["family"] == "trust"].iloc[0]
    assert trust["p_adjusted"] == trust["p_value"]
    by = compare_waves(base, outcomes=["y"], by="tenure", population={"owner": 50, "rent": 50})
    assert list(by["group"]) == ["owner", "rent"] and by["n_pairs"].sum() == 40
    owners = base[base["tenure"] == "owner"]
    assert by.iloc[0]["estimate"] == pytest.approx(compare_waves(owners, outcomes="y").iloc[0]["estimate"])


def test_too_few_pairs_give_nan_and_a_note():
    df = long({"a": 1, "b": 2, "c": 3}, {"a": 2, "d": 4, "e": 3})
    df["flat"] = 3.0
    table = compare_waves(df, outcomes=["y", "flat"])
    y = table.iloc[0]
    assert np.isnan(y["estimate"]) and np.isnan(y["p_adjusted"]) and "fewer than two complete pairs (1)" in y["note"]
    assert not np.isnan(y["cs_estimate"])
    assert "fewer than two complete pairs" in table.iloc[1]["note"]


def test_columns_are_documented(sleep):
    columns = list(compare_waves(sleep, outcomes="y", agree={"y": [1]}).columns)
    doc = compare_waves.__doc__
    for column in columns:
        assert column in doc, column
    assert columns[:3] == ["outcome", "group", "family"] and columns[-1] == "note"
    assert columns.index("p_adjusted") == columns.index("p_value") + 1


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"outcomes": "y", "before": "t0"}, ValueError, r"`before`='t0'.*waves present: \['before', 'after'\]"),
        ({"outcomes": "nope"}, ValueError, r"`outcomes\[0\]`='nope'"),
        ({"outcomes": "respondent"}, TypeError, "must be numeric"),
        ({"outcomes": "y", "population": {"a": 10}}, ValueError, "`by` is None"),
        ({"outcomes": "y", "families": {"x": "f"}}, ValueError, r"no family for \['y'\]"),
        ({"outcomes": "y", "paired_method": "sign"}, ValueError, "`paired_method`='sign'"),
        ({"outcomes": "y", "agree": {"z": [4]}}, ValueError, "not in `outcomes`"),
        ({"outcomes": "y", "before": "after", "after": "after"}, ValueError, "both 'after'"),
    ],
)
def test_errors(sleep, kwargs, error, match):
    with pytest.raises(error, match=match):
        compare_waves(sleep, **kwargs)


def test_unordered_waves_and_duplicates(sleep):
    plain = sleep.assign(wave=sleep["wave"].astype(str))
    with pytest.raises(ValueError, match="pass `before` and `after`"):
        compare_waves(plain, outcomes="y")
    row = compare_waves(plain, outcomes="y", before="before", after="after").iloc[0]
    assert row["statistic"] == pytest.approx(4.0621, abs=1e-4)
    with pytest.raises(ValueError, match="more than one row in wave"):
        compare_waves(pd.concat([sleep, sleep.iloc[:1]]), outcomes="y")
    scores = pd.DataFrame({"respondent": ["a"], "wave": ["before"], "scale": ["coh"], "score": [3.0]})
    with pytest.raises(ValueError, match="pivot it wide"):
        compare_waves(scores, outcomes="coh")


# --------------------------------------------------------------------------- coverage simulation
def simulate_wave_pair(rng, *, population=200, per_wave=90, panel=45, shift=0.3, sd_person=0.6, sd_noise=0.5):
    """A street of `population` people with random intercepts; two samples sharing `panel` people."""
    person = rng.normal(0, sd_person, population)
    first = rng.choice(population, per_wave, replace=False)
    stay = rng.choice(first, panel, replace=False)
    fresh = rng.choice(np.setdiff1d(np.arange(population), first), per_wave - panel, replace=False)
    ids = np.concatenate([first, stay, fresh])
    wave = np.repeat([0, 1], per_wave)
    return ids, wave, 3 + person[ids] + shift * wave + rng.normal(0, sd_noise, 2 * per_wave)


@pytest.mark.slow
def test_ci_coverage_of_paired_change_and_change_model():
    rng = np.random.default_rng(20240601)
    reps, shift = 200, 0.3
    wide = pd.DataFrame({"respondent": np.tile(np.arange(200), 2), "wave": np.repeat(WAVES, 200)})
    wide["wave"] = pd.Categorical(wide["wave"], categories=WAVES, ordered=True)
    outcomes, model_hits = {}, 0
    for r in range(reps):
        ids, wave, y = simulate_wave_pair(rng, shift=shift)
        column = np.full(400, np.nan)
        column[wave * 200 + ids] = y  # row = wave * 200 + person in `wide`
        outcomes[f"rep{r}"] = column
        data = pd.DataFrame({"respondent": ids, "wave": pd.Categorical.from_codes(wave, WAVES, ordered=True),
                             "y": y})
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ModelFitWarning)
            fit = change_model(data, outcome="y")
        model_hits += fit["ci_low"] <= shift <= fit["ci_high"]
    wide = pd.concat([wide, pd.DataFrame(outcomes)], axis=1)
    table = compare_waves(wide, outcomes=list(outcomes), population=200)
    assert (table["n_pairs"] == 45).all() and (table["n_before"] == 90).all()
    paired = ((table["ci_low"] <= shift) & (shift <= table["ci_high"])).mean()
    assert 0.92 <= paired <= 0.98
    assert 0.92 <= model_hits / reps <= 0.98

"""Tests for evaluation.agreement against published reference values and exact invariants."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from evaluation.agreement import (
    POOLED,
    agreement_by_code,
    brennan_prediger,
    cohen_kappa,
    fleiss_kappa,
    gwet_ac1,
    krippendorff_alpha,
    unitizing_alpha,
)

NA = np.nan

# ---------------------------------------------------------------------------------------------
# reference data (all published; no personal data)
# ---------------------------------------------------------------------------------------------
# Krippendorff (2011) "Computing Krippendorff's alpha-reliability", section C: 4 coders × 12
# units with missing values. Same data as R irrCAC::cac.raw4raters (transposed).
KRIPP_2011 = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, NA, NA, NA],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NA, 3],
    [NA, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NA],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NA],
]
# Fleiss (1971) psychiatric diagnoses, 30 subjects × 6 raters = R irr::diagnoses (coded 1..5),
# as tabulated in statsmodels/stats/tests/test_inter_rater.py.
DIAGNOSES = np.array(
    [
        [4, 4, 4, 4, 4, 4], [2, 2, 2, 5, 5, 5], [2, 3, 3, 3, 3, 5], [5, 5, 5, 5, 5, 5],
        [2, 2, 2, 4, 4, 4], [1, 1, 3, 3, 3, 3], [3, 3, 3, 3, 5, 5], [1, 1, 3, 3, 3, 4],
        [1, 1, 4, 4, 4, 4], [5, 5, 5, 5, 5, 5], [1, 4, 4, 4, 4, 4], [1, 2, 4, 4, 4, 4],
        [2, 2, 2, 3, 3, 3], [1, 4, 4, 4, 4, 4], [2, 2, 4, 4, 4, 5], [3, 3, 3, 3, 3, 5],
        [1, 1, 1, 4, 5, 5], [1, 1, 1, 1, 1, 2], [2, 2, 4, 4, 4, 4], [1, 3, 3, 5, 5, 5],
        [5, 5, 5, 5, 5, 5], [2, 4, 4, 4, 4, 4], [2, 2, 4, 5, 5, 5], [1, 1, 4, 4, 4, 4],
        [1, 4, 4, 4, 4, 5], [2, 2, 2, 2, 2, 4], [1, 1, 1, 1, 5, 5], [2, 2, 4, 4, 4, 4],
        [1, 3, 3, 3, 3, 3], [5, 5, 5, 5, 5, 5],
    ]
)
# R irr::anxiety, 20 subjects × 3 raters (as in statsmodels' inter-rater tests).
ANXIETY = np.array(
    [3, 3, 3, 4, 5, 5, 2, 3, 5, 2, 2, 6, 1, 5, 2, 2, 1, 2, 4, 3,
     3, 6, 4, 6, 2, 4, 2, 4, 3, 3, 2, 3, 3, 3, 2, 2, 1, 3, 3, 4,
     2, 1, 4, 4, 3, 2, 1, 6, 1, 1, 1, 2, 3, 3, 1, 1, 3, 3, 2, 2]
).reshape(20, 3, order="F")
# R irrCAC::distrib.6raters: 15 patients, counts of 6 psychiatrists per category.
DISTRIB_6RATERS = [
    [0, 0, 0, 6, 0], [0, 3, 0, 0, 3], [0, 1, 4, 0, 1], [0, 0, 0, 0, 6], [0, 3, 0, 3, 0],
    [2, 0, 4, 0, 0], [0, 0, 4, 0, 2], [2, 0, 3, 1, 0], [2, 0, 0, 4, 0], [0, 0, 0, 0, 6],
    [1, 0, 0, 5, 0], [1, 1, 0, 4, 0], [0, 3, 3, 0, 0], [1, 0, 0, 5, 0], [0, 2, 0, 3, 1],
]
DIAGNOSIS_CATEGORIES = ["Depression", "Personality", "Schizophrenia", "Neurosis", "Other"]
# R irrCAC::cont3x3abstractors: 100 pregnancies classified by two abstractors.
ABSTRACTORS = [[13, 0, 0], [0, 20, 7], [0, 4, 56]]


def expand_table(table):
    """Two label vectors from a contingency table (rows = coder A, columns = coder B)."""
    a, b = [], []
    for i, row in enumerate(table):
        for j, count in enumerate(row):
            a += [i] * count
            b += [j] * count
    return np.array(a), np.array(b)


def expand_distribution(distribution, categories):
    """Subjects × raters labels from a subjects × categories count table."""
    return [sum(([c] * k for c, k in zip(categories, row, strict=True)), []) for row in distribution]


def study(units, shift=0):
    """Segments from DKPro-style units (offset, length, rater, category)."""
    frame = pd.DataFrame(units, columns=["start", "length", "coder", "code"])
    frame["start"] = frame["start"] - shift
    return frame.assign(end=frame["start"] + frame["length"]).drop(columns="length")


# ---------------------------------------------------------------------------------------------
# Cohen's kappa
# ---------------------------------------------------------------------------------------------
def test_cohen_two_by_two():
    # [[20, 5], [10, 15]]: p_o = 35/50 = .70, p_e = (25*30 + 25*20)/50^2 = .50 -> kappa = .40
    # (Wikipedia "Cohen's kappa", worked example)
    res = cohen_kappa(*expand_table([[20, 5], [10, 15]]))
    assert res["kappa"] == pytest.approx(0.40, abs=1e-12)
    assert res["p_observed"] == pytest.approx(0.70)
    assert res["p_expected"] == pytest.approx(0.50)
    assert res["n"] == 50


@pytest.mark.parametrize(
    ("weights", "expected"),
    [
        # SAS PROC FREQ AGREE printout for the 3×3 table [[0,4,1],[0,8,0],[0,1,5]]
        # (reproduced in statsmodels' TestUnweightedCohens / TestWeightedCohens):
        # kappa, ASE, 95% CI, z under H0, two-sided p
        (None, (0.4842, 0.1380, 0.2137, 0.7547, 3.2626, 0.0011)),
        ("linear", (0.4701, 0.1457, 0.1845, 0.7558, 3.2971, 0.0010)),
    ],
)
def test_cohen_against_sas(weights, expected):
    res = cohen_kappa(*expand_table([[0, 4, 1], [0, 8, 0], [0, 1, 5]]), weights=weights)
    got = res[["kappa", "se", "ci_low", "ci_high", "z", "p_value"]].astype(float).to_numpy()
    np.testing.assert_allclose(got, expected, atol=6e-5)


@pytest.mark.parametrize(
    ("weights", "kappa", "z", "p"),
    [
        # R: irr::kappa2(anxiety[, 2:3]);  kappa2(..., "equal");  kappa2(..., "squared")
        (None, -0.006289308, -0.0604067, 0.9518317),
        ("linear", 0.1459075, 1.282472, 0.1996772),
        ("quadratic", 0.2520325, 1.437451, 0.1505898),
    ],
)
def test_cohen_weighted_against_irr(weights, kappa, z, p):
    res = cohen_kappa(ANXIETY[:, 1], ANXIETY[:, 2], weights=weights)
    assert res["kappa"] == pytest.approx(kappa, abs=1e-7)
    assert res["z"] == pytest.approx(z, abs=1e-5)
    assert res["p_value"] == pytest.approx(p, abs=1e-6)


def test_cohen_against_irrcac_abstractors():
    # R: irrCAC::kappa2.table(cont3x3abstractors) -> 0.7964094
    assert cohen_kappa(*expand_table(ABSTRACTORS))["kappa"] == pytest.approx(0.7964094, abs=1e-7)


def test_cohen_invariants():
    a, b = expand_table([[7, 2, 1], [3, 9, 2], [0, 4, 12]])
    assert cohen_kappa(a, a)["kappa"] == pytest.approx(1.0)
    assert cohen_kappa(a, b)["kappa"] == pytest.approx(cohen_kappa(b, a)["kappa"])
    # weighting is irrelevant with two categories
    binary_a, binary_b = expand_table([[10, 3], [4, 8]])
    assert cohen_kappa(binary_a, binary_b, weights="quadratic")["kappa"] == pytest.approx(
        cohen_kappa(binary_a, binary_b)["kappa"]
    )
    # pairs with a missing label are dropped
    res = cohen_kappa(list(a) + [None, 1], list(b) + [2, NA])
    assert res["n"] == len(a)
    assert res["kappa"] == pytest.approx(cohen_kappa(a, b)["kappa"])


def test_cohen_text_labels_with_categories_order():
    a = ["low", "mid", "high", "mid", "low", "high", "mid"]
    b = ["low", "high", "high", "mid", "mid", "high", "mid"]
    order = ["low", "mid", "high"]
    coded = {c: i for i, c in enumerate(order)}
    res = cohen_kappa(a, b, categories=order, weights="linear")
    same = cohen_kappa([coded[x] for x in a], [coded[x] for x in b], weights="linear")
    assert res["kappa"] == pytest.approx(same["kappa"])


def test_cohen_errors():
    with pytest.raises(ValueError, match="`a` has 3 labels but `b` has 2"):
        cohen_kappa([1, 2, 3], [1, 2])
    with pytest.raises(ValueError, match="share no unit"):
        cohen_kappa([1, NA], [NA, 2])
    with pytest.raises(ValueError, match="`weights` must be None, 'linear' or 'quadratic'"):
        cohen_kappa([1, 2, 3], [1, 2, 2], weights="cubic")
    with pytest.raises(TypeError, match="pass `categories` in their order"):
        cohen_kappa(["a", "b"], ["a", "a"], weights="linear")
    with pytest.raises(ValueError, match=r"not in `categories`"):
        cohen_kappa([1, 2, 3], [1, 2, 2], categories=[1, 2])
    with pytest.raises(ValueError, match="`confidence` must be between 0 and 1"):
        cohen_kappa([1, 2], [1, 2], confidence=95)


# ---------------------------------------------------------------------------------------------
# Fleiss' kappa, Gwet's AC1, Brennan–Prediger
# ---------------------------------------------------------------------------------------------
def test_fleiss_diagnoses():
    # Fleiss (1971): kappa = .430.  R: irr::kappam.fleiss(diagnoses) -> Kappa = 0.4302445,
    # z = 17.65183 (SE under H0 of Fleiss, Nee & Landis 1979)
    res = fleiss_kappa(DIAGNOSES)
    assert res["kappa"] == pytest.approx(0.4302445, abs=1e-7)
    assert res["z"] == pytest.approx(17.65183, abs=1e-5)
    assert res["p_value"] < 1e-60
    assert (res["n_subjects"], res["n_raters"]) == (30, 6)


def test_fleiss_with_missing_against_irrcac():
    # R: irrCAC::fleiss.kappa.raw(cac.raw4raters) -> pa 0.8181818, pe 0.2387153, 0.76117
    res = fleiss_kappa(np.array(KRIPP_2011, dtype=float).T)
    assert res["p_observed"] == pytest.approx(0.8181818, abs=1e-7)
    assert res["p_expected"] == pytest.approx(0.2387153, abs=1e-7)
    assert res["kappa"] == pytest.approx(0.76117, abs=5e-6)
    assert np.isnan(res["se"])  # unequal numbers of raters: H0 formula does not apply


def test_fleiss_distribution_and_two_raters_against_irrcac():
    # R: irrCAC::fleiss.kappa.dist(distrib.6raters) -> 0.4139265, pe 0.2340741
    res = fleiss_kappa(expand_distribution(DISTRIB_6RATERS, DIAGNOSIS_CATEGORIES))
    assert res["kappa"] == pytest.approx(0.4139265, abs=1e-7)
    assert res["p_expected"] == pytest.approx(0.2340741, abs=1e-7)
    # two raters: Fleiss' kappa is Scott's pi. R: irrCAC::scott2.table(cont3x3abstractors)
    assert fleiss_kappa(np.column_stack(expand_table(ABSTRACTORS)))["kappa"] == pytest.approx(
        0.7962397, abs=1e-7
    )


def test_gwet_against_irrcac():
    # R: irrCAC::gwet.ac1.raw(cac.raw4raters) -> pa 0.8181818, pe 0.1903212, AC1 0.77544,
    # se 0.14295 (published in the irrCAC README/vignette)
    res = gwet_ac1(np.array(KRIPP_2011, dtype=float).T)
    assert res["ac1"] == pytest.approx(0.77544, abs=5e-6)
    assert res["se"] == pytest.approx(0.14295, abs=5e-6)
    assert res["p_observed"] == pytest.approx(0.8181818, abs=1e-7)
    assert res["p_expected"] == pytest.approx(0.1903212, abs=1e-7)
    # R: irrCAC::gwet.ac1.dist(distrib.6raters) -> 0.4448007, se 0.08418757, pa 0.5511111,
    # pe 0.1914815
    res = gwet_ac1(expand_distribution(DISTRIB_6RATERS, DIAGNOSIS_CATEGORIES))
    np.testing.assert_allclose(
        res[["ac1", "se", "p_observed", "p_expected"]].astype(float),
        [0.4448007, 0.08418757, 0.5511111, 0.1914815],
        atol=1e-7,
    )
    # R: irrCAC::gwet.ac1.table(cont3x3abstractors) -> 0.8493305
    ac1 = gwet_ac1(np.column_stack(expand_table(ABSTRACTORS)))["ac1"]
    assert ac1 == pytest.approx(0.8493305, abs=1e-7)


def test_brennan_prediger_against_irrcac():
    # R: irrCAC::bp.coeff.raw(cac.raw4raters) -> 0.77273 (pe = 1/5)
    res = brennan_prediger(np.array(KRIPP_2011, dtype=float).T)
    assert res["kappa"] == pytest.approx(0.77273, abs=5e-6)
    assert res["p_expected"] == pytest.approx(0.2)
    # R: irrCAC::bp.coeff.dist(distrib.6raters) -> 0.4388889
    ratings = expand_distribution(DISTRIB_6RATERS, DIAGNOSIS_CATEGORIES)
    assert brennan_prediger(ratings)["kappa"] == pytest.approx(0.4388889, abs=1e-7)
    # R: irrCAC::bp2.table(cont3x3abstractors) -> 0.835
    ratings = np.column_stack(expand_table(ABSTRACTORS))
    assert brennan_prediger(ratings)["kappa"] == pytest.approx(0.835, abs=1e-12)


def test_multi_rater_invariants():
    perfect = [["a", "a", "a"], ["b", "b", "b"], ["c", "c", NA]]
    assert fleiss_kappa(perfect)["kappa"] == pytest.approx(1.0)
    assert gwet_ac1(perfect)["ac1"] == pytest.approx(1.0)
    assert brennan_prediger(perfect)["kappa"] == pytest.approx(1.0)
    # unused categories change AC1 and BP (q), not Fleiss' kappa
    more = ["a", "b", "c", "d"]
    ratings = [["a", "b", "a"], ["b", "b", "b"], ["c", "a", "c"], ["a", "a", "a"]]
    assert fleiss_kappa(ratings, categories=more)["kappa"] == pytest.approx(fleiss_kappa(ratings)["kappa"])
    assert brennan_prediger(ratings, categories=more)["p_expected"] == pytest.approx(0.25)
    # rater order does not matter
    shuffled = DIAGNOSES[:, [3, 0, 5, 1, 4, 2]]
    assert gwet_ac1(shuffled)["ac1"] == pytest.approx(gwet_ac1(DIAGNOSES)["ac1"])
    # a subject nobody rated is ignored
    with_empty = np.vstack([DIAGNOSES.astype(float), np.full(6, NA)])
    assert fleiss_kappa(with_empty)["kappa"] == pytest.approx(0.4302445, abs=1e-7)
    # no variation at all: chance agreement is 1 and kappa is undefined
    assert np.isnan(fleiss_kappa([["a", "a"], ["a", "a"]])["kappa"])


@pytest.mark.parametrize("function", [fleiss_kappa, gwet_ac1, brennan_prediger])
def test_multi_rater_errors(function):
    with pytest.raises(ValueError, match="at least two"):
        function([[1], [2], [3]])
    with pytest.raises(ValueError, match="2-D table"):
        function([1, 2, 3])
    with pytest.raises(ValueError, match="no ratings: every value is missing"):
        function([[NA, NA], [None, NA]])
    with pytest.raises(ValueError, match="no subject was rated by two or more coders"):
        function([[1, NA], [NA, 2]])
    with pytest.raises(TypeError, match="mix numbers and text"):
        function([[1, "a"], [2, "b"]])


# ---------------------------------------------------------------------------------------------
# Krippendorff's alpha
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("level", "expected"),
    # Krippendorff (2011), section C: nominal .743, ordinal .815, interval .849, ratio .797
    [("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849), ("ratio", 0.797)],
)
def test_krippendorff_2011_levels(level, expected):
    res = krippendorff_alpha(KRIPP_2011, level=level)
    assert res["alpha"] == pytest.approx(expected, abs=5e-4)
    # unit 12 has a single value and is not pairable: 11 units, 40 pairable values
    assert (res["n_units"], res["n_pairable_values"], res["n_coders"]) == (11, 40, 4)


def test_krippendorff_2011_nominal_details():
    # By hand from the coincidence matrix (n = 40 pairable values): off-diagonal coincidences
    # sum to 8 and sum_{c != k} n_c n_k = 1216, so alpha = 1 - (n - 1) * 8 / 1216.
    # R: irrCAC::krippen.alpha.raw(cac.raw4raters) -> 0.74342
    res = krippendorff_alpha(KRIPP_2011)
    assert res["alpha"] == pytest.approx(1 - 39 * 8 / 1216, abs=1e-12)
    assert res["alpha"] == pytest.approx(0.74342, abs=5e-6)
    assert res["d_observed"] == pytest.approx(8 / 40)


def test_krippendorff_2011_binary_and_two_coders():
    # Krippendorff (2011) section A: binary data, two coders, 10 units -> alpha = .095
    data = [[0, 1, 0, 0, 0, 0, 0, 0, 1, 0], [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]]
    assert krippendorff_alpha(data)["alpha"] == pytest.approx(0.095, abs=5e-4)
    # section B: nominal data, coders Ben and Gerry, 12 units -> alpha = .692
    # (R irrCAC::cac.ben.gerry)
    ben, gerry = list("aabbdcccedda"), list("babbbccceddd")
    assert krippendorff_alpha([ben, gerry])["alpha"] == pytest.approx(0.692, abs=5e-4)


def test_krippendorff_against_irrcac():
    # R: irrCAC::krippen2.table(cont3x3abstractors) -> 0.7972585;
    #    irrCAC::krippen.alpha.dist(distrib.6raters) -> 0.4204384
    ratings = np.column_stack(expand_table(ABSTRACTORS))
    assert krippendorff_alpha(ratings.T)["alpha"] == pytest.approx(0.7972585, abs=1e-7)
    ratings = np.array(expand_distribution(DISTRIB_6RATERS, DIAGNOSIS_CATEGORIES))
    assert krippendorff_alpha(ratings.T)["alpha"] == pytest.approx(0.4204384, abs=1e-7)


def test_krippendorff_equals_corrected_scott_pi():
    # two coders, no missing values: alpha = 1 - (1 - pi)(2N - 1)/(2N), pi = Scott's pi
    a, b = expand_table([[9, 3, 1], [2, 11, 4], [1, 2, 7]])
    n = len(a)
    scott_pi = fleiss_kappa(np.column_stack([a, b]))["kappa"]
    assert krippendorff_alpha([a, b])["alpha"] == pytest.approx(1 - (1 - scott_pi) * (2 * n - 1) / (2 * n))


def test_krippendorff_invariants():
    perfect = [[1, 2, 3, 4, NA], [1, 2, 3, 4, 5], [1, NA, 3, 4, 5]]
    for level in ("nominal", "ordinal", "interval", "ratio"):
        assert krippendorff_alpha(perfect, level=level)["alpha"] == pytest.approx(1.0)
    # relabelling values and reordering coders leaves nominal alpha unchanged
    labels = {1: "e", 2: "d", 3: "c", 4: "b", 5: "a"}
    relabelled = [[labels.get(v, None) for v in row] for row in KRIPP_2011]
    assert krippendorff_alpha(relabelled[::-1])["alpha"] == pytest.approx(krippendorff_alpha(KRIPP_2011)["alpha"])
    # interval alpha is invariant to linear transformations of the values
    shifted = (np.array(KRIPP_2011) * 3 + 7).tolist()
    assert krippendorff_alpha(shifted, level="interval")["alpha"] == pytest.approx(0.849, abs=5e-4)
    # no variation: undefined
    assert np.isnan(krippendorff_alpha([[1, 1], [1, 1]])["alpha"])


def test_krippendorff_errors():
    with pytest.raises(ValueError, match="`level` must be one of"):
        krippendorff_alpha(KRIPP_2011, level="metric")
    with pytest.raises(TypeError, match="level='interval' needs numeric values.*'a'"):
        krippendorff_alpha([["a", "b"], ["a", "a"]], level="interval")
    with pytest.raises(ValueError, match="no ratings: every value is missing"):
        krippendorff_alpha([[NA, NA], [NA, NA]])
    with pytest.raises(ValueError, match="1 coder"):
        krippendorff_alpha([[1, 2, 3]])
    with pytest.raises(ValueError, match="no unit in `data` was coded by two or more coders"):
        krippendorff_alpha([[1, NA], [NA, 2]])
    with pytest.raises(ValueError, match="rectangular"):
        krippendorff_alpha([[1, 2, 3], [1, 2]])
    with pytest.raises(ValueError, match="non-negative"):
        krippendorff_alpha([[-1, 2], [1, 2]], level="ratio")


# ---------------------------------------------------------------------------------------------
# unitizing alpha: the examples encoded in DKPro Agreement's tests
# (dkpro/dkpro-statistics, dkpro-statistics-agreement/src/test/java/org/dkpro/statistics/
#  agreement/unitizing/{Krippendorff2004Test, Krippendorff1995Test, UnitizingAgreementTest}.java),
# with DKPro's tolerances.
# ---------------------------------------------------------------------------------------------
# Krippendorff (2004, p. 254): 2 coders, continuum begins at 150 with length 300;
# units (offset, length, coder, category). Shifted to start at 0 (alpha is shift invariant).
K2004 = study(
    [
        (225, 70, 0, "c"), (370, 30, 0, "c"), (220, 80, 1, "c"), (355, 20, 1, "c"),
        (400, 20, 1, "c"), (180, 60, 0, "k"), (300, 50, 0, "k"), (180, 60, 1, "k"),
        (300, 50, 1, "k"),
    ],
    shift=150,
)


def test_unitizing_krippendorff_2004():
    c = unitizing_alpha(K2004, code="c", continuum_length=300)
    assert c["d_observed"] == pytest.approx(0.0144, abs=1e-4)
    assert c["d_expected"] == pytest.approx(0.0532, abs=1e-4)
    assert c["alpha"] == pytest.approx(0.7286, abs=1e-4)
    k = unitizing_alpha(K2004, code="k", continuum_length=300)
    assert k["d_observed"] == pytest.approx(0.0, abs=1e-4)
    assert k["d_expected"] == pytest.approx(0.0490, abs=1e-4)
    assert k["alpha"] == pytest.approx(1.0, abs=1e-4)
    overall = unitizing_alpha(K2004, continuum_length=300)
    assert overall["alpha"] == pytest.approx(0.8591, abs=5e-4)
    assert overall["code"] == POOLED


def k1995(stretch):
    """Krippendorff (1995, p. 57): four pairs of coders, categories A-D, continuum 24 * stretch."""
    units = [
        (2, 8, 0, "A"), (14, 6, 0, "A"), (4, 4, 1, "A"), (15, 2, 1, "A"),
        (0, 18, 0, "B"), (0, 2, 1, "B"), (2, 1, 1, "B"), (3, 1, 1, "B"), (4, 1, 1, "B"),
        (5, 1, 1, "B"), (6, 3, 1, "B"), (9, 1, 1, "B"),
        (2, 6, 0, "C"), (10, 2, 0, "C"), (14, 4, 0, "C"), (20, 2, 0, "C"), (0, 2, 1, "C"),
        (4, 4, 1, "C"), (10, 4, 1, "C"), (16, 2, 1, "C"), (20, 2, 1, "C"),
        (0, 2, 0, "D"), (2, 8, 0, "D"), (10, 4, 0, "D"), (14, 6, 0, "D"), (20, 4, 0, "D"),
        (0, 4, 1, "D"), (4, 4, 1, "D"), (8, 7, 1, "D"), (15, 2, 1, "D"), (17, 7, 1, "D"),
    ]
    scaled = [(int(o * stretch), int(n * stretch), r, c) for o, n, r, c in units]
    return study(scaled), int(24 * stretch)


def test_unitizing_krippendorff_1995_observed():
    segments, length = k1995(1)
    expected = {"A": 0.03125, "B": 2.26736, "C": 0.02777, "D": 0.38715}
    for code, d_observed in expected.items():
        res = unitizing_alpha(segments, code=code, continuum_length=length)
        assert res["d_observed"] == pytest.approx(d_observed, abs=1e-5)


def test_unitizing_krippendorff_1995_expected():
    # DKPro notes an error in D_e of the original paper, hence its tolerances (.005, .02)
    segments, length = k1995(1200000 / 24)
    expected = {
        "A": (0.06990, 0.553), "B": (1.17731, -0.926), "C": (0.08642, 0.679), "D": (0.41445, 0.066)
    }
    for code, (d_expected, alpha) in expected.items():
        res = unitizing_alpha(segments, code=code, continuum_length=length)
        assert res["d_expected"] == pytest.approx(d_expected, abs=0.005)
        assert res["alpha"] == pytest.approx(alpha, abs=0.02)


@pytest.mark.parametrize(
    ("stretch", "d_expected", "tolerance", "alpha"),
    [
        (12 / 24, 0.05494, 1e-5, 0.494),
        (120 / 24, 0.08234, 0.005, 0.663),
        (1200 / 24, 0.08600, 0.005, 0.677),
        (12000 / 24, 0.08638, 0.005, 0.678),
        (120000 / 24, 0.08642, 0.005, 0.679),
    ],
)
def test_unitizing_krippendorff_1995_varying_lengths(stretch, d_expected, tolerance, alpha):
    segments, length = k1995(stretch)
    # only code C is assessed (at stretch 1/2 some B units would have length 0)
    res = unitizing_alpha(segments[segments["code"] == "C"], code="C", continuum_length=length)
    assert res["d_observed"] == pytest.approx(0.02777, abs=1e-5)
    assert res["d_expected"] == pytest.approx(d_expected, abs=tolerance)
    assert res["alpha"] == pytest.approx(alpha, abs=0.02)


def test_unitizing_dkpro_small_examples():
    # UnitizingAgreementTest.testAgreement: r0 -11111111-, r1 --1-1-1---
    segments = study([(1, 8, 0, "A"), (2, 1, 1, "A"), (4, 1, 1, "A"), (6, 1, 1, "A")])
    res = unitizing_alpha(segments, code="A", continuum_length=10)
    assert res["d_observed"] == pytest.approx(0.9100, abs=1e-4)
    assert res["d_expected"] == pytest.approx(0.5351, abs=1e-4)
    assert res["alpha"] == pytest.approx(-0.7003, abs=1e-4)
    # testSingleAnnotationUnit: 3 raters, one unit of length 1 on a continuum of 20 -> 0.0
    # (D_o = D_e = 1/600 here; DKPro returns exactly 0 in that case)
    single = study([(0, 1, 0, "X")])
    assert unitizing_alpha(single, coders=[0, 1, 2], continuum_length=20)["alpha"] == pytest.approx(0.0, abs=1e-12)


def test_unitizing_hand_computed_and_invariants():
    # L = 100. Coder A: unit [0, 40); coder B: units [0, 30) and [50, 60).
    # D_o: A[0,40) vs B[0,30) -> 0^2 + 10^2; B[50,60) inside A's gap [40,100) -> 10^2;
    #      2 * 200 / (2 * 1 * 100^2) = 0.02
    # D_e: units 40, 30, 10 (N = 3); gaps 60 (A), 20 and 40 (B)
    #      l=40: 2*(2*40^3-3*40^2+40)/3 + 40^2*(21+1)   = 82160 + 35200 = 117360
    #      l=30: 2*(2*30^3-3*30^2+30)/3 + 30^2*(31+11)  = 34220 + 37800 =  72020
    #      l=10: 2*(2*10^3-3*10^2+10)/3 + 10^2*(51+11+31) = 1140 + 9300 =  10440
    #      (2/100) * 199820 / (200*199 - (40*39 + 30*29 + 10*9)) = 3996.4 / 37280
    segments = pd.DataFrame({"code": "x", "start": [0, 0, 50], "end": [40, 30, 60], "coder": ["A", "B", "B"]})
    res = unitizing_alpha(segments, continuum_length=100)
    assert res["d_observed"] == pytest.approx(0.02)
    assert res["d_expected"] == pytest.approx(3996.4 / 37280)
    assert res["alpha"] == pytest.approx(1 - 0.02 * 37280 / 3996.4)
    # identical segmentations agree perfectly
    same = pd.DataFrame({"code": "x", "start": [5, 5, 50, 50], "end": [20, 20, 70, 70], "coder": list("ABAB")})
    assert unitizing_alpha(same, continuum_length=100)["alpha"] == pytest.approx(1.0)
    # overlapping segments of one coder are merged: same result as their union
    split = pd.DataFrame({"code": "x", "start": [0, 20, 0, 50], "end": [25, 40, 30, 60], "coder": list("AABB")})
    assert unitizing_alpha(split, continuum_length=100)["alpha"] == pytest.approx(res["alpha"])
    # coder labels and order do not matter
    swapped = segments.assign(coder=segments["coder"].map({"A": "B", "B": "A"}))
    assert unitizing_alpha(swapped, continuum_length=100)["alpha"] == pytest.approx(res["alpha"])


def test_unitizing_documents():
    # two documents are one continuum of total length whose gaps stop at document borders;
    # a document only one coder worked on is left out
    segments = pd.DataFrame(
        {
            "document": ["d1", "d1", "d2", "d2", "d3"],
            "code": "x",
            "start": [0, 0, 10, 12, 0],
            "end": [10, 10, 20, 20, 5],
            "coder": ["A", "B", "A", "B", "A"],
        }
    )
    res = unitizing_alpha(segments, continuum_length={"d1": 50, "d2": 50, "d3": 50})
    assert res["continuum_length"] == 100
    assert res["n_segments"] == 4
    # D_o: only d2 disagrees: (10-12)^2 + 0 = 4 -> 2*4/(2*1*100^2)
    assert res["d_observed"] == pytest.approx(8 / 20000)


def test_unitizing_errors():
    with pytest.raises(ValueError, match=r"lacks column\(s\) \['coder'\]"):
        unitizing_alpha(pd.DataFrame({"code": ["x"], "start": [0], "end": [1]}))
    with pytest.raises(ValueError, match="`segments` is empty"):
        unitizing_alpha(pd.DataFrame(columns=["code", "start", "end", "coder"]))
    with pytest.raises(ValueError, match="end <= start"):
        unitizing_alpha(pd.DataFrame({"code": "x", "start": [5, 1], "end": [5, 3], "coder": ["A", "B"]}))
    with pytest.raises(ValueError, match="at least two coders"):
        unitizing_alpha(pd.DataFrame({"code": "x", "start": [0], "end": [3], "coder": ["A"]}))
    with pytest.raises(ValueError, match="`code` 'y' does not occur"):
        unitizing_alpha(K2004, code="y", continuum_length=300)
    with pytest.raises(ValueError, match="beyond its length 100"):
        unitizing_alpha(K2004, continuum_length=100)
    with pytest.raises(TypeError, match="must be a DataFrame"):
        unitizing_alpha([(0, 1, "A", "x")])


# ---------------------------------------------------------------------------------------------
# agreement per code
# ---------------------------------------------------------------------------------------------
def window_case():
    # one document of 100 code points, windows of 10 -> 10 units.
    # code x: coder A in units 0-3 ([0, 40)), coder B in units 0-2 and 5 ([0, 30), [50, 60))
    # code y: both coders in unit 7 only
    segments = pd.DataFrame(
        {
            "document": "d1",
            "case": "r01",
            "group": "resident",
            "code": ["x", "x", "x", "y", "y"],
            "start": [0, 0, 50, 70, 70],
            "end": [40, 30, 60, 80, 80],
            "text": "...",
            "coder": ["A", "B", "B", "A", "B"],
        }
    )
    documents = pd.DataFrame({"document": ["d1"], "text": ["w" * 100]})
    return segments, documents


def test_agreement_by_code_hand_computed():
    segments, documents = window_case()
    table = agreement_by_code(segments, documents=documents, unit="window", window=10)
    assert table["code"].tolist() == ["x", "y", POOLED]
    x, y, pooled = (table.iloc[i] for i in range(3))
    # x, presence A = 1111000000, B = 1110010000
    # coincidences: o11 = 2*3, o00 = 2*5, o01 = o10 = 2; n0 = 12, n1 = 8, n = 20
    # alpha = 1 - (n-1) * (o01+o10) / (2 * n0 * n1) = 1 - 19*4/192 = 116/192
    assert x["krippendorff_alpha"] == pytest.approx(116 / 192)
    assert x["interpretation"] == "unreliable"
    # Cohen: p_o = .8, p_e = .4*.4 + .6*.6 = .52 -> .28/.48; Gwet: p_e = 2*.4*.6 = .48 -> .32/.52
    assert x["kappa"] == pytest.approx(0.28 / 0.48)
    assert x["gwet_ac1"] == pytest.approx(0.32 / 0.52)
    assert (x["n_units"], x["n_coders"], x["prevalence"], x["pct_agreement"]) == (10, 2, 0.4, 0.8)
    # unitizing alpha on the raw segments: the hand-computed case of the unitizing test
    assert x["unitizing_alpha"] == pytest.approx(1 - 0.02 * 37280 / 3996.4)
    assert y["krippendorff_alpha"] == pytest.approx(1.0)
    assert y["unitizing_alpha"] == pytest.approx(1.0)
    assert y["interpretation"] == "reliable"
    # pooled over the 20 unit × code decisions: o11 = 8, o00 = 28, o01 = o10 = 2; n1 = 10, n0 = 30
    # alpha = 1 - 39 * 4 / (2 * 30 * 10) = .74
    assert pooled["krippendorff_alpha"] == pytest.approx(0.74)
    assert pooled["interpretation"] == "tentative"
    assert pooled["n_units"] == 20


def test_agreement_by_code_perfect_sentences():
    text = "Wij wonen hier graag. De buren helpen elkaar! Is er een plan?\nJa, sinds vorig jaar."
    documents = pd.DataFrame({"document": ["d1", "d2"], "text": [text, text]})
    rows = []
    for coder in ("A", "B"):
        rows += [
            ("d1", "cohesion", 22, 45, coder),  # second sentence
            ("d1", "plan", 46, 61, coder),
            ("d2", "cohesion", 0, 21, coder),
            ("d2", "plan", 62, 83, coder),
        ]
    segments = pd.DataFrame(rows, columns=["document", "code", "start", "end", "coder"])
    table = agreement_by_code(segments, documents=documents)
    # four sentences per document
    assert table["n_units"].tolist() == [8, 8, 16]
    for column in ("kappa", "krippendorff_alpha", "gwet_ac1", "unitizing_alpha", "pct_agreement"):
        np.testing.assert_allclose(table[column], 1.0)
    assert set(table["interpretation"]) == {"reliable"}


def test_agreement_by_code_three_coders_and_document_filter():
    segments, documents = window_case()
    third = segments[segments["coder"] == "A"].assign(coder="C")
    # a document that only coder A coded does not count
    extra = pd.DataFrame({"document": ["d9"], "code": ["x"], "start": [0], "end": [5], "coder": ["A"]})
    all_segments = pd.concat([segments, third, extra], ignore_index=True)
    table = agreement_by_code(all_segments, documents=documents, unit="window", window=10)
    presence_x = np.array(
        [[1, 1, 1], [1, 1, 1], [1, 1, 1], [1, 0, 1], [0, 0, 0], [0, 1, 0], [0, 0, 0], [0, 0, 0], [0, 0, 0], [0, 0, 0]]
    )
    x = table.set_index("code").loc["x"]
    assert x["n_coders"] == 3
    assert x["kappa"] == pytest.approx(fleiss_kappa(presence_x)["kappa"])
    assert x["krippendorff_alpha"] == pytest.approx(krippendorff_alpha(presence_x.T)["alpha"])
    # only two of the three coders, and only some measures
    two = agreement_by_code(
        all_segments, documents=documents, unit="window", window=10, coders=["A", "B"], measures=("cohen",)
    )
    assert list(two.columns) == ["code", "n_units", "n_coders", "prevalence", "pct_agreement", "kappa"]
    assert two["kappa"].iloc[0] == pytest.approx(0.28 / 0.48)


def test_agreement_by_code_window_without_documents():
    segments, _ = window_case()
    # lengths from the last segment end (80): 8 windows
    table = agreement_by_code(segments, unit="window", window=10)
    assert table["n_units"].tolist() == [8, 8, 16]


def test_agreement_by_code_errors():
    segments, documents = window_case()
    with pytest.raises(ValueError, match="unit='sentence' needs the texts"):
        agreement_by_code(segments)
    with pytest.raises(ValueError, match="at least two coders"):
        agreement_by_code(segments[segments["coder"] == "A"], unit="window")
    with pytest.raises(ValueError, match="no document in `segments` was coded by all coders"):
        agreement_by_code(segments.assign(document=segments["coder"]), unit="window")
    with pytest.raises(ValueError, match="`unit` must be 'sentence' or 'window'"):
        agreement_by_code(segments, documents=documents, unit="paragraph")
    with pytest.raises(ValueError, match="`window` must be a positive whole number"):
        agreement_by_code(segments, unit="window", window=0)
    with pytest.raises(ValueError, match="`measures` must be a sequence"):
        agreement_by_code(segments, unit="window", measures=("cohen", "scott"))
    with pytest.raises(ValueError, match=r"no text for coded document\(s\) \['d1'\]"):
        agreement_by_code(segments, documents=documents.assign(document="d2"))
    with pytest.raises(ValueError, match=r"lacks column\(s\) \['document'\]"):
        agreement_by_code(segments.drop(columns="document"), unit="window")
    with pytest.raises(ValueError, match="beyond its length 50"):
        agreement_by_code(segments, documents=documents.assign(text="w" * 50), unit="window")


def test_segment_position_and_length_errors():
    two_docs = pd.DataFrame(
        {"document": ["d1", "d1", "d2", "d2"], "code": "x", "start": [0, 0, 3, 4],
         "end": [5, 6, 9, 9], "coder": ["A", "B", "A", "B"]}
    )
    with pytest.raises(ValueError, match=r"`segments\['start'\]` must hold whole-number positions"):
        unitizing_alpha(two_docs.assign(start=[0.5, 0, 3, 4]))
    with pytest.raises(ValueError, match=r"gives no length for document\(s\) \['d2'\]"):
        unitizing_alpha(two_docs, continuum_length={"d1": 10})
    with pytest.raises(ValueError, match="a mapping document -> length for 2 documents"):
        unitizing_alpha(two_docs, continuum_length=10)
    with pytest.raises(ValueError, match="has no `document` column"):
        unitizing_alpha(two_docs.drop(columns="document"), continuum_length={"d1": 10})
    with pytest.raises(ValueError, match=r"`coders` \['C'\] have no rows"):
        unitizing_alpha(two_docs, coders=["A", "C"])
    with pytest.raises(ValueError, match="`documents` must be a DataFrame with columns document, text"):
        agreement_by_code(two_docs, documents=pd.DataFrame({"document": ["d1"]}))
    # defaults: documents coded by both, lengths = last end per document (6 + 9)
    assert unitizing_alpha(two_docs)["continuum_length"] == 15

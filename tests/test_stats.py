"""Tests for evaluation.stats against published reference values and exact invariants.

Every value quoted as "R: ..." below was re-run (issue 11) with R 4.2.2 Patched
(2022-11-10 r83330): stats, coin 1.4-2, pwr 1.3-0, survey 4.1-1, effectsize 0.8.3; they
agree with the stored numbers to at least the printed digits (R's printed p-values are
rounded, hence the tolerances of those asserts).
"""
from itertools import combinations_with_replacement
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps
from scipy.special import gammaln

from evaluation.stats import (
    adjust_pvalues,
    independent_test,
    mean_ci,
    minimal_detectable_effect,
    paired_test,
    proportion_ci,
    proportion_test,
)
from evaluation.weights import effective_n

# R `sleep` data (Cushny & Peebles 1905): extra sleep of 10 patients under two drugs.
G1 = np.array([0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0])
G2 = np.array([1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4])
# R ?wilcox.test: depression scale of 9 patients (Hollander & Wolfe 1973, p. 29).
DEP_X = np.array([1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30])
DEP_Y = np.array([0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29])


def _pairs_from_table(table):
    """Expand a square before x after count table into two answer arrays."""
    before, after = [], []
    for i, row in enumerate(np.asarray(table)):
        for j, count in enumerate(row):
            before += [i] * int(count)
            after += [j] * int(count)
    return np.array(before), np.array(after)


# ----------------------------------------------------------------------------- paired t
def test_paired_t_matches_r_sleep():
    # R: t.test(g1, g2, paired = TRUE): t = -4.0621, df = 9, p = 0.002833,
    # 95% CI -2.4598858 -0.7001142; d_z = -1.285. Statistic is on after - before.
    res = paired_test(before=G2, after=G1)
    assert res["statistic"] == pytest.approx(-4.0621, abs=1e-4)
    assert res["df"] == 9
    assert res["p_value"] == pytest.approx(0.002833, abs=1e-6)
    assert res["estimate"] == pytest.approx(-1.58, abs=1e-12)
    assert res["ci_low"] == pytest.approx(-2.4598858, abs=1e-7)
    assert res["ci_high"] == pytest.approx(-0.7001142, abs=1e-7)
    assert res["effect_size"] == pytest.approx(-1.285, abs=5e-4)
    assert res["effect_size_name"] == "d_z"
    assert res["n"] == 10


def test_paired_t_dz_ci_inverts_noncentral_t():
    # R 4.2.2, effectsize 0.8.3: cohens_d(g1, g2, paired = TRUE, ci = 0.9)  (g1, g2 = sleep groups)
    #   Cohens_d 1.28455756259105, CI 0.544639757891404 1.97461536022653 (sign: g1 - g2 there)
    # effectsize finds the limits with uniroot, hence 1e-6.
    res = paired_test(G2, G1, confidence=0.9)
    assert res["effect_size"] == pytest.approx(-1.28455756259105, abs=1e-12)
    assert (res["effect_ci_low"], res["effect_ci_high"]) == pytest.approx(
        (-1.97461536022653, -0.544639757891404), abs=1e-6)
    # The limits are the noncentrality parameters (/sqrt n) that put t in the tails.
    n = 10
    assert sps.nct.cdf(res["statistic"], 9, res["effect_ci_low"] * np.sqrt(n)) == pytest.approx(0.95, abs=1e-9)
    assert sps.nct.cdf(res["statistic"], 9, res["effect_ci_high"] * np.sqrt(n)) == pytest.approx(0.05, abs=1e-9)
    assert res["effect_ci_low"] < res["effect_size"] < res["effect_ci_high"]


@pytest.mark.parametrize("method", ["t", "wilcoxon"])
def test_paired_swapping_flips_sign(method):
    res = paired_test(G1, G2, method=method)
    rev = paired_test(G2, G1, method=method)
    assert res["estimate"] == pytest.approx(-rev["estimate"])
    assert res["ci_low"] == pytest.approx(-rev["ci_high"])
    assert res["effect_size"] == pytest.approx(-rev["effect_size"])
    assert res["p_value"] == pytest.approx(rev["p_value"])
    assert res["ci_low"] <= res["estimate"] <= res["ci_high"]


def test_paired_drops_incomplete_pairs():
    before = np.r_[G2, np.nan, 3.0]
    after = np.r_[G1, 2.0, np.nan]
    full = paired_test(G2, G1)
    res = paired_test(pd.Series(before), list(after))
    assert res["n"] == 10
    assert res["statistic"] == pytest.approx(full["statistic"])


# ----------------------------------------------------------------------------- Wilcoxon
def test_wilcoxon_matches_r_with_ties_and_zero():
    # R: wilcox.test(g1, g2, paired = TRUE) on `sleep`: V = 0, p-value = 0.009091
    # (normal approximation with continuity correction: one zero, ties).
    res = paired_test(before=G2, after=G1, method="wilcoxon")
    assert res["statistic"] == 0
    assert res["p_value"] == pytest.approx(0.009091, abs=1e-6)
    assert np.isnan(res["df"])
    assert res["effect_size"] == pytest.approx(-1.0)  # every nonzero change negative


def test_wilcoxon_exact_matches_r_depression():
    # R ?wilcox.test: wilcox.test(x, y, paired = TRUE, alternative = "greater"):
    # V = 40, p-value = 0.01953 (exact); two-sided p is twice that.
    res = paired_test(before=DEP_Y, after=DEP_X, method="wilcoxon")
    assert res["statistic"] == 40
    assert res["p_value"] == pytest.approx(2 * 0.01953, abs=2e-5)
    assert "exact" in res["method"]
    # Kerby's matched-pairs rank-biserial from V: (2V - n(n+1)/2) / (n(n+1)/2).
    assert res["effect_size"] == pytest.approx((2 * 40 - 45) / 45)
    # Hodges-Lehmann: median of the Walsh averages (computed independently here).
    d = DEP_X - DEP_Y
    walsh = [(d[i] + d[j]) / 2 for i, j in combinations_with_replacement(range(9), 2)]
    assert res["estimate"] == pytest.approx(np.median(walsh))


def _scipy_signrank_p(d, shift, exact):
    method = "exact" if exact else "asymptotic"
    return sps.wilcoxon(d - shift, method=method, correction=True, zero_method="wilcox").pvalue


@pytest.mark.parametrize(
    "before, after, exact",
    [
        (DEP_Y, DEP_X, True),
        # Likert-like differences with many ties and zeros -> normal approximation
        (np.array([3, 2, 4, 3, 3, 2, 1, 4, 3, 2, 3, 5, 2, 3, 4, 2, 3, 1, 2, 3]),
         np.array([4, 3, 4, 5, 3, 3, 2, 4, 5, 2, 4, 5, 3, 3, 5, 4, 3, 2, 2, 4]), False),
    ],
)
def test_wilcoxon_ci_inverts_the_test(before, after, exact):
    # A shift just inside the CI is not rejected at 5%, just outside it is
    # (p-values from scipy, which follows R's exact / corrected normal p).
    res = paired_test(before, after, method="wilcoxon")
    d = np.asarray(after, float) - np.asarray(before, float)
    d = d[d != 0]
    eps = 1e-7
    assert _scipy_signrank_p(d, res["ci_low"] + eps, exact) > 0.05
    assert _scipy_signrank_p(d, res["ci_low"] - eps, exact) <= 0.05
    assert _scipy_signrank_p(d, res["ci_high"] - eps, exact) > 0.05
    assert _scipy_signrank_p(d, res["ci_high"] + eps, exact) <= 0.05
    assert res["ci_low"] <= res["estimate"] <= res["ci_high"]
    if not exact:
        p = sps.wilcoxon(d, method="asymptotic", correction=True).pvalue
        assert res["p_value"] == pytest.approx(p, rel=1e-10)


def test_wilcoxon_all_nonzero_differences_equal_matches_r():
    # Issue 11, bug 2 (was an internal root-finding error). R 4.2.2:
    # wilcox.test(c(rep(1, 9), 0), rep(0, 10), paired = TRUE, correct = TRUE, exact = FALSE,
    #             conf.int = TRUE): V = 45, p-value = 0.00335343645495, "0 percent confidence
    #   interval: NaN NaN", midrange 1, warning "cannot compute confidence interval when all
    #   observations are zero or tied".
    res = paired_test(np.zeros(10), np.r_[np.ones(9), 0], method="wilcoxon")
    assert res["statistic"] == 45
    assert res["p_value"] == pytest.approx(0.00335343645495, abs=1e-12)
    assert np.isnan(res["ci_low"]) and np.isnan(res["ci_high"])
    assert res["estimate"] == 1
    assert res["note"] == "every non-zero difference equals 1: no confidence interval can be computed"
    assert res["n"] == 10 and "continuity correction" in res["method"]
    # r = 1; the interval is the Clopper-Pearson bound 2 (alpha/2)^(2/n) - 1 for n = 9
    assert res["effect_size"] == 1
    assert (res["effect_ci_low"], res["effect_ci_high"]) == pytest.approx((2 * 0.025 ** (2 / 9) - 1, 1.0))


def test_rank_biserial_with_zero_differences_vs_effectsize():
    # R 4.2.2, effectsize 0.8.3 (datawizard 0.6.5):
    # b <- c(3, 2, 4, 3, 3, 2, 1, 4, 3, 2, 3, 5, 2, 3, 4, 2, 3, 1, 2, 3)
    # a <- c(4, 3, 2, 5, 3, 3, 2, 4, 5, 2, 4, 4, 3, 3, 5, 4, 3, 2, 2, 4)   # 6 zero differences
    # rank_biserial(a, b, paired = TRUE): r 0.6571428571429, CI 0.2800796306706 0.8585408205614
    # d <- a - b; rank_biserial(d[d != 0], rep(0, 14), paired = TRUE): r 0.6571428571429,
    #   CI 0.1907126063918 0.8815008846655
    # wilcox.test(a, b, paired = TRUE, exact = FALSE): V = 87
    # effectsize drops the zeros from r but counts them in n of its (null) SE; the point
    # estimate agrees, the interval (jackknife SE, see paired_test) is not effectsize's.
    b = np.array([3, 2, 4, 3, 3, 2, 1, 4, 3, 2, 3, 5, 2, 3, 4, 2, 3, 1, 2, 3])
    a = np.array([4, 3, 2, 5, 3, 3, 2, 4, 5, 2, 4, 4, 3, 3, 5, 4, 3, 2, 2, 4])
    res = paired_test(b, a, method="wilcoxon")
    assert res["statistic"] == 87
    assert res["effect_size"] == pytest.approx(0.6571428571429, abs=1e-12)
    assert res["effect_ci_low"] < 0.1907126063918 and res["effect_ci_high"] > 0.8815008846655


def test_wilcoxon_symmetric_differences_give_zero():
    before = np.zeros(8)
    after = np.array([-3, -2, -1, -0.5, 0.5, 1, 2, 3])
    res = paired_test(before, after, method="wilcoxon")
    assert res["estimate"] == pytest.approx(0)
    assert res["effect_size"] == pytest.approx(0)
    assert res["p_value"] == pytest.approx(1)


# ----------------------------------------------------------------------------- independent
def test_welch_matches_r_sleep():
    # R: t.test(g1, g2): t = -1.8608, df = 17.776, p-value = 0.07939,
    # 95% CI -3.3654832 0.2054832
    res = independent_test(G1, G2)
    assert res["statistic"] == pytest.approx(-1.8608, abs=1e-4)
    assert res["df"] == pytest.approx(17.776, abs=1e-3)
    assert res["p_value"] == pytest.approx(0.07939, abs=1e-5)
    assert res["estimate"] == pytest.approx(0.75 - 2.33)
    assert res["ci_low"] == pytest.approx(-3.3654832, abs=1e-6)
    assert res["ci_high"] == pytest.approx(0.2054832, abs=1e-6)
    assert (res["n"], res["n_a"], res["n_b"]) == (20, 10, 10)


def test_hedges_g_and_ci_match_effectsize():
    # R 4.2.2, effectsize 0.8.3 (g1, g2 = the two sleep groups):
    #   hedges_g(g1, g2, ci = 0.9):  Hedges_g -0.796935239191122, CI -1.52359358297183 -0.0494250311218185
    #   hedges_g(g1, g2, ci = 0.95): CI -1.66517166632542 0.0914077686652717
    #   cohens_d(g1, g2, ci = 0.9):  Cohens_d -0.83218108134954, CI -1.59097714978902 -0.0516109387839802
    # g = J * d with the exact J = Gamma(df/2) / (sqrt(df/2) Gamma((df-1)/2)), df = 18;
    # effectsize finds the noncentral-t limits with uniroot, hence 1e-6.
    res = independent_test(G1, G2, confidence=0.9)
    assert res["effect_size"] == pytest.approx(-0.796935239191122, abs=1e-12)
    assert (res["effect_ci_low"], res["effect_ci_high"]) == pytest.approx(
        (-1.52359358297183, -0.0494250311218185), abs=1e-6)
    res95 = independent_test(G1, G2)
    assert (res95["effect_ci_low"], res95["effect_ci_high"]) == pytest.approx(
        (-1.66517166632542, 0.0914077686652717), abs=1e-6)
    # J from its definition (not from the result): g / d is J, d from effectsize
    j = np.exp(gammaln(9) - gammaln(8.5)) / np.sqrt(9)
    assert res["effect_size"] / -0.83218108134954 == pytest.approx(j, rel=1e-12)
    assert res["effect_ci_low"] / -1.59097714978902 == pytest.approx(j, rel=1e-6)


def test_mannwhitney_matches_r_sleep():
    # R: wilcox.test(extra ~ group, data = sleep): W = 25.5, p-value = 0.06933
    res = independent_test(G1, G2, method="mannwhitney")
    assert res["statistic"] == 25.5
    assert res["p_value"] == pytest.approx(0.06933, abs=1e-5)
    # Cliff's delta by direct pair counting
    greater = (G1[:, None] > G2[None, :]).sum()
    less = (G1[:, None] < G2[None, :]).sum()
    assert res["effect_size"] == pytest.approx((greater - less) / 100)
    assert res["estimate"] == pytest.approx(np.median(G1[:, None] - G2[None, :]))
    assert res["effect_ci_low"] < res["effect_size"] < res["effect_ci_high"]


def test_mannwhitney_ci_inverts_the_test():
    # Asymptotic (ties) CI: shifts just inside are not rejected, just outside are.
    res = independent_test(G1, G2, method="mannwhitney")

    def p(shift):
        return sps.mannwhitneyu(G1 - shift, G2, method="asymptotic", use_continuity=True).pvalue

    eps = 1e-7
    assert p(res["ci_low"] + eps) > 0.05 >= p(res["ci_low"] - eps)
    assert p(res["ci_high"] - eps) > 0.05 >= p(res["ci_high"] + eps)


def test_mannwhitney_exact_without_ties():
    a = np.array([1.1, 2.3, 3.7, 4.2, 5.9, 6.4])
    b = np.array([0.2, 0.9, 1.6, 2.8, 3.1])
    res = independent_test(a, b, method="mannwhitney")
    assert "exact" in res["method"]
    assert res["p_value"] == pytest.approx(sps.mannwhitneyu(a, b, method="exact").pvalue)

    def p(shift):
        return sps.mannwhitneyu(a - shift, b, method="exact").pvalue

    eps = 1e-7
    assert p(res["ci_low"] + eps) > 0.05 >= p(res["ci_low"] - eps)
    assert p(res["ci_high"] - eps) > 0.05 >= p(res["ci_high"] + eps)


def test_brunnermunzel_df_consistent_with_p():
    res = independent_test(G1, G2, method="brunnermunzel")
    ref = sps.brunnermunzel(G1, G2)
    assert res["statistic"] == pytest.approx(ref.statistic)
    assert res["p_value"] == pytest.approx(ref.pvalue)
    assert 2 * sps.t.sf(abs(res["statistic"]), res["df"]) == pytest.approx(ref.pvalue, rel=1e-9)


@pytest.mark.parametrize("method", ["welch", "mannwhitney", "brunnermunzel"])
def test_independent_swap_flips_estimate(method):
    res, rev = independent_test(G1, G2, method=method), independent_test(G2, G1, method=method)
    assert res["estimate"] == pytest.approx(-rev["estimate"])
    assert res["effect_size"] == pytest.approx(-rev["effect_size"])
    assert res["p_value"] == pytest.approx(rev["p_value"])


# ----------------------------------------------------------------------------- proportions
def test_mcnemar_matches_r_agresti():
    # R: mcnemar.test(matrix(c(794, 86, 150, 570), 2, byrow = TRUE)):
    # McNemar's chi-squared = 16.818, df = 1, p-value = 4.115e-05
    before, after = _pairs_from_table([[794, 86], [150, 570]])
    res = proportion_test(before, after)
    assert res["statistic"] == pytest.approx(16.818, abs=1e-3)
    assert res["p_value"] == pytest.approx(4.115e-05, abs=1e-8)
    assert res["estimate"] == pytest.approx((86 - 150) / 1600)
    assert res["ci_low"] < res["estimate"] < res["ci_high"]
    assert res["n"] == 1600


def test_paired_proportion_ci_invariants():
    before, after = _pairs_from_table([[10, 12], [3, 25]])
    res = proportion_test(before, after)
    rev = proportion_test(after, before)
    assert res["ci_low"] == pytest.approx(-rev["ci_high"])
    assert res["ci_high"] == pytest.approx(-rev["ci_low"])
    assert -1 <= res["ci_low"] < res["estimate"] < res["ci_high"] <= 1
    labels = proportion_test(np.where(before == 1, "yes", "no"), np.where(after == 1, "yes", "no"))
    assert labels["estimate"] == pytest.approx(res["estimate"])


def test_paired_proportion_newcombe_matches_contingencytables():
    # Cavo et al. (2012) complete response before/after consolidation therapy, from
    # Fagerland, Lydersen & Laake (2017) ch. 8; R contingencytables tests:
    # Newcombe_square_and_add_CI_paired_2x2(matrix(c(59, 6, 16, 80), 2, byrow = TRUE))
    #   -> estimate = -0.0621 (95% CI -0.1186 to -0.0046) for pi_1+ - pi_+1 (before - after);
    # McNemar_asymptotic_test_CC_paired_2x2 -> P = 0.055009, Z = 1.919.
    # Success is the first row/column there; here 1 = success, so the table is flipped.
    before, after = _pairs_from_table([[80, 16], [6, 59]])
    res = proportion_test(before, after)
    assert res["estimate"] == pytest.approx(10 / 161)
    assert res["ci_low"] == pytest.approx(0.0046, abs=5e-5)
    assert res["ci_high"] == pytest.approx(0.1186, abs=5e-5)
    assert res["p_value"] == pytest.approx(0.055009, abs=1e-6)
    assert np.sqrt(res["statistic"]) == pytest.approx(1.919, abs=5e-4)


@pytest.mark.parametrize("k", [1, 2])
def test_stuart_maxwell_matches_r(k):
    # Values from R (coin::mh_test) as stored in statsmodels'
    # stats/tests/results/contingency_table_r_results.csv (BSD-3).
    tables = {
        1: ([[144, 33, 84, 126], [2, 4, 14, 29], [0, 2, 6, 25], [0, 0, 1, 5]], 271.922246968262, 3),
        2: ([[20, 10, 5], [3, 30, 15], [0, 5, 40]], 13.7647058823529, 2),
    }
    table, stat, df = tables[k]
    before, after = _pairs_from_table(table)
    res = proportion_test(before, after, categories=range(len(table)))
    assert res["statistic"] == pytest.approx(stat, rel=1e-9)
    assert res["df"] == df
    assert np.isnan(res["estimate"])


def test_independent_proportions_newcombe():
    # Newcombe (1998a), Stat Med 17:873, example (a): 56/70 vs 48/80,
    # method 10: difference 0.2, 95% CI 0.0524 to 0.3339.
    before = np.r_[np.ones(48), np.zeros(32)]
    after = np.r_[np.ones(56), np.zeros(14)]
    res = proportion_test(before, after, paired=False)
    assert res["estimate"] == pytest.approx(0.2)
    assert res["ci_low"] == pytest.approx(0.0524, abs=5e-5)
    assert res["ci_high"] == pytest.approx(0.3339, abs=5e-5)
    # R: prop.test(c(48, 56), c(80, 70), correct = FALSE):
    # X-squared = 7.02341137123746, df = 1, p-value = 0.00804508136819656
    assert res["statistic"] == pytest.approx(7.02341137123746, rel=1e-12)
    assert res["p_value"] == pytest.approx(0.00804508136819656, rel=1e-10)
    assert res["n"] == 150
    assert res["category"] == 1


# Issue 11: a declared category nobody chose must not change the test.
# 20 pairs, before x after over the answers 0/1; 2 ("don't know") declared but unused.
UNUSED_PAIRS = [[7, 4, 0], [1, 8, 0], [0, 0, 0]]


def test_unused_category_paired_is_mcnemar():
    # R (coin 1.4-2): tab <- as.table(matrix(c(7, 4, 0, 1, 8, 0, 0, 0, 0), 3, byrow = TRUE))
    #   coin::mh_test(tab): chi-squared = 1.8, df = 1, p-value = 0.1797 (empty level dropped)
    #   mcnemar.test(tab[1:2, 1:2]): McNemar's chi-squared = 0.8, df = 1, p-value = 0.3711
    # Before the fix: Stuart-Maxwell 1.8 on df 2, p = 0.407.
    before, after = _pairs_from_table(UNUSED_PAIRS)
    plain = proportion_test(before, after)
    declared = proportion_test(before, after, categories=[0, 1, 2])
    for res in (plain, declared):
        assert res["statistic"] == pytest.approx(0.8, rel=1e-12)
        assert res["df"] == 1
        assert res["p_value"] == pytest.approx(0.3710933, abs=5e-7)  # pchisq(0.8, 1, lower = FALSE)
        assert res["method"] == "McNemar test with continuity correction"
        assert res["estimate"] == pytest.approx((4 - 1) / 20)
        assert res["category"] == 1
    assert (declared["ci_low"], declared["ci_high"]) == pytest.approx((plain["ci_low"], plain["ci_high"]))
    # the estimate is the share of the later *used* category in the declared order
    labels = np.array(["no", "yes", "dk"])
    lab = proportion_test(labels[before], labels[after], categories=["dk", "no", "yes"])
    assert lab["category"] == "yes" and lab["estimate"] == pytest.approx(0.15)
    rev = proportion_test(labels[before], labels[after], categories=["yes", "no", "dk"])
    assert rev["category"] == "no" and rev["estimate"] == pytest.approx(-0.15)
    assert rev["p_value"] == pytest.approx(lab["p_value"])


def test_unused_category_stuart_maxwell_df():
    # R: tab <- as.table(matrix(c(20, 10, 5, 0, 3, 30, 15, 0, 0, 5, 40, 0, 0, 0, 0, 0), 4,
    #   byrow = TRUE)); coin::mh_test(tab): chi-squared = 13.765, df = 2, p-value = 0.001026
    table = [[20, 10, 5, 0], [3, 30, 15, 0], [0, 5, 40, 0], [0, 0, 0, 0]]
    before, after = _pairs_from_table(table)
    res = proportion_test(before, after, categories=range(4))
    assert res["statistic"] == pytest.approx(13.7647058823529, rel=1e-9)
    assert res["df"] == 2
    assert res["p_value"] == pytest.approx(0.001026, abs=5e-7)
    assert np.isnan(res["estimate"]) and pd.isna(res["category"])


def test_unused_category_independent():
    # R: chisq.test(matrix(c(12, 8, 8, 12), 2, byrow = TRUE), correct = FALSE):
    #   X-squared = 1.6, df = 1, p-value = 0.2059 (= prop.test(c(8, 12), c(20, 20),
    #   correct = FALSE)); before the fix: df 2, p = 0.449.
    before = np.r_[np.zeros(12), np.ones(8)]
    after = np.r_[np.zeros(8), np.ones(12)]
    for cats in (None, [0, 1, 2]):
        res = proportion_test(before, after, paired=False, categories=cats)
        assert res["statistic"] == pytest.approx(1.6, rel=1e-12)
        assert res["df"] == 1
        assert res["p_value"] == pytest.approx(0.2059032, abs=5e-7)  # pchisq(1.6, 1, lower = FALSE)
        assert res["estimate"] == pytest.approx(0.2)
        assert res["category"] == 1
    # R: chisq.test(matrix(c(12, 8, 5, 8, 12, 9), 2, byrow = TRUE), correct = FALSE):
    #   X-squared = 2.46005911330049, df = 2, p-value = 0.292283938619043
    three_b = np.r_[np.zeros(12), np.ones(8), np.full(5, 2)]
    three_a = np.r_[np.zeros(8), np.ones(12), np.full(9, 2)]
    res = proportion_test(three_b, three_a, paired=False, categories=[0, 1, 2, 3])
    assert res["statistic"] == pytest.approx(2.46005911330049, rel=1e-12)
    assert res["df"] == 2
    assert res["p_value"] == pytest.approx(0.292283938619043, rel=1e-10)
    assert np.isnan(res["estimate"])


def test_single_used_category_gives_no_test():
    # Nobody changed and everyone gave the same answer: no test, a zero change in the
    # share of the last declared category, with an interval around it.
    for paired in (True, False):
        res = proportion_test(np.zeros(10), np.zeros(10), categories=[0, 1], paired=paired)
        assert np.isnan(res["statistic"]) and np.isnan(res["p_value"])
        assert res["estimate"] == 0 and res["category"] == 1
        assert res["ci_low"] < 0 < res["ci_high"]


# ----------------------------------------------------------------------------- multiplicity
BH_P = [0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344, 0.0459,
        0.3240, 0.4262, 0.5719, 0.6528, 0.7590, 1.000]


def test_bh_and_holm_reference():
    # Benjamini & Hochberg (1995) example: BH rejects 4, Holm rejects 3.
    bh = adjust_pvalues(BH_P, method="fdr_bh")
    holm = adjust_pvalues(BH_P, method="holm")
    assert (bh <= 0.05).sum() == 4
    assert (holm <= 0.05).sum() == 3
    np.testing.assert_allclose(bh[:4], [0.0015, 0.003, 0.0095, 0.035625], atol=1e-12)
    np.testing.assert_allclose(adjust_pvalues(BH_P, method="bonferroni"),
                               np.minimum(np.array(BH_P) * 15, 1))


def test_adjust_keeps_order_and_nan():
    p = [0.04, np.nan, 0.01, 0.03]
    out = adjust_pvalues(p, method="holm")
    assert np.isnan(out[1])
    np.testing.assert_allclose(out[[0, 2, 3]], [0.06, 0.03, 0.06])


# ----------------------------------------------------------------------------- power
def test_mde_matches_r_power():
    # R (stats 4.2.2): power.t.test(n = n, sd = 1, power = 0.8, sig.level = 0.05,
    #   type = "paired" | "two.sample", strict = TRUE, tol = 1e-12)$delta
    # (strict = TRUE counts both rejection tails, as pwr and statsmodels do), and
    # pwr 1.3: pwr.t.test(n = n, power = 0.8, sig.level = 0.05, type = "paired" | "two.sample")$d,
    # whose uniroot() runs at the default tol = .Machine$double.eps^0.25, hence 1e-4.
    n = [10, 34, 64, 100, 256]
    paired_r = [0.996001371455, 0.495028097973, 0.355650127968, 0.282912632781, 0.175761748002]
    paired_pwr = [0.996004349271, 0.495045929854, 0.355648503892, 0.282900521782, 0.175761093202]
    two_r = [1.32494739258, 0.689571994496, 0.499069177966, 0.398138137568, 0.248094697784]
    two_pwr = [1.32494658048, 0.689570316353, 0.499071991243, 0.398140733302, 0.24812098063]
    paired = minimal_detectable_effect(n, design="paired")["mde"]
    two = minimal_detectable_effect(n, design="independent")["mde"]
    np.testing.assert_allclose(paired, paired_r, atol=1e-9)
    np.testing.assert_allclose(two, two_r, atol=1e-9)
    np.testing.assert_allclose(paired, paired_pwr, atol=1e-4)
    np.testing.assert_allclose(two, two_pwr, atol=1e-4)
    # one-sided: power.t.test(..., type = "paired", alternative = "one.sided", strict = TRUE,
    #   tol = 1e-12)$delta
    larger = minimal_detectable_effect([10, 100], alternative="larger")["mde"]
    np.testing.assert_allclose(larger, [0.852837512238, 0.250364346226], atol=1e-9)


def test_mde_agrees_with_cohen_table():
    # pwr 1.3: pwr.t.test(d = 0.5, power = 0.8, sig.level = 0.05, type = "two.sample")$n
    #   = 63.76561 per group; type = "paired": 33.36713 pairs. Inverting those n gives 0.5
    #   (to the 1e-4 tolerance of pwr's uniroot).
    assert minimal_detectable_effect(63.76561, design="independent")["mde"].item() == pytest.approx(0.5, abs=1e-4)
    assert minimal_detectable_effect(33.36713, design="paired")["mde"].item() == pytest.approx(0.5, abs=1e-4)
    # Cohen (1988), Table 2.4.1 (and Cohen 1992, A power primer, Table 2): n = 64 per
    # group for d = 0.5, two-sided alpha = .05, power = .80. A table gives the smallest whole n with at least that power, so the
    # detectable d is at most 0.5 with 64 per group and more than 0.5 with 63.
    mde = minimal_detectable_effect([63, 64], design="independent")["mde"]
    assert mde.iloc[1] <= 0.5 < mde.iloc[0]


def test_mde_ignores_population_and_applies_attrition():
    # Issue 11: with the FPC, 256 of 257 homes "detected" d = 0.009. An intervention
    # effect is a superpopulation quantity: surveying (almost) everyone does not remove
    # the noise in the answers. R: power.t.test(n = 256, sd = 1, power = 0.8,
    # type = "paired", strict = TRUE, tol = 1e-12)$delta = 0.175761748002.
    with pytest.warns(FutureWarning, match="`population` is ignored"):
        res = minimal_detectable_effect([256], design="paired", population=257, sd=2.0)
    assert res["mde"].item() == pytest.approx(0.175761748002, abs=1e-9)
    assert res["mde_raw"].item() == pytest.approx(2 * 0.175761748002, abs=1e-9)
    assert list(res.columns) == ["n", "n_effective", "design", "alpha", "power", "mde", "mde_raw"]
    # attrition: 125 invited, 20% lost, leaves 100 pairs / 100 respondents per wave.
    # R: power.t.test(n = 100, ..., type = "paired" | "two.sample", strict = TRUE,
    #   tol = 1e-12)$delta = 0.282912632781 | 0.398138137568
    for design, ref in (("paired", 0.282912632781), ("independent", 0.398138137568)):
        att = minimal_detectable_effect(125, design=design, attrition=0.2)
        assert att["n_effective"].item() == pytest.approx(100)
        assert att["mde"].item() == pytest.approx(ref, abs=1e-9)
    assert np.isnan(minimal_detectable_effect(100)["mde_raw"].item())


# ----------------------------------------------------------------------------- mean / proportion CI
def test_mean_ci_matches_r_t_test():
    # R: t.test(sleep$extra[1:10]): mean 0.75, 95% CI -0.5297804 2.0297804
    res = mean_ci(G1)
    assert res["mean"] == pytest.approx(0.75)
    assert res["ci_low"] == pytest.approx(-0.5297804, abs=1e-7)
    assert res["ci_high"] == pytest.approx(2.0297804, abs=1e-7)
    assert res["fpc"] == 1 and res["n_effective"] == 10


DESIGN = pd.read_csv(Path(__file__).parent / "data" / "design_survey.csv")


def test_mean_ci_weighted_matches_r_survey():
    # tests/data/design_survey.csv (197 respondents, design weights w). R (survey 4.1-1):
    # d <- read.csv("tests/data/design_survey.csv")
    # des <- svydesign(ids = ~1, weights = ~w, data = d); m <- svymean(~y, des)
    #   coef 3.3318054338299739, SE 0.0657970841715075,
    #   confint(m, df = degf(des)) 3.2020442918701768 3.4615665757897709
    # d$N <- 360; des <- svydesign(ids = ~1, weights = ~w, fpc = ~N, data = d)
    #   svymean(~y, des): SE 0.0442740447707987, confint(., df = degf(des))
    #   3.2444907650877708 3.4191201025721769
    res = mean_ci(DESIGN["y"], weights=DESIGN["w"])
    assert res["mean"] == pytest.approx(3.3318054338299739, abs=1e-12)
    assert res["se"] == pytest.approx(0.0657970841715075, abs=1e-10)
    assert (res["ci_low"], res["ci_high"]) == pytest.approx((3.2020442918701768, 3.4615665757897709), abs=1e-9)
    fpc = mean_ci(DESIGN["y"], weights=DESIGN["w"], population=360)
    assert fpc["se"] == pytest.approx(0.0442740447707987, abs=1e-10)
    assert (fpc["ci_low"], fpc["ci_high"]) == pytest.approx((3.2444907650877708, 3.4191201025721769), abs=1e-9)
    assert res["n_effective"] == pytest.approx(effective_n(DESIGN["w"]))  # Kish, evaluation.weights
    # weights are scale-free; equal weights reproduce the unweighted interval
    assert mean_ci(DESIGN["y"], weights=3 * DESIGN["w"])["ci_low"] == pytest.approx(res["ci_low"])
    assert mean_ci(G1, weights=np.full(10, 7.0))["ci_high"] == pytest.approx(2.0297804, abs=1e-7)


def test_mean_ci_fpc_matches_r_survey():
    # Cochran's FPC sqrt(1 - n/N), as R survey: svymean(~extra, svydesign(ids = ~1,
    # fpc = ~N, data = data.frame(extra = sleep$extra[1:10], N = 19))):
    #   mean 0.75, SE 0.389365205376514; confint(., df = degf(des)):
    #   -0.130805288286875 1.630805288286875
    res = mean_ci(G1, population=19)
    assert res["se"] == pytest.approx(0.389365205376514, abs=1e-12)
    assert res["ci_low"] == pytest.approx(-0.130805288286875, abs=1e-12)
    assert res["ci_high"] == pytest.approx(1.630805288286875, abs=1e-12)
    # everyone in the population answered: zero-width interval
    full = mean_ci(np.arange(10.0), population=10)
    assert full["ci_low"] == full["ci_high"] == pytest.approx(4.5)


def test_proportion_ci_wilson_newcombe():
    # Newcombe (1998), Stat Med 17:857, 81/263: Wilson score 0.2553 to 0.3662
    res = proportion_ci(np.r_[np.ones(81), np.zeros(182)])
    assert res["proportion"] == pytest.approx(81 / 263)
    assert res["ci_low"] == pytest.approx(0.2553, abs=5e-5)
    assert res["ci_high"] == pytest.approx(0.3662, abs=5e-5)


def test_proportion_ci_fpc():
    x = np.r_[np.ones(30), np.zeros(70)]
    assert proportion_ci(x, population=100)["ci_low"] == pytest.approx(0.3)
    assert proportion_ci(x, population=100)["ci_high"] == pytest.approx(0.3)
    # n = 100 of N = 200: variance times 1 - n/N = 1/2, i.e. the Wilson interval of 60/200.
    # R: prop.test(60, 200, correct = FALSE)$conf.int = 0.240747446823714 0.366790683727193
    # (without FPC: prop.test(30, 100, correct = FALSE)$conf.int = 0.218948852949328
    # 0.395848546333467)
    with_fpc = proportion_ci(x, population=200)
    assert (with_fpc["ci_low"], with_fpc["ci_high"]) == pytest.approx(
        (0.240747446823714, 0.366790683727193), abs=1e-12)
    plain = proportion_ci(x)
    assert (plain["ci_low"], plain["ci_high"]) == pytest.approx(
        (0.218948852949328, 0.395848546333467), abs=1e-12)


# ----------------------------------------------------------------------------- input errors
def test_errors_name_argument_and_fix():
    with pytest.raises(ValueError, match=r"`before` has 3 values but `after` has 4"):
        paired_test([1, 2, 3], [1, 2, 3, 4])
    with pytest.raises(TypeError, match=r"`after` must be numeric.*'a'"):
        paired_test([1, 2, 3], [1, "a", 3])
    with pytest.raises(ValueError, match=r"1 complete pair"):
        paired_test([1, np.nan, 3], [1, 2, np.nan])
    with pytest.raises(ValueError, match=r"zero variance"):
        paired_test([1, 2, 3], [2, 3, 4])
    with pytest.raises(ValueError, match=r"equal to 0"):
        paired_test([1, 2, 3], [1, 2, 3], method="wilcoxon")
    with pytest.raises(ValueError, match=r"`method` must be one of"):
        paired_test([1, 2, 3], [1, 2, 4], method="ttest")
    with pytest.raises(ValueError, match=r"`b` has 0 non-missing"):
        independent_test([1, 2, 3], [np.nan, np.nan])
    with pytest.raises(ValueError, match=r"`confidence` must be"):
        mean_ci([1, 2, 3], confidence=95)
    with pytest.raises(ValueError, match=r"larger than `population`"):
        mean_ci([1, 2, 3], population=2)
    with pytest.raises(ValueError, match=r"`values` must be 0/1"):
        proportion_ci([0, 1, 2])
    with pytest.raises(ValueError, match=r"`pvalues` must lie between 0 and 1"):
        adjust_pvalues([0.5, 1.5])
    with pytest.raises(ValueError, match=r"not in `categories`"):
        proportion_test([0, 1, 1], [1, 1, 0], categories=[0, 2])
    with pytest.raises(ValueError, match=r"`attrition` must be"):
        minimal_detectable_effect(50, attrition=1.5)


# ----------------------------------------------------------------------------- city scale
def _standardised(z):
    return (z - z.mean()) / z.std(ddof=1)


def test_effect_size_intervals_at_city_scale():
    # Issue 13: at n = 100 000 the bracket of the noncentral-t root stepped onto points where
    # scipy's nct.cdf is NaN ("The function value at x=82.005... is NaN"), e.g. t = 55 on
    # 199 998 df. The limits must solve nct.cdf(t, df, lambda) = 1 - alpha/2 and alpha/2
    # (checked with scipy at the root) and agree with the large-sample closed form
    # lambda = t -/+ z sqrt(1 + t^2 / (2 df)) (Hedges & Olkin 1985, eq. 5.14) to O(1/df).
    n = 100_000
    rng = np.random.default_rng(13)
    b = _standardised(rng.normal(size=n))
    a = _standardised(rng.normal(size=n)) + 55 * np.sqrt(2 / n)  # pooled t = 55 exactly (sp = 1)
    res = independent_test(a, b)
    m = 2 * n - 2
    scale = np.sqrt(2 / n)
    t = (a.mean() - b.mean()) / scale
    assert t == pytest.approx(55, abs=1e-9)
    j = np.exp(gammaln(m / 2) - gammaln((m - 1) / 2)) / np.sqrt(m / 2)
    lam_lo, lam_hi = res["effect_ci_low"] / (j * scale), res["effect_ci_high"] / (j * scale)
    assert sps.nct.cdf(t, m, lam_lo) == pytest.approx(0.975, abs=1e-9)
    assert sps.nct.cdf(t, m, lam_hi) == pytest.approx(0.025, abs=1e-9)
    z = sps.norm.ppf(0.975)
    half = z * np.sqrt(1 + t * t / (2 * m))
    assert (lam_lo, lam_hi) == pytest.approx((t - half, t + half), abs=2e-3)
    assert res["note"] == ""
    # paired: d_z limits on n - 1 df, t = 52 (the previous code failed there too)
    d = _standardised(rng.normal(size=n)) + 52 / np.sqrt(n)
    res = paired_test(np.zeros(n), d)
    assert res["statistic"] == pytest.approx(52, abs=1e-9)
    lam_lo, lam_hi = res["effect_ci_low"] * np.sqrt(n), res["effect_ci_high"] * np.sqrt(n)
    assert sps.nct.cdf(res["statistic"], n - 1, lam_lo) == pytest.approx(0.975, abs=1e-9)
    assert sps.nct.cdf(res["statistic"], n - 1, lam_hi) == pytest.approx(0.025, abs=1e-9)
    half = z * np.sqrt(1 + 52**2 / (2 * (n - 1)))
    assert (lam_lo, lam_hi) == pytest.approx((52 - half, 52 + half), abs=2e-3)
    assert res["note"] == ""


@pytest.mark.parametrize("t", [-600.0, -48.0, 0.0, 1e-8, 55.0, 60.0, 145.0, 600.0])
@pytest.mark.parametrize("df", [3.0, 1e4, 199_998.0, 4e5])
def test_noncentral_t_limits_never_fail(t, df):
    from evaluation.stats import _noncentral_t_limits

    low, high, note = _noncentral_t_limits(t, df, 0.95)
    assert note == "" and low < high
    for lam, target in ((low, 0.975), (high, 0.025)):
        value = sps.nct.cdf(t, df, lam)
        if np.isfinite(value):  # scipy answers at the root (it does for all of these)
            assert value == pytest.approx(target, abs=1e-9)


def test_noncentral_t_limits_nan_with_note_for_infinite_t():
    from evaluation.stats import _noncentral_t_limits

    low, high, note = _noncentral_t_limits(np.inf, 10.0, 0.95)
    assert np.isnan(low) and np.isnan(high) and "no effect-size interval" in note


def test_holm_is_statsmodels_bit_for_bit():
    from statsmodels.stats.multitest import multipletests

    rng = np.random.default_rng(3)
    for n in (1, 2, 7, 40):
        p = rng.random(n) ** 3
        p[rng.random(n) < 0.3] = p[0]  # ties
        assert np.array_equal(adjust_pvalues(p), multipletests(p, method="holm")[1])


def test_brunnermunzel_from_runs_equals_scipy():
    rng = np.random.default_rng(11)
    for trial in range(60):
        nx, ny = rng.integers(2, 80, 2)
        if trial % 2:
            a, b = rng.normal(size=nx), rng.normal(0.3, 1, ny)
        else:
            a, b = rng.integers(1, 6, nx).astype(float), rng.integers(1, 6, ny).astype(float)
        res, ref = independent_test(a, b, method="brunnermunzel"), sps.brunnermunzel(a, b)
        assert res["statistic"] == pytest.approx(ref.statistic, rel=1e-12)
        assert res["p_value"] == pytest.approx(ref.pvalue, rel=1e-12, abs=1e-300)

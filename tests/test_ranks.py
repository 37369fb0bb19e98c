"""Property tests: the O(n log n) selection in evaluation.ranks equals brute force.

The brute-force path materialises every Walsh average / pairwise difference with numpy,
sorts and picks; the confidence limits are found by evaluating R's ``wilcox.test``
statistic (its ``wdiff`` function, ranks and tie correction recomputed at every shift) on
each open stretch between consecutive distinct entries of the full sorted array and
taking the entry at which it crosses the normal quantile. Data: tied and untied, small
(n <= 60), all values equal, a single value, negative numbers, Likert 1..5.
"""
from __future__ import annotations

from contextlib import contextmanager

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from scipy import stats as sps

from evaluation import ranks

SETTINGS = settings(max_examples=60, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# ----------------------------------------------------------------------------- strategies
# Exact binary fractions (k/8): Walsh averages and differences are exact, so a stretch
# midpoint never coincides with an entry and the brute-force inversion is well defined.
_eighths = st.integers(-400, 400).map(lambda k: k / 8)
_likert = st.integers(1, 5).map(float)
_few = st.integers(-3, 3).map(float)  # heavy ties and values of both signs
_wide = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)  # arbitrary doubles


def _samples(elements, min_size=1, max_size=60):
    return st.lists(elements, min_size=min_size, max_size=max_size).map(lambda v: np.array(v, dtype=float))


_constant = st.tuples(_eighths, st.integers(1, 60)).map(lambda t: np.full(t[1], t[0]))
any_sample = st.one_of(_samples(_eighths), _samples(_likert), _samples(_few), _samples(_wide), _constant)
exact_sample = st.one_of(_samples(_eighths), _samples(_likert), _samples(_few), _constant)
LEVELS = st.sampled_from([0.5, 0.8, 0.9, 0.95, 0.99])


# ----------------------------------------------------------------------------- brute force
def _walsh_all(x):
    x = np.asarray(x, dtype=float)
    return np.sort(((x[:, None] + x[None, :]) / 2)[np.triu_indices(len(x))])


def _diff_all(x, y):
    return np.sort((np.asarray(x, float)[:, None] - np.asarray(y, float)[None, :]).ravel())


def _r_wdiff_one(x, d, correct):
    """R's ``wdiff(d, zq) + zq`` of ``wilcox.test(x, conf.int = TRUE, exact = FALSE)``."""
    xd = x - d
    xd = xd[xd != 0]
    nx = len(xd)
    dr = sps.rankdata(np.abs(xd))
    zd = dr[xd > 0].sum() - nx * (nx + 1) / 4
    _, ties = np.unique(dr, return_counts=True)
    sigma = np.sqrt(nx * (nx + 1) * (2 * nx + 1) / 24 - np.sum(ties.astype(float) ** 3 - ties) / 48)
    return (zd - (np.sign(zd) * 0.5 if correct else 0.0)) / sigma


def _r_wdiff_two(x, y, d, correct):
    """R's ``wdiff(d, zq) + zq`` of ``wilcox.test(x, y, conf.int = TRUE, exact = FALSE)``."""
    nx, ny = len(x), len(y)
    dr = sps.rankdata(np.concatenate([x - d, y]))
    _, ties = np.unique(dr, return_counts=True)
    dz = dr[:nx].sum() - nx * (nx + 1) / 2 - nx * ny / 2
    sigma = np.sqrt(nx * ny / 12 * ((nx + ny + 1) - np.sum(ties.astype(float) ** 3 - ties)
                                    / ((nx + ny) * (nx + ny - 1))))
    return (dz - (np.sign(dz) * 0.5 if correct else 0.0)) / sigma


def _brute_limits(entries, statistic, confidence):
    """Invert the step function `statistic` over the sorted `entries`: per limit, the entry
    u_k with the statistic >= target on the stretch just below it and < target just above;
    NaN when the statistic never falls below the target or is already below it under the
    smallest entry."""
    u = np.unique(entries)
    probes = np.concatenate([[u[0] - 1], (u[:-1] + u[1:]) / 2, [u[-1] + 1]])  # stretch s_0..s_K
    assert np.all(probes[:-1] < u) and np.all(u < probes[1:])
    z = np.array([statistic(p) for p in probes])
    z_crit = sps.norm.ppf(1 - (1 - confidence) / 2)
    out = []
    for target in (z_crit, -z_crit):
        below = np.flatnonzero(z < target)
        out.append(np.nan if len(below) == 0 or below[0] == 0 else u[below[0] - 1])
    return tuple(out)


@contextmanager
def _path(name):
    """Force one selection path: "default", "table" (distinct values with multiplicities)
    or "implicit" (row-bound selection with sampled pivots), even for tiny samples."""
    saved = ranks._DIRECT, ranks._TABLE
    ranks._DIRECT, ranks._TABLE = {"default": saved, "table": (0, 1 << 30), "implicit": (0, 0)}[name]
    try:
        yield
    finally:
        ranks._DIRECT, ranks._TABLE = saved


PATHS = st.sampled_from(["default", "table", "implicit"])


def _same(a, b):
    """Bit-identical floats (NaN equal to NaN)."""
    return (np.isnan(a) and np.isnan(b)) or a == b


# ----------------------------------------------------------------------------- selection
@SETTINGS
@given(path=PATHS, x=any_sample, data=st.data())
@example(path="default", x=np.array([2.5]), data=None)
@example(path="default", x=np.full(7, -3.0), data=None)
def test_kth_walsh_average_is_the_sorted_entry(path, x, data):
    with _path(path):
        w = _walsh_all(x)
        ks = range(len(w)) if data is None else data.draw(
            st.lists(st.integers(0, len(w) - 1), min_size=1, max_size=8), label="ks")
        for k in [0, len(w) - 1, *ks]:
            assert ranks.kth_walsh_average(x, k) == w[k]
        assert ranks.walsh_median(x) == np.median(w)


@SETTINGS
@given(path=PATHS, x=any_sample, y=any_sample, data=st.data())
@example(path="default", x=np.array([1.0]), y=np.array([4.0]), data=None)
@example(path="default", x=np.full(5, 2.0), y=np.full(3, 2.0), data=None)
def test_kth_difference_is_the_sorted_entry(path, x, y, data):
    with _path(path):
        d = _diff_all(x, y)
        ks = range(len(d)) if data is None else data.draw(
            st.lists(st.integers(0, len(d) - 1), min_size=1, max_size=8), label="ks")
        for k in [0, len(d) - 1, *ks]:
            assert ranks.kth_difference(x, y, k) == d[k]
        assert ranks.difference_median(x, y) == np.median(d)


@SETTINGS
@given(path=PATHS, x=any_sample, data=st.data())
def test_count_walsh_averages(path, x, data):
    with _path(path):
        w = _walsh_all(x)
        t = data.draw(st.one_of(st.sampled_from(list(w)), _wide, _eighths), label="t")
        assert ranks.count_walsh_averages(x, t) == (int(np.sum(w < t)), int(np.sum(w == t)))


@SETTINGS
@given(path=PATHS, x=any_sample, y=any_sample, data=st.data())
def test_count_differences(path, x, y, data):
    with _path(path):
        d = _diff_all(x, y)
        t = data.draw(st.one_of(st.sampled_from(list(d)), _wide, _eighths), label="t")
        assert ranks.count_differences(x, y, t) == (int(np.sum(d < t)), int(np.sum(d == t)))


def test_selection_rejects_a_rank_outside_the_entries():
    with pytest.raises(IndexError):
        ranks.kth_walsh_average([1.0, 2.0], 3)
    with pytest.raises(IndexError):
        ranks.kth_difference([1.0, 2.0], [0.0], -1)


@pytest.mark.parametrize("path", ["default", "implicit", "table"])
def test_selection_beyond_the_direct_partition_size(path):
    """n(n+1)/2 > 2**15: Likert data are tabulated, continuous data selected with sampled
    pivots (forced either way by `path`); still exactly the sorted entries."""
    rng = np.random.default_rng(7)
    for x in (rng.integers(1, 6, 400).astype(float), rng.normal(size=400), np.full(300, -2.0)):
        if path == "table" and len(np.unique(x)) > 5:
            continue  # 400² distinct pairs: tabulating them is the brute force itself
        with _path(path):
            w = _walsh_all(x)
            for k in (0, 1, len(w) // 3, len(w) // 2, len(w) - 2, len(w) - 1):
                assert ranks.kth_walsh_average(x, k) == w[k]
            assert ranks.walsh_median(x) == np.median(w)
            y = x[::2] - 0.25
            d = _diff_all(x, y)
            for k in (0, len(d) // 5, len(d) // 2, len(d) - 1):
                assert ranks.kth_difference(x, y, k) == d[k]
            assert ranks.difference_median(x, y) == np.median(d)
            for t in (w[len(w) // 2], w[0] - 1, 0.5):
                assert ranks.count_walsh_averages(x, t) == (int(np.sum(w < t)), int(np.sum(w == t)))
            for t in (d[len(d) // 3], 0.75):
                assert ranks.count_differences(x, y, t) == (int(np.sum(d < t)), int(np.sum(d == t)))


# ----------------------------------------------------------------------------- intervals
@SETTINGS
@given(path=PATHS, x=exact_sample.map(lambda v: v[v != 0]), confidence=LEVELS, correct=st.booleans())
@example(path="default", x=np.array([1.0, 2.0, 2.0, 3.0, -1.0, 4.0, 2.0, 5.0, 1.0, 3.0]), confidence=0.95, correct=True)
@example(path="default", x=np.array([-2.0]), confidence=0.95, correct=True)
def test_signed_rank_limits_invert_r_statistic(path, x, confidence, correct):
    with _path(path):
        low, high, note = ranks.signed_rank_limits(x, confidence, correct=correct)
        if len(x) == 0 or np.all(x == x[0]):  # R: "cannot compute confidence interval ... tied"
            assert np.isnan(low) and np.isnan(high) and "no confidence interval" in note
            return
        want = _brute_limits(_walsh_all(x), lambda d: _r_wdiff_one(x, d, correct), confidence)
        assert _same(low, want[0]) and _same(high, want[1]), (low, high, want)
        assert (note == "") == (not np.isnan(want).any())
        if not np.isnan(want).any():
            assert low <= ranks.walsh_median(x) <= high


@SETTINGS
@given(path=PATHS, x=exact_sample, y=exact_sample, confidence=LEVELS, correct=st.booleans())
@example(path="default", x=np.array([5.0, 6, 7, 8, 9, 6]), y=np.array([1.0, 2, 3, 4, 5, 2]), confidence=0.95, correct=True)
@example(path="default", x=np.array([3.0]), y=np.array([1.0, 1.0, 2.0]), confidence=0.9, correct=True)
def test_rank_sum_limits_invert_r_statistic(path, x, y, confidence, correct):
    with _path(path):
        assume(len(x) + len(y) >= 2)
        low, high, note = ranks.rank_sum_limits(x, y, confidence, correct=correct)
        if np.all(x == x[0]) and np.all(y == y[0]):  # one difference only (R stops: all tied)
            assert np.isnan(low) and np.isnan(high) and "no confidence interval" in note
            return
        want = _brute_limits(_diff_all(x, y), lambda d: _r_wdiff_two(x, y, d, correct), confidence)
        assert _same(low, want[0]) and _same(high, want[1]), (low, high, want)
        assert (note == "") == (not np.isnan(want).any())
        if not np.isnan(want).any():
            assert low <= ranks.difference_median(x, y) <= high


@SETTINGS
@given(x=exact_sample.map(lambda v: v[v != 0]).filter(lambda v: len(v) > 0), correct=st.booleans())
def test_signed_rank_z_is_r_statistic(x, correct):
    shift = float(np.median(x)) + 0.0625  # off every Walsh average of k/8 data
    want = _r_wdiff_one(x, shift, correct)
    got = ranks.signed_rank_z(x, shift, correct=correct)
    assert _same(got, want) or got == pytest.approx(want, rel=1e-12)


@SETTINGS
@given(x=exact_sample, y=exact_sample, correct=st.booleans())
def test_rank_sum_z_is_r_statistic(x, y, correct):
    assume(len(x) + len(y) >= 3 and not (np.all(x == x[0]) and np.all(y == y[0]) and x[0] == y[0]))
    want = _r_wdiff_two(x, y, 0.0, correct)
    assert ranks.rank_sum_z(x, y, correct=correct) == pytest.approx(want, rel=1e-12, abs=1e-12)


# ----------------------------------------------------------------------------- jackknife SEs
def _jackknife(stat, values):
    loo = np.array([stat(np.delete(values, k)) for k in range(len(values))])
    return (len(values) - 1) / len(values) * np.sum((loo - loo.mean()) ** 2)


def _rank_biserial_brute(x):
    s = (x[:, None] + x[None, :])[np.triu_indices(len(x))]
    return np.mean(np.sign(s))


def _cliff_brute(x, y):
    return np.mean(np.sign(x[:, None] - y[None, :]))


@SETTINGS
@given(x=exact_sample.map(lambda v: v[v != 0]).filter(lambda v: len(v) >= 2))
def test_rank_biserial_jackknife_se_is_brute_force(x):
    want = np.sqrt(_jackknife(_rank_biserial_brute, x))
    assert ranks.rank_biserial_jackknife_se(x) == pytest.approx(want, rel=1e-9, abs=1e-12)


@SETTINGS
@given(x=exact_sample.filter(lambda v: len(v) >= 2), y=exact_sample.filter(lambda v: len(v) >= 2))
def test_cliffs_delta_jackknife_se_is_brute_force(x, y):
    var = _jackknife(lambda v: _cliff_brute(v, y), x) + _jackknife(lambda v: _cliff_brute(x, v), y)
    assert ranks.cliffs_delta_jackknife_se(x, y) == pytest.approx(np.sqrt(var), rel=1e-9, abs=1e-12)


@SETTINGS
@given(x=any_sample, y=any_sample)
def test_rank_sum_parts_equal_the_pooled_midrank_route(x, y):
    ranks_ = sps.rankdata(np.concatenate([x, y]))
    _, ties = np.unique(ranks_, return_counts=True)
    want = (float(ranks_[:len(x)].sum() - len(x) * (len(x) + 1) / 2),
            float(np.sum(ties.astype(float) ** 3 - ties)))
    assert ranks._rank_sum_parts(np.sort(x), np.sort(y)) == want

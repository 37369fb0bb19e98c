"""Rank statistics in O(n log n) time and O(n) memory: Hodges–Lehmann estimates, the
Lehmann/Moses confidence limits of the signed-rank and rank-sum tests, and the
jackknife standard errors of the rank-biserial correlation and Cliff's delta.

The Hodges–Lehmann estimates and their confidence limits are order statistics of the
n(n+1)/2 Walsh averages of one sample or of the m·n differences between two samples.
Nothing here stores those sets: they are the entries of a matrix whose rows are sorted,
``fl(a_i + b_j)`` with ``a`` and ``b`` sorted (Walsh: ``a = b = x`` and ``j >= i``, halved;
differences: ``a = x``, ``b = sorted(-y)``), and the k-th smallest entry is found by the
row-bound selection of Johnson & Mitchell (1978) and Monahan (1984): keep, for every row,
the range of columns that can still hold the answer; draw a random sample of the remaining
entries, take two sample quantiles that bracket rank k (Floyd & Rivest 1975), count the
entries below each with one binary search per row (O(n log n)), and shrink the ranges.
A few rounds leave a small candidate set that is partitioned directly. The answer is an
actual entry, bit for bit the element that sorting the materialised array would give
(floating-point addition is monotone, so every row stays sorted after rounding, and each
count is checked with the exact floating-point comparison).

Examples
--------
>>> from evaluation.ranks import kth_walsh_average, walsh_median
>>> x = [1.0, 2.0, 4.0]
>>> [kth_walsh_average(x, k) for k in range(6)]  # sorted: 1, 1.5, 2, 2.5, 3, 4
[1.0, 1.5, 2.0, 2.5, 3.0, 4.0]
>>> walsh_median(x)
2.25
"""
from __future__ import annotations

import numpy as np
from scipy import stats as sps

__all__ = [
    "kth_walsh_average",
    "walsh_median",
    "count_walsh_averages",
    "kth_difference",
    "difference_median",
    "count_differences",
    "signed_rank_z",
    "rank_sum_z",
    "signed_rank_limits",
    "rank_sum_limits",
    "rank_biserial_jackknife_se",
    "cliffs_delta_jackknife_se",
    "rank_biserial_ci",
    "cliffs_delta_ci",
]

_DIRECT = 1 << 15  # candidate sets at most this large are partitioned directly
_SAMPLE = 16384  # random entries drawn per round to place the two pivots
_SEED = 20240501  # fixed: the answer never depends on it, only the running time does
_TABLE = 1 << 18  # at most this many pairs of distinct values: tabulate them with multiplicities


def _runs(sorted_values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct values of a sorted array and how often each occurs."""
    if len(sorted_values) == 0:
        return sorted_values, np.zeros(0, dtype=np.int64)
    starts = np.flatnonzero(np.concatenate([[True], sorted_values[1:] != sorted_values[:-1]]))
    return sorted_values[starts], np.diff(np.append(starts, len(sorted_values))).astype(np.int64)


# --------------------------------------------------------------------------- implicit matrix
class _SortedSums:
    """The multiset of ``fl(a_i + b_j)`` (all i, j; or ``j >= i`` when triangular), unstored.

    ``a`` and ``b`` are sorted ascending, so each row is non-decreasing in j: rounding to
    nearest is monotone. Every routine relies on that only.

    When ``a`` and ``b`` have few distinct values (answers on a 1..5 scale and their
    differences: at most :data:`_TABLE` pairs of distinct values), the entries are
    tabulated instead: every pair of distinct values once, ``fl(u_i + v_j)``, with its
    multiplicity (``c_i c_j``; on the diagonal of the triangular case ``c_i (c_i + 1)/2``),
    sorted, with cumulative multiplicities. Order statistics and counts are then binary
    searches; they are the same floating-point sums, so the answers are the same entries.
    """

    def __init__(self, a: np.ndarray, b: np.ndarray, triangular: bool):
        self.a = np.ascontiguousarray(a, dtype=float)
        self.b = np.ascontiguousarray(b, dtype=float)
        self.n, self.m = len(self.a), len(self.b)
        self.first = np.arange(self.n) if triangular else np.zeros(self.n, dtype=np.int64)
        self.size = int(np.sum(self.m - self.first))
        self._values = self._cum = None
        if self.size > _DIRECT:
            ua, ca = _runs(self.a)
            ub, cb = (ua, ca) if triangular else _runs(self.b)
            if len(ua) * len(ub) <= _TABLE:
                self._tabulate(ua, ca, ub, cb, triangular)

    def _tabulate(self, ua, ca, ub, cb, triangular: bool) -> None:
        values = ua[:, None] + ub[None, :]
        weights = ca[:, None] * cb[None, :]
        if triangular:
            weights = np.triu(weights, 1)
            np.fill_diagonal(weights, ca * (ca + 1) // 2)
        keep = weights > 0
        values, weights = values[keep], weights[keep]
        order = np.argsort(values, kind="stable")
        self._values = values[order]
        self._cum = np.cumsum(weights[order])
        assert int(self._cum[-1]) == self.size

    def _table_count(self, s: float, strict: bool) -> int:
        at = int(np.searchsorted(self._values, s, side="left" if strict else "right"))
        return int(self._cum[at - 1]) if at > 0 else 0

    def _before(self, rows, cols, s: float, strict: bool) -> np.ndarray:
        """Exact test: does entry (row, col) lie before the boundary of `s`?"""
        sums = self.a[rows] + self.b[cols]
        return sums < s if strict else sums <= s

    def boundary(self, s: float, strict: bool) -> np.ndarray:
        """Per row, the number of columns whose entry is < s (strict) or <= s; never below
        the row's first column."""
        a, b, m = self.a, self.b, self.m
        with np.errstate(over="ignore", invalid="ignore"):
            keys = s - a[::-1]  # increasing keys: numpy's binary search reuses the last hit
            col = np.searchsorted(b, keys, side="left" if strict else "right")[::-1].copy()
        # s - a_i is rounded, so a boundary can be off by a few entries: check it exactly.
        below = a + b[np.maximum(col - 1, 0)]
        above = a + b[np.minimum(col, m - 1)]
        if strict:
            bad = ((col > 0) & ~(below < s)) | ((col < m) & (above < s))
        else:
            bad = ((col > 0) & ~(below <= s)) | ((col < m) & (above <= s))
        if bad.any():
            rows = np.flatnonzero(bad)
            col[rows] = self._bisect(rows, s, strict)
        return np.maximum(col, self.first)

    def _bisect(self, rows: np.ndarray, s: float, strict: bool) -> np.ndarray:
        lo = np.zeros(len(rows), dtype=np.int64)
        hi = np.full(len(rows), self.m, dtype=np.int64)
        while np.any(lo < hi):
            mid = (lo + hi) // 2
            active = lo < hi
            before = self._before(rows, np.minimum(mid, self.m - 1), s, strict)
            lo = np.where(active & before, mid + 1, lo)
            hi = np.where(active & ~before, mid, hi)
        return lo

    def count(self, s: float, strict: bool = False) -> int:
        """Number of entries < s (strict) or <= s."""
        if self._values is not None:
            return self._table_count(s, strict)
        return int(np.sum(self.boundary(s, strict) - self.first))

    def kth(self, k: int) -> float:
        """The k-th smallest entry (0-based), as ``np.sort(entries)[k]``."""
        if not 0 <= k < self.size:
            raise IndexError(f"k = {k} is outside 0..{self.size - 1}")
        if self._values is not None:
            return float(self._values[int(np.searchsorted(self._cum, k, side="right"))])
        lo = self.first.copy()
        hi = np.full(self.n, self.m, dtype=np.int64)
        rng = np.random.default_rng(_SEED)
        while True:
            sizes = np.maximum(hi - lo, 0)
            total = int(sizes.sum())
            rank = k - int(np.sum(lo - self.first))  # entries left of `lo` are all smaller
            if total <= max(_DIRECT, 4 * self.n):
                return float(np.partition(self._entries(lo, sizes, total), rank)[rank])
            ends = np.cumsum(sizes)
            pick = rng.integers(0, total, size=_SAMPLE)
            rows = np.searchsorted(ends, pick, side="right")
            sample = np.sort(self.a[rows] + self.b[lo[rows] + pick - (ends[rows] - sizes[rows])])
            frac = (rank + 0.5) / total
            spread = 3.0 * np.sqrt(_SAMPLE * frac * (1 - frac)) + 1
            low_pivot = sample[max(int(frac * _SAMPLE - spread), 0)]
            high_pivot = sample[min(int(frac * _SAMPLE + spread), _SAMPLE - 1)]
            le = self.boundary(low_pivot, strict=False)
            if k >= int(np.sum(le - self.first)):
                lo = np.maximum(lo, le)  # the answer is above the low pivot
                lt = self.boundary(high_pivot, strict=True)
                if k < int(np.sum(lt - self.first)):
                    hi = np.minimum(hi, lt)  # ... and below the high pivot
                    continue
                le = self.boundary(high_pivot, strict=False)
                if k < int(np.sum(le - self.first)):
                    return float(high_pivot)
                lo = np.maximum(lo, le)
                continue
            lt = self.boundary(low_pivot, strict=True)
            if k >= int(np.sum(lt - self.first)):
                return float(low_pivot)
            hi = np.minimum(hi, lt)

    def _entries(self, lo: np.ndarray, sizes: np.ndarray, total: int) -> np.ndarray:
        rows = np.repeat(np.arange(self.n), sizes)
        starts = np.cumsum(sizes) - sizes
        cols = lo[rows] + np.arange(total) - starts[rows]
        return self.a[rows] + self.b[cols]

    def next_above(self, s: float) -> float:
        """The smallest entry > s (NaN if there is none)."""
        if self._values is not None:
            at = int(np.searchsorted(self._values, s, side="right"))
            return float(self._values[at]) if at < len(self._values) else np.nan
        col = self.boundary(s, strict=False)
        ok = col < self.m
        if not ok.any():
            return np.nan
        return float(np.min(self.a[ok] + self.b[col[ok]]))

    def middle(self) -> tuple[float, float]:
        """The two middle entries (the same one twice when the count is odd)."""
        half = self.size // 2
        upper = self.kth(half)
        if self.size % 2:
            return upper, upper
        if self._values is not None:
            return self.kth(half - 1), upper
        col = self.boundary(upper, strict=True)  # entries below the upper middle one
        if int(np.sum(col - self.first)) <= half - 1:
            return upper, upper  # both middle entries are tied
        ok = col > self.first
        lower = float(np.max(self.a[ok] + self.b[col[ok] - 1]))  # the largest entry below
        return lower, upper

    def median(self) -> float:
        """Median of the entries, as ``np.median`` (mean of the two middle ones if even)."""
        lower, upper = self.middle()
        return upper if lower == upper else (lower + upper) / 2


def _walsh(x) -> _SortedSums:
    xs = np.sort(np.asarray(x, dtype=float))
    return _SortedSums(xs, xs, triangular=True)


def _differences(x, y) -> _SortedSums:
    return _SortedSums(np.sort(np.asarray(x, dtype=float)),
                       np.sort(-np.asarray(y, dtype=float)), triangular=False)


# --------------------------------------------------------------------------- public selection
def kth_walsh_average(x, k: int) -> float:
    """The k-th smallest (0-based) Walsh average ``(x_i + x_j)/2``, i ≤ j, of a sample.

    Parameters
    ----------
    x : array-like of float
        The sample (any order; finite values).
    k : int
        Rank, ``0 <= k < n(n+1)/2``.

    Returns
    -------
    float
        Exactly ``np.sort(w)[k]`` for the materialised Walsh averages
        ``w = ((x[:, None] + x[None, :]) / 2)[np.triu_indices(n)]``, ties included, in
        O(n log n) expected time and O(n) memory.

    Examples
    --------
    >>> kth_walsh_average([3.0, 1.0, 2.0], 0), kth_walsh_average([3.0, 1.0, 2.0], 5)
    (1.0, 3.0)
    """
    return _walsh(x).kth(int(k)) / 2


def walsh_median(x) -> float:
    """Median of the Walsh averages (the one-sample Hodges–Lehmann estimate).

    Parameters
    ----------
    x : array-like of float
        The sample.

    Returns
    -------
    float
        ``np.median`` of the n(n+1)/2 Walsh averages (mean of the two middle ones when the
        count is even), without materialising them.

    Examples
    --------
    >>> walsh_median([1.0, 2.0, 4.0, 8.0])
    3.5
    """
    return _halved_median(_walsh(x))


def _halved_median(sums: _SortedSums) -> float:
    """Median of the halved entries (Walsh averages from their doubled sums), exactly as
    ``np.median``: halve the two middle entries first, then average them."""
    lower, upper = sums.middle()
    lower, upper = lower / 2, upper / 2
    return upper if lower == upper else (lower + upper) / 2


def _halved_bounds(t: float) -> tuple[float, float]:
    """The smallest and the largest double s with ``fl(s / 2) == t`` (so that counting
    sums against them counts halved sums against `t` exactly, subnormals included:
    ``fl(s/2) < t`` iff ``s < lo``, ``fl(s/2) <= t`` iff ``s <= hi``)."""
    t = float(t)
    with np.errstate(over="ignore"):
        lo = hi = 2 * t
    if np.isnan(t) or np.isinf(t):
        return lo, hi
    while lo > -np.inf and (below := np.nextafter(lo, -np.inf)) / 2 >= t:
        lo = below
    while hi < np.inf and (above := np.nextafter(hi, np.inf)) / 2 <= t:
        hi = above
    return lo, hi


def count_walsh_averages(x, t: float) -> tuple[int, int]:
    """Numbers of Walsh averages below and equal to `t`.

    Parameters
    ----------
    x : array-like of float
        The sample.
    t : float
        Threshold.

    Returns
    -------
    tuple of int
        ``(#{w < t}, #{w == t})`` over the n(n+1)/2 Walsh averages.

    Examples
    --------
    >>> count_walsh_averages([1.0, 2.0, 3.0], 2.0)
    (2, 2)
    """
    sums = _walsh(x)
    lo, hi = _halved_bounds(t)
    below = sums.count(lo, strict=True)
    return below, sums.count(hi) - below


def kth_difference(x, y, k: int) -> float:
    """The k-th smallest (0-based) pairwise difference ``x_i − y_j``.

    Parameters
    ----------
    x, y : array-like of float
        The two samples.
    k : int
        Rank, ``0 <= k < len(x) * len(y)``.

    Returns
    -------
    float
        Exactly ``np.sort((x[:, None] - y[None, :]).ravel())[k]``, in O((m + n) log(m + n))
        expected time and O(m + n) memory.

    Examples
    --------
    >>> kth_difference([1.0, 5.0], [0.0, 2.0], 1)
    1.0
    """
    return _differences(x, y).kth(int(k))


def difference_median(x, y) -> float:
    """Median of the pairwise differences ``x_i − y_j`` (two-sample Hodges–Lehmann shift).

    Parameters
    ----------
    x, y : array-like of float
        The two samples.

    Returns
    -------
    float
        ``np.median`` of the ``len(x) * len(y)`` differences, without materialising them.

    Examples
    --------
    >>> difference_median([1.0, 5.0], [0.0, 2.0])
    2.0
    """
    return _differences(x, y).median()


def count_differences(x, y, t: float) -> tuple[int, int]:
    """Numbers of pairwise differences ``x_i − y_j`` below and equal to `t`.

    Parameters
    ----------
    x, y : array-like of float
        The two samples.
    t : float
        Threshold.

    Returns
    -------
    tuple of int
        ``(#{x_i - y_j < t}, #{x_i - y_j == t})``.

    Examples
    --------
    >>> count_differences([1.0, 5.0], [0.0, 2.0], 1.0)
    (1, 1)
    """
    sums = _differences(x, y)
    below = sums.count(t, strict=True)
    return below, sums.count(t) - below


# --------------------------------------------------------------------------- R's statistics
def _tie_term(values: np.ndarray) -> float:
    """Sum of t³ − t over groups of tied values."""
    _, counts = np.unique(values, return_counts=True)
    return float(np.sum(counts.astype(float) ** 3 - counts))


def signed_rank_z(x, shift: float = 0.0, *, correct: bool = True) -> float:
    """R's standardised signed-rank statistic of ``x − shift`` (``W(d)`` in ``wilcox.test``).

    Parameters
    ----------
    x : array-like of float
        The sample (paired differences).
    shift : float
        Hypothesised location d.
    correct : bool
        Two-sided continuity correction ``sign(z)/2``.

    Returns
    -------
    float
        :math:`(V - m(m+1)/4 - \\tfrac12\\operatorname{sign}) / \\sqrt{m(m+1)(2m+1)/24 -
        \\sum(t^3-t)/48}` over the m non-zero values of ``x − d``, with mid-ranks of their
        absolute values; NaN when the denominator is 0 (no non-zero value, or one).

    Examples
    --------
    >>> round(signed_rank_z([1.0, 2.0, 3.0, -0.5]), 4)
    1.278
    """
    xd = np.asarray(x, dtype=float) - shift
    xd = xd[xd != 0]
    m = len(xd)
    ranks = sps.rankdata(np.abs(xd))
    zd = ranks[xd > 0].sum() - m * (m + 1) / 4
    sigma = np.sqrt(m * (m + 1) * (2 * m + 1) / 24 - _tie_term(ranks) / 48)
    corr = 0.5 * np.sign(zd) if correct else 0.0
    with np.errstate(invalid="ignore", divide="ignore"):
        return float((zd - corr) / sigma) if sigma > 0 else np.nan


def _rank_sum_parts(xs: np.ndarray, ys: np.ndarray) -> tuple[float, float]:
    """R's W (Mann–Whitney U of `xs`) and the pooled tie term, from sorted samples.

    ``U = #{x > y} + ½ #{x = y}`` equals ``sum(rank(c(x, y))[x]) − n_x(n_x+1)/2`` with
    mid-ranks; both are exact in floating point (half-integers far below 2**53), so this
    is bit for bit the rank-sum route, in O(n) after sorting. The tie term is
    :math:`\\sum(t^3 - t)` over the pooled groups of equal values, in ascending order of
    value as ``np.unique`` of the pooled mid-ranks gives them.
    """
    ux, cx = _runs(xs)
    uy, cy = _runs(ys)
    below = np.concatenate([[0], np.cumsum(cy)])
    lo = below[np.searchsorted(uy, ux, side="left")]
    hi = below[np.searchsorted(uy, ux, side="right")]
    twice_u = int(np.sum(cx * (lo + hi)))  # 2 #{y < x} + #{y = x}, per x
    values = np.concatenate([ux, uy])
    inverse = np.unique(values, return_inverse=True)[1]
    counts = np.bincount(inverse, weights=np.concatenate([cx, cy]).astype(float))
    return twice_u / 2, float(np.sum(counts ** 3 - counts))


def rank_sum_z(x, y, shift: float = 0.0, *, correct: bool = True) -> float:
    """R's standardised rank-sum statistic of ``x − shift`` against ``y``.

    Parameters
    ----------
    x, y : array-like of float
        The two samples.
    shift : float
        Hypothesised shift d of `x` relative to `y`.
    correct : bool
        Two-sided continuity correction ``sign(z)/2``.

    Returns
    -------
    float
        :math:`(W - n_x n_y/2 - \\tfrac12\\operatorname{sign}) / \\sqrt{\\frac{n_x n_y}{12}
        \\bigl(n_x + n_y + 1 - \\frac{\\sum(t^3-t)}{(n_x+n_y)(n_x+n_y-1)}\\bigr)}` with
        mid-ranks of the pooled ``x − d, y``; NaN when every pooled value is tied.

    Examples
    --------
    >>> round(rank_sum_z([3.0, 4.0, 5.0], [1.0, 2.0, 3.0]), 4)
    1.5498
    """
    x = np.sort(np.asarray(x, dtype=float) - shift)
    y = np.sort(np.asarray(y, dtype=float))
    nx, ny = len(x), len(y)
    u, ties = _rank_sum_parts(x, y)
    dz = u - nx * ny / 2
    sigma = np.sqrt(nx * ny / 12 * ((nx + ny + 1) - ties / ((nx + ny) * (nx + ny - 1))))
    corr = 0.5 * np.sign(dz) if correct else 0.0
    return float((dz - corr) / sigma) if sigma > 0 else np.nan


# --------------------------------------------------------------------------- CI inversion
def _first_count(total: int, accept) -> int | None:
    """Smallest c in 0..total with accept(c), for accept monotone (False ... True)."""
    if not accept(total):
        return None
    lo, hi = 0, total
    while lo < hi:
        mid = (lo + hi) // 2
        if accept(mid):
            hi = mid
        else:
            lo = mid + 1
    return lo


def _invert(sums: _SortedSums, sigma: float, z_crit: float, correct: bool) -> tuple[float, float, str]:
    """Limits where the standardised statistic crosses ±z_crit, as order statistics.

    Between two consecutive distinct entries (Walsh averages or differences) the rank
    statistic equals the number of entries above the shift, ``total − c`` with c the number
    at or below it, and its null SD `sigma` is the same on every such open stretch (only the
    ties within the sample(s) remain there). The standardised statistic is therefore a
    non-increasing function of c, and the limit is the entry at which it falls below the
    target: the ``c*``-th smallest, with ``c*`` found by bisection over counts.
    """
    total = sums.size
    centre = total / 2

    def z(c: int) -> float:
        dz = (total - c) - centre
        return (dz - (0.5 * np.sign(dz) if correct else 0.0)) / sigma

    limits, notes = [], []
    for target, side in ((z_crit, "lower"), (-z_crit, "upper")):
        c = _first_count(total, lambda c, t=target: z(c) < t)
        if c is None or c == 0:
            limits.append(np.nan)
            notes.append(side)
        else:
            limits.append(sums.kth(c - 1))
        # (c is None: the statistic stays above the target even past the largest entry)
    note = ""
    if notes:
        note = (f"{' and '.join(notes)} confidence limit not reached: the test rejects no shift "
                f"{'below' if notes == ['lower'] else 'above' if notes == ['upper'] else 'on either side of'}"
                " the data at this level (too few values); limit set to NaN")
    return limits[0], limits[1], note


def signed_rank_limits(x, confidence: float = 0.95, *, correct: bool = True) -> tuple[float, float, str]:
    """Confidence limits of the pseudomedian by inverting R's normal-approximation
    signed-rank test (``wilcox.test(x, conf.int = TRUE, exact = FALSE)``).

    Parameters
    ----------
    x : array-like of float
        Non-zero paired differences.
    confidence : float
        Two-sided level.
    correct : bool
        Continuity correction, as R's default.

    Returns
    -------
    tuple
        ``(low, high, note)``: Walsh averages at which the statistic crosses the normal
        quantiles; a limit the statistic never reaches (too few values for the level) or
        an interval that cannot be computed (every value the same, as R) is NaN, and
        `note` says why ("" otherwise).

    Notes
    -----
    R finds the limits with ``uniroot(tol = 1e-4)``; here the exact crossing is returned, an
    order statistic of the Walsh averages found by bisection over their count, in
    O(n log n) time and O(n) memory. R evaluates the statistic *at* the smallest and
    largest values to decide whether a limit exists and then lowers the confidence level
    ("requested conf.level not achievable"); here a limit that does not exist is NaN.

    Examples
    --------
    >>> signed_rank_limits([1.0, 2.0, 2.0, 3.0, -1.0, 4.0, 2.0, 5.0, 1.0, 3.0])
    (1.0, 3.5, '')
    """
    xs = np.sort(np.asarray(x, dtype=float))
    n = len(xs)
    if n == 0 or xs[0] == xs[-1]:
        what = "there are no non-zero differences" if n == 0 else f"every non-zero difference equals {xs[0]:g}"
        return np.nan, np.nan, f"{what}: no confidence interval can be computed"
    sigma = np.sqrt(n * (n + 1) * (2 * n + 1) / 24 - _tie_term(xs) / 48)
    z_crit = float(sps.norm.ppf(1 - (1 - confidence) / 2))
    low, high, note = _invert(_SortedSums(xs, xs, triangular=True), sigma, z_crit, correct)
    return low / 2, high / 2, note


def rank_sum_limits(x, y, confidence: float = 0.95, *, correct: bool = True) -> tuple[float, float, str]:
    """Confidence limits of the shift ``x − y`` by inverting R's normal-approximation
    rank-sum test (``wilcox.test(x, y, conf.int = TRUE, exact = FALSE)``).

    Parameters
    ----------
    x, y : array-like of float
        The two samples.
    confidence : float
        Two-sided level.
    correct : bool
        Continuity correction, as R's default.

    Returns
    -------
    tuple
        ``(low, high, note)``: pairwise differences at which the statistic crosses the
        normal quantiles; NaN limits with a `note` when a limit does not exist or when
        every difference ``x_i − y_j`` is the same (R 4.2 stops with an error there).

    Examples
    --------
    >>> rank_sum_limits([5.0, 6.0, 7.0, 8.0, 9.0, 6.0], [1.0, 2.0, 3.0, 4.0, 5.0, 2.0])
    (2.0, 6.0, '')
    """
    xs = np.sort(np.asarray(x, dtype=float))
    ys = np.sort(np.asarray(y, dtype=float))
    nx, ny = len(xs), len(ys)
    if xs[0] == xs[-1] and ys[0] == ys[-1]:
        return np.nan, np.nan, (f"every difference between the groups equals {xs[0] - ys[0]:g}: "
                                "no confidence interval can be computed")
    big = nx + ny
    sigma = np.sqrt(nx * ny / 12 * ((big + 1) - (_tie_term(xs) + _tie_term(ys)) / (big * (big - 1))))
    z_crit = float(sps.norm.ppf(1 - (1 - confidence) / 2))
    return _invert(_SortedSums(xs, -ys[::-1], triangular=False), sigma, z_crit, correct)


# --------------------------------------------------------------------------- effect-size SEs
def rank_biserial_jackknife_se(x) -> float:
    """Jackknife standard error of the matched-pairs rank-biserial correlation.

    Parameters
    ----------
    x : array-like of float
        Non-zero paired differences.

    Returns
    -------
    float
        :math:`\\sqrt{\\frac{n-1}{n}\\sum_k (r_{(-k)} - \\bar r_{(\\cdot)})^2}` where
        :math:`r = \\sum_{i \\le j}\\operatorname{sign}(x_i + x_j) / \\binom{n+1}{2}` and
        :math:`r_{(-k)}` leaves difference k out; NaN for fewer than two differences.

    Notes
    -----
    With mid-ranks, :math:`T_+ = \\#\\{i \\le j: x_i + x_j > 0\\} + \\tfrac12\\#\\{i<j:
    x_i + x_j = 0\\}`, so Kerby's :math:`r = (T_+ - T_-)/(T_+ + T_-)` is the mean of
    :math:`\\operatorname{sign}(x_i + x_j)` over the Walsh pairs, a U-statistic. Leaving
    difference k out removes the row sum :math:`c_k = \\sum_j \\operatorname{sign}(x_k + x_j)`
    (diagonal included), so every :math:`r_{(-k)}` follows from one sort: O(n log n).
    The jackknife variance of a U-statistic is consistent without assuming the null
    hypothesis and counts ties and zero Walsh sums as they are (Arvesen 1969).

    References
    ----------
    Arvesen, J. N. (1969). Jackknifing U-statistics. Annals of Mathematical Statistics 40,
    2076–2100.

    Examples
    --------
    >>> round(rank_biserial_jackknife_se([1.0, 2.0, -1.0, 3.0, 1.0, -2.0, 2.0]), 4)
    0.3785
    """
    xs = np.sort(np.asarray(x, dtype=float))
    n = len(xs)
    if n < 2:
        return np.nan
    # row sums of sign(x_k + x_j) over all j: #{x_j > -x_k} - #{x_j < -x_k}
    greater = n - np.searchsorted(xs, -xs, side="right")
    less = np.searchsorted(xs, -xs, side="left")
    rows = (greater - less).astype(float)
    total = (rows.sum() + np.sign(xs).sum()) / 2  # sum over i <= j: (all ordered + diagonal) / 2
    loo = (total - rows) / ((n - 1) * n / 2)
    return float(np.sqrt((n - 1) / n * np.sum((loo - loo.mean()) ** 2)))


def cliffs_delta_jackknife_se(x, y) -> float:
    """Two-sample jackknife standard error of Cliff's delta :math:`P(x > y) - P(x < y)`.

    Parameters
    ----------
    x, y : array-like of float
        The two samples.

    Returns
    -------
    float
        :math:`\\sqrt{\\frac{n_x-1}{n_x}\\sum_i(\\delta_{(-i)} - \\bar\\delta_{x})^2 +
        \\frac{n_y-1}{n_y}\\sum_j(\\delta_{(-j)} - \\bar\\delta_{y})^2}`, leaving out one
        value of each sample in turn (Arvesen 1969); NaN when a sample has fewer than two.

    Examples
    --------
    >>> round(cliffs_delta_jackknife_se([3.0, 4.0, 5.0, 4.0], [1.0, 2.0, 4.0, 3.0]), 4)
    0.2841
    """
    xs = np.sort(np.asarray(x, dtype=float))
    ys = np.sort(np.asarray(y, dtype=float))
    nx, ny = len(xs), len(ys)
    if nx < 2 or ny < 2:
        return np.nan
    # placements: sum_j sign(x_i - y_j) and sum_i sign(x_i - y_j)
    row = (np.searchsorted(ys, xs, side="left") - (ny - np.searchsorted(ys, xs, side="right"))).astype(float)
    col = ((nx - np.searchsorted(xs, ys, side="right")) - np.searchsorted(xs, ys, side="left")).astype(float)
    total = row.sum()
    loo_x = (total - row) / ((nx - 1) * ny)
    loo_y = (total - col) / (nx * (ny - 1))
    var = (nx - 1) / nx * np.sum((loo_x - loo_x.mean()) ** 2) + (ny - 1) / ny * np.sum((loo_y - loo_y.mean()) ** 2)
    return float(np.sqrt(var))


def _fisher_limits(r: float, se: float, confidence: float, n_bound: float) -> tuple[float, float]:
    """``tanh(atanh r ± z·se/(1 − r²))``; at r = ±1 (se = 0) the bound
    ``2 (α/2)^{1/n_bound} − 1`` from `n_bound` independent comparisons that all agreed;
    NaN when |r| < 1 but se = 0 (every comparison tied)."""
    z = float(sps.norm.ppf(1 - (1 - confidence) / 2))
    if abs(r) < 1:
        if not se > 0:
            return np.nan, np.nan  # no variation at all (every comparison tied)
        half = z * se / (1 - r * r)
        centre = np.arctanh(r)
        return float(np.tanh(centre - half)), float(np.tanh(centre + half))
    bound = 2 * ((1 - confidence) / 2) ** (1 / n_bound) - 1
    return (bound, 1.0) if r > 0 else (-1.0, -bound)


def rank_biserial_ci(x, confidence: float = 0.95) -> tuple[float, float]:
    """Confidence interval of the matched-pairs rank-biserial correlation.

    Parameters
    ----------
    x : array-like of float
        Non-zero paired differences.
    confidence : float
        Two-sided level.

    Returns
    -------
    tuple of float
        ``(low, high)``; NaN for fewer than two differences or when every Walsh sum is 0.

    Notes
    -----
    Fisher's z with the delta-method SE of the jackknife,
    :math:`\\tanh(\\operatorname{atanh} r \\pm z_{1-\\alpha/2}\\,SE_{jack}/(1 - r^2))`
    (:func:`rank_biserial_jackknife_se`). When every non-zero difference has the same
    sign (r = ±1, SE = 0) the interval is ``[2 (α/2)^{2/n} − 1, 1]`` (mirrored for −1):
    the Clopper–Pearson bound :math:`p \\ge (\\alpha/2)^{1/n}` for the share p of positive
    differences after n positive out of n, and :math:`\\rho \\ge p^2 - (1 - p^2)`, since
    two positive differences have a positive sum (equivalently: the n/2 disjoint Walsh
    sums :math:`x_1 + x_2, x_3 + x_4, \\ldots` all being positive bounds
    :math:`P(X_1 + X_2 > 0) \\ge (\\alpha/2)^{2/n}`). The bound is attained by a difference
    that is +1 with probability p and very negative otherwise; the narrower
    ``2 (α/2)^{1/n} − 1`` used before would miss that ρ in up to :math:`\\sqrt{\\alpha/2}`
    (16%) of samples.

    Examples
    --------
    >>> [round(v, 3) for v in rank_biserial_ci([1.0, 2.0, -1.0, 3.0, 1.0, -2.0, 2.0])]
    [-0.414, 0.912]
    """
    xs = np.asarray(x, dtype=float)
    n = len(xs)
    if n < 2:
        return np.nan, np.nan
    s = np.sort(xs)
    greater = n - np.searchsorted(s, -s, side="right")
    less = np.searchsorted(s, -s, side="left")
    r = float(((greater - less).sum() + np.sign(s).sum()) / 2 / (n * (n + 1) / 2))
    return _fisher_limits(r, rank_biserial_jackknife_se(xs), confidence, n / 2)  # n/2 disjoint Walsh pairs


def cliffs_delta_ci(x, y, confidence: float = 0.95) -> tuple[float, float]:
    """Confidence interval of Cliff's delta :math:`P(x > y) - P(x < y)`.

    Parameters
    ----------
    x, y : array-like of float
        The two samples.
    confidence : float
        Two-sided level.

    Returns
    -------
    tuple of float
        ``(low, high)``; NaN when a sample has fewer than two values or every pair is tied.

    Notes
    -----
    Fisher's z with the delta-method SE of the two-sample jackknife
    (:func:`cliffs_delta_jackknife_se`). When every x is above every y (δ = 1) the
    interval is ``[2 (α/2)^{1/m} − 1, 1]`` with m = min(n_x, n_y): m disjoint pairs are
    all concordant, so :math:`P(x > y) \\ge (\\alpha/2)^{1/m}` (Clopper–Pearson) and
    :math:`\\delta \\ge 2P(x > y) - 1`; mirrored for δ = −1.

    Examples
    --------
    >>> [round(v, 3) for v in cliffs_delta_ci([3.0, 4.0, 5.0, 4.0], [1.0, 2.0, 4.0, 3.0])]
    [-0.21, 0.956]
    """
    xs = np.sort(np.asarray(x, dtype=float))
    ys = np.sort(np.asarray(y, dtype=float))
    if len(xs) < 2 or len(ys) < 2:
        return np.nan, np.nan
    wins = np.searchsorted(ys, xs, side="left").sum() - (len(ys) - np.searchsorted(ys, xs, side="right")).sum()
    delta = float(wins / (len(xs) * len(ys)))
    return _fisher_limits(delta, cliffs_delta_jackknife_se(xs, ys), confidence, min(len(xs), len(ys)))

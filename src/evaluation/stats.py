"""Survey statistics: paired and independent tests with effect sizes, proportions,
multiplicity, confidence intervals with a finite-population correction, and power.

Every test returns a :class:`pandas.Series` "record" whose fields are documented in
the function's docstring, so that results of many outcomes stack into a tidy table
with ``pd.DataFrame([...])``.

Sign conventions (the same everywhere in this module):

* paired data: the change is ``after - before``; ``statistic`` and ``estimate`` are
  computed on ``after - before`` (R: ``t.test(after, before, paired = TRUE)``);
* two independent groups: ``estimate = a - b`` and the statistic follows R's
  ``t.test(a, b)`` / ``wilcox.test(a, b)`` (positive when ``a`` is larger);
* proportions (paired or not): ``estimate = p(after) - p(before)``.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import optimize, special
from scipy import stats as sps

from evaluation import ranks as _ranks

__all__ = [
    "paired_test",
    "independent_test",
    "proportion_test",
    "adjust_pvalues",
    "minimal_detectable_effect",
    "mean_ci",
    "proportion_ci",
]

_EPS = 10 * np.finfo(float).eps  # fuzz used by R's q* functions

TEST_FIELDS = [
    "statistic", "df", "p_value", "estimate", "ci_low", "ci_high", "effect_size",
    "effect_ci_low", "effect_ci_high", "effect_size_name", "n", "method", "note",
]


# --------------------------------------------------------------------------- input checks
def _numeric(values, name: str) -> np.ndarray:
    """Return `values` as a 1-D float array (NaN kept) or raise naming `name`."""
    if isinstance(values, (str, bytes)) or np.ndim(values) == 0:
        raise TypeError(
            f"`{name}` must be an array-like of numbers (list, numpy array or pandas "
            f"Series); got {type(values).__name__} {values!r}."
        )
    series = pd.Series(np.asarray(values) if not isinstance(values, pd.Series) else values)
    if series.ndim != 1 or np.ndim(values) != 1:
        raise ValueError(f"`{name}` must be one-dimensional; got shape {np.shape(values)}.")
    if pd.api.types.is_bool_dtype(series) or pd.api.types.is_numeric_dtype(series):
        return series.to_numpy(dtype=float, na_value=np.nan)
    converted = pd.to_numeric(series, errors="coerce")
    bad = series[converted.isna() & series.notna()]
    if len(bad):
        raise TypeError(
            f"`{name}` must be numeric; found non-numeric value(s) such as {bad.iloc[0]!r}. "
            "Map answer labels to numbers first (for example with the codebook) or pass NaN "
            "for missing answers."
        )
    return converted.to_numpy(dtype=float, na_value=np.nan)


def _check_confidence(confidence) -> float:
    if not isinstance(confidence, (int, float, np.floating)) or not 0 < confidence < 1:
        raise ValueError(
            f"`confidence` must be a number between 0 and 1 (e.g. 0.95); got {confidence!r}."
        )
    return float(confidence)


def _check_choice(value, name: str, choices: Sequence[str]) -> str:
    if value not in choices:
        raise ValueError(
            f"`{name}` must be one of {', '.join(map(repr, choices))}; got {value!r}."
        )
    return value


def _complete_pairs(before, after) -> tuple[np.ndarray, np.ndarray]:
    b, a = _numeric(before, "before"), _numeric(after, "after")
    if len(b) != len(a):
        raise ValueError(
            f"`before` has {len(b)} values but `after` has {len(a)}; pass equal-length "
            "arrays with the two answers of the same respondents in the same order."
        )
    keep = np.isfinite(b) & np.isfinite(a)
    if keep.sum() < 2:
        raise ValueError(
            f"`before` and `after` have {int(keep.sum())} complete pair(s) (both values "
            "present); at least two are needed. Check that the same respondents are aligned "
            "and that missing answers are not in every pair."
        )
    return b[keep], a[keep]


def _sample(values, name: str) -> np.ndarray:
    x = _numeric(values, name)
    x = x[np.isfinite(x)]
    if len(x) < 2:
        raise ValueError(
            f"`{name}` has {len(x)} non-missing value(s); at least two are needed."
        )
    return x


def _record(**fields) -> pd.Series:
    return pd.Series(fields, dtype=object).infer_objects()


# --------------------------------------------------------------------------- building blocks
def _two_sided_normal_p(z: float) -> float:
    return float(min(1.0, 2 * sps.norm.sf(abs(z))))


def _nct_cdf(t_obs: float, df: float, ncp: float) -> float:
    """``scipy.stats.nct.cdf``, or its normal approximation where scipy returns NaN.

    scipy's noncentral t (Boost) returns NaN at scattered points far in its tails when df
    is large (e.g. ``nct.cdf(55, 2e5, 82.075)``, 27 SDs away, where the cdf is 0 to
    150 digits). There the approximation :math:`\\Phi((t - \\lambda)/\\sqrt{1 + t^2/2\\nu})`
    has the same value to machine precision and, what the root-finder needs, the right
    sign of ``cdf − target``.
    """
    value = float(sps.nct.cdf(t_obs, df, ncp))
    if np.isfinite(value):
        return value
    return float(sps.norm.cdf((t_obs - ncp) / np.sqrt(1 + t_obs * t_obs / (2 * df))))


def _noncentral_t_limits(t_obs: float, df: float, confidence: float) -> tuple[float, float, str]:
    """Noncentrality parameters whose noncentral-t puts `t_obs` at the tail quantiles.

    Solves ``nct.cdf(t_obs, df, ncp) = 1 - alpha/2`` (lower) and ``= alpha/2`` (upper)
    with :func:`scipy.optimize.brentq`; the cdf decreases in ``ncp``.

    Returns
    -------
    tuple
        ``(low, high, note)``. The bracket starts at the large-sample root
        :math:`t - z_p\\sqrt{1 + t^2/2\\nu}` and widens geometrically until the cdf changes
        sign (:func:`_nct_cdf` never returns NaN), so the solver does not fail at large n; a
        limit that still cannot be bracketed or solved is NaN and `note` says why ("" when
        both limits were found).
    """
    alpha = 1 - confidence
    if not (np.isfinite(t_obs) and df > 0):
        return np.nan, np.nan, f"no effect-size interval: the t statistic is {t_obs:g}"
    spread = float(np.sqrt(1 + t_obs * t_obs / (2 * df)))

    def solve(target: float) -> float:
        def f(ncp):
            return _nct_cdf(t_obs, df, ncp) - target

        guess = t_obs - float(sps.norm.ppf(target)) * spread
        step = spread
        lo, hi = guess - step, guess + step
        for _ in range(200):  # f decreases in ncp: f(lo) >= 0 >= f(hi) brackets the root
            f_lo, f_hi = f(lo), f(hi)
            if f_lo >= 0 >= f_hi:
                return float(optimize.brentq(f, lo, hi, xtol=1e-12))
            if f_lo < 0:
                lo -= step
            if f_hi > 0:
                hi += step
            step *= 2
        return np.nan

    limits, failed = [], []
    for target, side in ((1 - alpha / 2, "lower"), (alpha / 2, "upper")):
        try:
            value = solve(target)
        except (ValueError, RuntimeError, OverflowError) as exc:  # pragma: no cover - defensive
            value, side = np.nan, f"{side} ({exc})"
        limits.append(value)
        if np.isnan(value):
            failed.append(side)
    note = ""
    if failed:
        note = (f"effect-size {' and '.join(failed)} confidence limit not found (noncentral t, "
                f"t = {t_obs:g}, df = {df:g}); set to NaN")
    return limits[0], limits[1], note


def _tie_term(values: np.ndarray) -> float:
    """Sum of t^3 - t over groups of tied values."""
    _, counts = np.unique(values, return_counts=True)
    return float(np.sum(counts.astype(float) ** 3 - counts))


def _signrank_cdf(n: int) -> np.ndarray:
    """Exact null cdf of the signed-rank statistic V for n untied nonzero values."""
    counts = np.zeros(n * (n + 1) // 2 + 1)
    counts[0] = 1.0
    for i in range(1, n + 1):
        counts[i:] = counts[i:] + counts[:-i].copy()
    return np.cumsum(counts) / 2.0**n


def _ranksum_cdf(m: int, n: int) -> np.ndarray:
    """Exact null cdf of the Mann-Whitney U (R's W) for untied samples of sizes m, n."""
    # table[j] = counts of U for (i, j); recursion c(i, j)[u] = c(i-1, j)[u-j] + c(i, j-1)[u]
    table = [np.ones(1) for _ in range(n + 1)]  # i = 0: U = 0 with one arrangement
    for i in range(1, m + 1):
        row = [np.ones(1)]  # j = 0
        for j in range(1, n + 1):
            size = i * j + 1
            c = np.zeros(size)
            up = table[j]
            c[j:j + len(up)] += up
            left = row[j - 1]
            c[: len(left)] += left
            row.append(c)
        table = row
    counts = table[n]
    return np.cumsum(counts) / counts.sum()


def _quantile_from_cdf(cdf: np.ndarray, p: float) -> int:
    """Smallest q with cdf[q] >= p (R's qsignrank/qwilcox, with R's fuzz)."""
    return int(np.searchsorted(cdf, p - _EPS, side="left"))


def _exact_two_sided_p(cdf: np.ndarray, statistic: float, center: float) -> float:
    s = int(round(statistic))
    p = 1 - cdf[s - 1] if statistic > center else cdf[s]
    return float(min(1.0, 2 * p))


# --------------------------------------------------------------------------- paired
def paired_test(before, after, *, method: str = "t", confidence: float = 0.95) -> pd.Series:
    """Compare two paired measurements of the same respondents (change = after − before).

    Parameters
    ----------
    before, after : array-like of float
        Equal-length answers of the same respondents in the same order. Pairs with a
        missing value on either side are dropped.
    method : {"t", "wilcoxon"}
        ``"t"``: paired t-test with Cohen's d_z. ``"wilcoxon"``: Wilcoxon signed-rank
        test exactly as R's ``wilcox.test(after, before, paired = TRUE, conf.int = TRUE)``
        with the matched-pairs rank-biserial correlation.
    confidence : float
        Level of the confidence intervals.

    Returns
    -------
    pandas.Series
        statistic
            t (``"t"``) or R's V, the sum of the ranks of the positive ``after − before``
            differences (``"wilcoxon"``).
        df
            Degrees of freedom (n − 1) for t; NaN for Wilcoxon.
        p_value
            Two-sided p-value.
        estimate
            Mean of ``after − before`` (t) or the Hodges–Lehmann pseudomedian: the median
            of the Walsh averages of the nonzero differences (Wilcoxon).
        ci_low, ci_high
            Confidence interval of the estimate.
        effect_size, effect_ci_low, effect_ci_high
            Cohen's d_z (t) or matched-pairs rank-biserial correlation (Wilcoxon) and CI.
        effect_size_name
            ``"d_z"`` or ``"rank_biserial"``.
        n
            Number of complete pairs used (zero differences included).
        method
            Description of the test.
        note
            Why a value is missing or approximate ("" otherwise), e.g. no Wilcoxon
            interval when every nonzero difference is the same.

    Notes
    -----
    **t.** With differences :math:`d_i = after_i - before_i`,
    :math:`t = \\bar d / (s_d/\\sqrt n)`, df = n − 1, CI :math:`\\bar d \\pm t_{df} s_d/\\sqrt n`.
    :math:`d_z = \\bar d / s_d = t/\\sqrt n`; its CI inverts the noncentral t:
    the noncentrality parameters λ with ``nct.cdf(t, df, λ) = 1 − α/2`` and ``α/2`` are
    found with Brent's method and divided by √n (Steiger & Fouladi 1997; as
    ``effectsize::cohens_d(paired = TRUE)`` in R).

    **Wilcoxon.** Zero differences are dropped, as R does. When fewer than 50 nonzero
    differences remain and none of their absolute values are tied, the p-value and CI are
    exact (signed-rank distribution; CI from the order statistics of the Walsh averages,
    R's ``qsignrank`` rule). Otherwise R's normal approximation is used,
    :math:`z = (V - n(n+1)/4 - \\tfrac12\\operatorname{sign}) / \\sqrt{n(n+1)(2n+1)/24 -
    \\sum(t^3-t)/48}`, with the continuity correction, and the CI is R's inversion of that
    statistic; R locates the limits with ``uniroot(tol = 1e-4)``, this function returns the
    Walsh average at which the statistic crosses the normal quantile, so limits agree with
    R to about 1e-4. R's asymptotic branch reports a root of the statistic as estimate,
    which can be any point of a flat stretch around the pseudomedian; the median of the
    Walsh averages returned here lies in that stretch.
    When every nonzero difference has the same value the statistic and p-value are
    still computed (R: ``V = 45, p = 0.003353`` for nine changes of +1 and one 0) but no
    interval exists: ``ci_low`` and ``ci_high`` are NaN and `note` says so (R returns a
    NaN interval with a warning).

    The rank-biserial correlation is :math:`r = (T_+ - T_-)/(T_+ + T_-)` over the nonzero
    differences (Kerby 2014). Its point estimate equals R's
    ``effectsize::rank_biserial(after, before, paired = TRUE)`` (effectsize 0.8.3 also
    drops zero differences before ranking), but the interval does not:

    - effectsize uses Fisher's z with the *null* SE
      :math:`\\sqrt{(2n^3 + 3n^2 + n)/6} / (n(n+1)/2)`, and its n counts the zero
      differences as well, although they carry no rank. With zeros its interval is
      therefore narrower than the one it gives for the nonzero differences alone (20
      Likert pairs, 6 zeros, r = 0.657: (0.280, 0.859) vs (0.191, 0.882) on the 14
      nonzero differences). The statement "as effectsize" is thus false whenever some
      differences are zero.
    - Here the SE is the jackknife SE of r as a U-statistic
      (:func:`evaluation.ranks.rank_biserial_jackknife_se`), which is valid away from
      the null and counts ties and zeros as they are, with Fisher's z
      (:func:`evaluation.ranks.rank_biserial_ci`); ``benchmarks/coverage_rank_biserial.py``
      gives 95.2–96.8% coverage at 60 pairs with 26–38% zero differences, where the
      null SE (on the nonzero differences) falls to 71% for large effects. When every nonzero change has the same
      sign (r = ±1) the interval is ``[2 (α/2)^{2/n} − 1, 1]`` (mirrored for −1), a
      Clopper–Pearson bound; effectsize returns ``[1, 1]``.

    References
    ----------
    Hollander, M., Wolfe, D. A. & Chicken, E. (2014). Nonparametric statistical methods
    (3rd ed.). Wiley. Kerby, D. S. (2014). The simple difference formula. Comprehensive
    Psychology 3. Steiger, J. H. & Fouladi, R. T. (1997). Noncentrality interval estimation.

    Examples
    --------
    >>> res = paired_test([3, 4, 2, 5, 3], [4, 4, 3, 5, 5])
    >>> round(float(res["estimate"]), 3), round(float(res["statistic"]), 3)
    (0.8, 2.138)
    """
    _check_choice(method, "method", ("t", "wilcoxon"))
    confidence = _check_confidence(confidence)
    b, a = _complete_pairs(before, after)
    d = a - b
    n = len(d)
    if method == "t":
        sd = float(np.std(d, ddof=1))
        if sd == 0:
            raise ValueError(
                "The differences `after - before` have zero variance (every pair changed by "
                f"{d[0]:g}); a t-test is undefined. Report the change directly or use "
                "method='wilcoxon'."
            )
        mean = float(d.mean())
        se = sd / np.sqrt(n)
        t = mean / se
        df = n - 1
        q = sps.t.ppf(1 - (1 - confidence) / 2, df)
        lam_lo, lam_hi, note = _noncentral_t_limits(t, df, confidence)
        return _record(
            statistic=t, df=float(df), p_value=float(2 * sps.t.sf(abs(t), df)),
            estimate=mean, ci_low=mean - q * se, ci_high=mean + q * se,
            effect_size=mean / sd, effect_ci_low=lam_lo / np.sqrt(n),
            effect_ci_high=lam_hi / np.sqrt(n), effect_size_name="d_z", n=n,
            method="paired t-test", note=note,
        )
    return _wilcoxon_signed_rank(d, n, confidence)


def _wilcoxon_signed_rank(d: np.ndarray, n: int, confidence: float) -> pd.Series:
    x = d[d != 0]
    nx = len(x)
    if nx == 0:
        raise ValueError(
            "Every pair has `after - before` equal to 0; the signed-rank test is undefined. "
            "Report 'no change' directly."
        )
    x = np.sort(x)
    ranks = sps.rankdata(np.abs(x))
    v = float(ranks[x > 0].sum())
    total = nx * (nx + 1) / 2
    alpha = 1 - confidence
    walsh = _ranks._walsh(x)  # the sorted Walsh averages (doubled), never materialised
    notes = []
    exact = nx < 50 and len(np.unique(ranks)) == nx and nx == n
    if exact:
        cdf = _signrank_cdf(nx)
        p = _exact_two_sided_p(cdf, v, total / 2)
        qu = max(_quantile_from_cdf(cdf, alpha / 2), 1)
        ci = (walsh.kth(qu - 1) / 2, walsh.kth(int(total - qu)) / 2)
        notes.append(_achieved_note(2 * cdf[qu - 1], alpha))
        label = "Wilcoxon signed-rank exact test"
    else:
        p = _two_sided_normal_p(_ranks.signed_rank_z(x))
        low, high, note = _ranks.signed_rank_limits(x, confidence)
        ci = (low, high)
        notes.append(note)
        label = "Wilcoxon signed-rank test with continuity correction"
    r_rb = (2 * v - total) / total
    lo, hi = _ranks.rank_biserial_ci(x, confidence)
    if nx < 2:
        notes.append("one non-zero difference: no interval for the rank-biserial correlation")
    return _record(
        statistic=v, df=np.nan, p_value=p, estimate=_ranks._halved_median(walsh),
        ci_low=float(ci[0]), ci_high=float(ci[1]), effect_size=r_rb, effect_ci_low=lo,
        effect_ci_high=hi, effect_size_name="rank_biserial", n=n, method=label,
        note="; ".join(filter(None, notes)),
    )


def _achieved_note(achieved_alpha: float, alpha: float) -> str:
    """R's warning "requested conf.level not achievable" for an exact interval, as a note."""
    if achieved_alpha - alpha <= alpha / 2:
        return ""
    return (f"too few values for a {1 - alpha:.0%} exact interval: the reported one "
            f"has {1 - achieved_alpha:.1%} confidence (R warns 'requested conf.level not achievable')")


# --------------------------------------------------------------------------- independent
def independent_test(a, b, *, method: str = "welch", confidence: float = 0.95) -> pd.Series:
    """Compare two independent groups (for instance the two waves' cross-sections).

    Parameters
    ----------
    a, b : array-like of float
        The two samples; missing values are dropped. ``estimate`` is ``a − b``: pass the
        follow-up wave as `a` to read the estimate as a change.
    method : {"welch", "mannwhitney", "brunnermunzel"}
        Welch t-test with Hedges' g; Wilcoxon–Mann–Whitney rank-sum test as R's
        ``wilcox.test(a, b, conf.int = TRUE)``; or the Brunner–Munzel test
        (:func:`scipy.stats.brunnermunzel`). Both rank tests report Cliff's delta.
    confidence : float
        Level of the confidence intervals.

    Returns
    -------
    pandas.Series
        statistic
            Welch t of ``a − b``; R's W = U of `a` (number of pairs with ``a > b``, ties
            counting ½) for Mann–Whitney; the Brunner–Munzel statistic as scipy and R's
            ``lawstat::brunner.munzel.test(a, b)`` compute it (positive when `b` tends to
            be larger).
        df
            Welch–Satterthwaite df; the Brunner–Munzel df; NaN for Mann–Whitney.
        p_value
            Two-sided p-value.
        estimate, ci_low, ci_high
            ``mean(a) − mean(b)`` with Welch CI, or for both rank tests the Hodges–Lehmann
            shift (median of all differences ``a_i − b_j``) with R's ``wilcox.test`` CI.
        effect_size, effect_ci_low, effect_ci_high, effect_size_name
            Hedges' g (Welch) or Cliff's delta (rank tests) with CI.
        n, n_a, n_b
            Total and per-group numbers of non-missing values.
        method
            Description of the test.

    Notes
    -----
    **Welch**: :math:`t = (\\bar a - \\bar b)/\\sqrt{s_a^2/n_a + s_b^2/n_b}` with
    Welch–Satterthwaite df. **Hedges' g** = J·d with pooled-SD Cohen's d and the exact
    correction :math:`J = \\Gamma(m/2)/(\\sqrt{m/2}\\,\\Gamma((m-1)/2))`, m = n_a + n_b − 2.
    Its CI inverts the noncentral t of the pooled-variance statistic
    :math:`d\\sqrt{n_a n_b/(n_a+n_b)}` (m df) and multiplies the d limits by J, as R's
    ``effectsize::hedges_g``.

    **Mann–Whitney**: exact p and CI (``qwilcox`` order statistics of the pairwise
    differences) when both groups have fewer than 50 values and there are no ties;
    otherwise R's normal approximation with tie correction and continuity correction,
    and the CI inverts it (limits at pairwise differences; R's ``uniroot`` agrees to about
    1e-4). The HL shift CI assumes the two distributions differ by a shift; the
    Brunner–Munzel p-value does not, but its row reports the same shift and CI.

    **Cliff's delta** :math:`\\delta = P(a > b) - P(a < b) = 2W/(n_a n_b) - 1`; CI by
    Fisher's z with :math:`SE = \\sqrt{(n_a + n_b + 1)/(3 n_a n_b)}` (as R's
    ``effectsize::cliffs_delta`` / ``rank_biserial``).

    References
    ----------
    Hedges, L. V. & Olkin, I. (1985). Statistical methods for meta-analysis.
    Brunner, E. & Munzel, U. (2000). Biometrical Journal 42, 17–25.
    Cliff, N. (1993). Psychological Bulletin 114, 494–509.

    Examples
    --------
    >>> res = independent_test([4, 5, 3, 4, 5], [3, 2, 4, 3, 3])
    >>> round(float(res["estimate"]), 3), round(float(res["p_value"]), 3)
    (1.2, 0.041)
    """
    _check_choice(method, "method", ("welch", "mannwhitney", "brunnermunzel"))
    confidence = _check_confidence(confidence)
    x, y = _sample(a, "a"), _sample(b, "b")
    nx, ny = len(x), len(y)
    if method == "welch":
        vx, vy = x.var(ddof=1), y.var(ddof=1)
        if vx == 0 and vy == 0:
            raise ValueError(
                "Both `a` and `b` have zero variance (every value in each group is the same);"
                " a t-test is undefined. Report the two values or use method='mannwhitney'."
            )
        diff = float(x.mean() - y.mean())
        se2 = vx / nx + vy / ny
        t = diff / np.sqrt(se2)
        df = se2**2 / ((vx / nx) ** 2 / (nx - 1) + (vy / ny) ** 2 / (ny - 1))
        q = sps.t.ppf(1 - (1 - confidence) / 2, df)
        m = nx + ny - 2
        sp = np.sqrt(((nx - 1) * vx + (ny - 1) * vy) / m)
        scale = np.sqrt(1 / nx + 1 / ny)
        j = np.exp(special.gammaln(m / 2) - special.gammaln((m - 1) / 2)) / np.sqrt(m / 2)
        lam_lo, lam_hi, note = _noncentral_t_limits(diff / sp / scale, m, confidence)
        return _record(
            statistic=t, df=float(df), p_value=float(2 * sps.t.sf(abs(t), df)),
            estimate=diff, ci_low=diff - q * np.sqrt(se2), ci_high=diff + q * np.sqrt(se2),
            effect_size=j * diff / sp, effect_ci_low=j * lam_lo * scale,
            effect_ci_high=j * lam_hi * scale, effect_size_name="hedges_g", n=nx + ny,
            n_a=nx, n_b=ny, method="Welch two-sample t-test", note=note,
        )
    return _rank_test(x, y, method, confidence)


def _rank_test(x: np.ndarray, y: np.ndarray, method: str, confidence: float) -> pd.Series:
    nx, ny = len(x), len(y)
    alpha = 1 - confidence
    xs, ys = np.sort(x), np.sort(y)
    # R's W = sum of the mid-ranks of x in the pooled sample - nx(nx+1)/2, and the tie term
    w_stat, ties = _ranks._rank_sum_parts(xs, ys)
    diffs = _ranks._differences(xs, ys)  # the sorted x_i - y_j, never materialised
    notes = []
    if nx < 50 and ny < 50 and ties == 0:
        cdf = _ranksum_cdf(nx, ny)
        p = _exact_two_sided_p(cdf, w_stat, nx * ny / 2)
        qu = max(_quantile_from_cdf(cdf, alpha / 2), 1)
        ci = (diffs.kth(qu - 1), diffs.kth(nx * ny - qu))
        notes.append(_achieved_note(2 * cdf[qu - 1], alpha))
        label = "Wilcoxon-Mann-Whitney exact test"
    else:
        z = _ranks.rank_sum_z(xs, ys)
        if np.isnan(z):
            p = np.nan
            notes.append(f"every value in both groups equals {x[0]:g}: the rank tests are undefined")
        else:
            p = _two_sided_normal_p(z)
        low, high, note = _ranks.rank_sum_limits(xs, ys, confidence)
        ci = (low, high)
        notes.append(note if not np.isnan(z) else "")
        label = "Wilcoxon-Mann-Whitney test with continuity correction"
    delta = 2 * w_stat / (nx * ny) - 1
    d_lo, d_hi = _ranks.cliffs_delta_ci(xs, ys, confidence)
    statistic, df = w_stat, np.nan
    if method == "brunnermunzel" and np.isnan(p):
        statistic, label = np.nan, "Brunner-Munzel test"  # every value tied: undefined
    elif method == "brunnermunzel":
        statistic, df, p = _brunner_munzel(xs, ys)
        label = "Brunner-Munzel test"
    return _record(
        statistic=statistic, df=df, p_value=float(p), estimate=diffs.median(),
        ci_low=float(ci[0]), ci_high=float(ci[1]), effect_size=delta, effect_ci_low=d_lo,
        effect_ci_high=d_hi, effect_size_name="cliffs_delta", n=nx + ny, n_a=nx, n_b=ny,
        method=label, note="; ".join(filter(None, notes)),
    )


def _brunner_munzel(xs: np.ndarray, ys: np.ndarray) -> tuple[float, float, float]:
    """Brunner–Munzel statistic, Satterthwaite df and two-sided t p-value from sorted samples.

    The formulas of :func:`scipy.stats.brunnermunzel` (statistic positive when `y` tends to
    be larger; Brunner & Munzel 2000, eq. 4.3 for the df), evaluated once per run of equal
    values instead of once per value: every member of a run has the same pooled and
    within-sample mid-rank. The rank means are exact (sums of half-integers), the variances
    agree with scipy's to rounding (about 1e-15 relative), and the work after sorting is
    O(number of distinct values) instead of three rankings of the data.
    """
    nx, ny = len(xs), len(ys)
    ux, cx = _ranks._runs(xs)
    uy, cy = _ranks._runs(ys)
    cum_x, cum_y = np.concatenate([[0], np.cumsum(cx)]), np.concatenate([[0], np.cumsum(cy)])

    def pooled(u, cum_self, cum_other, u_other, counts):
        lo = cum_other[np.searchsorted(u_other, u, side="left")]
        eq = cum_other[np.searchsorted(u_other, u, side="right")] - lo
        return cum_self[:-1] + lo + (counts + eq + 1) / 2  # pooled mid-rank of each run

    own_x, own_y = cum_x[:-1] + (cx + 1) / 2, cum_y[:-1] + (cy + 1) / 2  # within-sample mid-ranks
    pool_x, pool_y = pooled(ux, cum_x, cum_y, uy, cx), pooled(uy, cum_y, cum_x, ux, cy)
    mean_cx, mean_cy = np.sum(cx * pool_x) / nx, np.sum(cy * pool_y) / ny
    mean_x, mean_y = np.sum(cx * own_x) / nx, np.sum(cy * own_y) / ny
    sx = np.sum(cx * (pool_x - own_x - mean_cx + mean_x) ** 2) / (nx - 1)
    sy = np.sum(cy * (pool_y - own_y - mean_cy + mean_y) ** 2) / (ny - 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        statistic = nx * ny * (mean_cy - mean_cx) / ((nx + ny) * np.sqrt(nx * sx + ny * sy))
        df = (nx * sx + ny * sy) ** 2 / ((nx * sx) ** 2 / (nx - 1) + (ny * sy) ** 2 / (ny - 1))
    if not (np.isfinite(statistic) and np.isfinite(df)):
        return float(statistic), float(df), np.nan  # scipy: p undefined (0/0 df)
    p = min(1.0, 2 * min(float(sps.t.cdf(-statistic, df)), float(sps.t.sf(-statistic, df))))
    return float(statistic), float(df), p


def _brunner_munzel_df(x: np.ndarray, y: np.ndarray) -> float:
    """Satterthwaite df of the Brunner–Munzel statistic (Brunner & Munzel 2000, eq. 4.3)."""
    nx, ny = len(x), len(y)
    r = sps.rankdata(np.concatenate([x, y]))
    rx, ry = r[:nx], r[nx:]
    sx = np.sum((rx - sps.rankdata(x) - rx.mean() + (nx + 1) / 2) ** 2) / (nx - 1)
    sy = np.sum((ry - sps.rankdata(y) - ry.mean() + (ny + 1) / 2) ** 2) / (ny - 1)
    return float((nx * sx + ny * sy) ** 2 / ((nx * sx) ** 2 / (nx - 1) + (ny * sy) ** 2 / (ny - 1)))


# --------------------------------------------------------------------------- proportions
def _wilson(successes: float, n: float, z: float) -> tuple[float, float]:
    """Wilson score interval for successes/n (n may be non-integer, an effective size)."""
    p = successes / n
    denom = 1 + z**2 / n
    centre = (p + z**2 / (2 * n)) / denom
    half = z / denom * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2))
    return float(centre - half), float(centre + half)


def _labels(values, name: str) -> pd.Series:
    if isinstance(values, (str, bytes)) or np.ndim(values) != 1:
        raise TypeError(
            f"`{name}` must be a one-dimensional array-like of answers (0/1 or labels); "
            f"got {type(values).__name__}."
        )
    series = pd.Series(values).reset_index(drop=True)
    if isinstance(series.dtype, pd.CategoricalDtype):
        series = series.astype(series.cat.categories.dtype)
    return series


def _categories(samples: list[pd.Series], categories) -> list:
    """The declared answer categories, validated; default the sorted observed answers.

    Every observed answer must be declared. Which categories are *tested* is decided by
    :func:`_used_categories`: only the declared ones that occur.
    """
    seen = pd.concat([s.dropna() for s in samples]).unique().tolist()
    if categories is None:
        try:
            categories = sorted(seen)
        except TypeError:
            categories = sorted(seen, key=str)
    categories = list(categories)
    unknown = [v for v in seen if v not in categories]
    if unknown:
        raise ValueError(
            f"Answers {unknown!r} are not in `categories` {categories!r}; add them or map "
            "them to NaN."
        )
    if len(categories) < 2:
        raise ValueError(
            f"Found only the category {categories!r}; a proportion test needs two or more. "
            "Pass `categories` to name the answers that could have been given."
        )
    return categories


def _used_categories(cats: list, *samples: pd.Series) -> list:
    """The declared categories that occur in `samples`, in the declared order.

    A declared category nobody chose carries no information: it would add an empty row
    and column to the table and one spurious degree of freedom to the test.
    """
    seen = pd.concat([s.dropna() for s in samples]).unique().tolist()
    return [c for c in cats if any(c == v for v in seen)]


def _target_category(used: list, cats: list):
    """The answer whose share the estimate compares (see :func:`proportion_test`)."""
    return used[-1] if len(used) == 2 else cats[-1]


def proportion_test(before, after=None, *, paired: bool = True, confidence: float = 0.95,
                    categories=None) -> pd.Series:
    """Test a change in a yes/no (or categorical) answer between two waves.

    Parameters
    ----------
    before, after : array-like
        Answers (0/1, booleans or labels); NaN is missing. Paired: equal-length arrays of
        the same respondents (pairs with a missing side are dropped). Unpaired: the two
        waves' samples, of any lengths.
    paired : bool
        McNemar / Stuart–Maxwell (True) or two independent proportions (False).
    confidence : float
        Level of the confidence interval of the difference.
    categories : sequence, optional
        All answers that could have been given, in order; default the sorted observed
        answers. Answers outside `categories` raise an error. Declared categories that
        nobody chose are left out of the test (see Notes), so declaring an unused "don't
        know" option does not change the result. Put the answer whose share you want
        compared *after* the others (e.g. ``["don't know", "no", "yes"]``).

    Returns
    -------
    pandas.Series
        statistic
            McNemar χ² with continuity correction, Stuart–Maxwell χ², or Pearson χ²
            (without continuity correction) for independent samples.
        df
            Degrees of freedom: 1 for two categories in use, k − 1 for k ≥ 3 categories
            in use.
        p_value
            p-value of the χ² statistic (NaN when fewer than two categories occur, or,
            for McNemar, when no pair changed).
        estimate, ci_low, ci_high
            ``p(after) − p(before)`` of the answer named in `category`, with Newcombe's
            hybrid score interval; NaN when three or more categories are in use.
        category
            The answer whose share `estimate` compares: the later (in the order of
            `categories`) of the two categories in use; the last declared category when
            fewer than two occur; NaN when three or more are in use.
        n
            Pairs used (paired) or total respondents (unpaired).
        method
            Description of the test.

    Notes
    -----
    **Categories in use.** The test is computed on the categories that occur: among the
    complete pairs (paired) or in either sample (unpaired), in the order of `categories`.
    A declared category with no answers adds an all-zero row and column whose only effect
    would be an extra degree of freedom (Stuart–Maxwell χ² 1.8 on 2 df, p = 0.407, instead
    of 1 df, p = 0.180, for the 20 pairs in the tests). R's ``coin::mh_test`` and
    ``chisq.test`` on the used categories do the same. Hence:

    * two categories in use → McNemar (paired) or the 2 × 2 Pearson test, exactly as
      without `categories`; the estimate is the change in the share of the later of
      the two (1 for 0/1 data, ``"yes"`` for ``["no", "yes", "don't know"]`` when nobody
      answered "don't know"), named in ``category``;
    * three or more in use → Stuart–Maxwell (paired) or the k × 2 Pearson test with k − 1
      df, without an estimate;
    * one in use (possible only with `categories`) → no test (statistic and p NaN); the
      estimate is the change in the share of the last declared category, which is 0, with
      its interval (informative about how large a change the data rule out).

    **Tests and intervals.** Paired 2×2 table with rows = before, columns = after and
    discordant cells b (before no, after yes) and c: McNemar
    :math:`\\chi^2 = (|b - c| - 1)^2/(b + c)`, exactly as R's ``mcnemar.test`` (NaN when
    b + c = 0); estimate (b − c)/n with Newcombe's (1998b) method 10: Wilson limits
    :math:`l_i, u_i` for each margin and the phi correlation :math:`\\hat\\phi` (with
    Newcombe's continuity adjustment when ad > bc),
    :math:`L = \\hat\\theta - \\sqrt{(p_2-l_2)^2 - 2\\hat\\phi(p_2-l_2)(u_1-p_1) + (u_1-p_1)^2}`
    and U symmetrically (p_2 = after, p_1 = before). Three or more categories: the
    Stuart–Maxwell test of marginal homogeneity
    (:meth:`statsmodels.stats.contingency_tables.SquareTable.homogeneity`; R
    ``coin::mh_test``). Unpaired: Newcombe's (1998a) method 10,
    :math:`L = \\hat\\theta - \\sqrt{(p_2-l_2)^2 + (u_1-p_1)^2}`,
    :math:`U = \\hat\\theta + \\sqrt{(u_2-p_2)^2 + (p_1-l_1)^2}`, and the Pearson χ² test of
    the 2 × 2 table (= R ``prop.test(correct = FALSE)``; for k > 2 categories in use the
    k × 2 table with k − 1 df and no estimate, = R ``chisq.test(correct = FALSE)``).

    References
    ----------
    Newcombe, R. G. (1998a). Interval estimation for the difference between independent
    proportions. Statistics in Medicine 17, 873–890. Newcombe, R. G. (1998b). Improved
    confidence intervals for the difference between binomial proportions based on paired
    data. Statistics in Medicine 17, 2635–2650. Agresti, A. (2013). Categorical data
    analysis (3rd ed.), §11.1. Stuart, A. (1955). Biometrika 42, 412–416. Fagerland, M. W.,
    Lydersen, S. & Laake, P. (2017). Statistical analysis of contingency tables, ch. 8
    (the paired interval reproduces their Cavo et al. example: tested).

    Examples
    --------
    >>> res = proportion_test([0, 0, 1, 0, 1, 0, 0, 1], [1, 0, 1, 1, 1, 0, 1, 1])
    >>> round(float(res["estimate"]), 3), round(float(res["p_value"]), 3)
    (0.375, 0.248)
    >>> dk = proportion_test([0, 0, 1, 0, 1, 0, 0, 1], [1, 0, 1, 1, 1, 0, 1, 1],
    ...                      categories=[0, 1, 9])  # 9 = "don't know", never answered
    >>> round(float(dk["p_value"]), 3), int(dk["category"]), float(dk["df"])
    (0.248, 1, 1.0)
    """
    confidence = _check_confidence(confidence)
    if after is None:
        raise ValueError("`after` is missing; pass the second wave's answers as `after`.")
    first, second = _labels(before, "before"), _labels(after, "after")
    cats = _categories([first, second], categories)
    z = sps.norm.ppf(1 - (1 - confidence) / 2)
    if not paired:
        return _independent_proportions(first.dropna(), second.dropna(), cats, z)
    if len(first) != len(second):
        raise ValueError(
            f"`before` has {len(first)} values but `after` has {len(second)}; for paired=True "
            "pass equal-length arrays of the same respondents (or paired=False for two "
            "independent samples)."
        )
    keep = first.notna() & second.notna()
    if keep.sum() < 2:
        raise ValueError(
            f"`before` and `after` have {int(keep.sum())} complete pair(s); at least two are "
            "needed."
        )
    return _paired_proportions(first[keep], second[keep], cats, z)


def _paired_proportions(first: pd.Series, second: pd.Series, cats: list, z: float) -> pd.Series:
    """McNemar (two categories in use) or Stuart–Maxwell (three or more) on complete pairs."""
    from statsmodels.stats.contingency_tables import SquareTable

    n = len(first)
    used = _used_categories(cats, first, second)
    if len(used) > 2:
        table = pd.crosstab(
            pd.Categorical(first, categories=used), pd.Categorical(second, categories=used),
            dropna=False,
        ).to_numpy(dtype=float)
        res = SquareTable(table, shift_zeros=False).homogeneity()
        return _record(
            statistic=float(res.statistic), df=float(res.df), p_value=float(res.pvalue),
            estimate=np.nan, ci_low=np.nan, ci_high=np.nan, category=np.nan, n=n,
            method="Stuart-Maxwell test of marginal homogeneity",
        )
    target = _target_category(used, cats)
    was, now = (first == target).to_numpy(), (second == target).to_numpy()
    a, b = float(np.sum(~was & ~now)), float(np.sum(~was & now))
    c, d = float(np.sum(was & ~now)), float(np.sum(was & now))
    stat = (abs(b - c) - 1) ** 2 / (b + c) if b + c > 0 else np.nan
    p_before, p_after = (c + d) / n, (b + d) / n
    l1, u1 = _wilson(c + d, n, z)
    l2, u2 = _wilson(b + d, n, z)
    margins = (a + b) * (c + d) * (a + c) * (b + d)
    if margins == 0:
        phi = 0.0
    else:
        cross = a * d - b * c
        phi = (max(cross - n / 2, 0.0) if cross > 0 else cross) / np.sqrt(margins)
    theta = p_after - p_before
    dl = np.sqrt(max((p_after - l2) ** 2 - 2 * phi * (p_after - l2) * (u1 - p_before)
                     + (u1 - p_before) ** 2, 0.0))
    du = np.sqrt(max((u2 - p_after) ** 2 - 2 * phi * (u2 - p_after) * (p_before - l1)
                     + (p_before - l1) ** 2, 0.0))
    return _record(
        statistic=stat, df=1.0, p_value=float(sps.chi2.sf(stat, 1)) if b + c > 0 else np.nan,
        estimate=theta, ci_low=theta - dl, ci_high=theta + du, category=target, n=n,
        method="McNemar test with continuity correction",
    )


def _independent_proportions(first: pd.Series, second: pd.Series, cats: list, z: float) -> pd.Series:
    n1, n2 = len(first), len(second)
    if n1 == 0 or n2 == 0:
        raise ValueError(
            f"`before` has {n1} and `after` has {n2} non-missing answers; both samples need "
            "at least one."
        )
    used = _used_categories(cats, first, second)
    stat = p = np.nan
    df = float(max(len(used) - 1, 1))
    if len(used) >= 2:
        counts = np.array([[np.sum(s == cat) for cat in used] for s in (first, second)],
                          dtype=float)
        expected = (counts.sum(axis=1, keepdims=True) * counts.sum(axis=0, keepdims=True)
                    / counts.sum())  # every column occurs, so every expected count is > 0
        stat = float(np.sum((counts - expected) ** 2 / expected))
        p = float(sps.chi2.sf(stat, df))
    estimate = ci_low = ci_high = target = np.nan
    if len(used) <= 2:
        target = _target_category(used, cats)
        x1, x2 = float(np.sum(first == target)), float(np.sum(second == target))
        p1, p2 = x1 / n1, x2 / n2
        l1, u1 = _wilson(x1, n1, z)
        l2, u2 = _wilson(x2, n2, z)
        estimate = p2 - p1
        ci_low = estimate - np.sqrt((p2 - l2) ** 2 + (u1 - p1) ** 2)
        ci_high = estimate + np.sqrt((u2 - p2) ** 2 + (p1 - l1) ** 2)
    return _record(
        statistic=stat, df=df, p_value=p, estimate=estimate, ci_low=ci_low, ci_high=ci_high,
        category=target, n=n1 + n2,
        method="Pearson chi-square test of two independent samples",
    )


# --------------------------------------------------------------------------- multiplicity
def adjust_pvalues(pvalues, *, method: str = "holm") -> np.ndarray:
    """Adjust p-values for multiple testing, keeping the input order and NaN.

    Parameters
    ----------
    pvalues : array-like of float
        Raw p-values in [0, 1]; NaN (an outcome without a test) stays NaN and does not
        count as a test.
    method : {"holm", "fdr_bh", "bonferroni"}
        Holm's step-down family-wise correction, Benjamini–Hochberg false discovery rate,
        or Bonferroni.

    Returns
    -------
    numpy.ndarray
        Adjusted p-values, same length and order as the input.

    Notes
    -----
    Computed with :func:`statsmodels.stats.multitest.multipletests` on the non-missing
    values. Holm: :math:`\\tilde p_{(i)} = \\max_{j \\le i} \\min(1, (m-j+1)p_{(j)})`;
    BH: :math:`\\tilde p_{(i)} = \\min_{j \\ge i} \\min(1, m p_{(j)}/j)`; same as R's
    ``p.adjust(p, "holm" | "BH" | "bonferroni")``.

    References
    ----------
    Holm, S. (1979). Scandinavian Journal of Statistics 6, 65–70. Benjamini, Y. &
    Hochberg, Y. (1995). JRSS B 57, 289–300.

    Examples
    --------
    >>> [round(float(p), 3) for p in adjust_pvalues([0.01, 0.04, float("nan"), 0.03])]
    [0.03, 0.06, nan, 0.06]
    """
    from statsmodels.stats.multitest import multipletests

    _check_choice(method, "method", ("holm", "fdr_bh", "bonferroni"))
    p = _numeric(pvalues, "pvalues")
    finite = ~np.isnan(p)
    if np.any((p[finite] < 0) | (p[finite] > 1)):
        bad = p[finite][(p[finite] < 0) | (p[finite] > 1)][0]
        raise ValueError(f"`pvalues` must lie between 0 and 1; found {bad:g}.")
    out = np.full(p.shape, np.nan)
    if finite.any() and method == "holm":
        out[finite] = _holm(p[finite])
    elif finite.any():
        out[finite] = multipletests(p[finite], method=method)[1]
    return out


def _holm(p: np.ndarray) -> np.ndarray:
    """Holm's step-down adjustment, the same operations as statsmodels' ``multipletests``
    (bit for bit) without its ``gc.collect()`` call, which costs ~60 ms per call when
    many objects are alive (a city-scale comparison adjusts many families)."""
    order = np.argsort(p)
    adjusted = np.maximum.accumulate(p[order] * np.arange(len(p), 0, -1))
    adjusted[adjusted > 1] = 1
    out = np.empty_like(adjusted)
    out[order] = adjusted
    return out


# --------------------------------------------------------------------------- precision
def _fpc(n: float, population, name: str = "population") -> float:
    """Finite-population factor of a standard error, :math:`\\sqrt{1 - n/N}`; 1 when N is None.

    This is the factor of Cochran's (1977, §2.5) estimated standard error
    :math:`\\sqrt{1 - f}\\, s/\\sqrt n` with sampling fraction f = n/N, and the one R's
    ``survey`` package applies with ``svydesign(ids = ~1, fpc = ~N)``. (The factor
    :math:`\\sqrt{(N-n)/(N-1)}` belongs to the standard error written with the population
    variance :math:`\\sigma^2` of divisor N; combined with the sample variance s² it
    overstates the variance by N/(N − 1).)
    """
    if population is None:
        return 1.0
    if (isinstance(population, bool)
            or not isinstance(population, (int, float, np.integer, np.floating))
            or not population > 0):
        raise ValueError(
            f"`{name}` must be a positive number of units (or None); got {population!r}."
        )
    if n > population:
        raise ValueError(
            f"The sample ({n:g}) is larger than `{name}` ({population:g}); pass the number of "
            "units (e.g. households) in the area, or None to switch the correction off."
        )
    return float(np.sqrt(1 - n / population))


def mean_ci(values, *, weights=None, population=None, confidence: float = 0.95) -> pd.Series:
    """Mean with a t confidence interval, optional sampling weights and FPC.

    Parameters
    ----------
    values : array-like of float
        Observations; NaN dropped (with its weight).
    weights : array-like of float, optional
        Sampling (inverse-probability / raking) weights, not frequency weights.
    population : float, optional
        Population size N (number of units the values were sampled from) for the
        finite-population correction; None switches it off.
    confidence : float
        Level of the interval.

    Returns
    -------
    pandas.Series
        mean
            (Weighted) mean.
        se
            Standard error, FPC applied.
        ci_low, ci_high
            ``mean ± t(n−1) · se``.
        n
            Non-missing observations.
        n_effective
            Kish effective sample size :math:`(\\sum w)^2/\\sum w^2` (n when unweighted).
        fpc
            The factor :math:`\\sqrt{1 - n/N}` (1 when `population` is None).

    Notes
    -----
    Unweighted: :math:`se = \\sqrt{1 - n/N}\\; s/\\sqrt n` (Cochran 1977, §2.5).
    Weighted (ratio estimator, Taylor linearisation):
    :math:`\\bar y_w = \\sum w y / \\sum w`,
    :math:`se^2 = (1 - n/N)\\,\\frac{n}{n-1}\\sum w^2 (y - \\bar y_w)^2 / (\\sum w)^2`.
    Both are R's ``survey::svymean(~y, svydesign(ids = ~1, weights = ~w, fpc = ~N))``
    (without `population`: no ``fpc``), and the interval is
    ``confint(svymean(...), df = degf(design))``, a t interval on n − 1 df (tested to
    1e-6). With equal weights the weighted result is exactly the unweighted one. The
    interval has zero width when every unit of the population answered (n = N). For
    respondents clustered in homes, or weights calibrated to population margins, use
    :func:`evaluation.design.survey_mean`.

    References
    ----------
    Cochran, W. G. (1977). Sampling techniques (3rd ed.), §2.5, §6.11. Kish, L. (1965).
    Survey sampling. Lumley, T. (2010). Complex surveys: a guide to analysis using R.

    Examples
    --------
    >>> res = mean_ci([3, 4, 5, 4, 2], population=20)
    >>> round(float(res["mean"]), 3), round(float(res["fpc"]), 3)
    (3.6, 0.866)
    """
    confidence = _check_confidence(confidence)
    y = _numeric(values, "values")
    if weights is None:
        w = np.ones_like(y)
    else:
        w = _numeric(weights, "weights")
        if len(w) != len(y):
            raise ValueError(
                f"`values` has {len(y)} entries but `weights` has {len(w)}; pass one weight "
                "per value."
            )
        if np.any(w[np.isfinite(w)] < 0):
            raise ValueError("`weights` must be non-negative; found a negative weight.")
    keep = np.isfinite(y) & np.isfinite(w)
    y, w = y[keep], w[keep]
    n = len(y)
    if n < 2:
        raise ValueError(f"`values` has {n} non-missing value(s); at least two are needed.")
    if w.sum() <= 0:
        raise ValueError("`weights` of the non-missing values sum to 0; pass positive weights.")
    factor = _fpc(n, population)
    mean = float(np.sum(w * y) / w.sum())
    se = float(np.sqrt(n / (n - 1) * np.sum(w**2 * (y - mean) ** 2)) / w.sum()) * factor
    q = sps.t.ppf(1 - (1 - confidence) / 2, n - 1)
    return _record(
        mean=mean, se=se, ci_low=mean - q * se, ci_high=mean + q * se, n=n,
        n_effective=float(w.sum() ** 2 / np.sum(w**2)), fpc=factor,
    )


def proportion_ci(values, *, population=None, confidence: float = 0.95,
                  method: str = "wilson") -> pd.Series:
    """Proportion of 1s (or True) with a Wilson score interval and optional FPC.

    Parameters
    ----------
    values : array-like of 0/1 or bool
        Answers; NaN dropped.
    population : float, optional
        Population size N for the finite-population correction; None switches it off.
    confidence : float
        Level of the interval.
    method : {"wilson"}
        Interval method (Wilson score, as R's ``prop.test(x, n, correct = FALSE)``).

    Returns
    -------
    pandas.Series
        proportion
            Share of 1s.
        ci_low, ci_high
            Wilson interval.
        n
            Non-missing answers.
        fpc
            The factor :math:`\\sqrt{1 - n/N}` (1 without `population`).

    Notes
    -----
    Wilson: :math:`\\frac{\\hat p + z^2/2n \\pm z\\sqrt{\\hat p(1-\\hat p)/n + z^2/4n^2}}
    {1 + z^2/n}`. The FPC enters through the variance: the binomial variance
    :math:`p(1-p)/n` is multiplied by fpc² = 1 − n/N (Cochran 1977, §3.2), which is the
    Wilson interval with n replaced by the effective size :math:`n/(1 - n/N)`; for
    n = 100 of N = 200 with 30 successes that is R's
    ``prop.test(60, 200, correct = FALSE)$conf.int`` (tested). With n = N the interval
    collapses to the observed proportion.

    References
    ----------
    Wilson, E. B. (1927). JASA 22, 209–212. Newcombe, R. G. (1998). Two-sided confidence
    intervals for the single proportion. Statistics in Medicine 17, 857–872.

    Examples
    --------
    >>> res = proportion_ci([1, 0, 1, 1, 0, 1, 0, 1])
    >>> round(float(res["proportion"]), 3), round(float(res["ci_low"]), 3)
    (0.625, 0.306)
    """
    confidence = _check_confidence(confidence)
    _check_choice(method, "method", ("wilson",))
    x = _numeric(values, "values")
    x = x[np.isfinite(x)]
    if not np.all(np.isin(x, (0.0, 1.0))):
        bad = x[~np.isin(x, (0.0, 1.0))][0]
        raise ValueError(
            f"`values` must be 0/1 (or True/False); found {bad:g}. Recode the answer of "
            "interest as 1 and the others as 0."
        )
    n = len(x)
    if n == 0:
        raise ValueError("`values` has no non-missing answers; at least one is needed.")
    factor = _fpc(n, population)
    p = float(x.mean())
    if factor == 0:
        low = high = p
    else:
        n_adj = n / factor**2
        low, high = _wilson(p * n_adj, n_adj, sps.norm.ppf(1 - (1 - confidence) / 2))
    return _record(proportion=p, ci_low=low, ci_high=high, n=n, fpc=factor)


# --------------------------------------------------------------------------- planning
def _solve_effect(solver, alpha: float, power: float, alternative: str, **nobs) -> float:
    """Effect size with the given power, solved to ~1e-12 (statsmodels' own root is ~1e-6).

    statsmodels' ``solve_power`` gives a starting value; Brent's method on its ``power``
    then refines it (the noncentral-t power is increasing in the effect).
    """
    def gap(effect):
        return float(solver.power(effect_size=effect, alpha=alpha, alternative=alternative,
                                  **nobs)) - power

    start = float(np.asarray(solver.solve_power(alpha=alpha, power=power,
                                                alternative=alternative, **nobs)).item())
    lo, hi = start * (1 - 1e-3), start * (1 + 1e-3)
    for _ in range(60):
        if gap(lo) <= 0 <= gap(hi):
            return float(optimize.brentq(gap, lo, hi, xtol=1e-14, rtol=1e-13))
        lo, hi = lo / 2, hi * 1.5
    return start


def minimal_detectable_effect(n, *, design: str = "paired", alpha: float = 0.05,
                              power: float = 0.8, population=None, attrition: float = 0.0,
                              sd=None, alternative: str = "two-sided") -> pd.DataFrame:
    """Smallest standardised effect a t-test detects with the given power.

    Parameters
    ----------
    n : int or sequence of int
        Planned respondents before attrition: pairs (paired) or respondents per wave
        (independent).
    design : {"paired", "independent"}
        One-sample t on the differences (effect d_z) or two-sample t with equal groups
        (effect d, `n` per group).
    alpha, power : float
        Significance level and desired power.
    population : int, optional
        Ignored (kept so that old calls still run; a :class:`FutureWarning` says so).
        Earlier versions multiplied the effect by a finite-population factor; see Notes.
    attrition : float
        Expected share in [0, 1) of `n` that will be lost, in both designs:
        ``n_effective = n (1 − attrition)``. Paired: invited panel members who will not
        answer both waves. Independent: invited residents per wave who will not answer
        (each wave keeps ``n_effective`` respondents).
    sd : float, optional
        Standard deviation on the original scale that the effect is standardised by: of
        the differences ``after − before`` for the paired design (d_z), of the outcome
        within a wave for the independent design (d); gives ``mde_raw``.
    alternative : {"two-sided", "larger"}
        Two-sided or one-sided test.

    Returns
    -------
    pandas.DataFrame
        One row per `n` with columns n, n_effective, design, alpha, power, mde, mde_raw.
        ``mde`` is d_z (paired) or d (independent) for ``n_effective`` pairs or respondents
        per wave; ``mde_raw = mde × sd`` (NaN without `sd`). (The former ``fpc`` column is
        gone with the correction.)

    Notes
    -----
    The effect solves the power equation of the noncentral t: for the paired design
    :math:`P(|T_{n-1}(\\delta\\sqrt n)| > t_{1-\\alpha/2, n-1}) = 1-\\beta`, for two
    independent groups of n each the same with 2n − 2 df and noncentrality
    :math:`\\delta\\sqrt{n/2}` (:class:`statsmodels.stats.power.TTestPower` /
    ``TTestIndPower``, refined with Brent's method). The values equal R's
    ``power.t.test(n = n, sd = 1, power = 0.8, type = "paired" | "two.sample", strict =
    TRUE, tol = 1e-12)$delta`` to 1e-9 and ``pwr::pwr.t.test(n = n, power = 0.8, type =
    "paired" | "two.sample")$d`` to the 1e-4 tolerance of its root finder (tested).

    **No finite-population correction.** An intervention effect is a property of the
    process that generates the answers (a superpopulation), not a description of the
    finite street: even if every home answers both waves, the answers still vary for
    reasons that have nothing to do with the intervention, so a small effect remains
    hard to tell from noise. The FPC belongs to descriptive estimates of this street
    (:func:`mean_ci`, :func:`evaluation.design.survey_mean`), not to planning a test of
    change; with it, 256 of 257 homes would "detect" d = 0.009.

    References
    ----------
    Cohen, J. (1988). Statistical power analysis for the behavioral sciences (2nd ed.),
    Table 2.4.1. Bloom, H. S. (1995). Minimum detectable effects. Evaluation Review 19,
    547–556. Champely, S. (2020). pwr: Basic functions for power analysis (R package).

    Examples
    --------
    >>> res = minimal_detectable_effect([34, 64], design="paired")
    >>> [round(float(x), 2) for x in res["mde"]]
    [0.5, 0.36]
    """
    import warnings

    from statsmodels.stats.power import TTestIndPower, TTestPower

    _check_choice(design, "design", ("paired", "independent"))
    _check_choice(alternative, "alternative", ("two-sided", "larger"))
    for name, value in (("alpha", alpha), ("power", power)):
        if not isinstance(value, (int, float, np.floating)) or not 0 < value < 1:
            raise ValueError(f"`{name}` must be between 0 and 1 (e.g. 0.05 / 0.8); got {value!r}.")
    if not isinstance(attrition, (int, float, np.floating)) or not 0 <= attrition < 1:
        raise ValueError(f"`attrition` must be a share in [0, 1) (e.g. 0.2); got {attrition!r}.")
    if population is not None:
        warnings.warn(
            "`population` is ignored by minimal_detectable_effect and will be removed: the "
            "finite-population correction describes this street, while a planned test of "
            "change concerns the process that generates the answers (a superpopulation), "
            "so the detectable effect does not shrink when most homes are surveyed. Drop "
            "the argument.",
            FutureWarning, stacklevel=2,
        )
    sizes = _numeric(np.atleast_1d(n), "n")
    if np.any(~np.isfinite(sizes)):
        raise ValueError("`n` contains missing values; pass planned sample sizes.")
    rows = []
    for size in sizes:
        n_eff = size * (1 - attrition)
        if n_eff < 2 + (design == "independent"):
            raise ValueError(
                f"`n` = {size:g} leaves {n_eff:g} after attrition; at least "
                f"{2 + (design == 'independent')} are needed for a t-test."
            )
        if design == "paired":
            mde = _solve_effect(TTestPower(), alpha, power, alternative, nobs=n_eff)
        else:
            mde = _solve_effect(TTestIndPower(), alpha, power, alternative, nobs1=n_eff,
                                ratio=1.0)
        rows.append({
            "n": float(size), "n_effective": n_eff, "design": design, "alpha": float(alpha),
            "power": float(power), "mde": mde,
            "mde_raw": mde * float(sd) if sd is not None else np.nan,
        })
    return pd.DataFrame(rows)

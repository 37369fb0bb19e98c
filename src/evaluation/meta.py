"""Random-effects meta-analysis and meta-regression, as metafor's ``rma.uni``.

The cross-site synthesis (:mod:`evaluation.synthesis`) pools each site's
standardised change per construct with :func:`random_effects`. The estimators,
tests and heterogeneity statistics follow metafor 3.8 (Viechtbauer 2010), and
the tests compare them with metafor on the BCG vaccine data (``dat.bcg``).

Model
-----
:math:`y_i = x_i'\\beta + u_i + e_i` with :math:`u_i \\sim N(0, \\tau^2)` and
:math:`e_i \\sim N(0, v_i)`, :math:`v_i` known. Given :math:`\\tau^2`, the
coefficients are the weighted least-squares estimate with weights
:math:`w_i = 1/(v_i + \\tau^2)`, :math:`\\hat\\beta = (X'WX)^{-1}X'Wy`, with
covariance :math:`(X'WX)^{-1}`.

:math:`\\tau^2` estimators
-------------------------
- ``"REML"`` / ``"ML"``: maximum of the (restricted) log-likelihood over
  :math:`\\tau^2 \\ge 0`. A grid over :math:`[0, U]` (0 and 120 geometric steps)
  brackets the maximum, a bounded Brent search
  (:func:`scipy.optimize.minimize_scalar`) finds it within the bracket, and
  Fisher-scoring steps (accepted only when the likelihood does not fall) polish it
  to machine precision. The maximum may lie on the boundary 0. ``U`` is
  ``10·(range(y)² + max v)`` and is enlarged when the maximum lies at ``U``;
  a maximum beyond ``10⁵·U`` raises an error. Nothing can end silently at a
  non-optimum: the result is the best point found on a grid that covers the range.
- ``"PM"`` (Paule–Mandel): the root of the generalised Q statistic
  :math:`Q(\\tau^2) = \\sum_i w_i(y_i - x_i'\\hat\\beta)^2 = k - p`. Q decreases
  in :math:`\\tau^2`; 0 when :math:`Q(0) \\le k - p`, otherwise Brent's method on a
  bracket :math:`[0, U]` with :math:`Q(U) < k - p` (a bracketed root always exists).
- ``"DL"`` (DerSimonian–Laird): :math:`\\max\\{0, (Q_E - (k-p))/\\operatorname{tr}(P)\\}`
  with :math:`P = W_0 - W_0X(X'W_0X)^{-1}X'W_0`, :math:`W_0 = \\operatorname{diag}(1/v_i)`.

Tests
-----
- ``test="z"``: Wald z-tests and normal intervals.
- ``test="knha"`` (Hartung–Knapp / Sidik–Jonkman): the covariance is multiplied by
  :math:`s^2 = Q(\\hat\\tau^2)/(k-p)` and tests and intervals use t with k − p df.
  As metafor 3.8's default, :math:`s^2` is **not** truncated at 1 (no "ad hoc"
  correction), so the Hartung–Knapp interval can be narrower than the z interval.

Heterogeneity
-------------
- ``q``, ``q_df``, ``q_p``: Cochran's :math:`Q_E = \\sum_i (y_i - x_i'\\hat\\beta_0)^2/v_i`
  (fixed-effect weights; the residual heterogeneity in a meta-regression) on k − p df.
- ``i2`` (percent) and ``h2`` as metafor: with the "typical" within-study variance
  :math:`\\tilde v = (k-p)/\\operatorname{tr}(P)`, :math:`I^2 = 100\\,\\hat\\tau^2/(\\tilde v + \\hat\\tau^2)`
  and :math:`H^2 = (\\tilde v + \\hat\\tau^2)/\\tilde v`, for the chosen :math:`\\hat\\tau^2`.
- ``tau2_ci_low``, ``tau2_ci_high``: Q-profile interval (Viechtbauer 2007; metafor's
  ``confint()``): the :math:`\\tau^2` at which the generalised Q equals the
  :math:`1-\\alpha/2` and :math:`\\alpha/2` quantiles of :math:`\\chi^2_{k-p}` (0 when
  Q(0) lies below the quantile), whatever the estimator of :math:`\\hat\\tau^2`.
- ``pi_low``, ``pi_high`` (intercept-only models): prediction interval as metafor's
  ``predict()``: :math:`\\hat\\mu \\pm c\\sqrt{\\mathrm{se}^2 + \\hat\\tau^2}` with c the
  t(k − p) quantile under ``knha`` (and se the Hartung–Knapp SE), the normal quantile
  under ``z``. For a meta-regression use :func:`meta_predict`.
- ``r2`` (meta-regression): percent of :math:`\\tau^2` accounted for by the moderators,
  :math:`\\max\\{0, 100(\\hat\\tau^2_0 - \\hat\\tau^2)/\\hat\\tau^2_0\\}` with
  :math:`\\hat\\tau^2_0` of the intercept-only model by the same estimator (0 when
  :math:`\\hat\\tau^2_0 = 0`), as metafor.
- ``qm``, ``qm_df1``, ``qm_df2``, ``qm_p`` (meta-regression): omnibus test of the
  moderators, :math:`Q_M = b_m'V_m^{-1}b_m`, χ²(m) under ``z``, F(m, k − p) = Q_M/m
  under ``knha``.

References
----------
Viechtbauer, W. (2010). Conducting meta-analyses in R with the metafor package.
Journal of Statistical Software, 36(3), 1–48.
Viechtbauer, W. (2005). Bias and efficiency of meta-analytic variance estimators in
the random-effects model. Journal of Educational and Behavioral Statistics, 30, 261–293.
Viechtbauer, W. (2007). Confidence intervals for the amount of heterogeneity in
meta-analysis. Statistics in Medicine, 26, 37–52.
Paule, R. C., & Mandel, J. (1982). Consensus values and weighting factors. Journal of
Research of the National Bureau of Standards, 87, 377–385.
DerSimonian, R., & Laird, N. (1986). Meta-analysis in clinical trials. Controlled
Clinical Trials, 7, 177–188.
Hartung, J., & Knapp, G. (2001). On tests of the overall treatment effect in
meta-analysis with normally distributed responses. Statistics in Medicine, 20, 1771–1782.
Sidik, K., & Jonkman, J. N. (2002). A simple confidence interval for meta-analysis.
Statistics in Medicine, 21, 3153–3159.
Higgins, J. P. T., & Thompson, S. G. (2002). Quantifying heterogeneity in a
meta-analysis. Statistics in Medicine, 21, 1539–1558.
"""
from __future__ import annotations


import numpy as np
import pandas as pd
from scipy import optimize, stats

__all__ = ["random_effects", "meta_predict", "META_COLUMNS", "META_METHODS", "META_TESTS"]

#: τ² estimators of :func:`random_effects`.
META_METHODS = ("REML", "PM", "DL", "ML")
#: tests of :func:`random_effects`.
META_TESTS = ("knha", "z")
#: Columns of the table :func:`random_effects` returns.
META_COLUMNS = [
    "term", "estimate", "se", "statistic", "df", "p_value", "ci_low", "ci_high",
    "tau2", "tau2_ci_low", "tau2_ci_high", "tau", "i2", "h2", "q", "q_df", "q_p", "pi_low", "pi_high",
    "r2", "qm", "qm_df1", "qm_df2", "qm_p", "k", "n_coef", "method", "test", "level", "note",
]

_GRID = 120


# --------------------------------------------------------------------------- input


def _row_label(index, positions) -> str:
    labels = [repr(index[i]) for i in positions[:5]]
    more = f" and {len(positions) - 5} more" if len(positions) > 5 else ""
    return ", ".join(labels) + more


def _prepare(data, effect, variance, moderators):
    """Validated arrays y, v, X and the coefficient names; errors name the offending rows."""
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"`data` must be a pandas DataFrame, got {type(data).__name__}")
    moderators = [] if moderators is None else ([moderators] if isinstance(moderators, str) else list(moderators))
    missing = [c for c in [effect, variance, *moderators] if c not in data.columns]
    if missing:
        raise ValueError(f"column(s) {missing} not in `data` (columns: {list(data.columns)})")
    index = data.index
    numeric = {}
    for col, what in ((effect, "effect"), (variance, "variance")):
        values = pd.to_numeric(data[col], errors="coerce").to_numpy(dtype=float)
        bad = np.flatnonzero(~np.isfinite(values))
        if len(bad):
            raise ValueError(f"{what} column {col!r} is missing or not a finite number in row(s) "
                             f"{_row_label(index, bad)}; drop or fix these rows first")
        numeric[what] = values
    y, v = numeric["effect"], numeric["variance"]
    bad = np.flatnonzero(v <= 0)
    if len(bad):
        raise ValueError(f"variance column {variance!r} must be positive; row(s) {_row_label(index, bad)} "
                         f"have {', '.join(f'{v[i]:g}' for i in bad[:5])}")
    columns, names = [np.ones(len(y))], ["intercept"]
    for col in moderators:
        values = data[col]
        if values.isna().any():
            bad = np.flatnonzero(values.isna().to_numpy())
            raise ValueError(f"moderator {col!r} is missing in row(s) {_row_label(index, bad)}")
        if pd.api.types.is_bool_dtype(values) or not pd.api.types.is_numeric_dtype(values):
            levels = list(values.cat.categories) if isinstance(values.dtype, pd.CategoricalDtype) \
                else sorted(values.unique(), key=str)
            for level in levels[1:]:
                columns.append((values == level).to_numpy(dtype=float))
                names.append(f"{col}[{level}]")
        else:
            columns.append(values.to_numpy(dtype=float))
            names.append(str(col))
    x = np.column_stack(columns)
    k, p = x.shape
    if k - p < 1:
        raise ValueError(
            f"a random-effects model with {p} coefficient(s) needs at least {p + 1} studies, got k = {k}"
            + ("; with one study there is nothing to pool (report its own estimate instead)" if k == 1 else ""))
    if np.linalg.matrix_rank(x) < p:
        raise ValueError(f"the moderators {moderators} are collinear (or constant) across the {k} studies; "
                         "drop one of them")
    return y, v, x, names


# --------------------------------------------------------------------------- fitting


class _Model:
    """WLS quantities of the random-effects model at a given τ²."""

    def __init__(self, y, v, x):
        self.y, self.v, self.x = y, v, x
        self.k, self.p = x.shape

    def at(self, tau2: float) -> dict:
        w = 1.0 / (self.v + tau2)
        xtw = self.x.T * w
        a = xtw @ self.x
        a_inv = np.linalg.inv(a)
        beta = a_inv @ (xtw @ self.y)
        r = self.y - self.x @ beta
        # tr(P) with P = W - W X A^{-1} X' W
        tr_p = float(w.sum() - np.trace(a_inv @ (xtw * w) @ self.x))
        return {"w": w, "a_inv": a_inv, "beta": beta, "r": r, "q": float(np.sum(w * r * r)),
                "logdet": float(np.linalg.slogdet(a)[1]), "tr_p": tr_p}

    def loglik(self, tau2: float, reml: bool) -> float:
        f = self.at(tau2)
        out = -0.5 * (np.sum(np.log(self.v + tau2)) + f["q"])
        return out - 0.5 * f["logdet"] if reml else out

    def loglik_grid(self, taus: np.ndarray, reml: bool) -> np.ndarray:
        """:meth:`loglik` at many τ² at once (batched over the grid)."""
        w = 1.0 / (self.v[None, :] + taus[:, None])  # G × k
        a = np.einsum("gk,ki,kj->gij", w, self.x, self.x)
        rhs = np.einsum("gk,ki,k->gi", w, self.x, self.y)
        beta = np.linalg.solve(a, rhs[..., None])[..., 0]
        r = self.y[None, :] - beta @ self.x.T
        out = -0.5 * (np.log(self.v[None, :] + taus[:, None]).sum(axis=1) + np.sum(w * r * r, axis=1))
        return out - 0.5 * np.linalg.slogdet(a)[1] if reml else out

    def score_info(self, tau2: float, reml: bool) -> tuple[float, float]:
        """∂ℓ/∂τ² and the expected information at τ²."""
        f = self.at(tau2)
        w, r = f["w"], f["r"]
        pr = w * r  # P y
        if reml:
            xw = self.x * w[:, None]
            p_mat = np.diag(w) - xw @ f["a_inv"] @ xw.T
            return 0.5 * (float(pr @ pr) - f["tr_p"]), 0.5 * float(np.sum(p_mat * p_mat))
        return 0.5 * (float(pr @ pr) - float(w.sum())), 0.5 * float(np.sum(w * w))

    def upper(self) -> float:
        return 10.0 * (float(np.ptp(self.y)) ** 2 + float(self.v.max()))


def _tau2_likelihood(model: _Model, reml: bool) -> float:
    upper = model.upper()
    for _ in range(6):
        grid = np.concatenate([[0.0], upper * np.geomspace(1e-10, 1.0, _GRID)])
        lls = model.loglik_grid(grid, reml)
        i = int(np.nanargmax(lls))
        if i < len(grid) - 1:
            break
        upper *= 10.0
    else:
        raise RuntimeError("the likelihood of τ² still increases at 10⁵ × the starting bound; "
                           "check the effects and variances (are the variances on the effects' scale?)")
    low, high = grid[max(i - 1, 0)], grid[i + 1]
    best_t, best_ll = grid[i], lls[i]
    opt = optimize.minimize_scalar(lambda t: -model.loglik(t, reml), bounds=(low, high), method="bounded",
                                   options={"xatol": 1e-14 * max(high, 1e-300), "maxiter": 500})
    if np.isfinite(opt.fun) and -opt.fun >= best_ll:
        best_t, best_ll = float(opt.x), float(-opt.fun)
    # Fisher scoring polish (each step kept only when the likelihood does not fall)
    for _ in range(200):
        score, info = model.score_info(best_t, reml)
        new = max(0.0, best_t + score / info)
        new_ll = model.loglik(new, reml)
        if new_ll < best_ll - 1e-13 * abs(best_ll):
            break
        done = abs(new - best_t) <= 1e-14 * (1.0 + best_t)
        best_t, best_ll = new, max(new_ll, best_ll)
        if done:
            break
    if best_t > 0 and model.loglik(0.0, reml) >= best_ll:
        best_t = 0.0
    return float(best_t)


def _q_root(model: _Model, target: float) -> float:
    """The τ² ≥ 0 at which the generalised Q equals `target` (0 when Q(0) ≤ target), by bracketed Brent."""
    f = lambda t: model.at(t)["q"] - target  # noqa: E731 - decreasing in t
    if f(0.0) <= 0:
        return 0.0
    upper = model.upper()
    for _ in range(60):
        if f(upper) < 0:
            break
        upper *= 2.0
    else:
        raise RuntimeError("could not bracket the generalised Q equation; check the effects and variances")
    root, info = optimize.brentq(f, 0.0, upper, xtol=1e-15, rtol=4 * np.finfo(float).eps, maxiter=1000,
                                 full_output=True)
    if not info.converged:
        raise RuntimeError(f"the generalised Q equation did not converge ({info.flag})")
    return float(root)


def _tau2(model: _Model, method: str) -> float:
    if method in ("REML", "ML"):
        return _tau2_likelihood(model, reml=method == "REML")
    if method == "PM":
        return _q_root(model, model.k - model.p)
    fe = model.at(0.0)  # DL
    return max(0.0, (fe["q"] - (model.k - model.p)) / fe["tr_p"])


def _check_choice(value, allowed, name):
    if value not in allowed:
        raise ValueError(f"`{name}` must be one of {list(allowed)}, got {value!r}")


def _fit(y, v, x, *, method, test, level):
    model = _Model(y, v, x)
    k, p = model.k, model.p
    tau2 = _tau2(model, method)
    fit = model.at(tau2)
    fe = model.at(0.0)
    alpha = 1 - level
    vb = fit["a_inv"].copy()
    if test == "knha":
        df = float(k - p)
        vb *= fit["q"] / (k - p)
        crit = float(stats.t.ppf(1 - alpha / 2, df))
    else:
        df = np.inf
        crit = float(stats.norm.ppf(1 - alpha / 2))
    vt = (k - p) / fe["tr_p"]
    chi = stats.chi2
    return {"model": model, "tau2": tau2, "beta": fit["beta"], "vb": vb, "df": df, "crit": crit,
            "q": fe["q"], "q_df": k - p, "q_p": float(chi.sf(fe["q"], k - p)),
            "i2": 100 * tau2 / (vt + tau2), "h2": (vt + tau2) / vt,
            "tau2_ci": (_q_root(model, chi.ppf(1 - alpha / 2, k - p)), _q_root(model, chi.ppf(alpha / 2, k - p)))}


def _pvalue(stat, df):
    return float(2 * (stats.t.sf(abs(stat), df) if np.isfinite(df) else stats.norm.sf(abs(stat))))


def random_effects(data, *, effect="yi", variance="vi", method="REML", test="knha", level=0.95, moderators=None):
    """Random-effects meta-analysis (or meta-regression) of effect sizes, as ``metafor::rma``.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per study (site): an effect size, its sampling variance and any moderators.
    effect : str, default "yi"
        Column of effect sizes.
    variance : str, default "vi"
        Column of their sampling variances (squared standard errors); must be positive.
    method : {"REML", "PM", "DL", "ML"}, default "REML"
        Estimator of the between-study variance τ² (see the module notes).
    test : {"knha", "z"}, default "knha"
        Hartung–Knapp–Sidik–Jonkman t-tests on k − p df (metafor's ``test="knha"``,
        without truncation) or Wald z-tests.
    level : float, default 0.95
        Level of the confidence, τ² and prediction intervals.
    moderators : str or list of str, optional
        Study-level covariates for a meta-regression (numeric columns enter
        linearly, others as indicators against their first level).

    Returns
    -------
    pandas.DataFrame
        One row per coefficient (``term`` "intercept", then the moderators), columns
        :data:`META_COLUMNS`:

        - term, estimate, se, statistic (t or z), df (k − p; ``inf`` under z),
          p_value, ci_low, ci_high : the coefficient and its test and interval.
        - tau2, tau2_ci_low, tau2_ci_high, tau : τ², its Q-profile interval, τ.
        - i2 (percent), h2 : for the estimated τ² (metafor's definitions).
        - q, q_df, q_p : Cochran's Q (residual Q in a meta-regression).
        - pi_low, pi_high : prediction interval of a new study's effect
          (intercept-only models; NaN in a meta-regression, see :func:`meta_predict`).
        - r2 (percent), qm, qm_df1, qm_df2, qm_p : meta-regression only (NaN otherwise).
        - k, n_coef, method, test, level : the model.
        - note : "" or a remark (τ² on the boundary 0).

        The model-level columns repeat on every row.

    Raises
    ------
    ValueError
        For fewer than n_coef + 1 studies (e.g. k = 1), a missing or non-finite effect
        or variance, a variance ≤ 0, a missing moderator (each naming the rows), or
        collinear moderators.

    Notes
    -----
    Agrees with metafor 3.8-1 on ``dat.bcg`` (log risk ratios), for every estimator and
    both tests, with and without moderators: to 1e-8 with metafor run to convergence
    (``control=list(tol=1e-14, threshold=1e-14)``) and to 1e-4 with its defaults, which
    stop Fisher scoring at a τ² change below 1e-5 and solve PM with ``uniroot``'s
    tolerance of about 1.2e-4 (tests/test_meta.py). See the module docstring for the
    formulas.

    Examples
    --------
    >>> d = pd.DataFrame({"yi": [-0.89, -1.59, -1.35, -1.44, -0.22, -0.79],
    ...                   "vi": [0.33, 0.19, 0.42, 0.02, 0.05, 0.01]})
    >>> res = random_effects(d, method="REML", test="knha")
    >>> res[["estimate", "ci_low", "ci_high", "tau2"]].round(3).iloc[0].tolist()
    [-0.991, -1.553, -0.428, 0.225]
    """
    _check_choice(method, META_METHODS, "method")
    _check_choice(test, META_TESTS, "test")
    if not 0 < level < 1:
        raise ValueError(f"`level` must be between 0 and 1, got {level!r}")
    y, v, x, names = _prepare(data, effect, variance, moderators)
    fit = _fit(y, v, x, method=method, test=test, level=level)
    k, p = x.shape
    tau2, beta, vb, crit, df = fit["tau2"], fit["beta"], fit["vb"], fit["crit"], fit["df"]
    se = np.sqrt(np.diag(vb))
    model_cols = {
        "tau2": tau2, "tau2_ci_low": fit["tau2_ci"][0], "tau2_ci_high": fit["tau2_ci"][1], "tau": np.sqrt(tau2),
        "i2": fit["i2"], "h2": fit["h2"], "q": fit["q"], "q_df": fit["q_df"], "q_p": fit["q_p"],
        "pi_low": np.nan, "pi_high": np.nan, "r2": np.nan, "qm": np.nan, "qm_df1": np.nan, "qm_df2": np.nan,
        "qm_p": np.nan, "k": k, "n_coef": p, "method": method, "test": test, "level": level,
        "note": "τ² estimated at the boundary 0 (no heterogeneity beyond sampling error)" if tau2 == 0 else "",
    }
    if p == 1:
        half = crit * np.sqrt(se[0] ** 2 + tau2)
        model_cols["pi_low"], model_cols["pi_high"] = beta[0] - half, beta[0] + half
    else:
        tau2_0 = _tau2(_Model(y, v, x[:, :1]), method)
        model_cols["r2"] = 0.0 if tau2_0 == 0 else max(0.0, 100 * (tau2_0 - tau2) / tau2_0)
        b_m, v_m = beta[1:], vb[1:, 1:]
        qm = float(b_m @ np.linalg.solve(v_m, b_m))
        m = p - 1
        if test == "knha":
            model_cols.update(qm=qm / m, qm_df1=m, qm_df2=k - p, qm_p=float(stats.f.sf(qm / m, m, k - p)))
        else:
            model_cols.update(qm=qm, qm_df1=m, qm_df2=np.inf, qm_p=float(stats.chi2.sf(qm, m)))
    rows = []
    for j, name in enumerate(names):
        stat = beta[j] / se[j] if se[j] > 0 else np.sign(beta[j]) * np.inf if beta[j] else np.nan
        rows.append({"term": name, "estimate": beta[j], "se": se[j], "statistic": stat, "df": df,
                     "p_value": np.nan if np.isnan(stat) else _pvalue(stat, df),
                     "ci_low": beta[j] - crit * se[j], "ci_high": beta[j] + crit * se[j], **model_cols})
    return pd.DataFrame(rows, columns=META_COLUMNS)


def meta_predict(data, *, at, effect="yi", variance="vi", method="REML", test="knha", level=0.95,
                 moderators=None):
    """Predicted mean effect and prediction interval at given moderator values (``predict.rma``).

    Parameters
    ----------
    data : pandas.DataFrame
        As for :func:`random_effects`.
    at : pandas.DataFrame or dict of list, optional
        Moderator values, one row per prediction (columns = `moderators`; numeric
        moderators only). For an intercept-only model pass an empty frame with one row
        (``pd.DataFrame(index=[0])``).
    effect, variance, method, test, level, moderators
        As for :func:`random_effects`.

    Returns
    -------
    pandas.DataFrame
        The `at` columns plus ``pred``, ``se``, ``ci_low``, ``ci_high``, ``pi_low``,
        ``pi_high`` (:math:`\\hat y \\pm c\\sqrt{se^2 + \\hat\\tau^2}`, c the t(k − p) quantile
        under ``knha``, the normal one under ``z``) and ``tau2``.

    Examples
    --------
    >>> d = pd.DataFrame({"yi": [-0.89, -1.59, -1.35, -1.44, -0.22, -0.79, -1.62, 0.01],
    ...                   "vi": [0.33, 0.19, 0.42, 0.02, 0.05, 0.01, 0.22, 0.004],
    ...                   "lat": [44, 55, 42, 52, 13, 44, 19, 13]})
    >>> meta_predict(d, at={"lat": [20, 40]}, moderators=["lat"])["pred"].round(2).tolist()
    [-0.44, -0.99]
    """
    _check_choice(method, META_METHODS, "method")
    _check_choice(test, META_TESTS, "test")
    y, v, x, names = _prepare(data, effect, variance, moderators)
    if names != ["intercept", *([] if moderators is None else ([moderators] if isinstance(moderators, str)
                                                              else list(moderators)))]:
        raise ValueError("meta_predict takes numeric moderators only")
    at = pd.DataFrame(at)
    fit = _fit(y, v, x, method=method, test=test, level=level)
    new = np.column_stack([np.ones(len(at)), *[at[c].to_numpy(dtype=float) for c in names[1:]]])
    pred = new @ fit["beta"]
    se = np.sqrt(np.einsum("ij,jk,ik->i", new, fit["vb"], new))
    half_pi = fit["crit"] * np.sqrt(se ** 2 + fit["tau2"])
    out = at.reset_index(drop=True).copy()
    out["pred"], out["se"] = pred, se
    out["ci_low"], out["ci_high"] = pred - fit["crit"] * se, pred + fit["crit"] * se
    out["pi_low"], out["pi_high"] = pred - half_pi, pred + half_pi
    out["tau2"] = fit["tau2"]
    return out

"""Survey weights: raking to population margins, attrition weights, effective sample size.

statsmodels' ``DescrStatsW`` treats weights as frequency weights (statsmodels
#8254); the weights made here are sampling weights and belong in
:func:`evaluation.mean_ci` (which uses the linearised variance) or in
:func:`effective_n`.
"""
from __future__ import annotations

import warnings
from collections.abc import Mapping

import numpy as np
import pandas as pd
import statsmodels.api as sm
from statsmodels.tools.sm_exceptions import PerfectSeparationError, PerfectSeparationWarning

from evaluation.models import _as_names, _covariate_terms, _is_numeric_term, _levels, _require_columns

__all__ = ["attrition_table", "attrition_weights", "effective_n", "rake"]


# --------------------------------------------------------------------------- helpers
def _trim_bounds(trim) -> tuple[float, float] | None:
    """Validate `trim` = (lower, upper) relative to the mean weight, or an upper bound alone."""
    if trim is None:
        return None
    lower, upper = (0.0, trim) if np.isscalar(trim) else tuple(trim)
    lower = 0.0 if lower is None else float(lower)
    upper = np.inf if upper is None else float(upper)
    if not 0 <= lower < 1 < upper:
        raise ValueError(
            f"`trim`={trim!r} must be (lower, upper) multiples of the mean weight with "
            "0 <= lower < 1 < upper, e.g. (0.3, 3.0), or a single upper bound such as 5"
        )
    return lower, upper


def _clip_to_mean(w: np.ndarray, bounds: tuple[float, float]) -> np.ndarray:
    """Clip weights to bounds × mean weight, keeping the total (repeat until stable)."""
    lower, upper = bounds
    for _ in range(100):
        mean = w.mean()
        clipped = np.clip(w, lower * mean, upper * mean)
        clipped *= w.sum() / clipped.sum()
        if np.allclose(clipped, w, rtol=1e-12, atol=0):
            return clipped
        w = clipped
    return w


def _stayed(baseline: pd.DataFrame, stayed) -> np.ndarray:
    """The stayer indicator as a bool array, from a column name or an array-like."""
    if isinstance(stayed, str):
        _require_columns(baseline, {"stayed": stayed}, what="baseline")
        values = baseline[stayed]
    else:
        array = np.asarray(stayed).ravel()
        if len(array) != len(baseline):
            raise ValueError(
                f"`stayed` has {len(array)} values but `baseline` has {len(baseline)} rows; pass "
                "one True/False per baseline respondent (or the name of a column)"
            )
        values = pd.Series(array, index=baseline.index)
    if values.isna().any() or not set(pd.unique(values)) <= {True, False, 0, 1}:
        found = sorted(map(str, pd.unique(values)))[:5]
        raise ValueError(
            f"`stayed` must be True/False (or 1/0) without missing values; found {found}. "
            "Mark each baseline respondent as answering the follow-up (True) or not (False)"
        )
    flags = values.astype(bool).to_numpy()
    if flags.all() or not flags.any():
        raise ValueError(
            f"`stayed` is {'True' if flags.all() else 'False'} for every respondent; comparing "
            "stayers with leavers needs both"
        )
    return flags


# --------------------------------------------------------------------------- raking
def rake(data, *, margins, weight=None, max_iter=100, tol=1e-8, trim=None):
    """Raking (iterative proportional fitting) of weights to known population margins.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent with the raking variables.
    margins : dict
        ``{column: {category: target}}``; targets are population counts (weights
        then sum to the population total) or shares summing to 1 (weights then
        sum to the number of respondents, mean weight 1). Every margin must have
        the same total.
    weight : str or array-like, optional
        Starting (design) weights, a column name or one positive value per row;
        default 1.
    max_iter : int, default 100
        Maximum number of raking sweeps (each sweep adjusts every margin once).
    tol : float, default 1e-8
        Convergence criterion: largest absolute difference between a weighted
        margin and its target, relative to the total.
    trim : float or (float, float), optional
        Bounds for the weights as multiples of the mean weight, e.g. ``(0.3, 3)``;
        a single number is an upper bound. Weights are clipped to the bounds and
        raked again until both the margins and the bounds hold.

    Returns
    -------
    pandas.Series
        Weights named ``"weight"``, aligned to ``data.index``.

    Raises
    ------
    ValueError
        For a category in `data` without a target, a category with a positive
        target but no respondents, missing values in a raking column,
        inconsistent margin totals, or no convergence within `max_iter`.

    Notes
    -----
    Each sweep sets, for every margin variable :math:`v` and category :math:`c`,
    :math:`w_i \\leftarrow w_i \\, T_{vc} / \\sum_{j: v_j = c} w_j` (Deming &
    Stephan 1940). The result minimises the raking (multiplicative) distance to
    the starting weights subject to the margins (Deville & Särndal 1992).

    References
    ----------
    Deming, W. E., & Stephan, F. F. (1940). On a least squares adjustment of a
    sampled frequency table when the expected marginal totals are known. Annals
    of Mathematical Statistics, 11, 427–444.
    Deville, J.-C., & Särndal, C.-E. (1992). Calibration estimators in survey
    sampling. JASA, 87, 376–382.

    Examples
    --------
    >>> df = pd.DataFrame({"tenure": ["owner"] * 6 + ["rent"] * 4})
    >>> w = rake(df, margins={"tenure": {"owner": 80, "rent": 120}})
    >>> round(float(w.iloc[0]), 3), round(float(w.iloc[-1]), 3), round(float(w.sum()), 1)
    (13.333, 30.0, 200.0)
    """
    if not isinstance(margins, Mapping) or not margins:
        raise TypeError("`margins` must be a non-empty dict {column: {category: target}}")
    _require_columns(data, {f"margins[{c!r}]": c for c in margins})
    if not isinstance(max_iter, (int, np.integer)) or max_iter < 1:
        raise ValueError(f"`max_iter` must be a positive integer, got {max_iter!r}")
    bounds = _trim_bounds(trim)
    n = len(data)
    if n == 0:
        raise ValueError("`data` has no rows to weight")

    totals = {}
    for column, targets in margins.items():
        if not isinstance(targets, Mapping) or not targets:
            raise TypeError(f"`margins[{column!r}]` must be a non-empty dict {{category: target}}")
        values = np.array(list(targets.values()), dtype=float)
        if np.any(~np.isfinite(values) | (values < 0)):
            raise ValueError(f"`margins[{column!r}]` has a negative or missing target: {dict(targets)}")
        totals[column] = values.sum()
    reference = next(iter(totals.values()))
    if any(not np.isclose(t, reference, rtol=1e-6) for t in totals.values()):
        raise ValueError(
            f"the margins sum to different totals ({ {c: float(t) for c, t in totals.items()} }); "
            "give every margin as counts of the same population or as shares summing to 1"
        )
    shares = np.isclose(reference, 1.0, rtol=1e-6)
    total = float(n if shares else reference)

    if weight is None:
        w = np.ones(n)
    else:
        if isinstance(weight, str):
            _require_columns(data, {"weight": weight})
            w = data[weight].to_numpy(dtype=float)
        else:
            w = np.asarray(weight, dtype=float).ravel()
        if len(w) != n or np.any(~np.isfinite(w) | (w <= 0)):
            raise ValueError(
                f"`weight` must give one positive, finite starting weight per row ({n} rows); "
                f"got {len(w)} value(s) with minimum {np.min(w) if len(w) else float('nan'):g}"
            )

    cells = []  # (column, category, row mask, target)
    for column, targets in margins.items():
        values = data[column]
        if values.isna().any():
            raise ValueError(
                f"raking column {column!r} has {int(values.isna().sum())} missing value(s); impute "
                "them or drop those respondents before raking"
            )
        unknown = sorted(map(str, set(values.unique()) - set(targets)))
        if unknown:
            raise ValueError(
                f"column {column!r} has respondents in categories without a target: {unknown}; add "
                f"them to `margins[{column!r}]` (targets given for {list(targets)})"
            )
        for category, target in targets.items():
            mask = (values == category).to_numpy()
            if target > 0 and not mask.any():
                raise ValueError(
                    f"no respondents in {column!r} = {category!r}, which has a target of {target:g}; "
                    "merge this category with a neighbouring one in the data and in `margins`, or "
                    "drop it from `margins`"
                )
            cells.append((column, category, mask, target * total / reference))

    def sweep(w):
        for _, _, mask, target in cells:
            current = w[mask].sum()
            if current > 0:
                w[mask] *= target / current
        return w

    def worst(w):
        errors = [(abs(w[mask].sum() - target) / total, column, category)
                  for column, category, mask, target in cells]
        return max(errors, key=lambda e: e[0])

    w = w * total / w.sum()
    for _ in range(max_iter):
        w = sweep(w)
        if bounds is not None:
            w = _clip_to_mean(w, bounds)
        error = worst(w)
        within = bounds is None or (
            w.max() <= bounds[1] * w.mean() * (1 + 1e-9) and w.min() >= bounds[0] * w.mean() * (1 - 1e-9)
        )
        if error[0] < tol and within:
            return pd.Series(w, index=data.index, name="weight")
    hint = (
        "loosen `trim` or " if bounds is not None else ""
    ) + "increase `max_iter`, merge sparse categories, or check that the margins describe the same population"
    raise ValueError(
        f"raking did not converge in {max_iter} iterations: the weighted total of {error[1]!r} = "
        f"{error[2]!r} is still off its target by {error[0]:.2g} of the total; {hint}"
    )


def effective_n(weights) -> float:
    """Kish's effective sample size of a set of weights.

    Parameters
    ----------
    weights : array-like of float
        Non-negative weights; NaN (e.g. leavers in :func:`attrition_weights`) is ignored.

    Returns
    -------
    float
        :math:`n_{eff} = (\\sum w)^2 / \\sum w^2`.

    Notes
    -----
    Equals n for equal weights, is invariant to rescaling the weights and never
    exceeds the number of positive weights. n / n_eff is Kish's design effect
    due to unequal weighting, :math:`1 + CV^2(w)`.

    References
    ----------
    Kish, L. (1965). Survey Sampling. Wiley, §11.7.

    Examples
    --------
    >>> round(effective_n([1, 1, 2, 4]), 3)
    2.909
    """
    w = pd.Series(np.asarray(weights, dtype=float).ravel()).dropna().to_numpy()
    if np.any(~np.isfinite(w)) or np.any(w < 0):
        raise ValueError("`weights` must be finite and non-negative; found an infinite or negative weight")
    if w.sum() <= 0:
        raise ValueError("`weights` has no positive weight; effective n is undefined")
    return float(w.sum() ** 2 / np.sum(w**2))


# --------------------------------------------------------------------------- attrition
def attrition_table(baseline, *, stayed, variables):
    """Baseline differences between respondents who stayed in the panel and those who left.

    Parameters
    ----------
    baseline : pandas.DataFrame
        One row per baseline respondent.
    stayed : str or array-like of bool
        Column name or one True/False per row: answered the follow-up.
    variables : sequence of str
        Baseline columns to compare. Numeric columns give one row; categorical,
        string and boolean columns one row per category (as proportions).

    Returns
    -------
    pandas.DataFrame
        - variable : column name.
        - level : category (NaN for numeric variables).
        - n_stayers, n_leavers : non-missing values per group.
        - mean_stayers, mean_leavers : means, or proportions in the category.
        - difference : mean_stayers − mean_leavers.
        - smd : standardised mean difference (see Notes).

    Notes
    -----
    Numeric: :math:`d = (\\bar x_s - \\bar x_l) / s_p` with the pooled SD
    :math:`s_p = \\sqrt{((n_s-1)s_s^2 + (n_l-1)s_l^2)/(n_s+n_l-2)}` (Cohen's d).
    Categories: :math:`(p_s - p_l)/\\sqrt{(p_s(1-p_s) + p_l(1-p_l))/2}`, the SMD
    for proportions (Austin 2009); NaN when both proportions are 0 or 1.
    |SMD| > 0.1 is a common flag for imbalance.

    References
    ----------
    Austin, P. C. (2009). Balance diagnostics for comparing the distribution of
    baseline covariates between treatment groups in propensity-score matched
    samples. Statistics in Medicine, 28, 3083–3107.

    Examples
    --------
    >>> base = pd.DataFrame({"age": [30, 40, 50, 60, 35, 45], "stay": [1, 1, 1, 0, 0, 0]})
    >>> t = attrition_table(base, stayed="stay", variables=["age"])
    >>> round(float(t["difference"].iloc[0]), 3), round(float(t["smd"].iloc[0]), 3)
    (-6.667, -0.587)
    """
    flags = _stayed(baseline, stayed)
    variables = _as_names(variables, "variables")
    _require_columns(baseline, {f"variables[{i}]": v for i, v in enumerate(variables)}, what="baseline")
    rows = []
    for name in variables:
        values = baseline[name]
        numeric = _is_numeric_term(values)
        if numeric:
            parts = [(np.nan, values.astype(float))]
        else:
            present = values.notna()
            parts = [(level, (values == level).astype(float).where(present)) for level in _levels(values)]
        for level, x in parts:
            s, l = x[flags].dropna(), x[~flags].dropna()
            if numeric:
                pooled = np.sqrt(((len(s) - 1) * s.var() + (len(l) - 1) * l.var()) / (len(s) + len(l) - 2))
            else:
                pooled = np.sqrt((s.mean() * (1 - s.mean()) + l.mean() * (1 - l.mean())) / 2)
            diff = s.mean() - l.mean()
            rows.append({
                "variable": name,
                "level": level,
                "n_stayers": len(s),
                "n_leavers": len(l),
                "mean_stayers": s.mean(),
                "mean_leavers": l.mean(),
                "difference": diff,
                "smd": diff / pooled if pooled > 0 else (0.0 if diff == 0 else np.nan),
            })
    return pd.DataFrame(rows)


def attrition_weights(baseline, *, stayed, covariates, trim=None):
    """Inverse response-propensity weights for the respondents who stayed.

    A logistic regression of staying on baseline covariates gives each
    respondent's propensity :math:`\\hat p_i`; stayers get weight
    :math:`1/\\hat p_i` so that they represent the whole baseline sample.

    Parameters
    ----------
    baseline : pandas.DataFrame
        One row per baseline respondent.
    stayed : str or array-like of bool
        Column name or one True/False per row: answered the follow-up.
    covariates : sequence of str
        Baseline predictors of staying (numeric as is; others as indicators
        against their first level). Rows with a missing covariate get NaN.
    trim : float or (float, float), optional
        Bounds relative to the mean stayer weight, e.g. ``(0.3, 3)`` or ``5``;
        weights are clipped and rescaled to the same total.

    Returns
    -------
    pandas.Series
        Named ``"weight"``, aligned to ``baseline.index``: :math:`1/\\hat p_i` for
        stayers, NaN for leavers. ``.attrs["balance"]`` holds a DataFrame with
        one row per design column (``term``): ``baseline_mean`` (all complete
        rows), ``stayers_mean`` (unweighted) and ``weighted_mean`` (stayers,
        weighted); weighting works when weighted_mean ≈ baseline_mean.

    Notes
    -----
    :math:`\\operatorname{logit} P(\\text{stay}_i) = x_i'\\gamma`, fitted by
    maximum likelihood (statsmodels ``Logit``). The weighted stayer total
    :math:`\\sum_{stayers} 1/\\hat p_i` estimates the baseline sample size. With a
    single categorical covariate (a saturated model) the weighted stayer counts
    per category equal the baseline counts exactly.

    References
    ----------
    Rosenbaum, P. R., & Rubin, D. B. (1983). The central role of the propensity
    score in observational studies for causal effects. Biometrika, 70, 41–55.
    Little, R. J. A., & Rubin, D. B. (2019). Statistical Analysis with Missing
    Data (3rd ed.), §3.3.

    Examples
    --------
    >>> base = pd.DataFrame({"tenure": ["own"] * 4 + ["rent"] * 4,
    ...                      "stay": [1, 1, 1, 0, 1, 0, 0, 0]})
    >>> w = attrition_weights(base, stayed="stay", covariates=["tenure"])
    >>> round(float(w.iloc[0]), 3), round(float(w.iloc[4]), 3), bool(np.isnan(w.iloc[3]))
    (1.333, 4.0, True)
    """
    flags = _stayed(baseline, stayed)
    covariates = _as_names(covariates)
    if not covariates:
        raise ValueError("`covariates` is empty; name at least one baseline column that predicts staying")
    _require_columns(baseline, {f"covariates[{i}]": c for i, c in enumerate(covariates)}, what="baseline")
    bounds = _trim_bounds(trim)
    complete = baseline[covariates].notna().all(axis=1).to_numpy()
    frame = baseline.loc[complete]
    x = pd.concat([pd.DataFrame({"Intercept": 1.0}, index=frame.index), _covariate_terms(frame, covariates)],
                  axis=1)
    y = flags[complete].astype(float)
    if np.linalg.matrix_rank(x.to_numpy()) < x.shape[1]:
        raise ValueError(
            f"the propensity design ({list(x.columns)}) is rank deficient: a covariate is constant "
            "or duplicates another; drop it from `covariates`"
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", PerfectSeparationWarning)
            fit = sm.Logit(y, x).fit(disp=False, maxiter=200)
    except (PerfectSeparationError, PerfectSeparationWarning) as exc:
        raise ValueError(
            f"staying is perfectly predicted by {covariates} ({exc}); some group has only stayers "
            "or only leavers: merge sparse categories or drop that covariate"
        ) from None
    p = fit.predict(x)
    w = np.where(y == 1, 1.0 / p, np.nan)
    if bounds is not None:
        stayers = y == 1
        w[stayers] = _clip_to_mean(w[stayers], bounds)
    out = pd.Series(np.nan, index=baseline.index, name="weight")
    out.loc[complete] = w
    stayer_x = x[y == 1]
    out.attrs["balance"] = pd.DataFrame({
        "term": x.columns[1:],
        "baseline_mean": x.iloc[:, 1:].mean().to_numpy(),
        "stayers_mean": stayer_x.iloc[:, 1:].mean().to_numpy(),
        "weighted_mean": np.average(stayer_x.iloc[:, 1:], axis=0, weights=w[y == 1]),
    })
    return out

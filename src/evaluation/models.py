"""Mixed and ordinal models for change that use every respondent.

The primary analysis of a before/after survey with partial panel overlap is a
linear mixed model on all observations (:func:`change_model`): people who
answered only once still inform the wave effect, and people who answered twice
contribute their within-person change. :func:`ordinal_change_model` is the
ordinal check for single 5-point items (proportional odds with standard errors
clustered by respondent).
"""
from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
from scipy import optimize, stats
from statsmodels.miscmodels.ordinal_model import OrderedModel
from statsmodels.regression.mixed_linear_model import MixedLM, VCSpec

__all__ = ["ModelFitWarning", "change_model", "ordinal_change_model"]

#: Optimizers tried for every mixed model; the fit with the highest REML
#: log-likelihood (computed independently, see ``_Blocks.gls``) is kept. The
#: derivative-free ones run only when the first two disagree, fail or end on a boundary.
OPTIMIZERS = ("lbfgs", "bfgs", "powell", "nm")
#: A variance component smaller than this fraction of the residual variance
#: counts as being on the boundary of the parameter space (zero).
BOUNDARY_RATIO = 1e-4


class ModelFitWarning(UserWarning):
    """A model fitted, but its result needs care (boundary fit, no convergence)."""


# --------------------------------------------------------------------------- input checks
def _require_columns(data, columns: dict[str, object], *, what: str = "data") -> None:
    """Raise when `data` is not a DataFrame or lacks one of the named columns.

    `columns` maps the argument name (e.g. ``"outcome"``) to the column it names.
    """
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"`{what}` must be a pandas DataFrame, got {type(data).__name__}")
    missing = [f"`{arg}`={col!r}" for arg, col in columns.items() if col not in data.columns]
    if missing:
        raise ValueError(
            f"column(s) not found in `{what}`: {', '.join(missing)}; "
            f"columns present: {list(map(str, data.columns))}. Pass the name of an existing column."
        )


def _numeric_outcome(values: pd.Series, name: str) -> pd.Series:
    """Return `values` as float, or raise naming the column when it is not numeric."""
    if isinstance(values.dtype, pd.CategoricalDtype) or not (
        pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values)
    ):
        raise TypeError(
            f"outcome column {name!r} must be numeric, found dtype {values.dtype}; "
            "map answer codes to numbers first (e.g. with score_scales or the codebook)"
        )
    return values.astype(float)


def _is_numeric_term(values: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(values) and not (
        pd.api.types.is_bool_dtype(values) or isinstance(values.dtype, pd.CategoricalDtype)
    )


def _levels(values: pd.Series) -> list:
    """Levels present in `values`, in category order (ordered/unordered categorical) or sorted."""
    present = set(values.dropna().unique())
    if isinstance(values.dtype, pd.CategoricalDtype):
        return [c for c in values.cat.categories if c in present]
    return sorted(present)


def _wave_terms(values: pd.Series, wave: str, reference) -> tuple[pd.DataFrame, list[str]]:
    """Design columns for the wave and one contrast label per column.

    Numeric waves give one slope column; categorical waves one indicator per
    non-reference level.
    """
    if _is_numeric_term(values):
        if reference is not None:
            raise ValueError(
                f"`reference`={reference!r} was given but `wave`={wave!r} is numeric (slope per "
                "unit); make the wave column categorical or leave `reference` out"
            )
        return pd.DataFrame({wave: values.astype(float)}, index=values.index), [f"per unit of {wave}"]
    levels = _levels(values)
    if len(levels) < 2:
        raise ValueError(
            f"`wave` column {wave!r} has {len(levels)} level(s) with data ({levels}); "
            "a change model needs at least two waves"
        )
    ref = levels[0] if reference is None else reference
    if ref not in levels:
        raise ValueError(
            f"`reference`={reference!r} is not a wave in column {wave!r}; waves present: {levels}"
        )
    others = [level for level in levels if level != ref]
    terms = pd.DataFrame(
        {f"{wave}[{level}]": (values == level).astype(float) for level in others}, index=values.index
    )
    return terms, [f"{level} vs {ref}" for level in others]


def _covariate_terms(frame: pd.DataFrame, covariates: Sequence[str]) -> pd.DataFrame:
    """Numeric covariates as they are; others as indicators (first level is the reference)."""
    parts = []
    for name in covariates:
        values = frame[name]
        if _is_numeric_term(values):
            parts.append(values.astype(float).rename(name))
        else:
            for level in _levels(values)[1:]:
                parts.append((values == level).astype(float).rename(f"{name}[{level}]"))
    return pd.concat(parts, axis=1) if parts else pd.DataFrame(index=frame.index)


def _as_names(covariates, argument: str = "covariates") -> list[str]:
    if isinstance(covariates, str):
        return [covariates]
    if not isinstance(covariates, Iterable):
        raise TypeError(f"`{argument}` must be a list of column names, got {covariates!r}")
    return list(covariates)


def _design(data, *, outcome, wave, subject, household, covariates, reference):
    """Validated complete-case frame, response, fixed-effects design and contrast labels."""
    covariates = _as_names(covariates)
    columns = {"outcome": outcome, "wave": wave, "subject": subject}
    if household is not None:
        columns["household"] = household
    columns.update({f"covariates[{i}]": c for i, c in enumerate(covariates)})
    _require_columns(data, columns)
    y = _numeric_outcome(data[outcome], outcome)
    used = [wave, subject, *([household] if household is not None else []), *covariates]
    keep = y.notna() & data[used].notna().all(axis=1)
    frame = data.loc[keep].reset_index(drop=True)
    if len(frame) == 0:
        raise ValueError(
            f"no complete rows: every row has a missing value in {outcome!r} or in {used}"
        )
    wave_x, contrasts = _wave_terms(frame[wave], wave, reference)
    exog = pd.concat(
        [pd.DataFrame({"Intercept": 1.0}, index=frame.index), wave_x, _covariate_terms(frame, covariates)],
        axis=1,
    )
    if np.linalg.matrix_rank(exog.to_numpy()) < exog.shape[1]:
        raise ValueError(
            f"the fixed-effects design ({list(exog.columns)}) is rank deficient: a covariate is "
            f"constant or collinear with `wave` in the {len(frame)} complete rows; drop it from "
            "`covariates` or merge its sparse categories"
        )
    return frame, y[keep].to_numpy(), exog, contrasts


# --------------------------------------------------------------------------- linear mixed model
class _Blocks:
    """Independent blocks of a nested random-intercept model (one per top-level group)."""

    def __init__(self, groups: np.ndarray, subjects: np.ndarray, nested: bool):
        self.nested = nested
        self.groups = groups
        self.subjects = subjects
        self._batches = None
        self.sizes = np.bincount(subjects).astype(float)

    def _sums(self, values: np.ndarray) -> np.ndarray:
        out = np.zeros((len(self.sizes), values.shape[1]))
        np.add.at(out, self.subjects, values)
        return out

    def gls(self, y, x, var_subject, var_household, var_residual):
        """GLS fixed effects, their covariance and the REML log-likelihood.

        V_g = var_residual * I + var_subject * S_g + var_household * J_g per block g,
        where S_g[i, j] = 1 when rows i and j are the same subject and J_g is all ones.
        Without households V is block-diagonal by subject with the closed-form inverse
        V_i^-1 = (I - k_i J) / var_residual, k_i = var_subject / (var_residual + m_i var_subject).
        """
        n, p = x.shape
        if self.nested:
            xtvx, xtvy, ytvy, logdet = self._nested_terms(y, x, var_subject, var_household, var_residual)
        else:
            k = var_subject / (var_residual + self.sizes * var_subject)
            sums = self._sums(np.column_stack([x, y]))
            weighted = sums * np.sqrt(k)[:, None]
            xy = np.column_stack([x, y])
            cross = (xy.T @ xy - weighted.T @ weighted) / var_residual
            xtvx, xtvy, ytvy = cross[:p, :p], cross[:p, p], cross[p, p]
            logdet = (n - len(self.sizes)) * np.log(var_residual) + np.log(
                var_residual + self.sizes * var_subject).sum()
        cov = np.linalg.inv(xtvx)
        beta = cov @ xtvy
        quad = ytvy - beta @ xtvy
        _, logdet_x = np.linalg.slogdet(xtvx)
        llf = -0.5 * ((n - p) * np.log(2 * np.pi) + logdet + logdet_x + quad)
        return beta, cov, llf

    def _nested_terms(self, y, x, var_subject, var_household, var_residual):
        p = x.shape[1]
        xtvx, xtvy, ytvy, logdet = np.zeros((p, p)), np.zeros(p), 0.0, 0.0
        for rows, same in self.batches():
            m = rows.shape[1]
            v = var_residual * np.eye(m) + var_subject * same + var_household
            chol = np.linalg.cholesky(v)
            logdet += 2.0 * np.log(np.diagonal(chol, axis1=1, axis2=2)).sum()
            w = np.linalg.solve(chol, np.concatenate([x[rows], y[rows][:, :, None]], axis=2))
            cross = np.einsum("bmp,bmq->pq", w, w)
            xtvx += cross[:p, :p]
            xtvy += cross[:p, p]
            ytvy += cross[p, p]
        return xtvx, xtvy, ytvy, logdet

    def batches(self):
        """Blocks grouped by size: list of (rows, same_subject) with shapes (b, m) and (b, m, m).

        A block is a household (nested model) or a subject. Grouping blocks of equal size lets
        every per-block matrix operation run as one stacked numpy call, so the cost is linear in
        the number of blocks and no n × n matrix is ever formed.
        """
        if self._batches is None:
            block = self.groups if self.nested else self.subjects
            order = np.argsort(block, kind="stable")
            sizes = np.bincount(block)
            starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
            self._batches = []
            for m in np.unique(sizes[sizes > 0]):
                rows = order[starts[sizes == m][:, None] + np.arange(m)]
                members = self.subjects[rows]
                self._batches.append((rows, (members[:, :, None] == members[:, None, :]).astype(float)))
        return self._batches

    def reml_derivatives(self, y, x, variances, free):
        """Analytic derivatives of the REML log-likelihood and of (X'V⁻¹X)⁻¹ in the variances.

        `variances` = (var_subject, var_household, var_residual) (var_household ignored without
        households); `free` lists the indices (0 subject, 1 household, 2 residual) to differentiate
        by. With V linear in the variances, V_i = ∂V/∂σ²_i (same-subject indicator S, all-ones J,
        identity I), P = V⁻¹ − V⁻¹X C X'V⁻¹, C = (X'V⁻¹X)⁻¹ and r = Py:

        - gradient_i = −½ tr(P V_i) + ½ r'V_i r
        - hessian_ij = ½ tr(P V_i P V_j) − r'V_i P V_j r
        - dcov_i = ∂C/∂σ²_i = C X'V⁻¹V_i V⁻¹X C

        Every term is a sum over the independent blocks (see :meth:`batches`).
        Returns (beta, cov, gradient, hessian, dcov) with dcov of shape (k, p, p).
        """
        var_s, var_h, var_e = variances
        var_h = var_h if self.nested else 0.0
        p, k = x.shape[1], len(free)
        stacked = []
        xtwx = np.zeros((p, p))
        xtwy = np.zeros(p)
        for rows, same in self.batches():
            m = rows.shape[1]
            derivs = [same, np.ones_like(same), np.broadcast_to(np.eye(m), same.shape)]
            v = var_e * np.eye(m) + var_s * same + var_h * derivs[1]
            w = np.linalg.inv(v)
            xb, yb = x[rows], y[rows]
            wx = w @ xb
            xtwx += np.einsum("bmp,bmq->pq", xb, wx)
            xtwy += np.einsum("bmp,bm->p", wx, yb)
            stacked.append((rows, w, xb, wx, [derivs[i] for i in free]))
        cov = np.linalg.inv(xtwx)
        beta = cov @ xtwy
        trace_w = np.zeros(k)          # tr(W V_i)
        quad = np.zeros(k)             # r'V_i r
        m_i = np.zeros((k, p, p))      # X'W V_i W X
        m_ij = np.zeros((k, k, p, p))  # X'W V_i W V_j W X
        t_ij = np.zeros((k, k))        # tr(W V_i W V_j)
        a_ij = np.zeros((k, k))        # r'V_i W V_j r
        b_i = np.zeros((k, p))         # X'W V_i r
        for rows, w, xb, wx, ds in stacked:
            r = np.einsum("bmn,bn->bm", w, y[rows] - xb @ beta)
            e = [d @ wx for d in ds]                          # V_i W X
            f = [w @ d for d in ds]                           # W V_i
            dr = [np.einsum("bmn,bn->bm", d, r) for d in ds]  # V_i r
            for i in range(k):
                trace_w[i] += np.einsum("bmm->", f[i])
                quad[i] += np.einsum("bm,bm->", r, dr[i])
                m_i[i] += np.einsum("bmp,bmq->pq", wx, e[i])
                b_i[i] += np.einsum("bmp,bm->p", wx, dr[i])
                for j in range(i, k):
                    m_ij[i, j] += np.einsum("bmp,bmn,bnq->pq", e[i], w, e[j])
                    t_ij[i, j] += np.einsum("bmn,bnm->", f[i], f[j])
                    a_ij[i, j] += np.einsum("bm,bmn,bn->", dr[i], w, dr[j])
        gradient = -0.5 * (trace_w - np.einsum("pq,kqp->k", cov, m_i)) + 0.5 * quad
        hessian = np.zeros((k, k))
        for i in range(k):
            for j in range(i, k):
                trace = (t_ij[i, j] - 2 * np.trace(cov @ m_ij[i, j])
                         + np.trace(cov @ m_i[i] @ cov @ m_i[j]))
                hessian[i, j] = hessian[j, i] = 0.5 * trace - (a_ij[i, j] - b_i[i] @ cov @ b_i[j])
        dcov = np.einsum("pq,kqr,rs->kps", cov, m_i, cov)
        return beta, cov, gradient, hessian, dcov

    def profile_reml(self, y, x):
        """Subject-only model: REML variances by a bounded search over log(var_subject / var_residual).

        The residual variance is profiled out: for a ratio g, var_residual = q(g) / (n - p) with
        q the GLS residual quadratic form at V / var_residual. Returns (var_subject, var_residual).
        """
        n, p = x.shape

        def profiled(log_ratio):
            ratio = 0.0 if log_ratio is None else np.exp(log_ratio)
            beta, _, _ = self.gls(y, x, ratio, 0.0, 1.0)
            k = ratio / (1 + self.sizes * ratio)
            resid = y - x @ beta
            per_subject = self._sums(resid[:, None])[:, 0]
            var_e = (resid @ resid - (k * per_subject**2).sum()) / (n - p)
            return ratio * var_e, var_e

        def loss(log_ratio):
            var_s, var_e = profiled(log_ratio)
            return -self.gls(y, x, var_s, 0.0, var_e)[2]

        search = optimize.minimize_scalar(loss, bounds=(-20.0, 8.0), method="bounded",
                                          options={"xatol": 1e-7})
        at_zero = profiled(None)
        if loss(None) <= search.fun:
            return at_zero
        return profiled(search.x)


def _fit_mixedlm(y, x, blocks_groups, exog_vc, method, start=None):
    """One statsmodels MixedLM REML fit; returns (variances, converged, fe_params, messages).

    `start` is the packed square-root start (sd ratios to the residual sd), if known.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = MixedLM(y, x, groups=blocks_groups, exog_re=np.ones((len(y), 1)), exog_vc=exog_vc)
        try:
            result = model.fit(reml=True, method=[method], start_params=start)
        except (np.linalg.LinAlgError, ValueError) as exc:
            return None, [f"{method}: {exc}"]
    messages = sorted({f"{method}: {w.message}" for w in caught})
    cov_re = float(np.asarray(result.cov_re)[0, 0])
    if exog_vc is None:
        variances = (cov_re, np.nan, float(result.scale))
    else:
        variances = (float(result.vcomp[0]), cov_re, float(result.scale))
    return {
        "variances": variances,
        "converged": bool(result.converged),
        "fe_params": np.asarray(result.fe_params, dtype=float),
    }, messages


def _agree(fits: list[dict], household) -> bool:
    """True when two converged, interior fits reach the same REML log-likelihood."""
    if len(fits) < 2 or not all(f["converged"] for f in fits):
        return False
    interior = all(
        v >= BOUNDARY_RATIO * f["variances"][2] for f in fits for v in f["variances"][:2] if not np.isnan(v)
    )
    return interior and abs(fits[0]["gls"][2] - fits[1]["gls"][2]) < 1e-6


def _free_variances(variances, household) -> list[int]:
    """Indices of the variance parameters in the interior (0 subject, 1 household, 2 residual).

    A random-effect variance below ``BOUNDARY_RATIO`` × residual variance is on the boundary and is
    held fixed: it is neither refined nor part of the Satterthwaite covariance (see change_model).
    """
    var_s, var_h, var_e = variances
    free = [0] if var_s >= BOUNDARY_RATIO * var_e else []
    if household is not None and var_h >= BOUNDARY_RATIO * var_e:
        free.append(1)
    return [*free, 2]


def _refine(blocks, y, x, variances, free, llf, *, steps=25):
    """Newton steps on the free variances with the analytic REML gradient and Hessian.

    A step is kept only when it keeps every free variance positive and does not lower the
    REML log-likelihood beyond rounding (step halving otherwise); the iteration stops when
    the Hessian is not negative definite or the step is below 1e-12 relative.
    Returns (variances, llf, gls result at the variances).
    """
    theta = np.array(variances, dtype=float)
    theta[1] = 0.0 if np.isnan(theta[1]) else theta[1]
    best = blocks.gls(y, x, *theta)
    for _ in range(steps):
        try:
            _, _, gradient, hessian, _ = blocks.reml_derivatives(y, x, tuple(theta), free)
            if np.any(np.linalg.eigvalsh(hessian) >= 0):
                break
            step = -np.linalg.solve(hessian, gradient)
        except np.linalg.LinAlgError:
            break
        if not np.all(np.isfinite(step)) or np.all(np.abs(step) <= 1e-12 * theta[free]):
            break
        tolerance = 1e-12 * (1 + abs(llf))
        for _ in range(30):
            trial = theta.copy()
            trial[free] += step
            if np.all(trial[free] > 0):
                fit = blocks.gls(y, x, *trial)
                if fit[2] >= llf - tolerance:
                    break
            step = step / 2
        else:
            break
        theta, best, llf = trial, fit, max(llf, fit[2])
    out = tuple(float(v) for v in theta)
    return (out[0], variances[1] if np.isnan(variances[1]) else out[1], out[2]), llf, best


def _satterthwaite_df(blocks, y, x, variances, free, rows):
    """Satterthwaite df for each contrast row c of `rows` (q × p), or None when not computable.

    df = 2 (c'Cc)² / (g'Ag) with g_i = c' ∂C/∂σ²_i c and A the inverse observed information of
    the free variances (negative inverse Hessian of the REML log-likelihood).
    """
    theta = tuple(0.0 if np.isnan(v) else float(v) for v in variances)
    try:
        _, cov, _, hessian, dcov = blocks.reml_derivatives(y, x, theta, free)
        information = -hessian
        np.linalg.cholesky(information)  # positive definite, or LinAlgError
        acov = np.linalg.inv(information)
    except np.linalg.LinAlgError:
        return None
    dfs = []
    for c in np.atleast_2d(rows):
        g = np.einsum("p,kpq,q->k", c, dcov, c)
        dfs.append(2 * (c @ cov @ c) ** 2 / (g @ acov @ g))
    dfs = np.asarray(dfs, dtype=float)
    return dfs if np.all(np.isfinite(dfs) & (dfs > 0)) else None


def change_model(
    data,
    *,
    outcome,
    wave="wave",
    subject="respondent",
    household=None,
    covariates=(),
    reference=None,
    confidence=0.95,
):
    """Change between waves from a linear mixed model on all observations.

    Fits ``outcome ~ wave + covariates`` with a random intercept per subject
    (and per household when `household` is given) by REML, so respondents who
    answered only one wave contribute too. Tests and intervals use t with
    Satterthwaite degrees of freedom, as R's lmerTest.

    Parameters
    ----------
    data : pandas.DataFrame
        Tidy responses or scores, one row per subject per wave.
    outcome : str
        Numeric outcome column (item or scale score).
    wave : str, default "wave"
        Wave column. Categorical (ordered categorical, strings): the estimate
        is the difference of each later level from `reference`. Numeric: the
        estimate is the slope per unit of `wave`.
    subject : str, default "respondent"
        Subject (respondent) identifier; random intercept per subject.
    household : str, optional
        Household identifier. Subjects are nested in households: a random
        intercept per household plus a variance component per subject within
        household.
    covariates : sequence of str, default ()
        Extra fixed effects; numeric columns enter linearly, other columns as
        indicators against their first level.
    reference : optional
        Reference wave level; default the first level (category order for
        categorical waves, sorted order otherwise).
    confidence : float, default 0.95
        Confidence level of the interval.

    Returns
    -------
    pandas.Series or pandas.DataFrame
        A Series when there is one contrast (two waves, or a numeric wave);
        a DataFrame with one row per non-reference wave level otherwise. Fields:

        - contrast : str, e.g. ``"after vs before"`` or ``"per unit of Time"``.
        - estimate : fixed effect of the wave (later level minus reference).
        - se : its standard error, from (X'V⁻¹X)⁻¹ at the REML variances.
        - ci_low, ci_high : t interval ``estimate ± t(1 − α/2, df)·se``.
        - statistic : t = estimate / se.
        - df : Satterthwaite degrees of freedom of the contrast (the residual
          df n − p when they cannot be computed; `warning` then says so).
        - p_value : two-sided p-value of t on `df` degrees of freedom.
        - baseline_sd : standard deviation (ddof=1) of the outcome in the
          reference wave, over the complete rows used (numeric `wave`: the rows
          at its smallest value); NaN with fewer than two such rows.
        - effect_size : estimate / baseline_sd (the primary standardised
          effect; for a numeric wave: per unit of `wave`).
        - effect_ci_low, effect_ci_high : ci_low and ci_high / baseline_sd.
        - effect_size_name : ``"change / baseline SD"``.
        - n_obs, n_subjects : complete rows used, distinct subjects.
        - n_households : distinct households (NaN without `household`).
        - var_subject : subject random-intercept variance (within household).
        - var_household : household random-intercept variance (NaN without `household`).
        - var_residual : residual variance.
        - converged : whether the chosen optimizer reported convergence.
        - optimizer : the optimizer whose fit was kept (a statsmodels method or
          ``"profile REML (bounded)"``).
        - boundary : True when a random-effect variance is on the boundary
          (< 1e-4 × residual variance); the model then reduces to (partly) OLS.
        - warning : optimizer, boundary and df messages joined by "; " ("" if none).
        - method : description of the model.

    Notes
    -----
    Model: :math:`y_{hij} = x_{hij}'\\beta + u_h + v_{hi} + e_{hij}` with
    :math:`u_h \\sim N(0, \\sigma_h^2)` (household), :math:`v_{hi} \\sim N(0, \\sigma_s^2)`
    (subject) and :math:`e \\sim N(0, \\sigma_e^2)`; in lme4 syntax
    ``y ~ wave + (1 | household) + (1 | household:subject)``, without households
    ``y ~ wave + (1 | subject)``. In statsmodels this is
    ``MixedLM(groups=household, exog_re=1, exog_vc={"subject": indicators})``;
    without households ``groups=subject``.

    *Fit.* The variance components are fitted with statsmodels ``MixedLM`` (REML) by
    ``lbfgs`` and ``bfgs`` (and ``powell``, ``nm`` when these two fail, disagree
    or end on a boundary); without households a closed-form profile-REML search
    over :math:`\\log(\\sigma_s^2/\\sigma_e^2)` (including the value 0) is a
    further candidate and the start for statsmodels. The fit with the highest
    REML log-likelihood among the converged ones is kept, and its interior
    variances are polished by Newton steps on the analytic REML gradient and
    Hessian (below; a step is kept only when it raises the REML log-likelihood).
    The log-likelihood and the fixed effects are computed here by generalised
    least squares at those variances, :math:`\\hat\\beta = (X'V^{-1}X)^{-1}X'V^{-1}y`,
    with covariance :math:`C = (X'V^{-1}X)^{-1}` (as lme4's ``vcov``). This guards
    against statsmodels issue #10239: when a random-effect variance falls below
    1e-10, ``MixedLM`` returns zero for every fixed effect that is constant within
    a group, while reporting convergence. At a zero variance the GLS estimate is
    the OLS estimate. A boundary fit emits :class:`ModelFitWarning`.

    *Satterthwaite df* (as lmerTest's ``summary`` and ``contest1D``). For the
    contrast :math:`c` (a unit vector picking the wave coefficient), with
    :math:`\\theta = (\\sigma_s^2, \\sigma_h^2, \\sigma_e^2)`,

    .. math:: \\nu = \\frac{2\\,(c'Cc)^2}{g'Ag}, \\qquad
              g_i = c'\\frac{\\partial C}{\\partial\\theta_i}c
                  = c'CX'V^{-1}V_iV^{-1}XCc,

    where :math:`V_i = \\partial V/\\partial\\theta_i` (same-subject indicator,
    all-ones per household, identity) and :math:`A = \\mathcal{I}^{-1}` is the
    inverse observed information of the REML log-likelihood :math:`\\ell_R`,
    with :math:`P = V^{-1} - V^{-1}XCX'V^{-1}`:

    .. math:: -\\mathcal{I}_{ij} = \\frac{\\partial^2\\ell_R}{\\partial\\theta_i\\partial\\theta_j}
              = \\tfrac12\\operatorname{tr}(PV_iPV_j) - y'PV_iPV_jPy .

    lmerTest differentiates numerically in (θ, σ) = (relative standard deviations,
    residual SD); at an interior optimum ν does not depend on the parameterisation,
    so the analytic derivatives in the variances give the same ν. All traces and
    quadratic forms are sums over the independent households (or subjects), so no
    n × n matrix is formed. A variance on the boundary (< ``BOUNDARY_RATIO`` × σ²_e)
    is held fixed and left out of :math:`\\theta`: lmerTest's Hessian in the
    relative SD θ_k is block-diagonal at θ_k = 0 and ∂C/∂θ_k = 0 there, so it
    drops out in the same way (with only σ²_e free, ν = n − p, the OLS t-test).
    When the information is not positive definite the residual df n − p are
    used and `warning` says so. The t interval is
    :math:`\\hat\\beta \\pm t_{1-\\alpha/2,\\nu}\\,\\mathrm{se}` (``contest1D(...,
    confint = TRUE)``). Estimate, SE, df and p agree with lmerTest 3.1-3 to 1e-5 on
    dietox and on a household-nested survey (tests), and to 2e-5 on every one of 1000
    simulated streets of ``benchmarks/coverage_change_model.py``. There, 5000
    replications (200 homes, ~510 answers, ~217 df) give 94.4% coverage (MCSE 0.3%)
    and SE/SD 0.99; Kenward–Roger (pbkrtest 0.5.2) enlarges the SE by only 0.3–0.6%
    at these df and is not implemented.

    *Effect size.* ``effect_size`` = estimate / SD of the outcome in the reference
    wave (a baseline-SD standardised change, Feingold 2009). The SD is treated
    as fixed: the effect interval is the interval of the change divided by it,
    without the sampling error of the SD.

    References
    ----------
    Laird, N. M., & Ware, J. H. (1982). Random-effects models for longitudinal
    data. Biometrics, 38, 963–974.
    Bates, D., Mächler, M., Bolker, B., & Walker, S. (2015). Fitting linear
    mixed-effects models using lme4. Journal of Statistical Software, 67(1).
    Kuznetsova, A., Brockhoff, P. B., & Christensen, R. H. B. (2017). lmerTest
    package: Tests in linear mixed effects models. Journal of Statistical
    Software, 82(13), 1–26. https://doi.org/10.18637/jss.v082.i13
    Satterthwaite, F. E. (1946). An approximate distribution of estimates of
    variance components. Biometrics Bulletin, 2(6), 110–114.
    Feingold, A. (2009). Effect sizes for growth-modeling analysis for controlled
    clinical trials in the same metric as for classical analysis. Psychological
    Methods, 14(1), 43–53.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> person = np.repeat(np.arange(30), 2)
    >>> df = pd.DataFrame({
    ...     "respondent": person.astype(str),
    ...     "wave": pd.Categorical(["before", "after"] * 30, categories=["before", "after"], ordered=True),
    ...     "score": 3 + rng.normal(0, 0.5, 30)[person] + 0.4 * np.tile([0, 1], 30) + rng.normal(0, 0.3, 60),
    ... })
    >>> res = change_model(df, outcome="score")
    >>> res["contrast"], round(float(res["estimate"]), 2), bool(res["boundary"])
    ('after vs before', 0.35, False)
    >>> round(float(res["df"]), 1), round(float(res["effect_size"]), 2)  # balanced panel: df = n − 1
    (29.0, 0.69)
    """
    if not 0 < confidence < 1:
        raise ValueError(f"`confidence` must be between 0 and 1, got {confidence!r}")
    frame, y, exog, contrasts = _design(
        data, outcome=outcome, wave=wave, subject=subject, household=household,
        covariates=covariates, reference=reference,
    )
    subjects = pd.factorize(frame[subject])[0]
    n_subjects = int(subjects.max()) + 1
    if n_subjects == len(frame):
        raise ValueError(
            f"every subject in {subject!r} has only one complete observation of {outcome!r}, so the "
            "subject variance cannot be separated from the residual; use independent_test for "
            "cross-sections, or check that `subject` identifies the same person across waves"
        )
    x = exog.to_numpy()
    if household is None:
        groups, exog_vc, n_households = subjects, None, np.nan
    else:
        groups = pd.factorize(frame[household])[0]
        homes = pd.DataFrame({"s": subjects, "h": groups}).groupby("s")["h"].nunique()
        if (homes > 1).any():
            example = frame[subject].iloc[int(np.flatnonzero(subjects == homes.idxmax())[0])]
            raise ValueError(
                f"subject {example!r} appears in more than one household in {household!r}; "
                "subjects must be nested in households (fix the household column or leave `household` out)"
            )
        n_households = int(groups.max()) + 1
        if n_households == n_subjects:
            raise ValueError(
                f"every household in {household!r} has a single subject, so household and subject "
                "variances cannot be separated; leave `household` out (the subject intercept then "
                "covers both)"
            )
        mats = []
        for g in range(n_households):  # rows of each household in data order, as MixedLM groups them
            members = subjects[groups == g]
            mats.append((members[:, None] == np.unique(members)[None, :]).astype(float))
        exog_vc = VCSpec(["subject"], [[[f"s{j}" for j in range(m.shape[1])] for m in mats]], [mats])
    blocks = _Blocks(groups, subjects, nested=household is not None)

    fits, messages, start = [], [], None
    if household is None:
        # closed-form profile REML: a candidate of its own and the start for statsmodels
        var_s, var_e = blocks.profile_reml(y, x)
        fits.append({"variances": (var_s, np.nan, var_e), "converged": True, "fe_params": None,
                     "gls": blocks.gls(y, x, var_s, 0.0, var_e), "optimizer": "profile REML (bounded)"})
        start = np.array([np.sqrt(max(var_s / var_e, 1e-6))])
    for i, method in enumerate(OPTIMIZERS):
        if i == 2 and _agree(fits[-2:], household):
            break
        fit, notes = _fit_mixedlm(y, x, groups, exog_vc, method, start)
        messages += notes
        if fit is not None:
            var_s, var_h, var_e = fit["variances"]
            fit["gls"] = blocks.gls(y, x, var_s, 0.0 if household is None else var_h, var_e)
            fit["optimizer"] = method
            fits.append(fit)
    if not fits:
        raise RuntimeError(
            f"every MixedLM optimizer failed for {outcome!r} ({'; '.join(messages)}); the model may "
            "be over-parameterised (e.g. few households with several respondents): try without `household`"
        )
    converged = [f for f in fits if f["converged"]]
    best = max(converged or fits, key=lambda f: f["gls"][2])
    var_s, var_h, var_e = best["variances"]
    beta, cov, _ = best["gls"]

    notes = [m for m in messages if m.startswith(best["optimizer"] + ":")]
    if not converged:
        notes.append("no optimizer converged; estimates are from the best non-converged fit")
    if best["fe_params"] is not None and not np.allclose(
        best["fe_params"], beta, rtol=1e-4, atol=1e-6 * (1 + np.abs(beta).max())
    ):
        notes.append(
            "statsmodels' fixed effects differ from GLS at the fitted variances "
            "(statsmodels #10239); GLS values reported"
        )
    # polish the interior variances to the REML optimum (analytic Newton steps), then GLS
    free = _free_variances((var_s, var_h, var_e), household)
    (var_s, var_h, var_e), _, (beta, cov, _) = _refine(
        blocks, y, x, (var_s, var_h, var_e), free, best["gls"][2])
    free = _free_variances((var_s, var_h, var_e), household)
    on_boundary = [
        name for name, var in (("subject", var_s), ("household", var_h))
        if not np.isnan(var) and var < BOUNDARY_RATIO * var_e
    ]
    if on_boundary:
        notes.append(
            f"{' and '.join(on_boundary)} variance on the boundary (≈0): the random intercept "
            "adds nothing and the wave effect equals the (partly) pooled OLS estimate; the "
            "Satterthwaite df treat that variance as fixed at zero"
        )
    wave_cols = [exog.columns.get_loc(c) for c in exog.columns[1 : 1 + len(contrasts)]]
    dfs = _satterthwaite_df(blocks, y, x, (var_s, var_h, var_e), free, np.eye(x.shape[1])[wave_cols])
    if dfs is None:
        dfs = np.full(len(wave_cols), float(x.shape[0] - x.shape[1]))
        notes.append(
            "Satterthwaite df could not be computed (the observed information of the variance "
            f"parameters is not positive definite); the residual df n − p = {dfs[0]:g} are used"
        )
    warning = "; ".join(notes)
    if on_boundary or not converged or "Satterthwaite df could not" in warning:
        warnings.warn(f"change_model({outcome!r}): {warning}", ModelFitWarning, stacklevel=2)

    baseline_sd = _baseline_sd(frame[wave], y, exog[exog.columns[1 : 1 + len(contrasts)]])
    method = "linear mixed model (REML), random intercept per " + (
        "subject" if household is None else "subject nested in household"
    ) + "; t-test with Satterthwaite df"
    rows = []
    for label, col, df in zip(contrasts, wave_cols, dfs):
        est, se = float(beta[col]), float(np.sqrt(cov[col, col]))
        t_crit = stats.t.ppf(0.5 + confidence / 2, df)
        low, high = est - t_crit * se, est + t_crit * se
        rows.append({
            "contrast": label,
            "estimate": est,
            "se": se,
            "ci_low": low,
            "ci_high": high,
            "statistic": est / se,
            "df": float(df),
            "p_value": float(2 * stats.t.sf(abs(est / se), df)),
            "baseline_sd": baseline_sd,
            "effect_size": est / baseline_sd,
            "effect_ci_low": low / baseline_sd,
            "effect_ci_high": high / baseline_sd,
            "effect_size_name": "change / baseline SD",
            "n_obs": len(frame),
            "n_subjects": n_subjects,
            "n_households": n_households,
            "var_subject": var_s,
            "var_household": var_h,
            "var_residual": var_e,
            "converged": bool(converged),
            "optimizer": best["optimizer"],
            "boundary": bool(on_boundary),
            "warning": warning,
            "method": method,
        })
    return pd.Series(rows[0]) if len(rows) == 1 else pd.DataFrame(rows)


def _baseline_sd(wave_values: pd.Series, y: np.ndarray, wave_x: pd.DataFrame) -> float:
    """SD (ddof=1) of the outcome in the reference wave (NaN with fewer than two rows there).

    Categorical waves: the rows whose wave indicators are all zero (the reference level).
    Numeric waves: the rows at the smallest wave value.
    """
    if _is_numeric_term(wave_values):
        at_reference = (wave_values == wave_values.min()).to_numpy()
    else:
        at_reference = (wave_x.to_numpy() == 0).all(axis=1)
    values = y[at_reference]
    return float(np.std(values, ddof=1)) if len(values) >= 2 else np.nan


# --------------------------------------------------------------------------- ordinal model
def _fit_ordinal(y: pd.Series, exog: pd.DataFrame, groups: np.ndarray | None):
    """Proportional-odds logit fit; cluster-robust covariance when `groups` is given."""
    endog = pd.Series(pd.Categorical(y, categories=sorted(y.unique()), ordered=True), index=y.index)
    model = OrderedModel(endog, exog, distr="logit")
    kwargs = {"cov_type": "cluster", "cov_kwds": {"groups": groups}} if groups is not None else {}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = model.fit(method="bfgs", maxiter=2000, disp=False, **kwargs)
    return result, sorted({str(w.message) for w in caught})


def ordinal_change_model(
    data, *, outcome, wave="wave", subject="respondent", covariates=(), reference=None,
    confidence=0.95,
):
    """Change between waves in an ordinal item: proportional-odds model, SEs clustered by subject.

    Parameters
    ----------
    data : pandas.DataFrame
        Tidy responses, one row per subject per wave.
    outcome : str
        Numeric ordinal item (e.g. 5-point codes 1..5); the distinct values
        present are the ordered categories.
    wave : str, default "wave"
        Wave column (categorical: later level vs `reference`; numeric: slope).
    subject : str, default "respondent"
        Cluster for the robust standard errors (repeated answers of a person).
    covariates : sequence of str, default ()
        Extra predictors (numeric as is; others as indicators against their first level).
    reference : optional
        Reference wave level; default the first level.
    confidence : float, default 0.95

    Returns
    -------
    pandas.Series or pandas.DataFrame
        Series for one contrast, else one row per non-reference wave level:

        - contrast : e.g. ``"after vs before"``.
        - estimate : log odds ratio of answering in a higher category in the
          later wave (positive = shift upwards), as in R's ``MASS::polr``.
        - se : cluster-robust standard error (clusters = subjects).
        - ci_low, ci_high : Wald interval on the log-odds scale.
        - statistic, p_value : Wald z and two-sided p.
        - odds_ratio, or_ci_low, or_ci_high : exp of estimate and interval.
        - n_obs, n_subjects, n_categories : rows used, clusters, outcome categories.
        - converged : optimizer convergence.
        - warning : optimizer messages joined by "; " ("" if none).
        - method : description.

    Notes
    -----
    :math:`P(Y \\le k \\mid x) = \\operatorname{logit}^{-1}(\\theta_k - x'\\beta)`
    (statsmodels ``OrderedModel``, ``distr="logit"``, same parameterisation as
    ``polr``). Covariance: the cluster sandwich
    :math:`c\\,H^{-1}\\left(\\sum_g s_g s_g'\\right)H^{-1}` with cluster score
    sums :math:`s_g` and statsmodels' small-sample factor
    :math:`c = \\frac{G}{G-1}\\frac{N-1}{N-K}`.

    References
    ----------
    McCullagh, P. (1980). Regression models for ordinal data. JRSS B, 42, 109–142.
    Venables, W. N., & Ripley, B. D. (2002). Modern Applied Statistics with S (4th ed.), §7.3.

    Examples
    --------
    >>> rng = np.random.default_rng(2)
    >>> person = np.repeat(np.arange(60), 2)
    >>> latent = rng.normal(0, 1, 60)[person] + 0.8 * np.tile([0, 1], 60) + rng.logistic(0, 1, 120)
    >>> df = pd.DataFrame({"respondent": person, "wave": np.tile(["1 before", "2 after"], 60),
    ...                    "item": np.digitize(latent, [-1.5, -0.5, 0.5, 1.5]) + 1.0})
    >>> res = ordinal_change_model(df, outcome="item")
    >>> res["contrast"], round(float(res["odds_ratio"]), 2)
    ('2 after vs 1 before', 1.16)
    """
    if not 0 < confidence < 1:
        raise ValueError(f"`confidence` must be between 0 and 1, got {confidence!r}")
    frame, y, exog, contrasts = _design(
        data, outcome=outcome, wave=wave, subject=subject, household=None,
        covariates=covariates, reference=reference,
    )
    y = pd.Series(y, index=frame.index)
    if y.nunique() < 2:
        raise ValueError(f"outcome {outcome!r} has a single value in the complete rows; nothing to model")
    groups = pd.factorize(frame[subject])[0]
    result, messages = _fit_ordinal(y, exog.drop(columns="Intercept"), groups)
    converged = bool(result.mle_retvals["converged"])
    if not converged:
        warnings.warn(
            f"ordinal_change_model({outcome!r}) did not converge: {'; '.join(messages)}",
            ModelFitWarning, stacklevel=2,
        )
    z = stats.norm.ppf(0.5 + confidence / 2)
    rows = []
    for label, name in zip(contrasts, exog.columns[1 : 1 + len(contrasts)]):
        est, se = float(result.params[name]), float(result.bse[name])
        lo, hi = est - z * se, est + z * se
        rows.append({
            "contrast": label,
            "estimate": est,
            "se": se,
            "ci_low": lo,
            "ci_high": hi,
            "statistic": est / se,
            "p_value": float(2 * stats.norm.sf(abs(est / se))),
            "odds_ratio": float(np.exp(est)),
            "or_ci_low": float(np.exp(lo)),
            "or_ci_high": float(np.exp(hi)),
            "n_obs": len(frame),
            "n_subjects": int(groups.max()) + 1,
            "n_categories": int(y.nunique()),
            "converged": converged,
            "warning": "; ".join(messages),
            "method": "proportional-odds logit, cluster-robust SE by subject",
        })
    return pd.Series(rows[0]) if len(rows) == 1 else pd.DataFrame(rows)

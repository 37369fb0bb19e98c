"""Design-based means and proportions: respondents clustered in homes, finite-population
correction on the homes, and raking calibration, with linearised standard errors.

:func:`evaluation.mean_ci` treats respondents as a simple random sample of people and
raking weights as fixed. Neither holds in a street survey: people are sampled through
their homes (two adults of one home answer alike), and raking weights are estimated
from the sample. :func:`survey_mean` accounts for both, exactly as R's ``survey``
package (Lumley 2004, 2010) does for ``svymean`` on ``svydesign(ids = ~home, fpc = ~N)``
and on that design calibrated by raking.
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy import special
from scipy import stats as sps

__all__ = ["survey_mean"]


def _column(data: pd.DataFrame, spec, name: str) -> pd.Series:
    """A column given by name, or an array-like aligned with the rows of `data`."""
    if isinstance(spec, str):
        if spec not in data.columns:
            raise KeyError(
                f"`{name}`={spec!r} is not a column of `data`; columns are {list(data.columns)}."
            )
        return data[spec]
    values = np.asarray(spec).ravel()
    if len(values) != len(data):
        raise ValueError(
            f"`{name}` has {len(values)} values but `data` has {len(data)} rows; pass a column "
            "name or one value per row."
        )
    return pd.Series(values, index=data.index)


def _numeric_column(values: pd.Series, name: str) -> np.ndarray:
    if pd.api.types.is_bool_dtype(values) or pd.api.types.is_numeric_dtype(values):
        return values.to_numpy(dtype=float, na_value=np.nan)
    converted = pd.to_numeric(values, errors="coerce")
    bad = values[converted.isna() & values.notna()]
    if len(bad):
        raise TypeError(
            f"`{name}` must be numeric (a 0/1 column for a proportion); found {bad.iloc[0]!r}."
        )
    return converted.to_numpy(dtype=float, na_value=np.nan)


def _calibration_residuals(e: np.ndarray, frame: pd.DataFrame, margins: Mapping,
                           d: np.ndarray) -> np.ndarray:
    """Residuals of `e` on the raking margins' indicators, in a d-weighted regression.

    This is the linearisation of a calibration estimator (Deville & Särndal 1992): the
    variable whose sampling variance is estimated is :math:`g_i d_i (e_i - x_i'\\hat B)`,
    with :math:`\\hat B` from the regression of e on the calibration indicators x weighted
    by the design weights d. R's ``survey`` computes the same (``calibrate()`` stores the QR
    of :math:`x\\sqrt d` and ``svyrecvar`` takes ``qr.resid``).
    """
    blocks = []
    for column in margins:
        values = frame[column]
        blocks.append(np.column_stack([(values == level).to_numpy(dtype=float)
                                       for level in pd.unique(values)]))
    x = np.hstack(blocks)
    root = np.sqrt(d)
    coef, *_ = np.linalg.lstsq(x * root[:, None], e * root, rcond=None)
    return e - x @ coef


def survey_mean(data: pd.DataFrame, *, value, weight=None, cluster=None, population=None,
                calibrate=None, confidence: float = 0.95, interval: str = "t") -> pd.Series:
    """Design-based mean (or proportion) of respondents sampled through their homes.

    Parameters
    ----------
    data : pandas.DataFrame
        Tidy data, one row per respondent (person).
    value : str
        Column to average. A 0/1 (or True/False) column gives a proportion. Rows with a
        missing value are dropped before the design is formed (complete cases, as
        ``svydesign(..., data = subset(d, !is.na(y)))``; R's ``svymean(na.rm = TRUE)`` on
        the full design instead keeps homes whose respondents all skipped the question as
        clusters contributing zero to the variance, a domain estimate).
    weight : str or array-like, optional
        Design (inverse-probability) weights, column name or one per row; default equal.
        With `calibrate` they are the starting weights of the raking.
    cluster : str or array-like, optional
        The sampled unit that respondents belong to, e.g. ``"home"``; respondents of one
        home are a cluster (the primary sampling unit). Default: every row is its own
        unit (simple random sample of people).
    population : float, optional
        Number of units in the population for the finite-population correction: homes in
        the street when `cluster` is given (the correction is on the homes sampled, as
        R's ``fpc``), otherwise people. None switches the correction off.
    calibrate : dict, optional
        Raking margins ``{column: {category: target}}``, the format of
        :func:`evaluation.rake` (counts, or shares summing to 1). The weights are raked
        to these margins until they fit to 1e-12 (R's ``rake()`` stops by default after
        ten sweeps or once cell totals move by less than 1) and the standard error
        accounts for the calibration.
    confidence : float
        Level of the confidence interval.
    interval : {"t", "logit"}
        ``"t"``: mean ± t(df) · se. ``"logit"`` (0/1 values only): the interval of
        R's ``svyciprop(method = "logit")``, computed on the logit scale and transformed
        back, so that it stays inside (0, 1).

    Returns
    -------
    pandas.Series
        mean
            Weighted mean :math:`\\sum w y / \\sum w` (a proportion for 0/1 values).
        se
            Linearised standard error (clusters, FPC and calibration accounted for).
        ci_low, ci_high
            Confidence interval (see `interval`).
        df
            Degrees of freedom of the design, R's ``degf()``: clusters − 1 (rows − 1
            without `cluster`).
        n
            Respondents with a value.
        n_clusters
            Clusters (homes) among them; n without `cluster`.
        sampling_fraction
            f = n_clusters / `population` (0 without `population`).
        design_effect
            :math:`se^2 / ((1 - f) s_w^2 / n)`, the variance relative to a simple random
            sample of n people with the same sampling fraction
            (:math:`s_w^2 = \\frac{n}{n-1}\\sum w (y - \\bar y)^2 / \\sum w`).
        n_effective
            n / design_effect: the size of a simple random sample with the same precision.
        method
            Description of the design.

    Notes
    -----
    **Estimator and linearisation.** With final weights w (the design weights, or the
    raked weights), :math:`\\bar y = \\sum_i w_i y_i / \\sum_i w_i`. Its influence values
    are :math:`z_i = w_i (y_i - \\bar y) / \\sum w`. With calibration, :math:`y_i - \\bar y`
    is replaced by its residual from the regression on the indicators of all raking
    categories, weighted by the design weights d: the calibration removes the part of
    the variance that the margins explain (Deville & Särndal 1992). Treating raked
    weights as fixed instead overstates the standard error when the outcome is related
    to the margins (in the tests: 0.0660 naive vs 0.0580 raked).

    **Variance.** Cluster totals :math:`Z_c = \\sum_{i \\in c} z_i` of the m sampled
    clusters give, with-replacement style with the finite-population factor of the first
    stage, :math:`v = (1 - f)\\, \\frac{m}{m-1} \\sum_c (Z_c - \\bar Z)^2`, f = m/N
    (R ``svyrecvar``, one stage, ``fpc`` = N). Without `cluster` each respondent is a
    cluster. Only the homes' totals enter: this is the variance of a cluster sample in
    which every adult of a sampled home is invited (Cochran 1977, ch. 9). If people were
    sub-sampled within homes, the second-stage term, which is multiplied by f, is left
    out, as R leaves it out without a second-stage ``fpc``.

    **Interval.** ``"t"`` uses the t quantile on df = clusters − 1, i.e.
    ``confint(svymean(~y, des), df = degf(des))``; R's ``confint`` default (df = Inf)
    gives the normal interval, slightly narrower. ``"logit"`` is
    :math:`\\operatorname{expit}(\\operatorname{logit}\\hat p \\pm t_{df}\\, se / (\\hat p(1-\\hat p)))`,
    R's ``svyciprop(~y, des, method = "logit")`` (which uses df = ``degf(des)``); it is
    undefined (NaN) when every answer is 0 or every answer is 1.

    **Agreement with R** (``survey`` 4.1, tested to 1e-6, the raking converged with
    ``control = list(maxit = 100, epsilon = 1e-12)``): ``svymean`` on
    ``svydesign(ids = ~1, fpc = ~N)``, ``svydesign(ids = ~home, fpc = ~N_homes)``, with
    ``weights = ~w``, and on ``rake(design, list(~tenure, ~age), ...)`` with and without
    clusters. With equal starting weights (any design without `weight`) ``rake()`` and
    ``calibrate(calfun = "raking")`` agree; with unequal starting weights R's ``rake()``
    residualises with unweighted category means, ignoring d, while ``calibrate()`` uses
    the d-weighted regression of the theory; this function follows ``calibrate()``
    (0.5% smaller SE than ``rake()`` in the tests). ``design_effect`` equals R's
    ``deff(svymean(..., deff = TRUE))`` for unraked designs with `population` and
    ``deff = "replace"`` without; for raked designs R takes the sampling fraction as
    n / Σw instead of f.

    References
    ----------
    Cochran, W. G. (1977). Sampling techniques (3rd ed.), ch. 9–11. Deville, J.-C. &
    Särndal, C.-E. (1992). Calibration estimators in survey sampling. JASA 87, 376–382.
    Lumley, T. (2004). Analysis of complex survey samples. Journal of Statistical
    Software 9(8). Lumley, T. (2010). Complex surveys: a guide to analysis using R. Wiley.

    Examples
    --------
    >>> df = pd.DataFrame({"home": ["a", "a", "b", "c", "c", "d", "e", "f"],
    ...                    "tenure": ["own", "own", "rent", "rent", "rent", "own", "rent", "own"],
    ...                    "y": [3, 4, 2, 5, 4, 3, 4, 2]})
    >>> res = survey_mean(df, value="y", cluster="home", population=20)  # 20 homes in the street
    >>> round(float(res["mean"]), 3), round(float(res["se"]), 4), int(res["df"])
    (3.375, 0.3519, 5)
    >>> raked = survey_mean(df, value="y", cluster="home", population=20,
    ...                     calibrate={"tenure": {"own": 12, "rent": 18}})
    >>> round(float(raked["mean"]), 3), round(float(raked["se"]), 4)
    (3.45, 0.3441)

    The same in R: ``des <- svydesign(ids = ~home, fpc = ~N, data = df)`` (N = 20),
    ``svymean(~y, des)`` → 3.375, SE 0.3519;
    ``svymean(~y, rake(des, list(~tenure), list(data.frame(tenure = c("own", "rent"),
    Freq = c(12, 18)))))`` → 3.45, SE 0.3441.
    """
    from evaluation.stats import _check_choice, _check_confidence

    confidence = _check_confidence(confidence)
    _check_choice(interval, "interval", ("t", "logit"))
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"`data` must be a pandas DataFrame; got {type(data).__name__}.")
    if not isinstance(value, str):
        raise TypeError(f"`value` must be a column name; got {value!r}.")
    y_all = _numeric_column(_column(data, value, "value"), "value")
    keep = np.isfinite(y_all)
    frame = data.loc[keep]
    y = y_all[keep]
    n = len(y)
    if n < 2:
        raise ValueError(f"`value` {value!r} has {n} non-missing value(s); at least two are needed.")

    if weight is None:
        d = np.ones(n)
    else:
        d = _numeric_column(_column(data, weight, "weight"), "weight")[keep]
        if np.any(~np.isfinite(d) | (d <= 0)):
            raise ValueError(
                "`weight` must be positive and present for every respondent with a value; "
                f"found {np.sum(~np.isfinite(d) | (d <= 0))} missing or non-positive weight(s)."
            )

    if cluster is None:
        codes = np.arange(n)
    else:
        labels = _column(data, cluster, "cluster")[keep]
        if labels.isna().any():
            raise ValueError(
                f"`cluster` is missing for {int(labels.isna().sum())} respondent(s); every "
                "respondent needs the home (cluster) they were sampled through."
            )
        codes = pd.factorize(labels)[0]
    m = int(codes.max()) + 1
    if m < 2:
        raise ValueError(
            "All respondents are in one cluster; a design-based standard error needs at least "
            "two sampled clusters (homes)."
        )

    unit = "clusters" if cluster is not None else "respondents"
    if population is None:
        f = 0.0
    else:
        if (isinstance(population, bool)
                or not isinstance(population, (int, float, np.integer, np.floating))
                or not population > 0):
            raise ValueError(
                f"`population` must be a positive number of {unit} (or None); got {population!r}."
            )
        if m > population:
            raise ValueError(
                f"The sample has {m} {unit} but `population` is {population:g}; with `cluster` "
                "pass the number of homes in the area (not people), or None to switch the "
                "correction off."
            )
        f = m / float(population)

    if calibrate is None:
        w = d
    else:
        from evaluation.weights import rake

        if not isinstance(calibrate, Mapping) or not calibrate:
            raise TypeError("`calibrate` must be a non-empty dict {column: {category: target}}.")
        w = rake(frame, margins=calibrate, weight=d, tol=1e-12, max_iter=1000).to_numpy()

    total = w.sum()
    mean = float(np.sum(w * y) / total)
    e = y - mean
    if calibrate is not None:
        e = _calibration_residuals(e, frame, calibrate, d)
    z = np.bincount(codes, weights=w * e / total, minlength=m)
    var = (1 - f) * m / (m - 1) * float(np.sum((z - z.mean()) ** 2))
    se = float(np.sqrt(var))
    df = float(m - 1)

    q = sps.t.ppf(1 - (1 - confidence) / 2, df)
    if interval == "t":
        low, high = mean - q * se, mean + q * se
    else:
        if not np.all(np.isin(y, (0.0, 1.0))):
            raise ValueError(
                f"interval='logit' is for proportions; `value` {value!r} must be 0/1 (or "
                "True/False). Use interval='t' for other values."
            )
        if 0 < mean < 1:
            half = q * se / (mean * (1 - mean))
            low, high = (float(special.expit(special.logit(mean) - half)),
                         float(special.expit(special.logit(mean) + half)))
        else:
            low = high = np.nan

    s2 = n / (n - 1) * float(np.sum(w * (y - mean) ** 2) / total)
    v_srs = (1 - f) * s2 / n
    deff = var / v_srs if v_srs > 0 else np.nan
    parts = [f"{m} clusters ({cluster if isinstance(cluster, str) else 'cluster'})"
             if cluster is not None else f"{n} respondents"]
    if population is not None:
        parts.append(f"FPC on {population:g} {unit}")
    if weight is not None:
        parts.append("design weights")
    if calibrate is not None:
        parts.append("raked to " + ", ".join(map(str, calibrate)))
    interval_name = "t" if interval == "t" else "logit"
    return pd.Series({
        "mean": mean, "se": se, "ci_low": float(low), "ci_high": float(high), "df": df,
        "n": n, "n_clusters": m, "sampling_fraction": f, "design_effect": float(deff),
        "n_effective": float(n / deff) if deff > 0 else np.nan,
        "method": f"design-based mean: {'; '.join(parts)}; {interval_name} interval on {m - 1} df",
    }, dtype=object).infer_objects()

"""Scale scores and reliability: reverse keying, mean scores with a minimum number of
answered items, Cronbach's alpha with the Feldt interval, McDonald's omega and item
statistics.

A *scale specification* is the mapping the study loader produces from the instrument::

    {"trust": {"items": ["tru1", "tru2", "tru3", "tru4"], "reverse": ["tru4"],
               "min_items": 3, "min": 1, "max": 5, "rescale_0_10": False}, ...}

``reverse``, ``min_items`` (default: all items), ``min``/``max`` (default 1 and 5) and
``rescale_0_10`` (default False) are optional.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats as sps

__all__ = ["score_scales", "cronbach_alpha", "mcdonald_omega", "reliability"]

#: Seed for the start values of the one-factor ML fit behind omega (reproducible builds).
_OMEGA_SEED = 20240501


# --------------------------------------------------------------------------- helpers
def _check_responses(responses) -> pd.DataFrame:
    if not isinstance(responses, pd.DataFrame):
        raise TypeError(
            f"`responses` must be a pandas DataFrame with one column per item; got "
            f"{type(responses).__name__}."
        )
    return responses


def _check_scales(scales, responses: pd.DataFrame) -> dict[str, dict]:
    """Validate every scale specification at once; return them with defaults filled in."""
    if not isinstance(scales, Mapping) or not scales:
        raise TypeError(
            "`scales` must be a non-empty mapping {scale_id: {'items': [...], ...}} as "
            f"produced by the study loader; got {type(scales).__name__}."
        )
    problems, out = [], {}
    for name, spec in scales.items():
        if not isinstance(spec, Mapping) or not spec.get("items"):
            problems.append(f"scale {name!r} has no 'items' list")
            continue
        items = list(spec["items"])
        reverse = list(spec.get("reverse") or [])
        missing = [i for i in items if i not in responses.columns]
        if missing:
            problems.append(f"scale {name!r} uses item(s) {missing} not in `responses`")
        stray = [i for i in reverse if i not in items]
        if stray:
            problems.append(f"scale {name!r} reverse-keys {stray}, which are not among its items")
        low, high = spec.get("min", 1), spec.get("max", 5)
        if not low < high:
            problems.append(f"scale {name!r} has min {low!r} not below max {high!r}")
        min_items = spec.get("min_items", len(items))
        if not isinstance(min_items, (int, np.integer)) or not 1 <= min_items <= len(items):
            problems.append(
                f"scale {name!r} has min_items {min_items!r}; use a whole number from 1 to "
                f"{len(items)}"
            )
        out[str(name)] = {
            "items": items, "reverse": reverse, "min_items": min_items, "min": low,
            "max": high, "rescale_0_10": bool(spec.get("rescale_0_10", False)),
        }
    if problems:
        available = ", ".join(map(str, responses.columns))
        raise ValueError(
            "Invalid `scales`: " + "; ".join(problems) + f". Available columns: {available}."
        )
    return out


def _keyed_items(responses: pd.DataFrame, name: str, spec: dict) -> pd.DataFrame:
    """The scale's item columns as floats, reverse-keyed (min + max − x)."""
    items = responses[spec["items"]]
    for col in items.columns:
        if not (pd.api.types.is_numeric_dtype(items[col]) or pd.api.types.is_bool_dtype(items[col])):
            raise TypeError(
                f"Item column {col!r} (scale {name!r}) has dtype {items[col].dtype}; items must be "
                "numeric answer codes. Map labels to codes with the codebook first."
            )
    values = items.astype(float)
    outside = values.lt(spec["min"]) | values.gt(spec["max"])
    if outside.any().any():
        col = outside.any().idxmax()
        bad = values.loc[outside[col], col].iloc[0]
        raise ValueError(
            f"Item column {col!r} (scale {name!r}) has value {bad:g} outside the answer range "
            f"{spec['min']}..{spec['max']}; set missing codes (e.g. 'don't know') to NaN or "
            "correct 'min'/'max' of the scale."
        )
    for col in spec["reverse"]:
        values[col] = spec["min"] + spec["max"] - values[col]
    return values


def _item_matrix(items, name: str = "items") -> pd.DataFrame:
    if isinstance(items, pd.DataFrame):
        frame = items
    else:
        array = np.asarray(items)
        if array.ndim != 2:
            raise ValueError(
                f"`{name}` must be a 2-D table (rows = respondents, columns = items); got "
                f"shape {array.shape}."
            )
        frame = pd.DataFrame(array)
    bad = [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])]
    if bad:
        raise TypeError(
            f"`{name}` has non-numeric column(s) {bad}; pass numeric item scores only."
        )
    if frame.shape[1] < 2:
        raise ValueError(
            f"`{name}` has {frame.shape[1]} item column(s); reliability needs at least two."
        )
    return frame.astype(float)


def _alpha_from_cov(cov: np.ndarray) -> float:
    k = cov.shape[0]
    total = cov.sum()
    if not total > 0:
        raise ValueError(
            "The items have zero total variance (every respondent gave the same answers); "
            "alpha is undefined."
        )
    return float(k / (k - 1) * (1 - np.trace(cov) / total))


def _feldt(alpha: float, n: int, k: int, confidence: float) -> tuple[float, float]:
    g = 1 - confidence
    df1, df2 = n - 1, (n - 1) * (k - 1)
    return (float(1 - (1 - alpha) * sps.f.isf(g / 2, df1, df2)),
            float(1 - (1 - alpha) * sps.f.isf(1 - g / 2, df1, df2)))


# --------------------------------------------------------------------------- scores
def score_scales(responses, *, scales, id_cols=("respondent", "wave"), rescale=None) -> pd.DataFrame:
    """Score every scale as the mean of its answered (reverse-keyed) items.

    Parameters
    ----------
    responses : pandas.DataFrame
        One row per respondent per wave, one numeric column per item, NaN for missing.
    scales : mapping
        ``{scale_id: {"items": [...], "reverse": [...], "min_items": int, "min": 1,
        "max": 5, "rescale_0_10": bool}}`` (see the module docstring for defaults).
    id_cols : sequence of str
        Columns copied to the output to identify the rows.
    rescale : bool, optional
        None: rescale to 0–10 where the scale says ``rescale_0_10``; False: never;
        True: every scale.

    Returns
    -------
    pandas.DataFrame
        Long table: the `id_cols`, then ``scale`` (str), ``score`` (float, NaN when fewer
        than ``min_items`` items were answered) and ``n_items`` (answered items).

    Notes
    -----
    Reverse-keyed items become :math:`min + max - x`. The score is the mean of the
    answered items when at least ``min_items`` are answered; with ``rescale_0_10`` it is
    mapped to :math:`10 (score - min)/(max - min)` (as CBS reports social cohesion).

    Examples
    --------
    >>> df = pd.DataFrame({"respondent": ["a", "b"], "wave": ["before", "before"],
    ...                    "q1": [4, 2], "q2": [5, None], "q3": [1, 3]})
    >>> spec = {"s": {"items": ["q1", "q2", "q3"], "reverse": ["q3"], "min_items": 2}}
    >>> score_scales(df, scales=spec)["score"].round(3).tolist()
    [4.667, 2.5]
    """
    responses = _check_responses(responses)
    id_cols = [id_cols] if isinstance(id_cols, str) else list(id_cols)
    absent = [c for c in id_cols if c not in responses.columns]
    if absent:
        raise ValueError(
            f"`id_cols` {absent} are not columns of `responses`; available columns: "
            f"{', '.join(map(str, responses.columns))}. Pass id_cols=[...] with existing ones."
        )
    if rescale not in (None, True, False):
        raise ValueError(f"`rescale` must be None, True or False; got {rescale!r}.")
    specs = _check_scales(scales, responses)
    frames = []
    for name, spec in specs.items():
        values = _keyed_items(responses, name, spec)
        answered = values.notna().sum(axis=1)
        score = values.mean(axis=1).where(answered >= spec["min_items"])
        if spec["rescale_0_10"] if rescale is None else rescale:
            score = (score - spec["min"]) / (spec["max"] - spec["min"]) * 10
        frame = responses[id_cols].copy()
        frame["scale"] = name
        frame["score"] = score.astype(float)
        frame["n_items"] = answered.astype(int)
        frames.append(frame)
    out = pd.concat(frames, ignore_index=True)
    out["scale"] = out["scale"].astype("str")
    return out


# --------------------------------------------------------------------------- reliability
def cronbach_alpha(items, *, confidence: float = 0.95, missing: str = "pairwise") -> pd.Series:
    """Cronbach's alpha with the Feldt confidence interval.

    Parameters
    ----------
    items : pandas.DataFrame or 2-D array
        Rows = respondents, columns = (already reverse-keyed) items; NaN is missing.
    confidence : float
        Level of the interval.
    missing : {"pairwise", "listwise"}
        Covariances from all pairwise-complete answers (as ``psych::alpha(use =
        "pairwise")`` and pingouin's default) or from complete rows only.

    Returns
    -------
    pandas.Series
        alpha, ci_low, ci_high, n (respondents used: rows with any answer for
        pairwise, complete rows for listwise), n_items.

    Notes
    -----
    :math:`\\alpha = \\frac{k}{k-1}\\left(1 - \\frac{\\operatorname{tr} C}{\\mathbf 1' C
    \\mathbf 1}\\right)` for the k × k item covariance matrix C. Feldt interval:
    :math:`1 - (1-\\hat\\alpha) F_{1-\\gamma/2}(n-1, (n-1)(k-1))` and
    :math:`1 - (1-\\hat\\alpha) F_{\\gamma/2}(\\cdot)`, γ = 1 − confidence. With
    ``missing="listwise"`` the interval uses the number of complete rows; pingouin 0.5–0.7
    uses the number of rows before deletion there, so its listwise interval is narrower.

    References
    ----------
    Cronbach, L. J. (1951). Psychometrika 16, 297–334. Feldt, L. S., Woodruff, D. J. &
    Salih, F. A. (1987). Applied Psychological Measurement 11, 93–103.

    Examples
    --------
    >>> items = pd.DataFrame({"a": [1, 2, 3, 4, 5], "b": [2, 2, 3, 5, 4], "c": [1, 3, 3, 4, 4]})
    >>> round(float(cronbach_alpha(items)["alpha"]), 3)
    0.938
    """
    if not isinstance(confidence, (int, float, np.floating)) or not 0 < confidence < 1:
        raise ValueError(f"`confidence` must be between 0 and 1 (e.g. 0.95); got {confidence!r}.")
    if missing not in ("pairwise", "listwise"):
        raise ValueError(f"`missing` must be 'pairwise' or 'listwise'; got {missing!r}.")
    frame = _item_matrix(items)
    frame = frame.dropna(how="any" if missing == "listwise" else "all")
    n, k = frame.shape
    if n < 3:
        raise ValueError(
            f"`items` has {n} usable respondent row(s) with missing={missing!r}; at least "
            "three are needed."
        )
    cov = frame.cov().to_numpy()
    if np.isnan(cov).any():
        raise ValueError(
            "Some item pairs are never answered together, so their covariance is unknown; "
            "use missing='listwise' or drop the sparse item."
        )
    alpha = _alpha_from_cov(cov)
    low, high = _feldt(alpha, n, k, confidence)
    return pd.Series({"alpha": alpha, "ci_low": low, "ci_high": high, "n": n, "n_items": k})


def mcdonald_omega(items) -> pd.Series:
    """McDonald's omega (total) of the unweighted sum score from a one-factor model.

    Parameters
    ----------
    items : pandas.DataFrame or 2-D array
        Rows = respondents, columns = reverse-keyed items (at least three); rows with a
        missing item are dropped.

    Returns
    -------
    pandas.Series
        omega_total, n (complete rows), n_items.

    Notes
    -----
    A one-factor model is fitted by maximum likelihood to the item correlation matrix
    (:class:`statsmodels.multivariate.factor.Factor`, ``method="ml"``). Standardised
    loadings :math:`\\lambda_i` and uniquenesses :math:`\\psi_i` are put back on the item
    scale (:math:`\\lambda_i s_i`, :math:`\\psi_i s_i^2`; ML is scale-invariant) and
    :math:`\\omega = (\\sum \\lambda_i s_i)^2 / ((\\sum\\lambda_i s_i)^2 + \\sum \\psi_i s_i^2)`,
    the model-implied reliability of the raw sum score. For tau-equivalent items this
    equals Cronbach's alpha. No confidence interval is given.

    References
    ----------
    McDonald, R. P. (1999). Test theory: a unified treatment. Erlbaum.
    Revelle, W. & Zinbarg, R. E. (2009). Psychometrika 74, 145–154.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> f = rng.normal(size=200)
    >>> items = pd.DataFrame({f"q{i}": f + rng.normal(size=200) for i in range(4)})
    >>> round(float(mcdonald_omega(items)["omega_total"]), 2)
    0.81
    """
    from statsmodels.multivariate.factor import Factor

    frame = _item_matrix(items).dropna()
    n, k = frame.shape
    if k < 3:
        raise ValueError(
            f"`items` has {k} items; a one-factor model (and omega) needs at least three."
        )
    if n < k + 2:
        raise ValueError(f"`items` has {n} complete rows; omega needs at least {k + 2}.")
    sd = frame.std(ddof=1).to_numpy()
    if np.any(sd == 0):
        const = list(frame.columns[sd == 0])
        raise ValueError(f"Item(s) {const} have zero variance; drop them before computing omega.")
    # statsmodels draws the EM start values from fresh OS entropy unless given an rng;
    # a fixed seed makes omega identical between runs (and report builds).
    fit = Factor(frame.to_numpy(), n_factor=1, method="ml").fit(rng=_OMEGA_SEED)
    loadings = fit.loadings.ravel() * sd
    unique = fit.uniqueness * sd**2
    common = loadings.sum() ** 2
    return pd.Series({"omega_total": float(common / (common + unique.sum())), "n": n, "n_items": k})


def reliability(responses, *, scales, level: str = "scale", confidence: float = 0.95) -> pd.DataFrame:
    """Reliability of every scale, or item statistics, after reverse keying.

    Parameters
    ----------
    responses : pandas.DataFrame
        Item columns (all rows are pooled: filter a wave first if needed).
    scales : mapping
        Scale specifications as for :func:`score_scales`.
    level : {"scale", "item"}
        One row per scale or one row per item.
    confidence : float
        Level of the alpha interval.

    Returns
    -------
    pandas.DataFrame
        level="scale": scale, n, n_items, alpha, alpha_ci_low, alpha_ci_high, omega.
        level="item": scale, item, n, mean, sd, item_rest_r, alpha_if_deleted.
        All computed on the respondents who answered every item of the scale
        (listwise); omega is NaN for scales with fewer than three items, alpha-if-deleted
        when fewer than two items would remain.

    Notes
    -----
    alpha: :func:`cronbach_alpha` (listwise, Feldt CI); omega: :func:`mcdonald_omega`.
    item_rest_r is the Pearson correlation of the (reverse-keyed) item with the sum of the
    other items of its scale; alpha_if_deleted is alpha of the remaining items.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> f = rng.normal(size=100)
    >>> df = pd.DataFrame({f"q{i}": np.clip(np.round(3 + f + rng.normal(size=100)), 1, 5)
    ...                    for i in range(3)})
    >>> res = reliability(df, scales={"s": {"items": ["q0", "q1", "q2"]}})
    >>> round(float(res["alpha"].iloc[0]), 2)
    0.71
    """
    responses = _check_responses(responses)
    if level not in ("scale", "item"):
        raise ValueError(f"`level` must be 'scale' or 'item'; got {level!r}.")
    specs = _check_scales(scales, responses)
    rows = []
    for name, spec in specs.items():
        values = _keyed_items(responses, name, spec).dropna()
        k, n = values.shape[1], len(values)
        if level == "scale":
            row = {"scale": name, "n": n, "n_items": k, "alpha": np.nan, "alpha_ci_low": np.nan,
                   "alpha_ci_high": np.nan, "omega": np.nan}
            if k >= 2 and n >= 3:
                res = cronbach_alpha(values, confidence=confidence, missing="listwise")
                row.update(alpha=res["alpha"], alpha_ci_low=res["ci_low"], alpha_ci_high=res["ci_high"])
            if k >= 3 and n >= k + 2:
                row["omega"] = mcdonald_omega(values)["omega_total"]
            rows.append(row)
            continue
        for item in values.columns:
            rest = values.drop(columns=item)
            rest_alpha = np.nan
            if k >= 3 and n >= 3:
                rest_alpha = _alpha_from_cov(rest.cov().to_numpy())
            rest_r = values[item].corr(rest.sum(axis=1)) if n >= 3 else np.nan
            rows.append({
                "scale": name, "item": item, "n": n, "mean": values[item].mean(),
                "sd": values[item].std(ddof=1), "item_rest_r": rest_r, "alpha_if_deleted": rest_alpha,
            })
    out = pd.DataFrame(rows)
    for col in ("scale", "item"):
        if col in out:
            out[col] = out[col].astype("str")
    return out

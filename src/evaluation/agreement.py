"""Intercoder agreement: kappa family, Gwet's AC1, Krippendorff's alpha and unitizing alpha.

Two kinds of input are supported:

* **coded units** — a table of labels, one row per subject (unit) and one column per coder
  (``krippendorff_alpha`` takes the transpose, coders × units, as in Krippendorff's papers);
  missing ratings are NaN/None;
* **segments** — the project's tidy ``segments`` table (``document, code, start, end, coder``;
  positions in code points, end exclusive) for ``unitizing_alpha`` and ``agreement_by_code``.

Every estimator returns a :class:`pandas.Series` record whose fields are documented in its
docstring; ``agreement_by_code`` returns one row per code plus a pooled row.
"""
from __future__ import annotations

import math
import numbers
import re
from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy import stats

POOLED = "(all codes)"
_LEVELS = ("nominal", "ordinal", "interval", "ratio")
_WEIGHTS = ("linear", "quadratic")
_MEASURES = ("krippendorff", "cohen", "gwet", "unitizing")
_SEGMENT_COLUMNS = ("document", "code", "start", "end", "coder")
# a sentence ends after . ! ? or … (plus closing quotes/brackets) followed by white space,
# or at a line break
_SENTENCE_END = re.compile(r"[.!?\u2026]+[\"'\u201d\u2019\u00bb)\]]*\s+|\n\s*")


# ---------------------------------------------------------------------------------------------
# input handling shared by the estimators
# ---------------------------------------------------------------------------------------------
def _as_table(data, name: str, *, coders_in_rows: bool = False) -> pd.DataFrame:
    """Return ``data`` as a subjects × coders DataFrame of objects, checking its shape."""
    if isinstance(data, pd.DataFrame):
        values = data.to_numpy(dtype=object)
    else:
        values = np.asarray(data, dtype=object)
    if values.ndim == 1 and any(isinstance(v, list | tuple | np.ndarray) for v in values):
        raise ValueError(
            f"`{name}` must be a rectangular 2-D table; its rows have different lengths. "
            "Pad missing ratings with NaN."
        )
    if coders_in_rows:
        layout = "coders (rows) × units (columns)"
    else:
        layout = "subjects (rows) × raters (columns)"
    if values.ndim != 2:
        raise ValueError(
            f"`{name}` must be a 2-D table of {layout}; found an array with {values.ndim} "
            "dimension(s). Pass a DataFrame or a list of lists."
        )
    if coders_in_rows:
        values = values.T
    if values.shape[1] < 2:
        raise ValueError(
            f"`{name}` has {values.shape[1]} coder(s); agreement needs at least two. "
            f"Lay the table out as {layout}."
        )
    return pd.DataFrame(values)


def _sorted_labels(labels) -> list:
    unique = list(dict.fromkeys(labels))
    try:
        return sorted(unique)
    except TypeError as exc:
        raise TypeError(
            f"the ratings mix numbers and text ({unique[:4]!r}); use one type of label "
            "or pass `categories` explicitly."
        ) from exc


def _category_codes(table: pd.DataFrame, categories, name: str) -> tuple[np.ndarray, list]:
    """Category position of every rating (−1 = missing), same shape as `table`, and the categories."""
    codes, labels = pd.factorize(table.to_numpy(dtype=object).ravel())  # missing -> -1
    labels = labels.tolist()
    if not labels:
        raise ValueError(f"`{name}` holds no ratings: every value is missing.")
    if categories is None:
        cats = _sorted_labels(labels)
    else:
        cats = list(categories)
        if len(set(cats)) != len(cats):
            raise ValueError(f"`categories` lists a category twice: {cats!r}.")
        unknown = [v for v in labels if v not in set(cats)]
        if unknown:
            raise ValueError(
                f"`{name}` contains value(s) {unknown[:5]!r} that are not in `categories` "
                f"{cats!r}; add them to `categories` or recode the ratings."
            )
    position = {c: i for i, c in enumerate(cats)}
    lookup = np.array([position[v] for v in labels] + [-1])  # index -1 maps missing to -1
    return lookup[codes].reshape(table.shape), cats


def _category_counts(table: pd.DataFrame, categories, name: str) -> tuple[np.ndarray, list]:
    """Count per subject how many coders chose each category.

    Returns an (n_subjects × q) float array (subjects rated by nobody are dropped) and the
    category list in column order.
    """
    codes, cats = _category_codes(table, categories, name)
    counts = _count_codes(codes, len(cats))
    return counts[counts.sum(axis=1) > 0], cats


def _count_codes(codes: np.ndarray, q: int) -> np.ndarray:
    """(subjects × q) float counts of the category positions in ``codes`` (−1 = missing)."""
    rated = codes >= 0
    subject = np.broadcast_to(np.arange(codes.shape[0])[:, None], codes.shape)[rated]
    flat = np.bincount(subject * q + codes[rated], minlength=codes.shape[0] * q)
    return flat.reshape(codes.shape[0], q).astype(float)


#: up to this many distinct values, units are counted with one comparison per value (else by scattering codes)
_FEW_VALUES = 64


def _numeric_units(data) -> np.ndarray | None:
    """``data`` (coders × units) as a float array when it is a numeric, non-boolean ndarray or
    DataFrame of at least two coders; otherwise None (the general path, with its messages)."""
    if isinstance(data, pd.DataFrame):
        if not all(isinstance(t, np.dtype) and t.kind in "iuf" for t in data.dtypes):
            return None
        values = data.to_numpy(dtype=float)
    elif isinstance(data, np.ndarray) and data.dtype.kind in "iuf":
        values = data.astype(float, copy=False)
    else:
        return None
    if values.ndim != 2 or values.shape[0] < 2 or np.isnan(values).all():
        return None
    return values


def _pairwise_agreement(counts: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """Observed agreement over subjects with two or more ratings (Gwet 2008, eq. 2).

    Returns p_a, the per-subject agreement (0 where fewer than two ratings) and the mask of
    pairable subjects.
    """
    r = counts.sum(axis=1)
    pairable = r >= 2
    if not pairable.any():
        raise ValueError(
            "no subject was rated by two or more coders, so agreement cannot be computed; "
            "check that the coders rated the same subjects."
        )
    agree = np.zeros_like(r)
    agree[pairable] = (counts * (counts - 1)).sum(axis=1)[pairable] / (r * (r - 1))[pairable]
    return float(agree[pairable].mean()), agree, pairable


def _chance_corrected(p_observed: float, p_expected: float) -> float:
    """(p_o − p_e) / (1 − p_e); NaN when chance agreement is 1 (no variation at all)."""
    if math.isclose(p_expected, 1.0):
        return math.nan
    return (p_observed - p_expected) / (1.0 - p_expected)


def _check_confidence(confidence) -> float:
    if not isinstance(confidence, numbers.Real) or not 0 < confidence < 1:
        raise ValueError(f"`confidence` must be between 0 and 1 (e.g. 0.95); got {confidence!r}.")
    return float(confidence)


# ---------------------------------------------------------------------------------------------
# two coders
# ---------------------------------------------------------------------------------------------
def _agreement_weights(q: int, weights) -> np.ndarray:
    if weights is None or q == 1:
        return np.eye(q)
    if weights not in _WEIGHTS:
        raise ValueError(f"`weights` must be None, 'linear' or 'quadratic'; got {weights!r}.")
    distance = np.abs(np.subtract.outer(np.arange(q), np.arange(q))) / (q - 1)
    return 1.0 - (distance if weights == "linear" else distance**2)


def cohen_kappa(a, b, *, categories=None, weights=None, confidence=0.95) -> pd.Series:
    """Cohen's kappa (optionally weighted) for two coders rating the same units.

    Parameters
    ----------
    a, b : array-like
        Labels given by coder A and coder B to the same units, in the same order. Units where
        either label is missing (NaN/None) are dropped.
    categories : sequence, optional
        All categories, in order. Default: the sorted labels that occur. With `weights`, the
        order defines the ordinal scale and categories are taken as equally spaced (as in
        R ``irr::kappa2``); pass it when the labels are text.
    weights : {None, "linear", "quadratic"}
        Agreement weights ``1 - |i-j|/(q-1)`` (linear, Cicchetti–Allison) or
        ``1 - (i-j)^2/(q-1)^2`` (quadratic, Fleiss–Cohen); None gives unweighted kappa.
    confidence : float
        Level of the Wald confidence interval.

    Returns
    -------
    pandas.Series
        kappa : chance-corrected agreement (NaN when chance agreement is 1).
        se : large-sample standard error (Fleiss, Cohen & Everitt 1969), used for the CI.
        ci_low, ci_high : ``kappa ± z * se`` (not truncated to [-1, 1]).
        z, p_value : test of kappa = 0 with the standard error under the null hypothesis;
            two-sided p-value.
        p_observed, p_expected : (weighted) observed and chance agreement.
        n : number of units with two labels.
        weights : the weighting used ("none", "linear" or "quadratic").

    Notes
    -----
    With the joint proportions :math:`p_{ij}`, margins :math:`p_{i.}, p_{.j}` and agreement
    weights :math:`w_{ij}`: :math:`p_o = \\sum w_{ij} p_{ij}`,
    :math:`p_e = \\sum w_{ij} p_{i.} p_{.j}`, :math:`\\kappa = (p_o - p_e)/(1 - p_e)`.
    With :math:`\\bar w_{i.} = \\sum_j p_{.j} w_{ij}` and :math:`\\bar w_{.j} = \\sum_i p_{i.} w_{ij}`,

    .. math:: \\widehat{var}(\\kappa) = \\frac{\\sum_{ij} p_{ij}[w_{ij} - (\\bar w_{i.} + \\bar w_{.j})
              (1-\\kappa)]^2 - [\\kappa - p_e(1-\\kappa)]^2}{n (1-p_e)^2}

    and under :math:`H_0: \\kappa = 0`
    :math:`var_0 = [\\sum_{ij} p_{i.}p_{.j}(w_{ij} - \\bar w_{i.} - \\bar w_{.j})^2 - p_e^2] / (n(1-p_e)^2)`.

    References
    ----------
    Cohen, J. (1960). A coefficient of agreement for nominal scales. *Educational and
    Psychological Measurement*, 20, 37–46.
    Fleiss, J. L., Cohen, J., & Everitt, B. S. (1969). Large sample standard errors of kappa and
    weighted kappa. *Psychological Bulletin*, 72, 323–327.

    Examples
    --------
    >>> a = [1, 1, 1, 0, 0, 0, 1, 0]
    >>> b = [1, 1, 0, 0, 0, 0, 1, 1]
    >>> round(float(cohen_kappa(a, b)["kappa"]), 3)
    0.5
    """
    confidence = _check_confidence(confidence)
    a_values = pd.Series(np.asarray(a, dtype=object).ravel())
    b_values = pd.Series(np.asarray(b, dtype=object).ravel())
    if len(a_values) != len(b_values):
        raise ValueError(
            f"`a` has {len(a_values)} labels but `b` has {len(b_values)}; pass the two coders' "
            "labels for the same units, in the same order."
        )
    table = _as_table(pd.concat([a_values, b_values], axis=1), "a, b")
    table = table[table.notna().all(axis=1)]
    if table.empty:
        raise ValueError(
            "`a` and `b` share no unit that both coders labelled (every pair has a missing value)."
        )
    codes, cats = _category_codes(table, categories, "a, b")
    if categories is None and weights is not None and not all(isinstance(c, numbers.Real) for c in cats):
        raise TypeError(
            f"weights={weights!r} needs ordered categories but the labels are text; "
            "pass `categories` in their order, e.g. categories=['low', 'mid', 'high']."
        )
    q = len(cats)
    joint = np.zeros((q, q))
    np.add.at(joint, (codes[:, 0], codes[:, 1]), 1)
    n = joint.sum()
    p = joint / n
    row, col = p.sum(axis=1), p.sum(axis=0)
    w = _agreement_weights(q, weights)
    p_o = float((w * p).sum())
    p_e = float((w * np.outer(row, col)).sum())
    kappa = _chance_corrected(p_o, p_e)
    se = se0 = math.nan
    if not math.isnan(kappa):
        w_row, w_col = w @ col, row @ w
        spread = w - np.add.outer(w_row, w_col) * (1 - kappa)
        var = ((p * spread**2).sum() - (kappa - p_e * (1 - kappa)) ** 2) / (n * (1 - p_e) ** 2)
        var0 = ((np.outer(row, col) * (w - np.add.outer(w_row, w_col)) ** 2).sum() - p_e**2) / (
            n * (1 - p_e) ** 2
        )
        se, se0 = math.sqrt(max(var, 0.0)), math.sqrt(max(var0, 0.0))
    z_crit = stats.norm.ppf(0.5 + confidence / 2)
    z = kappa / se0 if se0 > 0 else math.nan
    return pd.Series(
        {
            "kappa": kappa,
            "se": se,
            "ci_low": kappa - z_crit * se,
            "ci_high": kappa + z_crit * se,
            "z": z,
            "p_value": 2 * stats.norm.sf(abs(z)) if not math.isnan(z) else math.nan,
            "p_observed": p_o,
            "p_expected": p_e,
            "n": int(n),
            "weights": weights or "none",
        },
        name="cohen_kappa",
    )


# ---------------------------------------------------------------------------------------------
# any number of raters, subjects × raters
# ---------------------------------------------------------------------------------------------
def fleiss_kappa(ratings, *, categories=None) -> pd.Series:
    """Fleiss' kappa for any number of raters (Scott's pi for two).

    Parameters
    ----------
    ratings : 2-D array-like or DataFrame
        Subjects (rows) × raters (columns) of labels. Missing ratings (NaN/None) are allowed:
        agreement is then averaged over subjects with two or more ratings and the category
        shares over all rated subjects (Gwet's generalisation, as R ``irrCAC::fleiss.kappa.raw``).
        Subjects rated by nobody are dropped.
    categories : sequence, optional
        All categories; default the labels that occur.

    Returns
    -------
    pandas.Series
        kappa : Fleiss' kappa (NaN when every rating is the same category).
        se : standard error under H0 (Fleiss, Nee & Landis 1979); NaN when subjects have
            different numbers of ratings, where that formula does not apply.
        z, p_value : ``kappa / se`` and its two-sided normal p-value.
        p_observed, p_expected : mean pairwise agreement and chance agreement ``sum(p_k^2)``.
        n_subjects : subjects with at least one rating.
        n_raters : number of rater columns.

    Notes
    -----
    With :math:`r_{ik}` raters putting subject *i* in category *k* and :math:`r_i = \\sum_k r_{ik}`:
    :math:`p_o = \\operatorname{mean}_{i: r_i\\ge2} \\sum_k r_{ik}(r_{ik}-1)/(r_i(r_i-1))`,
    :math:`p_k = \\operatorname{mean}_i r_{ik}/r_i`, :math:`p_e = \\sum_k p_k^2`,
    :math:`\\kappa = (p_o-p_e)/(1-p_e)`. With *m* raters per subject, *n* subjects and
    :math:`q_k = 1 - p_k`:

    .. math:: se_0 = \\frac{\\sqrt 2}{\\sum_k p_k q_k \\sqrt{n m (m-1)}}
              \\sqrt{(\\sum_k p_k q_k)^2 - \\sum_k p_k q_k (q_k - p_k)}

    References
    ----------
    Fleiss, J. L. (1971). Measuring nominal scale agreement among many raters.
    *Psychological Bulletin*, 76, 378–382.
    Fleiss, J. L., Nee, J. C. M., & Landis, J. R. (1979). Large sample variance of kappa in the
    case of different sets of raters. *Psychological Bulletin*, 86, 974–977.
    Gwet, K. L. (2014). *Handbook of Inter-Rater Reliability* (4th ed.). Advanced Analytics.

    Examples
    --------
    >>> ratings = [["a", "a", "a"], ["a", "b", "b"], ["b", "b", "b"], ["c", "c", "b"]]
    >>> round(float(fleiss_kappa(ratings)["kappa"]), 3)
    0.455
    """
    table = _as_table(ratings, "ratings")
    counts, _ = _category_counts(table, categories, "ratings")
    p_o, _, _ = _pairwise_agreement(counts)
    r = counts.sum(axis=1)
    shares = (counts / r[:, None]).mean(axis=0)
    p_e = float((shares**2).sum())
    kappa = _chance_corrected(p_o, p_e)
    se = math.nan
    m, n = r[0], len(r)
    pq = shares * (1 - shares)
    if np.all(r == m) and pq.sum() > 0:
        inner = pq.sum() ** 2 - (pq * ((1 - shares) - shares)).sum()
        se = math.sqrt(2) / (pq.sum() * math.sqrt(n * m * (m - 1))) * math.sqrt(inner)
    z = kappa / se if se > 0 else math.nan
    return pd.Series(
        {
            "kappa": kappa,
            "se": se,
            "z": z,
            "p_value": 2 * stats.norm.sf(abs(z)) if not math.isnan(z) else math.nan,
            "p_observed": p_o,
            "p_expected": p_e,
            "n_subjects": n,
            "n_raters": table.shape[1],
        },
        name="fleiss_kappa",
    )


def gwet_ac1(ratings, *, categories=None) -> pd.Series:
    """Gwet's AC1 for any number of raters, missing ratings allowed.

    Parameters
    ----------
    ratings : 2-D array-like or DataFrame
        Subjects (rows) × raters (columns) of labels; NaN/None = not rated. Subjects rated by
        nobody are dropped.
    categories : sequence, optional
        All categories the raters could use; default the labels that occur. AC1 depends on the
        number of categories q, so list unused categories here.

    Returns
    -------
    pandas.Series
        ac1 : Gwet's first-order agreement coefficient (NaN when q = 1).
        se : standard error conditional on the raters (Gwet 2008, linearisation; no
            finite-population correction).
        p_observed : mean pairwise agreement over subjects with two or more ratings.
        p_expected : chance agreement ``sum_k p_k (1 - p_k) / (q - 1)``.
        n_subjects : subjects with at least one rating.
        n_raters : number of rater columns.
        n_categories : q.

    Notes
    -----
    With :math:`r_{ik}`, :math:`r_i`, :math:`p_o` and :math:`p_k` as in :func:`fleiss_kappa`,
    :math:`p_e = \\sum_k p_k(1-p_k)/(q-1)` and :math:`AC_1 = (p_o-p_e)/(1-p_e)`. The variance is
    :math:`\\sum_i (AC_{1,i}^* - AC_1)^2 / (n(n-1))` with

    .. math:: AC_{1,i}^* = \\frac{n}{n'}\\frac{p_{o,i} - p_e [r_i \\ge 2]}{1-p_e}
              - 2(1-AC_1)\\frac{p_{e,i} - p_e}{1-p_e}, \\quad
              p_{e,i} = \\frac{1}{q-1}\\sum_k \\frac{r_{ik}}{r_i}(1-p_k),

    where *n'* counts the subjects with two or more ratings.

    References
    ----------
    Gwet, K. L. (2008). Computing inter-rater reliability and its variance in the presence of
    high agreement. *British Journal of Mathematical and Statistical Psychology*, 61, 29–48.

    Examples
    --------
    >>> ratings = [["a", "a", "a"], ["a", "b", "b"], ["b", "b", "b"], ["c", "c", "b"]]
    >>> round(float(gwet_ac1(ratings)["ac1"]), 3)
    0.52
    """
    table = _as_table(ratings, "ratings")
    counts, cats = _category_counts(table, categories, "ratings")
    q = len(cats)
    p_o, agree, pairable = _pairwise_agreement(counts)
    r = counts.sum(axis=1)
    n, n2 = len(r), int(pairable.sum())
    shares = (counts / r[:, None]).mean(axis=0)
    ac1 = se = p_e = math.nan
    if q >= 2:
        p_e = float((shares * (1 - shares)).sum() / (q - 1))
        ac1 = _chance_corrected(p_o, p_e)
        if n >= 2:
            p_e_i = (counts / r[:, None]) @ (1 - shares) / (q - 1)
            ac1_i = (n / n2) * (agree - p_e * pairable) / (1 - p_e)
            ac1_i = ac1_i - 2 * (1 - ac1) * (p_e_i - p_e) / (1 - p_e)
            se = math.sqrt(((ac1_i - ac1) ** 2).sum() / (n * (n - 1)))
    return pd.Series(
        {
            "ac1": ac1,
            "se": se,
            "p_observed": p_o,
            "p_expected": p_e,
            "n_subjects": n,
            "n_raters": table.shape[1],
            "n_categories": q,
        },
        name="gwet_ac1",
    )


def brennan_prediger(ratings, *, categories=None) -> pd.Series:
    """Brennan–Prediger coefficient (chance agreement 1/q), missing ratings allowed.

    Parameters
    ----------
    ratings : 2-D array-like or DataFrame
        Subjects (rows) × raters (columns) of labels; NaN/None = not rated.
    categories : sequence, optional
        All categories the raters could use (q = its length); default the labels that occur.

    Returns
    -------
    pandas.Series
        kappa : ``(p_o - 1/q) / (1 - 1/q)`` (NaN when q = 1).
        p_observed : mean pairwise agreement over subjects with two or more ratings.
        p_expected : ``1/q``.
        n_subjects, n_raters, n_categories : sizes used.

    Notes
    -----
    Also known as Bennett's S or Randolph's free-marginal kappa; :math:`p_o` as in
    :func:`fleiss_kappa`.

    References
    ----------
    Brennan, R. L., & Prediger, D. J. (1981). Coefficient kappa: Some uses, misuses, and
    alternatives. *Educational and Psychological Measurement*, 41, 687–699.

    Examples
    --------
    >>> ratings = [["a", "a"], ["a", "b"], ["b", "b"], ["b", "b"]]
    >>> round(float(brennan_prediger(ratings)["kappa"]), 3)
    0.5
    """
    table = _as_table(ratings, "ratings")
    counts, cats = _category_counts(table, categories, "ratings")
    p_o, _, _ = _pairwise_agreement(counts)
    q = len(cats)
    return pd.Series(
        {
            "kappa": _chance_corrected(p_o, 1.0 / q),
            "p_observed": p_o,
            "p_expected": 1.0 / q,
            "n_subjects": len(counts),
            "n_raters": table.shape[1],
            "n_categories": q,
        },
        name="brennan_prediger",
    )


# ---------------------------------------------------------------------------------------------
# Krippendorff's alpha
# ---------------------------------------------------------------------------------------------
def _squared_differences(values: list, marginals: np.ndarray, level: str) -> np.ndarray:
    """The metric difference δ²(c, k) between every pair of values (Krippendorff 2011)."""
    if level == "nominal":
        return 1.0 - np.eye(len(values))
    v = np.asarray(values, dtype=float)
    if level == "interval":
        return np.subtract.outer(v, v) ** 2
    if level == "ratio":
        total = np.add.outer(v, v)
        diff = np.subtract.outer(v, v)
        return np.divide(diff, total, out=np.zeros_like(diff), where=total != 0) ** 2
    # ordinal: (sum of n_g for g from c to k − (n_c + n_k)/2)², values sorted ascending
    cum = np.cumsum(marginals)
    idx = np.arange(len(v))
    lo, hi = np.minimum.outer(idx, idx), np.maximum.outer(idx, idx)
    return (cum[hi] - cum[lo] + (marginals[lo] - marginals[hi]) / 2) ** 2


def krippendorff_alpha(data, *, level="nominal") -> pd.Series:
    """Krippendorff's alpha for any number of coders, missing values and metric.

    Parameters
    ----------
    data : 2-D array-like or DataFrame
        Coders (rows) × units (columns), the layout of Krippendorff's reliability data
        matrix; NaN/None = not coded. Values are numbers, or labels for ``level="nominal"``.
    level : {"nominal", "ordinal", "interval", "ratio"}
        Metric of the values.

    Returns
    -------
    pandas.Series
        alpha : ``1 - d_observed / d_expected`` (NaN when all pairable values are equal).
        level : the metric used.
        n_units : pairable units (coded by two or more coders).
        n_coders : number of coder rows.
        n_pairable_values : values in pairable units (n in Krippendorff's notation).
        d_observed, d_expected : observed and expected disagreement.

    Notes
    -----
    From the coincidence matrix
    :math:`o_{ck} = \\sum_u \\sum_{i \\ne j} [v_{iu}=c][v_{ju}=k] / (m_u - 1)` over units with
    :math:`m_u \\ge 2` values, its margins :math:`n_c` and :math:`n = \\sum_c n_c`:
    :math:`D_o = \\sum_{c,k} o_{ck}\\delta^2_{ck} / n`,
    :math:`D_e = \\sum_{c,k} n_c n_k \\delta^2_{ck} / (n(n-1))`, :math:`\\alpha = 1 - D_o/D_e`.
    :math:`\\delta^2` is 0/1 (nominal), :math:`(\\sum_{g=c}^{k} n_g - (n_c+n_k)/2)^2` (ordinal),
    :math:`(c-k)^2` (interval) or :math:`((c-k)/(c+k))^2` (ratio). For two coders without
    missing values, nominal alpha equals Scott's pi corrected for sample size:
    :math:`\\alpha = 1 - (1-\\pi)(2N-1)/(2N)`.

    References
    ----------
    Krippendorff, K. (2011). Computing Krippendorff's alpha-reliability. Annenberg School for
    Communication, University of Pennsylvania. https://repository.upenn.edu/asc_papers/43

    Examples
    --------
    >>> data = [[0, 1, 0, 0, 0, 0, 0, 0, 1, 0],
    ...         [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]]
    >>> round(float(krippendorff_alpha(data)["alpha"]), 3)
    0.095
    """
    if level not in _LEVELS:
        raise ValueError(f"`level` must be one of {_LEVELS}; got {level!r}.")
    matrix = _numeric_units(data)
    if matrix is not None:  # numbers: no object table, no label checks needed (same counts, same alpha)
        values = np.sort(pd.unique(matrix.ravel()))
        values = values[~np.isnan(values)]
        if level == "ratio" and values[0] < 0:
            raise ValueError("level='ratio' needs non-negative values; `data` contains negatives.")
        if len(values) <= _FEW_VALUES:  # one pass per value: faster than scattering codes when values are few
            counts = np.stack([np.count_nonzero(matrix == v, axis=0) for v in values], axis=1).astype(float)
        else:
            present = ~np.isnan(matrix)
            codes = np.full(matrix.shape[::-1], -1, dtype=np.int64)  # units × coders, as _as_table lays it out
            codes.T[present] = np.searchsorted(values, matrix[present])
            counts = _count_codes(codes, len(values))
        counts, values, n_coders = counts[counts.sum(axis=1) > 0], values.tolist(), matrix.shape[0]
    else:
        table = _as_table(data, "data", coders_in_rows=True)
        cells = table.to_numpy()
        observed = pd.unique(cells[~pd.isna(cells)]).tolist()
        if level != "nominal":
            labels = [v for v in observed if not isinstance(v, numbers.Real) or isinstance(v, bool)]
            if labels:
                raise TypeError(
                    f"level={level!r} needs numeric values but `data` contains labels such as "
                    f"{labels[0]!r}; use level='nominal' or recode the labels to numbers."
                )
            if level == "ratio" and any(v < 0 for v in observed):
                raise ValueError("level='ratio' needs non-negative values; `data` contains negatives.")
        counts, values = _category_counts(table, None, "data")
        n_coders = table.shape[1]
    m_u = counts.sum(axis=1)
    counts, m_u = counts[m_u >= 2], m_u[m_u >= 2]
    if len(counts) == 0:
        raise ValueError(
            "no unit in `data` was coded by two or more coders; alpha needs pairable values."
        )
    scaled = counts / (m_u - 1)[:, None]
    coincidence = scaled.T @ counts - np.diag(scaled.sum(axis=0))
    marginals = coincidence.sum(axis=0)
    n = marginals.sum()
    delta2 = _squared_differences(values, marginals, level)
    d_observed = float((coincidence * delta2).sum() / n)
    d_expected = float((np.outer(marginals, marginals) * delta2).sum() / (n * (n - 1)))
    alpha = 1.0 - d_observed / d_expected if d_expected > 0 else math.nan
    return pd.Series(
        {
            "alpha": alpha,
            "level": level,
            "n_units": len(counts),
            "n_coders": n_coders,
            "n_pairable_values": int(round(n)),
            "d_observed": d_observed,
            "d_expected": d_expected,
        },
        name="krippendorff_alpha",
    )


# ---------------------------------------------------------------------------------------------
# segments: unitizing alpha and agreement per code
# ---------------------------------------------------------------------------------------------
def _check_segments(segments, required) -> pd.DataFrame:
    if not isinstance(segments, pd.DataFrame):
        raise TypeError(
            f"`segments` must be a DataFrame with columns {', '.join(required)}; "
            f"got {type(segments).__name__}."
        )
    missing = [c for c in required if c not in segments.columns]
    if missing:
        raise ValueError(
            f"`segments` lacks column(s) {missing}; it needs {', '.join(required)} "
            "(positions in code points, end exclusive)."
        )
    if segments.empty:
        raise ValueError("`segments` is empty; there are no codings to compare.")
    seg = segments.loc[:, [c for c in _SEGMENT_COLUMNS if c in segments.columns]].copy()
    for col in ("start", "end"):
        if (
            not pd.api.types.is_numeric_dtype(seg[col])
            or seg[col].isna().any()
            or (seg[col] % 1 != 0).any()
        ):
            raise ValueError(
                f"`segments['{col}']` must hold whole-number positions (code points) for every row."
            )
        seg[col] = seg[col].astype("int64")
    bad = seg[(seg["start"] < 0) | (seg["end"] <= seg["start"])]
    if not bad.empty:
        row = bad.iloc[0]
        raise ValueError(
            f"`segments` has {len(bad)} row(s) with start < 0 or end <= start, e.g. start="
            f"{row['start']}, end={row['end']}; positions are code points with end exclusive."
        )
    return seg


def _resolve_coders(seg: pd.DataFrame, coders, *, allow_absent: bool = False) -> list:
    if coders is None:
        coders = _sorted_labels(seg["coder"].dropna().tolist())
    else:
        coders = list(coders)
        present = set(seg["coder"])
        absent = [c for c in coders if c not in present]
        if absent and not allow_absent:
            raise ValueError(f"`coders` {absent!r} have no rows in `segments['coder']`.")
    if len(coders) < 2:
        raise ValueError(
            f"agreement needs at least two coders; found {coders!r}. Pass `coders` or add the "
            "second coder's segments."
        )
    return coders


def _documents_coded_by_all(seg: pd.DataFrame, coders: list) -> list:
    n_coders = seg[seg["coder"].isin(coders)].groupby("document")["coder"].nunique()
    docs = n_coders.index[n_coders == len(coders)].tolist()
    if not docs:
        raise ValueError(
            f"no document in `segments` was coded by all coders {coders!r}; agreement is only "
            "computed on documents every coder worked on."
        )
    return docs


def _lengths(seg: pd.DataFrame, documents, continuum_length, docs) -> dict:
    """Length of each document's continuum (code points)."""
    max_end = seg.groupby("document")["end"].max()
    if continuum_length is None and documents is not None:
        continuum_length = dict(zip(documents["document"], documents["text"].str.len()))
    if continuum_length is None:
        lengths = {d: int(max_end[d]) for d in docs}
    elif isinstance(continuum_length, Mapping | pd.Series):
        absent = [d for d in docs if d not in continuum_length]
        if absent:
            raise ValueError(f"`continuum_length` gives no length for document(s) {absent[:5]!r}.")
        lengths = {d: int(continuum_length[d]) for d in docs}
    elif isinstance(continuum_length, numbers.Integral) and len(docs) == 1:
        lengths = {docs[0]: int(continuum_length)}
    else:
        raise ValueError(
            f"`continuum_length` must be a whole number (one document) or a mapping document -> "
            f"length for {len(docs)} documents; got {continuum_length!r}."
        )
    too_long = [d for d in docs if max_end[d] > lengths[d]]
    if too_long:
        raise ValueError(
            f"segments of document {too_long[0]!r} end at {int(max_end[too_long[0]])}, beyond its "
            f"length {lengths[too_long[0]]}; check the positions or the document lengths."
        )
    return lengths


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Union of overlapping (start, end) spans; touching spans stay separate units."""
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(s, e) for s, e in merged]


def _sections(units: list[tuple[int, int]], length: int) -> np.ndarray:
    """Cover [0, length) with the units and the gaps between them: rows (begin, length, is_unit)."""
    rows, pos = [], 0
    for start, end in units:
        if start > pos:
            rows.append((pos, start - pos, 0))
        rows.append((start, end - start, 1))
        pos = end
    if pos < length:
        rows.append((pos, length - pos, 0))
    return np.array(rows, dtype=float).reshape(-1, 3)


def _pair_disagreement(a: np.ndarray, b: np.ndarray) -> float:
    """Sum of δ² over all pairs of sections of two coders (Krippendorff 2004, p. 252)."""
    b1, l1, u1 = (x[:, None] for x in a.T)
    b2, l2, u2 = (x[None, :] for x in b.T)
    e1, e2 = b1 + l1, b2 + l2
    overlap = (b1 < e2) & (b2 < e1)
    both = (u1 == 1) & (u2 == 1) & overlap
    unit_in_gap = (u1 == 1) & (u2 == 0) & (b2 <= b1) & (e1 <= e2)
    gap_around_unit = (u1 == 0) & (u2 == 1) & (b1 <= b2) & (e2 <= e1)
    delta2 = np.where(both, (b1 - b2) ** 2 + (e1 - e2) ** 2, 0.0)
    delta2 = delta2 + np.where(unit_in_gap, l1**2, 0.0) + np.where(gap_around_unit, l2**2, 0.0)
    return float(delta2.sum())


def _unitizing_disagreement(spans: dict, coders: list, lengths: dict) -> tuple[float, float, int]:
    """Observed and expected disagreement of one code, and its number of (merged) units.

    `spans` maps (document, coder) to that coder's (start, end) segments of the code.
    """
    m, total = len(coders), sum(lengths.values())
    sections = {
        (doc, coder): _sections(_merged(spans.get((doc, coder), [])), length)
        for doc, length in lengths.items()
        for coder in coders
    }
    observed = sum(
        _pair_disagreement(sections[doc, coders[i]], sections[doc, coders[j]])
        for doc in lengths
        for i in range(m)
        for j in range(i + 1, m)
    )
    d_observed = 2 * observed / (m * (m - 1) * total**2)
    stacked = np.vstack(list(sections.values()))
    unit_lengths = stacked[stacked[:, 2] == 1, 1]
    gap_lengths = stacked[stacked[:, 2] == 0, 1]
    n_units = len(unit_lengths)
    placements = np.clip(gap_lengths[None, :] - unit_lengths[:, None] + 1, 0, None).sum(axis=1)
    cubic = (2 * unit_lengths**3 - 3 * unit_lengths**2 + unit_lengths) / 3
    numerator = ((n_units - 1) * cubic + unit_lengths**2 * placements).sum() * 2 / total
    denominator = m * total * (m * total - 1) - (unit_lengths * (unit_lengths - 1)).sum()
    return d_observed, float(numerator / denominator), n_units


def _unitizing_by_code(seg: pd.DataFrame, coders: list, lengths: dict) -> pd.DataFrame:
    """d_observed, d_expected and n_segments of every code (index: code, sorted)."""
    spans: dict = {}
    columns = (seg[c].tolist() for c in ("code", "document", "coder", "start", "end"))
    for code, doc, coder, start, end in zip(*columns, strict=True):
        spans.setdefault(code, {}).setdefault((doc, coder), []).append((start, end))
    codes = _sorted_labels(spans)
    parts = [_unitizing_disagreement(spans[c], coders, lengths) for c in codes]
    return pd.DataFrame(parts, index=codes, columns=["d_observed", "d_expected", "n_segments"])


def _alpha_from(parts: pd.DataFrame) -> float:
    """Unitizing alpha from per-code disagreements, averaged over the codes given."""
    d_expected = parts["d_expected"].mean()
    return 1.0 - parts["d_observed"].mean() / d_expected if d_expected > 0 else math.nan


def unitizing_alpha(segments, *, coders=None, code=None, continuum_length=None) -> pd.Series:
    """Krippendorff's unitizing alpha (uα) for segments marked on a continuum of text.

    Parameters
    ----------
    segments : DataFrame
        Columns ``code, start, end, coder`` (positions in code points, end exclusive) and
        optionally ``document``. Overlapping segments of the same coder and code are merged;
        touching ones stay separate units. With a ``document`` column only documents coded
        by all coders count and each document is its own stretch of the continuum.
    coders : sequence, optional
        Coders to compare (default: all in ``segments``). A coder listed here who marked no
        segment of a code counts as having marked none.
    code : hashable, optional
        The category to assess. Default: all codes pooled by averaging the observed and
        expected disagreements over codes (as DKPro Agreement does).
    continuum_length : int or mapping, optional
        Length of the continuum (one document) or a mapping document -> length (the number of
        code points of each text). Default: the last segment end per document, which ignores
        any uncoded text after it.

    Returns
    -------
    pandas.Series
        alpha : ``1 - d_observed / d_expected`` (NaN when d_expected is 0).
        d_observed, d_expected : observed and expected disagreement (Krippendorff 2004).
        code : the code assessed, or "(all codes)".
        n_coders : coders compared.
        n_segments : units (after merging) over all compared coders.
        continuum_length : total length L of the continuum.

    Notes
    -----
    Each coder's continuum is cut into units of code *c* and gaps. For sections *g* of coder
    *i* and *h* of coder *j* with begin *b* and length *l*, :math:`\\delta^2_{gh}` is
    :math:`(b_g-b_h)^2 + (b_g+l_g-b_h-l_h)^2` when both are overlapping units, :math:`l_g^2`
    when unit *g* lies inside gap *h* (and vice versa), else 0.
    :math:`D_o = \\sum_{i \\ne j}\\sum_{g,h}\\delta^2_{gh} / (m(m-1)L^2)` and

    .. math:: D_e = \\frac{\\frac{2}{L}\\sum_{u}\\left[\\frac{(N_c-1)(2l_u^3-3l_u^2+l_u)}{3}
              + l_u^2 \\sum_{gaps\\ g,\\ l_g \\ge l_u} (l_g - l_u + 1)\\right]}
              {mL(mL-1) - \\sum_u l_u(l_u-1)}

    with *u* over all :math:`N_c` units of code *c* of all *m* coders. Several documents are
    treated as one continuum of total length L whose gaps do not run across documents.

    References
    ----------
    Krippendorff, K. (1995). On the reliability of unitizing continuous data. *Sociological
    Methodology*, 25, 47–76.
    Krippendorff, K. (2004). *Content Analysis: An Introduction to Its Methodology* (2nd ed.),
    pp. 251–256. Sage.
    Meyer, C. M., Mieskes, M., Stab, C., & Gurevych, I. (2014). DKPro Agreement: An open-source
    Java library for measuring inter-rater agreement. *COLING 2014 demos*, 105–109.

    Examples
    --------
    >>> seg = pd.DataFrame({"code": ["c", "c", "c"], "start": [0, 10, 12],
    ...                     "end": [8, 20, 20], "coder": ["A", "A", "B"]})
    >>> round(float(unitizing_alpha(seg, continuum_length=30)["alpha"]), 3)
    0.092
    """
    required = ("code", "start", "end", "coder")
    seg = _check_segments(segments, required)
    single = "document" not in seg.columns
    if single:
        seg["document"] = 0
    coders = _resolve_coders(seg, coders, allow_absent=single)
    seg = seg[seg["coder"].isin(coders)]
    docs = [0] if single else _documents_coded_by_all(seg, coders)
    seg = seg[seg["document"].isin(docs)]
    if isinstance(continuum_length, Mapping | pd.Series) and single:
        raise ValueError("`continuum_length` is a mapping but `segments` has no `document` column.")
    lengths = _lengths(seg, None, continuum_length, docs)
    if code is not None and code not in set(seg["code"]):
        raise ValueError(f"`code` {code!r} does not occur in `segments['code']` for coders {coders!r}.")
    parts = _unitizing_by_code(seg if code is None else seg[seg["code"] == code], coders, lengths)
    return pd.Series(
        {
            "alpha": _alpha_from(parts),
            "d_observed": float(parts["d_observed"].mean()),
            "d_expected": float(parts["d_expected"].mean()),
            "code": POOLED if code is None else code,
            "n_coders": len(coders),
            "n_segments": int(parts["n_segments"].sum()),
            "continuum_length": sum(lengths.values()),
        },
        name="unitizing_alpha",
    )


def _sentence_spans(text: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        if text[start:match.end()].strip():
            spans.append((start, match.end()))
        start = match.end()
    if text[start:].strip():
        spans.append((start, len(text)))
    return spans


def _units(documents, lengths: dict, unit: str, window) -> pd.DataFrame:
    """Coding units per document: columns document, start, end."""
    if unit == "sentence":
        if documents is None:
            raise ValueError(
                "unit='sentence' needs the texts: pass `documents` with columns document, text "
                "(or use unit='window')."
            )
        texts = documents.set_index("document")["text"]
        spans = {doc: _sentence_spans(texts[doc]) for doc in lengths}
    elif unit == "window":
        if not isinstance(window, numbers.Integral) or window < 1:
            raise ValueError(f"`window` must be a positive whole number of code points; got {window!r}.")
        spans = {
            doc: [(s, min(s + window, n)) for s in range(0, n, window)]
            for doc, n in lengths.items()
        }
    else:
        raise ValueError(f"`unit` must be 'sentence' or 'window'; got {unit!r}.")
    rows = [(doc, s, e) for doc, doc_spans in spans.items() for s, e in doc_spans]
    return pd.DataFrame(rows, columns=["document", "start", "end"])


def _presence(seg: pd.DataFrame, units: pd.DataFrame, codes: list, coders: list) -> np.ndarray:
    """Boolean array code × unit × coder: did the coder apply the code anywhere in the unit?"""
    found = np.zeros((len(codes), len(units), len(coders)), dtype=bool)
    code_index = {c: i for i, c in enumerate(codes)}
    coder_index = {c: i for i, c in enumerate(coders)}
    for doc, doc_units in units.groupby("document", sort=False):
        starts, ends, rows = doc_units["start"].to_numpy(), doc_units["end"].to_numpy(), doc_units.index
        for s in seg[seg["document"] == doc].itertuples(index=False):
            first = np.searchsorted(ends, s.start, side="right")
            last = np.searchsorted(starts, s.end, side="left")
            found[code_index[s.code], rows[first:last], coder_index[s.coder]] = True
    return found


def _interpret(alpha: float) -> str:
    if math.isnan(alpha):
        return "undefined"
    if alpha >= 0.800:
        return "reliable"
    return "tentative" if alpha >= 0.667 else "unreliable"


def _presence_row(matrix: np.ndarray, measures) -> dict:
    """Agreement on a units × coders 0/1 presence matrix."""
    binary = matrix.astype(int)
    row = {
        "n_units": binary.shape[0],
        "n_coders": binary.shape[1],
        "prevalence": float(binary.mean()),
        "pct_agreement": float((binary.min(axis=1) == binary.max(axis=1)).mean()),
    }
    if "cohen" in measures:
        row["kappa"] = (
            cohen_kappa(binary[:, 0], binary[:, 1], categories=[0, 1])["kappa"]
            if binary.shape[1] == 2
            else fleiss_kappa(binary, categories=[0, 1])["kappa"]
        )
    if "krippendorff" in measures:
        row["krippendorff_alpha"] = krippendorff_alpha(binary.T)["alpha"]
    if "gwet" in measures:
        row["gwet_ac1"] = gwet_ac1(binary, categories=[0, 1])["ac1"]
    return row


def agreement_by_code(
    segments,
    *,
    documents=None,
    unit="sentence",
    window=200,
    coders=None,
    measures=("krippendorff", "cohen", "gwet", "unitizing"),
) -> pd.DataFrame:
    """Intercoder agreement per code (and pooled) for double-coded interview segments.

    Each document coded by all `coders` is cut into units (sentences or fixed windows); a
    coder "applied" a code to a unit when one of their segments with that code overlaps it.
    The presence/absence decisions are compared with the unit-based coefficients; unitizing
    alpha compares the raw segments themselves.

    Parameters
    ----------
    segments : DataFrame
        Tidy segments with columns ``document, code, start, end, coder`` (code points, end
        exclusive).
    documents : DataFrame, optional
        Columns ``document, text``; required for ``unit="sentence"``. The text lengths are
        the continuum lengths (otherwise the last segment end per document).
    unit : {"sentence", "window"}
        Sentences (split after . ! ? … followed by white space, and at line breaks) or
        consecutive windows of `window` code points.
    window : int
        Window size for ``unit="window"``.
    coders : sequence, optional
        Coders to compare (at least two); default all coders in `segments`. Only documents
        with segments from every one of them count.
    measures : sequence of {"krippendorff", "cohen", "gwet", "unitizing"}
        Coefficients to compute; columns of measures not asked for are left out.

    Returns
    -------
    pandas.DataFrame
        One row per code (sorted) and a last row ``code == "(all codes)"`` that pools every
        unit × code decision (for unitizing alpha: disagreements averaged over codes).
        Columns: code; n_units (units compared); n_coders; prevalence (share of unit × coder
        cells where the code is present); pct_agreement (share of units on which all coders
        agree); kappa (Cohen for two coders, Fleiss for more); krippendorff_alpha (nominal,
        presence/absence); gwet_ac1; unitizing_alpha (raw segments); interpretation of
        Krippendorff's alpha: "reliable" (≥ .800), "tentative" (.667–.800), "unreliable"
        (< .667) or "undefined" (no variation).

    Notes
    -----
    Unit-based coefficients depend on the unit: long windows inflate agreement on frequent
    codes. Thresholds follow Krippendorff (2004, p. 241). A code nobody varies on (present in
    every unit or in none) has undefined kappa and alpha (NaN).

    References
    ----------
    Krippendorff, K. (2004). *Content Analysis: An Introduction to Its Methodology* (2nd ed.).
    Sage.
    O'Connor, C., & Joffe, H. (2020). Intercoder reliability in qualitative research: Debates
    and practical guidelines. *International Journal of Qualitative Methods*, 19.

    Examples
    --------
    >>> seg = pd.DataFrame({"document": ["d1"] * 4, "code": ["trust", "trust", "help", "help"],
    ...                     "start": [0, 0, 30, 30], "end": [20, 20, 50, 50],
    ...                     "coder": ["A", "B", "A", "B"]})
    >>> table = agreement_by_code(seg, unit="window", window=10)
    >>> table["krippendorff_alpha"].round(3).tolist()
    [1.0, 1.0, 1.0]
    """
    unknown = [m for m in measures if m not in _MEASURES]
    if unknown or isinstance(measures, str):
        raise ValueError(f"`measures` must be a sequence drawn from {_MEASURES}; got {measures!r}.")
    seg = _check_segments(segments, _SEGMENT_COLUMNS)
    coders = _resolve_coders(seg, coders)
    seg = seg[seg["coder"].isin(coders)]
    docs = _documents_coded_by_all(seg, coders)
    seg = seg[seg["document"].isin(docs)].reset_index(drop=True)
    if documents is not None:
        if not isinstance(documents, pd.DataFrame) or not {"document", "text"} <= set(documents.columns):
            raise ValueError("`documents` must be a DataFrame with columns document, text.")
        absent = [d for d in docs if d not in set(documents["document"])]
        if absent:
            raise ValueError(f"`documents` has no text for coded document(s) {absent[:5]!r}.")
    lengths = _lengths(seg, documents, None, docs)
    units = _units(documents, lengths, unit, window)
    codes = _sorted_labels(seg["code"].tolist())
    found = _presence(seg, units, codes, coders)
    rows = [{"code": code, **_presence_row(found[i], measures)} for i, code in enumerate(codes)]
    rows.append({"code": POOLED, **_presence_row(found.reshape(-1, len(coders)), measures)})
    if "unitizing" in measures:
        parts = _unitizing_by_code(seg, coders, lengths)
        for row in rows[:-1]:
            row["unitizing_alpha"] = _alpha_from(parts.loc[[row["code"]]])
        rows[-1]["unitizing_alpha"] = _alpha_from(parts)
    table = pd.DataFrame(rows)
    if "krippendorff" in measures:
        table["interpretation"] = table["krippendorff_alpha"].map(_interpret)
    return table

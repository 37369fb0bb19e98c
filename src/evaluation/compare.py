"""One table comparing two survey waves for many outcomes: descriptives, panel change, cross-sections."""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from evaluation.design import survey_mean
from evaluation.models import _as_names, _levels, _numeric_outcome, _require_columns
from evaluation.stats import (
    adjust_pvalues,
    independent_test,
    mean_ci,
    paired_test,
    proportion_ci,
)

__all__ = ["compare_waves"]

_PAIRED_FIELDS = ("estimate", "ci_low", "ci_high", "statistic", "df", "p_value", "effect_size",
                  "effect_ci_low", "effect_ci_high", "effect_size_name", "method")
_CS_FIELDS = {"estimate": "cs_estimate", "ci_low": "cs_ci_low", "ci_high": "cs_ci_high",
              "p_value": "cs_p_value", "method": "cs_method"}


def _wave_pair(values: pd.Series, wave: str, before, after) -> tuple:
    """The two wave labels to compare; defaults need an ordered (or numeric) wave column."""
    present = _levels(values)
    for name, label in (("before", before), ("after", after)):
        if label is not None and label not in present:
            raise ValueError(f"`{name}`={label!r} is not a wave in column {wave!r}; waves present: {present}")
    if len(present) < 2:
        raise ValueError(f"column {wave!r} has {len(present)} wave(s) with data ({present}); two are needed")
    ordered = pd.api.types.is_numeric_dtype(values) or (
        isinstance(values.dtype, pd.CategoricalDtype) and values.cat.ordered
    )
    if (before is None or after is None) and not ordered:
        raise ValueError(
            f"column {wave!r} is not an ordered categorical, so the first and last wave are unknown; "
            f"pass `before` and `after` (waves present: {present}) or make {wave!r} an ordered categorical"
        )
    first = present[0] if before is None else before
    last = present[-1] if after is None else after
    if first == last:
        raise ValueError(f"`before` and `after` are both {first!r}; pick two different waves from {present}")
    return first, last


def _population_for(population, by, level):
    if population is None or by is None:
        return population
    if level not in population:
        raise ValueError(
            f"`population` has no size for {by!r} = {level!r}; give every group level a size "
            f"(levels found: {list(population)}), or None to switch the correction off"
        )
    return population[level]


def _design_mean(values: pd.Series, weights, clusters, population, confidence) -> tuple[float, float, float]:
    """(mean, low, high) of one wave: :func:`mean_ci`, or :func:`survey_mean` with clusters."""
    if clusters is None:
        res = mean_ci(values, weights=None if weights is None else weights[values.index], population=population,
                      confidence=confidence)
        return res["mean"], res["ci_low"], res["ci_high"]
    frame = pd.DataFrame({"value": values.to_numpy(dtype=float), "cluster": clusters[values.index].to_numpy()})
    if weights is not None:
        frame["weight"] = weights[values.index].to_numpy(dtype=float)
    res = survey_mean(frame, value="value", cluster="cluster", population=population,
                      weight=None if weights is None else "weight", confidence=confidence)
    return res["mean"], res["ci_low"], res["ci_high"]


def _describe(values: pd.Series, weights: pd.Series | None, clusters: pd.Series | None, population,
              confidence, prefix: str) -> dict:
    """Mean and CI of one wave; NaN when fewer than two answers (or two clusters)."""
    keep = values.notna()
    out = {prefix: np.nan, f"{prefix}_ci_low": np.nan, f"{prefix}_ci_high": np.nan}
    if keep.sum() < 2 or (clusters is not None and clusters[keep].nunique() < 2):
        return out
    est, low, high = _design_mean(values[keep], weights, clusters, population, confidence)
    return {prefix: est, f"{prefix}_ci_low": low, f"{prefix}_ci_high": high}


def _agreement(values: pd.Series, codes, weights, clusters, population, confidence, prefix: str) -> dict:
    """Percentage of answers in `codes` with a Wilson (simple random sample) or linearised
    (weights or clusters) CI."""
    answered = values.dropna()
    out = {prefix: np.nan, f"{prefix}_ci_low": np.nan, f"{prefix}_ci_high": np.nan}
    if len(answered) == 0 or (weights is not None and len(answered) < 2):
        return out
    hit = answered.isin(codes).astype(float)
    if weights is None and clusters is None:
        res = proportion_ci(hit, population=population, confidence=confidence)
        est, low, high = res["proportion"], res["ci_low"], res["ci_high"]
    else:
        if len(answered) < 2 or (clusters is not None and clusters[answered.index].nunique() < 2):
            return out
        est, low, high = _design_mean(hit, weights, clusters, population, confidence)
        low, high = max(low, 0.0), min(high, 1.0)
    return {prefix: 100 * est, f"{prefix}_ci_low": 100 * low, f"{prefix}_ci_high": 100 * high}


def _compare_one(frame, outcome, *, wave, subject, first, last, weights, cluster, population, codes,
                 paired_method, independent_method, confidence) -> dict:
    """All columns of one outcome within one group."""
    b_rows, a_rows = frame[frame[wave] == first], frame[frame[wave] == last]
    b, a = b_rows[outcome], a_rows[outcome]
    w_b = None if weights is None else b_rows[weights]
    w_a = None if weights is None else a_rows[weights]
    c_b = None if cluster is None else b_rows[cluster]
    c_a = None if cluster is None else a_rows[cluster]
    pairs = pd.merge(b_rows[[subject, outcome]].dropna(), a_rows[[subject, outcome]].dropna(),
                     on=subject, suffixes=("_before", "_after"))
    row = {"n_before": int(b.notna().sum()), "n_after": int(a.notna().sum()), "n_pairs": len(pairs)}
    row |= _describe(b, w_b, c_b, population, confidence, "mean_before")
    row |= _describe(a, w_a, c_a, population, confidence, "mean_after")
    if codes is not None:
        row |= _agreement(b, codes, w_b, c_b, population, confidence, "pct_agree_before")
        row |= _agreement(a, codes, w_a, c_a, population, confidence, "pct_agree_after")
    return row | _tests(pairs[f"{outcome}_before"], pairs[f"{outcome}_after"], a.dropna(), b.dropna(), row,
                        paired_method=paired_method, independent_method=independent_method,
                        confidence=confidence)


def _pair_positions(b_rows: pd.DataFrame, a_rows: pd.DataFrame, subject: str) -> tuple[np.ndarray, np.ndarray]:
    """Row positions in `b_rows` and `a_rows` of the subjects in both waves, in the order of
    `b_rows` (the order of ``pd.merge(before, after, on=subject)``); subjects are unique per
    wave and a missing subject pairs with nobody."""
    left, right = b_rows[subject], a_rows[subject]
    ok_left = np.flatnonzero(left.notna().to_numpy())
    ok_right = np.flatnonzero(right.notna().to_numpy())
    found = pd.Index(right.iloc[ok_right]).get_indexer(left.iloc[ok_left])
    hit = found >= 0
    return ok_left[hit], ok_right[found[hit]]


def _compare_split(b_rows, a_rows, pos_b, pos_a, outcome, *, weights, cluster, population, codes,
                   paired_method, independent_method, confidence) -> dict:
    """All columns of one outcome, from the waves split once for every outcome of a group.

    The same computations as :func:`_compare_one`, on the same values in the same order
    (the pairs in the order of the before wave, as the merge gives them), hence the same
    results bit for bit; only the selection of the waves and of the pairs is done once.
    """
    b, a = b_rows[outcome], a_rows[outcome]
    b_val, a_val = b.to_numpy(dtype=float), a.to_numpy(dtype=float)
    b_ok, a_ok = ~np.isnan(b_val), ~np.isnan(a_val)
    w_b = None if weights is None else b_rows[weights]
    w_a = None if weights is None else a_rows[weights]
    c_b = None if cluster is None else b_rows[cluster]
    c_a = None if cluster is None else a_rows[cluster]
    both = b_ok[pos_b] & a_ok[pos_a]
    pair_b, pair_a = b_val[pos_b[both]], a_val[pos_a[both]]
    row = {"n_before": int(b_ok.sum()), "n_after": int(a_ok.sum()), "n_pairs": len(pair_b)}
    row |= _describe(b, w_b, c_b, population, confidence, "mean_before")
    row |= _describe(a, w_a, c_a, population, confidence, "mean_after")
    if codes is not None:
        row |= _agreement(b, codes, w_b, c_b, population, confidence, "pct_agree_before")
        row |= _agreement(a, codes, w_a, c_a, population, confidence, "pct_agree_after")
    return row | _tests(pair_b, pair_a, a_val[a_ok], b_val[b_ok], row, paired_method=paired_method,
                        independent_method=independent_method, confidence=confidence)


def _tests(pair_b, pair_a, after, before, row, *, paired_method, independent_method, confidence) -> dict:
    """The paired and cross-sectional test columns and the note."""
    out, notes = dict.fromkeys(_PAIRED_FIELDS, np.nan), []
    if len(pair_b) < 2:
        notes.append(f"fewer than two complete pairs ({len(pair_b)}); no paired test")
    else:
        try:
            res = paired_test(pair_b, pair_a, method=paired_method, confidence=confidence)
            out |= {k: res[k] for k in _PAIRED_FIELDS}
            if res["note"]:  # e.g. no interval when every change is the same: p-value kept
                notes.append(f"paired: {res['note']}")
        except ValueError as exc:
            notes.append(f"paired test not possible: {exc}")
    out |= dict.fromkeys(_CS_FIELDS.values(), np.nan)
    if row["n_before"] < 2 or row["n_after"] < 2:
        notes.append(f"fewer than two answers in a wave ({row['n_before']} before, {row['n_after']} after); "
                     "no cross-sectional test")
    else:
        try:
            res = independent_test(after, before, method=independent_method, confidence=confidence)
            out |= {new: res[old] for old, new in _CS_FIELDS.items()}
        except ValueError as exc:
            notes.append(f"cross-sectional test not possible: {exc}")
    out["note"] = "; ".join(notes)
    return out


# The reference path, one pandas selection and merge per outcome (:func:`_compare_one`);
# compare_waves splits the waves once per group instead (:func:`_compare_split`). Tests
# switch this on to check that both give the same table.
_PER_OUTCOME = False


def _compare_group(part, outcomes, *, wave, subject, first, last, codes, **kw) -> list[dict]:
    """Rows of every outcome within one group."""
    if _PER_OUTCOME:
        return [_compare_one(part, o, wave=wave, subject=subject, first=first, last=last,
                             codes=codes.get(o), **kw) for o in outcomes]
    b_rows, a_rows = part[part[wave] == first], part[part[wave] == last]
    pos_b, pos_a = _pair_positions(b_rows, a_rows, subject)
    return [_compare_split(b_rows, a_rows, pos_b, pos_a, o, codes=codes.get(o), **kw) for o in outcomes]


def compare_waves(
    data,
    *,
    outcomes,
    wave="wave",
    subject="respondent",
    before=None,
    after=None,
    by=None,
    population=None,
    weights=None,
    cluster=None,
    agree=None,
    adjust="holm",
    families=None,
    paired_method="t",
    independent_method="welch",
    confidence=0.95,
):
    """Compare two survey waves for several outcomes in one tidy table.

    For each outcome (and each level of `by`): descriptive means per wave (with
    finite-population correction), optional percentages agreeing, the
    within-person change on the panel pairs, the difference between the two
    cross-sections, and p-values adjusted within families of outcomes.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per subject per wave with one numeric column per outcome (tidy
        responses, or scale scores pivoted wide, e.g.
        ``scores.pivot_table(index=["respondent", "wave"], columns="scale", values="score").reset_index()``).
    outcomes : str or sequence of str
        Outcome columns to compare.
    wave : str, default "wave"
        Wave column.
    subject : str, default "respondent"
        Identifier linking a person's answers across waves (for the pairs).
    before, after : optional
        Waves to compare; default the first and last wave of an ordered
        categorical (or numeric) wave column. Required for unordered waves.
    by : str, optional
        Group column (e.g. ``"tenure"``); one row per outcome and group level.
        Groups are taken row by row, so a person whose group differs between
        the waves is paired in neither group.
    population : int or dict, optional
        Population size N for the finite-population correction of the
        descriptive CIs (people, or homes with `cluster`); with `by`, a dict
        ``{level: N}``. None: no correction.
    weights : str, optional
        Column of sampling weights (e.g. from :func:`rake`) for the descriptive
        means and percentages. The tests are unweighted.
    cluster : str, optional
        Column of the sampled unit the respondents belong to (e.g. ``"home"``) when
        homes were sampled and their residents asked. The descriptive means and
        percentages then use :func:`evaluation.design.survey_mean` with the homes as
        clusters (R's ``svymean`` on ``svydesign(ids = ~home, fpc = ~N_homes)``, t
        interval on clusters − 1 df), and `population` is the number of *homes*.
        The tests are not clustered (see :func:`change_model` with ``household=``).
    agree : dict, optional
        ``{outcome: codes}``: answer codes counted as agreeing (e.g.
        ``{"coh1": [4, 5]}``); adds the pct_agree columns.
    adjust : {"holm", "fdr_bh", "bonferroni"}, default "holm"
        Multiplicity adjustment of the paired p-values (see :func:`adjust_pvalues`).
    families : dict, optional
        ``{outcome: family}`` (e.g. theme). p-values are adjusted within each
        family and group level. Default: all outcomes form one family.
    paired_method : {"t", "wilcoxon"}, default "t"
        Passed to :func:`paired_test`.
    independent_method : {"welch", "mannwhitney", "brunnermunzel"}, default "welch"
        Passed to :func:`independent_test`.
    confidence : float, default 0.95

    Returns
    -------
    pandas.DataFrame
        One row per outcome (× group level):

        - outcome, group (level of `by`; ``"all"`` without `by`), family.
        - n_before, n_after : non-missing answers per wave; n_pairs : subjects
          answering in both waves.
        - mean_before, mean_before_ci_low, mean_before_ci_high, mean_after,
          mean_after_ci_low, mean_after_ci_high : (weighted) mean per wave with t
          CI, FPC applied (:func:`mean_ci`; :func:`evaluation.design.survey_mean`
          with `cluster`).
        - pct_agree_before, pct_agree_before_ci_low, pct_agree_before_ci_high,
          pct_agree_after, pct_agree_after_ci_low, pct_agree_after_ci_high (only
          with `agree`): percentage of answers
          in the agree codes; Wilson CI with FPC (:func:`proportion_ci`), or the
          linearised CI of a weighted mean when `weights` or `cluster` is given
          (clipped to 0–100).
        - estimate, ci_low, ci_high, statistic, df, p_value, effect_size,
          effect_ci_low, effect_ci_high, effect_size_name, method : the paired
          change after − before on the pairs (:func:`paired_test`).
        - p_adjusted : p_value adjusted within family and group.
        - cs_estimate, cs_ci_low, cs_ci_high, cs_p_value, cs_method : after −
          before between everyone answering each wave (:func:`independent_test`).
        - note : why a value is missing ("" when complete), e.g. "paired: every
          non-zero difference equals 1: no confidence interval can be computed"
          (the p-value is still reported, as R's ``wilcox.test`` does).

    Notes
    -----
    Paired change: :math:`\\bar d = \\frac1{n_p}\\sum (y_{i,after} - y_{i,before})`
    over the :math:`n_p` pairs. Cross-sectional difference:
    :math:`\\bar y_{after} - \\bar y_{before}` over all respondents of each wave
    (these samples overlap in the panel members, so its p-value is
    conservative when answers correlate positively). Finite-population factor
    :math:`\\sqrt{1 - n/N}` (Cochran 1977, §2.5; R ``survey`` with ``fpc``) on the
    descriptive standard errors only. For a
    model that uses every answer at once, see :func:`change_model`.

    The waves are split and the panel pairs matched once per group, not per outcome;
    every statistic is still computed per outcome by the same functions on the same
    values in the same order, so the table is bit for bit the per-outcome one (100 000
    respondents × 2 waves × 40 items in about 0.5–2.5 s, rank tests with their intervals
    included; ``benchmarks/bench_compare.py``).

    References
    ----------
    Holm, S. (1979). A simple sequentially rejective multiple test procedure.
    Scandinavian Journal of Statistics, 6, 65–70.
    Cochran, W. G. (1977). Sampling Techniques (3rd ed.). Wiley.

    Examples
    --------
    >>> df = pd.DataFrame({
    ...     "respondent": ["a", "b", "c", "d", "a", "b", "c", "e"],
    ...     "wave": pd.Categorical(["before"] * 4 + ["after"] * 4, categories=["before", "after"], ordered=True),
    ...     "coh1": [2, 3, 3, 4, 3, 4, 5, 4],
    ... })
    >>> res = compare_waves(df, outcomes=["coh1"], population=20, agree={"coh1": [4, 5]})
    >>> row = res.iloc[0]
    >>> int(row["n_pairs"]), round(float(row["estimate"]), 3), round(float(row["pct_agree_after"]), 1)
    (3, 1.333, 75.0)
    """
    for name, value, choices in (("paired_method", paired_method, ("t", "wilcoxon")),
                                 ("independent_method", independent_method, ("welch", "mannwhitney", "brunnermunzel")),
                                 ("adjust", adjust, ("holm", "fdr_bh", "bonferroni"))):
        if value not in choices:
            raise ValueError(f"`{name}`={value!r} is not one of {list(choices)}")
    if not 0 < confidence < 1:
        raise ValueError(f"`confidence` must be between 0 and 1, got {confidence!r}")
    outcomes = _as_names(outcomes, "outcomes")
    if not outcomes:
        raise ValueError("`outcomes` is empty; name at least one outcome column")
    columns = {"wave": wave, "subject": subject} | {f"outcomes[{i}]": o for i, o in enumerate(outcomes)}
    if by is not None:
        columns["by"] = by
    if weights is not None:
        columns["weights"] = weights
    if cluster is not None:
        columns["cluster"] = cluster
    if isinstance(data, pd.DataFrame) and {"scale", "score"} <= set(data.columns) and not set(outcomes) <= set(
        data.columns
    ):
        raise ValueError(
            "`data` looks like long scores (columns 'scale' and 'score'); pivot it wide first: "
            'scores.pivot_table(index=["respondent", "wave"], columns="scale", values="score").reset_index()'
        )
    _require_columns(data, columns)
    frame = data.assign(**{o: _numeric_outcome(data[o], o) for o in outcomes})
    if weights is not None:
        w = _numeric_outcome(frame[weights], weights)
        if (w < 0).any():
            raise ValueError(f"weights column {weights!r} has negative values; sampling weights must be >= 0")
    first, last = _wave_pair(frame[wave], wave, before, after)
    frame = frame[frame[wave].isin([first, last])]
    dup = frame.duplicated([subject, wave])
    if dup.any():
        example = frame.loc[dup, [subject, wave]].iloc[0]
        raise ValueError(
            f"subject {example[subject]!r} has more than one row in wave {example[wave]!r}; "
            f"`data` needs one row per {subject!r} per wave"
        )
    if agree is not None:
        if not isinstance(agree, Mapping):
            raise TypeError(f"`agree` must be a dict {{outcome: codes}}, got {type(agree).__name__}")
        stray = sorted(set(agree) - set(outcomes))
        if stray:
            raise ValueError(f"`agree` names outcome(s) not in `outcomes`: {stray}; outcomes are {outcomes}")
    if families is None:
        families = dict.fromkeys(outcomes, "all")
    else:
        lacking = [o for o in outcomes if o not in families]
        if lacking:
            raise ValueError(
                f"`families` gives no family for {lacking}; map every outcome to a family (e.g. its theme)"
            )
    if population is not None:
        if by is None and isinstance(population, Mapping):
            raise ValueError("`population` is a dict but `by` is None; pass one number, or set `by`")
        if by is not None and not isinstance(population, Mapping):
            raise ValueError(
                f"with `by`={by!r} pass `population` as a dict {{level: N}} (one size per group), or None"
            )

    groups = [("all", frame)] if by is None else [(level, frame[frame[by] == level]) for level in _levels(frame[by])]
    rows = []
    for level, part in groups:
        n_pop = _population_for(population, by, level)
        found = _compare_group(part, outcomes, wave=wave, subject=subject, first=first, last=last,
                               weights=weights, cluster=cluster, population=n_pop, codes=agree or {},
                               paired_method=paired_method, independent_method=independent_method,
                               confidence=confidence)
        rows += [{"outcome": o, "group": level, "family": families[o]} | row for o, row in zip(outcomes, found)]
    table = pd.DataFrame(rows)
    table["p_adjusted"] = np.nan
    for _, idx in table.groupby(["family", "group"], sort=False).groups.items():
        table.loc[idx, "p_adjusted"] = adjust_pvalues(table.loc[idx, "p_value"].to_numpy(dtype=float),
                                                      method=adjust)
    order = [c for c in table.columns if c not in ("p_adjusted", "note")]
    at = order.index("p_value") + 1
    return table[[*order[:at], "p_adjusted", *order[at:], "note"]]

"""One table comparing two survey waves for many outcomes: descriptives, panel change, cross-sections."""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

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


def _describe(values: pd.Series, weights: pd.Series | None, population, confidence, prefix: str) -> dict:
    """Mean and CI of one wave; NaN when fewer than two answers."""
    keep = values.notna()
    if keep.sum() < 2:
        return {prefix: np.nan, f"{prefix}_ci_low": np.nan, f"{prefix}_ci_high": np.nan}
    res = mean_ci(values[keep], weights=None if weights is None else weights[keep],
                  population=population, confidence=confidence)
    return {prefix: res["mean"], f"{prefix}_ci_low": res["ci_low"], f"{prefix}_ci_high": res["ci_high"]}


def _agreement(values: pd.Series, codes, weights, population, confidence, prefix: str) -> dict:
    """Percentage of answers in `codes` with a Wilson (unweighted) or linearised (weighted) CI."""
    answered = values.dropna()
    out = {prefix: np.nan, f"{prefix}_ci_low": np.nan, f"{prefix}_ci_high": np.nan}
    if len(answered) == 0 or (weights is not None and len(answered) < 2):
        return out
    hit = answered.isin(codes).astype(float)
    if weights is None:
        res = proportion_ci(hit, population=population, confidence=confidence)
        est, low, high = res["proportion"], res["ci_low"], res["ci_high"]
    else:
        res = mean_ci(hit, weights=weights[answered.index], population=population, confidence=confidence)
        est, low, high = res["mean"], max(res["ci_low"], 0.0), min(res["ci_high"], 1.0)
    return {prefix: 100 * est, f"{prefix}_ci_low": 100 * low, f"{prefix}_ci_high": 100 * high}


def _compare_one(frame, outcome, *, wave, subject, first, last, weights, population, codes,
                 paired_method, independent_method, confidence) -> dict:
    """All columns of one outcome within one group."""
    b_rows, a_rows = frame[frame[wave] == first], frame[frame[wave] == last]
    b, a = b_rows[outcome], a_rows[outcome]
    w_b = None if weights is None else b_rows[weights]
    w_a = None if weights is None else a_rows[weights]
    pairs = pd.merge(b_rows[[subject, outcome]].dropna(), a_rows[[subject, outcome]].dropna(),
                     on=subject, suffixes=("_before", "_after"))
    row = {"n_before": int(b.notna().sum()), "n_after": int(a.notna().sum()), "n_pairs": len(pairs)}
    row |= _describe(b, w_b, population, confidence, "mean_before")
    row |= _describe(a, w_a, population, confidence, "mean_after")
    if codes is not None:
        row |= _agreement(b, codes, w_b, population, confidence, "pct_agree_before")
        row |= _agreement(a, codes, w_a, population, confidence, "pct_agree_after")
    notes = []
    row |= dict.fromkeys(_PAIRED_FIELDS, np.nan)
    if len(pairs) < 2:
        notes.append(f"fewer than two complete pairs ({len(pairs)}); no paired test")
    else:
        try:
            res = paired_test(pairs[f"{outcome}_before"], pairs[f"{outcome}_after"],
                              method=paired_method, confidence=confidence)
            row |= {k: res[k] for k in _PAIRED_FIELDS}
        except ValueError as exc:
            notes.append(f"paired test not possible: {exc}")
    row |= dict.fromkeys(_CS_FIELDS.values(), np.nan)
    if row["n_before"] < 2 or row["n_after"] < 2:
        notes.append(f"fewer than two answers in a wave ({row['n_before']} before, {row['n_after']} after); "
                     "no cross-sectional test")
    else:
        try:
            res = independent_test(a.dropna(), b.dropna(), method=independent_method, confidence=confidence)
            row |= {new: res[old] for old, new in _CS_FIELDS.items()}
        except ValueError as exc:
            notes.append(f"cross-sectional test not possible: {exc}")
    row["note"] = "; ".join(notes)
    return row


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
        descriptive CIs; with `by`, a dict ``{level: N}``. None: no correction.
    weights : str, optional
        Column of sampling weights (e.g. from :func:`rake`) for the descriptive
        means and percentages. The tests are unweighted.
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
          CI, FPC applied (:func:`mean_ci`).
        - pct_agree_before, pct_agree_before_ci_low, pct_agree_before_ci_high,
          pct_agree_after, pct_agree_after_ci_low, pct_agree_after_ci_high (only
          with `agree`): percentage of answers
          in the agree codes; Wilson CI with FPC (:func:`proportion_ci`), or the
          linearised CI of a weighted mean when `weights` is given (clipped to
          0–100).
        - estimate, ci_low, ci_high, statistic, df, p_value, effect_size,
          effect_ci_low, effect_ci_high, effect_size_name, method : the paired
          change after − before on the pairs (:func:`paired_test`).
        - p_adjusted : p_value adjusted within family and group.
        - cs_estimate, cs_ci_low, cs_ci_high, cs_p_value, cs_method : after −
          before between everyone answering each wave (:func:`independent_test`).
        - note : why a value is missing ("" when complete).

    Notes
    -----
    Paired change: :math:`\\bar d = \\frac1{n_p}\\sum (y_{i,after} - y_{i,before})`
    over the :math:`n_p` pairs. Cross-sectional difference:
    :math:`\\bar y_{after} - \\bar y_{before}` over all respondents of each wave
    (these samples overlap in the panel members, so its p-value is
    conservative when answers correlate positively). FPC factor
    :math:`\\sqrt{(N-n)/(N-1)}` on the descriptive standard errors only. For a
    model that uses every answer at once, see :func:`change_model`.

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
        for outcome in outcomes:
            rows.append({"outcome": outcome, "group": level, "family": families[outcome]} | _compare_one(
                part, outcome, wave=wave, subject=subject, first=first, last=last, weights=weights,
                population=n_pop, codes=None if agree is None else agree.get(outcome),
                paired_method=paired_method, independent_method=independent_method, confidence=confidence,
            ))
    table = pd.DataFrame(rows)
    table["p_adjusted"] = np.nan
    for _, idx in table.groupby(["family", "group"], sort=False).groups.items():
        table.loc[idx, "p_adjusted"] = adjust_pvalues(table.loc[idx, "p_value"].to_numpy(dtype=float),
                                                      method=adjust)
    order = [c for c in table.columns if c not in ("p_adjusted", "note")]
    at = order.index("p_value") + 1
    return table[[*order[:at], "p_adjusted", *order[at:], "note"]]

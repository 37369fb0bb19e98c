"""Joint display: the survey's change per theme next to what the interviews say about it.

One row per theme (Guetterman, Fetters & Creswell 2015): the survey estimate with
its CI, the interview prevalence and tone with a quote, and a verdict from a fixed,
documented rule (:func:`joint_verdict`) that reads only columns shown in the table.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .qualitative import _group_order, _level_rows, _require, code_frequencies

__all__ = ["DIRECTIONS", "TONES", "VERDICTS", "joint_display", "joint_verdict"]

#: survey direction -> code used in ``verdict_reason``
DIRECTIONS = {"improved": "improved", "worsened": "worsened",
              "no clear change": "no-clear-change", "no meaningful change": "no-meaningful-change"}
#: interview tone -> code used in ``verdict_reason``
TONES = {"mostly positive": "positive", "mostly critical": "critical", "mixed": "mixed",
         "not evaluated": "not-evaluated"}
VERDICTS = ("confirms", "expands", "contradicts", "survey only", "interviews only")
_ASPECTS = {"strength": "positive", "opportunity": "positive", "limitation": "critical"}
_SURVEY_HINT = (" Build `survey` with one row per theme from change_model(...) or "
                "compare_waves(...) results (columns theme, outcome, estimate, ci_low, ci_high).")


def joint_verdict(direction, tone, prevalence, *, threshold=0.5):
    """How the interviews relate to the survey for one theme (the joint-display rule).

    Parameters
    ----------
    direction : str or None
        Survey direction, a key of :data:`DIRECTIONS`; None/NA = no survey result.
    tone : str or None
        Interview tone, a key of :data:`TONES`; None/NA when the theme is absent
        from the interviews (then `prevalence` is missing too).
    prevalence : float or None
        Share of interviews mentioning the theme (0–1); None/NA = not in the interviews.
    threshold : float, default 0.5
        Prevalence from which the interviews count as evidence on the theme.

    Returns
    -------
    tuple of str
        ``(verdict, reason)``: verdict one of :data:`VERDICTS`; reason
        ``"<direction code>+<interview code>"`` (e.g. ``"improved+positive"``).

    Notes
    -----
    Applied in this order:

    1. no survey result → "interviews only", reason ``no-survey+<tone>``;
    2. theme not in the interviews → "survey only", ``<direction>+not-in-interviews``;
    3. prevalence < `threshold` → "survey only", ``<direction>+rarely-mentioned``
       (too few interviews to confirm or contradict anything);
    4. survey improved: mostly positive → "confirms", mostly critical →
       "contradicts", mixed / not evaluated → "expands";
       survey worsened: mostly critical → "confirms", mostly positive →
       "contradicts", mixed / not evaluated → "expands";
    5. no clear change or no meaningful change → "expands" whatever the tone:
       without a direction there is nothing to confirm or contradict, and the
       interviews show what the survey could not.

    Examples
    --------
    >>> joint_verdict("improved", "mostly critical", 0.6)
    ('contradicts', 'improved+critical')
    """
    no_survey, no_interviews = bool(pd.isna(direction)), bool(pd.isna(prevalence))
    if not no_survey and direction not in DIRECTIONS:
        raise ValueError(f"`direction` must be one of {list(DIRECTIONS)} or None, got {direction!r}.")
    if not pd.isna(tone) and tone not in TONES:
        raise ValueError(f"`tone` must be one of {list(TONES)} or None, got {tone!r}.")
    if no_interviews != bool(pd.isna(tone)):
        raise ValueError(f"`tone` ({tone!r}) and `prevalence` ({prevalence!r}) must both be given "
                         "(theme in the interviews) or both be missing.")
    if not no_interviews and not 0 <= prevalence <= 1:
        raise ValueError(f"`prevalence` must lie in [0, 1], got {prevalence!r}.")
    if not 0 <= threshold <= 1:
        raise ValueError(f"`threshold` must lie in [0, 1], got {threshold!r}.")
    if no_survey and no_interviews:
        raise ValueError("the theme has neither a survey result nor interview data; drop it.")
    if no_survey:
        return "interviews only", f"no-survey+{TONES[tone]}"
    code = DIRECTIONS[direction]
    if no_interviews:
        return "survey only", f"{code}+not-in-interviews"
    if prevalence < threshold:
        return "survey only", f"{code}+rarely-mentioned"
    reason = f"{code}+{TONES[tone]}"
    if direction in ("improved", "worsened"):
        agree, oppose = (("mostly positive", "mostly critical") if direction == "improved"
                         else ("mostly critical", "mostly positive"))
        return {agree: "confirms", oppose: "contradicts"}.get(tone, "expands"), reason
    return "expands", reason


def _direction(low, high, smallest):
    if pd.isna(low) or pd.isna(high):
        return pd.NA
    if not pd.isna(smallest) and -smallest <= low and high <= smallest:
        return "no meaningful change"
    return "improved" if low > 0 else "worsened" if high < 0 else "no clear change"


def _tone(positive, critical):
    if positive > critical:
        return "mostly positive"
    if critical > positive:
        return "mostly critical"
    return "mixed" if positive > 0 else "not evaluated"


def _tone_counts(segments):
    """Per theme: aspect segments (positive, critical) co-coded with it (same row or overlapping span)."""
    data = segments.assign(_row=np.arange(len(segments)))
    data.attrs = {}  # apply_coding_frame's DataFrame attrs would break merge
    aspects = _level_rows(data, "aspect")
    stray = sorted(set(aspects["aspect"]) - set(_ASPECTS))
    if stray:
        raise ValueError(f"`segments` has aspects {stray}; joint_display reads only {list(_ASPECTS)}. "
                         "Map them to these in the coding frame.")
    key = ["document", "coder"] if "coder" in data.columns else ["document"]
    span = ["start", "end"] if {"start", "end"} <= set(data.columns) else []
    themes = _level_rows(data, "theme")[[*key, *span, "_row", "theme"]]
    pairs = aspects[[*key, *span, "_row", "aspect"]].merge(themes, on=key, suffixes=("", "_t"))
    linked = pairs["_row"] == pairs["_row_t"]
    if span:
        linked |= (pairs["start"] < pairs["end_t"]) & (pairs["start_t"] < pairs["end"])
    pairs = pairs[linked].drop_duplicates(["_row", "theme"])
    kind = pairs["aspect"].map(_ASPECTS)
    return pd.DataFrame({"positive": kind.eq("positive"), "critical": kind.eq("critical"),
                         "theme": pairs["theme"]}).groupby("theme").sum()


def _numeric(table, column):
    values = pd.to_numeric(table[column], errors="coerce")
    bad = table.loc[values.isna() & table[column].notna(), column]
    if len(bad):
        raise ValueError(f"`survey` column {column!r} has non-numeric values {bad.tolist()[:3]}.")
    return values.astype(float)


def joint_display(survey, segments, *, cases=None, quotes=None, smallest_change=None,
                  prevalence_threshold=0.5, survey_groups=None):
    """Joint display: survey change and interview findings side by side, one row per theme.

    Parameters
    ----------
    survey : pandas.DataFrame
        One row per theme: ``theme, outcome, estimate, ci_low, ci_high`` (change
        after − before on the outcome's own metric, oriented so that higher is
        better, e.g. from :func:`change_model` or :func:`compare_waves`), and
        optionally ``smallest_change`` (the smallest meaningful change per theme,
        same metric). Other columns are ignored.
    segments : pandas.DataFrame
        Coded segments from :func:`apply_coding_frame` (``document, case, group,
        theme, aspect``, plus ``coder, start, end``), one coder only: filter a
        double-coded subset first.
    cases : pandas.DataFrame, optional
        All interviewees (``case, group``), so that those without segments count in
        the denominators (see :func:`code_frequencies`).
    quotes : pandas.DataFrame, optional
        :func:`select_quotes` output (all candidate quotes), optionally with the
        passage's position in `segments` as columns ``document, start, end`` (from its
        ``attrs["references"]``; else read from ``document_ref``). Per row the first
        quote of the theme whose tone matches the row's interview tone is shown (see
        Notes); none when no quote matches.
    smallest_change : float, optional
        Smallest meaningful change (> 0), used where `survey` has no
        ``smallest_change`` value. None: no "no meaningful change" verdicts.
    prevalence_threshold : float, default 0.5
        Prevalence from which the interviews count as evidence on a theme.
    survey_groups : sequence of str, optional
        Stakeholder groups whose members belong to the population the survey measured
        (e.g. ``["resident"]``). Given, each theme gets up to two rows: ``perspective``
        ``"surveyed"`` (interviews of these groups only, compared with the survey) and
        ``"others"`` (the other groups' view, shown but not compared: its verdict is
        "interviews only"), so that residents' trust and staff's view of their own
        organisation are different rows. None: one row per theme over all groups
        (``perspective`` ``"all"``).

    Returns
    -------
    pandas.DataFrame
        Survey themes in `survey` order, then interview-only themes (with
        `survey_groups`: per theme the "surveyed" row, then the "others" row when other
        groups mention the theme):

        - theme, perspective ("all", "surveyed", "others"), perspective_groups (the
          stakeholder groups the row's interview columns count, ``"; "``-joined);
        - survey_outcome, survey_estimate, survey_ci_low, survey_ci_high,
          survey_smallest_change (NA when none);
        - survey_direction: "improved", "worsened", "no clear change", "no
          meaningful change" (NA without a survey result or CI);
        - interview_cases, interview_cases_total, interview_prevalence (all
          groups together), interview_groups (e.g. ``"resident 8/12;
          municipal_staff 4/5"``: groups mentioning the theme, highest
          prevalence first), interview_threshold (`prevalence_threshold`);
        - interview_positive, interview_critical: strength/opportunity and
          limitation segments co-coded with the theme; interview_tone:
          "mostly positive", "mostly critical", "mixed", "not evaluated";
        - interview_codes: the codes counted for the theme (``"; "``-joined; every code
          the coding frame maps to the theme, including way-of-working codes);
        - quote, quote_speaker, quote_ref, quote_tone (NA without a matching quote);
        - verdict, verdict_reason: :func:`joint_verdict` of survey_direction,
          interview_tone, interview_prevalence and interview_threshold.

        Interview columns are NA for a theme without any segment.

    Notes
    -----
    Direction: with :math:`m` the smallest change, a CI inside :math:`[-m, m]` is
    "no meaningful change" (checked first); otherwise ci_low > 0 is "improved",
    ci_high < 0 "worsened", else "no clear change". Tone: an aspect segment is
    co-coded with a theme when it is the same coded row or its span overlaps a
    theme segment (same document and coder, at least one shared character);
    positive > critical → "mostly positive", critical > positive → "mostly
    critical", equal and > 0 → "mixed", both 0 → "not evaluated". Verdict rule: see
    :func:`joint_verdict`. A quote's tone is found like a theme's: the aspect
    segments overlapping the quote's passage (``document_ref`` ``"<document>:<start>-<end>"``)
    give "positive", "critical", "mixed" or, without any, "not evaluated"; a row that is
    "mostly positive" shows a positive quote, "mostly critical" a critical one, any
    other row any quote of the theme. Interview tone concerns the area-based way of working
    around a theme, the survey the residents' outcome: the verdict is a prompt for
    interpretation, not a test.

    References
    ----------
    Guetterman, T. C., Fetters, M. D., & Creswell, J. W. (2015). Integrating
    quantitative and qualitative results in health science mixed methods research
    through joint displays. Annals of Family Medicine, 13(6), 554–561.

    Examples
    --------
    >>> survey = pd.DataFrame({"theme": ["cohesion"], "outcome": ["coh"], "estimate": [0.3],
    ...                        "ci_low": [0.1], "ci_high": [0.5]})
    >>> seg = pd.DataFrame({"document": ["d1", "d2"], "case": ["a", "b"], "coder": "A",
    ...                     "group": "resident", "theme": "cohesion",
    ...                     "aspect": ["strength", None], "start": 0, "end": 9})
    >>> row = joint_display(survey, seg).iloc[0]
    >>> row["survey_direction"], row["interview_groups"], row["verdict"], row["verdict_reason"]
    ('improved', 'resident 2/2', 'confirms', 'improved+positive')
    """
    _require(survey, ["theme", "outcome", "estimate", "ci_low", "ci_high"], name="survey",
             hint=_SURVEY_HINT)
    _require(segments, ["document", "case", "group", "theme", "aspect"],
             hint=" Pass the segments from apply_coding_frame(segments, frame=...), "
                  "not code_frequencies(...) output.")
    if survey["theme"].isna().any() or survey["theme"].duplicated().any():
        raise ValueError(f"`survey` needs one row per theme, got themes {survey['theme'].tolist()}; "
                         "keep one outcome (e.g. the theme's scale) per theme.")
    if smallest_change is not None and not smallest_change > 0:
        raise ValueError(f"`smallest_change` must be > 0, got {smallest_change!r}.")
    if not 0 <= prevalence_threshold <= 1:
        raise ValueError(f"`prevalence_threshold` must lie in [0, 1], got {prevalence_threshold!r}.")
    numbers = {c: _numeric(survey, c) for c in ("estimate", "ci_low", "ci_high")}
    smallest = (_numeric(survey, "smallest_change") if "smallest_change" in survey.columns
                else pd.Series(np.nan, index=survey.index))
    smallest = smallest.fillna(np.nan if smallest_change is None else float(smallest_change))
    if (numbers["ci_low"] > numbers["ci_high"]).any() or (smallest <= 0).any():
        raise ValueError("`survey` has rows with ci_low > ci_high or smallest_change <= 0; "
                         "check the interval columns.")

    if segments["theme"].isna().all():
        raise ValueError("no row of `segments` has a theme; check that the coding frame maps codes "
                         "to themes (apply_coding_frame) and that `segments` is not empty.")
    if quotes is not None:
        _require(quotes, ["theme", "speaker", "quote", "document_ref"], name="quotes",
                 hint=" Build it with select_quotes(segments, ...).")
        quotes = quotes.assign(_tone=_quote_tones(quotes, segments))
    if survey_groups is None:
        perspectives = [("all", segments, cases, True)]
    else:
        inside = set(map(str, survey_groups))
        chosen = segments["group"].astype(str).isin(inside)
        picked = None if cases is None else cases["group"].astype(str).isin(inside)
        perspectives = [
            ("surveyed", segments[chosen], None if cases is None else cases[picked], True),
            ("others", segments[~chosen], None if cases is None else cases[~picked], False),
        ]
    parts = []
    for perspective, part, part_cases, compared in perspectives:
        if part["theme"].isna().all():
            continue
        rows = _joint_rows(survey, numbers, smallest, part, part_cases, quotes, prevalence_threshold,
                           compared=compared)
        groups = (part_cases if part_cases is not None else part)["group"].astype(str)
        rows.insert(1, "perspective", perspective)
        rows.insert(2, "perspective_groups", "; ".join(_group_order(pd.Series(groups.unique()))))
        parts.append(rows)
    if not parts:
        raise ValueError("no stakeholder group of `segments` has a theme; check `survey_groups` and the coding frame.")
    out = pd.concat(parts, ignore_index=True)
    order = {t: i for i, t in enumerate(dict.fromkeys(
        [*survey["theme"].astype(str), *out["theme"]]))}
    out = out.assign(_t=out["theme"].map(order), _p=out["perspective"].map({"all": 0, "surveyed": 0, "others": 1}))
    return out.sort_values(["_t", "_p"], kind="stable").drop(columns=["_t", "_p"]).reset_index(drop=True)


def _joint_rows(survey, numbers, smallest, segments, cases, quotes, threshold, *, compared=True):
    """The joint display's rows for one set of interviewees (all, or one perspective)."""
    overall = code_frequencies(segments, level="theme", cases=cases).set_index("theme")
    by_group = code_frequencies(segments, by="group", level="theme", cases=cases)
    tone = _tone_counts(segments).reindex(overall.index, fill_value=0)
    order = {g: i for i, g in enumerate(_group_order(by_group["group"]))}
    mentioned = by_group[by_group["n_cases"] > 0].assign(_order=lambda d: d["group"].map(order))
    groups = {theme: "; ".join(f"{g} {n}/{t}" for g, n, t in zip(
                  part["group"], part["n_cases"], part["n_cases_total"]))
              for theme, part in mentioned.sort_values(["prevalence", "_order"],
                                                       ascending=[False, True]).groupby("theme")}
    codes = ({} if "code" not in segments.columns else
             segments.dropna(subset=["theme"]).groupby("theme")["code"].agg(
                 lambda c: "; ".join(sorted(set(map(str, c))))).to_dict())

    out = pd.DataFrame({"theme": survey["theme"].astype("str").tolist()
                        + sorted(set(overall.index) - set(survey["theme"]))})
    if not compared:  # another group's view: only the themes it mentions
        out = out[out["theme"].isin(set(overall.index[overall["n_cases"] > 0]))].reset_index(drop=True)
    idx = survey.set_index(survey["theme"].astype("str")).index
    for name, values in (("outcome", survey["outcome"]), *numbers.items(), ("smallest_change", smallest)):
        out[f"survey_{name}"] = out["theme"].map(pd.Series(values.to_numpy(), index=idx))
    if not compared:  # not the population the survey measured: its result is not theirs
        for name in ("outcome", *numbers, "smallest_change"):
            out[f"survey_{name}"] = np.nan
    out["survey_outcome"] = out["survey_outcome"].astype("str").where(out["survey_outcome"].notna())
    out["survey_direction"] = pd.Series(
        [_direction(lo, hi, m) for lo, hi, m in
         zip(out["survey_ci_low"], out["survey_ci_high"], out["survey_smallest_change"])], dtype="str")
    out["interview_cases"] = out["theme"].map(overall["n_cases"]).astype("Int64")
    out["interview_cases_total"] = out["theme"].map(overall["n_cases_total"]).astype("Int64")
    out["interview_prevalence"] = out["theme"].map(overall["prevalence"]).astype(float)
    out["interview_groups"] = out["theme"].map(groups).astype("str")
    out["interview_codes"] = out["theme"].map(codes).astype("str")
    out["interview_threshold"] = float(threshold)
    for kind in ("positive", "critical"):
        out[f"interview_{kind}"] = out["theme"].map(tone[kind]).astype("Int64")
    out["interview_tone"] = pd.Series(
        [pd.NA if pd.isna(p) else _tone(p, c)
         for p, c in zip(out["interview_positive"], out["interview_critical"])], dtype="str")

    picks = [_matching_quote(quotes, theme, tone_, segments["group"]) for theme, tone_ in
             zip(out["theme"], out["interview_tone"])]
    for column, source in (("quote", "quote"), ("quote_speaker", "speaker"), ("quote_ref", "document_ref"),
                           ("quote_tone", "_tone")):
        out[column] = pd.Series([None if q is None else q[source] for q in picks], dtype="str")

    verdicts = [joint_verdict(d, t, p, threshold=threshold) for d, t, p in
                zip(out["survey_direction"], out["interview_tone"], out["interview_prevalence"])]
    out["verdict"] = pd.Series([v for v, _ in verdicts], dtype="str")
    out["verdict_reason"] = pd.Series([r for _, r in verdicts], dtype="str")
    return out


#: a row's interview tone -> the quote tones that may illustrate it
_QUOTE_FITS = {"mostly positive": {"positive"}, "mostly critical": {"critical"}}


def _matching_quote(quotes, theme, tone, groups):
    """The first quote of `theme`, spoken by one of `groups`, whose tone fits the row's `tone` (or None)."""
    if quotes is None or quotes.empty:
        return None
    part = quotes[quotes["theme"].astype(str) == str(theme)]
    if "group" in part.columns:
        part = part[part["group"].astype(str).isin(set(groups.astype(str)))]
    fits = _QUOTE_FITS.get(tone)
    if fits is not None:
        part = part[part["_tone"].isin(fits)]
    return None if part.empty else part.iloc[0]


def _place(ref):
    """``"<document>:<start>-<end>"`` as (document, start, end); NaN positions when it cannot be read."""
    document, _, span = ref.rpartition(":")
    start, _, end = span.partition("-")
    try:
        return document, int(start), int(end)
    except ValueError:
        return document, np.nan, np.nan


def _quote_tones(quotes, segments):
    """Per quote: "positive", "critical", "mixed" or "not evaluated", from the aspect segments overlapping its
    passage (columns ``document, start, end``, else ``document_ref`` ``"<document>:<start>-<end>"``);
    "unknown" when the passage cannot be found."""
    aspects = _level_rows(segments.assign(_row=np.arange(len(segments))), "aspect")
    has_span = {"start", "end"} <= set(aspects.columns)
    documents = set(segments["document"].astype(str))
    tones = []
    if {"document", "start", "end"} <= set(quotes.columns):
        places = zip(quotes["document"].astype(str), quotes["start"], quotes["end"])
    else:
        places = (_place(ref) for ref in quotes["document_ref"].astype(str))
    for document, start, end in places:
        if pd.isna(start) or pd.isna(end):
            tones.append("unknown")
            continue
        if document not in documents:
            tones.append("unknown")
            continue
        same = aspects[aspects["document"].astype(str) == document]
        if same.empty or not has_span:
            tones.append("not evaluated")
            continue
        hit = same[(same["start"] < end) & (start < same["end"])]
        kind = hit["aspect"].map(_ASPECTS)
        positive, critical = int(kind.eq("positive").sum()), int(kind.eq("critical").sum())
        tones.append("positive" if positive > critical else "critical" if critical > positive
                     else "mixed" if positive else "not evaluated")
    return tones

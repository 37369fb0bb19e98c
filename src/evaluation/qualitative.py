"""Interview codings: coding frame, frequency and prevalence, matrices, co-occurrence, quotes.

All functions take the tidy **segments** table — one row per coded text segment with
columns ``document, case, group, code, start, end, text, coder`` (positions in
Unicode code points, end exclusive) — and return tidy tables. Run
:func:`apply_coding_frame` first to add ``theme``, ``aspect`` and ``approved``.

Counting conventions used throughout:

- a *segment* is a distinct ``(document, coder, start, end)`` span carrying the
  unit counted (a code, or a theme/aspect at the higher levels); exact duplicate
  rows, and two codes of the same theme on one span, count once;
- a *case* is an interviewee (``case``); prevalence is the share of cases with at
  least one segment;
- documents coded by two coders count twice: filter on ``coder`` first when a
  subset was double-coded for agreement.
"""
from __future__ import annotations

import warnings
from itertools import combinations

import numpy as np
import pandas as pd

from .privacy import pseudonymise, screen_quote

__all__ = [
    "GROUP_ORDER",
    "apply_coding_frame",
    "code_frequencies",
    "code_matrix",
    "code_matrix_segments",
    "cooccurrence",
    "framework_matrix",
    "select_quotes",
]

#: Order of stakeholder groups in tables; other groups follow alphabetically.
GROUP_ORDER = ("resident", "entrepreneur", "municipal_staff", "partner")
_LEVELS = ("code", "theme", "aspect")
_SPAN = ["document", "coder", "start", "end"]


def _require(table, columns, *, name="segments", hint=""):
    if not isinstance(table, pd.DataFrame):
        raise TypeError(f"`{name}` must be a pandas DataFrame, got {type(table).__name__}.")
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise ValueError(
            f"`{name}` lacks columns {missing} (it has {list(table.columns)}).{hint}")


def _as_list(value):
    return [] if value is None else ([value] if isinstance(value, str) else list(value))


def _choice(value, options, name):
    if value not in options:
        raise ValueError(f"`{name}` must be one of {options}, got {value!r}.")


def _group_order(values):
    """Stakeholder groups in reporting order (GROUP_ORDER first, then alphabetical)."""
    present = pd.unique(pd.Series(values).dropna())
    known = [g for g in GROUP_ORDER if g in set(present)]
    return known + sorted(set(present) - set(known))


def _level_rows(segments, level, keep=()):
    """Segments at `level`: rows with a missing unit dropped, duplicate spans merged."""
    hint = (" Run apply_coding_frame(segments, frame=...) first to add theme and aspect."
            if level != "code" else "")
    _require(segments, ["document", "case", level, *keep], hint=hint)
    data = segments[segments[level].notna()]
    key = [c for c in _SPAN if c in data.columns] + [level]
    if {"start", "end"} <= set(data.columns) and data[["start", "end"]].notna().all().all():
        data = data.drop_duplicates(subset=key)
    return data


# ---------------------------------------------------------------------------
# coding frame
# ---------------------------------------------------------------------------


def _approved_mask(segments, approved):
    """True where a segment lies within the union of approved spans of its document."""
    document = segments["document"].to_numpy()
    start = segments["start"].to_numpy(dtype=float, na_value=np.nan)
    end = segments["end"].to_numpy(dtype=float, na_value=np.nan)
    mask = np.zeros(len(segments), dtype=bool)
    for doc, marks in approved.dropna(subset=["start", "end"]).groupby("document"):
        merged = []
        for lo, hi in sorted(zip(marks["start"], marks["end"])):
            if merged and lo <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], hi)
            else:
                merged.append([lo, hi])
        for lo, hi in merged:
            mask |= (document == doc) & (start >= lo) & (end <= hi)
    return mask


def apply_coding_frame(segments, *, frame, interviewees=None, approved_code=None):
    """Attach themes, aspects, stakeholder groups and quote approval to coded segments.

    Parameters
    ----------
    segments : pandas.DataFrame
        Tidy segments (``document, case, code, start, end, text, coder``; ``group``
        optional).
    frame : pandas.DataFrame
        Coding frame with columns ``code, theme, aspect, meta`` (``labels``
        optional), as loaded from ``config/coding-frames/*.yml``.
        Rows with ``meta`` True are bookkeeping codes (e.g. "Citaat akkoord").
    interviewees : pandas.DataFrame, optional
        ``case, group`` per interviewee. When given it sets ``group``; otherwise the
        segments' own ``group`` column is kept.
    approved_code : str, optional
        Code marking passages approved for quoting. ``None`` = nothing approved.

    Returns
    -------
    pandas.DataFrame
        The content segments (rows coded with a meta code or `approved_code`
        removed) with added columns:

        - ``group``: stakeholder group; ``"unknown"`` where the case is not in
          `interviewees` (or the segment had no group);
        - ``theme``, ``aspect``: from the frame (NA when the code has none or is
          not in the frame);
        - ``approved`` (bool): the segment lies entirely within the union of spans
          coded `approved_code` in the same document.

        ``attrs["unmapped_codes"]``: DataFrame ``code, n_segments`` of content codes
        missing from the frame (kept, with NA theme and aspect);
        ``attrs["unknown_cases"]``: list of cases given group "unknown".

    Warns
    -----
    UserWarning
        Naming unmapped codes, unknown cases, and an `approved_code` that no segment
        carries.

    Notes
    -----
    Approval by containment, not mere overlap: a segment only partly inside an
    approved passage would quote text the interviewee did not approve. Segments
    without positions are never approved.

    Examples
    --------
    >>> frame = pd.DataFrame({"code": ["Energie", "Citaat akkoord"], "theme": ["energy", None],
    ...                       "aspect": [None, None], "meta": [False, True]})
    >>> seg = pd.DataFrame({"document": "d1", "case": "c1", "coder": "A",
    ...                     "code": ["Energie", "Citaat akkoord"], "start": [10, 0],
    ...                     "end": [20, 50], "text": ["...", "..."]})
    >>> people = pd.DataFrame({"case": ["c1"], "group": ["resident"]})
    >>> out = apply_coding_frame(seg, frame=frame, interviewees=people,
    ...                          approved_code="Citaat akkoord")
    >>> len(out), out["theme"].iloc[0], bool(out["approved"].iloc[0])
    (1, 'energy', True)
    """
    _require(segments, ["document", "case", "code", "start", "end"])
    _require(frame, ["code", "theme", "aspect", "meta"], name="frame")
    if frame["code"].duplicated().any():
        dupes = sorted(frame.loc[frame["code"].duplicated(), "code"].unique())
        raise ValueError(f"`frame` lists codes {dupes} more than once; keep one row per code.")
    meta_codes = set(frame.loc[frame["meta"].astype(bool), "code"])
    if approved_code is not None:
        meta_codes.add(approved_code)
    is_meta = segments["code"].isin(meta_codes)
    out = segments[~is_meta].copy()

    if approved_code is None:
        out["approved"] = False
    else:
        marks = segments[segments["code"] == approved_code]
        if marks.empty:
            warnings.warn(f"no segment is coded {approved_code!r}; no quote is approved.",
                          UserWarning, stacklevel=2)
        out["approved"] = _approved_mask(out, marks)

    if interviewees is not None:
        _require(interviewees, ["case", "group"], name="interviewees")
        table = interviewees[["case", "group"]].drop_duplicates()
        conflicts = table.loc[table["case"].duplicated(), "case"].tolist()
        if conflicts:
            raise ValueError(f"`interviewees` gives cases {conflicts} more than one group; "
                             "keep one group per case.")
        out["group"] = out["case"].map(dict(zip(table["case"], table["group"])))
    elif "group" not in out.columns:
        out["group"] = pd.Series(pd.NA, index=out.index, dtype="str")
    unknown = sorted(out.loc[out["group"].isna(), "case"].astype(str).unique())
    if unknown:
        warnings.warn(f"cases {unknown} have no stakeholder group; reported as 'unknown'.",
                      UserWarning, stacklevel=2)
    out["group"] = out["group"].astype("str").fillna("unknown")

    lookup = frame.set_index("code")
    out["theme"] = out["code"].map(lookup["theme"]).astype("str")
    out["aspect"] = out["code"].map(lookup["aspect"]).astype("str")
    unmapped = (out.loc[~out["code"].isin(lookup.index), "code"].value_counts()
                .rename_axis("code").reset_index(name="n_segments")
                .sort_values(["n_segments", "code"], ascending=[False, True], ignore_index=True))
    if len(unmapped):
        warnings.warn(
            f"codes not in the coding frame (kept without theme/aspect): {unmapped['code'].tolist()}; "
            "add them to the coding frame or to its meta_codes.", UserWarning, stacklevel=2)
    out.attrs["unmapped_codes"] = unmapped
    out.attrs["unknown_cases"] = unknown
    return out


# ---------------------------------------------------------------------------
# frequencies and matrices
# ---------------------------------------------------------------------------


def _population(segments, by, cases):
    """Cases per `by` group: those in `segments` plus those in the `cases` table."""
    cols = list(dict.fromkeys(["case", *by]))
    frames = [segments[cols]]
    if cases is not None:
        if not isinstance(cases, pd.DataFrame):
            cases = pd.DataFrame({"case": list(cases)})
        _require(cases, cols, name="cases")
        frames.append(cases[cols])
    return pd.concat(frames, ignore_index=True).drop_duplicates()


def code_frequencies(segments, *, by=None, level="code", cases=None):
    """Frequency (segments) and prevalence (cases, n of N) of each code, theme or aspect.

    Parameters
    ----------
    segments : pandas.DataFrame
        Tidy segments; ``theme``/``aspect`` needed for those levels.
    by : str or list of str, optional
        Grouping column(s), usually ``"group"`` (stakeholder group). ``None`` = all
        cases together.
    level : {"code", "theme", "aspect"}, default "code"
    cases : pandas.DataFrame or list-like, optional
        All interviewees (``case`` plus the `by` columns), so that cases with no
        segment at all count in the denominator. Cases found only in `segments` are
        counted too.

    Returns
    -------
    pandas.DataFrame
        One row per unit (× group), including zero counts:
        `level` (the code/theme/aspect), the `by` columns, ``n_segments``
        (frequency), ``n_cases`` (cases with ≥ 1 segment), ``n_cases_total``
        (cases in that group) and ``prevalence`` = n_cases / n_cases_total.

    Notes
    -----
    Segments with a missing unit (e.g. a code without theme at level "theme") are
    not counted but their cases stay in the denominator. Report prevalence as
    "n of N"; percentages only for large groups.

    References
    ----------
    Kuckartz, U. & Rädiker, S. (2019). *Analyzing Qualitative Data with MAXQDA*.
    Springer, ch. 12 (frequencies of codes and of documents with a code).

    Examples
    --------
    >>> seg = pd.DataFrame({"document": ["d1", "d1", "d2"], "case": ["a", "a", "b"],
    ...                     "group": "resident", "code": ["X", "X", "Y"],
    ...                     "start": [0, 10, 0], "end": [5, 15, 5]})
    >>> f = code_frequencies(seg)
    >>> f.set_index("code").loc["X", ["n_segments", "n_cases", "n_cases_total"]].tolist()
    [2, 1, 2]
    """
    _choice(level, _LEVELS, "level")
    by = _as_list(by)
    data = _level_rows(segments, level, keep=by)
    population = _population(segments, by, cases)
    keys = [level, *by]
    counts = data.groupby(keys, dropna=False).agg(n_segments=("case", "size"),
                                                  n_cases=("case", "nunique"))
    units = pd.DataFrame({level: sorted(data[level].unique())})
    if by:
        totals = (population.groupby(by, dropna=False)["case"].nunique()
                  .rename("n_cases_total").reset_index())
        grid = units.merge(totals, how="cross")
    else:
        grid = units.assign(n_cases_total=population["case"].nunique())
    counts = counts.reset_index()
    for key in keys:  # an empty level (e.g. a frame without themes) must still merge with the grid
        grid[key], counts[key] = grid[key].astype(object), counts[key].astype(object)
    out = grid.merge(counts, on=keys, how="left")
    out[["n_segments", "n_cases"]] = out[["n_segments", "n_cases"]].fillna(0).astype(int)
    out["prevalence"] = out["n_cases"] / out["n_cases_total"]
    if "group" in by:
        order = {g: i for i, g in enumerate(_group_order(out["group"]))}
        out = out.sort_values([level, "group"], key=lambda s: s.map(order) if s.name == "group" else s)
    return out[[*keys, "n_segments", "n_cases", "n_cases_total", "prevalence"]].reset_index(drop=True)


_MATRIX_VALUES = {"cases": "n_cases", "segments": "n_segments", "prevalence": "prevalence"}


def code_matrix(segments, *, rows="code", columns="group", value="cases", cases=None):
    """Wide code × group (or × case/document) matrix, like MAXQDA's Code Matrix Browser.

    Parameters
    ----------
    segments : pandas.DataFrame
        Tidy segments.
    rows : {"code", "theme", "aspect"}, default "code"
    columns : str, default "group"
        Column whose values become the matrix columns: ``"group"``, ``"case"``,
        ``"document"`` …
    value : {"cases", "segments", "prevalence"}, default "cases"
        Number of cases with the unit, number of segments, or cases / cases in
        the column (see :func:`code_frequencies`).
    cases : pandas.DataFrame, optional
        Interviewee table (``case`` and `columns`) for complete denominators.

    Returns
    -------
    pandas.DataFrame
        Index = units (`rows`), columns = values of `columns` (groups in reporting
        order), cells = `value`. Each cell is traced back to its segments with
        :func:`code_matrix_segments` (same `rows`/`columns`, the cell's row and
        column labels).

    Notes
    -----
    ``prevalence[u, g] = n_cases[u, g] / n_cases_total[g]``, computed by
    :func:`code_frequencies` with ``by=columns, level=rows``.

    Examples
    --------
    >>> seg = pd.DataFrame({"document": ["d1", "d2", "d3"], "case": ["a", "b", "c"],
    ...                     "group": ["resident", "resident", "partner"],
    ...                     "code": ["X", "X", "X"], "start": 0, "end": 5})
    >>> m = code_matrix(seg, value="prevalence")
    >>> list(m.columns), m.loc["X"].tolist()
    (['resident', 'partner'], [1.0, 1.0])
    """
    _choice(value, tuple(_MATRIX_VALUES), "value")
    if columns == rows:
        raise ValueError(f"`rows` and `columns` are both {rows!r}; pick two different columns.")
    long = code_frequencies(segments, by=columns, level=rows, cases=cases)
    wide = long.pivot(index=rows, columns=columns, values=_MATRIX_VALUES[value])
    if columns == "group":
        wide = wide[_group_order(long["group"])]
    wide.columns.name = columns
    return wide


def code_matrix_segments(segments, *, row, column, rows="code", columns="group"):
    """The segments behind one cell of :func:`code_matrix` (the cell's "retrieval").

    Parameters
    ----------
    segments : pandas.DataFrame
        The same segments passed to :func:`code_matrix`.
    row, column : str
        The cell's row label (a code/theme/aspect) and column label (e.g. a group).
    rows, columns : str
        As passed to :func:`code_matrix`.

    Returns
    -------
    pandas.DataFrame
        The cell's segments (duplicate spans merged as in the counts), sorted by
        ``document, start``, with every column of `segments`. Its length equals the
        cell's ``segments`` value and its number of distinct cases the ``cases``
        value.

    Examples
    --------
    >>> seg = pd.DataFrame({"document": ["d1", "d2"], "case": ["a", "b"], "group": "partner",
    ...                     "code": ["X", "Y"], "start": [0, 4], "end": [5, 9]})
    >>> code_matrix_segments(seg, row="X", column="partner")["document"].tolist()
    ['d1']
    """
    data = _level_rows(segments, rows, keep=[columns])
    cell = data[(data[rows] == row) & (data[columns] == column)]
    return cell.sort_values(["document", "start"]).reset_index(drop=True)


# ---------------------------------------------------------------------------
# co-occurrence
# ---------------------------------------------------------------------------


def _components(n_a, n_b, linked):
    """Connected components of a bipartite graph (a-nodes 0..n_a-1, b-nodes after)."""
    parent = list(range(n_a + n_b))

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for i, j in zip(*np.nonzero(linked)):
        parent[find(int(i))] = find(n_a + int(j))
    return [find(x) for x in range(n_a + n_b)]


def _span_counts(spans_a, spans_b, max_gap):
    """(n_a, n_b, n_ab) in units formed by linking a- and b-segments with gap <= max_gap."""
    if len(spans_a) == 0 or len(spans_b) == 0:
        return len(spans_a), len(spans_b), 0
    gap = (np.maximum(spans_a[:, None, 0], spans_b[None, :, 0])
           - np.minimum(spans_a[:, None, 1], spans_b[None, :, 1]))
    root = _components(len(spans_a), len(spans_b), gap <= max_gap)
    units_a, units_b = set(root[: len(spans_a)]), set(root[len(spans_a):])
    return len(units_a), len(units_b), len(units_a & units_b)


def cooccurrence(segments, *, scope="overlap", k=None, level="code", distortion_ratio=5.0):
    """Co-occurrence of every pair of codes (or themes), with c-coefficient and conditional share.

    Parameters
    ----------
    segments : pandas.DataFrame
        Tidy segments (``theme`` needed for level "theme").
    scope : {"overlap", "proximity", "document", "case"}, default "overlap"
        What counts as co-occurring (see Notes).
    k : int, optional
        Maximum distance in characters for scope "proximity" (required there).
    level : {"code", "theme"}, default "code"
    distortion_ratio : float, default 5
        Flag pairs whose frequencies differ by more than this factor.

    Returns
    -------
    pandas.DataFrame
        One row per unordered pair present in the data (``code_a < code_b``; at
        level "theme" these hold themes): ``code_a, code_b, n_a, n_b, n_ab``,
        ``c_coefficient`` = n_ab / (n_a + n_b − n_ab) (Jaccard; NaN when both are 0),
        ``conditional`` = n_ab / min(n_a, n_b) (NaN when 0/0),
        ``distorted`` (bool) = max(n_a, n_b) / min(n_a, n_b) > `distortion_ratio`
        with both > 0: the c-coefficient is then bounded by min/max and looks small
        even when every occurrence of the rarer unit co-occurs — read
        ``conditional`` instead.

    Notes
    -----
    *Units* for scope "document"/"case": each document/case; n_a = units where a
    occurs, n_ab = units where both occur.

    Scope "overlap"/"proximity": for each pair (a, b) and within one document and
    one coder, a-segments and b-segments are linked when their spans overlap
    (share at least one character; touching spans ``[0, 5)`` and ``[5, 9)`` do not)
    or, for proximity, when the gap between them is at most `k` characters
    (``max(start_a, start_b) − min(end_a, end_b) <= k``; overlaps have a negative
    gap). The units are the connected groups of linked segments, formed with only
    a- and b-segments (a third code never links them). n_a = units containing a,
    n_b = units containing b, n_ab = units containing both, so n_ab ≤ min(n_a, n_b)
    and the c-coefficient is an exact Jaccard index. In the usual case where no
    segment links to two segments of the other code, n_a and n_b are the numbers of
    segments and n_ab the number of a-segments overlapping (near) a b-segment;
    when one a-segment overlaps two b-segments, those two count as one b-unit.

    References
    ----------
    Friese, S. (2019). *Qualitative Data Analysis with ATLAS.ti* (3rd ed.). Sage —
    c-coefficient and its distortion with unequal frequencies.

    Examples
    --------
    >>> seg = pd.DataFrame({"document": "d1", "case": "a", "coder": "A",
    ...                     "code": ["X", "Y", "X"], "start": [0, 3, 20], "end": [10, 8, 30]})
    >>> r = cooccurrence(seg).iloc[0]
    >>> [int(r[c]) for c in ("n_a", "n_b", "n_ab")], round(float(r["c_coefficient"]), 3)
    ([2, 1, 1], 0.5)
    """
    _choice(scope, ("overlap", "proximity", "document", "case"), "scope")
    _choice(level, ("code", "theme"), "level")
    if scope == "proximity":
        if k is None or isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 0:
            raise ValueError(f"scope='proximity' needs `k`, a non-negative number of characters; got {k!r}.")
    elif k is not None:
        raise ValueError(f"`k` is only used with scope='proximity' (scope is {scope!r}); drop it.")
    data = _level_rows(segments, level)
    units = sorted(data[level].unique())
    rows = []
    if scope in ("document", "case"):
        present = {u: set(g[scope]) for u, g in data.groupby(level)}
        for a, b in combinations(units, 2):
            rows.append((a, b, len(present[a]), len(present[b]), len(present[a] & present[b])))
    else:
        _require(data, ["start", "end"])
        if data[["start", "end"]].isna().any().any():
            raise ValueError("some segments have no start/end positions; use scope='document' "
                             "or 'case' for exports without positions.")
        max_gap = -1 if scope == "overlap" else int(k)
        within = ["document", "coder"] if "coder" in data.columns else ["document"]
        spans = {key: {u: g[["start", "end"]].to_numpy(dtype=float) for u, g in part.groupby(level)}
                 for key, part in data.groupby(within, dropna=False)}
        empty = np.empty((0, 2))
        for a, b in combinations(units, 2):
            totals = np.zeros(3, dtype=int)
            for per_unit in spans.values():
                totals += _span_counts(per_unit.get(a, empty), per_unit.get(b, empty), max_gap)
            rows.append((a, b, *totals.tolist()))
    out = pd.DataFrame(rows, columns=["code_a", "code_b", "n_a", "n_b", "n_ab"])
    for col in ("n_a", "n_b", "n_ab"):
        out[col] = out[col].astype(int)
    low, high = np.minimum(out["n_a"], out["n_b"]), np.maximum(out["n_a"], out["n_b"])
    union = out["n_a"] + out["n_b"] - out["n_ab"]
    out["c_coefficient"] = out["n_ab"] / union.where(union > 0)
    out["conditional"] = out["n_ab"] / low.where(low > 0)
    out["distorted"] = (low > 0) & (high > distortion_ratio * low)
    return out


# ---------------------------------------------------------------------------
# framework matrix and quotes
# ---------------------------------------------------------------------------


def _reference(frame):
    return (frame["document"].astype(str) + ":" + frame["start"].astype("Int64").astype(str)
            + "-" + frame["end"].astype("Int64").astype(str))


def framework_matrix(segments, *, rows="case", columns="theme", max_refs=3, cases=None):
    """Framework-method chart: cases (grouped by stakeholder group) × themes, with references.

    Parameters
    ----------
    segments : pandas.DataFrame
        Tidy segments with ``group`` (and ``theme`` for the default columns).
    rows : str, default "case"
        Row unit (``"case"`` or ``"document"``).
    columns : {"theme", "code", "aspect"}, default "theme"
    max_refs : int, default 3
        Segment references listed per cell; the rest are summarised as "+n".
    cases : pandas.DataFrame, optional
        Interviewees (``case, group``) so cases without segments get an empty row
        (only with ``rows="case"``).

    Returns
    -------
    pandas.DataFrame
        Index (``group``, `rows`), cases ordered by group (:data:`GROUP_ORDER`) then
        name; one column per unit; cells ``"n: doc:start-end; doc:start-end; +m"``
        (n segments, the first `max_refs` references in text order), ``""`` when
        empty. ``attrs["counts"]`` holds the segment counts (same shape, int).
        References name raw documents: a working chart for the analysts, not for
        publication.

    References
    ----------
    Gale, N. K. et al. (2013). Using the framework method for the analysis of
    qualitative data in multi-disciplinary health research. *BMC Medical Research
    Methodology*, 13, 117.

    Examples
    --------
    >>> seg = pd.DataFrame({"document": "d1", "case": "a", "group": "resident",
    ...                     "code": "X", "theme": "energy", "start": [0, 40], "end": [9, 60]})
    >>> framework_matrix(seg).loc[("resident", "a"), "energy"]
    '2: d1:0-9; d1:40-60'
    """
    _choice(columns, _LEVELS, "columns")
    if isinstance(max_refs, bool) or not isinstance(max_refs, (int, np.integer)) or max_refs < 0:
        raise ValueError(f"`max_refs` must be a non-negative integer, got {max_refs!r}.")
    data = _level_rows(segments, columns, keep=["group", rows, "start", "end"])
    data = data.sort_values(["document", "start", "end"])
    members = data[["group", rows]]
    if cases is not None and rows == "case":
        _require(cases, ["case", "group"], name="cases")
        members = pd.concat([members, cases[["group", "case"]]])
    members = members.drop_duplicates()
    order = {g: i for i, g in enumerate(_group_order(members["group"]))}
    members = members.sort_values(["group", rows],
                                  key=lambda s: s.map(order) if s.name == "group" else s)
    index = pd.MultiIndex.from_frame(members)
    units = sorted(data[columns].unique())
    counts = pd.DataFrame(0, index=index, columns=units)
    cells = pd.DataFrame("", index=index, columns=units)
    data = data.assign(ref=_reference(data))
    for (group, row, unit), part in data.groupby(["group", rows, columns]):
        refs = part["ref"].tolist()
        more = f"; +{len(refs) - max_refs}" if len(refs) > max_refs else ""
        counts.loc[(group, row), unit] = len(refs)
        cells.loc[(group, row), unit] = f"{len(refs)}: " + "; ".join(refs[:max_refs]) + more
    cells.columns.name = counts.columns.name = columns
    cells.attrs["counts"] = counts
    return cells


def _shorten(text, max_chars):
    text = " ".join(text.split())
    if len(text) <= max_chars:
        return text
    cut = text[: max_chars - 1]
    cut = cut[: cut.rfind(" ")] if " " in cut else cut
    return cut.rstrip(" ,;:") + "…"


def select_quotes(segments, *, theme=None, group=None, n=1, max_chars=400, names=(),
                  streets=(), key=None, seed=None):
    """Pick approved, screened quotes per theme and stakeholder group.

    Parameters
    ----------
    segments : pandas.DataFrame
        Segments from :func:`apply_coding_frame` (needs ``approved``, ``theme``,
        ``group``, ``text``).
    theme, group : str or list of str, optional
        Restrict to these themes / groups.
    n : int, default 1
        Quotes per (theme, group).
    max_chars : int, default 400
        Longer quotes are avoided when shorter ones exist, else cut at a word
        boundary and ended with "…".
    names, streets : iterable of str
        Person and street names passed to :func:`evaluation.privacy.screen_quote`.
    key : str or bytes, optional
        Pseudonym key. With a key the speaker is ``"<group> I-<hmac>"`` and the
        reference ``"D-<hmac>:start-end"`` (:func:`evaluation.privacy.pseudonymise`,
        stable across reports); without one, speakers and interviews are numbered
        in order of appearance ("resident 1", "interview 1:120-260").
    seed : int, optional
        Random seed for choosing among eligible quotes.

    Returns
    -------
    pandas.DataFrame
        ``theme, group, speaker, quote, document_ref`` — no raw case or document
        names. ``attrs["references"]``: ``document, start, end`` per quote (same
        order), for the analyst; ``attrs["screened_out"]``: ``document, start, end,
        theme, group, reasons`` of approved segments dropped by the screening.

    Notes
    -----
    Only approved segments are quoted. A quote that :func:`screen_quote` flags is
    dropped, not redacted: a redacted quote still shows its context, and consent
    was given for the passage as spoken.

    Examples
    --------
    >>> seg = pd.DataFrame({"document": "d1", "case": "Fatima", "group": "resident",
    ...                     "theme": "cohesion", "approved": [True, True],
    ...                     "text": ["We kennen elkaar nu.", "Mevrouw Jansen hielp."],
    ...                     "start": [0, 30], "end": [20, 51]})
    >>> q = select_quotes(seg, n=2)
    >>> q["quote"].tolist(), q["speaker"].tolist()
    (['We kennen elkaar nu.'], ['resident 1'])
    """
    _require(segments, ["approved"],
             hint=" Run apply_coding_frame(segments, frame=..., approved_code=...) first: "
                  "only segments approved for quoting can be quoted.")
    _require(segments, ["document", "case", "group", "theme", "start", "end", "text"])
    for name, value in (("n", n), ("max_chars", max_chars)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"`{name}` must be a positive integer, got {value!r}.")
    data = segments[segments["approved"].astype(bool) & segments["theme"].notna()
                    & segments["text"].fillna("").str.strip().ne("")]
    for column, wanted in (("theme", theme), ("group", group)):
        if wanted is not None:
            data = data[data[column].isin(_as_list(wanted))]
    data = data.drop_duplicates(subset=["document", "start", "end", "theme"])
    checks = [screen_quote(t, names=names, streets=streets) for t in data["text"]]
    ok = np.array([bool(c["ok"]) for c in checks], dtype=bool)
    screened_out = data.loc[~ok, ["document", "start", "end", "theme", "group"]].assign(
        reasons=[c["reasons"] for c in checks if not c["ok"]])
    data = data[ok]

    rng = np.random.default_rng(seed)
    data = data.assign(_random=rng.random(len(data)), _long=data["text"].str.len() > max_chars)
    order = {g: i for i, g in enumerate(_group_order(data["group"]))}
    chosen = (data.sort_values(["_long", "_random"]).groupby(["theme", "group"]).head(n)
              .sort_values(["theme", "group", "_long", "_random"],
                           key=lambda s: s.map(order) if s.name == "group" else s))
    if key is not None:
        speaker_id = dict(zip(chosen["case"], pseudonymise(chosen["case"], key=key, prefix="I")))
        document_id = dict(zip(chosen["document"],
                               pseudonymise(chosen["document"], key=key, prefix="D")))
    else:
        speaker_id = {c: str(i + 1) for i, c in enumerate(pd.unique(chosen["case"]))}
        document_id = {d: f"interview {i + 1}" for i, d in enumerate(pd.unique(chosen["document"]))}
    out = pd.DataFrame({
        "theme": chosen["theme"].astype("str").to_numpy(),
        "group": chosen["group"].astype("str").to_numpy(),
        "speaker": (chosen["group"].astype(str) + " " + chosen["case"].map(speaker_id)).to_numpy(),
        "quote": [_shorten(t, max_chars) for t in chosen["text"]],
        "document_ref": (chosen["document"].map(document_id) + ":"
                         + _reference(chosen).str.rsplit(":", n=1).str[1]).to_numpy(),
    })
    out.attrs["references"] = chosen[["document", "start", "end"]].reset_index(drop=True)
    out.attrs["screened_out"] = screened_out.reset_index(drop=True)
    return out

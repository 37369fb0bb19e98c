"""Figures for the learning report: one accessible style, tidy data in, the Axes out.

Every function takes a tidy DataFrame and ``ax=None`` (a new figure when omitted) and
returns the Axes, so figures compose. Texts shown on the figure (axis labels, titles,
legend titles) are passed in by the caller in the report language; category values are
shown as they are in the data (translate them before plotting). ``decimal=","`` writes
numbers with a decimal comma for the Dutch edition.

Estimates are always drawn with their interval; a missing interval is an error, not a
silently bare point.
"""
from __future__ import annotations

import textwrap
from collections.abc import Sequence
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib import ticker
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.patches import Rectangle
from matplotlib.transforms import offset_copy

__all__ = [
    "OKABE_ITO",
    "plot_change",
    "plot_forest",
    "plot_heatmap",
    "plot_likert",
    "plot_response",
    "plot_share_heatmap",
    "save_figure",
    "set_report_style",
]

#: Okabe & Ito (2008) colour-blind-safe palette, ordered for contrast on white (yellow last).
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000", "#F0E442")
#: Marker per series, so series differ in shape as well as colour (greyscale print).
MARKERS = ("o", "s", "D", "^", "v", "P")
SUPPRESSED_FILL = "#E0E0E0"
NEUTRAL_FILL = "#BDBDBD"
SAVE_FORMATS = ("png", "svg", "pdf")
#: Width in inches of the text block of an A4 portrait page (21 cm minus 2 × 2.5 cm margins).
A4_WIDTH = 6.3
#: Smallest font size (points) to which heatmap column labels shrink before words are broken.
MIN_FONTSIZE = 7.0


def set_report_style(*, font_scale: float = 1.1) -> None:
    """Apply the report's figure style to matplotlib and seaborn.

    Parameters
    ----------
    font_scale : float, default 1.1
        Multiplier on seaborn's "notebook" font sizes (1.1 gives 12 pt axis labels).

    Returns
    -------
    None

    Notes
    -----
    White grid background, the Okabe–Ito colour-blind-safe palette (:data:`OKABE_ITO`),
    DejaVu Sans (shipped with matplotlib, so output is the same on every machine),
    constrained layout so long labels fit, no top/right spines, PNG at 150 dpi, and SVG
    text kept as text (``svg.fonttype = "none"``) so screen readers and search find it.

    References
    ----------
    Okabe, M. & Ito, K. (2008). Color Universal Design (CUD): how to make figures and
    presentations that are friendly to colorblind people. https://jfly.uni-koeln.de/color/

    Examples
    --------
    >>> set_report_style()
    >>> import matplotlib as mpl
    >>> from matplotlib.colors import to_hex
    >>> mpl.rcParams["svg.fonttype"], to_hex(mpl.rcParams["axes.prop_cycle"].by_key()["color"][0])
    ('none', '#0072b2')
    """
    sns.set_theme(
        context="notebook",
        style="whitegrid",
        palette=list(OKABE_ITO),
        font="DejaVu Sans",
        font_scale=font_scale,
        rc={
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.titleweight": "bold",
            "figure.constrained_layout.use": True,
            "legend.frameon": False,
            "savefig.dpi": 150,
            "svg.fonttype": "none",
            "hatch.color": "#9E9E9E",
        },
    )


def plot_change(
    results: pd.DataFrame,
    *,
    outcome_col: str = "outcome",
    wave_col: str = "wave_label",
    estimate_col: str = "mean",
    ci_low_col: str = "ci_low",
    ci_high_col: str = "ci_high",
    outcome_order: Sequence | None = None,
    wave_order: Sequence | None = None,
    reference: float | None = None,
    xlabel: str | None = None,
    ylabel: str | None = None,
    title: str | None = None,
    legend_title: str | None = None,
    decimal: str = ".",
    ax: Axes | None = None,
) -> Axes:
    """Dot-and-interval plot: each outcome's estimate per wave with its confidence interval.

    Parameters
    ----------
    results : DataFrame
        Long table, one row per outcome and wave, with columns `outcome_col` (scale or
        item label), `wave_col` (wave label), `estimate_col` (e.g. mean or % agree) and
        `ci_low_col`, `ci_high_col` (interval bounds). A row whose estimate is NaN
        (suppressed) is not drawn.
    outcome_col, wave_col, estimate_col, ci_low_col, ci_high_col : str
        Column names, defaults ``outcome, wave_label, mean, ci_low, ci_high``.
    outcome_order, wave_order : sequence, optional
        Display order (outcomes top to bottom). Default: category order for
        categoricals, else order of first appearance.
    reference : float, optional
        Draw a dashed vertical line here (e.g. the scale midpoint 3).
    xlabel, ylabel, title, legend_title : str, optional
        Texts in the report language.
    decimal : {".", ","}
        Decimal mark for the x tick labels.
    ax : matplotlib Axes, optional
        Draw here; default a new figure sized to the number of outcomes.

    Returns
    -------
    matplotlib.axes.Axes
        One error-bar series per wave (``ax.containers``), outcomes on the y axis.

    Notes
    -----
    Waves are dodged vertically around each outcome and differ in colour and marker.
    A row with an estimate but a missing interval raises instead of drawing a bare point.

    Examples
    --------
    >>> res = pd.DataFrame({"outcome": ["cohesion", "cohesion", "trust", "trust"],
    ...                     "wave_label": ["before", "after"] * 2, "mean": [3.1, 3.4, 2.9, 3.0],
    ...                     "ci_low": [2.9, 3.2, 2.7, 2.8], "ci_high": [3.3, 3.6, 3.1, 3.2]})
    >>> ax = plot_change(res, xlabel="Mean score (1-5)")
    >>> [t.get_text() for t in ax.get_yticklabels()], len(ax.containers)
    (['cohesion', 'trust'], 2)
    >>> plt.close(ax.figure)
    """
    data = _frame(results, "results", [outcome_col, wave_col, estimate_col, ci_low_col, ci_high_col])
    _check_decimal(decimal)
    for column in (estimate_col, ci_low_col, ci_high_col):
        _numeric(data, column, "results")
    outcomes = _order(data[outcome_col], outcome_order, "outcome_order")
    waves = _order(data[wave_col], wave_order, "wave_order")
    _unique_rows(data, [outcome_col, wave_col], "results")
    shown = data[data[estimate_col].notna()]
    no_interval = shown[shown[[ci_low_col, ci_high_col]].isna().any(axis=1)]
    if len(no_interval):
        first = no_interval.iloc[0]
        raise ValueError(
            f"`results` has an estimate without an interval for {outcome_col}={first[outcome_col]!r}, "
            f"{wave_col}={first[wave_col]!r}; fill `{ci_low_col}`/`{ci_high_col}` or set the estimate "
            "to NaN to leave it out."
        )
    outside = shown[(shown[ci_low_col] > shown[estimate_col]) | (shown[estimate_col] > shown[ci_high_col])]
    if len(outside):
        first = outside.iloc[0]
        raise ValueError(
            f"`results` row {outcome_col}={first[outcome_col]!r}, {wave_col}={first[wave_col]!r} has "
            f"{estimate_col}={first[estimate_col]} outside [{first[ci_low_col]}, {first[ci_high_col]}]; "
            "check that the interval columns belong to this estimate."
        )
    ax = _axes(ax, rows=len(outcomes))
    position = {outcome: i for i, outcome in enumerate(outcomes)}
    step = min(0.25, 0.7 / max(len(waves), 1))
    for j, wave in enumerate(waves):
        part = shown[shown[wave_col] == wave]
        y = part[outcome_col].map(position).to_numpy(float) + (j - (len(waves) - 1) / 2) * step
        est = part[estimate_col].to_numpy(float)
        ax.errorbar(
            est,
            y,
            xerr=[est - part[ci_low_col].to_numpy(float), part[ci_high_col].to_numpy(float) - est],
            fmt=MARKERS[j % len(MARKERS)],
            color=OKABE_ITO[j % len(OKABE_ITO)],
            markersize=7,
            elinewidth=2,
            capsize=3,
            label=str(wave),
        )
    if reference is not None:
        ax.axvline(reference, color="#616161", linestyle="--", linewidth=1, zorder=0)
    ax.set_yticks(range(len(outcomes)), labels=[str(o) for o in outcomes])
    ax.set_ylim(len(outcomes) - 0.5, -0.5)
    ax.grid(axis="y", visible=False)
    _decimal_ticks(ax.xaxis, decimal)
    ax.legend(title=legend_title, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    return _texts(ax, xlabel=xlabel, ylabel=ylabel, title=title)


def plot_likert(
    counts: pd.DataFrame,
    *,
    item_col: str = "item",
    category_col: str = "category",
    value_col: str = "n",
    label_col: str | None = None,
    group_col: str | None = None,
    categories: Sequence | None = None,
    category_labels: dict | None = None,
    neutral="auto",
    item_order: Sequence | None = None,
    group_order: Sequence | None = None,
    show_n: bool = True,
    n_position: str = "right",
    wrap: int | None = 45,
    fontsize: float = 9.0,
    limit: float | None = None,
    width: float = A4_WIDTH,
    xlabel: str | None = None,
    title: str | None = None,
    legend_title: str | None = None,
    decimal: str = ".",
    ax: Axes | None = None,
) -> Axes:
    """Diverging stacked bars: the answer distribution of Likert items around a neutral centre.

    Parameters
    ----------
    counts : DataFrame
        Long table, one row per item and answer category, columns `item_col`,
        `category_col` and `value_col` (counts, or shares — each item is rescaled to 100 %),
        optionally `label_col` (the statement text, one per item) and `group_col` (e.g. the
        scale). Categories absent for an item count as 0.
    item_col, category_col, value_col : str
        Column names, defaults ``item, category, n``.
    label_col : str, optional
        Column with the text shown as the row label, e.g. ``"text"`` (the statement in the
        report language). Default: the item ids themselves.
    group_col : str, optional
        Column grouping the items (e.g. the scale label): each group gets a bold heading
        row and its items below it.
    categories : sequence, optional
        Answer categories from most negative to most positive, e.g. ``[1, 2, 3, 4, 5]``.
        Any number, odd or even. Default: category order for a categorical column, else
        sorted values.
    category_labels : dict, optional
        Category -> legend text in the report language (e.g. ``{1: "helemaal oneens"}``).
    neutral : "auto", category or None
        Category split in half around 0. "auto" takes the middle category when there is
        an odd number of categories, and none when even.
    item_order, group_order : sequence, optional
        Items (groups) top to bottom; default order of first appearance (or category order).
    show_n : bool, default True
        Show each item's total of `value_col` as "n = …". Turn off when `value_col` holds
        shares.
    n_position : {"right", "label"}, default "right"
        "right": on the right of the bars (a secondary y axis); "label": appended to the
        row label as "(n = …)".
    wrap : int or None, default 45
        Wrap row labels at this many characters (None: no wrapping).
    fontsize : float, default 9
        Size in points of the row labels, ticks and legend (the figure is printed at
        actual size on A4).
    limit : float, optional
        Half-width of the x axis in %; default the widest side rounded up to 25 (at least 50).
    width : float, default 6.3
        Figure width in inches for a new figure (A4 portrait text width); the height grows
        with the number of label lines.
    xlabel, title, legend_title : str, optional
        Texts in the report language (the x axis shows absolute percentages).
    decimal : {".", ","}
        Decimal mark for tick labels.
    ax : matplotlib Axes, optional
        Draw here; default a new figure (constrained layout) sized to the items.

    Returns
    -------
    matplotlib.axes.Axes
        One bar per item and category (``ax.patches``, category by category), negative
        categories left of 0, positive right, the neutral bar centred on 0. The legend is
        a figure legend below the axes (``ax.figure.legends``) when the figure holds only
        this plot, else an axes legend below the x label.

    Notes
    -----
    For item *i* with percentages p_1..p_K and neutral category m, bars are stacked
    from x = −(Σ_{k<m} p_k + p_m / 2) to x = Σ_{k>m} p_k + p_m / 2. A stacked bar shows a
    distribution, not an estimate; its precision is conveyed by the n per item (report
    "% agree" with its confidence interval in the change figure or table).

    Texts from the data (statements, category and group labels) are shown literally: a
    ``$`` is escaped so that it never starts mathtext.

    References
    ----------
    Robbins, N. B. & Heiberger, R. M. (2011). Plotting Likert and other rating scales.
    Proceedings of the Joint Statistical Meetings, 1058–1066.

    Examples
    --------
    >>> counts = pd.DataFrame({"item": ["coh1"] * 5, "category": [1, 2, 3, 4, 5],
    ...                        "n": [5, 10, 20, 40, 25],
    ...                        "text": ["I feel at home in this neighbourhood"] * 5})
    >>> ax = plot_likert(counts, label_col="text")
    >>> round(float(ax.patches[0].get_x()), 1), len(ax.patches)
    (-25.0, 5)
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['I feel at home in this neighbourhood']
    >>> plt.close(ax.figure)
    """
    required = [item_col, category_col, value_col] + [c for c in (label_col, group_col) if c is not None]
    data = _frame(counts, "counts", required)
    _check_decimal(decimal)
    _numeric(data, value_col, "counts")
    if n_position not in ("right", "label"):
        raise ValueError(f"`n_position` is {n_position!r}; pass 'right' or 'label'.")
    if (data[value_col] < 0).any():
        raise ValueError(f"`counts` column {value_col!r} has negative values; pass counts or shares >= 0.")
    cats = list(categories) if categories is not None else _order(data[category_col], None, "categories", sort=True)
    unknown = sorted(set(data[category_col].dropna()) - set(cats), key=str)
    if unknown:
        raise ValueError(
            f"`counts` column {category_col!r} has categories {unknown} not in `categories` {cats}; "
            "list every answer category from most negative to most positive."
        )
    if neutral == "auto":
        neutral = cats[len(cats) // 2] if len(cats) % 2 else None
    elif neutral is not None and neutral not in cats:
        raise ValueError(f"`neutral` is {neutral!r} but the categories are {cats}; pass one of them or None.")
    items = _order(data[item_col], item_order, "item_order")
    labels_of = _one_per_item(data, item_col, label_col, "label_col") if label_col else {i: i for i in items}
    group_of = _one_per_item(data, item_col, group_col, "group_col") if group_col else None
    if group_of is not None:
        groups = _order(data[group_col], group_order, "group_order")
        items = [i for g in groups for i in items if group_of.get(i) == g]
    table = (
        data.pivot_table(index=item_col, columns=category_col, values=value_col, aggfunc="sum", observed=False)
        .reindex(index=items, columns=cats)
        .fillna(0.0)
    )
    totals = table.sum(axis=1)
    if (totals <= 0).any():
        raise ValueError(f"`counts` has no answers for items {list(totals.index[totals <= 0])}; drop them.")
    shares = table.div(totals, axis=0) * 100
    centre = cats.index(neutral) if neutral is not None else len(cats) / 2 - 0.5
    below = [c for i, c in enumerate(cats) if i < centre]
    start = -shares[below].sum(axis=1) - (shares[neutral] / 2 if neutral is not None else 0.0)

    # rows: optional group headings, then items; y in inches so bars keep one thickness
    line = fontsize * 1.25 / 72
    bar = 0.24
    rows = []  # (kind, key, text)
    for item in items:
        if group_of is not None and (not rows or rows[-1][0] == "item") and (
            not rows or group_of[rows[-1][1]] != group_of[item]
        ):
            rows.append(("group", group_of[item], _wrap(group_of[item], wrap)))
        text = str(labels_of[item])
        if show_n and n_position == "label":  # no-break spaces keep "(n = 12)" on one line
            text += f" (n\u00a0=\u00a0{_number(totals[item], decimal)})"
        text = _wrap(text, wrap)
        rows.append(("item", item, text))
    # a heading sits just above its first item, with the extra space above it
    pitch = [(text.count("\n") + 1) * line + (0.22 if kind == "group" and i else 0.04) if kind == "group"
             else max(bar + 0.12, (text.count("\n") + 1) * line + 0.12) for i, (kind, _, text) in enumerate(rows)]
    edges = np.concatenate([[0.0], np.cumsum(pitch)])
    centres = np.array([e - (text.count("\n") + 1) * line / 2 if kind == "group" else (b + e) / 2
                        for (kind, _, text), b, e in zip(rows, edges[:-1], edges[1:])])
    y = np.array([c for c, (kind, _, _) in zip(centres, rows) if kind == "item"])
    height = float(edges[-1])

    own = ax is None
    if own:
        fig = plt.figure(figsize=(width, height + 1.6), layout="constrained")
        ax = fig.add_subplot()
    elif not isinstance(ax, Axes):
        raise TypeError(f"`ax` must be a matplotlib Axes or None, not {type(ax).__name__}.")
    fig = ax.figure

    colours = _diverging_colours(cats, neutral)
    names = category_labels or {}
    left = start.to_numpy(float)
    for category, colour in zip(cats, colours):
        widths = shares[category].to_numpy(float)
        ax.barh(y, widths, left=left, height=bar, color=colour, edgecolor="white", linewidth=0.6,
                label=_plain(str(names.get(category, category))))
        left = left + widths
    ax.axvline(0, color="#424242", linewidth=1)
    ax.set_yticks(centres, labels=[_plain(text) for _, _, text in rows])
    for (kind, _, _), tick in zip(rows, ax.get_yticklabels()):
        tick.set_fontsize(fontsize)
        if kind == "group":
            tick.set_fontweight("bold")
    ax.tick_params(axis="y", length=0)
    ax.set_ylim(height, 0)
    ax.grid(axis="y", visible=False)
    if show_n and n_position == "right":
        right = ax.secondary_yaxis("right")
        right.set_yticks(y, labels=[f"n = {_number(totals[item], decimal)}" for item in items])
        right.tick_params(axis="y", length=0, labelsize=fontsize - 0.5, labelcolor="#424242")
        right.spines["right"].set_visible(False)

    reach = max(float(-start.min()), float((start + 100).max()), 50.0)
    lim = float(limit) if limit is not None else float(np.ceil(reach / 25 - 1e-9) * 25)
    ax.set_xlim(-lim, lim)
    step = 25 if lim <= 75 else 50
    ax.xaxis.set_major_locator(ticker.FixedLocator(np.arange(-lim, lim + step / 2, step)))
    ax.xaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: _number(round(abs(v), 10), decimal)))
    ax.tick_params(axis="x", labelsize=fontsize)
    _texts(ax, xlabel=xlabel, ylabel=None, title=title)
    if xlabel is not None:
        ax.xaxis.label.set_fontsize(fontsize + 1)

    handles = list(ax.containers)
    legend_labels = [str(names.get(c, c)) for c in cats]
    _bottom_legend(fig, ax, handles, legend_labels, title=legend_title, fontsize=fontsize)
    if own:
        _grow_to_fit(fig, ax, height)
    return ax


def plot_share_heatmap(
    data: pd.DataFrame,
    *,
    row_col: str = "code",
    group_col: str = "group",
    count_col: str = "n_cases",
    total_col: str = "n_cases_total",
    row_order: Sequence | None = None,
    group_order: Sequence | None = None,
    annot: str = "share",
    suppressed_label: str = "–",
    wrap: int | None = 32,
    fontsize: float = 8.5,
    cmap: str = "Blues",
    width: float = A4_WIDTH,
    xlabel: str | None = None,
    ylabel: str | None = None,
    title: str | None = None,
    cbar_label: str | None = None,
    decimal: str = ".",
    ax: Axes | None = None,
) -> Axes:
    """Heatmap of shares within groups: per code, the % of each group's interviewees mentioning it.

    Parameters
    ----------
    data : DataFrame
        Long table, one row per code and group (as from ``code_frequencies(..., by="group")``):
        `row_col` (code label), `group_col` (group label), `count_col` (interviewees in the
        group mentioning the code; NaN = suppressed) and `total_col` (interviewees in the
        group, the same on every row of a group and never NaN).
    row_col, group_col, count_col, total_col : str
        Column names, defaults ``code, group, n_cases, n_cases_total``.
    row_order, group_order : sequence, optional
        Codes top to bottom, groups left to right; default category order, else first
        appearance.
    annot : {"share", "count", "both", "none"}, default "share"
        Cell text: "42%", "5/12", both on two lines, or nothing.
    suppressed_label : str, default "–"
        Text in suppressed cells (drawn grey and hatched, never coloured).
    wrap : int or None, default 32
        Wrap code labels at this many characters.
    fontsize : float, default 8.5
        Size in points of labels and cell texts; column labels shrink (down to 7 pt) and
        wrap to fit their column.
    cmap : str, default "Blues"
        Sequential colour map; the scale is fixed at 0–100 %.
    width : float, default 6.3
        Figure width in inches for a new figure (A4 portrait text width).
    xlabel, ylabel, title, cbar_label : str, optional
        Texts in the report language (e.g. ``cbar_label="% of the group's interviewees"``).
    decimal : {".", ","}
        Decimal mark (counts and shares are whole numbers, so only for safety).
    ax : matplotlib Axes, optional
        Draw here; default a new figure (constrained layout) sized to the matrix.

    Returns
    -------
    matplotlib.axes.Axes
        Cells at integer positions (column j, row i) as in seaborn's ``heatmap``, coloured
        by share (0–100); column labels on top read "group (n = N)"; one hatched
        :class:`~matplotlib.patches.Rectangle` per suppressed cell; a horizontal colour bar
        below.

    Notes
    -----
    share[c, g] = 100 × count[c, g] / total[g]. Colouring shares rather than counts keeps
    groups of 3 and of 12 interviewees comparable; the count stays available with
    ``annot="both"`` (report small groups as "n of N").

    Examples
    --------
    >>> freq = pd.DataFrame({"code": ["trust", "trust", "cohesion", "cohesion"],
    ...                      "group": ["residents", "partners"] * 2,
    ...                      "n_cases": [6, 2, float("nan"), 4], "n_cases_total": [12, 4, 12, 4]})
    >>> ax = plot_share_heatmap(freq, annot="both")
    >>> sorted(t.get_text() for t in ax.texts)
    ['100%\\n4/4', '50%\\n2/4', '50%\\n6/12', '–']
    >>> [t.get_text() for t in ax.get_xticklabels()]
    ['residents\\n(n = 12)', 'partners\\n(n = 4)']
    >>> plt.close(ax.figure)
    """
    frame = _frame(data, "data", [row_col, group_col, count_col, total_col])
    _check_decimal(decimal)
    for column in (count_col, total_col):
        _numeric(frame, column, "data")
    if annot not in ("share", "count", "both", "none"):
        raise ValueError(f"`annot` is {annot!r}; pass 'share', 'count', 'both' or 'none'.")
    _unique_rows(frame, [row_col, group_col], "data")
    if frame[total_col].isna().any() or (frame[total_col] <= 0).any():
        raise ValueError(f"`data` column {total_col!r} must be a positive number of interviewees in every row.")
    per_group = frame.groupby(group_col, observed=True, sort=False)[total_col].nunique()
    if (per_group > 1).any():
        raise ValueError(
            f"`data` has different {total_col!r} within group(s) {list(per_group.index[per_group > 1])}; "
            "pass the number of interviewees per group, the same on each of its rows."
        )
    too_many = frame[frame[count_col] > frame[total_col]]
    if len(too_many):
        first = too_many.iloc[0]
        raise ValueError(
            f"`data` has {count_col}={first[count_col]} above {total_col}={first[total_col]} for "
            f"{row_col}={first[row_col]!r}, {group_col}={first[group_col]!r}."
        )
    rows = _order(frame[row_col], row_order, "row_order")
    groups = _order(frame[group_col], group_order, "group_order")
    totals = frame.groupby(group_col, observed=True, sort=False)[total_col].first().reindex(groups)
    if totals.isna().any():
        raise ValueError(f"`group_order` has groups without rows in `data`: {list(totals.index[totals.isna()])}.")
    counts = frame.pivot_table(index=row_col, columns=group_col, values=count_col, aggfunc="first",
                               observed=True, dropna=False).reindex(index=rows, columns=groups)
    present = frame.assign(_one=1).pivot_table(index=row_col, columns=group_col, values="_one", aggfunc="sum",
                                               observed=True).reindex(index=rows, columns=groups)
    counts = counts.where(present.notna(), 0.0)  # a code never mentioned in a group: 0, not suppressed
    share = counts.div(totals, axis=1) * 100
    values = share.to_numpy(float)
    n = counts.to_numpy(float)

    def cell(v, k, total):
        pct, frac = f"{v:.0f}%", f"{k:.0f}/{total:.0f}"
        return {"share": pct, "count": frac, "both": f"{pct}\n{frac}", "none": ""}[annot]

    texts = [[("" if np.isnan(values[i, j]) else cell(values[i, j], n[i, j], totals.iloc[j]))
              for j in range(len(groups))] for i in range(len(rows))]
    col_labels = [(str(g), f"(n = {_number(t, decimal)})") for g, t in zip(groups, totals)]
    return _draw_heatmap(
        values, texts, [str(r) for r in rows], col_labels, annot=annot != "none", cmap=cmap, vmin=0, vmax=100,
        suppressed_label=suppressed_label, wrap=wrap, fontsize=fontsize, width=width, cbar_label=cbar_label,
        cbar_ticks=[0, 25, 50, 75, 100], annot_lines=2 if annot == "both" else 1, xlabel=xlabel, ylabel=ylabel,
        title=title, ax=ax,
    )


def plot_heatmap(
    matrix: pd.DataFrame,
    *,
    annot: bool = True,
    fmt: str | None = None,
    cmap: str = "Blues",
    vmin: float | None = None,
    vmax: float | None = None,
    suppressed_label: str = "–",
    wrap: int | None = 32,
    fontsize: float = 8.5,
    width: float = A4_WIDTH,
    xlabel: str | None = None,
    ylabel: str | None = None,
    title: str | None = None,
    cbar_label: str | None = None,
    decimal: str = ".",
    ax: Axes | None = None,
) -> Axes:
    """Heatmap of a wide matrix (co-occurrence, or any rows × columns), suppressed cells marked.

    For code × group tables use :func:`plot_share_heatmap`, which colours shares within
    groups instead of raw counts.

    Parameters
    ----------
    matrix : DataFrame
        Numeric, index = rows (e.g. codes), columns = columns (e.g. groups), as returned
        by ``code_matrix`` or a pivoted ``cooccurrence``. NaN means suppressed (too small
        to publish): drawn grey and hatched with `suppressed_label`, never coloured.
    annot : bool, default True
        Write each value in its cell.
    fmt : str, optional
        Format for the values, e.g. ``"{:.0f}"`` or ``"{:.0%}"``. Default: whole numbers
        when every value is whole, else two decimals.
    cmap : str, default "Blues"
        A sequential (perceptually uniform, colour-blind-safe) colour map.
    vmin, vmax : float, optional
        Colour scale limits; default the observed range.
    suppressed_label : str, default "–"
        Text in suppressed cells.
    wrap : int or None, default 32
        Wrap row labels at this many characters; column labels are horizontal, shrunk
        (down to 7 pt) and wrapped to fit their column.
    fontsize : float, default 8.5
        Size in points of labels and cell values.
    width : float, default 6.3
        Figure width in inches for a new figure (A4 portrait text width).
    xlabel, ylabel, title, cbar_label : str, optional
        Texts in the report language.
    decimal : {".", ","}
        Decimal mark in the cell values.
    ax : matplotlib Axes, optional
        Draw here; default a new figure sized to the matrix.

    Returns
    -------
    matplotlib.axes.Axes
        Cells at integer positions (column j, row i) as in seaborn's ``heatmap``; column
        labels on top; one hatched :class:`~matplotlib.patches.Rectangle` per suppressed
        cell; a horizontal colour bar below.

    Examples
    --------
    >>> m = pd.DataFrame({"resident": [5, float("nan")], "partner": [2, 4]},
    ...                  index=["trust", "cohesion"])
    >>> ax = plot_heatmap(m, cbar_label="interviews")
    >>> sorted(t.get_text() for t in ax.texts)
    ['2', '4', '5', '–']
    >>> plt.close(ax.figure)
    """
    if not isinstance(matrix, pd.DataFrame):
        raise TypeError(f"`matrix` must be a pandas DataFrame (rows × columns), not {type(matrix).__name__}.")
    _check_decimal(decimal)
    if matrix.empty:
        raise ValueError("`matrix` is empty; pass a table with at least one row and one column.")
    not_numeric = [c for c in matrix.columns if not pd.api.types.is_numeric_dtype(matrix[c])]
    if not_numeric:
        raise TypeError(f"`matrix` columns {not_numeric} are not numeric; pass counts or proportions (NaN = suppressed).")
    values = matrix.to_numpy(float)
    mask = np.isnan(values)
    if mask.all():
        raise ValueError("Every cell of `matrix` is NaN (suppressed); there is nothing to show.")
    if fmt is None:
        fmt = "{:.0f}" if np.allclose(values[~mask], np.round(values[~mask])) else "{:.2f}"
    texts = [["" if np.isnan(v) else fmt.format(v).replace(".", decimal) for v in row] for row in values]
    return _draw_heatmap(
        values, texts, [str(r) for r in matrix.index], [(str(c), None) for c in matrix.columns], annot=annot,
        cmap=cmap, vmin=vmin, vmax=vmax, suppressed_label=suppressed_label, wrap=wrap, fontsize=fontsize,
        width=width, cbar_label=cbar_label, cbar_ticks=None, annot_lines=1, xlabel=xlabel, ylabel=ylabel,
        title=title, ax=ax,
    )


def _draw_heatmap(values, texts, row_labels, col_labels, *, annot, cmap, vmin, vmax, suppressed_label, wrap,
                  fontsize, width, cbar_label, cbar_ticks, annot_lines, xlabel, ylabel, title, ax) -> Axes:
    """Shared heatmap drawing: rows wrapped, columns fitted horizontally on top, colour bar below."""
    mask = np.isnan(values)
    n_rows, n_cols = values.shape
    row_text = [_wrap(r, wrap) for r in row_labels]
    line = fontsize * 1.2 / 72
    lines = max(max(t.count("\n") + 1 for t in row_text), annot_lines)
    pitch = max(0.26, lines * line + 0.06)
    own = ax is None
    if own:
        fig = plt.figure(figsize=(width, n_rows * pitch + 2.2), layout="constrained")
        ax = fig.add_subplot()
    elif not isinstance(ax, Axes):
        raise TypeError(f"`ax` must be a matplotlib Axes or None, not {type(ax).__name__}.")
    fig = ax.figure
    cbar_kws = {"orientation": "horizontal", "location": "bottom", "shrink": 0.6, "aspect": 40, "pad": 0.02}
    if cbar_label:
        cbar_kws["label"] = cbar_label
    if cbar_ticks is not None:
        cbar_kws["ticks"] = cbar_ticks
    sns.heatmap(
        np.ma.masked_invalid(values),
        mask=mask,
        annot=np.array([[_plain(t) for t in row] for row in texts], dtype=object) if annot else False,
        fmt="",
        annot_kws={"fontsize": fontsize},
        cmap=cmap,
        vmin=vmin,
        vmax=vmax,
        linewidths=1,
        linecolor="white",
        xticklabels=False,
        yticklabels=False,
        cbar_kws=cbar_kws,
        ax=ax,
    )
    colorbar = ax.collections[0].colorbar
    if colorbar is not None:
        colorbar.ax.tick_params(labelsize=fontsize)
        colorbar.ax.xaxis.label.set_fontsize(fontsize + 0.5)
        colorbar.outline.set_visible(False)
    for i, j in zip(*np.nonzero(mask)):
        ax.add_patch(Rectangle((j, i), 1, 1, facecolor=SUPPRESSED_FILL, edgecolor="white", hatch="///", linewidth=1))
        ax.text(j + 0.5, i + 0.5, _plain(suppressed_label), ha="center", va="center", color="#424242",
                fontsize=fontsize)
    ax.set_yticks(np.arange(n_rows) + 0.5, labels=[_plain(t) for t in row_text])
    ax.tick_params(axis="y", labelrotation=0, labelsize=fontsize, length=0)
    ax.xaxis.tick_top()
    ax.xaxis.set_label_position("top")
    ax.set_xticks(np.arange(n_cols) + 0.5, labels=[""] * n_cols)
    ax.tick_params(axis="x", labelrotation=0, length=0)
    _texts(ax, xlabel=xlabel, ylabel=ylabel, title=title)
    _fit_column_labels(fig, ax, col_labels, fontsize)
    if own:
        _grow_to_fit(fig, ax, n_rows * pitch)
    return ax


def plot_response(
    table: pd.DataFrame,
    *,
    group_col: str = "group",
    wave_col: str = "wave",
    count_col: str = "households",
    population_col: str = "population",
    group_order: Sequence | None = None,
    wave_order: Sequence | None = None,
    xlabel: str | None = None,
    ylabel: str | None = None,
    title: str | None = None,
    legend_title: str | None = None,
    decimal: str = ".",
    ax: Axes | None = None,
) -> Axes:
    """Response rate per group and wave as bars, each labelled with its count out of the population.

    Parameters
    ----------
    table : DataFrame
        One row per wave and group (e.g. tenure type, plus "total"), with the number
        responding (`count_col`) and the group's population (`population_col`), as
        returned by ``response_table``. A NaN count (suppressed) gives no bar.
    group_col, wave_col, count_col, population_col : str
        Column names, defaults ``group, wave, households, population``.
    group_order, wave_order : sequence, optional
        Display order; default category order, else order of first appearance.
    xlabel, ylabel, title, legend_title : str, optional
        Texts in the report language (the y axis shows percentages).
    decimal : {".", ","}
        Decimal mark for tick labels.
    ax : matplotlib Axes, optional
        Draw here; default a new figure.

    Returns
    -------
    matplotlib.axes.Axes
        One bar container per wave (``ax.containers``), bar heights = response rate in %,
        bar labels "count/population".

    Notes
    -----
    Response rate = 100 × count / population. The population is known (every home in the
    area is invited), so the rate is a count, not an estimate: it has no sampling interval,
    and the counts are shown instead.

    Examples
    --------
    >>> tab = pd.DataFrame({"wave": ["before", "before", "after", "after"],
    ...                     "group": ["owner", "renter"] * 2, "households": [30, 20, 25, 12],
    ...                     "population": [60, 80, 60, 80]})
    >>> ax = plot_response(tab)
    >>> [round(float(p.get_height()), 1) for p in ax.containers[0]], ax.texts[0].get_text()
    ([50.0, 25.0], '30/60')
    >>> plt.close(ax.figure)
    """
    data = _frame(table, "table", [group_col, wave_col, count_col, population_col])
    _check_decimal(decimal)
    for column in (count_col, population_col):
        _numeric(data, column, "table")
    _unique_rows(data, [group_col, wave_col], "table")
    if (data[population_col] <= 0).any() or data[population_col].isna().any():
        raise ValueError(f"`table` column {population_col!r} must be a positive count in every row.")
    too_many = data[data[count_col] > data[population_col]]
    if len(too_many):
        first = too_many.iloc[0]
        raise ValueError(
            f"`table` has {count_col}={first[count_col]} above {population_col}={first[population_col]} "
            f"for {group_col}={first[group_col]!r}, {wave_col}={first[wave_col]!r}; count households "
            "(not people) or fix the population."
        )
    groups = _order(data[group_col], group_order, "group_order")
    waves = _order(data[wave_col], wave_order, "wave_order")
    ax = _axes(ax, rows=None)
    width = 0.8 / len(waves)
    x = np.arange(len(groups))
    for j, wave in enumerate(waves):
        part = data[data[wave_col] == wave].set_index(group_col).reindex(groups)
        rate = 100 * part[count_col] / part[population_col]
        bars = ax.bar(x + (j - (len(waves) - 1) / 2) * width, rate.fillna(0).to_numpy(float), width,
                      color=OKABE_ITO[j % len(OKABE_ITO)], label=str(wave))
        labels = [
            "" if pd.isna(n) else f"{_number(n, decimal)}/{_number(pop, decimal)}"
            for n, pop in zip(part[count_col], part[population_col])
        ]
        ax.bar_label(bars, labels=labels, padding=2, fontsize="small")
    ax.set_xticks(x, labels=[textwrap.fill(str(g), 14) for g in groups])
    ax.set_ylim(0, 100)
    ax.grid(axis="x", visible=False)
    _decimal_ticks(ax.yaxis, decimal)
    ax.legend(title=legend_title, loc="upper right")
    return _texts(ax, xlabel=xlabel, ylabel=ylabel, title=title)


def plot_forest(
    data: pd.DataFrame,
    *,
    label_col: str = "label",
    group_col: str = "group",
    estimate_col: str = "estimate",
    low_col: str = "ci_low",
    high_col: str = "ci_high",
    pooled_col: str = "pooled",
    pi_low_col: str | None = "pi_low",
    pi_high_col: str | None = "pi_high",
    xlabel: str | None = None,
    title: str | None = None,
    decimal: str = ".",
    wrap: int = 34,
    ax: Axes | None = None,
) -> Axes:
    """Forest plot: per group (e.g. a measure) each row's estimate with its interval, the pooled one as a diamond.

    Parameters
    ----------
    data : DataFrame
        One row per group and label (e.g. measure × site), plus one row per group with
        ``pooled`` True (the pooled estimate). Estimates need both interval limits; a row
        whose estimate is NaN is listed without a mark (e.g. a site that did not measure it).
    label_col, group_col, estimate_col, low_col, high_col, pooled_col : str
        Column names.
    pi_low_col, pi_high_col : str or None
        Prediction interval of the pooled rows, drawn as a thin line through the diamond
        (NaN or None: not drawn).
    xlabel, title : str, optional
        Texts in the report language.
    decimal : {".", ","}
        Decimal mark of the tick labels.
    wrap : int, default 34
        Characters per line of the row labels.
    ax : matplotlib Axes, optional
        Draw here; default a new figure sized to the rows (A4 text width).

    Returns
    -------
    matplotlib.axes.Axes
        Row labels on the y axis (group headers in bold), a vertical line at 0.

    Examples
    --------
    >>> d = pd.DataFrame({"group": ["trust"] * 3, "label": ["A", "B", "Pooled"],
    ...                   "estimate": [0.2, 0.5, 0.35], "ci_low": [0.0, 0.3, 0.1], "ci_high": [0.4, 0.7, 0.6],
    ...                   "pooled": [False, False, True], "pi_low": [None, None, -0.2], "pi_high": [None, None, 0.9]})
    >>> ax = plot_forest(d)
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['trust', 'A', 'B', 'Pooled']
    >>> plt.close(ax.figure)
    """
    data = _frame(data, "data", [label_col, group_col, estimate_col, low_col, high_col, pooled_col])
    _check_decimal(decimal)
    for column in (estimate_col, low_col, high_col):
        _numeric(data, column, "data")
    shown = data[data[estimate_col].notna()]
    if (shown[low_col].isna() | shown[high_col].isna()).any():
        bad = shown[shown[low_col].isna() | shown[high_col].isna()].iloc[0]
        raise ValueError(f"`data` row {bad[group_col]!r} / {bad[label_col]!r} has an estimate without both "
                         "interval limits; pass the interval (or NaN as the estimate).")
    groups = _order(data[group_col], None, "group")
    rows = []  # (label, kind, row or None)
    for group in groups:
        part = data[data[group_col] == group]
        rows.append((group, "header", None))
        rows += [(r[label_col], "row", r) for _, r in part[~part[pooled_col].astype(bool)].iterrows()]
        rows += [(r[label_col], "pooled", r) for _, r in part[part[pooled_col].astype(bool)].iterrows()]
    if ax is None:
        fig, ax = plt.subplots(figsize=(A4_WIDTH, min(1.2 + 0.28 * len(rows), 22.0)))
    y = np.arange(len(rows))[::-1]
    for (label, kind, r), yy in zip(rows, y):
        if r is None or pd.isna(r[estimate_col]):
            continue
        est, lo, hi = float(r[estimate_col]), float(r[low_col]), float(r[high_col])
        if kind == "pooled":
            if pi_low_col and pi_high_col and pi_low_col in r and pd.notna(r[pi_low_col]) and pd.notna(r[pi_high_col]):
                ax.plot([r[pi_low_col], r[pi_high_col]], [yy, yy], color=OKABE_ITO[0], lw=1, zorder=2)
            ax.fill([lo, est, hi, est], [yy, yy + 0.3, yy, yy - 0.3], color=OKABE_ITO[0], zorder=3)
        else:
            ax.plot([lo, hi], [yy, yy], color="#333333", lw=1.4, zorder=2)
            ax.plot([est], [yy], marker="s", color="#333333", ms=5, zorder=3)
    ax.axvline(0, color="#777777", lw=0.8, ls="--", zorder=1)
    ax.set_yticks(y, labels=[_plain(_wrap(label, wrap)) for label, _, _ in rows])
    for tick, (_, kind, _) in zip(ax.get_yticklabels(), rows):
        if kind == "header":
            tick.set_fontweight("bold")
        elif kind == "pooled":
            tick.set_fontstyle("italic")
    ax.set_ylim(-0.7, len(rows) - 0.3)
    ax.grid(axis="y", visible=False)
    _decimal_ticks(ax.xaxis, decimal)
    return _texts(ax, xlabel=xlabel, ylabel=None, title=title)


def save_figure(
    fig: Figure,
    *,
    stem: str,
    out_dir: str | Path,
    formats: Sequence[str] = ("png", "svg"),
    dpi: int = 150,
) -> list[Path]:
    """Write a figure as PNG (for the report and Word) and SVG (scalable, text kept as text).

    Parameters
    ----------
    fig : matplotlib Figure
        The figure, e.g. ``ax.figure``.
    stem : str
        File name without extension, e.g. ``"change-per-theme"``.
    out_dir : path-like
        Folder (created when missing), usually ``reports/<study>/figures``.
    formats : sequence of {"png", "svg", "pdf"}, default ("png", "svg")
        Formats to write, in this order.
    dpi : int, default 150
        Resolution of the PNG.

    Returns
    -------
    list of pathlib.Path
        The files written, one per format.

    Notes
    -----
    SVG text stays text (``svg.fonttype = "none"``), and SVG/PDF carry no creation date
    and SVG ids are seeded with `stem`, so rebuilding an unchanged figure gives identical
    files.

    Examples
    --------
    >>> import tempfile
    >>> fig, ax = plt.subplots()
    >>> paths = save_figure(fig, stem="example", out_dir=tempfile.mkdtemp())
    >>> [p.name for p in paths]
    ['example.png', 'example.svg']
    >>> plt.close(fig)
    """
    if not isinstance(fig, Figure):
        hint = " (pass ax.figure)" if isinstance(fig, Axes) else ""
        raise TypeError(f"`fig` must be a matplotlib Figure, not {type(fig).__name__}{hint}.")
    if not stem or Path(stem).name != stem or stem.startswith("."):
        raise ValueError(f"`stem` is {stem!r}; pass a plain file name without folder or extension, e.g. 'change'.")
    formats = [formats] if isinstance(formats, str) else list(formats)
    unknown = [f for f in formats if f not in SAVE_FORMATS]
    if unknown or not formats:
        raise ValueError(f"`formats` has {unknown or 'nothing'}; choose from {list(SAVE_FORMATS)}.")
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    metadata = {"svg": {"Date": None}, "pdf": {"CreationDate": None}, "png": {}}
    paths = []
    with plt.rc_context({"svg.fonttype": "none", "svg.hashsalt": stem}):
        for fmt in formats:
            path = folder / f"{stem}.{fmt}"
            fig.savefig(path, format=fmt, dpi=dpi, metadata=metadata[fmt])
            paths.append(path)
    return paths


# --- helpers ----------------------------------------------------------------------------------


def _frame(data, name: str, columns: Sequence[str]) -> pd.DataFrame:
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"`{name}` must be a pandas DataFrame, not {type(data).__name__}.")
    missing = [c for c in columns if c not in data.columns]
    if missing:
        raise ValueError(
            f"`{name}` has no column(s) {missing}; it has {list(data.columns)}. "
            "Rename the columns or pass the matching *_col arguments."
        )
    if data.empty:
        raise ValueError(f"`{name}` has no rows; there is nothing to plot.")
    return data


def _numeric(data: pd.DataFrame, column: str, name: str) -> None:
    if not pd.api.types.is_numeric_dtype(data[column]):
        raise TypeError(f"`{name}` column {column!r} has dtype {data[column].dtype}; it must be numeric.")


def _unique_rows(data: pd.DataFrame, keys: list[str], name: str) -> None:
    duplicated = data.duplicated(keys)
    if duplicated.any():
        first = data.loc[duplicated, keys].iloc[0].to_dict()
        raise ValueError(f"`{name}` has more than one row for {first}; pass one row per {' and '.join(keys)}.")


def _order(values: pd.Series, order: Sequence | None, name: str, *, sort: bool = False) -> list:
    present = values.dropna()
    if order is not None:
        order = list(order)
        missing = sorted(set(present) - set(order), key=str)
        if missing:
            raise ValueError(f"`{name}` lacks {missing}, which occur in the data; list every value to show.")
        return order
    if isinstance(values.dtype, pd.CategoricalDtype):
        return [c for c in values.cat.categories if c in set(present)]
    unique = list(pd.unique(present))
    return sorted(unique) if sort else unique


def _axes(ax: Axes | None, *, rows: int | None, cols: int | None = None) -> Axes:
    if ax is not None:
        if not isinstance(ax, Axes):
            raise TypeError(f"`ax` must be a matplotlib Axes or None, not {type(ax).__name__}.")
        return ax
    width = 7.0 if cols is None else min(3.0 + 0.9 * cols, 12.0)
    height = 4.5 if rows is None else min(1.6 + 0.55 * rows, 14.0)
    return plt.subplots(figsize=(width, height))[1]


def _texts(ax: Axes, *, xlabel, ylabel, title) -> Axes:
    if xlabel is not None:
        ax.set_xlabel(xlabel)
    if ylabel is not None:
        ax.set_ylabel(ylabel)
    if title is not None:
        ax.set_title(title, loc="left")
    return ax


def _check_decimal(decimal: str) -> None:
    if decimal not in (".", ","):
        raise ValueError(f"`decimal` is {decimal!r}; pass '.' (English) or ',' (Dutch).")


def _number(value: float, decimal: str) -> str:
    value = float(value)
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{value:g}".replace(".", decimal)


def _plain(text: str) -> str:
    """Text from data shown literally: escape ``$`` so matplotlib never starts mathtext."""
    return str(text).replace("$", r"\$")


def _wrap(text, width: int | None) -> str:
    text = str(text)
    if not width:
        return text
    return textwrap.fill(text, width, break_long_words=False, break_on_hyphens=True) or text


def _one_per_item(data: pd.DataFrame, item_col: str, column: str, name: str) -> dict:
    values = data[[item_col, column]].dropna().drop_duplicates()
    several = values[values[item_col].duplicated()]
    if len(several):
        item = several.iloc[0][item_col]
        raise ValueError(
            f"`counts` has more than one {column!r} for {item_col}={item!r}: "
            f"{sorted(values.loc[values[item_col] == item, column].astype(str))}; pass one per item (`{name}`)."
        )
    missing = sorted(set(data[item_col].dropna()) - set(values[item_col]), key=str)
    if missing:
        raise ValueError(f"`counts` column {column!r} is empty for items {missing}; fill it for every item (`{name}`).")
    return dict(zip(values[item_col], values[column]))


def _bottom_legend(fig: Figure, ax: Axes, handles: list, labels: list[str], *, title, fontsize: float) -> None:
    """Legend below the plot, in reading order, with as many columns as fit in the figure.

    A figure legend (``loc="outside lower center"``: constrained layout makes room, so
    it is inside every saved file) when `ax` is the figure's only plot; else an axes
    legend just below the axes' x label.
    """
    renderer = fig.canvas.get_renderer()
    others = [a for a in fig.axes if a is not ax and a not in ax.child_axes]
    figure_level = not others and isinstance(fig.get_layout_engine(), ConstrainedLayoutEngine)
    if figure_level:
        available = fig.bbox.width * 0.98
    else:
        fig.draw_without_rendering()
        middle = (ax.bbox.x0 + ax.bbox.x1) / 2
        available = 2 * min(middle - fig.bbox.x0, fig.bbox.x1 - middle) * 0.98
        below = (ax.bbox.y0 - ax.xaxis.get_tightbbox(renderer).y0) * 72 / fig.dpi + 4
    spacing = {"handlelength": 1.4, "handletextpad": 0.5, "columnspacing": 1.2, "borderpad": 0.4}
    options = {"fontsize": fontsize, "title": title, "title_fontsize": fontsize, "frameon": False, **spacing}
    prop = FontProperties(size=fontsize)
    em = fontsize * fig.dpi / 72
    count = len(handles)
    for ncol in range(count, 0, -1):
        nrows = -(-count // ncol)
        if ncol > 1 and nrows * ncol - count >= nrows:
            continue  # a whole empty column: fewer columns give the same rows
        room = (available - 2 * spacing["borderpad"] * em - (ncol - 1) * spacing["columnspacing"] * em) / ncol
        room -= (spacing["handlelength"] + spacing["handletextpad"]) * em
        fitted = [_fit_lines(text, room, prop, renderer) for text in labels]
        wrapped_ok = ncol == 1 or not any(broke or text.count("\n") > 2 for text, broke in fitted)
        # first the labels on one line each, then wrapped to an equal share of the width
        for texts in ([str(t) for t in labels], [t for t, _ in fitted] if wrapped_ok else None):
            if texts is None:
                continue
            if nrows > 1:  # equal heights keep the rows aligned across columns
                most = max(t.count("\n") for t in texts)
                texts = [t + "\n " * (most - t.count("\n")) for t in texts]
            blanks = nrows * ncol - count
            slots = list(zip(handles, texts)) + [(Rectangle((0, 0), 0, 0, visible=False), "")] * blanks
            # matplotlib fills legends column by column; reorder so they read row by row
            order = [slots[r * ncol + c] for c in range(ncol) for r in range(nrows)]
            hs, ls = [h for h, _ in order], [_plain(t) for _, t in order]
            if figure_level:
                legend = fig.legend(hs, ls, loc="outside lower center", ncols=ncol, **options)
            else:
                legend = ax.legend(hs, ls, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncols=ncol,
                                   bbox_transform=offset_copy(ax.transAxes, fig=fig, y=-below, units="points"),
                                   **options)
            if legend.get_window_extent(renderer).width <= available or (ncol == 1 and texts is not labels):
                return
            legend.remove()


def _grow_to_fit(fig: Figure, ax: Axes, needed: float) -> None:
    """Set the figure height so that the axes are `needed` inches tall (after constrained layout)."""
    for _ in range(2):
        fig.draw_without_rendering()
        have = ax.bbox.height / fig.dpi
        if abs(needed - have) < 0.02:
            return
        fig.set_figheight(max(fig.get_figheight() + needed - have, 1.0))


def _fit_lines(text: str, room: float, prop: FontProperties, renderer) -> tuple[str, bool]:
    """Wrap `text` to lines at most `room` pixels wide; words wider than that are hyphenated.

    Returns the wrapped text and whether a word had to be broken. A word is broken
    where a syllable most likely ends (vowel | consonant + vowel, as in "Resi-dents",
    "Gemeente-medewerkers"), else after a vowel, else where it fills the line.
    """
    def width(s: str) -> float:
        return renderer.get_text_width_height_descent(s, prop, ismath=False)[0]

    lines, current, broke = [], "", False
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if width(candidate) <= room:
            current = candidate
            continue
        if current:
            lines.append(current)
        while width(word) > room and len(word) >= 5:
            lines.append(_hyphenate(word, lambda head: width(head + "-") <= room) + "-")
            word, broke = word[len(lines[-1]) - 1:], True
        current = word
    if current:
        lines.append(current)
    return "\n".join(lines), broke


def _hyphenate(word: str, fits) -> str:
    """The longest head of `word` that `fits`, cut at the most syllable-like place."""
    vowels = set("aeiouyàáâäèéêëìíîïòóôöùúûüAEIOUY")
    cuts = [k for k in range(2, len(word) - 2) if fits(word[:k])] or [2]
    def vcv(k):  # vowel | consonant vowel
        return word[k - 1] in vowels and word[k] not in vowels and word[k + 1] in vowels and word[k].isalpha()
    def after_vowel(k):
        return word[k - 1] in vowels and word[k] not in vowels and word[k].isalpha()
    for good in (vcv, after_vowel):
        chosen = [k for k in cuts if good(k) and k >= max(cuts) / 2]
        if chosen:
            return word[: max(chosen)]
    return word[: max(cuts)]


def _fit_column_labels(fig: Figure, ax: Axes, labels: list[tuple[str, str | None]], fontsize: float) -> None:
    """Horizontal column labels wrapped to their column, shrinking the font before breaking words."""
    fig.draw_without_rendering()
    renderer = fig.canvas.get_renderer()
    room = ax.bbox.width / len(labels) * 0.95
    size = fontsize
    while True:
        prop = FontProperties(size=size)
        fitted = [_fit_lines(name, room, prop, renderer) for name, _ in labels]
        suffixes = [_fit_lines(suffix, room, prop, renderer) if suffix else ("", False) for _, suffix in labels]
        if not any(b for _, b in fitted + suffixes) and all(s.count("\n") == 0 for s, _ in suffixes):
            break
        if size - 0.5 < MIN_FONTSIZE:
            break
        size -= 0.5
    texts = [f"{name}\n{suffix}" if suffix else name for (name, _), (suffix, _) in zip(fitted, suffixes)]
    ax.set_xticks(ax.get_xticks(), labels=[_plain(t) for t in texts])
    ax.tick_params(axis="x", labelsize=size)


def _decimal_ticks(axis, decimal: str) -> None:
    if decimal != ".":
        axis.set_major_formatter(ticker.FuncFormatter(lambda v, _: _number(round(v, 10), decimal)))


def _diverging_colours(cats: list, neutral) -> list:
    colours = sns.color_palette("RdBu", len(cats)).as_hex()
    if neutral is not None:
        colours[cats.index(neutral)] = NEUTRAL_FILL
    return colours

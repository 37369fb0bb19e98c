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
from matplotlib.patches import Rectangle

__all__ = [
    "OKABE_ITO",
    "plot_change",
    "plot_heatmap",
    "plot_likert",
    "plot_response",
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
    categories: Sequence | None = None,
    category_labels: dict | None = None,
    neutral="auto",
    item_order: Sequence | None = None,
    show_n: bool = True,
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
        `category_col` and `value_col` (counts, or shares — each item is rescaled to 100 %).
        Categories absent for an item count as 0.
    item_col, category_col, value_col : str
        Column names, defaults ``item, category, n``.
    categories : sequence, optional
        Answer categories from most negative to most positive, e.g. ``[1, 2, 3, 4, 5]``.
        Default: category order for a categorical column, else sorted values.
    category_labels : dict, optional
        Category -> legend text in the report language (e.g. ``{1: "helemaal oneens"}``).
    neutral : "auto", category or None
        Category split in half around 0. "auto" takes the middle category when there is
        an odd number of categories, and none when even.
    item_order : sequence, optional
        Items top to bottom; default order of first appearance (or category order).
    show_n : bool, default True
        Append "(n = …)" to each item label: the item's total of `value_col`. Turn off
        when `value_col` holds shares.
    xlabel, title, legend_title : str, optional
        Texts in the report language (the x axis shows percentages).
    decimal : {".", ","}
        Decimal mark for tick labels.
    ax : matplotlib Axes, optional
        Draw here; default a new figure sized to the number of items.

    Returns
    -------
    matplotlib.axes.Axes
        One bar per item and category (``ax.patches``, category by category), negative
        categories left of 0, positive right, the neutral bar centred on 0.

    Notes
    -----
    For item *i* with percentages p_1..p_K and neutral category m, bars are stacked
    from x = −(Σ_{k<m} p_k + p_m / 2) to x = Σ_{k>m} p_k + p_m / 2. A stacked bar shows a
    distribution, not an estimate; its precision is conveyed by the n per item (report
    "% agree" with its confidence interval in the change figure or table).

    References
    ----------
    Robbins, N. B. & Heiberger, R. M. (2011). Plotting Likert and other rating scales.
    Proceedings of the Joint Statistical Meetings, 1058–1066.

    Examples
    --------
    >>> counts = pd.DataFrame({"item": ["coh1"] * 5, "category": [1, 2, 3, 4, 5],
    ...                        "n": [5, 10, 20, 40, 25]})
    >>> ax = plot_likert(counts)
    >>> round(float(ax.patches[0].get_x()), 1), len(ax.patches)
    (-25.0, 5)
    >>> plt.close(ax.figure)
    """
    data = _frame(counts, "counts", [item_col, category_col, value_col])
    _check_decimal(decimal)
    _numeric(data, value_col, "counts")
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
    colours = _diverging_colours(cats, neutral)
    labels = category_labels or {}
    ax = _axes(ax, rows=len(items))
    y = np.arange(len(items))
    left = start.to_numpy(float)
    for category, colour in zip(cats, colours):
        width = shares[category].to_numpy(float)
        ax.barh(y, width, left=left, color=colour, edgecolor="white", linewidth=0.8,
                label=str(labels.get(category, category)))
        left = left + width
    ax.axvline(0, color="#424242", linewidth=1)
    names = [f"{item} (n = {_number(total, decimal)})" if show_n else str(item) for item, total in totals.items()]
    ax.set_yticks(y, labels=names)
    ax.set_ylim(len(items) - 0.5, -0.5)
    ax.grid(axis="y", visible=False)
    reach = max(float(-start.min()), float((start + 100).max()), 50.0)
    ax.set_xlim(-np.ceil(reach / 10) * 10, np.ceil(reach / 10) * 10)
    ax.xaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: _number(abs(v), decimal)))
    ax.legend(title=legend_title, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=min(len(cats), 5))
    return _texts(ax, xlabel=xlabel, ylabel=None, title=title)


def plot_heatmap(
    matrix: pd.DataFrame,
    *,
    annot: bool = True,
    fmt: str | None = None,
    cmap: str = "Blues",
    vmin: float | None = None,
    vmax: float | None = None,
    suppressed_label: str = "–",
    xlabel: str | None = None,
    ylabel: str | None = None,
    title: str | None = None,
    cbar_label: str | None = None,
    decimal: str = ".",
    ax: Axes | None = None,
) -> Axes:
    """Heatmap of a wide matrix (code × group, co-occurrence), suppressed cells marked.

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
    xlabel, ylabel, title, cbar_label : str, optional
        Texts in the report language.
    decimal : {".", ","}
        Decimal mark in the cell values.
    ax : matplotlib Axes, optional
        Draw here; default a new figure sized to the matrix.

    Returns
    -------
    matplotlib.axes.Axes
        Cells at integer positions (column j, row i) as in seaborn's ``heatmap``; one
        hatched :class:`~matplotlib.patches.Rectangle` per suppressed cell.

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
    text = np.vectorize(lambda v: "" if np.isnan(v) else fmt.format(v).replace(".", decimal))(values)
    ax = _axes(ax, rows=matrix.shape[0], cols=matrix.shape[1])
    sns.heatmap(
        matrix.astype(float),
        mask=mask,
        annot=text if annot else False,
        fmt="",
        cmap=cmap,
        vmin=vmin,
        vmax=vmax,
        linewidths=1,
        linecolor="white",
        cbar_kws={"label": cbar_label} if cbar_label else {},
        ax=ax,
    )
    for i, j in zip(*np.nonzero(mask)):
        ax.add_patch(Rectangle((j, i), 1, 1, facecolor=SUPPRESSED_FILL, edgecolor="white", hatch="///", linewidth=1))
        ax.text(j + 0.5, i + 0.5, suppressed_label, ha="center", va="center", color="#424242")
    ax.tick_params(axis="x", labelrotation=30)
    for label in ax.get_xticklabels():
        label.set_horizontalalignment("right")
    ax.tick_params(axis="y", labelrotation=0)
    return _texts(ax, xlabel=xlabel, ylabel=ylabel, title=title)


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
    return f"{float(value):g}".replace(".", decimal)


def _decimal_ticks(axis, decimal: str) -> None:
    if decimal != ".":
        axis.set_major_formatter(ticker.FuncFormatter(lambda v, _: _number(round(v, 10), decimal)))


def _diverging_colours(cats: list, neutral) -> list:
    colours = sns.color_palette("RdBu", len(cats)).as_hex()
    if neutral is not None:
        colours[cats.index(neutral)] = NEUTRAL_FILL
    return colours

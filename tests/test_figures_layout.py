"""Figures a reader can read (issue 10): no overlapping labels, legends inside the figure, statements as labels.

The layout is checked on the rendered figure: text window extents after ``fig.canvas.draw()``.
"""
from __future__ import annotations

import itertools
import textwrap

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from evaluation.plots import plot_heatmap, plot_likert, plot_share_heatmap, save_figure, set_report_style

#: Realistic survey statements (a neighbourhood resilience questionnaire), long on purpose.
STATEMENTS = [
    "I feel at home in this neighbourhood and feel connected to the people who live in my street",
    "People in this neighbourhood are willing to help their neighbours when something goes wrong",
    "This is a close-knit neighbourhood where people know each other by name",
    "People in this neighbourhood can be trusted with a spare key to my home",
    "I regularly talk with neighbours I did not know before the street meetings started",
    "The municipality listens to what residents of this neighbourhood say about their street",
    "I trust the municipality to keep its promises about the plans for this neighbourhood",
    "The municipality informs residents in good time about decisions that affect their homes",
    "Municipal staff treat residents of this neighbourhood with respect",
    "I know what to do if the power fails for more than a day in winter",
    "My household has enough drinking water, food and medicines at home for three days",
    "I know which neighbours might need help in an emergency, for example older people living alone",
    "I have a battery-powered or crank radio to follow the news during a power cut",
    "In the past year I have taken steps to use less energy at home (insulation, settings, habits)",
    "I know where to get independent advice about insulating my home or installing solar panels",
    "I would join a collective purchase of solar panels or heat pumps organised by neighbours",
    "I recognise a phishing message by e-mail, text message or WhatsApp and know what to do with it",
    "I use a different password for my important online accounts, or a password manager",
    "I know whom to call when I have been the victim of online fraud or identity theft",
    "My garden or balcony has more plants than tiles, so that rainwater can soak into the ground",
    "I know what I can do myself to keep my home cool during a heat wave",
    "I am worried that my street will flood after heavy rain in the coming years",
    "Residents are involved early enough in plans for green spaces and play areas in the street",
    "The street meetings have led to concrete improvements that I can see in the neighbourhood",
    "I feel safe walking in my neighbourhood after dark, also in the small streets and alleys",
    "There are enough places in the neighbourhood where young people and adults can meet",
    "Information from the municipality is easy to understand, also for people who read little Dutch",
    "I would like to take part in a working group on energy, greenery or safety in the neighbourhood",
    "Costs of $x$ per month for a heat network are acceptable to me if the comfort stays the same",
    "Shops, the health centre and public transport are within easy reach (≤ 10 minutes) of my home",
]
CATEGORIES = [1, 2, 3, 4, 5]
LABELS = {1: "Strongly disagree", 2: "Disagree", 3: "Neither agree nor disagree", 4: "Agree", 5: "Strongly agree"}
GROUPS = ["Residents", "Municipal staff", "Housing association", "Entrepreneurs", "Welfare partners",
          "Community police officers", "Schools and childcare", "Council members"]
CODES = [
    "Social cohesion", "Trust in the municipality", "Street meetings", "Visible presence in the street",
    "Connecting to residents' questions", "Limited time and budget", "Hard-to-reach residents",
    "Language and digital barriers", "Energy transition", "Climate adaptation", "Digital safety",
    "Safety and emergency help", "Compartmentalisation within the municipality", "Cooperation with partners",
    "New connections between residents", "Approach in other streets", "Greenery and play areas",
    "Loneliness among older residents", "Youth without a place to meet", "Continuity after the project ends",
    "Role of key figures and volunteers", "Feedback on what happened with input",
    "Housing quality and maintenance backlog", "Parking and traffic safety", "Waste and litter in the street",
]


def likert_counts(statements=STATEMENTS, categories=CATEGORIES, seed=1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for i, text in enumerate(statements):
        counts = rng.multinomial(rng.integers(60, 140), rng.dirichlet(np.ones(len(categories)) * 2))
        rows += [(f"q{i + 1}", text, c, int(n)) for c, n in zip(categories, counts)]
    return pd.DataFrame(rows, columns=["item", "text", "category", "n"])


def code_group_frequencies(seed=2) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    totals = dict(zip(GROUPS, [12, 5, 3, 4, 6, 3, 8, 7]))
    rows = []
    for code in CODES:
        for group, total in totals.items():
            n = int(rng.binomial(total, rng.uniform(0.05, 0.9)))
            rows.append((code, group, np.nan if 0 < n < 3 else n, total))  # 1-2 suppressed
    return pd.DataFrame(rows, columns=["code", "group", "n_cases", "n_cases_total"])


def assert_no_overlap(texts, what):
    """No two (non-empty) texts overlap on the rendered figure."""
    renderer = texts[0].figure.canvas.get_renderer()
    boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in texts if t.get_visible() and t.get_text()]
    assert len(boxes) >= 2, f"nothing to compare for {what}"
    for (a, box_a), (b, box_b) in itertools.combinations(boxes, 2):
        assert not box_a.overlaps(box_b), f"{what}: {a!r} overlaps {b!r}"


def shown_xticklabels(ax):
    """The x tick labels drawn: those whose tick lies within the view limits."""
    low, high = sorted(ax.get_xlim())
    return [t for t, x in zip(ax.get_xticklabels(), ax.get_xticks()) if low - 1e-9 <= x <= high + 1e-9]


def assert_inside_figure(artist, what):
    fig = artist.figure
    box, page = artist.get_window_extent(fig.canvas.get_renderer()), fig.bbox
    assert page.x0 - 0.5 <= box.x0 and box.x1 <= page.x1 + 0.5, f"{what} sticks out left/right: {box} vs {page}"
    assert page.y0 - 0.5 <= box.y0 and box.y1 <= page.y1 + 0.5, f"{what} sticks out top/bottom: {box} vs {page}"


@pytest.fixture(autouse=True)
def report_style():
    with matplotlib.rc_context():
        set_report_style()
        yield
    plt.close("all")


def _likert(**kwargs):
    return plot_likert(likert_counts(), label_col="text", categories=CATEGORIES, category_labels=LABELS,
                       xlabel="Share of answers (%)", **kwargs)


def test_likert_30_statements_reads_well():
    ax = _likert()
    fig = ax.figure
    fig.canvas.draw()
    labels = ax.get_yticklabels()
    assert [t.get_text() for t in labels] == [
        textwrap.fill(s, 45, break_long_words=False).replace("$", r"\$") for s in STATEMENTS
    ]  # statements, not ids
    assert not any(t.get_text().startswith("q") and t.get_text()[1:].isdigit() for t in labels)
    assert_no_overlap(labels, "y tick labels")
    assert_no_overlap(shown_xticklabels(ax), "x tick labels")
    n_labels = ax.child_axes[0].get_yticklabels()
    assert [t.get_text() for t in n_labels] == [
        f"n = {n}" for n in likert_counts().groupby("item", sort=False)["n"].sum()
    ]
    assert_no_overlap(n_labels, "n labels")
    assert_no_overlap(list(labels) + list(shown_xticklabels(ax)) + [ax.xaxis.label], "labels")
    (legend,) = fig.legends
    assert_inside_figure(legend, "legend")
    assert [" ".join(t.get_text().split()) for t in legend.get_texts() if t.get_text()] == list(LABELS.values())
    assert_no_overlap(legend.get_texts() + [ax.xaxis.label], "legend and x label")
    for text in list(labels) + list(n_labels) + shown_xticklabels(ax):
        assert_inside_figure(text, text.get_text())
    # A4 friendly: 6.3 in wide, the bars take a fair part of it, height grows with the rows
    assert fig.get_figwidth() == pytest.approx(6.3)
    assert ax.bbox.width / fig.bbox.width > 0.3
    short = plot_likert(likert_counts(STATEMENTS[:5]), label_col="text", categories=CATEGORIES)
    assert fig.get_figheight() > 3 * short.figure.get_figheight()
    # x axis: absolute percentages, symmetric, ticks every 25 or 50
    ticks = [t for t in ax.get_xticks() if ax.get_xlim()[0] <= t <= ax.get_xlim()[1]]
    assert set(np.diff(ticks)) <= {25.0, 50.0} and max(ticks) <= 100
    assert all(not t.get_text().startswith(("-", "−")) for t in shown_xticklabels(ax))
    save_figure(fig, stem="likert-30", out_dir="/tmp/figs", formats=["png"])


def test_likert_statement_with_dollar_renders_literally(tmp_path):
    counts = likert_counts(["Costs of $x$ per month are acceptable", r"A back\slash and 5 $ or \$ remain"])
    ax = plot_likert(counts, label_col="text", categories=CATEGORIES, category_labels={1: "$1$ low"})
    ax.figure.canvas.draw()
    shown = [t._preprocess_math(t.get_text()) for t in ax.get_yticklabels()]
    assert shown == [("Costs of $x$ per month are acceptable", False),
                     (r"A back\slash and 5 $ or \$ remain", False)]  # no mathtext, text as in the data
    legend_text = ax.figure.legends[0].get_texts()[0]
    assert legend_text._preprocess_math(legend_text.get_text()) == ("$1$ low", False)
    (svg,) = save_figure(ax.figure, stem="dollar", out_dir=tmp_path, formats=["svg"])
    assert "Costs of $x$ per month" in svg.read_text(encoding="utf-8")  # drawn as one literal string


def _bars(ax, n_items):
    return np.array([[p.get_x(), p.get_width()] for p in ax.patches]).reshape(-1, n_items, 2)


@pytest.mark.parametrize("k", [2, 3, 4, 5, 6, 7])
def test_likert_neutral_centred_and_rows_sum_to_100(k):
    categories = list(range(1, k + 1))
    counts = likert_counts(STATEMENTS[:6], categories=categories)
    ax = plot_likert(counts, label_col="text", categories=categories,
                     category_labels={c: f"answer {c}" for c in categories})
    bars = _bars(ax, 6)
    np.testing.assert_allclose(bars[:, :, 1].sum(axis=0), 100)  # shares per row sum to 100 %
    np.testing.assert_allclose(bars[-1, :, 0] + bars[-1, :, 1] - bars[0, :, 0], 100)  # contiguous
    table = counts.pivot(index="item", columns="category", values="n").loc[[f"q{i}" for i in range(1, 7)]]
    shares = table.div(table.sum(axis=1), axis=0).to_numpy() * 100
    if k % 2:  # the neutral straddles 0 symmetrically
        left, width = bars[k // 2, :, 0], bars[k // 2, :, 1]
        np.testing.assert_allclose(left, -width / 2)
        np.testing.assert_allclose(left + width, width / 2)
        np.testing.assert_allclose(width, shares[:, k // 2])
    else:  # even: the boundary between the two middle categories lies on 0
        np.testing.assert_allclose(bars[k // 2, :, 0], 0, atol=1e-9)
        np.testing.assert_allclose(bars[0, :, 0], -shares[:, : k // 2].sum(axis=1))
    fig = ax.figure
    fig.canvas.draw()
    assert_inside_figure(fig.legends[0], "legend")
    assert_no_overlap(shown_xticklabels(ax), "x tick labels")


def test_likert_seven_long_category_labels_fit():
    categories = list(range(1, 8))
    names = {1: "Helemaal mee oneens", 2: "Mee oneens", 3: "Een beetje mee oneens", 4: "Niet mee eens, niet mee oneens",
             5: "Een beetje mee eens", 6: "Mee eens", 7: "Helemaal mee eens"}
    ax = plot_likert(likert_counts(STATEMENTS[:8], categories=categories), label_col="text",
                     categories=categories, category_labels=names, legend_title="Antwoord")
    ax.figure.canvas.draw()
    legend = ax.figure.legends[0]
    assert_inside_figure(legend, "legend")
    assert_no_overlap(legend.get_texts(), "legend texts")
    # reading order is kept when the legend needs two rows
    texts = [t for t in legend.get_texts() if t.get_text()]
    tops = sorted({round(t.get_window_extent().y1) for t in texts}, reverse=True)
    rows = [tops[0]] + [y for a, y in zip(tops, tops[1:]) if a - y > 5]  # one top per legend row (±5 px)
    row_of = {t: min(range(len(rows)), key=lambda r: abs(rows[r] - t.get_window_extent().y1)) for t in texts}
    order = [" ".join(t.get_text().split()) for t in sorted(texts, key=lambda t: (row_of[t], t.get_window_extent().x0))]
    assert len(rows) == 2
    save_figure(ax.figure, stem="likert-7", out_dir="/tmp/figs", formats=["png"])
    assert order == list(names.values())


def test_likert_groups_and_existing_axes():
    counts = likert_counts(STATEMENTS[:9]).assign(scale=lambda d: np.where(d["item"] <= "q4", "Cohesion", "Trust"))
    fig, (ax, other) = plt.subplots(1, 2, figsize=(10, 6), layout="constrained")
    plot_likert(counts, label_col="text", group_col="scale", categories=CATEGORIES, category_labels=LABELS,
                group_order=["Trust", "Cohesion"], ax=ax)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[0] == "Trust" and labels[6] == "Cohesion" and len(labels) == 11
    assert [t.get_fontweight() for t in ax.get_yticklabels()][0] == "bold"
    assert not fig.legends and ax.get_legend() is not None  # axes legend: the figure has two plots
    fig.canvas.draw()
    assert_inside_figure(ax.get_legend(), "legend")
    assert_no_overlap(ax.get_legend().get_texts() + [ax.xaxis.label] + shown_xticklabels(ax), "legend and x axis")


def test_share_heatmap_8_groups_25_codes_reads_well():
    freq = code_group_frequencies()
    ax = plot_share_heatmap(freq, annot="share", suppressed_label="<3", title="Codes per group",
                            cbar_label="% of the group's interviewees")
    fig = ax.figure
    fig.canvas.draw()
    xlabels, ylabels = shown_xticklabels(ax), ax.get_yticklabels()
    assert_no_overlap(xlabels, "column labels")
    assert_no_overlap(ylabels, "row labels")
    assert_no_overlap(list(xlabels) + list(ylabels) + [ax.title], "labels and title")
    assert all(t.get_rotation() == 0 for t in xlabels)
    totals = dict(zip(freq["group"], freq["n_cases_total"]))
    for label, group in zip(xlabels, totals):
        assert label.get_text().endswith(f"(n = {totals[group]})")
        assert " ".join(label.get_text().split("\n")[:-1]).replace("- ", "").replace("-", "") in (
            group, group.replace("-", ""))
    for text in list(xlabels) + list(ylabels) + [ax.title]:
        assert_inside_figure(text, text.get_text())
    assert_inside_figure(fig.axes[-1], "colour bar")
    # every cell text fits its cell
    cell_w = ax.bbox.width / len(GROUPS)
    cell_h = ax.bbox.height / len(CODES)
    for t in ax.texts:
        box = t.get_window_extent()
        assert box.width < cell_w and box.height < cell_h, t.get_text()
    # colour = share within group (0-100), suppressed cells masked and marked
    mesh = ax.collections[0]
    values = mesh.get_array().reshape(len(CODES), len(GROUPS))
    expected = (freq.pivot(index="code", columns="group", values="n_cases").loc[CODES, GROUPS]
                / pd.Series(totals)[GROUPS] * 100)
    np.testing.assert_allclose(values.filled(np.nan), expected.to_numpy(), equal_nan=True)
    assert mesh.get_clim() == (0, 100)
    assert int(np.ma.count_masked(values)) == int(freq["n_cases"].isna().sum()) > 0
    marks = [t for t in ax.texts if t.get_text() == r"<3"]
    assert len(marks) == int(freq["n_cases"].isna().sum())
    assert fig.get_figwidth() == pytest.approx(6.3)
    save_figure(fig, stem="share-heatmap", out_dir="/tmp/figs", formats=["png"])


def test_cooccurrence_heatmap_labels_do_not_overlap():
    themes = CODES[:12]
    rng = np.random.default_rng(3)
    m = pd.DataFrame(rng.uniform(0, 1, (12, 12)), index=themes, columns=themes)
    for i in range(12):
        m.iloc[i, i] = np.nan
    ax = plot_heatmap(m, fmt="{:.2f}", vmin=0, vmax=1, cbar_label="c-coefficient")
    fig = ax.figure
    fig.canvas.draw()
    assert_no_overlap(shown_xticklabels(ax), "column labels")
    assert_no_overlap(ax.get_yticklabels(), "row labels")
    for text in list(shown_xticklabels(ax)) + list(ax.get_yticklabels()):
        assert_inside_figure(text, text.get_text())
    save_figure(fig, stem="cooccurrence", out_dir="/tmp/figs", formats=["png"])

"""Report figures: what is drawn (positions, intervals, suppressed cells), errors, saving."""
from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex
from matplotlib.patches import Rectangle

from evaluation.plots import (
    OKABE_ITO,
    plot_change,
    plot_heatmap,
    plot_likert,
    plot_response,
    plot_share_heatmap,
    save_figure,
    set_report_style,
)


@pytest.fixture
def change():
    return pd.DataFrame(
        {
            "outcome": ["cohesie", "cohesie", "vertrouwen", "vertrouwen", "paraatheid", "paraatheid"],
            "wave_label": pd.Categorical(["voor", "na"] * 3, categories=["voor", "na"], ordered=True),
            "mean": [3.1, 3.4, 2.9, np.nan, 2.5, 2.9],
            "ci_low": [2.9, 3.2, 2.7, np.nan, 2.3, 2.6],
            "ci_high": [3.3, 3.6, 3.1, np.nan, 2.7, 3.2],
        }
    )


def test_set_report_style():
    with matplotlib.rc_context():  # restore the global style afterwards
        set_report_style(font_scale=1.0)
        rc = dict(matplotlib.rcParams)
    assert [to_hex(c) for c in rc["axes.prop_cycle"].by_key()["color"]] == [c.lower() for c in OKABE_ITO]
    assert rc["svg.fonttype"] == "none" and rc["savefig.dpi"] == 150
    assert rc["font.size"] >= 10 and rc["axes.labelsize"] >= 10  # readable


def test_plot_change_draws_every_interval(change):
    ax = plot_change(change, xlabel="Gemiddelde (1–5)", title="Verandering", legend_title="Meting", reference=3)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["cohesie", "vertrouwen", "paraatheid"]
    assert ax.get_xlabel() == "Gemiddelde (1–5)" and ax.get_title(loc="left") == "Verandering"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["voor", "na"]
    before, after = ax.containers
    # each error bar spans exactly [ci_low, ci_high]; the suppressed (NaN) row is not drawn
    spans = [sorted(seg[:, 0]) for seg in before.lines[2][0].get_segments()]
    np.testing.assert_allclose(spans, [[2.9, 3.3], [2.7, 3.1], [2.3, 2.7]])
    spans = [sorted(seg[:, 0]) for seg in after.lines[2][0].get_segments()]
    np.testing.assert_allclose(spans, [[3.2, 3.6], [2.6, 3.2]])
    np.testing.assert_allclose(after.lines[0].get_xdata(), [3.4, 2.9])
    # waves dodged around their outcome row, outcomes top to bottom
    y_before, y_after = before.lines[0].get_ydata(), after.lines[0].get_ydata()
    np.testing.assert_allclose(y_before, [-0.125, 0.875, 1.875])
    np.testing.assert_allclose(y_after, [0.125, 2.125])
    assert ax.get_ylim()[0] > ax.get_ylim()[1]  # inverted: first outcome on top
    assert before.lines[0].get_marker() != after.lines[0].get_marker()
    assert any(line.get_linestyle() == "--" and line.get_xdata()[0] == 3 for line in ax.lines)


def test_plot_change_decimal_comma_and_existing_axes(change):
    fig, axes = plt.subplots(1, 2)
    ax = plot_change(change, decimal=",", ax=axes[1])
    assert ax is axes[1]
    fig.canvas.draw()
    labels = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    assert any("," in label for label in labels) and not any("." in label for label in labels)


@pytest.mark.parametrize(
    ("edit", "error", "match"),
    [
        (lambda d: d.drop(columns="ci_low"), ValueError, r"no column\(s\) \['ci_low'\]"),
        (lambda d: d.assign(ci_high=[3.3, np.nan, 3.1, np.nan, 2.7, 3.2]), ValueError,
         r"estimate without an interval for outcome='cohesie', wave_label='na'"),
        (lambda d: d.assign(ci_low=[3.2, 3.2, 2.7, np.nan, 2.3, 2.6]), ValueError, r"mean=3\.1 outside \[3\.2, 3\.3\]"),
        (lambda d: pd.concat([d, d.head(1)]), ValueError, "more than one row"),
        (lambda d: d.assign(mean=d["mean"].astype(str)), TypeError, "column 'mean' has dtype str"),
    ],
)
def test_plot_change_errors(change, edit, error, match):
    with pytest.raises(error, match=match):
        plot_change(edit(change))


def test_plot_change_order_must_cover_data(change):
    with pytest.raises(ValueError, match=r"`outcome_order` lacks \['paraatheid'\]"):
        plot_change(change, outcome_order=["cohesie", "vertrouwen"])
    with pytest.raises(ValueError, match=r"`decimal` is ';'"):
        plot_change(change, decimal=";")


@pytest.fixture
def likert():
    n = {"coh1": [5, 10, 20, 40, 25], "coh2": [30, 30, 0, 20, 20]}
    return pd.DataFrame(
        [(item, category, count) for item, counts in n.items() for category, count in zip(range(1, 6), counts)],
        columns=["item", "category", "n"],
    ).query("n > 0")  # coh2 has no neutral answers: category absent -> 0


def _bars(ax, n_items):
    """Bars as a (category, item) array of (left, width)."""
    return np.array([[p.get_x(), p.get_width()] for p in ax.patches]).reshape(-1, n_items, 2)


def test_plot_likert_diverges_around_neutral(likert):
    labels = {1: "helemaal oneens", 2: "oneens", 3: "neutraal", 4: "eens", 5: "helemaal eens"}
    ax = plot_likert(likert, category_labels=labels, xlabel="Percentage")
    assert len(ax.patches) == 2 * 5
    bars = _bars(ax, 2)
    np.testing.assert_allclose(bars[:, :, 1].sum(axis=0), [100, 100])  # widths: 100 % per item
    # coh1: 5 % + 10 % disagree and half of the 20 % neutral left of zero
    np.testing.assert_allclose(bars[0, 0, 0], -(5 + 10 + 10))
    np.testing.assert_allclose(bars[2, 0], [-10, 20])  # neutral centred on 0
    np.testing.assert_allclose(bars[0, 1, 0], -60)  # coh2: no neutral answers
    np.testing.assert_allclose(bars[2, 1], [0, 0])
    assert [t.get_text() for t in ax.get_yticklabels()] == ["coh1", "coh2"]  # no label column: the ids
    (right,) = ax.child_axes  # n per item on the right
    assert [t.get_text() for t in right.get_yticklabels()] == ["n = 100", "n = 100"]
    (legend,) = ax.figure.legends  # below the plot, inside the figure
    assert [t.get_text() for t in legend.get_texts()] == list(labels.values())
    assert to_hex(ax.patches[4].get_facecolor()) == "#bdbdbd"  # neutral grey
    assert ax.get_xlim() == (-75, 75)  # symmetric, widest side (coh1: 75 %) rounded up to 25
    assert list(ax.get_xticks()) == [-75, -50, -25, 0, 25, 50, 75]
    assert ax.figure.get_figwidth() == pytest.approx(6.3)  # A4 text width


def test_plot_likert_statement_labels_and_n_in_label(likert):
    text = {"coh1": "I feel at home in this neighbourhood and feel connected to the people in my street",
            "coh2": "People here help each other"}
    ax = plot_likert(likert.assign(text=likert["item"].map(text)), label_col="text", n_position="label", wrap=40,
                     limit=100, decimal=",")
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        "I feel at home in this neighbourhood and\nfeel connected to the people in my\nstreet (n\u00a0=\u00a0100)",
        "People here help each other (n\u00a0=\u00a0100)",  # the n is never split over lines
    ]
    assert not ax.child_axes
    assert ax.get_xlim() == (-100, 100) and list(ax.get_xticks())[:3] == [-100, -50, 0]
    ax = plot_likert(likert.assign(text=likert["item"].map(text)), label_col="text", show_n=False, wrap=None)
    assert [t.get_text() for t in ax.get_yticklabels()] == list(text.values()) and not ax.child_axes


def test_plot_likert_groups_get_headings(likert):
    more = pd.concat([likert, likert.assign(item=likert["item"].str.replace("coh", "tru"))])
    more["scale"] = np.where(more["item"].str.startswith("coh"), "Cohesie", "Vertrouwen")
    ax = plot_likert(more, group_col="scale", item_order=["tru2", "coh1", "tru1", "coh2"])
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Cohesie", "coh1", "coh2", "Vertrouwen", "tru2", "tru1"]
    weights = [t.get_fontweight() for t in ax.get_yticklabels()]
    assert weights[0] == weights[3] == "bold" and weights[1] != "bold"
    assert len(ax.patches) == 4 * 5  # headings have no bars
    bar_y = sorted({round(p.get_y() + p.get_height() / 2, 6) for p in ax.patches})
    np.testing.assert_allclose(bar_y, [ax.get_yticks()[i] for i in (1, 2, 4, 5)])


def test_plot_likert_even_scale_and_shares():
    shares = pd.DataFrame({"item": ["dig1"] * 4, "category": ["a", "b", "c", "d"], "n": [0.1, 0.2, 0.3, 0.4]})
    ax = plot_likert(shares, categories=["a", "b", "c", "d"], show_n=False, decimal=",")
    bars = _bars(ax, 1)
    np.testing.assert_allclose(bars[:, 0, 0], [-30, -20, 0, 30])  # no neutral: split between b and c
    assert [t.get_text() for t in ax.get_yticklabels()] == ["dig1"]
    formatter = ax.xaxis.get_major_formatter()
    assert formatter(-20, 0) == "20" and formatter(12.5, 0) == "12,5"  # no negative percentages


def test_plot_likert_errors(likert):
    with pytest.raises(ValueError, match=r"categories \[6\] not in `categories` \[1, 2, 3, 4, 5\]"):
        plot_likert(
            pd.concat([likert, pd.DataFrame({"item": ["coh1"], "category": [6], "n": [1]})]),
            categories=[1, 2, 3, 4, 5],
        )
    with pytest.raises(ValueError, match=r"`neutral` is 9"):
        plot_likert(likert, neutral=9)
    with pytest.raises(ValueError, match="negative values"):
        plot_likert(likert.assign(n=-likert["n"]))
    with pytest.raises(ValueError, match=r"no answers for items \['coh2'\]"):
        plot_likert(likert.assign(n=np.where(likert["item"] == "coh2", 0, likert["n"])))
    with pytest.raises(ValueError, match=r"more than one 'text' for item='coh1'"):
        plot_likert(likert.assign(text=[f"s{i}" for i in range(len(likert))]), label_col="text")
    with pytest.raises(ValueError, match=r"column 'text' is empty for items \['coh2'\]"):
        plot_likert(likert.assign(text=np.where(likert["item"] == "coh1", "x", None)), label_col="text")
    with pytest.raises(ValueError, match=r"no column\(s\) \['text'\]"):
        plot_likert(likert, label_col="text")
    with pytest.raises(ValueError, match="`n_position` is 'left'"):
        plot_likert(likert, n_position="left")


def test_plot_heatmap_marks_suppressed_cells():
    matrix = pd.DataFrame(
        {"bewoner": [5, np.nan, 3], "partner": [2, 4, 1], "gemeente": [0, 6, np.nan]},
        index=["vertrouwen", "cohesie", "energie"],
    )
    ax = plot_heatmap(matrix, cbar_label="interviews", xlabel="groep", title="Code × groep")
    hatched = [p for p in ax.patches if isinstance(p, Rectangle) and p.get_hatch()]
    assert sorted((p.get_x(), p.get_y()) for p in hatched) == [(0, 1), (2, 2)]  # (column, row) of the NaNs
    texts = {(t.get_position()[0], t.get_position()[1]): t.get_text() for t in ax.texts}
    assert len(texts) == matrix.size
    assert texts[(0.5, 1.5)] == "–" and texts[(2.5, 2.5)] == "–"
    assert texts[(0.5, 0.5)] == "5" and texts[(2.5, 0.5)] == "0"
    # the colour mesh leaves the suppressed cells out (masked), so they are never coloured
    mesh = ax.collections[0]
    assert int(np.ma.count_masked(mesh.get_array())) == 2
    assert [t.get_text() for t in ax.get_yticklabels()] == ["vertrouwen", "cohesie", "energie"]
    assert ax.figure.axes[-1].get_xlabel() == "interviews"  # horizontal colour bar below, labelled
    assert [t.get_text() for t in ax.get_xticklabels()] == ["bewoner", "partner", "gemeente"]
    assert all(t.get_rotation() == 0 for t in ax.get_xticklabels())  # horizontal column labels


def test_plot_heatmap_formats_proportions_with_decimal_comma():
    matrix = pd.DataFrame({"a": [0.25, 0.5], "b": [np.nan, 0.125]}, index=["x", "y"])
    ax = plot_heatmap(matrix, decimal=",", suppressed_label="n<5")
    assert sorted(t.get_text() for t in ax.texts) == ["0,12", "0,25", "0,50", "n<5"]
    ax = plot_heatmap(matrix, fmt="{:.0%}", annot=True)
    assert "50%" in [t.get_text() for t in ax.texts]


def test_plot_heatmap_errors():
    with pytest.raises(TypeError, match="`matrix` must be a pandas DataFrame"):
        plot_heatmap(np.ones((2, 2)))
    with pytest.raises(ValueError, match="Every cell of `matrix` is NaN"):
        plot_heatmap(pd.DataFrame({"a": [np.nan]}))
    with pytest.raises(TypeError, match=r"columns \['g'\] are not numeric"):
        plot_heatmap(pd.DataFrame({"g": ["x"]}))


@pytest.fixture
def frequencies():
    """Tidy code x group prevalence as from code_frequencies(by="group"); NaN = suppressed."""
    return pd.DataFrame(
        {
            "code": ["vertrouwen"] * 3 + ["cohesie"] * 3,
            "group": ["bewoners", "partners", "gemeente"] * 2,
            "n_cases": [6, 3, np.nan, 12, 0, 4],
            "n_cases_total": [12, 3, 4] * 2,
        }
    )


def test_plot_share_heatmap_colours_shares_within_groups(frequencies):
    ax = plot_share_heatmap(frequencies, suppressed_label="<3", cbar_label="% van de groep")
    mesh = ax.collections[0]
    np.testing.assert_allclose(mesh.get_array().filled(np.nan).reshape(2, 3), [[50, 100, np.nan], [100, 0, 100]])
    assert mesh.get_clim() == (0, 100)  # fixed 0-100 %, comparable across figures
    texts = {(t.get_position()[0], t.get_position()[1]): t.get_text() for t in ax.texts}
    assert texts == {(0.5, 0.5): "50%", (1.5, 0.5): "100%", (2.5, 0.5): "<3",
                     (0.5, 1.5): "100%", (1.5, 1.5): "0%", (2.5, 1.5): "100%"}
    hatched = [p for p in ax.patches if isinstance(p, Rectangle) and p.get_hatch()]
    assert [(p.get_x(), p.get_y()) for p in hatched] == [(2, 0)]
    assert [t.get_text() for t in ax.get_xticklabels()] == [
        "bewoners\n(n = 12)", "partners\n(n = 3)", "gemeente\n(n = 4)"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["vertrouwen", "cohesie"]
    assert ax.figure.axes[-1].get_xlabel() == "% van de groep"


def test_plot_share_heatmap_annotations_and_order(frequencies):
    ax = plot_share_heatmap(frequencies, annot="count", group_order=["gemeente", "bewoners", "partners"],
                            row_order=["cohesie", "vertrouwen"])
    assert [t.get_text() for t in ax.texts[:3]] == ["4/4", "12/12", "0/3"]
    ax = plot_share_heatmap(frequencies, annot="both")
    assert ax.texts[0].get_text() == "50%\n6/12"
    ax = plot_share_heatmap(frequencies, annot="none")
    assert [t.get_text() for t in ax.texts] == ["–"]  # only the suppressed mark
    # a code absent for a group (no row) counts as 0 mentions, not as suppressed
    ax = plot_share_heatmap(frequencies.drop(index=4))
    assert {t.get_position(): t.get_text() for t in ax.texts}[(1.5, 1.5)] == "0%"


@pytest.mark.parametrize(
    ("edit", "error", "match"),
    [
        (lambda d: d.assign(n_cases_total=[12, 3, 4, 12, 3, 5]), ValueError, r"different 'n_cases_total' within group"),
        (lambda d: d.assign(n_cases_total=[12, 3, np.nan] * 2), ValueError, "positive number of interviewees"),
        (lambda d: d.assign(n_cases=[13, 3, np.nan, 12, 0, 4]), ValueError, r"n_cases=13\.0 above n_cases_total=12"),
        (lambda d: pd.concat([d, d.head(1)]), ValueError, "more than one row"),
        (lambda d: d.drop(columns="n_cases_total"), ValueError, r"no column\(s\) \['n_cases_total'\]"),
    ],
)
def test_plot_share_heatmap_errors(frequencies, edit, error, match):
    with pytest.raises(error, match=match):
        plot_share_heatmap(edit(frequencies))
    with pytest.raises(ValueError, match="`annot` is 'pct'"):
        plot_share_heatmap(frequencies, annot="pct")


@pytest.fixture
def response():
    return pd.DataFrame(
        {
            "wave": ["voor"] * 3 + ["na"] * 3,
            "group": ["koop", "sociale huur", "particuliere huur"] * 2,
            "households": [30, 20, 10, 25, 12, np.nan],
            "population": [60, 80, 60] * 2,
        }
    )


def test_plot_response_bars_and_counts(response):
    ax = plot_response(response, ylabel="Respons (%)", legend_title="Meting")
    before, after = ax.containers
    np.testing.assert_allclose([p.get_height() for p in before], [50, 25, 100 / 6])
    np.testing.assert_allclose([p.get_height() for p in after], [25 / 60 * 100, 15, 0])
    assert [t.get_text() for t in ax.texts] == ["30/60", "20/80", "10/60", "25/60", "12/80", ""]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["koop", "sociale huur", "particuliere\nhuur"]
    assert ax.get_ylim() == (0, 100) and ax.get_ylabel() == "Respons (%)"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["voor", "na"]


def test_plot_response_errors(response):
    with pytest.raises(ValueError, match=r"households=90 above population=60 for group='koop'"):
        plot_response(response.assign(households=[90, 20, 10, 25, 12, 5]))
    with pytest.raises(ValueError, match="must be a positive count"):
        plot_response(response.assign(population=0))
    with pytest.raises(TypeError, match="`table` must be a pandas DataFrame"):
        plot_response(response.to_dict())


def test_save_figure_writes_png_and_svg_with_text(tmp_path):
    fig, ax = plt.subplots()
    ax.set_title("Cohesie per meting")
    paths = save_figure(fig, stem="cohesie", out_dir=tmp_path / "figures")
    assert paths == [tmp_path / "figures" / "cohesie.png", tmp_path / "figures" / "cohesie.svg"]
    png = paths[0].read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width = int.from_bytes(png[16:20], "big")
    assert width == pytest.approx(fig.get_figwidth() * 150, abs=1)  # 150 dpi
    svg = paths[1].read_text(encoding="utf-8")
    assert "Cohesie per meting" in svg  # text kept as text, not glyph paths
    assert "<dc:date>" not in svg
    save_figure(fig, stem="cohesie", out_dir=tmp_path / "again", formats=["svg"])
    assert (tmp_path / "again" / "cohesie.svg").read_text(encoding="utf-8") == svg  # reproducible


def test_save_figure_errors(tmp_path):
    fig, ax = plt.subplots()
    with pytest.raises(TypeError, match=r"not Axes \(pass ax.figure\)"):
        save_figure(ax, stem="x", out_dir=tmp_path)
    with pytest.raises(ValueError, match="plain file name"):
        save_figure(fig, stem="../x", out_dir=tmp_path)
    with pytest.raises(ValueError, match=r"`formats` has \['jpg'\]"):
        save_figure(fig, stem="x", out_dir=tmp_path, formats=["png", "jpg"])

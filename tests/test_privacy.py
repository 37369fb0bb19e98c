"""Tests for evaluation.privacy: pseudonyms, identifier removal, small-cell suppression, quote screening.

All data are synthetic. Suppression is checked against hand-computed tables and against
an exact invariant: for every suppressed cell, linear programming over the published
cells and totals (scipy.optimize.linprog) must leave a feasible interval of positive width.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog

from evaluation.privacy import (
    drop_direct_identifiers,
    pseudonymise,
    screen_quote,
    suppress_small_cells,
)

# ---------------------------------------------------------------------------
# pseudonymise
# ---------------------------------------------------------------------------


def test_pseudonymise_matches_rfc4231_hmac_sha256_vector():
    # RFC 4231, test case 2: HMAC-SHA-256(key="Jefe", data="what do ya want for nothing?")
    expected = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    out = pseudonymise(["what do ya want for nothing?"], key="Jefe", prefix="X", length=64)
    assert out.iloc[0] == f"X-{expected}"
    assert pseudonymise(["what do ya want for nothing?"], key=b"Jefe").iloc[0] == f"R-{expected[:10]}"


def test_pseudonymise_stable_across_waves_and_storage_types():
    wave1 = pseudonymise(pd.Series(["1001", "1002", "1003"]), key="k1")
    wave2 = pseudonymise(pd.Series([1003.0, 1001, " 1002 "]), key="k1")
    assert list(wave2) == [wave1[2], wave1[0], wave1[1]]


def test_pseudonymise_differs_by_key_and_keeps_missing_and_index():
    ids = pd.Series(["a", None, "b", np.nan], index=[10, 11, 12, 13], name="respondent")
    one, two = pseudonymise(ids, key="k1"), pseudonymise(ids, key="k2")
    assert list(one.index) == [10, 11, 12, 13] and one.name == "respondent"
    assert one.isna().tolist() == [False, True, False, True]
    assert one[10] != two[10] and one[12] != two[12]
    assert one[10].startswith("R-") and len(one[10]) == 12


def test_pseudonymise_no_collisions_on_10k_ids():
    ids = [f"resp{i:05d}" for i in range(10_000)]
    out = pseudonymise(ids, key="synthetic-test-key", prefix="R", length=10)
    assert out.nunique() == 10_000
    assert out.str.fullmatch(r"R-[0-9a-f]{10}").all()


@pytest.mark.parametrize(
    ("key", "error", "match"),
    [("", ValueError, "`key` is empty"), (b"", ValueError, "`key` is empty"),
     (None, TypeError, "`key` must be a str or bytes"), (123, TypeError, "got int")],
)
def test_pseudonymise_rejects_bad_keys(key, error, match):
    with pytest.raises(error, match=match):
        pseudonymise(["1"], key=key)


@pytest.mark.parametrize("length", [0, 65, 2.5, True])
def test_pseudonymise_rejects_bad_length(length):
    with pytest.raises(ValueError, match="`length` must be an integer from 1 to 64"):
        pseudonymise(["1"], key="k", length=length)


# ---------------------------------------------------------------------------
# drop_direct_identifiers
# ---------------------------------------------------------------------------


def test_drop_direct_identifiers_drops_and_warns_for_absent_columns():
    raw = pd.DataFrame({"respondent": [1, 2], "name": ["x", "y"], "email": ["a", "b"], "q1": [3, 4]})
    with pytest.warns(UserWarning, match=r"\['phone'\] are not in the table"):
        out = drop_direct_identifiers(raw, columns=["name", "email", "phone"])
    assert list(out.columns) == ["respondent", "q1"]
    assert out.attrs["dropped_identifiers"] == ["name", "email"]
    assert list(raw.columns) == ["respondent", "name", "email", "q1"]  # input untouched


def test_drop_direct_identifiers_rejects_non_frame():
    with pytest.raises(TypeError, match="`frame` must be a pandas DataFrame"):
        drop_direct_identifiers([1, 2], columns=["x"])


# ---------------------------------------------------------------------------
# suppress_small_cells
# ---------------------------------------------------------------------------


def _feasible_ranges(original, published_mask, totals="both"):
    """Min and max of each suppressed cell given published cells, totals and n >= 0 (LP)."""
    values = np.asarray(original, dtype=float)
    n_rows, n_cols = values.shape
    unknown = list(zip(*np.nonzero(published_mask)))
    lines = []
    if totals in ("both", "columns"):
        lines += [[(i, j) for i in range(n_rows)] for j in range(n_cols)]
    if totals in ("both", "rows"):
        lines += [[(i, j) for j in range(n_cols)] for i in range(n_rows)]
    a_eq, b_eq = [], []
    for line in lines:
        if len(line) < 2:
            continue
        a_eq.append([1.0 if cell in line else 0.0 for cell in unknown])
        b_eq.append(sum(values[c] for c in line if c in unknown))
    ranges = {}
    for k, cell in enumerate(unknown):
        c = np.zeros(len(unknown))
        c[k] = 1.0
        low = linprog(c, A_eq=a_eq or None, b_eq=b_eq or None, bounds=(0, None))
        high = linprog(-c, A_eq=a_eq or None, b_eq=b_eq or None, bounds=(0, None))
        ranges[cell] = (low.fun, -high.fun)
    return ranges


def test_one_dimensional_primary_and_complementary_by_hand():
    # 3 < 10 -> primary; the column total 68 would reveal it -> smallest other cell (25)
    t = pd.DataFrame({"answer": ["agree", "neutral", "disagree"], "n": [40, 3, 25],
                      "pct": [58.8, 4.4, 36.8]})
    out = suppress_small_cells(t, count_cols="n", dependent_cols=["pct"])
    assert out["n"].tolist()[0] == 40 and out["n"].isna().tolist() == [False, True, True]
    assert out["pct"].isna().tolist() == [False, True, True]
    assert out["suppressed"].tolist() == [False, True, True]
    log = out.attrs["suppression_log"]
    assert log.to_dict("list") == {"row": [1, 2, 1, 2], "column": ["n", "n", "pct", "pct"],
                                   "reason": ["primary", "complementary", "dependent", "dependent"]}
    # the hidden cells can be anything from 0 to 28 given the total 68 and the 40 shown
    ranges = _feasible_ranges(t[["n"]], out[["n"]].isna().to_numpy(), totals="columns")
    assert ranges[(1, 0)] == pytest.approx((0, 28)) and ranges[(2, 0)] == pytest.approx((0, 28))


def test_zeros_are_published_and_not_used_as_complement_when_positive_cells_exist():
    t = pd.DataFrame({"n": [40, 0, 25, 3, 12]})
    out = suppress_small_cells(t, count_cols="n")
    # 3 primary; complement = smallest positive remaining cell (12), not the zero
    np.testing.assert_array_equal(out["n"].to_numpy(), [40, 0, 25, np.nan, np.nan])


def test_zero_used_as_complement_only_when_no_positive_cell_is_left():
    t = pd.DataFrame({"n": [0, 4]})
    out = suppress_small_cells(t, count_cols="n")
    assert out["n"].isna().all()
    assert out.attrs["suppression_log"]["reason"].tolist() == ["primary", "complementary"]


def test_min_count_boundary_and_totals_none():
    t = pd.DataFrame({"n": [9, 10, 1, 50]})
    out = suppress_small_cells(t, count_cols="n", totals="none")
    np.testing.assert_array_equal(out["n"].to_numpy(), [np.nan, 10, np.nan, 50])
    assert set(out.attrs["suppression_log"]["reason"]) == {"primary"}
    out5 = suppress_small_cells(t, count_cols="n", min_count=5, complementary=False)
    np.testing.assert_array_equal(out5["n"].to_numpy(), [9, 10, np.nan, 50])


def test_two_dimensional_by_hand_and_not_recoverable():
    # rows r1..r3 x columns a, b, c; only (r1, b) = 4 is small.
    t = pd.DataFrame({"a": [20, 25, 18], "b": [4, 15, 22], "c": [30, 12, 40]},
                     index=["r1", "r2", "r3"])
    out = suppress_small_cells(t, count_cols=["a", "b", "c"])
    # column b needs a second cell: 15 (r2,b) (22 is larger, both open a new row);
    # row r1 then needs one: 20 (r1,a) < 30; column a needs one: (r2,a) also completes
    # row r2, so it beats the smaller (r3,a) = 18 -> the 2 x 2 rectangle r1/r2 x a/b.
    expected = np.array([[1, 1, 0], [1, 1, 0], [0, 0, 0]], dtype=bool)
    np.testing.assert_array_equal(out[["a", "b", "c"]].isna().to_numpy(), expected)
    assert out["suppressed"].tolist() == [True, True, False]
    # by hand: with x = (r1,b), row r1 gives (r1,a) = 24 - x, column b gives (r2,b) = 19 - x,
    # column a gives (r2,a) = 21 + x; x >= 0 and 19 - x >= 0 -> x in [0, 19]
    ranges = _feasible_ranges(t, expected)
    assert ranges[(0, 1)] == pytest.approx((0, 19))
    assert ranges[(1, 0)] == pytest.approx((21, 40))


def test_bridge_between_two_protected_blocks_is_broken():
    # Primary cells form two 2x2 rectangles joined by the cell (r2, c3): every row and
    # column holds 0 or >= 2 suppressed cells, yet (r2, c3) equals
    # (rows r1+r2 hidden total) - (columns c1+c2 hidden total).
    small = {(0, 0), (0, 1), (1, 0), (1, 1), (1, 2), (2, 2), (2, 3), (3, 2), (3, 3)}
    values = np.array([[(i + j) % 7 + 2 if (i, j) in small else 30 + 5 * i + j for j in range(4)]
                       for i in range(4)])
    primary = np.zeros((4, 4), dtype=bool)
    for cell in small:
        primary[cell] = True
    before = _feasible_ranges(values, primary)
    low, high = before[(1, 2)]
    assert high - low == pytest.approx(0, abs=1e-7)  # the pattern alone does leak (1, 2)

    t = pd.DataFrame(values, columns=["c1", "c2", "c3", "c4"])
    out = suppress_small_cells(t, count_cols=list(t.columns))
    mask = out[list(t.columns)].isna().to_numpy()
    assert mask.sum() > primary.sum()
    assert (mask & primary).sum() == primary.sum()
    for cell, (low, high) in _feasible_ranges(values, mask).items():
        assert high - low > 0.5, cell


def test_random_tables_invariants(rng):
    for _ in range(25):
        shape = (rng.integers(2, 6), rng.integers(2, 5))
        values = rng.choice([0, 1, 2, 5, 8, 12, 15, 20, 30, 45], size=shape, p=[
            .05, .05, .05, .1, .1, .15, .15, .15, .1, .1])
        t = pd.DataFrame(values, columns=[f"c{j}" for j in range(shape[1])])
        out = suppress_small_cells(t, count_cols=list(t.columns))
        shown = out[list(t.columns)].to_numpy()
        visible = shown[~np.isnan(shown)]
        assert not ((visible > 0) & (visible < 10)).any()
        np.testing.assert_array_equal(visible, values[~np.isnan(shown)])
        mask = np.isnan(shown)
        for line in [*mask, *mask.T]:
            assert line.sum() != 1
        if mask.any():
            for cell, (low, high) in _feasible_ranges(values, mask).items():
                assert high - low > 0.5, (values, cell)


def test_by_groups_are_separate_tables():
    t = pd.DataFrame({"question": ["q1"] * 3 + ["q2"] * 3, "n": [40, 3, 25, 40, 30, 25]})
    out = suppress_small_cells(t, count_cols="n", by="question")
    assert out["n"].isna().tolist() == [False, True, True, False, False, False]


def test_dependent_mapping_and_rounding():
    t = pd.DataFrame({"n_a": [42, 3, 27, 18], "pct_a": [46.7, 3.3, 30.0, 20.0],
                      "n_b": [12, 13, 11, 14], "mean_b": [3.1, 3.2, 3.3, 3.4]})
    out = suppress_small_cells(t, count_cols=["n_a", "n_b"], totals="columns",
                               dependent_cols={"n_a": ["pct_a"], "n_b": ["mean_b"]}, round_to=5)
    # n_a: 3 primary, 18 complementary; published counts rounded to 5 (42->40, 27->25)
    np.testing.assert_array_equal(out["n_a"].to_numpy(), [40, np.nan, 25, np.nan])
    assert out["pct_a"].isna().tolist() == [False, True, False, True]
    # n_b has nothing to hide: its mean stays; counts rounded (12->10, 13->15, 11->10, 14->15)
    np.testing.assert_array_equal(out["n_b"].to_numpy(), [10, 15, 10, 15])
    assert out["mean_b"].notna().all()


def test_unpublished_counts_hide_like_suppressed_cells():
    # the NaN already hides part of the total, so 3 needs no complementary cell
    out = suppress_small_cells(pd.DataFrame({"n": [3, np.nan, 40]}), count_cols="n")
    np.testing.assert_array_equal(out["n"].to_numpy(), [np.nan, np.nan, 40])
    assert out["suppressed"].tolist() == [True, False, False]
    assert out.attrs["suppression_log"]["reason"].tolist() == ["primary"]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"count_cols": "x"}, r"columns \['x'\] are not in `table`"),
     ({"count_cols": "n", "totals": "all"}, "`totals` must be one of"),
     ({"count_cols": "n", "min_count": 0}, "`min_count` must be a positive integer"),
     ({"count_cols": "n", "dependent_cols": {"m": ["n"]}}, r"keys \['m'\] are not in `count_cols`")],
)
def test_suppress_input_errors(kwargs, match):
    t = pd.DataFrame({"n": [1, 20], "m": [2, 3]})
    with pytest.raises(ValueError, match=match):
        suppress_small_cells(t, **kwargs)


def test_suppress_rejects_negative_or_text_counts():
    with pytest.raises(ValueError, match="count column 'n' holds non-numeric or negative"):
        suppress_small_cells(pd.DataFrame({"n": [5, -1]}), count_cols="n")
    with pytest.raises(ValueError, match="e.g. 'veel'"):
        suppress_small_cells(pd.DataFrame({"n": ["veel", "3"]}), count_cols="n")


# ---------------------------------------------------------------------------
# screen_quote
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("Mail me op piet.test@voorbeeld.nl als er iets is.", "e-mail"),
        ("Bel gerust 06-12345678.", "phone"),
        ("Mijn nummer is 070 123 4567.", "phone"),
        ("Call +31 6 12345678 any time.", "phone"),
        ("Het pakket ging naar 2512 AB.", "postcode"),
        ("Ik woon in de Noorderbeekdwarsstraat 12 sinds jaren.", "address"),
        ("She lives at 14 Baker Street now.", "address"),
        ("Zij woont op nummer 14.", "house number"),
        ("Wat is uw huisnummer?", "house number"),
        ("Mevrouw de Vries kwam langs.", "title + name"),
        ("Mijn buurman Ahmed hielp met de tuin.", "title + name"),
        ("Mr Smith came to the meeting.", "title + name"),
        ("De directeur van de school deed mee.", "role + place"),
        ("The owner of the shop was sceptical.", "role + place"),
        ("De wijkagent kwam op zaterdag.", "role"),
        ("The imam opened the doors.", "role"),
    ],
)
def test_screen_quote_flags_each_kind(text, reason):
    result = screen_quote(text)
    assert not result["ok"]
    assert reason in result["reasons"]
    assert "[…]" in result["redacted"]


@pytest.mark.parametrize(
    "text",
    [
        "De straatbijeenkomsten waren een goed begin.",
        "In 2024 hebben we 30 geveltuinen aangelegd.",
        "We need more people at the meetings, on Saturdays too.",
        "De gemeente moet beter luisteren naar bewoners.",
        "de meneer van de gemeente kwam langs",  # no capitalised name after the title
    ],
)
def test_screen_quote_passes_harmless_text(text):
    result = screen_quote(text)
    assert result["ok"], result["reasons"]
    assert result["redacted"] == text


def test_screen_quote_names_streets_roles_and_redaction():
    text = "Ik sprak Fatima bij de Beekhof 7, daarna de bakker op de hoek."
    result = screen_quote(text, names=["fatima"], streets=["Beekhof"],
                          roles=["de bakker op de hoek"])
    assert result["reasons"] == ["address", "name", "role"]
    assert result["redacted"] == "Ik sprak […] bij de […], daarna […]."
    # reasons never contain the identifying text itself
    assert not any("Fatima" in r for r in result["reasons"])
    # custom roles replace the defaults
    assert screen_quote("De wijkagent kwam.", roles=["imam"])["ok"]


def test_screen_quote_rejects_non_text():
    with pytest.raises(TypeError, match="`text` must be a str"):
        screen_quote(None)


@pytest.mark.parametrize("text, name", [
    ("Meneer Jansen kwam langs.", "Jansen"),
    ("Toen belde mevrouw De Vries aan.", "De Vries"),
    ("Mr Smith fixed the lights.", "Smith"),
    ("Ik sprak mevr. van der Berg op straat.", "van der Berg"),
    ("De heer Van Dijk was er ook.", "Van Dijk"),
])
def test_screen_quote_titled_names_redacted_whole(text, name):
    result = screen_quote(text)
    assert not result["ok"] and "title + name" in result["reasons"]
    assert name not in result["redacted"] and name.split()[-1] not in result["redacted"]


def test_screen_quote_title_without_name_passes():
    assert bool(screen_quote("Meneer is altijd vriendelijk.")["ok"])

"""Tests for evaluation.disclosure: the publication gate over all tables of a build.

The issue asks for an audit that is proven able to fail. Each leak below is seeded into
a small set of synthetic tables, the audit must catch it, :func:`protect` must fix it,
and the audit must then pass. Exact invariants: the true value of every audited cell
lies in the reader's interval, and for small tables the LP interval equals the one found
by enumerating every whole-number table consistent with what is shown.
"""
from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

import evaluation as ev
from evaluation.disclosure import PublishedSet, intruder_audit, protect

GROUPS = ["entrepreneurs", "police", "partners", "residents"]


def row(audit, table, row_, column):
    hit = audit[(audit["table"] == table) & (audit["row"] == row_) & (audit["column"] == column)]
    assert len(hit) == 1, f"no single audit row for {(table, row_, column)}"
    return hit.iloc[0]


def check_invariants(ps, audit):
    """True value inside [lower, upper]; every hidden count audited."""
    assert (audit["lower"] <= audit["value"] + 1e-9).all()
    assert (audit["value"] <= audit["upper"] + 1e-9).all()
    hidden = ps.cells[~ps.cells["published"] & ps.cells["kind"].isin(["count", "total", "size", "number"])]
    audited = set(zip(audit["table"], audit["row"], audit["column"]))
    assert set(zip(hidden["table"], hidden["row"], hidden["column"])) <= audited


def check_protected(result, threshold):
    """After protect: audit passes, no small count shown, no derived number on a hidden count shown."""
    assert result.passed, result.audit[result.audit["disclosed"]]
    cells = result.cells
    counts = cells["kind"].isin(["count", "total", "size", "number"])
    small = counts & (cells["value"] > 0) & (cells["value"] < threshold)
    assert not (small & cells["published"]).any()
    shown = dict(zip(zip(cells["table"], cells["row"], cells["column"]), cells["published"]))
    for _, c in cells[~counts & cells["published"]].iterrows():
        assert all(shown[k] for k in c["rests_on"]), f"{c['row']}/{c['column']} rests on a hidden count"
    check_invariants(result.published_set, result.audit)


# ---------------------------------------------------------------------------
# leak 1: code x group table + the code's total "out of 24" in the text
# ---------------------------------------------------------------------------


def codes_set(*, text_total=True, hidden=((0, 0), (0, 2))):
    codes = pd.DataFrame(
        [[1, 0, 1, 7], [3, 3, 4, 9], [3, 3, 3, 10], [4, 4, 5, 11]],
        index=["New connections", "Visible presence", "Heard", "interviewees"], columns=GROUPS)
    shown = pd.DataFrame(True, index=codes.index, columns=GROUPS)
    for i, j in hidden:
        shown.iloc[i, j] = False
    ps = PublishedSet().add_table("codes", codes, size_row="interviewees", published=shown)
    ps.add_number("interviewees", 24, equals=[("codes", "interviewees", g) for g in GROUPS])
    if text_total:  # "New connections (9/24)" in the narrative
        ps.add_number("New connections", 9, equals=[("codes", "New connections", g) for g in GROUPS])
    return ps


def test_code_table_alone_passes_but_text_total_discloses_both_hidden_cells():
    alone = intruder_audit(codes_set(text_total=False), threshold=3)
    assert not alone["disclosed"].any()
    audit = intruder_audit(codes_set(), threshold=3)
    for group in ("entrepreneurs", "partners"):
        r = row(audit, "codes", "New connections", group)
        assert (r["lower"], r["upper"]) == (1, 1)  # <3, 0, <3, 7 with 9 in total: both are 1
        assert r["disclosed"] and "exact" in r["reason"]
    check_invariants(codes_set(), audit)


def test_protect_fixes_code_table_with_text_total():
    result = protect(codes_set(), threshold=3)
    check_protected(result, 3)
    status = result.cells.set_index(["table", "row", "column"])["status"]
    assert status["codes", "New connections", "entrepreneurs"] == "primary"
    assert status["codes", "New connections", "partners"] == "primary"
    assert status["codes", "New connections", "residents"] == "complementary"  # smallest positive
    assert status["codes", "New connections", "police"] == "published"  # zeros are never complements
    assert status["text", "New connections", "n"] == "published"
    r = row(result.audit, "codes", "New connections", "entrepreneurs")
    assert r["upper"] - r["lower"] >= 3


# ---------------------------------------------------------------------------
# leak 2: group panel sizes next to the panel total in another table
# ---------------------------------------------------------------------------


def for_whom_set(*, hidden=("private rent",)):
    for_whom = pd.DataFrame({"panel": [29, 12, 8]}, index=["owner", "social rent", "private rent"])
    response = pd.DataFrame({"n": [49]}, index=["panel"])
    shown = pd.DataFrame({"panel": [r not in hidden for r in for_whom.index]}, index=for_whom.index)
    ps = (PublishedSet().add_table("for_whom", for_whom, published=shown)
          .add_table("response", response)
          .link(("response", "panel", "n"), [("for_whom", r, "panel") for r in for_whom.index],
                label="panel total = sum of tenure groups"))
    return ps


def test_panel_total_in_other_table_recovers_private_rent():
    audit = intruder_audit(for_whom_set(), threshold=10)
    r = row(audit, "for_whom", "private rent", "panel")
    assert (r["lower"], r["upper"], r["disclosed"]) == (8, 8, True)
    assert r["reason"] == "exact; small nonzero"
    # per-table suppression without the link would not have seen it
    lone = PublishedSet().add_table("for_whom", pd.DataFrame({"panel": [29, 12, 8]},
                                    index=["owner", "social rent", "private rent"]).iloc[[0, 1, 2]],
                                    published=pd.DataFrame({"panel": [True, True, False]},
                                                           index=["owner", "social rent", "private rent"]))
    assert not intruder_audit(lone, threshold=10)["disclosed"].any()


def test_protect_fixes_panel_total_leak_across_tables():
    result = protect(for_whom_set(hidden=()), threshold=10)
    check_protected(result, 10)
    status = result.cells.set_index("row")["status"]
    assert status["private rent"] == "primary"
    assert status["social rent"] == "complementary"
    assert status["owner"] == status["panel"] == "published"
    r = row(result.audit, "for_whom", "private rent", "panel")
    assert (r["lower"], r["upper"]) == (1, 19)


# ---------------------------------------------------------------------------
# leak 3: shares with their n in an attrition table
# ---------------------------------------------------------------------------


def attrition_set(*, shares_published=True):
    ps = for_whom_set(hidden=("private rent", "social rent"))
    base = ("response", "panel", "n")
    for tenure in ("owner", "social rent", "private rent"):
        ps.add_share("attrition", tenure, "share of panel", count=("for_whom", tenure, "panel"), base=base,
                     unit=0.01, published=shares_published)
    return ps


def test_protected_counts_leak_through_published_shares():
    assert not intruder_audit(attrition_set(shares_published=False), threshold=10)["disclosed"].any()
    audit = intruder_audit(attrition_set(), threshold=10)
    r = row(audit, "for_whom", "private rent", "panel")
    assert (r["lower"], r["upper"], r["disclosed"]) == (8, 8, True)  # 16% of 49, within rounding
    relaxed = intruder_audit(attrition_set(), threshold=10, integer=False)
    r = row(relaxed, "for_whom", "private rent", "panel")
    # 16% of 49 gives [7.595, 8.085]; 49 - 29 - (24% of 49) narrows the lower end further
    assert 0.155 * 49 - 1e-9 <= r["lower"] <= 8 <= r["upper"] <= 0.165 * 49 + 1e-9
    assert r["upper"] - r["lower"] < 1 and r["disclosed"]
    check_invariants(attrition_set(), audit)


def test_protect_hides_shares_of_hidden_counts():
    result = protect(attrition_set(), threshold=10)
    check_protected(result, 10)
    status = result.cells.set_index(["table", "row"])["status"]
    assert status["attrition", "private rent"] == "derived"
    assert status["attrition", "social rent"] == "derived"
    assert status["attrition", "owner"] == "published"


# ---------------------------------------------------------------------------
# leak 4: a small group in which everyone said the same thing (5/5)
# ---------------------------------------------------------------------------


def whole_group_set():
    codes = pd.DataFrame(
        {"entrepreneurs": [5, 3, 5], "residents": [9, 8, 12], "partners": [4, 6, 7], "all": [18, 17, 24]},
        index=["Visible presence", "Heard", "interviewees"])
    return PublishedSet().add_table("codes", codes, total_col="all", size_row="interviewees")


def test_whole_group_is_disclosed_and_protected():
    audit = intruder_audit(whole_group_set(), threshold=3)
    r = row(audit, "codes", "Visible presence", "entrepreneurs")
    assert r["disclosed"] and r["sensitive"] == "whole group" and "whole group" in r["reason"]
    assert not intruder_audit(whole_group_set(), threshold=3, small_group=5)["disclosed"].any()
    # hiding only the cell is not enough: the row total gives it back
    only = intruder_audit(whole_group_set().hide(("codes", "Visible presence", "entrepreneurs")), threshold=3)
    assert row(only, "codes", "Visible presence", "entrepreneurs")["disclosed"]

    result = protect(whole_group_set(), threshold=3)
    check_protected(result, 3)
    status = result.cells.set_index(["row", "column"])["status"]
    assert status["Visible presence", "entrepreneurs"] == "primary"
    assert status["Visible presence", "partners"] == "complementary"
    r = row(result.audit, "codes", "Visible presence", "entrepreneurs")
    assert r["upper"] == 5 and r["lower"] <= 2  # the reader no longer knows all 5 said it


# ---------------------------------------------------------------------------
# leak 5: the classic 2 x 2 table with published margins
# ---------------------------------------------------------------------------


def two_by_two(published=None):
    t = pd.DataFrame({"agree": [4, 15, 19], "disagree": [12, 20, 32], "total": [16, 35, 51]},
                     index=["private rent", "other", "total"])
    return PublishedSet().add_table("t", t, total_row="total", total_col="total", published=published)


def test_two_by_two_one_suppressed_cell_is_recovered_from_margins():
    shown = pd.DataFrame(True, index=["private rent", "other", "total"], columns=["agree", "disagree", "total"])
    shown.loc["private rent", "agree"] = False
    audit = intruder_audit(two_by_two(shown), threshold=10)
    assert audit["disclosed"].tolist() == [True]
    assert (audit["lower"].iloc[0], audit["upper"].iloc[0]) == (4, 4)


def test_two_by_two_needs_one_complement_per_row_and_column():
    result = protect(two_by_two(), threshold=10)
    check_protected(result, 10)
    hidden = result.cells[~result.cells["published"]]
    assert set(zip(hidden["row"], hidden["column"], hidden["status"])) == {
        ("private rent", "agree", "primary"), ("private rent", "disagree", "complementary"),
        ("other", "agree", "complementary"), ("other", "disagree", "complementary")}
    r = row(result.audit, "t", "private rent", "agree")
    assert (r["lower"], r["upper"]) == (1, 15)


# ---------------------------------------------------------------------------
# no leak, rules and options
# ---------------------------------------------------------------------------


def test_no_leak_nothing_disclosed():
    t = pd.DataFrame({"n": [40, 25, 35, 100]}, index=["owner", "social rent", "private rent", "total"])
    ps = PublishedSet().add_table("for_whom", t, total_row="total")
    audit = intruder_audit(ps, threshold=10)
    assert audit.empty and list(audit.columns) == [
        "table", "row", "column", "kind", "value", "published", "sensitive", "lower", "upper", "disclosed",
        "reason"]
    result = protect(ps, threshold=10)
    assert result.passed and (result.cells["status"] == "published").all()
    # a hidden count that is not sensitive may be recovered: that discloses nothing
    audit = intruder_audit(ps.hide(("for_whom", "private rent", "n")), threshold=10)
    assert audit[["lower", "upper", "disclosed", "sensitive"]].iloc[0].tolist() == [35, 35, False, ""]


def test_mean_of_small_group_is_flagged_and_hidden():
    t = pd.DataFrame({"n": [40, 2, 42], "mean": [6.1, 8.5, 6.2]}, index=["owner", "renter", "total"])
    ps = PublishedSet().add_table("scores", t, count_cols=["n"], total_row="total", dependent={"mean": "n"})
    audit = intruder_audit(ps, threshold=10)
    assert set(audit.loc[audit["disclosed"], "reason"]) == {"published", "rests on small count"}
    result = protect(ps, threshold=10)
    check_protected(result, 10)
    status = result.cells.set_index(["row", "column"])["status"]
    assert status["renter", "mean"] == "derived" and status["owner", "mean"] == "derived"
    assert status["total", "mean"] == "published"


def test_zero_is_published_unless_flagged():
    t = pd.DataFrame({"n": [0, 30, 30]}, index=["a", "b", "total"])
    ps = PublishedSet().add_table("t", t, total_row="total")
    assert protect(ps, threshold=10).cells["status"].tolist() == ["published"] * 3
    result = protect(ps, threshold=10, sensitive_zero=True)
    assert result.cells["status"].tolist() == ["primary", "complementary", "published"]
    assert result.passed


def test_protection_levels_and_sliding_width():
    shown = pd.DataFrame({"panel": [True, False, False]}, index=["owner", "social rent", "private rent"])
    ps = (PublishedSet().add_table("for_whom", pd.DataFrame({"panel": [29, 12, 8]}, index=shown.index),
                                   published=shown)
          .add_table("response", pd.DataFrame({"n": [49]}, index=["panel"]))
          .link(("response", "panel", "n"), [("for_whom", r, "panel") for r in shown.index]))
    # private rent in [1, 19]: width 18
    assert not intruder_audit(ps, threshold=10, protection=18)["disclosed"].any()
    assert row(intruder_audit(ps, threshold=10, protection=19), "for_whom", "private rent", "panel")["reason"] \
        == "narrow"
    assert not intruder_audit(ps, threshold=10, protection=(7, 11))["disclosed"].any()
    r = row(intruder_audit(ps, threshold=10, protection=(7, 12)), "for_whom", "private rent", "panel")
    assert r["reason"] == "upper protection"
    # a reader told hidden cells may be zero gets a wider interval
    assert row(intruder_audit(ps, threshold=10, hidden_nonzero=False), "for_whom", "private rent",
               "panel")["lower"] == 0


def test_marker_that_states_a_bound():
    ps = codes_set(text_total=False)
    audit = intruder_audit(ps, threshold=3, marker_upper=3)  # shown as "<3": each hidden cell is 1 or 2
    r = row(audit, "codes", "New connections", "entrepreneurs")
    assert (r["lower"], r["upper"], r["disclosed"]) == (1, 2, True)
    with pytest.raises(ValueError, match="misstate"):
        intruder_audit(for_whom_set(hidden=("private rent", "social rent")), threshold=10, marker_upper=10)


def test_rounded_counts_are_known_within_half_a_unit():
    t = pd.DataFrame({"n": [23, 8, 31]}, index=["a", "b", "total"])
    shown = pd.DataFrame({"n": [True, False, True]}, index=t.index)
    ps = PublishedSet().add_table("t", t, total_row="total", published=shown, round_to=5)
    r = intruder_audit(ps, threshold=10).iloc[0]  # 30 - 25 shown: a in [22.5, 27.5], total in [27.5, 32.5]
    assert r["row"] == "b" and r["lower"] <= 8 <= r["upper"] and (r["lower"], r["upper"]) == (1, 10)
    assert r["reason"] == "narrow"


def test_wrong_relations_and_shares_are_refused():
    t = pd.DataFrame({"residents": [7, 9, 11]}, index=["code a", "code b", "interviewees"])
    with pytest.raises(ValueError, match="does not hold"):  # codes are not a partition of interviewees
        PublishedSet().add_table("codes", t, total_row="interviewees")
    with pytest.raises(ValueError, match="within group"):
        PublishedSet().add_table("codes", t.assign(residents=[7, 12, 11]), size_row="interviewees")
    ps = PublishedSet().add_table("codes", t)
    with pytest.raises(ValueError, match="not 7/11"):
        ps.add_share("s", "code a", "p", count=("codes", "code a", "residents"),
                     base=("codes", "interviewees", "residents"), value=0.70)
    with pytest.raises(ValueError, match="no cell"):
        ps.link(("codes", "code a", "residents"), ("codes", "nope", "residents"))
    with pytest.raises(ValueError, match="already added"):
        ps.add_number("code a", 7, table="codes", column="residents")


def test_tidy_views_and_public_api():
    ps = attrition_set()
    cells, relations = ps.cells, ps.relations
    assert list(cells.columns) == ["table", "row", "column", "kind", "value", "published", "unit", "rests_on",
                                   "groups"]
    share = cells[cells["kind"] == "share"].iloc[0]
    assert share["rests_on"] == (("for_whom", "owner", "panel"), ("response", "panel", "n"))
    assert share["unit"] == 0.01
    assert relations["source"].tolist() == ["link"] * 4 and relations["coef"].tolist() == [1, -1, -1, -1]
    assert ev.PublishedSet is PublishedSet and ev.protect is protect and ev.intruder_audit is intruder_audit


# ---------------------------------------------------------------------------
# exact invariants: LP interval = whole-number enumeration; random tables protected
# ---------------------------------------------------------------------------


def brute_force(table, hidden, *, low=1):
    """Min/max of each hidden cell over all whole-number tables with the same shown cells and margins."""
    values = np.asarray(table)
    rows, cols = values.shape
    top = int(values.sum())
    found = {}
    for combo in itertools.product(range(low, top + 1), repeat=len(hidden)):
        trial = values.copy()
        for (i, j), v in zip(hidden, combo):
            trial[i, j] = v
        if (trial.sum(axis=1) == values.sum(axis=1)).all() and (trial.sum(axis=0) == values.sum(axis=0)).all():
            for cell, v in zip(hidden, combo):
                lo, hi = found.get(cell, (v, v))
                found[cell] = (min(lo, v), max(hi, v))
    return found


@pytest.mark.parametrize("inner, hidden", [
    ([[1, 3], [2, 4]], [(0, 0), (0, 1), (1, 0), (1, 1)]),
    ([[2, 5, 1], [3, 1, 4]], [(0, 0), (0, 2), (1, 0), (1, 1)]),
    ([[2, 5, 1], [3, 1, 4]], [(0, 2), (1, 1)]),
])
def test_audit_interval_equals_whole_number_enumeration(inner, hidden):
    inner = np.array(inner)
    full = np.vstack([np.column_stack([inner, inner.sum(axis=1)]),
                      np.append(inner.sum(axis=0), inner.sum())])
    names = [f"c{j}" for j in range(inner.shape[1])] + ["total"]
    labels = [f"r{i}" for i in range(inner.shape[0])] + ["total"]
    t = pd.DataFrame(full, index=labels, columns=names)
    shown = pd.DataFrame(True, index=labels, columns=names)
    for i, j in hidden:
        shown.iloc[i, j] = False
    audit = intruder_audit(PublishedSet().add_table("t", t, total_row="total", total_col="total",
                                                    published=shown), threshold=3)
    for (i, j), (lo, hi) in brute_force(inner, hidden).items():
        r = row(audit, "t", labels[i], names[j])
        assert (r["lower"], r["upper"]) == (lo, hi)


def test_random_tables_are_protected_across_a_linked_text_total():
    rng = np.random.default_rng(8)
    for _ in range(6):
        inner = rng.choice([0, 1, 2, 4, 6, 9, 12, 15], size=(3, 4), p=[.1, .15, .15, .1, .1, .1, .15, .15])
        t = pd.DataFrame(inner, index=["a", "b", "c"], columns=["w", "x", "y", "z"])
        t["total"] = t.sum(axis=1)
        t.loc["total"] = t.sum()
        ps = PublishedSet().add_table("t", t, total_row="total", total_col="total")
        ps.add_number("a", int(t.loc["a", "total"]), equals=[("t", "a", c) for c in "wxyz"])
        result = protect(ps, threshold=5)
        check_protected(result, 5)

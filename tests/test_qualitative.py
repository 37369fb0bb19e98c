"""Tests for evaluation.qualitative on small synthetic segment tables.

Every expected number is derived by hand in the comments next to it.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from evaluation.config import load_coding_frame
from evaluation.privacy import pseudonymise
from evaluation.qualitative import (
    apply_coding_frame,
    code_frequencies,
    code_matrix,
    code_matrix_segments,
    cooccurrence,
    framework_matrix,
    select_quotes,
)

ROOT = Path(__file__).resolve().parents[1]
APPROVED = "Citaat akkoord"


def seg(rows, coder="A"):
    """Segments from (document, case, code, start, end[, text]) tuples."""
    out = pd.DataFrame([r if len(r) == 6 else (*r, f"text {r[0]} {r[3]}") for r in rows],
                       columns=["document", "case", "code", "start", "end", "text"])
    return out.assign(coder=coder)


@pytest.fixture
def frame():
    return pd.DataFrame({
        "code": ["X", "Y", "Z", APPROVED],
        "theme": ["energy", "cohesion", "energy", None],
        "aspect": ["strength", "opportunity", "limitation", None],
        "label_nl": ["X", "Y", "Z", APPROVED], "label_en": ["X", "Y", "Z", APPROVED],
        "meta": [False, False, False, True],
    })


@pytest.fixture
def interviewees():
    return pd.DataFrame({"case": ["c1", "c2", "c3", "c4"],
                         "group": ["resident", "resident", "partner", "entrepreneur"]})


@pytest.fixture
def raw():
    # c1 and c2 residents, c3 partner, c4 entrepreneur without segments, c9 not in the list
    return seg([
        ("d1", "c1", "X", 0, 50), ("d1", "c1", "Y", 40, 60), ("d1", "c1", "X", 100, 150),
        ("d1", "c1", "Z", 200, 220), ("d1", "c1", APPROVED, 0, 70),
        ("d2", "c2", "X", 0, 30), ("d2", "c2", "Y", 35, 45), ("d2", "c2", "Q", 50, 60),
        ("d3", "c3", "Y", 0, 20), ("d3", "c3", "Z", 10, 30),
        ("d5", "c9", "X", 0, 10),
    ])


@pytest.fixture
def coded(raw, frame, interviewees):
    with pytest.warns(UserWarning):
        return apply_coding_frame(raw, frame=frame, interviewees=interviewees, approved_code=APPROVED)


# ---------------------------------------------------------------------------
# apply_coding_frame
# ---------------------------------------------------------------------------


def test_apply_coding_frame_maps_groups_themes_and_approval(raw, frame, interviewees):
    with pytest.warns(UserWarning) as record:
        out = apply_coding_frame(raw, frame=frame, interviewees=interviewees, approved_code=APPROVED)
    messages = " ".join(str(w.message) for w in record)
    assert "['Q']" in messages and "['c9']" in messages
    assert len(out) == 10 and APPROVED not in set(out["code"])  # meta row removed
    assert out["group"].tolist() == ["resident"] * 7 + ["partner"] * 2 + ["unknown"]
    assert out["theme"].tolist()[:4] == ["energy", "cohesion", "energy", "energy"]
    q = out[out["code"] == "Q"].iloc[0]
    assert pd.isna(q["theme"]) and pd.isna(q["aspect"])  # unmapped code kept
    assert out.attrs["unmapped_codes"].to_dict("list") == {"code": ["Q"], "n_segments": [1]}
    assert out.attrs["unknown_cases"] == ["c9"]
    # approved span d1 [0, 70): X [0, 50) and Y [40, 60) lie inside, X [100, 150) does not
    assert out["approved"].tolist() == [True, True, False, False] + [False] * 6
    assert out["approved"].dtype == bool


def test_approval_needs_containment_in_the_union_of_approved_spans(frame):
    raw = seg([("d1", "c1", "X", 10, 40), ("d1", "c1", "Y", 60, 90), ("d2", "c1", "X", 10, 40),
               ("d1", "c1", APPROVED, 0, 25), ("d1", "c1", APPROVED, 25, 50),
               ("d1", "c1", APPROVED, 70, 100)])
    out = apply_coding_frame(raw.assign(group="resident"), frame=frame, approved_code=APPROVED)
    # [10,40) is covered by [0,25) ∪ [25,50); [60,90) sticks out of [70,100); d2 has no approval
    assert out["approved"].tolist() == [True, False, False]
    # same result when the table carries a duplicated index (e.g. after pd.concat)
    again = apply_coding_frame(raw.assign(group="resident").set_axis([0] * len(raw)),
                               frame=frame, approved_code=APPROVED)
    assert again["approved"].tolist() == [True, False, False]


def test_apply_coding_frame_with_the_project_frame():
    frame = load_coding_frame(ROOT / "config/coding-frames/gebiedsgericht-werken.yml").table
    raw = seg([("d1", "c1", "Straatbijeenkomsten", 0, 10),
               ("d1", "c1", "Verkokering binnen de gemeente", 20, 30),
               ("d1", "c1", "Zichtbaar aanwezig zijn", 40, 50),
               ("d1", "c1", APPROVED, 0, 12)])
    people = pd.DataFrame({"case": ["c1"], "group": ["municipal_staff"]})
    out = apply_coding_frame(raw, frame=frame, interviewees=people, approved_code=APPROVED)
    assert out["theme"].fillna("-").tolist() == ["cohesion", "trust", "-"]
    assert out["aspect"].tolist() == ["strength", "limitation", "strength"]
    assert out["approved"].tolist() == [True, False, False]
    assert out.attrs["unmapped_codes"].empty


def test_apply_coding_frame_without_approved_code_approves_nothing(raw, frame, interviewees):
    raw = raw[raw["code"] != "Q"]
    with pytest.warns(UserWarning, match="c9"):
        out = apply_coding_frame(raw, frame=frame, interviewees=interviewees)
    assert not out["approved"].any()
    assert len(out) == 9  # the meta code is still removed


def test_apply_coding_frame_errors(raw, frame):
    with pytest.raises(ValueError, match=r"`frame` lists codes \['X'\] more than once"):
        apply_coding_frame(raw, frame=pd.concat([frame, frame.iloc[:1]]))
    with pytest.raises(ValueError, match=r"gives cases \['c1'\] more than one group"):
        apply_coding_frame(raw, frame=frame, interviewees=pd.DataFrame(
            {"case": ["c1", "c1"], "group": ["resident", "partner"]}))
    with pytest.raises(ValueError, match=r"`segments` lacks columns \['start'\]"):
        apply_coding_frame(raw.drop(columns="start"), frame=frame)
    with pytest.warns(UserWarning, match="no segment is coded 'Akkoord'"):
        apply_coding_frame(raw[raw["code"] != "Q"].assign(group="resident"), frame=frame,
                           approved_code="Akkoord")


# ---------------------------------------------------------------------------
# code_frequencies / code_matrix
# ---------------------------------------------------------------------------


def test_code_frequencies_overall_by_hand(coded, interviewees):
    f = code_frequencies(coded, cases=interviewees).set_index("code")
    # X: d1 twice + d2 + d5 = 4 segments in cases c1, c2, c9; all cases: c1..c4 + c9 = 5
    assert f.loc["X", ["n_segments", "n_cases", "n_cases_total"]].tolist() == [4, 3, 5]
    assert f.loc["X", "prevalence"] == pytest.approx(3 / 5)
    assert f.loc["Y", ["n_segments", "n_cases"]].tolist() == [3, 3]
    assert f.loc["Q", ["n_segments", "n_cases"]].tolist() == [1, 1]
    # without the interviewee list c4 (no segments) drops out of the denominator
    assert code_frequencies(coded)["n_cases_total"].unique().tolist() == [4]


def test_code_frequencies_by_group_by_hand(coded, interviewees):
    f = code_frequencies(coded, by="group", cases=interviewees)
    assert f["group"].unique().tolist() == ["resident", "entrepreneur", "partner", "unknown"]
    x = f[f["code"] == "X"].set_index("group")
    # residents c1 (2 X) and c2 (1 X): 3 segments, 2 of 2 cases
    assert x.loc["resident", ["n_segments", "n_cases", "n_cases_total"]].tolist() == [3, 2, 2]
    assert x.loc["entrepreneur", ["n_segments", "n_cases", "n_cases_total"]].tolist() == [0, 0, 1]
    assert x.loc["unknown", ["n_segments", "n_cases", "n_cases_total"]].tolist() == [1, 1, 1]
    z = f[f["code"] == "Z"].set_index("group")
    assert z.loc["resident", "prevalence"] == pytest.approx(1 / 2)
    assert z.loc["partner", "prevalence"] == pytest.approx(1.0)
    assert len(f) == 4 * 4  # complete grid: 4 codes x 4 groups


def test_code_frequencies_theme_level_merges_codes_on_one_span(frame):
    raw = seg([("d1", "c1", "X", 0, 10), ("d1", "c1", "Z", 0, 10), ("d1", "c1", "Z", 20, 30),
               ("d2", "c2", "Y", 0, 10), ("d2", "c2", "X", 0, 10)], coder="A")
    raw = pd.concat([raw, seg([("d1", "c1", "X", 0, 10)], coder="B")])  # second coder
    out = apply_coding_frame(raw.assign(group="resident"), frame=frame)
    f = code_frequencies(out, level="theme").set_index("theme")
    # energy: d1/A [0,10) (X and Z -> once), d1/A [20,30), d1/B [0,10), d2/A [0,10) -> 4
    assert f.loc["energy", ["n_segments", "n_cases"]].tolist() == [4, 2]
    assert f.loc["cohesion", ["n_segments", "n_cases"]].tolist() == [1, 1]
    a = code_frequencies(out, level="aspect").set_index("aspect")
    assert a["n_segments"].to_dict() == {"limitation": 2, "opportunity": 1, "strength": 3}


def test_code_frequencies_errors(coded):
    with pytest.raises(ValueError, match="`level` must be one of"):
        code_frequencies(coded, level="category")
    with pytest.raises(ValueError, match=r"lacks columns \['theme'\].*apply_coding_frame"):
        code_frequencies(coded.drop(columns="theme"), level="theme")
    with pytest.raises(ValueError, match=r"`cases` lacks columns \['group'\]"):
        code_frequencies(coded, by="group", cases=pd.DataFrame({"case": ["c1"]}))


def test_code_matrix_values_and_retrieval(coded, interviewees):
    cases_m = code_matrix(coded, value="cases", cases=interviewees)
    segs_m = code_matrix(coded, value="segments", cases=interviewees)
    prev_m = code_matrix(coded, value="prevalence", cases=interviewees)
    assert list(cases_m.columns) == ["resident", "entrepreneur", "partner", "unknown"]
    assert cases_m.loc["X"].tolist() == [2, 0, 0, 1]
    assert segs_m.loc["Y"].tolist() == [2, 0, 1, 0]
    assert prev_m.loc["Z"].tolist() == pytest.approx([0.5, 0.0, 1.0, 0.0])
    for code in segs_m.index:
        for group in segs_m.columns:
            cell = code_matrix_segments(coded, row=code, column=group)
            assert len(cell) == segs_m.loc[code, group]
            assert cell["case"].nunique() == cases_m.loc[code, group]
    refs = code_matrix_segments(coded, row="X", column="resident")
    assert list(zip(refs["document"], refs["start"], refs["end"])) == [
        ("d1", 0, 50), ("d1", 100, 150), ("d2", 0, 30)]


def test_code_matrix_by_case_and_theme(coded):
    m = code_matrix(coded, rows="theme", columns="case", value="segments")
    # energy in c1: X 0-50, X 100-150, Z 200-220 = 3; c3: Z = 1; c9: X = 1
    assert m.loc["energy"].to_dict() == {"c1": 3, "c2": 1, "c3": 1, "c9": 1}
    with pytest.raises(ValueError, match="`value` must be one of"):
        code_matrix(coded, value="share")
    with pytest.raises(ValueError, match="`rows` and `columns` are both 'code'"):
        code_matrix(coded, columns="code")


# ---------------------------------------------------------------------------
# co-occurrence
# ---------------------------------------------------------------------------


@pytest.fixture
def cooc():
    return seg([
        ("d1", "c1", "X", 0, 50), ("d1", "c1", "Y", 40, 60),
        ("d1", "c1", "X", 100, 150), ("d1", "c1", "Y", 155, 170),
        ("d2", "c1", "X", 0, 30), ("d2", "c1", "Y", 10, 20), ("d2", "c1", "Y", 25, 40),
        ("d3", "c2", "Z", 0, 10),
    ])


def _pair(table, a, b):
    return table[(table["code_a"] == a) & (table["code_b"] == b)].iloc[0]


def test_cooccurrence_overlap_by_hand(cooc):
    out = cooccurrence(cooc)
    assert list(zip(out["code_a"], out["code_b"])) == [("X", "Y"), ("X", "Z"), ("Y", "Z")]
    xy = _pair(out, "X", "Y")
    # d1: {X 0-50, Y 40-60} one unit; X 100-150 and Y 155-170 apart -> a 2, b 2, ab 1
    # d2: X 0-30 overlaps both Y -> one unit with both -> a 1, b 1, ab 1
    assert [xy["n_a"], xy["n_b"], xy["n_ab"]] == [3, 3, 2]
    assert xy["c_coefficient"] == pytest.approx(2 / (3 + 3 - 2))
    assert xy["conditional"] == pytest.approx(2 / 3)
    assert not xy["distorted"]
    # without X linking them, the two Y segments of d2 are separate units: Y has 4
    yz = _pair(out, "Y", "Z")
    assert [yz["n_a"], yz["n_b"], yz["n_ab"], yz["c_coefficient"]] == [4, 1, 0, 0.0]


def test_cooccurrence_proximity_by_hand(cooc):
    # k = 5: X 100-150 and Y 155-170 have gap 155 - 150 = 5 -> linked; k = 4 -> not
    xy5 = _pair(cooccurrence(cooc, scope="proximity", k=5), "X", "Y")
    assert [xy5["n_a"], xy5["n_b"], xy5["n_ab"], xy5["c_coefficient"]] == [3, 3, 3, 1.0]
    xy4 = _pair(cooccurrence(cooc, scope="proximity", k=4), "X", "Y")
    assert [xy4["n_a"], xy4["n_b"], xy4["n_ab"]] == [3, 3, 2]


def test_touching_spans_do_not_overlap_but_are_within_zero():
    s = seg([("d1", "c1", "X", 0, 5), ("d1", "c1", "Y", 5, 9)])
    assert cooccurrence(s)["n_ab"].tolist() == [0]
    assert cooccurrence(s, scope="proximity", k=0)["n_ab"].tolist() == [1]


def test_cooccurrence_document_and_case_scope(cooc):
    doc = cooccurrence(cooc, scope="document")
    # X and Y in d1, d2; Z in d3 only
    assert _pair(doc, "X", "Y")[["n_a", "n_b", "n_ab"]].tolist() == [2, 2, 2]
    assert _pair(doc, "X", "Z")[["n_a", "n_b", "n_ab"]].tolist() == [2, 1, 0]
    case = cooccurrence(cooc, scope="case")
    # d1 and d2 both belong to c1
    assert _pair(case, "X", "Y")[["n_a", "n_b", "n_ab", "c_coefficient"]].tolist() == [1, 1, 1, 1.0]


def test_cooccurrence_keeps_coders_apart():
    s = pd.concat([seg([("d1", "c1", "X", 0, 10)], coder="A"),
                   seg([("d1", "c1", "Y", 0, 10)], coder="B")])
    assert cooccurrence(s)["n_ab"].tolist() == [0]
    assert cooccurrence(s, scope="document")["n_ab"].tolist() == [1]


def test_cooccurrence_distortion_flag_and_theme_level(frame):
    rows = [("d1", "c1", "X", 100 * i, 100 * i + 10) for i in range(6)]
    six = seg(rows + [("d1", "c1", "Y", 0, 5)])
    five = seg(rows[:5] + [("d1", "c1", "Y", 0, 5)])
    r6, r5 = cooccurrence(six).iloc[0], cooccurrence(five).iloc[0]
    # 6 vs 1: c = 1/6 although every Y co-occurs (conditional 1) -> flagged; 5 vs 1 is not > 5
    assert r6["c_coefficient"] == pytest.approx(1 / 6) and r6["conditional"] == 1.0
    assert bool(r6["distorted"]) and not bool(r5["distorted"])
    assert bool(cooccurrence(five, distortion_ratio=4).iloc[0]["distorted"])

    themed = apply_coding_frame(seg([("d1", "c1", "X", 0, 10), ("d1", "c1", "Y", 5, 15),
                                     ("d1", "c1", "Z", 12, 20)]).assign(group="resident"), frame=frame)
    t = cooccurrence(themed, level="theme")
    # cohesion: Y 5-15; energy: X 0-10 and Z 12-20, both overlap Y -> one unit
    assert t[["code_a", "code_b", "n_a", "n_b", "n_ab"]].values.tolist() == [
        ["cohesion", "energy", 1, 1, 1]]


def test_cooccurrence_errors(cooc):
    with pytest.raises(ValueError, match="needs `k`, a non-negative number"):
        cooccurrence(cooc, scope="proximity")
    with pytest.raises(ValueError, match="`k` is only used with scope='proximity'"):
        cooccurrence(cooc, k=3)
    with pytest.raises(ValueError, match="`scope` must be one of"):
        cooccurrence(cooc, scope="sentence")
    with pytest.raises(ValueError, match="use scope='document'"):
        cooccurrence(cooc.assign(start=np.nan))


# ---------------------------------------------------------------------------
# framework matrix
# ---------------------------------------------------------------------------


def test_framework_matrix_by_hand(coded, interviewees):
    fm = framework_matrix(coded, cases=interviewees, max_refs=2)
    assert fm.index.tolist() == [("resident", "c1"), ("resident", "c2"), ("entrepreneur", "c4"),
                                 ("partner", "c3"), ("unknown", "c9")]
    assert list(fm.columns) == ["cohesion", "energy"]
    assert fm.loc[("resident", "c1"), "energy"] == "3: d1:0-50; d1:100-150; +1"
    assert fm.loc[("resident", "c1"), "cohesion"] == "1: d1:40-60"
    assert fm.loc[("entrepreneur", "c4")].tolist() == ["", ""]
    counts = fm.attrs["counts"]
    assert counts.loc[("partner", "c3")].tolist() == [1, 1]
    assert int(counts.to_numpy().sum()) == 9  # every mapped segment once (Q has no theme)
    with pytest.raises(ValueError, match="`max_refs` must be a non-negative integer"):
        framework_matrix(coded, max_refs=-1)


# ---------------------------------------------------------------------------
# select_quotes
# ---------------------------------------------------------------------------


@pytest.fixture
def quotable():
    return pd.DataFrame({
        "document": ["int-Jansen", "int-Jansen", "int-Jansen", "int-Ali", "int-Bos", "int-Bos"],
        "case": ["Jansen", "Jansen", "Jansen", "Ali", "Bos", "Bos"],
        "group": ["resident", "resident", "resident", "resident", "partner", "partner"],
        "code": "X", "theme": ["cohesion", "cohesion", "energy", "cohesion", "energy", "energy"],
        "start": [0, 100, 200, 0, 50, 0], "end": [40, 140, 260, 30, 90, 80],
        "text": ["We kennen elkaar nu veel beter.", "Mevrouw de Vries op nummer 3 hielp.",
                 "De energiecoach legde alles uit.", "Het was gezellig in de straat.",
                 "Samen met de corporatie isoleren we.", "Niet goedgekeurd."],
        "approved": [True, True, True, True, True, False],
        "coder": "A",
    })


def test_select_quotes_approved_screened_and_pseudonymised(quotable):
    q = select_quotes(quotable, n=5, seed=1)
    # cohesion/resident: rows 0 and 3 (row 1 identifies someone); energy/resident: row 2;
    # energy/partner: row 4 (row 5 not approved)
    assert sorted(zip(q["theme"], q["group"], q["quote"])) == [
        ("cohesion", "resident", "Het was gezellig in de straat."),
        ("cohesion", "resident", "We kennen elkaar nu veel beter."),
        ("energy", "partner", "Samen met de corporatie isoleren we."),
        ("energy", "resident", "De energiecoach legde alles uit."),
    ]
    assert list(q.columns) == ["theme", "group", "speaker", "quote", "document_ref"]
    published = " ".join(q.astype(str).to_numpy().ravel())
    assert not any(name in published for name in ("Jansen", "Ali", "Bos"))
    out = q.attrs["screened_out"]
    assert out[["document", "start"]].values.tolist() == [["int-Jansen", 100]]
    assert out["reasons"].iloc[0] == ["house number", "title + name"]
    refs = q.attrs["references"]
    assert len(refs) == len(q)


def test_select_quotes_speaker_labels_with_and_without_key(quotable):
    keyed = select_quotes(quotable, theme="energy", key="synthetic-key")
    expected = pseudonymise(["Jansen", "Bos"], key="synthetic-key", prefix="I")
    assert set(keyed["speaker"]) == {f"resident {expected[0]}", f"partner {expected[1]}"}
    doc = pseudonymise(["int-Jansen"], key="synthetic-key", prefix="D")[0]
    assert f"{doc}:200-260" in set(keyed["document_ref"])
    plain = select_quotes(quotable, theme="energy")
    assert plain["speaker"].tolist() == ["resident 1", "partner 2"]
    assert plain["document_ref"].tolist() == ["interview 1:200-260", "interview 2:50-90"]


def test_select_quotes_n_seed_filters_and_length(quotable):
    one = select_quotes(quotable, theme="cohesion", group="resident", n=1, seed=3)
    assert len(one) == 1
    again = select_quotes(quotable, theme="cohesion", group="resident", n=1, seed=3)
    assert one["quote"].tolist() == again["quote"].tolist()
    seen = {select_quotes(quotable, theme="cohesion", n=1, seed=s)["quote"].iloc[0] for s in range(20)}
    assert seen == {"Het was gezellig in de straat.", "We kennen elkaar nu veel beter."}
    # the shorter quote fits 30 characters and is preferred over cutting the longer one
    short = select_quotes(quotable, theme="cohesion", n=1, max_chars=30, seed=0)
    assert short["quote"].tolist() == ["Het was gezellig in de straat."]
    cut = select_quotes(quotable, theme="cohesion", n=2, max_chars=20, seed=0)
    # "Het was gezellig in de straat." -> first 19 chars "Het was gezellig in", cut at the
    # last space -> "Het was gezellig" + "…"
    assert "Het was gezellig…" in cut["quote"].tolist()
    assert cut["quote"].str.len().max() <= 20


def test_select_quotes_requires_approval_column(quotable):
    with pytest.raises(ValueError, match=r"lacks columns \['approved'\].*apply_coding_frame"):
        select_quotes(quotable.drop(columns="approved"))
    with pytest.raises(ValueError, match="`n` must be a positive integer"):
        select_quotes(quotable, n=0)

"""Tests for evaluation.integrate: the joint-display rule, directions, tone and the table.

Every expected value is derived by hand in the comments next to it.
"""
from __future__ import annotations

from itertools import product

import numpy as np
import pandas as pd
import pytest

from evaluation.integrate import DIRECTIONS, TONES, VERDICTS, joint_display, joint_verdict
from evaluation.qualitative import code_frequencies

CODE = {"improved": "improved", "worsened": "worsened", "no clear change": "no-clear-change",
        "no meaningful change": "no-meaningful-change", "mostly positive": "positive",
        "mostly critical": "critical", "mixed": "mixed", "not evaluated": "not-evaluated"}

# the rule with the theme well discussed (prevalence >= threshold): every direction x tone
RULE = [
    ("improved", "mostly positive", "confirms"),
    ("improved", "mostly critical", "contradicts"),
    ("improved", "mixed", "expands"),
    ("improved", "not evaluated", "expands"),
    ("worsened", "mostly positive", "contradicts"),
    ("worsened", "mostly critical", "confirms"),
    ("worsened", "mixed", "expands"),
    ("worsened", "not evaluated", "expands"),
    ("no clear change", "mostly positive", "expands"),
    ("no clear change", "mostly critical", "expands"),
    ("no clear change", "mixed", "expands"),
    ("no clear change", "not evaluated", "expands"),
    ("no meaningful change", "mostly positive", "expands"),
    ("no meaningful change", "mostly critical", "expands"),
    ("no meaningful change", "mixed", "expands"),
    ("no meaningful change", "not evaluated", "expands"),
]


def test_rule_table_covers_every_direction_and_tone():
    assert {(d, t) for d, t, _ in RULE} == set(product(DIRECTIONS, TONES))
    assert CODE == DIRECTIONS | TONES
    assert {v for *_, v in RULE} | {"survey only", "interviews only"} == set(VERDICTS)


@pytest.mark.parametrize(("direction", "tone", "verdict"), RULE)
@pytest.mark.parametrize("prevalence", [0.5, 0.75, 1.0])  # 0.5 = threshold: counts as discussed
def test_rule_discussed(direction, tone, verdict, prevalence):
    reason = f"{CODE[direction]}+{CODE[tone]}"
    assert joint_verdict(direction, tone, prevalence, threshold=0.5) == (verdict, reason)


@pytest.mark.parametrize(("direction", "tone"), list(product(DIRECTIONS, TONES)))
@pytest.mark.parametrize("prevalence", [0.0, 0.49])
def test_rule_rarely_mentioned_is_survey_only(direction, tone, prevalence):
    expected = ("survey only", f"{CODE[direction]}+rarely-mentioned")
    assert joint_verdict(direction, tone, prevalence, threshold=0.5) == expected


@pytest.mark.parametrize("tone", TONES)
@pytest.mark.parametrize(("direction", "prevalence"), [(None, 0.8), (np.nan, 0.1), (pd.NA, 0.5)])
def test_rule_no_survey_is_interviews_only(direction, tone, prevalence):
    assert joint_verdict(direction, tone, prevalence) == ("interviews only", f"no-survey+{CODE[tone]}")


@pytest.mark.parametrize("direction", DIRECTIONS)
@pytest.mark.parametrize("missing", [None, np.nan, pd.NA])
def test_rule_not_in_interviews_is_survey_only(direction, missing):
    expected = ("survey only", f"{CODE[direction]}+not-in-interviews")
    assert joint_verdict(direction, missing, missing) == expected


def test_rule_threshold_is_used():
    # 0.3 is below the default 0.5 but at a threshold of 0.3
    assert joint_verdict("improved", "mostly positive", 0.3)[0] == "survey only"
    assert joint_verdict("improved", "mostly positive", 0.3, threshold=0.3)[0] == "confirms"


@pytest.mark.parametrize(("args", "kwargs", "match"), [
    ((None, None, None), {}, "neither a survey result nor interview data"),
    (("improved", "mostly positive", None), {}, "both be given"),
    (("improved", None, 0.6), {}, "both be given"),
    (("better", "mostly positive", 0.6), {}, "`direction` must be one of"),
    (("improved", "positive", 0.6), {}, "`tone` must be one of"),
    (("improved", "mixed", 1.5), {}, r"`prevalence` must lie in \[0, 1\]"),
    (("improved", "mixed", 0.6), {"threshold": 2}, r"`threshold` must lie in \[0, 1\]"),
])
def test_rule_rejects_bad_input(args, kwargs, match):
    with pytest.raises(ValueError, match=match):
        joint_verdict(*args, **kwargs)


# ---------------------------------------------------------------------------
# joint_display
# ---------------------------------------------------------------------------


def segments(rows):
    """Coded segments from (document, case, group, theme, aspect, start, end[, coder]) tuples."""
    out = pd.DataFrame([r if len(r) == 8 else (*r, "A") for r in rows],
                       columns=["document", "case", "group", "theme", "aspect", "start", "end", "coder"])
    return out.assign(code="c", text="t")


def survey(theme="energy", low=0.1, high=0.5, **extra):
    return pd.DataFrame({"theme": [theme], "outcome": ["ene"], "estimate": [(low + high) / 2],
                         "ci_low": [low], "ci_high": [high], **{k: [v] for k, v in extra.items()}})


ONE_THEME = segments([("d1", "a", "resident", "energy", None, 0, 10)])


@pytest.mark.parametrize(("low", "high", "smallest", "expected"), [
    (0.1, 0.5, None, "improved"),
    (-0.5, -0.1, None, "worsened"),
    (-0.1, 0.5, None, "no clear change"),
    (0.0, 0.5, None, "no clear change"),  # a CI touching 0 does not exclude it
    (-0.5, 0.0, None, "no clear change"),
    (0.05, 0.15, 0.2, "no meaningful change"),  # above 0 but inside ±0.2: checked first
    (-0.2, 0.2, 0.2, "no meaningful change"),  # the bounds belong to the band
    (-0.21, 0.1, 0.2, "no clear change"),
    (0.1, 0.3, 0.2, "improved"),
    (-0.3, -0.1, 0.2, "worsened"),
])
def test_survey_direction(low, high, smallest, expected):
    out = joint_display(survey(low=low, high=high), ONE_THEME, smallest_change=smallest)
    assert out.loc[0, "survey_direction"] == expected


def test_smallest_change_column_wins_over_argument():
    # CI (0.05, 0.15): inside ±0.2 (column) but not inside ±0.1 (argument)
    out = joint_display(survey(low=0.05, high=0.15, smallest_change=0.2), ONE_THEME, smallest_change=0.1)
    assert (out.loc[0, "survey_smallest_change"], out.loc[0, "survey_direction"]) == (0.2, "no meaningful change")
    out = joint_display(survey(low=0.05, high=0.15, smallest_change=np.nan), ONE_THEME, smallest_change=0.1)
    assert (out.loc[0, "survey_smallest_change"], out.loc[0, "survey_direction"]) == (0.1, "improved")


def test_tone_counts_co_coded_aspects():
    seg = segments([
        ("d1", "a", "resident", "energy", None, 0, 50),
        ("d1", "a", "resident", None, "limitation", 40, 60),   # overlaps [0, 50): critical 1
        ("d1", "a", "resident", None, "limitation", 50, 70),   # touches only: not counted
        ("d1", "a", "resident", None, "strength", 10, 20),     # inside: positive 1
        ("d1", "a", "resident", None, "opportunity", 10, 20),  # other aspect, same span: positive 2
        ("d1", "a", "resident", None, "strength", 30, 45, "B"),  # other coder: not counted
        ("d2", "b", "partner", None, "strength", 0, 50),       # other document: not counted
        ("d2", "b", "partner", "energy", "strength", 100, 120),  # one code with both: positive 3
        ("d2", "b", "partner", "energy", "strength", 100, 120),  # exact duplicate row: once
    ])
    row = joint_display(survey(), seg).iloc[0]
    assert (row["interview_positive"], row["interview_critical"]) == (3, 1)
    assert row["interview_tone"] == "mostly positive"
    # segments without positions link only within their own row (duplicate dropped: without
    # positions it could not be told from a second segment, as in code_frequencies)
    row = joint_display(survey(), seg.iloc[:-1].drop(columns=["start", "end"])).iloc[0]
    assert (row["interview_positive"], row["interview_critical"]) == (1, 0)


@pytest.mark.parametrize(("aspects", "tone"), [
    (["strength", "limitation", "limitation"], "mostly critical"),  # 1 < 2
    (["opportunity", "limitation"], "mixed"),                     # 1 = 1
    (["strength", "opportunity", "limitation"], "mostly positive"),  # 2 > 1
    ([], "not evaluated"),                                        # 0 = 0
])
def test_tone_from_counts(aspects, tone):
    rows = [("d1", "a", "resident", "energy", None, 0, 100)]
    rows += [("d1", "a", "resident", None, asp, 10 * i, 10 * i + 5) for i, asp in enumerate(aspects)]
    assert joint_display(survey(), segments(rows)).loc[0, "interview_tone"] == tone


@pytest.fixture
def study():
    # 3 residents (r3 has no segment) and 2 partners; themes energy, trust, climate
    seg = segments([
        ("d1", "r1", "resident", "energy", "strength", 0, 20),
        ("d1", "r1", "resident", "trust", None, 30, 60),
        ("d1", "r1", "resident", None, "limitation", 50, 70),
        ("d2", "r2", "resident", "energy", None, 0, 20),
        ("d3", "p1", "partner", "energy", "strength", 0, 20),
        ("d3", "p1", "partner", "trust", "limitation", 30, 40),
        ("d4", "p2", "partner", "climate", "opportunity", 0, 20),
        ("d4", "p2", "partner", "trust", None, 30, 40),
    ])
    cases = pd.DataFrame({"case": ["r1", "r2", "r3", "p1", "p2"],
                          "group": ["resident"] * 3 + ["partner"] * 2})
    surv = pd.DataFrame({"theme": ["trust", "energy", "safety"], "outcome": ["tru", "ene", "prep"],
                         "estimate": [0.3, 0.2, -0.4], "ci_low": [0.1, -0.1, -0.7],
                         "ci_high": [0.5, 0.5, -0.1], "p_value": [0.01, 0.2, 0.01]})
    quotes = pd.DataFrame({"theme": ["energy", "energy", "trust"],
                           "group": ["resident", "partner", "resident"],
                           "speaker": ["resident 1", "partner 1", "resident 2"],
                           "quote": ["Q-energy-1", "Q-energy-2", "Q-trust"],
                           "document_ref": ["d1:0-20", "d3:0-20", "d1:30-60"]})
    return surv, seg, cases, quotes


def test_joint_display_end_to_end(study):
    surv, seg, cases, quotes = study
    out = joint_display(surv, seg, cases=cases, quotes=quotes, prevalence_threshold=0.5).set_index("theme")
    # survey order first, then interview-only themes
    assert out.index.tolist() == ["trust", "energy", "safety", "climate"]
    # trust: r1, p1, p2 mention it: 3 of 5 (r3 counts in N); residents 1/3, partners 2/2
    # co-coded: limitation [50,70) overlaps trust [30,60) and p1's trust row is a limitation: 0 vs 2
    t = out.loc["trust"]
    assert (t["interview_cases"], t["interview_cases_total"]) == (3, 5)
    assert t["interview_prevalence"] == pytest.approx(3 / 5, abs=1e-12)
    assert t["interview_groups"] == "partner 2/2; resident 1/3"
    assert (t["interview_positive"], t["interview_critical"], t["interview_tone"]) == (0, 2, "mostly critical")
    assert (t["survey_direction"], t["verdict"], t["verdict_reason"]) == (
        "improved", "contradicts", "improved+critical")
    # the quote's passage [30, 60) overlaps the limitation [50, 70): a critical quote for a critical row
    assert (t["quote"], t["quote_speaker"], t["quote_ref"], t["quote_tone"]) == (
        "Q-trust", "resident 2", "d1:30-60", "critical")
    assert t["interview_codes"] == "c" and t["perspective"] == "all"
    # energy: r1, r2, p1: 3/5; CI (-0.1, 0.5) → no clear change; 2 strengths → expands
    e = out.loc["energy"]
    assert e["interview_groups"] == "resident 2/3; partner 1/2"  # highest prevalence first
    assert (e["survey_direction"], e["interview_tone"], e["verdict"], e["verdict_reason"]) == (
        "no clear change", "mostly positive", "expands", "no-clear-change+positive")
    assert e["quote"] == "Q-energy-1"  # the first quote of the theme whose tone fits (strength at [0, 20))
    # safety: survey only, interview columns missing
    s = out.loc["safety"]
    assert (s["survey_direction"], s["verdict"], s["verdict_reason"]) == (
        "worsened", "survey only", "worsened+not-in-interviews")
    assert pd.isna(s["interview_prevalence"]) and pd.isna(s["interview_tone"]) and pd.isna(s["quote"])
    # climate: interviews only (p2: 1 of 5, one opportunity)
    c = out.loc["climate"]
    assert pd.isna(c["survey_estimate"]) and pd.isna(c["survey_direction"])
    assert (c["interview_groups"], c["verdict"], c["verdict_reason"]) == (
        "partner 1/2", "interviews only", "no-survey+positive")
    # the verdict is a function of the columns shown, nothing else
    again = [joint_verdict(r.survey_direction, r.interview_tone, r.interview_prevalence,
                           threshold=r.interview_threshold) for r in out.itertuples()]
    assert again == list(zip(out["verdict"], out["verdict_reason"]))


def test_quote_must_match_the_stated_tone(study):
    """A positive passage never illustrates a mostly critical theme: no quote rather than a misleading one."""
    surv, seg, cases, quotes = study
    quotes = quotes.assign(document_ref=["d1:0-20", "d3:0-20", "d1:0-20"])  # the trust quote now sits on a strength
    out = joint_display(surv, seg, cases=cases, quotes=quotes).set_index("theme")
    assert out.loc["trust", "interview_tone"] == "mostly critical" and pd.isna(out.loc["trust", "quote"])
    unknown = quotes.assign(document_ref="elsewhere:0-20")  # a passage that is not in the segments
    out = joint_display(surv, seg, cases=cases, quotes=unknown).set_index("theme")
    assert out["quote"].isna().loc[["trust", "energy"]].all()


def test_survey_groups_split_the_surveyed_from_other_perspectives(study):
    """Residents' view is compared with the (residents') survey; the partners' view is its own row, not compared."""
    surv, seg, cases, quotes = study
    out = joint_display(surv, seg, cases=cases, quotes=quotes, survey_groups=["resident"])
    assert out[["theme", "perspective"]].values.tolist() == [
        ["trust", "surveyed"], ["trust", "others"], ["energy", "surveyed"], ["energy", "others"],
        ["safety", "surveyed"], ["climate", "others"]]
    rows = out.set_index(["theme", "perspective"])
    resident = rows.loc[("trust", "surveyed")]
    # residents: r1 of r1..r3 mention trust; r1's trust passage overlaps a limitation
    assert (resident["interview_cases"], resident["interview_cases_total"]) == (1, 3)
    assert resident["interview_tone"] == "mostly critical" and resident["perspective_groups"] == "resident"
    assert (resident["survey_estimate"], resident["verdict"]) == (0.3, "survey only")  # 1/3 < 50%
    partner = rows.loc[("trust", "others")]
    assert (partner["interview_cases"], partner["interview_cases_total"]) == (2, 2)
    assert pd.isna(partner["survey_estimate"]) and partner["verdict"] == "interviews only"
    assert partner["perspective_groups"] == "partner"
    assert pd.isna(partner["quote"])  # the only trust quote is a resident's
    # the split rows add up to the undivided row
    whole = joint_display(surv, seg, cases=cases).set_index("theme")
    assert resident["interview_cases"] + partner["interview_cases"] == whole.loc["trust", "interview_cases"]


def test_prevalence_matches_code_frequencies(study):
    surv, seg, cases, _ = study
    out = joint_display(surv, seg, cases=cases).set_index("theme")
    freq = code_frequencies(seg, level="theme", cases=cases).set_index("theme")
    np.testing.assert_allclose(out.loc[freq.index, "interview_prevalence"], freq["prevalence"],
                               rtol=0, atol=1e-12)


# each case edits the study's (survey, segments, quotes) into bad arguments for joint_display
BAD_INPUT = [
    (lambda s, g, q: (s.drop(columns="ci_low"), g, {}), r"`survey` lacks columns \['ci_low'\].*change_model"),
    (lambda s, g, q: (s.drop(columns="theme"), g, {}), r"lacks columns \['theme'\].*compare_waves"),
    (lambda s, g, q: (s, g.drop(columns="aspect"), {}), r"`segments` lacks columns \['aspect'\].*apply_coding_frame"),
    (lambda s, g, q: (s, code_frequencies(g, level="theme"), {}), "not code_frequencies"),
    (lambda s, g, q: (s, g, {"quotes": q.drop(columns="speaker")}), r"`quotes` lacks.*'speaker'.*select_quotes"),
    (lambda s, g, q: (pd.concat([s, s]), g, {}), "one row per theme"),
    (lambda s, g, q: (s.assign(ci_low=[0.6, 0.0, 0.0]), g, {}), "ci_low > ci_high"),
    (lambda s, g, q: (s.assign(estimate=["x", 1, 2]), g, {}), "'estimate' has non-numeric values"),
    (lambda s, g, q: (s.assign(smallest_change=[0.0, 0.1, 0.1]), g, {}), "smallest_change <= 0"),
    (lambda s, g, q: (s, g, {"smallest_change": -1}), "`smallest_change` must be > 0"),
    (lambda s, g, q: (s, g, {"prevalence_threshold": 50}), r"`prevalence_threshold` must lie in \[0, 1\]"),
    (lambda s, g, q: (s, g.assign(aspect="kans"), {}), r"aspects \['kans'\]"),
    (lambda s, g, q: (s, g.assign(theme=None), {}), "no row of `segments` has a theme"),
]


@pytest.mark.parametrize(("edit", "match"), BAD_INPUT)
def test_joint_display_errors(study, edit, match):
    surv, seg, _, quotes = study
    surv, seg, kwargs = edit(surv, seg, quotes)
    with pytest.raises(ValueError, match=match):
        joint_display(surv, seg, **kwargs)


def test_survey_must_be_a_dataframe(study):
    with pytest.raises(TypeError, match="`survey` must be a pandas DataFrame"):
        joint_display([1, 2], study[1])

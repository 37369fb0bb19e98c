"""The publication gate (evaluation.report.gate) on a study shaped unlike the example, and proof that its audit fails.

The second study has four tenure groups of which two are small (6 and 4 panel members),
a stakeholder group of one person (a community police officer), a group of five in
which everyone named the same code, an attrition table whose shares come with their n,
and code and theme totals published in the text ("n of N"). Its results tables are
written out by hand below, so every count is known.
"""
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from evaluation import intruder_audit
from evaluation.report.gate import SEP, Gate, declare, publication

GROUPS = ["owner", "social_rent", "private_rent", "cooperative"]
POPULATION = {"owner": 120, "social_rent": 90, "private_rent": 30, "cooperative": 20}
RESPONDENTS = {"before": {"owner": 70, "social_rent": 44, "private_rent": 15, "cooperative": 11},
               "after": {"owner": 64, "social_rent": 41, "private_rent": 12, "cooperative": 9},
               "both": {"owner": 35, "social_rent": 21, "private_rent": 6, "cooperative": 4}}
# interviewees: residents 8, shop owners 5, municipal staff 4, police 1
SIZES = {"resident": 8, "shop": 5, "staff": 4, "police": 1}
CODES = {  # code -> interviewees per group who mentioned it
    "short lines": {"resident": 6, "shop": 5, "staff": 1, "police": 1},  # all 5 shop owners: group disclosure
    "silos": {"resident": 2, "shop": 0, "staff": 4, "police": 1},
    "new contacts": {"resident": 7, "shop": 2, "staff": 0, "police": 0},
}
THEMES = {"cohesion": {"resident": 7, "shop": 3, "staff": 1, "police": 0},
          "trust": {"resident": 5, "shop": 5, "staff": 4, "police": 1}}


def _response() -> pd.DataFrame:
    rows = []
    for wave, counts in RESPONDENTS.items():
        total = sum(counts.values())
        for group in [*GROUPS, "total"]:
            n = total if group == "total" else counts[group]
            pop = sum(POPULATION.values()) if group == "total" else POPULATION[group]
            rows.append({"wave": wave, "group": group, "population": pop, "respondents": n, "households": n,
                         "response_rate": n / pop, "share_respondents": n / total, "share_population": pop / 260})
    return pd.DataFrame(rows)


def _results() -> dict:
    panel = RESPONDENTS["both"]
    n_panel = sum(panel.values())
    leavers = {g: RESPONDENTS["before"][g] - panel[g] for g in GROUPS}
    n_leavers = sum(leavers.values())
    outcomes = ["wellbeing", "safety"]
    subgroup = pd.DataFrame([{"variable": "tenure", "group": g, "outcome": o, "n_pairs": panel[g],
                              "estimate": 0.1 * (i + 1), "ci_low": -0.5, "ci_high": 0.9}
                             for o in outcomes for i, g in enumerate(GROUPS)])
    change = pd.DataFrame({"outcome": outcomes, "n_before": [140, 139], "n_after": [126, 126],
                           "n_pairs": [n_panel, n_panel]})
    attrition = pd.DataFrame(
        [{"variable": "tenure", "level": g, "n_stayers": n_panel, "n_leavers": n_leavers,
          "mean_stayers": panel[g] / n_panel, "mean_leavers": leavers[g] / n_leavers} for g in GROUPS]
        + [{"variable": "wellbeing", "level": np.nan, "n_stayers": n_panel, "n_leavers": n_leavers,
            "mean_stayers": 6.1, "mean_leavers": 5.8}])
    code_group = pd.DataFrame([{"code": c, "group": g, "n_cases": n, "n_cases_total": SIZES[g]}
                               for c, per in CODES.items() for g, n in per.items()])
    overall = pd.DataFrame([{"code": c, "group": "total", "n_cases": sum(per.values()),
                             "n_cases_total": sum(SIZES.values())} for c, per in CODES.items()])
    themes = pd.DataFrame([{"theme": t, "group": g, "n_cases": n, "n_cases_total": SIZES[g]}
                           for t, per in THEMES.items() for g, n in per.items()]
                          + [{"theme": t, "group": "total", "n_cases": sum(per.values()),
                              "n_cases_total": sum(SIZES.values())} for t, per in THEMES.items()])
    joint = pd.DataFrame({"theme": list(THEMES), "interview_cases": [sum(p.values()) for p in THEMES.values()]})
    return {"response": _response(), "change": change, "subgroup": subgroup, "attrition": attrition,
            "code_group": code_group, "frequencies": pd.concat([code_group, overall], ignore_index=True),
            "frequencies_theme": themes, "joint": joint}


def _study(**privacy):
    settings = {f"privacy_{k}": v for k, v in privacy.items()}
    return SimpleNamespace(min_cell=10, min_cell_interviews=3, round_to=None, group_variable="tenure", **settings)


@pytest.fixture(scope="module")
def gate():
    return Gate(*publication(_results(), _study()))


def _status(gate, table, row, column):
    return gate.status(table, row, column)


def test_second_study_nothing_recoverable(gate):
    assert gate.passed
    summary = gate.summary()
    assert summary["disclosed"] == 0 and summary["primary"] >= 6 and summary["audited"] > 10


def test_small_tenure_groups_hidden_with_their_panel_and_shares(gate):
    for group in ("private_rent", "cooperative"):
        assert _status(gate, "response", f"both{SEP}{group}", "respondents") == "primary"
        assert _status(gate, "response", f"both{SEP}{group}", "share_respondents") == "derived"
        for outcome in ("wellbeing", "safety"):
            assert _status(gate, "subgroup", SEP.join(["tenure", group, outcome]), "n_pairs") == "primary"
            assert _status(gate, "subgroup", SEP.join(["tenure", group, outcome]), "estimate") == "derived"
        assert _status(gate, "attrition", f"tenure{SEP}{group}", "mean_stayers") == "derived"
    # the panel total is published, so at least one more group's panel count is hidden too
    assert _status(gate, "response", f"both{SEP}total", "respondents") == "published"
    hidden_big = [g for g in ("owner", "social_rent")
                  if _status(gate, "response", f"both{SEP}{g}", "respondents") != "published"]
    assert hidden_big


def test_group_of_one_never_shown_with_its_size(gate):
    assert _status(gate, "interviewees", "interviewees", "police") == "primary"
    for code in CODES:
        assert not gate.shown("code_group", code, "police") or CODES[code]["police"] == 0


def test_everyone_in_a_small_group_is_not_published(gate):
    # all 5 shop owners named "short lines", and all 5 named trust
    assert _status(gate, "code_group", "short lines", "shop") == "primary"
    assert _status(gate, "theme_group", "trust", "shop") == "primary"
    row = gate.audit.set_index(["table", "row", "column"]).loc[("code_group", "short lines", "shop")]
    assert "whole group" in row["sensitive"] and not row["disclosed"]


def test_text_totals_kept_and_code_rows_protected(gate):
    """The code totals quoted in the text stay published; the code × group rows absorb the protection."""
    for code in CODES:
        assert gate.shown("code_total", code, "n"), code
    audit = gate.audit[gate.audit["table"] == "code_group"]
    assert len(audit) and not audit["disclosed"].any()
    assert (audit.loc[~audit["published"].astype(bool), "upper"]
            - audit.loc[~audit["published"].astype(bool), "lower"]).min() >= 2


# ------------------------------------------------------------------ the audit can fail


def _per_table_suppression(ps, threshold):
    """What the report did before the gate: hide only the small counts of each table."""
    small = ps.cells[ps.cells["kind"].isin(["count", "size"]) & (ps.cells["value"] > 0)
                     & (ps.cells["value"] < threshold)]
    return ps.copy().hide([tuple(k) for k in small[["table", "row", "column"]].itertuples(index=False)])


@pytest.mark.parametrize("population", ["survey", "interviews"])
def test_audit_catches_the_leaks_of_per_table_suppression(population):
    ps, rules = declare(_results(), _study())[population]
    audit = intruder_audit(_per_table_suppression(ps, rules["threshold"]), **rules)
    leaks = audit[audit["disclosed"]]
    assert len(leaks)
    if population == "survey":
        # the private-rent panel count follows from the total minus the others, and from share × n
        row = audit.set_index(["table", "row", "column"]).loc[("response", f"both{SEP}private_rent", "respondents")]
        assert row["disclosed"] and row["lower"] == row["upper"] == 6
        assert leaks["reason"].str.contains("exact").any()
    else:
        # the shop owners' 5/5 is shown as a number; the police officer's size is hidden but its code cells
        # are not (1 ≥ 1, shown) — the audit flags both
        assert ("code_group", "short lines", "shop") in set(map(tuple, leaks[["table", "row", "column"]].to_numpy()))
        assert leaks["table"].isin(["code_group", "theme_group"]).any()


def test_audit_catches_a_code_total_in_the_text():
    """Issue example: row <3, 0, <3, 7 with total 9 in the text gives the two hidden cells exactly."""
    results = _results()
    codes = {"new connections": {"resident": 7, "shop": 1, "staff": 0, "police": 1}}
    results["code_group"] = pd.DataFrame([{"code": c, "group": g, "n_cases": n, "n_cases_total": SIZES[g]}
                                          for c, per in codes.items() for g, n in per.items()])
    results["frequencies"] = pd.concat([results["code_group"], pd.DataFrame(
        [{"code": "new connections", "group": "total", "n_cases": 9, "n_cases_total": 18}])], ignore_index=True)
    ps, rules = declare(results, _study())["interviews"]
    hidden = ps.copy().hide([("code_group", "new connections", "shop"), ("code_group", "new connections", "police"),
                             ("interviewees", "interviewees", "police")])
    audit = intruder_audit(hidden, **rules).set_index(["table", "row", "column"])
    assert audit.loc[("code_group", "new connections", "shop"), "disclosed"]
    cells, audit = publication(results, _study())
    assert not audit["disclosed"].any()


def test_settings_change_the_rules():
    strict = Gate(*publication(_results(), _study(protection=20, small_group_interviews=3)))
    assert strict.passed
    # with small_group_interviews=3 a group of five saying the same is no longer sensitive by itself
    assert strict.status("code_group", "short lines", "shop") != "primary"
    # protection=20: every hidden small survey count now lies in a reader's interval at least 20 wide
    audit = strict.audit[(strict.audit["population"] == "survey") & strict.audit["sensitive"].str.contains("small")]
    assert len(audit) and ((audit["upper"] - audit["lower"]) >= 20).all()

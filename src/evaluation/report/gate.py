"""The publication gate: one decision, for the whole build, on which counts a reader may see.

The learning report publishes counts of people in many places: the response table,
the panel per group, the attrition shares with their n, the code × stakeholder-group
table, a code's total "out of 24" in the text, the group sizes in the interview
introduction, the prevalence per theme in the joint display. A reader sees all of
them together. :func:`publication` declares every such number, with the linear
relations a reader knows between them (totals, group sizes, links across tables,
shares × n), to one :class:`evaluation.PublishedSet` per population (survey
respondents and interviewees), and runs :func:`evaluation.protect` on it: primary
suppression, derived suppression and complementary suppression **across** tables,
checked by the intruder audit (linear programming).

The result is one tidy table of cells with their ``status``; the notebooks show a
cell only when its status is ``"published"``, and narrative sentences quote a count
only then (:meth:`Gate.shown`). The table is cached with the other results, and the
build refuses to produce a report when the audit does not pass.

Which counts are sensitive
--------------------------
Counts of people *in a group a reader can recognise*: a category of a background
variable (e.g. a type of home or an age group), a stakeholder group of interviewees, a cross of
those with the panel. Answer distributions over all respondents (the share agreeing
with a statement) are not treated as sensitive: they single out nobody unless
crossed with such a group, and those crosses are gated.

Row keys are language-neutral (ids joined by ``|``), so both languages of a build
publish exactly the same cells.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..disclosure import PublishedSet, protect

__all__ = ["publication", "declare", "Gate", "GATE_COLUMNS", "AUDIT_COLUMNS", "SEP"]

SEP = "|"
#: Columns of the gate's cell table (cached as the results table ``publication``).
GATE_COLUMNS = ["population", "table", "row", "column", "kind", "value", "status", "reason"]
#: Columns of the audit table (cached as the results table ``audit``).
AUDIT_COLUMNS = ["population", "table", "row", "column", "kind", "value", "published", "sensitive",
                 "lower", "upper", "disclosed", "reason"]


def _key(*parts) -> str:
    return SEP.join(str(p) for p in parts)


def _relation_if_exact(ps: PublishedSet, left, right, label: str) -> None:
    """Declare ``sum(left) == sum(right)`` when it holds for the true values, else ``<=`` when that holds."""
    cells = ps.cells.set_index(["table", "row", "column"])["value"]
    lhs = sum(cells[k] for k in left)
    rhs = sum(cells[k] for k in right)
    if abs(lhs - rhs) < 1e-9:
        ps.link(left, right, label=label)
    else:
        small, large = (left, right) if lhs < rhs else (right, left)
        terms: dict = {}
        for k in small:
            terms[k] = terms.get(k, 0.0) + 1.0
        for k in large:
            terms[k] = terms.get(k, 0.0) - 1.0
        ps.add_relation(terms, sense="<=", label=label)


# --------------------------------------------------------------------------- survey


def _survey_set(results: dict, study) -> PublishedSet:
    ps = PublishedSet()
    response = results.get("response", pd.DataFrame())
    group_var = study.group_variable
    if not response.empty:
        frame = response.assign(row=[_key(w, g) for w, g in zip(response["wave"], response["group"])]).set_index("row")
        ps.add_table("response", frame[["respondents", "households"]], round_to=study.round_to)
        for wave, part in response.groupby("wave", sort=False):
            inner = [_key(wave, g) for g in part["group"] if g != "total"]
            if "total" in set(part["group"]):
                for col in ("respondents", "households"):
                    _relation_if_exact(ps, [("response", _key(wave, "total"), col)],
                                       [("response", r, col) for r in inner], f"response {wave}: total = groups ({col})")
                wave_total = part.loc[part["group"] == "total", "respondents"].iloc[0]
                for r in inner if wave_total > 0 else ():  # e.g. no panel: nobody in both waves, no shares of 0
                    ps.add_share("response", r, "share_respondents", count=("response", r, "respondents"),
                                 base=("response", _key(wave, "total"), "respondents"))
            for _, row in part.iterrows():
                if row["population"] and row["population"] > 0 and row["households"] <= row["population"]:
                    ps.add_share("response", _key(wave, row["group"]), "response_rate",
                                 count=("response", _key(wave, row["group"]), "households"), base=float(row["population"]))

    change = results.get("change", pd.DataFrame())
    if not change.empty:
        frame = change.set_index("outcome")[["n_before", "n_after", "n_pairs"]]
        ps.add_table("change", frame, round_to=study.round_to)

    subgroup = results.get("subgroup", pd.DataFrame())
    if not subgroup.empty:
        frame = subgroup.assign(row=[_key(v, g, o) for v, g, o in
                                     zip(subgroup["variable"], subgroup["group"], subgroup["outcome"])]).set_index("row")
        ps.add_table("subgroup", frame[["n_pairs"]], round_to=study.round_to)
        for col in ("estimate", "ci_low", "ci_high"):
            for r, value in frame[col].items():
                if np.isfinite(value):
                    ps.add_derived("subgroup", r, col, value=float(value), rests_on=("subgroup", r, "n_pairs"))
        if not change.empty:
            for (variable, outcome), part in subgroup.groupby(["variable", "outcome"], sort=False):
                rows = [("subgroup", _key(variable, g, outcome), "n_pairs") for g in part["group"]]
                if outcome in set(change["outcome"]):
                    _relation_if_exact(ps, [("change", outcome, "n_pairs")], rows,
                                       f"panel of {outcome}: all = sum over {variable}")
        if not response.empty and group_var:
            panel = response[response["wave"] == "both"].set_index("group")["respondents"]
            for r, row in subgroup[subgroup["variable"] == group_var].iterrows():
                if row["group"] in panel.index:
                    _relation_if_exact(ps, [("subgroup", _key(group_var, row["group"], row["outcome"]), "n_pairs")],
                                       [("response", _key("both", row["group"]), "respondents")],
                                       f"panel of {row['outcome']} within the panel of {row['group']}")

    attrition = results.get("attrition", pd.DataFrame())
    if not attrition.empty:
        categorical = attrition[attrition["level"].notna()]
        for variable, part in categorical.groupby("variable", sort=False):
            n_s, n_l = int(part["n_stayers"].iloc[0]), int(part["n_leavers"].iloc[0])
            base = pd.DataFrame({"n_stayers": [n_s], "n_leavers": [n_l]}, index=[_key(variable, "all")])
            ps.add_table("attrition", base, round_to=study.round_to)
            counts = pd.DataFrame({
                "n_stayers": [round(s * n_s) for s in part["mean_stayers"]],
                "n_leavers": [round(s * n_l) for s in part["mean_leavers"]],
            }, index=[_key(variable, lv) for lv in part["level"]])
            # not printed as such, but a share printed with its n publishes the count (share × n)
            ps.add_table("attrition_levels", counts, round_to=study.round_to)
            for col, share in (("n_stayers", "mean_stayers"), ("n_leavers", "mean_leavers")):
                _relation_if_exact(ps, [("attrition", _key(variable, "all"), col)],
                                   [("attrition_levels", r, col) for r in counts.index], f"attrition {variable}: levels ({col})")
                for r in counts.index:
                    ps.add_share("attrition", r, share, count=("attrition_levels", r, col),
                                 base=("attrition", _key(variable, "all"), col))
            if variable == group_var and not response.empty:
                panel = response[response["wave"] == "both"].set_index("group")["respondents"]
                for level in part["level"]:
                    if level in panel.index:
                        _relation_if_exact(ps, [("attrition_levels", _key(variable, level), "n_stayers")],
                                           [("response", _key("both", level), "respondents")],
                                           f"stayers in {level} = panel of {level}")
    return ps


# --------------------------------------------------------------------------- interviews


def _interview_set(results: dict, study) -> PublishedSet:
    ps = PublishedSet()
    freq = results.get("code_group", pd.DataFrame())
    if freq.empty:
        return ps
    sizes = freq.groupby("group", sort=False)["n_cases_total"].max()
    groups = list(sizes.index)
    size_frame = pd.DataFrame({g: [int(sizes[g])] for g in groups}, index=["interviewees"])
    size_frame["total"] = int(sizes.sum())
    ps.add_table("interviewees", size_frame, total_col="total")

    def add_matrix(name, table, level_col):
        wide = table.pivot_table(index=level_col, columns="group", values="n_cases", aggfunc="sum",
                                 observed=True).reindex(columns=groups).fillna(0).astype(int)
        wide.index = wide.index.astype(str)
        ps.add_table(name, wide)
        for r in wide.index:
            for g in groups:
                ps.add_group([(name, r, g)], ("interviewees", "interviewees", g))
        return wide

    wide = add_matrix("code_group", freq, "code")
    overall = results.get("frequencies", pd.DataFrame())
    overall = overall[overall["group"] == "total"].set_index("code") if not overall.empty else overall
    for code in wide.index:
        value = int(overall.loc[code, "n_cases"]) if code in overall.index else int(wide.loc[code].sum())
        ps.add_number(code, value, equals=[("code_group", code, g) for g in groups], table="code_total")
    themes = results.get("frequencies_theme", pd.DataFrame())
    if not themes.empty:
        per_group = themes[themes["group"] != "total"]
        wide_t = add_matrix("theme_group", per_group, "theme")
        total = themes[themes["group"] == "total"].set_index("theme")
        for theme in wide_t.index:
            if theme in total.index:
                ps.add_number(theme, int(total.loc[theme, "n_cases"]), equals=[("theme_group", theme, g) for g in groups],
                              table="theme_total")
    joint = results.get("joint", pd.DataFrame())
    theme_totals = ps.cells[ps.cells["table"] == "theme_total"].set_index("row")["value"] if len(ps) else pd.Series()
    for _, row in joint.iterrows():
        if pd.isna(row.get("interview_cases")):
            continue
        value, theme = int(row["interview_cases"]), str(row["theme"])
        perspective = row.get("perspective", "all")
        if perspective in (None, "all") or pd.isna(perspective):
            same = theme in theme_totals.index and theme_totals[theme] == value
            equals = [("theme_total", theme, "n")] if same else None
        else:  # the interviewees of some groups: the sum of those groups' cells
            members = [g for g in str(row.get("perspective_groups", "")).split("; ") if g in groups]
            equals = [("theme_group", theme, g) for g in members] if themes is not None and len(themes) else None
        ps.add_number(joint_key(theme, perspective), value, table="joint", equals=equals)
    return ps


def joint_key(theme, perspective=None) -> str:
    """Row key of a joint-display row in the gate: the theme, with the perspective when the rows are split."""
    if perspective is None or perspective == "all" or (isinstance(perspective, float) and pd.isna(perspective)):
        return str(theme)
    return f"{theme}{SEP}{perspective}"


# --------------------------------------------------------------------------- gate


def _setting(study, name: str, default):
    """A ``privacy`` setting of the study (see the method guide), or its default."""
    value = getattr(study, f"privacy_{name}", None)
    return default if value is None else value


def declare(results: dict, study) -> dict[str, tuple[PublishedSet, dict]]:
    """Every count the report publishes, per population, with the rules that protect it.

    Parameters
    ----------
    results : dict of DataFrame
        The study's results tables.
    study : Study
        Thresholds and settings from ``privacy``.

    Returns
    -------
    dict
        ``{"survey": (PublishedSet, rules), "interviews": (PublishedSet, rules)}`` for the
        populations that have numbers; ``rules`` are the keyword arguments of
        :func:`evaluation.protect` and :func:`evaluation.intruder_audit` (``threshold``,
        ``protection``, ``small_group``). Every cell is declared as shown; the
        protection decides what to hide.
    """
    out = {}
    survey = _survey_set(results, study)
    if len(survey):
        out["survey"] = (survey, {"threshold": study.min_cell,
                                  "protection": _setting(study, "protection", study.min_cell),
                                  "small_group": _setting(study, "small_group", study.min_cell)})
    interviews = _interview_set(results, study)
    if len(interviews):
        threshold = study.min_cell_interviews
        out["interviews"] = (interviews, {"threshold": threshold,
                                          "protection": _setting(study, "protection_interviews", max(threshold - 1, 1)),
                                          "small_group": _setting(study, "small_group_interviews", 10)})
    return out


def publication(results: dict, study) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Decide, for the whole build, which declared counts and derived numbers are published.

    Parameters
    ----------
    results : dict of DataFrame
        The study's results tables (:func:`evaluation.report.results.study_results`
        computes this as its last step).
    study : Study
        Thresholds from ``privacy``: ``min_cell`` for survey counts,
        ``min_cell_interviews`` for counts of interviewees (also the size below which
        "everyone in the group said it" is disclosive), ``round_to``.

    Returns
    -------
    (cells, audit) : tuple of DataFrame
        ``cells`` has :data:`GATE_COLUMNS`: one row per declared number with its
        ``status`` ("published", "primary", "complementary", "derived" or
        "unpublished") and ``reason``; ``audit`` has :data:`AUDIT_COLUMNS`: the final
        intruder audit (the reader's feasible interval of every hidden or sensitive
        count over all published numbers together, and whether it is disclosed).

    Examples
    --------
    >>> cells, audit = publication(study_results(study), study)  # doctest: +SKIP
    >>> bool(audit["disclosed"].any())  # doctest: +SKIP
    False
    """
    parts, audits = [], []
    for population, (ps, rules) in declare(results, study).items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # a failure is in the audit, and refused by the build
            protection = protect(ps, **rules)
        parts.append(protection.cells.assign(population=population))
        audits.append(protection.audit.assign(population=population))
    cells = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=GATE_COLUMNS)
    audit = pd.concat(audits, ignore_index=True) if audits else pd.DataFrame(columns=AUDIT_COLUMNS)
    for frame in (cells, audit):
        for col in ("table", "row", "column"):
            frame[col] = frame[col].astype(str)
    return cells[GATE_COLUMNS].reset_index(drop=True), audit.reindex(columns=AUDIT_COLUMNS).reset_index(drop=True)


@dataclass
class Gate:
    """The gate's decisions for one build, for lookups while publishing.

    Parameters
    ----------
    cells : DataFrame
        The ``publication`` results table (:data:`GATE_COLUMNS`).
    audit : DataFrame
        The ``audit`` results table.
    """

    cells: pd.DataFrame
    audit: pd.DataFrame

    def __post_init__(self):
        keys = list(zip(self.cells["table"], self.cells["row"], self.cells["column"]))
        self._status = dict(zip(keys, self.cells["status"]))
        self._kind = dict(zip(keys, self.cells["kind"]))

    def status(self, table: str, row, column: str) -> str | None:
        """The status of a declared cell, or None when the gate does not know it."""
        return self._status.get((str(table), str(row), str(column)))

    def kind(self, table: str, row, column: str) -> str | None:
        """The kind of a declared cell ("count", "total", "size", "number", "share", "mean"), or None."""
        return self._kind.get((str(table), str(row), str(column)))

    def shown(self, table: str, row, column: str) -> bool:
        """Whether the cell may be shown: declared and published, or not declared at all."""
        return self.status(table, row, column) in (None, "published")

    @property
    def passed(self) -> bool:
        """True when the audit discloses no cell."""
        return not bool(self.audit["disclosed"].astype(bool).any()) if len(self.audit) else True

    def summary(self) -> dict:
        """Counts per status and the audit result, for the manifest and Appendix A."""
        hidden = self.cells[self.cells["status"].isin(["primary", "complementary", "derived"])]
        return {
            "cells": int(len(self.cells)),
            "primary": int((hidden["status"] == "primary").sum()),
            "complementary": int((hidden["status"] == "complementary").sum()),
            "derived": int((hidden["status"] == "derived").sum()),
            "audited": int(len(self.audit)),
            "disclosed": int(self.audit["disclosed"].astype(bool).sum()) if len(self.audit) else 0,
            "passed": self.passed,
        }

"""Sentences and display tables generated from results tables, in the report's language.

This module decides *what* is said (which rows, which direction, which numbers); the
language's templates (``locales/<lang>/text.yml``, see :mod:`evaluation.report.i18n`)
decide *how*. Numbers are passed to the templates as numbers and formatted there, so
every number in a sentence is a value of a results table; data and configuration text
is made literal Markdown on its way in.
"""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from .escape import md_literal as _md  # data and configuration text stays literal in generated Markdown
from .i18n import check_lang, say

__all__ = ["timeline_table", "context", "questions", "method_design", "method_analysis", "response",
           "summary_findings", "change_table", "subgroup_table", "code_group_table", "joint_table"]


def timeline_table(study, *, lang: str) -> pd.DataFrame:
    """The pilot's activities from the study configuration: ``date``, ``activity``.

    Examples
    --------
    >>> from evaluation.config import load_study
    >>> timeline_table(load_study("config/studies/noorderbeekdwarsstraat-demo.yml"), lang="en").shape  # doctest: +SKIP
    (7, 2)
    """
    check_lang(lang)
    rows = [{"date": str(item.get("date", "")), "activity": item.get(lang) or ""} for item in study.timeline]
    return pd.DataFrame(rows, columns=["date", "activity"])


def _themes(ctx) -> list[str]:
    return [ctx.theme_label(k).lower() for k in ctx.study.instrument.themes]


def context(ctx) -> str:
    """The context paragraph: the study's own text (``report.context``), else a generic one from its themes."""
    own = ctx.label(ctx.study.context) if ctx.study.context else ""
    if own:
        return _md(own)
    municipality = ctx.label(ctx.study.municipality_labels) if ctx.study.municipality_labels else ""
    return ctx.say("context_intro", area=ctx.study.area, municipality=municipality, themes=_themes(ctx))


def question_list(ctx) -> list[str]:
    """The research questions: the study's own (``report.questions``), else the method's generic ones."""
    own = ctx.study.questions.get(ctx.lang)
    if own:
        return list(own)
    kinds = question_kinds(ctx)
    first = ctx.wave_label(ctx.study.wave_ids[0]).lower() if ctx.study.wave_ids else ""
    last = ctx.wave_label(ctx.study.wave_ids[-1]).lower() if ctx.study.wave_ids else ""
    return [ctx.say(f"question_{kind}", themes=_themes(ctx), first=first, last=last) for kind in kinds]


def question_kinds(ctx) -> list[str]:
    """Which of the method's questions the study can answer: ``change`` and ``for_whom`` need two survey waves,
    ``approach`` needs interviews; a study's own questions are taken to follow this order."""
    kinds = []
    if has_change(ctx):
        kinds += ["change", "for_whom"]
    if has_interviews(ctx):
        kinds.append("approach")
    return kinds


def questions(ctx) -> str:
    """The research questions as a numbered list."""
    own = question_list(ctx)
    lines = "\n".join(f"{i}. {_md(q)}" for i, q in enumerate(own, 1))
    return ctx.say("context_questions", n=len(own)) + "\n\n" + lines


def has_survey(ctx) -> bool:
    """Whether the study has survey waves (and so response, scales, change …)."""
    return bool(ctx.study.waves) and bool(ctx.study.instrument.items)


def has_change(ctx) -> bool:
    """Whether the study has two or more waves: the before/after analyses apply."""
    return has_survey(ctx) and len(ctx.study.waves) >= 2 and len(ctx.results.get("model", [])) > 0


def has_panel(ctx) -> bool:
    """Whether some respondents answered every wave (a panel): the paired analyses apply."""
    if not has_change(ctx):
        return False
    response = ctx.results.get("response", pd.DataFrame())
    both = response[(response["wave"].astype(str) == "both") & (response["group"].astype(str) == "total")]
    return bool(len(both)) and int(both["respondents"].iloc[0]) > 0


def has_interviews(ctx) -> bool:
    """Whether the study has interview codings."""
    return ctx.study.codings_file is not None and len(ctx.results.get("frequencies", [])) > 0


def method_design(ctx) -> str:
    """The design paragraph with the study's own numbers (population, wave dates, interviews, who was interviewed)."""
    study = ctx.study
    interviews = study.codings_file is not None
    n_interviews = int(ctx.interviewees["case"].nunique()) if interviews else 0
    groups = list(dict.fromkeys(ctx.interviewees["group"])) if interviews else []
    waves = [_md(w.date or ctx.label(w.label)) for w in study.waves]
    from .i18n import Safe

    return ctx.say("method_design", population=study.population_size or None, n_waves=len(waves), panel=has_panel(ctx),
                   waves=[Safe(w) for w in waves], survey=has_survey(ctx), n_interviews=n_interviews,
                   groups=[ctx.group_label(g).lower() for g in groups])


def method_analysis(ctx, model: pd.DataFrame) -> str:
    """The analysis paragraph: primary family (one model change per scale), adjustment method, confidence."""
    items = ctx.study.instrument.items
    levels = {ctx.study.instrument.answer_sets[i["answers"]]["level"] for i in items}
    return ctx.say("method_analysis", n_primary=len(model), adjust=ctx.t(f"adjust_{ctx.study.adjust}"),
                   confidence=ctx.pct(ctx.study.confidence), binary="binary" in levels,
                   change=has_change(ctx), panel=has_panel(ctx),
                   clusters=bool(ctx.study.instrument.identifiers.get("household")),
                   fpc=bool(ctx.study.fpc and ctx.study.population_size))


def response(table: pd.DataFrame, *, lang: str) -> str:
    """One paragraph on response per wave and panel overlap, from :func:`evaluation.response_table`.

    Examples
    --------
    >>> tab = pd.DataFrame({"wave": ["before", "after", "both"], "group": ["total"] * 3,
    ...                     "population": [200, 200, 200], "respondents": [95, 84, 50],
    ...                     "households": [90, 80, 48], "response_rate": [0.45, 0.40, 0.24]})
    >>> print(response(tab, lang="en"))
    At baseline 95 residents from 90 of the 200 homes responded (45%); at follow-up 84 residents from 80 homes (40%). 50 residents answered both times: for them, change can be measured within the same person.
    """
    check_lang(lang)
    total = table[table["group"] == "total"].set_index("wave")
    waves = [w for w in total.index if w != "both"]
    first, last = total.loc[waves[0]], total.loc[waves[-1]]
    panel = total.loc["both", "respondents"] if "both" in total.index else None
    known = pd.notna(first.population) and first.population > 0
    return say("response", lang, first=first, last=last, one_wave=len(waves) == 1, panel=panel, known=bool(known))


# --------------------------------------------------------------------------- findings


def direction(low, high) -> str:
    """``up`` / ``down`` when the whole interval lies above / below zero, else ``flat``."""
    if low > 0:
        return "up"
    if high < 0:
        return "down"
    return "flat"


def change_sentence(row, *, label: str, lang: str, level: str, low=None, high=None, digits: int = 2) -> str:
    """One sentence on a change with its interval (row: estimate, ci_low, ci_high; scale bounds low/high).

    Examples
    --------
    >>> row = {"estimate": 0.31, "ci_low": 0.12, "ci_high": 0.49}
    >>> change_sentence(row, label="Trust in the municipality", low=1, high=5, lang="en", level="95%")
    'Trust in the municipality rose by 0.31 points on a 1–5 scale (95% CI [0.12, 0.49]).'
    """
    check_lang(lang)
    from .i18n import Safe

    return say("change_sentence", lang, label=label, estimate=row["estimate"], ci=(row["ci_low"], row["ci_high"]),
               direction=direction(row["ci_low"], row["ci_high"]), low=low, high=high, level=Safe(level), digits=digits)


def summary_findings(results: dict, ctx) -> pd.DataFrame:
    """The key findings, each a sentence with the numbers it quotes and where they come from.

    Returns
    -------
    DataFrame
        ``finding`` (an id such as ``model:trust``) and ``text``. Every number in a
        text is a value of a results table, formatted by the language's templates.
    """
    rows = []
    response_table = results.get("response")
    if response_table is not None and len(response_table):
        total = response_table[response_table["group"] == "total"]
        rows.append({"finding": "response", "text": response_summary(total.set_index(total["wave"].astype(str)), ctx)})
    if has_change(ctx):
        change = results["change"].set_index("outcome")
        for outcome, row in results["model"].set_index("outcome").iterrows():
            rows.append({"finding": f"model:{outcome}", "text": change_sentence(
                row, label=ctx.scale_label(outcome), low=change.loc[outcome, "scale_min"],
                high=change.loc[outcome, "scale_max"], lang=ctx.lang, level=ctx.pct(ctx.study.confidence))})
        binary = results["binary"]
        for _, row in binary[binary["level"] == "binary"].iterrows():
            rows.append({"finding": f"binary:{row['outcome']}", "text": ctx.say(
                "binary_sentence", item=ctx.label(ctx.study.instrument.item(row["outcome"])["text"]),
                before=row["share_before"], after=row["share_after"])})
    if has_interviews(ctx) and len(results.get("frequencies_aspect", [])):
        rows.append({"finding": "interviews", "text": interviews_summary(results, ctx)})
    if has_change(ctx):
        rows.append({"finding": "design", "text": ctx.say("method_limits_short")})
    return pd.DataFrame(rows, columns=["finding", "text"])


def response_summary(total: pd.DataFrame, ctx) -> str:
    waves = [w for w in total.index if w != "both"]
    first, last = total.loc[waves[0]], total.loc[waves[-1]]
    panel = int(total.loc["both", "respondents"]) if "both" in total.index else 0
    return ctx.say("response_summary", first=first.respondents, last=last.respondents, panel=panel,
                   one_wave=len(waves) == 1)


def _ranked_codes(results: dict, ctx, aspect: str) -> pd.DataFrame:
    """Codes of one aspect over all interviews, most mentioned first; counts below the interview threshold left out."""
    freq = results["frequencies"]
    frame = ctx.study.coding_frame.table.set_index("code")
    overall = freq[freq["group"] == "total"]
    part = overall[overall["code"].map(frame["aspect"]) == aspect]
    part = part[part["n_cases"] >= ctx.study.min_cell_interviews]
    return part.sort_values(["n_cases", "code"], ascending=[False, True])


def _counts_shown(row, ctx) -> bool:
    """Whether the publication gate allows 'n of N' for a code over all interviewees."""
    return bool(ctx.gate.shown("code_total", row["code"], "n") and ctx.gate.shown("interviewees", "interviewees", "total"))


def interviews_summary(results: dict, ctx) -> str:
    """Most mentioned strength, limitation and opportunity, as 'n of N interviews' where the gate allows."""
    parts = []
    for aspect in ("strength", "limitation", "opportunity"):
        part = _ranked_codes(results, ctx, aspect)
        if part.empty:
            continue
        top = part.iloc[0]
        shown = _counts_shown(top, ctx)
        parts.append({"aspect": ctx.t(aspect).lower(), "label": code_label(top["code"], ctx),
                      "n": int(top["n_cases"]) if shown else None, "total": int(top["n_cases_total"]) if shown else None})
    return ctx.say("interviews_summary", parts=parts) if parts else ""


# --------------------------------------------------------------------------- response, attrition, weighting


def attrition(table: pd.DataFrame, ctx) -> str:
    """Which baseline characteristics differ most between stayers and leavers (|SMD| > 0.2 flagged)."""
    flagged = table[table["smd"].abs() > 0.2].sort_values("smd", key=abs, ascending=False)
    return ctx.say("attrition", flagged=[{"label": _variable_label(r, ctx), "smd": r["smd"]}
                                         for _, r in flagged.head(4).iterrows()])


def _variable_label(row, ctx) -> str:
    variable, level = row["variable"], row.get("level")
    if variable in ctx.study.instrument.scales:
        return ctx.scale_label(variable)
    base = ctx.variable_label(variable)
    return f"{base}: {ctx.category_label(variable, level)}" if isinstance(level, str) and level else base


def attrition_table(table: pd.DataFrame, ctx) -> pd.DataFrame:
    """Attrition table with readable variable names."""
    out = table.copy()
    out.insert(0, "characteristic", [_variable_label(r, ctx) for _, r in out.iterrows()])
    return out[["characteristic", "n_stayers", "n_leavers", "mean_stayers", "mean_leavers", "smd"]]


def _gate_key(*parts) -> str:
    from .gate import SEP

    return SEP.join(str(p) for p in parts)


def attrition_gate(table: pd.DataFrame) -> dict:
    """Publication-gate spec of :func:`attrition_table` (rows of the results' ``attrition`` table)."""
    levels = [_gate_key(v, lv) if isinstance(lv, str) else _gate_key(v, "·mean") for v, lv in zip(table["variable"], table["level"])]
    bases = [_gate_key(v, "all") for v in table["variable"]]
    return {"table": "attrition", "rows": levels,
            "cells": {"mean_stayers": "mean_stayers", "mean_leavers": "mean_leavers",
                      "n_stayers": ("attrition", "n_stayers", bases), "n_leavers": ("attrition", "n_leavers", bases)}}


def response_gate(table: pd.DataFrame) -> dict:
    """Publication-gate spec of the response table (rows of the results' ``response`` table)."""
    return {"table": "response", "rows": [_gate_key(w, g) for w, g in zip(table["wave"], table["group"])],
            "cells": {c: c for c in ("respondents", "households", "share_respondents", "response_rate")}}


def response_display(table: pd.DataFrame, ctx) -> pd.DataFrame:
    """The response table with wave and group labels of the report language (numbers unchanged)."""
    variable = ctx.study.group_variable
    out = table.copy()
    out["wave"] = out["wave"].astype(str).map(ctx.wave_label)
    out["group"] = [ctx.t("total") if g == "total" else ctx.category_label(variable, g) for g in out["group"]]
    return out


def change_gate(results: dict) -> dict:
    """Publication-gate spec of :func:`change_table`."""
    return {"table": "change", "rows": list(results["change"]["outcome"]),
            "cells": {c: c for c in ("n_before", "n_after", "n_pairs")}}


def subgroup_gate(subgroup: pd.DataFrame) -> dict:
    """Publication-gate spec of :func:`subgroup_table`."""
    rows = [_gate_key(v, g, o) for v, g, o in zip(subgroup["variable"], subgroup["group"], subgroup["outcome"])]
    return {"table": "subgroup", "rows": rows, "cells": {"n_pairs": "n_pairs", "paired": "estimate"}}


def subgroup_caption(table: pd.DataFrame, ctx) -> str:
    """Caption of the subgroup table, naming every variable it compares (not only the first group variable)."""
    from .i18n import listing

    variables = [ctx.variable_label(v).lower() for v in dict.fromkeys(table["variable"])]
    return ctx.t("caption_subgroup", group=listing(variables, ctx.lang)) if variables else ctx.t("caption_subgroup")


def weighting(table: pd.DataFrame, results: dict, ctx) -> str:
    """Kish effective sample size after raking to the population margins, and the largest gap in composition."""
    if table.empty:
        return ""
    response_table = results["response"]
    groups = response_table[(response_table["group"] != "total") & (response_table["wave"] == ctx.study.wave_ids[0])]
    gap = None
    if len(groups) and "share_population" in groups:
        diff = (groups["share_respondents"] - groups["share_population"]).abs()
        if diff.notna().any():
            row = groups.loc[diff.idxmax()]
            if ctx.gate.shown("response", _gate_key(row["wave"], row["group"]), "share_respondents"):
                gap = {"group": ctx.category_label(ctx.study.group_variable, row["group"]),
                       "respondents": row["share_respondents"], "population": row["share_population"]}
    return ctx.say("weighting", waves=[{"wave": ctx.wave_label(r["wave"]), "n": r["n"], "effective": round(r["effective_n"])}
                                       for _, r in table.iterrows()], gap=gap, change=has_change(ctx))


# --------------------------------------------------------------------------- scales


def weak_scales(table: pd.DataFrame) -> tuple[list, list]:
    """Scales with alpha below 0.70 (but not negative), and scales with a negative alpha."""
    low = list(table.loc[(table["alpha"] < 0.7) & (table["alpha"] >= 0), "scale"])
    negative = list(table.loc[table["alpha"] < 0, "scale"])
    return low, negative


def reliability(table: pd.DataFrame, ctx) -> str:
    low, negative = weak_scales(table)
    return ctx.say("reliability", low=[ctx.scale_label(s) for s in low], negative=[ctx.scale_label(s) for s in negative],
                   all_low=bool(len(table)) and len(low) + len(negative) == len(table), change=has_change(ctx))


def reliability_table(table: pd.DataFrame, ctx) -> pd.DataFrame:
    out = table.copy()
    out["scale"] = out["scale"].map(ctx.scale_label)
    return out[["scale", "n", "n_items", "alpha", "alpha_ci_low", "alpha_ci_high", "omega"]]


def items_table(study, item_stats: pd.DataFrame, ctx) -> pd.DataFrame:
    """Items per scale with their wording, reverse key and item–rest correlation."""
    items = study.instrument.items_table().set_index("item")
    out = item_stats.copy()
    out["scale"] = out["scale"].map(ctx.scale_label)
    out["text"] = [ctx.label(items.loc[i, "text"]) + (" (R)" if items.loc[i, "reverse"] else "") for i in out["item"]]
    return out[["scale", "item", "text", "item_rest_r", "alpha_if_deleted"]]


# --------------------------------------------------------------------------- change


def change_intro(ctx) -> str:
    low, negative = weak_scales(ctx.results["reliability"])
    return ctx.say("change_intro", weak=[ctx.scale_label(s) for s in low + negative])


def change_plot_data(change: pd.DataFrame, ctx) -> pd.DataFrame:
    """Long table for :func:`evaluation.plots.plot_change`: each scale's mean per wave on 0–10."""
    rows = []
    for _, r in change.iterrows():
        lo, hi = r["scale_min"], r["scale_max"]
        to10 = (lambda x: (x - lo) / (hi - lo) * 10) if hi > lo else (lambda x: x)  # noqa: E731
        for tag, wave in (("before", ctx.study.wave_ids[0]), ("after", ctx.study.wave_ids[-1])):
            rows.append({"outcome": ctx.scale_label(r["outcome"]), "wave_label": ctx.wave_label(wave),
                         "mean": to10(r[f"mean_{tag}"]), "ci_low": to10(r[f"mean_{tag}_ci_low"]),
                         "ci_high": to10(r[f"mean_{tag}_ci_high"])})
    return pd.DataFrame(rows)


def change_table(results: dict, ctx) -> pd.DataFrame:
    """Per scale: n, means per wave; the primary model change with CI, in baseline SDs and with its adjusted p;
    the exploratory panel change with CI and d_z. Intervals are two numeric columns (``*_ci_low``, ``*_ci_high``)
    shown as one (format ``ci``)."""
    change = results["change"].set_index("outcome")
    model = results["model"].set_index("outcome")
    low, negative = weak_scales(results["reliability"])
    weak = set(low) | set(negative)
    rows = []
    for outcome in model.index:
        c, m = change.loc[outcome], model.loc[outcome]
        rows.append({
            "scale": ctx.scale_label(outcome) + (" †" if outcome in weak else ""),
            "n_before": c["n_before"], "n_after": c["n_after"], "n_pairs": c["n_pairs"],
            "mean_before": c["mean_before"], "mean_after": c["mean_after"],
            "model": m["estimate"], "model_ci_low": m["ci_low"], "model_ci_high": m["ci_high"],
            "model_es": m["effect_size"], "p_adjusted": m["p_adjusted"],
            "paired": c["estimate"], "paired_ci_low": c["ci_low"], "paired_ci_high": c["ci_high"],
            "d_z": c["effect_size"],
        })
    return pd.DataFrame(rows)


def change_note(results: dict, ctx) -> str:
    """The note under the change table: which scales are weak (†)."""
    low, negative = weak_scales(results["reliability"])
    return ctx.say("change_note", weak=[ctx.scale_label(s) for s in low + negative])


def likert_plot_data(likert: pd.DataFrame, ctx) -> pd.DataFrame:
    """Answer distributions per statement at the last wave: the statement's text (``text``) in the report
    language, grouped under its scale's label (``scale``)."""
    last = ctx.study.wave_ids[-1]
    part = likert[likert["wave"] == last].copy()
    items = {i["id"]: i for i in ctx.study.instrument.items}
    part["text"] = [ctx.label(items[i].get("text") or {}) or str(i) for i in part["item"]]
    part["scale"] = [ctx.scale_label(items[i].get("scale")) for i in part["item"]]
    return part[["item", "category", "n", "text", "scale"]]


def _ordinal_item(ctx):
    return next((i for i in ctx.study.instrument.items
                 if ctx.study.instrument.answer_sets[i["answers"]]["level"] == "ordinal"), None)


def likert_categories(ctx) -> list:
    item = _ordinal_item(ctx)
    return [float(c) for c in ctx.study.instrument.answer_set(item["id"])["codes"]] if item else []


def likert_labels(ctx) -> dict:
    item = _ordinal_item(ctx)
    if item is None:
        return {}
    codes = ctx.study.instrument.answer_set(item["id"])["codes"]
    return {float(k): (ctx.label(v) if isinstance(v, dict) else str(v)) for k, v in codes.items()}


def binary_table(binary: pd.DataFrame, ctx) -> pd.DataFrame:
    part = binary[binary["level"] == "binary"]
    rows = []
    for _, r in part.iterrows():
        rows.append({
            "question": ctx.label(ctx.study.instrument.item(r["outcome"])["text"]),
            "n_before": r["n_before"], "share_before": r["share_before"],
            "n_after": r["n_after"], "share_after": r["share_after"],
            # a difference of two shares is in percentage points, with the report's one CI notation
            "n_pairs": r["n_pairs"], "difference": r["estimate"],
            "difference_ci_low": r["ci_low"], "difference_ci_high": r["ci_high"],
            "p_adjusted": r["p_adjusted"],
        })
    columns = ["question", "n_before", "share_before", "n_after", "share_after", "n_pairs", "difference",
               "difference_ci_low", "difference_ci_high", "p_adjusted"]
    return pd.DataFrame(rows, columns=columns)


def ordinal_check(results: dict, ctx) -> str:
    """How often the proportional-odds check agrees in sign with the item changes."""
    ordinal = results["ordinal"]
    ordinal = ordinal.dropna(subset=["estimate"]) if "estimate" in ordinal else ordinal
    if ordinal.empty:
        return ""
    items = results["items"].set_index("outcome")
    same = int(sum((ordinal["estimate"] > 0) == (items.loc[ordinal["outcome"], "cs_estimate"].to_numpy() > 0)))
    return ctx.say("ordinal_check", same=same, n=len(ordinal))


# --------------------------------------------------------------------------- for whom


def subgroup_table(subgroup: pd.DataFrame, ctx) -> pd.DataFrame:
    """Panel change per group level, for every configured group variable (first column names the variable)."""
    out = pd.DataFrame({
        "variable": subgroup["variable"].map(ctx.variable_label),
        "scale": subgroup["outcome"].map(ctx.scale_label),
        "group": [ctx.category_label(v, g) for v, g in zip(subgroup["variable"], subgroup["group"].astype(str))],
        "n_pairs": subgroup["n_pairs"],
        "paired": subgroup["estimate"],
        "paired_ci_low": subgroup["ci_low"],
        "paired_ci_high": subgroup["ci_high"],
    })
    return out if subgroup["variable"].nunique() > 1 else out.drop(columns="variable")


def subgroup_plot_data(published: pd.DataFrame, ctx, variable_label=None) -> pd.DataFrame:
    """Published (gated) subgroup rows of one group variable, numbers as they are, for the small-multiple plot."""
    out = published
    if variable_label is not None and "variable" in out:
        out = out[out["variable"] == variable_label]
    out = out.rename(columns={"scale": "outcome", "paired": "estimate", "paired_ci_low": "ci_low",
                              "paired_ci_high": "ci_high"})
    return out.dropna(subset=["estimate", "ci_low", "ci_high"])[["outcome", "group", "estimate", "ci_low", "ci_high"]]


def subgroup(table: pd.DataFrame, ctx) -> str:
    """What the subgroup table can and cannot say, for the configured group variables."""
    variables = [ctx.variable_label(v).lower() for v in dict.fromkeys(table["variable"])] if len(table) else []
    return ctx.say("subgroup", variables=variables, min_cell=ctx.study.min_cell)


# --------------------------------------------------------------------------- interviews


def interviews_intro(ctx) -> str:
    groups = ctx.interviewees["group"].value_counts()
    # group sizes only as the publication gate allows (a group of one is never shown with its size)
    listed = [{"label": ctx.group_label(g).lower(), "n": int(k) if _size_shown(ctx, g) else None} for g, k in groups.items()]
    total = int(ctx.interviewees["case"].nunique()) if ctx.gate.shown("interviewees", "interviewees", "total") else None
    return ctx.say("interviews_intro", n=total, groups=listed, min_cell=ctx.study.min_cell_interviews)


def code_label(code, ctx) -> str:
    """A code's label in the report language; theme codes without their own label take the theme's."""
    frame = ctx.study.coding_frame.table.set_index("code")
    if code not in frame.index:
        return str(code)
    label, theme = ctx.label(frame.loc[code, "labels"]), frame.loc[code, "theme"]
    if label == code and isinstance(theme, str) and not isinstance(frame.loc[code, "aspect"], str):
        return ctx.theme_label(theme)
    return label


_code_label = code_label  # the name the notebooks of earlier versions used


def _size_shown(ctx, group) -> bool:
    return bool(ctx.gate.shown("interviewees", "interviewees", str(group)))


def group_headers(freq: pd.DataFrame, ctx) -> dict:
    """Column headers of the code × group table: the group's label, with its size where the gate allows."""
    totals = freq.groupby("group")["n_cases_total"].max()
    return {g: f"{ctx.group_label(g)} (N={int(totals[g])})" if _size_shown(ctx, g) else ctx.group_label(g)
            for g in totals.index}


def code_group_gate(table: pd.DataFrame, freq: pd.DataFrame) -> dict:
    """Publication-gate spec of :func:`code_group_table` (its ``code_id`` column holds the row keys)."""
    groups = list(freq.groupby("group", sort=False)["n_cases_total"].max().index)
    return {"table": "code_group", "rows": [str(c) for c in table["code_id"]], "cells": {g: g for g in groups if g in table}}


def code_group_table(freq: pd.DataFrame, ctx) -> pd.DataFrame:
    """Wide: one row per code (with aspect), one column per group id: interviewees mentioning it.

    ``code_id`` (last column) keeps the code for the publication gate; headers come from
    :func:`group_headers`.
    """
    frame = ctx.study.coding_frame.table.set_index("code")
    wide = freq.pivot_table(index="code", columns="group", values="n_cases", aggfunc="sum", observed=True)
    order = list(freq.groupby("group", sort=False)["n_cases_total"].max().index)
    wide = wide[[g for g in order if g in wide.columns]]
    wide.columns = [str(g) for g in wide.columns]
    wide = wide.reset_index()
    wide.insert(1, "aspect", [ctx.t(frame.loc[c, "aspect"]) if c in frame.index and isinstance(frame.loc[c, "aspect"], str)
                              else ctx.theme_label(frame.loc[c, "theme"]) if c in frame.index else "" for c in wide["code"]])
    wide["code_id"] = wide["code"].astype(str)
    wide["code"] = wide["code"].map(lambda c: code_label(c, ctx))
    return wide


def group_columns(table: pd.DataFrame) -> list[str]:
    """The group columns of :func:`code_group_table`."""
    return [c for c in table.columns if c not in ("code", "aspect", "code_id", "suppressed")]


def share_heatmap_data(published: pd.DataFrame, freq: pd.DataFrame, ctx) -> pd.DataFrame:
    """Long table for :func:`evaluation.plots.plot_share_heatmap`: per published cell the count and group size.

    Cells the gate hid stay missing (drawn grey). Groups whose size the gate hides are left out: a share
    and a count together would give their size away.
    """
    totals = freq.groupby("group")["n_cases_total"].max()
    rows = []
    for _, r in published.iterrows():
        for g in group_columns(published):
            if _size_shown(ctx, g):
                rows.append({"code": r["code"], "group": ctx.group_label(g), "n_cases": r[g], "n_cases_total": int(totals[g])})
    return pd.DataFrame(rows, columns=["code", "group", "n_cases", "n_cases_total"])


def aspects(results: dict, ctx) -> str:
    """Opportunities, strengths and limitations: every code of each, most mentioned first, with n of N."""
    blocks = []
    for aspect in ("opportunity", "strength", "limitation"):
        items = []
        for _, r in _ranked_codes(results, ctx, aspect).iterrows():
            shown = _counts_shown(r, ctx)
            items.append({"label": code_label(r["code"], ctx), "n": int(r["n_cases"]) if shown else None,
                          "total": int(r["n_cases_total"]) if shown else None})
        if items:
            blocks.append({"aspect": ctx.t(aspect), "entries": items})
    return ctx.say("aspects", blocks=blocks)


def cooccurrence_matrix(table: pd.DataFrame, ctx) -> pd.DataFrame:
    """Symmetric theme × theme matrix of c-coefficients (diagonal empty)."""
    labels = {x: ctx.theme_label(x) for x in set(table["code_a"]) | set(table["code_b"])}
    matrix = pd.DataFrame(index=sorted(labels.values()), columns=sorted(labels.values()), dtype=float)
    for _, r in table.iterrows():
        a, b = labels[r["code_a"]], labels[r["code_b"]]
        matrix.loc[a, b] = matrix.loc[b, a] = r["c_coefficient"]
    return matrix


def agreement(table: pd.DataFrame, ctx) -> str:
    if table.empty:
        return ctx.say("agreement_none")
    pooled = table[table["code"] == "(all codes)"].iloc[0]
    return ctx.say("agreement", alpha=pooled["krippendorff_alpha"], verdict=ctx.t(f"agreement_{pooled['interpretation']}"))


def agreement_table(table: pd.DataFrame, ctx) -> pd.DataFrame:
    out = table.copy()
    out["code"] = [ctx.t("all_codes") if c == "(all codes)" else code_label(c, ctx) for c in out["code"]]
    out["interpretation"] = [ctx.t(f"agreement_{v}") for v in out["interpretation"]]
    keep = [c for c in ("code", "n_units", "kappa", "krippendorff_alpha", "gwet_ac1", "unitizing_alpha", "interpretation") if c in out]
    return out[keep]


def speaker(row, ctx) -> str:
    """'Interview I-3b46 (Residents)': one interview, in its group; a group too small to publish is not named (a group
    of one is a person)."""
    ref = str(row["speaker"]).split()[-1]
    if not _size_shown(ctx, row["group"]):
        return ctx.t("attribution_plain", ref=ref)
    return ctx.t("attribution", who=ctx.group_label(row["group"]), ref=ref)


def select_quotes(table: pd.DataFrame, ctx, *, per_theme: int = 1) -> pd.DataFrame:
    """Approved quotes to show: per theme one, chosen so that as many stakeholder groups as possible are heard.

    Rule: themes in order; for each, the first approved quote from a group not yet quoted (groups whose size
    the gate hides count as one anonymous group), else the theme's first quote. Deterministic.
    """
    if table.empty:
        return table
    chosen, heard = [], set()
    for _, part in table.groupby("theme", sort=True):
        fresh = part[~part["group"].isin(heard)]
        pick = (fresh if len(fresh) else part).head(per_theme)
        heard |= set(pick["group"])
        chosen.append(pick)
    return pd.concat(chosen, ignore_index=True)


def quotes(table: pd.DataFrame, ctx) -> str:
    """Approved, screened quotes as block quotes, drawn across stakeholder groups, each attributed to its group."""
    picked = select_quotes(table, ctx)
    themes = ctx.study.instrument.themes
    # per theme; a coding frame without themes quotes per code (the theme column then holds the code)
    blocks = [{"theme": ctx.theme_label(r["theme"]) if r["theme"] in themes else code_label(r["theme"], ctx),
               "quote": r["quote"], "who": speaker(r, ctx)} for _, r in picked.iterrows()]
    return ctx.say("quotes", blocks=blocks)


def groups_differ(results: dict, ctx, *, min_gap: float = 0.5) -> pd.DataFrame:
    """Codes whose prevalence differs widely between stakeholder groups (published cells only).

    Returns
    -------
    DataFrame
        ``code, aspect, high_group, high_share, low_group, low_share`` for codes where the largest and the
        smallest share of interviewees naming it differ by at least ``min_gap`` (0.5 = 50 points); only
        groups whose size and count the publication gate shows take part.
    """
    freq = results["code_group"]
    frame = ctx.study.coding_frame.table.set_index("code")
    rows = []
    for code, part in freq.groupby("code", sort=True):
        part = part.loc[[bool(ctx.gate.shown("code_group", str(code), g)) and _size_shown(ctx, g) for g in part["group"]]]
        if len(part) < 2:
            continue
        hi, lo = part.loc[part["prevalence"].idxmax()], part.loc[part["prevalence"].idxmin()]
        if hi["prevalence"] - lo["prevalence"] >= min_gap:
            rows.append({"code": code, "aspect": frame.loc[code, "aspect"] if code in frame.index else None,
                         "high_group": hi["group"], "high_share": hi["prevalence"], "high_n": int(hi["n_cases"]),
                         "high_total": int(hi["n_cases_total"]), "low_group": lo["group"], "low_share": lo["prevalence"],
                         "low_n": int(lo["n_cases"]), "low_total": int(lo["n_cases_total"])})
    columns = ["code", "aspect", "high_group", "high_share", "high_n", "high_total", "low_group", "low_share", "low_n", "low_total"]
    return pd.DataFrame(rows, columns=columns).sort_values(["high_share", "code"], ascending=[False, True]) if rows else \
        pd.DataFrame(columns=columns)


def by_stakeholder(results: dict, ctx) -> str:
    """Per stakeholder group: what that group named most (published counts), and where groups differ."""
    freq = results["code_group"]
    frame = ctx.study.coding_frame.table.set_index("code")
    groups = []
    for group, part in freq.groupby("group", sort=False):
        if not _size_shown(ctx, group):
            continue
        part = part.loc[[bool(ctx.gate.shown("code_group", str(c), group)) for c in part["code"]]]
        part = part.loc[[isinstance(frame["aspect"].get(c), str) for c in part["code"]]]
        part = part[part["n_cases"] >= ctx.study.min_cell_interviews].sort_values(["prevalence", "code"],
                                                                                   ascending=[False, True])
        if part.empty:
            continue
        groups.append({"group": ctx.group_label(group), "total": int(part["n_cases_total"].iloc[0]),
                       "codes": [{"label": code_label(r["code"], ctx), "aspect": ctx.t(frame.loc[r["code"], "aspect"]).lower(),
                                  "n": int(r["n_cases"])} for _, r in part.head(3).iterrows()]})
    differ = [{"label": code_label(r["code"], ctx), "high": ctx.group_label(r["high_group"]), "high_n": r["high_n"],
               "high_total": r["high_total"], "low": ctx.group_label(r["low_group"]), "low_n": r["low_n"],
               "low_total": r["low_total"]} for _, r in groups_differ(results, ctx).head(4).iterrows()]
    return ctx.say("by_stakeholder", groups=groups, differ=differ)


# --------------------------------------------------------------------------- evidence

#: Where a results row is shown: results table -> published table name (its anchor is ``#table-<name>``).
EVIDENCE_TABLES = {"model": "change", "subgroup": "subgroup", "code_group": "code_group", "code_total": "code_group",
                   "joint": "joint", "mde": "mde"}


def evidence_refs(evidence: str, ctx) -> list[dict]:
    """``table:row`` references (``;``-joined) as ``{"table": published table, "text": the row's label}``."""
    from .gate import SEP

    out = []
    for ref in filter(None, str(evidence or "").split(";")):
        table, _, row = ref.partition(":")
        parts = row.split(SEP)
        if table == "model":
            text = ctx.scale_label(parts[0])
        elif table in ("code_group", "code_total"):
            text = code_label(parts[0], ctx)
        elif table == "joint":
            text = ctx.theme_label(parts[0])
        elif table == "subgroup":
            text = f"{ctx.category_label(parts[0], parts[1])}: {ctx.scale_label(parts[2])}"
        elif table == "mde":
            text = ctx.t(f"design_{parts[0]}") + f" n = {ctx.num(int(parts[1]), 0)}"
        else:
            text = row
        out.append({"table": EVIDENCE_TABLES.get(table, table), "text": f"{ctx.t('evidence_' + table)}: {text}"})
    return out


# --------------------------------------------------------------------------- joint display


def joint_intro(results: dict, ctx) -> str:
    """The joint display's rule, exactly as :func:`evaluation.joint_verdict` applies it, and how rows are split."""
    joint = results["joint"]
    threshold = float(joint["interview_threshold"].dropna().iloc[0]) if len(joint) and joint["interview_threshold"].notna().any() else 0.5
    split = "perspective" in joint and joint["perspective"].isin(["surveyed", "others"]).any()
    surveyed = [ctx.group_label(g) for g in (ctx.study.survey_groups or [])] if split else []
    return ctx.say("joint_intro", threshold=threshold, split=bool(split), surveyed=surveyed)


def _joint_row_label(r, ctx) -> str:
    perspective = r.get("perspective", "all")
    theme = ctx.theme_label(r["theme"])
    if perspective not in ("surveyed", "others"):
        return theme
    from .i18n import listing

    groups = [ctx.group_label(g) for g in str(r.get("perspective_groups", "")).split("; ") if g]
    return ctx.t(f"joint_{perspective}", theme=theme, groups=listing(groups, ctx.lang))


def joint_table(joint: pd.DataFrame, ctx) -> pd.DataFrame:
    """Per theme (and perspective): survey change with interval, interview prevalence, the codes counted and the
    tone, a quote whose tone matches, the verdict."""
    from .gate import joint_key

    rows = []
    for _, r in joint.iterrows():
        cases = r["interview_cases"]
        key = joint_key(r["theme"], r.get("perspective"))
        shown = (pd.notna(cases) and ctx.gate.shown("joint", key, "n") and cases >= ctx.study.min_cell_interviews
                 and ctx.gate.shown("interviewees", "interviewees", "total"))
        codes = [code_label(c, ctx) for c in str(r.get("interview_codes") or "").split("; ") if c and c != "nan"]
        rows.append({
            "theme": _joint_row_label(r, ctx),
            "survey": r["survey_estimate"], "survey_ci_low": r["survey_ci_low"], "survey_ci_high": r["survey_ci_high"],
            "interviews": (int(cases) if shown else None),
            "interviews_total": (int(r["interview_cases_total"]) if shown else None),
            "codes": "; ".join(codes) if codes else None,
            "tone": ctx.t(str(r["interview_tone"])) if pd.notna(r["interview_tone"]) else None,
            "quote": _shortened(r["quote"]) if isinstance(r["quote"], str) else None,
            "verdict": ctx.t(str(r["verdict"])),
        })
    return pd.DataFrame(rows, columns=["theme", "survey", "survey_ci_low", "survey_ci_high", "interviews",
                                       "interviews_total", "codes", "tone", "quote", "verdict"])


def _shortened(text: str, limit: int = 160) -> str:
    """A quote cut at a word boundary within `limit` characters, ended with "…" (a table cell, not the quotes section)."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(",;:") + " …"


def mde_table(mde: pd.DataFrame, ctx) -> pd.DataFrame:
    out = mde.copy()
    out["design"] = out["design"].map(lambda d: ctx.t(f"design_{d}"))
    return out[["design", "n", "n_effective", "mde", "mde_raw"]]


def mde(table: pd.DataFrame, ctx) -> str:
    """The planning sentence for a replication, from the MDE table."""
    paired = table[table["design"] == "paired"].sort_values("n")
    if paired.empty:
        return ""
    row = paired.iloc[(paired["n"] - 100).abs().argmin()]
    scale = ctx.results["change"].iloc[0] if len(ctx.results["change"]) else None
    return ctx.say("mde", n=row["n"], effective=row["n_effective"], mde=row["mde"], raw=row["mde_raw"],
                   low=None if scale is None else scale["scale_min"], high=None if scale is None else scale["scale_max"],
                   alpha=float(row["alpha"]), power=float(row["power"]))


def mde_caption(table: pd.DataFrame, ctx) -> str:
    row = table.iloc[0] if len(table) else {"alpha": 0.05, "power": 0.8}
    scale = ctx.results["change"].iloc[0] if len(ctx.results["change"]) else None
    return ctx.t("caption_mde", alpha=ctx.num(float(row["alpha"]), 2), power=ctx.pct(float(row["power"])),
                 low=ctx.num(scale["scale_min"], 0) if scale is not None else "", high=ctx.num(scale["scale_max"], 0) if scale is not None else "")


# --------------------------------------------------------------------------- appendices


def appendix_data(ctx) -> str:
    study = ctx.study
    return ctx.say("appendix_data", synthetic=study.synthetic, survey_max=study.min_cell - 1,
                   interview_max=study.min_cell_interviews - 1, interviews=study.codings_file is not None,
                   survey=has_survey(ctx))


def validation_table(ctx) -> pd.DataFrame:
    """Problems found on import, by file, kind and severity (counts only: no values, no row numbers).

    From ``validation.csv`` in the processed folder; warnings are what the import accepted but a
    reader should know about (e.g. an all-empty column, a short row, a dropped coding).
    """
    path = ctx.study.processed_dir / "validation.csv"
    columns = ["file", "problem", "severity", "n"]
    if not path.exists():
        return pd.DataFrame(columns=columns)
    problems = pd.read_csv(path, dtype=str, keep_default_na=False)
    if problems.empty:
        return pd.DataFrame(columns=columns)
    problems["file"] = problems["file"].map(lambda f: Path(f).name)
    # the kind of problem, without the value it quotes
    problems["problem"] = problems["problem"].str.replace(r"\s*[:(].*$", "", regex=True)
    table = problems.groupby(["file", "problem", "severity"], sort=True).size().rename("n").reset_index()
    table["severity"] = table["severity"].map(ctx.t)
    return table[columns]


def validation_note(table: pd.DataFrame, ctx) -> str:
    """One sentence on the import's checks; the table follows when there were findings."""
    if table.empty:
        return ctx.t("validation_none")
    return ctx.t("validation_some", n=ctx.num(int(table["n"].sum()), 0))


def missing_table(ctx) -> pd.DataFrame:
    """Missing answers by reason and wave (counts of answers)."""
    columns = ["wave", "reason", "n", "share"]
    if not has_survey(ctx):
        return pd.DataFrame(columns=columns)
    miss = ctx.load("missingness")
    responses = ctx.responses
    n_items = len(ctx.study.instrument.items)
    table = miss.groupby(["wave", "reason"], observed=True).size().rename("n").reset_index()
    answers = responses.groupby("wave", observed=True).size() * n_items
    table["share"] = [n / answers[w] for w, n in zip(table["wave"], table["n"])]
    table["wave"] = table["wave"].astype(str).map(ctx.wave_label)
    table["reason"] = table["reason"].astype(str).map(ctx.t)
    return table[columns]


def suppression_table(ctx) -> pd.DataFrame:
    """What was suppressed in which published table (from the publishing log of this build)."""
    import json

    rows = []
    for path in sorted(ctx.tables_dir.glob(f"_published.{ctx.lang}.json")):
        for name, entry in json.loads(path.read_text(encoding="utf-8")).items():
            if entry.get("threshold") is not None:
                rows.append({"table": entry["caption"], "threshold": f"< {entry['threshold']}",
                             "suppressed_cells": entry["suppressed_cells"], "primary": entry["primary"],
                             "complementary": entry["complementary"], "derived": entry.get("derived", 0)})
    return pd.DataFrame(rows, columns=["table", "threshold", "suppressed_cells", "primary", "complementary", "derived"])


def audit_summary(ctx) -> str:
    """One paragraph on the publication gate and the intruder audit of this build."""
    summary = ctx.gate.summary()
    audit = ctx.gate.audit
    hidden = audit[~audit["published"].astype(bool)] if len(audit) else audit
    finite = (hidden["upper"] - hidden["lower"]).replace([float("inf")], float("nan")).dropna() if len(hidden) else hidden
    width = ctx.num(finite.min(), 0) if len(finite) else "–"
    key = "audit_passed" if summary["passed"] else "audit_failed"
    return ctx.t(key, cells=ctx.num(summary["cells"], 0), audited=ctx.num(summary["audited"], 0),
                 primary=ctx.num(summary["primary"], 0), complementary=ctx.num(summary["complementary"], 0),
                 derived=ctx.num(summary["derived"], 0), width=width)


def appendix_repro(ctx) -> str:
    from .i18n import Safe

    command = f"evaluation report --study config/studies/{ctx.study.path.name} --lang {ctx.lang} --formats html,docx,pdf"
    fence = "`" * (max((len(r) for r in re.findall("`+", command)), default=0) + 1)
    return ctx.say("appendix_repro", command=Safe(f"{fence} {command} {fence}"))


def inputs_table(ctx) -> pd.DataFrame:
    """Input files (name only, never a machine path) with the first 16 hex digits of their SHA-256."""
    import json

    info = json.loads((ctx.study.processed_dir / "import.json").read_text(encoding="utf-8"))
    return pd.DataFrame([{"file": Path(p).name, "sha256": h[:16] + "…"} for p, h in info["inputs"].items()])


def versions_table() -> pd.DataFrame:
    from .pipeline import _versions

    return pd.DataFrame([{"package": k, "version": v} for k, v in _versions().items()])


def model_notes(results: dict, ctx) -> str:
    """Say which mixed models had a variance on the boundary (the estimate then rests on fewer assumptions)."""
    model = results["model"]
    flagged = model[model["boundary"].astype(bool)] if "boundary" in model else model.iloc[0:0]
    if flagged.empty:
        return ""
    return ctx.say("model_notes", scales=[ctx.scale_label(s) for s in flagged["outcome"]])


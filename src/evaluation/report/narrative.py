"""Sentences generated from results tables, in Dutch and English.

Every number in a sentence is read from a results table passed in and formatted
with :mod:`evaluation.report.i18n`; nothing is typed by hand.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from .escape import md_literal as _md  # data and configuration text stays literal in generated Markdown
from .i18n import check_lang, fmt_ci, fmt_int, fmt_num, fmt_pct, t

__all__ = ["timeline_table", "context", "questions", "method_design", "method_analysis", "response"]


def timeline_table(study, *, lang: str) -> pd.DataFrame:
    """The pilot's activities from the study configuration: ``date``, ``activity``.

    Examples
    --------
    >>> from evaluation.config import load_study
    >>> timeline_table(load_study("config/studies/noorderbeekdwarsstraat-demo.yml"), lang="en").shape  # doctest: +SKIP
    (7, 2)
    """
    check_lang(lang)
    rows = [{"date": str(item.get("date", "")), "activity": item.get(lang) or item.get("en") or ""} for item in study.timeline]
    return pd.DataFrame(rows, columns=["date", "activity"])


def _listing(items: list[str], lang: str) -> str:
    """'a, b and c' in the report language."""
    items = [i for i in items if i]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + t("and", lang) + items[-1]


def context(ctx) -> str:
    """The context paragraph: the study's own text (``report.context``), else a generic one from its themes."""
    from .texts import text

    own = ctx.study.context.get(ctx.lang)
    if own:
        return _md(own)
    themes = [ctx.theme_label(k).lower() for k in ctx.study.instrument.themes]
    return text("context_intro", ctx.lang, area=_md(ctx.study.area), municipality=_md(ctx.study.municipality),
                themes=_md(_listing(themes, ctx.lang)))


def questions(ctx) -> str:
    """The research questions: the study's own (``report.questions``), else the method's generic three."""
    from .texts import text

    own = ctx.study.questions.get(ctx.lang)
    if not own:
        themes = [ctx.theme_label(k).lower() for k in ctx.study.instrument.themes]
        own = [text(f"question_{i}", ctx.lang, themes=_listing(themes, ctx.lang),
                    first=ctx.wave_label(ctx.study.wave_ids[0]).lower(),
                    last=ctx.wave_label(ctx.study.wave_ids[-1]).lower()) for i in (1, 2, 3)]
    lines = "\n".join(f"{i}. {_md(q)}" for i, q in enumerate(own, 1))
    return text("context_questions", ctx.lang, n=fmt_int(len(own), ctx.lang)) + "\n\n" + lines


def method_design(ctx) -> str:
    """The design paragraph with the study's own numbers (population, wave dates, interviews, who was interviewed)."""
    from .texts import text

    study = ctx.study
    n_interviews = int(ctx.interviewees["case"].nunique()) if study.codings_file is not None else 0
    groups = list(dict.fromkeys(ctx.interviewees["group"])) if study.codings_file is not None else []
    return text(
        "method_design", ctx.lang,
        population=fmt_int(study.population_size, ctx.lang) if study.population_size else "–",
        before=_md(study.waves[0].date or ctx.label(study.waves[0].label)),
        after=_md(study.waves[-1].date or ctx.label(study.waves[-1].label)),
        n_interviews=fmt_int(n_interviews, ctx.lang),
        groups=_md(_listing([ctx.group_label(g).lower() for g in groups], ctx.lang)),
    )


def method_analysis(ctx, model: pd.DataFrame) -> str:
    """The analysis paragraph: primary family (one model change per scale), adjustment method, confidence."""
    from .texts import text

    return text(
        "method_analysis", ctx.lang, n_primary=fmt_int(len(model), ctx.lang),
        adjust=text(f"adjust_{ctx.study.adjust}", ctx.lang), confidence=ctx.pct(ctx.study.confidence),
    )


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
    panel = total.loc["both"] if "both" in total.index else None
    n = lambda x: fmt_int(x, lang)  # noqa: E731
    if lang == "nl":
        out = (f"Bij de {t('before', lang).lower()} deden {n(first.respondents)} bewoners uit {n(first.households)} van de "
               f"{n(first.population)} woningen mee ({fmt_pct(first.response_rate, 0, lang)}); bij de "
               f"{t('after', lang).lower()} {n(last.respondents)} bewoners uit {n(last.households)} woningen "
               f"({fmt_pct(last.response_rate, 0, lang)}).")
        if panel is not None:
            out += (f" {n(panel.respondents)} bewoners vulden de vragenlijst beide keren in: bij hen kunnen we "
                    "verandering binnen dezelfde persoon meten.")
    else:
        out = (f"At baseline {n(first.respondents)} residents from {n(first.households)} of the {n(first.population)} "
               f"homes responded ({fmt_pct(first.response_rate, 0, lang)}); at follow-up {n(last.respondents)} residents "
               f"from {n(last.households)} homes ({fmt_pct(last.response_rate, 0, lang)}).")
        if panel is not None:
            out += (f" {n(panel.respondents)} residents answered both times: for them, change can be measured within "
                    "the same person.")
    return out


# --------------------------------------------------------------------------- findings


def _direction(low, high) -> str:
    if low > 0:
        return "up"
    if high < 0:
        return "down"
    return "flat"


def change_sentence(row, *, label: str, unit: str, lang: str, level: str, digits: int = 2) -> str:
    """One sentence on a change with its interval (row: estimate, ci_low, ci_high).

    Examples
    --------
    >>> row = {"estimate": 0.31, "ci_low": 0.12, "ci_high": 0.49}
    >>> change_sentence(row, label="Trust in the municipality", unit="on a 1–5 scale", lang="en", level="95%")
    'Trust in the municipality rose by 0.31 points on a 1–5 scale (95% CI [0.12, 0.49]).'
    """
    check_lang(lang)
    est, low, high = row["estimate"], row["ci_low"], row["ci_high"]
    ci = fmt_ci(low, high, digits, lang)
    size = fmt_num(abs(est), digits, lang)
    kind = _direction(low, high)
    if lang == "nl":
        verb = {"up": f"steeg met {size} punt", "down": f"daalde met {size} punt",
                "flat": f"veranderde niet duidelijk ({fmt_num(est, digits, lang, sign=True)} punt)"}[kind]
        return f"{label} {verb} {unit} ({level}-BI {ci})."
    verb = {"up": f"rose by {size} points", "down": f"fell by {size} points",
            "flat": f"did not change clearly ({fmt_num(est, digits, lang, sign=True)} points)"}[kind]
    return f"{label} {verb} {unit} ({level} CI {ci})."


def scale_unit(row, lang: str) -> str:
    """'on a 0–10 scale' / 'op een schaal van 1 tot 5' from a change row's scale_min/scale_max."""
    low, high = fmt_num(row["scale_min"], 0, lang), fmt_num(row["scale_max"], 0, lang)
    return f"op een schaal van {low} tot {high}" if lang == "nl" else f"on a {low}–{high} scale"


def summary_findings(results: dict, ctx) -> pd.DataFrame:
    """The summary's findings, each a sentence with the numbers it quotes and where they come from.

    Returns
    -------
    DataFrame
        ``finding`` (an id such as ``model:trust``) and ``text``. Every number in a
        text is a value of a results table formatted with :mod:`.i18n`.
    """
    lang = ctx.lang
    rows = []
    response = results["response"]
    total = response[response["group"] == "total"].set_index(response[response["group"] == "total"]["wave"].astype(str))
    rows.append({"finding": "response", "text": response_summary(total, ctx)})
    model = results["model"].set_index("outcome")
    change = results["change"].set_index("outcome")
    for outcome, row in model.iterrows():
        record = {**row.to_dict(), "scale_min": change.loc[outcome, "scale_min"], "scale_max": change.loc[outcome, "scale_max"]}
        rows.append({"finding": f"model:{outcome}",
                     "text": change_sentence(record, label=_md(ctx.scale_label(outcome)), unit=scale_unit(record, lang), lang=lang,
                                                 level=ctx.pct(ctx.study.confidence))})
    binary = results["binary"]
    for _, row in binary[binary["level"] == "binary"].iterrows():
        item = _md(ctx.study.instrument.item(row["outcome"])["text"][lang])
        if lang == "nl":
            text = (f"‘{item}’ Ja: {fmt_pct(row['share_before'], 0, lang)} bij de {t('before', lang).lower()}, "
                    f"{fmt_pct(row['share_after'], 0, lang)} bij de {t('after', lang).lower()}.")
        else:
            text = (f"“{item}” Yes: {fmt_pct(row['share_before'], 0, lang)} at baseline, "
                    f"{fmt_pct(row['share_after'], 0, lang)} at follow-up.")
        rows.append({"finding": f"binary:{row['outcome']}", "text": text})
    if "frequencies_aspect" in results and len(results["frequencies_aspect"]):
        rows.append({"finding": "interviews", "text": interviews_summary(results, ctx)})
    rows.append({"finding": "design", "text": ctx_text("method_limits_short", lang)})
    return pd.DataFrame(rows)


def response_summary(total: pd.DataFrame, ctx) -> str:
    lang = ctx.lang
    waves = [w for w in total.index if w != "both"]
    a, b = total.loc[waves[0]], total.loc[waves[-1]]
    panel = int(total.loc["both", "respondents"]) if "both" in total.index else 0
    if lang == "nl":
        return (f"{fmt_int(a.respondents, lang)} bewoners vulden de {t('before', lang).lower()} in en "
                f"{fmt_int(b.respondents, lang)} de {t('after', lang).lower()}; {fmt_int(panel, lang)} van hen deden beide keren mee.")
    return (f"{fmt_int(a.respondents, lang)} residents answered the baseline survey and {fmt_int(b.respondents, lang)} "
            f"the follow-up; {fmt_int(panel, lang)} of them took part both times.")


def _ranked_codes(results: dict, ctx, aspect: str) -> pd.DataFrame:
    """Codes of one aspect over all interviews, most mentioned first; counts below the interview threshold left out."""
    freq = results["frequencies"]
    frame = ctx.study.coding_frame.table.set_index("code")
    overall = freq[freq["group"] == "total"]
    part = overall[overall["code"].map(frame["aspect"]) == aspect]
    part = part[part["n_cases"] >= ctx.study.min_cell_interviews]
    return part.sort_values(["n_cases", "code"], ascending=[False, True])


def _count_of(row, ctx) -> str:
    """" (n/N)" for a code over all interviewees, where the publication gate allows both numbers."""
    if ctx.gate.shown("code_total", row["code"], "n") and ctx.gate.shown("interviewees", "interviewees", "total"):
        return f" ({fmt_int(row['n_cases'], ctx.lang)}/{fmt_int(row['n_cases_total'], ctx.lang)})"
    return ""


def interviews_summary(results: dict, ctx) -> str:
    """Most mentioned strength and limitation, as 'n of N interviews'."""
    lang = ctx.lang
    parts = []
    for aspect in ("strength", "limitation", "opportunity"):
        part = _ranked_codes(results, ctx, aspect)
        if part.empty:
            continue
        top = part.iloc[0]
        label = _md(_code_label(top["code"], ctx))
        n, total = fmt_int(top["n_cases"], lang), fmt_int(top["n_cases_total"], lang)
        count = ""
        if _count_of(top, ctx):  # only where the publication gate allows the numbers
            count = f" ({n} van {total} interviews)" if lang == "nl" else f" ({n} of {total} interviews)"
        if lang == "nl":
            parts.append(f"{t(aspect, lang).lower()}: ‘{label}’{count}")
        else:
            parts.append(f"{t(aspect, lang).lower()}: “{label}”{count}")
    lead = "In de interviews werd het vaakst genoemd als " if lang == "nl" else "In the interviews, the most mentioned "
    return lead + "; ".join(parts) + "."


def ctx_text(key: str, lang: str) -> str:
    from .texts import text

    return text(key, lang)


# --------------------------------------------------------------------------- response, attrition, weighting


def attrition(table: pd.DataFrame, ctx) -> str:
    """Which baseline characteristics differ most between stayers and leavers (|SMD| > 0.2 flagged)."""
    lang = ctx.lang
    flagged = table[table["smd"].abs() > 0.2].sort_values("smd", key=abs, ascending=False)
    if flagged.empty:
        return ("Wie alleen de nulmeting invulde, verschilde bij de nulmeting weinig van wie ook de eindmeting invulde "
                "(alle gestandaardiseerde verschillen ≤ 0,2)." if lang == "nl" else
                "People who answered only the baseline differed little at baseline from those who also answered the "
                "follow-up (all standardised differences ≤ 0.2).")
    names = "; ".join(f"{_md(_variable_label(r, ctx))} ({fmt_num(r['smd'], 2, lang, sign=True)})" for _, r in flagged.head(4).iterrows())
    if lang == "nl":
        return ("Wie afhaakte na de nulmeting verschilde op enkele punten van wie bleef (gestandaardiseerd verschil "
                f"blijvers − afhakers, groter dan 0,2): {names}. Verandering in het panel geldt dus vooral voor de blijvers.")
    return ("Those who dropped out after the baseline differed from those who stayed on a few points (standardised "
            f"difference stayers − leavers above 0.2): {names}. Change within the panel therefore mainly describes the stayers.")


def _variable_label(row, ctx) -> str:
    variable, level = row["variable"], row.get("level")
    if variable in ctx.study.instrument.scales:
        return ctx.scale_label(variable)
    base = ctx.t(variable)
    return f"{base}: {ctx.t(str(level))}" if isinstance(level, str) and level else base


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


def change_gate(results: dict) -> dict:
    """Publication-gate spec of :func:`change_table`."""
    return {"table": "change", "rows": list(results["change"]["outcome"]),
            "cells": {c: c for c in ("n_before", "n_after", "n_pairs")}}


def subgroup_gate(subgroup: pd.DataFrame) -> dict:
    """Publication-gate spec of :func:`subgroup_table`."""
    rows = [_gate_key(v, g, o) for v, g, o in zip(subgroup["variable"], subgroup["group"], subgroup["outcome"])]
    return {"table": "subgroup", "rows": rows, "cells": {"n_pairs": "n_pairs", "paired": "estimate"}}


def weighting(table: pd.DataFrame, ctx) -> str:
    """Kish effective sample size after raking to the tenure margins."""
    if table.empty:
        return ""
    lang = ctx.lang
    parts = [f"{_md(ctx.wave_label(r['wave']))}: {fmt_int(r['n'], lang)} → {fmt_num(r['effective_n'], 0, lang)}" for _, r in table.iterrows()]
    if lang == "nl":
        return ("Weging naar woonvorm (raking) zou de effectieve steekproefomvang verkleinen tot: " + "; ".join(parts) +
                ". Omdat de verschillen tussen woonvormen klein zijn, tonen we ongewogen resultaten en per woonvorm.")
    return ("Weighting to the tenure distribution (raking) would reduce the effective sample size to: " + "; ".join(parts) +
            ". As differences between tenure types are small, we show unweighted results and results per tenure type.")


# --------------------------------------------------------------------------- scales


def reliability(table: pd.DataFrame, ctx) -> str:
    lang = ctx.lang
    level = ctx.pct(ctx.study.confidence)
    low = table[(table["alpha"] < 0.7) & (table["alpha"] >= 0)]
    names = ", ".join(_md(ctx.scale_label(s)) for s in low["scale"])
    negative = ", ".join(_md(ctx.scale_label(s)) for s in table.loc[table["alpha"] < 0, "scale"])
    if lang == "nl":
        text = (f"De betrouwbaarheid van de schalen is gemeten bij de nulmeting met Cronbachs alfa (met {level}-BI volgens "
                "Feldt) en McDonalds omega. Een waarde van 0,7 of hoger geldt als voldoende.")
        text += (f" Minder betrouwbaar: {names}; lees die uitkomsten met extra voorzichtigheid." if names else
                 " Alle schalen voldoen." if not negative else "")
        return text + (f" **Negatieve alfa bij {negative}: controleer of negatief geformuleerde stellingen zijn omgekeerd "
                       "(`reverse: true` in het codeboek).**" if negative else "")
    text = (f"Scale reliability was measured at baseline with Cronbach's alpha ({level} CI after Feldt) and McDonald's "
            "omega. Values of 0.7 or higher are considered adequate.")
    text += (f" Less reliable: {names}; read those results with extra care." if names else
             " All scales meet this." if not negative else "")
    return text + (f" **Negative alpha for {negative}: check that negatively worded statements are reversed "
                   "(`reverse: true` in the codebook).**" if negative else "")


def reliability_table(table: pd.DataFrame, ctx) -> pd.DataFrame:
    out = table.copy()
    out["alpha_ci"] = [fmt_ci(lo, hi, 2, ctx.lang) for lo, hi in zip(out["alpha_ci_low"], out["alpha_ci_high"])]
    out["scale"] = out["scale"].map(ctx.scale_label)
    return out[["scale", "n", "n_items", "alpha", "alpha_ci", "omega"]]


def items_table(study, item_stats: pd.DataFrame, ctx) -> pd.DataFrame:
    """Items per scale with their wording, reverse key and item–rest correlation."""
    items = study.instrument.items_table().set_index("item")
    out = item_stats.copy()
    out["scale"] = out["scale"].map(ctx.scale_label)
    out["text"] = [items.loc[i, f"text_{ctx.lang}"] + (" (R)" if items.loc[i, "reverse"] else "") for i in out["item"]]
    return out[["scale", "item", "text", "item_rest_r", "alpha_if_deleted"]]


# --------------------------------------------------------------------------- change


def change_intro(ctx) -> str:
    if ctx.lang == "nl":
        return ("Hieronder per thema de verandering tussen de metingen volgens het mixed model (alle antwoorden), met het "
                f"{ctx.pct(ctx.study.confidence)}-betrouwbaarheidsinterval (BI). Ligt het hele interval boven nul, dan is er een duidelijke stijging.")
    return ("Below, per theme, the change between the waves according to the mixed model (all answers), with its "
            f"{ctx.pct(ctx.study.confidence)} confidence interval (CI). When the whole interval lies above zero, there is a clear increase.")


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
    the exploratory panel change with CI and d_z."""
    lang = ctx.lang
    change = results["change"].set_index("outcome")
    model = results["model"].set_index("outcome")
    rows = []
    for outcome in model.index:
        c, m = change.loc[outcome], model.loc[outcome]
        rows.append({
            "scale": ctx.scale_label(outcome), "n_before": c["n_before"], "n_after": c["n_after"], "n_pairs": c["n_pairs"],
            "mean_before": c["mean_before"], "mean_after": c["mean_after"],
            "model": m["estimate"], "model_ci": fmt_ci(m["ci_low"], m["ci_high"], 2, lang),
            "model_es": m["effect_size"], "p_adjusted": m["p_adjusted"],
            "paired": c["estimate"], "paired_ci": fmt_ci(c["ci_low"], c["ci_high"], 2, lang),
            "d_z": c["effect_size"],
        })
    return pd.DataFrame(rows)


def likert_plot_data(likert: pd.DataFrame, ctx) -> pd.DataFrame:
    """Answer distributions per statement at the last wave: the statement's text (``text``) in the report
    language, grouped under its scale's label (``scale``)."""
    last = ctx.study.wave_ids[-1]
    part = likert[likert["wave"] == last].copy()
    items = {i["id"]: i for i in ctx.study.instrument.items}
    part["text"] = [ctx.label(items[i].get("text") or {}) or str(i) for i in part["item"]]
    part["scale"] = [ctx.scale_label(items[i].get("scale")) for i in part["item"]]
    return part[["item", "category", "n", "text", "scale"]]


def likert_categories(ctx) -> list:
    item = next(i for i in ctx.study.instrument.items if ctx.study.instrument.answer_sets[i["answers"]]["level"] == "ordinal")
    return [float(c) for c in ctx.study.instrument.answer_set(item["id"])["codes"]]


def likert_labels(ctx) -> dict:
    item = next(i for i in ctx.study.instrument.items if ctx.study.instrument.answer_sets[i["answers"]]["level"] == "ordinal")
    codes = ctx.study.instrument.answer_set(item["id"])["codes"]
    return {float(k): (v.get(ctx.lang) if isinstance(v, dict) else str(v)) for k, v in codes.items()}


def binary_table(binary: pd.DataFrame, ctx) -> pd.DataFrame:
    lang = ctx.lang
    part = binary[binary["level"] == "binary"]
    rows = []
    for _, r in part.iterrows():
        rows.append({
            "question": ctx.study.instrument.item(r["outcome"])["text"][lang],
            "n_before": r["n_before"], "share_before": r["share_before"],
            "n_after": r["n_after"], "share_after": r["share_after"],
            # a difference of two shares is in percentage points, with the report's one CI notation
            "n_pairs": r["n_pairs"], "difference": r["estimate"],
            "difference_ci": fmt_ci(100 * r["ci_low"], 100 * r["ci_high"], 0, lang),
            "p_adjusted": r["p_adjusted"],
        })
    return pd.DataFrame(rows)


def ordinal_check(results: dict, ctx) -> str:
    """How often the proportional-odds check agrees in sign with the paired item changes."""
    lang = ctx.lang
    ordinal = results["ordinal"].dropna(subset=["estimate"]) if "estimate" in results["ordinal"] else results["ordinal"]
    items = results["items"].set_index("outcome")
    if ordinal.empty:
        return ""
    same = sum((ordinal["estimate"] > 0) == (items.loc[ordinal["outcome"], "cs_estimate"].to_numpy() > 0))
    n = len(ordinal)
    if lang == "nl":
        return (f"Controle met een ordinaal model per stelling (proportional odds, standaardfouten per respondent "
                f"geclusterd): bij {fmt_int(same, lang)} van de {fmt_int(n, lang)} stellingen wijst dit model dezelfde "
                "richting op als het verschil in gemiddelden.")
    return (f"Check with an ordinal model per statement (proportional odds, standard errors clustered by respondent): "
            f"for {fmt_int(same, lang)} of {fmt_int(n, lang)} statements this model points the same way as the difference in means.")


# --------------------------------------------------------------------------- for whom


def subgroup_table(subgroup: pd.DataFrame, ctx) -> pd.DataFrame:
    """Panel change per group level; with several group variables a first column names the variable."""
    lang = ctx.lang
    out = pd.DataFrame({
        "variable": subgroup["variable"].map(ctx.t),
        "scale": subgroup["outcome"].map(ctx.scale_label),
        "group": subgroup["group"].astype(str).map(ctx.t),
        "n_pairs": subgroup["n_pairs"],
        "paired": subgroup["estimate"],
        "paired_ci": [fmt_ci(lo, hi, 2, lang) for lo, hi in zip(subgroup["ci_low"], subgroup["ci_high"])],
    })
    return out if subgroup["variable"].nunique() > 1 else out.drop(columns="variable")


def subgroup_plot_data(published: pd.DataFrame, ctx) -> pd.DataFrame:
    """Published (suppressed) subgroup rows with their numeric CI, for the small-multiple plot."""
    out = published.rename(columns={"scale": "outcome", "paired": "estimate"}).copy()
    bounds = out["paired_ci"].str.strip("[]").str.replace("\u2212", "-")
    sep = "; " if ctx.lang == "nl" else ", "
    parts = bounds.str.split(sep, expand=True)

    def number(text):
        return pd.to_numeric(text.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
                             if ctx.lang == "nl" else text.str.replace(",", "", regex=False), errors="coerce")

    out["ci_low"], out["ci_high"] = number(parts[0]), number(parts[1])
    return out.dropna(subset=["estimate"])[["outcome", "group", "estimate", "ci_low", "ci_high"]]


def subgroup(table: pd.DataFrame, ctx) -> str:
    lang = ctx.lang
    if lang == "nl":
        return ("Per woonvorm is het aantal panelleden klein: de intervallen zijn breed en groepen met minder dan "
                f"{fmt_int(ctx.study.min_cell, lang)} panelleden tonen we niet. Soms is ook een grotere groep verborgen "
                "(·), omdat het kleine aantal anders uit het totaal terug te rekenen is. Verschillen tussen woonvormen "
                "zijn daarom alleen een aanwijzing.")
    return ("Per tenure type the number of panel members is small: intervals are wide, and groups with fewer than "
            f"{fmt_int(ctx.study.min_cell, lang)} panel members are not shown. Sometimes a larger group is hidden too "
            "(·), because the small count could otherwise be worked out from the total. Differences between tenure "
            "types are therefore only indicative.")


# --------------------------------------------------------------------------- interviews


def interviews_intro(ctx) -> str:
    lang = ctx.lang
    n = int(ctx.interviewees["case"].nunique())
    groups = ctx.interviewees["group"].value_counts()
    # group sizes only as the publication gate allows (a group of one is never shown with its size)
    listing = ", ".join(f"{_md(ctx.group_label(g).lower())}" + (f" {fmt_int(k, lang)}" if _size_shown(ctx, g) else "")
                        for g, k in groups.items())
    shown_n = fmt_int(n, lang) if ctx.gate.shown("interviewees", "interviewees", "total") else (
        "Meerdere" if lang == "nl" else "Several")
    n = shown_n
    if lang == "nl":
        return (f"Er zijn {n} mensen geïnterviewd ({listing}). De tabel toont per code hoeveel "
                "geïnterviewden per groep het onderwerp noemden (prevalentie, ‘n van N’). Aantallen van 1 of 2 tonen we "
                "niet, om geïnterviewden in kleine groepen te beschermen.")
    return (f"{n} people were interviewed ({listing}). The table shows per code how many interviewees in "
            "each group mentioned the topic (prevalence, ‘n of N’). Counts of 1 or 2 are not shown, to protect "
            "interviewees in small groups.")


def _code_label(code, ctx) -> str:
    """A code's label in the report language; theme codes without their own label take the theme's."""
    frame = ctx.study.coding_frame.table.set_index("code")
    if code not in frame.index:
        return str(code)
    label, theme = frame.loc[code, f"label_{ctx.lang}"], frame.loc[code, "theme"]
    if label == code and isinstance(theme, str) and not isinstance(frame.loc[code, "aspect"], str):
        return ctx.theme_label(theme)
    return label


def _size_shown(ctx, group) -> bool:
    return ctx.gate.shown("interviewees", "interviewees", str(group))


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
    wide["code"] = wide["code"].map(lambda c: _code_label(c, ctx))
    return wide


def group_columns(table: pd.DataFrame) -> list[str]:
    """The group columns of :func:`code_group_table`."""
    return [c for c in table.columns if c not in ("code", "aspect", "code_id", "suppressed")]


def heatmap_data(published: pd.DataFrame, ctx, headers: dict) -> pd.DataFrame:
    cols = group_columns(published)
    return (published.set_index("code")[cols].astype(float).rename(columns=headers).rename_axis(None))


def aspects(results: dict, ctx) -> str:
    """Opportunities, strengths and limitations: the most mentioned code of each, with n of N."""
    lang = ctx.lang
    lines = []
    for aspect in ("opportunity", "strength", "limitation"):
        items = [f"{_md(_code_label(r['code'], ctx))}{_count_of(r, ctx)}" for _, r in _ranked_codes(results, ctx, aspect).iterrows()]
        if items:
            lines.append(f"- **{t(aspect, lang)}**: " + "; ".join(items))
    lead = ("Kansen, krachten en beperkingen van gebiedsgericht werken (aantal geïnterviewden dat het noemde):\n\n"
            if lang == "nl" else "Opportunities, strengths and limitations of area-based working (interviewees mentioning it):\n\n")
    return lead + "\n".join(lines)


def cooccurrence_matrix(table: pd.DataFrame, ctx) -> pd.DataFrame:
    """Symmetric theme × theme matrix of c-coefficients (diagonal empty)."""
    labels = {x: ctx.theme_label(x) for x in set(table["code_a"]) | set(table["code_b"])}
    matrix = pd.DataFrame(index=sorted(labels.values()), columns=sorted(labels.values()), dtype=float)
    for _, r in table.iterrows():
        a, b = labels[r["code_a"]], labels[r["code_b"]]
        matrix.loc[a, b] = matrix.loc[b, a] = r["c_coefficient"]
    return matrix


def agreement(table: pd.DataFrame, ctx) -> str:
    lang = ctx.lang
    if table.empty:
        return "Geen interviews dubbel gecodeerd." if lang == "nl" else "No interviews were double-coded."
    pooled = table[table["code"] == "(all codes)"].iloc[0]
    alpha = fmt_num(pooled["krippendorff_alpha"], 2, lang)
    verdict = t(f"agreement_{pooled['interpretation']}", lang)
    if lang == "nl":
        return (f"Een deel van de interviews is door twee codeurs onafhankelijk gecodeerd. Over alle codes samen is "
                f"Krippendorffs alfa {alpha} ({verdict}; ≥ 0,80 geldt als betrouwbaar, 0,67–0,80 als voorlopig).")
    return (f"Some interviews were coded independently by two coders. Over all codes, Krippendorff's alpha is {alpha} "
            f"({verdict}; ≥ 0.80 counts as reliable, 0.67–0.80 as tentative).")


def agreement_table(table: pd.DataFrame, ctx) -> pd.DataFrame:
    out = table.copy()
    out["code"] = [t("all_codes", ctx.lang) if c == "(all codes)" else _code_label(c, ctx) for c in out["code"]]
    out["interpretation"] = [t(f"agreement_{v}", ctx.lang) for v in out["interpretation"]]
    keep = [c for c in ("code", "n_units", "kappa", "krippendorff_alpha", "gwet_ac1", "unitizing_alpha", "interpretation") if c in out]
    return out[keep]


def quotes(table: pd.DataFrame, ctx) -> str:
    """Approved, screened quotes as block quotes, speaker labelled by group and pseudonym."""
    if table.empty:
        return "Geen goedgekeurde citaten." if ctx.lang == "nl" else "No approved quotes."
    blocks = []
    for theme, part in table.groupby("theme", sort=True):
        row = part.iloc[0]
        # a speaker from a group too small to publish is not named by group (a group of one is a person)
        who = ctx.group_label(row["group"]) if _size_shown(ctx, row["group"]) else ctx.t("interviewee")
        blocks.append(f"**{_md(ctx.theme_label(theme))}**\n\n> {_md(row['quote'])}\n>\n> — {_md(who)} ({_md(row['speaker'].split()[-1])})")
    lead = ("Citaten komen alleen uit passages waarvoor de geïnterviewde toestemming gaf, en zijn gecontroleerd op namen, "
            "adressen en herkenbare functies.\n\n" if ctx.lang == "nl" else
            "Quotes come only from passages the interviewee approved, and were screened for names, addresses and "
            "identifying roles.\n\n")
    return lead + "\n\n".join(blocks)


# --------------------------------------------------------------------------- joint display, lessons


def joint_intro(ctx) -> str:
    if ctx.lang == "nl":
        return (f"Per thema staan de enquête (verandering volgens het model, met {ctx.pct(ctx.study.confidence)}-BI) en de interviews (hoeveel "
                "geïnterviewden het thema noemden en hoe) naast elkaar. Het oordeel volgt een vaste regel: *bevestigt* als "
                "enquête en interviews dezelfde kant op wijzen, *spreekt tegen* als ze tegengesteld zijn, *vult aan* als de "
                "interviews iets laten zien wat de enquête niet kon meten, *alleen enquête* als de interviews het thema "
                "weinig noemen.")
    return (f"Per theme, the survey (model-based change with {ctx.pct(ctx.study.confidence)} CI) and the interviews (how many interviewees raised the "
            "theme, and how) side by side. The verdict follows a fixed rule: *confirms* when survey and interviews point "
            "the same way, *contradicts* when they point opposite ways, *expands* when the interviews show what the "
            "survey could not measure, *survey only* when the interviews rarely mention the theme.")


def joint_table(joint: pd.DataFrame, ctx) -> pd.DataFrame:
    lang = ctx.lang
    rows = []
    for _, r in joint.iterrows():
        survey = ("–" if pd.isna(r["survey_estimate"]) else
                  f"{fmt_num(r['survey_estimate'], 2, lang, sign=True)} {fmt_ci(r['survey_ci_low'], r['survey_ci_high'], 2, lang)}")
        cases = r["interview_cases"]
        shown = (ctx.gate.shown("joint", r["theme"], "n") and cases >= ctx.study.min_cell_interviews
                 and ctx.gate.shown("interviewees", "interviewees", "total"))
        interviews = ("–" if pd.isna(cases) else
                      (f"{fmt_int(cases, lang)}/{fmt_int(r['interview_cases_total'], lang)}; " if shown else "")
                      + t(str(r["interview_tone"]), lang))
        quote = r["quote"] if isinstance(r["quote"], str) else "–"
        rows.append({"theme": ctx.theme_label(r["theme"]), "survey": survey, "interviews": interviews,
                     "quote": quote, "verdict": t(str(r["verdict"]), lang)})
    return pd.DataFrame(rows)


def lessons(results: dict, ctx) -> str:
    """Lessons derived from the joint display and the interview aspects."""
    lang = ctx.lang
    joint = results["joint"]
    confirmed = [_md(ctx.theme_label(x)) for x in joint.loc[joint["verdict"] == "confirms", "theme"]]
    contradicted = [_md(ctx.theme_label(x)) for x in joint.loc[joint["verdict"] == "contradicts", "theme"]]
    strengths = [_md(_code_label(c, ctx)) for c in _ranked_codes(results, ctx, "strength")["code"].head(2)]
    limits = [_md(_code_label(c, ctx)) for c in _ranked_codes(results, ctx, "limitation")["code"].head(2)]
    if lang == "nl":
        lines = [
            f"- **Wat werkte:** {', '.join(strengths).lower()} – het meest genoemd als kracht." if strengths else "",
            f"- **Wat beperkte:** {', '.join(limits).lower()} – het meest genoemd als beperking." if limits else "",
            f"- **Bevestigd door enquête en interviews:** {', '.join(confirmed)}." if confirmed else "",
            f"- **Let op, tegenstrijdig:** {', '.join(contradicted)} – enquête en interviews wijzen hier verschillende kanten "
            "op (zie de tabel hierboven); bespreek dit met bewoners." if contradicted else "",
            "- **Voor een volgende straat:** meet opnieuw voor en na met dezelfde vragenlijst, en zoek een vergelijkingsstraat "
            "zonder pilot om te kunnen zeggen of de pilot de oorzaak was.",
        ]
    else:
        lines = [
            f"- **What worked:** {', '.join(strengths).lower()} – most often named as a strength." if strengths else "",
            f"- **What limited it:** {', '.join(limits).lower()} – most often named as a limitation." if limits else "",
            f"- **Confirmed by survey and interviews:** {', '.join(confirmed)}." if confirmed else "",
            f"- **Note, contradictory:** {', '.join(contradicted)} – survey and interviews point different ways here (see the "
            "table above); discuss this with residents." if contradicted else "",
            "- **For the next street:** measure before and after with the same questionnaire, and find a comparison street "
            "without the pilot to be able to say whether the pilot caused the change.",
        ]
    return "\n".join(line for line in lines if line)


def mde_table(mde: pd.DataFrame, ctx) -> pd.DataFrame:
    out = mde.copy()
    out["design"] = out["design"].map(lambda d: t(f"design_{d}", ctx.lang))
    return out[["design", "n", "n_effective", "mde", "mde_raw"]]


def mde(table: pd.DataFrame, ctx) -> str:
    """The planning sentence for a replication, from the MDE table."""
    lang = ctx.lang
    paired = table[table["design"] == "paired"].sort_values("n")
    row = paired.iloc[(paired["n"] - 100).abs().argmin()]
    if lang == "nl":
        return (f"Voorbeeld: nodigt een volgende straat {fmt_int(row['n'], lang)} bewoners uit voor beide metingen en "
                f"blijft (net als hier) ongeveer {fmt_int(row['n_effective'], lang)} van hen over, dan is een verandering "
                f"vanaf {fmt_num(row['mde'], 2, lang)} standaarddeviaties (ongeveer {fmt_num(row['mde_raw'], 2, lang)} punt op "
                "een schaal van 1 tot 5) met 80% kans aan te tonen (tweezijdig, α = 0,05).")
    return (f"Example: if a next street invites {fmt_int(row['n'], lang)} residents to both waves and (as here) about "
            f"{fmt_int(row['n_effective'], lang)} of them remain, a change of {fmt_num(row['mde'], 2, lang)} standard "
            f"deviations (about {fmt_num(row['mde_raw'], 2, lang)} points on a 1–5 scale) can be detected with 80% power "
            "(two-sided, α = 0.05).")


# --------------------------------------------------------------------------- appendices


def appendix_data(ctx) -> str:
    lang = ctx.lang
    study = ctx.study
    if lang == "nl":
        return (
            "- **Invoer en controle:** de ruwe bestanden zijn bij het inlezen gecontroleerd tegen het codeboek; alle "
            "problemen staan in `validation.csv` bij de verwerkte gegevens.\n"
            "- **Direct identificerende gegevens** (naam, e-mail, adres) zijn bij het inlezen verwijderd; ze komen in geen "
            "enkele verwerkte tabel of uitvoer voor.\n"
            "- **Pseudoniemen:** respondent-, huishouden-, interview- en documentnummers zijn vervangen door sleutel-gebaseerde "
            "pseudoniemen (HMAC-SHA256); de sleutel staat buiten de code"
            + (" (voor deze synthetische voorbeeldstudie een vaste, openbare sleutel)" if study.synthetic else "") + ".\n"
            f"- **Kleine aantallen:** in enquêtetabellen zijn aantallen van 1 tot {fmt_int(study.min_cell - 1, lang)} "
            "onderdrukt, plus zo nodig een tweede cel zodat het verborgen aantal niet uit totalen terug te rekenen is; "
            f"in interviewtabellen aantallen van 1 tot {fmt_int(study.min_cell_interviews - 1, lang)}.\n"
            "- **Citaten** alleen uit passages met toestemming van de geïnterviewde, en alleen na controle op namen, "
            "adressen, huisnummers en herkenbare functies.\n"
            "- **Bewaren:** ruwe en verwerkte gegevens staan niet in versiebeheer; bewaar ze volgens het bewaarbeleid "
            "van de gemeente en verwijder ze na afloop van het onderzoek."
        )
    return (
        "- **Input and checks:** the raw files were checked against the codebook on import; every problem is listed in "
        "`validation.csv` beside the processed data.\n"
        "- **Direct identifiers** (name, e-mail, address) were removed on import; they appear in no processed table or output.\n"
        "- **Pseudonyms:** respondent, household, interview and document ids were replaced by keyed pseudonyms "
        "(HMAC-SHA256); the key is kept outside the code"
        + (" (for this synthetic example study a fixed, public key)" if study.synthetic else "") + ".\n"
        f"- **Small counts:** in survey tables counts of 1 to {fmt_int(study.min_cell - 1, lang)} are suppressed, plus, "
        "where needed, a second cell so the hidden count cannot be recovered from totals; in interview tables counts of 1 "
        f"to {fmt_int(study.min_cell_interviews - 1, lang)}.\n"
        "- **Quotes** only from passages the interviewee approved, and only after screening for names, addresses, house "
        "numbers and identifying roles.\n"
        "- **Retention:** raw and processed data are not in version control; keep them under the municipality's "
        "retention policy and delete them when the study ends."
    )


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
        return t("validation_none", ctx.lang)
    return t("validation_some", ctx.lang, n=fmt_int(int(table["n"].sum()), ctx.lang))


def missing_table(ctx) -> pd.DataFrame:
    """Missing answers by reason and wave (counts of answers)."""
    miss = ctx.load("missingness")
    responses = ctx.responses
    n_items = len(ctx.study.instrument.items)
    table = miss.groupby(["wave", "reason"], observed=True).size().rename("n").reset_index()
    answers = responses.groupby("wave", observed=True).size() * n_items
    table["share"] = [n / answers[w] for w, n in zip(table["wave"], table["n"])]
    table["wave"] = table["wave"].astype(str).map(ctx.wave_label)
    return table


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
    width = fmt_int(finite.min(), ctx.lang) if len(finite) else "–"
    key = "audit_passed" if summary["passed"] else "audit_failed"
    return t(key, ctx.lang, cells=fmt_int(summary["cells"], ctx.lang), audited=fmt_int(summary["audited"], ctx.lang),
             primary=fmt_int(summary["primary"], ctx.lang), complementary=fmt_int(summary["complementary"], ctx.lang),
             derived=fmt_int(summary["derived"], ctx.lang), width=width)


def appendix_repro(ctx) -> str:
    study_rel = ctx.study.path.name
    if ctx.lang == "nl":
        return ("Dit rapport is gemaakt met het pakket `evaluation`. Opnieuw maken: `make report` (voorbeeldstudie) of "
                f"`evaluation report --study config/studies/{study_rel} --lang nl --formats html,docx,pdf`. "
                "`manifest.json` bij het rapport bevat de vingerafdrukken (SHA-256) van alle invoerbestanden, de parameters "
                "en de softwareversies; hieronder een overzicht.")
    return ("This report was made with the `evaluation` package. To rebuild: `make report` (example study) or "
            f"`evaluation report --study config/studies/{study_rel} --lang en --formats html,docx,pdf`. "
            "`manifest.json` beside the report holds the fingerprints (SHA-256) of all input files, the parameters and "
            "the software versions; an overview follows.")


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
    names = ", ".join(_md(ctx.scale_label(s)) for s in flagged["outcome"])
    if ctx.lang == "nl":
        return (f"Bij {names} schatte het model een variantie (tussen personen of huishoudens) op nul: er is dan weinig "
                "samenhang binnen personen of huishoudens. Het model is dan gelijk aan een eenvoudiger model zonder die "
                "variantie; de schatting en het interval blijven bruikbaar.")
    return (f"For {names} the model estimated a variance (between people or households) at zero: there is little "
            "clustering within people or households. The model then equals a simpler model without that variance; the "
            "estimate and its interval remain usable.")

"""Conclusions a council can act on: answers per research question, recommendations and limitations.

Each item is produced by an explicit rule from the results tables and carries the
evidence it rests on (``evidence``: ``table|row`` references into the published
tables), so a reader can check every claim. A recommendation always rests on a
survey result or on what interviewees of *several* stakeholder groups said, never
on a mention count alone. The wording is in the language's ``text.yml``
(keys ``answer_*``, ``rec_*``, ``limit_*``); the evaluator can replace any of it
(see :meth:`evaluation.report.nb.ReportContext.narrative`).

Rules
-----
Answers (one paragraph per research question):

* **change** — scales whose primary (model) interval lies wholly above / below zero rose /
  fell; the others did not change clearly. How sure: how many primary estimates stay
  below the adjusted significance level, which scales are weak (alpha < 0.70), and that
  there is no comparison area.
* **for_whom** — per group variable, the published subgroups whose panel interval lies
  wholly above zero; in the interviews, codes whose share of interviewees differs by at
  least 50 points between stakeholder groups.
* **approach** — the most named strength, limitation and opportunity (interviewee
  prevalence, published counts only), with the groups that named them.

Recommendations:

* **continue** — a strength named by at least half of the interviewees and by at least two
  stakeholder groups; and a theme whose survey change rose *and* the interviews confirm.
* **change** — a limitation named by at least half of the interviewees or by every member of
  a group whose size is published; a theme that fell; a theme where survey and interviews
  contradict (to discuss with residents).
* **try** — an opportunity named by at least two groups; for the next area always the
  smallest sample (MDE table, panel) that detects the smallest clear change seen here (in baseline
  SDs; without a clear change, the largest change), and a comparison area.

Limitations: no comparison area; response and composition; weak scales; boundary fits;
attrition; small interview groups; single coding or tentative agreement.
"""
from __future__ import annotations

import pandas as pd

from .gate import joint_key
from .narrative import (_counts_shown, _gate_key, _ranked_codes, _size_shown, code_label, direction, groups_differ,
                        has_change, has_interviews, question_kinds, question_list, weak_scales)

__all__ = ["answers", "recommendations", "limitations"]

#: Share of interviewees from which a code counts as widely named.
WIDE = 0.5


def _ref(table: str, *row) -> str:
    return f"{table}:{_gate_key(*row)}"


def _groups_naming(results: dict, ctx, code) -> list[dict]:
    """Stakeholder groups (size published) with the published count of interviewees naming ``code``."""
    freq = results["code_group"]
    part = freq[(freq["code"] == code) & (freq["n_cases"] > 0)]
    out = []
    for _, r in part.sort_values(["prevalence", "group"], ascending=[False, True]).iterrows():
        if _size_shown(ctx, r["group"]) and ctx.gate.shown("code_group", str(code), r["group"]):
            out.append({"group": ctx.group_label(r["group"]), "id": r["group"], "n": int(r["n_cases"]),
                        "total": int(r["n_cases_total"]), "share": float(r["prevalence"])})
    return out


def _code_item(results, ctx, row) -> dict:
    shown = _counts_shown(row, ctx)
    return {"code": row["code"], "label": code_label(row["code"], ctx), "n": int(row["n_cases"]) if shown else None,
            "total": int(row["n_cases_total"]) if shown else None, "share": float(row["prevalence"]),
            "groups": _groups_naming(results, ctx, row["code"])}


def _scale_item(results, ctx, outcome) -> dict:
    m = results["model"].set_index("outcome").loc[outcome]
    return {"outcome": outcome, "label": ctx.scale_label(outcome), "estimate": float(m["estimate"]),
            "ci": (float(m["ci_low"]), float(m["ci_high"])), "p": float(m["p_adjusted"]),
            "direction": direction(m["ci_low"], m["ci_high"])}


# --------------------------------------------------------------------------- answers


def answers(results: dict, ctx) -> pd.DataFrame:
    """One paragraph per research question: the answer, how sure we are, what it means.

    Returns
    -------
    DataFrame
        ``question`` (1-based), ``kind`` (change / for_whom / approach / open), ``question_text``,
        ``text`` (Markdown) and ``evidence`` (``;``-joined ``table:row`` references).
    """
    rows = []
    texts = question_list(ctx)
    kinds = question_kinds(ctx)
    for i, question in enumerate(texts):
        kind = kinds[i] if i < len(kinds) else "open"
        text, evidence = {"change": _answer_change, "for_whom": _answer_for_whom, "approach": _answer_approach,
                          "open": _answer_open}[kind](results, ctx)
        rows.append({"question": i + 1, "kind": kind, "question_text": question, "text": text,
                     "evidence": ";".join(evidence)})
    return pd.DataFrame(rows, columns=["question", "kind", "question_text", "text", "evidence"])


def _answer_change(results, ctx):
    scales = [_scale_item(results, ctx, o) for o in results["model"]["outcome"]]
    alpha = 1 - ctx.study.confidence
    low, negative = weak_scales(results["reliability"])
    text = ctx.say("answer_change", up=[s for s in scales if s["direction"] == "up"],
                   down=[s for s in scales if s["direction"] == "down"],
                   flat=[s["label"] for s in scales if s["direction"] == "flat"],
                   n_significant=sum(s["p"] < alpha for s in scales), n=len(scales),
                   adjust=ctx.t(f"adjust_{ctx.study.adjust}"), weak=[ctx.scale_label(s) for s in low + negative])
    return text, [_ref("model", s["outcome"]) for s in scales]


def _answer_for_whom(results, ctx):
    sub = results["subgroup"]
    found, evidence = [], []
    for variable, part in sub.groupby("variable", sort=False):
        clear = []
        for _, r in part.iterrows():
            key = _gate_key(variable, r["group"], r["outcome"])
            if ctx.gate.shown("subgroup", key, "estimate") and r["ci_low"] > 0:
                clear.append({"group": ctx.category_label(variable, r["group"]), "scale": ctx.scale_label(r["outcome"]),
                              "estimate": float(r["estimate"]), "ci": (float(r["ci_low"]), float(r["ci_high"]))})
                evidence.append(_ref("subgroup", variable, r["group"], r["outcome"]))
        found.append({"variable": ctx.variable_label(variable).lower(), "rising": clear[:4]})
    differ = []
    if has_interviews(ctx):
        for _, r in groups_differ(results, ctx).head(2).iterrows():
            differ.append({"label": code_label(r["code"], ctx), "high": ctx.group_label(r["high_group"]),
                           "high_n": r["high_n"], "high_total": r["high_total"], "low": ctx.group_label(r["low_group"]),
                           "low_n": r["low_n"], "low_total": r["low_total"]})
            evidence.append(_ref("code_group", r["code"]))
    return ctx.say("answer_for_whom", variables=found, differ=differ, min_cell=ctx.study.min_cell), evidence


def _answer_approach(results, ctx):
    tops, evidence = {}, []
    for aspect in ("strength", "limitation", "opportunity"):
        ranked = _ranked_codes(results, ctx, aspect)
        if len(ranked):
            tops[aspect] = _code_item(results, ctx, ranked.iloc[0])
            evidence.append(_ref("code_total", ranked.iloc[0]["code"]))
    agreement = results["agreement"]
    pooled = agreement[agreement["code"] == "(all codes)"] if len(agreement) else agreement
    verdict = ctx.t(f"agreement_{pooled.iloc[0]['interpretation']}") if len(pooled) else None
    return ctx.say("answer_approach", strength=tops.get("strength"), limitation=tops.get("limitation"),
                   opportunity=tops.get("opportunity"), agreement=verdict), evidence


def _answer_open(results, ctx):
    return ctx.say("answer_open"), []


# --------------------------------------------------------------------------- recommendations


def recommendations(results: dict, ctx) -> pd.DataFrame:
    """What to continue, what to change, what to try in the next area — each with its evidence.

    Returns
    -------
    DataFrame
        ``kind`` (continue / change / try), ``rule`` (which rule of the module docstring made it),
        ``text`` (Markdown) and ``evidence`` (``;``-joined ``table:row`` references).
    """
    rows = []

    def add(kind, rule, key, evidence, **values):
        rows.append({"kind": kind, "rule": rule, "text": ctx.say(key, **values), "evidence": ";".join(evidence)})

    joint = results.get("joint", pd.DataFrame())
    if len(joint) and "perspective" in joint:  # the row compared with the survey (all interviewees, or the surveyed)
        joint = joint[joint["perspective"].isin(["all", "surveyed"])]
    joint = joint.set_index("theme") if len(joint) else pd.DataFrame()
    key = {t: joint_key(t, joint.loc[t, "perspective"] if "perspective" in joint else None) for t in joint.index}
    if has_interviews(ctx):
        for _, r in _ranked_codes(results, ctx, "strength").iterrows():
            item = _code_item(results, ctx, r)
            if item["share"] >= WIDE and len(item["groups"]) >= 2:
                add("continue", "strength-wide", "rec_continue_strength", [_ref("code_group", r["code"])], item=item)
    if has_change(ctx):
        for outcome in results["model"]["outcome"]:
            s = _scale_item(results, ctx, outcome)
            theme = results["model"].set_index("outcome").loc[outcome, "theme"]
            verdict = joint.loc[theme, "verdict"] if theme in joint.index else None
            if s["direction"] == "up" and verdict == "confirms":
                add("continue", "rose-confirmed", "rec_continue_theme", [_ref("model", outcome), f"joint:{key[theme]}"],
                    scale=s)
            elif s["direction"] == "down":
                add("change", "fell", "rec_change_fell", [_ref("model", outcome)], scale=s)
            if verdict == "contradicts":
                add("change", "contradicts", "rec_change_contradicts", [_ref("model", outcome), f"joint:{key[theme]}"],
                    scale=s, tone=ctx.t(str(joint.loc[theme, "interview_tone"])))
    if has_interviews(ctx):
        for _, r in _ranked_codes(results, ctx, "limitation").iterrows():
            item = _code_item(results, ctx, r)
            whole = [g for g in item["groups"] if g["n"] == g["total"]]
            if item["share"] >= WIDE or whole:
                add("change", "limitation-wide", "rec_change_limitation", [_ref("code_group", r["code"])],
                    item=item, whole=whole)
        for _, r in _ranked_codes(results, ctx, "opportunity").iterrows():
            item = _code_item(results, ctx, r)
            if len(item["groups"]) >= 2:
                add("try", "opportunity", "rec_try_opportunity", [_ref("code_group", r["code"])], item=item)
    if has_change(ctx) and len(results.get("mde", [])):
        mde = results["mde"]
        model = results["model"]
        clear = model[(model["ci_low"] > 0) | (model["ci_high"] < 0)]
        # the smallest clear change seen here (in baseline SDs); without one, the largest change
        typical = float(clear["effect_size"].abs().min()) if len(clear) else float(model["effect_size"].abs().max())
        paired = mde[mde["design"] == "paired"].sort_values("n")
        enough = paired[paired["mde"] <= typical]
        row = enough.iloc[0] if len(enough) else (paired.iloc[-1] if len(paired) else None)
        if row is not None:
            add("try", "next-area", "rec_try_next", [_ref("mde", "paired", int(row["n"]))], n=int(row["n"]),
                mde=float(row["mde"]), typical=typical, enough=bool(len(enough)))
    return pd.DataFrame(rows, columns=["kind", "rule", "text", "evidence"])


# --------------------------------------------------------------------------- limitations


def limitations(results: dict, ctx) -> pd.DataFrame:
    """The design's limits in plain words, each from the results that show it.

    Returns
    -------
    DataFrame
        ``limit`` (an id) and ``text`` (Markdown).
    """
    rows = []

    def add(limit, key, **values):
        rows.append({"limit": limit, "text": ctx.say(key, **values)})

    if has_change(ctx):
        add("no-comparison", "limit_comparison")
    response = results.get("response")
    if response is not None and len(response):
        total = response[response["group"] == "total"]
        rates = [{"wave": ctx.wave_label(r["wave"]), "rate": r["response_rate"]} for _, r in total.iterrows()
                 if r["wave"] != "both" and pd.notna(r["response_rate"])]
        groups = response[(response["group"] != "total") & (response["wave"] == ctx.study.wave_ids[0])]
        gap = None
        if len(groups) and groups["share_population"].notna().any():
            diff = (groups["share_respondents"] - groups["share_population"]).abs()
            row = groups.loc[diff.idxmax()]
            if diff.max() >= 0.05 and ctx.gate.shown("response", _gate_key(row["wave"], row["group"]), "share_respondents"):
                gap = {"group": ctx.category_label(ctx.study.group_variable, row["group"]),
                       "respondents": row["share_respondents"], "population": row["share_population"]}
        add("response", "limit_response", rates=rates, gap=gap)
    if len(results.get("reliability", [])):
        low, negative = weak_scales(results["reliability"])
        if low or negative:
            add("weak-scales", "limit_weak", scales=[ctx.scale_label(s) for s in low + negative],
                all_low=len(low) + len(negative) == len(results["reliability"]), change=has_change(ctx))
    model = results.get("model")
    if model is not None and "boundary" in model and model["boundary"].astype(bool).any():
        add("boundary", "limit_boundary", scales=[ctx.scale_label(s) for s in model.loc[model["boundary"].astype(bool), "outcome"]])
    attrition = results.get("attrition")
    if attrition is not None and len(attrition) and (attrition["smd"].abs() > 0.2).any():
        add("attrition", "limit_attrition")
    if has_interviews(ctx):
        hidden = [g for g in dict.fromkeys(ctx.interviewees["group"]) if not _size_shown(ctx, g)]
        add("interviews", "limit_interviews", hidden=len(hidden), min_cell=ctx.study.min_cell_interviews,
            double=len(results.get("agreement", [])) > 0)
    return pd.DataFrame(rows, columns=["limit", "text"])


# --------------------------------------------------------------------------- display


def answers_markdown(table: pd.DataFrame) -> str:
    """The answers as Markdown: each research question in bold, then its paragraph."""
    from .escape import md_literal

    return "\n\n".join(f"**{int(r['question'])}. {md_literal(r['question_text'])}**\n\n{r['text']}"
                       for _, r in table.iterrows())


KINDS = ("continue", "change", "try")


def recommendations_markdown(table: pd.DataFrame, ctx) -> str:
    """The recommendations as Markdown (the draft an evaluator edits): per kind a heading and a list."""
    from .i18n import heading
    from .narrative import evidence_refs

    blocks = []
    for kind in KINDS:
        part = table[table["kind"] == kind]
        if len(part):
            items = []
            for _, r in part.iterrows():
                refs = "; ".join(x["text"] for x in evidence_refs(r["evidence"], ctx))
                items.append(f"- {r['text']}" + (f" *{ctx.t('evidence_label')}: {_md(refs)}.*" if refs else ""))
            blocks.append(heading(f"rec_{kind}", ctx.lang, level=3) + "\n\n" + "\n".join(items))
    return "\n\n".join(blocks) or f"*{ctx.say('no_recommendations')}*"  # one line instead of an empty list


def recommendations_html(table: pd.DataFrame, ctx) -> str:
    """The recommendations as HTML: per kind a heading and a list whose evidence links to its tables."""
    import html

    from .i18n import catalog

    blocks = []
    for kind in KINDS:
        part = table[table["kind"] == kind]
        if len(part):
            title = html.escape(str(catalog(ctx.lang)["sections"][f"rec_{kind}"]))
            blocks.append(f"<h3>{title}</h3>" + ctx.evidence_html(part))
    return "".join(blocks) or "<p><em>" + html.escape(ctx.say("no_recommendations")) + '</em></p>'


def _md(text) -> str:
    from .escape import md_literal

    return md_literal(text)

"""All results tables of a study's learning report, computed once and cached.

Each report notebook runs in its own kernel; they all read their numbers from
:func:`study_results`, so the summary and the sections show the same values.
The cache lives in ``data/processed/<study>/results/`` and is rebuilt whenever
the import, the configuration or the package's code changed.
"""
from __future__ import annotations

import hashlib
import json
import os
import warnings
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pandas as pd

from ..config import Study, load_study
from ..importer import load_processed

__all__ = ["study_results", "RESULT_TABLES", "primary_coder", "fpc_population"]

#: Tables returned by :func:`study_results`.
RESULT_TABLES = (
    "response", "attrition", "weighting", "scores", "reliability", "item_stats", "change", "model", "ordinal",
    "items", "binary", "likert", "subgroup", "mde", "frequencies", "frequencies_theme", "frequencies_aspect",
    "code_group", "cooccurrence", "agreement", "quotes", "framework", "joint", "publication", "audit",
)

_MDE_SIZES = (25, 50, 75, 100, 150, 200)


def primary_coder(segments: pd.DataFrame) -> str | None:
    """The coder who coded the most documents (ties: alphabetical); analyses of content use only this coder.

    Examples
    --------
    >>> seg = pd.DataFrame({"document": ["a", "b", "b"], "coder": ["c1", "c1", "c2"]})
    >>> primary_coder(seg)
    'c1'
    """
    if segments.empty or "coder" not in segments:
        return None
    docs = segments.groupby("coder")["document"].nunique()
    return str(sorted(docs.index[docs == docs.max()])[0])


def fpc_population(responses: pd.DataFrame, households: int | None, *, wave="wave", household="household",
                   respondent="respondent") -> float | None:
    """Population size for finite-population corrections when only the number of homes is known.

    Used when the study does not give ``population.residents``. Respondents are people, with
    sometimes two from one home. We scale the number of homes by the mean number
    of respondents per responding home, so that the person-level sampling
    fraction equals the household-level one (Cochran 1977, ch. 9: the FPC of a
    cluster sample is 1 − f with f the fraction of clusters sampled).

    Returns
    -------
    float or None
        ``households × respondents / responding households`` (pooled over
        waves), or None when the number of homes is unknown.

    Examples
    --------
    >>> r = pd.DataFrame({"respondent": list("abc"), "household": ["h1", "h1", "h2"], "wave": "w1"})
    >>> fpc_population(r, 10)
    15.0
    """
    if not households:
        return None
    if household not in responses:
        return float(households)
    per_wave = responses.groupby(wave, observed=True).agg(
        people=(respondent, "nunique"), homes=(household, "nunique"))
    return float(households * per_wave["people"].sum() / per_wave["homes"].sum())


def _code_fingerprint() -> str:
    """SHA-256 over the package's own source, so that changed analysis code never reuses old results."""
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).resolve().parents[1].rglob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _cache_key(study: Study) -> str:
    """What the cached results depend on: input hashes, package version and code, configuration text.

    Files are named by their name only, so the key holds no machine path.
    """
    info = json.loads((study.processed_dir / "import.json").read_text(encoding="utf-8"))
    inputs = {Path(p).name: h for p, h in info["inputs"].items()}
    return json.dumps({"inputs": inputs, "version": version("evaluation"), "code": _code_fingerprint(),
                       "config": {p.name: p.read_text(encoding="utf-8") for p in study.config_files}}, sort_keys=True)


def study_results(study, *, cache: bool = True) -> dict[str, pd.DataFrame]:
    """Compute (or read from cache) every results table of the learning report.

    Parameters
    ----------
    study : Study or path-like
        An imported study (run :func:`evaluation.import_study` first).
    cache : bool, default True
        Reuse tables cached after an identical import.

    Returns
    -------
    dict of str to DataFrame
        Keys in :data:`RESULT_TABLES`; each table's columns are documented where it
        is computed (see the functions named in the source): survey tables from
        :func:`evaluation.compare_waves`, :func:`evaluation.change_model`,
        :func:`evaluation.reliability` …; interview tables from
        :func:`evaluation.code_frequencies`, :func:`evaluation.agreement_by_code` …;
        ``joint`` from :func:`evaluation.joint_display`.

    Examples
    --------
    >>> results = study_results("config/studies/noorderbeekdwarsstraat-demo.yml")  # doctest: +SKIP
    >>> results["model"][["outcome", "estimate", "ci_low", "ci_high"]]  # doctest: +SKIP
    """
    if not isinstance(study, Study):
        study = load_study(study)
    folder = study.processed_dir / "results"
    key_file = folder / "key.json"
    if cache and key_file.exists() and key_file.read_text(encoding="utf-8") == _cache_key(study):
        return {name: pd.read_parquet(folder / f"{name}.parquet") for name in RESULT_TABLES}
    tables = _compute(study)
    folder.mkdir(parents=True, exist_ok=True)
    for name in RESULT_TABLES:
        tmp = folder / f".{name}.{os.getpid()}.parquet"
        tables[name].to_parquet(tmp, index=False)
        tmp.replace(folder / f"{name}.parquet")
    key_file.write_text(_cache_key(study), encoding="utf-8")
    return tables


# --------------------------------------------------------------------------- survey


def _survey(study: Study) -> dict[str, pd.DataFrame]:
    import evaluation as ev

    out = {}
    if not study.waves:  # a study of interviews only
        return out
    inst = study.instrument
    responses = load_processed(study, "responses")
    first, last = study.wave_ids[0], study.wave_ids[-1]
    defs = inst.scale_definitions()
    scales = list(defs)
    theme_of = {s: inst.scales[s]["theme"] for s in scales}
    family_of = {s: inst.scales[s]["family"] or theme_of[s] for s in scales}
    population = None
    if study.fpc:
        population = study.population_residents or fpc_population(responses, study.population_size)
    group_var = study.group_variable
    margins = study.population_margins.get(group_var) if group_var else None
    background_vars = list(inst.background)

    out["response"] = ev.response_table(responses, population=margins, group=group_var, total=study.population_size)

    scores = ev.score_scales(responses, scales=defs)
    ids = ["respondent", "wave"] + (["household"] if "household" in responses else [])
    scores = scores.merge(responses[ids + background_vars], on=["respondent", "wave"], how="left")
    out["scores"] = scores
    wide = responses[ids + background_vars].merge(
        scores.pivot_table(index=["respondent", "wave"], columns="scale", values="score", observed=True).reset_index(),
        on=["respondent", "wave"], how="left")
    wide["wave"] = pd.Categorical(wide["wave"].astype(str), categories=study.wave_ids, ordered=True)

    weighting = []
    if study.population_margins:
        for wave_id in study.wave_ids:
            part = responses[responses["wave"] == wave_id]
            w = ev.rake(part, margins=study.population_margins)
            weighting.append({"wave": wave_id, "n": len(part), "effective_n": ev.effective_n(w),
                              "min_weight": float(w.min()), "max_weight": float(w.max())})
    out["weighting"] = pd.DataFrame(weighting, columns=["wave", "n", "effective_n", "min_weight", "max_weight"])

    out["reliability"] = ev.reliability(responses[responses["wave"] == first], scales=defs, confidence=study.confidence)
    out["item_stats"] = ev.reliability(responses[responses["wave"] == first], scales=defs, level="item")
    items = inst.items_table()
    ordinal_items = items[items["level"] == "ordinal"]
    out["likert"] = _likert(responses, ordinal_items, inst)
    if len(study.waves) < 2:  # one wave: a baseline report, nothing to compare
        return out

    baseline = responses[responses["wave"] == first].merge(
        wide[wide["wave"] == first][["respondent", *scales]], on="respondent", how="left")
    later = set(responses.loc[responses["wave"] == last, "respondent"])
    baseline["stayed"] = baseline["respondent"].isin(later)
    if baseline["stayed"].any() and not baseline["stayed"].all():  # stayers and leavers to compare
        out["attrition"] = ev.attrition_table(baseline, stayed="stayed", variables=[*background_vars, *scales])

    # descriptive means: residents sampled through their homes -> homes as clusters, FPC on the homes
    # (as survey::svydesign(ids = ~home, fpc = ~homes)); without a household column, people as the units
    clustered = "household" in wide
    cluster = "household" if clustered else None
    homes = study.population_size if (study.fpc and clustered) else None
    desc_population = homes if clustered else population
    change = ev.compare_waves(wide, outcomes=scales, population=desc_population, cluster=cluster, adjust=study.adjust,
                              families=family_of, confidence=study.confidence)
    change.insert(1, "theme", change["outcome"].map(theme_of))
    change["scale_min"] = [0.0 if defs[s]["rescale_0_10"] else defs[s]["min"] for s in change["outcome"]]
    change["scale_max"] = [10.0 if defs[s]["rescale_0_10"] else defs[s]["max"] for s in change["outcome"]]
    out["change"] = change

    # with a panel: people (and their homes) as random effects; without one, homes only (each person once)
    panel = bool((wide.groupby("respondent", observed=True)["wave"].nunique() > 1).any())
    subject, household = ("respondent", "household") if panel or not clustered else ("household", None)
    rows = []
    for scale in scales:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                fit = ev.change_model(wide, outcome=scale, wave="wave", subject=subject, household=household,
                                      confidence=study.confidence)
            except ValueError as exc:  # e.g. no person and no home in more than one wave
                rows.append({"outcome": scale, "theme": theme_of[scale], "estimate": np.nan, "se": np.nan,
                             "ci_low": np.nan, "ci_high": np.nan, "p_value": np.nan, "effect_size": np.nan,
                             "boundary": False, "warning": str(exc)})
                continue
        record = fit.to_dict()
        record["warning"] = "; ".join(filter(None, [record.get("warning", ""), *{str(w.message) for w in caught}]))
        rows.append({"outcome": scale, "theme": theme_of[scale], **record})
    out["model"] = pd.DataFrame(rows)

    agree = inst.agree_codes()
    family = {r.item: r.theme for r in items.itertuples()}
    item_change = ev.compare_waves(responses, outcomes=list(ordinal_items["item"]), population=desc_population,
                                   cluster=cluster if "household" in responses else None,
                                   agree={i: agree[i] for i in ordinal_items["item"] if i in agree},
                                   families=family, adjust="fdr_bh", confidence=study.confidence)
    item_change.insert(1, "theme", item_change["outcome"].map(family))
    out["items"] = item_change

    ordinal = []
    for item in ordinal_items["item"]:
        try:
            fit = ev.ordinal_change_model(responses, outcome=item, wave="wave", subject="respondent")
            ordinal.append({"outcome": item, "theme": family[item], **fit.to_dict()})
        except ValueError as exc:  # e.g. an item without variation in one wave
            ordinal.append({"outcome": item, "theme": family[item], "note": str(exc)})
    ordinal = pd.DataFrame(ordinal)
    if "p_value" in ordinal:
        ordinal["p_adjusted"] = ev.adjust_pvalues(ordinal["p_value"], method="fdr_bh")
    out["ordinal"] = ordinal

    out["binary"] = _binary(study, responses, items, population)
    _adjust_families(out["model"], out["binary"], method=study.adjust)

    subgroups = []
    for variable in study.groups or ([group_var] if group_var else []):
        by_population = None
        var_margins = study.population_margins.get(variable)
        if var_margins and clustered and study.fpc:  # homes per level
            by_population = dict(var_margins)
        elif var_margins and population:  # residents per level, in proportion to the homes
            by_population = {k: v * population / sum(var_margins.values()) for k, v in var_margins.items()}
        part = ev.compare_waves(wide, outcomes=scales, by=variable, population=by_population, cluster=cluster,
                                adjust=study.adjust,
                                families=family_of, confidence=study.confidence)
        part.insert(0, "variable", variable)
        part.insert(2, "theme", part["outcome"].map(theme_of))
        subgroups.append(part)
    out["subgroup"] = pd.concat(subgroups, ignore_index=True) if subgroups else pd.DataFrame()

    pairs = int(change["n_pairs"].max())
    n_first = int((responses["wave"] == first).sum())
    attrition = 1 - pairs / n_first if n_first else 0.0
    unscaled = ev.score_scales(responses, scales=defs, rescale=False).pivot_table(
        index=["respondent", "wave"], columns="scale", values="score", observed=True).reset_index()
    unscaled["wave"] = pd.Categorical(unscaled["wave"], categories=study.wave_ids, ordered=True)
    # the SD that gives the raw unit: of the within-person change (paired, d_z), of the score within a wave
    # (independent, d); without a panel there is no observed attrition to plan with
    sd_of = {"paired": _sd_of_change(unscaled, scales) if pairs else np.nan,
             "independent": _sd_within_wave(unscaled, scales)}
    mde = []
    for design in ("paired", "independent") if pairs else ("independent",):  # no panel: no paired design
        table = ev.minimal_detectable_effect(list(_MDE_SIZES), design=design, attrition=attrition if pairs else 0.0,
                                             sd=sd_of[design])
        mde.append(table.assign(attrition_used=attrition if pairs else 0.0, sd_used=sd_of[design]))
    out["mde"] = pd.concat(mde, ignore_index=True)
    return out


def _adjust_families(model: pd.DataFrame, binary: pd.DataFrame, *, method: str) -> None:
    """Add ``role``, ``family`` and ``p_adjusted`` to the model and yes/no tables (in place).

    The multiplicity families are fixed in advance, before any result is seen:

    - **primary**: one model-based change per scale, all scales together in one family,
      adjusted with the study's ``analysis.adjust`` (default Holm);
    - **exploratory**: each theme's yes/no and categorical items, adjusted within their theme
      with the same method. Item tests, subgroup tests, the panel and cross-sectional checks and
      the ordinal models are exploratory too (adjusted within their own tables).
    """
    import evaluation as ev

    model["role"] = "primary"
    model["family"] = "primary"
    model["p_adjusted"] = ev.adjust_pvalues(model["p_value"].to_numpy(dtype=float), method=method) \
        if len(model) else np.array([])
    if binary.empty:
        return
    binary["role"] = "exploratory"
    binary["family"] = binary["theme"]
    binary["p_adjusted"] = np.nan
    for _, part in binary.groupby("family", dropna=False):
        binary.loc[part.index, "p_adjusted"] = ev.adjust_pvalues(part["p_value"].to_numpy(dtype=float), method=method)


def _sd_of_change(wide: pd.DataFrame, scales) -> float:
    """Median SD (over scales, item metric) of the within-person change on the panel: the MDE table's raw unit."""
    waves = list(wide["wave"].cat.categories)
    a = wide[wide["wave"] == waves[0]].set_index("respondent")[scales]
    b = wide[wide["wave"] == waves[-1]].set_index("respondent")[scales]
    diff = (b - a).dropna(how="all")
    return float(np.nanmedian(diff.std()))


def _sd_within_wave(wide: pd.DataFrame, scales) -> float:
    """Median SD (over scales and waves, item metric) of a scale score within one wave."""
    sds = wide.groupby("wave", observed=True)[scales].std().to_numpy().ravel()
    return float(np.nanmedian(sds)) if np.isfinite(sds).any() else np.nan


def _binary(study, responses, items, population) -> pd.DataFrame:
    import evaluation as ev

    first, last = study.wave_ids[0], study.wave_ids[-1]
    rows = []
    for item in items.itertuples():
        if item.level not in ("binary", "categorical"):
            continue
        a = responses[responses["wave"] == first][["respondent", item.item]]
        b = responses[responses["wave"] == last][["respondent", item.item]]
        pairs = a.merge(b, on="respondent", suffixes=("_a", "_b")).dropna()
        row = {"outcome": item.item, "theme": item.theme, "level": item.level, "n_pairs": len(pairs)}
        if item.level == "binary":
            for wave_id, part in ((first, a), (last, b)):
                ci = ev.proportion_ci(part[item.item].dropna(), population=population, confidence=study.confidence)
                tag = "before" if wave_id == first else "after"
                row.update({f"n_{tag}": int(ci["n"]), f"share_{tag}": ci["proportion"],
                            f"share_{tag}_ci_low": ci["ci_low"], f"share_{tag}_ci_high": ci["ci_high"]})
        seen = pd.concat([pairs[f"{item.item}_a"], pairs[f"{item.item}_b"]]).nunique()
        if seen >= 2:  # no panel, or every pair gave the same single answer: no paired test to run
            paired = ev.proportion_test(pairs[f"{item.item}_a"], pairs[f"{item.item}_b"], paired=True,
                                        confidence=study.confidence)
            row.update({"estimate": paired.get("estimate"), "ci_low": paired.get("ci_low"),
                        "ci_high": paired.get("ci_high"), "statistic": paired["statistic"], "df": paired["df"],
                        "p_value": paired["p_value"], "method": paired["method"]})
        if item.level == "binary" and a[item.item].dropna().size and b[item.item].dropna().size \
                and pd.concat([a[item.item], b[item.item]]).dropna().nunique() >= 2:
            cross = ev.proportion_test(a[item.item].dropna(), b[item.item].dropna(), paired=False,
                                       confidence=study.confidence)
            row.update({"cs_estimate": cross["estimate"], "cs_ci_low": cross["ci_low"], "cs_ci_high": cross["ci_high"],
                        "cs_p_value": cross["p_value"], "cs_method": cross["method"]})
        rows.append(row)
    return pd.DataFrame(rows, columns=_BINARY_COLUMNS)


#: columns of the yes/no and categorical table; it has them even when the instrument has no such items
_BINARY_COLUMNS = ["outcome", "theme", "level", "n_pairs", "n_before", "share_before", "share_before_ci_low",
                   "share_before_ci_high", "n_after", "share_after", "share_after_ci_low", "share_after_ci_high",
                   "estimate", "ci_low", "ci_high", "statistic", "df", "p_value", "method", "cs_estimate", "cs_ci_low",
                   "cs_ci_high", "cs_p_value", "cs_method"]


def _likert(responses, ordinal_items, inst) -> pd.DataFrame:
    rows = []
    for item in ordinal_items["item"]:
        codes = [float(c) for c in inst.answer_set(item)["codes"]]
        counts = responses.groupby("wave", observed=True)[item].value_counts().rename("n").reset_index()
        for wave_id, part in counts.groupby("wave", observed=True):
            total = part["n"].sum()
            for code in codes:
                n = int(part.loc[part[item] == code, "n"].sum())
                rows.append({"item": item, "wave": str(wave_id), "category": code, "n": n, "share": n / total if total else np.nan})
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- interviews


def _interviews(study: Study, survey_by_theme: pd.DataFrame) -> dict[str, pd.DataFrame]:
    import evaluation as ev

    segments = load_processed(study, "segments")
    interviewees = load_processed(study, "interviewees")
    documents = load_processed(study, "documents")
    coder = primary_coder(segments)
    primary = segments[segments["coder"] == coder]
    cases = interviewees.rename(columns={"stakeholder_group": "group"})
    out = {}
    freq = ev.code_frequencies(primary, by="group", level="code", cases=cases)
    overall = ev.code_frequencies(primary, level="code", cases=cases).assign(group="total")
    out["frequencies"] = pd.concat([freq, overall], ignore_index=True)
    theme = ev.code_frequencies(primary, by="group", level="theme", cases=cases)
    theme_all = ev.code_frequencies(primary, level="theme", cases=cases).assign(group="total")
    out["frequencies_theme"] = pd.concat([theme, theme_all], ignore_index=True)
    aspect = ev.code_frequencies(primary, by="group", level="aspect", cases=cases)
    aspect_all = ev.code_frequencies(primary, level="aspect", cases=cases).assign(group="total")
    out["frequencies_aspect"] = pd.concat([aspect, aspect_all], ignore_index=True)
    out["code_group"] = freq
    themed = primary["theme"].notna().any() if "theme" in primary else False
    out["cooccurrence"] = ev.cooccurrence(primary, scope="case", level="theme") if themed else pd.DataFrame()

    coders = segments.groupby("document")["coder"].nunique()
    double = segments[segments["document"].isin(coders.index[coders > 1])]
    if double["coder"].nunique() > 1:
        out["agreement"] = ev.agreement_by_code(double, documents=documents, unit="sentence")
    else:
        out["agreement"] = pd.DataFrame(columns=["code", "n_units", "n_coders", "krippendorff_alpha"])

    # a coding frame without themes (e.g. a study of interviews only): quotes per code instead of per theme
    quotable = primary if themed else primary.assign(theme=primary["code"].astype(str))
    quotes = ev.select_quotes(quotable, n=1, seed=1, key=study.pseudonym_key(),
                              names=study.screen_names, streets=study.screen_streets)
    out["quotes"] = quotes.reset_index(drop=True)
    if themed:  # a coding frame without themes has no framework matrix and no joint display
        out["framework"] = ev.framework_matrix(primary, rows="case", columns="theme", cases=cases).reset_index()
        # candidates for the joint display: several approved quotes per theme and group, each with its passage's
        # position in the segments, so that the quote shown has the tone stated beside it
        candidates = ev.select_quotes(primary, n=5, seed=1, key=study.pseudonym_key(),
                                      names=study.screen_names, streets=study.screen_streets)
        places = candidates.attrs.get("references")
        if places is not None and len(places) == len(candidates):
            candidates = candidates.assign(**{c: places[c].to_numpy() for c in ("document", "start", "end")})
        out["joint"] = ev.joint_display(survey_by_theme, primary, cases=cases, quotes=candidates,
                                        survey_groups=study.survey_groups)
    return out


def _compute(study: Study) -> dict[str, pd.DataFrame]:
    tables = _survey(study)
    if study.codings_file is not None:
        tables.update(_interviews(study, _survey_by_theme(tables)))
    from .gate import publication

    # the publication gate: which counts every published table and sentence may show
    tables["publication"], tables["audit"] = publication(tables, study)
    for name in RESULT_TABLES:
        tables.setdefault(name, pd.DataFrame())
        tables[name] = _parquet_safe(tables[name])
    return tables


def _survey_by_theme(tables) -> pd.DataFrame:
    if "model" not in tables:  # no before/after survey: the joint display has interviews only
        return pd.DataFrame(columns=["theme", "outcome", "estimate", "ci_low", "ci_high", "p_value", "p_adjusted",
                                     "scale_min", "scale_max"])
    model = tables["model"]
    change = tables["change"].set_index("outcome")
    out = model[["theme", "outcome", "estimate", "ci_low", "ci_high", "p_value", "p_adjusted"]].copy()
    out["scale_min"] = out["outcome"].map(change["scale_min"])
    out["scale_max"] = out["outcome"].map(change["scale_max"])
    return out


def _parquet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """Object columns that mix types (lists, records) become text so Parquet can store them."""
    frame = frame.copy()
    frame.attrs = {}
    for column in frame.columns:
        if frame[column].dtype == object:
            values = frame[column].dropna()
            if not values.map(lambda v: isinstance(v, (str, bool, int, float))).all() or values.map(type).nunique() > 1:
                frame[column] = frame[column].map(lambda v: v if v is None or (isinstance(v, float) and np.isnan(v)) else str(v))
    frame.columns = [str(c) for c in frame.columns]
    return frame

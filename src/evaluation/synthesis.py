"""Cross-site synthesis: from several studies' published results to programme-level findings.

The synthesis works **only** from each study's results tables (the cache that
:func:`evaluation.study_results` writes to ``data/processed/<study>/results/``, or a
shareable export of it from :func:`shareable_results`), never from raw data. A
city can therefore share its results without sharing respondents.

Building blocks (tidy DataFrames in, tidy DataFrames out):

- :func:`load_site_results` reads a site's results (no recomputation, no raw data)
  and :func:`shareable_results` reduces them to what the synthesis needs, with every
  number the site's publication gate did not publish removed;
- :func:`site_effects` — per construct and site, the model-based change standardised
  on the site's baseline SD, with its sampling variance; constructs matched across
  instruments by a mapping from the configuration;
- :func:`pool_constructs` — per construct, a random-effects meta-analysis
  (:func:`evaluation.meta.random_effects`: REML or Paule–Mandel τ², Hartung–Knapp
  intervals) with τ², I² and the prediction interval;
- :func:`moderator_analysis` — site characteristics (:func:`site_characteristics`)
  as meta-regression covariates from ``min_sites`` (5) sites on, descriptive below;
- :func:`cross_site_framework` — code × site × stakeholder group prevalence among
  interviewees, using only the cells each site published;
- :func:`cross_site_quotes` — the quotes exactly as each site published them;
- :func:`union_audit` — the check that nothing a site suppressed can be recovered
  from the synthesis outputs.

Site-level inputs are a mapping ``{site id: results}``, ``results`` a dict of
DataFrames keyed by results-table name (``model``, ``change``, ``frequencies``,
``frequencies_theme``, ``code_group``, ``quotes``, ``publication``, ``audit``).
"""
from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from .meta import random_effects

__all__ = [
    "SHARED_TABLES", "shareable_results", "load_site_results", "write_shareable_results", "site_characteristics",
    "site_effects", "pool_constructs", "moderator_analysis", "cross_site_framework", "cross_site_quotes",
    "union_audit", "EFFECT_COLUMNS", "POOLED_COLUMNS", "MODERATOR_COLUMNS", "FRAMEWORK_COLUMNS",
    "UNION_AUDIT_COLUMNS", "ALL_SITES",
]

#: Results tables the synthesis reads (and :func:`shareable_results` keeps).
SHARED_TABLES = ("model", "change", "frequencies", "frequencies_theme", "code_group", "quotes", "publication",
                 "audit")
#: Label of the cross-site rows of :func:`cross_site_framework`.
ALL_SITES = "all sites"
#: Columns of :func:`site_effects`.
EFFECT_COLUMNS = ["construct", "site", "outcome", "estimate", "se", "df", "baseline_sd", "yi", "vi", "sei",
                  "ci_low", "ci_high", "n_subjects", "scale_min", "scale_max", "boundary", "note"]
#: Columns of :func:`pool_constructs`.
POOLED_COLUMNS = ["construct", "k", "sites", "estimate", "se", "df", "p_value", "ci_low", "ci_high", "tau2",
                  "tau2_ci_low", "tau2_ci_high", "tau", "i2", "h2", "q", "q_df", "q_p", "pi_low", "pi_high",
                  "method", "test", "level", "note"]
#: Columns of :func:`moderator_analysis`.
MODERATOR_COLUMNS = ["construct", "moderator", "analysis", "k", "site", "value", "yi", "ci_low", "ci_high",
                     "slope", "slope_se", "slope_ci_low", "slope_ci_high", "p_value", "tau2", "r2", "note"]
#: Columns of :func:`cross_site_framework`.
FRAMEWORK_COLUMNS = ["code", "site", "site_code", "group", "n_cases", "n_cases_total", "prevalence", "status",
                     "suppressed", "n_sites", "source", "note"]
#: Columns of :func:`union_audit`.
UNION_AUDIT_COLUMNS = ["check", "output", "site", "code", "group", "column", "value", "source", "ok", "detail"]

_FREQUENCY_TABLES = {"frequencies", "frequencies_theme", "code_group"}
_LEVELS = {  # level -> (frequency table, its unit column, gate table per group, gate table of totals)
    "code": ("frequencies", "code", "code_group", "code_total"),
    "theme": ("frequencies_theme", "theme", "theme_group", "theme_total"),
}
_SIZES = "interviewees"
#: columns of a site's audit kept for sharing: which cells were audited and whether any was disclosed
_AUDIT_SHARED = ["population", "table", "row", "column", "kind", "published", "disclosed"]


# --------------------------------------------------------------------------- reading and sharing


def _published_lookup(publication: pd.DataFrame) -> dict:
    """(table, row, column) -> (status, value) of a site's publication table."""
    if publication is None or publication.empty:
        return {}
    keys = zip(publication["table"].astype(str), publication["row"].astype(str), publication["column"].astype(str))
    return dict(zip(keys, zip(publication["status"], publication["value"])))


def _frequency_key(name: str, row: pd.Series, unit: str) -> tuple[str, str, str]:
    level = "code" if unit == "code" else "theme"
    group_table, total_table = _LEVELS[level][2], _LEVELS[level][3]
    if str(row["group"]) == "total":
        return total_table, str(row[unit]), "n"
    return group_table, str(row[unit]), str(row["group"])


def shareable_results(results: Mapping[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The part of a site's results that the synthesis needs, with every unpublished number removed.

    A study's results cache holds more than its report publishes: respondent-level
    scale scores (``scores``), the case × theme matrix (``framework``), segment counts
    that the publication gate does not control, and the true values of the cells it
    suppressed (in ``publication``, ``audit`` and the frequency tables). This keeps
    only :data:`SHARED_TABLES` and removes those values, so that the result can be
    handed to another organisation.

    Parameters
    ----------
    results : mapping of str to DataFrame
        A study's results tables (:func:`evaluation.study_results` or
        :func:`load_site_results`).

    Returns
    -------
    dict of str to DataFrame
        :data:`SHARED_TABLES` (empty frames for missing ones):

        - ``model``, ``change``: as published (``change``'s counts ``n_before``,
          ``n_after``, ``n_pairs`` are NaN where the gate did not publish them);
        - ``quotes``: only the quotes the site's report shows (one approved quote per
          theme, as :func:`evaluation.report.narrative.select_quotes` picks them), with
          ``theme``, ``group`` (None when the gate hides the group's size, as the report
          then does not name it), ``speaker`` (the pseudonymous interview reference) and
          ``quote``; document offsets are dropped;
        - ``frequencies``, ``frequencies_theme``, ``code_group``: without ``n_segments``
          (not gated); ``n_cases``, ``prevalence`` NaN and ``n_cases_total`` NaN where
          the gate did not publish the count or the group size;
        - ``publication``: ``value`` NaN unless published; ``status`` only
          ``"published"`` or ``"suppressed"`` and ``reason`` empty (the gate's
          "primary" vs "complementary" and reasons such as "whole group" would tell a
          reader about the hidden value);
        - ``audit``: only ``population``, ``table``, ``row``, ``column``, ``kind``,
          ``published`` and ``disclosed`` (no true values, sensitivity or bounds).

        Idempotent: applying it twice gives the same tables.

    Examples
    --------
    >>> pub = pd.DataFrame({"population": "interviews", "table": "code_group", "row": ["A", "A"],
    ...                     "column": ["resident", "partner"], "kind": "count", "value": [7.0, 2.0],
    ...                     "status": ["published", "primary"], "reason": ["", "small"]})
    >>> freq = pd.DataFrame({"code": ["A", "A"], "group": ["resident", "partner"], "n_segments": [9, 2],
    ...                      "n_cases": [7, 2], "n_cases_total": [12, 3], "prevalence": [7 / 12, 2 / 3]})
    >>> shared = shareable_results({"publication": pub, "code_group": freq})
    >>> shared["code_group"]["n_cases"].tolist(), shared["publication"]["value"].tolist()
    ([7.0, nan], [7.0, nan])
    """
    out = {name: (results.get(name) if results.get(name) is not None else pd.DataFrame()).copy()
           for name in SHARED_TABLES}
    pub = out["publication"]
    if not pub.empty:
        shown = pub["status"] == "published"
        pub["value"] = pub["value"].where(shown)
        # "primary" (sensitive) vs "complementary" and reasons such as "whole group" tell about the hidden value
        pub["status"] = np.where(shown, "published", "suppressed")
        if "reason" in pub:
            pub["reason"] = ""
    out["audit"] = out["audit"].reindex(columns=_AUDIT_SHARED) if not out["audit"].empty else \
        pd.DataFrame(columns=_AUDIT_SHARED)
    lookup = _published_lookup(pub)

    def shown(key) -> bool:
        return lookup.get(key, (None, None))[0] == "published"

    for name in _FREQUENCY_TABLES:
        frame = out[name]
        if frame.empty:
            continue
        frame = frame.drop(columns=["n_segments"], errors="ignore")
        unit = "code" if "code" in frame else "theme"
        cell_ok = np.array([shown(_frequency_key(name, r, unit)) for _, r in frame.iterrows()], dtype=bool)
        size_ok = np.array([shown((_SIZES, _SIZES, str(g))) for g in frame["group"]], dtype=bool)
        frame["n_cases"] = frame["n_cases"].astype(float).where(cell_ok)
        frame["n_cases_total"] = frame["n_cases_total"].astype(float).where(size_ok)
        if "prevalence" in frame:
            frame["prevalence"] = frame["prevalence"].astype(float).where(cell_ok & size_ok)
        out[name] = frame
    quotes = out["quotes"]
    if not quotes.empty:
        out["quotes"] = _published_quotes(quotes, lookup)
    change = out["change"]
    if not change.empty:
        for col in ("n_before", "n_after", "n_pairs"):
            if col in change:
                ok = [shown(("change", str(o), col)) for o in change["outcome"]]
                change[col] = change[col].astype(float).where(ok)
    for frame in out.values():
        frame.attrs = {}
    return out


def _published_quotes(quotes: pd.DataFrame, lookup: dict) -> pd.DataFrame:
    """The quotes the site's report shows, attributed as it attributes them.

    The report picks one approved quote per theme (:func:`evaluation.report.narrative.select_quotes`)
    and names the speaker's stakeholder group only when the gate shows that group's size;
    the pseudonymous interview reference stays, the document offsets are dropped.
    """
    from .report.narrative import select_quotes

    picked = select_quotes(quotes, None).copy()
    shown = {g: lookup.get((_SIZES, _SIZES, str(g)), (None,))[0] in (None, "published")
             for g in picked["group"].dropna().unique()}
    picked["group"] = [g if pd.notna(g) and shown.get(g, False) else None for g in picked["group"]]
    if "speaker" in picked:
        picked["speaker"] = [str(v).split()[-1] if pd.notna(v) and str(v).strip() else v for v in picked["speaker"]]
    keep = [c for c in ("theme", "group", "speaker", "quote") if c in picked]
    return picked[keep].reset_index(drop=True)


def load_site_results(source, *, tables: Sequence[str] = SHARED_TABLES) -> dict[str, pd.DataFrame]:
    """Read one site's results tables as stored, without recomputing and without raw data.

    Parameters
    ----------
    source : path-like or Study
        A folder of ``<table>.parquet`` files (a study's ``<processed_dir>/results`` or a
        folder written by :func:`write_shareable_results`), or a study (its YAML path or a
        loaded :class:`~evaluation.config.Study`), whose ``processed_dir/results`` is read.
    tables : sequence of str, default SHARED_TABLES
        Tables to read; a missing file gives an empty table.

    Returns
    -------
    dict of str to DataFrame
        The tables passed through :func:`shareable_results` (so unpublished numbers are
        removed even when reading a full results cache).

    Notes
    -----
    :func:`evaluation.study_results` is not used: it recomputes from the raw data
    whenever the cache key (inputs, configuration, package code) changed, and the
    synthesis must run where the raw data are not. The tables are read as they are;
    a stale cache is the responsibility of the site that shared it.

    Examples
    --------
    >>> tables = load_site_results("data/processed/noorderbeekdwarsstraat-demo/results")  # doctest: +SKIP
    >>> tables["model"][["outcome", "effect_size"]]  # doctest: +SKIP
    """
    path = None
    if hasattr(source, "processed_dir"):
        path = Path(source.processed_dir) / "results"
    else:
        path = Path(source)
        if path.is_file() and path.suffix in (".yml", ".yaml"):
            from .config import load_study

            path = Path(load_study(path).processed_dir) / "results"
    if not path.is_dir():
        raise FileNotFoundError(f"no results folder at {path}; import the study and compute its results "
                                "(evaluation report) at the site first, then share that folder")
    found = {name: pd.read_parquet(path / f"{name}.parquet") for name in tables if (path / f"{name}.parquet").exists()}
    if not found:
        raise FileNotFoundError(f"{path} holds none of the results tables {list(tables)}")
    return shareable_results(found)


def write_shareable_results(results: Mapping[str, pd.DataFrame], folder) -> Path:
    """Write a site's shareable results (:func:`shareable_results`) as Parquet files plus a manifest.

    Parameters
    ----------
    results : mapping of str to DataFrame
        The site's results tables (full or already shareable).
    folder : path-like
        Target folder (created); existing tables in it are overwritten.

    Returns
    -------
    pathlib.Path
        The folder; it holds ``<table>.parquet`` for :data:`SHARED_TABLES` and
        ``manifest.json`` (tables, rows, package version).

    Examples
    --------
    >>> folder = write_shareable_results(results, "shared/wilgenkade")  # doctest: +SKIP
    >>> load_site_results(folder)["model"].shape  # doctest: +SKIP
    """
    from importlib.metadata import version

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    shared = shareable_results(results)
    for name, frame in shared.items():
        frame.to_parquet(folder / f"{name}.parquet", index=False)
    manifest = {"tables": {name: len(frame) for name, frame in shared.items()}, "version": version("evaluation"),
                "note": "shareable results: only numbers the site's publication gate published"}
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True), encoding="utf-8")
    return folder


# --------------------------------------------------------------------------- site characteristics


def _months(first: str | None, last: str | None) -> float:
    def parse(text):
        parts = str(text).split("-")
        return date(int(parts[0]), int(parts[1]) if len(parts) > 1 else 1, 1)

    if not first or not last:
        return np.nan
    try:
        a, b = parse(first), parse(last)
    except (ValueError, IndexError):
        return np.nan
    return float((b.year - a.year) * 12 + (b.month - a.month))


def site_characteristics(studies: Mapping[str, object], *, extra: pd.DataFrame | None = None) -> pd.DataFrame:
    """Site-level characteristics from each study's configuration, for moderator analyses.

    Parameters
    ----------
    studies : mapping of str to Study or path-like
        Site id -> study (a loaded :class:`~evaluation.config.Study` or its YAML path).
        Only configuration is read (no data).
    extra : DataFrame, optional
        Further characteristics not in the study files (e.g. ``intensity`` of the
        approach, hours per home), one row per ``site``; merged on ``site``.

    Returns
    -------
    pandas.DataFrame
        One row per site: ``site``, ``homes`` (``population.size``), ``residents``,
        ``duration_months`` (first to last wave date), ``n_waves``, and
        ``share_<variable>_<level>`` for each population margin (e.g.
        ``share_tenure_social_rent``), plus the `extra` columns.

    Examples
    --------
    >>> site_characteristics({"a": "config/studies/noorderbeekdwarsstraat-demo.yml"})[
    ...     ["site", "homes", "duration_months", "share_tenure_social_rent"]].to_dict("records")
    [{'site': 'a', 'homes': 200, 'duration_months': 18.0, 'share_tenure_social_rent': 0.4}]
    """
    from .config import load_study

    rows = []
    for site, study in studies.items():
        if not hasattr(study, "population_margins"):
            study = load_study(study)
        row = {"site": site, "homes": study.population_size, "residents": study.population_residents,
               "duration_months": _months(study.waves[0].date, study.waves[-1].date), "n_waves": len(study.waves)}
        for variable, margins in (study.population_margins or {}).items():
            total = sum(margins.values())
            for level, n in margins.items():
                row[f"share_{variable}_{level}"] = n / total if total else np.nan
        rows.append(row)
    out = pd.DataFrame(rows)
    if extra is not None:
        out = out.merge(extra, on="site", how="left", validate="one_to_one")
    return out


# --------------------------------------------------------------------------- survey effects


def _construct_map(studies, constructs) -> dict[str, dict[str, str]]:
    if constructs is None:
        outcomes = []
        for results in studies.values():
            model = results.get("model", pd.DataFrame())
            outcomes += [] if model.empty else list(model["outcome"].astype(str))
        constructs = list(dict.fromkeys(outcomes))
    if isinstance(constructs, Mapping):
        out = {}
        for name, per_site in constructs.items():
            if isinstance(per_site, str):
                per_site = {site: per_site for site in studies}
            unknown = set(per_site) - set(studies)
            if unknown:
                raise ValueError(f"construct {name!r} maps site(s) {sorted(unknown)} that are not among the "
                                 f"studies {sorted(studies)}")
            out[str(name)] = {s: str(o) for s, o in per_site.items()}
        return out
    return {str(c): {site: str(c) for site in studies} for c in constructs}


def _scale_text(lo, hi) -> str:
    return "?" if pd.isna(lo) or pd.isna(hi) else f"{lo:g}–{hi:g}"


def site_effects(studies: Mapping[str, Mapping[str, pd.DataFrame]], *, constructs=None,
                 notes: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Per construct and site: the model-based change in baseline-SD units and its sampling variance.

    Parameters
    ----------
    studies : mapping of str to mapping of str to DataFrame
        Site id -> that site's results tables (needs ``model``; ``change`` for the
        scale ranges).
    constructs : mapping, sequence of str or None
        Which outcome of each site measures which construct, e.g.
        ``{"cohesion": {"site_a": "cohesion", "site_b": "social_cohesion"}}`` (a site
        left out did not measure it); a plain string value means the same outcome at
        every site, a sequence of names means the same names everywhere. Default: every
        outcome of any site's ``model`` table, matched by name.
    notes : mapping of str to str, optional
        Per construct, a note on instrument differences known from the configuration
        (e.g. different wording), added to the ``note`` column.

    Returns
    -------
    pandas.DataFrame
        One row per construct × site in the mapping (:data:`EFFECT_COLUMNS`):

        - construct, site, outcome (the site's own outcome id);
        - estimate, se, df : the site's model-based change (``model`` table, raw units);
        - baseline_sd : SD of the outcome at baseline;
        - yi = estimate / baseline_sd (the site's ``effect_size``), vi = (se / baseline_sd)²,
          sei = √vi : the standardised change and its sampling variance (the baseline SD
          treated as fixed, as in :func:`evaluation.change_model`);
        - ci_low, ci_high : the site's own interval on the standardised scale (t with
          Satterthwaite df);
        - n_subjects, scale_min, scale_max, boundary (variance component on the boundary);
        - note : "" or remarks: outcome not measured, missing SD, scale ranges that
          differ between the sites of the construct, and `notes`.

    Examples
    --------
    >>> model = lambda est, se, sd: pd.DataFrame({"outcome": ["cohesion"], "estimate": [est], "se": [se],
    ...                                           "df": [80.0], "baseline_sd": [sd]})
    >>> eff = site_effects({"a": {"model": model(0.8, 0.16, 1.6)}, "b": {"model": model(0.2, 0.1, 0.8)}})
    >>> eff[["site", "yi", "vi"]].round(4).to_dict("list")
    {'site': ['a', 'b'], 'yi': [0.5, 0.25], 'vi': [0.01, 0.0156]}
    """
    mapping = _construct_map(studies, constructs)
    notes = dict(notes or {})
    rows = []
    for construct, per_site in mapping.items():
        part = []
        for site, outcome in per_site.items():
            results = studies[site]
            model = results.get("model", pd.DataFrame())
            change = results.get("change", pd.DataFrame())
            row = {"construct": construct, "site": site, "outcome": outcome}
            match = model[model["outcome"].astype(str) == outcome] if not model.empty else model
            scale = change[change["outcome"].astype(str) == outcome] if "outcome" in change else pd.DataFrame()
            if not scale.empty and "scale_min" in scale:
                row["scale_min"] = float(scale["scale_min"].iloc[0])
                row["scale_max"] = float(scale["scale_max"].iloc[0])
            if match.empty:
                row["note"] = f"{outcome!r} is not in the model table of site {site!r}"
                part.append(row)
                continue
            m = match.iloc[0]
            est, se, sd = float(m["estimate"]), float(m["se"]), float(m.get("baseline_sd", np.nan))
            row.update(estimate=est, se=se, df=float(m.get("df", np.nan)), baseline_sd=sd,
                       n_subjects=m.get("n_subjects", np.nan), boundary=bool(m.get("boundary", False)))
            if not (np.isfinite(sd) and sd > 0 and np.isfinite(se) and se > 0):
                row["note"] = "no baseline SD or standard error: the change cannot be standardised"
            else:
                row.update(yi=est / sd, vi=(se / sd) ** 2, sei=se / sd)
                low, high = m.get("ci_low", np.nan), m.get("ci_high", np.nan)
                row.update(ci_low=float(low) / sd, ci_high=float(high) / sd)
            part.append(row)
        ranges = {(r.get("scale_min"), r.get("scale_max")) for r in part if "scale_min" in r}
        shared_note = []
        if len(ranges) > 1:
            shared_note.append("scale ranges differ between sites (" + ", ".join(
                f"{r['site']}: {_scale_text(r.get('scale_min'), r.get('scale_max'))}" for r in part if "scale_min" in r)
                + "); each site's change is standardised on its own baseline SD")
        if construct in notes:
            shared_note.append(str(notes[construct]))
        for r in part:
            r["note"] = "; ".join(filter(None, [r.get("note", ""), *shared_note]))
        rows += part
    out = pd.DataFrame(rows, columns=EFFECT_COLUMNS)
    out["boundary"] = out["boundary"].astype("boolean")
    out["note"] = out["note"].fillna("")
    return out


def pool_constructs(site_effects: pd.DataFrame, *, method="REML", test="knha", level=0.95) -> pd.DataFrame:
    """Pool each construct's standardised site changes with a random-effects meta-analysis.

    Parameters
    ----------
    site_effects : pandas.DataFrame
        Output of :func:`site_effects` (``construct``, ``site``, ``yi``, ``vi``).
    method : {"REML", "PM", "DL", "ML"}, default "REML"
        τ² estimator (:func:`evaluation.meta.random_effects`).
    test : {"knha", "z"}, default "knha"
        Hartung–Knapp–Sidik–Jonkman (t, k − 1 df) or z.
    level : float, default 0.95

    Returns
    -------
    pandas.DataFrame
        One row per construct (:data:`POOLED_COLUMNS`): ``k`` (sites with an effect),
        ``sites`` (their ids, comma-separated), the pooled standardised change
        (``estimate``, ``se``, ``df``, ``p_value``, ``ci_low``, ``ci_high``),
        heterogeneity (``tau2`` with its Q-profile interval, ``tau``, ``i2`` in percent,
        ``h2``, Cochran's ``q``, ``q_df``, ``q_p``), the prediction interval for a new
        site (``pi_low``, ``pi_high``), ``method``, ``test``, ``level`` and ``note``.
        With fewer than two sites the pooled columns are NaN and ``note`` says why.

    Notes
    -----
    With few sites τ² is estimated imprecisely (see ``tau2_ci_low``/``tau2_ci_high``)
    and the Hartung–Knapp interval on k − 1 df is wide by design; with two sites it uses
    t(1). The prediction interval is the range in which a new site's true change is
    expected and is the more useful summary when τ² > 0.

    Examples
    --------
    >>> eff = pd.DataFrame({"construct": "trust", "site": list("abc"), "yi": [0.42, 0.5, 0.0],
    ...                     "vi": [0.015, 0.02, 0.01]})
    >>> pooled = pool_constructs(eff)
    >>> pooled[["construct", "k", "estimate", "tau2"]].round(3).to_dict("records")
    [{'construct': 'trust', 'k': 3, 'estimate': 0.296, 'tau2': 0.061}]
    """
    rows = []
    for construct, part in site_effects.groupby("construct", sort=False):
        ok = part[np.isfinite(part["yi"].astype(float)) & np.isfinite(part["vi"].astype(float))]
        row = {"construct": construct, "k": len(ok), "sites": ", ".join(map(str, ok["site"])), "method": method,
               "test": test, "level": level}
        if len(ok) < 2:
            row["note"] = ("no site measured this construct" if len(ok) == 0 else
                           f"only one site ({ok['site'].iloc[0]}) measured this construct: nothing to pool; "
                           "see its own estimate")
            rows.append(row)
            continue
        fit = random_effects(ok.reset_index(drop=True), effect="yi", variance="vi", method=method, test=test,
                             level=level).iloc[0]
        row.update({c: fit[c] for c in POOLED_COLUMNS if c in fit.index and c not in row})
        row["note"] = fit["note"]
        rows.append(row)
    return pd.DataFrame(rows, columns=POOLED_COLUMNS)


def moderator_analysis(site_effects: pd.DataFrame, sites: pd.DataFrame, *, moderators: Sequence[str],
                       min_sites: int = 5, method="REML", test="knha", level=0.95) -> pd.DataFrame:
    """Site characteristics against the sites' changes: meta-regression from `min_sites` on, else descriptive.

    Parameters
    ----------
    site_effects : pandas.DataFrame
        Output of :func:`site_effects`.
    sites : pandas.DataFrame
        One row per ``site`` with the moderator columns (:func:`site_characteristics`).
    moderators : sequence of str
        Columns of `sites` to relate to the changes (numeric).
    min_sites : int, default 5
        Fewest sites with an effect for a meta-regression; below it the rows are
        descriptive only (each site's value and change), and ``note`` says so.
    method, test, level
        As for :func:`pool_constructs`.

    Returns
    -------
    pandas.DataFrame
        :data:`MODERATOR_COLUMNS`. ``analysis`` is ``"meta-regression"`` (one row per
        construct × moderator: ``slope`` per unit of the moderator with ``slope_se``,
        ``slope_ci_low``, ``slope_ci_high``, ``p_value``, residual ``tau2`` and ``r2``
        in percent; one moderator at a time) or ``"descriptive"`` (one row per
        construct × moderator × site: ``value`` of the moderator, the site's ``yi``,
        ``ci_low``, ``ci_high``). ``k`` counts the sites with an effect and a value.

    Examples
    --------
    >>> eff = pd.DataFrame({"construct": "trust", "site": list("abc"), "yi": [0.4, 0.5, 0.0],
    ...                     "vi": 0.01, "ci_low": [0.2, 0.3, -0.2], "ci_high": [0.6, 0.7, 0.2]})
    >>> sites = pd.DataFrame({"site": list("abc"), "homes": [200, 120, 320]})
    >>> moderator_analysis(eff, sites, moderators=["homes"])[["site", "analysis", "value"]].to_dict("list")
    {'site': ['a', 'b', 'c'], 'analysis': ['descriptive', 'descriptive', 'descriptive'], 'value': [200, 120, 320]}
    """
    missing = [m for m in moderators if m not in sites]
    if missing or "site" not in sites:
        raise ValueError(f"`sites` needs a 'site' column and the moderator column(s) {missing or list(moderators)}")
    merged = site_effects.merge(sites[["site", *moderators]], on="site", how="left", validate="many_to_one")
    rows = []
    for construct, part in merged.groupby("construct", sort=False):
        for mod in moderators:
            ok = part[np.isfinite(part["yi"].astype(float)) & part[mod].notna()]
            k = len(ok)
            if k >= min_sites and ok[mod].nunique() > 1:
                fit = random_effects(ok.reset_index(drop=True), effect="yi", variance="vi", moderators=[mod],
                                     method=method, test=test, level=level).iloc[1]
                rows.append({"construct": construct, "moderator": mod, "analysis": "meta-regression", "k": k,
                             "site": ALL_SITES, "slope": fit["estimate"], "slope_se": fit["se"],
                             "slope_ci_low": fit["ci_low"], "slope_ci_high": fit["ci_high"],
                             "p_value": fit["p_value"], "tau2": fit["tau2"], "r2": fit["r2"],
                             "note": f"meta-regression on {k} sites ({method}, {test}), one moderator at a time; "
                                     "exploratory: sites differ in more than this characteristic"})
                continue
            why = (f"descriptive only: {k} site(s), a meta-regression needs at least {min_sites}"
                   if k < min_sites else "descriptive only: the moderator does not vary between the sites")
            for _, r in ok.iterrows():
                rows.append({"construct": construct, "moderator": mod, "analysis": "descriptive", "k": k,
                             "site": r["site"], "value": r[mod], "yi": r["yi"], "ci_low": r.get("ci_low", np.nan),
                             "ci_high": r.get("ci_high", np.nan), "note": why})
    return pd.DataFrame(rows, columns=MODERATOR_COLUMNS)


# --------------------------------------------------------------------------- interviews


def _code_map(studies, code_map) -> dict[str, dict[str, str]]:
    out = {}
    for name, per_site in code_map.items():
        if isinstance(per_site, str):
            per_site = {site: per_site for site in studies}
        unknown = set(per_site) - set(studies)
        if unknown:
            raise ValueError(f"code {name!r} maps site(s) {sorted(unknown)} that are not among the studies")
        out[str(name)] = {s: str(c) for s, c in per_site.items()}
    return out


def cross_site_framework(studies: Mapping[str, Mapping[str, pd.DataFrame]], *, code_map=None, level="code",
                         groups: Sequence[str] | None = None) -> pd.DataFrame:
    """Cross-site framework matrix: prevalence of each code among interviewees per site and stakeholder group.

    Only cells that the site's publication gate published are shown; a cell the site
    suppressed stays suppressed (NaN, ``suppressed=True``). Rows with ``site`` =
    :data:`ALL_SITES` add up the sites' **published** cells; when any of them is
    suppressed the cross-site cell is suppressed too, because subtracting the other
    sites' published cells from it would give the hidden one away.

    Parameters
    ----------
    studies : mapping of str to mapping of str to DataFrame
        Site id -> results tables (``publication`` and ``code_group``/``frequencies``, or
        ``frequencies_theme`` for themes).
    code_map : mapping, optional
        Synthesis code -> {site: the site's code}, matching codes across coding frames,
        e.g. ``{"new connections": {"a": "Nieuwe verbindingen tussen bewoners",
        "b": "Nieuwe contacten"}}``; a plain string means the same code at every site.
        Default: codes matched by name.
    level : {"code", "theme"}, default "code"
    groups : sequence of str, optional
        Stakeholder groups in the order wanted; default as found. ``"total"`` (all
        interviewees of the site) is always added.

    Returns
    -------
    pandas.DataFrame
        One row per code × site (then :data:`ALL_SITES`) × group, :data:`FRAMEWORK_COLUMNS`:

        - code (synthesis code), site, site_code (the site's own code), group;
        - n_cases (interviewees with the code), n_cases_total (interviewees in the
          group), prevalence = n_cases / n_cases_total — NaN unless published;
        - status : "published", "suppressed" (the site hid the count or the group
          size), "not in coding frame" (the site has no such code) or, for
          cross-site rows, "suppressed" when it rests on a suppressed cell;
        - suppressed : bool; n_sites : sites contributing (cross-site rows);
        - source : the gate cell(s) the count is, ``site:table|row|column`` joined by "; ";
        - note : why a cell is not shown.

    Examples
    --------
    >>> def site(n_res, status):
    ...     pub = pd.DataFrame({"table": ["code_group", "code_group", "code_total", "interviewees",
    ...                                   "interviewees", "interviewees"],
    ...                         "row": ["A", "A", "A", "interviewees", "interviewees", "interviewees"],
    ...                         "column": ["resident", "partner", "n", "resident", "partner", "total"],
    ...                         "value": [n_res, 2.0, n_res + 2, 12.0, 3.0, 15.0],
    ...                         "status": ["published", status, "published", "published", "published", "published"]})
    ...     return {"publication": pub}
    >>> fw = cross_site_framework({"a": site(7.0, "primary"), "b": site(5.0, "published")})
    >>> fw[fw["group"] == "partner"][["site", "n_cases", "status"]].to_dict("list")
    {'site': ['a', 'b', 'all sites'], 'n_cases': [nan, 2.0, nan], 'status': ['suppressed', 'published', 'suppressed']}
    """
    if level not in _LEVELS:
        raise ValueError(f"`level` must be one of {list(_LEVELS)}, got {level!r}")
    _, unit, group_table, total_table = _LEVELS[level]
    mapping = _code_map_from_publication(studies, code_map, group_table)
    lookups = {site: _published_lookup(results.get("publication")) for site, results in studies.items()}
    found_groups = []
    for site, lookup in lookups.items():
        found_groups += [c for (t, r, c) in lookup if t == _SIZES and c != "total"]
    order = list(groups) if groups is not None else list(dict.fromkeys(found_groups))
    order = [g for g in order if g != "total"] + ["total"]

    def cell(site, key):
        status, value = lookups[site].get(key, (None, np.nan))
        return status, (float(value) if status == "published" else np.nan)

    rows = []
    for code, per_site in mapping.items():
        site_rows = []
        for site in studies:
            site_code = per_site.get(site)
            known = site_code is not None and any(t in (group_table, total_table) and r == site_code
                                                  for (t, r, _) in lookups[site])
            for group in order:
                row = {"code": code, "site": site, "site_code": site_code, "group": group, "n_sites": 1}
                if not known:
                    row.update(status="not in coding frame", suppressed=False, n_sites=0,
                               note=f"site {site!r} has no {level} mapped to {code!r}")
                    site_rows.append(row)
                    continue
                key = (total_table, site_code, "n") if group == "total" else (group_table, site_code, group)
                size_key = (_SIZES, _SIZES, group)
                status, n = cell(site, key)
                size_status, size = cell(site, size_key)
                row["source"] = f"{site}:{'|'.join(key)}; {site}:{'|'.join(size_key)}"
                if status is None and size_status is None:
                    row.update(status="not in coding frame", suppressed=False, n_sites=0,
                               note=f"site {site!r} reports no interviewees in group {group!r}")
                elif status == "published" and size_status == "published":
                    row.update(n_cases=n, n_cases_total=size, prevalence=n / size if size else np.nan,
                               status="published", suppressed=False, note="")
                else:
                    hidden = [what for what, s in (("count", status), ("group size", size_status)) if s != "published"]
                    row.update(n_cases_total=size, status="suppressed", suppressed=True,
                               note=f"the site did not publish the {' and the '.join(hidden)}")
                site_rows.append(row)
        rows += site_rows
        for group in order:
            parts = [r for r in site_rows if r["group"] == group and r["status"] != "not in coding frame"]
            row = {"code": code, "site": ALL_SITES, "site_code": None, "group": group, "n_sites": len(parts),
                   "source": "; ".join(r["source"] for r in parts)}
            if not parts:
                row.update(status="not in coding frame", suppressed=False, note="no site has this code")
            elif all(r["status"] == "published" for r in parts):
                n, size = sum(r["n_cases"] for r in parts), sum(r["n_cases_total"] for r in parts)
                row.update(n_cases=n, n_cases_total=size, prevalence=n / size if size else np.nan,
                           status="published", suppressed=False, note="sum of the sites' published cells")
            else:
                hidden = [r["site"] for r in parts if r["status"] != "published"]
                sizes = [r.get("n_cases_total", np.nan) for r in parts]
                row.update(n_cases_total=sum(sizes) if all(np.isfinite(sizes)) else np.nan, status="suppressed",
                           suppressed=True, note="rests on a suppressed cell of " + ", ".join(map(str, hidden)))
            rows.append(row)
    out = pd.DataFrame(rows, columns=FRAMEWORK_COLUMNS)
    for col in ("n_cases", "n_cases_total", "prevalence"):
        out[col] = out[col].astype(float)
    out["suppressed"] = out["suppressed"].astype(bool)
    out["n_sites"] = out["n_sites"].astype(int)
    out["note"] = out["note"].fillna("")
    out["source"] = out["source"].fillna("")
    return out


def _code_map_from_publication(studies, code_map, group_table) -> dict[str, dict[str, str]]:
    """Identity mapping over the codes in the sites' publication tables, or the given mapping."""
    if code_map is not None:
        return _code_map(studies, code_map)
    codes = []
    for results in studies.values():
        pub = results.get("publication", pd.DataFrame())
        if not pub.empty:
            codes += list(pub.loc[pub["table"] == group_table, "row"].astype(str))
    return {c: {site: c for site in studies} for c in dict.fromkeys(codes)}


def cross_site_quotes(studies: Mapping[str, Mapping[str, pd.DataFrame]], *, theme_map=None) -> pd.DataFrame:
    """The quotes exactly as each site published them, side by side.

    Parameters
    ----------
    studies : mapping of str to mapping of str to DataFrame
        Site id -> shareable results (:func:`shareable_results`, whose ``quotes`` are
        the quotes the site's report shows: theme, group, speaker, quote).
    theme_map : mapping, optional
        Synthesis theme -> {site: the site's theme}; default themes by name.

    Returns
    -------
    pandas.DataFrame
        ``site``, ``theme`` (synthesis theme), ``site_theme`` and the site's quote columns
        unchanged (pseudonymised speaker, text as published).

    Examples
    --------
    >>> q = pd.DataFrame({"theme": ["cohesion"], "group": ["resident"], "speaker": ["R-7f2"], "quote": ["..."]})
    >>> cross_site_quotes({"a": {"quotes": q}})[["site", "theme", "speaker"]].to_dict("list")
    {'site': ['a'], 'theme': ['cohesion'], 'speaker': ['R-7f2']}
    """
    reverse = {}
    for name, per_site in (theme_map or {}).items():
        for site, theme in ({s: per_site for s in studies} if isinstance(per_site, str) else per_site).items():
            reverse[(site, str(theme))] = str(name)
    parts = []
    for site, results in studies.items():
        quotes = results.get("quotes", pd.DataFrame())
        if quotes is None or quotes.empty:
            continue
        frame = quotes.copy()
        frame.insert(0, "site", site)
        frame.insert(1, "site_theme", frame["theme"].astype(str))
        frame["theme"] = [reverse.get((site, t), t) for t in frame["site_theme"]]
        parts.append(frame)
    if not parts:
        return pd.DataFrame(columns=["site", "theme", "site_theme", "group", "speaker", "quote"])
    out = pd.concat(parts, ignore_index=True)
    return out[["site", "theme", "site_theme", *[c for c in out.columns if c not in ("site", "theme", "site_theme")]]]


# --------------------------------------------------------------------------- union audit


def union_audit(studies: Mapping[str, Mapping[str, pd.DataFrame]], *, framework: pd.DataFrame | None = None,
                effects: pd.DataFrame | None = None, pooled: pd.DataFrame | None = None,
                tol: float = 1e-9) -> pd.DataFrame:
    """Check that no cell any site suppressed can be recovered from the synthesis outputs.

    Parameters
    ----------
    studies : mapping of str to mapping of str to DataFrame
        The sites' results (``publication``, ``audit``, ``model``).
    framework : pandas.DataFrame, optional
        Output of :func:`cross_site_framework` (any level).
    effects : pandas.DataFrame, optional
        Output of :func:`site_effects`.
    pooled : pandas.DataFrame, optional
        Output of :func:`pool_constructs` (checked against `effects`).
    tol : float, default 1e-9
        Tolerance when comparing numbers.

    Returns
    -------
    pandas.DataFrame
        One row per check (:data:`UNION_AUDIT_COLUMNS`), ``ok`` True when it holds:

        - ``"site audit"`` — per site: its own intruder audit disclosed no cell;
        - ``"published cell"`` — every site-level count in `framework` (``n_cases``,
          ``n_cases_total``) equals the cell the site published at the ``source`` key,
          and a cell the site did not publish is NaN;
        - ``"sum of published cells"`` — every cross-site count equals the sum of the
          listed sites' published cells, all of them published;
        - ``"published effect"`` — every site effect (``yi``, ``vi``) is the site's own
          whole-sample ``model`` row (estimate, se, baseline SD), so the pooling rests on
          published effects only;
        - ``"pooled from effects"`` — every pooled construct uses exactly the sites of
          `effects` with an effect.

        ``bool(result["ok"].all())`` is the verdict.

    Notes
    -----
    **Why passing these checks means nothing new is disclosed.** Every number the
    synthesis publishes is either (a) a number some site already published, at the same
    key (a count, a group size, an effect size), or (b) a function of such numbers only
    (sums of published counts, prevalences of published counts over published sizes,
    pooled estimates and heterogeneity statistics of published effects). A reader of the
    sites' reports can compute (b) from (a), so the synthesis adds no constraint on any
    hidden cell: the set of values a hidden cell can take given everything published —
    the feasible interval of the intruder audit — is the same with or without the
    synthesis. The sites' populations are disjoint (different streets), so their tables
    share no linear relation (no common total or margin) and the intruder's problem
    over the union of the sites' publications splits into one problem per site; each
    site's own audit (``"site audit"``) is therefore the audit over the union.
    A cross-site cell that would add a suppressed cell to published ones is exactly what
    (b) excludes: :func:`cross_site_framework` suppresses it, and the check
    ``"sum of published cells"`` fails if an output contains one.

    If the same person were counted in two sites' tables (e.g. a partner organisation's
    staff member interviewed in two streets), the counts would still share no declared
    relation, and the argument holds; the check cannot see such overlaps and does not
    need to.

    Examples
    --------
    >>> pub = pd.DataFrame({"table": ["code_group", "code_group", "code_total", "interviewees",
    ...                               "interviewees", "interviewees"],
    ...                     "row": ["A", "A", "A", "interviewees", "interviewees", "interviewees"],
    ...                     "column": ["resident", "partner", "n", "resident", "partner", "total"],
    ...                     "value": [7.0, 2.0, 9.0, 12.0, 3.0, 15.0],
    ...                     "status": ["published", "primary", "published", "published", "published", "published"]})
    >>> sites = {"a": {"publication": pub}, "b": {"publication": pub}}
    >>> audit = union_audit(sites, framework=cross_site_framework(sites))
    >>> bool(audit["ok"].all())
    True
    """
    rows = []

    def add(check, ok, **kw):
        rows.append({"check": check, "ok": bool(ok), **kw})

    lookups = {site: _published_lookup(results.get("publication")) for site, results in studies.items()}
    for site, results in studies.items():
        audit = results.get("audit", pd.DataFrame())
        disclosed = int(audit["disclosed"].astype(bool).sum()) if audit is not None and "disclosed" in audit else 0
        add("site audit", disclosed == 0, output="audit", site=site,
            detail=f"{disclosed} cell(s) disclosed in the site's own audit" if disclosed else
            f"{0 if audit is None else len(audit)} hidden or sensitive cell(s) audited, none disclosed")

    if framework is not None and len(framework):
        for _, r in framework.iterrows():
            sources = [s for s in str(r.get("source", "")).split("; ") if s]
            if r["site"] == ALL_SITES:
                _check_sum(add, r, sources, lookups, tol)
            else:
                _check_cell(add, r, sources, lookups, tol)

    if effects is not None and len(effects):
        for _, r in effects.iterrows():
            if pd.isna(r["yi"]):
                continue
            model = studies.get(r["site"], {}).get("model", pd.DataFrame())
            match = model[model["outcome"].astype(str) == str(r["outcome"])] if not model.empty else model
            ok, detail = False, f"no row {r['outcome']!r} in the model table of site {r['site']!r}"
            if not match.empty:
                m = match.iloc[0]
                want_yi, want_vi = m["estimate"] / m["baseline_sd"], (m["se"] / m["baseline_sd"]) ** 2
                ok = (abs(r["yi"] - want_yi) <= tol * (1 + abs(want_yi))
                      and abs(r["vi"] - want_vi) <= tol * (1 + want_vi))
                detail = "the site's published model-based change / baseline SD" if ok else \
                    f"yi, vi = {r['yi']:g}, {r['vi']:g} differ from the model table's {want_yi:g}, {want_vi:g}"
            add("published effect", ok, output="site_effects", site=r["site"], code=r["construct"], column="yi",
                value=r["yi"], source=f"{r['site']}:model|{r['outcome']}", detail=detail)

    if pooled is not None and len(pooled) and effects is not None and "sites" in pooled:
        for _, r in pooled.iterrows():
            part = effects[(effects["construct"] == r["construct"]) & effects["yi"].notna()]
            want = set(map(str, part["site"]))
            got = {s for s in str(r["sites"]).split(", ") if s} if pd.notna(r["sites"]) else set()
            add("pooled from effects", want == got, output="pooled", site=ALL_SITES, code=r["construct"],
                column="estimate", value=r.get("estimate"), source=", ".join(sorted(got)),
                detail="pooled from the published site effects" if want == got else
                f"pooled sites {sorted(got)} differ from the sites with an effect {sorted(want)}")
    out = pd.DataFrame(rows, columns=UNION_AUDIT_COLUMNS)
    out["ok"] = out["ok"].astype(bool)
    return out


def _parse_source(text: str):
    site, _, key = text.partition(":")
    parts = key.split("|")
    return site, tuple(parts) if len(parts) == 3 else None


def _check_cell(add, r, sources, lookups, tol):
    if not sources:
        shown = [c for c in ("n_cases", "n_cases_total", "prevalence") if pd.notna(r.get(c))]
        add("published cell", not shown, output="framework", site=r["site"], code=r["code"], group=r["group"],
            column=", ".join(shown), detail="a number without a published source cell" if shown else "not shown")
        return
    for column, source in zip(("n_cases", "n_cases_total"), sources[:2]):
        site, key = _parse_source(source)
        status, published = lookups.get(site, {}).get(key, (None, np.nan))
        value = r[column]
        if pd.isna(value):
            ok, detail = True, "not shown"
        elif status != "published":
            ok, detail = False, f"shows a cell the site did not publish (status {status!r})"
        else:
            ok = abs(float(value) - float(published)) <= tol * (1 + abs(float(published)))
            detail = "equals the site's published cell" if ok else \
                f"{value:g} differs from the site's published {float(published):g}"
        add("published cell", ok, output="framework", site=r["site"], code=r["code"], group=r["group"],
            column=column, value=value, source=source, detail=detail)
    if pd.notna(r["prevalence"]) and (pd.isna(r["n_cases"]) or pd.isna(r["n_cases_total"])):
        add("published cell", False, output="framework", site=r["site"], code=r["code"], group=r["group"],
            column="prevalence", value=r["prevalence"], source="; ".join(sources),
            detail="a prevalence is shown whose count or group size is not")


def _check_sum(add, r, sources, lookups, tol):
    if pd.notna(r.get("prevalence")) and (pd.isna(r["n_cases"]) or pd.isna(r["n_cases_total"])):
        add("sum of published cells", False, output="framework", site=ALL_SITES, code=r["code"], group=r["group"],
            column="prevalence", value=r["prevalence"], detail="a prevalence is shown whose count or size is not")
    for column, offset in (("n_cases", 0), ("n_cases_total", 1)):
        value = r[column]
        if pd.isna(value):
            add("sum of published cells", True, output="framework", site=ALL_SITES, code=r["code"], group=r["group"],
                column=column, value=value, source="; ".join(sources[offset::2]), detail="not shown")
            continue
        cells = [_parse_source(s) for s in sources[offset::2]]
        statuses = [lookups.get(site, {}).get(key, (None, np.nan)) for site, key in cells]
        hidden = [f"{site}:{'|'.join(key or ())}" for (site, key), (st, _) in zip(cells, statuses) if st != "published"]
        total = sum(float(v) for st, v in statuses if st == "published")
        ok = not hidden and bool(cells) and abs(float(value) - total) <= tol * (1 + abs(total))
        detail = ("equals the sum of the sites' published cells" if ok else
                  f"rests on unpublished cell(s) {hidden}" if hidden else
                  f"{value:g} differs from the sum of the published cells {total:g}")
        add("sum of published cells", ok, output="framework", site=ALL_SITES, code=r["code"], group=r["group"],
            column=column, value=value, source="; ".join(sources[offset::2]), detail=detail)

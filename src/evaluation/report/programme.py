"""The programme-level learning report: a cross-site synthesis of several studies.

A *programme file* names the studies (sites) and how their measures correspond;
the synthesis reads each site's **published results only** (the results tables its
own report was built from, reduced by :func:`evaluation.synthesis.shareable_results`
to the numbers its publication gate published), never raw or processed personal
data. The same three stages as a study's report:

1. language-neutral results: :func:`synthesis_results` (tidy tables from
   :mod:`evaluation.synthesis`);
2. words per language: ``labels-synthesis.yml``, ``sections-synthesis.yml`` and
   ``text-synthesis.yml`` in each language folder;
3. programme-specific words from the programme file (title, context), site names
   from each study file.

A programme file (``config/programmes/<id>.yml``; paths relative to it)::

    programme:
      id: my-programme
      title: {nl: ..., en: ...}          # optional
      synthetic: false                    # true only for invented data
      reports_dir: ../../reports/my-programme   # optional
    sites:
      - study: ../studies/street-a.yml
      - study: ../studies/street-b.yml
        results: ../../shared/street-b    # optional: a shared results folder
    constructs:                           # optional: which outcome measures what
      cohesion: {street-a: cohesion, street-b: social_cohesion}
    codes:                                # optional: codes matched across coding frames
      new connections: {street-a: Nieuwe verbindingen, street-b: New contacts}
    characteristics:                      # optional site-level moderators not in the study files
      intensity: {street-a: 2, street-b: 5}
    moderators: [homes, share_housing_rented, intensity]   # optional (share_<margin variable>_<category>)
    analysis: {method: REML, test: knha, confidence: 0.95, min_sites: 5}
    report:
      languages: [nl, en]                 # default: the languages every site reports in
      context: {nl: ..., en: ...}         # optional

``evaluation synthesis --programme FILE`` (or ``--studies A.yml B.yml …``) builds it
with :func:`build_synthesis`.
"""
from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd

from ..config import ConfigError, Problem, _Checker, _inside, _project_root, _read_yaml, label_for, load_study
from .nb import ReportContext

__all__ = ["Programme", "load_programme", "write_programme", "synthesis_results", "build_synthesis", "setup",
           "SynthesisContext", "construct_summary", "interview_summary", "summary_markdown", "SYNTHESIS_TABLES"]

#: Tables of :func:`synthesis_results`.
SYNTHESIS_TABLES = ("sites", "effects", "pooled", "moderators", "framework", "quotes", "audit")
_PROGRAMME_KEYS = {"programme", "sites", "constructs", "codes", "themes", "notes", "characteristics", "moderators",
                   "analysis", "report"}
_META_KEYS = {"id", "title", "synthetic", "reports_dir"}
_ANALYSIS_KEYS = {"method", "test", "confidence", "min_sites"}
_REPORT_KEYS = {"languages", "context"}
#: Moderators used when the programme file names none (those every site has).
_DEFAULT_MODERATORS = ("homes", "duration_months")


@dataclass
class Programme:
    """A loaded programme file: its sites' study configurations and how they are synthesised."""

    path: Path
    id: str
    title: dict
    synthetic: bool
    reports_dir: Path
    studies: dict  # site id -> Study (configuration only)
    results_dirs: dict  # site id -> folder of the site's results tables
    languages: tuple
    constructs: dict | None = None
    codes: dict | None = None
    themes: dict | None = None
    notes: dict = field(default_factory=dict)
    characteristics: pd.DataFrame | None = None
    moderators: tuple | None = None
    method: str = "REML"
    test: str = "knha"
    confidence: float = 0.95
    min_sites: int = 5
    context: dict = field(default_factory=dict)

    @property
    def narrative_dir(self) -> Path:
        """The evaluator's own texts: ``<programme file name>.narrative/<lang>/<section>.md``."""
        return self.path.with_suffix(".narrative")

    @property
    def sites(self) -> list[str]:
        return list(self.studies)


def load_programme(path) -> Programme:
    """Load and validate a programme file (every problem at once).

    Parameters
    ----------
    path : path-like
        The programme YAML; relative paths in it are resolved against its folder.

    Returns
    -------
    Programme

    Raises
    ------
    ConfigError
        Every problem of the programme file and of the study files it names.

    Examples
    --------
    >>> prog = load_programme("config/programmes/my-programme.yml")  # doctest: +SKIP
    >>> prog.sites  # doctest: +SKIP
    ['street-a', 'street-b', 'street-c']
    """
    path = Path(path).resolve()
    problems: list[Problem] = []
    data = _read_yaml(path, problems)
    if problems:
        raise ConfigError(problems)
    c = _Checker(path, problems)
    c.unknown_keys(data, _PROGRAMME_KEYS, "")
    base = path.parent
    meta = c.get(data, "programme", "", dict, required=False, default={}) or {}
    c.unknown_keys(meta, _META_KEYS, "programme")
    prog_id = c.get(meta, "id", "programme", str, required=False, default=path.stem)
    if isinstance(prog_id, str) and not (prog_id and all(ch.isalnum() or ch in "-_" for ch in prog_id)):
        c.add("programme.id", "use letters, digits, '-' and '_' only (it becomes a folder name)", found=prog_id)
    title = c.labels(meta, "title", "programme", required=False) or {}
    synthetic = c.get(meta, "synthetic", "programme", bool, required=False, default=False)
    root = _project_root(path)
    reports = c.get(meta, "reports_dir", "programme", str, required=False)
    reports_dir = (base / reports).resolve() if reports else root / "reports" / str(prog_id)
    if not _inside(reports_dir, root):
        c.add("programme.reports_dir", f"outside the project folder {root}; the report is written inside the project",
              found=reports)

    studies, results_dirs = {}, {}
    entries = c.get(data, "sites", "", list, default=[]) or []
    if isinstance(entries, list) and len(entries) < 2:
        c.add("sites", "a synthesis needs at least two sites (each `- study: <study file>`)", found=len(entries))
    for i, entry in enumerate(entries if isinstance(entries, list) else []):
        key = f"sites[{i}]"
        if isinstance(entry, str):
            entry = {"study": entry}
        if not isinstance(entry, dict):
            c.add(key, "each site is a mapping with `study:` (and optionally `results:`)", found=entry)
            continue
        c.unknown_keys(entry, {"study", "results"}, key)
        study_file = c.get(entry, "study", key, str)
        if not isinstance(study_file, str):
            continue
        try:
            study = load_study(base / study_file)
        except ConfigError as exc:
            problems.extend(exc.problems)
            continue
        if study.id in studies:
            c.add(f"{key}.study", f"site {study.id!r} is listed twice", found=study_file)
            continue
        studies[study.id] = study
        results = c.get(entry, "results", key, str, required=False)
        results_dirs[study.id] = (base / results).resolve() if results else Path(study.processed_dir) / "results"

    def site_mapping(name):
        value = c.get(data, name, "", dict, required=False, default=None)
        if not value:
            return None
        for item, per_site in value.items():
            if isinstance(per_site, dict):
                unknown = set(per_site) - set(studies)
                if unknown and studies:
                    c.add(f"{name}.{item}", "names site(s) that are not in `sites`", found=sorted(unknown),
                          allowed=", ".join(studies))
            elif not isinstance(per_site, str):
                c.add(f"{name}.{item}", "give the outcome/code id (the same at every site) or a mapping site -> id",
                      found=per_site)
        return value

    constructs, codes, themes = site_mapping("constructs"), site_mapping("codes"), site_mapping("themes")
    notes = c.get(data, "notes", "", dict, required=False, default={}) or {}
    extra = c.get(data, "characteristics", "", dict, required=False, default=None)
    characteristics = None
    if extra:
        rows = {site: {"site": site} for site in studies}
        for name, per_site in extra.items():
            if not isinstance(per_site, dict):
                c.add(f"characteristics.{name}", "give a number per site (site -> number)", found=per_site)
                continue
            for site, value in per_site.items():
                if site not in studies:
                    c.add(f"characteristics.{name}.{site}", "not a site of this programme", allowed=", ".join(studies))
                elif isinstance(value, bool) or not isinstance(value, (int, float)):
                    c.add(f"characteristics.{name}.{site}", "must be a number", found=value)
                else:
                    rows[site][str(name)] = float(value)
        characteristics = pd.DataFrame(list(rows.values()))
    moderators = c.get(data, "moderators", "", list, required=False, default=None)
    analysis = c.get(data, "analysis", "", dict, required=False, default={}) or {}
    c.unknown_keys(analysis, _ANALYSIS_KEYS, "analysis")
    method = c.get(analysis, "method", "analysis", str, required=False, default="REML", allowed=("REML", "PM", "DL", "ML"))
    test = c.get(analysis, "test", "analysis", str, required=False, default="knha", allowed=("knha", "z"))
    confidence = c.number(analysis, "confidence", "analysis", low=0, high=1, low_open=True, high_open=True,
                          default=0.95)
    min_sites = c.number(analysis, "min_sites", "analysis", whole=True, low=3, default=5)
    report = c.get(data, "report", "", dict, required=False, default={}) or {}
    c.unknown_keys(report, _REPORT_KEYS, "report")
    common = [lang for lang in (next(iter(studies.values())).languages if studies else ())
              if all(lang in s.languages for s in studies.values())]
    languages = c.get(report, "languages", "report", list, required=False, default=common) or common
    if studies and not languages:
        c.add("report.languages", "the sites report in no common language; name the synthesis's languages",
              found=sorted({lang for s in studies.values() for lang in s.languages}))
    context = c.labels(report, "context", "report", required=False) or {}
    if problems:
        raise ConfigError(problems)
    return Programme(path=path, id=str(prog_id), title=dict(title), synthetic=bool(synthetic), reports_dir=reports_dir,
                     studies=studies, results_dirs=results_dirs, languages=tuple(languages), constructs=constructs,
                     codes=codes, themes=themes, notes={str(k): str(v) for k, v in notes.items()},
                     characteristics=characteristics, moderators=tuple(moderators) if moderators else None,
                     method=method, test=test, confidence=float(confidence), min_sites=int(min_sites),
                     context=dict(context))


def write_programme(studies, out, *, programme_id: str = "synthesis") -> Path:
    """Write a programme file for a plain list of study files (what ``evaluation synthesis --studies`` does).

    Parameters
    ----------
    studies : sequence of path-like
        Study files, one per site.
    out : path-like
        The programme file to write (its folder is created); the study paths in it are
        relative to it.
    programme_id : str, default "synthesis"

    Returns
    -------
    pathlib.Path
        `out`.
    """
    import yaml

    out = Path(out).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    synthetic = all(load_study(s).synthetic for s in studies)
    data = {"programme": {"id": programme_id, "synthetic": synthetic},
            "sites": [{"study": os.path.relpath(Path(s).resolve(), out.parent)} for s in studies]}
    out.write_text("# Written by `evaluation synthesis --studies`; edit it to match constructs or codes across sites.\n"
                   + yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return out


def synthesis_results(programme: Programme) -> dict[str, pd.DataFrame]:
    """Every table of the synthesis report, from the sites' published results only.

    Parameters
    ----------
    programme : Programme or path-like

    Returns
    -------
    dict of str to DataFrame
        :data:`SYNTHESIS_TABLES`:

        - ``sites`` — :func:`evaluation.synthesis.site_characteristics` (configuration only);
        - ``effects`` — :func:`~evaluation.synthesis.site_effects` (standardised change per
          construct and site);
        - ``pooled`` — :func:`~evaluation.synthesis.pool_constructs` (random effects,
          the programme's τ² method and test);
        - ``moderators`` — :func:`~evaluation.synthesis.moderator_analysis` (meta-regression
          from ``min_sites`` sites on, else descriptive);
        - ``framework`` — :func:`~evaluation.synthesis.cross_site_framework` at code level,
          with ``aspect`` (the code's aspect in the site's coding frame);
        - ``quotes`` — :func:`~evaluation.synthesis.cross_site_quotes`;
        - ``audit`` — :func:`~evaluation.synthesis.union_audit` over all of the above.
    """
    from .. import synthesis as syn

    if not isinstance(programme, Programme):
        programme = load_programme(programme)
    site_results = {}
    for site, folder in programme.results_dirs.items():
        try:
            site_results[site] = syn.load_site_results(folder)
        except FileNotFoundError as exc:
            study = programme.studies[site]
            raise FileNotFoundError(
                f"site {site!r}: {exc}. At that site, run `evaluation results --study {study.path.name}` (or build "
                f"its report), or set `results:` for this site in {programme.path.name} to the folder it shared"
            ) from None
    effects = syn.site_effects(site_results, constructs=programme.constructs, notes=programme.notes)
    pooled = syn.pool_constructs(effects, method=programme.method, test=programme.test, level=programme.confidence)
    sites = syn.site_characteristics(programme.studies, extra=programme.characteristics)
    moderators = list(programme.moderators or [m for m in sites.columns
                                               if m in _DEFAULT_MODERATORS or m.startswith("share_")])
    moderators = [m for m in moderators if m in sites and sites[m].notna().all() and sites[m].nunique() > 1]
    mods = (syn.moderator_analysis(effects, sites, moderators=moderators, min_sites=programme.min_sites,
                                   method=programme.method, test=programme.test, level=programme.confidence)
            if moderators else pd.DataFrame(columns=syn.MODERATOR_COLUMNS))
    framework = syn.cross_site_framework(site_results, code_map=programme.codes)
    aspects = {}
    for site, study in programme.studies.items():
        frame = study.coding_frame.table if study.coding_frame is not None else pd.DataFrame()
        for row in frame.itertuples():
            if isinstance(getattr(row, "aspect", None), str):
                aspects[(site, str(row.code))] = row.aspect
    framework["aspect"] = [aspects.get((s, str(c))) if s != syn.ALL_SITES else None
                           for s, c in zip(framework["site"], framework["site_code"])]
    by_code = framework.dropna(subset=["aspect"]).groupby("code")["aspect"].first()
    framework["aspect"] = framework["code"].map(by_code)
    quotes = syn.cross_site_quotes(site_results, theme_map=programme.themes)
    audit = syn.union_audit(site_results, framework=framework, effects=effects, pooled=pooled)
    return {"sites": sites, "effects": effects, "pooled": pooled, "moderators": mods, "framework": framework,
            "quotes": quotes, "audit": audit}


# --------------------------------------------------------------------------- notebook context


class SynthesisContext(ReportContext):
    """What the synthesis notebook needs: the programme, its language, its results and publishing helpers."""

    def __init__(self, programme: Programme, lang: str, output_dir: Path):
        studies = list(programme.studies.values())
        # the few study settings the publishing helpers read; nothing here is counted again or suppressed anew
        like = SimpleNamespace(min_cell=max(s.min_cell for s in studies), round_to=None,
                               confidence=programme.confidence, area="", group_variable=None,
                               narrative_dir=programme.narrative_dir)
        super().__init__(like, lang, output_dir)
        self.programme = programme

    def _defaults(self) -> dict:
        from .i18n import t

        return {"level": self.pct(self.programme.confidence), "area": "", "group": t("group", self.lang).lower()}

    @cached_property
    def results(self) -> dict[str, pd.DataFrame]:
        return synthesis_results(self.programme)

    # labels come from the sites' own configuration
    def site_label(self, site) -> str:
        study = self.programme.studies.get(site)
        if study is None:
            return self.t(str(site))
        name = study.area or label_for(study.title, self.lang, study.id)
        municipality = label_for(study.municipality_labels, self.lang) or study.municipality
        return f"{name} ({municipality})" if municipality and study.area else name

    def construct_label(self, construct) -> str:
        per_site = (self.programme.constructs or {}).get(construct, construct)
        for site, study in self.programme.studies.items():
            outcome = per_site.get(site) if isinstance(per_site, dict) else per_site
            spec = study.instrument.scales.get(outcome) if study.instrument is not None and outcome else None
            if spec and (label := label_for(spec["label"], self.lang)):
                return label
        return str(construct)

    def code_label(self, code) -> str:
        per_site = (self.programme.codes or {}).get(code, code)
        for site, study in self.programme.studies.items():
            site_code = per_site.get(site) if isinstance(per_site, dict) else per_site
            if study.coding_frame is None or site_code is None:
                continue
            frame = study.coding_frame.table.set_index("code")
            if site_code in frame.index:
                return label_for(frame.loc[site_code, "labels"], self.lang, str(code))
        return str(code)

    def group_label(self, group) -> str:
        if group == "total":
            return self.t("all_interviewees")
        for study in self.programme.studies.values():
            if labels := study.stakeholder_groups.get(str(group)):
                return self.label(labels)
        return str(group)

    def aspect_label(self, aspect) -> str:
        for study in self.programme.studies.values():
            spec = (study.coding_frame.aspects or {}).get(aspect) if study.coding_frame is not None else None
            if spec:
                return label_for(spec, self.lang, str(aspect))
        return self.t(str(aspect))


def setup(*, programme, lang, output_dir=None) -> SynthesisContext:
    """Validate the synthesis notebook's parameters and return its context.

    Parameters
    ----------
    programme : str
        Path of the programme YAML (papermill parameter).
    lang : str
        One of the programme's report languages.
    output_dir : str, optional
        The programme's report folder (default: from the programme file).
    """
    from ..plots import set_report_style
    from .i18n import check_lang, use_locales

    if not isinstance(programme, (str, Path)) or not Path(programme).is_file():
        raise ValueError(f"parameter `programme` must be the path of a programme YAML file; got {programme!r}")
    loaded = load_programme(programme)
    use_locales(*[s.locales for s in loaded.studies.values() if s.locales])
    check_lang(lang)
    set_report_style()
    return SynthesisContext(loaded, lang, Path(output_dir) if output_dir else loaded.reports_dir)


# --------------------------------------------------------------------------- generated text (explicit rules)


def _direction(low, high) -> str:
    if pd.isna(low) or pd.isna(high):
        return "unknown"
    return "up" if low > 0 else "down" if high < 0 else "unclear"


def construct_summary(ctx: SynthesisContext) -> list[str]:
    """One sentence per construct: the pooled change, how sure, and whether the sites differ.

    Rules: the pooled interval (Hartung–Knapp by default) wholly above zero reads as "rose on
    average", wholly below as "fell", else "no clear average change"; the sites differ when
    Cochran's Q has p < 0.10 or I² ≥ 50%, and then the lowest and highest site are named
    with the prediction interval for a new site. One site only: no pooling.
    """
    pooled, effects = ctx.results["pooled"], ctx.results["effects"]
    lines = []
    for row in pooled.itertuples():
        label = ctx.construct_label(row.construct)
        if row.k < 2 or pd.isna(row.estimate):
            lines.append(ctx.say("syn_construct_single", construct=label, k=int(row.k)))
            continue
        part = effects[(effects["construct"] == row.construct) & effects["yi"].notna()]
        lo, hi = part.loc[part["yi"].idxmin()], part.loc[part["yi"].idxmax()]
        differ = (pd.notna(row.q_p) and row.q_p < 0.10) or (pd.notna(row.i2) and row.i2 >= 50)
        lines.append(ctx.say(
            "syn_construct", construct=label, k=int(row.k), direction=_direction(row.ci_low, row.ci_high),
            estimate=float(row.estimate), ci=(float(row.ci_low), float(row.ci_high)), differ=bool(differ),
            i2=float(row.i2) / 100 if pd.notna(row.i2) else None, low_site=ctx.site_label(lo["site"]),
            low=float(lo["yi"]), high_site=ctx.site_label(hi["site"]), high=float(hi["yi"]),
            pi=(float(row.pi_low), float(row.pi_high))))
    return lines


def interview_summary(ctx: SynthesisContext, *, wide: float = 0.5) -> list[str]:
    """Per aspect (opportunity, strength, limitation): the codes named by at least `wide` of a site's
    interviewees at the most sites (published cells only), with those sites.

    A suppressed cell counts as unknown, never as zero or as named.
    """
    from ..synthesis import ALL_SITES

    fw = ctx.results["framework"]
    part = fw[(fw["group"] == "total") & (fw["site"] != ALL_SITES) & fw["aspect"].notna()]
    lines = []
    n_sites = len(ctx.programme.studies)
    for aspect, rows in part.groupby("aspect", sort=False):
        named = rows[rows["prevalence"] >= wide].groupby("code")["site"].apply(list)
        if named.empty:
            lines.append(ctx.say("syn_aspect_none", aspect=ctx.aspect_label(aspect), share=wide))
            continue
        top = named[named.map(len) == named.map(len).max()]
        for code, sites in top.items():
            lines.append(ctx.say("syn_aspect", aspect=ctx.aspect_label(aspect), code=ctx.code_label(code),
                                 share=wide, k=len(sites), n_sites=n_sites,
                                 sites=[ctx.site_label(s) for s in sites]))
    return lines


def summary_markdown(ctx: SynthesisContext) -> str:
    """The generated summary: one line per measure (:func:`construct_summary`), then the interviews
    (:func:`interview_summary`)."""
    text = "\n".join("- " + line for line in construct_summary(ctx))
    aspects = interview_summary(ctx)
    if aspects:
        text += "\n\n" + ctx.say("syn_summary_interviews") + "\n\n" + "\n".join("- " + line for line in aspects)
    return text


def method_markdown(ctx: SynthesisContext) -> str:
    prog = ctx.programme
    return ctx.say("syn_method", method=prog.method, test=prog.test, mapped=bool(prog.codes or prog.constructs))


def limitations_markdown(ctx: SynthesisContext) -> str:
    effects = ctx.results["effects"]
    k = int(ctx.results["pooled"]["k"].max()) if len(ctx.results["pooled"]) else len(ctx.programme.sites)
    return ctx.say("syn_limitations", k=k, notes=bool(effects["note"].astype(str).str.len().gt(0).any()))


def _ci_labels(ctx, **extra) -> dict:
    return {"ci": ctx.t("syn_ci"), "pi": ctx.t("syn_pi"), "construct": ctx.t("syn_construct"),
            "site": ctx.t("syn_site"), "k": ctx.t("syn_k"), "estimate": ctx.t("syn_estimate"), "p_value": ctx.t("syn_p"),
            "tau2": ctx.t("syn_tau2"), "i2": ctx.t("syn_i2"), "note": ctx.t("syn_note"), **extra}


def share_label(ctx: SynthesisContext, column: str) -> str:
    """Header of a composition share ``share_<variable>_<level>``: "Share: <level label>" (label from the instrument)."""
    for study in ctx.programme.studies.values():
        for variable in (study.population_margins or {}):
            prefix = f"share_{variable}_"
            if column.startswith(prefix):
                level = column[len(prefix):]
                spec = study.instrument.background.get(variable, {}) if study.instrument is not None else {}
                for code in (spec.get("codes") or {}).values():
                    if str(code.get("id")) == level:
                        level = label_for({k: v for k, v in code.items() if k != "id"}, ctx.lang, level)
                        break
                return ctx.t("share_of", what=level)
    return column


def characteristic_label(ctx: SynthesisContext, column: str) -> str:
    """Header of a site characteristic: a composition share, a label of the language, else its name."""
    from .i18n import catalog

    if column.startswith("share_"):
        return share_label(ctx, column)
    if f"syn_{column}" in catalog(ctx.lang)["labels"]:
        return ctx.t(f"syn_{column}")
    return column.replace("_", " ")  # a characteristic named in the programme file


def sites_display(ctx: SynthesisContext):
    """Site characteristics from the configuration (table, formats, labels for :meth:`ReportContext.table`)."""
    sites = ctx.results["sites"]
    table = pd.DataFrame({"site": [ctx.site_label(s) for s in sites["site"]]})
    formats, labels = {}, {"site": ctx.t("syn_site")}
    for column in sites.columns:
        if column in ("site", "n_waves") or sites[column].isna().all():
            continue
        table[column] = sites[column]
        share = column.startswith("share_")
        formats[column] = "pct" if share else "int" if column in ("homes", "residents", "duration_months") else "num2"
        labels[column] = characteristic_label(ctx, column)
    return table, formats, labels


def forest_data(ctx: SynthesisContext) -> pd.DataFrame:
    """Rows of the forest plot: every site's standardised change per measure, then the pooled one."""
    eff, pooled = ctx.results["effects"], ctx.results["pooled"]
    rows = []
    for p in pooled.itertuples():
        group = ctx.construct_label(p.construct)
        for e in eff[eff["construct"] == p.construct].itertuples():
            rows.append({"group": group, "label": ctx.site_label(e.site), "estimate": e.yi, "ci_low": e.ci_low,
                         "ci_high": e.ci_high, "pooled": False, "pi_low": np.nan, "pi_high": np.nan})
        if pd.notna(p.estimate):
            rows.append({"group": group, "label": ctx.t("syn_pooled"), "estimate": p.estimate, "ci_low": p.ci_low,
                         "ci_high": p.ci_high, "pooled": True, "pi_low": p.pi_low, "pi_high": p.pi_high})
    return pd.DataFrame(rows)


def change_displays(ctx: SynthesisContext) -> dict:
    """The pooled table and the per-site table, each as (table, formats, labels)."""
    pooled, eff = ctx.results["pooled"], ctx.results["effects"]
    table = pd.DataFrame({
        "construct": [ctx.construct_label(c) for c in pooled["construct"]], "k": pooled["k"].astype(int),
        "estimate": pooled["estimate"], "ci_low": pooled["ci_low"], "ci_high": pooled["ci_high"],
        "p_value": pooled["p_value"], "tau2": pooled["tau2"], "i2": pooled["i2"] / 100,
        "pi_low": pooled["pi_low"], "pi_high": pooled["pi_high"]})
    formats = {"k": "int", "estimate": "num2", "ci": "ci", "p_value": "p", "tau2": "num3", "i2": "pct", "pi": "ci"}
    per_site = pd.DataFrame({
        "construct": [ctx.construct_label(c) for c in eff["construct"]],
        "site": [ctx.site_label(s) for s in eff["site"]],
        "estimate": eff["yi"], "ci_low": eff["ci_low"], "ci_high": eff["ci_high"]})
    if eff["note"].astype(str).str.len().gt(0).any():
        per_site["note"] = eff["note"].fillna("").astype(str)
    return {"pooled": (table, formats, _ci_labels(ctx)),
            "effects": (per_site, {"estimate": "num2", "ci": "ci"}, _ci_labels(ctx))}


def moderators_display(ctx: SynthesisContext):
    """The text on site conditions and, from ``min_sites`` sites on, the meta-regression table (else None)."""
    mods = ctx.results["moderators"]
    k = int(ctx.results["pooled"]["k"].max()) if len(ctx.results["pooled"]) else 0
    reg = mods[mods["analysis"] == "meta-regression"] if len(mods) else mods
    if reg.empty:
        return ctx.say("syn_moderators_descriptive", k=k, min=ctx.programme.min_sites), None
    table = pd.DataFrame({
        "construct": [ctx.construct_label(c) for c in reg["construct"]],
        "moderator": [characteristic_label(ctx, m) for m in reg["moderator"]],
        "k": reg["k"].astype(int), "slope": reg["slope"], "slope_ci_low": reg["slope_ci_low"],
        "slope_ci_high": reg["slope_ci_high"], "p_value": reg["p_value"], "r2": reg["r2"] / 100})
    formats = {"k": "int", "slope": "num3", "slope_ci": "ci", "p_value": "p", "r2": "pct"}
    labels = _ci_labels(ctx, moderator=ctx.t("syn_moderator"), slope=ctx.t("syn_slope"),
                        slope_ci=ctx.t("syn_slope_ci"), r2=ctx.t("syn_r2"))
    return ctx.say("syn_moderators_regression", k=k), (table.reset_index(drop=True), formats, labels)


def _aspect_order(ctx: SynthesisContext, present) -> list:
    order = []
    for study in ctx.programme.studies.values():
        if study.coding_frame is not None:
            order += [a for a in study.coding_frame.aspects if a in present and a not in order]
    return order + sorted(a for a in present if a not in order)


def framework_displays(ctx: SynthesisContext) -> dict:
    """Per aspect: codes × sites, interviewees naming the code of all interviewees of the site (published cells)."""
    from ..synthesis import ALL_SITES

    fw = ctx.results["framework"]
    part = fw[(fw["group"] == "total") & fw["aspect"].notna()]
    out = {}
    for aspect in _aspect_order(ctx, set(part["aspect"])):
        rows = []
        for code, block in part[part["aspect"] == aspect].groupby("code", sort=True):
            row = {"code": ctx.code_label(code)}
            for r in block.itertuples():
                key = "all_sites" if r.site == ALL_SITES else r.site
                row[key], row[f"{key}_total"] = r.n_cases, r.n_cases_total
            rows.append(row)
        table = pd.DataFrame(rows)
        keys = [c for c in table.columns if c != "code" and not c.endswith("_total")]
        labels = {"code": ctx.t("syn_code"), "all_sites": ctx.t("syn_all_sites"),
                  **{s: ctx.site_label(s) for s in ctx.programme.sites}}
        out[aspect] = (table, {k: "of" for k in keys}, labels)
    return out


def framework_export(ctx: SynthesisContext) -> pd.DataFrame:
    """The whole cross-site framework matrix for the tables folder: code × site × stakeholder group, with the
    counts and shares each site published (NaN where it did not) and the status of every cell."""
    fw = ctx.results["framework"]
    out = fw[["code", "aspect", "site", "site_code", "group", "n_cases", "n_cases_total", "prevalence", "status"]].copy()
    out.insert(1, "label", [ctx.code_label(c) for c in out["code"]])
    return out


def groups_display(ctx: SynthesisContext, *, wide: float = 0.5):
    """Per code with an aspect and stakeholder group: at how many sites at least `wide` of that group named it,
    of the sites that published the cell.

    Adding the groups' counts over sites would hide almost every cell (one suppressed site cell hides the sum), so
    the table counts sites instead, from published shares only: no count of people is added or derived.
    Columns ``<group>`` (sites where the group named it widely) and ``<group>_total`` (sites that published it).
    """
    from ..synthesis import ALL_SITES

    fw = ctx.results["framework"]
    part = fw[(fw["site"] != ALL_SITES) & fw["aspect"].notna() & (fw["group"] != "total")]
    rows = []
    for aspect in _aspect_order(ctx, set(part["aspect"])):
        for code, block in part[part["aspect"] == aspect].groupby("code", sort=True):
            row = {"aspect": ctx.aspect_label(aspect), "code": ctx.code_label(code)}
            for group, cells in block.groupby("group", sort=False):
                shown = cells["prevalence"].dropna()
                row[group] = int((shown >= wide).sum()) if len(shown) else np.nan
                row[f"{group}_total"] = int(len(shown)) if len(shown) else np.nan
            rows.append(row)
    table = pd.DataFrame(rows)
    groups = [c for c in table.columns if c not in ("aspect", "code") and not c.endswith("_total")]
    labels = {"aspect": ctx.t("syn_aspect"), "code": ctx.t("syn_code"), **{g: ctx.group_label(g) for g in groups}}
    return table, {g: "of" for g in groups}, labels


def quotes_markdown(ctx: SynthesisContext, *, per_theme: int = 2) -> str:
    """Quotes as the sites published them: per theme at most `per_theme`, from different sites, speakers of a
    named group first.

    The attribution names the group (only where the site did), the site and the theme. The site's pseudonymous
    interview reference is left out: pseudonyms are only unique within a site, and the site and theme find the
    quote in that site's report.
    """
    quotes = ctx.results["quotes"]
    if quotes.empty:
        return ctx.say("syn_no_quotes")
    order = {site: i for i, site in enumerate(ctx.programme.sites)}
    quotes = quotes.assign(_named=quotes["group"].notna(), _site=quotes["site"].map(order))
    blocks = []
    for theme, part in quotes.groupby("theme", sort=True):
        picked = part.sort_values(["_named", "_site"], ascending=[False, True]).drop_duplicates("site")
        for q in picked.head(per_theme).sort_values("_site").itertuples():
            study = ctx.programme.studies.get(q.site)
            theme_label = str(theme)
            if study is not None and study.instrument is not None and q.site_theme in study.instrument.themes:
                theme_label = label_for(study.instrument.themes[q.site_theme], ctx.lang, str(theme))
            group = ctx.group_label(q.group) if isinstance(q.group, str) else ctx.t("interviewee")
            blocks.append(ctx.say("syn_quote", quote=q.quote, site=ctx.site_label(q.site), theme=theme_label,
                                  group=group))
    return "\n\n".join(blocks)


def audit_summary(ctx: SynthesisContext) -> str:
    """The union audit in words (the build refuses before this when a check fails)."""
    audit = ctx.results["audit"]
    return ctx.say("syn_audit", checks=int(len(audit)), failed=int((~audit["ok"].astype(bool)).sum()),
                   sites=len(ctx.programme.studies))


# --------------------------------------------------------------------------- build


def report_paths(programme: Programme, lang: str) -> dict[str, Path]:
    """Where a synthesis build in ``lang`` writes (the first language gets plain names)."""
    from .pipeline import FORMATS

    stem = "synthesis-report" if lang == programme.languages[0] else f"synthesis-report.{lang}"
    base = programme.reports_dir
    return {"dir": base, "notebooks": base / "notebooks" / lang, "tables": base / "tables", "figures": base / "figures",
            **{fmt: base / f"{stem}.{fmt}" for fmt in FORMATS}, "manifest": base / "manifest.json"}


def build_synthesis(programme, *, lang: str | None = None, formats=("html",), progress: bool = True,
                    notebooks_dir=None) -> dict:
    """Build the programme's synthesis report from the sites' published results.

    Parameters
    ----------
    programme : Programme or path-like
        The programme (file).
    lang : str, optional
        A report language of the programme (default: its first).
    formats : iterable of {"html", "docx", "pdf"}
    progress : bool
        Progress lines on standard error.
    notebooks_dir : path-like, optional
        Folder of the synthesis notebooks (default: ``notebooks/synthesis`` of the project).

    Returns
    -------
    dict
        Paths written (``html``, ``docx``, ``pdf``, ``notebooks``, ``manifest``) and ``timings``.

    Raises
    ------
    ReportError
        The union audit found a site's hidden cell recoverable (nothing is written), or a
        notebook cell or an export failed.
    """
    import papermill as pm

    from ..importer import file_sha256
    from .export import assemble_html, export_docx, export_pdf, pdf_support_problem
    from .i18n import check_lang, t, use_locales
    from .pipeline import (FORMATS, KERNEL_NAME, ReportError, _ensure_kernel, _failed_cell, _kernel_config,
                           _kernel_manager_class, _relative, _say, notebook_paths, scrub_paths)

    if not isinstance(programme, Programme):
        programme = load_programme(programme)
    use_locales(*[s.locales for s in programme.studies.values() if s.locales])
    lang = lang or programme.languages[0]
    if lang not in programme.languages:
        raise ValueError(f"lang={lang!r} is not a report language of this programme; use one of "
                         f"{', '.join(programme.languages)} (report.languages in {programme.path.name})")
    check_lang(lang)
    formats = tuple(dict.fromkeys(("html", *formats)))
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise ValueError(f"unknown format(s) {unknown}; choose from {', '.join(FORMATS)}")
    if "pdf" in formats and (problem := pdf_support_problem()):
        raise ReportError(problem)
    started = time.perf_counter()
    results = synthesis_results(programme)  # also: every site's results are there
    audit = results["audit"]
    failed = audit[~audit["ok"].astype(bool)]
    if len(failed):
        listing = "\n".join(f"  - {r.check} / {r.output} / {r.site} / {r.code} / {r.group}: {r.detail}"
                            for r in failed.head(20).itertuples())
        raise ReportError(f"the union audit found {len(failed)} problem(s): a number a site did not publish could "
                          f"be recovered from the synthesis; no report is written:\n{listing}")
    _say(progress, f"synthesis of {len(programme.studies)} sites: {len(results['pooled'])} constructs pooled, "
                   f"union audit of {len(audit)} checks passed")
    paths = report_paths(programme, lang)
    for key in ("notebooks", "tables", "figures"):
        paths[key].mkdir(parents=True, exist_ok=True)
    for fmt in FORMATS:
        paths[fmt].unlink(missing_ok=True)
    root = _project_root(programme.path)
    notebooks = notebook_paths(notebooks_dir or root / "notebooks" / "synthesis")
    _ensure_kernel()
    parameters = {"programme": _relative(programme.path, root), "lang": lang,
                  "output_dir": _relative(paths["dir"], root)}
    timings, executed = {}, []
    for index, notebook in enumerate(notebooks, 1):
        target = paths["notebooks"] / notebook.name
        _say(progress, f"notebook {index}/{len(notebooks)}: {notebook.name}")
        t0 = time.perf_counter()
        try:
            pm.execute_notebook(str(notebook), str(target), parameters=parameters, kernel_name=KERNEL_NAME,
                                progress_bar=progress, cwd=str(root), log_output=False, config=_kernel_config(),
                                kernel_manager_class=_kernel_manager_class())
        except pm.PapermillExecutionError as exc:
            where = _failed_cell(target, exc)
            scrub_paths(target, root=root, notebooks=notebook.parent)
            raise ReportError(f"notebook {notebook.name} failed in {where}: {exc.ename}: {exc.evalue}\n"
                              f"The executed notebook is kept for inspection: {target}") from None
        timings[notebook.name] = round(time.perf_counter() - t0, 2)
        scrub_paths(target, root=root, notebooks=notebook.parent)
        executed.append(target)
    title = label_for(programme.title, lang) or t("synthesis_title", lang)
    synthetic = programme.synthetic or any(s.synthetic for s in programme.studies.values())
    banner = t("synthetic_banner", lang) if synthetic else None
    staged = {fmt: paths[fmt].with_name(f".{paths[fmt].name}.partial") for fmt in formats}
    t0 = time.perf_counter()
    assemble_html(executed, title=title, lang=lang, out_path=staged["html"], banner=banner)
    if "docx" in formats:
        export_docx(staged["html"], staged["docx"], banner=banner, toc_text=t("toc_update", lang))
    if "pdf" in formats:
        export_pdf(staged["html"], staged["pdf"])
    outputs = {}
    for fmt in formats:
        staged[fmt].replace(paths[fmt])
        outputs[fmt] = paths[fmt]
    timings["export"] = round(time.perf_counter() - t0, 2)
    timings["total"] = round(time.perf_counter() - started, 2)

    def rel(p):
        p = Path(p)
        return p.relative_to(root).as_posix() if p.is_relative_to(root) else p.name

    inputs = {rel(programme.path): file_sha256(programme.path)}
    for site, folder in programme.results_dirs.items():
        for file in sorted(Path(folder).glob("*.parquet")):
            inputs[rel(file)] = file_sha256(file)
    manifest_path = paths["manifest"]
    manifest = json.loads(manifest_path.read_text(encoding="utf-8")) if manifest_path.exists() else {}
    manifest.update({"programme": programme.id, "sites": programme.sites, "synthetic": synthetic})
    manifest.setdefault("builds", {})[lang] = {
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "formats": list(formats), "inputs": inputs,
        "notebooks": [rel(p) for p in executed],
        "outputs": {fmt: {"path": rel(p), "sha256": file_sha256(p)} for fmt, p in outputs.items()},
        "union_audit": {"checks": int(len(audit)), "failed": 0}, "timings_seconds": timings}
    partial = manifest_path.with_name(f".{manifest_path.name}.partial")
    partial.write_text(json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8")
    partial.replace(manifest_path)
    _say(progress, f"done in {timings['total']} s")
    return {**outputs, "notebooks": executed, "manifest": manifest_path, "timings": timings}

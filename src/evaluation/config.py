"""Study configuration: load and validate study, instrument and coding-frame YAML.

A study file (``config/studies/<study>.yml``) points to a survey instrument
(codebook) and an interview coding frame, both reusable between studies. All
three are validated on load; every problem is collected and reported at once,
each naming the file, the key, what was found and what is allowed.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

__all__ = [
    "ConfigError",
    "Problem",
    "Study",
    "Instrument",
    "CodingFrame",
    "load_study",
    "load_instrument",
    "load_coding_frame",
]

LANGUAGES = ("nl", "en")
LEVELS = ("ordinal", "binary", "categorical", "numeric")
ASPECTS = ("opportunity", "strength", "limitation")
PRIVACY_CLASSES = ("none", "indirect", "direct", "special")


@dataclass(frozen=True)
class Problem:
    """One configuration problem: where it is, what was found, what is allowed."""

    file: str
    key: str
    message: str
    found: Any = None
    allowed: Any = None

    def __str__(self) -> str:
        text = f"{self.file}: {self.key}: {self.message}"
        if self.found is not None:
            text += f" (found: {self.found!r}"
            text += f"; allowed: {self.allowed})" if self.allowed is not None else ")"
        elif self.allowed is not None:
            text += f" (allowed: {self.allowed})"
        return text


class ConfigError(ValueError):
    """Raised when configuration files have problems; ``.problems`` lists them all."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        lines = [f"{len(self.problems)} problem(s) in the study configuration:"]
        lines += [f"  - {p}" for p in self.problems]
        super().__init__("\n".join(lines))


class _Checker:
    """Collects problems while reading one YAML file."""

    def __init__(self, path: Path, problems: list[Problem]):
        self.file = str(path)
        self.problems = problems

    def add(self, key, message, found=None, allowed=None):
        self.problems.append(Problem(self.file, key, message, found, allowed))

    def get(self, mapping, key, prefix, types, *, required=True, default=None, allowed=None):
        full = f"{prefix}.{key}" if prefix else key
        if not isinstance(mapping, dict) or key not in mapping or mapping[key] is None:
            if required:
                self.add(full, "required key is missing", allowed=_type_names(types))
            return default
        value = mapping[key]
        accepted = _as_tuple(types) + ((int,) if float in _as_tuple(types) else ())
        if types is not None and (not isinstance(value, accepted) or isinstance(value, bool) and bool not in accepted):
            self.add(full, "wrong type", found=value, allowed=_type_names(types))
            return default
        if allowed is not None and value not in allowed:
            self.add(full, "value not allowed", found=value, allowed=", ".join(map(str, allowed)))
            return default
        return value

    def unknown_keys(self, mapping, known, prefix):
        if isinstance(mapping, dict):
            for key in mapping:
                if key not in known:
                    full = f"{prefix}.{key}" if prefix else str(key)
                    self.add(full, "unknown key", allowed=", ".join(sorted(known)))

    def labels(self, mapping, key, prefix, *, required=True):
        value = self.get(mapping, key, prefix, (dict, str), required=required)
        if isinstance(value, str):
            return {lang: value for lang in LANGUAGES}
        if isinstance(value, dict):
            return {str(k): str(v) for k, v in value.items()}
        return {}


def _as_tuple(types):
    return types if isinstance(types, tuple) else (types,)


def _type_names(types):
    names = {dict: "mapping", list: "list", str: "text", int: "whole number", float: "number", bool: "true/false"}
    return " or ".join(names.get(t, t.__name__) for t in _as_tuple(types)) if types else None


def _read_yaml(path: Path, problems: list[Problem]) -> dict:
    if not path.exists():
        problems.append(Problem(str(path), "(file)", "file not found; check the path in the study file"))
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(file)"
        problems.append(Problem(str(path), where, f"not valid YAML: {getattr(exc, 'problem', exc)}"))
        return {}
    if not isinstance(data, dict):
        problems.append(Problem(str(path), "(file)", "expected a mapping at the top level", found=type(data).__name__))
        return {}
    return data


# --------------------------------------------------------------------------- instrument


@dataclass
class Instrument:
    """A survey codebook: answer sets, items, scales, themes, background variables."""

    name: str
    path: Path
    answer_sets: dict[str, dict]
    themes: dict[str, dict]
    scales: dict[str, dict]
    background: dict[str, dict]
    identifiers: dict[str, Any]
    items: list[dict]

    def item(self, item_id: str) -> dict:
        for item in self.items:
            if item["id"] == item_id:
                return item
        raise KeyError(f"item {item_id!r} is not in instrument {self.name!r}")

    @property
    def item_ids(self) -> list[str]:
        return [item["id"] for item in self.items]

    def answer_set(self, item_id: str) -> dict:
        return self.answer_sets[self.item(item_id)["answers"]]

    def scale_definitions(self) -> dict[str, dict]:
        """Scales in the form :func:`evaluation.score_scales` takes."""
        out = {}
        for scale_id, scale in self.scales.items():
            items = [i["id"] for i in self.items if i.get("scale") == scale_id]
            codes = [float(c) for c in self.answer_set(items[0])["codes"]] if items else [1.0, 5.0]
            out[scale_id] = {
                "items": items,
                "reverse": [i["id"] for i in self.items if i.get("scale") == scale_id and i.get("reverse")],
                "min_items": scale["min_items"],
                "min": min(codes),
                "max": max(codes),
                "rescale_0_10": scale["rescale_0_10"],
            }
        return out

    def items_table(self) -> pd.DataFrame:
        """One row per item: item, scale, theme, level, reverse, text_nl, text_en."""
        rows = []
        for item in self.items:
            answers = self.answer_sets[item["answers"]]
            theme = item.get("theme") or self.scales.get(item.get("scale"), {}).get("theme")
            rows.append(
                {
                    "item": item["id"],
                    "scale": item.get("scale"),
                    "theme": theme,
                    "level": answers["level"],
                    "reverse": bool(item.get("reverse", False)),
                    "text_nl": item["text"].get("nl", ""),
                    "text_en": item["text"].get("en", ""),
                }
            )
        return pd.DataFrame(rows)

    def agree_codes(self) -> dict[str, list[float]]:
        """Answer codes counted as 'agree' (or 'yes') per item, where defined."""
        out = {}
        for item in self.items:
            agree = self.answer_sets[item["answers"]].get("agree")
            if agree:
                out[item["id"]] = [float(a) for a in agree]
        return out


_INSTRUMENT_KEYS = {"instrument", "version", "languages", "answer_sets", "themes", "scales", "background", "identifiers", "items"}


def load_instrument(path: str | os.PathLike, problems: list[Problem] | None = None) -> Instrument:
    """Load and validate an instrument (survey codebook) YAML file.

    Parameters
    ----------
    path : path-like
        The instrument file, e.g. ``config/instruments/veerkracht-straat.yml``.
    problems : list, optional
        Collect problems here instead of raising (used by :func:`load_study`).

    Returns
    -------
    Instrument

    Raises
    ------
    ConfigError
        Listing every problem found (file, key, found, allowed).

    Examples
    --------
    >>> inst = load_instrument("config/instruments/veerkracht-straat.yml")  # doctest: +SKIP
    >>> inst.scale_definitions()["trust"]["reverse"]  # doctest: +SKIP
    ['tru4']
    """
    path = Path(path)
    own = problems is None
    problems = [] if own else problems
    n_before = len(problems)
    data = _read_yaml(path, problems)
    if len(problems) > n_before:  # unreadable file: nothing more to check
        if own:
            raise ConfigError(problems)
        return Instrument(path.stem, path, {}, {}, {}, {}, {}, [])
    c = _Checker(path, problems)
    c.unknown_keys(data, _INSTRUMENT_KEYS, "")
    name = c.get(data, "instrument", "", str, default=path.stem)

    answer_sets = {}
    for set_id, spec in (c.get(data, "answer_sets", "", dict, default={}) or {}).items():
        prefix = f"answer_sets.{set_id}"
        c.unknown_keys(spec, {"level", "codes", "missing", "agree", "min", "max"}, prefix)
        level = c.get(spec, "level", prefix, str, allowed=LEVELS, default="ordinal")
        codes = c.get(spec, "codes", prefix, dict, required=level != "numeric", default={})
        missing = c.get(spec, "missing", prefix, dict, required=False, default={})
        for key in list(codes) + list(missing):
            if not isinstance(key, (int, float)) or isinstance(key, bool):
                c.add(f"{prefix}.codes.{key}", "answer codes must be numbers", found=key)
        overlap = set(codes) & set(missing)
        if overlap:
            c.add(f"{prefix}.missing", "a code cannot be both an answer and a missing code", found=sorted(overlap))
        agree = c.get(spec, "agree", prefix, list, required=False, default=[])
        for code in agree:
            if code not in codes:
                c.add(f"{prefix}.agree", "agree code is not an answer code", found=code, allowed=sorted(codes))
        answer_sets[set_id] = {
            "level": level,
            "codes": codes,
            "missing": missing,
            "agree": agree,
            "min": spec.get("min") if isinstance(spec, dict) else None,
            "max": spec.get("max") if isinstance(spec, dict) else None,
        }

    themes = {}
    for theme_id, spec in (c.get(data, "themes", "", dict, default={}) or {}).items():
        if not isinstance(spec, dict):
            c.add(f"themes.{theme_id}", "wrong type", found=spec, allowed="mapping with nl, en")
            continue
        for lang in LANGUAGES:
            c.get(spec, lang, f"themes.{theme_id}", str)
        themes[theme_id] = dict(spec)

    scales = {}
    for scale_id, spec in (c.get(data, "scales", "", dict, default={}) or {}).items():
        prefix = f"scales.{scale_id}"
        c.unknown_keys(spec, {"label", "theme", "min_items", "rescale_0_10", "family"}, prefix)
        theme = c.get(spec, "theme", prefix, str, allowed=list(themes) or None)
        scales[scale_id] = {
            "label": c.labels(spec, "label", prefix),
            "theme": theme,
            "min_items": c.get(spec, "min_items", prefix, int, default=1),
            "rescale_0_10": c.get(spec, "rescale_0_10", prefix, bool, required=False, default=False),
            "family": (spec or {}).get("family", theme),
        }

    background = {}
    for var, spec in (c.get(data, "background", "", dict, required=False, default={}) or {}).items():
        prefix = f"background.{var}"
        c.unknown_keys(spec, {"column", "privacy", "codes", "label"}, prefix)
        column = c.get(spec, "column", prefix, str, default=var)
        privacy = c.get(spec, "privacy", prefix, str, required=False, default="indirect", allowed=PRIVACY_CLASSES)
        codes = {}
        for code, label in (c.get(spec, "codes", prefix, dict, default={}) or {}).items():
            if not isinstance(label, dict) or "id" not in label:
                c.add(f"{prefix}.codes.{code}", "each code needs an id (and nl/en labels)", found=label)
                continue
            codes[code] = label
        background[var] = {"column": column, "privacy": privacy, "codes": codes}

    identifiers = c.get(data, "identifiers", "", dict, default={}) or {}
    c.unknown_keys(identifiers, {"respondent", "household", "direct"}, "identifiers")
    c.get(identifiers, "respondent", "identifiers", str)
    c.get(identifiers, "household", "identifiers", str, required=False)
    c.get(identifiers, "direct", "identifiers", list, required=False, default=[])

    items = []
    seen = set()
    for index, spec in enumerate(c.get(data, "items", "", list, default=[]) or []):
        item_id = spec.get("id") if isinstance(spec, dict) else None
        prefix = f"items[{index}]" + (f" ({item_id})" if item_id else "")
        if not isinstance(spec, dict):
            c.add(prefix, "each item must be a mapping", found=spec)
            continue
        c.unknown_keys(spec, {"id", "text", "answers", "scale", "reverse", "theme", "privacy", "waves", "column"}, prefix)
        item_id = c.get(spec, "id", prefix, str)
        if item_id in seen:
            c.add(f"{prefix}.id", "duplicate item id", found=item_id)
        seen.add(item_id)
        c.get(spec, "answers", prefix, str, allowed=list(answer_sets) or None)
        if spec.get("scale") is not None:
            c.get(spec, "scale", prefix, str, allowed=list(scales) or None)
        if spec.get("theme") is not None:
            c.get(spec, "theme", prefix, str, allowed=list(themes) or None)
        c.get(spec, "reverse", prefix, bool, required=False)
        c.get(spec, "privacy", prefix, str, required=False, allowed=PRIVACY_CLASSES)
        item = dict(spec)
        item["text"] = c.labels(spec, "text", prefix)
        items.append(item)
    for scale_id in scales:
        if not any(item.get("scale") == scale_id for item in items):
            c.add(f"scales.{scale_id}", "scale has no items (no item names it in `scale:`)")
        elif scales[scale_id]["min_items"] > sum(item.get("scale") == scale_id for item in items):
            c.add(f"scales.{scale_id}.min_items", "larger than the number of items in the scale", found=scales[scale_id]["min_items"])

    instrument = Instrument(name, path, answer_sets, themes, scales, background, identifiers, items)
    if own and problems:
        raise ConfigError(problems)
    return instrument


# --------------------------------------------------------------------------- coding frame


@dataclass
class CodingFrame:
    """Interview coding frame. ``table``: code, theme, aspect, label_nl, label_en, meta."""

    name: str
    path: Path
    table: pd.DataFrame
    aspects: dict[str, dict]


def load_coding_frame(path, problems=None, *, themes=None) -> CodingFrame:
    """Load and validate a coding-frame YAML file (codes -> theme and aspect).

    Parameters
    ----------
    path : path-like
    problems : list, optional
        Collect problems here instead of raising.
    themes : collection of str, optional
        Allowed theme ids (the instrument's), checked when given.

    Returns
    -------
    CodingFrame

    Examples
    --------
    >>> frame = load_coding_frame("config/coding-frames/gebiedsgericht-werken.yml")  # doctest: +SKIP
    >>> frame.table.columns.tolist()  # doctest: +SKIP
    ['code', 'theme', 'aspect', 'label_nl', 'label_en', 'meta']
    """
    path = Path(path)
    own = problems is None
    problems = [] if own else problems
    n_before = len(problems)
    data = _read_yaml(path, problems)
    if len(problems) > n_before:
        if own:
            raise ConfigError(problems)
        return CodingFrame(path.stem, path, pd.DataFrame(columns=["code", "theme", "aspect", "label_nl", "label_en", "meta"]), {})
    c = _Checker(path, problems)
    c.unknown_keys(data, {"coding_frame", "version", "aspects", "codes", "meta_codes"}, "")
    name = c.get(data, "coding_frame", "", str, default=path.stem)
    aspects = c.get(data, "aspects", "", dict, required=False, default={a: {"nl": a, "en": a} for a in ASPECTS})
    rows = []
    for index, spec in enumerate(c.get(data, "codes", "", list, default=[]) or []):
        prefix = f"codes[{index}]"
        if not isinstance(spec, dict):
            c.add(prefix, "each code must be a mapping with at least `code`", found=spec)
            continue
        c.unknown_keys(spec, {"code", "theme", "aspect", "label", "tags"}, prefix)
        code = c.get(spec, "code", prefix, str)
        theme = c.get(spec, "theme", prefix, str, required=False, allowed=sorted(themes) if themes else None)
        aspect = c.get(spec, "aspect", prefix, str, required=False, allowed=list(aspects))
        label = spec.get("label") or {}
        label = {lang: label for lang in LANGUAGES} if isinstance(label, str) else label
        if theme is None and aspect is None and code is not None:
            c.add(prefix, f"code {code!r} needs a theme, an aspect or both")
        rows.append(
            {
                "code": code,
                "theme": theme,
                "aspect": aspect,
                "label_nl": label.get("nl", code),
                "label_en": label.get("en", code),
                "meta": False,
            }
        )
    for code in c.get(data, "meta_codes", "", list, required=False, default=[]) or []:
        rows.append({"code": str(code), "theme": None, "aspect": None, "label_nl": str(code), "label_en": str(code), "meta": True})
    table = pd.DataFrame(rows, columns=["code", "theme", "aspect", "label_nl", "label_en", "meta"])
    dupes = table["code"][table["code"].duplicated()].tolist()
    if dupes:
        c.add("codes", "duplicate code names", found=dupes)
    frame = CodingFrame(name, path, table, aspects)
    if own and problems:
        raise ConfigError(problems)
    return frame


# --------------------------------------------------------------------------- study


@dataclass
class Wave:
    id: str
    label: dict
    file: Path
    invited: int | None = None
    date: str | None = None
    sheet: str | int | None = None
    rename: dict = field(default_factory=dict)


@dataclass
class Study:
    """A loaded, validated study. Paths are absolute."""

    id: str
    path: Path
    title: dict
    municipality: str
    area: str
    synthetic: bool
    raw_dir: Path
    processed_dir: Path
    reports_dir: Path
    population_size: int | None
    population_residents: int | None
    population_margins: dict
    instrument: Instrument
    waves: list[Wave]
    codings_file: Path | None
    interviewees_file: Path | None
    coding_frame: CodingFrame | None
    approved_code: str | None
    min_cell: int
    min_cell_interviews: int
    round_to: int | None
    pseudonym_key_env: str
    demo_key: str | None
    confidence: float
    fpc: bool
    adjust: str
    groups: list[str]
    languages: list[str]
    timeline: list[dict]

    @property
    def wave_ids(self) -> list[str]:
        return [w.id for w in self.waves]

    @property
    def group_variable(self) -> str | None:
        """The background variable for response and representativeness: the first one with known population margins."""
        return next(iter(self.population_margins), None) or next(iter(self.groups), None)

    @property
    def config_files(self) -> list[Path]:
        files = [self.path, self.instrument.path]
        if self.coding_frame is not None:
            files.append(self.coding_frame.path)
        return files

    @property
    def raw_files(self) -> list[Path]:
        files = [w.file for w in self.waves]
        files += [f for f in (self.codings_file, self.interviewees_file) if f is not None]
        return files

    def pseudonym_key_env_set(self) -> bool:
        return bool(os.environ.get(self.pseudonym_key_env))

    def pseudonym_key(self) -> bytes:
        """The secret key for pseudonyms: from the environment, or the demo key for synthetic studies."""
        key = os.environ.get(self.pseudonym_key_env)
        if key:
            return key.encode("utf-8")
        if self.synthetic and self.demo_key:
            return self.demo_key.encode("utf-8")
        raise ConfigError(
            [
                Problem(
                    str(self.path),
                    "privacy.pseudonym_key_env",
                    f"environment variable {self.pseudonym_key_env} is not set; set it to a long secret "
                    "kept outside git (a fixed demo_key is only accepted for synthetic studies)",
                )
            ]
        )


_STUDY_KEYS = {"study", "population", "instrument", "waves", "interviews", "privacy", "analysis", "report"}


def load_study(path: str | os.PathLike) -> Study:
    """Load a study file with its instrument and coding frame, validating all three.

    Parameters
    ----------
    path : path-like
        The study YAML, e.g. ``config/studies/noorderbeekdwarsstraat-demo.yml``.
        Relative paths inside it are resolved against its folder.

    Returns
    -------
    Study

    Raises
    ------
    ConfigError
        Every problem in the study, instrument and coding-frame files at once.

    Examples
    --------
    >>> study = load_study("config/studies/noorderbeekdwarsstraat-demo.yml")  # doctest: +SKIP
    >>> study.wave_ids  # doctest: +SKIP
    ['before', 'after']
    """
    path = Path(path).resolve()
    problems: list[Problem] = []
    data = _read_yaml(path, problems)
    if not data:
        raise ConfigError(problems)
    c = _Checker(path, problems)
    c.unknown_keys(data, _STUDY_KEYS, "")
    base = path.parent

    def resolve(value):
        return (base / value).resolve() if isinstance(value, str) else None

    meta = c.get(data, "study", "", dict, default={})
    c.unknown_keys(meta, {"id", "title", "municipality", "area", "synthetic", "raw_dir", "processed_dir", "reports_dir"}, "study")
    study_id = c.get(meta, "id", "study", str, default=path.stem)
    if isinstance(study_id, str) and not all(ch.isalnum() or ch in "-_" for ch in study_id):
        c.add("study.id", "use letters, digits, '-' and '_' only (it becomes a folder name)", found=study_id)
    root = _project_root(path)
    raw_dir = resolve(c.get(meta, "raw_dir", "study", str, required=False)) or root / "data" / "raw" / str(study_id)
    processed_dir = resolve(c.get(meta, "processed_dir", "study", str, required=False)) or root / "data" / "processed" / str(study_id)
    reports_dir = resolve(c.get(meta, "reports_dir", "study", str, required=False)) or root / "reports" / str(study_id)

    population = c.get(data, "population", "", dict, required=False, default={}) or {}
    c.unknown_keys(population, {"unit", "size", "residents", "margins"}, "population")
    size = c.get(population, "size", "population", int, required=False)
    residents = c.get(population, "residents", "population", int, required=False)
    margins = c.get(population, "margins", "population", dict, required=False, default={}) or {}

    instrument_path = resolve(c.get(data, "instrument", "", str))
    instrument = load_instrument(instrument_path, problems) if instrument_path else None

    waves = []
    wave_specs = c.get(data, "waves", "", list, default=[]) or []
    if len(wave_specs) < 2 and isinstance(wave_specs, list):
        c.add("waves", "a before/after study needs at least two waves", found=len(wave_specs))
    for index, spec in enumerate(wave_specs):
        prefix = f"waves[{index}]"
        c.unknown_keys(spec, {"id", "label", "date", "invited", "file", "sheet", "rename"}, prefix)
        wave_id = c.get(spec, "id", prefix, str)
        file = c.get(spec, "file", prefix, str)
        waves.append(
            Wave(
                id=wave_id,
                label=c.labels(spec, "label", prefix, required=False) or {lang: str(wave_id) for lang in LANGUAGES},
                file=raw_dir / file if file else raw_dir,
                invited=c.get(spec, "invited", prefix, int, required=False),
                date=str(spec.get("date")) if isinstance(spec, dict) and spec.get("date") is not None else None,
                sheet=c.get(spec, "sheet", prefix, (str, int), required=False),
                rename=c.get(spec, "rename", prefix, dict, required=False, default={}) or {},
            )
        )
    ids = [w.id for w in waves]
    if len(set(ids)) != len(ids):
        c.add("waves", "wave ids must be unique", found=ids)

    if instrument is not None and instrument.items and margins:
        for var, targets in margins.items():
            if var not in instrument.background:
                c.add(f"population.margins.{var}", "not a background variable of the instrument", allowed=", ".join(instrument.background))
                continue
            known = {code["id"] for code in instrument.background[var]["codes"].values()}
            for category in targets or {}:
                if category not in known:
                    c.add(f"population.margins.{var}.{category}", "unknown category", allowed=", ".join(sorted(known)))

    interviews = c.get(data, "interviews", "", dict, required=False, default=None)
    codings_file = interviewees_file = frame = approved_code = None
    if interviews is not None:
        c.unknown_keys(interviews, {"codings", "interviewees", "coding_frame", "approved_code"}, "interviews")
        codings = c.get(interviews, "codings", "interviews", str)
        codings_file = raw_dir / codings if codings else None
        people = c.get(interviews, "interviewees", "interviews", str, required=False)
        interviewees_file = raw_dir / people if people else None
        frame_path = resolve(c.get(interviews, "coding_frame", "interviews", str))
        themes = instrument.themes if instrument is not None else None
        frame = load_coding_frame(frame_path, problems, themes=themes) if frame_path else None
        approved_code = c.get(interviews, "approved_code", "interviews", str, required=False)

    privacy = c.get(data, "privacy", "", dict, required=False, default={}) or {}
    c.unknown_keys(privacy, {"min_cell", "min_cell_interviews", "round_to", "pseudonym_key_env", "demo_key"}, "privacy")
    min_cell = c.get(privacy, "min_cell", "privacy", int, required=False, default=10)
    min_cell_interviews = c.get(privacy, "min_cell_interviews", "privacy", int, required=False, default=3)
    if isinstance(min_cell, int) and min_cell < 1:
        c.add("privacy.min_cell", "must be at least 1", found=min_cell)
    synthetic = c.get(meta, "synthetic", "study", bool, required=False, default=False)
    demo_key = c.get(privacy, "demo_key", "privacy", str, required=False)
    if demo_key and not synthetic:
        c.add("privacy.demo_key", "a fixed key is only allowed for synthetic studies (study.synthetic: true); "
              "remove it and set the environment variable named in privacy.pseudonym_key_env")

    analysis = c.get(data, "analysis", "", dict, required=False, default={}) or {}
    c.unknown_keys(analysis, {"confidence", "finite_population_correction", "adjust", "groups"}, "analysis")
    confidence = c.get(analysis, "confidence", "analysis", float, required=False, default=0.95)
    if isinstance(confidence, float) and not 0.5 <= confidence < 1:
        c.add("analysis.confidence", "must lie between 0.5 and 1", found=confidence)
    groups = c.get(analysis, "groups", "analysis", list, required=False, default=[]) or []
    if instrument is not None and instrument.items:
        for g in groups:
            if g not in instrument.background:
                c.add("analysis.groups", "not a background variable of the instrument", found=g, allowed=", ".join(instrument.background))

    report = c.get(data, "report", "", dict, required=False, default={}) or {}
    c.unknown_keys(report, {"languages", "timeline"}, "report")
    languages = c.get(report, "languages", "report", list, required=False, default=list(LANGUAGES))
    for lang in languages or []:
        if lang not in LANGUAGES:
            c.add("report.languages", "unsupported language", found=lang, allowed=", ".join(LANGUAGES))

    if problems:
        raise ConfigError(problems)
    return Study(
        id=study_id,
        path=path,
        title=c.labels(meta, "title", "study"),
        municipality=str(meta.get("municipality", "")),
        area=str(meta.get("area", "")),
        synthetic=synthetic,
        raw_dir=raw_dir,
        processed_dir=processed_dir,
        reports_dir=reports_dir,
        population_size=size,
        population_residents=residents,
        population_margins=margins,
        instrument=instrument,
        waves=waves,
        codings_file=codings_file,
        interviewees_file=interviewees_file,
        coding_frame=frame,
        approved_code=approved_code,
        min_cell=min_cell,
        min_cell_interviews=min_cell_interviews,
        round_to=privacy.get("round_to"),
        pseudonym_key_env=privacy.get("pseudonym_key_env", "EVALUATION_PSEUDONYM_KEY"),
        demo_key=demo_key,
        confidence=confidence,
        fpc=bool(analysis.get("finite_population_correction", True)),
        adjust=str(analysis.get("adjust", "holm")),
        groups=groups,
        languages=languages,
        timeline=list(report.get("timeline", []) or []),
    )


def _project_root(path: Path) -> Path:
    for parent in path.parents:
        if (parent / "pyproject.toml").exists() or (parent / "config").is_dir() and (parent / "data").is_dir():
            return parent
    return path.parent

"""Study configuration: load and validate study, instrument and coding-frame YAML.

A study file (``config/studies/<study>.yml``) points to a survey instrument
(codebook) and an interview coding frame, both reusable between studies. All
three are validated on load; every problem is collected and reported at once,
each naming the file, the key, what was found and what is allowed.
"""
from __future__ import annotations

import os
import reprlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from .readers.limits import LIMIT_KEYS, InputLimits

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

#: Report languages when a study names none (the first is the primary edition).
LANGUAGES = ("nl", "en")
#: A label given as plain text holds for every language: it is stored under this key.
ANY_LANGUAGE = "*"
ADJUST_METHODS = ("holm", "fdr_bh", "bonferroni")
#: Limits for configuration YAML: a config file is a few kilobytes; anything far
#: beyond these is a mistake or an attack ("billion laughs" alias bombs).
MAX_YAML_BYTES = 1 << 20
MAX_YAML_DEPTH = 32
MAX_YAML_ALIASES = 100
MAX_YAML_NODES = 100_000
#: Sensible range of the privacy thresholds (smallest count shown).
MIN_CELL_RANGE = (1, 100)
LEVELS = ("ordinal", "binary", "categorical", "numeric")
ASPECTS = ("opportunity", "strength", "limitation")
PRIVACY_CLASSES = ("none", "indirect", "direct", "special")


#: roles of the interviewee table's columns -> default column name (``interviews.interviewee_columns``)
INTERVIEWEE_COLUMNS = {"case": "case", "group": "stakeholder_group", "consent": None}
#: default answers meaning "may be quoted" in a consent column (``interviews.consent_values``)
CONSENT_VALUES = ("yes", "ja", "y", "j", "true", "1", "akkoord")


@dataclass(frozen=True)
class Problem:
    """One configuration problem: where it is, what was found, what is allowed."""

    file: str
    key: str
    message: str
    found: Any = None
    allowed: Any = None

    def __str__(self) -> str:
        text = f"{self.file}: {_short_text(self.key)}: {self.message}"
        if self.found is not None:
            text += f" (found: {_short(self.found)}"
            text += f"; allowed: {self.allowed})" if self.allowed is not None else ")"
        elif self.allowed is not None:
            text += f" (allowed: {self.allowed})"
        return text


_REPR = reprlib.Repr()
_REPR.maxstring = _REPR.maxother = 80
_REPR.maxlist = _REPR.maxdict = _REPR.maxset = _REPR.maxtuple = 8
_REPR.maxlevel = 3


def _short(value) -> str:
    """A bounded repr: messages never print a huge (or alias-expanded) value."""
    return _REPR.repr(value)


def _short_text(text, limit: int = 120) -> str:
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


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

    def number(self, mapping, key, prefix, *, whole=False, low=None, high=None, low_open=False, high_open=False,
               required=False, default=None, hint=None):
        """A number (``whole``: an integer) within [low, high] (open ends when ``*_open``)."""
        value = self.get(mapping, key, prefix, int if whole else float, required=required, default=None)
        if value is None:
            return default
        too_low = low is not None and (value <= low if low_open else value < low)
        too_high = high is not None and (value >= high if high_open else value > high)
        if too_low or too_high:
            span = "x"
            if low is not None:
                span = f"{low} {'<' if low_open else '<='} {span}"
            if high is not None:
                span = f"{span} {'<' if high_open else '<='} {high}"
            extra = hint(value) if hint else None
            self.add(f"{prefix}.{key}" if prefix else key, "out of range" + (f"; {extra}" if extra else ""),
                     found=value, allowed=span)
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
            return {ANY_LANGUAGE: value}
        if isinstance(value, dict):
            return {str(k): str(v) for k, v in value.items()}
        return {}


def _as_tuple(types):
    return types if isinstance(types, tuple) else (types,)


def _type_names(types):
    names = {dict: "mapping", list: "list", str: "text", int: "whole number", float: "number", bool: "true/false"}
    return " or ".join(names.get(t, t.__name__) for t in _as_tuple(types)) if types else None


class _LimitedLoader(yaml.SafeLoader):
    """Safe YAML loader that refuses alias bombs, deep nesting and duplicate keys.

    While the document is composed it counts aliases, nesting depth and the size
    the document would have with every alias expanded, and stops at the first
    limit exceeded, so an alias bomb fails in microseconds and nothing huge is
    ever built or printed.
    """

    def __init__(self, stream):
        super().__init__(stream)
        self._depth = 0
        self._aliases = 0
        self._sizes: dict[int, int] = {}

    def _refuse(self, message, mark):
        raise yaml.composer.ComposerError(None, None, message, mark)

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            node = super().compose_node(parent, index)
            self._aliases += 1
            if self._aliases > MAX_YAML_ALIASES:
                self._refuse(f"more than {MAX_YAML_ALIASES} aliases (*name); a study configuration "
                             "needs few or none - write the values out", event.start_mark)
            if id(node) not in self._sizes:
                self._refuse(f"alias *{event.anchor} refers to the block it is inside (a loop)", event.start_mark)
            return node
        event = self.peek_event()
        self._depth += 1
        if self._depth > MAX_YAML_DEPTH:
            self._refuse(f"nested more than {MAX_YAML_DEPTH} levels deep", event.start_mark)
        try:
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        size = 1
        if isinstance(node, yaml.SequenceNode):
            size += sum(self._sizes.get(id(child), 1) for child in node.value)
        elif isinstance(node, yaml.MappingNode):
            seen = {}
            for key, value in node.value:
                size += self._sizes.get(id(key), 1) + self._sizes.get(id(value), 1)
                if isinstance(key, yaml.ScalarNode) and key.tag != "tag:yaml.org,2002:merge":
                    if key.value in seen:
                        self._refuse(f"key {_short_text(key.value, 60)!r} appears twice in the same mapping "
                                     f"(first on line {seen[key.value] + 1}); the later value would silently win",
                                     key.start_mark)
                    seen[key.value] = key.start_mark.line
        if size > MAX_YAML_NODES:
            self._refuse(f"expands to more than {MAX_YAML_NODES} values (an alias bomb?)", event.start_mark)
        self._sizes[id(node)] = size
        return node


def _read_yaml(path: Path, problems: list[Problem]) -> dict:
    if not path.exists():
        problems.append(Problem(str(path), "(file)", "file not found; check the path in the study file"))
        return {}
    if not path.is_file():
        problems.append(Problem(str(path), "(file)", "is a folder, not a YAML file; give the path of the .yml file"))
        return {}
    try:
        size = path.stat().st_size
        if size > MAX_YAML_BYTES:
            problems.append(Problem(str(path), "(file)", f"{size} bytes; a configuration file is at most "
                                    f"{MAX_YAML_BYTES} bytes - is this the right file?"))
            return {}
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        problems.append(Problem(str(path), "(file)", f"not UTF-8 text (byte {exc.start}); save the file as UTF-8"))
        return {}
    except OSError as exc:
        problems.append(Problem(str(path), "(file)", f"cannot be read ({exc.strerror or exc})"))
        return {}
    try:
        data = yaml.load(text, Loader=_LimitedLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(file)"
        problem = str(getattr(exc, "problem", None) or exc)
        if "'\\t'" in problem:  # PyYAML: "found character '\\t' that cannot start any token"
            problem += " (YAML indents with spaces only; replace the tab characters)"
        problems.append(Problem(str(path), where, f"not valid YAML: {_short_text(problem, 300)}"))
        return {}
    except RecursionError:
        problems.append(Problem(str(path), "(file)", f"not valid YAML: nested too deeply (limit {MAX_YAML_DEPTH})"))
        return {}
    if data is None:
        problems.append(Problem(str(path), "(file)", "the file is empty; expected a mapping of keys"))
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
        """One row per item: item, scale, theme, level, reverse, text (``{lang: statement}``)."""
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
                    "text": dict(item["text"]),
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
        if not isinstance(spec, dict):
            c.add(prefix, "each answer set must be a mapping with level and codes", found=spec)
            continue
        level = c.get(spec, "level", prefix, str, allowed=LEVELS, default="ordinal")
        codes = c.get(spec, "codes", prefix, dict, required=level != "numeric", default={}) or {}
        missing = c.get(spec, "missing", prefix, dict, required=False, default={}) or {}
        for key in list(codes) + list(missing):
            if not isinstance(key, (int, float)) or isinstance(key, bool):
                c.add(f"{prefix}.codes.{key}", "answer codes must be numbers", found=key)
        overlap = set(codes) & set(missing)
        if overlap:
            c.add(f"{prefix}.missing", "a code cannot be both an answer and a missing code", found=sorted(overlap))
        agree = c.get(spec, "agree", prefix, list, required=False, default=[]) or []
        for code in agree:
            if code not in codes:
                c.add(f"{prefix}.agree", "agree code is not an answer code", found=code, allowed=sorted(codes))
        low = c.get(spec, "min", prefix, float, required=False)
        high = c.get(spec, "max", prefix, float, required=False)
        if low is not None and high is not None and low > high:
            c.add(f"{prefix}.min", "larger than max", found=low, allowed=f"at most {high}")
        answer_sets[set_id] = {
            "level": level,
            "codes": codes,
            "missing": missing,
            "agree": agree,
            "min": low,
            "max": high,
        }

    themes = {}
    for theme_id, spec in (c.get(data, "themes", "", dict, default={}) or {}).items():
        if not isinstance(spec, dict):
            c.add(f"themes.{theme_id}", "wrong type", found=spec, allowed="mapping with nl, en")
            continue
        if not spec or not all(isinstance(v, str) for v in spec.values()):
            c.add(f"themes.{theme_id}", "needs a label per report language (text)", found=spec, allowed="e.g. en: Trust")
        themes[theme_id] = {str(k): str(v) for k, v in spec.items()}

    scales = {}
    for scale_id, spec in (c.get(data, "scales", "", dict, default={}) or {}).items():
        prefix = f"scales.{scale_id}"
        if not isinstance(spec, dict):
            c.add(prefix, "each scale must be a mapping with label, theme and min_items", found=spec)
            continue
        c.unknown_keys(spec, {"label", "theme", "min_items", "rescale_0_10", "family"}, prefix)
        theme = c.get(spec, "theme", prefix, str, allowed=list(themes) or None)
        scales[scale_id] = {
            "label": c.labels(spec, "label", prefix),
            "theme": theme,
            "min_items": c.number(spec, "min_items", prefix, whole=True, low=1, required=True, default=1),
            "rescale_0_10": c.get(spec, "rescale_0_10", prefix, bool, required=False, default=False),
            "family": c.get(spec, "family", prefix, str, required=False, default=theme),
        }

    background = {}
    for var, spec in (c.get(data, "background", "", dict, required=False, default={}) or {}).items():
        prefix = f"background.{var}"
        if not isinstance(spec, dict):
            c.add(prefix, "each background variable must be a mapping with column and codes", found=spec)
            continue
        c.unknown_keys(spec, {"column", "privacy", "codes", "label"}, prefix)
        column = c.get(spec, "column", prefix, str, default=var)
        privacy = c.get(spec, "privacy", prefix, str, required=False, default="indirect", allowed=PRIVACY_CLASSES)
        codes = {}
        for code, label in (c.get(spec, "codes", prefix, dict, default={}) or {}).items():
            if not isinstance(label, dict) or not isinstance(label.get("id"), str):
                c.add(f"{prefix}.codes.{code}", "each code needs an id (and nl/en labels)", found=label)
                continue
            if not isinstance(code, (int, float)) or isinstance(code, bool):
                c.add(f"{prefix}.codes.{code}", "answer codes must be numbers", found=code)
                continue
            codes[code] = label
        background[var] = {"column": column, "privacy": privacy, "codes": codes,
                           "label": c.labels(spec, "label", prefix, required=False)}

    identifiers = c.get(data, "identifiers", "", dict, default={}) or {}
    c.unknown_keys(identifiers, {"respondent", "household", "direct"}, "identifiers")
    c.get(identifiers, "respondent", "identifiers", str)
    c.get(identifiers, "household", "identifiers", str, required=False)
    for name in c.get(identifiers, "direct", "identifiers", list, required=False, default=[]) or []:
        if not isinstance(name, str):
            c.add("identifiers.direct", "column names must be text", found=name)

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
        c.get(spec, "column", prefix, str, required=False)
        for wave in c.get(spec, "waves", prefix, list, required=False, default=[]) or []:
            if not isinstance(wave, str):
                c.add(f"{prefix}.waves", "wave ids must be text", found=wave)
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
    """Interview coding frame. ``table``: code, theme, aspect, labels (``{lang: label}``), meta."""

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
    ['code', 'theme', 'aspect', 'labels', 'meta']
    """
    path = Path(path)
    own = problems is None
    problems = [] if own else problems
    n_before = len(problems)
    data = _read_yaml(path, problems)
    if len(problems) > n_before:
        if own:
            raise ConfigError(problems)
        return CodingFrame(path.stem, path, pd.DataFrame(columns=["code", "theme", "aspect", "labels", "meta"]), {})
    c = _Checker(path, problems)
    c.unknown_keys(data, {"coding_frame", "version", "aspects", "codes", "meta_codes"}, "")
    name = c.get(data, "coding_frame", "", str, default=path.stem)
    aspects = c.get(data, "aspects", "", dict, required=False, default=None) or {a: {"nl": a, "en": a} for a in ASPECTS}
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
        label = c.labels(spec, "label", prefix, required=False)
        if theme is None and aspect is None and code is not None:
            c.add(prefix, f"code {code!r} needs a theme, an aspect or both")
        rows.append(
            {
                "code": code,
                "theme": theme,
                "aspect": aspect,
                "labels": {ANY_LANGUAGE: code, **label},  # the code's own name where a language has no label
                "meta": False,
            }
        )
    for code in c.get(data, "meta_codes", "", list, required=False, default=[]) or []:
        if not isinstance(code, str):
            c.add("meta_codes", "code names must be text", found=code)
            continue
        rows.append({"code": str(code), "theme": None, "aspect": None, "labels": {ANY_LANGUAGE: str(code)}, "meta": True})
    table = pd.DataFrame(rows, columns=["code", "theme", "aspect", "labels", "meta"])
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
    strict: bool = False
    limits: InputLimits = field(default_factory=InputLimits)
    screen_names: list[str] = field(default_factory=list)
    screen_streets: list[str] = field(default_factory=list)
    allow_external_paths: bool = False
    #: the study's own words for the report: context paragraph and research questions per language,
    #: and stakeholder-group labels ({group id: {lang: label}})
    context: dict = field(default_factory=dict)
    questions: dict = field(default_factory=dict)
    stakeholder_groups: dict = field(default_factory=dict)
    #: extra language folders of the study (``report.locales``): new languages or replaced wording
    locales: Path | None = None
    #: the evaluator's own texts per language and section (``report.narrative``)
    narrative_dir: Path | None = None
    #: the municipality's name per language (``study.municipality``: a name, or ``{lang: name}``)
    municipality_labels: dict = field(default_factory=dict)
    #: a Word document whose styles the DOCX report takes (``report.reference_docx``; pandoc's reference doc)
    reference_docx: Path | None = None
    #: parameters of a synthetic study's demo site (``demo:``; see :class:`evaluation.demo.Site`)
    demo: dict = field(default_factory=dict)
    #: column names of the interviewee table by role (see INTERVIEWEE_COLUMNS); missing roles use the role name
    interviewee_columns: dict = field(default_factory=dict)
    #: answers in the interviewee table's consent column that mean "this interview may be quoted"
    consent_values: list = field(default_factory=lambda: list(CONSENT_VALUES))
    #: stakeholder groups the survey also asked (``interviews.survey_groups``): the joint display compares only their
    #: interviews with the survey and shows the other groups' view in rows of its own
    survey_groups: list | None = None
    #: publication gate (see the method guide): minimum width of a reader's interval for a hidden
    #: count, and the group size below which "everyone in the group" is disclosive; None = defaults
    privacy_protection: int | None = None
    privacy_protection_interviews: int | None = None
    privacy_small_group: int | None = None
    privacy_small_group_interviews: int | None = None

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
        """The secret key for pseudonyms: from the environment, or the demo key for synthetic studies.

        The fixed ``demo_key`` is only used when every raw file is byte for byte
        one that ``evaluation demo`` generated (SHA-256 recorded in
        ``<raw_dir>.truth.json``), so real data dropped into a synthetic study's
        folder never get guessable pseudonyms.
        """
        key = os.environ.get(self.pseudonym_key_env)
        if key:
            return key.encode("utf-8")
        if self.synthetic and self.demo_key:
            from .demo import check_demo_files

            problem = check_demo_files(self.raw_dir, self.raw_files)
            if problem is None:
                return self.demo_key.encode("utf-8")
            raise ConfigError(
                [
                    Problem(
                        str(self.path),
                        "privacy.demo_key",
                        f"refused: {problem}. The fixed demo key only pseudonymises the files `evaluation demo` "
                        f"generated; regenerate them with `evaluation demo --overwrite`, or set the environment "
                        f"variable {self.pseudonym_key_env} to a long secret",
                    )
                ]
            )
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


_STUDY_KEYS = {"study", "population", "instrument", "waves", "interviews", "privacy", "analysis", "report",
               "strict", "limits", "demo"}
_STUDY_META_KEYS = {"id", "title", "municipality", "area", "synthetic", "raw_dir", "processed_dir", "reports_dir",
                    "external_raw_dir", "allow_external_paths"}


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
        if not problems:
            problems.append(Problem(str(path), "(file)", "no keys; a study file needs study, instrument and waves"))
        raise ConfigError(problems)
    c = _Checker(path, problems)
    c.unknown_keys(data, _STUDY_KEYS, "")
    base = path.parent

    def resolve(value):
        return (base / value).resolve() if isinstance(value, str) else None

    meta = c.get(data, "study", "", dict, default={}) or {}
    c.unknown_keys(meta, _STUDY_META_KEYS, "study")
    study_id = c.get(meta, "id", "study", str, default=path.stem)
    if isinstance(study_id, str) and not (study_id and all(ch.isalnum() or ch in "-_" for ch in study_id)):
        c.add("study.id", "use letters, digits, '-' and '_' only (it becomes a folder name)", found=study_id)
    title = c.labels(meta, "title", "study")
    # a name, or one per language where it differs (e.g. {nl: Den Haag, en: The Hague})
    municipality_labels = c.labels(meta, "municipality", "study", required=False) or {}
    municipality = next(iter(municipality_labels.values()), "")
    area = c.get(meta, "area", "study", str, required=False, default="")
    synthetic = c.get(meta, "synthetic", "study", bool, required=False, default=False)
    external_raw = c.get(meta, "external_raw_dir", "study", bool, required=False, default=False)
    external = c.get(meta, "allow_external_paths", "study", bool, required=False, default=False)
    external_raw = external_raw or external
    root = _project_root(path)
    raw_dir = resolve(c.get(meta, "raw_dir", "study", str, required=False)) or root / "data" / "raw" / str(study_id)
    processed_dir = resolve(c.get(meta, "processed_dir", "study", str, required=False)) or root / "data" / "processed" / str(study_id)
    reports_dir = resolve(c.get(meta, "reports_dir", "study", str, required=False)) or root / "reports" / str(study_id)
    if not external_raw and not _inside(raw_dir, root):
        c.add("study.raw_dir", f"outside the project folder {root}; keep raw data in data/raw/<study>, or - for a "
              "secured share that must stay outside - set study.external_raw_dir: true", found=str(raw_dir))
    for key, folder in (("processed_dir", processed_dir), ("reports_dir", reports_dir)):
        if not external and not _inside(folder, root):
            c.add(f"study.{key}", f"outside the project folder {root}; outputs are written inside the project "
                  "(set study.allow_external_paths: true only if this folder is meant to be elsewhere)",
                  found=str(folder))
        elif _inside(folder, raw_dir) or _inside(raw_dir, folder) or _inside(folder, root / "data" / "raw"):
            c.add(f"study.{key}", "overlaps the raw-data folder; nothing may be written into data/raw",
                  found=str(folder), allowed=f"a folder outside {raw_dir}")

    def raw_file(mapping, key, prefix, *, required=True):
        """A file named inside raw_dir: no absolute paths, no '..', not a folder."""
        name = c.get(mapping, key, prefix, str, required=required)
        if name is None:
            return None
        full = f"{prefix}.{key}"
        target = (raw_dir / name).resolve()
        if not name.strip() or not (_inside(target, raw_dir) or external) or target == raw_dir:
            c.add(full, f"must name a file inside the raw-data folder {raw_dir} (a file elsewhere only with "
                  "study.allow_external_paths: true)", found=name,
                  allowed="a file name such as survey.csv (no absolute path, no '..')")
            return None
        if target.is_dir():
            c.add(full, f"{target} is a folder; name the exported file itself", found=name)
            return None
        return target if external else raw_dir / name

    population = c.get(data, "population", "", dict, required=False, default={}) or {}
    c.unknown_keys(population, {"unit", "size", "residents", "margins"}, "population")
    c.get(population, "unit", "population", str, required=False)
    size = c.number(population, "size", "population", whole=True, low=1)
    residents = c.number(population, "residents", "population", whole=True, low=1)
    margins = c.get(population, "margins", "population", dict, required=False, default={}) or {}
    for var, targets in list(margins.items()):
        if not isinstance(targets, dict) or not targets:
            c.add(f"population.margins.{var}", "must map each category to its population count", found=targets)
            margins.pop(var)
            continue
        for category in targets:
            c.number(targets, category, f"population.margins.{var}", whole=True, low=0, required=True)

    wave_specs = c.get(data, "waves", "", list, required=False, default=[]) or []
    # a survey needs an instrument; a study of interviews only has neither
    instrument_path = resolve(c.get(data, "instrument", "", str, required=bool(wave_specs)))
    instrument = load_instrument(instrument_path, problems) if instrument_path else None
    if instrument is None:
        instrument = Instrument("none", path, {}, {}, {}, {}, {}, [])
    if not wave_specs and data.get("interviews") is None:
        c.add("waves", "a study needs survey waves, interviews or both", found=0,
              allowed="a list of waves (id, file), and/or an interviews: section")

    waves = []
    for index, spec in enumerate(wave_specs):
        prefix = f"waves[{index}]"
        if not isinstance(spec, dict):
            c.add(prefix, "each wave must be a mapping with id and file", found=spec)
            continue
        c.unknown_keys(spec, {"id", "label", "date", "invited", "file", "sheet", "rename"}, prefix)
        wave_id = c.get(spec, "id", prefix, str)
        file = raw_file(spec, "file", prefix)
        sheet = c.get(spec, "sheet", prefix, (str, int), required=False)
        if isinstance(sheet, int) and sheet < 0:
            c.add(f"{prefix}.sheet", "sheet numbers count from 0", found=sheet)
        rename = c.get(spec, "rename", prefix, dict, required=False, default={}) or {}
        for old, new in rename.items():
            if not isinstance(old, str) or not isinstance(new, str):
                c.add(f"{prefix}.rename", "maps a column name in the file to a codebook name (both text)",
                      found={old: new})
        waves.append(
            Wave(
                id=wave_id,
                label=c.labels(spec, "label", prefix, required=False) or {ANY_LANGUAGE: str(wave_id)},
                file=file if file is not None else raw_dir,
                invited=c.number(spec, "invited", prefix, whole=True, low=1),
                date=str(spec.get("date")) if spec.get("date") is not None else None,
                sheet=sheet,
                rename=rename,
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
            for category in targets:
                if category not in known:
                    c.add(f"population.margins.{var}.{category}", "unknown category", allowed=", ".join(sorted(known)))

    interviews = c.get(data, "interviews", "", dict, required=False, default=None)
    codings_file = interviewees_file = frame = approved_code = None
    interviewee_columns, consent_values, survey_groups = {}, list(CONSENT_VALUES), None
    if interviews is not None:
        c.unknown_keys(interviews, {"codings", "interviewees", "coding_frame", "approved_code", "interviewee_columns",
                                    "consent_values", "survey_groups"}, "interviews")
        survey_groups = c.get(interviews, "survey_groups", "interviews", list, required=False, default=None)
        if survey_groups is not None:
            if not survey_groups or not all(isinstance(g, str) and g.strip() for g in survey_groups):
                c.add("interviews.survey_groups", "list the stakeholder groups (ids as in the interviewee table) "
                      "whose members the survey also asked, e.g. [resident]", found=survey_groups)
                survey_groups = None
            else:
                survey_groups = [g.strip() for g in survey_groups]
        columns = c.get(interviews, "interviewee_columns", "interviews", dict, required=False, default={}) or {}
        c.unknown_keys(columns, set(INTERVIEWEE_COLUMNS), "interviews.interviewee_columns")
        for role in INTERVIEWEE_COLUMNS:
            name = c.get(columns, role, "interviews.interviewee_columns", str, required=False)
            if name is not None:
                interviewee_columns[role] = name
        values = c.get(interviews, "consent_values", "interviews", list, required=False, default=None)
        if values is not None:
            consent_values = [str(v).strip().lower() for v in values if str(v).strip()]
            if not consent_values:
                c.add("interviews.consent_values", "must list at least one answer that means 'may be quoted'")
        codings_file = raw_file(interviews, "codings", "interviews")
        interviewees_file = raw_file(interviews, "interviewees", "interviews", required=False)
        frame_path = resolve(c.get(interviews, "coding_frame", "interviews", str))
        themes = instrument.themes if instrument is not None else None
        frame = load_coding_frame(frame_path, problems, themes=themes) if frame_path else None
        approved_code = c.get(interviews, "approved_code", "interviews", str, required=False)

    privacy = c.get(data, "privacy", "", dict, required=False, default={}) or {}
    gate_keys = ("protection", "protection_interviews", "small_group", "small_group_interviews")
    c.unknown_keys(privacy, {"min_cell", "min_cell_interviews", "round_to", "pseudonym_key_env", "demo_key",
                             "screen_names", "screen_streets", *gate_keys}, "privacy")
    screen = {}
    for key in ("screen_names", "screen_streets"):
        screen[key] = c.get(privacy, key, "privacy", list, required=False, default=[]) or []
        for value in screen[key]:
            if not isinstance(value, str) or not value.strip():
                c.add(f"privacy.{key}", "each entry must be a name (text)", found=value)
        screen[key] = [v.strip() for v in screen[key] if isinstance(v, str) and v.strip()]
    low, high = MIN_CELL_RANGE
    min_cell = c.number(privacy, "min_cell", "privacy", whole=True, low=low, high=high, default=10)
    min_cell_interviews = c.number(privacy, "min_cell_interviews", "privacy", whole=True, low=low, high=high, default=3)
    round_to = c.number(privacy, "round_to", "privacy", whole=True, low=1, high=high)
    gate = {f"privacy_{k}": c.number(privacy, k, "privacy", whole=True, low=1, high=high) for k in gate_keys}
    key_env = c.get(privacy, "pseudonym_key_env", "privacy", str, required=False, default="EVALUATION_PSEUDONYM_KEY")
    if isinstance(key_env, str) and not (key_env and key_env.replace("_", "a").isalnum() and key_env.isascii()
                                         and not key_env[0].isdigit()):
        c.add("privacy.pseudonym_key_env", "must be the name of an environment variable (letters, digits, '_')",
              found=key_env)
    demo_key = c.get(privacy, "demo_key", "privacy", str, required=False)
    if demo_key and not synthetic:
        c.add("privacy.demo_key", "a fixed key is only allowed for synthetic studies (study.synthetic: true); "
              "remove it and set the environment variable named in privacy.pseudonym_key_env")

    analysis = c.get(data, "analysis", "", dict, required=False, default={}) or {}
    c.unknown_keys(analysis, {"confidence", "finite_population_correction", "adjust", "groups"}, "analysis")
    confidence = c.number(analysis, "confidence", "analysis", low=0.5, high=1, high_open=True, default=0.95,
                          hint=lambda x: f"a level such as 0.95; did you mean {x / 100:g}?" if 50 <= x < 100 else
                          "a level such as 0.95")
    fpc = c.get(analysis, "finite_population_correction", "analysis", bool, required=False, default=True)
    adjust = c.get(analysis, "adjust", "analysis", str, required=False, default="holm", allowed=ADJUST_METHODS)
    groups = c.get(analysis, "groups", "analysis", list, required=False, default=[]) or []
    for g in groups:
        if not isinstance(g, str):
            c.add("analysis.groups", "background variable names must be text", found=g)
        elif instrument is not None and instrument.items and g not in instrument.background:
            c.add("analysis.groups", "not a background variable of the instrument", found=g, allowed=", ".join(instrument.background))

    report = c.get(data, "report", "", dict, required=False, default={}) or {}
    c.unknown_keys(report, {"languages", "timeline", "context", "questions", "stakeholder_groups", "locales", "narrative",
                            "reference_docx"}, "report")
    reference_docx = None
    raw_reference = c.get(report, "reference_docx", "report", str, required=False)
    if raw_reference:
        reference_docx = (path.parent / raw_reference).resolve()
        if reference_docx.suffix.lower() != ".docx" or not reference_docx.is_file():
            c.add("report.reference_docx", "not an existing .docx file: give a Word document whose styles (fonts, "
                  "colours, headings, page) the report's DOCX takes, e.g. the municipality's house style",
                  found=raw_reference, allowed="a .docx file relative to the study file")
            reference_docx = None
    narrative_dir = path.parent / f"{path.stem}.narrative"
    raw_narrative = c.get(report, "narrative", "report", str, required=False)
    if raw_narrative:
        narrative_dir = (path.parent / raw_narrative).resolve()
    from .report.i18n import languages as known_languages

    locales_dir = None
    raw_locales = c.get(report, "locales", "report", str, required=False)
    if raw_locales:
        locales_dir = (path.parent / raw_locales).resolve()
        if not locales_dir.is_dir():
            c.add("report.locales", "folder not found (it holds one folder per language, e.g. fr/locale.yml)",
                  found=raw_locales, allowed="a folder relative to the study file")
            locales_dir = None
    available = known_languages(extra=[locales_dir] if locales_dir else ())
    languages = c.get(report, "languages", "report", list, required=False, default=None) or list(LANGUAGES)
    for lang in languages:
        if not isinstance(lang, str) or lang not in available:
            c.add("report.languages", "unsupported language: no language folder for it (see report.locales)",
                  found=lang, allowed=", ".join(available))
    context = c.labels(report, "context", "report", required=False)
    questions = {}
    raw_questions = c.get(report, "questions", "report", dict, required=False, default={}) or {}
    for lang, items in raw_questions.items():
        if lang not in available or not isinstance(items, list) or not all(isinstance(q, str) for q in items):
            c.add(f"report.questions.{lang}", "must be a list of research questions (text) per report language",
                  found=items, allowed=", ".join(available))
            continue
        questions[lang] = [q.strip() for q in items if q.strip()]
    stakeholder_groups = {}
    raw_groups = c.get(report, "stakeholder_groups", "report", dict, required=False, default={}) or {}
    for group, label in raw_groups.items():
        stakeholder_groups[str(group)] = c.labels(raw_groups, group, "report.stakeholder_groups")
    timeline = c.get(report, "timeline", "report", list, required=False, default=[]) or []
    for index, event in enumerate(timeline):
        prefix = f"report.timeline[{index}]"
        if not isinstance(event, dict):
            c.add(prefix, "each event must be a mapping with a date and a text per report language", found=event)
            continue
        c.unknown_keys(event, {"date", *available}, prefix)
        for lang in languages:
            c.get(event, lang, prefix, str, required=False)

    strict = c.get(data, "strict", "", bool, required=False, default=False)
    limits = _limits(c, c.get(data, "limits", "", dict, required=False, default={}) or {})
    demo = c.get(data, "demo", "", dict, required=False, default={}) or {}
    if demo:
        if not synthetic:
            c.add("demo", "only a synthetic study (study.synthetic: true) can describe a demo site")
        else:
            from .demo import Site

            try:
                Site.from_mapping({"id": study_id, **demo})
            except (TypeError, ValueError, KeyError) as exc:
                c.add("demo", f"not a valid demo site: {exc}")
    _check_labels(problems, languages, instrument=instrument, study_checker=c,
                  stakeholder_groups=stakeholder_groups, context=context)

    if problems:
        raise ConfigError(problems)
    return Study(
        id=study_id,
        path=path,
        title=title,
        municipality=municipality,
        municipality_labels=municipality_labels,
        area=area,
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
        interviewee_columns=interviewee_columns,
        context=context,
        questions=questions,
        stakeholder_groups=stakeholder_groups,
        locales=locales_dir,
        narrative_dir=narrative_dir,
        reference_docx=reference_docx,
        demo=demo,
        consent_values=consent_values,
        survey_groups=survey_groups,
        min_cell=min_cell,
        min_cell_interviews=min_cell_interviews,
        round_to=round_to,
        pseudonym_key_env=key_env,
        demo_key=demo_key,
        confidence=confidence,
        fpc=fpc,
        adjust=adjust,
        groups=groups,
        languages=languages,
        timeline=list(timeline),
        strict=bool(strict),
        limits=limits,
        screen_names=screen["screen_names"],
        screen_streets=screen["screen_streets"],
        allow_external_paths=bool(external),
        **gate,
    )


def has_label(mapping, lang: str) -> bool:
    """Whether a label mapping has text for ``lang`` (a plain-text label holds for every language)."""
    return isinstance(mapping, dict) and bool(mapping.get(lang) or mapping.get(ANY_LANGUAGE))


def label_for(mapping, lang: str, default: str = "") -> str:
    """The text of a label mapping in ``lang`` (a plain-text label holds for every language).

    Examples
    --------
    >>> label_for({"nl": "Vertrouwen", "en": "Trust"}, "en"), label_for({ANY_LANGUAGE: "Kohesion"}, "nl")
    ('Trust', 'Kohesion')
    """
    if not isinstance(mapping, dict):
        return str(mapping) if mapping is not None else default
    return mapping.get(lang) or mapping.get(ANY_LANGUAGE) or default


def _check_labels(problems, languages, *, instrument, study_checker, stakeholder_groups, context) -> None:
    """Every label the report shows exists in every report language (and only those are required)."""
    langs = [x for x in languages if isinstance(x, str)]
    if instrument is not None:
        ci = _Checker(instrument.path, problems)
        for lang in langs:
            for theme, spec in instrument.themes.items():
                if not has_label(spec, lang):
                    ci.add(f"themes.{theme}.{lang}", f"label missing for report language {lang}")
            for scale, spec in instrument.scales.items():
                if not has_label(spec["label"], lang):
                    ci.add(f"scales.{scale}.label.{lang}", f"label missing for report language {lang}")
            for item in instrument.items:
                if not has_label(item.get("text"), lang):
                    ci.add(f"items ({item.get('id')}).text.{lang}", f"statement missing for report language {lang}")
            for set_id, spec in instrument.answer_sets.items():
                for code, label in spec["codes"].items():
                    if isinstance(label, dict) and not has_label(label, lang):
                        ci.add(f"answer_sets.{set_id}.codes.{code}.{lang}", f"answer label missing for report language {lang}")
    for lang in langs:
        for group, label in stakeholder_groups.items():
            if not has_label(label, lang):
                study_checker.add(f"report.stakeholder_groups.{group}.{lang}", f"label missing for report language {lang}")
        if context and not has_label(context, lang):
            study_checker.add(f"report.context.{lang}", f"context text missing for report language {lang}")


def _limits(c: _Checker, spec: dict) -> InputLimits:
    """The ``limits:`` section: positive numbers overriding :class:`InputLimits` defaults."""
    c.unknown_keys(spec, set(LIMIT_KEYS), "limits")
    values = {}
    for key in LIMIT_KEYS:
        whole = key not in ("max_file_mb", "max_unpacked_mb", "max_ratio", "max_xml_mb")
        low = 1 if key == "max_ratio" else 0
        value = c.number(spec, key, "limits", whole=whole, low=low, low_open=key != "max_ratio")
        if value is not None:
            values[key] = value
    return InputLimits(**values)


def _inside(path: Path, folder: Path) -> bool:
    """Whether ``path`` is ``folder`` or lies under it (both resolved, symlinks followed)."""
    return Path(path).resolve().is_relative_to(Path(folder).resolve())


def _project_root(path: Path) -> Path:
    """The project folder of a configuration file.

    The nearest parent with ``pyproject.toml`` or with both ``config/`` and
    ``data/``; else the parent of the ``config/`` folder the file lies in; else
    the file's own folder.
    """
    for parent in path.parents:
        if (parent / "pyproject.toml").exists() or (parent / "config").is_dir() and (parent / "data").is_dir():
            return parent
    for parent in path.parents:
        if parent.name == "config":
            return parent.parent
    return path.parent

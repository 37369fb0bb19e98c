"""Report language: catalogs per language, Jinja2 text templates and locale number formatting.

Every word the report writes lives in a *language folder*, not in Python::

    locales/<lang>/locale.yml    how numbers, intervals, lists and quotes are written (Babel locale)
    locales/<lang>/labels.yml    short labels: headers, captions, category names
    locales/<lang>/sections.yml  section headings
    locales/<lang>/text.yml      prose: fixed text and the sentences generated from results

A part may be split over several files (``text-synthesis.yml`` beside ``text.yml``).

The package brings ``nl`` and ``en``. A study can add a language, or replace any
entry of one, with its own folders (``report.locales`` in the study file, see
:func:`use_locales`): adding a language is adding one folder, with no Python change.

Entries are Jinja2 templates. In prose (:func:`say`) every value filled in is made
literal Markdown (:func:`evaluation.report.escape.md_literal`) unless a number filter
formatted it, so text from data or configuration never becomes markup. Numbers stay
numbers until a template formats them with the locale's filters (``num``, ``int``,
``pct``, ``ci``, ``p``, ``signed``); halves are rounded away from zero (44.5 → 45).
"""
from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["t", "say", "heading", "fmt_num", "fmt_pct", "fmt_ci", "fmt_p", "fmt_int", "check_lang", "languages",
           "use_locales", "decimal_mark", "listing", "catalog", "Safe"]

#: The package's own language folders.
PACKAGE_LOCALES = Path(__file__).parent / "locales"
#: The parts of a language folder (``locale`` holds formatting, the others text).
PARTS = ("locale", "labels", "sections", "text")

_extra: tuple[Path, ...] = ()


class Safe(str):
    """Text a template may insert as it is (already formatted or escaped)."""


def use_locales(*folders) -> None:
    """Search these folders (each holding ``<lang>/`` folders) before the package's own.

    A study's ``report.locales`` points here: a folder with a new language adds that
    language; a folder for ``nl`` or ``en`` with only some keys replaces just those.

    Examples
    --------
    >>> use_locales()  # back to the package's languages only
    >>> languages()
    ('en', 'nl')
    """
    global _extra
    new = tuple(Path(f).resolve() for f in folders if f)
    if new != _extra:
        _extra = new
        _load.cache_clear()
        _env.cache_clear()
        _template.cache_clear()


def _search_path() -> tuple[Path, ...]:
    return (PACKAGE_LOCALES, *_extra)  # later folders override earlier ones


def languages(extra=()) -> tuple[str, ...]:
    """Language codes with a ``locale.yml`` in the package or in ``extra`` / :func:`use_locales` folders."""
    found = set()
    for base in (*_search_path(), *(Path(e) for e in extra)):
        if base.is_dir():
            found |= {p.parent.name for p in base.glob("*/locale.yml")}
    return tuple(sorted(found))


def check_lang(lang: str) -> str:
    """Return ``lang`` if a language folder exists for it, else raise a ValueError naming the choices."""
    if not isinstance(lang, str) or lang not in languages():
        raise ValueError(f"lang={lang!r} is not supported; use one of {', '.join(languages())} "
                         "(or add a language folder, see report.locales)")
    return lang


@lru_cache(maxsize=None)
def _load(lang: str) -> dict[str, dict]:
    import yaml

    merged: dict[str, dict] = {part: {} for part in PARTS}
    for base in _search_path():
        for part in PARTS:
            # a part may be split over files: text.yml, text-synthesis.yml … (merged in name order)
            paths = [base / lang / f"{part}.yml", *sorted((base / lang).glob(f"{part}-*.yml"))]
            for path in paths:
                if path.is_file():
                    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
                    if not isinstance(data, dict):
                        raise ValueError(f"{path}: must be a mapping of keys to text")
                    merged[part].update({str(k): v for k, v in data.items()})
    if not merged["locale"]:
        raise ValueError(f"no locale.yml for language {lang!r} in {', '.join(str(p) for p in _search_path())}")
    return merged


def catalog(lang: str) -> dict[str, dict]:
    """The merged catalog of a language: ``{"locale": …, "labels": …, "sections": …, "text": …}``."""
    return _load(check_lang(lang))


# --------------------------------------------------------------------------- numbers


def _missing(x) -> bool:
    return x is None or x is pd.NA or (isinstance(x, (float, np.floating)) and math.isnan(x))


def _half_up(value: float, digits: int) -> Decimal:
    """Round halves away from zero, as readers expect (44.5 → 45), not to even.

    The value is first taken to 10 significant decimals, so that float noise such as
    ``100 * 0.445 = 44.50000000000001`` rounds as the number it stands for.

    Examples
    --------
    >>> [float(_half_up(v, d)) for v, d in ((44.5, 0), (0.125, 2), (-2.5, 0), (100 * 0.445, 0))]
    [45.0, 0.13, -3.0, 45.0]
    """
    exact = Decimal(repr(round(float(value), 10)))
    return exact.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)


def _babel_locale(lang: str) -> str:
    return str(catalog(lang)["locale"].get("babel", "en"))


def fmt_num(x, digits: int = 1, lang: str = "nl", *, sign: bool = False) -> str:
    """Format a number in the report language ("–" for missing; minus sign U+2212).

    Examples
    --------
    >>> fmt_num(1234.56, 1, "nl"), fmt_num(1234.56, 1, "en"), fmt_num(0.25, 2, "nl", sign=True)
    ('1.234,6', '1,234.6', '+0,25')
    """
    from babel.numbers import format_decimal

    if _missing(x):
        return "–"
    if not np.isfinite(float(x)):
        return "∞" if float(x) > 0 else "\u2212∞"
    value = _half_up(x, digits)
    pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "")
    text = format_decimal(abs(value), format=pattern, locale=_babel_locale(lang))
    if value < 0:
        return "\u2212" + text
    return ("+" + text) if sign and value != 0 else text


def fmt_int(x, lang: str = "nl") -> str:
    """Whole number with the language's thousands separator."""
    return fmt_num(x, 0, lang)


def fmt_pct(x, digits: int = 0, lang: str = "nl") -> str:
    """A share (0-1) as a percentage.

    Examples
    --------
    >>> fmt_pct(0.456, 0, "nl"), fmt_pct(0.456, 1, "en"), fmt_pct(0.445, 0, "en")
    ('46%', '45.6%', '45%')
    """
    if _missing(x):
        return "–"
    return _render_plain(catalog(lang)["locale"].get("percent", "{{value}}%"), value=fmt_num(100 * x, digits, lang))


def fmt_ci(low, high, digits: int = 2, lang: str = "nl") -> str:
    """A confidence interval in the language's one notation, e.g. ``[0,12; 0,48]`` (nl) or ``[0.12, 0.48]`` (en).

    Examples
    --------
    >>> fmt_ci(0.123, 0.481, 2, "nl"), fmt_ci(0.123, 0.481, 2, "en")
    ('[0,12; 0,48]', '[0.12, 0.48]')
    """
    return _render_plain(catalog(lang)["locale"]["ci"], low=fmt_num(low, digits, lang), high=fmt_num(high, digits, lang))


def fmt_p(p, lang: str = "nl") -> str:
    """A p-value: three decimals, ``< 0.001`` below that.

    Examples
    --------
    >>> fmt_p(0.0004, "nl"), fmt_p(0.0312, "en")
    ('< 0,001', '0.031')
    """
    if _missing(p):
        return "–"
    return "< " + fmt_num(0.001, 3, lang) if p < 0.001 else fmt_num(p, 3, lang)


def decimal_mark(lang: str) -> str:
    """The language's decimal mark (for figure tick labels)."""
    from babel.numbers import get_decimal_symbol

    return get_decimal_symbol(_babel_locale(lang))


def listing(items, lang: str) -> str:
    """'a, b and c' in the report language (empty items dropped)."""
    items = [str(i) for i in items if i]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + catalog(lang)["locale"].get("and", ", ") + items[-1]


# --------------------------------------------------------------------------- templates


@lru_cache(maxsize=None)
def _env(lang: str, markdown: bool):
    """A Jinja2 environment for one language; in Markdown mode every value is made literal."""
    import jinja2

    from .escape import md_literal

    def finalize(value):
        if isinstance(value, Safe):
            return value
        if isinstance(value, (bool, np.bool_)):
            value = str(value)
        elif isinstance(value, (int, np.integer)):
            return Safe(fmt_int(value, lang))
        elif isinstance(value, (float, np.floating)):
            return Safe(fmt_num(value, 2, lang))
        if value is None:
            return ""
        return md_literal(value) if markdown else str(value)

    env = jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False, finalize=finalize,
                             trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=False)
    safe = lambda f: (lambda *a, **k: Safe(f(*a, **k)))  # noqa: E731
    env.filters.update({
        "num": safe(lambda x, digits=2: fmt_num(x, digits, lang)),
        "signed": safe(lambda x, digits=2: fmt_num(x, digits, lang, sign=True)),
        "abs_num": safe(lambda x, digits=2: fmt_num(abs(x), digits, lang)),
        "int": safe(lambda x: fmt_int(x, lang)),
        "pct": safe(lambda x, digits=0: fmt_pct(x, digits, lang)),
        "pp": safe(lambda x, digits=0: fmt_num(100 * x, digits, lang, sign=True)),
        "ci": safe(lambda pair, digits=2: fmt_ci(pair[0], pair[1], digits, lang)),
        "p": safe(lambda x: fmt_p(x, lang)),
        "listing": safe(lambda items: listing([i if isinstance(i, Safe) else (md_literal(i) if markdown else str(i))
                                               for i in items], lang)),
        "quoted": safe(lambda text: _render_plain(catalog(lang)["locale"].get("quote", "\"{{text}}\""),
                                                  text=md_literal(text) if markdown else text)),
        "md": safe(lambda text: md_literal(text) if markdown else str(text)),
        "label": lambda key, **values: Safe(t(key, lang, **values)) if not markdown else md_literal(t(key, lang, **values)),
    })
    return env


@lru_cache(maxsize=4096)
def _template(lang: str, markdown: bool, source: str):
    return _env(lang, markdown).from_string(source)


def _render_plain(source: str, **values) -> str:
    import jinja2

    return jinja2.Environment(undefined=jinja2.StrictUndefined, autoescape=False).from_string(source).render(**values)


def t(key, lang: str, **values) -> str:
    """A short label in the report language; an id without a label is returned as it is (data values pass through).

    Examples
    --------
    >>> t("social_rent", "nl") == "social_rent", t("suppressed", "en", n=10), t("wave", "nl")
    (True, '<10', 'Meting')
    """
    entry = catalog(lang)["labels"].get(str(key))
    if entry is None:
        return str(key)
    return _template(lang, False, str(entry)).render(**values) if "{" in str(entry) else str(entry)


def say(key: str, lang: str, **values) -> str:
    """Prose (Markdown) from the language's ``text.yml``, with values filled in and made literal.

    Raises
    ------
    KeyError
        When the language has no entry ``key`` (the message names the language folders searched).

    Examples
    --------
    >>> say("timeline", "en")
    'Timeline of the pilot'
    """
    entries = catalog(lang)["text"]
    if key not in entries:
        raise KeyError(f"no text {key!r} for language {lang!r} in {', '.join(str(p) for p in _search_path())}")
    return _template(lang, True, str(entries[key])).render(**values).strip()


def has_text(key: str, lang: str) -> bool:
    """Whether the language has a prose entry ``key``."""
    return key in catalog(lang)["text"]


def heading(key: str, lang: str, level: int = 2) -> str:
    """Markdown heading for a report section.

    Examples
    --------
    >>> heading("response", "en")
    '## Response and representativeness'
    """
    return "#" * level + " " + str(catalog(lang)["sections"][key])

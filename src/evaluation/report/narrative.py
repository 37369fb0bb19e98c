"""Sentences generated from results tables, in Dutch and English.

Every number in a sentence is read from a results table passed in and formatted
with :mod:`evaluation.report.i18n`; nothing is typed by hand.
"""
from __future__ import annotations

import pandas as pd

from .i18n import check_lang, fmt_int, fmt_pct, t

__all__ = ["timeline_table", "method_design", "response"]


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


def method_design(ctx) -> str:
    """The design paragraph with the study's own numbers (population, wave dates, interviews)."""
    from .texts import text

    study = ctx.study
    n_interviews = int(ctx.interviewees["case"].nunique()) if study.codings_file is not None else 0
    return text(
        "method_design", ctx.lang,
        population=fmt_int(study.population_size, ctx.lang) if study.population_size else "–",
        before=study.waves[0].date or ctx.label(study.waves[0].label),
        after=study.waves[-1].date or ctx.label(study.waves[-1].label),
        n_interviews=fmt_int(n_interviews, ctx.lang),
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

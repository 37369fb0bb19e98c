"""Report language: labels in Dutch and English and number formatting.

The Dutch edition uses a decimal comma and a point as thousands separator
(``1.234,5``); English uses ``1,234.5``. Every number in the report passes
through these functions, so no number is typed by hand.
"""
from __future__ import annotations

import math

import pandas as pd

__all__ = ["LABELS", "t", "fmt_num", "fmt_pct", "fmt_ci", "fmt_p", "fmt_int", "check_lang"]

LANGS = ("nl", "en")

LABELS: dict[str, dict[str, str]] = {
    # waves, groups, generic
    "wave": {"nl": "Meting", "en": "Wave"},
    "before": {"nl": "Nulmeting", "en": "Baseline"},
    "after": {"nl": "Eindmeting", "en": "Follow-up"},
    "both": {"nl": "Beide metingen", "en": "Both waves"},
    "tenure": {"nl": "Woonvorm", "en": "Tenure"},
    "owner": {"nl": "Koopwoning", "en": "Owner-occupied"},
    "social_rent": {"nl": "Sociale huur", "en": "Social rent"},
    "private_rent": {"nl": "Particuliere huur", "en": "Private rent"},
    "age_group": {"nl": "Leeftijd", "en": "Age group"},
    "total": {"nl": "Totaal", "en": "Total"},
    "population": {"nl": "Woningen", "en": "Homes"},
    "respondents": {"nl": "Respondenten", "en": "Respondents"},
    "households": {"nl": "Huishoudens", "en": "Households"},
    "response_rate": {"nl": "Respons", "en": "Response"},
    "panel": {"nl": "In beide metingen", "en": "In both waves"},
    "share_respondents": {"nl": "Aandeel in respons", "en": "Share of respondents"},
    "share_population": {"nl": "Aandeel in straat", "en": "Share of street"},
    "suppressed": {"nl": "<{n}", "en": "<{n}"},
    "resident": {"nl": "Bewoners", "en": "Residents"},
    "entrepreneur": {"nl": "Ondernemers", "en": "Entrepreneurs"},
    "municipal_staff": {"nl": "Gemeentemedewerkers", "en": "Municipal staff"},
    "partner": {"nl": "Partners", "en": "Partners"},
    "unknown": {"nl": "Onbekend", "en": "Unknown"},
    "opportunity": {"nl": "Kans", "en": "Opportunity"},
    "strength": {"nl": "Kracht", "en": "Strength"},
    "limitation": {"nl": "Beperking", "en": "Limitation"},
    "caption_response": {
        "nl": "Respons per meting en woonvorm, vergeleken met de woningen in de straat",
        "en": "Response per wave and tenure type, compared with the homes in the street",
    },
    "caption_response_fig": {
        "nl": "Respons (% van de woningen) per woonvorm en meting; boven elke staaf het aantal woningen dat meedeed.",
        "en": "Response (% of homes) per tenure type and wave; above each bar the number of homes that took part.",
    },
    "alt_response": {
        "nl": "Staafdiagram van de respons per woonvorm bij de nulmeting en de eindmeting.",
        "en": "Bar chart of response per tenure type at baseline and follow-up.",
    },
    "group": {"nl": "Groep", "en": "Group"},
    "date": {"nl": "Datum", "en": "Date"},
    "activity": {"nl": "Activiteit", "en": "Activity"},
    "synthetic_banner": {
        "nl": "Synthetische gegevens: dit rapport is gemaakt met een verzonnen voorbeeldstudie, niet met echte bewoners.",
        "en": "Synthetic data: this report was made from an invented example study, not from real residents.",
    },
}


def check_lang(lang: str) -> str:
    """Return ``lang`` if supported, else raise a ValueError naming the choices."""
    if lang not in LANGS:
        raise ValueError(f"lang={lang!r} is not supported; use one of {', '.join(LANGS)}")
    return lang


def t(key: str, lang: str, **values) -> str:
    """Translate a label id; unknown ids are returned unchanged (so data values pass through).

    Examples
    --------
    >>> t("social_rent", "nl"), t("suppressed", "en", n=10)
    ('Sociale huur', '<10')
    """
    entry = LABELS.get(key)
    text = entry[check_lang(lang)] if entry else str(key)
    return text.format(**values) if values else text


def _swap(text: str, lang: str) -> str:
    if lang == "nl":
        return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return text


def _missing(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x)) or x is pd.NA


def fmt_num(x, digits: int = 1, lang: str = "nl", *, sign: bool = False) -> str:
    """Format a number in the report language ("–" for missing).

    Examples
    --------
    >>> fmt_num(1234.56, 1, "nl"), fmt_num(1234.56, 1, "en"), fmt_num(0.25, 2, "nl", sign=True)
    ('1.234,6', '1,234.6', '+0,25')
    """
    if _missing(x):
        return "–"
    value = round(float(x), digits) + 0.0  # + 0.0 turns -0.0 into 0.0
    text = f"{value:{'+' if sign and value != 0 else ''},.{digits}f}"
    return _swap(text, lang).replace("-", "\u2212")


def fmt_int(x, lang: str = "nl") -> str:
    """Whole number with the language's thousands separator."""
    return fmt_num(x, 0, lang)


def fmt_pct(x, digits: int = 0, lang: str = "nl") -> str:
    """A share (0-1) as a percentage.

    Examples
    --------
    >>> fmt_pct(0.456, 0, "nl"), fmt_pct(0.456, 1, "en")
    ('46%', '45.6%')
    """
    return "–" if _missing(x) else fmt_num(100 * x, digits, lang) + "%"


def fmt_ci(low, high, digits: int = 2, lang: str = "nl") -> str:
    """A confidence interval, e.g. ``[0,12; 0,48]`` (nl) or ``[0.12, 0.48]`` (en).

    Examples
    --------
    >>> fmt_ci(0.123, 0.481, 2, "nl"), fmt_ci(0.123, 0.481, 2, "en")
    ('[0,12; 0,48]', '[0.12, 0.48]')
    """
    sep = "; " if lang == "nl" else ", "
    return f"[{fmt_num(low, digits, lang)}{sep}{fmt_num(high, digits, lang)}]"


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

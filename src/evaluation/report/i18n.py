"""Report language: labels in Dutch and English and number formatting.

The Dutch edition uses a decimal comma and a point as thousands separator
(``1.234,5``); English uses ``1,234.5``. Every number in the report passes
through these functions, so no number is typed by hand.
"""
from __future__ import annotations

import math

import numpy as np
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
    "hidden_mark": {"nl": "·", "en": "·"},
    "and": {"nl": " en ", "en": " and "},
    "table_empty": {"nl": "deze studie heeft hiervoor geen gegevens.", "en": "this study has no data for it."},
    "toc_update": {"nl": "Inhoudsopgave: klik met rechts en kies ‘Veld bijwerken’ als Word dat niet zelf doet.",
                   "en": "Table of contents: right-click and choose ‘Update field’ if Word does not do it itself."},
    "interviewee": {"nl": "Geïnterviewde", "en": "Interviewee"},
    "note_primary": {"nl": "<{n}: minder dan {n} personen, niet getoond.",
                     "en": "<{n}: fewer than {n} people, not shown."},
    "note_hidden": {"nl": "·: niet getoond, zodat een verborgen aantal niet uit andere getallen in dit rapport terug te "
                          "rekenen is.",
                    "en": "·: not shown, so that a hidden count cannot be worked out from other numbers in this report."},
    "pp": {"nl": "procentpunt", "en": "pp"},
    "audit_passed": {
        "nl": ("**Controle op terugrekenen.** Alle {cells} getallen over personen in de tabellen en de tekst van dit rapport "
               "zijn samen beoordeeld (één publicatiepoort): {primary} kleine aantallen zijn niet getoond, {complementary} "
               "andere aantallen zijn verborgen zodat de kleine niet terug te rekenen zijn, en {derived} percentages, "
               "gemiddelden en intervallen die op een verborgen aantal rusten ook. Daarna is voor elk van de {audited} "
               "verborgen of gevoelige aantallen met lineair programmeren berekend wat een lezer die álle gepubliceerde "
               "getallen combineert er nog over kan weten: geen enkel aantal is te herleiden; de kleinste marge is {width}."),
        "en": ("**Check against recombination.** All {cells} numbers about people in the tables and text of this report were "
               "assessed together (one publication gate): {primary} small counts are not shown, {complementary} other counts "
               "are hidden so that the small ones cannot be worked out, and so are {derived} percentages, means and intervals "
               "resting on a hidden count. Then, for each of the {audited} hidden or sensitive counts, linear programming "
               "computed what a reader who combines every published number can still learn about it: none can be "
               "recovered; the narrowest range is {width}."),
    },
    "audit_failed": {
        "nl": "**Controle op terugrekenen: niet geslaagd.** Dit rapport had niet gemaakt mogen worden.",
        "en": "**Check against recombination: failed.** This report should not have been built.",
    },
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
    "response_rate_pct": {"nl": "Respons (% van de woningen)", "en": "Response (% of homes)"},
    "characteristic": {"nl": "Kenmerk", "en": "Characteristic"},
    "n_stayers": {"nl": "n blijvers", "en": "n stayers"},
    "n_leavers": {"nl": "n afhakers", "en": "n leavers"},
    "mean_stayers": {"nl": "Blijvers", "en": "Stayers"},
    "mean_leavers": {"nl": "Afhakers", "en": "Leavers"},
    "smd": {"nl": "Gestand. verschil", "en": "Std. difference"},
    "caption_attrition": {
        "nl": "Nulmeting: blijvers (ook eindmeting) en afhakers vergeleken (gemiddelde of aandeel; gestandaardiseerd verschil)",
        "en": "Baseline: stayers (also follow-up) and leavers compared (mean or share; standardised difference)",
    },
    "scale": {"nl": "Schaal", "en": "Scale"},
    "n": {"nl": "n", "en": "n"},
    "n_items": {"nl": "Stellingen", "en": "Items"},
    "alpha": {"nl": "Alfa", "en": "Alpha"},
    "alpha_ci": {"nl": "{level}-BI alfa", "en": "{level} CI alpha"},
    "omega": {"nl": "Omega", "en": "Omega"},
    "caption_reliability": {"nl": "Betrouwbaarheid per schaal (nulmeting)", "en": "Reliability per scale (baseline)"},
    "item": {"nl": "Code", "en": "Code"},
    "text": {"nl": "Stelling ((R) = omgekeerd gescoord)", "en": "Statement ((R) = reverse-scored)"},
    "item_rest_r": {"nl": "Item-rest r", "en": "Item-rest r"},
    "alpha_if_deleted": {"nl": "Alfa zonder item", "en": "Alpha if deleted"},
    "caption_items": {"nl": "Stellingen per schaal (nulmeting)", "en": "Statements per scale (baseline)"},
    "mean_0_10": {"nl": "Gemiddelde (omgerekend naar 0–10)", "en": "Mean (converted to 0–10)"},
    "alt_change": {
        "nl": "Puntdiagram met per thema het gemiddelde bij nulmeting en eindmeting, met betrouwbaarheidsintervallen.",
        "en": "Dot plot with each theme's mean at baseline and follow-up, with confidence intervals.",
    },
    "caption_change_fig": {
        "nl": "Gemiddelde per thema en meting met {level}-BI (gecorrigeerd voor de eindige populatie), omgerekend naar 0–10.",
        "en": "Mean per theme and wave with {level} CI (finite-population corrected), converted to 0–10.",
    },
    "n_before": {"nl": "n nul", "en": "n base"},
    "n_after": {"nl": "n eind", "en": "n follow"},
    "n_pairs": {"nl": "n panel", "en": "n panel"},
    "mean_before": {"nl": "Gem. nul", "en": "Mean base"},
    "mean_after": {"nl": "Gem. eind", "en": "Mean follow"},
    "model": {"nl": "Verandering (model, primair)", "en": "Change (model, primary)"},
    "model_ci": {"nl": "{level}-BI", "en": "{level} CI"},
    "model_es": {"nl": "In SD nulmeting", "en": "In baseline SD"},
    "paired": {"nl": "Verandering (panel, verkennend)", "en": "Change (panel, exploratory)"},
    "paired_ci": {"nl": "{level}-BI panel", "en": "{level} CI panel"},
    "d_z": {"nl": "d_z", "en": "d_z"},
    "p_adjusted": {"nl": "p (gecorrigeerd)", "en": "p (adjusted)"},
    "caption_change": {
        "nl": ("Verandering per schaal. Primair: de verandering volgens het mixed model op alle antwoorden, met "
               "interval, in standaarddeviaties van de nulmeting en met p gecorrigeerd over de primaire familie. "
               "Verkennend: de verandering binnen het panel (gepaarde t-toets) met d_z"),
        "en": ("Change per scale. Primary: the mixed-model change on all answers, with interval, in baseline standard "
               "deviations and with p adjusted over the primary family. Exploratory: the change within the panel "
               "(paired t-test) with d_z"),
    },
    "share_pct": {"nl": "Aandeel antwoorden (%)", "en": "Share of answers (%)"},
    "alt_likert": {
        "nl": "Gestapelde staven met de verdeling van de antwoorden per stelling bij de eindmeting.",
        "en": "Stacked bars with the distribution of answers per statement at follow-up.",
    },
    "caption_likert": {
        "nl": "Antwoorden per stelling bij de eindmeting: oneens links, eens rechts van het midden.",
        "en": "Answers per statement at follow-up: disagree left, agree right of the centre.",
    },
    "question": {"nl": "Vraag", "en": "Question"},
    "share_before": {"nl": "Ja nul", "en": "Yes base"},
    "share_after": {"nl": "Ja eind", "en": "Yes follow"},
    "difference": {"nl": "Verschil (panel)", "en": "Difference (panel)"},
    "difference_ci": {"nl": "{level}-BI", "en": "{level} CI"},
    "p_value": {"nl": "p", "en": "p"},
    "caption_binary": {
        "nl": "Ja/nee-vragen per meting, en het verschil binnen het panel (McNemar; verkennend, p gecorrigeerd per thema)",
        "en": "Yes/no questions per wave, and the difference within the panel (McNemar; exploratory, p adjusted within theme)",
    },
    "caption_subgroup": {"nl": "Verandering in het panel per woonvorm", "en": "Change within the panel per tenure type"},
    "change_points": {"nl": "Verandering (punten)", "en": "Change (points)"},
    "alt_subgroup": {
        "nl": "Puntdiagram met per thema en woonvorm de verandering in het panel, met intervallen.",
        "en": "Dot plot with the panel change per theme and tenure type, with intervals.",
    },
    "caption_subgroup_fig": {
        "nl": "Verandering per woonvorm (panel, {level}-BI); onderdrukte groepen ontbreken.",
        "en": "Change per tenure type (panel, {level} CI); suppressed groups are left out.",
    },
    "code": {"nl": "Code", "en": "Code"},
    "aspect": {"nl": "Soort", "en": "Kind"},
    "caption_code_group": {
        "nl": "Aantal geïnterviewden per groep dat een code noemde (N = aantal geïnterviewden in de groep)",
        "en": "Interviewees per group mentioning a code (N = interviewees in the group)",
    },
    "n_interviews": {"nl": "Aantal geïnterviewden", "en": "Interviewees"},
    "alt_code_group": {
        "nl": "Heatmap met per code en groep het aantal geïnterviewden dat de code noemde.",
        "en": "Heatmap with the number of interviewees per code and group who mentioned the code.",
    },
    "caption_code_group_fig": {
        "nl": "Codes per groep geïnterviewden; grijze cellen zijn onderdrukt (kleine aantallen).",
        "en": "Codes per group of interviewees; grey cells are suppressed (small counts).",
    },
    "c_coefficient": {"nl": "c-coëfficiënt", "en": "c-coefficient"},
    "alt_cooccurrence": {
        "nl": "Heatmap van hoe vaak thema's in dezelfde interviews voorkomen.",
        "en": "Heatmap of how often themes occur in the same interviews.",
    },
    "caption_cooccurrence": {
        "nl": "Samen genoemd in hetzelfde interview: c-coëfficiënt (0 = nooit samen, 1 = altijd samen).",
        "en": "Mentioned in the same interview: c-coefficient (0 = never together, 1 = always together).",
    },
    "n_units": {"nl": "Eenheden", "en": "Units"},
    "kappa": {"nl": "Kappa", "en": "Kappa"},
    "krippendorff_alpha": {"nl": "Krippendorff α", "en": "Krippendorff α"},
    "gwet_ac1": {"nl": "Gwet AC1", "en": "Gwet AC1"},
    "unitizing_alpha": {"nl": "uα (fragmenten)", "en": "uα (segments)"},
    "interpretation": {"nl": "Oordeel", "en": "Interpretation"},
    "caption_agreement": {
        "nl": "Overeenstemming tussen twee codeurs per code (eenheid: zin) en over alle codes",
        "en": "Agreement between two coders per code (unit: sentence) and over all codes",
    },
    "all_codes": {"nl": "Alle codes", "en": "All codes"},
    "agreement_reliable": {"nl": "betrouwbaar", "en": "reliable"},
    "agreement_tentative": {"nl": "voorlopig", "en": "tentative"},
    "agreement_unreliable": {"nl": "onvoldoende", "en": "unreliable"},
    "agreement_undefined": {"nl": "niet te bepalen", "en": "undefined"},
    "theme": {"nl": "Thema", "en": "Theme"},
    "survey": {"nl": "Enquête: verandering [{level}-BI]", "en": "Survey: change [{level} CI]"},
    "interviews": {"nl": "Interviews: genoemd door; toon", "en": "Interviews: mentioned by; tone"},
    "quote": {"nl": "Citaat", "en": "Quote"},
    "verdict": {"nl": "Oordeel", "en": "Verdict"},
    "confirms": {"nl": "bevestigt", "en": "confirms"},
    "expands": {"nl": "vult aan", "en": "expands"},
    "contradicts": {"nl": "spreekt tegen", "en": "contradicts"},
    "survey only": {"nl": "alleen enquête", "en": "survey only"},
    "interviews only": {"nl": "alleen interviews", "en": "interviews only"},
    "mostly positive": {"nl": "vooral positief", "en": "mostly positive"},
    "mostly critical": {"nl": "vooral kritisch", "en": "mostly critical"},
    "mixed": {"nl": "gemengd", "en": "mixed"},
    "not evaluated": {"nl": "geen oordeel", "en": "not evaluated"},
    "caption_joint": {"nl": "Enquête en interviews per thema", "en": "Survey and interviews per theme"},
    "design": {"nl": "Opzet", "en": "Design"},
    "design_paired": {"nl": "Panel (gepaard)", "en": "Panel (paired)"},
    "design_independent": {"nl": "Twee losse metingen", "en": "Two separate samples"},
    "n_effective": {"nl": "n na uitval", "en": "n after attrition"},
    "mde": {"nl": "Kleinste effect (SD)", "en": "Smallest effect (SD)"},
    "mde_raw": {"nl": "Kleinste effect (punten 1–5)", "en": "Smallest effect (points 1–5)"},
    "caption_mde": {
        "nl": "Kleinste aantoonbare verandering voor een herhaling (80% power, α = 0,05, eindige populatie)",
        "en": "Minimal detectable change for a replication (80% power, α = 0.05, finite population)",
    },
    "reason": {"nl": "Reden", "en": "Reason"},
    "share": {"nl": "Aandeel", "en": "Share"},
    "Don't know": {"nl": "Weet niet", "en": "Don't know"},
    "Prefer not to say": {"nl": "Wil niet zeggen", "en": "Prefer not to say"},
    "caption_missing": {"nl": "Ontbrekende antwoorden per reden en meting", "en": "Missing answers by reason and wave"},
    "caption_validation": {"nl": "Bevindingen bij het inlezen, per bestand en soort", "en": "Findings on import, by file and kind"},
    "validation_none": {"nl": "Bij het inlezen zijn geen problemen of waarschuwingen gevonden.",
                        "en": "The import found no problems and gave no warnings."},
    "validation_some": {"nl": "Bij het inlezen zijn {n} bevindingen gedaan die het inlezen niet tegenhielden; de tabel "
                              "telt ze per bestand en soort (de details staan in `validation.csv`, zonder ruwe nummers).",
                        "en": "The import made {n} findings that did not stop it; the table counts them by file and kind "
                              "(details are in `validation.csv`, without raw ids)."},
    "warning": {"nl": "waarschuwing", "en": "warning"},
    "error": {"nl": "fout", "en": "error"},
    "table": {"nl": "Tabel", "en": "Table"},
    "threshold": {"nl": "Drempel", "en": "Threshold"},
    "suppressed_cells": {"nl": "Onderdrukte cellen", "en": "Suppressed cells"},
    "primary": {"nl": "Primair", "en": "Primary"},
    "complementary": {"nl": "Aanvullend", "en": "Complementary"},
    "derived": {"nl": "Afgeleid", "en": "Derived"},
    "caption_suppression": {
        "nl": "Onderdrukking van kleine aantallen per gepubliceerde tabel",
        "en": "Suppression of small counts per published table",
    },
    "file": {"nl": "Bestand", "en": "File"},
    "sha256": {"nl": "SHA-256 (begin)", "en": "SHA-256 (start)"},
    "caption_inputs": {"nl": "Invoerbestanden", "en": "Input files"},
    "package": {"nl": "Pakket", "en": "Package"},
    "version": {"nl": "Versie", "en": "Version"},
    "caption_versions": {"nl": "Softwareversies", "en": "Software versions"},
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
    value = _half_up(float(x), digits) + 0.0  # + 0.0 turns -0.0 into 0.0
    text = f"{value:{'+' if sign and value != 0 else ''},.{digits}f}"
    return _swap(text, lang).replace("-", "\u2212")


def _half_up(value: float, digits: int) -> float:
    """Round halves away from zero, as readers expect (44.5 → 45), not to even (Python's round).

    The value is first taken to 10 significant decimals, so that float noise such as
    ``100 * 0.445 = 44.50000000000001`` or ``44.49999999999999`` rounds as the number it stands for.

    Examples
    --------
    >>> _half_up(44.5, 0), _half_up(0.125, 2), _half_up(-2.5, 0), _half_up(100 * 0.445, 0)
    (45.0, 0.13, -3.0, 45.0)
    """
    from decimal import ROUND_HALF_UP, Decimal

    if not np.isfinite(value):
        return value
    exact = Decimal(repr(round(value, 10)))
    return float(exact.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP))


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

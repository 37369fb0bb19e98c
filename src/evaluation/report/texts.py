"""Fixed report prose in Dutch (B1) and English: section headings and method text.

Sentences that contain results are not here: they are generated from the
results tables in :mod:`evaluation.report.narrative`.
"""
from __future__ import annotations

from .i18n import check_lang

__all__ = ["SECTIONS", "TEXT", "heading", "text"]

SECTIONS = {
    "summary": {"nl": "Samenvatting", "en": "Summary"},
    "context": {"nl": "Context en doelen", "en": "Context and aims"},
    "method": {"nl": "Werkwijze van het onderzoek", "en": "Method"},
    "response": {"nl": "Respons en representativiteit", "en": "Response and representativeness"},
    "scales": {"nl": "Schalen en betrouwbaarheid", "en": "Scales and reliability"},
    "change": {"nl": "Voor en na, per thema", "en": "Before and after, per theme"},
    "for_whom": {"nl": "Voor wie veranderde er iets?", "en": "For whom did things change?"},
    "interviews": {"nl": "Interviews: wat deelnemers zeggen", "en": "Interviews: what participants say"},
    "joint": {"nl": "Enquête en interviews naast elkaar", "en": "Joint display: survey and interviews"},
    "lessons": {"nl": "Lessen voor gebiedsgericht werken en voor herhaling", "en": "Lessons for area-based working and for replication"},
    "attrition": {"nl": "Wie haakte af?", "en": "Who dropped out?"},
    "items": {"nl": "Stellingen", "en": "Statements"},
    "aspects": {"nl": "Kansen, krachten en beperkingen", "en": "Opportunities, strengths and limitations"},
    "cooccurrence": {"nl": "Welke thema's worden samen genoemd?", "en": "Which themes are mentioned together?"},
    "agreement": {"nl": "Overeenstemming tussen codeurs", "en": "Agreement between coders"},
    "quotes": {"nl": "Citaten", "en": "Quotes"},
    "appendix_data": {"nl": "Bijlage A: gegevens en privacy", "en": "Appendix A: data and privacy"},
    "appendix_repro": {"nl": "Bijlage B: reproduceerbaarheid", "en": "Appendix B: reproducibility"},
}

TEXT = {
    "context_intro": {
        "nl": "Dit leerrapport evalueert de pilot in {area} ({municipality}). De enquête mat: {themes}.",
        "en": "This learning report evaluates the pilot in {area} ({municipality}). The survey measured: {themes}.",
    },
    "context_questions": {
        "nl": "Dit leerrapport beantwoordt {n} vragen:",
        "en": "This learning report answers {n} questions:",
    },
    "question_1": {
        "nl": "Veranderden {themes} tussen de {first} en de {last}?",
        "en": "Did {themes} change between the {first} and the {last}?",
    },
    "question_2": {
        "nl": "Voor wie veranderde er iets?",
        "en": "For whom did things change?",
    },
    "question_3": {
        "nl": "Wat zijn de kansen, krachten en beperkingen van de aanpak, volgens de geïnterviewden?",
        "en": "What are the opportunities, strengths and limitations of the approach, according to the interviewees?",
    },
    "timeline": {"nl": "Tijdlijn van de pilot", "en": "Timeline of the pilot"},
    "method_design": {
        "nl": ("**Opzet.** Alle {population} woningen in de straat kregen twee keer dezelfde vragenlijst: een nulmeting "
               "({before}) en een eindmeting ({after}). Een deel van de bewoners vulde beide in; zij vormen het panel. "
               "Daarnaast zijn {n_interviews} interviews gehouden ({groups}). "
               "Onderzoekers hebben de interviews gecodeerd met een vast codeerschema."),
        "en": ("**Design.** All {population} homes in the street received the same questionnaire twice: a baseline "
               "({before}) and a follow-up ({after}). Some residents answered both; they form the panel. "
               "In addition, {n_interviews} interviews were held ({groups}), coded by researchers with a fixed coding "
               "frame."),
    },
    "method_analysis": {
        "nl": ("**Analyse.** Per thema combineren we stellingen tot een schaal (gemiddelde van de beantwoorde stellingen, "
               "na omkeren van negatief geformuleerde stellingen). De **primaire uitkomst** is per schaal één schatting: "
               "de verandering volgens een lineair mixed model op álle antwoorden, dat rekening houdt met mensen die twee "
               "keer antwoordden en met bewoners uit hetzelfde huishouden (t-toets met Satterthwaite-vrijheidsgraden). "
               "We drukken die verandering ook uit in standaarddeviaties van de nulmeting. Deze {n_primary} "
               "schattingen vormen samen de primaire familie; hun p-waarden corrigeren we samen voor meervoudig toetsen "
               "({adjust}). Dat is vooraf vastgelegd. Alle andere toetsen zijn **verkennend**: de panelvergelijking "
               "(gepaarde toets, met d_z), de vergelijking van de twee metingen als geheel, losse stellingen, ja/nee-vragen "
               "(gecorrigeerd per thema), subgroepen en de ordinale modellen. Beschrijvende gemiddelden en percentages "
               "houden er rekening mee dat bewoners via hun woning zijn benaderd (woningen als clusters) en hebben een "
               "correctie voor de eindige populatie van woningen, omdat een groot deel van de straat meedeed. "
               "Alle intervallen zijn {confidence}-betrouwbaarheidsintervallen."),
        "en": ("**Analysis.** Per theme, statements are combined into a scale (mean of the answered statements, after "
               "reversing negatively worded ones). The **primary outcome** is one estimate per scale: the change according "
               "to a linear mixed model on all answers, which accounts for people who answered twice and for residents of "
               "the same household (t test with Satterthwaite degrees of freedom). We also express that change in "
               "baseline standard deviations. These {n_primary} estimates form the primary family; their p-values are "
               "adjusted together for multiple testing ({adjust}). This was fixed in advance. All other tests are "
               "**exploratory**: the panel comparison (paired test, with d_z), the comparison of the two waves as wholes, "
               "single statements, yes/no questions (adjusted within their theme), subgroups and the ordinal models. "
               "Descriptive means and percentages account for residents being reached through their homes (homes as "
               "clusters) and are corrected for the finite population of homes, because a large part of the street took "
               "part. All intervals are {confidence} confidence intervals."),
    },
    "adjust_holm": {"nl": "Holm", "en": "Holm"},
    "adjust_fdr_bh": {"nl": "Benjamini–Hochberg", "en": "Benjamini–Hochberg"},
    "adjust_bonferroni": {"nl": "Bonferroni", "en": "Bonferroni"},
    "method_limits": {
        "nl": ("**Wat dit onderzoek niet kan laten zien.** Er is geen vergelijkingsstraat zonder pilot. Een verandering "
               "tussen de metingen kan dus ook door iets anders komen, zoals landelijke ontwikkelingen of het seizoen. "
               "De resultaten zijn daarom een aanwijzing, geen bewijs dat de pilot de oorzaak is."),
        "en": ("**What this study cannot show.** There is no comparison street without the pilot. A change between the "
               "waves may therefore also come from something else, such as national developments or the season. "
               "The results are indicative, not proof that the pilot caused them."),
    },
    "method_limits_short": {
        "nl": "Er was geen vergelijkingsstraat: de veranderingen zijn een aanwijzing, geen bewijs dat de pilot ze veroorzaakte.",
        "en": "There was no comparison street: the changes are indicative, not proof that the pilot caused them.",
    },
    "synthetic_note": {
        "nl": "**Let op:** dit is een voorbeeldstudie met verzonnen (synthetische) gegevens. Er zijn geen echte bewoners ondervraagd.",
        "en": "**Note:** this is an example study with invented (synthetic) data. No real residents were surveyed.",
    },
}


def heading(key: str, lang: str, level: int = 2) -> str:
    """Markdown heading for a report section.

    Examples
    --------
    >>> heading("response", "en")
    '## Response and representativeness'
    """
    return "#" * level + " " + SECTIONS[key][check_lang(lang)]


def text(key: str, lang: str, **values) -> str:
    """Fixed prose in the report language, with values filled in.

    Examples
    --------
    >>> text("timeline", "nl")
    'Tijdlijn van de pilot'
    """
    return TEXT[key][check_lang(lang)].format(**values)

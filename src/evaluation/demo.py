"""Synthetic example study with known true effects.

``generate_demo`` simulates a street of 200 homes (the margins of the study
file ``config/studies/noorderbeekdwarsstraat-demo.yml``), its residents'
answers to the ``veerkracht-straat`` survey before and after the pilot, and
24 coded interviews, and writes them exactly as a municipality would receive
them:

``nulmeting.csv``
    Baseline survey as Dutch Excel saves it: ``;`` separator, decimal comma,
    cp1252 encoding, CRLF line ends. Columns: ``respondent_id``,
    ``household_id``, ``naam``, ``email``, ``adres`` (direct identifiers, fake),
    ``woonvorm`` (1 owner, 2 social rent, 3 private rent), ``leeftijd``
    (1 18-34, 2 35-64, 3 65+), one column per item with its answer code
    (8 don't know, 9 prefer not to say, -8 don't know for the energy bill, an
    empty cell for a skipped question), ``energierekening`` (euros).
``eindmeting.xlsx``
    Follow-up survey, sheet ``Eindmeting``, the same columns with numbers
    stored as numbers.
``interviews.qdpx``
    REFI-QDA project: 24 transcripts (one case each), coded by ``codeur-1``;
    six of them also by ``codeur-2``. The meta code ``Citaat akkoord`` marks
    passages approved for quoting.
``geinterviewden.csv``
    Interviewees: ``case;stakeholder_group;interview_date`` (UTF-8, ``;``
    separator, ISO dates); groups resident / entrepreneur / municipal_staff /
    partner.

The ground truth goes to ``<out_dir>.truth.json`` beside the raw folder (see
``generate_demo`` for its fields). All names, addresses and texts are
invented; every output built from them must say that the data are synthetic.

Sites. :class:`Site` describes one street of the synthetic programme (homes,
tenure mix, true effect per scale, response rates, interviews);
``generate_demo(site=...)`` simulates it with the same instrument and coding
frame, so several streets can be synthesised. :data:`SITES` registers the
example street and two more (``wilgenkade-demo``: 120 homes, mostly owners,
larger effects; ``molenveldstraat-demo``: 320 homes, mostly social rent, a null
effect on every scale), each with a study file ``config/studies/<id>.yml``.

Shapes. :func:`write_shape_study` writes a complete, self-contained study
(study, instrument and coding-frame YAML plus raw files) of one of the named
:data:`SHAPES` (English only, 7-point scales, SPSS input, interviews only, one
wave, no panel, no margins, zero to several group variables, 2 to 6
stakeholder groups, one coder, …), with none of the example study's words.
"""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .readers.qdpx_writer import write_qdpx, write_reproducible_zip

__all__ = ["generate_demo", "write_truth", "check_demo_files", "truth_path_for", "Site", "DEFAULT_SITE", "SITES",
           "site_for_study", "Shape", "SHAPES", "write_shape_study"]

DEFAULT_SEED = 20240501
STREET = "Noorderbeekdwarsstraat"
WAVES = ("before", "after")
FILES = {
    "before": "nulmeting.csv",
    "after": "eindmeting.xlsx",
    "codings": "interviews.qdpx",
    "interviewees": "geinterviewden.csv",
}
XLSX_SHEET = "Eindmeting"
_XLSX_TIME = dt.datetime(2024, 10, 31, 12, 0, 0)

# --- survey population ------------------------------------------------------
TENURES = ("owner", "social_rent", "private_rent")  # woonvorm codes 1, 2, 3
HOMES = {"owner": 70, "social_rent": 80, "private_rent": 50}
AGE_PROBS = {"owner": (0.15, 0.55, 0.30), "social_rent": (0.30, 0.45, 0.25), "private_rent": (0.55, 0.35, 0.10)}
ADULTS_PROBS = (0.35, 0.45, 0.20)  # 1, 2, 3 adults per home

# scale: items, baseline latent mean by tenure, true latent change by tenure,
# "don't know" rate. Latent values are on the 1-5 answer metric (answer =
# latent + item offset + noise, rounded and clipped to 1..5).
SCALES = {
    "cohesion": (("coh1", "coh2", "coh3", "coh4", "coh5"), (3.5, 3.0, 3.1), (0.30, 0.32, 0.25), 0.03),
    "trust": (("tru1", "tru2", "tru3", "tru4"), (3.1, 2.6, 2.9), (0.20, 0.50, 0.30), 0.09),
    "preparedness": (("prep1", "prep2", "prep3", "prep4"), (3.0, 2.7, 2.7), (0.25, 0.25, 0.25), 0.04),
    "energy": (("ene1", "ene2", "ene3"), (3.4, 3.0, 3.1), (0.0, 0.0, 0.0), 0.05),
    "digital": (("dig1", "dig2", "dig3"), (3.6, 3.1, 3.5), (0.0, 0.0, 0.0), 0.08),
    "climate": (("cli1", "cli2", "cli3"), (3.2, 2.9, 2.9), (0.20, 0.22, 0.15), 0.04),
}
REVERSED = ("coh3", "tru4", "dig3")
ITEM_OFFSET = {
    "coh1": 0.3, "coh2": -0.2, "coh3": 0.0, "coh4": 0.2, "coh5": -0.3,
    "tru1": 0.1, "tru2": 0.0, "tru3": -0.2, "tru4": 0.1,
    "prep1": 0.2, "prep2": -0.4, "prep3": 0.3, "prep4": -0.1,
    "ene1": 0.2, "ene2": 0.1, "ene3": -0.3,
    "dig1": 0.3, "dig2": -0.3, "dig3": 0.0,
    "cli1": -0.2, "cli2": 0.4, "cli3": -0.2,
}
SD_HOUSEHOLD, SD_PERSON, SD_OCCASION, SD_ITEM = 0.25, 0.50, 0.20, 0.75
GENERAL_SHARE = 0.3  # share of person variance common to all scales

# binary items: share before and after by tenure
GEVELTUIN = {"before": (0.30, 0.15, 0.12), "after": (0.45, 0.32, 0.22)}  # per home
CONTACTPERSOON = {"before": (0.15, 0.15, 0.12), "after": (0.35, 0.50, 0.35)}  # per resident
KEEP = {"geveltuin": 0.95, "contactpersoon": 0.80, "infobron": 0.40}  # persistence of a before answer
INFOBRON = {"before": (0.35, 0.25, 0.20, 0.20), "after": (0.30, 0.35, 0.20, 0.15)}
BILL_MEDIAN = (185.0, 140.0, 150.0)  # euros per month, by tenure; after: about 5% lower
DK = {"geveltuin": 0.01, "contactpersoon": 0.06, "infobron": 0.03, "energierekening": 0.08}
REFUSED_RATE, SKIPPED_RATE = 0.004, 0.004

# response: household response before; retention and new response after
RESPONSE = {"before": (0.55, 0.40, 0.38), "retained": (0.65, 0.42, 0.37), "new": (0.38, 0.28, 0.25)}
SECOND_RESPONDENT, SAME_PERSON_AGAIN = 0.15, 0.88

FIRST_NAMES = (
    "Anouk", "Bram", "Chloë", "Daan", "Eva", "Fatima", "Gijs", "Hanneke", "Inès", "Jeroen", "Kees", "Lotte",
    "Mohamed", "Noël", "Özlem", "Pieter", "Rachid", "Sanne", "Thijs", "Yasmina", "Zoë", "René", "André",
    "Sébastien", "Daniël", "Ilse", "Joëlle", "Marco", "Nadia", "Wim", "Femke", "Hüseyin", "Priya", "Stijn",
)
SURNAMES = (
    "de Jong", "Jansen", "de Vries", "van den Berg", "Bakker", "Visser", "Smit", "Meijer", "Mulder",
    "de Boer", "Öztürk", "El Amrani", "Bouzid", "Hoekstra", "Rodrigues", "Gonçalves", "Nguyen", "Kaya",
    "van Dijk", "Brouwer", "Dekker", "Verbeek", "Crétien", "Müller", "Ramdin", "Willems",
)
MAIL_DOMAINS = ("example.com", "example.org", "example.net")

# --- interviews --------------------------------------------------------------
CODERS = ("codeur-1", "codeur-2")
APPROVED_CODE = "Citaat akkoord"
GROUPS = {"resident": 12, "entrepreneur": 4, "municipal_staff": 5, "partner": 3}
DOUBLE_CODED = {"resident": 3, "entrepreneur": 1, "municipal_staff": 1, "partner": 1}
# code: (parent category, prevalence per group: resident, entrepreneur, staff, partner)
CODES = {
    "Energietransitie": ("Thema's", (0.50, 0.50, 0.40, 0.30)),
    "Digitale veiligheid": ("Thema's", (0.35, 0.50, 0.20, 0.67)),
    "Klimaatadaptatie": ("Thema's", (0.50, 0.25, 0.40, 0.33)),
    "Veiligheid en noodhulp": ("Thema's", (0.40, 0.50, 0.30, 0.90)),
    "Sociale samenhang": ("Thema's", (0.80, 0.50, 0.40, 0.60)),
    "Vertrouwen in de gemeente": ("Thema's", (0.75, 0.50, 0.30, 0.30)),
    "Zichtbaar aanwezig zijn": ("Werkwijze", (0.75, 0.75, 0.80, 0.67)),
    "Aansluiten bij vragen van bewoners": ("Werkwijze", (0.40, 0.25, 0.80, 0.50)),
    "Straatbijeenkomsten": ("Werkwijze", (0.60, 0.50, 0.60, 0.33)),
    "Samenwerking met partners": ("Werkwijze", (0.10, 0.25, 0.80, 0.90)),
    "Nieuwe verbindingen tussen bewoners": ("Werkwijze", (0.60, 0.25, 0.40, 0.33)),
    "Aanpak in andere straten": ("Werkwijze", (0.15, 0.25, 0.80, 0.50)),
    "Verkokering binnen de gemeente": ("Werkwijze", (0.60, 0.20, 0.80, 0.20)),
    "Beperkte tijd en middelen": ("Werkwijze", (0.15, 0.25, 0.80, 0.67)),
    "Moeilijk bereikbare bewoners": ("Werkwijze", (0.25, 0.05, 0.60, 0.67)),
    "Taal- en digitale drempels": ("Werkwijze", (0.30, 0.25, 0.40, 0.50)),
}
# a passage about the first code often also touches the second
RELATED = {
    "Straatbijeenkomsten": "Sociale samenhang",
    "Zichtbaar aanwezig zijn": "Vertrouwen in de gemeente",
    "Verkokering binnen de gemeente": "Vertrouwen in de gemeente",
    "Taal- en digitale drempels": "Moeilijk bereikbare bewoners",
    "Energietransitie": "Aansluiten bij vragen van bewoners",
    "Klimaatadaptatie": "Samenwerking met partners",
    "Veiligheid en noodhulp": "Samenwerking met partners",
    "Nieuwe verbindingen tussen bewoners": "Sociale samenhang",
}
# what the second coder sometimes uses instead
CONFUSED = {
    "Zichtbaar aanwezig zijn": "Aansluiten bij vragen van bewoners",
    "Aansluiten bij vragen van bewoners": "Zichtbaar aanwezig zijn",
    "Sociale samenhang": "Nieuwe verbindingen tussen bewoners",
    "Nieuwe verbindingen tussen bewoners": "Sociale samenhang",
    "Moeilijk bereikbare bewoners": "Taal- en digitale drempels",
    "Taal- en digitale drempels": "Moeilijk bereikbare bewoners",
    "Beperkte tijd en middelen": "Verkokering binnen de gemeente",
    "Verkokering binnen de gemeente": "Beperkte tijd en middelen",
}
COLORS = (
    "#1B9E77", "#D95F02", "#7570B3", "#E7298A", "#66A61E", "#E6AB02", "#A6761D", "#666666",
    "#1F78B4", "#B2DF8A", "#FB9A99", "#FDBF6F", "#CAB2D6", "#6A3D9A", "#B15928", "#8DD3C7",
)
# question, then answer sentences (no names, no digits: these may be approved for quoting)
PHRASES = {
    "Energietransitie": ("Wat heeft u gemerkt van de energiecoaches?", (
        "Veel mensen hier schrokken van de energierekening van vorig jaar.",
        "De energiecoaches kwamen aan de deur en gaven tips over tochtstrips en radiatorfolie.",
        "Ik heb nu ledlampen en een slimme thermostaat, dat scheelt echt.",
        "Isolatie blijft lastig als je huurt, want dan beslist de verhuurder.",
        "Over zonnepanelen op het dak praten we al jaren, maar er gebeurt weinig.",
    )),
    "Digitale veiligheid": ("Speelt digitale veiligheid een rol in de straat?", (
        "Mijn moeder kreeg een nepbericht van de bank en had bijna betaald.",
        "Op de bijeenkomst over phishing leerden we hoe je een valse link herkent.",
        "Ondernemers krijgen steeds vaker valse facturen in hun mailbox.",
        "Veel ouderen durven niet meer online te bankieren.",
        "Het is fijn dat er nu een vast adres is waar je fraude kunt melden.",
    )),
    "Klimaatadaptatie": ("Wat doet de straat aan hitte, regen en groen?", (
        "Bij hevige regen loopt de kelder op de hoek steeds vol water.",
        "Op de geveltuinendag hebben we tegels eruit gehaald en planten gezet.",
        "In de zomer is het in de bovenwoningen bijna niet uit te houden.",
        "Meer groen in de straat maakt het ook gewoon gezelliger.",
        "De regenton die we kregen, wordt echt gebruikt.",
    )),
    "Veiligheid en noodhulp": ("Hoe voorbereid is de straat op een noodsituatie?", (
        "Na de brand vorig jaar weten mensen beter wie er hulp nodig heeft.",
        "We hebben een lijst gemaakt van buren die slecht ter been zijn.",
        "Er loopt nu vaker politie door de straat.",
        "Een noodpakket had bijna niemand, dat is nu wel anders.",
        "Bij een stroomstoring zou ik niet weten wie ik moet bellen.",
    )),
    "Sociale samenhang": ("Hoe gaan de mensen in de straat met elkaar om?", (
        "Vroeger groette je elkaar nauwelijks, nu maak je een praatje.",
        "Er is een appgroep voor de straat 💬 waarin mensen elkaar helpen.",
        "Sommige buren voelen zich nog steeds eenzaam.",
        "De straat is erg gemengd, en dat maakt contact soms lastig.",
        "Met het straatfeest zag je ineens mensen die je nooit eerder zag.",
    )),
    "Vertrouwen in de gemeente": ("Is uw beeld van de gemeente veranderd?", (
        "Ik had weinig vertrouwen in de gemeente, maar dat is wat beter geworden.",
        "Beloftes over de stoep zijn nog steeds niet nagekomen.",
        "Je merkt dat ze nu echt luisteren, in plaats van alleen te zenden.",
        "Veel bewoners denken nog steeds dat de gemeente toch niks doet.",
        "Het helpt dat je een vast gezicht hebt bij de gemeente.",
    )),
    "Zichtbaar aanwezig zijn": ("Wat vond u van de aanwezigheid van de gemeente in de straat?", (
        "Het spreekuur op zaterdag in de straat werkte heel goed.",
        "Ze stonden gewoon met koffie op de hoek, dat verlaagt de drempel.",
        "Door er vaak te zijn, zien mensen dat het menens is.",
        "Je moet er ook 's avonds en in het weekend zijn, niet alleen tijdens kantooruren.",
        "Dat er iemand aanspreekbaar was in de straat, maakte het verschil.",
    )),
    "Aansluiten bij vragen van bewoners": ("Sloot de aanpak aan bij wat bewoners wilden?", (
        "Ze begonnen niet met een plan, maar vroegen wat wij belangrijk vonden.",
        "Onze vraag over de vuilcontainers werd eindelijk serieus opgepakt.",
        "Het werkt pas als je begint bij wat mensen zelf willen.",
        "Soms pasten onze vragen niet in hun programma, en dan bleef het stil.",
    )),
    "Straatbijeenkomsten": ("Hoe waren de straatbijeenkomsten?", (
        "Op de straatbijeenkomst in het buurthuis kwamen meer mensen dan verwacht.",
        "Tijdens de bijeenkomsten hoorde je ook de mensen die anders nooit iets zeggen.",
        "Een bijeenkomst op straat werkt beter dan een avond op het stadhuis.",
        "Na elke bijeenkomst kregen we een kort verslag in de bus.",
    )),
    "Samenwerking met partners": ("Hoe verliep de samenwerking tussen de organisaties?", (
        "De woningcorporatie, de politie en het welzijnswerk zaten ineens samen aan tafel.",
        "Met de school hebben we samen de geveltuinendag georganiseerd.",
        "Samenwerken kost tijd, want elke organisatie heeft eigen regels.",
        "Doordat we elkaar nu kennen, bel je sneller even.",
    )),
    "Nieuwe verbindingen tussen bewoners": ("Heeft u nieuwe mensen leren kennen?", (
        "Ik ken nu de buren aan de overkant, dat was vroeger niet zo.",
        "Jongere en oudere bewoners helpen elkaar nu met boodschappen.",
        "Via de moestuinbak kwam ik in gesprek met mensen van een paar deuren verder.",
        "Er zijn nieuwe ideeën ontstaan, zoals een ruilkast in het portiek.",
    )),
    "Aanpak in andere straten": ("Kan deze aanpak ook elders werken?", (
        "Deze aanpak zou je ook in de straten hiernaast moeten proberen.",
        "Je kunt het niet één op één kopiëren, elke straat is anders.",
        "Als je dit breder wilt doen, moet je de kennis wel vastleggen.",
        "Andere wijken vragen al hoe wij dit hebben aangepakt.",
    )),
    "Verkokering binnen de gemeente": ("Hoe werkte de gemeente intern samen?", (
        "Voor elke vraag moest je weer bij een andere afdeling zijn.",
        "Binnen de gemeente wist de ene afdeling niet wat de andere deed.",
        "Het projectteam wilde wel, maar de lijn werkte niet mee.",
        "Ik werd drie keer doorverbonden en daarna hoorde ik niets meer.",
    )),
    "Beperkte tijd en middelen": ("Waar liep u tegenaan?", (
        "Het budget was op voordat het echt ging lopen.",
        "Met één coördinator voor twee dagen per week kom je er niet.",
        "Veel hangt af van vrijwilligers en die raken soms op.",
        "De pilot duurde te kort om blijvende veranderingen te zien.",
    )),
    "Moeilijk bereikbare bewoners": ("Wie bereikte de aanpak niet?", (
        "De mensen die het hardst hulp nodig hebben, zie je nooit op een bijeenkomst.",
        "Achter sommige voordeuren weet niemand wat er speelt.",
        "Flyers in de bus werken niet voor iedereen.",
        "Je bereikt sommige bewoners alleen via de moskee of de school.",
    )),
    "Taal- en digitale drempels": ("Waren er drempels voor bewoners?", (
        "Niet iedereen leest Nederlands, dus de brieven kwamen niet aan.",
        "Aanmelden kon alleen online, en dat lukt niet iedereen.",
        "Een tolk op de bijeenkomst maakte een groot verschil.",
        "Veel informatie staat alleen op de website van de gemeente.",
    )),
}
INTRO_QUESTION = "Kunt u iets over uzelf vertellen?"
INTROS = {
    "resident": ("Ik woon hier al heel lang, eerst met mijn ouders en nu alleen.",
                 "Wij wonen hier sinds een paar jaar, met twee kinderen.",
                 "Ik huur hier een bovenwoning en werk in de zorg."),
    "entrepreneur": ("Ik run het café aan het begin van de straat.",
                     "Mijn winkel zit hier al sinds de jaren negentig.",
                     "Ik heb een kapsalon op de hoek."),
    "municipal_staff": ("Ik werk bij de gemeente als gebiedsadviseur.",
                        "Ik ben vanuit de gemeente betrokken als projectleider.",
                        "Ik werk bij de afdeling wijkzaken."),
    "partner": ("Ik werk voor de woningcorporatie in deze wijk.",
                "Ik ben wijkagent in dit gebied.",
                "Ik werk als opbouwwerker bij het welzijnswerk.",
                "Ik ben directeur van de basisschool om de hoek."),
}
FOLLOW_UPS = ("Kunt u daar een voorbeeld van geven?", "Kunt u daar iets meer over vertellen?", "Wat bedoelt u precies?")
EMOJI_SENTENCE = "Leuk dat jullie dit vragen 🙂."
CLOSING_QUESTION = "Wilt u verder nog iets kwijt?"
CLOSINGS = ("Nee, ik denk dat ik alles heb gezegd.", "Alleen dat ik hoop dat het doorgaat.",
            "Blijf vooral in gesprek met de straat.")
IDENTIFYING = ("Mevrouw {surname} van nummer {number} heeft dat toen opgepakt.",
               "Vraag het maar aan {first} {surname}, die woont op nummer {number}.",
               "Meneer {surname} op nummer {number} was er ook bij.")


def _item_ids() -> list[str]:
    return [item for items, *_ in SCALES.values() for item in items]


ITEM_COLUMNS = [*_item_ids(), "geveltuin", "contactpersoon", "infobron", "energierekening"]
SURVEY_COLUMNS = ["respondent_id", "household_id", "naam", "email", "adres", "woonvorm", "leeftijd", *ITEM_COLUMNS]


# --- sites -------------------------------------------------------------------
def _per_tenure(value, what: str) -> tuple[float, ...]:
    """A number (same for every tenure), a sequence of three, or a mapping tenure -> number."""
    if isinstance(value, dict):
        unknown = set(value) - set(TENURES)
        if unknown or len(value) != len(TENURES):
            raise ValueError(f"{what}: give a value for each of {', '.join(TENURES)} (got {sorted(value)})")
        value = tuple(value[t] for t in TENURES)
    elif isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        return (float(value),) * len(TENURES)
    value = tuple(value)
    if len(value) != len(TENURES) or not all(isinstance(v, (int, float, np.integer, np.floating))
                                             and not isinstance(v, bool) for v in value):
        raise ValueError(f"{what}: expected a number, three numbers ({', '.join(TENURES)}) or a mapping, got {value!r}")
    return value


@dataclass(frozen=True)
class Site:
    """One synthetic street of the example programme: its size, tenure mix, true effects and response.

    Every site uses the same instrument (``veerkracht-straat``) and coding frame
    (``gebiedsgericht-werken``), so studies of several sites can be synthesised
    construct by construct. Baseline levels, item properties, noise and interview
    texts are the same as the example street's; what differs is listed here.

    Parameters
    ----------
    id : str
        Study id of the site (also the name of its raw folder, ``data/raw/<id>``).
        Together with the seed it seeds the random streams: the default street
        uses the seed alone (byte-identical to earlier versions), any other site
        ``SeedSequence([seed, crc32(id)])``, so sites are independent for one seed.
    street : str
        Street name in the fake addresses (``<street> <number>``).
    prefix : str
        Prefix of the household and respondent ids (``<prefix>-H001``, ``<prefix>-R0001``).
    homes : int
        Number of homes (all invited to both waves).
    tenure_shares : dict of str to float
        Share of homes per tenure (``owner``, ``social_rent``, ``private_rent``),
        summing to 1; home counts are rounded by largest remainder.
    effects : dict of str to float or sequence, optional
        True latent change (after − before, on the 1–5 answer metric) per scale:
        a number for every tenure, three numbers (owner, social rent, private
        rent) or a mapping tenure -> number. Scales not listed keep the example
        street's effects; ``Site.NULL_EFFECTS`` gives 0 on every scale.
    response : dict, optional
        Household response rates with keys ``before`` (share of homes answering
        the baseline), ``retained`` (share of those answering again) and ``new``
        (share of non-responding homes answering the follow-up), each a number,
        three numbers or a mapping per tenure. Keys not given keep the example
        street's rates.
    other_change : float, default 1.0
        Multiplies the designed before → after change of the yes/no items,
        the information source and the energy bill (0: no change in expectation).
    interviews : dict of str to int, optional
        Interviews per stakeholder group (resident, entrepreneur,
        municipal_staff, partner); default 12, 4, 5, 3. At least 2 residents.
    double_coded : dict of str to int, optional
        Interviews per group also coded by the second coder; default 3, 1, 1, 1.
    project : str, optional
        Name of the QDA project; default ``Veerkrachtige <street> (synthetisch)``.

    Examples
    --------
    >>> small = Site(id="wilgenkade-demo", street="Wilgenkade", prefix="WGK", homes=120,
    ...              tenure_shares={"owner": 0.6, "social_rent": 0.2, "private_rent": 0.2})
    >>> small.tenure_homes()
    {'owner': 72, 'social_rent': 24, 'private_rent': 24}
    >>> Site(id="x", street="X", prefix="X", effects=Site.NULL_EFFECTS).scale_effects()["trust"]
    (0.0, 0.0, 0.0)
    """

    id: str = "noorderbeekdwarsstraat-demo"
    street: str = STREET
    prefix: str = "NBD"
    homes: int = 200
    tenure_shares: dict = field(default_factory=lambda: {"owner": 0.35, "social_rent": 0.40, "private_rent": 0.25})
    effects: dict = field(default_factory=dict)
    response: dict = field(default_factory=dict)
    other_change: float = 1.0
    interviews: dict = field(default_factory=lambda: dict(GROUPS))
    double_coded: dict = field(default_factory=lambda: dict(DOUBLE_CODED))
    project: str | None = None

    NULL_EFFECTS = {scale: 0.0 for scale in SCALES}  # class attribute (not a field)

    def __post_init__(self):
        if not isinstance(self.id, str) or not self.id or not all(ch.isalnum() or ch in "-_" for ch in self.id):
            raise ValueError(f"Site.id must be letters, digits, '-' and '_' (a folder name), got {self.id!r}")
        for name in ("street", "prefix"):
            if not isinstance(getattr(self, name), str) or not getattr(self, name).strip():
                raise ValueError(f"Site.{name} must be a non-empty text")
        if isinstance(self.homes, bool) or not isinstance(self.homes, (int, np.integer)) or not 10 <= self.homes <= 9999:
            raise ValueError(f"Site.homes must be a whole number from 10 to 9999, got {self.homes!r}")
        shares = dict(self.tenure_shares)
        if set(shares) != set(TENURES) or any(not 0 <= float(v) <= 1 for v in shares.values()) \
                or abs(sum(map(float, shares.values())) - 1) > 1e-6:
            raise ValueError(f"Site.tenure_shares must give a share from 0 to 1 for each of {', '.join(TENURES)}, "
                             f"summing to 1; got {shares!r}")
        unknown = set(self.effects) - set(SCALES)
        if unknown:
            raise ValueError(f"Site.effects: unknown scale(s) {sorted(unknown)}; scales are {', '.join(SCALES)}")
        self.scale_effects()
        unknown = set(self.response) - set(RESPONSE)
        if unknown:
            raise ValueError(f"Site.response: unknown key(s) {sorted(unknown)}; keys are {', '.join(RESPONSE)}")
        for key, rates in self.response_rates().items():
            if any(not 0 <= r <= 1 for r in rates):
                raise ValueError(f"Site.response.{key}: rates must lie from 0 to 1, got {rates!r}")
        if not 0 <= float(self.other_change) <= 3:
            raise ValueError(f"Site.other_change must lie from 0 to 3, got {self.other_change!r}")
        if set(self.interviews) != set(GROUPS) or any(int(k) < 1 for k in self.interviews.values()) \
                or self.interviews["resident"] < 2:
            raise ValueError(f"Site.interviews must give at least one interview for each of {', '.join(GROUPS)} "
                             f"(at least 2 residents), got {self.interviews!r}")
        if set(self.double_coded) - set(GROUPS) or any(
                not 0 <= int(k) <= self.interviews[g] for g, k in self.double_coded.items()):
            raise ValueError(f"Site.double_coded: per group at most its number of interviews, got {self.double_coded!r}")
        if sum(int(k) for k in self.interviews.values()) > 99:
            raise ValueError("Site.interviews: at most 99 interviews")

    def tenure_homes(self) -> dict[str, int]:
        """Homes per tenure: ``homes`` × shares, rounded by largest remainder."""
        raw = {t: float(self.tenure_shares[t]) * int(self.homes) for t in TENURES}
        counts = {t: int(np.floor(v + 1e-9)) for t, v in raw.items()}
        rest = int(self.homes) - sum(counts.values())
        for t in sorted(TENURES, key=lambda t: (-(raw[t] - counts[t]), TENURES.index(t)))[:rest]:
            counts[t] += 1
        return counts

    def scale_effects(self) -> dict[str, tuple[float, ...]]:
        """True latent change per scale and tenure (owner, social rent, private rent)."""
        return {scale: (_per_tenure(self.effects[scale], f"Site.effects.{scale}") if scale in self.effects
                        else change) for scale, (_, _, change, _) in SCALES.items()}

    def response_rates(self) -> dict[str, tuple[float, ...]]:
        """Household response rates per tenure: ``before``, ``retained``, ``new``."""
        return {key: (_per_tenure(self.response[key], f"Site.response.{key}") if key in self.response else rates)
                for key, rates in RESPONSE.items()}

    def entropy(self, seed: int):
        """Entropy of the site's random streams for ``seed``."""
        return int(seed) if self.id == DEFAULT_SITE_ID else [int(seed), zlib.crc32(self.id.encode("utf-8"))]

    def project_name(self) -> str:
        return self.project or f"Veerkrachtige {self.street} (synthetisch)"

    def as_dict(self) -> dict:
        """The site's parameters, JSON-serialisable (as recorded in the truth file)."""
        return {
            "id": self.id,
            "street": self.street,
            "homes": int(self.homes),
            "tenure_shares": {t: _r(self.tenure_shares[t]) for t in TENURES},
            "tenure_homes": self.tenure_homes(),
            "effects": {s: dict(zip(TENURES, map(_r, v))) for s, v in self.scale_effects().items()},
            "response": {k: dict(zip(TENURES, map(_r, v))) for k, v in self.response_rates().items()},
            "other_change": _r(self.other_change),
            "interviews": {g: int(k) for g, k in self.interviews.items()},
            "double_coded": {g: int(self.double_coded.get(g, 0)) for g in self.interviews},
        }

    @classmethod
    def from_mapping(cls, spec: dict) -> "Site":
        """A site from a mapping such as a study file's ``demo:`` section (keys as the fields)."""
        if not isinstance(spec, dict):
            raise ValueError(f"a site is described by a mapping of its parameters, got {type(spec).__name__}")
        known = set(cls.__dataclass_fields__)
        unknown = set(spec) - known
        if unknown:
            raise ValueError(f"unknown site parameter(s) {sorted(unknown)}; allowed: {', '.join(sorted(known))}")
        return cls(**spec)


DEFAULT_SITE_ID = "noorderbeekdwarsstraat-demo"
#: The example street (``config/studies/noorderbeekdwarsstraat-demo.yml``).
DEFAULT_SITE = Site()
#: Registered synthetic streets by study id: ``evaluation demo --study <config>`` generates the street
#: whose id is the study's raw-folder name. Each has a study file ``config/studies/<id>.yml``.
SITES = {
    DEFAULT_SITE_ID: DEFAULT_SITE,
    # small, mostly owner-occupied street; effects larger than the example's, strongest for owners
    "wilgenkade-demo": Site(
        id="wilgenkade-demo", street="Wilgenkade", prefix="WGK", homes=120,
        tenure_shares={"owner": 0.60, "social_rent": 0.20, "private_rent": 0.20},
        effects={"cohesion": (0.55, 0.40, 0.35), "trust": (0.45, 0.35, 0.30), "preparedness": 0.50,
                 "energy": (0.30, 0.10, 0.10), "digital": 0.0, "climate": (0.40, 0.30, 0.30)},
        response={"before": (0.62, 0.45, 0.40), "retained": (0.70, 0.50, 0.40), "new": (0.40, 0.30, 0.25)},
        interviews={"resident": 8, "entrepreneur": 2, "municipal_staff": 4, "partner": 2},
        double_coded={"resident": 2, "entrepreneur": 1, "municipal_staff": 1, "partner": 1},
    ),
    # large, mostly social-rent street where the approach changed nothing: a null effect on every scale
    "molenveldstraat-demo": Site(
        id="molenveldstraat-demo", street="Molenveldstraat", prefix="MVS", homes=320,
        tenure_shares={"owner": 0.15, "social_rent": 0.65, "private_rent": 0.20},
        effects=Site.NULL_EFFECTS, other_change=0.0,
        response={"before": (0.50, 0.32, 0.30), "retained": (0.60, 0.40, 0.35), "new": (0.30, 0.22, 0.20)},
        interviews={"resident": 14, "entrepreneur": 5, "municipal_staff": 6, "partner": 4},
        double_coded={"resident": 3, "entrepreneur": 1, "municipal_staff": 2, "partner": 1},
    ),
}


def site_for_study(study) -> Site:
    """The synthetic site a study file describes.

    Parameters
    ----------
    study : path-like or evaluation.config.Study
        A study file (or loaded study).

    Returns
    -------
    Site
        From the file's ``demo:`` section when it has one (keys as :class:`Site`'s
        fields; ``id`` defaults to the study id), else the registered site in
        :data:`SITES` named like the study's raw folder or its id, else
        :data:`DEFAULT_SITE`.

    Examples
    --------
    >>> site_for_study("config/studies/wilgenkade-demo.yml").homes
    120
    """
    import yaml

    if hasattr(study, "path") and hasattr(study, "raw_dir"):
        path, study_id, raw_name = Path(study.path), study.id, Path(study.raw_dir).name
    else:
        path = Path(study)
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        meta = data.get("study") or {}
        study_id = str(meta.get("id") or path.stem)
        raw_name = Path(str(meta["raw_dir"])).name if meta.get("raw_dir") else study_id
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    spec = data.get("demo") if isinstance(data, dict) else None
    if isinstance(spec, dict) and spec:
        return Site.from_mapping({"id": raw_name, **spec})
    return SITES.get(raw_name) or SITES.get(study_id) or DEFAULT_SITE


def _scaled(shares: dict, k: float):
    """The 'after' shares with the designed change multiplied by ``k`` (exactly the design's when k == 1)."""
    if k == 1:
        return shares["after"]
    return tuple(b + k * (a - b) for b, a in zip(shares["before"], shares["after"]))


def _site_truth(site: Site, people, answers, scales) -> dict:
    """The site's parameters and its true effects per scale, also in baseline-SD units."""
    effects = {}
    for scale, s in scales.items():
        before = _scale_score(answers["before"], s["items"])
        sd = float(before.std(ddof=0))
        change = s["change"]["overall"]
        effects[scale] = {
            "latent_change": s["latent_change_parameter"]["overall"],
            "change": change,
            "baseline_sd": _r(sd),
            "standardised_change": _r(change / sd) if sd > 0 else None,
        }
    return site.as_dict() | {"true_effects": effects}


@dataclass
class _Study:
    responses: dict[str, pd.DataFrame]  # wave -> survey file rows
    documents: pd.DataFrame
    segments: pd.DataFrame
    interviewees: pd.DataFrame
    truth: dict


# --- survey simulation -------------------------------------------------------
def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower().replace(" ", "")


def _population(rng: np.random.Generator, site: "Site") -> pd.DataFrame:
    homes = site.tenure_homes()
    tenure = rng.permutation(np.repeat(TENURES, [homes[t] for t in TENURES]))
    width = max(3, len(str(site.homes)))
    rows, emails = [], set()
    for h, ten in enumerate(tenure):
        n_adults = int(rng.choice([1, 2, 3], p=ADULTS_PROBS))
        family = SURNAMES[rng.integers(len(SURNAMES))]
        for _ in range(n_adults):
            surname = family if rng.random() < 0.7 else SURNAMES[rng.integers(len(SURNAMES))]
            first = FIRST_NAMES[rng.integers(len(FIRST_NAMES))]
            local = f"{_ascii(first)}.{_ascii(surname)}"
            email, k = f"{local}@{MAIL_DOMAINS[rng.integers(3)]}", 1
            while email in emails:
                k += 1
                email = f"{local}{k}@{email.split('@')[1]}"
            emails.add(email)
            rows.append({
                "household_id": f"{site.prefix}-H{h + 1:0{width}d}",
                "naam": f"{first} {surname}",
                "email": email,
                "adres": f"{site.street} {h + 1}",
                "tenure": str(ten),
                "woonvorm": TENURES.index(ten) + 1,
                "leeftijd": int(rng.choice([1, 2, 3], p=AGE_PROBS[ten])),
            })
    people = pd.DataFrame(rows)
    ids = rng.permutation(len(people)) + 1
    people.insert(0, "respondent_id", [f"{site.prefix}-R{i:04d}" for i in ids])
    return people


def _latent(rng, people: pd.DataFrame, site: "Site") -> dict[str, dict[str, np.ndarray]]:
    """Latent scale values per wave (resident × scale), before item noise."""
    n = len(people)
    t_index = people["woonvorm"].to_numpy() - 1
    household = pd.factorize(people["household_id"])[0]
    general = rng.normal(size=n)
    latent = {w: {} for w in WAVES}
    effects = site.scale_effects()
    for scale, (_, base, _, _) in SCALES.items():
        change = effects[scale]
        h_effect = rng.normal(0, SD_HOUSEHOLD, household.max() + 1)[household]
        person = SD_PERSON * (np.sqrt(GENERAL_SHARE) * general + np.sqrt(1 - GENERAL_SHARE) * rng.normal(size=n))
        stable = np.asarray(base)[t_index] + h_effect + person
        latent["before"][scale] = stable + rng.normal(0, SD_OCCASION, n)
        latent["after"][scale] = stable + np.asarray(change)[t_index] + rng.normal(0, SD_OCCASION, n)
    return latent


def _persist(rng, before: np.ndarray, after_share: np.ndarray, keep: float, before_share: np.ndarray) -> np.ndarray:
    """Binary after-values: keep a 'yes' with prob ``keep``; new 'yes' so the after share is ``after_share``."""
    new = np.clip((after_share - keep * before_share) / (1 - before_share), 0, 1)
    return np.where(before == 1, rng.random(len(before)) < keep, rng.random(len(before)) < new).astype(int)


def _true_answers(rng, people: pd.DataFrame, site: "Site") -> dict[str, pd.DataFrame]:
    """Every resident's complete answers in both waves (no missing codes)."""
    n = len(people)
    t_index = people["woonvorm"].to_numpy() - 1
    household = pd.factorize(people["household_id"])[0]
    latent = _latent(rng, people, site)
    answers = {w: pd.DataFrame(index=people.index) for w in WAVES}
    for scale, (items, *_rest) in SCALES.items():
        for item in items:
            for w in WAVES:
                y = np.clip(np.rint(latent[w][scale] + ITEM_OFFSET[item] + rng.normal(0, SD_ITEM, n)), 1, 5).astype(int)
                answers[w][item] = 6 - y if item in REVERSED else y
    for w in WAVES:
        for scale in SCALES:
            answers[w][f"latent_{scale}"] = latent[w][scale]
    homes = household.max() + 1
    home_tenure = pd.Series(t_index).groupby(household).first().to_numpy()
    k = site.other_change
    gev_b_share = np.asarray(GEVELTUIN["before"])[home_tenure]
    gev_before = (rng.random(homes) < gev_b_share).astype(int)
    gev_after = _persist(rng, gev_before, np.asarray(_scaled(GEVELTUIN, k))[home_tenure], KEEP["geveltuin"], gev_b_share)
    answers["before"]["geveltuin"], answers["after"]["geveltuin"] = gev_before[household], gev_after[household]
    cp_b_share = np.asarray(CONTACTPERSOON["before"])[t_index]
    cp_before = (rng.random(n) < cp_b_share).astype(int)
    answers["before"]["contactpersoon"] = cp_before
    answers["after"]["contactpersoon"] = _persist(
        rng, cp_before, np.asarray(_scaled(CONTACTPERSOON, k))[t_index], KEEP["contactpersoon"], cp_b_share
    )
    p_before, p_after = np.asarray(INFOBRON["before"]), np.asarray(_scaled(INFOBRON, k))
    info_before = rng.choice(4, size=n, p=p_before) + 1
    redraw = (p_after - KEEP["infobron"] * p_before) / (1 - KEEP["infobron"])
    answers["before"]["infobron"] = info_before
    answers["after"]["infobron"] = np.where(
        rng.random(n) < KEEP["infobron"], info_before, rng.choice(4, size=n, p=redraw) + 1
    )
    bill = np.asarray(BILL_MEDIAN)[home_tenure] * np.exp(rng.normal(0, 0.25, homes))
    bill_after = bill * np.exp(rng.normal(-0.05 if k == 1 else -0.05 * k, 0.08, homes))
    for w, home_bill in (("before", bill), ("after", bill_after)):
        reported = home_bill[household] * np.exp(rng.normal(0, 0.08, n))
        whole = rng.random(n) < 0.4  # many people give whole euros
        answers[w]["energierekening"] = np.where(whole, np.rint(reported), np.round(reported, 2))
    return answers


def _respondents(rng, people: pd.DataFrame, site: "Site") -> dict[str, list[int]]:
    """Row numbers (into ``people``) of the respondents per wave.

    Per tenure, round(rate × homes) homes respond (drawn at random), so the
    response rates are the design's for every seed; who answers is random.
    """
    by_home = {h: list(idx) for h, idx in people.groupby("household_id", sort=True).groups.items()}
    home_tenure = people.groupby("household_id", sort=True)["tenure"].first()
    chosen: dict[str, list[int]] = {"before": [], "after": []}

    def pick(members: list[int]) -> list[int]:
        first = int(rng.choice(members))
        rest = [m for m in members if m != first]
        second = [int(rng.choice(rest))] if rest and rng.random() < SECOND_RESPONDENT else []
        return [first, *second]

    def draw(homes: list[str], rate: float) -> list[str]:
        return sorted(rng.choice(homes, size=int(round(rate * len(homes))), replace=False).tolist())

    response = site.response_rates()
    for t, tenure in enumerate(TENURES):
        homes = home_tenure.index[home_tenure == tenure].tolist()
        before = draw(homes, response["before"][t])
        retained = draw(before, response["retained"][t])
        new = draw([h for h in homes if h not in before], response["new"][t])
        for home in before:
            chosen["before"] += pick(by_home[home])
        for home in retained:
            members = by_home[home]
            again = [m for m in members if m in chosen["before"] and rng.random() < SAME_PERSON_AGAIN]
            others = [m for m in members if m not in again]
            if not again:
                again = pick(members)[:1]  # someone else, or the same person after all
            elif others and rng.random() < SECOND_RESPONDENT / 2:
                again.append(int(rng.choice(others)))
            chosen["after"] += again
        for home in new:
            chosen["after"] += pick(by_home[home])
    return chosen


def _with_missing(rng, answers: pd.DataFrame, people: pd.DataFrame) -> pd.DataFrame:
    """Survey rows as received: direct identifiers, background, answer codes with missing codes."""
    n = len(answers)
    propensity = rng.gamma(2.0, 0.5, n)  # some people say "don't know" more often
    out = people.loc[answers.index, ["respondent_id", "household_id", "naam", "email", "adres", "woonvorm", "leeftijd"]]
    out = out.copy()
    rates = {item: rate for items, _, _, rate in SCALES.values() for item in items} | DK
    for item in ITEM_COLUMNS:
        u = rng.random(n)
        dk = u < rates[item] * propensity
        values = answers[item].astype(float).to_numpy()
        dk_code = -8 if item == "energierekening" else 8
        values = np.where(dk, dk_code, values)
        if item not in DK:  # 5-point items: rare refusal
            values = np.where(~dk & (u < rates[item] * propensity + REFUSED_RATE), 9, values)
        skipped = rng.random(n) < SKIPPED_RATE
        out[item] = np.where(skipped, np.nan, values)
    return out.sort_values("respondent_id").reset_index(drop=True)


# --- interviews --------------------------------------------------------------
def _interviews(rng, site: "Site") -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    groups = rng.permutation([g for g, k in site.interviews.items() for _ in range(k)])
    cases = [f"INT-{i + 1:02d}" for i in range(len(groups))]
    start = dt.date(2024, 9, 2)
    dates = sorted(start + dt.timedelta(days=int(d)) for d in rng.choice(max(26, len(cases) + 2), size=len(cases), replace=False))
    interviewees = pd.DataFrame({
        "case": cases,
        "stakeholder_group": [str(g) for g in groups],
        "interview_date": [d.isoformat() for d in dates],
    })
    double = set()
    for group, k in site.double_coded.items():
        members = interviewees.loc[interviewees["stakeholder_group"] == group, "case"].tolist()
        double |= set(rng.choice(members, size=k, replace=False).tolist())
    emoji_cases = set(rng.choice(interviewees.loc[groups == "resident", "case"].tolist(), size=2, replace=False).tolist())

    documents, rows = [], []
    group_index = list(GROUPS)
    for case, group in zip(cases, interviewees["stakeholder_group"]):
        document = f"Interview {case[-2:]}"
        g = group_index.index(group)
        topics = [c for c, (_, p) in CODES.items() if rng.random() < p[g]]
        while len(topics) < 2:
            extra = str(rng.choice(list(CODES)))
            topics += [] if extra in topics else [extra]
        # topics in random order; a topic gets one passage, sometimes a follow-up
        passages = [(c, k) for i in rng.permutation(len(topics)) for c in [topics[i]]
                    for k in range(1 + rng.binomial(1, 0.35))]
        text = f"{document}\n\n"

        def turn(question: str, sentences: list[str]) -> tuple[int, list[tuple[int, int]]]:
            nonlocal text
            text += f"I: {question}\nR: "
            spans, pos = [], len(text)
            for k, sentence in enumerate(sentences):
                if k:
                    text += " "
                spans.append((len(text), len(text) + len(sentence)))
                text += sentence
            text += "\n\n"
            return pos, spans

        intro = [str(rng.choice(INTROS[group]))] + ([EMOJI_SENTENCE] if case in emoji_cases else [])
        turn(INTRO_QUESTION, intro)
        for code, follow_up in passages:
            question, pool = PHRASES[code]
            if not follow_up:
                unused = [str(s) for s in rng.permutation(pool)]
            else:
                question = str(rng.choice(FOLLOW_UPS))
            sentences = [unused.pop(), unused.pop()]
            secondary = RELATED.get(code) if rng.random() < 0.3 else None
            if secondary:
                sentences.append(str(rng.choice(PHRASES[secondary][1])))
            identifying = rng.random() < 0.12
            if identifying:
                sentences.insert(int(rng.integers(len(sentences) + 1)), str(rng.choice(IDENTIFYING)).format(
                    surname=str(rng.choice(SURNAMES)).replace("de ", "De ", 1).replace("van ", "Van ", 1),
                    first=str(rng.choice(FIRST_NAMES)),
                    number=int(rng.integers(1, site.homes + 1)),
                ))
            _, spans = turn(question, sentences)
            base = {"document": document, "case": case, "group": group, "identifying": identifying, "spans": spans}
            rows.append(base | {"code": code, "start": spans[0][0], "end": spans[-1][1], "role": "primary"})
            if secondary:
                # either the whole passage or only its last sentence carries the related code
                whole = rng.random() < 0.5
                s0 = spans[0][0] if whole else spans[-1][0]
                rows.append(base | {"code": secondary, "start": s0, "end": spans[-1][1], "role": "secondary"})
        turn(CLOSING_QUESTION, [str(rng.choice(CLOSINGS))])
        documents.append({"document": document, "case": case, "text": text})

    coder1 = pd.DataFrame(rows)
    # a secondary code equal to the primary code of the same span would repeat a coding
    coder1 = coder1.drop_duplicates(["document", "start", "end", "code"]).reset_index(drop=True)
    coder1["coder"] = CODERS[0]
    primary = coder1[coder1["role"] == "primary"]
    approved = primary[~primary["identifying"].astype(bool) & (rng.random(len(primary)) < 0.30)]
    approved = approved.assign(code=APPROVED_CODE, role="meta")
    coder2 = _second_coder(rng, coder1[coder1["case"].isin(double)])
    segments = pd.concat([coder1, approved, coder2], ignore_index=True)
    docs = pd.DataFrame(documents)
    text_of = dict(zip(docs["document"], docs["text"]))
    segments["text"] = [text_of[d][s:e] for d, s, e in zip(segments["document"], segments["start"], segments["end"])]
    segments = segments.sort_values(["document", "start", "end", "coder", "code"], kind="stable")
    segments = segments[["document", "case", "group", "code", "start", "end", "text", "coder", "role"]]
    interviewees["double_coded"] = interviewees["case"].isin(double)
    return docs, segments.reset_index(drop=True), interviewees


def _second_coder(rng, coder1: pd.DataFrame) -> pd.DataFrame:
    """The second coder mostly agrees, sometimes misses a code, uses a neighbour code or shifts a boundary."""
    rows = []
    for row in coder1.to_dict("records"):
        u = rng.random()
        if u < 0.08:
            continue  # missed
        if u < 0.14 and row["code"] in CONFUSED:
            row = row | {"code": CONFUSED[row["code"]]}
        elif u < 0.34:
            inside = [s for s in row["spans"] if row["start"] <= s[0] and s[1] <= row["end"]]
            if len(inside) > 1:
                drop_first = rng.random() < 0.5
                row = row | ({"start": inside[1][0]} if drop_first else {"end": inside[-2][1]})
        rows.append(row | {"coder": CODERS[1]})
    out = pd.DataFrame(rows)
    return out.drop_duplicates(["document", "start", "end", "code"]).reset_index(drop=True)


# --- truth -------------------------------------------------------------------
def _r(x) -> float | None:
    x = float(x)
    return None if np.isnan(x) else round(x, 6)  # None (JSON null): e.g. the mean of a tenure without homes


def _by_tenure(values: pd.Series, tenure: pd.Series, how="mean") -> dict[str, float]:
    grouped = values.groupby(tenure.to_numpy())
    agg = getattr(grouped, how)()
    overall = getattr(values, how)()
    return {"overall": _r(overall) if how == "mean" else int(overall)} | {
        t: (_r(agg.get(t, np.nan)) if how == "mean" else int(agg.get(t, 0))) for t in TENURES
    }


def _scale_score(answers: pd.DataFrame, items) -> pd.Series:
    """Mean of the item codes after reverse keying (complete answers)."""
    keyed = answers[list(items)].copy()
    for item in set(items) & set(REVERSED):
        keyed[item] = 6 - keyed[item]
    return keyed.mean(axis=1)


def _truth(seed, people, answers, chosen, segments, interviewees, site: "Site") -> dict:
    tenure = people["tenure"]
    scales, effects = {}, site.scale_effects()
    for scale, (items, *_rest) in SCALES.items():
        change = effects[scale]
        score = {w: _scale_score(answers[w], items) for w in WAVES}
        latent = {w: answers[w][f"latent_{scale}"] for w in WAVES}
        param = pd.Series(np.asarray(change)[people["woonvorm"].to_numpy() - 1])
        scales[scale] = {
            "items": list(items),
            "reverse_keyed": [i for i in items if i in REVERSED],
            "latent_change_parameter": _by_tenure(param, tenure),
            "latent_mean": {w: _by_tenure(latent[w], tenure) for w in WAVES},
            "mean": {w: _by_tenure(score[w], tenure) for w in WAVES},
            "change": _by_tenure(score["after"] - score["before"], tenure),
        }
    binary = {}
    for item in ("geveltuin", "contactpersoon"):
        share = {w: _by_tenure(answers[w][item].astype(float), tenure) for w in WAVES}
        binary[item] = {"share": share, "change": _by_tenure(answers["after"][item] - answers["before"][item], tenure)}
    infobron = {w: {str(k): _r((answers[w]["infobron"] == k).mean()) for k in range(1, 5)} for w in WAVES}
    bill = {w: _by_tenure(answers[w]["energierekening"], tenure) for w in WAVES}

    resp = {}
    sets = {w: set(chosen[w]) for w in WAVES}
    for w in WAVES:
        rows = people.loc[sorted(sets[w])]
        homes = rows.drop_duplicates("household_id")
        resp[w] = {
            "respondents": _by_tenure(pd.Series(1, index=rows.index), rows["tenure"], "sum"),
            "households": _by_tenure(pd.Series(1, index=homes.index), homes["tenure"], "sum"),
            "household_response_rate": _r(len(homes) / site.homes),
        }
    panel_rows = people.loc[sorted(sets["before"] & sets["after"])]
    panel = {
        "respondents": _by_tenure(pd.Series(1, index=panel_rows.index), panel_rows["tenure"], "sum"),
        "share_of_after": _r(len(panel_rows) / len(sets["after"])),
        "share_of_before": _r(len(panel_rows) / len(sets["before"])),
    }

    first = segments[segments["coder"] == CODERS[0]]
    n_cases_group = interviewees["stakeholder_group"].value_counts()

    def counts(frame: pd.DataFrame) -> dict:
        return {
            code: {"n_segments": int((frame["code"] == code).sum()),
                   "n_cases": int(frame.loc[frame["code"] == code, "case"].nunique())}
            for code in [*CODES, APPROVED_CODE]
        }

    return {
        "synthetic": True,
        "note": "Ground truth of the SYNTHETIC example study generated by evaluation.demo; not real data.",
        "seed": int(seed),
        "population": {
            "unit": "adult residents (closed population: nobody moves between waves)",
            "homes": _by_tenure(pd.Series(1, index=people.drop_duplicates("household_id").index),
                                people.drop_duplicates("household_id")["tenure"], "sum"),
            "residents": _by_tenure(pd.Series(1, index=people.index), tenure, "sum"),
        },
        "scales": scales,
        "binary": binary,
        "infobron_share": infobron,
        "energierekening_mean": bill,
        "response": resp,
        "panel": panel,
        "interviews": {
            "n_interviews": int(len(interviewees)),
            "cases_per_group": {g: int(n_cases_group.get(g, 0)) for g in site.interviews},
            "double_coded": sorted(interviewees.loc[interviewees["double_coded"], "case"].tolist()),
            "approved_code": APPROVED_CODE,
            "coder": CODERS[0],
            "code_counts": counts(first),
            "code_counts_by_group": {g: counts(first[first["group"] == g]) for g in site.interviews},
        },
        "site": _site_truth(site, people, answers, scales),
    }


def _simulate(seed: int, site: "Site") -> _Study:
    survey_seed, response_seed, interview_seed = np.random.SeedSequence(site.entropy(seed)).spawn(3)
    rng = np.random.default_rng(survey_seed)
    people = _population(rng, site)
    answers = _true_answers(rng, people, site)
    rng_resp = np.random.default_rng(response_seed)
    chosen = _respondents(rng_resp, people, site)
    responses = {w: _with_missing(rng_resp, answers[w].loc[sorted(chosen[w])], people) for w in WAVES}
    documents, segments, interviewees = _interviews(np.random.default_rng(interview_seed), site)
    truth = _truth(seed, people, answers, chosen, segments, interviewees, site)
    return _Study(responses, documents, segments, interviewees, truth)


# --- writing -----------------------------------------------------------------
def _csv_value(value, column: str) -> str:
    if pd.isna(value):
        return ""
    if column == "energierekening":
        text = f"{value:.2f}".rstrip("0").rstrip(".") if value != int(value) else str(int(value))
        return text.replace(".", ",")
    if column in ITEM_COLUMNS or column in ("woonvorm", "leeftijd"):
        return str(int(value))
    return str(value)


def _write_csv(frame: pd.DataFrame, path: Path) -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(SURVEY_COLUMNS)
    for row in frame[SURVEY_COLUMNS].itertuples(index=False):
        writer.writerow([_csv_value(v, c) for v, c in zip(row, SURVEY_COLUMNS)])
    path.write_bytes(buffer.getvalue().encode("cp1252"))
    return path


def _write_xlsx(frame: pd.DataFrame, path: Path) -> Path:
    from openpyxl import Workbook
    from openpyxl.writer.excel import ExcelWriter

    wb = Workbook()
    ws = wb.active
    ws.title = XLSX_SHEET
    ws.append(SURVEY_COLUMNS)
    for row in frame[SURVEY_COLUMNS].itertuples(index=False):
        cells = []
        for value, column in zip(row, SURVEY_COLUMNS):
            if pd.isna(value):
                cells.append(None)
            elif column == "energierekening":
                cells.append(float(value))
            elif isinstance(value, str):
                cells.append(value)
            else:
                cells.append(int(value))
        ws.append(cells)
    wb.properties.creator = "evaluation demo"
    wb.properties.created = wb.properties.modified = _XLSX_TIME
    buffer = io.BytesIO()
    # ExcelWriter directly: openpyxl's save_workbook stamps the current time
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(wb, archive).write_data()
    with zipfile.ZipFile(buffer) as archive:
        members = [(name, archive.read(name)) for name in archive.namelist()]
    return write_reproducible_zip(path, members)


def _codebook() -> pd.DataFrame:
    rows = [{"code": p, "parent": None, "description": None, "color": None} for p in ("Thema's", "Werkwijze", "Administratie")]
    rows += [{"code": c, "parent": parent, "description": None, "color": COLORS[i]} for i, (c, (parent, _)) in enumerate(CODES.items())]
    rows.append({"code": APPROVED_CODE, "parent": "Administratie",
                 "description": "De geïnterviewde gaf toestemming om deze passage te citeren.", "color": "#000000"})
    return pd.DataFrame(rows)


def write_truth(truth: dict, path) -> Path:
    """Write the example study's ground truth as UTF-8 JSON.

    Parameters
    ----------
    truth : dict
        JSON-serialisable ground truth (as built by :func:`generate_demo`).
    path : str or pathlib.Path
        File to write (parent folders are created).

    Returns
    -------
    pathlib.Path
        The file written (2-space indented, keys in insertion order, final newline).

    Examples
    --------
    >>> import tempfile, json
    >>> p = write_truth({"synthetic": True}, tempfile.mkdtemp() + "/t.json")
    >>> json.loads(p.read_text(encoding="utf-8"))["synthetic"]
    True
    """
    if not isinstance(truth, dict):
        raise TypeError(f"`truth` must be a dict, got {type(truth).__name__}")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(truth, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def truth_path_for(out_dir) -> Path:
    """Default ground-truth file of a raw folder: ``<out_dir>.truth.json`` beside it."""
    out_dir = Path(out_dir)
    return out_dir.parent / f"{out_dir.name}.truth.json"


def check_demo_files(raw_dir, files) -> str | None:
    """Whether ``files`` are exactly the files :func:`generate_demo` wrote into ``raw_dir``.

    Parameters
    ----------
    raw_dir : path-like
        The synthetic study's raw folder.
    files : iterable of path-like
        The study's raw files (inside ``raw_dir``).

    Returns
    -------
    str or None
        None when every file's SHA-256 equals the one recorded under ``files``
        in ``<raw_dir>.truth.json``; otherwise why not (one sentence).

    Examples
    --------
    >>> import tempfile
    >>> out = Path(tempfile.mkdtemp()) / "demo"
    >>> paths = generate_demo(out_dir=out)
    >>> check_demo_files(out, [paths["before"]]) is None
    True
    """
    raw_dir = Path(raw_dir)
    truth = truth_path_for(raw_dir)
    if not truth.is_file():
        return f"{truth.name} (the generator's record of its files) is missing beside {raw_dir}"
    try:
        recorded = json.loads(truth.read_text(encoding="utf-8")).get("files")
    except (OSError, UnicodeDecodeError, ValueError, AttributeError):
        recorded = None
    if not isinstance(recorded, dict):
        return f"{truth.name} holds no record of generated files (written by an older version?)"
    for file in files:
        file = Path(file)
        try:
            name = file.relative_to(raw_dir).as_posix()
        except ValueError:
            return f"{file} lies outside {raw_dir}"
        if name not in recorded:
            return f"{name} was not written by the generator"
        if not file.is_file() or _sha256(file) != recorded[name]:
            return f"{name} is missing or differs from the file the generator wrote"
    return None


def generate_demo(*, out_dir, seed: int = DEFAULT_SEED, truth_path=None, overwrite: bool = False,
                  site: Site | None = None) -> dict[str, Path]:
    """Simulate the synthetic example study (or another synthetic street) and write its raw files and ground truth.

    Parameters
    ----------
    out_dir : str or pathlib.Path
        Raw-data folder of the study (created if needed), e.g.
        ``data/raw/noorderbeekdwarsstraat-demo``.
    seed : int, default 20240501
        Random seed; the same seed gives byte-identical files.
    truth_path : str or pathlib.Path, optional
        Where to write the ground truth; default ``<out_dir>.truth.json`` beside
        (not inside) the raw folder, so the import never reads it.
    overwrite : bool, default False
        Raw data are never overwritten by accident: unless True, ``out_dir``
        must be missing or empty.
    site : Site, optional
        The street to simulate (size, tenure mix, true effects, response rates;
        see :class:`Site`). Default: the registered site in :data:`SITES` whose
        id is ``out_dir``'s folder name (so ``evaluation demo --study
        config/studies/wilgenkade-demo.yml`` writes Wilgenkade), else the
        example street :data:`DEFAULT_SITE`, whose files are byte-identical to
        earlier versions for every seed.

    Returns
    -------
    dict of str to pathlib.Path
        ``before`` (nulmeting.csv), ``after`` (eindmeting.xlsx), ``codings``
        (interviews.qdpx), ``interviewees`` (geinterviewden.csv), ``truth``.

    Raises
    ------
    FileExistsError
        ``out_dir`` holds files and ``overwrite`` is False.

    Notes
    -----
    Survey model (per adult resident *i* in home *h*, scale *s*, wave *w*):
    latent :math:`\\theta_{isw} = \\mu_{s,t(h)} + u_{hs} + p_{is} + \\delta_{s,t(h)}[w=after] + \\varepsilon_{isw}`,
    answer :math:`\\mathrm{clip}(\\mathrm{round}(\\theta_{isw} + a_j + e_{ijw}), 1, 5)`, with
    household effect :math:`u \\sim N(0, .25^2)`, person effect :math:`p \\sim N(0, .5^2)`
    (30% of its variance shared across scales), occasion noise :math:`N(0, .2^2)`
    and item noise :math:`N(0, .75^2)`; reverse-keyed items are written as 6 − answer.
    Response depends on tenure only (missing at random given tenure).

    The truth JSON holds: ``population`` (homes and residents by tenure);
    ``scales[scale]`` with ``latent_change_parameter`` (δ), ``latent_mean``,
    ``mean`` (finite-population mean of the scale score — mean of the item
    codes after reverse keying, 1–5, all residents, no missing answers) per
    wave and ``change`` (after − before), each as ``overall`` plus one value
    per tenure; ``binary[item]`` shares and change; ``infobron_share``;
    ``energierekening_mean``; ``response[wave]`` (respondents, households,
    household response rate); ``panel`` (respondents in both waves); and
    ``interviews`` with exact ``code_counts`` (``n_segments``, ``n_cases``) of
    coder ``codeur-1`` overall and ``code_counts_by_group``; ``site``: the
    site's parameters (:meth:`Site.as_dict`) and ``true_effects[scale]``
    (``latent_change`` δ, finite-population ``change`` of the score, the score's
    population ``baseline_sd`` and ``standardised_change`` = change / baseline
    SD, the target of a cross-site synthesis); ``files`` maps each
    raw file's name to its SHA-256 (:func:`check_demo_files` uses it: the fixed
    demo pseudonym key is only accepted for these exact files).

    Examples
    --------
    >>> import tempfile, json
    >>> paths = generate_demo(out_dir=tempfile.mkdtemp() + "/demo")
    >>> sorted(paths)
    ['after', 'before', 'codings', 'interviewees', 'truth']
    >>> json.loads(paths["truth"].read_text(encoding="utf-8"))["synthetic"]
    True
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise TypeError(f"`seed` must be a non-negative integer, got {seed!r}")
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise FileExistsError(f"{out_dir} is a file, not a folder; give the raw-data folder of the example study")
    present = sorted(p.name for p in out_dir.iterdir()) if out_dir.is_dir() else []
    if present and not overwrite:
        shown = ", ".join(present[:5]) + (", …" if len(present) > 5 else "")
        raise FileExistsError(
            f"{out_dir} is not empty ({shown}); raw data are never overwritten by accident. "
            "Use an empty folder, or pass overwrite=True (`evaluation demo --overwrite`) to replace the example files."
        )
    if site is None:
        site = SITES.get(out_dir.name, DEFAULT_SITE)
    if not isinstance(site, Site):
        raise TypeError(f"`site` must be an evaluation.demo.Site, got {type(site).__name__}")
    out_dir.mkdir(parents=True, exist_ok=True)
    study = _simulate(int(seed), site)
    paths = {
        "before": _write_csv(study.responses["before"], out_dir / FILES["before"]),
        "after": _write_xlsx(study.responses["after"], out_dir / FILES["after"]),
    }
    segments = study.segments.drop(columns=["group", "role"])
    paths["codings"] = write_qdpx(
        out_dir / FILES["codings"],
        segments,
        documents=study.documents,
        codebook=_codebook(),
        users=list(CODERS),
        cases=study.interviewees[["case", "stakeholder_group"]],
        name=site.project_name(),
    )
    interviewees = out_dir / FILES["interviewees"]
    interviewees.write_text(
        study.interviewees[["case", "stakeholder_group", "interview_date"]].to_csv(sep=";", index=False, lineterminator="\n"),
        encoding="utf-8",
    )
    paths["interviewees"] = interviewees
    truth = Path(truth_path) if truth_path is not None else truth_path_for(out_dir)
    files = {paths[k].name: _sha256(paths[k]) for k in ("before", "after", "codings", "interviewees")}
    paths["truth"] = write_truth({**study.truth, "files": files}, truth)
    return paths


# =============================================================================
# Study shapes (issue 9): complete, self-contained synthetic studies shaped
# unlike the example (other languages, scale lengths, files, designs).
# None of them uses the example study's words: other streets, municipalities,
# constructs, codes and stakeholder groups.
# =============================================================================
@dataclass(frozen=True)
class Shape:
    """The shape of a synthetic study written by :func:`write_shape_study`.

    Parameters
    ----------
    description : str
        One line saying what is special about the shape.
    languages : tuple of str, default ("en", "nl")
        Languages of every label in the configuration and of the report; the
        first one is the language of the interviews.
    points : int, default 5
        Answer points of the agreement scales (e.g. 5 or 7); every scale has one
        reverse-worded item.
    survey : bool, default True
        Whether the study has a resident survey (instrument, waves).
    waves : int, default 2
        Survey waves: 2 (before/after) or 1 (baseline only).
    panel : bool, default True
        Whether some respondents answer both waves; False: the follow-up is
        answered only by homes that did not answer the baseline.
    file_format : {"csv", "xlsx", "sav"}, default "csv"
        Format of the survey exports. ``sav``: SPSS with variable and value
        labels and user-missing codes (``missing`` codes declared missing).
    missing : tuple of int, default (8, 9)
        Codes of "don't know" and "prefer not to say".
    yesno, categorical : bool, default True
        Whether the instrument has a yes/no item and a categorical item.
    background : tuple of str, default ("tenure", "age_group")
        Background variables in the instrument and the files (a subset of these two).
    groups : tuple of str, default ("tenure",)
        ``analysis.groups`` (zero, one or several background variables).
    margins : bool, default True
        Whether ``population.margins`` gives the homes per tenure.
    tenures : int, default 3
        Tenure categories: 3 (owner, social rent, private rent) or 4 (plus housing co-operative).
    singleton : bool, default False
        The last tenure category has exactly one home with one resident, who
        answers every wave (a group with one member).
    homes : int, default 150
        Homes in the street (all invited).
    interviews : bool, default True
        Whether the study has coded interviews.
    stakeholder_groups : int, default 4
        Number of stakeholder groups of the interviewees (1 to 6).
    coders : int, default 2
        1: one coder only (no double coding); 2: some interviews double-coded.
    consent : {"code", "column"}, default "code"
        Quote consent per passage (an approval code in the QDA project) or per
        interview (a yes/no column ``quote_ok`` in an interviewee table with its
        own column names ``interview``, ``role``; mapped with
        ``interviews.interviewee_columns``).
    """

    description: str
    languages: tuple = ("en", "nl")
    points: int = 5
    survey: bool = True
    waves: int = 2
    panel: bool = True
    file_format: str = "csv"
    missing: tuple = (8, 9)
    yesno: bool = True
    categorical: bool = True
    background: tuple = ("tenure", "age_group")
    groups: tuple = ("tenure",)
    margins: bool = True
    tenures: int = 3
    singleton: bool = False
    homes: int = 150
    interviews: bool = True
    stakeholder_groups: int = 4
    coders: int = 2
    consent: str = "code"

    def __post_init__(self):
        if not self.languages or set(self.languages) - {"nl", "en"}:
            raise ValueError(f"Shape.languages: one or more of nl, en, got {self.languages!r}")
        if not (self.survey or self.interviews):
            raise ValueError("a shape needs a survey, interviews or both")
        if self.points < 3 or self.points > 11:
            raise ValueError(f"Shape.points: 3 to 11, got {self.points}")
        if self.waves not in (1, 2):
            raise ValueError(f"Shape.waves: 1 or 2, got {self.waves}")
        if self.file_format not in ("csv", "xlsx", "sav"):
            raise ValueError(f"Shape.file_format: csv, xlsx or sav, got {self.file_format!r}")
        if set(self.background) - {"tenure", "age_group"} or set(self.groups) - set(self.background):
            raise ValueError("Shape.background: tenure and/or age_group; Shape.groups: a subset of the background")
        if self.margins and "tenure" not in self.background:
            raise ValueError("Shape.margins needs the tenure background variable")
        if self.tenures not in (3, 4):
            raise ValueError(f"Shape.tenures: 3 or 4, got {self.tenures}")
        if not 1 <= self.stakeholder_groups <= 6:
            raise ValueError(f"Shape.stakeholder_groups: 1 to 6, got {self.stakeholder_groups}")
        if self.coders not in (1, 2) or self.consent not in ("code", "column"):
            raise ValueError("Shape.coders: 1 or 2; Shape.consent: code or column")
        if any(m <= self.points for m in self.missing) or len(set(self.missing)) != 2:
            raise ValueError("Shape.missing: two distinct codes above the answer points")


#: Named study shapes covering issue 9's shape space (name -> Shape); see :func:`write_shape_study`.
SHAPES = {
    "en-7point-spss": Shape(
        "English only, 7-point scales with reverse-worded items, SPSS .sav waves with value labels and user-missing "
        "98/99, four tenure groups, no yes/no items",
        languages=("en",), points=7, file_format="sav", missing=(98, 99), yesno=False, tenures=4),
    "interviews-only": Shape(
        "interviews only: no survey, no instrument, no waves; three stakeholder groups",
        survey=False, stakeholder_groups=3),
    "survey-only-one-wave": Shape(
        "survey only (no interviews) with one wave: a baseline report",
        interviews=False, waves=1),
    "survey-only": Shape(
        "survey only (no interviews), before and after, Excel files",
        interviews=False, file_format="xlsx"),
    "one-wave": Shape(
        "one survey wave (baseline) plus coded interviews",
        waves=1),
    "no-panel": Shape(
        "two waves without panel overlap: nobody answered both",
        panel=False),
    "no-margins": Shape(
        "a group variable (tenure) but no population margins",
        margins=False),
    "no-groups": Shape(
        "zero group variables: no background variables, no margins",
        background=(), groups=(), margins=False),
    "several-groups": Shape(
        "two group variables (tenure and age group), margins for tenure only",
        groups=("tenure", "age_group")),
    "singleton-group": Shape(
        "a tenure group with one member (one home, one resident: a housing co-operative)",
        tenures=4, singleton=True),
    "two-stakeholder-groups-one-coder": Shape(
        "two stakeholder groups, one coder only (no double coding)",
        stakeholder_groups=2, coders=1),
    "six-stakeholder-groups": Shape(
        "six stakeholder groups, double-coded interviews",
        stakeholder_groups=6),
    "no-yesno-no-categorical": Shape(
        "only scale items: no yes/no and no categorical items",
        yesno=False, categorical=False),
    "nl-only-xlsx": Shape(
        "Dutch only, Excel files with ';'-free numbers, 4-point scales",
        languages=("nl",), points=4, file_format="xlsx"),
    "consent-column": Shape(
        "quote consent per interview (a yes/no column) in an interviewee table with its own column names; "
        "no approval code",
        consent="column"),
    "en-spss-one-coder-no-margins": Shape(
        "English only, SPSS 5-point with 98/99, no margins, one coder, survey and interviews",
        languages=("en",), file_format="sav", missing=(98, 99), margins=False, coders=1),
}

# invented places (none is the example's); assigned to the shapes in order
_SHAPE_PLACES = (
    ("Elm Row", "Easthaven"), ("Lijsterbeslaan", "Veenhoven"), ("Harbour Lane", "Northcombe"),
    ("Kievitstraat", "Oudwater-Zuid"), ("Foundry Street", "Millbridge"), ("Zwanenwal", "Dorpsmeer"),
    ("Quarry Road", "Westholm"), ("Kastanjehof", "Rietveen"), ("Orchard Close", "Lowbury"),
    ("Meidoornpad", "Heuvelrade"), ("Canal Walk", "Ashford Vale"), ("Ooievaarsweg", "Blankendam"),
    ("Tannery Row", "Greyhithe"), ("Vlasakker", "Zandhoven"), ("Beacon Street", "Southmoor"),
    ("Hazelaarlaan", "Klaverdijk"),
)
_L = {  # labels: (en, nl)
    "belonging": ("Sense of belonging", "Thuisgevoel"),
    "mutual_aid": ("Help between neighbours", "Burenhulp"),
    "services": ("Confidence in local services", "Vertrouwen in voorzieningen"),
    "strongly_disagree": ("Strongly disagree", "Zeer mee oneens"),
    "disagree": ("Disagree", "Mee oneens"),
    "somewhat_disagree": ("Somewhat disagree", "Enigszins mee oneens"),
    "neutral": ("Neither agree nor disagree", "Neutraal"),
    "somewhat_agree": ("Somewhat agree", "Enigszins mee eens"),
    "agree": ("Agree", "Mee eens"),
    "strongly_agree": ("Strongly agree", "Zeer mee eens"),
    "dk": ("Don't know", "Weet ik niet"),
    "refused": ("Prefer not to say", "Zeg ik liever niet"),
    "no": ("No", "Nee"),
    "yes": ("Yes", "Ja"),
    "owner": ("Owner-occupier", "Eigenaar-bewoner"),
    "social_rent": ("Housing association tenant", "Huurder bij de corporatie"),
    "private_rent": ("Private tenant", "Particuliere huurder"),
    "co_op": ("Housing co-operative", "Wooncoöperatie"),
    "tenure_variable": ("Home ownership", "Eigendom of huur"),
    "age_variable": ("Age", "Leeftijd"),
    "18-39": ("18 to 39", "18 tot 40 jaar"),
    "40-64": ("40 to 64", "40 tot 65 jaar"),
    "65+": ("65 and over", "65 jaar en ouder"),
    "before": ("Start", "Start"),
    "after": ("One year later", "Een jaar later"),
}
# scale -> items (id, en, nl, reverse); latent baseline and true change on the 1..5 metric (services: null)
_SHAPE_SCALES = {
    "belonging": ((("bel1", "I feel I belong in this neighbourhood.", "Ik hoor bij deze buurt.", False),
                   ("bel2", "I would be sorry to move away from here.", "Ik zou het jammer vinden hier weg te gaan.",
                    False),
                   ("bel3", "I feel like an outsider here.", "Ik voel me hier een buitenstaander.", True),
                   ("bel4", "I am proud of where I live.", "Ik ben trots op de plek waar ik woon.", False)), 3.2, 0.35),
    "mutual_aid": ((("aid1", "I could ask a neighbour to look after my keys.",
                     "Ik kan een buur vragen op mijn sleutels te passen.", False),
                    ("aid2", "Neighbours here help each other with small jobs.",
                     "Buren helpen elkaar hier met klusjes.", False),
                    ("aid3", "Around here everyone keeps to themselves.", "Hier leeft iedereen langs elkaar heen.",
                     True)), 2.9, 0.25),
    "services": ((("srv1", "Local services respond when I report a problem.",
                   "Lokale diensten reageren als ik een probleem meld.", False),
                  ("srv2", "I know where to go with a question about my home.",
                   "Ik weet waar ik terecht kan met een vraag over mijn woning.", False),
                  ("srv3", "Reporting a problem here is pointless.", "Een probleem melden heeft hier geen zin.",
                   True)), 3.0, 0.0),
}
_SHAPE_GROUPS = {  # stakeholder group id -> (en, nl), in the order shapes take them
    "neighbours": ("Neighbours", "Buurtbewoners"),
    "council_officers": ("Council officers", "Ambtenaren"),
    "shopkeepers": ("Shopkeepers", "Winkeliers"),
    "volunteers": ("Volunteers", "Vrijwilligers"),
    "school_staff": ("School staff", "Schoolpersoneel"),
    "care_workers": ("Care workers", "Zorgverleners"),
}
# content codes: id -> (en name, nl name, theme, aspect, question en, question nl, sentences en, sentences nl)
_SHAPE_CODES = {
    "visits": ("Door-to-door visits", "Huisbezoeken", "belonging", "strength",
               "What did you notice of the visits?", "Wat merkte u van de bezoeken?",
               ("Someone actually rang the bell and asked how we were doing.",
                "The visits made it easier to talk about problems at home.",
                "After the visit I knew who to call.",
                "Not everyone opened the door, but many did."),
               ("Er belde echt iemand aan die vroeg hoe het met ons ging.",
                "Door de bezoeken werd praten over problemen thuis makkelijker.",
                "Na het bezoek wist ik wie ik moest bellen.",
                "Niet iedereen deed open, maar veel mensen wel.")),
    "garden": ("Shared garden", "Gedeelde tuin", "mutual_aid", "opportunity",
               "How is the shared garden used?", "Hoe wordt de gedeelde tuin gebruikt?",
               ("The shared garden is where people now meet on Saturdays.",
                "Children and older people water the plants together.",
                "Tools are lent out from the shed at the back.",
                "It could become a meeting point for the whole area."),
               ("In de gedeelde tuin ontmoeten mensen elkaar nu op zaterdag.",
                "Kinderen en ouderen geven samen de planten water.",
                "Uit de schuur achterin worden gereedschappen uitgeleend.",
                "Het kan een ontmoetingsplek voor de hele buurt worden.")),
    "app": ("Neighbourhood chat group", "Buurtchatgroep", "mutual_aid", "opportunity",
            "Do people use the chat group?", "Gebruiken mensen de chatgroep?",
            ("The chat group is full of offers to help with shopping.",
             "People post when a parcel arrives for someone else.",
             "Some older people are not in the group at all.",
             "The group also spreads rumours, which is a worry."),
            ("In de chatgroep bieden mensen vaak hulp aan met boodschappen.",
             "Mensen melden het als er een pakket voor een ander is.",
             "Sommige ouderen zitten helemaal niet in de groep.",
             "De groep verspreidt ook geruchten, en dat is een zorg.")),
    "contact": ("A familiar contact", "Een vast aanspreekpunt", "services", "strength",
                "Was it clear who to turn to?", "Was duidelijk bij wie u terecht kon?",
                ("Having one familiar contact made all the difference.",
                 "She answered within a day, every time.",
                 "You no longer have to explain your story again and again.",
                 "When the contact was on leave, nothing happened."),
                ("Eén vast aanspreekpunt maakte het grote verschil.",
                 "Zij antwoordde steeds binnen een dag.",
                 "Je hoeft je verhaal niet steeds opnieuw te vertellen.",
                 "Toen het aanspreekpunt met verlof was, gebeurde er niets.")),
    "slow": ("Slow replies", "Trage reacties", "services", "limitation",
             "Where did things get stuck?", "Waar liep het vast?",
             ("Reports about broken lights took months to be fixed.",
              "Every question went to another desk.",
              "We stopped reporting things because nothing changed.",
              "The forms online are hard to find."),
             ("Meldingen over kapotte lantaarns duurden maanden.",
              "Elke vraag ging naar een ander loket.",
              "We meldden niets meer omdat er toch niets veranderde.",
              "De formulieren online zijn moeilijk te vinden.")),
    "fatigue": ("Volunteer fatigue", "Vermoeide vrijwilligers", None, "limitation",
                "What does the approach ask of volunteers?", "Wat vraagt de aanpak van vrijwilligers?",
                ("The same few people do all the work.",
                 "Volunteers need a break after a busy year.",
                 "Without a small budget the volunteers give up.",
                 "New volunteers are hard to find."),
                ("Steeds dezelfde paar mensen doen al het werk.",
                 "Vrijwilligers hebben na een druk jaar rust nodig.",
                 "Zonder klein budget haken de vrijwilligers af.",
                 "Nieuwe vrijwilligers zijn moeilijk te vinden.")),
}
_SHAPE_APPROVED = ("Quote OK", "Citeren akkoord")
_SHAPE_FIRST = ("Alex", "Sam", "Robin", "Jamie", "Noor", "Lieke", "Milan", "Sara", "Yusuf", "Ivy", "Teun", "Mila")
_SHAPE_LAST = ("Hart", "Brink", "Molenaar", "Fisher", "Okafor", "Lindqvist", "Verhoef", "Pereira", "Stone", "Kuiper")


def _lab(key, languages, en=None, nl=None) -> dict:
    en_text, nl_text = (en, nl) if en is not None else _L[key]
    return {lang: (en_text if lang == "en" else nl_text) for lang in languages}


def _agree_labels(points: int) -> list[str]:
    if points == 4:
        return ["strongly_disagree", "disagree", "agree", "strongly_agree"]
    if points == 5:
        return ["strongly_disagree", "disagree", "neutral", "agree", "strongly_agree"]
    if points == 7:
        return ["strongly_disagree", "disagree", "somewhat_disagree", "neutral", "somewhat_agree", "agree",
                "strongly_agree"]
    return []  # other lengths: only the ends are labelled


def _shape_instrument(shape: Shape, study_id: str) -> dict:
    langs = list(shape.languages)
    keys = _agree_labels(shape.points)
    codes = {}
    for code in range(1, shape.points + 1):
        if keys:
            codes[code] = _lab(keys[code - 1], langs)
        elif code in (1, shape.points):
            codes[code] = _lab("strongly_disagree" if code == 1 else "strongly_agree", langs)
        else:
            codes[code] = {lang: str(code) for lang in langs}
    dk, refused = shape.missing
    missing = {dk: _lab("dk", langs), refused: _lab("refused", langs)}
    top = max(2, shape.points // 3)
    sets = {"agree": {"level": "ordinal", "codes": codes, "missing": missing,
                      "agree": list(range(shape.points - top + 1, shape.points + 1))}}
    if shape.yesno:
        sets["yesno"] = {"level": "binary", "codes": {0: _lab("no", langs), 1: _lab("yes", langs)},
                         "missing": {dk: _lab("dk", langs)}, "agree": [1]}
    if shape.categorical:
        sets["newsway"] = {"level": "categorical", "missing": {dk: _lab("dk", langs)}, "codes": {
            1: _lab(None, langs, "Word of mouth", "Mond-tot-mondreclame"),
            2: _lab(None, langs, "Notice board", "Prikbord"),
            3: _lab(None, langs, "Online group", "Online groep"),
            4: _lab(None, langs, "Printed newsletter", "Papieren nieuwsbrief")}}
    themes = {s: _lab(s, langs) for s in _SHAPE_SCALES}
    scales = {s: {"label": _lab(s, langs), "theme": s, "min_items": 2} for s in _SHAPE_SCALES}
    items = []
    for scale, (members, _, _) in _SHAPE_SCALES.items():
        for item_id, en, nl, reverse in members:
            item = {"id": item_id, "scale": scale, "answers": "agree", "text": _lab(None, langs, en, nl)}
            if reverse:
                item["reverse"] = True
            items.append(item)
    if shape.yesno:
        items.append({"id": "cleanup", "answers": "yesno", "theme": "mutual_aid", "text": _lab(
            None, langs, "Did you join a street clean-up in the past year?",
            "Deed u het afgelopen jaar mee aan een opruimactie in de straat?")})
    if shape.categorical:
        items.append({"id": "newsway", "answers": "newsway", "theme": "services", "text": _lab(
            None, langs, "How do you mostly hear about news from the neighbourhood?",
            "Hoe hoort u meestal nieuws uit de buurt?")})
    background = {}
    if "tenure" in shape.background:
        ids = ["owner", "social_rent", "private_rent", "co_op"][:shape.tenures]
        background["tenure"] = {"label": _lab("tenure_variable", langs), "column": "tenure", "privacy": "indirect",
                                "codes": {i + 1: {"id": t, **_lab(t, langs)} for i, t in enumerate(ids)}}
    if "age_group" in shape.background:
        background["age_group"] = {"label": _lab("age_variable", langs), "column": "age_band", "privacy": "indirect",
                                   "codes": {i + 1: {"id": a, **_lab(a, langs)}
                                             for i, a in enumerate(("18-39", "40-64", "65+"))}}
    out = {"instrument": study_id, "version": 1, "languages": langs, "answer_sets": sets, "themes": themes,
           "scales": scales}
    if background:
        out["background"] = background
    out["identifiers"] = {"respondent": "resp_id", "household": "hh_id", "direct": ["full_name", "email"]}
    out["items"] = items
    return out


def _shape_frame(shape: Shape, study_id: str) -> dict:
    langs = list(shape.languages)
    first = 0 if shape.languages[0] == "en" else 1
    codes = []
    for en, nl, theme, aspect, *_ in _SHAPE_CODES.values():
        spec = {"code": (en, nl)[first]}
        if theme and shape.survey:
            spec["theme"] = theme
        spec["aspect"] = aspect
        other = [lang for lang in langs if lang != shape.languages[0]]
        if other:
            spec["label"] = {other[0]: (en, nl)[1 - first]}
        codes.append(spec)
    aspects = {a: _lab(None, langs, en, nl) for a, en, nl in (
        ("opportunity", "Opportunity", "Kans"), ("strength", "Strength", "Kracht"),
        ("limitation", "Limitation", "Beperking"))}
    out = {"coding_frame": study_id, "version": 1, "aspects": aspects, "codes": codes}
    if shape.consent == "code":
        out["meta_codes"] = [_SHAPE_APPROVED[first]]
    return out


def _shape_people(rng, shape: Shape, prefix: str, street: str) -> pd.DataFrame:
    n_t = shape.tenures
    shares = np.array([0.40, 0.35, 0.25, 0.0][:n_t] if n_t == 3 or shape.singleton else [0.35, 0.30, 0.20, 0.15])
    shares = shares / shares.sum()
    homes = shape.homes - (1 if shape.singleton else 0)
    tenure = list(rng.choice(n_t, size=homes, p=shares) + 1)
    if shape.singleton:
        tenure.append(n_t)
    rows = []
    for h, ten in enumerate(tenure):
        adults = 1 if shape.singleton and h == len(tenure) - 1 else int(rng.choice([1, 2], p=[0.45, 0.55]))
        for _ in range(adults):
            first, last = (str(rng.choice(_SHAPE_FIRST)), str(rng.choice(_SHAPE_LAST)))
            rows.append({"hh_id": f"{prefix}H{h + 1:04d}", "full_name": f"{first} {last}",
                         "email": f"{first.lower()}.{last.lower()}{len(rows) + 1}@example.org",
                         "address": f"{street} {h + 1}", "tenure": int(ten),
                         "age_band": int(rng.choice([1, 2, 3], p=[0.30, 0.45, 0.25])),
                         "singleton": bool(shape.singleton and h == len(tenure) - 1)})
    people = pd.DataFrame(rows)
    people.insert(0, "resp_id", [f"{prefix}R{i:05d}" for i in rng.permutation(len(people)) + 1])
    return people


def _shape_answers(rng, shape: Shape, people: pd.DataFrame) -> tuple[dict, dict]:
    """Complete answers per wave, and the true scale means and changes (finite population)."""
    n, k = len(people), shape.points
    unit = (k - 1) / 4  # one point on the 1..5 metric in this scale's points
    waves = ("before", "after")[:shape.waves]
    answers = {w: pd.DataFrame(index=people.index) for w in waves}
    truth = {}
    general = rng.normal(size=n)
    for scale, (members, base, change) in _SHAPE_SCALES.items():
        person = 0.5 * unit * (np.sqrt(0.3) * general + np.sqrt(0.7) * rng.normal(size=n))
        stable = 1 + (base - 1) * unit + person
        latent = {"before": stable + rng.normal(0, 0.2 * unit, n)}
        latent["after"] = stable + change * unit + rng.normal(0, 0.2 * unit, n)
        scores = {}
        for item_id, _, _, reverse in members:
            for w in waves:
                y = np.clip(np.rint(latent[w] + rng.normal(0, 0.7 * unit, n)), 1, k).astype(int)
                answers[w][item_id] = (k + 1 - y) if reverse else y
                scores.setdefault(w, []).append(y)
        means = {w: _r(np.mean(np.mean(scores[w], axis=0))) for w in waves}
        truth[scale] = {"points": k, "latent_change": _r(change * unit), "mean": means,
                        **({"change": _r(means["after"] - means["before"])} if "after" in means else {})}
    if shape.yesno:
        before = (rng.random(n) < 0.25).astype(int)
        for w in waves:
            answers[w]["cleanup"] = before if w == "before" else np.where(before == 1, 1, rng.random(n) < 0.15)
    if shape.categorical:
        for w in waves:
            answers[w]["newsway"] = rng.choice(4, size=n, p=[0.35, 0.2, 0.3, 0.15]) + 1
    return answers, truth


def _shape_respondents(rng, shape: Shape, people: pd.DataFrame) -> dict[str, list[int]]:
    by_home = {h: list(idx) for h, idx in people.groupby("hh_id", sort=True).groups.items()}
    homes = sorted(by_home)
    forced = [h for h in homes if people.loc[by_home[h], "singleton"].any()]
    others = [h for h in homes if h not in forced]

    def pick(members):
        chosen = [int(rng.choice(members))]
        rest = [m for m in members if m not in chosen]
        if rest and rng.random() < 0.15:
            chosen.append(int(rng.choice(rest)))
        return chosen

    before_homes = forced + sorted(rng.choice(others, size=int(round(0.5 * len(others))), replace=False).tolist())
    chosen = {"before": [m for h in before_homes for m in pick(by_home[h])]}
    if shape.waves == 2:
        outside = [h for h in others if h not in before_homes]
        if shape.panel:
            kept = forced + sorted(rng.choice([h for h in before_homes if h not in forced],
                                              size=int(round(0.6 * (len(before_homes) - len(forced)))),
                                              replace=False).tolist())
            new = sorted(rng.choice(outside, size=int(round(0.3 * len(outside))), replace=False).tolist())
            after = []
            for h in kept:
                again = [m for m in by_home[h] if m in chosen["before"] and rng.random() < 0.85]
                after += again or pick(by_home[h])[:1]
            after += [m for h in new for m in pick(by_home[h])]
        else:
            new = sorted(rng.choice(outside, size=int(round(0.6 * len(outside))), replace=False).tolist())
            after = [m for h in new for m in pick(by_home[h])]
        chosen["after"] = after
    return chosen


def _shape_rows(rng, shape: Shape, people, answers, rows: list[int]) -> pd.DataFrame:
    """Survey rows as received: identifiers, background, answers with missing codes and skips."""
    columns = ["resp_id", "hh_id", "full_name", "email"]
    columns += [c for v, c in (("tenure", "tenure"), ("age_group", "age_band")) if v in shape.background]
    out = people.loc[rows, columns].copy()
    dk, refused = shape.missing
    for item in answers.columns:
        values = answers.loc[rows, item].astype(float).to_numpy()
        u = rng.random(len(rows))
        values = np.where(u < 0.04, dk, values)
        if item not in ("cleanup", "newsway"):
            values = np.where((u >= 0.04) & (u < 0.05), refused, values)
        values = np.where(rng.random(len(rows)) < 0.005, np.nan, values)
        out[item] = values
    return out.sort_values("resp_id").reset_index(drop=True)


def _xlsx_from_rows(path: Path, columns: list[str], rows, sheet: str) -> Path:
    from openpyxl import Workbook
    from openpyxl.writer.excel import ExcelWriter

    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append(list(columns))
    for row in rows:
        ws.append([None if (not isinstance(v, str) and pd.isna(v)) else
                   (v if isinstance(v, str) else int(v) if float(v).is_integer() else float(v)) for v in row])
    wb.properties.creator = "evaluation demo"
    wb.properties.created = wb.properties.modified = _XLSX_TIME
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(wb, archive).write_data()
    with zipfile.ZipFile(buffer) as archive:
        members = [(name, archive.read(name)) for name in archive.namelist()]
    return write_reproducible_zip(path, members)


def _write_sav(frame: pd.DataFrame, path: Path, instrument: dict, shape: Shape) -> Path:
    """SPSS file with variable labels, value labels and the missing codes declared user-missing."""
    import pyreadstat

    lang = shape.languages[0]
    labels, missing = {}, {}
    sets = instrument["answer_sets"]
    items = {i["id"]: i for i in instrument["items"]}
    for column in frame.columns:
        if column in items:
            spec = sets[items[column]["answers"]]
            labels[column] = {float(c): v[lang] for c, v in {**spec["codes"], **spec["missing"]}.items()}
            missing[column] = [float(c) for c in spec["missing"]]
    for var, spec in instrument.get("background", {}).items():
        labels[spec["column"]] = {float(c): v[lang] for c, v in spec["codes"].items()}
    column_labels = {c: items[c]["text"][lang] if c in items else c for c in frame.columns}
    pyreadstat.write_sav(frame, str(path), column_labels=column_labels, variable_value_labels=labels,
                         missing_ranges=missing, variable_measure={c: "ordinal" if c in labels else "nominal"
                                                                   for c in frame.columns})
    data = bytearray(path.read_bytes())
    if data[:4] == b"$FL2" and data[94:95] == b" " and data[103:104] == b":":
        data[92:109] = b"01 Jan 2412:00:00"  # fixed creation date and time (header bytes 92..108): reproducible
    path.write_bytes(bytes(data))
    return path


def _write_survey(frame: pd.DataFrame, path: Path, shape: Shape, instrument: dict) -> Path:
    if shape.file_format == "sav":
        return _write_sav(frame, path, instrument, shape)
    if shape.file_format == "xlsx":
        return _xlsx_from_rows(path, list(frame.columns), frame.itertuples(index=False), "Survey")
    sep = ";" if shape.languages[0] == "nl" else ","
    text = frame.to_csv(sep=sep, index=False, lineterminator="\n", float_format="%.0f")
    path.write_text(text, encoding="utf-8")
    return path


def _shape_interviews(rng, shape: Shape):
    """Documents, segments (coder, code, span) and the interviewee table of a shape."""
    lang = 0 if shape.languages[0] == "en" else 1
    groups = list(_SHAPE_GROUPS)[:shape.stakeholder_groups]
    sizes = {g: int(rng.integers(3, 6)) for g in groups}
    order = rng.permutation([g for g in groups for _ in range(sizes[g])])
    cases = [f"INT-{i + 1:02d}" for i in range(len(order))]
    double = set()
    if shape.coders == 2:
        for g in groups:
            members = [c for c, gg in zip(cases, order) if gg == g]
            double.add(str(rng.choice(members)))
    documents, rows = [], []
    codes = list(_SHAPE_CODES)
    for case, group in zip(cases, order):
        document = f"Interview {case[-2:]}"
        topics = [codes[i] for i in sorted(rng.choice(len(codes), size=int(rng.integers(2, 5)), replace=False))]
        text = f"{document}\n\n"
        for code in topics:
            spec = _SHAPE_CODES[code]
            question, pool = spec[4 + lang], spec[6 + lang]
            sentences = [str(s) for s in rng.choice(pool, size=2, replace=False)]
            text += f"I: {question}\nR: "
            start = len(text)
            text += " ".join(sentences)
            end = len(text)
            text += "\n\n"
            rows.append({"document": document, "case": case, "code": spec[lang], "start": start, "end": end,
                         "coder": "coder-1", "first_end": start + len(sentences[0])})
        documents.append({"document": document, "case": case, "text": text})
    seg = pd.DataFrame(rows)
    if shape.consent == "code":
        approved = seg[rng.random(len(seg)) < 0.35].assign(code=_SHAPE_APPROVED[lang])
        seg = pd.concat([seg, approved], ignore_index=True)
    second = []
    for row in seg[seg["case"].isin(double)].to_dict("records"):
        u = rng.random()
        if u < 0.08:
            continue
        if u < 0.2:
            row = row | {"end": row["first_end"]}
        second.append(row | {"coder": "coder-2"})
    seg = pd.concat([seg, pd.DataFrame(second, columns=seg.columns)], ignore_index=True)
    seg = seg.drop(columns="first_end").drop_duplicates(["document", "start", "end", "code", "coder"])
    docs = pd.DataFrame(documents)
    text_of = dict(zip(docs["document"], docs["text"]))
    seg["text"] = [text_of[d][s:e] for d, s, e in zip(seg["document"], seg["start"], seg["end"])]
    seg = seg.sort_values(["document", "start", "end", "coder", "code"], kind="stable").reset_index(drop=True)
    start = dt.date(2024, 5, 6)
    days = sorted(int(d) for d in rng.choice(max(30, len(cases) + 2), size=len(cases), replace=False))
    people = pd.DataFrame({"case": cases, "stakeholder_group": [str(g) for g in order],
                           "interview_date": [(start + dt.timedelta(days=d)).isoformat() for d in days]})
    if shape.consent == "column":
        yes, no = ("yes", "no") if lang == 0 else ("ja", "nee")
        people["quote_ok"] = [yes if rng.random() < 0.6 else no for _ in cases]
    return docs, seg, people, sorted(double)


def _shape_study(shape: Shape, name: str, study_id: str, place: tuple[str, str], homes: int | None,
                 residents: int | None, margins: dict | None, files: dict, approved: str | None) -> dict:
    langs = list(shape.languages)
    street, town = place
    out = {"study": {
        "id": study_id,
        "title": _lab(None, langs, f"{street} neighbourhood pilot (synthetic shape {name})",
                      f"Buurtpilot {street} (synthetische vorm {name})"),
        "municipality": town, "area": street, "synthetic": True,
        "raw_dir": f"../../data/raw/{study_id}", "processed_dir": f"../../data/processed/{study_id}",
        "reports_dir": f"../../reports/{study_id}"}}
    if shape.survey:
        population = {"unit": "households", "size": homes, "residents": residents}
        if margins:
            population["margins"] = {"tenure": margins}
        out["population"] = population
        out["instrument"] = f"../instruments/{study_id}.yml"
        out["waves"] = [{"id": w, "label": _lab(w, langs), "date": d, "invited": homes, "file": files[w]}
                        for w, d in (("before", "2024-03"), ("after", "2025-03"))[:shape.waves]]
    if shape.interviews:
        interviews = {"codings": files["codings"], "interviewees": files["interviewees"],
                      "coding_frame": f"../coding-frames/{study_id}.yml"}
        if approved:
            interviews["approved_code"] = approved
        else:
            interviews["interviewee_columns"] = {"case": "interview", "group": "role", "consent": "quote_ok"}
            interviews["consent_values"] = ["yes", "ja"]
        out["interviews"] = interviews
    out["privacy"] = {"min_cell": 5, "min_cell_interviews": 3, "demo_key": "synthetic-example-key-not-secret"}
    out["analysis"] = {"confidence": 0.95, "groups": list(shape.groups)} if shape.survey else {"confidence": 0.95}
    groups = list(_SHAPE_GROUPS)[:shape.stakeholder_groups]
    report = {"languages": langs, "context": _lab(
        None, langs,
        f"In {street} ({town}) residents and local organisations tried a neighbourhood approach: regular visits, "
        "a shared garden and one familiar contact for questions. The data are synthetic.",
        f"In de {street} ({town}) probeerden bewoners en lokale organisaties een buurtaanpak: vaste bezoeken, een "
        "gedeelde tuin en één vast aanspreekpunt voor vragen. De gegevens zijn synthetisch."),
        "questions": {lang: [q] for lang, q in _lab(None, langs, *(
            ("Did belonging and help between neighbours grow?", "Groeiden het thuisgevoel en de burenhulp?")
            if shape.survey else  # a study of interviews only asks what its interviews can answer
            ("What works in the neighbourhood approach, and what gets in the way?",
             "Wat werkt er in de buurtaanpak, en wat staat in de weg?"))).items()}}
    if shape.interviews:
        report["stakeholder_groups"] = {g: _lab(None, langs, *_SHAPE_GROUPS[g]) for g in groups}
    out["report"] = report
    return out


def _yaml_text(data: dict, header: str) -> str:
    import yaml

    body = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=110)
    return "".join(f"# {line}\n" if line else "#\n" for line in header.splitlines()) + body


def write_shape_study(root, shape_name: str, *, seed: int = DEFAULT_SEED, overwrite: bool = False) -> Path:
    """Write a complete, self-contained synthetic study of a named shape under a project folder.

    Parameters
    ----------
    root : path-like
        Project folder: receives ``config/studies/<id>.yml``,
        ``config/instruments/<id>.yml`` (when the shape has a survey),
        ``config/coding-frames/<id>.yml`` (when it has interviews) and the raw
        files in ``data/raw/<id>/`` with ``data/raw/<id>.truth.json`` beside
        them; ``data/processed`` and ``reports`` are created empty. The study id
        is ``shape-<shape_name>``.
    shape_name : str
        A key of :data:`SHAPES`.
    seed : int, default 20240501
        Random seed; the same seed gives the same files.
    overwrite : bool, default False
        Replace the shape's files when they exist (otherwise FileExistsError).

    Returns
    -------
    pathlib.Path
        The study YAML, ready for ``evaluation check --study`` and ``evaluation import --study``.

    Raises
    ------
    KeyError
        ``shape_name`` is not in :data:`SHAPES`.
    FileExistsError
        The study's files exist and ``overwrite`` is False.

    Notes
    -----
    Every shape is an invented street and municipality, with invented
    constructs (belonging, help between neighbours and confidence in local
    services; the last has a true change of zero), codes and stakeholder
    groups: nothing of the example study's words. The truth file holds the
    shape, the true scale means per wave and their change (finite population
    of all residents, no missing answers; the score is the mean of the item
    codes after reverse keying, on ``1..points``), the true latent change, the
    respondents per wave, the panel size, interview counts, and the SHA-256
    of every raw file (so the fixed demo key pseudonymises them).

    Examples
    --------
    >>> import tempfile
    >>> path = write_shape_study(tempfile.mkdtemp(), "interviews-only")
    >>> path.name
    'shape-interviews-only.yml'
    """
    if shape_name not in SHAPES:
        raise KeyError(f"unknown shape {shape_name!r}; choose one of {', '.join(SHAPES)}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise TypeError(f"`seed` must be a non-negative integer, got {seed!r}")
    shape = SHAPES[shape_name]
    root = Path(root)
    study_id = f"shape-{shape_name}"
    place = _SHAPE_PLACES[list(SHAPES).index(shape_name) % len(_SHAPE_PLACES)]
    study_path = root / "config" / "studies" / f"{study_id}.yml"
    instrument_path = root / "config" / "instruments" / f"{study_id}.yml"
    frame_path = root / "config" / "coding-frames" / f"{study_id}.yml"
    raw = root / "data" / "raw" / study_id
    if not overwrite and (study_path.exists() or (raw.is_dir() and any(raw.iterdir()))):
        raise FileExistsError(f"{study_path} or {raw} exists; pass overwrite=True to replace the shape's files")
    for folder in (study_path.parent, raw, root / "data" / "processed", root / "reports"):
        folder.mkdir(parents=True, exist_ok=True)
    for old in raw.iterdir():
        if old.is_file():
            old.unlink()
    rng_survey, rng_response, rng_interviews = (
        np.random.default_rng(s) for s in np.random.SeedSequence([int(seed), zlib.crc32(study_id.encode())]).spawn(3))
    prefix = "".join(w[0] for w in place[0].split()).upper() + "-"
    truth = {"synthetic": True, "note": "Ground truth of a SYNTHETIC study shape generated by evaluation.demo; "
             "not real data.", "seed": int(seed), "shape": {"name": shape_name, **{
                 k: (list(v) if isinstance(v, tuple) else v) for k, v in shape.__dict__.items()}}}
    written: dict[str, Path] = {}
    homes = residents = margins = None
    instrument = None
    ext = {"csv": "csv", "xlsx": "xlsx", "sav": "sav"}[shape.file_format]
    files = {"before": f"survey_start.{ext}", "after": f"survey_followup.{ext}",
             "codings": "codings.qdpx", "interviewees": "interviewees.csv"}
    if shape.survey:
        instrument = _shape_instrument(shape, study_id)
        instrument_path.parent.mkdir(parents=True, exist_ok=True)
        instrument_path.write_text(_yaml_text(instrument, f"Survey codebook of the synthetic study shape "
                                              f"{shape_name!r}: {shape.description}."), encoding="utf-8")
        people = _shape_people(rng_survey, shape, prefix, place[0])
        answers, scale_truth = _shape_answers(rng_survey, shape, people)
        chosen = _shape_respondents(rng_response, shape, people)
        homes, residents = int(people["hh_id"].nunique()), int(len(people))
        if shape.margins:
            ids = _shape_instrument(shape, study_id)["background"]["tenure"]["codes"]
            per = people.drop_duplicates("hh_id")["tenure"].value_counts()
            margins = {spec["id"]: int(per.get(code, 0)) for code, spec in ids.items()}
        for wave, rows in chosen.items():
            frame = _shape_rows(rng_response, shape, people, answers[wave], sorted(rows))
            written[wave] = _write_survey(frame, raw / files[wave], shape, instrument)
        both = set(chosen["before"]) & set(chosen.get("after", []))
        truth["population"] = {"homes": homes, "residents": residents, "homes_by_tenure": margins}
        truth["scales"] = scale_truth
        truth["response"] = {w: {"respondents": len(r), "households": int(people.loc[r, "hh_id"].nunique())}
                             for w, r in chosen.items()}
        truth["panel"] = {"respondents": len(both)}
    approved = None
    if shape.interviews:
        frame_spec = _shape_frame(shape, study_id)
        frame_path.parent.mkdir(parents=True, exist_ok=True)
        frame_path.write_text(_yaml_text(frame_spec, f"Coding frame of the synthetic study shape {shape_name!r}."),
                              encoding="utf-8")
        docs, segments, people_table, double = _shape_interviews(rng_interviews, shape)
        lang = 0 if shape.languages[0] == "en" else 1
        approved = _SHAPE_APPROVED[lang] if shape.consent == "code" else None
        codebook = [{"code": c[lang], "parent": None, "description": None, "color": COLORS[i]}
                    for i, c in enumerate(_SHAPE_CODES.values())]
        if approved:
            codebook.append({"code": approved, "parent": None, "description": None, "color": "#000000"})
        written["codings"] = write_qdpx(
            raw / files["codings"], segments, documents=docs, codebook=pd.DataFrame(codebook),
            users=["coder-1", "coder-2"][:shape.coders], cases=people_table[["case", "stakeholder_group"]],
            name=f"{place[0]} interviews (synthetic)")
        table = people_table.rename(columns={"case": "interview", "stakeholder_group": "role"}) \
            if shape.consent == "column" else people_table
        path = raw / files["interviewees"]
        path.write_text(table.to_csv(sep=";", index=False, lineterminator="\n"), encoding="utf-8")
        written["interviewees"] = path
        first = segments[segments["coder"] == "coder-1"]
        truth["interviews"] = {
            "n_interviews": int(len(people_table)),
            "cases_per_group": {str(g): int(n) for g, n in people_table["stakeholder_group"].value_counts().sort_index().items()},
            "double_coded": double,
            "code_counts": {str(c): {"n_segments": int(len(f)), "n_cases": int(f["case"].nunique())}
                            for c, f in first.groupby("code", sort=True)},
        }
    study = _shape_study(shape, shape_name, study_id, place, homes, residents, margins, files, approved)
    study_path.write_text(_yaml_text(study, f"SYNTHETIC study of shape {shape_name!r}: {shape.description}.\n"
                                     "Written by evaluation.demo.write_shape_study; paths are relative to this file."),
                          encoding="utf-8")
    truth["files"] = {p.name: _sha256(p) for p in written.values()}
    write_truth(truth, truth_path_for(raw))
    return study_path

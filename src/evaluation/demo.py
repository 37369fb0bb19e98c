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
"""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .readers.qdpx_writer import write_qdpx, write_reproducible_zip

__all__ = ["generate_demo", "write_truth", "check_demo_files", "truth_path_for"]

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


def _population(rng: np.random.Generator) -> pd.DataFrame:
    tenure = rng.permutation(np.repeat(TENURES, [HOMES[t] for t in TENURES]))
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
                "household_id": f"NBD-H{h + 1:03d}",
                "naam": f"{first} {surname}",
                "email": email,
                "adres": f"{STREET} {h + 1}",
                "tenure": str(ten),
                "woonvorm": TENURES.index(ten) + 1,
                "leeftijd": int(rng.choice([1, 2, 3], p=AGE_PROBS[ten])),
            })
    people = pd.DataFrame(rows)
    ids = rng.permutation(len(people)) + 1
    people.insert(0, "respondent_id", [f"NBD-R{i:04d}" for i in ids])
    return people


def _latent(rng, people: pd.DataFrame) -> dict[str, dict[str, np.ndarray]]:
    """Latent scale values per wave (resident × scale), before item noise."""
    n = len(people)
    t_index = people["woonvorm"].to_numpy() - 1
    household = pd.factorize(people["household_id"])[0]
    general = rng.normal(size=n)
    latent = {w: {} for w in WAVES}
    for scale, (_, base, change, _) in SCALES.items():
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


def _true_answers(rng, people: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Every resident's complete answers in both waves (no missing codes)."""
    n = len(people)
    t_index = people["woonvorm"].to_numpy() - 1
    household = pd.factorize(people["household_id"])[0]
    latent = _latent(rng, people)
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
    gev_b_share = np.asarray(GEVELTUIN["before"])[home_tenure]
    gev_before = (rng.random(homes) < gev_b_share).astype(int)
    gev_after = _persist(rng, gev_before, np.asarray(GEVELTUIN["after"])[home_tenure], KEEP["geveltuin"], gev_b_share)
    answers["before"]["geveltuin"], answers["after"]["geveltuin"] = gev_before[household], gev_after[household]
    cp_b_share = np.asarray(CONTACTPERSOON["before"])[t_index]
    cp_before = (rng.random(n) < cp_b_share).astype(int)
    answers["before"]["contactpersoon"] = cp_before
    answers["after"]["contactpersoon"] = _persist(
        rng, cp_before, np.asarray(CONTACTPERSOON["after"])[t_index], KEEP["contactpersoon"], cp_b_share
    )
    p_before, p_after = np.asarray(INFOBRON["before"]), np.asarray(INFOBRON["after"])
    info_before = rng.choice(4, size=n, p=p_before) + 1
    redraw = (p_after - KEEP["infobron"] * p_before) / (1 - KEEP["infobron"])
    answers["before"]["infobron"] = info_before
    answers["after"]["infobron"] = np.where(
        rng.random(n) < KEEP["infobron"], info_before, rng.choice(4, size=n, p=redraw) + 1
    )
    bill = np.asarray(BILL_MEDIAN)[home_tenure] * np.exp(rng.normal(0, 0.25, homes))
    bill_after = bill * np.exp(rng.normal(-0.05, 0.08, homes))
    for w, home_bill in (("before", bill), ("after", bill_after)):
        reported = home_bill[household] * np.exp(rng.normal(0, 0.08, n))
        whole = rng.random(n) < 0.4  # many people give whole euros
        answers[w]["energierekening"] = np.where(whole, np.rint(reported), np.round(reported, 2))
    return answers


def _respondents(rng, people: pd.DataFrame) -> dict[str, list[int]]:
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

    for t, tenure in enumerate(TENURES):
        homes = home_tenure.index[home_tenure == tenure].tolist()
        before = draw(homes, RESPONSE["before"][t])
        retained = draw(before, RESPONSE["retained"][t])
        new = draw([h for h in homes if h not in before], RESPONSE["new"][t])
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
def _interviews(rng) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    groups = rng.permutation([g for g, k in GROUPS.items() for _ in range(k)])
    cases = [f"INT-{i + 1:02d}" for i in range(len(groups))]
    start = dt.date(2024, 9, 2)
    dates = sorted(start + dt.timedelta(days=int(d)) for d in rng.choice(26, size=len(cases), replace=False))
    interviewees = pd.DataFrame({
        "case": cases,
        "stakeholder_group": [str(g) for g in groups],
        "interview_date": [d.isoformat() for d in dates],
    })
    double = set()
    for group, k in DOUBLE_CODED.items():
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
                    number=int(rng.integers(1, 201)),
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
def _r(x) -> float:
    return round(float(x), 6)


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


def _truth(seed, people, answers, chosen, segments, interviewees) -> dict:
    tenure = people["tenure"]
    scales = {}
    for scale, (items, _, change, _) in SCALES.items():
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
            "household_response_rate": _r(len(homes) / sum(HOMES.values())),
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
            "cases_per_group": {g: int(n_cases_group.get(g, 0)) for g in GROUPS},
            "double_coded": sorted(interviewees.loc[interviewees["double_coded"], "case"].tolist()),
            "approved_code": APPROVED_CODE,
            "coder": CODERS[0],
            "code_counts": counts(first),
            "code_counts_by_group": {g: counts(first[first["group"] == g]) for g in GROUPS},
        },
    }


def _simulate(seed: int) -> _Study:
    survey_seed, response_seed, interview_seed = np.random.SeedSequence(seed).spawn(3)
    rng = np.random.default_rng(survey_seed)
    people = _population(rng)
    answers = _true_answers(rng, people)
    rng_resp = np.random.default_rng(response_seed)
    chosen = _respondents(rng_resp, people)
    responses = {w: _with_missing(rng_resp, answers[w].loc[sorted(chosen[w])], people) for w in WAVES}
    documents, segments, interviewees = _interviews(np.random.default_rng(interview_seed))
    truth = _truth(seed, people, answers, chosen, segments, interviewees)
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


def generate_demo(*, out_dir, seed: int = DEFAULT_SEED, truth_path=None, overwrite: bool = False) -> dict[str, Path]:
    """Simulate the synthetic example study and write its raw files and ground truth.

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
    coder ``codeur-1`` overall and ``code_counts_by_group``; ``files`` maps each
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
    out_dir.mkdir(parents=True, exist_ok=True)
    study = _simulate(int(seed))
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
        name="Veerkrachtige Noorderbeekdwarsstraat (synthetisch)",
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

"""Made-up people fitting refugees in Flanders around 2017: names, birth dates (some partial),
nationality, languages, ESF fields, and valid national register / BIS and enterprise numbers."""

import datetime
import random
from typing import Any

from stdnum.be import ssn, vat

from trajectories.models import Participant
from trajectories.services import name_key

# Names: (male first names, female first names, family names), one group per language area.
NAMES = {
    "arabic": ("Mohammad Ahmad Omar Khaled Yousef Hassan Ali Mahmoud Ibrahim Samer Rami Bashar Fadi "
               "Tarek Walid Anas Majd Mustafa Karim Jamal",
               "Fatima Aya Rania Lina Nour Hiba Rasha Yasmin Salma Dima Reem Layla Mariam Huda Amal "
               "Zainab Ghada Sawsan",
               "Al-Hassan Haddad Khalil Darwish Nasser Hamdan Al-Ahmad Suleiman Mansour Kassem "
               "Al-Khatib Hijazi Saleh Barakat Aziz Jaber Othman Al-Shami Halabi Al-Jubouri "
               "Al-Tamimi Kadhim Abu-Zaid Qassab"),
    "kurdish": ("Azad Baran Rêbwar Şêrko Dilshad Hêmin Karwan Serhad",
                "Dilan Rojin Hêvî Berfîn Nazdar Shilan Jiyan",
                "Barzani Hawrami Mahmud Ezidi Berwari Zebari Kurdî Sindî"),
    "afghan": ("Mohammad Abdul Hamid Farid Naveed Jawad Sayed Rahim Wahid Zabihullah Ehsan Habib "
               "Nasir Shafiq Ahmad Sohrab",
               "Fereshta Mariam Zahra Nazanin Parwana Shabnam Roya Sima Laila Mursal Frozan",
               "Ahmadi Hashimi Rahimi Karimi Noori Sultani Hakimi Mohammadi Popal Stanekzai Wardak "
               "Safi Hotak Amiri Haidari Rezaei"),
    "tigrinya": ("Tesfay Yonas Dawit Filmon Robel Mehari Kidane Semere Habtom Aman Biniam Tekle Ermias",
                 "Helen Selam Senait Mebrat Rahwa Luwam Saba Eden Winta Freweini Yordanos",
                 "Tesfamariam Gebremedhin Haile Berhane Kidane Tekle Ghebreyesus Weldemichael Mehari "
                 "Habte Asmerom Andemariam Woldu Tsegay"),
    "somali": ("Abdirahman Abdullahi Mohamed Ahmed Hassan Abdiqani Farah Yusuf Liban Abdikarim",
               "Hodan Amina Fadumo Hibo Ifrah Sahra Halima Khadra Deqa Nasra Ubah",
               "Farah Warsame Abdi Hirsi Jama Ali Yusuf Mohamud Osman Egal Dirie Aden Nur"),
    "ukrainian": ("Oleksandr Andriy Dmytro Serhiy Volodymyr Mykola Yuriy Bohdan Taras Ihor",
                  "Olena Oksana Iryna Nataliya Tetiana Yuliia Kateryna Halyna Svitlana Mariia",
                  "Shevchenko Kovalenko Bondarenko Tkachenko Kravchenko Melnyk Boyko Moroz Lysenko "
                  "Petrenko"),
}
# Nationality: weight, name groups, first languages, languages sometimes spoken beside them.
NATIONALITIES = {
    "SY": (30, ("arabic",) * 5 + ("kurdish",), ("ar",), ("en", "fr", "tr", "ku")),
    "AF": (20, ("afghan",), ("fa",), ("ps", "en", "ur")),
    "IQ": (12, ("arabic", "arabic", "kurdish"), ("ar",), ("ku", "en")),
    "ER": (10, ("tigrinya",), ("ti",), ("ar", "en", "am")),
    "PS": (8, ("arabic",), ("ar",), ("en", "he")),
    "SO": (7, ("somali",), ("so",), ("ar", "en")),
    "UA": (4, ("ukrainian",), ("uk", "ru"), ("en",)),
    "XX": (2, ("arabic",), ("ar",), ("en",)),
}
BUSINESS_IDEAS = (
    "Syrische bakkerij met baklava en ander zoet gebak", "Kapsalon voor heren", "Naaiatelier voor "
    "herstellingen en maatwerk", "Import van gedroogde vruchten en noten", "Catering met Eritrese "
    "gerechten voor feesten", "Klusjesdienst en kleine renovaties", "Vertaal- en tolkbureau "
    "Arabisch-Nederlands", "Gsm-herstelling en verkoop van accessoires", "Foodtruck met Afghaanse "
    "gerechten", "Koerierdienst met bakfietsen in de stad", "Webshop voor handgemaakte sieraden",
    "Schoonmaakbedrijf voor kantoren", "Kruidenierszaak met oosterse producten", "IT-ondersteuning "
    "voor kleine ondernemingen", "Fotografie en video voor trouwfeesten", "Transport met een "
    "bestelwagen", "Kleermakerij en verkoop van stoffen", "Boekhouding voor nieuwe ondernemers",
    "Grafisch ontwerp als freelancer", "Schoonheidssalon", "Tegelwerk en vloeren", "Restaurant met "
    "Syrische keuken", "Bijlessen wiskunde en Arabisch", "Autohandel en export van onderdelen",
)
THEMES = ("Een ondernemingsplan opstellen", "Financiering en microkrediet", "Boekhouding en btw",
          "Vergunningen en de beroepskaart", "Je eerste klanten vinden", "Het sociaal statuut van de "
          "zelfstandige", "Ondernemen in bijberoep")
CONTACT_NOTES = ("Kennismaking en intake.", "Ondernemersidee verder uitgewerkt.", "Randvoorwaarden "
                 "overlopen.", "Financieel plan besproken.", "Opvolging specialisatie.", "Vragen over "
                 "de beroepskaart beantwoord.", "Marktonderzoek besproken.", "Documenten voor de "
                 "KBO-inschrijving nagekeken.")
SPECIALISATION_PARTNERS = ("zenitor", "microstart", "starterslabos", "unizo", "smart", "exchange")

def pick(rng: random.Random, weights: dict[Any, float]) -> Any:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def day_between(rng: random.Random, first: datetime.date, last: datetime.date) -> datetime.date:
    return first + datetime.timedelta(days=rng.randint(0, max(0, (last - first).days)))


def national_number_make(
    *, year: int, month: int | None, day: int | None, serial: int, bis: bool, gender_known: bool = True
) -> str:
    """A valid national register or BIS number; unknown birth parts are 00, as the register does.
    The check digits are computed here and the result validated by python-stdnum."""
    mm = (month or 0) + ((40 if gender_known else 20) if bis else 0)
    digits = f"{year % 100:02d}{mm:02d}{day or 0:02d}{serial:03d}"
    base = int(("2" if year >= 2000 else "") + digits)
    return ssn.validate(f"{digits}{97 - base % 97:02d}")


def enterprise_number_make(rng: random.Random) -> str:
    """A valid KBO number of the kind given to enterprises started in 2017-2018 (0660.xxx.xxx-0720)."""
    first8 = f"0{rng.randint(6600000, 7209999)}"
    return vat.validate(f"{first8}{97 - int(first8) % 97:02d}")


class PersonMaker:
    """Makes the registration fields of one person after another; names and numbers do not repeat."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.names_used: set[str] = set()
        self.numbers_used: set[str] = set()

    def fields(self, *, reached_on: datetime.date, depth: int, postcode: int, french: bool) -> dict[str, Any]:
        """`depth` is the phase the person will reach: who gets far is a little better placed."""
        rng = self.rng
        nationality = pick(rng, {code: spec[0] for code, spec in NATIONALITIES.items()})
        _, groups, first_languages, other_languages = NATIONALITIES[nationality]
        gender = pick(rng, {Participant.Gender.MALE: 68, Participant.Gender.FEMALE: 31,
                            Participant.Gender.NON_BINARY: 1})
        males, females, families = (part.split() for part in NAMES[rng.choice(groups)])
        for _ in range(50):
            first = rng.choice(males if gender == Participant.Gender.MALE else females
                               if gender == Participant.Gender.FEMALE else males + females)
            last = rng.choice(families)
            if name_key(first, last) not in self.names_used:
                break
        self.names_used.add(name_key(first, last))

        age = 18 + int(rng.betavariate(2, 4) * 42)
        latest = reached_on.replace(year=reached_on.year - age, day=min(reached_on.day, 28))
        born = day_between(rng, latest - datetime.timedelta(days=364), latest)
        if reached_on >= datetime.date(2018, 3, 1) and rng.random() < 0.1:
            born = datetime.date(2000, rng.randint(1, reached_on.month - 1), rng.randint(1, 28))
        year, month, day = born.year, born.month, born.day
        unknown = rng.random()
        if unknown < 0.04:
            month = day = None
        elif unknown < 0.12:
            day = None

        statuses = {Participant.ResidenceStatus.RECOGNISED: 55, Participant.ResidenceStatus.SUBSIDIARY: 20,
                    Participant.ResidenceStatus.OTHER: 10}
        if depth == 1 or (depth == 2 and rng.random() < 0.5):
            statuses[Participant.ResidenceStatus.APPLICANT] = 15
        if nationality == "UA":  # temporary protection only began in 2022
            statuses.pop(Participant.ResidenceStatus.RECOGNISED)
        status = pick(rng, statuses)

        languages = list(first_languages) + [lang for lang in other_languages if rng.random() < 0.3]
        dutch = pick(rng, {"none": 5, "A1": 20 - 4 * depth, "A2": 30, "B1": 20 + 3 * depth,
                           "B2": 8 + 2 * depth, "C1": 2})
        if dutch in ("B1", "B2", "C1"):
            languages.append("nl")
        if rng.random() < 0.25:
            languages.append("fr" if french else "en")
        fields = {
            "first_name": first, "last_name": last, "birth_year": year, "birth_month": month,
            "birth_day": day, "gender": gender, "nationality": nationality, "residence_status": status,
            "languages": list(dict.fromkeys(languages)), "dutch_level": dutch,
            "education": pick(rng, {"isced_0_2": 35, "isced_3_4": 35, "isced_5_8": 30}),
            "labour_market_status": pick(rng, {"unemployed": 45, "long_term_unemployed": 25,
                                               "inactive": 25, "employed": 5}),
            "disability": pick(rng, {False: 85, True: 3, None: 12}),
            "homeless": pick(rng, {False: 90, True: 4, None: 6}),
            "postcode": postcode,
            "business_idea": "" if depth == 1 and rng.random() < 0.3 else rng.choice(BUSINESS_IDEAS),
            "phone": f"+32 4{rng.randint(60, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)} "
                     f"{rng.randint(10, 99)}",
        }
        # Some records lack an ESF field: coordinators must see them as incomplete.
        if rng.random() < 0.05:
            fields[rng.choice(("education", "labour_market_status", "gender"))] = ""
        if rng.random() < 0.6:
            fields["email"] = name_key(first, last).replace(" ", ".") + "@example.org"
            fields["email"] = "".join(ch for ch in fields["email"] if ch.isascii())
        kind = pick(rng, {"bis": 45, "nn": 35, "": 20})
        if kind:
            for _ in range(50):
                serial = rng.randrange(1 if gender == Participant.Gender.MALE else 2, 998, 2)
                number = national_number_make(year=year, month=month, day=day, serial=serial,
                                              bis=kind == "bis", gender_known=rng.random() < 0.9)
                if number not in self.numbers_used:
                    self.numbers_used.add(number)
                    fields["national_number"] = number
                    break
        return fields

"""The columns of an import file (Dutch and English headers) and how each cell is read.

A reader takes the raw cell (text from a CSV; text, number or date from a spreadsheet) and returns the
value for the model, or raises BadCell with what was wrong and what is expected."""

import datetime
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, lru_cache

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from trajectories.models import Participant


class BadCell(ValueError):
    """A cell that cannot be read; the message says what was wrong and what is expected."""


@lru_cache(maxsize=4096)  # the same few values (genders, levels, headers) come back on every row
def normalise(text: str) -> str:
    """Lower case, accents and punctuation dropped, words joined by "_": "Geboorte-jaar" -> geboorte_jaar."""
    text = unicodedata.normalize("NFKD", str(text))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    return "_".join(re.findall(r"[a-z0-9]+", text))


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a number typed in a spreadsheet cell: 470123456.0 -> "470123456"
    return str(value).strip()


def read_text(value) -> str:
    return _text(value)


def read_integer(value) -> int | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        if float(value).is_integer():
            return int(value)
        raise BadCell(_("Expected a whole number."))
    text = _text(value)
    if not text:
        return None
    if not text.isdigit():
        raise BadCell(_("Expected a whole number, e.g. 1985."))
    return int(text)


_BELGIAN_DATE = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$")
_DATE_EXPECTED = gettext_lazy("Expected a date as dd/mm/yyyy (e.g. 10/01/2017) or yyyy-mm-dd (2017-01-10).")


def read_date(value) -> datetime.date | None:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        # A spreadsheet date stored as a number (days since 1899-12-30).
        from openpyxl.utils.datetime import from_excel

        if not 1 <= value <= 2958465:
            raise BadCell(str(_DATE_EXPECTED))
        return from_excel(value).date()
    text = _text(value)
    if not text:
        return None
    if match := _ISO_DATE.match(text):
        year, month, day = (int(part) for part in match.groups())
    elif match := _BELGIAN_DATE.match(text):
        day, month, year = (int(part) for part in match.groups())
    else:
        raise BadCell(str(_DATE_EXPECTED))
    try:
        return datetime.date(year, month, day)
    except ValueError:
        raise BadCell(_("This date does not exist in the calendar. %(expected)s")
                      % {"expected": _DATE_EXPECTED}) from None


_YES = {"ja", "j", "yes", "y", "1", "true", "waar", "x"}
_NO = {"nee", "n", "no", "0", "false", "onwaar"}


def read_yes_no(value) -> bool | None:
    if isinstance(value, bool):
        return value
    text = normalise(_text(value))
    if not text:
        return None
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise BadCell(_("Expected ja or nee (yes or no); leave the cell empty when unknown."))


# Besides each choice's code and its label in Dutch and English: what people commonly type.
_CHOICE_EXTRAS = {
    "gender": {"v": "female", "f": "female", "vrouw": "female", "m": "male", "man": "male",
               "x": "non_binary", "nonbinair": "non_binary", "non_binair": "non_binary"},
    "dutch_level": {"geen": "none", "0": "none"},
}


@cache
def _choice_aliases(field_name: str) -> tuple[dict[str, str], tuple[str, ...]]:
    field = Participant._meta.get_field(field_name)
    aliases: dict[str, str] = {}
    for code, label in field.choices:
        aliases[normalise(code)] = code
        for language in ("nl", "en"):
            with translation.override(language):
                aliases.setdefault(normalise(str(label)), code)
    for alias, code in _CHOICE_EXTRAS.get(field_name, {}).items():
        aliases.setdefault(alias, code)
    return aliases, tuple(code for code, _label in field.choices)


def choice_reader(field_name: str) -> Callable:
    def read(value) -> str:
        text = _text(value)
        if not text:
            return ""
        aliases, codes = _choice_aliases(field_name)
        code = aliases.get(normalise(text))
        if code is None:
            raise BadCell(_("Unknown value: expected one of %(codes)s.") % {"codes": ", ".join(codes)})
        return code
    return read


_LANGUAGE = re.compile(r"^[a-z]{2}$")


def read_languages(value) -> list[str]:
    codes = [code.lower() for code in re.split(r"[\s,;/]+", _text(value)) if code]
    wrong = [code for code in codes if not _LANGUAGE.match(code)]
    if wrong:
        raise BadCell(_("Not a two-letter ISO 639-1 language code: %(codes)s. Use codes such as ar, fr, ti, "
                        "separated by commas.") % {"codes": ", ".join(wrong)})
    return list(dict.fromkeys(codes))


def read_nationality(value) -> str:
    return _text(value).upper()


def read_postcode(value) -> int | None:
    text = _text(value)
    if not text:
        return None
    if not re.fullmatch(r"[1-9][0-9]{3}", text):
        raise BadCell(_("Unknown postcode: a Belgian postcode has four digits, from 1000 to 9999, "
                        "e.g. 2000."))
    return int(text)


def read_national_number(value) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        # A spreadsheet stored the number as a number and dropped its leading zeros (born 2000-2009).
        return f"{int(value):011d}"
    return _text(value)


@dataclass(frozen=True)
class Column:
    name: str  # the English header, also the key of the value read
    dutch: str  # the Dutch header (the template's)
    read: Callable
    required: bool = False
    aliases: tuple[str, ...] = ()


PHASE_COLUMNS = ("phase_1_on", "phase_2_on", "phase_3_on", "phase_4_on")

COLUMNS: tuple[Column, ...] = (
    Column("first_name", "voornaam", read_text, required=True),
    Column("last_name", "achternaam", read_text, required=True, aliases=("familienaam",)),
    Column("birth_year", "geboortejaar", read_integer),
    Column("birth_month", "geboortemaand", read_integer),
    Column("birth_day", "geboortedag", read_integer),
    Column("national_number", "rijksregisternummer", read_national_number,
           aliases=("bis_nummer", "bisnummer", "insz", "national_register_number")),
    Column("gender", "geslacht", choice_reader("gender")),
    Column("nationality", "nationaliteit", read_nationality),
    Column("residence_status", "verblijfsstatus", choice_reader("residence_status")),
    Column("languages", "talen", read_languages),
    Column("dutch_level", "niveau_nederlands", choice_reader("dutch_level"), aliases=("nederlands",)),
    Column("education", "opleiding", choice_reader("education"), aliases=("opleidingsniveau",)),
    Column("labour_market_status", "arbeidsmarktstatus", choice_reader("labour_market_status")),
    Column("disability", "beperking", read_yes_no, aliases=("handicap",)),
    Column("homeless", "dakloos", read_yes_no),
    Column("postcode", "postcode", read_postcode, aliases=("postnummer", "postal_code")),
    Column("email", "e-mail", read_text, aliases=("e_mailadres", "emailadres")),
    Column("phone", "telefoon", read_text, aliases=("gsm", "telephone")),
    Column("business_idea", "ondernemingsidee", read_text),
    *(
        Column(f"phase_{n}_on", f"fase{n}", read_date, required=n == 1,
               aliases=(f"phase{n}", f"phase_{n}", f"fase_{n}", f"fase_{n}_op", dutch_name))
        for n, dutch_name in enumerate(("sensibilisering", "informering", "detectie", "begeleiding"), start=1)
    ),
)

BY_HEADER: dict[str, Column] = {}
for _column in COLUMNS:
    for _alias in (_column.name, _column.dutch, *_column.aliases):
        BY_HEADER[normalise(_alias)] = _column


def template_headers(language: str) -> list[str]:
    """The headers of the template file: Dutch, or English when the user works in English."""
    return [column.name if language == "en" else column.dutch for column in COLUMNS]

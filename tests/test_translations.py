"""The Dutch catalogue is complete, compiled, and covers every translatable string in the code.

When a test here fails after you added or changed a string: run `make messages`, translate the new
entries in locale/nl/LC_MESSAGES/django.po (Flemish usage, the glossary in DOMAIN.md), run
`make messages` again to compile, and commit the .po and .mo files together.
"""

import ast
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.utils import translation

ROOT = Path(__file__).resolve().parent.parent
NL_PO = ROOT / "locale" / "nl" / "LC_MESSAGES" / "django.po"
NL_MO = NL_PO.with_suffix(".mo")
APPS = ("casemgmt", "partners", "trajectories", "reminders", "reports")
HOW_TO_FIX = (
    "Run `make messages`, translate the new entries in locale/nl/LC_MESSAGES/django.po "
    "(no fuzzy flags), run `make messages` again and commit the .po and .mo files."
)

# Named placeholders such as %(name)s, %(day)02d; and, in python-format entries, every directive.
NAMED = re.compile(r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[a-zA-Z]")
DIRECTIVE = re.compile(r"%(?:\(\w+\))?[-#0 +]*\d*(?:\.\d+)?[a-zA-Z%]")


@dataclass
class Entry:
    line: int
    flags: set[str] = field(default_factory=set)
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)  # msgstr is index 0; msgstr[n] is n

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.msgctxt, self.msgid)

    def __str__(self) -> str:
        ctx = f"[{self.msgctxt}] " if self.msgctxt is not None else ""
        return f"line {self.line}: {ctx}{self.msgid!r}"


def _unquote(text: str) -> str:
    return ast.literal_eval(text)


def parse_po(path: Path) -> list[Entry]:
    """The entries of a .po file, header included, obsolete (#~) entries left out."""
    entries: list[Entry] = []
    entry: Entry | None = None
    target: str | None = None  # the field continuation lines ("...") append to

    def finish() -> None:
        nonlocal entry, target
        if entry is not None and (entry.msgid or entry.msgstr):
            entries.append(entry)
        entry, target = None, None

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#~"):
            finish()
            continue
        starts_entry = line.startswith(("#", "msgctxt ", "msgid "))
        if entry is not None and starts_entry and entry.msgstr:
            finish()  # a new entry without a blank line in between
        if entry is None:
            entry = Entry(line=number)
        if line.startswith("#,"):
            entry.flags |= {flag.strip() for flag in line[2:].split(",") if flag.strip()}
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            value = _unquote(line)
            if target == "msgctxt":
                entry.msgctxt += value
            elif target == "msgid":
                entry.msgid += value
            elif target == "msgid_plural":
                entry.msgid_plural += value
            elif target is not None and target.startswith("msgstr"):
                index = int(target[7:-1]) if target != "msgstr" else 0
                entry.msgstr[index] += value
        else:
            keyword, _, rest = line.partition(" ")
            value = _unquote(rest)
            target = keyword
            if keyword == "msgctxt":
                entry.msgctxt = value
            elif keyword == "msgid":
                entry.line, entry.msgid = number, value
            elif keyword == "msgid_plural":
                entry.msgid_plural = value
            elif keyword == "msgstr":
                entry.msgstr[0] = value
            elif keyword.startswith("msgstr["):
                entry.msgstr[int(keyword[7:-1])] = value
            else:
                raise AssertionError(f"{path}:{number}: cannot parse {raw!r}")
    finish()
    return entries


@pytest.fixture(scope="module")
def nl_entries() -> list[Entry]:
    assert NL_PO.exists(), f"{NL_PO} is missing. {HOW_TO_FIX}"
    return parse_po(NL_PO)


@pytest.fixture(scope="module")
def nl_messages(nl_entries) -> list[Entry]:
    """The entries without the header."""
    return [entry for entry in nl_entries if entry.msgid != ""]


# (a) the .po file is complete


def test_po_parser_handles_multiline_strings_and_flags(tmp_path):
    po = tmp_path / "django.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Language: nl\\n"\n'
        'msgid "first"\nmsgstr "eerste"\n\n'
        '#, fuzzy, python-format\nmsgid ""\n"Phase %(phase)d "\n"ends."\nmsgstr ""\n"Fase %(phase)d "\n'
        '"eindigt."\n\n'
        'msgctxt "month"\nmsgid "May"\nmsgid_plural "Mays"\nmsgstr[0] "mei"\nmsgstr[1] ""\n\n'
        '#~ msgid "old"\n#~ msgstr "oud"\n',
        encoding="utf-8",
    )
    header, first, multi, plural = parse_po(po)
    assert header.msgid == "" and header.msgstr == {0: "Language: nl\n"}
    assert (first.msgid, first.msgstr) == ("first", {0: "eerste"})
    assert multi.msgid == "Phase %(phase)d ends." and multi.msgstr == {0: "Fase %(phase)d eindigt."}
    assert multi.flags == {"fuzzy", "python-format"}
    assert plural.key == ("month", "May") and plural.msgid_plural == "Mays"
    assert plural.msgstr == {0: "mei", 1: ""}


def test_dutch_catalogue_has_messages(nl_messages):
    assert len(nl_messages) > 100, f"Only {len(nl_messages)} messages in {NL_PO}. {HOW_TO_FIX}"


def test_every_dutch_message_is_translated(nl_messages):
    untranslated = [str(e) for e in nl_messages if not e.msgstr or not all(e.msgstr.values())]
    assert not untranslated, (
        f"{len(untranslated)} message(s) without a Dutch translation in {NL_PO}:\n  "
        + "\n  ".join(untranslated) + f"\n{HOW_TO_FIX}"
    )


def test_no_dutch_entry_is_fuzzy(nl_entries):
    fuzzy = [str(e) if e.msgid else "the header" for e in nl_entries if "fuzzy" in e.flags]
    assert not fuzzy, (
        "Fuzzy entries are left out of the compiled catalogue; check the translation and remove the "
        "flag:\n  " + "\n  ".join(fuzzy)
    )


def test_dutch_header_names_the_language(nl_entries):
    header = next(e for e in nl_entries if e.msgid == "")
    assert "Language: nl\n" in header.msgstr[0]
    assert "charset=UTF-8" in header.msgstr[0]


def test_dutch_placeholders_match(nl_messages):
    wrong = []
    for entry in nl_messages:
        for index, text in entry.msgstr.items():
            pattern = DIRECTIVE if "python-format" in entry.flags else NAMED
            found = Counter(pattern.findall(text))
            if entry.msgid_plural is not None:
                # A plural form may leave out the count ("één sessie"), but uses no other placeholders.
                allowed = set(pattern.findall(entry.msgid)) | set(pattern.findall(entry.msgid_plural))
                if not set(found) <= allowed:
                    wrong.append(f"{entry} msgstr[{index}]: {sorted(found)} not in {sorted(allowed)}")
                continue
            expected = Counter(pattern.findall(entry.msgid))
            if expected != found:
                expected_list, found_list = sorted(expected.elements()), sorted(found.elements())
                wrong.append(f"{entry}: expects {expected_list}, has {found_list}")
    assert not wrong, "Placeholders differ between msgid and msgstr:\n  " + "\n  ".join(wrong)


# (b) the compiled .mo file is there and up to date


GLOSSARY = {
    "participant": "deelnemer",
    "trajectory": "traject",
    "coach": "trajectbegeleider",
    "sensitisation": "sensibiliseren",
    "information": "informeren",
    "detection": "detectie",
    "guidance": "begeleiding",
    "specialisation": "specialisatie",
    "reporting period": "rapportperiode",
    "enterprise number": "ondernemingsnummer",
    "national register number": "rijksregisternummer",
    "BIS number": "BIS-nummer",
    "total eligible cost (TSK)": "totale subsidiabele kost (TSK)",
    "FTE": "VTE",
    "advance": "voorschot",
    "settlement": "saldo",
    "referrer": "toeleider",
    "promoter": "promotor",
}


@pytest.mark.parametrize(("english", "dutch"), GLOSSARY.items())
def test_dutch_ui_uses_the_glossary(english, dutch):
    assert NL_MO.exists(), f"{NL_MO} is missing: the .mo files are committed. {HOW_TO_FIX}"
    with translation.override("nl"):
        assert translation.gettext(english) == dutch
    with translation.override("en"):
        assert translation.gettext(english) == english


def test_compiled_catalogue_matches_the_po_file(nl_messages):
    """Every translation in the .po is in the .mo as it is now: nobody forgot to compile."""
    assert NL_MO.exists(), f"{NL_MO} is missing: the .mo files are committed. {HOW_TO_FIX}"
    stale = []
    with translation.override("nl"):
        for entry in nl_messages:
            if entry.msgid_plural is not None:
                for index in sorted(entry.msgstr):
                    count = 1 if index == 0 else 2  # plural=(n != 1)
                    if entry.msgctxt is None:
                        got = translation.ngettext(entry.msgid, entry.msgid_plural, count)
                    else:
                        got = translation.npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, count)
                    if got != entry.msgstr[index]:
                        stale.append(f"{entry} [{index}]: .mo gives {got!r}")
                continue
            if entry.msgctxt is None:
                got = translation.gettext(entry.msgid)
            else:
                got = translation.pgettext(entry.msgctxt, entry.msgid)
            if got != entry.msgstr.get(0):
                stale.append(f"{entry}: .mo gives {got!r}")
    assert not stale, (
        f"{NL_MO} is out of date with {NL_PO}:\n  " + "\n  ".join(stale[:30])
        + "\nRun `make messages` (or manage.py compilemessages) and commit the .mo file."
    )


# (c) every translatable string in the code is in the catalogue

# name -> (index of the context argument or None, index of the message argument)
GETTEXT_FUNCTIONS = {
    "_": (None, 0),
    "gettext": (None, 0),
    "gettext_lazy": (None, 0),
    "gettext_noop": (None, 0),
    "ngettext": (None, 0),
    "ngettext_lazy": (None, 0),
    "pgettext": (0, 1),
    "pgettext_lazy": (0, 1),
    "npgettext": (0, 1),
    "npgettext_lazy": (0, 1),
}


def _string(node: ast.expr) -> str | None:
    # Implicit concatenation ("a" "b") is already one Constant; f-strings are JoinedStr and skipped.
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def translatable_strings(path: Path) -> list[tuple[int, str | None, str]]:
    """(line, context, msgid) of every gettext call with literal arguments in a Python file."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name):
            name = func.id
        elif isinstance(func, ast.Attribute):
            name = func.attr
        else:
            continue
        if name not in GETTEXT_FUNCTIONS:
            continue
        context_index, message_index = GETTEXT_FUNCTIONS[name]
        if len(node.args) <= message_index:
            continue
        message = _string(node.args[message_index])
        context = _string(node.args[context_index]) if context_index is not None else None
        if message is None or (context_index is not None and context is None):
            continue
        found.append((node.lineno, context, message))
    return found


def project_python_files() -> list[Path]:
    return sorted(
        path
        for app in APPS
        for path in (ROOT / app).rglob("*.py")
        if "migrations" not in path.relative_to(ROOT).parts
    )


def test_string_scanner_finds_gettext_calls(tmp_path):
    source = tmp_path / "sample.py"
    source.write_text(
        "from django.utils import translation\n"
        "from django.utils.translation import gettext_lazy as _, pgettext\n"
        "name = 'x'\n"
        "a = _('plain')\n"
        "b = _('joined '\n      'string')\n"
        "c = pgettext('month', 'May')\n"
        "d = translation.gettext('attribute call')\n"
        "e = _(f'formatted {name}')\n"
        "f = _(name)\n"
        "g = str('not translatable')\n",
        encoding="utf-8",
    )
    found = [(context, message) for _line, context, message in translatable_strings(source)]
    assert found == [
        (None, "plain"), (None, "joined string"), ("month", "May"), (None, "attribute call"),
    ]


def test_project_files_are_scanned():
    files = project_python_files()
    assert files, "no Python files found under " + ", ".join(APPS)
    assert not any("migrations" in path.parts for path in files)
    assert sum(len(translatable_strings(path)) for path in files) > 100


def test_every_string_in_the_code_is_in_the_dutch_catalogue(nl_messages):
    known = {entry.key for entry in nl_messages}
    missing = []
    for path in project_python_files():
        for line, context, message in translatable_strings(path):
            if (context, message) not in known:
                where = f"{path.relative_to(ROOT)}:{line}"
                missing.append(f"{where}: {message!r}" + (f" (context {context!r})" if context else ""))
    assert not missing, (
        f"{len(missing)} translatable string(s) in the code are not in {NL_PO.relative_to(ROOT)}:\n  "
        + "\n  ".join(missing) + f"\n{HOW_TO_FIX}"
    )

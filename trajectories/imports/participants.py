"""Importing participants with their trajectory and phase dates from a CSV or XLSX file, all or nothing.

Every row is read and checked in Python against the same rules the services apply one person at a time
(names, partial birth dates, the national register / BIS number, phases in order within the programme,
likely duplicates in the file and among everyone registered). When any row is refused nothing is saved
and the report names every refused row: its line, the column, the value and what is expected. When no
row is refused, everything is written in one transaction with bulk inserts that keep what the services
keep: the name key, the encrypted and hashed identifier, the consent, and a history row for every record.
"""

import datetime
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from casemgmt.audit import bulk_create_as
from casemgmt.errors import RuleViolation
from casemgmt.identifiers import identifier_encrypt, identifier_hash, identifier_mask, national_number_clean
from casemgmt.models import Phase, PostcodeRange, Programme, User
from trajectories.forms.registration import CONSENT_VERSION
from trajectories.imports.columns import BY_HEADER, COLUMNS, PHASE_COLUMNS, BadCell, Column, normalise
from trajectories.imports.files import FileUnreadable, Table, read_table
from trajectories.models import ConsentRecord, Participant, PhaseEntry, Trajectory
from trajectories.policies import Role, organisation_of, role_of
from trajectories.selectors import coaches_by_programme, programmes_open_for_registration_by
from trajectories.services.participants import _check_birth_date, name_key
from trajectories.services.phases import _check_phase_date

# A file this long is refused at once (split it): the rows are checked in memory.
MAX_ROWS = 50_000
PROGRESS_EVERY = 500
BATCH_SIZE = 1000
# Lines are those of the file; line 0 stands for the file as a whole.
WHOLE_FILE = 0

Progress = Callable[[int, int], None]

# The participant's own fields a row may fill (the rest of COLUMNS are the identifier and the phases).
PARTICIPANT_FIELDS = (
    "first_name", "last_name", "birth_year", "birth_month", "birth_day", "gender", "nationality",
    "residence_status", "languages", "dutch_level", "education", "labour_market_status", "disability",
    "homeless", "postcode", "email", "phone", "business_idea",
)
# Fields whose cell reader already checked everything the model field would (choices, yes/no, codes).
_READ_IN_FULL = {"gender", "residence_status", "dutch_level", "education", "labour_market_status",
                 "disability", "homeless", "languages"}
_BIRTH_DATE_COLUMN = {
    "birth_day_without_month": "birth_day", "birth_month_without_year": "birth_month",
    "birth_date_impossible": "birth_day", "birth_date_future": "birth_year",
}


@dataclass(frozen=True)
class RefusedRow:
    line: int
    column: str
    value: str
    message: str


@dataclass
class ImportReport:
    filename: str
    dry_run: bool = False
    rows: int = 0  # rows of data read (empty rows are left out)
    valid: int = 0  # rows that passed every check
    imported: int = 0  # participants saved (0 on a trial run or when any row is refused)
    refused: list[RefusedRow] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.refused

    @property
    def refused_lines(self) -> list[int]:
        return sorted({row.line for row in self.refused})

    def refused_as_dicts(self) -> list[dict]:
        return [asdict(row) for row in self.refused]


@dataclass
class _Row:
    line: int
    participant: Participant
    national_number: str  # compact digits, or ""
    number_kind: str
    phases: list[datetime.date]  # the dates of phase 1, 2, ... as far as reached


def cached_method(method):
    """Remember a method's answer per arguments, for the life of the object (one import)."""
    def cached(self, *args):
        memo = self.__dict__.setdefault(f"_memo_{method.__name__}", {})
        if args not in memo:
            memo[args] = method(self, *args)
        return memo[args]
    return cached


def _cell_text(value, column: Column | None) -> str:
    if value is None:
        return ""
    text = value.isoformat() if isinstance(value, datetime.date) else str(value).strip()
    if column is not None and column.name == "national_number" and text:
        return identifier_mask(text)  # never an identifier in the report in full
    return text[:100]


def import_arguments_check(*, programme: Programme, by: User, coach: User | None) -> None:
    if not programmes_open_for_registration_by(by).filter(pk=programme.pk).exists():
        raise RuleViolation(
            _("%(user)s may not register participants in %(programme)s.")
            % {"user": by, "programme": programme.code},
            code="import_programme_not_allowed",
        )
    if coach is not None and coach not in coaches_by_programme([programme.pk]).get(programme.pk, []):
        raise RuleViolation(
            _("%(coach)s is not a coach in %(programme)s: choose a coach of an organisation that coaches "
              "in this programme.") % {"coach": coach, "programme": programme.code},
            code="import_coach_not_in_programme",
        )


def _map_header(table: Table, report: ImportReport) -> dict[int, Column]:
    """Which column each header cell names; a header problem is reported on line 1."""
    columns: dict[int, Column] = {}
    seen: dict[str, str] = {}
    for index, header in enumerate(table.header):
        column = BY_HEADER.get(normalise(header))
        if column is None:
            names = ", ".join(f"{c.dutch}/{c.name}" for c in COLUMNS)
            message = (_("Unknown column: expected one of %(names)s.") % {"names": names} if header
                       else _("A column without a name: give it one of the expected names, or delete it."))
            report.refused.append(RefusedRow(1, header or f"#{index + 1}", header, message))
        elif column.name in seen:
            report.refused.append(RefusedRow(1, header, header, _(
                "This column appears twice (also as %(other)s): keep one.") % {"other": seen[column.name]}))
        else:
            seen[column.name] = header
            columns[index] = column
    for column in COLUMNS:
        if column.required and column.name not in seen:
            report.refused.append(RefusedRow(1, column.dutch, "", _(
                "The required column %(dutch)s (or %(english)s) is missing: add it to the first row.")
                % {"dutch": column.dutch, "english": column.name}))
    return columns


def _known_postcodes() -> set[int]:
    known: set[int] = set()
    for first, last in PostcodeRange.objects.values_list("first", "last"):
        known.update(range(first, last + 1))
    return known


class _RowChecker:
    """Reads and checks one row at a time; what it refuses goes into the report."""

    def __init__(self, *, columns: dict[int, Column], header: list[str], programme: Programme,
                 report: ImportReport):
        self.columns = columns
        self.header_of = {column.name: header[index] for index, column in columns.items()}
        self.width = len(header)
        self.report = report
        self.known_postcodes = _known_postcodes()
        self.trajectory = Trajectory(programme=programme)  # what the phase-date rule reads

    # The services' own checks, once per distinct date: a file repeats the same few dates.

    @cached_method
    def _birth_date_problem(self, year, month, day) -> RuleViolation | None:
        try:
            _check_birth_date(year, month, day)
        except RuleViolation as violation:
            return violation
        return None

    @cached_method
    def _phase_date_problem(self, on: datetime.date, previous: datetime.date | None) -> RuleViolation | None:
        try:
            _check_phase_date(self.trajectory, on, previous)
        except RuleViolation as violation:
            return violation
        return None

    def refuse(self, line: int, name: str, value, message: str) -> None:
        column = next((c for c in COLUMNS if c.name == name), None)
        header = self.header_of.get(name, column.dutch if column else name)
        self.report.refused.append(RefusedRow(line, header, _cell_text(value, column), message))

    def check(self, line: int, cells: list) -> _Row | None:
        refused_before = len(self.report.refused)
        raw: dict[str, object] = {}
        values: dict[str, object] = {}
        for index, column in self.columns.items():
            cell = cells[index] if index < len(cells) else None
            raw[column.name] = cell
            try:
                values[column.name] = column.read(cell)
            except BadCell as error:
                self.refuse(line, column.name, cell, str(error))
        for index in range(self.width, len(cells)):
            if cells[index] is not None and str(cells[index]).strip():
                self.refuse(line, f"#{index + 1}", cells[index], _(
                    "A value in a column without a name: give the column a name, or delete the value."))
        bad = {row.column for row in self.report.refused[refused_before:]}

        first_name, last_name = values.get("first_name") or "", values.get("last_name") or ""
        if not first_name or not last_name:
            self.refuse(line, "first_name" if not first_name else "last_name", "", _(
                "Both first name and last name are needed to register a participant."))
        year, month, day = (values.get(name) for name in ("birth_year", "birth_month", "birth_day"))
        if not bad & {self.header_of.get(n) for n in ("birth_year", "birth_month", "birth_day")}:
            problem = self._birth_date_problem(year, month, day)
            if problem is not None:
                name = _BIRTH_DATE_COLUMN.get(problem.code, "birth_year")
                self.refuse(line, name, raw.get(name), problem.messages[0])

        participant = Participant(
            name_key=name_key(first_name, last_name),
            **{name: values[name] for name in PARTICIPANT_FIELDS if values.get(name) is not None},
        )
        participant.first_name, participant.last_name = first_name.strip(), last_name.strip()
        failed = {name for name in PARTICIPANT_FIELDS if self.header_of.get(name) in bad}
        excluded = {*failed, *_READ_IN_FULL, "name_key"}
        if not (first_name and last_name):
            excluded |= {"first_name", "last_name"}
        try:
            participant.clean_fields(exclude=excluded)
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                self.refuse(line, name, raw.get(name), " ".join(messages))
        postcode = values.get("postcode")
        if postcode is not None and "postcode" not in failed and postcode not in self.known_postcodes:
            self.refuse(line, "postcode", raw.get("postcode"), _(
                "Unknown postcode: no province or region is known for it. Expected a Belgian postcode, "
                "e.g. 2000."))

        number, kind = "", ""
        if values.get("national_number"):
            try:
                number, kind = national_number_clean(values["national_number"])
            except ValidationError as error:
                self.refuse(line, "national_number", raw.get("national_number"), error.messages[0])

        phases = self._phases(line, values, raw, bad)
        if len(self.report.refused) > refused_before:
            return None
        return _Row(line, participant, number, kind, phases)

    def _phases(self, line: int, values: dict, raw: dict, bad: set[str]) -> list[datetime.date]:
        dates: list[datetime.date] = []
        previous: datetime.date | None = None
        missing: int | None = None
        for number, name in enumerate(PHASE_COLUMNS, start=1):
            if self.header_of.get(name) in bad:
                return dates
            on = values.get(name)
            if on is None:
                if number == 1:
                    self.refuse(line, name, raw.get(name), _(
                        "Phase 1 (sensitisation) needs a date: the day the person was reached."))
                    return dates
                missing = missing or number
                continue
            if missing is not None:
                self.refuse(line, name, raw.get(name), _(
                    "Phase %(phase)d has a date but phase %(missing)d (%(name)s) has none: phases follow "
                    "each other, so give that date too (the same date when the phase was skipped).")
                    % {"phase": number, "missing": missing, "name": Phase(missing).label})
                return dates
            problem = self._phase_date_problem(on, previous)
            if problem is not None:
                self.refuse(line, name, raw.get(name), problem.messages[0])
                return dates
            dates.append(on)
            previous = on
        return dates


def _chunks(items: list, size: int = 500) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _birth_key(participant: Participant) -> tuple | None:
    """The name and birth date that make a likely duplicate (as participant_likely_duplicates)."""
    if participant.birth_year is None:
        return None
    return (participant.name_key, participant.birth_year, participant.birth_month, participant.birth_day)


def _refuse_duplicates(rows: list[_Row], checker: _RowChecker) -> list[_Row]:
    """Refuse a row whose identifier, or name and birth date, another row of the file or a person
    already registered (anyone, in any programme) has. The other record is never named."""
    hashes = {row.line: identifier_hash(row.national_number) for row in rows if row.national_number}
    keys = {row.line: key for row in rows if (key := _birth_key(row.participant)) is not None}
    stored_hashes: set[str] = set()
    for chunk in _chunks(sorted(set(hashes.values()))):
        stored_hashes.update(Participant.objects.filter(national_number_hash__in=chunk)
                             .values_list("national_number_hash", flat=True))
    stored_keys: set[tuple] = set()
    for chunk in _chunks(sorted({key[0] for key in keys.values()})):
        stored_keys.update(Participant.objects.filter(name_key__in=chunk)
                           .values_list("name_key", "birth_year", "birth_month", "birth_day"))
    first_with_hash: dict[str, int] = {}
    first_with_key: dict[tuple, int] = {}
    kept = []
    for row in rows:
        number_hash, key = hashes.get(row.line), keys.get(row.line)
        refused = True
        if number_hash in stored_hashes:
            checker.refuse(row.line, "national_number", row.national_number, _(
                "A participant with this national register / BIS number is already registered (perhaps in "
                "another programme or organisation): leave this row out, or ask your coordinator."))
        elif number_hash and number_hash in first_with_hash:
            checker.refuse(row.line, "national_number", row.national_number, _(
                "The same national register / BIS number as line %(line)d: one person, one row.")
                % {"line": first_with_hash[number_hash]})
        elif key in stored_keys:
            checker.refuse(row.line, "last_name", row.participant.last_name, _(
                "A participant with the same name and date of birth is already registered (perhaps in "
                "another programme or organisation): leave this row out, or ask your coordinator."))
        elif key is not None and key in first_with_key:
            checker.refuse(row.line, "last_name", row.participant.last_name, _(
                "The same name and date of birth as line %(line)d: one person, one row.")
                % {"line": first_with_key[key]})
        else:
            refused = False
            kept.append(row)
        if not refused:
            if number_hash:
                first_with_hash[number_hash] = row.line
            if key is not None:
                first_with_key[key] = row.line
    return kept


def _save(rows: list[_Row], *, programme: Programme, by: User, coach: User | None) -> int:
    """Write the people, their trajectories, phases and consent, each with its history row."""
    role = role_of(by)
    coach = coach or (by if role == Role.COACH else None)
    referred_by = organisation_of(by) if role == Role.REFERRER else None
    people = []
    for row in rows:
        if row.national_number:
            row.participant.national_number_encrypted = identifier_encrypt(row.national_number)
            row.participant.national_number_hash = identifier_hash(row.national_number)
            row.participant.national_number_kind = row.number_kind
        people.append(row.participant)
    with transaction.atomic():
        people = bulk_create_as(people, Participant, by, batch_size=BATCH_SIZE)
        trajectories = bulk_create_as([
            Trajectory(participant=person, programme=programme, coach=coach, referred_by=referred_by,
                       referred_by_user=by if referred_by is not None else None)
            for person in people
        ], Trajectory, by, batch_size=BATCH_SIZE)
        bulk_create_as([
            PhaseEntry(trajectory=trajectory, phase=phase, entered_on=on, recorded_by=by)
            for trajectory, row in zip(trajectories, rows, strict=True)
            for phase, on in enumerate(row.phases, start=1)
        ], PhaseEntry, by, batch_size=BATCH_SIZE)
        # As on the registration page: consent to take part, given on the day the person was reached.
        bulk_create_as([
            ConsentRecord(participant=person, purpose=ConsentRecord.Purpose.PROGRAMME, given_on=row.phases[0],
                          version=CONSENT_VERSION, recorded_by=by)
            for person, row in zip(people, rows, strict=True)
        ], ConsentRecord, by, batch_size=BATCH_SIZE)
    return len(people)


def participants_import(
    *,
    file,
    filename: str,
    programme: Programme,
    by: User,
    coach: User | None = None,
    progress: Progress | None = None,
    dry_run: bool = False,
) -> ImportReport:
    """Import the participants in `file` (bytes or a binary file object; CSV or XLSX) into `programme`:
    each gets a trajectory with the phase dates of the row, and consent recorded as given on the phase-1
    date. All or nothing: when any row is refused, nothing is saved and the report lists every refused
    row. `progress(done, total)` is called as the rows are checked. With `dry_run`, check only.

    Raises RuleViolation when `by` may not register in the programme or `coach` does not coach in it."""
    import_arguments_check(programme=programme, by=by, coach=coach)
    report = ImportReport(filename=filename, dry_run=dry_run)
    data = file if isinstance(file, bytes) else file.read()
    try:
        table = read_table(data, filename)
    except FileUnreadable as error:
        report.refused.append(RefusedRow(WHOLE_FILE, "", "", str(error)))
        return report
    report.rows = len(table.rows)
    if report.rows > MAX_ROWS:
        report.refused.append(RefusedRow(WHOLE_FILE, "", "", _(
            "The file has %(rows)d rows; at most %(max)d can be imported at once: split it.")
            % {"rows": report.rows, "max": MAX_ROWS}))
        return report
    columns = _map_header(table, report)
    if report.refused:
        return report
    checker = _RowChecker(columns=columns, header=table.header, programme=programme, report=report)
    rows: list[_Row] = []
    for done, (line, cells) in enumerate(table.rows, start=1):
        row = checker.check(line, cells)
        if row is not None:
            rows.append(row)
        if progress is not None and (done % PROGRESS_EVERY == 0 or done == report.rows):
            progress(done, report.rows)
    rows = _refuse_duplicates(rows, checker)
    report.refused.sort(key=lambda refused: refused.line)
    report.valid = len(rows)
    if report.refused or dry_run or not rows:
        return report
    report.imported = _save(rows, programme=programme, by=by, coach=coach)
    return report

"""Reading an uploaded table (CSV or XLSX) into a header and numbered rows of raw cells."""

import csv
import io
import zipfile
from dataclasses import dataclass

from django.utils.translation import gettext as _

# Belgian Excel writes CSV with ";" (the comma is the decimal sign); other tools write ",".
SEPARATORS = (";", ",", "\t")


class FileUnreadable(Exception):
    """The file as a whole cannot be read; the message says why and what is expected."""


@dataclass
class Table:
    header: list[str]
    # (line number in the file, the cells): strings from a CSV; str, int, float, date or datetime
    # from a spreadsheet. Empty rows are left out.
    rows: list[tuple[int, list]]


def _empty(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Excel on Windows saves "CSV" in its own code page unless told to use UTF-8.
        return data.decode("cp1252", errors="replace")


def _separator(first_line: str) -> str:
    counts = {separator: first_line.count(separator) for separator in SEPARATORS}
    return max(SEPARATORS, key=lambda separator: counts[separator])


def read_csv(data: bytes) -> Table:
    text = _decode(data)
    first_line = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_separator(first_line))
    try:
        # Numbered as records, as a spreadsheet numbers its rows (a cell may hold a line break).
        lines = list(enumerate(reader, start=1))
    except csv.Error as error:
        raise FileUnreadable(
            _("The CSV file cannot be read (%(error)s): save it again as CSV (UTF-8, separated by ; or ,).")
            % {"error": error}
        ) from None
    return _table(lines)


def read_xlsx(data: bytes) -> Table:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise FileUnreadable(
            _("The Excel file cannot be read: save it again as an Excel workbook (.xlsx) or as CSV.")
        ) from None
    try:
        sheet = workbook.worksheets[0]
        lines = [(number, list(row)) for number, row in enumerate(sheet.iter_rows(values_only=True), start=1)]
    finally:
        workbook.close()
    return _table(lines)


def _table(lines: list[tuple[int, list]]) -> Table:
    lines = [(number, cells) for number, cells in lines if not all(_empty(cell) for cell in cells)]
    if not lines:
        raise FileUnreadable(_("The file is empty: the first row holds the column names, the next rows one "
                               "participant each."))
    (_line, header), *rows = lines
    header = ["" if cell is None else str(cell).strip() for cell in header]
    while header and not header[-1]:
        header.pop()
    return Table(header=header, rows=rows)


def read_table(data: bytes, filename: str) -> Table:
    """The table in `data`: an .xlsx workbook (its first sheet) or a CSV file, told apart by content."""
    name = filename.lower()
    if data[:4] == b"PK\x03\x04" or name.endswith((".xlsx", ".xlsm")):
        return read_xlsx(data)
    if name.endswith(".xls") or data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise FileUnreadable(_("Old Excel files (.xls) cannot be read: save the file as .xlsx or as CSV."))
    return read_csv(data)

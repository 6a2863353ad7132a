"""Benchmark: importing N participants (10,000 by default) from a spreadsheet with
`manage.py import_participants FILE --programme OVV --by USERNAME`, on a fresh benchmark database, against
a plain COPY of the same rows into a scratch table (the baseline)."""

import csv
import importlib.util
import os
import subprocess
import sys
import time
from pathlib import Path

import psycopg
from django.db import connection
from psycopg import sql

from bench.database import database_ensure, maintenance_connection

ROOT = Path(__file__).resolve().parent.parent
COORDINATOR = "bench.coordinator0"  # bench.generate's; the import is recorded as theirs
PROGRAMME = "OVV"


def import_available() -> bool:
    return importlib.util.find_spec("trajectories.imports") is not None


def number_for(year: int, month: int, day: int, serial: int, *, bis: bool = False) -> str:
    """The national register number (or, `bis`, the BIS number: the month + 40, gender unknown) of
    someone born on that day with that serial (1-997): its check digits by the mod-97 rule, with a 2 in
    front for people born from 2000. Test data only: the app checks numbers with python-stdnum."""
    first = f"{year % 100:02d}{month + (40 if bis else 0):02d}{day:02d}{serial:03d}"
    return f"{first}{97 - int(('2' if year >= 2000 else '') + first) % 97:02d}"


def national_number(n: int) -> tuple[str, int, int, int]:
    """A valid national register number for person `n` (born 1970-1999), and their birth year, month
    and day: distinct for every n below 10,080 * 997."""
    year, month, day = 1970 + n % 30, 1 + (n // 30) % 12, 1 + (n // 360) % 28
    return number_for(year, month, day, 1 + (n // 10_080) % 997), year, month, day


def write_rows(path: Path, count: int) -> list[str]:
    """`count` people who are not in the database yet, as a CSV file with the import's English headers
    (trajectories.imports.columns): everything the registration asks filled in, every other person
    with a second phase."""
    from trajectories.imports import COLUMNS

    columns = [column.name for column in COLUMNS]
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(columns)
        for n in range(1, count + 1):
            number, year, month, day = national_number(n)
            row = {
                "first_name": f"Imported{n}", "last_name": f"Person{n}", "birth_year": year,
                "birth_month": month, "birth_day": day, "national_number": number,
                "gender": "female" if n % 2 else "male", "nationality": "SY",
                "residence_status": "recognised",
                "languages": "ar, fr", "dutch_level": "A2", "education": "isced_3_4",
                "labour_market_status": "unemployed", "disability": "nee", "homeless": "nee",
                "postcode": 2000 + n % 100, "email": f"imported{n}@example.org", "phone": f"0470{n:06d}",
                "business_idea": "A food truck", "phase_1_on": "2017-03-01",
                "phase_2_on": "2017-04-12" if n % 2 else "",
            }
            writer.writerow([row.get(column, "") for column in columns])
    return columns


def _database_copy(template: str, name: str) -> None:
    with maintenance_connection() as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        admin.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name),
                                                                     sql.Identifier(template)))


def _url(name: str) -> str:
    settings = connection.settings_dict
    user = settings["USER"] or ""
    password = f":{settings['PASSWORD']}" if settings["PASSWORD"] else ""
    return f"postgres://{user}{password}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}/{name}"


def import_time(count: int, work: Path, environment: dict[str, str]) -> dict:
    """Time the command over `count` new people on a fresh database (a copy of an empty, migrated one with
    the seed programme and bench's staff), and a COPY of the same file into a scratch table there."""
    template = connection.settings_dict["NAME"] + "_import_template"
    fresh = connection.settings_dict["NAME"] + "_import"
    work.mkdir(parents=True, exist_ok=True)
    database_ensure(template)
    # An empty benchmark database: migrated (a no-op when it is up to date), the seed programme and bench's
    # staff, no case rows.
    subprocess.run([sys.executable, str(ROOT / "bench" / "generate.py"), "--participants", "0",
                     "--sessions", "0", "--referrals", "0"],
                   env={**os.environ, **environment, "DATABASE_URL": _url(template)}, check=True,
                   cwd=ROOT, stdout=subprocess.DEVNULL)
    _database_copy(template, fresh)
    path = work / f"participants-{count}.csv"
    columns = write_rows(path, count)
    command = [sys.executable, "manage.py", "import_participants", str(path), "--programme", PROGRAMME,
               "--by", COORDINATOR]
    began = time.perf_counter()
    done = subprocess.run(command, env={**os.environ, **environment, "DATABASE_URL": _url(fresh)}, cwd=ROOT,
                          capture_output=True, text=True)
    seconds = time.perf_counter() - began
    if done.returncode != 0:
        raise RuntimeError(f"import_participants failed ({done.returncode}): {done.stdout[-1500:]} "
                           f"{done.stderr[-1500:]}")
    with psycopg.connect(_url(fresh), autocommit=True) as target:
        imported = target.execute("SELECT count(*) FROM trajectories_participant").fetchone()[0]
        target.execute(sql.SQL("CREATE TABLE bench_copy ({})").format(
            sql.SQL(", ").join(sql.SQL("{} text").format(sql.Identifier(column)) for column in columns)))
        began = time.perf_counter()
        with target.cursor() as cursor, \
                cursor.copy("COPY bench_copy FROM STDIN (FORMAT csv, HEADER true)") as copy:
            copy.write(path.read_bytes())
        copy_seconds = time.perf_counter() - began
    with maintenance_connection() as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(fresh)))
    return {"rows": count, "imported": imported, "seconds": seconds, "copy": copy_seconds}

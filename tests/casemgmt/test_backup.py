"""Backup and restore: every record, history row and access-log row comes back in a fresh database,
and a missing or corrupt backup is refused without touching any database.

The tests are transactional: pg_dump runs in another process and sees committed rows only. The
database is flushed afterwards and given back as migrations left it (`serialized_rollback`), so the
geography and role groups that migrations create are there for the tests that follow.
"""

import base64
import dataclasses
import hashlib
import io
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from io import StringIO
from pathlib import Path
from urllib.parse import quote

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import RequestFactory
from django.utils import translation

from casemgmt import backup, backup_crypto
from casemgmt.access import access_log_record
from casemgmt.audit import AppendOnlyModel
from casemgmt.backup import BackupError, pg_tool
from casemgmt.models import AccessLog
from tests.conftest import service_missing
from tests.trajectories.referral_factories import ENTERED_ON, GUIDANCE_ON, SENT_ON, build_world, referral_in
from trajectories.models import Participant, PhaseEntry, Referral, Session, Trajectory
from trajectories.services import (
    participant_register,
    session_log_individual,
    trajectory_advance,
    trajectory_open,
)

# pg_dump in another process sees committed rows only.
transactional = pytest.mark.django_db(transaction=True, serialized_rollback=True)

NATIONAL_NUMBER = "85.07.30-033.28"

# What must come back, row for row: primary keys and the columns a user would miss.
RECORDS = {
    Participant: ["id", "last_name", "national_number_encrypted", "national_number_hash"],
    Trajectory: ["id", "participant_id", "programme_id"],
    PhaseEntry: ["id", "trajectory_id", "phase"],
    Session: ["id", "kind", "duration_minutes"],
    Referral: ["id", "trajectory_id", "status"],
    AccessLog: ["id", "action", "participant_id", "username"],
}


@pytest.fixture(autouse=True)
def english():
    # The commands speak the site's language (Dutch); these tests read their English messages.
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def pg_client_programs():
    if connection.vendor == "postgresql" and not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        service_missing("needs pg_dump and pg_restore: install postgresql-client")


def trail_tables() -> list[str]:
    return sorted(model._meta.db_table for model in apps.get_models()
                  if issubclass(model, AppendOnlyModel) and model is not AccessLog)


def rows(conn, table: str, columns: list[str]) -> set[tuple]:
    cursor = conn.cursor()
    cursor.execute(f'SELECT {", ".join(columns)} FROM "{table}"')
    return {tuple(row) for row in cursor.fetchall()}


def everything(conn) -> dict[str, set[tuple]]:
    """The rows to compare, by table: the records, and every history row by its id."""
    found = {model._meta.db_table: rows(conn, model._meta.db_table, columns) for model, columns in RECORDS.items()}
    for table in trail_tables():
        found[table] = rows(conn, table, ["history_id", "id", "history_type"])
    return found


def small_world() -> Participant:
    """Two people's paths through the services: registered, enrolled, advanced, a session, a referral
    in progress, a look at a record in the access log. Returns the person with an identifier."""
    world = build_world()
    coach = world.user("coach")
    person = participant_register(by=coach, first_name="Amal", last_name="Haddad", birth_year=1985,
                                  national_number=NATIONAL_NUMBER)
    trajectory = trajectory_open(participant=person, programme=world.ovv, by=coach, coach=coach,
                                 entered_on=ENTERED_ON)
    trajectory_advance(trajectory=trajectory, phase=3, on=GUIDANCE_ON, by=coach)
    session_log_individual(trajectory=world.trajectory, by=coach, held_on=SENT_ON, duration_minutes=60,
                           notes="Went through the business plan.")
    referral_in(world, Referral.Status.IN_PROGRESS)
    request = RequestFactory().get(f"/participants/{person.pk}/")
    request.user = coach
    access_log_record(request=request, action=AccessLog.Action.VIEW, obj=person, participant_id=person.pk)
    return person


@pytest.fixture
def fresh_database(tmp_path) -> Iterator[str]:
    """The URL of a new, empty database of the test database's kind; dropped afterwards."""
    if connection.vendor == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    import psycopg

    settings = connection.settings_dict
    name = f"casemgmt_restore_{os.getpid()}"
    params = {"dbname": "postgres", "user": settings["USER"], "password": settings["PASSWORD"],
              "host": settings["HOST"], "port": settings["PORT"]}
    with psycopg.connect(**{k: v for k, v in params.items() if v}, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
        credentials = quote(settings["USER"] or "") + (f":{quote(settings['PASSWORD'])}"
                                                       if settings["PASSWORD"] else "")
        yield (f"postgres://{credentials}@{settings['HOST'] or 'localhost'}:{settings['PORT'] or 5432}"
               f"/{name}")
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def connect(url: str):
    """A plain DB-API connection to the database at `url` (independent of the code under test)."""
    if url.startswith("sqlite:///"):
        return sqlite3.connect(url.removeprefix("sqlite:///"))
    import psycopg

    return psycopg.connect(url.replace("postgres://", "postgresql://", 1), autocommit=True)


def make_backup(tmp_path: Path) -> tuple[Path, str]:
    path = tmp_path / "casemgmt.backup"
    out = StringIO()
    call_command("backup", output=str(path), stdout=out)
    return path, out.getvalue()


def replace_agreed(path: Path, content: bytes) -> None:
    """Put `content` in the backup's place, with its manifest made to agree (size and checksum, and
    signed again under its key where it was signed): a backup written wrong, which only the file itself
    can give away."""
    path.write_bytes(content)
    manifest = path.with_name(path.name + ".json")
    data = json.loads(manifest.read_text())
    data.update(size=len(content), sha256=hashlib.sha256(content).hexdigest())
    if "signature" in data:
        data["signature"] = backup_crypto.manifest_signature(data, signing_key(data))
    manifest.write_text(json.dumps(data))


def signing_key(manifest: dict) -> bytes:
    """The one of BACKUP_KEYS an encrypted backup's manifest names."""
    return backup_crypto.key_named(backup_crypto.configured_keys(), manifest["encryption"]["key_id"])


def restore(path: Path, **options) -> str:
    out = StringIO()
    call_command("restore", str(path), stdout=out, **options)
    return out.getvalue()


@transactional
def test_restore_brings_back_every_record_history_row_and_access_log_row(tmp_path, fresh_database):
    # given
    person = small_world()
    before = everything(connection)
    assert all(before[model._meta.db_table] for model in RECORDS), "the world should have rows of every kind"
    assert sum(len(before[table]) for table in trail_tables()) > 50
    assert person.national_number_encrypted and NATIONAL_NUMBER not in person.national_number_encrypted

    # when
    path, said = make_backup(tmp_path)
    restored = restore(path, database_url=fresh_database)

    # then
    assert path.exists() and path.with_name(path.name + ".json").exists()
    assert "Manifest" in said and "IDENTIFIER_KEYS" in said
    assert "Not encrypted: BACKUP_KEYS is not set" in said
    assert "Checked: all" in restored
    with connect(fresh_database) as conn:
        after = everything(conn)
    for table, expected in before.items():
        assert after[table] == expected, f"{table}: rows differ after the restore"
    # The identifier comes back encrypted, exactly as stored: readable only with IDENTIFIER_KEYS.
    assert (person.pk, "Haddad", person.national_number_encrypted, person.national_number_hash) \
        in after["trajectories_participant"]


@transactional
def test_restore_refuses_a_database_that_holds_data_unless_forced(tmp_path, fresh_database):
    small_world()
    path, _said = make_backup(tmp_path)
    restore(path, database_url=fresh_database)

    with pytest.raises(CommandError, match="already holds data") as refused:
        restore(path, database_url=fresh_database)
    assert "--force" in str(refused.value)

    assert "Checked: all" in restore(path, database_url=fresh_database, force=True)
    with connect(fresh_database) as conn:
        assert everything(conn) == everything(connection)


@transactional
def test_a_postgres_backup_is_a_custom_format_archive_and_keeps_the_trail_append_only(
    postgres, tmp_path, fresh_database
):
    small_world()
    path, _said = make_backup(tmp_path)
    restore(path, database_url=fresh_database)

    assert path.read_bytes()[:5] == b"PGDMP", "pg_dump -Fc archives start with PGDMP"
    manifest = json.loads(path.with_name(path.name + ".json").read_text())
    dumped_by = int(manifest["tool"].removeprefix("pg_dump (PostgreSQL) ").split(".")[0])
    assert dumped_by >= connection.pg_version // 10000, "pg_dump must not be older than the server"
    import psycopg

    with connect(fresh_database) as conn, pytest.raises(psycopg.errors.RaiseException, match="append-only"):
        conn.execute("UPDATE trajectories_historicalparticipant SET last_name = 'changed'")


@transactional
@pytest.mark.parametrize("damage", ["missing file", "missing manifest", "truncated", "not a backup"])
def test_restore_refuses_a_missing_or_corrupt_backup_and_changes_nothing(tmp_path, damage):
    # given a backup, damaged, and a database that holds the world
    person = small_world()
    path, _said = make_backup(tmp_path)
    manifest = path.with_name(path.name + ".json")
    expected = {
        "missing file": "No backup file at",
        "missing manifest": "manifest .* is missing",
        "truncated": "is corrupt or was changed after the backup",
        "not a backup": "is not a readable",
    }[damage]
    if damage == "missing file":
        path.unlink()
    elif damage == "missing manifest":
        manifest.unlink()
    elif damage == "truncated":
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    else:
        replace_agreed(path, os.urandom(4096))  # garbage the manifest was made to agree with
    before = everything(connection)

    # when restored over the database, even with --force
    with pytest.raises(CommandError, match=expected) as refused:
        restore(path, force=True)

    # then the message says what is expected, and nothing changed
    if damage in ("missing file", "missing manifest"):
        assert "written by `manage.py backup`" in str(refused.value)
    assert everything(connection) == before
    assert Participant.objects.get(pk=person.pk).national_number_encrypted == person.national_number_encrypted


@transactional
def test_restore_fails_loudly_when_the_restored_rows_differ_from_the_manifest(tmp_path, fresh_database):
    small_world()
    path, _said = make_backup(tmp_path)
    manifest = path.with_name(path.name + ".json")
    data = json.loads(manifest.read_text())
    data["row_counts"]["trajectories_participant"] += 1
    manifest.write_text(json.dumps(data))

    with pytest.raises(CommandError, match="does NOT match the backup's manifest") as failed:
        restore(path, database_url=fresh_database)

    assert "trajectories_participant" in str(failed.value)


def test_a_missing_postgres_client_is_named_with_the_version_needed():
    with pytest.raises(BackupError) as missing:
        pg_tool("pg_dump", at_least=99)

    assert "pg_dump of PostgreSQL 99 or newer is needed" in str(missing.value)
    assert "postgresql-client-99" in str(missing.value)


# Encrypted at rest ------------------------------------------------------------------------------


def new_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


@transactional
def test_an_encrypted_backup_holds_no_name_in_clear_and_restores_every_row(tmp_path, fresh_database, settings):
    # given BACKUP_KEYS (a retired key after the current one) and the world
    current = new_key()
    settings.BACKUP_KEYS = [current, new_key()]
    small_world()
    before = everything(connection)

    # when
    path, said = make_backup(tmp_path)
    restored = restore(path, database_url=fresh_database)

    # then the file is sealed under the first key, names nowhere in it, and every row comes back
    content = path.read_bytes()
    manifest = json.loads(path.with_name(path.name + ".json").read_text())
    key_id = backup_crypto.key_id(backup_crypto.key_from_text(current))
    assert content.startswith(backup_crypto.MAGIC + key_id.encode())
    assert b"Haddad" not in content and b"business plan" not in content
    assert manifest["encryption"] == {"cipher": "AES-256-GCM", "chunk": backup_crypto.CHUNK, "key_id": key_id}
    assert manifest["version"] == 3 and manifest["size"] == len(content)
    assert manifest["signature"] == backup_crypto.manifest_signature(manifest, backup_crypto.key_from_text(current))
    assert f"Encrypted (AES-256-GCM) with the key {key_id}" in said
    assert "Checked: all" in restored
    with connect(fresh_database) as conn:
        assert everything(conn) == before
    # and no unencrypted copy is left beside the backup
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([path.name, path.name + ".json", *(
        ["restored.sqlite3"] if connection.vendor == "sqlite" else [])])


@transactional
@pytest.mark.parametrize("refusal", ["no keys", "another key", "a byte changed", "a byte of the last part changed",
                                     "cut at a part's end", "parts swapped"])
def test_an_encrypted_backup_that_does_not_open_is_refused_and_changes_nothing(tmp_path, settings, refusal,
                                                                               monkeypatch):
    # given an encrypted backup of many parts (4 KiB each here) and a database that holds the world
    monkeypatch.setattr(backup_crypto, "CHUNK", 4096)
    key = new_key()
    settings.BACKUP_KEYS = [key]
    person = small_world()
    path, _said = make_backup(tmp_path)
    expected = {
        "no keys": "is encrypted .* BACKUP_KEYS is not set",
        "another key": "none of BACKUP_KEYS is that key",
        "a byte changed": "part 1 does not open",
        "a byte of the last part changed": "does not open",
        "cut at a part's end": "does not open",
        "parts swapped": "part 1 does not open",
    }[refusal]
    if refusal == "no keys":
        settings.BACKUP_KEYS = []
    elif refusal == "another key":
        settings.BACKUP_KEYS = [new_key()]
    else:
        header, parts = _parts(path.read_bytes())
        assert len(parts) > 2
        if refusal == "a byte changed":
            parts[0] = parts[0][:20] + bytes([parts[0][20] ^ 1]) + parts[0][21:]
        elif refusal == "a byte of the last part changed":
            parts[-1] = parts[-1][:-1] + bytes([parts[-1][-1] ^ 1])
        elif refusal == "cut at a part's end":
            parts = parts[:-1]  # what a copy interrupted between two parts leaves
        else:
            parts[0], parts[1] = parts[1], parts[0]
        replace_agreed(path, header + b"".join(parts))  # only the encryption can tell
    before = everything(connection)

    # when restored over the database, even with --force
    with pytest.raises(CommandError, match=expected):
        restore(path, force=True)

    # then nothing changed
    assert everything(connection) == before
    assert Participant.objects.get(pk=person.pk).last_name == "Haddad"


@transactional
@pytest.mark.parametrize("change", ["date", "row count", "another backup's file", "signature removed",
                                    "signature removed, version lowered", "signed with another key",
                                    "key id changed", "key id removed", "signature not hexadecimal"])
def test_an_encrypted_backup_whose_manifest_its_key_did_not_sign_is_refused(tmp_path, settings, change):
    # given two encrypted backups of a database that holds the world (the second a day older, as it were)
    key = new_key()
    settings.BACKUP_KEYS = [key]
    person = small_world()
    path, _said = make_backup(tmp_path)
    (tmp_path / "older").mkdir()
    older, _said = make_backup(tmp_path / "older")
    manifest_file = path.with_name(path.name + ".json")
    manifest = json.loads(manifest_file.read_text())
    assert backup_crypto.manifest_signed_correctly(manifest, signing_key(manifest))
    # and its manifest changed by someone with the files but not the key
    expected = "does not match its signature"
    if change == "date":
        manifest["created_at"] = "2031-01-01T02:15:00+00:00"
    elif change == "row count":
        manifest["row_counts"]["trajectories_participant"] += 1
    elif change == "another backup's file":
        # a genuine file of the same key, its size and checksum copied in: the file opens, the manifest lies
        shutil.copyfile(older, path)
        older_manifest = json.loads(older.with_name(older.name + ".json").read_text())
        manifest.update(size=older_manifest["size"], sha256=older_manifest["sha256"])
    elif change == "signed with another key":
        manifest["created_at"] = "2031-01-01T02:15:00+00:00"
        manifest["signature"] = backup_crypto.manifest_signature(manifest, backup_crypto.key_from_text(new_key()))
    elif change in ("key id changed", "key id removed"):
        # a manifest that names no key of BACKUP_KEYS would go unchecked if the manifest chose the key
        manifest["created_at"] = "2031-01-01T02:15:00+00:00"
        if change == "key id changed":
            manifest["encryption"]["key_id"] = "0" * 16
        else:
            del manifest["encryption"]["key_id"]
        expected = "do not belong together"
    elif change == "signature not hexadecimal":
        manifest["signature"] = "é" * 64
    else:
        del manifest["signature"]
        expected = "is not signed"
        if change == "signature removed, version lowered":
            manifest["version"] = 2
    manifest_file.write_text(json.dumps(manifest))
    before = everything(connection)

    # when restored over the database, with --allow-unencrypted, and with --allow-unsigned unless the
    # manifest passes for one of version 2 (that flag trusts such a manifest unchecked)
    with pytest.raises(CommandError, match=expected):
        restore(path, force=True, allow_unencrypted=True,
                allow_unsigned=change != "signature removed, version lowered")

    # then nothing changed
    assert everything(connection) == before
    assert Participant.objects.get(pk=person.pk).last_name == "Haddad"


@transactional
def test_an_encrypted_backup_made_before_manifests_were_signed_is_restored_only_when_asked(
        tmp_path, fresh_database, settings):
    # given an encrypted backup as version 2 wrote it: no signature
    settings.BACKUP_KEYS = [new_key()]
    small_world()
    path, _said = make_backup(tmp_path)
    manifest_file = path.with_name(path.name + ".json")
    manifest = json.loads(manifest_file.read_text())
    del manifest["signature"]
    manifest["version"] = 2
    manifest_file.write_text(json.dumps(manifest))

    with pytest.raises(CommandError, match="is not signed.*--allow-unsigned"):
        restore(path, database_url=fresh_database)

    assert "Checked: all" in restore(path, database_url=fresh_database, allow_unsigned=True)


@transactional
def test_a_backup_changed_while_pg_restore_reads_it_stops_pg_restore_before_it_commits(postgres, tmp_path,
                                                                                      settings, monkeypatch):
    # given an encrypted backup of many parts, and a database that holds the world
    monkeypatch.setattr(backup_crypto, "CHUNK", 4096)
    settings.BACKUP_KEYS = [new_key()]
    person = small_world()
    path, _said = make_backup(tmp_path)
    header, parts = _parts(path.read_bytes())
    changed = tmp_path / "changed"
    changed.write_bytes(header + b"".join([*parts[:-2], parts[-1]]))  # it ends a part too early
    before = everything(connection)
    # and a file that is swapped after the check, between pg_restore --list and pg_restore
    fed = []
    feed = backup.Archive.feed

    def swapped_after_the_check(archive, target):
        fed.append(archive.path)
        feed(archive if len(fed) == 1 else dataclasses.replace(archive, path=changed), target)

    monkeypatch.setattr(backup.Archive, "feed", swapped_after_the_check)
    killed = []
    kill = subprocess.Popen.kill
    monkeypatch.setattr(subprocess.Popen, "kill", lambda tool: killed.append(tool.args[0]) or kill(tool))

    # when restored over it: pg_restore has been fed most of the archive when the parts stop opening
    with pytest.raises(CommandError, match="does not open"):
        restore(path, force=True)

    # then pg_restore, killed before its input ended, committed nothing
    assert len(fed) == 2 and [Path(tool).name for tool in killed] == ["pg_restore"]
    assert everything(connection) == before
    assert Participant.objects.get(pk=person.pk).last_name == "Haddad"


@transactional
def test_where_backups_are_encrypted_an_unencrypted_one_is_restored_only_when_asked(tmp_path, fresh_database,
                                                                                      settings):
    # given an unencrypted backup (a file put where a backup was, with a manifest to match)
    small_world()
    path, _said = make_backup(tmp_path)
    settings.BACKUP_KEYS = [new_key()]

    with pytest.raises(CommandError, match="is not encrypted, and backups here are"):
        restore(path, database_url=fresh_database)
    with connect(fresh_database) as conn:
        assert not rows(conn, "sqlite_master" if connection.vendor == "sqlite" else "pg_tables",
                        ["name" if connection.vendor == "sqlite" else "tablename"]) & {
            ("trajectories_participant",)}

    assert "Checked: all" in restore(path, database_url=fresh_database, allow_unencrypted=True)


@pytest.mark.parametrize("size", [0, 1, 7, 8, 9, 16, 25])
def test_sealed_bytes_open_to_exactly_what_went_in(size):
    key = os.urandom(32)
    data = os.urandom(size)
    sealed, opened = io.BytesIO(), io.BytesIO()

    backup_crypto.seal([data[:3], data[3:]], sealed, key, chunk_size=8)
    sealed.seek(0)
    backup_crypto.unseal(sealed, opened, [os.urandom(32), key], chunk_size=8)

    assert opened.getvalue() == data
    assert len(data) < 8 or data not in sealed.getvalue()  # a byte or two may turn up by chance


def _parts(sealed: bytes) -> tuple[bytes, list[bytes]]:
    """The header and the parts (each with its length) of a sealed file."""
    at = len(backup_crypto.MAGIC) + 16 + 8
    header, parts = sealed[:at], []
    while at < len(sealed):
        size = int.from_bytes(sealed[at:at + 4], "big")
        parts.append(sealed[at:at + 4 + size])
        at += 4 + size
    return header, parts


@pytest.mark.parametrize("change", ["last part dropped", "parts swapped", "a part added", "a part repeated"])
def test_parts_dropped_moved_or_added_do_not_open(change):
    key = os.urandom(32)
    sealed = io.BytesIO()
    backup_crypto.seal([os.urandom(20)], sealed, key, chunk_size=8)  # three parts: 8, 8 and 4 bytes
    header, parts = _parts(sealed.getvalue())
    assert len(parts) == 3
    other = io.BytesIO()
    backup_crypto.seal([os.urandom(20)], other, key, chunk_size=8)
    changed = {
        "last part dropped": parts[:2],
        "parts swapped": [parts[1], parts[0], parts[2]],
        "a part added": [*parts, _parts(other.getvalue())[1][2]],
        "a part repeated": [parts[0], parts[0], parts[1], parts[2]],
    }[change]

    with pytest.raises(backup_crypto.SealError, match="does not open"):
        backup_crypto.unseal(io.BytesIO(header + b"".join(changed)), io.BytesIO(), [key], chunk_size=8)


@pytest.mark.parametrize("text", ["", "password123", base64.urlsafe_b64encode(b"short").decode(), "é" * 44])
def test_a_backup_key_that_is_not_32_random_bytes_is_refused_with_how_to_make_one(text):
    with pytest.raises(backup_crypto.BackupKeyError) as refused:
        backup_crypto.key_from_text(text)

    assert "32 random bytes in URL-safe base64" in str(refused.value)
    assert "urlsafe_b64encode(os.urandom(32))" in str(refused.value)


@transactional
def test_a_backup_refuses_a_bad_key_and_writes_nothing(tmp_path, settings):
    settings.BACKUP_KEYS = ["password123"]
    small_world()

    with pytest.raises(CommandError, match="not a key"):
        make_backup(tmp_path)

    assert list(tmp_path.iterdir()) == []


def test_an_encrypted_backup_of_a_database_in_wal_mode_opens(tmp_path):
    # given a database in WAL mode, copied as `backup` copies it (into memory), and sealed
    plain = sqlite3.connect(tmp_path / "wal.sqlite3")
    plain.execute("PRAGMA journal_mode=WAL")
    plain.execute("CREATE TABLE person (name TEXT)")
    plain.execute("INSERT INTO person VALUES ('Haddad')")
    plain.commit()
    copy = sqlite3.connect(":memory:")
    plain.backup(copy)
    content = copy.serialize()
    assert content[18:20] == b"\x02\x02"  # the copy says WAL mode in its header
    key, sealed = os.urandom(32), tmp_path / "wal.backup"
    with sealed.open("wb") as target:
        backup_crypto.seal([content], target, key)

    # when opened, decrypted into memory, then the rows are there
    with backup.Archive(sealed, (key,)).sqlite() as opened:
        assert opened.execute("SELECT name FROM person").fetchall() == [("Haddad",)]
        assert opened.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_a_restore_stopped_by_sigterm_stops_the_tool_it_feeds(tmp_path):
    # given a tool that reads its whole input, then works on (as pg_restore builds indexes) and would commit
    done = tmp_path / "committed"
    key, sealed = os.urandom(32), tmp_path / "some.backup"
    with sealed.open("wb") as target:
        backup_crypto.seal([b"archive"], target, key)
    tool = [sys.executable, "-c", "import pathlib, sys, time; sys.stdin.buffer.read(); time.sleep(3); "
            f"pathlib.Path({str(done)!r}).write_text('yes')"]
    before = signal.getsignal(signal.SIGTERM)
    backup.stop_cleanly_on_sigterm()
    timer = threading.Timer(1.0, os.kill, (os.getpid(), signal.SIGTERM))
    try:
        # when SIGTERM comes while it works
        timer.start()
        with pytest.raises(SystemExit):
            backup.Archive(sealed, (key,)).run(tool, None)
    finally:
        timer.cancel()
        signal.signal(signal.SIGTERM, before)

    # then it was stopped with the restore, and never got to commit
    time.sleep(3.5)
    assert not done.exists()

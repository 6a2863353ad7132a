"""Backup and restore of the whole database, each backup with a manifest that a restore checks.

On PostgreSQL a backup is a `pg_dump -Fc` archive, restored with `pg_restore`; on SQLite it is a
copy made with the online backup API. Beside the backup FILE lies FILE.json, the manifest: the
file's size and SHA-256, the applied migrations and the row count of every table. A restore checks
the file against the manifest before it touches any database, and the restored rows against the
manifest afterwards. Identifiers stay encrypted in a backup: reading them needs IDENTIFIER_KEYS (and
finding people by number IDENTIFIER_HASH_KEY), which are kept apart from the backups
(docs/operations.md). With BACKUP_KEYS set, the whole file is encrypted too (casemgmt.backup_crypto):
the manifest then describes the encrypted file and names the key, and neither a backup nor a restore
writes the database unencrypted anywhere: pg_dump's output is encrypted as it comes and pg_restore is fed
the archive decrypted as it is read; SQLite's copy is made, and opened again, in memory.
"""

import hashlib
import io
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import dj_database_url
from django.apps import apps
from django.db import connections
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from casemgmt import backup_crypto
from casemgmt.audit import AppendOnlyModel

MANIFEST_FORMAT = "casemgmt-backup"
# 3: an encrypted backup's manifest is signed ("signature"); 2: the backup may be encrypted
# ("encryption"); 1: never. An unencrypted backup's manifest stays version 1: there is no key to sign with.
MANIFEST_VERSION = 3  # what an encrypted backup's manifest is written as, and the newest a restore reads
SIGNED_VERSION = 3  # the first version whose encrypted backups' manifests are signed
# The tables a restore reports on and that decide whether a database "has data": the person's
# path and the access log; every history table is added to these.
KEY_MODELS = (
    "trajectories.Participant",
    "trajectories.Trajectory",
    "trajectories.PhaseEntry",
    "trajectories.Session",
    "trajectories.Referral",
    "casemgmt.AccessLog",
)
# Keys of Django's OPTIONS for PostgreSQL that are not libpq connection parameters.
NOT_LIBPQ = {"isolation_level", "assume_role", "server_side_binding", "pool", "cursor_factory", "context",
             "prepare_threshold"}
PG_LIB_DIR = Path("/usr/lib/postgresql")


class BackupError(Exception):
    """A backup or restore was refused or failed; the message says what is wrong and what to do."""


def stop_cleanly_on_sigterm() -> None:
    """Let SIGTERM (systemd stopping a timer's service, `kill`) end a backup or restore as Ctrl-C does:
    through every `finally`, so no partial file stays behind and a restore's pg_restore is stopped before
    it commits."""
    signal.signal(signal.SIGTERM, lambda number, frame: sys.exit(128 + number))


def manifest_path(path: Path) -> Path:
    return path.with_name(path.name + ".json")


# Databases -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Database:
    """One database to back up or restore into: Django's settings of it, and its alias if it has one."""

    settings: dict
    alias: str | None = None

    @classmethod
    def of_alias(cls, alias: str = "default") -> "Database":
        return cls(settings=dict(connections[alias].settings_dict), alias=alias)

    @classmethod
    def of_url(cls, url: str) -> "Database":
        try:
            return cls(settings=dj_database_url.parse(url))
        except Exception as error:  # dj-database-url raises plain ValueErrors and others
            raise BackupError(
                _("Cannot read the database URL (%(error)s): expected e.g. "
                  "postgres://user@host:5432/name or sqlite:////path/to/file.sqlite3.") % {"error": error}
            ) from None

    @property
    def vendor(self) -> str:
        engine = self.settings.get("ENGINE", "")
        if engine.endswith(("postgresql", "postgis")):
            return "postgresql"
        if engine.endswith(("sqlite3", "spatialite")):
            return "sqlite"
        raise BackupError(
            _("Backups support PostgreSQL and SQLite; this database uses %(engine)s.") % {"engine": engine}
        )

    @property
    def name(self) -> str:
        return str(self.settings.get("NAME") or "")

    def __str__(self) -> str:
        if self.vendor == "sqlite":
            return f"sqlite:{self.name}"
        host = self.settings.get("HOST") or "localhost"
        port = self.settings.get("PORT") or 5432
        user = self.settings.get("USER") or ""
        return f"postgresql://{user + '@' if user else ''}{host}:{port}/{self.name}"

    def libpq(self) -> tuple[dict, dict]:
        """(connection parameters without the password, environment with PGPASSWORD) for libpq tools."""
        options = {k: v for k, v in (self.settings.get("OPTIONS") or {}).items() if k not in NOT_LIBPQ}
        params = {"dbname": self.name, "user": self.settings.get("USER"), "host": self.settings.get("HOST"),
                  "port": self.settings.get("PORT"), **options}
        params = {key: str(value) for key, value in params.items() if value not in (None, "")}
        env = dict(os.environ)
        if self.settings.get("PASSWORD"):
            env["PGPASSWORD"] = str(self.settings["PASSWORD"])
        return params, env

    def conninfo(self) -> str:
        from psycopg.conninfo import make_conninfo

        return make_conninfo(**self.libpq()[0])

    @contextmanager
    def connect(self, *, autocommit: bool = True) -> Iterator:
        """A DB-API connection: a new one, or Django's own raw connection for an alias (on SQLite an
        in-memory database is only reachable through it)."""
        if self.vendor == "sqlite" and self.alias is not None:
            connections[self.alias].ensure_connection()
            yield connections[self.alias].connection
            return
        if self.vendor == "sqlite":
            if not Path(self.name).parent.is_dir():
                raise BackupError(_("The folder of %(path)s does not exist: create it first.")
                                  % {"path": self.name})
            conn = sqlite3.connect(self.name)
            try:
                conn.execute("SELECT COUNT(*) FROM sqlite_master")
            except sqlite3.DatabaseError as error:
                conn.close()
                raise BackupError(_("%(path)s is not a SQLite database (%(error)s): give the path of one, "
                                    "or of a new file.") % {"path": self.name, "error": error}) from None
        else:
            import psycopg

            params, env = self.libpq()
            try:
                conn = psycopg.connect(**params, password=env.get("PGPASSWORD"), autocommit=autocommit)
            except psycopg.OperationalError as error:
                raise BackupError(
                    _("Cannot connect to %(database)s: %(error)s. If the database does not exist yet, "
                      "create it first (createdb).") % {"database": self, "error": str(error).strip()}
                ) from None
        try:
            yield conn
        finally:
            conn.close()


def _table_exists(cursor, vendor: str, table: str) -> bool:
    if vendor == "sqlite":
        cursor.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [table])
    else:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [f'"{table}"'])
        return bool(cursor.fetchone()[0])
    return cursor.fetchone() is not None


def row_counts(conn, vendor: str, tables: list[str]) -> dict[str, int | None]:
    """Rows in each table (None where the table does not exist)."""
    counts: dict[str, int | None] = {}
    cursor = conn.cursor()
    for table in tables:
        if not _table_exists(cursor, vendor, table):
            counts[table] = None
            continue
        cursor.execute(f'SELECT COUNT(*) FROM "{table}"')
        counts[table] = cursor.fetchone()[0]
    return counts


def applied_migrations(conn, vendor: str) -> list[list[str]]:
    cursor = conn.cursor()
    if not _table_exists(cursor, vendor, "django_migrations"):
        return []
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
    return [[app, name] for app, name in cursor.fetchall()]


def key_tables() -> dict[str, dict[str, str]]:
    """Table name -> what it holds, of the key tables: the person's path and the access log
    ("records"), and every history table ("history")."""
    models = [apps.get_model(label) for label in KEY_MODELS]
    history = sorted((m for m in apps.get_models() if issubclass(m, AppendOnlyModel) and m not in models),
                     key=lambda m: m._meta.db_table)
    return {
        "records": {m._meta.db_table: str(m._meta.verbose_name_plural) for m in models},
        "history": {m._meta.db_table: str(m._meta.verbose_name_plural) for m in history},
    }


def all_tables() -> list[str]:
    """Every table Django knows of in this database, and the migration record."""
    with connections["default"].cursor():
        names = connections["default"].introspection.django_table_names(only_existing=True)
    return sorted(set(names) | {"django_migrations"})


# PostgreSQL client programs ----------------------------------------------------------------------


def _major(version_num: int) -> int:
    return version_num // 10000 if version_num >= 100000 else version_num // 100


def server_version(conn) -> tuple[int, str]:
    """(major version, full version) of a PostgreSQL server."""
    cursor = conn.cursor()
    cursor.execute("SELECT current_setting('server_version_num')::int, current_setting('server_version')")
    number, text = cursor.fetchone()
    return _major(number), text


def _tool_version(path: Path) -> tuple[int, str] | None:
    try:
        out = subprocess.run([str(path), "--version"], capture_output=True, text=True, timeout=30).stdout
    except OSError:
        return None
    match = re.search(r"(\d+)(?:\.(\d+))?", out)
    return (int(match.group(1)), out.strip()) if match else None


def pg_tool(name: str, *, at_least: int) -> tuple[Path, str]:
    """The `name` client program (pg_dump, pg_restore) of PostgreSQL `at_least` or newer: the one of
    exactly that version under /usr/lib/postgresql first, then the one on PATH, then any newer one."""
    candidates = [PG_LIB_DIR / str(at_least) / "bin" / name]
    if shutil.which(name):
        candidates.append(Path(shutil.which(name)))
    installed = [path for path in PG_LIB_DIR.glob(f"*/bin/{name}") if path.parts[-3].isdigit()]
    candidates += sorted(installed, key=lambda path: int(path.parts[-3]))
    found = []
    for path in candidates:
        if not (path.is_file() and os.access(path, os.X_OK)):
            continue
        version = _tool_version(path)
        if version is None:
            continue
        if version[0] >= at_least:
            return path, version[1]
        found.append(f"{path} ({version[1]})")
    raise BackupError(
        _("%(tool)s of PostgreSQL %(version)s or newer is needed and was not found (found: %(found)s). "
          "Install the client programs of the server's version, e.g. `apt install "
          "postgresql-client-%(version)s`, or put their folder on PATH.")
        % {"tool": name, "version": at_least, "found": ", ".join(found) or _("none")}
    )


class ToolFailed(BackupError):
    """A client program (pg_dump, pg_restore) ended with an error; `error` is what it said."""

    def __init__(self, command: list[str], code: int, error: str):
        self.tool, self.code, self.error = Path(command[0]).name, code, error
        super().__init__(_("%(tool)s failed (exit code %(code)s): %(error)s")
                         % {"tool": self.tool, "code": code, "error": error})


def _run(command: list[str], env: dict | None, *, output: bool = True) -> None:
    """Run `command`; ToolFailed with what it said on its error output (or, with `output`, its output)."""
    result = subprocess.run(command, capture_output=True, text=True, env=env)
    if result.returncode != 0:
        raise ToolFailed(command, result.returncode,
                         result.stderr.strip() or (result.stdout.strip() if output else ""))


def _said(errors) -> str:
    """What a tool wrote to `errors`, the temporary file its error output went to."""
    errors.seek(0)
    return errors.read().decode(errors="replace").strip()


# Backup ----------------------------------------------------------------------------------------


@dataclass
class Result:
    path: Path
    manifest: dict
    seconds: float
    notes: list[str] = field(default_factory=list)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _write_json(path: Path, data: dict) -> None:
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    os.chmod(partial, 0o600)
    os.replace(partial, path)


def backup(*, output: Path, database: Database | None = None) -> Result:
    """Back up `database` (Django's default) to `output`, with the manifest beside it."""
    database = database or Database.of_alias("default")
    started = time.monotonic()
    output = output.resolve()
    for path in (output, manifest_path(output)):
        if path.exists():
            raise BackupError(_("%(path)s already exists: a backup never overwrites another one. Choose a "
                                "new file name, e.g. with the date in it.") % {"path": path})
    if not output.parent.is_dir():
        raise BackupError(_("The folder %(folder)s does not exist: create it first.")
                          % {"folder": output.parent})
    key = _encryption_key()
    tables = all_tables()
    partial = output.with_name(output.name + ".partial")
    try:
        if database.vendor == "postgresql":
            details = _backup_postgresql(database, partial, tables, key)
        else:
            details = _backup_sqlite(database, partial, tables, key)
        os.chmod(partial, 0o600)  # names and contact details are in it: for its owner only
        encryption = {} if key is None else {"encryption": {
            "cipher": "AES-256-GCM", "chunk": backup_crypto.CHUNK, "key_id": backup_crypto.key_id(key)}}
        manifest = {
            "format": MANIFEST_FORMAT,
            "version": MANIFEST_VERSION if key is not None else 1,
            "created_at": timezone.now().isoformat(timespec="seconds"),
            "file": output.name,
            "size": partial.stat().st_size,
            "sha256": _sha256(partial),
            "key_tables": key_tables(),
            **details,
            **encryption,
        }
        if key is not None:
            manifest["signature"] = backup_crypto.manifest_signature(manifest, key)
        os.replace(partial, output)
        _write_json(manifest_path(output), manifest)
    finally:
        partial.unlink(missing_ok=True)
    return Result(path=output, manifest=manifest, seconds=time.monotonic() - started)


def _encryption_key() -> bytes | None:
    """The key new backups are encrypted under (the first of BACKUP_KEYS), or None without keys."""
    try:
        keys = backup_crypto.configured_keys()
    except backup_crypto.BackupKeyError as error:
        raise BackupError(str(error)) from None
    return keys[0] if keys else None


def _backup_postgresql(database: Database, path: Path, tables: list[str], key: bytes | None) -> dict:
    # The counts and the dump see the same moment: pg_dump reads the snapshot of the transaction
    # that counted, held open until it is done, so rows written meanwhile are in neither.
    import psycopg

    with database.connect(autocommit=False) as conn:
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        major, version = server_version(conn)
        tool, tool_version = pg_tool("pg_dump", at_least=major)
        snapshot = conn.execute("SELECT pg_export_snapshot()").fetchone()[0]
        counts = row_counts(conn, "postgresql", tables)
        migrations = applied_migrations(conn, "postgresql")
        command = [str(tool), "--format=custom", f"--snapshot={snapshot}", f"--dbname={database.conninfo()}"]
        if key is None:
            _run([*command, f"--file={path}"], database.libpq()[1])
        else:
            _run_sealed(command, database.libpq()[1], path, key)
        conn.rollback()
    return {"vendor": "postgresql", "server_version": version, "tool": tool_version,
            "row_counts": counts, "migrations": migrations}


def _run_sealed(command: list[str], env: dict, path: Path, key: bytes) -> None:
    """Run `command` (a tool writing the archive to its output) and write that output to `path` encrypted,
    as it comes: the archive never lies on disk unencrypted."""
    with tempfile.TemporaryFile() as errors, path.open("wb") as target:
        tool = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors, env=env)
        try:
            backup_crypto.seal(iter(lambda: tool.stdout.read(backup_crypto.CHUNK), b""), target, key)
        finally:
            tool.stdout.close()
            code = tool.wait()
        if code != 0:
            raise ToolFailed(command, code, _said(errors))


def _backup_sqlite(database: Database, path: Path, tables: list[str], key: bytes | None) -> dict:
    # An encrypted backup is copied into memory first (the online backup API writes a database), then
    # encrypted into `path` from there.
    with database.connect() as source:
        copy = sqlite3.connect(path if key is None else ":memory:")
        try:
            source.backup(copy)
            # Counted in the copy itself, so the manifest describes exactly what was saved.
            counts = row_counts(copy, "sqlite", tables)
            migrations = applied_migrations(copy, "sqlite")
            if key is not None:
                content, size = memoryview(copy.serialize()), backup_crypto.CHUNK
                with path.open("wb") as target:
                    parts = (content[start:start + size] for start in range(0, len(content), size))
                    backup_crypto.seal(parts, target, key)
        finally:
            copy.close()
    return {"vendor": "sqlite", "server_version": sqlite3.sqlite_version,
            "tool": f"sqlite3 {sqlite3.sqlite_version} online backup API",
            "row_counts": counts, "migrations": migrations}


# Restore ---------------------------------------------------------------------------------------


def read_backup(path: Path) -> dict:
    """The manifest of the backup at `path`, once the file is proven to be the one it describes."""
    expected = _("Expected a file written by `manage.py backup` with its manifest %(manifest)s beside it.") \
        % {"manifest": manifest_path(path).name}
    if not path.is_file():
        raise BackupError(_("No backup file at %(path)s. %(expected)s")
                          % {"path": path, "expected": expected})
    try:
        manifest = json.loads(manifest_path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackupError(_("The manifest %(manifest)s is missing, so the backup cannot be checked. "
                            "%(expected)s")
                          % {"manifest": manifest_path(path), "expected": expected}) from None
    except (ValueError, UnicodeDecodeError) as error:
        raise BackupError(_("The manifest %(manifest)s is not valid JSON (%(error)s). %(expected)s")
                          % {"manifest": manifest_path(path), "error": error, "expected": expected}) from None
    required = {"format", "version", "vendor", "size", "sha256", "row_counts", "migrations", "key_tables"}
    if not isinstance(manifest, dict) or manifest.get("format") != MANIFEST_FORMAT \
            or not required <= manifest.keys():
        raise BackupError(_("%(manifest)s is not a casemgmt backup manifest. %(expected)s")
                          % {"manifest": manifest_path(path), "expected": expected})
    if manifest["version"] > MANIFEST_VERSION:
        raise BackupError(_("This backup was made by a newer casemgmt (manifest version %(version)s): "
                            "restore it with that version.") % {"version": manifest["version"]})
    size = path.stat().st_size
    if size != manifest["size"] or _sha256(path) != manifest["sha256"]:
        raise BackupError(_("%(path)s is corrupt or was changed after the backup: its size (%(size)s bytes) "
                            "or checksum differs from the manifest (%(expected_size)s bytes, SHA-256 "
                            "%(sha)s). Use another backup.")
                          % {"path": path, "size": size, "expected_size": manifest["size"],
                             "sha": manifest["sha256"]})
    return manifest


def _check_archive(archive: "Archive", manifest: dict, database: Database) -> tuple[Path | None, str]:
    """Open the backup without restoring it: pg_restore --list, or SQLite's integrity check. An encrypted
    backup is decrypted whole on the way, so every part of it is proven before the restore reads any."""
    if manifest["vendor"] == "sqlite":
        try:
            with archive.sqlite() as conn:
                if conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok":
                    return None, ""
        except sqlite3.DatabaseError:
            pass
        raise BackupError(_("%(path)s is not a readable SQLite database: it fails the integrity check.")
                          % {"path": archive.path})
    with database.connect() as conn:
        major, _version = server_version(conn)
    match = re.search(r"\d+", str(manifest.get("tool")))
    dumped_by = int(match.group()) if match else 0
    tool, tool_version = pg_tool("pg_restore", at_least=max(major, dumped_by))
    try:
        archive.run([str(tool), "--list"], None, output=False)
    except ToolFailed as failed:
        raise BackupError(_("%(path)s is not a readable pg_dump archive: %(error)s")
                          % {"path": archive.path, "error": failed.error}) from None
    return tool, tool_version


def _data_in(database: Database, manifest: dict) -> str:
    """What `database` already holds in the key tables, e.g. "50 participants, 3 referrals and 420
    rows in 12 history tables"; empty when it holds nothing there."""
    records, history = manifest["key_tables"]["records"], manifest["key_tables"]["history"]
    with database.connect() as conn:
        counts = row_counts(conn, database.vendor, [*records, *history])
    parts = [f"{counts[table]} {what}" for table, what in records.items() if counts[table]]
    in_history = [counts[table] for table in history if counts[table]]
    if in_history:
        parts.append(_("%(rows)s rows in %(tables)s history tables")
                     % {"rows": sum(in_history), "tables": len(in_history)})
    return ", ".join(parts)


def restore(*, path: Path, database: Database | None = None, force: bool = False,
            allow_unencrypted: bool = False, allow_unsigned: bool = False) -> Result:
    """Restore the backup at `path` into `database` (Django's default), then check it against the manifest.

    Refuses, changing nothing, when the file is missing, corrupt or of another database kind, and when
    the database already holds data (unless `force`)."""
    database = database or Database.of_alias("default")
    started = time.monotonic()
    path = path.resolve()
    manifest = read_backup(path)
    if manifest["vendor"] != database.vendor:
        raise BackupError(_("This is a %(backup)s backup and cannot be restored into a %(database)s "
                            "database: restore it into a %(backup)s database.")
                          % {"backup": manifest["vendor"], "database": database.vendor})
    archive = _archive(path, manifest, allow_unencrypted=allow_unencrypted, allow_unsigned=allow_unsigned)
    return _restore_archive(archive, manifest, database, force=force, started=started)


class _Pipe:
    """A tool's input: what it no longer reads (pg_restore --list stops after the table of contents) is
    dropped, so the rest of the archive is still decrypted, and so proven, to its end."""

    def __init__(self, stream):
        self.stream, self.open = stream, True

    def write(self, data: bytes) -> None:
        if self.open:
            try:
                self.stream.write(data)
            except BrokenPipeError:
                self.open = False


@dataclass(frozen=True)
class Archive:
    """The archive of the backup at `path`: the file itself, or, where `keys` are given, the archive sealed
    in it, decrypted as it is read and never written to disk."""

    path: Path
    keys: tuple[bytes, ...] = ()

    def feed(self, target) -> None:
        """Write the whole archive to `target`; BackupError when the file is not what was sealed."""
        try:
            with self.path.open("rb") as source:
                if not self.keys:
                    shutil.copyfileobj(source, target, backup_crypto.CHUNK)
                else:
                    # Parts no longer than this version writes (the manifest is not trusted for it).
                    backup_crypto.unseal(source, target, self.keys)
        except backup_crypto.SealError as error:
            raise BackupError(_("%(path)s cannot be decrypted: %(error)s. Nothing was changed.")
                              % {"path": self.path, "error": error}) from None
        except OSError as error:
            raise BackupError(_("%(path)s could not be read (%(error)s). Nothing was changed.")
                              % {"path": self.path, "error": error.strerror or error}) from None

    @contextmanager
    def sqlite(self) -> Iterator[sqlite3.Connection]:
        """The backup's SQLite database, read only; an encrypted one is decrypted into memory."""
        if self.keys:
            content = io.BytesIO()
            self.feed(content)
            database = content.getbuffer()
            if database[18:20] == b"\x02\x02":
                # A database in WAL mode: in memory it has no log beside it, and opens only as one in the
                # rollback-journal mode (bytes 18 and 19 of its header: the file format versions).
                database[18:20] = b"\x01\x01"
            conn = sqlite3.connect(":memory:")
            conn.deserialize(database)  # a copy: the decrypted bytes go at once
            database.release()
            content.close()
        else:
            conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)
        try:
            yield conn
        finally:
            conn.close()

    def run(self, command: list[str], env: dict | None, *, output: bool = True) -> None:
        """Run a pg_restore `command` on the archive: given the file, or fed the decrypted archive on its
        input. A tool fed an archive that fails to decrypt half-way is killed before its input ends, so it
        never commits what it read. ToolFailed when it fails."""
        if not self.keys:
            _run([*command, str(self.path)], env, output=output)
            return
        with tempfile.TemporaryFile() as errors:
            tool = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=errors,
                                    env=env)
            try:
                self.feed(_Pipe(tool.stdin))
                with suppress(BrokenPipeError):
                    tool.stdin.close()
                # Waited for inside the try: stopped now (SIGTERM, Ctrl-C), the restore is stopped too, not
                # left to commit after this process is gone.
                code = tool.wait()
            except BaseException:
                tool.kill()
                tool.wait()
                raise
            if code != 0:
                raise ToolFailed(command, code, _said(errors))


def _archive(path: Path, manifest: dict, *, allow_unencrypted: bool, allow_unsigned: bool) -> Archive:
    """The archive of the backup at `path`. Where backups are encrypted (BACKUP_KEYS), an unencrypted one
    is refused unless `allow_unencrypted`: its manifest is not signed, so a file put in a backup's place
    would otherwise be restored unchecked. An encrypted one's manifest must bear its key's signature
    (_check_signature)."""
    try:
        keys = backup_crypto.configured_keys()
    except backup_crypto.BackupKeyError as error:
        raise BackupError(str(error)) from None
    if "encryption" not in manifest:
        if keys and not allow_unencrypted:
            raise BackupError(_("%(path)s is not encrypted, and backups here are (BACKUP_KEYS is set): it "
                                "may not be the backup it claims to be. Restore it anyway with "
                                "--allow-unencrypted if you know where it comes from. Nothing was changed.")
                              % {"path": path})
        return Archive(path)
    if not keys:
        raise BackupError(_("%(path)s is encrypted (key %(id)s) and BACKUP_KEYS is not set: set it to the "
                            "keys kept for the backups, then restore again.")
                          % {"path": path, "id": manifest["encryption"].get("key_id", "?")})
    key = _signing_key(path, manifest, keys)
    if key is None:
        return Archive(path, tuple(keys))  # unsealing refuses it, naming the key it needs
    _check_signature(path, manifest, key, allow_unsigned=allow_unsigned)
    return Archive(path, (key,))


def _signing_key(path: Path, manifest: dict, keys: list[bytes]) -> bytes | None:
    """The one of `keys` the backup file was sealed under, which its manifest must name too: the file's
    header decides, as it decides which key decrypts, so a manifest that names another key (or none) is
    refused rather than left unchecked. None when no key is that one, or the header cannot be read:
    unsealing then refuses the file and says why, before anything is restored."""
    try:
        with path.open("rb") as source:
            sealed_under = backup_crypto.header_key_id(source)
    except (backup_crypto.SealError, OSError):
        return None
    named = manifest["encryption"].get("key_id")
    if named != sealed_under:
        raise BackupError(_("The manifest %(manifest)s names the key %(named)s, and %(path)s was encrypted "
                            "with the key %(sealed)s: they do not belong together. Use another backup. "
                            "Nothing was changed.")
                          % {"manifest": manifest_path(path), "named": named, "path": path,
                             "sealed": sealed_under})
    return backup_crypto.key_named(keys, sealed_under)


def _check_signature(path: Path, manifest: dict, key: bytes, *, allow_unsigned: bool) -> None:
    """Refuse an encrypted backup whose manifest `key` (the file's) did not sign as it stands: a date, a
    row count or the checksum changed, or the manifest of one backup put beside another's file. A manifest
    of version 2 (made before manifests were signed) only with `allow_unsigned`, which trusts it
    unchecked: a signature taken off one of version 3 with the version lowered cannot be told from it.
    One of version 3 without a signature is refused all the same."""
    if "signature" not in manifest:
        if allow_unsigned and manifest["version"] < SIGNED_VERSION:
            return
        raise BackupError(_("The manifest %(manifest)s of this encrypted backup is not signed, so what it "
                            "says of the backup (when it was made, its checksum, its rows) cannot be "
                            "trusted. A backup made before manifests were signed (manifest version 2) is "
                            "restored with --allow-unsigned if you know where it comes from. Nothing was "
                            "changed.")
                          % {"manifest": manifest_path(path)})
    if not backup_crypto.manifest_signed_correctly(manifest, key):
        raise BackupError(_("The manifest %(manifest)s does not match its signature: it was changed after "
                            "the backup, or it belongs to another backup. Use another backup. Nothing was "
                            "changed.") % {"manifest": manifest_path(path)})


def _restore_archive(archive: Archive, manifest: dict, database: Database, *, force: bool,
                     started: float) -> Result:
    tool, _tool_version = _check_archive(archive, manifest, database)
    present = _data_in(database, manifest)
    if present and not force:
        raise BackupError(_("%(database)s already holds data (%(rows)s): a restore would replace all of it. "
                            "Restore into an empty database, or run again with --force to overwrite it.")
                          % {"database": database, "rows": present})
    if database.alias is not None:
        connections[database.alias].close()
    if database.vendor == "postgresql":
        # One transaction: a failure half-way leaves the database as it was.
        try:
            archive.run([str(tool), "--no-owner", "--no-privileges", "--clean", "--if-exists",
                         "--single-transaction", "--exit-on-error", f"--dbname={database.conninfo()}"],
                        database.libpq()[1])
        except ToolFailed as failed:
            raise BackupError(_("%(error)s\nNothing was changed: the restore runs in one transaction. When "
                                "the database has tables the backup does not have (e.g. it was migrated by "
                                "a newer version), restore into a new, empty database instead.")
                              % {"error": failed}) from None
    else:
        with archive.sqlite() as source, database.connect() as target:
            source.backup(target)
    if database.alias is not None:
        connections[database.alias].close()
    notes = verify(database, manifest)
    return Result(path=archive.path, manifest=manifest, seconds=time.monotonic() - started, notes=notes)


def verify(database: Database, manifest: dict) -> list[str]:
    """Check the restored database against the manifest; raise on any difference."""
    expected = manifest["row_counts"]
    with database.connect() as conn:
        found = row_counts(conn, database.vendor, list(expected))
        migrations = applied_migrations(conn, database.vendor)
    wrong = [_("%(table)s: %(expected)s rows in the backup, %(found)s restored")
             % {"table": table, "expected": count, "found": "-" if found[table] is None else found[table]}
             for table, count in expected.items() if found[table] != count]
    if sorted(migrations) != sorted(manifest["migrations"]):
        wrong.append(_("the applied migrations differ from the backup's"))
    if wrong:
        raise BackupError(_("The restored database %(database)s does NOT match the backup's manifest; "
                            "do not use it: %(wrong)s.") % {"database": database, "wrong": "; ".join(wrong)})
    return _migration_notes(manifest["migrations"])


def _migration_notes(applied: list[list[str]]) -> list[str]:
    from django.db.migrations.loader import MigrationLoader

    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    restored = {tuple(pair) for pair in applied}
    notes = []
    if newer := len(restored - known):
        notes.append(ngettext(
            "The backup holds %(count)s migration this code does not know: it was made by a newer "
            "version of casemgmt.",
            "The backup holds %(count)s migrations this code does not know: it was made by a newer "
            "version of casemgmt.", newer) % {"count": newer})
    if missing := len(known - restored):
        notes.append(ngettext(
            "%(count)s migration of this code is not applied in the backup: run `manage.py migrate` "
            "before starting the application.",
            "%(count)s migrations of this code are not applied in the backup: run `manage.py migrate` "
            "before starting the application.", missing) % {"count": missing})
    return notes


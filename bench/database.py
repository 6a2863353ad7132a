"""The benchmark's own PostgreSQL database: refused unless its name says "bench", created when missing."""

import os
import sys

import psycopg
from django.db import connection
from psycopg import sql


def bench_database_check() -> None:
    """Stop unless Django points at a PostgreSQL database whose name contains "bench": the fillers
    truncate whole tables."""
    name = connection.settings_dict["NAME"]
    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL database: the benchmark fills it in PostgreSQL's SQL.")
    # Within a test, pytest-django's throwaway test database will do (tests/bench).
    throwaway = "PYTEST_CURRENT_TEST" in os.environ and name.startswith("test_")
    if "bench" not in name and not throwaway:
        sys.exit(f"Refusing to fill the database {name!r}: its name must contain 'bench'.")


def maintenance_connection() -> psycopg.Connection:
    """A connection to the server's "postgres" database, from which ours can be created and dropped."""
    settings = connection.settings_dict
    return psycopg.connect(dbname="postgres", host=settings["HOST"] or None, port=settings["PORT"] or None,
                           user=settings["USER"] or None, password=settings["PASSWORD"] or None,
                           autocommit=True)


def database_ensure(name: str | None = None) -> None:
    """Create the benchmark database (or `name`) when it does not exist yet (Django cannot connect
    before)."""
    name = name or connection.settings_dict["NAME"]
    with maintenance_connection() as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"created database {name}")


def database_drop(name: str | None = None) -> None:
    """Drop the benchmark database (or `name`, another one on the same server)."""
    if name is None:
        name = connection.settings_dict["NAME"]
        connection.close()
    with maintenance_connection() as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    print(f"dropped database {name}")


def server_version() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return cursor.fetchone()[0].split()[0]

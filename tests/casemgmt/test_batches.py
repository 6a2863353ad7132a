"""Batch transactions: PostgreSQL runs the scans' queries without JIT, and only inside them."""

import pytest
from django.db import connection, transaction

from casemgmt.batches import atomic_without_jit
from casemgmt.models import User
from tests.conftest import service_missing


def _jit() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        return cursor.fetchone()[0]


def test_jit_is_off_inside_and_as_the_server_has_it_after(transactional_db):
    # Outside any transaction (a test's own would keep SET LOCAL until it ends), as the scans run.
    if connection.vendor != "postgresql":
        service_missing("needs PostgreSQL: set DATABASE_URL=postgres://... to run it")
    with connection.cursor() as cursor:
        cursor.execute("SET jit = on")  # the server's default, whatever this one's configuration says

    with atomic_without_jit():
        inside = _jit()

    assert (inside, _jit()) == ("off", "on")


@pytest.mark.django_db
def test_it_is_a_transaction_everywhere():
    with pytest.raises(RuntimeError), atomic_without_jit():
        User.objects.create_user(username="rolled.back", password="not-kept-anyway-1")
        raise RuntimeError("after the write")

    assert not User.objects.filter(username="rolled.back").exists()
    with atomic_without_jit():
        assert transaction.get_connection().in_atomic_block

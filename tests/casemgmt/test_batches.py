"""Batch transactions: PostgreSQL runs the scans' queries without JIT, and only inside them."""

import pytest
from django.db import connection

from casemgmt.batches import atomic_without_jit
from casemgmt.models import User
from tests.conftest import service_missing


def _jit() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        return cursor.fetchone()[0]


# Transactional (the scans run outside any transaction), and given back as migrations left it: a plain
# flush would run post_migrate, which makes the role groups anew under other ids, and a later test that
# restores the migrations' rows would then find their names taken.
transactional = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@transactional
def test_jit_is_off_inside_and_as_it_was_after():
    # Outside any transaction: a test's own would keep SET LOCAL until it ends.
    if connection.vendor != "postgresql":
        service_missing("needs PostgreSQL: set DATABASE_URL=postgres://... to run it")
    with connection.cursor() as cursor:
        cursor.execute("SET jit = on")  # so that "off" inside is the block's doing
    try:
        with atomic_without_jit():
            inside = _jit()
        after = _jit()
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET jit")  # the next tests get the server's setting back

    assert (inside, after) == ("off", "on")


@transactional
def test_what_the_block_writes_is_rolled_back_whole_on_an_error():
    assert not connection.in_atomic_block

    with pytest.raises(RuntimeError), atomic_without_jit():
        assert connection.in_atomic_block
        User.objects.create_user(username="rolled.back", password="not-kept-anyway-1")
        raise RuntimeError("after the write")

    assert not User.objects.filter(username="rolled.back").exists()

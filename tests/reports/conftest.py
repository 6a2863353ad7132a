"""Fixtures of the report tests: OVV as seeded, the parallel programme LBA, and the known population
(tests/reports/population.py) every expected figure is computed from.

The population takes about two seconds to build through the services, so it is built once per test
module, inside a transaction rolled back when the module ends. Each test runs in a savepoint within
it (pytest-django's `db`), so whatever a test changes is gone before the next one starts. Within a
module the tests without the population run first, before it is built, so they see only their own data."""


import pytest
from django.utils import translation

from casemgmt.models import Programme
from partners.services import programme_seed_file, programme_seed_load
from tests.conftest import rolled_back
from tests.factories import ProgrammeFactory
from tests.reports.population import D, Population, build_population


def pytest_collection_modifyitems(items):
    """Within each report test module, the database tests without module data first. Only the slots
    those tests already hold are reused, so the order pytest-django gives everything else (transactional
    tests, which empty the database, then tests without a database) stays as it is."""
    here = __name__.rsplit(".", 1)[0] + "."
    slots: dict[str, list[int]] = {}
    for index, item in enumerate(items):
        module = getattr(getattr(item, "module", None), "__name__", "")
        fixtures = set(getattr(item, "fixturenames", ()))
        if module.startswith(here) and "db" in fixtures and "transactional_db" not in fixtures:
            slots.setdefault(module, []).append(index)
    for indices in slots.values():
        ordered = sorted((items[index] for index in indices),
                         key=lambda item: bool(MODULE_DATA & set(getattr(item, "fixturenames", ()))))
        for index, item in zip(indices, ordered, strict=True):
            items[index] = item


# The fixtures whose data is built once per module (see the module's docstring).
MODULE_DATA = {"population", "world"}


def refreshed(*objects):
    """A test may have changed these objects in memory; the database is as built: read them again."""
    for obj in objects:
        obj.refresh_from_db()


@pytest.fixture
def english():
    """Warnings and labels asserted in English (the default language is Dutch)."""
    with translation.override("en"):
        yield


def _lba() -> Programme:
    return ProgrammeFactory(code="LBA", name="Loopbaanateliers voor vluchtelingen", starts_on=D(2016, 11, 1))


@pytest.fixture
def lba(db) -> Programme:
    """The parallel project of the same promoter (career workshops), running over OVV's dates and on."""
    return _lba()


def seeded_ovv() -> Programme:
    return programme_seed_load(data=programme_seed_file("ovv"))


@pytest.fixture(scope="module")
def _population_of_module(django_db_setup, django_db_blocker):
    with rolled_back(django_db_blocker):
        yield build_population(ovv=seeded_ovv(), lba=_lba())


@pytest.fixture
def population(_population_of_module, db) -> Population:
    world = _population_of_module
    refreshed(world.ovv, world.lba, world.coach, world.other_coach, world.smart_partner,
              *world.people.values(), *world.ovv_trajectories.values(), *world.lba_trajectories.values(),
              *world.sessions.values(), *world.staff.values())
    return world


@pytest.fixture
def world(_world_of_module, db):
    """The module's world as its `_world_of_module` built it (once, rolled back at the module's end): a test
    may have added people, whose rows are gone, so the list is cut back and the records read again."""
    world, built = _world_of_module
    del world.trajectories[built:]
    refreshed(world.ovv, world.lba, *world.users.values(), *world.trajectories)
    return world

"""Which region a postcode lies in, as of a date: in Python and as one database expression."""

import datetime

import pytest

from casemgmt.models import PostcodeRange, Region
from casemgmt.postcodes import region_for_postcode, region_id_subquery, regions_of_postcodes
from tests.factories import ParticipantFactory
from trajectories.models import Participant

D = datetime.date
BEFORE_MOVE = D(2024, 12, 31)
AFTER_MOVE = D(2025, 1, 1)

pytestmark = pytest.mark.django_db


def code_for(postcode: int | None, on: datetime.date) -> str | None:
    region = region_for_postcode(postcode, on)
    return region.code if region else None


def codes_in_database(on: datetime.date) -> dict[int | None, str | None]:
    """Every participant's postcode placed by the database, in one query, as of `on`."""
    codes = dict(Region.objects.values_list("id", "code"))
    rows = Participant.objects.annotate(region_id=region_id_subquery("postcode", on))
    return {row.postcode: codes.get(row.region_id) for row in rows}


@pytest.mark.parametrize(
    ("postcode", "region"),
    [
        (1000, "brussel"), (1299, "brussel"),
        (1300, "buiten-vlaanderen"), (1499, "buiten-vlaanderen"),  # Walloon Brabant
        (1500, "vlaams-brabant"), (1999, "vlaams-brabant"),
        (2000, "antwerpen"), (2999, "antwerpen"),
        (3000, "vlaams-brabant"), (3499, "vlaams-brabant"),
        (3500, "limburg"), (3999, "limburg"),
        (4000, "buiten-vlaanderen"), (7999, "buiten-vlaanderen"),  # Wallonia
        (8000, "west-vlaanderen"), (8999, "west-vlaanderen"),
        (9000, "oost-vlaanderen"), (9999, "oost-vlaanderen"),
    ],
)
def test_each_postcode_range_lies_in_its_region(postcode, region):
    assert code_for(postcode, D(2017, 6, 1)) == region
    assert code_for(postcode, AFTER_MOVE) == region


def test_the_five_provinces_carry_their_nis_codes():
    provinces = dict(Region.objects.filter(kind=Region.Kind.PROVINCE).values_list("code", "nis_code"))

    assert provinces == {
        "antwerpen": "10000", "vlaams-brabant": "20001", "west-vlaanderen": "30000",
        "oost-vlaanderen": "40000", "limburg": "70000",
    }
    assert Region.objects.get(code="brussel").nis_code == "04000"


def test_2070_lies_in_antwerpen_until_the_end_of_2024():
    assert code_for(2070, BEFORE_MOVE) == "antwerpen"
    assert code_for(2070, D(2017, 6, 1)) == "antwerpen"


def test_2070_lies_in_oost_vlaanderen_from_2025():
    assert code_for(2070, AFTER_MOVE) == "oost-vlaanderen"
    assert code_for(2070, D(2030, 6, 1)) == "oost-vlaanderen"


@pytest.mark.parametrize("postcode", [2000, 2069, 2071])
def test_the_neighbours_of_2070_stay_in_antwerpen(postcode):
    assert code_for(postcode, BEFORE_MOVE) == "antwerpen"
    assert code_for(postcode, AFTER_MOVE) == "antwerpen"


def test_no_postcode_gives_no_region():
    assert region_for_postcode(None, AFTER_MOVE) is None


@pytest.mark.parametrize("on", [D(2017, 6, 1), BEFORE_MOVE, AFTER_MOVE])
def test_the_database_places_participants_as_the_python_lookup_does(on):
    # given
    postcodes = [1000, 1300, 2000, 2070, 3000, 3500, 4000, 8000, 9000, None]
    for postcode in postcodes:
        ParticipantFactory(postcode=postcode)

    # when
    placed = codes_in_database(on)

    # then
    assert placed == {postcode: code_for(postcode, on) for postcode in postcodes}


@pytest.mark.parametrize("on", [D(2017, 6, 1), BEFORE_MOVE, AFTER_MOVE, D(2030, 1, 1)])
def test_many_postcodes_are_placed_at_once_as_one_by_one(on, django_assert_num_queries):
    # given every range's edges and middle, a postcode in none, and a newer same-width range from 2030
    PostcodeRange.objects.create(first=1000, last=1299, region=Region.objects.get(code="vlaams-brabant"),
                                 valid_from=D(2030, 1, 1))
    postcodes = sorted({edge for r in PostcodeRange.objects.all() for edge in (r.first, r.last, (r.first + r.last) // 2)}
                       | {2070, 2069, 2071, 999, 10000})

    # when
    with django_assert_num_queries(1):
        placed = regions_of_postcodes([*postcodes, None], on)

    # then
    assert {postcode: region.code for postcode, region in placed.items()} == {
        postcode: code_for(postcode, on) for postcode in postcodes if code_for(postcode, on) is not None}
    assert 999 not in placed and None not in placed


def test_no_postcodes_to_place_cost_no_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert regions_of_postcodes([None, None], AFTER_MOVE) == {}


def test_the_database_moves_2070_on_the_first_of_january_2025():
    ParticipantFactory(postcode=2070)
    ParticipantFactory(postcode=2000)

    assert codes_in_database(BEFORE_MOVE) == {2070: "antwerpen", 2000: "antwerpen"}
    assert codes_in_database(AFTER_MOVE) == {2070: "oost-vlaanderen", 2000: "antwerpen"}


def test_a_newer_version_of_a_range_wins_over_an_undated_one_of_the_same_width():
    # given a boundary change entered as a new range, while the old one is left open-ended
    PostcodeRange.objects.create(first=1000, last=1299, region=Region.objects.get(code="vlaams-brabant"),
                                 valid_from=D(2030, 1, 1))
    ParticipantFactory(postcode=1000)

    # then both lookups use the old range before the change and the new one after it
    assert code_for(1000, D(2029, 12, 31)) == "brussel"
    assert code_for(1000, D(2030, 1, 1)) == "vlaams-brabant"
    assert codes_in_database(D(2029, 12, 31)) == {1000: "brussel"}
    assert codes_in_database(D(2030, 1, 1)) == {1000: "vlaams-brabant"}

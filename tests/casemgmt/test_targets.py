"""Targets in force on a date: the stated figures, totals computed from the parts, and the mismatch."""

import datetime
from decimal import Decimal

import pytest
from django.utils import translation

from casemgmt.models import ReachShare, Region, Target
from casemgmt.selectors import targets_in_force

D = datetime.date


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def per_region(table) -> dict[str, list[int]]:
    return {region.code: [table.by_region[region.pk][phase] for phase in (1, 2, 3, 4)]
            for region in table.regions}


def test_the_seed_targets_are_in_force_per_region(ovv):
    table = targets_in_force(programme=ovv, as_of=D(2017, 6, 1))

    assert [region.code for region in table.regions] == [
        "antwerpen", "oost-vlaanderen", "west-vlaanderen", "vlaams-brabant", "limburg",
    ]
    assert per_region(table) == {
        "antwerpen": [1062, 520, 271, 181],
        "oost-vlaanderen": [434, 212, 111, 74],
        "west-vlaanderen": [441, 216, 113, 75],
        "vlaams-brabant": [229, 112, 59, 39],
        "limburg": [184, 90, 47, 31],
    }
    shares = {region.code: table.shares[region.pk] for region in table.regions}
    assert shares == {
        "antwerpen": Decimal("45.19"), "oost-vlaanderen": Decimal("18.46"),
        "west-vlaanderen": Decimal("18.76"), "vlaams-brabant": Decimal("9.76"),
        "limburg": Decimal("7.83"),
    }


def test_totals_are_computed_from_the_regions_and_kept_beside_the_stated_ones(ovv):
    table = targets_in_force(programme=ovv, as_of=D(2017, 6, 1))

    assert table.computed_totals == {1: 2350, 2: 1150, 3: 601, 4: 400}
    assert table.stated_totals == {1: 2350, 2: 1150, 3: 600, 4: 400}


def test_the_phase_3_mismatch_is_the_one_visible_warning(ovv):
    table = targets_in_force(programme=ovv, as_of=D(2017, 6, 1))

    assert len(table.warnings) == 1
    warning = table.warnings[0]
    assert "Phase 3" in warning
    assert "601" in warning and "600" in warning


def test_the_targets_are_in_force_from_the_first_day_of_the_programme(ovv):
    table = targets_in_force(programme=ovv, as_of=D(2016, 11, 1))

    assert table.computed_totals == {1: 2350, 2: 1150, 3: 601, 4: 400}


def test_before_the_first_version_there_are_no_targets(ovv):
    table = targets_in_force(programme=ovv, as_of=D(2016, 10, 31))

    assert table.regions == []
    assert table.by_region == {}
    assert table.shares == {}
    assert table.stated_totals == {}
    assert table.computed_totals == {1: 0, 2: 0, 3: 0, 4: 0}
    assert table.warnings == []


@pytest.fixture
def revised(ovv):
    """From 2017-11-01 Antwerpen is to reach 1100 in phase 1 and the programme states 2388."""
    antwerpen = Region.objects.get(code="antwerpen")
    Target.objects.create(programme=ovv, region=antwerpen, phase=1, count=1100, valid_from=D(2017, 11, 1))
    Target.objects.create(programme=ovv, region=None, phase=1, count=2388, valid_from=D(2017, 11, 1))
    return ovv


def test_a_new_version_of_a_target_is_used_from_its_date(revised):
    table = targets_in_force(programme=revised, as_of=D(2017, 11, 1))

    assert per_region(table)["antwerpen"] == [1100, 520, 271, 181]
    assert per_region(table)["limburg"] == [184, 90, 47, 31]  # unchanged regions keep their version
    assert table.computed_totals == {1: 2388, 2: 1150, 3: 601, 4: 400}
    assert table.stated_totals == {1: 2388, 2: 1150, 3: 600, 4: 400}
    assert len(table.warnings) == 1 and "Phase 3" in table.warnings[0]


def test_a_report_for_a_date_before_the_new_version_uses_the_old_targets(revised):
    table = targets_in_force(programme=revised, as_of=D(2017, 10, 31))

    assert per_region(table)["antwerpen"] == [1062, 520, 271, 181]
    assert table.computed_totals == {1: 2350, 2: 1150, 3: 601, 4: 400}
    assert table.stated_totals == {1: 2350, 2: 1150, 3: 600, 4: 400}


def test_a_regional_change_without_a_new_stated_total_shows_a_second_warning(ovv):
    Target.objects.create(programme=ovv, region=Region.objects.get(code="limburg"), phase=4, count=40,
                          valid_from=D(2018, 1, 1))

    table = targets_in_force(programme=ovv, as_of=D(2018, 1, 1))

    assert table.computed_totals[4] == 409
    assert len(table.warnings) == 2
    assert "Phase 4" in table.warnings[1] and "409" in table.warnings[1] and "400" in table.warnings[1]


def test_regional_shares_that_do_not_add_up_to_100_are_warned_about(ovv):
    ReachShare.objects.create(programme=ovv, region=Region.objects.get(code="limburg"),
                              share=Decimal("8.83"), valid_from=D(2018, 1, 1))

    assert len(targets_in_force(programme=ovv, as_of=D(2017, 12, 31)).warnings) == 1
    warnings = targets_in_force(programme=ovv, as_of=D(2018, 1, 1)).warnings
    assert len(warnings) == 2
    assert "101.00%" in warnings[1]

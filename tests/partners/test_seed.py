"""`load_seed_programme` reproduces every figure of the source, and loading it again changes nothing.

The expected figures are copied by hand from DOMAIN.md (the minister's answer), not read from the
seed file, so a typo in the seed shows up here."""

import datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command

from casemgmt.models import Payment, Programme, ReachShare, Target
from partners.models import FteAllocation, Organisation, ProgrammeRole, SpecialisationOffer

D = datetime.date
Role = ProgrammeRole.Role


@pytest.fixture
def ovv(db) -> Programme:
    call_command("load_seed_programme", stdout=StringIO())
    return Programme.objects.get(code="OVV")


def test_the_programme_is_loaded_as_stated(ovv):
    assert ovv.name == "Ondernemen in Vlaanderen voor Vluchtelingen"
    assert ovv.total_eligible_cost == Decimal("1499998.00")
    assert (ovv.starts_on, ovv.ends_on) == (D(2016, 11, 1), D(2018, 10, 31))
    assert (ovv.input_financing_share, ovv.output_financing_share) == (Decimal("70.00"), Decimal("30.00"))
    assert ovv.outflow_target_rate == Decimal("20.00")


def test_the_programme_has_three_reporting_periods_the_first_ending_on_31_october_2017(ovv):
    periods = list(ovv.reporting_periods.order_by("number"))

    assert [period.number for period in periods] == [1, 2, 3]
    assert (periods[0].starts_on, periods[0].ends_on) == (D(2016, 11, 1), D(2017, 10, 31))
    assert periods[-1].ends_on == D(2018, 10, 31)
    # the periods follow each other without gap or overlap
    for earlier, later in zip(periods, periods[1:], strict=False):
        assert later.starts_on == earlier.ends_on + datetime.timedelta(days=1)


def test_the_advance_for_period_1_is_recorded(ovv):
    payment = Payment.objects.get(programme=ovv)

    assert payment.kind == Payment.Kind.ADVANCE
    assert payment.amount == Decimal("314999.75")
    assert payment.period.number == 1


def test_the_targets_and_shares_per_region_are_loaded_as_stated(ovv):
    targets = {
        (target.region.code, target.phase): target.count
        for target in Target.objects.filter(programme=ovv, region__isnull=False).select_related("region")
    }
    shares = {share.region.code: share.share for share in ReachShare.objects.filter(programme=ovv)}

    assert (len(targets), len(shares)) == (20, 5)  # the 25 figures of the table, totals aside
    expected = {
        "antwerpen": ("45.19", [1062, 520, 271, 181]),
        "oost-vlaanderen": ("18.46", [434, 212, 111, 74]),
        "west-vlaanderen": ("18.76", [441, 216, 113, 75]),
        "vlaams-brabant": ("9.76", [229, 112, 59, 39]),
        "limburg": ("7.83", [184, 90, 47, 31]),
    }
    for region, (share, counts) in expected.items():
        assert shares[region] == Decimal(share), region
        assert [targets[region, phase] for phase in (1, 2, 3, 4)] == counts, region
    assert set(shares) == set(expected)


def test_the_stated_totals_are_loaded_as_stated_not_as_computed(ovv):
    stated = dict(Target.objects.filter(programme=ovv, region__isnull=True).values_list("phase", "count"))

    assert stated == {1: 2350, 2: 1150, 3: 600, 4: 400}
    assert Target.objects.filter(programme=ovv).count() == 20 + 4
    assert {target.valid_from for target in Target.objects.filter(programme=ovv)} == {D(2016, 11, 1)}


EXPECTED_FTE = {
    "Starterslabo's": ("3.65", "33.28"),
    "Stebo vzw": ("2.42", "22.04"),
    "UNIZO vzw": ("1.20", "10.92"),
    "microStart": ("1.00", "9.11"),
    "iDrops": ("0.75", "6.85"),
    "Vluchtelingenwerk Vlaanderen": ("0.69", "6.28"),
    "Zenitor": ("0.51", "4.67"),
    "SMart": ("0.50", "4.55"),
    "Exchange vzw": ("0.25", "2.28"),
}


@pytest.mark.parametrize("year", [1, 2])
def test_every_partner_has_its_stated_fte_and_share_in_each_programme_year(ovv, year):
    allocations = FteAllocation.objects.filter(programme=ovv, year=year).select_related("organisation")

    assert {a.organisation.name: (a.fte, a.stated_share) for a in allocations} == {
        name: (Decimal(fte), Decimal(share)) for name, (fte, share) in EXPECTED_FTE.items()
    }


def test_the_stated_fte_total_is_kept_and_the_computed_sums_show_the_rounding(ovv):
    allocations = FteAllocation.objects.filter(programme=ovv, year=1)

    assert ovv.stated_total_fte == Decimal("10.98")
    assert sum(a.fte for a in allocations) == Decimal("10.97")
    assert sum(a.stated_share for a in allocations) == Decimal("99.98")


def offered_by(ovv, result_kind: str) -> set[str]:
    return set(
        SpecialisationOffer.objects.filter(programme=ovv, specialisation__result_kind=result_kind)
        .values_list("organisation__name", flat=True)
    )


def test_each_specialisation_is_offered_by_the_partners_the_source_names(ovv):
    assert offered_by(ovv, "personal_feasibility") == {"Zenitor"}
    assert offered_by(ovv, "microcredit") == {"microStart"}
    assert offered_by(ovv, "feasibility") == {"Starterslabo's", "UNIZO vzw"}
    assert offered_by(ovv, "protected") == {"Starterslabo's", "SMart"}
    assert offered_by(ovv, "mentoring") == {"Exchange vzw"}
    assert SpecialisationOffer.objects.filter(programme=ovv).count() == 7


def with_role(ovv, role: str) -> set[str]:
    return set(
        ProgrammeRole.objects.filter(programme=ovv, role=role).values_list("organisation__name", flat=True)
    )


def test_stebo_is_the_promoter(ovv):
    assert with_role(ovv, Role.PROMOTER) == {"Stebo vzw"}


def test_stebo_and_ondernemersatelier_coordinate(ovv):
    assert with_role(ovv, Role.COORDINATION) == {"Stebo vzw", "Ondernemersatelier (Starterslabo Limburg)"}
    atelier = Organisation.objects.get(code="ondernemersatelier")
    assert atelier.parent.name == "Starterslabo's"


def test_the_coaches_come_from_the_starterslabos_unizo_and_stebo(ovv):
    assert with_role(ovv, Role.COACHING) == {"Starterslabo's", "UNIZO vzw", "Stebo vzw"}


def test_idrops_and_vluchtelingenwerk_refer_people_in_as_do_vdab_and_the_other_partners(ovv):
    referrers = with_role(ovv, Role.REFERRER)

    assert {"iDrops", "Vluchtelingenwerk Vlaanderen", "VDAB"} <= referrers
    assert with_role(ovv, Role.PARTNER) <= referrers


def test_vdab_and_syntra_are_partners_without_fte(ovv):
    partners = with_role(ovv, Role.PARTNER)

    assert {"VDAB", "SYNTRA Vlaanderen"} <= partners
    assert not FteAllocation.objects.filter(organisation__code__in=["vdab", "syntra"]).exists()


def row_counts() -> dict[str, int]:
    """Rows of every model, history models included."""
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


def test_loading_the_seed_again_changes_nothing(ovv):
    # given the programme as loaded once
    before = row_counts()
    assert before["casemgmt.HistoricalTarget"] == 20 + 4

    # when
    call_command("load_seed_programme", stdout=StringIO())

    # then not a row, nor a history row, was added
    assert row_counts() == before


def test_the_command_says_what_it_loaded(db):
    out = StringIO()

    call_command("load_seed_programme", stdout=out)

    assert "OVV" in out.getvalue()
    assert Programme.objects.filter(code="OVV").count() == 1

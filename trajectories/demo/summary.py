"""What the database holds after demo_data: users per role, participants per region, and per
programme the phases reached, outcomes and sessions."""

import datetime
from dataclasses import dataclass

from django.db.models import Count

from casemgmt.models import Programme, Region
from casemgmt.postcodes import region_id_subquery
from partners.models import StaffMember
from trajectories.models import Participant, PhaseEntry, Session, Trajectory

# Regions are resolved as of the programme's end, when 2070 still lay in Antwerpen.
REPORT_DATE = datetime.date(2018, 10, 31)


@dataclass
class ProgrammeSummary:
    code: str
    trajectories: int
    open: int
    reached: dict[int, int]
    current: dict[int, int]
    outcomes: dict[str, int]
    sessions: dict[str, int]


@dataclass
class DemoSummary:
    """Regions as of REPORT_DATE; per programme the phases reached and the phase trajectories are in now."""

    users_by_role: dict[str, int]
    participants: int
    by_region: list[tuple[str, int]]
    in_2070: int
    in_several_programmes: int
    programmes: list[ProgrammeSummary]


def _counts(queryset, name: str) -> dict:
    return dict(queryset.order_by().values_list(name).annotate(n=Count("pk")).values_list(name, "n"))


def demo_summary() -> DemoSummary:
    """Counts of what the database holds now (demo data or not), for the command's report."""
    located = Participant.objects.annotate(region_pk=region_id_subquery("postcode", REPORT_DATE))
    counts = _counts(located, "region_pk")
    by_region = [(region.name, counts.get(region.pk, 0)) for region in Region.objects.all()]
    if None in counts:
        by_region.append(("unknown", counts[None]))
    programmes = []
    for programme in Programme.objects.order_by("code"):
        trajectories = Trajectory.objects.filter(programme=programme)
        programmes.append(ProgrammeSummary(
            code=programme.code,
            trajectories=trajectories.count(),
            open=trajectories.open().count(),
            reached=_counts(PhaseEntry.objects.filter(trajectory__programme=programme), "phase"),
            current=_counts(trajectories.with_phase(), "phase"),
            outcomes=_counts(trajectories.exclude(outcome=""), "outcome"),
            sessions=_counts(Session.objects.filter(programme=programme), "kind"),
        ))
    return DemoSummary(
        users_by_role=_counts(StaffMember.objects.all(), "role"),
        participants=Participant.objects.count(),
        by_region=by_region,
        in_2070=Participant.objects.filter(postcode=2070).count(),
        in_several_programmes=Participant.objects.annotate(
            programmes=Count("trajectories__programme", distinct=True)
        ).filter(programmes__gt=1).count(),
        programmes=programmes,
    )

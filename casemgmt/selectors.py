"""Reads of programme-level facts: the targets in force on a date, with computed totals and warnings."""

import datetime
from dataclasses import dataclass, field

from django.db.models import Max, OuterRef, Subquery
from django.utils.translation import gettext as _

from casemgmt.models import Phase, Programme, ReachShare, Region, Target


@dataclass
class TargetTable:
    """Targets in force on one date: per region and phase, the totals computed from the parts,
    the totals the programme states, and a warning for every difference between the two."""

    programme: Programme
    as_of: datetime.date
    regions: list[Region]
    by_region: dict[int, dict[int, int]]
    shares: dict[int, object]
    computed_totals: dict[int, int]
    stated_totals: dict[int, int]
    warnings: list[str] = field(default_factory=list)


def _in_force(queryset, on: datetime.date, *keys: str):
    """Rows of `queryset` that are the newest version (valid_from <= on) per combination of `keys`."""
    newest = (
        queryset.filter(valid_from__lte=on, **{key: OuterRef(key) for key in keys})
        .values(*keys)
        .annotate(latest=Max("valid_from"))
        .values("latest")[:1]
    )
    return queryset.filter(valid_from__lte=on).filter(valid_from=Subquery(newest))


def targets_in_force(*, programme: Programme, as_of: datetime.date) -> TargetTable:
    targets = list(
        _in_force(Target.objects.filter(programme=programme, region__isnull=False), as_of,
                  "region", "phase").select_related("region")
    )
    stated = list(
        _in_force(Target.objects.filter(programme=programme, region__isnull=True), as_of, "phase")
    )
    shares = list(_in_force(ReachShare.objects.filter(programme=programme), as_of, "region"))

    regions: dict[int, Region] = {}
    by_region: dict[int, dict[int, int]] = {}
    for target in targets:
        regions[target.region_id] = target.region
        by_region.setdefault(target.region_id, {})[target.phase] = target.count
    computed = {phase: sum(row.get(phase, 0) for row in by_region.values()) for phase in Phase.values}
    stated_totals = {target.phase: target.count for target in stated}

    table = TargetTable(
        programme=programme,
        as_of=as_of,
        regions=sorted(regions.values(), key=lambda region: (region.sort_order, region.name)),
        by_region=by_region,
        shares={share.region_id: share.share for share in shares},
        computed_totals=computed,
        stated_totals=stated_totals,
    )
    for phase in Phase.values:
        if phase in stated_totals and stated_totals[phase] != computed[phase]:
            table.warnings.append(
                _("Phase %(phase)d (%(name)s): the regional targets add up to %(computed)d, "
                  "the programme states %(stated)d.")
                % {"phase": phase, "name": Phase(phase).label, "computed": computed[phase],
                   "stated": stated_totals[phase]}
            )
    share_total = sum(table.shares.values())
    if table.shares and share_total != 100:
        table.warnings.append(
            _("The regional shares of reach add up to %(total)s%%, not 100%%.") % {"total": share_total}
        )
    return table

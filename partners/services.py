"""Changes to programmes and their partners: loading a programme as its source states it."""

import datetime
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import models, transaction
from django.utils.translation import gettext as _

from casemgmt.audit import save_as
from casemgmt.errors import RuleViolation
from casemgmt.models import Payment, Programme, ReachShare, Region, ReportingPeriod, Target, User
from partners.models import (
    FteAllocation,
    Organisation,
    ProgrammeRole,
    Specialisation,
    SpecialisationOffer,
    StaffAllocation,
    StaffMember,
)

SEED_DIR = Path(__file__).resolve().parent / "seed"


def _ensure(model: type[models.Model], by: User | None, lookup: dict, values: dict | None = None):
    """Create the row, or bring its fields to `values`; a row already as stated is not touched,
    so loading twice writes nothing (not even history)."""
    values = values or {}
    instance = model.objects.filter(**lookup).first()
    if instance is None:
        return save_as(model(**lookup, **values), by)
    changed = [name for name, value in values.items() if getattr(instance, name) != value]
    if changed:
        for name in changed:
            setattr(instance, name, values[name])
        save_as(instance, by)
    return instance


def _date(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


def programme_seed_load(*, data: dict[str, Any], by: User | None = None) -> Programme:
    """Load a programme with its periods, payments, targets, partners, FTEs and specialisations."""
    with transaction.atomic():
        fields = dict(data["programme"])
        code = fields.pop("code")
        for name in ("starts_on", "ends_on"):
            fields[name] = _date(fields[name])
        for name in ("total_eligible_cost", "input_financing_share", "output_financing_share",
                     "outflow_target_rate", "stated_total_fte"):
            fields[name] = Decimal(fields[name])
        programme = _ensure(Programme, by, {"code": code}, fields)

        periods = {}
        for period in data["reporting_periods"]:
            periods[period["number"]] = _ensure(
                ReportingPeriod, by, {"programme": programme, "number": period["number"]},
                {"starts_on": _date(period["starts_on"]), "ends_on": _date(period["ends_on"])},
            )
        for payment in data["payments"]:
            _ensure(
                Payment, by,
                {"programme": programme, "kind": payment["kind"], "paid_on": _date(payment["paid_on"]),
                 "amount": Decimal(payment["amount"])},
                {"period": periods.get(payment.get("period")), "note": payment.get("note", "")},
            )

        valid_from = _date(data["targets_valid_from"])
        regions = {region.code: region for region in Region.objects.all()}
        for row in data["targets"]:
            region = regions[row["region"]]
            _ensure(ReachShare, by, {"programme": programme, "region": region, "valid_from": valid_from},
                    {"share": Decimal(row["share"])})
            for phase, count in enumerate(row["phases"], start=1):
                _ensure(Target, by, {"programme": programme, "region": region, "phase": phase,
                                     "valid_from": valid_from}, {"count": count})
        for phase, count in enumerate(data["stated_totals"], start=1):
            _ensure(Target, by, {"programme": programme, "region": None, "phase": phase,
                                 "valid_from": valid_from}, {"count": count})

        organisations: dict[str, Organisation] = {}
        for row in data["organisations"]:
            parent = organisations.get(row.get("parent"))
            organisation = _ensure(Organisation, by, {"code": row["code"]},
                                   {"name": row["name"], "parent": parent})
            organisations[row["code"]] = organisation
            for role in row["roles"]:
                _ensure(ProgrammeRole, by,
                        {"programme": programme, "organisation": organisation, "role": role})
            if "fte" in row:
                for year in range(1, data["programme_years"] + 1):
                    _ensure(FteAllocation, by,
                            {"programme": programme, "organisation": organisation, "year": year},
                            {"fte": Decimal(row["fte"]), "stated_share": Decimal(row["share"])})

        for row in data["specialisations"]:
            specialisation = _ensure(
                Specialisation, by, {"code": row["code"]},
                {"name": row["name"], "result_kind": row["result_kind"],
                 "description": row.get("description", "")},
            )
            for org_code in row["offered_by"]:
                _ensure(SpecialisationOffer, by, {"programme": programme,
                                                  "organisation": organisations[org_code],
                                                  "specialisation": specialisation})
        return programme


def programme_seed_file(name: str) -> dict[str, Any]:
    return json.loads((SEED_DIR / f"{name}.json").read_text(encoding="utf-8"))


def staff_allocation_record(
    *,
    staff: StaffMember,
    programme: Programme,
    share: Decimal,
    starts_on: datetime.date,
    ends_on: datetime.date | None = None,
    by: User | None,
) -> StaffAllocation:
    """Claim `share` % of a staff member's FTE for a programme over a span of dates.

    A claim that takes the person over 100% on some day is recorded all the same (the time may have
    been declared that way) and shows in the double-funding report until it is corrected."""
    if not Decimal("0") < share <= Decimal("100"):
        raise RuleViolation(
            _("A share of an FTE lies above 0%% and at most 100%%; %(share)s%% is not possible.")
            % {"share": share},
            code="staff_share_range",
        )
    if ends_on is not None and ends_on < starts_on:
        raise RuleViolation(
            _("The claim ends on %(end)s, before it starts on %(start)s.")
            % {"end": ends_on, "start": starts_on},
            code="staff_allocation_dates",
        )
    with transaction.atomic():
        return save_as(
            StaffAllocation(staff=staff, programme=programme, share=share, starts_on=starts_on,
                            ends_on=ends_on),
            by,
        )

"""Writes the demo plan through the services, in the order things happened: registration and
intake, group sessions with attendance (phase 2), then screening, guidance, contacts and outcomes."""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction

from casemgmt.errors import RuleViolation
from casemgmt.models import Phase, Programme, User
from partners import services as partner_services
from partners.models import Organisation
from partners.services import programme_seed_file, programme_seed_load
from trajectories import services
from trajectories.demo.accounts import demo_data_present, demo_users_create
from trajectories.demo.plan import Plan, Planner
from trajectories.models import ConsentRecord, Session, Trajectory

CONSENT_VERSION = "2016-10"


def lba_seed(*, stebo_name: str, vluchtelingenwerk_name: str) -> dict[str, Any]:
    """The parallel programme LBA in the shape programme_seed_load takes; its figures are invented."""
    return {
        "_source": "Demo data: the parallel career-workshop project of the same promoter. The "
                   "source gives no figures for it; every amount here is invented.",
        "programme": {"code": "LBA", "name": "Loopbaanateliers voor vluchtelingen",
                      "total_eligible_cost": "640000.00", "starts_on": "2016-11-01",
                      "ends_on": "2018-10-31", "input_financing_share": "100.00",
                      "output_financing_share": "0.00", "outflow_target_rate": "0.00",
                      "stated_total_fte": "2.00"},
        "reporting_periods": [{"number": 1, "starts_on": "2016-11-01", "ends_on": "2017-10-31"},
                              {"number": 2, "starts_on": "2017-11-01", "ends_on": "2018-10-31"}],
        "payments": [],
        "targets_valid_from": "2016-11-01",
        "targets": [],
        "stated_totals": [],
        "programme_years": 2,
        # Names as already stored, so loading LBA never renames an OVV partner.
        "organisations": [
            {"code": "stebo", "name": stebo_name, "fte": "2.00", "share": "100.00",
             "roles": ["promoter", "coaching", "coordination"]},
            {"code": "vluchtelingenwerk", "name": vluchtelingenwerk_name, "roles": ["referrer"]},
        ],
        "specialisations": [],
    }


@dataclass
class _Context:
    programmes: dict[str, Programme]
    users: dict[str, User]
    organisations: dict[str, Organisation]


def _programmes_ensure() -> dict[str, Programme]:
    ovv = Programme.objects.filter(code="OVV").first()
    if ovv is None:
        ovv = programme_seed_load(data=programme_seed_file("ovv"))
    names = dict(Organisation.objects.filter(code__in=["stebo", "vluchtelingenwerk"])
                 .values_list("code", "name"))
    lba = programme_seed_load(data=lba_seed(stebo_name=names["stebo"],
                                            vluchtelingenwerk_name=names["vluchtelingenwerk"]))
    return {"OVV": ovv, "LBA": lba}


def demo_data_create(*, participants: int = 300, seed: int = 1) -> None:
    """Create the demo users and `participants` people with their trajectories and sessions."""
    planner = Planner(seed)
    plans = planner.plan(participants)
    with transaction.atomic():
        if demo_data_present():
            raise RuleViolation(
                "Demo data is already present: the demo users exist.", code="demo_data_present"
            )
        programmes = _programmes_ensure()
        organisations = {org.code: org for org in Organisation.objects.all()}
        ctx = _Context(programmes, demo_users_create(organisations=organisations), organisations)
        _staff_time_claim(ctx)
        order = sorted(range(len(plans)), key=lambda i: (plans[i].sensitised_on, i))
        trajectories = {i: _register(ctx, plans[i]) for i in order}
        for key in sorted(planner.sessions):
            _group_session(ctx, key, planner.sessions[key], trajectories)
        for i in order:
            _follow(ctx, plans[i], trajectories[i])


def _staff_time_claim(ctx: _Context) -> None:
    """The coaches' time claimed by OVV; one coach also works for LBA from its start and is then
    claimed for 120% of an FTE, which the double-funding report shows until it is corrected."""
    ovv, lba = ctx.programmes["OVV"], ctx.programmes["LBA"]
    for username in ("coach.stebo", "coach.unizo", "coach.starterslabos"):
        partner_services.staff_allocation_record(
            staff=ctx.users[username].staff, programme=ovv, share=Decimal("80"), starts_on=ovv.starts_on,
            ends_on=ovv.ends_on, by=None,
        )
    partner_services.staff_allocation_record(
        staff=ctx.users["coach.stebo"].staff, programme=lba, share=Decimal("40"), starts_on=lba.starts_on,
        ends_on=lba.ends_on, by=None,
    )


def _register(ctx: _Context, plan: Plan) -> dict[str, Trajectory]:
    by = ctx.users[plan.registered_by]
    person = services.participant_register(by=by, **plan.fields)
    services.consent_record(participant=person, by=by, purpose=ConsentRecord.Purpose.PROGRAMME,
                            given_on=plan.sensitised_on, version=CONSENT_VERSION)
    opened = {"OVV": services.trajectory_open(
        participant=person, programme=ctx.programmes["OVV"], by=by, entered_on=plan.sensitised_on,
        coach=ctx.users[plan.coach], referred_by=ctx.organisations[plan.referrer],
    )}
    if plan.lba:
        opened["LBA"] = services.trajectory_open(
            participant=person, programme=ctx.programmes["LBA"], by=ctx.users["referrer.vluchtelingenwerk"],
            entered_on=plan.lba["opened"], coach=ctx.users["coach.stebo"],
            referred_by=ctx.organisations["vluchtelingenwerk"],
        )
    return opened


def _group_session(ctx: _Context, key: tuple, who: tuple[list[int], list[int]],
                   trajectories: dict[int, dict[str, Trajectory]]) -> None:
    held_on, code, kind, coach, title, city = key
    by = ctx.users[coach]
    session = services.session_plan_group(
        programme=ctx.programmes[code], by=by, kind=kind, held_on=held_on, title=title, location=city,
        duration_minutes=120 if kind == Session.Kind.INFO else 180,
    )
    attended, absent = who
    services.session_record_attendance(
        session=session, by=by, attended=[trajectories[i][code].pk for i in attended],
        absent=[trajectories[i][code].pk for i in absent],
    )


def _contacts_log(trajectory: Trajectory, by: User, contacts: list[tuple]) -> None:
    for held_on, minutes, note in contacts:
        services.session_log_individual(trajectory=trajectory, by=by, held_on=held_on,
                                        duration_minutes=minutes, notes=note, title="Individueel gesprek")


def _follow(ctx: _Context, plan: Plan, opened: dict[str, Trajectory]) -> None:
    """Phases 3 and 4, screening, contacts, outcome and end: what follows the info session."""
    coach, trajectory = ctx.users[plan.coach], opened["OVV"]
    if plan.detected_on:
        services.trajectory_advance(trajectory=trajectory, phase=Phase.DETECTION, on=plan.detected_on,
                                    by=coach)
        services.screening_record(trajectory=trajectory, by=coach, screened_on=plan.screened_on,
                                  **plan.screening)
    if plan.guided_on:
        services.trajectory_advance(trajectory=trajectory, phase=Phase.GUIDANCE, on=plan.guided_on, by=coach)
        for code in plan.sharing:
            services.consent_record(
                participant=trajectory.participant, by=coach, given_on=plan.guided_on,
                version=CONSENT_VERSION, purpose=ConsentRecord.Purpose.SHARE_WITH_PARTNER,
                organisation=ctx.organisations[code],
            )
    _contacts_log(trajectory, coach, plan.contacts)
    if plan.ended_on:
        services.trajectory_end(trajectory=trajectory, by=coach, ended_on=plan.ended_on)
    if plan.outcome:
        services.trajectory_record_outcome(trajectory=trajectory, by=coach, **plan.outcome)
    if plan.lba:
        _contacts_log(opened["LBA"], ctx.users["coach.stebo"], plan.lba["contacts"])

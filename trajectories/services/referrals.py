"""Referrals to specialisations: the coach refers (phase 4, with consent), the partner answers.

Each move checks who acts, the status it starts from and the rule of the programme; writes the
referral, a dated ReferralEvent and history in one transaction; and refuses with RuleViolation.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from casemgmt.audit import save_as
from casemgmt.clock import today
from casemgmt.errors import RuleViolation
from casemgmt.models import Phase, User
from partners.models import Organisation, Specialisation, SpecialisationOffer, StaffMember
from trajectories.models import (
    ConsentRecord,
    Referral,
    ReferralEvent,
    ReferralResult,
    Trajectory,
)
from trajectories.policies import Role, restrict, role_of, staff_of
from trajectories.services.phases import _locked, _reached_on

Status = Referral.Status
Kind = Specialisation.ResultKind


def _refuse(message: str, code: str, **params) -> RuleViolation:
    return RuleViolation(message % params if params else message, code=code)


def consent_to_share(*, trajectory: Trajectory, organisation: Organisation, on: datetime.date) -> bool:
    """Whether the participant agreed, on `on`, to share their data with `organisation`."""
    return ConsentRecord.objects.filter(
        Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gt=on),
        participant_id=trajectory.participant_id,
        purpose=ConsentRecord.Purpose.SHARE_WITH_PARTNER,
        organisation=organisation,
        given_on__lte=on,
    ).exists()


def _check_referrer(trajectory: Trajectory, by: User) -> Role:
    """Only the trajectory's coach, or a coordinator of its programme, refers or withdraws."""
    role = role_of(by)
    may = role in (Role.COACH, Role.COORDINATOR) and restrict(
        Trajectory.objects.filter(pk=trajectory.pk), by, for_change=True
    ).exists()
    if not may:
        raise _refuse(_("Only the trajectory's coach or a coordinator of its programme refers to a "
                        "specialisation or withdraws a referral."), "referral_not_the_coach")
    return role


def referral_send(
    *,
    trajectory: Trajectory,
    specialisation: Specialisation,
    organisation: Organisation,
    question: str,
    by: User,
    on: datetime.date | None = None,
    consent_override_reason: str = "",
) -> Referral:
    """Refer a trajectory in guidance to a specialisation that `organisation` offers in its programme."""
    on = on or today()
    with transaction.atomic():
        trajectory = _locked(trajectory)
        role = _check_referrer(trajectory, by)
        if trajectory.ended_on is not None:
            raise _refuse(_("This trajectory ended on %(date)s: it can no longer be referred."),
                          "trajectory_ended", date=trajectory.ended_on)
        guidance_on = _reached_on(trajectory, Phase.GUIDANCE)
        if guidance_on is None:
            raise _refuse(_("Referrals to a specialisation start in phase 4 (guidance): move the "
                            "trajectory to phase 4 first."), "referral_before_guidance")
        if not guidance_on <= on <= today():
            raise _refuse(_("A referral is dated between the entry into guidance (%(start)s) and today."),
                          "referral_date", start=guidance_on)
        if not SpecialisationOffer.objects.filter(
            programme_id=trajectory.programme_id, organisation=organisation, specialisation=specialisation
        ).exists():
            raise _refuse(_("%(organisation)s does not offer %(specialisation)s in %(programme)s: choose "
                            "an organisation that does."), "referral_not_offered",
                          organisation=organisation, specialisation=specialisation,
                          programme=trajectory.programme.code)
        if trajectory.referrals.filter(specialisation=specialisation, status__in=Referral.OPEN).exists():
            raise _refuse(_("This trajectory already has an open referral for %(specialisation)s: "
                            "follow that one up, or withdraw it first."), "referral_already_open",
                          specialisation=specialisation)
        if not question.strip():
            raise _refuse(_("Write the question for the partner: what should they look at?"),
                          "referral_question_required")
        override = consent_override_reason.strip()
        # Sending opens the person's data to the partner now, so the consent must hold on the
        # referral's date and still today: a backdated referral cannot slip past a withdrawal.
        if not all(consent_to_share(trajectory=trajectory, organisation=organisation, on=day)
                   for day in (on, today())):
            if role != Role.COORDINATOR:
                raise _refuse(_("The participant has not agreed to share their data with "
                                "%(organisation)s: record that consent first (only a coordinator may "
                                "refer without it, with a reason)."), "referral_needs_consent",
                              organisation=organisation)
            if not override:
                raise _refuse(_("Without the participant's consent to share with %(organisation)s, a "
                                "coordinator gives the reason for referring anyway."),
                              "referral_override_needs_reason", organisation=organisation)
        else:
            override = ""
        referral = save_as(Referral(
            trajectory=trajectory, specialisation=specialisation, organisation=organisation,
            question=question.strip(), sent_on=on, referred_by=by, consent_override_reason=override,
        ), by)
        note = _("Sent without consent to share, by the coordinator: %(reason)s") % {"reason": override} \
            if override else ""
        save_as(ReferralEvent(referral=referral, status=Status.SENT, on=on, by=by, note=note), by)
        return referral


@dataclass(frozen=True)
class Move:
    """A transition: from which statuses, to which, and whether the partner or the coach acts."""

    sources: tuple[str, ...]
    target: str
    actor: str  # "partner" (the receiving organisation's staff) or "coach"
    needs_reason: bool = False
    label: str = ""


MOVES = {
    "accept": Move((Status.SENT,), Status.ACCEPTED, "partner", label=gettext_lazy("accept")),
    "decline": Move((Status.SENT,), Status.DECLINED, "partner", needs_reason=True,
                    label=gettext_lazy("decline")),
    "start": Move((Status.ACCEPTED,), Status.IN_PROGRESS, "partner", label=gettext_lazy("start")),
    "complete": Move((Status.IN_PROGRESS,), Status.COMPLETED, "partner", label=gettext_lazy("complete")),
    "stop": Move((Status.ACCEPTED, Status.IN_PROGRESS), Status.STOPPED, "partner", needs_reason=True,
                 label=gettext_lazy("stop")),
    "withdraw": Move((Status.SENT, Status.ACCEPTED, Status.IN_PROGRESS), Status.WITHDRAWN, "coach",
                     needs_reason=True, label=gettext_lazy("withdraw")),
}


def is_partner_of(user: User, organisation_id: int) -> bool:
    staff = staff_of(user)
    return bool(staff and staff.role == StaffMember.Role.PARTNER_SPECIALIST
                and staff.organisation_id == organisation_id)


def _move(referral: Referral, action: str, *, by: User, on: datetime.date | None, reason: str = "",
          feedback: str = "") -> Referral:
    move = MOVES[action]
    on = on or today()
    referral = Referral.objects.select_for_update().select_related(
        "trajectory__programme", "specialisation", "organisation").get(pk=referral.pk)
    if move.actor == "partner" and not is_partner_of(by, referral.organisation_id):
        raise _refuse(_("Only the staff of %(organisation)s answer this referral."),
                      "referral_not_the_partner", organisation=referral.organisation)
    if move.actor == "coach":
        _check_referrer(referral.trajectory, by)
    if referral.status not in move.sources:
        raise _refuse(_("This referral is %(status)s: the step “%(action)s” is possible only from %(from)s."),
                      "referral_transition", status=referral.get_status_display(), action=move.label,
                      **{"from": ", ".join(str(Status(s).label) for s in move.sources)})
    last = referral.events.order_by("-on").values_list("on", flat=True).first() or referral.sent_on
    if not last <= on <= today():
        raise _refuse(_("This step is dated between the previous step (%(previous)s) and today."),
                      "referral_step_date", previous=last)
    if move.needs_reason and not reason.strip():
        raise _refuse(_("Give the reason: it is required to %(action)s a referral."),
                      "referral_reason_required", action=move.label)
    referral.status = move.target
    if move.needs_reason:
        referral.reason = reason.strip()
    if feedback:
        referral.feedback = feedback.strip()
    if move.target not in Referral.OPEN:
        referral.closed_on = on
    save_as(referral, by)
    save_as(ReferralEvent(referral=referral, status=move.target, on=on, by=by, note=reason.strip()), by)
    return referral


def referral_accept(*, referral: Referral, by: User, on: datetime.date | None = None) -> Referral:
    with transaction.atomic():
        return _move(referral, "accept", by=by, on=on)


def referral_decline(
    *, referral: Referral, by: User, reason: str, on: datetime.date | None = None
) -> Referral:
    with transaction.atomic():
        return _move(referral, "decline", by=by, on=on, reason=reason)


def referral_start(*, referral: Referral, by: User, on: datetime.date | None = None) -> Referral:
    with transaction.atomic():
        return _move(referral, "start", by=by, on=on)


def referral_stop(
    *, referral: Referral, by: User, reason: str, on: datetime.date | None = None
) -> Referral:
    with transaction.atomic():
        return _move(referral, "stop", by=by, on=on, reason=reason)


def referral_withdraw(
    *, referral: Referral, by: User, reason: str, on: datetime.date | None = None
) -> Referral:
    with transaction.atomic():
        return _move(referral, "withdraw", by=by, on=on, reason=reason)


# The result fields of each kind of specialisation: required ones first, then optional ones.
RESULT_FIELDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    Kind.MICROCREDIT: (("amount_requested", "credit_decision"),
                       ("amount_granted", "decided_on", "repayment_follow_up")),
    Kind.FEASIBILITY: (("feasibility", "summary"), ()),
    Kind.PERSONAL_FEASIBILITY: (("advice",), ()),
    Kind.PROTECTED: (("route", "starts_on"), ("ends_on",)),
    Kind.MENTORING: (("company", "days"), ("mentor",)),
}
ALL_RESULT_FIELDS = sorted(
    {name for required, optional in RESULT_FIELDS.values() for name in required + optional}
)


def _check_result(kind: str, values: dict) -> dict:
    # A text of only spaces is no answer: strip before the required fields are checked.
    values = {name: value.strip() if isinstance(value, str) else value for name, value in values.items()}
    required, optional = RESULT_FIELDS[kind]
    allowed = set(required) | set(optional)
    foreign = sorted(
        name for name, value in values.items() if value not in (None, "") and name not in allowed
    )
    if foreign:
        raise _refuse(_("These fields do not belong to a result of %(kind)s: %(fields)s."),
                      "referral_result_foreign_fields", kind=Kind(kind).label, fields=", ".join(foreign))
    missing = [name for name in required if values.get(name) in (None, "")]
    if missing:
        labels = ", ".join(str(ReferralResult._meta.get_field(name).verbose_name) for name in missing)
        raise _refuse(_("A result of %(kind)s needs: %(fields)s."), "referral_result_incomplete",
                      kind=Kind(kind).label, fields=labels)
    if kind == Kind.MICROCREDIT:
        granted = values.get("credit_decision") == ReferralResult.CreditDecision.GRANTED
        amount, asked = values.get("amount_granted"), values.get("amount_requested")
        if granted and (amount in (None, "") or values.get("decided_on") in (None, "")):
            raise _refuse(_("A granted credit needs the amount granted and the decision date."),
                          "referral_credit_incomplete")
        if not granted and amount not in (None, ""):
            raise _refuse(_("An amount is granted only when the credit is granted."),
                          "referral_credit_amount")
        if granted and Decimal(amount) > Decimal(asked):
            raise _refuse(_("The amount granted (EUR %(granted)s) is more than the amount requested "
                            "(EUR %(asked)s)."), "referral_credit_too_much", granted=amount, asked=asked)
    if kind == Kind.PROTECTED and values.get("ends_on") and values["ends_on"] < values["starts_on"]:
        raise _refuse(_("The route ends before it starts."), "referral_route_dates")
    return {name: values.get(name) for name in allowed if values.get(name) not in (None,)}


def referral_complete(
    *, referral: Referral, by: User, feedback: str, result: dict, on: datetime.date | None = None
) -> Referral:
    """Close a referral in progress with the partner's feedback and the typed result of its kind."""
    with transaction.atomic():
        current = Referral.objects.select_related("specialisation").get(pk=referral.pk)
        values = _check_result(current.specialisation.result_kind, result)
        if not feedback.strip():
            raise _refuse(_("Write the feedback for the coach: what came out of it?"),
                          "referral_feedback_required")
        referral = _move(referral, "complete", by=by, on=on, feedback=feedback)
        existing = ReferralResult.objects.filter(referral=referral).first()
        row = existing or ReferralResult(referral=referral)
        for name, value in values.items():
            setattr(row, name, value)
        save_as(row, by)
        return referral


def referral_follow_up(*, referral: Referral, by: User, repayment_follow_up: str) -> Referral:
    """After a microcredit was granted, the partner keeps following the entrepreneur up."""
    with transaction.atomic():
        referral = Referral.objects.select_for_update().select_related("specialisation").get(pk=referral.pk)
        if not is_partner_of(by, referral.organisation_id):
            raise _refuse(_("Only the staff of %(organisation)s answer this referral."),
                          "referral_not_the_partner", organisation=referral.organisation)
        result = ReferralResult.objects.filter(referral=referral).first()
        if referral.specialisation.result_kind != Kind.MICROCREDIT or result is None or (
            result.credit_decision != ReferralResult.CreditDecision.GRANTED
        ):
            raise _refuse(_("Repayment follow-up belongs to a granted microcredit."),
                          "referral_follow_up_not_credit")
        result.repayment_follow_up = repayment_follow_up.strip()
        save_as(result, by)
        return referral

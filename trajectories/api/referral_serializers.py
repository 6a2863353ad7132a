"""How the API shows referrals, one serializer per audience, and what it takes to send and answer them.

A partner specialist sees what the referral page shows them: the referral, the coach, and of the
person only their name, contact, languages and business idea. Coaches, coordinators, auditors and
admins see that too, with the ids that lead to the trajectory and the person, the programme, who sent
it and why it went without consent. The request serializers only check types; the rules are the
services' to check."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from casemgmt.api.fields import CodeField
from casemgmt.models import User
from partners.models import Organisation, Specialisation
from trajectories.models import Participant, Referral, ReferralEvent, ReferralResult, Trajectory
from trajectories.services.referrals import ALL_RESULT_FIELDS, MOVES, RESULT_FIELDS

# The answers, by the last part of their address; a partner's steps first, then the coach's.
PARTNER_STEPS = tuple(name for name, move in MOVES.items() if move.actor == "partner")
FOLLOW_UP = "follow-up"


def _name(user: User | None) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


# What every audience sees


class AudienceField(serializers.Field):
    """Which view of the referral a response is (constant per serializer), named as the other views of
    the API name theirs: "full" or "partner"."""

    def __init__(self, audience: str, **kwargs):
        super().__init__(source="*", read_only=True,
                         help_text=_("Which view of the referral this is; it depends on the role."), **kwargs)
        self.audience = audience
        # A component of its own: the schema's enums named after the field alone ("audience") would
        # collide with the other views' of the API.
        extend_schema_field({"type": "string", "enum": [audience]},
                            component_name=f"ReferralAudience{audience.capitalize()}")(self)

    def to_representation(self, value) -> str:
        return self.audience


@extend_schema_field({"type": "string", "enum": Referral.Status.values}, component_name="ReferralStatus")
class ReferralStatusField(serializers.ChoiceField):
    """A referral's status, as a component of its own: the schema's enums named after the field alone
    ("status") would collide with the reminders'."""

    def __init__(self, **kwargs):
        super().__init__(choices=Referral.Status.choices, read_only=True, **kwargs)


class OrganisationRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Organisation
        fields = ["code", "name"]


class SpecialisationRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Specialisation
        fields = ["code", "name", "result_kind"]


class CoachRefSerializer(serializers.ModelSerializer):
    name = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["name", "email"]

    def get_name(self, user: User) -> str:
        return _name(user)


class PersonForPartnerSerializer(serializers.ModelSerializer):
    """What a partner needs of the person to work on a referral, and nothing else of their file."""

    languages = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = Participant
        fields = ["first_name", "last_name", "email", "phone", "languages", "business_idea"]


class PersonSerializer(PersonForPartnerSerializer):
    class Meta(PersonForPartnerSerializer.Meta):
        fields = ["id", *PersonForPartnerSerializer.Meta.fields]


class StepSerializer(serializers.ModelSerializer):
    status = ReferralStatusField()
    by = serializers.SerializerMethodField(help_text=_("Who took the step."))

    class Meta:
        model = ReferralEvent
        fields = ["status", "on", "by", "note"]

    def get_by(self, step: ReferralEvent) -> str:
        return _name(step.by)


class ResultSerializer(serializers.ModelSerializer):
    """The typed result of a referral. Which fields belong to it depends on the kind of its
    specialisation: microcredit (amount_requested, credit_decision; amount_granted and decided_on when
    granted; repayment_follow_up), feasibility (feasibility, summary), personal_feasibility (advice),
    protected (route, starts_on; ends_on), mentoring (company, days; mentor)."""

    class Meta:
        model = ReferralResult
        fields = ALL_RESULT_FIELDS
        extra_kwargs = {name: {"required": False} for name in ALL_RESULT_FIELDS}

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({
                    name: [_("Not a field of a referral's result; the fields are: %(fields)s.")
                           % {"fields": ", ".join(ALL_RESULT_FIELDS)}]
                    for name in unknown
                })
        return super().to_internal_value(data)

    def to_representation(self, instance: ReferralResult) -> dict:
        """Only the fields of the referral's kind."""
        data = super().to_representation(instance)
        required, optional = RESULT_FIELDS[instance.referral.specialisation.result_kind]
        return {name: data[name] for name in (*required, *optional)}


class PartnerReferralSerializer(serializers.ModelSerializer):
    """A referral as its partner organisation sees it."""

    audience = AudienceField("partner")
    status = ReferralStatusField()
    specialisation = SpecialisationRefSerializer(read_only=True)
    organisation = OrganisationRefSerializer(read_only=True)
    coach = serializers.SerializerMethodField(help_text=_("The trajectory's coach, to contact."))
    participant = serializers.SerializerMethodField()
    steps = StepSerializer(source="events", many=True, read_only=True)
    result = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField(
        help_text=_("The steps the user may take now, by the last part of their address "
                    "(POST /api/v1/referrals/{id}/<action>/)."),
    )

    person_serializer = PersonForPartnerSerializer

    class Meta:
        model = Referral
        fields = ["id", "audience", "status", "specialisation", "organisation", "sent_on", "closed_on",
                  "question", "reason", "feedback", "coach", "participant", "steps", "result", "actions"]

    @extend_schema_field(CoachRefSerializer(allow_null=True))
    def get_coach(self, referral: Referral) -> dict | None:
        coach = referral.trajectory.coach
        return CoachRefSerializer(coach).data if coach else None

    @extend_schema_field(PersonForPartnerSerializer)
    def get_participant(self, referral: Referral) -> dict:
        return self.person_serializer(referral.trajectory.participant).data

    @extend_schema_field(ResultSerializer(allow_null=True))
    def get_result(self, referral: Referral) -> dict | None:
        result = getattr(referral, "result", None)
        if result is None:
            return None
        result.referral = referral  # the kind is read from it, already joined in
        return ResultSerializer(result).data

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_actions(self, referral: Referral) -> list[str]:
        return partner_actions(referral)


class ReferralSerializer(PartnerReferralSerializer):
    """A referral as the coaches, coordinators, auditors and admins who may see it see it."""

    audience = AudienceField("full")
    trajectory = serializers.IntegerField(source="trajectory_id", read_only=True)
    programme = serializers.CharField(source="trajectory.programme.code", read_only=True)
    referred_by = serializers.SerializerMethodField(help_text=_("Who sent it."))

    person_serializer = PersonSerializer

    class Meta(PartnerReferralSerializer.Meta):
        fields = ["id", "audience", "trajectory", "programme", *PartnerReferralSerializer.Meta.fields[2:],
                  "referred_by", "consent_override_reason"]

    @extend_schema_field(PersonSerializer)
    def get_participant(self, referral: Referral) -> dict:
        return super().get_participant(referral)

    def get_referred_by(self, referral: Referral) -> str:
        return _name(referral.referred_by)

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_actions(self, referral: Referral) -> list[str]:
        may = getattr(referral, "may_withdraw", False) and referral.status in MOVES["withdraw"].sources
        return ["withdraw"] if may else []


def credit_granted(referral: Referral) -> bool:
    result = getattr(referral, "result", None)
    return (referral.specialisation.result_kind == Specialisation.ResultKind.MICROCREDIT
            and result is not None and result.credit_decision == ReferralResult.CreditDecision.GRANTED)


def partner_actions(referral: Referral) -> list[str]:
    """What the receiving organisation's partner specialist may do now (the pages offer the same)."""
    actions = [name for name in PARTNER_STEPS if referral.status in MOVES[name].sources]
    if credit_granted(referral):
        actions.append(FOLLOW_UP)
    return actions


# What the requests carry


class ReferralCreateSerializer(serializers.Serializer):
    """Refer a trajectory in guidance: referral_send's arguments."""

    trajectory = serializers.PrimaryKeyRelatedField(
        queryset=Trajectory.objects.none(),  # the trajectories the user may change: set per request
        help_text=_("The id of a trajectory you coach (or of your programme, for a coordinator)."),
    )
    specialisation = CodeField(slug_field="code", queryset=Specialisation.objects.all(),
                                                  help_text=_("The code of the specialisation."))
    organisation = CodeField(
        slug_field="code", queryset=Organisation.objects.all(),
        help_text=_("The code of an organisation that offers the specialisation in the trajectory's "
                    "programme."),
    )
    question = serializers.CharField(
        help_text=_("What should the partner look at? They see this question, the person's name, contact, "
                    "languages and business idea, and nothing else of the file."),
    )
    consent_override_reason = serializers.CharField(
        required=False, allow_blank=True, default="",
        help_text=_("Only a coordinator, and only when the participant has not agreed to share their data "
                    "with this organisation: why it is sent anyway."),
    )
    sent_on = serializers.DateField(required=False, help_text=_("Leave out for today."))

    def __init__(self, *args, trajectories=None, **kwargs):
        super().__init__(*args, **kwargs)
        if trajectories is not None:
            self.fields["trajectory"].queryset = trajectories

    def arguments(self) -> dict:
        data = self.validated_data
        return {"trajectory": data["trajectory"], "specialisation": data["specialisation"],
                "organisation": data["organisation"], "question": data["question"],
                "consent_override_reason": data["consent_override_reason"], "on": data.get("sent_on")}


class StepRequestSerializer(serializers.Serializer):
    on = serializers.DateField(required=False, help_text=_("The date of the step; leave out for today."))

    def arguments(self) -> dict:
        return {"on": self.validated_data.get("on")}


class ReasonStepRequestSerializer(StepRequestSerializer):
    reason = serializers.CharField(help_text=_("Why: the coach (or the partner) reads it."))

    def arguments(self) -> dict:
        return {**super().arguments(), "reason": self.validated_data["reason"]}


class CompleteRequestSerializer(StepRequestSerializer):
    feedback = serializers.CharField(help_text=_("What came out of it, for the coach."))
    result = ResultSerializer(help_text=_("The result, with the fields of the specialisation's kind."))

    def arguments(self) -> dict:
        data = self.validated_data
        return {**super().arguments(), "feedback": data["feedback"], "result": dict(data["result"])}


class FollowUpRequestSerializer(serializers.Serializer):
    repayment_follow_up = serializers.CharField(help_text=_("How the repayment of the granted credit goes."))

    def arguments(self) -> dict:
        return {"repayment_follow_up": self.validated_data["repayment_follow_up"]}

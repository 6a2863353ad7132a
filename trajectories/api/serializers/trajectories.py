"""What each audience sees of a trajectory, and the bodies of the actions on one."""

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from casemgmt.models import Phase
from trajectories.api.audiences import FULL, STATUS
from trajectories.api.serializers.fields import (
    AudienceField,
    NamedChoiceField,
    ParticipantNameSerializer,
    PhaseReachedSerializer,
    ReferringOrganisationSerializer,
    StaffRefSerializer,
    phase_field,
    programme_field,
)
from trajectories.models import Screening, Trajectory


class TrajectorySerializer(serializers.ModelSerializer):
    """The whole trajectory, for coaches, coordinators, auditors and admins; `may_change` says whether the
    user may act on it."""

    audience = AudienceField(FULL, resource="Trajectory")
    participant = ParticipantNameSerializer(read_only=True)
    programme = programme_field()
    phase = phase_field()
    phases = PhaseReachedSerializer(source="phase_entries", many=True, read_only=True)
    coach = StaffRefSerializer(read_only=True, allow_null=True)
    referred_by = ReferringOrganisationSerializer(read_only=True, allow_null=True)
    outcome = NamedChoiceField(Trajectory.Outcome, allow_blank=True, read_only=True)
    occupation = NamedChoiceField(Trajectory.Occupation, allow_blank=True, read_only=True)
    may_change = serializers.BooleanField(
        read_only=True, help_text=_("Whether the user may act on this trajectory (its coach, a coordinator).")
    )

    class Meta:
        model = Trajectory
        fields = (
            "id", "audience", "participant", "programme", "phase", "phases", "coach", "referred_by",
            "outcome", "enterprise_number", "self_employed_since", "occupation", "outcome_recorded_on",
            "ended_on", "may_change",
        )
        read_only_fields = fields


class TrajectoryStatusSerializer(serializers.ModelSerializer):
    """What a referrer sees of a trajectory of a person their organisation referred in: the programme and
    the phases reached, with their dates."""

    audience = AudienceField(STATUS, resource="Trajectory")
    participant = ParticipantNameSerializer(read_only=True)
    programme = programme_field()
    phase = phase_field()
    phases = PhaseReachedSerializer(source="phase_entries", many=True, read_only=True)

    class Meta:
        model = Trajectory
        fields = ("id", "audience", "participant", "programme", "phase", "phases")
        read_only_fields = fields


TRAJECTORY_SERIALIZERS = {FULL: TrajectorySerializer, STATUS: TrajectoryStatusSerializer}


class AdvanceSerializer(serializers.Serializer):
    phase = serializers.IntegerField(
        min_value=Phase.INFORMATION, max_value=Phase.GUIDANCE,
        help_text=_("The phase to enter (2 to 4); phases skipped are entered on the same day."),
    )
    on = serializers.DateField(help_text=_("The day the phase was entered."))


class ScreeningRecordSerializer(serializers.Serializer):
    screened_on = serializers.DateField()
    residence_permit_ok = serializers.BooleanField(default=False)
    professional_card_needed = serializers.BooleanField(default=False)
    basic_management_knowledge = serializers.BooleanField(default=False)
    language_sufficient = serializers.BooleanField(default=False)
    financially_feasible = serializers.BooleanField(default=False)
    potential = NamedChoiceField(Screening.Potential)
    decision = NamedChoiceField(Screening.Decision)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=10000)


class ScreeningSerializer(serializers.ModelSerializer):
    potential = NamedChoiceField(Screening.Potential, read_only=True)
    decision = NamedChoiceField(Screening.Decision, read_only=True)
    screened_by = StaffRefSerializer(read_only=True)

    class Meta:
        model = Screening
        fields = (
            "id", "trajectory", "screened_on", "residence_permit_ok", "professional_card_needed",
            "basic_management_knowledge", "language_sufficient", "financially_feasible", "potential",
            "decision", "notes", "screened_by",
        )
        read_only_fields = fields


class OutcomeSerializer(serializers.Serializer):
    outcome = NamedChoiceField(Trajectory.Outcome)
    enterprise_number = serializers.CharField(
        required=False, allow_blank=True, max_length=20,
        help_text=_("For self-employment: the participant's own enterprise number, e.g. 0403.019.261."),
    )
    self_employed_since = serializers.DateField(required=False, allow_null=True)
    occupation = NamedChoiceField(Trajectory.Occupation, required=False, allow_blank=True)
    recorded_on = serializers.DateField()


class EndSerializer(serializers.Serializer):
    ended_on = serializers.DateField()


class AssignCoachSerializer(serializers.Serializer):
    coach = serializers.IntegerField(
        min_value=1, max_value=2**31 - 1,
        help_text=_("User id of a coach of an organisation that coaches in the trajectory's programme."),
    )

    def __init__(self, *args, coaches: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.coaches = coaches or {}

    def validate_coach(self, value: int):
        coach = self.coaches.get(value)
        if coach is None:
            raise serializers.ValidationError(gettext(
                "Not a coach who may take this trajectory on: choose a coach of an organisation that "
                "coaches in its programme."))
        return coach

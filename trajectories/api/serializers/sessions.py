"""What the API shows of a session, and the bodies of logging a contact, planning a group session and
recording who came."""

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from casemgmt.api.fields import CodeField
from casemgmt.models import Programme
from trajectories.api.serializers.fields import (
    NamedChoiceField,
    ParticipantNameSerializer,
    StaffRefSerializer,
    programme_field,
)
from trajectories.models import Session, Trajectory


class AttendanceSerializer(serializers.Serializer):
    trajectory = serializers.IntegerField(source="trajectory_id", read_only=True)
    participant = ParticipantNameSerializer(source="trajectory.participant", read_only=True)
    attended = serializers.BooleanField(read_only=True)


class SessionSerializer(serializers.ModelSerializer):
    """A session; `notes` (the coaching notes) only for coaches and coordinators, and `attendances` only
    of the trajectories the user may see."""

    programme = programme_field()
    kind = NamedChoiceField(Session.Kind, read_only=True)
    coach = StaffRefSerializer(read_only=True)
    attending = serializers.IntegerField(read_only=True, help_text=_("How many people came."))
    # Not read-only so the schema leaves it out of the required fields: some roles do not get it.
    notes = serializers.CharField(
        required=False, help_text=_("Coaching notes: for coaches and coordinators.")
    )
    attendances = AttendanceSerializer(source="visible_attendances", many=True, read_only=True)

    class Meta:
        model = Session
        fields = (
            "id", "programme", "kind", "title", "held_on", "duration_minutes", "location", "coach",
            "attending", "notes", "attendances",
        )
        read_only_fields = tuple(name for name in fields if name != "notes")

    def __init__(self, *args, with_notes: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not with_notes:
            self.fields.pop("notes")


class IndividualSessionSerializer(serializers.Serializer):
    """Log an individual contact with a participant, claimed by their trajectory's programme."""

    trajectory = serializers.PrimaryKeyRelatedField(
        queryset=Trajectory.objects.none(), help_text=_("Id of a trajectory the user may change."),
    )
    held_on = serializers.DateField()
    duration_minutes = serializers.IntegerField(min_value=5, max_value=600)
    title = serializers.CharField(required=False, allow_blank=True, max_length=200)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=10000)

    def __init__(self, *args, trajectories=None, **kwargs):
        super().__init__(*args, **kwargs)
        if trajectories is not None:
            self.fields["trajectory"].queryset = trajectories


class GroupSessionSerializer(serializers.Serializer):
    """Plan an info or theme session in a programme the user runs sessions in."""

    programme = CodeField(slug_field="code", queryset=Programme.objects.none())
    kind = NamedChoiceField(
        Session.Kind, component="GroupSessionKind",
        choices=[(kind.value, kind.label) for kind in (Session.Kind.INFO, Session.Kind.THEME)],
    )
    held_on = serializers.DateField()
    duration_minutes = serializers.IntegerField(min_value=5, max_value=600)
    title = serializers.CharField(max_length=200)
    location = serializers.CharField(required=False, allow_blank=True, max_length=200)

    def __init__(self, *args, programmes=None, **kwargs):
        super().__init__(*args, **kwargs)
        if programmes is not None:
            self.fields["programme"].queryset = programmes


def _trajectory_id() -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=2**31 - 1)


class AttendanceRecordSerializer(serializers.Serializer):
    """Who came: trajectory ids of the session's programme that the user may change. A trajectory left
    out keeps what was recorded for it before."""

    attended = serializers.ListField(child=_trajectory_id(), required=False, max_length=500)
    absent = serializers.ListField(child=_trajectory_id(), required=False, max_length=500)

    def __init__(self, *args, candidates: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.candidates = candidates or {}

    def validate(self, attrs):
        attended, absent = set(attrs.get("attended", [])), set(attrs.get("absent", []))
        errors = {}
        if attended & absent:
            errors["absent"] = [gettext("A trajectory is either attended or absent, not both: %(ids)s.")
                                % {"ids": ", ".join(map(str, sorted(attended & absent)))}]
        for name, ids in (("attended", attended), ("absent", absent)):
            unknown = sorted(ids - self.candidates.keys())
            if unknown:
                errors[name] = [gettext(
                    "Not a trajectory of this session's programme that you may record: %(ids)s."
                ) % {"ids": ", ".join(map(str, unknown))}]
        if not attended and not absent:
            errors["attended"] = [gettext("Give the trajectories that attended (or were absent).")]
        if errors:
            raise serializers.ValidationError(errors)
        return {"attended": sorted(attended), "absent": sorted(absent)}

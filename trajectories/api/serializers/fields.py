"""The pieces the trajectories API's serializers share: choices and audiences named in the schema, and the
small references to a person, a coach, an organisation and a phase."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers


class NamedChoiceField(serializers.ChoiceField):
    """A choice whose values are a schema component of their own, named after its enumeration (e.g.
    ParticipantGender): the schema's enums named after the field alone ("kind", "status") would collide
    across the API. Allowing the empty string makes it another set: "...OrBlank"."""

    def __init__(self, enumeration, *, component: str = "", **kwargs):
        choices = kwargs.pop("choices", enumeration.choices)
        super().__init__(choices=choices, **kwargs)
        values = [str(value) for value in self.choices] + ([""] if self.allow_blank else [])
        name = component or enumeration.__qualname__.replace(".", "")
        name += "OrBlank" if self.allow_blank else ""
        extend_schema_field({"type": "string", "enum": values}, component_name=name)(self)


class AudienceField(serializers.Field):
    """The name of the view of a record a response is: constant per serializer."""

    def __init__(self, audience: str, *, resource: str, **kwargs):
        kwargs.update(source="*", read_only=True)
        kwargs.setdefault("help_text", _("Which view of the record this is; it depends on the role."))
        super().__init__(**kwargs)
        self.audience = audience
        extend_schema_field({"type": "string", "enum": [audience]},
                            component_name=f"{resource}Audience{audience.capitalize()}")(self)

    def to_representation(self, value) -> str:
        return self.audience


class StaffRefSerializer(serializers.Serializer):
    """A member of staff (a coach), by id and name."""

    id = serializers.IntegerField(read_only=True)
    name = serializers.SerializerMethodField()

    def get_name(self, user) -> str:
        return user.get_full_name() or user.get_username()


class ReferringOrganisationSerializer(serializers.Serializer):
    """The organisation that referred the person in."""

    code = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)


class ParticipantNameSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    first_name = serializers.CharField(read_only=True)
    last_name = serializers.CharField(read_only=True)


PHASE_HELP = _("The highest phase reached: 1 sensitisation, 2 information, 3 detection, 4 guidance.")


class PhaseReachedSerializer(serializers.Serializer):
    phase = serializers.IntegerField(read_only=True, help_text=PHASE_HELP)
    entered_on = serializers.DateField(read_only=True)


def programme_field() -> serializers.CharField:
    return serializers.CharField(source="programme.code", read_only=True,
                                 help_text=_("The programme's code."))


def phase_field() -> serializers.IntegerField:
    return serializers.IntegerField(read_only=True, allow_null=True, help_text=PHASE_HELP)


def email_field() -> serializers.CharField:
    # A plain string: often empty, which the schema's "email" format would not allow.
    return serializers.CharField(read_only=True, help_text=_("E-mail address, or empty."))

"""What each audience sees of a participant, and the bodies of registration and of a correction."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Manager
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from casemgmt.api.fields import CodeField
from casemgmt.identifiers import national_number_clean
from casemgmt.models import Programme
from trajectories.api.audiences import FULL, PARTNER, STATUS
from trajectories.api.serializers.fields import (
    AudienceField,
    NamedChoiceField,
    email_field,
    phase_field,
    programme_field,
)
from trajectories.models import Participant
from trajectories.services import participant_identifier_masked

# DRF's own conversions of the two types a row cannot pass through as they are (the formats in the settings,
# the current time zone), used by the lists' rows below.
_DATE = serializers.DateField(read_only=True)
_DATETIME = serializers.DateTimeField(read_only=True)


def _date(value) -> str | None:
    return None if value is None else _DATE.to_representation(value)


def _strings(values) -> list | None:
    """What a ListField of CharField gives."""
    return None if values is None else [None if item is None else str(item) for item in values]


class RowsListSerializer(serializers.ListSerializer):
    """A list whose items its child builds with `row(instance)`, a dict made straight from the instance's
    attributes, in the order and with the values its declared fields give: DRF's generic path (each field's
    get_attribute and to_representation, through _readable_fields) was most of the time a page of 50 people
    took. The declared fields still describe the schema and serialize a single record, and
    tests/trajectories/test_api_participant_rows.py holds every `row` to exactly what they give, so the
    two cannot drift apart."""

    def to_representation(self, data) -> list[dict]:
        iterable = data.all() if isinstance(data, Manager) else data
        row = self.child.row
        return [row(item) for item in iterable]


class TrajectorySummarySerializer(serializers.Serializer):
    """A trajectory of the person the user may see, as the participant's file lists it."""

    id = serializers.IntegerField(read_only=True)
    programme = programme_field()
    phase = phase_field()
    ended_on = serializers.DateField(read_only=True, allow_null=True)


class TrajectoryStatusSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    programme = programme_field()
    phase = phase_field()


class ParticipantSerializer(serializers.ModelSerializer):
    """The participant's file: the national register / BIS number only masked (its last two digits), the
    province where the postcode lies today, and the trajectories the user may see."""

    audience = AudienceField(FULL, resource="Participant")
    gender = NamedChoiceField(Participant.Gender, allow_blank=True, read_only=True)
    residence_status = NamedChoiceField(Participant.ResidenceStatus, allow_blank=True, read_only=True
    )
    dutch_level = NamedChoiceField(Participant.DutchLevel, allow_blank=True, read_only=True)
    education = NamedChoiceField(Participant.Education, allow_blank=True, read_only=True)
    labour_market_status = NamedChoiceField(Participant.LabourMarketStatus, allow_blank=True, read_only=True
    )
    languages = serializers.ListField(child=serializers.CharField(), read_only=True)
    email = email_field()
    province = serializers.CharField(
        source="province_code", read_only=True, allow_null=True,
        help_text=_("Code of the province (or region) the postcode lies in today."),
    )
    province_name = serializers.CharField(read_only=True, allow_null=True)
    national_number_masked = serializers.SerializerMethodField(
        help_text=_("The national register / BIS number with all but its last two digits hidden.")
    )
    national_number_kind = NamedChoiceField(Participant.IdentifierKind, allow_blank=True, read_only=True
    )
    trajectories = TrajectorySummarySerializer(source="visible_trajectories", many=True, read_only=True)

    class Meta:
        model = Participant
        fields = (
            "id", "audience", "first_name", "last_name", "birth_year", "birth_month", "birth_day", "gender",
            "nationality", "residence_status", "languages", "dutch_level", "education",
            "labour_market_status", "disability", "homeless", "postcode", "province", "province_name",
            "email", "phone", "business_idea", "national_number_masked", "national_number_kind",
            "created_at", "erased_on", "trajectories",
        )
        read_only_fields = fields
        list_serializer_class = RowsListSerializer

    def get_national_number_masked(self, participant: Participant) -> str:
        return participant_identifier_masked(participant=participant)

    @staticmethod
    def row(participant: Participant) -> dict:
        """What the fields above give (RowsListSerializer says why)."""
        p = participant
        return {
            "id": p.id, "audience": FULL, "first_name": p.first_name, "last_name": p.last_name,
            "birth_year": p.birth_year, "birth_month": p.birth_month, "birth_day": p.birth_day,
            "gender": p.gender, "nationality": p.nationality, "residence_status": p.residence_status,
            "languages": _strings(p.languages), "dutch_level": p.dutch_level, "education": p.education,
            "labour_market_status": p.labour_market_status, "disability": p.disability,
            "homeless": p.homeless, "postcode": p.postcode, "province": p.province_code,
            "province_name": p.province_name, "email": p.email, "phone": p.phone,
            "business_idea": p.business_idea,
            "national_number_masked": participant_identifier_masked(participant=p),
            "national_number_kind": p.national_number_kind,
            "created_at": None if p.created_at is None else _DATETIME.to_representation(p.created_at),
            "erased_on": _date(p.erased_on),
            "trajectories": [
                {"id": t.id, "programme": t.programme.code, "phase": t.phase, "ended_on": _date(t.ended_on)}
                for t in p.visible_trajectories
            ],
        }


class ParticipantForPartnerSerializer(serializers.ModelSerializer):
    """What a partner specialist sees of a person referred to their organisation, as on the referral page:
    name, contact, languages and business idea; nothing else of the file."""

    audience = AudienceField(PARTNER, resource="Participant")
    languages = serializers.ListField(child=serializers.CharField(), read_only=True)
    email = email_field()

    class Meta:
        model = Participant
        fields = ("id", "audience", "first_name", "last_name", "email", "phone", "languages", "business_idea")
        read_only_fields = fields
        list_serializer_class = RowsListSerializer

    @staticmethod
    def row(participant: Participant) -> dict:
        """What the fields above give (RowsListSerializer says why)."""
        p = participant
        return {
            "id": p.id, "audience": PARTNER, "first_name": p.first_name, "last_name": p.last_name,
            "email": p.email, "phone": p.phone, "languages": _strings(p.languages),
            "business_idea": p.business_idea,
        }


class ParticipantStatusSerializer(serializers.ModelSerializer):
    """What a referrer sees of a person their organisation referred in: the name and where the person is
    in each programme."""

    audience = AudienceField(STATUS, resource="Participant")
    trajectories = TrajectoryStatusSummarySerializer(source="visible_trajectories", many=True, read_only=True)

    class Meta:
        model = Participant
        fields = ("id", "audience", "first_name", "last_name", "trajectories")
        read_only_fields = fields
        list_serializer_class = RowsListSerializer

    @staticmethod
    def row(participant: Participant) -> dict:
        """What the fields above give (RowsListSerializer says why)."""
        p = participant
        return {
            "id": p.id, "audience": STATUS, "first_name": p.first_name, "last_name": p.last_name,
            "trajectories": [
                {"id": t.id, "programme": t.programme.code, "phase": t.phase} for t in p.visible_trajectories
            ],
        }


PARTICIPANT_SERIALIZERS = {
    FULL: ParticipantSerializer,
    PARTNER: ParticipantForPartnerSerializer,
    STATUS: ParticipantStatusSerializer,
}


def _language_code() -> serializers.RegexField:
    return serializers.RegexField(
        r"^[a-z]{2}$", max_length=2,
        error_messages={"invalid": _("Use two-letter ISO 639-1 codes such as ar, fr, ti.")},
    )


class PersonFieldsSerializer(serializers.Serializer):
    """The person's own fields, as the registration form takes them."""

    first_name = serializers.CharField(max_length=100)
    last_name = serializers.CharField(max_length=100)
    birth_year = serializers.IntegerField(required=False, allow_null=True, min_value=1900, max_value=2100)
    birth_month = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=12)
    birth_day = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=31)
    gender = NamedChoiceField(Participant.Gender, required=False, allow_blank=True)
    nationality = serializers.CharField(
        required=False, allow_blank=True, max_length=2,
        help_text=_("Two-letter ISO country code; XX when stateless."),
    )
    residence_status = NamedChoiceField(Participant.ResidenceStatus, required=False, allow_blank=True
    )
    languages = serializers.ListField(child=_language_code(), required=False, max_length=20)
    dutch_level = NamedChoiceField(Participant.DutchLevel, required=False, allow_blank=True)
    education = NamedChoiceField(Participant.Education, required=False, allow_blank=True)
    labour_market_status = NamedChoiceField(Participant.LabourMarketStatus, required=False, allow_blank=True
    )
    disability = serializers.BooleanField(required=False, allow_null=True)
    homeless = serializers.BooleanField(required=False, allow_null=True)
    postcode = serializers.IntegerField(
        required=False, allow_null=True, min_value=1000, max_value=9999,
        help_text=_("Belgian postcode of the place of residence."),
    )
    email = serializers.EmailField(required=False, allow_blank=True, max_length=254)
    phone = serializers.CharField(required=False, allow_blank=True, max_length=30)
    business_idea = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    national_number = serializers.CharField(
        required=False, allow_blank=True, max_length=20, write_only=True,
        help_text=_("National register or BIS number, 11 digits, e.g. 85.07.30-033.28; stored encrypted and "
                    "never shown in full."),
    )

    def validate_nationality(self, value: str) -> str:
        value = value.strip().upper()
        if value:
            try:
                for validator in Participant._meta.get_field("nationality").validators:
                    validator(value)
            except DjangoValidationError as error:
                raise serializers.ValidationError(error.messages) from None
        return value

    def validate_languages(self, value: list[str]) -> list[str]:
        return list(dict.fromkeys(value))

    def validate_national_number(self, value: str) -> str:
        value = value.strip()
        if value:
            try:
                national_number_clean(value)
            except DjangoValidationError as error:
                raise serializers.ValidationError(error.messages) from None
        return value


class ParticipantRegistrationSerializer(PersonFieldsSerializer):
    """Register a person: they enter `programme` in phase 1 on `entered_on`, with their consent recorded
    as given that day. When they may already be registered the answer is 400 `possible_duplicate`: check,
    then send `confirm_not_duplicate: true` to register them anyway."""

    programme = CodeField(
        slug_field="code", queryset=Programme.objects.none(),
        help_text=_("Code of a programme the user may register people in."),
    )
    entered_on = serializers.DateField(
        help_text=_("The day the person was reached: the start of phase 1, within the programme and not in "
                    "the future."),
    )
    consent = serializers.BooleanField(
        help_text=_("The participant agreed to take part and to be registered for ESF: must be true."),
    )
    confirm_not_duplicate = serializers.BooleanField(
        default=False, help_text=_("I checked: this is a different person. Register them anyway."),
    )

    def __init__(self, *args, programmes=None, **kwargs):
        super().__init__(*args, **kwargs)
        if programmes is not None:
            self.fields["programme"].queryset = programmes

    def validate_consent(self, value: bool) -> bool:
        if not value:
            raise serializers.ValidationError(gettext(
                "A person is registered only with their consent: tick the box once they agreed."))
        return value


class ParticipantUpdateSerializer(PersonFieldsSerializer):
    """Correct the person's data: send only the fields that change. An empty national_number removes it."""

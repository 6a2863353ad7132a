"""The query parameters of the trajectories API's lists: each one checked (a wrong value answers 400 with
what is expected), each applied inside the user's scope, and an `ordering` with stable ties."""

from django import forms
from django.db.models import F, QuerySet
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema_field
from rest_framework.exceptions import ValidationError

from casemgmt.clock import today
from casemgmt.models import Phase, Programme, Region
from casemgmt.postcodes import region_id_subquery
from trajectories.api.audiences import FULL, PARTNER, participant_audience, trajectory_audience
from trajectories.models import Attendance, Session
from trajectories.policies import trajectories_visible_to
from trajectories.services import name_key

MAX_ID = 2**31 - 1
# What a record's address takes for its id: anything up to the next slash, so that a malformed id (say
# "1.5") reaches the view and gets the API's 404, not the site's page (the router's default stops at dots).
ANY_ID = "[^/]+"


class IdFilter(filters.NumberFilter):
    """A whole positive number (a record's id)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class SortFilter(filters.OrderingFilter):
    """`ordering=<key>` or `-<key>` (several separated by commas). Each key sorts by one or more
    expressions, empty values last; ties are broken by id, so pages do not overlap."""

    def __init__(self, *, keys: dict[str, tuple], **kwargs):
        self.keys = keys
        kwargs.setdefault("help_text", _("Sort by one of the keys listed; a leading - reverses the order."))
        super().__init__(fields=[(key, key) for key in keys], **kwargs)

    def filter(self, qs: QuerySet, value) -> QuerySet:
        if not any(value or ()):
            return qs
        ordering = []
        for param in filter(None, value):  # "name," asks for name
            descending = param.startswith("-")
            for expression in self.keys[param.removeprefix("-")]:
                expression = F(expression) if isinstance(expression, str) else expression
                ordering.append(expression.desc(nulls_last=True) if descending
                                else expression.asc(nulls_last=True))
        return qs.order_by(*ordering, "pk")


def _name_search(queryset: QuerySet, path: str, value: str) -> QuerySet:
    """Every word of `value` within the name, accents and case ignored."""
    for word in name_key(value, "").split():
        queryset = queryset.filter(**{f"{path}name_key__contains": word})
    return queryset


def _not_for_you(name: str) -> ValidationError:
    return ValidationError({name: [gettext("This filter is not available to your role.")]})


class Documented:
    """A filter whose parameter the schema describes as `schema` says, with the filter's help text (the
    schema cannot tell a code from the id of the model field it names)."""

    schema: dict

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        extend_schema_field({**self.schema, "description": self.extra.get("help_text", "")})(self)


class ProgrammeFilter(Documented, filters.ModelChoiceFilter):
    schema = {"type": "string"}

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("queryset", Programme.objects.all())
        kwargs.setdefault("to_field_name", "code")
        kwargs.setdefault("help_text", _("A programme's code, e.g. ovv."))
        super().__init__(*args, **kwargs)


class ProvinceFilter(Documented, filters.ModelChoiceFilter):
    schema = {"type": "string"}

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("queryset", Region.objects.all())
        kwargs.setdefault("to_field_name", "code")
        kwargs.setdefault("help_text", _("A province's (or region's) code: where the postcode lies today, "
                                         "e.g. antwerpen."))
        super().__init__(*args, **kwargs)


class PhaseFilter(Documented, filters.TypedChoiceFilter):
    """A phase, 1 to 4."""

    schema = {"type": "integer", "enum": Phase.values}

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("choices", [(phase.value, f"{phase.value} · {phase.label}") for phase in Phase])
        kwargs.setdefault("coerce", int)
        kwargs.setdefault("empty_value", None)
        super().__init__(*args, **kwargs)


class UnlessAskedFilterBackend(DjangoFilterBackend):
    """django-filter's backend, which leaves the queryset as it is when the query string names none of the
    FilterSet's parameters: binding, validating and applying a form of empty values changed nothing and
    took about a millisecond of each request, and most ask for a page with no filter at all. Only for a
    FilterSet that filters nothing when given nothing (ParticipantFilter: each filter passes an empty value
    by, and filter_queryset adds nothing without a programme or a phase); a parameter is named when it
    starts with a filter's name, as the parameters of the filters that take two (`x_min`, `x_after`) do."""

    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is not None and not any(
            key.startswith(name) for key in request.query_params for name in filterset_class.base_filters
        ):
            return queryset
        return super().filter_queryset(request, queryset, view)


class ParticipantFilter(filters.FilterSet):
    """`programme` and `phase` ask for one trajectory the user may see, of that programme and (highest)
    phase."""

    q = filters.CharFilter(method="filter_name", max_length=100,
                           help_text=_("Part of a first or last name; accents and capitals do not matter."))
    programme = ProgrammeFilter(method="filter_by_trajectory")
    phase = PhaseFilter(method="filter_by_trajectory",
                        help_text=_("The highest phase a trajectory reached, 1 to 4."))
    province = ProvinceFilter(method="filter_province")
    ordering = SortFilter(keys={"name": ("last_name", "first_name"), "created": ("created_at",)})

    @property
    def sees_postcode(self) -> bool:
        return participant_audience(self.request.user) != PARTNER

    def filter_name(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return _name_search(queryset, "", value)

    def filter_by_trajectory(self, queryset: QuerySet, name: str, value) -> QuerySet:
        return queryset  # both at once, on one trajectory: see filter_queryset

    def filter_province(self, queryset: QuerySet, name: str, value: Region) -> QuerySet:
        if not self.sees_postcode:
            raise _not_for_you(name)
        region = region_id_subquery("postcode", today())
        return queryset.alias(region_today=region).filter(region_today=value.pk)

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        queryset = super().filter_queryset(queryset)
        programme, phase = self.form.cleaned_data.get("programme"), self.form.cleaned_data.get("phase")
        if programme is None and phase is None:
            return queryset
        trajectories = trajectories_visible_to(self.request.user)
        if programme is not None:
            trajectories = trajectories.filter(programme=programme)
        if phase is not None:
            trajectories = trajectories.in_phase(phase)
        return queryset.filter(pk__in=trajectories.values("participant_id"))


STATUS_CHOICES = [("open", _("open")), ("ended", _("ended")), ("all", _("all"))]


class TrajectoryFilter(filters.FilterSet):
    q = filters.CharFilter(method="filter_name", max_length=100,
                           help_text=_("Part of the participant's name; accents and capitals do not matter."))
    programme = ProgrammeFilter(field_name="programme")
    phase = PhaseFilter(field_name="phase", help_text=_("The highest phase reached, 1 to 4."))
    status = filters.ChoiceFilter(choices=STATUS_CHOICES, method="filter_status",
                                  help_text=_("open (not ended), ended, or all (the default)."))
    province = ProvinceFilter(method="filter_province")
    participant = IdFilter(field_name="participant_id", help_text=_("A participant's id."))
    coach = filters.CharFilter(method="filter_coach", max_length=12,
                               help_text=_("A coach's user id, or none for trajectories without a coach."))
    ordering = SortFilter(keys={
        "name": ("participant__last_name", "participant__first_name"), "phase": ("phase",), "id": ("id",),
    })

    @property
    def sees_coach(self) -> bool:
        return trajectory_audience(self.request.user) == FULL

    def filter_name(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return _name_search(queryset, "participant__", value)

    def filter_status(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if value == "open":
            return queryset.filter(ended_on__isnull=True)
        if value == "ended":
            return queryset.filter(ended_on__isnull=False)
        return queryset

    def filter_province(self, queryset: QuerySet, name: str, value: Region) -> QuerySet:
        region = region_id_subquery("participant__postcode", today())
        return queryset.alias(region_today=region).filter(region_today=value.pk)

    def filter_coach(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if not self.sees_coach:
            raise _not_for_you(name)
        if value == "none":
            return queryset.filter(coach__isnull=True)
        if not value.isdigit() or not 1 <= int(value) <= MAX_ID:
            raise ValidationError({name: [gettext("Give a coach's user id, or none.")]})
        return queryset.filter(coach_id=int(value))


class SessionFilter(filters.FilterSet):
    programme = ProgrammeFilter(field_name="programme")
    kind = filters.ChoiceFilter(choices=Session.Kind.choices, help_text=_("individual, info or theme."))
    held_from = filters.DateFilter(field_name="held_on", lookup_expr="gte",
                                   help_text=_("Held on or after this date (YYYY-MM-DD)."))
    held_until = filters.DateFilter(field_name="held_on", lookup_expr="lte",
                                    help_text=_("Held on or before this date (YYYY-MM-DD)."))
    coach = IdFilter(field_name="coach_id", help_text=_("The user id of the coach who led it."))
    trajectory = IdFilter(method="filter_trajectory", help_text=_("Sessions this trajectory attended."))
    ordering = SortFilter(keys={"held_on": ("held_on",), "id": ("id",)})

    def filter_trajectory(self, queryset: QuerySet, name: str, value: int) -> QuerySet:
        attended = Attendance.objects.filter(trajectory_id=value, attended=True).values("session_id")
        return queryset.filter(pk__in=attended)

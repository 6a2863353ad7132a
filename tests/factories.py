"""factory_boy factories for the domain; trajectories are opened through the service in fixtures."""

import datetime
from decimal import Decimal

import factory

from casemgmt.models import Programme, User
from partners.models import Organisation, StaffMember
from trajectories.models import Participant
from trajectories.services import name_key


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name", locale="nl_BE")
    last_name = factory.Faker("last_name", locale="nl_BE")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    password = factory.django.Password("correct-horse-battery-staple")


class ProgrammeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Programme
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"P{n}")
    name = factory.Sequence(lambda n: f"Programme {n}")
    total_eligible_cost = Decimal("100000.00")
    starts_on = datetime.date(2016, 11, 1)
    ends_on = datetime.date(2030, 12, 31)


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"org{n}")
    name = factory.Sequence(lambda n: f"Organisation {n}")


class StaffMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StaffMember

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = StaffMember.Role.COACH


class ParticipantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Participant

    first_name = factory.Faker("first_name", locale="ar_AA")
    last_name = factory.Faker("last_name", locale="ar_AA")
    name_key = factory.LazyAttribute(lambda p: name_key(p.first_name, p.last_name))
    birth_year = 1990
    gender = Participant.Gender.FEMALE
    postcode = 2000

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


# Rows for tests that need many of them (e.g. admin query budgets), not the rules that create them:
# models are named as "app.Model" so these factories add no imports. Tests of behaviour go through
# the services.


class ReportingPeriodFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "casemgmt.ReportingPeriod"

    programme = factory.SubFactory(ProgrammeFactory)
    number = factory.Sequence(lambda n: n + 1)
    starts_on = datetime.date(2016, 11, 1)
    ends_on = datetime.date(2017, 10, 31)


class PaymentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "casemgmt.Payment"

    programme = factory.SubFactory(ProgrammeFactory)
    period = factory.SubFactory(ReportingPeriodFactory, programme=factory.SelfAttribute("..programme"))
    kind = "advance"
    amount = Decimal("314999.75")
    paid_on = datetime.date(2016, 11, 1)


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "casemgmt.Region"

    code = factory.Sequence(lambda n: f"region-{n}")
    name = factory.Sequence(lambda n: f"Region {n}")
    kind = "province"
    sort_order = factory.Sequence(lambda n: 100 + n)


class PostcodeRangeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "casemgmt.PostcodeRange"

    first = factory.Sequence(lambda n: 1000 + n % 9000)
    last = factory.SelfAttribute("first")
    region = factory.SubFactory(RegionFactory)


class TargetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "casemgmt.Target"

    programme = factory.SubFactory(ProgrammeFactory)
    region = factory.SubFactory(RegionFactory)
    phase = 1
    count = 100
    valid_from = datetime.date(2016, 11, 1)


class ReachShareFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "casemgmt.ReachShare"

    programme = factory.SubFactory(ProgrammeFactory)
    region = factory.SubFactory(RegionFactory)
    share = Decimal("10.00")
    valid_from = datetime.date(2016, 11, 1)


class ProgrammeRoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "partners.ProgrammeRole"

    programme = factory.SubFactory(ProgrammeFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = "partner"


class FteAllocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "partners.FteAllocation"

    programme = factory.SubFactory(ProgrammeFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    year = 1
    fte = Decimal("1.00")


class StaffAllocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "partners.StaffAllocation"

    staff = factory.SubFactory(StaffMemberFactory)
    programme = factory.SubFactory(ProgrammeFactory)
    share = Decimal("50.00")
    starts_on = datetime.date(2017, 1, 1)


class SpecialisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "partners.Specialisation"
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"specialisation{n}")
    name = factory.Sequence(lambda n: f"Specialisation {n}")
    result_kind = "feasibility"


class SpecialisationOfferFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "partners.SpecialisationOffer"

    programme = factory.SubFactory(ProgrammeFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    specialisation = factory.SubFactory(SpecialisationFactory)


class ConsentRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "trajectories.ConsentRecord"

    participant = factory.SubFactory(ParticipantFactory)
    purpose = "programme"
    given_on = datetime.date(2017, 1, 10)
    version = "1"
    recorded_by = factory.SubFactory(UserFactory)


class TrajectoryFactory(factory.django.DjangoModelFactory):
    """A trajectory row without phases; trajectory_open is the way to open one in behaviour tests."""

    class Meta:
        model = "trajectories.Trajectory"

    participant = factory.SubFactory(ParticipantFactory)
    programme = factory.SubFactory(ProgrammeFactory)
    coach = factory.SubFactory(UserFactory)
    referred_by = factory.SubFactory(OrganisationFactory)


class PhaseEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "trajectories.PhaseEntry"

    trajectory = factory.SubFactory(TrajectoryFactory)
    phase = 1
    entered_on = datetime.date(2017, 1, 10)
    recorded_by = factory.SubFactory(UserFactory)


class ScreeningFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "trajectories.Screening"

    trajectory = factory.SubFactory(TrajectoryFactory)
    screened_on = datetime.date(2017, 3, 1)
    residence_permit_ok = True
    basic_management_knowledge = True
    language_sufficient = True
    financially_feasible = True
    potential = "medium"
    decision = "guidance"
    screened_by = factory.SubFactory(UserFactory)


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "trajectories.Session"

    programme = factory.SubFactory(ProgrammeFactory)
    kind = "info"
    title = factory.Sequence(lambda n: f"Info session {n}")
    held_on = datetime.date(2017, 2, 1)
    duration_minutes = 120
    coach = factory.SubFactory(UserFactory)


class AttendanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "trajectories.Attendance"

    session = factory.SubFactory(SessionFactory)
    trajectory = factory.SubFactory(TrajectoryFactory)
    attended = True


class ReferralFactory(factory.django.DjangoModelFactory):
    """A referral as a row (for list and query tests); the rules of sending it are the service's."""

    class Meta:
        model = "trajectories.Referral"

    trajectory = factory.SubFactory(TrajectoryFactory)
    specialisation = factory.SubFactory(SpecialisationFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    question = "Is het ondernemersidee haalbaar?"
    sent_on = datetime.date(2017, 5, 2)
    referred_by = factory.SubFactory(UserFactory)


class ReferralEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "trajectories.ReferralEvent"

    referral = factory.SubFactory(ReferralFactory)
    status = "sent"
    on = datetime.date(2017, 5, 2)
    by = factory.SubFactory(UserFactory)


class ReferralResultFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "trajectories.ReferralResult"

    referral = factory.SubFactory(ReferralFactory, status="completed", closed_on=datetime.date(2017, 6, 1),
                                  feedback="Haalbaar")
    feasibility = "go"
    summary = "Een haalbaar plan"

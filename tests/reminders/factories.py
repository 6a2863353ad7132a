"""Rows of the reminder models for tests that need many (admin query budgets); behaviour tests make
reminders through the scans."""

import datetime

import factory

from tests.factories import ProgrammeFactory, TrajectoryFactory, UserFactory


class ReminderSettingsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "reminders.ReminderSettings"

    programme = factory.SubFactory(ProgrammeFactory)


class ReminderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "reminders.Reminder"

    rule = "no_contact"
    recipient = factory.SubFactory(UserFactory)
    programme = factory.SubFactory(ProgrammeFactory)
    trajectory = factory.SubFactory(TrajectoryFactory, programme=factory.SelfAttribute("..programme"),
                                    coach=factory.SelfAttribute("..recipient"))
    object_type = "trajectories.trajectory"
    object_id = factory.LazyAttribute(lambda reminder: str(reminder.trajectory.pk))
    counted_from = datetime.date(2017, 1, 10)
    due_on = datetime.date(2017, 1, 31)
    message = "No contact logged since 10-1-2017 (21 days or more)."

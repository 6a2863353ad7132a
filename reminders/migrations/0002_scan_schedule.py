"""Schedule the reminder scan every 15 minutes in celery beat (django-celery-beat, editable in the admin).

Created once: an operator who changes the interval, pauses or deletes the task keeps that choice.
A scan that waited longer than one interval expires, so a worker coming back after a long absence
runs one scan, not a backlog of them.
"""

from django.db import migrations
from django.utils import timezone

NAME = "reminders: scan"
TASK = "reminders.scan_all"
EVERY_MINUTES = 15


def schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    if PeriodicTask.objects.filter(name=NAME).exists():
        return
    interval, _ = IntervalSchedule.objects.get_or_create(every=EVERY_MINUTES, period="minutes")
    # With a start time, beat runs the first scan as soon as it starts, then every interval.
    PeriodicTask.objects.create(
        name=NAME, task=TASK, interval=interval, enabled=True, expire_seconds=EVERY_MINUTES * 60,
        start_time=timezone.now(),
        description="Finds due reminders for every rule, closes those whose cause is gone, e-mails new ones.",
    )
    # Tell a running beat that its schedule changed (what PeriodicTask's save signal does).
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME, task=TASK).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reminders", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(schedule, unschedule)]

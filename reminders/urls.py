"""The reminder pages of the workspace."""

from django.urls import path

from reminders.views import reminder_dismiss_view, reminder_list

app_name = "reminders"

urlpatterns = [
    path("", reminder_list, name="list"),
    path("<int:pk>/dismiss/", reminder_dismiss_view, name="dismiss"),
]

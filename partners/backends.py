"""Signing in: Django's model backend, reading the signed-in user with their staff membership."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class StaffModelBackend(ModelBackend):
    """ModelBackend, whose get_user (run on every request of a signed-in session) reads the user with
    their staff membership and its organisation in one query. Every page asks the user's role and
    organisation (the two-factor middleware, the navigation, the access policy): read apart, that was a
    second query on every page. partners.models.staff_membership finds them in the user's cache, the
    membership None for a user without one."""

    def get_user(self, user_id):
        user_model = get_user_model()
        try:
            user = user_model._default_manager.select_related("staff__organisation").get(pk=user_id)
        except user_model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None

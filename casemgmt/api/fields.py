"""Fields shared by the API's serializers."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers


class CodeField(serializers.SlugRelatedField):
    """A record named by its code (a programme, an organisation, a specialisation). A code with a NUL
    character is refused before the lookup: PostgreSQL cannot even compare such text."""

    default_error_messages = {"null_characters": _("A code cannot contain a NUL character.")}

    def to_internal_value(self, data):
        if isinstance(data, str) and "\x00" in data:
            self.fail("null_characters")
        return super().to_internal_value(data)

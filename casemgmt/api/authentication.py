"""How other systems authenticate: a token (django-rest-knox), checked without knox's sweep of the user's
other tokens. A module of its own, as the REST framework's settings name the class: importing the token
views from there would import the REST framework's views while they read those settings."""

from hmac import compare_digest

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from knox.auth import TokenAuthentication
from knox.crypto import hash_token
from knox.models import get_token_model
from knox.settings import CONSTANTS, knox_settings
from rest_framework import exceptions


class ExpiringTokenAuthentication(TokenAuthentication):
    """knox's token authentication, without its sweep: knox reads every token of the user on every
    request to delete the expired ones, a cost that grows with each token the user ever got. Here only
    the token presented is checked (refused, and deleted, once expired); the expired tokens of everyone
    are deleted whenever a token is handed out (TokenView.post). The token is read with its user and the
    user's staff membership and organisation in one query (partners.models.staff_membership then has
    them: every request asks the role), where knox reads the membership in a second."""

    def authenticate_credentials(self, token: bytes):
        """knox's check (hash and compare the presented token with each stored one under its key, renew
        it when knox's settings say so), with the membership joined in."""
        token = token.decode("utf-8")
        candidates = get_token_model().objects.filter(token_key=token[:CONSTANTS.TOKEN_KEY_LENGTH])
        for auth_token in candidates.select_related("user__staff__organisation"):
            if self._cleanup_token(auth_token):
                continue
            try:
                digest = hash_token(token)
            except (TypeError, ValueError):
                break
            if compare_digest(digest, auth_token.digest):
                if knox_settings.AUTO_REFRESH and auth_token.expiry:
                    self.renew_token(auth_token)
                return self.validate_user(auth_token)
        raise exceptions.AuthenticationFailed(_("Invalid token."))

    def _cleanup_token(self, auth_token) -> bool:
        if auth_token.expiry is None or auth_token.expiry >= timezone.now():
            return False
        auth_token.delete()
        return True

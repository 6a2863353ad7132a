"""How other systems authenticate: a token (django-rest-knox), checked without knox's sweep of the user's
other tokens. A module of its own, as the REST framework's settings name the class: importing the token
views from there would import the REST framework's views while they read those settings."""

from django.utils import timezone
from knox.auth import TokenAuthentication


class ExpiringTokenAuthentication(TokenAuthentication):
    """knox's token authentication, without its sweep: knox reads every token of the user on every
    request to delete the expired ones, a cost that grows with each token the user ever got. Here only
    the token presented is checked (refused, and deleted, once expired); the expired tokens of everyone
    are deleted whenever a token is handed out (TokenView.post)."""

    def _cleanup_token(self, auth_token) -> bool:
        if auth_token.expiry is None or auth_token.expiry >= timezone.now():
            return False
        auth_token.delete()
        return True

"""API tokens (django-rest-knox), without knox's housekeeping on every request.

knox's TokenAuthentication reads all of the user's tokens on every request to delete the
expired ones among them: one more query per API call, whatever the call. Here a request
checks only its own token (an expired one is refused and deleted, as knox does); the others
are deleted by the daily `api.purge_expired_tokens` task. Nothing else changes: the token
is found by its key prefix and compared by digest in constant time, and an inactive user is
refused.
"""

from __future__ import annotations

from django.utils import timezone
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from knox.signals import token_expired


class TokenAuthentication(KnoxTokenAuthentication):
    def _cleanup_token(self, auth_token) -> bool:
        if auth_token.expiry is not None and auth_token.expiry < timezone.now():
            username = auth_token.user.get_username()
            auth_token.delete()
            token_expired.send(sender=self.__class__, username=username, source="auth_token")
            return True
        return False

"""API tokens (django-rest-knox), at the cost of one plain query per request.

knox's TokenAuthentication reads all of the user's tokens on every request to delete the
expired ones among them, and builds its own look-up with the ORM each time: two queries and
about 0.6 ms of CPU per API call, whatever the call (bench/request_cost.py). Here a request
reads the tokens with its key prefix and their user in one fixed SQL statement, and checks
only its own token's expiry (an expired one is refused and deleted, as knox does); the
others are deleted by the daily `api.purge_expired_tokens` task. Nothing else changes: the
token is compared by digest in constant time, and an inactive user is refused.
"""

from __future__ import annotations

import binascii
import functools
from hmac import compare_digest

from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from knox.crypto import hash_token
from knox.models import get_token_model
from knox.settings import CONSTANTS, knox_settings
from knox.signals import token_expired
from rest_framework import exceptions


class TokenAuthentication(KnoxTokenAuthentication):
    def authenticate_credentials(self, token: bytes):
        message = _("Invalid token.")
        token = token.decode("utf-8")
        for auth_token in tokens_with_their_users(token[: CONSTANTS.TOKEN_KEY_LENGTH]):
            if self._cleanup_token(auth_token):
                continue
            try:
                digest = hash_token(token)
            except (TypeError, binascii.Error):
                raise exceptions.AuthenticationFailed(message) from None
            if compare_digest(digest, auth_token.digest):
                if knox_settings.AUTO_REFRESH and auth_token.expiry:
                    self.renew_token(auth_token)
                return self.validate_user(auth_token)
        raise exceptions.AuthenticationFailed(message)

    def _cleanup_token(self, auth_token) -> bool:
        if auth_token.expiry is not None and auth_token.expiry < timezone.now():
            username = auth_token.user.get_username()
            auth_token.delete()
            token_expired.send(sender=self.__class__, username=username, source="auth_token")
            return True
        return False


def tokens_with_their_users(token_key: str) -> list:
    """The tokens with this key prefix, each with its user loaded (one query)."""
    sql, token_fields, user_fields = _statement()
    with connection.cursor() as cursor:
        cursor.execute(sql, [token_key])
        rows = cursor.fetchall()
    tokens = []
    split = len(token_fields)
    for row in rows:
        auth_token = _instance(token_fields, row[:split])
        auth_token.user = _instance(user_fields, row[split:])
        tokens.append(auth_token)
    return tokens


def _instance(fields, values):
    """A model instance from a row, its values converted as the ORM converts them."""
    model = fields[0].model
    converted = []
    for field, value in zip(fields, values, strict=True):
        column, converters = _converters(field)
        for converter in converters:
            value = converter(value, column, connection)
        converted.append(value)
    return model.from_db(connection.alias, [field.attname for field in fields], converted)


@functools.cache
def _converters(field) -> tuple:
    column = field.get_col(field.model._meta.db_table)
    return column, tuple(connection.ops.get_db_converters(column) + column.get_db_converters(connection))


@functools.cache
def _statement() -> tuple[str, list, list]:
    token_model, user_model = get_token_model(), get_user_model()
    token_fields, user_fields = list(token_model._meta.concrete_fields), list(user_model._meta.concrete_fields)
    quote = connection.ops.quote_name
    columns = [f"t.{quote(f.column)}" for f in token_fields] + [f"u.{quote(f.column)}" for f in user_fields]
    user_key = token_model._meta.get_field("user").column
    sql = (
        f"SELECT {', '.join(columns)} FROM {quote(token_model._meta.db_table)} t "  # noqa: S608 - names from the models
        f"JOIN {quote(user_model._meta.db_table)} u ON u.{quote(user_model._meta.pk.column)} = t.{quote(user_key)} "
        f"WHERE t.{quote(token_model._meta.get_field('token_key').column)} = %s"
    )
    return sql, token_fields, user_fields

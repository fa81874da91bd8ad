"""A request checks its own token only; the expired tokens of others go daily (issue 16:
one query less per API call than knox's own housekeeping)."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from api.tasks import purge_expired_tokens
from staff.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _client(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def test_a_request_reads_its_token_and_the_viewer_only():
    user = UserFactory()
    _, token = AuthToken.objects.create(user=user)
    AuthToken.objects.create(user=user, expiry=datetime.timedelta(seconds=-1))
    with CaptureQueriesContext(connection) as queries:
        assert _client(token).get("/api/v1/me/").status_code == 200
    assert len(queries) == 2  # the token with its user, and the Viewer
    assert AuthToken.objects.filter(user=user).count() == 2  # the other's expiry is the task's


def test_an_expired_token_is_refused_and_deleted():
    user = UserFactory()
    instance, token = AuthToken.objects.create(user=user)
    AuthToken.objects.filter(pk=instance.pk).update(expiry=timezone.now() - datetime.timedelta(seconds=1))
    assert _client(token).get("/api/v1/me/").status_code == 401
    assert not AuthToken.objects.filter(pk=instance.pk).exists()


def test_the_daily_task_deletes_the_expired_tokens_and_keeps_the_live_ones():
    user = UserFactory()
    live, _ = AuthToken.objects.create(user=user)
    AuthToken.objects.create(user=user, expiry=datetime.timedelta(seconds=-1))
    AuthToken.objects.create(user=UserFactory(), expiry=datetime.timedelta(seconds=-5))
    assert purge_expired_tokens() == 2
    assert list(AuthToken.objects.values_list("pk", flat=True)) == [live.pk]

"""Answers that may carry personal data are never stored by a cache (issue 13, finding 11)."""

from __future__ import annotations

import pytest
from django.test import Client
from knox.models import AuthToken

from allocation.tests.factories import open_case
from staff.tests.factories import CaseworkerFactory

pytestmark = pytest.mark.django_db


def test_the_caseload_the_case_page_and_a_citizen_in_the_api_are_not_cacheable():
    worker = CaseworkerFactory()
    case = open_case(team=worker.team)
    assert case.caseworker_id == worker.pk
    client = Client()
    client.force_login(worker.user)
    token = AuthToken.objects.create(user=worker.user)[1]

    answers = [
        client.get("/"),
        client.get(f"/cases/{case.pk}/"),
        Client().get(f"/api/v1/citizens/{case.citizen_id}/", HTTP_AUTHORIZATION=f"Token {token}"),
        Client().get(f"/api/v1/cases/{case.pk}/", HTTP_AUTHORIZATION=f"Token {token}"),
    ]

    for response in answers:
        assert response.status_code == 200, response
        assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]

"""Finding 8 of the security review: dates at the edge of the calendar are a 400 with a message
on the date field, never a 500 (an OverflowError once), on every report endpoint and page."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from .test_api import ENDPOINTS

pytestmark = pytest.mark.django_db

EXTREMES = [
    {"date_to": "0001-01-02"},
    {"date_from": "0001-01-01", "date_to": "0001-12-31"},
    {"date_from": "9999-12-01", "date_to": "9999-12-31"},
    {"date_to": "9999-12-31"},
]
DATED = [endpoint for endpoint in ENDPOINTS if endpoint != "trials"]
PAGES = ["caseloads", "exits", "contacts", "key_figures", "capacity"]


@pytest.mark.parametrize("params", EXTREMES)
@pytest.mark.parametrize("endpoint", DATED)
def test_every_report_endpoint_refuses_extreme_dates_with_a_400(snapshots, endpoint, params):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(snapshots.admin)
    response = client.get(f"/api/v1/reports/{endpoint}/", params)
    assert response.status_code == 400
    body = response.json()
    assert set(body) & {"date_from", "date_to"}
    assert all(isinstance(message, str) and message for messages in body.values() for message in messages)


@pytest.mark.parametrize("params", EXTREMES)
@pytest.mark.parametrize("page", PAGES)
def test_every_report_page_refuses_extreme_dates_with_a_400(client, snapshots, page, params):
    client.force_login(snapshots.admin)
    response = client.get(reverse(f"reports:{page}"), params)
    assert response.status_code == 400
    assert "2999-12-31" in response.text  # the field says which dates it takes
    export = client.get(reverse(f"reports:{page}"), {**params, "export": "csv"})
    assert export.status_code == 400


@pytest.mark.parametrize("params", [{"date_from": "2026-01-01", "date_to": "2026-03-31"}])
def test_ordinary_dates_still_answer(snapshots, params):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(snapshots.admin)
    for endpoint in DATED:
        assert client.get(f"/api/v1/reports/{endpoint}/", params).status_code == 200

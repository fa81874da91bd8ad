"""Django admin of allocation's records: assignments, alerts and snapshots are read-only.

The admins of caseworkers, policies and cases live with their models; their tests are in
`staff/tests/test_admin_caseworkers.py` and `cases/tests/test_admin_cases.py`, and the
whole site's in `jobcenter/tests/test_admin_site.py`.
"""

import datetime

import pytest

from allocation.models import Alert, AlertKind, CaseloadSnapshot
from allocation.tests.factories import open_case
from staff.tests.factories import CaseworkerFactory, TeamFactory
from staff.tests.test_admin import admin_url, english  # noqa: F401

pytestmark = pytest.mark.django_db


def test_records_the_system_keeps_are_read_only(admin_client):
    team = TeamFactory()
    caseworker = CaseworkerFactory(team=team)
    records = [
        open_case(team=team).assignments.get(),
        Alert.objects.create(kind=AlertKind.TEAM_OVER_CAPACITY, team=team, message="Team over capacity"),
        CaseloadSnapshot.objects.create(
            date=datetime.date(2026, 1, 5), team=team, caseworker=caseworker, open_cases=1, cap=2, fte=1
        ),
    ]
    for record in records:
        model = type(record)
        change = admin_client.get(admin_url(model, "change", record.pk))
        assert change.status_code == 200 and not change.context["has_change_permission"], model
        assert admin_client.get(admin_url(model, "add")).status_code == 403, model
        assert admin_client.post(admin_url(model, "delete", record.pk), {"post": "yes"}).status_code == 403
        assert model.objects.filter(pk=record.pk).exists()

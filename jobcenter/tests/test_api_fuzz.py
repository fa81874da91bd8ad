"""Arbitrary JSON at every write endpoint, as an administrator and as a team leader: never a
500, and a rejected request (4xx) leaves the data exactly as it was.

Bodies are any JSON value (hypothesis' recursive strategy), and dicts shaped like the
API's own fields, with values that are sometimes right (existing ids, known choices,
decimals as strings) and often wrong. Every write endpoint of the URL configuration must
be listed here; a new one without fuzzing fails `test_every_write_endpoint_is_fuzzed`.
"""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from allocation.models import Alert, CaseAssignment
from api.tests.conftest import client_for
from api.tests.conftest import world as world  # noqa: F401  (fixture)
from cases.models import Case, Citizen, CitizenAccess
from casework import services as casework_services
from casework.models import ContactRule, JournalEntry, Meeting
from jobcenter.tests.routes import api_routes, methods
from staff.models import CaseloadPolicy, Caseworker, Jobcenter, Team

pytestmark = pytest.mark.django_db

MAX_EXAMPLES = 25

# The data a write may change; login bookkeeping (django-axes, tokens) is not among it.
TABLES = [Jobcenter, Team, Team.leaders.through, Caseworker, CaseloadPolicy, Citizen, Case, CaseAssignment, Alert]
TABLES += [JournalEntry, Meeting, ContactRule, CitizenAccess, get_user_model()]

# route name → {method: how the URL's object is found on team A's side}
WRITES: dict[str, dict[str, str | None]] = {
    "api:token": {"POST": None},
    "api:logout": {"POST": None},
    "api:logout_all": {"POST": None},
    "api:jobcenter-list": {"POST": None},
    "api:jobcenter-detail": {"PUT": "jobcenter", "PATCH": "jobcenter"},
    "api:team-list": {"POST": None},
    "api:team-detail": {"PUT": "team", "PATCH": "team"},
    "api:team-rebalance": {"POST": "team"},
    "api:caseworker-list": {"POST": None},
    "api:caseworker-detail": {"PATCH": "caseworker"},
    "api:policy-detail": {"PATCH": "policy"},
    "api:citizen-list": {"POST": None},
    "api:citizen-reveal-cpr": {"POST": "citizen"},
    "api:citizen-find-by-cpr": {"POST": None},
    "api:case-list": {"POST": None},
    "api:case-detail": {"PATCH": "case"},
    "api:case-reassign": {"POST": "case"},
    "api:case-close": {"POST": "case"},
    "api:case-journal-list": {"POST": "journal"},
    "api:meeting-list": {"POST": None},
    "api:meeting-held": {"POST": "meeting"},
    "api:meeting-no-show": {"POST": "meeting"},
    "api:meeting-cancel": {"POST": "meeting"},
    "api:contact-rule-detail": {"PATCH": "contact-rule"},
}

FIELDS = [
    "name",
    "municipality_code",
    "jobcenter",
    "unit_type",
    "leaders",
    "username",
    "full_name",
    "team",
    "role",
    "fte",
    "cap_override",
    "status",
    "accepting_new_cases",
    "email",
    "password",
    "cap",
    "cpr",
    "citizen",
    "programme",
    "target_group",
    "caseworker",
    "reason",
    "outcome",
    "apply",
    "include_on_leave",
    "spill_over",
    "purpose",
    "kind",
    "text",
    "corrects",
    "case",
    "starts_at",
    "duration_minutes",
    "channel",
    "location",
    "first_within_days",
    "first_period_days",
    "first_period_meetings",
    "then_every_days",
]
CHOICES = ["standard", "flere_skal_med", "psychiatric", "trial", "business_consultant", "active", "on_leave"]
CHOICES += ["jobparat", "aktivitetsparat", "job", "education", "moved", "other", "101", "999"]
CHOICES += [
    "note",
    "decision",
    "jobsamtale",
    "in_person",
    "video",
    "2031-03-03T10:00:00+01:00",
    "9999-12-31T23:59:59-12:00",
]

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=30)
)
json_values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)
plausible = (
    st.integers(min_value=-1, max_value=12)
    | st.sampled_from(CHOICES)
    | st.decimals(min_value=-2, max_value=2, places=2, allow_nan=False).map(str)
    | st.sampled_from(["010190-1234", "0101901234", "310299-1234", "010125-4321", "x" * 600, "", " "])
    | st.lists(st.integers(min_value=0, max_value=12), max_size=3)
)
field_shaped = st.dictionaries(st.sampled_from(FIELDS), plausible | json_values, max_size=6)
bodies = json_values | field_shaped


def _snapshot() -> str:
    digest = hashlib.sha256()
    for model in TABLES:
        rows = list(model.objects.order_by("pk").values())
        digest.update(f"{model._meta.label}:{len(rows)}:".encode())
        digest.update(json.dumps(rows, default=str, sort_keys=True).encode())
    return digest.hexdigest()


def _url(world, name: str, what: str | None) -> str:
    from django.urls import reverse

    if what is None:
        return reverse(name)
    if what == "policy":
        return reverse(name, kwargs={"role": "standard"})
    if what == "contact-rule":
        return reverse(name, kwargs={"programme": "flere_skal_med"})
    if what == "journal":
        return reverse(name, kwargs={"case_id": world.a.case.pk})
    if what == "meeting":
        meeting = casework_services.meeting_book(
            case=world.a.case, starts_at=timezone.now() - timedelta(hours=1), kind="jobsamtale", channel="phone"
        )
        return reverse(name, kwargs={"pk": meeting.pk})
    obj = {"jobcenter": world.a.jobcenter, "team": world.a.team, "caseworker": world.a.caseworker}.get(what)
    obj = obj or {"citizen": world.a.citizen, "case": world.a.case}[what]
    return reverse(name, kwargs={"pk": obj.pk})


def test_every_write_endpoint_is_fuzzed():
    routes = api_routes()
    writes = {
        name: sorted(m for m in methods(pattern) if m in {"POST", "PUT", "PATCH"}) for name, pattern in routes.items()
    }
    writes = {name: methods for name, methods in writes.items() if methods}
    assert writes == {name: sorted(methods) for name, methods in WRITES.items()}


@pytest.mark.parametrize("role", ["admin", "leader"])
@pytest.mark.parametrize(("name", "method"), [(n, m) for n, ms in sorted(WRITES.items()) for m in sorted(ms)])
def test_arbitrary_json_never_breaks_a_write_endpoint(world, name, method, role):
    client = client_for(world.admin if role == "admin" else world.a.leader)
    url = _url(world, name, WRITES[name][method])

    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(body=bodies)
    def attempt(body):
        before = _snapshot()
        with transaction.atomic():  # a savepoint: a failed write cannot poison the test's transaction
            response = getattr(client, method.lower())(url, json.dumps(body), content_type="application/json")
        assert response.status_code < 500, (method, url, body, response.status_code, response.content[:500])
        if 400 <= response.status_code < 500:
            assert _snapshot() == before, (method, url, body, response.status_code, "rejected, yet data changed")

    attempt()

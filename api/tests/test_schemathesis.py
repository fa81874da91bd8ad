"""Property-based tests against the live schema, in-process (WSGI), as an administrator.

Two phases, each with the full set of checks (`CHECKS`): no 5xx; every status code and
content type documented; every body as its schema says; a schema-violating request refused
(negative_data_rejection, for reads as for writes); an operation that declares
authentication refuses a request without or with wrong credentials (ignored_auth).

- Per operation: generated requests, valid and invalid (schemathesis's coverage phase tries
  each wrong type, bound and missing field systematically). A path that names an object
  names one that exists (the `world`), so that writes are validated, not just 404.
- Stateful: chains of requests along the schema's OpenAPI links (api.schema.LINKS) and the
  links schemathesis infers from path parameters — a jobcenter, its team, a caseworker; a
  citizen, their case, its reassignment, closing and history.

Transactional, so that each request commits as in production (an intake refused by the
one-open-case constraint rolls back its own transaction, not the test's); deterministic
(derandomize); on SQLite locally and on PostgreSQL in CI.
"""

import itertools
import re
from datetime import timedelta

import pytest
import schemathesis
from django.core.management import call_command
from django.core.wsgi import get_wsgi_application
from django.utils import timezone
from hypothesis import HealthCheck, Phase, settings
from hypothesis.stateful import initialize
from knox.models import AuthToken
from schemathesis.checks import not_a_server_error
from schemathesis.core.parameters import ParameterLocation
from schemathesis.generation import GenerationMode
from schemathesis.generation.stateful.state_machine import StepOutput
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from casework import services as casework_services
from staff.models import DEFAULT_POLICY_CAPS, CaseloadPolicy
from staff.tests.factories import AdminFactory

from .conftest import World, _side

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
    ignored_auth,
]
MAX_EXAMPLES = 8  # fuzzed requests per operation, after the coverage phase's systematic ones
SCENARIOS, STEPS = 25, 10  # stateful: chains, and requests per chain

# Loaded at collection through the WSGI app, as a client would load it (serving the schema
# touches no database).
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())


@pytest.fixture
def admin_headers(world):
    return {"Authorization": f"Token {AuthToken.objects.create(user=world.admin)[1]}"}


@pytest.fixture
def casework(world) -> dict[str, int]:
    """A journal entry and a meeting that has started (held, no-show and cancel can answer 200)."""
    case = world.a.case
    entry = casework_services.journal_write(case=case, kind="note", text="Første samtale.", by=world.admin)
    meeting = casework_services.meeting_book(
        case=case, starts_at=timezone.now() - timedelta(hours=1), kind="jobsamtale", channel="in_person"
    )
    return {"journal": entry.pk, "meetings": meeting.pk}


def _existing_ids(world, casework) -> dict[str, int]:
    # The caseworker has held a case (a DELETE is a 409, so it stays for the next request).
    side = world.a
    return {
        "jobcenters": side.jobcenter.pk,
        "teams": side.team.pk,
        "caseworkers": side.caseworker.pk,
        "citizens": side.citizen.pk,
        "cases": side.case.pk,
        "alerts": side.alert.pk,
        **casework,
    }


def _name_existing_object(case, world, casework) -> None:
    parameters = case.path_parameters or {}
    if case.meta.is_negative_at(ParameterLocation.PATH) or not {"id", "case_id"} & set(parameters):
        return
    ids = _existing_ids(world, casework)
    if "case_id" in parameters:  # a case's journal: /cases/{case_id}/journal/{id}/
        parameters["case_id"] = ids["cases"]
        if "id" in parameters:
            parameters["id"] = ids["journal"]
        return
    resource = re.match(r"/api/v1/([\w-]+)/", case.path).group(1)
    if resource in ids:
        parameters["id"] = ids[resource]


@pytest.mark.django_db(transaction=True)
@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
    database=None,
)
def test_api_conforms_to_its_schema(case, world, casework, admin_headers):
    _name_existing_object(case, world, casework)
    case.call_and_validate(headers=admin_headers, checks=CHECKS)


def _fresh_world() -> World:
    """The database as the `world` fixture leaves it, again: every chain starts from the same
    state, so that the same choices give the same answers (Hypothesis replays prefixes of its
    choices, and a chain that found a jobcenter's code taken where it was free is "flaky")."""
    call_command("flush", interactive=False, verbosity=0)
    for role, cap in DEFAULT_POLICY_CAPS.items():
        CaseloadPolicy.objects.create(role=role, cap=cap)
    return World(admin=AdminFactory(username="admin"), a=_side("101", "A"), b=_side("102", "B"))


# The chains walk the operations that create and act on objects (every operation already
# had its own turn above); fewer rules, so that ten steps reach a case's closing.
CHAINED = schema.include(
    operation_id_regex=r"^(jobcenters_(list|create)|teams_(list|create|rebalance_create)|caseworkers_create"
    r"|citizens_(create|retrieve|reveal_cpr_create)|cases_(create|retrieve|close_create|reassign_create|history_list)"
    r"|cases_journal_(list|create)|cases_contact_plan_retrieve|meetings_(create|cancel_create))$"
)


Machine = CHAINED.as_state_machine()
REGISTERED = Machine.bundles["POST /api/v1/citizens/ -> 201"]


class Chains(Machine):
    def setup(self):
        self.world = _fresh_world()
        self.headers = {"Authorization": f"Token {AuthToken.objects.create(user=self.world.admin)[1]}"}
        # Valid CPR numbers (1 January 1990), fresh for every registration: a random string
        # is almost never one, and a chain needs a citizen to open a case for.
        self.cpr_serials = itertools.count(1000)

    @initialize(target=REGISTERED)
    def a_citizen_without_a_case(self):
        # Every chain may start from a registered citizen, as most of the API's days do.
        case = CHAINED["/api/v1/citizens/"]["POST"].Case(
            body={"cpr": "020290-1000", "name": "Chain Start", "jobcenter": self.world.a.jobcenter.pk},
            media_type="application/json",
        )
        self.recorder.record_case(case=case)
        response = self.call(case, headers=self.headers)
        self.after_call(response, case)
        assert response.status_code == 201, response.text
        return StepOutput(response, case)

    def before_call(self, case):
        if case.operation.path == "/api/v1/citizens/" and case.method == "POST" and isinstance(case.body, dict):
            if case.meta.generation.mode == GenerationMode.POSITIVE:
                case.body["cpr"] = f"010190-{next(self.cpr_serials):04d}"

    def get_call_kwargs(self, case):
        return {"headers": self.headers}

    def validate_response(self, response, case, additional_checks=None, **kwargs):
        case.validate_response(
            response, checks=CHECKS, headers=self.headers, transport_kwargs=kwargs, recorder=self.recorder
        )


@pytest.mark.django_db(transaction=True)
def test_api_conforms_in_chains_of_requests():
    Chains.run(
        settings=settings(
            max_examples=SCENARIOS,
            stateful_step_count=STEPS,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
            phases=[Phase.generate],
        )
    )

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

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, Phase, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.core.parameters import ParameterLocation
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
    ignored_auth,
]
MAX_EXAMPLES = 10  # fuzzed requests per operation, after the coverage phase's systematic ones
SCENARIOS, STEPS = 40, 8  # stateful: chains, and requests per chain

# Loaded at collection through the WSGI app, as a client would load it (serving the schema
# touches no database).
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())


@pytest.fixture
def admin_headers(world):
    return {"Authorization": f"Token {Token.objects.get_or_create(user=world.admin)[0].key}"}


def _existing_ids(world) -> dict[str, int]:
    # The caseworker has held a case (a DELETE is a 409, so it stays for the next request).
    side = world.a
    return {
        "jobcenters": side.jobcenter.pk,
        "teams": side.team.pk,
        "caseworkers": side.caseworker.pk,
        "citizens": side.citizen.pk,
        "cases": side.case.pk,
        "alerts": side.alert.pk,
    }


def _name_existing_object(case, world) -> None:
    if case.meta.is_negative_at(ParameterLocation.PATH) or "id" not in (case.path_parameters or {}):
        return
    resource = re.match(r"/api/v1/([\w-]+)/", case.path).group(1)
    if resource in (ids := _existing_ids(world)):
        case.path_parameters["id"] = ids[resource]


@pytest.mark.django_db(transaction=True)
@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
    database=None,
)
def test_api_conforms_to_its_schema(case, world, admin_headers):
    _name_existing_object(case, world)
    case.call_and_validate(headers=admin_headers, checks=CHECKS)


# Valid CPR numbers (1 January 1990, serials from 1000), fresh for every registration: a
# random string is almost never one, and a chain needs a citizen to open a case for.
_cpr_serials = itertools.count(1000)


class Chains(schema.as_state_machine()):
    headers: dict = {}

    def before_call(self, case):
        if case.operation.path == "/api/v1/citizens/" and case.method == "POST" and isinstance(case.body, dict):
            if case.meta.generation.mode == GenerationMode.POSITIVE:
                case.body["cpr"] = f"010190-{next(_cpr_serials) % 4000:04d}"

    def get_call_kwargs(self, case):
        return {"headers": self.headers}

    def validate_response(self, response, case, additional_checks=None, **kwargs):
        case.validate_response(
            response, checks=CHECKS, headers=self.headers, transport_kwargs=kwargs, recorder=self.recorder
        )


@pytest.mark.django_db(transaction=True)
def test_api_conforms_in_chains_of_requests(admin_headers):
    Chains.headers = admin_headers
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

"""Property-based tests against the live schema, in-process (WSGI), as an administrator.

Every operation of /api/schema/ gets generated requests (valid and invalid); the checks:
no 5xx, every response conforms to the schema, an operation that declares authentication
refuses a request without or with wrong credentials (ignored_auth), and a write refuses a
schema-violating request (negative_data_rejection). Transactional, so that each request
commits as in production (an intake refused by the one-open-case constraint rolls back its
own transaction, not the test's); it runs on SQLite locally and on PostgreSQL in CI.
"""

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import ignored_auth, negative_data_rejection, response_schema_conformance

MAX_EXAMPLES = 15
# Schema-violating bodies must be refused (negative_data_rejection). Reads are left out of
# that check on purpose: they follow DRF's lenient convention for query parameters (an
# unusable `page_size` falls back to the default page, an empty filter means "no filter"),
# which schemathesis counts as accepting invalid data although nothing is written or leaked.
WRITES = {"POST", "PUT", "PATCH"}


@pytest.fixture
def admin_token(world):
    return Token.objects.get_or_create(user=world.admin)[0].key


# Loaded at collection through the WSGI app, as a client would load it (serving the schema
# touches no database).
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())


@pytest.mark.django_db(transaction=True)
@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
    database=None,
)
def test_api_conforms_to_its_schema(case, admin_token):
    checks = [not_a_server_error, response_schema_conformance, ignored_auth]
    if case.method.upper() in WRITES:
        checks.append(negative_data_rejection)
    case.call_and_validate(headers={"Authorization": f"Token {admin_token}"}, checks=checks)

"""Property-based tests against the live schema, in-process (WSGI), as an administrator.

Every operation of /api/schema/ gets generated requests (valid and invalid); the checks:
no 5xx, and every response conforms to the schema. Transactional, so that each request
commits as in production (an intake refused by the one-open-case constraint rolls back its
own transaction, not the test's); it runs on SQLite locally and on PostgreSQL in CI.
"""

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

MAX_EXAMPLES = 15


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
    case.call_and_validate(
        headers={"Authorization": f"Token {admin_token}"},
        checks=[not_a_server_error, response_schema_conformance],
    )

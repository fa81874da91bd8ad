"""The access log's own INSERT names the model's table and columns."""

import pytest

from cases import access_log
from cases.models import AccessAction, CitizenAccess
from cases.tests.factories import CitizenFactory
from staff.tests.factories import AdminFactory


def test_the_statements_name_the_model_s_table_and_columns():
    columns = {f.column for f in CitizenAccess._meta.concrete_fields} - {"id"}
    for statement in (access_log._INSERT_MANY, access_log._INSERT_ONE):
        assert statement.startswith(f"INSERT INTO {CitizenAccess._meta.db_table} (")
        named = statement.split("(", 1)[1].split(")", 1)[0]
        assert {c.strip() for c in named.split(",")} == columns


@pytest.mark.django_db
def test_one_row_per_citizen_with_who_what_and_when():
    user, citizens = AdminFactory(), CitizenFactory.create_batch(3)
    ids = [c.pk for c in citizens]
    assert access_log.citizen_access_record(user=user, citizen_ids=ids + [ids[0], None], route="/x/", purpose="p") == 3
    rows = CitizenAccess.objects.order_by("citizen_id")
    assert [(r.citizen_id, r.user_id, r.action, r.route, r.purpose) for r in rows] == [
        (i, user.pk, AccessAction.VIEW, "/x/", "p") for i in sorted(ids)
    ]
    assert len({r.created_at for r in rows}) == 1 and rows[0].created_at is not None

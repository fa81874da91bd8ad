import pytest

from casework.models import ContactRule
from staff.tests.factories import AdminFactory

pytestmark = pytest.mark.django_db


def test_an_administrator_changes_a_programmes_contact_rule(client, settings):
    settings.ADMIN_REQUIRE_OTP = False
    client.force_login(AdminFactory())
    rule = ContactRule.objects.get(programme="psychiatric")
    url = f"/admin/casework/contactrule/{rule.pk}/change/"
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "programme": "psychiatric",
            "first_within_days": 3,
            "first_period_days": 90,
            "first_period_meetings": 6,
            "then_every_days": "",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    rule.refresh_from_db()
    assert (rule.first_within_days, rule.first_period_days, rule.first_period_meetings, rule.then_every_days) == (
        3,
        90,
        6,
        None,
    )


def test_a_rule_cannot_be_zero_meetings(client, settings):
    settings.ADMIN_REQUIRE_OTP = False
    client.force_login(AdminFactory())
    rule = ContactRule.objects.get(programme="standard")
    response = client.post(
        f"/admin/casework/contactrule/{rule.pk}/change/",
        {"programme": "standard", "first_within_days": 3, "first_period_days": 90, "first_period_meetings": 0},
    )
    assert response.status_code == 200
    rule.refresh_from_db()
    assert rule.first_period_meetings == 4

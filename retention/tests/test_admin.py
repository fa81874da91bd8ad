"""Retention in admin: administrators only; rules edited there; a list approved, an item
held with a reason and released, all through the services."""

import pytest
from django.conf import settings
from django.urls import reverse

from cases.models import Citizen
from retention.models import DeletionItem, DeletionList, ItemStatus, RecordKind, RetentionRule
from retention.proposal import deletion_list_propose
from retention.tasks import propose_deletions
from staff.tests.factories import UserFactory

from .factories import move_history_to_today, set_rules

pytestmark = pytest.mark.django_db

MODELS = ("retentionrule", "deletionlist", "deletionitem", "deletionrecord")


@pytest.fixture
def admin_client(client, world):
    client.force_login(world.admin)
    return client


def test_only_administrators_reach_retention_in_admin(client, world):
    # an administrator is a staff account (access.viewer); anyone else is sent to log in
    client.force_login(UserFactory(username="plain"))
    for model in MODELS:
        response = client.get(reverse(f"admin:retention_{model}_changelist"))
        assert response.status_code == 302 and "/login/" in response["Location"]


def test_administrators_see_every_page(admin_client):
    for model in MODELS:
        assert admin_client.get(reverse(f"admin:retention_{model}_changelist")).status_code == 200


def test_a_rule_is_set_in_admin_and_a_bad_one_refused(admin_client):
    rule = RetentionRule.objects.get(kind=RecordKind.CLOSED_CASE)
    url = reverse("admin:retention_retentionrule_change", args=[rule.pk])
    assert admin_client.post(url, {"years": "0"}).status_code == 200  # the form's error
    rule.refresh_from_db()
    assert rule.years is None
    admin_client.post(url, {"years": "5"})
    rule.refresh_from_db()
    assert rule.years == 5


def test_a_list_is_approved_and_an_item_held_with_a_reason(admin_client, world):
    set_rules(citizen=5)
    move_history_to_today()
    deletion_list = deletion_list_propose()
    kept = world.old[0].citizen
    item = DeletionItem.objects.get(kind=RecordKind.CITIZEN, object_id=kept.pk)
    url = reverse("admin:retention_deletionitem_change", args=[item.pk])
    # a hold without a reason is refused, with one it holds
    assert admin_client.post(url, {"held_reason": "  "}).status_code == 200
    item.refresh_from_db()
    assert item.status == ItemStatus.PROPOSED
    admin_client.post(url, {"held_reason": "Klage verserer"})
    item.refresh_from_db()
    assert (item.status, item.held_reason, item.decided_by) == (ItemStatus.HELD, "Klage verserer", world.admin)
    # approving the list deletes the rest; the held citizen stays
    response = admin_client.post(
        reverse("admin:retention_deletionlist_changelist"),
        {"action": "approve", "index": 0, "_selected_action": [deletion_list.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert list(Citizen.objects.filter(pk__in=[w.citizen.pk for w in world.old])) == [kept]
    # released in admin, and deleted by the item's own approval
    changelist = reverse("admin:retention_deletionitem_changelist")
    admin_client.post(changelist, {"action": "release", "index": 0, "_selected_action": [item.pk]})
    admin_client.post(changelist, {"action": "approve", "index": 0, "_selected_action": [item.pk]})
    assert not Citizen.objects.filter(pk=kept.pk).exists()


def test_the_nightly_proposal_is_scheduled_and_safe_to_run_twice(world):
    entry = settings.CELERY_BEAT_SCHEDULE["propose-deletions"]
    assert entry["task"] == propose_deletions.name == "retention.propose_deletions"
    assert propose_deletions() is None  # no rule set: nothing
    set_rules(closed_case=5)
    move_history_to_today()
    first = propose_deletions()
    assert first == DeletionList.objects.get().pk
    assert propose_deletions() is None

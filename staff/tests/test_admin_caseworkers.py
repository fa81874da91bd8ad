"""Django admin of caseworkers and caseload policies.

Every change that carries a rule goes through the services: the counters stay true (no
drift), capacity that appears drains the queue, and caps follow the policy. The admin is an
interface, so these tests open and queue cases through allocation as an administrator would
see them happen.
"""

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from allocation import services
from allocation.reconcile import caseload_drift
from allocation.tests.factories import open_case
from cases.models import Case, CaseStatus
from staff.models import CaseloadPolicy, Caseworker, CaseworkerStatus, Role, UnitType
from staff.tests.factories import CaseworkerFactory, TeamFactory
from staff.tests.test_admin import admin_url, english, form_data  # noqa: F401

pytestmark = pytest.mark.django_db
User = get_user_model()


# --- Caseworkers ------------------------------------------------------------------------------


def test_caseworker_created_in_admin_gets_a_login_and_an_effective_cap_and_takes_queued_cases(admin_client):
    team = TeamFactory(unit_type=UnitType.PSYCHIATRIC)
    waiting = open_case(team=team)
    assert waiting.status == CaseStatus.QUEUED
    data = form_data(admin_client.get(admin_url(Caseworker, "add") + f"?team={team.pk}"))
    assert data["team"] == str(team.pk)  # the team page's "add a caseworker" link preselects it
    data.update(
        username="mette",
        full_name="Mette Madsen",
        email="mette@kk.dk",
        password="Lærkevej-2018!",
        role="",
        fte="0.6",
    )

    response = admin_client.post(admin_url(Caseworker, "add"), data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    mette = Caseworker.objects.select_related("user").get(user__username="mette")
    assert mette.user.check_password("Lærkevej-2018!") and mette.user.email == "mette@kk.dk"
    assert (mette.role, mette.cap) == (Role.PSYCHIATRIC, 15)  # floor(25 × 0.6)
    waiting.refresh_from_db()
    assert (waiting.status, waiting.caseworker_id) == (CaseStatus.OPEN, mette.pk)
    assert mette.open_cases == 1 and caseload_drift() == []


def test_caseworker_created_without_password_has_an_unusable_login(admin_client):
    team = TeamFactory()
    data = form_data(admin_client.get(admin_url(Caseworker, "add")))
    data.update(username="lars", full_name="Lars Lund", team=str(team.pk), role=Role.BUSINESS_CONSULTANT, fte="1")

    assert admin_client.post(admin_url(Caseworker, "add"), data).status_code == 302
    lars = Caseworker.objects.get(user__username="lars")
    assert not lars.user.has_usable_password()
    assert (lars.role, lars.cap) == (Role.BUSINESS_CONSULTANT, 50)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"username": "taken"}, "username"),
        ({"username": "TAKEN"}, "username"),
        ({"username": "has space"}, "username"),
        ({"fte": "0"}, "fte"),
        ({"fte": "1.5"}, "fte"),
        ({"fte": "0.333"}, "fte"),
        ({"cap_override": "-1"}, "cap_override"),
        ({"password": "123"}, "password"),
        ({"role": "boss"}, "role"),
    ],
)
def test_caseworker_add_form_refuses_bad_input_without_a_500(admin_client, changes, field):
    CaseworkerFactory(username="taken")
    team = TeamFactory()
    data = form_data(admin_client.get(admin_url(Caseworker, "add")))
    data.update(username="new", full_name="New Person", team=str(team.pk), fte="1")
    data.update(changes)

    response = admin_client.post(admin_url(Caseworker, "add"), data)

    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    assert not User.objects.filter(username="new").exists()


def test_a_username_taken_between_form_and_save_is_a_message_not_a_500(admin_client, monkeypatch):
    CaseworkerFactory(username="taken")
    data = form_data(admin_client.get(admin_url(Caseworker, "add")))
    data.update(username="taken", full_name="Second Comer", team=str(TeamFactory().pk), fte="1")
    # The form's check ran before the other administrator saved: only the service sees it.
    monkeypatch.setattr("staff.admin.caseworkers.CaseworkerAddForm.clean", lambda form: form.cleaned_data)

    response = admin_client.post(admin_url(Caseworker, "add"), data, follow=True)

    assert response.status_code == 200
    assert "A login with this username already exists." in response.content.decode()
    assert not Caseworker.objects.filter(full_name="Second Comer").exists()


def test_raising_fte_in_admin_drains_the_queue(admin_client):
    team = TeamFactory()
    worker = CaseworkerFactory(team=team, fte=Decimal("0.03"))  # floor(45 × 0.03) = 1
    open_case(team=team)
    waiting = [open_case(team=team) for _ in range(2)]
    assert all(c.status == CaseStatus.QUEUED for c in waiting)
    data = form_data(admin_client.get(admin_url(Caseworker, "change", worker.pk)))
    data["fte"] = "0.07"  # floor(3.15) = 3

    response = admin_client.post(admin_url(Caseworker, "change", worker.pk), data, follow=True)

    assert response.status_code == 200
    worker.refresh_from_db()
    assert (worker.fte, worker.cap, worker.open_cases) == (Decimal("0.07"), 3, 3)
    assert all(Case.objects.get(pk=c.pk).caseworker_id == worker.pk for c in waiting)
    assert caseload_drift() == []
    assert "effective cap 3, 3 open cases" in response.content.decode()


def test_lowering_fte_leaves_cases_and_warns_that_the_caseworker_is_over_cap(admin_client):
    team = TeamFactory()
    worker = CaseworkerFactory(team=team, cap_override=3, full_name="Sanne Sørensen")
    for _ in range(3):
        open_case(team=team)
    data = form_data(admin_client.get(admin_url(Caseworker, "change", worker.pk)))
    data["cap_override"] = "1"

    response = admin_client.post(admin_url(Caseworker, "change", worker.pk), data, follow=True)

    worker.refresh_from_db()
    assert (worker.cap, worker.open_cases) == (1, 3)
    assert "Over cap" in response.content.decode()


def test_admin_cannot_write_the_counters(admin_client):
    team = TeamFactory()
    worker = CaseworkerFactory(team=team, cap_override=5)
    open_case(team=team)
    page = admin_client.get(admin_url(Caseworker, "change", worker.pk))
    assert {"cap", "open_cases", "user"}.isdisjoint(page.context["adminform"].form.fields)
    data = form_data(page)
    data.update(cap="99", open_cases="0", full_name="Renamed", email="new@kk.dk")

    assert admin_client.post(admin_url(Caseworker, "change", worker.pk), data).status_code == 302
    worker.refresh_from_db()
    assert (worker.full_name, worker.user.email, worker.cap, worker.open_cases) == ("Renamed", "new@kk.dk", 5, 1)


def _act(client, action: str, caseworkers) -> None:
    response = client.post(
        admin_url(Caseworker, "changelist"),
        {"action": action, "_selected_action": [c.pk for c in caseworkers]},
    )
    assert response.status_code == 302


def test_leave_and_accept_actions_go_through_the_service(admin_client):
    team = TeamFactory()
    a = CaseworkerFactory(team=team, cap_override=1)
    b = CaseworkerFactory(team=team, cap_override=1)

    _act(admin_client, "send_on_leave", [a, b])
    assert set(Caseworker.objects.values_list("status", flat=True)) == {CaseworkerStatus.ON_LEAVE}
    waiting = open_case(team=team)
    assert waiting.status == CaseStatus.QUEUED

    _act(admin_client, "back_from_leave", [a])  # capacity appears: the queue drains onto a
    waiting.refresh_from_db()
    assert (waiting.status, waiting.caseworker_id) == (CaseStatus.OPEN, a.pk)

    _act(admin_client, "back_from_leave", [b])
    _act(admin_client, "stop_new_cases", [b])
    assert not Caseworker.objects.get(pk=b.pk).accepting_new_cases
    second = open_case(team=team)
    assert second.status == CaseStatus.QUEUED

    _act(admin_client, "resume_new_cases", [b])  # and drains again, onto b
    second.refresh_from_db()
    assert (second.status, second.caseworker_id) == (CaseStatus.OPEN, b.pk)
    assert caseload_drift() == []
    # every change is in the admin's history of the caseworker
    from django.contrib.admin.models import LogEntry

    assert LogEntry.objects.filter(object_id=str(b.pk)).count() == 4


def test_caseworker_who_never_held_a_case_is_deleted_with_the_login_others_are_protected(admin_client):
    team = TeamFactory()
    veteran = CaseworkerFactory(team=team, cap_override=5)
    services.case_close(case=open_case(team=team), outcome="job")  # held once: history refers to them
    newcomer = CaseworkerFactory(team=team, username="newcomer")

    assert admin_client.post(admin_url(Caseworker, "delete", veteran.pk), {"post": "yes"}).status_code == 200
    assert Caseworker.objects.filter(pk=veteran.pk).exists()
    assert admin_client.post(admin_url(Caseworker, "delete", newcomer.pk), {"post": "yes"}).status_code == 302
    assert not Caseworker.objects.filter(pk=newcomer.pk).exists()
    assert not User.objects.filter(username="newcomer").exists()


def test_caseworker_list_filters_and_search(admin_client):
    team = TeamFactory()
    over = CaseworkerFactory(team=team, cap_override=2, full_name="Over Olsen", username="oo")
    open_case(team=team)
    open_case(team=team)
    CaseworkerFactory(team=team, cap_override=5, full_name="Room Rasmussen", username="rr")
    services.caseworker_update(caseworker=over, cap_override=1)

    def names(query):
        response = admin_client.get(admin_url(Caseworker, "changelist"), query)
        assert response.status_code == 200
        return [c.full_name for c in response.context["cl"].result_list]

    assert names({"over_cap": "yes"}) == ["Over Olsen"]
    assert names({"q": "rr"}) == ["Room Rasmussen"]
    assert names({"team__jobcenter__id__exact": team.jobcenter_id, "status__exact": "active"}) == [
        "Over Olsen",
        "Room Rasmussen",
    ]
    assert "1 / 1" not in admin_client.get(admin_url(Caseworker, "changelist")).content.decode()
    assert "2 / 1" in admin_client.get(admin_url(Caseworker, "changelist")).content.decode()


# --- Caseload policies ------------------------------------------------------------------------


def test_lowering_a_policy_cap_in_admin_recomputes_caps(admin_client):
    team = TeamFactory()
    full = CaseworkerFactory(team=team)
    half = CaseworkerFactory(team=team, fte=Decimal("0.5"))
    fixed = CaseworkerFactory(team=team, cap_override=7)
    policy = CaseloadPolicy.objects.get(role=Role.FLERE_SKAL_MED)
    data = form_data(admin_client.get(admin_url(CaseloadPolicy, "change", policy.pk)))
    data["cap"] = "30"

    assert admin_client.post(admin_url(CaseloadPolicy, "change", policy.pk), data).status_code == 302

    caps = dict(Caseworker.objects.values_list("pk", "cap"))
    assert (caps[full.pk], caps[half.pk], caps[fixed.pk]) == (30, 15, 7)
    assert CaseloadPolicy.objects.get(pk=policy.pk).cap == 30


def test_raising_a_policy_cap_from_the_list_drains_the_queue(admin_client):
    team = TeamFactory()
    worker = CaseworkerFactory(team=team, fte=Decimal("0.03"))  # cap 1
    open_case(team=team)
    waiting = open_case(team=team)
    page = admin_client.get(admin_url(CaseloadPolicy, "changelist"))
    formset = page.context["cl"].formset
    data = {"_save": "Save"}
    for name in formset.management_form.fields:
        data[formset.management_form.add_prefix(name)] = formset.management_form[name].value()
    for form in formset.forms:
        for name in form.fields:
            data[form.add_prefix(name)] = str(form[name].value())
        if form.instance.role == Role.FLERE_SKAL_MED:
            data[form.add_prefix("cap")] = "100"  # floor(100 × 0.03) = 3

    assert admin_client.post(admin_url(CaseloadPolicy, "changelist"), data).status_code == 302

    worker.refresh_from_db()
    waiting.refresh_from_db()
    assert (worker.cap, worker.open_cases, waiting.caseworker_id) == (3, 2, worker.pk)
    assert caseload_drift() == []


def test_policy_cap_must_not_be_negative_and_roles_are_fixed(admin_client):
    policy = CaseloadPolicy.objects.get(role=Role.PSYCHIATRIC)
    page = admin_client.get(admin_url(CaseloadPolicy, "change", policy.pk))
    assert "role" not in page.context["adminform"].form.fields
    data = form_data(page)
    data["cap"] = "-5"

    response = admin_client.post(admin_url(CaseloadPolicy, "change", policy.pk), data)

    assert response.status_code == 200 and "cap" in response.context["adminform"].form.errors
    assert CaseloadPolicy.objects.get(pk=policy.pk).cap == 25
    assert CaseloadPolicy.objects.count() == 5


def test_policies_are_never_deleted(admin_client):
    policy = CaseloadPolicy.objects.get(role=Role.FLERE_SKAL_MED)
    assert admin_client.post(admin_url(CaseloadPolicy, "delete", policy.pk), {"post": "yes"}).status_code == 403
    assert CaseloadPolicy.objects.filter(pk=policy.pk).exists()


def test_the_caseworker_and_policy_admins_speak_danish(admin_client, settings):
    # Their messages moved with them from allocation's catalogue to the project's.
    settings.LANGUAGE_CODE = "da"
    CaseworkerFactory()
    add = admin_client.get(admin_url(Caseworker, "add")).content.decode()
    assert "Lad feltet stå tomt for at sætte den senere" in add
    assert "Teamets enhedstype" in add
    changelist = admin_client.get(admin_url(Caseworker, "changelist")).content.decode()
    assert "Sæt som fraværende" in changelist and "Genoptag nye sager" in changelist
    policies = admin_client.get(admin_url(CaseloadPolicy, "changelist")).content.decode()
    assert "sagsbehandlere med denne rolle" in policies.lower()


def test_a_refusal_in_the_danish_admin_is_in_danish(admin_client, monkeypatch):
    # The review saw the Danish admin show a service's raw English message.
    CaseworkerFactory(username="taken")
    data = form_data(admin_client.get(admin_url(Caseworker, "add")))
    data.update(username="taken", full_name="Second Comer", team=str(TeamFactory().pk), fte="1")
    monkeypatch.setattr("staff.admin.caseworkers.CaseworkerAddForm.clean", lambda form: form.cleaned_data)

    response = admin_client.post(admin_url(Caseworker, "add"), data, follow=True, HTTP_ACCEPT_LANGUAGE="da")

    assert "Der findes allerede et login med dette brugernavn" in response.content.decode()

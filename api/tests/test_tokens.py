"""API tokens (issue 13, finding 7): they expire, their owner revokes them, they end with a
password change and a deactivation, and only their digest is stored. ASVS V3.5.2 (session
tokens, not static API keys), V3.3.1 and V3.3.4 (logout, and ending every session),
V3.3.2 (an absolute lifetime), V3.3.3 (sessions end after a password change)."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"
PASSWORD = "Lærke-vej-2026"


@pytest.fixture
def user(world):
    user = get_user_model().objects.get(pk=world.a.caseworker.user.pk)
    user.set_password(PASSWORD)
    user.save()
    return user


def _issue(username="cw_A", password=PASSWORD) -> str:
    response = APIClient().post(TOKEN_URL, {"username": username, "password": password}, format="json")
    assert response.status_code == 200, response.content
    return response.json()["token"]


def _with(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def _works(token: str) -> bool:
    status = _with(token).get("/api/v1/me/").status_code
    assert status in (200, 401), status
    return status == 200


def test_each_exchange_issues_a_new_token_that_expires_after_the_ttl(user, settings):
    assert settings.API_TOKEN_TTL_HOURS == 10
    before = timezone.now()
    response = APIClient().post(TOKEN_URL, {"username": "cw_A", "password": PASSWORD}, format="json")
    first, second = response.json()["token"], _issue()
    assert first != second and _works(first) and _works(second)
    expiry = datetime.datetime.fromisoformat(response.json()["expiry"])
    assert before + datetime.timedelta(hours=10) <= expiry <= timezone.now() + datetime.timedelta(hours=10)


def test_an_expired_token_is_refused(user):
    token = _issue()
    AuthToken.objects.update(expiry=timezone.now() - datetime.timedelta(seconds=1))
    assert not _works(token)


def test_use_does_not_extend_a_token(user):
    token = _issue()
    expiry = AuthToken.objects.get().expiry
    assert _works(token)
    assert AuthToken.objects.get().expiry == expiry


def test_the_database_keeps_only_a_digest(user):
    token = _issue()
    stored = AuthToken.objects.get()
    assert token not in {stored.digest, stored.token_key}
    assert len(stored.digest) == 128  # SHA-512


def test_logout_revokes_the_token_it_was_sent_with_and_no_other(user):
    laptop, phone = _issue(), _issue()
    assert _with(laptop).post("/api/v1/auth/logout/").status_code == 204
    assert not _works(laptop)
    assert _works(phone)


def test_logout_all_revokes_every_token_of_the_user_only(user, world):
    laptop, phone = _issue(), _issue()
    _, colleague = AuthToken.objects.create(user=world.a.leader)
    assert _with(laptop).post("/api/v1/auth/logout-all/").status_code == 204
    assert not _works(laptop) and not _works(phone)
    assert _works(colleague)


def test_logout_needs_a_token(user):
    assert APIClient().post("/api/v1/auth/logout/").status_code == 401
    assert APIClient().post("/api/v1/auth/logout-all/").status_code == 401


def test_a_password_change_through_set_password_ends_every_token(user):
    token = _issue()
    user.set_password("Ny-adgangskode-2026")
    user.save()
    assert not _works(token)


def test_a_password_change_on_the_page_ends_every_token(user):
    token = _issue()
    browser = Client()
    browser.force_login(user)
    new = "Ny-adgangskode-2026"
    response = browser.post(
        "/accounts/password_change/", {"old_password": PASSWORD, "new_password1": new, "new_password2": new}
    )
    assert response.status_code == 302, response.content
    assert not _works(token)


def test_saving_the_user_without_touching_the_password_keeps_the_tokens(user):
    token = _issue()
    user.first_name = "Anna"
    user.save()
    user.save(update_fields=["last_login"])
    assert _works(token)


def test_deactivating_the_account_ends_every_token(user):
    token = _issue()
    user.is_active = False
    user.save()
    assert not AuthToken.objects.filter(user=user).exists()
    user.is_active = True
    user.save()
    assert not _works(token)


def test_a_deactivation_that_bypasses_save_is_still_refused(user):
    token = _issue()
    get_user_model().objects.filter(pk=user.pk).update(is_active=False)
    assert not _works(token)


def test_becoming_an_administrator_ends_the_tokens_issued_before(user):
    token = _issue()
    user.is_staff = True
    user.save()
    assert not _works(token)


@pytest.mark.parametrize(
    "body",
    [
        {"username": 1, "password": PASSWORD},
        {"username": "cw_A", "password": 123},
        {"username": "cw_A", "password": PASSWORD, "otp_token": 123456},
        {"username": None, "password": PASSWORD},
    ],
)
def test_the_token_exchange_refuses_wrong_json_types(user, body):
    response = APIClient().post(TOKEN_URL, body, format="json")
    assert response.status_code == 400
    assert "token" not in response.json()


def test_a_password_set_in_admin_ends_every_token(user, world):
    token = _issue()
    browser = Client()
    browser.force_login(world.admin)
    new = "Ny-adgangskode-2026"
    response = browser.post(
        f"/admin/auth/user/{user.pk}/password/", {"password1": new, "password2": new, "usable_password": "true"}
    )
    assert response.status_code == 302, response.content
    assert not _works(token)


def test_admin_shows_who_holds_a_token_but_never_the_token_and_mints_none(user, world):
    token = _issue()
    stored = AuthToken.objects.get()
    browser = Client()
    browser.force_login(world.admin)
    listing = browser.get("/admin/knox/authtoken/")
    assert listing.status_code == 200
    page = listing.content.decode()
    assert "cw_A" in page
    # (the digest is the row's primary key, so it is in the row's links: a one-way hash of
    # 256 random bits, no use as a credential; the token and its leading characters are not)
    assert token not in page and stored.token_key not in page
    assert 'class="field-digest"' not in page
    assert browser.get("/admin/knox/authtoken/add/").status_code == 403

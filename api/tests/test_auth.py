import pytest
from django.contrib.auth import get_user_model
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client
from knox.models import AuthToken
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"


def test_token_for_good_credentials_and_it_authenticates(world, anonymous):
    response = anonymous.post(TOKEN_URL, {"username": "cw_A", "password": "pw"}, format="json")
    assert response.status_code == 200
    token = response.json()["token"]
    (stored,) = AuthToken.objects.filter(user=world.a.caseworker.user)
    assert stored.digest != token and token not in stored.digest  # only a digest is kept
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/me/").json()["caseworker"] == world.a.caseworker.pk


@pytest.mark.parametrize(
    "body",
    [
        {"username": "cw_A", "password": "wrong"},
        {"username": "nobody", "password": "pw"},
        {"username": "cw_A"},
        {},
        {"username": ["cw_A"], "password": {"x": 1}},
    ],
)
def test_wrong_or_missing_credentials_are_400(world, anonymous, body):
    response = anonymous.post(TOKEN_URL, body, format="json")
    assert response.status_code == 400
    assert "token" not in response.json()


def test_a_bad_token_is_401(world):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    assert client.get("/api/v1/me/").status_code == 401


def test_anonymous_me_is_401_with_a_token_challenge(anonymous):
    response = anonymous.get("/api/v1/me/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_me_for_each_role(world, as_admin, as_leader_a, as_caseworker_a):
    assert as_admin.get("/api/v1/me/").json() == {
        "id": world.admin.pk,
        "username": "admin",
        "is_admin": True,
        "caseworker": None,
        "teams_led": [],
    }
    assert as_leader_a.get("/api/v1/me/").json() == {
        "id": world.a.leader.pk,
        "username": "leader_A",
        "is_admin": False,
        "caseworker": None,
        "teams_led": [world.a.team.pk],
    }
    me = as_caseworker_a.get("/api/v1/me/").json()
    assert (me["caseworker"], me["teams_led"], me["is_admin"]) == (world.a.caseworker.pk, [], False)


def test_browser_session_works_and_writes_need_the_csrf_token(world):
    # given a browser signed in through the login form, with CSRF checks on as in production
    browser = Client(enforce_csrf_checks=True)
    # (read back: UserFactory leaves the password it set unsaved, and a session checks it)
    browser.force_login(get_user_model().objects.get(pk=world.a.leader.pk))
    assert browser.get("/api/v1/me/").json()["id"] == world.a.leader.pk
    body = {"cpr": "010190-1235", "name": "Ny Borger", "jobcenter": world.a.jobcenter.pk}
    # when it posts without the CSRF token: refused
    response = browser.post("/api/v1/citizens/", body, content_type="application/json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    # and with the token that the CSRF cookie carries, as the web UI sends it: accepted
    secret = _get_new_csrf_string()
    browser.cookies["csrftoken"] = secret
    response = browser.post("/api/v1/citizens/", body, content_type="application/json", headers={"X-CSRFToken": secret})
    assert response.status_code == 201, response.content


def test_token_clients_need_no_csrf_token(world):
    client = APIClient(enforce_csrf_checks=True)
    _, token = AuthToken.objects.create(user=world.a.leader)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    body = {"cpr": "010190-1235", "name": "Ny Borger", "jobcenter": world.a.jobcenter.pk}
    assert client.post("/api/v1/citizens/", body, format="json").status_code == 201

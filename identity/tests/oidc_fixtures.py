"""A real OpenID provider for the tests (node-oidc-provider, identity/tests/idp/oidc_provider.mjs).

`oidc_provider` starts node once per session on a free port in 47100-47199, with a client whose
redirect URIs point at pytest-django's live_server, and waits for its discovery document. The
accounts it knows are read from a JSON file on every login and every token or userinfo answer, so
a test changes a person's groups by writing the file (`OidcProvider.accounts = {...}`). Every login
and every ended session is written to an events file (`OidcProvider.events()`).

`oidc` is that provider for one test: the accounts and events emptied, and the settings of
SSO_OIDC_ENABLED with the provider's endpoints (from its discovery document) switched on.

Without node or the npm package oidc-provider (`npm ci`), the tests skip with the reason, and
fail instead where JOBCENTER_REQUIRE_ALL_BACKENDS=1 (CI).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

REPO = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).resolve().parent / "idp" / "oidc_provider.mjs"
PACKAGE = REPO / "node_modules" / "oidc-provider" / "package.json"
# Each xdist worker probes its own quarter of the range: two probing at once took the same port.
_WORKER = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0) % 4
PORTS = range(47100 + 25 * _WORKER, 47100 + 25 * _WORKER + 25)
CLIENT_ID = "jobcenter-test"
CLIENT_SECRET = "a-test-secret-of-the-jobcenter-client"
REQUIRE_ALL = os.environ.get("JOBCENTER_REQUIRE_ALL_BACKENDS") == "1"


def _missing() -> str | None:
    if shutil.which("node") is None:
        return "needs node (Node.js) for the OpenID provider of the OIDC tests (apt-get install nodejs)"
    if not PACKAGE.is_file():
        return f"needs the npm package oidc-provider at {PACKAGE.parent} (npm ci)"
    return None


def _free_port() -> int:
    for port in PORTS:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            if probe.connect_ex(("127.0.0.1", port)) != 0:
                return port
    raise RuntimeError("no free port in 47100-47199 for the OpenID provider")


@dataclass
class OidcProvider:
    issuer: str
    accounts_file: Path
    events_file: Path
    discovery: dict

    @property
    def accounts(self) -> dict:
        return json.loads(self.accounts_file.read_text(encoding="utf-8"))

    @accounts.setter
    def accounts(self, accounts: dict) -> None:
        self.accounts_file.write_text(json.dumps(accounts), encoding="utf-8")

    def set_account(self, sub: str, **claims) -> None:
        """Adds or changes one account: password "pw" and amr ["pwd"] unless given."""
        accounts = self.accounts
        accounts[sub] = {"password": "pw", "amr": ["pwd"], "preferred_username": sub, **claims}
        self.accounts = accounts

    def events(self, kind: str | None = None) -> list[dict]:
        lines = self.events_file.read_text(encoding="utf-8").splitlines() if self.events_file.exists() else []
        events = [json.loads(line) for line in lines if line.strip()]
        return [e for e in events if kind is None or e["event"] == kind]

    def reset(self) -> None:
        self.accounts = {}
        self.events_file.write_text("", encoding="utf-8")


@pytest.fixture(scope="session", name="oidc_provider")
def oidc_provider_fixture(live_server, tmp_path_factory):
    reason = _missing()
    if reason:
        if REQUIRE_ALL:
            pytest.fail(reason)
        pytest.skip(reason)
    folder = tmp_path_factory.mktemp("oidc-provider")
    port = _free_port()
    issuer = f"http://127.0.0.1:{port}"
    provider = OidcProvider(issuer, folder / "accounts.json", folder / "events.jsonl", {})
    provider.reset()
    env = {
        **os.environ,
        "OIDC_TEST_CLIENT_ID": CLIENT_ID,
        "OIDC_TEST_CLIENT_SECRET": CLIENT_SECRET,
        "OIDC_TEST_REDIRECT_URI": f"{live_server.url}/accounts/oidc/callback/",
        "OIDC_TEST_POST_LOGOUT_REDIRECT_URI": f"{live_server.url}/accounts/login/",
        "OIDC_TEST_ACCOUNTS": str(provider.accounts_file),
        "OIDC_TEST_EVENTS": str(provider.events_file),
        "NODE_PATH": str(REPO / "node_modules"),
    }
    log = (folder / "node.log").open("w")
    process = subprocess.Popen(
        ["node", str(SCRIPT), str(port)], cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the OpenID provider stopped: {(folder / 'node.log').read_text()}")
            try:
                answer = requests.get(f"{issuer}/.well-known/openid-configuration", timeout=1)
                if answer.status_code == 200:
                    provider.discovery = answer.json()
                    break
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the OpenID provider did not answer within 20 s")
            time.sleep(0.1)
        yield provider
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.fixture(name="oidc")
def oidc_fixture(oidc_provider, settings):
    """The provider for one test, and the app's settings pointing at it."""
    oidc_provider.reset()
    discovery = oidc_provider.discovery
    settings.SSO_OIDC_ENABLED = True
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = discovery["authorization_endpoint"]
    settings.OIDC_OP_TOKEN_ENDPOINT = discovery["token_endpoint"]
    settings.OIDC_OP_USER_ENDPOINT = discovery["userinfo_endpoint"]
    settings.OIDC_OP_JWKS_ENDPOINT = discovery["jwks_uri"]
    settings.OIDC_OP_END_SESSION_ENDPOINT = discovery["end_session_endpoint"]
    settings.AUTHENTICATION_BACKENDS = [*settings.AUTHENTICATION_BACKENDS, "identity.oidc.OIDCBackend"]
    return oidc_provider

"""The real SAML identity provider of the tests (saml_idp.py, pysaml2's own IdP) and an HTTP
walk through it: keys and certificates made at fixture time, never stored."""

from __future__ import annotations

import copy
import datetime
import errno
import html.parser
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

REQUIRE_ALL = os.environ.get("JOBCENTER_REQUIRE_ALL_BACKENDS") == "1"
IDP_SCRIPT = Path(__file__).with_name("saml_idp.py")
# Each xdist worker probes its own quarter of the range: two probing at once took the same port.
_WORKER = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0) % 4
PORTS = range(47200 + 25 * _WORKER, 47200 + 25 * _WORKER + 25)
MFA_ACR = "https://data.gov.dk/concept/core/nsis/loa/Substantial"
PASSWORD_ACR = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"


def key_and_certificate(directory: Path, name: str) -> tuple[str, str]:
    """A fresh RSA key and a self-signed certificate for it, as PEM files in `directory`."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=2))
        .sign(key, hashes.SHA256())
    )
    key_path, cert_path = directory / f"{name}.key", directory / f"{name}.crt"
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return str(key_path), str(cert_path)


def free_port(*, besides: set[int] = frozenset()) -> int:
    """A port of ours free on 127.0.0.1 and on ::1: "localhost" may be either, and a client
    tries ::1 first, so a stranger listening there would answer in the IdP's place."""
    for port in PORTS:
        if port not in besides and all(_bindable(family, address, port) for family, address in _LOOPBACKS):
            return port
    raise RuntimeError(f"no free port in {PORTS}")


_LOOPBACKS = [(socket.AF_INET, "127.0.0.1")] + ([(socket.AF_INET6, "::1")] if socket.has_ipv6 else [])


def _bindable(family: int, address: str, port: int) -> bool:
    with socket.socket(family) as probe:
        try:
            probe.bind((address, port))
        except OSError as error:
            return family == socket.AF_INET6 and error.errno == errno.EADDRNOTAVAIL  # no IPv6 loopback at all
        return True


@dataclass
class Idp:
    url: str
    login_file: Path

    def set_login(self, *, name_id: str, acr: str = PASSWORD_ACR, sign: bool = True, **attributes: list[str]) -> None:
        """Who the next login at the IdP is: the NameID, attributes (lists) and AuthnContextClassRef."""
        self.login_file.write_text(json.dumps({"name_id": name_id, "attributes": attributes, "acr": acr, "sign": sign}))


@pytest.fixture
def saml_idp(live_server, settings, tmp_path):
    """A running IdP that trusts this live_server, and the SP settings that trust the IdP."""
    if shutil.which("xmlsec1") is None:
        message = "needs xmlsec1 for SAML (apt-get install xmlsec1)"
        if REQUIRE_ALL:
            pytest.fail(message)
        pytest.skip(message)
    idp_key, idp_cert = key_and_certificate(tmp_path, "idp")
    sp_key, sp_cert = key_and_certificate(tmp_path, "sp")
    host = urllib.parse.urlsplit(live_server.url).hostname
    sp_base = f"{live_server.url}/accounts/saml/"
    login_file = tmp_path / "login.json"
    # The ports lie in the ephemeral range: between the probe and the IdP's bind, a client
    # connection may take the port as its own end. That start fails; the next port is tried.
    tried: set[int] = set()
    while True:
        port = free_port(besides=tried)
        tried.add(port)
        idp_url = f"http://{host}:{port}"
        process = _idp_start(
            port=port, host=host, key=idp_key, cert=idp_cert, sp_metadata=f"{sp_base}metadata/", login_file=login_file
        )
        if process is not None:
            break
    idp = Idp(url=idp_url, login_file=login_file)
    idp.set_login(name_id="nobody")

    config = copy.deepcopy(settings.SAML_CONFIG)
    config["entityid"] = sp_base + "metadata/"
    config["service"]["sp"]["endpoints"] = {
        "assertion_consumer_service": [(sp_base + "acs/", "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST")],
        "single_logout_service": [(sp_base + "ls/", "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect")],
    }
    config["service"]["sp"]["authn_requests_signed"] = True
    config["service"]["sp"]["logout_requests_signed"] = True
    config["metadata"] = {"remote": [{"url": f"{idp_url}/metadata", "cert": None}]}
    config.update(key_file=sp_key, cert_file=sp_cert, encryption_keypairs=[{"key_file": sp_key, "cert_file": sp_cert}])
    settings.SAML_CONFIG = config
    csp = copy.deepcopy(settings.CONTENT_SECURITY_POLICY)
    csp["DIRECTIVES"]["form-action"].append(idp_url)  # as base.py does with SAML_IDP_ORIGIN
    settings.CONTENT_SECURITY_POLICY = csp
    settings.SSO_SAML_ENABLED = True
    settings.SSO_MFA_ACR = [MFA_ACR]
    settings.AUTHENTICATION_BACKENDS = [*settings.AUTHENTICATION_BACKENDS, "identity.saml.SamlBackend"]
    # live_server is plain HTTP on one site with the IdP (127.0.0.1): Lax travels, None would need HTTPS.
    settings.SAML_SESSION_COOKIE_SAMESITE = "Lax"

    try:
        yield idp
    finally:
        process.terminate()
        process.wait(timeout=10)


def _idp_start(*, port: int, host: str, key: str, cert: str, sp_metadata: str, login_file: Path):
    """The IdP listening on `port`, or None when another socket took the port first."""
    process = subprocess.Popen(
        [
            sys.executable,
            str(IDP_SCRIPT),
            f"--port={port}",
            f"--host={host}",
            f"--key={key}",
            f"--cert={cert}",
            f"--sp-metadata-url={sp_metadata}",
            f"--login-file={login_file}",
        ],
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 20
    while True:
        try:
            with urllib.request.urlopen(f"http://{host}:{port}/metadata", timeout=1):  # noqa: S310 (local test URL)
                return process
        except (OSError, http.client.HTTPException):
            # Not listening yet. (Polling a port in the ephemeral range can even connect
            # the client to itself, which reads back its own request: also "not yet".)
            if process.poll() is not None:
                error = process.stderr.read()
                if "Address already in use" in error:
                    return None
                raise RuntimeError(f"the test IdP did not start: {error}") from None
            if time.monotonic() > deadline:
                process.kill()
                raise RuntimeError("the test IdP did not start: timeout") from None
            time.sleep(0.1)


class _Forms(html.parser.HTMLParser):
    """The forms of a page: [(action, {name: value})]."""

    def __init__(self):
        super().__init__()
        self.forms: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append((attrs.get("action", ""), {}))
        elif tag == "input" and self.forms and attrs.get("name"):
            self.forms[-1][1][attrs["name"]] = attrs.get("value", "")


def forms_of(page: str) -> list[tuple[str, dict[str, str]]]:
    parser = _Forms()
    parser.feed(page)
    return parser.forms


def saml_response_for(browser: requests.Session, live_server, idp: Idp, *, next_path: str = "/") -> tuple[str, dict]:
    """Start a login at the SP and sign in at the IdP: the IdP's HTTP-POST form (ACS, fields)."""
    login_page = browser.get(f"{live_server.url}/accounts/saml/login/", params={"next": next_path}, timeout=20)
    assert login_page.status_code == 200 and login_page.url.startswith(idp.url), (
        login_page.status_code,
        login_page.url,
    )
    action, fields = forms_of(login_page.text)[0]
    answer = browser.post(idp.url + action, data=fields, timeout=20)
    assert answer.status_code == 200, answer.text
    return forms_of(answer.text)[0]


def sso(browser: requests.Session, live_server, idp: Idp, *, next_path: str = "/") -> requests.Response:
    """A whole login; the ACS's answer (not followed)."""
    acs, fields = saml_response_for(browser, live_server, idp, next_path=next_path)
    return browser.post(acs, data=fields, allow_redirects=False, timeout=20)

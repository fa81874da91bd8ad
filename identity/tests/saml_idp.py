"""A real SAML 2.0 identity provider for the tests: pysaml2's own IdP (saml2.server.Server) over WSGI.

Run as a process of its own (the `saml_idp` fixture starts it):

    python identity/tests/saml_idp.py --port P --key K --cert C --sp-metadata-url URL --login-file F

It signs its assertions (and responses) with K/C, reads the service provider's metadata from
URL (the SP's own metadata view), and answers each login with the user that the JSON file F
describes *at that moment* (re-read per login), so that a test decides who logs in:

    {"name_id": "...", "attributes": {"uid": ["..."], "groups": ["..."]}, "acr": "...", "sign": true}

`sign: false` makes it send the same assertion unsigned, which the SP must refuse.

Endpoints: /metadata, /sso/redirect (HTTP-Redirect binding: shows a page with a button,
like a real IdP's login page), /sso/continue (the button: answers with an HTTP-POST form to
the SP's assertion consumer service), /slo/redirect (single logout, HTTP-Redirect binding).
"""

from __future__ import annotations

import argparse
import base64
import html
import json
import shutil
import sys
import tempfile
import urllib.parse
import urllib.request
from pathlib import Path
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT
from saml2.config import IdPConfig
from saml2.metadata import entity_descriptor
from saml2.saml import NAMEID_FORMAT_PERSISTENT, NameID
from saml2.server import Server


def idp_config(*, base: str, key: str, cert: str, sp_metadata: str | None) -> IdPConfig:
    config = {
        "entityid": f"{base}/metadata",
        "xmlsec_binary": shutil.which("xmlsec1"),
        "key_file": key,
        "cert_file": cert,
        "service": {
            "idp": {
                "name": "Test IdP",
                "endpoints": {
                    "single_sign_on_service": [(f"{base}/sso/redirect", BINDING_HTTP_REDIRECT)],
                    "single_logout_service": [(f"{base}/slo/redirect", BINDING_HTTP_REDIRECT)],
                },
                "name_id_format": [NAMEID_FORMAT_PERSISTENT],
                "policy": {"default": {"lifetime": {"minutes": 5}, "attribute_restrictions": None}},
            }
        },
    }
    if sp_metadata:
        config["metadata"] = {"local": [sp_metadata]}
    loaded = IdPConfig()
    loaded.load(config)
    return loaded


class App:
    def __init__(self, args):
        self.args = args
        self.base = f"http://{args.host}:{args.port}"
        self.metadata_xml = str(
            entity_descriptor(idp_config(base=self.base, key=args.key, cert=args.cert, sp_metadata=None))
        )
        self.workdir = Path(tempfile.mkdtemp(prefix="saml-idp-"))

    def server(self) -> Server:
        """A fresh Server with the SP's current metadata (fetched per login: the SP may restart)."""
        with urllib.request.urlopen(self.args.sp_metadata_url, timeout=10) as answer:  # noqa: S310 (test URL)
            sp_metadata = self.workdir / "sp.xml"
            sp_metadata.write_bytes(answer.read())
        config = idp_config(base=self.base, key=self.args.key, cert=self.args.cert, sp_metadata=str(sp_metadata))
        return Server(config=config)

    def __call__(self, environ, start_response):
        path = environ["PATH_INFO"]
        query = urllib.parse.parse_qs(environ.get("QUERY_STRING", ""))
        if environ["REQUEST_METHOD"] == "POST":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            form = urllib.parse.parse_qs(environ["wsgi.input"].read(length).decode())
        else:
            form = {}
        try:
            if path == "/metadata":
                return self.answer(start_response, self.metadata_xml, "application/samlmetadata+xml")
            if path == "/sso/redirect":
                return self.login_page(start_response, query)
            if path == "/sso/continue":
                return self.sso_continue(start_response, form)
            if path == "/slo/redirect":
                return self.single_logout(start_response, query)
        except Exception as error:  # the test reads the message; the IdP keeps serving
            return self.answer(start_response, f"IdP error: {error!r}", "text/plain", status="400 Bad Request")
        return self.answer(start_response, "not found", "text/plain", status="404 Not Found")

    @staticmethod
    def answer(start_response, body: str, content_type: str, *, status="200 OK", headers=()):
        data = body.encode()
        start_response(
            status, [("Content-Type", f"{content_type}; charset=utf-8"), ("Content-Length", str(len(data))), *headers]
        )
        return [data]

    def login_page(self, start_response, query):
        hidden = "".join(
            f'<input type="hidden" name="{name}" value="{html.escape(query[name][0])}">'
            for name in ("SAMLRequest", "RelayState")
            if name in query
        )
        who = json.loads(Path(self.args.login_file).read_text())["name_id"]
        body = (
            "<!doctype html><html lang='en'><head><title>Test IdP</title></head><body>"
            f"<h1>Test IdP</h1><p>Signing in as {html.escape(who)}</p>"
            f"<form method='post' action='/sso/continue'>{hidden}<button type='submit'>Sign in</button></form>"
            "</body></html>"
        )
        return self.answer(start_response, body, "text/html")

    def sso_continue(self, start_response, form):
        login = json.loads(Path(self.args.login_file).read_text())
        server = self.server()
        request = server.parse_authn_request(form["SAMLRequest"][0], BINDING_HTTP_REDIRECT)
        response_args = server.response_args(request.message, [BINDING_HTTP_POST])
        sign = login.get("sign", True)
        response = server.create_authn_response(
            identity=login["attributes"],
            userid=login["name_id"],
            name_id=NameID(format=NAMEID_FORMAT_PERSISTENT, text=login["name_id"]),
            authn={
                "class_ref": login.get("acr") or "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"
            },
            sign_assertion=sign,
            sign_response=sign,
            **response_args,
        )
        encoded = base64.b64encode(str(response).encode()).decode()
        relay_state = form.get("RelayState", [""])[0]
        body = (
            "<!doctype html><html lang='en'><head><title>Test IdP</title></head>"
            "<body onload='document.forms[0].submit()'>"
            f"<form method='post' action='{html.escape(response_args['destination'])}'>"
            f"<input type='hidden' name='SAMLResponse' value='{encoded}'>"
            f"<input type='hidden' name='RelayState' value='{html.escape(relay_state)}'>"
            "<button type='submit'>Continue</button></form></body></html>"
        )
        return self.answer(start_response, body, "text/html")

    def single_logout(self, start_response, query):
        server = self.server()
        request = server.parse_logout_request(query["SAMLRequest"][0], BINDING_HTTP_REDIRECT)
        response = server.create_logout_response(request.message, [BINDING_HTTP_REDIRECT])
        binding, destination = server.pick_binding(
            "single_logout_service", [BINDING_HTTP_REDIRECT], "spsso", entity_id=request.message.issuer.text
        )
        relay_state = query.get("RelayState", [""])[0]
        http_args = server.apply_binding(binding, str(response), destination, relay_state, response=True)
        location = dict(http_args["headers"])["Location"]
        return self.answer(start_response, "", "text/plain", status="302 Found", headers=[("Location", location)])


class ThreadingServer(ThreadingMixIn, WSGIServer):
    """One thread per request: the SP reads our metadata while we read its metadata."""

    daemon_threads = True


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 (the base class's name)
        sys.stderr.write("saml-idp: " + format % args + "\n")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    # The name in its URLs: the SP's host name, so that both are one site for the cookies.
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--key", required=True)
    parser.add_argument("--cert", required=True)
    parser.add_argument("--sp-metadata-url", required=True)
    parser.add_argument("--login-file", required=True)
    args = parser.parse_args()
    with make_server(
        "127.0.0.1", args.port, App(args), server_class=ThreadingServer, handler_class=QuietHandler
    ) as httpd:
        httpd.serve_forever()


if __name__ == "__main__":
    main()

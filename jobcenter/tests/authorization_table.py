"""The authorization table: for every route of the project outside the admin site, what each
role meets when it calls the route on team A's objects (test_authorization.py walks it).

Team A (jobcenter 101) and team B (jobcenter 102) are both Flere skal med units
(`api.tests.conftest.world`). The roles: nobody signed in; the caseworker holding A's case;
the leader of team A; a caseworker and a leader of team B, in another jobcenter; an
administrator. An answer is a status code, or for a list LISTS / HIDES: 200, with A's
object in it or not.

The scoping decisions, in words: an object a role may not see is a 404 (named in a request
body: the 400 of an id that does not exist); a visible object the role may not act on is a
403; anonymous pages send to the login page (302), the anonymous API answers 401.
"""

from __future__ import annotations

from dataclasses import dataclass

ROLES = ("anonymous", "caseworker", "leader", "caseworker_b", "leader_b", "admin")
LOGIN = 302  # anonymous on a page: redirected to the login page
NO_AUTH = 401  # anonymous on the API: "Authorization: Token" is asked for
LISTS, HIDES = "lists", "hides"


@dataclass(frozen=True)
class Row:
    """One way of calling a route: the method, the kind of A's object it is about (in its URL,
    its list, or its filter: "team-filter", "jobcenter-filter"), the answers, and a body."""

    method: str
    what: str | None
    answers: dict
    body: dict | None = None
    json: bool = False


def page(caseworker, leader, caseworker_b, leader_b, admin) -> dict:
    return dict(zip(ROLES, (LOGIN, caseworker, leader, caseworker_b, leader_b, admin), strict=True))


def api(caseworker, leader, caseworker_b, leader_b, admin) -> dict:
    return dict(zip(ROLES, (NO_AUTH, caseworker, leader, caseworker_b, leader_b, admin), strict=True))


def everyone(code) -> dict:
    return dict.fromkeys(ROLES, code)


# Columns, after anonymous:  caseworker, leader, caseworker_b, leader_b, admin
SCOPED = (200, 200, 404, 404, 200)  # a caseworker's own, a leader's team's
LEADERS = (404, 200, 404, 404, 200)  # team pages: its leaders and admins
ADMIN_WRITES = (403, 403, 404, 404, 200)  # visible to the role, written by admins only
ADMIN_CREATES = (403, 403, 403, 403, 201)  # nothing to see first: a 403 for all but admins
LISTED = (LISTS, LISTS, HIDES, HIDES, LISTS)
FIGURES = (404, 200, 404, 400, 200)  # reports: leaders (of their teams), admins; B's leader may not filter on A
ADMINS_ONLY = (404, 404, 404, 404, 200)
OWN = (200, 404, 200, 404, 404)  # a caseworker's own page: every caseworker has one, others none


def report_rows(answer) -> list[Row]:
    return [Row("GET", "team-filter", answer(*FIGURES)), Row("GET", "jobcenter-filter", answer(*FIGURES))]


TABLE: dict[str, list[Row]] = {
    # --- the web pages -------------------------------------------------------------------
    "web:home": [Row("GET", None, page(200, 302, 200, 302, 200))],  # a leader lands on their team
    "web:teams": [Row("GET", None, page(200, 200, 200, 200, 200))],  # only the teams one leads
    "web:team": [Row("GET", "team", page(*LEADERS))],
    "web:caseworker_toggle": [Row("POST", "team", page(404, 302, 404, 404, 302), {"accepting_new_cases": "false"})],
    "web:rebalance_preview": [Row("GET", "team", page(*LEADERS))],
    "web:rebalance_apply": [Row("POST", "team", page(404, 302, 404, 404, 302))],
    "web:case": [Row("GET", "case", page(*SCOPED))],
    "web:case_close": [Row("POST", "case", page(302, 302, 404, 404, 302), {"outcome": "job"})],
    "web:case_reassign": [
        Row("POST", "case", page(403, 302, 404, 404, 302), {"caseworker": "other", "reason": "leave"})
    ],
    "web:case_set_complexity": [Row("POST", "case", page(302, 302, 404, 404, 302), {"complexity": "simple"})],
    "web:case_reveal_cpr": [Row("POST", "case", page(*SCOPED), {"purpose": "Phone call"})],
    # the casework pages: whoever sees the case writes its journal and books and marks its meetings
    "web:journal_write": [Row("POST", "case", page(302, 302, 404, 404, 302), {"kind": "note", "text": "Samtale"})],
    "web:journal_correct": [
        Row("GET", "entry", page(*SCOPED)),
        Row("POST", "entry", page(302, 302, 404, 404, 302), {"kind": "note", "text": "Rettelse"}),
    ],
    "web:meeting_book": [
        Row(
            "POST",
            "case",
            page(302, 302, 404, 404, 302),
            {"date": "2030-01-07", "time": "10:00", "duration_minutes": "45", "kind": "jobsamtale", "channel": "phone"},
        )
    ],
    "web:meeting_status": [Row("POST", "meeting", page(302, 302, 404, 404, 302), {"status": "cancelled"})],
    # a caseworker's own pages: a login without a caseworker record has none (404)
    "web:caseload": [Row("GET", None, page(*OWN))],
    "web:calendar": [Row("GET", None, page(*OWN))],
    "web:calendar_feed_new": [Row("POST", None, page(*OWN))],  # the page, with the address shown once
    "web:calendar_feed_delete": [Row("POST", None, page(302, 404, 302, 404, 404))],
    "web:email_settings": [Row("GET", None, page(*OWN))],
    # no login (calendars subscribe to an address): the secret in it is the credential, and an
    # address that names no feed is a 404 for everyone (test_casework_pages tests a real one)
    "web:calendar_feed": [Row("GET", None, everyone(404))],
    "web:accessibility": [Row("GET", None, everyone(200))],  # the accessibility statement: public, no data
    # --- reports: figures about teams, never a row about a citizen -----------------------
    "reports:index": [Row("GET", None, page(404, 200, 404, 200, 200))],
    "reports:caseloads": report_rows(page),
    "reports:exits": report_rows(page),
    "reports:contacts": report_rows(page),
    "reports:key_figures": report_rows(page),
    "reports:capacity": report_rows(page),
    "reports:trial": [Row("GET", "trial", page(*ADMINS_ONLY))],  # trials span teams
    "reports-api:caseloads": report_rows(api),
    "reports-api:queue_waiting": report_rows(api),
    "reports-api:exits": report_rows(api),
    "reports-api:time_to_exit": report_rows(api),
    "reports-api:contacts": report_rows(api),
    "reports-api:key_figures": report_rows(api),
    "reports-api:capacity": report_rows(api),
    "reports-api:trials": [Row("GET", "trial", api(HIDES, HIDES, HIDES, HIDES, LISTS))],
    "reports-api:trial": [Row("GET", "trial", api(*ADMINS_ONLY))],
    # --- the API -------------------------------------------------------------------------
    "api:schema": [Row("GET", None, everyone(200))],  # describes, holds no data
    "api:docs": [Row("GET", None, everyone(200))],
    "api:token": [Row("POST", None, everyone(400), {"username": "nobody", "password": "x"}, json=True)],
    # They revoke the token a request is sent with: a session (as here) has none, so 401.
    "api:logout": [Row("POST", None, everyone(NO_AUTH))],
    "api:logout_all": [Row("POST", None, everyone(NO_AUTH))],
    "api:me": [Row("GET", None, api(200, 200, 200, 200, 200))],
    "api:jobcenter-list": [
        Row("GET", "jobcenter", api(*LISTED)),
        Row("POST", None, api(*ADMIN_CREATES), {"name": "Ny", "municipality_code": "555"}),
    ],
    "api:jobcenter-detail": [
        Row("GET", "jobcenter", api(*SCOPED)),
        Row("PATCH", "jobcenter", api(*ADMIN_WRITES), {"name": "Renamed"}, json=True),
    ],
    "api:team-list": [
        Row("GET", "team", api(HIDES, LISTS, HIDES, HIDES, LISTS)),  # a caseworker sees no team
        Row(
            "POST",
            "jobcenter",
            api(*ADMIN_CREATES),
            {"name": "Ny", "jobcenter": "jobcenter", "unit_type": "standard"},
            json=True,
        ),
    ],
    "api:team-detail": [
        Row("GET", "team", api(*LEADERS)),
        Row("PATCH", "team", api(404, 403, 404, 404, 200), {"name": "R"}, json=True),
    ],
    "api:team-rebalance": [Row("POST", "team", api(*LEADERS), {"apply": True}, json=True)],
    "api:caseworker-list": [
        Row("GET", "caseworker", api(*LISTED)),
        Row("POST", "team", api(*ADMIN_CREATES), {"username": "new", "full_name": "Ny", "team": "team"}, json=True),
    ],
    "api:caseworker-detail": [
        Row("GET", "caseworker", api(*SCOPED)),
        Row("PATCH", "caseworker", api(*ADMIN_WRITES), {"fte": 0.5}, json=True),
    ],
    "api:policy-list": [Row("GET", None, api(200, 200, 200, 200, 200))],  # the same for all
    "api:policy-detail": [
        Row("GET", "policy", api(200, 200, 200, 200, 200)),
        Row("PATCH", "policy", api(403, 403, 403, 403, 200), {"cap": 40}, json=True),
    ],
    "api:citizen-list": [
        Row("GET", "citizen", api(*LISTED)),
        # B's leader names a jobcenter they cannot see: the 400 of one that does not exist
        Row(
            "POST",
            "jobcenter",
            api(403, 201, 403, 400, 201),
            {"cpr": "new-cpr", "name": "Ny Borger", "jobcenter": "jobcenter"},
            json=True,
        ),
    ],
    "api:citizen-detail": [Row("GET", "citizen", api(*SCOPED))],
    "api:citizen-access-log": [Row("GET", "citizen", api(*ADMIN_WRITES))],  # reading it is for admins
    # A full number finds a citizen the role sees; anybody else's is the 404 of nobody.
    "api:citizen-find-by-cpr": [Row("POST", "citizen", api(*SCOPED), {"cpr": "citizen-cpr"}, json=True)],
    "api:citizen-reveal-cpr": [Row("POST", "citizen", api(*SCOPED), {"purpose": "Phone call"}, json=True)],
    "api:case-list": [
        Row("GET", "case", api(*LISTED)),
        # B's leader names a citizen they cannot see: the 400 of one that does not exist
        Row(
            "POST",
            "fresh-citizen",
            api(403, 201, 403, 400, 201),
            {"citizen": "fresh-citizen", "programme": "flere_skal_med"},
            json=True,
        ),
    ],
    "api:case-detail": [
        Row("GET", "case", api(*SCOPED)),
        # how demanding the case is: whoever may close it (its caseworker, its leaders, admins)
        Row("PATCH", "case", api(*SCOPED), {"complexity": "simple"}, json=True),
    ],
    "api:case-history": [Row("GET", "case", api(*SCOPED))],
    "api:case-close": [Row("POST", "case", api(*SCOPED), {"outcome": "job"}, json=True)],
    "api:case-reassign": [Row("POST", "case", api(403, 200, 404, 404, 200), {"caseworker": "other"}, json=True)],
    "api:alert-list": [Row("GET", "alert", api(HIDES, LISTS, HIDES, HIDES, LISTS))],
    "api:alert-detail": [Row("GET", "alert", api(*LEADERS))],
    # --- casework: whoever sees the case reads and writes its journal and meetings -------
    "api:case-journal-list": [
        Row("GET", "case", api(*SCOPED)),
        Row("POST", "case", api(201, 201, 404, 404, 201), {"kind": "note", "text": "Samtale."}, json=True),
    ],
    "api:case-journal-detail": [Row("GET", "journal-entry", api(*SCOPED))],
    "api:case-contact-plan": [Row("GET", "case", api(*SCOPED))],
    "api:meeting-list": [
        Row("GET", "meeting", api(*LISTED)),
        # A case named in the body that the role may not see: 404, as the contract has it for meetings
        Row(
            "POST",
            "case",
            api(201, 201, 404, 404, 201),
            {"case": "case", "starts_at": "2031-03-03T10:00:00+01:00", "kind": "jobsamtale", "channel": "phone"},
            json=True,
        ),
    ],
    "api:meeting-detail": [Row("GET", "meeting", api(*SCOPED))],
    "api:meeting-held": [Row("POST", "meeting", api(*SCOPED))],
    "api:meeting-no-show": [Row("POST", "meeting", api(*SCOPED))],
    "api:meeting-cancel": [Row("POST", "meeting", api(*SCOPED))],
    "api:contact-rule-list": [Row("GET", None, api(200, 200, 200, 200, 200))],  # the same for all
    "api:contact-rule-detail": [
        Row("GET", "contact-rule", api(200, 200, 200, 200, 200)),
        Row("PATCH", "contact-rule", api(403, 403, 403, 403, 200), {"first_within_days": 5}, json=True),
    ],
    "api:me_agenda": [Row("GET", None, api(200, 200, 200, 200, 200))],  # one's own day (empty for a non-caseworker)
    # --- signing in and out, language (no data; the password reset is public by design) --
    "login": [Row("GET", None, everyone(200))],
    "logout": [Row("POST", None, everyone(302))],
    "password_change": [Row("GET", None, page(200, 200, 200, 200, 200))],
    "password_change_done": [Row("GET", None, page(200, 200, 200, 200, 200))],
    "password_reset": [Row("GET", None, everyone(200))],
    "password_reset_done": [Row("GET", None, everyone(200))],
    "password_reset_confirm": [Row("GET", None, everyone(200))],  # an invalid link says so
    "password_reset_complete": [Row("GET", None, everyone(200))],
    "set_language": [Row("POST", None, everyone(302), {"language": "en"})],
    # --- SAML single sign-on: 404 while SSO_SAML_ENABLED is off, as in these tests; switched
    # on, identity/tests/test_saml.py walks them against a real identity provider.
    "identity:saml-login": [Row("GET", None, everyone(404))],
    "identity:saml-acs": [Row("POST", None, everyone(404))],
    "identity:saml-metadata": [Row("GET", None, everyone(404))],
    "identity:saml-logout": [Row("POST", None, everyone(404))],
    "identity:saml-ls": [Row("GET", None, everyone(404))],
    # --- single sign-on: OpenID Connect (off in the tests' settings: no such pages then; logging
    # out works for everyone, to the login page without an OIDC session) -------------------
    "identity:oidc-login": [Row("GET", None, everyone(404))],
    "identity:oidc-callback": [Row("GET", None, everyone(404))],
    "identity:oidc-logout": [Row("POST", None, everyone(302))],
    # the local code after single sign-on: for whoever owes none, back to the site
    "identity:second-factor": [Row("GET", None, page(302, 302, 302, 302, 302))],
    # --- operations (docs/operations.md): probes say only ok/unavailable, to anyone; the
    # metrics answer only a bearer token or an allowed address, whoever is signed in
    # (neither is configured here: a 404 for every role; test_metrics tests both ways in)
    "healthz": [Row("GET", None, everyone(200))],
    "readyz": [Row("GET", None, everyone(200))],
    "metrics": [Row("GET", None, everyone(404))],
}

"""The pages in a real browser: Debian's Chromium, headless, driven by Playwright's sync API.

No browser is downloaded: Playwright launches /usr/bin/chromium. Screenshots go to
./screenshots/ (git-ignored) so that a failing CI run can be looked at.
"""

import os
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from allocation import services
from staff.models import Caseworker

from .axe import axe_violations, describe, failing, outline
from .conftest import give_cases

# Playwright's sync API runs an event loop in this thread; Django refuses ORM calls from a
# thread with a running loop unless told that this is deliberate.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def chromium_browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def danish_page(chromium_browser):
    """A laptop-sized window of a Danish user."""
    from playwright.sync_api import expect

    context = chromium_browser.new_context(locale="da-DK", viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(10_000)
    # and the assertions wait as long as the actions do: the CI machine runs the browser beside
    # two test workers, and an answer that comes after 5 seconds there is slow, not wrong
    expect.set_options(timeout=10_000)
    yield page
    context.close()


def _shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def _log_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Brugernavn").fill(username)
    page.get_by_label("Adgangskode").fill("pw")
    page.get_by_role("button", name="Log ind").click()
    page.wait_for_load_state()


def test_caseworker_sees_their_citizens_and_count_against_cap(danish_page, live_server, office):
    from playwright.sync_api import expect

    cases = give_cases(office.anna, 3)
    page = danish_page
    _log_in(page, live_server, "anna")
    expect(page.get_by_role("heading", level=1)).to_have_text("Min dag")
    page.get_by_role("navigation", name="Hovedmenu").get_by_role("link", name="Min sagsstamme").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Min sagsstamme")
    expect(page.get_by_test_id("caseload-figure")).to_contain_text("3 / 45")
    table = page.locator("#caseload-table")
    for case in cases:
        expect(table).to_contain_text(case.citizen.name)
        expect(table).to_contain_text(case.citizen.cpr_masked)
    _shot(page, "caseworker-caseload")

    # the search narrows the list without a reload
    page.get_by_label("Søg på navn").fill(cases[1].citizen.name)
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(table).to_contain_text(cases[1].citizen.name)

    # a row leads to the case page, whose CPR is masked
    table.get_by_role("link", name=cases[1].citizen.name).click()
    expect(page.get_by_test_id("cpr")).to_have_text(cases[1].citizen.cpr_masked)
    _shot(page, "caseworker-case")

    # and the language switch turns the page English
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", name="Citizen")).to_be_visible()


def test_a_cpr_search_finds_the_citizen_and_leaves_no_number_in_the_address(danish_page, live_server, office):
    from playwright.sync_api import expect

    cases = give_cases(office.anna, 3)
    target = cases[2].citizen
    page = danish_page
    _log_in(page, live_server, "anna")
    page.goto(f"{live_server.url}/caseload/")
    addresses = []
    page.on("request", lambda request: addresses.append(request.url))
    table = page.locator("#caseload-table")

    # typed, as the search runs while one types, and submitted with Enter
    page.get_by_label("Søg på navn").fill(target.cpr)
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(table).to_contain_text(target.name)
    page.get_by_label("Søg på navn").press("Enter")
    expect(table.locator("tbody tr")).to_have_count(1)

    digits = target.cpr.replace("-", "")
    for address in [page.url, *addresses]:
        assert target.cpr not in address and digits not in address.replace("-", "").replace("%2D", "")
    history = page.evaluate("() => [window.location.href, history.length, JSON.stringify(localStorage)]")
    assert target.cpr not in str(history) and digits not in str(history)
    assert target.cpr not in page.content()

    # a sort link of the result carries no number: it sorts the whole caseload instead
    # (Enter sends a search and a submit; an answer to them still on its way when the sort is
    # clicked is dropped, so that it cannot undo the sort)
    with page.expect_response(lambda response: "sort=" in response.url and response.request.method == "GET"):
        table.locator("thead a").first.click()
    expect(table.locator("tbody tr")).to_have_count(3, timeout=15_000)
    assert target.cpr not in page.url and digits not in page.url


def test_caseworker_cannot_reach_the_team_board(danish_page, live_server, office):
    page = danish_page
    _log_in(page, live_server, "anna")
    response = page.goto(f"{live_server.url}/teams/{office.team.pk}/")
    assert response.status == 404
    _shot(page, "caseworker-team-board-404")


def test_leader_previews_and_applies_a_rebalance(danish_page, live_server, office):
    from playwright.sync_api import expect

    give_cases(office.anna, 5)
    services.caseworker_update(caseworker=office.anna, cap_override=2)
    page = danish_page
    _log_in(page, live_server, "leader")
    # a leader of one team lands on its board
    expect(page.get_by_role("heading", level=1)).to_have_text("Team Nord")
    anna_row = page.locator(f"#caseworker-{office.anna.pk}")
    bo_row = page.locator(f"#caseworker-{office.bo.pk}")
    expect(anna_row.locator(".load-numbers")).to_have_text("5 / 2")
    expect(anna_row.locator(".load")).to_have_attribute("data-level", "over")
    expect(anna_row).to_contain_text("Over loftet")
    expect(bo_row.locator(".load-numbers")).to_have_text("0 / 45")
    _shot(page, "leader-board-before")

    # a marker that a full page load would wipe out
    page.evaluate("window.__stillTheSamePage = true")
    page.get_by_role("button", name="Se flytningerne først").click()
    moves = page.locator("#rebalance-moves tbody tr")
    expect(moves).to_have_count(3)
    expect(page.locator("#rebalance-preview")).to_contain_text("3 sager ville blive flyttet.")
    assert Caseworker.objects.get(pk=office.anna.pk).open_cases == 5  # a preview changes nothing
    _shot(page, "leader-rebalance-preview")

    page.get_by_role("button", name="Gennemfør flytningerne").click()
    expect(anna_row.locator(".load-numbers")).to_have_text("2 / 2")
    expect(anna_row.locator(".load")).to_have_attribute("data-level", "near")
    expect(bo_row.locator(".load-numbers")).to_have_text("3 / 45")
    expect(page.locator("#messages")).to_contain_text("3 sager er flyttet.")
    assert page.evaluate("window.__stillTheSamePage") is True
    assert Caseworker.objects.get(pk=office.bo.pk).open_cases == 3
    _shot(page, "leader-board-after")


def test_leader_toggles_leave_with_the_keyboard(danish_page, live_server, office):
    from playwright.sync_api import expect

    page = danish_page
    _log_in(page, live_server, "leader")
    bo_row = page.locator(f"#caseworker-{office.bo.pk}")
    button = bo_row.get_by_role("button", name="Sæt som fraværende")
    button.focus()
    page.keyboard.press("Enter")
    expect(bo_row).to_contain_text("Fraværende")
    expect(bo_row.get_by_role("button", name="Tilbage fra fravær")).to_be_visible()
    assert Caseworker.objects.get(pk=office.bo.pk).status == "on_leave"


def test_leader_sets_a_cases_complexity_and_the_load_follows(danish_page, live_server, office):
    from decimal import Decimal

    from playwright.sync_api import expect

    from cases.models import Case

    services.policy_update(role=office.anna.role, weights={"very_complex": Decimal("1.5")})
    (case,) = give_cases(office.anna, 1)
    page = danish_page
    _log_in(page, live_server, "leader")
    page.goto(f"{live_server.url}{reverse('web:case', args=[case.pk])}")
    expect(page.get_by_test_id("complexity")).to_have_text("Kompleks")
    page.locator("#complexity-form").get_by_label("Kompleksitet").select_option("very_complex")
    page.get_by_role("button", name="Gem kompleksiteten").click()
    expect(page.get_by_test_id("complexity")).to_have_text("Meget kompleks")
    expect(page.get_by_text("Sagen er nu meget kompleks.")).to_be_visible()
    assert Case.objects.get(pk=case.pk).complexity == "very_complex"
    page.goto(f"{live_server.url}{reverse('web:team', args=[office.team.pk])}")
    expect(page.locator(f"#caseworker-{office.anna.pk}")).to_contain_text("1,5 / 45 (1 sag)")
    _shot(page, "leader-sets-complexity")


# --- Accessibility: axe-core on every page, for every role, in Danish and in English ---------


class Visit(NamedTuple):
    roles: tuple[str, ...]
    url: str  # a URL name ("web:team"), a path ("/no-such-page/") or "template:500.html" (see below)
    kwargs: (
        dict  # URL kwargs, each naming a figure of BusyOffice.url_kwargs ("team", "case", …); or a template's context
    )
    then: Callable | None  # what to do on the page before the check (submit a form, say)
    status: int  # what the page answers

    @property
    def template(self) -> str | None:
        """A page that no GET provokes on purpose (403, 500, 503): the template, rendered
        here and answered by the browser's request interception at a path of its own."""
        return self.url.removeprefix("template:") if self.url.startswith("template:") else None

    def path(self, figures: dict) -> str:
        if self.template:
            return f"/__template__/{self.template}"
        if self.url.startswith("/"):
            return self.url
        return reverse(self.url, kwargs={key: figures[name] for key, name in self.kwargs.items()})


def visit(roles, url: str, *, then: Callable | None = None, status: int = 200, **kwargs) -> Visit:
    return Visit((roles,) if isinstance(roles, str) else tuple(roles), url, kwargs, then, status)


def post_form(action_ends_with: str, **fields) -> Callable:
    """Fill a form's named fields and submit it as it is, past the browser's own checks (an
    empty required field then shows the server's error messages)."""

    def submit(page) -> None:
        with page.expect_navigation():
            page.evaluate(
                """([action, fields]) => {
                    const form = [...document.forms].find((f) => new URL(f.action).pathname.endsWith(action));
                    for (const [name, value] of Object.entries(fields)) form.elements[name].value = value;
                    form.submit();
                }""",
                [action_ends_with, fields],
            )

    submit.description = f"{action_ends_with} submitted " + (f"with {', '.join(fields)}" if fields else "empty")
    return submit


STAFF = ("caseworker", "leader", "admin")
LEADS = ("leader", "admin")
ANYONE = ("anonymous", *STAFF)
RESET_LINK = {"uidb64": "uid", "token": "token"}  # Anna's password-reset link

# Every page that the site has, for each role that reaches it. A new page is one line here.
A11Y_PAGES = [
    visit("anonymous", "login"),
    visit("anonymous", "login", then=post_form("/login/", username="nobody", password="wrong")),
    visit("anonymous", "password_reset"),
    visit("anonymous", "password_reset", then=post_form("/password_reset/", email="not an address")),
    visit("anonymous", "password_reset_done"),
    visit("anonymous", "password_reset_confirm", **RESET_LINK),
    visit("anonymous", "password_reset_confirm", **RESET_LINK, then=post_form("/set-password/", new_password1="x")),
    visit("anonymous", "/accounts/reset/MQ/not-a-token/"),  # an old or broken link
    visit("anonymous", "password_reset_complete"),
    visit(ANYONE, "/no-such-page/", status=404),
    visit(STAFF, "template:403.html", status=403),
    visit("anonymous", "template:registration/locked_out.html", status=429, message="For mange forsøg."),
    visit("anonymous", "template:registration/password_reset_limited.html", status=429, minutes=60),
    visit("anonymous", "template:registration/logged_out.html"),
    visit("caseworker", "template:web/no_role.html"),  # a login with no caseload and no team
    visit("anonymous", "template:500.html", status=500),
    visit("anonymous", "template:503.html", status=503),
    visit(ANYONE, "web:accessibility"),
    visit(STAFF, "web:home"),
    visit(STAFF, "password_change"),
    visit("caseworker", "password_change", then=post_form("/password_change/")),  # nothing filled in
    visit(STAFF, "password_change_done"),
    visit("caseworker", "web:team", team_id="team", status=404),
    visit(STAFF, "web:case", case_id="case"),
    visit(STAFF, "web:case", case_id="case", then=post_form("/reveal-cpr/")),  # the reason is missing
    visit(STAFF, "web:case", case_id="case", then=post_form("/reveal-cpr/", purpose="Partshøring")),
    visit(STAFF, "web:case", case_id="case", then=post_form("/close/")),  # no outcome chosen
    visit(STAFF, "web:case", case_id="case", then=post_form("/journal/", text=" ")),  # an empty note
    visit("caseworker", "web:caseload"),
    visit("caseworker", "web:calendar"),
    visit("caseworker", "web:email_settings"),
    visit(LEADS, "web:case", case_id="case", then=post_form("/reassign/")),  # no caseworker chosen
    visit(LEADS, "web:case", case_id="queued_case"),
    visit(LEADS, "web:case", case_id="closed_case"),
    visit(LEADS, "web:teams"),
    visit(LEADS, "web:team", team_id="team"),
    visit(LEADS, "web:rebalance_preview", team_id="team"),
    visit(LEADS, "reports:index"),
    visit(LEADS, "reports:caseloads"),
    visit(LEADS, "reports:exits"),
    visit(LEADS, "reports:key_figures"),
    visit(LEADS, "reports:capacity"),
    visit(LEADS, "reports:contacts"),
    visit(LEADS, "/reports/caseloads/?date_from=not-a-date", status=400),
    visit("admin", "reports:trial", trial_id="trial"),
    visit("admin", "admin:index"),
    visit("admin", "admin:staff_caseworker_changelist"),
    visit("admin", "admin:staff_caseworker_change", object_id="caseworker"),
]


def _users(busy_office) -> dict:
    office = busy_office.office
    return {"anonymous": None, "caseworker": office.anna.user, "leader": office.leader, "admin": office.admin}


# Danish on a laptop, English on a phone: two languages and two widths for one pass each.
A11Y_BROWSERS = {
    "da": {"locale": "da-DK", "viewport": {"width": 1280, "height": 800}},
    "en": {"locale": "en-GB", "viewport": {"width": 360, "height": 740}},
}


def _context(chromium_browser, live_server, *, user, language: str):
    context = chromium_browser.new_context(**A11Y_BROWSERS[language])
    if user is not None:
        client = Client()
        client.force_login(user)
        session = client.cookies[settings.SESSION_COOKIE_NAME].value
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}])
    return context


def _answer_with_template(page, url: str, entry: Visit, *, language: str, user) -> None:
    from django.contrib.auth.models import AnonymousUser
    from django.template.loader import render_to_string
    from django.test import RequestFactory
    from django.utils import translation

    request = RequestFactory().get(url)
    request.user = user or AnonymousUser()
    with translation.override(language):
        body = render_to_string(entry.template, entry.kwargs, request=request)
    page.route(
        url, lambda route: route.fulfill(status=entry.status, body=body, content_type="text/html; charset=utf-8")
    )


@pytest.mark.axe
@pytest.mark.parametrize("role", ANYONE)
def test_every_page_passes_axe_in_danish_and_english(role, chromium_browser, live_server, busy_office, axe_core_source):
    """WCAG 2.1 A and AA by axe-core: no serious or critical violation on any page this role
    reaches, in either language, and the two languages give the page the same structure."""
    figures = busy_office.url_kwargs()
    visits = [v for v in A11Y_PAGES if role in v.roles]
    problems, outlines = [], {}
    for language in ("da", "en"):
        user = _users(busy_office)[role]
        context = _context(chromium_browser, live_server, user=user, language=language)
        page = context.new_page()
        page.set_default_timeout(30_000)  # a long walk: one slow page on a busy machine is not a failure
        for number, entry in enumerate(visits):
            where = f"{role}, {language}: {entry.path(figures)}"
            if entry.then:
                where += f" ({getattr(entry.then, 'description', 'after a step')})"
            if entry.template:
                _answer_with_template(page, live_server.url + entry.path(figures), entry, language=language, user=user)
            response = page.goto(live_server.url + entry.path(figures))
            assert response.status == entry.status, where
            if entry.then:
                entry.then(page)
            assert page.evaluate("document.documentElement.lang").startswith(language), where
            bad = failing(axe_violations(page, axe_core_source))
            if bad:
                problems.append(describe(where, bad))
                _shot(page, f"axe-{role}-{language}-{number}")
            outlines[number, language] = outline(page)
        context.close()
    assert not problems, "axe-core found serious or critical violations:\n\n" + "\n\n".join(problems)
    for number, entry in enumerate(visits):
        assert outlines[number, "da"] == outlines[number, "en"], f"{entry.path(figures)}: Danish and English differ"

"""The pages in a real browser: Debian's Chromium, headless, driven by Playwright's sync API.

No browser is downloaded: Playwright launches /usr/bin/chromium. Screenshots go to
./screenshots/ (git-ignored) so that a failing CI run can be looked at.
"""

import os
from pathlib import Path

import pytest

from allocation import services
from staff.models import Caseworker

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
    context = chromium_browser.new_context(locale="da-DK", viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(10_000)
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
    # (after the search's own requests have answered, so that none lands after the sort's)
    page.wait_for_load_state("networkidle")
    table.locator("thead a").first.click()
    expect(table.locator("tbody tr")).to_have_count(3)
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

"""The product in a real browser: Playwright driving Debian's headless Chromium.

Against a real `sinyal run` on PostgreSQL (Rasa, action server, web app): a prospect opens a
tracked link and chats through the rasa-webchat widget (socket.io) to a qualified lead; a
consultant logs in, finds the lead, claims it, marks it contacted and opens the company's
account (its timeline); a marketing user opens the A/B page and sees its chart; a user without
a role is refused. Screenshots of every page go to ``test-artifacts/browser/`` (override with
SINYAL_TEST_ARTIFACTS).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright
from sqlalchemy import select

from sinyal.bootstrap import find_chromium
from sinyal.store import Store
from sinyal.store.models import Consultant, Contact, Lead, OutreachMessage, Role
from sinyal.web.users import add_user
from tests.support.sinyal_command import run_sinyal
from tests.support.system import RunningSystem
from tests.system.test_outreach import qualifying_chat

PROJECT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(os.environ.get("SINYAL_TEST_ARTIFACTS", PROJECT / "test-artifacts")) / "browser"
PASSWORD = "correct horse battery"
#: What this machine's closed network needs (Chromium otherwise dials Google at every start).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = [
    pytest.mark.slow,
    # One backend is enough for the browser's view; PostgreSQL, as in production.
    pytest.mark.parametrize("system", ["postgresql"], indirect=True),
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    executable = find_chromium()
    if executable is None:
        pytest.fail("no Chromium: run `make browser` (apt-get install chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def store(system: RunningSystem) -> Iterator[Store]:
    store = Store.from_settings(system.settings)
    with store.transaction() as s:
        if not s.scalars(select(Consultant)).first():
            s.add(Consultant(name="Lena Vogt", languages=["de", "en"], telegram_chat_id=777_301))
            s.flush()
            add_user(s, "lena", PASSWORD, Role.CONSULTANT, "Lena Vogt")
            add_user(s, "mia", PASSWORD, Role.MARKETING)
            add_user(s, "nora", PASSWORD, None)
    yield store
    store.close()


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def log_in(browser: Browser, system: RunningSystem, username: str) -> Page:
    page = browser.new_page()
    page.goto(f"{system.settings.web_url}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    return page


def tracked_token(system: RunningSystem, store: Store) -> tuple[str, str]:
    """A tracked link for an English- or German-speaking HR contact, planned by the CLI."""
    system.wait_for("flow long-open-demo:", timeout=180)
    for args in (["contacts", "import", str(PROJECT / "contacts.example.csv")],
                 ["outreach", "run", "long-open-demo", "--plan-only"]):  # fmt: skip
        done = run_sinyal(*args, env=system.env)
        assert done.returncode == 0, done.stdout + done.stderr
    with store.transaction() as s:
        message, company = s.execute(
            select(OutreachMessage.token, OutreachMessage.company_id)
            .join(Contact, Contact.id == OutreachMessage.contact_id)
            .where(Contact.language == "de")
            .order_by(OutreachMessage.id)
        ).first()  # type: ignore[misc]
    return message, company


def test_prospect_consultant_marketing_and_a_stranger_in_the_browser(
    system: RunningSystem, store: Store, browser: Browser
) -> None:
    token, company_id = tracked_token(system, store)

    # A prospect opens the tracked link and qualifies in the chat widget.
    page = browser.new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(f"{system.settings.web_url}/c/{token}")
    assert "/chat?" in page.url and f"t={token}" in page.url
    shot(page, "1-landing")
    page.click(".rw-launcher")
    replies = page.locator(".rw-response")
    expect(replies.first).to_be_visible(timeout=60_000)  # the greeting, after "/greet"
    for turn, (message, expected) in enumerate(qualifying_chat("anna.b@prospect.example")):
        if turn == 0:
            continue  # the widget's initPayload greeted already
        before = replies.count()
        page.fill(".rw-new-message", message)
        page.keyboard.press("Enter")
        expect(replies.nth(before)).to_be_visible(timeout=60_000)
        if expected:
            expect(page.locator(".rw-messages-container")).to_contain_text(expected, timeout=30_000)
    shot(page, "2-chat-qualified")
    # Widget, socket.io and page all come from this installation: no CDN, no web fonts.
    foreign = [u for u in requested if not u.startswith(("http://127.0.0.1", "data:"))]
    assert foreign == []
    with store.transaction() as s:
        lead = s.scalars(select(Lead).where(Lead.email == "anna.b@prospect.example")).one()
        assert lead.status == "qualified" and lead.company_id == company_id
        lead_id = lead.id

    # The consultant finds the lead, claims it and marks it contacted.
    lena = log_in(browser, system, "lena")
    expect(lena).to_have_url(f"{system.settings.web_url}/leads")
    shot(lena, "3-leads-inbox")
    lena.click(f"a[href='/leads/{lead_id}'] >> nth=0")
    shot(lena, "4-lead")
    lena.click("button:has-text('Claim')")
    expect(lena.locator("#stage")).to_have_text("claimed")
    lena.click("button:has-text('Mark contacted')")
    expect(lena.locator("#stage")).to_have_text("contacted")
    expect(lena.locator("body")).to_contain_text("web:lena")
    shot(lena, "5-lead-contacted")
    with store.transaction() as s:
        assert s.get_one(Lead, lead_id).stage == "contacted"

    # From the lead she opens the company's account: its whole story on one timeline.
    lena.click("#account-link")
    expect(lena).to_have_url(f"{system.settings.web_url}/accounts/{company_id}")
    timeline = lena.locator("#timeline")
    expect(timeline).to_contain_text(f"lead #{lead_id}: stage changed (stage contacted)")
    for step in ("link clicked: long-open-demo", "chat started (website)", "posted: "):
        expect(timeline).to_contain_text(step)
    shot(lena, "5b-account")

    # Marketing opens the A/B page and sees the chart.
    mia = log_in(browser, system, "mia")
    mia.goto(f"{system.settings.web_url}/flows")
    chart = mia.locator("img.chart").first
    expect(chart).to_be_visible()
    assert chart.evaluate("img => img.complete && img.naturalWidth > 400")
    expect(mia.locator(".verdict").first).to_have_text("keep_running")
    shot(mia, "6-ab-page")
    mia.goto(f"{system.settings.web_url}/kpi")
    assert mia.locator("img.chart").first.evaluate("img => img.naturalWidth > 400")
    shot(mia, "7-kpi")

    # Someone without a role is refused.
    nora = log_in(browser, system, "nora")
    expect(nora.locator("h1")).to_have_text("Not for your account")
    shot(nora, "8-no-role-refused")

"""The web app over real HTTP (uvicorn on loopback): tracked links, unsubscribe, chat page."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from sqlalchemy import select

from sinyal.outreach.campaign import plan_flow
from sinyal.store import Store
from sinyal.store.models import Contact, KpiEvent, OutreachMessage, Suppression
from tests.support.factories import make_flow, seed_companies
from tests.support.web_server import Web

NEUTRAL = "Thanks for stopping by"


def tokens(store: Store, **flow: object) -> list[str]:
    definition = make_flow(**flow)
    seed_companies(store, definition, 2)
    plan_flow(store, definition)
    with store.transaction() as session:
        return list(session.scalars(select(OutreachMessage.token).order_by(OutreachMessage.id)))


def events(store: Store, kind: str) -> list[KpiEvent]:
    with store.transaction() as session:
        return list(session.scalars(select(KpiEvent).where(KpiEvent.type == kind)))


def test_a_click_is_recorded_and_leads_into_the_website_chat(web: Web, store: Store) -> None:
    token = tokens(store)[0]
    response = requests.get(f"{web.url}/c/{token}", allow_redirects=False, timeout=10)
    assert response.status_code == 302
    target = urlsplit(response.headers["location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == f"{web.url}/chat"
    params = parse_qs(target.query)
    assert params["t"] == [token] and params["flow"] == ["hr-test"]
    assert params["variant"][0] in {"control", "short"} and params["lang"] == ["en"]
    requests.get(f"{web.url}/c/{token}", allow_redirects=False, timeout=10)
    clicks = events(store, "clicked")
    assert len(clicks) == 2 and {c.outreach_message_id for c in clicks} == {1}
    # The chat page it leads to carries the context to the bot, as JSON, not as markup.
    page = requests.get(response.headers["location"], timeout=10).text
    assert f'"token": "{token}"' in page and '"channel": "website"' in page


def test_a_telegram_flow_click_opens_the_bot_with_the_token(web: Web, store: Store) -> None:
    token = tokens(store, channel="telegram", chat="telegram")[0]
    response = requests.get(f"{web.url}/c/{token}", allow_redirects=False, timeout=10)
    assert response.headers["location"] == f"https://t.me/SinyalDemoBot?start={token}"
    assert len(token) <= 64


@pytest.mark.parametrize(
    "token", ["unknown-token", "%3Cscript%3Ealert(1)%3C%2Fscript%3E", "x" * 300]
)
def test_unknown_or_odd_tokens_get_a_neutral_page(web: Web, store: Store, token: str) -> None:
    tokens(store)
    for path in (f"/c/{token}", f"/u/{token}"):
        response = requests.get(web.url + path, allow_redirects=False, timeout=10)
        assert response.status_code == 200 and NEUTRAL in response.text
        assert "<script>alert" not in response.text
    assert events(store, "clicked") == []


def test_unsubscribe_needs_the_button_then_forgets_the_address(web: Web, store: Store) -> None:
    token = tokens(store)[0]
    page = requests.get(f"{web.url}/u/{token}", timeout=10)
    assert page.status_code == 200 and 'method="post"' in page.text
    with store.transaction() as session:
        assert session.scalars(select(Suppression)).all() == []  # a GET changes nothing
    # What a mail client's one-click button sends (RFC 8058).
    done = requests.post(f"{web.url}/u/{token}", data={"List-Unsubscribe": "One-Click"}, timeout=10)
    assert done.status_code == 200 and "You are unsubscribed" in done.text
    again = requests.post(f"{web.url}/u/{token}", timeout=10)
    assert again.status_code == 200 and "You are unsubscribed" in again.text
    with store.transaction() as session:
        message = session.scalars(
            select(OutreachMessage).where(OutreachMessage.token == token)
        ).one()
        assert message.recipient_address is None
        assert (
            session.scalars(
                select(Contact.email).where(Contact.email == "hr0@firma0.example")
            ).all()
            == []
        )
        assert [s.reason for s in session.scalars(select(Suppression))] == ["unsubscribed"]
    assert len(events(store, "unsubscribed")) == 1


def test_the_chat_page_drops_odd_parameters_and_escapes_nothing_into_markup(web: Web) -> None:
    response = requests.get(
        f"{web.url}/chat",
        params={"flow": "<script>alert(1)</script>", "t": "ok_token", "lang": "id"},
        timeout=10,
    )
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.text and "alert(1)" not in response.text
    assert '"token": "ok_token"' in response.text and "Ngobrol dengan kami" in response.text


def test_an_unknown_page_is_a_404_with_the_neutral_page(web: Web) -> None:
    response = requests.get(f"{web.url}/no/such/page", timeout=10)
    assert response.status_code == 404 and NEUTRAL in response.text

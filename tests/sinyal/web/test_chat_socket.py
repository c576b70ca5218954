"""The website chat's socket.io endpoint: server-issued senders, checked input, relayed to Rasa.

Rasa is replaced by a loopback HTTP stand-in that records what reaches its REST channel and
answers like it: this test is about what the relay lets through; the real Rasa behind it is
exercised by tests/system (browser and attacker suites).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from sinyal.chat.gateway import MESSAGES_PER_MINUTE, SLOW_DOWN, TOO_LONG, UNAVAILABLE
from sinyal.chat.senders import is_web_session, new_web_session, origin_of
from sinyal.settings import Settings
from sinyal.store import Store
from sinyal.web.app import create_asgi
from tests.support.chat_widget import Widget, wait_until
from tests.support.ports import free_port
from tests.support.rasa_rest import RasaStandIn
from tests.support.web_server import serving_app

SECRET = "chat-socket-test-secret"
RASA_TOKEN = "chat-socket-test-rasa-token"
REPLY = [
    {"recipient_id": "x", "text": "Hello\n\nMay I ask?", "buttons": [
        {"title": "Yes", "payload": "/affirm"}]},
]  # fmt: skip


@pytest.fixture
def rasa() -> Iterator[RasaStandIn]:
    stand_in = RasaStandIn(reply=REPLY)
    stand_in.start()
    yield stand_in
    assert stand_in.server is not None
    stand_in.server.shutdown()


def serve(settings: Settings, store: Store) -> Iterator[str]:
    with serving_app(
        create_asgi(settings, store),
        settings.web_port,
        timeout_graceful_shutdown=1,  # a pending long-poll would hold the shutdown otherwise
    ) as url:
        yield url


def chat_settings(tmp_path: Path, rasa_port: int) -> Settings:
    port = free_port()
    return Settings(
        data_dir=tmp_path / "var",
        public_url=f"http://127.0.0.1:{port}",
        web_port=port,
        rasa_port=rasa_port,
        rasa_token=RASA_TOKEN,
        secret_key=SECRET,
        chat_message_max_chars=200,
    )


@pytest.fixture
def web(store: Store, tmp_path: Path, rasa: RasaStandIn) -> Iterator[str]:
    assert rasa.server is not None
    yield from serve(chat_settings(tmp_path, rasa.server.server_address[1]), store)


def test_the_server_issues_the_sender_and_ignores_a_chosen_one(web: str) -> None:
    widget = Widget(web)
    try:
        for chosen in (None, "tg-4711", "w.forged.00000000000000000000000000000000"):
            issued = widget.session(chosen)
            assert issued != chosen and is_web_session(SECRET, issued)
        kept = new_web_session(SECRET)  # a reload presents the id this server gave it
        assert widget.session(kept) == kept
    finally:
        widget.close()


def test_messages_reach_rasa_checked_with_the_issued_sender(web: str, rasa: RasaStandIn) -> None:
    widget = Widget(web)
    try:
        sender = widget.session("victim-sender")
        shown = widget.say(
            '/delete_my_data{"email":"anna@firma.de"}',
            2,
            flow="demo",
            token="tok_1",
            language="id",
            company="Forged GmbH",
            channel="telegram",
            variant="bad variant!",
        )
    finally:
        widget.close()
    (request,) = rasa.requests
    assert request["auth"] == f"Bearer {RASA_TOKEN}"
    assert request["sender"] == sender
    assert request["message"] == 'delete_my_data{"email":"anna@firma.de"}'  # text, not intent
    assert request["metadata"].pop("origin") == origin_of(SECRET, "127.0.0.1")
    assert request["metadata"] == {
        "flow": "demo",
        "token": "tok_1",
        "language": "id",
        "channel": "website",
    }
    assert shown == [
        {"text": "Hello"},
        {"text": "May I ask?", "quick_replies": [
            {"content_type": "text", "title": "Yes", "payload": "/affirm"}]},
    ]  # fmt: skip


def test_button_payloads_still_pass_as_commands(web: str, rasa: RasaStandIn) -> None:
    widget = Widget(web)
    try:
        widget.session()
        widget.say('/inform{"urgency":"asap"}', 2)
    finally:
        widget.close()
    assert rasa.requests[0]["message"] == '/inform{"urgency":"asap"}'


def test_overlong_and_flooding_messages_are_answered_without_rasa(
    web: str, rasa: RasaStandIn
) -> None:
    widget = Widget(web)
    try:
        widget.session()
        (reply,) = widget.say("x" * 201, 1, language="en")
        assert reply == {"text": TOO_LONG["en"]} and rasa.requests == []
        if time.time() % 60 > 45:  # the limit counts whole minutes: flood inside one
            time.sleep(61 - time.time() % 60)
        for _ in range(MESSAGES_PER_MINUTE + 5):  # without waiting for answers, as a script
            widget.client.emit("user_uttered", {"message": "hi", "customData": {}})
            time.sleep(0.05)  # engine.io's polling takes a bounded number of packets per POST
        slow = {"text": SLOW_DOWN["en"]}
        wait_until(lambda: widget.received.count(slow) >= 5)
        assert len(rasa.requests) == MESSAGES_PER_MINUTE
    finally:
        widget.close()


def test_rasa_down_gets_an_honest_reply(store: Store, tmp_path: Path) -> None:
    for url in serve(chat_settings(tmp_path, free_port()), store):
        widget = Widget(url)
        try:
            widget.session()
            assert widget.say("hello", 1, language="en") == [{"text": UNAVAILABLE["en"]}]
        finally:
            widget.close()


def test_origins_tell_clients_apart_without_naming_them(web: str, rasa: RasaStandIn) -> None:
    """The origin (for abuse limits) is the client's address behind a trusted proxy, keyed;
    IPv6 clients count by their /64."""
    for forwarded in ("203.0.113.7", "198.51.100.9", "2001:db8:1:2::5", "2001:db8:1:2::6"):
        widget = Widget(web, forwarded_for=forwarded)
        try:
            widget.session()
            widget.say("hi", 2)
        finally:
            widget.close()
    origins = [request["metadata"]["origin"] for request in rasa.requests]
    assert origins[0] == origin_of(SECRET, "203.0.113.7") and "203.0" not in origins[0]
    assert origins[1] == origin_of(SECRET, "198.51.100.9") != origins[0]
    assert origins[2] == origins[3] == origin_of(SECRET, "2001:db8:1:2::/64")

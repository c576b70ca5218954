"""What a stranger types reaches Rasa as text: commands only from the bot's own buttons."""

from __future__ import annotations

import asyncio
import threading
import time
from http.server import ThreadingHTTPServer

import httpx
import pytest

from sinyal.chat.gateway import button_payloads, clean_text
from sinyal.settings import PROJECT_DIR
from sinyal.store import Store
from tests.support.ports import free_port
from tests.support.rasa_rest import RestChannel, SlowRestChannel

COMMANDS = button_payloads(PROJECT_DIR / "bot" / "domain.yml")


def test_button_payloads_are_read_from_the_domain_with_single_braces() -> None:
    assert {"/affirm", "/deny", "/greet", '/inform{"urgency":"asap"}'} <= COMMANDS
    assert not any("{{" in payload for payload in COMMANDS)
    assert "/delete_my_data" not in COMMANDS


@pytest.mark.parametrize(
    ("typed", "seen"),
    [
        ('/delete_my_data{"email":"anna@firma.de"}', 'delete_my_data{"email":"anna@firma.de"}'),
        ("//request_human", "request_human"),
        ('/ /delete_my_data{"email":"a@b.de"}', 'delete_my_data{"email":"a@b.de"}'),
        ("/\t/restart", "restart"),
        ("/\u00a0/restart", "restart"),
        ('/inform{"urgency":"asap","email":"x@y.z"}', 'inform{"urgency":"asap","email":"x@y.z"}'),
        ("/affirm", "/affirm"),
        ('/inform{"urgency":"asap"}', '/inform{"urgency":"asap"}'),
        ("we need 3 welders", "we need 3 welders"),
    ],
)
def test_only_button_payloads_pass_as_commands(typed: str, seen: str) -> None:
    assert clean_text(typed, COMMANDS) == seen


def test_control_characters_go_text_stays() -> None:
    assert clean_text("two\x00 welders\x1b[31m\x07", COMMANDS) == "two  welders [31m"
    assert clean_text("broken \udcff utf8", COMMANDS) == "broken   utf8"
    rtl_and_emoji = "\u200f\u0645\u0631\u062d\u0628\u0627 👩\u200d🔧 line\nnext"
    assert clean_text(rtl_and_emoji, COMMANDS) == rtl_and_emoji
    assert clean_text(None, COMMANDS) == "" and clean_text({"x": 1}, COMMANDS) == ""


def test_the_chat_limit_counts_and_lets_messages_through_when_the_store_is_down(
    store: Store,
) -> None:

    from sinyal.chat.gateway import MESSAGES_PER_MINUTE, within_chat_limit

    if time.time() % 60 > 50:  # the counters' windows are whole minutes: stay inside one
        time.sleep(61 - time.time() % 60)
    allowed = [within_chat_limit(store, "w.limit") for _ in range(MESSAGES_PER_MINUTE + 1)]
    assert allowed.count(False) == 1
    assert within_chat_limit(store, "w.other", ("origin:o", 1))
    assert not within_chat_limit(store, "w.third", ("origin:o", 1))  # the origin's limit
    down = Store.from_url("postgresql+psycopg://postgres@127.0.0.1:9/test")  # nothing listens
    try:
        assert within_chat_limit(down, "w.limit")
    finally:
        down.close()


def test_messages_go_round_robin_and_skip_a_server_that_is_down() -> None:
    from sinyal.chat.gateway import RasaClient

    servers = [ThreadingHTTPServer(("127.0.0.1", 0), RestChannel) for _ in range(2)]
    for server in servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    ports = [server.server_address[1] for server in servers]
    dead = free_port()

    async def answered_by(urls: list[str], count: int) -> list[int]:
        client = RasaClient(urls, "token")
        try:
            return [int((await client.send("s", "hi", {}))[0]["text"]) for _ in range(count)]
        finally:
            await client.close()

    try:
        both = [f"http://127.0.0.1:{port}" for port in ports]
        assert asyncio.run(answered_by(both, 4)) == [ports[0], ports[1], ports[0], ports[1]]
        with_dead = [f"http://127.0.0.1:{dead}", both[0]]
        assert asyncio.run(answered_by(with_dead, 3)) == [ports[0]] * 3
        with pytest.raises(httpx.ConnectError):
            asyncio.run(answered_by([f"http://127.0.0.1:{dead}"], 1))
    finally:
        for server in servers:
            server.shutdown()


def test_one_conversations_turns_wait_for_each_other_across_gateways(
    redis_url: str,
) -> None:
    """Two gateway clients (two processes) with one Redis: one chat's messages are handled one
    at a time; another chat's are not held up; with Redis down the message is still sent."""
    from sinyal.chat.gateway import RasaClient

    server = ThreadingHTTPServer(("127.0.0.1", 0), SlowRestChannel)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"

    async def at_once(senders: list[str], redis: str | None) -> None:
        clients = [RasaClient(url, "token", redis_url=redis) for _ in senders]
        try:
            await asyncio.gather(
                *(c.send(s, "hi", {}) for c, s in zip(clients, senders, strict=True))
            )
        finally:
            for client in clients:
                await client.close()

    def overlapped() -> bool:
        (a0, a1), (b0, b1) = SlowRestChannel.busy[-2:]
        return max(a0, b0) < min(a1, b1)

    try:
        asyncio.run(at_once(["w.same", "w.same"], redis_url))
        assert not overlapped()
        asyncio.run(at_once(["w.one", "w.other"], redis_url))
        assert overlapped()
        asyncio.run(at_once(["w.same", "w.same"], f"redis://127.0.0.1:{free_port()}/0"))
        assert overlapped()  # Redis down: sent anyway, unlocked
    finally:
        server.shutdown()

"""What a stranger types reaches Rasa as text: commands only from the bot's own buttons."""

from __future__ import annotations

import pytest

from sinyal.chat_gateway import button_payloads, clean_text
from sinyal.settings import PROJECT_DIR
from sinyal.store import Store

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
    import time

    from sinyal.chat_gateway import MESSAGES_PER_MINUTE, within_chat_limit

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

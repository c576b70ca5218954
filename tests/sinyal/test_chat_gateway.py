"""What a stranger types reaches Rasa as text: commands only from the bot's own buttons."""

from __future__ import annotations

import pytest

from sinyal.chat_gateway import button_payloads, clean_text
from sinyal.settings import PROJECT_DIR

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

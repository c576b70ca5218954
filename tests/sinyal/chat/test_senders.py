"""Sender ids: issued by Sinyal, unguessable, never chosen by a client."""

from __future__ import annotations

from sinyal.chat.senders import WEB_SESSION_DAYS, is_web_session, new_web_session, telegram_sender


def test_issued_web_sessions_verify_and_differ() -> None:
    first, second = new_web_session("k1"), new_web_session("k1")
    assert first != second
    assert is_web_session("k1", first) and is_web_session("k1", second)


def test_client_chosen_or_tampered_sessions_are_refused() -> None:
    issued = new_web_session("k1")
    _, nonce, stamp, _ = issued.split(".")
    assert not is_web_session("k2", issued)  # another installation's key
    assert not is_web_session("k1", issued[:-1] + ("0" if issued[-1] != "0" else "1"))
    assert not is_web_session("k1", f"w.{nonce}.{stamp}.{'0' * 32}")
    assert not is_web_session("k1", f"w.{nonce}.{'f' * 8}.{issued.split('.')[3]}")  # re-dated
    for chosen in ("tg-12345", "web-1", "", None, 42, {"session_id": issued}, issued + "x"):
        assert not is_web_session("k1", chosen)


def test_telegram_sender_hides_the_chat_id_and_depends_on_the_key() -> None:
    sender = telegram_sender("k1", 123456789)
    assert sender.startswith("tg-") and "123456789" not in sender
    assert sender == telegram_sender("k1", 123456789)  # the same chat continues its conversation
    assert sender != telegram_sender("k2", 123456789)
    assert sender != telegram_sender("k1", 123456788)


def test_web_sessions_expire() -> None:
    issued = new_web_session("k1", now=1_000_000.0)
    assert is_web_session("k1", issued, now=1_000_000.0 + WEB_SESSION_DAYS * 86400 - 1)
    assert not is_web_session("k1", issued, now=1_000_000.0 + WEB_SESSION_DAYS * 86400 + 1)
    assert not is_web_session("k1", issued, now=1_000_000.0 - 60)  # issued in the future

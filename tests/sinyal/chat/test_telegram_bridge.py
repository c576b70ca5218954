"""Bridge pieces that need no running Rasa (the whole relay is tested in tests/system), and
webhook mode: refused without its secret, and as `sinyal telegram` on a loopback port, which
answers 403 to an update without the secret header."""

import subprocess
import time
from collections.abc import Iterator
from itertools import count
from pathlib import Path

import httpx
import pytest

from sinyal.chat.conversations import context_for_token
from sinyal.chat.telegram_bridge import (
    CALLBACK_DATA_LIMIT,
    START_PAYLOAD,
    keyboard,
    language_hint,
)
from sinyal.handover.telegram_desk import REFUSED
from sinyal.runtime.telegram_bot import webhook_options
from sinyal.settings import Settings
from sinyal.store import Store
from tests.support.factories import add_outreach
from tests.support.ports import free_port, port_is_free
from tests.support.sinyal_command import SINYAL, isolated_env, run_sinyal
from tests.support.telegram_api import TelegramApiStandIn

CHAT_IDS = count(830_001)  # the stand-in is shared by the session: fresh chats per test
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def test_rasa_buttons_become_one_inline_button_per_row() -> None:
    markup = keyboard([{"title": "Yes", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}])
    assert markup is not None
    rows = [[(b.text, b.callback_data) for b in row] for row in markup.inline_keyboard]
    assert rows == [[("Yes", "/affirm")], [("No", "/deny")]]
    assert keyboard([]) is None


def test_a_payload_too_long_for_telegram_travels_as_its_title() -> None:
    long_payload = '/inform{"decline_reason": "' + "x" * 80 + '"}'
    markup = keyboard([{"title": "Too expensive", "payload": long_payload}])
    assert markup is not None
    data = markup.inline_keyboard[0][0].callback_data
    assert data == "Too expensive" and len(str(data).encode()) <= CALLBACK_DATA_LIMIT


def test_language_hint_and_start_payload_rules() -> None:
    assert (
        language_hint("id"),
        language_hint("en-GB"),
        language_hint("de"),
        language_hint(None),
    ) == (
        "id",
        "en",
        None,
        None,
    )
    assert START_PAYLOAD.match("tok_123-abc") and not START_PAYLOAD.match("bad token!")


def test_start_token_resolves_to_the_outreach_context(store: Store) -> None:
    postings = [{"title": "Koch (m/w/d)", "days_open": 95}, {"title": "Pfleger", "days_open": 200}]
    with store.transaction() as s:
        add_outreach(s, "abc123", flow="care-de", company="Klinikum Lindenhof", postings=postings)
    with store.transaction() as s:
        found = context_for_token(s, "abc123", "telegram")
        unknown = context_for_token(s, "nope", "telegram")
    assert found.as_dict() == {
        "flow": "care-de",
        "variant": "B",
        "token": "abc123",
        "company": "Klinikum Lindenhof",
        "role": "Pfleger",
        "channel": "telegram",
        "days_open": 200.0,
    }
    assert unknown.as_dict() == {"channel": "telegram"}


# -- webhook mode: the secret ---------------------------------------------------------------

SECRET = "whsec_0123456789abcdef-XYZ"


def webhook_env(api: TelegramApiStandIn, tmp_path: Path, **extra: str) -> dict[str, str]:
    return isolated_env(
        SINYAL_DATABASE_URL=f"sqlite:///{tmp_path / 'sinyal.db'}",
        TELEGRAM_BOT_TOKEN=api.token,
        SINYAL_TELEGRAM_API_URL=api.base_url,
        SINYAL_TELEGRAM_MODE="webhook",
        SINYAL_TELEGRAM_WEBHOOK_URL="https://bot.agency.example/telegram",
        SINYAL_DATA_DIR=str(tmp_path),
        SINYAL_RASA_PORT=str(free_port()),  # no Rasa: the updates here never reach it
        SINYAL_RASA_TOKEN="rasa-token-for-tests",
        SINYAL_SECRET_KEY="secret-key-for-tests",
        **extra,
    )


@pytest.mark.parametrize(
    ("secret", "problem"),
    [
        (None, "SINYAL_TELEGRAM_WEBHOOK_SECRET is required in webhook mode"),
        ("short", "SINYAL_TELEGRAM_WEBHOOK_SECRET must be 16 to 256 characters"),
        ("with spaces and more than 16", "SINYAL_TELEGRAM_WEBHOOK_SECRET must be 16 to 256"),
    ],
)
def test_webhook_mode_does_not_start_without_a_proper_secret(
    telegram_api: TelegramApiStandIn, tmp_path: Path, secret: str | None, problem: str
) -> None:
    extra = {"SINYAL_TELEGRAM_WEBHOOK_SECRET": secret} if secret else {}
    started = time.time()
    done = run_sinyal("telegram", env=webhook_env(telegram_api, tmp_path, **extra), timeout=60)
    assert done.returncode == 2 and problem in done.stderr, done.stderr
    assert secret is None or secret not in done.stderr  # a secret is never echoed
    assert not [c for c in telegram_api.calls("setWebhook") if c.at >= started]


def test_webhook_options_carry_the_secret_token() -> None:
    settings = Settings(
        telegram_mode="webhook",
        telegram_webhook_url="https://bot.agency.example/telegram",
        telegram_webhook_secret=SECRET,
        telegram_webhook_port=8443,
    )
    options = webhook_options(settings)
    assert options["secret_token"] == SECRET and options["port"] == 8443
    with pytest.raises(ValueError, match="SINYAL_TELEGRAM_WEBHOOK_URL is required"):
        webhook_options(settings.model_copy(update={"telegram_webhook_url": None}))


def stranger_update(chat_id: int, update_id: int) -> dict[str, object]:
    """``/leads`` from someone who is not a consultant: the bot answers it with a refusal."""
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private"},
            "from": {"id": chat_id, "is_bot": False, "first_name": "Eve"},
            "text": "/leads",
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        },
    }


@pytest.fixture
def webhook_bridge(telegram_api: TelegramApiStandIn, tmp_path: Path) -> Iterator[tuple[str, float]]:
    """`sinyal telegram` serving its webhook on a loopback port; yields its URL and start."""
    pytest.importorskip("tornado", reason='webhook mode needs "python-telegram-bot[webhooks]"')
    Store.from_url(f"sqlite:///{tmp_path / 'sinyal.db'}").upgrade()
    port = free_port()
    env = webhook_env(
        telegram_api, tmp_path,
        SINYAL_TELEGRAM_WEBHOOK_SECRET=SECRET, SINYAL_TELEGRAM_WEBHOOK_PORT=str(port),
    )  # fmt: skip
    started = time.time()
    process = subprocess.Popen(
        [str(SINYAL), "telegram"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True,
    )  # fmt: skip
    try:
        telegram_api.wait_for_call("setWebhook", since=started, secret_token=SECRET)
        deadline = time.monotonic() + 20
        while port_is_free(port):
            assert process.poll() is None, "sinyal telegram exited"
            assert time.monotonic() < deadline, "the webhook server never listened"
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}/", started
    finally:
        process.terminate()
        process.wait(15)


def test_the_webhook_accepts_only_updates_with_the_secret(
    webhook_bridge: tuple[str, float], telegram_api: TelegramApiStandIn
) -> None:
    url, _ = webhook_bridge
    no_header, wrong, right = next(CHAT_IDS), next(CHAT_IDS), next(CHAT_IDS)
    tries = [
        (no_header, {}),
        (wrong, {SECRET_HEADER: SECRET + "x"}),
        (right, {SECRET_HEADER: SECRET}),
    ]
    statuses = [
        httpx.post(url, json=stranger_update(chat, chat), headers=headers, timeout=10).status_code
        for chat, headers in tries
    ]
    assert statuses == [403, 403, 200]
    (reply,) = telegram_api.wait_for_messages(right, 1)
    assert reply.params["text"] == REFUSED  # the accepted update was handled
    time.sleep(0.5)
    assert telegram_api.messages_to(no_header) == telegram_api.messages_to(wrong) == []

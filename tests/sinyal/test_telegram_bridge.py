"""Bridge pieces that need no running Rasa (the whole relay is tested in tests/system)."""

from sinyal.conversations import context_for_token
from sinyal.store import Store
from sinyal.telegram_bridge import CALLBACK_DATA_LIMIT, START_PAYLOAD, keyboard, language_hint
from tests.factories import add_outreach


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

from sqlalchemy import select

from sinyal.chat.conversations import EntryContext, record_conversation
from sinyal.store import Store
from sinyal.store.models import (
    Conversation,
    KpiEvent,
    OutreachMessage,
)
from tests.support.factories import add_outreach


def test_entry_context_keeps_known_keys_and_drops_junk() -> None:
    context = EntryContext.parse(
        {
            "flow": " long-open-de ",
            "company": "A" * 500,
            "language": "ID",
            "days_open": "123",
            "role": 42,
            "evil": "<script>",
        }
    )
    assert context.flow == "long-open-de"
    assert context.company is not None and len(context.company) == 200
    assert context.language == "id"
    assert context.days_open == 123.0
    assert context.role is None
    assert "evil" not in context.as_dict()


def test_entry_context_tolerates_missing_or_malformed_metadata() -> None:
    assert EntryContext.parse(None) == EntryContext()
    assert EntryContext.parse(["not", "a", "dict"]) == EntryContext()
    assert EntryContext.parse({"language": "fr", "days_open": "lots"}).as_dict() == {}


def test_conversation_is_tied_to_its_outreach_and_recorded_once(store: Store) -> None:
    with store.transaction() as s:
        add_outreach(s, "tok-1")
    context = EntryContext.parse({"token": "tok-1", "channel": "socketio", "language": "id"})
    for _ in range(2):  # a resumed chat must not count as a second start
        with store.transaction() as s:
            record_conversation(s, "sender-9", context, default_language="en")
    with store.transaction() as s:
        conversation = s.scalars(select(Conversation)).one()
        event = s.scalars(select(KpiEvent)).one()
        outreach = s.scalars(select(OutreachMessage)).one()
        assert conversation.outreach_message_id == outreach.id
        assert conversation.language == "id" and conversation.channel == "socketio"
        assert event.type == "chat_started"
        assert (event.flow_id, event.variant_id) == (outreach.flow_id, outreach.variant_id)


def test_unknown_token_still_records_the_chat(store: Store) -> None:
    with store.transaction() as s:
        record_conversation(s, "sender-1", EntryContext(token="forged"), default_language="en")
    with store.transaction() as s:
        conversation = s.scalars(select(Conversation)).one()
        assert conversation.outreach_message_id is None
        assert conversation.language == "en"

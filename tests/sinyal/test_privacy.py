"""Erasure against real databases. Rasa's own ``events`` table is exercised end to end in
tests/system; here a table with the same name and key column stands in for it."""

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text

from sinyal.outreach.suppression import suppressed_because
from sinyal.privacy import SETTLE_SECONDS, erase_lead_store, request_erasure, sweep
from sinyal.settings import Settings, load_settings
from sinyal.store import Store
from sinyal.store.models import (
    Company,
    Contact,
    Conversation,
    ErasureRequest,
    KpiEvent,
    Lead,
    OutreachMessage,
    Suppression,
    utcnow,
)
from tests.support.factories import add_outreach


@pytest.fixture
def settings(clean_env: Path) -> Settings:
    return load_settings(data_dir=clean_env / "var")


def seed(store: Store, sender: str) -> None:
    with store.transaction() as s:
        outreach = add_outreach(
            s, "t", recipient_name="Anna Schmidt", recipient_address="anna@acme.example"
        )
        conversation = Conversation(
            sender_id=sender, channel="rest", outreach_message_id=outreach.id
        )
        s.add(conversation)
        s.flush()
        s.add(
            Lead(
                conversation_id=conversation.id,
                contact_name="Anna Schmidt",
                email="anna@acme.example",
                phone="+494012345",
                preferred_contact_time="mornings",
                answers={"hiring_roles": "Java devs, ask Anna", "positions": 2},
                consent_given=True,
            )
        )


def test_lead_store_personal_data_is_nulled(store: Store, settings: Settings) -> None:
    seed(store, "web-1")
    with store.transaction() as s:
        assert erase_lead_store(s, "web-1", settings) == 1
    with store.transaction() as s:
        lead = s.scalars(select(Lead)).one()
        assert (lead.contact_name, lead.email, lead.phone, lead.preferred_contact_time) == (
            None,
            None,
            None,
            None,
        )
        assert lead.erased_at is not None
        assert lead.answers == {"hiring_roles": "", "positions": 2}  # own words blanked
        outreach = s.scalars(select(OutreachMessage)).one()
        assert outreach.recipient_name is None and outreach.recipient_address is None
        assert [e.type for e in s.scalars(select(KpiEvent))] == ["data_erased"]


def test_erased_addresses_are_never_written_to_again(store: Store, settings: Settings) -> None:
    seed(store, "web-1")
    with store.transaction() as s:
        acme = Company(name="Acme", normalized_name="acme")
        s.add(acme)
        s.flush()
        s.add(Contact(company_id=acme.id, email="anna@acme.example", name="Anna"))
        s.add(Contact(company_id=acme.id, email="bob@acme.example", name="Bob"))
    with store.transaction() as s:
        erase_lead_store(s, "web-1", settings)
    with store.transaction() as s:
        assert s.scalars(select(Contact.email)).all() == ["bob@acme.example"]
        assert suppressed_because(s, "anna@acme.example", None) == "erased"
        assert suppressed_because(s, "bob@acme.example", None) is None
        assert all(row.label is None for row in s.scalars(select(Suppression)))


def test_unknown_sender_erases_nothing(store: Store, settings: Settings) -> None:
    with store.transaction() as s:
        assert erase_lead_store(s, "nobody", settings) == 0


def test_a_typed_address_erases_nobody_else(store: Store, settings: Settings) -> None:
    """The attacker's chat gave the victim's address: erasing it leaves the victim's lead,
    contact-list entry and mail alone."""
    seed(store, "victim")
    with store.transaction() as s:
        acme = Company(name="Acme", normalized_name="acme")
        s.add(acme)
        s.flush()
        s.add(Contact(company_id=acme.id, email="anna@acme.example", name="Anna"))
        attacker = Conversation(sender_id="attacker", channel="rest")
        s.add(attacker)
        s.flush()
        s.add(Lead(conversation_id=attacker.id, email="anna@acme.example", consent_given=True))
    with store.transaction() as s:
        assert erase_lead_store(s, "attacker", settings) == 1
    with store.transaction() as s:
        victim = s.scalars(select(Lead).where(Lead.contact_name.is_not(None))).one()
        assert (victim.email, victim.phone, victim.erased_at) == (
            "anna@acme.example",
            "+494012345",
            None,
        )
        assert s.scalars(select(Contact.email)).all() == ["anna@acme.example"]
        assert suppressed_because(s, "anna@acme.example", None) is None


def test_the_crm_hears_of_the_erasure_once_without_personal_data(
    store: Store, clean_env: Path
) -> None:
    from sinyal.handover.notify.card import erasure_card
    from sinyal.store.models import Notification

    settings = load_settings(data_dir=clean_env / "var", notify_webhook_url="http://crm.example/h")
    seed(store, "web-1")
    for _ in range(2):  # the sweep passes again after the action: still one notification
        with store.transaction() as s:
            erase_lead_store(s, "web-1", settings)
    with store.transaction() as s:
        (note,) = s.scalars(select(Notification)).all()
        assert (note.kind, note.channel, note.recipient) == ("lead_erased", "webhook", "crm")
        body = erasure_card(s.scalars(select(Lead)).one()).data
    assert body["event"] == "lead.erased" and "anna" not in str(body).lower()


def tracker_engine(settings: Settings):
    path = settings.data_path / "tracker.db"
    path.parent.mkdir(parents=True, exist_ok=True)
    return create_engine(f"sqlite:///{path}")


def add_tracker_rows(settings: Settings, senders: list[str]) -> None:
    engine = tracker_engine(settings)
    with engine.begin() as c:
        c.execute(
            text(
                "CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY, "
                "sender_id TEXT, data TEXT)"
            )
        )
        for sender in senders:
            c.execute(
                text("INSERT INTO events (sender_id, data) VALUES (:s, 'x@y.z')"), {"s": sender}
            )
    engine.dispose()


def tracker_rows(settings: Settings) -> list[str]:
    engine = tracker_engine(settings)
    with engine.connect() as c:
        found = [r[0] for r in c.execute(text("SELECT sender_id FROM events"))]
    engine.dispose()
    return found


def test_sweep_erases_everywhere_and_completes_after_the_turn_settled(
    settings: Settings,
) -> None:
    store = Store.from_settings(settings)
    store.upgrade()
    seed(store, "web-1")
    add_tracker_rows(settings, ["web-1", "web-1", "other"])
    with store.transaction() as s:
        first = request_erasure(s, "web-1")
        again = request_erasure(s, "web-1")
        assert first.id == again.id  # one pending request per sender
    early = sweep(settings, store)
    assert (early.swept, early.completed, early.tracker_rows) == (1, 0, 2)
    assert tracker_rows(settings) == ["other"]
    make_tracker_table_rows = ["web-1"]  # Rasa saving the requesting turn after the action
    engine = create_engine(f"sqlite:///{settings.data_path / 'tracker.db'}")
    with engine.begin() as c:
        for sender in make_tracker_table_rows:
            c.execute(
                text("INSERT INTO events (sender_id, data) VALUES (:s, 'again')"), {"s": sender}
            )
    engine.dispose()
    late = sweep(settings, store, now=utcnow() + timedelta(seconds=SETTLE_SECONDS + 1))
    assert (late.completed, late.tracker_rows) == (1, 1)
    assert tracker_rows(settings) == ["other"]
    with store.transaction() as s:
        request = s.scalars(select(ErasureRequest)).one()
        assert request.completed_at is not None and request.passes == 2
        assert request.sender_id != "web-1" and len(request.sender_id) == 64  # anonymised
    assert sweep(settings, store).swept == 0
    store.close()


def test_memory_tracker_store_has_nothing_to_delete(clean_env: Path) -> None:
    settings = load_settings(data_dir=clean_env / "var", rasa_tracker_store="memory")
    from sinyal.chat.tracker import erase_tracker

    assert erase_tracker(settings, "web-1") == 0


def test_erasure_finds_a_tracker_store_kept_in_its_own_database(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With SINYAL_TRACKER_DATABASE_URL, "delete my data" (and transcripts and chat KPIs)
    must read and erase Rasa's rows there, not in the lead store."""
    from sinyal.chat.tracker import tracker_url
    from sinyal.settings import load_settings

    monkeypatch.setenv("DATABASE_URL", "postgresql://sinyal@leads.example/leads")
    monkeypatch.setenv("SINYAL_TRACKER_DATABASE_URL", "postgresql://rasa@chats.example/chats")
    url = tracker_url(load_settings(data_dir=clean_env / "var"))
    assert url is not None
    assert (url.drivername, url.host, url.database) == (
        "postgresql+psycopg",
        "chats.example",
        "chats",
    )
    monkeypatch.delenv("SINYAL_TRACKER_DATABASE_URL")
    monkeypatch.delenv("DATABASE_URL")
    embedded = tracker_url(load_settings(data_dir=clean_env / "var"))
    assert embedded is not None and embedded.database == str(clean_env / "var" / "tracker.db")

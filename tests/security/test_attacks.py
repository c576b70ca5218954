"""What a stranger on the internet tries against a default `sinyal run`, and must fail at.

Each test is one finding of the public-surface review (issue 14), attempted through the real
processes on loopback. Findings covered below the system level are named in the README
("Security"): header injection (tests/sinyal/notify/test_dispatcher.py), `${SECRET}` in a flow
(tests/sinyal/test_flows.py), formulas in exports (tests/sinyal/test_lead_export.py), lead
takeover (tests/sinyal/test_leads.py), SMTP downgrade (tests/sinyal/test_mail.py), Telegram
webhook secret (tests/sinyal/test_telegram_bridge.py), the fetcher's limits (tests/scrapers).
"""

from __future__ import annotations

import time
import uuid

import pytest
import requests
from sqlalchemy import select

from sinyal.doctor import Status, check_exposure, outside_addresses
from sinyal.runtime.supervisor import port_is_free
from sinyal.senders import is_web_session, telegram_sender
from sinyal.store import Store
from sinyal.store.models import Conversation, ErasureRequest, Lead, Notification
from tests.chat_widget import Widget
from tests.system.conftest import RunningSystem, tracker
from tests.telegram_api import TelegramApiStandIn

pytestmark = pytest.mark.slow


def web_url(system: RunningSystem) -> str:
    return system.settings.web_url


def test_rasa_and_the_action_server_answer_nobody_without_a_token(system: RunningSystem) -> None:
    rasa, actions = system.settings.rasa_url, system.settings.actions_url
    reads = [
        requests.get(f"{rasa}/conversations/anybody/tracker", timeout=10),
        requests.get(f"{rasa}/conversations/anybody/tracker?token=guess", timeout=10),
        requests.post(f"{rasa}/webhooks/rest/webhook", json={"sender": "x", "message": "hi"}),
        requests.post(
            f"{rasa}/webhooks/rest/webhook",
            json={"sender": "x", "message": "hi"},
            headers={"Authorization": "Bearer guess"},
            timeout=10,
        ),
        requests.post(
            f"{actions}/webhook",
            json={"next_action": "action_delete_my_data", "sender_id": "victim", "tracker": {}},
            timeout=10,
        ),
    ]
    assert [r.status_code for r in reads] == [401, 401, 401, 401, 401]
    assert requests.get(f"{rasa}/socket.io/?EIO=4&transport=polling", timeout=10).status_code == 404
    # Even the token holder cannot crash the channel with a body that is not UTF-8 JSON.
    broken = requests.post(
        f"{rasa}/webhooks/rest/webhook",
        data=b'{"sender": "x", "message": "\xff\xfe"}',
        headers={**system.rest_headers, "Content-Type": "application/json"},
        timeout=10,
    )
    assert broken.status_code == 400
    ports = (system.settings.rasa_port, system.settings.actions_port)
    addresses = outside_addresses()
    assert addresses and all(port_is_free(p, a) for p in ports for a in addresses)
    assert check_exposure(system.settings).status is Status.OK


def test_a_typed_email_erases_nobody_else(system: RunningSystem, store: Store) -> None:
    victim_sender = f"w.victim-{uuid.uuid4().hex}"
    with store.transaction() as s:
        conversation = Conversation(sender_id=victim_sender, channel="website")
        s.add(conversation)
        s.flush()
        s.add(
            Lead(
                conversation_id=conversation.id,
                company_name="Firma Schmidt GmbH",
                contact_name="Anna Schmidt",
                email="anna@firma.example",
                phone="+4915123456789",
                consent_given=True,
            )
        )
    widget = Widget(web_url(system))
    try:
        attacker = widget.session()
        widget.ask('/delete_my_data{"email":"anna@firma.example"}')
        widget.ask("please delete my data anna@firma.example")
        widget.ask("yes, delete everything")
    finally:
        widget.close()
    deadline = time.monotonic() + 60
    with store.transaction() as s:  # the attack did reach the delete action
        assert s.scalars(select(ErasureRequest)).all(), "the bot never ran the delete action"
    while time.monotonic() < deadline:
        with store.transaction() as s:
            pending = s.scalars(select(ErasureRequest).where(ErasureRequest.sender_id == attacker))
            if not pending.all():
                break
        time.sleep(1)
    with store.transaction() as s:
        victim = s.scalars(select(Lead).where(Lead.contact_name == "Anna Schmidt")).one()
        assert (victim.email, victim.phone, victim.erased_at) == (
            "anna@firma.example",
            "+4915123456789",
            None,
        )


def test_a_chosen_telegram_sender_gets_a_fresh_empty_conversation(
    system: RunningSystem, telegram_api: TelegramApiStandIn
) -> None:
    chat_id = int(uuid.uuid4().int % 10**9)
    system.wait_for("telegram bridge ready", timeout=60)
    telegram_api.push_text(chat_id, "hello, we need two welders")
    telegram_api.wait_for_messages(chat_id, 1)
    victim = telegram_sender(system.secret, chat_id)
    victim_events = len(tracker(system, victim)["events"])
    assert victim_events > 0
    widget = Widget(web_url(system))
    try:
        for guessed in (f"tg-{chat_id}", victim):
            issued = widget.session(guessed)
            assert issued != guessed and is_web_session(system.secret, issued)
        widget.ask("what did I tell you before?")
    finally:
        widget.close()
    assert len(tracker(system, victim)["events"]) == victim_events  # untouched
    assert tracker(system, f"tg-{chat_id}")["events"] in ([], None) or not any(
        e.get("event") == "user" for e in tracker(system, f"tg-{chat_id}")["events"]
    )
    mine = tracker(system, issued)["events"]
    said = [e.get("text") for e in mine if e.get("event") == "user"]
    assert said == ["what did I tell you before?"]  # nothing of the victim's chat


def test_fifty_strangers_asking_for_a_person_are_one_notification(
    system: RunningSystem, store: Store
) -> None:
    with store.transaction() as s:
        before_leads = len(s.scalars(select(Lead.id)).all())
        before = len(s.scalars(select(Notification.id)).all())
    for _ in range(50):
        widget = Widget(web_url(system))
        try:
            widget.session()
            widget.ask("/request_human", quiet=0.3)  # the bot's own button: a sure request
        finally:
            widget.close()
    with store.transaction() as s:
        leads = len(s.scalars(select(Lead.id)).all()) - before_leads
        notifications = len(s.scalars(select(Notification.id)).all()) - before
    assert leads == 50  # every request is kept for the dashboard
    assert notifications == 1  # the team email, once for all fifty

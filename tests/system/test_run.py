"""`sinyal run` end to end, on SQLite and on PostgreSQL (+ Redis lock store)."""

from __future__ import annotations

import time
import uuid

import pytest
from sqlalchemy import select, text

from sinyal.chat.tracker import tracker_url
from sinyal.store import Store
from sinyal.store.models import (
    Company,
    CompanySignal,
    Conversation,
    ErasureRequest,
    KpiEvent,
    Trigger,
)
from tests.support.ports import port_is_free
from tests.support.sinyal_command import run_sinyal
from tests.support.system import RunningSystem, say

pytestmark = pytest.mark.slow


def test_greeting_uses_the_entry_link_context_and_is_stored(system: RunningSystem) -> None:
    sender = f"web-{uuid.uuid4().hex[:8]}"
    replies = say(
        system, sender, "hello", company="Acme Logistik GmbH", role="Lagerleiter", language="en"
    )
    assert len(replies) == 1
    assert "Acme Logistik GmbH" in replies[0] and "Lagerleiter" in replies[0]
    store = Store.from_settings(system.settings)
    try:
        with store.transaction() as s:
            conversation = s.scalars(
                select(Conversation).where(Conversation.sender_id == sender)
            ).one()
            assert conversation.entry_context["company"] == "Acme Logistik GmbH"
            events = s.scalars(
                select(KpiEvent.type).where(KpiEvent.conversation_id == conversation.id)
            ).all()
            assert events == ["chat_started"]
    finally:
        store.close()


def test_bahasa_indonesia_entry_gets_indonesian_replies(system: RunningSystem) -> None:
    sender = f"tg-{uuid.uuid4().hex[:8]}"
    assert "Saya asisten Sinyal" in say(system, sender, "selamat pagi", language="id")[0]
    # Thanks after the offer: answered, then the offer again (the thread is not lost).
    assert say(system, sender, "terima kasih banyak") == [
        "Sama-sama!",
        "Boleh saya ajukan beberapa pertanyaan singkat?",
    ]


def test_faq_and_job_seeker_answers(system: RunningSystem) -> None:
    sender = f"web-{uuid.uuid4().hex[:8]}"
    fees, offer = say(system, sender, "how much do you charge?", language="en")
    assert "success fee" in fees and offer == "May I ask you a few quick questions?"
    (check,) = say(system, f"{sender}-2", "saya sedang mencari pekerjaan", language="id")
    assert "apakah Anda sendiri sedang mencari pekerjaan" in check  # asked before acting
    (seeker,) = say(system, f"{sender}-2", "iya, saya cari kerja")
    assert "https://consultancy.example/candidates" in seeker  # from settings, via the action
    assert "halaman kandidat" in seeker


def tracker_event_types(system: RunningSystem, sender: str) -> list[str]:
    """The sender's rows in Rasa's SQL tracker store, wherever the settings put it."""
    url = tracker_url(system.settings)
    assert url is not None
    tracker = Store.from_url(url)
    try:
        with tracker.engine.connect() as conn:
            query = text("select type_name from events where sender_id = :s")
            return list(conn.execute(query, {"s": sender}).scalars())
    finally:
        tracker.close()


def test_tracker_store_keeps_the_conversation(system: RunningSystem) -> None:
    """Rasa's SQL tracker store (SQLite file or the PostgreSQL database) holds the events."""
    sender = f"web-{uuid.uuid4().hex[:8]}"
    say(system, sender, "hi")
    rows = tracker_event_types(system, sender)
    assert "user" in rows and "bot" in rows


def test_delete_my_data_erases_the_conversation_from_rasas_tracker_store(
    system: RunningSystem,
) -> None:
    sender = f"web-{uuid.uuid4().hex[:8]}"
    say(system, sender, "hello", company="Acme GmbH", role="Koch")
    say(system, sender, "my email is anna.schmidt@acme-logistik.de")
    assert len(tracker_event_types(system, sender)) > 0
    replies = say(system, sender, "please delete all my data")
    if any("Just to check" in reply for reply in replies):  # asked mid-form: confirmed first
        replies = say(system, sender, "yes")
    assert any("being deleted" in reply for reply in replies), replies
    store = Store.from_settings(system.settings)

    def completed() -> bool:
        with store.transaction() as s:
            query = select(ErasureRequest).where(ErasureRequest.completed_at.is_not(None))
            return s.scalars(query).first() is not None

    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not (
            completed() and len(tracker_event_types(system, sender)) == 0
        ):
            time.sleep(1)
        assert len(tracker_event_types(system, sender)) == 0
        assert completed()
        with store.transaction() as s:
            pending = select(ErasureRequest).where(ErasureRequest.sender_id == sender)
            assert s.scalars(pending).first() is None  # anonymised once complete
    finally:
        store.close()


def test_doctor_sees_rasa_reach_the_action_server(system: RunningSystem) -> None:
    done = run_sinyal("doctor", env=system.env, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "rasa -> actions" in done.stdout
    assert "Rasa ran a custom action on the action server" in done.stdout


def test_first_run_scrapes_the_demo_site_into_triggers(system: RunningSystem) -> None:
    system.wait_for("flow long-open-demo:", timeout=120)
    line = next(line for line in system.output if "flow long-open-demo:" in line)
    assert "10 new triggers" in line
    store = Store.from_settings(system.settings)
    try:
        with store.transaction() as s:
            companies = set(
                s.scalars(
                    select(Company.name).join(Trigger, Trigger.company_id == Company.id)
                ).all()
            )
    finally:
        store.close()
    assert {"Nordwind Logistik GmbH", "PT Kopi Nusantara", "Müller Stahlbau GmbH"} <= companies


def test_first_run_reads_the_demo_news_into_signals_on_the_triggers(
    system: RunningSystem,
) -> None:
    # `sinyal run` prints the news run's lines once its triggers are updated.
    system.wait_for("news flow long-open-demo:", timeout=180)
    with Store.from_settings(system.settings) as store, store.transaction() as s:
        signals = dict(s.execute(select(CompanySignal.company_name, CompanySignal.type)).all())
        nordwind = s.scalars(
            select(Trigger).join(Company).where(Company.name == "Nordwind Logistik GmbH")
        ).one()
    assert len(signals) == 5  # the feed's and the press page's stories, the football one not
    assert signals.get("Kranbau Ost GmbH") == "insolvency"
    assert nordwind.evidence["signals"][0]["type"] == "expansion"


def test_ctrl_c_stops_every_service(system: RunningSystem) -> None:
    assert system.stop() == 0
    assert any("all services stopped" in line for line in system.output)
    assert port_is_free(system.settings.rasa_port)
    assert port_is_free(system.settings.actions_port)
    assert port_is_free(system.settings.demo_site_port)
    assert port_is_free(system.settings.web_port)
    assert not any("might not be compatible" in line for line in system.output)

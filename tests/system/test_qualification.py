"""Whole qualification chats over REST against the real Rasa and action servers, then the rows.

Runs on SQLite and on PostgreSQL (+ Redis lock store), like tests/system/test_run.py.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from sinyal.chat.senders import telegram_sender
from sinyal.leads.qualification import parse_urgency
from sinyal.store import Store
from sinyal.store.models import (
    Consultant,
    Conversation,
    Handover,
    KpiEvent,
    Lead,
    OutreachMessage,
)
from tests.support.factories import add_outreach
from tests.support.system import RunningSystem, chat, say
from tests.support.telegram_api import TelegramApiStandIn

pytestmark = pytest.mark.slow

MARKUS_CHAT = 777_001  # the consultant's Telegram chat, on the session's Bot API stand-in
JANUARY = "ideally they start in January"  # soon or asap, depending on today's date

#: (what the prospect types, a piece of the bot's next reply)
ENGLISH_CHAT = [
    ("hello", "looking for a Senior Java Developer for about 4 months"),
    ("how much do you charge?", "May I ask you a few quick questions?"),  # FAQ, then the offer
    ("sure, go ahead", "How many people do you need to hire as Senior Java Developer?"),
    ("lots of them", "I need a number of people"),
    ("two", "How urgent is it?"),
    (JANUARY, "Are you the person who decides"),
    ("/affirm", "Do you agree that we store them"),
    ("yes, I agree", "What is your name, and a phone number or email"),
    ("Anna Schmidt", "And a phone number or email"),
    ("anna at nordwind", "doesn't look like an email address"),
    (
        "anna.schmidt@nordwind.de or call 040 1234567",
        "Markus Brandt will get in touch at +49401234567",
    ),
]

INDONESIAN_CHAT = [
    ("halo, saya dari bagian HRD", "Boleh saya ajukan beberapa pertanyaan"),  # detected: id
    ("boleh", "Anda merekrut untuk perusahaan apa?"),
    ("PT Kopi Nusantara", "Posisi apa yang ingin Anda isi, dan berapa orang?"),
    ("tiga barista senior", "Seberapa mendesak"),  # the count came with the role: not asked
    ("secepatnya, bulan depan kalau bisa", "Apakah Anda yang memutuskan"),
    ("ya, saya yang memutuskan", "Apakah Anda setuju kami menyimpannya"),
    ("ya, saya setuju", "Siapa nama Anda, dan nomor telepon atau email"),
    ("Budi Santoso, 0812 3456 7890", "akan menghubungi Anda di +6281234567890"),
    ("sebenarnya email saya budi.santoso@kopinusantara.co.id", "budi.santoso@kopinusantara.co.id"),
]


@pytest.fixture(scope="module")
def store(system: RunningSystem) -> Iterator[Store]:
    store = Store.from_settings(system.settings)
    with store.transaction() as s:
        if not s.scalars(select(Consultant)).first():
            s.add_all(
                [
                    Consultant(
                        name="Markus Brandt", languages=["de", "en"], telegram_chat_id=MARKUS_CHAT
                    ),
                    Consultant(name="Dewi Lestari", languages=["id"]),
                ]
            )
    yield store
    store.close()


def lead_of(store: Store, sender: str) -> tuple[Lead, list[str], list[str]]:
    with store.transaction() as s:
        conversation = s.scalars(select(Conversation).where(Conversation.sender_id == sender)).one()
        lead = s.scalars(select(Lead).where(Lead.conversation_id == conversation.id)).one()
        events = s.scalars(
            select(KpiEvent.type).where(KpiEvent.conversation_id == conversation.id)
        ).all()
        reasons = s.scalars(select(Handover.reason).where(Handover.lead_id == lead.id)).all()
        s.expunge(lead)
        return lead, list(events), list(reasons)


def test_english_chat_from_an_outreach_link_becomes_a_qualified_lead(
    system: RunningSystem, store: Store, telegram_api: TelegramApiStandIn
) -> None:
    sender = f"web-{uuid.uuid4().hex[:8]}"
    started = time.time()  # the stand-in is shared with the other backend's run
    context = {
        "company": "Nordwind Logistik GmbH",
        "role": "Senior Java Developer",
        "days_open": 121,
    }
    chat(system, sender, ENGLISH_CHAT, language="en", flow="long-open-demo", **context)
    lead, events, handovers = lead_of(store, sender)
    assert (lead.status, lead.consent_given) == ("qualified", True)
    assert (lead.contact_name, lead.email, lead.phone) == (
        "Anna Schmidt",
        "anna.schmidt@nordwind.de",
        "+49401234567",
    )
    assert lead.company_name == "Nordwind Logistik GmbH"  # the link's company name
    # What the link said counts as confirmed; only the flow's required answers were asked.
    assert {name: value for name, value in lead.answers.items() if value is not None} == {
        "hiring_roles": "Senior Java Developer",
        "positions": 2,
        "open_days": 121,
        "urgency": parse_urgency(JANUARY),
        "decision_maker": True,
    }
    # the dispatcher `sinyal run` started tells the consultant (it may already have: "notified")
    assert [e for e in events if e != "notified"] == [
        "chat_started", "lead_created", "qualified", "handed_over"]  # fmt: skip
    assert handovers == ["qualified"]
    card = telegram_api.wait_for_call("sendMessage", since=started, chat_id=MARKUS_CHAT)
    assert f"New lead #{lead.id}: Nordwind Logistik GmbH" in card.params["text"]
    assert "anna.schmidt@nordwind.de" in card.params["text"]
    # A correction after the summary saves the same lead again and notifies nobody again.
    replies = say(system, sender, "actually my email is anna.s@nordwind.de")
    assert any("anna.s@nordwind.de" in reply for reply in replies), replies
    deadline = time.monotonic() + 20  # the dispatcher records its round after sending
    while (after := lead_of(store, sender))[1].count("notified") == 0:
        assert time.monotonic() < deadline, "no `notified` event:\n" + "".join(system.output[-30:])
        time.sleep(0.5)
    assert after[0].id == lead.id and after[0].email == "anna.s@nordwind.de"
    assert after[1].count("notified") == 1 and after[2] == handovers
    cards = [
        m for m in telegram_api.messages_to(MARKUS_CHAT)
        if m.at >= started and f"#{lead.id}:" in m.params["text"]
    ]  # fmt: skip
    assert len(cards) == 1


def test_indonesian_chat_detects_the_language_and_takes_a_correction(
    system: RunningSystem, store: Store
) -> None:
    sender = f"web-{uuid.uuid4().hex[:8]}"
    chat(system, sender, INDONESIAN_CHAT)  # no language in the link: detected from the text
    lead, _, handovers = lead_of(store, sender)
    assert lead.email == "budi.santoso@kopinusantara.co.id" and lead.phone == "+6281234567890"
    assert lead.answers["positions"] == 3 and lead.answers["urgency"] == "asap"
    assert lead.answers["hiring_roles"] == "barista senior" and lead.contact_name == "Budi Santoso"
    assert lead.status == "qualified" and handovers == ["qualified"]


def test_consent_refused_stores_nothing_personal(system: RunningSystem, store: Store) -> None:
    sender = f"web-{uuid.uuid4().hex[:8]}"
    script = [
        ("hi", "May I ask you a few quick questions?"),
        ("yes", "Which company are you hiring for?"),
        ("Nordwind Logistik GmbH", "Which roles do you need help filling, and how many people?"),
        ("two Senior Java Developers", "How urgent is it?"),
        ("asap", "Are you the person who decides"),
        ("yes, I decide", "Do you agree that we store them"),
    ]
    script.append(("no, I don't agree", "I won't store any personal details"))
    chat(system, sender, script, language="en")
    lead, _, handovers = lead_of(store, sender)
    assert (lead.contact_name, lead.email, lead.phone, lead.consent_given) == (
        None,
        None,
        None,
        False,
    )
    assert lead.answers["positions"] == 2 and handovers == []


def test_talk_to_a_human_hands_over_at_once(system: RunningSystem, store: Store) -> None:
    sender = f"web-{uuid.uuid4().hex[:8]}"
    script = [
        ("hello", "May I ask"),
        ("yes", "Which company"),
        ("Acme Logistik GmbH", "Which roles"),
        ("I want to talk to a person", "A consultant has been told"),
    ]
    transcript = chat(system, sender, script, language="en")
    assert "Do you agree that we store them" in transcript[-1]
    _, events, handovers = lead_of(store, sender)
    assert handovers == ["human_requested"] and "handed_over" in events


def test_leaving_mid_form_and_coming_back_resumes_where_it_stopped(system: RunningSystem) -> None:
    sender = f"web-{uuid.uuid4().hex[:8]}"
    script = [
        ("hello", "May I ask"),
        ("yes", "Which company"),
        ("Acme Logistik GmbH", "Which roles"),
        ("nurses", "How many people"),
        ("I have to go, bye", "goodbye"),
        ("/session_start", ""),  # what Rasa runs when the prospect returns after the session ended
        ("hi again", "Welcome back"),
        ("yes", "How many people"),
    ]
    chat(system, sender, script, language="en")


def test_language_can_be_switched_by_asking(system: RunningSystem) -> None:
    sender = f"web-{uuid.uuid4().hex[:8]}"
    script = [
        ("hello", "May I ask"),
        ("yes", "Which company"),
        ("bisa pakai bahasa Indonesia?", "Bahasa Indonesia"),
    ]
    transcript = chat(system, sender, script, language="en")
    assert "perusahaan apa" in transcript[-1]


def test_telegram_deep_link_chat_through_the_bridge(
    system: RunningSystem, store: Store, telegram_api: TelegramApiStandIn
) -> None:
    chat_id = int(uuid.uuid4().int % 10**9)
    token = f"t{chat_id}"
    postings = [{"title": "Pflegefachkraft (m/w/d)", "days_open": 182}]
    with store.transaction() as s:
        add_outreach(s, token, flow=f"tg-{token}", company="Klinikum Lindenhof", postings=postings)
    system.wait_for("telegram bridge ready", timeout=60)

    telegram_api.push_text(chat_id, f"/start {token}", language_code="de")
    (greeting,) = telegram_api.wait_for_messages(chat_id, 1)
    assert "Klinikum Lindenhof" in greeting.params["text"]
    assert "Pflegefachkraft (m/w/d) for about 6 months" in greeting.params["text"]
    buttons = [row[0] for row in greeting.params["reply_markup"]["inline_keyboard"]]
    assert [(b["text"], b["callback_data"]) for b in buttons] == [
        ("Yes", "/affirm"),
        ("No", "/deny"),
    ]

    message_id = 1  # the stand-in does not check which message a button belongs to
    telegram_api.press_button(chat_id, message_id, "/affirm")
    question = telegram_api.wait_for_messages(chat_id, 2)[-1]  # the role came with the link
    assert (
        "How many people do you need to hire as Pflegefachkraft (m/w/d)" in question.params["text"]
    )
    assert telegram_api.calls("answerCallbackQuery") and telegram_api.calls(
        "editMessageReplyMarkup"
    )
    assert any(int(c.params["chat_id"]) == chat_id for c in telegram_api.calls("sendChatAction"))

    telegram_api.push_text(chat_id, "kami butuh tiga perawat untuk ICU")  # now in Indonesian
    reply = telegram_api.wait_for_messages(chat_id, 3)[-1]
    assert "Seberapa mendesak" in reply.params["text"]

    with store.transaction() as s:
        conversation = s.scalars(
            select(Conversation).where(
                Conversation.sender_id == telegram_sender(system.secret, chat_id)
            )
        ).one()
        outreach = s.scalars(select(OutreachMessage).where(OutreachMessage.token == token)).one()
        assert conversation.channel == "telegram"
        assert conversation.outreach_message_id == outreach.id
        assert conversation.entry_context["role"] == "Pflegefachkraft (m/w/d)"

"""A flow end to end over the demo job site: triggers, outreach, clicks, chats, A/B report.

`sinyal run` (real Rasa, action server, web app, demo site) scrapes the demo site into
triggers; then, as marketing would: `sinyal contacts import`, `sinyal outreach run` (emails to
aiosmtpd on loopback), prospects click the tracked links through the real click endpoint and
chat on the website chat's REST channel with the context the redirect carries, and
`sinyal ab report` must count exactly what the store holds.
"""

from __future__ import annotations

import json
import re
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from sqlalchemy import distinct, func, select

from sinyal.store import Store
from sinyal.store.models import (
    Consultant,
    Conversation,
    KpiEvent,
    Lead,
    MessageVariant,
    OutreachMessage,
)
from tests.support.sinyal_command import run_sinyal
from tests.support.smtp import SmtpSink
from tests.support.system import RunningSystem, chat

pytestmark = pytest.mark.slow

PROJECT = Path(__file__).resolve().parents[2]
LINK = re.compile(r"(http://127\.0\.0\.1:\d+/c/[A-Za-z0-9_-]+)")


def qualifying_chat(email: str) -> list[tuple[str, str]]:
    """An English prospect who qualifies; checks only replies that name no company."""
    return [
        ("hello", ""),
        ("yes", "How many people do you need to hire as"),  # the link named company and role
        ("two", "How urgent is it?"),
        ('/inform{"urgency":"asap"}', "Are you the person who decides"),
        ("/affirm", "Do you agree that we store them"),
        ("yes, I agree", "What is your name, and a phone number or email"),
        (f"Anna Schmidt, {email}", "will get in touch at"),
    ]


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    """A fresh SMTP peer per test: the system fixture runs this module once per backend."""
    sink = SmtpSink().start()
    yield sink
    sink.stop()


@pytest.fixture(scope="module")
def store(system: RunningSystem) -> Iterator[Store]:
    store = Store.from_settings(system.settings)
    with store.transaction() as s:
        if not s.scalars(select(Consultant)).first():
            s.add(Consultant(name="Lena Vogt", languages=["de", "en"], telegram_chat_id=777_201))
    yield store
    store.close()


def test_a_flow_from_scraped_triggers_to_an_ab_report(
    system: RunningSystem, store: Store, smtp: SmtpSink
) -> None:
    system.wait_for("flow long-open-demo:", timeout=180)
    env = dict(
        system.env,
        SINYAL_SMTP_HOST="127.0.0.1",
        SINYAL_SMTP_PORT=str(smtp.port),
        SINYAL_SMTP_STARTTLS="false",
    )
    imported = run_sinyal("contacts", "import", str(PROJECT / "contacts.example.csv"), env=env)
    assert imported.returncode == 0, imported.stderr
    sent = run_sinyal("outreach", "run", "long-open-demo", env=env)
    assert sent.returncode == 0, sent.stdout + sent.stderr
    assert "Müller Stahlbau GmbH" in sent.stdout  # its only contact is not an HR persona
    # The demo site yields ten triggers; nine companies have an HR contact.
    emails = list(smtp.messages)
    assert len(emails) == 9 and "9 sent" in sent.stdout
    again = run_sinyal("outreach", "run", "long-open-demo", env=env)
    assert "0 sent" in again.stdout and len(smtp.messages) == 9

    # Six prospects click (one twice); three of the English-speaking ones chat to a lead.
    links = [LINK.search(m.get_content()).group(1) for m in emails]  # type: ignore[union-attr]
    landings = []
    for link in links[:6]:
        response = requests.get(link, allow_redirects=False, timeout=10)
        assert response.status_code == 302
        landings.append(urlsplit(response.headers["location"]))
    requests.get(links[0], allow_redirects=False, timeout=10)
    assert all(page.path == "/chat" for page in landings)
    english = [parse_qs(page.query) for page in landings if "lang=id" not in page.query][:3]
    assert len(english) == 3
    for index, params in enumerate(english):
        sender = f"web-{uuid.uuid4().hex[:8]}"
        metadata = {
            "flow": params["flow"][0],
            "variant": params["variant"][0],
            "token": params["t"][0],
            "channel": "website",
            "language": "en",
        }
        chat(system, sender, qualifying_chat(f"anna{index}@prospect{index}.example"), **metadata)
        with store.transaction() as s:
            conversation = s.scalars(
                select(Conversation).where(Conversation.sender_id == sender)
            ).one()
            lead = s.scalars(select(Lead).where(Lead.conversation_id == conversation.id)).one()
            message = s.scalars(
                select(OutreachMessage).where(OutreachMessage.token == params["t"][0])
            ).one()
            assert lead.status == "qualified"
            assert (lead.outreach_message_id, lead.variant_id) == (message.id, message.variant_id)
            assert lead.company_id == message.company_id  # the link named the company

    # The report counts exactly what the store holds, per variant and event.
    for event, expected_total in (("clicked", 6), ("chat_started", 3), ("qualified", 3)):
        report = run_sinyal("ab", "report", "long-open-demo", "--event", event, "--json", env=env)
        assert report.returncode == 0, report.stderr
        variants = json.loads(report.stdout)["variants"]
        assert [v["variant"] for v in variants] == ["control", "urgency"]
        assert sum(v["conversions"] for v in variants) == expected_total
        with store.transaction() as s:
            exposures = Counter(
                dict(
                    s.execute(
                        select(MessageVariant.key, func.count())
                        .join(OutreachMessage, OutreachMessage.variant_id == MessageVariant.id)
                        .where(OutreachMessage.status == "sent")
                        .group_by(MessageVariant.key)
                    ).all()
                )
            )
            conversions = Counter(
                dict(
                    s.execute(
                        select(
                            MessageVariant.key, func.count(distinct(KpiEvent.outreach_message_id))
                        )
                        .join(KpiEvent, KpiEvent.variant_id == MessageVariant.id)
                        .where(KpiEvent.type == event)
                        .group_by(MessageVariant.key)
                    ).all()
                )
            )
        for v in variants:
            assert v["exposures"] == exposures[v["variant"]]
            assert v["conversions"] == conversions[v["variant"]]
        assert json.loads(report.stdout)["verdict"] == "keep_running"  # 9 emails prove nothing

    chart = Path(system.env["SINYAL_DATA_DIR"]) / "ab.png"
    drawn = run_sinyal("ab", "report", "long-open-demo", "--chart", str(chart), env=env)
    assert drawn.returncode == 0 and chart.read_bytes()[:4] == b"\x89PNG"

"""Sending planned outreach over real SMTP (aiosmtpd on loopback) and exporting to CSV."""

from __future__ import annotations

import csv
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from sinyal.flows import FlowDefinition
from sinyal.outreach.campaign import deliver, plan_flow
from sinyal.outreach.suppression import Reason, suppress
from sinyal.settings import Settings
from sinyal.store import Store
from sinyal.store.models import (
    EventType,
    KpiEvent,
    OutreachMessage,
    SuppressionKind,
    Trigger,
    TriggerStatus,
    utcnow,
)
from tests.support.factories import make_flow, seed_companies
from tests.support.smtp import SmtpSink


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    sink = SmtpSink().start()
    yield sink
    sink.stop()


def email_settings(base: Settings, smtp: SmtpSink, **extra: object) -> Settings:
    return base.model_copy(
        update={"smtp_host": "127.0.0.1", "smtp_port": smtp.port, "smtp_starttls": False, **extra}
    )


def send(store: Store, settings: Settings, flow: FlowDefinition, tmp_path: Path):  # type: ignore[no-untyped-def]
    flow_id, _ = plan_flow(store, flow)
    return deliver(store, settings, flow, flow_id, tmp_path / "exports")


def test_each_recipient_gets_one_personal_email_with_working_links(
    store: Store, outreach_settings: Settings, smtp: SmtpSink, tmp_path: Path
) -> None:
    flow = make_flow()
    seed_companies(store, flow, 3)
    settings = email_settings(outreach_settings, smtp)
    result = send(store, settings, flow, tmp_path)
    assert result.sent == 3 and len(smtp.messages) == 3
    message = smtp.to("hr1@firma1.example")[0]
    body = message.get_content()
    with store.transaction() as session:
        sent = session.scalars(
            select(OutreachMessage).where(OutreachMessage.recipient_address == "hr1@firma1.example")
        ).one()
        events = session.scalars(
            select(KpiEvent.type).where(KpiEvent.outreach_message_id == sent.id)
        ).all()
    assert sent.status == "sent" and sent.sent_at is not None and events == ["sent"]
    assert f"https://go.sinyal.example/c/{sent.token}" in body
    assert message["List-Unsubscribe"].strip() == f"<https://go.sinyal.example/u/{sent.token}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # Personalised from the contact and the trigger, in whichever variant this recipient got.
    assert body.startswith(("Hello Anna,", "Hi Anna."))
    if body.startswith("Hello"):
        assert message["Subject"] == "Fahrer 1 (m/w/d) at Firma 1 GmbH"
        assert "open 101 days" in body
    else:
        assert message["Subject"] == "101 days?" and "2 roles open" in body
    assert "{{" not in body and "{{" not in message["Subject"]
    # Running again sends nothing more.
    again = send(store, settings, flow, tmp_path)
    assert again.sent == 0 and len(smtp.messages) == 3


def two_planned(store: Store) -> tuple[FlowDefinition, int]:
    """A flow with two companies' messages planned, not yet sent."""
    flow = make_flow()
    seed_companies(store, flow, 2)
    flow_id, planned = plan_flow(store, flow)
    assert planned.created == 2
    return flow, flow_id


def test_someone_who_unsubscribes_after_planning_gets_nothing(
    store: Store, outreach_settings: Settings, smtp: SmtpSink
) -> None:
    flow, flow_id = two_planned(store)
    with store.transaction() as session:
        suppress(session, SuppressionKind.EMAIL, "hr0@firma0.example", Reason.UNSUBSCRIBED)
    result = deliver(store, email_settings(outreach_settings, smtp), flow, flow_id, Path("."))
    assert (result.sent, result.suppressed) == (1, 1)
    assert smtp.to("hr0@firma0.example") == []


def test_a_company_whose_trigger_bad_news_suppressed_after_planning_gets_nothing(
    store: Store, outreach_settings: Settings, smtp: SmtpSink
) -> None:
    flow, flow_id = two_planned(store)
    with store.transaction() as session:  # an insolvency story arrived in between
        held = session.scalars(
            select(Trigger)
            .join(OutreachMessage, OutreachMessage.trigger_id == Trigger.id)
            .where(OutreachMessage.id == select(func.min(OutreachMessage.id)).scalar_subquery())
        ).one()
        held.status = TriggerStatus.SUPPRESSED.value
        company_id = held.company_id
    result = deliver(store, email_settings(outreach_settings, smtp), flow, flow_id, Path("."))
    assert (result.sent, result.suppressed) == (1, 1)
    with store.transaction() as session:
        statuses = dict(
            session.execute(select(OutreachMessage.company_id, OutreachMessage.status)).all()
        )
    assert statuses[company_id] == "suppressed"


def test_the_rate_limit_counts_what_every_sender_sent_in_the_last_minute(
    store: Store, outreach_settings: Settings, smtp: SmtpSink
) -> None:
    flow = make_flow()
    seed_companies(store, flow, 4)
    flow_id, _ = plan_flow(store, flow)
    with store.transaction() as session:
        # Three emails "another sender" sent 58.5 s ago fill a limit of three per minute.
        others = session.scalars(select(OutreachMessage).order_by(OutreachMessage.id)).all()[:3]
        for message in others:
            message.status, message.sent_at = "sent", utcnow() - timedelta(seconds=58.5)
    settings = email_settings(outreach_settings, smtp, outreach_emails_per_minute=3)
    started = time.monotonic()
    result = deliver(store, settings, flow, flow_id, Path("."))
    waited = time.monotonic() - started
    assert result.sent == 1
    assert 1.0 <= waited < 10, waited


def test_a_refusing_server_marks_the_message_failed_not_lost(
    store: Store, outreach_settings: Settings, smtp: SmtpSink
) -> None:
    flow = make_flow()
    seed_companies(store, flow, 2)

    async def refuse_one(_server: object, _session: object, envelope: object) -> str:
        if "hr0@" in envelope.rcpt_tos[0]:  # type: ignore[attr-defined]
            return "550 mailbox unavailable"
        return "250 OK"

    smtp.handle_DATA = refuse_one  # type: ignore[method-assign]
    flow_id, _ = plan_flow(store, flow)
    result = deliver(store, email_settings(outreach_settings, smtp), flow, flow_id, Path("."))
    assert (result.sent, result.failed) == (1, 1)
    with store.transaction() as session:
        failed = session.scalars(
            select(OutreachMessage).where(OutreachMessage.status == "failed")
        ).one()
        assert failed.recipient_address == "hr0@firma0.example"
        assert failed.last_error == "SMTP 550"


def test_telegram_flow_exports_messages_whose_links_open_the_bot(
    store: Store, outreach_settings: Settings, tmp_path: Path
) -> None:
    flow = make_flow(channel="telegram", chat="telegram")
    seed_companies(store, flow, 2)
    result = send(store, outreach_settings, flow, tmp_path)
    assert result.sent == 2 and len(result.files) >= 1
    rows = [r for path in result.files for r in csv.DictReader(path.open(encoding="utf-8"))]
    assert {r["recipient"] for r in rows} == {"Anna 0 Schmidt", "Anna 1 Schmidt"}
    assert all(r["link"].startswith("https://go.sinyal.example/c/") for r in rows)
    assert all(r["link"] in r["message"] for r in rows)


def test_ads_export_is_the_company_list_with_a_link_per_variant(
    store: Store, outreach_settings: Settings, tmp_path: Path
) -> None:
    flow = make_flow(channel="ads")
    seed_companies(store, flow, 6, website="https://firma.example", domain="firma.example")
    result = send(store, outreach_settings, flow, tmp_path)
    assert result.sent == 6
    rows = [r for path in result.files for r in csv.DictReader(path.open(encoding="utf-8"))]
    assert list(rows[0]) == ["name", "website", "domain", "country", "city"]
    assert sorted(r["name"] for r in rows) == [f"Firma {i} GmbH" for i in range(6)]
    assert set(result.links) == {"control", "short"}
    assert any("300" in w for w in result.warnings)  # too few companies to match well
    with store.transaction() as session:
        sent_events = session.scalars(
            select(KpiEvent).where(KpiEvent.type == EventType.OUTREACH_SENT.value)
        ).all()
        assert len(sent_events) == 6


def test_a_variant_removed_after_planning_fails_its_messages_not_the_run(
    store: Store, outreach_settings: Settings, tmp_path: Path
) -> None:
    flow = make_flow(channel="telegram", chat="telegram")
    seed_companies(store, flow, 8)
    flow_id, planned = plan_flow(store, flow)
    trimmed = make_flow(channel="telegram", chat="telegram", variants=[flow.variants[0]])
    result = deliver(store, outreach_settings, trimmed, flow_id, tmp_path)
    with store.transaction() as session:
        statuses = dict(
            session.execute(
                select(OutreachMessage.status, func.count()).group_by(OutreachMessage.status)
            ).all()
        )
    assert result.sent == statuses.get("sent", 0) and result.failed == statuses.get("failed", 0)
    assert result.sent + result.failed == planned.created == 8
    assert result.failed > 0  # the removed variant's share of eight recipients

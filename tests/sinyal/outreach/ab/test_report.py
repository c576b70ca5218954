"""``sinyal ab report``: counts from the store, one conversion per message, and the chart."""

from __future__ import annotations

import struct
from pathlib import Path

from sqlalchemy import select

from sinyal.outreach.ab.chart import write_chart
from sinyal.outreach.ab.report import flow_report
from sinyal.outreach.campaign import plan_flow
from sinyal.store import Store
from sinyal.store.models import EventType, KpiEvent, MessageVariant, OutreachMessage, utcnow
from tests.support.factories import make_flow, seed_companies


def test_counts_are_messages_sent_and_messages_that_converted(store: Store, tmp_path: Path) -> None:
    flow = make_flow(experiment={"event": "clicked"})
    seed_companies(store, flow, 40)
    plan_flow(store, flow)
    expected: dict[str, list[int]] = {}
    with store.transaction() as session:
        rows = session.execute(
            select(OutreachMessage, MessageVariant.key).join(
                MessageVariant, MessageVariant.id == OutreachMessage.variant_id
            )
        ).all()
        for index, (message, key) in enumerate(rows):
            counts = expected.setdefault(key, [0, 0])
            if index % 10 == 9:
                continue  # planned but never sent: no exposure
            message.status, message.sent_at = "sent", utcnow()
            counts[0] += 1
            if index % 3 == 0:
                counts[1] += 1
                for _ in range(2):  # a double click is one conversion
                    session.add(
                        KpiEvent(
                            type=EventType.CLICKED.value,
                            outreach_message_id=message.id,
                            variant_id=message.variant_id,
                        )
                    )
    with store.transaction() as session:
        report = flow_report(session, flow)
    assert [v.variant for v in report.analysis.variants] == ["control", "short"]
    for v in report.analysis.variants:
        assert [v.exposures, v.conversions] == expected[v.variant]
    chart = write_chart(report.analysis, tmp_path / "ab.png", flow.name, "clicked")
    header = chart.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", header[16:24])
    assert width > 400 and height > 100

"""The custom audience: the store's best lookalikes first, without clients, suppressed
domains or companies held back by bad news; written whole or not at all."""

import csv
from pathlib import Path

from sinyal.outreach.audience import AUDIENCE_COLUMNS, lookalike_audience, write_audience
from sinyal.outreach.suppression import Reason, suppress
from sinyal.signals.triggers import sync_flow
from sinyal.store import Store
from sinyal.store.models import Company, LookalikeScore, SuppressionKind, Trigger, TriggerStatus
from tests.support.factories import make_flow


def test_best_first_without_clients_suppressed_domains_or_bad_news(
    store: Store, tmp_path: Path
) -> None:
    with store.transaction() as s:
        flow = sync_flow(s, make_flow())
        companies = {}
        scores = {"Low": 0.2, "High": 0.9, "Client": 0.95, "Rival": 0.85, "Bust": 0.8, "Mid": 0.5,
                  "=HYPERLINK(1)": 0.1}  # fmt: skip
        for name, score in scores.items():
            key = name.lower()
            row = Company(name=f"{name} GmbH", normalized_name=key, domain=f"{key}.de",
                          country="DE", city="Hamburg", is_client=name == "Client")  # fmt: skip
            s.add(row)
            s.flush()
            s.add(LookalikeScore(company_id=row.id, score=score, reasons=[]))
            companies[name] = row.id
        suppress(s, SuppressionKind.DOMAIN, "rival.de", Reason.OPTED_OUT)
        s.add(Trigger(flow_id=flow.id, company_id=companies["Bust"],
                      status=TriggerStatus.SUPPRESSED.value))  # fmt: skip
    with store.transaction() as s:
        rows = lookalike_audience(s, top=10)
        assert [r["name"] for r in lookalike_audience(s, top=2)] == ["High GmbH", "Mid GmbH"]
    assert [r["name"] for r in rows] == ["High GmbH", "Mid GmbH", "Low GmbH", "=HYPERLINK(1) GmbH"]
    assert rows[0] == {"name": "High GmbH", "website": "", "domain": "high.de", "country": "DE",
                       "city": "Hamburg", "lookalike_score": "0.9000"}  # fmt: skip
    out = tmp_path / "audience.csv"
    write_audience(out, rows)
    with out.open(encoding="utf-8") as handle:
        read = list(csv.DictReader(handle))
    assert tuple(read[0]) == AUDIENCE_COLUMNS and [r["name"] for r in read] == [
        "High GmbH", "Mid GmbH", "Low GmbH", "'=HYPERLINK(1) GmbH",  # text, not a formula
    ]  # fmt: skip
    assert not list(tmp_path.glob(".*partial"))

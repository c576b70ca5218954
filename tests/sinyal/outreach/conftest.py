"""A flow with open triggers at companies that have HR contacts: what outreach starts from."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sinyal.flows import FlowDefinition
from sinyal.settings import Settings
from sinyal.signals.triggers import sync_flow
from sinyal.store import Store
from sinyal.store.models import Company, Contact, Flow, Trigger


def make_flow(**overrides: Any) -> FlowDefinition:
    spec: dict[str, Any] = {
        "name": "hr-test",
        "persona": {"titles": ["hr", "talent", "personal"]},
        "variants": [
            {
                "key": "control",
                "subject": "{{ role }} at {{ company }}",
                "body": "Hello {{ first_name }}, {{ role }} has been open {{ days_open }} days.",
            },
            {
                "key": "short",
                "subject": "{{ days_open }} days?",
                "body": "Hi {{ first_name }}. {{ open_roles }} roles open. {{ link }}",
                "call_to_action": "Talk to us",
            },
        ],
    }
    spec.update(overrides)
    return FlowDefinition.model_validate(spec)


def seed_companies(store: Store, flow: FlowDefinition, count: int, **company: Any) -> Flow:
    """``count`` companies with an open trigger each and two contacts (one HR, one not)."""
    with store.transaction() as session:
        flow_row = sync_flow(session, flow)
        for i in range(count):
            row = Company(name=f"Firma {i} GmbH", normalized_name=f"firma {i}", **company)
            session.add(row)
            session.flush()
            evidence = {
                "postings": [
                    {"title": f"Fahrer {i} (m/w/d)", "days_open": 100 + i},
                    {"title": "Disponent (m/w/d)", "days_open": 95},
                ]
            }
            session.add(Trigger(flow_id=flow_row.id, company_id=row.id, evidence=evidence))
            session.add_all(
                [
                    Contact(
                        company_id=row.id,
                        name=f"Anna {i} Schmidt",
                        email=f"hr{i}@firma{i}.example",
                        title="Head of HR",
                        language="en",
                    ),
                    Contact(
                        company_id=row.id,
                        name=f"Carl {i}",
                        email=f"cfo{i}@firma{i}.example",
                        title="CFO",
                    ),
                ]
            )
        return flow_row


@pytest.fixture
def outreach_settings(tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path / "var",
        public_url="https://go.sinyal.example",
        telegram_bot_username="SinyalDemoBot",
    )

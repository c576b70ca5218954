"""Planning outreach: recipients by persona, sticky variants, suppression, no duplicates."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from scipy import stats as sps
from sqlalchemy import select

from sinyal.outreach.planner import NoVariantsError, PlanResult, plan
from sinyal.outreach.suppression import Reason, suppress
from sinyal.store import Store
from sinyal.store.models import Company, Flow, MessageVariant, OutreachMessage, SuppressionKind
from tests.support.factories import make_flow, seed_companies


def planned(store: Store) -> list[tuple[str, str | None, str]]:
    with store.transaction() as session:
        rows = session.execute(
            select(
                OutreachMessage.recipient_key, OutreachMessage.recipient_address, MessageVariant.key
            )
            .join(MessageVariant, MessageVariant.id == OutreachMessage.variant_id)
            .order_by(OutreachMessage.id)
        ).all()
        return [tuple(r) for r in rows]  # type: ignore[misc]


def run_plan(store: Store, flow_name: str = "hr-test", **overrides: object) -> PlanResult:
    flow = make_flow(**overrides)
    with store.transaction() as session:
        row = session.scalars(select(Flow).where(Flow.name == flow_name)).one()
        return plan(session, row, flow)


def test_one_message_per_persona_contact_with_a_tracked_token(store: Store) -> None:
    seed_companies(store, make_flow(), 5)
    result = run_plan(store)
    assert result.created == 5 and not result.no_contact
    rows = planned(store)
    assert sorted(a for _, a, _ in rows) == [f"hr{i}@firma{i}.example" for i in range(5)]
    with store.transaction() as session:
        tokens = session.scalars(select(OutreachMessage.token)).all()
        assert len(set(tokens)) == 5 and all(24 <= len(t) <= 64 for t in tokens)
        statuses = set(session.scalars(select(OutreachMessage.status)))
        assert statuses == {"pending"}


def test_planning_again_creates_nothing_and_keeps_each_variant(store: Store) -> None:
    seed_companies(store, make_flow(), 20)
    run_plan(store)
    before = planned(store)
    again = run_plan(store)
    assert again.created == 0 and again.already_planned == 20
    assert planned(store) == before


def test_the_hash_split_follows_the_weights(store: Store) -> None:
    flow = make_flow()
    seed_companies(store, flow, 400)
    variants = [{**v.model_dump(), "weight": w} for v, w in zip(flow.variants, (3, 1), strict=True)]
    run_plan(store, variants=variants)
    counts = Counter(variant for _, _, variant in planned(store))
    assert sps.chisquare([counts["control"], counts["short"]], [300, 100]).pvalue > 0.001
    assert counts["control"] > counts["short"]


def test_a_company_without_a_persona_contact_is_reported(store: Store) -> None:
    flow = make_flow(persona={"titles": ["talent acquisition"]})
    seed_companies(store, flow, 2)
    result = run_plan(store, persona={"titles": ["talent acquisition"]})
    assert result.created == 0
    assert result.no_contact == ["Firma 0 GmbH", "Firma 1 GmbH"]


def test_persona_words_match_from_the_start_of_a_word(store: Store) -> None:
    seed_companies(store, make_flow(), 1)
    with store.transaction() as session:
        from sinyal.store.models import Contact

        session.add(
            Contact(company_id=1, name="Christian", email="c@firma0.example", title="Christian")
        )
        session.add(
            Contact(company_id=1, name="P", email="p@firma0.example", title="Personalleiterin")
        )
    run_plan(store)
    assert sorted(a for _, a, _ in planned(store)) == ["hr0@firma0.example", "p@firma0.example"]


def test_suppressed_addresses_domains_and_clients_get_nothing(store: Store) -> None:
    seed_companies(store, make_flow(), 4)
    with store.transaction() as session:
        suppress(session, SuppressionKind.EMAIL, "HR0@firma0.example", Reason.UNSUBSCRIBED)
        suppress(session, SuppressionKind.DOMAIN, "firma1.example", Reason.OPTED_OUT)
        client = session.scalars(select(Company).where(Company.name == "Firma 2 GmbH")).one()
        client.is_client = True
    result = run_plan(store)
    assert result.created == 1 and result.suppressed == 3
    assert [a for _, a, _ in planned(store)] == ["hr3@firma3.example"]


def test_ads_and_telegram_flows_address_the_company(store: Store) -> None:
    seed_companies(store, make_flow(), 3)
    run_plan(store, channel="ads")
    assert sorted(k for k, _, _ in planned(store)) == ["c:1", "c:2", "c:3"]


def test_a_flow_without_variants_is_refused(store: Store) -> None:
    seed_companies(store, make_flow(), 1)
    with pytest.raises(NoVariantsError, match="no variants"):
        run_plan(store, variants=[])


def test_two_planners_at_once_write_each_recipient_once(store: Store) -> None:
    seed_companies(store, make_flow(), 60)
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def planner() -> None:
        try:
            barrier.wait()
            run_plan(store)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=planner) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    keys = [k for k, _, _ in planned(store)]
    assert not errors
    assert len(keys) == 60 and len(set(keys)) == 60

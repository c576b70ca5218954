from datetime import UTC, date, datetime

from sqlalchemy import select

from scrapers.items import PostingItem
from scrapers.pipeline import PostingPipeline
from sinyal.flows import FlowDefinition, TriggerRule
from sinyal.signals.triggers import detect, sync, threshold_for
from sinyal.store import Store
from sinyal.store.models import Company, KpiEvent, LookalikeScore, Trigger

AS_OF = date(2026, 11, 23)
SEEN = datetime(2026, 11, 1, tzinfo=UTC)


def add(store: Store, *postings: tuple[str, str, str, date]) -> None:
    items = [
        PostingItem(
            source="t",
            source_key="t",
            external_id=f"{company}-{title}",
            title=title,
            company=company,
            location=location,
            date_posted=posted,
        )
        for company, title, location, posted in postings
    ]
    PostingPipeline(store).ingest("t", items, SEEN)


def test_occupation_thresholds() -> None:
    rule = TriggerRule()
    assert threshold_for("pflegefachkraft intensivstation", rule) == (150, "care")
    assert threshold_for("java entwickler", rule) == (90, "software")
    assert threshold_for("disponent", rule) == (90, None)
    assert threshold_for("disponent", TriggerRule(min_open_days=120)) == (120, None)
    assert threshold_for("pflegefachkraft", TriggerRule(use_occupation_thresholds=False)) == (
        90,
        None,
    )


def test_detect_applies_thresholds_filters_and_groups_by_company(store: Store) -> None:
    add(
        store,
        ("Nordwind GmbH", "Java-Entwickler (m/w/d)", "Hamburg", date(2026, 5, 4)),  # 203 days
        ("Nordwind GmbH", "Disponent (m/w/d)", "Bremen", date(2026, 8, 1)),  # 114 days
        ("Nordwind GmbH", "Werkstudent IT (m/w/d)", "Hamburg", date(2026, 1, 1)),
        ("Klinikum", "Pflegefachkraft (w/m/d)", "München", date(2026, 7, 1)),  # 145 < 150
        ("Fresh AG", "Buchhalter", "Köln", date(2026, 10, 1)),  # 53 days
    )
    rule = TriggerRule(title_exclude=["werkstudent"])
    with store.transaction() as s:
        (nordwind,) = detect(s, rule, AS_OF)
    assert nordwind.company == "Nordwind GmbH"
    days = sorted(p["days_open"] for p in nordwind.postings)
    assert days == [114, 203]
    assert nordwind.evidence()["max_days_open"] == 203
    assert nordwind.score == round(203 / 90 + 114 / 90, 2)


def test_rule_options(store: Store) -> None:
    add(
        store,
        ("A GmbH", "Koch", "Berlin", date(2026, 1, 1)),
        ("B GmbH", "Koch (m/w/d)", "Berlin", date(2026, 1, 1)),
        ("B GmbH", "Kellner (m/w/d)", "Potsdam", date(2026, 1, 1)),
        ("C GmbH", "Koch (m/w/d)", "München", date(2026, 1, 1)),
    )
    with store.transaction() as s:

        def companies(**kw: object) -> list[str]:
            return [c.company for c in detect(s, TriggerRule(**kw), AS_OF)]

        assert companies(marker_required=True) == ["B GmbH", "C GmbH"]
        assert companies(min_postings=2) == ["B GmbH"]
        assert companies(locations=["Berlin"]) == ["A GmbH", "B GmbH"]
        assert companies(title_include=["kellner"]) == ["B GmbH"]
        assert companies(exclude_companies=["B gmbh", "C"]) == ["A GmbH"]


def test_sync_is_idempotent_and_marks_vanished_triggers_stale(store: Store) -> None:
    add(store, ("Nordwind GmbH", "Disponent", "Bremen", date(2026, 5, 1)))
    flow = FlowDefinition(name="f")
    for _ in range(2):
        with store.transaction() as s:
            sync(s, flow, AS_OF)
    with store.transaction() as s:
        (trigger,) = s.scalars(select(Trigger)).all()
        assert trigger.status == "open" and trigger.evidence["long_open_postings"] == 1
        assert [e.type for e in s.scalars(select(KpiEvent))] == ["trigger_created"]
    with store.transaction() as s:  # a stricter rule: the company no longer qualifies
        result = sync(s, FlowDefinition(name="f", trigger=TriggerRule(min_postings=2)), AS_OF)
    assert result.stale == 1
    with store.transaction() as s:
        assert s.scalars(select(Trigger.status)).one() == "stale"


def test_resemblance_to_won_clients_raises_the_score_by_the_flows_weight(store: Store) -> None:
    add(
        store,
        ("Nordwind GmbH", "Disponent (m/w/d)", "Bremen", date(2026, 8, 1)),  # 114 days
        ("Hansa AG", "Disponent (m/w/d)", "Bremen", date(2026, 8, 1)),
        ("Elbtrans KG", "Lagerist (m/w/d)", "Bremen", date(2026, 8, 1)),
    )
    with store.transaction() as s:
        ids = {c.name: c.id for c in s.scalars(select(Company))}
        s.add(
            LookalikeScore(
                company_id=ids["Nordwind GmbH"],
                score=0.8,
                nearest_won_id=ids["Elbtrans KG"],
                reasons=["same city: bremen"],
            )
        )
    with store.transaction() as s:
        scored = {c.company: c for c in detect(s, TriggerRule(lookalike_weight=2.5), AS_OF)}
        unweighted = {c.company: c for c in detect(s, TriggerRule(lookalike_weight=0), AS_OF)}
    nordwind, hansa = scored["Nordwind GmbH"], scored["Hansa AG"]
    assert nordwind.score == round(hansa.score + 2.5 * 0.8, 2)
    assert next(iter(scored)) == "Nordwind GmbH"  # and first in the outreach order
    assert nordwind.evidence()["lookalike"] == {
        "score": 0.8, "nearest_won": "Elbtrans KG", "reasons": ["same city: bremen"], "weight": 2.0,
    }  # fmt: skip
    assert hansa.lookalike is None
    assert unweighted["Nordwind GmbH"].score == hansa.score
    assert unweighted["Nordwind GmbH"].lookalike is None

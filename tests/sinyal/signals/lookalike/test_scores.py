"""The store's lookalike scores, on SQLite and PostgreSQL: won clients come from leads won
(and companies marked as clients), every other company gets a score with its nearest won
client, a new ranking replaces the old one."""

from datetime import UTC, date, datetime

from sqlalchemy import func, select

from scrapers.items import PostingItem
from scrapers.pipeline import PostingPipeline
from sinyal.events import event
from sinyal.flows import FlowDefinition
from sinyal.signals.lookalike.from_store import employees_from_size, universe_from_store
from sinyal.signals.lookalike.scores import refresh_scores, scores_of
from sinyal.signals.refresh import sync_triggers
from sinyal.store import Store
from sinyal.store.models import Company, EventType, Lead, LookalikeScore, Trigger
from tests.support.factories import add_lead

HIRING = {
    "Nordwind Logistik GmbH": ["Lagerist (m/w/d)", "Disponent (m/w/d)"],
    "Hansa Spedition GmbH": ["Lagerist (m/w/d)", "Berufskraftfahrer (m/w/d)"],
    "Elbtrans Logistik AG": ["Disponent (m/w/d)", "Berufskraftfahrer (m/w/d)"],
    "Pixelwerk GmbH": ["Frontend Developer", "DevOps Engineer"],
}


def seed(store: Store) -> dict[str, int]:
    items = [
        PostingItem(
            source="t", source_key="t", external_id=f"{name}-{n}", title=title, company=name,
            location="Hamburg, DE", date_posted=date(2026, 5, 1),
        )
        for name, titles in HIRING.items()
        for n, title in enumerate(titles)
    ]  # fmt: skip
    PostingPipeline(store).ingest("t", items, datetime(2026, 6, 1, tzinfo=UTC))
    with store.transaction() as s:
        return {c.name: c.id for c in s.scalars(select(Company))}


def win(store: Store, company_id: int, stage: str = "won") -> None:
    with store.transaction() as s:
        lead = add_lead(s, company_id=company_id, stage=stage)
        if stage == "won":
            s.add(event(EventType.WON, "test", lead_id=lead.id))


def test_scores_from_won_leads_and_clients_replace_each_other(store: Store) -> None:
    ids = seed(store)
    with store.transaction() as s:
        assert refresh_scores(s) == []  # nothing won yet: nothing to resemble
    win(store, ids["Nordwind Logistik GmbH"])
    with store.transaction() as s:
        s.get_one(Company, ids["Hansa Spedition GmbH"]).is_client = True
    win(store, ids["Pixelwerk GmbH"], stage="lost")
    with store.transaction() as s:
        universe = universe_from_store(s)
        assert len(universe.won) == 2 and len(universe.lost) == 1
        assert universe.companies[0].city == "Hamburg"  # from the postings' places
        ranked = refresh_scores(s)
    assert [r.company.name for r in ranked] == ["Elbtrans Logistik AG"]
    with store.transaction() as s:
        kept = scores_of(s, ids.values())
        assert set(kept) == {ids["Elbtrans Logistik AG"]}
        score = kept[ids["Elbtrans Logistik AG"]]
        assert score.nearest_won_id in {ids["Nordwind Logistik GmbH"], ids["Hansa Spedition GmbH"]}
        assert 0 < score.score <= 1 and score.reasons
    with store.transaction() as s:
        refresh_scores(s)
        assert s.scalar(select(func.count()).select_from(LookalikeScore)) == 1
        assert s.scalar(select(func.count()).select_from(Lead)) == 2


def test_size_as_sources_give_it() -> None:
    assert employees_from_size("50-249") == 50
    assert employees_from_size("1,200 employees") == 1200
    assert employees_from_size(None) is None and employees_from_size("large") is None


def test_a_refresh_ranks_again_before_it_updates_the_triggers(store: Store) -> None:
    ids = seed(store)
    flow = FlowDefinition.model_validate({"name": "look"})
    with store.transaction() as s:
        sync_triggers(s, [flow])
    win(store, ids["Nordwind Logistik GmbH"])
    with store.transaction() as s:
        sync_triggers(s, [flow])
    with store.transaction() as s:
        evidence = {t.company_id: t.evidence for t in s.scalars(select(Trigger))}
    lookalike = evidence[ids["Elbtrans Logistik AG"]]["lookalike"]
    assert lookalike["nearest_won"] == "Nordwind Logistik GmbH" and lookalike["weight"] > 0
    assert evidence[ids["Nordwind Logistik GmbH"]]["lookalike"] is None  # the won client itself


def test_a_role_counts_once_from_the_day_it_went_up(store: Store) -> None:
    seed(store)
    again = PostingItem(
        source="t", source_key="t", external_id="repost-1", title="Lagerist (m/w/d)",
        company="Nordwind Logistik GmbH", location="Hamburg, DE", date_posted=date(2026, 9, 1),
    )  # fmt: skip
    PostingPipeline(store).ingest("t", [again], datetime(2026, 9, 2, tzinfo=UTC))
    with store.transaction() as s:
        universe = universe_from_store(s)
    nordwind = [p for p in universe.postings if p.company == "nordwind logistik"]
    assert sorted(p.title for p in nordwind) == ["Disponent (m/w/d)", "Lagerist (m/w/d)"]
    assert {p.first_seen for p in universe.postings} == {date(2026, 5, 1)}  # not the scrape day

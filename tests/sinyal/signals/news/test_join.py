"""News signals in the store and in the triggers, on SQLite and PostgreSQL: each URL once, the
same story on several sites collapsed, recent good news raising a trigger's score, bad news
suppressing it for the flow's period."""

from datetime import UTC, date, datetime

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from scrapers.items import PostingItem
from scrapers.pipeline import PostingPipeline
from sinyal.flows import FlowDefinition
from sinyal.signals.news.kinds import Polarity, SignalType, polarity_of
from sinyal.signals.news.listing import stored_signals
from sinyal.signals.news.news_signal import NewsSignal
from sinyal.signals.news.storage import Saved, save_signals, with_plausible_date
from sinyal.signals.triggers import detect, sync
from sinyal.store import Store
from sinyal.store.models import Company, Trigger, TriggerStatus

AS_OF = date(2026, 11, 23)


def long_open(store: Store, *companies: str) -> dict[str, int]:
    items = [
        PostingItem(
            source="t", source_key="t", external_id=f"{name}-1", title="Disponent (m/w/d)",
            company=name, location="Bremen", date_posted=date(2026, 6, 1),
        )
        for name in companies
    ]  # fmt: skip
    PostingPipeline(store).ingest("t", items, datetime(2026, 11, 1, tzinfo=UTC))
    with store.transaction() as s:
        return {c.name: c.id for c in s.scalars(select(Company))}


def signal(
    url: str, kind: SignalType, published: date | None, company_id: int | None, company: str | None
) -> NewsSignal:
    return NewsSignal(
        url=url, title=f"{company} news", company=company, company_id=company_id, type=kind,
        polarity=polarity_of(kind), confidence=0.9, published_at=published, language="de",
        evidence=f"{company}: {kind.value}.",
    )  # fmt: skip


def flow(**news: object) -> FlowDefinition:
    return FlowDefinition.model_validate({"name": "news-join", "news": news})


def test_each_url_once_and_one_story_on_three_sites_is_one_signal(store: Store) -> None:
    ids = long_open(store, "Nordwind Logistik GmbH")
    nordwind = ids["Nordwind Logistik GmbH"]
    story = [
        signal(f"https://{site}/a", SignalType.FUNDING, date(2026, 11, day), nordwind, "Nordwind")
        for site, day in (("paper.example", 10), ("trade.example", 12), ("nordwind.de", 9))
    ]
    other = signal("https://paper.example/b", SignalType.FUNDING, date(2026, 8, 1), nordwind, "N")
    unknown = [
        signal(f"https://{s}/c", SignalType.INSOLVENCY, date(2026, 11, 2), None, "Kranbau Ost GmbH")
        for s in ("x.example", "y.example")
    ]
    with store.transaction() as s:
        counts = save_signals(s, [*story, other, *unknown], "test")
    assert counts == {Saved.NEW: 3, Saved.DUPLICATE: 3, Saved.SEEN: 0}
    with store.transaction() as s:
        again = save_signals(s, story, "test")
        rows = stored_signals(s)
    assert again[Saved.SEEN] == 3
    assert [(r["type"], r["sites"]) for r in rows] == [
        ("funding", 3), ("insolvency", 2), ("funding", 1),
    ]  # fmt: skip
    assert rows[0]["company"] == "Nordwind Logistik GmbH" and rows[0]["known_company"]
    assert rows[1]["company"] == "Kranbau Ost GmbH" and not rows[1]["known_company"]
    with store.transaction() as s:
        assert len(stored_signals(s, kind="insolvency")) == 1
        assert len(stored_signals(s, company="Nordwind Logistik")) == 2
        assert len(stored_signals(s, since=date(2026, 11, 1))) == 2


def test_recent_good_news_raises_the_score_and_fades_with_its_half_life(store: Store) -> None:
    ids = long_open(store, "Nordwind Logistik GmbH", "Brightwave Analytics Ltd")
    nordwind, brightwave = ids["Nordwind Logistik GmbH"], ids["Brightwave Analytics Ltd"]
    plant = signal("https://a.example/1", SignalType.EXPANSION, AS_OF, nordwind, "N")
    money = signal("https://a.example/2", SignalType.FUNDING, date(2026, 7, 26), brightwave, "B")
    with store.transaction() as s:
        save_signals(s, [plant, money], "test")
    definition = flow(weight=2.0, half_life_days={"funding": 120})
    with store.transaction() as s:
        plain = {c.company: c.score for c in detect(s, definition.trigger, AS_OF)}
        joined = {c.company: c for c in detect(s, definition.trigger, AS_OF, definition.news)}
    fresh, faded = joined["Nordwind Logistik GmbH"], joined["Brightwave Analytics Ltd"]
    assert fresh.score == round(plain["Nordwind Logistik GmbH"] + 2.0 * 0.9, 2)
    # 120 days old with a half-life of 120 days: half the weight.
    assert faded.score == round(plain["Brightwave Analytics Ltd"] + 2.0 * 0.9 * 0.5, 2)
    assert fresh.evidence()["signals"][0]["evidence"] == "N: expansion."
    assert list(joined) == ["Nordwind Logistik GmbH", "Brightwave Analytics Ltd"]


def test_bad_news_suppresses_the_trigger_for_the_flows_period_then_not(store: Store) -> None:
    ids = long_open(store, "Nordwind Logistik GmbH")
    cuts = signal(
        "https://a.example/x",
        SignalType.LAYOFFS,
        date(2026, 10, 1),
        ids["Nordwind Logistik GmbH"],
        "N",
    )
    with store.transaction() as s:
        save_signals(s, [cuts], "test")
    with store.transaction() as s:
        sync(s, flow(suppress_negative_days=90), AS_OF)
        trigger = s.scalars(select(Trigger)).one()
        assert trigger.status == TriggerStatus.SUPPRESSED.value
        assert trigger.evidence["suppressed_by"]["type"] == "layoffs"
    with store.transaction() as s:  # 53 days later the layoffs are 106 days old: call again
        sync(s, flow(suppress_negative_days=90), date(2027, 1, 15))
        assert s.scalars(select(Trigger)).one().status == TriggerStatus.OPEN.value


def test_polarity() -> None:
    assert polarity_of(SignalType.INSOLVENCY) is Polarity.NEGATIVE
    assert polarity_of(SignalType.FUNDING) is Polarity.POSITIVE
    assert polarity_of(SignalType.NONE) is Polarity.NEUTRAL


def test_a_date_in_the_future_counts_as_undated_and_a_zero_half_life_is_refused() -> None:
    ahead = signal("https://a.example/f", SignalType.FUNDING, date(2099, 1, 1), 1, "N")
    assert with_plausible_date(ahead, AS_OF).published_at is None
    today = signal("https://a.example/t", SignalType.FUNDING, AS_OF, 1, "N")
    assert with_plausible_date(today, AS_OF).published_at == AS_OF
    with pytest.raises(ValidationError, match="half_life_days"):
        flow(half_life_days={"funding": 0})
    with pytest.raises(ValidationError, match="suppress_negative_days is longer than max_age_days"):
        flow(suppress_negative_days=400, max_age_days=365)


def test_an_undated_story_does_not_swallow_a_later_one(store: Store) -> None:
    ids = long_open(store, "Nordwind Logistik GmbH")
    nordwind = ids["Nordwind Logistik GmbH"]
    undated = signal("https://a.example/u", SignalType.EXPANSION, None, nordwind, "N")
    later = signal("https://b.example/l", SignalType.EXPANSION, date(2027, 6, 1), nordwind, "N")
    with store.transaction() as s:
        first = save_signals(s, [undated], "test")
        second = save_signals(s, [later], "test")
    assert first[Saved.NEW] == 1 and second[Saved.NEW] == 1  # two stories, not one told twice


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ({}, "exactly one of feed, press_page or files"),
        ({"feed": "https://x.example/rss", "files": "a/*.html"}, "exactly one of"),
        ({"feed": "ftp://x.example/rss"}, "feed"),
        ({"press_page": "https://x.example/presse/", "max_articles": 0}, "max_articles"),
    ],
)
def test_a_bad_news_source_in_a_flow_is_refused_naming_the_field(
    source: dict[str, object], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        flow(sources=[source])

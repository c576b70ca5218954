"""The pipeline against real databases (SQLite and PostgreSQL)."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from scrapers.items import PostingItem
from scrapers.pipeline import PostingPipeline
from sinyal.store import Store
from sinyal.store.models import Company, JobPosting

DAY0 = datetime(2026, 9, 1, 6, 0, tzinfo=UTC)


def posting(ext: str, title: str = "Java-Entwickler (m/w/d)", **kw: object) -> PostingItem:
    values = {
        "source": "greenhouse",
        "source_key": "greenhouse:nordwind",
        "external_id": ext,
        "title": title,
        "company": "Nordwind Logistik GmbH",
        "location": "Hamburg",
        "date_posted": date(2026, 5, 4),
    }
    values.update(kw)
    return PostingItem(**values)  # type: ignore[arg-type]


def rows(store: Store) -> list[JobPosting]:
    with store.transaction() as s:
        return list(s.scalars(select(JobPosting).order_by(JobPosting.external_id)))


def test_rerun_never_duplicates_and_counts_unchanged(store: Store) -> None:
    pipeline = PostingPipeline(store)
    items = [posting("1"), posting("2", "Disponent (m/w/d)")]
    first = pipeline.ingest("greenhouse:nordwind", items, DAY0)
    again = pipeline.ingest("greenhouse:nordwind", items, DAY0 + timedelta(days=1))
    assert (first.new, first.unchanged) == (2, 0)
    assert (again.new, again.updated, again.unchanged) == (0, 0, 2)
    stored = rows(store)
    assert len(stored) == 2
    assert stored[0].first_seen == DAY0 and stored[0].last_seen == DAY0 + timedelta(days=1)
    assert stored[0].gender_marker == "m/w/d" and stored[0].normalized_title == "java entwickler"
    with store.transaction() as s:
        assert s.scalar(select(func.count()).select_from(Company)) == 1


def test_changed_posting_is_updated_in_place(store: Store) -> None:
    pipeline = PostingPipeline(store)
    pipeline.ingest("greenhouse:nordwind", [posting("1")], DAY0)
    counts = pipeline.ingest("greenhouse:nordwind", [posting("1", location="Hamburg-Altona")], DAY0)
    assert counts.updated == 1
    (row,) = rows(store)
    assert row.location == "Hamburg-Altona"


def test_duplicate_ids_within_one_feed_are_one_posting(store: Store) -> None:
    counts = PostingPipeline(store).ingest(
        "greenhouse:nordwind", [posting("1"), posting("1")], DAY0
    )
    assert counts.new == 1 and len(rows(store)) == 1


def test_missing_from_two_complete_scans_closes(store: Store) -> None:
    pipeline = PostingPipeline(store)
    key = "greenhouse:nordwind"
    pipeline.ingest(key, [posting("1"), posting("2", "Disponent")], DAY0)
    for day in (1, 2):
        scan = DAY0 + timedelta(days=day)
        pipeline.ingest(key, [posting("1")], scan)
        closed = pipeline.close_missing(key, scan)
        assert closed == (1 if day == 2 else 0)
    by_id = {r.external_id: r for r in rows(store)}
    assert by_id["2"].closed_at == DAY0 + timedelta(days=2)
    assert by_id["1"].closed_at is None


def test_a_failed_scan_closes_nothing(store: Store) -> None:
    """The runner only calls close_missing after a complete scan; ingesting alone never closes."""
    pipeline = PostingPipeline(store)
    pipeline.ingest("greenhouse:nordwind", [posting("1")], DAY0)
    for day in (1, 2, 3):
        pipeline.ingest("greenhouse:nordwind", [], DAY0 + timedelta(days=day))
    assert rows(store)[0].closed_at is None


def test_other_sources_are_not_closed(store: Store) -> None:
    pipeline = PostingPipeline(store)
    pipeline.ingest("lever:x", [posting("L1", source_key="lever:x")], DAY0)
    for day in (1, 2):
        pipeline.close_missing("greenhouse:nordwind", DAY0 + timedelta(days=day))
    assert rows(store)[0].closed_at is None


def test_repost_under_new_id_keeps_the_original_start(store: Store) -> None:
    pipeline = PostingPipeline(store, repost_window_days=60)
    pipeline.ingest("greenhouse:nordwind", [posting("1", date_posted=date(2026, 3, 1))], DAY0)
    repost = posting("99", "Senior Java Entwickler (w/m/d)", date_posted=date(2026, 8, 30))
    pipeline.ingest("greenhouse:nordwind", [repost], DAY0 + timedelta(days=10))
    by_id = {r.external_id: r for r in rows(store)}
    assert by_id["99"].date_posted == date(2026, 8, 30)
    assert by_id["99"].original_start == date(2026, 3, 1)


def test_repost_outside_the_window_starts_fresh(store: Store) -> None:
    pipeline = PostingPipeline(store, repost_window_days=30)
    pipeline.ingest("greenhouse:nordwind", [posting("1", date_posted=date(2026, 3, 1))], DAY0)
    later = DAY0 + timedelta(days=90)
    pipeline.ingest("greenhouse:nordwind", [posting("99", date_posted=date(2026, 11, 20))], later)
    assert {r.external_id: r for r in rows(store)}["99"].original_start == date(2026, 11, 20)


def test_unknown_posting_date_starts_at_first_seen(store: Store) -> None:
    PostingPipeline(store).ingest("greenhouse:nordwind", [posting("1", date_posted=None)], DAY0)
    assert rows(store)[0].original_start == DAY0.date()


def test_fresh_date_on_the_same_id_does_not_reset_the_clock(store: Store) -> None:
    pipeline = PostingPipeline(store)
    pipeline.ingest("greenhouse:nordwind", [posting("1", date_posted=date(2026, 3, 1))], DAY0)
    pipeline.ingest("greenhouse:nordwind", [posting("1", date_posted=date(2026, 9, 5))], DAY0)
    (row,) = rows(store)
    assert row.date_posted == date(2026, 9, 5) and row.original_start == date(2026, 3, 1)


def test_a_closed_posting_that_reappears_reopens(store: Store) -> None:
    pipeline = PostingPipeline(store)
    key = "greenhouse:nordwind"
    pipeline.ingest(key, [posting("1")], DAY0)
    for day in (1, 2):
        pipeline.close_missing(key, DAY0 + timedelta(days=day))
    assert rows(store)[0].closed_at is not None
    pipeline.ingest(key, [posting("1")], DAY0 + timedelta(days=3))
    assert rows(store)[0].closed_at is None


def test_same_posting_listed_again_in_a_later_chunk(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ids of rows inserted by this ingest are fetched lazily when a later chunk needs them."""
    monkeypatch.setattr("scrapers.pipeline.CHUNK", 2)
    items = [posting("1"), posting("2", "Disponent"), posting("1", location="Altona")]
    counts = PostingPipeline(store).ingest("greenhouse:nordwind", items, DAY0)
    assert (counts.new, counts.updated) == (2, 1)
    assert rows(store)[0].location == "Altona"

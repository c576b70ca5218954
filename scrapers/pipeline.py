"""The item pipeline: normalise postings and upsert them, idempotently and in bulk.

Per source and scan:
* a posting seen before with the same content only gets ``last_seen`` (one UPDATE per chunk);
* a changed one is updated; a new one is inserted with its company;
* a new posting whose company + normalised title + location (``repost_key``) was seen within the
  re-post window keeps that chain's earliest start, so re-posting does not reset the clock;
* after a *complete* scan, postings it did not list get ``missed_scans + 1``, and are closed at
  two in a row. A failed or partial scan closes nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import chain, islice
from typing import Any, NamedTuple, cast

from sqlalchemy import Table, bindparam, case, func, select, update
from sqlalchemy.orm import Session

from scrapers.items import PostingItem
from scrapers.normalize import normalize_company, repost_key
from sinyal.store import Store
from sinyal.store.db import bulk_insert, in_values, insert_ignoring_conflicts
from sinyal.store.models import Company, JobPosting

POSTINGS = cast(Table, JobPosting.__table__)
CHUNK = 50_000
#: What a sighting sets on a posting, new or changed (``_values`` builds them in this order).
VALUE_COLUMNS = [
    "company_id", "url", "title", "normalized_title", "location", "gender_marker",
    "employment_type", "date_posted", "valid_through", "repost_key", "original_start",
    "last_seen", "missed_scans", "content_hash", "listed_on",
]  # fmt: skip
INSERT_COLUMNS = ["source", "external_id", *VALUE_COLUMNS, "first_seen"]
REPOST_KEY = VALUE_COLUMNS.index("repost_key")
ORIGINAL_START = VALUE_COLUMNS.index("original_start")
CLOSE_AFTER_MISSED_SCANS = 2


@dataclass
class IngestCounts:
    new: int = 0
    updated: int = 0
    unchanged: int = 0

    def add(self, other: IngestCounts) -> None:
        self.new += other.new
        self.updated += other.updated
        self.unchanged += other.unchanged


class _Known(NamedTuple):
    """What the pipeline needs to know of a stored posting to classify a new sighting."""

    id: int | None  # None: inserted by this ingest, id not fetched (rarely needed)
    content_hash: str
    closed: bool


def content_hash(item: PostingItem) -> str:
    """Changes when anything a source reports about the posting changes (stable across runs)."""
    fields = (
        item.title, item.company, item.location, item.date_posted, item.valid_through,
        item.url, item.employment_type,
    )  # fmt: skip
    return hashlib.blake2b(repr(fields).encode(), digest_size=16).hexdigest()


def _chunks(items: Iterable[PostingItem], size: int) -> Iterator[list[PostingItem]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


class PostingPipeline:
    """Writes one source's scan into the store. Safe to run from several processes."""

    def __init__(self, store: Store, repost_window_days: int = 60) -> None:
        self.store = store
        self.repost_window = timedelta(days=repost_window_days)

    def ingest(
        self, source_key: str, items: Iterable[PostingItem], scanned_at: datetime
    ) -> IngestCounts:
        counts = IngestCounts()
        chunks = _chunks(items, CHUNK)
        first = next(chunks, None)
        if first is None:  # every page answered 304: nothing to compare, nothing to load
            return counts
        with self.store.transaction() as session:
            known = self._known(session, source_key)
            companies = dict(session.execute(select(Company.normalized_name, Company.id)).all())
        for chunk in chain([first], chunks):
            with self.store.transaction() as session:
                counts.add(
                    self._ingest_chunk(session, source_key, chunk, scanned_at, known, companies)
                )
        return counts

    def touch_pages(self, source_key: str, page_urls: list[str], scanned_at: datetime) -> int:
        """Pages that answered 304 list what they listed last time: mark those postings seen.

        One UPDATE per page, instead of parsing and re-ingesting it. Only postings the previous
        scan saw (``missed_scans == 0``) are touched, so one already missing stays missing.
        """
        if not page_urls:
            return 0
        with self.store.transaction() as session:
            touched = session.execute(
                update(JobPosting)
                .where(
                    JobPosting.source == source_key,
                    JobPosting.listed_on.in_(page_urls),
                    JobPosting.closed_at.is_(None),
                    JobPosting.missed_scans == 0,
                )
                .values(last_seen=scanned_at)
            )
            return int(touched.rowcount or 0)  # type: ignore[attr-defined]

    def close_missing(self, source_key: str, scan_started: datetime) -> int:
        """After a complete scan: count a miss for every open posting it did not list."""
        with self.store.transaction() as session:
            open_here = (JobPosting.source == source_key) & JobPosting.closed_at.is_(None)
            session.execute(
                update(JobPosting)
                .where(open_here & (JobPosting.last_seen < scan_started))
                .values(missed_scans=JobPosting.missed_scans + 1)
            )
            closed = session.execute(
                update(JobPosting)
                .where(open_here & (JobPosting.missed_scans >= CLOSE_AFTER_MISSED_SCANS))
                .values(closed_at=scan_started)
            )
            return int(closed.rowcount or 0)  # type: ignore[attr-defined]

    @staticmethod
    def _known(session: Session, source_key: str) -> dict[str, _Known]:
        rows = session.execute(
            select(
                JobPosting.external_id,
                JobPosting.id,
                JobPosting.content_hash,
                JobPosting.closed_at.is_not(None),
            ).where(JobPosting.source == source_key)
        )
        return {ext: _Known(id_, digest, closed) for ext, id_, digest, closed in rows}

    @staticmethod
    def _id_of(session: Session, source_key: str, external_id: str) -> int:
        return session.execute(
            select(JobPosting.id).where(
                JobPosting.source == source_key, JobPosting.external_id == external_id
            )
        ).scalar_one()

    def _ingest_chunk(
        self,
        session: Session,
        source_key: str,
        chunk: list[PostingItem],
        scanned_at: datetime,
        known: dict[str, _Known],
        companies: dict[str, int],
    ) -> IngestCounts:
        latest = {item.external_id: item for item in chunk}  # a feed listing an id twice
        self._ensure_companies(session, latest.values(), companies)
        seen: dict[str | None, list[int]] = {}  # by the page that listed them now
        changed: list[dict[str, Any]] = []
        new: list[tuple[PostingItem, str]] = []
        for item in latest.values():
            previous = known.get(item.external_id)
            digest = content_hash(item)
            if previous is None:
                new.append((item, digest))
                continue
            posting_id = previous.id
            if posting_id is None:
                posting_id = self._id_of(session, source_key, item.external_id)
            if previous.content_hash == digest and not previous.closed:
                seen.setdefault(item.page_url, []).append(posting_id)
            else:
                values = _values(item, digest, scanned_at, companies)
                row = dict(zip(VALUE_COLUMNS, values, strict=True))
                row.update(closed_at=None, b_id=posting_id)
                changed.append(row)
                known[item.external_id] = _Known(posting_id, digest, False)
        for page_url, ids in seen.items():
            session.execute(
                update(JobPosting)
                .where(JobPosting.id.in_(ids))
                .values(last_seen=scanned_at, missed_scans=0, listed_on=page_url)
            )
        if changed:
            self._update_changed(session, changed)
        if new:
            self._insert_new(session, source_key, new, scanned_at, companies, known)
        unchanged = sum(len(ids) for ids in seen.values())
        return IngestCounts(new=len(new), updated=len(changed), unchanged=unchanged)

    @staticmethod
    def _ensure_companies(
        session: Session, items: Iterable[PostingItem], companies: dict[str, int]
    ) -> None:
        missing: dict[str, dict[str, str]] = {}
        for item in items:
            key = normalize_company(item.company)
            if key not in companies:
                missing.setdefault(key, {"name": item.company, "normalized_name": key})
        if not missing:
            return
        insert_ignoring_conflicts(session, Company, list(missing.values()), ["normalized_name"])
        rows = session.execute(
            select(Company.normalized_name, Company.id).where(
                in_values(session, Company.normalized_name, missing)
            )
        )
        companies.update(rows.all())

    @staticmethod
    def _update_changed(session: Session, rows: list[dict[str, Any]]) -> None:
        """Changed postings; the start never moves later (a fresh date does not reset it)."""
        values: dict[str, Any] = {c: bindparam(c) for c in rows[0] if c != "b_id"}
        new_start: Any = bindparam("original_start")
        values["original_start"] = case(
            (POSTINGS.c.original_start < new_start, POSTINGS.c.original_start), else_=new_start
        )
        session.execute(
            update(POSTINGS).where(POSTINGS.c.id == bindparam("b_id")).values(values), rows
        )

    def _insert_new(
        self,
        session: Session,
        source_key: str,
        new: list[tuple[PostingItem, str]],
        scanned_at: datetime,
        companies: dict[str, int],
        known: dict[str, _Known],
    ) -> None:
        rows = [
            _values(item, digest, scanned_at, companies, (source_key, item.external_id[:255]))
            for item, digest in new
        ]
        key_at, start_at = 2 + REPOST_KEY, 2 + ORIGINAL_START
        chains = self._repost_starts(session, {row[key_at] for row in rows}, scanned_at)
        if chains:
            for i, row in enumerate(rows):
                earlier = chains.get(row[key_at])
                if earlier is not None and earlier < row[start_at]:
                    rows[i] = (*row[:start_at], earlier, *row[start_at + 1 :])
        bulk_insert(session, POSTINGS, INSERT_COLUMNS, rows)
        for item, digest in new:  # ids are looked up only if the same scan lists it again
            known[item.external_id] = _Known(None, digest, False)

    def _repost_starts(
        self, session: Session, keys: set[str], scanned_at: datetime
    ) -> dict[str, date]:
        """The earliest start of each re-post chain seen within the window."""
        window_start = scanned_at - self.repost_window
        rows = session.execute(
            select(JobPosting.repost_key, func.min(JobPosting.original_start))
            .where(in_values(session, JobPosting.repost_key, keys))
            .where(JobPosting.last_seen >= window_start)
            .group_by(JobPosting.repost_key)
        )
        return dict(rows.all())


def _values(
    item: PostingItem,
    digest: str,
    scanned_at: datetime,
    companies: dict[str, int],
    new_key: tuple[str, str] | None = None,
) -> tuple[Any, ...]:
    """The ``VALUE_COLUMNS`` of a sighting, as the pipeline stores them; for a new posting
    (``new_key``: source, external id) the whole ``INSERT_COLUMNS`` row, built in one go."""
    first_seen_day = scanned_at.date()
    start = min(item.date_posted, first_seen_day) if item.date_posted else first_seen_day
    values = (
        companies[normalize_company(item.company)],
        item.url,
        item.title[:500],
        item.normalized_title[:500],
        (item.location or None) and item.location[:300],
        item.gender_marker,
        (item.employment_type or None) and item.employment_type[:60],
        item.date_posted,
        item.valid_through,
        repost_key(item.company, item.title, item.location),
        start,
        scanned_at,
        0,
        digest,
        item.page_url,
    )
    return values if new_key is None else (*new_key, *values, scanned_at)

"""Rate limits shared through the database: fixed-window counts and claims."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from sinyal.store import Store, ratelimit
from sinyal.store.models import RateLimitClaim, utcnow
from sinyal.store.ratelimit import claim, hit


def _age_claim(store: Store, key: str, seconds: float) -> None:
    with store.transaction() as s:
        s.execute(
            update(RateLimitClaim)
            .where(RateLimitClaim.key == key)
            .values(claimed_at=utcnow() - timedelta(seconds=seconds))
        )


def test_a_claim_holds_for_its_seconds_counted_from_the_claim_not_the_clock(
    store: Store,
) -> None:
    with store.transaction() as s:
        assert claim(s, "contactless:o-1", 600)
        assert not claim(s, "contactless:o-1", 600)
        assert claim(s, "contactless:o-2", 600)  # keys are apart
    _age_claim(store, "contactless:o-1", 599)  # a clock window of 600 s may well have turned
    with store.transaction() as s:
        assert not claim(s, "contactless:o-1", 600)
    _age_claim(store, "contactless:o-1", 601)
    with store.transaction() as s:
        assert claim(s, "contactless:o-1", 600)
        assert not claim(s, "contactless:o-1", 600)  # and the new claim starts now


def test_a_claim_refused_does_not_push_the_next_one_back(store: Store) -> None:
    with store.transaction() as s:
        assert claim(s, "k", 600)
    _age_claim(store, "k", 300)
    with store.transaction() as s:
        assert not claim(s, "k", 600)  # refused: must not restart the 600 s
    _age_claim(store, "k", 601)
    with store.transaction() as s:
        assert claim(s, "k", 600)


def test_of_many_processes_claiming_at_once_exactly_one_wins(store: Store) -> None:
    start, results = threading.Barrier(8), []

    def contender() -> None:
        start.wait()
        with store.transaction() as s:
            results.append(claim(s, "contactless:office", 600))

    threads = [threading.Thread(target=contender) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False] * 7 + [True]


def test_a_fixed_window_counts_up_to_its_limit(store: Store) -> None:
    assert [hit(store, "login:1.2.3.4", 3, 3600) for _ in range(5)] == [True] * 3 + [False] * 2


def test_now_and_then_rows_a_day_old_are_forgotten(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    with store.transaction() as s:
        assert claim(s, "old", 600) and claim(s, "fresh", 600)
    _age_claim(store, "old", 2 * 86_400)
    monkeypatch.setattr(ratelimit.random, "random", lambda: 0.0)  # this call does housekeeping
    with store.transaction() as s:
        assert claim(s, "another", 600)
        assert sorted(s.scalars(select(RateLimitClaim.key))) == ["another", "fresh"]

"""Variant assignment: sticky hash split and Thompson sampling with a floor."""

from __future__ import annotations

from collections import Counter

import pytest
from scipy import stats as sps

from sinyal.outreach.ab.assignment import hash_point, normalised, pick, thompson_shares


def test_the_same_recipient_always_lands_in_the_same_place() -> None:
    assert hash_point("flow", "e:abc") == hash_point("flow", "e:abc")
    assert hash_point("flow", "e:abc") != hash_point("other-flow", "e:abc")


def test_hash_points_are_uniform_enough_for_a_fair_split() -> None:
    shares = normalised([2, 1, 1])
    counts = Counter(pick(shares, hash_point("f", f"key-{i}")) for i in range(20_000))
    observed = [counts[0], counts[1], counts[2]]
    assert sps.chisquare(observed, [10_000, 5_000, 5_000]).pvalue > 0.001


def test_pick_covers_the_edges() -> None:
    assert pick([0.5, 0.5], 0.0) == 0
    assert pick([0.5, 0.5], 0.5) == 1
    assert pick([0.5, 0.5], 0.9999999999) == 1


def test_thompson_uses_the_weights_until_every_arm_has_its_burn_in() -> None:
    assert thompson_shares([(99, 50), (500, 1)], [1, 1], 0.05, burn_in=100) == [0.5, 0.5]


def test_thompson_favours_the_better_arm_and_keeps_the_floor() -> None:
    shares = thompson_shares([(1000, 50), (1000, 120), (1000, 10)], [1, 1, 1], 0.05, 100)
    assert sum(shares) == pytest.approx(1.0)
    assert shares[1] > 0.8
    assert min(shares) >= 0.05


def test_thompson_is_an_even_split_for_equal_evidence_and_reproducible() -> None:
    counts = [(500, 40), (500, 40)]
    shares = thompson_shares(counts, [1, 1], 0.1, 100)
    assert shares == thompson_shares(counts, [1, 1], 0.1, 100)
    assert shares[0] == pytest.approx(0.5, abs=0.02)

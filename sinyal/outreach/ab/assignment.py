"""Which variant a recipient gets: a sticky hash split, or Thompson sampling with a floor.

The hash split is deterministic: sha256(flow, recipient) maps to a point in [0, 1) and the
configured weights cut that interval, so the same recipient always lands in the same variant
and any number of machines agree without talking to each other.

Thompson sampling (per flow, on a fast event such as a click) turns each variant's
Beta(1 + conversions, 1 + misses) posterior into its probability of being best and gives that
share of new traffic, with ``min_share`` kept for every arm so none starves and estimates stay
possible. Until every arm has ``burn_in`` exposures the configured weights are used. The shares
come from a Monte Carlo seeded by the counts, so the same data gives the same split on every
machine; the recipient's hash point then picks from them, so assignment stays deterministic.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

DRAWS = 20_000


def hash_point(flow: str, recipient_key: str) -> float:
    """A uniform point in [0, 1) fixed by flow and recipient."""
    digest = hashlib.sha256(f"{flow}\x00{recipient_key}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def normalised(weights: Sequence[float]) -> list[float]:
    total = float(sum(weights))
    return [w / total for w in weights]


def pick(shares: Sequence[float], point: float) -> int:
    """The index whose slice of [0, 1) holds ``point``."""
    edge = 0.0
    for index, share in enumerate(shares):
        edge += share
        if point < edge:
            return index
    return len(shares) - 1  # rounding: the last slice ends at 1


def thompson_shares(
    counts: Sequence[tuple[int, int]],
    weights: Sequence[float],
    min_share: float,
    burn_in: int,
) -> list[float]:
    """Traffic shares from (exposures, conversions) per arm, each at least ``min_share``."""
    if len(counts) < 2 or min(e for e, _ in counts) < burn_in:
        return normalised(weights)
    seed = int.from_bytes(hashlib.sha256(repr(list(counts)).encode()).digest()[:8], "big")
    rng = np.random.default_rng(seed)
    draws = np.column_stack([rng.beta(1 + c, 1 + e - c, size=DRAWS) for e, c in counts])
    best = np.bincount(draws.argmax(axis=1), minlength=len(counts)) / DRAWS
    free = 1.0 - min_share * len(counts)
    return [min_share + free * float(p) for p in best]

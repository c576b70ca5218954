"""How well the ranking finds the next client, measured the honest way: leave one out.

Each won client in turn is hidden among the companies neither won nor lost, the other won
clients are the examples, the universe is ranked with features built only from what was known
before the hidden client's win date (postings first seen and news published earlier, for every
company), and its rank is recorded. A won client without a date is ranked with all data; the
report says how many there were. hit@k is the share of won clients found in the first k, MRR
the mean of 1/rank (ties count half). Two baselines beside it, on the same folds: random order
(its expected figures, computed exactly) and size alone (how much likelier a company's size is
among the won clients than among all companies: the ratio of two densities over log employees,
smoothed histograms so a million companies cost no more than a pass over them; unknown sizes
last).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np

from sinyal.signals.lookalike.features import Features, build_features
from sinyal.signals.lookalike.ranking import score_rows
from sinyal.signals.lookalike.universe import Universe

CUTS = (10, 50)
SIZE_BANDWIDTH = 0.4  # in log employees: about a factor of 1.5
SIZE_STEP = 0.05
SIZE_GRID = np.arange(0.0, 12.0 + SIZE_STEP, SIZE_STEP)  # log1p(employees) up to ~160,000


@dataclass
class Ranks:
    """Where each hidden won client landed, and among how many companies."""

    ranks: list[float] = field(default_factory=list)
    sizes: list[int] = field(default_factory=list)

    def hit_at(self, k: int) -> float:
        return float(np.mean([r <= k for r in self.ranks])) if self.ranks else 0.0

    def mrr(self) -> float:
        return float(np.mean([1 / r for r in self.ranks])) if self.ranks else 0.0

    def as_json(self) -> dict[str, float]:
        return {**{f"hit@{k}": round(self.hit_at(k), 4) for k in CUTS}, "mrr": round(self.mrr(), 4)}


@dataclass
class Evaluation:
    won: int
    companies: int
    model: Ranks
    size_only: Ranks
    #: Won clients without a win date: ranked with all data, so their folds can see the future.
    undated: int = 0

    def random(self) -> dict[str, float]:
        """Expected figures of a random order on the same folds: hit@k = k/n, MRR = H(n)/n."""
        sizes = self.model.sizes or [1]
        figures = {f"hit@{k}": float(np.mean([min(k, n) / n for n in sizes])) for k in CUTS}
        figures["mrr"] = float(np.mean([_harmonic(n) / n for n in sizes]))
        return {name: round(value, 4) for name, value in figures.items()}

    def as_json(self) -> dict[str, Any]:
        return {
            "won_clients": self.won,
            "won_clients_without_date": self.undated,
            "companies": self.companies,
            "model": self.model.as_json(),
            "baselines": {"random": self.random(), "size_only": self.size_only.as_json()},
        }


def _harmonic(n: int) -> float:
    return sum(1 / i for i in range(1, n + 1))


def rank_of(scores: np.ndarray, hidden: int) -> float:
    """1-based rank of position ``hidden``; ties with others count half."""
    target = scores[hidden]
    ahead = int(np.sum(scores > target))
    tied = int(np.sum(scores == target)) - 1
    return 1 + ahead + tied / 2


class SizeOnly:
    """A size-only model: the density of the won clients' sizes over everyone's."""

    def __init__(self, universe: Universe) -> None:
        sizes = [c.employees for c in universe.companies]
        self.known = np.array([s is not None for s in sizes])
        logs = np.array([math.log1p(s) if s is not None else 0.0 for s in sizes])
        self.bin = np.clip(np.digitize(logs, SIZE_GRID) - 1, 0, len(SIZE_GRID) - 2)
        self.everyone = _smoothed(self.bin[self.known])

    def scores(self, rows: np.ndarray, others: list[int]) -> np.ndarray:
        examples = [n for n in others if self.known[n]]
        if not examples:
            return np.zeros(len(rows))
        ratio = _smoothed(self.bin[examples]) / np.maximum(self.everyone, 1e-12)
        return np.where(self.known[rows], ratio[self.bin[rows]], -1.0)


def _smoothed(bins: np.ndarray) -> np.ndarray:
    """A histogram over the log-employee grid, smoothed by a Gaussian of SIZE_BANDWIDTH."""
    counts = np.bincount(bins, minlength=len(SIZE_GRID) - 1).astype(float)
    sigma = SIZE_BANDWIDTH / SIZE_STEP
    offsets = np.arange(-int(4 * sigma), int(4 * sigma) + 1)
    kernel = np.exp(-0.5 * (offsets / sigma) ** 2)
    return np.convolve(counts, kernel, mode="same") / max(len(bins), 1)


def leave_one_out(universe: Universe, on_fold: Callable[[], None] | None = None) -> Evaluation:
    """Rank every won client from the others, with data from before its own win.
    ``on_fold`` is called after each won client (progress)."""
    built: dict[date | None, Features] = {}
    model, size_only, by_size = Ranks(), Ranks(), SizeOnly(universe)
    won, lost = universe.outcome_rows()
    unlabelled = [n for n in range(len(universe.companies)) if n not in won and n not in lost]
    for hidden, day in won.items():
        if day not in built:
            built[day] = build_features(universe, day)
        features = built[day]
        others = [n for n in won if n != hidden]
        rows = np.asarray([*unlabelled, hidden])
        scored = score_rows(features, others, lost, rows)
        model.ranks.append(rank_of(scored.score, len(rows) - 1))
        model.sizes.append(len(rows))
        size_only.ranks.append(rank_of(by_size.scores(rows, others), len(rows) - 1))
        size_only.sizes.append(len(rows))
        if on_fold:
            on_fold()
    undated = sum(day is None for day in won.values())
    return Evaluation(len(won), len(universe.companies), model, size_only, undated)

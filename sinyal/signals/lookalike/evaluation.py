"""How well the ranking finds the next client, measured the honest way: leave one out.

Each won client in turn is hidden among the companies not yet won, the universe is ranked
with features built only from what was known before its win date (postings first seen and news
published earlier), and its rank is recorded. hit@k is the share of won clients found in the
first k, MRR the mean of 1/rank (ties count half). Two baselines beside it, on the same folds:
random order (its expected figures, computed exactly) and size alone (how much likelier a
company's size is among the won clients than among all companies: the ratio of two kernel
densities over log employees; unknown sizes last).
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

    def random(self) -> dict[str, float]:
        """Expected figures of a random order on the same folds: hit@k = k/n, MRR = H(n)/n."""
        sizes = self.model.sizes or [1]
        figures = {f"hit@{k}": float(np.mean([min(k, n) / n for n in sizes])) for k in CUTS}
        figures["mrr"] = float(np.mean([_harmonic(n) / n for n in sizes]))
        return {name: round(value, 4) for name, value in figures.items()}

    def as_json(self) -> dict[str, Any]:
        return {
            "won_clients": self.won,
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


def _size_scores(universe: Universe, rows: np.ndarray, others: list[int]) -> np.ndarray:
    """A size-only model: density of the won clients' sizes over everyone's, in log employees."""
    sizes = np.array([np.nan if c.employees is None else math.log1p(c.employees)
                      for c in universe.companies])  # fmt: skip
    won = sizes[others][~np.isnan(sizes[others])]
    everyone = sizes[~np.isnan(sizes)]
    mine = sizes[rows]
    if len(won) == 0:
        return np.zeros(len(rows))
    ratio = _density(mine, won) / np.maximum(_density(mine, everyone), 1e-12)
    return np.where(np.isnan(mine), -1.0, ratio)


def _density(at: np.ndarray, sample: np.ndarray) -> np.ndarray:
    distances = (at[:, None] - sample[None, :]) / SIZE_BANDWIDTH
    return np.exp(-0.5 * distances**2).mean(axis=1)


def leave_one_out(universe: Universe, on_fold: Callable[[], None] | None = None) -> Evaluation:
    """Rank every won client from the others, with data from before its own win.
    ``on_fold`` is called after each won client (progress)."""
    built: dict[date | None, Features] = {}
    model, size_only = Ranks(), Ranks()
    positions = {c.key: n for n, c in enumerate(universe.companies)}
    won = {positions[k]: day for k, day in universe.won.items() if k in positions}
    lost = [positions[k] for k in universe.lost if k in positions]
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
        size_only.ranks.append(rank_of(_size_scores(universe, rows, others), len(rows) - 1))
        size_only.sizes.append(len(rows))
        if on_fold:
            on_fold()
    return Evaluation(len(won), len(universe.companies), model, size_only)

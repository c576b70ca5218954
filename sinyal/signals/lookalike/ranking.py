"""Every company scored by how much it resembles the clients already won.

The similarity score is the mean cosine similarity to the three nearest won clients (0..1);
the nearest one explains it (Nordwind Logistik: "similar roles: lagerist", "same size").
Once there are ten won clients a learned model joins in: logistic regression of won clients
against lost ones and a sample of the unlabelled rest (positive-unlabelled learning: most of the
rest are not buyers, so treating them as negatives still ranks buyers first), cross-fitted: no
company is scored by a model that trained on it as a negative. The final score averages the
two. Chosen by leave-one-out on generated universes (benchmarks/lookalike.py):
the nearest client alone is thrown by one odd client, the model alone explains nothing.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.linear_model import LogisticRegression

from sinyal.signals.lookalike.features import Facts, Features, build_features
from sinyal.signals.lookalike.universe import CompanyProfile, Universe
from sinyal.signals.news.kinds import NEGATIVE_TYPES

#: Won clients needed before a learned model joins the nearest-neighbour similarity.
MIN_WON_FOR_MODEL = 10
#: Unlabelled companies drawn as negatives beside the lost ones (fast at 100,000 companies).
UNLABELLED_SAMPLE = 5000
MODEL_SHARE = 0.5
MODEL_C = 1.0
FOLDS = 5
NEAREST = 3  # won clients whose similarity is averaged
CHUNK = 10_000  # candidate rows compared with the won clients at once (bounded memory)
MAX_REASONS = 4
#: Bad news is no reason to call (it holds a trigger back instead: ``news/weighing.py``).
NEGATIVE = {kind.value for kind in NEGATIVE_TYPES}

Rows = Sequence[int] | np.ndarray


@dataclass(frozen=True)
class Ranked:
    company: CompanyProfile
    score: float
    nearest_won: CompanyProfile | None
    reasons: tuple[str, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "company": self.company.name,
            "score": round(self.score, 4),
            "nearest_won": self.nearest_won.name if self.nearest_won else None,
            "reasons": list(self.reasons),
        }


@dataclass(frozen=True)
class Scores:
    """Scores of ``rows`` (feature rows), each with the row of its nearest won client."""

    rows: np.ndarray
    score: np.ndarray
    nearest: np.ndarray


def _chunks(rows: np.ndarray) -> Iterator[np.ndarray]:
    for start in range(0, len(rows), CHUNK):
        yield rows[start : start + CHUNK]


def _learned(
    matrix: sparse.csr_matrix, won: np.ndarray, lost: np.ndarray, rows: np.ndarray
) -> np.ndarray | None:
    """P(won) by logistic regression, or None while there are too few outcomes to learn.

    The unlabelled companies are both the negatives and the ones being scored, so they are
    cross-fitted: each fifth is scored by a model that did not train on it (a company trained
    as a negative would score low for that alone, a hidden buyer most of all)."""
    if len(won) < MIN_WON_FOR_MODEL:
        return None
    rng = np.random.default_rng(0)
    fold_of = rng.permutation(len(rows)) % FOLDS
    learned = np.zeros(len(rows))
    for fold in range(FOLDS):
        scored = fold_of == fold
        if not scored.any():
            continue
        others = rows[~scored]
        sample = rng.choice(others, size=min(UNLABELLED_SAMPLE, len(others)), replace=False)
        negatives = np.concatenate([lost, sample])
        if len(negatives) == 0:
            return None
        training = np.concatenate([won, negatives])
        labels = np.concatenate([np.ones(len(won)), np.zeros(len(negatives))])
        model = LogisticRegression(C=MODEL_C, class_weight="balanced", max_iter=1000)
        model.fit(matrix[training], labels)
        learned[scored] = model.predict_proba(matrix[rows[scored]])[:, 1]
    return learned


def score_rows(features: Features, won: Rows, lost: Rows, rows: Rows) -> Scores:
    """Score ``rows`` against the ``won`` rows (``lost`` only trains the learned model)."""
    won_rows, lost_rows = np.asarray(won, dtype=int), np.asarray(lost, dtype=int)
    candidates = np.asarray(rows, dtype=int)
    if len(won_rows) == 0 or len(candidates) == 0:
        empty = np.zeros(len(candidates))
        return Scores(candidates, empty, np.full(len(candidates), -1))
    won_matrix = features.matrix[won_rows].T.tocsc()
    alike, nearest = [], []
    for chunk in _chunks(candidates):
        similarity = (features.matrix[chunk] @ won_matrix).toarray()
        top = -np.sort(-similarity, axis=1)[:, :NEAREST]
        alike.append(top.mean(axis=1))
        nearest.append(won_rows[similarity.argmax(axis=1)])
    score = np.clip(np.concatenate(alike), 0.0, 1.0)
    learned = _learned(features.blocks, won_rows, lost_rows, candidates)
    if learned is not None:
        score = (1 - MODEL_SHARE) * score + MODEL_SHARE * learned
    return Scores(candidates, score, np.concatenate(nearest))


def reasons(features: Features, row: int, won_row: int) -> tuple[str, ...]:
    """Short phrases saying what the company shares with its nearest won client (named
    beside them) and what makes it a buyer on its own."""
    mine, theirs = features.facts[row], features.facts[won_row]
    said = []
    words = _shared_roles(features, row, won_row)
    if words:
        said.append(f"similar roles: {', '.join(words[:3])}")
    if mine.industry and mine.industry == theirs.industry:
        said.append(f"same industry: {mine.industry}")
    if mine.size_band and mine.size_band == theirs.size_band:
        said.append(f"same size: {mine.size_band} employees")
    if mine.city and mine.city == theirs.city:
        said.append(f"same city: {mine.city}")
    elif mine.country and mine.country == theirs.country:
        said.append(f"same country: {mine.country.upper()}")
    said += _own_traits(mine)
    return tuple(said[:MAX_REASONS])


def _shared_roles(features: Features, row: int, won_row: int) -> list[str]:
    """The single-word role terms both companies post, weightiest first (read straight from
    the sparse rows: this runs for every ranked company)."""
    roles = features.roles
    mine = slice(roles.indptr[row], roles.indptr[row + 1])
    theirs = slice(roles.indptr[won_row], roles.indptr[won_row + 1])
    common, at_mine, at_theirs = np.intersect1d(
        roles.indices[mine], roles.indices[theirs], assume_unique=True, return_indices=True
    )
    weight = roles.data[mine][at_mine] * roles.data[theirs][at_theirs]
    terms = (str(features.role_terms[col]) for col in common[np.argsort(-weight)])
    return [term for term in terms if " " not in term]


def _own_traits(mine: Facts) -> list[str]:
    said = []
    if mine.new_per_month >= 1:
        said.append(f"{mine.new_per_month:.1f} new postings a month")
    if mine.long_open_postings and mine.long_open_postings * 2 >= mine.open_postings:
        said.append(f"{mine.long_open_postings} of {mine.open_postings} postings open 90+ days")
    said += [f"news: {kind}" for kind in sorted(mine.signal_types) if kind not in NEGATIVE]
    return said


def rank(universe: Universe, *, as_of: date | None = None, top: int | None = None) -> list[Ranked]:
    """The companies that are neither won nor lost, best first (ties by name)."""
    features = build_features(universe, as_of)
    won, lost = universe.outcome_rows()
    outcomes = set(won) | set(lost)
    rows = [n for n in range(len(universe.companies)) if n not in outcomes]
    scored = score_rows(features, list(won), lost, rows)
    order = sorted(
        range(len(scored.rows)),
        key=lambda i: (-scored.score[i], universe.companies[scored.rows[i]].name),
    )
    ranked = []
    for i in order[:top] if top is not None else order:
        row, nearest = int(scored.rows[i]), int(scored.nearest[i])
        like = universe.companies[nearest] if nearest >= 0 else None
        said = reasons(features, row, nearest) if like else ()
        ranked.append(Ranked(universe.companies[row], float(scored.score[i]), like, said))
    return ranked

"""One vector per company, so that companies that hire alike, look alike.

Blocks, each scaled to unit length and then by its weight, so the cosine of two companies is a
weighted average of how alike they are in each respect: the roles they post (TF-IDF over their
normalised titles), industry, size band, region, hiring velocity (new postings a month over the
last year), the share of their postings that stayed open for months, and the kinds of news
told about them. Bands (size, velocity,
long-open share) are soft: a company one band away counts half, so 240 and 260 employees are
not strangers. Everything is computed ``as_of`` a day, from postings first seen and news
published before it: an evaluation must not let a company's future leak into its past.
"""

from __future__ import annotations

import bisect
import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

from scrapers.normalize import normalize_title
from sinyal.signals.lookalike.universe import Universe

LONG_OPEN_DAYS = 90
VELOCITY_WINDOW_DAYS = 365  # a year: a few postings over six months say little
#: Upper bounds of the size bands (employees): 1-9, 10-49, 50-249, 250-999, 1000-4999, 5000+.
SIZE_BOUNDS = (10, 50, 250, 1000, 5000)
SIZE_LABELS = ("1-9", "10-49", "50-249", "250-999", "1000-4999", "5000+")
#: New postings a month: none, under 0.5, 0.5-1, 1-2, 2-4, 4-8, 8+.
VELOCITY_BOUNDS = (0.01, 0.5, 1.0, 2.0, 4.0, 8.0)
#: Share of the postings old enough to tell that stayed open at least LONG_OPEN_DAYS.
LONG_OPEN_BOUNDS = (0.01, 0.34, 0.67)
#: How much each respect counts in the similarity (the roles a company hires for most).
BLOCK_WEIGHTS = {
    "roles": 3.0,
    "industry": 2.0,
    "size": 1.0,
    "region": 1.0,
    "velocity": 1.0,
    "long_open": 1.0,
    "signals": 1.0,
}


@dataclass
class Facts:
    """What a company's vector was made of, in words a reason can use."""

    industry: str | None = None
    size_band: str | None = None
    city: str | None = None
    country: str | None = None
    open_postings: int = 0
    long_open_postings: int = 0
    #: Postings first seen LONG_OPEN_DAYS or more ago, and how many of them stayed open that
    #: long: the whole history says more about roles that stay open than today's few postings.
    judged_postings: int = 0
    stayed_open: int = 0
    #: Postings first seen before the day (re-posts of a role counted once, by the store).
    postings: int = 0
    new_per_month: float = 0.0
    signal_types: set[str] = field(default_factory=set)


@dataclass
class Features:
    """Row n of each matrix is ``universe.companies[n]``."""

    #: Unit rows: their dot product is the cosine similarity of two companies.
    matrix: sparse.csr_matrix
    #: The same weighted blocks before each row as a whole is scaled to unit length, for the
    #: learned model: a company known in fewer respects keeps a shorter vector (less evidence)
    #: instead of being stretched to look as certain as one known in all.
    blocks: sparse.csr_matrix
    facts: list[Facts]
    #: The roles block alone (unit rows) and its vocabulary, for naming shared roles.
    roles: sparse.csr_matrix
    role_terms: np.ndarray


def band(value: float, bounds: Sequence[float]) -> int:
    return bisect.bisect_right(bounds, value)


def size_band(employees: int | None) -> str | None:
    return None if employees is None else SIZE_LABELS[band(employees, SIZE_BOUNDS)]


def _soft_bands(indices: list[int | None], count: int) -> sparse.csr_matrix:
    """One-hot bands with half weight on the neighbours; no value, no entry."""
    rows, cols, values = [], [], []
    for row, index in enumerate(indices):
        if index is None:
            continue
        for col, value in ((index, 1.0), (index - 1, 0.5), (index + 1, 0.5)):
            if 0 <= col < count:
                rows.append(row)
                cols.append(col)
                values.append(value)
    return sparse.csr_matrix((values, (rows, cols)), shape=(len(indices), count))


def _one_hot(values: list[list[str]]) -> sparse.csr_matrix:
    vocabulary: dict[str, int] = {}
    rows, cols = [], []
    for row, words in enumerate(values):
        for word in words:
            rows.append(row)
            cols.append(vocabulary.setdefault(word, len(vocabulary)))
    return sparse.csr_matrix(
        (np.ones(len(rows)), (rows, cols)), shape=(len(values), max(len(vocabulary), 1))
    )


def _fold(value: str | None) -> str | None:
    folded = " ".join((value or "").lower().split())
    return folded or None


def _region_words(facts: Facts) -> list[str]:
    words = [f"country:{facts.country}"] if facts.country else []
    return [*words, f"city:{facts.city}"] if facts.city else words


def _activity(universe: Universe, as_of: date) -> tuple[list[str], list[Facts]]:
    """Each company's joined posting titles and the facts counted from postings and news."""
    index = universe.rows()
    titles: dict[int, list[str]] = defaultdict(list)
    facts = [
        Facts(
            industry=_fold(c.industry),
            size_band=size_band(c.employees),
            city=_fold(c.city),
            country=_fold(c.country),
        )
        for c in universe.companies
    ]
    recent: Counter[int] = Counter()
    for posting in universe.postings:
        n = index.get(posting.company)
        if n is None or posting.first_seen >= as_of:
            continue
        titles[n].append(normalize_title(posting.title))
        facts[n].postings += 1
        age = (as_of - posting.first_seen).days
        if age <= VELOCITY_WINDOW_DAYS:
            recent[n] += 1
        still_open = posting.closed is None or posting.closed >= as_of
        if still_open:
            facts[n].open_postings += 1
            facts[n].long_open_postings += age >= LONG_OPEN_DAYS
        if age >= LONG_OPEN_DAYS:
            facts[n].judged_postings += 1
            lasted = age if still_open else (posting.closed - posting.first_seen).days  # type: ignore[operator]
            facts[n].stayed_open += lasted >= LONG_OPEN_DAYS
    for n, count in recent.items():
        facts[n].new_per_month = count / (VELOCITY_WINDOW_DAYS / 30)
    for signal in universe.signals:
        n = index.get(signal.company)
        if n is not None and signal.day < as_of:
            facts[n].signal_types.add(signal.type)
    return [" ".join(titles[n]) for n in range(len(facts))], facts


def build_features(universe: Universe, as_of: date | None = None) -> Features:
    """The companies' vectors from what was known before ``as_of`` (None: everything)."""
    documents, facts = _activity(universe, as_of or date.today() + timedelta(days=1))
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2, max_df=0.5)
    try:
        roles = normalize(vectorizer.fit_transform(documents))
        terms = vectorizer.get_feature_names_out()
    except ValueError:  # no posting titles at all (or only rare words)
        roles, terms = sparse.csr_matrix((len(documents), 1)), np.array([""])
    blocks = {
        "roles": roles,
        "industry": _one_hot([[f.industry] if f.industry else [] for f in facts]),
        "size": _soft_bands(
            [SIZE_LABELS.index(f.size_band) if f.size_band else None for f in facts],
            len(SIZE_LABELS),
        ),
        "region": _one_hot([_region_words(f) for f in facts]),
        "velocity": _soft_bands(
            # No postings is no evidence of pace: blank companies must not resemble each other.
            [band(f.new_per_month, VELOCITY_BOUNDS) if f.postings else None for f in facts],
            len(VELOCITY_BOUNDS) + 1,
        ),
        "long_open": _soft_bands(
            [
                band(f.stayed_open / f.judged_postings, LONG_OPEN_BOUNDS)
                if f.judged_postings
                else None
                for f in facts
            ],
            len(LONG_OPEN_BOUNDS) + 1,
        ),
        "signals": _one_hot([sorted(f.signal_types) for f in facts]),
    }
    weighted = [normalize(blocks[name]) * math.sqrt(w) for name, w in BLOCK_WEIGHTS.items()]
    blocks_matrix = sparse.hstack(weighted, format="csr")
    return Features(normalize(blocks_matrix), blocks_matrix, facts, roles, terms)

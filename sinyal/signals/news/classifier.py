"""What kind of signal a news item carries: a scikit-learn classifier over words, character
n-grams and the keyword rules, trained on the labelled set shipped in ``training/``.

No model hub is reachable from where Sinyal runs, so the model is small and trained here: the
labelled set trains in a few seconds, once per process (``shared_classifier``), or once per
machine and version of its inputs when the model cache (``SINYAL_MODEL_CACHE_DIR``) is set.
Character n-grams carry German compounds and Indonesian affixes; the rule hits (``rules.py``)
carry phrasings the labelled set has few examples of. The evidence is the sentence (the title
counts as one) that the model finds most typical of the type it chose.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import sklearn
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import FunctionTransformer

from sinyal.signals.news.kinds import SignalType
from sinyal.signals.news.labelled import TRAINING_DIR, LabelledItem, training_items
from sinyal.signals.news.rules import SIGNAL_TYPES, denial_hits, rule_hits

#: "Rp 1.5 triliun", "Co. KG", "Tbk." and "3. März" must not end a sentence.
_SENTENCE_END = re.compile(
    r"(?<=[.!?])\s+(?=[\"'„“(]?[A-ZÄÖÜ])(?<!\b\w\.\s)(?<!\bCo\.\s)(?<!\bTbk\.\s)"
)
RULE_WEIGHT = 0.3  # chosen by 4-fold cross-validation on the training set (see training/README.md)


@dataclass(frozen=True)
class Document:
    title: str
    text: str
    language: str

    @property
    def body(self) -> str:
        return f"{self.title}\n{self.text}"


@dataclass(frozen=True)
class Classification:
    type: SignalType
    confidence: float
    evidence: str | None


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]


class RuleFeatures(BaseEstimator, TransformerMixin):
    """One column per signal type: log(1 + keyword hits), title hits counted twice; and one
    for denial cues ("denies", "weist ... zurück", "membantah")."""

    def fit(self, documents: Sequence[Document], y: Any = None) -> RuleFeatures:
        return self

    def transform(self, documents: Sequence[Document]) -> sparse.csr_matrix:
        rows = []
        for doc in documents:
            title, text = rule_hits(doc.title, doc.language), rule_hits(doc.text, doc.language)
            denials = denial_hits(doc.body, doc.language)
            row = [np.log1p(2 * title[k] + text[k]) for k in SIGNAL_TYPES] + [np.log1p(denials)]
            rows.append([value * RULE_WEIGHT for value in row])
        return sparse.csr_matrix(np.array(rows, dtype=float))


def _bodies(documents: Sequence[Document]) -> list[str]:
    return [f"lang_{doc.language} {doc.body}" for doc in documents]


def build_pipeline() -> Pipeline:
    text = FunctionTransformer(_bodies)
    features = FeatureUnion(
        [
            (
                "words",
                Pipeline(
                    [
                        ("text", text),
                        ("tfidf", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)),
                    ]
                ),
            ),
            (
                "chars",
                Pipeline(
                    [
                        ("text", text),
                        (
                            "tfidf",
                            TfidfVectorizer(
                                analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, min_df=2
                            ),
                        ),
                    ]
                ),
            ),
            ("rules", RuleFeatures()),
        ]
    )
    model = LogisticRegression(C=30.0, max_iter=3000, class_weight="balanced")
    return Pipeline([("features", features), ("model", model)])


class NewsClassifier:
    def __init__(self, pipeline: Pipeline) -> None:
        self.pipeline = pipeline
        self.classes = [SignalType(c) for c in pipeline.classes_]

    @classmethod
    def trained_on(cls, items: Sequence[LabelledItem]) -> NewsClassifier:
        documents = [Document(i.title, i.text, i.language) for i in items]
        pipeline = build_pipeline()
        pipeline.fit(documents, [i.type.value for i in items])
        return cls(pipeline)

    def classify_many(self, documents: Sequence[Document]) -> list[Classification]:
        if not documents:
            return []
        probabilities = self.pipeline.predict_proba(list(documents))
        chosen = [int(np.argmax(row)) for row in probabilities]
        evidence = self._evidence(documents, chosen)
        return [
            Classification(self.classes[best], float(row[best]), evidence.get(n))
            for n, (row, best) in enumerate(zip(probabilities, chosen, strict=True))
        ]

    def classify(self, document: Document) -> Classification:
        return self.classify_many([document])[0]

    def _evidence(self, documents: Sequence[Document], chosen: list[int]) -> dict[int, str]:
        """For each document with a signal, the sentence (the title counts as one) the model
        finds most typical of the type it chose; all sentences scored in one batch."""
        owners, candidates = [], []
        for n, (doc, best) in enumerate(zip(documents, chosen, strict=True)):
            if self.classes[best] is not SignalType.NONE:
                for sentence in [doc.title, *sentences(doc.text)]:
                    owners.append(n)
                    candidates.append(Document(sentence, "", doc.language))
        if not candidates:
            return {}
        scores = self.pipeline.predict_proba(candidates)
        best_of: dict[int, tuple[float, str]] = {}
        for n, candidate, row in zip(owners, candidates, scores, strict=True):
            score = float(row[chosen[n]])
            if n not in best_of or score > best_of[n][0]:
                best_of[n] = (score, candidate.title)
        return {n: sentence for n, (_, sentence) in best_of.items()}


#: Cached classifiers kept per cache directory (newest first); each is a few megabytes.
CACHE_KEEP = 3


def fingerprint() -> str:
    """What the trained classifier depends on: the labelled set, the rules, this code and
    scikit-learn's version. A cached classifier from other inputs is never read."""
    digest = hashlib.sha256(sklearn.__version__.encode())
    here = Path(__file__).parent
    inputs = [*sorted(TRAINING_DIR.glob("*.yml")), here / "rules.yml", here / "rules.py"]
    for path in [Path(__file__), *inputs]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:24]


def _load_cached(path: Path) -> NewsClassifier | None:
    """The cached classifier, or None when there is none or it cannot be read (then the
    caller trains again and overwrites it). The cache is the user's own directory, as trusted
    as the Rasa models kept beside it."""
    try:
        with path.open("rb") as file:
            loaded = pickle.load(file)
    except Exception:  # missing, truncated or foreign: it costs one training run
        return None
    return loaded if isinstance(loaded, NewsClassifier) else None


def _keep(classifier: NewsClassifier, path: Path) -> None:
    """Written under a temporary name and renamed: a reader never sees half a file. A cache
    that cannot be written costs the next process a training run, nothing more."""
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial.write_bytes(pickle.dumps(classifier, protocol=pickle.HIGHEST_PROTOCOL))
        os.replace(partial, path)
        kept = sorted(path.parent.glob("news-classifier-*.pickle"), key=lambda p: p.stat().st_mtime)
        for old in kept[:-CACHE_KEEP]:
            old.unlink(missing_ok=True)
    except OSError:
        partial.unlink(missing_ok=True)


@cache
def shared_classifier(cache_dir: Path | None = None) -> NewsClassifier:
    """The classifier trained on the shipped labelled set: once per process, and with a
    ``cache_dir`` once per machine (6 s of training against 20 ms of reading it back)."""
    if cache_dir is None:
        return NewsClassifier.trained_on(training_items())
    path = cache_dir.expanduser() / f"news-classifier-{fingerprint()}.pickle"
    classifier = _load_cached(path)
    if classifier is None:
        classifier = NewsClassifier.trained_on(training_items())
        _keep(classifier, path)
    return classifier

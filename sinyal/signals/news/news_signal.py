"""From news to signals: read pages and feeds, classify each item, attribute it to a company.

``NewsSignal`` is what the rest of Sinyal sees of a news item, and exactly what ``sinyal
signals classify --json`` prints (``as_json``); ``type`` is ``none`` when the item carries no
sales signal.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sinyal.signals.news.articles import (
    Article,
    UnreadableNews,
    article_from_html,
    articles_from_feed,
    looks_like_feed,
)
from sinyal.signals.news.attribution import Attribution, CompanyIndex, KnownCompany
from sinyal.signals.news.classifier import Document, NewsClassifier, shared_classifier
from sinyal.signals.news.kinds import Polarity, SignalType, polarity_of
from sinyal.signals.news.language import language_of


@dataclass(frozen=True)
class NewsSignal:
    url: str
    title: str
    company: str | None
    company_id: int | None
    type: SignalType
    polarity: Polarity
    confidence: float
    published_at: date | None
    language: str
    evidence: str | None

    def as_json(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "title": self.title,
            "company": self.company,
            "type": self.type.value,
            "polarity": self.polarity.value,
            "confidence": round(self.confidence, 3),
            "published_at": self.published_at.isoformat() if self.published_at else None,
            "language": self.language,
            "evidence": self.evidence,
        }


def read_news(content: bytes, url: str) -> list[Article]:
    """The articles in one fetched document: a feed's entries, or the page itself."""
    if looks_like_feed(content):
        return articles_from_feed(content, url)
    return [article_from_html(content, url)]


def classify_articles(
    articles: Sequence[Article],
    companies: CompanyIndex,
    classifier: NewsClassifier | None = None,
) -> list[NewsSignal]:
    classifier = classifier or shared_classifier()
    languages = [language_of(f"{a.title} {a.lead}") for a in articles]
    documents = [
        Document(a.title, a.lead, language) for a, language in zip(articles, languages, strict=True)
    ]
    results = classifier.classify_many(documents)
    signals = []
    for article, language, result in zip(articles, languages, results, strict=True):
        who: Attribution = companies.attribute(article.host, article.title, article.lead)
        signals.append(
            NewsSignal(
                url=article.url,
                title=article.title,
                company=who.company,
                company_id=who.known.id if who.known else None,
                type=result.type,
                polarity=polarity_of(result.type),
                confidence=result.confidence,
                published_at=article.published,
                language=language,
                evidence=result.evidence,
            )
        )
    return signals


class CompaniesFileError(ValueError):
    """A companies CSV without the columns ``name,domain``; the message names the file."""


def read_companies_csv(path: Path) -> list[KnownCompany]:
    """``name,domain`` (other columns ignored; an empty domain is allowed)."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = {"name", "domain"} - set(reader.fieldnames or ())
        if missing:
            raise CompaniesFileError(f"{path}: missing column {', '.join(sorted(missing))}")
        return [
            KnownCompany(row["name"].strip(), (row["domain"] or "").strip() or None)
            for row in reader
            if (row["name"] or "").strip()
        ]


def classify_files(
    paths: Iterable[Path], companies: CompanyIndex
) -> tuple[list[NewsSignal], list[str]]:
    """Every readable file's signals, and one line per file that could not be read."""
    articles: list[Article] = []
    problems: list[str] = []
    for path in paths:
        try:
            articles += read_news(path.read_bytes(), path.resolve().as_uri())
        except (OSError, UnreadableNews) as exc:
            problems.append(f"{path}: {exc}")
    return classify_articles(articles, companies), problems

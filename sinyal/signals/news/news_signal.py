"""From news to signals: read pages and feeds, classify each item, attribute it to a company.

``NewsSignal`` is what the rest of Sinyal sees of a news item, and exactly what ``sinyal
signals classify --json`` prints (``as_json``); ``type`` is ``none`` when the item carries no
sales signal.
"""

from __future__ import annotations

import csv
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from scrapers.fetcher import FetchPolicy
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

logger = logging.getLogger(__name__)


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


def read_document(content: bytes, url: str, label: str | None = None) -> list[Article] | str:
    """The articles in one document, or the line saying why it could not be read (naming it
    by ``label``, else its URL): one strange document is a problem, never the end of a run."""
    try:
        return read_news(content, url)
    except UnreadableNews as exc:
        return f"{label or url}: {exc}"
    except Exception as exc:
        logger.exception("reading %s failed", url)
        return f"{label or url}: could not be read ({type(exc).__name__})"


def file_problem(path: Path, max_bytes: int) -> str | None:
    """Why a local file is not read, if it is not: only regular files within the size cap (a
    glob may match a folder or /dev/zero)."""
    try:
        if not path.exists():
            return "no such file"
        if not path.is_file():
            return "not a regular file"
        if path.stat().st_size > max_bytes:
            return f"larger than {max_bytes} bytes"
    except OSError as exc:
        return f"cannot read: {exc.strerror or exc}"
    return None


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
    paths: Iterable[Path],
    companies: CompanyIndex,
    max_bytes: int = FetchPolicy.max_bytes,
    classifier: NewsClassifier | None = None,
) -> tuple[list[NewsSignal], list[str]]:
    """Every readable file's signals, and one line per file that could not be read."""
    articles: list[Article] = []
    problems: list[str] = []
    for path in paths:
        problem = file_problem(path, max_bytes)
        if problem:
            problems.append(f"{path}: {problem}")
            continue
        try:
            content = path.read_bytes()
        except OSError as exc:
            problems.append(f"{path}: cannot read: {exc.strerror or exc}")
            continue
        found = read_document(content, path.resolve().as_uri(), str(path))
        if isinstance(found, str):
            problems.append(found)
        else:
            articles += found
    return classify_articles(articles, companies, classifier), problems

"""One news run for a flow: fetch its ``news:`` sources politely, classify, store.

Feeds and press pages go through the scrapers' shared fetcher (robots.txt, the per-host rate,
conditional requests, the size cap, no private addresses unless ``local: true``); a press page's
article links on the same host are followed, at most ``max_articles`` of them. One unreadable
document, dead host or broken feed is reported and the run goes on.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from glob import glob
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit

import lxml.html
from sqlalchemy import select

from scrapers.fetcher import Fetcher, FetchError
from sinyal.flows import FlowDefinition, NewsSource
from sinyal.signals.news.articles import Article
from sinyal.signals.news.attribution import CompanyIndex, KnownCompany
from sinyal.signals.news.classifier import NewsClassifier
from sinyal.signals.news.news_signal import (
    classify_articles,
    file_problem,
    read_document,
)
from sinyal.signals.news.storage import Kept, Saved, save_signals, with_plausible_date
from sinyal.store import Store
from sinyal.store.models import Company


@dataclass
class NewsRunReport:
    documents: int = 0
    items: int = 0
    saved: Counter[str] = field(default_factory=Counter)
    types: Counter[str] = field(default_factory=Counter)
    dropped: int = 0  # no signal, too weak or too old
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        kinds = ", ".join(f"{kind} {n}" for kind, n in self.types.most_common()) or "none"
        return (
            f"{self.documents} documents, {self.items} items; signals {kinds}: "
            f"{self.saved[Saved.NEW]} new, {self.saved[Saved.DUPLICATE]} told again elsewhere, "
            f"{self.saved[Saved.SEEN]} read before; {self.dropped} without a signal or too old; "
            f"{len(self.problems)} problems"
        )


def article_links(html: bytes, page_url: str, limit: int) -> list[str]:
    """Links on the page to other pages of the same host, each once: those below the press
    page's own folder first (``/presse/2026/…`` under ``/presse/``), so that a long site menu
    does not use up ``limit`` before the articles; then the rest, in page order."""
    host = urlsplit(page_url).hostname
    try:
        tree = lxml.html.fromstring(html)
    except (lxml.etree.ParserError, ValueError):
        return []
    links: list[str] = []
    for href in tree.xpath("//a/@href"):
        url = urldefrag(urljoin(page_url, str(href)))[0]
        if urlsplit(url).hostname == host and url != page_url and url not in links:
            links.append(url)
    folder = urlsplit(page_url).path.rsplit("/", 1)[0] + "/"
    below = [url for url in links if urlsplit(url).path.startswith(folder)]
    return [*below, *(url for url in links if url not in below)][:limit]


def documents(source: NewsSource, fetcher: Fetcher) -> Iterator[tuple[str, bytes] | str]:
    """Each document of the source as (URL, content), or a line saying what could not be read."""
    if source.files:
        paths = sorted(glob(source.files))
        if not paths:
            yield f"{source.files}: no file matches"
        for path in paths:
            problem = file_problem(Path(path), fetcher.policy.max_bytes)
            if problem:
                yield f"{path}: {problem}"
                continue
            try:
                page = fetcher.get_file(Path(path))
                yield page.url, page.content
            except FetchError as exc:
                yield f"{path}: {exc}"
        return
    try:
        first = fetcher.get(source.location, local=source.local)
    except FetchError as exc:
        yield f"{source.location}: {exc}"
        return
    if source.feed:
        yield first.url, first.content
        return
    for link in article_links(first.content, first.url, source.max_articles):
        try:
            page = fetcher.get(link, local=source.local)
            yield page.url, page.content
        except FetchError as exc:
            yield f"{link}: {exc}"


def known_companies(store: Store) -> list[KnownCompany]:
    with store.transaction() as session:
        rows = session.execute(select(Company.id, Company.name, Company.domain)).all()
    return [KnownCompany(name, domain, company_id) for company_id, name, domain in rows]


def collect(
    store: Store,
    flow: FlowDefinition,
    fetcher: Fetcher,
    *,
    today: date | None = None,
    on_document: Callable[[str], None] | None = None,
    classifier: NewsClassifier | None = None,
) -> NewsRunReport:
    """Read every news source of ``flow``, classify what it holds and store the signals."""
    report = NewsRunReport()
    day = today or date.today()
    kept = Kept(flow.news.min_confidence, flow.news.max_age_days)
    index = CompanyIndex(known_companies(store))
    for source in flow.news.sources:
        articles: list[Article] = []
        for document in documents(source, fetcher):
            if isinstance(document, str):
                report.problems.append(document)
                continue
            url, content = document
            report.documents += 1
            if on_document:
                on_document(url)
            found = read_document(content, url)
            if isinstance(found, str):
                report.problems.append(found)
            else:
                articles += found
        signals = classify_articles(articles, index, classifier) if articles else []
        report.items += len(signals)
        wanted = [with_plausible_date(s, day) for s in signals if kept.keeps(s, day)]
        report.dropped += len(signals) - len(wanted)
        with store.transaction() as session:
            counts = save_signals(session, wanted, f"{flow.name}: {source.location}")
        report.saved.update({k.value: n for k, n in counts.items()})
        report.types.update(s.type.value for s in wanted)
    return report

"""News items as the classifier reads them, from an HTML page or an RSS/Atom feed.

A page's main text, title and date come from trafilatura (which uses htmldate for the date:
published-time metadata, then the URL, then the text); menus, footers and cookie banners stay
out. A feed's entries come from feedparser, whose summaries are HTML and are reduced to text.
The classifier needs only the title and the first paragraph: that is where news writing puts
the event, and where the company has to be named (``attribution.py``).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urljoin, urlsplit

import feedparser
import trafilatura
from bs4 import BeautifulSoup

from sinyal.signals.news.attribution import registrable_domain

LEAD_CHARS = 1200  # enough for a first paragraph of five long sentences
TITLE_CHARS = 300  # a title is a line; a hostile feed's 100 kB "title" is cut here


class UnreadableNews(ValueError):
    """Not a page with a main text, nor a feed with entries; the message says which."""


@dataclass(frozen=True)
class Article:
    url: str
    title: str
    lead: str  # the first paragraph (or a feed entry's summary), plain text
    published: date | None

    @property
    def host(self) -> str:
        return (urlsplit(self.url).hostname or "").removeprefix("www.")


def _plain(html_or_text: str) -> str:
    if "<" in html_or_text:
        html_or_text = BeautifulSoup(html_or_text, "lxml").get_text(" ")
    return re.sub(r"\s+", " ", html_or_text).strip()


def _first_paragraph(text: str, title: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if lines and _plain(lines[0]) == _plain(title):
        lines = lines[1:]
    lead = ""
    for line in lines:  # short lines (a dateline, a kicker) join the paragraph that follows
        lead = f"{lead} {line}".strip()
        if len(lead) >= 160:
            break
    return lead[:LEAD_CHARS]


def _iso_date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None


def _own_url(canonical: str, fetched: str) -> str:
    """The page's declared canonical URL for a saved file; for a fetched page only if it is on
    the same site (a CMS pointing every canonical at its home page, or a page claiming another
    company's domain, must not decide which article this is or whose)."""
    if not canonical.startswith(("http://", "https://")):
        return fetched
    if fetched.startswith("file:"):
        return canonical
    same_site = _site(canonical) == _site(fetched)
    return canonical if same_site and urlsplit(canonical).path not in ("", "/") else fetched


def _site(url: str) -> str:
    return registrable_domain(urlsplit(url).hostname or "")


def _entry_url(entry: Any, feed_url: str) -> str:
    """An entry's own link (relative ones resolved), else the feed's URL with the entry's id or
    title as fragment: every entry needs a URL of its own to be stored once."""
    link = urljoin(feed_url, entry.get("link") or "")
    if link.startswith(("http://", "https://")) and link != feed_url:
        return link
    key = entry.get("id") or entry.get("title") or ""
    return f"{feed_url}#{hashlib.sha256(key.encode()).hexdigest()[:16]}"


def _entry_date(entry: Any) -> date | None:
    stamp = entry.get("published_parsed") or entry.get("updated_parsed")
    try:
        return date(stamp.tm_year, stamp.tm_mon, stamp.tm_mday) if stamp else None
    except ValueError:  # "0000-01-01" and the like: no usable date
        return None


def article_from_html(html: str | bytes, url: str) -> Article:
    extracted = trafilatura.bare_extraction(
        html, url=url, with_metadata=True, include_comments=False, include_tables=False
    )
    if extracted is None:
        raise UnreadableNews("no main text found in the page")
    fields = extracted if isinstance(extracted, dict) else extracted.as_dict()
    title, text = _plain(fields.get("title") or ""), fields.get("text") or ""
    lead = _first_paragraph(text, title)
    if not title and not lead:
        raise UnreadableNews("the page has neither a title nor a text")
    return Article(
        url=_own_url(fields.get("url") or "", url),
        title=title[:TITLE_CHARS],
        lead=lead,
        published=_iso_date(fields.get("date")),
    )


def looks_like_feed(content: bytes) -> bool:
    """RSS or Atom by its root element (an XHTML page also starts with ``<?xml``)."""
    head = content[:2000].lstrip().lower()
    return b"<rss" in head or b"<feed" in head or b"<rdf:rdf" in head


def articles_from_feed(content: bytes, url: str) -> list[Article]:
    """One article per entry with a title or a summary. A feed feedparser found broken
    (``bozo``) is unreadable unless it still gave such entries: feeds with a wrong declared
    encoding or a stray entity are common and otherwise fine."""
    parsed = feedparser.parse(content)
    articles = []
    for entry in parsed.entries:
        title = _plain(entry.get("title", ""))
        summary = _plain(entry.get("summary", "") or entry.get("description", ""))
        if not title and not summary:
            continue
        lead = _first_paragraph(summary, title) or summary
        articles.append(
            Article(
                _entry_url(entry, url), title[:TITLE_CHARS], lead[:LEAD_CHARS], _entry_date(entry)
            )
        )
    if parsed.bozo and not articles:
        raise UnreadableNews(f"not a readable RSS/Atom feed ({parsed.get('bozo_exception')})")
    return articles

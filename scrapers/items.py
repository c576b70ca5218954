"""The shared posting model every source yields, and the parsing helpers sources share."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from bs4 import BeautifulSoup

from scrapers.normalize import gender_marker, normalize_title


@dataclass(slots=True)
class PostingItem:
    """One job posting as a source saw it, before normalisation and storage.

    Not frozen: a source sets ``page_url`` on the item it parsed (copying a frozen item per
    posting cost more than the database insert). Sources build items; everything after only
    reads them.
    """

    source: str  # the kind of source: "jsonld", "greenhouse", "lever", ...
    source_key: str  # this configured source instance, e.g. "greenhouse:acme"
    external_id: str
    title: str
    company: str
    location: str | None = None
    date_posted: date | None = None
    valid_through: date | None = None
    url: str | None = None
    employment_type: str | None = None
    #: The feed or page that listed the posting; a 304 for it later means "same postings".
    page_url: str | None = field(default=None, compare=False)
    raw: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def normalized_title(self) -> str:
        return normalize_title(self.title)

    @property
    def gender_marker(self) -> str | None:
        return gender_marker(self.title)

    def as_json(self) -> dict[str, Any]:
        """The documented output of ``sinyal scrape page --json``."""
        return {
            "title": self.title,
            "normalized_title": self.normalized_title,
            "company": self.company,
            "location": self.location,
            "date_posted": self.date_posted.isoformat() if self.date_posted else None,
            "valid_through": self.valid_through.isoformat() if self.valid_through else None,
            "url": self.url,
            "gender_marker": self.gender_marker,
            "employment_type": self.employment_type,
            "external_id": self.external_id,
            "source": self.source,
        }


@dataclass(frozen=True)
class PageUnchanged:
    """A page answered 304: it lists exactly the postings stored from it last time."""

    source_key: str
    url: str


@dataclass(frozen=True)
class ItemError:
    """A record a source could not turn into a posting; the scan goes on without it."""

    source_key: str
    url: str | None
    message: str


def parse_date(value: Any) -> date | None:
    """ISO 8601 dates and datetimes, epoch seconds or milliseconds; None when unparseable."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC).date() if value.tzinfo else value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = value / 1000 if value > 10**11 else value
        try:
            return datetime.fromtimestamp(seconds, UTC).date()
        except (OverflowError, OSError, ValueError):
            return None
    if isinstance(value, str):
        text = value.strip()
        if text.isdigit():
            return parse_date(int(text))
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            match = re.match(r"(\d{4})-(\d{2})-(\d{2})", text)
            if not match:
                return None
            try:
                return date(*map(int, match.groups()))
            except ValueError:
                return None
        return parsed.astimezone(UTC).date() if parsed.tzinfo else parsed.date()
    return None


def clean_text(value: Any, limit: int = 500) -> str | None:
    """Plain text from a value that may hold HTML or entities; None for empty."""
    if value is None:
        return None
    text = value if isinstance(value, str) else str(value)
    if "&" in text:
        text = html.unescape(text)
    if "<" in text:
        text = BeautifulSoup(text, "lxml").get_text(" ")
    return " ".join(text.split())[:limit] or None

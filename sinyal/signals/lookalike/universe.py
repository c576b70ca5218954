"""What lookalike ranking reads: companies, what they post and what is said of them, outcomes.

Everything is keyed by the normalised company name (legal forms folded), the one key that
files from a CRM, a job-data export and the store share.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from scrapers.normalize import normalize_company


def company_key(name: str) -> str:
    return normalize_company(name)


@dataclass(frozen=True)
class CompanyProfile:
    name: str
    domain: str | None = None
    industry: str | None = None
    employees: int | None = None
    city: str | None = None
    country: str | None = None
    #: The store's id, when the profile comes from the store.
    id: int | None = None

    @property
    def key(self) -> str:
        return company_key(self.name)


@dataclass(frozen=True)
class PostingSeen:
    company: str  # company_key
    title: str
    first_seen: date
    closed: date | None = None


@dataclass(frozen=True)
class SignalSeen:
    company: str  # company_key
    type: str
    day: date


@dataclass
class Universe:
    companies: list[CompanyProfile]
    postings: list[PostingSeen] = field(default_factory=list)
    signals: list[SignalSeen] = field(default_factory=list)
    #: Won clients by key, with the day they were won when known (None: features use all data).
    won: dict[str, date | None] = field(default_factory=dict)
    lost: set[str] = field(default_factory=set)

    def rows(self) -> dict[str, int]:
        """Each company's row: its place in ``companies`` and in every feature matrix."""
        return {company.key: n for n, company in enumerate(self.companies)}

    def outcome_rows(self) -> tuple[dict[int, date | None], list[int]]:
        """The won clients' rows with their win days, and the lost clients' rows (names that
        are not among the companies left out)."""
        rows = self.rows()
        won = {rows[key]: day for key, day in self.won.items() if key in rows}
        return won, [rows[key] for key in self.lost if key in rows]

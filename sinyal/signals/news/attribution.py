"""Which company a news item is about: by the page's domain first, then by name.

A page on a watched company's own domain (its press room) is about that company, provided the
company is named in the title or the first paragraph: a press room also posts industry news.
Elsewhere (a newspaper, a feed) the names in the title and first paragraph are matched against
the known companies with legal forms folded ("Nordwind Logistik GmbH" = "Nordwind Logistik"),
fuzzily (rapidfuzz) so that "Nordwind-Logistik" or a dropped "& Co." still match, strictly
enough that "Nordwind Solar" does not. An item naming no known company keeps the name it
gives (the first name with a legal form), so a signal about a new company is not lost.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

from rapidfuzz import fuzz, process

from scrapers.normalize import normalize_company

#: At least this similarity (0-100) between folded names counts as the same company.
NAME_MATCH = 92
_NAME_WORD = r"[A-ZÄÖÜ0-9][\w&.'\u2019\-]{0,40}"  # \u2019: the typographic apostrophe
_SUFFIX_FORMS = (
    r"GmbH\s*&\s*Co\.?\s*KG(?:aA)?|GmbH|gGmbH|AG|SE|KGaA|KG|OHG|e\.\s?K\.|eG|"
    r"UG(?:\s*\(haftungsbeschränkt\))?|"
    r"Ltd\.?|Limited|plc|PLC|Inc\.?|LLC|Corp\.?|Corporation|LLP|Pte\.?\s*Ltd\.?|Pty\.?\s*Ltd\.?|Pvt\.?\s*Ltd\.?|"
    r"Sdn\.?\s*Bhd\.?|Bhd\.?|B\.V\.|N\.V\.|S\.p\.A\.|S\.A\.|S\.L\.|Oy|AS|Co\.,?\s*Ltd\.?|Tbk\.?"
)
_NAME_PART = rf"(?:{_NAME_WORD}|&|und|and)"
_WITH_SUFFIX = re.compile(rf"(?:{_NAME_PART}\s+){{0,4}}{_NAME_WORD}\s+(?:{_SUFFIX_FORMS})(?!\w)")
_WITH_PREFIX = re.compile(rf"\b(?:PT|CV)\.?\s+((?:{_NAME_WORD}\s?){{1,5}})(?:\s*Tbk\.?)?")
_NOT_A_NAME_START = {"die", "der", "das", "den", "dem", "des", "the", "and", "und", "&", "laut"}
_CAPITALISED = re.compile(rf"{_NAME_WORD}(?:\s+{_NAME_WORD}){{0,3}}")


@dataclass(frozen=True)
class KnownCompany:
    name: str
    domain: str | None = None
    id: int | None = None

    @cached_property
    def folded(self) -> str:
        return normalize_company(self.name)


@dataclass(frozen=True)
class Attribution:
    """``company`` is the name to show; ``known`` the matched company, if any."""

    company: str | None
    known: KnownCompany | None
    how: str  # "domain", "name", "named" (not a known company) or "none"


def registrable_domain(host: str) -> str:
    """``press.nordwind.de`` -> ``nordwind.de``; ``www.kopi.co.id`` -> ``kopi.co.id``."""
    parts = host.lower().removeprefix("www.").split(".")
    second_level = {"co", "com", "or", "ac", "go", "net", "org", "gov", "my", "web", "ltd", "plc"}
    keep = 3 if len(parts) >= 3 and parts[-2] in second_level else 2
    return ".".join(parts[-keep:])


def named_companies(text: str) -> list[str]:
    """Company names with a legal form, in order of appearance ("PT Kopi Nusantara Tbk")."""
    spans = [m.span() for pattern in (_WITH_SUFFIX, _WITH_PREFIX) for m in pattern.finditer(text)]
    names, end = [], -1
    for start, stop in sorted(spans, key=lambda span: (span[0], -span[1])):
        if start >= end:  # one name matched by both patterns, or inside a longer one, once
            words = text[start:stop].split()
            while len(words) > 2 and words[0].lower() in _NOT_A_NAME_START:
                words = words[1:]  # "Die Feldmann GmbH" -> "Feldmann GmbH"
            names.append(" ".join(words))
            end = stop
    return names


class CompanyIndex:
    def __init__(self, companies: Iterable[KnownCompany]) -> None:
        self.companies = [c for c in companies if c.folded]
        self.by_domain = {registrable_domain(c.domain): c for c in self.companies if c.domain}
        self._folded = [c.folded for c in self.companies]

    def attribute(self, host: str, title: str, lead: str) -> Attribution:
        head = f"{title}\n{lead}"
        owner = self.by_domain.get(registrable_domain(host)) if host else None
        if owner is not None and self._is_named(owner, head):
            return Attribution(owner.name, owner, "domain")
        known = self._match_by_name(head)
        if known is not None:
            return Attribution(known.name, known, "name")
        names = named_companies(head)
        if names:
            return Attribution(names[0], None, "named")
        return Attribution(None, None, "none")

    def _candidates(self, head: str) -> list[str]:
        """Spans that may be a company's name: with a legal form first, then capitalised runs
        and every run of words within them, longest first ("Die Nordwind Logistik" holds
        "Nordwind Logistik")."""
        spans = named_companies(head)
        for match in _CAPITALISED.finditer(head):
            words = match.group(0).split()
            for size in range(len(words), 0, -1):
                spans += [" ".join(words[i : i + size]) for i in range(len(words) - size + 1)]
        return spans

    def _match_by_name(self, head: str) -> KnownCompany | None:
        if not self.companies:
            return None
        for span in self._candidates(head):
            folded = normalize_company(span)
            if len(folded) < 3:
                continue
            best = process.extractOne(
                folded, self._folded, scorer=fuzz.ratio, score_cutoff=NAME_MATCH
            )
            if best:
                return self.companies[best[2]]
        return None

    @staticmethod
    def _is_named(company: KnownCompany, head: str) -> bool:
        folded_head = normalize_company(head)
        return fuzz.partial_ratio(company.folded, folded_head) >= NAME_MATCH

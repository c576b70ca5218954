"""Text normalisation for matching postings: gender markers, titles, companies, locations.

German job ads must address all genders, so titles carry a marker such as "(m/w/d)"; English
and international ads use "(m/f/d)", "(all genders)" and friends. The marker is evidence that a
posting is a German-market vacancy; for matching a re-post it is noise, as are seniority words
and punctuation.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import lru_cache

# Letters that appear inside gender markers: m(ännlich)/w(eiblich)/d(ivers), m/f/x, and
# German "i" (inter) and "x"; separators are /, |, comma or whitespace.
_MARKER_LETTERS = "mwdfxi"
_SLASHED = re.compile(
    rf"[(\[]\s*([{_MARKER_LETTERS}])\s*[/|,]\s*([{_MARKER_LETTERS}])\s*"
    rf"(?:[/|,]\s*([{_MARKER_LETTERS}])\s*)?[)\]]",
    re.IGNORECASE,
)
_WORDED = re.compile(
    r"[(\[]\s*(all\s+genders?|alle\s+geschlechter|gn|genderneutral|gender\s*neutral|"
    r"m\s*/\s*w\s*/\s*d\s*/\s*x)\s*[)\]]",
    re.IGNORECASE,
)
# Without brackets ("Koch m/w/d", "Pflegefachkraft - w/m/d"): three letters only, to stay safe.
_BARE = re.compile(
    rf"(?<![\w/])([{_MARKER_LETTERS}])\s*/\s*([{_MARKER_LETTERS}])\s*/\s*([{_MARKER_LETTERS}])(?![\w/])",
    re.IGNORECASE,
)

SENIORITY_WORDS = {
    "senior", "sr", "junior", "jr", "lead", "principal", "head", "staff", "mid", "level",
    "entry", "expert", "experienced", "erfahrener", "erfahrene", "leitender", "leitende",
    "i", "ii", "iii", "iv",
}  # fmt: skip
LEGAL_FORMS = {
    "gmbh", "ag", "kg", "co", "ohg", "ug", "se", "mbh", "e.v", "ev", "inc", "ltd", "llc",
    "plc", "bv", "nv", "sa", "sas", "srl", "pt", "tbk", "persero", "corp", "corporation",
    "company", "haftungsbeschränkt",
}  # fmt: skip


@lru_cache(maxsize=65536)
def gender_marker(title: str) -> str | None:
    """The normalised gender marker in ``title`` (e.g. ``"m/w/d"``, ``"all genders"``), or None."""
    match = _SLASHED.search(title) or _BARE.search(title)
    if match:
        return "/".join(letter.lower() for letter in match.groups() if letter)
    match = _WORDED.search(title)
    if match:
        word = re.sub(r"\s+", " ", match.group(1).lower())
        if word.replace(" ", "") in {"m/w/d/x"}:
            return "m/w/d/x"
        if word.startswith(("all", "alle")):
            return "all genders"
        return "gn"
    return None


def strip_gender_marker(title: str) -> str:
    for pattern in (_SLASHED, _WORDED, _BARE):
        title = pattern.sub(" ", title)
    return re.sub(r"\s+", " ", title).strip()


def _fold(text: str) -> str:
    """Lower case, German sharp s and umlauts folded, accents dropped."""
    if text.isascii():
        return text.lower()
    text = text.lower().replace("ß", "ss")
    for umlaut, folded in (("ä", "ae"), ("ö", "oe"), ("ü", "ue")):
        text = text.replace(umlaut, folded)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9+#]+(?:\.[a-z0-9]+)*", _fold(text))


@lru_cache(maxsize=65536)
def normalize_title(title: str) -> str:
    """Marker, seniority noise, gender suffixes and punctuation removed: a matching key."""
    words = _words(strip_gender_marker(title))
    # "Entwickler:in", "Entwickler*in", "Entwickler/in" -> "entwickler"
    kept = [w for w in words if w not in SENIORITY_WORDS and w not in {"in", "innen"}]
    return " ".join(kept) or " ".join(words)


@lru_cache(maxsize=65536)
def normalize_company(name: str) -> str:
    words = [w.strip(".") for w in _words(name)]
    kept = [w for w in words if w not in LEGAL_FORMS and w not in {"und", "and", "&"}]
    return " ".join(kept) or " ".join(words)


@lru_cache(maxsize=65536)
def normalize_location(location: str | None) -> str:
    if not location:
        return ""
    first = re.split(r"[,;(/|]", location)[0]
    return " ".join(_words(first))


def repost_key(company: str, title: str, location: str | None) -> str:
    """Same company + normalised title + location: the same vacancy, whatever its id."""
    key = "|".join(
        (normalize_company(company), normalize_title(title), normalize_location(location))
    )
    return hashlib.blake2b(key.encode(), digest_size=16).hexdigest()

"""Text from strangers made safe where it lands: one-line places (email headers, titles,
Telegram lines), links, and spreadsheet cells.

A line break in a Subject starts a header of the writer's choosing (``Bcc:``); in a Telegram
card it starts a made-up line ("Phone: ..."). Used by outreach (subjects filled with scraped
company names) and by handover cards. A scraped link may be ``javascript:``: ``web_link`` lets
only http(s) through to the dashboard and to outreach templates. A scraped company name may
start with ``=``: ``csv_text`` keeps a spreadsheet from running it (lead exports, company lists
for ad platforms).
"""

from __future__ import annotations

import unicodedata
from typing import Any

#: A cell starting with one of these is read as a formula by Excel, LibreOffice and Google
#: Sheets (OWASP's list: tab and carriage return too, which some of them skip first).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
#: Line breaks, control characters, lone surrogates (which cannot be encoded at all) ...
_CONTROL_CATEGORIES = frozenset({"Cc", "Cs", "Zl", "Zp"})
#: ... and the bidirectional overrides that display text in another order than it is stored.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def one_line(value: str, limit: int) -> str:
    """``value`` on one line of at most ``limit`` characters: control characters, line and
    paragraph separators and bidi overrides become spaces, runs of spaces one space."""
    spaced = "".join(" " if _is_control(ch) else ch for ch in value)
    line = " ".join(spaced.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _is_control(ch: str) -> bool:
    return unicodedata.category(ch) in _CONTROL_CATEGORIES or ch in _BIDI_CONTROLS


def web_link(url: object) -> str | None:
    """``url`` if it is an http(s) link, else None (never ``javascript:``, ``data:``, ...)."""
    return url if isinstance(url, str) and url.startswith(("https://", "http://")) else None


def csv_text(value: Any) -> Any:
    """Text a spreadsheet would run as a formula, prefixed with ``'``; anything else as is."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value

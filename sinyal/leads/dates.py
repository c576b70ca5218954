"""Calendar words prospects use for "when should they start" and "open since when".

"In January", "by Q1", "before Lebaran", "next month", "bulan depan", "since March", "dari awal
tahun": each is turned into a day count from today, which ``sinyal.leads.qualification`` buckets
(urgency) or stores (days open). Month names are matched in English, Indonesian and German,
with their usual short forms; a prospect writing "jan" means January.

Lebaran (Eid al-Fitr) moves through the Gregorian year; its dates are the Indonesian
government's published ones, and an unknown year falls back to "not understood" (the bot asks
again) rather than a guess.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta

MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    [
        "january jan januari januar jänner",
        "february feb februari februar pebruari",
        "march mar maret märz maerz",
        "april apr",
        "may mei mai",
        "june jun juni",
        "july jul juli",
        "august aug agustus",
        "september sep sept",
        "october oct oktober okt",
        "november nov nopember",
        "december dec desember dezember des dez",
    ],
    start=1,
):
    for _name in _names.split():
        MONTHS[_name] = _number

#: Idul Fitri, first day (SKB of the Indonesian ministries; 2029+ are the expected dates).
LEBARAN = {
    2025: date(2025, 3, 31),
    2026: date(2026, 3, 20),
    2027: date(2027, 3, 10),
    2028: date(2028, 2, 27),
    2029: date(2029, 2, 15),
    2030: date(2030, 2, 5),
}

# "may" is also a verb ("may I ask"): only as a month after in/by/from/since/until/bulan.
_MONTH_CUE = (
    r"(?:in|by|from|since|until|till|before|after|early|mid|end of|late|bulan|awal|akhir|"
    r"pertengahan|sejak|dari|sebelum|im|ab|seit|bis)"
)
_MONTH_NAMES = "|".join(sorted(MONTHS, key=len, reverse=True))
_MONTH = re.compile(rf"\b(?:{_MONTH_CUE}\s+)?({_MONTH_NAMES})\b\.?", re.I)
_QUARTER = re.compile(
    r"\b(?:q\s?([1-4])|([1-4])(?:st|nd|rd|th)? quarter|(first|second|third|fourth) quarter|"
    r"(?:kuartal|triwulan|kwartal)\s*(?:ke-?\s*)?([1-4]|satu|dua|tiga|empat|pertama|kedua|"
    r"ketiga|keempat))\b",
    re.I,
)
_QUARTER_WORDS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "satu": 1, "dua": 2, "tiga": 3,
    "empat": 4, "pertama": 1, "kedua": 2, "ketiga": 3, "keempat": 4,
}  # fmt: skip
_LEBARAN = re.compile(r"\b(lebaran|idul ?fitri|eid(?: al-?fitr)?|hari raya)\b", re.I)
_RELATIVE: list[tuple[re.Pattern[str], Callable[[date], date]]] = [
    (
        re.compile(r"\b(tomorrow|besok|this week|minggu ini|pekan ini)\b"),
        lambda t: t + timedelta(3),
    ),
    (re.compile(r"\b(next week|minggu depan|pekan depan)\b"), lambda t: t + timedelta(10)),
    (re.compile(r"\b(this month|bulan ini)\b"), lambda t: t + timedelta(10)),
    (re.compile(r"\b(next month|bulan depan)\b"), lambda t: t + timedelta(30)),
    (
        re.compile(r"\b(early next year|beginning of next year|awal tahun depan)\b"),
        lambda t: date(t.year + 1, 2, 1),
    ),
    (re.compile(r"\b(next year|tahun depan)\b"), lambda t: date(t.year + 1, 6, 1)),
    (
        re.compile(r"\b(end of (the |this )?year|akhir tahun( ini)?|this year|tahun ini)\b"),
        lambda t: date(t.year, 12, 31),
    ),
]
_SINCE = re.compile(
    r"\b(since|from|sejak|dari|seit)\b\s+(?:the\s+)?(?:(?:start|beginning)\s+of\s+(?:the\s+|this\s+)?"
    r"year|awal tahun|jahresanfang|last year|tahun lalu|(?:early|awal|mid|pertengahan)?\s*"
    rf"(?:bulan\s+)?(?:{_MONTH_NAMES}))\b",
    re.I,
)


def _next_occurrence(month: int, day: int, today: date) -> date:
    """The next date with this month and day, today counting as next (a month in progress)."""
    this_year = date(today.year, month, day)
    if month == today.month or this_year >= today:
        return this_year if this_year >= today else today
    return date(today.year + 1, month, day)


def _last_occurrence(month: int, today: date) -> date:
    start = date(today.year, month, 1)
    return start if start <= today else date(today.year - 1, month, 1)


def _relative_days(lowered: str, today: date) -> int | None:
    for pattern, target in _RELATIVE:
        if pattern.search(lowered):
            return max((target(today) - today).days, 0)
    return None


def days_until(text: str, today: date | None = None) -> int | None:
    """Days from today until the start a prospect names; None when the text names none.

    A month means its middle ("in January": the 15th), a quarter its middle, a holiday its
    date; "this month" and "next week" a few days. Past months roll over to next year.
    """
    today = today or date.today()
    lowered = text.lower()
    if _SINCE.search(lowered):
        return None  # "since March" says how long a role is open, not when to start
    relative = _relative_days(lowered, today)
    if relative is not None:
        return relative
    if _LEBARAN.search(lowered):
        upcoming = [day for day in LEBARAN.values() if day >= today]
        return (min(upcoming) - today).days if upcoming else None
    quarter = _quarter(lowered)
    if quarter is not None:
        middle = _next_occurrence(3 * quarter - 1, 15, today)
        return max((middle - today).days, 0)
    month = _month(lowered)
    if month is not None:
        return max((_next_occurrence(month, 15, today) - today).days, 0)
    return None


def days_since(text: str, today: date | None = None) -> int | None:
    """Days a role has been open when the prospect names its start: "since March", "sejak
    awal tahun", "since last year"; None otherwise."""
    today = today or date.today()
    lowered = text.lower()
    match = _SINCE.search(lowered)
    if match is None:
        return None
    phrase = match.group(0)
    if re.search(r"last year|tahun lalu", phrase):
        return 365
    if re.search(r"start|beginning|awal tahun|jahresanfang", phrase):
        return max((today - date(today.year, 1, 1)).days, 1)
    month = _month(phrase)
    if month is None:
        return None
    return max((today - _last_occurrence(month, today)).days, 1)


def _month(lowered: str) -> int | None:
    for match in _MONTH.finditer(lowered):
        name = match.group(1).lower()
        cued = match.group(0).lower() != name and not match.group(0).lower().startswith(name)
        if name in {"may", "mar", "jun", "jul", "des", "mai"} and not cued:
            continue  # "may I", "mar" as a name: only when a preposition says it is a month
        return MONTHS[name]
    return None


def _quarter(lowered: str) -> int | None:
    match = _QUARTER.search(lowered)
    if match is None:
        return None
    digit = match.group(1) or match.group(2)
    word = match.group(3) or match.group(4)
    if digit:
        return int(digit)
    return int(word) if word.isdigit() else _QUARTER_WORDS[word.lower()]

"""Qualification answers: what prospects type, read into structured fields, and the lead's score.

Prospects answer in English or Bahasa Indonesia, with digits or words ("three", "tiga"),
ranges ("2-3") and units ("4 months", "setengah tahun"). Each ``parse_*`` returns ``None``
when it cannot tell, so the bot re-asks instead of storing a guess.

Scoring is data: each flow's YAML carries ``qualification`` rules (points per answer, the
thresholds for qualified / nurture, and answers that disqualify outright).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from sinyal.flows.qualification import QualificationRules
from sinyal.leads.dates import days_since, days_until
from sinyal.store.models import LeadStatus

NUMBER_WORDS = {
    # English
    "a": 1, "an": 1, "one": 1, "single": 1, "two": 2, "couple": 2, "three": 3, "few": 3,
    "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30, "fifty": 50,
    "hundred": 100,
    # Bahasa Indonesia ("se-" prefixes: sebulan, seminggu, setahun)
    "satu": 1, "se": 1, "dua": 2, "tiga": 3, "empat": 4, "lima": 5, "enam": 6, "tujuh": 7,
    "delapan": 8, "sembilan": 9, "sepuluh": 10, "sebelas": 11, "beberapa": 3,
    "setengah": 0.5, "half": 0.5,
}  # fmt: skip

UNIT_DAYS = {
    "day": 1, "days": 1, "hari": 1,
    "week": 7, "weeks": 7, "wk": 7, "wks": 7, "minggu": 7, "pekan": 7,
    "month": 30, "months": 30, "mo": 30, "mos": 30, "bulan": 30, "bln": 30,
    "year": 365, "years": 365, "yr": 365, "yrs": 365, "tahun": 365, "thn": 365,
}  # fmt: skip

_NUMBER = r"\d+(?:[.,]\d+)?"
_WORD = "|".join(sorted(NUMBER_WORDS, key=len, reverse=True))
_QUANTITY = re.compile(rf"(?<![\w.])({_NUMBER}|{_WORD})(?:\s*-\s*({_NUMBER}))?(?![\w.])", re.I)
_DURATION = re.compile(
    rf"(?:({_NUMBER})\+?|\b({_WORD}))\s*-?\s*(?:a\s+|of\s+)?({'|'.join(UNIT_DAYS)})\b", re.I
)
_THOUSANDS = re.compile(r"(?<=\d)[.,](?=\d{3}\b)")


def _number(token: str) -> float | None:
    token = token.lower()
    if token in NUMBER_WORDS:
        return float(NUMBER_WORDS[token])
    try:
        return float(token.replace(",", "."))
    except ValueError:
        return None


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z]+", text.lower()))


def parse_count(text: str) -> int | None:
    """How many positions: "3", "three", "2-3" (the upper end), "tiga orang"."""
    text = _THOUSANDS.sub("", text)
    for match in _QUANTITY.finditer(text):
        if match.group(1).lower() in {"a", "an"}:  # "a couple": the count is the next word
            continue
        low, high = _number(match.group(1)), match.group(2)
        value = _number(high) if high else low
        if value is not None and value >= 1 and value == int(value):
            return int(value)
    return None


def parse_duration_days(text: str, today: date | None = None) -> int | None:
    """How long a role has been open: "4 months", "half a year", "sebulan", "since March"."""
    lowered = text.lower()
    if re.search(r"\bse(hari|minggu|pekan|bulan|tahun)\b", lowered):  # sebulan = one month
        lowered = re.sub(r"\bse(hari|minggu|pekan|bulan|tahun)\b", r"1 \1", lowered)
    if re.search(r"\b(half a year|setengah tahun)\b", lowered):
        return 182
    match = _DURATION.search(lowered)
    if match is None:
        return days_since(lowered, today)
    amount = _number(match.group(1) or match.group(2))
    if amount is None or amount <= 0:
        return None
    return round(amount * UNIT_DAYS[match.group(3)])


Urgency = Literal["asap", "soon", "later"]

_NOT_URGENT = re.compile(
    r"\b(not urgent|no rush|no hurry|not in a (big )?hurry|later|eventually|whenever|"
    r"(tidak|tak|nggak|ngga|gak|ga|enggak) (terlalu |begitu )?(mendesak|buru|urgent)|santai|nanti)",
    re.I
)  # fmt: skip
_ASAP = re.compile(
    r"\b(asap|a\.s\.a\.p|as soon as (possible|posible|possbile|poss|we can|you can)|immediately|"
    r"as (fast|quick|quickly) as (possible|we can)|urgent(ly)?|right away|now|yesterday|"
    r"secepetnya|scepatnya|secepat-cepatnya|sesegera mungkin|cepetan|"
    r"secepatnya|secepat mungkin|segera|mendesak|sekarang|urgent sekali)\b", re.I
)  # fmt: skip
_SOON = re.compile(r"\b(soon|few weeks|coming months|within|dalam|beberapa minggu)\b", re.I)


def bucket_urgency(days: int) -> Urgency:
    """Start within a month: asap; within three months: soon; later than that: later."""
    return "asap" if days <= 31 else "soon" if days <= 92 else "later"


def parse_urgency(text: str, today: date | None = None) -> Urgency | None:
    """When the hire should start, as a bucket: "asap", "in 2 months", "in January", "by Q1",
    "bulan depan". A number with a unit ("dalam 2 bulan ini") wins over the calendar words
    around it."""
    if _NOT_URGENT.search(text):
        return "later"
    if _ASAP.search(text):
        return "asap"
    days = None if days_since(text, today) else parse_duration_days(text, today)
    if days is None:
        days = days_until(text, today)
    if days is not None:
        return bucket_urgency(days)
    if _SOON.search(text):
        return "soon"
    return None


_YES = {"yes", "yeah", "yep", "yup", "sure", "correct", "right", "ya", "iya", "yoi", "betul",
        "benar", "tentu", "boleh", "ok", "okay", "oke", "i", "me", "saya", "aku"}  # fmt: skip
_NEGATIONS = {"no", "nope", "nah", "not", "tidak", "tak", "nggak", "enggak", "gak", "bukan"}
_NO = {"ceo", "boss", "manager", "director", "direktur", "atasan", "founder", "owner"}


def parse_yes_no(text: str) -> bool | None:
    """Yes or no, also "I decide" (yes) and "my boss does" (no, someone else decides)."""
    words = _words(text)
    negated = bool(words & _NEGATIONS)
    someone_else, yes = bool(words & _NO), bool(words & _YES)
    if negated or (someone_else and not (yes and words & {"i", "me", "saya", "aku"})):
        return False
    return True if yes else None


FeeModel = Literal["success", "retainer", "either", "no"]


def parse_fee_model(text: str) -> FeeModel | None:
    lowered = text.lower()
    words = _words(lowered)
    if words & {"both", "either", "any", "keduanya", "terserah"} or "dua-duanya" in lowered:
        return "either"
    success = bool(re.search(r"success|sukses|berhasil|contingen", lowered))
    retainer = "retainer" in lowered or "retain" in lowered
    if success and retainer:
        return "either"
    if success:
        return "success"
    if retainer:
        return "retainer"
    answer = parse_yes_no(lowered)
    if answer is True or words & {"fine", "acceptable", "open"}:
        return "either"
    if answer is False or words & {"neither", "none"}:
        return "no"
    return None


def parse_company_size(text: str) -> int | None:
    """Employees: "about 250", "1,200 people", "2k", "sekitar 80 karyawan"."""
    cleaned = _THOUSANDS.sub("", text.lower())
    match = re.search(r"(\d+(?:\.\d+)?)\s*(k|rb|ribu|thousand)?\b", cleaned)
    if match is None:
        return parse_count(text)
    value = float(match.group(1)) * (1000 if match.group(2) else 1)
    return int(value) if value >= 1 else None


@dataclass(frozen=True)
class Assessment:
    score: int
    status: LeadStatus
    reasons: tuple[str, ...]


def assess(answers: dict[str, Any], rules: QualificationRules) -> Assessment:
    """Score and status; ``reasons`` lists the matched rules for the consultant."""
    blockers = [rule.describe() for rule in rules.disqualify_when if rule.matches(answers)]
    matched = [rule for rule in rules.rules if rule.matches(answers)]
    score = sum(rule.points for rule in matched)
    reasons = tuple(f"{rule.describe()}: {rule.points:+d}" for rule in matched)
    if blockers:
        return Assessment(score, LeadStatus.DISQUALIFIED, (*reasons, *blockers))
    if score >= rules.qualified_at:
        status = LeadStatus.QUALIFIED
    elif score >= rules.nurture_at:
        status = LeadStatus.NURTURE
    else:
        status = LeadStatus.DISQUALIFIED
    return Assessment(score, status, reasons)

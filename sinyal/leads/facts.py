"""Several answers in one message: "we need 3 welders asap, I'm the plant manager, 0151 2345678".

The bot asks one question at a time, but prospects answer the ones they expect next as well.
``read_facts`` finds the answers a message states plainly, so the form does not ask them again.
It is deliberately stricter than the per-question parsers in ``sinyal.leads.qualification``: a count
counts only next to a verb of needing ("need 3 welders"), a start only next to a word of
starting or urgency ("start in January", "asap"), an open time only with "open/since/for the
last" ("open since March"). What it is unsure of, the form still asks.

``clean_role`` turns an answer to "which roles?" into the role itself: "yes, we still need two
senior java developers" is the role "senior java developers" and the count 2.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from sinyal.leads.dates import days_since, days_until
from sinyal.leads.qualification import (
    _ASAP,
    _NOT_URGENT,
    NUMBER_WORDS,
    bucket_urgency,
    parse_count,
    parse_duration_days,
    parse_urgency,
)

_COUNT_WORDS = "|".join(sorted((w for w in NUMBER_WORDS if len(w) > 2), key=len, reverse=True))
_COUNT = rf"(?:\d{{1,4}}|(?:a\s+)?(?:couple|few)(?:\s+of)?|{_COUNT_WORDS}|a|an)"
_NEED_VERB = (
    r"(?:need|needs|needed|looking for|look for|searching for|hire|hiring|recruit|recruiting|"
    r"want|require|find|butuh|membutuhkan|perlu|cari|mencari|nyari|rekrut|merekrut|ingin|mau)"
)
_STOP = (
    r"(?:asap|urgently|urgent|immediately|by|in|before|from|starting|start|for|at|with|who|"
    r"that|and|but|please|pls|secepatnya|segera|untuk|di|yang|dan|mulai|sebelum|dengan|buat|"
    r"sih|dong|aja|nih|ya|orang|people|persons|staff|hires|of|them)"
)
_NEED = re.compile(
    rf"\b{_NEED_VERB}\s+(?:about\s+|around\s+|sekitar\s+|kira-kira\s+)?({_COUNT})\s+"
    rf"(?:more\s+|additional\s+|new\s+|orang\s+|tambahan\s+)?"
    rf"((?:(?!{_STOP}\b)[^\W\d_][\w+#./-]*\s*){{1,5}})",
    re.I,
)
# "we need 3", "still need 3 people", "butuh 3 orang": a count with no role after it.
_NEED_COUNT = re.compile(
    rf"\b{_NEED_VERB}\s+(?:about\s+|around\s+|sekitar\s+)?({_COUNT})"
    r"(?:\s+(?:people|persons|staff|hires|of them|orang))?\s*(?:[,.!;]|$)",
    re.I,
)
_LEADING = re.compile(
    r"^(?:(?:yes|yeah|yep|yup|ya|iya|yoi|betul|benar|correct|right|ok|okay|oke|sure|exactly|"
    r"still|masih|we|i|kami|saya|kita|do|are|am|'re|are still|currently|mainly|mostly|"
    r"need|needs|looking for|searching for|hiring|want|butuh|perlu|cari|mencari|nyari|"
    r"merekrut|rekrut|lagi|sedang|it's|its|it is|the|for|untuk|posisi|position|role|roles)"
    r"\b[\s,.!:;-]*)+",
    re.I,
)
_NOT_A_ROLE = re.compile(
    r"^(no|nope|nah|not sure|dunno|idk|hmm+|ok|okay|oke|tidak|nggak|gak|enggak|belum|"
    r"bukan|entah|maybe|mungkin)$",
    re.I,
)
_TRAILING = re.compile(rf"[\s,.!;:-]+(?:{_STOP}\b.*)?$", re.I)
_START_CUE = re.compile(
    r"\b(start|starting|begin|join|on ?board|by|before|latest|mulai|masuk|gabung|sebelum|"
    r"paling lambat|deadline)\b",
    re.I,
)
_OPEN_CUE = re.compile(
    r"\b(open|opened|posted|advertised|searching|looking|vacant|unfilled|dibuka|buka|kosong|"
    r"nyari|mencari|cari|for the (last|past)|selama|sudah|udah)\b",
    re.I,
)
_DECIDES = re.compile(
    r"\b(i decide|i make the (call|decision)|i sign off|my call|my decision|it'?s my call|"
    r"i'?m one of the (owners|partners|founders|directors)|(aku|saya) (yang|yg) (punya|pemilik)|"
    r"(aku|saya) (yang |yg )?(mutusin|memutuskan|putuskan)|i'?m the "
    r"(owner|founder|ceo|md|managing director|boss|decision maker|[a-z]+ manager|head of \w+)|"
    r"i am the (owner|founder|ceo|md|managing director|boss|decision maker|[a-z]+ manager|"
    r"head of \w+)|saya (yang )?(memutuskan|mutusin|putuskan)|saya (pemilik|owner|direktur|"
    r"manajer|kepala \w+)|aku yang (mutusin|memutuskan))\b",
    re.I,
)
_BOSS = (
    r"(boss|ceo|md|director|managing director|owner|gm|cfo|coo|board|headquarters|hq|"
    r"head office|direktur|direksi|atasan|bos|pemilik|owner|kantor pusat|pusat)"
)
_SOMEONE_ELSE = re.compile(
    rf"\b((my|our|the) {_BOSS}( \w+)? (decides|signs|approves|has to|makes|has the final)|"
    r"not (me|my call|my decision)|someone else( decides)?|bukan saya|atasan saya|bos saya|"
    rf"keputusan(nya)?( kerja sama)?( ada)? di {_BOSS}|(decision|call) (is|lies|sits) with "
    rf"(my|our|the) {_BOSS}|{_BOSS} (kami |saya )?yang (memutuskan|mutusin|putuskan))",
    re.I,
)


def clean_role(text: str) -> str | None:
    """The role named in an answer, without the yes, the "we need" and the count around it."""
    cleaned = " ".join(text.split())
    match = _NEED.search(cleaned)
    if match:
        cleaned = match.group(2)
    cleaned = _LEADING.sub("", cleaned)
    count = re.match(
        rf"^(?:about |around |sekitar )?{_COUNT}\s+(?:more |additional |new |orang |tambahan )?",
        cleaned,
        re.I,
    )
    if count and parse_count(count.group(0)) is not None:
        cleaned = cleaned[count.end() :]
    cleaned = _TRAILING.sub("", cleaned).strip(" ,.!?;:-")
    if len(cleaned) < 2 or _NOT_A_ROLE.match(cleaned):
        return None
    return cleaned


_OF_THEM = re.compile(rf"\b({_COUNT})\s+of\s+(?:them|those)\b|\b({_COUNT})\s+orang\b", re.I)


def count_of_role(text: str) -> int | None:
    """The count in "need 3 welders" / "two senior java developers" / "butuh 2 orang kasir" /
    "ICU nurses, four of them"."""
    of_them = _OF_THEM.search(text)
    if of_them:
        return parse_count(of_them.group(1) or of_them.group(2))
    match = _NEED.search(text) or re.match(
        rf"^\s*(?:(?:yes|yeah|ya|iya|ok|sure)[\s,.!]+)?(?:we\s+)?(?:still\s+)?({_COUNT})\s+"
        r"(?:orang\s+)?[^\W\d_]",
        text,
        re.I,
    )
    if match is None:
        return None
    return parse_count(match.group(1)) if match.group(1).lower() not in {"a", "an"} else 1


# "Stahlwerk Rhein GmbH", "PT Kopi Nusantara", "Brightwave Analytics Ltd": a name with a legal form.
_LEGAL_SUFFIX = (
    r"(?:GmbH(?: & Co\.? KG)?|gGmbH|AG|KG|OHG|SE|UG|e\.?K\.?|Ltd\.?|LLC|Inc\.?|B\.?V\.?|"
    r"S\.?A\.?|Tbk)"
)
_COMPANY = re.compile(
    rf"\b((?:PT|CV|UD)\.?\s+(?:[A-Z][\w&.-]*\s?){{1,4}}|"
    rf"(?:[A-Z][\w&.-]*\s){{1,4}}{_LEGAL_SUFFIX})(?=$|[\s,.;!?])"
)


def read_company(text: str) -> str | None:
    """A company named with its legal form; None when the message names none."""
    match = _COMPANY.search(text)
    return " ".join(match.group(1).split()).rstrip(".,") if match else None


def read_urgency(text: str, today: date | None = None) -> str | None:
    """A start named with a word of starting or urgency; None when the message names none."""
    if _NOT_URGENT.search(text) and re.search(r"\b(rush|hurry|urgent|mendesak|buru)", text, re.I):
        return "later"
    if _ASAP.search(text) and not re.search(r"\bnow\b", text, re.I):
        return "asap"
    if _START_CUE.search(text):
        days = days_until(text, today)
        if days is None and re.search(r"\b(within|in|dalam)\b", text, re.I):
            days = parse_duration_days(text, today)  # "start within the next two weeks"
        if days is not None:
            return bucket_urgency(days)
    return None


def read_open_days(text: str, today: date | None = None) -> int | None:
    """How long the role has been open, when the message says "open for/since ..."."""
    since = days_since(text, today)
    if since is not None:
        return since
    if _OPEN_CUE.search(text):
        return parse_duration_days(text, today)
    return None


def read_decision_maker(text: str) -> bool | None:
    """True for "I'm the owner" / "saya yang memutuskan", False for "my boss decides" /
    "keputusannya di direktur"; None when the message says neither plainly."""
    if _SOMEONE_ELSE.search(text):
        return False
    if _DECIDES.search(text):
        return True
    return None


_CORRECTION = re.compile(
    r"\b(sorry|i meant|meant to say|got that wrong|typo|correction|salah ketik|salah tulis|"
    r"maksud(nya| saya| aku)?|ralat|koreksi|keliru)\b",
    re.I,
)
_NEGATED = re.compile(r"\b(not|bukan|tidak|nggak|gak)\s+[\w-]+", re.I)


def read_correction(text: str, today: date | None = None) -> dict[str, Any]:
    """A corrected count or start: "sorry, I meant 4 not 3", "maksudnya 2 orang bukan 3",
    "sorry, not asap, they'd start in about two months". Empty when the message corrects
    nothing it can name. What follows "not"/"bukan" is the old value and is left out."""
    if not _CORRECTION.search(text):
        return {}
    kept = _NEGATED.sub(" ", text)
    found: dict[str, Any] = {}
    urgency = parse_urgency(kept, today)
    if urgency:
        found["urgency"] = urgency
    if parse_duration_days(kept, today) is None:
        count = parse_count(kept)
        if count is not None:
            found["positions"] = count
    return found


def read_facts(text: str, today: date | None = None) -> dict[str, Any]:
    """The form answers a message states plainly (slot name -> stored value)."""
    facts: dict[str, Any] = {}
    need = _NEED.search(text)
    bare_count = _NEED_COUNT.search(text)
    if bare_count and not need and bare_count.group(1).lower() not in {"a", "an"}:
        count = parse_count(bare_count.group(1))
        if count is not None:
            facts["positions"] = count
    of_them = _OF_THEM.search(text)
    if of_them and not need:
        facts["positions"] = count_of_role(text)
    if need:
        count = count_of_role(text)
        role = clean_role(need.group(0))
        if count is not None:
            facts["positions"] = count
        if role:
            facts["hiring_roles"] = role
    found: dict[str, Any] = {
        "company": read_company(text),
        "urgency": read_urgency(text, today),
        "open_days": read_open_days(text, today),
        "decision_maker": read_decision_maker(text),
    }
    facts.update({slot: value for slot, value in found.items() if value is not None})
    return facts

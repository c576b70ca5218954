"""Per-language keyword rules for each signal type: what a sales analyst would grep for.

They serve twice: as features of the classifier (a hit is strong evidence, and keeps rare
phrasings covered when the labelled set has few of them) and, alone, as the keyword baseline
the classifier is measured against (``keyword_guess``). The patterns are data, in
``rules.yml``, checked when first read.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import yaml

from sinyal.signals.news.kinds import SignalType

RULES_FILE = Path(__file__).with_name("rules.yml")
SIGNAL_TYPES: tuple[SignalType, ...] = tuple(t for t in SignalType if t is not SignalType.NONE)


class RulesError(ValueError):
    """rules.yml names an unknown type or holds a pattern that does not compile."""


DENIAL = "denial"  # not a type: cues that the item denies what its words suggest


@cache
def _compiled(language: str) -> dict[SignalType | str, re.Pattern[str] | None]:
    rules = yaml.safe_load(RULES_FILE.read_text(encoding="utf-8"))
    per_language = rules.get(language) or rules["en"]
    compiled: dict[SignalType | str, re.Pattern[str] | None] = {
        **dict.fromkeys(SIGNAL_TYPES),
        DENIAL: None,
    }
    for name, patterns in per_language.items():
        try:
            key = name if name == DENIAL else SignalType(name)
            compiled[key] = re.compile("|".join(f"(?:{p})" for p in patterns))
        except (ValueError, re.error) as exc:
            raise RulesError(f"{RULES_FILE}: {language}.{name}: {exc}") from None
    return compiled


def _count(pattern: re.Pattern[str] | None, lowered: str) -> int:
    return len(pattern.findall(lowered)) if pattern else 0


def rule_hits(text: str, language: str) -> dict[SignalType, int]:
    """How many times each type's patterns occur in ``text`` (every type, zero included)."""
    lowered, compiled = text.lower(), _compiled(language)
    return {kind: _count(compiled[kind], lowered) for kind in SIGNAL_TYPES}


def denial_hits(text: str, language: str) -> int:
    """Cues that the item denies or rules out an event ("weist Insolvenzgerüchte zurück")."""
    return _count(_compiled(language)[DENIAL], text.lower())


def keyword_guess(title: str, text: str, language: str) -> SignalType:
    """The keyword baseline: the type with most hits (title hits count double), else none."""
    hits = rule_hits(title, language)
    for kind, count in rule_hits(text, language).items():
        hits[kind] = 2 * hits[kind] + count
    best = max(hits, key=lambda kind: hits[kind])
    return best if hits[best] else SignalType.NONE

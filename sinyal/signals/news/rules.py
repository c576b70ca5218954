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


@cache
def _compiled(language: str) -> dict[SignalType, re.Pattern[str] | None]:
    rules = yaml.safe_load(RULES_FILE.read_text(encoding="utf-8"))
    per_type = rules.get(language) or rules["en"]
    compiled: dict[SignalType, re.Pattern[str] | None] = dict.fromkeys(SIGNAL_TYPES)
    for name, patterns in per_type.items():
        try:
            kind = SignalType(name)
            compiled[kind] = re.compile("|".join(f"(?:{p})" for p in patterns))
        except (ValueError, re.error) as exc:
            raise RulesError(f"{RULES_FILE}: {language}.{name}: {exc}") from None
    return compiled


def rule_hits(text: str, language: str) -> dict[SignalType, int]:
    """How many times each type's patterns occur in ``text`` (every type, zero included)."""
    lowered = text.lower()
    return {
        kind: len(pattern.findall(lowered)) if pattern else 0
        for kind, pattern in _compiled(language).items()
    }


def keyword_guess(title: str, text: str, language: str) -> SignalType:
    """The keyword baseline: the type with most hits (title hits count double), else none."""
    hits = rule_hits(title, language)
    for kind, count in rule_hits(text, language).items():
        hits[kind] = 2 * hits[kind] + count
    best = max(hits, key=lambda kind: hits[kind])
    return best if hits[best] else SignalType.NONE

"""The kinds of company news that are sales signals, and what each means for outreach.

The ten labels are the classifier's classes (``none`` included). Polarity says whether a signal
invites a call (positive) or forbids one for a while (negative: a company cutting jobs or in
insolvency is not hiring through a consultancy). The half-life is how fast a signal's weight in
a trigger's score fades: a funding round matters for a quarter, a new plant for half a year.
"""

from __future__ import annotations

from enum import StrEnum


class SignalType(StrEnum):
    EXPANSION = "expansion"
    FUNDING = "funding"
    ACQUISITION = "acquisition"
    MANAGEMENT_CHANGE = "management_change"
    NEW_CONTRACT = "new_contract"
    GROWTH_HIRING = "growth_hiring"
    PRODUCT_LAUNCH = "product_launch"
    LAYOFFS = "layoffs"
    INSOLVENCY = "insolvency"
    NONE = "none"


class Polarity(StrEnum):
    POSITIVE = "positive"
    NEGATIVE = "negative"
    NEUTRAL = "neutral"


NEGATIVE_TYPES = frozenset({SignalType.LAYOFFS, SignalType.INSOLVENCY})

#: Days after which a signal counts half in a trigger's score (flows may override them).
DEFAULT_HALF_LIFE_DAYS: dict[SignalType, float] = {
    SignalType.EXPANSION: 180,
    SignalType.FUNDING: 120,
    SignalType.ACQUISITION: 120,
    SignalType.MANAGEMENT_CHANGE: 90,
    SignalType.NEW_CONTRACT: 120,
    SignalType.GROWTH_HIRING: 90,
    SignalType.PRODUCT_LAUNCH: 60,
    SignalType.LAYOFFS: 180,
    SignalType.INSOLVENCY: 365,
}


def polarity_of(kind: SignalType) -> Polarity:
    if kind is SignalType.NONE:
        return Polarity.NEUTRAL
    return Polarity.NEGATIVE if kind in NEGATIVE_TYPES else Polarity.POSITIVE

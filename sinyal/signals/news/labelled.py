"""The labelled news items the classifier learns from (``training/``) and is measured on.

Each file is a YAML list of items written for one language (see ``training/README.md`` for
how they were written and labelled). Items are checked when read: a wrong type, a missing
field or an evidence sentence that is not in the item fails with the file and the item's id.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import yaml

from sinyal.signals.news.kinds import SignalType

TRAINING_DIR = Path(__file__).with_name("training")
LANGUAGES = ("de", "en", "id")


class LabelledSetError(ValueError):
    """A labelled file that cannot be used; the message names the file and the item."""


@dataclass(frozen=True)
class LabelledItem:
    id: str
    language: str
    type: SignalType
    company: str
    domain: str
    published: date
    title: str
    text: str
    evidence: str | None


def _item(raw: object, where: str) -> LabelledItem:
    if not isinstance(raw, dict):
        raise LabelledSetError(f"{where}: an item must be a mapping")
    where = f"{where} ({raw.get('id', '?')})"
    try:
        kind = SignalType(raw["type"])
        published = raw["published"]
        if isinstance(published, str):
            published = date.fromisoformat(published)
        item = LabelledItem(
            id=str(raw["id"]),
            language=str(raw["language"]),
            type=kind,
            company=str(raw["company"]),
            domain=str(raw["domain"]),
            published=published,
            title=str(raw["title"]),
            text=str(raw["text"]),
            evidence=None if raw.get("evidence") is None else str(raw["evidence"]),
        )
    except KeyError as missing:
        raise LabelledSetError(f"{where}: missing field {missing}") from None
    except ValueError as exc:
        raise LabelledSetError(f"{where}: {exc}") from None
    if item.language not in LANGUAGES:
        raise LabelledSetError(f"{where}: language {item.language!r} is not one of {LANGUAGES}")
    if item.evidence is not None and item.evidence not in f"{item.title} {item.text}":
        raise LabelledSetError(f"{where}: the evidence is not a sentence of the item")
    return item


def read_labelled(paths: Iterable[Path]) -> list[LabelledItem]:
    items: list[LabelledItem] = []
    for path in paths:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or []
        if not isinstance(raw, list):
            raise LabelledSetError(f"{path}: expected a list of items")
        items += [_item(entry, f"{path}, item {n + 1}") for n, entry in enumerate(raw)]
    return items


def training_items() -> list[LabelledItem]:
    return read_labelled(sorted(TRAINING_DIR.glob("*.yml")))

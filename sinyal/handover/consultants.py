"""The consultants who receive leads, kept as data (``consultants.yml``) and synced to the store.

The file is the source of truth an operator edits; ``sync_consultants`` makes the table match
it (new ones added, changed ones updated, removed ones deactivated, never deleted: their leads
and KPIs keep pointing at them). Errors name the file, line and field.
"""

from __future__ import annotations

from datetime import datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, EmailStr, Field, ValidationError, field_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from sinyal.store.models import Consultant

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class ConsultantsError(ValueError):
    pass


class WorkingHours(BaseModel):
    """When a consultant takes leads: ``days`` and ``from``-``to`` in ``timezone``."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    days: list[str] = Field(default_factory=lambda: list(DAYS[:5]))
    start: time = Field(default=time(8, 0), alias="from")
    end: time = Field(default=time(18, 0), alias="to")
    timezone: str = "Europe/Berlin"

    @field_validator("days")
    @classmethod
    def _days(cls, value: list[str]) -> list[str]:
        days = [d.strip().lower()[:3] for d in value]
        unknown = [d for d in days if d not in DAYS]
        if unknown:
            raise ValueError(f"unknown day(s) {unknown}; use {', '.join(DAYS)}")
        return days

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    def covers(self, moment: datetime) -> bool:
        local = moment.astimezone(ZoneInfo(self.timezone))
        if DAYS[local.weekday()] not in self.days:
            return False
        return self.start <= local.time() < self.end


class ConsultantConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=200)
    email: EmailStr | None = None
    telegram_chat_id: int | None = None
    languages: list[str] = Field(default_factory=list)
    regions: list[str] = Field(default_factory=list)
    industries: list[str] = Field(default_factory=list)
    working_hours: WorkingHours | None = None  # none: any time
    monthly_target: int | None = Field(default=None, ge=0)
    active: bool = True


def load_consultants(path: Path) -> list[ConsultantConfig]:
    """The file's consultants; a missing file means none."""
    if not path.exists():
        return []
    try:
        document = yaml.compose(path.read_text(encoding="utf-8"))
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ConsultantsError(f"{path}: not valid YAML: {exc}") from None
    entries = data.get("consultants") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise ConsultantsError(f"{path}: expected a top-level 'consultants:' list")
    configs, names = [], set()
    for index, entry in enumerate(entries):
        where = f"{path}:{_line(document, index)}"
        try:
            config = ConsultantConfig.model_validate(entry)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or 'entry'}: {e['msg']}" for e in exc.errors()
            )
            raise ConsultantsError(f"{where}: consultant #{index + 1}: {problems}") from None
        if config.name in names:
            raise ConsultantsError(f"{where}: consultant {config.name!r} is listed twice")
        names.add(config.name)
        configs.append(config)
    return configs


def _line(document: Any, index: int) -> int | str:
    try:
        node = dict((k.value, v) for k, v in document.value)["consultants"].value[index]
        return int(node.start_mark.line) + 1
    except (AttributeError, KeyError, IndexError, TypeError):
        return "?"


def sync_consultants(session: Session, configs: list[ConsultantConfig]) -> dict[str, int]:
    """Make the table match the file; returns how many were added, updated and deactivated."""
    existing = {c.name: c for c in session.scalars(select(Consultant))}
    counts = {"added": 0, "updated": 0, "deactivated": 0}
    for config in configs:
        values = config.model_dump(mode="json", by_alias=True)
        consultant = existing.pop(config.name, None)
        if consultant is None:
            session.add(Consultant(**values))
            counts["added"] += 1
            continue
        changed = False
        for field, value in values.items():
            if getattr(consultant, field) != value:
                setattr(consultant, field, value)
                changed = True
        counts["updated"] += changed
    for consultant in existing.values():
        if consultant.active:
            consultant.active = False
            counts["deactivated"] += 1
    session.flush()
    return counts

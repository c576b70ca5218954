"""The lookalike inputs as files: companies and outcomes as CSV, postings as JSON lines.

``companies.csv``: ``name,domain,industry,employees,city,country`` (empty cells allowed);
``won.csv`` / ``lost.csv``: ``name`` (and, for won clients, an optional ``won_at`` ISO date:
the evaluation then builds features only from data before it); ``postings.jsonl``: one object
per line, ``{"company", "title", "first_seen"}`` and an optional ``closed_at``. Names match
companies by their normalised form ("Nordwind Logistik GmbH" = "Nordwind Logistik").

Every problem is a ``LookalikeInputError`` naming the file, the column (or field) and the line;
the first one ends the reading, since a ranking from half a file would look complete.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

from sinyal.signals.lookalike.universe import (
    CompanyProfile,
    PostingSeen,
    Universe,
    company_key,
)

COMPANY_COLUMNS = ("name", "domain", "industry", "employees", "city", "country")
MAX_EMPLOYEES = 10_000_000
MAX_CELL = 300
MAX_LINE = 100_000  # characters in one JSON line


class LookalikeInputError(ValueError):
    """A lookalike input file that cannot be used; the message names file, column and line."""


def _rows(path: Path, required: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise LookalikeInputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    with handle:
        try:
            reader = csv.DictReader(handle)
            columns = [c.strip() for c in reader.fieldnames or ()]
            missing = [c for c in required if c not in columns]
            if missing:
                raise LookalikeInputError(f"{path}: missing column {', '.join(missing)}")
            reader.fieldnames = columns
            for row in reader:
                cells = {k: (v or "").strip() for k, v in row.items() if k is not None}
                yield reader.line_num, cells
        except (UnicodeDecodeError, csv.Error) as exc:
            raise LookalikeInputError(f"{path}: not a UTF-8 CSV file ({exc})") from None


def _cell(path: Path, line: int, column: str, value: str) -> str | None:
    if len(value) > MAX_CELL:
        raise LookalikeInputError(f"{path}, column {column}, line {line}: longer than {MAX_CELL}")
    return value or None


def _employees(path: Path, line: int, value: str) -> int | None:
    if not value:
        return None
    try:
        number = int(value.replace(",", "").replace(".", "").replace(" ", ""))
    except ValueError:
        number = -1
    if not 0 < number <= MAX_EMPLOYEES:
        raise LookalikeInputError(
            f"{path}, column employees, line {line}: {value[:40]!r} is not a number of employees"
        )
    return number


def read_companies(path: Path) -> list[CompanyProfile]:
    companies: dict[str, CompanyProfile] = {}
    for line, row in _rows(path, COMPANY_COLUMNS):
        name = _cell(path, line, "name", row["name"])
        if name is None:
            raise LookalikeInputError(f"{path}, column name, line {line}: empty")
        profile = CompanyProfile(
            name=name,
            domain=_cell(path, line, "domain", row["domain"]),
            industry=_cell(path, line, "industry", row["industry"]),
            employees=_employees(path, line, row["employees"]),
            city=_cell(path, line, "city", row["city"]),
            country=_cell(path, line, "country", row["country"]),
        )
        companies.setdefault(profile.key, profile)  # the first row of a repeated name wins
    return list(companies.values())


def _day(path: Path, where: str, value: object) -> date:
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        raise LookalikeInputError(f"{path}, {where}: {str(value)[:40]!r} is not a date") from None


def read_outcomes(path: Path, known: set[str]) -> tuple[dict[str, date | None], list[str]]:
    """Outcome names by key (with ``won_at`` when given), and the names matching no company."""
    found: dict[str, date | None] = {}
    unknown = []
    for line, row in _rows(path, ("name",)):
        if not row["name"]:
            continue
        key = company_key(row["name"])
        if key not in known:
            unknown.append(row["name"])
            continue
        won_at = row.get("won_at")
        found[key] = _day(path, f"column won_at, line {line}", won_at) if won_at else None
    return found, unknown


def read_postings(path: Path) -> list[PostingSeen]:
    postings = []
    try:
        handle = path.open(encoding="utf-8-sig")
    except OSError as exc:
        raise LookalikeInputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    with handle:
        try:
            for line, text in enumerate(handle, start=1):
                if len(text) > MAX_LINE:
                    raise LookalikeInputError(f"{path}, line {line}: longer than {MAX_LINE}")
                if text.strip():
                    postings.append(_posting(path, line, text))
        except UnicodeDecodeError:
            raise LookalikeInputError(f"{path}: not UTF-8 text (JSON lines)") from None
    return postings


def _posting(path: Path, line: int, text: str) -> PostingSeen:
    try:
        record = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LookalikeInputError(f"{path}, line {line}: not JSON ({exc.msg})") from None
    if not isinstance(record, dict):
        raise LookalikeInputError(f"{path}, line {line}: expected an object")
    for field in ("company", "title", "first_seen"):
        if not isinstance(record.get(field), str) or not record[field].strip():
            raise LookalikeInputError(f"{path}, field {field}, line {line}: missing or not text")
    first_seen = _day(path, f"field first_seen, line {line}", record["first_seen"])
    closed = record.get("closed_at")
    closed_day = _day(path, f"field closed_at, line {line}", closed) if closed else None
    if closed_day is not None and closed_day < first_seen:
        raise LookalikeInputError(f"{path}, field closed_at, line {line}: before first_seen")
    return PostingSeen(
        company=company_key(record["company"]),
        title=record["title"][:MAX_CELL],
        first_seen=first_seen,
        closed=closed_day,
    )


def read_universe(
    companies: Path, won: Path, lost: Path | None = None, postings: Path | None = None
) -> tuple[Universe, list[str]]:
    """The universe the files describe, and a warning per outcome naming no company."""
    profiles = read_companies(companies)
    known = {p.key for p in profiles}
    won_days, unknown_won = read_outcomes(won, known)
    lost_days, unknown_lost = read_outcomes(lost, known) if lost else ({}, [])
    warnings = [f"{won}: {name!r} is not in {companies}" for name in unknown_won]
    warnings += [f"{lost}: {name!r} is not in {companies}" for name in unknown_lost]
    return (
        Universe(
            companies=profiles,
            postings=read_postings(postings) if postings else [],
            won=won_days,
            lost=set(lost_days) - set(won_days),
        ),
        warnings,
    )

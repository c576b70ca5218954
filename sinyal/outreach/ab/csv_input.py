"""Counts per variant from a CSV file (``variant,exposures,conversions[,weight]``).

For results that come from outside Sinyal (an email tool's report, an ad platform's export).
The first data row is control. Problems are one line naming the file, the row and the column.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from sinyal.outreach.ab.stats import Arm

REQUIRED = ("variant", "exposures", "conversions")
_WHOLE = re.compile(r"^[+-]?\d+$")


class CsvInputError(ValueError):
    """The file cannot be analysed; ``str()`` says where and why in one line."""


def _count(value: str, where: str, column: str) -> int:
    text = value.strip()
    if not _WHOLE.match(text):
        raise CsvInputError(f"{where}: {column} must be a whole number, got {value!r}")
    number = int(text)
    if number < 0:
        raise CsvInputError(f"{where}: {column} cannot be negative, got {number}")
    return number


def _weight(value: str, where: str) -> float:
    try:
        number = float(value.strip())
    except ValueError:
        raise CsvInputError(f"{where}: weight must be a number, got {value!r}") from None
    if not number > 0 or number == float("inf"):
        raise CsvInputError(f"{where}: weight must be a positive number, got {value!r}")
    return number


def read_arms(path: Path) -> list[Arm]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise CsvInputError(f"{path}: cannot read ({exc})") from None
    if not text.strip():
        raise CsvInputError(f"{path}: the file is empty; expected a header {','.join(REQUIRED)}")
    reader = csv.DictReader(text.splitlines())
    header = [h.strip().lower() for h in reader.fieldnames or []]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise CsvInputError(
            f"{path}:1: missing column(s) {', '.join(missing)} "
            f"(header must have {','.join(REQUIRED)}[,weight])"
        )
    reader.fieldnames = header
    arms: list[Arm] = []
    for row in reader:
        where = f"{path}:{reader.line_num}"
        if None in row or any(row.get(c) is None for c in REQUIRED):
            raise CsvInputError(f"{where}: expected {len(header)} fields")
        name = row["variant"].strip()
        if not name:
            raise CsvInputError(f"{where}: variant name is empty")
        if any(a.name == name for a in arms):
            raise CsvInputError(f"{where}: variant {name!r} appears twice")
        exposures = _count(row["exposures"], where, "exposures")
        conversions = _count(row["conversions"], where, "conversions")
        if conversions > exposures:
            raise CsvInputError(
                f"{where}: conversions ({conversions}) exceed exposures ({exposures})"
            )
        raw_weight = (row.get("weight") or "").strip()
        weight = _weight(raw_weight, where) if raw_weight else 1.0
        arms.append(Arm(name, exposures, conversions, weight))
    if not arms:
        raise CsvInputError(f"{path}: no variants below the header")
    return arms

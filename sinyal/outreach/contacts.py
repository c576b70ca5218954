"""Contact lists: the HR people a flow's persona addresses, imported from CSV.

Columns ``company,name,email,title`` (optional ``website``, ``country``, ``city``,
``language``). Each row is checked on its own: a bad row is reported with its line number and
the rest are imported. A company is matched by its normalised name, as the scrapers store it,
so a contact joins the triggers found for that company.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from scrapers.normalize import normalize_company
from sinyal.contact_details import ContactError, check_email
from sinyal.outreach.suppression import Reason, suppress, suppressed_because
from sinyal.store.models import Company, Contact, SuppressionKind

REQUIRED = ("company", "email")
LANGUAGES = ("en", "id", "de")


class ContactsFileError(ValueError):
    """The file as a whole cannot be read (not one bad row)."""


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    suppressed: int = 0
    errors: list[str] = field(default_factory=list)


def _company(session: Session, row: dict[str, str]) -> Company:
    name = row["company"].strip()
    normalized = normalize_company(name)
    company = session.scalars(
        select(Company).where(Company.normalized_name == normalized)
    ).one_or_none()
    if company is None:
        company = Company(name=name, normalized_name=normalized)
        session.add(company)
    website = (row.get("website") or "").strip()
    if website and not company.website:
        company.website = website if "://" in website else f"https://{website}"
        company.domain = company.domain or urlsplit(company.website).hostname
    country = (row.get("country") or "").strip().upper()
    if len(country) == 2 and country.isalpha() and not company.country:
        company.country = country
    city = (row.get("city") or "").strip()
    if city and not company.city:
        company.city = city[:120]
    session.flush()
    return company


def _import_row(session: Session, row: dict[str, str], source: str, result: ImportResult) -> None:
    if not (row.get("company") or "").strip():
        raise ValueError("company is empty")
    try:
        email = check_email(row.get("email") or "", "accept").address
    except ContactError as exc:
        raise ValueError(f"email: {exc}") from None
    language = (row.get("language") or "").strip().lower() or None
    if language is not None and language not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}, got {language!r}")
    company = _company(session, row)
    if suppressed_because(session, email, company):
        result.suppressed += 1  # on the suppression list: never stored again
        return
    contact = session.scalars(select(Contact).where(Contact.email == email)).one_or_none()
    if contact is None:
        contact = Contact(email=email)
        session.add(contact)
        result.created += 1
    else:
        result.updated += 1
    contact.company_id = company.id
    contact.name = (row.get("name") or "").strip()[:300] or None
    contact.title = (row.get("title") or "").strip()[:300] or None
    contact.language = language
    contact.source = source[:300]


def import_contacts(session: Session, path: Path) -> ImportResult:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ContactsFileError(f"{path}: cannot read ({exc})") from None
    reader = csv.DictReader(text.splitlines())
    header = [h.strip().lower() for h in reader.fieldnames or []]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise ContactsFileError(f"{path}:1: missing column(s) {', '.join(missing)}")
    reader.fieldnames = header
    result = ImportResult()
    for row in reader:
        try:
            with session.begin_nested():
                _import_row(session, row, path.name, result)
        except ValueError as exc:
            result.errors.append(f"{path}:{reader.line_num}: {exc}")
    return result


def opt_out(session: Session, value: str, reason: Reason = Reason.OPTED_OUT) -> int:
    """Suppress an address or a whole ``@domain``; returns how many stored contacts it removed."""
    value = value.strip().lower()
    if value.startswith("@"):
        suppress(session, SuppressionKind.DOMAIN, value[1:], reason)
        contacts = session.scalars(select(Contact).where(Contact.email.endswith(value))).all()
    else:
        address = check_email(value, "accept").address
        suppress(session, SuppressionKind.EMAIL, address, reason)
        contacts = session.scalars(select(Contact).where(Contact.email == address)).all()
    for contact in contacts:
        session.delete(contact)
    return len(contacts)

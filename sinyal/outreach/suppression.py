"""The suppression list: checked before every message, whichever channel sends it.

Unsubscribed and opted-out addresses, addresses whose owner had their data deleted, and whole
domains (existing clients, competitors). Addresses are stored as a SHA-256 of their normalised
form: the list must outlive the data it protects, and a hash is enough to recognise an address.
"""

from __future__ import annotations

import enum
import hashlib
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from sinyal.store.db import insert_ignoring_conflicts
from sinyal.store.models import Company, Suppression, SuppressionKind


class Reason(enum.StrEnum):
    UNSUBSCRIBED = "unsubscribed"
    OPTED_OUT = "opted_out"
    ERASED = "erased"
    CLIENT = "client"


def fingerprint(value: str) -> str:
    return hashlib.sha256(value.strip().lower().encode()).hexdigest()


def domain_of(email: str) -> str:
    return email.rpartition("@")[2].strip().lower()


def suppress(session: Session, kind: SuppressionKind, value: str, reason: Reason) -> None:
    """Add ``value`` (an address or a domain) once; adding it again changes nothing."""
    row = {
        "kind": kind.value,
        "value_hash": fingerprint(value),
        "label": value.strip().lower() if kind is SuppressionKind.DOMAIN else None,
        "reason": reason.value,
    }
    insert_ignoring_conflicts(session, Suppression, [row], ["kind", "value_hash"])


def suppressed_domains(session: Session) -> Callable[[str | None], bool]:
    """``suppressed_because``'s domain check for a whole company list: one query for the list,
    then a set lookup per domain."""
    hashes = set(
        session.scalars(
            select(Suppression.value_hash).where(Suppression.kind == SuppressionKind.DOMAIN.value)
        )
    )
    return lambda domain: bool(domain) and fingerprint(domain or "") in hashes


def suppressed_because(session: Session, email: str | None, company: Company | None) -> str | None:
    """Why this recipient must not be contacted, or None if they may be."""
    if company is not None and company.is_client:
        return Reason.CLIENT.value
    keys = []
    if email:
        keys += [(SuppressionKind.EMAIL.value, fingerprint(email))]
        keys += [(SuppressionKind.DOMAIN.value, fingerprint(domain_of(email)))]
    if company is not None and company.domain:
        keys += [(SuppressionKind.DOMAIN.value, fingerprint(company.domain))]
    for kind, value_hash in keys:
        reason = session.scalars(
            select(Suppression.reason).where(
                Suppression.kind == kind, Suppression.value_hash == value_hash
            )
        ).first()
        if reason is not None:
            return reason
    return None

"""Dashboard users: usernames, Argon2 password hashes, roles.

Passwords are hashed with argon2-cffi (Argon2id, the library's tuned defaults) and checked in
constant time; an unknown username costs the same hash check, so response times do not tell
which usernames exist. Hashes made with older parameters are upgraded at the next login.
"""

from __future__ import annotations

import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from sinyal.store.models import Consultant, Role, User, utcnow

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,79}$")
MIN_PASSWORD = 10
_HASHER = PasswordHasher()
_DUMMY_HASH = _HASHER.hash("not a real password, only for timing")


class UserError(ValueError):
    pass


def check_password_strength(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise UserError(f"a password needs at least {MIN_PASSWORD} characters")
    return password


def parse_role(value: str | None) -> Role | None:
    if value in (None, "", "none"):
        return None
    try:
        return Role(value)
    except ValueError:
        allowed = ", ".join(r.value for r in Role)
        raise UserError(f"unknown role {value!r}; use one of: {allowed} (or none)") from None


def add_user(
    session: Session,
    username: str,
    password: str,
    role: Role | None,
    consultant: str | None = None,
) -> User:
    username = username.strip().lower()
    if not USERNAME.match(username):
        raise UserError("a username is 2-80 of a-z, 0-9, '.', '_' or '-'")
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise UserError(f"user {username!r} exists already")
    user = User(
        username=username,
        password_hash=_HASHER.hash(check_password_strength(password)),
        role=role.value if role else None,
        consultant_id=_consultant_id(session, consultant),
    )
    session.add(user)
    session.flush()
    return user


def _consultant_id(session: Session, name: str | None) -> int | None:
    if name is None:
        return None
    found = session.scalar(select(Consultant.id).where(Consultant.name == name))
    if found is None:
        raise UserError(f"no consultant named {name!r} (see consultants.yml)")
    return found


def find_user(session: Session, username: str) -> User:
    user = session.scalars(select(User).where(User.username == username)).one_or_none()
    if user is None:
        raise UserError(f"no user {username!r}")
    return user


def authenticate(session: Session, username: str, password: str) -> User | None:
    user = session.scalars(
        select(User).where(User.username == username.strip().lower(), User.active.is_(True))
    ).one_or_none()
    try:
        _HASHER.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None:
        return None
    if _HASHER.check_needs_rehash(user.password_hash):
        user.password_hash = _HASHER.hash(password)
    user.last_login_at = utcnow()
    return user

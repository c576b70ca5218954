"""The tokens every internal call carries, made once per data directory when none is set.

Rasa's HTTP API and REST channel, and the action server, always require a token; the web app
signs chat sessions and Telegram sender ids with the secret key. An installation that sets
none of them still runs safely: ``sinyal run`` generates them into ``var/run-secrets.env``
(mode 0600) and hands them to its children through the environment. Several machines must
share one set: set the ``SINYAL_*`` variables on each of them instead (docs/production.md).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from pydantic import SecretStr

from sinyal.settings import Settings

#: Settings field -> the environment variable children read it from.
GENERATED = {
    "rasa_token": "SINYAL_RASA_TOKEN",
    "actions_token": "SINYAL_ACTIONS_TOKEN",
    "secret_key": "SINYAL_SECRET_KEY",
}
FILE_NAME = "run-secrets.env"


def secrets_file(settings: Settings) -> Path:
    return settings.data_path / FILE_NAME


def _read(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    if path.stat().st_mode & 0o077:
        raise PermissionError(f"{path} is readable by others: `chmod 600 {path}` (or delete it)")
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)
    return {name.strip(): value.strip() for name, value in pairs}


def _write(path: Path, values: dict[str, str]) -> None:
    """Private from the first byte, and whole: written beside, then renamed over."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write("".join(f"{name}={value}\n" for name, value in sorted(values.items())))
    os.replace(partial, path)


def stored_run_secrets(settings: Settings) -> Settings:
    """Settings with unset tokens taken from the file, if any (``sinyal doctor`` reads them)."""
    stored = _read(secrets_file(settings))
    filled = {
        field: SecretStr(stored[env])
        for field, env in GENERATED.items()
        if getattr(settings, field) is None and env in stored
    }
    return settings.model_copy(update=filled)


def with_run_secrets(settings: Settings) -> Settings:
    """Settings with every token set: from the environment, else the file, else new ones.

    Also exports them to ``os.environ`` so every service ``sinyal run`` starts agrees.
    """
    path = secrets_file(settings)
    stored = _read(path)
    missing = {f: env for f, env in GENERATED.items() if getattr(settings, f) is None}
    for env in missing.values():
        stored.setdefault(env, secrets.token_urlsafe(32))
    if missing:
        _write(path, stored)
    filled = {f: SecretStr(stored[env]) for f, env in missing.items()}
    for field, env in GENERATED.items():
        value = filled.get(field) or getattr(settings, field)
        os.environ[env] = value.get_secret_value()
    return settings.model_copy(update=filled)

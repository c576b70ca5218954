"""How the engine reaches the Rasa runtime, which lives in its own Python 3.10 venv (bot/.venv).

Nothing here imports Rasa: the engine only runs ``bot/.venv/bin/rasa`` as a subprocess and writes
the YAML files Rasa reads.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

from sinyal.bootstrap import engine_environment, rasa_environment
from sinyal.settings import Settings
from sinyal.store.db import KEEPALIVES

RASA_VERSION = "3.6.21"


class RuntimeMissing(RuntimeError):
    """An environment or file the system needs is not there; the message says how to get it."""


def rasa_executable(settings: Settings) -> Path:
    return rasa_environment(settings.project_dir).venv / "bin" / "rasa"


def rasa_python(settings: Settings) -> Path:
    return rasa_environment(settings.project_dir).python


def engine_python(settings: Settings) -> Path:
    return engine_environment(settings.project_dir).python


def require_runtimes(settings: Settings) -> None:
    for env in (engine_environment(settings.project_dir), rasa_environment(settings.project_dir)):
        if not env.python.exists():
            raise RuntimeMissing(
                f"the {env.name} environment ({env.venv}) is missing: run `make run` or "
                "`python3 -m sinyal.bootstrap` from the project root"
            )


def rasa_child_env(settings: Settings) -> dict[str, str]:
    """Environment for Rasa subprocesses: no telemetry calls home, quieter TensorFlow."""
    env = dict(os.environ)
    env.update(
        RASA_TELEMETRY_ENABLED="false",
        TF_CPP_MIN_LOG_LEVEL="2",
        SQLALCHEMY_SILENCE_UBER_WARNING="1",
        PYTHONWARNINGS="ignore",  # see services.rasa_service: pinned runtime, nothing actionable
        LOG_LEVEL_LIBRARIES="ERROR",
        # config.yml names custom components by module path (components.language...).
        PYTHONPATH=os.pathsep.join(filter(None, [str(settings.bot_dir), env.get("PYTHONPATH")])),
    )
    if settings.actions_token is not None:
        env["SINYAL_ACTIONS_TOKEN"] = settings.actions_token.get_secret_value()
    if settings.rasa_token is not None:
        env["SINYAL_RASA_TOKEN"] = settings.rasa_token.get_secret_value()
    tracker_db = settings.tracker_database
    if tracker_db.get_backend_name() == "postgresql" and tracker_db.password:
        # endpoints.yml refers to ${SINYAL_TRACKER_DB_PASSWORD}; the file never holds it.
        env["SINYAL_TRACKER_DB_PASSWORD"] = str(tracker_db.password)
    return env


def tracker_store_config(settings: Settings) -> dict[str, Any] | None:
    """Rasa's SQL tracker store: next to the engine's data, so conversations survive restarts.

    With the same connect and statement timeouts as the engine's own store: a database that
    stops answering makes a chat turn fail fast (the gateway then says so) instead of hanging.
    """
    if settings.rasa_tracker_store == "memory":
        return None
    url = settings.tracker_database
    if url.get_backend_name() == "sqlite":
        return {"type": "SQL", "dialect": "sqlite", "db": str(url.database)}
    config: dict[str, Any] = {
        "type": "SQL",
        "dialect": "postgresql",
        "url": url.host or "127.0.0.1",
        "port": url.port or 5432,
        "db": url.database,
        "username": url.username,
        "query": {**dict(url.query), **postgres_timeouts(settings)},
    }
    if url.password:
        config["password"] = "${SINYAL_TRACKER_DB_PASSWORD}"
    return config


def postgres_timeouts(settings: Settings) -> dict[str, str]:
    """libpq connection parameters (Rasa's psycopg2 reads them from the URL's query), the same
    as the engine's own (sinyal.store.db.create_db_engine)."""
    statement_ms = int(settings.db_statement_timeout * 1000)
    return {
        "connect_timeout": str(settings.db_connect_timeout),
        "options": f"-c statement_timeout={statement_ms}",
        **{name: str(value) for name, value in KEEPALIVES.items()},
    }


def lock_store_config(settings: Settings) -> dict[str, Any] | None:
    """Several Rasa servers need a shared lock store; Redis is the one Rasa Open Source has."""
    if not settings.redis_url:
        return None
    from urllib.parse import urlsplit

    parts = urlsplit(settings.redis_url)
    db = parts.path.lstrip("/") or "0"
    return {"type": "redis", "url": parts.hostname, "port": parts.port or 6379, "db": int(db)}


def endpoints_config(settings: Settings, index: int = 0) -> dict[str, Any]:
    # Not `enable_selective_domain`: rasa-sdk 3.21 answers a call without the domain with 449
    # ("retry with the domain"), a retry Rasa 3.6 does not know, so the action would fail.
    # Rasa expands ${...} from its environment (rasa_child_env), so the file holds no secret.
    action_endpoint = {
        "url": f"{settings.actions_url_of(index % settings.action_servers)}/webhook",
        "headers": {"Authorization": "Bearer ${SINYAL_ACTIONS_TOKEN}"},
    }
    config: dict[str, Any] = {"action_endpoint": action_endpoint}
    tracker = tracker_store_config(settings)
    if tracker:
        config["tracker_store"] = tracker
    lock = lock_store_config(settings)
    if lock:
        config["lock_store"] = lock
    return config


def write_endpoints(settings: Settings, index: int = 0) -> Path:
    """The endpoints.yml Rasa server ``index`` of this run uses (bot/endpoints.yml is the dev
    default)."""
    name = "endpoints.yml" if index == 0 else f"endpoints-{index + 1}.yml"
    path = settings.data_path / "run" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(endpoints_config(settings, index), sort_keys=False))
    return path

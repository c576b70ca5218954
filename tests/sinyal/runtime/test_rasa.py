from pathlib import Path

import pytest
import yaml

from sinyal.runtime.rasa import rasa_child_env, write_endpoints
from sinyal.settings import load_settings
from sinyal.store.db import KEEPALIVES


def test_embedded_defaults_put_the_tracker_store_next_to_the_data(clean_env: Path) -> None:
    settings = load_settings(data_dir=clean_env / "var", actions_port=6055)
    config = yaml.safe_load(write_endpoints(settings).read_text())
    assert config["action_endpoint"] == {
        "url": "http://127.0.0.1:6055/webhook",
        # Rasa expands it from its environment: the file never holds the token itself.
        "headers": {"Authorization": "Bearer ${SINYAL_ACTIONS_TOKEN}"},
    }
    assert config["tracker_store"] == {
        "type": "SQL",
        "dialect": "sqlite",
        "db": str(clean_env / "var" / "tracker.db"),
    }
    assert "lock_store" not in config


def test_production_uses_postgres_tracker_and_redis_locks_without_writing_the_password(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://sinyal:s3cret@db.example:5433/leads")
    monkeypatch.setenv("SINYAL_REDIS_URL", "redis://cache.example:6380/2")
    settings = load_settings(data_dir=clean_env / "var")
    path = write_endpoints(settings)
    config = yaml.safe_load(path.read_text())
    assert config["tracker_store"] == {
        "type": "SQL",
        "dialect": "postgresql",
        "url": "db.example",
        "port": 5433,
        "db": "leads",
        "username": "sinyal",
        "query": {
            "connect_timeout": "5",
            "options": "-c statement_timeout=30000",
            **{name: str(value) for name, value in KEEPALIVES.items()},
        },
        "password": "${SINYAL_TRACKER_DB_PASSWORD}",
    }
    assert config["lock_store"] == {"type": "redis", "url": "cache.example", "port": 6380, "db": 2}
    assert "s3cret" not in path.read_text()
    assert rasa_child_env(settings)["SINYAL_TRACKER_DB_PASSWORD"] == "s3cret"


def test_the_tracker_store_can_live_in_its_own_database(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://sinyal@leads.example/leads")
    monkeypatch.setenv(
        "SINYAL_TRACKER_DATABASE_URL", "postgresql://rasa:pw@chats.example/chats?sslmode=require"
    )
    monkeypatch.setenv("SINYAL_DB_CONNECT_TIMEOUT", "3")
    settings = load_settings(data_dir=clean_env / "var")
    store = yaml.safe_load(write_endpoints(settings).read_text())["tracker_store"]
    assert (store["url"], store["db"], store["username"]) == ("chats.example", "chats", "rasa")
    assert store["query"]["connect_timeout"] == "3"
    assert store["query"]["sslmode"] == "require"  # the URL's own parameters are kept
    assert rasa_child_env(settings)["SINYAL_TRACKER_DB_PASSWORD"] == "pw"


def test_memory_tracker_store_can_be_chosen(clean_env: Path) -> None:
    settings = load_settings(data_dir=clean_env / "var", rasa_tracker_store="memory")
    assert "tracker_store" not in yaml.safe_load(write_endpoints(settings).read_text())


def test_each_rasa_server_calls_its_action_server(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://sinyal@db.example/leads")
    monkeypatch.setenv("SINYAL_REDIS_URL", "redis://cache.example:6380/2")
    settings = load_settings(
        data_dir=clean_env / "var", rasa_servers=3, action_servers=2, actions_port=7000
    )
    urls = [
        yaml.safe_load(write_endpoints(settings, i).read_text())["action_endpoint"]["url"]
        for i in range(3)
    ]
    assert urls == [f"http://127.0.0.1:{port}/webhook" for port in (7000, 7001, 7000)]

"""Which processes `sinyal run` starts on one machine."""

from __future__ import annotations

from pathlib import Path

import pytest

from sinyal.runtime.launcher import services
from sinyal.runtime.supervisor import ServiceFailed
from sinyal.settings import load_settings


def test_several_rasa_and_action_servers_and_a_machine_running_only_some_kinds(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://sinyal@db.example/leads")
    monkeypatch.setenv("SINYAL_REDIS_URL", "redis://127.0.0.1:6379/0")
    settings = load_settings(
        data_dir=clean_env / "var", rasa_servers=2, action_servers=2, rasa_token="t"
    )
    names = [spec.name for spec in services(settings)]
    assert names == ["demo-site", "actions-1", "actions-2", "rasa-1", "rasa-2", "dispatch", "web"]
    assert [s.port for s in services(settings) if s.name.startswith("rasa")] == [5005, 5006]
    chat_machine = services(settings, frozenset({"rasa", "actions"}))
    assert [spec.name for spec in chat_machine] == ["actions-1", "actions-2", "rasa-1", "rasa-2"]
    front = services(settings, frozenset({"web", "dispatch", "demo-site"}))
    assert [spec.name for spec in front] == ["demo-site", "dispatch", "web"]
    with pytest.raises(ServiceFailed, match="unknown service rasaa"):
        services(settings, frozenset({"rasaa"}))


def test_a_scrape_queue_gets_a_supervised_worker(clean_env: Path) -> None:
    settings = load_settings(data_dir=clean_env / "var", rasa_token="t")
    assert "scrape-worker" not in [spec.name for spec in services(settings)]
    queued = settings.model_copy(update={"scrape_broker_url": "redis://127.0.0.1:6379/0"})
    worker = services(queued, frozenset({"scrape-worker"}))
    assert [spec.name for spec in worker] == ["scrape-worker"]
    assert worker[0].argv[-3:] == ["sinyal.cli", "scrape", "worker"]

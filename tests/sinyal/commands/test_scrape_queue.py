"""`sinyal scrape run` on the task queue and `sinyal scrape worker`, as a user runs them, and
the queue's settings: a wrong one stops the command with one line naming it."""

from __future__ import annotations

from pathlib import Path

import pytest

from scrapers.demo_site.server import DemoSiteServer
from sinyal.settings import SettingsError, load_settings
from sinyal.signals.refresh import queue_config
from tests.support.scrape_queue import REDIS_URL, redis_namespace, sending_queue, workers
from tests.support.sinyal_command import run_sinyal


def queue_env(demo_site: DemoSiteServer, namespace: str) -> dict[str, str]:
    """The demo flow's site, scraped through the queue in ``namespace``."""
    return {
        "SINYAL_DEMO_SITE_URL": demo_site.url,
        "SINYAL_SCRAPE_BROKER_URL": REDIS_URL,
        "SINYAL_SCRAPE_QUEUE_NAMESPACE": namespace,
    }


def test_scrape_run_on_the_queue_reports_what_the_workers_stored(
    env: dict[str, str], demo_site: DemoSiteServer
) -> None:
    with redis_namespace() as namespace:
        env.update(queue_env(demo_site, namespace))
        with workers(1, env, sending_queue(namespace)):
            done = run_sinyal("scrape", "run", "--flow", "long-open-demo", env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "new 26" in done.stdout and "skipped by robots 1" in done.stdout
    assert "greenhouse:nordwind" in done.stdout and "10 new triggers" in done.stdout


def test_scrape_run_with_no_worker_ends_and_says_so(
    env: dict[str, str], demo_site: DemoSiteServer
) -> None:
    with redis_namespace() as namespace:
        env.update(
            queue_env(demo_site, namespace),
            SINYAL_SCRAPE_QUEUE_TIMEOUT="2",
            SINYAL_SCRAPE_TASK_TIMEOUT="1",
            SINYAL_SCRAPE_TASK_RETRIES="0",
        )
        done = run_sinyal("scrape", "run", "--flow", "long-open-demo", env=env)
    assert done.returncode == 1  # every source failed
    assert "0 workers alive" in done.stdout + done.stderr


def test_scrape_worker_without_a_broker_names_the_setting(env: dict[str, str]) -> None:
    done = run_sinyal("scrape", "worker", env=env)
    assert done.returncode == 1
    assert "SINYAL_SCRAPE_BROKER_URL" in done.stderr


@pytest.mark.parametrize(
    ("name", "value", "named"),
    [
        ("SINYAL_SCRAPE_BROKER_URL", "http://127.0.0.1:6379/0", "SINYAL_SCRAPE_BROKER_URL"),
        ("SINYAL_SCRAPE_BROKER_URL", "redis:///0", "SINYAL_SCRAPE_BROKER_URL"),
        ("SINYAL_SCRAPE_WORKER_THREADS", "0", "SINYAL_SCRAPE_WORKER_THREADS"),
        ("SINYAL_SCRAPE_TASK_RETRIES", "-1", "SINYAL_SCRAPE_TASK_RETRIES"),
        ("SINYAL_SCRAPE_QUEUE_NAMESPACE", "a b", "SINYAL_SCRAPE_QUEUE_NAMESPACE"),
        ("SINYAL_SCRAPE_QUEUE_TIMEOUT", "0", "SINYAL_SCRAPE_QUEUE_TIMEOUT"),
        ("SINYAL_SCRAPE_TASK_TIMEOUT", "3600", "SINYAL_SCRAPE_TASK_TIMEOUT"),  # == the run's wait
        ("SINYAL_SCRAPE_TASK_TIMEOUT", "1300", "SINYAL_SCRAPE_TASK_RETRIES"),  # 3 tries > 3600 s
    ],
)
def test_a_bad_queue_setting_is_one_line_naming_it(
    env: dict[str, str], name: str, value: str, named: str
) -> None:
    env[name] = value
    done = run_sinyal("scrape", "run", env=env)
    assert done.returncode == 2
    assert named in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr


def test_a_password_in_the_broker_url_is_refused_without_repeating_it(clean_env: Path) -> None:
    with pytest.raises(SettingsError) as refused:
        load_settings(scrape_broker_url="redis://:hunter2-secret@127.0.0.1:6379/0")
    assert "SINYAL_SCRAPE_BROKER_PASSWORD" in str(refused.value)
    assert "hunter2" not in str(refused.value)


def test_the_broker_password_comes_from_the_environment(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SINYAL_SCRAPE_BROKER_URL", "redis://127.0.0.1:6379/3")
    monkeypatch.setenv("SINYAL_SCRAPE_BROKER_PASSWORD", "from-env")
    config = queue_config(load_settings())
    assert config is not None and config.password == "from-env"
    assert "from-env" not in repr(load_settings())


def test_no_broker_or_an_empty_one_is_the_in_process_default(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert queue_config(load_settings()) is None
    monkeypatch.setenv("SINYAL_SCRAPE_BROKER_URL", "")
    assert queue_config(load_settings()) is None

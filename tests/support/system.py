"""The whole system as `make run` starts it: `sinyal run` in a subprocess, with real Rasa, the
action server and the web app, on ports and a data directory of its own (never a developer's
`var/` or a running `make run`); and talking to its Rasa over the REST channel, as Sinyal's own
gateways do."""

from __future__ import annotations

import signal
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests

from sinyal.settings import Settings
from tests.support.ports import free_port
from tests.support.sinyal_command import SINYAL, isolated_env
from tests.support.telegram_api import TelegramApiStandIn

READY_LINE = "Press Ctrl-C to stop."
#: An English chat opened from an outreach link about a long-open posting (entry metadata).
OUTREACH_ENTRY = {
    "language": "en",
    "flow": "long-open-demo",
    "company": "Nordwind Logistik GmbH",
    "role": "Senior Java Developer",
    "days_open": 121,
}


@dataclass
class RunningSystem:
    process: subprocess.Popen[str]
    settings: Settings
    env: dict[str, str]
    output: list[str] = field(default_factory=list)

    @property
    def rest_url(self) -> str:
        return f"{self.settings.rasa_url}/webhooks/rest/webhook"

    @property
    def rest_headers(self) -> dict[str, str]:
        """What Sinyal's own gateways send: Rasa's REST channel refuses everyone else."""
        assert self.settings.rasa_token is not None
        return {"Authorization": f"Bearer {self.settings.rasa_token.get_secret_value()}"}

    @property
    def secret(self) -> str:
        assert self.settings.secret_key is not None
        return self.settings.secret_key.get_secret_value()

    def wait_for(self, needle: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(needle in line for line in self.output):
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.5)
        tail = "".join(self.output[-40:])
        raise AssertionError(f"`sinyal run` never printed {needle!r}; last output:\n{tail}")

    def stop(self, timeout: float = 60) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        return self.process.wait(timeout=timeout)


def say(system: RunningSystem, sender: str, message: str, **metadata: object) -> list[str]:
    """One user message over Rasa's REST channel; the bot's text replies."""
    response = requests.post(
        system.rest_url,
        json={"sender": sender, "message": message, "metadata": metadata},
        headers=system.rest_headers,
        timeout=60,
    )
    response.raise_for_status()
    return [m.get("text", "") for m in response.json()]


def tracker(system: RunningSystem, sender: str) -> dict[str, Any]:
    """The conversation as Rasa holds it, through its HTTP API (token required)."""
    assert system.settings.rasa_token is not None
    response = requests.get(
        f"{system.settings.rasa_url}/conversations/{sender}/tracker",
        params={"token": system.settings.rasa_token.get_secret_value()},
        timeout=30,
    )
    response.raise_for_status()
    return dict(response.json())


def start_system(
    tmp: Path, extra_env: dict[str, str], extra_args: tuple[str, ...] = ()
) -> RunningSystem:
    web_port = free_port()
    env = isolated_env(
        SINYAL_DATA_DIR=str(tmp / "var"),
        SINYAL_RASA_PORT=str(free_port()),
        SINYAL_ACTIONS_PORT=str(free_port()),
        SINYAL_DEMO_SITE_PORT=str(free_port()),
        SINYAL_WEB_PORT=str(web_port),
        SINYAL_PUBLIC_URL=f"http://127.0.0.1:{web_port}",
        SINYAL_SCRAPE_REQUESTS_PER_SECOND="20",
        SINYAL_CANDIDATE_PAGE_URL="https://consultancy.example/candidates",
        # Set here so the tests can use them; `sinyal run` would generate them otherwise.
        SINYAL_RASA_TOKEN=f"test-{uuid.uuid4().hex}",
        SINYAL_ACTIONS_TOKEN=f"test-{uuid.uuid4().hex}",
        SINYAL_SECRET_KEY=f"test-{uuid.uuid4().hex}",
    )
    env.update(extra_env)
    settings = Settings(
        data_dir=Path(env["SINYAL_DATA_DIR"]),
        rasa_port=int(env["SINYAL_RASA_PORT"]),
        actions_port=int(env["SINYAL_ACTIONS_PORT"]),
        demo_site_port=int(env["SINYAL_DEMO_SITE_PORT"]),
        web_port=web_port,
        public_url=env["SINYAL_PUBLIC_URL"],
        database_url=env.get("DATABASE_URL", ""),
        redis_url=env.get("SINYAL_REDIS_URL"),
        rasa_token=env["SINYAL_RASA_TOKEN"],
        actions_token=env["SINYAL_ACTIONS_TOKEN"],
        secret_key=env["SINYAL_SECRET_KEY"],
    )
    process = subprocess.Popen(
        [str(SINYAL), "run", "--no-train", *extra_args],
        env=env,
        cwd=tmp,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        bufsize=1,
    )
    system = RunningSystem(process, settings, env)

    def collect() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            system.output.append(line)

    threading.Thread(target=collect, daemon=True).start()
    return system


def running_system(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    telegram_api: TelegramApiStandIn,
    label: str,
    **extra_env: str,
) -> Iterator[RunningSystem]:
    """`sinyal run` on the backend ``request.param`` names, with the Telegram bridge pointed at
    the stand-in (a bot token makes `sinyal run` start it), stopped at teardown."""
    extra = {
        "TELEGRAM_BOT_TOKEN": telegram_api.token,
        "SINYAL_TELEGRAM_API_URL": telegram_api.base_url,
        **extra_env,
    }
    if request.param == "postgresql":
        database = request.getfixturevalue("postgres_database")
        extra["DATABASE_URL"] = database.render_as_string(hide_password=False)
        extra["SINYAL_REDIS_URL"] = request.getfixturevalue("redis_url")
    with system_running(tmp_path_factory.mktemp(f"{label}-{request.param}"), extra) as running:
        yield running


@contextmanager
def system_running(
    tmp: Path, extra_env: dict[str, str], timeout: float = 400
) -> Iterator[RunningSystem]:
    """`sinyal run` in ``tmp`` with ``extra_env``, once it is ready; stopped afterwards."""
    running = start_system(tmp, extra_env)
    try:
        running.wait_for(READY_LINE, timeout=timeout)
        yield running
    finally:
        running.stop()


def chat(
    system: RunningSystem, sender: str, script: list[tuple[str, str]], **metadata: object
) -> list[str]:
    """Say each message of ``script`` in turn (``metadata`` with the first), checking that a
    reply contains its expected piece (if any); returns the transcript."""
    transcript: list[str] = []
    for turn, (message, expected) in enumerate(script):
        replies = say(system, sender, message, **(metadata if turn == 0 else {}))
        transcript += [f"> {message}", *replies]
        assert not expected or any(expected in reply for reply in replies), (
            f"turn {turn} ({message!r}): expected {expected!r} in the replies\n"
            + "\n".join(transcript[-12:])
        )
    return transcript

"""The action server, as `sinyal run` starts it: loopback only, and nothing without the token."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
import requests

from sinyal.runtime.doctor import Status, check_exposure, outside_addresses
from sinyal.runtime.supervisor import port_is_free
from sinyal.settings import PROJECT_DIR, Settings
from tests.support.ports import free_port
from tests.support.sinyal_command import isolated_env

TOKEN = "action-server-test-token-0123456789"


@pytest.fixture(scope="module")
def action_server() -> Iterator[str]:
    port = free_port()
    env = isolated_env(SINYAL_ACTIONS_TOKEN=TOKEN, PYTHONWARNINGS="ignore")
    process = subprocess.Popen(
        [sys.executable, "-m", "sinyal.runtime.action_server", "--port", str(port)],
        cwd=PROJECT_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{url}/health", timeout=2).ok:
                    break
            except requests.RequestException:
                time.sleep(0.3)
        else:
            pytest.fail("the action server did not come up in 90 s")
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def call(url: str, token: str | None) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    body = {"next_action": "action_submit_lead", "sender_id": "victim", "tracker": {}}
    return requests.post(f"{url}/webhook", json=body, headers=headers, timeout=30)


def test_forged_calls_are_refused(action_server: str) -> None:
    assert call(action_server, None).status_code == 401
    assert call(action_server, "wrong").status_code == 401
    assert call(action_server, TOKEN + "x").status_code == 401
    listing = requests.get(f"{action_server}/actions", timeout=10)
    assert listing.status_code == 401


def test_rasa_with_the_token_gets_through(action_server: str) -> None:
    listing = requests.get(
        f"{action_server}/actions", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10
    )
    assert listing.ok and "action_submit_lead" in {a["name"] for a in listing.json()}


def test_it_listens_on_loopback_only(action_server: str) -> None:
    port = int(action_server.rsplit(":", 1)[1])
    addresses = outside_addresses()
    assert addresses, "this machine has no non-loopback address to try from"
    assert all(port_is_free(port, address) for address in addresses)
    settings = Settings(actions_port=port, rasa_port=free_port())
    assert check_exposure(settings).status is Status.OK


def test_it_refuses_to_start_without_a_token() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "sinyal.runtime.action_server", "--port", str(free_port())],
        cwd=PROJECT_DIR,
        env=isolated_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0 and "SINYAL_ACTIONS_TOKEN is not set" in result.stderr

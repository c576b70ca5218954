"""``sinyal doctor``: check both runtimes, the database, the model and the ports, in plain words."""

from __future__ import annotations

import contextlib
import ipaddress
import json
import os
import socket
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

import requests
from sqlalchemy.exc import SQLAlchemyError

from sinyal.bootstrap import Environment, engine_environment, rasa_environment
from sinyal.chat.conversations import HEALTH_CHECK_SENDER
from sinyal.runtime.rasa import RASA_VERSION
from sinyal.runtime.services import status_file
from sinyal.runtime.supervisor import port_is_free
from sinyal.runtime.training import model_is_current
from sinyal.settings import Settings
from sinyal.store import Store


class Status(StrEnum):
    OK = "ok"
    WARN = "warn"
    FAIL = "fail"


@dataclass(frozen=True)
class Finding:
    check: str
    status: Status
    detail: str


def _environment(env: Environment, version_code: str, expected: str) -> Finding:
    check = f"{env.name} environment"
    if not env.python.exists():
        return Finding(check, Status.FAIL, f"{env.venv} is missing: run `make run`")
    out = subprocess.run(
        [str(env.python), "-c", version_code], capture_output=True, text=True, check=False
    )
    found = out.stdout.strip()
    if out.returncode != 0 or not found.startswith(expected):
        return Finding(
            check, Status.FAIL, f"expected {expected}, found {found or out.stderr[-200:]}"
        )
    if not env.is_current():
        return Finding(check, Status.WARN, f"{found}, but its lock file changed: run `make run`")
    return Finding(check, Status.OK, f"{found} in {env.venv}")


def check_engine(settings: Settings) -> Finding:
    code = (
        "import sys, sinyal; v = sys.version_info[:2]; "
        "sys.exit('needs Python >= 3.11, has %d.%d' % v) if v < (3, 11) "
        "else print('Python %d.%d' % v)"
    )
    return _environment(engine_environment(settings.project_dir), code, "Python 3.")


def check_rasa(settings: Settings) -> Finding:
    code = (
        "import rasa, sys; "
        "print('rasa %s on Python %d.%d' % ((rasa.__version__,) + sys.version_info[:2]))"
    )
    return _environment(rasa_environment(settings.project_dir), code, f"rasa {RASA_VERSION}")


def check_database(settings: Settings) -> Finding:
    where = settings.database.render_as_string()
    store = Store.from_settings(settings)
    try:
        current = store.is_current()
    except SQLAlchemyError as exc:
        reason = str(exc.orig if hasattr(exc, "orig") else exc).strip().splitlines()[0]
        return Finding("database", Status.FAIL, f"cannot reach {where}: {reason}")
    finally:
        store.close()
    if not current:
        return Finding("database", Status.WARN, f"{where} needs migrating: run `sinyal db upgrade`")
    return Finding("database", Status.OK, f"{where}, schema at head")


def check_model(settings: Settings) -> Finding:
    if not settings.model_path.exists():
        return Finding("model", Status.WARN, "not trained yet: `sinyal train` (or `make run`)")
    if not model_is_current(settings):
        return Finding("model", Status.WARN, "training data changed since: `sinyal train`")
    return Finding("model", Status.OK, str(settings.model_path))


def _get(url: str) -> requests.Response | None:
    try:
        return requests.get(url, timeout=3)
    except requests.RequestException:
        return None


def check_port(name: str, host: str, port: int, url: str, marker: str) -> Finding:
    """A free port is fine (not running); a port held by something else is a problem."""
    if port_is_free(port, host):
        return Finding(name, Status.OK, f"not running; port {port} is free")
    response = _get(url)
    if response is not None and response.ok and marker in response.text:
        return Finding(name, Status.OK, f"running on port {port}")
    return Finding(name, Status.FAIL, f"port {port} is taken by another program")


def check_actions_reachable(settings: Settings) -> Finding | None:
    """When both servers run, ask Rasa to execute a custom action: proves Rasa reaches it."""
    if port_is_free(settings.rasa_port, settings.host) or port_is_free(
        settings.actions_port, settings.host
    ):
        return None
    params = {"token": settings.rasa_token.get_secret_value()} if settings.rasa_token else {}
    url = f"{settings.rasa_url}/conversations/{HEALTH_CHECK_SENDER}/trigger_intent"
    try:
        response = requests.post(
            url, params=params, json={"name": "EXTERNAL_health_check"}, timeout=30
        )
    except requests.RequestException as exc:
        return Finding("rasa -> actions", Status.FAIL, f"Rasa did not answer: {exc}")
    texts = [m.get("text", "") for m in response.json().get("messages", [])] if response.ok else []
    if "health check ok" in texts:
        return Finding(
            "rasa -> actions", Status.OK, "Rasa ran a custom action on the action server"
        )
    return Finding(
        "rasa -> actions",
        Status.FAIL,
        f"Rasa could not run a custom action ({response.status_code})",
    )


def check_services(settings: Settings) -> Finding | None:
    """What `sinyal run`'s supervisor restarted, from its status file; None when not running."""
    try:
        status = json.loads(status_file(settings).read_text())
        pid = int(status["supervisor_pid"])
        os.kill(pid, 0)
    except (OSError, ValueError, KeyError, TypeError):
        return None  # no file, unreadable, or the run that wrote it is over
    notes, worst = [], Status.OK
    for name, service in sorted(status.get("services", {}).items()):
        state, restarts = service.get("state"), int(service.get("restarts") or 0)
        if state == "failed":
            worst = Status.FAIL
        elif (restarts or state != "running") and worst is Status.OK:
            worst = Status.WARN
        note = f"{name} {state}"
        if restarts:
            when = time.strftime("%H:%M:%S", time.localtime(service.get("last_exit_at") or 0))
            code = service.get("last_exit_code")
            note += f", restarted {restarts}x (last exit code {code} at {when})"
        notes.append(note)
    return Finding("services", worst, "; ".join(notes) or "none started yet")


CHECKS: list[Callable[[Settings], Finding]] = [
    check_engine,
    check_rasa,
    check_database,
    check_model,
]


#: Calls that must be refused without a token: (service, method, path).
GUARDED_CALLS = (
    ("rasa", "GET", "/conversations/sinyal-doctor/tracker"),
    ("rasa", "POST", "/webhooks/rest/webhook"),
    ("actions", "POST", "/webhook"),
)


def outside_addresses() -> set[str]:
    """This machine's non-loopback IPv4 addresses (the hostname's and the default route's)."""
    found: set[str] = set()
    with contextlib.suppress(OSError):
        found |= {str(info[4][0]) for info in socket.getaddrinfo(socket.gethostname(), None)}
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe, contextlib.suppress(OSError):
        probe.connect(("192.0.2.1", 9))  # TEST-NET address: nothing is sent over UDP
        found.add(probe.getsockname()[0])
    return {a for a in found if ":" not in a and not ipaddress.ip_address(a).is_loopback}


def _refused_without_token(method: str, url: str) -> bool:
    try:
        response = requests.request(method, url, json={}, timeout=3)
    except requests.RequestException:
        return True  # not answering there is as good as refusing
    return response.status_code in (401, 403)


def check_exposure(settings: Settings, addresses: set[str] | None = None) -> Finding:
    """Only the web app may face the network; Rasa and the action server must demand tokens."""
    ports = {"rasa": settings.rasa_port, "actions": settings.actions_port}
    exposed = []
    for address in sorted(outside_addresses() if addresses is None else addresses):
        for service, method, path in GUARDED_CALLS:
            port = ports[service]
            if port_is_free(port, address):
                continue
            if not _refused_without_token(method, f"http://{address}:{port}{path}"):
                exposed.append(f"{service} {method} {path} on {address}:{port}")
    if exposed:
        return Finding("exposure", Status.FAIL, "answers without a token: " + "; ".join(exposed))
    return Finding("exposure", Status.OK, "Rasa and the action server refuse calls without token")


def diagnose(settings: Settings) -> list[Finding]:
    findings = [check(settings) for check in CHECKS]
    findings.append(check_exposure(settings))
    findings.append(
        check_port(
            "rasa server",
            settings.host,
            settings.rasa_port,
            f"{settings.rasa_url}/",
            "Hello from Rasa",
        )
    )
    findings.append(
        check_port(
            "action server",
            settings.host,
            settings.actions_port,
            f"{settings.actions_url}/health",
            "ok",
        )
    )
    reach = check_actions_reachable(settings)
    if reach is not None:
        findings.append(reach)
    services = check_services(settings)
    if services is not None:
        findings.append(services)
    return findings

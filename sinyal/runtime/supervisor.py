"""Start Sinyal's processes, relay their output with a name prefix, restart the ones that die,
and stop them all cleanly.

Each service runs in its own process group so that one signal stops it with every worker it
spawned (Sanic forks workers). A service that exits is restarted after a growing pause (1 s,
2 s, 4 s ... at most ``RestartPolicy.max_delay``); one that keeps failing (``max_restarts``
within ``window``) is given up and takes the whole system down rather than leaving half of it
running. What happened is kept in ``status_file`` for ``sinyal doctor``.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import requests


class PythonWarningFilter:
    """Hides Python ``warnings`` output (header, message continuation, source line).

    Python prints a warning as ``path.py:N: Category: message``, maybe more message lines, then
    the offending source line indented by two spaces. That much is hidden (at most
    ``max_lines``); a traceback or a log record that follows is always shown.
    """

    HEADER = re.compile(r"^\S+\.py:\d+: \w*Warning: ")
    NEW_BLOCK = re.compile(r"^(Traceback|\d{4}-\d{2}-\d{2}[ T])")

    def __init__(self, max_lines: int = 4) -> None:
        self.max_lines = max_lines
        self._hiding = 0

    def __call__(self, line: str) -> bool:
        if self.HEADER.match(line):
            self._hiding = self.max_lines
            return True
        if self._hiding and not self.NEW_BLOCK.match(line):
            self._hiding = 0 if line.startswith("  ") else self._hiding - 1
            return True
        self._hiding = 0
        return False


@dataclass
class ServiceSpec:
    name: str
    argv: list[str]
    #: Healthy when this answers 2xx; services without HTTP print ``ready_line`` instead.
    health_url: str | None
    cwd: Path | None = None
    env: dict[str, str] | None = None
    #: Output lines for which this returns True are not relayed.
    hide_line: Callable[[str], bool] = lambda _line: False
    start_timeout: float = 300.0
    #: The port it will listen on, and the setting that chooses it (for a clear error).
    port: int | None = None
    port_setting: str = ""
    ready_line: str | None = None


@dataclass
class RunningService:
    spec: ServiceSpec
    process: subprocess.Popen[str]
    relay: threading.Thread
    ready: threading.Event


class ServiceFailed(RuntimeError):
    pass


@dataclass(frozen=True)
class RestartPolicy:
    first_delay: float = 1.0
    max_delay: float = 30.0
    #: More exits than this within ``window`` seconds: the service keeps failing, give up.
    max_restarts: int = 5
    window: float = 600.0

    def delay(self, attempt: int) -> float:
        return min(self.max_delay, self.first_delay * 2 ** max(0, attempt - 1))


@dataclass
class ServiceHistory:
    """What ``sinyal doctor`` shows of one service: how often and why it was restarted."""

    restarts: int = 0
    exits: list[float] = field(default_factory=list)
    last_exit_code: int | None = None
    last_exit_at: float | None = None
    state: str = "starting"


@dataclass
class Supervisor:
    out: TextIO = field(default_factory=lambda: sys.stdout)
    services: list[RunningService] = field(default_factory=list)
    policy: RestartPolicy = field(default_factory=RestartPolicy)
    #: Where each service's pid, state and restarts are written (None: nowhere).
    status_file: Path | None = None
    history: dict[str, ServiceHistory] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self, spec: ServiceSpec) -> RunningService:
        if spec.port is not None and not port_is_free(spec.port):
            # Otherwise the health check would happily talk to whatever holds the port.
            raise ServiceFailed(
                f"{spec.name}: port {spec.port} is already in use; stop what holds it "
                f"or choose another with {spec.port_setting}"
            )
        process = subprocess.Popen(
            spec.argv,
            cwd=spec.cwd,
            env=spec.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
            bufsize=1,
            start_new_session=True,
        )
        ready = threading.Event()
        relay = threading.Thread(target=self._relay, args=(spec, process, ready), daemon=True)
        relay.start()
        running = RunningService(spec, process, relay, ready)
        with self._lock:
            self.services = [s for s in self.services if s.spec.name != spec.name] + [running]
            self.history.setdefault(spec.name, ServiceHistory()).state = "starting"
        self._write_status()
        return running

    def _relay(
        self, spec: ServiceSpec, process: subprocess.Popen[str], ready: threading.Event
    ) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            if spec.ready_line and spec.ready_line in line:
                ready.set()
            if spec.hide_line(line):
                continue
            with self._lock:
                self.out.write(f"[{spec.name}] {line}")
                self.out.flush()

    def wait_healthy(self, *services: RunningService, stop: threading.Event | None = None) -> None:
        """Poll every service's health URL (or watch for its ready line) until all answer.

        Polled together, so a service that exits at once is reported without waiting for a
        slow one (Rasa loading its model); fails when one exits or outlasts its
        ``start_timeout``, returns early once ``stop`` is set.
        """
        started = time.monotonic()
        pending = list(services)
        while pending:
            if stop is not None and stop.is_set():
                return
            pending = [running for running in pending if not self._answers(running)]
            for running in pending:
                spec = running.spec
                if time.monotonic() - started > spec.start_timeout:
                    waited_for = spec.health_url or f"the line {spec.ready_line!r}"
                    raise ServiceFailed(
                        f"{spec.name} did not answer {waited_for} within {spec.start_timeout:.0f}s"
                    )
            if pending:
                time.sleep(0.5)

    @staticmethod
    def _answers(running: RunningService) -> bool:
        spec = running.spec
        if spec.health_url is None and running.ready.is_set():
            return True  # it said so; exiting afterwards is the restart policy's business
        code = running.process.poll()
        if code is not None:
            raise ServiceFailed(f"{spec.name} exited with code {code} while starting")
        if spec.health_url is None:
            return False
        try:
            return requests.get(spec.health_url, timeout=2).ok
        except requests.RequestException:
            return False

    def first_exited(self) -> RunningService | None:
        return next((s for s in self.services if s.process.poll() is not None), None)

    def mark_running(self, running: RunningService) -> None:
        self.history[running.spec.name].state = "running"
        self._write_status()

    def wait_until_stopped(self, stop: threading.Event) -> RunningService | None:
        """Block until ``stop`` is set or a service keeps failing; return that service.

        A service that exits is restarted (``restart``) as long as the policy allows.
        """
        while not stop.wait(0.5):
            exited = self.first_exited()
            if exited is None:
                continue
            if not self.restart(exited, stop):
                return exited
        return None

    def restart(self, exited: RunningService, stop: threading.Event) -> bool:
        """Start an exited service again after the backoff; False once it keeps failing."""
        name, code = exited.spec.name, exited.process.returncode
        _signal_group(exited.process, signal.SIGKILL)  # workers it left behind
        history = self.history.setdefault(name, ServiceHistory())
        now = time.time()
        history.exits = [t for t in history.exits if t > now - self.policy.window] + [now]
        history.last_exit_code, history.last_exit_at = code, now
        if len(history.exits) > self.policy.max_restarts:
            history.state = "failed"
            self._write_status()
            self._say(f"{name} exited with code {code} and keeps failing; giving up")
            return False
        delay = self.policy.delay(len(history.exits))
        history.state = "restarting"
        self._write_status()
        self._say(f"{name} exited with code {code}; restarting in {delay:.0f}s")
        if stop.wait(delay):
            return True
        history.restarts += 1
        try:
            running = self.start(exited.spec)
        except ServiceFailed as exc:  # its port is still taken: try again after the next pause
            self._say(str(exc))
            return self.restart(exited, stop)
        try:
            self.wait_healthy(running, stop=stop)
        except ServiceFailed as exc:
            self._say(str(exc))
            _signal_group(running.process, signal.SIGKILL)  # hung while starting: make it an exit
            running.process.wait()
            return True  # counted as an exit on the next round
        self.mark_running(running)
        self._say(f"{name} is back (restart {history.restarts})")
        return True

    def _say(self, message: str) -> None:
        with self._lock:
            self.out.write(f"[supervisor] {message}\n")
            self.out.flush()

    def _write_status(self) -> None:
        if self.status_file is None:
            return
        services = {}
        for running in list(self.services):
            history = self.history.get(running.spec.name, ServiceHistory())
            services[running.spec.name] = {
                "pid": running.process.pid,
                "state": history.state,
                "restarts": history.restarts,
                "last_exit_code": history.last_exit_code,
                "last_exit_at": history.last_exit_at,
            }
        status = {"supervisor_pid": os.getpid(), "written_at": time.time(), "services": services}
        self.status_file.parent.mkdir(parents=True, exist_ok=True)
        partial = self.status_file.with_name(f".{self.status_file.name}.{os.getpid()}")
        partial.write_text(json.dumps(status, indent=2))
        os.replace(partial, self.status_file)

    def stop_all(self, timeout: float = 20.0) -> None:
        """SIGTERM every process group (newest first), then SIGKILL what is left."""
        for service in reversed(self.services):
            _signal_group(service.process, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for service in reversed(self.services):
            try:
                service.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal_group(service.process, signal.SIGKILL)
                service.process.wait()
        for service in self.services:
            _signal_group(service.process, signal.SIGKILL)  # stray workers of the group
            service.relay.join(timeout=2)


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex((host, port)) != 0


def _signal_group(process: subprocess.Popen[str], sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, sig)

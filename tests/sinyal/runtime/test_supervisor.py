"""The supervisor with real child processes: an HTTP server that itself spawns a worker."""

import io
import json
import os
import socket
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from sinyal.runtime.supervisor import (
    PythonWarningFilter,
    RestartPolicy,
    ServiceFailed,
    ServiceSpec,
    Supervisor,
)
from tests.support.ports import free_port

SERVER = textwrap.dedent(
    """
    import http.server, subprocess, sys, os
    worker = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    open(sys.argv[2], "w").write(str(worker.pid))
    print("noise: hide me", flush=True)
    print("serving", flush=True)
    handler = http.server.SimpleHTTPRequestHandler
    http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), handler).serve_forever()
    """
)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie still answers kill(0); check its state.
    status = Path(f"/proc/{pid}/stat")
    return status.exists() and status.read_text().split()[2] != "Z"


def test_start_relay_and_stop_the_whole_process_group(tmp_path: Path) -> None:
    port, pid_file = free_port(), tmp_path / "worker.pid"
    out = io.StringIO()
    supervisor = Supervisor(out=out)
    spec = ServiceSpec(
        name="web",
        argv=[sys.executable, "-c", SERVER, str(port), str(pid_file)],
        health_url=f"http://127.0.0.1:{port}/",
        cwd=tmp_path,
        hide_line=lambda line: line.startswith("noise"),
        start_timeout=30,
    )
    running = supervisor.start(spec)
    supervisor.wait_healthy(running)
    worker = int(pid_file.read_text())
    assert alive(worker)
    supervisor.stop_all(timeout=10)
    assert running.process.returncode is not None
    deadline = time.monotonic() + 5
    while alive(worker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive(worker), "the service's own child must be stopped with it"
    assert "[web] serving" in out.getvalue()
    assert "noise" not in out.getvalue()


def test_a_service_that_dies_while_starting_is_reported() -> None:
    supervisor = Supervisor(out=io.StringIO())
    spec = ServiceSpec(
        name="broken",
        argv=[sys.executable, "-c", "import sys; sys.exit(3)"],
        health_url=f"http://127.0.0.1:{free_port()}/",
        start_timeout=30,
    )
    with pytest.raises(ServiceFailed, match="broken exited with code 3"):
        supervisor.wait_healthy(supervisor.start(spec))
    supervisor.stop_all()


def test_services_start_together_and_one_dying_is_reported_before_a_slow_one_is_up() -> None:
    """`sinyal run` starts every service at once; a broken one must not wait for Rasa's model."""
    supervisor = Supervisor(out=io.StringIO())
    slow = ServiceSpec(
        name="slow",  # never answers within the test: it stands for Rasa loading its model
        argv=[sys.executable, "-c", "import time; time.sleep(60)"],
        health_url=f"http://127.0.0.1:{free_port()}/",
        start_timeout=45,
    )
    broken = ServiceSpec(
        name="broken",
        argv=[sys.executable, "-c", "import time, sys; time.sleep(0.5); sys.exit(3)"],
        health_url=f"http://127.0.0.1:{free_port()}/",
        start_timeout=45,
    )
    started = time.monotonic()
    try:
        with pytest.raises(ServiceFailed, match="broken exited with code 3"):
            supervisor.wait_healthy(supervisor.start(slow), supervisor.start(broken))
        assert time.monotonic() - started < 10
    finally:
        supervisor.stop_all()


def test_waiting_for_several_services_ends_when_the_last_answers(tmp_path: Path) -> None:
    supervisor = Supervisor(out=io.StringIO())
    ports = [free_port(), free_port()]
    specs = [
        ServiceSpec(
            name=f"web-{i}",
            argv=[sys.executable, "-c", SERVER, str(port), str(tmp_path / f"{i}.pid")],
            health_url=f"http://127.0.0.1:{port}/",
            cwd=tmp_path,
            start_timeout=30,
        )
        for i, port in enumerate(ports)
    ]
    try:
        supervisor.wait_healthy(*(supervisor.start(spec) for spec in specs))
        for port in ports:
            with socket.create_connection(("127.0.0.1", port), timeout=5):
                pass
    finally:
        supervisor.stop_all(timeout=10)


#: Appends its start time to a file; exits with code 3 on the first N starts, then stays up.
FLAKY = textwrap.dedent(
    """
    import sys, time
    log, failures = sys.argv[1], int(sys.argv[2])
    with open(log, "a") as out:
        out.write(f"{time.time()}\\n")
    starts = len(open(log).read().split())
    print("ready", flush=True)
    if starts <= failures:
        time.sleep(0.2)
        sys.exit(3)
    time.sleep(600)
    """
)


def flaky(tmp_path: Path, failures: int) -> tuple[ServiceSpec, Path]:
    log = tmp_path / "starts.log"
    spec = ServiceSpec(
        name="flaky",
        argv=[sys.executable, "-c", FLAKY, str(log), str(failures)],
        health_url=None,
        ready_line="ready",
        start_timeout=30,
    )
    return spec, log


def starts(log: Path) -> list[float]:
    return [float(t) for t in log.read_text().split()]


def test_a_service_that_dies_is_restarted_after_a_pause_and_reported(tmp_path: Path) -> None:
    spec, log = flaky(tmp_path, failures=2)
    status = tmp_path / "services.json"
    policy = RestartPolicy(first_delay=0.5, max_restarts=3)
    out = io.StringIO()
    supervisor = Supervisor(out=out, policy=policy, status_file=status)
    supervisor.wait_healthy(supervisor.start(spec))
    stop = threading.Event()
    watcher = threading.Thread(target=supervisor.wait_until_stopped, args=(stop,))
    watcher.start()
    try:
        deadline = time.monotonic() + 20
        while len(starts(log)) < 3 and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(1)
        first, second, third = starts(log)
        assert second - first >= 0.5 + 0.2  # ran 0.2 s, then the first pause
        assert third - second >= 1.0 + 0.2  # the pause doubles
        state = json.loads(status.read_text())["services"]["flaky"]
        assert state["restarts"] == 2 and state["last_exit_code"] == 3
        assert state["state"] == "running" and state["pid"] == supervisor.services[0].process.pid
        assert "flaky exited with code 3; restarting in 1s" in out.getvalue()
    finally:
        stop.set()
        watcher.join(10)
        supervisor.stop_all()


def test_a_service_that_keeps_failing_is_given_up(tmp_path: Path) -> None:
    spec, log = flaky(tmp_path, failures=100)
    supervisor = Supervisor(
        out=io.StringIO(), policy=RestartPolicy(first_delay=0.1, max_restarts=2)
    )
    running = supervisor.start(spec)
    supervisor.wait_healthy(running)
    failing = supervisor.wait_until_stopped(threading.Event())
    assert failing is not None and failing.spec.name == "flaky"
    assert len(starts(log)) == 3  # the first start and two restarts
    assert supervisor.history["flaky"].state == "failed"
    supervisor.stop_all()


def test_python_warning_filter_hides_warnings_but_not_what_follows() -> None:
    hide = PythonWarningFilter()
    lines = [
        "/x/pkg_resources/__init__.py:3117: DeprecationWarning: Deprecated call to `ns`.\n",
        "Implementing implicit namespace packages is preferred.\n",
        "  declare_namespace(pkg)\n",
        "2026-11-23 INFO root - Starting Rasa server\n",
        "/x/y.py:1: UserWarning: short\n",
        "Traceback (most recent call last):\n",
        '  File "a.py", line 1\n',
        "ValueError: boom\n",
        "ValueError: boom again\n",
    ]
    shown = [line for line in lines if not hide(line)]
    assert shown == [lines[3], *lines[5:]]


def test_a_taken_port_is_refused_before_starting(tmp_path: Path) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        spec = ServiceSpec(
            name="web",
            argv=[sys.executable, "-c", "pass"],
            health_url=f"http://127.0.0.1:{port}/",
            port=port,
            port_setting="SINYAL_WEB_PORT",
        )
        supervisor = Supervisor(out=io.StringIO())
        with pytest.raises(ServiceFailed, match=f"port {port} is already in use.*SINYAL_WEB_PORT"):
            supervisor.start(spec)
        assert supervisor.services == []


def test_a_port_taken_while_restarting_counts_as_a_failure_not_a_crash(tmp_path: Path) -> None:
    spec, log = flaky(tmp_path, failures=100)
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        port = holder.getsockname()[1]
        spec.port, spec.port_setting = port, "SINYAL_TEST_PORT"
        supervisor = Supervisor(
            out=io.StringIO(), policy=RestartPolicy(first_delay=0.1, max_restarts=2)
        )
        supervisor.wait_healthy(supervisor.start(spec))
        holder.listen()  # something else takes the port once the service is up
        failing = supervisor.wait_until_stopped(threading.Event())
    assert failing is not None and supervisor.history["flaky"].state == "failed"
    assert len(starts(log)) == 1  # never started twice on a taken port
    supervisor.stop_all()

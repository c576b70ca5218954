import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from sinyal.runtime.doctor import (
    Status,
    check_database,
    check_exposure,
    check_model,
    check_port,
    check_rasa,
)
from sinyal.settings import load_settings


def test_missing_rasa_environment_says_run_make(clean_env: Path, tmp_path: Path) -> None:
    finding = check_rasa(load_settings(project_dir=tmp_path))
    assert finding.status is Status.FAIL and "make run" in finding.detail


def test_database_needing_migration_is_a_warning(clean_env: Path, tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path / "var")
    finding = check_database(settings)
    assert finding.status is Status.WARN and "sinyal db upgrade" in finding.detail


def test_untrained_model_is_a_warning(clean_env: Path, tmp_path: Path) -> None:
    finding = check_model(load_settings(project_dir=tmp_path))
    assert finding.status is Status.WARN and "sinyal train" in finding.detail


def test_port_taken_by_another_program_fails() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        finding = check_port(
            "rasa server", "127.0.0.1", port, f"http://127.0.0.1:{port}/", "Hello from Rasa"
        )
    assert finding.status is Status.FAIL and "taken by another program" in finding.detail


def test_free_port_is_fine() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    finding = check_port("rasa server", "127.0.0.1", port, f"http://127.0.0.1:{port}/", "x")
    assert finding.status is Status.OK and "free" in finding.detail


class _Answers(BaseHTTPRequestHandler):
    status = 200

    def _answer(self) -> None:
        self.send_response(self.status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    do_GET = do_POST = _answer

    def log_message(self, *args: object) -> None:
        pass


def _serving(status: int) -> ThreadingHTTPServer:
    handler = type("Handler", (_Answers,), {"status": status})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def test_a_service_answering_without_token_on_an_outside_address_fails() -> None:
    """Given 127.0.0.1 as the 'outside' address to probe, an open server there is flagged."""
    open_server, guarded = _serving(200), _serving(401)
    try:
        settings = load_settings(
            rasa_port=open_server.server_address[1], actions_port=guarded.server_address[1]
        )
        finding = check_exposure(settings, addresses={"127.0.0.1"})
        assert finding.status is Status.FAIL
        assert "rasa GET /conversations" in finding.detail and "actions" not in finding.detail
        settings = load_settings(
            rasa_port=guarded.server_address[1], actions_port=guarded.server_address[1]
        )
        assert check_exposure(settings, addresses={"127.0.0.1"}).status is Status.OK
    finally:
        open_server.shutdown()
        guarded.shutdown()


def test_restarted_and_failed_services_are_reported(clean_env: Path, tmp_path: Path) -> None:
    """The status file the supervisor writes (tests/sinyal/runtime/test_supervisor.py)."""
    import json
    import os
    import time

    from sinyal.runtime.doctor import check_services
    from sinyal.runtime.services import status_file

    settings = load_settings(data_dir=tmp_path / "var")
    assert check_services(settings) is None  # nothing runs
    path = status_file(settings)
    path.parent.mkdir(parents=True)
    services = {
        "actions": {"state": "running", "restarts": 2, "last_exit_code": -9},
        "rasa": {"state": "running", "restarts": 0, "last_exit_code": None},
    }
    services["actions"]["last_exit_at"] = time.time()
    path.write_text(json.dumps({"supervisor_pid": os.getpid(), "services": services}))
    finding = check_services(settings)
    assert finding is not None and finding.status is Status.WARN
    assert "actions running, restarted 2x (last exit code -9" in finding.detail
    assert "rasa running" in finding.detail
    services["rasa"]["state"] = "failed"
    path.write_text(json.dumps({"supervisor_pid": os.getpid(), "services": services}))
    finding = check_services(settings)
    assert finding is not None and finding.status is Status.FAIL

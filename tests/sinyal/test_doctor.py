import socket
from pathlib import Path

from sinyal.doctor import Status, check_database, check_model, check_port, check_rasa
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

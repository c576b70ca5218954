import os
import stat
import sys
from pathlib import Path

import pytest

from sinyal import bootstrap


def fake_python(path: Path, version: str, *, works: bool = True) -> Path:
    """A tiny executable that answers like `pythonX.Y -c ...` would (or fails like a pyenv shim)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    body = (
        f"#!/bin/sh\necho {version}\n"
        if works
        else "#!/bin/sh\necho 'pyenv: not active' >&2\nexit 127\n"
    )
    path.write_text(body)
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return path


def test_finds_python310_in_pyenv_when_path_shim_is_inactive(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shim_dir = tmp_path / "shims"
    fake_python(shim_dir / "python3.10", "3.10", works=False)
    real = fake_python(tmp_path / "pyenv/versions/3.10.13/bin/python3.10", "3.10")
    monkeypatch.setenv("PATH", f"{shim_dir}{os.pathsep}/usr/bin:/bin")
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path / "pyenv"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert bootstrap.find_python((3, 10)) == str(real)


def test_explicit_interpreter_must_have_the_right_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wrong = fake_python(tmp_path / "py39", "3.9")
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path / "none"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert bootstrap.find_python((3, 10), extra=[str(wrong)]) is None


def test_engine_python_is_the_running_one_when_new_enough() -> None:
    assert sys.version_info >= (3, 11)
    assert bootstrap.find_engine_python() == sys.executable


def test_environment_stamp_follows_the_lock_file(tmp_path: Path) -> None:
    lock = tmp_path / "requirements.lock"
    lock.write_text("rasa==3.6.21\n")
    env = bootstrap.Environment("rasa", tmp_path / ".venv", lock, ())
    fake_python(env.python, "3.10")
    assert not env.is_current()
    env.mark_current()
    assert env.is_current()
    lock.write_text("rasa==3.6.21\nextra==1\n")
    assert not env.is_current()


def test_both_lock_files_pin_their_key_packages() -> None:
    engine = bootstrap.engine_environment().lock.read_text()
    rasa = bootstrap.rasa_environment().lock.read_text()
    assert "\nrasa==3.6.21\n" in rasa and "sqlalchemy==1.4." in rasa
    assert "\nrasa-sdk==3.21." in engine and "\nsqlalchemy==2." in engine


def test_chromium_is_found_on_path_or_where_configured(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SINYAL_CHROMIUM", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert bootstrap.find_chromium() is None
    browser = fake_python(tmp_path / "chromium", "156")
    assert bootstrap.find_chromium() == str(browser)
    monkeypatch.setenv("SINYAL_CHROMIUM", str(tmp_path / "missing"))
    assert bootstrap.find_chromium() is None  # a configured path that is not there
    monkeypatch.setenv("SINYAL_CHROMIUM", str(browser))
    assert bootstrap.find_chromium() == str(browser)

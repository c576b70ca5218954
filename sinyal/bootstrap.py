"""Create or refresh Sinyal's two Python environments.

Rasa Open Source 3.6.21 only runs on Python 3.8-3.10 and pins old libraries, while the engine
wants current ones, so there are two virtual environments:

* ``.venv``      - the engine (Python >= 3.11): sinyal, the action server, scrapers, web.
* ``bot/.venv``  - the Rasa runtime (Python 3.10), installed from ``bot/requirements.lock``.

This module runs *before* the engine's dependencies exist (``python3 -m sinyal.bootstrap`` from
the project root), so it uses the standard library only. Both environments are installed with
uv from lock files; a stamp file holding the lock's hash makes a second run a no-op.
"""

from __future__ import annotations

import glob
import hashlib
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
UV_VERSION = "0.13.9"  # installed into the engine venv with pip; uv then does the heavy lifting
ENGINE_MIN = (3, 11)
RASA_PYTHON = (3, 10)
STAMP_NAME = ".sinyal-lock.sha256"
#: Bytecode compiled at install: where PYTHONDONTWRITEBYTECODE is set (as on these machines)
#: nothing is ever cached, and each process compiled every module it imported from source -
#: 17 s to import Rasa instead of 6, 8 s for `sinyal --help` instead of 0.3. Part of the stamp,
#: so environments installed without it are compiled once.
SYNC_OPTIONS = ("--compile-bytecode",)


class BootstrapError(RuntimeError):
    """A set-up step failed; the message tells the user what to do."""


@dataclass(frozen=True)
class Environment:
    """One virtual environment and the files that define its contents."""

    name: str
    venv: Path
    lock: Path
    inputs: tuple[Path, ...]

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"

    def fingerprint(self) -> str:
        digest = hashlib.sha256(" ".join(SYNC_OPTIONS).encode())
        for path in (self.lock, *self.inputs):
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
        return digest.hexdigest()

    def is_current(self) -> bool:
        stamp = self.venv / STAMP_NAME
        return (
            self.python.exists()
            and stamp.exists()
            and stamp.read_text().strip() == self.fingerprint()
        )

    def mark_current(self) -> None:
        (self.venv / STAMP_NAME).write_text(self.fingerprint() + "\n")


def engine_environment(project_dir: Path = PROJECT_DIR) -> Environment:
    return Environment(
        name="engine",
        venv=project_dir / ".venv",
        lock=project_dir / "requirements.lock",
        inputs=(project_dir / "pyproject.toml",),
    )


def rasa_environment(project_dir: Path = PROJECT_DIR) -> Environment:
    return Environment(
        name="rasa",
        venv=project_dir / "bot" / ".venv",
        lock=project_dir / "bot" / "requirements.lock",
        inputs=(),
    )


def say(message: str) -> None:
    print(f"[setup] {message}", flush=True)


def run(cmd: Sequence[str | os.PathLike[str]], *, env: dict[str, str] | None = None) -> None:
    """Run a step with its own output visible (uv draws progress bars on a terminal)."""
    started = time.monotonic()
    result = subprocess.run([str(c) for c in cmd], env=env, check=False)
    if result.returncode != 0:
        raise BootstrapError(f"command failed ({result.returncode}): {' '.join(map(str, cmd))}")
    say(f"  done in {time.monotonic() - started:.0f}s")


def python_version(executable: str | os.PathLike[str]) -> tuple[int, int] | None:
    """Ask an interpreter for its version; pyenv shims that are not active fail here."""
    try:
        out = subprocess.run(
            [str(executable), "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if out.returncode != 0:
        return None
    major, minor = out.stdout.strip().split(".")
    return int(major), int(minor)


def pyenv_candidates(version: tuple[int, int]) -> list[str]:
    roots = [os.environ.get("PYENV_ROOT", ""), str(Path.home() / ".pyenv")]
    found: list[str] = []
    for root in filter(None, roots):
        pattern = f"{root}/versions/{version[0]}.{version[1]}.*/bin/python{version[0]}.{version[1]}"
        found.extend(sorted(glob.glob(pattern), reverse=True))
    return found


def find_python(version: tuple[int, int], extra: Iterable[str] = ()) -> str | None:
    """Find an interpreter of exactly ``version``: explicit, on PATH, then in pyenv."""
    name = f"python{version[0]}.{version[1]}"
    candidates = [*extra, shutil.which(name) or "", *pyenv_candidates(version)]
    for candidate in filter(None, candidates):
        if python_version(candidate) == version:
            return candidate
    return None


def find_engine_python() -> str:
    """The interpreter running this script if new enough, else a newer one on PATH or pyenv."""
    if sys.version_info[:2] >= ENGINE_MIN:
        return sys.executable
    for minor in (11, 12, 13):
        found = find_python((3, minor))
        if found:
            return found
    raise BootstrapError(
        "Sinyal's engine needs Python 3.11 or newer; none was found. Install one "
        "(e.g. `pyenv install 3.11`) and run `make run PYTHON=python3.11`."
    )


def uv_executable(engine: Environment) -> Path:
    return engine.venv / "bin" / "uv"


def ensure_uv(engine: Environment) -> Path:
    uv = uv_executable(engine)
    if not uv.exists():
        say(f"installing uv {UV_VERSION} into {engine.venv.name} (fast, locked installs)")
        run([engine.python, "-m", "pip", "install", "--quiet", f"uv=={UV_VERSION}"])
    return uv


def uv_env(venv: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["VIRTUAL_ENV"] = str(venv)
    # Never let uv fetch a Python build behind our back; we choose the interpreter explicitly.
    env.setdefault("UV_PYTHON_DOWNLOADS", "never")
    return env


def setup_engine(engine: Environment) -> None:
    if engine.is_current():
        say(f"engine environment up to date ({engine.venv})")
        return
    if not engine.python.exists():
        python = find_engine_python()
        say(f"[1/2] creating the engine environment {engine.venv} with {python}")
        run([python, "-m", "venv", engine.venv])
    uv = ensure_uv(engine)
    say(f"[1/2] installing the engine's locked dependencies from {engine.lock.name}")
    run([uv, "pip", "sync", *SYNC_OPTIONS, engine.lock], env=uv_env(engine.venv))
    run([uv, "pip", "install", "--quiet", "--no-deps", "-e", PROJECT_DIR], env=uv_env(engine.venv))
    engine.mark_current()


def rasa_python_or_explain(uv: Path) -> str:
    found = find_python(RASA_PYTHON, extra=filter(None, [os.environ.get("SINYAL_RASA_PYTHON")]))
    if found:
        return found
    say("no Python 3.10 on PATH or in pyenv; asking uv to install one")
    env = dict(os.environ, UV_PYTHON_DOWNLOADS="automatic")
    installed = subprocess.run([str(uv), "python", "install", "3.10"], env=env, check=False)
    if installed.returncode == 0:
        found_by_uv = subprocess.run(
            [str(uv), "python", "find", "3.10"], capture_output=True, text=True, check=False
        )
        if found_by_uv.returncode == 0 and found_by_uv.stdout.strip():
            return found_by_uv.stdout.strip()
    raise BootstrapError(
        "Rasa 3.6.21 needs Python 3.10 and none could be found or installed. Install one "
        "(`pyenv install 3.10`, `apt-get install python3.10`, or `uv python install 3.10`) "
        "or point SINYAL_RASA_PYTHON at a python3.10 executable, then run this again."
    )


def setup_rasa(rasa: Environment, uv: Path) -> None:
    if rasa.is_current():
        say(f"Rasa environment up to date ({rasa.venv})")
        return
    if not rasa.python.exists():
        python = rasa_python_or_explain(uv)
        say(f"[2/2] creating the Rasa environment {rasa.venv} with {python}")
        run([uv, "venv", "--quiet", "--python", python, rasa.venv], env=uv_env(rasa.venv))
    say(f"[2/2] installing Rasa 3.6.21 from {rasa.lock.name} (first time: ~600 MB, a few minutes)")
    run([uv, "pip", "sync", *SYNC_OPTIONS, rasa.lock], env=uv_env(rasa.venv))
    rasa.mark_current()


#: Where the browser tests look for Chromium (Playwright's own browser download cannot work
#: without internet; Debian's package can). SINYAL_CHROMIUM overrides.
CHROMIUM_CANDIDATES = ("chromium", "chromium-browser", "google-chrome")


def find_chromium() -> str | None:
    configured = os.environ.get("SINYAL_CHROMIUM")
    if configured:
        return configured if Path(configured).exists() else None
    return next(filter(None, (shutil.which(name) for name in CHROMIUM_CANDIDATES)), None)


def ensure_browser() -> None:
    """Chromium for the browser tests: Debian's package, installed when we may."""
    if find_chromium():
        say(f"browser for the tests: {find_chromium()}")
        return
    if os.geteuid() == 0 and shutil.which("apt-get"):
        say("installing Debian's chromium for the browser tests (apt-get, about 100 MB)")
        run(["apt-get", "install", "-y", "--no-install-recommends", "chromium"])
        if find_chromium():
            return
    raise BootstrapError(
        "the browser tests need Chromium: `sudo apt-get install chromium` (Debian/Ubuntu), "
        "or point SINYAL_CHROMIUM at a Chromium or Chrome executable"
    )


def main(argv: Sequence[str] | None = None) -> int:
    engine, rasa = engine_environment(), rasa_environment()
    try:
        setup_engine(engine)
        setup_rasa(rasa, ensure_uv(engine))
        if argv and "--browser" in argv:
            ensure_browser()
    except BootstrapError as exc:
        print(f"[setup] error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Small helpers shared by test modules: the installed `sinyal` command and free ports."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

from sinyal.runtime.supervisor import port_is_free

SINYAL = Path(sys.executable).with_name("sinyal")


def run_sinyal(
    *args: str, env: dict[str, str], cwd: Path | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """`sinyal ARGS` as a user runs it: the installed entry point, in a subprocess."""
    return subprocess.run(
        [str(SINYAL), *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=timeout
    )


def isolated_env(**settings: str) -> dict[str, str]:
    """This process's environment without the caller's Sinyal settings, plus ``settings``."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("SINYAL_")}
    environ.pop("DATABASE_URL", None)
    environ.pop("TELEGRAM_BOT_TOKEN", None)
    environ["COLUMNS"] = "200"
    environ.update(settings)
    return environ


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


__all__ = ["SINYAL", "free_port", "isolated_env", "port_is_free", "run_sinyal"]

"""The installed `sinyal` command, run as a user runs it, in an environment of the test's own
(none of the caller's Sinyal settings leak in)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

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

"""Train the Rasa model when, and only when, its inputs changed.

The model always lands at ``bot/models/current.tar.gz``; a fingerprint of every training input
sits beside it, written only after training succeeded, so an interrupted run retrains next time.
"""

from __future__ import annotations

import hashlib
import subprocess
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from sinyal.runtime.rasa import RuntimeMissing, rasa_child_env, rasa_executable
from sinyal.settings import Settings


class TrainingFailed(RuntimeError):
    pass


def training_inputs(settings: Settings) -> list[Path]:
    """config.yml, the domain, the NLU/story/rule data, custom components, the Rasa lock."""
    bot = settings.bot_dir
    files = [settings.project_dir / "config.yml", bot / "requirements.lock"]
    for part in ("domain.yml", "domain", "data", "components"):
        path = bot / part
        if path.is_file():
            files.append(path)
        elif path.is_dir():
            files.extend(
                sorted(p for p in path.rglob("*") if p.suffix in {".yml", ".py"} and p.is_file())
            )
    return files


def fingerprint(paths: Iterable[Path], root: Path) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def fingerprint_path(settings: Settings) -> Path:
    return settings.model_path.with_name("current.fingerprint")


def current_fingerprint(settings: Settings) -> str:
    return fingerprint(training_inputs(settings), settings.project_dir)


def model_is_current(settings: Settings) -> bool:
    stamp = fingerprint_path(settings)
    return (
        settings.model_path.exists()
        and stamp.exists()
        and stamp.read_text().strip() == current_fingerprint(settings)
    )


def train_command(settings: Settings) -> list[str]:
    bot = settings.bot_dir
    return [
        str(rasa_executable(settings)),
        "train",
        "--config",
        str(settings.project_dir / "config.yml"),
        "--domain",
        str(bot / "domain.yml"),
        "--data",
        str(bot / "data"),
        "--out",
        str(settings.model_path.parent),
        "--fixed-model-name",
        "current",
        "--force",  # our fingerprint already decided that training is needed
    ]


def training_env(settings: Settings) -> dict[str, str]:
    """Rasa's environment plus what makes CPU training repeatable: one TensorFlow thread per
    pool (parallel float sums come back in a different order each run), deterministic ops and a
    fixed hash seed. The seeds in config.yml alone left predictions differing between runs."""
    env = rasa_child_env(settings)
    env.update(
        TF_INTER_OP_PARALLELISM_THREADS="1",
        TF_INTRA_OP_PARALLELISM_THREADS="1",
        TF_DETERMINISTIC_OPS="1",
        PYTHONHASHSEED="0",
    )
    return env


def ensure_model(
    settings: Settings, *, force: bool = False, say: Callable[[str], None] = print
) -> bool:
    """Train if the inputs changed (or ``force``); return whether training ran."""
    if not force and model_is_current(settings):
        say(f"Rasa model is up to date: {settings.model_path}")
        return False
    if not rasa_executable(settings).exists():
        raise RuntimeMissing("the Rasa environment is missing: run `make run` first")
    stamp = fingerprint_path(settings)
    stamp.unlink(missing_ok=True)
    expected = current_fingerprint(settings)
    say("training the Rasa model (a minute or two on 2 cores; Rasa shows each epoch)")
    started = time.monotonic()
    result = subprocess.run(
        train_command(settings), cwd=settings.bot_dir, env=training_env(settings), check=False
    )
    if result.returncode != 0 or not settings.model_path.exists():
        raise TrainingFailed(f"`rasa train` failed (exit {result.returncode}); see output above")
    stamp.write_text(expected + "\n")
    say(f"trained {settings.model_path} in {time.monotonic() - started:.0f}s")
    return True

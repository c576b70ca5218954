"""Train the Rasa model when, and only when, its inputs changed.

The model always lands at ``bot/models/current.tar.gz``; a fingerprint of every training input
sits beside it, written only after training succeeded, so an interrupted run retrains next time.

With ``model_cache_dir`` set, each trained model is also kept there under its fingerprint, and a
checkout whose inputs match one (a fresh clone, CI on the same machine, another branch) copies
it instead of spending a quarter of an hour training: training is deterministic (one TensorFlow
thread, fixed seeds), so the copy is the model that training would produce.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import shutil
import subprocess
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sinyal.runtime.rasa import RuntimeMissing, rasa_child_env, rasa_executable
from sinyal.settings import Settings


class TrainingFailed(RuntimeError):
    pass


#: What Rasa reads from the data folders (YAML either way, legacy JSON NLU) and our components.
TRAINED_SUFFIXES = frozenset({".yml", ".yaml", ".json", ".py"})
#: How we train, part of every fingerprint: a cached model from another recipe is not this one.
TRAINING_RECIPE = "rasa train --force; TF 1+1 threads, deterministic ops, PYTHONHASHSEED=0"


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
                sorted(p for p in path.rglob("*") if p.suffix in TRAINED_SUFFIXES and p.is_file())
            )
    return files


def fingerprint(paths: Iterable[Path], root: Path) -> str:
    digest = hashlib.sha256(TRAINING_RECIPE.encode())
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


#: Cached models kept (newest first); each is tens of megabytes.
CACHE_KEEP = 4


def cached_model(settings: Settings, fingerprint: str) -> Path | None:
    """Where the cache keeps the model for ``fingerprint`` (None: no cache configured)."""
    if settings.model_cache_dir is None:
        return None
    return settings.model_cache_dir.expanduser() / f"{fingerprint}.tar.gz"


def _copy_atomically(source: Path, target: Path) -> None:
    """Never a half-written model under the final name, whoever reads it meanwhile."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    shutil.copyfile(source, partial)
    os.replace(partial, target)


def restore_from_cache(settings: Settings, fingerprint: str) -> Path | None:
    """Copy the cached model for ``fingerprint`` into place; the cache entry, or None."""
    cached = cached_model(settings, fingerprint)
    if cached is None or not cached.is_file():
        return None
    try:
        _copy_atomically(cached, settings.model_path)
    except OSError:  # pruned meanwhile by another checkout, or unreadable: train instead
        return None
    with contextlib.suppress(OSError):  # in use: the last to be pruned (if the cache is ours)
        os.utime(cached)
    fingerprint_path(settings).write_text(fingerprint + "\n")
    return cached


def keep_in_cache(settings: Settings, fingerprint: str) -> Path | None:
    """Keep the freshly trained model for other checkouts; drop the oldest beyond CACHE_KEEP.
    A cache that cannot be written costs the next checkout a training run, nothing more."""
    cached = cached_model(settings, fingerprint)
    if cached is None:
        return None
    try:
        _copy_atomically(settings.model_path, cached)
        models = sorted(cached.parent.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
        for old in models[:-CACHE_KEEP]:
            old.unlink(missing_ok=True)
    except OSError:
        return None
    return cached


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


@contextmanager
def training_lock(settings: Settings, say: Callable[[str], None]) -> Iterator[None]:
    """One training per checkout at a time: `make test` trains beside the tests that need no
    model, and a `sinyal run` started meanwhile must wait for that model, not train another."""
    lock = settings.model_path.with_name(".training.lock")
    lock.parent.mkdir(parents=True, exist_ok=True)
    with lock.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            say("another process is training the Rasa model; waiting for it")
            fcntl.flock(handle, fcntl.LOCK_EX)
        yield


def ensure_model(
    settings: Settings, *, force: bool = False, say: Callable[[str], None] = print
) -> bool:
    """Train if the inputs changed (or ``force``); return whether training ran."""
    if not force and model_is_current(settings):
        say(f"Rasa model is up to date: {settings.model_path}")
        return False
    with training_lock(settings, say):
        if not force and model_is_current(settings):  # trained meanwhile by whoever held the lock
            say(f"Rasa model is up to date: {settings.model_path}")
            return False
        return _train(settings, force, say)


def _train(settings: Settings, force: bool, say: Callable[[str], None]) -> bool:
    """The model for the current inputs: copied from the cache, or trained (lock held)."""
    stamp = fingerprint_path(settings)
    stamp.unlink(missing_ok=True)
    expected = current_fingerprint(settings)
    if not force and (cached := restore_from_cache(settings, expected)) is not None:
        say(f"Rasa model for these inputs reused from the model cache ({cached})")
        return False
    if not rasa_executable(settings).exists():
        raise RuntimeMissing("the Rasa environment is missing: run `make run` first")
    say("training the Rasa model (about 15 minutes on 2 cores; Rasa shows each epoch)")
    started = time.monotonic()
    result = subprocess.run(
        train_command(settings), cwd=settings.bot_dir, env=training_env(settings), check=False
    )
    if result.returncode != 0 or not settings.model_path.exists():
        raise TrainingFailed(f"`rasa train` failed (exit {result.returncode}); see output above")
    say(f"trained {settings.model_path} in {time.monotonic() - started:.0f}s")
    if current_fingerprint(settings) != expected:  # edited while Rasa read them
        say("the training inputs changed during training: the next run trains again")
        return True
    stamp.write_text(expected + "\n")
    keep_in_cache(settings, expected)
    return True

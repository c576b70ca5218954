"""`make test`: lint, then every test that needs no model while the Rasa model trains, then
the tests that need it.

Training takes one core for about a quarter of an hour and only the tests using the
``trained_model`` fixture need its model (tests/conftest.py marks them ``model``), so the
others run beside it on the other core; when the model comes from the model cache (or is
current) training ends within seconds and they run in two processes instead. That run may not
train (``SINYAL_TEST_NO_TRAINING``): a test reaching for the model some other way fails, saying
so, instead of training twice. The tests with the model run in two processes.
Each phase's time is printed at the end (CI's limit is 90 minutes; the aim is 20).

    .venv/bin/python -m tests.suite [extra pytest arguments]
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
TRAINING_LOG = PROJECT / "var" / "log" / "training.log"
LINT, TRAINING = "lint", "training (or the model cache)"
TESTS_WITHOUT_MODEL, TESTS_WITH_MODEL = "tests without the model", "tests with the model"
PHASES = (LINT, TRAINING, TESTS_WITHOUT_MODEL, TESTS_WITH_MODEL)
#: pytest-xdist processes for the tests with the model, and for the others when no training
#: holds a core, each taking whole files (so a module's running system is started once);
#: SINYAL_TEST_WORKERS=1 runs them in one process.
WORKERS = int(os.environ.get("SINYAL_TEST_WORKERS", "2"))
#: A training that ends this quickly copied its model from the cache (or had nothing to do).
QUICK_TRAINING_SECONDS = 90


def parallel_args() -> list[str]:
    return ["-n", str(WORKERS), "--dist", "loadfile"] if WORKERS > 1 else []


@dataclass
class Phase:
    name: str
    seconds: float
    returncode: int


def run(name: str, command: list[str], env: dict[str, str] | None = None) -> Phase:
    print(f"\n=== {name}: {' '.join(command)}", flush=True)
    started = time.monotonic()
    code = subprocess.run(command, cwd=PROJECT, env=env, check=False).returncode
    return Phase(name, time.monotonic() - started, code)


def pytest_phase(name: str, marker: str, extra: list[str], env: dict[str, str]) -> Phase:
    command = [str(VENV_BIN / "pytest"), "-m", marker, "--durations=15", *extra]  # slowest 15
    phase = run(name, command, env)
    if phase.returncode == 5 and extra:  # a chosen part may hold none of this kind
        print(f"(no tests for -m {marker!r} among {' '.join(extra)})", flush=True)
        phase.returncode = 0
    elif phase.returncode == 5:  # the whole suite collecting nothing must fail, never pass
        print(f"make test: pytest collected no tests for -m {marker!r}", file=sys.stderr)
        phase.returncode = 1
    return phase


def train_beside(extra: list[str], env: dict[str, str]) -> tuple[Phase, Phase]:
    """Train in the background (output in var/log/training.log) while the tests that need no
    model run."""
    TRAINING_LOG.parent.mkdir(parents=True, exist_ok=True)
    print(f"\n=== training the Rasa model in the background (log: {TRAINING_LOG})", flush=True)
    started = time.monotonic()
    with TRAINING_LOG.open("w") as log:
        trainer = subprocess.Popen(
            [str(VENV_BIN / "sinyal"), "train"], cwd=PROJECT, stdout=log, stderr=subprocess.STDOUT
        )
        ended: list[float] = []  # when training ended, whatever the tests were doing then
        watcher = threading.Thread(target=lambda: (trainer.wait(), ended.append(time.monotonic())))
        watcher.start()
        try:
            no_training = {**env, "SINYAL_TEST_NO_TRAINING": "1"}
            try:  # a model that is current or in the model cache takes seconds, not minutes
                trainer.wait(timeout=QUICK_TRAINING_SECONDS)
            except subprocess.TimeoutExpired:
                in_parallel = []  # training holds one core: the tests take the other
            else:
                in_parallel = parallel_args()
            tests = pytest_phase(
                TESTS_WITHOUT_MODEL, "not model", [*in_parallel, *extra], no_training
            )
            if trainer.poll() is None:
                print("\n=== those tests are done; waiting for training to finish", flush=True)
            code = trainer.wait()
        except BaseException:  # Ctrl-C: no training left behind holding the lock
            trainer.terminate()
            trainer.wait()
            raise
    watcher.join()
    training = Phase(TRAINING, ended[0] - started, code)
    lines = TRAINING_LOG.read_text(errors="replace").splitlines()
    print("\n".join(lines[-(40 if code else 1) :]), flush=True)
    return training, tests


def main(extra: list[str]) -> int:
    env = dict(os.environ)
    started = time.monotonic()
    phases = [run(LINT, ["make", "--no-print-directory", "lint"], env)]
    if phases[0].returncode == 0:
        phases.extend(train_beside(extra, env))
        if phases[-2].returncode == 0:  # no model: say so rather than train again
            phases.append(pytest_phase(TESTS_WITH_MODEL, "model", [*parallel_args(), *extra], env))
    print("\nmake test phases:")
    for phase in phases:
        verdict = "ok" if phase.returncode == 0 else f"FAILED (exit {phase.returncode})"
        print(f"  {phase.name:<36} {phase.seconds / 60:5.1f} min  {verdict}")
    for name in PHASES[len(phases) :]:
        print(f"  {name:<36}        -  not run (an earlier phase failed)")
    print(f"  {'total after set-up':<36} {(time.monotonic() - started) / 60:5.1f} min", flush=True)
    return max((1 if p.returncode else 0) for p in phases) if phases else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""`make test`: lint, then the fast tests while the Rasa model trains, then the slow tests.

Training takes one core for about a quarter of an hour and only the slow tests (marked
``slow``: Rasa servers, whole conversations) need its model, so the fast ones run beside it
on the other core. The fast run may not train (``SINYAL_TEST_NO_TRAINING``): a test that
needs the model without being marked slow fails, saying so, instead of training twice.
Each phase's time is printed at the end (CI's limit is 90 minutes; the aim is 20).

    .venv/bin/python -m tests.suite [extra pytest arguments]
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
TRAINING_LOG = PROJECT / "var" / "log" / "training.log"


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
    phase = run(name, [str(VENV_BIN / "pytest"), "-m", marker, *extra], env)
    if phase.returncode == 5:  # nothing collected must fail, never pass silently
        print(f"make test: pytest collected no tests for -m {marker!r}", file=sys.stderr)
        phase.returncode = 1
    return phase


def train_beside(fast: list[str], env: dict[str, str]) -> tuple[Phase, Phase]:
    """Train in the background (output in var/log/training.log) while the fast tests run."""
    TRAINING_LOG.parent.mkdir(parents=True, exist_ok=True)
    print(f"\n=== training the Rasa model in the background (log: {TRAINING_LOG})", flush=True)
    started = time.monotonic()
    with TRAINING_LOG.open("w") as log:
        trainer = subprocess.Popen(
            [str(VENV_BIN / "sinyal"), "train"], cwd=PROJECT, stdout=log, stderr=subprocess.STDOUT
        )
        no_training = {**env, "SINYAL_TEST_NO_TRAINING": "1"}
        tests = pytest_phase("fast tests", "not slow", fast, no_training)
        if trainer.poll() is None:
            print("\n=== fast tests done; waiting for training to finish", flush=True)
        code = trainer.wait()
    training = Phase("training (beside the fast tests)", time.monotonic() - started, code)
    lines = TRAINING_LOG.read_text(errors="replace").splitlines()
    print("\n".join(lines[-(40 if code else 1) :]), flush=True)
    return training, tests


def main(extra: list[str]) -> int:
    env = dict(os.environ)
    started = time.monotonic()
    phases = [run("lint", ["make", "--no-print-directory", "lint"], env)]
    if phases[0].returncode == 0:
        phases.extend(train_beside(extra, env))
        if phases[-2].returncode == 0:  # no model, no slow tests: say so rather than train again
            phases.append(pytest_phase("slow tests", "slow", extra, env))
    print("\nmake test phases:")
    for phase in phases:
        verdict = "ok" if phase.returncode == 0 else f"FAILED (exit {phase.returncode})"
        print(f"  {phase.name:<36} {phase.seconds / 60:5.1f} min  {verdict}")
    print(f"  {'total after set-up':<36} {(time.monotonic() - started) / 60:5.1f} min", flush=True)
    return max((1 if p.returncode else 0) for p in phases) if phases else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

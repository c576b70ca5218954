"""Start-up of the whole system: from ``sinyal run --no-train`` to "Press Ctrl-C to stop.".

Every system test, the attacker suite and the fault tests start ``sinyal run`` (a dozen times
in ``make test``), and an operator waits for it after every deploy, so its start-up is paid
often. Each run below starts the system on a fresh SQLite data directory and free ports with
the trained model (``bot/models``), reads its output as it comes and notes when each service
was started and when the whole system said it was ready; then stops it with Ctrl-C.

Same-run baseline: ``sinyal run --no-train --only rasa``, Rasa alone (loading the model), the
floor any start of the whole system stands on. Runs alternate between the two so that a load
spike hits both alike.

    .venv/bin/python benchmarks/system_startup.py [--runs 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from tests.support.system import READY_LINE, start_system  # noqa: E402


def time_to_ready(extra_args: tuple[str, ...]) -> tuple[float, list[tuple[float, str]]]:
    """Seconds until the ready line, and when each "starting …" line came."""
    with tempfile.TemporaryDirectory(prefix="sinyal-startup-") as tmp:
        started = time.monotonic()
        system = start_system(Path(tmp), {"SINYAL_SCRAPE_ON_START": "false"}, extra_args)
        seen: list[tuple[float, str]] = []
        try:
            while True:
                lines = list(system.output)
                for line in lines[len(seen) :]:
                    seen.append((time.monotonic() - started, line.strip()))
                if any(READY_LINE in line for _, line in seen):
                    break
                if system.process.poll() is not None:
                    raise SystemExit(
                        "`sinyal run` exited:\n" + "\n".join(text for _, text in seen[-30:])
                    )
                time.sleep(0.05)
        finally:
            system.stop()
        ready = next(t for t, line in seen if READY_LINE in line)
        return ready, [(t, line) for t, line in seen if line.startswith("starting")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if not any((PROJECT / "bot" / "models").glob("*.tar.gz")):
        raise SystemExit("no trained model in bot/models: run `sinyal train` first")
    whole: list[float] = []
    rasa_alone: list[float] = []
    for run in range(args.runs):
        seconds, starts = time_to_ready(())
        whole.append(seconds)
        print(
            f"run {run + 1}: whole system ready after {seconds:.1f} s; started at "
            + ", ".join(f"{line.removeprefix('starting ')} {t:.1f} s" for t, line in starts)
        )
        seconds, _ = time_to_ready(("--only", "rasa"))
        rasa_alone.append(seconds)
        print(f"run {run + 1}: Rasa alone ready after {seconds:.1f} s")
    whole_median, rasa_median = statistics.median(whole), statistics.median(rasa_alone)
    print(f"\nwhole system  median {whole_median:6.1f} s  (fastest {min(whole):.1f} s)")
    print(f"Rasa alone    median {rasa_median:6.1f} s  (fastest {min(rasa_alone):.1f} s)")
    print(f"whole / Rasa alone: x{whole_median / rasa_median:.2f}")


if __name__ == "__main__":
    main()

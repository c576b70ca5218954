"""What the action server loads before it answers: import time, resident memory, heavy modules.

Each figure is printed beside a same-run baseline: rasa-sdk's executor with an empty actions
package (what any rasa-sdk action server pays). ``--project DIR`` measures another checkout
(e.g. a ``git worktree`` of an older commit) with this environment, for before/after figures.

    .venv/bin/python benchmarks/action_server_imports.py [--runs 5] [--project DIR]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HEAVY = (
    "scrapers",
    "extruct",
    "lxml",
    "bs4",
    "protego",
    "requests",
    "alembic",
    "pandas",
    "matplotlib",
    "scipy",
    "statsmodels",
    "jinja2",
    "telegram",
    "sinyal.outreach",
    "sinyal.signals",
    "sinyal.kpi",
    "sinyal.web",
)

PROBE = """
import json, resource, sys, time
start = time.perf_counter()
from rasa_sdk.executor import ActionExecutor
executor = ActionExecutor()
executor.register_package(sys.argv[1])
seconds = time.perf_counter() - start
depth = lambda name: 2 if name.startswith("sinyal.") else 1
loaded = {".".join(name.split(".")[: depth(name)]) for name in sys.modules}
heavy = sorted(loaded & set(json.loads(sys.argv[2])))
rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "rss_mb": rss_mb, "actions": len(executor.actions),
                  "heavy": heavy}))
"""


def probe(project: Path, package: str) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, "-c", PROBE, package, json.dumps(HEAVY)],
        cwd=project,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return dict(json.loads(out.strip().splitlines()[-1]))


def measure(project: Path, package: str, runs: int) -> tuple[float, float, dict[str, object]]:
    samples = [probe(project, package) for _ in range(runs)]
    seconds = statistics.median(float(s["seconds"]) for s in samples)  # type: ignore[arg-type]
    rss = statistics.median(float(s["rss_mb"]) for s in samples)  # type: ignore[arg-type]
    return seconds, rss, samples[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--project", type=Path, default=Path(__file__).resolve().parent.parent)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as empty:
        (Path(empty) / "no_actions").mkdir()
        (Path(empty) / "no_actions" / "__init__.py").write_text("")
        base_s, base_rss, _ = measure(Path(empty), "no_actions", args.runs)
    ours_s, ours_rss, last = measure(args.project, "actions", args.runs)
    print(f"project: {args.project}  (median of {args.runs} fresh processes)")
    print(f"baseline rasa-sdk, no actions : {base_s:6.2f} s  {base_rss:6.0f} MB")
    print(
        f"Sinyal's actions ({last['actions']:>2} actions) : {ours_s:6.2f} s  {ours_rss:6.0f} MB"
        f"  ({ours_s / base_s:.1f}x time, +{ours_rss - base_rss:.0f} MB)"
    )
    print(f"heavy modules loaded: {', '.join(last['heavy']) or 'none'}")  # type: ignore[arg-type]


if __name__ == "__main__":
    main()

"""Start-up of the ``sinyal`` command: how long ``--help`` takes before any work is done.

Each command below runs N times (default 5) in a fresh subprocess, as a user runs it (the
installed entry point, a new interpreter every time), round-robin so that a load spike on a
shared machine hits every command alike, after one discarded warm-up run each. Reported: the
median and the fastest wall time, and the median as a multiple of two same-run baselines:
``python -c pass`` (the interpreter alone) and a minimal Typer app (one group, one subcommand)
asked for the same kind of help: the floor any Typer command stands on, since Typer imports
rich's help renderer (rich.markdown, rich.traceback) and, for a subcommand, Pydantic.
``python -c "import typer"`` is shown too.

Two modes, because the machines this was measured on set ``PYTHONDONTWRITEBYTECODE=1`` and
have no ``__pycache__``, so every start compiles every module it imports from source:

* ``env``: this process's environment as it is (whatever its bytecode setting);
* ``cached``: a bytecode cache in a temporary ``PYTHONPYCACHEPREFIX``, as a normal install
  has (nothing is written to the project or the virtualenv).

Aim (issue 16): every ``--help`` here at most 0.5 s.

Before and after (issue 16; the 2-core shared machine, other work running: load average 1-3;
5 runs, medians in seconds; "before" is the previous commit, run with ``--code``):

                          before env  after env   before cached  after cached
    python -c pass          0.048    0.033-0.051      0.034      0.027-0.044
    typer app --help        0.62     0.48-0.67        0.20       0.18-0.29
    typer app group --help  0.94     0.75-1.13        0.36       0.27-0.44
    sinyal --help           8.7      0.55-0.81        3.2        0.21-0.33
    sinyal doctor --help    8.4      0.88-1.14        3.2        0.30-0.47
    other group helps       7.8-8.9  0.88-1.22        3.2-3.5    0.29-0.49

Before, every command module imported pandas, SQLAlchemy, Alembic, openpyxl, redis, dramatiq,
the scrapers and pydantic-settings at ``import sinyal.cli``. After, the command modules import
typer and rich only, and the engine inside each command function: a help costs what a
minimal Typer app's does (x typer app about 1.0-1.4, most of it noise). Without a bytecode
cache even that floor is over 0.5 s here: Typer 0.29 compiles rich's help renderer and Pydantic
for every help; compiling the virtualenv once (``python -m compileall``) removes that.

    .venv/bin/python benchmarks/cli_startup.py [--runs 5] [--mode both|env|cached]
        [--code DIR]   # DIR holds another sinyal/ (e.g. `git archive` of an older commit)
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
AIM_SECONDS = 0.5

HELPS: tuple[tuple[str, ...], ...] = (
    ("--help",),
    ("doctor", "--help"),
    ("kpi", "--help"),
    ("scrape", "--help"),
    ("leads", "--help"),
    ("contacts", "suppress", "--help"),
)

# The floor: the smallest Typer app shaped like sinyal (a group with a sub-group).
MINIMAL_TYPER_APP = """
import typer
app = typer.Typer(help="minimal", no_args_is_help=True)
sub = typer.Typer(help="a group", no_args_is_help=True)
app.add_typer(sub, name="group")
@sub.command()
def command(flag: bool = False) -> None:
    '''A command.'''
app()
"""

# `sinyal` from another tree (--code): the same entry point, another sinyal package first.
ENTRY_FROM = "import sys; sys.path.insert(0, {code!r}); from sinyal.cli import app; app()"


def timed(argv: list[str], env: dict[str, str]) -> float:
    """Seconds one fresh run of ``argv`` took; a failed run stops the benchmark."""
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, cwd=PROJECT, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"{' '.join(argv)} exited {done.returncode}:\n{done.stderr}")
    return elapsed


def measure(
    commands: dict[str, list[str]], runs: int, env: dict[str, str]
) -> dict[str, list[float]]:
    """Wall times of each command, round-robin, after one discarded warm-up run each."""
    for argv in commands.values():
        timed(argv, env)
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, argv in commands.items():
            times[name].append(timed(argv, env))
    return times


def report(title: str, times: dict[str, list[float]]) -> None:
    median = {name: statistics.median(t) for name, t in times.items()}
    bare = median["python -c pass"]
    print(f"\n{title}")
    print(f"{'command':<34}{'median':>8}{'fastest':>9}{'x pass':>8}{'x typer app':>13}  aim")
    for name, t in times.items():
        aim = ""
        floor = ""
        if name.startswith("sinyal"):
            aim = "ok" if median[name] <= AIM_SECONDS else "OVER"
            peer = "typer app --help" if name == "sinyal --help" else "typer app group --help"
            floor = f"{median[name] / median[peer]:.2f}"
        ratio = median[name] / bare
        print(f"{name:<34}{median[name]:>8.3f}{min(t):>9.3f}{ratio:>8.1f}{floor:>13}  {aim}")
    slowest = max(m for name, m in median.items() if name.startswith("sinyal"))
    print(f"slowest sinyal help: median {slowest:.3f} s; python -c pass {bare:.3f} s (same run)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="fresh subprocesses per command")
    parser.add_argument("--mode", choices=("both", "env", "cached"), default="both")
    parser.add_argument(
        "--sinyal",
        type=Path,
        default=Path(sys.executable).with_name("sinyal"),
        help="the installed entry point (default: next to this interpreter)",
    )
    parser.add_argument("--code", type=Path, help="run the sinyal package in this directory")
    args = parser.parse_args()
    python = sys.executable
    if args.code is not None:
        if not (args.code / "sinyal" / "cli.py").exists():
            sys.exit(f"{args.code}: no sinyal/cli.py there")
        entry = [python, "-c", ENTRY_FROM.format(code=str(args.code.resolve()))]
    elif args.sinyal.exists():
        entry = [str(args.sinyal)]
    else:
        sys.exit(f"{args.sinyal}: no such command (install the engine: make setup)")

    commands = {
        "python -c pass": [python, "-c", "pass"],
        'python -c "import typer"': [python, "-c", "import typer"],
        "typer app --help": [python, "-c", MINIMAL_TYPER_APP, "--help"],
        "typer app group --help": [python, "-c", MINIMAL_TYPER_APP, "group", "--help"],
    }
    for help_args in HELPS:
        commands[f"sinyal {' '.join(help_args)}"] = [*entry, *help_args]

    env = {**os.environ, "COLUMNS": "100"}
    print(f"{args.runs} fresh runs each, wall time in seconds; aim: --help <= {AIM_SECONDS} s")
    if args.code is not None:
        print(f"sinyal from {args.code}")
    if args.mode in ("both", "env"):
        cache = "off" if env.get("PYTHONDONTWRITEBYTECODE") else "as configured"
        report(f"[env] bytecode cache {cache}", measure(commands, args.runs, env))
    if args.mode in ("both", "cached"):
        with tempfile.TemporaryDirectory(prefix="cli-startup-pyc-") as prefix:
            cached = {k: v for k, v in env.items() if k != "PYTHONDONTWRITEBYTECODE"}
            cached["PYTHONPYCACHEPREFIX"] = prefix
            report(
                "[cached] bytecode cache in a temporary directory",
                measure(commands, args.runs, cached),
            )


if __name__ == "__main__":
    main()

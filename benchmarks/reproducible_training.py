"""Does the same data train the same model? Train N times from scratch and compare predictions.

Each run trains with `sinyal train`'s environment (sinyal.runtime.training.training_env: one
TensorFlow thread per pool, deterministic ops, fixed hash seed) into its own directory with its
own empty Rasa cache, so no run reuses another's components. Every held-out utterance in
bot/eval/ is then parsed by every model; reported: training time per run, and against run 1 the
share of utterances with the same intent and the largest confidence difference.

With --seeds 1,2,3 each run gets its own DIET/TED random_seed instead: differently trained
models, for checking that the conversation logic does not depend on one model (copy a model to
bot/models/current.tar.gz and run tests/system/test_conversations.py against it).

    .venv/bin/python benchmarks/reproducible_training.py [--runs 2] [--seeds 1,2,3] [--keep DIR]
        [--reference bot/models/current.tar.gz]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml
from nlu_heldout import SETS, examples, rasa_predictions

from sinyal.runtime.training import train_command, training_env
from sinyal.settings import load_settings

PROJECT = Path(__file__).resolve().parent.parent


def config_with_seed(seed: int | None, directory: Path) -> Path:
    """config.yml, with every component's random_seed set to ``seed`` (unchanged for None)."""
    config = yaml.safe_load((PROJECT / "config.yml").read_text())
    if seed is not None:
        for part in ("pipeline", "policies"):
            for component in config[part]:
                if "random_seed" in component:
                    component["random_seed"] = seed
    path = directory / "config.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def train(run: int, seed: int | None, work: Path) -> tuple[Path, float]:
    settings = load_settings()
    directory = work / f"run{run}"
    directory.mkdir(parents=True)
    command = train_command(settings)
    command[command.index("--config") + 1] = str(config_with_seed(seed, directory))
    command[command.index("--out") + 1] = str(directory)
    env = {**training_env(settings), "RASA_CACHE_DIRECTORY": str(directory / "cache")}
    started = time.perf_counter()
    subprocess.run(command, cwd=settings.bot_dir, env=env, check=True, stdout=subprocess.DEVNULL)
    return directory / "current.tar.gz", time.perf_counter() - started


def compare(first: list[dict[str, Any]], other: list[dict[str, Any]]) -> tuple[float, float]:
    same = sum(a["intent"] == b["intent"] for a, b in zip(first, other, strict=True))
    drift = max(
        abs((a["confidence"] or 0.0) - (b["confidence"] or 0.0))
        for a, b in zip(first, other, strict=True)
    )
    return same / len(first), drift


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--seeds", help="comma-separated random seeds, one run each")
    parser.add_argument("--keep", type=Path, help="copy the trained models here")
    parser.add_argument(
        "--reference", type=Path, help="a model trained the same way before: compare with it too"
    )
    args = parser.parse_args()
    seeds: list[int | None] = (
        [int(s) for s in args.seeds.split(",")] if args.seeds else [None] * args.runs
    )
    texts = [
        text for files in SETS.values() for path in files.values() for text, _ in examples(path)
    ]
    with tempfile.TemporaryDirectory() as tmp:
        models, predictions = [], []
        for run, seed in enumerate(seeds, start=2 if args.reference else 1):
            model, seconds = train(run, seed, Path(tmp))
            print(
                f"run {run} (seed {seed or 'from config.yml'}): trained in {seconds:.0f} s",
                flush=True,
            )
            models.append(model)
            predictions.append(rasa_predictions(texts, model))
        if args.reference:  # parsed last: it may be the model `sinyal train` is still writing
            predictions.insert(0, rasa_predictions(texts, args.reference.resolve()))
            print(f"run 1: the reference model {args.reference}", flush=True)
        for run, other in enumerate(predictions[1:], start=2):
            same, drift = compare(predictions[0], other)
            print(
                f"run {run} vs run 1 on {len(texts)} held-out utterances: same intent {same:.1%}, "
                f"largest confidence difference {drift:.2e}"
            )
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
            for run, model in enumerate(models, start=1):
                shutil.copy(model, args.keep / f"run{run}.tar.gz")


if __name__ == "__main__":
    main()

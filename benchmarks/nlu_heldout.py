"""Intent classification on held-out utterances, per language, next to a simple baseline.

The trained model (bot/models/current.tar.gz) classifies every utterance in bot/eval/heldout_*.yml
(never used for training). Reported: macro-F1 over intents, per language and overall.
Aim (issue 4): macro-F1 >= 0.90 in both languages.

Baseline, measured in the same run on the same utterances: nearest training example by cosine
similarity of word and character-trigram counts, "trained" on the same data/nlu.yml. It shows
how much of the score the model earns beyond surface overlap with the training data.

    .venv/bin/python benchmarks/nlu_heldout.py [--model bot/models/current.tar.gz]
"""

from __future__ import annotations

import argparse
import json
import math
import re
import subprocess
import tempfile
import time
from collections import Counter
from pathlib import Path

import yaml

from sinyal.runtime.rasa import rasa_child_env
from sinyal.settings import load_settings

PROJECT = Path(__file__).resolve().parent.parent
HELDOUT = {"en": PROJECT / "bot/eval/heldout_en.yml", "id": PROJECT / "bot/eval/heldout_id.yml"}
TRAINING = PROJECT / "bot/data/nlu.yml"
_ANNOTATION = re.compile(r"\[([^\]]+)\]\([^)]+\)")


def examples(path: Path) -> list[tuple[str, str]]:
    """(text, intent) pairs of a Rasa NLU YAML file, entity annotations removed."""
    pairs = []
    for block in yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]:
        if "intent" not in block:
            continue
        for line in block["examples"].splitlines():
            if line.strip().startswith("- "):
                pairs.append((_ANNOTATION.sub(r"\1", line.strip()[2:]), block["intent"]))
    return pairs


def macro_f1(gold: list[str], predicted: list[str]) -> float:
    scores = []
    for intent in sorted(set(gold)):
        tp = sum(g == p == intent for g, p in zip(gold, predicted, strict=True))
        fp = sum(p == intent != g for g, p in zip(gold, predicted, strict=True))
        fn = sum(g == intent != p for g, p in zip(gold, predicted, strict=True))
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        scores.append(2 * precision * recall / (precision + recall) if precision + recall else 0.0)
    return sum(scores) / len(scores)


def features(text: str) -> Counter[str]:
    lowered = text.lower()
    words = re.findall(r"\w+", lowered)
    grams = [lowered[i : i + 3] for i in range(len(lowered) - 2)]
    return Counter(words + grams)


def cosine(a: Counter[str], b: Counter[str]) -> float:
    dot = sum(count * b[key] for key, count in a.items())
    norm = math.sqrt(sum(v * v for v in a.values())) * math.sqrt(sum(v * v for v in b.values()))
    return dot / norm if norm else 0.0


def nearest_example_baseline(training: list[tuple[str, str]], texts: list[str]) -> list[str]:
    trained = [(features(text), intent) for text, intent in training]
    return [max(trained, key=lambda t: cosine(features(text), t[0]))[1] for text in texts]


def rasa_predictions(texts: list[str], model: Path) -> list[str]:
    settings = load_settings()
    python = settings.bot_dir / ".venv" / "bin" / "python"
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "predictions.json"
        subprocess.run(
            [
                str(python),
                str(PROJECT / "benchmarks/rasa_parse.py"),
                str(model),
                str(out),
            ],
            input=json.dumps(texts),
            capture_output=True,
            text=True,
            env=rasa_child_env(settings),
            cwd=settings.bot_dir,
            check=True,
        )
        return [r["intent"] for r in json.loads(out.read_text())]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=load_settings().model_path)
    args = parser.parse_args()
    heldout = {language: examples(path) for language, path in HELDOUT.items()}
    texts = [text for pairs in heldout.values() for text, _ in pairs]
    started = time.perf_counter()
    model = rasa_predictions(texts, args.model.resolve())
    print(f"classified {len(texts)} held-out utterances in {time.perf_counter() - started:.1f} s")
    baseline = nearest_example_baseline(examples(TRAINING), texts)
    print(f"{'language':<10}{'utterances':>11}{'model F1':>10}{'baseline F1':>13}")
    offset = 0
    errors = []
    for language, pairs in [*heldout.items(), ("all", [p for ps in heldout.values() for p in ps])]:
        gold = [intent for _, intent in pairs]
        if language == "all":
            span = slice(0, len(pairs))
        else:
            span = slice(offset, offset + len(pairs))
            offset += len(pairs)
        print(
            f"{language:<10}{len(pairs):>11}{macro_f1(gold, model[span]):>10.3f}"
            f"{macro_f1(gold, baseline[span]):>13.3f}"
        )
    for (text, intent), predicted in zip(
        [p for ps in heldout.values() for p in ps], model, strict=True
    ):
        if predicted != intent:
            errors.append(f"  {intent:>16} -> {predicted:<16} {text}")
    print(f"misclassified ({len(errors)}):", *errors, sep="\n")


if __name__ == "__main__":
    main()

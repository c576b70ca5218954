"""Intent classification on held-out utterances, per language, next to a simple baseline.

The trained model (bot/models/current.tar.gz) classifies every utterance in bot/eval/ (never
used for training): heldout_*.yml written by the team (issue 4), heldout2_*.yml written by a
helper session that never read the training data (issue 13). Reported per set and language:
macro-F1 over intents (of what the bot acts on: after the exit guard and the fallback), per-intent
F1, the remaining confusions, and destructive misfires: answers to form questions (inform) that
the bot would act on as delete_my_data, job_seeker or not_interested (at or above the guard's
threshold in config.yml). Aims (issue 13): macro-F1 >= 0.93 per language; no misfires.

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
from typing import Any

import yaml

from sinyal.runtime.rasa import rasa_child_env
from sinyal.settings import load_settings

PROJECT = Path(__file__).resolve().parent.parent
SETS = {
    "team": {"en": PROJECT / "bot/eval/heldout_en.yml", "id": PROJECT / "bot/eval/heldout_id.yml"},
    "outsider": {
        "en": PROJECT / "bot/eval/heldout2_en.yml",
        "id": PROJECT / "bot/eval/heldout2_id.yml",
    },
}
TRAINING = PROJECT / "bot/data/nlu.yml"
DESTRUCTIVE = {"delete_my_data", "job_seeker", "not_interested"}
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


def f1_per_intent(gold: list[str], predicted: list[str]) -> dict[str, float]:
    scores = {}
    for intent in sorted(set(gold)):
        tp = sum(g == p == intent for g, p in zip(gold, predicted, strict=True))
        fp = sum(p == intent != g for g, p in zip(gold, predicted, strict=True))
        fn = sum(g == intent != p for g, p in zip(gold, predicted, strict=True))
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        scores[intent] = (
            2 * precision * recall / (precision + recall) if precision + recall else 0.0
        )
    return scores


def macro_f1(gold: list[str], predicted: list[str]) -> float:
    scores = f1_per_intent(gold, predicted)
    return sum(scores.values()) / len(scores)


def guard_thresholds() -> dict[str, float]:
    for component in yaml.safe_load((PROJECT / "config.yml").read_text())["pipeline"]:
        if component["name"].endswith("ExitGuard"):
            return {name: float(value) for name, value in component["thresholds"].items()}
    return {}


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


def rasa_predictions(texts: list[str], model: Path) -> list[dict[str, Any]]:
    """{"intent", "confidence", "ranking"} per text, from the model in the Rasa environment."""
    settings = load_settings()
    python = settings.bot_dir / ".venv" / "bin" / "python"
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "predictions.json"
        subprocess.run(
            [str(python), str(PROJECT / "benchmarks/rasa_parse.py"), str(model), str(out)],
            input=json.dumps(texts),
            capture_output=True,
            text=True,
            env=rasa_child_env(settings),
            cwd=settings.bot_dir,
            check=True,
        )
        return list(json.loads(out.read_text()))


def misfires(
    pairs: list[tuple[str, str]], parsed: list[dict[str, Any]], thresholds: dict[str, float]
) -> list[str]:
    """Form answers the bot would take for delete / job seeker / not interested (and check)."""
    found = []
    for (text, intent), result in zip(pairs, parsed, strict=True):
        top = (result["ranking"] or [{}])[0]
        bar = thresholds.get(top.get("name", ""), 0.0)
        if intent == "inform" and top.get("name") in DESTRUCTIVE and top["confidence"] >= bar:
            found.append(f"  {top['name']} {top['confidence']:.2f}: {text}")
    return found


def normalised(text: str) -> str:
    return re.sub(r"\W+", " ", text).strip().lower()


def unseen(
    heldout: dict[str, list[tuple[str, str]]],
) -> tuple[dict[str, list[tuple[str, str]]], int]:
    """The held-out utterances that the training data does not also hold (and how many did):
    "ya" or "thanks" in both is unavoidable, and would measure memory, not understanding."""
    trained = {normalised(text) for text, _ in examples(TRAINING)}
    kept = {
        lang: [p for p in pairs if normalised(p[0]) not in trained]
        for lang, pairs in heldout.items()
    }
    return kept, sum(len(p) for p in heldout.values()) - sum(len(p) for p in kept.values())


def report(name: str, heldout: dict[str, list[tuple[str, str]]], model: Path) -> None:
    heldout, dropped = unseen(heldout)
    print(
        f"\n{name}: {dropped} held-out utterances left out because the training data holds them too"
    )
    pairs = [p for ps in heldout.values() for p in ps]
    started = time.perf_counter()
    parsed = rasa_predictions([text for text, _ in pairs], model)
    elapsed = time.perf_counter() - started
    predicted = [r["intent"] for r in parsed]
    baseline = nearest_example_baseline(examples(TRAINING), [text for text, _ in pairs])
    print(f"\n== {name} set: {len(pairs)} utterances, classified in {elapsed:.1f} s")
    print(f"{'language':<10}{'utterances':>11}{'model F1':>10}{'baseline F1':>13}")
    offset = 0
    for language, part in [*heldout.items(), ("all", pairs)]:
        span = slice(0, len(pairs)) if language == "all" else slice(offset, offset + len(part))
        offset += 0 if language == "all" else len(part)
        gold = [intent for _, intent in part]
        print(
            f"{language:<10}{len(part):>11}{macro_f1(gold, predicted[span]):>10.3f}"
            f"{macro_f1(gold, baseline[span]):>13.3f}"
        )
    per_intent = f1_per_intent([intent for _, intent in pairs], predicted)
    print("per-intent F1:", ", ".join(f"{i} {f:.2f}" for i, f in per_intent.items()))
    thresholds = guard_thresholds()
    fired = misfires(pairs, parsed, thresholds)
    threshold = min((thresholds.get(name, 0.0) for name in DESTRUCTIVE), default=0.0)
    inform = sum(intent == "inform" for _, intent in pairs)
    print(
        f"destructive misfires on {inform} form answers (>= {threshold}): {len(fired)}",
        *fired,
        sep="\n",
    )
    confusions = Counter(
        f"{intent} -> {guess}"
        for (_, intent), guess in zip(pairs, predicted, strict=True)
        if guess != intent
    )
    print("confusions:", ", ".join(f"{pair} x{n}" for pair, n in confusions.most_common()))
    errors = [
        f"  {intent:>16} -> {guess:<16} {text}"
        for (text, intent), guess in zip(pairs, predicted, strict=True)
        if guess != intent
    ]
    print(f"misclassified ({len(errors)}):", *errors, sep="\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=load_settings().model_path)
    args = parser.parse_args()
    for name, files in SETS.items():
        report(
            name,
            {language: examples(path) for language, path in files.items()},
            args.model.resolve(),
        )


if __name__ == "__main__":
    main()

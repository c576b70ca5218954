"""bot/server.py's quick model loading against Rasa's own, on one trained model: the same
weights in every TensorFlow model and the same reading of messages the bot was never trained
on (the held-out prospects of tests/system/conversations, written without seeing bot/data)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml

from sinyal.runtime.rasa import rasa_child_env, rasa_python
from sinyal.settings import load_settings

pytestmark = pytest.mark.slow

HELDOUT = Path(__file__).parents[1] / "system" / "conversations" / "heldout.yml"


def prospects_messages(limit: int = 150) -> list[str]:
    """What the held-out prospects say: openings and answers, in both languages."""
    messages: list[str] = []
    for script in yaml.safe_load(HELDOUT.read_text()):
        messages.append(script["opening"])
        messages += [a for a in script.get("answers", {}).values() if isinstance(a, str)]
    return list(dict.fromkeys(m for m in messages if m.strip()))[:limit]


def test_quick_load_gives_the_model_rasa_would_have_loaded(
    trained_model: Path, tmp_path: Path
) -> None:
    settings = load_settings()
    messages, output = prospects_messages(), tmp_path / "loaded.json"
    done = subprocess.run(
        [
            str(rasa_python(settings)),
            str(Path(__file__).with_name("quick_load_check.py")),
            str(trained_model),
            str(output),
        ],
        input=json.dumps(messages),
        cwd=settings.bot_dir,
        env=rasa_child_env(settings),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(output.read_text())
    rasa, quick = result["rasa"], result["quick"]
    # The quick path was taken for both models, not the fallback to Rasa's own.
    assert sorted(result["quick_load_said"]) == [
        "DIET loaded without its training step",
        "TED loaded without its training step",
    ]
    assert len(rasa["weights"]) == 2 and all(rasa["weights"].values())
    assert quick["weights"] == rasa["weights"]
    assert len(quick["parsed"]) == len(messages) > 100
    assert quick["parsed"] == rasa["parsed"]

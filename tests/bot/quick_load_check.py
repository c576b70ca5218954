"""Run by tests/bot/test_quick_load.py in the Rasa environment (cwd bot/): load the model Rasa's
way and the quick way (bot/server.py), in one process, and write as JSON (to the file named
second) what each makes of the messages given on stdin and the weights of each TensorFlow model."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import sys
from typing import Any

import server
from rasa.core.agent import Agent
from rasa.utils.tensorflow.models import RasaModel


def understood(agent: Agent, messages: list[str]) -> list[dict[str, Any]]:
    results = []
    for message in messages:
        parsed = asyncio.run(agent.parse_message(message))
        results.append(
            {
                "ranking": [(r["name"], r["confidence"]) for r in parsed["intent_ranking"]],
                "entities": [(e["entity"], e["value"], e["start"]) for e in parsed["entities"]],
            }
        )
    return results


def weights(agent: Agent) -> dict[str, list[tuple[list[int], str]]]:
    """Each TensorFlow model's variables, as (shape, digest of the values), in a stable order."""
    found = {}
    for name, node in agent.processor.graph_runner._instantiated_nodes.items():
        model = getattr(node._component, "model", None)
        if isinstance(model, RasaModel):
            found[name] = sorted(
                (list(v.shape), hashlib.sha256(v.numpy().tobytes()).hexdigest())
                for v in model.weights
            )
    return found


class Said(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def main() -> None:
    model, output, messages = sys.argv[1], sys.argv[2], json.load(sys.stdin)
    slow = Agent.load(model)
    said = Said()
    server.logger.addHandler(said)
    server.logger.setLevel(logging.INFO)
    RasaModel.load = classmethod(server.quick_load)
    quick = Agent.load(model)
    with open(output, "w") as out:
        json.dump(
            {
                "rasa": {"parsed": understood(slow, messages), "weights": weights(slow)},
                "quick": {"parsed": understood(quick, messages), "weights": weights(quick)},
                "quick_load_said": said.lines,
            },
            out,
        )


if __name__ == "__main__":
    main()

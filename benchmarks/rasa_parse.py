"""Parse texts with a trained Rasa model; runs in the Rasa environment (bot/.venv, Python 3.10).

Reads a JSON list of texts on stdin, writes a JSON list of {"intent", "confidence", "ranking"}
to the file named second (Rasa logs to stdout). "intent" is what the bot acts on (after
components.guard and the FallbackClassifier); "ranking" is DIET's, best first.
Used by benchmarks/nlu_heldout.py, which runs in the engine's environment.
"""

import asyncio
import json
import sys

from rasa.core.agent import Agent


async def main(model_path: str, out_path: str) -> None:
    texts = json.load(sys.stdin)
    agent = Agent.load(model_path)
    results = []
    for text in texts:
        parsed = await agent.parse_message(text)
        intent = parsed.get("intent") or {}
        ranking = [
            {"name": r.get("name"), "confidence": r.get("confidence")}
            for r in parsed.get("intent_ranking") or []
            if r.get("name") != "nlu_fallback"
        ]
        results.append(
            {
                "intent": intent.get("name"),
                "confidence": intent.get("confidence"),
                "ranking": ranking,
            }
        )
    with open(out_path, "w") as out:
        json.dump(results, out)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))

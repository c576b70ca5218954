"""Intents that end or derail a chat count only when the classifier is sure of them.

"We need a data engineer" read as ``delete_my_data`` (0.70) once erased a prospect's answers;
"job ads and one agency" read as ``job_seeker`` sent a hiring manager to the candidates page.
The cost is asymmetric: a missed "goodbye" costs one more question, a wrong one costs the
prospect. So below their threshold these intents give way to the best-ranked intent that is not
guarded; the FallbackClassifier after this component then decides whether that one is sure
enough, and inside the form an unsure message is read as the answer to the question asked.

The destructive ones (delete, job seeker, not interested) are confirmed by the bot even when
the classifier is sure (data/rules.yml); this component only keeps the unsure ones away.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

#: Guarded intents and the confidence each needs. The ones the bot confirms with a question
#: ("Just to check: ...?") can afford a lower bar than the ones it acts on at once.
GUARDED = {
    "delete_my_data": 0.6,
    "job_seeker": 0.6,
    "not_interested": 0.6,
    "goodbye": 0.9,
    "request_human": 0.9,
}


def guard_intent(
    intent: dict[str, Any] | None,
    ranking: list[dict[str, Any]],
    guarded: Mapping[str, float] = GUARDED,
) -> dict[str, Any] | None:
    """The intent to act on: the classifier's, or the best unguarded one when it is unsure."""
    if not intent or intent.get("name") not in guarded:
        return intent
    if float(intent.get("confidence") or 0.0) >= guarded[intent["name"]]:
        return intent
    for candidate in ranking:
        if candidate.get("name") not in guarded:
            return {"name": candidate["name"], "confidence": candidate.get("confidence", 0.0)}
    return {"name": "nlu_fallback", "confidence": 0.0}


try:  # the Rasa side; the function above is importable without Rasa (tests, tools)
    from rasa.engine.graph import ExecutionContext, GraphComponent
    from rasa.engine.recipes.default_recipe import DefaultV1Recipe
    from rasa.engine.storage.resource import Resource
    from rasa.engine.storage.storage import ModelStorage
    from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY
    from rasa.shared.nlu.training_data.message import Message
    from rasa.shared.nlu.training_data.training_data import TrainingData
except ImportError:  # pragma: no cover - only outside the Rasa environment
    pass
else:

    @DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
    class ExitGuard(GraphComponent):
        """Replaces an unsure guarded intent by the best unguarded one (see the module doc)."""

        def __init__(self, config: dict[str, Any]) -> None:
            thresholds = config.get("thresholds") or GUARDED
            self.guarded = {name: float(value) for name, value in thresholds.items()}

        @staticmethod
        def get_default_config() -> dict[str, Any]:
            return {"thresholds": dict(GUARDED)}

        @classmethod
        def create(
            cls,
            config: dict[str, Any],
            model_storage: ModelStorage,
            resource: Resource,
            execution_context: ExecutionContext,
        ) -> ExitGuard:
            return cls(config)

        def process_training_data(self, training_data: TrainingData) -> TrainingData:
            return training_data

        def process(self, messages: list[Message]) -> list[Message]:
            for message in messages:
                intent = message.get(INTENT)
                chosen = guard_intent(intent, message.get(INTENT_RANKING_KEY) or [], self.guarded)
                if chosen is not intent:
                    message.set(INTENT, chosen, add_to_output=True)
            return messages

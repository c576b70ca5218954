"""The NLU guard: intents that end a chat count only when the classifier is sure of them."""

from bot.components.guard import GUARDED, guard_intent

RANKING = [
    {"name": "delete_my_data", "confidence": 0.70},
    {"name": "job_seeker", "confidence": 0.12},
    {"name": "inform", "confidence": 0.10},
    {"name": "greet", "confidence": 0.08},
]


def test_an_unsure_exit_gives_way_to_the_best_unguarded_intent() -> None:
    chosen = guard_intent({"name": "delete_my_data", "confidence": 0.55}, RANKING)
    assert chosen == {"name": "inform", "confidence": 0.10}
    goodbye = {"name": "goodbye", "confidence": 0.85}  # acted on at once: a higher bar
    assert guard_intent(goodbye, [goodbye, *RANKING[2:]]) == {"name": "inform", "confidence": 0.10}


def test_a_sure_exit_stands() -> None:
    sure = {"name": "delete_my_data", "confidence": GUARDED["delete_my_data"]}
    assert guard_intent(sure, [sure, *RANKING[1:]]) is sure


def test_other_intents_pass_whatever_their_confidence() -> None:
    faq = {"name": "ask_fees", "confidence": 0.31}
    assert guard_intent(faq, [faq]) is faq
    assert guard_intent(None, []) is None


def test_nothing_unguarded_ranked_means_fallback() -> None:
    only_exits = [{"name": name, "confidence": 0.2} for name in GUARDED]
    assert guard_intent(only_exits[0], only_exits) == {"name": "nlu_fallback", "confidence": 0.0}


def test_the_guarded_set_and_thresholds_come_from_config() -> None:
    ranking = [{"name": "goodbye", "confidence": 0.6}, {"name": "thank", "confidence": 0.3}]
    assert guard_intent(ranking[0], ranking, guarded={"goodbye": 0.5}) is ranking[0]
    assert guard_intent(ranking[0], ranking, guarded={"goodbye": 0.7}) == {
        "name": "thank",
        "confidence": 0.3,
    }

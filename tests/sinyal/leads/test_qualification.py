import pytest
from pydantic import ValidationError

from sinyal.flows.qualification import QualificationRules, ScoreRule
from sinyal.leads.qualification import (
    assess,
    parse_company_size,
    parse_count,
    parse_duration_days,
    parse_fee_model,
    parse_urgency,
    parse_yes_no,
)
from sinyal.store.models import LeadStatus


@pytest.mark.parametrize(
    ("text", "count"),
    [("3", 3), ("three", 3), ("2-3 devs", 3), ("tiga orang", 3), ("a couple", 2),
     ("we need 5 Java developers", 5), ("an engineer", None), ("none", None)],
)  # fmt: skip
def test_count(text: str, count: int | None) -> None:
    assert parse_count(text) == count


@pytest.mark.parametrize(
    ("text", "days"),
    [("4 months", 120), ("half a year", 182), ("sebulan", 30), ("3 minggu", 21),
     ("about 120 days", 120), ("sudah 6 bulan", 180), ("for a year now", 365), ("4", None),
     ("about four months now", 120), ("a couple of months", 60), ("4+ months", 120)],
)  # fmt: skip
def test_duration(text: str, days: int | None) -> None:
    assert parse_duration_days(text) == days


@pytest.mark.parametrize(
    ("text", "urgency"),
    [("asap", "asap"), ("not urgent", "later"), ("in 2 months", "soon"), ("segera", "asap"),
     ("bulan depan", "asap"), ("next year", "later"),
     ("secepatnya, bulan depan kalau bisa", "asap"), ("no rush", "later"),
     ("tidak buru-buru", "later"), ("within 2 weeks", "asap"), ("hmm", None)],
)  # fmt: skip
def test_urgency(text: str, urgency: str | None) -> None:
    assert parse_urgency(text) == urgency


@pytest.mark.parametrize(
    ("text", "answer"),
    [("yes", True), ("I decide", True), ("no, my CEO decides", False), ("ya", True),
     ("bukan saya, direktur", False), ("my boss", False), ("maybe", None)],
)  # fmt: skip
def test_yes_no(text: str, answer: bool | None) -> None:
    assert parse_yes_no(text) is answer


@pytest.mark.parametrize(
    ("text", "model"),
    [("success fee", "success"), ("a retainer", "retainer"), ("both are fine", "either"),
     ("no", "no"), ("tidak", "no"), ("keduanya", "either"), ("hmm", None)],
)  # fmt: skip
def test_fee_model(text: str, model: str | None) -> None:
    assert parse_fee_model(text) == model


@pytest.mark.parametrize(
    ("text", "size"),
    [("about 250", 250), ("1,200 people", 1200), ("2k", 2000), ("sekitar 80 karyawan", 80),
     ("1.500", 1500), ("lots", None)],
)  # fmt: skip
def test_company_size(text: str, size: int | None) -> None:
    assert parse_company_size(text) == size


def test_default_rules_qualify_an_urgent_decider_without_the_fee_question() -> None:
    answers = {"urgency": "asap", "positions": 1, "decision_maker": True}
    result = assess(answers, QualificationRules())
    assert (result.score, result.status) == (65, LeadStatus.QUALIFIED)
    assert "urgency = asap: +30" in result.reasons
    with_fees = assess({**answers, "positions": 3, "fee_model": "success"}, QualificationRules())
    assert with_fees.score == 85


def test_the_default_required_answers_leave_the_rest_to_the_consultant() -> None:
    assert QualificationRules().required == [
        "company", "hiring_roles", "positions", "urgency", "decision_maker"
    ]  # fmt: skip
    with pytest.raises(ValidationError):
        QualificationRules(required=["salary"])


def test_nurture_below_the_qualified_threshold_and_disqualify_rules_win() -> None:
    rules = QualificationRules()
    assert assess({"urgency": "soon", "positions": 1}, rules).status is LeadStatus.NURTURE
    blocked = {"urgency": "asap", "positions": 9, "decision_maker": True, "fee_model": "no"}
    assert assess(blocked, rules).status is LeadStatus.DISQUALIFIED
    assert assess({}, rules).status is LeadStatus.DISQUALIFIED


def test_rules_are_validated() -> None:
    with pytest.raises(ValidationError, match="exactly one"):
        ScoreRule(answer="positions", points=5)
    with pytest.raises(ValidationError):
        ScoreRule.model_validate({"answer": "shoe_size", "equals": 42})
    with pytest.raises(ValidationError, match="nurture_at"):
        QualificationRules(qualified_at=10, nurture_at=50)
    rule = ScoreRule.model_validate({"answer": "fee_model", "in": ["success"], "points": 3})
    assert rule.matches({"fee_model": "success"}) and not rule.matches({"fee_model": "no"})
    assert not ScoreRule(answer="positions", at_least=2).matches({"positions": True})

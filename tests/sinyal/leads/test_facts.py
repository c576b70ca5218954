"""Several answers in one message, and the role without the sentence around it."""

from datetime import date

import pytest

from sinyal.leads.facts import clean_role, count_of_role, read_facts

TODAY = date(2026, 11, 25)


@pytest.mark.parametrize(
    ("text", "facts"),
    [
        (
            "we need 3 welders asap, I'm the plant manager, 0151 2345678",
            {"positions": 3, "hiring_roles": "welders", "urgency": "asap", "decision_maker": True},
        ),
        (
            "hi, we are looking for 5 nurses for our clinic, they should start in January",
            {"positions": 5, "hiring_roles": "nurses", "urgency": "soon"},
        ),
        (
            "kami butuh 2 orang barista senior secepatnya",
            {"positions": 2, "hiring_roles": "barista senior", "urgency": "asap"},
        ),
        (
            "nyari 3 kasir, udah buka 4 bulan",
            {"positions": 3, "hiring_roles": "kasir", "open_days": 120},
        ),
        ("the role has been open since March", {"open_days": 269}),
        ("my boss decides on that", {"decision_maker": False}),
        ("no rush really", {"urgency": "later"}),
        ("actually we need 3", {"positions": 3}),
        (
            "I'm at Stahlwerk Rhein GmbH, we need three welders, starting within two weeks",
            {
                "positions": 3,
                "hiring_roles": "welders",
                "company": "Stahlwerk Rhein GmbH",
                "urgency": "asap",
            },
        ),
        ("PT Kopi Nusantara, lagi nyari barista", {"company": "PT Kopi Nusantara"}),
        ("yes we still need ICU nurses, four of them", {"positions": 4}),
        ("we might need a couple of bus drivers", {"positions": 2, "hiring_roles": "bus drivers"}),
        ("masih butuh 2 orang", {"positions": 2}),
        # Words that look like answers but state none plainly: nothing is taken.
        ("job ads and one agency", {}),
        ("right now we have nobody", {}),
        ("we posted it in January", {}),
    ],
)
def test_read_facts(text: str, facts: dict[str, object]) -> None:
    assert read_facts(text, TODAY) == facts


@pytest.mark.parametrize(
    ("text", "role", "count"),
    [
        ("yes, we still need two senior java developers", "senior java developers", 2),
        ("we need a data engineer", "data engineer", 1),
        ("two nurses", "nurses", 2),
        ("need 2 more drivers by Q1", "drivers", 2),
        ("Senior Java Developer", "Senior Java Developer", None),
        ("barista senior", "barista senior", None),
        ("yes", None, None),
        ("no", None, None),
    ],
)
def test_clean_role_and_count(text: str, role: str | None, count: int | None) -> None:
    assert (clean_role(text), count_of_role(text)) == (role, count)

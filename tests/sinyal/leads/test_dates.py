"""Calendar words: days until a named start, days since a named opening (fixed "today")."""

from datetime import date

import pytest

from sinyal.leads.dates import days_since, days_until

TODAY = date(2026, 11, 25)


@pytest.mark.parametrize(
    ("text", "days"),
    [("ideally they start in January", 51), ("januari", 51), ("mulai Februari", 82),
     ("by Q1", 82), ("kuartal pertama", 82), ("before Lebaran", 105), ("next week", 10),
     ("next month", 30), ("bulan depan", 30), ("this month", 10), ("in may", 171),
     ("early next year", 68), ("end of the year", 36), ("in November", 0),
     ("may I ask something", None), ("we have four open roles", None),
     ("open since March", None)],
)  # fmt: skip
def test_days_until(text: str, days: int | None) -> None:
    assert days_until(text, TODAY) == days


@pytest.mark.parametrize(
    ("text", "days"),
    [("since March", 269), ("sejak bulan Maret", 269), ("open since jan", 328),
     ("dari awal tahun", 328), ("since the start of the year", 328), ("since last year", 365),
     ("since december", 359), ("four months", None), ("start in March", None)],
)  # fmt: skip
def test_days_since(text: str, days: int | None) -> None:
    assert days_since(text, TODAY) == days


def test_lebaran_after_the_known_years_is_not_guessed() -> None:
    assert days_until("before Lebaran", date(2031, 1, 1)) is None

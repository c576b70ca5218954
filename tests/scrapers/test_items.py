from datetime import date

import pytest

from scrapers.items import clean_text, parse_date


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-05-04", date(2026, 5, 4)),
        ("2026-05-04T08:00:00-04:00", date(2026, 5, 4)),
        ("2026-05-04T23:30:00-04:00", date(2026, 5, 5)),  # UTC day
        ("2026-06-15T09:00:00Z", date(2026, 6, 15)),
        ("2026-03-20 08:00:00 UTC", date(2026, 3, 20)),
        (1746057600000, date(2025, 5, 1)),  # Lever: epoch milliseconds
        (1746057600, date(2025, 5, 1)),
        ("1746057600000", date(2025, 5, 1)),
        ("", None),
        (None, None),
        ("next week", None),
        ("2026-13-45", None),
        (True, None),
    ],
)
def test_parse_date(value: object, expected: date | None) -> None:
    assert parse_date(value) == expected


def test_clean_text_strips_html_and_entities() -> None:
    assert clean_text("<p>Wir suchen <b>Verst&auml;rkung</b>&nbsp;&amp; mehr</p>") == (
        "Wir suchen Verstärkung & mehr"
    )
    assert clean_text("  ") is None
    assert clean_text(None) is None

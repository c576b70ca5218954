"""consultants.yml: validated with file:line errors, synced to the table without losing history."""

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from sinyal.handover.consultants import ConsultantsError, load_consultants, sync_consultants
from sinyal.store import Store
from sinyal.store.models import Consultant

TEAM = """\
consultants:
  - name: Markus Brandt
    email: markus@agency.example
    telegram_chat_id: 1001
    languages: [de, en]
    working_hours:
      {days: [mon, tue, wed, thu, fri], from: "08:00", to: "17:00", timezone: Europe/Berlin}
  - name: Dewi Lestari
    languages: [id]
"""


def test_load_and_sync_add_update_and_deactivate(tmp_path: Path, store: Store) -> None:
    path = tmp_path / "consultants.yml"
    path.write_text(TEAM)
    configs = load_consultants(path)
    assert configs[0].working_hours is not None
    monday_9 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # 09:00 in Berlin
    saturday = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
    assert configs[0].working_hours.covers(monday_9)
    assert not configs[0].working_hours.covers(saturday)
    with store.transaction() as s:
        assert sync_consultants(s, configs) == {"added": 2, "updated": 0, "deactivated": 0}
    path.write_text("consultants:\n  - name: Dewi Lestari\n    languages: [id, en]\n")
    with store.transaction() as s:
        counts = sync_consultants(s, load_consultants(path))
        assert counts == {"added": 0, "updated": 1, "deactivated": 1}
        rows = {c.name: c for c in s.scalars(select(Consultant))}
    assert rows["Dewi Lestari"].languages == ["id", "en"] and rows["Dewi Lestari"].active
    assert not rows["Markus Brandt"].active  # kept: their leads still point at them
    assert rows["Markus Brandt"].working_hours["from"] == "08:00:00"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("consultants:\n  - name: A\n  - name: B\n    email: not-an-email\n",
         r"consultants.yml:3: consultant #2: email: value is not a valid email"),
        ("consultants:\n  - name: A\n    working_hours: {timezone: Mars/Olympus}\n",
         r":2: consultant #1: working_hours.timezone: Value error, unknown time zone"),
        ("consultants:\n  - name: A\n  - name: A\n", r":3: consultant 'A' is listed twice"),
        ("consultants:\n  - name: A\n    phone: 123\n", r"phone: Extra inputs are not permitted"),
        ("- name: A\n", r"expected a top-level 'consultants:' list"),
    ],
)  # fmt: skip
def test_errors_name_the_file_line_and_field(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "consultants.yml"
    path.write_text(text)
    with pytest.raises(ConsultantsError, match=message):
        load_consultants(path)


def test_no_file_means_no_consultants(tmp_path: Path) -> None:
    assert load_consultants(tmp_path / "missing.yml") == []

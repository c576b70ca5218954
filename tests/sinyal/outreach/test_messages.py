"""A rendered outreach message: the subject stays one line whatever the scraped name holds."""

from __future__ import annotations

from sinyal.flows import Variant
from sinyal.outreach.messages import SUBJECT_LIMIT, render_message
from sinyal.settings import Settings
from sinyal.store.models import Company, OutreachMessage


def test_a_line_break_in_a_company_name_cannot_start_a_header() -> None:
    variant = Variant(
        key="A", subject="Still hiring at {{ company }}?", body="Hello from us.", weight=1
    )
    company = Company(name="Evil GmbH\r\nBcc: everyone@victim.example", normalized_name="evil")
    rendered = render_message(Settings(), variant, OutreachMessage(token="t1"), company, None, None)
    assert rendered.subject == "Still hiring at Evil GmbH Bcc: everyone@victim.example?"
    assert "\n" not in rendered.subject and "\r" not in rendered.subject
    long = Company(name="X" * 500, normalized_name="x")
    assert (
        len(
            render_message(
                Settings(), variant, OutreachMessage(token="t2"), long, None, None
            ).subject
        )
        == SUBJECT_LIMIT
    )

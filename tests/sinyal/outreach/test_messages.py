"""A rendered outreach message: the subject stays one line whatever the scraped name holds."""

from __future__ import annotations

from sinyal.flows import Variant
from sinyal.outreach.messages import SUBJECT_LIMIT, render_message
from sinyal.settings import Settings
from sinyal.store.models import Company, OutreachMessage, Trigger


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


def test_the_first_message_can_say_why_now_from_the_strongest_news_signal() -> None:
    variant = Variant(
        key="A",
        subject="{{ company }}",
        body="{% if signal.summary %}We read: {{ signal.summary }} ({{ signal.date }}). "
        "{% endif %}{{ role }} is open for {{ days_open }} days.",
    )
    company = Company(name="Nordwind Logistik GmbH", normalized_name="nordwind logistik")
    posting = {"title": "Disponent (m/w/d)", "days_open": 140}
    news = [
        {"type": "expansion", "evidence": "Nordwind baut ein Lager in Bremen.", "weight": 1.6,
         "published_at": "2026-11-10", "url": "https://news.example/n"},
        {"type": "funding", "evidence": "Older news.", "weight": 0.2,
         "published_at": "2026-03-01", "url": "https://news.example/m"},
    ]  # fmt: skip
    with_news = Trigger(evidence={"postings": [posting], "signals": news})
    without = Trigger(evidence={"postings": [posting], "signals": []})
    said = render_message(
        Settings(), variant, OutreachMessage(token="t3"), company, with_news, None
    )
    assert said.body.startswith("We read: Nordwind baut ein Lager in Bremen. (2026-11-10). ")
    news[0]["url"] = "javascript:alert(1)"  # a scraped link is only a link if it is http(s)
    linked = Variant(key="B", subject="s", body="[{{ signal.url }}]")
    hostile = Trigger(evidence={"postings": [posting], "signals": news})
    assert render_message(
        Settings(), linked, OutreachMessage(token="t5"), company, hostile, None
    ).body.startswith("[]")
    plain = render_message(Settings(), variant, OutreachMessage(token="t4"), company, without, None)
    assert plain.body.startswith("Disponent (m/w/d) is open for 140 days.")

"""What prospects typed, made safe to show: one line each, bounded, in headers and in Telegram."""

from __future__ import annotations

from sinyal.handover.notify.card import COMPANY_LIMIT, VALUE_LIMIT, render
from sinyal.handover.notify.channels import TELEGRAM_TEXT_LIMIT, header_value, sender, telegram_text
from sinyal.store.models import Consultant, Lead
from sinyal.text import one_line


def test_one_line_removes_breaks_controls_and_bidi_overrides() -> None:
    typed = "Acme\r\nBcc: x@evil.example\x00\x1b[31m\u2028Phone:\u202e 0151\ud800 \t end"
    assert one_line(typed, 200) == "Acme Bcc: x@evil.example [31m Phone: 0151 end"
    assert one_line("a" * 50, 10) == "a" * 9 + "…"
    assert one_line("Kopi Nusantara — Café ☕ 👩‍💻", 200) == "Kopi Nusantara — Café ☕ 👩‍💻"


def test_a_card_shows_every_value_on_its_own_line_and_bounded() -> None:
    lead = Lead(
        id=7,
        company_name="Evil GmbH\nPhone: +1 555 0100\n" + "x" * 500,
        contact_name="Ana\r\nEmail: fake@evil.example",
        phone="+6281234567890",
        answers={"hiring_roles": ["Barista\nLead", "Roaster"], "company_location": "y" * 999},
        flags=["freemail\n"],
        score=75.0,
        status="qualified",
        stage="new",
    )
    card = render(lead, Consultant(name="Dewi\nBoss"), "https://sinyal.example", kind="new_lead")
    assert "\n" not in card.title and len(card.title) < COMPANY_LIMIT + 40
    lines = card.text().splitlines()
    assert [line.split(":")[0] for line in lines[2:-2]] == [
        "Roles", "Location", "Name", "Phone", "Note", "For",
    ]  # fmt: skip
    assert all(len(value) <= VALUE_LIMIT for _, value in card.facts)
    assert card.data["lead"]["company"] == lead.company_name  # the webhook's JSON, as stored


def test_telegram_text_is_cut_to_what_telegram_accepts() -> None:
    assert telegram_text("short") == "short"
    long = "👩‍💻" * 2000  # 5 UTF-16 units each
    cut = telegram_text(long)
    assert len(cut.encode("utf-16-le")) // 2 <= TELEGRAM_TEXT_LIMIT and cut.endswith("…")


def test_header_values_and_sender_names_are_one_line() -> None:
    assert header_value("new_lead:12:webhook:crm") == "new_lead:12:webhook:crm"
    assert header_value("new_lead:12:email:dédé@x.example\r\nX-Evil: 1") == (
        "new_lead:12:email:d%C3%A9d%C3%A9@x.example X-Evil: 1"
    )
    address = sender('"Sinyal\r\nBcc: x@evil.example" <sinyal@agency.example>')
    assert (address.display_name, address.addr_spec) == (
        "Sinyal Bcc: x@evil.example",
        "sinyal@agency.example",
    )

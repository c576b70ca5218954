"""One company's account on SQLite and PostgreSQL: every section from the store, one timeline
newest first, found by its name in any form, and no contact's personal data in it."""

import json
from datetime import date

from sinyal.accounts.account import find_companies, load_account
from sinyal.events import lead_event
from sinyal.store import Store
from sinyal.store.models import Company, EventType, Lead
from tests.support.factories import seed_account


def test_every_section_and_the_timeline(store: Store) -> None:
    ids = seed_account(store)
    with store.transaction() as s:
        account = load_account(s, ids["company"])
    assert account is not None
    assert account.company["name"] == "Nordwind Logistik GmbH"
    disponent = [p for p in account.postings if p["title"].startswith("Disponent")]
    assert [p["reposts"] for p in disponent] == [1, 1]  # one role posted twice
    assert [p["open"] for p in account.postings] == [True, True, False]  # open ones first
    closed = account.postings[-1]
    assert closed["days_open"] == (closed["closed_at"].date() - closed["open_since"]).days
    assert [(t["flow"], t["score"]) for t in account.triggers] == [("nordflow", 3.2)]
    assert [s["type"] for s in account.signals] == ["expansion"]
    assert [(m["flow"], m["variant"]) for m in account.messages] == [("nordflow", "short")]
    assert len(account.clicks) == 2 and {c["link"] for c in account.clicks} == {"nordflow / short"}
    assert [(c["outcome"], c["lead"]) for c in account.chats] == [("qualified", ids["lead"])]
    assert [(lead["id"], lead["stage"]) for lead in account.leads] == [(ids["lead"], "won")]
    assert account.lookalike == {
        "score": 0.81, "nearest_won": "Hansa Spedition GmbH",
        "reasons": ["similar roles: disponent", "same country: DE"],
    }  # fmt: skip
    moments = [(m.at.day, m.kind, m.text) for m in account.timeline]
    assert [m.at for m in account.timeline] == sorted(
        (m.at for m in account.timeline), reverse=True
    )
    assert moments[0] == (20, "lead", f"lead #{ids['lead']}: won")
    assert (14, "lead", f"lead #{ids['lead']}: stage changed (stage contacted)") in moments
    assert (12, "click", "link clicked: nordflow / short") in moments
    assert (12, "chat", "chat started (website)") in moments
    assert (10, "outreach", "message sent: nordflow / short by email") in moments
    assert (8, "trigger", "trigger in flow nordflow (open)") in moments
    assert (3, "news", "expansion: Nordwind baut in Achim") in moments
    assert any(
        kind == "posting" and text.startswith("posting closed after") for _, kind, text in moments
    )
    posted = [m for m in account.timeline if m.text == "posted: Lagerist (m/w/d)"]
    assert [m.at.date() for m in posted] == [date(2026, 6, 1)]  # when it went up, not first sight
    disponent = [(m.at.month, m.text) for m in account.timeline if "Disponent" in m.text]
    assert disponent[-2:] == [(7, "re-posted: Disponent (m/w/d)"), (4, "posted: Disponent (m/w/d)")]


def test_no_contact_data_in_the_account(store: Store) -> None:
    ids = seed_account(store)
    with store.transaction() as s:
        s.add(lead_event(EventType.LOST, s.get_one(Lead, ids["lead"]), "web:anna",
                         reason="Jonas Berg left the company"))  # fmt: skip
    with store.transaction() as s:
        account = load_account(s, ids["company"])
    assert account is not None
    text = json.dumps(account.as_json())
    assert "jonas@nordwind.example" not in text and "Jonas Berg" not in text


def test_found_by_name_with_or_without_legal_form_or_by_a_part(store: Store) -> None:
    seed_account(store)
    with store.transaction() as s:
        s.add(Company(name="100% Pflege_Dienst GmbH", normalized_name="100% pflege_dienst"))
        s.flush()
        assert [c.name for c in find_companies(s, "Nordwind Logistik")] == [
            "Nordwind Logistik GmbH"
        ]
        assert [c.name for c in find_companies(s, "nordwind logistik gmbh")] == [
            "Nordwind Logistik GmbH"
        ]
        assert [c.name for c in find_companies(s, "Spedition")] == ["Hansa Spedition GmbH"]
        assert [c.name for c in find_companies(s, "%")] == ["100% Pflege_Dienst GmbH"]
        assert find_companies(s, "_") == [find_companies(s, "100%")[0]]
        assert find_companies(s, "Nobody") == [] and find_companies(s, "  ") == []
        assert load_account(s, 999_999) is None

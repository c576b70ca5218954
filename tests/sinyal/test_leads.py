"""Leads and handovers against both real databases."""

from sqlalchemy import select

from sinyal.conversations import EntryContext
from sinyal.handover import hand_over
from sinyal.leads import Contact, LeadDraft, record_decline, save_lead
from sinyal.qualification import QualificationRules
from sinyal.settings import Settings
from sinyal.store import Store
from sinyal.store.models import Consultant, Conversation, Handover, KpiEvent, Lead, OutreachMessage
from tests.factories import add_outreach

QUALIFYING = {"urgency": "asap", "positions": 3, "decision_maker": True, "fee_model": "success"}
CONTACT = Contact("Ana Putri", "ana@kopi.example", "+6281234567890", "mornings", ("freemail",))


def draft(sender: str = "web-1", consent: bool | None = True, **answers: object) -> LeadDraft:
    return LeadDraft(
        sender_id=sender,
        answers={"company": "PT Kopi Nusantara", **QUALIFYING, **answers},
        consent=consent,
        contact=CONTACT,
        context=EntryContext(flow="f", variant="B", token="tok-1", channel="rest"),
        language="id",
    )


def events(store: Store) -> list[str]:
    with store.transaction() as s:
        return list(s.scalars(select(KpiEvent.type).order_by(KpiEvent.id)))


def test_a_repeated_submission_updates_one_lead_and_counts_once(store: Store) -> None:
    with store.transaction() as s:
        add_outreach(s, "tok-1")
    rules = QualificationRules()
    with store.transaction() as s:
        first = save_lead(s, draft(), rules)
    with store.transaction() as s:
        again = save_lead(s, draft(company_location="Bandung"), rules)
    assert first.created and first.newly_qualified
    assert not again.created and not again.newly_qualified and again.lead_id == first.lead_id
    with store.transaction() as s:
        lead = s.scalars(select(Lead)).one()
        outreach = s.scalars(select(OutreachMessage)).one()
        assert (lead.email, lead.phone, lead.flags) == (CONTACT.email, CONTACT.phone, ["freemail"])
        assert lead.answers["company_location"] == "Bandung" and lead.answers["positions"] == 3
        assert (lead.status, lead.score) == ("qualified", 85.0)
        assert (lead.flow_id, lead.variant_id) == (outreach.flow_id, outreach.variant_id)
        assert lead.outreach_message_id == outreach.id and lead.consent_given
        assert s.scalars(select(Conversation.outcome)).one() == "qualified"
    assert events(store) == ["chat_started", "lead_created", "qualified"]


def test_same_email_and_company_from_another_chat_is_the_same_lead(store: Store) -> None:
    rules = QualificationRules()
    with store.transaction() as s:
        first = save_lead(s, draft("web-1"), rules)
    with store.transaction() as s:
        second = save_lead(s, draft("telegram-7"), rules)
    assert second.lead_id == first.lead_id and not second.created


def test_without_consent_nothing_personal_is_stored(store: Store) -> None:
    with store.transaction() as s:
        save_lead(s, draft(consent=False), QualificationRules())
    with store.transaction() as s:
        lead = s.scalars(select(Lead)).one()
        assert (lead.contact_name, lead.email, lead.phone, lead.preferred_contact_time) == (
            None,
            None,
            None,
            None,
        )
        assert lead.consent_given is False and lead.answers["urgency"] == "asap"


def test_handover_picks_a_consultant_speaking_the_language_once(store: Store) -> None:
    with store.transaction() as s:
        s.add_all(
            [
                Consultant(name="Markus", languages=["de", "en"]),
                Consultant(name="Dewi", languages=["id", "en"]),
                Consultant(name="Retired", languages=["id"], active=False),
            ]
        )
        lead_id = save_lead(s, draft(), QualificationRules()).lead_id
    with store.transaction() as s:
        first = hand_over(s, lead_id, "qualified", "id", Settings())
    with store.transaction() as s:
        again = hand_over(s, lead_id, "human_requested", "id", Settings())
    assert (first.consultant_name, first.created) == ("Dewi", True)
    assert (again.handover_id, again.created) == (first.handover_id, False)
    with store.transaction() as s:
        assert s.scalars(select(Handover.reason)).all() == ["qualified"]
        assert s.scalars(select(Lead.consultant_id)).one() is not None
    assert events(store).count("handed_over") == 1


def test_handover_without_consultants_goes_to_the_team(store: Store) -> None:
    with store.transaction() as s:
        lead_id = save_lead(s, draft(), QualificationRules()).lead_id
        result = hand_over(s, lead_id, "human_requested", "en", Settings())
    assert result.consultant_name is None and result.created


def test_decline_keeps_the_reason_as_erasable_personal_data(store: Store) -> None:
    with store.transaction() as s:
        record_decline(s, draft(), "we hire in-house")
    with store.transaction() as s:
        conversation = s.scalars(select(Conversation)).one()
        assert (conversation.outcome, conversation.decline_reason) == (
            "declined",
            "we hire in-house",
        )
    assert events(store) == ["chat_started", "declined"]


def test_erasure_reaches_the_lead_an_earlier_chat_created_and_the_decline_reason(
    store: Store,
) -> None:
    from sinyal.privacy import erase_lead_store

    rules = QualificationRules()
    with store.transaction() as s:
        save_lead(s, draft("web-1"), rules)
        save_lead(s, draft("telegram-7"), rules)  # same person, same company: same lead
        record_decline(s, draft("telegram-7"), "changed my mind, call me on +49 171 1234567")
    with store.transaction() as s:
        erase_lead_store(s, "telegram-7", [CONTACT.email or ""])
    with store.transaction() as s:
        lead = s.scalars(select(Lead)).one()
        assert (lead.email, lead.phone, lead.contact_name) == (None, None, None)
        assert lead.erased_at is not None
        reasons = s.scalars(select(Conversation.decline_reason)).all()
        assert reasons == [None, None]

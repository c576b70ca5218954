"""Leads and handovers against both real databases."""

from dataclasses import replace

from sqlalchemy import select

from sinyal.chat.conversations import EntryContext
from sinyal.flows.qualification import QualificationRules
from sinyal.handover.hand_over import hand_over
from sinyal.leads.lead import LeadDraft, ProspectContact, record_decline, save_lead
from sinyal.settings import Settings
from sinyal.store import Store
from sinyal.store.models import Consultant, Conversation, Handover, KpiEvent, Lead, OutreachMessage
from tests.support.factories import add_outreach

QUALIFYING = {"urgency": "asap", "positions": 3, "decision_maker": True, "fee_model": "success"}
CONTACT = ProspectContact(
    "Ana Putri", "ana@kopi.example", "+6281234567890", "mornings", ("freemail",)
)


def draft(sender: str = "web-1", consent: bool | None = True, **answers: object) -> LeadDraft:
    return LeadDraft(
        sender_id=sender,
        answers={
            "company": "PT Kopi Nusantara",
            "hiring_roles": "barista",
            **QUALIFYING,
            **answers,
        },
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


def test_same_email_and_company_from_another_chat_is_a_linked_duplicate(store: Store) -> None:
    """Anyone can type anybody's email: the second chat must not take over the first's lead."""
    rules = QualificationRules()
    with store.transaction() as s:
        first = save_lead(s, draft("web-1"), rules)
    other = ProspectContact("Mallory", CONTACT.email, "+6281111111111", None, ())
    with store.transaction() as s:
        second = save_lead(s, replace(draft("telegram-7"), contact=other), rules)
    assert second.lead_id != first.lead_id and second.created
    with store.transaction() as s:
        victim, copy = s.get(Lead, first.lead_id), s.get(Lead, second.lead_id)
        assert victim is not None and copy is not None
        assert (victim.contact_name, victim.phone) == (CONTACT.name, CONTACT.phone)
        assert "possible_duplicate" not in victim.flags
        assert {"possible_duplicate", f"duplicate_of:{first.lead_id}"} <= set(copy.flags)


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


def test_erasure_covers_the_chat_own_lead_and_decline_reason_not_another_chat(
    store: Store,
) -> None:
    from sinyal.privacy import erase_lead_store

    rules = QualificationRules()
    with store.transaction() as s:
        kept = save_lead(s, draft("web-1"), rules).lead_id
        erased = save_lead(s, draft("telegram-7"), rules).lead_id  # same address, other chat
        record_decline(s, draft("telegram-7"), "changed my mind, call me on +49 171 1234567")
    with store.transaction() as s:
        erase_lead_store(s, "telegram-7", Settings())
    with store.transaction() as s:
        gone, other = s.get(Lead, erased), s.get(Lead, kept)
        assert gone is not None and other is not None
        assert (gone.email, gone.phone, gone.contact_name) == (None, None, None)
        assert gone.erased_at is not None and gone.answers["hiring_roles"] == ""
        assert (other.email, other.erased_at) == (CONTACT.email, None)
        reasons = dict(s.execute(select(Conversation.sender_id, Conversation.decline_reason)).all())
        assert reasons == {"web-1": None, "telegram-7": None}


def test_contactless_requests_for_a_person_notify_once_per_origin(store: Store) -> None:
    """Fifty strangers' "talk to a human" from one place must not be fifty notifications."""
    from sinyal.handover.hand_over import QUIET_FLAG
    from sinyal.store.models import Notification

    settings = Settings(team_email="team@consultancy.example")
    rules = QualificationRules()
    with store.transaction() as s:
        for n in range(5):
            lead_id = save_lead(s, draft(f"flood-{n}", consent=None), rules).lead_id
            hand_over(s, lead_id, "human_requested", "en", settings, origin="o-aaaaaaaaaaaaaaaa")
        other = save_lead(s, draft("elsewhere", consent=None), rules).lead_id
        hand_over(s, other, "human_requested", "en", settings, origin="o-bbbbbbbbbbbbbbbb")
    with store.transaction() as s:
        assert len(s.scalars(select(Notification)).all()) == 2  # one per origin
        quiet = [lead for lead in s.scalars(select(Lead)) if QUIET_FLAG in lead.flags]
        assert len(quiet) == 4 and len(s.scalars(select(Handover)).all()) == 6
        quiet_sender = s.get(Conversation, quiet[0].conversation_id).sender_id
    with store.transaction() as s:  # one of them gives consent and contact after all
        lead_id = save_lead(s, draft(quiet_sender), rules).lead_id
        hand_over(s, lead_id, "human_requested", "en", settings, origin="o-aaaaaaaaaaaaaaaa")
    with store.transaction() as s:
        assert len(s.scalars(select(Notification)).all()) == 3
        assert QUIET_FLAG not in s.get(Lead, lead_id).flags

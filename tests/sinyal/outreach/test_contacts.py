"""Importing contact lists and opting out: bad rows named, the rest kept, opt-outs honoured."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from sinyal.outreach.contacts import ContactsFileError, import_contacts, opt_out
from sinyal.outreach.suppression import Reason, suppressed_because
from sinyal.store import Store
from sinyal.store.models import Company, Contact, Suppression

GOOD_AND_BAD = """company,name,email,title,website,country,city,language
Nordwind Logistik GmbH,Anna Schmidt,Anna.Schmidt@Nordwind.example,Head of HR,\
nordwind.example,DE,Hamburg,de
Nordwind Logistik,Jonas,not-an-address,CFO,,,,
,Nobody,nobody@x.example,HR,,,,
Kopi Nusantara,Budi,budi@kopi.example,HRD,,ID,Bandung,jv
PT Kopi Nusantara,Budi,budi@kopi.example,HRD,,ID,Bandung,id
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "contacts.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_bad_rows_are_named_and_the_rest_imported(store: Store, tmp_path: Path) -> None:
    with store.transaction() as session:
        result = import_contacts(session, write(tmp_path, GOOD_AND_BAD))
    assert (result.created, result.updated) == (2, 0)
    assert [e.split(": ", 1)[0].rsplit(":", 1)[1] for e in result.errors] == ["3", "4", "5"]
    assert "email" in result.errors[0] and "company is empty" in result.errors[1]
    assert "language must be one of" in result.errors[2]
    with store.transaction() as session:
        anna = session.scalars(select(Contact).where(Contact.name == "Anna Schmidt")).one()
        assert anna.email == "anna.schmidt@nordwind.example"
        company = session.get_one(Company, anna.company_id)
        assert (company.domain, company.country, company.city) == (
            "nordwind.example",
            "DE",
            "Hamburg",
        )


def test_a_contact_joins_the_company_the_scrapers_found(store: Store, tmp_path: Path) -> None:
    with store.transaction() as session:
        session.add(Company(name="Nordwind Logistik GmbH", normalized_name="nordwind logistik"))
    with store.transaction() as session:
        import_contacts(
            session, write(tmp_path, "company,email\nNordwind Logistik,hr@nordwind.example\n")
        )
        assert len(session.scalars(select(Company)).all()) == 1


def test_importing_again_updates_instead_of_duplicating(store: Store, tmp_path: Path) -> None:
    path = write(tmp_path, "company,name,email,title\nAcme,Ann,ann@acme.example,HR\n")
    with store.transaction() as session:
        import_contacts(session, path)
    path.write_text("company,name,email,title\nAcme,Ann B,ann@acme.example,Head of HR\n")
    with store.transaction() as session:
        result = import_contacts(session, path)
        assert (result.created, result.updated) == (0, 1)
        assert session.scalars(select(Contact.title)).all() == ["Head of HR"]


def test_a_file_without_the_columns_is_refused_whole(store: Store, tmp_path: Path) -> None:
    with store.transaction() as session, pytest.raises(ContactsFileError, match=":1: missing"):
        import_contacts(session, write(tmp_path, "name,title\nAnn,HR\n"))


def test_opting_out_deletes_the_contact_and_keeps_only_a_hash(store: Store, tmp_path: Path) -> None:
    path = write(tmp_path, "company,email\nAcme,ann@acme.example\nAcme,bob@acme.example\n")
    with store.transaction() as session:
        import_contacts(session, path)
    with store.transaction() as session:
        assert opt_out(session, "ANN@acme.example", Reason.OPTED_OUT) == 1
        assert opt_out(session, "@acme.example", Reason.CLIENT) == 1
    with store.transaction() as session:
        assert session.scalars(select(Contact)).all() == []
        stored = session.scalars(select(Suppression)).all()
        assert all("ann" not in (s.value_hash + (s.label or "")) for s in stored)
        assert suppressed_because(session, "ann@acme.example", None) == "opted_out"
        assert suppressed_because(session, "carol@acme.example", None) == "client"
        assert suppressed_because(session, "carol@other.example", None) is None
        # Suppressed people are not imported again from an old list.
        result = import_contacts(session, path)
        assert (result.created, result.suppressed) == (0, 2)

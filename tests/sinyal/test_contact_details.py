import pytest

from sinyal.contact_details import ContactError, check_email, check_phone, find_email, read_contact


def test_email_is_found_in_a_sentence_and_normalised() -> None:
    assert find_email("sure, it's <Ana.Putri@Kopi-Nusantara.co.id>.") == (
        "Ana.Putri@Kopi-Nusantara.co.id"
    )
    checked = check_email("my email is Ana.Putri@Kopi-Nusantara.co.id thanks")
    assert checked.address == "ana.putri@kopi-nusantara.co.id"
    assert checked.freemail is False


@pytest.mark.parametrize("text", ["no email here", "anna@", "anna@@acme.de", "anna@acme"])
def test_bad_email_is_refused_with_a_code(text: str) -> None:
    with pytest.raises(ContactError) as error:
        check_email(text)
    assert error.value.code == "email"


def test_freemail_is_flagged_or_refused_by_policy() -> None:
    assert check_email("budi.s@gmail.com", "flag").freemail is True
    assert check_email("budi.s@gmail.com", "accept").address == "budi.s@gmail.com"
    with pytest.raises(ContactError) as error:
        check_email("budi.s@gmail.com", "reject")
    assert error.value.code == "email_freemail"


@pytest.mark.parametrize(
    ("text", "region", "e164"),
    [
        ("+49 40 1234567", "DE", "+49401234567"),
        ("call me on 040 1234567", "DE", "+49401234567"),
        ("0812 3456 7890", "ID", "+6281234567890"),
        ("nomor saya +62 812-3456-7890 ya", "DE", "+6281234567890"),
    ],
)
def test_phone_numbers_are_stored_as_e164(text: str, region: str, e164: str) -> None:
    assert check_phone(text, region) == e164


def test_a_possible_number_is_taken_as_typed() -> None:
    # Not in phonenumbers' tables as valid, but the right length: the consultant tries it.
    assert check_phone("0151 2345678", "DE") == "+491512345678"


@pytest.mark.parametrize(
    ("text", "found"),
    [
        (
            "Anna Schmidt, 0151 23456789",
            {"email": None, "phone": "+4915123456789", "rest": "Anna Schmidt"},
        ),
        ("budi@kopi.co.id - Budi", {"email": "budi@kopi.co.id", "phone": None, "rest": "Budi"}),
        ("Tom Becker", {"email": None, "phone": None, "rest": "Tom Becker"}),
    ],
)
def test_contact_details_are_taken_out_of_an_answer(
    text: str, found: dict[str, str | None]
) -> None:
    assert read_contact(text, "DE") == found


@pytest.mark.parametrize("text", ["12345", "call me maybe", "+49 1"])
def test_bad_phone_is_refused(text: str) -> None:
    with pytest.raises(ContactError) as error:
        check_phone(text, "DE")
    assert error.value.code == "phone"

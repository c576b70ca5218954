"""Contact details as prospects type them, checked and normalised before anything is stored.

Emails go through email-validator (syntax only: the machines that run the bot may have no DNS);
phone numbers through phonenumbers, found anywhere in the message and stored as E.164 so
consultants' dialers and the handover's duplicate checks see one spelling per number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

import phonenumbers
from email_validator import EmailNotValidError, validate_email

#: Consumer mail providers: a prospect writing from one of these is probably not using a
#: company address. Policy (accept / flag / reject) comes from settings.
FREEMAIL_DOMAINS = frozenset(
    {
        "aol.com",
        "freenet.de",
        "gmail.com",
        "googlemail.com",
        "gmx.de",
        "gmx.net",
        "hotmail.com",
        "icloud.com",
        "live.com",
        "mail.com",
        "me.com",
        "msn.com",
        "outlook.com",
        "proton.me",
        "protonmail.com",
        "t-online.de",
        "web.de",
        "yahoo.co.id",
        "yahoo.com",
        "yahoo.de",
        "ymail.com",
    }
)

FreemailPolicy = Literal["accept", "flag", "reject"]
MIN_PHONE_DIGITS = 7


class ContactError(ValueError):
    """The value is not a usable contact detail; ``code`` picks the bot's re-ask message."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code


@dataclass(frozen=True)
class CheckedEmail:
    address: str
    freemail: bool


def find_email(text: str) -> str | None:
    """The first token that looks like an address, so "it's ana@x.com thanks" works."""
    for token in text.replace(",", " ").replace(";", " ").split():
        token = token.strip("<>()[]\"'.:")
        if "@" in token:
            return token
    return None


def check_email(text: str, policy: FreemailPolicy = "flag") -> CheckedEmail:
    candidate = find_email(text)
    if candidate is None:
        raise ContactError("email", f"no email address in {len(text)} characters")
    try:
        validated = validate_email(candidate, check_deliverability=False)
    except EmailNotValidError as exc:
        raise ContactError("email", str(exc)) from None
    address = validated.normalized.lower()
    freemail = validated.domain.lower() in FREEMAIL_DOMAINS
    if freemail and policy == "reject":
        raise ContactError("email_freemail", f"{validated.domain} is a consumer mail provider")
    return CheckedEmail(address=address, freemail=freemail)


def find_phone(text: str, region: str) -> tuple[str, str] | None:
    """(E.164, as typed) of the first number in ``text``: a valid one, else a possible one.

    "Possible" (the right length for the country) admits numbers phonenumbers' tables do not
    know, e.g. "0151 2345678" typed by a prospect: the consultant tries what they gave rather
    than the bot refusing it.
    """
    for leniency in (phonenumbers.Leniency.VALID, phonenumbers.Leniency.POSSIBLE):
        for match in phonenumbers.PhoneNumberMatcher(text, region, leniency=leniency):
            if _long_enough(match.number):
                e164 = phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
                return e164, match.raw_string
    return None


def _long_enough(number: phonenumbers.PhoneNumber) -> bool:
    """Seven digits or more: shorter "possible" numbers are extensions and service codes."""
    return len(str(number.national_number)) >= MIN_PHONE_DIGITS


def check_phone(text: str, region: str) -> str:
    """E.164 for the first number in ``text``; numbers without +code use ``region``."""
    found = find_phone(text, region)
    if found:
        return found[0]
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise ContactError("phone", str(exc)) from None
    if not (phonenumbers.is_possible_number(number) and _long_enough(number)):
        raise ContactError("phone", f"not a possible number for region {region}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


_CONTACT_WORDS = re.compile(
    r"\b(my|name|is|it's|its|i'm|i am|this is|email|e-mail|mail|phone|number|mobile|tel|hp|wa|"
    r"whatsapp|call me|reach me|on|at|nama|saya|nomor|no|telepon|telp|dan|and|or|atau|ya)\b"
    r"[\s:.,;-]*",
    re.I,
)


def read_contact(text: str, region: str) -> dict[str, str | None]:
    """The email as typed, the phone (E.164) and what is left once both are taken out.

    "Anna Schmidt, 0151 2345678" answers "your name, and a phone or email?" in one go; the rest
    ("Anna Schmidt") is the name candidate. The caller checks each like a typed answer.
    """
    rest = text
    email = find_email(text)
    if email:
        rest = rest.replace(email, " ")
    phone = None
    found = find_phone(rest, region)
    if found:
        phone, typed = found
        rest = rest.replace(typed, " ")
    if email or phone:
        rest = _CONTACT_WORDS.sub(" ", rest)
    rest = " ".join(rest.replace(",", " ").split()).strip(" .,;:-")
    return {"email": email, "phone": phone, "rest": rest}

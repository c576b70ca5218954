"""Contact details as prospects type them, checked and normalised before anything is stored.

Emails go through email-validator (syntax only: the machines that run the bot may have no DNS);
phone numbers through phonenumbers, found anywhere in the message and stored as E.164 so
consultants' dialers and the handover's duplicate checks see one spelling per number.
"""

from __future__ import annotations

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


def check_phone(text: str, region: str) -> str:
    """E.164 for the first valid number in ``text``; numbers without +code use ``region``."""
    for match in phonenumbers.PhoneNumberMatcher(text, region):
        if phonenumbers.is_valid_number(match.number):
            return phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise ContactError("phone", str(exc)) from None
    if not phonenumbers.is_valid_number(number):
        raise ContactError("phone", f"not a valid number for region {region}")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)

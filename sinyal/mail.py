"""One SMTP session configured from settings, shared by lead notifications and outreach.

``smtp_security`` decides how the connection is protected: ``starttls`` (the default) upgrades
when the server offers it, ``tls`` speaks TLS from the first byte (SMTP_SSL, port 465), ``none``
never encrypts. A password is only ever sent over an encrypted session, unless ``none`` was
chosen explicitly: a server that does not offer STARTTLS, or a machine in between that removed
the offer from its answer, would otherwise receive it in clear text.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Iterator
from contextlib import contextmanager

from sinyal.settings import Settings


class SMTPCleartextRefused(smtplib.SMTPException):
    """The session is not encrypted and the settings ask to log in: nothing was sent."""


@contextmanager
def smtp_session(settings: Settings, timeout: float) -> Iterator[smtplib.SMTP]:
    """Connected, encrypted as ``smtp_security`` says, logged in when configured."""
    with _connect(settings, timeout) as smtp:
        encrypted = settings.smtp_security == "tls" or _upgrade(smtp, settings)
        if settings.smtp_user and settings.smtp_password:
            if not encrypted and settings.smtp_security != "none":
                raise SMTPCleartextRefused(_cleartext_refusal(settings))
            smtp.login(settings.smtp_user, settings.smtp_password.get_secret_value())
        yield smtp


def _connect(settings: Settings, timeout: float) -> smtplib.SMTP:
    host, port = settings.smtp_host or "", settings.smtp_port
    if settings.smtp_security == "tls":
        return smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
    return smtplib.SMTP(host, port, timeout=timeout)


def _upgrade(smtp: smtplib.SMTP, settings: Settings) -> bool:
    """STARTTLS when wanted and offered; True if the session is now encrypted."""
    smtp.ehlo()
    if settings.smtp_security == "none" or not settings.smtp_starttls:
        return False
    if not smtp.has_extn("starttls"):
        return False
    smtp.starttls(context=ssl.create_default_context())
    smtp.ehlo()  # the capabilities offered before TLS no longer count (RFC 3207)
    return True


def _cleartext_refusal(settings: Settings) -> str:
    where = f"{settings.smtp_host}:{settings.smtp_port}"
    why = (
        "SINYAL_SMTP_STARTTLS is off"
        if not settings.smtp_starttls
        else f"{where} does not offer STARTTLS (or something on the way removed the offer)"
    )
    return (
        f"refusing to send the SMTP password in clear text: {why}. Use a server with STARTTLS, "
        "SMTP_SECURITY=tls for implicit TLS, or set SMTP_SECURITY=none to allow clear text"
    )

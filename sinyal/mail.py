"""One SMTP session configured from settings, shared by lead notifications and outreach."""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Iterator
from contextlib import contextmanager

from sinyal.settings import Settings


@contextmanager
def smtp_session(settings: Settings, timeout: float) -> Iterator[smtplib.SMTP]:
    """Connected, upgraded to TLS when the server offers it, logged in when configured."""
    with smtplib.SMTP(settings.smtp_host or "", settings.smtp_port, timeout=timeout) as smtp:
        smtp.ehlo()
        if settings.smtp_starttls and smtp.has_extn("starttls"):
            smtp.starttls(context=ssl.create_default_context())
            smtp.ehlo()
        if settings.smtp_user and settings.smtp_password:
            smtp.login(settings.smtp_user, settings.smtp_password.get_secret_value())
        yield smtp

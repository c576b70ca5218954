"""The SMTP session against a real server (aiosmtpd on loopback) that records every AUTH it is
sent: a password travels only over TLS, unless SMTP_SECURITY=none says otherwise."""

from __future__ import annotations

import shutil
import ssl
import subprocess
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from sinyal.handover.notify.card import LeadCard
from sinyal.handover.notify.channels import DeliveryError, EmailChannel
from sinyal.mail import SMTPCleartextRefused, smtp_session
from sinyal.settings import Settings, SettingsError, load_settings
from tests.support.smtp import AuthRecorder, serve_recording

PASSWORD = "hunter2-secret"


@pytest.fixture(autouse=True)
def no_smtp_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SMTP_SECURITY", "SINYAL_SMTP_SECURITY", "SMTP_PASSWORD", "SINYAL_SMTP_USER"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def certificate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ssl.SSLContext:
    """A server context with a self-signed certificate for 127.0.0.1, which the client side
    (``ssl.create_default_context``) trusts through SSL_CERT_FILE."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


@pytest.fixture
def plain() -> Iterator[tuple[AuthRecorder, int]]:
    """A server without STARTTLS that offers AUTH anyway (as one whose offer was stripped)."""
    recorder = AuthRecorder()
    for port in serve_recording(recorder, auth_require_tls=False):
        yield recorder, port


def settings(port: int, **extra: Any) -> Settings:
    return load_settings(
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_from="Sinyal <sinyal@agency.example>",
        **extra,
    )


def mail() -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "s@agency.example", "d@x.example", "hi"
    message.set_content("hello")
    return message


def send(config: Settings) -> None:
    with smtp_session(config, timeout=5) as smtp:
        smtp.send_message(mail())


@pytest.mark.parametrize("starttls_setting", [True, False])
def test_credentials_without_tls_are_refused_before_any_auth(
    plain: tuple[AuthRecorder, int], starttls_setting: bool
) -> None:
    recorder, port = plain
    config = settings(
        port, smtp_user="sinyal", smtp_password=PASSWORD, smtp_starttls=starttls_setting
    )
    with pytest.raises(SMTPCleartextRefused, match="refusing to send the SMTP password in clear"):
        send(config)
    assert recorder.auth_commands == [] and recorder.logins == [] and recorder.messages == []


def test_the_notification_channel_reports_the_refusal_and_retries_later(
    plain: tuple[AuthRecorder, int],
) -> None:
    recorder, port = plain
    channel = EmailChannel(settings(port, smtp_user="sinyal", smtp_password=PASSWORD))
    card = LeadCard(1, "New lead #1: Acme", [], "https://sinyal.example/leads/1", {})
    with pytest.raises(DeliveryError, match="clear text") as caught:
        channel._send("dewi@agency.example", card, "new_lead:1:email:dewi@agency.example")
    assert not caught.value.permanent and recorder.auth_commands == []


def test_smtp_security_none_allows_a_clear_text_login(
    plain: tuple[AuthRecorder, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    recorder, port = plain
    monkeypatch.setenv("SMTP_SECURITY", "none")
    send(settings(port, smtp_user="sinyal", smtp_password=PASSWORD))
    assert recorder.logins == [("sinyal", PASSWORD)] and len(recorder.messages) == 1
    assert [tls for _, tls in recorder.auth_commands] == [False]


def test_without_credentials_a_plain_server_still_gets_the_mail(
    plain: tuple[AuthRecorder, int],
) -> None:
    recorder, port = plain
    send(settings(port))
    assert len(recorder.messages) == 1 and recorder.auth_commands == []


def test_a_server_offering_starttls_gets_the_login_only_after_the_upgrade(
    certificate: ssl.SSLContext,
) -> None:
    recorder = AuthRecorder()
    for port in serve_recording(recorder, tls_context=certificate):
        send(settings(port, smtp_user="sinyal", smtp_password=PASSWORD))
    assert recorder.logins == [("sinyal", PASSWORD)] and len(recorder.messages) == 1
    assert [tls for _, tls in recorder.auth_commands] == [True]


def test_implicit_tls_logs_in_from_the_first_byte(certificate: ssl.SSLContext) -> None:
    recorder = AuthRecorder()
    for port in serve_recording(recorder, ssl_context=certificate, auth_require_tls=False):
        send(settings(port, smtp_security="tls", smtp_user="sinyal", smtp_password=PASSWORD))
    assert recorder.logins == [("sinyal", PASSWORD)] and len(recorder.messages) == 1


def test_smtp_security_is_validated_at_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMTP_SECURITY", "ssl")
    with pytest.raises(SettingsError, match="SINYAL_SMTP_SECURITY: Input should be 'starttls'"):
        load_settings()
    monkeypatch.setenv("SMTP_SECURITY", "tls")
    assert load_settings().smtp_security == "tls"
    monkeypatch.delenv("SMTP_SECURITY")
    assert load_settings().smtp_security == "starttls"

"""ENCOLA_SMTP_URL as docs/configuration.md documents it, the mail's retry schedule, and how the SMTP client
reads a server's answers."""

from __future__ import annotations

import random
from email.message import EmailMessage

import pytest

from afip.simulator.certs import issue_server_certificate
from config.retry_policy import JITTER, MAIL_DELAYS, MAIL_MAX_ATTEMPTS, mail_delay, mail_outcome
from config.settings import ConfigurationError, get_settings
from config.smtp_target import SmtpUrlError, parse_smtp_url
from devtools.local_redis import free_port
from mailing import smtp
from tests.support.smtp_server import SmtpServer


def test_smtp_means_starttls_on_587_with_percent_decoded_credentials():
    target = parse_smtp_url("smtp://facturas%40example.com:p%40ss%3Aw0rd@mail.example.com")
    assert (target.host, target.port, target.starttls, target.implicit_tls) == ("mail.example.com", 587, True, False)
    assert (target.username, target.password) == ("facturas@example.com", "p@ss:w0rd")
    assert target.timeout == 30


def test_smtps_means_tls_from_the_first_byte_on_465():
    target = parse_smtp_url("smtps://u:p@mail.example.com?timeout=7.5")
    assert (target.port, target.implicit_tls, target.starttls, target.timeout) == (465, True, False, 7.5)
    assert parse_smtp_url("smtps://mail.example.com:2465").port == 2465


def test_the_password_shows_in_no_repr_nor_description():
    target = parse_smtp_url("smtp://user:s3cr3t-pass@mail.example.com:587")
    assert "s3cr3t-pass" not in repr(target) and "s3cr3t-pass" not in target.describe()
    assert target.describe() == "SMTP with STARTTLS user@mail.example.com:587"


def test_starttls_may_be_turned_off_only_without_credentials():
    assert parse_smtp_url("smtp://127.0.0.1:25?starttls=false").starttls is False
    with pytest.raises(SmtpUrlError, match="in clear"):
        parse_smtp_url("smtp://user:pass@127.0.0.1:25?starttls=false")


UNUSABLE = {
    "http://mail.example.com": "must start with smtp://",
    "smtp://": "names no host",
    "smtp://mail.example.com:99999": "port",
    "smtp://mail.example.com?tls=on": "options it does not know: tls",
    "smtp://mail.example.com?starttls=maybe": "starttls must be true or false",
    "smtp://mail.example.com?timeout=0": "timeout must be a number of seconds above 0",
}


def test_a_url_that_cannot_be_used_says_why_and_stops_every_process(environment):
    for url, complaint in UNUSABLE.items():
        with pytest.raises(SmtpUrlError, match=complaint):
            parse_smtp_url(url)
    environment(ENCOLA_SMTP_URL="smtp://user:pass@relay?starttls=false")
    with pytest.raises(ConfigurationError, match="in clear"):
        get_settings()


def test_mails_get_10_attempts_over_about_a_day():
    assert MAIL_MAX_ATTEMPTS == 10
    assert 20 * 3600 < sum(MAIL_DELAYS) < 24 * 3600
    assert mail_delay(MAIL_MAX_ATTEMPTS) is None
    rng = random.Random(5)
    for attempt, base in enumerate(MAIL_DELAYS, start=1):
        assert base * (1 - JITTER) <= mail_delay(attempt, rng) <= base * (1 + JITTER)


@pytest.mark.parametrize("code,outcome", [
    (250, "enviado"), (451, "reintentar"), (421, "reintentar"), (None, "reintentar"),
    (550, "abandonar"), (535, "abandonar"), (554, "abandonar"),
])
def test_2xx_is_sent_4xx_and_no_answer_are_tried_again_5xx_is_final(code, outcome):
    assert mail_outcome(code) == outcome


def test_a_server_without_starttls_is_refused_rather_than_talked_to_in_clear():
    server = SmtpServer(free_port()).start()
    try:
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = "a@example.com", "b@example.com", "x"
        answer = smtp.send(parse_smtp_url(f"smtp://127.0.0.1:{server.port}?timeout=5"), message)
        assert answer.code is None and "STARTTLS" in answer.error
        assert server.received_by("b@example.com") == []
    finally:
        server.stop()


def test_no_server_listening_is_an_answerless_failure():
    answer = smtp.send(parse_smtp_url(f"smtp://127.0.0.1:{free_port()}?starttls=false&timeout=2"), EmailMessage())
    assert answer.code is None and "ConnectionRefusedError" in answer.error


@pytest.fixture
def certificate(tmp_path):
    """A certificate for 127.0.0.1 from the tests' own CA, which no system trusts: (cert, key, CA)."""
    issue_server_certificate(str(tmp_path))
    return str(tmp_path / "server-cert.pem"), str(tmp_path / "server-key.pem"), str(tmp_path / "ca.pem")


def a_message(to: str) -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "facturas@example.com", to, "Factura"
    message.set_content("Adjunta.")
    return message


# aiosmtpd warns of AUTH without TLS for the server that is TLS from its first byte (tests/support/smtp_server.py).
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
@pytest.mark.parametrize("scheme,implicit_tls", [("smtp", False), ("smtps", True)])
def test_tls_with_a_verified_certificate_then_credentials_percent_decoded(certificate, environment, scheme,
                                                                          implicit_tls):
    cert, key, ca = certificate
    server = SmtpServer(free_port(), certificate=(cert, key), implicit_tls=implicit_tls,
                        login=("facturas@example.com", "p@ss:w0rd")).start()
    url = f"{scheme}://facturas%40example.com:{{}}@127.0.0.1:{server.port}?timeout=5"
    try:
        unknown_ca = smtp.send(parse_smtp_url(url.format("p%40ss%3Aw0rd")), a_message("a@example.com"))
        assert unknown_ca.code is None and "CERTIFICATE_VERIFY_FAILED" in unknown_ca.error
        environment(SSL_CERT_FILE=ca)  # the tests' CA is now the one the system trusts
        wrong = smtp.send(parse_smtp_url(url.format("wrong")), a_message("a@example.com"))
        assert wrong.code == 535 and mail_outcome(wrong.code) == "abandonar"
        sent = smtp.send(parse_smtp_url(url.format("p%40ss%3Aw0rd")), a_message("a@example.com"))
        assert (sent.code, sent.error) == (250, "")
        assert len(server.received_by("a@example.com")) == 1
    finally:
        server.stop()

"""The webhook rules that need no running parts: what each answer means, Retry-After, where a URL may
point, signatures as a receiver written from the spec checks them, and the body of TusFacturas' legacy lotes
page for lotes."""

from __future__ import annotations

import ipaddress
import json
import random
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest
from standardwebhooks.webhooks import Webhook

from accounts.webhook_url import BadWebhookUrl, check_webhook_url
from comprobantes.lote_hooks import lote_fields
from config.retry_policy import (JITTER, WEBHOOK_DELAYS, WEBHOOK_RETRY_AFTER_CAP_SECONDS, webhook_delay,
                                 webhook_outcome)
from config.settings import ConfigurationError, load_settings
from tests.support import spec_verifier
from webhook_dispatch.addresses import RefusedAddress, checked_addresses, refusal
from webhook_dispatch.signing import new_webhook_secret, signature_headers
from webhook_dispatch.transport import retry_after_seconds

ART = timezone(timedelta(hours=-3))


@pytest.mark.parametrize("status,outcome", [
    (200, "entregado"), (201, "entregado"), (202, "entregado"), (204, "entregado"),
    (301, "reintentar"), (302, "reintentar"), (308, "reintentar"),
    (400, "reintentar"), (401, "reintentar"), (403, "reintentar"), (404, "reintentar"), (408, "reintentar"),
    (429, "reintentar"), (410, "abandonar"),
    (500, "reintentar"), (502, "reintentar"), (503, "reintentar"), (504, "reintentar"),
    (None, "reintentar"),
])
def test_what_each_answer_means(status, outcome):
    assert webhook_outcome(status) == outcome


def test_retry_after_is_honoured_but_never_sooner_than_the_schedule_nor_past_the_cap():
    rng = random.Random(1)
    assert 600 == webhook_delay(1, rng, retry_after=600)
    assert webhook_delay(1, rng, retry_after=10**6) == WEBHOOK_RETRY_AFTER_CAP_SECONDS
    # Retry-After: 0 must not make the schedule come back sooner.
    assert webhook_delay(10, rng, retry_after=0) >= WEBHOOK_DELAYS[9] * (1 - JITTER)
    assert webhook_delay(15, rng, retry_after=60) is None


@pytest.mark.parametrize("name,value", [("ENCOLA_WEBHOOK_MAX_PER_ENDPOINT", "0"),
                                        ("ENCOLA_WEBHOOK_RETENTION_DAYS", "0.5")])
def test_the_cap_and_the_retention_cannot_be_set_below_one(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigurationError, match=f"{name} must be at least 1"):
        load_settings()


def test_retry_after_reads_seconds_and_http_dates():
    now = 1_700_000_000.0
    assert retry_after_seconds("120") == 120
    assert retry_after_seconds(format_datetime(datetime.fromtimestamp(now + 90, timezone.utc), usegmt=True), now) == 90
    assert retry_after_seconds(format_datetime(datetime.fromtimestamp(now - 90, timezone.utc), usegmt=True), now) == 0
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None


LOOPBACK = tuple(ipaddress.ip_network(n) for n in ("127.0.0.0/8", "::1/128"))
EVERY_NETWORK = tuple(ipaddress.ip_network(n) for n in ("0.0.0.0/0", "::/0"))


@pytest.mark.parametrize("ip", [
    "127.0.0.1", "10.1.2.3", "172.16.0.9", "192.168.1.1", "169.254.169.254", "100.64.0.1", "240.0.0.1",
    "::1", "fe80::1", "fe80::1%eth0", "fc00::1", "fd12:3456::1", "::ffff:10.0.0.1", "::ffff:127.0.0.1",
    "64:ff9b::a00:1", "64:ff9b:1::a00:1",
    # Python 3.11 calls these global: IPv4-compatible (::/96), IPv4-translated (::ffff:0:0:0/96, the
    # ::ffff:0:7f00:1 form of 127.0.0.1) and the deprecated site-local fec0::/10.
    "::7f00:1", "::a00:1", "::8.8.8.8", "::ffff:0:7f00:1", "::ffff:0:808:808", "fec0::1", "feff::1",
    # Within 2000::/3 but special: 6to4 and Teredo (both carry an IPv4 address), documentation,
    # benchmarking, ORCHIDv2, the rest of the IETF block.
    "2002:a00:1::1", "2002:808:808::1", "2001:0:4136:e378:8000:63bf:3fff:fdd2", "2001:db8::1", "3fff::1",
    "2001:2::1", "2001:20::1", "2001:1ff::1",
    # Outside 2000::/3 and not multicast: discard-only, unassigned, SRv6 SIDs.
    "100::1", "4000::1", "5f00::1", "e000::1",
])
def test_private_loopback_link_local_tunnelled_and_reserved_addresses_are_refused(ip):
    assert refusal(ip) is not None
    assert refusal(ip, private_networks=EVERY_NETWORK) is None


@pytest.mark.parametrize("ip", ["127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1"])
def test_the_operators_allowlist_opens_only_its_networks(ip):
    assert refusal(ip) is not None
    assert refusal(ip, private_networks=LOOPBACK) is None
    assert refusal("10.0.0.1", private_networks=LOOPBACK) is not None


@pytest.mark.parametrize("ip", ["0.0.0.0", "::", "224.0.0.1", "255.255.255.255", "ff02::1", "ff0e::1"])
def test_some_addresses_are_never_receivers(ip):
    assert refusal(ip, private_networks=EVERY_NETWORK) is not None


@pytest.mark.parametrize("ip", ["8.8.8.8", "200.45.1.1", "2800:3f0:4002:800::200e", "2606:4700:4700::1111",
                                "2a00:1450:4001:80b::200e", "2001:4860:4860::8888", "::ffff:8.8.8.8"])
def test_public_addresses_are_allowed(ip):
    assert refusal(ip) is None


def test_one_private_address_among_public_ones_refuses_the_host():
    def resolve(host, port, type=0):
        return [(2, 1, 6, "", ("200.45.1.1", port)), (2, 1, 6, "", ("10.0.0.5", port))]

    with pytest.raises(RefusedAddress, match="10.0.0.5"):
        checked_addresses("hooks.example.com", 443, resolve=resolve)


@pytest.mark.parametrize("url,development,problem", [
    ("https://hooks.example.com/tf", False, None),
    ("http://hooks.example.com/tf", True, None),
    ("http://hooks.example.com/tf", False, "must use https"),
    ("ftp://hooks.example.com/tf", True, "must look like"),
    ("https:///tf", True, "must look like"),
    ("https://user:pw@hooks.example.com/tf", True, "user or password"),
    ("https://hooks.example.com:99999/", True, "cannot be read"),
    ("", True, "empty"),
])
def test_the_form_of_a_webhook_url(url, development, problem):
    if problem is None:
        check_webhook_url(url, development=development)
    else:
        with pytest.raises(BadWebhookUrl, match=problem):
            check_webhook_url(url, development=development)


def test_signatures_verify_as_the_spec_describes_with_one_signature_per_live_secret():
    old, new = new_webhook_secret(), new_webhook_secret()
    body = json.dumps({"evento": "emitido", "msg": ["Observación con acentos"]}, ensure_ascii=False)
    # An aware time in Argentina: the header and the signature must both be about the same instant.
    headers = signature_headers("hk_0123abcd", body, [new, old], datetime.now(ART))
    assert headers["webhook-id"] == "hk_0123abcd"
    assert len(headers["webhook-signature"].split(" ")) == 2
    for secret in (old, new):
        assert spec_verifier.verify(secret, headers, body.encode("utf-8"))
        assert Webhook(secret).verify(body.encode("utf-8"), headers)["evento"] == "emitido"
    assert not spec_verifier.verify(new_webhook_secret(), headers, body.encode("utf-8"))
    assert not spec_verifier.verify(new, headers, body.encode("utf-8") + b" ")


def test_a_lote_comprobantes_emitido_hook_has_seed_002s_keys_and_no_credentials():
    fields = lote_fields(
        evento="emitido", lote_ref="ASD123AW", tipo="FACTURA B", pto_vta=3, vencimiento_pago="28/03/2018",
        msg=["10063 - Observación"],
        extra={"cae": "71234567890123", "vencimiento_cae": "07/04/2018", "comprobante_nro": "00003-00000007",
               "comprobante_tipo": "FACTURA B", "afip_qr": "https://www.afip.gob.ar/fe/qr/?p=x"},
    )
    seed_002 = {"error", "errores", "rta", "cae", "vencimiento_cae", "vencimiento_pago", "comprobante_nro",
                "comprobante_tipo", "observaciones", "envio_x_mail", "comprobante_pdf_url",
                "facturacion_lote_id_referencia"}
    assert seed_002 <= set(fields)
    assert not {"apikey", "apitoken", "usertoken"} & set(fields)
    assert fields["error"] == "N" and fields["errores"] == []
    assert fields["cae"] == "71234567890123" and fields["facturacion_lote_id_referencia"] == "ASD123AW"
    assert fields["rta"] == "El comprobante FACTURA B 00003-00000007 se ha guardado correctamente "
    assert fields["observaciones"] == "10063 - Observación"


def test_a_lote_comprobantes_error_hook_says_error_s_with_the_messages():
    fields = lote_fields(evento="error", lote_ref="L1", tipo="FACTURA A", pto_vta=3, vencimiento_pago="",
                         msg=["10016 - El numero o fecha del comprobante no se corresponde"], extra=None)
    assert fields["error"] == "S"
    assert fields["errores"] == ["10016 - El numero o fecha del comprobante no se corresponde"]
    assert fields["cae"] == " " and fields["comprobante_nro"] == "00003-00000000"

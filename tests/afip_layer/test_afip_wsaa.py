"""WSAA at the simulator (the signed TRA, its times, the CMS, the certificate, the alreadyAuthenticated
window) and our shared ticket: one login per CUIT across processes, renewed before it expires."""

from __future__ import annotations

import base64
import datetime as dt
import json
import socket
import subprocess
import sys
import time
from dataclasses import replace

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs7
from cryptography.x509.oid import NameOID

from afip.failures import AfipError, AuthError, classify_transport
from afip.transport import WSAA_BINDING, soap_service
from afip.wsaa import (
    LOGIN_LOCK_MARGIN_SECONDS, WAIT_FOR_OTHER_LOGIN_SECONDS, Ticket, TicketStore, build_tra, login, parse_ta, sign_tra,
)
from config import clock
from tests.support.afip import TIMEOUTS, RunningSimulator, Taxpayer, issue_taxpayer, ticket_store
from tests.support.processes import REPO, wait_until


def _tra(generation: dt.datetime, expiration: dt.datetime, service: str = "wsfe") -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?><loginTicketRequest version="1.0"><header>'
            f"<uniqueId>4242</uniqueId><generationTime>{generation.isoformat()}</generationTime>"
            f"<expirationTime>{expiration.isoformat()}</expirationTime></header><service>{service}</service>"
            f"</loginTicketRequest>").encode()


def _keys(taxpayer: Taxpayer) -> tuple[bytes, bytes]:
    with open(taxpayer.cert_path, "rb") as cert, open(taxpayer.key_path, "rb") as key:
        return cert.read(), key.read()


def _login_cms(sim: RunningSimulator, cms: str) -> Ticket | AfipError:
    try:
        return parse_ta(soap_service("wsaa.wsdl", WSAA_BINDING, sim.wsaa_url, TIMEOUTS).loginCms(in0=cms))
    except Exception as exc:  # the classified failure is what the test looks at
        return classify_transport(exc, sent_for_authorization=False)


def _fault_code(outcome) -> str:
    assert isinstance(outcome, AuthError), outcome
    return outcome.codes[0][0]


def _sim_now(sim: RunningSimulator) -> dt.datetime:
    return sim.sim.now()


H = dt.timedelta(hours=1)


@pytest.mark.parametrize("code,generation,expiration,service", [
    ("xml.generationTime.invalid", H, 2 * H, "wsfe"),
    ("xml.generationTime.invalid", -25 * H, H, "wsfe"),
    ("xml.expirationTime.expired", -2 * H, -H, "wsfe"),
    ("xml.expirationTime.invalid", -H, 25 * H, "wsfe"),
    ("wsn.notFound", -H, H, "wsfex"),
])
def test_the_tras_times_and_service_are_checked(sim, taxpayer, code, generation, expiration, service):
    now = _sim_now(sim)
    cms = sign_tra(_tra(now + generation, now + expiration, service), *_keys(taxpayer))

    outcome = _login_cms(sim, cms)

    assert _fault_code(outcome) == code and outcome.permanent


def test_a_tra_in_utc_like_afipjs_writes_it_is_accepted(sim, taxpayer):
    now = dt.datetime.now(dt.timezone.utc)
    tra = _tra(now - 10 * dt.timedelta(minutes=1), now + 10 * dt.timedelta(minutes=1)).replace(b"+00:00", b"Z")

    assert isinstance(_login_cms(sim, sign_tra(tra, *_keys(taxpayer))), Ticket)


@pytest.mark.parametrize("code,tra", [
    ("xml.bad", b"<loginTicketRequest><header/></loginTicketRequest>"),
    ("xml.bad", b"not xml"),
    ("xml.version.notSupported", b'<loginTicketRequest version="2.0"/>'),
])
def test_a_malformed_tra_is_refused(sim, taxpayer, code, tra):
    assert _fault_code(_login_cms(sim, sign_tra(tra, *_keys(taxpayer)))) == code


def test_a_cms_whose_content_was_changed_after_signing_is_refused(sim, taxpayer):
    der = base64.b64decode(sign_tra(build_tra("wsfe", clock.now()), *_keys(taxpayer)))
    tampered = der.replace(b"<service>wsfe", b"<service>wsfx")

    assert _fault_code(_login_cms(sim, base64.b64encode(tampered).decode())) == "cms.sign.invalid"


def test_a_detached_signature_or_garbage_is_not_a_cms_wsaa_accepts(sim, taxpayer):
    cert, key = (x509.load_pem_x509_certificate(_keys(taxpayer)[0]),
                 serialization.load_pem_private_key(_keys(taxpayer)[1], password=None))
    detached = (pkcs7.PKCS7SignatureBuilder().set_data(build_tra("wsfe", clock.now()))
                .add_signer(cert, key, hashes.SHA256())
                .sign(serialization.Encoding.DER, [pkcs7.PKCS7Options.DetachedSignature]))

    assert _fault_code(_login_cms(sim, base64.b64encode(detached).decode())) == "cms.bad"
    assert _fault_code(_login_cms(sim, base64.b64encode(b"\x30\x03\x02\x01\x01").decode())) == "cms.bad"


def test_an_expired_certificate_is_refused(sim, taxpayer):
    three_years = 3 * 365 * 24 * 3600
    sim.admin("/clock", {"offset_seconds": three_years})

    outcome = _login_cms(sim, sign_tra(build_tra("wsfe", _sim_now(sim)), *_keys(taxpayer)))

    assert _fault_code(outcome) == "cms.cert.expired"


def test_a_certificate_without_a_cuit_is_refused(sim, ca_dir, tmp_path):
    with open(f"{ca_dir}/ca.pem", "rb") as f:
        ca = x509.load_pem_x509_certificate(f.read())
    with open(f"{ca_dir}/ca-key.pem", "rb") as f:
        ca_key = serialization.load_pem_private_key(f.read(), password=None)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sin cuit")]))
            .issuer_name(ca.subject).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=1))
            .sign(ca_key, hashes.SHA256()))

    outcome = _login_cms(sim, sign_tra(build_tra("wsfe", clock.now()), cert.public_bytes(serialization.Encoding.PEM),
                                       key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                         serialization.NoEncryption())))

    assert _fault_code(outcome) == "cms.cert.invalid"


def test_a_certificate_that_cannot_be_read_is_a_permanent_auth_error(sim, tmp_path):
    with pytest.raises(AuthError) as refused:
        login(sim.wsaa_url, str(tmp_path / "missing.pem"), str(tmp_path / "missing.key"), "wsfe", TIMEOUTS)

    assert refused.value.permanent


def test_a_second_login_inside_the_window_is_already_authenticated_and_after_it_is_not(ca_path, tmp_path, taxpayer):
    sim = RunningSimulator(ca_path, already_authenticated_seconds=120)
    try:
        first = _login_cms(sim, sign_tra(build_tra("wsfe", _sim_now(sim)), *_keys(taxpayer)))
        again = _login_cms(sim, sign_tra(build_tra("wsfe", _sim_now(sim)), *_keys(taxpayer)))
        sim.admin("/clock", {"offset_seconds": 121})
        later = _login_cms(sim, sign_tra(build_tra("wsfe", _sim_now(sim)), *_keys(taxpayer)))
    finally:
        sim.stop()

    assert isinstance(first, Ticket) and isinstance(later, Ticket) and later.token != first.token
    assert _fault_code(again) == "coe.alreadyAuthenticated"
    assert not again.permanent


def test_another_system_of_the_same_taxpayer_logs_in_with_its_own_certificate(sim, ca_dir, taxpayer):
    second = issue_taxpayer(ca_dir, taxpayer.cuit, name=f"segundo{taxpayer.cuit}")

    first = _login_cms(sim, sign_tra(build_tra("wsfe", clock.now()), *_keys(taxpayer)))
    other = _login_cms(sim, sign_tra(build_tra("wsfe", clock.now()), *_keys(second)))

    assert isinstance(first, Ticket) and isinstance(other, Ticket)
    assert [row[0] for row in sim.admin("/tickets")] == [
        f"SERIALNUMBER=CUIT {taxpayer.cuit}, CN=t{taxpayer.cuit}, C=AR",
        f"SERIALNUMBER=CUIT {taxpayer.cuit}, CN=segundo{taxpayer.cuit}, C=AR"]


# The shared ticket


def test_clients_share_one_ticket_per_cuit(r, sim, taxpayer):
    store_a, store_b = ticket_store(r, sim), ticket_store(r, sim)

    a = store_a.get(taxpayer.cuit, "wsfe", taxpayer.cert_path, taxpayer.key_path)
    b = store_b.get(taxpayer.cuit, "wsfe", taxpayer.cert_path, taxpayer.key_path)

    assert a == b and len(sim.admin("/tickets")) == 1


def _near_expiry(store: TicketStore, cuit: int, ticket: Ticket) -> None:
    store.store(cuit, "wsfe", replace(ticket, expires_at=clock.timestamp() + 20 * 60))


def test_the_ticket_is_renewed_before_it_expires(r, ca_path, taxpayer):
    sim = RunningSimulator(ca_path, already_authenticated_seconds=0)
    try:
        store = ticket_store(r, sim)
        first = store.get(taxpayer.cuit, "wsfe", taxpayer.cert_path, taxpayer.key_path)
        _near_expiry(store, taxpayer.cuit, first)
        renewed = store.get(taxpayer.cuit, "wsfe", taxpayer.cert_path, taxpayer.key_path)
        tickets = sim.admin("/tickets")
    finally:
        sim.stop()

    assert renewed.token != first.token and renewed.fresh(clock.timestamp())
    assert len(tickets) == 2


def test_a_failed_renewal_keeps_using_the_ticket_while_it_is_valid(r, sim, taxpayer):
    store = ticket_store(r, sim)
    first = store.get(taxpayer.cuit, "wsfe", taxpayer.cert_path, taxpayer.key_path)
    _near_expiry(store, taxpayer.cuit, first)

    during_refusal = store.get(taxpayer.cuit, "wsfe", taxpayer.cert_path, taxpayer.key_path)  # alreadyAuthenticated
    during_hold = store.get(taxpayer.cuit, "wsfe", taxpayer.cert_path, taxpayer.key_path)

    assert during_refusal.token == during_hold.token == first.token
    assert len(sim.admin("/tickets")) == 1


def test_while_another_process_renews_the_ticket_in_hand_is_used(r, sim, taxpayer):
    store = ticket_store(r, sim)
    first = store.get(taxpayer.cuit, "wsfe", taxpayer.cert_path, taxpayer.key_path)
    _near_expiry(store, taxpayer.cuit, first)
    r.set(store._keys(taxpayer.cuit, "wsfe")[1], "another-process", ex=60)

    started = time.monotonic()
    ticket = store.get(taxpayer.cuit, "wsfe", taxpayer.cert_path, taxpayer.key_path)

    assert ticket.token == first.token and time.monotonic() - started < 1
    assert len(sim.admin("/tickets")) == 1


_LOGIN_IN_A_CHILD = """
import sys, time
from config.redis_client import get_redis
from afip.wsaa import TicketStore
url, cuit, cert, key, start = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], float(sys.argv[5])
store = TicketStore(get_redis(), wsaa_url=url, timeouts=(2.0, 5.0))
time.sleep(max(0.0, start - time.time()))
print(store.get(cuit, "wsfe", cert, key).token)
"""


def test_processes_logging_in_at_once_make_one_login(sim, taxpayer):
    start = time.time() + 2.0
    children = [subprocess.Popen([sys.executable, "-c", _LOGIN_IN_A_CHILD, sim.wsaa_url, str(taxpayer.cuit),
                                  taxpayer.cert_path, taxpayer.key_path, repr(start)],
                                 cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                for _ in range(3)]
    outputs = [child.communicate(timeout=60) for child in children]

    tokens = {out.strip() for out, _ in outputs}
    assert all(child.returncode == 0 for child in children), [err for _, err in outputs]
    assert len(tokens) == 1 and "" not in tokens
    assert len(sim.admin("/tickets")) == 1
    assert json.dumps(sim.admin("/tickets")[0][0]).startswith(f'"SERIALNUMBER=CUIT {taxpayer.cuit}')


def test_a_login_whose_process_died_holds_the_others_only_as_long_as_a_login_can_take(r, sim, taxpayer):
    """The login lock's lease follows the login's own timeouts: a process SIGKILLed while WSAA has not
    answered it lets the next process log in seconds later, not after a fixed minute."""
    silent = socket.create_server(("127.0.0.1", 0))  # accepts connections and never answers
    timeouts = (1.0, 1.0)
    child = subprocess.Popen([sys.executable, "-c", _LOGIN_IN_A_CHILD.replace("(2.0, 5.0)", repr(timeouts)),
                              f"http://127.0.0.1:{silent.getsockname()[1]}/ws/services/LoginCms", str(taxpayer.cuit),
                              taxpayer.cert_path, taxpayer.key_path, "0"], cwd=REPO)
    lock_key = ticket_store(r, sim)._keys(taxpayer.cuit, "wsfe")[1]
    try:
        wait_until(lambda: r.exists(lock_key), timeout=30, message="the child to take the login lock")
        child.kill()
        child.wait()
        assert 0 < r.ttl(lock_key) <= sum(timeouts) + LOGIN_LOCK_MARGIN_SECONDS

        started = time.monotonic()
        ticket = TicketStore(r, wsaa_url=sim.wsaa_url, timeouts=timeouts).get(
            taxpayer.cuit, "wsfe", taxpayer.cert_path, taxpayer.key_path)
    finally:
        silent.close()

    assert ticket.fresh(clock.timestamp()) and time.monotonic() - started < WAIT_FOR_OTHER_LOGIN_SECONDS

"""Every failure class through our client against the simulator's injected faults: transient, ambiguous
(answered or not), auth (WSFEv1 600 and WSAA faults), data, sequence, not found (afip/failures.py)."""

from __future__ import annotations

import json
import socket
import time

import pytest
import requests

from afip.failures import AmbiguousError, AuthError, DataError, NotFound, SequenceError, TransientError
from afip.simulator.certs import issue_client_certificate
from afip.wsaa import Ticket
from afip.wsfe import Unbuildable
from tests.support.afip import Taxpayer, detail, ticket_store, wsfe_client
from tests.support.processes import wait_until

INTERNAL_TEXTS = {
    500: "Error interno de aplicación.",
    501: "Error interno de base de datos.",
    502: "Error interno de base de datos - Autorizador CAE / Régimen CAEA – Transacción Activa",
}


def test_connections_refused_are_transient_even_for_fecaesolicitar(client, sim):
    client.ultimo_autorizado(1, 6)  # logged in while AFIP was up
    sim.faults(down="refuse")

    with pytest.raises(TransientError) as reading:
        client.ultimo_autorizado(1, 6)
    with pytest.raises(TransientError) as authorising:
        client.solicitar_cae(1, 6, [detail(6, 1, sim.today())])

    assert type(reading.value) is TransientError and type(authorising.value) is TransientError
    assert not client.healthy()
    sim.faults(down=None)
    assert client.healthy() and client.ultimo_autorizado(1, 6) == 0


def test_http_503_is_transient_for_reads_and_an_answered_ambiguity_for_fecaesolicitar(client, sim):
    client.ultimo_autorizado(1, 6)
    sim.faults(down="503")

    with pytest.raises(TransientError) as reading:
        client.ultimo_autorizado(1, 6)
    with pytest.raises(AmbiguousError) as authorising:
        client.solicitar_cae(1, 6, [detail(6, 1, sim.today())])

    assert type(reading.value) is TransientError and "HTTP 503" in str(reading.value)
    assert authorising.value.answered
    assert sim.admin("/authorised") == []


@pytest.mark.parametrize("code", [500, 501, 502])
def test_internal_errors_are_transient_for_reads_and_answered_ambiguities_for_fecaesolicitar(client, sim, code):
    client.ultimo_autorizado(1, 6)
    sim.faults(wsfe_error=code)

    with pytest.raises(TransientError) as reading:
        client.ultimo_autorizado(1, 6)
    with pytest.raises(AmbiguousError) as authorising:
        client.solicitar_cae(1, 6, [detail(6, 1, sim.today())])

    assert type(reading.value) is TransientError
    assert authorising.value.answered and authorising.value.codes == [(code, INTERNAL_TEXTS[code])]
    assert sim.admin("/authorised") == []


def test_commit_then_drop_is_an_unanswered_ambiguity_and_the_cae_exists(client, sim):
    client.ultimo_autorizado(1, 6)
    sim.faults(drop_probability=1.0)

    with pytest.raises(AmbiguousError) as lost:
        client.solicitar_cae(1, 6, [detail(6, 1, sim.today())])

    assert not lost.value.answered
    sim.faults(drop_probability=0.0)
    assert client.ultimo_autorizado(1, 6) == 1
    record = client.consultar(1, 6, 1)
    assert [row[4] for row in sim.admin("/authorised")] == [record["CodAutorizacion"]]


def test_a_read_timeout_is_an_unanswered_ambiguity_and_afip_may_still_authorise(r, sim, taxpayer):
    slow = wsfe_client(r, sim, taxpayer, timeouts=(2.0, 0.5))
    slow.ultimo_autorizado(1, 6)
    sim.faults(latency_ms=1500)

    with pytest.raises(AmbiguousError) as lost:
        slow.solicitar_cae(1, 6, [detail(6, 1, sim.today())])

    assert not lost.value.answered
    wait_until(lambda: sim.admin("/authorised"), timeout=5, message="the late authorisation")


def test_a_read_timeout_on_a_read_is_transient(r, sim, taxpayer):
    slow = wsfe_client(r, sim, taxpayer, timeouts=(2.0, 0.5))
    slow.ultimo_autorizado(1, 6)
    sim.faults(latency_ms=1500)

    with pytest.raises(TransientError) as late:
        slow.ultimo_autorizado(1, 6)

    assert type(late.value) is TransientError


def test_fedummy_not_ok_means_unhealthy(client, sim):
    sim.faults(dummy_not_ok=True)

    assert client.dummy() == {"AppServer": "OK", "DbServer": "NO", "AuthServer": "OK"}
    assert not client.healthy()


# Auth


def test_a_ticket_wsfev1_does_not_recognise_is_an_auth_error_and_is_forgotten(r, client, sim, taxpayer):
    client.ultimo_autorizado(1, 6)
    store = ticket_store(r, sim)
    ticket = store.cached(taxpayer.cuit, "wsfe")
    store.store(taxpayer.cuit, "wsfe", Ticket(ticket.token, "AAAA" + ticket.sign[4:], ticket.expires_at,
                                             ticket.generated_at))

    with pytest.raises(AuthError) as refused:
        client.ultimo_autorizado(1, 6)

    assert refused.value.codes == [(600, "ValidacionDeToken: Error al verificar hash: ")]
    assert not refused.value.permanent
    assert store.cached(taxpayer.cuit, "wsfe") is None


def test_an_expired_ticket_is_an_auth_error(client, sim):
    client.ultimo_autorizado(1, 6)
    sim.admin("/clock", {"offset_seconds": 13 * 3600})

    with pytest.raises(AuthError) as refused:
        client.ultimo_autorizado(1, 6)

    (code, text), = refused.value.codes
    assert code == 600 and text.startswith("ValidacionDeToken: No validaron las fechas del token. GenTime=")
    assert not refused.value.permanent


def test_a_cuit_the_certificate_does_not_represent_is_a_permanent_auth_error(r, sim, taxpayer):
    stranger = wsfe_client(r, sim, taxpayer, cuit=20999999996)
    # The ticket is shared per represented CUIT; this one is the certificate's own ticket.
    ticket_store(r, sim).store(20999999996, "wsfe", ticket_store(r, sim).get(
        taxpayer.cuit, "wsfe", taxpayer.cert_path, taxpayer.key_path))

    with pytest.raises(AuthError) as refused:
        stranger.ultimo_autorizado(1, 6)

    assert refused.value.codes == [(600, "ValidacionDeToken: No apareció CUIT en lista de relaciones: 20999999996")]
    assert refused.value.permanent


def test_a_certificate_from_another_ca_is_refused_by_wsaa_for_good(r, sim, tmp_path):
    foreign = issue_client_certificate(str(tmp_path / "foreign"), 20888888885, "foreign")
    client = wsfe_client(r, sim, Taxpayer(20888888885, foreign.cert_path, foreign.key_path))

    with pytest.raises(AuthError) as refused:
        client.ultimo_autorizado(1, 6)

    assert refused.value.permanent
    assert refused.value.codes == [("cms.cert.untrusted", "Certificado no emitido por AC de confianza")]


def test_a_wsaa_outage_is_transient_and_holds_every_process_off_for_a_minute(client, sim):
    sim.faults(wsaa_down=True)

    with pytest.raises(TransientError) as outage:
        client.ultimo_autorizado(1, 6)
    sim.faults(wsaa_down=False)
    with pytest.raises(AuthError) as held:
        client.ultimo_autorizado(1, 6)

    assert type(outage.value) is TransientError
    assert outage.value.codes == [("wsaa.unavailable", "El servicio WSAA no esta disponible")]
    assert 55 < held.value.retry_after <= 60
    assert sim.admin("/tickets") == []


def test_already_authenticated_holds_logins_off_instead_of_looping(r, client, sim, taxpayer):
    client.ultimo_autorizado(1, 6)
    r.delete(*r.keys(f"*wsaa:ta:{taxpayer.cuit}:*"))  # the shared ticket is lost, WSAA still has it

    with pytest.raises(AuthError) as refused:
        client.ultimo_autorizado(1, 6)
    sim.faults(wsaa_down=True)  # a login attempt now would be a TransientError
    with pytest.raises(AuthError) as held:
        client.ultimo_autorizado(1, 6)

    assert refused.value.codes == [(
        "coe.alreadyAuthenticated", "El CEE ya posee un TA valido para el acceso al WSN solicitado")]
    assert refused.value.retry_after == 120 and not refused.value.permanent
    assert 115 < held.value.retry_after <= 120
    assert len(sim.admin("/tickets")) == 1


# Data, sequence, not found, events


def test_a_malformed_auth_block_is_a_data_error(client):
    with pytest.raises(DataError) as refused:
        client._call("FECompTotXRequest", authenticated=False)

    assert refused.value.codes == [(500, "Campo Auth no fue ingresado o esta mal formado.")]


@pytest.mark.parametrize("text", ["a\u0001b", "a\ud800b", "a\uffffb"], ids=["control", "surrogate", "nonchar"])
def test_text_xml_cannot_carry_is_unbuildable_before_anything_is_sent(client, sim, text):
    poison = detail(6, 1, sim.today(), Opcionales={"Opcional": [{"Id": "2", "Valor": text}]})
    clean = detail(6, 1, sim.today())
    sent = len(sim.admin("/authorised"))

    with pytest.raises(Unbuildable):
        client.cae_request(1, 6, [clean, poison])

    assert client.detail_problem(poison) and client.detail_problem(clean) is None
    assert client.detail_problem({k: v for k, v in poison.items() if k not in ("CbteDesde", "CbteHasta")})
    assert len(sim.admin("/authorised")) == sent
    assert client.send_cae(client.cae_request(1, 6, [clean])).resultado == "A"


def test_a_rejected_request_is_a_data_error_with_afips_codes(client, sim):
    with pytest.raises(DataError) as refused:
        client.solicitar_cae(1, 14, [detail(6, 1, sim.today())])

    assert type(refused.value) is DataError and refused.value.codes[0][0] == 10007


def test_10016_at_request_level_is_a_sequence_error(client, sim):
    with pytest.raises(SequenceError):
        client.solicitar_cae(1, 6, [detail(6, 7, sim.today())])


def test_602_is_not_found(client):
    assert client.consultar(1, 6, 1) is None
    assert client.ptos_venta() == []
    with pytest.raises(NotFound) as nothing:
        client.parameters("FEParamGetPtosVenta")
    assert nothing.value.codes == [(602, "Sin Resultados: - Metodo FEParamGetPtosVenta")]


def test_events_reach_the_caller(client, sim):
    notice = {"Code": 39,
              "Msg": "A partir del 1/07/2025 se rechazaran las solicitudes de emision de comprobantes sin este dato"}
    sim.faults(events=[notice])

    result = client.solicitar_cae(1, 6, [detail(6, 1, sim.today())])

    assert result.resultado == "A" and result.events == [(39, notice["Msg"])]


def test_a_partial_result_reaches_the_caller_even_with_errors_beside_it(client, sim):
    today = sim.today()
    result = client.solicitar_cae(1, 6, [detail(6, 1, today), detail(6, 2, today, CbteFch="x")])

    assert result.resultado == "P" and result.details[0].resultado == "A"


def test_faults_are_validated_and_bad_admin_input_is_a_clear_400(sim):
    for payload in ({"down": "maybe"}, {"wsfe_error": 503}, {"drop_probability": 2}, {"nope": 1},
                    {"events": [{"Code": "x"}]}, {"latency_ms": -1}, [1, 2]):
        answer = requests.post(sim.admin_url + "/faults", data=json.dumps(payload), timeout=5)
        assert answer.status_code == 400 and "error" in answer.json()
    for path, payload in (("/clock", {}), ("/rules", {"reg_x_req": 0}), ("/cotizaciones", {"DOL": "x"})):
        assert requests.post(sim.admin_url + path, json=payload, timeout=5).status_code == 400
    assert requests.post(sim.admin_url + "/faults", data=b"{not json", timeout=5).status_code == 400
    assert sim.admin("/faults")["down"] is None


def test_down_refuse_really_refuses_connections_until_lifted(sim):
    sim.faults(down="refuse")
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", sim.server.port), timeout=2)
    sim.faults(down=None)
    socket.create_connection(("127.0.0.1", sim.server.port), timeout=2).close()


def test_latency_is_added_to_every_call(client, sim):
    client.ultimo_autorizado(1, 6)
    sim.faults(latency_ms=300)

    started = time.monotonic()
    client.ultimo_autorizado(1, 6)

    assert time.monotonic() - started >= 0.3

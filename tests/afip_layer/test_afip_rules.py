"""FECAESolicitar's rules at the simulator, one code at a time, through our client over HTTP: each case
spoils one field of a detail AFIP approves and expects AFIP's code and text (WSFEv1 developer manual)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from afip.failures import DataError, SequenceError
from afip.simulator import messages as msg
from tests.support.afip import detail, iva, login_at, wsfe_client, yyyymmdd

D = timedelta(days=1)


def _service(today, **fields) -> dict:
    """Concepto 2 with the three service dates AFIP then requires."""
    return {"Concepto": 2, "FchServDesde": yyyymmdd(today - 30 * D), "FchServHasta": yyyymmdd(today - D),
            "FchVtoPago": yyyymmdd(today), **fields}


BIG = dict(ImpTotal="24200000.00", ImpNeto="20000000.00", ImpIVA="4200000.00",
           Iva=iva((5, "20000000.00", "4200000.00")))
TRIBUTO = {"Id": 99, "Desc": "Tasa municipal", "BaseImp": "100.00", "Alic": "5", "Importe": "5.00"}

# (code, CbteTipo, the fields that spoil the detail, given today)
REJECTIONS = [
    (10011, 6, lambda t: dict(CbteHasta=0)),
    (10012, 1, lambda t: dict(CbteHasta=2)),
    (10012, 11, lambda t: dict(CbteHasta=2)),
    (10012, 206, lambda t: dict(CbteHasta=2)),
    (10013, 1, lambda t: dict(DocTipo=96, DocNro=23456789)),
    (10013, 51, lambda t: dict(DocTipo=96, DocNro=23456789)),
    (10014, 6, lambda t: dict(BIG, CbteHasta=2)),
    (10015, 6, lambda t: dict(CbteHasta=2, ImpTotal="242.00", ImpNeto="200.00", ImpIVA="42.00",
                              Iva=iva((5, "200.00", "42.00")), DocTipo=96, DocNro=23456789)),
    (10015, 6, lambda t: dict(BIG)),
    (10015, 6, lambda t: dict(DocNro=123)),
    (10015, 6, lambda t: dict(DocTipo=77, DocNro=1)),
    (10016, 6, lambda t: dict(CbteFch=yyyymmdd(t - 6 * D))),
    (10016, 6, lambda t: dict(CbteFch=yyyymmdd(t + 6 * D))),
    (10016, 6, lambda t: _service(t, CbteFch=yyyymmdd(t - 11 * D), FchVtoPago=yyyymmdd(t - 11 * D))),
    (10016, 6, lambda t: dict(CbteFch="20261340")),
    (10018, 6, lambda t: dict(ImpIVA="0", ImpTotal="100.00", Iva=iva((5, "100.00", "0")))),
    (10018, 6, lambda t: dict(ImpNeto="0", ImpTotConc="100.00", Iva=None)),
    (10019, 6, lambda t: dict(Iva=iva((7, "100.00", "21.00")))),
    (10022, 6, lambda t: dict(Iva=iva((5, "50.00", "10.50"), (5, "50.00", "10.50")))),
    (10023, 6, lambda t: dict(ImpIVA="22.00", ImpTotal="122.00")),
    (10024, 6, lambda t: dict(ImpTrib="5.00", ImpTotal="126.00")),
    (10024, 6, lambda t: dict(Tributos={"Tributo": [TRIBUTO]})),
    (10025, 6, lambda t: dict(ImpTrib="5.00", ImpTotal="126.00", Tributos={"Tributo": [dict(TRIBUTO, Id=50)]})),
    (10029, 6, lambda t: dict(ImpTrib="5.00", ImpTotal="126.00", Tributos={"Tributo": [dict(TRIBUTO, Importe="4.00")]})),
    (10030, 6, lambda t: dict(Concepto=4)),
    (10031, 6, lambda t: dict(FchServHasta=yyyymmdd(t), FchVtoPago=yyyymmdd(t))),
    (10032, 6, lambda t: _service(t, FchServDesde=yyyymmdd(t), FchServHasta=yyyymmdd(t - D))),
    (10033, 6, lambda t: dict(FchServDesde=yyyymmdd(t), FchVtoPago=yyyymmdd(t))),
    (10035, 6, lambda t: dict(FchServDesde=yyyymmdd(t - D), FchServHasta=yyyymmdd(t))),
    (10036, 6, lambda t: _service(t, FchVtoPago=yyyymmdd(t - D))),
    (10037, 6, lambda t: dict(MonId="XXX")),
    (10038, 6, lambda t: dict(MonId="DOL", MonCotiz=None)),
    (10039, 6, lambda t: dict(MonCotiz="2")),
    (10039, 6, lambda t: dict(MonCotiz=None)),
    (10042, 6, lambda t: dict(ImpTrib="5.00", ImpTotal="126.00", Tributos={"Tributo": [dict(TRIBUTO, Desc=None)]})),
    (10043, 6, lambda t: dict(ImpTotConc="-1.00", ImpTotal="120.00")),
    (10043, 11, lambda t: dict(ImpTotConc="10.00", ImpTotal="110.00")),
    (10044, 11, lambda t: dict(ImpOpEx="10.00", ImpTotal="110.00")),
    (10047, 11, lambda t: dict(ImpIVA="21.00", ImpTotal="121.00")),
    (10048, 6, lambda t: dict(ImpTotal="120.00")),
    (10048, 11, lambda t: dict(ImpTotal="121.00")),
    (10049, 6, lambda t: dict(Concepto=2)),
    (10049, 6, lambda t: _service(t, FchServDesde="2026-01-01")),
    (10051, 6, lambda t: dict(ImpIVA="20.00", ImpTotal="120.00", Iva=iva((5, "100.00", "20.00")))),
    (10061, 6, lambda t: dict(ImpNeto="110.00", ImpTotal="131.00")),
    (10065, 6, lambda t: dict(ImpTotal="-121.00")),
    (10070, 6, lambda t: dict(ImpIVA="0", ImpTotal="100.00", Iva=None)),
    (10071, 11, lambda t: dict(Iva=iva((5, "100.00", "0")))),
    (10119, 6, lambda t: dict(MonId="DOL", MonCotiz="1")),
    (10119, 6, lambda t: dict(MonId="DOL", MonCotiz="5000")),
    (10241, 6, lambda t: dict(CanMisMonExt="S")),
    (10242, 6, lambda t: dict(CondicionIVAReceptorId=2)),
    (10243, 1, lambda t: dict(CondicionIVAReceptorId=5)),
    (10243, 6, lambda t: dict(CondicionIVAReceptorId=1)),
    (10246, 6, lambda t: dict(CondicionIVAReceptorId=None)),
]


@pytest.mark.parametrize("code,cbte_tipo,spoil", REJECTIONS,
                         ids=[f"{c}-tipo{t}-{i}" for i, (c, t, _) in enumerate(REJECTIONS)])
def test_a_spoiled_detail_is_rejected_with_afips_code(client, sim, code, cbte_tipo, spoil):
    today = sim.today()

    result = client.solicitar_cae(1, cbte_tipo, [detail(cbte_tipo, 1, today, **spoil(today))])

    assert result.resultado == "R"
    rejected = result.details[0]
    assert rejected.resultado == "R" and rejected.cae == "" and rejected.cae_vto == ""
    assert code in [c for c, _ in rejected.observaciones], rejected.observaciones
    assert client.ultimo_autorizado(1, cbte_tipo) == 0


@pytest.mark.parametrize("cbte_tipo", [1, 6, 11, 51])
def test_a_valid_detail_of_each_class_gets_a_14_digit_cae_due_10_days_after_its_date(client, sim, cbte_tipo):
    today = sim.today()

    result = client.solicitar_cae(3, cbte_tipo, [detail(cbte_tipo, 1, today)])

    assert result.resultado == "A" and result.errors == []
    approved = result.details[0]
    assert approved.resultado == "A" and approved.observaciones == []
    assert approved.cae.isdigit() and len(approved.cae) == 14
    assert approved.cae_vto == yyyymmdd(today + 10 * D)
    assert client.ultimo_autorizado(3, cbte_tipo) == 1


ACCEPTED = [
    ("iva rounded half even: 0.50 x 21 % = 0.105 -> 0.10, and 0.09 is within 0.01",
     6, dict(ImpNeto="0.50", ImpIVA="0.09", ImpTotal="0.59", Iva=iva((5, "0.50", "0.09")))),
    ("relative margin on large amounts (0.0071 %)",
     6, dict(ImpNeto="1000000.00", ImpIVA="210015.00", ImpTotal="1210015.00", Iva=iva((5, "1000000.00", "210015.00")))),
    ("total within 0.01", 6, dict(ImpTotal="121.01")),
    ("several rates", 6, dict(ImpNeto="200.00", ImpIVA="31.50", ImpTotal="231.50",
                               Iva=iva((4, "100.00", "10.50"), (5, "100.00", "21.00")))),
    ("no IVA, only exempt", 6, dict(ImpNeto="0", ImpOpEx="100.00", ImpIVA="0", ImpTotal="100.00", Iva=None)),
    ("0 % rate with ImpIVA 0", 6, dict(ImpIVA="0", ImpTotal="100.00", Iva=iva((3, "100.00", "0")))),
    ("a tributo", 6, dict(ImpTrib="5.00", ImpTotal="126.00", Tributos={"Tributo": [TRIBUTO]})),
    ("servicios dated 10 days back", 6, lambda t: _service(t, CbteFch=yyyymmdd(t - 10 * D))),
    ("productos dated 5 days back", 6, lambda t: dict(CbteFch=yyyymmdd(t - 5 * D))),
    ("no CbteFch: the process date", 6, dict(CbteFch=None)),
    ("dollars near the reference rate", 6, dict(MonId="DOL", MonCotiz="1000")),
    ("dollars paid in dollars without a rate", 6, dict(MonId="DOL", MonCotiz=None, CanMisMonExt="S")),
    ("a class B range of anonymous sales", 6, dict(CbteHasta=3, ImpTotal="363.00", ImpNeto="300.00",
                                                  ImpIVA="63.00", Iva=iva((5, "300.00", "63.00")))),
    ("a debit note A with its IVA not matching the rate (exempt from 10051 and 10061)",
     2, dict(ImpNeto="10.00", ImpIVA="5.00", ImpTotal="15.00", Iva=iva((5, "100.00", "5.00")))),
]


@pytest.mark.parametrize("cbte_tipo,fields", [(t, f) for _, t, f in ACCEPTED], ids=[name for name, _, _ in ACCEPTED])
def test_details_within_afips_rules_and_margins_are_approved(client, sim, cbte_tipo, fields):
    today = sim.today()
    fields = fields(today) if callable(fields) else fields

    result = client.solicitar_cae(1, cbte_tipo, [detail(cbte_tipo, 1, today, **fields)])

    assert result.resultado == "A", result.details[0].observaciones


def test_rounding_is_half_even_not_half_up(client, sim):
    # 0.50 x 21 % = 0.105: half even gives 0.10 (0.12 is 0.02 away), half up would give 0.11.
    spoiled = detail(6, 1, sim.today(), ImpNeto="0.50", ImpIVA="0.12", ImpTotal="0.62", Iva=iva((5, "0.50", "0.12")))

    result = client.solicitar_cae(1, 6, [spoiled])

    assert [c for c, _ in result.details[0].observaciones] == [10051]


def test_the_texts_are_afips(client, sim):
    today = sim.today()
    window = client.solicitar_cae(1, 6, [detail(6, 1, today, CbteFch=yyyymmdd(today - 6 * D))])
    missing = client.solicitar_cae(1, 6, [detail(6, 1, today, CondicionIVAReceptorId=None)])
    services = client.solicitar_cae(1, 6, [detail(6, 1, today, **_service(today, CbteFch=yyyymmdd(today - 11 * D)))])

    assert window.details[0].observaciones == [(10016, (
        "Campo CbteFch Debe estar comprendido  en el  rango  N-5 y N+5 siendo N la fecha de envio del pedido  de "
        "autorizacion para 1 - Productos"))]
    assert missing.details[0].observaciones == [(10246, (
        "Campo Condicion Frente al IVA del receptor es obligatorio conforme a lo reglamentado por la Resolucion "
        "General Nro 5616. Para mas informacion consular metodo FEParamGetCondicionIvaReceptor"))]
    assert (10016, msg.WINDOW_SERVICIOS.format(concepto="2 - Servicios")) in services.details[0].observaciones


def test_a_monotributo_receiver_of_a_class_a_invoice_is_observed_and_approved(client, sim):
    result = client.solicitar_cae(1, 1, [detail(1, 1, sim.today(), CondicionIVAReceptorId=6)])

    approved = result.details[0]
    assert approved.resultado == "A" and len(approved.cae) == 14
    assert approved.observaciones == [(10217, (
        "El credito fiscal discriminado en el presente comprobante solo podra ser computado a efectos del "
        "Procedimiento permanente de transicion al Regimen General."))]
    assert client.consultar(1, 1, 1)["Observaciones"]["Obs"][0]["Code"] == 10217


def test_the_receiver_may_not_be_the_issuer(client, sim, taxpayer):
    result = client.solicitar_cae(1, 1, [detail(1, 1, sim.today(), DocNro=taxpayer.cuit)])

    assert 10069 in [c for c, _ in result.details[0].observaciones]


def test_a_future_date_must_stay_in_the_month_of_sending(r, sim, taxpayer, client):
    month_end = datetime(2027, 1, 29, 12, 0, tzinfo=sim.sim.now().tzinfo)
    sim.admin("/clock", {"offset_seconds": (month_end - sim.sim.now()).total_seconds()})
    login_at(r, sim, taxpayer, sim.sim.now())

    next_month = client.solicitar_cae(1, 6, [detail(6, 1, month_end.date(), CbteFch="20270202")])
    same_month = client.solicitar_cae(1, 6, [detail(6, 1, month_end.date(), CbteFch="20270131")])

    assert next_month.details[0].observaciones == [(10152, msg.DETAIL[10152])]
    assert same_month.resultado == "A"


def test_fce_dates_have_their_own_windows(r, sim, taxpayer, client):
    today = sim.today()
    invoice = client.solicitar_cae(1, 201, [detail(1, 1, today, CbteFch=yyyymmdd(today + 2 * D))])
    note = client.solicitar_cae(1, 203, [detail(1, 1, today, CbteFch=yyyymmdd(today + D))])

    assert invoice.details[0].observaciones == [(10016, msg.WINDOW_FCE_FACTURA)]
    assert note.details[0].observaciones == [(10016, (
        "Campo CbteFch Debe estar comprendido  en el  rango  N-5 y N siendo N la fecha de envio del pedido de "
        "autorizacion para Facturas de Credito del tipo Nota de Debito o Nota de Credito"))]


def test_the_identification_threshold_is_configurable(client, sim):
    sim.admin("/rules", {"identification_threshold": "100"})

    anonymous = client.solicitar_cae(1, 6, [detail(6, 1, sim.today())])
    identified = client.solicitar_cae(1, 6, [detail(6, 1, sim.today(), DocTipo=96, DocNro=23456789)])

    assert anonymous.details[0].observaciones == [(10015, msg.DOC_ABOVE_THRESHOLD)]
    assert identified.resultado == "A"


def test_before_rg_5616_was_enforced_a_missing_receiver_condition_was_only_observed(client, sim):
    sim.admin("/rules", {"condicion_iva_optional": True})

    result = client.solicitar_cae(1, 6, [detail(6, 1, sim.today(), CondicionIVAReceptorId=None)])

    assert result.resultado == "A"
    assert [c for c, _ in result.details[0].observaciones] == [10245]


# Header and request level


def _raw_solicitar(client, cant_reg: int, pto_vta: int, cbte_tipo: int, details: list[dict]) -> dict:
    return client._call("FECAESolicitar", authorizes=True, FeCAEReq={
        "FeCabReq": {"CantReg": cant_reg, "PtoVta": pto_vta, "CbteTipo": cbte_tipo},
        "FeDetReq": {"FECAEDetRequest": details}})


@pytest.mark.parametrize("code,cant_reg,pto_vta,cbte_tipo,count", [
    (10001, 0, 1, 6, 1),
    (10002, 2, 1, 6, 1),
    (10003, 3, 1, 6, 3),
    (10003, 2, 1, 201, 2),
    (10004, 1, 0, 6, 1),
    (10004, 1, 99999, 6, 1),
    (10006, 1, 1, 0, 1),
    (10007, 1, 1, 14, 1),
])
def test_header_errors_reject_the_whole_request(client, sim, code, cant_reg, pto_vta, cbte_tipo, count):
    sim.admin("/rules", {"reg_x_req": 2})
    details = [detail(6, n, sim.today()) for n in range(1, count + 1)]

    with pytest.raises(DataError) as refused:
        _raw_solicitar(client, cant_reg, pto_vta, cbte_tipo, details)

    assert [c for c, _ in refused.value.codes] == [code]
    assert sim.admin("/authorised") == []


def test_cant_reg_mismatch_says_both_counts(client, sim):
    with pytest.raises(DataError) as refused:
        _raw_solicitar(client, 2, 1, 6, [detail(6, 1, sim.today())])

    assert refused.value.codes == [
        (10002, "Campo CantReg debe ser igual a lo informado en detalle. Informado: 2, Enviado:1")]


def test_reg_x_req_details_go_in_one_request(client, sim):
    today = sim.today()

    result = client.solicitar_cae(1, 6, [detail(6, n, today) for n in range(1, 251)])

    assert client.tot_x_request() == 250
    assert result.resultado == "A" and [d.numero for d in result.details] == list(range(1, 251))
    assert len({d.cae for d in result.details}) == 250
    assert client.ultimo_autorizado(1, 6) == 250


def test_a_batch_is_cut_at_its_first_rejected_detail(client, sim):
    today = sim.today()
    batch = [detail(6, 1, today), detail(6, 2, today, ImpTotal="1.00"), detail(6, 3, today)]

    result = client.solicitar_cae(1, 6, batch)

    assert result.resultado == "P"
    assert [d.resultado for d in result.details] == ["A", "R", "R"]
    assert [c for c, _ in result.details[1].observaciones] == [10048]
    assert result.details[2].observaciones == [] and result.details[2].cae == ""
    assert client.ultimo_autorizado(1, 6) == 1
    assert client.solicitar_cae(1, 6, [detail(6, 2, today)]).resultado == "A"


def test_a_batch_rejected_at_its_first_detail_is_all_rejected(client, sim):
    today = sim.today()

    result = client.solicitar_cae(1, 6, [detail(6, 1, today, ImpTotal="1.00"), detail(6, 2, today)])

    assert result.resultado == "R" and [d.resultado for d in result.details] == ["R", "R"]
    assert sim.admin("/authorised") == []


def test_a_gap_inside_a_batch_is_observed_on_that_detail(client, sim):
    today = sim.today()

    result = client.solicitar_cae(1, 6, [detail(6, 1, today), detail(6, 3, today)])

    assert result.resultado == "P"
    assert result.details[1].observaciones == [(10016, msg.SEQUENCE)]


def test_a_wrong_number_refuses_the_whole_request_with_10016(client, sim):
    with pytest.raises(SequenceError) as refused:
        client.solicitar_cae(1, 6, [detail(6, 2, sim.today())])

    assert refused.value.codes == [(10016, (
        "El numero o fecha del comprobante no se corresponde con el proximo a autorizar. "
        "Consultar metodo FECompUltimoAutorizado."))]
    assert sim.admin("/authorised") == []


def test_a_date_before_the_last_comprobante_refuses_the_request_with_10016(client, sim):
    today = sim.today()
    client.solicitar_cae(1, 6, [detail(6, 1, today)])

    with pytest.raises(SequenceError):
        client.solicitar_cae(1, 6, [detail(6, 2, today - D)])

    assert client.ultimo_autorizado(1, 6) == 1


def test_there_is_no_idempotency_sending_an_approved_request_again_gives_10016(client, sim):
    batch = [detail(6, 1, sim.today())]
    first = client.solicitar_cae(1, 6, batch)

    with pytest.raises(SequenceError):
        client.solicitar_cae(1, 6, batch)

    assert [row[4] for row in sim.admin("/authorised")] == [first.details[0].cae]


def test_numbering_is_per_cuit_point_of_sale_and_type(r, client, sim, new_taxpayer):
    today = sim.today()
    other = wsfe_client(r, sim, new_taxpayer())
    for pto_vta, cbte_tipo in ((1, 6), (2, 6), (1, 11)):
        assert client.solicitar_cae(pto_vta, cbte_tipo, [detail(cbte_tipo, 1, today)]).resultado == "A"
    assert other.solicitar_cae(1, 6, [detail(6, 1, today)]).resultado == "A"
    assert client.ultimo_autorizado(1, 6) == 1 and other.ultimo_autorizado(1, 6) == 1


# Reading back


def test_fecompconsultar_returns_what_was_authorised_and_602_when_nothing_was(client, sim):
    today = sim.today()
    sent = detail(6, 1, today, ImpTrib="5.00", ImpTotal="126.00", Tributos={"Tributo": [TRIBUTO]})
    approved = client.solicitar_cae(1, 6, [sent]).details[0]

    record = client.consultar(1, 6, 1)

    assert record["CodAutorizacion"] == approved.cae and record["FchVto"] == approved.cae_vto
    assert record["EmisionTipo"] == "CAE" and record["Resultado"] == "A"
    assert (record["PtoVta"], record["CbteTipo"], record["CbteDesde"], record["CbteFch"]) == (1, 6, 1, yyyymmdd(today))
    assert record["ImpTotal"] == 126.0 and record["CondicionIVAReceptorId"] == 5
    assert record["Iva"]["AlicIva"][0]["Importe"] == 21.0
    assert record["Tributos"]["Tributo"][0]["Desc"] == "Tasa municipal"
    assert client.consultar(1, 6, 2) is None


def test_every_number_of_a_class_b_range_reads_back_as_the_range(client, sim):
    client.solicitar_cae(1, 6, [detail(6, 1, sim.today(), CbteHasta=3, ImpTotal="363.00", ImpNeto="300.00",
                                       ImpIVA="63.00", Iva=iva((5, "300.00", "63.00")))])

    middle = client.consultar(1, 6, 2)

    assert (middle["CbteDesde"], middle["CbteHasta"]) == (1, 3)
    assert client.ultimo_autorizado(1, 6) == 3


@pytest.mark.parametrize("code,query", [
    (10200, {"PtoVta": 0, "CbteTipo": 6, "CbteNro": 1}),
    (10201, {"PtoVta": 1, "CbteTipo": 14, "CbteNro": 1}),
    (10202, {"PtoVta": 1, "CbteTipo": 6, "CbteNro": 0}),
])
def test_fecompconsultar_checks_its_input(client, code, query):
    with pytest.raises(DataError) as refused:
        client.consultar(query["PtoVta"], query["CbteTipo"], query["CbteNro"])

    assert [c for c, _ in refused.value.codes] == [code]


@pytest.mark.parametrize("code,pto_vta,cbte_tipo", [(11000, 0, 6), (11000, 99999, 6), (11001, 1, 14)])
def test_fecompultimoautorizado_checks_its_input(client, code, pto_vta, cbte_tipo):
    with pytest.raises(DataError) as refused:
        client.ultimo_autorizado(pto_vta, cbte_tipo)

    assert [c for c, _ in refused.value.codes] == [code]

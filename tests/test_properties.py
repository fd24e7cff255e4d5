"""Property tests: every generated valid comprobante is accepted and its detail is approved by the AFIP
simulator over HTTP at the amounts computed; every generated invalid input is refused with the error
shape, the expected code, and no exception.

`ENCOLA_PROPERTY_EXAMPLES` (default 200) sets the examples of the simulator property, per concepto;
the junk properties, which need no network, run five times as many. Raise it to thousands for a long
run.

The generated client computes its total the way a TusFacturas client does, independently of encola's
code: lines rounded to cents, the general bonificación off the subtotal, IVA per rate on what remains.
"""

from __future__ import annotations

import os
import string
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Context, Decimal, localcontext
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, assume, given, note, settings
from hypothesis import strategies as st

from afip.failures import AfipError
from comprobantes import answers
from comprobantes import problems as P
from comprobantes.amounts import within_tolerance
from comprobantes.codes import NOT_QUEUEABLE, TIPOS
from comprobantes.schemas import (
    AsociadoSchema, ClienteSchema, ComprobanteSchema, DetalleSchema, ProductoSchema, Shaped, TributoSchema, load,
)
from comprobantes.validation import check_item
from comprobantes.wsfe_mapping import numbered
from config import clock
from config.redis_client import get_redis
from config.settings import get_settings
from emission.afip_access import wsfe_for
from producers import enqueue, enqueue_batch, enqueue_lotes
from tests.support.bodies import ddmmyyyy, offline_pdv

EXAMPLES = int(os.environ.get("ENCOLA_PROPERTY_EXAMPLES") or 200)
SIMULATED = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
JUNK = settings(max_examples=5 * EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ISSUER = 20111111112
RATES = [Decimal("0"), Decimal("2.5"), Decimal("5"), Decimal("10.5"), Decimal("21"), Decimal("27")]
EXENTO, NO_GRAVADO = Decimal("-1"), Decimal("-2")


def _round(value, step: str) -> Decimal:
    """Half-even, from an exact Fraction (the client's arithmetic is exact until it rounds)."""
    fraction = Fraction(value)
    with localcontext(Context(prec=60)):
        exact = Decimal(fraction.numerator) / Decimal(fraction.denominator)
        return exact.quantize(Decimal(step), rounding=ROUND_HALF_EVEN)


def cuit_with_check_digit(body: str) -> str | None:
    weights = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
    check = 11 - sum(int(d) * w for d, w in zip(body, weights)) % 11
    if check == 10:
        return None
    return body + str(0 if check == 11 else check)


cuits = st.builds(lambda prefix, rest: cuit_with_check_digit(prefix + rest),
                  st.sampled_from(["20", "23", "27", "30", "33"]),
                  st.text("0123456789", min_size=8, max_size=8)).filter(lambda c: c is not None and c != str(ISSUER))


def amounts(low: str, high: str, places: int):
    step = Decimal(1).scaleb(-places)
    return st.integers(int(Decimal(low) / step), int(Decimal(high) / step)).map(lambda n: Decimal(n) * step)


# The receivers each class allows, by RG 5616's table: (condicion_iva, documento_tipo, number strategy)
RECEIVERS = {
    "A": [("RI", "CUIT", cuits), ("M", "CUIT", cuits)],
    "M": [("RI", "CUIT", cuits), ("M", "CUIT", cuits)],
    "B": [("CF", "DNI", st.integers(1_000_000, 99_999_999).map(str)), ("CF", "OTRO", st.just("0")),
          ("E", "CUIT", cuits), ("IVNA", "CUIT", cuits), ("CDEX", "PASAPORTE", st.integers(1, 10**12).map(str))],
}
RECEIVERS["C"] = RECEIVERS["A"] + RECEIVERS["B"]


@st.composite
def valid_items(draw, *, pto_vta: int, concepto: int, today: date, asociable: dict):
    tipo = draw(st.sampled_from(sorted(TIPOS)))
    clase = TIPOS[tipo].clase
    condicion, documento_tipo, numbers = draw(st.sampled_from(RECEIVERS[clase]))
    taxed = clase != "C"
    line_rates = RATES + [EXENTO, NO_GRAVADO] if taxed else [Decimal("0"), EXENTO, NO_GRAVADO]
    lines = draw(st.lists(st.fixed_dictionaries({
        "cantidad": amounts("1", "500", 2),
        "precio": amounts("1", "20000", draw(st.sampled_from([0, 2, 3]))),
        "alicuota": st.sampled_from(line_rates),
        "bonif": st.one_of(st.just(Decimal(0)), amounts("0", "50", 2)),
    }), min_size=1, max_size=draw(st.sampled_from([1, 3, 8]))))
    nets = [_round(Fraction(l["cantidad"]) * Fraction(l["precio"]) * (100 - Fraction(l["bonif"])) / 100, "0.01")
            for l in lines]
    subtotal = sum(nets)
    share = draw(st.one_of(st.just(Decimal(0)), amounts("0", "0.5", 2)))
    bonificacion = _round(Fraction(subtotal * share), "0.01")
    # The client's IVA per rate, on each rate's net less its proportional part of the bonificación.
    groups: dict = {}
    for line, net in zip(lines, nets):
        key = line["alicuota"] if taxed else "final"
        groups[key] = groups.get(key, 0) + Fraction(net)
    remaining = {k: v - Fraction(bonificacion) * v / Fraction(subtotal) for k, v in groups.items()}
    iva = sum((_round(v * Fraction(k) / 100, "0.01") for k, v in remaining.items()
               if k not in ("final", EXENTO, NO_GRAVADO)), Decimal(0))
    assume(iva > 0 or all(k in ("final", EXENTO, NO_GRAVADO, Decimal(0)) for k in groups))
    tributos = draw(st.lists(st.fixed_dictionaries({
        "tipo": st.sampled_from([1, 6, 7, 99]), "regimen": st.sampled_from([1, 3, 5, 22, 33]),
        "base_imponible": st.just(subtotal), "alicuota": amounts("0.1", "5", 2),
    }), max_size=2))
    for tributo in tributos:
        tributo["total"] = _round(Fraction(tributo["base_imponible"]) * Fraction(tributo["alicuota"]) / 100, "0.01")
    percepcion_iibb = draw(st.one_of(st.just(Decimal(0)), amounts("0.01", "500", 2)))
    total = subtotal - bonificacion + iva + sum((t["total"] for t in tributos), Decimal(0)) + percepcion_iibb

    moneda = draw(st.sampled_from(["PES", "PES", "PES", "DOL", "060"]))
    paga_misma_moneda = moneda != "PES" and draw(st.booleans())
    if moneda == "PES":
        cotizacion = Decimal(1)
    elif paga_misma_moneda:  # then AFIP wants its own rate, exactly
        cotizacion = asociable["rates"][moneda]
    else:
        cotizacion = draw(amounts(str(asociable["rates"][moneda] / 2), str(asociable["rates"][moneda] * 2), 4))
    if documento_tipo == "OTRO" and total * cotizacion >= get_settings().consumidor_final_threshold:
        documento_tipo, numbers = "DNI", st.just("30111222")
    # Amounts travel as JSON strings, as JSON numbers (Decimal after parsing) or as a Python caller's floats.
    wire = draw(st.sampled_from([str, Decimal, float]))
    reference = draw(st.text(string.ascii_letters + string.digits + "_-", min_size=1, max_size=40))
    comprobante = {
        "fecha": ddmmyyyy(today), "tipo": tipo, "operacion": "V", "punto_venta": pto_vta, "numero": 0,
        "moneda": moneda, "cotizacion": wire(cotizacion), "external_reference": reference,
        "detalle": [{"cantidad": wire(l["cantidad"]), "bonificacion_porcentaje": wire(l["bonif"]),
                     "producto": {"descripcion": "Concepto generado", "precio_unitario_sin_iva": wire(l["precio"]),
                                  "alicuota": wire(l["alicuota"])}} for l in lines],
        "bonificacion": wire(bonificacion), "tributos": [{k: wire(v) for k, v in t.items()} for t in tributos],
        "percepciones_iibb": wire(percepcion_iibb), "total": wire(total),
    }
    if moneda != "PES" and (paga_misma_moneda or draw(st.booleans())):
        comprobante["datos_informativos"] = {"paga_misma_moneda": "S" if paga_misma_moneda else "N"}
    if concepto != 1:
        comprobante.update(periodo_facturado_desde=ddmmyyyy(today.replace(day=1)),
                           periodo_facturado_hasta=ddmmyyyy(today + timedelta(days=draw(st.integers(0, 30)))),
                           vencimiento=ddmmyyyy(today + timedelta(days=draw(st.integers(0, 30)))))
    if TIPOS[tipo].is_note:
        if draw(st.booleans()):
            numero, fecha = asociable[clase]
            comprobante["comprobantes_asociados"] = [{
                "tipo_comprobante": f"FACTURA {clase}", "punto_venta": pto_vta, "numero": numero,
                "comprobante_fecha": ddmmyyyy(fecha), "cuit": ISSUER}]
        else:
            comprobante["comprobantes_asociados_periodo"] = {"fecha_desde": ddmmyyyy(today - timedelta(days=30)),
                                                             "fecha_hasta": ddmmyyyy(today)}
    cliente = {"documento_tipo": documento_tipo, "documento_nro": draw(numbers), "razon_social": "Cliente generado",
               "domicilio": "Calle 1", "provincia": 1, "envia_por_mail": "N", "condicion_pago": 201,
               "condicion_iva": condicion}
    return {"cliente": cliente, "comprobante": comprobante}


class Lanes:
    """The simulator as a point of sale sees it: the next number of each tipo."""

    def __init__(self, r, pdv):
        self.pdv = pdv
        self.client = wsfe_for(r, pdv)
        self.last = {tipo.cbte_tipo: self.client.ultimo_autorizado(pdv.pto_vta, tipo.cbte_tipo)
                     for tipo in TIPOS.values()}

    def emit(self, cbte_tipo: int, detail: dict):
        numero = self.last[cbte_tipo] + 1
        result = self.client.solicitar_cae(self.pdv.pto_vta, cbte_tipo, [numbered(detail, numero)])
        if result.resultado == "A":
            self.last[cbte_tipo] = numero
        return numero, result

    def reference_rate(self, moneda: str) -> Decimal | None:
        """ARCA's rate when the simulator offers FEParamGetCotizacion; AFIP takes 2 % to 400 % of it."""
        try:
            cotizacion = self.client.parameters("FEParamGetCotizacion", MonId=moneda)
        except AfipError:
            return None
        return Decimal(str(((cotizacion or {}).get("ResultGet") or {}).get("MonCotiz") or 0)) or None


@pytest.fixture(scope="module")
def points_of_sale(stack):
    """One point of sale per concepto, each with a factura of every class emitted for notes to associate."""
    r = get_redis()
    today = clock.today_ar()
    prepared = {}
    for concepto in (1, 2, 3):
        lanes = Lanes(r, stack.new_pdv(concepto=concepto).pdv)
        asociable = {"rates": {moneda: lanes.reference_rate(moneda) or fallback
                               for moneda, fallback in (("DOL", Decimal("1000")), ("060", Decimal("1100")))}}
        for clase in "ABCM":
            base_item = {
                "cliente": {"documento_tipo": "CUIT", "documento_nro": "30712293841", "razon_social": "Base",
                            "domicilio": "Calle 1", "provincia": 1, "envia_por_mail": "N", "condicion_pago": 201,
                            "condicion_iva": "E" if clase == "B" else "RI"},
                "comprobante": {"fecha": ddmmyyyy(today), "tipo": f"FACTURA {clase}", "operacion": "V",
                                "punto_venta": lanes.pdv.pto_vta, "external_reference": f"base-{clase}",
                                "detalle": [{"cantidad": "1", "producto": {"descripcion": "Base",
                                                                           "precio_unitario_sin_iva": "100",
                                                                           "alicuota": "21" if clase != "C" else "0"}}],
                                "total": "121" if clase != "C" else "100",
                                "periodo_facturado_desde": ddmmyyyy(today), "periodo_facturado_hasta": ddmmyyyy(today),
                                "vencimiento": ddmmyyyy(today)},
            }
            checked = check_item(base_item, lanes.pdv, today=today)
            assert checked.problems == []
            numero, result = lanes.emit(TIPOS[f"FACTURA {clase}"].cbte_tipo, checked.accepted.detail)
            assert result.resultado == "A", result
            asociable[clase] = (numero, today)
        prepared[concepto] = (lanes, asociable)
    return prepared


def _cents(value) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


AMOUNTS = ("ImpTotal", "ImpTotConc", "ImpNeto", "ImpOpEx", "ImpTrib", "ImpIVA")


@pytest.mark.parametrize("concepto", [1, 2, 3])
def test_every_generated_valid_comprobante_is_approved_by_the_simulator_at_the_computed_amounts(points_of_sale, concepto,
                                                                                               record_property):
    lanes, asociable = points_of_sale[concepto]
    today = clock.today_ar()
    approvals = set()

    @SIMULATED
    @given(valid_items(pto_vta=lanes.pdv.pto_vta, concepto=concepto, today=today, asociable=asociable))
    def approved(generated):
        checked = check_item(generated, lanes.pdv, today=today)
        note(f"problems: {checked.problems}")
        assert checked.problems == [] and checked.accepted is not None
        detail = checked.accepted.detail
        claimed = Decimal(str(generated["comprobante"]["total"]))
        assert within_tolerance(claimed, Decimal(detail["ImpTotal"]), len(detail.get("Iva", {}).get("AlicIva", [])) +
                                len(detail.get("Tributos", {}).get("Tributo", [])))
        numero, result = lanes.emit(checked.accepted.tipo.cbte_tipo, detail)
        note(f"detail: {detail}; result: {result}")
        assert result.resultado == "A" and result.details[0].cae
        stored = lanes.client.consultar(lanes.pdv.pto_vta, checked.accepted.tipo.cbte_tipo, numero)
        assert {name: _cents(stored[name]) for name in AMOUNTS} == {name: _cents(detail[name]) for name in AMOUNTS}
        approvals.add((checked.accepted.tipo.cbte_tipo, numero))

    approved()
    record_property("approved_by_the_simulator", len(approvals))  # reported with --junitxml
    # Not vacuous: most generated comprobantes reached AFIP (a few examples may be discarded by assume).
    assert len(approvals) >= EXAMPLES * 0.9


# Junk: never an exception, always the error shape.

json_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=20),
                         st.decimals(allow_nan=True, allow_infinity=True))
FIELD_NAMES = ["cliente", "comprobante", "detalle", "producto", "total", "fecha", "tipo", "alicuota", "cantidad",
               "precio_unitario_sin_iva", "external_reference", "tributos", "comprobantes_asociados", "documento_nro",
               "documento_tipo", "condicion_iva", "moneda", "cotizacion", "requests", "apikey", "punto_venta"]
json_values = st.recursive(
    json_scalars,
    lambda children: st.one_of(st.lists(children, max_size=4),
                               st.dictionaries(st.one_of(st.sampled_from(FIELD_NAMES), st.text(max_size=8)), children,
                                               max_size=5)),
    max_leaves=30,
)


def assert_error_shape(answer: dict) -> None:
    assert answer["error"] == "S" and answer["errores"] and answer["error_cod"] == []
    assert answer["errores"] == [d["text"] for d in answer["error_details"]]
    assert all(d["code"].startswith("TFC-") for d in answer["error_details"])


@JUNK
@given(json_values)
def test_arbitrary_junk_is_refused_with_the_error_shape_and_never_raises(junk):
    checked = check_item(junk, offline_pdv(), today=date(2026, 11, 21))
    assert checked.accepted is None and checked.problems
    assert_error_shape(answers.error(checked.problems, checked.external_reference))


VALID_TODAY = date(2026, 11, 21)
OFFLINE_ASOCIABLE = {"rates": {"DOL": Decimal("1000"), "060": Decimal("1100")}, **{c: (1, VALID_TODAY) for c in "ABCM"}}
KNOWN_FIELDS = {name for schema in (ClienteSchema, ComprobanteSchema, DetalleSchema, ProductoSchema, TributoSchema,
                                    AsociadoSchema) for name in schema().fields}


def _mutations(draw, generated: dict):
    """Break a valid item in one way that must be refused; returns the item and the code expected."""
    cbte, cliente = generated["comprobante"], generated["cliente"]
    line = cbte["detalle"][draw(st.integers(0, len(cbte["detalle"]) - 1))]
    kind = draw(st.sampled_from(range(12)))
    if kind == 0:
        del cbte[draw(st.sampled_from(["fecha", "tipo", "operacion", "punto_venta", "detalle", "total"]))]
        return P.REQUIRED
    if kind == 1:
        del cliente[draw(st.sampled_from(["documento_tipo", "razon_social", "domicilio", "condicion_iva"]))]
        return P.CLIENTE_REQUIRED
    if kind == 2:
        target = draw(st.sampled_from([cbte, cliente, line, line["producto"]]))
        unknown = st.text(string.ascii_lowercase, min_size=3, max_size=12).filter(lambda k: k not in KNOWN_FIELDS)
        target[draw(unknown)] = 1
        return P.UNKNOWN_FIELD
    if kind == 3:
        cbte["total"] = str(Decimal(str(cbte["total"])) * Decimal("1.001") + draw(amounts("0.1", "1000", 2)))
        return P.TOTAL
    if kind == 4:
        cbte["numero"] = draw(st.integers(1, 99999999))
        return P.NUMERO
    if kind == 5:
        cbte["tipo"] = draw(st.sampled_from(sorted(NOT_QUEUEABLE)))
        return P.NOT_QUEUEABLE
    if kind == 6:
        cbte["punto_venta"] = cbte["punto_venta"] + draw(st.integers(1, 1000))
        return P.PUNTO_VENTA
    if kind == 7:
        line["producto"]["alicuota"] = draw(st.sampled_from(["22", "3", "7", "-3", "100", "10.50001"]))
        return P.ALICUOTA
    if kind == 8:
        ref = cbte["external_reference"]
        at = draw(st.integers(0, len(ref)))
        cbte["external_reference"] = ref[:at] + draw(st.sampled_from(list(" %'/.áñ#@"))) + ref[at:]
        return P.REFERENCE
    if kind == 9:
        cliente["documento_nro"] = cliente["documento_nro"] + draw(st.sampled_from(["-", ".", "x", " 1"]))
        return P.DOCUMENTO
    if kind == 10:
        cbte["fecha"] = ddmmyyyy(VALID_TODAY - timedelta(days=draw(st.integers(11, 400))))
        return P.FECHA
    junk = draw(st.sampled_from(["uno", "", "1,5", [], {}]))
    line[draw(st.sampled_from(["cantidad", "bonificacion_porcentaje"]))] = junk
    return P.INVALID


@JUNK
@given(st.data())
def test_every_generated_invalid_comprobante_is_refused_with_its_code(data):
    concepto = data.draw(st.sampled_from([1, 2, 3]))
    generated = data.draw(valid_items(pto_vta=1, concepto=concepto, today=VALID_TODAY, asociable=OFFLINE_ASOCIABLE))
    expected = _mutations(data.draw, generated)
    checked = check_item(generated, offline_pdv(concepto=concepto), today=VALID_TODAY)
    assert checked.accepted is None
    assert expected.code in [p.code for p in checked.problems], checked.problems
    assert_error_shape(answers.error(checked.problems, checked.external_reference))


@settings(max_examples=max(20, EXAMPLES // 2), deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(junk=json_values)
def test_junk_through_the_entry_points_gets_the_error_shape(stack, pdv, junk):
    body = {**pdv.credentials, **junk} if isinstance(junk, dict) else junk
    assert_error_shape(enqueue(body))
    for batch in (enqueue_batch(body), enqueue_batch({**pdv.credentials, "requests": [junk]})):
        assert batch["error"] == "S" and batch["errores"]
        assert all(entry["error"] == "S" for entry in batch["response"])
    refused = enqueue_lotes(body)
    assert refused["error"] == "S" and refused["errores"] and refused["procesados"] == 0
    lote = enqueue_lotes({**pdv.credentials, "webhook_url": pdv.pdv.webhook_url, "requests": [junk]})
    assert lote["procesados"] == 0 and (lote["errores"] or lote["validaciones"])


# A cache of two shapes, so that most examples build their restricted schema.
RESTRICTED = {name: (Shaped(schema, size=2), schema()) for name, schema in (("cliente", ClienteSchema),
                                                                           ("comprobante", ComprobanteSchema))}


def _roughen(draw, value):
    """`value` with some of its fields, at any depth, dropped or replaced by junk."""
    if isinstance(value, dict):
        rough = {}
        for key, inner in value.items():
            fate = draw(st.sampled_from(["keep", "keep", "keep", "drop", "junk"]))
            if fate != "drop":
                rough[key] = draw(json_values) if fate == "junk" else _roughen(draw, inner)
        return rough
    if isinstance(value, list):
        return [_roughen(draw, inner) for inner in value] + draw(st.lists(json_values, max_size=1))
    return value


@JUNK
@given(st.data())
def test_a_load_restricted_to_the_inputs_shape_answers_as_the_whole_schema(data):
    """Shaped (comprobantes/schemas.py) leaves out the fields an input does not carry: its data and its
    messages, in their order, are those of the whole schema's load, for valid, broken and rough inputs."""
    generated = data.draw(valid_items(pto_vta=1, concepto=data.draw(st.sampled_from([1, 2, 3])), today=VALID_TODAY,
                                      asociable=OFFLINE_ASOCIABLE))
    if data.draw(st.booleans()):
        _mutations(data.draw, generated)
    item = _roughen(data.draw, generated) if data.draw(st.booleans()) else generated
    for name, (shaped, whole) in RESTRICTED.items():
        assert repr(shaped.load(item.get(name))) == repr(load(whole, item.get(name)))

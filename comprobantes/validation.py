"""Judging one `{cliente, comprobante}` item at once: the queue's rules (seeds 000-002) and pre-flight
checks that mirror AFIP's, so errors come back at submission rather than at emission."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from accounts.points_of_sale import PointOfSale
from comprobantes.answers import Problem
from comprobantes.codes import (
    ALICUOTAS, CONDICIONES_IVA, CONDICIONES_POR_CLASE, DOCUMENTO_TIPOS, EXENTO, MONEDAS, NO_GRAVADO,
    NOT_QUEUEABLE, TIPOS, TipoComprobante,
)
from comprobantes.wsfe_mapping import compute_totals, fe_detail

EXTERNAL_REFERENCE = re.compile(r"^[A-Za-z0-9_-]{1,255}$")
MISSING_REFERENCE = Problem(
    "TFC-8002",
    "Cuando se envia un comprobante a la cola, debes enviar una referencia externa en el campo external_reference.",
)
BAD_REFERENCE = Problem("TFC-8002", "La external reference enviada, posee caracteres no validos.")
CLIENT_ERROR = Problem(
    "TFC-6001", "Error al crear al cliente . No se podra generar el comprobante. Revise los datos enviados."
)
AMOUNT_TOLERANCE = Decimal("0.01")


class DateField(fields.Field):
    """dd/mm/aaaa, as every TusFacturas date travels."""

    default_error_messages = {"invalid": "La fecha no tiene el formato correcto (dd/mm/aaaa)."}

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str):
            raise self.make_error("invalid")
        try:
            return datetime.strptime(value.strip(), "%d/%m/%Y").date()
        except ValueError:
            raise self.make_error("invalid") from None


def _amount(**kwargs):
    return fields.Decimal(
        allow_nan=False,
        error_messages={"invalid": "Debe ser un número con punto decimal.", "special": "Debe ser un número."},
        **kwargs,
    )


class ProductoSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    descripcion = fields.String(required=True, validate=validate.Length(min=1, max=255))
    precio_unitario_sin_iva = _amount(required=True, validate=validate.Range(min=0))
    alicuota = _amount(required=True)


class DetalleSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    cantidad = _amount(required=True, validate=validate.Range(min=0, min_inclusive=False))
    producto = fields.Nested(ProductoSchema, required=True)
    bonificacion_porcentaje = _amount(load_default=Decimal("0"), validate=validate.Range(min=0, max=100))


class TributoSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    tipo = fields.Integer(required=True)
    base_imponible = _amount(required=True, validate=validate.Range(min=0))
    alicuota = _amount(required=True, validate=validate.Range(min=0))
    total = _amount(required=True, validate=validate.Range(min=0))


class ClienteSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    documento_tipo = fields.String(required=True, validate=validate.OneOf(list(DOCUMENTO_TIPOS)))
    documento_nro = fields.String(required=True)
    razon_social = fields.String(required=True, validate=validate.Length(min=1, max=255))
    condicion_iva = fields.String(required=True, validate=validate.OneOf(list(CONDICIONES_IVA)))
    condicion_iva_operacion = fields.String(validate=validate.OneOf(list(CONDICIONES_IVA)))


class ComprobanteSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    fecha = DateField(required=True)
    tipo = fields.String(required=True)
    punto_venta = fields.Integer(required=True, strict=False)
    moneda = fields.String(required=True, validate=validate.OneOf(sorted(MONEDAS)))
    cotizacion = _amount(required=True, validate=validate.Range(min=0, min_inclusive=False))
    numero = fields.Integer(load_default=0)
    vencimiento = DateField()
    periodo_facturado_desde = DateField()
    periodo_facturado_hasta = DateField()
    detalle = fields.List(fields.Nested(DetalleSchema), required=True, validate=validate.Length(min=1, max=130))
    tributos = fields.List(fields.Nested(TributoSchema), load_default=list, validate=validate.Length(max=7))
    total = _amount(required=True, validate=validate.Range(min=0))
    external_reference = fields.Raw()


@dataclass
class Accepted:
    """A comprobante that passed every check, ready to be stored and queued."""

    external_reference: str
    tipo: TipoComprobante
    pto_vta: int
    fecha: date
    vencimiento: date | None
    total: Decimal
    detail: dict  # FECAEDetRequest without its number
    body: dict  # {"cliente", "comprobante"} as sent, without credentials


@dataclass
class Checked:
    external_reference: str
    problems: list[Problem]
    basic_failure: bool  # the request lacks what the queue needs to even answer by webhook
    accepted: Accepted | None


def _flatten(messages, prefix="") -> list[str]:
    out = []
    if isinstance(messages, dict):
        for name, inner in messages.items():
            out.extend(_flatten(inner, f"{prefix}{name}." if not isinstance(name, int) else f"{prefix}{name}."))
    elif isinstance(messages, list):
        for inner in messages:
            out.extend(_flatten(inner, prefix))
    else:
        out.append(f"{prefix.rstrip('.')}: {messages}")
    return out


def _field_problems(code: str, block: str, error: ValidationError) -> list[Problem]:
    return [Problem(code, f"{block}.{text}") for text in _flatten(error.messages)]


def check_item(item, pdv: PointOfSale, *, today: date) -> Checked:
    """Every problem of one item (never only the first), or the accepted comprobante."""
    if not isinstance(item, dict):
        return Checked("", [Problem("TFC-1001", "Cada request debe ser un objeto con cliente y comprobante.")], True, None)
    raw_cbte = item.get("comprobante") if isinstance(item.get("comprobante"), dict) else {}
    raw_cliente = item.get("cliente") if isinstance(item.get("cliente"), dict) else {}
    ref = raw_cbte.get("external_reference")
    ref_text = ref if isinstance(ref, str) else ("" if ref is None else str(ref))
    problems: list[Problem] = []
    basic = False
    if ref_text.strip() == "":
        problems.append(MISSING_REFERENCE)
        basic = True
    elif not EXTERNAL_REFERENCE.match(ref_text):
        problems.append(BAD_REFERENCE)

    cliente = comprobante = None
    try:
        cliente = ClienteSchema().load(raw_cliente)
    except ValidationError as exc:
        problems.extend(_field_problems("TFC-6002", "cliente", exc))
    try:
        comprobante = ComprobanteSchema().load(raw_cbte)
    except ValidationError as exc:
        problems.extend(_field_problems("TFC-7001", "comprobante", exc))
    if problems and cliente is None:
        problems.append(CLIENT_ERROR)
    if cliente is None or comprobante is None or problems:
        return Checked(ref_text, problems, basic, None)

    tipo_name = comprobante["tipo"].strip().upper()
    if tipo_name in NOT_QUEUEABLE:
        problems.append(Problem("TFC-8003", NOT_QUEUEABLE[tipo_name]))
    elif tipo_name not in TIPOS:
        problems.append(Problem("TFC-7002", f"El tipo de comprobante {comprobante['tipo']!r} no es valido."))
    if comprobante["numero"] != 0:
        problems.append(Problem("TFC-8004", "Cuando se envia un comprobante a la cola, el campo numero debe ser 0."))
    if comprobante["punto_venta"] != pdv.pto_vta:
        problems.append(
            Problem("TFC-7003", f"El punto de venta {comprobante['punto_venta']} no corresponde a sus credenciales.")
        )
    for line in comprobante["detalle"]:
        rate = line["producto"]["alicuota"]
        if rate not in ALICUOTAS and rate not in (EXENTO, NO_GRAVADO):
            problems.append(Problem("TFC-7004", f"La alicuota {rate} no es valida."))
    if problems:
        return Checked(ref_text, problems, basic, None)

    tipo = TIPOS[tipo_name]
    condicion = cliente.get("condicion_iva_operacion") or cliente["condicion_iva"]
    if CONDICIONES_IVA[condicion] not in CONDICIONES_POR_CLASE[tipo.clase]:
        problems.append(
            Problem("TFC-8005", f"Para la condicion de IVA seleccionada no se permite realizar comprobantes de tipo {tipo.clase}.")
        )
    # AFIP takes CbteFch from N-5 (productos) or N-10 (servicios) days, N being the day it is sent;
    # a queued comprobante is sent on its fecha or, if that has passed, today.
    window = 5 if pdv.concepto == 1 else 10
    if comprobante["fecha"] < today - timedelta(days=window):
        problems.append(
            Problem("TFC-7006", f"La fecha del comprobante no puede ser anterior a {window} dias antes de hoy para el concepto del punto de venta.")
        )
    doc_nro = cliente["documento_nro"].strip()
    if not doc_nro.isdigit():
        problems.append(Problem("TFC-6003", "El numero de documento del cliente debe contener solo digitos."))
    if problems:
        return Checked(ref_text, problems, basic, None)

    lines = [
        {
            "cantidad": line["cantidad"],
            "precio": line["producto"]["precio_unitario_sin_iva"],
            "bonificacion_porcentaje": line["bonificacion_porcentaje"],
            "alicuota": line["producto"]["alicuota"],
        }
        for line in comprobante["detalle"]
    ]
    tributos = [{"importe": t["total"]} for t in comprobante["tributos"]]
    totals = compute_totals(tipo, lines, tributos)
    if abs(totals.total - comprobante["total"]) > AMOUNT_TOLERANCE:
        problems.append(
            Problem("TFC-7005", f"El total informado ({comprobante['total']}) no coincide con el total calculado ({totals.total}).")
        )
        return Checked(ref_text, problems, basic, None)

    periodo = None
    if comprobante.get("periodo_facturado_desde") and comprobante.get("periodo_facturado_hasta"):
        periodo = (comprobante["periodo_facturado_desde"], comprobante["periodo_facturado_hasta"])
    detail = fe_detail(
        tipo=tipo,
        concepto=pdv.concepto,
        documento_tipo=cliente["documento_tipo"],
        documento_nro=int(doc_nro),
        condicion_iva=condicion,
        fecha=comprobante["fecha"],
        totals=totals,
        moneda=comprobante["moneda"],
        cotizacion=comprobante["cotizacion"],
        vencimiento=comprobante.get("vencimiento"),
        periodo=periodo,
    )
    body = {"cliente": raw_cliente, "comprobante": raw_cbte}
    accepted = Accepted(
        external_reference=ref_text,
        tipo=tipo,
        pto_vta=pdv.pto_vta,
        fecha=comprobante["fecha"],
        vencimiento=comprobante.get("vencimiento"),
        total=totals.total,
        detail=detail,
        body=body,
    )
    return Checked(ref_text, [], False, accepted)

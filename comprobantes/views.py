"""How a stored comprobante reads in TusFacturas' `consulta` and `consulta_avanzada` answers
(developers.tusfacturas.app), queued ones included with the queue's status strings."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from accounts.points_of_sale import PointOfSale
from comprobantes.answers import NO_DATE, comprobante_nro
from comprobantes.dates import ddmmyyyy, yyyymmdd_to_ddmmyyyy
from comprobantes.lifecycle import State
from comprobantes.store import Record

STATUS = {
    State.EMITIDO: "EMITIDO",
    State.ENCOLADO: "APROBADO Y EN COLA. SE EMITE EL {fecha}",
    State.PROCESANDO: "EN COLA, ESPERANDO APROBACION",
    State.ERROR: "ENVIADO A PROCESAR - CON ERROR",
}


def status_text(record: Record) -> str:
    return STATUS[record.state].format(fecha=ddmmyyyy(record.fecha))


def _decimal(value) -> Decimal:
    try:
        return Decimal(str(value if value not in (None, "") else 0))
    except InvalidOperation:
        return Decimal(0)


def _line(item: dict) -> dict:
    producto = item.get("producto") or {}
    cantidad = _decimal(item.get("cantidad"))
    precio = _decimal(producto.get("precio_unitario_sin_iva"))
    bonificacion = _decimal(item.get("bonificacion_porcentaje"))
    total = cantidad * precio * (1 - bonificacion / 100)
    return {
        "cantidad": str(item.get("cantidad", "")),
        "producto": {
            "descripcion": producto.get("descripcion", ""),
            "precio_unitario": str(producto.get("precio_unitario_sin_iva", "")),
            "alicuota": str(producto.get("alicuota", "")),
            "bonificacion": str(item.get("bonificacion_porcentaje", "0")),
            "impuestos_internos_alicuota": str(producto.get("impuestos_internos_alicuota", "0")),
            "precio_total": str(total.quantize(Decimal("0.01"))),
        },
        "bonificacion_porcentaje": str(item.get("bonificacion_porcentaje", "0")),
        "leyenda": item.get("leyenda", ""),
    }


def consulta_view(record: Record, links: dict[str, str]) -> dict:
    """{"cliente": ..., "comprobante": ...} as the consulta simple answers it; `links` to its documents
    (comprobantes/document_links.py)."""
    cliente = record.body.get("cliente") or {}
    sent = record.body.get("comprobante") or {}
    emitted = record.state == State.EMITIDO
    return {
        "cliente": {name: cliente.get(name, "") for name in
                    ("documento_tipo", "documento_nro", "razon_social", "email", "domicilio")},
        "comprobante": {
            "fecha": ddmmyyyy(record.fecha),
            "tipo": record.tipo,
            "moneda": sent.get("moneda", "PES"),
            "idioma": sent.get("idioma", "1"),
            "cotizacion": str(sent.get("cotizacion", "1")),
            "operacion": sent.get("operacion", "V"),
            "punto_venta": record.pto_vta,
            "numero": record.numero,
            "periodo_facturado_desde": sent.get("periodo_facturado_desde", ""),
            "periodo_facturado_hasta": sent.get("periodo_facturado_hasta", ""),
            "rubro": sent.get("rubro", ""),
            "rubro_grupo_contable": sent.get("rubro_grupo_contable", ""),
            "detalle": [_line(item) for item in sent.get("detalle") or [] if isinstance(item, dict)],
            "bonificacion": str(sent.get("bonificacion", "0")),
            "leyenda_gral": sent.get("leyenda_gral", ""),
            "percepciones_iibb": str(sent.get("percepciones_iibb", "0")),
            "percepciones_iva": str(sent.get("percepciones_iva", "0")),
            "tributos": sent.get("tributos") or [],
            "exentos": record.detail.get("ImpOpEx", "0.00"),
            "nogravados": record.detail.get("ImpTotConc", "0.00"),
            "impuestos_internos": str(sent.get("impuestos_internos", "0")),
            "impuestos_internos_base": str(sent.get("impuestos_internos_base", "0")),
            "impuestos_internos_alicuota": str(sent.get("impuestos_internos_alicuota", "0")),
            "total": record.total,
            # TusFacturas writes a trailing space after cae and afip_qr "for compatibility".
            "cae": f"{record.cae} " if emitted else " ",
            "afip_codigo_barras": "",
            "afip_qr": f"{record.afip_qr} " if emitted else "",
            "afip_observaciones": record.observaciones,
            "vencimiento_cae": yyyymmdd_to_ddmmyyyy(record.cae_vto) if emitted else NO_DATE,
            "vencimiento_pago": ddmmyyyy(record.vencimiento),
            **links,
            "micrositios": {"cliente": "", "descarga": ""},
            "external_reference": record.external_reference,
            "tags": sent.get("tags") or [],
            "status": status_text(record),
            "ctacte_status": "",
            "errores": record.last_error if record.state == State.ERROR else [],
        },
    }


def emitted_answer(record: Record, pdv: PointOfSale, links: dict[str, str]) -> dict:
    """The instant endpoint's success answer (developers.tusfacturas.app), with `links` to its documents."""
    numero = comprobante_nro(record.pto_vta, record.numero)
    mail = record.mail_request.answer_fields()
    return {
        "error": "N",
        "errores": [],
        "rta": f"El comprobante {record.tipo} {numero} ({pdv.razon_social or pdv.cuit}) se ha guardado correctamente",
        "cae": f"{record.cae} ",
        "requiere_fec": "NO",
        "vencimiento_cae": yyyymmdd_to_ddmmyyyy(record.cae_vto),
        "vencimiento_pago": ddmmyyyy(record.vencimiento),
        **links,
        "afip_qr": f"{record.afip_qr} ",
        "afip_codigo_barras": "",
        "envio_x_mail": mail["envio_x_mail"],
        "external_reference": record.external_reference,
        "comprobante_nro": numero,
        "comprobante_tipo": record.tipo,
        "micrositios": {"cliente": "", "descarga": ""},
        "envio_x_mail_direcciones": mail["envio_x_mail_direcciones"],
        "observaciones": "; ".join([*record.observaciones, *record.mail_request.notices()]),
    }

"""Emitted comprobantes to render as documents, one per case the printed form has to handle: each class,
a note with its associated comprobante, foreign currency, services, long texts and 200 lines."""

from __future__ import annotations

from datetime import date

from comprobantes.store import Record
from documents import Issuer
from tests.support.bodies import ddmmyyyy, item
from tests.support.emitted import TODAY, emitted_record

CUIT_RI = "30712293841"
ISSUER = Issuer(razon_social="Encola Desarrollo SRL", cuit=20111111112, condicion_iva="RI",
                domicilio="Av. Corrientes 1234, piso 5º, C1043 Ciudad Autónoma de Buenos Aires", iibb="901-123456-7",
                inicio_actividades=date(2020, 3, 1))
MONOTRIBUTISTA = Issuer(razon_social="Núñez Servicios Ópticos", cuit=20111111112, condicion_iva="M",
                        domicilio="Bv. Oroño 850, Rosario, Santa Fe", iibb="Exento", inicio_actividades=date(2019, 7, 15))
# The format's longest description (255 characters), with a word wider than the whole column.
LONG_DESCRIPTION = ("Mantenimiento mensual del sitio: actualización de contenidos, copias de seguridad diarias, "
                    "monitoreo y atención de consultas en días hábiles; dominio ñandú-ingeniería.com.ar, referencia "
                    + "X" * 60)


def line(descripcion: str, precio: str, alicuota: str = "21", cantidad: str = "1", codigo: str = "") -> dict:
    producto = {"descripcion": descripcion, "precio_unitario_sin_iva": precio, "alicuota": alicuota}
    return {"cantidad": cantidad, "producto": {**producto, **({"codigo": codigo} if codigo else {})}}


def _body(tipo: str, lines: list[dict], total: str, *, cliente: dict | None = None, **comprobante) -> dict:
    built = item(f"doc-{tipo.lower().replace(' ', '-')}", TODAY, tipo=tipo)
    built["cliente"].update(cliente or {})
    built["comprobante"].update(detalle=lines, total=total, **comprobante)
    return built


RESPONSABLE_INSCRIPTO = {"documento_tipo": "CUIT", "documento_nro": CUIT_RI, "condicion_iva": "RI",
                         "razon_social": "Ñandú Ingeniería S.R.L.", "domicilio": "Calle Güemes 4410, Córdoba"}
CONSUMIDOR_FINAL = {"documento_tipo": "DNI", "documento_nro": "23456789", "condicion_iva": "CF",
                    "razon_social": "José Pérez Ørsted", "domicilio": "Av. Santa Fe 2313, 3º B"}
THREE_LINES = [line("Hosting página web", "114.88", cantidad="2", codigo="H-1"),
               line("Libro técnico «Facturación electrónica»", "50", "10.5", codigo="L-22"),
               line("Curso exento", "30", "-1", codigo="C-3")]


def factura_a() -> Record:
    return emitted_record(_body("FACTURA A", THREE_LINES, "368.26", cliente=RESPONSABLE_INSCRIPTO,
                                percepciones_iibb="5.00"))


def factura_b() -> Record:
    lines = [line("Hosting página web", "114.88", codigo="H-1"), line(LONG_DESCRIPTION, "1000", codigo="M-1"),
             line("Soporte técnico", "100", cantidad="1.5", codigo="S-9")]
    return emitted_record(_body("FACTURA B", lines, "1530.50", cliente=CONSUMIDOR_FINAL))


def factura_c() -> Record:
    """Services: the billed period and the vencimiento de pago are printed."""
    lines = [line("Consulta oftalmológica", "25000", codigo="CO-1"), line("Lentes de contacto", "18000.5", cantidad="2")]
    return emitted_record(_body("FACTURA C", lines, "61001.00", cliente=CONSUMIDOR_FINAL,
                                periodo_facturado_desde=ddmmyyyy(date(2026, 11, 1)),
                                periodo_facturado_hasta=ddmmyyyy(date(2026, 11, 20)),
                                vencimiento=ddmmyyyy(date(2026, 12, 10))),
                          pdv_changes={"condicion_iva": "M", "concepto": 2})


def nota_credito_a() -> Record:
    asociado = {"tipo_comprobante": "FACTURA A", "punto_venta": 1, "numero": 7, "comprobante_fecha": "20/11/2026"}
    return emitted_record(_body("NOTA DE CREDITO A", [line("Devolución hosting", "114.88", codigo="H-1")], "139.00",
                                cliente=RESPONSABLE_INSCRIPTO, comprobantes_asociados=[asociado]), numero=45)


def factura_dolares() -> Record:
    return emitted_record(_body("FACTURA A", [line("Licencia anual de software", "1000", codigo="LIC")], "1210.00",
                                cliente=RESPONSABLE_INSCRIPTO, moneda="DOL", cotizacion="1050.25",
                                datos_informativos={"paga_misma_moneda": "S"}), numero=124)


def factura_200_lineas() -> Record:
    """200 lines of 1.00 + 21 %. The format takes at most 130 lines, so the amounts are judged as one line of
    200 units (the same nets, IVA and total) and the 200 lines put back in the body the document reads."""
    record = emitted_record(_body("FACTURA B", [line("Artículo", "1", cantidad="200")], "242.00",
                                  cliente=CONSUMIDOR_FINAL), numero=125)
    record.body["comprobante"]["detalle"] = [line(f"Artículo {n}", "1", codigo=f"A-{n:03d}") for n in range(1, 201)]
    return record


SAMPLES = {"factura_a": factura_a, "factura_b": factura_b, "factura_c": factura_c, "nota_credito_a": nota_credito_a,
           "factura_dolares": factura_dolares, "factura_200_lineas": factura_200_lineas}

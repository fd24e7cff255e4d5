"""The examples of TusFacturas' pages (requests and the answers they show), shared by their replays through the
Python API (tests/test_seeds.py) and over HTTP (tests/http/test_http_seeds.py)."""

from __future__ import annotations

import copy

SEED_001_INVALID_REFERENCE = {
    "error": "S",
    "errores": [
        "La external reference enviada, posee caracteres no validos.",
        "Error al crear al cliente . No se podra generar el comprobante. Revise los datos enviados.",
    ],
    "error_cod": [],
    "error_details": [
        {"code": "TFC-8002", "text": "La external reference enviada, posee caracteres no validos."},
        {"code": "TFC-6001", "text": "Error al crear al cliente . No se podra generar el comprobante. Revise los datos enviados."},
    ],
    "external_reference": "1%'703",
}
SEED_001_NO_REFERENCE = {
    "error": "S",
    "errores": [
        "Cuando se envia un comprobante a la cola, debes enviar una referencia externa en el campo external_reference.",
        "La external reference enviada, posee caracteres no validos.",
        "Error al crear al cliente . No se podra generar el comprobante. Revise los datos enviados.",
    ],
    "error_cod": [],
    "error_details": [
        {"code": "TFC-8002", "text": "Cuando se envia un comprobante a la cola, debes enviar una referencia externa en el campo external_reference."},
        {"code": "TFC-8002", "text": "La external reference enviada, posee caracteres no validos."},
        {"code": "TFC-6001", "text": "Error al crear al cliente . No se podra generar el comprobante. Revise los datos enviados."},
    ],
    "external_reference": "",
}
SEED_001_ACCEPTED = {
    "error": "N", "errores": [], "error_cod": [], "error_details": [], "external_reference": "ex_rf1",
    "requiere_fec": "NO", "observaciones": "", "tfc_generacion_tipo": 6,
    "rta": "El comprobante  se ha guardado correctamente ", "cae": " ", "vencimiento_cae": "01/01/2000",
    "vencimiento_pago": "21/03/2022", "comprobante_nro": "00010-00000000", "comprobante_tipo": "FACTURA A",
    "afip_codigo_barras": "", "afip_qr": "", "envio_x_mail": "N", "envio_x_mail_direcciones": "",
    "micrositios": {"cliente": "", "descarga": ""}, "comprobante_pdf_url": "",
}


def seed_002_body(credentials: dict, webhook_url: str, fecha: str) -> dict:
    """The example lote of TusFacturas' legacy lotes page (three FACTURA B of 114.88 + 21 %), with the point
    of sale's credentials at the top and the given dates."""
    request = {
        "apitoken": credentials["apitoken"],
        "cliente": {"documento_tipo": "CUIT", "condicion_iva": "M", "domicilio": "Av Sta Fe 23132",
                    "condicion_pago": "0", "documento_nro": "3071229384", "razon_social": "VOUSYS", "provincia": "2",
                    "email": "tusfacturas@vousys.com", "envia_por_mail": "N"},
        "apikey": credentials["apikey"],
        "comprobante": {
            "rubro": "Sevicios web", "percepciones_iva": 0, "tipo": "FACTURA B", "numero": 0,
            "facturacion_lote_id_referencia": "ASD123AW", "percepciones_iibb": 0, "bonificacion": 0,
            "operacion": "V",
            "detalle": [{"cantidad": 1, "producto": {"descripcion": "Hosting pagina web ", "codigo": 37,
                                                      "lista_precios": "standard", "leyenda": "", "unidad_bulto": 1,
                                                      "alicuota": 21, "precio_unitario_sin_iva": 114.88}}],
            "fecha": fecha, "rubro_grupo_contable": "Sevicios", "total": 139.0, "cotizacion": 1, "moneda": "PES",
            "punto_venta": 3, "impuestos_internos": 0,
        },
        "usertoken": credentials["usertoken"],
    }
    requests = []
    for reference in ("ASD123AW", "ASD123AW2", "ASD123AW3"):
        one = copy.deepcopy(request)
        one["comprobante"]["facturacion_lote_id_referencia"] = reference
        requests.append(one)
    return {**credentials, "webhook_url": webhook_url, "fecha_envio_inicial": fecha, "requests": requests}

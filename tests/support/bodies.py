"""Request bodies for the tests, shaped like the seeds' examples."""

from __future__ import annotations

from datetime import date


def ddmmyyyy(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def item(ref: str, fecha: date, *, tipo: str = "FACTURA B", pto_vta: int = 1, precio: str = "114.88",
         alicuota: str = "21", total: str = "139.00", cantidad: str = "1", condicion_iva: str = "CF",
         documento_tipo: str = "DNI", documento_nro: str = "23456789") -> dict:
    """A {cliente, comprobante} item like seed 002's: one line, 114.88 + 21 % IVA = 139.00."""
    return {
        "cliente": {
            "documento_tipo": documento_tipo, "documento_nro": documento_nro, "razon_social": "Cliente de prueba",
            "condicion_iva": condicion_iva, "domicilio": "Av Sta Fe 23132", "provincia": "2",
            "email": "cliente@example.com", "envia_por_mail": "N", "condicion_pago": "201",
        },
        "comprobante": {
            "fecha": ddmmyyyy(fecha), "vencimiento": ddmmyyyy(fecha), "tipo": tipo, "operacion": "V",
            "idioma": "1", "punto_venta": pto_vta, "numero": 0, "moneda": "PES", "cotizacion": "1",
            "rubro": "Servicios web", "rubro_grupo_contable": "Servicios", "external_reference": ref,
            "detalle": [{
                "cantidad": cantidad, "afecta_stock": "N",
                "producto": {
                    "descripcion": "Hosting pagina web", "codigo": "37", "lista_precios": "standard",
                    "leyenda": "", "unidad_bulto": 1, "alicuota": alicuota, "precio_unitario_sin_iva": precio,
                },
            }],
            "total": total,
        },
    }

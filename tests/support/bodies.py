"""Request bodies for the tests, shaped like the examples of TusFacturas' pages."""

from __future__ import annotations

from datetime import date
from typing import NamedTuple


def ddmmyyyy(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def item(ref: str, fecha: date, *, tipo: str = "FACTURA B", pto_vta: int = 1, precio: str = "114.88",
         alicuota: str = "21", total: str = "139.00", cantidad: str = "1", condicion_iva: str = "CF",
         documento_tipo: str = "DNI", documento_nro: str = "23456789") -> dict:
    """A {cliente, comprobante} item like those of TusFacturas' legacy lotes page: one line, 114.88 + 21 %
    IVA = 139.00."""
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


def offline_pdv(**changes):
    """A point of sale as validation sees it, without Redis: for tests of the pure checks."""
    from accounts.points_of_sale import PointOfSale

    fields = dict(id="20111111112-00001", cuit=20111111112, pto_vta=1, razon_social="Encola Desarrollo SRL",
                  condicion_iva="RI", concepto=1, webhook_url="http://127.0.0.1:9/hooks", webhook_token="t",
                  cert_path="", key_path="", apikey="100000", apitoken_sha256="",
                  usertoken_sha256="")
    return PointOfSale(**{**fields, **changes})


class TextField(NamedTuple):
    path: str  # as a client writes it, e.g. comprobante.detalle[0].producto.descripcion
    keys: list  # the keys that reach it in an item
    free: bool  # any text within its length, rather than a value from a table


def _text_fields(schema, prefix: str, keys: list):
    from marshmallow.validate import OneOf

    from comprobantes.schemas import Code, ListOf, Objeto, Text

    for name, field in schema.fields.items():
        inner = field.inner if isinstance(field, ListOf) else field
        reach = [*keys, name, *([0] if isinstance(field, ListOf) else [])]
        shown = f"{prefix}.{name}" + ("[0]" if isinstance(field, ListOf) else "")
        if isinstance(inner, Text | Objeto):
            free = not isinstance(inner, Code) and not any(isinstance(v, OneOf) for v in inner.validators)
            yield TextField(shown, reach, free)
        elif hasattr(inner, "schema"):
            yield from _text_fields(inner.schema, shown, reach)


def text_fields() -> list[TextField]:
    """Every text field of an item, lists entered at their first item."""
    from comprobantes.schemas import ClienteSchema, ComprobanteSchema

    return [*_text_fields(ClienteSchema(), "cliente", ["cliente"]),
            *_text_fields(ComprobanteSchema(), "comprobante", ["comprobante"])]


def put(built: dict, keys: list, value) -> dict:
    """`value` at `keys` in `built`, creating the objects and one-item lists on the way."""
    target = built
    for key, following in zip(keys, keys[1:]):
        if isinstance(target, list):
            target = target[key]
            continue
        target = target.setdefault(key, [] if isinstance(following, int) else {})
        if isinstance(target, list) and not target:
            target.append({})
    target[keys[-1]] = value
    return built

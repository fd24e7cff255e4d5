"""The TusFacturas wire format of `cliente` and `comprobante` as marshmallow schemas.

Every field of TusFacturas' reference (developers.tusfacturas.app) is known here, including those
encola only stores (rubro, leyenda, tags…). Unknown fields are refused with TFC-1002 naming the field:
a field TusFacturas does not define is almost always a typo, and a typo in an amount field silently
ignored would invoice the wrong amount. Required are the fields AFIP needs and those the seeds'
examples always carry; TusFacturas' own examples omit several fields its table marks as required
(moneda, idioma, vencimiento, codigo…), so those are optional here and validated when present.

Amounts arrive as JSON numbers or strings and are held as Decimal, never float (a float from a Python
caller is read through its shortest repr, so 114.88 stays 114.88).

Every text, wherever it sits (`Text` and its kinds, and the free-form `fex`), is refused when it holds a
character that XML 1.0 cannot carry (https://www.w3.org/TR/xml/#charsets: the C0 controls other than
tab, line feed and carriage return, lone surrogates, U+FFFE and U+FFFF) or one that XML 1.0 discourages
and no invoice has: DEL and the C1 controls (U+007F-U+009F), which are mostly text decoded with the wrong
code page. The request to AFIP is XML, and a comprobante queued with such a text could never be sent.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from functools import cached_property, lru_cache

from marshmallow import RAISE, Schema, ValidationError, fields, missing, validate

from comprobantes import dates
from comprobantes.codes import (
    CONDICIONES_IVA, CONDICIONES_PAGO, DOCUMENTO_TIPOS, MONEDAS, PESOS, PROVINCIAS,
)

MAX_INTEGER_DIGITS = 13  # AFIP's amounts: 13 integer and 2 decimal digits (WSFEv1 manual)
MAX_DECIMAL_PLACES = 20  # room for the float noise of clients that add in binary (0.30000000000000004)

# The predicates every field message ends with; the caller prefixes "El campo <path> ".
REQUIRED = "es obligatorio."
UNKNOWN = "no existe en el formato de TusFacturas."
NOT_AN_OBJECT = "debe ser un objeto JSON."
NULL = "no puede ser null."
_BASE_MESSAGES = {"required": REQUIRED, "null": NULL, "validator_failed": "tiene un valor no valido."}
CHARACTER = "tiene un caracter no admitido"  # how the message about a refused character starts
_DIGITS = re.compile(r"\s*\d{1,18}\s*")  # an Integer's text
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")  # an Amount's text
_REFUSED_CHARACTER = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def character_problem(text: str) -> str | None:
    """The message for the first refused character of `text` (see the module docstring), or None."""
    found = _REFUSED_CHARACTER.search(text)
    if found is None:
        return None
    return (f"{CHARACTER} (U+{ord(found.group()):04X}, en la posicion {found.start() + 1}): caracteres de control, "
            f"U+FFFE, U+FFFF y sustitutos sueltos no pueden enviarse a AFIP.")


class _ValidatorsOnce:
    """marshmallow's Field builds an And of its validators for every value it checks (`_validate_all` is a
    property); a field of these schemas builds it once."""

    @cached_property
    def _validate_all(self):
        return validate.And(*self.validators)


class _Field(_ValidatorsOnce, fields.Field):
    default_error_messages = _BASE_MESSAGES


class Text(_Field):
    """A string; TusFacturas' examples also send codes as numbers (`"codigo": 37`), so an integer is
    read as its digits."""

    default_error_messages = {"invalid": "debe ser un texto."}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        if not isinstance(value, str):
            raise self.make_error("invalid")
        if problem := character_problem(value):
            raise ValidationError(problem)
        return value


class Code(Text):
    """A value from a short table (S/N, V/C, CF/RI…), compared without case or surrounding spaces."""

    def _deserialize(self, value, attr, data, **kwargs):
        return super()._deserialize(value, attr, data, **kwargs).strip().upper()


class Integer(_Field):
    """A whole number, as a JSON number or as digits in a string ("0002", as TusFacturas' examples send)."""

    default_error_messages = {"invalid": "debe ser un numero entero."}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool):
            raise self.make_error("invalid")
        if isinstance(value, int):
            return value
        if isinstance(value, str) and _DIGITS.fullmatch(value):
            return int(value)
        if isinstance(value, (float, Decimal)) and _finite(value) and abs(value) < 10**18 and value == int(value):
            return int(value)
        raise self.make_error("invalid")


def _finite(value) -> bool:
    return Decimal(repr(value) if isinstance(value, float) else value).is_finite()


def to_decimal(value) -> Decimal | None:
    """A JSON number or numeric string as Decimal, or None when it is not a plain finite number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float):
        value = repr(value)  # the shortest repr: 114.88, not 114.8799999999999954525264911353588104248046875
    if isinstance(value, str):
        value = value.strip()
        if not _NUMBER.fullmatch(value):
            return None
    if not isinstance(value, (int, str, Decimal)):
        return None
    try:
        number = Decimal(value)
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


class Amount(_Field):
    """A decimal amount, never negative unless `signed`; bounded so that arithmetic on it stays exact."""

    default_error_messages = {
        "invalid": "debe ser un numero con punto decimal (ej: 1234.56).",
        "negative": "no puede ser negativo.",
        "too_large": f"supera los {MAX_INTEGER_DIGITS} digitos enteros que admite AFIP.",
        "too_precise": f"tiene mas de {MAX_DECIMAL_PLACES} decimales.",
    }

    def __init__(self, *, signed: bool = False, **kwargs):
        super().__init__(**kwargs)
        self.signed = signed

    def _deserialize(self, value, attr, data, **kwargs):
        number = to_decimal(value)
        if number is None:
            raise self.make_error("invalid")
        # Check the size before any arithmetic: 1E+999999999 is a finite Decimal.
        if number.adjusted() >= MAX_INTEGER_DIGITS:
            raise self.make_error("too_large")
        if number.as_tuple().exponent < -MAX_DECIMAL_PLACES:
            raise self.make_error("too_precise")
        if number < 0 and not self.signed:
            raise self.make_error("negative")
        return number


class Fecha(_Field):
    """dd/mm/aaaa, as every TusFacturas date travels; years 2000-2099 keep date arithmetic in range."""

    default_error_messages = {"invalid": "debe ser una fecha con formato dd/mm/aaaa.", "no_day": dates.NO_DAY}
    FORMAT, PATTERN = dates.DAY_FORMAT, r"\s*\d{1,2}/\d{1,2}/20\d\d\s*"

    def _deserialize(self, value, attr, data, **kwargs):
        day = dates.parse(value, self.FORMAT, self.PATTERN)
        if day is None and dates.names_no_day(value, self.FORMAT, self.PATTERN):
            raise self.make_error("no_day", day=value.strip())
        if day is None:
            raise self.make_error("invalid")
        return day


class MesAnio(Fecha):
    """mm/aaaa (abono_hasta)."""

    default_error_messages = {"invalid": "debe tener formato mm/aaaa.", "no_day": "no es un mes: {day} no existe."}
    FORMAT, PATTERN = dates.MONTH_FORMAT, r"\s*\d{1,2}/20\d\d\s*"


class ListOf(_ValidatorsOnce, fields.List):
    default_error_messages = {**_BASE_MESSAGES, "invalid": "debe ser una lista."}


class Block(_ValidatorsOnce, fields.Nested):
    default_error_messages = {**_BASE_MESSAGES, "type": NOT_AN_OBJECT}


class Objeto(_ValidatorsOnce, fields.Dict):
    """A free-form object, kept as sent; its texts (keys too) are held to the same characters as any."""

    default_error_messages = {**_BASE_MESSAGES, "invalid": NOT_AN_OBJECT}

    def _deserialize(self, value, attr, data, **kwargs):
        loaded = super()._deserialize(value, attr, data, **kwargs)
        pending = [loaded]
        while pending:
            current = pending.pop()
            if isinstance(current, dict):
                pending.extend([*current, *current.values()])
            elif isinstance(current, list):
                pending.extend(current)
            elif isinstance(current, str) and (problem := character_problem(current)):
                raise ValidationError(problem)
        return loaded


class WireSchema(Schema):
    """Refuses unknown fields, in Spanish."""

    class Meta:
        unknown = RAISE

    error_messages = {"unknown": UNKNOWN, "type": NOT_AN_OBJECT}


def one_of(values, text: str):
    return validate.OneOf(values, error=text)


def length(max_len: int, min_len: int = 0):
    return validate.Length(min=min_len, max=max_len,
                           error=f"debe tener entre {min_len} y {max_len} caracteres.")


def at_least(minimum, *, exclusive: bool = False):
    text = f"debe ser mayor {'' if exclusive else 'o igual '}a {minimum}."
    return validate.Range(min=minimum, min_inclusive=not exclusive, error=text)


def between(low, high):
    return validate.Range(min=low, max=high, error=f"debe estar entre {low} y {high}.")


YES_NO = one_of(["S", "N"], "debe ser S o N.")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+")


def email_addresses(value: str) -> None:
    """Up to 15 e-mail addresses separated by commas (where TusFacturas mails the comprobante)."""
    addresses = [address.strip() for address in value.split(",") if address.strip()]
    if len(addresses) > 15 or any(not _EMAIL.fullmatch(address) for address in addresses):
        raise ValidationError("debe tener hasta 15 direcciones de e-mail separadas por coma.")


# cliente

class ClienteSchema(WireSchema):
    documento_tipo = Code(required=True,
                          validate=one_of(list(DOCUMENTO_TIPOS), "debe ser CUIT, CUIL, CDI, DNI, PASAPORTE u OTRO."))
    documento_nro = Text(required=True, validate=length(20))
    razon_social = Text(required=True, validate=length(255, 1))
    nombre_fantasia = Text(validate=length(255))
    email = Text(validate=[length(255), email_addresses])
    domicilio = Text(required=True, validate=length(255, 1))
    provincia = Integer(required=True,
                        validate=one_of(sorted(PROVINCIAS), "debe ser un codigo de provincia de 1 a 26."))
    envia_por_mail = Code(required=True, validate=YES_NO)
    # 0 is what the example of TusFacturas' legacy lotes page sends; the field is only printed on TusFacturas' PDF.
    condicion_pago = Integer(required=True,
                             validate=one_of([0, *sorted(CONDICIONES_PAGO)], "debe ser un codigo de 201 a 217."))
    condicion_pago_otra = Text(validate=length(100))
    condicion_iva = Code(required=True, validate=one_of(list(CONDICIONES_IVA), "debe ser CF, RI, M, E, CDEX o IVNA."))
    condicion_iva_operacion = Code(validate=one_of(list(CONDICIONES_IVA), "debe ser CF, RI, M, E, CDEX o IVNA."))
    codigo = Text(validate=length(50))
    rg5329 = Code(validate=YES_NO)
    reclama_deuda = Code(validate=YES_NO)
    reclama_deuda_dias = Integer(validate=at_least(0))
    reclama_deuda_repite_dias = Integer(validate=at_least(0))


# comprobante

class ProductoSchema(WireSchema):
    descripcion = Text(required=True, validate=length(255, 1))
    unidad_bulto = Integer(validate=at_least(1))
    lista_precios = Text(validate=length(255))
    codigo = Text(validate=length(50))
    precio_unitario_sin_iva = Amount(required=True)
    alicuota = Amount(required=True, signed=True)
    unidad_medida = Integer(validate=between(0, 99))
    actualiza_precio = Code(validate=YES_NO)
    impuestos_internos_alicuota = Amount(validate=between(0, 100))
    rg5329 = Code(validate=YES_NO)
    leyenda = Text(validate=length(1000))


class DetalleSchema(WireSchema):
    cantidad = Amount(required=True, validate=at_least(0, exclusive=True))
    afecta_stock = Code(validate=YES_NO)
    bonificacion_porcentaje = Amount(load_default=Decimal("0"), validate=between(0, 100))
    leyenda = Text(validate=length(1000))
    incluir_lista_precios_venta = Code(validate=YES_NO)
    producto = Block(ProductoSchema, required=True)


class TributoSchema(WireSchema):
    tipo = Integer(required=True)
    regimen = Integer(required=True)
    base_imponible = Amount(required=True)
    alicuota = Amount(required=True, validate=between(0, 100))
    total = Amount(required=True)


class AsociadoSchema(WireSchema):
    tipo_comprobante = Text(required=True)
    punto_venta = Integer(required=True, validate=between(1, 99998))
    numero = Integer(required=True, validate=between(1, 99999999))
    comprobante_fecha = Fecha(required=True)
    cuit = Integer()


class PeriodoAsociadoSchema(WireSchema):
    fecha_desde = Fecha(required=True)
    fecha_hasta = Fecha(required=True)


class RgDatoSchema(WireSchema):
    id = Integer(required=True, validate=between(1, 9999))
    valor = Text(required=True, validate=length(255))


class RgEspecialesSchema(WireSchema):
    regimen = Text(required=True, validate=length(255))
    datos = ListOf(Block(RgDatoSchema), required=True)


class FormaPagoSchema(WireSchema):
    descripcion = Text(required=True, validate=length(255, 1))
    importe = Amount(required=True)


class PagosSchema(WireSchema):
    formas_pago = ListOf(Block(FormaPagoSchema), required=True,
                         validate=validate.Length(min=1, error="debe tener al menos una forma de pago."))
    total = Amount(required=True)


class DatosInformativosSchema(WireSchema):
    paga_misma_moneda = Code(validate=YES_NO)


class ComprobanteSchema(WireSchema):
    fecha = Fecha(required=True)
    tipo = Text(required=True, validate=length(100, 1))
    operacion = Code(required=True, validate=one_of(["V", "C"], "debe ser V (venta) o C (compra)."))
    idioma = Integer(validate=one_of([1, 2], "debe ser 1 (español) o 2 (ingles)."))
    punto_venta = Integer(required=True, validate=between(1, 99998))
    moneda = Code(load_default=PESOS,
                  validate=one_of(sorted(MONEDAS), "no es un codigo de moneda de la tabla de TusFacturas."))
    cotizacion = Amount(validate=at_least(0, exclusive=True))
    numero = Integer(load_default=0)
    vencimiento = Fecha()
    periodo_facturado_desde = Fecha()
    periodo_facturado_hasta = Fecha()
    rubro = Text(validate=length(255))
    rubro_grupo_contable = Text(validate=length(255))
    abono = Code(validate=YES_NO)
    abono_frecuencia = Integer(validate=at_least(1))
    abono_hasta = MesAnio()
    abono_actualiza_precios = Code(validate=YES_NO)
    detalle = ListOf(Block(DetalleSchema), required=True,
                     validate=validate.Length(min=1, max=130, error="debe tener entre 1 y 130 conceptos."))
    fex = Objeto()  # export data: only meaningful for tipo E, which the queue refuses
    bonificacion = Amount(load_default=Decimal("0"))
    leyenda_gral = Text(validate=length(500))
    comentario = Text(validate=length(255))
    tributos = ListOf(Block(TributoSchema), load_default=list,
                      validate=validate.Length(max=7, error="admite hasta 7 tributos."))
    percepciones_iva = Amount(load_default=Decimal("0"))
    percepciones_iva_base = Amount()
    percepciones_iva_alicuota = Amount(validate=between(0, 100))
    percepciones_iibb = Amount(load_default=Decimal("0"))
    percepciones_iibb_base = Amount()
    percepciones_iibb_alicuota = Amount(validate=between(0, 100))
    impuestos_internos = Amount(load_default=Decimal("0"))
    impuestos_internos_base = Amount()
    impuestos_internos_alicuota = Amount(validate=between(0, 100))
    exentos = Amount(load_default=Decimal("0"))
    nogravados = Amount(load_default=Decimal("0"))
    total = Amount(required=True)
    comprobantes_asociados = ListOf(Block(AsociadoSchema), load_default=list)
    comprobantes_asociados_periodo = Block(PeriodoAsociadoSchema)
    rg_especiales = Block(RgEspecialesSchema)
    pagos = Block(PagosSchema)
    external_reference = fields.Raw()  # judged by the queue's rules, with TusFacturas' nuevo_encola page's own texts
    facturacion_lote_id_referencia = Text(validate=length(255))
    tags = ListOf(Text(validate=length(255)), validate=validate.Length(max=50, error="admite hasta 50 tags."))
    datos_informativos = Block(DatosInformativosSchema)


class Shaped:
    """One wire schema, loaded through an instance restricted (marshmallow's `only`) to the fields a load
    of the given input visits: those it carries, the required ones and those with a load_default, in
    nested blocks too. The fields left out are absent from the input and neither required nor defaulted,
    so a full load would do nothing with them: the answer is the same, without walking them (an item
    usually carries a small part of the comprobante's 43 fields, and marshmallow visits every field it
    declares). One instance per shape of input (its keys and its blocks' keys), the last `size` shapes
    kept: a client sends the same shape again and again.

    An input is first loaded by `_quick`, and by marshmallow's own load only when that finds a problem."""

    def __init__(self, schema_class: type[Schema], size: int = 64):
        self.full = schema_class()
        self._blocks = _blocks(self.full)
        self._restricted = lru_cache(maxsize=size)(
            lambda shape: schema_class(only=_visited(self.full, self._blocks, [shape])))

    def load(self, raw) -> tuple[dict, dict]:
        if not isinstance(raw, dict):
            return load(self.full, raw)
        schema = self._restricted(_shape(raw, self._blocks))
        try:
            return _quick(schema, raw), {}
        except ValidationError:
            return load(schema, raw)  # which words every problem and keeps what did load


def _quick(schema: Schema, data: dict) -> dict:
    """What `schema.load(data)` returns for an input it accepts, each field deserialized and validated by
    its own marshmallow Field (its `_deserialize`, the method a marshmallow field defines, then its
    validators; Field.deserialize itself only for a value that is absent or null), nested blocks the same
    way; ValidationError at the first problem. It leaves out marshmallow's bookkeeping around each field
    (an error store, a closure, the unknown fields' set), which took half of a valid item's load. These
    schemas have no load hooks nor schema validators, which this would skip: tests/test_properties.py
    holds it to marshmallow's load."""
    loaded = {}
    for name, field, kind, validators in _plan(schema):
        value = data.get(name, missing)
        if value is missing or value is None:  # marshmallow's own: its default, required, null and validators
            value = field.deserialize(value, name, data)
            if value is not missing:
                loaded[name] = value
            continue
        if kind is Block and type(value) is dict:
            value = _quick(field.schema, value)
        elif kind is ListOf and type(value) is list and all(type(each) is dict for each in value):
            value = [_validated(field.inner, _quick(field.inner.schema, each)) for each in value]
        else:
            value = field._deserialize(value, name, data)
        loaded[name] = _validated(field, value) if validators else value
    if not schema.load_fields.keys() >= data.keys():
        raise ValidationError(UNKNOWN)
    return loaded


@lru_cache(maxsize=1024)  # bounded: Shaped's restricted instances come and go with the shapes clients send
def _plan(schema: Schema) -> tuple[tuple[str, fields.Field, type | None, bool], ...]:
    """Each field `_quick` loads with what kind it is (a Block, a list of Blocks (ListOf), or neither:
    None) and whether it has validators. Worked out once per schema instance."""
    return tuple((name, field, Block if isinstance(field, Block) else
                  ListOf if isinstance(field, ListOf) and isinstance(field.inner, Block) else None,
                  bool(field.validators))
                 for name, field in schema.load_fields.items())


def _validated(field: fields.Field, value):
    """`value` once the field's validators accept it (marshmallow's rule: one that returns False refuses)."""
    for validator in field.validators:
        if validator(value) is False:
            raise ValidationError("")
    return value


def _blocks(schema: Schema) -> dict[str, dict]:
    """The fields of `schema` that nest a schema (a Block, or a list of them), each with its own."""
    found = {}
    for name, field in schema.load_fields.items():
        inner = field.inner if isinstance(field, ListOf) else field
        if isinstance(inner, Block):
            found[name] = _blocks(inner.schema)
    return found


def _shape(raw: dict, blocks: dict[str, dict]) -> tuple:
    """What decides the fields a load of `raw` visits: its keys, and the shape of each block it nests
    (a list's as the set of its items' shapes; None for a value that is not an object)."""
    nested = []
    for name, inner in blocks.items():
        value = raw.get(name)
        if isinstance(value, list):
            nested.append(frozenset(_shape(item, inner) if isinstance(item, dict) else None for item in value))
        else:
            nested.append(_shape(value, inner) if isinstance(value, dict) else None)
    return frozenset(raw), tuple(nested)


def _visited(schema: Schema, blocks: dict[str, dict], shapes: list[tuple], prefix: str = "") -> list[str]:
    """The fields a load of inputs of `shapes` visits, as `only` names them ("detalle.producto.codigo")."""
    names = []
    for name, field in schema.load_fields.items():
        if not any(name in keys for keys, _ in shapes):
            if field.required or field.load_default is not missing:
                names.append(prefix + name)
            continue
        names.append(prefix + name)
        if name not in blocks:
            continue
        nested = [shape[list(blocks).index(name)] for _, shape in shapes]
        if isinstance(field, ListOf):  # its items' shapes; a value that is not a list loads nothing nested
            nested = [item for items in nested if isinstance(items, frozenset) for item in items]
        if nested and all(isinstance(inner, tuple) for inner in nested):
            inner = field.inner if isinstance(field, ListOf) else field
            names += _visited(inner.schema, blocks[name], nested, f"{prefix}{name}.")
    return names


def load(schema: Schema, raw) -> tuple[dict, dict]:
    """(valid data, error messages): what loaded even when other fields failed, so that later rules can
    still judge the parts that are right."""
    try:
        return schema.load(raw), {}
    except ValidationError as exc:
        valid = exc.valid_data if isinstance(exc.valid_data, dict) else {}
        messages = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
        return valid, messages

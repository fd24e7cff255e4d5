"""The field types of the producers' own request bodies (comprobantes/schemas.py has those of `cliente`
and `comprobante`), each with its Spanish messages; the caller prefixes "El campo <path> ".

A field declared with a `message` (in its metadata) is answered with that whole sentence instead, for
whatever is wrong with it: the queue operations have always said "Debes enviar el external_reference…"
rather than naming the field, and clients match those texts.

`whole` takes JSON integers only (`"pagina": "2"` is refused) where a comprobante's `Integer` also reads
digits in a string ("0002", as TusFacturas' comprobante examples send them). The producers' own fields
(paging, search, settings) have always been strict; relaxing them would change answers clients have.
"""

from __future__ import annotations

from marshmallow import fields, validate

from comprobantes import dates
from comprobantes.codes import TIPOS, TipoComprobante
from comprobantes.schemas import NULL, REQUIRED

STRING_OR_INTEGER = [{"type": "string"}, {"type": "integer"}]


def spanish_messages(invalid: str) -> dict[str, str]:
    """A field's error messages in Spanish; the caller prefixes "El campo <path> "."""
    return {"required": REQUIRED, "null": NULL, "invalid": invalid,
            "validator_failed": "tiene un valor no valido."}


def text(**kwargs) -> fields.String:
    return fields.String(error_messages=spanish_messages("debe ser un texto."), **kwargs)


def whole(**kwargs) -> fields.Integer:
    return fields.Integer(strict=True, error_messages=spanish_messages("debe ser un numero entero."), **kwargs)


def flag(**kwargs) -> fields.Boolean:
    return fields.Boolean(error_messages=spanish_messages("debe ser true o false."), **kwargs)


def yes_no(**kwargs) -> fields.String:
    return text(validate=validate.OneOf(["S", "N"], error="debe ser S o N."), **kwargs)


def mail_address(**kwargs) -> fields.String:
    """One e-mail address, or "" for none."""
    return text(validate=validate.Regexp(r"^([^@\s]{1,64}@[^@\s]{1,190})?$", error="debe ser una direccion de e-mail."),
                **kwargs)


def between(low: int, high: int) -> validate.Range:
    return validate.Range(low, high, error="debe estar entre {min} y {max}.")


def one_of(choices) -> validate.OneOf:
    return validate.OneOf(choices, error="debe ser uno de: {choices}.")


class Day(fields.Field):
    """A dd/mm/aaaa date, loaded as a date by the one parser of comprobantes/dates.py. A `blank` one reads
    "" and null as not sent (None), as the queue operations have always taken an optional date."""

    default_error_messages = {**spanish_messages("debe ser una fecha dd/mm/aaaa."), "no_day": dates.NO_DAY}

    def __init__(self, *, blank: bool = False, **kwargs):
        super().__init__(allow_none=blank, **kwargs)
        self.blank = blank

    def _deserialize(self, value, attr, data, **kwargs):
        if self.blank and value == "":
            return None
        day = dates.parse(value)
        if day is None and dates.names_no_day(value):
            raise self.make_error("no_day", day=value.strip())
        if day is None:
            raise self.make_error("invalid")
        return day


def date_field(description: str, *, message: str | None = None, **kwargs) -> Day:
    return Day(metadata={"description": f"{description} (dd/mm/aaaa).", "format": "dd/mm/aaaa", "type": "string",
                         "pattern": f"^{dates.DAY_PATTERN}$", "example": "21/03/2022", **_said(message)}, **kwargs)


def _said(message: str | None) -> dict[str, str]:
    return {} if message is None else {"message": message}


class Reference(fields.Field):
    """An external_reference: text of up to 255 characters, or a number (TusFacturas' examples send both)."""

    default_error_messages = spanish_messages("debe ser un texto de hasta 255 caracteres o un numero.")

    def _deserialize(self, value, attr, data, **kwargs) -> str:
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        if not isinstance(value, str) or not 0 < len(value) <= 255:
            raise self.make_error("invalid")
        return value


def reference(description: str, *, message: str | None = None, **kwargs) -> Reference:
    return Reference(metadata={"description": description, "oneOf": [{"type": "string", "maxLength": 255},
                                                                      {"type": "integer"}], "example": "ABC123",
                               **_said(message)}, **kwargs)


class Tipo(fields.Field):
    """A comprobante's tipo by its name (FACTURA B), in any case and with spaces around it forgiven; loaded
    as its entry of comprobantes/codes.py's TIPOS."""

    default_error_messages = spanish_messages("debe ser un tipo de comprobante, ej. FACTURA B.")

    def _deserialize(self, value, attr, data, **kwargs) -> TipoComprobante:
        tipo = TIPOS.get(str(value).strip().upper())
        if tipo is None:
            raise self.make_error("invalid")
        return tipo


def comprobante_tipo(description: str, *, message: str | None = None, **kwargs) -> Tipo:
    return Tipo(metadata={"description": description, "type": "string", "example": "FACTURA B", **_said(message)},
                **kwargs)

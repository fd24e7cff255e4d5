"""The field types of the producers' own request bodies (comprobantes/schemas.py has those of `cliente`
and `comprobante`), each with its Spanish messages; the caller prefixes "El campo <path> ".

`whole` takes JSON integers only (`"pagina": "2"` is refused) where a comprobante's `Integer` also reads
digits in a string ("0002", as TusFacturas' comprobante examples send them). The producers' own fields
(paging, search, settings) have always been strict; relaxing them would change answers clients have.
"""

from __future__ import annotations

from marshmallow import fields, validate

from comprobantes import dates
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


def between(low: int, high: int) -> validate.Range:
    return validate.Range(low, high, error="debe estar entre {min} y {max}.")


def one_of(choices) -> validate.OneOf:
    return validate.OneOf(choices, error="debe ser uno de: {choices}.")


class Day(fields.Field):
    """A dd/mm/aaaa date, loaded as a date by the one parser of comprobantes/dates.py."""

    default_error_messages = spanish_messages("debe ser una fecha dd/mm/aaaa.")

    def _deserialize(self, value, attr, data, **kwargs):
        day = dates.parse(value)
        if day is None:
            raise self.make_error("invalid")
        return day


def date_field(description: str, **kwargs) -> Day:
    return Day(metadata={"description": f"{description} (dd/mm/aaaa).", "format": "dd/mm/aaaa", "type": "string",
                         "pattern": f"^{dates.DAY_PATTERN}$", "example": "21/03/2022"}, **kwargs)


class Reference(fields.Field):
    """An external_reference: text of up to 255 characters, or a number (TusFacturas' examples send both)."""

    default_error_messages = spanish_messages("debe ser un texto de hasta 255 caracteres o un numero.")

    def _deserialize(self, value, attr, data, **kwargs) -> str:
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        if not isinstance(value, str) or not 0 < len(value) <= 255:
            raise self.make_error("invalid")
        return value


def reference(description: str, **kwargs) -> Reference:
    return Reference(metadata={"description": description, "oneOf": [{"type": "string", "maxLength": 255},
                                                                      {"type": "integer"}], "example": "ABC123"},
                     **kwargs)

"""Reading a request body the way TusFacturas clients send it: one JSON object in UTF-8. Amounts are
read as Decimal, never float; what is not plain JSON (NaN, Infinity, numbers of thousands of digits,
nesting no TusFacturas body has, and escapes of lone UTF-16 surrogates such as `\ud800`, which no UTF-8
text can hold: I-JSON, RFC 7493 §2.1) is refused here, before any code walks it or echoes it back."""

from __future__ import annotations

import json
import re
from decimal import Decimal

from comprobantes import problems as P
from producers.http.errors import Refusal, too_large

# The deepest TusFacturas body is lotes → requests[] → comprobante → detalle[] → producto → value:
# 6 levels. Far more is allowed, far less than what would exhaust the stack of code walking it.
MAX_DEPTH = 32
_SURROGATE = re.compile("[\ud800-\udfff]")
# UTF-8 text cannot hold a surrogate: a body has one only if its JSON writes one as an escape. Without
# such an escape in the text (or something like one, `\\ud800` say) the body is not walked for them.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def _unreadable(text: str, kind=P.NOT_JSON) -> Refusal:
    return Refusal(400, kind(text))


def _refuse_constant(name: str):
    raise ValueError(f"{name} no es un valor JSON valido")


def _depth(value) -> int:
    """How deep `value` nests, a value inside an object or list one level below it; only the containers
    are walked (a scalar's level is its container's plus one)."""
    deepest, pending = 1, [(value, 1)]
    while pending:
        current, level = pending.pop()
        inner = current.values() if isinstance(current, dict) else current
        if inner:
            deepest = max(deepest, level + 1)
        if deepest > MAX_DEPTH:
            break
        pending.extend((child, level + 1) for child in inner if isinstance(child, (dict, list)))
    return deepest


def _lone_surrogate(body: dict) -> str | None:
    """Where the body holds a lone surrogate, as a client names it (`comprobante.detalle[0].leyenda`)."""
    pending = [(body, "")]
    while pending:
        value, path = pending.pop()
        if isinstance(value, str) and _SURROGATE.search(value):
            return f"el valor de {path}"
        if isinstance(value, dict):
            for name, inner in value.items():
                if _SURROGATE.search(name):
                    return f"un nombre de campo dentro de {path or 'el cuerpo'}"
                pending.append((inner, f"{path}.{name}" if path else name))
        elif isinstance(value, list):
            pending.extend((inner, f"{path}[{index}]") for index, inner in enumerate(value))
    return None


def _kind(value) -> str:
    if isinstance(value, list):
        return "una lista"
    if isinstance(value, str):
        return "un texto"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "un booleano"
    return "un numero"


def read_body(raw: bytes, limit: int) -> dict:
    """The body as a dict, or a Refusal (HTTP 400, or 413 over `limit` bytes) saying in Spanish what is
    wrong with it."""
    if len(raw) > limit:
        raise too_large(limit)
    try:
        # utf-8-sig: a byte order mark is tolerated, as many Windows clients write one.
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _unreadable(f"El cuerpo del request debe estar en UTF-8 (byte no valido en la posicion "
                          f"{exc.start}).") from None
    if not text.strip():
        raise _unreadable("El cuerpo del request esta vacio: envia un objeto JSON con tus credenciales y los datos.")
    try:
        body = json.loads(text, parse_float=Decimal, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise _unreadable(f"El cuerpo del request no es JSON valido (linea {exc.lineno}, columna {exc.colno}: "
                          f"{_reason(exc.msg)}).") from None
    except RecursionError:
        raise _unreadable(f"El JSON enviado tiene mas de {MAX_DEPTH} niveles de anidamiento.") from None
    except ValueError as exc:  # NaN/Infinity, or an integer beyond Python's digit limit
        raise _unreadable(f"El cuerpo del request no es JSON valido: {_reason(str(exc))}.") from None
    if not isinstance(body, dict):
        raise _unreadable(f"El cuerpo del request debe ser un objeto JSON ({{...}}), no {_kind(body)}.",
                          P.NOT_AN_OBJECT)
    if _depth(body) > MAX_DEPTH:
        raise _unreadable(f"El JSON enviado tiene mas de {MAX_DEPTH} niveles de anidamiento.")
    if _SURROGATE_ESCAPE.search(text) and (where := _lone_surrogate(body)):
        raise _unreadable(f"El cuerpo del request no es texto Unicode valido: {where} tiene un sustituto UTF-16 "
                          f"suelto (un escape \\ud800-\\udfff sin su par).")
    return body


_REASONS = {
    "Expecting value": "se esperaba un valor",
    "Expecting property name enclosed in double quotes": "los nombres de campo van entre comillas dobles",
    "Expecting ',' delimiter": "falta una coma",
    "Expecting ':' delimiter": "faltan los dos puntos",
    "Extra data": "hay texto despues del objeto JSON",
    "Unterminated string starting at": "un texto no tiene comillas de cierre",
    "Invalid control character at": "un texto tiene un caracter de control sin escapar",
    "Invalid \\escape": "un texto tiene una secuencia de escape no valida",
}


def _reason(message: str) -> str:
    for english, spanish in _REASONS.items():
        if message.startswith(english):
            return spanish
    if "int" in message and "digits" in message:
        return "un numero tiene demasiados digitos"
    return message

"""Judging one `{cliente, comprobante}` item at once: its format (schemas), the queue's rules and AFIP's
(rules), its amounts, and the FECAEDetRequest it becomes. Any input, however malformed, gets an answer
listing every problem found; nothing here raises on bad data.

Two levels of rejection (TusFacturas' nuevo_encola page): a request without an external_reference fails
a basic requirement (answered at once, no webhook); any other problem is answered at once and also by an
`error` webhook.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from accounts.points_of_sale import PointOfSale
from comprobantes import problems as P
from comprobantes.answers import Problem
from comprobantes.codes import TipoComprobante
from comprobantes.rules import judge, reference_of
from comprobantes.schemas import CHARACTER, REQUIRED, UNKNOWN, ClienteSchema, ComprobanteSchema, Shaped
from comprobantes.wsfe_mapping import fe_detail
from config.settings import get_settings

BLOCKS = ("cliente", "comprobante")
# The problems that stop TusFacturas before it creates the customer; TusFacturas' nuevo_encola page shows
# its closing line ("Error al crear al cliente…") after them.
BEFORE_CLIENTE = {P.REFERENCE.code, P.CLIENTE_REQUIRED.code, P.CLIENTE_INVALID.code, P.DOCUMENTO.code,
                  P.DOCUMENTO_PROPIO.code}


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


def _path(parent: str, key) -> str:
    if key == "_schema":
        return parent
    return f"{parent}[{key}]" if isinstance(key, int) else f"{parent}.{key}"


def field_problems(block: str, messages, path: str | None = None) -> list[Problem]:
    """Marshmallow's nested messages as one Problem per field, named by its full path."""
    path = path or block
    if isinstance(messages, dict):
        return [p for key, inner in messages.items() for p in field_problems(block, inner, _path(path, key))]
    if isinstance(messages, list):
        return [p for inner in messages for p in field_problems(block, inner, path)]
    text = f"El campo {path} {messages}"
    if messages == UNKNOWN:
        return [P.UNKNOWN_FIELD(text)]
    if messages.startswith(CHARACTER):
        return [P.CHARACTER(text)]
    if block == "cliente":
        return [(P.CLIENTE_REQUIRED if messages == REQUIRED else P.CLIENTE_INVALID)(text)]
    return [(P.REQUIRED if messages == REQUIRED else P.INVALID)(text)]


# Built once per shape: a marshmallow 4 schema keeps no state between loads, and building one costs more
# than a load.
_CLIENTE, _COMPROBANTE = Shaped(ClienteSchema), Shaped(ComprobanteSchema)


def _block(item: dict, name: str, schema: Shaped) -> tuple[dict, dict, list[Problem]]:
    if name not in item:
        return {}, {"_schema": [REQUIRED]}, field_problems(name, [REQUIRED])
    data, errors = schema.load(item[name])
    return data, errors, field_problems(name, errors)


def check_item(item, pdv: PointOfSale, *, today: date, envelope: frozenset = frozenset(),
               submitted: bool = False) -> Checked:
    """Every problem of one item (never only the first), or the accepted comprobante. `envelope` names
    the keys the item may carry besides cliente and comprobante (the credentials of a body);
    `submitted` says it is a client's request rather than a stored comprobante judged again."""
    if not isinstance(item, dict):
        problem = P.NOT_AN_OBJECT("Cada request debe ser un objeto JSON con cliente y comprobante.")
        return Checked("", [problem], True, None)
    reference, problems = reference_of(item.get("comprobante"))
    basic = P.MISSING_REFERENCE in problems
    problems += [P.UNKNOWN_FIELD(f"El campo {key} no existe en el formato de TusFacturas.")
                 for key in item if key not in BLOCKS and key not in envelope]
    cliente, cliente_errors, found = _block(item, "cliente", _CLIENTE)
    problems += found
    cliente_characters = any(p.code == P.CHARACTER.code for p in found)
    comprobante, comprobante_errors, found = _block(item, "comprobante", _COMPROBANTE)
    problems += found
    judgement = judge(cliente=cliente, cliente_errors=cliente_errors, comprobante=comprobante,
                      comprobante_errors=comprobante_errors, pdv=pdv, today=today,
                      threshold=get_settings().consumidor_final_threshold,
                      days_ahead=get_settings().max_days_ahead, submitted=submitted)
    problems += judgement.problems
    if cliente_characters or any(p.code in BEFORE_CLIENTE for p in problems):
        problems.append(P.CLIENTE_NOT_CREATED)
    if problems:
        return Checked(reference, problems, basic, None)
    accepted = Accepted(
        external_reference=reference,
        tipo=judgement.emision.tipo,
        pto_vta=pdv.pto_vta,
        fecha=judgement.emision.fecha,
        vencimiento=judgement.emision.vencimiento,
        total=judgement.totals.total,
        detail=fe_detail(judgement.emision, judgement.totals),
        body={"cliente": item["cliente"], "comprobante": item["comprobante"]},
    )
    return Checked(reference, [], False, accepted)

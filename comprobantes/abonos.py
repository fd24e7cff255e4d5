"""Abonos (recurring invoices): after each emission the next occurrence joins the queue, dated
`abono_frecuencia` months later, until `abono_hasta` (mm/aaaa).

Each occurrence is a comprobante of its own with its own webhooks (TusFacturas notifies only the first)
and its own external_reference: the first one's followed by `-aaaamm` of the occurrence's month. An
occurrence that no longer passes validation ends the abono with an `error` webhook under its reference.
"""

from __future__ import annotations

import calendar
import logging
from dataclasses import dataclass
from datetime import date

from accounts.points_of_sale import PointOfSale
from comprobantes.answers import Problem
from comprobantes.dates import ddmmyyyy, parse
from comprobantes.store import Record
from comprobantes.validation import Accepted, check_item

log = logging.getLogger("encola.abonos")


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day when it has no such day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _shift(text, months: int) -> str:
    """A dd/mm/aaaa `text` moved `months` later; anything else as it came, for validation to refuse."""
    day = parse(text)
    return ddmmyyyy(add_months(day, months)) if day else text


def _until(text) -> tuple[int, int] | None:
    try:
        month, year = str(text).strip().split("/")
        return int(year), int(month)
    except ValueError:
        return None


def base_reference(record: Record) -> str:
    return record.abono_base or record.external_reference


@dataclass
class Occurrence:
    """The next occurrence of an abono: `accepted` when it is valid, else the `problems` that stop it."""

    external_reference: str
    fecha: date
    accepted: Accepted | None
    problems: list[Problem]


def next_occurrence(record: Record, pdv: PointOfSale) -> Occurrence | None:
    """The next occurrence of an abono, validated like any submission; None when the abono has ended."""
    sent = record.body.get("comprobante") or {}
    if str(sent.get("abono", "N")).upper() != "S":
        return None
    try:
        months = int(sent.get("abono_frecuencia") or 0)
    except (TypeError, ValueError):
        return None
    until = _until(sent.get("abono_hasta"))
    if months < 1 or until is None:
        return None
    fecha = add_months(record.fecha, months)
    if (fecha.year, fecha.month) > until:
        return None
    reference = f"{base_reference(record)}-{fecha:%Y%m}"
    following = dict(sent, fecha=ddmmyyyy(fecha), external_reference=reference)
    for name in ("vencimiento", "periodo_facturado_desde", "periodo_facturado_hasta"):
        if sent.get(name):
            following[name] = _shift(sent[name], months)
    checked = check_item({"cliente": record.body.get("cliente"), "comprobante": following}, pdv, today=fecha)
    if checked.problems:
        log.warning("abono %s: the occurrence of %s is not valid and was not queued: %s", record.id, fecha,
                    [p.text for p in checked.problems], extra={"comprobante": record.id})
    return Occurrence(reference, fecha, checked.accepted, checked.problems)

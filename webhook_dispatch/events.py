"""Webhook events: the payloads of TusFacturas' nuevo_encola page, serialized once so every attempt sends
the same bytes."""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass

from config import clock

EVENTS = ("encolado", "emitido", "error", "eliminado", "cambio_fecha", "test")


@dataclass(frozen=True)
class Event:
    hook_id: str
    pdv_id: str
    evento: str
    external_reference: str
    comprobante_id: str
    body: str
    created: float


def new_hook_id() -> str:
    """Time-ordered and unique; no '.' so it can head a Standard Webhooks signed content."""
    return f"hk_{int(clock.timestamp() * 1000):012x}{secrets.token_hex(8)}"


# The form of every hook id new_hook_id makes (milliseconds in at least 12 hex digits, then 16 random
# ones). An id of another form names no hook: it is refused before it becomes part of a Redis key, where
# "…:attempts" would name a hook's attempts list instead.
HOOK_ID_PATTERN = r"^hk_[0-9a-f]{28,61}$"
_HOOK_ID = re.compile(HOOK_ID_PATTERN)


def is_hook_id(text) -> bool:
    return isinstance(text, str) and _HOOK_ID.fullmatch(text) is not None


def build_event(
    *,
    pdv_id: str,
    evento: str,
    external_reference: str,
    intento: int,
    msg: list[str],
    comprobante_id: str = "",
    extra: dict | None = None,
    recurso: str = "facturacion",
) -> Event:
    """`intento` is the emission attempt the event reports on (docs/webhooks.md)."""
    if evento not in EVENTS:
        raise ValueError(f"unknown event {evento!r}")
    hook_id = new_hook_id()
    created = clock.timestamp()
    payload = {
        "creado": clock.now_ar().strftime("%d/%m/%Y %H:%M:%S"),
        "evento": evento,
        "recurso": recurso,
        "external_reference": external_reference,
        "intento": intento,
        "msg": list(msg),
        "hook_id": hook_id,
    }
    payload.update(extra or {})
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return Event(hook_id, pdv_id, evento, external_reference, comprobante_id, body, created)

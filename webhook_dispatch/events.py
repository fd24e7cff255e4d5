"""Webhook events: the payloads of TusFacturas' nuevo_encola page, stored as the parameters they are
built from and built, byte for byte the same, on every attempt and every time the hook log shows them.

A stored hook keeps what its payload is made of (`intento` when it is not 1, `msg`, `extra`, `recurso`
when it is not `facturacion`; `creado` comes from the creation time its id carries), never the payload
itself: each value stays small enough for Redis
to keep the hook's hash in its compact listpack encoding (`hash-max-listpack-value`, 64 bytes by default,
https://redis.io/docs/latest/develop/data-types/hashes/), where a stored body would not. A hook stored
before that (its `body` field) is sent as it was stored (webhook_dispatch/migration.py).
"""

from __future__ import annotations

import base64
import json
import math
import random
import re
import threading
from dataclasses import dataclass, field

from config import clock

EVENTS = ("encolado", "emitido", "error", "eliminado", "cambio_fecha", "test")
DEFAULT_RECURSO = "facturacion"
# Redis' default hash-max-listpack-value: a longer value is stored in pieces of at most this many bytes.
PIECE_BYTES = 64


@dataclass(frozen=True)
class Event:
    hook_id: str
    pdv_id: str
    evento: str
    external_reference: str
    comprobante_id: str
    created: float
    intento: int
    msg: tuple[str, ...] = ()
    extra: dict = field(default_factory=dict)
    recurso: str = DEFAULT_RECURSO

    @property
    def body(self) -> str:
        return payload_text(self.hook_id, self.evento, self.external_reference, self.created,
                            intento=self.intento, msg=list(self.msg), extra=self.extra, recurso=self.recurso)

    def fields(self) -> dict[str, str]:
        """What the hook's hash keeps of the event: its parameters, the empty and default ones left out."""
        stored = {"pdv": self.pdv_id, "evento": self.evento, "external_reference": self.external_reference}
        if self.created != created_from_id(self.hook_id):
            stored["created"] = repr(self.created)
        if self.intento != 1:
            stored["intento"] = str(self.intento)
        if self.comprobante_id:
            stored["comprobante"] = self.comprobante_id
        if self.recurso != DEFAULT_RECURSO:
            stored["recurso"] = self.recurso
        if self.msg:
            stored.update(pieces("msg", _dumps(list(self.msg))))
        if self.extra:
            stored.update(pieces("extra", _dumps(self.extra)))
        return stored


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def payload_text(hook_id: str, evento: str, external_reference: str, created: float, *, intento: int,
                 msg: list[str], extra: dict, recurso: str) -> str:
    """The body every attempt sends: `creado` is the hook's `created` on Argentina's wall clock."""
    payload = {
        "creado": clock.wall_clock_ar(created),
        "evento": evento,
        "recurso": recurso,
        "external_reference": external_reference,
        "intento": intento,
        "msg": msg,
        "hook_id": hook_id,
    }
    payload.update(extra)
    return _dumps(payload)


def stored_body(hook_id: str, hook: dict[str, str]) -> str:
    """The body of a stored hook (its hash's fields): the one it was stored with, if it was stored with
    one, else the one its parameters build."""
    if "body" in hook:
        return hook["body"]
    msg, extra = joined(hook, "msg"), joined(hook, "extra")
    return payload_text(hook_id, hook["evento"], hook["external_reference"], created_of(hook_id, hook),
                        intento=int(hook.get("intento", 1)), msg=json.loads(msg) if msg else [],
                        extra=json.loads(extra) if extra else {}, recurso=hook.get("recurso", DEFAULT_RECURSO))


def pieces(name: str, text: str) -> dict[str, str]:
    """`text` as hash fields `name`, `name.1`, `name.2`… of at most PIECE_BYTES bytes each, cut between
    characters so that each piece is UTF-8 of its own."""
    data, found, start = text.encode("utf-8"), {}, 0
    while start < len(data):
        end = min(start + PIECE_BYTES, len(data))
        while end < len(data) and data[end] & 0xC0 == 0x80:  # a continuation byte: back to the character's start
            end -= 1
        found[name if not found else f"{name}.{len(found)}"] = data[start:end].decode("utf-8")
        start = end
    return found


def joined(hook: dict[str, str], name: str) -> str:
    """The text `pieces` stored as `name`'s fields; "" when there is none."""
    parts, n = [], 0
    while (part := hook.get(name if n == 0 else f"{name}.{n}")) is not None:
        parts.append(part)
        n += 1
    return "".join(parts)


# A hook id is `hk_`, then its creation in milliseconds in MS_DIGITS base-32 digits and a tail of
# TAIL_DIGITS: 25 characters. As a member of a large sorted set (the index of its state, its origin's
# line) Redis keeps it in a 32-byte allocation, where the 31 characters of the earlier form took 48, and
# the index by reference holds 6 bytes less of it. The digits are 0-9 then a-v, in ASCII order and of one
# case, so that ids sort by creation as text, until the year 3084. Ids of the earlier form (12 or more
# hex digits of milliseconds, then 16 of tail) are in stores: they stay valid, and every one of them sorts
# before every new one (`hk_0…` against `hk_1…`).
MS_DIGITS = 9
TAIL_DIGITS = 13  # 65 bits: room for a random 63-bit start and the steps after it
_HEX_TAIL_DIGITS = 16


def new_hook_id(now: float) -> str:
    """Time-ordered and unique, made at `now`, rounded up to the millisecond (so that a hook made after a
    moment is never dated before it); no '.' so it can head a Standard Webhooks signed content. The
    indices order hooks by their id's millisecond, then by id: within one millisecond, the ids one process
    makes rise in the order it makes them (random steps from a random start of 63 bits), so that the hooks
    of one request keep their order. The random numbers need not be secret, only different between
    processes: the `random` module's, which a forked process seeds anew, without secrets' system call for
    each id (2 % of accepting a batch)."""
    ms = math.ceil(now * 1000)
    with _LAST_LOCK:
        if ms == _LAST["ms"] and _LAST["tail"] < 2**63:
            tail = _LAST["tail"] + 1 + random.getrandbits(16)
        else:
            tail = random.getrandbits(63)
        _LAST.update(ms=ms, tail=tail)
    return "hk_" + _base32((ms << 5 * TAIL_DIGITS) | tail)


# The id's 22 digits are 110 bits, ten short of 15 bytes: base64's "extended hex" alphabet is these digits in
# upper case (RFC 4648, section 7), and encoding the bits shifted up by ten gives 24 digits whose first 22 are
# the id's, in one C call (a loop of divmods took 1 % of accepting a batch).
_ID_DIGITS = MS_DIGITS + TAIL_DIGITS
_ID_PADDING = 15 * 8 - 5 * _ID_DIGITS


def _base32(number: int) -> str:
    return base64.b32hexencode((number << _ID_PADDING).to_bytes(15, "big"))[:_ID_DIGITS].decode().lower()


_LAST = {"ms": -1, "tail": 0}
_LAST_LOCK = threading.Lock()


def created_from_id(hook_id: str) -> float:
    """When a hook was created, to the millisecond, read from its id (of either form)."""
    if len(hook_id) == 3 + MS_DIGITS + TAIL_DIGITS:
        return int(hook_id[3:3 + MS_DIGITS], 32) / 1000
    return int(hook_id[3:-_HEX_TAIL_DIGITS], 16) / 1000


def created_of(hook_id: str, hook: dict[str, str]) -> float:
    """A stored hook's creation time: its id's, unless it keeps one of its own (hooks stored before
    the id was the creation time)."""
    return float(hook["created"]) if "created" in hook else created_from_id(hook_id)


# The forms of every hook id new_hook_id makes and made (see MS_DIGITS). An id of another form names no hook:
# it is refused before it becomes part of a Redis key, where "…:attempts" would name a hook's attempts
# list instead.
HOOK_ID_PATTERN = r"^hk_(?:[0-9a-v]{22}|[0-9a-f]{28,61})$"
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
    recurso: str = DEFAULT_RECURSO,
) -> Event:
    """`intento` is the emission attempt the event reports on (docs/webhooks.md)."""
    if evento not in EVENTS:
        raise ValueError(f"unknown event {evento!r}")
    hook_id = new_hook_id(clock.timestamp())
    return Event(hook_id, pdv_id, evento, external_reference, comprobante_id, created_from_id(hook_id), intento,
                 tuple(msg), dict(extra or {}), recurso)

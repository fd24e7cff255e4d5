"""The hook log: every stored hook with its payload, state and attempts, by id, by external_reference
and by point of sale. Reads only; webhook_dispatch.operations acts on what it finds.

Lookups take the point of sale as well as the hook, so a caller serving one account can never read
another's hooks.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from config import clock
from config.score_pages import page_by_score
from webhook_dispatch import reference_index
from webhook_dispatch.events import created_of, is_hook_id, stored_body
from webhook_dispatch.outbox import (
    STATES, attempts_key, hook_key, next_attempt, pdv_state_hooks_key, retention_seconds,
)

PAGE = 500
# What an attempt shows. Attempts stored before answers' bodies stopped being kept carry a `response`
# too, which must not reach the client either.
ATTEMPT_FIELDS = ("attempt", "trigger", "at", "url", "status", "duration_ms", "response_bytes", "error")


@dataclass(frozen=True)
class HookEntry:
    hook_id: str
    pdv_id: str
    evento: str
    external_reference: str
    comprobante_id: str
    state: str  # pendiente | entregado | fallido
    created: float
    next_at: float | None  # the next automatic attempt, while one is to come
    failure: str  # why a fallido hook failed
    payload: dict  # the body sent, parsed
    attempts: list[dict]  # ATTEMPT_FIELDS

    def to_dict(self) -> dict:
        return asdict(self)


def _entries(r, hook_ids: list[str], pdv_id: str, external_reference: str | None = None) -> list[HookEntry]:
    """The hooks of `hook_ids` that are the point of sale's (and about `external_reference`, if given)."""
    pipe = r.pipeline(transaction=False)
    for hook_id in hook_ids:
        pipe.hgetall(hook_key(hook_id))
        pipe.lrange(attempts_key(hook_id), 0, -1)
    replies = pipe.execute()
    entries = []
    for hook_id, raw, attempts in zip(hook_ids, replies[::2], replies[1::2]):
        # Hooks past their retention may linger in an index until it is next trimmed.
        if not raw or raw["pdv"] != pdv_id or external_reference not in (None, raw["external_reference"]):
            continue
        entries.append(HookEntry(
            hook_id=hook_id, pdv_id=raw["pdv"], evento=raw["evento"],
            external_reference=raw["external_reference"], comprobante_id=raw.get("comprobante", ""),
            state=raw["state"], created=created_of(hook_id, raw),
            next_at=next_attempt(hook_id, raw),
            failure=raw.get("failure", ""), payload=json.loads(stored_body(hook_id, raw)),
            attempts=[_shown(json.loads(a)) for a in attempts],
        ))
    return entries


def _shown(attempt: dict) -> dict:
    return {name: attempt.get(name) for name in ATTEMPT_FIELDS}


def get_hook(r, pdv_id: str, hook_id: str) -> HookEntry | None:
    if not is_hook_id(hook_id):
        return None
    found = _entries(r, [hook_id], pdv_id)
    return found[0] if found else None


def hooks_for_reference(r, pdv_id: str, external_reference: str) -> list[HookEntry]:
    """Every kept hook about one external_reference, oldest first (TusFacturas' "Log de hooks")."""
    [hook_ids] = reference_index.lookup(r, [(pdv_id, external_reference)],
                                        since=clock.timestamp() - retention_seconds())
    # The index orders by id; hooks stored before the id was their creation time keep a finer one.
    return sorted(_entries(r, hook_ids, pdv_id, external_reference), key=lambda e: (e.created, e.hook_id))


def hooks_for_pdv(r, pdv_id: str, *, since: float | None = None, state: str | None = None,
                  limit: int = 100) -> list[HookEntry]:
    """The point of sale's hooks created at or after `since`, newest first, optionally in one state: read
    from the index of that state, `PAGE` at a time, so the work is bounded by `limit`. Without a state,
    the newest `limit` of each state's index, merged (newest_ids): every hook is in exactly one."""
    if state is None:
        found: list[HookEntry] = []
        ids = newest_ids(r, pdv_id, since=since, limit=limit)
        for start in range(0, len(ids), PAGE):
            found.extend(_entries(r, ids[start:start + PAGE], pdv_id))
        return found
    index = pdv_state_hooks_key(pdv_id, state)
    found = []
    for offset in range(0, limit, PAGE):
        _, ids = page_by_score(r, [index], low="-inf" if since is None else since, offset=offset,
                               count=min(PAGE, limit - offset), highest_first=True)
        # One may have changed state between the two reads.
        found.extend(e for e in _entries(r, ids, pdv_id) if e.state == state)
        if len(ids) < PAGE:
            break
    return found


def newest_ids(r, pdv_id: str, *, since: float | None, limit: int) -> list[str]:
    """The ids of the point of sale's `limit` newest hooks created at or after `since`, newest first, in
    the order one sorted set of them all would give (by creation, then by id, both descending): the newest
    `limit` of each state's index, read in one MULTI so that a hook changing state meanwhile is seen in
    exactly one of them, then merged."""
    pipe = r.pipeline()
    for state in STATES:
        pipe.zrevrangebyscore(pdv_state_hooks_key(pdv_id, state), "+inf", "-inf" if since is None else since,
                              start=0, num=limit, withscores=True)
    merged = sorted(((score, hook_id) for listed in pipe.execute() for hook_id, score in listed), reverse=True)
    return [hook_id for _, hook_id in merged[:limit]]

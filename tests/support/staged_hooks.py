"""What webhooks a point of sale has been sent, read from the outbox where they are staged with the
change they report: deterministic, unlike waiting for deliveries that might still arrive."""

from __future__ import annotations

import json

from webhook_dispatch.events import stored_body
from webhook_dispatch.outbox import STATES, hook_key, pdv_state_hooks_key


def staged(r, pdv_id: str) -> list[dict]:
    """The payloads of every event staged for the point of sale, oldest first: its hooks are in the
    indices of their states, one each, read in one MULTI so that a hook delivered meanwhile is read once."""
    pipe = r.pipeline()
    for state in STATES:
        pipe.zrange(pdv_state_hooks_key(pdv_id, state), 0, -1, withscores=True)
    listed = sorted((score, hook_id) for index in pipe.execute() for hook_id, score in index)
    return [json.loads(stored_body(hook_id, r.hgetall(hook_key(hook_id)))) for _, hook_id in listed]


def staged_events(r, pdv_id: str) -> list[tuple[str, str]]:
    return [(hook["evento"], hook["external_reference"]) for hook in staged(r, pdv_id)]

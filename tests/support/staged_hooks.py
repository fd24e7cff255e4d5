"""What webhooks a point of sale has been sent, read from the outbox where they are staged with the
change they report: deterministic, unlike waiting for deliveries that might still arrive."""

from __future__ import annotations

import json

from webhook_dispatch.events import stored_body
from webhook_dispatch.outbox import hook_key, pdv_hooks_key


def staged(r, pdv_id: str) -> list[dict]:
    """The payloads of every event staged for the point of sale, oldest first."""
    return [json.loads(stored_body(hook_id, r.hgetall(hook_key(hook_id))))
            for hook_id in r.zrange(pdv_hooks_key(pdv_id), 0, -1)]


def staged_events(r, pdv_id: str) -> list[tuple[str, str]]:
    return [(hook["evento"], hook["external_reference"]) for hook in staged(r, pdv_id)]

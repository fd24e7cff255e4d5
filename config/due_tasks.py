"""Publishing one task per member of a due set (config/due_sets.py): the hooks' and the mails' outboxes
publish their deliveries after a commit and from beat's sweeps the same way."""

from __future__ import annotations

from config import clock
from config.after_commit import left_to_promoter
from config.celery_app import app
from config.due_sets import claim_due


def publish(task: str, members, *, what: str, eta_seconds: dict | None = None) -> None:
    """Send `task(member)` for each member (a tuple is the task's arguments), over one broker connection;
    a lost publish is repaired by the sweep when the member's lease runs out, so a broker failure is
    logged, never raised."""
    if not members:
        return
    with left_to_promoter(f"{len(members)} {what}"), app.producer_or_acquire() as producer:
        for member in members:
            options = {}
            if eta_seconds and member in eta_seconds:
                options["countdown"] = max(0.0, eta_seconds[member])
            app.send_task(task, args=list(member) if isinstance(member, tuple) else [member], producer=producer,
                          **options)


def promote_due(r, zset: str, task: str, *, horizon: float, lease: float, what: str) -> int:
    """Publish `task` for every member of `zset` due within `horizon`, each leased; returns how many."""
    now = clock.timestamp()
    claimed = claim_due(r, zset, now=now, horizon=horizon, lease=lease)
    publish(task, [m for m, _ in claimed], what=what, eta_seconds={m: due - now for m, due in claimed if due > now})
    return len(claimed)

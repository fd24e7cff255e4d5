"""The stored events and their due set: an event is written in the same Redis transaction as the
state change it reports, so a change is never without its webhook and a webhook never without it.

A stored hook is a hash (`hook:{id}`: the event's parameters, from which its body is built when it is
sent (webhook_dispatch/events.py), state `pendiente` | `entregado` | `fallido`, automatic attempts made,
when the next one is due (left out while that is its creation: next_attempt), a pending manual request)
and a list of its attempts. Its id sits in the due set until its attempt is due and while it is being
sent, in its origin's line from when it is due until a drain takes it (webhook_dispatch/origin_lines.py;
a new hook whose point of sale's URL its transaction knows goes into its line in that transaction),
in its point of sale's index of its state (by creation time; the `pendiente` one is what
producers/limits.py counts; the point of sale's log is the union of the three,
webhook_dispatch/hook_log.py), and in the index by external_reference
(webhook_dispatch/reference_index.py). A finished hook is kept ENCOLA_WEBHOOK_RETENTION_DAYS after its
last attempt; the indices of finished hooks drop those created longer ago than that, trimmed once per
point of sale whenever hooks are staged for it; the `pendiente` index drops none. The finished hooks of a
comprobante that retention removes go with it (finished_hooks, stage_forget; docs/retention.md).
"""

from __future__ import annotations

from accounts.points_of_sale import pdv_key
from config import clock, due_tasks
from config.after_commit import left_to_promoter
from config.due_sets import claim_due
from config.keys import key
from config.settings import get_settings
from webhook_dispatch import origin_lines, reference_index
from webhook_dispatch.events import Event, created_from_id, created_of
from webhook_dispatch.origin_lines import Waiting

DUE = key("hooks", "due")
STATES = ("pendiente", "entregado", "fallido")
FINISHED_STATES = ("entregado", "fallido")
DRAIN_TASK = "encola.webhooks.drain_origin"
# How long a committed hook may wait for its offer to its origin's line before the sweep offers it (the
# process that committed it died, or Redis failed it): the offer takes it out of the due set.
DELIVERY_LEASE_SECONDS = 30.0


def hook_key(hook_id: str) -> str:
    return key("hook", hook_id)


def attempts_key(hook_id: str) -> str:
    return key("hook", hook_id, "attempts")


def pdv_state_hooks_key(pdv_id: str, state: str) -> str:
    """The point of sale's hooks in one state; webhook_dispatch.delivery moves a hook when its state changes."""
    return key("pdv", pdv_id, "hooks", state)


def retention_seconds() -> float:
    return get_settings().webhook_retention_days * 86400


def stage(pipe, event: Event, *, manual: bool = False) -> None:
    """Add the event's writes to an open MULTI; it is leased for the publish that follows the commit.

    A `manual` event (the test event) gets one attempt, made now, and no automatic retries.
    """
    stage_many(pipe, [event], manual=manual)


def stage_many(pipe, events: list[Event], *, manual: bool = False, urls: dict[str, str] | None = None) -> None:
    """Add the writes of several events to an open MULTI (see stage): a hash each, and one command per
    index they go into. The indices of finished hooks are trimmed once per point of sale, not once per
    event: a request staging a hundred hooks trims twice.

    `urls`, point of sale → its webhook URL as the caller read it: the hooks of those points of sale go
    straight into their origins' lines, not through the due set and an offer after the commit;
    publish_new, given the same `urls`, starts their drains."""
    due, pending, lined = {}, {}, {}
    for event in events:
        # `next_at` is left out while it is the hook's creation (next_attempt): a new hook is due at once.
        fields = {**event.fields(), "state": "pendiente"}
        url = None if manual else (urls or {}).get(event.pdv_id)
        if manual:
            fields.update(manual=repr(event.created), automatic="0")
        if url:
            oid = origin_lines.origin_id(url)
            fields["line"] = origin_lines.line_key(oid, event.pdv_id)
            lined.setdefault(oid, {}).setdefault(event.pdv_id, {})[event.hook_id] = event.created
        else:
            due[event.hook_id] = event.created + DELIVERY_LEASE_SECONDS
        pipe.hset(hook_key(event.hook_id), mapping=fields)
        pending.setdefault(event.pdv_id, {})[event.hook_id] = event.created
    if due:
        pipe.zadd(DUE, due)
    origin_lines.stage_new(pipe, lined)
    for pdv_id, members in pending.items():
        pipe.zadd(pdv_state_hooks_key(pdv_id, "pendiente"), members)
        # A pending hook stays in its index however old it is: producers/limits.py counts it.
        newest = max(members.values())
        for state in FINISHED_STATES:
            pipe.zremrangebyscore(pdv_state_hooks_key(pdv_id, state), "-inf", newest - retention_seconds())
    reference_index.stage_add(pipe, [(event.pdv_id, event.external_reference, event.hook_id) for event in events
                                     if event.external_reference], retention=retention_seconds())


def next_attempt(hook_id: str, hook: dict[str, str]) -> float | None:
    """When a stored hook's next automatic attempt is due; None when none is to come (it is finished, or
    it only gets manual attempts). Its `next_at`, stored once an attempt has set it, and else its
    creation: a hook is due when it is made, and leaving that default out keeps its hash a size class
    smaller."""
    if hook.get("state") != "pendiente" or hook.get("automatic", "1") != "1":
        return None
    return float(hook["next_at"]) if hook.get("next_at") else created_of(hook_id, hook)


def send(r, event: Event, *, manual: bool = False) -> None:
    """Store an event that reports no state change of its own, and publish its delivery."""
    pipe = r.pipeline()
    stage(pipe, event, manual=manual)
    pipe.execute()
    publish(r, [event.hook_id])


# Marks a stored hook for one manual attempt, and brings it due now (never later than it already was).
_REQUEST_MANUAL = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'manual', ARGV[1])
redis.call('PERSIST', KEYS[1])
redis.call('PERSIST', KEYS[3])
redis.call('ZADD', KEYS[2], 'LT', tonumber(ARGV[1]) + tonumber(ARGV[2]), ARGV[3])
return 1
"""


def request_manual(r, hook_ids: list[str]) -> list[str]:
    """Ask for one manual attempt of each stored hook now; returns the ids that exist and were offered."""
    now = clock.timestamp()
    requested = [
        hook_id for hook_id in hook_ids
        if r.eval(_REQUEST_MANUAL, 3, hook_key(hook_id), DUE, attempts_key(hook_id),
                  repr(now), DELIVERY_LEASE_SECONDS, hook_id)
    ]
    publish(r, requested)
    return requested


def publish(r, hook_ids: list[str]) -> None:
    """Offer committed hooks that are due to their origins' lines, and publish the drains that starts (at
    most one per origin). A failure leaves them in the due set, where the sweep finds them when the lease
    taken at their commit runs out."""
    if not hook_ids:
        return
    with left_to_promoter(f"{len(hook_ids)} deliveries"):
        offer(r, hook_ids)


def publish_new(r, events: list[Event], *, urls: dict[str, str] | None = None) -> None:
    """publish() for the hooks of `events` just committed (stage_many, not manual, with these `urls`):
    start the drains of the origins whose lines took them in the transaction (when that fails, the
    sweep restarts the drains of lines that wait with none), and offer the others, from what their
    events say rather than reading them back."""
    if not events:
        return
    urls = urls or {}
    with left_to_promoter(f"{len(events)} deliveries"):
        lined = sorted({origin_lines.origin_id(urls[event.pdv_id]) for event in events if urls.get(event.pdv_id)})
        publish_drains(origin_lines.start(r, DUE, lined, cap=get_settings().webhook_max_per_endpoint))
        offered = [(event.hook_id, event.pdv_id, "", "") for event in events if not urls.get(event.pdv_id)]
        if offered:
            _offer(r, offered)


def offer(r, hook_ids: list[str]) -> int:
    """Offer stored hooks to their origins' lines now; returns how many drains it published."""
    pipe = r.pipeline(transaction=False)
    for hook_id in hook_ids:
        pipe.hmget(hook_key(hook_id), "pdv", "next_at", "manual")
    return _offer(r, [(hook_id, *fields) for hook_id, fields in zip(hook_ids, pipe.execute())])


def _offer(r, hooks: list[tuple]) -> int:
    """Offer (hook id, point of sale, next_at, manual) to their origins' lines."""
    pipe = r.pipeline(transaction=False)
    pdvs = sorted({pdv for _, pdv, *_ in hooks if pdv})
    for pdv_id in pdvs:
        pipe.hget(pdv_key(pdv_id), "webhook_url")
    urls = dict(zip(pdvs, pipe.execute()))
    waiting = [
        Waiting(hook_id=hook_id, hook_key=hook_key(hook_id), url=urls.get(pdv or ""), pdv_id=pdv or "",
                score=float(manual or next_at or created_from_id(hook_id)), urgent=bool(manual))
        for hook_id, pdv, next_at, manual in hooks
    ]
    started = origin_lines.offer(r, DUE, waiting, cap=get_settings().webhook_max_per_endpoint)
    publish_drains(started)
    return len(started)


def publish_drains(drains: list[tuple[str, str]]) -> None:
    """Send a drain task for each (origin id, token); a lost one frees its slot after its start lease."""
    due_tasks.publish(DRAIN_TASK, drains, what="webhook drains")


def promote_due(r) -> int:
    """Offer every hook whose attempt is due now, and start a drain wherever hooks wait with none live;
    returns how many hooks and drains."""
    claimed = claim_due(r, DUE, now=clock.timestamp(), horizon=0, lease=DELIVERY_LEASE_SECONDS)
    offered = [hook_id for hook_id, _ in claimed]
    if offered:
        offer(r, offered)
    restarted = origin_lines.restart_stalled(r, DUE, cap=get_settings().webhook_max_per_endpoint)
    publish_drains(restarted)
    return len(offered) + len(restarted)


def pending_count(r) -> int:
    """Deliveries waiting for their next attempt, being made, or waiting in their origins' lines (the
    webhook backlog)."""
    return r.zcard(DUE) + origin_lines.waiting_count(r)


def finished_hooks(r, comprobantes: list[tuple[str, str, str]]) -> dict[str, list[str]]:
    """The finished hooks (delivered or failed, no manual attempt asked for) of each comprobante
    (point of sale, external_reference, id), by its id: found through the reference index, in three round
    trips for them all. A hook the index already dropped expires by itself (module docstring)."""
    listed = [(rid, hook_id) for (_, _, rid), ids in zip(comprobantes, reference_index.lookup(
        r, [(pdv_id, reference) for pdv_id, reference, _ in comprobantes])) for hook_id in ids]
    pipe = r.pipeline(transaction=False)
    for _, hook_id in listed:
        pipe.hmget(hook_key(hook_id), "comprobante", "state", "manual")
    found: dict[str, list[str]] = {rid: [] for _, _, rid in comprobantes}
    for (rid, hook_id), (comprobante, state, manual) in zip(listed, pipe.execute()):
        if comprobante == rid and state in FINISHED_STATES and not manual:
            found[rid].append(hook_id)
    return found


def stage_forget(pipe, pdv_id: str, external_reference: str, hook_ids: list[str]) -> None:
    """Add to an open MULTI the removal of finished hooks: each hash, attempts and index entry."""
    if not hook_ids:
        return
    pipe.delete(*[hook_key(hook_id) for hook_id in hook_ids], *[attempts_key(hook_id) for hook_id in hook_ids])
    for index in (DUE, *[pdv_state_hooks_key(pdv_id, state) for state in STATES]):
        pipe.zrem(index, *hook_ids)
    reference_index.stage_remove(pipe, pdv_id, external_reference, hook_ids)

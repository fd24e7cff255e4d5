"""Draining an origin: take its next hook, send it, record the attempt, decide what comes next.

A drain (webhook_dispatch/origin_lines.py) holds one of its origin's slots and calls `attempt` for each
hook it takes. An attempt is automatic (the schedule of config/retry_policy.py has come to it) or manual
(asked for through webhook_dispatch.operations: one attempt now, never retried, whatever the endpoint's
state).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache, partial

from accounts.points_of_sale import PointOfSale, UnknownPointOfSale, pdv_key
from accounts.webhook_url import BadWebhookUrl, check_webhook_url
from config import clock
from config.celery_app import WEBHOOKS_QUEUE, app
from config.lua import Lua, execute
from config.retry_policy import webhook_delay, webhook_outcome
from config.settings import Settings, get_settings
from config.metrics import count
from webhook_dispatch import endpoints, origin_lines, outbox
from webhook_dispatch.endpoints import Endpoint
from webhook_dispatch.events import created_of, stored_body
from webhook_dispatch.outbox import (
    DUE, attempts_key, hook_key, next_attempt, pdv_state_hooks_key, retention_seconds,
)
from webhook_dispatch.signing import signature_headers
from webhook_dispatch.transport import Answer, WebhookClient

log = logging.getLogger("encola.webhooks")

USER_AGENT = "encola-webhook/1.0 (TusFacturasAPP-webhook compatible)"
# The attempt's lease (its slot, its place in the due set, its mark on the hook) outlives the attempt's
# own deadline (transport.py cuts it at connect + read timeout) by this much.
LEASE_MARGIN_SECONDS = 5
# Hooks reach their line a little before their due time as this process sees the shared clock.
DUE_SLACK_SECONDS = 2.0
ATTEMPTS_KEPT = 100
# After this long a drain hands its slot to a new task if other webhook tasks wait for a thread, so that
# the worker's threads take turns between origins and beat's sweep is never stuck behind a busy origin.
DRAIN_TURN_SECONDS = 5.0
# How many points of sale (with their endpoints) a drain keeps parsed, so that a take need not send them.
HELD_ENDPOINTS = 32

# Applies an attempt's outcome in one step (an empty field is removed rather than kept) and ends the attempt's
# mark on the hook. A manual request served by this attempt is cleared; one that arrived meanwhile makes the
# hook due at once. A finished hook starts its retention period. A new state moves the hook between its point
# of sale's state indices, unless retention already dropped it.
_FINISH = Lua("""
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('ZREM', KEYS[3], ARGV[6])
  return 0
end
local fields = cjson.decode(ARGV[1])
for name, value in pairs(fields) do
  if value == '' then redis.call('HDEL', KEYS[1], name) else redis.call('HSET', KEYS[1], name, value) end
end
redis.call('HDEL', KEYS[1], 'attempt_until')
if ARGV[2] ~= '' then
  redis.call('RPUSH', KEYS[2], ARGV[2])
  redis.call('LTRIM', KEYS[2], -tonumber(ARGV[8]), -1)
end
local manual = redis.call('HGET', KEYS[1], 'manual') or ''
if ARGV[4] ~= '' and manual == ARGV[4] then
  redis.call('HDEL', KEYS[1], 'manual')
  manual = ''
end
if manual ~= '' then
  redis.call('ZADD', KEYS[3], tonumber(ARGV[5]), ARGV[6])
elseif ARGV[3] ~= '' then
  redis.call('ZADD', KEYS[3], tonumber(ARGV[3]), ARGV[6])
else
  redis.call('ZREM', KEYS[3], ARGV[6])
end
if manual == '' and redis.call('HGET', KEYS[1], 'state') ~= 'pendiente' then
  redis.call('EXPIRE', KEYS[1], ARGV[7])
  redis.call('EXPIRE', KEYS[2], ARGV[7])
end
if KEYS[4] ~= KEYS[5] and redis.call('ZREM', KEYS[4], ARGV[6]) == 1 then
  redis.call('ZADD', KEYS[5], ARGV[9], ARGV[6])
end
return 1
""")


@lru_cache(maxsize=4)
def _client(private_networks: tuple, connect_timeout: float, read_timeout: float) -> WebhookClient:
    return WebhookClient(private_networks=private_networks, connect_timeout=connect_timeout,
                         read_timeout=read_timeout)


def attempt_lease(settings: Settings) -> float:
    return settings.webhook_connect_timeout + settings.webhook_read_timeout + LEASE_MARGIN_SECONDS


@dataclass
class NextTake:
    """A drain's next take (`queue` adds it to a pipeline), sent in the round trip that records a
    delivered attempt, the common case, rather than in one of its own; `sent` says whether it was."""

    queue: Callable
    reply: list | None = None
    sent: bool = False


def drain(r, oid: str, token: str) -> int:
    """Send the hooks waiting at an origin, one at a time in the slot `token` holds, until none waits or
    the drain's turn is over (then a new drain takes the slot over); returns how many it took."""
    settings = get_settings()
    queue_take = partial(origin_lines.queue_take, due=DUE, oid=oid, token=token,
                         cap=settings.webhook_max_per_endpoint, lease=attempt_lease(settings),
                         hook_prefix=hook_key(""), pdv_prefix=pdv_key(""), endpoint_suffix=endpoints.STATE_SUFFIX)
    held: dict[str, tuple[PointOfSale, Endpoint] | None] = {}

    def queue_next(pipe) -> None:
        queue_take(pipe, known=tuple(held))

    turn_ends = time.monotonic() + DRAIN_TURN_SECONDS
    taken = 0
    hook = _take(r, queue_next)
    while hook is not None:
        taken += 1
        if hook.sibling:
            outbox.publish_drains([(oid, hook.sibling)])
        following = NextTake(queue_next) if time.monotonic() <= turn_ends else None
        if not hook.hook:
            r.zrem(DUE, hook.hook_id)
        else:
            attempt(r, {**hook.hook, "id": hook.hook_id}, oid=oid, seen=_seen(held, hook), following=following)
        if following is not None and following.sent:
            hook = origin_lines.taken(following.reply)
            continue
        if time.monotonic() > turn_ends:
            if _others_waiting():
                origin_lines.hand_over(r, oid, token)
                outbox.publish_drains([(oid, token)])
                return taken
            turn_ends = time.monotonic() + DRAIN_TURN_SECONDS
        hook = _take(r, queue_next)
    return taken


def _take(r, queue_take: Callable) -> origin_lines.Taken | None:
    pipe = r.pipeline(transaction=False)
    queue_take(pipe)
    return origin_lines.taken(execute(pipe)[0])


def _seen(held: dict, hook: origin_lines.Taken) -> tuple[PointOfSale, Endpoint] | None:
    """The point of sale and endpoint taken with the hook: those the drain holds under the digest the
    take answered when it left them out, else parsed from the reply (and held for the next takes)."""
    if hook.digest in held and not hook.pdv:
        return held[hook.digest]
    seen = endpoints.from_replies(hook.pdv, hook.endpoint)
    if hook.digest:
        if len(held) >= HELD_ENDPOINTS:
            held.clear()
        held[hook.digest] = seen
    return seen


def _others_waiting() -> bool:
    """Whether tasks wait in the webhooks queue (with late acks, a worker holds no more than it runs)."""
    with app.connection_or_acquire() as connection:
        return connection.default_channel.queue_declare(WEBHOOKS_QUEUE).message_count > 0


def _automatic_due(hook: dict, now: float) -> bool:
    due = next_attempt(hook["id"], hook)
    return due is not None and due <= now + DUE_SLACK_SECONDS


def attempt(r, hook: dict, *, oid: str, seen: tuple[PointOfSale, Endpoint] | None = None,
            following: NextTake | None = None) -> str:
    """Make the attempt a hook taken from origin `oid`'s line is due for, if any, with its point of sale
    and endpoint as `seen` when they were taken with it (else read now); a delivered attempt sends
    `following` with its record. Returns its state afterwards, or why nothing was sent: `not-due` (it is
    due later) or `moved` (its URL changed to another origin while it waited: it waits in that origin's
    line now)."""
    settings = get_settings()
    manual = hook.get("manual", "")
    if not manual and not _automatic_due(hook, clock.timestamp()):
        return _not_due(r, hook)
    trigger = "manual" if manual else "automatic"
    try:
        pdv, endpoint = seen or endpoints.load(r, hook["pdv"])
    except UnknownPointOfSale:
        pdv = endpoint = None
    if pdv is not None and origin_lines.origin_id(pdv.webhook_url) != oid:
        r.hdel(hook_key(hook["id"]), "attempt_until")
        outbox.offer(r, [hook["id"]])
        return "moved"
    if endpoint is not None and trigger == "automatic" and endpoints.is_disabled(endpoint):
        _finish(r, hook, {"state": "fallido", "failure": f"endpoint disabled: {endpoint.disabled_reason}"},
                record=None, due=None, manual="")
        return "fallido"
    started = clock.timestamp()
    answer = _attempt(pdv, endpoint, hook, settings)
    return _record(r, hook, pdv, endpoint, trigger, manual, started, answer, following)


def _not_due(r, hook: dict) -> str:
    """A hook offered early (a producer whose clock runs ahead of ours) goes back to the due set; one
    already finished leaves it."""
    due = next_attempt(hook["id"], hook)
    _finish(r, hook, {"state": hook["state"]}, record=None, due=due, manual="")
    return "not-due" if due is not None else hook["state"]


def _attempt(pdv: PointOfSale | None, endpoint: Endpoint | None, hook: dict, settings: Settings) -> Answer:
    """Send the hook unless something stops it first."""
    if pdv is None:
        return _no_attempt("the point of sale no longer exists")
    try:
        check_webhook_url(pdv.webhook_url, development=settings.development)
    except BadWebhookUrl as exc:
        return _no_attempt(str(exc))
    return _send(pdv, endpoint, hook, settings)


def _no_attempt(error: str) -> Answer:
    return Answer(status=None, length=None, excerpt="", retry_after=None, error=error, duration_ms=0)


def _send(pdv: PointOfSale, endpoint: Endpoint, hook: dict, settings: Settings) -> Answer:
    body = stored_body(hook["id"], hook)
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        "TF-WebhookToken": pdv.webhook_token,
        # The real time, not the development clock: receivers check it against their own clocks.
        **signature_headers(hook["id"], body, endpoints.signing_secrets(endpoint, clock.timestamp()),
                            datetime.now(timezone.utc)),
    }
    client = _client(settings.webhook_private_networks, settings.webhook_connect_timeout,
                     settings.webhook_read_timeout)
    return client.post(pdv.webhook_url, body.encode("utf-8"), headers)


def _record(r, hook: dict, pdv: PointOfSale | None, endpoint: Endpoint | None, trigger: str, manual: str,
            started: float, answer: Answer, following: NextTake | None) -> str:
    now = clock.timestamp()
    outcome = webhook_outcome(answer.status)
    state, attempts, next_at = hook["state"], int(hook.get("attempts") or 0), hook.get("next_at", "")
    fields = {"failure": hook.get("failure", "")}
    due = None
    if trigger == "automatic":
        attempts += 1
    if outcome == "entregado":
        state, next_at, fields["failure"] = "entregado", "", ""
    elif outcome == "abandonar":
        if state == "pendiente":
            state, next_at, fields["failure"] = "fallido", "", "the receiver answered 410 Gone"
    elif trigger == "automatic":
        delay = webhook_delay(attempts, retry_after=answer.retry_after)
        if delay is None:
            state, next_at, fields["failure"] = "fallido", "", f"no attempt of {attempts} succeeded"
        else:
            next_at = repr(now + delay)
            due = now + delay
    elif state == "pendiente" and hook.get("automatic", "1") == "1":
        due = next_attempt(hook["id"], hook)  # a failed manual attempt leaves the schedule where it was
    elif state == "pendiente":
        state, fields["failure"] = "fallido", "the manual attempt failed"
    tries = int(hook.get("tries") or 0) + 1
    fields.update(state=state, attempts=attempts, next_at=next_at, tries=tries)
    record = {
        "attempt": tries,
        "trigger": trigger,
        "at": started,
        "url": pdv.webhook_url if pdv is not None else "",
        "status": answer.status,
        "duration_ms": answer.duration_ms,
        "response_bytes": answer.length,
        "error": answer.error,
    }
    # One round trip for the outcome, its count and, on a success, the end of a failing streak and the
    # drain's next take (after a failure the endpoint's health is updated before anything is taken).
    pipe = r.pipeline(transaction=False)
    _finish(pipe, hook, fields, record=record, due=due, manual=manual)
    count(pipe, "encola_webhook_deliveries", outcome="delivered" if outcome == "entregado" else "failed")
    if outcome == "entregado" and endpoint is not None and endpoint.last_failure:
        endpoints.record_success(pipe, pdv.id)
    if outcome == "entregado" and following is not None:
        following.queue(pipe)
        following.reply, following.sent = execute(pipe)[-1], True
    else:
        execute(pipe)
    # The answer's excerpt goes to the operator's log only (the Redactor masks secret-looking text in it),
    # never into the attempt the client reads.
    log.info("webhook %s attempt %s: %s; answer %r", hook["id"], tries, answer.status or answer.error, answer.excerpt,
             extra={"hook": hook["id"], "pdv": hook["pdv"], "evento": hook.get("evento"), "state": state})
    if pdv is not None and outcome != "entregado":
        _update_health(r, pdv, endpoint, outcome, trigger, now, answer)
    return state


def _update_health(r, pdv: PointOfSale, endpoint: Endpoint, outcome: str, trigger: str, now: float,
                   answer: Answer) -> None:
    if outcome == "abandonar":
        endpoints.disable(r, pdv.id, f"{pdv.webhook_url} answered 410 Gone. Changing the webhook URL, or an "
                                     "operator, enables it again.", now=now)
    elif trigger == "automatic":
        # Manual attempts are someone testing the endpoint: they neither start nor extend the streak.
        endpoints.record_failure(r, pdv, endpoint, now=now, error=answer.error or f"HTTP {answer.status}")


def _finish(r, hook: dict, fields: dict, *, record: dict | None, due: float | None, manual: str) -> None:
    _FINISH(r, [hook_key(hook["id"]), attempts_key(hook["id"]), DUE,
                pdv_state_hooks_key(hook["pdv"], hook["state"]), pdv_state_hooks_key(hook["pdv"], fields["state"])],
            [json.dumps({name: str(value) for name, value in fields.items()}),
             json.dumps(record, ensure_ascii=False) if record is not None else "",
             "" if due is None else repr(due), manual, repr(clock.timestamp()), hook["id"],
             int(retention_seconds()), ATTEMPTS_KEPT, repr(created_of(hook["id"], hook))])

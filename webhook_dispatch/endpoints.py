"""A point of sale's webhook endpoint: its signing secrets and their rotation, its health (disabled after
failing for a day, enabled again by a new URL or an operator), and the cap on concurrent deliveries to
one origin that keeps a slow receiver from taking every webhook worker.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from datetime import datetime
from urllib.parse import urlsplit

from accounts.points_of_sale import PointOfSale, get_point_of_sale, new_webhook_secret, pdv_key
from config import clock
from config.keys import key
from config.retry_policy import WEBHOOK_DISABLE_AFTER_SECONDS
from webhook_dispatch.outbox import DELIVERY_LEASE_SECONDS, DUE, hook_key

# Every origin's line that may hold waiting hooks, for the line sweep (which drops the lines it finds empty).
LINES = key("endpoints", "lines")

# How long the previous secret keeps signing after a rotation, by default (Svix uses the same day).
ROTATION_GRACE_SECONDS = 24 * 3600.0

# Secrets


def signing_secrets(pdv: PointOfSale, now: float) -> list[str]:
    """The secrets that sign a delivery now: the current one, and the previous one during its grace."""
    live = [pdv.webhook_secret]
    if pdv.webhook_secret_previous and now < pdv.webhook_secret_previous_until:
        live.append(pdv.webhook_secret_previous)
    return live


_ROTATE = """
local current = redis.call('HGET', KEYS[1], 'webhook_secret')
if not current then return 0 end
redis.call('HSET', KEYS[1], 'webhook_secret', ARGV[1], 'webhook_secret_previous', current,
           'webhook_secret_previous_until', ARGV[2])
return 1
"""


def rotate_secret(r, pdv_id: str, *, grace_seconds: float = ROTATION_GRACE_SECONDS) -> str:
    """Give the point of sale a new secret and return it (shown this once). Deliveries carry a signature
    with each secret until `grace_seconds` have passed, so receivers can switch without losing any;
    0 retires the old secret at once. Raises UnknownPointOfSale."""
    get_point_of_sale(r, pdv_id)
    secret = new_webhook_secret()
    r.eval(_ROTATE, 1, pdv_key(pdv_id), secret, repr(clock.timestamp() + grace_seconds))
    return secret


# Health


def is_disabled(pdv: PointOfSale) -> bool:
    return pdv.webhook_disabled_at > 0


def _health_key(pdv_id: str) -> str:
    return key("pdv", pdv_id, "webhook_health")


# The failing streak of one URL: when it began and when it last failed. A success ends it; so does a
# day without failures (nothing was sent, so nothing says the endpoint is still down), or a new URL.
_FAILED = """
local url, since, last = unpack(redis.call('HMGET', KEYS[1], 'url', 'since', 'last'))
local now, window = tonumber(ARGV[2]), tonumber(ARGV[3])
if url ~= ARGV[1] or not last or now - tonumber(last) > window then since = ARGV[2] end
redis.call('HSET', KEYS[1], 'url', ARGV[1], 'since', since, 'last', ARGV[2])
return since
"""


def record_failure(r, pdv: PointOfSale, *, now: float, error: str) -> bool:
    """Count a failed automatic attempt; disables the endpoint once its streak reaches a day.
    Returns whether this failure disabled it."""
    since = float(r.eval(_FAILED, 1, _health_key(pdv.id), pdv.webhook_url, repr(now), WEBHOOK_DISABLE_AFTER_SECONDS))
    if now - since < WEBHOOK_DISABLE_AFTER_SECONDS or is_disabled(pdv):
        return False
    started = datetime.fromtimestamp(since, clock.ARGENTINA).strftime("%d/%m/%Y %H:%M")
    disable(r, pdv.id, f"every delivery to {pdv.webhook_url} has failed since {started} (Argentina time); "
                       f"last error: {error}. Changing the webhook URL, or an operator, enables it again.", now=now)
    return True


def record_success(r, pdv_id: str) -> None:
    r.delete(_health_key(pdv_id))


def disable(r, pdv_id: str, reason: str, *, now: float | None = None) -> None:
    """Stop automatic deliveries to the point of sale's endpoint, saying why."""
    r.hset(pdv_key(pdv_id), mapping={"webhook_disabled_at": repr(clock.timestamp() if now is None else now),
                                     "webhook_disabled_reason": reason})


def enable(r, pdv_id: str) -> PointOfSale:
    """An operator's decision: the endpoint is tried again, its failing streak forgotten. Hooks that
    failed while it was disabled stay failed; `operations.redeliver_failed` sends them again."""
    get_point_of_sale(r, pdv_id)
    pipe = r.pipeline()
    pipe.hset(pdv_key(pdv_id), mapping={"webhook_disabled_at": "0.0", "webhook_disabled_reason": ""})
    pipe.delete(_health_key(pdv_id))
    pipe.execute()
    return get_point_of_sale(r, pdv_id)


def status(r, pdv_id: str) -> dict:
    """The endpoint as an operator sees it: URL, disabled or not and why, the current failing streak,
    and until when the previous secret still signs. Raises UnknownPointOfSale."""
    pdv = get_point_of_sale(r, pdv_id)
    health = r.hgetall(_health_key(pdv_id))
    failing = health if health.get("url") == pdv.webhook_url else {}
    return {
        "webhook_url": pdv.webhook_url,
        "disabled": is_disabled(pdv),
        "disabled_at": pdv.webhook_disabled_at or None,
        "disabled_reason": pdv.webhook_disabled_reason,
        "failing_since": float(failing["since"]) if failing else None,
        "last_failure": float(failing["last"]) if failing else None,
        "previous_secret_until": pdv.webhook_secret_previous_until if pdv.webhook_secret_previous else None,
    }


# Concurrency per origin

def origin(url: str) -> str:
    """scheme://host:port: the unit the cap protects, whichever points of sale share it."""
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return f"{parts.scheme}://{(parts.hostname or '').lower()}:{port}"


def _endpoint_key(url: str, part: str) -> str:
    return key("endpoint", hashlib.sha256(origin(url).encode()).hexdigest()[:24], part)


# Slots are members scored by when their lease ends, in real seconds: the clock of development moves
# schedules, not the time a request really takes. While the origin is busy, hooks wait in its line in
# the order they first came (their place is kept), and a hook takes a free slot only if no hook that
# came before it is still waiting: under load an origin gets its hooks in order, `encolado` before
# `emitido`. The hook remembers which line it is in, so that it can leave it whatever becomes of it.
_ACQUIRE = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
local free = tonumber(ARGV[2]) - redis.call('ZCARD', KEYS[1])
local place = redis.call('ZRANK', KEYS[2], ARGV[6])
if not place then place = redis.call('ZCARD', KEYS[2]) end
if place >= free then
  redis.call('ZADD', KEYS[2], 'NX', ARGV[1], ARGV[6])
  redis.call('EXPIRE', KEYS[2], 86400)
  redis.call('HSET', KEYS[3], 'waiting_in', KEYS[2])
  redis.call('SADD', KEYS[4], KEYS[2])
  return 0
end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[4])
redis.call('EXPIRE', KEYS[1], ARGV[5])
redis.call('ZREM', KEYS[2], ARGV[6])
redis.call('HDEL', KEYS[3], 'waiting_in')
return 1
"""

# The hooks a release calls are leased in the due set (ARGV[4], due-set time): if the call is lost, the
# promoter publishes them again when the lease runs out, and the line sweep leaves them alone until then.
_RELEASE = """
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[2])
local free = tonumber(ARGV[3]) - redis.call('ZCARD', KEYS[1])
if free <= 0 then return {} end
local called = redis.call('ZRANGE', KEYS[2], 0, free - 1)
for _, hook in ipairs(called) do redis.call('ZADD', KEYS[3], 'XX', ARGV[4], hook) end
return called
"""

# The line sweep: a line whose slots freed without a release calling it (their holder died, its lease
# ran out) would wait for its hooks' two-minute second look. For every line with free slots, call the
# hooks at its head that no release called within a lease (their due-set score is further off).
_CALL_STALLED = """
local now, leased = tonumber(ARGV[1]), tonumber(ARGV[3])
local called = {}
for _, waiting in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if redis.call('ZCARD', waiting) == 0 then
    redis.call('SREM', KEYS[1], waiting)
  else
    local slots = string.sub(waiting, 1, -8) .. 'slots'
    redis.call('ZREMRANGEBYSCORE', slots, '-inf', now)
    local free = tonumber(ARGV[2]) - redis.call('ZCARD', slots)
    if free > 0 then
      for _, hook in ipairs(redis.call('ZRANGE', waiting, 0, free - 1)) do
        local due = redis.call('ZSCORE', KEYS[2], hook)
        if due and tonumber(due) > leased then
          redis.call('ZADD', KEYS[2], leased, hook)
          called[#called + 1] = hook
        end
      end
    end
  end
end
return called
"""


def acquire_slot(r, url: str, hook_id: str, *, cap: int, lease: float) -> str | None:
    """A token for one delivery to `url`'s origin, or None when the hook must wait in the origin's line
    (`cap` deliveries under way, or hooks ahead of it). A slot whose holder died frees itself after
    `lease` seconds."""
    token = secrets.token_hex(8)
    now = time.time()
    if r.eval(_ACQUIRE, 4, _endpoint_key(url, "slots"), _endpoint_key(url, "waiting"), hook_key(hook_id), LINES,
              repr(now), cap, repr(now + lease), token, int(lease) + 1, hook_id):
        return token
    return None


def release_slot(r, url: str, token: str, *, cap: int) -> list[str]:
    """Free the slot; returns the hooks at the head of the origin's line that the free slots can take,
    to be sent now."""
    return _release(r, _endpoint_key(url, "slots"), _endpoint_key(url, "waiting"), token, cap)


def leave_line(r, hook: dict, *, cap: int, staying_for: str | None = None) -> list[str]:
    """Take a hook out of the line it waits in: it will not be sent (it finished, or its endpoint is
    disabled), or it now goes to another origin than `staying_for`'s (its URL changed). Returns the hooks
    at the head of that line that free slots can take now: the place it gave up may have been what held
    them, and no slot release will tell them."""
    waiting = hook.get("waiting_in")
    if not waiting or (staying_for is not None and waiting == _endpoint_key(staying_for, "waiting")):
        return []
    pipe = r.pipeline()
    pipe.zrem(waiting, hook["id"])
    pipe.hdel(hook_key(hook["id"]), "waiting_in")
    removed, _ = pipe.execute()
    if not removed:  # it had left already (a slot took it out of the line)
        return []
    # The line's own origin (the hook's URL may have changed since it joined); no token: this frees no
    # slot, it only reads who the free ones can take.
    slots = waiting.removesuffix("waiting") + "slots"
    return _release(r, slots, waiting, "", cap)


def _release(r, slots: str, waiting: str, token: str, cap: int) -> list[str]:
    return r.eval(_RELEASE, 3, slots, waiting, DUE, token, repr(time.time()), cap,
                  repr(clock.timestamp() + DELIVERY_LEASE_SECONDS))


def call_stalled_lines(r, *, cap: int) -> list[str]:
    """The hooks at the head of lines whose slots freed with nobody calling them, leased in the due set;
    to be published now."""
    return r.eval(_CALL_STALLED, 2, LINES, DUE, repr(time.time()), cap,
                  repr(clock.timestamp() + DELIVERY_LEASE_SECONDS))

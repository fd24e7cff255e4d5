"""A point of sale's webhook endpoint: its signing secrets and their rotation, and its health (disabled
after failing for a day, enabled again by a new URL or an operator). The cap on concurrent deliveries to
one origin is webhook_dispatch/origin_lines.py's.

The endpoint's state (secrets, disabled flag, the URL's failing streak) is one hash per point of sale,
`pdv:<id>:endpoint`, which only this module writes; accounts keeps the point of sale's own settings.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime

from accounts.points_of_sale import PointOfSale, UnknownPointOfSale, pdv_key
from config import clock
from config.keys import key
from config.retry_policy import WEBHOOK_DISABLE_AFTER_SECONDS
from webhook_dispatch.signing import new_webhook_secret

# How long the previous secret keeps signing after a rotation, by default (Svix uses the same day).
ROTATION_GRACE_SECONDS = 24 * 3600.0


@dataclass(frozen=True)
class Endpoint:
    """One point of sale's endpoint state, as its hash holds it (field for field)."""

    secret: str
    # After a rotation the previous secret still signs until previous_secret_until.
    previous_secret: str = ""
    previous_secret_until: float = 0.0
    # Set when the endpoint is disabled after failing for a day (or answering 410); cleared when the
    # URL changes or an operator enables it again.
    disabled_at: float = 0.0
    disabled_reason: str = ""
    # The failing streak of one URL: when it began and when it last failed. A success ends it; so does a
    # day without failures (nothing was sent, so nothing says the endpoint is still down), or a new URL.
    failing_url: str = ""
    failing_since: float = 0.0
    last_failure: float = 0.0

    @classmethod
    def from_reply(cls, reply: list[str]) -> "Endpoint":
        """From HGETALL as a script answers it: names and values, alternating."""
        raw = dict(zip(reply[::2], reply[1::2]))
        return cls(**{f.name: float(raw[f.name]) if f.type == "float" else raw[f.name]
                      for f in fields(cls) if f.name in raw})

    def failing_for(self, url: str) -> bool:
        """Whether `url` has a failing streak going (one of another URL says nothing about it)."""
        return self.last_failure > 0 and self.failing_url == url


# The endpoint's hash is its point of sale's key with this suffix.
STATE_SUFFIX = ":endpoint"


def _state_key(pdv_id: str) -> str:
    return pdv_key(pdv_id) + STATE_SUFFIX


def _legacy_health_key(pdv_id: str) -> str:
    """Where the failing streak was kept before the endpoint had a hash of its own."""
    return key("pdv", pdv_id, "webhook_health")


# Every script on the endpoint begins with this. Before the endpoint had a hash of its own, its state
# lived in the point of sale's hash (and the streak in pdv:<id>:webhook_health): the first script that
# touches such an endpoint moves it here in the same atomic step, so an upgrade loses no secret and no
# disabled flag. With no hash holding a secret there is no endpoint (no point of sale, or one still being
# created): the script answers nil and writes nothing.
_MOVE_IN = """
if redis.call('EXISTS', KEYS[1]) == 0 then
  if redis.call('HEXISTS', KEYS[2], 'webhook_secret') == 0 then return false end
  local moves = {
    {KEYS[2], 'webhook_secret', 'secret'}, {KEYS[2], 'webhook_secret_previous', 'previous_secret'},
    {KEYS[2], 'webhook_secret_previous_until', 'previous_secret_until'},
    {KEYS[2], 'webhook_disabled_at', 'disabled_at'}, {KEYS[2], 'webhook_disabled_reason', 'disabled_reason'},
    {KEYS[3], 'url', 'failing_url'}, {KEYS[3], 'since', 'failing_since'}, {KEYS[3], 'last', 'last_failure'}}
  for _, move in ipairs(moves) do
    local value = redis.call('HGET', move[1], move[2])
    if value then redis.call('HSET', KEYS[1], move[3], value) end
  end
  redis.call('HDEL', KEYS[2], 'webhook_secret', 'webhook_secret_previous', 'webhook_secret_previous_until',
             'webhook_disabled_at', 'webhook_disabled_reason')
  redis.call('DEL', KEYS[3])
end
"""

_READ = _MOVE_IN + "return redis.call('HGETALL', KEYS[1])"

# Forgets the fields named in ARGV; answers the endpoint as it is then.
_FORGET = _MOVE_IN + """
redis.call('HDEL', KEYS[1], unpack(ARGV))
return redis.call('HGETALL', KEYS[1])
"""

_DISABLED = ("disabled_at", "disabled_reason")
_STREAK = ("failing_url", "failing_since", "last_failure")


def _run(r, script: str, pdv_id: str, *args):
    """Run one of the endpoint's scripts; `r` may be a pipeline, which stages it."""
    return r.eval(script, 3, _state_key(pdv_id), pdv_key(pdv_id), _legacy_health_key(pdv_id), *args)


def stage_creation(pipe, pdv_id: str, secret: str) -> None:
    """Stage the endpoint of a point of sale being created, in the MULTI that creates it."""
    pipe.hset(_state_key(pdv_id), "secret", secret)


def stage_url_change(pipe, before: PointOfSale, after: PointOfSale) -> None:
    """Stage, in the MULTI that changes the point of sale, what a change of its URL means: a new URL is a
    new endpoint, and whatever disabled the old one says nothing about it."""
    if after.webhook_url != before.webhook_url:
        _run(pipe, _FORGET, after.id, *_DISABLED)


def read(r, pdv_id: str) -> Endpoint:
    """The point of sale's endpoint. Raises UnknownPointOfSale."""
    reply = _run(r, _READ, pdv_id)
    if reply is None:
        raise UnknownPointOfSale(pdv_id)
    return Endpoint.from_reply(reply)


def read_many(r, pdv_ids: list[str]) -> list[Endpoint]:
    """The endpoints of points of sale known to exist, in one round trip."""
    pipe = r.pipeline(transaction=False)
    for pdv_id in pdv_ids:
        _run(pipe, _READ, pdv_id)
    return [Endpoint.from_reply(reply) for reply in pipe.execute()]


def from_replies(pdv: dict[str, str], endpoint: list[str]) -> tuple[PointOfSale, Endpoint] | None:
    """The point of sale and its endpoint from what was read of them (HGETALL of each), or None when the
    endpoint has no hash of its own yet (a store written before it had one: `load` moves it in)."""
    if not pdv or not endpoint:
        return None
    return PointOfSale.from_redis(pdv), Endpoint.from_reply(endpoint)


def load(r, pdv_id: str) -> tuple[PointOfSale, Endpoint]:
    """The point of sale and its endpoint as they were at one moment, in one round trip. Raises
    UnknownPointOfSale."""
    pipe = r.pipeline()
    pipe.hgetall(pdv_key(pdv_id))
    _run(pipe, _READ, pdv_id)
    raw, reply = pipe.execute()
    if not raw or reply is None:
        raise UnknownPointOfSale(pdv_id)
    return PointOfSale.from_redis(raw), Endpoint.from_reply(reply)


# Secrets


def signing_secrets(endpoint: Endpoint, now: float) -> list[str]:
    """The secrets that sign a delivery now: the current one, and the previous one during its grace."""
    live = [endpoint.secret]
    if endpoint.previous_secret and now < endpoint.previous_secret_until:
        live.append(endpoint.previous_secret)
    return live


_ROTATE = _MOVE_IN + """
local current = redis.call('HGET', KEYS[1], 'secret')
redis.call('HSET', KEYS[1], 'secret', ARGV[1], 'previous_secret', current, 'previous_secret_until', ARGV[2])
return 1
"""


def rotate_secret(r, pdv_id: str, *, grace_seconds: float = ROTATION_GRACE_SECONDS) -> str:
    """Give the point of sale a new secret and return it (shown this once). Deliveries carry a signature
    with each secret until `grace_seconds` have passed, so receivers can switch without losing any;
    0 retires the old secret at once. Raises UnknownPointOfSale."""
    secret = new_webhook_secret()
    if _run(r, _ROTATE, pdv_id, secret, repr(clock.timestamp() + grace_seconds)) is None:
        raise UnknownPointOfSale(pdv_id)
    return secret


# Health


def is_disabled(endpoint: Endpoint) -> bool:
    return endpoint.disabled_at > 0


_FAILED = _MOVE_IN + """
local url, since, last = unpack(redis.call('HMGET', KEYS[1], 'failing_url', 'failing_since', 'last_failure'))
local now, window = tonumber(ARGV[2]), tonumber(ARGV[3])
if url ~= ARGV[1] or not last or now - tonumber(last) > window then since = ARGV[2] end
redis.call('HSET', KEYS[1], 'failing_url', ARGV[1], 'failing_since', since, 'last_failure', ARGV[2])
return since
"""


def record_failure(r, pdv: PointOfSale, endpoint: Endpoint, *, now: float, error: str) -> bool:
    """Count a failed automatic attempt; disables the endpoint once its streak reaches a day.
    Returns whether this failure disabled it."""
    since = _run(r, _FAILED, pdv.id, pdv.webhook_url, repr(now), WEBHOOK_DISABLE_AFTER_SECONDS)
    if since is None or now - float(since) < WEBHOOK_DISABLE_AFTER_SECONDS or is_disabled(endpoint):
        return False
    started = datetime.fromtimestamp(float(since), clock.ARGENTINA).strftime("%d/%m/%Y %H:%M")
    disable(r, pdv.id, f"every delivery to {pdv.webhook_url} has failed since {started} (Argentina time); "
                       f"last error: {error}. Changing the webhook URL, or an operator, enables it again.", now=now)
    return True


def record_success(r, pdv_id: str) -> None:
    _run(r, _FORGET, pdv_id, *_STREAK)


_DISABLE = _MOVE_IN + """
redis.call('HSET', KEYS[1], 'disabled_at', ARGV[1], 'disabled_reason', ARGV[2])
return 1
"""


def disable(r, pdv_id: str, reason: str, *, now: float | None = None) -> None:
    """Stop automatic deliveries to the point of sale's endpoint, saying why."""
    _run(r, _DISABLE, pdv_id, repr(clock.timestamp() if now is None else now), reason)


def enable(r, pdv_id: str) -> Endpoint:
    """An operator's decision: the endpoint is tried again, its failing streak forgotten. Hooks that
    failed while it was disabled stay failed; `operations.redeliver_failed` sends them again.
    Raises UnknownPointOfSale."""
    reply = _run(r, _FORGET, pdv_id, *_DISABLED, *_STREAK)
    if reply is None:
        raise UnknownPointOfSale(pdv_id)
    return Endpoint.from_reply(reply)


def describe(pdv: PointOfSale, endpoint: Endpoint) -> dict:
    """The endpoint as an operator sees it: URL, disabled or not and why, the current failing streak,
    and until when the previous secret still signs."""
    failing = endpoint.failing_for(pdv.webhook_url)
    return {
        "webhook_url": pdv.webhook_url,
        "disabled": is_disabled(endpoint),
        "disabled_at": endpoint.disabled_at or None,
        "disabled_reason": endpoint.disabled_reason,
        "failing_since": endpoint.failing_since if failing else None,
        "last_failure": endpoint.last_failure if failing else None,
        "previous_secret_until": endpoint.previous_secret_until if endpoint.previous_secret else None,
    }


def status(r, pdv_id: str) -> dict:
    """`describe` of the point of sale's endpoint. Raises UnknownPointOfSale."""
    return describe(*load(r, pdv_id))

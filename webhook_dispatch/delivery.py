"""One delivery attempt of a stored event: send its bytes, record the attempt, decide what comes next."""

from __future__ import annotations

import json
import secrets
import time
from datetime import datetime, timezone

import requests

from accounts.points_of_sale import UnknownPointOfSale, get_point_of_sale
from config import clock
from config.keys import key
from config.retry_policy import webhook_delay
from config.settings import get_settings
from webhook_dispatch.outbox import DUE, attempts_key, hook_key
from webhook_dispatch.signing import signature_headers

USER_AGENT = "encola-webhook/1.0 (TusFacturasAPP-webhook compatible)"
SUCCESS = (200, 201)  # seed 002: the receiver answers 200 or 201
RESPONSE_KEPT_BYTES = 2048
LOCK_SECONDS = 90

_session = requests.Session()

_FINISH = """
redis.call('HSET', KEYS[1], 'state', ARGV[1], 'attempts', ARGV[2], 'last_status', ARGV[3], 'next_at', ARGV[4])
redis.call('RPUSH', KEYS[2], ARGV[5])
if ARGV[1] == 'pendiente' then
  redis.call('ZADD', KEYS[3], tonumber(ARGV[4]), ARGV[6])
else
  redis.call('ZREM', KEYS[3], ARGV[6])
end
return 1
"""


def deliver(r, hook_id: str) -> str:
    """Attempt delivery of a pending hook; returns the hook's state afterwards, or why nothing was done."""
    hook = r.hgetall(hook_key(hook_id))
    if not hook:
        r.zrem(DUE, hook_id)
        return "missing"
    if hook["state"] != "pendiente":
        r.zrem(DUE, hook_id)
        return hook["state"]
    lock = key("hook", hook_id, "lock")
    token = secrets.token_hex(8)
    if not r.set(lock, token, nx=True, ex=LOCK_SECONDS):
        return "busy"
    try:
        return _attempt(r, hook_id, hook)
    finally:
        r.eval("if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0", 1, lock, token)


def _attempt(r, hook_id: str, hook: dict) -> str:
    settings = get_settings()
    attempt = int(hook["attempts"]) + 1
    started = time.monotonic()
    status, error, excerpt = None, "", ""
    try:
        pdv = get_point_of_sale(r, hook["pdv"])
    except UnknownPointOfSale:
        pdv = None
        error = "el punto de venta ya no existe"
    if pdv is not None:
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": USER_AGENT,
            "TF-WebhookToken": pdv.webhook_token,
            **signature_headers(hook_id, hook["body"], [pdv.webhook_secret], datetime.now(timezone.utc)),
        }
        try:
            response = _session.post(
                pdv.webhook_url,
                data=hook["body"].encode("utf-8"),
                headers=headers,
                timeout=(settings.webhook_connect_timeout, settings.webhook_read_timeout),
                allow_redirects=False,
            )
            status = response.status_code
            excerpt = response.content[:RESPONSE_KEPT_BYTES].decode("utf-8", "replace")
        except requests.RequestException as exc:
            error = f"{type(exc).__name__}: {exc}"
    duration_ms = int((time.monotonic() - started) * 1000)
    now = clock.timestamp()
    if status in SUCCESS:
        state, next_at = "entregado", now
    else:
        delay = webhook_delay(attempt)
        state, next_at = ("fallido", now) if delay is None else ("pendiente", now + delay)
    record = {
        "attempt": attempt,
        "trigger": "automatic",
        "at": now,
        "status": status,
        "duration_ms": duration_ms,
        "response": excerpt,
        "error": error,
    }
    r.eval(
        _FINISH, 3, hook_key(hook_id), attempts_key(hook_id), DUE,
        state, attempt, "" if status is None else status, repr(next_at), json.dumps(record), hook_id,
    )
    return state

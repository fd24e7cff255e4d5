"""The one clock: every "now" and "today" in the service comes from here.

In development the clock can be moved forward (tests and the demo cross days without sleeping): the
offset lives in Redis so that web, workers and beat all see the same time. Production ignores it.
Argentina keeps UTC-3 all year, so a fixed offset is exact and needs no tz database.
"""

from __future__ import annotations

import time
from datetime import date, datetime, timedelta, timezone

from config.keys import key
from config.redis_client import get_redis
from config.settings import get_settings

ARGENTINA = timezone(timedelta(hours=-3), "ART")
OFFSET_KEY = key("clock", "offset")
CACHE_SECONDS = 0.5
_cache = {"offset": 0.0, "read_at": float("-inf")}


def _offset() -> float:
    settings = get_settings()
    if not settings.development or not settings.redis_url:
        return 0.0
    mono = time.monotonic()
    if mono - _cache["read_at"] > CACHE_SECONDS:
        _cache["offset"] = float(get_redis().get(OFFSET_KEY) or 0.0)
        _cache["read_at"] = mono
    return _cache["offset"]


def timestamp() -> float:
    """Seconds since the epoch, moved by the development offset."""
    return time.time() + _offset()


def now() -> datetime:
    return datetime.fromtimestamp(timestamp(), tz=timezone.utc)


def now_ar() -> datetime:
    return now().astimezone(ARGENTINA)


def today_ar() -> date:
    return now_ar().date()


def wall_clock_ar(ts: float | None) -> str:
    """An epoch second as Argentina's wall clock (dd/mm/aaaa hh:mm:ss), "-" for none: how the CLI and
    the ventas en cola page write moments."""
    return datetime.fromtimestamp(ts, tz=ARGENTINA).strftime("%d/%m/%Y %H:%M:%S") if ts else "-"


def start_of_day_ar(day: date) -> float:
    """The epoch second at which `day` begins in Argentina: when a comprobante dated `day` falls due."""
    return datetime(day.year, day.month, day.day, tzinfo=ARGENTINA).timestamp()


def set_offset(redis_client, seconds: float) -> None:
    """Move the shared development clock; processes see it within half a second."""
    if not get_settings().development:
        raise RuntimeError("the clock can only be moved with ENCOLA_ENV=development")
    redis_client.set(OFFSET_KEY, repr(float(seconds)))
    _cache["read_at"] = float("-inf")

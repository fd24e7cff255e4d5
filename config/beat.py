"""beat's scheduler: the schedule and a lock in Redis (celery-redbeat), so that no local file is needed
and two or more `beat` processes can run, one leading and the others waiting to take over.

RedBeat (https://github.com/sibson/redbeat) keeps the entries in Redis and holds a lock that the leader
extends on every tick; a standby blocks on the lock and leads once the leader stops extending it. On
top of it, this scheduler rides out a Redis outage instead of exiting (a beat that exits under a
runner such as honcho takes the whole stack down), takes the lock again after losing it, and says who
leads (config.liveness) so that `encola status` and `/metrics` can show it.
"""

from __future__ import annotations

import logging
import time
from types import SimpleNamespace

import redis
from redbeat import RedBeatScheduler
from redbeat.schedulers import acquire_distributed_beat_lock
from redis.exceptions import LockError

from config.liveness import record_leader
from config.redis_client import get_redis

log = logging.getLogger("encola.beat")

# Between two complaints about an unreachable Redis, so an outage is one line every few seconds.
OUTAGE_LOG_SECONDS = 10.0


class Scheduler(RedBeatScheduler):
    def __init__(self, app, *args, **kwargs):
        # RedBeat opens its own client from a URL; ours already knows Sentinel, TLS and the timeouts, and
        # has the string replies RedBeat needs. RedBeat reuses a client it finds on the app.
        app.redbeat_redis = get_redis()
        super().__init__(app, *args, **kwargs)
        self._outage_logged_at = float("-inf")

    def setup_schedule(self):
        try:
            super().setup_schedule()
        except (redis.ConnectionError, redis.TimeoutError) as exc:
            # Waiting for Redis is what a worker does too; the entries are installed once beat leads.
            log.warning("beat: Redis unreachable at start (%s); the schedule is installed once it answers", exc)

    def tick(self, *args, **kwargs):
        try:
            if self.lock is None or not self.lock.owned():
                self._lead()
            interval = super().tick(*args, **kwargs)
            record_leader(get_redis(), self.lock_timeout)
            return interval
        except (redis.ConnectionError, redis.TimeoutError) as exc:
            now = time.monotonic()
            if now - self._outage_logged_at >= OUTAGE_LOG_SECONDS:
                log.warning("beat: Redis unreachable (%s); the sweeps wait for it", exc)
                self._outage_logged_at = now
            return self.max_interval
        except LockError:
            # The lock lapsed between the check and the extension; the next tick takes it again.
            return 0

    def _lead(self) -> None:
        """Take the lock, blocking while another beat leads: at start when Redis was unreachable then
        (RedBeat's own attempt at start failed), or after the lock lapsed while Redis was away."""
        if self.lock is not None:
            log.warning("beat: the schedule's lock is not ours any more; waiting to lead again")
            self.lock.acquire()
        else:
            acquire_distributed_beat_lock(sender=SimpleNamespace(scheduler=self))
        # A Redis that lost the lock may have lost the schedule with it (a fresh server, a failover to a
        # replica behind): without its entries beat would tick and never send anything.
        self.setup_schedule()
        log.info("beat: leading")

"""At most one emitter per lane: a Redis lock with a random token and a lease renewed in the background.

The lock is for efficiency; correctness does not rest on it. If a paused emitter loses its lease, AFIP's
10016 and the batch id written on each comprobante keep a second emitter from doing harm.
"""

from __future__ import annotations

import os
import secrets
import socket
import threading
from contextlib import contextmanager

from comprobantes.store import LANES_DUE
from config import clock
from config.keys import key

# Renewing the lock also keeps the lane's lease in the due set ahead (never moving it back), so that
# the promoter does not publish the lane again while its emitter lives, and does once it died.
_RENEW = """
if redis.call('get', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('pexpire', KEYS[1], ARGV[2])
redis.call('ZADD', KEYS[2], 'XX', 'GT', ARGV[3], ARGV[4])
return 1
"""


def lock_key(lane: str) -> str:
    return key("lane", lane, "lock")


class LaneLock:
    def __init__(self, r, lane: str, lease_seconds: float):
        self.r = r
        self.lane = lane
        self.key = lock_key(lane)
        self.lease_ms = int(lease_seconds * 1000)
        # The holder's host and pid make the lock readable to operators (and to the crash tests).
        self.token = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(8)}"
        self.lost = threading.Event()

    def acquire(self) -> bool:
        return bool(self.r.set(self.key, self.token, nx=True, px=self.lease_ms))

    def renew(self) -> bool:
        ok = bool(self.r.eval(_RENEW, 2, self.key, LANES_DUE, self.token, self.lease_ms,
                              repr(clock.timestamp() + self.lease_ms / 1000), self.lane))
        if not ok:
            self.lost.set()
        return ok

    @contextmanager
    def heartbeat(self):
        """Renew the lease every third of it while the body runs (SOAP calls can be long)."""
        stop = threading.Event()

        def beat():
            while not stop.wait(self.lease_ms / 3000.0):
                try:
                    if not self.renew():
                        return
                except Exception:  # a failed renewal must not kill the emitter; the lease may lapse
                    continue

        thread = threading.Thread(target=beat, name=f"lease {self.key}", daemon=True)
        thread.start()
        try:
            yield self
        finally:
            stop.set()
            thread.join()

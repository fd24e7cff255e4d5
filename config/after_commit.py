"""Publishing the tasks that a committed Redis transaction made due.

The transaction is what counts (an acceptance, a transition, a hook); the publish after it only saves
waiting for a promoter, which publishes again when the lease taken in the transaction runs out. So a
broker failure at that point is logged, never raised: raising would answer an accepted request with an
error, and a client retrying it without idempotent submission would queue the comprobante twice.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager

import redis
from kombu.exceptions import OperationalError

log = logging.getLogger(__name__)


@contextmanager
def left_to_promoter(what: str):
    try:
        yield
    except (redis.RedisError, OperationalError) as exc:
        log.warning("%s not published now (%s); its promoter publishes it when the lease runs out", what, exc)

"""The hooks of each external_reference of a point of sale, for the hook log by reference and for
retention, in few small keys instead of one sorted set per reference.

A point of sale's hooks are indexed per period of PERIOD_SECONDS (the hook's creation, read from its id)
and per bucket (the reference's CRC-32 modulo BUCKETS) in a sorted set whose member is the hook id and
whose score is the reference's CRC-32: ZRANGEBYSCORE finds one reference's hooks, in the order of their
ids (which is their creation order), in O(log N + M). Members of 25 bytes (31 for ids of the earlier
form, webhook_dispatch/events.py) and integer scores keep a bucket in Redis' listpack encoding up to
`zset-max-listpack-entries` (128) hooks (https://redis.io/docs/latest/develop/data-types/sorted-sets/),
16,384 per point of sale and period. References that share a CRC-32 share their entries: the hook log
checks each hook's reference.

A bucket expires when no hook was added to it for longer than the hooks' retention and two periods, and
the point of sale's list of periods (`hook_refs`) forgets the periods older than the retention, so an
entry whose hook expired never outlives its period by long.
"""

from __future__ import annotations

import zlib

from config.keys import key
from webhook_dispatch.events import created_from_id

BUCKETS = 128
PERIOD_SECONDS = 7 * 86400


def periods_key(pdv_id: str) -> str:
    return key("pdv", pdv_id, "hook_refs")


def bucket_key(pdv_id: str, period: int, external_reference: str) -> str:
    return key("pdv", pdv_id, "hook_refs", period, fingerprint(external_reference) % BUCKETS)


def fingerprint(external_reference: str) -> int:
    return zlib.crc32(external_reference.encode("utf-8"))


def period_of(hook_id: str) -> int:
    return int(created_from_id(hook_id) // PERIOD_SECONDS)


def stage_add(pipe, entries: list[tuple[str, str, str]], *, retention: float) -> None:
    """Add to an open MULTI the (point of sale, reference, hook id) entries, each bucket's expiry, the
    periods' places in their point of sale's list and the list's trim: one command per bucket and per
    list, not per hook."""
    buckets: dict[str, dict[str, int]] = {}
    periods: dict[str, set[int]] = {}
    for pdv_id, external_reference, hook_id in entries:
        period = period_of(hook_id)
        members = buckets.setdefault(bucket_key(pdv_id, period, external_reference), {})
        members[hook_id] = fingerprint(external_reference)
        periods.setdefault(pdv_id, set()).add(period)
    for bucket, members in buckets.items():
        pipe.zadd(bucket, members)
        pipe.expire(bucket, int(retention + 2 * PERIOD_SECONDS))
    for pdv_id, added in periods.items():
        pipe.zadd(periods_key(pdv_id), {str(period): period for period in added})
        pipe.zremrangebyscore(periods_key(pdv_id), "-inf", f"({int(max(added) - retention // PERIOD_SECONDS - 1)}")


def stage_remove(pipe, pdv_id: str, external_reference: str, hook_ids: list[str]) -> None:
    for hook_id in hook_ids:
        pipe.zrem(bucket_key(pdv_id, period_of(hook_id), external_reference), hook_id)


def lookup(r, references: list[tuple[str, str]], *, since: float | None = None) -> list[list[str]]:
    """The hook ids indexed under each (point of sale, external_reference), oldest first, created at or
    after `since` if given, in two round trips for them all; a hook of another reference with the same
    CRC-32 may be among them."""
    pipe = r.pipeline(transaction=False)
    pdvs = sorted({pdv_id for pdv_id, _ in references})
    for pdv_id in pdvs:
        pipe.zrange(periods_key(pdv_id), 0, -1)
    periods = {pdv_id: sorted(int(p) for p in listed) for pdv_id, listed in zip(pdvs, pipe.execute())}
    for pdv_id, reference in references:
        crc = fingerprint(reference)
        for period in periods[pdv_id]:
            pipe.zrangebyscore(bucket_key(pdv_id, period, reference), crc, crc)
    replies = iter(pipe.execute())
    return [[hook_id for _ in periods[pdv_id] for hook_id in next(replies)
             if since is None or created_from_id(hook_id) >= since] for pdv_id, _ in references]

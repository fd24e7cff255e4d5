"""The index of live comprobantes by external_reference: which comprobantes of a point of sale hold a
reference (idempotent submission, consulta_avanzada by EXT_REF, the page, the documents).

One small sorted set per reference would cost a Redis key each (about 250 bytes with its overhead).
Instead the references of a point of sale are spread over BUCKETS sorted sets by a hash of the
reference, each member `<reference> <comprobante id>` with score 0, so that Redis keeps each set in its
small encoding (a listpack, while it holds up to `zset-max-listpack-entries` short members) and a
reference's comprobantes are one lexicographic range (ZRANGEBYLEX,
https://redis.io/docs/latest/commands/zrangebylex/). A reference has only letters, digits, `-` and `_`
(comprobantes/rules.py), so the space never occurs inside one and the range holds only its own members.
"""

from __future__ import annotations

import zlib

from config.keys import key
from config.lua import Lua, execute

# 100,000 live references of one point of sale average under 100 members per set, below the 128 of Redis'
# default `zset-max-listpack-entries`; beyond that a set moves to Redis' larger encoding and still works.
BUCKETS = 1024


def bucket_key(pdv_id: str, reference: str) -> str:
    return key("pdv", pdv_id, "refs", zlib.crc32(reference.encode()) % BUCKETS)


def member(reference: str, rid: str) -> str:
    return f"{reference} {rid}"


def stage_add(pipe, pdv_id: str, entries: list[tuple[str, str]]) -> None:
    """Add to an open MULTI the (reference, comprobante id) entries of one point of sale: one command per
    bucket they fall in."""
    buckets: dict[str, dict[str, int]] = {}
    for reference, rid in entries:
        buckets.setdefault(bucket_key(pdv_id, reference), {})[member(reference, rid)] = 0
    for bucket, members in buckets.items():
        pipe.zadd(bucket, members)


def stage_remove(pipe, pdv_id: str, reference: str, rid: str) -> None:
    pipe.zrem(bucket_key(pdv_id, reference), member(reference, rid))


# KEYS: the bucket of each reference in ARGV, in the same order. Answers, for each reference that has
# members, its position (from 1) and its members: a request of a hundred new references reads back one
# empty reply instead of a hundred.
_READ = Lua("""
local found = {}
for i, bucket in ipairs(KEYS) do
  local reference = ARGV[i]
  local members = redis.call('ZRANGEBYLEX', bucket, '[' .. reference .. ' ', '(' .. reference .. '!')
  if #members > 0 then
    found[#found + 1] = i
    found[#found + 1] = members
  end
end
return found
""")


def read(pipe, pdv_id: str, wanted: list[str]) -> None:
    """Queue on `pipe` (sent by config.lua.execute) the read of the references' members; `holders`
    turns the reply into each one's ids."""
    _READ(pipe, [bucket_key(pdv_id, reference) for reference in wanted], wanted)


def holders(reply: list, count: int) -> list[list[str]]:
    """The comprobante ids holding each of the `count` references of a `read` reply, first arrived first."""
    found = [[] for _ in range(count)]
    for position, members in zip(reply[::2], reply[1::2]):
        found[int(position) - 1] = sorted((entry.rsplit(" ", 1)[1] for entry in members), key=int)
    return found


def of(r, pdv_id: str, reference: str) -> list[str]:
    """The ids of the live comprobantes holding `reference`, first arrived first."""
    pipe = r.pipeline(transaction=False)
    read(pipe, pdv_id, [reference])
    return holders(execute(pipe)[0], 1)[0]

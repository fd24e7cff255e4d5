"""One page of a score range of sorted sets, and how many members the range holds, with work bounded by
the page's size: what every listing (consulta_avanzada, ventas en cola, the hook log) reads instead of a
whole index.

ZRANGE ... BYSCORE LIMIT offset count walks `offset` members before the page (Redis' documentation of
ZRANGE: "if offset is large, the sorted set needs to be traversed for offset elements"), so the page is
taken by rank instead: ZCOUNT finds where the range starts in O(log N), and ZRANGE by rank reads only the
page. Over several sets (a point of sale's comprobantes in several states), a binary search on the score
finds the one at the page's offset with a few dozen ZCOUNTs per set, and the sets' next members are merged
from there. All of it runs in one script, so the total and the page agree.
"""

from __future__ import annotations

_PAGE = """
local low, high = ARGV[1], ARGV[2]
local offset, count, highest_first = tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5] == '1'
local total = 0
for _, set in ipairs(KEYS) do total = total + redis.call('ZCOUNT', set, low, high) end
local page = {total}
if count == 0 or offset >= total then return page end
local last = math.min(count, total - offset) - 1
if #KEYS == 1 then
  local ids
  if highest_first then
    local first = redis.call('ZCOUNT', KEYS[1], '(' .. high, '+inf') + offset
    ids = redis.call('ZREVRANGE', KEYS[1], first, first + last)
  else
    local first = redis.call('ZCOUNT', KEYS[1], '-inf', '(' .. low) + offset
    ids = redis.call('ZRANGE', KEYS[1], first, first + last)
  end
  for _, id in ipairs(ids) do page[#page + 1] = id end
  return page
end
-- Several sets, lowest first, whole distinct scores: the smallest score with more than `offset` members
-- at or below it is the page's first.
local lo, hi = tonumber(low), tonumber(high)
while lo < hi do
  local mid = math.floor((lo + hi) / 2)
  local below = 0
  for _, set in ipairs(KEYS) do below = below + redis.call('ZCOUNT', set, low, string.format('%d', mid)) end
  if below > offset then hi = mid else lo = mid + 1 end
end
local heads, at = {}, {}
for i, set in ipairs(KEYS) do
  heads[i] = redis.call('ZRANGEBYSCORE', set, string.format('%d', lo), high, 'WITHSCORES', 'LIMIT', 0, last + 1)
  at[i] = 1
end
for _ = 0, last do
  local best
  for i = 1, #KEYS do
    if at[i] * 2 <= #heads[i] and (best == nil or
        tonumber(heads[i][at[i] * 2]) < tonumber(heads[best][at[best] * 2])) then best = i end
  end
  if best == nil then break end
  page[#page + 1] = heads[best][at[best] * 2 - 1]
  at[best] = at[best] + 1
end
return page
"""


def page_by_score(r, keys: list[str], *, low: str | int | float = "-inf", high: str | int | float = "+inf",
                  offset: int = 0, count: int, highest_first: bool = False) -> tuple[int, list[str]]:
    """(how many members of `keys` score within [low, high], the `count` of them from `offset` on).

    One set may be read either way, with any scores. Several are read lowest first only, and their
    members' scores must be whole numbers, distinct across the sets, with `low` and `high` whole too.
    """
    if len(keys) > 1 and (highest_first or not all(isinstance(bound, int) for bound in (low, high))):
        raise ValueError("several sets are paged lowest first, between whole scores")
    reply = r.register_script(_PAGE)(keys=keys, args=[_bound(low), _bound(high), offset, count,
                                                      "1" if highest_first else "0"])
    return int(reply[0]), list(reply[1:])


def _bound(value: str | int | float) -> str:
    return value if isinstance(value, str) else repr(value)

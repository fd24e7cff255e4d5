"""A point of sale's monthly quota of queued comprobantes (TusFacturas' nuevo_encola page: when a request is sent, the
subscription must be active and have quota available, even if the comprobante is emitted later).

Every comprobante accepted into the queue counts once, in the calendar month (Argentina time) it was
submitted; a retry that finds its comprobante already queued does not count. `monthly_quota` 0 means
unlimited, but the count is kept anyway so a quota set mid-month starts from the real figure.
"""

from __future__ import annotations

from datetime import date

from accounts.points_of_sale import PointOfSale
from config.keys import key

KEEP_SECONDS = 70 * 86400  # a month's count outlives the month, for whoever reads it afterwards

# Check and take one unit in one step, so concurrent submissions never exceed the quota.
_RESERVE = """
local quota = tonumber(ARGV[1])
if quota > 0 and tonumber(redis.call('GET', KEYS[1]) or '0') >= quota then return 0 end
redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], ARGV[2])
return 1
"""


def month_key(pdv: PointOfSale, today: date) -> str:
    return key("pdv", pdv.id, "quota", today.strftime("%Y-%m"))


def reserve(r, pdv: PointOfSale, today: date) -> bool:
    """Take one unit of this month's quota; False when it is used up."""
    return bool(r.eval(_RESERVE, 1, month_key(pdv, today), pdv.monthly_quota, KEEP_SECONDS))


def release(r, pdv: PointOfSale, today: date, units: int = 1) -> None:
    """Give back units that bought nothing (the comprobante was already queued, or was not stored)."""
    r.decrby(month_key(pdv, today), units)


def used(r, pdv: PointOfSale, today: date) -> int:
    return int(r.get(month_key(pdv, today)) or 0)

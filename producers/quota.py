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


def month_key(pdv: PointOfSale, today: date) -> str:
    return key("pdv", pdv.id, "quota", today.strftime("%Y-%m"))


def exhausted(pdv: PointOfSale, used: int) -> bool:
    """Whether a point of sale that has used `used` units this month may queue no more."""
    return 0 < pdv.monthly_quota <= used


def stage_take(pipe, pdv: PointOfSale, today: date, units: int) -> None:
    """Add to an open MULTI the units of this month's quota that the comprobantes it stores take. The
    caller WATCHes month_key while it decides, so concurrent submissions never pass the quota together."""
    pipe.incrby(month_key(pdv, today), units)
    pipe.expire(month_key(pdv, today), KEEP_SECONDS)


def used(r, pdv: PointOfSale, today: date) -> int:
    return int(r.get(month_key(pdv, today)) or 0)

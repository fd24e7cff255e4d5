"""Creating and changing a point of sale together with its webhook endpoint, for the layers above both
(producers, the CLI, devtools). accounts keeps the point of sale and webhook_dispatch.endpoints its
endpoint; these write both in one MULTI, so that no point of sale exists without its signing secret and
a new webhook URL always starts enabled.
"""

from __future__ import annotations

from accounts import points_of_sale as accounts
from accounts.points_of_sale import PointOfSale
from webhook_dispatch import endpoints
from webhook_dispatch.signing import new_webhook_secret


def create_point_of_sale(r, **settings) -> tuple[PointOfSale, dict[str, str]]:
    """`accounts.points_of_sale.create_point_of_sale` with the endpoint and its first signing secret,
    which `endpoints.read` gives to show it this once."""
    secret = new_webhook_secret()
    return accounts.create_point_of_sale(
        r, **settings, also=lambda pipe, ident: endpoints.stage_creation(pipe, ident, secret))


def update_point_of_sale(r, ident: str, **changes) -> PointOfSale:
    """`accounts.points_of_sale.update_point_of_sale`; a new URL enables the endpoint again."""
    return accounts.update_point_of_sale(r, ident, also=endpoints.stage_url_change, **changes)

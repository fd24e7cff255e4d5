"""A point of sale as answers show it: its settings (accounts) and its webhook endpoint's state
(webhook_dispatch.endpoints) in one object, under the names answers have always used for the latter
(`webhook_secret_previous_until`, `webhook_disabled_at`, `webhook_disabled_reason`). Never a secret.
"""

from __future__ import annotations

from accounts.points_of_sale import PointOfSale
from webhook_dispatch.endpoints import Endpoint


def operator_view(pdv: PointOfSale, endpoint: Endpoint) -> dict:
    """A point of sale as the operator sees it: everything but its secrets (its webhook token included)."""
    view = {}
    for name, value in pdv.public_view().items():
        view[name] = value
        if name == "created":  # where answers, and so the CLI's printed JSON, have always had them
            view.update(webhook_secret_previous_until=endpoint.previous_secret_until,
                        webhook_disabled_at=endpoint.disabled_at, webhook_disabled_reason=endpoint.disabled_reason)
    return view


def client_view(pdv: PointOfSale, endpoint: Endpoint) -> dict:
    """The point of sale as its client sees it: no secrets, and no paths of the server's files."""
    view = operator_view(pdv, endpoint)
    for hidden in ("cert_path", "key_path"):
        view.pop(hidden)
    return view

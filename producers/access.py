"""Who is calling: the point of sale that a body's credentials open, for every producer function."""

from __future__ import annotations

from accounts.points_of_sale import PointOfSale, authenticate
from comprobantes.answers import Problem

BAD_CREDENTIALS = Problem("TFC-1000", "Las credenciales de acceso enviadas no son validas.")


def point_of_sale(r, body) -> PointOfSale | None:
    if not isinstance(body, dict):
        return None
    return authenticate(r, body.get("apikey"), body.get("apitoken"), body.get("usertoken"))

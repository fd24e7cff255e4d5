"""What AFIP says that every lane shares through Redis: its RegXReq (comprobantes per FECAESolicitar,
from FECompTotXRequest, asked once a day) and FEDummy's verdict on its health (asked at most once per
HEALTH_TTL_SECONDS), so that lanes do not each ask again (WSFEv1 manual; docs/queue.md, "Lanes")."""

from __future__ import annotations

from accounts.points_of_sale import PointOfSale
from config.keys import key

REG_X_REQ_KEY = key("afip", "regxreq")
REG_X_REQ_TTL_SECONDS = 86400
DEFAULT_REG_X_REQ = 250  # homologación's RegXReq (WSFEv1 manual), until AFIP tells its own
HEALTH_KEY = key("afip", "health")
HEALTH_TTL_SECONDS = 10  # one FEDummy answer serves every lane for this long


def cached_reg_x_req(r) -> int | None:
    cached = r.get(REG_X_REQ_KEY)
    return int(cached) if cached else None


def claim_size(r, pdv: PointOfSale) -> int:
    """How many comprobantes to claim: the point of sale's batch size, else AFIP's RegXReq as last known."""
    return pdv.batch_size or cached_reg_x_req(r) or DEFAULT_REG_X_REQ


def reg_x_req(r, client) -> int:
    """AFIP's RegXReq, asked of AFIP when no lane asked it within the day."""
    limit = cached_reg_x_req(r)
    if limit is None:
        limit = client.tot_x_request()
        r.set(REG_X_REQ_KEY, limit, ex=REG_X_REQ_TTL_SECONDS)
    return limit


def afip_healthy(r, client) -> bool:
    cached = r.get(HEALTH_KEY)
    if cached is None:
        cached = "ok" if client.healthy() else "down"
        r.set(HEALTH_KEY, cached, ex=HEALTH_TTL_SECONDS)
    return cached == "ok"


def mark_afip_down(r) -> None:
    r.set(HEALTH_KEY, "down", ex=HEALTH_TTL_SECONDS)

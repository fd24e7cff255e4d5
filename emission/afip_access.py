"""The WSFEv1 client of a point of sale, with the shared ticket store and the configured AFIP."""

from __future__ import annotations

from accounts.points_of_sale import PointOfSale
from afip.wsaa import TicketStore
from afip.wsfe import WsfeClient
from config.settings import get_settings
from config.metrics import observe_afip_latency


def wsfe_for(r, pdv: PointOfSale) -> WsfeClient:
    settings = get_settings()
    timeouts = (settings.afip_connect_timeout, settings.afip_read_timeout)
    return WsfeClient(
        url=settings.wsfe_url,
        cuit=pdv.cuit,
        cert_path=pdv.cert_path,
        key_path=pdv.key_path,
        tickets=TicketStore(r, wsaa_url=settings.wsaa_url, timeouts=timeouts),
        timeouts=timeouts,
        observe=lambda operation, seconds: observe_afip_latency(r, operation, seconds),
    )

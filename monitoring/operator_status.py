"""The operator's look at the system (`encola status`): the status /metrics exposes
(monitoring.system_status), with the Celery workers and AFIP's FEDummy asked as well. Kept apart from
system_status so that the web process, which serves /metrics, never loads an AFIP client.
"""

from __future__ import annotations

from dataclasses import replace

from afip.failures import AfipError
from afip.wsaa import TicketStore
from afip.wsfe import WsfeClient
from config.settings import get_settings
from monitoring.system_status import SystemStatus, system_status


def operator_status(r) -> SystemStatus:
    return replace(system_status(r, probe=True), afip=afip_health(r, get_settings()))


def afip_health(r, settings) -> dict:
    """FEDummy's verdict on AFIP's servers (it needs no certificate), with a one-line summary."""
    timeouts = (settings.afip_connect_timeout, min(settings.afip_read_timeout, 10.0))
    client = WsfeClient(url=settings.wsfe_url, cuit=0, cert_path="", key_path="",
                        tickets=TicketStore(r, wsaa_url=settings.wsaa_url, timeouts=timeouts),
                        timeouts=timeouts)
    try:
        servers = client.dummy()
    except AfipError as exc:
        return {"ok": False, "url": settings.wsfe_url, "summary": f"{settings.wsfe_url} does not answer: {exc}"}
    ok = all(v == "OK" for v in servers.values())
    described = ", ".join(f"{k} {v}" for k, v in servers.items())
    return {"ok": ok, "url": settings.wsfe_url, "servers": servers, "summary": f"{settings.wsfe_url}: {described}"}

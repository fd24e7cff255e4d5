"""The operator's look at the system (`encola status`): the status /metrics exposes
(monitoring.system_status), with the Celery workers and AFIP's FEDummy asked as well, and the count of
comprobantes emitted. Kept apart from system_status so that the web process, which serves /metrics,
never loads an AFIP client.

FEDummy is asked from the operator's shell, with the shell's own settings. A shell without the stack's
AFIP variables asks another address than the emitters do: when that fails, the emitters' own latest
verdict (emission/afip_caches.py keeps it in Redis for a few seconds) speaks for the service if there
is one, and the line says which of the two it reports.
"""

from __future__ import annotations

from dataclasses import replace

from afip.failures import AfipError
from afip.wsaa import TicketStore
from afip.wsfe import WsfeClient
from comprobantes.queue_stats import emitted_counts
from config import clock
from config.settings import get_settings
from emission.afip_caches import HEALTH_KEY, HEALTH_TTL_SECONDS
from monitoring.system_status import SystemStatus, system_status


def operator_status(r) -> SystemStatus:
    emitted, today = emitted_counts(r, clock.start_of_day_ar(clock.today_ar()))
    return replace(system_status(r, probe=True), afip=afip_health(r, get_settings()),
                   emitted={"total": emitted, "today": today})


def afip_health(r, settings) -> dict:
    """FEDummy's verdict on AFIP's servers (it needs no certificate), with a one-line summary."""
    timeouts = (settings.afip_connect_timeout, min(settings.afip_read_timeout, 10.0))
    client = WsfeClient(url=settings.wsfe_url, cuit=0, cert_path="", key_path="",
                        tickets=TicketStore(r, wsaa_url=settings.wsaa_url, timeouts=timeouts),
                        timeouts=timeouts)
    try:
        servers = client.dummy()
    except AfipError as exc:
        return _unreachable_from_here(r, settings.wsfe_url, exc)
    ok = all(v == "OK" for v in servers.values())
    described = ", ".join(f"{k} {v}" for k, v in servers.items())
    return {"ok": ok, "url": settings.wsfe_url, "servers": servers, "checked_from": "shell",
            "summary": f"{settings.wsfe_url}: {described} (FEDummy asked from this shell)"}


def _unreachable_from_here(r, url: str, exc: AfipError) -> dict:
    """AFIP as this shell could not reach it: the emitters' own recent verdict when Redis holds one."""
    here = f"{url} does not answer this shell ({_reason(exc)})"
    seen = r.get(HEALTH_KEY)
    if seen is None:
        return {"ok": False, "url": url, "checked_from": "shell",
                "summary": f"{here}; if the stack runs with other AFIP settings (ENCOLA_AFIP, ENCOLA_AFIP_SIM_PORT, "
                           f"ENCOLA_AFIP_WSFE_URL), run encola status with them"}
    verdict = "answers" if seen == "ok" else "does not answer"
    return {"ok": seen == "ok", "url": url, "checked_from": "emitters",
            "summary": f"AFIP {verdict}, as the emitters' own FEDummy said within {HEALTH_TTL_SECONDS} s; {here}"}


def _reason(exc: BaseException) -> str:
    """The innermost cause of a failure, in one line (a urllib3 retry error's text runs to a paragraph)."""
    while exc.__cause__ or exc.__context__:
        exc = exc.__cause__ or exc.__context__
    return getattr(exc, "strerror", None) or type(exc).__name__

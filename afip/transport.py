"""HTTP and SOAP plumbing: one requests session per process, zeep clients built from our local WSDLs.

The WSDLs ship with the package (afip/wsdl), so no process downloads one from AFIP; only the service
address changes between the simulator, homologación and producción.
"""

from __future__ import annotations

import os
import threading
from importlib import resources

import requests
import zeep
from zeep.transports import Transport

WSFE_BINDING = "{http://ar.gov.afip.dif.FEV1/}ServiceSoap"
WSAA_BINDING = "{https://wsaahomo.afip.gov.ar/ws/services/LoginCms}LoginCmsSoapBinding"

_lock = threading.Lock()
_sessions: dict[int, requests.Session] = {}
_services: dict[tuple, object] = {}


def wsdl_path(name: str) -> str:
    return str(resources.files("afip").joinpath("wsdl", name))


def http_session() -> requests.Session:
    pid = os.getpid()
    with _lock:
        session = _sessions.get(pid)
        if session is None:
            session = requests.Session()
            session.headers["User-Agent"] = "encola-afip/1.0"
            _sessions[pid] = session
        return session


def soap_service(wsdl_name: str, binding: str, address: str, timeouts: tuple[float, float]):
    """A zeep service proxy for `address`, cached per process (building one parses the WSDL)."""
    cache_key = (os.getpid(), wsdl_name, binding, address, timeouts)
    with _lock:
        service = _services.get(cache_key)
    if service is None:
        transport = Transport(session=http_session(), operation_timeout=timeouts, timeout=timeouts)
        client = zeep.Client(wsdl_path(wsdl_name), transport=transport)
        service = client.create_service(binding, address)
        service._encola_client = client  # keep the client (and its transport) alive with the proxy
        with _lock:
            _services[cache_key] = service
    return service

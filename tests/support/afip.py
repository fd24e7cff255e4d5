"""The AFIP layer's test kit: a simulator running in the test process (a real HTTP server on free ports,
its own state), taxpayers with certificates from the simulator's CA, our WSFEv1 client pointed at it,
and valid FECAEDetRequest details per class to spoil one field at a time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import requests

from afip.simulator.certs import issue_client_certificate
from afip.simulator.rules import RuleOptions
from afip.simulator.server import Simulator, SimulatorServer
from afip.transport import WSAA_BINDING, soap_service
from afip.wsaa import Ticket, TicketStore, build_tra, parse_ta, sign_tra
from afip.wsfe import WsfeClient
from config.keys import key

TIMEOUTS = (2.0, 5.0)
RECEIVER_CUIT = 30500010912  # a class A receiver; no real check happens on it


@dataclass(frozen=True)
class Taxpayer:
    cuit: int
    cert_path: str
    key_path: str


def issue_taxpayer(ca_dir: str, cuit: int, name: str | None = None) -> Taxpayer:
    issued = issue_client_certificate(ca_dir, cuit, name or f"t{cuit}")
    return Taxpayer(cuit, issued.cert_path, issued.key_path)


class RunningSimulator:
    """A simulator in this process, on free ports; `admin` speaks to its admin API over HTTP."""

    def __init__(self, ca_path: str, data_dir: str | None = None, *, already_authenticated_seconds: float = 600,
                 options: RuleOptions | None = None):
        self.sim = Simulator(ca_path=ca_path, data_dir=data_dir,
                             already_authenticated_seconds=already_authenticated_seconds, options=options)
        self.server = SimulatorServer(self.sim, "127.0.0.1", 0, 0).start()
        self.base = f"http://127.0.0.1:{self.server.port}"
        self.wsaa_url = f"{self.base}/ws/services/LoginCms"
        self.wsfe_url = f"{self.base}/wsfev1/service.asmx"
        self.admin_url = f"http://127.0.0.1:{self.server.admin_port}"

    def admin(self, path: str, payload=None):
        url = self.admin_url + path
        response = requests.post(url, json=payload, timeout=5) if payload is not None else requests.get(url, timeout=5)
        response.raise_for_status()
        return response.json()

    def faults(self, **changes) -> dict:
        return self.admin("/faults", changes)

    def today(self) -> date:
        return self.sim.now().date()

    def stop(self) -> None:
        self.server.stop()


def forget_tickets(r, cuit: int) -> None:
    """Drop whatever Redis holds about `cuit`'s tickets: shared ticket, login lock, hold."""
    for name in r.scan_iter(key("wsaa", "*", cuit, "*")):
        r.delete(name)


def ticket_store(r, sim: RunningSimulator) -> TicketStore:
    return TicketStore(r, wsaa_url=sim.wsaa_url, timeouts=TIMEOUTS)


def wsfe_client(r, sim: RunningSimulator, taxpayer: Taxpayer, *, cuit: int | None = None,
                timeouts: tuple[float, float] = TIMEOUTS) -> WsfeClient:
    return WsfeClient(url=sim.wsfe_url, cuit=cuit or taxpayer.cuit, cert_path=taxpayer.cert_path,
                      key_path=taxpayer.key_path, tickets=ticket_store(r, sim), timeouts=timeouts)


def login_at(r, sim: RunningSimulator, taxpayer: Taxpayer, now: datetime) -> Ticket:
    """Log in with a TRA dated `now` (the simulator's moved clock) and share the ticket like a login would."""
    with open(taxpayer.cert_path, "rb") as cert, open(taxpayer.key_path, "rb") as key:
        cms = sign_tra(build_tra("wsfe", now), cert.read(), key.read())
    ticket = parse_ta(soap_service("wsaa.wsdl", WSAA_BINDING, sim.wsaa_url, TIMEOUTS).loginCms(in0=cms))
    ticket_store(r, sim).store(taxpayer.cuit, "wsfe", ticket)
    return ticket


def yyyymmdd(day: date) -> str:
    return day.strftime("%Y%m%d")


def detail(cbte_tipo: int, numero: int, fecha: date, **fields) -> dict:
    """A FECAEDetRequest AFIP approves for `cbte_tipo` (classes A, B, C, M): 100 net + 21 % IVA to a
    consumidor final (class A: to a Responsable Inscripto). `fields` replace or, with None, remove."""
    base = {
        "Concepto": 1, "DocTipo": 99, "DocNro": 0, "CbteDesde": numero, "CbteHasta": numero,
        "CbteFch": yyyymmdd(fecha), "ImpTotal": "121.00", "ImpTotConc": "0", "ImpNeto": "100.00",
        "ImpOpEx": "0", "ImpTrib": "0", "ImpIVA": "21.00", "MonId": "PES", "MonCotiz": "1",
        "CondicionIVAReceptorId": 5, "Iva": {"AlicIva": [{"Id": 5, "BaseImp": "100.00", "Importe": "21.00"}]},
    }
    if cbte_tipo in (1, 2, 3, 51, 52, 53):
        base.update(DocTipo=80, DocNro=RECEIVER_CUIT, CondicionIVAReceptorId=1)
    if cbte_tipo in (11, 12, 13):
        base.update(ImpTotal="100.00", ImpIVA="0", Iva=None)
    base.update(fields)
    return {name: value for name, value in base.items() if value is not None}


def iva(*rates: tuple[int, str, str]) -> dict:
    """An Iva block from (Id, BaseImp, Importe) triples."""
    return {"AlicIva": [{"Id": rate_id, "BaseImp": base, "Importe": importe} for rate_id, base, importe in rates]}

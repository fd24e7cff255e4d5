"""The simulator's HTTP side: AFIP's paths on one port, an admin API (faults, clock, ground truth) on
another, so that "AFIP down" can really refuse connections while the admin API stays up.

    /ws/services/LoginCms        WSAA (GET ?wsdl for its WSDL)
    /wsfev1/service.asmx         WSFEv1 (GET ?WSDL for its WSDL)
    admin  GET/POST /faults      fault injection, see `Faults`
    admin  POST /clock           {"offset_seconds": N}: move the simulator's clock
    admin  GET /authorised       every authorised comprobante (cuit, pto_vta, cbte_tipo, numero, cae)
"""

from __future__ import annotations

import json
import logging
import os
import random
import threading
import time
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import zeep
from cryptography import x509
from lxml import etree
from zeep.helpers import serialize_object

from afip.simulator import soap
from afip.simulator.cms import WsaaFault
from afip.simulator.state import SimulatorState
from afip.simulator.wsaa import WsaaService
from afip.simulator.wsfe import WsfeService
from afip.transport import wsdl_path

log = logging.getLogger("encola.afip.simulator")

WSFE_PATH = "/wsfev1/service.asmx"
WSAA_PATH = "/ws/services/LoginCms"
FEV1_NS = "http://ar.gov.afip.dif.FEV1/"
AXIS_NS = "http://xml.apache.org/axis/"
ARGENTINA = timezone(timedelta(hours=-3))
MAX_BODY = 20 * 1024 * 1024


@dataclass
class Faults:
    """What is broken right now. `down`: None, "refuse" (connections refused) or "503"."""

    down: str | None = None
    latency_ms: int = 0
    wsfe_error: int | None = None  # 500, 501 or 502 in <Errors> of every authenticated operation
    dummy_not_ok: bool = False
    wsaa_down: bool = False
    drop_probability: float = 0.0  # FECAESolicitar: authorise and store, then close without answering

    def update(self, changes: dict) -> None:
        for name, value in changes.items():
            if name not in self.__dataclass_fields__:
                raise ValueError(f"unknown fault {name!r}")
            setattr(self, name, value)
        if self.down not in (None, "refuse", "503"):
            raise ValueError("down must be null, 'refuse' or '503'")


class Simulator:
    def __init__(self, *, ca_path: str, data_dir: str | None, already_authenticated_seconds: float = 600,
                 reg_x_req: int = 250, faults: Faults | None = None):
        with open(ca_path, "rb") as f:
            ca = x509.load_pem_x509_certificate(f.read())
        db_path = os.path.join(data_dir, "afip-simulator.sqlite3") if data_dir else ":memory:"
        self.state = SimulatorState(db_path)
        self.wsaa = WsaaService(self.state, ca, already_authenticated_seconds)
        self.wsfe = WsfeService(self.state, reg_x_req)
        self.faults = faults or Faults()
        self.clock_offset = 0.0
        client = zeep.Client(wsdl_path("wsfev1.wsdl"))
        self.schema = client.wsdl.types
        self.bindings = {
            soap.SOAP11: client.wsdl.bindings[f"{{{FEV1_NS}}}ServiceSoap"],
            soap.SOAP12: client.wsdl.bindings[f"{{{FEV1_NS}}}ServiceSoap12"],
        }
        self.wsdl_templates = {}
        for path, name in ((WSFE_PATH, "wsfev1.wsdl"), (WSAA_PATH, "wsaa.wsdl")):
            with open(wsdl_path(name), "rb") as f:
                self.wsdl_templates[path] = f.read()

    def now(self) -> datetime:
        return datetime.now(ARGENTINA) + timedelta(seconds=self.clock_offset)

    def wsdl(self, path: str, host: str) -> bytes:
        return self.wsdl_templates[path].replace(b"http://localhost/PLACEHOLDER", f"http://{host}{path}".encode())

    # WSFEv1

    def handle_wsfe(self, request: soap.SoapRequest) -> tuple[int, str, bytes]:
        binding = self.bindings[request.soap_ns]
        name = request.operation_name
        try:
            operation = binding.get(name)
        except ValueError:
            operation = None
        if operation is None or request.operation_ns != FEV1_NS:
            return self._fault(request.soap_ns, "soap:Client",
                               f"Server did not recognize the value of HTTP Header SOAPAction: {FEV1_NS}{name}.")
        try:
            params = serialize_object(operation.input.body.parse(request.operation, self.schema), dict) or {}
        except (zeep.exceptions.Error, ValueError, TypeError) as exc:
            return self._fault(request.soap_ns, "soap:Client", f"Server was unable to read request. ---> {exc}")
        now = self.now()
        if name == "FEDummy" and self.faults.dummy_not_ok:
            result = {"AppServer": "OK", "DbServer": "NO", "AuthServer": "OK"}
        elif name != "FEDummy" and self.faults.wsfe_error:
            code = self.faults.wsfe_error
            result = {"Errors": {"Err": [{"Code": code, "Msg": _INTERNAL_MESSAGES.get(code, "Error interno")}]}}
        else:
            result = self.wsfe.handle(name, params, now)
        message = operation.output.serialize(**{f"{name}Result": result})
        body_child = message.content.find(f"{{{request.soap_ns}}}Body")[0]
        return 200, soap.CONTENT_TYPES[request.soap_ns], soap.envelope(request.soap_ns, body_child, [self._header(now)])

    @staticmethod
    def _header(now: datetime) -> etree._Element:
        header = etree.Element(f"{{{FEV1_NS}}}FEHeaderInfo", nsmap={None: FEV1_NS})
        etree.SubElement(header, f"{{{FEV1_NS}}}ambiente").text = "SimuladorEncola - efa"
        etree.SubElement(header, f"{{{FEV1_NS}}}fecha").text = now.isoformat()
        etree.SubElement(header, f"{{{FEV1_NS}}}id").text = "4.3.0.0"
        return header

    @staticmethod
    def _fault(soap_ns: str, code: str, message: str) -> tuple[int, str, bytes]:
        return 500, soap.CONTENT_TYPES[soap_ns], soap.fault(soap_ns, code, message)

    # WSAA

    def handle_wsaa(self, request: soap.SoapRequest) -> tuple[int, str, bytes]:
        # Axis is lenient: any namespace on loginCms, and in0 qualified or not (afip-facts.md §2.3).
        in0 = next((el for el in request.operation.iter() if isinstance(el.tag, str) and etree.QName(el).localname == "in0"), None)
        if request.operation_name != "loginCms" or in0 is None:
            return self._axis_fault(request.soap_ns, WsaaFault("xml.bad", "No se encontro el metodo loginCms"))
        if self.faults.wsaa_down:
            return self._axis_fault(request.soap_ns, WsaaFault("wsaa.unavailable", "El servicio WSAA no esta disponible"))
        try:
            ta = self.wsaa.login(in0.text or "", self.now())
        except WsaaFault as fault:
            return self._axis_fault(request.soap_ns, fault)
        ns = request.operation_ns or ""
        response = etree.Element(f"{{{ns}}}loginCmsResponse" if ns else "loginCmsResponse", nsmap={None: ns} if ns else None)
        etree.SubElement(response, f"{{{ns}}}loginCmsReturn" if ns else "loginCmsReturn").text = ta
        return 200, soap.CONTENT_TYPES[request.soap_ns], soap.envelope(request.soap_ns, response)

    @staticmethod
    def _axis_fault(soap_ns: str, fault: WsaaFault) -> tuple[int, str, bytes]:
        detail = [etree.Element(f"{{{AXIS_NS}}}exceptionName", nsmap={"ns2": AXIS_NS})]
        detail[0].text = "gov.afip.desein.dvadac.sua.view.wsaa.LoginFault"
        host = etree.Element(f"{{{AXIS_NS}}}hostname", nsmap={"ns3": AXIS_NS})
        host.text = "wsaaext0.simulador.encola"
        detail.append(host)
        return 500, soap.CONTENT_TYPES[soap_ns], soap.fault(soap_ns, fault.code, fault.message, detail, code_ns=AXIS_NS)


_INTERNAL_MESSAGES = {
    500: "Error interno de aplicacion.",
    501: "Error interno de base de datos.",
    502: "Error interno de base de datos - Autorizador CAE / Regimen CAEA - Transaccion Activa.",
}


def _service_handler(sim: Simulator):
    class Handler(BaseHTTPRequestHandler):
        server_version = "Microsoft-IIS/10.0"
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *args):
            log.debug("%s %s", self.address_string(), fmt % args)

        def _send(self, status: int, content_type: str, payload: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def _route(self) -> str | None:
            path = self.path.split("?", 1)[0].lower()
            return {WSFE_PATH: WSFE_PATH, WSAA_PATH.lower(): WSAA_PATH}.get(path)

        def do_GET(self):
            route = self._route()
            if route and "?wsdl" in self.path.lower():
                host = self.headers.get("Host") or f"{self.server.server_address[0]}:{self.server.server_address[1]}"
                self._send(200, "text/xml; charset=utf-8", sim.wsdl(route, host))
            else:
                self._send(404, "text/plain; charset=utf-8", b"Not Found")

        def do_POST(self):
            route = self._route()
            length = int(self.headers.get("Content-Length") or 0)
            if route is None or length > MAX_BODY:
                self._send(404 if route is None else 413, "text/plain; charset=utf-8", b"")
                return
            body = self.rfile.read(length)
            faults = sim.faults
            if faults.latency_ms:
                time.sleep(faults.latency_ms / 1000.0)
            if faults.down == "503":
                self._send(503, "text/html; charset=utf-8", b"<html><body>Service Unavailable</body></html>")
                return
            try:
                request = soap.parse_request(body)
                if route == WSAA_PATH:
                    status, ctype, payload = sim.handle_wsaa(request)
                else:
                    status, ctype, payload = sim.handle_wsfe(request)
            except soap.MalformedRequest as exc:
                self._send(400, "text/plain; charset=utf-8", str(exc).encode("utf-8"))
                return
            authorises = route == WSFE_PATH and request.operation_name == "FECAESolicitar"
            if authorises and random.random() < faults.drop_probability:
                # Commit-then-drop: the comprobantes are authorised and stored; the answer is lost.
                self.close_connection = True
                return
            self._send(status, ctype, payload)

    return Handler


def _admin_handler(sim: Simulator, service: "ServiceListener"):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, fmt, *args):
            log.debug("admin %s", fmt % args)

        def _json(self, status: int, payload) -> None:
            data = json.dumps(payload).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            if self.path == "/faults":
                self._json(200, asdict(sim.faults))
            elif self.path == "/authorised":
                self._json(200, [list(row) for row in sim.state.all_authorised()])
            elif self.path == "/clock":
                self._json(200, {"offset_seconds": sim.clock_offset, "now": sim.now().isoformat()})
            else:
                self._json(404, {"error": "not found"})

        def do_POST(self):
            try:
                changes = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
                if self.path == "/faults":
                    sim.faults.update(changes)
                    service.apply_down(sim.faults.down == "refuse")
                    self._json(200, asdict(sim.faults))
                elif self.path == "/clock":
                    sim.clock_offset = float(changes["offset_seconds"])
                    self._json(200, {"offset_seconds": sim.clock_offset, "now": sim.now().isoformat()})
                else:
                    self._json(404, {"error": "not found"})
            except (ValueError, KeyError, TypeError) as exc:
                self._json(400, {"error": str(exc)})

    return Handler


class ServiceListener:
    """The AFIP-facing listener, which can be closed and reopened to refuse connections for real."""

    def __init__(self, sim: Simulator, host: str, port: int):
        self.sim, self.host, self.port = sim, host, port
        self.lock = threading.Lock()
        self.server: ThreadingHTTPServer | None = None
        self.thread: threading.Thread | None = None

    def start(self) -> None:
        with self.lock:
            if self.server is not None:
                return
            self.server = ThreadingHTTPServer((self.host, self.port), _service_handler(self.sim))
            self.server.daemon_threads = True
            self.port = self.server.server_address[1]
            self.thread = threading.Thread(target=self.server.serve_forever, name="afip-sim", daemon=True)
            self.thread.start()

    def stop(self) -> None:
        with self.lock:
            if self.server is None:
                return
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    def apply_down(self, refuse: bool) -> None:
        self.stop() if refuse else self.start()


def serve(*, host: str, port: int, admin_port: int, ca_path: str, data_dir: str | None, latency_ms: int = 0,
          already_authenticated_seconds: float = 600, reg_x_req: int = 250, ready=None) -> None:
    sim = Simulator(ca_path=ca_path, data_dir=data_dir, already_authenticated_seconds=already_authenticated_seconds,
                    reg_x_req=reg_x_req, faults=Faults(latency_ms=latency_ms))
    service = ServiceListener(sim, host, port)
    service.start()
    admin = ThreadingHTTPServer((host, admin_port), _admin_handler(sim, service))
    admin.daemon_threads = True
    log.info("AFIP simulator on http://%s:%d (admin on port %d)", host, service.port, admin.server_address[1])
    if ready is not None:
        ready(service.port, admin.server_address[1])
    try:
        admin.serve_forever()
    finally:
        service.stop()
        admin.server_close()

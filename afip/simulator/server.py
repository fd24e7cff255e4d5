"""The simulator's HTTP side: AFIP's paths on one port, an admin API (faults, clock, ground truth) on
another, so that "AFIP down" can really refuse connections while the admin API stays up.

    /ws/services/LoginCms        WSAA (GET ?wsdl for its WSDL)
    /wsfev1/service.asmx         WSFEv1 (GET ?WSDL for its WSDL)
    admin  GET/POST /faults      fault injection, see `Faults`
    admin  GET/POST /clock       {"offset_seconds": N}: move the simulator's clock
    admin  GET/POST /rules       what the rules enforce, see `rules.RuleOptions`
    admin  GET/POST /cotizaciones  the reference exchange rates, {"DOL": "1050.5", ...}
    admin  GET /authorised       every authorised comprobante [cuit, pto_vta, cbte_tipo, numero, cae]
    admin  GET /tickets          every access ticket issued [dn, service, generated, expires]
"""

from __future__ import annotations

import json
import logging
import os
import random
import socket
import threading
import time
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import zeep
from cryptography import x509
from lxml import etree
from zeep.helpers import serialize_object

from afip.simulator import soap
from afip.simulator.cms import WsaaFault
from afip.simulator.messages import INTERNAL
from afip.simulator.rules import RuleOptions
from afip.simulator.schema import UnreadableValue, prepare_request, with_required_values
from afip.simulator.state import SimulatorState
from afip.simulator.wsaa import WsaaService
from afip.simulator.wsfe import WsfeService, errors
from afip.transport import wsdl_path

log = logging.getLogger("encola.afip.simulator")

WSFE_PATH = "/wsfev1/service.asmx"
WSAA_PATH = "/ws/services/LoginCms"
FEV1_NS = "http://ar.gov.afip.dif.FEV1/"
AXIS_NS = "http://xml.apache.org/axis/"
ARGENTINA = timezone(timedelta(hours=-3))
MAX_BODY = 20 * 1024 * 1024
TEXT = "text/plain; charset=utf-8"
# What IIS (HTTP.sys) answers when the application behind it is down.
UNAVAILABLE_PAGE = (
    b'<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01//EN""http://www.w3.org/TR/html4/strict.dtd">\r\n'
    b"<HTML><HEAD><TITLE>Service Unavailable</TITLE>\r\n"
    b'<META HTTP-EQUIV="Content-Type" Content="text/html; charset=us-ascii"></HEAD>\r\n'
    b"<BODY><h2>Service Unavailable</h2>\r\n<hr><p>HTTP Error 503. The service is unavailable.</p>\r\n"
    b"</BODY></HTML>\r\n"
)


@dataclass
class Faults:
    """What is broken right now."""

    down: str | None = None  # None, "refuse" (connections refused) or "503" (HTTP 503 to everything)
    latency_ms: int = 0  # added to every call, before it is processed
    wsfe_error: int | None = None  # 500, 501 or 502 in <Errors> of every authenticated WSFEv1 operation
    dummy_not_ok: bool = False  # FEDummy answers DbServer "NO"
    wsaa_down: bool = False  # LoginCms answers the fault wsaa.unavailable
    drop_probability: float = 0.0  # FECAESolicitar: authorise and store, then close without answering
    events: list = field(default_factory=list)  # [{"Code": 39, "Msg": "..."}] added to WSFEv1 answers

    def update(self, changes: dict) -> None:
        """Apply `changes` all or nothing; ValueError names what is wrong."""
        if not isinstance(changes, dict):
            raise ValueError("expected a JSON object")
        unknown = set(changes) - _FAULT_NAMES
        if unknown:
            raise ValueError(f"unknown fault(s): {sorted(unknown)}")
        candidate = replace(self, **changes)
        candidate.validate()
        for name in changes:
            setattr(self, name, getattr(candidate, name))

    def validate(self) -> None:
        if self.down not in (None, "refuse", "503"):
            raise ValueError("down must be null, 'refuse' or '503'")
        if self.wsfe_error not in (None, 500, 501, 502):
            raise ValueError("wsfe_error must be null, 500, 501 or 502")
        if not isinstance(self.latency_ms, int) or self.latency_ms < 0:
            raise ValueError("latency_ms must be a whole number of milliseconds, 0 or more")
        if not isinstance(self.drop_probability, (int, float)) or not 0 <= self.drop_probability <= 1:
            raise ValueError("drop_probability must be a number between 0 and 1")
        if not isinstance(self.events, list) or not all(
                isinstance(e, dict) and isinstance(e.get("Code"), int) and isinstance(e.get("Msg"), str)
                for e in self.events):
            raise ValueError('events must be a list of {"Code": int, "Msg": str}')


_FAULT_NAMES = frozenset(f.name for f in fields(Faults))


class Simulator:
    """The two services, their state and what is broken; no HTTP here."""

    def __init__(self, *, ca_path: str, data_dir: str | None, already_authenticated_seconds: float = 600,
                 options: RuleOptions | None = None, faults: Faults | None = None):
        with open(ca_path, "rb") as f:
            ca = x509.load_pem_x509_certificate(f.read())
        db_path = os.path.join(data_dir, "afip-simulator.sqlite3") if data_dir else ":memory:"
        self.state = SimulatorState(db_path)
        self.wsaa = WsaaService(self.state, ca, already_authenticated_seconds)
        self.wsfe = WsfeService(self.state, options)
        self.faults = faults or Faults()
        self.faults.validate()
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
            operation = binding.get(name) if request.operation_ns == FEV1_NS else None
        except ValueError:
            operation = None
        if operation is None:
            return self._fault(request.soap_ns, "soap:Client",
                               f"Server did not recognize the value of HTTP Header SOAPAction: {FEV1_NS}{name}.")
        try:
            prepare_request(request.operation, operation.input.body.type)
            params = serialize_object(operation.input.body.parse(request.operation, self.schema), dict) or {}
        except (UnreadableValue, zeep.exceptions.Error) as exc:
            return self._fault(request.soap_ns, "soap:Client",
                               f"Server was unable to read request. ---> There is an error in XML document. ---> {exc}")
        now = self.now()
        if name == "FEDummy" and self.faults.dummy_not_ok:
            result = {"AppServer": "OK", "DbServer": "NO", "AuthServer": "OK"}
        elif name != "FEDummy" and self.faults.wsfe_error:
            code = self.faults.wsfe_error
            result = {"Errors": errors((code, INTERNAL[code]))}
        else:
            result = self.wsfe.handle(name, params, now)
        if name != "FEDummy" and self.faults.events:
            result["Events"] = {"Evt": list(self.faults.events)}
        result_type = operation.output.body.type.elements[0][1].type
        message = operation.output.serialize(**{f"{name}Result": with_required_values(result, result_type)})
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
        # Axis is lenient: any namespace on loginCms, and in0 qualified or not (AFIP's WSAA answers every
        # client library).
        in0 = next((el for el in request.operation.iter()
                    if isinstance(el.tag, str) and etree.QName(el).localname == "in0"), None)
        if request.operation_name != "loginCms" or in0 is None:
            return self._axis_fault(request.soap_ns, WsaaFault("xml.bad", "No se encontro el metodo loginCms"))
        if self.faults.wsaa_down:
            return self._axis_fault(request.soap_ns,
                                    WsaaFault("wsaa.unavailable", "El servicio WSAA no esta disponible"))
        try:
            ta = self.wsaa.login(in0.text or "", self.now())
        except WsaaFault as fault:
            return self._axis_fault(request.soap_ns, fault)
        ns = request.operation_ns or ""
        response = etree.Element(f"{{{ns}}}loginCmsResponse" if ns else "loginCmsResponse",
                                 nsmap={None: ns} if ns else None)
        etree.SubElement(response, f"{{{ns}}}loginCmsReturn" if ns else "loginCmsReturn").text = ta
        return 200, soap.CONTENT_TYPES[request.soap_ns], soap.envelope(request.soap_ns, response)

    @staticmethod
    def _axis_fault(soap_ns: str, fault: WsaaFault) -> tuple[int, str, bytes]:
        detail = [etree.Element(f"{{{AXIS_NS}}}exceptionName", nsmap={"ns2": AXIS_NS})]
        detail[0].text = "gov.afip.desein.dvadac.sua.view.wsaa.LoginFault"
        host = etree.Element(f"{{{AXIS_NS}}}hostname", nsmap={"ns3": AXIS_NS})
        host.text = "wsaaext0.simulador.encola"
        detail.append(host)
        return 500, soap.CONTENT_TYPES[soap_ns], soap.fault(soap_ns, fault.code, fault.message, detail,
                                                              code_ns=AXIS_NS)


def _send(handler: BaseHTTPRequestHandler, status: int, content_type: str, payload: bytes) -> None:
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(payload)))
    if handler.close_connection:
        # The request asked to close (Connection: close, or HTTP/1.0): say so, as RFC 9112 section 9.6 asks
        # and IIS does. Without it a client that keeps connections alive (node's agent) may send its next
        # request on this one as it closes, and gets "socket hang up".
        handler.send_header("Connection", "close")
    handler.end_headers()
    handler.wfile.write(payload)


def _body(handler: BaseHTTPRequestHandler) -> bytes | None:
    """The request body, or None when its length is missing, malformed or too large."""
    try:
        length = int(handler.headers.get("Content-Length") or 0)
    except ValueError:
        return None
    return handler.rfile.read(length) if 0 <= length <= MAX_BODY else None


def _service_handler(sim: Simulator):
    class Handler(BaseHTTPRequestHandler):
        server_version = "Microsoft-IIS/10.0"
        protocol_version = "HTTP/1.1"
        # Headers and body go out in two writes; with Nagle on, keep-alive calls would wait 40 ms for an ACK.
        disable_nagle_algorithm = True

        def log_message(self, fmt, *args):
            log.debug("%s %s", self.address_string(), fmt % args)

        def _route(self) -> str | None:
            path = self.path.split("?", 1)[0].lower()
            return {WSFE_PATH: WSFE_PATH, WSAA_PATH.lower(): WSAA_PATH}.get(path)

        def _unavailable(self) -> bool:
            if sim.faults.latency_ms:
                time.sleep(sim.faults.latency_ms / 1000.0)
            if sim.faults.down == "503":
                _send(self, 503, "text/html; charset=us-ascii", UNAVAILABLE_PAGE)
                return True
            return False

        def do_GET(self):
            route = self._route()
            if self._unavailable():
                return
            if route and "?wsdl" in self.path.lower():
                host = self.headers.get("Host") or "%s:%d" % self.server.server_address[:2]
                _send(self, 200, "text/xml; charset=utf-8", sim.wsdl(route, host))
            else:
                _send(self, 404, TEXT, b"Not Found")

        def do_POST(self):
            route = self._route()
            body = _body(self)
            if route is None or body is None:
                _send(self, 404 if route is None else 413, TEXT, b"")
                return
            if self._unavailable():
                return
            try:
                request = soap.parse_request(body)
            except soap.MalformedRequest as exc:
                _send(self, 400, TEXT, str(exc).encode("utf-8"))
                return
            try:
                status, ctype, payload = (sim.handle_wsaa if route == WSAA_PATH else sim.handle_wsfe)(request)
            except Exception:  # answered as ASMX answers an unhandled exception, never a dropped connection
                log.exception("the simulator failed on a %s request", route)
                status, ctype, payload = Simulator._fault(request.soap_ns, "soap:Server",
                                                          "Server was unable to process request.")
            authorises = route == WSFE_PATH and request.operation_name == "FECAESolicitar"
            if authorises and random.random() < sim.faults.drop_probability:
                # Commit-then-drop: the comprobantes are authorised and stored; the answer is lost.
                self.close_connection = True
                return
            _send(self, status, ctype, payload)

    return Handler


def _cotizaciones(table: dict) -> dict:
    return {mon_id: str(rate) for mon_id, rate in sorted(table.items())}


def _rules(options: RuleOptions) -> dict:
    return {**asdict(options), "identification_threshold": str(options.identification_threshold)}


def _changed_rules(options: RuleOptions, changes: dict) -> RuleOptions:
    unknown = set(changes) - set(asdict(options))
    if unknown:
        raise ValueError(f"unknown rule option(s): {sorted(unknown)}")
    updated = replace(options, **changes)
    threshold = Decimal(str(updated.identification_threshold))
    if not isinstance(updated.reg_x_req, int) or not 1 <= updated.reg_x_req <= 9998 or threshold <= 0:
        raise ValueError("reg_x_req must be 1..9998 and identification_threshold more than 0")
    if not isinstance(updated.condicion_iva_optional, bool):
        raise ValueError("condicion_iva_optional must be true or false")
    return replace(updated, identification_threshold=threshold)


def _admin_handler(sim: Simulator, server: "SimulatorServer"):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, fmt, *args):
            log.debug("admin %s", fmt % args)

        def _json(self, status: int, payload) -> None:
            _send(self, status, "application/json", json.dumps(payload).encode("utf-8"))

        def _clock(self) -> dict:
            return {"offset_seconds": sim.clock_offset, "now": sim.now().isoformat()}

        def do_GET(self):
            views = {
                "/faults": lambda: asdict(sim.faults),
                "/clock": self._clock,
                "/rules": lambda: _rules(sim.wsfe.options),
                "/cotizaciones": lambda: _cotizaciones(sim.wsfe.cotizaciones),
                "/authorised": lambda: [list(row) for row in sim.state.all_authorised()],
                "/tickets": lambda: [list(row) for row in sim.state.all_tickets()],
            }
            view = views.get(self.path)
            self._json(200, view()) if view else self._json(404, {"error": "not found"})

        def do_POST(self):
            try:
                changes = json.loads(_body(self) or b"{}")
                if self.path == "/faults":
                    sim.faults.update(changes)
                    server.apply_down()
                    self._json(200, asdict(sim.faults))
                elif self.path == "/clock":
                    sim.clock_offset = float(changes["offset_seconds"])
                    self._json(200, self._clock())
                elif self.path == "/rules":
                    sim.wsfe.options = _changed_rules(sim.wsfe.options, changes)
                    self._json(200, _rules(sim.wsfe.options))
                elif self.path == "/cotizaciones":
                    rates = {str(k): Decimal(str(v)) for k, v in changes.items()}
                    if any(rate <= 0 for rate in rates.values()):
                        raise ValueError("every rate must be a positive number")
                    sim.wsfe.cotizaciones.update(rates)
                    self._json(200, _cotizaciones(sim.wsfe.cotizaciones))
                else:
                    self._json(404, {"error": "not found"})
            except (ValueError, KeyError, TypeError, AttributeError, InvalidOperation) as exc:
                self._json(400, {"error": f"{type(exc).__name__}: {exc}"})

    return Handler


class _Listener(ThreadingHTTPServer):
    """An HTTP server that can also drop the connections it holds open (keep-alive), as a host going
    down does: closing the listening socket alone would leave them working."""

    daemon_threads = True

    def __init__(self, address, handler):
        super().__init__(address, handler)
        self.open_connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()

    def get_request(self):
        connection, address = super().get_request()
        with self.connections_lock:
            self.open_connections.add(connection)
        return connection, address

    def shutdown_request(self, request):
        with self.connections_lock:
            self.open_connections.discard(request)
        super().shutdown_request(request)

    def close(self) -> None:
        self.shutdown()
        self.server_close()
        with self.connections_lock:
            connections = list(self.open_connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class SimulatorServer:
    """Both listeners of one simulator, each served by its own thread; `start` returns once they listen."""

    def __init__(self, sim: Simulator, host: str, port: int, admin_port: int):
        self.sim, self.host = sim, host
        self.port, self.admin_port = port, admin_port
        self.lock = threading.Lock()
        self.service: _Listener | None = None
        self.admin: _Listener | None = None

    def start(self) -> "SimulatorServer":
        self.admin = _Listener((self.host, self.admin_port), _admin_handler(self.sim, self))
        self.admin_port = self.admin.server_address[1]
        self._serve(self.admin, "afip-sim-admin")
        self.apply_down()
        return self

    def apply_down(self) -> None:
        """Open or close the AFIP-facing listener as the `down` fault says."""
        with self.lock:
            if self.sim.faults.down == "refuse" and self.service is not None:
                self.service.close()
                self.service = None
            elif self.sim.faults.down != "refuse" and self.service is None:
                self.service = _Listener((self.host, self.port), _service_handler(self.sim))
                self.port = self.service.server_address[1]
                self._serve(self.service, "afip-sim")

    @staticmethod
    def _serve(server: _Listener, name: str) -> None:
        # A short poll keeps `down: refuse` and `stop` prompt: shutdown() waits for the next poll.
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, name=name, daemon=True).start()

    def stop(self) -> None:
        with self.lock:
            for server in (self.service, self.admin):
                if server is not None:
                    server.close()
            self.service = self.admin = None


def serve(*, host: str, port: int, admin_port: int, ca_path: str, data_dir: str | None,
          already_authenticated_seconds: float = 600, options: RuleOptions | None = None,
          faults: Faults | None = None) -> None:
    """Run the simulator until interrupted (the `encola afip-sim` command and the Procfile's `afip`)."""
    sim = Simulator(ca_path=ca_path, data_dir=data_dir, already_authenticated_seconds=already_authenticated_seconds,
                    options=options, faults=faults)
    server = SimulatorServer(sim, host, port, admin_port).start()
    log.info("AFIP simulator on http://%s:%d (admin on port %d)", host, port, server.admin_port)
    try:
        threading.Event().wait()
    finally:
        server.stop()

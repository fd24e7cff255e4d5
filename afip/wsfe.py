"""WSFEv1 through zeep: the operations encola uses, with answers as plain dicts and failures classified.

The client speaks WSFEv1's own types (FECAEDetRequest dicts) and knows nothing of TusFacturas' format.
Every call is written out as its SOAP envelope first and then sent exactly as written, so a value XML
cannot carry (lxml refuses control characters and lone surrogates) fails as `Unbuildable` before
anything leaves, never as a call AFIP may or may not have seen; the emitter builds FECAESolicitar's
envelope (`cae_request`) before it records the call, and each comprobante's part alone
(`detail_problem`) before it numbers a batch.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from dataclasses import dataclass, field

from lxml import etree
from zeep.helpers import serialize_object

from afip.failures import AfipError, AuthError, NotFound, classify_transport, classify_wsfe_errors
from afip.transport import WSFE_BINDING, soap_service
from afip.wsaa import Ticket, TicketStore

SERVICE = "wsfe"
FEV1 = "http://ar.gov.afip.dif.FEV1/"  # the WSDL's target namespace


@dataclass
class DetailResult:
    numero: int
    resultado: str  # "A" approved, "R" rejected
    cae: str
    cae_vto: str  # yyyymmdd
    observaciones: list[tuple[int, str]] = field(default_factory=list)


@dataclass
class CaeResult:
    resultado: str  # "A", "R" or "P"
    details: list[DetailResult]
    errors: list[tuple[int, str]]
    events: list[tuple[int, str]]
    fch_proceso: str


class Unbuildable(Exception):
    """The request cannot be written as SOAP XML (a value zeep's types or XML itself cannot carry):
    nothing was sent, and sending the same data again fails the same way."""


@dataclass(frozen=True)
class Request:
    """One WSFEv1 call written out as its envelope, ready to be sent as it is."""

    operation: str
    envelope: etree._Element
    headers: dict[str, str]
    ticket: Ticket | None


def _pairs(block, item_name: str) -> list[tuple[int, str]]:
    if not block:
        return []
    items = block.get(item_name) or []
    return [(int(i["Code"]), str(i["Msg"])) for i in items]


def _any_approved(result: dict) -> bool:
    """A partial answer (some details approved) must reach the caller even when it carries Errors."""
    details = (result.get("FeDetResp") or {}).get("FECAEDetResponse") or []
    return any(d.get("Resultado") == "A" for d in details)


class WsfeClient:
    """One represented CUIT against one WSFEv1 address, with its ticket from the shared store."""

    def __init__(
        self,
        *,
        url: str,
        cuit: int,
        cert_path: str,
        key_path: str,
        tickets: TicketStore,
        timeouts: tuple[float, float],
        observe: Callable[[str, float], None] | None = None,
    ):
        """`observe(operation, seconds)` is told how long each call took, answered or not."""
        self.observe = observe
        self.cuit = cuit
        self.cert_path = cert_path
        self.key_path = key_path
        self.tickets = tickets
        self.proxy = soap_service("wsfev1.wsdl", WSFE_BINDING, url, timeouts)
        self._detail_type = self.proxy._encola_client.get_type(f"{{{FEV1}}}FECAEDetRequest")

    def _ticket(self) -> Ticket:
        return self.tickets.get(self.cuit, SERVICE, self.cert_path, self.key_path)

    def _build(self, operation: str, *, authenticated: bool = True, **kwargs) -> Request:
        ticket = self._ticket() if authenticated else None
        if ticket is not None:
            kwargs["Auth"] = {"Token": ticket.token, "Sign": ticket.sign, "Cuit": self.cuit}
        try:
            envelope, headers = self.proxy._binding._create(operation, (), kwargs, client=self.proxy._encola_client)
        except Exception as exc:  # zeep's checks and lxml's refusals alike: whatever stops the writing
            raise Unbuildable(f"{type(exc).__name__}: {exc}") from exc
        return Request(operation, envelope, headers, ticket)

    def _send(self, request: Request, *, authorizes: bool = False) -> dict:
        binding, soap = self.proxy._binding, self.proxy._encola_client
        started = time.monotonic()
        try:
            response = soap.transport.post_xml(self.proxy._binding_options["address"], request.envelope,
                                               request.headers)
            result = binding.process_reply(soap, binding.get(request.operation), response)
        except Exception as exc:  # sorted into AFIP's failure classes; anything else is re-raised there
            raise classify_transport(exc, sent_for_authorization=authorizes) from exc
        finally:
            if self.observe is not None:
                self.observe(request.operation, time.monotonic() - started)
        result = serialize_object(result, dict) or {}
        failure = classify_wsfe_errors(_pairs(result.get("Errors"), "Err"), sent_for_authorization=authorizes)
        if isinstance(failure, AuthError) and request.ticket is not None:
            self.tickets.invalidate(self.cuit, SERVICE, request.ticket)
        if failure is not None and not (authorizes and _any_approved(result)):
            raise failure
        return result

    def _call(self, operation: str, *, authorizes: bool = False, authenticated: bool = True, **kwargs) -> dict:
        return self._send(self._build(operation, authenticated=authenticated, **kwargs), authorizes=authorizes)

    def dummy(self) -> dict[str, str]:
        result = self._call("FEDummy", authenticated=False)
        return {k: result.get(k) for k in ("AppServer", "DbServer", "AuthServer")}

    def healthy(self) -> bool:
        try:
            status = self.dummy()
        except AfipError:
            return False
        return all(v == "OK" for v in status.values())

    def ultimo_autorizado(self, pto_vta: int, cbte_tipo: int) -> int:
        result = self._call("FECompUltimoAutorizado", PtoVta=pto_vta, CbteTipo=cbte_tipo)
        return int(result["CbteNro"])

    def tot_x_request(self) -> int:
        return int(self._call("FECompTotXRequest")["RegXReq"])

    def consultar(self, pto_vta: int, cbte_tipo: int, numero: int) -> dict | None:
        """What AFIP authorised under that number, or None when it has nothing (602)."""
        try:
            result = self._call(
                "FECompConsultar", FeCompConsReq={"CbteTipo": cbte_tipo, "CbteNro": numero, "PtoVta": pto_vta}
            )
        except NotFound:
            return None
        return result.get("ResultGet")

    def cae_request(self, pto_vta: int, cbte_tipo: int, details: list[dict]) -> Request:
        """FECAESolicitar for 1..RegXReq numbered details of one lane, in order, written out but not
        sent. Raises Unbuildable, or an AfipError when no access ticket can be had."""
        return self._build("FECAESolicitar", FeCAEReq={
            "FeCabReq": {"CantReg": len(details), "PtoVta": pto_vta, "CbteTipo": cbte_tipo},
            "FeDetReq": {"FECAEDetRequest": details},
        })

    def detail_problem(self, detail: dict) -> str | None:
        """Why this FECAEDetRequest (numbered or not) cannot be written as XML, or None when it can."""
        try:
            self._detail_type.render(etree.Element("FECAEDetRequest"), {"CbteDesde": 0, "CbteHasta": 0, **detail})
        except Exception as exc:  # the same refusals as in _build, for one comprobante's part alone
            return f"{type(exc).__name__}: {exc}"
        return None

    def solicitar_cae(self, pto_vta: int, cbte_tipo: int, details: list[dict]) -> CaeResult:
        """FECAESolicitar built and sent at once."""
        return self.send_cae(self.cae_request(pto_vta, cbte_tipo, details))

    def send_cae(self, request: Request) -> CaeResult:
        """Send a FECAESolicitar that `cae_request` built."""
        result = self._send(request, authorizes=True)
        cab = result.get("FeCabResp") or {}
        det_results = []
        for det in (result.get("FeDetResp") or {}).get("FECAEDetResponse") or []:
            det_results.append(
                DetailResult(
                    numero=int(det["CbteDesde"]),
                    resultado=det["Resultado"],
                    cae=(det.get("CAE") or "").strip(),
                    cae_vto=(det.get("CAEFchVto") or "").strip(),
                    observaciones=_pairs(det.get("Observaciones"), "Obs"),
                )
            )
        return CaeResult(
            resultado=cab.get("Resultado") or "R",
            details=det_results,
            errors=_pairs(result.get("Errors"), "Err"),
            events=_pairs(result.get("Events"), "Evt"),
            fch_proceso=cab.get("FchProceso") or "",
        )

    def parameters(self, operation: str, **kwargs) -> dict:
        """Any FEParamGet* operation, answered as a plain dict."""
        if not operation.startswith("FEParamGet"):
            raise ValueError(f"{operation} is not a parameter operation")
        return self._call(operation, **kwargs)

    def _rows(self, operation: str, item: str, **kwargs) -> list[dict]:
        return list((self.parameters(operation, **kwargs).get("ResultGet") or {}).get(item) or [])

    def tipos_cbte(self) -> list[dict]:
        return self._rows("FEParamGetTiposCbte", "CbteTipo")

    def tipos_iva(self) -> list[dict]:
        return self._rows("FEParamGetTiposIva", "IvaTipo")

    def tipos_doc(self) -> list[dict]:
        return self._rows("FEParamGetTiposDoc", "DocTipo")

    def tipos_monedas(self) -> list[dict]:
        return self._rows("FEParamGetTiposMonedas", "Moneda")

    def ptos_venta(self) -> list[dict]:
        """The CUIT's points of sale; none is AFIP's 602, an empty list here."""
        try:
            return self._rows("FEParamGetPtosVenta", "PtoVenta")
        except NotFound:
            return []

    def condiciones_iva_receptor(self, clase: str | None = None) -> list[dict]:
        """The receiver IVA conditions (RG 5616), all or those valid for `clase` (A, ALEY, B, C, 49)."""
        return self._rows("FEParamGetCondicionIvaReceptor", "CondicionIvaReceptor", ClaseCmp=clase)

    def cotizacion(self, mon_id: str, fecha: str | None = None) -> dict:
        """{MonId, MonCotiz, FchCotiz}: AFIP's rate for `mon_id` on `fecha` (yyyymmdd), today if None."""
        return self.parameters("FEParamGetCotizacion", MonId=mon_id, FchCotiz=fecha).get("ResultGet") or {}

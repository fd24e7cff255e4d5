"""The simulator's wire, seen raw: AFIP's answer shapes (FEHeaderInfo, Errors with HTTP 200, .NET's
required values, Axis faults with HTTP 500), SOAP 1.1 and 1.2, the leniency real clients rely on, and
WSDLs that describe exactly what it serves."""

from __future__ import annotations

import base64
from xml.etree import ElementTree

import pytest
import requests
import zeep
from lxml import etree

from afip.simulator.wsfe import PARAM_TABLES, WsfeService
from afip.wsaa import build_tra, parse_ta, sign_tra
from config import clock
from tests.support.afip import ticket_store

SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
FEV1 = "http://ar.gov.afip.dif.FEV1/"
AXIS = "http://xml.apache.org/axis/"
NS = {"s11": SOAP11, "s12": SOAP12, "fe": FEV1}


def soap_post(url: str, body: str, *, soap12: bool = False, action: str | None = None) -> requests.Response:
    ns = SOAP12 if soap12 else SOAP11
    envelope = (f'<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="{ns}">'
                f"<soap:Body>{body}</soap:Body></soap:Envelope>")
    headers = {"Content-Type": "application/soap+xml; charset=utf-8" if soap12 else "text/xml; charset=utf-8"}
    if action is not None:
        headers["SOAPAction"] = action
    return requests.post(url, data=envelope.encode("utf-8"), headers=headers, timeout=5)


def xml(response: requests.Response) -> etree._Element:
    return etree.fromstring(response.content)


def auth(token: str, sign: str, cuit: int) -> str:
    return f"<Auth><Token>{token}</Token><Sign>{sign}</Sign><Cuit>{cuit}</Cuit></Auth>"


@pytest.fixture
def ticket(r, sim, taxpayer):
    return ticket_store(r, sim).get(taxpayer.cuit, "wsfe", taxpayer.cert_path, taxpayer.key_path)


@pytest.mark.parametrize("soap12", [False, True], ids=["soap11", "soap12"])
def test_wsfev1_answers_carry_fehederinfo_in_the_version_asked(sim, soap12):
    answer = soap_post(sim.wsfe_url, f'<FEDummy xmlns="{FEV1}"/>', soap12=soap12)

    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("application/soap+xml" if soap12 else "text/xml")
    doc = xml(answer)
    env = "s12" if soap12 else "s11"
    header = doc.find(f"{env}:Header/fe:FEHeaderInfo", NS)
    assert header.findtext("fe:ambiente", namespaces=NS) and header.findtext("fe:id", namespaces=NS) == "4.3.0.0"
    assert header.findtext("fe:fecha", namespaces=NS).endswith("-03:00")
    result = doc.find(f"{env}:Body/fe:FEDummyResponse/fe:FEDummyResult", NS)
    assert [c.text for c in result] == ["OK", "OK", "OK"]


def test_business_errors_are_http_200_and_still_write_every_required_value(sim):
    bad = auth("bm90IGEgdG9rZW4=", "c2lnbg==", 20111111112)

    totals = soap_post(sim.wsfe_url, f'<FECompTotXRequest xmlns="{FEV1}">{bad}</FECompTotXRequest>')
    last = soap_post(sim.wsfe_url, f'<FECompUltimoAutorizado xmlns="{FEV1}">{bad}<PtoVta>3</PtoVta>'
                                   f'<CbteTipo>6</CbteTipo></FECompUltimoAutorizado>')
    cae = soap_post(sim.wsfe_url, f'<FECAESolicitar xmlns="{FEV1}">{bad}</FECAESolicitar>')

    assert totals.status_code == last.status_code == cae.status_code == 200
    result = xml(totals).find("s11:Body/fe:FECompTotXRequestResponse/fe:FECompTotXRequestResult", NS)
    assert result.findtext("fe:RegXReq", namespaces=NS) == "0"
    assert result.findtext("fe:Errors/fe:Err/fe:Code", namespaces=NS) == "600"
    result = xml(last).find("s11:Body/fe:FECompUltimoAutorizadoResponse/fe:FECompUltimoAutorizadoResult", NS)
    assert [result.findtext(f"fe:{n}", namespaces=NS) for n in ("PtoVta", "CbteTipo", "CbteNro")] == ["0", "0", "0"]
    result = xml(cae).find("s11:Body/fe:FECAESolicitarResponse/fe:FECAESolicitarResult", NS)
    assert result.find("fe:FeCabResp", NS) is None and result.find("fe:Errors", NS) is not None


def test_elements_may_come_in_any_order_as_asmx_reads_them(sim, ticket, taxpayer):
    answer = soap_post(sim.wsfe_url, f'<FECompUltimoAutorizado xmlns="{FEV1}"><CbteTipo>6</CbteTipo><PtoVta>3</PtoVta>'
                                     f'{auth(ticket.token, ticket.sign, taxpayer.cuit)}</FECompUltimoAutorizado>',
                       action=f'"{FEV1}FECompUltimoAutorizado"')

    result = xml(answer).find(".//fe:FECompUltimoAutorizadoResult", NS)
    assert result.find("fe:Errors", NS) is None
    assert [result.findtext(f"fe:{n}", namespaces=NS) for n in ("PtoVta", "CbteTipo", "CbteNro")] == ["3", "6", "0"]


def test_elements_without_the_services_namespace_are_ignored(sim, ticket, taxpayer):
    body = (f'<f:FECompTotXRequest xmlns:f="{FEV1}"><Auth><Token>{ticket.token}</Token><Sign>{ticket.sign}</Sign>'
            f'<Cuit>{taxpayer.cuit}</Cuit></Auth></f:FECompTotXRequest>')

    answer = soap_post(sim.wsfe_url, body)

    assert answer.status_code == 200
    message = xml(answer).findtext(".//fe:Errors/fe:Err/fe:Msg", namespaces=NS)
    assert message == "Campo Auth no fue ingresado o esta mal formado."


def test_malformed_input_gets_asmxs_answers_and_the_server_keeps_serving(sim):
    broken = requests.post(sim.wsfe_url, data=b"<soap:Envelope", headers={"Content-Type": "text/xml"}, timeout=5)
    not_a_number = soap_post(sim.wsfe_url, f'<FECompUltimoAutorizado xmlns="{FEV1}"><PtoVta>tres</PtoVta>'
                                           f'</FECompUltimoAutorizado>')
    unserved = soap_post(sim.wsfe_url, f'<FECAEASolicitar xmlns="{FEV1}"/>')

    assert broken.status_code == 400
    assert not_a_number.status_code == 500
    assert xml(not_a_number).findtext(".//faultcode") == "soap:Client"
    assert "Server was unable to read request" in xml(not_a_number).findtext(".//faultstring")
    assert unserved.status_code == 500 and "SOAPAction" in xml(unserved).findtext(".//faultstring")
    assert requests.get(sim.base + "/nowhere", timeout=5).status_code == 404
    assert soap_post(sim.wsfe_url, f'<FEDummy xmlns="{FEV1}"/>').status_code == 200


def test_a_request_that_asks_to_close_gets_an_answer_that_says_it_closes(sim):
    # Found by afip.js: its agent keeps connections alive, and without the header it sometimes sent its next
    # request on a connection the simulator was closing ("socket hang up").
    closing = requests.post(sim.wsfe_url, data=f'<FEDummy xmlns="{FEV1}"/>', timeout=5,
                            headers={"Content-Type": "text/xml", "Connection": "close"})
    kept = requests.post(sim.wsfe_url, data=f'<FEDummy xmlns="{FEV1}"/>', headers={"Content-Type": "text/xml"},
                         timeout=5)

    assert closing.headers.get("Connection") == "close"
    assert "Connection" not in kept.headers


# WSAA


def _cms(taxpayer, tra: bytes | None = None) -> str:
    with open(taxpayer.cert_path, "rb") as cert, open(taxpayer.key_path, "rb") as key:
        return sign_tra(tra or build_tra("wsfe", clock.now()), cert.read(), key.read())


@pytest.mark.parametrize("soap12", [False, True], ids=["soap11", "soap12"])
def test_wsaa_faults_are_axis_faults_with_http_500(sim, soap12):
    answer = soap_post(sim.wsaa_url, '<loginCms xmlns="http://wsaa.view.sua.dvadac.desein.afip.gov">'
                                     '<in0>no es base64!</in0></loginCms>', soap12=soap12)

    assert answer.status_code == 500
    doc = xml(answer)
    if soap12:
        code = doc.find(".//s12:Code/s12:Subcode/s12:Value", NS)
        assert doc.findtext(".//s12:Code/s12:Value", namespaces=NS) == "soap:Sender"
        assert doc.findtext(".//s12:Reason/s12:Text", namespaces=NS) == "El CMS no esta codificado en Base64"
    else:
        code = doc.find(".//faultcode")
        assert doc.findtext(".//faultstring") == "El CMS no esta codificado en Base64"
        assert doc.findtext(f".//detail/{{{AXIS}}}exceptionName") == "gov.afip.desein.dvadac.sua.view.wsaa.LoginFault"
    prefix, name = code.text.split(":")
    assert code.nsmap[prefix] == AXIS and name == "cms.bad.base64"


def test_wsaa_is_lenient_like_axis_and_answers_in_the_requests_namespace(sim, taxpayer):
    # How pyafipws calls it: the impl namespace, in0 unqualified, SOAPAction "None" (reingart/pyafipws).
    impl = "https://wsaahomo.afip.gov.ar/ws/services/LoginCms"
    answer = soap_post(sim.wsaa_url, f'<ser:loginCms xmlns:ser="{impl}"><in0>{_cms(taxpayer)}</in0></ser:loginCms>',
                       action='"None"')

    assert answer.status_code == 200
    returned = xml(answer).find(f".//{{{impl}}}loginCmsResponse/{{{impl}}}loginCmsReturn")
    ticket = parse_ta(returned.text)
    assert ticket.expires_at - ticket.generated_at == 12 * 3600


def test_wsaa_over_soap_12(sim, taxpayer):
    answer = soap_post(sim.wsaa_url, '<loginCms xmlns="http://wsaa.view.sua.dvadac.desein.afip.gov">'
                                     f'<in0>{_cms(taxpayer)}</in0></loginCms>', soap12=True)

    assert answer.status_code == 200 and answer.headers["Content-Type"].startswith("application/soap+xml")


def test_the_ticket_is_shaped_like_afips(sim, taxpayer):
    answer = soap_post(sim.wsaa_url, '<loginCms xmlns="http://wsaa.view.sua.dvadac.desein.afip.gov">'
                                     f'<in0>{_cms(taxpayer)}</in0></loginCms>')
    ta = ElementTree.fromstring(xml(answer).findtext(".//{http://wsaa.view.sua.dvadac.desein.afip.gov}loginCmsReturn"))

    assert ta.get("version") == "1.0"
    assert ta.findtext("header/source") == "CN=wsaahomo, O=AFIP, C=AR, SERIALNUMBER=CUIT 33693450239"
    assert ta.findtext("header/destination") == f"SERIALNUMBER=CUIT {taxpayer.cuit}, CN=t{taxpayer.cuit}, C=AR"
    assert ta.findtext("header/expirationTime").endswith("-03:00")
    sso = ElementTree.fromstring(base64.b64decode(ta.findtext("credentials/token")))
    ident = sso.find("id")
    assert int(ident.get("exp_time")) - int(ident.get("gen_time")) == 43260
    assert sso.find("operation/login").get("service") == "wsfe"
    assert [rel.get("key") for rel in sso.iter("relation")] == [str(taxpayer.cuit)]
    assert len(base64.b64decode(ta.findtext("credentials/sign"))) == 128


# WSDLs


def test_the_served_wsdls_describe_exactly_what_the_simulator_serves(sim):
    wsfe = zeep.Client(sim.wsfe_url + "?WSDL")
    wsaa = zeep.Client(sim.wsaa_url + "?wsdl")

    served = set(PARAM_TABLES) | {"FEDummy"} | {n[3:] for n in dir(WsfeService) if n.startswith("op_")}
    for binding in ("ServiceSoap", "ServiceSoap12"):
        assert set(wsfe.wsdl.bindings[f"{{{FEV1}}}{binding}"]._operations) == served
    assert len(served) == 15
    assert set(next(iter(wsaa.wsdl.bindings.values()))._operations) == {"loginCms"}
    ports = [port for service in wsfe.wsdl.services.values() for port in service.ports.values()]
    assert {port.binding_options["address"] for port in ports} == {sim.wsfe_url}
    assert zeep.Client(sim.wsfe_url + "?wsdl").service.FEDummy().AppServer == "OK"

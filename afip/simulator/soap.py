"""SOAP envelopes for the simulator: read SOAP 1.1 and 1.2 requests, write answers and faults in the
version the request used."""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
CONTENT_TYPES = {SOAP11: "text/xml; charset=utf-8", SOAP12: "application/soap+xml; charset=utf-8"}
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)


class MalformedRequest(ValueError):
    """Not a SOAP envelope at all: answered with HTTP 400, as ASMX does for bad XML."""


@dataclass
class SoapRequest:
    soap_ns: str
    envelope: etree._Element
    operation: etree._Element

    @property
    def operation_name(self) -> str:
        return etree.QName(self.operation).localname

    @property
    def operation_ns(self) -> str | None:
        return etree.QName(self.operation).namespace


def parse_request(data: bytes) -> SoapRequest:
    try:
        root = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise MalformedRequest(f"XML mal formado: {exc}") from None
    qname = etree.QName(root)
    if qname.localname != "Envelope" or qname.namespace not in CONTENT_TYPES:
        raise MalformedRequest("El documento no es un sobre SOAP")
    body = root.find(f"{{{qname.namespace}}}Body")
    children = [c for c in body if isinstance(c.tag, str)] if body is not None else []
    if not children:
        raise MalformedRequest("El sobre SOAP no tiene cuerpo")
    return SoapRequest(soap_ns=qname.namespace, envelope=root, operation=children[0])


def envelope(soap_ns: str, body_child: etree._Element, header_children: list[etree._Element] = ()) -> bytes:
    env = etree.Element(f"{{{soap_ns}}}Envelope", nsmap={"soap": soap_ns})
    if header_children:
        header = etree.SubElement(env, f"{{{soap_ns}}}Header")
        header.extend(header_children)
    etree.SubElement(env, f"{{{soap_ns}}}Body").append(body_child)
    return etree.tostring(env, xml_declaration=True, encoding="utf-8")


def fault(
    soap_ns: str, code: str, message: str, detail: list[etree._Element] = (), code_ns: str | None = None
) -> bytes:
    """A fault: SOAP 1.1 uses faultcode/faultstring (Axis and ASMX style); SOAP 1.2 Code/Reason.

    With `code_ns`, the code is written `ns1:code` with ns1 bound to it, as Axis writes its codes.
    """
    if code_ns:
        code = f"ns1:{code}"
    if soap_ns == SOAP11:
        node = etree.Element(f"{{{SOAP11}}}Fault")
        etree.SubElement(node, "faultcode", nsmap={"ns1": code_ns} if code_ns else None).text = code
        etree.SubElement(node, "faultstring").text = message
        if detail:
            etree.SubElement(node, "detail").extend(detail)
    else:
        node = etree.Element(f"{{{SOAP12}}}Fault")
        code_el = etree.SubElement(etree.SubElement(node, f"{{{SOAP12}}}Code"), f"{{{SOAP12}}}Value")
        code_el.text = "soap:Receiver" if code.endswith("Server") else "soap:Sender"
        if code_ns:
            sub = etree.SubElement(code_el.getparent(), f"{{{SOAP12}}}Subcode")
            etree.SubElement(sub, f"{{{SOAP12}}}Value", nsmap={"ns1": code_ns}).text = code
        reason = etree.SubElement(etree.SubElement(node, f"{{{SOAP12}}}Reason"), f"{{{SOAP12}}}Text")
        reason.text = message
        reason.set("{http://www.w3.org/XML/1998/namespace}lang", "es")
        if detail:
            etree.SubElement(node, f"{{{SOAP12}}}Detail").extend(detail)
    return envelope(soap_ns, node)

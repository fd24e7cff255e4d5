"""Opening the CMS SignedData that LoginCms receives: decode, verify the signature and the certificate
chain against the simulator's CA, and return the signed TRA. Failures carry WSAA's fault codes."""

from __future__ import annotations

import base64
import binascii
import datetime
import hashlib
from dataclasses import dataclass

from asn1crypto import cms as asn1_cms
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding


class WsaaFault(Exception):
    """A LoginCms refusal: `code` is WSAA's fault code (AFIP's WSAA specification)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class SignedTra:
    tra: bytes
    certificate: x509.Certificate


_HASHES = {"sha1": (hashes.SHA1, hashlib.sha1), "sha256": (hashes.SHA256, hashlib.sha256)}


def _signer_certificate(signed_data, signer_info) -> x509.Certificate:
    certificates = signed_data["certificates"]
    if not certificates:
        raise WsaaFault("cms.cert.notFound", "No se ha encontrado certificado de firma en el CMS")
    sid = signer_info["sid"]
    for choice in certificates:
        cert = choice.chosen
        if sid.name == "issuer_and_serial_number":
            wanted = sid.chosen
            if cert.issuer == wanted["issuer"] and cert.serial_number == wanted["serial_number"].native:
                return x509.load_der_x509_certificate(cert.dump())
        elif cert.key_identifier == sid.chosen.native:
            return x509.load_der_x509_certificate(cert.dump())
    raise WsaaFault("cms.cert.notFound", "No se ha encontrado el certificado del firmante en el CMS")


def open_signed_tra(cms_base64: str, ca_certificate: x509.Certificate, now: datetime.datetime) -> SignedTra:
    try:
        der = base64.b64decode("".join(cms_base64.split()), validate=True)
    except (binascii.Error, ValueError):
        raise WsaaFault("cms.bad.base64", "El CMS no esta codificado en Base64") from None
    try:
        info = asn1_cms.ContentInfo.load(der)
        if info["content_type"].native != "signed_data":
            raise ValueError("not SignedData")
        signed_data = info["content"]
        tra = signed_data["encap_content_info"]["content"].native
        signer_info = signed_data["signer_infos"][0]
        digest_name = signer_info["digest_algorithm"]["algorithm"].native
        signature = signer_info["signature"].native
        signed_attrs = signer_info["signed_attrs"]
    except (ValueError, KeyError, IndexError, TypeError):
        raise WsaaFault("cms.bad", "El CMS no es valido") from None
    if not isinstance(tra, bytes) or not tra:
        raise WsaaFault("cms.bad", "El CMS no contiene el TRA (firma separada no admitida)")
    if digest_name not in _HASHES:
        raise WsaaFault("cms.bad", f"Algoritmo de digesto no admitido: {digest_name}")
    certificate = _signer_certificate(signed_data, signer_info)
    hash_cls, hashlib_fn = _HASHES[digest_name]
    if signed_attrs:
        digests = [a["values"][0].native for a in signed_attrs if a["type"].native == "message_digest"]
        if not digests or digests[0] != hashlib_fn(tra).digest():
            raise WsaaFault("cms.sign.invalid", "La firma del CMS no es valida")
        # The signature covers the attributes re-encoded as a SET OF, not as the [0] tag they travel in.
        to_verify = b"\x31" + signed_attrs.dump()[1:]
    else:
        to_verify = tra
    try:
        certificate.public_key().verify(signature, to_verify, padding.PKCS1v15(), hash_cls())
    except (InvalidSignature, TypeError, ValueError):
        raise WsaaFault("cms.sign.invalid", "La firma del CMS no es valida") from None
    if not (certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc):
        raise WsaaFault("cms.cert.expired", "El certificado ha expirado")
    try:
        certificate.verify_directly_issued_by(ca_certificate)
    except (InvalidSignature, ValueError, TypeError):
        raise WsaaFault("cms.cert.untrusted", "Certificado no emitido por AC de confianza") from None
    return SignedTra(tra=tra, certificate=certificate)

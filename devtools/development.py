"""The development point of sale that the demo and the tests create: a test CUIT, a simulator
certificate for it, and a webhook URL on the local receiver."""

from __future__ import annotations

import os

from accounts.points_of_sale import PointOfSale
from afip.simulator.certs import ClientCertificate, issue_client_certificate
from webhook_dispatch.points_of_sale import create_point_of_sale

DEV_CUIT = 20111111112  # a valid check digit; no real taxpayer
DEV_PTO_VTA = 1


def development_certificate(cert_dir: str, cuit: int = DEV_CUIT) -> ClientCertificate:
    """The simulator CA and a client certificate for `cuit`, created once and reused."""
    cert, key = os.path.join(cert_dir, "cert.pem"), os.path.join(cert_dir, "key.pem")
    if os.path.exists(cert) and os.path.exists(key) and os.path.exists(os.path.join(cert_dir, "ca.pem")):
        return ClientCertificate(cert, key, os.path.join(cert_dir, "ca.pem"))
    return issue_client_certificate(cert_dir, cuit)


def create_development_pdv(r, *, cert: ClientCertificate, webhook_url: str, pto_vta: int = DEV_PTO_VTA,
                           cuit: int = DEV_CUIT, **options) -> tuple[PointOfSale, dict[str, str]]:
    return create_point_of_sale(
        r, cuit=cuit, pto_vta=pto_vta, webhook_url=webhook_url, cert_path=os.path.abspath(cert.cert_path),
        key_path=os.path.abspath(cert.key_path), razon_social="Encola Desarrollo SRL", **options,
    )

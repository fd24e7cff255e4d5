"""Signed, expiring links to an emitted comprobante's documents: its A4 PDF and its 80 mm ticket, the
`comprobante_pdf_url` and `comprobante_ticket_url` TusFacturas answers.

A link names the point of sale and the comprobante and is signed, with the time of signing, by
itsdangerous (Flask's own signer) under a key kept in Redis: drawn once by whichever process needs it
first, so that a link signed by a worker for a hook opens in any web process. The web process opens a
link only while it is younger than ENCOLA_DOCUMENT_LINK_SECONDS, and only for that point of sale's
comprobante. Deleting the key invalidates every link handed out.
"""

from __future__ import annotations

import secrets
from functools import cached_property

from itsdangerous import BadSignature, TimestampSigner, URLSafeTimedSerializer

from comprobantes.lifecycle import State
from config import clock
from config.keys import key
from config.settings import get_settings

LINK_KEY = key("documents", "link_key")
# The two documents, by the name their link ends with.
DOCUMENTS = {"factura.pdf": "comprobante_pdf_url", "ticket.pdf": "comprobante_ticket_url"}
NO_LINKS = {field: "" for field in DOCUMENTS.values()}
_SALT = "encola.documents"


class _ServiceClockSigner(TimestampSigner):
    """Dates links by the service's clock, so that a development clock moved ahead ages them too."""

    def get_timestamp(self) -> int:
        return int(clock.timestamp())


def _signer(r) -> URLSafeTimedSerializer:
    secret = r.get(LINK_KEY)
    if secret is None:
        r.set(LINK_KEY, secrets.token_urlsafe(32), nx=True)
        secret = r.get(LINK_KEY)
    return URLSafeTimedSerializer(secret, salt=_SALT, signer=_ServiceClockSigner)


class DocumentLinks:
    """Signs the links of many comprobantes with one read of the key, made only once one is signed."""

    def __init__(self, r, base_url: str | None = None):
        """`base_url` "" makes links relative to the web process's root (its own pages link so)."""
        self.r = r
        self.base_url = get_settings().document_base_url if base_url is None else base_url

    @cached_property
    def signer(self) -> URLSafeTimedSerializer:
        return _signer(self.r)

    def for_record(self, record) -> dict[str, str]:
        """Fresh links to an emitted comprobante's documents; empty ones while it has no CAE."""
        return self.for_emitted(record.pdv, record.id) if record.state == State.EMITIDO else dict(NO_LINKS)

    def for_emitted(self, pdv_id: str, rid: str) -> dict[str, str]:
        """Fresh links to the documents of a comprobante being stored as emitted (its `emitido` hook);
        empty ones when the web process's public address is unknown (a production worker without
        ENCOLA_PUBLIC_URL)."""
        if self.base_url is None:
            return dict(NO_LINKS)
        token = self.signer.dumps([pdv_id, rid])
        return {field: f"{self.base_url}/documentos/{token}/{name}" for name, field in DOCUMENTS.items()}


def opened(r, token: str) -> tuple[str, str] | None:
    """(point of sale, comprobante id) of a link still valid; None for one forged, altered or expired."""
    try:
        pdv, rid = _signer(r).loads(token, max_age=get_settings().document_link_seconds)
    except BadSignature:
        return None
    return pdv, rid

"""A comprobante's printed documents as clients and operators fetch them: the A4 PDF and the 80 mm ticket
(documents/), opened by a signed link (comprobantes/document_links.py) or, for the operator, by reference.

The document is rendered on each request from the stored record and its point of sale, so nothing but
the record is kept; a link opens only the comprobante it names, of the point of sale it names.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

from accounts.points_of_sale import PointOfSale, UnknownPointOfSale, get_point_of_sale
from comprobantes.answers import comprobante_nro
from comprobantes.document_links import opened
from comprobantes.lifecycle import State
from comprobantes.store import Record, Store
from documents import Issuer, document_of, render_a4, render_ticket

log = logging.getLogger("encola.documents")

RENDERERS = {"factura.pdf": render_a4, "ticket.pdf": render_ticket}


@dataclass(frozen=True)
class Rendered:
    content: bytes
    filename: str


def issuer_of(pdv: PointOfSale) -> Issuer:
    """The issuer as the point of sale describes it; a logo that cannot be read is left out (and logged),
    never a reason to deny the customer the invoice."""
    return Issuer(razon_social=pdv.razon_social, cuit=pdv.cuit, condicion_iva=pdv.condicion_iva,
                  domicilio=pdv.domicilio, iibb=pdv.iibb,
                  inicio_actividades=date.fromisoformat(pdv.inicio_actividades) if pdv.inicio_actividades else None,
                  logo=_logo(pdv))


def _logo(pdv: PointOfSale) -> bytes | None:
    if not pdv.logo_path:
        return None
    try:
        with open(pdv.logo_path, "rb") as f:
            return f.read()
    except OSError as exc:
        log.warning("point of sale %s: its logo %s cannot be read (%s); documents go without it", pdv.id,
                    pdv.logo_path, exc.strerror, extra={"pdv": pdv.id})
        return None


def render(record: Record, pdv: PointOfSale, name: str) -> Rendered:
    """`name`: factura.pdf (A4) or ticket.pdf (80 mm)."""
    document = document_of(record, issuer_of(pdv))
    stem = f"{record.tipo.replace(' ', '_')}_{comprobante_nro(record.pto_vta, record.numero)}"
    suffix = "" if name == "factura.pdf" else "_ticket"
    return Rendered(RENDERERS[name](document), f"{stem}{suffix}.pdf")


def by_link(r, token: str, name: str) -> Rendered | None:
    """The document a link opens; None for a link forged, altered or expired, a name that is no document,
    or a comprobante that is gone or not of the point of sale the link names."""
    named = opened(r, token) if name in RENDERERS else None
    if named is None:
        return None
    pdv_id, rid = named
    record = Store(r).get(rid)
    if record is None or record.pdv != pdv_id or record.state != State.EMITIDO:
        return None
    try:
        pdv = get_point_of_sale(r, pdv_id)
    except UnknownPointOfSale:
        return None
    return render(record, pdv, name)


def by_reference(r, pdv: PointOfSale, external_reference: str, name: str) -> Rendered | None:
    """The document of the point of sale's last emitted comprobante with that reference, if any."""
    emitted = [rec for rec in Store(r).by_reference(pdv.id, external_reference) if rec.state == State.EMITIDO]
    return render(emitted[-1], pdv, name) if emitted else None

"""The printed form of an emitted comprobante: an A4 PDF and an 80 mm ticket PDF with what RG 1415 and
RG 4892 ask a printed electronic comprobante to carry, rendered from the stored record alone, so the same
comprobante always renders the same bytes and no document is kept in Redis.

`document_of(record, issuer)` gathers the printable data (documents/model.py, documents/building.py);
`render_a4` and `render_ticket` draw it.
"""

from documents.a4 import render_a4
from documents.building import document_of
from documents.model import Document, Issuer
from documents.ticket import render_ticket

__all__ = ["Document", "Issuer", "document_of", "render_a4", "render_ticket"]

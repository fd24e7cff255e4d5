"""The 80 mm ticket: the same comprobante (documents/model.py) in one narrow column for a thermal
printer, as long as its content needs, with the QR under the CAE."""

from __future__ import annotations

import io

from reportlab.lib.units import mm

from documents import formatting as fmt
from documents.layout import Block, amounts, labelled, logo, paragraph, rule, space, stacked
from documents.model import Document, Line
from documents.pdf import new_canvas
from documents.qr_drawing import draw_qr
from documents.typography import BOLD

WIDTH = 80 * mm
MARGIN = 3 * mm
ROOM = WIDTH - 2 * MARGIN
SIZE = 7.5
QR_SIZE = 40 * mm
QR_QUIET = 3 * mm  # white above and below the QR: more than the four modules ISO/IEC 18004 asks


def _labelled(label: str, value: str) -> Block:
    return labelled(label, value, x=MARGIN, room=ROOM, size=SIZE)


def _centred(value: str, size: float = SIZE, font: str = BOLD, after: float = 0.0) -> Block:
    return paragraph(value, x=MARGIN, room=ROOM, size=size, font=font, align="center", after=after)


def _separator() -> Block:
    return rule(x=MARGIN, room=ROOM, space=8, dashed=True)


def _issuer(doc: Document) -> list[Block]:
    issuer = doc.issuer
    inicio = fmt.ddmmyyyy(issuer.inicio_actividades) if issuer.inicio_actividades else ""
    return [
        logo(issuer.logo, x=MARGIN, room=ROOM, height=40, align="center", after=4),
        _centred(issuer.razon_social, size=9, after=2),
        _labelled("CUIT", fmt.cuit(issuer.cuit)), _labelled("Ingresos Brutos", issuer.iibb),
        _labelled("Inicio de actividades", inicio), _labelled("Domicilio comercial", issuer.domicilio),
        _labelled("Condición frente al IVA", doc.issuer_condicion_iva),
    ]


def _comprobante(doc: Document) -> list[Block]:
    blocks = [
        _centred(f"{doc.nombre} {doc.letra}", size=10), _centred(f"COD. {doc.codigo} - ORIGINAL", after=2),
        _labelled("Punto de venta y número", doc.numero), _labelled("Fecha de emisión", doc.fecha),
    ]
    if doc.periodo is not None:
        blocks += [_labelled("Período facturado", f"{doc.periodo[0]} al {doc.periodo[1]}"),
                   _labelled("Vto. para el pago", doc.vencimiento_pago)]
    return blocks


def _receptor(doc: Document) -> list[Block]:
    receptor = doc.receptor
    blocks = [_labelled("Cliente", receptor.nombre)]
    if receptor.documento_tipo:
        blocks.append(_labelled(receptor.documento_tipo, receptor.documento))
    blocks += [_labelled("Condición frente al IVA", receptor.condicion_iva), _labelled("Domicilio", receptor.domicilio),
               _labelled("Condición de venta", doc.condicion_venta)]
    if doc.moneda:
        blocks += [_labelled("Moneda", doc.moneda), _labelled("Cotización", doc.cotizacion)]
    if doc.asociados:
        blocks.append(_labelled("Comprobantes asociados", "; ".join(doc.asociados)))
    return blocks


def _line(line: Line) -> Block:
    described = f"[{line.codigo}] {line.descripcion}" if line.codigo else line.descripcion
    figures = f"{line.cantidad} {line.unidad} x {line.precio}"
    if line.bonificacion != "0":
        figures += f"  bonif. {line.bonificacion}%"
    if line.alicuota:
        figures += f"  IVA {line.alicuota}" if line.alicuota.endswith("%") else f"  {line.alicuota}"
    return stacked([paragraph(described, x=MARGIN, room=ROOM, size=SIZE),
                    amounts([(figures, line.subtotal)], x=MARGIN, room=ROOM, size=SIZE, bold_last=False)], after=2)


def _closing(doc: Document) -> list[Block]:
    blocks = [amounts(doc.totals, x=MARGIN, room=ROOM, size=8, bold_last=True)]
    if doc.transparencia:
        blocks += [space(4), _centred("Régimen de Transparencia Fiscal al Consumidor (Ley 27.743)", size=6.5),
                   amounts(doc.transparencia, x=MARGIN, room=ROOM, size=SIZE, bold_last=False)]
    qr = Block(QR_SIZE + 2 * QR_QUIET, lambda canvas, top: draw_qr(canvas, doc.qr, (WIDTH - QR_SIZE) / 2,
                                                                   top - QR_QUIET - QR_SIZE, QR_SIZE))
    return [*blocks, _separator(), _labelled("CAE N°", doc.cae), _labelled("Fecha de Vto. de CAE", doc.cae_vto),
            qr, _centred("Comprobante autorizado", size=7)]


def render_ticket(doc: Document) -> bytes:
    """The comprobante as an 80 mm wide PDF, one page as tall as its content."""
    blocks = [*_issuer(doc), _separator(), *_comprobante(doc), _separator(), *_receptor(doc), _separator(),
              *[_line(line) for line in doc.lines], _separator(), *_closing(doc)]
    column = stacked(blocks)
    height = column.height + 2 * MARGIN
    buffer = io.BytesIO()
    canvas = new_canvas(buffer, (WIDTH, height), doc)
    column.draw(canvas, height - MARGIN)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()

"""The A4 comprobante (RG 1415 and RG 4892): the issuer's and the comprobante's box with the class letter
and its code, the receiver, the lines, the totals the class requires, the CAE and the QR. Lines that do not
fit go on to further pages, each with the comprobante's number, the table's header and "página x de y"."""

from __future__ import annotations

import io

from reportlab.lib.pagesizes import A4

from documents import formatting as fmt
from documents.a4_table import table_head, table_row
from documents.layout import Block, amounts, boxed, labelled, logo, paragraph, side_by_side, space, stacked, text
from documents.model import Document
from documents.pdf import new_canvas
from documents.qr_drawing import draw_qr
from documents.typography import BOLD, REGULAR

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 28.0
ROOM = PAGE_WIDTH - 2 * MARGIN
FOOTER = 18.0  # below the last block: "página x de y"
PAD = 6.0
SIZE = 8.0
LETTER_BOX = 44.0
QR_SIZE = 88.0
QR_QUIET = 8.0  # white around the QR: more than the four modules ISO/IEC 18004 asks


def _issuer(doc: Document, x: float, room: float) -> Block:
    issuer = doc.issuer
    return stacked([
        logo(issuer.logo, x=x, room=room, height=50, align="left", after=4),
        paragraph(issuer.razon_social, x=x, room=room, size=12, font=BOLD, after=4),
        labelled("Domicilio comercial", issuer.domicilio, x=x, room=room, size=SIZE),
        labelled("Condición frente al IVA", doc.issuer_condicion_iva, x=x, room=room, size=SIZE),
    ])


def _comprobante(doc: Document, x: float, room: float) -> Block:
    issuer = doc.issuer
    inicio = fmt.ddmmyyyy(issuer.inicio_actividades) if issuer.inicio_actividades else ""
    return stacked([
        paragraph(doc.nombre, x=x, room=room, size=15, font=BOLD, after=4),
        labelled("Punto de venta y número", doc.numero, x=x, room=room, size=SIZE),
        labelled("Fecha de emisión", doc.fecha, x=x, room=room, size=SIZE),
        labelled("CUIT", fmt.cuit(issuer.cuit), x=x, room=room, size=SIZE),
        labelled("Ingresos Brutos", issuer.iibb, x=x, room=room, size=SIZE),
        labelled("Fecha de inicio de actividades", inicio, x=x, room=room, size=SIZE),
    ])


def _letter(canvas, doc: Document, top: float, bottom: float) -> None:
    """The class letter in its box, straddling the line between issuer and comprobante."""
    middle = PAGE_WIDTH / 2
    canvas.setFillGray(1)
    canvas.rect(middle - LETTER_BOX / 2, top - LETTER_BOX, LETTER_BOX, LETTER_BOX, fill=1)
    canvas.setFillGray(0)
    text(canvas, doc.letra, middle, top - 27, BOLD, 24, "center")
    text(canvas, f"COD. {doc.codigo}", middle, top - LETTER_BOX + 5, BOLD, 6.5, "center")
    canvas.line(middle, top - LETTER_BOX, middle, bottom)


def _header(doc: Document) -> Block:
    half = ROOM / 2
    side = half - LETTER_BOX / 2 - 2 * PAD
    left = _issuer(doc, MARGIN + PAD, side)
    right = _comprobante(doc, PAGE_WIDTH / 2 + LETTER_BOX / 2 + PAD, side)
    band = 18.0
    body = max(left.height, right.height, LETTER_BOX) + 2 * PAD
    height = band + body

    def draw(canvas, top: float) -> None:
        canvas.setLineWidth(0.7)
        canvas.rect(MARGIN, top - height, ROOM, height)
        canvas.line(MARGIN, top - band, MARGIN + ROOM, top - band)
        text(canvas, "ORIGINAL", PAGE_WIDTH / 2, top - 13, BOLD, 11, "center")
        _letter(canvas, doc, top - band, top - height)
        left.draw(canvas, top - band - PAD)
        right.draw(canvas, top - band - PAD)

    return Block(height + 4, draw)


def _services(doc: Document) -> Block:
    if doc.periodo is None:
        return space(0)
    third = (ROOM - 2 * PAD) / 3
    row = [labelled(label, value, x=MARGIN + PAD + n * third, room=third, size=SIZE) for n, (label, value) in
           enumerate((("Período facturado desde", doc.periodo[0]), ("Hasta", doc.periodo[1]),
                      ("Fecha de vto. para el pago", doc.vencimiento_pago)))]
    return boxed(side_by_side(side_by_side(row[0], row[1]), row[2]), x=MARGIN, room=ROOM, pad=PAD / 2, after=4)


def _receptor(doc: Document) -> Block:
    receptor, half = doc.receptor, (ROOM - 3 * PAD) / 2
    left_x, right_x = MARGIN + PAD, MARGIN + 2 * PAD + half
    left = [labelled(receptor.documento_tipo, receptor.documento, x=left_x, room=half, size=SIZE)
            ] if receptor.documento_tipo else []
    left += [labelled("Condición frente al IVA", receptor.condicion_iva, x=left_x, room=half, size=SIZE),
             labelled("Condición de venta", doc.condicion_venta, x=left_x, room=half, size=SIZE)]
    right = [labelled("Apellido y nombre / Razón social", receptor.nombre, x=right_x, room=half, size=SIZE),
             labelled("Domicilio", receptor.domicilio, x=right_x, room=half, size=SIZE)]
    return boxed(side_by_side(stacked(left), stacked(right)), x=MARGIN, room=ROOM, pad=PAD / 2, after=4)


def _operation(doc: Document) -> Block:
    """Moneda and cotización when not pesos, and the comprobantes a note is associated with."""
    x, room = MARGIN + PAD, ROOM - 2 * PAD
    rows = []
    if doc.moneda:
        rows.append(side_by_side(labelled("Moneda", doc.moneda, x=x, room=room / 2, size=SIZE),
                                 labelled("Cotización", doc.cotizacion, x=x + room / 2, room=room / 2, size=SIZE)))
    if doc.asociados:
        rows.append(labelled("Comprobantes asociados", "; ".join(doc.asociados), x=x, room=room, size=SIZE))
    return boxed(stacked(rows), x=MARGIN, room=ROOM, pad=PAD / 2, after=4) if rows else space(0)


def _continued(doc: Document) -> Block:
    """The head of every page after the first."""
    line = f"{doc.nombre} {doc.letra} (COD. {doc.codigo}) · N° {doc.numero} · Fecha de emisión: {doc.fecha} · ORIGINAL"
    return boxed(paragraph(line, x=MARGIN + PAD, room=ROOM - 2 * PAD, size=9, font=BOLD), x=MARGIN, room=ROOM,
                 pad=PAD / 2, after=6)


def _totals(doc: Document) -> Block:
    room = 230.0
    totals = amounts(doc.totals, x=PAGE_WIDTH - MARGIN - room, room=room, size=9, bold_last=True)
    if not doc.transparencia:
        return stacked([totals], after=8)
    title = paragraph("Régimen de Transparencia Fiscal al Consumidor (Ley 27.743)", x=MARGIN + PAD, room=250,
                      size=7.5, font=BOLD, after=2)
    rows = amounts(doc.transparencia, x=MARGIN + PAD, room=250, size=7.5, bold_last=False)
    return stacked([side_by_side(boxed(stacked([title, rows]), x=MARGIN, room=250 + 2 * PAD, pad=PAD / 2), totals)],
                   after=8)


def _authorization(doc: Document) -> Block:
    x = MARGIN + QR_SIZE + 2 * QR_QUIET
    lines = stacked([
        paragraph("Comprobante autorizado", x=x, room=200, size=10, font=BOLD, after=4),
        labelled("CAE N°", doc.cae, x=x, room=200, size=9),
        labelled("Fecha de Vto. de CAE", doc.cae_vto, x=x, room=200, size=9),
    ])

    def draw(canvas, top: float) -> None:
        draw_qr(canvas, doc.qr, MARGIN + QR_QUIET, top - QR_QUIET - QR_SIZE, QR_SIZE)
        lines.draw(canvas, top - QR_QUIET)

    return Block(QR_SIZE + 2 * QR_QUIET, draw)


def _pages(doc: Document) -> list[list[Block]]:
    """The blocks of each page: the head, the lines that fit, and on the last page totals and CAE."""
    usable = PAGE_HEIGHT - 2 * MARGIN - FOOTER
    head = table_head(doc, MARGIN, ROOM)
    pages = [[_header(doc), _services(doc), _receptor(doc), _operation(doc), head]]
    room = usable - sum(block.height for block in pages[0])
    for line in doc.lines:
        row = table_row(line, doc, MARGIN, ROOM)
        if row.height > room:
            pages.append([_continued(doc), head])
            room = usable - sum(block.height for block in pages[-1])
        pages[-1].append(row)
        room -= row.height
    closing = [space(PAD), _totals(doc), _authorization(doc)]
    if sum(block.height for block in closing) > room:
        pages.append([_continued(doc)])
    pages[-1] += closing
    return pages


def render_a4(doc: Document) -> bytes:
    """The comprobante as an A4 PDF."""
    buffer = io.BytesIO()
    canvas = new_canvas(buffer, A4, doc)
    pages = _pages(doc)
    for number, blocks in enumerate(pages, start=1):
        top = PAGE_HEIGHT - MARGIN
        for block in blocks:
            block.draw(canvas, top)
            top -= block.height
        text(canvas, f"Página {number} de {len(pages)}", PAGE_WIDTH - MARGIN, MARGIN, REGULAR, 7, "right")
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()

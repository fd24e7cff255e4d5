"""The A4 comprobante's table of lines: code, description, quantity, unit, unit price, bonificación,
alícuota (classes A and M) and subtotal. Every cell wraps within its column, so a long description makes
its row taller instead of running over the next column."""

from __future__ import annotations

from dataclasses import dataclass

from documents.layout import ASCENT, LEADING, Block, text
from documents.model import Document, Line
from documents.typography import BOLD, REGULAR, wrap

SIZE = 7.5
CELL_PAD = 3.0


@dataclass(frozen=True)
class Column:
    title: str
    width: float  # 0: the description, which takes the room the others leave
    align: str
    field: str


def columns(doc: Document) -> list[Column]:
    with_iva = " c/IVA" if doc.letra == "B" else ""
    listed = [
        Column("Código", 50, "left", "codigo"), Column("Descripción", 0, "left", "descripcion"),
        Column("Cantidad", 46, "right", "cantidad"), Column("U. medida", 40, "center", "unidad"),
        Column(f"Precio unit.{with_iva}", 62, "right", "precio"), Column("% Bonif.", 36, "right", "bonificacion"),
        Column("Alícuota IVA", 44, "right", "alicuota"), Column(f"Subtotal{with_iva}", 70, "right", "subtotal"),
    ]
    return [column for column in listed if column.field != "alicuota" or doc.shows_alicuota]


def _cells(values: list[str], doc: Document, x: float, room: float, font: str) -> tuple[list, float]:
    """Each column's (left edge, width, alignment, wrapped lines), and the row's height."""
    listed = columns(doc)
    flexible = room - sum(column.width for column in listed)
    cells, left = [], x
    for column, value in zip(listed, values):
        width = column.width or flexible
        cells.append((left, width, column.align, wrap(value, font, SIZE, width - 2 * CELL_PAD)))
        left += width
    height = max(len(lines) for *_, lines in cells) * LEADING * SIZE + 2 * CELL_PAD
    return cells, height


def _draw_cells(canvas, cells: list, top: float, font: str) -> None:
    for left, width, align, lines in cells:
        anchor = {"left": left + CELL_PAD, "center": left + width / 2, "right": left + width - CELL_PAD}[align]
        for n, line in enumerate(lines):
            text(canvas, line, anchor, top - CELL_PAD - ASCENT * SIZE - n * LEADING * SIZE, font, SIZE, align)


def table_head(doc: Document, x: float, room: float) -> Block:
    cells, height = _cells([column.title for column in columns(doc)], doc, x, room, BOLD)

    def draw(canvas, top: float) -> None:
        canvas.setFillGray(0.88)
        canvas.rect(x, top - height, room, height, stroke=0, fill=1)
        canvas.setFillGray(0)
        _draw_cells(canvas, cells, top, BOLD)

    return Block(height, draw)


def table_row(line: Line, doc: Document, x: float, room: float) -> Block:
    cells, height = _cells([getattr(line, column.field) for column in columns(doc)], doc, x, room, REGULAR)

    def draw(canvas, top: float) -> None:
        _draw_cells(canvas, cells, top, REGULAR)
        canvas.setStrokeGray(0.8)
        canvas.setLineWidth(0.4)
        canvas.line(x, top - height, x + room, top - height)
        canvas.setStrokeGray(0)

    return Block(height, draw)

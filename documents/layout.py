"""Blocks that both documents stack: each knows its height before it is drawn, so a page can be filled,
cut and numbered ("página x de y"), and a ticket can be as long as its content, before anything is drawn."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from documents.typography import BOLD, REGULAR, width, wrap

LEADING = 1.25  # line height, in font sizes
ASCENT = 0.95  # from a line's top to its baseline, in font sizes


@dataclass(frozen=True)
class Block:
    height: float
    draw: Callable[[Canvas, float], None]  # draws it with its top edge at the given y


def text(canvas: Canvas, value: str, x: float, baseline: float, font: str, size: float, align: str = "left") -> None:
    canvas.setFont(font, size)
    if align == "right":
        canvas.drawRightString(x, baseline, value)
    elif align == "center":
        canvas.drawCentredString(x, baseline, value)
    else:
        canvas.drawString(x, baseline, value)


def paragraph(value: str, *, x: float, room: float, size: float, font: str = REGULAR, align: str = "left",
              after: float = 0.0) -> Block:
    """`value` wrapped to `room` points, aligned within them, with `after` points of space below."""
    lines = wrap(value, font, size, room)
    anchor = {"left": x, "center": x + room / 2, "right": x + room}[align]

    def draw(canvas: Canvas, top: float) -> None:
        for n, line in enumerate(lines):
            text(canvas, line, anchor, top - ASCENT * size - n * LEADING * size, font, size, align)

    return Block(len(lines) * LEADING * size + after, draw)


def labelled(label: str, value: str, *, x: float, room: float, size: float) -> Block:
    """"Label: value" with the label in bold and the value wrapped beside it."""
    label = f"{label}: "
    indent = width(label, BOLD, size)
    lines = wrap(value, REGULAR, size, room - indent)

    def draw(canvas: Canvas, top: float) -> None:
        text(canvas, label, x, top - ASCENT * size, BOLD, size)
        for n, line in enumerate(lines):
            text(canvas, line, x + indent, top - ASCENT * size - n * LEADING * size, REGULAR, size)

    return Block(len(lines) * LEADING * size, draw)


def amounts(rows: Sequence[tuple[str, str]], *, x: float, room: float, size: float, bold_last: bool) -> Block:
    """Label and amount rows, the amounts aligned on the right edge; the last row in bold if asked."""

    def draw(canvas: Canvas, top: float) -> None:
        for n, (label, amount) in enumerate(rows):
            font = BOLD if bold_last and n == len(rows) - 1 else REGULAR
            baseline = top - ASCENT * size - n * LEADING * size
            text(canvas, label, x, baseline, font, size)
            text(canvas, amount, x + room, baseline, font, size, "right")

    return Block(len(rows) * LEADING * size, draw)


def rule(*, x: float, room: float, space: float, dashed: bool = False) -> Block:
    """A horizontal line in the middle of `space` points."""

    def draw(canvas: Canvas, top: float) -> None:
        canvas.saveState()
        canvas.setLineWidth(0.5)
        if dashed:
            canvas.setDash(2, 2)
        canvas.line(x, top - space / 2, x + room, top - space / 2)
        canvas.restoreState()

    return Block(space, draw)


def stacked(blocks: Sequence[Block], after: float = 0.0) -> Block:
    """Blocks one under the other, as one block."""

    def draw(canvas: Canvas, top: float) -> None:
        for block in blocks:
            block.draw(canvas, top)
            top -= block.height

    return Block(sum(block.height for block in blocks) + after, draw)


def side_by_side(left: Block, right: Block) -> Block:
    def draw(canvas: Canvas, top: float) -> None:
        left.draw(canvas, top)
        right.draw(canvas, top)

    return Block(max(left.height, right.height), draw)


def space(height: float) -> Block:
    return Block(height, lambda canvas, top: None)


def boxed(inner: Block, *, x: float, room: float, pad: float, after: float = 0.0) -> Block:
    """`inner` (laid out `pad` points inside) in a frame `room` points wide."""
    height = inner.height + 2 * pad

    def draw(canvas: Canvas, top: float) -> None:
        canvas.setLineWidth(0.7)
        canvas.rect(x, top - height, room, height)
        inner.draw(canvas, top - pad)

    return Block(height + after, draw)


def logo(data: bytes | None, *, x: float, room: float, height: float, align: str, after: float = 0.0) -> Block:
    """The issuer's logo scaled into `room` × `height` points; nothing when there is none."""
    if not data:
        return space(0)
    image = ImageReader(io.BytesIO(data))
    native_width, native_height = image.getSize()
    scale = min(room / native_width, height / native_height)
    shown_width, shown_height = native_width * scale, native_height * scale
    left = {"left": x, "center": x + (room - shown_width) / 2, "right": x + room - shown_width}[align]

    def draw(canvas: Canvas, top: float) -> None:
        canvas.drawImage(image, left, top - shown_height, shown_width, shown_height, mask="auto")

    return Block(shown_height + after, draw)

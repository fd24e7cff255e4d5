"""The RG 4892 QR drawn as vector squares: segno encodes the stored URL; each row's runs of dark modules
become one rectangle, which keeps the drawing small and sharp at any print resolution."""

from __future__ import annotations

import segno
from reportlab.pdfgen.canvas import Canvas

# Level M restores up to 15 % of a damaged symbol: thermal tickets smudge and fade. RG 4892 sets no level.
ERROR_CORRECTION = "m"


def _runs(row) -> list[tuple[int, int]]:
    """(start, length) of each run of dark modules in a row."""
    runs, start = [], None
    for x, dark in enumerate([*row, 0]):
        if dark and start is None:
            start = x
        elif not dark and start is not None:
            runs.append((start, x - start))
            start = None
    return runs


def draw_qr(canvas: Canvas, url: str, x: float, y: float, size: float) -> None:
    """The QR of `url` in the square of side `size` whose lower left corner is (x, y). The symbol is drawn
    without its quiet zone (four modules of white, ISO/IEC 18004): the caller leaves that room around it."""
    symbol = segno.make(url, error=ERROR_CORRECTION, micro=False)
    rows = list(symbol.matrix_iter(border=0))
    module = size / len(rows)
    path = canvas.beginPath()
    for top, row in enumerate(rows):
        for start, length in _runs(row):
            path.rect(start, len(rows) - top - 1, length, 1)
    canvas.saveState()
    canvas.translate(x, y)
    canvas.scale(module, module)
    canvas.drawPath(path, stroke=0, fill=1)
    canvas.restoreState()

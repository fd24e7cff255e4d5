"""The documents' typeface and how text fits a width. DejaVu Sans (documents/fonts, with its licence) is
embedded, subset, in every PDF: it covers Spanish and most of Unicode's alphabets, and a PDF viewer's
standard fonts cover neither. Text wider than its space wraps at spaces, and a word wider than the whole
width is cut, so nothing leaves the page."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONTS = Path(__file__).parent / "fonts"
REGULAR, BOLD = "DejaVuSans", "DejaVuSans-Bold"


@cache
def register_fonts() -> None:
    """Once per process, at the first document: parsing the TrueType files is the costly part."""
    for name in (REGULAR, BOLD):
        pdfmetrics.registerFont(TTFont(name, str(FONTS / f"{name}.ttf")))


def width(text: str, font: str, size: float) -> float:
    # Layout measures text before any canvas exists (a ticket's height, a B's transparency box).
    register_fonts()
    return pdfmetrics.stringWidth(text, font, size)


def _cut(word: str, font: str, size: float, room: float) -> list[str]:
    pieces, piece = [], ""
    for char in word:
        if piece and width(piece + char, font, size) > room:
            pieces.append(piece)
            piece = ""
        piece += char
    return [*pieces, piece]


def _wrap_paragraph(paragraph: str, font: str, size: float, room: float) -> list[str]:
    lines, line = [], ""
    for word in paragraph.split():
        candidate = f"{line} {word}" if line else word
        if width(candidate, font, size) <= room:
            line = candidate
            continue
        if line:
            lines.append(line)
        *whole, line = _cut(word, font, size, room)
        lines += whole
    return [*lines, line]


def wrap(text: str, font: str, size: float, room: float) -> list[str]:
    """`text` in lines no wider than `room` points; the client's own line breaks are kept."""
    return [line for paragraph in text.splitlines() or [""] for line in _wrap_paragraph(paragraph, font, size, room)]

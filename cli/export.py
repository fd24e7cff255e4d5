"""`encola export --since DD/MM/AAAA [--pdv CUIT-PUNTO] [-o FILE]`: every emitted comprobante since that
day as JSON Lines (comprobantes.export; docs/retention.md), to a file or to stdout. cli/operator.py
declares the command and reads its options."""

from __future__ import annotations

import json
import sys

from accounts.points_of_sale import PointOfSale
from comprobantes.export import emitted_since, export_line


def write_export(r, points_of_sale: list[PointOfSale], since: float, output: str | None) -> int:
    """Write the lines, streamed, to `output` (stdout for None or "-"); returns how many."""
    out = sys.stdout if output in (None, "-") else open(output, "w", encoding="utf-8")
    written = 0
    try:
        for pdv in points_of_sale:
            for record in emitted_since(r, pdv.id, since):
                out.write(json.dumps(export_line(record), ensure_ascii=False) + "\n")
                written += 1
    finally:
        if out is not sys.stdout:
            out.close()
    return written

"""The documented request body of every method: complete, valid bodies, one JSON file per path under
example_bodies/ (example_bodies/facturacion/nuevo_encola.json is the README's first request), which the
OpenAPI document offers as each method's example, so Swagger UI's "Try it out" sends them as they are.

A comprobante may not be dated before today, so a file says DD/MM/AAAA where a date goes and
`example_body` puts a day there. TU_APIKEY, TU_APITOKEN and TU_USERTOKEN stand for the reader's own
credentials (and TU_WEBHOOK_URL for the legacy lote's webhook URL): no file can know them.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

BODIES = Path(__file__).parent / "example_bodies"
DATE = "DD/MM/AAAA"


def example_body(path: str, day: date) -> dict:
    """The documented body of the method at `path` (e.g. "facturacion/nuevo_encola"), dated `day`."""
    text = (BODIES / f"{path}.json").read_text(encoding="utf-8")
    return json.loads(text.replace(DATE, day.strftime("%d/%m/%Y")))

"""E6 documents: A4 and 80 mm ticket PDFs rendered per second by one process (one core), and their size,
for a typical 3-line factura A and a 200-line factura B (five A4 pages). Each render starts from the
stored record (documents.document_of, then the renderer), as a request for a comprobante's PDF would;
the fonts are read once per process, at the first document, which is not timed. Pure: no Redis, no stack.

    python -m bench.e6_documents [--seconds S]
"""

from __future__ import annotations

import argparse
import os
import time

from bench.harness import save, table

GOAL_PER_SECOND, GOAL_BYTES = 50, 60_000  # per core, for an A4 PDF (issue 20)


def _rate(render, record, issuer, seconds: float) -> tuple[float, int]:
    """Documents per second over `seconds`, and the bytes of one."""
    from documents import document_of

    size = len(render(document_of(record, issuer)))  # warms the fonts up
    count, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        render(document_of(record, issuer))
        count += 1
    return count / (time.perf_counter() - started), size


def run(seconds: float) -> dict:
    from documents import render_a4, render_ticket
    from tests.support.invoices import ISSUER, factura_200_lineas, factura_a

    figures = {}
    for sample, record in (("factura A, 3 lines", factura_a()), ("factura B, 200 lines", factura_200_lineas())):
        for kind, render in (("A4", render_a4), ("ticket", render_ticket)):
            per_second, size = _rate(render, record, ISSUER, seconds)
            figures[f"{sample}, {kind}"] = {"per_second": round(per_second, 1), "ms_each": round(1000 / per_second, 2),
                                            "bytes": size}
    return {"seconds_each": seconds, "documents": figures}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    # The samples are judged by check_item, which reads the settings; a development machine's will do.
    os.environ.setdefault("ENCOLA_ENV", "development")
    figures = run(args.seconds)
    print(f"E6 documents rendered by one process, {args.seconds:g} s each "
          f"(goal for A4: at least {GOAL_PER_SECOND}/s, under {GOAL_BYTES:,} bytes)")
    rows = [[name, row["per_second"], row["ms_each"], row["bytes"]] for name, row in figures["documents"].items()]
    print(table(["document", "per second", "ms each", "bytes"], rows))
    print(f"\nwritten to {save('e6_documents', figures)}")


if __name__ == "__main__":
    main()

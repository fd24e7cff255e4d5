"""E5 one point of sale's searches against another's queue page: how long a quiet point of sale waits for
`ventas_en_cola` over HTTP (the Procfile's gunicorn line) alone, and while a busy one, holding
comprobantes of one date by the thousand, loops on `consulta_avanzada` by that date with `limite: 1`.

    python -m bench.e5_neighbours [--comprobantes N] [--searchers N] [--listings N]
"""

from __future__ import annotations

import argparse
import threading
import time

import requests

from bench.harness import BenchStack, percentiles, save, submit_in_parallel, table, timed


def _ok(answer: dict) -> None:
    assert answer["error"] == "N", answer


def _loop(url: str, body: dict, stop: threading.Event, durations: list[float]) -> None:
    """One client of its own, sending `body` to `url` until told to stop."""
    with requests.Session() as client:
        while not stop.is_set():
            started = time.perf_counter()
            answer = client.post(url, json=body, timeout=120)
            assert answer.status_code == 200, answer.text
            durations.append(time.perf_counter() - started)


def run(bench: BenchStack, *, comprobantes: int, searchers: int, listings: int) -> dict:
    from datetime import timedelta

    from config import clock
    from tests.support.bodies import ddmmyyyy, item
    from tests.support.web import Web

    stack = bench.stack
    fecha = clock.today_ar() + timedelta(days=10)  # they stay queued: no emission worker runs
    busy, quiet = stack.new_pdv(), stack.new_pdv()
    accepted = submit_in_parallel([(busy.credentials, [item(f"e5-{p}-{n}", fecha, pto_vta=busy.pdv.pto_vta)
                                                        for n in range(p, comprobantes, 4)]) for p in range(4)])
    assert accepted == comprobantes, f"only {accepted} of {comprobantes} accepted"
    submit_in_parallel([(quiet.credentials, [item(f"e5-quiet-{n}", fecha, pto_vta=quiet.pdv.pto_vta)
                                             for n in range(20)])])
    # The rate limit off: this measures the work of a request, not the budget that paces a client.
    web = Web("web-e5", stack.env, stack.base_dir, ENCOLA_HTTP_RATE_LIMIT="0")
    listing = {**quiet.credentials, "limite": 20}
    search = {**busy.credentials, "busqueda_tipo": "F", "limite": 1, "comprobante": {"fecha": ddmmyyyy(fecha)}}
    try:
        alone = timed(web, "facturacion/ventas_en_cola", [listing] * listings, _ok)
        one_search = timed(web, "facturacion/consulta_avanzada", [search] * 5, _ok)
        stop, searches = threading.Event(), []
        threads = [threading.Thread(target=_loop, args=(f"{web.base_url}/api/v2/facturacion/consulta_avanzada",
                                                         search, stop, searches)) for _ in range(searchers)]
        for thread in threads:
            thread.start()
        time.sleep(1.0)
        beside = timed(web, "facturacion/ventas_en_cola", [listing] * listings, _ok)
        stop.set()
        for thread in threads:
            thread.join()
    finally:
        web.stop()
    return {"comprobantes_of_one_date": accepted, "searchers": searchers,
            "consulta_avanzada_alone": percentiles(one_search), "consulta_avanzada_looping": percentiles(searches),
            "ventas_en_cola_alone": percentiles(alone), "ventas_en_cola_beside_searches": percentiles(beside)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comprobantes", type=int, default=20000)
    parser.add_argument("--searchers", type=int, default=4)
    parser.add_argument("--listings", type=int, default=30)
    args = parser.parse_args()
    bench = BenchStack(beat=False)
    try:
        bench.hold_waiting(args.comprobantes)  # all of them the busy point of sale's
        figures = run(bench, comprobantes=args.comprobantes, searchers=args.searchers, listings=args.listings)
    finally:
        bench.close()
    print(f"E5 a quiet point of sale's ventas_en_cola beside {figures['searchers']} loops of another's "
          f"consulta_avanzada (F, limite 1) over {figures['comprobantes_of_one_date']:,} comprobantes of one date")
    rows = [[name, figures[key]["requests"], figures[key]["p50_ms"], figures[key]["p99_ms"], figures[key]["max_ms"]]
            for name, key in (("consulta_avanzada, alone", "consulta_avanzada_alone"),
                              ("consulta_avanzada, looping", "consulta_avanzada_looping"),
                              ("ventas_en_cola, alone", "ventas_en_cola_alone"),
                              ("ventas_en_cola, beside the loops", "ventas_en_cola_beside_searches"))]
    print(table(["request", "requests", "p50 ms", "p99 ms", "max ms"], rows))
    print(f"\nwritten to {save('e5_neighbours', figures)}")


if __name__ == "__main__":
    main()

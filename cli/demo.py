"""`encola demo`: the whole stack against the AFIP simulator, end to end, then everything stopped.

Starts a private Redis when ENCOLA_REDIS_URL is not set, the Procfile's processes through honcho, and
a webhook receiver; submits three comprobantes like the example of TusFacturas' legacy lotes page
(docs/tusfacturas.md), dated today; prints each outcome and every webhook received; exits 0 only if all
three were emitted and notified.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import requests

from accounts.points_of_sale import list_points_of_sale
from devtools.development import create_development_pdv, development_certificate
from devtools.local_redis import LocalRedis, free_port
from devtools.webhook_receiver import WebhookReceiver
from comprobantes.document_links import DocumentLinks
from comprobantes.lifecycle import State
from comprobantes.store import Store
from config import clock
from config.celery_app import app
from config.redis_client import get_redis
from producers import enqueue

REPO = Path(__file__).resolve().parents[1]
HOOK_PATH = "/hooks/encola"
STARTUP_TIMEOUT = 60.0
RESULT_TIMEOUT = 60.0
LOOPBACK_NETWORKS = "127.0.0.0/8,::1/128"


def demo_items(today_ddmmyyyy: str, count: int = 3) -> list[dict]:
    """Items like the example of TusFacturas' legacy lotes page: FACTURA B, one line of 114.88 + 21 % IVA = 139.00."""
    items = []
    for n in range(1, count + 1):
        items.append({
            "cliente": {
                "documento_tipo": "DNI", "documento_nro": str(20000000 + n), "razon_social": f"Cliente Demo {n}",
                "condicion_iva": "CF", "domicilio": "Av Sta Fe 23132", "provincia": "2",
                "email": "demo@example.com", "envia_por_mail": "N", "condicion_pago": "201",
            },
            "comprobante": {
                "fecha": today_ddmmyyyy, "vencimiento": today_ddmmyyyy, "tipo": "FACTURA B", "operacion": "V",
                "idioma": "1", "punto_venta": 0, "numero": 0, "moneda": "PES", "cotizacion": Decimal("1"),
                "rubro": "Servicios web", "rubro_grupo_contable": "Servicios", "external_reference": f"demo-{n}",
                "detalle": [{
                    "cantidad": Decimal("1"), "afecta_stock": "N",
                    "producto": {
                        "descripcion": "Hosting pagina web", "codigo": "37", "lista_precios": "standard",
                        "leyenda": "", "unidad_bulto": 1, "alicuota": Decimal("21"),
                        "precio_unitario_sin_iva": Decimal("114.88"),
                    },
                }],
                "bonificacion": Decimal("0"), "percepciones_iibb": Decimal("0"), "percepciones_iva": Decimal("0"),
                "impuestos_internos": Decimal("0"), "total": Decimal("139.00"),
            },
        })
    return items


def submitted_line(ref: str, answer: dict) -> str:
    """What the demo prints of one submission. A queued comprobante's answer carries comprobante_nro
    00001-00000000, which reads as "number zero": its number is AFIP's, assigned at emission."""
    if answer["error"] == "N":
        return f"  {ref}: accepted and queued (its number is assigned at emission)"
    return f"  {ref}: refused: {answer['errores']}"


class Demo:
    def __init__(self, keep_running: bool = False):
        self.keep_running = keep_running
        self.data_dir = REPO / ".encola" / "demo"
        self.redis: LocalRedis | None = None
        self.honcho: subprocess.Popen | None = None
        self.receiver: WebhookReceiver | None = None

    def run(self) -> int:
        # Without handlers SIGTERM and SIGHUP (a closed terminal) would end this process at once and leave
        # honcho, in a session of its own, and every process it runs without a parent; raising instead
        # runs `stop` like Ctrl-C's KeyboardInterrupt does.
        for signum in (signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, _raise_stopped)
        # Python leaves SIGINT ignored when it starts with it ignored, as a background job of a script
        # does (POSIX: without job control, `&` ignores SIGINT); Ctrl-C must stop the demo all the same.
        signal.signal(signal.SIGINT, signal.default_int_handler)
        try:
            return self._run()
        except Stopped as stopped:
            return 128 + stopped.signum
        finally:
            self.stop()

    def _run(self) -> int:
        shutil.rmtree(self.data_dir, ignore_errors=True)
        self.data_dir.mkdir(parents=True)
        redis_url = os.environ.get("ENCOLA_REDIS_URL")
        if redis_url:
            print(f"Redis: {redis_url} (ENCOLA_REDIS_URL)")
        else:
            self.redis = LocalRedis(str(self.data_dir / "redis"))
            redis_url = self.redis.start()
            print(f"Redis: private redis-server at {redis_url}, AOF on, data in {self.data_dir / 'redis'}")
        sim_port, sim_admin, web_port, flower_port = (free_port() for _ in range(4))
        env = {
            "ENCOLA_REDIS_URL": redis_url, "ENCOLA_ENV": "development", "ENCOLA_AFIP": "simulador",
            "ENCOLA_AFIP_SIM_PORT": str(sim_port), "ENCOLA_AFIP_SIM_ADMIN_PORT": str(sim_admin),
            "ENCOLA_DATA_DIR": str(self.data_dir), "PORT": str(web_port), "FLOWER_PORT": str(flower_port),
            # honcho numbers each process's PORT from web's, so the workers, which sign the hooks' links to
            # the invoices' PDFs, learn web's address from here.
            "ENCOLA_PUBLIC_URL": f"http://127.0.0.1:{web_port}",
            # The demo's webhook receiver listens on loopback, which only the operator's allowlist opens.
            "ENCOLA_WEBHOOK_PRIVATE_NETWORKS": LOOPBACK_NETWORKS,
            # The Procfile's commands (celery, gunicorn, encola) live beside this interpreter.
            "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""),
        }
        # This process reads the settings from its environment on first use, and honcho's children inherit it.
        os.environ.update(env)
        cert = development_certificate(str(self.data_dir / "certs"))
        self.receiver = WebhookReceiver().start()
        r = get_redis()
        pdv, credentials = create_development_pdv(
            r, cert=cert, webhook_url=self.receiver.base_url + HOOK_PATH, pto_vta=_free_pto_vta(r),
        )
        print(f"Point of sale: CUIT {pdv.cuit}, punto de venta {pdv.pto_vta}, webhook {pdv.webhook_url}")
        log_path = self.data_dir / "processes.log"
        self._start_processes(log_path)
        print(f"Processes: web :{web_port}, emision, webhooks, beat, flower :{flower_port}, afip :{sim_port} "
              f"(their output: {log_path})")
        self._wait_ready(sim_port, web_port)

        today = clock.today_ar().strftime("%d/%m/%Y")
        print(f"\nSubmitting 3 comprobantes (FACTURA B, fecha {today}) with producers.enqueue:")
        refs = []
        for item in demo_items(today):
            item["comprobante"]["punto_venta"] = pdv.pto_vta
            answer = enqueue({**credentials, **item})
            ref = item["comprobante"]["external_reference"]
            refs.append(ref)
            print(submitted_line(ref, answer))
        code = self._report(r, pdv, refs)
        if code == 0 and self.keep_running:
            self._stay_up(env, pdv, credentials, web_port, flower_port)
        return code

    def _stay_up(self, env: dict, pdv, credentials: dict, web_port: int, flower_port: int) -> None:
        """Leave the stack running for a newcomer to try (README, "A first tour"), until Ctrl-C, SIGTERM
        or SIGHUP."""
        today = clock.today_ar()
        sample = self.data_dir / "mil.jsonl"
        write_sample(sample, today, pdv.pto_vta)
        env_file = self.data_dir / "env"
        env_file.write_text("".join(f"export {name}={value}\n" for name, value in env.items() if name != "PATH"))
        web = f"http://127.0.0.1:{web_port}"
        print(f"""
The stack keeps running; Ctrl-C (or SIGTERM, or closing the terminal) stops everything it started.
  API       {web}/api/v2/facturacion/nuevo_encola (and every other method; docs at {web}/docs)
  page      {web}/ventas-en-cola (ventas en cola: sign in with the credentials below)
  metrics   {web}/metrics
  Flower    http://127.0.0.1:{flower_port}
  point of sale {pdv.id}, credentials {json.dumps(credentials)}
In another terminal, from this folder:
  source {env_file.relative_to(REPO)}
  .venv/bin/encola submit {sample.relative_to(REPO)} --pdv {pdv.id}
  .venv/bin/encola queue --pdv {pdv.id} --state error
  .venv/bin/encola show mil-ayer --pdv {pdv.id}
  .venv/bin/encola change-date mil-ayer {today:%d/%m/%Y} --pdv {pdv.id}
  .venv/bin/encola pdf mil-ayer --pdv {pdv.id}
  .venv/bin/encola status""")
        while self.honcho.poll() is None:
            time.sleep(1)

    def _start_processes(self, log_path: Path) -> None:
        honcho = os.path.join(os.path.dirname(sys.executable), "honcho")
        log = open(log_path, "wb")
        self.honcho = subprocess.Popen(
            [honcho, "start", "-f", str(REPO / "Procfile"), "-d", str(REPO)],
            stdout=log, stderr=subprocess.STDOUT, env=os.environ.copy(), start_new_session=True,
        )

    def _wait_ready(self, sim_port: int, web_port: int) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        pending = {"afip": f"http://127.0.0.1:{sim_port}/wsfev1/service.asmx?WSDL",
                   "web": f"http://127.0.0.1:{web_port}/health"}
        workers_up = False
        while pending or not workers_up:
            if time.monotonic() > deadline or self.honcho.poll() is not None:
                raise SystemExit(f"the processes did not come up; see {self.data_dir / 'processes.log'}")
            for name, url in list(pending.items()):
                try:
                    if requests.get(url, timeout=1).ok:
                        del pending[name]
                except requests.RequestException:
                    pass
            if not workers_up:
                names = [name for reply in app.control.ping(timeout=1.0) for name in reply]
                workers_up = any(n.startswith("emision@") for n in names) and any(n.startswith("webhooks@") for n in names)
            time.sleep(0.2)

    def _report(self, r, pdv, refs: list[str]) -> int:
        store = Store(r)
        deadline = time.monotonic() + RESULT_TIMEOUT
        while time.monotonic() < deadline:
            records = [rec for ref in refs for rec in store.by_reference(pdv.id, ref)]
            done = all(rec.state in (State.EMITIDO, State.ERROR) for rec in records) and len(records) == len(refs)
            if done and len(self.receiver.received(HOOK_PATH)) >= 2 * len(refs):
                break
            time.sleep(0.2)
        print("\nOutcomes:")
        ok = True
        links = DocumentLinks(r)
        for ref in refs:
            for rec in store.by_reference(pdv.id, ref):
                if rec.state == State.EMITIDO:
                    vto = f"{rec.cae_vto[6:8]}/{rec.cae_vto[4:6]}/{rec.cae_vto[:4]}"
                    print(f"  {ref}: emitido  {rec.tipo} {rec.pto_vta:05d}-{rec.numero:08d}  CAE {rec.cae}  vto {vto}")
                    ok = self._print_documents(links.for_record(rec)) and ok
                else:
                    ok = False
                    print(f"  {ref}: {rec.state}  {' | '.join(rec.last_error)}")
        hooks = self.receiver.received(HOOK_PATH)
        print(f"\nWebhooks received ({len(hooks)}):")
        for delivery in hooks:
            payload = delivery.json()
            extra = f"  comprobante_nro {payload['comprobante_nro']}  cae {payload['cae']}" if payload["evento"] == "emitido" else ""
            print(f"  {payload['creado']}  {payload['external_reference']:<8} {payload['evento']:<9} "
                  f"hook_id {payload['hook_id']}{extra}")
        ok = ok and len(hooks) == 2 * len(refs)
        print("\nDemo " + ("finished: 3 comprobantes emitted, 6 webhooks received." if ok else "FAILED."))
        return 0 if ok else 1

    @staticmethod
    def _print_documents(links: dict[str, str]) -> bool:
        """Print the links to a comprobante's PDF and ticket, each opened once to show that it does."""
        opened = True
        for label, field in (("PDF", "comprobante_pdf_url"), ("ticket", "comprobante_ticket_url")):
            answer = requests.get(links[field], timeout=30)
            works = answer.ok and answer.headers.get("Content-Type") == "application/pdf"
            opened = opened and works
            print(f"    {label:<7} {links[field]}  ({f'{len(answer.content):,} bytes' if works else answer.status_code})")
        return opened

    def stop(self) -> None:
        # A second signal (Ctrl-C pressed again, SIGHUP after SIGTERM) must not cut the clean-up short;
        # it is bounded by honcho's wait below.
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, signal.SIG_IGN)
        if self.honcho is not None and self.honcho.poll() is None:
            os.killpg(self.honcho.pid, signal.SIGTERM)
            try:
                self.honcho.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.honcho.pid, signal.SIGKILL)
                self.honcho.wait()
        if self.receiver is not None:
            self.receiver.stop()
        if self.redis is not None:
            self.redis.stop()


class Stopped(BaseException):
    """The demo was asked to stop by a signal other than Ctrl-C's. A BaseException, like Ctrl-C's
    KeyboardInterrupt, so that no library's `except Exception` swallows it half-way through start-up."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def _raise_stopped(signum, frame) -> None:
    raise Stopped(signum)


def write_sample(path: Path, today, pto_vta: int, count: int = 1000) -> None:
    """A thousand comprobantes for today, one of them (`mil-ayer`) dated yesterday: the lane has already
    emitted today's demo comprobantes, so that one fails with the date guard's message until its date
    is changed."""
    with open(path, "w", encoding="utf-8") as f:
        for n, item in enumerate(demo_items(today.strftime("%d/%m/%Y"), count)):
            item["comprobante"]["punto_venta"] = pto_vta
            item["comprobante"]["external_reference"] = f"mil-{n:04d}"
            if n == count // 2:
                yesterday = (today - timedelta(days=1)).strftime("%d/%m/%Y")
                item["comprobante"].update(external_reference="mil-ayer", fecha=yesterday, vencimiento=yesterday)
            f.write(json.dumps(item, default=str) + "\n")


def _free_pto_vta(r) -> int:
    used = {p.pto_vta for p in list_points_of_sale(r)}
    return next(n for n in range(1, 99999) if n not in used)


def main(keep_running: bool = False) -> int:
    return Demo(keep_running).run()

"""The operator's commands of `encola`: submit files, look at a comprobante and its hooks, act on them,
and see the whole system's status.

They name a point of sale with `--pdv CUIT-PUNTO` (e.g. 20111111112-00001) instead of sending its
tokens, and run the same Python API the HTTP layer runs. `--json` prints one JSON document for
scripts. Exit codes: 0 done, 1 refused (not found, invalid, partly failed), 2 usage or configuration.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from decimal import Decimal
from itertools import islice

from tqdm import tqdm

import producers
from accounts.points_of_sale import UnknownPointOfSale, get_point_of_sale, list_points_of_sale, pdv_id
from cli import mails as mail_commands
from cli.export import write_export
from comprobantes import dates, layout
from comprobantes import migration as store_migration
from comprobantes.codes import TIPOS
from comprobantes.lifecycle import State
from comprobantes.store import Store
from comprobantes.views import status_text
from config import clock
from config.celery_app import EMISION_QUEUE, WEBHOOKS_QUEUE
from config.redis_client import get_redis
from config.settings import get_settings
from monitoring.operator_status import operator_status
from monitoring.system_status import SystemStatus
from producers import documents
from producers.queue_listing import IN_QUEUE, queue_page
from producers.submission import Submission, pdv_refusal
from webhook_dispatch import migration as hook_migration, operations
from webhook_dispatch.hook_log import hooks_for_reference

EXIT_OK, EXIT_REFUSED, EXIT_USAGE = 0, 1, 2
CHUNK = 100


class UsageError(Exception):
    """A mistake in the command line or the input file: printed, exit code 2."""


def _print(args, payload, human: str) -> None:
    print(json.dumps(payload, ensure_ascii=False, indent=2, default=str) if args.json else human)


def _pdv(args):
    cuit, _, punto = args.pdv.partition("-")
    if not (cuit.isdigit() and punto.isdigit()):
        raise UsageError(f"--pdv must be CUIT-PUNTO, e.g. 20111111112-00001 (got {args.pdv!r})")
    r = get_redis()
    try:
        return r, get_point_of_sale(r, pdv_id(int(cuit), int(punto)))
    except UnknownPointOfSale:
        raise UsageError(f"there is no point of sale {args.pdv}; `encola pdv list` shows them") from None


# submit

def read_items(path: str):
    """The {cliente, comprobante} items of a JSON file (one body, a list, or a lotes body with
    `requests`) or of a JSON Lines file, streamed line by line."""
    try:
        with open(path, encoding="utf-8") as f:
            document = _one_json_document(f)
            documents = [document] if document is not None else _json_lines(f, path)
            for doc in documents:
                yield from _items_of(doc)
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise UsageError(f"{path} is not UTF-8 text") from None


def _items_of(doc):
    if isinstance(doc, dict) and isinstance(doc.get("requests"), list):
        return doc["requests"]
    return doc if isinstance(doc, list) else [doc]


def _one_json_document(f):
    """The file as one JSON document (a list is read whole), or None (and the file rewound) when its
    first 64 KiB are not one: then it is JSON Lines."""
    head = f.read(1 << 16)
    f.seek(0)
    try:
        if head.lstrip().startswith("["):
            return json.load(f, parse_float=Decimal)
        return json.loads(head, parse_float=Decimal)
    except json.JSONDecodeError:
        f.seek(0)
        return None


def _json_lines(f, path: str):
    for number, line in enumerate(f, start=1):
        if not line.strip():
            continue
        try:
            yield json.loads(line, parse_float=Decimal)
        except json.JSONDecodeError as exc:
            raise UsageError(f"{path}, line {number}: not JSON ({exc.msg})") from None


def submit(args) -> int:
    r, pdv = _pdv(args)
    refusal = pdv_refusal(pdv)
    if refusal is not None:
        raise UsageError(refusal.text)
    accepted, refused, reasons = 0, [], Counter()
    items = iter(read_items(args.file))
    with tqdm(desc="submitting", unit=" comprobantes", file=sys.stderr, disable=args.json or args.quiet) as bar:
        index = 0
        while chunk := list(islice(items, CHUNK)):
            submission = Submission(r, pdv)
            outcomes = []
            for item in chunk:
                if isinstance(item, dict):
                    item = {k: v for k, v in item.items() if k in ("cliente", "comprobante")}
                outcomes.append(submission.submit(item))
            submission.finish()
            for outcome in outcomes:
                if outcome.problems:
                    refused.append({"index": index, "external_reference": outcome.reference,
                                    "errores": [p.text for p in outcome.problems]})
                    reasons.update(f"{p.code} {p.text}" for p in outcome.problems)
                else:
                    accepted += 1
                index += 1
            bar.update(len(chunk))
    payload = {"accepted": accepted, "refused": len(refused),
               "reasons": [{"reason": reason, "count": n} for reason, n in reasons.most_common()],
               "refused_items": refused}
    lines = [f"accepted {accepted}, refused {len(refused)}"]
    lines += [f"  {n:>6}  {reason}" for reason, n in reasons.most_common()]
    lines += [f"  item {item['index']} ({item['external_reference'] or 'sin external_reference'}): "
              f"{' | '.join(item['errores'])}" for item in refused[:20]]
    if len(refused) > 20:
        lines.append(f"  … and {len(refused) - 20} more (--json lists every one)")
    _print(args, payload, "\n".join(lines))
    return EXIT_OK if not refused else EXIT_REFUSED


# queue, show, hooks

def queue(args) -> int:
    r, pdv = _pdv(args)
    if not (0 <= args.limit <= 1000 and args.page >= 0):
        raise UsageError("--limit goes from 0 to 1000 (0: 1000) and --page from 0")
    cbte_tipo = None
    if args.tipo:
        tipo = TIPOS.get(args.tipo.strip().upper())
        if tipo is None:
            raise UsageError(f"unknown tipo {args.tipo!r}; e.g. 'FACTURA B'")
        cbte_tipo = tipo.cbte_tipo
    total, records = queue_page(r, pdv.id, states=[args.state] if args.state else IN_QUEUE,
                                desde=_day(args.desde, "--from"), hasta=_day(args.hasta, "--to"),
                                cbte_tipo=cbte_tipo, pagina=args.page, limite=args.limit)
    rows = [{"external_reference": rec.external_reference, "state": rec.state, "tipo": rec.tipo,
             "fecha": rec.fecha.isoformat(), "lane": rec.lane, "attempts": rec.attempts, "total": rec.total,
             "last_error": rec.last_error} for rec in records]
    lines = [f"{total} comprobantes not emitted yet" + (f" (showing {len(rows)})" if len(rows) < total else "")]
    lines += [f"  {row['external_reference']:<24} {row['state']:<10} {rec.fecha:%d/%m/%Y}  {row['tipo']:<18} "
              f"attempts {row['attempts']:<3} {(row['last_error'] or [''])[0][:80]}" for row, rec in zip(rows, records)]
    _print(args, {"total": total, "comprobantes": rows}, "\n".join(lines))
    return EXIT_OK


def _day(text: str | None, option: str):
    if not text:
        return None
    day = dates.parse(text)
    if day is None:
        raise UsageError(f"{option} takes a date as dd/mm/aaaa")
    return day


def show(args) -> int:
    r, pdv = _pdv(args)
    store = Store(r)
    records = store.by_reference(pdv.id, args.reference)
    if not records:
        _print(args, {"comprobantes": []}, f"no comprobante with external_reference {args.reference!r}")
        return EXIT_REFUSED
    payload, lines = [], []
    for rec in records:
        audit = store.audit(rec.id)
        payload.append({"id": rec.id, "external_reference": rec.external_reference, "state": rec.state,
                        "status": status_text(rec), "tipo": rec.tipo, "fecha": rec.fecha.isoformat(),
                        "lane": rec.lane, "attempts": rec.attempts, "numero": rec.numero, "cae": rec.cae,
                        "cae_vto": rec.cae_vto, "total": rec.total, "last_error": rec.last_error, "audit": audit})
        lines += [f"{rec.external_reference}  {rec.tipo}  fecha {rec.fecha:%d/%m/%Y}  total {rec.total}",
                  f"  state {rec.state} ({status_text(rec)}), attempts {rec.attempts}, lane {rec.lane}"]
        if rec.state == State.EMITIDO:
            lines.append(f"  {rec.pto_vta:05d}-{rec.numero:08d}  CAE {rec.cae}  vto {rec.cae_vto}")
        lines += [f"  error: {message}" for message in rec.last_error]
        lines.append("  history (Argentina time):")
        lines += [f"    {clock.wall_clock_ar(entry.get('at'))}  {entry.get('estado', ''):<10} {_why(entry)}".rstrip()
                  for entry in audit]
    _print(args, {"comprobantes": payload}, "\n".join(lines))
    return EXIT_OK


def _why(entry: dict) -> str:
    """One line of what an audit entry says happened."""
    if entry.get("numero"):
        return f"número {entry['numero']}, CAE {entry.get('cae', '')}" + (" (conciliado)" if entry.get("reconciliado") else "")
    reason = entry.get("motivo") or entry.get("evento") or " | ".join(entry.get("errores", []))
    if entry.get("lote"):
        reason = f"lote {entry['lote']}" + (f", {reason}" if reason else "")
    return reason[:160]


def hooks(args) -> int:
    r, pdv = _pdv(args)
    entries = hooks_for_reference(r, pdv.id, args.reference)
    lines = [f"{len(entries)} hooks for {args.reference!r} (created: Argentina time)"]
    for entry in entries:
        last = entry.attempts[-1] if entry.attempts else {}
        lines.append(f"  {entry.hook_id}  {entry.evento:<12} {entry.state:<10} attempts {len(entry.attempts)}"
                     f"  last {last.get('status') or last.get('error') or '-'}"
                     f"  created {clock.wall_clock_ar(entry.created)}")
    _print(args, {"hooks": [e.to_dict() for e in entries]}, "\n".join(lines))
    return EXIT_OK if entries else EXIT_REFUSED


def pdf(args) -> int:
    r, pdv = _pdv(args)
    rendered = documents.by_reference(r, pdv, args.reference, "ticket.pdf" if args.ticket else "factura.pdf")
    if rendered is None:
        _print(args, {"written": None}, f"no emitted comprobante with external_reference {args.reference!r}")
        return EXIT_REFUSED
    output = args.output or rendered.filename
    try:
        with open(output, "wb") as f:
            f.write(rendered.content)
    except OSError as exc:
        raise UsageError(f"cannot write {output}: {exc.strerror}") from None
    _print(args, {"written": output, "bytes": len(rendered.content)}, f"{output}: {len(rendered.content):,} bytes")
    return EXIT_OK


def export(args) -> int:
    since = clock.start_of_day_ar(_day(args.since, "--since"))
    if args.pdv:
        r, pdv = _pdv(args)
        pdvs = [pdv]
    else:
        r = get_redis()
        pdvs = list_points_of_sale(r)
    try:
        written = write_export(r, pdvs, since, args.output)
    except OSError as exc:
        raise UsageError(f"cannot write {args.output}: {exc.strerror}") from None
    # The lines may be going to stdout: the count goes to stderr.
    print(json.dumps({"exported": written}) if args.json else f"{written:,} emitted comprobantes exported",
          file=sys.stderr)
    return EXIT_OK


def redeliver(args) -> int:
    r, pdv = _pdv(args)
    if args.hook_id:
        ok = operations.redeliver(r, pdv.id, args.hook_id)
        _print(args, {"redelivered": [args.hook_id] if ok else []},
               f"hook {args.hook_id} sent again" if ok else f"no hook {args.hook_id} for this point of sale")
        return EXIT_OK if ok else EXIT_REFUSED
    if not args.failed_since:
        raise UsageError("give a HOOK_ID, or --failed-since dd/mm/aaaa to send every failed hook again")
    ids = operations.redeliver_failed(r, pdv.id, clock.start_of_day_ar(_day(args.failed_since, "--failed-since")))
    _print(args, {"redelivered": ids}, f"{len(ids)} failed hooks sent again")
    return EXIT_OK


def mails(args) -> int:
    r, pdv = _pdv(args)
    payload, human, found = mail_commands.mails(r, pdv, args.reference, resend=args.resend)
    _print(args, payload, human)
    return EXIT_OK if found else EXIT_REFUSED


# Queue operations: the same functions as the HTTP API, on behalf of an operator

def _operation(name: str, body_of):
    def command(args) -> int:
        r, pdv = _pdv(args)
        answer = getattr(producers, name).as_operator(r, pdv, body_of(args))
        human = "done" if answer["error"] == "N" else "\n".join(answer.get("errores", []))
        if answer.get("procesados"):
            human = "\n".join(answer["procesados"] + answer.get("errores", []))
        _print(args, answer, human)
        return EXIT_OK if answer["error"] == "N" else EXIT_REFUSED

    return command


reprocess = _operation("reenviar_encolado", lambda a: {"external_reference": a.reference})
delete = _operation("eliminar_encolado", lambda a: {"external_reference": a.reference, "fecha": a.fecha})
change_date = _operation("cambiar_fecha_encolado",
                         lambda a: {"external_reference": a.reference, "fecha": a.date, "vencimiento": a.vencimiento})


# status

def status(args) -> int:
    now = operator_status(get_redis())
    payload = _status_payload(now, get_settings())
    _print(args, payload, "\n".join(_status_lines(now, payload)))
    return EXIT_OK if now.healthy else EXIT_REFUSED


def _status_payload(now: SystemStatus, settings) -> dict:
    seen, gate, memory, connection = now.liveness, now.durability, now.memory, now.connection
    return {
        "time": clock.wall_clock_ar(now.at),
        "workers": now.workers,
        "broker": now.broker,
        "comprobantes": dict(now.per_state),
        "emitted": now.emitted,
        "lanes": {lane: {"due": due, "oldest_due_since": clock.wall_clock_ar(first) if due else None}
                  for lane, (due, first) in now.lanes.items()},
        "webhooks_pending": now.webhooks_pending,
        "afip": now.afip,
        "liveness": {
            "moving": seen.moving,
            "beat_leader": seen.leader,
            "sweep_age_seconds": {name: round(age, 1) for name, age in seen.sweep_ages.items()},
            "stalled_lanes": {lane: clock.wall_clock_ar(due) for lane, due in seen.stalled_lanes.items()},
            "unscheduled_lanes": seen.unscheduled_lanes,
            "webhooks_overdue": seen.webhooks_overdue,
            "oldest_overdue_webhook_since": clock.wall_clock_ar(seen.oldest_overdue_hook)
            if seen.oldest_overdue_hook else None,
        },
        "redis_durability": {"durable": gate.verdict.durable, "reasons": list(gate.verdict.reasons),
                             "version": gate.verdict.version, "settings": gate.verdict.settings,
                             "waitaof": gate.verdict.waitaof, "emission_refused": gate.refuses,
                             "policy": gate.policy, "summary": gate.summary()},
        "redis_memory": {"used_bytes": memory.used, "maxmemory_bytes": memory.maxmemory,
                         "percent": None if memory.percent is None else round(memory.percent, 1),
                         "alert": now.memory_alert},
        "redis_connection": {"tls": connection.tls is not None, "password": connection.password,
                             "sentinel": connection.sentinel, "unprotected": connection.unprotected,
                             "warning": connection.unprotected and not settings.development},
    }


def _status_lines(now: SystemStatus, payload: dict) -> list[str]:
    lanes = payload["lanes"]
    lines = [f"encola status at {payload['time']} (Argentina time)",
             "workers: " + (", ".join(f"{node} ({','.join(queues)})" for node, queues in now.workers.items())
                            or "none answering"),
             f"broker queues: {EMISION_QUEUE} {now.broker[EMISION_QUEUE]}, "
             f"{WEBHOOKS_QUEUE} {now.broker[WEBHOOKS_QUEUE]}",
             "comprobantes: " + (", ".join(f"{k} {v}" for k, v in sorted(now.per_state.items())) or "none queued"),
             f"emitted: {now.emitted['total']}, {now.emitted['today']} of them today",
             f"lanes with work: {len(lanes)}"]
    lines += [f"  {lane}  due {info['due']}" + (f" since {info['oldest_due_since']}" if info["due"] else "")
              for lane, info in sorted(lanes.items())]
    lines += [f"webhooks pending: {now.webhooks_pending}", f"AFIP: {now.afip['summary']}"]
    lines += _liveness_lines(now.liveness, clock.wall_clock_ar)
    lines.append(f"Redis: {now.durability.summary()}")
    alert = f"\n  ALERT: {now.memory_alert}" if now.memory_alert else ""
    lines.append(f"Redis memory: {now.memory.summary()}{alert}")
    warning = " (WARNING: neither a password nor TLS protects it)" if payload["redis_connection"]["warning"] else ""
    lines.append(f"Redis connection: {now.connection.describe()}{warning}")
    return lines


def _liveness_lines(seen, wall_clock) -> list[str]:
    lines = [f"beat: leader {seen.leader}" if seen.leader else "beat: no beat leads (none holds the schedule's lock)",
             "sweeps: " + (", ".join(f"{name} {age:.1f} s ago" for name, age in seen.sweep_ages.items())
                           or "none has recorded a run")]
    if seen.moving:
        return lines + ["due work: moving"]
    lines.append(f"due work NOT moving: {seen.lanes_stalled} lanes, {seen.webhooks_overdue} webhooks")
    lines += [f"  lane {lane} due since {wall_clock(due)}, published by no sweep and held by no emitter"
              for lane, due in sorted(seen.stalled_lanes.items())]
    lines += [f"  lane {lane} holds queued comprobantes but is missing from the due set"
              for lane in seen.unscheduled_lanes]
    if seen.webhooks_overdue:
        lines.append(f"  {seen.webhooks_overdue} webhooks overdue, the oldest since "
                     f"{wall_clock(seen.oldest_overdue_hook)}")
    return lines


def migrate(args) -> int:
    r = get_redis()
    counts = {**store_migration.migrate(r), **hook_migration.migrate(r)}
    layout.mark_current(r)
    _print(args, counts, "migrated: " + ", ".join(f"{count:,} {name.replace('_', ' ')}" for name, count in counts.items()))
    return EXIT_OK


def add_operator_commands(commands) -> None:
    def command(name: str, handler, help_text: str, *, pdv: bool = True):
        parser = commands.add_parser(name, help=help_text)
        if pdv:
            parser.add_argument("--pdv", required=True, help="the point of sale, CUIT-PUNTO (e.g. 20111111112-00001)")
        parser.add_argument("--json", action="store_true", help="print JSON for scripts")
        parser.set_defaults(handler=handler)
        return parser

    p = command("submit", submit, "submit comprobantes from a JSON or JSON Lines file")
    p.add_argument("file")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p = command("queue", queue, "the comprobantes not emitted yet (ventas en cola), in the order they go out")
    p.add_argument("--state", choices=[str(state) for state in IN_QUEUE])
    p.add_argument("--tipo", help="one lane of the point of sale, e.g. 'FACTURA B'")
    p.add_argument("--from", dest="desde", help="fecha from, dd/mm/aaaa")
    p.add_argument("--to", dest="hasta", help="fecha up to, dd/mm/aaaa")
    p.add_argument("--limit", type=int, default=100)
    p.add_argument("--page", type=int, default=0)
    command("show", show, "a comprobante's state, AFIP data and history").add_argument("reference")
    command("hooks", hooks, "the webhooks sent about a comprobante").add_argument("reference")
    p = command("mails", mails, "a comprobante's e-mail, its state and attempts")
    p.add_argument("reference")
    p.add_argument("--resend", action="store_true", help="send it again now (one attempt)")
    p = command("pdf", pdf, "write an emitted comprobante's PDF: A4, or the 80 mm ticket")
    p.add_argument("reference")
    p.add_argument("--ticket", action="store_true", help="the 80 mm ticket instead of the A4 page")
    p.add_argument("-o", "--output", help="the file to write (default: its own name, e.g. "
                                          "FACTURA_B_00001-00000012.pdf)")
    p = command("export", export, "every emitted comprobante since a day, as JSON Lines (CAE, number, QR)",
                pdv=False)
    p.add_argument("--since", required=True, help="dd/mm/aaaa: emitted on that day or later")
    p.add_argument("--pdv", help="only this point of sale, CUIT-PUNTO (default: every one)")
    p.add_argument("-o", "--output", help="the file to write (default: standard output)")
    p = command("redeliver", redeliver, "send a hook again, or every failed hook since a date")
    p.add_argument("hook_id", nargs="?")
    p.add_argument("--failed-since", help="dd/mm/aaaa")
    command("reprocess", reprocess, "send a comprobante in error back to the queue").add_argument("reference")
    p = command("delete", delete, "delete a queued or failed comprobante")
    p.add_argument("reference")
    p.add_argument("--fecha", help="only the one with this fecha (dd/mm/aaaa)")
    p = command("change-date", change_date, "change a queued comprobante's fecha (and vencimiento)")
    p.add_argument("reference")
    p.add_argument("date", help="dd/mm/aaaa")
    p.add_argument("--vencimiento", help="dd/mm/aaaa")
    command("status", status, "processes, queue depths, lanes and AFIP's health", pdv=False)
    command("migrate", migrate, "convert a store written by an earlier version, in place; run it with every "
                                "encola process stopped (docs/operating.md, \"Upgrading\")", pdv=False)

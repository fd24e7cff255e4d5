"""The "ventas en cola" page: server-rendered HTML for a point of sale signed in with its credentials.

It shows the queue (what is not emitted yet, with its last error), what was emitted today, and each
comprobante's history and webhook log; its buttons run the same Python API as the HTTP methods and the
CLI (producers' queue operations, webhook_dispatch's redelivery) and show their answer after a
POST-redirect-GET. Every POST carries the session's form token; Jinja escapes everything shown. Every
answer forbids framing, sniffing, referrers and caching, and its Content-Security-Policy lets only the
page's own style block (by a nonce drawn for each answer) run.

Wrong credentials at the sign-in spend the same budget of failures per address as wrong credentials at
the API (producers/http/callers.py); over it the form answers 429 without checking them.

Each session's requests spend a budget like the API's (ENCOLA_HTTP_RATE_LIMIT and _BURST), and each
table reads one page of its index, so no session can make the page work for others' time.
"""

from __future__ import annotations

import functools
import re
import secrets
from datetime import date

from flask import Blueprint, Flask, flash, g, redirect, render_template, request, session, url_for

import producers
from comprobantes.answers import comprobante_nro
from comprobantes.document_links import DocumentLinks
from comprobantes.store import Store
from comprobantes import dates
from comprobantes.dates import ddmmyyyy, yyyymmdd, yyyymmdd_to_ddmmyyyy
from comprobantes.emission_messages import date_guard_page_message
from comprobantes.lifecycle import State
from comprobantes.views import status_text
from config import clock
from config.redis_client import get_redis
from mailing import mail_log
from producers.access import BAD_CREDENTIALS, point_of_sale
from producers.http import page_session
from producers.http.callers import CREDENTIAL_FAILURES, count_failure, failures_wait, over_budget, retry_after
from producers.queue_listing import IN_QUEUE, emitted_since, queue_page
from webhook_dispatch import hook_log, operations as hook_operations

PATH = "/ventas-en-cola"
# The messages a form's answer leaves for the next page live in the session cookie until a page shows
# them; a client that posts without following the redirects would otherwise grow it past what a browser
# keeps (4 KB) and the server reads (gunicorn's header limit). So the newest few are kept, and what the
# form sent is quoted at most this long.
PENDING_MESSAGES = 5
QUOTED_CHARS = 80
SHOWN = 200  # rows of the queue's table; the count above it says how many there are
EMITTED_SHOWN = 20  # rows of each page of today's emitted: a busy day is hundreds, too long a list on a phone
EXPIRED = "Tu sesión venció o no es válida: ingresá de nuevo con tus credenciales."
STALE_FORM = "El formulario venció (falta su token o no corresponde a tu sesión): volvé a intentarlo."
TOO_MANY = "Demasiados intentos fallidos desde tu dirección: esperá {seconds} segundos y volvé a intentarlo."
INACTIVE = ("Tu punto de venta está desactivado: la página de ventas en cola se abre de nuevo cuando el operador "
            "de encola lo active.")
# A place on this page to come back to after a form: its path and the query as a browser sends it
# (printable ASCII, no backslash), so a redirect never leaves the page nor splits its header.
BACK = re.compile(re.escape(PATH) + r"(/[A-Za-z0-9_-]*)*(\?[!-\[\]-~]*)?")
ACTIONS = {
    "reenviar": producers.reenviar_encolado,
    "eliminar": producers.eliminar_encolado,
    "cambiar_fecha": producers.cambiar_fecha_encolado,
}
DONE = {
    "reenviar": "{ref} volvió a la cola.",
    "eliminar": "{ref} se eliminó.",
    "cambiar_fecha": "{ref} tiene fecha nueva y volvió a la cola.",
}


page = Blueprint("ventas_en_cola", __name__, url_prefix=PATH, template_folder="templates")


def _back() -> str:
    """Where a form asked to come back to, if it is a place on this page (never another site)."""
    wanted = request.form.get("volver", "")
    return wanted if BACK.fullmatch(wanted) else url_for(".cola")


def _refuse_stale_form():
    """The answer to a POST without this session's form token, or None when it has it."""
    if page_session.form_token_ok():
        return None
    _tell(STALE_FORM, "error")
    return redirect(url_for(".cola"), 303)


def _over_budget(r):
    """The answer to a request over this session's budget (HTTP 429), or None. A signed-in session always
    holds its form token, drawn at sign-in: the session's name for its budget."""
    wait = over_budget(r, f"pagina:{page_session.form_token()}")
    if not wait:
        return None
    seconds = retry_after(wait)
    return render_template("ventas/demasiados.html", seconds=seconds), 429, {"Retry-After": seconds}


def _signed_in(*, posted: bool):
    """The view runs as `view(r, pdv)` for a signed-in point of sale within its session's budget (and,
    when `posted`, with this session's form token); anyone else goes to the sign-in form, told why when a
    session lapsed."""

    def decorate(view):
        @functools.wraps(view)
        def guarded():
            r = get_redis()
            pdv = page_session.signed_in(r)
            if pdv is None:
                lapsed = page_session.lapsed()
                page_session.sign_out(r)  # before the flash, which lives in the session too
                if lapsed:
                    _tell(EXPIRED, "error")
                return redirect(url_for(".ingresar"), 303)
            too_many = _over_budget(r)
            if too_many:
                return too_many
            if posted:
                refused = _refuse_stale_form()
                if refused:
                    return refused
            return view(r, pdv)

        return guarded

    return decorate


page.add_app_template_filter(ddmmyyyy, "dia")
page.add_app_template_filter(clock.wall_clock_ar, "momento")


def _style_nonce() -> str:
    """This answer's Content-Security-Policy nonce for the page's style block, drawn on first use."""
    if "style_nonce" not in g:
        g.style_nonce = secrets.token_urlsafe(16)
    return g.style_nonce


def _date_guarded(rec) -> bool:
    """Whether the date guard stopped it: resending fails the same way, only a new date helps."""
    return rec.state == State.ERROR and rec.fecha_minima is not None


def _errors(rec) -> list[str]:
    """Its last error as the page words it: the date guard's points to the page's button, not the API method."""
    if _date_guarded(rec):
        return [date_guard_page_message(yyyymmdd(rec.fecha), yyyymmdd(rec.fecha_minima))]
    return rec.last_error


def _entry_errors(entry: dict) -> list[str]:
    """A history entry's errors as the page words them (see _errors)."""
    if entry.get("fecha_minima"):
        fecha, minima = (yyyymmdd(date.fromisoformat(entry[name])) for name in ("fecha", "fecha_minima"))
        return [date_guard_page_message(fecha, minima)]
    return entry.get("errores") or []


def _proposed_date(rec):
    """The date box's default: the comprobante's own, or the earliest its lane accepts when that is the error."""
    return rec.fecha_minima if _date_guarded(rec) else rec.fecha


@page.context_processor
def _template_helpers():
    return {"form_token": page_session.form_token, "form_token_field": page_session.FORM_TOKEN_FIELD,
            "status_text": status_text, "comprobante_nro": comprobante_nro, "cae_vto": yyyymmdd_to_ddmmyyyy,
            "style_nonce": _style_nonce, "date_guarded": _date_guarded, "errors": _errors,
            "entry_errors": _entry_errors, "proposed_date": _proposed_date}


@page.after_request
def _security_headers(response):
    response.headers.update({
        "Content-Security-Policy": f"default-src 'none'; style-src 'nonce-{_style_nonce()}'; form-action 'self'; "
                                   f"base-uri 'none'; frame-ancestors 'none'",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        # Queues, credentials' forms and form tokens: no copy in any cache, the browser's back button included.
        "Cache-Control": "no-store",
    })
    return response


@page.get("/ingresar")
def ingresar():
    if page_session.signed_in(get_redis()):
        return redirect(url_for(".cola"), 303)
    return render_template("ventas/ingresar.html")


@page.post("/ingresar")
def ingresar_enviar():
    if not page_session.form_token_ok():
        _tell(STALE_FORM, "error")
        return redirect(url_for(".ingresar"), 303)
    r = get_redis()
    failures = f"{CREDENTIAL_FAILURES}:{request.remote_addr}"
    wait = failures_wait(r, failures)
    if wait:
        _tell(TOO_MANY.format(seconds=retry_after(wait)), "error")
        return render_template("ventas/ingresar.html"), 429, {"Retry-After": retry_after(wait)}
    pdv = point_of_sale(r, {name: request.form.get(name, "").strip() for name in ("apikey", "apitoken", "usertoken")})
    if pdv is None:
        count_failure(r, failures)
        _tell(BAD_CREDENTIALS.text, "error")
        return redirect(url_for(".ingresar"), 303)
    if not pdv.active:
        _tell(INACTIVE, "error")
        return redirect(url_for(".ingresar"), 303)
    page_session.sign_in(r, pdv)
    return redirect(url_for(".cola"), 303)


@page.post("/salir")
def salir():
    refused = _refuse_stale_form()
    if refused:
        return refused
    page_session.sign_out(get_redis())
    _tell("Saliste de la página de ventas en cola.", "ok")
    return redirect(url_for(".ingresar"), 303)


def _page_number(text: str) -> int:
    """A page of a table as the query names it, counted from 1 as people count; 1 for anything else."""
    return int(text) if text.isdigit() and 0 < len(text) <= 6 and int(text) > 0 else 1


@page.get("", strict_slashes=False)
@_signed_in(posted=False)
def cola(r, pdv):
    estado = request.args.get("estado", "")
    desde, hasta = dates.parse(request.args.get("desde")), dates.parse(request.args.get("hasta"))
    bad = [name for name in ("desde", "hasta") if request.args.get(name) and not dates.parse(request.args.get(name))]
    total, queued = queue_page(r, pdv.id, states=[estado] if estado in IN_QUEUE else IN_QUEUE,
                               desde=desde, hasta=hasta, limite=SHOWN)
    today = clock.today_ar()
    emitted_page = _page_number(request.args.get("emitidos", ""))
    emitted_total, emitted = emitted_since(r, pdv.id, clock.start_of_day_ar(today), pagina=emitted_page - 1,
                                           limite=EMITTED_SHOWN)
    return render_template("ventas/cola.html", pdv=pdv, total=total, queued=queued, estado=estado,
                           states=IN_QUEUE, desde=desde, hasta=hasta, bad_dates=bad, today=today,
                           emitted_total=emitted_total, emitted=emitted, emitted_page=emitted_page,
                           emitted_pages=max(-(-emitted_total // EMITTED_SHOWN), 1), links=DocumentLinks(r, ""))


@page.post("/accion")
@_signed_in(posted=True)
def accion(r, pdv):
    name, ref = request.form.get("accion", ""), request.form.get("external_reference", "")
    operation = ACTIONS.get(name)
    if operation is None:
        _tell(f"No existe la acción {_quoted(name)!r}.", "error")
        return redirect(_back(), 303)
    body = {"external_reference": ref}
    if name == "cambiar_fecha":
        fecha = dates.parse(request.form.get("fecha"))
        if fecha is None:
            _tell(f"{_quoted(ref)}: la fecha nueva no es una fecha válida (dd/mm/aaaa).", "error")
            return redirect(_back(), 303)
        body["fecha"] = ddmmyyyy(fecha)
    answer = operation.as_operator(r, pdv, body)
    if answer["error"] == "N":
        _tell(DONE[name].format(ref=_quoted(ref)), "ok")
    for message in answer.get("errores", []):
        _tell(f"{_quoted(ref)}: {message}", "error")
    return redirect(_back(), 303)


@page.get("/comprobante")
@_signed_in(posted=False)
def comprobante(r, pdv):
    ref = request.args.get("ref", "")
    store = Store(r)
    records = [(record, store.audit(record.id)) for record in store.by_reference(pdv.id, ref)] if ref else []
    hooks = hook_log.hooks_for_reference(r, pdv.id, ref) if ref else []
    mails = mail_log.mails_for_reference(r, pdv.id, ref) if ref else []
    return render_template("ventas/comprobante.html", pdv=pdv, ref=ref, records=records, hooks=hooks,
                           mails=mails, states=IN_QUEUE, links=DocumentLinks(r, ""))


@page.post("/reenviar-hook")
@_signed_in(posted=True)
def reenviar_hook(r, pdv):
    hook_id = request.form.get("hook_id", "")
    if hook_operations.redeliver(r, pdv.id, hook_id):
        _tell(f"El hook {hook_id} se envía de nuevo ahora; su intento aparece en el log.", "ok")
    else:
        _tell(f"No se encontró el hook {_quoted(hook_id)}.", "error")
    return redirect(_back(), 303)


def _tell(message: str, category: str) -> None:
    """flash(), keeping only the newest PENDING_MESSAGES (Flask keeps them in the session's `_flashes`)."""
    flash(message, category)
    session["_flashes"] = session["_flashes"][-PENDING_MESSAGES:]


def _quoted(text: str) -> str:
    """What a form sent, as a message quotes it."""
    return text if len(text) <= QUOTED_CHARS else text[:QUOTED_CHARS] + "…"


def register(app: Flask) -> None:
    page_session.configure(app)
    app.register_blueprint(page)

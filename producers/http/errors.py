"""Everything the HTTP layer itself refuses, in TusFacturas' error shape, and the handlers that make
every failure (a missing route, a wrong method, a body too large, Redis unreachable, a bug) a JSON
answer with its documented status instead of an HTML page or a traceback.

Answers of the Python API, error or not, travel with HTTP 200 as TusFacturas' do: clients read the
`error` field. The statuses here are for requests the API never saw (docs/http-api.md).
"""

from __future__ import annotations

import json
import logging

import redis
from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException

from comprobantes import problems as P
from comprobantes.answers import Problem
from config.settings import get_settings

log = logging.getLogger("encola.http")

UNAVAILABLE_RETRY_SECONDS = 5
# A body refused as too large is still read (and dropped) up to this many times the limit before the
# answer goes out: closing on a client that is still sending makes it see a reset, not the 413.
DRAIN_FACTOR = 4


class Refusal(Exception):
    """A request the HTTP layer answers by itself, with `status`."""

    def __init__(self, status: int, problem: Problem, headers: dict[str, str] | None = None):
        super().__init__(problem.text)
        self.status = status
        self.problem = problem
        self.headers = headers or {}


class ReadDeadline(Exception):
    """The client did not send the request's head or body within its deadline (producers/http/worker.py).

    Deliberately not an OSError: Werkzeug would take one for a client that went away (HTTP 400), and
    gunicorn for a socket failure worth a traceback.
    """

    def __init__(self, part: str, seconds: float):
        super().__init__(f"the request's {part} took more than {seconds:g} s")
        self.part = part
        self.seconds = seconds


def too_slow(exc: ReadDeadline) -> Refusal:
    what = "los encabezados" if exc.part == "head" else "el cuerpo"
    return Refusal(408, P.SLOW_REQUEST(f"El request tardo mas de {exc.seconds:g} segundos en enviar {what}; se "
                                       f"cerro la conexion. Envia el request completo de una vez."),
                   {"Connection": "close"})


def too_large(limit: int) -> Refusal:
    return Refusal(413, P.TOO_LARGE(f"El cuerpo del request supera el maximo de {limit} bytes "
                                    f"({limit / 1048576:.1f} MB). Envia lotes mas chicos."))


def error_answer(problems: list[Problem]) -> dict:
    """The error shape of TusFacturas' nuevo_encola page, without the external_reference a request-level
    failure has not."""
    return {
        "error": "S",
        "errores": [p.text for p in problems],
        "error_cod": [],
        "error_details": [{"code": p.code, "text": p.text} for p in problems],
    }


def json_response(payload: dict, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    # Decimals (amounts read from the request) go back as the strings they were written as.
    body = json.dumps(payload, ensure_ascii=False, default=str)
    response = Response(body, status=status, content_type="application/json; charset=utf-8")
    response.headers.update(headers or {})
    return response


def refusal_response(refusal: Refusal) -> Response:
    if refusal.status == 413:
        _drain_body(DRAIN_FACTOR * get_settings().http_max_body_bytes)
        refusal.headers["Connection"] = "close"
    return json_response(error_answer([refusal.problem]), refusal.status, refusal.headers)


def _drain_body(up_to: int) -> None:
    environ = request.environ
    stream = environ["wsgi.input"]
    if request.content_length is not None:
        remaining = request.content_length  # a declared length too large is refused before reading any
    elif environ.get("wsgi.input_terminated"):
        remaining = up_to  # chunked: the server ends the stream at the last chunk
    else:
        return
    remaining = min(remaining, up_to)
    while remaining > 0:
        chunk = stream.read(min(65536, remaining))
        if not chunk:
            return
        remaining -= len(chunk)


def _http_problem(exc: HTTPException) -> Problem:
    if exc.code == 404:
        return P.NO_ROUTE(f"La ruta {request.path} no existe. Las rutas de la API empiezan con /api/v2/ "
                          f"o /app/api/v2/ (TusFacturas); la lista completa esta en /docs.")
    if exc.code == 405:
        allowed = ", ".join(m for m in (exc.valid_methods or []) if m not in ("HEAD", "OPTIONS"))
        return P.METHOD(f"El metodo {request.method} no esta permitido en {request.path}; "
                        f"usa {allowed or 'otro metodo'}.")
    return P.NOT_JSON(f"El request no se pudo leer (HTTP {exc.code}: {exc.name}).")


def register(app: Flask) -> None:
    @app.errorhandler(Refusal)
    def _refused(exc: Refusal):
        return refusal_response(exc)

    @app.errorhandler(ReadDeadline)
    def _slow(exc: ReadDeadline):
        log.warning("closed a request from %s: %s", request.remote_addr, exc)
        return refusal_response(too_slow(exc))

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        if exc.code == 413:
            return refusal_response(too_large(get_settings().http_max_body_bytes))
        headers = {"Allow": ", ".join(exc.valid_methods)} if exc.code == 405 and exc.valid_methods else {}
        return json_response(error_answer([_http_problem(exc)]), exc.code or 500, headers)

    @app.errorhandler(redis.ConnectionError)
    @app.errorhandler(redis.TimeoutError)
    def _redis_down(exc: redis.RedisError):
        log.error("Redis unavailable while serving %s %s: %s", request.method, request.path, exc)
        # Almost always nothing was stored; but a commit whose answer was lost with the connection did
        # store it, which idempotent submission makes harmless to send again.
        problem = P.UNAVAILABLE(f"El servicio no esta disponible en este momento. Volve a enviar el mismo request "
                                f"en {UNAVAILABLE_RETRY_SECONDS} segundos: con la misma external_reference no se "
                                f"encola dos veces.")
        return json_response(error_answer([problem]), 503, {"Retry-After": str(UNAVAILABLE_RETRY_SECONDS)})

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        log.exception("unexpected error serving %s %s", request.method, request.path)
        problem = P.INTERNAL("Error interno del servidor. Quedo registrado; si se repite, informalo con la fecha "
                             "y hora del request.")
        return json_response(error_answer([problem]), 500)

"""Who is calling, as far as the HTTP layer needs to know: the point of sale whose request budget a
request spends, or the operator of the admin API.

A request whose credentials open a point of sale counts against that point of sale; any other counts
against the address it came from (the real client's behind a trusted proxy, producers/http/client_address),
so wrong credentials cannot spend someone else's budget. The admin API and the page's sign-in count
failures only, per address: a right token or right credentials spend nothing, and wrong ones from
elsewhere cannot lock the operator or a client out. The functions of the Python API authenticate the body
again themselves: they are the ones that decide, and other services call them without this layer.
"""

from __future__ import annotations

import hmac
import math

from flask import Request

from comprobantes import problems as P
from config.settings import get_settings
from producers.access import point_of_sale
from producers.http.client_address import within
from producers.http.errors import Refusal
from producers.http.ratelimit import take, waiting

# The budget that wrong credentials from one address spend, at the API and at the page's sign-in alike.
CREDENTIAL_FAILURES = "addr"


def over_budget(r, subject: str) -> float:
    """Spend one request of `subject`'s budget (ENCOLA_HTTP_RATE_LIMIT and _BURST): 0 if it may go on,
    else the seconds it has to wait."""
    settings = get_settings()
    if not settings.http_rate_limit:
        return 0
    return take(r, subject, rate=settings.http_rate_limit, burst=settings.http_rate_burst)


def _spend(r, subject: str, whose: str) -> None:
    settings = get_settings()
    wait = over_budget(r, subject)
    if wait:
        raise Refusal(429, P.RATE_LIMIT(
            f"Superaste el limite de {settings.http_rate_limit:g} requests por segundo {whose}. "
            f"Espera {wait:.2f} segundos antes del proximo request, y espera cada respuesta antes de enviar "
            f"otro; para muchos comprobantes usa facturacion/lotes_encola.",
        ), {"Retry-After": retry_after(wait)})


def retry_after(wait: float) -> str:
    """A Retry-After header's value for a wait of `wait` seconds."""
    return str(max(1, math.ceil(wait)))


def count_client_request(r, request: Request, body: dict) -> None:
    """Spend one request of the caller's budget, or refuse it with HTTP 429."""
    pdv = point_of_sale(r, body)
    if pdv is not None:
        _spend(r, f"pdv:{pdv.id}", "de tu punto de venta")
    else:
        _spend(r, f"{CREDENTIAL_FAILURES}:{request.remote_addr}", "desde tu direccion con credenciales no validas")


def failures_wait(r, subject: str) -> float:
    """0 if `subject` (a kind of failure and an address) may try again now, else the seconds to wait."""
    settings = get_settings()
    if not settings.http_rate_limit:
        return 0.0
    return waiting(r, subject, rate=settings.http_rate_limit, burst=settings.http_rate_burst)


def count_failure(r, subject: str) -> None:
    # Its wait is read before the next try (failures_wait), not answered now.
    over_budget(r, subject)


def _bearer(request: Request) -> str:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def require_operator(r, request: Request) -> None:
    """The admin API is open only to ENCOLA_ADMIN_TOKEN, as `Authorization: Bearer <token>`, and only from
    ENCOLA_ADMIN_NETWORKS when that is set."""
    settings = get_settings()
    expected = settings.admin_token
    if expected is None:
        raise Refusal(403, P.ADMIN_OFF("La API de administracion esta deshabilitada: el operador de encola la "
                                       "habilita definiendo ENCOLA_ADMIN_TOKEN."))
    if settings.admin_networks and not within(request.remote_addr, settings.admin_networks):
        raise Refusal(403, P.ADMIN_NETWORK(f"La API de administracion no se puede usar desde tu direccion "
                                           f"({request.remote_addr}): el operador de encola la limita a las redes "
                                           f"de ENCOLA_ADMIN_NETWORKS."))
    # Guessing the token is as slow as the budget of failures; the right token spends nothing.
    subject = f"operador:{request.remote_addr}"
    wait = failures_wait(r, subject)
    if wait:
        raise Refusal(429, P.RATE_LIMIT(f"Demasiados intentos con un token de operador no valido desde tu "
                                        f"direccion: espera {wait:.2f} segundos antes del proximo request."),
                      {"Retry-After": retry_after(wait)})
    if not hmac.compare_digest(_bearer(request).encode("utf-8"), expected.encode("utf-8")):
        count_failure(r, subject)
        raise Refusal(401, P.ADMIN_TOKEN("Falta el token de operador o no es valido: envialo en el header "
                                         "Authorization: Bearer <ENCOLA_ADMIN_TOKEN>."),
                      {"WWW-Authenticate": 'Bearer realm="encola-admin"'})

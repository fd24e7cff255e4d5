"""The failure classes of talking to AFIP, and the one place that decides which class a failure is.

| class       | meaning                                             | what the emitter does                      |
|-------------|-----------------------------------------------------|--------------------------------------------|
| Transient   | AFIP or the network failed; nothing was processed   | retry later with backoff                   |
| Ambiguous   | the request left; we do not know if AFIP processed  | reconcile first, then as transient         |
| Auth        | the access ticket is missing, expired or refused    | reuse or renew the shared ticket, retry    |
| Data        | AFIP rejected the data (10xxx and similar codes)    | `error`, never retried automatically       |
| Sequence    | 10016 at request level: number or date out of order | reconcile against FECompUltimoAutorizado   |
"""

from __future__ import annotations

import http.client
import socket

import requests
import urllib3.exceptions
import zeep.exceptions


class AfipError(Exception):
    """Base of every failure talking to AFIP. `codes` holds AFIP's (code, message) pairs, if any."""

    def __init__(self, message: str, codes: list[tuple[int | str, str]] | None = None):
        super().__init__(message)
        self.codes = list(codes or [])

    def messages(self) -> list[str]:
        if self.codes:
            return [f"{code} - {msg}" for code, msg in self.codes]
        return [str(self)]


class TransientError(AfipError):
    """AFIP or the way to it failed; the request was not processed."""


class LoginInProgress(TransientError):
    """Another process is logging this CUIT in to WSAA and has not finished: AFIP was not asked, and
    says nothing about its health."""


class AmbiguousError(TransientError):
    """The request was sent and no usable answer came back: AFIP may have processed it.

    `answered` is true when AFIP did answer (an internal error): it will not process the request
    later. False means no answer at all (timeout, dropped connection): it might still.
    """

    def __init__(self, message: str, codes=None, *, answered: bool = False):
        super().__init__(message, codes)
        self.answered = answered


class AuthError(AfipError):
    """WSAA refused a login, or WSFEv1 refused the ticket (600/601)."""

    def __init__(self, message: str, codes=None, *, retry_after: float | None = None, permanent: bool = False):
        super().__init__(message, codes)
        self.retry_after = retry_after
        self.permanent = permanent


class DataError(AfipError):
    """AFIP rejected the request's data; sending it again unchanged fails again."""


class SequenceError(DataError):
    """10016 at request level: the number is not the next one, or the date is before the last one."""


class NotFound(AfipError):
    """602: AFIP has no record for the parameters (a normal answer for FECompConsultar)."""


# WSFEv1 codes in <Errors> (AFIP's WSFEv1 developer manual, docs/production.md, "Sources").
_INTERNAL = {500, 501, 502}
_AUTH = {600, 601}
_NOT_FOUND = 602
_SEQUENCE = 10016
_AUTH_MALFORMED = "campo auth"
# A 600 that no new ticket can cure: the certificate does not represent that CUIT (WSFEv1 developer manual).
_AUTH_RELATION = "lista de relaciones"

# WSAA faults (AFIP's WSAA specification, docs/production.md, "Sources"): these are outages, everything else needs a
# fix, not a retry.
_WSAA_TRANSIENT_PREFIXES = ("wsaa.", "wsn.unavailable")
WSAA_OUTAGE_WAIT_SECONDS = 60.0


def classify_wsfe_errors(errors: list[tuple[int, str]], *, sent_for_authorization: bool) -> AfipError | None:
    """The failure a WSFEv1 <Errors> list means, or None when it is only a rejection of details.

    `sent_for_authorization` is true for FECAESolicitar: an internal error there may hide a granted CAE,
    so it is ambiguous rather than transient.
    """
    if not errors:
        return None
    codes = {code for code, _ in errors}
    if codes & _AUTH:
        permanent = 601 in codes or any(_AUTH_RELATION in msg.lower() for _, msg in errors)
        return AuthError("WSFEv1 refused the access ticket", errors, permanent=permanent)
    if codes & _INTERNAL:
        if any(_AUTH_MALFORMED in msg.lower() for _, msg in errors):
            return DataError("WSFEv1 says the Auth block is malformed", errors)
        if sent_for_authorization:
            return AmbiguousError("WSFEv1 reported an internal error", errors, answered=True)
        return TransientError("WSFEv1 reported an internal error", errors)
    if codes == {_NOT_FOUND}:
        return NotFound("AFIP has no record for those parameters", errors)
    if _SEQUENCE in codes:
        return SequenceError("the number or date is not the next one AFIP expects", errors)
    return DataError("AFIP rejected the request", errors)


def classify_wsaa_fault(code: str, message: str) -> AuthError | TransientError:
    code = code.split(":")[-1]
    if code.startswith(_WSAA_TRANSIENT_PREFIXES):
        return TransientError(f"WSAA is unavailable: {message}", [(code, message)])
    if code == "coe.alreadyAuthenticated":
        return AuthError("WSAA says a valid ticket already exists for this certificate", [(code, message)])
    return AuthError(f"WSAA refused the login: {message}", [(code, message)], permanent=True)


def _never_reached_server(exc: BaseException) -> bool:
    """True when the failure happened before any byte of the request could reach AFIP."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, (urllib3.exceptions.NewConnectionError, ConnectionRefusedError, socket.gaierror)):
            return True
        if isinstance(exc, urllib3.exceptions.MaxRetryError):
            exc = exc.reason
            continue
        exc = exc.__cause__ or exc.__context__ or (exc.args[0] if exc.args and isinstance(exc.args[0], BaseException) else None)
    return False


def classify_transport(exc: BaseException, *, sent_for_authorization: bool) -> AfipError:
    """The class of a failure raised while calling AFIP over HTTP (requests, urllib3 or zeep)."""
    if isinstance(exc, AfipError):
        return exc
    if isinstance(exc, zeep.exceptions.Fault):
        return classify_soap_fault(exc, sent_for_authorization=sent_for_authorization)
    if _never_reached_server(exc):
        return TransientError(f"AFIP could not be reached: {exc}")
    ambiguous_types = (
        requests.exceptions.ReadTimeout,
        requests.exceptions.ConnectionError,
        requests.exceptions.ChunkedEncodingError,
        http.client.HTTPException,
        zeep.exceptions.TransportError,
        zeep.exceptions.XMLSyntaxError,
    )
    if isinstance(exc, ambiguous_types):
        status = getattr(exc, "status_code", None)
        detail = f"HTTP {status}" if status else str(exc) or type(exc).__name__
        if not sent_for_authorization:
            return TransientError(f"AFIP did not answer usably: {detail}")
        return AmbiguousError(f"AFIP did not answer usably: {detail}", answered=_answered(exc))
    if isinstance(exc, (requests.exceptions.RequestException, OSError)):
        return TransientError(f"AFIP could not be reached: {exc}")
    raise exc


def _answered(exc: BaseException) -> bool:
    """Whether the service itself answered, so that it will not go on to process the request later.

    Any HTTP answer says so, except a gateway's 502 or 504: those speak for a server that may still be
    working on it. A timeout or a dropped connection says nothing.
    """
    if isinstance(exc, zeep.exceptions.TransportError):
        return exc.status_code not in (502, 504)
    return isinstance(exc, zeep.exceptions.XMLSyntaxError)


def classify_soap_fault(fault: zeep.exceptions.Fault, *, sent_for_authorization: bool) -> AfipError:
    code = str(fault.code or "")
    if "alreadyAuthenticated" in code or code.split(":")[-1].startswith(("coe.", "cms.", "xml.", "wsaa.", "wsn.")):
        return classify_wsaa_fault(code, fault.message or "")
    if sent_for_authorization:
        return AmbiguousError(f"AFIP answered a SOAP fault: {code} {fault.message}", answered=True)
    return TransientError(f"AFIP answered a SOAP fault: {code} {fault.message}")

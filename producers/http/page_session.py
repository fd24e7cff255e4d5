"""Who is looking at the "ventas en cola" page: sessions kept in Redis, named by a random id that a signed
cookie carries with the session's form token, never the credentials.

A session is opened by signing in and lasts SESSION_HOURS from then, however often the page is loaded
(its Redis key expires then, and nothing renews it). It ends before that when the point of sale signs
out ("Salir" deletes the key, so a copy of the cookie opens nothing afterwards), when its credentials are
rotated (the session holds the credentials_version it was opened under), and when the point of sale is
deactivated. Redis holds the session id only as a SHA-256 digest, so reading Redis gives no live cookie.

The cookie is Flask's session, signed with ENCOLA_WEB_SECRET (itsdangerous); one that is forged or
altered reads as empty. In development without that variable, gunicorn's master draws one for all its
workers (config/gunicorn.conf.py); an app served some other way draws its own.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from flask import Flask, request, session

from accounts.points_of_sale import PointOfSale, UnknownPointOfSale, get_point_of_sale
from config.keys import key
from config.settings import get_settings

SESSION_HOURS = 12
COOKIE_NAME = "encola_sesion"
FORM_TOKEN_FIELD = "token_formulario"
SESSION_FIELD = "sesion"


def configure(app: Flask) -> None:
    """Sign the app's session cookies; in production without ENCOLA_WEB_SECRET this fails at start-up."""
    app.secret_key = get_settings().require_web_secret() or secrets.token_urlsafe(32)
    app.config.update(
        SESSION_COOKIE_NAME=COOKIE_NAME,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        # Behind the TLS-terminating proxy of production; plain http is only for development.
        SESSION_COOKIE_SECURE=not get_settings().development,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=SESSION_HOURS),
        # The session's end is its Redis key's; a load does not move the cookie's either.
        SESSION_REFRESH_EACH_REQUEST=False,
    )


def _key(session_id: str) -> str:
    return key("page_session", hashlib.sha256(session_id.encode("utf-8")).hexdigest())


def form_token() -> str:
    """This session's token for the forms it shows, drawn on first use."""
    if FORM_TOKEN_FIELD not in session:
        session[FORM_TOKEN_FIELD] = secrets.token_urlsafe(32)
    return session[FORM_TOKEN_FIELD]


def form_token_ok() -> bool:
    """Whether a POST carries this session's form token: a page of another site cannot know it."""
    expected = session.get(FORM_TOKEN_FIELD)
    sent = request.form.get(FORM_TOKEN_FIELD, "")
    return bool(expected) and hmac.compare_digest(expected.encode(), sent.encode())


def sign_in(r, pdv: PointOfSale) -> None:
    # A new session (and form token) on sign-in, so one planted before it is worth nothing after.
    session.clear()
    session_id = secrets.token_urlsafe(32)
    pipe = r.pipeline()
    pipe.hset(_key(session_id), mapping={"pdv": pdv.id, "credentials_version": pdv.credentials_version})
    pipe.expire(_key(session_id), SESSION_HOURS * 3600)
    pipe.execute()
    session.permanent = True
    session[SESSION_FIELD] = session_id
    form_token()


def sign_out(r) -> None:
    session_id = session.get(SESSION_FIELD)
    if isinstance(session_id, str):
        r.delete(_key(session_id))
    session.clear()


def signed_in(r) -> PointOfSale | None:
    """The point of sale of this session, while the session lasts: not signed out, not past its hours,
    opened under the point of sale's current credentials, and the point of sale active."""
    session_id = session.get(SESSION_FIELD)
    if not isinstance(session_id, str):
        return None
    held = r.hgetall(_key(session_id))
    if not held:
        return None
    try:
        pdv = get_point_of_sale(r, held["pdv"])
    except UnknownPointOfSale:
        pdv = None
    if pdv is None or not pdv.active or held.get("credentials_version") != str(pdv.credentials_version):
        r.delete(_key(session_id))
        return None
    return pdv


def lapsed() -> bool:
    """Whether a session cookie came that opens nothing: ended, expired, forged, or of a point of sale now
    gone or changed (a cookie from the sign-in form alone holds a form token and no session: not lapsed)."""
    return COOKIE_NAME in request.cookies and (not session or SESSION_FIELD in session)

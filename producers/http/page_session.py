"""Who is looking at the "ventas en cola" page: a signed session cookie that holds the point of sale's id
and a form token, never its credentials.

Flask's session is a cookie signed with ENCOLA_WEB_SECRET (itsdangerous); one that is forged, altered or
older than SESSION_HOURS reads as empty. In development without that variable, gunicorn's master draws
one for all its workers (config/gunicorn.conf.py); an app served some other way draws its own.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import timedelta

from flask import Flask, request, session

from accounts.points_of_sale import PointOfSale, UnknownPointOfSale, get_point_of_sale
from config.settings import get_settings

SESSION_HOURS = 12
COOKIE_NAME = "encola_sesion"
FORM_TOKEN_FIELD = "token_formulario"


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
    )


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


def sign_in(pdv: PointOfSale) -> None:
    # A new session (and form token) on sign-in, so one planted before it is worth nothing after.
    session.clear()
    session.permanent = True
    session["pdv"] = pdv.id
    form_token()


def sign_out() -> None:
    session.clear()


def signed_in(r) -> PointOfSale | None:
    """The point of sale of this session, if it still exists."""
    ident = session.get("pdv")
    if not isinstance(ident, str):
        return None
    try:
        return get_point_of_sale(r, ident)
    except UnknownPointOfSale:
        return None


def lapsed() -> bool:
    """Whether a session cookie came that opens nothing: expired, forged, or of a point of sale now gone
    (a cookie from the sign-in form alone holds a form token and no point of sale: not lapsed)."""
    return COOKIE_NAME in request.cookies and (not session or "pdv" in session)

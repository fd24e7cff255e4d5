"""What the "ventas en cola" page refuses, over plain HTTP against the real `web` process: forged
cookies, forms without their token, bad dates and unknown references all get a clear message (never a
500), and the session cookie carries neither the point of sale nor its credentials."""

from __future__ import annotations

import base64
import re
from datetime import timedelta

import pytest
import requests

from config import clock
from config.settings import ConfigurationError
from producers import enqueue
from producers.http.page import EXPIRED, STALE_FORM
from producers.http.page_session import COOKIE_NAME, FORM_TOKEN_FIELD
from tests.support.bodies import item
from tests.support.records import one
from tests.support.web import page_sign_in, served_in_thread

PAGE = "/ventas-en-cola"


def form_token(html: str) -> str:
    return re.search(rf'name="{FORM_TOKEN_FIELD}" value="([^"]+)"', html).group(1)


def signed_in(base_url: str, credentials: dict) -> tuple[requests.Session, str]:
    """A session signed in through the form, and its form token."""
    browser, landed = page_sign_in(f"{base_url}{PAGE}", credentials)
    return browser, form_token(landed.text)


def queued(pdv, ref: str) -> None:
    answer = enqueue(pdv.body(item(ref, clock.today_ar() + timedelta(days=4), pto_vta=pdv.pdv.pto_vta)))
    assert answer["error"] == "N", answer


def test_the_cookie_holds_a_session_not_the_point_of_sale_nor_its_credentials(web, pdv):
    browser, _ = signed_in(web.base_url, pdv.credentials)
    cookie = next(c for c in browser.cookies if c.name == COOKIE_NAME)
    assert cookie.has_nonstandard_attr("HttpOnly") and not cookie.secure
    payload = cookie.value.split(".")[0]
    decoded = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode()
    assert pdv.id not in decoded and '"sesion"' in decoded
    assert not any(str(secret) in decoded for secret in pdv.credentials.values())
    login = requests.get(f"{web.base_url}{PAGE}/ingresar", timeout=10)
    assert "SameSite=Lax" in login.headers["Set-Cookie"] and "HttpOnly" in login.headers["Set-Cookie"]


def test_a_forged_cookie_opens_nothing_and_says_so(web, pdv):
    browser, _ = signed_in(web.base_url, pdv.credentials)
    cookie = next(c for c in browser.cookies if c.name == COOKIE_NAME)
    forged = cookie.value[:-2] + ("AA" if not cookie.value.endswith("AA") else "BB")
    browser.cookies.set(COOKIE_NAME, forged, domain=cookie.domain, path=cookie.path)
    answer = browser.get(f"{web.base_url}{PAGE}", timeout=10)
    assert answer.status_code == 200 and answer.url.endswith(f"{PAGE}/ingresar")
    assert EXPIRED in answer.text


def test_forms_without_their_token_do_nothing(web, pdv, r):
    queued(pdv, "sin-token")
    browser, token = signed_in(web.base_url, pdv.credentials)
    for sent in ({}, {FORM_TOKEN_FIELD: "otro"}):
        answer = browser.post(f"{web.base_url}{PAGE}/accion",
                              data={**sent, "accion": "eliminar", "external_reference": "sin-token"}, timeout=10)
        assert answer.status_code == 200 and STALE_FORM in answer.text
    assert one(r, pdv, "sin-token").state == "encolado"
    # a sign-in without the form's token is refused too, even with the right credentials
    stranger = requests.post(f"{web.base_url}{PAGE}/ingresar", data=pdv.credentials, timeout=10)
    assert stranger.url.endswith(f"{PAGE}/ingresar") and STALE_FORM in stranger.text
    # another session's token does not open this one
    other, other_token = signed_in(web.base_url, pdv.credentials)
    assert other_token != token
    answer = browser.post(f"{web.base_url}{PAGE}/accion", data={
        FORM_TOKEN_FIELD: other_token, "accion": "eliminar", "external_reference": "sin-token"}, timeout=10)
    assert STALE_FORM in answer.text and one(r, pdv, "sin-token").state == "encolado"


def test_bad_input_gets_a_message_not_an_error_page(web, pdv, r):
    queued(pdv, "fecha-mala")
    browser, token = signed_in(web.base_url, pdv.credentials)

    def act(**fields):
        answer = browser.post(f"{web.base_url}{PAGE}/accion", data={FORM_TOKEN_FIELD: token, **fields}, timeout=10)
        assert answer.status_code == 200, answer.text
        return answer

    assert "la fecha nueva no es una fecha válida" in act(
        accion="cambiar_fecha", external_reference="fecha-mala", fecha="31/02/2026").text
    assert "la fecha nueva no es una fecha válida" in act(accion="cambiar_fecha", external_reference="fecha-mala").text
    assert one(r, pdv, "fecha-mala").state == "encolado"
    assert "No se han encontrado comprobantes." in act(accion="reenviar", external_reference="no-existe").text
    assert "No existe la acción" in act(accion="romper", external_reference="fecha-mala").text
    # a place to come back to on another site is not followed
    assert act(accion="reenviar", external_reference="x", volver="//ejemplo.com/").url == f"{web.base_url}{PAGE}"
    unknown = browser.get(f"{web.base_url}{PAGE}/comprobante", params={"ref": "<b>no-existe</b>"}, timeout=10)
    assert unknown.status_code == 200 and "No se encontró ningún comprobante" in unknown.text
    assert "&lt;b&gt;no-existe&lt;/b&gt;" in unknown.text and "<b>no-existe</b>" not in unknown.text
    assert browser.get(f"{web.base_url}{PAGE}/", timeout=10).url == f"{web.base_url}{PAGE}/"
    assert browser.get(f"{web.base_url}{PAGE}/ingresar", timeout=10).url == f"{web.base_url}{PAGE}"
    filtered = browser.get(f"{web.base_url}{PAGE}", params={"desde": "ayer", "estado": "otro"}, timeout=10)
    assert filtered.status_code == 200 and "El filtro desde no es una fecha válida" in filtered.text
    gone = browser.post(f"{web.base_url}{PAGE}/reenviar-hook", data={FORM_TOKEN_FIELD: token, "hook_id": "hk_x"},
                        timeout=10)
    assert "No se encontró el hook hk_x." in gone.text


def test_production_needs_a_web_secret_and_sends_secure_cookies(environment):
    from producers.http.app import create_app

    environment(ENCOLA_ENV="production", ENCOLA_AFIP="homologacion", ENCOLA_WEB_SECRET=None,
                ENCOLA_PUBLIC_URL="https://facturas.example.com")
    with pytest.raises(ConfigurationError, match="ENCOLA_WEB_SECRET"):
        create_app()
    # production's web needs a metrics token too
    environment(ENCOLA_WEB_SECRET="s" * 40, ENCOLA_METRICS_TOKEN="m" * 40)
    with served_in_thread(create_app()) as url:
        login = requests.get(f"{url}{PAGE}/ingresar", timeout=10)
    assert "Secure" in login.headers["Set-Cookie"]

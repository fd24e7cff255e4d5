"""The ventas en cola page's sessions and sign-in, over plain HTTP against the real app: sessions live in
Redis with an absolute lifetime and end on "Salir", on rotation of the credentials and on deactivation;
the sign-in spends a budget of failures per real client address; every answer carries the page's
security headers; a `volver` of any form never breaks a redirect."""

from __future__ import annotations

import json
import re
import secrets
import time
import zlib

import pytest
import requests
from itsdangerous import base64_decode

from accounts.points_of_sale import rotate_credentials, update_point_of_sale
from producers.http.page import EXPIRED, INACTIVE, PATH, TOO_MANY
from producers.http.page_session import COOKIE_NAME, FORM_TOKEN_FIELD, SESSION_FIELD, SESSION_HOURS, _key
from producers.access import BAD_CREDENTIALS
from tests.support.web import page_sign_in, served_in_thread


def cookie_payload(browser: requests.Session) -> dict:
    """What the signed session cookie carries (its signature is checked by the server, not here)."""
    value = next(c for c in browser.cookies if c.name == COOKIE_NAME).value
    compressed = value.startswith(".")
    data = base64_decode(value.lstrip(".").split(".")[0])
    return json.loads(zlib.decompress(data) if compressed else data)


def opens_the_page(browser: requests.Session, base_url: str) -> bool:
    answer = browser.get(f"{base_url}{PATH}", timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.url == f"{base_url}{PATH}"


def copy_of(browser: requests.Session) -> requests.Session:
    """Another client holding the same cookie, as a stolen or copied one would be."""
    thief = requests.Session()
    for cookie in browser.cookies:
        thief.cookies.set(cookie.name, cookie.value, domain=cookie.domain, path=cookie.path)
    return thief


def sign_out(browser: requests.Session, base_url: str, token: str) -> requests.Response:
    return browser.post(f"{base_url}{PATH}/salir", data={FORM_TOKEN_FIELD: token}, timeout=10)


def form_token(html: str) -> str:
    return re.search(rf'name="{FORM_TOKEN_FIELD}" value="([^"]+)"', html).group(1)


def test_a_cookie_copied_before_salir_opens_nothing_after_it(web, pdv, r):
    browser, landed = page_sign_in(f"{web.base_url}{PATH}", pdv.credentials)
    copied = copy_of(browser)
    assert opens_the_page(copied, web.base_url)
    held = _key(cookie_payload(browser)[SESSION_FIELD])
    assert pdv.id not in json.dumps(cookie_payload(browser))  # the cookie names a session, not the point of sale

    sign_out(browser, web.base_url, form_token(landed.text))

    assert not r.exists(held)
    assert not opens_the_page(copied, web.base_url)


def test_a_session_lasts_its_hours_from_the_sign_in_and_loads_do_not_extend_it(web, pdv, r):
    browser, _ = page_sign_in(f"{web.base_url}{PATH}", pdv.credentials)
    # A new connection for each load: the waits below are as long as gunicorn keeps an idle connection
    # (2 s), and a request sent on one it is closing at that moment finds it gone. The sign-in's own
    # connection, still pooled, goes too (a load reused it once, and met gunicorn closing it).
    browser.headers["Connection"] = "close"
    browser.close()
    held = _key(cookie_payload(browser)[SESSION_FIELD])
    first = r.ttl(held)
    assert SESSION_HOURS * 3600 - 60 < first <= SESSION_HOURS * 3600
    time.sleep(2)
    assert opens_the_page(browser, web.base_url)
    assert r.ttl(held) <= first - 1  # the load did not renew it
    assert "Set-Cookie" not in browser.get(f"{web.base_url}{PATH}", timeout=10).headers  # nor the cookie's

    r.expire(held, 1)  # the end of its hours, brought forward
    time.sleep(1.5)
    lapsed = browser.get(f"{web.base_url}{PATH}", timeout=10)
    assert lapsed.url == f"{web.base_url}{PATH}/ingresar" and EXPIRED in lapsed.text


def test_rotating_the_credentials_ends_every_session_of_the_point_of_sale(web, pdv, r):
    one, _ = page_sign_in(f"{web.base_url}{PATH}", pdv.credentials)
    other, _ = page_sign_in(f"{web.base_url}{PATH}", pdv.credentials)

    fresh = rotate_credentials(r, pdv.id)

    for browser in (one, other):
        lapsed = browser.get(f"{web.base_url}{PATH}", timeout=10)
        assert lapsed.url == f"{web.base_url}{PATH}/ingresar" and EXPIRED in lapsed.text
    again, _ = page_sign_in(f"{web.base_url}{PATH}", fresh)
    assert opens_the_page(again, web.base_url)


def test_deactivating_a_point_of_sale_ends_its_sessions_and_refuses_its_sign_in(web, pdv, r):
    browser, _ = page_sign_in(f"{web.base_url}{PATH}", pdv.credentials)

    update_point_of_sale(r, pdv.id, active=False)

    assert not opens_the_page(browser, web.base_url)
    form = requests.Session()
    token = form_token(form.get(f"{web.base_url}{PATH}/ingresar", timeout=10).text)
    refused = form.post(f"{web.base_url}{PATH}/ingresar", data={FORM_TOKEN_FIELD: token, **pdv.credentials},
                        timeout=10)
    assert refused.url == f"{web.base_url}{PATH}/ingresar" and INACTIVE in refused.text
    update_point_of_sale(r, pdv.id, active=True)
    assert opens_the_page(page_sign_in(f"{web.base_url}{PATH}", pdv.credentials)[0], web.base_url)


def test_every_answer_of_the_page_sends_the_security_headers(web, pdv):
    browser, landed = page_sign_in(f"{web.base_url}{PATH}", pdv.credentials)
    answers = [requests.get(f"{web.base_url}{PATH}/ingresar", timeout=10), landed,
               browser.get(f"{web.base_url}{PATH}/comprobante", params={"ref": "x"}, timeout=10),
               browser.post(f"{web.base_url}{PATH}/accion", data={}, timeout=10, allow_redirects=False)]
    for answer in answers:
        policy = answer.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in policy and "default-src 'none'" in policy
        assert "script-src" not in policy and "'unsafe-inline'" not in policy
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        assert answer.headers["Referrer-Policy"] == "no-referrer"
        assert answer.headers["Cache-Control"] == "no-store"
    # the style block carries this answer's nonce, and the next answer draws another
    nonce = re.search(r"style-src 'nonce-([^']+)'", landed.headers["Content-Security-Policy"]).group(1)
    assert f'<style nonce="{nonce}">' in landed.text
    assert nonce not in browser.get(f"{web.base_url}{PATH}", timeout=10).headers["Content-Security-Policy"]


@pytest.mark.parametrize("volver", [f"{PATH}\r\nSet-Cookie: x=1", f"{PATH}?ref=a\nb", f"{PATH}\\@ejemplo.com",
                                    "//ejemplo.com/", f"{PATH}/../../otro sitio"])
def test_a_volver_of_another_form_comes_back_to_the_queue(web, pdv, volver):
    browser, landed = page_sign_in(f"{web.base_url}{PATH}", pdv.credentials)
    answer = browser.post(f"{web.base_url}{PATH}/accion", data={
        FORM_TOKEN_FIELD: form_token(landed.text), "accion": "reenviar", "external_reference": "x",
        "volver": volver}, timeout=10, allow_redirects=False)
    assert answer.status_code == 303 and answer.headers["Location"] == PATH


@pytest.fixture
def behind_a_proxy(environment):
    """The app served in this process as production serves it behind a proxy at 127.0.0.1, with a
    budget of three failures and then one every ten seconds; yields its URL."""
    environment(ENCOLA_TRUSTED_PROXIES="127.0.0.1/32", ENCOLA_HTTP_RATE_LIMIT="0.1", ENCOLA_HTTP_RATE_BURST="3",
                ENCOLA_ADMIN_TOKEN="t" * 40, ENCOLA_ADMIN_NETWORKS="192.0.2.0/24,2001:db8::/32")
    from producers.http.app import create_app

    with served_in_thread(create_app()) as url:
        yield url


def random_address() -> str:
    """A client address of its own in 2001:db8::/32 (documentation addresses), so no earlier run's
    budget is spent."""
    return f"2001:db8::{secrets.token_hex(2)}:{secrets.token_hex(2)}"


def test_wrong_credentials_at_the_sign_in_spend_their_address_budget_only(behind_a_proxy, pdv):
    guesser, honest = random_address(), random_address()
    browser = requests.Session()
    token = form_token(browser.get(f"{behind_a_proxy}{PATH}/ingresar", timeout=10).text)

    def sign_in(credentials, address):
        return browser.post(f"{behind_a_proxy}{PATH}/ingresar", data={FORM_TOKEN_FIELD: token, **credentials},
                            headers={"X-Forwarded-For": f"198.51.100.1, {address}"}, timeout=10)

    wrong = {**pdv.credentials, "usertoken": "no-es-este"}
    assert all(BAD_CREDENTIALS.text in sign_in(wrong, guesser).text for _ in range(3))
    stopped = sign_in(pdv.credentials, guesser)  # even the right ones: they are not looked at
    assert stopped.status_code == 429 and int(stopped.headers["Retry-After"]) >= 1
    assert TOO_MANY.split(":")[0] in stopped.text
    assert sign_in(pdv.credentials, honest).url == f"{behind_a_proxy}{PATH}"


def test_the_admin_api_counts_failures_only_per_real_address_and_listens_to_its_networks(behind_a_proxy):
    guesser, operator = random_address(), random_address()

    def listado(address, token="t" * 40):
        return requests.post(f"{behind_a_proxy}/api/v2/admin/puntos_venta/listado", json={}, timeout=10,
                             headers={"Authorization": f"Bearer {token}", "X-Forwarded-For": address})

    # the right token spends nothing, however often it comes
    assert [listado(operator).status_code for _ in range(5)] == [200] * 5
    assert [listado(guesser, "wrong").status_code for _ in range(3)] == [401] * 3
    assert listado(guesser).status_code == 429  # over its budget, not even the right token is looked at
    assert listado(operator).status_code == 200  # another address is not locked out
    outside = listado("198.51.100.7")
    assert outside.status_code == 403 and outside.json()["error_details"][0]["code"] == "TFC-1020"


def test_forwarded_addresses_are_believed_only_from_trusted_proxies(environment):
    environment(ENCOLA_ADMIN_TOKEN="t" * 40, ENCOLA_ADMIN_NETWORKS="192.0.2.0/24", ENCOLA_TRUSTED_PROXIES="10.9.9.9")
    from producers.http.app import create_app

    with served_in_thread(create_app()) as url:
        spoofed = requests.post(f"{url}/api/v2/admin/puntos_venta/listado", json={}, timeout=10,
                                headers={"Authorization": f"Bearer {'t' * 40}", "X-Forwarded-For": "192.0.2.1"})
    assert spoofed.status_code == 403 and "127.0.0.1" in spoofed.json()["errores"][0]


def test_forms_posted_without_following_their_redirects_keep_the_cookie_small(web, pdv):
    """Each answer's message waits in the session cookie for the next page; a client that never opens it
    (the HTTP fuzzer was one) must not grow the cookie past what a browser keeps and gunicorn reads."""
    browser, landed = page_sign_in(f"{web.base_url}{PATH}", pdv.credentials)
    token = form_token(landed.text)
    for n in range(30):
        answer = browser.post(f"{web.base_url}{PATH}/reenviar-hook", allow_redirects=False, timeout=10,
                              data={FORM_TOKEN_FIELD: token, "hook_id": f"hk_{n}_" + secrets.token_hex(500)})
        assert answer.status_code == 303
    cookie = next(c for c in browser.cookies if c.name == COOKIE_NAME)
    assert len(cookie.value) < 2048
    messages = cookie_payload(browser)["_flashes"]
    assert len(messages) == 5 and "hk_29" in json.dumps(messages)
    page = browser.get(f"{web.base_url}{PATH}", timeout=10)
    assert page.status_code == 200 and "hk_29" in page.text and "hk_24" not in page.text

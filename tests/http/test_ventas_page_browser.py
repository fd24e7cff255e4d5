"""The "ventas en cola" page in a real browser (Debian's chromium, driven by Playwright) against the real
`web` process and stack: sign in, fix a comprobante the date guard stopped, reprocess and delete, open a
webhook log and redeliver, and read it all on a phone. Screenshots go to .encola/screenshots/."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from comprobantes.dates import ddmmyyyy
from config import clock
from producers import enqueue
from producers.access import BAD_CREDENTIALS
from producers.http.page import EMITTED_SHOWN
from tests.support.bodies import item
from tests.support.processes import REPO, wait_until
from tests.support.records import wait_all, wait_state

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = REPO / ".encola" / "screenshots"
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM)
        yield launched
        launched.close()


def submit(pdv, ref, fecha):
    answer = enqueue(pdv.body(item(ref, fecha, pto_vta=pdv.pdv.pto_vta)))
    assert answer["error"] == "N", answer


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    print(f"screenshot: {path}")


def sign_in(page, base_url: str, credentials: dict) -> None:
    page.goto(f"{base_url}/ventas-en-cola")
    for name in ("apikey", "apitoken", "usertoken"):
        page.fill(f"input[name={name}]", str(credentials[name]))
    page.click("button:text('Ingresar')")


def row(page, section: str, ref: str):
    return page.locator(f"#{section} tr[data-ref='{ref}']")


def flash(page) -> str:
    """The page's messages, once the page a click led to has loaded (a click waits for its navigation to
    start, not for the next page to load)."""
    page.wait_for_load_state()
    return " ".join(page.locator(".flash").all_inner_texts())


def test_a_point_of_sale_fixes_its_queue_from_the_page(stack, web, pdv, r, browser):
    today = clock.today_ar()
    submit(pdv, "primera", today)
    wait_state(r, pdv, "primera", "emitido")
    submit(pdv, "ayer", today - timedelta(days=1))
    submit(pdv, "futura", today + timedelta(days=5))
    wait_state(r, pdv, "ayer", "error")

    page = browser.new_page()
    refused_by_policy = []
    page.on("console", lambda message: "Content Security Policy" in message.text and refused_by_policy.append(
        message.text))
    # a wrong token: refused without saying which part failed
    sign_in(page, web.base_url, {**pdv.credentials, "usertoken": "no-es-este"})
    assert page.url.endswith("/ventas-en-cola/ingresar")
    assert BAD_CREDENTIALS.text in flash(page)
    shot(page, "ingresar")

    sign_in(page, web.base_url, pdv.credentials)
    assert page.url.endswith("/ventas-en-cola")
    stuck = row(page, "cola", "ayer")
    assert "error" in stuck.inner_text() and "Cambiá la fecha del comprobante" in stuck.inner_text()
    assert "encolado" in row(page, "cola", "futura").inner_text()
    assert re.search(r"\d{5}-00000001\s+\d{14}", row(page, "emitidos", "primera").inner_text())
    shot(page, "ventas-en-cola")
    # an emitted comprobante's PDF and ticket, one click away
    for name in ("PDF", "Ticket"):
        link = row(page, "emitidos", "primera").locator(f"a:text-is('{name}')").get_attribute("href")
        document = page.request.get(web.base_url + link)
        assert document.status == 200 and document.headers["content-type"] == "application/pdf"
    # the page's own style block runs under its Content-Security-Policy, and nothing was refused
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(246, 247, 249)"
    assert refused_by_policy == []

    # resending would fail the same way: the page offers only the new date, proposes the earliest one AFIP
    # accepts, and points to its button rather than the API method
    assert stuck.locator("button:text('Reenviar')").count() == 0
    assert "«Cambiar fecha»" in stuck.inner_text() and "cambiar_fecha_encolado" not in stuck.inner_text()
    assert stuck.locator("input[name=fecha]").input_value() == ddmmyyyy(today)
    # a comprobante dated ahead keeps its own date in the box: one click does not move it to today
    assert row(page, "cola", "futura").locator("input[name=fecha]").input_value() == ddmmyyyy(
        today + timedelta(days=5))

    # delete the future one
    row(page, "cola", "futura").locator("button:text('Eliminar')").click()
    assert "futura se eliminó." in flash(page)
    assert row(page, "cola", "futura").count() == 0

    # change its date to today (the date box's default): it is emitted with the next number
    page.reload()
    stuck = row(page, "cola", "ayer")
    stuck.locator("button:text('Cambiar fecha')").click()
    assert "ayer tiene fecha nueva y volvió a la cola." in flash(page)
    emitted = wait_state(r, pdv, "ayer", "emitido")
    page.reload()
    assert row(page, "cola", "ayer").count() == 0
    assert f"00000002 {emitted.cae}" in " ".join(row(page, "emitidos", "ayer").inner_text().split())

    # its webhook log: redeliver its first hook and see the manual attempt arrive and be logged
    row(page, "emitidos", "ayer").locator("a.ref").click()
    # its history words the date guard's failure as the page does, pointing to the button
    history = page.locator("section.comprobante").inner_text()
    assert "«Cambiar fecha»" in history and "cambiar_fecha_encolado" not in history
    hooks = page.locator("#hooks tr.hook")
    assert [h.split()[1] for h in hooks.all_inner_texts()][:2] == ["encolado", "error"]
    first = hooks.first
    hook_id = first.get_attribute("data-hook")
    before = len([d for d in stack.receiver.received(pdv.hook_path) if d.headers.get("webhook-id") == hook_id])
    first.locator("button:text('Reenviar hook')").click()
    assert f"El hook {hook_id} se envía de nuevo" in flash(page)
    wait_until(lambda: len([d for d in stack.receiver.received(pdv.hook_path)
                            if d.headers.get("webhook-id") == hook_id]) == before + 1,
               message="the redelivered hook at the receiver")
    wait_until(lambda: page.reload() or "manual" in page.locator(f"tr[data-hook='{hook_id}'] .intentos").inner_text(),
               message="the manual attempt in the log")
    shot(page, "comprobante-ayer")

    # sign out: the page asks for credentials again
    page.click("button:text('Salir')")
    page.goto(f"{web.base_url}/ventas-en-cola")
    assert page.url.endswith("/ventas-en-cola/ingresar")
    page.close()


def test_the_page_reads_on_a_phone(stack, web, pdv, r, browser):
    today = clock.today_ar()
    emitted = [f"hoy-{n:02}" for n in range(EMITTED_SHOWN + 5)]
    for ref in emitted:
        submit(pdv, ref, today)
    submit(pdv, "telefono", today + timedelta(days=3))
    wait_all(r, pdv, emitted)
    context = browser.new_context(viewport=PHONE, is_mobile=True)
    page = context.new_page()
    page.goto(f"{web.base_url}/ventas-en-cola")
    shot(page, "ingresar-telefono")
    sign_in(page, web.base_url, pdv.credentials)
    card = row(page, "cola", "telefono")
    assert card.is_visible()
    # no sideways scrolling; rows are cards, their cells stacked and labelled
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert page.locator("#cola thead").is_hidden()
    assert card.evaluate("tr => getComputedStyle(tr).display") == "block"
    assert card.locator("td[data-label='Estado']").evaluate(
        "td => getComputedStyle(td, '::before').content").startswith('"Estado')
    # today's emitted come a page at a time, the last emitted first, the next page one link away
    assert page.locator("#emitidos tbody tr").count() == EMITTED_SHOWN
    assert "página 1 de 2" in page.locator("#emitidos h2").inner_text()
    shot(page, "ventas-en-cola-telefono")
    page.click("#emitidos a:text('Anteriores')")
    page.wait_for_load_state()
    assert page.locator("#emitidos tbody tr").count() == 5
    assert row(page, "emitidos", emitted[0]).count() == 1
    row(page, "emitidos", emitted[0]).locator("a.ref").click()
    page.wait_for_load_state()
    # its moments say their zone
    assert page.locator("td[data-label='Cuándo (hora de Argentina)']").count() > 0
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shot(page, "comprobante-telefono")
    context.close()

"""The ventas en cola page shows an e-mailed comprobante's mail: to whom, its state and its attempts."""

from __future__ import annotations

from config import clock
from producers import enqueue
from producers.http.page import PATH
from tests.support.bodies import item
from tests.support.processes import wait_until
from tests.support.web import page_sign_in


def test_the_comprobante_page_shows_its_mail_and_each_attempt(stack, web, pdv):
    stack.smtp.answer("pagina@example.com", "451 4.3.0 Try again later")
    body = pdv.body(item("pagina-1", clock.today_ar(), pto_vta=pdv.pdv.pto_vta))
    body["cliente"].update(email="pagina@example.com", envia_por_mail="S")
    assert enqueue(body)["envio_x_mail"] == "S"
    browser, _ = page_sign_in(f"{web.base_url}{PATH}", pdv.credentials)

    def shown() -> str:
        return browser.get(f"{web.base_url}{PATH}/comprobante", params={"ref": "pagina-1"}, timeout=10).text

    page = wait_until(lambda: "SMTP 451" in (text := shown()) and text, message="the first attempt on the page")
    assert "E-mail a pagina@example.com" in page and "pendiente" in page and "Try again later" in page

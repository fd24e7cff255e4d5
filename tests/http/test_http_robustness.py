"""Bodies and requests that are not what the API expects: each gets the error shape with a Spanish
message and its documented status, never a 500, an HTML page or a traceback; and nothing is stored."""

from __future__ import annotations

import pytest
import requests

from producers.http.app import create_app
from tests.support.web import Web, served_in_thread

CONSULTA = "facturacion/consulta_avanzada"


def assert_problem(response, status: int, code: str, fragment: str) -> dict:
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    answer = response.json()
    assert answer["error"] == "S" and answer["error_cod"] == []
    assert [d["code"] for d in answer["error_details"]] == [code]
    assert fragment in answer["errores"][0], answer
    return answer


@pytest.mark.parametrize("raw,code,fragment", [
    (b"", "TFC-1003", "esta vacio"),
    (b"{\"apikey\": 1,", "TFC-1003", "no es JSON valido (linea 1, columna 14"),
    (b"{'apikey': 1}", "TFC-1003", "comillas dobles"),
    (b"{\"a\": 1} trailing", "TFC-1003", "hay texto despues"),
    (b"\xff\xfe{}", "TFC-1003", "UTF-8"),
    (b"{\"total\": NaN}", "TFC-1003", "NaN no es un valor JSON valido"),
    (b"{\"total\": Infinity}", "TFC-1003", "Infinity no es un valor JSON valido"),
    (b"{\"total\": " + b"9" * 5000 + b"}", "TFC-1003", "demasiados digitos"),
    (b"{\"a\": " + b"[" * 40 + b"]" * 40 + b"}", "TFC-1003", "mas de 32 niveles"),
    (b"[" * 200_000, "TFC-1003", "mas de 32 niveles"),
    (b'{"comprobante": {"external_reference": "a\\ud800"}}', "TFC-1003",
     "el valor de comprobante.external_reference tiene un sustituto UTF-16 suelto"),
    (b'{"requests": [{"cliente": {"\\udfffx": 1}}]}', "TFC-1003",
     "un nombre de campo dentro de requests[0].cliente tiene un sustituto"),
    (b"[{\"apikey\": 1}]", "TFC-1001", "debe ser un objeto JSON ({...}), no una lista"),
    (b"\"texto\"", "TFC-1001", "no un texto"),
    (b"null", "TFC-1001", "no null"),
])
def test_unreadable_bodies_get_400(web, raw, code, fragment):
    assert_problem(web.post(CONSULTA, data=raw), 400, code, fragment)


def test_a_byte_order_mark_and_any_content_type_are_tolerated(web, pdv):
    body = b'\xef\xbb\xbf{"apikey": "%s", "apitoken": "%s", "usertoken": "%s", "busqueda_tipo": "F", ' \
           b'"comprobante": {"fecha": "01/01/2030"}}' % tuple(pdv.credentials[k].encode() for k in
                                                          ("apikey", "apitoken", "usertoken"))
    answer = web.post(CONSULTA, data=body, headers={"Content-Type": "text/plain"})
    assert answer.status_code == 200 and answer.json() == {
        "rta": "OK", "error": "N", "total": 0, "errores": [], "comprobantes": []}


def test_bodies_over_the_limit_get_413_whether_their_length_is_declared_or_not(web):
    limit = 5 * 1024 * 1024
    padding = b'{"relleno": "' + b"x" * limit + b'"}'
    assert_problem(web.post(CONSULTA, data=padding), 413, "TFC-1004", f"maximo de {limit} bytes")

    def chunks():
        yield b'{"relleno": "'
        for _ in range(limit // 65536 + 1):
            yield b"x" * 65536
        yield b'"}'

    assert_problem(web.post(CONSULTA, data=chunks()), 413, "TFC-1004", "maximo")


def test_unknown_paths_and_methods_get_404_and_405(web):
    assert_problem(requests.get(f"{web.base_url}/api/v2/facturacion/nope", timeout=5), 404, "TFC-1006",
                   "La ruta /api/v2/facturacion/nope no existe")
    assert_problem(web.post("facturacion/nuevo_encola", {}, prefix="/api/v1"), 404, "TFC-1006", "/api/v1/")
    wrong = requests.get(f"{web.base_url}/app/api/v2/facturacion/nuevo_encola", timeout=5)
    assert_problem(wrong, 405, "TFC-1007", "El metodo GET no esta permitido")
    assert "POST" in wrong.headers["Allow"]


def test_huge_and_mistyped_fields_are_answered_by_the_method_with_200(web, pdv):
    huge = web.call("facturacion/reenviar_encolado", {**pdv.credentials, "external_reference": "x" * 1_000_000})
    mistyped = web.call(CONSULTA, {**pdv.credentials, "busqueda_tipo": ["F"], "pagina": "cero", "comprobante": 7})
    assert huge["error"] == "S" and len(huge["errores"][0]) < 200
    assert mistyped["error"] == "S" and len(mistyped["errores"]) >= 2


def test_redis_unreachable_gets_503_and_retry_after(stack):
    from devtools.local_redis import free_port

    down = Web("web-no-redis", stack.env, stack.base_dir, ENCOLA_REDIS_URL=f"redis://127.0.0.1:{free_port()}/0")
    try:
        answer = down.post(CONSULTA, {"apikey": "1", "apitoken": "a", "usertoken": "u"})
        assert_problem(answer, 503, "TFC-1009", "Volve a enviar el mismo request")
        assert answer.headers["Retry-After"] == "5"
    finally:
        down.stop()


def test_an_unexpected_exception_is_a_logged_json_500(caplog):
    app = create_app()

    @app.post("/api/v2/falla")
    def fails():
        raise KeyError("a bug")

    with served_in_thread(app) as url:
        answer = requests.post(f"{url}/api/v2/falla", json={}, timeout=5)
    assert_problem(answer, 500, "TFC-1008", "Error interno del servidor")
    assert "a bug" not in answer.text and "Traceback" not in answer.text
    assert any(record.exc_info and "a bug" in str(record.exc_info[1]) for record in caplog.records)


def test_unknown_fields_are_refused_by_name_rather_than_ignored(web, pdv):
    creds = pdv.credentials
    typo = web.call("facturacion/reenviar_encolado", {**creds, "external_referense": "x"})
    nested = web.call(CONSULTA, {**creds, "busqueda_tipo": "EXT_REF", "limit": 5,
                                 "comprobante": {"external_ref": "x"}})
    assert typo == {"error": "S", "errores": ["El campo external_referense no existe en el formato de TusFacturas."]}
    assert nested["errores"] == ["El campo limit no existe en el formato de TusFacturas.",
                                 "El campo comprobante.external_ref no existe en el formato de TusFacturas."]


@pytest.mark.parametrize("raw,refused", [
    (b'{"a": ' + b"[" * 31 + b"]" * 31 + b"}", False),  # 32 levels: the object and 31 lists
    (b'{"a": ' + b"[" * 32 + b"]" * 32 + b"}", True),
    (b'{"a": ' + b"[" * 30 + b"1" + b"]" * 30 + b"}", False),  # a number one level below its list
    (b'{"a": ' + b"[" * 31 + b"1" + b"]" * 31 + b"}", True),
    (b'{"a": "\\uD83D\\uDE00 \\\\ud800"}', False),  # a pair, and a backslash followed by "ud800"
    (b'{"a": ["x", {"b": "\\uDBFF"}]}', True),
])
def test_the_body_reader_counts_levels_and_finds_lone_surrogates_however_written(raw, refused):
    from producers.http.body import read_body
    from producers.http.errors import Refusal

    if refused:
        with pytest.raises(Refusal):
            read_body(raw, 10_000)
    else:
        assert isinstance(read_body(raw, 10_000), dict)

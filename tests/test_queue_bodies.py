"""The queue operations' bodies (producers/queue_bodies.py) as `handles` judges them: the loaded, typed
body a handler gets, and the Spanish sentences, one or all, that every bad body has always been answered
with (docs/http-api.md; TusFacturas' queue operation pages)."""

from __future__ import annotations

from datetime import date

import pytest

from producers.bodies import judge
from producers.queue_bodies import (
    BAD_FECHA, MISSING_REFERENCE, NUMEROS, TIPO_Y_NUMERO, CambiarFechaEncolado, Consulta,
    ConsultaAvanzada, EliminarEncolado, ReenviarEncolado,
)

CREDS = {"apikey": 1, "apitoken": "a", "usertoken": "u"}
BAD_VENCIMIENTO = "El vencimiento no tiene el formato correcto (dd/mm/aaaa)."
SEARCH_REFERENCE = "Debes enviar el external_reference a buscar (de 1 a 255 caracteres)."
BAD_TIPO = "El tipo de comprobante enviado no es valido."
BAD_SEARCH = "El campo busqueda_tipo debe ser EXT_REF, F o TN."
BAD_PAGE = "El campo pagina debe ser un numero entero desde 0."
BAD_LIMIT = "El campo limite debe ser un numero entero entre 0 y 1000."


def loaded(schema, **body) -> dict:
    data, problems = judge(schema, {**CREDS, **body})
    assert problems == [], problems
    return data


def problems(schema, **body) -> list[str]:
    return judge(schema, {**CREDS, **body})[1]


def test_a_reference_is_text_of_up_to_255_characters_or_a_number_read_as_its_digits():
    assert loaded(ReenviarEncolado, external_reference=703)["external_reference"] == "703"
    assert loaded(ReenviarEncolado, external_reference="x" * 255)["external_reference"] == "x" * 255
    for bad in ("", "x" * 256, True, None, ["x"]):
        assert problems(ReenviarEncolado, external_reference=bad) == [MISSING_REFERENCE]
    assert problems(ReenviarEncolado) == [MISSING_REFERENCE]


def test_a_date_change_is_answered_every_problem_in_the_fields_order():
    assert problems(CambiarFechaEncolado, fecha="2030-01-01", vencimiento="31/02/2030") == [
        MISSING_REFERENCE, BAD_FECHA, BAD_VENCIMIENTO]
    data = loaded(CambiarFechaEncolado, external_reference="r", fecha=" 1/2/2030 ", vencimiento="")
    assert data["fecha"] == date(2030, 2, 1) and data["vencimiento"] is None
    assert loaded(CambiarFechaEncolado, external_reference="r", fecha="01/02/2030",
                  vencimiento=None)["vencimiento"] is None


def test_a_deletion_is_answered_its_first_problem_only_and_an_empty_fecha_is_none():
    assert problems(EliminarEncolado, external_reference="", fecha="ayer") == [MISSING_REFERENCE]
    assert problems(EliminarEncolado, external_reference="r", fecha="ayer") == [BAD_FECHA]
    assert loaded(EliminarEncolado, external_reference="r", fecha="")["fecha"] is None
    assert loaded(EliminarEncolado, external_reference="r", fecha="03/04/2030")["fecha"] == date(2030, 4, 3)


def test_a_search_gets_its_paging_as_integers_with_their_defaults():
    data = loaded(ConsultaAvanzada, busqueda_tipo="F", comprobante={"fecha": "01/01/2030"})
    assert (data["pagina"], data["limite"], data["comprobante"]) == (0, 1000, {"fecha": date(2030, 1, 1)})
    assert loaded(ConsultaAvanzada, busqueda_tipo="F", limite=0, comprobante={"fecha": "01/01/2030"})["limite"] == 1000
    assert problems(ConsultaAvanzada, busqueda_tipo="X", pagina="2", limite=True) == [BAD_SEARCH, BAD_PAGE, BAD_LIMIT]
    assert problems(ConsultaAvanzada, busqueda_tipo="F", pagina=None, limite=1001) == [BAD_PAGE, BAD_LIMIT]


@pytest.mark.parametrize(("search", "criteria", "answer"), [
    ("EXT_REF", {"external_reference": ""}, [SEARCH_REFERENCE]),
    ("EXT_REF", None, [SEARCH_REFERENCE]),
    ("F", {"fecha": "2030-01-01"}, [BAD_FECHA]),
    ("F", 7, [BAD_FECHA]),
    ("TN", {"tipo": "FACTURA Z", "numero_desde": -1}, [BAD_TIPO]),
    ("TN", {"tipo": "FACTURA B", "numero_desde": 100000000, "numero_hasta": "9"}, [NUMEROS]),
    ("TN", {"tipo": "FACTURA B", "numero_desde": 0}, [NUMEROS]),
])
def test_a_search_is_answered_the_first_problem_of_the_criteria_it_reads(search, criteria, answer):
    body = {"busqueda_tipo": search} if criteria is None else {"busqueda_tipo": search, "comprobante": criteria}
    assert problems(ConsultaAvanzada, **body) == answer


def test_the_criteria_are_read_only_when_the_rest_of_the_search_is_fine_and_only_those_it_uses():
    assert problems(ConsultaAvanzada, busqueda_tipo="TN", pagina=-1, comprobante={}) == [BAD_PAGE]
    data = loaded(ConsultaAvanzada, busqueda_tipo="TN", comprobante={
        "tipo": " factura b ", "numero_desde": 1, "numero_hasta": 5, "punto_venta": "3", "fecha": "no",
        "operacion": "X"})
    assert data["comprobante"]["tipo"].cbte_tipo == 6 and data["comprobante"]["punto_venta"] == "3"
    assert "fecha" not in data["comprobante"] and "operacion" not in data["comprobante"]


def test_a_consulta_asks_for_tipo_and_numero_once_and_takes_any_whole_numero():
    assert problems(Consulta) == [TIPO_Y_NUMERO]
    assert problems(Consulta, comprobante={"tipo": "Z", "numero": "1"}) == [TIPO_Y_NUMERO]
    wanted = loaded(Consulta, comprobante={"tipo": "FACTURA B", "numero": -1, "punto_venta": 9})["comprobante"]
    assert wanted["numero"] == -1 and wanted["punto_venta"] == 9

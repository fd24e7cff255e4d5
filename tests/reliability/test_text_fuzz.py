"""Generated text through the whole path: into every text field of a valid comprobante, submitted to the
real `web` process, and on through the real workers to the AFIP simulator.

Control characters, lone surrogates (JSON's `\\ud800` escapes), astral-plane characters, U+FFFE/U+FFFF and
long strings each meet one of two ends: a refusal in the shape of TusFacturas' pages naming the field (TFC-1030 when a
character XML cannot carry is the reason; TFC-1003, HTTP 400, for a lone surrogate, which is not text),
or acceptance and then emission (or AFIP's own rejection) at the first attempt. Never an internal
error, never a comprobante that stays in the queue.
ENCOLA_FUZZ_EXAMPLES / 8 bodies (50 by default; `make chaos` sends 2500).
"""

from __future__ import annotations

import itertools
import os
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from comprobantes import problems as P
from config import clock
from tests.support.bodies import item, put, text_fields
from tests.support.records import wait_all
from tests.support.web import Web

EXAMPLES = max(50, int(os.environ.get("ENCOLA_FUZZ_EXAMPLES", "400")) // 8)
FIELDS = text_fields()
FREE = [field for field in FIELDS if field.free]  # most texts reach emission only through these
ANY = st.characters(codec=None, exclude_categories=())  # every code point, surrogates included
ODD = st.one_of(
    st.characters(max_codepoint=0x9F),
    st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF, categories=["Cs"]),
    st.sampled_from(["\ufffe", "\uffff", "\ufeff", "\u2028", "\t", "\r", "\n"]),
    st.characters(min_codepoint=0x10000, exclude_categories=()),
)
CLEAN = st.characters(codec=None, exclude_categories=("Cc", "Cs"))  # astral and unassigned ones included
TEXT = st.one_of(
    st.text(CLEAN, min_size=1, max_size=60),
    st.text(CLEAN, min_size=200, max_size=300),
    st.text(max_size=40),
    st.text(st.one_of(ODD, st.characters(min_codepoint=0x20, max_codepoint=0x7E)), max_size=40),
    st.text(ANY, max_size=40),
    st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E) | ANY, min_size=240, max_size=1100),
)
# What must be refused, written out here rather than taken from the code under test (surrogates aside:
# those never make it past the body's reading).
REFUSED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")
AFIP_SAYS = "AFIP Factura electronica, informa el siguiente error"


def base(ref: str, pto_vta: int) -> dict:
    """A valid item in which every block that holds text is present, so that a good text is accepted."""
    built = item(ref, clock.today_ar(), pto_vta=pto_vta)
    built["comprobante"].update(
        rg_especiales={"regimen": "RG 5329", "datos": [{"id": 5329, "valor": "si"}]},
        pagos={"formas_pago": [{"descripcion": "Efectivo", "importe": "139.00"}], "total": "139.00"},
        leyenda_gral="", comentario="", tags=["a"], fex={}, datos_informativos={"paga_misma_moneda": "N"})
    return built


@pytest.fixture(scope="module")
def text_web(stack):
    server = Web("web-text-fuzz", stack.env, stack.base_dir, ENCOLA_HTTP_RATE_LIMIT="0")
    yield server
    server.stop()


@pytest.mark.timeout(max(300, EXAMPLES // 4))
def test_generated_text_in_any_field_is_refused_cleanly_or_emitted_at_the_first_attempt(stack, r, text_web):
    pdv = stack.new_pdv()
    assert text_web.call("facturacion/nuevo_encola", pdv.body(base("text-base", pdv.pdv.pto_vta)))["error"] == "N"
    refs = itertools.count()
    accepted: dict[str, dict] = {}

    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(changes=st.lists(st.tuples(st.sampled_from(FREE) | st.sampled_from(FIELDS), TEXT), min_size=1, max_size=3))
    def fuzz(changes):
        ref = f"text-{next(refs)}"
        built = base(ref, pdv.pdv.pto_vta)
        final = {}
        for (path, keys, _), text in changes:
            put(built, keys, {"generada": [text]} if path == "comprobante.fex" else text)
            final[path] = text
        refused = {path for path, text in final.items() if REFUSED.search(text)}
        response = text_web.post("facturacion/nuevo_encola", pdv.body(built))
        answer = response.json()
        codes = [detail["code"] for detail in answer.get("error_details", [])]
        if any(re.search("[\ud800-\udfff]", text) for text in final.values()):
            # not even text: refused as the body is read, before anything echoes it back
            assert (response.status_code, codes) == (400, [P.NOT_JSON.code]), answer
            return
        assert response.status_code == 200, response.text
        assert answer["error"] in ("N", "S") and P.INTERNAL.code not in codes, answer
        assert all(re.fullmatch(r"TFC-\d{4}", code) for code in codes), answer
        named = {detail["text"].split(" ")[2] for detail in answer.get("error_details", [])
                 if detail["code"] == P.CHARACTER.code}
        assert named == refused, (changes, answer)
        if answer["error"] == "N":
            accepted[ref] = built

    fuzz()
    print(f"\n[text fuzz] {EXAMPLES} bodies: {len(accepted)} accepted, the rest refused")
    assert accepted, "no generated text was accepted: the emission half was not exercised"
    records = wait_all(r, pdv, ["text-base", *accepted], states=("emitido", "error"),
                       timeout=max(120, len(accepted) // 10))
    for rec in records:
        assert rec.attempts == 1, (rec.external_reference, rec.state, rec.last_error)
        assert rec.state == "emitido" or rec.last_error[0].startswith(AFIP_SAYS), \
            (accepted.get(rec.external_reference), rec.last_error)

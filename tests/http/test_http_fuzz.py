"""Property-based fuzzing of every endpoint through the real `web` process: bodies that fit /openapi.json
and bodies that do not (schemathesis), bytes that are not even JSON, and identifiers of every form: hook ids
for the hook methods and the page, places to come back to (`volver`) for the page's forms (hypothesis).
No request may get a 5xx, and every answer must be the JSON its OpenAPI document promises.

The server under fuzz has a Redis database of its own, so that whatever the fuzzer creates (points of
sale from the admin API, comprobantes from valid credentials) never reaches the rest of the run.
ENCOLA_FUZZ_EXAMPLES sets how many bodies (default 400); `make chaos` raises it.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance, not_a_server_error, response_schema_conformance, status_code_conformance,
)

from afip.simulator.certs import issue_client_certificate
from config.redis_client import get_redis
from config.redis_target import with_db
from producers.http.page import PATH
from producers.http.page_session import FORM_TOKEN_FIELD
from producers.http.routes import ENDPOINTS, PREFIXES
from tests.support.web import ADMIN_TOKEN, Web, page_sign_in
from webhook_dispatch.events import HOOK_ID_PATTERN
from webhook_dispatch.outbox import attempts_key
from webhook_dispatch.points_of_sale import create_point_of_sale

EXAMPLES = int(os.environ.get("ENCOLA_FUZZ_EXAMPLES", "400"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
seen: Counter = Counter()


def two_points_of_sale(stack, r) -> list[dict]:
    """The credentials of two new points of sale of a CUIT of their own, so that what the instant `nuevo`
    emits at the simulator never takes another test's numbers."""
    cuit = stack.new_cuit()
    cert = issue_client_certificate(str(stack.base_dir / "certs"), cuit, name=f"cuit{cuit}")
    return [create_point_of_sale(r, cuit=cuit, pto_vta=n, webhook_url="http://127.0.0.1:9/h",
                                 cert_path=cert.cert_path, key_path=cert.key_path)[1] for n in (1, 2)]


@pytest.fixture(scope="module")
def fuzz_web(stack):
    url = with_db(stack.env["ENCOLA_REDIS_URL"], 1)
    server = Web("web-fuzz", stack.env, stack.base_dir, ENCOLA_REDIS_URL=url, ENCOLA_HTTP_RATE_LIMIT="0",
                 ENCOLA_ADMIN_TOKEN=ADMIN_TOKEN)
    server.url = url
    r = get_redis(url)
    r.flushdb()
    # Valid credentials for most bodies, so the fuzzer reaches past authentication.
    server.credentials = two_points_of_sale(stack, r)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def api(fuzz_web):
    return schemathesis.openapi.from_url(f"{fuzz_web.base_url}/openapi.json")


def _cases(api):
    operations = [result.ok() for result in api.get_all_operations()]
    assert len(operations) == len(ENDPOINTS)
    return st.one_of([operation.as_strategy(generation_mode=mode)
                      for operation in operations for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)])


# A body takes about 25 ms; the run's time limit grows with the number asked for.
@pytest.mark.timeout(max(300, EXAMPLES // 10))
def test_no_body_that_fits_or_breaks_the_openapi_document_gets_a_5xx(fuzz_web, api):
    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(case=_cases(api), data=st.data())
    def fuzz(case, data):
        if isinstance(case.body, dict) and data.draw(st.integers(0, 3)):
            case.body.update(data.draw(st.sampled_from(fuzz_web.credentials)))
        prefix = data.draw(st.sampled_from(PREFIXES))
        response = case.call(base_url=fuzz_web.base_url + prefix, session=fuzz_web.session,
                             headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
        seen[response.status_code] += 1
        case.validate_response(response, checks=CHECKS)
        if response.status_code == 200:
            seen[f"error {response.json()['error']}"] += 1
            # a rotation answers the point of sale's new credentials: go on with them
            fresh = response.json().get("credenciales")
            if isinstance(fresh, dict) and fresh.get("apikey") in [c["apikey"] for c in fuzz_web.credentials]:
                fuzz_web.credentials = [fresh if c["apikey"] == fresh["apikey"] else c for c in fuzz_web.credentials]

    fuzz()
    report(f"schemathesis: {seen.total() - seen['error N'] - seen['error S']} bodies over {len(ENDPOINTS)} "
           f"endpoints: {dict(sorted(seen.items(), key=str))}")


JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=20,
)


@pytest.mark.timeout(max(300, EXAMPLES // 10))
def test_no_bytes_at_all_get_a_5xx(fuzz_web):
    paths = [f"{prefix}/{endpoint.path}" for endpoint in ENDPOINTS for prefix in PREFIXES]
    raw = st.binary(max_size=300) | JSONISH.map(lambda value: repr(value).encode()) | \
        st.text(max_size=300).map(str.encode)
    statuses: Counter = Counter()

    @settings(max_examples=max(50, EXAMPLES // 4), deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(path=st.sampled_from(paths), body=raw)
    def fuzz(path, body):
        response = fuzz_web.session.post(f"{fuzz_web.base_url}{path}", data=body, timeout=60)
        statuses[response.status_code] += 1
        assert response.status_code < 500, response.text
        assert response.headers["Content-Type"] == "application/json; charset=utf-8"
        assert response.json()["error"] in ("N", "S")

    fuzz()
    report(f"raw bodies: {sum(statuses.values())}, statuses {dict(sorted(statuses.items()))}")


TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=80)  # what a form or JSON can carry


@pytest.fixture(scope="module")
def hook_owners(stack, fuzz_web):
    """Two points of sale of their own for the identifier fuzzers: the body fuzzer before them holds the
    operator's token and may rotate, deactivate or cap the first ones."""
    return two_points_of_sale(stack, get_redis(fuzz_web.url))


@pytest.fixture(scope="module")
def hook_ids(fuzz_web, hook_owners):
    """Ids of real hooks of the first point of sale, each with an attempt in its log as a delivery leaves
    one (no webhook worker serves this database, so the test writes it as the worker would)."""
    r = get_redis(fuzz_web.url)
    ids = [fuzz_web.post("hooks/test", hook_owners[0]).json()["hook_id"] for _ in range(2)]
    for hook_id in ids:
        r.rpush(attempts_key(hook_id), json.dumps({"attempt": 1, "trigger": "automatic", "status": None}))
    return ids


def hook_id_forms(real: list[str]):
    """Hook ids of every form: real ones, real ones with a suffix that names another key, well-formed
    ones of no hook, and any text."""
    return (st.sampled_from(real) | st.tuples(st.sampled_from(real), st.sampled_from([":attempts", ":", "\r\n", " "])
                                              | TEXT).map("".join)
            | st.from_regex(HOOK_ID_PATTERN, fullmatch=True) | TEXT)


@pytest.mark.timeout(max(300, EXAMPLES // 10))
def test_no_hook_id_gets_a_5xx_nor_another_point_of_sale_s_hook(fuzz_web, hook_owners, hook_ids):
    statuses: Counter = Counter()

    @settings(max_examples=max(50, EXAMPLES // 4), deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(path=st.sampled_from(["hooks/consulta", "hooks/reenviar"]), hook_id=hook_id_forms(hook_ids),
           whose=st.sampled_from([0, 1]))
    @example(path="hooks/consulta", hook_id=f"{hook_ids[0]}:attempts", whose=1)  # found by the review
    @example(path="hooks/reenviar", hook_id=f"{hook_ids[0]}:attempts", whose=1)
    def fuzz(path, hook_id, whose):
        response = fuzz_web.post(path, {**hook_owners[whose], "hook_id": hook_id})
        statuses[response.status_code] += 1
        assert response.status_code == 200, response.text
        answer = response.json()
        statuses[f"error {answer['error']}"] += 1
        if answer["error"] == "N" and path == "hooks/consulta":
            assert [h["hook_id"] for h in answer["hooks"]] == ([hook_id] if hook_id in hook_ids and whose == 0 else [])

    fuzz()
    report(f"hook ids: {dict(sorted(statuses.items(), key=str))}")


@pytest.mark.timeout(max(300, EXAMPLES // 10))
def test_no_volver_nor_hook_id_breaks_the_page(fuzz_web, hook_owners, hook_ids):
    browser, landed = page_sign_in(f"{fuzz_web.base_url}{PATH}", hook_owners[0])
    token = re.search(rf'name="{FORM_TOKEN_FIELD}" value="([^"]+)"', landed.text).group(1)
    statuses: Counter = Counter()

    @settings(max_examples=max(50, EXAMPLES // 4), deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(form=st.sampled_from(["accion", "reenviar-hook"]), hook_id=hook_id_forms(hook_ids),
           volver=TEXT | st.tuples(st.just(PATH), TEXT).map("".join))
    @example(form="accion", hook_id="", volver=f"{PATH}\r\nSet-Cookie: x=1")  # found by the review
    @example(form="reenviar-hook", hook_id=f"{hook_ids[0]}:attempts", volver=PATH)
    def fuzz(form, hook_id, volver):
        response = browser.post(f"{fuzz_web.base_url}{PATH}/{form}", timeout=60, allow_redirects=False, data={
            FORM_TOKEN_FIELD: token, "accion": "reenviar", "external_reference": "x", "hook_id": hook_id,
            "volver": volver})
        statuses[response.status_code] += 1
        assert response.status_code == 303, response.text
        assert response.headers["Location"].startswith(PATH) and not response.headers["Location"].startswith("//")

    fuzz()
    report(f"page forms: {dict(sorted(statuses.items(), key=str))}")


def report(line: str) -> None:
    print(f"\n[fuzz] {line}")


def test_the_openapi_document_and_the_docs_page_are_served(fuzz_web, api):
    api.validate()
    page = requests.get(f"{fuzz_web.base_url}/docs", timeout=5)
    assert page.status_code == 200 and "/openapi.json" in page.text
    for asset in ("swagger-ui.css", "swagger-ui-bundle.js"):
        assert requests.get(f"{fuzz_web.base_url}/docs/assets/{asset}", timeout=5).status_code == 200
    document = requests.get(f"{fuzz_web.base_url}/openapi.json", timeout=5).json()
    assert [server["url"] for server in document["servers"]] == list(PREFIXES)
    assert {path.lstrip("/") for path in document["paths"]} == {endpoint.path for endpoint in ENDPOINTS}

"""A point of sale's webhook endpoint state in its own hash, on a database of the test run's Redis that no
worker touches: created with the point of sale, re-enabled by a new URL, and moved out of the point of
sale's hash (where deployments before it kept it) the first time anything touches it."""

from __future__ import annotations

import pytest

from accounts.points_of_sale import UnknownPointOfSale, get_point_of_sale, update_point_of_sale
from config.keys import key
from webhook_dispatch import endpoints
from webhook_dispatch.points_of_sale import create_point_of_sale
from webhook_dispatch.points_of_sale import update_point_of_sale as update_with_endpoint

LEGACY_FIELDS = ("webhook_secret", "webhook_secret_previous", "webhook_secret_previous_until", "webhook_disabled_at",
                 "webhook_disabled_reason")


def new_pdv(r, pto_vta: int = 1):
    pdv, _ = create_point_of_sale(r, cuit=20111111112, pto_vta=pto_vta, webhook_url="http://127.0.0.1:9/hooks",
                                  cert_path="", key_path="")
    return pdv


def legacy_layout(r, pdv_id: str) -> None:
    """Put the endpoint back where deployments before its own hash kept it: the point of sale's hash, and
    the failing streak in pdv:<id>:webhook_health."""
    r.delete(key("pdv", pdv_id, "endpoint"))
    r.hset(key("pdv", pdv_id), mapping={
        "webhook_secret": "whsec_actual", "webhook_secret_previous": "whsec_anterior",
        "webhook_secret_previous_until": "1900000000.5", "webhook_disabled_at": "1800000000.25",
        "webhook_disabled_reason": "410 Gone"})
    r.hset(key("pdv", pdv_id, "webhook_health"), mapping={
        "url": "http://127.0.0.1:9/hooks", "since": "1799990000.0", "last": "1799999999.0"})


def test_a_new_point_of_sale_has_its_endpoint_and_a_secret_in_the_endpoints_hash_only(quiet_db):
    pdv = new_pdv(quiet_db)

    endpoint = endpoints.read(quiet_db, pdv.id)
    assert endpoint.secret.startswith("whsec_") and not endpoints.is_disabled(endpoint)
    assert endpoints.signing_secrets(endpoint, 0) == [endpoint.secret]
    assert not set(LEGACY_FIELDS) & set(quiet_db.hgetall(key("pdv", pdv.id)))


def test_reading_an_endpoint_of_the_old_layout_moves_it_into_its_own_hash_losing_nothing(quiet_db):
    pdv = new_pdv(quiet_db)
    legacy_layout(quiet_db, pdv.id)

    loaded, endpoint = endpoints.load(quiet_db, pdv.id)

    assert loaded == get_point_of_sale(quiet_db, pdv.id)
    assert endpoint == endpoints.Endpoint(
        secret="whsec_actual", previous_secret="whsec_anterior", previous_secret_until=1900000000.5,
        disabled_at=1800000000.25, disabled_reason="410 Gone", failing_url="http://127.0.0.1:9/hooks",
        failing_since=1799990000.0, last_failure=1799999999.0)
    assert endpoints.signing_secrets(endpoint, 1900000000.0) == ["whsec_actual", "whsec_anterior"]
    assert endpoints.describe(loaded, endpoint) == {
        "webhook_url": "http://127.0.0.1:9/hooks", "disabled": True, "disabled_at": 1800000000.25,
        "disabled_reason": "410 Gone", "failing_since": 1799990000.0, "last_failure": 1799999999.0,
        "previous_secret_until": 1900000000.5}
    assert not set(LEGACY_FIELDS) & set(quiet_db.hgetall(key("pdv", pdv.id)))
    assert not quiet_db.exists(key("pdv", pdv.id, "webhook_health"))
    assert endpoints.read(quiet_db, pdv.id) == endpoint  # moved once: the copy is now the endpoint


def test_a_write_to_an_endpoint_of_the_old_layout_moves_it_first(quiet_db):
    pdv = new_pdv(quiet_db)
    legacy_layout(quiet_db, pdv.id)

    new = endpoints.rotate_secret(quiet_db, pdv.id, grace_seconds=60)

    endpoint = endpoints.read(quiet_db, pdv.id)
    assert (endpoint.secret, endpoint.previous_secret) == (new, "whsec_actual")
    assert endpoint.disabled_reason == "410 Gone"
    assert "webhook_secret" not in quiet_db.hgetall(key("pdv", pdv.id))


def test_a_new_url_enables_the_endpoint_and_other_changes_leave_it_disabled(quiet_db):
    pdv = new_pdv(quiet_db)
    endpoints.disable(quiet_db, pdv.id, "prueba")

    update_with_endpoint(quiet_db, pdv.id, concepto=2)
    update_point_of_sale(quiet_db, pdv.id, webhook_url="http://127.0.0.1:9/otra")  # accounts alone: no rule
    assert endpoints.is_disabled(endpoints.read(quiet_db, pdv.id))

    update_with_endpoint(quiet_db, pdv.id, webhook_url="http://127.0.0.1:9/nueva")
    assert not endpoints.is_disabled(endpoints.read(quiet_db, pdv.id))
    assert get_point_of_sale(quiet_db, pdv.id).webhook_url == "http://127.0.0.1:9/nueva"


def test_without_a_point_of_sale_there_is_no_endpoint_and_nothing_is_written(quiet_db):
    quiet_db.hset(key("pdv", "20111111112-00009"), "id", "20111111112-00009")  # one still being created

    for ident in ("20111111112-00009", "20111111112-00010"):
        with pytest.raises(UnknownPointOfSale):
            endpoints.read(quiet_db, ident)
        with pytest.raises(UnknownPointOfSale):
            endpoints.rotate_secret(quiet_db, ident)
        endpoints.disable(quiet_db, ident, "prueba")
        assert not quiet_db.exists(key("pdv", ident, "endpoint"))

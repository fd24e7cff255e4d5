"""webhook_dispatch.migration on hooks written as main wrote them before hooks were stored as their
parameters (7479e41): each field and index entry staged here as that version's outbox staged it."""

from __future__ import annotations

import json

from config import clock
from config.keys import key
from producers.limits import waiting
from tests.support.stored import new_pdv
from webhook_dispatch import migration
from webhook_dispatch.events import new_hook_id, stored_body
from webhook_dispatch.hook_log import get_hook, hooks_for_reference
from webhook_dispatch.outbox import hook_key, pdv_state_hooks_key

DAY = 86400


def old_hook(r, pdv_id: str, ref: str, *, state: str = "pendiente", creado_off_by: float = 0,
             created: float | None = None, extra: dict | None = None) -> tuple[str, str]:
    """A hook as the old outbox.stage wrote it (body included), with its old index entries; (id, body)."""
    created = created or clock.timestamp()
    hook_id = new_hook_id(created)
    payload = {"creado": clock.wall_clock_ar(created + creado_off_by), "evento": "encolado",
               "recurso": "facturacion", "external_reference": ref, "intento": 1, "msg": [], "hook_id": hook_id,
               **(extra or {})}
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    r.hset(hook_key(hook_id), mapping={
        "id": hook_id, "pdv": pdv_id, "evento": "encolado", "external_reference": ref, "comprobante": "41",
        "body": body, "created": repr(created), "state": state, "automatic": "1", "attempts": 0,
        "next_at": repr(created) if state == "pendiente" else "", "manual": "", "line": "", "attempt_until": "",
        **({"delivered_at": repr(created + 1), "last_status": "200", "tries": "1"} if state == "entregado" else {}),
    })
    r.zadd(key("pdv", pdv_id, "hooks"), {hook_id: created})
    if state == "pendiente":
        r.zadd(key("pdv", pdv_id, "hooks", "waiting"), {hook_id: created})
    r.zadd(key("pdv", pdv_id, "ref_hooks", ref), {hook_id: created})
    return hook_id, body


def test_old_hooks_are_rebuilt_when_their_bytes_match_and_the_old_indices_move(quiet_db):
    r = quiet_db
    pdv = new_pdv(r)
    lote = {"error": "N", "rta": "El comprobante se ha encolado " * 4, "facturacion_lote_id_referencia": "L-1"}
    rebuilt, rebuilt_body = old_hook(r, pdv.id, "con:dos:puntos", extra=lote)
    # The old code read the clock twice: a body whose `creado` fell in the next second cannot be rebuilt.
    kept, kept_body = old_hook(r, pdv.id, "con:dos:puntos", creado_off_by=1)
    delivered, delivered_body = old_hook(r, pdv.id, "entregado-1", state="entregado")
    r.expire(hook_key(delivered), 30 * DAY)  # its retention period, which migration keeps
    # Two hooks of one millisecond, made in the opposite order to their ids: the old index ordered by the
    # microsecond of `created`, and so does the log after the migration.
    millisecond = int(clock.timestamp() * 1000) / 1000
    later, _ = old_hook(r, pdv.id, "mismo-ms", state="entregado", created=millisecond + 0.0004)
    earlier, _ = old_hook(r, pdv.id, "mismo-ms", state="entregado", created=millisecond + 0.0001)
    # The old `pendiente` index was trimmed by age: this pending hook is only in the waiting set.
    r.zrem(pdv_state_hooks_key(pdv.id, "pendiente"), rebuilt)
    before = {hook_id: get_hook(r, pdv.id, hook_id) for hook_id in (rebuilt, kept, delivered)}

    counts = migration.migrate(r)

    # The delivered hooks were only in the point of sale's log, which goes: they move to their state's index.
    assert counts == {"hooks_rebuilt": 4, "hooks_kept_with_body": 1, "waiting_sets_dropped": 1,
                      "pending_restored": 2, "reference_sets_moved": 3, "reference_entries_moved": 5,
                      "hook_logs_dropped": 1, "hooks_reindexed": 3}
    assert {hook_id: get_hook(r, pdv.id, hook_id) for hook_id in before} == before
    assert [stored_body(h, r.hgetall(hook_key(h))) for h in (rebuilt, kept, delivered)] == [
        rebuilt_body, kept_body, delivered_body]
    assert "body" not in r.hgetall(hook_key(rebuilt)) and r.hget(hook_key(kept), "body") == kept_body
    assert r.object("encoding", hook_key(rebuilt)) == "listpack"
    assert not {"id", "delivered_at", "last_status", "line", "manual"} & set(r.hgetall(hook_key(delivered)))
    assert 30 * DAY - 60 < r.ttl(hook_key(delivered)) <= 30 * DAY
    assert [e.hook_id for e in hooks_for_reference(r, pdv.id, "con:dos:puntos")] == [rebuilt, kept]
    assert [e.hook_id for e in hooks_for_reference(r, pdv.id, "entregado-1")] == [delivered]
    assert [e.hook_id for e in hooks_for_reference(r, pdv.id, "mismo-ms")] == [earlier, later]
    assert r.keys(key("pdv", pdv.id, "ref_hooks", "*")) == [] and not r.exists(key("pdv", pdv.id, "hooks", "waiting"))
    assert waiting(r, pdv.id) == (0, 2)

    assert set(migration.migrate(r).values()) == {0}
    assert {hook_id: get_hook(r, pdv.id, hook_id) for hook_id in before} == before

"""`encola migrate`'s part for comprobantes: converts a store written before issue 19 to the compact
layout, in place (docs/operating.md, "Upgrading").

- Each record (`cbte:<id>`, a hash) and its audit list (`cbte:<id>:audit`) become one value
  (comprobantes/record_codec.py), CHUNK records per transaction.
- Each per-reference index (`pdv:<pdv>:ref:<reference>`) moves into the bucketed one
  (comprobantes/references.py).
- The index of every comprobante by arrival (`pdv:<pdv>:all`), which nothing reads, goes, and so does the
  index of `encolado` comprobantes per tipo (`pdv:<pdv>:state:encolado:tipo:<tipo>`), now the lane's
  pending set.

Each step reads what it converts inside a WATCH and skips what is already converted, so a migration that
stops half way is finished by running it again. It runs with the service stopped: processes of either
version must not write meanwhile.
"""

from __future__ import annotations

import json
import re
from itertools import islice

from comprobantes import references
from comprobantes.lifecycle import State
from comprobantes.store import Record, cbte_key
from config.keys import key

CHUNK = 200
_RECORD = re.compile(re.escape(key("cbte", "")) + r"(\d+)")
_REFERENCE_INDEX = re.compile(re.escape(key("pdv", "")) + r"([^:]+):ref:([^:]+)")


def migrate(r) -> dict[str, int]:
    """Convert what is left of the earlier layout; returns how many of each thing it converted."""
    counts = {"comprobantes": 0, "references": 0, "removed_indices": 0}
    rids = (found.group(1) for name in r.scan_iter(match=key("cbte", "*"), count=1000, _type="hash")
            if (found := _RECORD.fullmatch(name)))
    while chunk := list(islice(rids, CHUNK)):
        counts["comprobantes"] += r.transaction(lambda pipe: _convert_records(pipe, chunk),
                                                *[name for rid in chunk for name in _old_keys(rid)],
                                                value_from_callable=True)
    for name in list(r.scan_iter(match=key("pdv", "*", "ref", "*"), count=1000, _type="zset")):
        if found := _REFERENCE_INDEX.fullmatch(name):
            counts["references"] += r.transaction(lambda pipe: _move_reference(pipe, name, *found.groups()),
                                                  name, value_from_callable=True)
    # Nothing reads the index of every comprobante by arrival; the one of `encolado` per tipo is now its
    # lane's pending set (Store's queue_tipo_key).
    for pattern in (key("pdv", "*", "all"), key("pdv", "*", "state", State.ENCOLADO, "tipo", "*")):
        for name in list(r.scan_iter(match=pattern, count=1000, _type="zset")):
            counts["removed_indices"] += r.delete(name)
    return counts


def _old_keys(rid: str) -> tuple[str, str]:
    return cbte_key(rid), cbte_key(rid) + ":audit"


def _convert_records(pipe, rids: list[str]) -> int:
    """Stage each record of `rids` still stored as a hash as its one value; returns how many."""
    found = {}
    for rid in rids:
        record, audit = _old_keys(rid)
        if pipe.type(record) == "hash":
            found[rid] = {**pipe.hgetall(record), "audit": [json.loads(entry) for entry in pipe.lrange(audit, 0, -1)]}
    pipe.multi()
    for rid, fields in found.items():
        record, audit = _old_keys(rid)
        pipe.set(record, Record.from_fields(fields).stored())
        pipe.delete(audit)
    return len(found)


def _move_reference(pipe, name: str, pdv_id: str, reference: str) -> int:
    """Stage the move of one reference's comprobantes into the bucketed index; returns how many."""
    rids = pipe.zrange(name, 0, -1)
    pipe.multi()
    references.stage_add(pipe, pdv_id, [(reference, rid) for rid in rids])
    pipe.delete(name)
    return len(rids)

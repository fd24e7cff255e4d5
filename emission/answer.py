"""Applying FECAESolicitar's answer to its batch, detail by detail in the request's order: the approved
ones before the first rejection are emitted, the first rejected one fails with AFIP's observations and
errors, and every one after it goes back to the queue, as its number no longer follows AFIP's last."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from comprobantes.emission_messages import AFTER_REJECTED, REJECTED_WITHOUT_REASON, afip_messages
from comprobantes.store import Record
from emission.inflight import InFlight
from emission.lane_context import LaneContext

log = logging.getLogger("encola.emission")


@dataclass
class Verdicts:
    """The answer sorted by comprobante: emitted (their results), failed (messages and codes), unprocessed."""

    emitted: dict[str, dict] = field(default_factory=dict)
    failed: dict[str, list[str]] = field(default_factory=dict)
    codes: dict[str, list] = field(default_factory=dict)
    unprocessed: list[str] = field(default_factory=list)


def sort_answer(records: list[Record], numbers: list[int], result) -> Verdicts:
    verdicts = Verdicts()
    for index, rec in enumerate(records):
        det = result.details[index] if index < len(result.details) else None
        if det is None or verdicts.failed:
            verdicts.unprocessed.append(rec.id)
        elif det.resultado == "A":
            verdicts.emitted[rec.id] = {"numero": numbers[index], "cae": det.cae, "cae_vto": det.cae_vto,
                                        "observaciones": det.observaciones}
        else:
            pairs = det.observaciones + result.errors
            verdicts.failed[rec.id] = afip_messages(pairs) or [REJECTED_WITHOUT_REASON]
            verdicts.codes[rec.id] = pairs
    return verdicts


def apply_answer(ctx: LaneContext, entry: InFlight, records: list[Record], result) -> None:
    """Store every outcome of the answer; the lane's last number and date follow its highest emission."""
    numbers = entry.numbers
    verdicts = sort_answer(records, numbers, result)
    emitted, failed = verdicts.emitted, verdicts.failed
    log.info("lane %s batch %s: %d emitted, %d rejected, %d back to the queue", ctx.lane, entry.batch,
             len(emitted), len(failed), len(verdicts.unprocessed),
             extra={"lane": ctx.lane, "batch": entry.batch, "emitted": list(emitted), "rejected": list(failed),
                    "numbers": [numbers[0], numbers[-1]]})
    for rid, messages in failed.items():
        log.info("comprobante %s rejected by AFIP: %s", rid, " | ".join(messages),
                 extra={"comprobante": rid, "lane": ctx.lane})
    if emitted:
        ctx.store_emitted(entry.batch, emitted)
        last = max(emitted.values(), key=lambda e: e["numero"])
        ctx.state.learn_last(ctx.r, last["numero"], entry.details[numbers.index(last["numero"])]["CbteFch"])
    if failed:
        ctx.fail(entry.batch, failed, verdicts.codes)
    if verdicts.unprocessed:
        ctx.release(verdicts.unprocessed, entry.batch, AFTER_REJECTED, count_attempt=False)
    ctx.state.note_success(ctx.r)

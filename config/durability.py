"""Whether Redis keeps every write it acknowledged, checked rather than assumed.

Exactly-once emission rests on the in-flight record being there after any crash: if Redis loses the
record of a batch AFIP authorised, those comprobantes are sent again and AFIP holds them twice. So
before it calls FECAESolicitar, the emitter asks `emission_gate` whether Redis's settings keep an
acknowledged write, and in production it refuses to emit when they do not, unless the operator has
accepted the risk (ENCOLA_REDIS_DURABILITY=accept-risk). Development only warns, once.

The verdict reads CONFIG GET appendonly, appendfsync and maxmemory-policy and the server's version:

- `appendonly no`: a restart loses every write since the last snapshot. Refused.
- `appendfsync always`: Redis fsyncs each write before answering it. Durable.
- `appendfsync everysec`: a power cut loses about the last second, and so can a crash of Redis itself
  while its background fsync runs (it then answers writes it holds in memory for up to two seconds;
  docs/production.md). Durable only on Redis 7.2 or later, where the emitter confirms
  each in-flight record with WAITAOF 1 0 (it returns once that write is fsynced to the local AOF).
  The AOF is replayed in order, so a lost tail never keeps a later write (the batch's result) while
  dropping the in-flight record before it: after a power cut the record is there and reconciliation
  settles the batch.
- `appendfsync no`: the kernel decides when the AOF reaches the disk. Refused.
- any `maxmemory-policy` but `noeviction`: Redis may delete keys under memory pressure. Refused.
- CONFIG refused (managed services rename or forbid it): the settings cannot be verified. Refused.

The verdict is cached per process for CACHE_SECONDS, so that a Sentinel failover to a master with
other settings is noticed within that time without reading CONFIG for every batch; on Redis 7.2 or
later WAITAOF covers that window too, as it fails on a master without an AOF.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass, field

from redis.exceptions import ResponseError

log = logging.getLogger("encola.durability")

CACHE_SECONDS = 60.0
WAITAOF_SINCE = (7, 2)
# everysec fsyncs once a second, and Redis lets a slow disk delay it up to two seconds.
WAITAOF_TIMEOUT_MS = 3000
ACCEPT_HINT = "set ENCOLA_REDIS_DURABILITY=accept-risk to emit anyway"

_cache: dict[tuple[int, int], tuple[float, "Verdict"]] = {}
_warned: set[tuple[str, ...]] = set()
_lock = threading.Lock()


@dataclass(frozen=True)
class Verdict:
    durable: bool
    reasons: tuple[str, ...]  # why an acknowledged write could be lost, in plain words; empty when durable
    version: str  # redis_version, "" when INFO did not tell
    waitaof: bool  # Redis 7.2+ with an AOF: each in-flight record is confirmed with WAITAOF
    settings: dict[str, str] = field(default_factory=dict)  # what CONFIG GET answered; empty when refused

    def summary(self) -> str:
        read = ", ".join(f"{name} {value}" for name, value in self.settings.items())
        where = f"Redis {self.version or '(version unknown)'}" + (f": {read}" if read else "")
        if self.durable:
            return f"durable ({where}" + ("; each in-flight record confirmed with WAITAOF)" if self.waitaof else ")")
        return f"NOT durable ({where}): " + "; ".join(self.reasons)


def _version(r) -> str:
    try:
        return str(r.info("server").get("redis_version", ""))
    except ResponseError:
        return ""


def waitaof_available(version: str) -> bool:
    """Whether a server reporting this redis_version has WAITAOF (7.2 and later; Valkey reports 7.2.4)."""
    try:
        return tuple(int(part) for part in version.split(".")[:2]) >= WAITAOF_SINCE
    except ValueError:
        return False


def assess(r) -> Verdict:
    """Read Redis's persistence settings now and judge them (no cache)."""
    version = _version(r)
    try:
        settings = {name: str(r.config_get(name).get(name, ""))
                    for name in ("appendonly", "appendfsync", "maxmemory-policy")}
    except ResponseError as exc:
        return Verdict(False, (f"CONFIG GET is refused ({exc}), so encola cannot verify that Redis keeps the "
                               "writes it acknowledged",), version, False)
    waitaof = waitaof_available(version) and settings["appendonly"] == "yes"
    reasons = []
    if settings["appendonly"] != "yes":
        reasons.append(f"appendonly is {settings['appendonly'] or 'unknown'}: a restart of Redis loses every write "
                       "since the last snapshot")
    elif settings["appendfsync"] == "no":
        reasons.append("appendfsync is no: the kernel decides when the AOF reaches the disk, so a power cut can lose "
                       "many seconds of acknowledged writes")
    elif settings["appendfsync"] == "everysec" and not waitaof:
        reasons.append(f"appendfsync is everysec and Redis {version or '(version unknown)'} has no WAITAOF (7.2 and "
                       "later): a power cut, or a crash of Redis while its fsync runs, can lose about the last "
                       "second of acknowledged writes, an in-flight record among them")
    elif settings["appendfsync"] not in ("always", "everysec"):
        reasons.append(f"appendfsync is {settings['appendfsync'] or 'unknown'}, which encola does not know")
    if settings["maxmemory-policy"] != "noeviction":
        reasons.append(f"maxmemory-policy is {settings['maxmemory-policy'] or 'unknown'}: under memory pressure "
                       "Redis deletes keys, and a deleted key is a lost comprobante or in-flight record")
    return Verdict(not reasons, tuple(reasons), version, waitaof, settings)


def verdict(r) -> Verdict:
    """The verdict for `r`'s server, read at most once per CACHE_SECONDS in this process."""
    cache_key = (os.getpid(), id(r))
    now = time.monotonic()
    cached = _cache.get(cache_key)
    if cached is not None and now - cached[0] < CACHE_SECONDS:
        return cached[1]
    fresh = assess(r)
    _cache[cache_key] = (now, fresh)
    return fresh


def forget(r) -> None:
    """Drop this process's cached verdict for `r`, so the next one reads the settings again."""
    _cache.pop((os.getpid(), id(r)), None)


@dataclass(frozen=True)
class Gate:
    verdict: Verdict
    refuses: bool  # the emitter must not call FECAESolicitar
    policy: str  # "enforced" (production, check), "risk accepted" or "development"

    def summary(self) -> str:
        if self.verdict.durable:
            return self.verdict.summary()
        if self.refuses:
            return f"{self.verdict.summary()}. Emission is refused in production; {ACCEPT_HINT}"
        if self.policy == "risk accepted":
            return f"{self.verdict.summary()}. Emitting anyway: ENCOLA_REDIS_DURABILITY=accept-risk"
        return f"{self.verdict.summary()}. Emitting anyway: development only warns"


def emission_gate(v: Verdict, settings) -> Gate:
    """What the verdict means under these settings: only production with `check` refuses."""
    if settings.development:
        policy = "development"
    elif settings.redis_durability == "accept-risk":
        policy = "risk accepted"
    else:
        policy = "enforced"
    return Gate(v, refuses=policy == "enforced" and not v.durable, policy=policy)


def gate_for_emitting(r, settings, verdict_of=verdict) -> Gate:
    """The gate the emitter obeys; a verdict that lets it emit although not durable is logged once per
    process (per set of reasons), so development and an accepted risk are visible but not noisy."""
    gate = emission_gate(verdict_of(r), settings)
    if not gate.verdict.durable and not gate.refuses:
        with _lock:
            first = gate.verdict.reasons not in _warned
            _warned.add(gate.verdict.reasons)
        if first:
            log.warning("Redis may lose acknowledged writes, emission goes on: %s", gate.summary())
    return gate


def write_confirmed(r, key: str, field_name: str, value: str, *, timeout_ms: int = WAITAOF_TIMEOUT_MS) -> bool:
    """HSET the field and wait until Redis has fsynced it to its AOF (WAITAOF 1 0); False when Redis
    does not confirm in time or refuses WAITAOF. Both commands go down one connection, as WAITAOF only
    answers for the writes of its own connection."""
    pipe = r.pipeline(transaction=False)
    pipe.hset(key, field_name, value)
    pipe.execute_command("WAITAOF", 1, 0, timeout_ms)
    written, confirmed = pipe.execute(raise_on_error=False)
    if isinstance(written, Exception):
        raise written
    if isinstance(confirmed, Exception):
        log.warning("WAITAOF refused: %s", confirmed)
        return False
    return int(confirmed[0]) >= 1

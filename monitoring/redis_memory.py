"""How full Redis is, for /metrics and `encola status`.

With `maxmemory-policy noeviction` (docs/production.md) a Redis at its `maxmemory` refuses
every write, every point of sale's alike; without a `maxmemory` it grows until the machine's memory
runs out and the kernel kills it, losing what it had not yet written to disk. So the operator is warned
before either: above ENCOLA_REDIS_MEMORY_ALERT_PERCENT of `maxmemory`, and in production whenever no
`maxmemory` is set. Read with INFO (https://redis.io/docs/latest/commands/info/), which managed services
allow where they rename CONFIG.
"""

from __future__ import annotations

from dataclasses import dataclass

from config.settings import Settings


@dataclass(frozen=True)
class MemoryUse:
    used: int  # bytes (used_memory)
    maxmemory: int  # bytes; 0 when no maxmemory is set

    @property
    def percent(self) -> float | None:
        return 100.0 * self.used / self.maxmemory if self.maxmemory else None

    def alert(self, settings: Settings) -> str | None:
        """What the operator must hear about, or None."""
        if self.maxmemory and self.percent >= settings.redis_memory_alert_percent:
            return (f"Redis uses {self.percent:.0f} % of its maxmemory ({_mb(self.used)} of {_mb(self.maxmemory)}), "
                    f"above the alert at {settings.redis_memory_alert_percent:g} %: at 100 % every write is "
                    f"refused. Give it more memory, or lower the caps of the points of sale that hold most.")
        if not self.maxmemory and not settings.development:
            return (f"Redis has no maxmemory ({_mb(self.used)} used): it grows until the machine runs out of "
                    f"memory and is killed. Set maxmemory below the machine's memory.")
        return None

    def summary(self) -> str:
        if self.maxmemory:
            return f"{_mb(self.used)} of {_mb(self.maxmemory)} ({self.percent:.0f} %)"
        return f"{_mb(self.used)}, no maxmemory"


def _mb(size: int) -> str:
    return f"{size / 1048576:.1f} MB"


def read(r) -> MemoryUse:
    info = r.info("memory")
    return MemoryUse(int(info["used_memory"]), int(info.get("maxmemory", 0)))

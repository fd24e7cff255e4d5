"""When Redis's memory use is worth an alert (monitoring/redis_memory.py): pure, no Redis."""

from __future__ import annotations

from dataclasses import replace

from config.settings import get_settings
from monitoring.redis_memory import MemoryUse

MB = 1048576


def test_above_the_threshold_of_maxmemory_is_an_alert_and_below_is_not():
    settings = replace(get_settings(), redis_memory_alert_percent=80.0)
    assert MemoryUse(79 * MB, 100 * MB).alert(settings) is None
    alert = MemoryUse(80 * MB, 100 * MB).alert(settings)
    assert alert.startswith("Redis uses 80 % of its maxmemory (80.0 MB of 100.0 MB), above the alert at 80 %")


def test_no_maxmemory_is_an_alert_in_production_only():
    development = replace(get_settings(), env="development")
    assert MemoryUse(10 * MB, 0).alert(development) is None
    production = replace(development, env="production")
    assert "Redis has no maxmemory (10.0 MB used)" in MemoryUse(10 * MB, 0).alert(production)

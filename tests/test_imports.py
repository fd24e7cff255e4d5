"""Importing encola's modules has no side effects: no settings read, no environment needed. The Celery app
and the web application read the settings on first use, so a tool (import-linter, a test, a REPL) can import
any module of a machine with no ENCOLA_ variable at all."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("accounts", "afip", "cli", "comprobantes", "config", "documents", "emission", "mailing", "monitoring",
            "producers", "tasks", "webhook_dispatch")

_IMPORT_ALL = """
import importlib, pkgutil, sys
for package in sys.argv[1:]:
    importlib.import_module(package)
    for module in pkgutil.walk_packages(importlib.import_module(package).__path__, package + "."):
        importlib.import_module(module.name)
"""


def _without_encola_environment() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("ENCOLA_")}


def test_every_module_imports_without_the_environment():
    done = subprocess.run([sys.executable, "-c", _IMPORT_ALL, *PACKAGES], cwd=REPO, env=_without_encola_environment(),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]


def test_the_celery_app_reads_the_settings_on_first_use():
    script = "from config.celery_app import app\nprint('imported', flush=True)\napp.conf.broker_url"
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO, env=_without_encola_environment(),
                          capture_output=True, text=True, timeout=60)
    assert done.stdout == "imported\n"
    assert done.returncode != 0 and "encola: ENCOLA_ENV is not set" in done.stderr

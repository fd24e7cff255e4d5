"""Structured logs: one JSON object per line, carrying the ids that tie a line to a comprobante, a lane
or a hook (`extra={"comprobante": ..., "lane": ..., "hook": ...}`), and never a credential, token, key
or webhook secret, whatever a caller passes by mistake."""

from __future__ import annotations

import logging
import os
import re
import sys

from pythonjsonlogger.json import JsonFormatter

from config.liveness import SWEEP_TASKS

SENSITIVE_FIELDS = {"apikey", "apitoken", "usertoken", "token", "sign", "secret", "webhook_secret",
                    "webhook_token", "password", "authorization", "private_key"}
# whsec_ secrets, and long hex or base64 runs such as tokens and WSAA signatures.
_SECRET_TEXT = re.compile(r"whsec_[A-Za-z0-9+/=]+|\b[A-Fa-f0-9]{32,}\b|[A-Za-z0-9+/]{60,}={0,2}")
REDACTED = "[redacted]"


class Redactor(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        for name in list(vars(record)):
            if name.lower() in SENSITIVE_FIELDS:
                setattr(record, name, REDACTED)
        if isinstance(record.msg, str) and not record.args:
            record.msg = _SECRET_TEXT.sub(REDACTED, record.msg)
        elif record.args:
            record.msg = _SECRET_TEXT.sub(REDACTED, record.getMessage())
            record.args = ()
        return True


class QuietSweeps(logging.Filter):
    """Drops the INFO lines about the sweeps' every run (beat's "Sending due task", a worker's
    "received", "succeeded", and "Discarding revoked task" for a sweep that expired behind busy
    workers), a few a second. A sweep that publishes something says so itself (config.liveness), and
    warnings and errors about them pass."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno > logging.INFO:
            return True
        message = record.getMessage()
        return not any(task in message for task in SWEEP_TASKS)


def formatter() -> logging.Formatter:
    return JsonFormatter(
        "%(asctime)s %(levelname)s %(name)s %(message)s",
        rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        json_ensure_ascii=False,
    )


def configure(level: str | None = None) -> None:
    """JSON lines on stdout for this process (ENCOLA_LOG_LEVEL sets the level, INFO by default)."""
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(formatter())
    handler.addFilter(QuietSweeps())  # before the Redactor: a dropped line needs no redacting
    handler.addFilter(Redactor())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level or os.environ.get("ENCOLA_LOG_LEVEL", "INFO").upper())

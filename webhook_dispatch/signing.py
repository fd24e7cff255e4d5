"""Standard Webhooks v1 signatures (HMAC-SHA256 over `id.timestamp.body`) and the secrets they are made
with, through the official `standardwebhooks` package so receivers can verify with any of its libraries."""

from __future__ import annotations

import base64
from datetime import datetime, timezone
from secrets import token_bytes

from standardwebhooks.webhooks import Webhook


def new_webhook_secret() -> str:
    """A signing secret as Standard Webhooks writes them: `whsec_` and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(token_bytes(32)).decode("ascii")


def signature_headers(hook_id: str, body: str, secrets: list[str], timestamp: datetime) -> dict[str, str]:
    """The three headers; one `v1,` signature per live secret, so rotation needs no downtime."""
    if timestamp.tzinfo is None:
        raise ValueError("the timestamp must be timezone-aware (the library would read a naive one as UTC)")
    # The library replaces the time zone with UTC instead of converting to it: convert first.
    timestamp = timestamp.astimezone(timezone.utc)
    signatures = " ".join(Webhook(secret).sign(hook_id, timestamp, body) for secret in secrets)
    return {
        "webhook-id": hook_id,
        "webhook-timestamp": str(int(timestamp.timestamp())),
        "webhook-signature": signatures,
    }

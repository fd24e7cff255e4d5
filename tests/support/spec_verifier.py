"""A Standard Webhooks receiver's check written only from the spec (v1.0.0, "Verifying webhooks"),
with nothing from our signing code or the official library: HMAC-SHA256 keyed with the base64-decoded
part of the `whsec_` secret, over `{webhook-id}.{webhook-timestamp}.{body}`, base64, under `v1,`."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

TOLERANCE_SECONDS = 5 * 60


def verify(secret: str, headers: dict[str, str], body: bytes) -> bool:
    headers = {name.lower(): value for name, value in headers.items()}
    msg_id, timestamp = headers["webhook-id"], headers["webhook-timestamp"]
    if abs(int(timestamp) - time.time()) > TOLERANCE_SECONDS:
        return False
    key = base64.b64decode(secret.removeprefix("whsec_"))
    expected = hmac.new(key, msg_id.encode() + b"." + timestamp.encode() + b"." + body, hashlib.sha256).digest()
    for entry in headers["webhook-signature"].split(" "):
        version, _, signature = entry.partition(",")
        if version == "v1" and hmac.compare_digest(base64.b64decode(signature), expected):
            return True
    return False

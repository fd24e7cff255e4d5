"""The form a point of sale's webhook URL must have: http or https with a host, and https outside
development (ENCOLA_ENV=production). Where the URL may point is a different question, answered at every
delivery after resolving its host (webhook_dispatch/addresses.py), because DNS can change after the URL
was accepted.
"""

from __future__ import annotations

from urllib.parse import urlsplit

MAX_LENGTH = 2048


class BadWebhookUrl(ValueError):
    """The message says what is wrong, for the person who typed the URL."""


def check_webhook_url(url: str, *, development: bool) -> None:
    if not isinstance(url, str) or not url:
        raise BadWebhookUrl("the webhook URL is empty")
    if len(url) > MAX_LENGTH:
        raise BadWebhookUrl(f"the webhook URL is longer than {MAX_LENGTH} characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise BadWebhookUrl(f"the webhook URL cannot be read: {exc}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname or port == 0:
        raise BadWebhookUrl("the webhook URL must look like https://host/path")
    if parts.scheme != "https" and not development:
        raise BadWebhookUrl("the webhook URL must use https")
    # Credentials in a URL end up in logs and views of the point of sale; TF-WebhookToken and the
    # signature are how a receiver knows the sender.
    if parts.username is not None or parts.password is not None:
        raise BadWebhookUrl("the webhook URL must not carry a user or password")

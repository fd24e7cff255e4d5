"""Webhook dispatch: events stored once, signed, delivered from their own queue, retried, logged."""

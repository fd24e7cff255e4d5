"""Every Celery task of the service, one module per queue. Thin: they take ids, call plain functions in
`emission`, `webhook_dispatch` and `mailing`, and leave the retry of an unreachable Redis to Celery's
`autoretry_for` (config/retry_policy.py)."""

"""Celery tasks of the `emision` queue. Thin: they take ids, call plain functions in `emission`, and sort
exceptions into retry, fail or ignore. (The `webhooks` queue's tasks live in webhook_dispatch.tasks.)"""

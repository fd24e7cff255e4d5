"""Benchmarks: each runs the real stack (Redis, the AFIP simulator with a latency, Celery workers,
beat, a webhook receiver), prints a table and writes its figures as JSON under bench/results/."""
